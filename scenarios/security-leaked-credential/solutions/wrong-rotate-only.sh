#!/bin/bash
# must-fail: leak.stopped runbook.stop-then-rotate policy.ops-contained
# Rotates the key and calls it done: the adapter keeps logging headers.
agentctl secret rotate payments-api-key
agentctl advance 300
