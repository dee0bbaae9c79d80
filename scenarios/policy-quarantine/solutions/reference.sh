#!/bin/bash
# Reference: see what the deployment changed, contain every agent the
# faulty rule applies to, validate and apply the last good version, put
# the agents back to work, then audit from the spans: which exports went
# through unreviewed, which rule let them, and the chain of the first.
set -eu
SPANS=/var/log/agentd/spans.jsonl
agentctl status
agentctl policy history
bad=$(agentctl policy history | awk '$3 == "deploy" && $4 == "ci" {v = $2} END {print v}')
good=v$(( ${bad#v} - 1 ))
agentctl policy diff "$good" "$bad"
agentctl approvals | tail -3
for a in $(agentctl agents | awk '$2 == "triage" {print $1}'); do
	agentctl agent quarantine "$a" "unreviewed customer-data exports under policy $bad"
done
agentctl policy validate "$good"
agentctl policy apply "$good"
for a in $(agentctl agents | awk '$2 == "triage" {print $1}'); do
	agentctl agent release "$a"
done
agentctl advance 300
agentctl approvals | tail -3

# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
int_attr() { printf '"key":"%s","value":{"intValue":"%s"}' "$1" "$2"; }
attr_value() { sed -n "s/.*\"key\":\"$1\",\"value\":{\"stringValue\":\"\([^\"]*\)\".*/\1/p"; }
trace_id() { sed -n 's/.*"spans":\[{"traceId":"\([0-9a-f]*\)".*/\1/p'; } # the span's own, not a link's
grep '"name":"policy.evaluate"' "$SPANS" | grep "$(attr tool.name crm.export)" |
	grep "$(int_attr policy.version ${bad#v})" | grep "$(attr decision allow)" >/tmp/unreviewed.jsonl
mkdir -p ~/answers
: >~/answers/effects.txt
for t in $(trace_id </tmp/unreviewed.jsonl | sort -u); do
	grep "\"traceId\":\"$t\"" "$SPANS" | grep '"name":"task.run"' | head -1 | attr_value task.id >>~/answers/effects.txt
done
head -1 /tmp/unreviewed.jsonl | attr_value policy.rule >~/answers/rule.txt
first=$(sed 's/.*"startTimeUnixNano":"\([0-9]*\)".*/\1 &/' /tmp/unreviewed.jsonl | sort -n | head -1 | cut -d' ' -f2-)
eval_id=$(printf '%s\n' "$first" | span_id)
trace=$(printf '%s\n' "$first" | trace_id)
act=$(printf '%s\n' "$first" | sed -n 's/.*"links":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p')
call=$(grep "\"traceId\":\"$trace\"" "$SPANS" | grep '"name":"tool.call"' | grep "$(attr tool.name crm.export)" | head -1 | span_id)
printf '["%s", "%s", "%s"]\n' "$act" "$eval_id" "$call" >~/answers/chain.json
cat ~/answers/effects.txt ~/answers/rule.txt ~/answers/chain.json
