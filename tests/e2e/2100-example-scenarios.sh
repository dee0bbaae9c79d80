#!/bin/bash
# What a candidate reads when the untouched state is graded, for every
# scenario in scenarios/: each failing check is listed with a message they
# can act on.  (Qualification — reference passes, wrong solutions fail the
# checks they name, runs agree — is labrun selftest's: 2150-selftest.sh.)
. "$(dirname "$0")/../lib.sh"
make_keys
printf '#!/bin/bash\ntrue\n' >"$T/empty.sh"
for S in "$TOP"/scenarios/*/; do
	S=${S%/}
	name=${S##*/}
	[ -f "$S/scenario.json" ] || continue
	run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate untouched \
		--script "$T/empty.sh" -o "$T/$name-empty.ev"
	[ "$rc" -eq 1 ] && pass "$name: the untouched state fails" ||
		fail "$name: the untouched state fails (exit $rc)"
	grep -qE '^  fail ' "$OUT" && pass "$name: the failing checks are listed" ||
		fail "$name: the failing checks are listed"
	bad=$(grep -E '^  fail ' "$OUT" | awk 'NF < 4')
	[ -z "$bad" ] && pass "$name: each with a message" ||
		fail "$name: each with a message (without: $bad)"
done
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
