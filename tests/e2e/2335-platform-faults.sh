#!/bin/bash
# The platform's faults by what they leave (docs/platform.md, "What each
# fault leaves"): for every platform.* kind, run the fault on a platform
# of the test's own and check the log lines, state.json, the audit trail
# and the cause span (by name) the document promises, and the spans' own
# traces where the document names them.  Then the two ways out that were
# broken: an operator's approval decided over the socket (the caller from
# SO_PEERCRED) while approval_stuck holds, and "contain, then recover the
# work" under agent_loop.
. "$(dirname "$0")/../lib.sh"
A=$BUILD/libexec/labrun/bin/agentd
C=$BUILD/libexec/labrun/bin/agentctl

# fresh NAME FROM: a root with FROM's etc/agentd (a directory holding etc/)
fresh() { rm -rf "$T/$1"; mkdir -p "$T/$1/var/lib/agentd" "$T/$1/var/log/agentd" "$T/$1/var/lib/service"; cp -r "$2/etc" "$T/$1/"; }
# fault NAME FROM PLAN: the fault's history and one `status`, by --script
fault() { fresh "$1" "$2"; printf 'status\n' >"$T/cmds"; LABRUN_PLATFORM_FAULTS=$3 run "$A" --root "$T/$1" --seed 0a --script "$T/cmds"; }
FIX=$TOP/tests/fixtures/platform

# leaves NAME CHECK...: each CHECK is one of
#   log:MSG[:KEY=VALUE]    a log line with that msg (and attribute)
#   nolog                  no log line that the fault-free history lacks
#   state:PYEXPR           a Python expression on state.json (s) is true
#   span:NAME              a span of that name exists (the cause span)
#   nospan                 no span name the fault-free history lacks
#   skew:TOOL              a TOOL tool.call span starts before its parent
#   loop:AGENT             a run of AGENT's holds 26 tool.call spans
# The audit trail always holds the one `status` and nothing else: faults
# are not operator commands.  Spans are read in either encoding the
# platform has written (one span per line, or OTLP/JSON requests).
cat >"$T/leaves.py" <<'PY'
import json, sys
root, base, checks = sys.argv[1], sys.argv[2], sys.argv[3:]
def spans(r):
    out = []
    for line in open(r + '/var/log/agentd/spans.jsonl'):
        o = json.loads(line)
        if 'resourceSpans' not in o:
            out.append((o['name'], o['span_id'], o['parent_span_id'], int(o['start_unix_nano']),
                        o.get('attributes', {})))
            continue
        for rs in o['resourceSpans']:
            for ss in rs.get('scopeSpans', []):
                for s in ss.get('spans', []):
                    a = {kv['key']: list(kv['value'].values())[0] for kv in s.get('attributes', [])}
                    out.append((s['name'], s['spanId'], s.get('parentSpanId', ''),
                                int(s['startTimeUnixNano']), a))
    return out
def logs(r):
    return [json.loads(l) for l in open(r + '/var/log/agentd/agentd.jsonl')]
bad = []
audit = [json.loads(l) for l in open(root + '/var/log/agentd/audit.jsonl')]
if [a['argv'] for a in audit] != [['status']]:
    bad.append('the audit trail holds more than the one command: %s' % [a['argv'] for a in audit])
s = json.load(open(root + '/var/lib/agentd/state.json'))
for c in checks:
    kind, _, arg = c.partition(':')
    if kind == 'log':
        msg, _, kv = arg.partition(':')
        k, _, v = kv.partition('=')
        if not any(l['msg'] == msg and (not k or str(l.get(k)) == v) for l in logs(root)):
            bad.append('no log line %r%s' % (msg, ' with %s=%s' % (k, v) if k else ''))
    elif kind == 'nolog':
        known = {(l['component'], l['msg']) for l in logs(base)}
        new = {(l['component'], l['msg']) for l in logs(root)} - known
        if new:
            bad.append('log lines the fault-free history lacks: %s' % sorted(new))
    elif kind == 'state':
        if not eval(arg, {'s': s, 'any': any, 'all': all, 'len': len}):
            bad.append('state.json: not %s' % arg)
    elif kind == 'span':
        if not any(n == arg for n, *_ in spans(root)):
            bad.append('no %s span' % arg)
    elif kind == 'nospan':
        new = {n for n, *_ in spans(root)} - {n for n, *_ in spans(base)}
        if new:
            bad.append('span names the fault-free history lacks: %s' % sorted(new))
    elif kind == 'loop':
        # every failed run of the agent's tasks: the first call and 25 re-plans
        runs = {i for n, i, p, t, a in spans(root) if n == 'task.run' and a.get('agent.id') == arg}
        calls = {}
        for n, i, p, t, a in spans(root):
            if n == 'tool.call' and p in runs:
                calls[p] = calls.get(p, 0) + 1
        if not any(v == 26 for v in calls.values()):
            bad.append('no run of %s with 26 tool calls: %s' % (arg, sorted(set(calls.values()))))
    elif kind == 'skew':
        by = {i: (n, t) for n, i, p, t, a in spans(root)}
        if not any(n == 'tool.call' and a.get('tool.name') == arg and p in by and t < by[p][1]
                   for n, i, p, t, a in spans(root)):
            bad.append('no %s call starting before its parent span' % arg)
    else:
        bad.append('unknown check %s' % c)
print('\n'.join(bad))
sys.exit(1 if bad else 0)
PY
# leaves DESC NAME BASE CHECK...
leaves() {
	local desc=$1 name=$2 base=$3
	shift 3
	if python3 "$T/leaves.py" "$T/$name" "$T/$base" "$@" >"$T/.why" 2>&1; then pass "$desc"; else
		fail "$desc"; sed 's/^/#   /' "$T/.why"; fi
}

fault base "$FIX" '[]'
[ "$rc" = 0 ] && pass "the fault-free history runs" || fail "fault-free history (rc $rc)"

fault pd "$FIX" '[{"id":"f","kind":"platform.policy_deploy","at_s":1800,"version":3}]'
leaves "policy_deploy: the pipeline's activation is logged, spanned and in the policy history; tasks fail on the rule" pd base \
	'log:policy version activated:policy_version=3' 'log:tool call denied:rule=deny-external-fetch' 'span:policy.activate' \
	'state:s["policy"]["active"] == 3 and s["policy"]["history"][-1]["by"] == "ci" and s["policy"]["history"][-1]["how"] == "deploy"' \
	'state:any(t["state"] == "failed" and "denied by policy v3" in t.get("error", "") for t in s["tasks"])'

fault to "$FIX" '[{"id":"f","kind":"platform.tool_outage","at_s":1200,"tool":"web.fetch"}]'
leaves "tool_outage: 503s in the log and on tasks; no cause span" to base \
	'log:tool call failed:error=503 service unavailable' 'nospan' \
	'state:any(t["state"] == "failed" and t.get("error") == "503 service unavailable" for t in s["tasks"])'

fault ts "$FIX" '[{"id":"f","kind":"platform.tool_slow","at_s":600,"tool":"web.fetch","latency_ms":5000}]'
leaves "tool_slow: timeouts in the log and on tasks; no cause span" ts base \
	'log:tool call failed:error=timeout after 2000 ms' 'nospan' \
	'state:any(t.get("error") == "timeout after 2000 ms" for t in s["tasks"])'

fault md "$FIX" '[{"id":"f","kind":"platform.model_drift","at_s":600,"model":"planner","version":"2026-03"}]'
leaves "model_drift: the provider's upgrade is logged, spanned and in the model's history" md base \
	'log:model version upgraded by the provider:to=2026-03' 'log:invalid tool call from the model:model_version=2026-03' 'span:model.promote' \
	'state:s["models"][0]["active"] == "2026-03" and s["models"][0]["history"][-1]["by"] == "provider"'

fault dd "$FIX" '[{"id":"f","kind":"platform.duplicate_delivery","at_s":600,"tool":"payments.refund","probability_pm":500}]'
leaves "duplicate_delivery: the adapter upgrade is logged and spanned; the ledger holds duplicates" dd base \
	'log:tool adapter upgraded:adapter=2.4.0' 'log:tool call failed:error=timeout after 1500 ms (no acknowledgement)' 'span:tool.adapter' \
	'state:any(e["duplicate"] and not e["key_sent"] for e in s["effects"])' \
	'state:[t["idempotency"] for t in s["tools"] if t["id"] == "payments.refund"] == [False]'

fault sl "$FIX" '[{"id":"f","kind":"platform.span_loss","at_s":600,"probability_pm":500}]'
leaves "span_loss: the exporter is unhealthy and counts what it dropped; nothing is logged; no cause span" sl base \
	'nolog' 'nospan' 'state:not s["exporter"]["healthy"] and s["exporter"]["dropped"] > 0'

fault cs "$FIX" '[{"id":"f","kind":"platform.clock_skew","at_s":600,"tool":"web.fetch","offset_ms":-90000}]'
leaves "clock_skew: the tool's calls start before the runs that made them; nothing else shows" cs base \
	'nolog' 'nospan' 'skew:web.fetch' 'state:all(t["enabled"] for t in s["tools"])'

fault sk "$FIX" '[{"id":"f","kind":"platform.secret_leak","at_s":600,"secret":"payments-api-key"}]'
leaves "secret_leak: debug logging is logged, the key is in request lines, the state shows debug headers" sk base \
	'log:debug logging enabled:tool=payments.refund' 'log:outgoing request' 'nospan' \
	'state:[t["debug_headers"] for t in s["tools"] if t["id"] == "payments.refund"] == [True]' \
	'state:s["secrets"][0]["rotations"] == 0'
grep -q '"authorization":"Bearer sk-live-' "$T/sk/var/log/agentd/agentd.jsonl" && pass "secret_leak: the key itself is in the log" || fail "secret_leak key in log"

fault as "$FIX" '[{"id":"f","kind":"platform.approval_stuck","at_s":600}]'
leaves "approval_stuck: the reviewer's lost connection is logged; the state shows it stuck and approvals pending" as base \
	'log:reviewer worker lost its connection to the review desk; retrying' 'nospan' \
	'state:s["approvals"]["reviewer"] == "stuck" and any(i["state"] == "pending" for i in s["approvals"]["items"])' \
	'state:any(t["state"] == "awaiting_approval" for t in s["tasks"])'

fault al "$FIX" '[{"id":"f","kind":"platform.agent_loop","at_s":600,"agent":"researcher-1"}]'
leaves "agent_loop: loop budgets and failures after max_attempts are logged; no cause span" al base \
	'log:agent exceeded its loop budget:agent=researcher-1' 'log:task failed:attempts=3' 'nospan' 'loop:researcher-1' \
	'state:any(t["state"] == "failed" and t["attempts"] == 3 and "loop budget" in t.get("error", "") for t in s["tasks"])' \
	'state:all(t["attempts"] <= 3 for t in s["tasks"])'

S=$TOP/scenarios
fault gbase "$S/model-drift-gate/system" '[]'
fault go "$S/model-drift-gate/system" '[{"id":"g","kind":"platform.gate_open","at_s":300,"model":"planner"}]'
leaves "gate_open: the gate change is logged, spanned and in the gate's history" go gbase \
	'log:evaluation gate changed:by=ci' 'span:model.gate' \
	'state:s["models"][0]["gate"]["min_quality"] == 0 and s["models"][0]["gate"]["history"][-1]["by"] == "ci"'

fault tbase "$S/approval-threshold/system" '[]'
fault tc "$S/approval-threshold/system" '[{"id":"t","kind":"platform.threshold_change","at_s":1620,"value":101}]'
leaves "threshold_change: the change is logged, spanned and in the threshold's history" tc tbase \
	'log:auto-approval threshold changed:auto_approve_below=101' 'span:approvals.threshold' \
	'state:s["approvals"]["auto_approve_below"] == 101 and s["approvals"]["threshold_history"][-1]["by"] == "ci"' \
	'state:any(i["auto"] and i["risk"] >= 60 for i in s["approvals"]["items"])'

fault ubase "$S/adapter-upgrade-canary/system" '[]'
fault au "$S/adapter-upgrade-canary/system" '[{"id":"u","kind":"platform.adapter_upgrade","at_s":2100,"tool":"invoice.render","version":"4.0.0"}]'
leaves "adapter_upgrade: the upgrade is logged, spanned and in the adapter history" au ubase \
	'log:tool adapter changed:adapter=4.0.0' 'span:tool.adapter' \
	'state:[t["adapter"] for t in s["tools"] if t["id"] == "invoice.render"] == ["4.0.0"]' \
	'state:[t["adapter_history"][-1]["by"] for t in s["tools"] if t["id"] == "invoice.render"] == ["ci"]'

# Every kind agentd knows is above: a new kind gets its row in the
# document and here.
kinds=$(grep -o '"platform\.[a-z_]*"' "$TOP/scenarios/platform/sim_config.c" | sort -u | wc -l)
[ "$kinds" = 13 ] && pass "the thirteen platform fault kinds are all checked" || fail "platform fault kinds: $kinds, this test checks 13"
awk '/^### What each fault leaves/ {on = 1; next} /^##/ {on = 0} on' "$TOP/docs/platform.md" >"$T/leaves.md"
for k in $(grep -o '"platform\.[a-z_]*"' "$TOP/scenarios/platform/sim_config.c" | tr -d '"' | sort -u); do
	grep -q "^| \`$k\` |" "$T/leaves.md" || echo "$k"
done >"$T/.undoc"
[ ! -s "$T/.undoc" ] && pass "docs/platform.md says what each kind leaves" || fail "undocumented: $(cat "$T/.undoc")"

# --- approval_stuck: an operator's decision over the socket -------------------
PLAN='[{"id":"f","kind":"platform.approval_stuck","at_s":600}]'
fresh d "$FIX"
LABRUN_PLATFORM_FAULTS=$PLAN "$A" --root "$T/d" --seed 0a --socket "$T/d/s.sock" 2>>"$T/d/agentd.log" & dpid=$!
for _ in $(seq 50); do [ -S "$T/d/s.sock" ] && break; sleep 0.1; done
ctl() { AGENTD_SOCKET=$T/d/s.sock "$C" "$@"; }
read -r apr task < <(ctl approvals | awk '$5 == "pending" {print $1, $2; exit}')
run ctl approval approve "$apr"
me=$(python3 -c 'import json,sys; print([a for a in map(json.loads, open(sys.argv[1])) if a["argv"][:2] == ["approval", "approve"]][-1]["actor"])' "$T/d/var/log/agentd/audit.jsonl")
[ "$rc" = 0 ] && grep -q "^$apr approved by $me; $task runs the step now" "$OUT" &&
	pass "approval approve: the caller the audit trail names decided it ($me)" || fail "approval approve over the socket ($apr, $me)"
run ctl task show "$task"
grep -q '^state       done' "$OUT" && pass "approval approve: the task ran its step" || fail "approved task ran"
python3 - "$T/d/var/lib/agentd/state.json" "$apr" "$me" <<'PY' && pass "approval approve: state.json records the platform's time and the caller" || fail "approval recorded"
import json, sys
s = json.load(open(sys.argv[1]))
i = [i for i in s['approvals']['items'] if i['id'] == sys.argv[2]][0]
assert i['state'] == 'approved' and i['by'] == sys.argv[3], i
assert i['decided'] >= i['requested'] and i['decided'] <= s['clock'] and not i['decided'].startswith('1970'), i
PY
run ctl approvals
grep -q '^reviewer stuck' "$OUT" && grep -q ' pending ' "$OUT" &&
	pass "approval_stuck: one decision leaves the fault in place (the reviewer stays stuck)" || fail "the fault stays"
run ctl approvals resume
run ctl advance 900
run ctl approvals
first=$(awk '$5 == "pending" {print $1; exit}' "$OUT")
python3 - "$T/d/var/lib/agentd/state.json" <<'PY' && pass "approvals resume: the reviewer decides what waited for it" || fail "resume decides ($first)"
import json, sys
s = json.load(open(sys.argv[1]))
assert s['approvals']['reviewer'] == 'running'
old = [i for i in s['approvals']['items'] if i['requested'] < '2026-03-12T14:00:00']
assert old and all(i['state'] != 'pending' for i in old), old
PY
kill "$dpid"; wait "$dpid" 2>/dev/null

# --- agent_loop: contain, then recover the work -------------------------------
fresh l "$FIX"
printf 'agent quarantine researcher-1 runaway\n' >"$T/cmds"
LABRUN_PLATFORM_FAULTS='[{"id":"f","kind":"platform.agent_loop","at_s":600,"agent":"researcher-1"}]' \
	"$A" --root "$T/l" --seed 0a --script "$T/cmds" >/dev/null
ids=$(python3 -c 'import json,sys; print(" ".join(t["id"] for t in json.load(open(sys.argv[1]))["tasks"] if t["state"] in ("failed", "cancelled") and t["agent"] == "researcher-1"))' "$T/l/var/lib/agentd/state.json")
{ for t in $ids; do echo "task retry $t"; done; echo "advance 600"; } >"$T/cmds2"
cat "$T/cmds" "$T/cmds2" >"$T/cmds3"
fresh l2 "$FIX"
LABRUN_PLATFORM_FAULTS='[{"id":"f","kind":"platform.agent_loop","at_s":600,"agent":"researcher-1"}]' \
	run "$A" --root "$T/l2" --seed 0a --script "$T/cmds3"
python3 - "$T/l2/var/lib/agentd/state.json" $ids <<'PY' && pass "agent_loop: quarantined, then every failed or cancelled task of the agent retried: all done on another agent" || fail "loop recovery"
import json, sys
s = json.load(open(sys.argv[1]))
want = set(sys.argv[2:])
assert len(want) > 1
got = {t['id']: t for t in s['tasks'] if t['id'] in want}
bad = [(i, t['state'], t['agent']) for i, t in got.items() if t['state'] != 'done' or t['agent'] == 'researcher-1']
assert not bad and len(got) == len(want), bad
PY
grep -c '"msg":"task retried by the operator"' "$T/l2/var/log/agentd/agentd.jsonl" | grep -qx "$(echo $ids | wc -w)" &&
	pass "agent_loop: each retry is logged with who asked" || fail "retry logged"
# Once the loop ends (until_s), the released agent runs its retried work
# itself: the tasks it failed while it looped.
LPLAN='[{"id":"f","kind":"platform.agent_loop","at_s":600,"until_s":3000,"agent":"researcher-1"}]'
fresh l3 "$FIX"
printf 'agent quarantine researcher-1 runaway\nagent release researcher-1\n' >"$T/cmds"
LABRUN_PLATFORM_FAULTS=$LPLAN "$A" --root "$T/l3" --seed 0a --script "$T/cmds" >/dev/null
ids=$(python3 -c 'import json,sys; print(" ".join(t["id"] for t in json.load(open(sys.argv[1]))["tasks"] if t["state"] in ("failed", "cancelled") and t["agent"] == "researcher-1"))' "$T/l3/var/lib/agentd/state.json")
for t in $ids; do echo "task retry $t"; done >>"$T/cmds"
echo "advance 600" >>"$T/cmds"
fresh l4 "$FIX"
LABRUN_PLATFORM_FAULTS=$LPLAN run "$A" --root "$T/l4" --seed 0a --script "$T/cmds"
python3 - "$T/l4/var/lib/agentd/state.json" $ids <<'PY' && pass "agent_loop ended (until_s): released, the agent completes its retried tasks" || fail "release after the loop ($ids)"
import json, sys
s = json.load(open(sys.argv[1]))
want = set(sys.argv[2:])
got = [t for t in s['tasks'] if t['id'] in want]
assert len(want) > 1 and len(got) == len(want)
assert all(t['state'] == 'done' and t['agent'] == 'researcher-1' for t in got), [(t['id'], t['state'], t['agent']) for t in got]
PY

# --- approval_stuck in an exam session: the candidate decides ------------------
# Inside the sandbox the caller the kernel names is the candidate: the
# decision is theirs in state.json, as the audit trail says.
make_keys
P=$T/stuck
cp -r "$TOP/scenarios/research-fetch-denied" "$P"
# A plan of its own: the wrong solutions name checks of the original fault.
rm -f "$P"/solutions/wrong-*.sh
python3 - "$P/scenario.json" <<'PY'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
m["faults"] = [{"id": "stuck", "kind": "platform.approval_stuck", "at_s": 600}]
m.pop("variants", None)
json.dump(m, open(p, "w"), indent=2)
PY
cat >"$T/stuck.sh" <<'SH'
#!/bin/bash
apr=$(agentctl approvals | awk '$5 == "pending" {print $1; exit}')
task=$(agentctl approvals | awk '$5 == "pending" {print $2; exit}')
{ agentctl approval approve "$apr"; agentctl task show "$task"; agentctl approvals | head -1; } >~/answers/seen.txt 2>&1
SH
run "$LABRUN" run "$P" --key "$T/issuer.key" --candidate r --script "$T/stuck.sh" -o "$T/stuck.ev"
# (research-fetch-denied's grader looks for its own fault and reports the
# attempt as an error, exit 3: only the platform's files matter here)
[ -s "$T/stuck.ev" ] && pass "an exam session on approval_stuck ran and left its evidence (exit $rc)" ||
	fail "the approval_stuck session ran (exit $rc)"
member "$T/stuck.ev" answers/seen.txt >"$T/seen.txt"
grep -q '^apr-[0-9]* approved by candidate; task-[0-9]* runs the step now' "$T/seen.txt" &&
	grep -q '^state       done' "$T/seen.txt" && grep -q '^reviewer stuck' "$T/seen.txt" &&
	pass "approval approve in the sandbox: the candidate's decision runs the task; the reviewer stays stuck" ||
	{ fail "approval approve in the sandbox"; sed 's/^/#   /' "$T/seen.txt"; }
member "$T/stuck.ev" changes/var/lib/agentd/state.json >"$T/stuck-state.json"
member "$T/stuck.ev" changes/var/log/agentd/audit.jsonl >"$T/stuck-audit.jsonl"
python3 - "$T/stuck-state.json" "$T/stuck-audit.jsonl" <<'PY' && pass "the evidence's state.json: decided by the candidate at the platform's time" || fail "the candidate's decision in the evidence"
import json, sys
s = json.load(open(sys.argv[1]))
audit = [json.loads(l) for l in open(sys.argv[2])]
asked = [a for a in audit if a['argv'][:2] == ['approval', 'approve']]
assert asked and asked[0]['actor'] == 'candidate', asked
d = [i for i in s['approvals']['items'] if i['id'] == asked[0]['argv'][2]][0]
assert d['state'] == 'approved' and d['by'] == 'candidate' and d['decided'] > d['requested'], d
assert s['approvals']['reviewer'] == 'stuck'
PY
done_testing
