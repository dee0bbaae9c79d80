#!/bin/bash
# Debian's asciinema reads labrun's recordings: a session that prints text,
# colour and bytes that are not UTF-8 is recorded as asciicast v2 and
# `asciinema cat` and `asciinema play` replay it; so do they an exam taken
# at a terminal that was resized, whose recording holds "r" events.
. "$(dirname "$0")/../lib.sh"
command -v asciinema >/dev/null || { skip "asciinema is not installed"; 
# An exam at a terminal (tmux) resized while it runs.
if command -v tmux >/dev/null; then
	TM="tmux -L labrun-test-$$ -f /dev/null"
	trap '$TM kill-server 2>/dev/null; rm -rf "$T"' EXIT
	$TM new-session -d -s r -x 132 -y 40 \
		"$LABRUN take '$S' --key '$T/issuer.key' --candidate cast -o '$T/r.ev'; sleep 60"
	pane_wait r "Press Enter to start" 100 && $TM send-keys -t r Enter
	pane_wait r "left] candidate@lab" 100 && $TM send-keys -t r "echo before-resize" Enter
	pane_wait r "before-resize" 100
	$TM resize-window -t r -x 90 -y 25
	sleep 0.5
	$TM send-keys -t r "echo after-resize \$(stty size)" Enter
	pane_wait r "after-resize 25 90" 100 && $TM send-keys -t r exit Enter
	pane_wait r "evidence: $T/r.ev" 150
	$TM kill-session -t r
	member "$T/r.ev" session.cast >"$T/r.cast"
	grep -q ', "r", "90x25"\]$' "$T/r.cast" && pass "the resize is recorded as an \"r\" event" ||
		fail "the resize is recorded as an \"r\" event"
	run script -qec "asciinema cat '$T/r.cast'" /dev/null
	[ "$rc" -eq 0 ] && grep -q 'after-resize 25 90' "$OUT" && pass "asciinema cat accepts a recording with resizes" ||
		fail "asciinema cat accepts a recording with resizes (exit $rc)"
	run script -qec "asciinema play -i 0.05 -s 20 '$T/r.cast'" /dev/null
	[ "$rc" -eq 0 ] && grep -q 'after-resize 25 90' "$OUT" && pass "asciinema play plays it" ||
		fail "asciinema play plays it (exit $rc)"
else
	skip "tmux is not installed"
fi
done_testing; exit 0; }
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
