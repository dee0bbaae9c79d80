#!/bin/bash
# labrun take and the candidate's terminal (tmux): the brief's pager acts
# on single keys as less does (space, Enter, b, q) and leaves no prompt
# line in the brief; Ctrl-C or a signal at the pager leaves with the
# terminal restored; wrapping lines are counted by the rows they take;
# the sandbox's terminal starts at the candidate's size and the
# recording's header says so; a resize reaches the sandbox and is an
# asciicast "r" event (also when the candidate had set the sandbox's
# terminal to that size); the summary names each check by its title.
. "$(dirname "$0")/../lib.sh"
tmux_begin
make_keys
S=$T/scn
make_scenario "$S"

start() { # NAME COLS ROWS SCENARIO EVIDENCE: labrun take in a fresh window
	$TM new-session -d -s "$1" -x "$2" -y "$3" \
		"$LABRUN take '$4' --key '$T/issuer.key' --candidate alice -o '$5'; $PANE_TAIL"
}
visible() { $TM capture-pane -p -J -t "$1"; } # what is on screen, no scrollback
shown() { screen "$1" | grep -qxF -- "$2"; }
# more_lines NAME: prompt lines in the pane and its scrollback
more_lines() { screen "$1" | grep -c -- '-- more' || true; }

rm -rf "$T/long"
cp -r "$S" "$T/long"
{ echo "# A long brief"; for i in $(seq 1 70); do echo "line $i of the brief"; done; } >"$T/long/brief.md"

# A 20-row window: 19 rows of brief a page, the prompt on the 20th.  The
# first page is the title, the time limit, a blank line and 16 lines of
# the brief ("# A long brief", lines 1 to 15).
start p 100 20 "$T/long" "$T/p.ev"
see p "line 15 of the brief" "a long brief starts on its first page"
see p "-- more (" "and waits at the end of the page, a prompt saying so"
shown p "line 16 of the brief" && fail "the first page ends where the screen does" ||
	pass "the first page ends where the screen does"
keys p Space
see p "line 34 of the brief" "space shows the next page at once, without Enter"
shown p "line 35 of the brief" && fail "a page is one screen (19 rows)" || pass "a page is one screen (19 rows)"
[ "$(more_lines p)" -eq 1 ] && pass "the prompt is erased before the page is printed on" ||
	fail "the prompt is erased before the page is printed on ($(more_lines p) prompt lines)"
keys p Enter
see p "line 35 of the brief" "Enter shows the next line"
shown p "line 36 of the brief" && fail "one line only" || pass "one line only"
keys p x
sleep 0.3
shown p "line 36 of the brief" && fail "any other key does nothing" || pass "any other key does nothing"
keys p b
sleep 0.5
visible p | grep -qxF "line 16 of the brief" && ! visible p | grep -qxF "line 17 of the brief" &&
	pass "b goes back a page (the screen before lines 17 to 35)" ||
	{ fail "b goes back a page"; visible p | sed 's/^/#   screen: /'; }
keys p Space
see p "line 34 of the brief" "and space comes forward again"
keys p q
see p "Press Enter to start" "q leaves the pager for the start"
shown p "line 70 of the brief" && fail "q skips the rest of the brief" || pass "q skips the rest of the brief"
[ "$(more_lines p)" -eq 0 ] && pass "no prompt line is left in the brief" ||
	fail "no prompt line is left in the brief ($(more_lines p) left)"
keys p Enter
see p "left] candidate@lab" "Enter starts the exam"
keys p "exit" Enter
see p "ended by exit" "the paged exam ends"
see p "icanon echo" "the terminal is restored after the pager and the exam"
$TM kill-session -t p

# The end of the brief ends the pager (as less -E).
start e 100 20 "$T/long" "$T/e.ev"
see e "-- more (" "another long brief"
keys e Space Space Space
see e "line 70 of the brief" "space pages to the end"
see e "Press Enter to start" "and the start follows the last page"
[ "$(more_lines e)" -eq 0 ] && pass "with no prompt left behind" || fail "with no prompt left behind"
keys e C-c
see e "EXIT=1" "Ctrl-C at the start leaves"
$TM kill-session -t e

# A narrow screen: lines that wrap take their rows, the title's included
# ("A config file with a typo  (t-basic 1.0.0)", 42 characters: 2 rows of
# 40), so a page of 19 rows is the header's 4 and 7 brief lines of 2; the
# prompt, too long for the width, is cut to its short form on one row.
rm -rf "$T/wide"
cp -r "$S" "$T/wide"
for i in $(seq -w 1 30); do printf 'wrapped line %s %s\n' "$i" "$(printf 'x%.0s' $(seq 1 44))"; done >"$T/wide/brief.md"
start n 40 20 "$T/wide" "$T/n.ev"
see n "wrapped line 07" "a brief of wrapping lines on a narrow screen"
if visible n | grep -qF "A config file with a typo" && ! visible n | grep -qF "wrapped line 08"; then
	pass "the first page counts the rows each line wraps to"
else
	fail "the first page counts the rows each line wraps to"; visible n | sed 's/^/#   screen: /'
fi
visible n | grep -qx -- '-- more ([0-9]*%) --' && pass "the prompt fits one row" || fail "the prompt fits one row"
keys n q
see n "Press Enter to start" "q leaves the narrow pager"
[ "$(more_lines n)" -eq 0 ] && pass "and leaves no prompt behind" || fail "and leaves no prompt behind"
keys n C-c
see n "EXIT=1" "Ctrl-C leaves"
$TM kill-session -t n

# Ctrl-C at the pager: nothing starts, nothing is written, the terminal
# is as it was.
start c 100 20 "$T/long" "$T/c.ev"
see c "-- more (" "the pager again"
keys c C-c
see c "EXIT=1" "Ctrl-C at the pager leaves with exit 1"
[ ! -e "$T/c.ev" ] && pass "and writes nothing" || fail "and writes nothing"
see c "icanon echo" "the terminal is restored after Ctrl-C at the pager"
$TM kill-session -t c

# A signal to labrun at the pager (an operator's labrun end, a hang-up).
start g 100 20 "$T/long" "$T/g.ev"
see g "-- more (" "the pager once more"
pid=$($TM list-panes -t g -F '#{pane_pid}')
lpid=$(pgrep -P "$pid" -x labrun)
[ -n "$lpid" ] && kill -TERM "$lpid"
see g "EXIT=1" "SIGTERM at the pager ends labrun"
see g "icanon echo" "and the terminal is restored"
$TM kill-session -t g

# The sandbox's terminal is the candidate's: size, resize, recording.
start s 132 40 "$S" "$T/s.ev"
see s "Press Enter to start" "an exam in a 132x40 window"
keys s Enter
see s "left] candidate@lab" "starts"
keys s "echo size=\$(stty size)" Enter
see s "size=40 132" "the sandbox's terminal starts at the candidate's size"
$TM resize-window -t s -x 100 -y 30
sleep 0.5
keys s "echo size=\$(stty size)" Enter
see s "size=30 100" "a resize reaches the sandbox"
# The candidate sets the sandbox's terminal to the size their window then
# takes: the window's resize is still recorded, the screen being what the
# recording follows.
keys s "stty cols 90 rows 20; echo set-by-stty" Enter
see s "set-by-stty" "the candidate sets the sandbox's terminal size"
$TM resize-window -t s -x 90 -y 20
sleep 0.5
keys s "sed -i s/broken/fixed/ /etc/app/config.txt" Enter
keys s "exit" Enter
see s "ended by exit" "the exam ends"
see s "pass   600/600  The config is fixed (config-fixed)" "the summary names a passed check by its title"
see s "fail     0/400  The cause is named (cause-named)" "and a failed one"
$TM kill-session -t s
expect_exit 0 "evidence whose recording has resizes verifies" "$LABRUN" verify "$T/s.ev" -p "$T/issuer.pub"
member "$T/s.ev" session.cast >"$T/s.cast"
head -1 "$T/s.cast" | grep -q '"width": 132, "height": 40' &&
	pass "the recording's header has the candidate's size" ||
	fail "the recording's header has the candidate's size ($(head -1 "$T/s.cast"))"
grep -q ', "r", "100x30"\]$' "$T/s.cast" && pass "the resize is an \"r\" event of the recording" ||
	fail "the resize is an \"r\" event of the recording"
grep -q ', "r", "90x20"\]$' "$T/s.cast" &&
	pass "a resize to the size the candidate gave the sandbox's terminal is recorded too" ||
	fail "a resize to the size the candidate gave the sandbox's terminal is recorded too"
[ "$(grep -c ', "r", ' "$T/s.cast")" -eq 2 ] && pass "one event per resize" ||
	fail "one event per resize ($(grep -c ', "r", ' "$T/s.cast"))"
python3 - "$T/s.cast" <<'PY' && pass "the recording is asciicast v2: the size before each output is the screen's" ||
	fail "the recording is asciicast v2: the size before each output is the screen's"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = json.loads(lines[0])
assert head["version"] == 2 and (head["width"], head["height"]) == (132, 40), head
size, t0, seen = "132x40", 0.0, []
for l in lines[1:]:
    t, kind, data = json.loads(l)
    assert t >= t0 and kind in ("o", "i", "r"), l
    t0 = t
    if kind == "r":
        size = data
    elif kind == "o":
        seen.append((data, size))
# what printed each size was recorded while the player is at that size
assert any("size=40 132" in d and s == "132x40" for d, s in seen), seen
assert any("size=30 100" in d and s == "100x30" for d, s in seen), seen
PY
if command -v asciinema >/dev/null; then
	run script -qec "asciinema cat '$T/s.cast'" /dev/null
	[ "$rc" -eq 0 ] && grep -q "size=30 100" "$OUT" && pass "asciinema cat plays a recording with a resize" ||
		fail "asciinema cat plays a recording with a resize (exit $rc)"
else
	skip "asciinema is not installed"
fi
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
