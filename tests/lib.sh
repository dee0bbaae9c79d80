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
