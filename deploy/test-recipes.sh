#!/usr/bin/env bash
# Checks the recipes in deploy/ as far as one machine allows (`make test-recipes`):
#
#   1. syntax: `bash -n` on the shell recipes, PyYAML parses the Kubernetes files;
#   2. GNU parallel, for real: a tiny experiment as 3 shards on this machine, merged,
#      must equal one `sweep` process row for row (wall_ms aside) and in its SVG; then
#      the --sshlogin variant over two "hosts" that are this machine (an ssh stand-in
#      that runs each host's commands in its own home folder: no real remote host);
#   3. Slurm and Kubernetes, a dry run of the shard arithmetic: each array task index
#      (1…N) and each completion index (0…N−1) runs the recipe's own command line with a
#      `sweep` that only lists its runs (`--dry-run`); together the tasks must list every
#      run of the experiment exactly once, and the merge steps must name every shard;
#   4. the Containerfile's structure (its stages and that what it copies exists). It is
#      not built: that needs a container daemon.
#
# usage: deploy/test-recipes.sh PATH/TO/sweep   (from the repository folder)
set -euo pipefail
cd "$(dirname "$0")/.."
SWEEP=$(realpath "${1:?usage: $0 PATH/TO/sweep}")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
say() { printf '\033[1;34m[recipes]\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31m[recipes] FAIL:\033[0m %s\n' "$*" >&2; exit 1; }

say "syntax: bash -n"
for f in deploy/parallel.sh deploy/slurm.sbatch deploy/test-recipes.sh; do
  bash -n "$f" || fail "$f: bash -n"
done
say "syntax: YAML (PyYAML)"
python3 - <<'PY' || fail "the Kubernetes files"
import yaml
for f in ["deploy/k8s-job.yaml", "deploy/k8s-merge.yaml"]:
    docs = [d for d in yaml.safe_load_all(open(f)) if d]
    assert docs and all("apiVersion" in d and "kind" in d for d in docs), f
PY

# `sweep` on PATH: the real one, or one that lists runs instead of training.
mkdir -p "$TMP/real" "$TMP/dry"
ln -s "$SWEEP" "$TMP/real/sweep"
cat > "$TMP/dry/sweep" <<SH
#!/bin/sh
if [ "\$1" = merge ]; then shift; echo "MERGE \$*"; exit 0; fi
exec "$SWEEP" --dry-run "\$@"
SH
chmod +x "$TMP/dry/sweep"

# Compares two CSVs by column name, every column but wall_ms.
same_csv() {
  python3 - "$1" "$2" <<'PY'
import csv, sys
def rows(p):
    with open(p, newline="") as f:
        return [{k: v for k, v in r.items() if k != "wall_ms"} for r in csv.DictReader(f)]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
assert a and a == b, f"{sys.argv[1]} and {sys.argv[2]} differ"
print(f"{len(a)} rows equal (wall_ms aside)")
PY
}

say "GNU parallel: 3 shards on this machine, then merge, against one process"
EXP=(--k 1,2,3 --repeats 2 --epochs 1 --train 200 --data data/mnist)
PATH="$TMP/real:$PATH" SHARDS=3 OUT="$TMP/par" deploy/parallel.sh "${EXP[@]}" > "$TMP/par.log" \
  || { cat "$TMP/par.log"; fail "deploy/parallel.sh"; }
"$SWEEP" "${EXP[@]}" --quiet --out "$TMP/single" > "$TMP/single.log"
same_csv "$TMP/single.csv" "$TMP/par/merged.csv" || fail "parallel's merge differs from one process"
cmp -s "$TMP/single.svg" "$TMP/par/merged.svg" || fail "parallel's SVG differs from one process"
diff <(grep -v '^wrote ' "$TMP/single.log") <(grep -v '^wrote ' "$TMP/par.log" | grep -v '^shard ') \
  || fail "parallel's summary differs from one process"
grep -q "critical batch size" "$TMP/par.log" || fail "no summary from the merge"

say "GNU parallel over ssh: two hosts simulated by an ssh that runs in each host's own home"
# parallel's --sshlogin path for real (the remote work folder, --return by rsync over
# that "ssh", --cleanup), but both "hosts" are this machine.
cat > "$TMP/ssh" <<SH
#!/usr/bin/env bash
while [ \$# -gt 0 ]; do case "\$1" in -l|-o|-p) shift 2 ;; -*) shift ;; *) break ;; esac; done
echo "\$1" >> "$TMP/ssh-hosts"
export HOME="$TMP/remote-\$1"; shift
[ "\${1:-}" = "--" ] && shift
mkdir -p "\$HOME" && cd "\$HOME" && exec bash -c "\$*"
SH
chmod +x "$TMP/ssh"
mkdir -p "$TMP/home/job"
DATA=$(realpath data/mnist)
(cd "$TMP/home/job" && HOME="$TMP/home" PATH="$TMP/real:$PATH" PARALLEL_SSH="$TMP/ssh" \
  SSHLOGIN=2/host1,1/host2 SHARDS=4 OUT=ssh "$OLDPWD/deploy/parallel.sh" "${EXP[@]/data\/mnist/$DATA}" \
  > "$TMP/ssh.log") || { cat "$TMP/ssh.log"; fail "deploy/parallel.sh with SSHLOGIN"; }
[ -z "$(find "$TMP"/remote-* -name '*.csv')" ] || fail "--cleanup left shard CSVs on a host"
[ "$(sort -u "$TMP/ssh-hosts")" = $'host1\nhost2' ] || fail "not both hosts ran a shard"
same_csv "$TMP/single.csv" "$TMP/home/job/ssh/merged.csv" || fail "the ssh merge differs from one process"

# The runs an experiment has (the whole run's dry run), one "run N" per line.
all_runs() { "$SWEEP" "$@" --dry-run | cut -d: -f1 | sort; }
# Checks that the tasks' runs ($1: file of "run N" lines) are every run once.
every_run_once() {
  sort "$1" > "$1.sorted"
  diff -q "$1.sorted" "$2" >/dev/null || fail "$3: the tasks' runs are not every run exactly once"
  say "$3: $(wc -l < "$2") runs, each in exactly one task"
}

say "Slurm: array tasks 1…N (dry run)"
S_EXP="--k 1-7 --repeats 2"
array=$(sed -n 's/^#SBATCH --array=//p' deploy/slurm.sbatch)
shards=$(sed -n 's/^SHARDS=\${SHARDS:-\([0-9]*\)}$/\1/p' deploy/slurm.sbatch)
[ "$array" = "1-$shards" ] || fail "slurm.sbatch: --array=$array but SHARDS defaults to $shards"
: > "$TMP/slurm.runs"
for t in $(seq 1 "$shards"); do
  cmd=$(DRY_RUN=1 SLURM_ARRAY_TASK_ID=$t EXPERIMENT="$S_EXP" OUT="$TMP/slurm" bash deploy/slurm.sbatch)
  grep -q -- "--shard $t/$shards " <<<"$cmd" || fail "task $t does not run shard $t/$shards: $cmd"
  (PATH="$TMP/dry:$PATH"; eval "$cmd") | cut -d: -f1 >> "$TMP/slurm.runs"
done
# shellcheck disable=SC2086
all_runs $S_EXP > "$TMP/all.runs"
every_run_once "$TMP/slurm.runs" "$TMP/all.runs" "Slurm"
for t in 0 $((shards + 1)); do
  if DRY_RUN=1 SLURM_ARRAY_TASK_ID=$t bash deploy/slurm.sbatch >/dev/null 2>&1; then
    fail "slurm.sbatch accepts array task $t"
  fi
done
merge=$(DRY_RUN=1 MERGE=1 OUT=o bash deploy/slurm.sbatch)
[ "$merge" = "sweep merge $(for i in $(seq 1 "$shards"); do printf 'o/shard-%s.csv ' "$i"; done)--out o/merged " ] \
  || fail "the Slurm merge step: $merge"

say "Kubernetes: completion indexes 0…N−1 (dry run)"
python3 - "$TMP/k8s" <<'PY' || fail "the Kubernetes Job"
import json, sys, yaml
job = [d for d in yaml.safe_load_all(open("deploy/k8s-job.yaml")) if d and d["kind"] == "Job"][0]
merge = yaml.safe_load(open("deploy/k8s-merge.yaml"))
spec = job["spec"]
assert spec["completionMode"] == "Indexed", "completionMode must be Indexed"
c = job["spec"]["template"]["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
m = merge["spec"]["template"]["spec"]["containers"][0]
menv = {e["name"]: e["value"] for e in m["env"]}
assert int(env["SHARDS"]) == spec["completions"] == int(menv["SHARDS"]), "SHARDS must equal completions"
assert c["command"] == ["sh", "-c"] and m["command"] == ["sh", "-c"]
json.dump({"n": spec["completions"], "env": env, "script": c["args"][0], "merge": m["args"][0]},
          open(sys.argv[1], "w"))
PY
k8s() { python3 -c "import json,sys; print(json.load(open('$TMP/k8s'))$1)"; }
n=$(k8s '["n"]')
K_EXP=$(k8s '["env"]["EXPERIMENT"]')
: > "$TMP/k8s.runs"
for idx in $(seq 0 $((n - 1))); do
  PATH="$TMP/dry:$PATH" JOB_COMPLETION_INDEX=$idx SHARDS=$n EXPERIMENT="$K_EXP" \
    sh -c "$(k8s '["script"]')" | cut -d: -f1 >> "$TMP/k8s.runs"
done
# shellcheck disable=SC2086
all_runs $K_EXP > "$TMP/all.runs"
every_run_once "$TMP/k8s.runs" "$TMP/all.runs" "Kubernetes"
merge=$(PATH="$TMP/dry:$PATH" SHARDS=$n sh -c "$(k8s '["merge"]')")
[ "$merge" = "MERGE $(for i in $(seq 1 "$n"); do printf '/results/shard-%s.csv ' "$i"; done)--out /results/merged" ] \
  || fail "the Kubernetes merge step: $merge"

say "Containerfile: structure (not built here)"
f=deploy/Containerfile
grep -q '^FROM .* AS build$' "$f" && grep -q 'cargo build --release --locked --bin sweep' "$f" \
  && grep -q '^COPY --from=build .*/sweep /usr/local/bin/sweep$' "$f" \
  && grep -q '^COPY --from=data /data/mnist /data/mnist$' "$f" \
  && grep -q '^ENTRYPOINT \["sweep"\]$' "$f" || fail "$f: a stage or a step is missing"
# Every path it copies from the build context exists.
for src in $(awk '$1 == "COPY" && $2 !~ /^--from/ { for (i = 2; i < NF; i++) print $i }' "$f"); do
  [ -e "$src" ] || fail "$f copies $src, which does not exist"
done
say "all recipe checks passed"
