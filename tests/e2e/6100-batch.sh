#!/bin/bash
# 6100-batch: `labrun batch` shards and idempotence: shards 0/2 and 1/2
# together leave exactly one result per job; a rerun skips what verifies,
# ignores a partial temporary file and redoes a broken result; another
# job list is refused for the same OUTDIR (exit 2); --shards takes its
# index from SLURM_ARRAY_TASK_ID (out of range: exit 2); bad input
# (a duplicate id, a missing or untrusted bundle, tampered evidence, a
# line that is not JSON) is a per-job error, the rest completes, exit 3,
# and a rerun redoes only those; a replay from the command log is marked
# best effort, and renews: the answer it cannot replay (a builtin's)
# carries.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
"$LABRUN" keygen -p "$T/rogue.pub" -s "$T/rogue.key" >/dev/null
S=$T/scn
make_scenario "$S"
scenario_set "$S" platform '"agentsim-2"'
mkdir -p "$T/b" "$T/ev"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v1.lab" >/dev/null || fail "pack v1"
for c in ann ben cat dan eve; do
	"$LABRUN" run "$T/b/v1.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate "$c" --script "$S/solutions/reference.sh" -o "$T/ev/$c.ev" >/dev/null 2>&1
done
python3 - "$S" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json")); j["version"] = "1.1.0"
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
PY
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v2.lab" >/dev/null || fail "pack v2"
run "$LABRUN" recert plan --evidence "$T/ev" --bundles "$T/b" --trust "$T/author.pub" \
	-p "$T/issuer.pub" -o "$T/jobs"
[ "$(wc -l <"$T/jobs")" -eq 5 ] && pass "five stale passes: five jobs" || fail "five jobs (got $(wc -l <"$T/jobs"))"

batch() { # JOBS OUTDIR [more]
	local j=$1 o=$2
	shift 2
	run "$LABRUN" batch "$j" -o "$o" --trust "$T/author.pub" --key "$T/issuer.key" "$@"
}
results() { ls "$1" | grep -c '\.ev$'; }

# Two shards: every job exactly once.
batch "$T/jobs" "$T/out" --shard 0/2
[ "$rc" -eq 0 ] && pass "shard 0/2 (exit 0)" || fail "shard 0/2 (exit $rc)"
out_has '^3 jobs: 3 renewed' "shard 0/2 holds lines 0, 2, 4"
batch "$T/jobs" "$T/out" --shard 1/2 -j 2
[ "$rc" -eq 0 ] && pass "shard 1/2 (exit 0)" || fail "shard 1/2 (exit $rc)"
out_has '^2 jobs: 2 renewed' "shard 1/2 holds lines 1 and 3"
check "exactly one result per job, named after it" python3 -c '
import json, os, sys
jobs = [json.loads(l)["job"] for l in open(sys.argv[1])]
have = sorted(f for f in os.listdir(sys.argv[2]) if f.endswith(".ev"))
assert have == sorted(j + ".ev" for j in jobs), (have, jobs)
assert sorted(os.listdir(sys.argv[2])) == sorted(have + ["batch.log"]), os.listdir(sys.argv[2])' "$T/jobs" "$T/out"
for f in "$T"/out/*.ev; do
	"$LABRUN" verify "$f" -p "$T/issuer.pub" >/dev/null || fail "verify $f"
done
pass "every result verifies"
check "the log: JSON lines, a result line per job, the list's digest on each" python3 -c '
import json, sys, hashlib
d = "sha256:" + hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
lines = [json.loads(l) for l in open(sys.argv[2])]
assert all(l["jobs_digest"] == d for l in lines)
assert len([l for l in lines if l["event"] == "result"]) == 5
assert [l["event"] for l in lines].count("start") == 2' "$T/jobs" "$T/out/batch.log"

# Rerun: skipped; a partial temporary file is ignored; a broken result is redone.
first=$(ls "$T/out" | grep '\.ev$' | head -1)
sum_before=$(sha256sum "$T/out/$first" | cut -d' ' -f1)
printf 'partial' >"$T/out/.${first}.run-999"
printf 'half a tar' >"$T/out/${first}.tmp-999-0"
batch "$T/jobs" "$T/out" -j 2
[ "$rc" -eq 0 ] && pass "a rerun (exit 0)" || fail "a rerun (exit $rc)"
out_has '^5 jobs: 0 renewed, 0 retake, 0 error, 5 skipped' "... skips every job whose result verifies, ignoring partial files"
check "... and leaves the results as they were" test "$(sha256sum "$T/out/$first" | cut -d' ' -f1)" = "$sum_before"
rm -f "$T/out/.${first}.run-999" "$T/out/${first}.tmp-999-0"
truncate -s 1000 "$T/out/$first"
batch "$T/jobs" "$T/out"
out_has '^5 jobs: 1 renewed, 0 retake, 0 error, 4 skipped' "a broken result is redone"
err_has "${first%.ev}: .*redone" "... saying so"
expect_exit 0 "... and verifies" "$LABRUN" verify "$T/out/$first" -p "$T/issuer.pub"

# Another job list for the same OUTDIR: refused before anything runs.
head -2 "$T/jobs" >"$T/jobs.part"
batch "$T/jobs.part" "$T/out"
[ "$rc" -eq 2 ] && pass "another job list into the same OUTDIR is refused (exit 2)" || fail "a mixed job list (exit $rc)"
err_has 'another job list' "... saying why"
mkdir -p "$T/mixed"
cp "$T"/out/*.ev "$T/mixed/"
batch "$T/jobs.part" "$T/mixed"
[ "$rc" -eq 2 ] && pass "a result of another list's run (no log) is refused too (exit 2)" || fail "a foreign result (exit $rc)"

# --shards: the index from the engine's variable.
SLURM_ARRAY_TASK_ID=5 run "$LABRUN" batch "$T/jobs" -o "$T/s" --trust "$T/author.pub" \
	--key "$T/issuer.key" --shards 2
[ "$rc" -eq 2 ] && pass "--shards 2 with SLURM_ARRAY_TASK_ID=5: exit 2" || fail "shard index out of range (exit $rc)"
err_has 'SLURM_ARRAY_TASK_ID=5 is out of range' "... naming the variable"
check "... and nothing is written" test ! -e "$T/s"
env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX -u AWS_BATCH_JOB_ARRAY_INDEX \
	"$LABRUN" batch "$T/jobs" -o "$T/s" --trust "$T/author.pub" --key "$T/issuer.key" --shards 2 >"$OUT" 2>"$ERR"
rc=$?
[ "$rc" -eq 2 ] && pass "--shards with no index variable set: exit 2" || fail "--shards unset (exit $rc)"
JOB_COMPLETION_INDEX=1 run "$LABRUN" batch "$T/jobs" -o "$T/k" --trust "$T/author.pub" \
	--key "$T/issuer.key" --shards 2
[ "$rc" -eq 0 ] && pass "--shards 2 with JOB_COMPLETION_INDEX=1 (Kubernetes)" || fail "JOB_COMPLETION_INDEX (exit $rc)"
out_has '^2 jobs: 2 renewed' "... runs shard 1"
expect_exit 2 "--shard 2/2 is out of range" "$LABRUN" batch "$T/jobs" -o "$T/x" \
	--trust "$T/author.pub" --key "$T/issuer.key" --shard 2/2

# Bad input: each a per-job error, the rest completes, exit 3.
"$LABRUN" pack "$S" -s "$T/rogue.key" -o "$T/rogue.lab" >/dev/null 2>&1
cp "$T/ev/eve.ev" "$T/tampered.ev"
python3 - "$T/tampered.ev" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"mode=fixed")
b[i] = ord("M")
open(sys.argv[1], "wb").write(b)
PY
python3 - "$T/jobs" "$T/bad" "$T" <<'PY'
import json, sys, hashlib
jobs = [json.loads(l) for l in open(sys.argv[1])]
t = sys.argv[3]
out = []
out.append(jobs[0])                                   # fine
out.append(dict(jobs[0]))                             # a duplicate id
j = dict(jobs[1]); j["bundle"] = t + "/nowhere.lab"; out.append(j)      # missing bundle
j = dict(jobs[2]); j["bundle"] = t + "/rogue.lab"; out.append(j)        # untrusted bundle
j = dict(jobs[4]); j["renews"] = t + "/tampered.ev"; out.append(j)      # fails verification
j = dict(jobs[3]); j["replay"] = {"source": "commands", "member": None, "best_effort": True}; out.append(j)
with open(sys.argv[2], "w") as f:
    for j in out:
        f.write(json.dumps(j, sort_keys=True) + "\n")
    f.write("this is not json\n")
PY
batch "$T/bad" "$T/bad-out" -j 2
[ "$rc" -eq 3 ] && pass "bad input: exit 3 (some jobs could not run)" || fail "bad input (exit $rc)"
out_has '^7 jobs: 2 renewed, 0 retake, 5 error' "the good job renewed, the command-log replay too (its answer carried), five errors"
err_has 'also on line 1' "a duplicate id is named"
err_has 'nowhere\.lab' "a missing bundle is named"
err_has 'rogue\.lab' "an untrusted bundle is named"
err_has 'tampered\.ev' "evidence that fails verification is named"
err_has 'line 7: not JSON' "a line that is not JSON is named"
check "the log has an error line for each" test "$(grep -c '"event":"error"' "$T/bad-out/batch.log")" -eq 5
[ "$(results "$T/bad-out")" -eq 2 ] && pass "only jobs with a verdict have a result" || fail "results: $(results "$T/bad-out")"
jc=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[5])["job"])' "$T/bad")
member "$T/bad-out/$jc.ev" manifest.json >"$T/c.json"
member "$T/bad-out/$jc.ev" replay/script.sh >"$T/c.sh"
member "$T/bad-out/$jc.ev" result.json >"$T/c.result.json"
check "a replay from the command log is best effort, and its script is derived from the execs" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["replay"] == {"source": "script", "member": "replay/script.sh", "best_effort": True}, m["replay"]
s = open(sys.argv[2]).read()
assert "best" in s and "sed -i s/mode=broken/mode=fixed/ /etc/app/config.txt" in s, s' "$T/c.json" "$T/c.sh"
check "... the answer it lacks (echo is a builtin) is carried, the fix judged" python3 -c '
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["checks"]}
assert c["cause-named"]["carried"]["status"] == "pass" and c["cause-named"]["status"] == "pass", c
assert "carried" not in c["config-fixed"] and c["config-fixed"]["status"] == "pass", c' "$T/c.result.json"
batch "$T/bad" "$T/bad-out"
[ "$rc" -eq 3 ] && pass "a rerun: still exit 3" || fail "bad input rerun (exit $rc)"
out_has '^7 jobs: 0 renewed, 0 retake, 5 error, 2 skipped' "... redoing only the jobs that could not run"
run "$LABRUN" recert report "$T/bad-out"
out_has '^2 renewed, 0 retake, 5 error$' "recert report counts the errors from the log"
done_testing
