#!/bin/bash
# labrun take on a real terminal (tmux): the brief, a shell in the sandbox
# with the time left in its prompt, lab time / hint / status / submit, the
# hint recorded and charged, Ctrl-C and Ctrl-Z going to the sandbox's
# shell, time warnings, the time limit, an accommodation, a dropped
# connection, leaving before the start, the terminal restored, and the
# recording playing in asciinema.
. "$(dirname "$0")/../lib.sh"
tmux_begin
make_keys
S=$T/scn
make_scenario "$S"

start() { # NAME SCENARIO EVIDENCE [OPTION...]: labrun take in a fresh pane
	local name=$1 scn=$2 ev=$3
	shift 3
	$TM new-session -d -s "$name" -x 120 -y 40 \
		"$LABRUN take '$scn' --key '$T/issuer.key' --candidate alice -o '$ev' $*; $PANE_TAIL"
}

# A whole exam, submitted.
start a "$S" "$T/a.ev"
see a "Set mode=fixed in /etc/app/config.txt" "the brief is shown first"
see a "time limit 1:00" "with the time limit"
see a "runbook.sh and recertification replays" "a note says what recertification replays"
see a "Press Enter to start" "and waits for the candidate"
keys a Enter
see a "left] candidate@lab:~\$" "a shell in the sandbox, the time left in its prompt"
keys a "lab time" Enter
see a "left of 1:00" "lab time tells the time left"
$TM resize-window -t a -x 100 -y 30
sleep 0.3
keys a "echo size=\$(stty size)" Enter
see a "size=30 100" "a window size change reaches the sandbox's terminal"
keys a "lab brief | head -1" Enter
see a "# Fix the config" "lab brief shows the brief again"
keys a "lab hint" Enter
see a "hint 1 of 1 costs 100 points" "lab hint says what the next hint costs"
keys a "y" Enter
see a "Look at /etc/app/config.txt." "and gives it once confirmed"
keys a "sleep 30" Enter
sleep 0.3
keys a C-c
keys a "echo after-interrupt" Enter
see a "after-interrupt" "Ctrl-C interrupts the command in the sandbox, not the exam"
keys a "sleep 30" Enter
sleep 0.3
keys a C-z
see a "Stopped" "Ctrl-Z stops the command in the sandbox"
keys a "kill %1; hostname" Enter
see a "lab" "the shell is the sandbox's (hostname lab)"
keys a "sed -i s/broken/fixed/ /etc/app/config.txt; echo typo > ~/answers/cause.txt" Enter
keys a "printf '%s\\n' 'sed -i s/broken/fixed/ /etc/app/config.txt' 'echo typo > ~/answers/cause.txt' > ~/answers/runbook.sh" Enter
keys a "lab status" Enter
see a "1 of 1 hints used (100 points)" "lab status reports the supervisor's records"
keys a "lab submit" Enter
see a "Submit now?" "lab submit asks first"
keys a "y" Enter
see a "ended by submit" "the submission ends and grades the session" 100
see a "pass (score 900/1000" "the hint's cost comes off the score"
see a "The config is fixed (config-fixed)" "the summary lists each check by its title"
see a "evidence: $T/a.ev" "and says where the evidence is"
see a "EXIT=0" "exit 0 for a pass"
see a "icanon echo" "the terminal is restored"
expect_exit 0 "the evidence verifies" "$LABRUN" verify "$T/a.ev" -p "$T/issuer.pub"
member "$T/a.ev" manifest.json >"$T/a.json"
python3 - "$T/a.json" <<'PY' && pass "the manifest records take, the hint and the submission" || fail "the manifest records take, the hint and the submission"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["produced_by"]["mode"] == "take", m["produced_by"]
assert m["produced_by"]["script_sha256"] is None
assert [h["hint"] for h in m["hints_used"]] == [1] and m["hints_used"][0]["cost"] == 100
assert m["session"]["ended_by"] == "submit" and m["session"]["time_factor_pct"] == 100
assert m["score"] == 900
assert m["replay"] == {"source": "runbook", "member": "answers/runbook.sh", "best_effort": False}, m["replay"]
PY
member "$T/a.ev" answers/runbook.sh | grep -qx 'echo typo > ~/answers/cause.txt' &&
	pass "the candidate's runbook is in the evidence, what a replay runs" ||
	fail "the candidate's runbook is in the evidence"
member "$T/a.ev" session.cast >"$T/a.cast"
run script -qec "asciinema cat '$T/a.cast'" /dev/null
[ "$rc" -eq 0 ] && grep -q "after-interrupt" "$OUT" && pass "asciinema cat plays the recording" ||
	fail "asciinema cat plays the recording"
! grep -q ', "i", "' "$T/a.cast" && pass "keystrokes are not recorded unless the scenario asks" ||
	fail "keystrokes are not recorded unless the scenario asks"
$TM kill-session -t a

# A scenario that asks for the keystrokes gets them in the recording.
rm -rf "$T/keys"
cp -r "$S" "$T/keys"
python3 - "$T/keys/scenario.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["record_input"] = True
json.dump(j, open(sys.argv[1], "w"))
PY
start k "$T/keys" "$T/k.ev"
keys k Enter
see k "left] candidate@lab" "an exam that records keystrokes starts"
keys k "echo typed-by-hand" Enter
see k "typed-by-hand" "the keys reach the shell"
keys k "exit" Enter
see k "ended by exit" "and it ends"
member "$T/k.ev" session.cast | grep -q ', "i", "echo typed-by-hand' &&
	pass "record_input: the keystrokes are \"i\" events of the recording" ||
	fail "record_input: the keystrokes are \"i\" events of the recording"
$TM kill-session -t k

# The time limit, an accommodation, and the warnings.
python3 - "$S/scenario.json" 10 "$T/short" "$S" <<'PY'
import json, shutil, sys
src, limit, dst, tree = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
shutil.copytree(tree, dst)
j = json.load(open(src)); j["time_limit_s"] = limit
json.dump(j, open(dst + "/scenario.json", "w"))
PY
start b "$T/short" "$T/b.ev" --time-factor 1.5
keys b Enter
see b "left] candidate@lab" "a short exam starts"
see b "ended by timeout" "at the time limit the session ends and is graded" 250
member "$T/b.ev" manifest.json | grep -q '"time_factor_pct": 150' &&
	pass "the accommodation is recorded" || fail "the accommodation is recorded"
member "$T/b.ev" manifest.json | grep -q '"time_limit_s": 15' &&
	pass "and extends the limit (10 s x 1.5)" || fail "and extends the limit (10 s x 1.5)"
see b "icanon echo" "the terminal is restored after a timeout"
$TM kill-session -t b
for w in "602 10 minutes left" "122 2 minutes left"; do
	set -- $w
	rm -rf "$T/warn"
	python3 - "$S/scenario.json" "$1" "$T/warn" "$S" <<'PY'
import json, shutil, sys
src, limit, dst, tree = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
shutil.copytree(tree, dst)
j = json.load(open(src)); j["time_limit_s"] = limit
json.dump(j, open(dst + "/scenario.json", "w"))
PY
	start w "$T/warn" "$T/w.ev"
	keys w Enter
	see w "[lab] $2 $3 $4" "a warning when $2 $3 are left" 60
	keys w "exit" Enter
	see w "ended by exit" "leaving the shell ends the session"
	$TM kill-session -t w
	rm -f "$T/w.ev"
done

# A dropped connection: graded as it stands, evidence written.
start c "$S" "$T/c.ev"
keys c Enter
see c "left] candidate@lab" "another exam starts"
keys c "echo typo > ~/answers/cause.txt" Enter
sleep 0.5
pid=$($TM list-panes -t c -F '#{pane_pid}')
lpid=$(pgrep -P "$pid" -x labrun)
$TM kill-session -t c
for i in $(seq 100); do [ -e "$T/c.ev" ] && ! kill -0 "$lpid" 2>/dev/null && break; sleep 0.1; done
expect_exit 0 "a hang-up still ends in valid evidence" "$LABRUN" verify "$T/c.ev" -p "$T/issuer.pub"
member "$T/c.ev" manifest.json | grep -q '"ended_by": "hangup"' &&
	pass "which says the connection dropped" || fail "which says the connection dropped"
member "$T/c.ev" answers/cause.txt | grep -qx typo &&
	pass "and holds the work done before it" || fail "and holds the work done before it"

# A brief longer than the screen is paged by labrun, outside the sandbox.
rm -rf "$T/long"
cp -r "$S" "$T/long"
{ echo "# A long brief"; for i in $(seq 1 70); do echo "line $i of the brief"; done; } >"$T/long/brief.md"
start p "$T/long" "$T/p.ev"
see p "line 1 of the brief" "a long brief starts on the first page"
see p "-- more (" "and waits at the end of the page (the pager's keys: 3010-take-terminal.sh)"
! screen p | grep -q "line 70 of the brief" && pass "the rest waits" || fail "the rest waits"
keys p Space
see p "line 70 of the brief" "space shows the next page"
see p "Press Enter to start" "then the start"
keys p "!sh" Enter
see p "left] candidate@lab" "what is typed at the pager goes nowhere but to the start: no shell escape"
keys p "exit" Enter
see p "ended by exit" "the paged exam ends"
$TM kill-session -t p

# Leaving at the brief writes nothing.
start d "$S" "$T/d.ev"
see d "Press Enter to start" "the brief again"
keys d C-c
see d "EXIT=1" "Ctrl-C at the brief leaves with exit 1"
[ ! -e "$T/d.ev" ] && pass "and writes nothing" || fail "and writes nothing"
see d "icanon echo" "the terminal is as it was"
$TM kill-session -t d

run "$LABRUN" take "$S" --key "$T/issuer.key" --candidate x -o "$T/e.ev" </dev/null
[ "$rc" -eq 2 ] && grep -q "take needs a terminal" "$ERR" && pass "take without a terminal is a usage error" ||
	fail "take without a terminal is a usage error"
run "$LABRUN" take "$S" --key "$T/issuer.key" --candidate x -o "$T/e.ev" --time-factor 9
[ "$rc" -eq 2 ] && pass "a time factor out of range is a usage error" || fail "a time factor out of range is a usage error"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
