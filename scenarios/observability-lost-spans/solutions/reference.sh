#!/bin/bash
# Reference: see that the exporter drops spans (its counter), restart it,
# then let the workload run until new spans arrive in the file; then
# rebuild the chain from the links of the exported evaluations.
set -eu
SPANS=/var/log/agentd/spans.jsonl
LOG=/var/log/agentd/agentd.jsonl
agentctl status
agentctl exporter status
agentctl policy history
wc -l "$SPANS"
agentctl exporter restart
for i in 1 2 3 4 5 6 7 8; do
	before=$(wc -l <"$SPANS")
	agentctl advance 120
	[ "$(wc -l <"$SPANS")" -gt "$before" ] && break
done
agentctl exporter status

bad=$(agentctl policy history | awk '$3 == "deploy" && $4 == "ci" && NR > 2 {print $2; exit}')
grep '"msg":"policy version activated"' "$LOG" | grep "\"policy_version\":\"${bad#v}\""
span_id() { sed -n 's/.*"span_id":"\([0-9a-f]*\)","parent_span_id".*/\1/p'; }
grep '"name":"policy.evaluate"' "$SPANS" | grep "\"policy.version\":${bad#v}," >/tmp/evals.jsonl
act=$(head -1 /tmp/evals.jsonl | sed -n 's/.*"links":\[{"trace_id":"[0-9a-f]*","span_id":"\([0-9a-f]*\)".*/\1/p')
deny=$(grep '"decision":"deny"' /tmp/evals.jsonl | sed 's/.*"start_unix_nano":\([0-9]*\).*/\1 &/' |
	sort -n | head -1 | cut -d' ' -f2-)
run=$(printf '%s\n' "$deny" | sed -n 's/.*"parent_span_id":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s", "%s"]\n' "$act" "$(printf '%s\n' "$deny" | span_id)" "$run" >~/answers/chain.json
cat ~/answers/chain.json
