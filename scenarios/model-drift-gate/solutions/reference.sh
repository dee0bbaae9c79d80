#!/bin/bash
# Reference: see the failures name the new model version, find the gate
# the pipeline opened, evaluate, roll the model back (containment), set
# the gate back to its configured value (repair), let the workload run,
# and reconstruct the chain from the spans.
set -eu
SPANS=/var/log/agentd/spans.jsonl
agentctl status
agentctl tasks failed | tail -3
agentctl models
agentctl model gate planner
bad=$(agentctl models | awk '$1 == "planner" {print $2}')
agentctl model eval planner "$bad"
agentctl model rollback planner
# the gate's configured value: the first line of its history
min=$(agentctl model gate planner | awk '$4 == "config" {print $3; exit}')
agentctl model gate planner "$min"
agentctl advance 600
agentctl tasks done | tail -3

# The chain: gate change (ci) -> promotion (links to it) -> first failed
# plan (links to the promotion) -> its task.run.
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
gate=$(grep '"name":"model.gate"' "$SPANS" | grep "$(attr deploy.by ci)" | head -1 | span_id)
promo=$(grep '"name":"model.promote"' "$SPANS" | grep "$(attr deploy.how upgrade)" |
	grep "\"links\":\[{\"traceId\":\"[0-9a-f]*\",\"spanId\":\"$gate\"" | head -1 | span_id)
plan_line=$(grep '"name":"agent.plan"' "$SPANS" | grep '"status":{"code":2' |
	grep "\"spanId\":\"$promo\"}\]" | head -1)
plan=$(printf '%s\n' "$plan_line" | span_id)
run=$(printf '%s\n' "$plan_line" | sed -n 's/.*"parentSpanId":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s", "%s", "%s"]\n' "$gate" "$promo" "$plan" "$run" >~/answers/chain.json
cat ~/answers/chain.json
