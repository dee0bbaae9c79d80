#!/bin/bash
# must-fail: runbook.order
# Rolls back first and quarantines afterwards: the agents keep exporting
# while the change goes through.
agentctl policy validate v2
agentctl policy apply v2
for a in triage-1 triage-2 triage-3; do agentctl agent quarantine "$a"; done
agentctl advance 300
