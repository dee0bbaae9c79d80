#!/bin/bash
# must-fail: runbook.verified chain.reconstructed
# Restarts the exporter and leaves: spans still do not reach the file.
agentctl exporter restart
