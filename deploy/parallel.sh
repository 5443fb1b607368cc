#!/usr/bin/env bash
# GNU parallel recipe: one experiment as SHARDS shards on this machine (or several
# machines over ssh), then `sweep merge` into OUT/merged.csv, .svg and the summary.
#
#   SHARDS=4 OUT=out/shards deploy/parallel.sh --k 1-7 --rule linear --epochs 10
#
# Every argument is passed to each `sweep` as the experiment's flags. Each shard runs
# `sweep … --shard i/SHARDS --out OUT/shard-i --jobs 1` (one core each; JOBS shards at
# once, default SHARDS). `sweep` must be on PATH (`cargo install --path .`, or
# PATH=target/release:$PATH). A failed shard stops the rest (--halt now,fail=1) and
# no merge is attempted.
#
# Several machines: SSHLOGIN=2/host1,2/host2 (parallel's --sshlogin: up to 2 shards on
# each host). Each host needs `sweep` on its PATH and the MNIST files (pass --data with
# an absolute DIR); each shard runs in a fresh folder of its own on its host (--workdir
# ..., so shards sharing a host never touch each other's files), --return copies its CSV
# back here (by rsync; keep OUT relative) before the merge, and --cleanup removes the
# folder. `make test-recipes` runs this variant over two stand-in hosts
# (an ssh that runs commands in a per-host home folder on this machine), never over a
# real network. DRY_RUN=1 prints the commands (parallel --dry-run) instead.
set -euo pipefail

# The shard command is quoted for bash (printf %q); say so, or parallel guesses the shell
# from $SHELL, and where that is unset (a CI runner, cron) the --sshlogin variant's
# remote wrapper runs the command outside its work folder.
export PARALLEL_SHELL=${PARALLEL_SHELL:-bash}

SHARDS=${SHARDS:-4}
OUT=${OUT:-out/shards}
JOBS=${JOBS:-$SHARDS}
mkdir -p "$OUT"

# The experiment's flags, quoted for the shell that runs each shard (local or remote).
flags=$(printf '%q ' "$@")
cmd="mkdir -p $(printf '%q' "$OUT") && sweep $flags--quiet --jobs 1 --shard {}/$SHARDS --out $(printf '%q' "$OUT")/shard-{}"

opts=(--jobs "$JOBS" --halt now,fail=1 --line-buffer --tagstring 'shard {}/'"$SHARDS")
if [ -n "${SSHLOGIN:-}" ]; then
  opts+=(--sshlogin "$SSHLOGIN" --workdir ... --return "$OUT/shard-{}.csv" --cleanup)
fi
if [ -n "${DRY_RUN:-}" ]; then
  opts+=(--dry-run)
fi

parallel "${opts[@]}" "$cmd" ::: $(seq 1 "$SHARDS")

# Shards beyond the number of runs write a header-only CSV; merge accepts them.
files=()
for i in $(seq 1 "$SHARDS"); do files+=("$OUT/shard-$i.csv"); done
if [ -n "${DRY_RUN:-}" ]; then
  printf '%q ' sweep merge "${files[@]}" --out "$OUT/merged"
  echo
  exit 0
fi
sweep merge "${files[@]}" --out "$OUT/merged"
