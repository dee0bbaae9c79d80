#!/bin/bash
# HOSTILE.md V2: credit for a step without doing it.  Every library
# scenario's reference steps are run through copies of the platform's
# programs in the candidate's home (a copy of agentctl does reach agentd,
# so only the program's identity tells it from the installed one) and
# through renamed programs (exec -a, a link named like the program), and
# every step check must fail.  The installed agentctl run through a link
# the candidate made is still the installed agentctl: its steps count.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
LIB=$TOP/scenarios

# steps SCENARIO: the ids of its checks that judge a step of the runbook.
steps() {
	case $1 in
	policy-denials) echo "active-policy-good validated-before-apply" ;;
	*) grep -o 'id = "runbook\.[a-z.-]*"' "$LIB/$1/grader/grade.lua" | sed 's/id = "\(.*\)"/\1/' ;;
	esac
}

# checks EV: "id status" lines of the evidence's result.json.
checks() {
	member "$1" result.json | python3 -c '
import json, sys
for c in json.load(sys.stdin)["checks"]:
    print(c["id"], c["status"])'
}

# all_fail SCENARIO EV WHAT: every step check of SCENARIO failed in EV.
all_fail() {
	local sc=$1 ev=$2 what=$3 id st bad=""
	checks "$ev" >"$T/checks"
	for id in $(steps "$sc"); do
		st=$(awk -v id="$id" '$1 == id {print $2}' "$T/checks")
		[ "$st" = fail ] || bad="$bad $id=${st:-missing}"
	done
	[ -z "$bad" ] && pass "$sc: $what: every step check fails" ||
		fail "$sc: $what: every step check fails (not:$bad)"
}

# Guard, then the copies: every program the steps use, copied into ~/bin,
# first on PATH.
COPIES='[ "$(id -u)" = 1000 ] && [ ! -e /proc/1/cmdline ] || exit 1
mkdir -p ~/bin
for p in /opt/labrun/bin/agentctl /srv/agentsim/bin/policyctl /usr/bin/cat \
	/usr/bin/grep /usr/bin/tail /usr/bin/head /usr/bin/wc /usr/bin/sed; do
	[ -e "$p" ] && cp "$p" ~/bin/
done
export PATH=$HOME/bin:$PATH
hash -r
'
# Renamed: a program of the step's name that is another program.
RENAMED='[ "$(id -u)" = 1000 ] && [ ! -e /proc/1/cmdline ] || exit 1
mkdir -p ~/bin
ln -s /usr/bin/true ~/bin/agentctl
ln -s /usr/bin/true ~/bin/policyctl
export PATH=$HOME/bin:$PATH
hash -r
'
n=0
for dir in "$LIB"/*/; do
	sc=$(basename "$dir")
	[ -f "$dir/scenario.json" ] && [ -f "$dir/solutions/reference.sh" ] || continue
	n=$((n + 1))
	{ printf '#!/bin/bash\n%s' "$COPIES"; sed 1d "$dir/solutions/reference.sh"; } >"$T/$sc-copies.sh"
	session "$dir" "$T/$sc-copies.sh" "$T/$sc-copies.ev"
	[ "$rc" -le 1 ] && all_fail "$sc" "$T/$sc-copies.ev" "copies in the candidate's home" ||
		fail "$sc: copies: the session ran (exit $rc)"
	{ printf '#!/bin/bash\n%s' "$RENAMED"; sed 1d "$dir/solutions/reference.sh"; } >"$T/$sc-renamed.sh"
	session "$dir" "$T/$sc-renamed.sh" "$T/$sc-renamed.ev"
	[ "$rc" -le 1 ] && all_fail "$sc" "$T/$sc-renamed.ev" "renamed programs" ||
		fail "$sc: renamed: the session ran (exit $rc)"
done
[ "$n" -ge 9 ] && pass "every library scenario was tried ($n)" || fail "every library scenario was tried ($n)"

# The attack as it was found: the file restored by hand, then exec -a
# names true as policyctl for the runbook's two steps.
cat >"$T/exec-a.sh" <<'SH'
#!/bin/bash
[ "$(id -u)" = 1000 ] && [ ! -e /proc/1/cmdline ] || exit 1
cp /etc/agentsim/policies/v6.json /etc/agentsim/policy.json
(exec -a policyctl /usr/bin/true validate v6)
(exec -a /srv/agentsim/bin/policyctl /usr/bin/true apply v6)
SH
session "$LIB/policy-denials" "$T/exec-a.sh" "$T/exec-a.ev"
all_fail policy-denials "$T/exec-a.ev" "the file restored by hand and exec -a"
member "$T/exec-a.ev" commands.jsonl >"$T/cmds"
grep -q '"argv":\["policyctl","validate","v6"\].*"exe":"/usr/bin/true"' "$T/cmds" &&
	pass "the command log keeps argv as data and names what ran (/usr/bin/true)" ||
	fail "the command log keeps argv as data and names what ran (/usr/bin/true)"

# A look is a reader by path: a copy of grep, echo and exec -a are none.
cat >"$T/look.sh" <<'SH'
#!/bin/bash
[ "$(id -u)" = 1000 ] && [ ! -e /proc/1/cmdline ] || exit 1
S=/var/log/agentd/spans.jsonl
cp /usr/bin/grep ~/g
agentctl exporter restart
for i in 1 2 3 4 5 6 7 8; do agentctl advance 120; done
echo "$S"
~/g -c span "$S"
(exec -a cat /usr/bin/true "$S")
SH
session "$LIB/observability-lost-spans" "$T/look.sh" "$T/look.ev"
checks "$T/look.ev" >"$T/checks"
grep -qx 'runbook.verified fail' "$T/checks" && grep -qx 'exporter.restored pass' "$T/checks" &&
	pass "observability-lost-spans: naming the spans file, a copied grep or exec -a cat is no look" ||
	fail "observability-lost-spans: naming the spans file, a copied grep or exec -a cat is no look"

# The installed agentctl through a link of the candidate's is still it.
{ printf '#!/bin/bash\nmkdir -p ~/bin && ln -s /opt/labrun/bin/agentctl ~/bin/agentctl\nexport PATH=$HOME/bin:$PATH\n'
  sed 1d "$LIB/research-fetch-denied/solutions/reference.sh"; } >"$T/link.sh"
session "$LIB/research-fetch-denied" "$T/link.sh" "$T/link.ev"
checks "$T/link.ev" >"$T/checks"
grep -qx 'runbook.validated-first pass' "$T/checks" &&
	pass "the installed agentctl run through a link of the candidate's: its steps count" ||
	fail "the installed agentctl run through a link of the candidate's: its steps count"
session_ends_clean "$T/link.ev" "V2"
done_testing
