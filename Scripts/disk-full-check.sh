#!/usr/bin/env bash
# A full disk, for real: kp-bench trained into a 200 KB tmpfs must stop with exit 1 and one message
# naming the file and "disk full", leave only whole lines in metrics.jsonl and filters.jsonl and no
# summary.json (so it reads as a partial run), and `report` of it must end cleanly (exit 0 or 1, no
# signal). Needs permission to mount a tmpfs (root with CAP_SYS_ADMIN); says SKIP without it.
# Usage: Scripts/disk-full-check.sh PATH/TO/convdyn
set -euo pipefail
convdyn=$(readlink -f "$1")
mnt=$(mktemp -d /tmp/convdyn-diskfull.XXXXXX)
if ! mount -t tmpfs -o size=200k tmpfs "$mnt" 2>/dev/null; then
  rmdir "$mnt"
  echo "SKIP: cannot mount a tmpfs here"
  exit 0
fi
trap 'umount "$mnt"; rmdir "$mnt"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

status=0
"$convdyn" train --preset kp-bench --out "$mnt/run" --quiet > "$mnt/../diskfull.log" 2>&1 || status=$?
log=$(cat "$mnt/../diskfull.log"); rm -f "$mnt/../diskfull.log"
[ "$status" -eq 1 ] || fail "train on a full disk exited $status, expected 1: $log"
grep -q "disk full" <<< "$log" || fail "no 'disk full' in the message: $log"
[ ! -e "$mnt/run/summary.json" ] || fail "summary.json written on a full disk"
for f in metrics.jsonl filters.jsonl; do
  [ -f "$mnt/run/$f" ] || continue
  python3 - "$mnt/run/$f" <<'PY' || fail "$f holds a partial line"
import json, sys
data = open(sys.argv[1], "rb").read()
assert data == b"" or data.endswith(b"\n"), "no final newline"
for line in data.splitlines():
    json.loads(line)
PY
done
status=0
"$convdyn" report "$mnt/run" > /dev/null 2>&1 || status=$?
[ "$status" -le 1 ] || fail "report of the partial run exited $status"
echo "PASS: disk full after $(wc -l < "$mnt/run/metrics.jsonl") whole metrics lines, no summary.json"
