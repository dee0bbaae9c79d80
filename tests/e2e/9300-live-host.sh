#!/bin/bash
# The test suite on a live exam host: an unrelated session (a candidate
# working within their time limit, in the host's own state directory) runs
# while the session, take, cleanup and hostile tests run beside it.  It is
# never listed, ended, signalled or cleaned by them, and it is graded
# normally when the candidate finishes.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S" t-live
scenario_set "$S" time_limit_s 7200
HOST=$T/host-state
# The candidate works until told (a file the test puts in the sandbox's
# /tmp), noting every signal that reaches their shell.
cat >"$T/live.sh" <<'SH'
#!/bin/bash
for s in TERM HUP INT QUIT USR1 USR2; do trap "echo $s >> ~/answers/signals.txt" $s; done
while [ ! -e /tmp/go ]; do sleep 0.2; done
sed -i 's/mode=broken/mode=fixed/' /etc/app/config.txt
echo typo > ~/answers/cause.txt
SH
LABRUN_STATE_DIR=$HOST "$LABRUN" run "$S" --key "$T/issuer.key" --candidate live \
	--script "$T/live.sh" -o "$T/live.ev" >"$T/live.out" 2>&1 &
live=$!
slot=$(slot_running "$live" sleep)
[ -n "$slot" ] && pass "the unrelated session runs (id slot $slot)" || fail "the unrelated session runs"
LABRUN_STATE_DIR=$HOST run "$LABRUN" sessions --json
id=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' "$OUT" | head -1)
[ -n "$id" ] && pass "it is in the host's register ($id)" || fail "it is in the host's register"

# The tests that list, end, kill and clean sessions, and hostile ones.
for t in e2e/3100-sessions.sh e2e/3000-take.sh e2e/9200-killed-labrun.sh \
	hostile/candidate-lab.sh hostile/candidate-exhaust.sh; do
	bash "$TOP/tests/$t" >"$T/nested.out" 2>&1
	n=$(grep -c '^not ok' "$T/nested.out")
	p=$(grep -c '^ok' "$T/nested.out")
	[ "$n" -eq 0 ] && [ "$p" -gt 0 ] && pass "$t passes beside it ($p checks)" ||
		{ fail "$t passes beside it ($n failed)"; grep '^not ok' "$T/nested.out" | head -5 | sed 's/^/#   /'; }
	kill -0 "$live" 2>/dev/null && pass "... and the unrelated session still runs" ||
		fail "... and the unrelated session still runs"
done
LABRUN_STATE_DIR=$HOST run "$LABRUN" sessions --json
grep -q "\"id\":\"$id\"" "$OUT" && pass "it is still listed in its register" || fail "it is still listed in its register"

# The candidate finishes: graded as any session.
# Through the candidate's shell, which lives as long as the session (its
# sleeps come and go).
told=
for i in $(seq 20); do
	for p in $(slot_procs "$slot" bash | awk '{print $2}'); do
		touch "/proc/$p/root/tmp/go" 2>/dev/null && told=1 && break 2
	done
	sleep 0.1
done
[ -n "$told" ] && pass "the candidate is told to finish" ||
	{ fail "the candidate is told to finish"; kill "$live"; }
wait "$live"
rc=$?
[ "$rc" -eq 0 ] && pass "the unrelated session passes (exit 0)" || fail "the unrelated session passes (exit $rc)"
[ "$(manifest_value "$T/live.ev" ended_by)" = exit ] && pass "it ended by itself, not by an operator" ||
	fail "it ended by itself (ended_by $(manifest_value "$T/live.ev" ended_by))"
! member "$T/live.ev" answers/signals.txt >/dev/null 2>&1 && pass "no signal reached its candidate" ||
	fail "no signal reached its candidate: $(member "$T/live.ev" answers/signals.txt | tr '\n' ' ')"
expect_exit 0 "its evidence verifies" "$LABRUN" verify "$T/live.ev" -p "$T/issuer.pub"
[ -z "$(ls -A "$HOST/sessions" 2>/dev/null)" ] && [ -z "$(slot_procs "$slot")" ] &&
	pass "nothing of it remains" || fail "nothing of it remains"
[ -z "$(leftovers)" ] && pass "nothing of this test's sessions remains" || fail "nothing of this test's sessions remains"
done_testing
