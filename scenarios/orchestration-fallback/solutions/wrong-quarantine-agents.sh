#!/bin/bash
# must-fail: fallback.in-force workload.recovered tasks.recovered
# Blames the agents instead of the tool: quarantines both researchers, so
# research tasks have no agent at all.
agentctl agent quarantine researcher-1 "failing fetches"
agentctl agent quarantine researcher-2 "failing fetches"
agentctl advance 600
