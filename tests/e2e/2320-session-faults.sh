#!/bin/bash
# Network, disk, clock and freeze faults: a refused and a dropped loopback
# port, a directory with 8 KiB of room left and one with 3 inodes left,
# the services' clock an hour ahead, a service frozen so that the
# candidate's SIGCONT cannot wake it; each seen from inside the sandbox and
# recorded; bad plans refused with their JSON path.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/scn
make_scenario "$S"
mkdir -p "$S/system/srv/agent" "$S/system/var/log/agent" "$S/system/var/spool/agent"
echo old >"$S/system/var/log/agent/old.log"
echo one >"$S/system/var/spool/agent/one"
cat >"$S/system/srv/agent/serve.py" <<'PY'
import socket, sys, threading, time
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(8)
    while True:
        c, _ = s.accept(); c.sendall(b"hello\n"); c.close()
for p in (8080, 8081, 8082):
    threading.Thread(target=serve, args=(p,), daemon=True).start()
open("/var/lib/agent-clock", "w").write("%d\n" % time.time())
while True:
    time.sleep(60)
PY
cat >"$S/system/srv/agent/tick.sh" <<'SH'
#!/bin/bash
while :; do date +%s%N >/var/lib/ticker/last; sleep 0.1; done
SH
mkdir -p "$S/system/var/lib/ticker" "$S/system/var/lib/beat"
cat >"$S/system/srv/agent/beat.sh" <<'SH'
#!/bin/bash
while :; do date +%s%N >/var/lib/beat/last; sleep 0.1; done
SH
python3 - "$S/scenario.json" <<'PY'
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j["services"] = [
    {"name": "agentd", "argv": ["/usr/bin/python3", "/srv/agent/serve.py"], "owns": ["/var/lib"]},
    {"name": "ticker", "argv": ["/bin/bash", "/srv/agent/tick.sh"], "owns": ["/var/lib/ticker"]},
    {"name": "beat", "argv": ["/bin/bash", "/srv/agent/beat.sh"], "owns": ["/var/lib/beat"]},
]
j["faults"] = [
    {"id": "refuse", "kind": "net.refuse", "port": 8080},
    {"id": "drop", "kind": "net.drop", "port": 8081},
    {"id": "log-full", "kind": "disk.full", "path": "/var/log/agent", "free_kb": 8},
    {"id": "spool-inodes", "kind": "disk.inodes", "path": "/var/spool/agent", "free_inodes": 3},
    {"id": "clock", "kind": "clock.offset", "offset_s": 3600, "target": "agentd"},
    {"id": "freeze", "kind": "process.freeze", "service": "ticker", "at_s": 1},
    {"id": "on-file", "kind": "process.kill", "service": "beat", "signal": "SIGKILL", "when_file": "/tmp/go"},
]
j["candidate_owns"] = ["/etc/app", "/var/log/agent", "/var/spool/agent"]
json.dump(j, open(p, "w"), indent=1)
PY
expect_exit 0 "validate accepts network, disk, clock and freeze faults" "$LABRUN" validate "$S"
cat >"$T/look.sh" <<'SH'
#!/bin/bash
sleep 0.5
probe() {
	python3 - "$1" <<'PY'
import errno, socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); print("port %s open" % sys.argv[1])
except socket.timeout:
    print("port %s timeout" % sys.argv[1])
except OSError as e:
    print("port %s %s" % (sys.argv[1], errno.errorcode.get(e.errno, e.errno)))
PY
}
{
	probe 8080; probe 8081; probe 8082
	cat /var/log/agent/old.log
	head -c 8192 /dev/zero >/var/log/agent/fill 2>/dev/null && echo "8 KiB fit" || echo "8 KiB did not fit"
	head -c 8192 /dev/zero >/var/log/agent/more 2>/dev/null && echo "more fit" || echo "more: no space"
	cat /var/spool/agent/one
	for i in 1 2 3 4; do touch /var/spool/agent/f$i 2>/dev/null && echo "inode $i ok" || echo "inode $i: none left"; done
	now=$(date +%s); svc=$(cat /var/lib/agent-clock)
	echo "clock ahead $(( (svc - now + 1800) / 3600 )) h"
	sleep 1.5
	a=$(cat /var/lib/ticker/last); pkill -CONT -f tick.sh 2>/dev/null; kill -CONT -1 2>/dev/null; sleep 0.5; b=$(cat /var/lib/ticker/last)
	[ "$a" = "$b" ] && echo "ticker frozen" || echo "ticker runs"
	a=$(cat /var/lib/beat/last); sleep 0.4; b=$(cat /var/lib/beat/last)
	[ "$a" != "$b" ] && echo "beat runs before /tmp/go" || echo "beat stopped early"
	touch /tmp/go; sleep 0.5
	a=$(cat /var/lib/beat/last); sleep 0.4; b=$(cat /var/lib/beat/last)
	[ "$a" = "$b" ] && echo "beat killed once /tmp/go appeared" || echo "beat still runs"
} > ~/answers/seen.txt 2>&1
SH
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate f --script "$T/look.sh" -o "$T/s.ev"
[ "$rc" -eq 1 ] && pass "the session ran" || fail "the session ran (exit $rc)"
member "$T/s.ev" answers/seen.txt >"$T/seen.txt"
member "$T/s.ev" manifest.json >"$T/m.json"
sed 's/^/# seen: /' "$T/seen.txt"
has() { grep -qx "$1" "$T/seen.txt" && pass "$2" || fail "$2 (want '$1')"; }
has "port 8080 ECONNREFUSED" "net.refuse: a connect to the port is refused"
has "port 8081 timeout" "net.drop: a connect to the port times out"
has "port 8082 open" "other ports work"
has "old" "disk.full: the directory keeps its files"
has "8 KiB fit" "disk.full: the room left is there"
has "more: no space" "disk.full: then a write gets ENOSPC"
has "one" "disk.inodes: the directory keeps its files"
has "inode 3 ok" "disk.inodes: the inodes left are there"
has "inode 4: none left" "disk.inodes: then a new file gets ENOSPC"
has "clock ahead 1 h" "clock.offset: the service's clock runs an hour ahead"
has "ticker frozen" "process.freeze: the service stays frozen through the candidate's SIGCONT"
has "beat runs before /tmp/go" "a condition: nothing happens before the file appears"
has "beat killed once /tmp/go appeared" "a condition: the fault fires once the file appears"
grep -q '"when": "when /tmp/go exists"' "$T/m.json" && pass "the record names the condition" ||
	fail "the record names the condition"
for id in refuse drop log-full spool-inodes clock freeze on-file; do
	grep -A7 "\"id\": \"$id\"" "$T/m.json" | grep -q '"triggered": 1' &&
		pass "the manifest records $id" || fail "the manifest records $id"
done
grep -q '"detail": "tmpfs of [0-9]* KiB, [0-9]* KiB in use at the start; 0 KiB free at the end"' "$T/m.json" &&
	pass "the disk fault's record says it filled up" || fail "the disk fault's record says it filled up"
grep -q 'processes frozen at [0-9]* ms by \(cgroup\|SIGSTOP\)' "$T/m.json" &&
	pass "the freeze's record says how" || fail "the freeze's record says how"
sed -n '/"freeze"/,/}/p' "$T/m.json" | sed 's/^/# /' | head -3
grep '"detail"' "$T/m.json" | sed 's/^/# /'

bad_fault "$S" '{"id":"a","kind":"net.refuse"}' '\$.faults\[0\].port: missing' "a network fault without a port"
bad_fault "$S" '{"id":"a","kind":"net.drop","port":70000}' '\$.faults\[0\].port: must be an integer from 1 to 65535' "a port out of range"
bad_fault "$S" '{"id":"a","kind":"disk.full","path":"/var/nothere"}' '\$.faults\[0\].path: "/var/nothere" is not a directory under system/' "a disk fault on a missing directory"
bad_fault "$S" '{"id":"a","kind":"disk.inodes","path":"/var/spool/agent","free_inodes":-1}' '\$.faults\[0\].free_inodes' "a negative room"
bad_fault "$S" '{"id":"a","kind":"clock.offset"}' '\$.faults\[0\].offset_s: missing' "a clock fault without an offset"
bad_fault "$S" '{"id":"a","kind":"clock.offset","offset_s":60,"rate":0}' '\$.faults\[0\].rate' "a stopped clock"
bad_fault "$S" '{"id":"a","kind":"process.freeze","service":"nobody"}' '\$.faults\[0\].service: "nobody" is not one of' "a freeze of an unknown service"
bad_fault "$S" '{"id":"a","kind":"process.kill","service":"beat","signal":"SIGKILL","when_file":"tmp/go"}' '\$.faults\[0\].when_file: "tmp/go" is not an absolute path' "a relative condition path"
[ -z "$(leftovers)" ] && pass "nothing of the session remains" || fail "nothing of the session remains"
done_testing
