#!/bin/bash
# The supervisor's service manager and the process faults that use it:
# `lab services` and `lab restart` (restart policies "never", "on-request",
# "always"), a service that crash-loops on restart (process.crashloop), and
# a fault that waits for a service's Nth request (after_requests, counted
# from its accept calls).  docs/sandbox.md "Services", docs/faults.md.
. "$(dirname "$0")/../lib.sh"
make_keys

# 1. Restart policies and a crash loop, with plain shell services.
S=$T/svc
make_scenario "$S"
mkdir -p "$S/system/srv/beat" "$S/system/var/lib/beat"
for n in a b c d; do echo 0 >"$S/system/var/lib/beat/$n"; done
touch "$S/system/etc/app/stale.lock"
cat >"$S/system/srv/beat/run.sh" <<'SH'
#!/bin/bash
# one counter per service; a start is one line in its log
echo "start $$"
n=0
while :; do n=$((n + 1)); echo $n > /var/lib/beat/$1.new && mv /var/lib/beat/$1.new /var/lib/beat/$1; sleep 0.05; done
SH
python3 - "$S/scenario.json" <<'PY'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
run = lambda n: ["/bin/bash", "/srv/beat/run.sh", n]
m["services"] = [
    {"name": "steady", "argv": run("a"), "owns": ["/var/lib/beat"], "restart": "on-request"},
    {"name": "looper", "argv": run("b"), "restart": "always"},
    {"name": "fixed", "argv": run("c")},
    {"name": "locked", "argv": run("d"), "restart": "on-request"},
]
m["faults"] = [
    {"id": "loop-kill", "kind": "process.kill", "service": "looper", "signal": "SIGKILL", "at_s": 1},
    {"id": "loop-crash", "kind": "process.crashloop", "service": "looper", "signal": "SIGABRT",
     "after_ms": 100, "times": 2},
    {"id": "lock-crash", "kind": "process.crashloop", "service": "locked", "signal": "SIGABRT",
     "after_ms": 100, "while_file": "/etc/app/stale.lock"},
]
json.dump(m, open(p, "w"), indent=2)
PY
expect_exit 0 "validate accepts restart policies and a crash loop" "$LABRUN" validate "$S"
cat >"$T/svc.sh" <<'SH'
#!/bin/bash
{
lab services | sed 's/running for [0-9]* s/running/' | sed 's/^/before: /'
lab restart fixed; echo "restart fixed: exit $?"
lab restart nosuch; echo "restart nosuch: exit $?"
sleep 1
a=$(cat /var/lib/beat/a)
lab restart steady | sed 's/running for [0-9]* s/running/'; echo "restart steady: exit $?"
sleep 0.5
b=$(cat /var/lib/beat/a)
[ "$b" -lt "$a" ] && echo "steady counted afresh" || echo "steady went on ($a -> $b)"
lab restart locked >/dev/null; sleep 0.5; lab services locked | sed 's/[0-9]* s ago/N s ago/'
rm /etc/app/stale.lock
lab restart locked >/dev/null; sleep 0.5; lab services locked | sed 's/running for [0-9]* s/running/'
sleep 3
lab services | grep '^looper' | sed 's/running for [0-9]* s/running/'
} > ~/answers/seen.txt 2>&1
SH
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate r --script "$T/svc.sh" -o "$T/svc.ev"
[ "$rc" -eq 1 ] && pass "the session ran" || fail "the session ran (exit $rc)"
member "$T/svc.ev" answers/seen.txt >"$T/seen.txt"
sed 's/^/# seen: /' "$T/seen.txt"
has() { grep -qE "$1" "$T/seen.txt" && pass "$2" || fail "$2 (want /$1/)"; }
has '^before: steady running \(restart: on-request; starts 1\)' "lab services lists a running service, its policy and starts"
has '^before: fixed running \(restart: never; starts 1\)' "a service without a policy is never restarted"
has '^error: fixed cannot be restarted in this lab' "lab restart refuses a service the lab does not let restart"
has '^restart fixed: exit 1' "with a failing exit"
has '^error: no service "nosuch"' "an unknown service is named"
has '^steady running \(restart: on-request; starts 2\)' "lab restart starts it again"
has '^restart steady: exit 0' "and says so"
has '^steady counted afresh' "the new instance is a new process (its counter began again)"
has '^locked ended N s ago: signal 6 100 ms after it started \(the fault plan.s crash loop\)' "a restart while the lock lies there crashes"
has '^locked running \(restart: on-request; starts 3\)' "once the lock is gone the service stays up"
has '^looper running \(restart: always; starts 4\)' "a crash-looping service, restarted by its policy, runs again after its crashes"
member "$T/svc.ev" manifest.json >"$T/m.json"
python3 - "$T/m.json" <<'PY' && pass "the manifest records the crash loop: two crashes, the signal, the delay" || fail "the crash loop's record"
import json, sys
m = json.load(open(sys.argv[1]))
f = {x["id"]: x for x in m["faults"]}
c = f["loop-crash"]
assert c["kind"] == "process.crashloop" and c["triggered"] == 2, c
assert "signal 6 100 ms after each later start: 2 crashes" in c["detail"], c
assert f["loop-kill"]["triggered"] == 1
assert f["lock-crash"]["triggered"] == 1, f["lock-crash"]
PY

# 2. A fault after the platform's Nth request: agentd is killed when it
# asks for its fourth connection, so three agentctl commands answer and
# the fourth does not; `lab restart agentd` brings it back where it was.
P=$T/plat
cp -r "$TOP/scenarios/research-fetch-denied" "$P"
python3 - "$P/scenario.json" <<'PY'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
m["services"][0]["restart"] = "on-request"
m["faults"] += [{"id": "agentd-dies", "kind": "process.kill", "service": "agentd",
                "signal": "SIGKILL", "after_requests": 3}]
json.dump(m, open(p, "w"), indent=2)
PY
expect_exit 0 "validate accepts after_requests" "$LABRUN" validate "$P"
cat >"$T/plat.sh" <<'SH'
#!/bin/bash
{
for i in 1 2 3; do agentctl status >/dev/null 2>&1; echo "request $i: exit $?"; done
timeout 20 agentctl status >/dev/null 2>&1; echo "request 4: exit $?"
lab services | sed 's/[0-9]* s ago/N s ago/'
lab restart agentd >/dev/null; echo "restart: exit $?"
agentctl policy status >/dev/null 2>&1; echo "after the restart: exit $?"
} > ~/answers/seen.txt 2>&1
SH
run "$LABRUN" run "$P" --key "$T/issuer.key" --candidate r --script "$T/plat.sh" -o "$T/plat.ev"
[ "$rc" -eq 1 ] && pass "the platform session ran" || fail "the platform session ran (exit $rc)"
member "$T/plat.ev" answers/seen.txt >"$T/seen.txt"
sed 's/^/# seen: /' "$T/seen.txt"
has '^request 3: exit 0' "three requests are answered"
grep -q '^request 4: exit 0' "$T/seen.txt" && fail "the fourth request is not answered" ||
	pass "the fourth request is not answered"
has '^agentd ended N s ago: signal 9 from the fault plan' "lab services says how the service ended"
has '^restart: exit 0' "lab restart brings agentd back"
has '^after the restart: exit 0' "and it answers again"
member "$T/plat.ev" manifest.json >"$T/m.json"
python3 - "$T/m.json" <<'PY' && pass "the manifest records the fault after 3 requests" || fail "the after_requests record"
import json, sys
m = json.load(open(sys.argv[1]))
f = [x for x in m["faults"] if x["id"] == "agentd-dies"][0]
assert f["triggered"] == 1 and f["when"] == "after 3 requests", f
PY
member "$T/plat.ev" commands.jsonl | grep -q '"lab","restart","agentd"' &&
	pass "the restart is in the command log" || fail "the restart is in the command log"

# 2b. Syscall faults on a service that is starting: agentd opens its files
# before it serves, and the candidate waits for it to serve, so the
# supervisor answers the services' trapped calls while it waits.
D=$T/slow; rm -rf "$D"; cp -r "$TOP/scenarios/research-fetch-denied" "$D"
python3 - "$D/scenario.json" <<'PY'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
m["faults"] += [{"id": "slow-spans", "kind": "syscall.delay", "call": "open", "target": "agentd",
                 "path": "/var/log/agentd/spans.jsonl", "delay_ms": 300, "limit": 3}]
json.dump(m, open(p, "w"), indent=2)
PY
run "$LABRUN" run "$D" --key "$T/issuer.key" --candidate r --script "$D/solutions/reference.sh" -o "$T/slow.ev"
[ "$rc" -eq 0 ] && pass "a delay fault on agentd's start: the session starts and the reference passes" ||
	fail "a delay fault on agentd's start (exit $rc)"
member "$T/slow.ev" manifest.json | python3 -c '
import json, sys
f = [x for x in json.load(sys.stdin)["faults"] if x["id"] == "slow-spans"][0]
assert f["triggered"] == 3, f' && pass "and it took effect, three times" || fail "the delay took effect"

# 3. Bad plans and policies are refused with their JSON path.
bad_fault "$S" '{"id": "x", "kind": "process.crashloop", "service": "fixed"}' \
	'\$.faults\[0\]: service "fixed" is never started again' "a crash loop on a service that never restarts"
bad_fault "$S" '{"id": "x", "kind": "process.kill", "service": "steady", "signal": "SIGKILL", "after_requests": 0}' \
	'\$.faults\[0\].after_requests: at least 1' "after_requests 0"
bad_fault "$S" '{"id": "x", "kind": "process.crashloop", "service": "steady", "while_file": "rel/x"}' \
	'\$.faults\[0\].while_file: "rel/x" is not an absolute path' "a relative while_file"
B=$T/badpol; rm -rf "$B"; cp -r "$S" "$B"
sed -i 's/"restart": "on-request"/"restart": "sometimes"/' "$B/scenario.json"
expect_exit 1 "validate refuses an unknown restart policy" "$LABRUN" validate "$B"
grep -q '\$.services\[0\].restart: "sometimes" is not a restart policy' "$ERR" &&
	pass "naming the policy and its path" || fail "naming the policy and its path"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
