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
# each host). Each host needs `sweep` on its PATH and the MNIST files (pass --data DIR);
# the commands run in the same relative folder under the remote home (--workdir .), and
# --return copies each shard's CSV back here before the merge. Not run on real hosts
# here; `parallel --dry-run` shows the ssh commands (DRY_RUN=1 prints them too).
set -euo pipefail

SHARDS=${SHARDS:-4}
OUT=${OUT:-out/shards}
JOBS=${JOBS:-$SHARDS}
mkdir -p "$OUT"

# The experiment's flags, quoted for the shell that runs each shard (local or remote).
flags=$(printf '%q ' "$@")
cmd="mkdir -p $(printf '%q' "$OUT") && sweep $flags--quiet --jobs 1 --shard {}/$SHARDS --out $(printf '%q' "$OUT")/shard-{}"

opts=(--jobs "$JOBS" --halt now,fail=1 --line-buffer --tagstring 'shard {}/'"$SHARDS")
if [ -n "${SSHLOGIN:-}" ]; then
  opts+=(--sshlogin "$SSHLOGIN" --workdir . --return "$OUT/shard-{}.csv" --cleanup)
fi
if [ -n "${DRY_RUN:-}" ]; then
  opts+=(--dry-run)
fi

parallel "${opts[@]}" "$cmd" ::: $(seq 1 "$SHARDS")

if [ -n "${DRY_RUN:-}" ]; then
  echo "sweep merge $OUT/shard-{1..$SHARDS}.csv --out $OUT/merged"
  exit 0
fi
# Shards beyond the number of runs write a header-only CSV; merge accepts them.
files=()
for i in $(seq 1 "$SHARDS"); do files+=("$OUT/shard-$i.csv"); done
sweep merge "${files[@]}" --out "$OUT/merged"
