#!/bin/bash
# Live confinement: a compiled probe, run as the candidate inside a real
# session, reports the exact errno of each attempt; the evidence carries
# its report back.  The probe runs only inside the sandbox this test has
# just built.
. "$(dirname "$0")/../lib.sh"

PROBE=$BUILD/tests/probes/confine
[ -x "$PROBE" ] || { fail "probe not built (make probes)"; done_testing; exit 1; }
make_keys
S=$T/scn
make_scenario "$S"
cp "$PROBE" "$S/system/etc/app/confine"
marker=$(mktemp /tmp/labrun-marker.XXXXXX)
echo secret >"$marker"
cat >"$T/probe.sh" <<SH
#!/bin/bash
/etc/app/confine "$marker" > ~/answers/probe.txt 2>&1
SH
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate probe --script "$T/probe.sh" -o "$T/p.ev"
[ "$rc" -eq 1 ] && pass "the probe's session ran and was graded" || fail "the probe's session ran (exit $rc)"
member "$T/p.ev" answers/probe.txt >"$T/probe.txt" 2>/dev/null
sed 's/^/# probe: /' "$T/probe.txt"
expect() { # NAME OUTCOME
	if grep -qx "$1 $2" "$T/probe.txt"; then pass "$1: $2"; else
		fail "$1: want '$2', got '$(grep "^$1 " "$T/probe.txt")'"; fi
}
expect uid 1000
if grep -q '^outer-uid-of-0 0$' "$T/probe.txt" || ! grep -q '^outer-uid-of-0 ' "$T/probe.txt"; then
	fail "the sandbox's root is not real root outside"
else pass "the sandbox's root is not real root outside"; fi
expect connect-outside errno=ENETUNREACH
expect socket-netlink errno=EPERM
expect socket-packet errno=EPERM
expect open-host-marker errno=ENOENT
expect open-shadow errno=ENOENT
expect open-sys errno=ENOENT
expect mount-tmpfs errno=EPERM
expect umount-proc errno=EPERM
expect chroot errno=EPERM
expect pivot-root errno=EPERM
expect unshare-user errno=EPERM
expect unshare-net errno=EPERM
expect clone-newns errno=EPERM
expect clone3 errno=ENOSYS
expect setns errno=EPERM
expect ptrace-traceme errno=EPERM
expect bpf errno=EPERM
expect io-uring errno=ENOSYS
expect keyctl errno=EPERM
expect userfaultfd errno=EPERM
expect perf-event-open errno=EPERM
expect syslog errno=EPERM
expect sethostname errno=EPERM
expect setuid-0 errno=EPERM
expect tiocsti errno=EPERM
expect tiocsti-high-bits errno=EPERM
expect write-proc-sys errno=EROFS
expect write-usr errno=EACCES
rm -f "$marker"
[ -z "$(leftovers)" ] && pass "nothing of the session remains" || { fail "nothing of the session remains"; leftovers | sed 's/^/#   /'; }
done_testing
