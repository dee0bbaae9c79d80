#!/bin/bash
# must-fail: config-fixed
echo typo > ~/answers/cause.txt
