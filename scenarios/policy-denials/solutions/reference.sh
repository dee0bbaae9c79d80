#!/bin/bash
# Reference: look at what changed and who is denied, roll back to the last
# good version the operator's way (validate, then apply; v7 stays in the
# history), and derive both answers from the decision log.
set -eu
export PATH=$PATH:/srv/agentsim/bin
LOG=/var/log/agentsim/decisions.jsonl

# What runs now, what the history holds, what was deployed when.
policyctl status
policyctl history
grep 'component=policy' /var/log/agentsim/deploy.log

# Denials by rule, role and policy version: untrusted agents have been
# denied all along (by design); researchers only under the new version.
grep '"decision":"deny"' "$LOG" |
	sed 's/.*"role":"\([^"]*\)".*"rule":"\([^"]*\)","policy_version":\([0-9]*\).*/\2 \1 v\3/' |
	sort | uniq -c

# The culprit: the rule that denies researcher agents.
rule=$(grep '"role":"researcher"' "$LOG" | grep '"decision":"deny"' |
	sed 's/.*"rule":"\([^"]*\)".*/\1/' | sort | uniq -c | sort -rn |
	sed -n '1s/^ *[0-9]* //p')
# Since: the first decision in which that rule denied a researcher agent.
since=$(grep '"role":"researcher"' "$LOG" | grep '"decision":"deny"' |
	grep "\"rule\":\"$rule\"" | sed 's/^{"ts":"\([^"]*\)".*/\1/' | sort | sed -n 1p)
echo "culprit: $rule, first researcher denial: $since"

# The faulty version is the active one; the last good one is the version
# before it.  Confirm with the diff and what each decides.
bad=$(sed -n 's/^ *"version": \([0-9][0-9]*\),$/\1/p' /etc/agentsim/policy.json)
good=v$((bad - 1))
policyctl diff "$good" "v$bad"
policyctl eval researcher web.fetch "v$bad"
policyctl eval researcher web.fetch "$good"
policyctl eval research-ext web.fetch "$good"

# Roll back: validate, then apply.
policyctl validate "$good"
policyctl apply "$good"
policyctl status
policyctl eval researcher web.fetch

mkdir -p ~/answers
printf '%s\n' "$rule" >~/answers/rule.txt
printf '%s\n' "$since" >~/answers/since.txt
