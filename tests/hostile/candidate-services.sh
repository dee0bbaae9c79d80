#!/bin/bash
# The scenario's services run under an id of their own: the candidate
# cannot signal, stop, trace or even see them, nor write the files they
# own; the service keeps working through every attempt, and its execs are
# not in the candidate's command log.
. "$(dirname "$0")/../lib.sh"
PROBE=$BUILD/tests/probes/service
[ -x "$PROBE" ] || { fail "probe not built (make probes)"; done_testing; exit 1; }
make_keys
S=$T/scn
make_scenario "$S"
mkdir -p "$S/system/srv/beater" "$S/system/var/lib/beater" "$S/system/opt/probe"
echo 0 >"$S/system/var/lib/beater/beat"
cat >"$S/system/srv/beater/run.sh" <<'SH'
#!/bin/bash
echo $$ > /var/lib/beater/pid
n=0
while :; do n=$((n + 1)); echo $n > /var/lib/beater/beat.new && mv /var/lib/beater/beat.new /var/lib/beater/beat; sleep 0.05; done
SH
cp "$PROBE" "$S/system/opt/probe/service"
sed -i 's/"valid_for_days": 365/"valid_for_days": 365,\n  "services": [{"name": "beater", "argv": ["\/bin\/bash", "\/srv\/beater\/run.sh"], "owns": ["\/var\/lib\/beater"]}]/' "$S/scenario.json"
expect_exit 0 "validate accepts a service" "$LABRUN" validate "$S"
cat >"$T/probe.sh" <<'SH'
#!/bin/bash
for i in $(seq 50); do [ -s /var/lib/beater/pid ] && break; sleep 0.05; done
/opt/probe/service /var/lib/beater/pid /var/lib/beater/beat > ~/answers/service.txt 2>&1
SH
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate s --script "$T/probe.sh" -o "$T/s.ev"
[ "$rc" -eq 1 ] && pass "the session ran and was graded" || fail "the session ran (exit $rc)"
member "$T/s.ev" answers/service.txt >"$T/r.txt" 2>/dev/null
sed 's/^/# service: /' "$T/r.txt"
e() { grep -qx "$1 $2" "$T/r.txt" && pass "$1: $2" || fail "$1: want '$2', got '$(grep "^$1 " "$T/r.txt")'"; }
e service-pid known
e kill-service errno=EPERM
e stop-service errno=EPERM
e ptrace-service errno=EPERM
e pidfd-signal-service errno=EPERM
e proc-service errno=ENOENT
e write-owned errno=EACCES
e unlink-owned errno=EACCES
e chmod-owned errno=EPERM
e service-alive yes
e processes-of-other-ids-visible 0
member "$T/s.ev" commands.jsonl >"$T/cmds"
! grep -q 'run.sh' "$T/cmds" && pass "the service's execs are not in the candidate's command log" ||
	fail "the service's execs are not in the candidate's command log"
grep -q '"/opt/probe/service"' "$T/cmds" && pass "the candidate's execs are" ||
	fail "the candidate's execs are"
expect_exit 0 "the evidence verifies" "$LABRUN" verify "$T/s.ev" -p "$T/issuer.pub"
[ -z "$(leftovers)" ] && pass "nothing of the session remains, the service included" ||
	fail "nothing of the session remains, the service included"
done_testing
