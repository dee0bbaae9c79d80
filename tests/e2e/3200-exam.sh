#!/bin/bash
# labrun exam, an exam host's forced command: the candidate fixed by the
# operator, the verb from SSH_ORIGINAL_COMMAND (as sshd sets it): take
# the configured exam on a terminal, fetch the latest evidence as bytes,
# list it; anything else refused, and a candidate id that is not a safe
# name refused.
. "$(dirname "$0")/../lib.sh"
command -v tmux >/dev/null || { skip "tmux is not installed"; done_testing; exit 0; }
make_keys
S=$T/scn
make_scenario "$S"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/exam.lab" >/dev/null || fail "pack the exam"
cat >"$T/labrun.conf" <<EOF
trust = $T/author.pub
key = $T/issuer.key
exam_bundle = $T/exam.lab
evidence_dir = $T/evidence
EOF
TM="tmux -L labrun-test-$$ -f /dev/null"
trap '$TM kill-server 2>/dev/null; rm -rf "$T"' EXIT
exam() { SSH_ORIGINAL_COMMAND=$1 "$LABRUN" exam --candidate alice --config "$T/labrun.conf"; }

run exam list
[ "$rc" -eq 0 ] && grep -q "no evidence for alice yet" "$OUT" && pass "list before any attempt" ||
	fail "list before any attempt (exit $rc)"
run exam evidence
[ "$rc" -eq 1 ] && grep -q "no evidence for alice yet" "$ERR" && pass "evidence before any attempt: exit 1, says so" ||
	fail "evidence before any attempt (exit $rc)"

# The exam itself, on a terminal, as ssh -t gives it.
$TM new-session -d -s x -x 120 -y 40 \
	"env -u SSH_ORIGINAL_COMMAND $LABRUN exam --candidate alice --config $T/labrun.conf; echo EXIT=\$?; sleep 60"
pane_wait x "Press Enter to start" 100 && pass "the forced command shows the configured exam's brief" ||
	fail "the forced command shows the configured exam's brief"
$TM send-keys -t x Enter
pane_wait x "left] candidate@lab" 100 && pass "and gives the sandbox's shell" || fail "and gives the sandbox's shell"
$TM send-keys -t x "sed -i s/broken/fixed/ /etc/app/config.txt; echo typo > ~/answers/cause.txt; lab submit -y" Enter
pane_wait x "EXIT=0" 100 && pass "the exam is taken and passed" || fail "the exam is taken and passed"
[ -f "$T/evidence/alice/attempt-1.tar" ] && pass "the evidence is kept as evidence_dir/ID/attempt-1.tar" ||
	fail "the evidence is kept as evidence_dir/ID/attempt-1.tar"
$TM kill-session -t x

exam evidence >"$T/mine.tar" 2>"$ERR"
rc=$?
[ "$rc" -eq 0 ] && cmp -s "$T/mine.tar" "$T/evidence/alice/attempt-1.tar" &&
	pass "evidence streams the candidate's bundle" || fail "evidence streams the candidate's bundle (exit $rc)"
expect_exit 0 "which verifies where it lands" "$LABRUN" verify "$T/mine.tar" -p "$T/issuer.pub"
run exam list
out_has "^attempt 1: [0-9]+ bytes$" "list names the attempt"
member "$T/mine.tar" manifest.json | grep -q '"attempt": 1' && pass "the attempt number is in the evidence" ||
	fail "the attempt number is in the evidence"

for verb in "bash" "take; bash" "evidence ../../etc/shadow" "rm -rf /"; do
	run exam "$verb"
	[ "$rc" -eq 2 ] && grep -q "not something an exam account does" "$ERR" &&
		pass "refused: '$verb'" || fail "refused: '$verb' (exit $rc)"
done
for bad in ../bob "a/b" ".hidden" "-x"; do
	SSH_ORIGINAL_COMMAND=list run "$LABRUN" exam --candidate "$bad" --config "$T/labrun.conf"
	[ "$rc" -eq 2 ] && pass "a candidate id '$bad' is refused" || fail "a candidate id '$bad' is refused (exit $rc)"
done
printf 'trust = %s\n' "$T/author.pub" >"$T/thin.conf"
SSH_ORIGINAL_COMMAND=list run "$LABRUN" exam --candidate alice --config "$T/thin.conf"
[ "$rc" -eq 3 ] && grep -q "exam needs trust, key, exam_bundle and evidence_dir" "$ERR" &&
	pass "a host without the exam's configuration says what is missing" ||
	fail "a host without the exam's configuration says what is missing (exit $rc)"
[ -z "$(leftovers)" ] && pass "nothing of the session remains" || fail "nothing of the session remains"
done_testing
