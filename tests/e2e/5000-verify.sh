#!/bin/bash
# labrun verify: the command line's shape (help, usage errors, refusals of
# missing or malformed files).  Verifying real evidence end to end is in
# 2000-run.sh, where a session writes it.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "verify --help exits 0" "$LABRUN" verify --help
out_has '^usage: labrun verify EVIDENCE -p ISSUER_PUB \[--json\]' "help starts with the usage line"
out_has 'minisign -V -H -p issuer.pub -m SHA256SUMS' "help shows the stock minisign check"
out_has 'sha256sum -c SHA256SUMS' "help shows the stock sha256sum check"
expect_exit 0 "verify -h exits 0" "$LABRUN" verify -h
expect_exit 0 "labrun help verify exits 0" "$LABRUN" help verify
out_has '^usage: labrun verify' "labrun help verify prints the same help"
# verify checks evidence, not credentials against a policy: its help
# sends nobody to labrun gate (tests/e2e/5400-gate.sh tests the gate).
check "help verify names no labrun gate" sh -c "! grep -q gate '$OUT'"

make_keys || { fail "keygen"; done_testing; exit 1; }
: >"$T/empty.ev"

expect_exit 2 "no arguments: usage error" "$LABRUN" verify
err_has '^labrun verify: no EVIDENCE file given' "says what is missing"
err_has 'hint: labrun verify --help' "and where the help is"
expect_exit 2 "no -p: usage error" "$LABRUN" verify "$T/empty.ev"
err_has '^labrun verify: -p ISSUER_PUB is required' "says -p is required"
expect_exit 2 "-p without a value: usage error" "$LABRUN" verify "$T/empty.ev" -p
err_has "option '-p' needs a value" "names the option"
expect_exit 2 "unknown option: usage error" "$LABRUN" verify --bogus "$T/empty.ev" -p "$T/issuer.pub"
err_has "unknown option '--bogus'" "names the unknown option"
expect_exit 2 "two files: usage error" "$LABRUN" verify "$T/empty.ev" "$T/empty.ev" -p "$T/issuer.pub"

expect_exit 1 "a missing file: exit 1" "$LABRUN" verify "$T/nope.ev" -p "$T/issuer.pub"
err_has "^labrun verify: $T/nope.ev: " "the message names the file"
[ ! -s "$OUT" ] && pass "nothing on stdout" || fail "nothing on stdout"
expect_exit 1 "a missing file with --json: exit 1" "$LABRUN" verify --json "$T/nope.ev" -p "$T/issuer.pub"
out_has '"valid": false' "--json says valid: false"
out_has '"error": ".*nope.ev' "--json carries the error"
expect_exit 1 "a missing key file: exit 1" "$LABRUN" verify "$T/empty.ev" -p "$T/nope.pub"
err_has "nope.pub" "the message names the key file"

expect_exit 1 "an empty file: exit 1" "$LABRUN" verify "$T/empty.ev" -p "$T/issuer.pub"
err_has "^labrun verify: $T/empty.ev: " "names the file"
head -c 20000 /dev/urandom >"$T/noise.ev"
expect_exit 1 "random bytes: exit 1" "$LABRUN" verify "$T/noise.ev" -p "$T/issuer.pub"
mkdir -p "$T/d" && echo hi >"$T/d/notes.txt"
tar -cf "$T/other.tar" -C "$T/d" notes.txt
expect_exit 1 "some other tar: exit 1" "$LABRUN" verify "$T/other.tar" -p "$T/issuer.pub"
err_has "^labrun verify: $T/other.tar: " "names the file"
ln -s "$T/other.tar" "$T/link.ev"
expect_exit 1 "a symbolic link is not followed: exit 1" "$LABRUN" verify "$T/link.ev" -p "$T/issuer.pub"
expect_exit 1 "a directory: exit 1" "$LABRUN" verify "$T/d" -p "$T/issuer.pub"

# Evidence signed by one issuer, checked with another's key: the hint
# names verify's own option for the key, -p (not run's --trust).
make_min_scenario "$T/min"
printf 'echo "x = 2" >/etc/x.conf\n' >"$T/fix.sh"
"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null
session "$T/min" "$T/fix.sh" "$T/min.ev"
if [ "$rc" -ne 0 ] || [ ! -s "$T/min.ev" ]; then
	fail "a session to verify (exit $rc)"
else
	expect_exit 0 "its evidence verifies with the issuer's key" \
		"$LABRUN" verify "$T/min.ev" -p "$T/issuer.pub"
	expect_exit 1 "another issuer's key is refused" \
		"$LABRUN" verify "$T/min.ev" -p "$T/other.pub"
	err_has 'not trusted .*hint: check -p \(the issuer.s public key\)' \
		"the wrong-key hint names -p, verify's option"
	check "... and not --trust" sh -c "! grep -q -- --trust '$ERR'"
fi

done_testing
