#!/bin/bash
# must-fail: runbook.threshold-first
# Reviews first while the threshold still approves everything, and sets
# the threshold to zero instead of its configured value.
for a in $(agentctl approvals auto | awk '$1 ~ /^apr-/ && $4 >= 30 && $6 == "-" {print $1}'); do
	agentctl approval reject "$a"
done
agentctl advance 300
agentctl approvals threshold 0
