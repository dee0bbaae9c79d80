#!/bin/bash
# Reference: find the threshold the pipeline raised, set it back to the
# configured value (no more high-risk auto-approvals), then reject every
# automatic approval at or above it (its work is reverted), and
# reconstruct the chain.
set -eu
SPANS=/var/log/agentd/spans.jsonl
agentctl status
agentctl approvals threshold
thr=$(agentctl approvals threshold | awk '$4 == "config" {print $3; exit}')
agentctl approvals threshold "$thr"
for a in $(agentctl approvals auto | awk -v t="$thr" '$1 ~ /^apr-/ && $4 >= t && $6 == "-" {print $1}'); do
	agentctl approval reject "$a"
done
agentctl approvals auto | tail -3

# The chain: the threshold change (ci), the first high-risk automatic
# approval linked to it, the tool call in the same run.
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
attr_value() { sed -n "s/.*\"key\":\"$1\",\"value\":{\"stringValue\":\"\([^\"]*\)\".*/\1/p"; }
change=$(grep '"name":"approvals.threshold"' "$SPANS" | grep "$(attr deploy.by ci)" | head -1 | span_id)
req_line=$(grep '"name":"approval.request"' "$SPANS" | grep "$(attr approval.auto true)" |
	grep "\"spanId\":\"$change\"}\]" |
	awk -v t="$thr" 'match($0, /"key":"tool.risk","value":\{"intValue":"[0-9]+/) { r = substr($0, RSTART, RLENGTH); sub(/.*"/, "", r); if (r + 0 >= t) { print; exit } }')
req=$(printf '%s\n' "$req_line" | span_id)
parent=$(printf '%s\n' "$req_line" | sed -n 's/.*"parentSpanId":"\([0-9a-f]*\)".*/\1/p')
tool=$(printf '%s\n' "$req_line" | attr_value tool.name)
call=$(grep '"name":"tool.call"' "$SPANS" | grep "\"parentSpanId\":\"$parent\"" |
	grep "$(attr tool.name "$tool")" | head -1 | span_id)
mkdir -p ~/answers
printf '["%s", "%s", "%s"]\n' "$change" "$req" "$call" >~/answers/chain.json
cat ~/answers/chain.json
