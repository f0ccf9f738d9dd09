#!/usr/bin/env bash
# Proves the Slurm path on a real single-node Slurm cluster (Debian's slurm-wlm and munge, as
# root, no systemd): installs and starts it, submits a small sweep as a job array plus the
# aggregation job, waits, checks every run and the summary, and stops the daemons by PID.
# Usage: Scripts/slurm-sweep-check.sh PATH/TO/convdyn
set -euo pipefail
convdyn=$(readlink -f "$1")
work=$(mktemp -d /tmp/convdyn-slurm.XXXXXX)
state="$work/slurm"
mkdir -p "$state/state" "$state/spool" /run/munge

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge
fi

host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p') - 512 ))
cat > "$state/slurm.conf" <<CONF
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$state/slurm.conf"

# Stops the daemons and waits (up to 10 s) until they have exited: slurmctld saves its state into
# $state on the way out, which would race with removing the directory.
stop() {
  local pids=()
  for pid in "$state/slurmd.pid" "$state/slurmctld.pid" /run/munge/munged.pid; do
    if [ -f "$pid" ]; then pids+=("$(cat "$pid")"); kill "${pids[-1]}" 2>/dev/null || true; fi
  done
  for _ in $(seq 100); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
}
trap stop EXIT

[ -f /etc/munge/munge.key ] || /usr/sbin/mungekey --create 2>/dev/null || true
chown munge:munge /run/munge
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 1 60); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo

cat > "$work/spec.yaml" <<SPEC
preset: kp-small
seeds: 3
set: {steps: 200, nTest: 300, filterDynamics: false}
grid:
  M: [2, 4]
SPEC
"$convdyn" sweep "$work/spec.yaml" --out "$work/sweep" --no-run
"$convdyn" sweep slurm "$work/sweep" --max-parallel 2 --partition debug --time 00:10:00
"$work/sweep/slurm/submit.sh" --wait
"$convdyn" sweep status "$work/sweep" | tee "$work/status.txt"
grep -q "done 6, running 0, failed 0, missing 0" "$work/status.txt"
test -f "$work/sweep/sweep_summary.csv"
test -f "$work/sweep/phase.svg"
test "$(wc -l < "$work/sweep/sweep_summary.csv")" -eq 7
for i in 0 1 2 3 4 5; do test -f "$work/sweep/runs/00000$i/summary.json"; done
echo "Slurm sweep check: 6 array tasks and the aggregation job completed."
stop
trap - EXIT
rm -rf "$work"
