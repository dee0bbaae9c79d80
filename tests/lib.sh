# lib.sh: sourced by every shell test.  Each assertion prints one TAP line;
# tests/run.sh counts them.  A test that needs what the host lacks calls
# skip with the reason.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
LABRUN=${LABRUN:-$BUILD/labrun}
T=$(mktemp -d /tmp/labrun-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
# Hermetic: this test's sessions keep their register, work areas and
# scratch directories in a state directory and a TMPDIR of their own, so
# that it lists, ends, counts and cleans only what it started, beside any
# live session of the host (docs/testing.md, "A live host").  The
# sandbox's inner root must traverse it: 0711.
chmod 711 "$T"
export LABRUN_STATE_DIR=$T/state LABRUN_SPOOL_DIR=$T/spool TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
OUT=$T/.out
ERR=$T/.err
tap_n=0

pass() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
fail() {
	tap_n=$((tap_n + 1))
	echo "not ok $tap_n - $1"
	[ -s "$OUT" ] && sed -n '1,15s/^/#   out: /p' "$OUT"
	[ -s "$ERR" ] && sed -n '1,15s/^/#   err: /p' "$ERR"
	return 0
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }
# A test that calls a helper or tool that does not exist fails, rather
# than printing bash's complaint and counting nothing.
command_not_found_handle() {
	echo "not ok $((tap_n + 1)) - $1: command not found (a helper that does not exist, or a tool the test did not check for)"
	return 127
}

# run CMD...: run it, keeping stdout in $OUT, stderr in $ERR, status in $rc.
run() { "$@" >"$OUT" 2>"$ERR"; rc=$?; }

# expect_exit CODE DESC CMD...: the command exits with CODE.
expect_exit() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then pass "$desc"; else
		fail "$desc (exit $rc, want $want)"; fi
}

# check DESC CMD...: the command succeeds (output not captured over $OUT).
check() {
	local desc=$1
	shift
	if "$@" >"$T/.check" 2>&1; then pass "$desc"; else
		fail "$desc"; sed -n '1,15s/^/#   /p' "$T/.check"; fi
}

# out_has PATTERN DESC / err_has PATTERN DESC: grep -E on the last run.
out_has() { if grep -qE -- "$1" "$OUT"; then pass "$2"; else fail "$2 (no /$1/ in stdout)"; fi; }
err_has() { if grep -qE -- "$1" "$ERR"; then pass "$2"; else fail "$2 (no /$1/ in stderr)"; fi; }

# keys: make an author and an issuer key pair under $T.
make_keys() {
	"$LABRUN" keygen -p "$T/author.pub" -s "$T/author.key" >/dev/null &&
	"$LABRUN" keygen -p "$T/issuer.pub" -s "$T/issuer.key" >/dev/null
}

done_testing() { echo "1..$tap_n"; }

# make_scenario DIR [ID]: a small valid scenario: /etc/app/config.txt says
# mode=broken; the fix is mode=fixed and ~/answers/cause.txt = "typo".
make_scenario() {
	local d=$1 id=${2:-t-basic}
	mkdir -p "$d/system/etc/app" "$d/grader" "$d/solutions"
	cat >"$d/scenario.json" <<JSON
{
  "schema": 1,
  "id": "$id",
  "version": "1.0.0",
  "title": "A config file with a typo",
  "level": "foundation",
  "competencies": ["testing"],
  "platform": "agentsim-1",
  "grader_api": 1,
  "pass_mark": 800,
  "time_limit_s": 60,
  "valid_for_days": 365,
  "candidate_owns": ["/etc/app"]
}
JSON
	printf '# Fix the config\n\nSet mode=fixed in /etc/app/config.txt and write the cause to ~/answers/cause.txt.\n' >"$d/brief.md"
	printf '# Hints\n\n## Hint (cost 100)\n\nLook at /etc/app/config.txt.\n' >"$d/hints.md"
	printf 'mode=broken\n' >"$d/system/etc/app/config.txt"
	cat >"$d/grader/grade.lua" <<'LUA'
local cfg = lab.read("/etc/app/config.txt") or ""
local cause = lab.trim(lab.answer("cause.txt") or "")
local fixed = cfg:find("mode=fixed", 1, true) ~= nil
-- the file is the candidate's: an edit by sed (from the command log) is
-- what tells a fix from a file written by hand
local edited = lab.ran("sed", "/etc/app/config.txt") ~= nil
return {
  lab.check{id = "config-fixed", title = "The config is fixed", weight = 600,
    pass = fixed and edited,
    message = (fixed and edited) and "mode is fixed"
      or fixed and "/etc/app/config.txt says mode=fixed, but sed did not edit it"
      or "/etc/app/config.txt still does not say mode=fixed"},
  lab.check{id = "cause-named", title = "The cause is named", weight = 400,
    pass = cause == "typo", kind = "knowledge",
    message = cause == "typo" and "right cause" or "~/answers/cause.txt does not name the cause"},
}
LUA
	cat >"$d/solutions/reference.sh" <<'SH'
#!/bin/bash
sed -i 's/mode=broken/mode=fixed/' /etc/app/config.txt
echo typo > ~/answers/cause.txt
SH
	cat >"$d/solutions/wrong-only-answer.sh" <<'SH'
#!/bin/bash
# must-fail: config-fixed
echo typo > ~/answers/cause.txt
SH
}

# make_min_scenario DIR: the smallest scenario pack qualifies: the
# untouched x = 1 in /etc/x.conf fails, the reference's x = 2 passes.  The
# file is the candidate's, so its one check is a knowledge answer (what to
# write), not a remediation a forger could fake (docs/validity.md, V5).
make_min_scenario() {
	mkdir -p "$1/system/etc" "$1/grader" "$1/solutions"
	cat >"$1/scenario.json" <<'JSON'
{"schema":1,"id":"t-min","version":"1.0.0","title":"Minimal","level":"foundation","competencies":["testing"],"platform":"agentsim-1","grader_api":1,"pass_mark":800,"time_limit_s":60,"valid_for_days":365,"candidate_owns":["/etc/x.conf"]}
JSON
	printf '# Minimal\n\nRepair nothing.\n' >"$1/brief.md"
	printf 'x = 1\n' >"$1/system/etc/x.conf"
	printf 'local ok = (lab.read("/etc/x.conf") or ""):find("x = 2", 1, true) ~= nil\nreturn {lab.check{id = "x", title = "x", weight = 1, pass = ok, kind = "knowledge", message = ok and "x is 2" or "/etc/x.conf does not say x = 2"}}\n' >"$1/grader/grade.lua"
	printf '#!/bin/bash\necho "x = 2" >/etc/x.conf\n' >"$1/solutions/reference.sh"
	chmod +x "$1/solutions/reference.sh"
}

# member EVIDENCE NAME: print one member of an evidence tar.
member() { tar -xOf "$1" "$2"; }

# slot_of PID: the session id slot the labrun PID holds (its open
# /run/labrun/ids/N), once it holds one; empty otherwise.
slot_of() {
	ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's|.* -> /run/labrun/ids/\([0-9]*\)$|\1|p' | head -1
}

# slot_procs N [COMM]: "uid pid comm" of the processes in slot N's id range
# (named COMM, if given): one session's, whoever else runs on the host.
slot_procs() {
	local lo=$((1610612736 + $1 * 65536))
	ps -eo uid=,pid=,comm= | awk -v lo="$lo" -v hi="$((lo + 65536))" -v c="${2:-}" \
		'$1 >= lo && $1 < hi && (c == "" || $3 == c)'
}

# slot_running PID COMM [TENTHS]: the id slot of the session that labrun
# PID runs, once a process named COMM runs in it (within TENTHS tenths of
# a second, default 100); nothing if it never does.
slot_running() {
	local i slot
	for i in $(seq "${3:-100}"); do
		slot=$(slot_of "$1")
		[ -n "$slot" ] && slot_procs "$slot" "$2" | grep -q . && { echo "$slot"; return 0; }
		sleep 0.1
	done
	return 1
}

# leftovers: print what this test's finished sessions left on the host
# (nothing): its register's entries and work areas, a mount below its
# state directory, and a process in a session id range whose slot no
# labrun holds (a live session of the host holds its slot, and is no
# leftover of ours).
leftovers() {
	local i left
	# A sandbox whose labrun was just killed takes a moment to die: what
	# is still there after 5 s is left over.
	for i in $(seq 25); do
		left=$(leftovers_now)
		[ -z "$left" ] && return 0
		sleep 0.2
	done
	printf '%s\n' "$left"
}
leftovers_now() {
	ls -A "$LABRUN_STATE_DIR/sessions" 2>/dev/null
	grep -s " $LABRUN_STATE_DIR/" /proc/self/mountinfo
	python3 - <<'PY'
import os
held = set()
for line in open("/proc/locks"):
    f = line.split()
    if len(f) > 5 and f[1] == "FLOCK":
        maj, mnr, ino = f[5].split(":")
        held.add((os.makedev(int(maj, 16), int(mnr, 16)), int(ino)))
free = set()
ids = "/run/labrun/ids"
for n in os.listdir(ids) if os.path.isdir(ids) else []:
    st = os.stat(os.path.join(ids, n))
    if n.isdigit() and (st.st_dev, st.st_ino) not in held:
        free.add(int(n))
base, span = 0x60000000, 65536
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        uid = os.stat("/proc/" + pid).st_uid
        comm = open("/proc/%s/comm" % pid).read().strip()
    except OSError:
        continue
    if base <= uid < base + 1024 * span and (uid - base) // span in free:
        print(uid, pid, comm)
PY
}

# bad_fault SCENARIO JSON-FAULT WANT DESCRIPTION: validate refuses a copy of
# SCENARIO whose plan is that one fault, with WANT (a grep pattern) on
# stderr.
bad_fault() {
	local b=$T/bad
	rm -rf "$b" && cp -r "$1" "$b"
	python3 - "$b/scenario.json" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["faults"] = [json.loads(sys.argv[2])]
json.dump(j, open(sys.argv[1], "w"))
PY
	run "$LABRUN" validate "$b"
	[ "$rc" -eq 1 ] && grep -q -- "$3" "$ERR" && pass "validate refuses $4" || fail "validate refuses $4"
}

# tmux_begin: a tmux server of this test's own ($TM), killed with $T at
# exit; the test is skipped where tmux is missing.  The helpers below act
# on its panes: screen (with the scrollback), keys, see.
tmux_begin() {
	command -v tmux >/dev/null || { skip "tmux is not installed"; done_testing; exit 0; }
	TM="tmux -L labrun-test-$$ -f /dev/null"
	trap '$TM kill-server 2>/dev/null; rm -rf "$T"' EXIT
}
# PANE_TAIL: what a pane runs after the command under test: its exit
# status, the terminal modes it left (icanon, echo), then a pause so the
# pane stays readable.
PANE_TAIL="echo EXIT=\$?; stty -a | tr ' ' '\n' | grep -x -e icanon -e echo -e -icanon -e -echo | tr '\n' ' '; echo; sleep 60"
screen() { $TM capture-pane -p -J -S -200 -t "$1"; }
keys() { $TM send-keys -t "$@"; }
# see NAME TEXT DESCRIPTION [TENTHS]: a pass when pane NAME shows TEXT in
# time; else a fail with the pane's last lines.
see() {
	if pane_wait "$1" "$2" "${4:-100}"; then pass "$3"; else
		fail "$3 (no '$2' on screen)"
		screen "$1" | tail -15 | sed 's/^/#   screen: /'
	fi
}

# sshd_start USER AUTHORIZED_KEYS PORT: Debian's sshd on 127.0.0.1:PORT,
# this test's own (host key $T/host, pid in $T/sshd.pid, log in
# $T/sshd.log; the test's cleanup kills it by that pid), letting in only
# USER, by key, without PAM.  1 with the log on stdout when it does not
# start.
sshd_start() {
	local i
	cat >"$T/sshd_config" <<EOF
Port $3
ListenAddress 127.0.0.1
HostKey $T/host
PidFile $T/sshd.pid
AuthorizedKeysFile $2
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers $1
EOF
	mkdir -p /run/sshd
	/usr/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log" || { cat "$T/sshd.log"; return 1; }
	for i in $(seq 50); do [ -s "$T/sshd.pid" ] && break; sleep 0.1; done
}

# pane_wait PANE TEXT [TENTHS]: until the tmux pane PANE (of the server $TM
# names, such as "tmux -L NAME -f /dev/null") shows TEXT; 1 after TENTHS
# tenths of a second (default 100).
pane_wait() {
	local i
	for ((i = 0; i < ${3:-100}; i++)); do
		$TM capture-pane -p -J -S -200 -t "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

# --- hostile candidates (tests/hostile/candidate-*.sh) ---

# probe_scenario DIR PROBE...: make_scenario DIR with the named compiled
# probes (build/tests/probes/) at /opt/probe/ in its system/.
probe_scenario() {
	local d=$1 p
	shift
	make_scenario "$d"
	mkdir -p "$d/system/opt/probe"
	for p in "$@"; do
		cp "$BUILD/tests/probes/$p" "$d/system/opt/probe/$p" || return 1
	done
}

# scenario_set DIR KEY JSON: set a top-level member of DIR/scenario.json
# (replaced if present, added after time_limit_s if not).
scenario_set() {
	local f=$1/scenario.json
	if grep -q "^  \"$2\": " "$f"; then
		sed -i "s|^  \"$2\": .*,\$|  \"$2\": $3,|" "$f"
	else
		sed -i "s|^\\(  \"time_limit_s\": .*,\\)\$|\\1\\n  \"$2\": $3,|" "$f"
	fi
}

# session SCENARIO SCRIPT EV: run SCRIPT as the candidate in SCENARIO
# (bounded by a watchdog, so that a hang fails rather than stalls the run);
# status in $rc, labrun's output in $OUT and $ERR.
session() {
	run timeout -k 5 120 "$LABRUN" run "$1" --key "$T/issuer.key" \
		--candidate mallory --script "$2" -o "$3"
}

# report_of EV NAME FILE: answers/NAME of the evidence into FILE, each line
# shown as a TAP comment.
report_of() {
	member "$1" "answers/$2" >"$3" 2>/dev/null
	sed "s/^/# $2: /" "$3"
}

# expect_line FILE NAME OUTCOME: FILE has exactly the line "NAME OUTCOME".
expect_line() {
	if grep -qxF -- "$2 $3" "$1"; then pass "$2: $3"; else
		fail "$2: want '$3', got '$(grep -- "^$2 " "$1" | head -1)'"; fi
}

# manifest_value EV KEY: the first "KEY": VALUE of the evidence's
# manifest.json (pretty-printed, one member a line), quotes removed.
manifest_value() {
	member "$1" manifest.json | sed -n "s/^ *\"$2\": \"\\{0,1\\}\\([^\",]*\\)\"\\{0,1\\},\\{0,1\\}\$/\\1/p" | head -1
}

# refused_reason EV PATH: the reason manifest.json's collection.refused
# gives for PATH (encoded, relative to the sandbox root or to answers/).
refused_reason() {
	member "$1" manifest.json | awk -v want="\"path\": \"$2\"," '
		{ l = $0; sub(/^ +/, "", l) }
		l == want { getline; sub(/^ *"reason": "/, ""); sub(/"$/, ""); print; exit }'
}

# session_ends_clean EV WHAT: the evidence verifies against the issuer key
# and nothing of the session remains on the host.  leftovers sees every
# session on the host: while another test run's session is alive it shows
# that one, so what it prints may take up to 10 s to clear (what the
# session itself left never does).
session_ends_clean() {
	local left i
	expect_exit 0 "$2: the evidence verifies" "$LABRUN" verify "$1" -p "$T/issuer.pub"
	for i in $(seq 50); do
		left=$(leftovers)
		[ -z "$left" ] && break
		sleep 0.2
	done
	if [ -z "$left" ]; then pass "$2: nothing of the session remains"; else
		fail "$2: nothing of the session remains"
		printf '%s\n' "$left" | sed 's/^/#   /'
	fi
}
