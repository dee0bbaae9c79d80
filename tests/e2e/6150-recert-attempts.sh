#!/bin/bash
# 6150-recert-attempts: `labrun recert plan` keeps one job per attempt.
# An evidence and its regrade: one job, for the regrade, the evidence
# superseded by it; two regrades of one evidence: the newer; a regrade of
# a regrade: the last; a renewal supersedes what it renews, and a regrade
# of a renewal keeps its knowledge checks carried.  And the warnings, on
# stderr and in --json: a knowledge check of the new version that the
# evidence lacks (its job then ends in error, not a fail: exit 3, no
# result), a replay derived from a take's command log (best effort), a
# take that left nothing to replay (of a scenario that asks only what
# the candidate knows).
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
scenario_set "$S" platform '"agentsim-2"'
# The fix is judged from the file and the command log (sed edited it); the
# cause is what the candidate knew of the incident, a knowledge check.
cat >"$S/grader/grade.lua" <<'LUA'
local cfg = lab.read("/etc/app/config.txt") or ""
local cause = lab.trim(lab.answer("cause.txt") or "")
local fixed = cfg:find("mode=fixed", 1, true) ~= nil and lab.ran("sed", "/etc/app/config.txt") ~= nil
return {
  lab.check{id = "config-fixed", title = "The config is fixed", weight = 600,
    pass = fixed, message = fixed and "mode is fixed" or "sed /etc/app/config.txt so that it says mode=fixed"},
  lab.check{id = "cause-named", title = "The cause is named", weight = 400, kind = "knowledge",
    pass = cause == "typo", message = cause == "typo" and "right cause" or "~/answers/cause.txt does not name the cause"},
}
LUA
mkdir -p "$T/b" "$T/ev"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v1.lab" >/dev/null || fail "pack v1"

runev() { # CANDIDATE SCRIPT OUT
	"$LABRUN" run "$T/b/v1.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate "$1" --script "$2" -o "$3" >/dev/null 2>&1
}
regrade() { # EVIDENCE OUT
	"$LABRUN" regrade "$1" --with "$T/b/v1.lab" --trust "$T/author.pub" \
		--key "$T/issuer.key" -o "$2" >/dev/null 2>&1
}
digest() { sha256sum "$1" | cut -d' ' -f1; }
runev alice "$S/solutions/reference.sh" "$T/ev/alice.ev"
runev bob "$S/solutions/reference.sh" "$T/ev/bob.ev"
runev carol "$S/solutions/reference.sh" "$T/ev/carol.ev"
regrade "$T/ev/alice.ev" "$T/ev/alice-regraded.ev" || fail "regrade alice"
regrade "$T/ev/bob.ev" "$T/ev/bob-r1.ev" || fail "regrade bob"
sleep 1.1 # issued has whole seconds: the second regrade is the newer
regrade "$T/ev/bob.ev" "$T/ev/bob-r2.ev" || fail "regrade bob again"
regrade "$T/ev/carol.ev" "$T/ev/carol-r1.ev" || fail "regrade carol"
regrade "$T/ev/carol-r1.ev" "$T/ev/carol-r2.ev" || fail "regrade carol's regrade"

# v2: the same scenario, a new version: every pass is stale.
python3 - "$S" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json")); j["version"] = "2.0.0"
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
PY
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v2.lab" >/dev/null || fail "pack v2"

plan() { run "$LABRUN" recert plan --evidence "$T/ev" --bundles "$T/b" --trust "$T/author.pub" -p "$T/issuer.pub" -o "$T/jobs" "$@"; }
plan
[ "$rc" -eq 0 ] && pass "recert plan (exit 0)" || fail "recert plan (exit $rc)"
out_has '^stale +t-basic .*alice-regraded\.ev: ' "an evidence and its regrade: the regrade is planned"
out_has '^superseded +t-basic .*/alice\.ev: superseded by .*alice-regraded\.ev, which regrades it' "... the evidence is superseded by it, and says by which file"
out_has '^stale +t-basic .*bob-r2\.ev: ' "two regrades of one evidence: the newer is planned"
out_has '^superseded +t-basic .*bob-r1\.ev: superseded by .*bob-r2\.ev, a newer evidence of the same attempt' "... the older regrade is superseded"
out_has '^superseded +t-basic .*/bob\.ev: superseded by .*bob-r2\.ev, which regrades it' "... and so is the evidence"
out_has '^stale +t-basic .*carol-r2\.ev: ' "a regrade of a regrade: the last is planned"
out_has '^superseded +t-basic .*carol-r1\.ev: superseded by .*carol-r2\.ev, which regrades it' "... the one it regrades is superseded"
out_has '^superseded +t-basic .*/carol\.ev: superseded by .*carol-r2\.ev, a newer evidence' "... and the first too"
out_has '^3 jobs written' "three attempts: three jobs"
out_has ' 0 renewed, 5 superseded, ' "the summary counts the superseded"
check "one job per attempt, each renewing the newest file" python3 - "$T/jobs" <<'PY'
import json, sys
jobs = [json.loads(l) for l in open(sys.argv[1])]
names = sorted(j["renews"].rsplit("/", 1)[1] for j in jobs)
assert names == ["alice-regraded.ev", "bob-r2.ev", "carol-r2.ev"], names
assert len({j["pseudonym"] for j in jobs}) == 3
PY
plan --json
check "--json: the superseded rows say by which file" python3 - "$OUT" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["counts"]["superseded"] == 5 and p["jobs"] == 3, p["counts"]
rows = {r["file"].rsplit("/", 1)[1]: r for r in p["rows"]}
assert rows["alice.ev"]["class"] == "superseded" and rows["alice.ev"]["job"] is None
assert "alice-regraded.ev" in rows["alice.ev"]["why"]
assert p["warnings"] == [], p["warnings"]
PY

# The regrade's job renews: its knowledge check carried, its remediation judged.
run "$LABRUN" batch "$T/jobs" -o "$T/out" --trust "$T/author.pub" --key "$T/issuer.key" -j 2
[ "$rc" -eq 0 ] && pass "batch (exit 0)" || fail "batch (exit $rc)"
out_has '^3 jobs: 3 renewed' "all three renewed"
ja=$(python3 -c 'import json,sys; print([json.loads(l)["job"] for l in open(sys.argv[1]) if "alice-regraded" in l][0])' "$T/jobs")
check "the renewal of the regrade: cause-named carried from it, config-fixed judged" python3 - "$T/out/$ja.ev" "$(digest "$T/ev/alice-regraded.ev")" <<'PY'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
r = json.load(t.extractfile("result.json"))
m = json.load(t.extractfile("manifest.json"))
c = {x["id"]: x for x in r["checks"]}
want = "sha256:" + sys.argv[2]
assert m["renews"]["digest"] == want, m["renews"]
assert r["carry"] == {"from": want, "hint_points": 0}, r["carry"]
assert c["cause-named"]["kind"] == "knowledge" and c["cause-named"]["carried"] == {"from": want, "status": "pass", "points": 400, "weight": 400}, c["cause-named"]
assert c["cause-named"]["message"].startswith("carried from " + want)
assert "carried" not in c["config-fixed"] and c["config-fixed"]["status"] == "pass"
PY
expect_exit 0 "the renewal verifies" "$LABRUN" verify "$T/out/$ja.ev" -p "$T/issuer.pub"
out_has "^  carried:     1 knowledge check from sha256:$(digest "$T/ev/alice-regraded.ev")" "... and says what it carried"

# A renewal supersedes what it renews (and, through it, the whole attempt).
cp "$T/out/$ja.ev" "$T/ev/alice-renewed.ev"
plan
out_has '^renewed +t-basic .*alice-regraded\.ev: renewed by .*alice-renewed\.ev' "with the renewal in the store, the regrade is renewed"
out_has '^superseded +t-basic .*/alice\.ev: superseded by .*alice-renewed\.ev' "... the first evidence superseded by the renewal"
out_has '^current +t-basic .*alice-renewed\.ev' "... and the renewal is current: no job"
out_has '^2 jobs written' "two jobs left: bob and carol"

# A regrade of the renewal keeps the knowledge check carried.
"$LABRUN" regrade "$T/ev/alice-renewed.ev" --with "$T/b/v2.lab" --trust "$T/author.pub" \
	--key "$T/issuer.key" -o "$T/rr.ev" >/dev/null 2>&1 || fail "regrade of the renewal"
check "a regrade of a renewal: still carried, from the same evidence" python3 - "$T/rr.ev" "$(digest "$T/ev/alice-regraded.ev")" <<'PY'
import json, sys, tarfile
r = json.load(tarfile.open(sys.argv[1]).extractfile("result.json"))
c = {x["id"]: x for x in r["checks"]}
assert r["verdict"] == "pass" and c["cause-named"]["carried"]["from"] == "sha256:" + sys.argv[2], c["cause-named"]
assert c["cause-named"]["message"].count("carried from") == 1, c["cause-named"]["message"]
PY
expect_exit 0 "... and verifies" "$LABRUN" verify "$T/rr.ev" -p "$T/issuer.pub"
rm "$T/ev/alice-renewed.ev"

# v3: a knowledge check the old evidence never answered.
python3 - "$S" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json")); j["version"] = "3.0.0"
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
g = open(d + "/grader/grade.lua").read()
g = g.replace('\n}\n', '''
  lab.check{id = "since-named", kind = "knowledge", title = "When it broke", weight = 100,
    pass = lab.answer("since.txt") ~= nil, message = "write when it broke"},
}
''', 1)
open(d + "/grader/grade.lua", "w").write(g)
open(d + "/solutions/reference.sh", "a").write("echo 12:00 > ~/answers/since.txt\n")
PY
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v3.lab" >/dev/null || fail "pack v3"
plan --json
[ "$rc" -eq 0 ] && pass "plan against v3 (exit 0)" || fail "plan against v3 (exit $rc)"
err_has "warning: .*alice-regraded\.ev \(job [0-9a-f]{16}\): knowledge check 'since-named' of t-basic 3\.0\.0 is not in this evidence" "a knowledge check new in v3: a warning on stderr, naming the job"
check "... and in --json's warnings, one per job" python3 - "$OUT" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
w = p["warnings"]
assert len(w) == 3 and all("'since-named'" in x["warning"] and x["job"] for x in w), w
assert all(r["warning"] for r in p["rows"] if r["job"]), p["rows"]
PY
run "$LABRUN" batch "$T/jobs" -o "$T/out3" --trust "$T/author.pub" --key "$T/issuer.key" -j 2
[ "$rc" -eq 3 ] && pass "batch against v3: exit 3 (the jobs cannot be judged)" || fail "batch against v3 (exit $rc)"
out_has '^3 jobs: 0 renewed, 0 retake, 3 error' "... errors, never a retake charged to the candidate"
err_has "knowledge check 'since-named' is new in this version" "... saying why"
[ -z "$(ls "$T/out3" | grep '\.ev$')" ] && pass "... and no result is written" || fail "results were written"
run "$LABRUN" recert report "$T/out3"
out_has '^0 renewed, 0 retake, 3 error$' "recert report counts them as errors"

# Takes: without a runbook the replay is derived from the command log.
command -v tmux >/dev/null || { skip "tmux is not installed: no take warnings"; done_testing; exit 0; }
rm "$T/b/v3.lab" "$T/b/v3.lab.minisig"
# A scenario that asks only what the candidate knows: a take of it may
# pass with builtins alone, leaving no command to replay.
K=$T/know
make_scenario "$K" t-know
scenario_set "$K" platform '"agentsim-2"'
cat >"$K/grader/grade.lua" <<'LUA'
local cause = lab.trim(lab.answer("cause.txt") or "")
return {
  lab.check{id = "cause-named", title = "The cause is named", weight = 400, kind = "knowledge",
    pass = cause == "typo", message = cause == "typo" and "right cause" or "~/answers/cause.txt does not name the cause"},
}
LUA
printf '#!/bin/bash\necho typo > ~/answers/cause.txt\n' >"$K/solutions/reference.sh"
printf '#!/bin/bash\n# must-fail: cause-named\necho nope > ~/answers/cause.txt\n' >"$K/solutions/wrong-only-answer.sh"
"$LABRUN" pack "$K" -s "$T/author.key" -o "$T/b/know-1.lab" >/dev/null || fail "pack t-know v1"
sed -i 's/"version": "1.0.0"/"version": "1.1.0"/' "$K/scenario.json"
"$LABRUN" pack "$K" -s "$T/author.key" -o "$T/b/know-2.lab" >/dev/null || fail "pack t-know v2"
TM="tmux -L labrun-6150-$$ -f /dev/null"
trap '$TM kill-server 2>/dev/null; rm -rf "$T"' EXIT
take() { # NAME BUNDLE EVIDENCE COMMAND: a take where the candidate types COMMAND, then submits
	$TM new-session -d -s "$1" -x 150 -y 40 \
		"$LABRUN take '$2' --trust '$T/author.pub' --key '$T/issuer.key' --candidate $1 -o '$3'; echo TAKE-EXIT=\$?; sleep 60"
	pane_wait "$1" "Press Enter to start" 100 || { fail "$1: the brief"; return; }
	$TM send-keys -t "$1" Enter
	pane_wait "$1" "left] candidate@lab" 100 || { fail "$1: the shell"; return; }
	$TM send-keys -t "$1" "$4" Enter
	$TM send-keys -t "$1" "lab submit -y" Enter
	pane_wait "$1" "TAKE-EXIT=" 150 || fail "$1: the take ends"
	$TM kill-session -t "$1"
}
rm -rf "$T/ev" && mkdir "$T/ev"
take dana "$T/b/v1.lab" "$T/ev/dana.ev" "sed -i s/broken/fixed/ /etc/app/config.txt; echo typo > ~/answers/cause.txt"
take eric "$T/b/know-1.lab" "$T/ev/eric.ev" "echo typo > ~/answers/cause.txt"
for c in dana eric; do
	"$LABRUN" verify "$T/ev/$c.ev" -p "$T/issuer.pub" | grep -q "verdict:     pass" &&
		pass "$c's take passes" || fail "$c's take passes"
done
plan --json
err_has "warning: .*dana\.ev .*derived from the command log, best effort" "a take without a runbook: its replay is best effort, and plan says so"
err_has "warning: .*eric\.ev .*no replay material" "a take whose commands were all builtins: nothing to replay, and plan says so"
check "... both in --json's warnings" python3 - "$OUT" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
w = {x["file"].rsplit("/", 1)[1]: x["warning"] for x in p["warnings"]}
assert "best effort" in w["dana.ev"] and "no replay material" in w["eric.ev"], w
PY
# Another test run's live session shows in leftovers too: give it time.
for i in $(seq 50); do left=$(leftovers); [ -z "$left" ] && break; sleep 0.2; done
[ -z "$left" ] && pass "nothing of the sessions remains" ||
	{ fail "nothing of the sessions remains"; printf '%s\n' "$left" | sed 's/^/#   /'; }
done_testing
