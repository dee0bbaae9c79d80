#!/bin/bash
# Reference: find the faulty deployment, roll back the operator's way
# (validate, then apply), let the workload run, and reconstruct the chain
# from the spans.
set -eu
SPANS=/var/log/agentd/spans.jsonl
agentctl status
agentctl policy history
agentctl tasks failed | tail -3
# the faulty version: the pipeline's last deployment; the good one: the
# version in force just before it
bad=$(agentctl policy history | awk '$3 == "deploy" && $4 == "ci" {v = $2} END {print v}')
good=$(agentctl policy history | awk -v bad="$bad" '$2 == bad && $3 == "deploy" {print prev; exit} {prev = $2}')
agentctl policy diff "$good" "$bad"
agentctl policy validate "$good"
agentctl policy apply "$good"
agentctl advance 600
agentctl tasks done | tail -3

# The chain: the activation of the bad version, the first researcher denial
# under it, and that denial's task.run span.
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
int_attr() { printf '"key":"%s","value":{"intValue":"%s"}' "$1" "$2"; }
act=$(grep '"name":"policy.activate"' "$SPANS" | grep "$(int_attr policy.version ${bad#v})" |
	grep "$(attr deploy.by ci)" | head -1 | span_id)
deny=$(grep '"name":"policy.evaluate"' "$SPANS" | grep "$(attr decision deny)" |
	grep "$(attr agent.role researcher)" | grep "\"spanId\":\"$act\"" | head -1)
eval_id=$(printf '%s\n' "$deny" | span_id)
run_id=$(printf '%s\n' "$deny" | sed -n 's/.*"parentSpanId":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s", "%s"]\n' "$act" "$eval_id" "$run_id" >~/answers/chain.json
cat ~/answers/chain.json
