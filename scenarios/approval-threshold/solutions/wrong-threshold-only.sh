#!/bin/bash
# must-fail: approvals.reviewed runbook.threshold-first
# Restores the threshold but leaves the high-risk actions it let through
# in place: refunds paid and accounts erased without a person.
agentctl approvals threshold 30
agentctl advance 300
