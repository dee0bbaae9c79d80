#!/bin/bash
# 0100-keygen: `labrun keygen` writes a minisign key pair, the secret key
# 0600 whatever the umask, and never overwrites an existing file.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "keygen writes a key pair" \
	"$LABRUN" keygen -p "$T/a.pub" -s "$T/a.key"
out_has '^public key: .*/a\.pub$' "names the public key file"
out_has '^secret key: .*/a\.key$' "names the secret key file"
out_has '^key id: [0-9A-F]{16}$' "prints the key id"
out_has '^hint: .*0600' "one-line hint about the secret key"
out_has "^hint: as an author's key, .*/a\\.key signs bundles \\(labrun pack -s\\) and exam hosts trust .*/a\\.pub \\(--trust\\)" \
	"the hint says what an author's key signs and who trusts its public half"
out_has "as an issuer's key, it signs evidence \\(labrun run, take, exam --key\\) and verifiers check with .*/a\\.pub \\(labrun verify -p\\)" \
	"... and what an issuer's key signs and who checks it"
id=$(sed -n 's/^key id: //p' "$OUT")
check "public key comment names the key id" \
	grep -qx "untrusted comment: labrun public key $id" "$T/a.pub"
check "public key is a comment and one base64 line" \
	grep -qxE 'RW[A-Za-z0-9+/]{54}' "$T/a.pub"
check "secret key is an untrusted comment and one base64 line" \
	grep -qx 'untrusted comment: labrun secret key' "$T/a.key"
check "secret key is mode 0600" test "$(stat -c %a "$T/a.key")" = 600

expect_exit 1 "an existing public key is refused" \
	"$LABRUN" keygen -p "$T/a.pub" -s "$T/b.key"
err_has 'a\.pub: already exists' "... naming it"
check "... and no secret key is written" test ! -e "$T/b.key"
expect_exit 1 "an existing secret key is refused" \
	"$LABRUN" keygen -p "$T/c.pub" -s "$T/a.key"
check "... and no public key is written" test ! -e "$T/c.pub"
check "... and the old key is untouched" \
	grep -qx "untrusted comment: labrun public key $id" "$T/a.pub"
expect_exit 1 "a missing directory is refused" \
	"$LABRUN" keygen -p "$T/nodir/x.pub" -s "$T/nodir/x.key"
check "... leaving nothing" test ! -e "$T/nodir"

(umask 000 && "$LABRUN" keygen -p "$T/u.pub" -s "$T/u.key" >/dev/null 2>&1)
check "secret key is 0600 even under umask 000" \
	test "$(stat -c %a "$T/u.key")" = 600

expect_exit 2 "-s is required" "$LABRUN" keygen -p "$T/d.pub"
err_has 'SECFILE' "... saying what is missing"
check "... and nothing is written" test ! -e "$T/d.pub"
expect_exit 2 "-p is required" "$LABRUN" keygen -s "$T/d.key"
expect_exit 2 "a stray argument is a usage error" \
	"$LABRUN" keygen -p "$T/e.pub" -s "$T/e.key" extra
expect_exit 2 "an unknown option is a usage error" \
	"$LABRUN" keygen -p "$T/e.pub" -s "$T/e.key" -z
expect_exit 0 "--help" "$LABRUN" keygen --help
out_has '^usage: labrun keygen -p PUBFILE -s SECFILE$' "help starts with the usage line"
out_has "^  an author's +signs scenario bundles \\(labrun pack -s SECFILE\\)" "help names the author's key's use"
out_has "^  an issuer's +signs evidence" "... and the issuer's"

done_testing
