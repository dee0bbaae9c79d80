#!/bin/bash
# The command log is the supervisor's: every exec with its argv, checked
# again when the new program starts (its command line as the kernel holds
# it); an argv rewritten by a racing thread while the exec was in flight is
# flagged, with what actually ran.
. "$(dirname "$0")/../lib.sh"
PROBE=$BUILD/tests/probes/argvrace
[ -x "$PROBE" ] || { fail "probe not built (make probes)"; done_testing; exit 1; }
make_keys
S=$T/scn
make_scenario "$S"
mkdir -p "$S/system/opt/probe" && cp "$PROBE" "$S/system/opt/probe/argvrace"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate c --script "$S/solutions/reference.sh" -o "$T/ref.ev"
member "$T/ref.ev" commands.jsonl >"$T/ref.jsonl"
grep '"sed"' "$T/ref.jsonl" | grep -q '"verified":true' && pass "an ordinary exec is verified" ||
	fail "an ordinary exec is verified"
! grep -q '"verified":false' "$T/ref.jsonl" && pass "no ordinary exec is flagged" || fail "no ordinary exec is flagged"
# Scripts start as "INTERPRETER [ARG] PATH ARGS": still the same exec.
printf '#!/bin/bash\necho "$@"\n' >"$S/system/opt/probe/tool"
printf '#!/usr/bin/env -S bash -e\necho "$@"\n' >"$S/system/opt/probe/tool2"
chmod 755 "$S/system/opt/probe/tool" "$S/system/opt/probe/tool2"
printf '#!/bin/bash\n/opt/probe/tool one two\ncd /opt/probe && ./tool three\n/opt/probe/tool2 four\n' >"$T/tools.sh"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate c --script "$T/tools.sh" -o "$T/tools.ev"
member "$T/tools.ev" commands.jsonl >"$T/tools.jsonl"
n=$(grep -E '"path":"(/opt/probe/tool|./tool|/opt/probe/tool2)"' "$T/tools.jsonl" | grep -c '"verified":true')
[ "$n" -eq 3 ] && ! grep -q '"verified":false' "$T/tools.jsonl" &&
	pass "a script's exec is verified through its interpreter's command line" ||
	fail "a script's exec is verified through its interpreter's command line ($n of 3)"
printf '#!/bin/bash\n/opt/probe/argvrace 300 > ~/answers/race.txt\n' >"$T/race.sh"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate c --script "$T/race.sh" -o "$T/race.ev"
member "$T/race.ev" commands.jsonl >"$T/race.jsonl"
total=$(grep -c '"path":"/bin/true"' "$T/race.jsonl")
flagged=$(grep '"path":"/bin/true"' "$T/race.jsonl" | grep -c '"verified":false')
echo "# /bin/true execs: $total, flagged: $flagged"
[ "$total" -eq 300 ] && pass "every exec of the racing probe is logged" || fail "every exec is logged ($total of 300)"
[ "$flagged" -ge 1 ] && pass "an argv rewritten during the exec is flagged" || fail "an argv rewritten during the exec is flagged"
grep '"verified":false' "$T/race.jsonl" | head -1 | grep -q '"argv_run":\["/bin/true","[ab]*"\]' &&
	pass "with the argv that actually ran" || fail "with the argv that actually ran"
expect_exit 0 "the evidence verifies" "$LABRUN" verify "$T/race.ev" -p "$T/issuer.pub"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
