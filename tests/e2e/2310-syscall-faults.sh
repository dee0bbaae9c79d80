#!/bin/bash
# Syscall faults through seccomp user notification: a service's third open
# of its policy file fails with EIO, the file opened after the 40th span is
# a full device, a corrupted copy is handed back, calls are delayed; paths
# match by inode (relative names and links too); the candidate's own calls
# are untouched unless the plan targets them; every injection is recorded,
# the same for the same seed; bad plans are refused with their JSON path.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/scn
make_scenario "$S"
mkdir -p "$S/system/srv/agent" "$S/system/var/lib/agent" "$S/faults"
printf '{"version": 3, "allow": ["search"]}\n' >"$S/system/var/lib/agent/policy.json"
printf '{"version": 3, "allow": [' >"$S/faults/policy-cut.json"
echo heads >"$S/system/etc/app/coin.txt"
# The service: opens its policy five times, then exports 45 spans, one
# file each, and says what each open and write got.
cat >"$S/system/srv/agent/run.py" <<'PY'
import errno, os, time
out = open("/var/lib/agent/report.txt", "w", buffering=1)
for i in range(1, 6):
    try:
        with open("/var/lib/agent/policy.json") as f:
            out.write("policy %d %s\n" % (i, "cut" if f.read().endswith("[") else "ok"))
    except OSError as e:
        out.write("policy %d %s\n" % (i, errno.errorcode[e.errno]))
os.chdir("/var/lib/agent")
for i in range(1, 46):
    try:
        fd = os.open("span.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(fd, b"span %d\n" % i)
        os.close(fd)
        res = "ok"
    except OSError as e:
        res = errno.errorcode[e.errno]
    if res != "ok" or i in (40, 41):
        out.write("span %d %s\n" % (i, res))
t = time.monotonic()
fd = os.open("span.log", os.O_RDONLY)
os.fsync(fd)
out.write("fsync %s\n" % ("slow" if time.monotonic() - t >= 0.25 else "fast"))
out.write("done\n")
time.sleep(60)
PY
python3 - "$S/scenario.json" <<'PY'
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j["services"] = [{"name": "agentd", "argv": ["/usr/bin/python3", "/srv/agent/run.py"], "owns": ["/var/lib/agent"]}]
j["faults"] = [
    {"id": "policy-eio", "kind": "syscall.errno", "call": "open", "path": "/var/lib/agent/policy.json", "errno": "EIO", "after": 2, "limit": 1},
    {"id": "policy-cut", "kind": "syscall.file", "call": "open", "path": "/var/lib/agent/policy.json", "with": "faults/policy-cut.json", "after": 4},
    {"id": "span-full", "kind": "syscall.file", "call": "open", "path": "/var/lib/agent/span.log", "with": "/dev/full", "after": 40, "limit": 1},
    {"id": "slow-fsync", "kind": "syscall.delay", "call": "fsync", "target": "agentd", "delay_ms": 300},
    {"id": "cand-eio", "kind": "syscall.errno", "call": "open", "path": "/etc/app/config.txt", "errno": "EACCES", "after": 1, "target": "candidate"},
    {"id": "coin", "kind": "syscall.errno", "call": "stat", "path": "/etc/app/coin.txt", "errno": "ENOENT", "probability": 0.5, "target": "candidate"},
]
json.dump(j, open(p, "w"), indent=1)
PY
expect_exit 0 "validate accepts syscall faults" "$LABRUN" validate "$S"
cat >"$T/look.sh" <<'SH'
#!/bin/bash
for i in 1 2 3; do
	for n in $(seq 100); do grep -q done /var/lib/agent/report.txt 2>/dev/null && break; sleep 0.05; done
done
cp /var/lib/agent/report.txt ~/answers/service.txt
{
	cat /etc/app/config.txt >/dev/null 2>&1 && echo "open 1 ok" || echo "open 1 failed"
	cd /etc/app && cat config.txt >/dev/null 2>&1 && echo "open 2 ok" || echo "open 2 failed"
	ln -s /etc/app/config.txt ~/alias && cat ~/alias >/dev/null 2>&1 && echo "open 3 ok" || echo "open 3 failed"
	cat /var/lib/agent/policy.json >/dev/null 2>&1 && echo "policy ok" || echo "policy failed"
	for i in $(seq 40); do stat -c %s /etc/app/coin.txt >/dev/null 2>&1 && echo -n 1 || echo -n 0; done; echo
} > ~/answers/cand.txt
SH
for n in 1 2; do
	run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate f --script "$T/look.sh" -o "$T/s$n.ev"
	[ "$rc" -eq 1 ] && pass "session $n ran" || fail "session $n ran (exit $rc): $(cat "$OUT")"
	member "$T/s$n.ev" answers/service.txt >"$T/svc$n.txt"
	member "$T/s$n.ev" answers/cand.txt >"$T/cand$n.txt"
	member "$T/s$n.ev" manifest.json >"$T/m$n.json"
done
sed 's/^/# service: /' "$T/svc1.txt"
sed 's/^/# candidate: /' "$T/cand1.txt"
svc() { grep -qx "$1" "$T/svc1.txt" && pass "$2" || fail "$2 (want '$1')"; }
svc "policy 1 ok" "the service's first open of its policy works"
svc "policy 2 ok" "and its second"
svc "policy 3 EIO" "its third open fails with EIO (after 2, limit 1)"
svc "policy 4 ok" "the limit holds: the fourth works"
svc "policy 5 cut" "the fifth open hands back the corrupted copy from faults/"
svc "span 40 ok" "the 40th span is written"
svc "span 41 ENOSPC" "the file opened after the 40th span is a full device: ENOSPC"
! grep -q "^span 4[2-5]" "$T/svc1.txt" && pass "the full device is handed back once (limit 1)" ||
	fail "the full device is handed back once (limit 1)"
svc "fsync slow" "fsync by agentd is delayed 300 ms"
cand() { grep -qx "$1" "$T/cand1.txt" && pass "$2" || fail "$2 (want '$1')"; }
cand "open 1 ok" "the candidate's first open works"
cand "open 2 failed" "a relative name of the same file matches (by inode)"
cand "open 3 failed" "a link to it matches too"
cand "policy ok" "a fault on the services leaves the candidate's calls alone"
coins=$(sed -n 5p "$T/cand1.txt")
case $coins in *0*1* | *1*0*) pass "probability 0.5 hits some calls and spares others ($coins)" ;;
*) fail "probability 0.5 hits some calls and spares others ($coins)" ;; esac
grep -A7 '"id": "policy-eio"' "$T/m1.json" | grep -q '"triggered": 1' &&
	pass "the manifest records the EIO once" || fail "the manifest records the EIO once"
grep -q '"detail": "EIO returned to 1 of 5 matching calls"' "$T/m1.json" &&
	pass "with how many matching calls it saw" || fail "with how many matching calls it saw"
grep -q '"detail": "/dev/full handed back for 1 of 46 matching opens"' "$T/m1.json" &&
	pass "the full device is recorded" || fail "the full device is recorded"
grep -q "\"target\": \"open of /var/lib/agent/policy.json by the services\"" "$T/m1.json" &&
	pass "the record names the call, the file and whose calls" || fail "the record names the call, the file and whose calls"
cmp -s "$T/svc1.txt" "$T/svc2.txt" && cmp -s "$T/cand1.txt" "$T/cand2.txt" &&
	pass "the same seed gives the same injections" || fail "the same seed gives the same injections"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["faults"]; b=json.load(open(sys.argv[2]))["faults"]; sys.exit(a != b)' \
	"$T/m1.json" "$T/m2.json" && pass "and identical records" || fail "and identical records"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate f --script "$T/look.sh" --seed 00ff -o "$T/s3.ev"
member "$T/s3.ev" answers/cand.txt >"$T/cand3.txt"
[ "$(sed -n 5p "$T/cand3.txt")" != "$coins" ] && pass "another seed draws other calls" ||
	fail "another seed draws other calls"

# Bad plans: each refused with its JSON path.
bad_fault "$S" '{"id":"a","kind":"syscall.errno","call":"read","errno":"EIO"}' '\$.faults\[0\].call: "read" is never intercepted' "a hot syscall"
bad_fault "$S" '{"id":"a","kind":"syscall.errno","call":"frob","errno":"EIO"}' '\$.faults\[0\].call: "frob" is not a family' "an unknown call"
bad_fault "$S" '{"id":"a","kind":"syscall.errno","call":"open","errno":"EWHAT"}' '\$.faults\[0\].errno: "EWHAT" is not an errno' "an unknown errno name"
bad_fault "$S" '{"id":"a","kind":"syscall.errno","call":"open","path":"etc/x","errno":"EIO"}' '\$.faults\[0\].path: "etc/x" is not an absolute path' "a relative path"
bad_fault "$S" '{"id":"a","kind":"syscall.errno","call":"open","path":"/a/../../x","errno":"EIO"}' '\$.faults\[0\].path' "a path with .."
bad_fault "$S" '{"id":"a","kind":"syscall.errno","call":"open","errno":"EIO","every":0}' '\$.faults\[0\].every: must be an integer from 1' "an impossible schedule (every 0)"
bad_fault "$S" '{"id":"a","kind":"syscall.errno","call":"open","errno":"EIO","probability":0}' '\$.faults\[0\].probability' "a probability of 0"
bad_fault "$S" '{"id":"a","kind":"syscall.file","call":"stat","path":"/x","with":"/dev/full"}' '\$.faults\[0\].call: only an open' "a file handed back for a stat"
bad_fault "$S" '{"id":"a","kind":"syscall.file","call":"open","path":"/x","with":"faults/none"}' '\$.faults\[0\].with: "faults/none" is not a file' "a missing source"
bad_fault "$S" '{"id":"a","kind":"syscall.delay","call":"connect","delay_ms":0}' '\$.faults\[0\].delay_ms' "a zero delay"
bad_fault "$S" '{"id":"a","kind":"syscall.errno","call":"open","errno":"EIO","target":"nobody"}' '\$.faults\[0\].target: "nobody" is not a target' "an unknown target"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
