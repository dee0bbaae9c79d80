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
id() { sed -n 's/^{"trace_id":"[0-9a-f]*","span_id":"\([0-9a-f]*\)".*/\1/p'; }
change=$(grep '"name":"approvals.threshold"' "$SPANS" | grep '"deploy.by":"ci"' | head -1 | id)
req_line=$(grep '"name":"approval.request"' "$SPANS" | grep '"approval.auto":"true"' |
	grep "\"span_id\":\"$change\"}\]" |
	awk -v t="$thr" 'match($0, /"tool.risk":[0-9]+/) { r = substr($0, RSTART + 12, RLENGTH - 12) + 0; if (r >= t) { print; exit } }')
req=$(printf '%s\n' "$req_line" | id)
parent=$(printf '%s\n' "$req_line" | sed -n 's/.*"parent_span_id":"\([0-9a-f]*\)".*/\1/p')
tool=$(printf '%s\n' "$req_line" | sed -n 's/.*"tool.name":"\([^"]*\)".*/\1/p')
call=$(grep '"name":"tool.call"' "$SPANS" | grep "\"parent_span_id\":\"$parent\"" |
	grep "\"tool.name\":\"$tool\"" | head -1 | id)
mkdir -p ~/answers
printf '["%s", "%s", "%s"]\n' "$change" "$req" "$call" >~/answers/chain.json
cat ~/answers/chain.json
