#!/bin/bash
# Reference: see the calls fail on the adapter the upgrade brought, roll
# back (stop the harm), canary the vendor's patch release at 25%, let it
# serve calls and compare, roll it out, and reconstruct the chain.
set -eu
SPANS=/var/log/agentd/spans.jsonl
T=invoice.render
agentctl status
agentctl tasks failed | tail -3
agentctl tool show $T
agentctl tool rollback $T
agentctl tool canary $T 4.0.1 25
agentctl advance 1200
agentctl tool show $T
agentctl tool adapter $T 4.0.1
agentctl advance 600
agentctl tool show $T

# The chain: the upgrade (ci), the first call on the new adapter that
# failed (it links to the upgrade), that call's task.run.
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
up=$(grep '"name":"tool.adapter"' "$SPANS" | grep "$(attr deploy.by ci)" | head -1 | span_id)
call_line=$(grep '"name":"tool.call"' "$SPANS" | grep '"status":{"code":2' |
	grep "\"spanId\":\"$up\"}\]" | head -1)
call=$(printf '%s\n' "$call_line" | span_id)
run=$(printf '%s\n' "$call_line" | sed -n 's/.*"parentSpanId":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s", "%s"]\n' "$up" "$call" "$run" >~/answers/chain.json
cat ~/answers/chain.json
