#!/bin/bash
# must-fail: runbook.observed
# Goes through the motions: rollback, canary, and the rollout straight
# after, before the canary has served a single call.
agentctl tool rollback invoice.render
agentctl tool canary invoice.render 4.0.1 10
agentctl tool adapter invoice.render 4.0.1
agentctl advance 600
