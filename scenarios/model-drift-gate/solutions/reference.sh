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
id() { sed -n 's/^{"trace_id":"[0-9a-f]*","span_id":"\([0-9a-f]*\)".*/\1/p'; }
gate=$(grep '"name":"model.gate"' "$SPANS" | grep '"deploy.by":"ci"' | head -1 | id)
promo=$(grep '"name":"model.promote"' "$SPANS" | grep '"deploy.how":"upgrade"' |
	grep "\"links\":\[{\"trace_id\":\"[0-9a-f]*\",\"span_id\":\"$gate\"" | head -1 | id)
plan_line=$(grep '"name":"agent.plan"' "$SPANS" | grep '"status":"error"' |
	grep "\"span_id\":\"$promo\"}\]" | head -1)
plan=$(printf '%s\n' "$plan_line" | id)
run=$(printf '%s\n' "$plan_line" | sed -n 's/.*"parent_span_id":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s", "%s", "%s"]\n' "$gate" "$promo" "$plan" "$run" >~/answers/chain.json
cat ~/answers/chain.json
