#!/bin/bash
# must-fail: approvals.low-risk-kept
# Restores the threshold, then rejects every automatic approval, the
# low-risk updates the configured threshold allows too.
agentctl approvals threshold 30
for a in $(agentctl approvals auto | awk '$1 ~ /^apr-/ && $6 == "-" {print $1}'); do
	agentctl approval reject "$a"
done
