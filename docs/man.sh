#!/bin/sh
# man.sh LABRUN: labrun(1) in roff on stdout, generated from the help
# texts of the labrun binary named (make runs it at build time: one
# source for the help and the manual, so they cannot disagree).  Each
# command's --help goes in as it is, preformatted; only roff's own
# characters are escaped.  It writes nothing else.
set -eu
labrun=$1

version=$("$labrun" --version | sed -n 's/^labrun //p')
commands=$("$labrun" help | sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$version" ] && [ -n "$commands" ] || {
	echo "man.sh: $labrun gave no version or no command list" >&2
	exit 1
}

# Text as roff reads it: a backslash is \e, and a line starting with a
# dot or an apostrophe would be a request, so \& goes first.
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

cat <<EOF
.TH LABRUN 1 "" "labrun $version" "User Commands"
.SH NAME
labrun \\- hands-on certification exams for people who maintain agentic systems
.SH SYNOPSIS
.B labrun
.I COMMAND
.RI [ ARGS ]
.br
.B labrun help
.RI [ COMMAND ]
.SH DESCRIPTION
labrun runs a scenario (a simulated agent platform, a fault plan, a brief
and a grader) in a sandbox, where a candidate repairs it; it grades the
result from outside and writes signed evidence.
Authors start scenarios with
.BR "labrun new" ,
explore them with
.BR "labrun shell" ,
qualify them with
.B labrun selftest
and sign them with
.BR "labrun pack" .
Exam hosts run
.BR "labrun take" ,
.B labrun run
and
.BR "labrun exam" ;
anyone checks evidence with
.BR "labrun verify" .
.SH COMMANDS
EOF
"$labrun" help | sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z-]*\)  *\(.*\)/\1\t\2/p' |
while IFS="$(printf '\t')" read -r name summary; do
	printf '.TP\n.B %s\n' "$name"
	printf '%s\n' "$summary" | esc
done
for c in $commands; do
	printf '.SS labrun %s\n.nf\n' "$c"
	"$labrun" "$c" --help | esc
	printf '.fi\n'
done
cat <<'EOF'
.SH EXIT STATUS
0 yes (passed, valid); 1 no (failed, tampered, refused input); 2 usage;
3 host or infrastructure failure (an error verdict, never the candidate's
fail); 4 internal bug.
.SH FILES
.TP
.I /etc/labrun/labrun.conf
the exam host's configuration (--config names another)
.TP
.I PREFIX/libexec/labrun
the sandbox's pid 1 and the in-sandbox tools
.TP
.I PREFIX/share/labrun/scenarios
the scenario library labrun new copies from
.SH SEE ALSO
.BR minisign (1),
.BR bwrap (1);
the docs/ directory of labrun's source: authoring.md, scenario.md,
take.md, operators.md, evidence.md.
EOF
