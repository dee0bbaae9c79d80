#!/bin/bash
# must-fail: runbook.stop-then-rotate
# Rotates first and stops the logging afterwards: the refunds in between
# write the new key to the log as well.
agentctl secret rotate payments-api-key
agentctl advance 300
agentctl tool set payments.refund debug off
cat >~/v3.json <<'JSON'
{"version": 3, "description": "ops payments reviewed", "default": "deny",
 "rules": [
  {"id": "escalate-ops-payments", "effect": "escalate", "roles": ["ops"], "tools": ["payments.*"]},
  {"id": "allow-payments", "effect": "allow", "roles": ["support"], "tools": ["payments.*"]},
  {"id": "allow-search", "effect": "allow", "roles": ["*"], "tools": ["doc.*"]},
  {"id": "allow-research", "effect": "allow", "roles": ["researcher"], "tools": ["web.*", "cache.*"]}
 ]}
JSON
agentctl policy validate ~/v3.json
agentctl policy apply ~/v3.json
