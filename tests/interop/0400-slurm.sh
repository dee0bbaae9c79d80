#!/bin/bash
# 0400-slurm: labrun batch under a real Slurm, from Debian's packages
# (installed if missing), as docs/recert.md runs it.  A single-node cluster
# on 127.0.0.1 without systemd (tests/fixtures/recert/slurm/cluster.sh:
# munged, slurmctld and slurmd as this test's child processes, every file
# under its temporary directory, ports found free) runs six replays as a
# throttled array of three shards (sbatch --array=0-2%2, recert.sbatch);
# one task is cancelled while its second replay runs (scancel JOB_1); the
# indices whose jobs have no result are resubmitted (Slurm does not
# retry); then every job has exactly one result, each verifies, nothing
# else is left in OUTDIR, and every daemon the test started is stopped.
# Each replay waits at a gate the test opens (a file it puts in the
# replay's sandbox, found through the spool's record of the session), and
# the test holds task 1's second replay there until the cancel has landed:
# mid-replay by construction, on a machine of any speed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/fixtures/recert/slurm/cluster.sh"
trap 'slurm_down; rm -rf "$T"' EXIT
t_start=$(date +%s%N)
if ! slurm_install; then
	skip "$SLURM_WHY"
	done_testing
	exit 0
fi

# Six stale passes of t-basic 1.0.0 (platform agentsim-2), six jobs.
make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
scenario_set "$S" platform '"agentsim-2"'
cat >"$T/attempt.sh" <<'SH'
#!/bin/bash
# Replays (version 1.1.0 lays the gate in place) wait to be let through.
if [ -e /etc/app/gate ]; then while [ ! -e /tmp/go ]; do sleep 0.1; done; fi
sed -i 's/mode=broken/mode=fixed/' /etc/app/config.txt
echo typo > ~/answers/cause.txt
SH
mkdir -p "$T/b" "$T/ev" "$T/out"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v1.lab" >/dev/null || fail "pack v1"
for c in ann ben cat dan eve fay; do
	"$LABRUN" run "$T/b/v1.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate "$c" --script "$T/attempt.sh" -o "$T/ev/$c.ev" >/dev/null 2>&1 &
done
wait
sed -i 's/"version": "1.0.0"/"version": "1.1.0"/' "$S/scenario.json"
touch "$S/system/etc/app/gate"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v2.lab" >/dev/null || fail "pack v2"
run "$LABRUN" recert plan --evidence "$T/ev" --bundles "$T/b" --trust "$T/author.pub" \
	-p "$T/issuer.pub" -o "$T/jobs"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$T/jobs")" -eq 6 ] && pass "recert plan: six stale passes, six jobs" ||
	{ fail "recert plan: six jobs (exit $rc, $(wc -l <"$T/jobs" 2>/dev/null) lines)"; done_testing; exit 1; }

# The cluster.  munged wants every directory above its socket searchable.
chmod 711 "$T"
t0=$(date +%s%N)
if slurm_up "$T/slurm"; then
	pass "a single-node cluster on 127.0.0.1 (munged, slurmctld, slurmd, no systemd): idle in $((($(date +%s%N) - t0) / 1000000)) ms"
else
	fail "the cluster comes up: $SLURM_WHY"
	tail -n 5 "$T"/slurm/log/* 2>/dev/null | sed 's/^/# /'
	done_testing
	exit 1
fi
export LABRUN RECERT_JOBS=$T/jobs RECERT_OUT=$T/out RECERT_TRUST=$T/author.pub \
	RECERT_KEY=$T/issuer.key RECERT_SHARDS=3
SB=$TOP/tests/fixtures/recert/slurm/recert.sbatch
TASK_OUT=$T/slurm/out/task-%A_%a.out
outs() { cat "$T"/slurm/out/task-"$1"_"$2".out 2>/dev/null; }

# The gatekeeper: lets every running replay through, but task 1's second
# job until $T/released exists.  A running session's record in the spool
# names its labrun; the labrun holds an id slot; a process of that slot
# shows the sandbox's /tmp.
held=$(python3 -c 'import json, sys; j = [json.loads(l)["job"] for l in open(sys.argv[1])]; print(j[4])' "$T/jobs")
gatekeeper() {
	local f job pid slot p
	while [ ! -e "$T/gatekeeper.stop" ]; do
		for f in "$LABRUN_SPOOL_DIR"/*.attempt; do
			[ -e "$f" ] || continue
			job=$(sed -n 's/.*"out": "[^"]*\/\.\{0,1\}\([^/"]*\)\.ev[^"]*".*/\1/p' "$f")
			[ "$job" = "$held" ] && [ ! -e "$T/released" ] && continue
			pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$f")
			slot=$(slot_of "$pid")
			[ -n "$slot" ] || continue
			p=$(slot_procs "$slot" sleep | awk '{print $2}' | head -1)
			[ -n "$p" ] && touch "/proc/$p/root/tmp/go" 2>/dev/null
		done
		sleep 0.2
	done
}
gatekeeper &
gk=$!
trap 'touch "$T/gatekeeper.stop"; kill "$gk" 2>/dev/null; slurm_down; rm -rf "$T"' EXIT

# The array: three shards of two jobs, at most two tasks at once.
if slurm_submit --array=0-2%2 --cpus-per-task=1 --time=5 -o "$TASK_OUT" "$SB"; then
	pass "sbatch --array=0-2%2 recert.sbatch (job $SLURM_JOB)"
else
	fail "sbatch: $SLURM_WHY"; done_testing; exit 1
fi
first=$SLURM_JOB
started() { grep '"event":"start"' "$T/out/batch.log" 2>/dev/null | grep -q "\"shard\":\"$1/3\""; }
if _slurm_until 60 started 1; then
	pass "task 1 runs shard 1/3"
else
	fail "task 1 starts shard 1/3 within 60 s"
	squeue 2>&1 | sed 's/^/# squeue: /'
fi
shard_results() { # I: how many of shard I's jobs have a result
	python3 - "$T/jobs" "$T/out" "$1" <<'PY'
import json, os, sys
jobs = [json.loads(l)["job"] for l in open(sys.argv[1])]
print(sum(1 for k, j in enumerate(jobs) if k % 3 == int(sys.argv[3]) and os.path.exists(os.path.join(sys.argv[2], j + ".ev"))))
PY
}
held_runs() { grep -l "/\.\{0,1\}$held\.ev" "$LABRUN_SPOOL_DIR"/*.attempt >/dev/null 2>&1; }
# Cancelled once its second replay runs, held at the gate.
_slurm_until 60 held_runs
[ "$(shard_results 1)" -eq 1 ] && held_runs && pass "task 1 has finished one job of two, the second runs, when it is cancelled" ||
	fail "task 1 has finished one job of two when it is cancelled ($(shard_results 1))"
scancel "${first}_1"
if slurm_wait "$first" 120; then pass "the array ends"; else fail "the array ends: $SLURM_WHY"; fi
outs "$first" 1 | sed 's/^/# task 1: /'
outs "$first" 1 | grep -q "CANCELLED" && pass "task 1 was cancelled (its output says so)" ||
	fail "task 1 was cancelled"
for i in 0 2; do
	outs "$first" "$i" | grep -q '^2 jobs: 2 renewed, 0 retake, 0 error' && pass "task $i: 2 jobs, 2 renewed" ||
		{ fail "task $i: 2 jobs, 2 renewed"; outs "$first" "$i" | sed "s/^/# task $i: /"; }
done
grep '"event":"error"' "$T/out/batch.log" | grep -q 'interrupt' &&
	pass "the log has the interrupted replay" || fail "the log has the interrupted replay"

touch "$T/released"

# Slurm does not retry: resubmit the indices whose jobs have no result.
missing=$(python3 - "$T/jobs" "$T/out" <<'PY'
import json, os, sys
jobs = [json.loads(l)["job"] for l in open(sys.argv[1])]
print(",".join(sorted({str(k % 3) for k, j in enumerate(jobs) if not os.path.exists(os.path.join(sys.argv[2], j + ".ev"))})))
PY
)
[ "$missing" = 1 ] && pass "the missing indices: 1" || fail "the missing indices: want 1, got '$missing'"
if [ -n "$missing" ] && slurm_submit --array="$missing" --cpus-per-task=1 --time=5 -o "$TASK_OUT" "$SB"; then
	pass "sbatch --array=$missing recert.sbatch (job $SLURM_JOB)"
	slurm_wait "$SLURM_JOB" 120 || fail "the resubmitted array ends: $SLURM_WHY"
	outs "$SLURM_JOB" 1 | grep -q '^2 jobs: 1 renewed, 0 retake, 0 error, 1 skipped' &&
		pass "the resubmitted task skips the job done and redoes the interrupted one" ||
		{ fail "the resubmitted task redoes shard 1"; outs "$SLURM_JOB" 1 | sed 's/^/# task 1: /'; }
else
	fail "resubmit the missing indices: ${SLURM_WHY:-none missing}"
fi

check "exactly one result per job, named after it, and nothing else but batch.log" python3 -c '
import json, os, sys
jobs = [json.loads(l)["job"] for l in open(sys.argv[1])]
have = sorted(os.listdir(sys.argv[2]))
assert have == sorted([j + ".ev" for j in jobs] + ["batch.log"]), have' "$T/jobs" "$T/out"
bad=0
for f in "$T"/out/*.ev; do
	"$LABRUN" verify "$f" -p "$T/issuer.pub" >/dev/null 2>&1 || { bad=1; fail "verify $f"; }
done
[ "$bad" -eq 0 ] && pass "every result verifies against the issuer key"
run "$LABRUN" recert report "$T/out" -p "$T/issuer.pub"
out_has '^6 renewed, 0 retake, 0 error' "recert report: 6 renewed"

# Stop what the test started, by pid.
touch "$T/gatekeeper.stop"
wait "$gk" 2>/dev/null
pids=$SLURM_PIDS
slurm_down
alive=""
for p in $pids; do _slurm_alive "$p" && alive="$alive $p"; done
[ -z "$alive" ] && pass "munged, slurmctld and slurmd are stopped (pids$(printf ' %s' $pids))" ||
	fail "still running:$alive"
stepds=$(slurm_stepds)
[ -z "$stepds" ] && pass "no slurmstepd of this cluster is left" || fail "slurmstepd left: $stepds"
left=$(leftovers)
[ -z "$left" ] && pass "nothing of the sessions remains" ||
	{ fail "nothing of the sessions remains"; printf '%s\n' "$left" | sed 's/^/# left: /'; }
echo "# $((($(date +%s%N) - t_start) / 1000000)) ms in all"
done_testing
