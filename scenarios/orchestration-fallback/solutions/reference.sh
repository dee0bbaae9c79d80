#!/bin/bash
# Reference: see that web.fetch answers with something the agents cannot
# use, put its configured fallback in force (disable web.fetch), retry the
# research tasks that failed for good, let the workload run, and write the
# chain of the first failure from the log and the spans.
set -eu
LOG=/var/log/agentd/agentd.jsonl
SPANS=/var/log/agentd/spans.jsonl
agentctl status
agentctl tasks failed | tail -5
agentctl tools
agentctl tool show web.fetch
agentctl tool disable web.fetch
for t in $(agentctl tasks failed | awk '$2 == "research" && /unexpected response/ {print $1}'); do
	agentctl task retry "$((10#${t#task-}))"
done
agentctl advance 600
agentctl tasks done | tail -3
agentctl status

field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
# Span lines are OTLP/JSON, one span a line: the span's own ids come
# first, attributes are key/value entries.
span_id() { sed -n 's/.*"spans":\[{"traceId":"[0-9a-f]*","spanId":"\([0-9a-f]*\)".*/\1/p'; }
attr() { printf '"key":"%s","value":{"stringValue":"%s"}' "$1" "$2"; }
int_attr() { printf '"key":"%s","value":{"intValue":"%s"}' "$1" "$2"; }
trace=$(grep '"msg":"task failed"' "$LOG" | grep 'unexpected response' | head -1 | field trace_id)
grep "\"traceId\":\"$trace\"" "$SPANS" >/tmp/trace.jsonl
call=$(grep '"name":"tool.call"' /tmp/trace.jsonl | grep "$(attr tool.name web.fetch)" |
	grep '"status":{"code":2' | head -1 | span_id)
run() { grep '"name":"task.run"' /tmp/trace.jsonl | grep "$(int_attr task.attempt $1)" | head -1 | span_id; }
mkdir -p ~/answers
printf '["%s", "%s", "%s", "%s"]\n' "$call" "$(run 1)" "$(run 2)" "$(run 3)" >~/answers/chain.json
cat ~/answers/chain.json
