#!/bin/bash
# must-fail: effects.deduplicated runbook.keys-first
# Stops new duplicates but leaves the customers' double refunds in place.
agentctl tool set payments.refund idempotency on
agentctl advance 600
