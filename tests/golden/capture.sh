#!/bin/bash
# capture.sh LABRUN OUTDIR: every solution of every library scenario (and
# the untouched state), run with a fixed seed and a fixed candidate, and
# one line per file of what the grader judged: result.json and every file
# under changes/, each with its SHA-256.  tests/e2e/1100-golden.sh compares
# this with tests/golden/sums, written the same way before a change of
# structure: behaviour unchanged means byte-identical.  To renew the sums
# after a change of behaviour: bash tests/golden/capture.sh build/labrun
# tests/golden (and say in the commit why they moved).
set -u
LABRUN=$1 OUT=$2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/labrun-golden.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$LABRUN" keygen -p "$W/k.pub" -s "$W/k.key" >/dev/null || exit 2
printf '#!/bin/bash\ntrue\n' >"$W/untouched.sh"
: >"$W/sums"
rc=0
for S in "$TOP"/scenarios/*/; do
	S=${S%/}
	[ -f "$S/scenario.json" ] || continue
	for sol in "$W/untouched.sh" "$S"/solutions/*.sh; do
		name="${S##*/}/$(basename "$sol" .sh)"
		rm -rf "$W/ev" "$W/x" && mkdir "$W/x"
		"$LABRUN" run "$S" --key "$W/k.key" --candidate golden \
			--seed 5eed0000000000000000000000000000000000000000000000000000000000a1 \
			--script "$sol" -o "$W/ev" >"$W/out" 2>&1
		r=$?
		if [ "$r" -gt 1 ]; then
			echo "$name: labrun run exited $r" >&2
			sed 's/^/  /' "$W/out" >&2
			rc=1
			continue
		fi
		tar -xf "$W/ev" -C "$W/x" result.json changes || { rc=1; continue; }
		(cd "$W/x" && find result.json changes -type f | LC_ALL=C sort |
			while read -r f; do
				echo "$name $(sha256sum <"$f" | cut -c1-64) $f"
			done) >>"$W/sums"
	done
done
mkdir -p "$OUT" && cp "$W/sums" "$OUT/sums"
exit $rc
