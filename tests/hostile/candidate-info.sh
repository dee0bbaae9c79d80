#!/bin/bash
# Hostile candidates, information and network (HOSTILE.md G1-G4, H1, I1,
# and P2's "not in the sandbox"): the probe tests/probes/info.c, run as
# the candidate inside real sessions, looks for the grader, answer keys,
# solutions, hints, the issuer key, the recording, the runner's
# environment, kernel information, another session, the network and the
# host's services, and reports the exact outcome of every attempt.
. "$(dirname "$0")/../lib.sh"

[ -x "$BUILD/tests/probes/info" ] || { fail "probe not built (make probes)"; done_testing; exit 1; }
command -v python3 >/dev/null || { fail "python3 is needed for the host's listener"; done_testing; exit 1; }
make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
probe_scenario "$S" info
tag=$$$RANDOM
# What must stay outside: markers in the grader, the answer keys, the
# solutions and the hints; a control marker and a control name that the
# search must find (it can see).
printf -- '-- g1-grader-marker-%s\n' "$tag" >>"$S/grader/grade.lua"
printf '{"cause": "typo", "marker": "g1-keys-marker-%s"}\n' "$tag" >"$S/grader/keys.json"
printf '# g1-solution-marker-%s\n' "$tag" >>"$S/solutions/reference.sh"
printf '\ng1-hints-marker-%s\n' "$tag" >>"$S/hints.md"
printf 'g1-control-marker-%s\n' "$tag" >"$S/system/etc/app/notes.txt"
echo control >"$S/system/etc/app/labrun-g1-control"
# The issuer key: the first 20 characters of the public key line, 24 of
# the secret key line past its fixed header, and 16 raw bytes of the
# secret key itself.
pub=$(sed -n 2p "$T/issuer.pub")
sec=$(sed -n 2p "$T/issuer.key")
raw=$(printf '%s' "$sec" | base64 -d | tail -c +63 | head -c 16 | od -An -tx1 | tr -d ' \n')
[ ${#pub} -gt 20 ] && [ ${#raw} -eq 32 ] && pass "the issuer key's strings to look for" ||
	fail "the issuer key's strings to look for"
halves() { printf '%s %s' "${1:0:$((${#1} / 2))}" "${1:$((${#1} / 2))}"; }

# The host's services: a TCP listener on the host's loopback and an
# abstract unix socket in the host's network namespace.
abstract=labrun-host-$tag
python3 - "$abstract" >"$T/listener.port" 2>/dev/null <<'PY' &
import socket, sys, time
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(4)
u = socket.socket(socket.AF_UNIX); u.bind("\0" + sys.argv[1]); u.listen(4)
print(t.getsockname()[1], flush=True)
time.sleep(90)
PY
listener=$!
trap 'kill "$listener" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$T/listener.port" ] && break; sleep 0.1; done
port=$(cat "$T/listener.port")
[ -n "$port" ] && grep -q "@$abstract" /proc/net/unix && pass "the host's listeners are up (port $port, @$abstract)" ||
	fail "the host's listeners are up"
host_ip=$(hostname -I 2>/dev/null | awk '{print $1}')
nameserver=$(awk '$1 == "nameserver" {print $2; exit}' /etc/resolv.conf 2>/dev/null)

cat >"$T/info.sh" <<SH
#!/bin/bash
/opt/probe/info all '$host_ip' '$nameserver' $port $abstract > ~/answers/info.txt 2>&1
/opt/probe/info search $(halves "${pub:0:20}") $(halves "${sec:76:24}") $(halves "hex:$raw") \
	$(halves "g1-keys-marker-$tag") $(halves "g1-grader-marker-$tag") \
	$(halves "g1-solution-marker-$tag") $(halves "g1-hints-marker-$tag") \
	$(halves "g1-control-marker-$tag") > ~/answers/search.txt 2>&1
SH
if grep -qF -e "${pub:0:20}" -e "${sec:76:24}" -e "$raw" -e "marker-$tag" "$T/info.sh"; then
	fail "the candidate's script does not hold the strings it looks for"
else pass "the candidate's script does not hold the strings it looks for"; fi
session "$S" "$T/info.sh" "$T/info.ev"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
[ "$rc" -eq 1 ] && pass "the session ran and was graded (fail, exit 1)" || fail "the session ran and was graded (exit $rc)"
R=$T/info.txt
report_of "$T/info.ev" info.txt "$R"
e() { expect_line "$R" "$1" "$2"; }

# G2: a cleared environment (bash adds PWD, SHLVL and _), no inherited
# descriptor, pid 1's environment unreadable.
e env-names HOME,LANG,LOGNAME,PATH,PWD,SHELL,SHLVL,TERM,TZ,USER,_
e env-path /opt/labrun/bin:/usr/local/bin:/usr/bin:/bin
e fds 0,1,2
e proc1-environ errno=ENOENT
e proc1-fd errno=ENOENT
# G3 (start): a private, empty /dev/shm.
e shm-entries 0
# G4: no kernel addresses, no kernel log, no /sys.
e kallsyms-lines some
e kallsyms-nonzero-addresses 0
grep -q '^modules-nonzero-addresses ' "$R" && e modules-nonzero-addresses 0
e syslog-read-all errno=EPERM
e syslog-size-buffer errno=EPERM
e syslog-console-off errno=EPERM
e proc-kmsg errno=EACCES
e proc-kcore errno=ENOENT
e dev-kmsg errno=ENOENT
e dev-mem errno=ENOENT
e sys errno=ENOENT
e sys-kernel errno=ENOENT
# H1: nothing out, no DNS, no host service, only loopback (which works).
e connect-1.1.1.1-53 errno=ENETUNREACH
e connect-udp-1.1.1.1-53 errno=ENETUNREACH
e sendto-dns-1.1.1.1 errno=ENETUNREACH
e sendto-dns-8.8.8.8 errno=ENETUNREACH
e connect6-outside errno=ENETUNREACH
[ -n "$host_ip" ] && e connect-host-ip errno=ENETUNREACH
[ -n "$nameserver" ] && e sendto-host-nameserver errno=ENETUNREACH
e connect-host-port-on-loopback errno=ECONNREFUSED
e connect-host-abstract errno=ECONNREFUSED
e getaddrinfo-example.com EAI_NONAME
e getaddrinfo-deb.debian.org EAI_NONAME
e interfaces lo
e loopback-connect ok
# I1: /proc is read-only, /sys absent.  This kernel may lack
# CONFIG_MAGIC_SYSRQ: then /proc/sysrq-trigger exists nowhere, inside
# included, and the open fails before the mount's read-only flag matters.
e write-proc-hostname errno=EROFS
e write-core-pattern errno=EROFS
if [ -e /proc/sysrq-trigger ]; then e write-sysrq-trigger errno=EROFS; else
	e write-sysrq-trigger errno=ENOENT; fi
e write-drop-caches errno=EROFS
if [ -e /proc/sys/kernel/modprobe ]; then e write-modprobe errno=EROFS; else
	e write-modprobe errno=ENOENT; fi
e write-sys-uevent-helper errno=ENOENT
e write-proc-self-oom-adj errno=EROFS
grep -qx end "$R" && pass "the info probe ran to its end" || fail "the info probe ran to its end"

# G1, P2: no grader, keys, solutions, hints, issuer key, recording or
# command log anywhere in the sandbox, by name (everywhere but /proc) or
# by content (everywhere but /proc and /usr: the host's own /usr, bound
# read-only as it is, gigabytes, with nothing of labrun's in it); the
# search does find the control name and the control marker.
R=$T/search.txt
report_of "$T/info.ev" search.txt "$R"
e search-needles 8
e search-done many
e found-name /etc/app/labrun-g1-control
e found-content "/etc/app/notes.txt needle=8"
others=$(grep -E '^found-' "$R" | grep -vxF -e 'found-name /etc/app/labrun-g1-control' \
	-e 'found-content /etc/app/notes.txt needle=8')
[ -z "$others" ] && pass "no secret, grader, solution, hint, recording or command log is in the sandbox" || {
	fail "no secret, grader, solution, hint, recording or command log is in the sandbox"
	printf '%s\n' "$others" | sed 's/^/#   /'
}
# Unsearched: only /root (the skeleton's, empty, not the candidate's to
# read) and parts of the host's own /usr, which labrun binds as it is.
unread=$(sed -n 's/^search-unreadable \([^ ]*\) .*/\1/p' "$R" | grep -vx '/root' | grep -v '^/usr/')
[ -z "$unread" ] && pass "the search read everything outside /proc, /usr and /root" ||
	{ fail "the search read everything outside /proc, /usr and /root"; printf '%s\n' "$unread" | sed 's/^/#   /'; }
session_ends_clean "$T/info.ev" "information and network"

# G3: two sessions at once.  The first binds @NAME, leaves a file in
# /dev/shm and waits; the host sees its socket in the first session's
# network namespace (and not in its own); the second session finds
# neither, nor the first's processes, and may bind the same name itself.
name=labrun-g3-$tag
printf '#!/bin/bash\n/opt/probe/info g3-hold %s > ~/answers/g3.txt 2>&1\n' "$name" >"$T/g3a.sh"
printf '#!/bin/bash\n/opt/probe/info g3-peek %s > ~/answers/g3.txt 2>&1\n' "$name" >"$T/g3b.sh"
timeout -k 5 120 "$LABRUN" run "$S" --key "$T/issuer.key" --candidate alice \
	--script "$T/g3a.sh" -o "$T/g3a.ev" >"$T/g3a.out" 2>&1 &
first=$!
holder=
for _ in $(seq 100); do
	for p in $(ps -eo pid=,uid=,comm= | awk '$2 >= 1610612736 && $3 == "info" {print $1}'); do
		grep -q "@$name" "/proc/$p/net/unix" 2>/dev/null && holder=$p
	done
	[ -n "$holder" ] && break
	sleep 0.1
done
[ -n "$holder" ] && pass "the first session's socket is bound, in its own network namespace" ||
	fail "the first session's socket is bound"
grep -q "@$name" /proc/net/unix && fail "the first session's socket is not in the host's namespace" ||
	pass "the first session's socket is not in the host's namespace"
session "$S" "$T/g3b.sh" "$T/g3b.ev"
[ -n "$holder" ] && kill -USR1 "$holder" 2>/dev/null
wait "$first"
first_rc=$?
[ "$first_rc" -eq 1 ] && pass "the first session ended with a verdict" || fail "the first session ended with a verdict (exit $first_rc)"
[ "$rc" -eq 1 ] && pass "the second session ended with a verdict" || fail "the second session ended with a verdict (exit $rc)"
R=$T/g3a.txt
report_of "$T/g3a.ev" g3.txt "$R"
e shm-entries 0
e g3-shm-create ok
e g3-bind ok
e g3-listen ok
e g3-accepted "none (woken)"
R=$T/g3b.txt
report_of "$T/g3b.ev" g3.txt "$R"
e shm-entries 0
e g3-shm-marker errno=ENOENT
e g3-connect errno=ECONNREFUSED
e g3-bind-same-name ok
e g3-foreign-processes 0
# pid 1 (another id) is hidden: the shell and the probe remain.
e g3-visible-processes 2
session_ends_clean "$T/g3a.ev" "the first of two sessions"
session_ends_clean "$T/g3b.ev" "the second of two sessions"
done_testing
