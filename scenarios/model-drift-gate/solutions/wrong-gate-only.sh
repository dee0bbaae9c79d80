#!/bin/bash
# must-fail: model.good-version runbook.contained-first
# Repairs the gate but leaves the faulty version in service: the gate only
# judges the next promotion, not the version already promoted.
agentctl model gate planner 900
agentctl advance 600
