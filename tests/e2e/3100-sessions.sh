#!/bin/bash
# Operators: labrun sessions lists what runs on this host, labrun end ends
# a session, which is then graded as it stands with ended_by "operator";
# end refuses an unknown session, and a register entry that names a
# process that is not the session's labrun.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/scn
make_scenario "$S"
cat >"$T/slow.sh" <<'SH'
#!/bin/bash
echo typo > ~/answers/cause.txt
sleep 50
echo "not ended" > ~/answers/late.txt
SH
expect_exit 0 "sessions with none running" "$LABRUN" sessions
out_has "no session is running" "says so"
"$LABRUN" run "$S" --key "$T/issuer.key" --candidate op --script "$T/slow.sh" -o "$T/s.ev" >"$T/run.out" 2>&1 &
run_pid=$!
for i in $(seq 100); do
	"$LABRUN" sessions --json >"$T/list" 2>&1
	[ -s "$T/list" ] && break
	sleep 0.1
done
python3 - "$T/list" "$run_pid" <<'PY' && pass "sessions --json lists the running session" || fail "sessions --json lists the running session: $(cat "$T/list")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1, rows
r = rows[0]
assert r["pid"] == int(sys.argv[2]) and r["mode"] == "run" and r["scenario"] == "t-basic 1.0.0", r
assert r["candidate"].startswith("c-") and r["time_limit_s"] == 60 and r["started"].endswith("Z"), r
PY
id=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$T/list")
expect_exit 0 "sessions prints a table" "$LABRUN" sessions
out_has "$id" "with the session's id"
sleep 1
expect_exit 0 "end ends it" "$LABRUN" end "$id"
out_has "graded as it stands" "and says what happens"
for i in $(seq 100); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
wait "$run_pid"
rc=$?
[ "$rc" -eq 1 ] && pass "the session was graded (fail on its merits)" || fail "the session was graded (exit $rc)"
expect_exit 0 "its evidence verifies" "$LABRUN" verify "$T/s.ev" -p "$T/issuer.pub"
member "$T/s.ev" manifest.json | grep -q '"ended_by": "operator"' && pass "ended_by operator" || fail "ended_by operator"
member "$T/s.ev" answers/cause.txt | grep -qx typo && pass "the work done until then counts" ||
	fail "the work done until then counts"
! member "$T/s.ev" answers/late.txt >/dev/null 2>&1 && pass "nothing ran after the end" || fail "nothing ran after the end"
expect_exit 0 "after it, no session is listed" "$LABRUN" sessions
out_has "no session is running" "none"
expect_exit 1 "end of an unknown session" "$LABRUN" end 0123456789abcdef
err_has "no such session" "says there is no such session"
expect_exit 2 "end of a bad id is a usage error" "$LABRUN" end ../etc
# A register entry whose pid is not the session's labrun: nothing is sent.
D=$LABRUN_STATE_DIR/sessions
mkdir -p "$D"
flock "$D/fedcba9876543210.lock" sleep 5 &
fl=$!
sleep 0.3
printf '{"candidate":"c-x","id":"fedcba9876543210","mode":"run","pid":%d,"scenario":"x 1","started_ms":0,"time_limit_s":60}' $$ \
	>"$D/fedcba9876543210.json"
expect_exit 1 "end refuses an entry whose pid is not the session's labrun" "$LABRUN" end fedcba9876543210
err_has "not the labrun that runs this session" "and says so"
kill "$fl" 2>/dev/null
wait "$fl" 2>/dev/null
rm -f "$D/fedcba9876543210.json" "$D/fedcba9876543210.lock"
[ -z "$(leftovers)" ] && pass "nothing of the session remains" || fail "nothing of the session remains"
done_testing
