#!/bin/bash
# must-fail: active-policy-good validated-before-apply rule-identified since-identified
# Wrong: blames the web.fetch adapter upgrade in deploy.log, "restarts" the
# policy engine by re-applying the active (faulty) version, and answers from
# deploy.log instead of the decision log.
set -eu
export PATH=$PATH:/srv/agentsim/bin
policyctl status
policyctl apply v7
mkdir -p ~/answers
printf '%s\n' allow-read-all >~/answers/rule.txt
grep 'name=web.fetch' /var/log/agentsim/deploy.log | tail -n 1 | cut -d' ' -f1 >~/answers/since.txt
