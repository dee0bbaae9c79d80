#!/bin/bash
# The exam host recipe of docs/operators.md with Debian's own sshd and
# sudo: an account whose only command is `sudo labrun exam --candidate`,
# fixed in authorized_keys.  Over a real ssh connection the candidate takes
# the exam, fetches the evidence, lists attempts; a dropped connection is
# graded as it stood; other commands and the issuer key are out of reach.
# The test's sshd listens on loopback on a port of its own; the account,
# its sudo rule and the sshd are removed at the end.
. "$(dirname "$0")/../lib.sh"
for t in /usr/sbin/sshd sudo ssh ssh-keygen useradd tmux; do
	command -v "$t" >/dev/null || { fail "$t is not installed (make deps)"; done_testing; exit 1; }
done
make_keys
S=$T/scn
make_scenario "$S"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/exam.lab" >/dev/null || fail "pack the exam"
U=lrexam$$
K=/run/$U.keys # StrictModes: no world-writable directory on the way
TM="tmux -L labrun-test-$$ -f /dev/null"
cleanup() {
	[ -n "${SSHD_LOG:-}" ] && sed "s/^/# sshd: /" "$T/sshd.log"
	$TM kill-server 2>/dev/null
	[ -s "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")" 2>/dev/null
	userdel "$U" 2>/dev/null
	rm -f "/etc/sudoers.d/$U"
	rm -rf "$K" "$T"
}
trap cleanup EXIT
cat >"$T/labrun.conf" <<EOF
trust = $T/author.pub
key = $T/issuer.key
exam_bundle = $T/exam.lab
evidence_dir = $T/evidence
state_dir = $LABRUN_STATE_DIR
EOF
useradd --no-create-home --home-dir / --shell /bin/sh "$U" || { fail "useradd"; done_testing; exit 1; }
# Not locked (sshd without PAM refuses a locked account), and no password.
usermod -p "*" "$U"
printf 'Defaults:%s env_keep += "SSH_ORIGINAL_COMMAND"\n%s ALL=(root) NOPASSWD: %s exam *\n' \
	"$U" "$U" "$LABRUN" >"/etc/sudoers.d/$U"
chmod 0440 "/etc/sudoers.d/$U"
ssh-keygen -q -t ed25519 -N '' -f "$T/host" && ssh-keygen -q -t ed25519 -N '' -f "$T/alice"
mkdir -p "$K" && chmod 755 "$K"
printf 'command="sudo %s exam --candidate alice --config %s",restrict,pty %s\n' \
	"$LABRUN" "$T/labrun.conf" "$(cat "$T/alice.pub")" >"$K/authorized_keys"
chmod 644 "$K/authorized_keys"
port=$((20000 + $$ % 20000))
why=$(sshd_start "$U" "$K/authorized_keys" "$port") || { fail "sshd starts: $why"; done_testing; exit 1; }
SSH="ssh -F /dev/null -i $T/alice -p $port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes"

run $SSH "$U@127.0.0.1" list
[ "$rc" -eq 0 ] && grep -q "no evidence for alice yet" "$OUT" && pass "ssh list: the forced command answers" ||
	fail "ssh list: the forced command answers (exit $rc; $(cat "$ERR"))"

# The exam over ssh -t, on a tmux terminal.
$TM new-session -d -s x -x 120 -y 40 "$SSH -t $U@127.0.0.1; echo EXIT=\$?; sleep 60"
pane_wait x "Press Enter to start" 150 && pass "ssh -t: the exam's brief" || fail "ssh -t: the exam's brief"
$TM send-keys -t x Enter
pane_wait x "left] candidate@lab" 150 && pass "ssh -t: the sandbox's shell, not the host's" || fail "ssh -t: the sandbox's shell"
$TM send-keys -t x "cat /etc/labrun/labrun.conf $T/issuer.key; hostname" Enter
sleep 0.5
! $TM capture-pane -p -J -t x | grep -q "untrusted comment: minisign secret key" &&
	pass "the issuer key is out of the candidate's reach" || fail "the issuer key is out of the candidate's reach"
$TM send-keys -t x "sed -i s/broken/fixed/ /etc/app/config.txt; echo typo > ~/answers/cause.txt; lab submit -y" Enter
pane_wait x "EXIT=0" 150 && pass "ssh -t: the exam is taken, passed, and ssh exits 0" || fail "ssh -t: exit 0 after a pass"
$TM kill-session -t x
$SSH "$U@127.0.0.1" evidence >"$T/mine.tar" 2>"$ERR"
rc=$?
[ "$rc" -eq 0 ] && pass "ssh evidence > mine.tar" || fail "ssh evidence > mine.tar (exit $rc: $(cat "$ERR"))"
expect_exit 0 "the fetched evidence verifies" "$LABRUN" verify "$T/mine.tar" -p "$T/issuer.pub"

# A dropped connection: graded as it stood, kept, fetchable.
$TM new-session -d -s x -x 120 -y 40 "$SSH -t $U@127.0.0.1; sleep 60"
pane_wait x "Press Enter to start" 150 && $TM send-keys -t x Enter
pane_wait x "left] candidate@lab" 150 && pass "a second attempt starts" || fail "a second attempt starts"
$TM send-keys -t x "echo typo > ~/answers/cause.txt" Enter
sleep 0.5
pkill -KILL -f "ssh -F /dev/null -i $T/alice -p $port.* -t " && pass "the candidate's connection drops" ||
	fail "the candidate's connection drops"
for i in $(seq 100); do [ -e "$T/evidence/alice/attempt-2.tar" ] && break; sleep 0.1; done
expect_exit 0 "the dropped attempt has valid evidence" "$LABRUN" verify "$T/evidence/alice/attempt-2.tar" -p "$T/issuer.pub"
member "$T/evidence/alice/attempt-2.tar" manifest.json | grep -q '"ended_by": "hangup"' &&
	pass "graded as it stood: ended_by hangup" || fail "graded as it stood: ended_by hangup"
run $SSH "$U@127.0.0.1" list
out_has "^attempt 2: " "ssh list shows both attempts"
for cmd in "bash" "cat $T/issuer.key" "take; id"; do
	run $SSH "$U@127.0.0.1" "$cmd"
	[ "$rc" -eq 2 ] && ! grep -q "minisign secret key\|uid=" "$OUT" && pass "ssh '$cmd' is refused" ||
		fail "ssh '$cmd' is refused (exit $rc)"
done
$TM kill-server 2>/dev/null
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
