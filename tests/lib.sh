# lib.sh: sourced by every shell test.  Each assertion prints one TAP line;
# tests/run.sh counts them.  A test that needs what the host lacks calls
# skip with the reason.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
LABRUN=${LABRUN:-$BUILD/labrun}
T=$(mktemp -d /tmp/labrun-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
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
  "valid_for_days": 365
}
JSON
	printf '# Fix the config\n\nSet mode=fixed in /etc/app/config.txt and write the cause to ~/answers/cause.txt.\n' >"$d/brief.md"
	printf '# Hints\n\n## Hint (cost 100)\n\nLook at /etc/app/config.txt.\n' >"$d/hints.md"
	printf 'mode=broken\n' >"$d/system/etc/app/config.txt"
	cat >"$d/grader/grade.lua" <<'LUA'
local cfg = lab.read("/etc/app/config.txt") or ""
local cause = lab.trim(lab.answer("cause.txt") or "")
local fixed = cfg:find("mode=fixed", 1, true) ~= nil
return {
  lab.check{id = "config-fixed", title = "The config is fixed", weight = 600,
    pass = fixed,
    message = fixed and "mode is fixed" or "/etc/app/config.txt still does not say mode=fixed"},
  lab.check{id = "cause-named", title = "The cause is named", weight = 400,
    pass = cause == "typo",
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

# member EVIDENCE NAME: print one member of an evidence tar.
member() { tar -xOf "$1" "$2"; }

# leftovers: print what a finished session left on the host (nothing).
leftovers() {
	ls -A /run/labrun/sessions 2>/dev/null
	ps -eo uid=,pid=,comm= | awk '$1 >= 1610612736 && $1 < 1610612736 + 1024 * 65536'
	grep -s ' /run/labrun/sessions/' /proc/self/mountinfo
}
