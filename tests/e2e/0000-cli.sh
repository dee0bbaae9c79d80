#!/bin/bash
# The command line: help, version, exit codes for usage errors, and every
# command's --help pinned in tests/golden/usage/ (UPDATE_GOLDEN=1
# regenerates them; review the diff).
. "$(dirname "$0")/../lib.sh"
G=$TOP/tests/golden/usage

expect_exit 0 "--version" "$LABRUN" --version
out_has '^labrun [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"
expect_exit 2 "no command is a usage error" "$LABRUN"
err_has 'usage: labrun COMMAND' "no command lists the commands"
expect_exit 2 "an unknown command is a usage error" "$LABRUN" frobnicate
err_has 'frobnicate: no such command' "the unknown command is named"
expect_exit 0 "labrun help" "$LABRUN" help
for c in keygen new validate selftest pack shell run regrade recert batch verify doctor; do
	out_has "^  $c " "help lists $c"
done
expect_exit 0 "labrun --help" "$LABRUN" --help
expect_exit 2 "help for an unknown command" "$LABRUN" help frobnicate
err_has 'exit codes: 0 yes' "the exit codes are listed"

for c in keygen new validate selftest pack shell run regrade recert batch verify doctor help; do
	run "$LABRUN" "$c" --help
	if [ "$rc" -ne 0 ]; then fail "$c --help exits 0 (exit $rc)"; continue; fi
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		mkdir -p "$G" && cp "$OUT" "$G/$c.txt"
	fi
	if diff -u "$G/$c.txt" "$OUT" >"$T/diff" 2>&1; then
		pass "$c --help matches tests/golden/usage/$c.txt"
	else
		fail "$c --help matches tests/golden/usage/$c.txt"
		sed 's/^/#   /' "$T/diff" | head -20
	fi
	run "$LABRUN" help "$c"
	diff -q "$G/$c.txt" "$OUT" >/dev/null 2>&1 && pass "labrun help $c is $c --help" ||
		fail "labrun help $c is $c --help"
	expect_exit 2 "$c with an unknown option" "$LABRUN" "$c" --no-such-option
done
expect_exit 2 "new without an ID" "$LABRUN" new
err_has "^labrun new: name the new scenario's ID" "... says what is missing"
expect_exit 2 "new with a bad ID" "$LABRUN" new Bad_Id
err_has "ID 'Bad_Id': 1 to 63 of a-z, 0-9 and -" "... names the rule"
expect_exit 2 "shell without a scenario" "$LABRUN" shell
err_has '^labrun shell: name a scenario directory or a bundle' "... says what is missing"
expect_exit 2 "shell away from a terminal" "$LABRUN" shell /nonexistent </dev/null
err_has 'shell needs a terminal on stdin and stdout' "... says it needs one"
expect_exit 2 "shell with a bad seed" "$LABRUN" shell --seed xyz /nonexistent
err_has 'seed xyz: 2 to 64 hex digits' "... names the seed's form"
expect_exit 2 "run without its required options" "$LABRUN" run /nonexistent
err_has 'required' "the missing options are named"
done_testing
