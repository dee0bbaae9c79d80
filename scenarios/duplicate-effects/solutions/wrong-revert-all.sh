#!/bin/bash
# must-fail: effects.originals-kept
# Turns keys on, then reverts every refund of a task that was duplicated,
# the first one too: those customers now get no refund at all.
agentctl tool set payments.refund idempotency on
for t in $(agentctl effects payments.refund | awk '$7 ~ /^eff-/ {print $3}' | sort -u); do
	for e in $(agentctl effects payments.refund | awk -v t="$t" '$3 == t && $9 == "applied" {print $1}'); do
		agentctl effect revert "$e"
	done
done
