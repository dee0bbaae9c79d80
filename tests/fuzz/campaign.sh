#!/bin/bash
# campaign.sh: the fuzzing campaign `make fuzz` runs (docs/testing.md,
# "Fuzzing").  For each libFuzzer target BUILD/fuzz/fuzz_NAME (built by
# `make fuzz` with clang, ASan and UBSan): FUZZ_RUNS executions on a working
# copy of tests/fuzz/corpus/NAME, then the corpus minimised back into the
# tree, and one line of results.  It does not build anything, and it never
# merges over a finding: a target that left a crash, leak, timeout or oom
# file is reported with it and its corpus is left as it was.
#
#   FUZZ_RUNS     executions per target (default 10000000)
#   FUZZ_TARGETS  a comma-separated subset (cast,evidence); default all
#   FUZZ_JOBS     targets run at once (default 1); each is one process
#   FUZZ_WORKERS  processes per target (default 1): libFuzzer's -jobs and
#                 -workers, sharing the target's working corpus (each
#                 reloads what the others found); FUZZ_RUNS is split
#                 between them and their executions are added up.  For a
#                 slow target on an otherwise idle machine
#   FUZZ_MAX_TIME seconds a target may fuzz before it stops short of
#                 FUZZ_RUNS (default 0: no limit); the table says so
#
# Every process runs under `nice -n 19`, in a session (and so a scheduler
# autogroup) of its own whose nice is 19 too: with autogroups on, as on
# Debian's kernels, a process's nice only weighs against its own session's
# other processes, and the campaign is to take only what the machine's
# other users leave.  Exit status 1 when there was a finding.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: campaign.sh BUILD_DIR}" && pwd) || exit 2
RUNS=${FUZZ_RUNS:-10000000}
JOBS=${FUZZ_JOBS:-1}
WORKERS=${FUZZ_WORKERS:-1}
MAX_TIME=${FUZZ_MAX_TIME:-0}
WANT=${FUZZ_TARGETS:-}
OUT=$BUILD/campaign
CORPORA=$TOP/tests/fuzz/corpus

# Bounds every target gets: libFuzzer's default rss limit (the grader's
# Lua heap is 64 MiB and ASan's shadow is not counted), and a timeout well
# above the slowest legitimate input (a grader run at its instruction
# budget takes 1 to 2 s instrumented).
RSS_MB=2048
TIMEOUT_S=25

# The largest input worth trying, by target: what the format needs to
# show its structure and its bounds, and no more (execution time grows
# with it).  cast: a pty read, and an OSC string past CAST_MAX_STRING
# (4096); evidence: a short session's bundle (ASan serves up to 128 KiB
# from its fast allocator, and the tar is copied twice); lab: a request
# line is at most SBX_LAB_MAX (256) bytes, and more tests the refusal.
max_len() {
	case $1 in
	cast) echo 4608 ;;
	evidence) echo 32768 ;;
	tar_read) echo 16384 ;;
	lab) echo 1024 ;;
	sig | config) echo 4096 ;;
	*) echo 8192 ;;
	esac
}

# ASan's default quarantine (256 MiB) makes nearly every allocation touch
# fresh pages, which in this VM costs a page fault and a TLB shootdown:
# 16 MiB runs the same targets 1.5 to 2 times faster and still catches a
# use after free within one input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

files() { find "$1" -maxdepth 1 -type f | wc -l; }
bytes() { find "$1" -maxdepth 1 -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# A file the fuzzer named (its SHA-1) rather than a seed a person named.
hashed() { [[ ${1##*/} =~ ^[0-9a-f]{40}$ ]]; }

one() {
	local name=$1 w=$OUT/$1 bin corpus ml t0 t1 t2 rc execs cov ft finds f
	local fb bb fa ba par
	corpus=$CORPORA/$name
	ml=$(max_len "$name")
	rm -rf "$w"
	mkdir -p "$w/artifacts" "$w/merged"
	# A copy of the binary: a rebuild during the run changes neither the
	# fuzzing nor the merge.
	cp "$BUILD/fuzz/fuzz_$name" "$w/fuzz_$name"
	bin=$w/fuzz_$name
	cp -r "$corpus" "$w/corpus"
	fb=$(files "$corpus") bb=$(bytes "$corpus")
	# ev_verify and config_load read files: their scratch goes to tmpfs
	# where there is one (an ext4 truncate flushes to disk every time).
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		export TMPDIR=$(mktemp -d /dev/shm/labrun-fuzz-$name.XXXXXX)
	else
		export TMPDIR=$(mktemp -d "$w/tmp.XXXXXX")
	fi
	t0=$(date +%s)
	# With workers, libFuzzer's -jobs: each logs to fuzz-N.log in the
	# working directory, copied to the main output as it ends.
	par=()
	[ "$WORKERS" -gt 1 ] && par=(-jobs="$WORKERS" -workers="$WORKERS")
	(cd "$w" && low "$bin" "${par[@]}" \
		-runs=$(((RUNS + WORKERS - 1) / WORKERS)) \
		-max_total_time="$MAX_TIME" \
		-max_len="$ml" -timeout="$TIMEOUT_S" \
		-rss_limit_mb="$RSS_MB" -print_final_stats=1 \
		-artifact_prefix="$w/artifacts/" "$w/corpus") >"$w/fuzz.log" 2>&1
	rc=$?
	t1=$(date +%s)
	# Executions added up over the workers; coverage the highest a
	# worker reached (they share the corpus).
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/fuzz.log" |
		awk '{s += $1} END {print s + 0}')
	if [ "$execs" -lt "$RUNS" ]; then
		execs="$execs (stopped at FUZZ_MAX_TIME)"
	fi
	cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$w/fuzz.log" |
		sed -n 's/.* cov: \([0-9]*\).*/\1/p' | sort -n | tail -1)
	ft=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$w/fuzz.log" |
		sed -n 's/.* ft: \([0-9]*\).*/\1/p' | sort -n | tail -1)
	finds=$(cd "$w/artifacts" && ls 2>/dev/null | grep -E '^(crash|leak|timeout|oom)-' || true)
	if [ -n "$finds" ] || [ "$rc" -ne 0 ]; then
		{
			echo "FINDING $name (exit $rc; corpus not merged):"
			for f in $finds; do echo "  $w/artifacts/$f"; done
			grep -E -m 12 '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|    #[0-9] )' "$w/fuzz.log"
			echo "  log: $w/fuzz.log"
		} >"$w/result"
		rm -rf "$TMPDIR"
		return
	fi
	# Minimise: the seeds people named stay as they are (each holds a
	# case on purpose, or the input a fix was made for), then only the
	# fuzzer's files that add coverage beyond them, in a fresh directory
	# that replaces the tree's only if the merge succeeded.
	for f in "$corpus"/*; do
		[ -f "$f" ] && ! hashed "$f" && cp "$f" "$w/merged/"
	done
	low "$bin" -merge=1 -max_len="$ml" -timeout="$TIMEOUT_S" \
		-rss_limit_mb="$RSS_MB" "$w/merged" "$w/corpus" >"$w/merge.log" 2>&1
	rc=$?
	t2=$(date +%s)
	rm -rf "$TMPDIR"
	if [ "$rc" -ne 0 ]; then
		echo "FAILED $name: the merge failed (exit $rc); corpus not replaced; log: $w/merge.log" >"$w/result"
		return
	fi
	find "$corpus" -maxdepth 1 -type f -delete
	cp "$w/merged"/* "$corpus/"
	fa=$(files "$corpus") ba=$(bytes "$corpus")
	printf '| %s | %s | %s / %s | %s / %s | %s / %s | %s + %s | none |\n' \
		"$name" "$execs" "$cov" "$ft" "$fb" "$fa" "$bb" "$ba" \
		"$(mins $((t1 - t0)))" "$(mins $((t2 - t1)))" >"$w/result"
}

# low CMD...: CMD at the lowest priority, in an autogroup of its own (the
# new session's autogroup is made by setsid: its nice is set from inside).
low() {
	setsid -w bash -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec nice -n 19 "$@"' low "$@"
}

mins() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

names=()
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	n=${src##*/fuzz_}
	n=${n%.c}
	if [ -n "$WANT" ] && [[ ,$WANT, != *,$n,* ]]; then
		continue
	fi
	if [ ! -x "$BUILD/fuzz/fuzz_$n" ]; then
		echo "campaign: $BUILD/fuzz/fuzz_$n: not built; hint: make fuzz builds it" >&2
		exit 2
	fi
	names+=("$n")
done
[ ${#names[@]} -gt 0 ] || { echo "campaign: no target matches '$WANT'" >&2; exit 2; }

mkdir -p "$OUT"
cap=
[ "$MAX_TIME" -gt 0 ] && cap=" (at most ${MAX_TIME} s)"
echo "campaign: ${names[*]}: $RUNS runs each$cap, $JOBS at a time, $WORKERS process(es) each; $(date -u +%FT%TZ)"
for n in "${names[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	echo "campaign: $n started $(date -u +%TZ)"
	one "$n" &
done
wait

status=0
{
	echo "| target | executions | cov / ft | corpus files before / after | bytes before / after | time (fuzz + merge) | findings |"
	echo "|---|---|---|---|---|---|---|"
	for n in "${names[@]}"; do
		if grep -q '^|' "$OUT/$n/result" 2>/dev/null; then
			cat "$OUT/$n/result"
		fi
	done
} >"$OUT/summary.md"
cat "$OUT/summary.md"
for n in "${names[@]}"; do
	if ! grep -q '^|' "$OUT/$n/result" 2>/dev/null; then
		cat "$OUT/$n/result" 2>/dev/null || echo "FAILED $n: no result"
		status=1
	fi
done
exit $status
