#!/bin/bash
# must-fail: runbook.keys-first
# Cleans up before stopping the cause: reverts the duplicates while the
# tool still gets no keys, lets the platform run, then turns keys on.
for e in $(agentctl effects payments.refund | awk '$7 ~ /^eff-/ && $9 == "applied" {print $1}'); do
	agentctl effect revert "$e"
done
agentctl advance 600
agentctl tool set payments.refund idempotency on
