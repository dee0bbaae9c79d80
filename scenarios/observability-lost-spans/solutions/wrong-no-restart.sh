#!/bin/bash
# must-fail: exporter.restored runbook.verified
# Waits for the exporter to recover by itself: it keeps dropping a share
# of the spans.
agentctl exporter status
agentctl advance 600
agentctl advance 600
agentctl exporter status
