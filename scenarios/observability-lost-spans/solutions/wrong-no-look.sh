#!/bin/bash
# must-fail: runbook.verified
# Restarts the exporter and lets the workload run, but never looks at
# spans.jsonl to see new spans arrive: the platform says it works, the
# operator did not check.
agentctl exporter status
agentctl exporter restart
agentctl advance 240
agentctl exporter status
