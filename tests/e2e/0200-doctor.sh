#!/bin/bash
# labrun doctor: as root on this kind of machine every feature a session
# needs is there (exit 0, "sessions: safe here"); every feature is listed
# and agrees with what the host says independently; --json parses and
# agrees with the table; the host is left as it was; as an unprivileged
# user doctor exits 3 and says what labrun cannot guarantee without root.
. "$(dirname "$0")/../lib.sh"

features="kernel root user-namespace pid-namespace mount-namespace
net-namespace ipc-namespace uts-namespace cgroup-namespace time-namespace
unprivileged-userns seccomp-user-notif overlayfs overlayfs-in-userns
pidfd-open close-range openat2 cgroups cgroup-memory cgroup-pids
cgroup-freezer tiocsti-restricted"
required="root user-namespace pid-namespace mount-namespace net-namespace
ipc-namespace uts-namespace cgroup-namespace seccomp-user-notif overlayfs
pidfd-open close-range"

# as_nobody CMD...: run CMD as uid/gid 65534 with no groups.
as_nobody() {
	if command -v setpriv >/dev/null; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		su nobody -s /bin/sh -c '"$0" "$@"' -- "$@"
	fi
}

# narrow: every line of the last output fits 80 columns.
narrow() {
	if awk 'length > 80 { bad = 1 } END { exit bad }' "$OUT"; then
		pass "$1 fits 80 columns"
	else
		fail "$1 fits 80 columns"; awk 'length > 80' "$OUT" | sed 's/^/#   /'
	fi
}

expect_exit 0 "doctor --help" "$LABRUN" doctor --help
out_has '^usage: labrun doctor \[--json\]$' "--help prints the usage"
narrow "--help"
expect_exit 2 "doctor with an unknown option" "$LABRUN" doctor --no-such-option
err_has "unknown option '--no-such-option'" "the unknown option is named"
expect_exit 2 "doctor with an argument" "$LABRUN" doctor extra

# As root (tests run as root: docs/testing.md).
mounts_before=$(wc -l </proc/self/mountinfo)
host_before=$(hostname)
expect_exit 0 "doctor as root on this kind of machine" "$LABRUN" doctor
out_has '^sessions: safe here$' "it says sessions are safe here"
out_has '^labrun doctor: this host, probed as uid 0$' "it says who probed"
narrow "the table"
for f in $features; do
	out_has "^$f +(yes|no|\?) " "the table lists $f"
done
for f in $required; do
	out_has "^$f +yes " "$f is there"
done
out_has '^seccomp-user-notif +yes +a notified getppid was received' \
	"the notification was answered with CONTINUE"
out_has '^user-namespace +yes +created; 65536 ids mapped' \
	"a session's id range can be mapped"
out_has '^kernel +yes +Linux '"$(uname -r)" "the kernel release is shown"
case $(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null) in
1) out_has '^tiocsti-restricted +no +dev.tty.legacy_tiocsti = 1' \
	"legacy_tiocsti 1 is reported as TIOCSTI working"
   out_has "seccomp filter is what stops" "and the cost is named" ;;
0) out_has '^tiocsti-restricted +yes' "legacy_tiocsti 0 is reported" ;;
*) out_has '^tiocsti-restricted +no +no dev.tty.legacy_tiocsti' \
	"a kernel without legacy_tiocsti is reported" ;;
esac
if grep -qE ' - cgroup [^ ]+ [^ ]*[,]memory' /proc/self/mountinfo; then
	out_has '^cgroup-memory +yes +v1 at ' "cgroup v1 memory is found"
fi
if grep -qE ' - cgroup [^ ]+ [^ ]*[,]pids' /proc/self/mountinfo; then
	out_has '^cgroup-pids +yes +v1 at ' "cgroup v1 pids is found"
fi
[ "$(wc -l </proc/self/mountinfo)" = "$mounts_before" ] &&
	pass "no mount is left behind" || fail "no mount is left behind"
[ "$(hostname)" = "$host_before" ] &&
	pass "the hostname is unchanged" || fail "the hostname is unchanged"
cp "$OUT" "$T/table.txt"

expect_exit 0 "doctor --json as root" "$LABRUN" doctor --json
check "--json parses, says safe and matches the table" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
names = sys.argv[3].split()
assert d["safe"] is True, d["safe"]
assert [f["name"] for f in d["features"]] == names, [f["name"] for f in d["features"]]
table = open(sys.argv[2]).read()
for f in d["features"]:
    assert set(f) == {"name", "present", "detail", "cost", "required"}, f
    assert f["present"] in (True, False, None) and f["required"] in (True, False)
    assert isinstance(f["detail"], str) and isinstance(f["cost"], str)
    here = {True: "yes", False: "no", None: "?"}[f["present"]]
    assert re.search("^" + re.escape(f["name"]) + " +" + re.escape(here) + " ",
                     table, re.M), f["name"]
    if f["required"]:
        assert f["present"] is True, f
' "$OUT" "$T/table.txt" "$features"

# As a user: exit 3 and the reason.
expect_exit 3 "doctor as uid 65534 exits 3" as_nobody "$LABRUN" doctor
out_has '^labrun doctor: this host, probed as uid 65534$' "it says who probed"
out_has '^root +no +running as uid 65534' "root is missing"
out_has 'without root \(running as uid 65534\), labrun cannot guarantee:' \
	"it says what labrun cannot guarantee without root"
out_has 'that the candidate runs under ids of its own' "ids of its own"
out_has 'that sessions are kept apart' "sessions kept apart"
out_has 'has no unprivileged mode' "it says labrun has no unprivileged mode"
out_has 'never runs as real root' "it says the candidate never runs as real root"
out_has '^sessions: cannot be made safe here: root' "the last line names root"
narrow "the unprivileged report"
[ "$(tail -n 1 "$OUT" | cut -c1-9)" = "sessions:" ] &&
	pass "the verdict is the last line" || fail "the verdict is the last line"

expect_exit 3 "doctor --json as uid 65534 exits 3" as_nobody "$LABRUN" doctor --json
check "--json as uid 65534 says unsafe, root absent" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["safe"] is False
root = [f for f in d["features"] if f["name"] == "root"][0]
assert root["present"] is False and root["required"] is True
assert "no unprivileged mode" in root["cost"]
' "$OUT"
done_testing
