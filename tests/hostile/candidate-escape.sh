#!/bin/bash
# Hostile candidates, escapes and forbidden system calls (HOSTILE.md A1, A2,
# B1, B2, B3, C1, D1, E1, F1, M1, N1): the probe tests/probes/escape.c runs
# as the candidate inside a real session and reports the exact errno or
# signal of every attempt; the session still ends with a verdict and a
# valid signed evidence bundle, and nothing of it remains on the host.
. "$(dirname "$0")/../lib.sh"

[ -x "$BUILD/tests/probes/escape" ] || { fail "probe not built (make probes)"; done_testing; exit 1; }
make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
probe_scenario "$S" escape
# A host process the candidate is told about and must not be able to signal.
sleep 300 &
victim=$!
trap 'kill "$victim" 2>/dev/null; rm -rf "$T"' EXIT
cat >"$T/escape.sh" <<SH
#!/bin/bash
/opt/probe/escape all $victim > ~/answers/escape.txt 2>&1
echo "probe-exit \$?" >> ~/answers/escape.txt
rm -f ~/suid-copy
echo "session-goes-on yes" >> ~/answers/escape.txt
SH
session "$S" "$T/escape.sh" "$T/escape.ev"
[ "$rc" -eq 1 ] && pass "the session ran and was graded (fail, exit 1)" || fail "the session ran and was graded (exit $rc)"
[ "$(manifest_value "$T/escape.ev" ended_by)" = exit ] && pass "the session ended by itself" ||
	fail "the session ended by itself (ended_by $(manifest_value "$T/escape.ev" ended_by))"
R=$T/escape.txt
report_of "$T/escape.ev" escape.txt "$R"
e() { expect_line "$R" "$1" "$2"; }

# A1: no leaked descriptor, no other root or cwd, no chroot.
e fds 0,1,2
e fchdir-leaked errno=EBADF
e proc-self-root /
e proc1-root errno=ENOENT
e proc1-cwd errno=ENOENT
e proc1-root-open errno=ENOENT
e proc1-cwd-open errno=ENOENT
e proc1-fd errno=ENOENT
e chroot-dot errno=EPERM
e dotdot-escape stays-at-root
e host-state-dir errno=ENOENT

# A2: the mount family, old and new API, file handles.
for n in mount-tmpfs mount-proc mount-sysfs mount-bind-root remount-usr-rw \
	remount-root umount-usr umount-proc pivot-root fsopen fspick fsmount \
	open-tree move-mount mount-setattr name-to-handle-at open-by-handle-at; do
	e "$n" errno=EPERM
done
e mnt-root rw,nosuid,nodev
e mnt-usr ro,nosuid,nodev
e mnt-tools ro,nosuid,nodev
e mnt-tmp rw,nosuid,nodev
e mnt-shm rw,nosuid,nodev
e mnt-proc ro,nosuid,nodev
e write-usr errno=EACCES

# B1, B2: uid 1000, mapped to an unprivileged outer id; no way up.
e uid 1000
e euid 1000
e gid 1000
e groups 1000
outer=$(sed -n 's/^uid-map 0 \([0-9]*\) 65536$/\1/p' "$R")
if [ -n "$outer" ] && [ "$outer" -ge 1610612736 ] && [ $(((outer - 1610612736) % 65536)) -eq 0 ]; then
	pass "uid-map: inner 0 is outer $outer, in labrun's id range, not root"
else fail "uid-map: inner 0 maps into labrun's id range (got '$(grep '^uid-map' "$R")')"; fi
grep -q '^uid-map-lines' "$R" && fail "uid_map has a single line" || pass "uid_map has a single line"
e gid-map "0 $outer 65536"
e status-CapPrm 0000000000000000
e status-CapEff 0000000000000000
e status-NoNewPrivs 1
e status-Seccomp 2
e no-new-privs 1
for n in setuid-0 setresuid-0 setgid-0 setgroups-0; do e "$n" errno=EPERM; done
e chmod-suid ok
e chmod-sgid ok
e chown-root errno=EPERM
e setcap-sys-admin errno=EPERM
e suid-copy-ids "uid=1000 euid=1000 suid=1000"
e mnt-home rw,nosuid,nodev

# B3, E1: pid 1 (and the candidate's own parent) cannot be traced, read
# or killed; the probe goes on after trying.
for n in ptrace-attach-1 ptrace-seize-1 ptrace-attach-parent process-vm-readv-1 \
	process-vm-writev-1 process-vm-readv-parent kcmp-1 pidfd-getfd-1 \
	pidfd-send-signal-1 perf-event-open-1 perf-event-open-self \
	kill-1-sigkill kill-1-sigterm tgkill-1; do
	e "$n" errno=EPERM
done
e proc1-mem errno=ENOENT
e proc1-environ errno=ENOENT
e proc1-maps errno=ENOENT
e after-kill-1 still-running

# C1: no new namespace by unshare, clone (also with high flag bits) or
# clone3; no setns.
for ns in newns newuts newipc newuser newpid newnet newcgroup; do
	e "unshare-$ns" errno=EPERM
	e "clone-$ns" errno=EPERM
	e "clone-$ns-high-bits" errno=EPERM
	e "clone3-$ns" errno=ENOSYS
done
e unshare-newtime errno=EPERM
e clone3-plain errno=ENOSYS
e clone-plain ok
e setns-own-net errno=EPERM
e setns-bad-fd errno=EPERM
e proc1-ns-mnt errno=ENOENT

# D1: TIOCSTI and TIOCLINUX on every descriptor and the terminal, with
# the high half of the request set too; ordinary requests still work.
e open-dev-tty ok
for fd in fd0 fd1 fd2 dev-tty; do
	for r in tiocsti tiocsti-high-bits tiocsti-bit32 tioclinux tioclinux-high-bits; do
		e "$r-$fd" errno=EPERM
	done
done
e tiocgwinsz-dev-tty ok

# F1, M1: off the allow-list; io_uring and openat2 with ENOSYS; the i386
# and x32 entry points kill; /proc cannot do a refused call's work.
for n in bpf userfaultfd keyctl add-key request-key modify-ldt socket-netlink \
	socket-netlink-high-bits socket-packet socket-vsock socket-alg \
	socketpair-netlink init-module kexec-load reboot; do
	e "$n" errno=EPERM
done
for n in io-uring-setup io-uring-enter io-uring-register openat2; do e "$n" errno=ENOSYS; done
# int 0x80: the filter kills the i386 entry point (SIGSYS), unless the
# kernel has no 32-bit entry point at all (IA32 emulation off, as on some
# hosts of this kind), where the instruction itself faults (SIGSEGV):
# refused either way, and never a pid.
if grep -qx 'int80-getpid signal=SIGSEGV' "$R"; then
	pass "int80-getpid: signal=SIGSEGV (this kernel has no i386 entry point: nothing to filter)"
else
	e int80-getpid signal=SIGSYS
fi
e x32-getpid signal=SIGSYS
e x32-mount signal=SIGSYS
for n in write-proc-uid-map write-proc-setgroups write-proc-ns-last-pid write-proc-self-mem; do
	e "$n" errno=EROFS
done

# N1: the clock, the host name, a host process.
for n in settimeofday clock-settime adjtimex clock-adjtime sethostname setdomainname; do
	e "$n" errno=EPERM
done
e kill-host-pid-0 errno=ESRCH
e kill-host-pid errno=ESRCH
kill -0 "$victim" 2>/dev/null && pass "the host process named to the candidate still runs" ||
	fail "the host process named to the candidate still runs"
kill "$victim" 2>/dev/null
wait "$victim" 2>/dev/null

grep -qx end "$R" && pass "the probe ran to its end" || fail "the probe ran to its end"
e probe-exit 0
e session-goes-on yes
session_ends_clean "$T/escape.ev" "escape attempts"
done_testing
