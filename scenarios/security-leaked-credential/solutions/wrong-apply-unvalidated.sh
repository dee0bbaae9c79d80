#!/bin/bash
# must-fail: runbook.validated-first
# The right fixes, but the new policy goes straight into force unchecked.
agentctl tool set payments.refund debug off
agentctl secret rotate payments-api-key
cat >~/v3.json <<'JSON'
{"version": 3, "description": "ops payments reviewed", "default": "deny",
 "rules": [
  {"id": "escalate-ops-payments", "effect": "escalate", "roles": ["ops"], "tools": ["payments.*"]},
  {"id": "allow-payments", "effect": "allow", "roles": ["support"], "tools": ["payments.*"]},
  {"id": "allow-search", "effect": "allow", "roles": ["*"], "tools": ["doc.*"]},
  {"id": "allow-research", "effect": "allow", "roles": ["researcher"], "tools": ["web.*", "cache.*"]}
 ]}
JSON
agentctl policy apply ~/v3.json
