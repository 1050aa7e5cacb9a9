#!/usr/bin/env bash
# The README's Slurm batch script through sbatch, on a one-node cluster started here: munged,
# slurmctld and slurmd from Debian's slurm-wlm and munge, with their own configuration, key,
# ports and state in a private directory, all stopped and removed at the end. The script is
# taken from README.md as it stands, with only its sizes made to fit this machine (mesh:2x2,
# one worker, UTS T1L, the configurations in the test's directory); sbatch's command line
# asks for one node with four tasks instead of the script's sixteen nodes. Needs root.
source "$(dirname "$0")/common.sh"
readme="$(dirname "$0")/../../README.md"
if [ "$(id -u)" -ne 0 ] || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "skipped: needs root and Debian's slurm-wlm and munge (make test installs them)"
  exit 77
fi

d=$(mktemp -d -p /tmp)
export SLURM_CONF="$d/slurm.conf"
host=$(hostname -s)
stop_cluster() {
  local pids
  pids=$(cat "$d"/slurmd.pid "$d"/slurmctld.pid "$d"/munged.pid 2>/dev/null)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  for _ in $(seq 1 50); do
    [ "$(echo "$pids" | xargs -r ps -o stat= -p 2>/dev/null | grep -vc Z || true)" -eq 0 ] && break
    sleep 0.1
  done
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  rm -rf "$d"
}
trap stop_cluster EXIT

# A munge key of this cluster's own, and the daemon on a private socket.
head -c 1024 /dev/urandom >"$d/munge.key"
chmod 400 "$d/munge.key"
munged --force --socket="$d/munge.sock" --key-file="$d/munge.key" --pid-file="$d/munged.pid" \
  --log-file="$d/munged.log" --seed-file="$d/munge.seed" || { bad "munged did not start"; finish; exit 1; }

# One node that says it has 8 CPUs (config_overrides), so four tasks fit on this 2-core machine.
mkdir -p "$d/state" "$d/spool"
cat >"$SLURM_CONF" <<EOF
ClusterName=leomesh-test
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge.sock
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=8 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" || { bad "slurm daemons did not start"; finish; exit 1; }
for _ in $(seq 1 100); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.1; done
sinfo -h -o %t | grep -q idle && ok "one-node cluster up ($host)" || bad "node not idle: $(sinfo 2>&1)"

# The batch script from the README, its sizes fitted to this machine.
awk '/^#!\/bin\/bash/{p=1} p&&/^```/{exit} p' "$readme" >"$d/job.sh"
grep -q '^srun leomesh-agent' "$d/job.sh" && ok "README batch script found" || bad "no batch script in README.md"
sed -i -e 's/mesh:4x4/mesh:2x2/' -e 's/--workers 40/--workers 1/' -e 's/uts:T1XL/uts:T1L/' \
  -e "s|\$HOME/cfg|$d/cfg|g" "$d/job.sh"
export PATH="$bin:$PATH"  # sbatch passes the environment on: leomesh and leomesh-agent
sbatch --wait --nodes=1 --ntasks=4 --ntasks-per-node=4 --cpus-per-task=1 --time=10 -o "$d/job.out" "$d/job.sh" \
  >/dev/null 2>"$err" && ok "sbatch --wait: the job succeeded" || bad "sbatch: $(cat "$err") $(tail -5 "$d/job.out" 2>/dev/null)"
python3 - "$d/job.out" <<'EOF' && ok "the root printed the exact result" || bad "job output: $(head -c 500 "$d/job.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
done = [l for l in lines if l.get("event") == "finished"]
assert done and done[0]["verified"] and done[0]["result"]["sum"] == 102181082, done
telemetry = [l for l in lines if l.get("event") == "telemetry"]
assert len(telemetry) == 4 and all(t["tasks_executed"] > 0 for t in telemetry), len(telemetry)
EOF

stop_cluster
trap - EXIT
left=$(pgrep -x "slurmd|slurmctld|munged" | xargs -r ps -o stat= -p 2>/dev/null | grep -vc Z || true)
[ "$left" -eq 0 ] && ok "cluster stopped, nothing left" || bad "$left daemons left"
finish
