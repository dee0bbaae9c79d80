#!/bin/bash
# Hostile candidates, exhaustion and leftovers (HOSTILE.md J1-J7, K1): the
# probe tests/probes/exhaust.c, run as the candidate inside real sessions,
# forks, allocates, fills, opens, burns and floods until stopped, and
# leaves daemons behind; each attempt gets the exact failure the limits
# guarantee, the session goes on (or ends with its reason recorded), the
# evidence verifies and stays bounded, and nothing remains on the host.
# The tests assert the failure a candidate meets (and what the evidence
# records), not the mechanism behind it (docs/limits.md).
. "$(dirname "$0")/../lib.sh"

[ -x "$BUILD/tests/probes/exhaust" ] || { fail "probe not built (make probes)"; done_testing; exit 1; }
make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
probe_scenario "$S" exhaust
scenario_set "$S" limits '{"processes": 64, "memory_mb": 128, "disk_mb": 8, "open_files": 64}'
P=/opt/probe/exhaust

# J1, J2, J3, J4, J7 in one session, each attempt bounded and undone, the
# session going on after each.
cat >"$T/exhaust.sh" <<SH
#!/bin/bash
A=~/answers
$P forkbomb > \$A/j1.txt 2>&1
$P membomb 2048 > \$A/j2.txt 2>&1
$P ipc > \$A/j3.txt 2>&1
$P statfs /home/candidate > \$A/j4.txt 2>&1
$P fill /home/candidate/fill >> \$A/j4.txt 2>&1
$P inodes /home/candidate/many >> \$A/j4.txt 2>&1
$P filldir /tmp > \$A/j4-tmp.txt 2>&1
$P filldir /dev/shm > \$A/j4-shm.txt 2>&1
$P inodes /tmp/many > \$A/j4-tmp-inodes.txt 2>&1
$P inodes /dev/shm/many > \$A/j4-shm-inodes.txt 2>&1
$P fds > \$A/j7.txt 2>&1
echo "session-goes-on yes" > \$A/after.txt
SH
ipcs -a >"$T/ipcs.before" 2>&1
session "$S" "$T/exhaust.sh" "$T/exhaust.ev"
ipcs -a >"$T/ipcs.after" 2>&1
[ "$rc" -eq 1 ] && pass "the session ran and was graded (fail, exit 1)" || fail "the session ran and was graded (exit $rc)"
[ "$(manifest_value "$T/exhaust.ev" ended_by)" = exit ] && pass "the session ended by itself" ||
	fail "the session ended by itself (ended_by $(manifest_value "$T/exhaust.ev" ended_by))"

# J1: fork fails with EAGAIN at the processes limit (64, of which the
# script's shell and the probe take two); fork works again afterwards.
R=$T/j1.txt
report_of "$T/exhaust.ev" j1.txt "$R"
expect_line "$R" fork-bomb errno=EAGAIN
n=$(sed -n 's/^fork-bomb-children //p' "$R")
[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -le 62 ] && pass "fork-bomb: $n children, within the limit of 64" ||
	fail "fork-bomb: children within the limit of 64 (got '$n')"
expect_line "$R" fork-after-cleanup ok

# J2: allocation fails with ENOMEM below the memory limit (128 MiB).
R=$T/j2.txt
report_of "$T/exhaust.ev" j2.txt "$R"
expect_line "$R" mem-bomb errno=ENOMEM
n=$(sed -n 's/^mem-bomb-mib //p' "$R")
[ -n "$n" ] && [ "$n" -lt 128 ] && pass "mem-bomb: $n MiB touched, under the limit of 128" ||
	fail "mem-bomb: under the limit of 128 MiB (got '$n')"
expect_line "$R" mem-after-free ok

# J3: SysV segments, queues and semaphores and a POSIX queue made in the
# session (and left there) do not exist on the host afterwards.
R=$T/j3.txt
report_of "$T/exhaust.ev" j3.txt "$R"
for n in shmget shmget-private msgget semget mq-open; do expect_line "$R" "$n" ok; done
cmp -s "$T/ipcs.before" "$T/ipcs.after" && pass "the host's SysV IPC objects are as before the session" ||
	{ fail "the host's SysV IPC objects are as before the session"; diff "$T/ipcs.before" "$T/ipcs.after" | sed 's/^/#   /'; }
grep -qiE '0x4c41422[123]' "$T/ipcs.after" && fail "no SysV object with the session's keys on the host" ||
	pass "no SysV object with the session's keys on the host"
# The host's POSIX queues, seen through an mqueue mount of the host's ipc
# namespace in a private mount namespace.
mq=$(unshare -m -- sh -c 'd=$(mktemp -d) && mount -t mqueue mqueue "$d" && ls -A "$d"; umount "$d" 2>/dev/null; rmdir "$d"' 2>&1)
case $mq in
*labrun-j3*) fail "no POSIX queue of the session's on the host" ;;
*mount*|*unshare*) fail "no POSIX queue of the session's on the host (cannot look: $mq)" ;;
*) pass "no POSIX queue of the session's on the host" ;;
esac

# J4: the writable layer (8 MiB, 2048 inodes) fills up with ENOSPC, by
# bytes and by inodes, and works again once freed; /tmp and /dev/shm
# stop at their size too.
R=$T/j4.txt
report_of "$T/exhaust.ev" j4.txt "$R"
expect_line "$R" statfs "/home/candidate size-mib=8 inodes=2048"
expect_line "$R" fill errno=ENOSPC
n=$(sed -n 's/^fill-mib //p' "$R")
[ -n "$n" ] && [ "$n" -le 8 ] && pass "fill: $n MiB, within the 8 MiB layer" || fail "fill: within the 8 MiB layer (got '$n')"
expect_line "$R" fill-unlink ok
expect_line "$R" write-after-unlink ok
expect_line "$R" inodes errno=ENOSPC
n=$(sed -n 's/^inodes-created //p' "$R")
[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -le 2048 ] && pass "inodes: $n files, within the 2048 inodes" ||
	fail "inodes: within the 2048 inodes (got '$n')"
expect_line "$R" create-after-cleanup ok
expect_line "$R" inodes-rmdir ok
for where in tmp shm; do
	R=$T/j4-$where.txt
	report_of "$T/exhaust.ev" "j4-$where.txt" "$R"
	expect_line "$R" filldir errno=ENOSPC
	n=$(sed -n 's/^filldir-mib //p' "$R")
	[ -n "$n" ] && [ "$n" -le 64 ] && pass "filldir $where: $n MiB, within 64 MiB" ||
		fail "filldir $where: within 64 MiB (got '$n')"
	# Inodes too: 64 MiB x 256 inodes per MiB.
	R=$T/j4-$where-inodes.txt
	report_of "$T/exhaust.ev" "j4-$where-inodes.txt" "$R"
	expect_line "$R" inodes errno=ENOSPC
	n=$(sed -n 's/^inodes-created //p' "$R")
	[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -le 16384 ] && pass "inodes $where: $n files, within 16384 inodes" ||
		fail "inodes $where: within 16384 inodes (got '$n')"
done

# J7: descriptors stop at RLIMIT_NOFILE with EMFILE; no locked memory;
# no core dumps; none of the three limits can be raised.
R=$T/j7.txt
report_of "$T/exhaust.ev" j7.txt "$R"
expect_line "$R" rlimit-nofile "64 64"
expect_line "$R" raise-nofile errno=EPERM
expect_line "$R" nofile errno=EMFILE
expect_line "$R" nofile-opened 61
expect_line "$R" rlimit-memlock "0 0"
expect_line "$R" raise-memlock errno=EPERM
for n in mlock mlock2 mlockall mmap-locked; do expect_line "$R" "$n" errno=EPERM; done
expect_line "$R" rlimit-core "0 0"
expect_line "$R" raise-core errno=EPERM
expect_line "$R" segv-child signal=SIGSEGV
expect_line "$R" core-files 0
[ "$(member "$T/exhaust.ev" answers/after.txt)" = "session-goes-on yes" ] &&
	pass "the session went on after every attempt" || fail "the session went on after every attempt"
session_ends_clean "$T/exhaust.ev" "exhaustion"

# J2, the session as a whole: five processes of 96 MiB each, every one
# within its own address-space limit, are more than the session may hold
# (128 MiB plus what its tmpfs layers may take): the kernel kills some,
# the session goes on, and the manifest records it.
S1=$T/split
probe_scenario "$S1" exhaust
scenario_set "$S1" limits '{"memory_mb": 128}'
printf '#!/bin/bash
%s memsplit 5 96 > ~/answers/split.txt 2>&1
echo "session-goes-on yes" >> ~/answers/split.txt
' "$P" >"$T/split.sh"
session "$S1" "$T/split.sh" "$T/split.ev"
[ "$rc" -eq 1 ] && pass "memory: the session ended with a verdict" || fail "memory: the session ended with a verdict (exit $rc)"
[ "$(manifest_value "$T/split.ev" ended_by)" = exit ] && pass "memory: the session ended by itself" ||
	fail "memory: the session ended by itself (ended_by $(manifest_value "$T/split.ev" ended_by))"
R=$T/split.txt
report_of "$T/split.ev" split.txt "$R"
expect_line "$R" memsplit-killed some
expect_line "$R" memsplit-all-accounted yes
expect_line "$R" mem-after-split ok
expect_line "$R" session-goes-on yes
n=$(member "$T/split.ev" manifest.json | grep -B1 '"event": "processes killed for memory"' | sed -n 's/^ *"count": \([0-9]*\),$/\1/p')
[ -n "$n" ] && [ "$n" -ge 1 ] && pass "memory: limit_events records $n processes killed for memory" ||
	fail "memory: limit_events records the processes killed for memory"
session_ends_clean "$T/split.ev" "session memory"

# J5: a CPU burner is stopped by the CPU limit ...
S2=$T/cpu
probe_scenario "$S2" exhaust
scenario_set "$S2" limits '{"cpu_s": 1}'
printf '#!/bin/bash\n%s cpu > ~/answers/cpu.txt 2>&1\n' "$P" >"$T/cpu.sh"
session "$S2" "$T/cpu.sh" "$T/cpu.ev"
[ "$rc" -eq 1 ] && pass "cpu: the session ended with a verdict" || fail "cpu: the session ended with a verdict (exit $rc)"
R=$T/cpu.txt
report_of "$T/cpu.ev" cpu.txt "$R"
expect_line "$R" rlimit-cpu "1 1"
expect_line "$R" cpu-burn signal=SIGKILL
session_ends_clean "$T/cpu.ev" "cpu limit"
member "$T/cpu.ev" manifest.json | python3 -c 'import json,sys; ev={e["limit"]: e for e in json.load(sys.stdin)["limit_events"]}; sys.exit(not ev.get("cpu_s", {}).get("count", 0) >= 1)' &&
	pass "cpu: limit_events records the process killed at its CPU time" ||
	fail "cpu: limit_events records the process killed at its CPU time"

# ... and the wall clock ends a session that burns and sleeps forever.
S3=$T/clock
probe_scenario "$S3" exhaust
scenario_set "$S3" time_limit_s 10
printf '#!/bin/bash\nsleep infinity &\necho started > ~/answers/j5.txt\n%s burn\n' "$P" >"$T/burn.sh"
session "$S3" "$T/burn.sh" "$T/burn.ev"
[ "$rc" -eq 1 ] && pass "timeout: the session ended with a verdict (fail)" || fail "timeout: the session ended with a verdict (exit $rc)"
[ "$(manifest_value "$T/burn.ev" ended_by)" = timeout ] && pass "timeout: session.ended_by is timeout" ||
	fail "timeout: session.ended_by is timeout (got '$(manifest_value "$T/burn.ev" ended_by)')"
[ "$(member "$T/burn.ev" answers/j5.txt)" = started ] && pass "timeout: the answers are still collected" ||
	fail "timeout: the answers are still collected"
session_ends_clean "$T/burn.ev" "timeout"

# J6: an output flood ends at the recording cap, said so in the manifest
# and at the end of the recording; an argv flood is cut and marked.
S4=$T/flood
probe_scenario "$S4"
cat >"$T/flood.sh" <<'SH'
#!/bin/bash
echo started > ~/answers/j6.txt
args=()
for i in $(seq 400); do args+=("$(printf 'a%.0s' $(seq 100))$i"); done
/bin/true "${args[@]}"
yes
echo "not reached" >> ~/answers/j6.txt
SH
session "$S4" "$T/flood.sh" "$T/flood.ev"
[ "$rc" -eq 1 ] && pass "flood: the session ended with a verdict (fail)" || fail "flood: the session ended with a verdict (exit $rc)"
[ "$(manifest_value "$T/flood.ev" ended_by)" = output-cap ] && pass "flood: session.ended_by is output-cap" ||
	fail "flood: session.ended_by is output-cap (got '$(manifest_value "$T/flood.ev" ended_by)')"
[ "$(manifest_value "$T/flood.ev" capped)" = true ] && pass "flood: recording.capped is true" ||
	fail "flood: recording.capped is true"
member "$T/flood.ev" session.cast | tail -1 | grep -qF '[labrun: recording stopped: output cap of 8388608 bytes reached]' &&
	pass "flood: the recording ends with the cap marker" || fail "flood: the recording ends with the cap marker"
member "$T/flood.ev" commands.jsonl | grep '"path":"/bin/true"' | grep -q '"argv_truncated":true' &&
	pass "flood: a 40 kB argv is cut and marked argv_truncated" || fail "flood: a 40 kB argv is cut and marked argv_truncated"
[ "$(member "$T/flood.ev" answers/j6.txt)" = started ] && pass "flood: the answers are collected" ||
	fail "flood: the answers are collected"
size=$(stat -c %s "$T/flood.ev")
# The recording is bounded by 4 bytes of events per byte of output plus
# 64 KiB (base/limits.h); the rest of the evidence is a few KiB here.
[ "$size" -le $((4 * 8388608 + 65536 + 1048576)) ] && pass "flood: the evidence stays bounded ($size bytes)" ||
	fail "flood: the evidence stays bounded ($size bytes)"
session_ends_clean "$T/flood.ev" "output flood"

# K1: a double-forked daemon deaf to signals, a stopped process, a zombie
# with a parent that never reaps it, a sleeper: the session still ends
# when the candidate's shell does, and none of them outlives it.
S5=$T/leave
probe_scenario "$S5" exhaust
printf '#!/bin/bash\n%s leave > ~/answers/k1.txt 2>&1\nsleep infinity &\necho "script-done yes" >> ~/answers/k1.txt\n' "$P" >"$T/leave.sh"
session "$S5" "$T/leave.sh" "$T/leave.ev"
[ "$rc" -eq 1 ] && pass "leftovers: the session ended with a verdict" || fail "leftovers: the session ended with a verdict (exit $rc)"
[ "$(manifest_value "$T/leave.ev" ended_by)" = exit ] && pass "leftovers: the session ended when the shell did" ||
	fail "leftovers: the session ended when the shell did (ended_by $(manifest_value "$T/leave.ev" ended_by))"
R=$T/k1.txt
report_of "$T/leave.ev" k1.txt "$R"
expect_line "$R" stopped-state T
expect_line "$R" daemon-state S
expect_line "$R" daemon-session-leader yes
expect_line "$R" zombie-state Z
expect_line "$R" zombie-parent-state S
expect_line "$R" script-done yes
session_ends_clean "$T/leave.ev" "daemons, stopped processes and zombies"

# A full disk is a limit event in the evidence: the writable layer and
# /tmp filled and left full for a second or more (sampled each second).
cat >"$T/full.sh" <<'SH'
#!/bin/bash
head -c 20M /dev/zero > ~/big 2>/dev/null
for i in $(seq 10); do head -c 7M /dev/zero > /tmp/big$i 2>/dev/null || break; done
sleep 1.5
SH
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate full --script "$T/full.sh" -o "$T/full.ev"
member "$T/full.ev" manifest.json >"$T/full.json"
python3 - "$T/full.json" <<'PY' && pass "disk_mb and tmp: a full writable layer and /tmp are limit events" ||
import json, sys
ev = {e["limit"]: e for e in json.load(open(sys.argv[1]))["limit_events"]}
assert ev["disk_mb"]["count"] >= 1 and ev["tmp"]["count"] >= 1, ev
PY
	fail "disk_mb and tmp: a full writable layer and /tmp are limit events ($(grep -A3 limit_events "$T/full.json" | tr -d '\n'))"
done_testing
