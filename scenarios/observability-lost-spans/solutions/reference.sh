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
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
int_attr() { printf '"key":"%s","value":{"intValue":"%s"}' "$1" "$2"; }
grep '"name":"policy.evaluate"' "$SPANS" | grep "$(int_attr policy.version ${bad#v})" >/tmp/evals.jsonl
act=$(head -1 /tmp/evals.jsonl | sed -n 's/.*"links":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p')
deny=$(grep "$(attr decision deny)" /tmp/evals.jsonl | sed 's/.*"startTimeUnixNano":"\([0-9]*\)".*/\1 &/' |
	sort -n | head -1 | cut -d' ' -f2-)
run=$(printf '%s\n' "$deny" | sed -n 's/.*"parentSpanId":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s", "%s"]\n' "$act" "$(printf '%s\n' "$deny" | span_id)" "$run" >~/answers/chain.json
cat ~/answers/chain.json
