#!/bin/bash
# Source rules (docs/testing.md, STYLE): no banned function, no VLA-prone
# alloca, every file opens with a line on what it is for, no unfinished
# marker left in code.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
srcs=$(ls runner/*.[ch] runner/tools/*.c sandbox/*.[ch] graders/*.[ch] scenarios/platform/*.[ch] tests/probes/*.c 2>/dev/null)
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|system|popen|mktemp|alloca|signal|rand)[[:space:]]*\('
for f in $srcs; do
	hits=$(sed -e 's://.*$::' "$f" | grep -nE "$banned" | grep -vE '^\s*[0-9]+:\s*(\*|/\*)' )
	[ -z "$hits" ] && pass "$f: no banned function" || { fail "$f: no banned function"; echo "$hits" | sed 's/^/#   /'; }
	head -1 "$f" | grep -q '^/\* [a-z_0-9-]*: ' && pass "$f: opens with its purpose" ||
		fail "$f: opens with '/* NAME: purpose'"
done
# The pattern is spelled in pieces so that this file does not match it.
marks="TO""DO|FIX""ME|X""XX[^X]|not (yet )?implem""ented"
left=$(grep -nE "$marks" $srcs graders/*.lua 2>/dev/null)
[ -z "$left" ] && pass "no unfinished marker left in the code" || { fail "no unfinished marker left"; echo "$left" | sed 's/^/#   /'; }
done_testing
