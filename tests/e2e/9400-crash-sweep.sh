#!/bin/bash
# Crash consistency, swept: labrun killed with SIGKILL at every phase of a
# session (LABRUN_CRASH_AT: unpack, sandbox build, services start,
# mid-session, grading, collection, sealing, renaming into place), the
# grader worker and the sandbox's pid 1 killed, and batch killed at every
# job boundary and mid-job.  After each: no file at -o unless it is whole
# and verifies; once the next labrun has started, no process, mount,
# cgroup, nftables table or register entry is left, and the attempt is
# recorded (lost) rather than dropped; a rerun of the batch ends with
# exactly one valid result per job.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
scenario_set "$S" platform '"agentsim-2"'
mkdir -p "$S/system/srv/svc" "$S/system/var/lib/svc"
printf '#!/bin/bash\nwhile :; do date +%%s > /var/lib/svc/beat; sleep 0.2; done\n' >"$S/system/srv/svc/run.sh"
python3 - "$S/scenario.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["services"] = [{"name": "svc", "argv": ["/bin/bash", "/srv/svc/run.sh"], "owns": ["/var/lib/svc"]}]
j["faults"] = [{"id": "refuse", "kind": "net.refuse", "port": 8080}]
json.dump(j, open(sys.argv[1], "w"), indent=2)
PY
printf '#!/bin/bash\nsed -i s/mode=broken/mode=fixed/ /etc/app/config.txt\nsleep 0.3\necho typo > ~/answers/cause.txt\n' >"$T/ref.sh"
nft_before=$(nft list tables 2>/dev/null | sort)

# cgroups SESSION: the session's cgroup directories on the host.
cgroups() { find /sys/fs/cgroup -maxdepth 8 -type d -path "*/labrun/$1" 2>/dev/null; }

# After a crashed session: the next one runs and cleans up, and nothing of
# the crashed one is left; its attempt is in the spool as lost.
after_crash() { # WHAT EV [SESSION-ID]
	local what=$1 ev=$2 id=${3:-}
	if [ -e "$ev" ]; then
		"$LABRUN" verify "$ev" -p "$T/issuer.pub" >/dev/null 2>&1 &&
			pass "$what: the file at -o is whole and verifies" ||
			fail "$what: a file at -o that does not verify"
	else
		pass "$what: nothing at -o"
	fi
	run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate next --script "$T/ref.sh" -o "$T/next.ev"
	[ "$rc" -eq 0 ] && pass "$what: the next session runs (and passes)" || fail "$what: the next session (exit $rc)"
	local left
	left=$(leftovers)
	[ -z "$left" ] && pass "$what: no process, mount or register entry is left" ||
		{ fail "$what: no process, mount or register entry is left"; printf '%s\n' "$left" | sed 's/^/#   /'; }
	if [ -n "$id" ]; then
		[ -z "$(cgroups "$id")" ] && pass "$what: no cgroup of it is left" ||
			fail "$what: its cgroups are left: $(cgroups "$id" | tr '\n' ' ')"
	fi
	[ "$(nft list tables 2>/dev/null | sort)" = "$nft_before" ] && pass "$what: no nftables table is left on the host" ||
		fail "$what: an nftables table is left on the host"
	rm -f "$T/next.ev"
}

# The id of the attempt the spool recorded last as lost ("" if none).
lost_id() { "$LABRUN" spool --json 2>/dev/null | sed -n 's/.*"id":"\([0-9a-f]*\)","kind":"lost".*/\1/p' | tail -1; }

for phase in unpack build services session:2 grading collect seal rename:.ev; do
	ev=$T/crash-${phase%%:*}.ev
	LABRUN_CRASH_AT=$phase run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate c --script "$T/ref.sh" -o "$ev"
	[ "$rc" -eq 137 ] && pass "$phase: labrun killed there (SIGKILL)" || fail "$phase: labrun killed there (exit $rc)"
	after_crash "$phase" "$ev" "$(lost_id)"
	case $phase in
	unpack) [ -z "$(lost_id)" ] && pass "$phase: before any session, no attempt to record" ||
			fail "$phase: before any session, no attempt to record" ;;
	*) [ -n "$(lost_id)" ] && pass "$phase: the attempt is recorded as lost" ||
			fail "$phase: the attempt is recorded as lost" ;;
	esac
	for id in $("$LABRUN" spool --json | sed -n 's/.*"id":"\([0-9a-f]*\)","kind":"lost".*/\1/p'); do
		"$LABRUN" spool clear "$id" >/dev/null
	done
done

# The grader worker killed: an error verdict, sealed; never a fail.  The
# session's grading is the second grader run (validate's dry run first).
LABRUN_CRASH_AT=grader:2 run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate g --script "$T/ref.sh" -o "$T/g.ev"
[ "$rc" -eq 3 ] && out_has "error: .*grader" "the grader worker killed: an error verdict (exit 3), and why" ||
	fail "the grader worker killed (exit $rc)"
after_crash "grader" "$T/g.ev"
[ "$(manifest_value "$T/g.ev" verdict)" = error ] && pass "grader: its evidence says error" || fail "grader: its evidence says error"

# The sandbox's pid 1 killed mid-session.
printf '#!/bin/bash\nsleep 30\n' >"$T/sleep.sh"
"$LABRUN" run "$S" --key "$T/issuer.key" --candidate p --script "$T/sleep.sh" -o "$T/p.ev" >"$T/p.out" 2>&1 &
p=$!
slot=$(slot_running "$p" sleep 50)
init=$(slot_procs "$slot" labrun-init | awk '{print $2}' | head -1)
[ -n "$init" ] && kill -9 "$init"
wait "$p"
rc=$?
[ "$rc" -le 3 ] && [ -s "$T/p.ev" ] && pass "pid 1 killed: the session ends with evidence (exit $rc)" ||
	fail "pid 1 killed: the session ends with evidence (exit $rc)"
after_crash "pid 1" "$T/p.ev"

# batch: killed at job boundaries and mid-job; the rerun finishes the list.
mkdir -p "$T/b" "$T/ev"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v1.lab" >/dev/null || fail "pack v1"
for c in ann ben cat; do
	"$LABRUN" run "$T/b/v1.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate "$c" --script "$T/ref.sh" -o "$T/ev/$c.ev" >/dev/null 2>&1
done
scenario_set "$S" version '"1.1.0"'
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b/v2.lab" >/dev/null || fail "pack v2"
"$LABRUN" recert plan --evidence "$T/ev" --bundles "$T/b" --trust "$T/author.pub" \
	-p "$T/issuer.pub" -o "$T/jobs" >/dev/null
[ "$(wc -l <"$T/jobs")" -eq 3 ] && pass "three jobs" || fail "three jobs"
for phase in job:1 job:2 job:3 job-running:1 job-running:3 session:2; do
	out=$T/out-${phase/:/-}
	LABRUN_CRASH_AT=$phase run "$LABRUN" batch "$T/jobs" -o "$out" --trust "$T/author.pub" --key "$T/issuer.key"
	case $phase in
	session:*) [ "$rc" -eq 3 ] && pass "batch, $phase: every replay's labrun killed mid-session: errors, exit 3" ||
			fail "batch, $phase (exit $rc)" ;;
	*) [ "$rc" -eq 137 ] && pass "batch, $phase: killed there" || fail "batch, $phase: killed there (exit $rc)" ;;
	esac
	run "$LABRUN" batch "$T/jobs" -o "$out" --trust "$T/author.pub" --key "$T/issuer.key"
	[ "$rc" -eq 0 ] && pass "batch, $phase: the rerun finishes (exit 0)" || fail "batch, $phase: the rerun (exit $rc)"
	n=0
	for j in $(python3 -c 'import json, sys; [print(json.loads(l)["job"]) for l in open(sys.argv[1])]' "$T/jobs"); do
		"$LABRUN" verify "$out/$j.ev" -p "$T/issuer.pub" >/dev/null 2>&1 && n=$((n + 1))
	done
	[ "$n" -eq 3 ] && [ "$(ls "$out" | grep -c '\.ev$')" -eq 3 ] &&
		pass "batch, $phase: exactly one valid result per job" || fail "batch, $phase: one valid result per job ($n)"
	left=$(leftovers)
	[ -z "$left" ] && pass "batch, $phase: nothing is left" || fail "batch, $phase: nothing is left: $left"
done
done_testing
