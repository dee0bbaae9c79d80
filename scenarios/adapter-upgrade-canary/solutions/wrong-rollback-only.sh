#!/bin/bash
# must-fail: adapter.fixed-version runbook.canaried
# Rolls back and stops there: the tool is back on an adapter about to be
# retired, and the fix never ships.
agentctl tool rollback invoice.render
agentctl advance 600
