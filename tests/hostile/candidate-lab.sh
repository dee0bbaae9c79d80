#!/bin/bash
# HOSTILE P1: lying through the lab channel.  A probe speaks to the
# supervisor's socket directly: a huge line, junk, two requests in one
# message, forged records, a silent connection, a flood, attempts on the
# socket itself, a second submission.  Each gets a bounded answer or
# nothing; the session goes on until the real submission; the manifest
# holds the supervisor's records (one hint, ended by submit), not the
# candidate's claims.
. "$(dirname "$0")/../lib.sh"
PROBE=$BUILD/tests/probes/labchan
[ -x "$PROBE" ] || { fail "probe not built (make probes)"; done_testing; exit 1; }
make_keys
S=$T/scn
make_scenario "$S"
printf '\n## Hint (cost 50)\n\nThe second hint.\n' >>"$S/hints.md"
mkdir -p "$S/system/opt/probe"
cp "$PROBE" "$S/system/opt/probe/labchan"
cat >"$T/probe.sh" <<'SH'
#!/bin/bash
/opt/probe/labchan > ~/answers/lab.txt 2>&1
echo "still running after the submission" >> ~/answers/lab.txt
SH
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate p1 --script "$T/probe.sh" -o "$T/p.ev"
[ "$rc" -eq 1 ] && pass "the session ran and was graded" || fail "the session ran (exit $rc)"
expect_exit 0 "its evidence verifies" "$LABRUN" verify "$T/p.ev" -p "$T/issuer.pub"
member "$T/p.ev" answers/lab.txt >"$T/r.txt"
sed 's/^/# lab: /' "$T/r.txt"
has() { grep -qx -- "$1" "$T/r.txt" && pass "$2" || fail "$2 (want '$1')"; }
has "huge answer=error: a request is one line of at most 255 bytes" "a huge message gets a bounded refusal"
has "junk answer=error: unknown request; try: lab help" "junk bytes are an unknown request"
grep -q "^two-lines answer=t-basic 1.0.0: .* left; 0 of 2 hints used" "$T/r.txt" &&
	pass "of two requests in one message only the first is served" ||
	fail "of two requests in one message only the first is served"
has "forged-hints answer=error: unknown request; try: lab help" "a forged hint count is refused"
has "forged-score answer=error: unknown request; try: lab help" "a forged score is refused"
has "hint-then-args answer=error: unknown request; try: lab help" "a request with arguments it does not take is refused"
has "hint answer=Hint 1 (costs 100 points):" "a real hint is served"
has "hint-again answer=Hint 2 (costs 50 points):" "hints come in order, each once"
has "silent closed" "a silent connection is closed by the supervisor"
grep -q "^after-flood answer=0:5[0-9]$\|^after-flood answer=1:00$" "$T/r.txt" &&
	pass "after a silent connection and a flood the channel still answers, without having waited on them" ||
	fail "after a silent connection and a flood the channel still answers, without having waited on them"
has "unlink-socket errno=EROFS" "the socket cannot be removed"
has "move-socket errno=EROFS" "nor moved"
has "chmod-socket errno=EROFS" "nor closed to others"
# The session ends the moment the answer is sent: the probe may be gone
# before it prints it.  When it did, it is this one; the manifest's
# ended_by (below) is what says the submission was taken.
sub=$(grep "^submit answer=" "$T/r.txt")
[ -z "$sub" ] || [ "$sub" = "submit answer=submitted: the session ends and is graded" ] &&
	pass "the submission is answered as taken, or the session ended before the probe printed it" ||
	fail "the submission is answered as taken (got '$sub')"
! grep -q "still running after the submission" "$T/r.txt" && pass "and ends the session at once" ||
	fail "and ends the session at once"
member "$T/p.ev" manifest.json >"$T/m.json"
python3 - "$T/m.json" <<'PY' && pass "the manifest holds the supervisor's records: two hints, 150 points, ended by submit" ||
import json, sys
m = json.load(open(sys.argv[1]))
assert [(h["hint"], h["cost"]) for h in m["hints_used"]] == [(1, 100), (2, 50)], m["hints_used"]
assert m["session"]["ended_by"] == "submit", m["session"]
PY
	fail "the manifest holds the supervisor's records: two hints, 150 points, ended by submit"
[ -z "$(leftovers)" ] && pass "nothing of the session remains" || fail "nothing of the session remains"
done_testing
