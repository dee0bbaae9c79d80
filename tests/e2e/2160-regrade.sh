#!/bin/bash
# 2160-regrade: `labrun regrade EVIDENCE --with BUNDLE` grades a stored
# session again with a newer grader, without rerunning it: the same bundle
# gives the same result (also for the agentd scenario, whose state lives
# in changes/, and a solution that deletes files); a changed weight and an
# added check show in the new result, and the output shows each check
# before -> after (changed, new and gone ones marked); the new evidence verifies and names
# the old by digest; another scenario, tampered evidence, another issuer
# and an untrusted bundle are refused and leave nothing at -o.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/v1.lab" >/dev/null || fail "pack v1"
run "$LABRUN" run "$T/v1.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
	--candidate alice --script "$S/solutions/wrong-only-answer.sh" -o "$T/old.ev"
[ "$rc" -eq 1 ] && pass "a wrong solution's session fails (exit 1)" || fail "the session (exit $rc)"
old_digest=$(sha256sum "$T/old.ev" | cut -d' ' -f1)

regrade() { # WITH OUT [more]
	local with=$1 out=$2
	shift 2
	run "$LABRUN" regrade "$T/old.ev" --with "$with" --trust "$T/author.pub" \
		--key "$T/issuer.key" -o "$out" "$@"
}

# The same bundle: the same checks.
regrade "$T/v1.lab" "$T/same.ev" -p "$T/issuer.pub"
[ "$rc" -eq 1 ] && pass "regrade with the same bundle: still fail (exit 1)" || fail "regrade with the same bundle (exit $rc)"
check "... and the same result.json" cmp <(member "$T/old.ev" result.json) <(member "$T/same.ev" result.json)

# v2: the config check weighs less (600 -> 300), and a new check on the
# answer (100): the wrong solution now earns 500 of 800, 625 thousandths.
# (v2 must still qualify, or pack refuses it: the wrong solution fails.)
cp -r "$S" "$T/scn2"
python3 - "$T/scn2" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json")); j["version"] = "1.1.0"
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
g = open(d + "/grader/grade.lua").read()
g = g.replace('weight = 600', 'weight = 300')
g = g.replace('\n}\n', '''
  lab.check{id = "answer-short", title = "The answer is one word", weight = 100,
    pass = cause ~= "" and not cause:find(" ", 1, true), kind = "knowledge",
    message = "one word, please"},
}
''', 1)
open(d + "/grader/grade.lua", "w").write(g)
PY
"$LABRUN" pack "$T/scn2" -s "$T/author.key" -o "$T/v2.lab" >/dev/null || fail "pack v2"
regrade "$T/v2.lab" "$T/new.ev"
[ "$rc" -eq 1 ] && pass "regrade with the new grader: still a fail (exit 1)" || fail "regrade with the new grader (exit $rc)"
out_has '^t-basic 1\.1\.0: fail \(score 625/1000' "... the new score is printed (500 of 800)"
out_has "^  was:   fail, score 400 \(sha256:$old_digest\)" "... with what the old evidence said"
out_has '^  checks, before -> after \(\* changed, \+ new, - gone\): 2 of 3 changed$' "... how many checks moved"
out_has '^  \* config-fixed +fail 0/600 +-> fail 0/300 +The config is fixed$' "... a changed weight, before -> after, with the title"
out_has '^    cause-named +pass 400/400 +-> pass 400/400 +The cause is named$' "... an unchanged check, unmarked"
out_has '^  \+ answer-short +- +-> pass 100/100 +The answer is one word$' "... the added check, marked new"
out_has '^      one word, please$' "... with the new grader's message"
# Back to v1 from the v2 evidence: the check v1 lacks is gone.
run "$LABRUN" regrade "$T/new.ev" --with "$T/v1.lab" --trust "$T/author.pub" \
	--key "$T/issuer.key" -o "$T/back.ev"
out_has '^  - answer-short +pass 100/100 +-> - +The answer is one word$' "a check the older grader lacks is marked gone, titled from the old evidence"
out_has '^  \* config-fixed +fail 0/300 +-> fail 0/600 ' "... and the weight moves back"
expect_exit 0 "labrun verify accepts the new evidence" "$LABRUN" verify "$T/new.ev" -p "$T/issuer.pub"
out_has "^  regraded:    from sha256:$old_digest \(it said fail, score 400\)" "... and says what it regraded"
member "$T/new.ev" manifest.json >"$T/new.json"
member "$T/old.ev" manifest.json >"$T/old.json"
check "the manifest links the old evidence and keeps the session's facts" python3 - "$T/old.json" "$T/new.json" "$old_digest" <<'PY'
import json, sys
o = json.load(open(sys.argv[1])); n = json.load(open(sys.argv[2]))
f = n["regraded_from"]
assert f["digest"] == "sha256:" + sys.argv[3], f
assert f["verdict"] == "fail" and f["score"] == 400 and f["issued"] == o["issued"]
assert f["scenario_digest"] == o["scenario"]["digest"]
assert n["produced_by"]["mode"] == "regrade" and n["renews"] is None
assert n["scenario"]["version"] == "1.1.0" and n["scenario"]["digest"] != o["scenario"]["digest"]
assert n["verdict"] == "fail" and n["score"] == 625 and n["pass_mark"] == 800
for k in ("candidate", "attempt", "seed", "session", "faults", "commands", "hints_used", "collection"):
    assert n[k] == o[k], k
assert n["valid_until"] is None
PY
check "the recording, command log, changes and answers are the session's" bash -c "
	for m in session.cast commands.jsonl changes/.deleted answers/cause.txt; do
		cmp -s <(tar -xOf '$T/old.ev' \$m) <(tar -xOf '$T/new.ev' \$m) || exit 1
	done"
member "$T/new.ev" result.json | grep -q '"id": "answer-short"' &&
	pass "result.json has the new check" || fail "result.json has the new check"

# The agentd scenario: its state is in changes/; a solution that deletes.
R=$TOP/scenarios/policy-denials
run "$LABRUN" run "$R" --key "$T/issuer.key" --candidate bob \
	--script "$R/solutions/wrong-delete-history.sh" -o "$T/pd.ev"
run "$LABRUN" regrade "$T/pd.ev" --with "$R" --key "$T/issuer.key" -o "$T/pd2.ev"
[ "$rc" -eq 1 ] && pass "policy-denials, a deleting wrong solution: regraded fail" || fail "policy-denials regrade (exit $rc)"
check "... with the session's very checks" cmp <(member "$T/pd.ev" result.json) <(member "$T/pd2.ev" result.json)
F=$TOP/scenarios/research-fetch-denied
run "$LABRUN" run "$F" --key "$T/issuer.key" --candidate bob \
	--script "$F/solutions/reference.sh" -o "$T/rf.ev"
run "$LABRUN" regrade "$T/rf.ev" --with "$F" --key "$T/issuer.key" -o "$T/rf2.ev"
[ "$rc" -eq 0 ] && pass "research-fetch-denied (agentd) reference: regraded pass" || fail "research-fetch-denied regrade (exit $rc)"
check "... with the session's very checks" cmp <(member "$T/rf.ev" result.json) <(member "$T/rf2.ev" result.json)

# Refusals: nothing at -o.
make_scenario "$T/other" t-other
"$LABRUN" pack "$T/other" -s "$T/author.key" -o "$T/other.lab" >/dev/null || fail "pack other"
regrade "$T/other.lab" "$T/x.ev"
[ "$rc" -eq 1 ] && pass "another scenario's bundle is refused (exit 1)" || fail "another scenario's bundle is refused (exit $rc)"
err_has "scenario 't-other', but .*old\.ev is evidence of 't-basic'" "... naming both ids"
check "... and nothing is written" test ! -e "$T/x.ev"
cp "$T/old.ev" "$T/tampered.ev"
python3 - "$T/tampered.ev" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"typo")
b[i] = ord("T")
open(sys.argv[1], "wb").write(b)
PY
run "$LABRUN" regrade "$T/tampered.ev" --with "$T/v2.lab" --trust "$T/author.pub" \
	--key "$T/issuer.key" -o "$T/x.ev"
[ "$rc" -eq 1 ] && pass "tampered evidence is refused (exit 1)" || fail "tampered evidence is refused (exit $rc)"
err_has '^labrun regrade: .*tampered\.ev: .*(digest|modified)' "... saying it was modified"
check "... and nothing is written" test ! -e "$T/x.ev"
"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null
regrade "$T/v2.lab" "$T/x.ev" -p "$T/other.pub"
[ "$rc" -eq 1 ] && pass "evidence checked against another issuer is refused" || fail "another issuer (exit $rc)"
run "$LABRUN" regrade "$T/old.ev" --with "$T/v2.lab" --trust "$T/other.pub" \
	--key "$T/issuer.key" -o "$T/x.ev"
[ "$rc" -eq 1 ] && pass "a bundle not signed by a trusted key is refused" || fail "an untrusted bundle (exit $rc)"
run "$LABRUN" regrade "$T/old.ev" --with "$T/v2.lab" --key "$T/issuer.key" -o "$T/x.ev"
[ "$rc" -eq 2 ] && pass "a bundle without --trust is a usage error" || fail "a bundle without --trust (exit $rc)"
check "... and nothing is written" test ! -e "$T/x.ev"
expect_exit 2 "--with is required" "$LABRUN" regrade "$T/old.ev" --key "$T/issuer.key" -o "$T/x.ev"
expect_exit 0 "--help" "$LABRUN" regrade --help
out_has '^usage: labrun regrade EVIDENCE --with BUNDLE' "... starts with the usage line"
check "no regrade work directory is left" sh -c "! ls -d '$TMPDIR'/labrun-regrade.* 2>/dev/null | grep -q ."

done_testing
