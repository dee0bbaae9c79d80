#!/bin/bash
# must-fail: runbook.validated-first
# Rolls back without validating first, and leaves no chain.
agentctl policy apply v2
agentctl advance 600
