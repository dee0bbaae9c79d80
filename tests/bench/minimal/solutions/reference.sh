#!/bin/sh
# Reference: one file copied back, one answer.
cp /etc/app/policy.v1.json /etc/app/policy.json
echo 1 > ~/answers/version.txt
