#!/bin/bash
# must-fail: runbook.rollback-first runbook.canaried
# Puts the patch release in service for every call at once: no rollback,
# no canary.
agentctl tool adapter invoice.render 4.0.1
agentctl advance 600
