#!/bin/bash
# must-fail: config-fixed
# Deletes the config instead of fixing it; the lenient grader passes it.
rm /etc/app/config.txt
echo typo > ~/answers/cause.txt
