#!/bin/bash
# 1100-golden: behaviour is kept across changes of structure.  Every
# solution of every library scenario (and the untouched state), run with a
# fixed seed, gives byte-identical result.json and changes/ to those
# recorded in tests/golden/sums (tests/golden/capture.sh says how they are
# made and renewed).
. "$(dirname "$0")/../lib.sh"
bash "$TOP/tests/golden/capture.sh" "$LABRUN" "$T/golden" 2>"$T/golden.err"
rc=$?
[ "$rc" -eq 0 ] && pass "every solution of every scenario ran" ||
	fail "every solution of every scenario ran: $(head -c 2000 "$T/golden.err")"
want=$TOP/tests/golden/sums
n=$(awk '{print $1}' "$want" | sort -u | wc -l)
if diff "$want" "$T/golden/sums" >"$T/golden.diff"; then
	pass "$n sessions: result.json and changes/ are byte-identical to tests/golden/sums"
else
	fail "$n sessions: result.json and changes/ are byte-identical to tests/golden/sums"
	sed 's/^/# /' "$T/golden.diff" | head -40
fi
missing=
for S in "$TOP"/scenarios/*/; do
	[ -f "$S/scenario.json" ] || continue
	name=$(basename "$S")
	for sol in untouched $(cd "$S/solutions" && ls *.sh | sed 's/\.sh$//'); do
		grep -q "^$name/$sol .* result.json$" "$want" || missing="$missing $name/$sol"
	done
done
[ -z "$missing" ] && pass "tests/golden/sums covers every solution" ||
	fail "tests/golden/sums covers every solution (missing:$missing; renew with tests/golden/capture.sh)"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
