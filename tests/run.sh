#!/bin/bash
# run.sh: run every test (unit programs, then shell tests by family) and
# end with "N passed, N failed, N skipped".  A test file that exits non-zero
# without reporting a failure counts as one failure.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export TOP BUILD LABRUN=${LABRUN:-$BUILD/labrun}
passed=0 failed=0 skipped=0
filter=${TESTS:-}
log=$BUILD/test.log
: >"$log"
# A state directory and a TMPDIR of this run's own (each shell test makes
# its own again, tests/lib.sh): nothing here lists, ends or cleans another
# labrun's sessions, and two runs (make test, make check) go side by side.
RUN_DIR=$(mktemp -d /tmp/labrun-run.XXXXXX)
chmod 711 "$RUN_DIR"
export LABRUN_STATE_DIR=$RUN_DIR/state LABRUN_SPOOL_DIR=$RUN_DIR/spool TMPDIR=$RUN_DIR/tmp
mkdir -p "$TMPDIR"
trap 'rm -rf "$RUN_DIR"' EXIT

one() {
	local name=$1 out rc p f s t0=$SECONDS
	shift
	out=$("$@" 2>&1)
	rc=$?
	t0=$((SECONDS - t0))
	printf '%s\n' "$out" >>"$log"
	p=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+' )
	s=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+ # SKIP')
	f=$(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		out="$out
not ok - $name exited with status $rc"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name ($p passed, $f failed; ${t0}s)"
		printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -40
	else
		echo "ok   $name ($p passed, $s skipped; ${t0}s)"
		printf '%s\n' "$out" | grep -E '# SKIP' | head -5
	fi
}

for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	case $t in *"$filter"*) ;; *) continue ;; esac
	one "unit/${t##*/}" "$t"
done
for t in "$BUILD"/tests/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	case $t in *"$filter"*) ;; *) continue ;; esac
	corpus=$TOP/tests/fuzz/corpus/${t##*/fuzz_}
	one "fuzz/${t##*/} (corpus replay)" "$t" "$corpus"
done
for fam in e2e interop hostile; do
	for t in "$TOP"/tests/$fam/*.sh; do
		[ -f "$t" ] || continue
		case $t in *"$filter"*) ;; *) continue ;; esac
		one "$fam/${t##*/}" bash "$t"
	done
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
