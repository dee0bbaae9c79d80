#!/bin/bash
# 5300-award: `labrun award` on real evidence (docs/credentials.md,
# "Programs and ladders: labrun award").  The shipped programs check
# (--check) and sign (--sign); three of the library's quickest scenarios
# are run to passing evidence with their reference solutions, and one to a
# fail; then the foundation program is awarded and its credential verified
# by the W3C verifier (tests/node/verify-vc.js); the award is refused, with
# the reason and nothing at -o, for a missing scenario, a failing attempt,
# another holder, an expired attempt (--at), a changed program, evidence
# of another issuer, a changed prerequisite credential and a missing one;
# --holder matches the hashed identifier; and the practitioner program is
# awarded on the foundation credential.
. "$(dirname "$0")/../lib.sh"
make_keys
P=$TOP/scenarios/programs
S=$TOP/scenarios
NM=$TOP/tests/node/node_modules
vc() { NODE_PATH=$NM node "$TOP/tests/node/verify-vc.js" "$@"; }
have_node=
command -v node >/dev/null && [ -d "$NM/@digitalbazaar/vc" ] && have_node=1

# ---- the program files ----
expect_exit 0 "the four shipped programs check" "$LABRUN" award --check \
	"$P/agent-ops-foundation.json" "$P/agent-ops-practitioner.json" \
	"$P/agent-ops-specialist.json" "$P/agent-ops-architect.json"
[ "$(grep -c ': valid program agent-ops-[a-z]* 1\.0\.0 ([a-z]*), signature not checked$' "$OUT")" -eq 4 ] &&
	pass "... each said valid" || fail "... each said valid"
out_has '^  needs 2 of: scenario orchestration-fallback, scenario policy-denials, scenario research-fetch-denied$' \
	"... the foundation's requirements printed"
out_has '^  and the credential of program agent-ops-specialist$' "... the architect's prerequisite printed"
# every scenario a shipped program names is one of the library's, at its level
python3 - "$P" "$S" >"$T/ladder" 2>&1 <<'PY'
import json, os, sys
progs, lib = sys.argv[1], sys.argv[2]
rank = {"foundation": 1, "practitioner": 2, "specialist": 3, "architect": 4}
ids = {}
for f in sorted(os.listdir(progs)):
    ids[json.load(open(os.path.join(progs, f)))["id"]] = f
for f in sorted(os.listdir(progs)):
    p = json.load(open(os.path.join(progs, f)))
    for s in p["requires"].get("scenarios", []):
        sc = json.load(open(os.path.join(lib, s["id"], "scenario.json")))
        assert sc["level"] == p["level"], (f, s["id"], sc["level"])
    for q in p["requires"].get("programs", []):
        below = json.load(open(os.path.join(progs, ids[q])))
        assert rank[below["level"]] == rank[p["level"]] - 1, (f, q)
    if p["level"] != "foundation":
        assert p["requires"].get("programs"), f
print("ladder ok")
PY
grep -q '^ladder ok$' "$T/ladder" && pass "the shipped programs name library scenarios of their level, each resting on the level below" ||
	{ fail "the shipped programs form a ladder"; sed 's/^/#   /' "$T/ladder"; }

cp "$P"/*.json "$T/"
for p in foundation practitioner; do
	expect_exit 0 "--sign agent-ops-$p.json with the author key" \
		"$LABRUN" award --sign "$T/agent-ops-$p.json" --key "$T/author.key"
done
check "... a minisign signature beside it" grep -q '^trusted comment: labrun program agent-ops-foundation 1.0.0$' \
	"$T/agent-ops-foundation.json.minisig"
expect_exit 0 "--check --trust: the signature is good" "$LABRUN" award --check \
	--trust "$T/author.pub" "$T/agent-ops-foundation.json"
out_has 'signed by a trusted author$' "... and said so"
expect_exit 1 "--check --trust: an unsigned program is refused" "$LABRUN" award --check \
	--trust "$T/author.pub" "$T/agent-ops-specialist.json"
err_has 'agent-ops-specialist.json.minisig: no signature beside the program; hint: sign it with labrun award --sign' \
	"... naming the signature file and the fix"
sed 's/"valid_for_days": 730/"valid_for_dayz": 730/; s/"count": 2/"count": 4/' "$P/agent-ops-foundation.json" >"$T/bad.json"
expect_exit 1 "--check: a bad program is refused" "$LABRUN" award --check "$T/bad.json"
err_has 'bad.json: \$\.valid_for_dayz: unknown key; hint: did you mean "valid_for_days"' "... the misspelt key, with the right one"
err_has 'bad.json: \$.requires.count' "... and the count beyond the scenarios, in the same run"
expect_exit 1 "--sign refuses a bad program" "$LABRUN" award --sign "$T/bad.json" --key "$T/author.key"
check "... and writes no signature" test ! -e "$T/bad.json.minisig"
expect_exit 2 "--check and --sign together: usage" "$LABRUN" award --check --sign "$T/bad.json"

# ---- attempts ----
printf '#!/bin/bash\ntrue\n' >"$T/empty.sh"
attempt() { # NAME SCENARIO CANDIDATE SCRIPT [IDENTIFIER]
	local id=()
	[ -n "${5:-}" ] && id=(--identifier "$5")
	"$LABRUN" run "$S/$2" --key "$T/issuer.key" --candidate "$3" "${id[@]}" \
		--script "$4" -o "$T/$1.ev" >"$T/$1.out" 2>&1
}
A=emailAddress:alice@example.org
attempt pd policy-denials alice "$S/policy-denials/solutions/reference.sh" "$A"
[ $? -eq 0 ] && pass "alice passes policy-denials" || { fail "alice passes policy-denials"; sed 's/^/#   /' "$T/pd.out"; }
attempt of orchestration-fallback alice "$S/orchestration-fallback/solutions/reference.sh" "$A"
[ $? -eq 0 ] && pass "alice passes orchestration-fallback" || fail "alice passes orchestration-fallback"
attempt pq policy-quarantine alice "$S/policy-quarantine/solutions/reference.sh" "$A"
[ $? -eq 0 ] && pass "alice passes policy-quarantine" || fail "alice passes policy-quarantine"
attempt of-fail orchestration-fallback alice "$T/empty.sh" "$A"
[ $? -eq 1 ] && pass "alice fails orchestration-fallback untouched" || fail "alice fails orchestration-fallback untouched"
attempt rf-bob research-fetch-denied bob "$S/research-fetch-denied/solutions/reference.sh"
[ $? -eq 0 ] && pass "bob passes research-fetch-denied" || fail "bob passes research-fetch-denied"

award() { # PROGRAM OUT PIECES... (then options)
	local prog=$1 out=$2
	shift 2
	run "$LABRUN" award "$T/agent-ops-$prog.json" "$@" -o "$T/$out" \
		--trust "$T/author.pub" -p "$T/issuer.pub" --key "$T/issuer.key"
}

# ---- the foundation credential ----
award foundation f.cred "$T/pd.ev" "$T/of.ev"
[ "$rc" -eq 0 ] && pass "foundation awarded on two passing attempts" || fail "foundation awarded (exit $rc)"
out_has '^awarded: agent-ops-foundation 1\.0\.0 \(foundation\)$' "... said so"
sed 's/"Agent Operations: Foundation"/"Agent Operations: Architect"/' "$T/f.cred" >"$T/f-tampered.cred"
if [ -n "$have_node" ]; then
	run vc "$T/f.cred"
	[ "$rc" -eq 0 ] && pass "the W3C verifier (eddsa-jcs-2022) accepts the program credential" ||
		fail "the W3C verifier accepts the program credential"
	run vc --expect-fail "$T/f-tampered.cred"
	[ "$rc" -eq 0 ] && pass "... and refuses it with its name changed" || fail "... and refuses it changed"
else
	skip "node or @digitalbazaar/vc is missing (make deps installs it)"
fi
python3 - "$T/f.cred" "$T/pd.ev" "$T/of.ev" >"$T/shape" 2>&1 <<'PY'
import hashlib, json, sys, tarfile
c = json.load(open(sys.argv[1]))
a = c["credentialSubject"]["achievement"]
assert c["type"] == ["VerifiableCredential", "OpenBadgeCredential"], c["type"]
assert a["id"] == "urn:labrun:program:agent-ops-foundation:1.0.0", a["id"]
assert a["achievementType"] == "Certification"
assert "level:foundation" in a["tag"] and "competency:workflow-orchestration" in a["tag"]
assert {x["targetCode"] for x in a["alignment"]} >= {"policy-driven-control", "safe-fallback"}
assert "result" not in c["credentialSubject"]
ev = {e["id"]: e for e in c["evidence"]}
until = []
for f in sys.argv[2:]:
    h = hashlib.sha256(open(f, "rb").read()).hexdigest()
    assert ev["urn:labrun:evidence:sha256:" + h]["genre"] == "labrun evidence", f
    sc = json.load(tarfile.open(f).extractfile("credential.json"))
    assert ev[sc["id"]]["genre"] == "credential", f
    assert sc["credentialSubject"]["id"] == c["credentialSubject"]["id"], f
    until.append(sc["validUntil"])
# valid until the earliest expiry of what it rests on (the attempts' 365
# days come before the program's 730)
assert c["validUntil"] == min(until), (c["validUntil"], until)
# the id: SHA-256 of the JCS of the document without id and proof
d = {k: v for k, v in c.items() if k not in ("id", "proof")}
jcs = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
assert c["id"] == "urn:labrun:credential:sha256:" + hashlib.sha256(jcs.encode()).hexdigest()
print("shape ok")
PY
grep -q '^shape ok$' "$T/shape" && pass "the credential: the program achievement, every attempt and scenario credential as evidence, validUntil the earliest, id the digest" ||
	{ fail "the program credential's shape"; sed 's/^/#   /' "$T/shape"; }

# ---- refusals: nothing at -o, the reason said ----
refused() { # DESC OUT PATTERN
	[ "$rc" -eq 1 ] && pass "$1: refused" || fail "$1: refused (exit $rc)"
	err_has "$3" "... $1: the reason"
	[ ! -e "$T/$2" ] && pass "... $1: nothing written" || fail "... $1: nothing written"
}
award foundation x1.cred "$T/pd.ev"
refused "one scenario of two" x1.cred \
	'needs 2 of \[scenario orchestration-fallback, scenario policy-denials, scenario research-fetch-denied\]; has 1: policy-denials \(evidence .*/pd\.ev\)'
award foundation x2.cred "$T/pd.ev" "$T/of-fail.ev"
refused "a failing attempt" x2.cred 'evidence .*/of-fail\.ev is a fail \(scenario orchestration-fallback'
award foundation x3.cred "$T/pd.ev" "$T/rf-bob.ev"
refused "another holder's attempt" x3.cred 'rf-bob\.ev: holder c-[0-9a-f]{16} is not the holder of .*/pd\.ev'
award foundation x4.cred "$T/pd.ev" "$T/of.ev" --at 2030-01-01
refused "expired attempts at --at" x4.cred 'evidence .*/pd\.ev expired 20[0-9-]{8}T'
award foundation x5.cred "$T/pd.ev" "$T/of.ev" --at 2020-01-01
refused "attempts not yet valid at --at" x5.cred 'pd\.ev is not valid before'
"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null
run "$LABRUN" award "$T/agent-ops-foundation.json" "$T/pd.ev" "$T/of.ev" -o "$T/x6.cred" \
	--trust "$T/author.pub" -p "$T/other.pub" --key "$T/issuer.key"
refused "evidence of another issuer (-p)" x6.cred 'pd\.ev'
run "$LABRUN" award "$T/agent-ops-foundation.json" "$T/pd.ev" "$T/of.ev" -o "$T/x7.cred" \
	--trust "$T/other.pub" -p "$T/issuer.pub" --key "$T/issuer.key"
refused "a program signed by an untrusted author" x7.cred 'agent-ops-foundation\.json\.minisig'
cp "$T/agent-ops-foundation.json" "$T/keep.json"
sed -i 's/"count": 2/"count": 1/' "$T/agent-ops-foundation.json"
award foundation x8.cred "$T/pd.ev"
refused "a program changed after signing" x8.cred 'agent-ops-foundation\.json\.minisig'
cp "$T/keep.json" "$T/agent-ops-foundation.json"
award foundation x9.cred "$T/pd.ev" "$T/pd.ev"
refused "the same attempt twice" x9.cred 'pd\.ev: the same attempt as'
run "$LABRUN" award "$T/agent-ops-foundation.json" "$T/pd.ev" "$T/of.ev" --trust "$T/author.pub" \
	-p "$T/issuer.pub" --key "$T/issuer.key"
[ "$rc" -eq 2 ] && pass "no -o: usage" || fail "no -o: usage (exit $rc)"

# ---- --holder: the hashed identifier ----
award foundation fh.cred "$T/pd.ev" "$T/of.ev" --holder "$A"
[ "$rc" -eq 0 ] && pass "--holder: awarded when each attempt carries the identifier hashed" ||
	fail "--holder: awarded (exit $rc)"
python3 - "$T/fh.cred" <<'PY' >"$T/holder" 2>&1
import hashlib, json, sys
c = json.load(open(sys.argv[1]))
(i,) = c["credentialSubject"]["identifier"]
assert i["identityType"] == "emailAddress" and i["hashed"] is True
assert i["identityHash"] == "sha256$" + hashlib.sha256(("alice@example.org" + i["salt"]).encode()).hexdigest()
assert "alice@example.org" not in open(sys.argv[1]).read()
print("holder ok")
PY
grep -q '^holder ok$' "$T/holder" && pass "... the credential carries it hashed with its salt, never in clear" ||
	{ fail "... the credential carries it hashed"; sed 's/^/#   /' "$T/holder"; }
[ "$(grep -o '"salt": "[0-9a-f]*"' "$T/fh.cred")" != "$(tar -xOf "$T/pd.ev" credential.json | grep -o '"salt": "[0-9a-f]*"')" ] &&
	pass "... with a fresh salt" || fail "... with a fresh salt"
award foundation x10.cred "$T/pd.ev" "$T/of.ev" --holder emailAddress:mallory@example.org
refused "--holder of someone else" x10.cred 'pd\.ev: no emailAddress identifier of its holder \(c-[0-9a-f]{16}\) matches --holder'
award foundation x11.cred "$T/pd.ev" "$T/of.ev" --holder nonsense
[ "$rc" -eq 2 ] && pass "--holder without TYPE:VALUE: usage" || fail "--holder without TYPE:VALUE: usage (exit $rc)"

# ---- the next rung: practitioner on the foundation credential ----
award practitioner x12.cred "$T/pq.ev"
refused "practitioner without the foundation credential" x12.cred \
	'prerequisite program agent-ops-foundation: no credential given'
award practitioner p.cred "$T/pq.ev" "$T/fh.cred" --holder "$A"
[ "$rc" -eq 0 ] && pass "practitioner awarded on policy-quarantine and the foundation credential" ||
	fail "practitioner awarded (exit $rc)"
grep -q "\"id\": \"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/fh.cred")\"" "$T/p.cred" &&
	pass "... it names the foundation credential as its evidence" || fail "... it names the foundation credential"
if [ -n "$have_node" ]; then
	run vc "$T/p.cred"
	[ "$rc" -eq 0 ] && pass "the W3C verifier accepts the practitioner credential" ||
		fail "the W3C verifier accepts the practitioner credential"
else
	skip "node or @digitalbazaar/vc is missing"
fi
award practitioner x13.cred "$T/pq.ev" "$T/f-tampered.cred"
refused "a changed prerequisite credential" x13.cred 'f-tampered\.cred'
award practitioner x14.cred "$T/pq.ev" "$T/fh.cred" --at 2030-01-01
refused "an expired prerequisite credential" x14.cred 'credential .*/fh\.cred expired'
award practitioner x15.cred "$T/pq.ev" "$T/fh.cred" "$T/pd.ev"
refused "a piece that counts toward nothing" x15.cred 'pd\.ev: an attempt at scenario policy-denials 1\.0\.0 counts toward nothing'
tar -xOf "$T/pd.ev" credential.json >"$T/sc.cred"
award practitioner x16.cred "$T/pq.ev" "$T/sc.cred"
refused "a scenario credential alone" x16.cred 'sc\.cred: a scenario credential; hint: give the evidence file'
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
