#!/bin/bash
# A labrun killed in the middle of a session leaves nothing running and no
# mount; its empty work directory is removed, and said so, by the next run.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/scn
make_scenario "$S"
printf '#!/bin/bash\nsleep 300\n' >"$T/sleep.sh"
"$LABRUN" run "$S" --key "$T/issuer.key" --candidate k --script "$T/sleep.sh" -o "$T/k.ev" >/dev/null 2>&1 &
pid=$!
# This session's processes only: its id slot's range.
slot=$(slot_running "$pid" sleep 50)
[ -n "$slot" ] && slot_procs "$slot" sleep | grep -q . &&
	pass "the session is running" || fail "the session is running"
kill -9 "$pid"
wait "$pid" 2>/dev/null
for i in $(seq 50); do
	slot_procs "$slot" | grep -q . || break
	sleep 0.1
done
[ -n "$slot" ] && [ -z "$(slot_procs "$slot")" ] &&
	pass "killing labrun kills the sandbox" || fail "killing labrun kills the sandbox"
! grep -q " $LABRUN_STATE_DIR/" /proc/self/mountinfo && pass "no session mount is left on the host" ||
	fail "no session mount is left on the host"
[ ! -e "$T/k.ev" ] && ! ls "$T"/k.ev.tmp* >/dev/null 2>&1 && pass "no partial evidence was written" ||
	fail "no partial evidence was written"
ls "$LABRUN_STATE_DIR/sessions" | grep -q . && pass "the killed session's directory is still there" ||
	fail "the killed session's directory is still there"
# However young: a lock is linked into place already held, so a free one
# is a leftover at once.
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate k --script "$S/solutions/reference.sh" -o "$T/k2.ev"
[ "$rc" -eq 0 ] && pass "the next session runs" || fail "the next session runs (exit $rc)"
err_has 'removed 1 session directory left by a labrun that was killed' "the next run says what it cleaned up"
[ -z "$(leftovers)" ] && pass "nothing of either session remains" || fail "nothing of either session remains"
done_testing
