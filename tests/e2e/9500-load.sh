#!/bin/bash
# Load on a 2-core host.  100 interactive `labrun take` sessions live and
# idle at once (tests/load/takes.py drives each on a pty of its own, as a
# candidate would): all reach their prompt, `lab time` answers each
# candidate within a second beside the 99 others, and all are graded and
# sealed when they submit.  Then 20 concurrent `labrun run` sessions, ten
# times over: every evidence valid, nothing left behind.  The figures
# (memory of each supervisor, the answers' times) are printed, never
# judged (docs/testing.md; `make bench` measures them).
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
scenario_set "$S" time_limit_s 900
N=${LOAD_TAKES:-100}
mkdir -p "$T/takes"
python3 "$TOP/tests/load/takes.py" "$LABRUN" "$S" "$T/issuer.key" "$T/takes" "$N" >"$T/takes.json" 2>"$T/takes.err"
check "the driver ran" test -s "$T/takes.json"
py() { python3 -c "import json, sys; d = json.load(open('$T/takes.json')); $1"; }
[ "$(py 'print(d["up"])')" -eq "$N" ] && pass "$N take sessions live at once, each at its prompt (in $(py 'print("%.1f" % d["up_s"])') s)" ||
	fail "$N take sessions live at once ($(py 'print(d["up"], d["errors"])'))"
py 'l = d["lab_time_ms"]; print("# lab time, one candidate beside the others idle: median %.0f ms, max %.0f ms" % (l[len(l) // 2], l[-1]))'
py 'l = d["lab_time_burst_ms"]; print("# lab time, every candidate at once: median %.0f ms, max %.0f ms" % (l[len(l) // 2], l[-1]))'
py 'r = d["rss_kib"]; print("# supervisor memory per live session: %.1f MiB on average (max %.1f)" % (sum(r) / len(r) / 1024, max(r) / 1024))'
[ "$(py 'print(len(d["lab_time_ms"]) == d["n"] and max(d["lab_time_ms"]) < 1000)')" = True ] &&
	pass "lab time answered every candidate within a second" ||
	fail "lab time answered every candidate within a second ($(py 'print(d["lab_time_ms"][-3:], d["errors"])'))"
[ "$(py 'print(d["exits"].count(1))')" -eq "$N" ] && pass "every session was graded when submitted (a fail: nothing was fixed)" ||
	fail "every session was graded ($(py 'print(d["exits"])'))"
bad=0
for f in "$T"/takes/*.ev; do "$LABRUN" verify "$f" -p "$T/issuer.pub" >/dev/null 2>&1 || bad=$((bad + 1)); done
[ "$(ls "$T"/takes/*.ev | wc -l)" -eq "$N" ] && [ "$bad" -eq 0 ] && pass "$N evidence files, every one valid" ||
	fail "$N valid evidence files ($bad invalid)"
left=$(leftovers)
[ -z "$left" ] && pass "nothing of the take sessions remains" || { fail "nothing of the take sessions remains"; echo "$left" | sed 's/^/#   /'; }

# Twenty at once, ten times over.
bad=0 t0=$(date +%s%N)
for r in $(seq 10); do
	for i in $(seq 20); do
		"$LABRUN" run "$S" --key "$T/issuer.key" --candidate "r$r-$i" --script "$S/solutions/reference.sh" \
			-o "$T/r$r-$i.ev" >/dev/null 2>&1 &
	done
	wait
	for i in $(seq 20); do
		"$LABRUN" verify "$T/r$r-$i.ev" -p "$T/issuer.pub" >/dev/null 2>&1 || bad=$((bad + 1))
	done
	rm -f "$T"/r"$r"-*.ev
done
echo "# 200 sessions, 20 at a time: $((($(date +%s%N) - t0) / 1000000)) ms"
[ "$bad" -eq 0 ] && pass "20 concurrent sessions, ten times: all 200 evidence files valid" ||
	fail "20 concurrent sessions, ten times: $bad invalid or missing"
left=$(leftovers)
[ -z "$left" ] && pass "nothing of the 200 sessions remains" || { fail "nothing of the 200 sessions remains"; echo "$left" | sed 's/^/#   /'; }
done_testing
