#!/bin/bash
# 5600-review: `labrun review` (docs/registry.md, "Human review and
# appeals").  A failing run is reviewed to pass by a listed reviewer: the
# new evidence verifies, keeps the recording, commands, answers and
# result.json byte for byte, records the review (decision, reason,
# reviewer key, the reviewed file's digest and verdict), carries a
# credential valid from the review that the W3C verifier
# (tests/node/verify-vc.js) accepts, and show and report display the
# review.  An unlisted reviewer is refused (exit 1, naming the key id,
# nothing at -o), as are a bad reason and no reviewer keys (usage).  A
# review of the review (back to fail) carries the chain and no credential,
# and show prints the chain; a pass reviewed again names the credential it
# replaces.  A reason or decision changed in the new evidence is refused by verify
# (re-signed by the issuer or not: the reviewer's signature covers it);
# the original file is left as it was.  Under a registry a pass on review
# gets a status index of its own, and a fail revokes the credential it
# withdraws (the log names the review's evidence).
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
NM=$TOP/tests/node/node_modules
have_node=
command -v node >/dev/null && [ -d "$NM/@digitalbazaar/vc" ] && have_node=1
mkdir -p "$T/reviewers"
"$LABRUN" keygen -p "$T/reviewers/ana.pub" -s "$T/ana.key" >/dev/null || fail "keygen ana"
"$LABRUN" keygen -p "$T/bo.pub" -s "$T/bo.key" >/dev/null || fail "keygen bo"
cp "$T/bo.pub" "$T/reviewers/bo.pub"
"$LABRUN" keygen -p "$T/eve.pub" -s "$T/eve.key" >/dev/null || fail "keygen eve"
ana_id=$(tail -1 "$T/reviewers/ana.pub" | base64 -d | od -An -tx1 -j2 -N8 | tr -d ' \n' |
	python3 -c 'import sys; b=bytes.fromhex(sys.stdin.read()); print(b[::-1].hex().upper())')
eve_id=$(tail -1 "$T/eve.pub" | base64 -d | od -An -tx1 -j2 -N8 | tr -d ' \n' |
	python3 -c 'import sys; b=bytes.fromhex(sys.stdin.read()); print(b[::-1].hex().upper())')

S=$T/scn
make_scenario "$S"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate alice \
	--script "$S/solutions/wrong-only-answer.sh" -o "$T/orig.ev"
[ "$rc" -eq 1 ] && pass "a wrong solution's session fails (exit 1)" || fail "the session (exit $rc)"
orig_sum=$(sha256sum "$T/orig.ev" | cut -d' ' -f1)

review() { # IN OUT REVIEWER_KEY DECISION REASON [more]
	local in=$1 out=$2 key=$3 dec=$4 reason=$5
	shift 5
	run "$LABRUN" review "$in" -p "$T/issuer.pub" --key "$T/issuer.key" \
		--reviewer "$key" --decision "$dec" --reason "$reason" -o "$out" "$@"
}

# ---- refusals: nothing written ----
review "$T/orig.ev" "$T/eve.ev" "$T/eve.key" pass "looks fine" --reviewers "$T/reviewers"
[ "$rc" -eq 1 ] && pass "an unlisted reviewer is refused (exit 1)" || fail "an unlisted reviewer (exit $rc)"
err_has "reviewer key $eve_id is not one of the issuer's reviewer keys" "... naming the key id"
[ ! -e "$T/eve.ev" ] && pass "... nothing at -o" || fail "... nothing at -o"
review "$T/orig.ev" "$T/x.ev" "$T/ana.key" pass "fine"
[ "$rc" -eq 2 ] && pass "no reviewer keys is a usage error" || fail "no reviewer keys (exit $rc)"
err_has 'give --reviewers' "... saying how to give them"
review "$T/orig.ev" "$T/x.ev" "$T/ana.key" pass "$(printf 'two\nlines')" --reviewers "$T/reviewers"
[ "$rc" -eq 2 ] && pass "a reason with a newline is refused (exit 2)" || fail "a newline in the reason (exit $rc)"
err_has 'control character' "... naming the control character"
review "$T/orig.ev" "$T/x.ev" "$T/ana.key" pass "$(head -c 2001 /dev/zero | tr '\0' a)" --reviewers "$T/reviewers"
[ "$rc" -eq 2 ] && pass "a reason over 2000 bytes is refused" || fail "a long reason (exit $rc)"
review "$T/orig.ev" "$T/x.ev" "$T/ana.key" pass "" --reviewers "$T/reviewers"
[ "$rc" -eq 2 ] && pass "an empty reason is refused" || fail "an empty reason (exit $rc)"
review "$T/orig.ev" "$T/x.ev" "$T/ana.key" maybe "why not" --reviewers "$T/reviewers"
[ "$rc" -eq 2 ] && pass "a decision other than pass or fail is refused" || fail "--decision maybe (exit $rc)"
review "$T/orig.ev" "$T/x.ev" "$T/ana.key" pass "the grader misread the config" --reviewers "$T/reviewers"
[ "$rc" -eq 2 ] && pass "a pass on a file with no validity needs --valid-days" || fail "no --valid-days (exit $rc)"
err_has 'valid-days' "... naming --valid-days"
[ ! -e "$T/x.ev" ] && pass "... nothing written by any refusal" || fail "... nothing written by any refusal"
"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null
run "$LABRUN" review "$T/orig.ev" -p "$T/other.pub" --key "$T/other.key" --reviewer "$T/ana.key" \
	--decision pass --reason "x" --reviewers "$T/reviewers" --valid-days 30 -o "$T/x.ev"
[ "$rc" -eq 1 ] && pass "evidence of another issuer is refused" || fail "another issuer (exit $rc)"

# ---- fail reviewed to pass, by a reviewer listed in the configuration ----
printf 'reviewers = %s\n' "$T/reviewers" >"$T/labrun.conf"
reason='The grader required sed; the candidate fixed the file with an editor (ticket 4711)'
review "$T/orig.ev" "$T/r1.ev" "$T/ana.key" pass "$reason" --config "$T/labrun.conf" --valid-days 30
[ "$rc" -eq 0 ] && pass "a listed reviewer's pass: exit 0" || { fail "review to pass (exit $rc)"; cat "$ERR"; }
out_has "^t-basic 1\.0\.0: pass on review by reviewer key $ana_id$" "... the decision and reviewer printed"
out_has "^  reviewed: sha256:$orig_sum, which said fail \(graded fail, score 40\.0%" "... the reviewed file's digest and verdict"
expect_exit 0 "the new evidence verifies" "$LABRUN" verify "$T/r1.ev" -p "$T/issuer.pub"
out_has '^  verdict: +pass' "... its verdict is the decision"
out_has "^  graded: +fail" "... the grader's verdict shown"
out_has "^  reviewed: +fail -> pass by reviewer key $ana_id at .*: \"The grader required sed" "... a reviewed: line with the reason"
out_has "^ +of sha256:$orig_sum \(run, issued " "... naming the reviewed file"
for m in result.json commands.jsonl session.cast answers/cause.txt; do
	check "... $m kept byte for byte" cmp <(member "$T/orig.ev" "$m") <(member "$T/r1.ev" "$m")
done
check "the original file is untouched" test "$(sha256sum "$T/orig.ev" | cut -d' ' -f1)" = "$orig_sum"
member "$T/r1.ev" manifest.json >"$T/r1.man"
python3 - "$T/r1.man" "$orig_sum" "$ana_id" "$reason" >"$T/py.out" 2>&1 <<'PY'
import json, sys, datetime
m = json.load(open(sys.argv[1])); r = m["review"]
assert m["produced_by"]["mode"] == "review", m["produced_by"]
assert m["verdict"] == "pass" and m["credential"] is True and m["replaces_credential"] is None
assert r["reviewed"] == {"digest": "sha256:" + sys.argv[2], "mode": "run", "verdict": "fail",
                         "score": 400, "issued": r["reviewed"]["issued"]}, r["reviewed"]
assert r["decision"] == "pass" and r["reason"] == sys.argv[4] and r["chain"] == []
assert r["reviewer"]["key_id"] == sys.argv[3] and m["issued"] == r["at"]
t = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
assert (t(m["valid_until"]) - t(r["at"])).days == 30, (m["valid_until"], r["at"])
print("ok")
PY
[ "$(cat "$T/py.out")" = ok ] && pass "the manifest records the review, valid 30 days from it" ||
	{ fail "the manifest records the review"; sed 's/^/# /' "$T/py.out"; }
# the statement the reviewer signed, rebuilt from the documented recipe
python3 - "$T/r1.man" "$T/reviewers/ana.pub" >"$T/py.out" 2>&1 <<'PY'
import json, sys, base64
m = json.load(open(sys.argv[1])); r = m["review"]
st = json.dumps({"type": "labrun.review/1", "reviewed": r["reviewed"]["digest"],
                 "decision": r["decision"], "reason": r["reason"], "at": r["at"]},
                sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
pk = base64.b64decode(open(sys.argv[2]).read().splitlines()[-1])[10:]
assert base64.b64decode(r["reviewer"]["public_key"])[10:] == pk
try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:
    print("ok"); sys.exit(0)
Ed25519PublicKey.from_public_bytes(pk).verify(base64.b64decode(r["signature"]), st)
print("ok")
PY
[ "$(cat "$T/py.out")" = ok ] && pass "the reviewer's signature is over the documented statement" ||
	{ fail "the documented statement"; sed 's/^/# /' "$T/py.out"; }
member "$T/r1.ev" credential.json | python3 -c '
import json, sys
c = json.load(sys.stdin)
ev = [e for e in c["evidence"] if e.get("genre") == "review"]
assert len(ev) == 1, c["evidence"]
e = ev[0]
assert e["id"].startswith("urn:labrun:evidence:sha256:") and len(e["id"]) == 27 + 64, e
assert e["name"].startswith("Decided on review: pass by reviewer key ") and "the grader\x27s verdict was fail" in e["name"], e
assert e["description"] == sys.argv[1], e
print("ok")' "$reason" >"$T/ev.out" 2>&1
[ "$(cat "$T/ev.out")" = ok ] && pass "the review's credential says the pass was decided on review, and what the grader said" ||
	{ fail "the credential's review evidence"; sed 's/^/# /' "$T/ev.out"; }
if [ -n "$have_node" ]; then
	member "$T/r1.ev" credential.json >"$T/r1.cred.json"
	run env NODE_PATH="$NM" node "$TOP/tests/node/verify-vc.js" "$T/r1.cred.json"
	[ "$rc" -eq 0 ] && pass "the review's credential verifies with the W3C verifier" ||
		{ fail "the review's credential (W3C verifier)"; sed 's/^/# /' "$OUT" "$ERR"; }
else
	skip "node and tests/node/node_modules are needed for the W3C verifier"
fi
expect_exit 0 "show displays the reviewed evidence" "$LABRUN" show "$T/r1.ev" -p "$T/issuer.pub"
out_has '^  verdict: +pass' "... the decision as verdict"
out_has "^  reviewed: +fail -> pass by $ana_id" "... the review: original verdict, decision, reviewer key"
out_has '^  reason: +"The grader required sed' "... and the reason"
run "$LABRUN" show "$T/r1.ev" -p "$T/issuer.pub" --json
python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); r=f["review"]; assert r["decision"]=="pass" and r["graded"]=="fail" and len(r["chain"])==1, r' "$OUT" 2>"$T/py.err" &&
	pass "show --json has the review and its chain" || { fail "show --json review"; sed 's/^/# /' "$T/py.err"; }
expect_exit 0 "report writes the reviewed evidence's page" "$LABRUN" report "$T/r1.ev" -p "$T/issuer.pub" -o "$T/r1.html"
grep -q 'id="review"' "$T/r1.html" && grep -q 'The grader required sed' "$T/r1.html" &&
	grep -q "$ana_id" "$T/r1.html" && pass "... with the review: decision, reason, reviewer key" ||
	fail "... with the review"
grep -q 'graded fail' "$T/r1.html" && pass "... and the original verdict" || fail "... and the original verdict"

# A regrade does not overturn a reviewer's decision in silence.
run "$LABRUN" regrade "$T/r1.ev" --with "$S" --key "$T/issuer.key" -o "$T/reg.ev"
[ "$rc" -eq 1 ] && pass "regrading a review is refused (exit 1)" || fail "regrading a review (exit $rc)"
err_has 'the evidence is a review' "... saying why and what to regrade instead"
[ ! -e "$T/reg.ev" ] && pass "... nothing at -o" || fail "... nothing at -o"

# ---- the review reviewed: back to fail, by another reviewer ----
review "$T/r1.ev" "$T/r2.ev" "$T/bo.key" fail "Ticket 4711 withdrawn: the edit was a copy" --reviewers "$T/reviewers"
[ "$rc" -eq 1 ] && pass "a review of the review to fail: exit 1" || { fail "review of the review (exit $rc)"; cat "$ERR"; }
out_has '^  chain:    1 earlier review kept$' "... the chain printed"
r1_cred=$(member "$T/r1.ev" credential.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
out_has "^  withdraws: $r1_cred$" "... the credential the fail withdraws, to revoke"
expect_exit 0 "... it verifies" "$LABRUN" verify "$T/r2.ev" -p "$T/issuer.pub"
[ "$(grep -c '^  reviewed: ' "$OUT")" -eq 2 ] && pass "... verify prints both reviews" || fail "... verify prints both reviews"
out_has '^  credential: +none \(not a pass\)' "... and it carries no credential"
tar -tf "$T/r2.ev" | grep -qx credential.json && fail "... no credential.json member" || pass "... no credential.json member"
r1_sum=$(sha256sum "$T/r1.ev" | cut -d' ' -f1)
python3 - "$T/r2.ev" "$r1_sum" "$orig_sum" >"$T/py.out" 2>&1 <<'PY'
import json, sys, tarfile
m = json.load(tarfile.open(sys.argv[1]).extractfile("manifest.json")); r = m["review"]
assert r["reviewed"]["digest"] == "sha256:" + sys.argv[2] and r["reviewed"]["mode"] == "review"
assert r["reviewed"]["verdict"] == "pass" and len(r["chain"]) == 1
assert r["chain"][0]["reviewed"]["digest"] == "sha256:" + sys.argv[3] and "chain" not in r["chain"][0]
assert m["valid_until"] is None and m["credential"] is False
print("ok")
PY
[ "$(cat "$T/py.out")" = ok ] && pass "... review.reviewed names the review, the chain the first review" ||
	{ fail "... the chain"; sed 's/^/# /' "$T/py.out"; }
expect_exit 0 "show prints the chain" "$LABRUN" show "$T/r2.ev" -p "$T/issuer.pub"
[ "$(grep -c '^  reviewed: ' "$OUT")" -eq 2 ] && out_has '^  reviewed: +fail -> pass' "... oldest first" &&
	out_has '^  reviewed: +pass -> fail' "... then the latest" || fail "show prints both reviews"

# ---- a pass reviewed again to pass replaces its credential ----
review "$T/r1.ev" "$T/r3.ev" "$T/bo.key" pass "Confirmed on second review" --reviewers "$T/reviewers"
[ "$rc" -eq 0 ] && pass "a pass reviewed to pass (validity from the reviewed pass)" || { fail "r3 (exit $rc)"; cat "$ERR"; }
out_has "^  replaces: $r1_cred$" "... naming the credential it replaces"
member "$T/r3.ev" manifest.json | grep -q "\"replaces_credential\": \"$r1_cred\"" &&
	pass "... in its manifest" || fail "... replaces_credential in its manifest"
expect_exit 0 "... it verifies" "$LABRUN" verify "$T/r3.ev" -p "$T/issuer.pub"
out_has '^  valid until: ' "... with a validity"

# ---- tampering ----
tamper() { # EV PYTHON-EXPR-ON-m OUT: change the manifest, re-sign nothing
	python3 - "$1" "$3" "$2" <<'PY'
import io, json, sys, tarfile
src, dst, expr = sys.argv[1:4]
t = tarfile.open(src); out = tarfile.open(dst, "w", format=tarfile.USTAR_FORMAT)
for ti in t.getmembers():
    data = t.extractfile(ti).read()
    if ti.name == "manifest.json":
        m = json.loads(data); exec(expr); data = (json.dumps(m, indent=2, sort_keys=True) + "\n").encode()
        ti.size = len(data)
    out.addfile(ti, io.BytesIO(data))
out.close()
PY
}
tamper "$T/r1.ev" 'm["review"]["reason"] = "something else"' "$T/t1.ev"
expect_exit 1 "a changed reason is refused by verify" "$LABRUN" verify "$T/t1.ev" -p "$T/issuer.pub"
# The issuer re-seals a changed reason (test_review --reseal, with the
# issuer's key): the reviewer's signature still refuses it.
if [ -x "$BUILD/tests/unit/test_review" ]; then
	run "$BUILD/tests/unit/test_review" --reseal "$T/r1.ev" "$T/issuer.key" reason "something else" "$T/t2.ev"
	if [ "$rc" -eq 0 ]; then
		expect_exit 1 "a reason changed and re-sealed by the issuer is refused by verify" \
			"$LABRUN" verify "$T/t2.ev" -p "$T/issuer.pub"
		err_has "not reviewer key $ana_id's signature over the review's statement" "... the reviewer's signature names the fault"
		run "$BUILD/tests/unit/test_review" --reseal "$T/r1.ev" "$T/issuer.key" decision fail "$T/t3.ev"
		expect_exit 1 "a decision changed and re-sealed is refused by verify" \
			"$LABRUN" verify "$T/t3.ev" -p "$T/issuer.pub"
	else
		fail "resealing a changed review (test_review --reseal, exit $rc)"
		sed 's/^/# /' "$ERR"
	fi
else
	fail "tests/unit/test_review is built (make unit)"
fi
# ---- with a registry: a new status index for a pass, a withdrawn
# credential revoked ----
run "$LABRUN" registry init "$T/reg" --key "$T/issuer.key" --base-url https://certs.example.org
[ "$rc" -eq 0 ] && pass "a registry" || { fail "registry init (exit $rc)"; sed 's/^/# /' "$ERR"; }
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate carol --registry "$T/reg" \
	--script "$S/solutions/reference.sh" -o "$T/p.ev"
[ "$rc" -eq 0 ] && pass "a pass issued under the registry" || fail "the passing run (exit $rc)"
p_cred=$(member "$T/p.ev" credential.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
review "$T/p.ev" "$T/p1.ev" "$T/ana.key" pass "Confirmed on appeal by the employer" \
	--reviewers "$T/reviewers" --registry "$T/reg"
[ "$rc" -eq 0 ] && pass "a pass reviewed to pass under the registry" || { fail "p1 (exit $rc)"; sed 's/^/# /' "$ERR"; }
python3 - "$T/p.ev" "$T/p1.ev" >"$T/py.out" 2>&1 <<'PY'
import json, sys, tarfile
idx = []
for f in sys.argv[1:]:
    t = tarfile.open(f)
    m = json.load(t.extractfile("manifest.json")); c = json.load(t.extractfile("credential.json"))
    cs = m["credential_status"]
    assert cs and c["credentialStatus"][0]["statusListIndex"] == str(cs["index"]), (cs, c.get("credentialStatus"))
    idx.append(cs["index"])
assert idx[0] != idx[1], idx
print("ok")
PY
[ "$(cat "$T/py.out")" = ok ] && pass "... its credential has a status index of its own" ||
	{ fail "... its own status index"; sed 's/^/# /' "$T/py.out"; }
expect_exit 0 "... it verifies" "$LABRUN" verify "$T/p1.ev" -p "$T/issuer.pub"
p1_cred=$(member "$T/p1.ev" credential.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
review "$T/p1.ev" "$T/p2.ev" "$T/bo.key" fail "Misconduct found: the answers were shared" \
	--reviewers "$T/reviewers" --registry "$T/reg"
[ "$rc" -eq 1 ] && pass "the reviewed pass reviewed to fail: exit 1" || { fail "p2 (exit $rc)"; sed 's/^/# /' "$ERR"; }
out_has "^  withdraws: $p1_cred$" "... naming the credential it withdraws"
out_has 'revoked in the registry\)$' "... revoked in the registry"
run "$LABRUN" registry status --registry "$T/reg" "$p1_cred"
out_has 'revoked' "... the registry says revoked" 
grep -q "no longer a pass on review: evidence sha256:$(sha256sum "$T/p2.ev" | cut -d' ' -f1)" "$T/reg/log.jsonl" &&
	pass "... the log's reason names the review's evidence" || fail "... the log's reason names the review's evidence"
expect_exit 0 "... the review verifies" "$LABRUN" verify "$T/p2.ev" -p "$T/issuer.pub"
review "$T/p.ev" "$T/p3.ev" "$T/bo.key" fail "Also withdrawn" --reviewers "$T/reviewers" --registry "$T/reg"
[ "$rc" -eq 1 ] && grep -qx "  withdraws: $p_cred" "$OUT" && grep -q 'revoked in the registry)$' "$OUT" &&
	pass "the original pass reviewed to fail revokes its credential too" || fail "p3 (exit $rc)"
run "$LABRUN" review "$T/orig.ev" -p "$T/issuer.pub" --key "$T/other.key" --reviewer "$T/ana.key" \
	--decision fail --reason x --reviewers "$T/reviewers" --registry "$T/reg" -o "$T/x.ev"
[ "$rc" -eq 1 ] && [ ! -e "$T/x.ev" ] && pass "an issuer key that is not the registry's is refused, nothing written" ||
	fail "another key under the registry (exit $rc)"

check "the original file is still untouched" test "$(sha256sum "$T/orig.ev" | cut -d' ' -f1)" = "$orig_sum"
done_testing
