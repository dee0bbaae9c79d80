#!/bin/bash
# The deployment gate on a real git host: a bare repository with
# docs/gate/pre-receive as its hook, served over ssh by Debian's own sshd
# (started here on a loopback port of its own, with its own host key) to
# an account whose authorized_keys binds each key to its holder through
# docs/gate/git-serve and git-shell.  A push touching policies/ by an
# uncertified pusher is refused with the reason on the pusher's terminal
# (remote: lines), by a certified one accepted; a push not touching
# policies/ is accepted for anyone; a new branch is checked too; and once
# the credential has expired (the hook's labrun.at, as an auditor would set
# it) the certified pusher is refused again.  The credential is real: the
# evidence of a passing labrun run with --identifier.  The account, its
# files and the sshd are removed at the end.
. "$(dirname "$0")/../lib.sh"
for t in /usr/sbin/sshd ssh ssh-keygen useradd git git-shell; do
	command -v "$t" >/dev/null || { fail "$t is not installed (make deps)"; done_testing; exit 1; }
done
D=$(cd "$(dirname "$0")/../.." && pwd)
make_keys || { fail "keygen"; done_testing; exit 1; }
U=lrgit$$
K=/run/$U.keys # StrictModes: no world-writable directory on the way
cleanup() {
	[ -s "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")" 2>/dev/null
	userdel "$U" 2>/dev/null
	rm -rf "$K" "$T"
}
trap cleanup EXIT

# alice's credential: the evidence of a passing session.
make_scenario "$T/s"
printf 'sed -i s/broken/fixed/ /etc/app/config.txt\necho typo > ~/answers/cause.txt\n' >"$T/fix.sh"
run timeout -k 5 120 "$LABRUN" run "$T/s" --key "$T/issuer.key" --candidate alice \
	--identifier emailAddress:alice@example.org --script "$T/fix.sh" -o "$T/alice.ev"
[ "$rc" -eq 0 ] || { fail "a passing session for alice (exit $rc: $(cat "$ERR"))"; done_testing; exit 1; }
UNTIL=$(member "$T/alice.ev" credential.json | python3 -c "import json,sys; print(json.load(sys.stdin)['validUntil'])")

# The git host: the account, the gate's files, the bare repository.
useradd --no-create-home --home-dir / --shell /bin/sh "$U" || { fail "useradd"; done_testing; exit 1; }
usermod -p "*" "$U" # not locked (sshd without PAM refuses a locked account), no password
chmod 711 "$T"
mkdir -p "$T/gate/credentials" "$T/srv"
cp "$T/alice.ev" "$T/gate/credentials/alice.ev"
cp "$T/issuer.pub" "$T/gate/issuer.pub"
cp "$D/docs/gate/git-serve" "$T/gate/git-serve"
cat >"$T/gate/policy.json" <<'JSON'
{
  "schema": "labrun-gate-policy/1",
  "rules": [
    {"name": "policies", "paths": ["policies/**"],
     "require": {"competencies": ["testing"], "level_min": "foundation"}}
  ]
}
JSON
chmod -R a+rX "$T/gate"
git init -q --bare "$T/srv/repo.git"
install -m 0755 "$D/docs/gate/pre-receive" "$T/srv/repo.git/hooks/pre-receive"
git -C "$T/srv/repo.git" config labrun.policy "$T/gate/policy.json"
git -C "$T/srv/repo.git" config labrun.credentials "$T/gate/credentials"
git -C "$T/srv/repo.git" config labrun.issuer "$T/gate/issuer.pub"
git -C "$T/srv/repo.git" config labrun.bin "$LABRUN"
chown -R "$U" "$T/srv"

ssh-keygen -q -t ed25519 -N '' -f "$T/host"
ssh-keygen -q -t ed25519 -N '' -f "$T/alice" && ssh-keygen -q -t ed25519 -N '' -f "$T/bob"
mkdir -p "$K" && chmod 755 "$K"
{
	printf 'command="%s alice@example.org",restrict %s\n' "$T/gate/git-serve" "$(cat "$T/alice.pub")"
	printf 'command="%s bob@example.org",restrict %s\n' "$T/gate/git-serve" "$(cat "$T/bob.pub")"
} >"$K/authorized_keys"
chmod 644 "$K/authorized_keys"
port=$((20000 + ($$ + 7919) % 20000))
why=$(sshd_start "$U" "$K/authorized_keys" "$port") || { fail "sshd starts: $why"; done_testing; exit 1; }
URL="ssh://$U@127.0.0.1:$port$T/srv/repo.git"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
as() { # as WHO git ARGS...: git with WHO's key
	local who=$1
	shift
	GIT_SSH_COMMAND="ssh -F /dev/null -i $T/$who -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes" "$@"
}
# the host's side, as root on the account's repository
rgit() { git -c safe.directory="$T/srv/repo.git" -C "$T/srv/repo.git" "$@"; }
remote_head() { rgit rev-parse -q --verify "refs/heads/$1" 2>/dev/null; }

# The first push (README only) creates main.
git init -q -b main "$T/work"
echo hello >"$T/work/README.md"
git -C "$T/work" add README.md && git -C "$T/work" commit -qm readme
run as bob git -C "$T/work" push -q "$URL" main
[ "$rc" -eq 0 ] && [ "$(remote_head main)" = "$(git -C "$T/work" rev-parse HEAD)" ] &&
	pass "bob pushes a new branch without policies/: accepted" ||
	fail "bob pushes a new branch without policies/: accepted (exit $rc: $(cat "$ERR"))"

# bob touches policies/: refused, the reason on his terminal.
before=$(remote_head main)
mkdir -p "$T/work/policies"
echo '{"allow": []}' >"$T/work/policies/prod.json"
git -C "$T/work" add policies && git -C "$T/work" commit -qm policy
run as bob git -C "$T/work" push "$URL" main
[ "$rc" -ne 0 ] && [ "$(remote_head main)" = "$before" ] && pass "bob's push touching policies/ is refused, main unmoved" ||
	fail "bob's push touching policies/ is refused (exit $rc)"
grep -q "^remote: refused: holder bob@example.org" "$ERR" && pass "the pusher sees the verdict as remote: lines" ||
	fail "the pusher sees the verdict as remote: lines ($(cat "$ERR"))"
grep -q "^remote:   rule policies (path policies/prod.json): refused: competency testing at foundation or above: none for this holder" "$ERR" &&
	pass "and the reason: the rule, the path, the competency, none for this holder" ||
	fail "and the reason ($(cat "$ERR"))"
grep -q "pre-receive hook declined" "$ERR" && pass "git says the hook declined" || fail "git says the hook declined"

# The same change on a new branch: checked as well.
run as bob git -C "$T/work" push "$URL" main:refs/heads/sneaky
[ "$rc" -ne 0 ] && [ -z "$(remote_head sneaky)" ] && grep -q "none for this holder" "$ERR" &&
	pass "bob's new branch carrying the policies/ commit is refused" ||
	fail "bob's new branch carrying the policies/ commit is refused (exit $rc)"

# alice, certified, pushes the same commit: accepted.
run as alice git -C "$T/work" push "$URL" main
[ "$rc" -eq 0 ] && [ "$(remote_head main)" = "$(git -C "$T/work" rev-parse HEAD)" ] &&
	pass "alice's push touching policies/ is accepted" ||
	fail "alice's push touching policies/ is accepted (exit $rc: $(cat "$ERR"))"
grep -q "^remote: allowed: holder alice@example.org" "$ERR" && pass "and she sees why" || fail "and she sees why ($(cat "$ERR"))"

# bob changes only the README: rule scoping lets him.
echo more >>"$T/work/README.md"
git -C "$T/work" commit -qam "readme again"
run as bob git -C "$T/work" push "$URL" main
[ "$rc" -eq 0 ] && [ "$(remote_head main)" = "$(git -C "$T/work" rev-parse HEAD)" ] &&
	pass "bob's push not touching policies/ is accepted" ||
	fail "bob's push not touching policies/ is accepted (exit $rc: $(cat "$ERR"))"

# Once alice's credential has expired: refused again.
rgit config labrun.at "$UNTIL"
before=$(remote_head main)
echo '{"allow": ["x"]}' >"$T/work/policies/prod.json"
git -C "$T/work" commit -qam "policy change"
run as alice git -C "$T/work" push "$URL" main
[ "$rc" -ne 0 ] && [ "$(remote_head main)" = "$before" ] && pass "at validUntil alice's push touching policies/ is refused" ||
	fail "at validUntil alice's push is refused (exit $rc)"
grep -q "^remote: .*expired $UNTIL, renew it" "$ERR" && pass "the reason: the credential expired then, renew it" ||
	fail "the reason: expired ($(cat "$ERR"))"

# A rename out of policies/ touches policies/ too.
rgit config --unset labrun.at
git -C "$T/work" mv policies/prod.json prod.json && git -C "$T/work" commit -qm "move it out"
run as bob git -C "$T/work" push "$URL" main
[ "$rc" -ne 0 ] && grep -q "path policies/prod.json" "$ERR" && pass "a rename out of policies/ is a change to policies/" ||
	fail "a rename out of policies/ is a change to policies/ (exit $rc: $(cat "$ERR"))"

# A new branch whose merge commit itself adds a file under policies/
# (the side branch touched only the README): the merge counts.
git -C "$T/work" checkout -q -b side "$(remote_head main)" && echo side >>"$T/work/README.md" &&
	git -C "$T/work" commit -qam side &&
	git -C "$T/work" checkout -q -b feature "$(remote_head main)" && echo f >"$T/work/f.txt" &&
	git -C "$T/work" add f.txt && git -C "$T/work" commit -qm f &&
	git -C "$T/work" merge -q --no-commit side && echo '{}' >"$T/work/policies/merged.json" &&
	git -C "$T/work" add policies/merged.json && git -C "$T/work" commit -qm "merge side" ||
	fail "a merge that adds a policy file"
run as bob git -C "$T/work" push "$URL" feature
[ "$rc" -ne 0 ] && [ -z "$(remote_head feature)" ] && grep -q "path policies/merged.json" "$ERR" &&
	pass "a new branch whose merge adds to policies/ is refused, the merge's path named" ||
	fail "a new branch whose merge adds to policies/ is refused (exit $rc: $(cat "$ERR"))"

# Without an identity the hook refuses (a key bound to no holder).
printf 'command="git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"",restrict %s\n' "$(cat "$T/bob.pub")" >"$K/authorized_keys"
run as bob git -C "$T/work" push "$URL" main
[ "$rc" -ne 0 ] && grep -q "no pusher identity" "$ERR" && pass "no pusher identity: refused" ||
	fail "no pusher identity: refused (exit $rc: $(cat "$ERR"))"
done_testing
