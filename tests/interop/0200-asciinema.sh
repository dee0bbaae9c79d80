#!/bin/bash
# Debian's asciinema reads labrun's recordings: a session that prints text,
# colour and bytes that are not UTF-8 is recorded as asciicast v2 and
# `asciinema cat` and `asciinema play` replay it.
. "$(dirname "$0")/../lib.sh"
command -v asciinema >/dev/null || { skip "asciinema is not installed"; done_testing; exit 0; }
make_keys
S=$T/scn
make_scenario "$S"
cat >"$T/noisy.sh" <<'SH'
#!/bin/bash
echo "hello from the sandbox"
printf '\033[1;31mred\033[0m and \xff\xfe not UTF-8, then caf\xc3\xa9\n'
SH
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate cast --script "$T/noisy.sh" -o "$T/c.ev"
[ "$rc" -eq 1 ] && pass "the session ran" || fail "the session ran (exit $rc)"
member "$T/c.ev" session.cast >"$T/session.cast"
grep -q 'not UTF-8' "$T/session.cast" && pass "the output is recorded" || fail "the output is recorded"
grep -qF '\\xff\\xfe' "$T/session.cast" && pass "invalid UTF-8 is escaped as \\xNN" ||
	fail "invalid UTF-8 is escaped as \\xNN"
# asciinema cat needs a terminal.
run script -qec "asciinema cat '$T/session.cast'" /dev/null
[ "$rc" -eq 0 ] && pass "asciinema cat accepts the recording" || fail "asciinema cat accepts the recording (exit $rc)"
out_has 'hello from the sandbox' "asciinema cat replays the output"
out_has 'café' "UTF-8 text survives"
run script -qec "asciinema play -i 0.05 -s 20 '$T/session.cast'" /dev/null
[ "$rc" -eq 0 ] && grep -q 'hello from the sandbox' "$OUT" && pass "asciinema play plays the recording" ||
	fail "asciinema play plays the recording (exit $rc)"
done_testing
