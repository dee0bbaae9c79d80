#!/bin/bash
# The simulated platform (agentd, agentctl; docs/platform.md) outside any
# sandbox, in a directory of the test's own: golden determinism, a restart
# that replays the journal to the same bytes, every platform fault seen
# through the CLI and undone by it, a damaged state file, hostile requests,
# Lua behaviour, and labrun validate on bad platform plans.
. "$(dirname "$0")/../lib.sh"
A=$BUILD/libexec/labrun/bin/agentd
C=$BUILD/libexec/labrun/bin/agentctl
P=$TOP/tests/fixtures/platform

fresh() { rm -rf "$T/$1"; mkdir -p "$T/$1/var/lib/agentd" "$T/$1/var/log/agentd" "$T/$1/var/lib/service"; cp -r "$P/etc" "$T/$1/"; }
# script NAME FAULTS: run $T/cmds in a fresh root, output in $OUT
script() { fresh "$1"; LABRUN_PLATFORM_FAULTS=$2 run "$A" --root "$T/$1" --seed 0a --script "$T/cmds"; }
has() { grep -qF -- "$2" "$OUT" && pass "$1" || fail "$1 (no \"$2\")"; }
files="var/log/agentd/spans.jsonl var/log/agentd/agentd.jsonl var/log/agentd/audit.jsonl var/lib/agentd/state.json var/lib/agentd/metrics.prom var/lib/service/agentd/faults.json"
# same_file A B: the same bytes; the audit trail's pids are the kernel's
# (each agentctl is a new process), not the platform's, and are left out.
same_file() {
	case $1 in
	*/audit.jsonl) cmp -s <(sed 's/"pid":[0-9]*,//' "$1") <(sed 's/"pid":[0-9]*,//' "$2") ;;
	*) cmp -s "$1" "$2" ;;
	esac
}

run "$A" --version
[ "$rc" = 0 ] && grep -qx 'agentd agentsim-2' "$OUT" && pass "agentd --version names the platform" || fail "agentd --version"
run "$C" --help
grep -q 'policy validate vN|FILE' "$OUT" && pass "agentctl --help works without the daemon" || fail "agentctl --help"
run "$A" --check --root "$P"
[ "$rc" = 0 ] && pass "agentd --check: the test platform is valid" || fail "agentd --check"

# --- determinism ------------------------------------------------------
PLAN='[{"id":"bad","kind":"platform.policy_deploy","at_s":1800,"version":3},{"id":"loss","kind":"platform.span_loss","at_s":3000,"probability_pm":200}]'
printf 'status\npolicy history\nagent quarantine researcher-1 looping\nadvance 900\npolicy validate v2\npolicy apply v2\nadvance 300\n' >"$T/cmds"
script g1 "$PLAN"; script g2 "$PLAN"
same=1; for f in $files; do cmp -s "$T/g1/$f" "$T/g2/$f" || { same=0; echo "# differs: $f"; }; done
[ $same = 1 ] && pass "the same seed and commands give byte-identical spans, logs, audit, state, metrics, record" || fail "determinism"
fresh g3; LABRUN_PLATFORM_FAULTS=$PLAN "$A" --root "$T/g3" --seed 0b --script "$T/cmds" >/dev/null
cmp -s "$T/g1/var/log/agentd/spans.jsonl" "$T/g3/var/log/agentd/spans.jsonl" && fail "another seed gives other traces" || pass "another seed gives other traces"
python3 - "$T/g1/var/log/agentd/spans.jsonl" <<'PY' && pass "spans: OTLP/JSON requests of the agentd service, 32/16-hex ids, nanosecond times in decimal strings, end >= start, kind and status codes, the attributes the design names" || fail "span shape"
import json, re, sys
names, kinds = set(), {}
for line in open(sys.argv[1]):
    req = json.loads(line)
    assert list(req) == ['resourceSpans'] and len(req['resourceSpans']) == 1
    rs = req['resourceSpans'][0]
    res = {a['key']: a['value'] for a in rs['resource']['attributes']}
    assert res['service.name'] == {'stringValue': 'agentd'} and res['service.version'] == {'stringValue': 'agentsim-2'}
    (ss,) = rs['scopeSpans']
    assert ss['scope'] == {'name': 'agentd', 'version': 'agentsim-2'}
    (s,) = ss['spans']
    assert set(s) <= {'traceId', 'spanId', 'parentSpanId', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'links', 'status'}, set(s)
    assert re.fullmatch(r'[0-9a-f]{32}', s['traceId']) and re.fullmatch(r'[0-9a-f]{16}', s['spanId'])
    assert 'parentSpanId' not in s or re.fullmatch(r'[0-9a-f]{16}', s['parentSpanId'])
    assert re.fullmatch(r'[0-9]{19}', s['startTimeUnixNano']) and int(s['endTimeUnixNano']) >= int(s['startTimeUnixNano'])
    assert s['status']['code'] in (1, 2) and ('message' in s['status']) <= (s['status']['code'] == 2)
    kinds.setdefault(s['name'], set()).add(s['kind'])
    for kv in s['attributes']:
        (t, v), = kv['value'].items()
        assert t == 'stringValue' and isinstance(v, str) or t == 'intValue' and re.fullmatch(r'-?[0-9]+', v), kv
    names.add(s['name'])
    if s['name'] == 'policy.evaluate':
        a = {kv['key'] for kv in s['attributes']}; assert {'policy.version', 'policy.rule', 'decision', 'agent.id', 'tool.name'} <= a
        assert re.fullmatch(r'[0-9a-f]{16}', s['links'][0]['spanId'])
assert {'task.run', 'agent.plan', 'policy.evaluate', 'tool.call', 'policy.activate', 'operator.command'} <= names, names
assert kinds['tool.call'] == {3} and kinds['agent.plan'] == {3} and kinds['operator.command'] == {2} and kinds['task.run'] == {1}, kinds
PY
# golden: the first lines of a fixed seed's history never change unnoticed
G=$TOP/tests/golden/platform/spans-head.jsonl
if [ -n "${REGEN_GOLDEN:-}" ]; then mkdir -p "${G%/*}"; head -20 "$T/g1/var/log/agentd/spans.jsonl" >"$G"; fi
head -20 "$T/g1/var/log/agentd/spans.jsonl" | cmp -s - "$G" && pass "golden: the first 20 spans of seed 0a" ||
	fail "golden spans (REGEN_GOLDEN=1 regenerates; review the diff)"

# --- a restart replays the journal --------------------------------------
start_daemon() { LABRUN_PLATFORM_FAULTS=$PLAN "$A" --root "$T/$1" --seed 0a --socket "$T/$1/s.sock" 2>>"$T/$1/agentd.log" & dpid=$!; }
stop_daemon() { kill "$dpid"; wait "$dpid" 2>/dev/null; }
fresh r1; start_daemon r1
for c in "status" "policy history" "agent quarantine researcher-1 looping" "advance 900"; do AGENTD_SOCKET=$T/r1/s.sock "$C" $c >/dev/null; done
stop_daemon; start_daemon r1
for c in "policy validate v2" "policy apply v2" "advance 300"; do AGENTD_SOCKET=$T/r1/s.sock "$C" $c >/dev/null; done
stop_daemon
fresh r2; start_daemon r2
for c in "status" "policy history" "agent quarantine researcher-1 looping" "advance 900" "policy validate v2" "policy apply v2" "advance 300"; do AGENTD_SOCKET=$T/r2/s.sock "$C" $c >/dev/null; done
stop_daemon
same=1; for f in $files; do same_file "$T/r1/$f" "$T/r2/$f" || { same=0; echo "# differs: $f"; }; done
grep -q '"actor":"root","pid":[0-9]*,' "$T/r2/var/log/agentd/audit.jsonl" &&
	pass "the audit trail names the asking process (SO_PEERCRED pid)" || fail "the audit trail names the asking process"
[ $same = 1 ] && pass "killed and restarted mid-way, the platform ends with the same bytes" || fail "restart replay"
grep -q '"actor":"root"' "$T/r2/var/log/agentd/audit.jsonl" && pass "the audit trail names the caller from the kernel (SO_PEERCRED)" || fail "audit actor"

# --- each platform fault, through the CLI ---------------------------------
printf 'tasks failed\npolicy history\npolicy diff v2 v3\n' >"$T/cmds"
script f1 '[{"id":"f","kind":"platform.policy_deploy","at_s":1800,"version":3}]'
has "policy_deploy: the history shows the pipeline's deployment" "v3       deploy     ci"
has "policy_deploy: failed tasks name the rule" "denied by policy v3 rule deny-external-fetch"
has "policy_deploy: the diff shows the new rule" "+ deny-external-fetch (rule 1)"

printf 'tasks\ntool disable web.fetch\nadvance 600\ntasks done\n' >"$T/cmds"
script f2 '[{"id":"f","kind":"platform.tool_outage","at_s":1200,"tool":"web.fetch"}]'
has "tool_outage: tool calls fail with 503" "503 service unavailable"
has "tool_outage: disabling the tool sends calls to its fallback" "calls go to cache.fetch"
grep -q '"key":"tool.name","value":{"stringValue":"cache.fetch"}' "$T/f2/var/log/agentd/spans.jsonl" && pass "tool_outage: the fallback serves the workload" || fail "fallback used"

printf 'tasks\n' >"$T/cmds"
script f3 '[{"id":"f","kind":"platform.tool_slow","at_s":600,"tool":"web.fetch","latency_ms":5000}]'
has "tool_slow: calls time out" "timeout after 2000 ms"

printf 'agents\ntasks\nmodel rollback planner\nmodels\n' >"$T/cmds"
script f4 '[{"id":"f","kind":"platform.model_drift","at_s":600,"model":"planner","version":"2026-03"}]'
has "model_drift: agents run the new model version" "planner@2026-03"
has "model_drift: plans fail the tool schema" "produced an invalid call"
has "model_drift: rollback pins the earlier version" "planner rolled back to 2026-01 and pinned"

printf 'metrics\ntool set payments.refund idempotency on\n' >"$T/cmds"
script f5 '[{"id":"f","kind":"platform.duplicate_delivery","at_s":600,"tool":"payments.refund","probability_pm":500}]'
has "duplicate_delivery: duplicate side effects are counted" 'agentd_duplicate_side_effects_total{tool="payments.refund"}'
grep -q '"duplicate": true' "$T/f5/var/lib/agentd/state.json" && pass "duplicate_delivery: the state shows the duplicate refunds" || fail "duplicate in state"
has "duplicate_delivery: idempotency keys can be turned back on" "payments.refund: idempotency on"

printf 'exporter\nexporter restart\nexporter\n' >"$T/cmds"
script f6 '[{"id":"f","kind":"platform.span_loss","at_s":600,"probability_pm":500}]'
has "span_loss: the exporter reports dropped spans" "exporter degraded"
has "span_loss: a restart heals it" "exporter healthy"

printf 'clock sync web.fetch\nclock sync web.fetch\n' >"$T/cmds"
script f7 '[{"id":"f","kind":"platform.clock_skew","at_s":600,"tool":"web.fetch","offset_ms":-90000}]'
has "clock_skew: the skewed component can be resynchronised" "web.fetch's clock synchronised"
has "clock_skew: once in step it says so" "in step with the platform's"

printf 'secret list\nsecret rotate payments-api-key\ntool set payments.refund debug off\nsecret list\n' >"$T/cmds"
script f8 '[{"id":"f","kind":"platform.secret_leak","at_s":600,"secret":"payments-api-key"}]'
grep -q '"authorization":"Bearer sk-live-' "$T/f8/var/log/agentd/agentd.jsonl" && pass "secret_leak: the key is in the logs" || fail "secret in logs"
has "secret_leak: the secret can be rotated" "payments-api-key rotated"

printf 'approvals\napprovals resume\nadvance 900\napprovals\n' >"$T/cmds"
script f9 '[{"id":"f","kind":"platform.approval_stuck","at_s":600}]'
has "approval_stuck: the reviewer is stuck" "reviewer stuck"
has "approval_stuck: resume requeues the pending approvals" "reviewer restarted"
tail -3 "$OUT" | grep -q approved && pass "approval_stuck: after resume they are decided" || fail "approvals decided"

printf 'agent show researcher-1\nagent quarantine researcher-1 runaway\nagent show researcher-1\n' >"$T/cmds"
script f10 '[{"id":"f","kind":"platform.agent_loop","at_s":600,"agent":"researcher-1"}]'
calls=$(sed -n 's/.*), \([0-9]*\) tool calls/\1/p' "$OUT" | head -1)
[ "${calls:-0}" -gt 200 ] && pass "agent_loop: the runaway agent makes hundreds of tool calls ($calls)" || fail "agent_loop calls ($calls)"
has "agent_loop: quarantine cancels its tasks" "researcher-1 quarantined;"
grep -q '"count": [1-9]' "$T/f10/var/lib/service/agentd/faults.json" && pass "the fault record counts what a fault caused" || fail "fault record count"

# --- gates, effects, thresholds, adapters (the library scenarios' platforms) ---
# sfresh NAME SCENARIO / sscript NAME SCENARIO FAULTS: as fresh and script,
# on a scenario's platform
sfresh() { rm -rf "$T/$1"; mkdir -p "$T/$1/var/lib/agentd" "$T/$1/var/log/agentd" "$T/$1/var/lib/service"; cp -r "$TOP/scenarios/$2/system/etc" "$T/$1/"; }
sscript() { sfresh "$1" "$2"; LABRUN_PLATFORM_FAULTS=$3 run "$A" --root "$T/$1" --seed 0a --script "$T/cmds"; }
spans_of() { cat "$T/$1/var/log/agentd/spans.jsonl"; }
# attr K V: a string attribute as an OTLP/JSON span line holds it
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }

printf 'models\n' >"$T/cmds"
sscript m1 model-drift-gate '[{"id":"d","kind":"platform.model_drift","at_s":600,"model":"planner","version":"2026-03"}]'
has "gate: a closed gate keeps a bad version out" "planner          2026-01        no       900"
spans_of m1 | grep '"name":"model.promote"' | grep -q "$(attr gate.decision blocked)" && pass "gate: the blocked promotion is a span of its own" || fail "blocked promotion span"
grep -q 'blocked by the evaluation gate' "$T/m1/var/log/agentd/agentd.jsonl" && pass "gate: the log says the gate blocked it" || fail "gate log"

GPLAN='[{"id":"g","kind":"platform.gate_open","at_s":300,"model":"planner"},{"id":"d","kind":"platform.model_drift","at_s":600,"model":"planner","version":"2026-03"}]'
printf 'models\nmodel gate planner\nmodel eval planner 2026-03\nmodel rollback planner\nmodel gate planner 900\nmodel eval planner 2026-03\nmodel gate planner 1001\n' >"$T/cmds"
sscript m2 model-drift-gate "$GPLAN"
has "gate_open: the pipeline's gate lets the bad version in" "planner          2026-03        no       0"
has "gate_open: the gate's history names the pipeline" "min_quality 0     deploy   ci"
has "model eval: a version against the gate" "planner@2026-03: quality 480 permille on the evaluation set; the gate (min_quality 0) would pass it"
has "model gate: the operator sets it back" "planner: evaluation gate set to min_quality 900"
has "model eval: the repaired gate would block it" "(min_quality 900) would block it"
has "model gate: a value out of range is a usage error" "usage: agentctl model gate MODEL [MIN_QUALITY]"
spans_of m2 | grep '"name":"agent.plan"' | grep "$(attr model.version 2026-03)" | grep -q '"links"' && pass "gate_open: plans link to the promotion behind their version" || fail "plan links"
grep -q '"min_quality": 900' "$T/m2/var/lib/agentd/state.json" && grep -q '"how": "rollback"' "$T/m2/var/lib/agentd/state.json" && pass "gate: the state holds the gate and the model's history" || fail "gate state"

DPLAN='[{"id":"k","kind":"platform.duplicate_delivery","at_s":1500,"tool":"payments.refund","probability_pm":450}]'
printf 'effects payments.refund\n' >"$T/cmds"
sscript e1 duplicate-effects "$DPLAN"
dup=$(awk '$7 ~ /^eff-/ {print $1; exit}' "$OUT"); orig=$(awk '$7 ~ /^eff-/ {print $7; exit}' "$OUT")
[ -n "$dup" ] && pass "effects: duplicates name the effect they repeat ($dup of $orig)" || fail "effects duplicates"
has "effects: keys not sent show as -" "-                  eff-"
printf 'effects payments.refund\neffect show %s\neffect revert %s\neffect revert %s\neffect revert %s\neffect revert eff-9999\n' "$orig" "$dup" "$dup" "$orig" >"$T/cmds"
sscript e2 duplicate-effects "$DPLAN"
has "effect revert: a duplicate is reverted" "$dup reverted: a compensating action"
has "effect revert: twice is refused" "$dup is already reverted"
has "effect revert: reverting a first effect says what it undoes" "note: $orig was the first effect"
has "effect revert: an unknown effect is named" "no effect eff-9999"
grep -q '"state": "reverted"' "$T/e2/var/lib/agentd/state.json" && grep -q '"reverted_by": "script"' "$T/e2/var/lib/agentd/state.json" && pass "effects: the state records the revert and who did it" || fail "effects state"
spans_of e2 | grep -q '"name":"effect.revert"' && pass "effects: a revert is a span under the operator's command" || fail "revert span"
spans_of e2 | grep '"name":"tool.call"' | grep -q "$(attr effect.duplicate_of $orig)" && pass "effects: the duplicating call carries effect.duplicate_of" || fail "duplicate span attr"

TPLAN='[{"id":"t","kind":"platform.threshold_change","at_s":1620,"value":101}]'
printf 'approvals threshold\napprovals auto\n' >"$T/cmds"
sscript a1 approval-threshold "$TPLAN"
has "threshold_change: the history names the pipeline" "auto_approve_below 101  deploy   ci"
has "approvals threshold: tool risks are listed" "account.delete 90"
apr=$(awk '$1 ~ /^apr-/ && $4 >= 60 {print $1; exit}' "$OUT")
[ -n "$apr" ] && pass "approvals auto: high-risk actions approved without a person are listed" || fail "approvals auto"
printf 'approvals threshold 30\napproval reject %s\napproval reject %s\napprovals threshold 102\napprovals auto\n' "$apr" "$apr" >"$T/cmds"
sscript a2 approval-threshold "$TPLAN"
has "approvals threshold: the operator sets it" "auto_approve_below is now 30"
has "approval reject: an automatic approval is rejected on review and its work reverted" "$apr (approved automatically) rejected on review; reverted: eff-"
has "approval reject: twice is refused" "$apr is already rejected"
has "approvals threshold: a value out of range is a usage error" "usage: agentctl approvals threshold [N]"
grep -q "^$apr .*rejected\$" "$OUT" && pass "approvals auto: the review shows" || fail "review shown"
spans_of a2 | grep '"name":"approval.request"' | grep "$(attr approval.auto true)" | grep -q '"links"' && pass "threshold: automatic approvals link to the change behind them" || fail "auto approval links"

UPLAN='[{"id":"u","kind":"platform.adapter_upgrade","at_s":2100,"tool":"invoice.render","version":"4.0.0"}]'
printf 'tool show invoice.render\ntool canary invoice.render 4.0.1 101\ntool canary invoice.render 9.9.9 10\ntool rollback invoice.render\ntool canary invoice.render 4.0.1 25\nadvance 1200\ntool show invoice.render\ntool adapter invoice.render 4.0.1\ntool adapter invoice.render 4.0.1\ntool show doc.search\ntool rollback doc.search\n' >"$T/cmds"
sscript u1 adapter-upgrade-canary "$UPLAN"
has "adapter_upgrade: tool show names the adapter and the one before it" "adapter      4.0.0 (before it: 3.1.4)"
has "tool canary: a share over 100 is a usage error" "PERCENT: 0 to 100"
has "tool canary: an adapter that is not installed is named" 'invoice.render has no adapter "9.9.9"'
has "tool rollback: back to the adapter before" "invoice.render rolled back to adapter 3.1.4"
has "tool canary: a share of the calls goes to the canary" "adapter 4.0.1 takes 25% of the calls as a canary"
has "tool show: the canary is shown" "canary       4.0.1 takes 25% of the calls"
has "tool adapter: a version for every call" "invoice.render: adapter 4.0.1 takes every call"
has "tool adapter: the version in service is refused" "invoice.render already runs adapter 4.0.1"
has "tool rollback: a tool without adapters says so" "doc.search has a single adapter"
spans_of u1 | grep '"name":"tool.call"' | grep "$(attr adapter.canary true)" | grep -q "$(attr adapter.version 4.0.1)" && pass "adapters: canary calls carry their adapter version" || fail "canary spans"
spans_of u1 | grep '"name":"tool.call"' | grep "$(attr adapter.version 4.0.0)" | grep -q '400 bad request' && pass "adapter_upgrade: the broken adapter fails calls with its version on the span" || fail "broken adapter spans"
grep -q '"adapter": "4.0.1"' "$T/u1/var/lib/agentd/state.json" && grep -q '"how": "canary"' "$T/u1/var/lib/agentd/state.json" && pass "adapters: the state holds the adapter and its history" || fail "adapter state"
grep -q 'agentd_adapter_calls_total{tool="invoice.render",version="4.0.1",outcome="ok"}' "$T/u1/var/lib/agentd/metrics.prom" && pass "adapters: calls are counted per version" || fail "adapter metrics"

# The new commands replay like the others: killed mid-way, the same bytes.
sstart() { LABRUN_PLATFORM_FAULTS=$UPLAN "$A" --root "$T/$1" --seed 0a --socket "$T/$1/s.sock" 2>>"$T/$1/agentd.log" & dpid=$!; }
sfresh r3 adapter-upgrade-canary; sstart r3
for c in "tool rollback invoice.render" "tool canary invoice.render 4.0.1 25" "advance 600"; do AGENTD_SOCKET=$T/r3/s.sock "$C" $c >/dev/null; done
stop_daemon; sstart r3
for c in "tool adapter invoice.render 4.0.1" "advance 300"; do AGENTD_SOCKET=$T/r3/s.sock "$C" $c >/dev/null; done
stop_daemon
sfresh r4 adapter-upgrade-canary; sstart r4
for c in "tool rollback invoice.render" "tool canary invoice.render 4.0.1 25" "advance 600" "tool adapter invoice.render 4.0.1" "advance 300"; do AGENTD_SOCKET=$T/r4/s.sock "$C" $c >/dev/null; done
stop_daemon
same=1; for f in $files; do same_file "$T/r3/$f" "$T/r4/$f" || { same=0; echo "# differs: $f"; }; done
[ $same = 1 ] && pass "adapter changes and canaries replay after a restart to the same bytes" || fail "adapter replay"

# --- bad input ------------------------------------------------------------
fresh d; cp -r "$T/g1/var" "$T/d/"; printf 'garbage{' >"$T/d/var/lib/agentd/state.json"
start_daemon d
run env AGENTD_SOCKET=$T/d/s.sock "$C" status
[ "$rc" = 1 ] && grep -q 'state is damaged: .*state.json: line 1' "$ERR" && grep -q 'agentctl state reset' "$ERR" &&
	pass "a damaged state file is reported with its place and the fix" || fail "damaged state (rc $rc)"
run env AGENTD_SOCKET=$T/d/s.sock "$C" state reset
run env AGENTD_SOCKET=$T/d/s.sock "$C" status
[ "$rc" = 0 ] && pass "state reset starts the platform afresh" || fail "state reset"
printf '{"version": 4, "rules": [{"id": "x", "effect": "maybe", "roles": ["*"], "tools": ["*"]}]}' >"$T/bad.json"
run env AGENTD_SOCKET=$T/d/s.sock "$C" policy validate "$T/bad.json"
[ "$rc" = 1 ] && grep -q 'bad.json: \$.rules\[0\].effect: must be allow, deny or escalate' "$ERR" && pass "a malformed policy file is refused with its JSON path" || fail "bad policy"
printf '{"version": 4, "rules": [' >"$T/bad2.json"
run env AGENTD_SOCKET=$T/d/s.sock "$C" policy apply "$T/bad2.json"
[ "$rc" = 1 ] && grep -q 'line 1 column' "$ERR" && pass "a truncated policy file is refused with line and column" || fail "truncated policy"
printf '{"version": 9, "rules": []}' >"$T/v9.json"
run env AGENTD_SOCKET=$T/d/s.sock "$C" policy apply "$T/v9.json"
grep -q 'takes the next version, 4' "$ERR" && pass "a new policy must take the next version" || fail "version gap"
run env AGENTD_SOCKET=$T/d/s.sock "$C" frobnicate
[ "$rc" = 2 ] && grep -q 'no command "frobnicate"' "$ERR" && pass "an unknown command is a usage error" || fail "unknown command"
run env AGENTD_SOCKET=$T/d/s.sock "$C" agent quarantine "$(printf 'x\033[2J')"
[ "$rc" = 2 ] && grep -q 'control character' "$ERR" && pass "control characters in a word are refused" || fail "control chars"
python3 - "$T/d/s.sock" >"$OUT" <<'PY'
import socket, sys, time
def ask(data, wait=3):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    try: s.sendall(data)
    except (BrokenPipeError, ConnectionResetError): pass
    s.settimeout(wait); out = b''
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            out += c
    except socket.timeout: out += b'<timeout>'
    except ConnectionResetError: out += b'<reset>'
    return out.decode(errors='replace')
print(ask(b'not json\n'))
print(ask(b'{"argv": [1, 2]}\n'))
print(ask(b'{"argv": ["status"]' + b' ' * (3 << 20)))
print(ask(b''))  # silent: the daemon gives up after 2 s
print(ask(b'{"argv": ["status"]}\n'))
PY
[ "$(grep -c 'not a request from agentctl\|must be a string\|too large\|no complete request' "$OUT")" -ge 4 ] &&
	grep -q 'platform    agentsim-2' "$OUT" && pass "raw hostile requests get bounded refusals; the daemon still serves" || fail "raw requests"
stop_daemon

# --- Lua behaviour ----------------------------------------------------------
fresh l; cat >"$T/l/etc/agentd/behaviour.lua" <<'LUA'
function on_tool_call(c)
  if c.tool == "doc.search" and math.random(1, 4) == 1 then return {error = "429 rate limited"} end
end
LUA
sed -i 's/"policy": 2,/"policy": 2, "behaviour": "behaviour.lua",/' "$T/l/etc/agentd/platform.json"
printf 'tasks\n' >"$T/cmds"
run "$A" --root "$T/l" --seed 0a --script "$T/cmds"
grep -q '429 rate limited' "$T/l/var/log/agentd/agentd.jsonl" && pass "behaviour.lua fails tool calls as the author wrote" || fail "lua hook"
echo 'while true do end' >"$T/l/etc/agentd/behaviour.lua"
run "$A" --check --root "$T/l"
[ "$rc" = 1 ] && grep -q 'instruction budget' "$ERR" && pass "a looping behaviour.lua is refused at --check" || fail "lua loop refused"

# --- labrun validate on platform plans ----------------------------------------
S=$T/sc; cp -r "$TOP/scenarios/research-fetch-denied" "$S"
sed -i 's/"platform.policy_deploy", "at_s": 1800, "version": 3/"platform.tool_outage", "tool": "nope"/' "$S/scenario.json"
run "$LABRUN" validate "$S"
[ "$rc" = 1 ] && grep -q 'scenario.json: \$.faults\[0\].tool: must name one of the platform' "$ERR" && pass "validate: a platform fault naming an unknown tool is refused" || fail "validate unknown tool"
sed -i 's/"platform.tool_outage"/"platform.nope"/' "$S/scenario.json"
run "$LABRUN" validate "$S"
[ "$rc" = 1 ] && grep -q 'not a fault kind' "$ERR" && pass "validate: an unknown platform fault kind is refused" || fail "validate unknown kind"
done_testing
