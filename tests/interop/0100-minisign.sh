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

mkscen() {
	mkdir -p "$1/system/etc" "$1/grader" "$1/solutions"
	cat >"$1/scenario.json" <<'JSON'
{"schema":1,"id":"t-min","version":"1.0.0","title":"Minimal","level":"foundation","competencies":["testing"],"platform":"agentsim-1","grader_api":1,"pass_mark":800,"time_limit_s":60,"valid_for_days":365}
JSON
	printf '# Minimal\n' >"$1/brief.md"
	printf 'x = 1\n' >"$1/system/etc/x.conf"
	# pack qualifies it first: the untouched x = 1 fails, the reference's
	# x = 2 passes.
	printf 'local ok = (lab.read("/etc/x.conf") or ""):find("x = 2", 1, true) ~= nil\nreturn {lab.check{id = "x", title = "x", weight = 1, pass = ok, message = ok and "x is 2" or "/etc/x.conf does not say x = 2"}}\n' >"$1/grader/grade.lua"
	printf '#!/bin/bash\necho "x = 2" >/etc/x.conf\n' >"$1/solutions/reference.sh"
	chmod +x "$1/solutions/reference.sh"
}

make_keys || { fail "make_keys"; done_testing; exit 1; }
mkscen "$T/s"
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
