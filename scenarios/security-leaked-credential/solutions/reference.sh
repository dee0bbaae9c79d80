#!/bin/bash
# Reference: confirm the leak, stop it at the adapter, then rotate the key
# (a key rotated while the headers are still logged leaks again), then
# narrow the policy: ops may no longer pay without a reviewer, support
# still refunds.  The new version is validated before it is applied.
set -eu
LOG=/var/log/agentd/agentd.jsonl
SPANS=/var/log/agentd/spans.jsonl
grep -c '"msg":"outgoing request"' "$LOG"
agentctl tool show payments.refund
agentctl tool set payments.refund debug off
agentctl secret list
agentctl secret rotate payments-api-key
agentctl policy show
cat >~/v3.json <<'JSON'
{"version": 3, "description": "payments: support only; ops refunds need a reviewer (leaked key follow-up)", "default": "deny",
 "rules": [
  {"id": "escalate-ops-payments", "effect": "escalate", "roles": ["ops"], "tools": ["payments.*"], "note": "INC-2231 is closed; a human reviews any refund by ops"},
  {"id": "allow-payments", "effect": "allow", "roles": ["support"], "tools": ["payments.*"]},
  {"id": "allow-search", "effect": "allow", "roles": ["*"], "tools": ["doc.*"]},
  {"id": "allow-research", "effect": "allow", "roles": ["researcher"], "tools": ["web.*", "cache.*"]}
 ]}
JSON
agentctl policy validate ~/v3.json
agentctl policy apply ~/v3.json
agentctl advance 300
grep -c '"msg":"outgoing request"' "$LOG"

# The chain: the first leaked request whose task ran as ops.
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
for t in $(grep '"msg":"outgoing request"' "$LOG" | field trace_id); do
	if grep "\"traceId\":\"$t\"" "$SPANS" | grep '"name":"task.run"' | grep -q "$(attr agent.role ops)"; then
		trace=$t
		break
	fi
done
grep "\"traceId\":\"$trace\"" "$SPANS" | grep "$(attr tool.name payments.refund)" >/tmp/req.jsonl
eval_line=$(grep '"name":"policy.evaluate"' /tmp/req.jsonl | head -1)
act=$(printf '%s\n' "$eval_line" | sed -n 's/.*"links":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s", "%s"]\n' "$act" "$(printf '%s\n' "$eval_line" | span_id)" \
	"$(grep '"name":"tool.call"' /tmp/req.jsonl | head -1 | span_id)" >~/answers/chain.json
cat ~/answers/chain.json
