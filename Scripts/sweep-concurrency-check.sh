#!/usr/bin/env bash
# Several drivers on one sweep directory: two `convdyn sweep` on one --out and a `sweep run --index`
# loop beside them (as a Slurm array would), one of the sweeps killed with SIGKILL mid-way, the
# others left to finish, then `convdyn sweep` again to resume. Checks that no run was done twice,
# that every run ends done with no lock left, and that every run's metrics.jsonl, filters.jsonl and
# summary.json equal those of an uninterrupted sweep of the same spec, byte for byte.
# Usage: Scripts/sweep-concurrency-check.sh PATH/TO/convdyn [ROUNDS]
set -euo pipefail
convdyn=$(readlink -f "$1")
rounds=${2:-2}
work=$(mktemp -d /tmp/convdyn-concurrency.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > spec.yaml <<'SPEC'
preset: kp-small
seeds: 3
set: {steps: 60000, nTest: 200, schedule: "every(2000)"}   # about 0.5 s a run
grid:
  M: [2, 4]
  sigma: [0, 0.1]
SPEC
runs=12

fail() { echo "FAIL: $*" >&2; exit 1; }
done_count() { find "$1/runs" -name summary.json 2>/dev/null | wc -l; }

"$convdyn" sweep spec.yaml --out reference --jobs 1 > reference.log 2>&1 || fail "the uninterrupted sweep failed"

for round in $(seq 1 "$rounds"); do
  dir="shared-$round"
  "$convdyn" sweep spec.yaml --out "$dir" --jobs 2 > "a-$round.log" 2>&1 &
  a=$!
  sleep 0.3
  "$convdyn" sweep spec.yaml --out "$dir" --jobs 2 > "b-$round.log" 2>&1 &
  b=$!
  (
    until [ -f "$dir/sweep.json" ]; do sleep 0.05; done
    for i in $(seq 0 $((runs - 1))); do "$convdyn" sweep run "$dir" --index "$i"; done
  ) > "c-$round.log" 2>&1 &
  c=$!
  # Kill the second sweep once a few runs are done (round 2 and later: at once, mid-run).
  target=$(( round == 1 ? 3 : 1 ))
  for _ in $(seq 1 600); do
    [ "$(done_count "$dir")" -ge "$target" ] && break
    sleep 0.05
  done
  kill -KILL "$b" 2>/dev/null || true
  wait "$b" 2>/dev/null || true
  wait "$a" || fail "round $round: the surviving sweep failed: $(tail -3 "a-$round.log")"
  wait "$c" || fail "round $round: the sweep run --index loop failed: $(tail -3 "c-$round.log")"
  "$convdyn" sweep spec.yaml --out "$dir" > "resume-$round.log" 2>&1 || fail "round $round: the resumed sweep failed"

  # No run was finished by two processes (a killed driver's unfinished run is redone once).
  finished=$(cat "a-$round.log" "b-$round.log" "c-$round.log" "resume-$round.log" \
    | grep -oE '^run [0-9]+ done' | sort)
  twice=$(uniq -d <<< "$finished")
  [ -z "$twice" ] || fail "round $round: runs finished twice: $twice"
  status=$("$convdyn" sweep status "$dir")
  grep -q "done $runs, running 0, failed 0, missing 0" <<< "$status" || fail "round $round: $status"
  leftover=$(find "$dir/runs" -maxdepth 1 -name '*.lock*' | head -3)
  [ -z "$leftover" ] || fail "round $round: locks left behind: $leftover"
  for i in $(seq 0 $((runs - 1))); do
    run=$(printf 'runs/%06d' "$i")
    for f in metrics.jsonl filters.jsonl summary.json; do
      cmp -s "reference/$run/$f" "$dir/$run/$f" || fail "round $round: $run/$f differs from the uninterrupted sweep"
    done
  done
  per() { grep -cE '^run [0-9]+ done' "$1" || true; }
  echo "round $round: runs finished by sweep A $(per "a-$round.log"), by sweep B (killed) $(per "b-$round.log"), \
by the --index loop $(per "c-$round.log"), on resuming $(per "resume-$round.log"); \
$(grep -c 'left to it' "c-$round.log" || true) index tasks found their run held; every run byte-identical"
done
echo "PASS: $rounds rounds"
