# runner.sh: the runner's rows of make bench, sourced by tests/bench/bench.sh
# (W, B, TOP and the helpers ratio, secs, median are bench.sh's).  Every
# pair is timed by tests/bench/timeit.c: whole processes, labrun and the
# peer in turn (A B A B ...), the ratio taken pair by pair and its median
# printed with both medians; cpu is user + system of the process and the
# children it waited for.  What each row runs is printed beside it
# (`cmd:` lines), with the bench's own paths.
#   row 3  a graded session with signed evidence, the minimal scenario
#          (tests/bench/minimal: one policy file copied back, one answer),
#          against the hand-made pipeline (tests/bench/handmade.sh)
#   row 4  labrun verify of the demo's evidence against the stock route
#          (tests/bench/stockverify.sh: tar -x, minisign -V -H, sha256sum -c)
#   row 6  recertification of policy-denials: BATCH_N (default 100)
#          replays, batch -j 1 and -j 2
#   curves session cost against execs (10, 100, 1000) and files changed
#          (10, 1000, 10000); verify against evidence size (100 KB, 10 MB,
#          60 MB); batch against jobs (BATCH_N, and 1000 with BATCH_BIG=1)
#          and -j (1, 2)
# PAIRS (default 20) rounds for each pair; CURVE_PAIRS (default 5) for
# the curves' sessions.  BENCH=runner, row3, row4, row6, curves or
# verify_curve (bench.sh) runs these alone.

MIN=$TOP/tests/bench/minimal
RT=$W/runner
mkdir -p "$RT"

runner_keys() {
	[ -f "$RT/a.key" ] && return 0
	"$B/labrun" keygen -p "$RT/a.pub" -s "$RT/a.key" >/dev/null
	"$B/labrun" keygen -p "$RT/i.pub" -s "$RT/i.key" >/dev/null
	minisign -G -W -p "$RT/mk.pub" -s "$RT/mk.key" -f >/dev/null 2>&1 </dev/null
	"$B/labrun" pack "$MIN" -s "$RT/a.key" -o "$RT/min.lab" >/dev/null
}

# pair LABEL N -- LABRUN_CMD... -- PEER_CMD...: one row, paired.
pair() {
	local label=$1 n=$2
	shift 2
	"$W/timeit" "$n" "$@" >"$RT/pair" || { echo "bench: $label: a run failed" >&2; exit 3; }
	awk -v l="$label" 'NR == 1 { a = $1; ac = $4 } NR == 2 { b = $1; bc = $4; r = $3 }
		END { printf "%-44s %8.1f ms %8.1f ms %7.3f  (cpu %.1f / %.1f ms)\n", l, a, b, r, ac, bc }' "$RT/pair"
}
pair_head() { printf '%-44s %11s %11s %7s\n' "$1" "labrun" "peer" "ratio"; }

# session SCRIPT OUT: one minimal session, the candidate running SCRIPT.
session_cmd() {
	echo "$B/labrun" run "$RT/min.lab" --trust "$RT/a.pub" --key "$RT/i.key" \
		--candidate bench --script "$1" -o "$2"
}

row3() {
	local n=${PAIRS:-20} check='"version": 1'
	runner_keys
	echo "row 3: a graded session with signed evidence (tests/bench/minimal), $n pairs"
	pair_head "what"
	pair "session: labrun run vs hand-made" "$n" -- $(session_cmd "$MIN/solutions/reference.sh" "$RT/r3.ev") \
		-- "$TOP/tests/bench/handmade.sh" "$RT/hm" "$RT/min.lab" "$RT/a.pub" "$RT/mk.key" \
		"$MIN/solutions/reference.sh" /etc/app/policy.json "$check"
	echo "  cmd: labrun run min.lab --trust author.pub --key issuer.key --candidate bench --script tests/bench/minimal/solutions/reference.sh -o E.ev"
	echo "  peer: tests/bench/handmade.sh WORK min.lab author.pub minisign.key tests/bench/minimal/solutions/reference.sh /etc/app/policy.json '$check'"
}

# The demo's evidence: research-fetch-denied's reference (make demo).
demo_evidence() {
	local S=$TOP/scenarios/research-fetch-denied
	[ -f "$RT/demo.ev" ] && return 0
	runner_keys
	"$B/labrun" pack "$S" -s "$RT/a.key" -o "$RT/demo.lab" >/dev/null
	"$B/labrun" run "$RT/demo.lab" --trust "$RT/a.pub" --key "$RT/i.key" \
		--candidate demo@example.org --script "$S/solutions/reference.sh" \
		-o "$RT/demo.ev" >/dev/null || { echo "bench: the demo's session failed" >&2; exit 3; }
}

row4() {
	local n=${PAIRS:-20}
	demo_evidence
	echo "row 4: labrun verify of the demo's evidence ($(stat -c %s "$RT/demo.ev") bytes), $n pairs"
	pair_head "what"
	pair "verify: labrun vs tar+minisign+sha256sum" "$n" -- "$B/labrun" verify "$RT/demo.ev" -p "$RT/i.pub" \
		-- "$TOP/tests/bench/stockverify.sh" "$RT/sv" "$RT/demo.ev" "$RT/i.pub"
	echo "  cmd: labrun verify demo.ev -p issuer.pub"
	echo "  peer: tests/bench/stockverify.sh WORK demo.ev issuer.pub"
}

# jobs N FILE: N replays of one policy-denials pass under distinct ids.
batch_jobs() {
	local n=$1 out=$2 S=$TOP/scenarios/policy-denials
	runner_keys
	if [ ! -f "$RT/one.jsonl" ]; then
		mkdir -p "$RT/bb" "$RT/bev"
		"$B/labrun" pack "$S" -s "$RT/a.key" -o "$RT/bb/s.lab" >/dev/null
		"$B/labrun" run "$RT/bb/s.lab" --trust "$RT/a.pub" --key "$RT/i.key" --candidate bench \
			--script "$S/solutions/reference.sh" -o "$RT/bev/one.ev" >/dev/null
		"$B/labrun" recert plan --evidence "$RT/bev" --bundles "$RT/bb" --trust "$RT/a.pub" \
			-p "$RT/i.pub" -o "$RT/one.jsonl" >/dev/null
	fi
	python3 - "$RT/one.jsonl" "$out" "$n" <<'PY'
import json, sys
j = json.loads(open(sys.argv[1]).readline())
with open(sys.argv[2], "w") as f:
    for i in range(int(sys.argv[3])):
        j["job"] = "bench-%07d" % i
        f.write(json.dumps(j, sort_keys=True) + "\n")
PY
}

# batch_time N J: seconds for N replays at -j J (a fresh OUTDIR).
batch_time() {
	local n=$1 j=$2 t0
	rm -rf "$RT/bout"
	t0=$(date +%s%N)
	"$B/labrun" batch "$RT/jobs-$n.jsonl" -o "$RT/bout" --trust "$RT/a.pub" --key "$RT/i.key" \
		-j "$j" >/dev/null 2>&1 || { echo "bench: labrun batch -j $j failed" >&2; exit 3; }
	secs "$t0" "$(date +%s%N)"
	[ "$(ls "$RT/bout" | grep -c '\.ev$')" -eq "$n" ] || { echo "bench: batch: results missing" >&2; exit 3; }
}

row6() {
	local n=${BATCH_N:-100} t1 t2 sizes="${BATCH_N:-100}" m
	[ "${BATCH_BIG:-0}" = 1 ] && sizes="$sizes 1000"
	echo "row 6 and the batch curve: recertification of policy-denials, batch -j 1 and -j 2"
	for m in $sizes; do
		batch_jobs "$m" "$RT/jobs-$m.jsonl"
		t1=$(batch_time "$m" 1)
		t2=$(batch_time "$m" 2)
		printf '%-44s %8s s %8s jobs/s\n' "batch -j 1, $m replays" "$t1" "$(ratio "$m" "$t1")"
		printf '%-44s %8s s %8s jobs/s\n' "batch -j 2, $m replays" "$t2" "$(ratio "$m" "$t2")"
		printf '%-44s %8s (target >= 1.8)\n' "-j 2 throughput / -j 1" "$(ratio "$t1" "$t2")"
	done
	echo "  cmd: labrun batch JOBS.jsonl -o OUT --trust author.pub --key issuer.key -j J (jobs: recert plan of one pass, repeated under distinct ids)"
}

# Scripts for the curves: the reference's two steps plus the load.
curve_script() { # KIND N FILE
	{
		echo '#!/bin/sh'
		case $1 in
		execs) echo "i=0; while [ \$i -lt $2 ]; do /bin/true; i=\$((i + 1)); done" ;;
		files) echo "mkdir -p ~/f; i=0; while [ \$i -lt $2 ]; do echo \$i >~/f/\$i; i=\$((i + 1)); done" ;;
		# Up to 44 MB of blobs the grader reads (kept as graded files,
		# 48 MiB at most), the rest changed files it does not read
		# (changes/, 32 MiB at most); none over 4 MiB (CHANGES_MAX_FILE).
		bytes) echo "left=$2; i=0; d=/etc/app; mkdir -p ~/data"
			echo "while [ \$left -gt 0 ]; do c=\$((left > 4000000 ? 4000000 : left));" \
				"[ \$i -ge 11 ] && d=~/data; head -c \$c /dev/urandom >\$d/blob\$i;" \
				"left=\$((left - c)); i=\$((i + 1)); done" ;;
		esac
		echo 'cp /etc/app/policy.v1.json /etc/app/policy.json'
		echo 'echo 1 >~/answers/version.txt'
	} >"$3"
	chmod +x "$3"
}

curves() {
	local n=${CURVE_PAIRS:-5} k s
	runner_keys
	echo "curves: session cost against execs and files changed ($n pairs each, against the bare minimal session)"
	pair_head "session with"
	for k in 10 100 1000; do
		curve_script execs "$k" "$RT/execs-$k.sh"
		pair "$k execs of /bin/true" "$n" -- $(session_cmd "$RT/execs-$k.sh" "$RT/c.ev") \
			-- $(session_cmd "$MIN/solutions/reference.sh" "$RT/c0.ev")
	done
	for k in 10 1000 10000; do
		curve_script files "$k" "$RT/files-$k.sh"
		pair "$k files changed" "$n" -- $(session_cmd "$RT/files-$k.sh" "$RT/c.ev") \
			-- $(session_cmd "$MIN/solutions/reference.sh" "$RT/c0.ev")
	done
	echo "  (peer column: the bare minimal session; ratio: how many times its cost)"
	echo "  cmd: labrun run min.lab ... --script SCRIPT, SCRIPT: a loop of N /bin/true, or of N echo >~/f/I"
	verify_curve
}

verify_curve() {
	local s
	runner_keys
	echo "curves: verify against evidence size (${PAIRS:-20} pairs each)"
	pair_head "evidence of"
	for s in 100000 10000000 60000000; do
		curve_script bytes "$s" "$RT/bytes-$s.sh"
		$(session_cmd "$RT/bytes-$s.sh" "$RT/size-$s.ev") >/dev/null 2>&1 ||
			{ echo "bench: the $s-byte session failed" >&2; exit 3; }
		pair "$(stat -c %s "$RT/size-$s.ev") bytes" "${PAIRS:-20}" -- "$B/labrun" verify "$RT/size-$s.ev" -p "$RT/i.pub" \
			-- "$TOP/tests/bench/stockverify.sh" "$RT/sv" "$RT/size-$s.ev" "$RT/i.pub"
	done
	echo "  cmd: labrun verify E.ev -p issuer.pub; peer: tests/bench/stockverify.sh WORK E.ev issuer.pub"
	echo "  (E.ev: a minimal session whose candidate wrote that many random bytes)"
}
