#!/bin/bash
# Every scenario in scenarios/: the reference solution passes, the untouched
# state fails with messages naming what is broken, and each wrong-*.sh
# fails overall and fails every check its "# must-fail:" line names.
. "$(dirname "$0")/../lib.sh"
make_keys
for S in "$TOP"/scenarios/*/; do
	S=${S%/}
	name=${S##*/}
	[ -f "$S/scenario.json" ] || continue
	run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate selftest \
		--script "$S/solutions/reference.sh" -o "$T/$name-ref.ev"
	if [ "$rc" -eq 0 ]; then pass "$name: the reference solution passes"; else
		fail "$name: the reference solution passes (exit $rc)"
		# What the session showed, to tell a scenario bug from a host one.
		member "$T/$name-ref.ev" session.cast 2>/dev/null | tail -15 | sed 's/^/#   cast: /'
	fi
	printf '#!/bin/bash\ntrue\n' >"$T/empty.sh"
	run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate selftest \
		--script "$T/empty.sh" -o "$T/$name-empty.ev"
	[ "$rc" -eq 1 ] && pass "$name: the untouched state fails" ||
		fail "$name: the untouched state fails (exit $rc)"
	grep -qE '^  fail ' "$OUT" && pass "$name: the failing checks are listed with messages" ||
		fail "$name: the failing checks are listed"
	for w in "$S"/solutions/wrong-*.sh; do
		[ -f "$w" ] || continue
		wn=${w##*/}
		must=$(sed -n '1,5s/^# must-fail: *//p' "$w")
		run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate selftest \
			--script "$w" -o "$T/$name-$wn.ev"
		[ "$rc" -eq 1 ] && pass "$name/$wn fails" || fail "$name/$wn fails (exit $rc)"
		for id in $must; do
			grep -qE "^  fail +$id " "$OUT" && pass "$name/$wn fails $id" ||
				fail "$name/$wn fails $id"
		done
	done
done
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
