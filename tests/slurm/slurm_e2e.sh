#!/bin/bash
# Real single-node Slurm end to end (run by tests/integration/slurm.rs):
# start munged, slurmctld and slurmd on this machine, submit a 4-shard array
# of a small sweep with shard 2 made to fail once, resubmit only the missing
# shard, let the dependent merge run, compare the merged dataset byte for byte
# with the same sweep run unsharded in one process, stop the daemons by PID.
#   slurm_e2e.sh EDGECASE_BINARY
# Exit 77: Slurm or munge is not installed, or not root (the caller decides).
set -euo pipefail
edgecase=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
for tool in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
    command -v "$tool" >/dev/null || { echo "missing $tool"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

work=$(mktemp -d /tmp/edgecase-slurm.XXXXXX)
chmod 755 "$work"
pids=()
# alive = exists and not a zombie (a daemon's parent may never reap it here)
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        still=0
        for p in "${pids[@]}"; do alive "$p" && still=1; done
        [ $still = 0 ] && return 0
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
log() { echo "[slurm-e2e $(date +%T)] $*"; }

# munge: runs as the munge user; /run/munge must exist first (no systemd)
mkdir -p /run/munge /var/lib/munge /var/log/munge /etc/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge /etc/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    head -c 1024 /dev/urandom > /etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
mkdir -p "$work/munge"
chown munge:munge "$work/munge"
sock="$work/munge/munge.socket"
runuser -u munge -- munged --socket="$sock" --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" -f
for _ in $(seq 50); do [ -s "$work/munge/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/munge/munged.pid")")
munge -S "$sock" -n | unmunge -S "$sock" >/dev/null
log "munged up (pid ${pids[0]})"

host=$(hostname -s)
mkdir -p "$work/state" "$work/spool" "$work/jobs"
cat > "$work/slurm.conf" <<CONF
ClusterName=edgecase-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$work/slurmctld.pid" ] && [ -s "$work/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmd.pid")" "$(cat "$work/slurmctld.pid")")
for _ in $(seq 200); do
    state=$(sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
done
[ "$state" = idle ] || { log "node never became idle: $state"; tail -20 "$work/slurmctld.log" "$work/slurmd.log"; exit 1; }
log "slurmctld and slurmd up, node idle"

# an 'edgecase' that fails shard 2 the first time it runs
cat > "$work/edgecase-shim" <<SHIM
#!/bin/bash
if [ "\${SLURM_ARRAY_TASK_ID:-}" = 2 ] && [ ! -e "$work/failed-once" ]; then
    touch "$work/failed-once"
    echo "injected failure for shard 2" >&2
    exit 1
fi
exec "$edgecase" "\$@"
SHIM
chmod +x "$work/edgecase-shim"

sweep="$repo/tests/sweeps/small.ron"
out="$work/sweep" merged="$work/merged"
sb=(--chdir="$work/jobs" --export=ALL,EDGECASE="$work/edgecase-shim" --cpus-per-task=1)

wait_jobs() { # until none of the given job ids is in the queue
    for _ in $(seq 1200); do
        [ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
        sleep 0.25
    done
    log "timeout waiting for $1"; squeue; return 1
}
job_state() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr '\n' ' '; }

read -r array merge < <("$repo/tools/slurm/submit.sh" "$sweep" "$out" "$merged" 4 "${sb[@]}")
log "submitted array $array, merge $merge (afterok)"
wait_jobs "$array"
log "array $array: $(job_state "$array")"
job_state "$array" | grep -q FAILED || { log "shard 2 was meant to fail"; exit 1; }
[ ! -e "$out/shards/shard-0002-of-0004.json" ] || { log "the failed shard left a manifest"; exit 1; }
# the merge can never start now: its dependency failed
for _ in $(seq 120); do
    reason=$(squeue -h -j "$merge" -o %r 2>/dev/null || true)
    [ -z "$reason" ] || [ "$reason" = DependencyNeverSatisfied ] && break
    sleep 0.25
done
log "merge $merge: ${reason:-gone} $(job_state "$merge")"
[ ! -e "$merged" ] || { log "merge ran despite a failed shard"; exit 1; }
scancel "$merge" 2>/dev/null || true

read -r array2 merge2 < <("$repo/tools/slurm/resubmit.sh" "$sweep" "$out" "$merged" 4 "${sb[@]}")
log "resubmitted the missing shard as $array2, merge $merge2"
wait_jobs "$array2"
wait_jobs "$merge2"
log "array $array2: $(job_state "$array2"); merge $merge2: $(job_state "$merge2")"
[ -e "$merged/manifest.json" ] || { log "no merged dataset"; cat "$work"/jobs/*merge* 2>/dev/null; exit 1; }

# the same sweep, unsharded, in one process
"$edgecase" sweep -q "$sweep" --out "$work/one" --shard-count 1
"$edgecase" merge "$work/one" --out "$work/one-merged" 2>/dev/null
for f in checksums.sha256 manifest.json coco/annotations.json samples.jsonl sweep_summary.json; do
    cmp "$merged/$f" "$work/one-merged/$f" || { log "$f differs from the unsharded run"; exit 1; }
done
(cd "$merged" && sha256sum --quiet -c checksums.sha256)
log "merged dataset equals the unsharded run byte for byte ($(wc -l < "$merged/checksums.sha256") files)"

cleanup
trap - EXIT
for p in "${pids[@]}"; do
    if alive "$p"; then log "daemon $p still running"; exit 1; fi
done
rm -rf "$work"
log "daemons stopped; ok"
