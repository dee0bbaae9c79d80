#!/bin/bash
# must-fail: contain.quarantined runbook.order audit.effects
# Rolls back (validated) but never contains the agents and leaves no audit.
agentctl policy validate v2
agentctl policy apply v2
agentctl advance 300
