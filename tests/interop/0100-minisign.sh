#!/bin/bash
# 0100-minisign: stock minisign and labrun read each other's keys and
# signatures: `minisign -V -H` accepts what pack writes, minisign signs
# with a labrun secret key without prompting, and labrun packs with a key
# made by `minisign -G -W`.  (labrun's own verify path accepting a
# minisign-made signature is tested through bundle_open in test_bundle.)
. "$(dirname "$0")/../lib.sh"

if ! command -v minisign >/dev/null 2>&1; then
	skip "minisign not installed (apt-get install minisign)"
	done_testing
	exit 0
fi

make_keys || { fail "make_keys"; done_testing; exit 1; }
make_min_scenario "$T/s"
expect_exit 0 "pack" "$LABRUN" pack "$T/s" -s "$T/author.key" -o "$T/t.lab"
digest=$(sed -n 's/^sha256://p' "$OUT")
expect_exit 0 "minisign -V -H accepts the bundle pack wrote" \
	minisign -V -H -p "$T/author.pub" -m "$T/t.lab"
out_has "Trusted comment: labrun scenario t-min 1.0.0 sha256:$digest" \
	"... and shows the trusted comment"
expect_exit 0 "minisign -V -H -P with the bare key line" \
	minisign -V -H -P "$(sed -n 2p "$T/author.pub")" -m "$T/t.lab"
cp "$T/t.lab" "$T/u.lab" && cp "$T/t.lab.minisig" "$T/u.lab.minisig"
printf 'x' >>"$T/u.lab"
expect_exit 1 "minisign refuses a tampered bundle" \
	minisign -V -H -p "$T/author.pub" -m "$T/u.lab"
expect_exit 1 "minisign refuses the wrong key" \
	minisign -V -H -p "$T/issuer.pub" -m "$T/t.lab"

printf 'evidence\n' >"$T/f"
run minisign -S -s "$T/author.key" -m "$T/f" </dev/null
if [ "$rc" -eq 0 ]; then pass "minisign signs with a labrun secret key"; else
	fail "minisign signs with a labrun secret key"; fi
check "... without asking for a password" \
	sh -c "! grep -qi password '$OUT' '$ERR'"
expect_exit 0 "minisign -V -H accepts that signature" \
	minisign -V -H -p "$T/author.pub" -m "$T/f"

run minisign -G -W -p "$T/ms.pub" -s "$T/ms.key" </dev/null
check "minisign -G -W makes an unencrypted key" test -s "$T/ms.key"
chmod 600 "$T/ms.key"
expect_exit 0 "labrun packs with a minisign-made key" \
	"$LABRUN" pack "$T/s" -s "$T/ms.key" -o "$T/m.lab"
expect_exit 0 "... and minisign verifies it" \
	minisign -V -H -p "$T/ms.pub" -m "$T/m.lab"
check "same tree, same bundle bytes whatever the key" cmp "$T/t.lab" "$T/m.lab"

done_testing
