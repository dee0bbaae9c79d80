#!/bin/bash
# Reference: see the keys are off, turn them on (no new duplicates), then
# revert exactly the duplicates in the ledger, and reconstruct the chain.
set -eu
SPANS=/var/log/agentd/spans.jsonl
agentctl status
agentctl tool show payments.refund
agentctl metrics | grep duplicate || true
agentctl tool set payments.refund idempotency on
agentctl advance 60
for e in $(agentctl effects payments.refund | awk '$7 ~ /^eff-/ && $9 == "applied" {print $1}'); do
	agentctl effect revert "$e"
done
agentctl effects payments.refund | tail -1

# The chain: the adapter change (ci), the call whose effect was first
# duplicated, the call that duplicated it.
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
first=$(agentctl effects payments.refund | awk '$7 ~ /^eff-/ {print $1, $7; exit}')
dup=${first% *} orig=${first#* }
adapter=$(grep '"name":"tool.adapter"' "$SPANS" | grep "$(attr deploy.by ci)" | head -1 | span_id)
orig_span=$(grep '"name":"tool.call"' "$SPANS" | grep "$(attr effect.id "$orig")" | head -1 | span_id)
dup_span=$(grep '"name":"tool.call"' "$SPANS" | grep "$(attr effect.id "$dup")" | head -1 | span_id)
mkdir -p ~/answers
printf '["%s", "%s", "%s"]\n' "$adapter" "$orig_span" "$dup_span" >~/answers/chain.json
cat ~/answers/chain.json
