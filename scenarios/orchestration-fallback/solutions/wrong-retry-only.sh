#!/bin/bash
# must-fail: fallback.in-force runbook.contained-first tasks.recovered
# Retries every failed research task without containing the tool: the
# retries meet the same sign-in page and fail again.
for t in $(agentctl tasks failed | awk '$2 == "research" {print $1}'); do
	agentctl task retry "$((10#${t#task-}))"
done
agentctl advance 600
