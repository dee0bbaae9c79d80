#!/bin/sh
# Wrong: answers without restoring the policy.
# must-fail: policy.restored
echo 1 > ~/answers/version.txt
