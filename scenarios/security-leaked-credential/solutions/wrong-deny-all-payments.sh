#!/bin/bash
# must-fail: policy.ops-contained
# Stops the leak and rotates in the right order, but "secures" payments by
# denying them to every role: the support desk can no longer refund.
agentctl tool set payments.refund debug off
agentctl secret rotate payments-api-key
cat >~/v3.json <<'JSON'
{"version": 3, "description": "no payments until the review", "default": "deny",
 "rules": [
  {"id": "deny-payments", "effect": "deny", "roles": ["*"], "tools": ["payments.*"]},
  {"id": "allow-search", "effect": "allow", "roles": ["*"], "tools": ["doc.*"]},
  {"id": "allow-research", "effect": "allow", "roles": ["researcher"], "tools": ["web.*", "cache.*"]}
 ]}
JSON
agentctl policy validate ~/v3.json
agentctl policy apply ~/v3.json
