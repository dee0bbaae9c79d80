#!/bin/bash
# must-fail: runbook.contained-first runbook.evaluated-first
# Repairs in the wrong order: the gate first while the faulty version keeps
# serving, and the model changed without evaluating anything.
agentctl model gate planner 900
agentctl advance 300
agentctl model rollback planner
agentctl advance 600
