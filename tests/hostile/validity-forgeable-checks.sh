#!/bin/bash
# HOSTILE.md V5: a check that rests only on files the candidate can write
# passes for anyone who writes the fixed bytes by hand.  selftest says what
# each check rests on (the files the grader read and who could have
# written each, the command log and which commands, the JSON-lines
# entries) and flags a remediation check a forger passes; pack refuses it
# unless the check is a knowledge answer.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }

# A scenario whose remediation check reads only the candidate's config,
# and a service-written state for a second check.
S=$T/forge
make_scenario "$S" t-forge
mkdir -p "$S/system/srv/svc" "$S/system/var/lib/svc"
echo 0 >"$S/system/var/lib/svc/count"
cat >"$S/system/srv/svc/run.sh" <<'SH'
#!/bin/bash
# the platform: it counts the config's restarts it sees
while :; do
	[ -e /home/candidate/answers/restart ] && echo 1 >/var/lib/svc/count
	sleep 0.05
done
SH
python3 - "$S/scenario.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["services"] = [{"name": "svc", "argv": ["/bin/bash", "/srv/svc/run.sh"], "owns": ["/var/lib/svc"]}]
json.dump(j, open(sys.argv[1], "w"), indent=2)
PY
cat >"$S/grader/grade.lua" <<'LUA'
local cfg = lab.read("/etc/app/config.txt") or ""
local count = lab.trim(lab.read("/var/lib/svc/count") or "")
local cause = lab.trim(lab.answer("cause.txt") or "")
return {
  lab.check{id = "config-fixed", title = "The config is fixed", weight = 500,
    pass = cfg:find("mode=fixed", 1, true) ~= nil, message = "mode"},
  lab.check{id = "platform-saw", title = "The platform saw it", weight = 200,
    pass = count == "1", message = "count"},
  lab.check{id = "cause-named", title = "The cause", weight = 300,
    pass = cause == "typo", kind = "knowledge", message = "cause"},
}
LUA
cat >"$S/solutions/reference.sh" <<'SH'
#!/bin/bash
sed -i 's/mode=broken/mode=fixed/' /etc/app/config.txt
echo typo > ~/answers/cause.txt
touch ~/answers/restart
sleep 0.3
SH
rm -f "$S/solutions/wrong-only-answer.sh"

run "$LABRUN" selftest "$S" --runs 1
[ "$rc" -eq 0 ] && pass "selftest qualifies the matrix (exit 0)" || fail "selftest qualifies the matrix (exit $rc)"
out_has '\[1\] config-fixed: /etc/app/config.txt \(candidate\)$' "the config check rests on the candidate's file"
out_has '\[2\] platform-saw: /var/lib/svc/count \(service svc\)$' "the platform check rests on the service's state"
out_has '\[3\] cause-named \(knowledge\): /home/candidate/answers/cause.txt \(candidate\)$' "the answer rests on the candidate's answer"
out_has '^FORGEABLE \[1\] config-fixed: .*/home/candidate, /etc/app' "the config check is flagged forgeable, with the files that were enough"
! grep -q 'FORGEABLE \[2\]\|FORGEABLE \[3\]' "$OUT" && pass "the service's check and the knowledge answer are not flagged" ||
	fail "the service's check and the knowledge answer are not flagged"
out_has '^qualified, but 1 remediation check can be forged' "the verdict line says so"
run "$LABRUN" selftest "$S" --runs 1 --json
check "--json has what each check rests on" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
a = r["rests"]; assert a["analysed"] and r["forgeable"] == 1, a
c = {x["id"]: x for x in a["checks"]}
assert c["config-fixed"]["forgeable"] and c["config-fixed"]["kind"] == "remediation"
assert c["config-fixed"]["rests_on"] == [{"fact": "/etc/app/config.txt", "writer": "candidate", "by": None, "entries": None}], c
assert c["platform-saw"]["rests_on"][0]["writer"] == "service" and c["platform-saw"]["rests_on"][0]["by"] == "svc"
assert not c["cause-named"]["forgeable"] and c["cause-named"]["kind"] == "knowledge"' "$OUT"

expect_exit 1 "pack refuses a scenario with a forgeable remediation check" \
	"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/forge.lab"
err_has 'pack: .*1 remediation check can be forged by writing files the candidate owns; nothing written; hint: .*kind = "knowledge"' "... saying why and how to mend it"
[ ! -e "$T/forge.lab" ] && [ ! -e "$T/forge.lab.minisig" ] && pass "... and writes nothing" || fail "... and writes nothing"

# Marked as what it is (the candidate knows what to write): packed.
sed -i 's/pass = cfg:find("mode=fixed", 1, true) ~= nil, message = "mode"}/pass = cfg:find("mode=fixed", 1, true) ~= nil, kind = "knowledge", message = "mode"}/' "$S/grader/grade.lua"
expect_exit 0 "a knowledge answer on the candidate's file is packed" \
	"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/forge.lab"

# Resting on the command log as well: the check's commands are named.
S2=$T/edited
make_scenario "$S2"
run "$LABRUN" selftest "$S2" --runs 1
out_has '\[1\] config-fixed: /etc/app/config.txt \(candidate\); the command log \(supervisor: command 2 \(sed -i s/mode=broken/mode=fixed/ /etc/app/config.txt\)\)$' \
	"a check that also rests on the command log names the command"
! grep -q '^FORGEABLE' "$OUT" && pass "... and is not forgeable" || fail "... and is not forgeable"

# The library's hole, as it was: policy-denials' rollback judged from the
# active file alone (a copy by hand passed it).
P=$T/pd
cp -r "$TOP/scenarios/policy-denials" "$P"
python3 - "$P/grader/grade.lua" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("elseif same(active, HIST[GOOD]) and last_applied == GOOD then", "elseif same(active, HIST[GOOD]) then")
open(p, "w").write(s)
PY
run "$LABRUN" selftest "$P" --runs 1
out_has '^FORGEABLE \[1\] active-policy-good' "the old policy-denials grader is flagged: the rollback could be a copy by hand"
run "$LABRUN" selftest "$TOP/scenarios/policy-denials" --runs 1
! grep -q '^FORGEABLE' "$OUT" && out_has '\[1\] active-policy-good: /etc/agentsim/policy.json \(candidate\); the command log \(supervisor: command [0-9]+ \(policyctl apply v6\)\)' \
	"today's grader rests on policyctl's apply too, and is not forgeable"
done_testing
