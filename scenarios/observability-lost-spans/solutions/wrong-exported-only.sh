#!/bin/bash
# must-fail: chain.reconstructed
# Restores and verifies the export, but builds the chain only from spans
# that are in the file: the root cause, never exported, is left out.
SPANS=/var/log/agentd/spans.jsonl
agentctl exporter restart
agentctl advance 600
agentctl advance 600
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
deny=$(grep '"name":"policy.evaluate"' "$SPANS" | grep "$(attr decision deny)" | head -1)
run=$(printf '%s\n' "$deny" | sed -n 's/.*"parentSpanId":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s"]\n' "$(printf '%s\n' "$deny" | span_id)" "$run" >~/answers/chain.json
