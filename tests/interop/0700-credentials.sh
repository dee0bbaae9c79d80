#!/bin/bash
# 0700-credentials: the credential of every passing attempt
# (credential.json, docs/credentials.md) passes the standard W3C verifier,
# Digital Bazaar's @digitalbazaar/vc with the eddsa-jcs-2022 cryptosuite
# (tests/node/verify-vc.js, offline: bundled contexts, did:key resolved
# from the did): from labrun run with and without --identifier, from a
# renewal (recert plan + batch) and from a regrade, each of which replaces
# the old credential and keeps the holder's hashed identifier.  Each
# credential tampered (a changed score, validUntil or identityHash, a
# swapped issuer) is refused by the same verifier and by labrun verify.
# The stock-tools recipe of the binding holds: grep -v '  credential.json$'
# SHA256SUMS | sha256sum is the hex of the credential's id.  --identifier
# refuses an unknown type (listing the known ones), an empty value and
# control characters; the identifier is never in clear in the evidence.
. "$(dirname "$0")/../lib.sh"
NM=$TOP/tests/node/node_modules
command -v node >/dev/null || { skip "node is not installed"; done_testing; exit 0; }
[ -d "$NM/@digitalbazaar/vc" ] && [ -d "$NM/@digitalbazaar/eddsa-jcs-2022-cryptosuite" ] ||
	{ skip "no @digitalbazaar/vc under tests/node (make deps installs it)"; done_testing; exit 0; }
vc() { run node "$TOP/tests/node/verify-vc.js" "$@"; }

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
mkdir -p "$T/b" "$T/ev" "$T/c"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v1.lab" >/dev/null || fail "pack v1"
runit() { # CANDIDATE SCRIPT OUT [more]
	local c=$1 s=$2 o=$3
	shift 3
	run timeout -k 5 120 "$LABRUN" run "$T/b/v1.lab" --trust "$T/author.pub" \
		--key "$T/issuer.key" --candidate "$c" --script "$s" -o "$o" "$@"
}
cred_of() { member "$1" credential.json >"$2"; }
jq_() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

# --- --identifier refusals -------------------------------------------
runit ann "$S/solutions/reference.sh" "$T/x.ev" --identifier shoeSize:44
[ "$rc" -eq 2 ] && pass "an unknown identifier type: usage error (exit 2)" || fail "an unknown identifier type (exit $rc)"
err_has 'unknown type .shoeSize.; one of name, sourcedId, systemId' "... naming the types it knows"
runit ann "$S/solutions/reference.sh" "$T/x.ev" --identifier emailAddress:
[ "$rc" -eq 2 ] && pass "an empty identifier: usage error (exit 2)" || fail "an empty identifier (exit $rc)"
runit ann "$S/solutions/reference.sh" "$T/x.ev" --identifier "$(printf 'emailAddress:a\033[2Jb')"
[ "$rc" -eq 2 ] && pass "a control character: usage error (exit 2)" || fail "a control character (exit $rc)"
err_has 'control character' "... saying so"
[ ! -e "$T/x.ev" ] && pass "nothing written for them" || fail "nothing written for them"

run "$LABRUN" take "$T/b/v1.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
	--candidate ann -o "$T/x.ev" --identifier shoeSize:44
[ "$rc" -eq 2 ] && pass "take: an unknown identifier type is a usage error" || fail "take: an unknown identifier type (exit $rc)"
SSH_ORIGINAL_COMMAND=list run "$LABRUN" exam --candidate ann --identifier emailAddress: --config /dev/null
[ "$rc" -eq 2 ] && pass "exam: an empty identifier is a usage error" || fail "exam: an empty identifier (exit $rc)"

# --- run: with and without an identifier; a fail carries none ---------
runit ann "$S/solutions/reference.sh" "$T/ev/ann.ev" --identifier emailAddress:alice@example.org
[ "$rc" -eq 0 ] && pass "a pass with --identifier (exit 0)" || fail "a pass with --identifier (exit $rc)"
runit ben "$S/solutions/reference.sh" "$T/ev/ben.ev"
[ "$rc" -eq 0 ] && pass "a pass without (exit 0)" || fail "a pass without (exit $rc)"
runit cat "$S/solutions/wrong-only-answer.sh" "$T/cat-fail.ev"
[ "$rc" -eq 1 ] && pass "a fail (exit 1)" || fail "a fail (exit $rc)"
check "a fail carries no credential.json" sh -c "! tar -tf '$T/cat-fail.ev' | grep -qx credential.json"
cred_of "$T/ev/ann.ev" "$T/c/ann.json"
cred_of "$T/ev/ben.ev" "$T/c/ben.json"
vc "$T/c/ann.json" "$T/c/ben.json"
[ "$rc" -eq 0 ] && pass "@digitalbazaar/vc verifies both credentials" || fail "@digitalbazaar/vc verifies both credentials"
sed 's/^/# /' "$OUT"
check "no member of the evidence has the identifier in clear" sh -c "! tar -xOf '$T/ev/ann.ev' | grep -q 'alice@example.org'"
check "the credential's identityHash is sha256(identifier + salt), the manifest's" python3 - "$T/c/ann.json" "$T/ev/ann.ev" <<'PY'
import hashlib, json, sys, tarfile
c = json.load(open(sys.argv[1]))
ids = c["credentialSubject"]["identifier"]
assert len(ids) == 1 and ids[0]["identityType"] == "emailAddress" and ids[0]["hashed"] is True
h = "sha256$" + hashlib.sha256(("alice@example.org" + ids[0]["salt"]).encode()).hexdigest()
assert ids[0]["identityHash"] == h, (ids[0], h)
m = json.load(tarfile.open(sys.argv[2]).extractfile("manifest.json"))
assert m["candidate"]["identifier"] == {"type": "emailAddress", "salt": ids[0]["salt"], "hash": h}
assert m["credential"] is True and m["replaces_credential"] is None
PY
check "without --identifier: the pseudonym only" python3 - "$T/c/ben.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
s = c["credentialSubject"]
assert "identifier" not in s and s["id"].startswith("urn:labrun:pseudonym:c-"), s
assert c["credentialSubject"]["result"][0]["value"] == "100.0"
PY
# the binding, with stock tools
mkdir -p "$T/x" && tar -xf "$T/ev/ann.ev" -C "$T/x"
contents=$(grep -v '  credential.json$' "$T/x/SHA256SUMS" | sha256sum | cut -d' ' -f1)
[ "$(jq_ "$T/c/ann.json" 'd["id"]')" = "urn:labrun:credential:sha256:$contents" ] &&
	pass "stock tools: grep -v '  credential.json\$' SHA256SUMS | sha256sum is the id's hex" ||
	fail "stock tools: the id's hex is the contents digest"
check "... and sha256sum -c still checks every member" sh -c "cd '$T/x' && sha256sum --strict -c SHA256SUMS >/dev/null"
run "$LABRUN" verify "$T/ev/ann.ev" -p "$T/issuer.pub"
[ "$rc" -eq 0 ] && pass "labrun verify accepts it" || fail "labrun verify accepts it"
cp "$OUT" "$T/verify.out"
out_has "^  credential:  urn:labrun:credential:sha256:$contents\$" "the summary names the credential"
out_has '^  identifier:  emailAddress, hashed and salted$' "and the identifier's type only"
run "$LABRUN" verify --json "$T/ev/ann.ev" -p "$T/issuer.pub"
out_has "\"credential\": \"urn:labrun:credential:sha256:$contents\"" "--json has the credential's id"
run "$LABRUN" verify --did -p "$T/issuer.pub"
[ "$rc" -eq 0 ] && [ "$(cat "$OUT")" = "$(jq_ "$T/c/ann.json" 'd["issuer"]["id"]')" ] &&
	pass "labrun verify --did -p issuer.pub prints the credential's issuer" ||
	fail "labrun verify --did -p issuer.pub prints the credential's issuer"
out_has '^did:key:z6Mk' "... a did:key of an Ed25519 key"
[ "$(jq_ "$T/c/ann.json" 'd["issuer"]["id"]')" = "$(sed -n 's/^  issuer did:  //p' "$T/verify.out")" ] &&
	pass "verify's summary names the same did" || fail "verify's summary names the same did"
ann_id=urn:labrun:credential:sha256:$contents
ben_id=$(jq_ "$T/c/ben.json" 'd["id"]')

# --- a renewal: recert plan + batch replaces the credential -----------
python3 - "$S" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json")); j["version"] = "1.1.0"
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
PY
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v2.lab" >/dev/null || fail "pack v2"
run "$LABRUN" recert plan --evidence "$T/ev" --bundles "$T/b" --trust "$T/author.pub" \
	-p "$T/issuer.pub" -o "$T/jobs"
[ "$(wc -l <"$T/jobs")" -eq 2 ] && pass "two stale passes: two jobs" || fail "two jobs (got $(wc -l <"$T/jobs"))"
run "$LABRUN" batch "$T/jobs" -o "$T/out" --trust "$T/author.pub" --key "$T/issuer.key"
[ "$rc" -eq 0 ] && pass "the batch renews both (exit 0)" || fail "the batch (exit $rc)"
n=0
for f in "$T"/out/*.ev; do
	cred_of "$f" "$T/c/renewed-$n.json" && n=$((n + 1))
done
[ "$n" -eq 2 ] && pass "each renewal carries a credential" || fail "each renewal carries a credential ($n)"
vc "$T/c/renewed-0.json" "$T/c/renewed-1.json"
[ "$rc" -eq 0 ] && pass "@digitalbazaar/vc verifies the renewals' credentials" || fail "@digitalbazaar/vc verifies the renewals' credentials"
sed 's/^/# /' "$OUT"
check "each replaces its old credential; ann's keeps the hashed identifier" python3 - "$T/c/ann.json" "$ann_id" "$ben_id" "$T"/c/renewed-*.json <<'PY'
import json, sys
old = json.load(open(sys.argv[1]))
want = {sys.argv[2], sys.argv[3]}
seen = set()
for f in sys.argv[4:]:
    c = json.load(open(f))
    rep = [e["id"] for e in c["evidence"] if e["genre"] == "replaces"]
    assert len(rep) == 1 and rep[0] in want, rep
    seen.add(rep[0])
    assert c["credentialSubject"]["achievement"]["version"] == "1.1.0"
    if rep[0] == sys.argv[2]:
        assert c["credentialSubject"]["identifier"] == old["credentialSubject"]["identifier"]
    else:
        assert "identifier" not in c["credentialSubject"]
assert seen == want, seen
PY

# --- a regrade replaces the credential too ------------------------------
run "$LABRUN" regrade "$T/ev/ann.ev" --with "$T/b/v1.lab" --trust "$T/author.pub" \
	--key "$T/issuer.key" -p "$T/issuer.pub" -o "$T/regraded.ev"
[ "$rc" -eq 0 ] && pass "a regrade of the pass (exit 0)" || fail "a regrade of the pass (exit $rc)"
cred_of "$T/regraded.ev" "$T/c/regraded.json"
vc "$T/c/regraded.json"
[ "$rc" -eq 0 ] && pass "@digitalbazaar/vc verifies the regrade's credential" || fail "@digitalbazaar/vc verifies the regrade's credential"
check "it replaces ann's credential and keeps the identifier" python3 - "$T/c/regraded.json" "$ann_id" "$T/c/ann.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert [e["id"] for e in c["evidence"] if e["genre"] == "replaces"] == [sys.argv[2]]
assert c["id"] != sys.argv[2]
old = json.load(open(sys.argv[3]))
assert c["credentialSubject"]["identifier"] == old["credentialSubject"]["identifier"]
PY
"$LABRUN" verify "$T/regraded.ev" -p "$T/issuer.pub" >/dev/null &&
	pass "labrun verify accepts the regrade" || fail "labrun verify accepts the regrade"

# --- exam (and so take) at a terminal, the operator giving the identifier
if command -v tmux >/dev/null; then
	cat >"$T/labrun.conf" <<CONF
trust = $T/author.pub
key = $T/issuer.key
exam_bundle = $T/b/v1.lab
evidence_dir = $T/exam
CONF
	TM="tmux -L labrun-test-$$ -f /dev/null"
	trap '$TM kill-server 2>/dev/null; rm -rf "$T"' EXIT
	$TM new-session -d -s x -x 120 -y 40 \
		"env -u SSH_ORIGINAL_COMMAND $LABRUN exam --candidate dora --identifier studentNumber:1 --config $T/labrun.conf; echo EXIT=\$?; sleep 60"
	pane_wait x "EXIT=2" 50 && pass "exam: an unknown identifier type stops before the exam" ||
		fail "exam: an unknown identifier type stops before the exam"
	$TM kill-session -t x
	$TM new-session -d -s x -x 120 -y 40 \
		"env -u SSH_ORIGINAL_COMMAND $LABRUN exam --candidate dora --identifier sourcedId:S-1024 --config $T/labrun.conf; echo EXIT=\$?; sleep 60"
	pane_wait x "Press Enter to start" 100 || fail "exam: the brief"
	$TM send-keys -t x Enter
	pane_wait x "left] candidate@lab" 100 || fail "exam: the shell"
	$TM send-keys -t x "sed -i s/broken/fixed/ /etc/app/config.txt; echo typo > ~/answers/cause.txt; lab submit -y" Enter
	pane_wait x "EXIT=0" 100 && pass "exam --identifier: the exam is taken and passed" ||
		fail "exam --identifier: the exam is taken and passed"
	$TM kill-session -t x
	cred_of "$T/exam/dora/attempt-1.tar" "$T/c/dora.json"
	vc "$T/c/dora.json"
	[ "$rc" -eq 0 ] && pass "@digitalbazaar/vc verifies the exam's credential" || fail "@digitalbazaar/vc verifies the exam's credential"
	check "it names the holder by the hashed sourcedId" python3 - "$T/c/dora.json" <<'PY'
import hashlib, json, sys
i = json.load(open(sys.argv[1]))["credentialSubject"]["identifier"][0]
assert i["identityType"] == "sourcedId"
assert i["identityHash"] == "sha256$" + hashlib.sha256(("S-1024" + i["salt"]).encode()).hexdigest()
PY
	check "the exam's evidence has S-1024 nowhere in clear" sh -c "! tar -xOf '$T/exam/dora/attempt-1.tar' | grep -q 'S-1024'"
else
	skip "tmux is not installed: no exam at a terminal"
fi

# --- tampering: the standard verifier refuses each ----------------------
"$LABRUN" keygen -p "$T/rogue.pub" -s "$T/rogue.key" >/dev/null
rogue_did=$(python3 - "$T/rogue.pub" <<'PY'
import base64, sys
pk = base64.b64decode(open(sys.argv[1]).read().split("\n")[1])[10:42]
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
b = b"\xed\x01" + pk
n = int.from_bytes(b, "big"); s = ""
while n:
    n, r = divmod(n, 58); s = a[r] + s
print("did:key:z" + s)
PY
)
tampered=()
for f in ann ben renewed-0 regraded; do
	for how in score validUntil identityHash issuer; do
		python3 - "$T/c/$f.json" "$T/c/$f-$how.json" "$how" "$rogue_did" <<'PY' || continue
import json, sys
c = json.load(open(sys.argv[1])); how = sys.argv[3]
s = c["credentialSubject"]
if how == "score":
    s["result"][0]["value"] = "99.0"
elif how == "validUntil":
    c["validUntil"] = "2099-01-01T00:00:00Z"
elif how == "identityHash":
    if "identifier" not in s:
        sys.exit(1)  # nothing to change
    h = s["identifier"][0]["identityHash"]
    s["identifier"][0]["identityHash"] = h[:-1] + ("0" if h[-1] != "0" else "1")
elif how == "issuer":
    vm = sys.argv[4] + "#" + sys.argv[4][len("did:key:"):]
    c["issuer"]["id"] = sys.argv[4]
    c["proof"]["verificationMethod"] = vm
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
		tampered+=("$T/c/$f-$how.json")
	done
done
[ ${#tampered[@]} -ge 14 ] && pass "${#tampered[@]} tampered credentials" || fail "tampered credentials (${#tampered[@]})"
vc --expect-fail "${tampered[@]}"
[ "$rc" -eq 0 ] && pass "@digitalbazaar/vc refuses every tampered credential" || fail "@digitalbazaar/vc refuses every tampered credential"
sed 's/^/# /' "$OUT"
vc --now 2099-01-01T00:00:00Z "$T/c/ann.json"
[ "$rc" -eq 1 ] && grep -q 'after "validUntil"' "$OUT" && pass "an expired credential is refused (--now past validUntil)" ||
	fail "an expired credential is refused (--now past validUntil)"
vc "$T/c/ann-score.json"
[ "$rc" -ne 0 ] && pass "verify-vc.js exits non-zero on a failure" || fail "verify-vc.js exits non-zero on a failure"
out_has 'FAIL .*ann-score.json: .*[Ii]nvalid signature' "... and prints why"

done_testing
