#!/bin/bash
# bench.sh: side-by-side timings on this machine, in one run (make bench).
# Not a test: nothing here passes or fails on a time.
#   1. sandbox launch of /bin/true: labrun vs bwrap at equivalent
#      confinement (user, pid, mount, net, ipc, uts, cgroup namespaces, a
#      read-only /usr, fresh /proc, minimal /dev, tmpfs /tmp); labrun also
#      loads its seccomp allow-list and serves exec notifications, which
#      bwrap cannot (a notifying filter needs a supervisor), so the
#      comparison is slightly in bwrap's favour
#   2. a full `labrun run` of the example scenario (pack, session, grading,
#      evidence) against the hand-made pipeline teams build without labrun
#      (tar + bwrap + a shell check + minisign)
#   3. what syscall faults cost
#   4. recertification: RECERT_N (default 100, as in the issue's row 6; 1000 is the opt-in size) replays of the example
#      scenario, `labrun batch -j 2` on this machine against the same job
#      list as a Slurm array (RECERT_SHARDS shards, default 4, two tasks at
#      once, one CPU and one replay at a time each) on a one-node cluster
#      started for the bench (tests/fixtures/recert/slurm/cluster.sh),
#      taking turns RECERT_RUNS times (default 1); BENCH=recert runs only
#      this one
#   5. load: LOAD_N (default 100) interactive `take` sessions live at once
#      (tests/load/takes.py, a pty each): the supervisor's memory per live
#      session, how long `lab time` takes to answer beside the others, how
#      long all take to be graded and sealed; then 20 concurrent `run`
#      sessions against one alone; BENCH=load runs only this one
#   6. the registry's static site: `labrun registry publish` of SITE_N
#      (default 10,000) credentials (tests/bench/mkcreds.c makes and
#      registers them: see there why not by graded sessions), again with
#      nothing changed, and after one revocation; the site's size; the
#      verification page in headless Chromium, navigation to verdict
#      shown, median of SITE_LOADS (default 20) loads without cache;
#      BENCH=site runs only this one
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD:-$TOP/build}
N=${N:-100}
W=$(mktemp -d /tmp/labrun-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

ms_per() { # N CMD...: mean milliseconds per run of CMD over N runs
	local n=$1 t0 t1 i
	shift
	t0=$(date +%s%N)
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 || { echo "bench: $* failed" >&2; exit 3; }; done
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.3f", (b - a) / 1e6 / n }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# 4. Recertification.  One evidence of the example scenario (a pass on
# platform agentsim-1: stale, so recert plan makes a job of it), its job
# repeated RECERT_N times under distinct ids (batch keys results by id; the
# same evidence renewed N times is N replays).  The local run and the
# Slurm array take turns RECERT_RUNS times (default 1), each into a fresh
# OUTDIR, medians compared.  The array's time runs from sbatch to the last
# task's end, after a warm-up job (a controller just started waits about
# 2 s before its first job), polled every 0.25 s (squeue is a process and a
# request to the controller: polled faster, it would take CPU from the
# replays; the end is seen 0.12 s late on average).  Every run's results
# are counted.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
recert_bench() {
	local n=${RECERT_N:-100} k=${RECERT_SHARDS:-4} runs=${RECERT_RUNS:-1} r=$W/recert
	local S=$TOP/scenarios/policy-denials t0 i tl ts te local_t="" slurm_t=""
	mkdir -p "$r/b" "$r/ev"
	"$B/labrun" keygen -p "$r/a.pub" -s "$r/a.key" >/dev/null
	"$B/labrun" keygen -p "$r/i.pub" -s "$r/i.key" >/dev/null
	"$B/labrun" pack "$S" -s "$r/a.key" -o "$r/b/s.lab" >/dev/null
	"$B/labrun" run "$r/b/s.lab" --trust "$r/a.pub" --key "$r/i.key" --candidate bench \
		--script "$S/solutions/reference.sh" -o "$r/ev/one.ev" >/dev/null
	"$B/labrun" recert plan --evidence "$r/ev" --bundles "$r/b" --trust "$r/a.pub" \
		-p "$r/i.pub" -o "$r/one.jsonl" >/dev/null
	python3 - "$r/one.jsonl" "$r/jobs.jsonl" "$n" <<'PY'
import json, sys
j = json.loads(open(sys.argv[1]).readline())
with open(sys.argv[2], "w") as f:
    for i in range(int(sys.argv[3])):
        j["job"] = "bench-%07d" % i
        f.write(json.dumps(j, sort_keys=True) + "\n")
PY
	echo "recert: $n replays of policy-denials (one evidence, $n job ids), $runs run(s) each, taking turns"
	. "$TOP/tests/fixtures/recert/slurm/cluster.sh"
	trap 'slurm_down; rm -rf "$W"' EXIT
	chmod 711 "$W"
	if ! slurm_install || ! slurm_up "$r/slurm"; then
		slurm_down
		echo "recert: the Slurm array is not run: $SLURM_WHY"
		runs=0
		t0=$(date +%s%N)
		"$B/labrun" batch "$r/jobs.jsonl" -o "$r/local" --trust "$r/a.pub" --key "$r/i.key" \
			-j 2 >/dev/null 2>&1 || { echo "bench: labrun batch failed" >&2; exit 3; }
		tl=$(secs "$t0" "$(date +%s%N)")
		printf '%-44s %8s s %8s jobs/s\n' "labrun batch -j 2, this machine" "$tl" "$(ratio "$n" "$tl")"
		return 0
	fi
	SLURM_POLL=0.25
	slurm_submit --wrap=true -o /dev/null && slurm_wait "$SLURM_JOB" 60 ||
		{ echo "bench: the warm-up job: $SLURM_WHY" >&2; exit 3; }
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$B/labrun" batch "$r/jobs.jsonl" -o "$r/local-$i" --trust "$r/a.pub" --key "$r/i.key" \
			-j 2 >/dev/null 2>&1 || { echo "bench: labrun batch failed" >&2; exit 3; }
		local_t="$local_t $(secs "$t0" "$(date +%s%N)")"
		t0=$(date +%s%N)
		LABRUN=$B/labrun RECERT_JOBS=$r/jobs.jsonl RECERT_OUT=$r/slurm-$i RECERT_TRUST=$r/a.pub \
			RECERT_KEY=$r/i.key RECERT_SHARDS=$k slurm_submit --array="0-$((k - 1))%2" \
			--cpus-per-task=1 -o "$r/slurm/out/task-%A_%a.out" "$TOP/tests/fixtures/recert/slurm/recert.sbatch" &&
			slurm_wait "$SLURM_JOB" 7200 || { echo "bench: the Slurm array: $SLURM_WHY" >&2; exit 3; }
		slurm_t="$slurm_t $(secs "$t0" "$(date +%s%N)")"
		[ "$(ls "$r/local-$i" | grep -c '\.ev$')" -eq "$n" ] &&
			[ "$(ls "$r/slurm-$i" | grep -c '\.ev$')" -eq "$n" ] ||
			{ echo "bench: results missing in $r/local-$i or $r/slurm-$i (see $r/slurm/out)" >&2; exit 3; }
		rm -rf "$r/local-$i" "$r/slurm-$i"
	done
	# The engine alone: the same array, each task doing nothing.
	t0=$(date +%s%N)
	slurm_submit --array="0-$((k - 1))%2" --cpus-per-task=1 -o /dev/null --wrap=true &&
		slurm_wait "$SLURM_JOB" 600 || { echo "bench: the empty array: $SLURM_WHY" >&2; exit 3; }
	te=$(secs "$t0" "$(date +%s%N)")
	slurm_down
	tl=$(median $local_t)
	ts=$(median $slurm_t)
	printf '%-44s %8s s %8s jobs/s (runs:%s)\n' "labrun batch -j 2, this machine" "$tl" "$(ratio "$n" "$tl")" "$local_t"
	printf '%-44s %8s s %8s jobs/s (runs:%s)\n' "Slurm array 0-$((k - 1))%2, -j 1 per task" "$ts" "$(ratio "$n" "$ts")" "$slurm_t"
	printf '%-44s %8s s\n' "the same array, tasks doing nothing" "$te"
	printf '%-44s %8s\n' "ratio Slurm/local (time)" "$(ratio "$ts" "$tl")"
	printf '%-44s %8s s (%s s a task)\n' "Slurm's overhead" \
		"$(awk -v a="$ts" -v b="$tl" 'BEGIN { printf "%.2f", a - b }')" \
		"$(awk -v a="$ts" -v b="$tl" -v k="$k" 'BEGIN { printf "%.2f", (a - b) / k }')"
}
if [ "${BENCH:-}" = recert ]; then
	recert_bench
	exit 0
fi

# 5. Load.  The figures tests/e2e/9500-load.sh checks the shape of (all up,
# all answered, all sealed), measured here.
load_bench() {
	local n=${LOAD_N:-100} S=$TOP/scenarios/policy-denials l=$W/load t0 one i all
	mkdir -p "$l/takes" "$l/runs"
	"$B/labrun" keygen -p "$l/i.pub" -s "$l/i.key" >/dev/null
	python3 "$TOP/tests/load/takes.py" "$B/labrun" "$S" "$l/i.key" "$l/takes" "$n" >"$l/takes.json" ||
		{ echo "bench: the take driver failed" >&2; exit 3; }
	python3 - "$l/takes.json" "$n" <<'PY' || exit 3
import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
if d["up"] != n or d["errors"]:
    sys.exit("bench: load: %d of %d sessions up; %s" % (d["up"], n, "; ".join(d["errors"])))
med = lambda l: sorted(l)[len(l) // 2]
r = d["rss_kib"]
row = lambda k, v: print("%-44s %s" % (k, v))
row("%d take sessions live, until all at prompt" % n, "%8.2f s" % d["up_s"])
row("supervisor memory per live session", "%8.2f MiB (mean; max %.2f)" % (sum(r) / len(r) / 1024, max(r) / 1024))
row("lab time beside %d idle sessions" % (n - 1), "%8.0f ms (median; max %.0f)" % (med(d["lab_time_ms"]), max(d["lab_time_ms"])))
row("lab time, all %d asking at once" % n, "%8.0f ms (median; max %.0f)" % (med(d["lab_time_burst_ms"]), max(d["lab_time_burst_ms"])))
row("all %d submitted: graded and sealed in" % n, "%8.2f s (%.0f ms a session)" % (d["graded_s"], d["graded_s"] * 1000 / n))
PY
	t0=$(date +%s%N)
	"$B/labrun" run "$S" --key "$l/i.key" --candidate one --script "$S/solutions/reference.sh" \
		-o "$l/runs/one.ev" >/dev/null 2>&1 || { echo "bench: a run failed" >&2; exit 3; }
	one=$(secs "$t0" "$(date +%s%N)")
	t0=$(date +%s%N)
	for i in $(seq 20); do
		"$B/labrun" run "$S" --key "$l/i.key" --candidate "c$i" --script "$S/solutions/reference.sh" \
			-o "$l/runs/c$i.ev" >/dev/null 2>&1 &
	done
	wait
	all=$(secs "$t0" "$(date +%s%N)")
	[ "$(ls "$l/runs" | grep -c '^c.*\.ev$')" -eq 20 ] || { echo "bench: a concurrent run failed" >&2; exit 3; }
	printf '%-44s %8s s\n' "one graded run alone" "$one"
	printf '%-44s %8s s (%s s a session)\n' "20 graded runs at once" "$all" \
		"$(awk -v a="$all" 'BEGIN { printf "%.2f", a / 20 }')"
}
if [ "${BENCH:-}" = load ]; then
	load_bench
	exit 0
fi

# 6. The registry's static site.  publish writes every file through
# write_file_atomic (fsync, rename), so the first publish is bound by the
# disk; a publish with nothing changed only reads and compares.
site_bench() {
	local n=${SITE_N:-10000} loads=${SITE_LOADS:-20} s=$W/site t0 first again revoked
	local NM=$TOP/tests/node/node_modules port pid tok
	mkdir -p "$s/creds"
	"$B/labrun" keygen -p "$s/i.pub" -s "$s/i.key" >/dev/null
	"$B/labrun" registry init "$s/reg" --key "$s/i.key" --base-url https://certs.example.org >/dev/null
	cc -std=gnu11 -O2 -iquote "$TOP" -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -o "$s/mkcreds" \
		"$TOP/tests/bench/mkcreds.c" $(ls "$B"/obj/runner/*.o | grep -v '/main\.o$') \
		"$B"/obj/sandbox/*.o "$B"/obj/graders/*.o "$B"/obj/scenarios/platform/*.o \
		"$B"/gen/*.o "$B/libbase.a" \
		$(pkg-config --libs libseccomp lua5.4 libarchive jansson libsodium zlib) -lm
	"$s/mkcreds" "$s/reg" "$s/i.key" "$s/creds" "$n" >/dev/null || { echo "bench: mkcreds failed" >&2; exit 3; }
	pub() { "$B/labrun" registry publish --registry "$s/reg" --key "$s/i.key" \
		--credentials "$s/creds" -o "$s/site" >"$s/out" || { echo "bench: publish failed" >&2; exit 3; }; }
	t0=$(date +%s%N); pub; first=$(secs "$t0" "$(date +%s%N)")
	t0=$(date +%s%N); pub; again=$(secs "$t0" "$(date +%s%N)")
	grep -q " 0 files written" "$s/out" || { echo "bench: publish again wrote files" >&2; exit 3; }
	"$B/labrun" registry revoke "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' \
		"$s/creds/$(ls "$s/creds" | head -1)")" --reason bench --registry "$s/reg" --key "$s/i.key" >/dev/null
	t0=$(date +%s%N); pub; revoked=$(secs "$t0" "$(date +%s%N)")
	printf '%-44s %8s s (%s)\n' "publish $n credentials, first time" "$first" \
		"$(awk -v t="$first" -v n="$n" 'BEGIN { printf "%.2f ms a credential", t * 1000 / n }')"
	printf '%-44s %8s s\n' "publish again, nothing changed" "$again"
	printf '%-44s %8s s (%s)\n' "publish after one revocation" "$revoked" "$(sed 's/.*: //' "$s/out")"
	printf '%-44s %8s MiB (%s files; %s KiB on disk a page)\n' "site size" \
		"$(du -sm --apparent-size "$s/site" | cut -f1)" "$(find "$s/site" -type f | wc -l)" \
		"$(du -sk "$s/site/c" | awk -v n="$n" '{ printf "%.1f", $1 / n }')"
	if ! command -v /usr/bin/chromium >/dev/null || ! command -v node >/dev/null || [ ! -d "$NM/puppeteer-core" ]; then
		printf '%-44s %8s\n' "page load, navigation to verdict" "skipped: no chromium, node or puppeteer-core (make deps)"
		return 0
	fi
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	python3 -m http.server --bind 127.0.0.1 --directory "$s/site" "$port" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/robots.txt" && break; sleep 0.1; done
	tok=$(ls "$s/site/c" | sed -n 2p)
	ORIGIN=http://127.0.0.1:$port PAGES="[[\"bench\",\"/c/$tok/\"]]" SHOTS="" REPEAT=$loads NODE_PATH=$NM \
		node "$TOP/tests/interop/0910-registry-site.js" >"$s/load.json" || { kill "$pid"; echo "bench: chromium failed" >&2; exit 3; }
	kill "$pid"; wait "$pid" 2>/dev/null || true
	python3 - "$s/load.json" "$loads" <<'PY' || exit 3
import json, sys
p = json.load(open(sys.argv[1]))["pages"]["bench"]
if p["verdict"] != "valid":
    sys.exit("bench: the page said %r" % p["verdict"])
t = sorted(p["load_ms"])
print("%-44s %8.0f ms (median of %s; min %.0f, max %.0f; from http.server)" % (
    "page load, navigation to verdict", t[len(t) // 2], sys.argv[2], t[0], t[-1]))
PY
}
if [ "${BENCH:-}" = site ]; then
	site_bench
	exit 0
fi

# The runner's rows (3, 4, 6) and the scaling curves: tests/bench/runner.sh.
cc -O2 -o "$W/timeit" "$TOP/tests/bench/timeit.c"
. "$TOP/tests/bench/runner.sh"
case ${BENCH:-} in
runner) row3; row4; row6; curves; exit 0 ;;
row3 | row4 | row6 | curves | verify_curve) "$BENCH"; exit 0 ;;
esac

cc -std=gnu11 -O2 -iquote "$TOP" -D_GNU_SOURCE -o "$W/sbx_true" \
	"$TOP/tests/bench/sbx_true.c" "$B"/obj/sandbox/*.o "$B/gen/seccomp_bpf.o" \
	"$B/libbase.a" $(pkg-config --libs libseccomp)

bw=(bwrap --unshare-all --uid 1000 --gid 1000 --die-with-parent --new-session
	--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
	--symlink usr/lib64 /lib64 --symlink usr/sbin /sbin --proc /proc
	--dev /dev --tmpfs /tmp --clearenv /bin/true)

# firejail, the third peer: installed here if missing (bench only).
command -v firejail >/dev/null || sh "$TOP/scenarios/deps.sh" firejail >/dev/null
fj=(firejail --quiet --noprofile --private --net=none --noroot --caps.drop=all
	--nonewprivs --seccomp --ipc-namespace /bin/true)

# The three launchers take turns (labrun, bwrap, firejail, labrun, ...) so
# that the machine's drift falls on all of them alike; medians compared.
echo "labrun bench on $(uname -r), $(nproc) cores; N=$N launches each, interleaved"
"$W/timeit" "$N" -- "$W/sbx_true" "$B/libexec/labrun" -- "${bw[@]}" -- "${fj[@]}" >"$W/launch" ||
	{ echo "bench: a launcher failed" >&2; exit 3; }
l=$(awk 'NR == 1 { print $1 }' "$W/launch")
b=$(awk 'NR == 2 { print $1 }' "$W/launch")
f=$(awk 'NR == 3 { print $1 }' "$W/launch")
printf '%-44s %8s ms (median)\n' "sandbox launch, labrun (/bin/true)" "$l"
printf '%-44s %8s ms (median)\n' "sandbox launch, bwrap (/bin/true)" "$b"
printf '%-44s %8s ms (median)\n' "sandbox launch, firejail (/bin/true)" "$f"
printf '%-44s %8s\n' "ratio labrun/bwrap" "$(ratio "$l" "$b")"
printf '%-44s %8s\n' "ratio labrun/firejail" "$(ratio "$l" "$f")"

# Throughput: 200 launches, 2 at a time.
per_sec() { # CMD...: launches per second, 200 of them, 2 in parallel
	local t0 t1
	t0=$(date +%s%N)
	seq 200 | xargs -P2 -I{} "$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", 200 / ((b - a) / 1e9) }'
}
tl=$(per_sec "$W/sbx_true" "$B/libexec/labrun")
tb=$(per_sec "${bw[@]}")
tf=$(per_sec "${fj[@]}")
printf '%-44s %8s /s\n' "200 launches, 2 at a time: labrun" "$tl"
printf '%-44s %8s /s\n' "200 launches, 2 at a time: bwrap" "$tb"
printf '%-44s %8s /s\n' "200 launches, 2 at a time: firejail" "$tf"

# Row 2: a session whose candidate runs 200 /bin/true (the exec log on, as
# in every session), against the same loop in bwrap.  Rows 3 and 4, the
# runner's: tests/bench/runner.sh.
S=$TOP/scenarios/policy-denials
R=${RUNS:-5}
"$B/labrun" keygen -p "$W/a.pub" -s "$W/a.key" >/dev/null
"$B/labrun" keygen -p "$W/i.pub" -s "$W/i.key" >/dev/null
"$B/labrun" pack "$S" -s "$W/a.key" -o "$W/s.lab" >/dev/null
runner_keys
curve_script execs 200 "$W/execs200.sh"
pair_head "row 2"
pair "200 execs: labrun session vs bwrap loop" "$R" -- $(session_cmd "$W/execs200.sh" "$W/e200.ev") \
	-- "${bw[@]:0:${#bw[@]}-1}" sh -c 'i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i + 1)); done'
row3
row4

# Syscall faults: the cost of one intercepted call (an open the plan
# watches but does not hit, so that the call still runs) against the same
# open unintercepted, measured inside the sandbox; and a session with a
# typical plan (four syscall faults on the services and the candidate)
# against the same session without one.
F=$W/faulted
rm -rf "$F" && cp -r "$S" "$F"
python3 - "$F/scenario.json" <<'PY'
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j["faults"] = [
    {"id": "watch-open", "kind": "syscall.errno", "call": "open", "path": "/nonexistent/x", "errno": "EIO", "target": "candidate"},
    {"id": "watch-stat", "kind": "syscall.errno", "call": "stat", "path": "/nonexistent/x", "errno": "EIO", "target": "candidate"},
    {"id": "watch-fsync", "kind": "syscall.delay", "call": "fsync", "path": "/nonexistent/x", "delay_ms": 10, "target": "candidate"},
    {"id": "watch-unlink", "kind": "syscall.errno", "call": "unlink", "path": "/nonexistent/x", "errno": "EACCES", "target": "candidate"},
]
json.dump(j, open(p, "w"))
PY
cat >"$W/opens.sh" <<'SH'
#!/bin/bash
python3 -c '
import os, time
n = 5000
t = time.perf_counter()
for i in range(n):
    os.close(os.open("/etc/hostname", os.O_RDONLY))
print("%.2f" % ((time.perf_counter() - t) / n * 1e6))' > ~/answers/open_us.txt
SH
"$B/labrun" pack "$F" -s "$W/a.key" -o "$W/f.lab" >/dev/null
open_us() { # BUNDLE: microseconds per open inside a session
	rm -f "$W/o.tar"
	"$B/labrun" run "$1" --trust "$W/a.pub" --key "$W/i.key" --candidate bench \
		--script "$W/opens.sh" -o "$W/o.tar" >/dev/null 2>&1
	tar -xOf "$W/o.tar" answers/open_us.txt
}
plain=$(open_us "$W/s.lab")
trapped=$(open_us "$W/f.lab")
printf '%-44s %8s us\n' "open+close in a session, no plan" "$plain"
printf '%-44s %8s us\n' "open+close, open intercepted (not hit)" "$trapped"
printf '%-44s %8s us\n' "cost of one intercepted call" "$(awk -v a="$trapped" -v b="$plain" 'BEGIN { printf "%.2f", a - b }')"
"$W/timeit" "$R" -- "$B/labrun" run "$W/s.lab" --trust "$W/a.pub" --key "$W/i.key" \
	--candidate bench --script "$S/solutions/reference.sh" -o "$W/e1.tar" \
	-- "$B/labrun" run "$W/f.lab" --trust "$W/a.pub" --key "$W/i.key" \
	--candidate bench --script "$S/solutions/reference.sh" -o "$W/e2.tar" >"$W/plan" ||
	{ echo "bench: a session failed" >&2; exit 3; }
p0=$(awk 'NR == 1 { print $1 }' "$W/plan")
p1=$(awk 'NR == 2 { print $1 }' "$W/plan")
printf '%-44s %8s ms (median)\n' "graded session, no fault plan" "$p0"
printf '%-44s %8s ms (median)\n' "graded session, four syscall faults" "$p1"
printf '%-44s %8s\n' "ratio with plan/without" "$(ratio "$p1" "$p0")"

# Row 5: the peak memory of the supervisor (the largest process labrun run
# waited for: GNU time's maximum resident set) during a run of
# policy-denials.
/usr/bin/time -f '%M' -o "$W/peak" "$B/labrun" run "$W/s.lab" --trust "$W/a.pub" --key "$W/i.key" \
	--candidate bench --script "$S/solutions/reference.sh" -o "$W/p.ev" >/dev/null 2>&1 ||
	{ echo "bench: the row 5 session failed" >&2; exit 3; }
printf '%-44s %8s MiB (target <= 4)\n' "row 5: peak memory, run of policy-denials" \
	"$(awk '{ printf "%.1f", $1 / 1024 }' "$W/peak")"
echo "  cmd: /usr/bin/time -f %M labrun run policy-denials.lab ... --script solutions/reference.sh"

row6
curves
load_bench
recert_bench
site_bench
