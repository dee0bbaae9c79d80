#!/bin/bash
# 0900-status-list: the registry's Bitstring Status List credentials pass
# the standard W3C verifier (Digital Bazaar's @digitalbazaar/vc with the
# eddsa-jcs-2022 cryptosuite, tests/node/verify-vc.js, offline), and
# node's own zlib reads the lists labrun wrote with zlib: the revoked
# credential's index is set in the revocation list, the other's clear,
# and the suspension list follows a suspension and a reinstatement.  A
# credential carrying credentialStatus verifies with the same library
# given a checkStatus over those lists (tests/node/status-list.js): the
# active one passes, the revoked one fails on its bit; a list whose bits
# were changed fails its proof.
. "$(dirname "$0")/../lib.sh"
NM=$TOP/tests/node/node_modules
command -v node >/dev/null || { skip "node is not installed"; done_testing; exit 0; }
[ -d "$NM/@digitalbazaar/vc" ] && [ -d "$NM/@digitalbazaar/eddsa-jcs-2022-cryptosuite" ] ||
	{ skip "no @digitalbazaar/vc under tests/node (make deps installs it)"; done_testing; exit 0; }
vc() { run node "$TOP/tests/node/verify-vc.js" "$@"; }
sl() { run node "$TOP/tests/node/status-list.js" "$@"; }

make_keys || { fail "keygen"; done_testing; exit 1; }
R=(--registry "$T/reg")
"$LABRUN" registry init "$T/reg" --key "$T/issuer.key" --base-url https://certs.example.org/labrun >/dev/null ||
	{ fail "registry init"; done_testing; exit 1; }
make_min_scenario "$T/min"
printf 'echo "x = 2" >/etc/x.conf\n' >"$T/fix.sh"
for who in alice bob; do
	run timeout -k 5 120 "$LABRUN" run "$T/min" --key "$T/issuer.key" --candidate "$who" \
		--script "$T/fix.sh" -o "$T/$who.ev" "${R[@]}"
	[ "$rc" -eq 0 ] || { fail "$who's pass (exit $rc)"; done_testing; exit 1; }
	member "$T/$who.ev" credential.json >"$T/$who.json"
done
check "indices 1 and 2" sh -c "grep -q '\"statusListIndex\": \"1\"' '$T/alice.json' && grep -q '\"statusListIndex\": \"2\"' '$T/bob.json'"

"$LABRUN" registry revoke "$T/alice.ev" --reason "misconduct" "${R[@]}" --key "$T/issuer.key" >/dev/null || fail "revoke"
"$LABRUN" registry lists "${R[@]}" --key "$T/issuer.key" -o "$T/l1" >/dev/null || fail "lists"
vc "$T/l1/revocation.json" "$T/l1/suspension.json"
[ "$rc" -eq 0 ] && pass "both lists pass the W3C verifier" || fail "the lists pass the W3C verifier (exit $rc)"
out_has "^ok .*revocation.json: https://certs.example.org/labrun/status/revocation.json issued by did:key:z6Mk" "the revocation list, by the issuer's did:key"
sl bits "$T/l1/revocation.json" --set 1 --clear 2 --clear 0 --clear 3
[ "$rc" -eq 0 ] && pass "node's zlib: alice's index 1 set, bob's 2 clear" || fail "the revocation bits (exit $rc)"
out_has "131072 entries" "a 16 KiB list"
sl bits "$T/l1/suspension.json" --clear 1 --clear 2
[ "$rc" -eq 0 ] && pass "nothing suspended" || fail "the suspension list is clear (exit $rc)"
sl verify "$T/bob.json" "$T/l1/revocation.json" "$T/l1/suspension.json"
[ "$rc" -eq 0 ] && pass "bob's credential verifies with its status checked" || fail "bob's credential with checkStatus (exit $rc)"
sl verify "$T/alice.json" "$T/l1/revocation.json" "$T/l1/suspension.json"
[ "$rc" -eq 1 ] && pass "alice's fails with its status checked" || fail "alice's credential refused (exit $rc)"
out_has "^FAIL .*alice.json: revocation bit 1 set" "on its revocation bit"

"$LABRUN" registry suspend "$T/bob.ev" --reason "appeal" "${R[@]}" --key "$T/issuer.key" >/dev/null || fail "suspend"
"$LABRUN" registry lists "${R[@]}" --key "$T/issuer.key" -o "$T/l2" >/dev/null || fail "lists"
sl bits "$T/l2/suspension.json" --set 2 --clear 1
[ "$rc" -eq 0 ] && pass "suspended: bob's index 2 set in the suspension list" || fail "the suspension bit (exit $rc)"
sl verify "$T/bob.json" "$T/l2/revocation.json" "$T/l2/suspension.json"
[ "$rc" -eq 1 ] && pass "bob's fails while suspended" || fail "bob's refused while suspended (exit $rc)"
"$LABRUN" registry reinstate "$T/bob.ev" --reason "upheld" "${R[@]}" --key "$T/issuer.key" >/dev/null || fail "reinstate"
"$LABRUN" registry lists "${R[@]}" --key "$T/issuer.key" -o "$T/l3" >/dev/null || fail "lists"
sl bits "$T/l3/suspension.json" --clear 2
[ "$rc" -eq 0 ] && pass "reinstated: clear again" || fail "reinstated (exit $rc)"

# A list whose bits were changed: its proof fails, for both verifiers.
python3 - "$T/l1/revocation.json" "$T/forged.json" <<'PY'
import base64, gzip, json, sys
d = json.load(open(sys.argv[1]))
bits = bytearray(gzip.decompress(base64.urlsafe_b64decode(d["credentialSubject"]["encodedList"][1:] + "==")))
bits[0] &= 0xBF  # clear index 1
d["credentialSubject"]["encodedList"] = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
vc --expect-fail "$T/forged.json"
[ "$rc" -eq 0 ] && pass "a list with alice's bit cleared fails the W3C verifier" || fail "the forged list is refused (exit $rc)"
expect_exit 1 "and labrun verify" "$LABRUN" verify "$T/alice.ev" -p "$T/issuer.pub" --status "$T/forged.json"
err_has "forged.json: the proof's signature does not match" "its proof"
done_testing
