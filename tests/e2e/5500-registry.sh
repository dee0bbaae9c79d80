#!/bin/bash
# labrun registry: init; passes issued with --registry get indices 1, 2, 3
# (credentialStatus in the credential, credential_status in the manifest);
# revoke (by the evidence file) with a reason, suspend, reinstate, a
# revocation is final; the log checked, and refused naming the line once a
# line is changed; the status lists and did.json written (lists); verify
# with --status refuses the revoked one naming the list and index, accepts
# the other, refuses a tampered list; the gate refuses the revoked one and
# allows the other, and without --status refuses an unchecked status
# unless --offline-status-ok; rotation: the old key no longer issues, the
# new one does, and what the old one signed still verifies with
# --identity; a key compromised from a date fails what it signed from
# then on with that reason, and not what it signed before.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "registry --help exits 0" "$LABRUN" registry --help
out_has '^usage: labrun registry init REG --key ISSUER_SEC --base-url URL' "help starts with the usage line"
expect_exit 2 "no subcommand: usage" "$LABRUN" registry
expect_exit 2 "an unknown subcommand: usage" "$LABRUN" registry bogus --registry "$T/reg"

make_keys || { fail "keygen"; done_testing; exit 1; }
"$LABRUN" keygen -p "$T/new.pub" -s "$T/new.key" >/dev/null
OLDID=$(sed -n 's/^untrusted comment: .* \([0-9A-F]\{16\}\)$/\1/p' "$T/issuer.pub")
NEWID=$(sed -n 's/^untrusted comment: .* \([0-9A-F]\{16\}\)$/\1/p' "$T/new.pub")
R=("--registry" "$T/reg")

expect_exit 2 "init without --base-url: usage" "$LABRUN" registry init "$T/reg" --key "$T/issuer.key"
expect_exit 2 "init with an http URL: usage" "$LABRUN" registry init "$T/reg" --key "$T/issuer.key" --base-url http://certs.example.org
err_has "not an https URL" "says https"
expect_exit 0 "init" "$LABRUN" registry init "$T/reg" --key "$T/issuer.key" --base-url https://certs.example.org
check "registry.json names the did:web" grep -q '"did": "did:web:certs.example.org"' "$T/reg/registry.json"
expect_exit 1 "init twice: refused" "$LABRUN" registry init "$T/reg" --key "$T/issuer.key" --base-url https://certs.example.org
expect_exit 0 "check a new registry" "$LABRUN" registry check "${R[@]}"
out_has "valid: 2 lines" "two lines: init and the founding key"
out_has "key $OLDID current" "the founding key is current"

make_min_scenario "$T/min"
printf 'echo "x = 2" >/etc/x.conf\n' >"$T/fix.sh"
pass_as() { # NAME KEY EV
	run timeout -k 5 120 "$LABRUN" run "$T/min" --key "$2" --candidate "$1" \
		--identifier "emailAddress:$1@example.org" --script "$T/fix.sh" -o "$3" "${R[@]}"
}
pass_as alice "$T/issuer.key" "$T/a.ev"
[ "$rc" -eq 0 ] || { fail "alice's pass with --registry (exit $rc)"; done_testing; exit 1; }
sleep 2
pass_as bob "$T/issuer.key" "$T/b.ev"
[ "$rc" -eq 0 ] || { fail "bob's pass with --registry (exit $rc)"; done_testing; exit 1; }
member "$T/a.ev" credential.json >"$T/a.json"
member "$T/b.ev" credential.json >"$T/b.json"
member "$T/b.ev" manifest.json >"$T/b.man"
AID=$(python3 -c "import json; print(json.load(open('$T/a.json'))['id'])")
BID=$(python3 -c "import json; print(json.load(open('$T/b.json'))['id'])")
BISSUED=$(python3 -c "import json; print(json.load(open('$T/b.json'))['proof']['created'])")
check "alice's credential carries credentialStatus at index 1, both purposes" python3 - "$T/a.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["credentialStatus"]
want = [("revocation", "https://certs.example.org/status/revocation.json"),
        ("suspension", "https://certs.example.org/status/suspension.json")]
ok = len(c) == 2 and all(
    e["type"] == "BitstringStatusListEntry" and e["statusPurpose"] == p and
    e["statusListIndex"] == "1" and e["statusListCredential"] == u and e["id"] == u + "#1"
    for e, (p, u) in zip(c, want))
sys.exit(0 if ok else 1)
PY
check "bob's manifest records credential_status index 2" python3 -c "import json,sys; m=json.load(open('$T/b.man')); sys.exit(m['credential_status']!={'index':2,'base_url':'https://certs.example.org'})"
expect_exit 0 "alice's evidence verifies with -p" "$LABRUN" verify "$T/a.ev" -p "$T/issuer.pub"
expect_exit 0 "status lists both, bound" "$LABRUN" registry status "${R[@]}"
out_has "^1	active	$AID	" "index 1 is alice's"
out_has "^2	active	$BID	" "index 2 is bob's"

# A pass without --registry carries none.
run timeout -k 5 120 "$LABRUN" run "$T/min" --key "$T/issuer.key" --candidate carol --script "$T/fix.sh" -o "$T/plain.ev"
check "without a registry: no credentialStatus, credential_status null" sh -c \
	"cd '$T' && tar -xOf plain.ev credential.json | grep -vq credentialStatus && tar -xOf plain.ev manifest.json | grep -q '\"credential_status\": null'"

# Revocation, suspension.
expect_exit 2 "revoke without --reason: usage" "$LABRUN" registry revoke "$T/a.ev" "${R[@]}" --key "$T/issuer.key"
expect_exit 0 "revoke alice's by her evidence file" "$LABRUN" registry revoke "$T/a.ev" --reason "misconduct: shared answers" "${R[@]}" --key "$T/issuer.key" --actor "exam board"
out_has "$AID: revoked \\(misconduct: shared answers\\)" "says revoked and why"
expect_exit 1 "a revocation is final: reinstate refused" "$LABRUN" registry reinstate "$AID" --reason x "${R[@]}" --key "$T/issuer.key"
err_has "a revocation is final" "says so"
expect_exit 0 "suspend bob's by id" "$LABRUN" registry suspend "$BID" --reason "appeal pending" "${R[@]}" --key "$T/issuer.key"
expect_exit 0 "reinstate bob's" "$LABRUN" registry reinstate "$BID" --reason "appeal upheld" "${R[@]}" --key "$T/issuer.key"
expect_exit 1 "an unknown credential: refused" "$LABRUN" registry revoke urn:labrun:credential:sha256:00 --reason x "${R[@]}" --key "$T/issuer.key"
expect_exit 1 "another key: refused, naming both key ids" "$LABRUN" registry suspend "$BID" --reason x "${R[@]}" --key "$T/new.key"
err_has "the key given is $NEWID, but the registry's current key is $OLDID" "names both"
expect_exit 0 "status of alice's" "$LABRUN" registry status "${R[@]}" "$AID"
out_has "^1	revoked	$AID	.*	exam board	misconduct: shared answers" "revoked, who and why"
expect_exit 0 "the log checks" "$LABRUN" registry check "${R[@]}"

# The log refuses a changed line, naming it.
cp -a "$T/reg" "$T/reg2"
sed -i '3s/"holder":"c-/"holder":"d-/' "$T/reg2/log.jsonl"
expect_exit 1 "a changed line: refused" "$LABRUN" registry check --registry "$T/reg2"
err_has "log.jsonl: line 3: the signature does not match" "names line 3"
cp "$T/reg/log.jsonl" "$T/reg2/log.jsonl"
sed -i '4d' "$T/reg2/log.jsonl"
expect_exit 1 "a removed line: refused" "$LABRUN" registry check --registry "$T/reg2"
err_has "line 4: the hash chain breaks here" "names where the chain breaks"

# The lists and the identity document.
expect_exit 0 "lists" "$LABRUN" registry lists "${R[@]}" --key "$T/issuer.key" -o "$T/site"
S=(--identity "$T/site/did.json" --status "$T/site/revocation.json" --status "$T/site/suspension.json")
expect_exit 1 "verify --status: alice's is refused" "$LABRUN" verify "$T/a.ev" "${S[@]}"
err_has "revoked \\(status list https://certs.example.org/status/revocation.json, index 1" "names the list and the index"
expect_exit 0 "verify --status: bob's is valid" "$LABRUN" verify "$T/b.ev" "${S[@]}"
out_has "status:      not revoked, not suspended \\(index 2" "and says what was checked"
expect_exit 0 "--json says it too" "$LABRUN" verify --json "$T/b.ev" "${S[@]}"
out_has '"status": "not revoked, not suspended' "status in the JSON"
python3 - "$T/site/revocation.json" "$T/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = d["credentialSubject"]["encodedList"]
d["credentialSubject"]["encodedList"] = l[:-2] + ("A" if l[-2] != "A" else "B") + l[-1]
json.dump(d, open(sys.argv[2], "w"))
PY
expect_exit 1 "a tampered list: refused" "$LABRUN" verify "$T/b.ev" --identity "$T/site/did.json" --status "$T/bad.json"
err_has "bad.json: the proof's signature does not match" "its proof fails"
expect_exit 1 "a list under a key not given: refused" "$LABRUN" verify "$T/b.ev" -p "$T/new.pub" --status "$T/site/revocation.json"

# The gate.
cat >"$T/policy.json" <<'JSON'
{"schema": "labrun-gate-policy/1",
 "rules": [{"name": "config", "paths": ["etc/**"], "require": {"competencies": ["testing"], "level_min": "foundation"}}]}
JSON
mkdir -p "$T/creds"
cp "$T/a.json" "$T/b.json" "$T/creds/"
G=("$LABRUN" gate --policy "$T/policy.json" --credentials "$T/creds" --path etc/x)
expect_exit 1 "gate: alice's revoked credential is not used" "${G[@]}" --holder alice@example.org "${S[@]}"
err_has "revoked \\(status list https://certs.example.org/status/revocation.json, index 1" "the reason names the list and index"
expect_exit 0 "gate: bob's is" "${G[@]}" --holder bob@example.org "${S[@]}"
expect_exit 1 "gate without --status: bob's status unchecked, refused" "${G[@]}" --holder bob@example.org -p "$T/issuer.pub"
err_has "no --status list https://certs.example.org/status/revocation.json" "says which list is missing"
expect_exit 0 "  with --offline-status-ok: accepted" "${G[@]}" --holder bob@example.org -p "$T/issuer.pub" --offline-status-ok

# Rotation.
expect_exit 0 "rotate to the new key" "$LABRUN" registry rotate "${R[@]}" --key "$T/issuer.key" --new-key "$T/new.key"
pass_as carol "$T/issuer.key" "$T/c.ev"
[ "$rc" -eq 1 ] && pass "the old key no longer issues with the registry" || fail "the old key no longer issues (exit $rc)"
err_has "the issuer key is $OLDID, but the registry's current key is $NEWID" "naming both key ids"
pass_as carol "$T/new.key" "$T/c.ev"
[ "$rc" -eq 0 ] && pass "the new key issues, index 3" || fail "the new key issues (exit $rc)"
expect_exit 0 "registry status: index 3 is carol's" "$LABRUN" registry status "${R[@]}"
out_has "^3	active	urn:labrun:credential" "index 3 bound"
expect_exit 0 "lists again, by the new key" "$LABRUN" registry lists "${R[@]}" --key "$T/new.key" -o "$T/site"
check "did.json: both keys, the old with expires, the new in assertionMethod" python3 - "$T/site/did.json" "$OLDID" "$NEWID" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
vm = {m["id"].split("#")[1]: m for m in d["verificationMethod"]}
ok = (set(vm) == {sys.argv[2], sys.argv[3]} and "expires" in vm[sys.argv[2]] and
      "expires" not in vm[sys.argv[3]] and
      d["assertionMethod"] == [d["id"] + "#" + sys.argv[3]] and len(d["alsoKnownAs"]) == 2)
sys.exit(0 if ok else 1)
PY
expect_exit 0 "bob's, signed by the old key, still verifies with --identity" "$LABRUN" verify "$T/b.ev" "${S[@]}"
out_has "signed by issuer key $OLDID" "by the old key"
expect_exit 0 "carol's, by the new key, verifies" "$LABRUN" verify "$T/c.ev" "${S[@]}"
out_has "signed by issuer key $NEWID" "by the new key"

# Compromise of the old key from bob's issue time: bob's fails, alice's
# (issued two seconds before) does not.
expect_exit 1 "compromise the current key: refused" "$LABRUN" registry compromise "$NEWID" --from 2026-01-01T00:00:00Z "${R[@]}" --key "$T/new.key"
err_has "rotate to a new key first" "says to rotate first"
expect_exit 2 "compromise with a bad time: usage" "$LABRUN" registry compromise "$OLDID" --from yesterday "${R[@]}" --key "$T/new.key"
expect_exit 0 "compromise the old key from $BISSUED" "$LABRUN" registry compromise "$OLDID" --from "$BISSUED" "${R[@]}" --key "$T/new.key"
expect_exit 0 "lists again" "$LABRUN" registry lists "${R[@]}" --key "$T/new.key" -o "$T/site"
check "did.json marks the old key revoked from $BISSUED" grep -q "\"revoked\": \"$BISSUED\"" "$T/site/did.json"
expect_exit 1 "bob's, signed at the compromise, fails" "$LABRUN" verify "$T/b.ev" --identity "$T/site/did.json"
err_has "signed at $BISSUED by key $OLDID, which is compromised from $BISSUED" "with that reason"
expect_exit 0 "alice's, signed before, still verifies by its key" "$LABRUN" verify "$T/a.ev" --identity "$T/site/did.json"
expect_exit 1 "the gate does not use bob's either" "${G[@]}" --holder bob@example.org "${S[@]}"
err_has "compromised from $BISSUED" "the reason"
expect_exit 0 "the log still checks" "$LABRUN" registry check "${R[@]}"
out_has "key $OLDID retired from .* until .*, compromised from $BISSUED" "the old key's period and compromise"

done_testing
