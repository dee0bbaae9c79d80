#!/bin/bash
# must-fail: gate.restored runbook.contained-first
# Rolls the model back (after evaluating it) but leaves the gate open: the
# next provider upgrade goes straight into service again.
agentctl model eval planner 2026-03
agentctl model rollback planner
agentctl advance 600
