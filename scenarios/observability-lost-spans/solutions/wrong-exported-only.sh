#!/bin/bash
# must-fail: chain.reconstructed
# Restores and verifies the export, but builds the chain only from spans
# that are in the file: the root cause, never exported, is left out.
SPANS=/var/log/agentd/spans.jsonl
agentctl exporter restart
agentctl advance 600
agentctl advance 600
span_id() { sed -n 's/.*"span_id":"\([0-9a-f]*\)","parent_span_id".*/\1/p'; }
deny=$(grep '"name":"policy.evaluate"' "$SPANS" | grep '"decision":"deny"' | head -1)
run=$(printf '%s\n' "$deny" | sed -n 's/.*"parent_span_id":"\([0-9a-f]*\)".*/\1/p')
mkdir -p ~/answers
printf '["%s", "%s"]\n' "$(printf '%s\n' "$deny" | span_id)" "$run" >~/answers/chain.json
