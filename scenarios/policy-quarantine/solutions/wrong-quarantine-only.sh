#!/bin/bash
# must-fail: policy.rolled-back runbook.order exports.stopped
# Contains the agents and releases them again a little later, leaving the
# faulty policy in force: the unreviewed exports start over.
for a in triage-1 triage-2 triage-3; do agentctl agent quarantine "$a"; done
agentctl advance 300
for a in triage-1 triage-2 triage-3; do agentctl agent release "$a"; done
agentctl advance 300
