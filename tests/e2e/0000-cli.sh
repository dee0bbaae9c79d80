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
for c in keygen new validate selftest pack shell run regrade review recert batch verify show award report gate registry doctor; do
	out_has "^  $c " "help lists $c"
done
expect_exit 0 "labrun --help" "$LABRUN" --help
expect_exit 2 "help for an unknown command" "$LABRUN" help frobnicate
err_has 'exit codes: 0 yes' "the exit codes are listed"

for c in keygen new validate selftest pack shell run regrade review recert batch verify show award report gate registry doctor help; do
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
expect_exit 2 "report without EVIDENCE" "$LABRUN" report -p /nonexistent -o "$T/r.html"
err_has '^labrun report: no EVIDENCE file given' "... says what is missing"
expect_exit 2 "report without -p" "$LABRUN" report /nonexistent -o "$T/r.html"
err_has '^labrun report: -p ISSUER_PUB is required' "... names -p"
expect_exit 2 "report without -o" "$LABRUN" report /nonexistent -p /nonexistent
err_has '^labrun report: -o PAGE is required' "... names -o"
expect_exit 2 "report with two files" "$LABRUN" report a b -p /nonexistent -o "$T/r.html"
err_has "one EVIDENCE file at a time \('b' is extra\)" "... names the extra one"
check "... and wrote nothing" test ! -e "$T/r.html"
# labrun(1): generated from the help texts at build time (docs/man.sh),
# valid roff, every command in it, and installed by make install.
check "the build made labrun.1" test -s "$BUILD/labrun.1"
sh "$TOP/docs/man.sh" "$LABRUN" >"$T/labrun.1"
check "it is docs/man.sh's output for this labrun" cmp "$BUILD/labrun.1" "$T/labrun.1"
for c in $("$LABRUN" help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
	grep -qx "\.SS labrun $c" "$T/labrun.1" && pass "labrun.1 has a section for $c" ||
		fail "labrun.1 has a section for $c"
done
groff -man -Tutf8 -ww -z "$T/labrun.1" >"$T/groff.err" 2>&1
check "groff reads it without a warning" test ! -s "$T/groff.err"
groff -man -Tutf8 -P-c -rLL=100n "$T/labrun.1" >"$T/man.txt" 2>/dev/null
n=0
for c in $("$LABRUN" help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
	"$LABRUN" "$c" --help >"$T/h.txt"
	# every line of the help, as groff renders it (preformatted, indented)
	while IFS= read -r line; do
		[ -z "$line" ] || grep -qF -- "$line" "$T/man.txt" || { n=$((n + 1)); echo "# not rendered ($c): $line"; }
	done <"$T/h.txt"
done
[ "$n" -eq 0 ] && pass "groff renders every line of every command's help" ||
	fail "groff renders every line of every command's help ($n lines missing)"
if make -s -q -C "$TOP" B="$BUILD" all 2>/dev/null; then
	expect_exit 0 "make install" make -s -C "$TOP" B="$BUILD" install DESTDIR="$T/root" PREFIX=/usr
	check "... installs labrun.1 in share/man/man1" cmp "$BUILD/labrun.1" "$T/root/usr/share/man/man1/labrun.1"
	check "... the terminal player labrun report embeds" cmp \
		"$BUILD/share/labrun/asciinema-player/asciinema-player.min.js" \
		"$T/root/usr/share/labrun/asciinema-player/asciinema-player.min.js"
	check "... and its stylesheet" cmp "$BUILD/share/labrun/asciinema-player/asciinema-player.css" \
		"$T/root/usr/share/labrun/asciinema-player/asciinema-player.css"
	check "... and the library where labrun new finds it" \
		test -f "$T/root/usr/share/labrun/scenarios/policy-quarantine/scenario.json"
	check "... and the example ladder's programs" \
		cmp "$TOP/scenarios/programs/agent-ops-foundation.json" "$T/root/usr/share/labrun/programs/agent-ops-foundation.json"
	(cd "$T" && "$T/root/usr/bin/labrun" new from-installed --from policy-quarantine >"$T/inst.out" 2>&1)
	check "... from an installed labrun" grep -q "from $T/root/usr/share/labrun/scenarios/policy-quarantine" "$T/inst.out"
else
	fail "make install (the build in $BUILD is not up to date: make it first)"
fi
expect_exit 2 "run without its required options" "$LABRUN" run /nonexistent
err_has 'required' "the missing options are named"
done_testing
