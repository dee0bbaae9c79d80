#!/bin/bash
# 2170-regrade-agrees: the evidence always holds what was graded (V3).
# For every library scenario, its reference and every wrong solution run
# as sessions twice, once as they are and once with a hostile flood
# appended (2,100 tiny files in ~/aaa, 60 nested directories with a file
# at the bottom, a sparse file as large as the disk limit allows, names
# with spaces and bytes that are not UTF-8).  Then `labrun regrade` with
# the very bundle each session ran: its checks (id, status, points,
# message, kind) and verdict are byte for byte the session's, and the
# flood changes no verdict (a pass stays a pass, a fail a fail, never
# error), while what it left out is counted in the manifest.  Then the
# two ends of the graded budget: an answer too large for lab.read is kept
# by its size (a fail, and a regrade agrees), and a grader whose read log
# was cut makes the verdict error, which a regrade refuses.
#
# 84 sessions and their regrades, one after another, on the project's
# shared 2-core machine: 99 s at a load of 2, 170 s at a load of 5, 295 s
# under make check's sanitizers at a load of 6; most of it in the sessions.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
start=$(date +%s)

# flood DISK_MB: the hostile tail of a script (it must not stop at an
# error of its own: the solutions run with set -e).
flood() {
	cat <<SH

# --- hostile flood (2170) ---
set +eu
mkdir -p ~/aaa && for i in \$(seq 2100); do : >~/aaa/f\$i; done
mkdir -p ~/deep/$(printf 'd/%.0s' $(seq 60)) && echo bottom >~/deep/$(printf 'd/%.0s' $(seq 60))bottom.txt
truncate -s ${1}M ~/sparse.img
echo spaced >~/"a name with spaces"
echo latin1 >~/\$'caf\\xe9 \\xff\\xfe'
mkdir -p ~/"dir with space"/\$'\\xc3\\x28' && echo x >~/"dir with space"/\$'\\xc3\\x28'/f
true
SH
}

# compare SESSION REGRADE...: for each pair of evidence files, one line
# "VERDICT SAME LEFT_OUT COMPLETE": the session's verdict, whether the
# regrade's checks (id, status, points, message, kind) and verdict are
# byte for byte the session's (and if not, both on two more lines, as
# TAP comments), and the manifest's collection.candidate.left_out and
# collection.graded.complete.  One python for all: it starts slowly.
compare() {
	python3 - "$@" <<'PY'
import json, sys, tarfile
def read(ev):
    with tarfile.open(ev) as t:
        r = json.load(t.extractfile("result.json"))
        m = json.load(t.extractfile("manifest.json"))
    checks = [{k: c.get(k) for k in ("id", "status", "points", "message", "kind")}
              for c in r["checks"]]
    return json.dumps({"checks": checks, "verdict": r["verdict"]}, sort_keys=True), r["verdict"], m["collection"]
args = sys.argv[1:]
for ev, re in zip(args[0::2], args[1::2]):
    a, verdict, col = read(ev)
    b = read(re)[0]
    print(verdict, "same" if a == b else "differs",
          col.get("candidate", {}).get("left_out"), col.get("graded", {}).get("complete"))
    if a != b:
        print("#   session: " + a)
        print("#   regrade: " + b)
PY
}

n=0
for S in "$TOP"/scenarios/*/; do
	S=${S%/}
	name=${S##*/}
	[ -f "$S/scenario.json" ] || continue
	disk=$(grep -o '"disk_mb": *[0-9]*' "$S/scenario.json" | grep -o '[0-9]*$')
	for sol in "$S"/solutions/reference.sh "$S"/solutions/wrong-*.sh; do
		[ -f "$sol" ] || continue
		s=${sol##*/}
		s=${s%.sh}
		want=fail
		[ "$s" = reference ] && want=pass
		id="$name/$s"
		cp "$sol" "$T/plain.sh"
		{ cat "$sol"; flood "${disk:-64}"; } >"$T/flood.sh"
		pairs=()
		for kind in plain flood; do
			ev=$T/$kind.ev
			rm -f "$ev" "$T/$kind-re.ev"
			run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate agree \
				--script "$T/$kind.sh" -o "$ev"
			[ -s "$ev" ] || { fail "$id ($kind): the session wrote evidence (exit $rc)"; continue; }
			run "$LABRUN" regrade "$ev" --with "$S" --key "$T/issuer.key" -o "$T/$kind-re.ev"
			[ -s "$T/$kind-re.ev" ] || { fail "$id ($kind): the regrade wrote evidence (exit $rc)"; continue; }
			pairs+=("$ev" "$T/$kind-re.ev")
			n=$((n + 1))
		done
		[ ${#pairs[@]} -eq 4 ] || continue
		compare "${pairs[@]}" >"$T/cmp"
		grep '^#' "$T/cmp"
		read -r v1 same1 _ _ < <(grep -v '^#' "$T/cmp" | sed -n 1p)
		read -r v2 same2 left complete < <(grep -v '^#' "$T/cmp" | sed -n 2p)
		[ "$same1" = same ] && pass "$id: the regrade's checks and verdict are the session's" ||
			fail "$id: the regrade's checks and verdict are the session's"
		[ "$same2" = same ] && pass "$id (flood): the regrade's checks and verdict are the session's" ||
			fail "$id (flood): the regrade's checks and verdict are the session's"
		[ "$left" -gt 0 ] 2>/dev/null && [ "$complete" = True ] &&
			pass "$id (flood): the graded state kept whole, $left of the candidate's files left out" ||
			fail "$id (flood): the graded state kept whole, the flood's excess left out (left_out $left, complete $complete)"
		verdicts="$v1 $v2"
		set -- $verdicts
		[ "${1:-}" = "$want" ] && pass "$id: the session's verdict is $want" ||
			fail "$id: the session's verdict is $want (got ${1:-none})"
		[ "${2:-}" = "${1:-x}" ] && pass "$id: with the flood, still $want" ||
			fail "$id: with the flood, still ${1:-?} (got ${2:-none})"
	done
done
[ "$n" -gt 0 ] && pass "$n sessions regraded" || fail "no scenario found"

# A graded file too large for lab.read is kept by its size, so a huge
# answer is the candidate's fail, not an error, and a regrade agrees.
B=$T/basic
make_scenario "$B"
cat >"$T/huge.sh" <<'SH'
#!/bin/bash
sed -i 's/mode=broken/mode=fixed/' /etc/app/config.txt
echo typo >~/answers/cause.txt
truncate -s 9M ~/answers/cause.txt
SH
run "$LABRUN" run "$B" --key "$T/issuer.key" --candidate agree --script "$T/huge.sh" -o "$T/huge.ev"
[ "$rc" -eq 1 ] && pass "a 9 MiB answer the grader reads: fail, not error (exit 1)" ||
	fail "a 9 MiB answer the grader reads: fail, not error (exit $rc)"
member "$T/huge.ev" changes/.special | grep -qx 'b home/candidate/answers/cause.txt 9437184' &&
	pass "... kept in changes/.special by its size" || fail "... kept in changes/.special by its size"
run "$LABRUN" regrade "$T/huge.ev" --with "$B" --key "$T/issuer.key" -o "$T/huge-re.ev"
[ "$rc" -eq 1 ] && cmp -s <(member "$T/huge.ev" result.json) <(member "$T/huge-re.ev" result.json) &&
	pass "... and a regrade gives the same result.json" || fail "... and a regrade gives the same result.json (exit $rc)"

# A read log that was cut cannot be kept whole: the verdict is error at
# once, the evidence says why and verifies, and a regrade refuses it.
cp -r "$B" "$T/cut"
sed -i '1i for i = 1, 5000 do lab.exists("/nothing/" .. i) end' "$T/cut/grader/grade.lua"
run "$LABRUN" run "$T/cut" --key "$T/issuer.key" --candidate agree \
	--script "$B/solutions/reference.sh" -o "$T/cut.ev"
[ "$rc" -eq 3 ] && pass "a grader past GRADER_MAX_READS paths: error verdict (exit 3)" ||
	fail "a grader past GRADER_MAX_READS paths: error verdict (exit $rc)"
[ "$(manifest_value "$T/cut.ev" verdict)" = error ] &&
	member "$T/cut.ev" manifest.json | grep -q '"error": "collection: the graded state cannot be kept whole: the grader.s read log was cut at 4096 paths"' &&
	member "$T/cut.ev" manifest.json | grep -q '"complete": false' &&
	pass "... the manifest says why, and that the graded state is not whole" ||
	fail "... the manifest says why, and that the graded state is not whole"
expect_exit 0 "... the evidence verifies" "$LABRUN" verify "$T/cut.ev" -p "$T/issuer.pub"
out_has 'bounded: .*graded state not kept whole' "... and verify says so"
run "$LABRUN" regrade "$T/cut.ev" --with "$T/cut" --key "$T/issuer.key" -o "$T/cut-re.ev"
[ "$rc" -eq 1 ] && [ ! -e "$T/cut-re.ev" ] && grep -q "does not hold the whole graded state" "$ERR" &&
	pass "... a regrade refuses it, writing nothing" || fail "... a regrade refuses it, writing nothing (exit $rc)"
echo "# 2170: $n sessions and their regrades in $(($(date +%s) - start)) s"
done_testing
