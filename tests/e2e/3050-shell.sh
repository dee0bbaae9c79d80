#!/bin/bash
# labrun shell on a real terminal (tmux): the author explores a scenario's
# faulted system as a candidate would meet it (the template labrun new
# writes: agentd with a bad policy deployed), with lab, no time limit but
# a day's end, and exit ending it; nothing is graded, no evidence or spool
# record is written, nothing is left on the host, and the terminal is
# restored.  The seed it prints gives the same system again.
. "$(dirname "$0")/../lib.sh"
tmux_begin
S=$T/explore
"$LABRUN" new explore -o "$S" >/dev/null || { fail "labrun new writes the template"; done_testing; exit 1; }
tree_sums() { (cd "$1" && find . -printf '%p %m %s\n' -type f -exec sha256sum {} + | sort); }
tree_sums "$S" >"$T/before.sums"

start() { # NAME SCENARIO [OPTION...]: labrun shell in a fresh pane
	local name=$1 scn=$2
	shift 2
	$TM new-session -d -s "$name" -x 120 -y 40 \
		"cd '$T'; $LABRUN shell '$scn' $*; $PANE_TAIL"
}

start a "$S" --seed 00112233
see a "labrun shell: explore 0.1.0, seed 00112233" "a banner names the scenario and the seed"
see a "no grading, no time limit" "and says what it is not"
see a "left] candidate@lab:~\$" "a shell in the sandbox, as take gives"
keys a "id -un" Enter
see a "candidate" "as the candidate"
keys a "agentctl policy status" Enter
see a "active policy v2: tighten outbound access" "the fault plan ran: the bad policy is in force"
keys a "lab time" Enter
see a "left of 1440:00" "no exam time limit: a day's end"
keys a "lab brief | head -1" Enter
see a "# Research agents cannot fetch the web" "lab brief shows the brief"
"$LABRUN" sessions >"$T/sessions" 2>&1
check "labrun sessions lists it as a shell" grep -q shell "$T/sessions"
keys a "agentctl policy validate v1 && agentctl policy apply v1" Enter
see a "v1 is now the active policy" "the author can try the fix"
keys a "exit" Enter
see a "labrun shell: ended by exit after" "exit ends it, and says how" 300
see a "nothing was graded or kept" "... with nothing graded or kept"
see a "EXIT=0" "exit 0"
see a "icanon echo" "the terminal is restored"
check "no evidence anywhere under the test's directory" \
	sh -c "! find '$T' -name '*.ev' -o -name '*.ev.*' | grep -q ."
check "no spool record" sh -c "! ls -A '$LABRUN_SPOOL_DIR' 2>/dev/null | grep -q ."
tree_sums "$S" >"$T/after.sums"
check "the scenario directory is untouched" cmp "$T/before.sums" "$T/after.sums"
left=$(leftovers)
[ -z "$left" ] && pass "nothing is left on the host" || { fail "nothing is left on the host"; printf '%s\n' "$left" | sed 's/^/#   /'; }

# The same seed gives the same system; Ctrl-D ends it too.  The end is
# waited for up to 30 s: a sanitizer build on a loaded host takes that
# long to stop the sandbox and its services.
start b "$S" --seed 00112233
see b "left] candidate@lab:~\$" "the same seed again"
keys b "agentctl policy status" Enter
see b "active policy v2" "the same faulted system (a fresh one: the fix above is gone)"
keys b C-d
see b "labrun shell: ended by exit" "Ctrl-D ends it" 300
see b "EXIT=0" "exit 0"

# --variant: the banner names the variant, and its fault plan runs.
"$LABRUN" new vary --from approval-threshold -o "$T/vary" >/dev/null
start d "$T/vary" --variant early-95
see d "labrun shell: vary 0.1.0, variant early-95, seed" "--variant: the banner names it"
see d "left] candidate@lab:~\$" "a shell in that variant"
keys d "lab services" Enter
see d "agentd" "lab services lists the scenario's service"
keys d "exit" Enter
see d "EXIT=0" "exit 0"
start e "$T/vary" --variant no-such
see e "labrun shell: --variant no-such" "an unknown variant is refused, named"
see e "EXIT=2" "as a usage error"

# A scenario validate refuses is refused here too, before any sandbox.
cp -a "$S" "$T/bad" && sed -i 's/"pass_mark": 800/"pass_mark": 8000/' "$T/bad/scenario.json"
start c "$T/bad"
see c "pass_mark" "an invalid scenario is refused, naming the problem"
see c "EXIT=1" "exit 1"

done_testing
