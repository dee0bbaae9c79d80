#!/bin/bash
# must-fail: fallback.in-force workload.recovered
# Follows the noisiest warnings in the log (doc.search's 429s) and
# disables doc.search, which has no fallback: research tasks now fail at
# their first step, and web.fetch still answers with a sign-in page.
agentctl tool disable doc.search
for t in $(agentctl tasks failed | awk '$2 == "research" {print $1}'); do
	agentctl task retry "$((10#${t#task-}))"
done
agentctl advance 600
