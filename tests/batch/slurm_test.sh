#!/usr/bin/env bash
# scripts/slurm/vidscribe-array.sbatch on a real single-node Slurm, started here without systemd: a private
# munged, slurmctld and slurmd from Debian's packages on free loopback ports, stopped at the end whatever
# happens. Over a manifest of 12 small videos made here (2 of them broken), as an array of 4 tasks:
#   1. the first submission, with one task's vidscribe killed (SIGKILL) in the middle of a video: every other
#      good video gets exactly one complete result, the broken ones are in failed/ with their reasons, and
#      the job completion records show the failing and the killed tasks as FAILED with their exit codes;
#   2. the same array submitted again finishes the rest: every good video has exactly one result, no result
#      of the first submission was rewritten, and no video was captioned twice;
#   3. SIGTERM to a task's batch shell (what --signal=B:TERM@120 sends before the time limit): vidscribe
#      abandons the video under way, its claim is released, the task exits 143 and requeues itself.
#
# usage: slurm_test.sh VIDSCRIBE SOURCE_DIR SHARED_DIR      (ctest runs it; label slurm)
# Exit status 77 (skipped) when not root (munged and slurmd need it) or without the golden models.
set -euo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
shared=$3
template=$src/scripts/slurm/vidscribe-array.sbatch
golden=$shared/golden

if [ ! -d "$golden/tiny-clip" ]; then echo "SKIP: no golden models at $golden"; exit 77; fi
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: starting munged and slurmd needs root"; exit 77; fi
for p in munged munge slurmctld slurmd sbatch squeue sacct scontrol scancel sinfo python3 ffmpeg; do
  command -v "$p" >/dev/null || PATH=$PATH:/usr/sbin command -v "$p" >/dev/null ||
    { echo "FAIL: $p is not installed (scripts/install-deps.sh installs it)"; exit 1; }
done
export PATH=$PATH:/usr/sbin

D=$(mktemp -d /tmp/vidscribe-slurm.XXXXXX)
chmod 755 "$D"
export SLURM_CONF=$D/slurm.conf
daemons=()
failed=0

log() { echo "== $(date +%T) $*"; }
fail() {
  echo "FAIL: $*"
  failed=1
  exit 1
}
cleanup() {
  local rc=$?
  scancel --quiet --full --signal=KILL --user=root 2>/dev/null || true
  for pid in "${daemons[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${daemons[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
    for f in "$D"/slurmctld.log "$D"/slurmd.log "$D"/munge/munged.log "$D"/jobcomp.txt "$D"/logs/*; do
      [ -f "$f" ] || continue
      echo "---- $f (last 30 lines)"
      tail -n 30 "$f"
    done
  fi
  rm -rf "$D"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits until COMMAND succeeds, for at most SECONDS: wait_for SECONDS WHAT COMMAND...
wait_for() {
  local limit=$1 what=$2
  shift 2
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - start)) -lt "$limit" ] || fail "$what: not within $limit s"
    sleep 0.2
  done
}

# --- the cluster ---------------------------------------------------------------------------------------
log "starting munged, slurmctld and slurmd in $D"
mkdir -p "$D/munge" "$D/ctld" "$D/d" "$D/logs"
dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$D/munge"
chmod 755 "$D/munge"
chmod 400 "$D/munge/munge.key"
socket=$D/munge/munge.socket
runuser -u munge -- munged --key-file="$D/munge/munge.key" --socket="$socket" --pid-file="$D/munge/munged.pid" \
  --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" --foreground >/dev/null 2>&1 &
daemons+=($!)
wait_for 20 "munged answering" bash -c "munge -n --socket='$socket' | unmunge --socket='$socket'"

node=$(hostname -s)
cat >"$SLURM_CONF" <<EOF
ClusterName=vidscribe-test
SlurmctldHost=$node
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$D/ctld
SlurmdSpoolDir=$D/d
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ReturnToService=2
KillWait=5
MailProg=/bin/true
NodeName=$node CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >/dev/null 2>&1 &
daemons+=($!)
slurmd -D -f "$SLURM_CONF" >/dev/null 2>&1 &
daemons+=($!)
wait_for 120 "the node idle" bash -c "sinfo -h -o %T | grep -qx idle"
log "slurm is up: $(sinfo -h -o '%P %a %D %T')"

# --- the collection ------------------------------------------------------------------------------------
mkdir -p "$D/videos"
for i in $(seq 0 9); do
  ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=64x48:rate=5" -t $((2 + i % 3)) -pix_fmt yuv420p \
    "$D/videos/clip0$i.mp4"
done
echo "not a video" >"$D/videos/broken-text.mp4"
head -c 3000 "$D/videos/clip00.mp4" >"$D/videos/truncated.mp4"
{
  echo "# 12 videos, paths relative to this manifest"
  for f in "$D"/videos/*.mp4; do echo "videos/$(basename "$f")"; done
} >"$D/videos.txt"

# --steps 30 makes each video take about a second, long enough to be killed in the middle of one.
models=(--clip "$golden/tiny-clip" --lm "$golden/tiny-gpt2" --max-tokens 4 --candidates 16 --steps 30 --no-cache)
submit() {  # OUT ARRAY -> job id
  sbatch --parsable --array="$2" --cpus-per-task=1 --mem-per-cpu=100M --time=20 --output="$D/logs/%A_%a.log" \
    --chdir="$D" --export="ALL,VIDSCRIBE=$bin" "$template" "$D/videos.txt" "$1" "${models[@]}"
}
job_done() { [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]; }

# The job completion records of a job: "TASK STATE EXITCODE JOBID" per line, sorted by task.
completions() {
  python3 - "$D/jobcomp.txt" "$1" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    if f.get("ArrayJobId") == sys.argv[2]:
        rows[int(f["ArrayTaskId"])] = (f["JobState"], f["ExitCode"], f["JobId"])
for task in sorted(rows):
    print(task, *rows[task])
EOF
}

# Checks OUT's results: one complete result per good video named in the arguments, no temporary file.
# Prints "ID SHA256-OF-FILE" per result.
check_results() {  # OUT IDS...
  python3 - "$@" <<'EOF'
import hashlib, json, os, sys
out, want = sys.argv[1], set(sys.argv[2:])
seen = {}
for name in os.listdir(os.path.join(out, "results")):
    path = os.path.join(out, "results", name)
    if ".tmp." in name:
        sys.exit(f"a temporary file was left: {path}")
    data = open(path, "rb").read()
    rec = json.loads(data)
    if not rec.get("events") or any("caption" not in e or "start" not in e for e in rec["events"]):
        sys.exit(f"{path} is not a complete result")
    if rec["id"] in seen:
        sys.exit(f"{rec['id']} has two results")
    seen[rec["id"]] = hashlib.sha256(data).hexdigest()
if set(seen) != want:
    sys.exit(f"results for {sorted(seen)}, expected {sorted(want)}")
for k in sorted(seen):
    print(k, seen[k])
EOF
}

# The ids of the good videos, the shard of each id (position in the sorted list mod 4).
mapfile -t ids < <(grep -v '^#' "$D/videos.txt" | sort)
declare -A shard_of
for k in "${!ids[@]}"; do shard_of[${ids[$k]}]=$((k % 4)); done
good=()
for id in "${ids[@]}"; do case $id in *broken* | *truncated*) ;; *) good+=("$id") ;; esac; done
[ ${#good[@]} -eq 10 ] || fail "expected 10 good videos, have ${#good[@]}"

# --- 1. the first submission, one task killed mid-video -----------------------------------------------
out=$D/out
job=$(submit "$out" 0-3)
log "submitted array job $job"
# Kill the vidscribe of a task without broken videos once it has a result and is in the middle of its next
# video (it holds a claim): the first task seen in that state, so that a task that ran fast does not fail
# the test. The claims are read with sed: the loop must be quicker than one video.
eligible=" "
for task in 0 1 2 3; do
  has_broken=0
  for id in "${ids[@]}"; do
    case $id in *broken* | *truncated*) [ "${shard_of[$id]}" = "$task" ] && has_broken=1 ;; esac
  done
  [ "$has_broken" = 1 ] || eligible+="$task "
done
victim=""
killed=""
left_claim=""
start=$SECONDS
while [ -z "$killed" ] && ! job_done "$job"; do
  [ $((SECONDS - start)) -lt 240 ] || fail "job $job still running after 240 s"
  for claim in "$out"/claims/*.claim; do
    [ -f "$claim" ] || continue
    pid=$(sed -n 's/.*"pid":\([0-9][0-9]*\).*/\1/p' "$claim" 2>/dev/null) || continue
    [ -n "$pid" ] || continue
    task=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n 's/^SLURM_ARRAY_TASK_ID=//p') || continue
    [ -n "$task" ] && [[ "$eligible" == *" $task "* ]] || continue
    done_in_shard=0
    for id in "${good[@]}"; do
      [ "${shard_of[$id]}" = "$task" ] && [ -f "$out/results/$(echo "$id" | sed 's|/|%2F|g').json" ] &&
        done_in_shard=$((done_in_shard + 1))
    done
    [ "$done_in_shard" -ge 1 ] || continue
    kill -KILL "$pid" || continue
    victim=$task
    killed="pid $pid"
    # The claim the dead process left is the video it was in the middle of (none in the rare case that it
    # finished that video between the look and the kill).
    for left in "$out"/claims/*.claim; do
      grep -q "\"pid\":$pid[,}]" "$left" 2>/dev/null && left_claim=$(basename "$left" .claim)
    done
    break
  done
  sleep 0.05
done
[ -n "$killed" ] || fail "every task without broken videos (${eligible}) finished before one could be killed mid-video"
log "killed task $victim's vidscribe ($killed) while it captioned ${left_claim:-(between two videos)}"
wait_for 240 "job $job finished" job_done "$job"

wait_for 30 "job $job's completion records" bash -c "[ \$(grep -c 'ArrayJobId=$job ' '$D/jobcomp.txt') -eq 4 ]"
comp=$(completions "$job")
echo "$comp"
for task in 0 1 2 3; do
  has_broken=0
  for id in "${ids[@]}"; do
    case $id in *broken* | *truncated*) [ "${shard_of[$id]}" = "$task" ] && has_broken=1 ;; esac
  done
  if [ "$task" = "$victim" ]; then
    want="FAILED 137:0"  # the script passes on its vidscribe's status: killed by SIGKILL
  elif [ "$has_broken" = 1 ]; then
    want="FAILED 10:0"   # some videos failed
  else
    want="COMPLETED 0:0"
  fi
  grep -q "^$task $want " <<<"$comp" || fail "task $task: expected $want in the completion records"
done
# sacct reads the same records (accounting storage is off in this cluster; -c reads job completion data):
# what users look at must say the same, task by task (each array task has its own job id).
sacct_rows=$(sacct -c -n -P -o jobid,state,exitcode 2>/dev/null)
while read -r task state code jobid; do
  grep -qx "$jobid|$state|$code" <<<"$sacct_rows" || fail "sacct does not show task $task (job $jobid) as $state $code"
done <<<"$comp"

survivors=()
for id in "${good[@]}"; do
  [ "${shard_of[$id]}" != "$victim" ] && survivors+=("$id")
done
victim_done=()
for id in "${good[@]}"; do
  [ "${shard_of[$id]}" = "$victim" ] && [ -f "$out/results/$(echo "$id" | sed 's|/|%2F|g').json" ] && victim_done+=("$id")
done
first=$(check_results "$out" "${survivors[@]}" "${victim_done[@]}") || fail "after the first submission"
for f in broken-text truncated; do
  python3 - "$out/failed/videos%2F$f.mp4.json" <<'EOF' || fail "the failure record of $f"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["permanent"] is True and r["attempts"] == 1 and r["message"], r
assert r["error"] in ("unsupported media", "bad input"), r
print(sys.argv[1].rsplit("/", 1)[1], "->", r["error"], ":", r["message"])
EOF
done
[ -z "$left_claim" ] || [ -f "$out/claims/$left_claim.claim" ] || fail "the killed task's claim should still be there"

# --- 2. submitted again: the rest, nothing lost, nothing twice -------------------------------------------
job2=$(submit "$out" 0-3)
log "resubmitted as array job $job2"
wait_for 240 "job $job2 finished" job_done "$job2"
second=$(check_results "$out" "${good[@]}") || fail "after the second submission"
while read -r id sum; do
  grep -qx "$id $sum" <<<"$second" || fail "the result of $id was rewritten by the second submission"
done <<<"$first"
computed=$(cat "$D"/logs/"${job2}"_*.log | grep -c '"event":"done"' || true)
missing=$((${#good[@]} - $(wc -l <<<"$first")))
[ "$computed" -eq "$missing" ] || fail "the second submission captioned $computed videos; $missing were missing"
[ -z "$(ls -A "$out/claims")" ] || fail "claims left: $(ls "$out/claims")"
wait_for 30 "job $job2's completion records" bash -c "[ \$(grep -c 'ArrayJobId=$job2 ' '$D/jobcomp.txt') -eq 4 ]"
comp2=$(completions "$job2")
echo "$comp2"
grep -q "^$victim COMPLETED 0:0 " <<<"$comp2" || fail "the resubmitted task $victim should complete"
log "second submission captioned the $computed missing videos; the $(wc -l <<<"$first") done before are untouched"

# --- 3. SIGTERM before the time limit: abandon, release, exit 143, requeue -------------------------------
out3=$D/out-term
job3=$(submit "$out3" 0-0)
log "submitted job ${job3}_0 for SIGTERM"
wait_for 240 "a video under way in job $job3" bash -c "ls '$out3'/claims/*.claim"
scancel --batch --signal=TERM "${job3}_0"
wait_for 60 "task ${job3}_0 requeueing itself" grep -q "requeueing task 0" "$D/logs/${job3}_0.log"
wait_for 60 "job $job3 pending again" bash -c "squeue -h -j $job3 -o %T | grep -qx PENDING"
grep -q "batch stopped by SIGTERM" "$D/logs/${job3}_0.log" || fail "vidscribe did not say it stopped by SIGTERM"
[ -z "$(ls -A "$out3/claims")" ] || fail "SIGTERM left claims: $(ls "$out3/claims")"
ls "$out3"/results/ | grep -q '\.tmp\.' && fail "SIGTERM left a temporary result file"
log "SIGTERM: the task exited 143, released its claim and is pending for its restart"
scancel "$job3"
log "PASS"
