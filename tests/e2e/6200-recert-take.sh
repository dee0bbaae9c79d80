#!/bin/bash
# 6200-recert-take: a passing candidate is renewed, not sent to retake.
# Every library scenario on agentd with a chain check is taken through
# `labrun take` in tmux as a candidate would: the scenario's reference
# solution pasted into ~/answers/runbook.sh (what the screen asks for),
# run, `lab submit`.  Then a new version whose platform differs (one more
# secret, the last workload weighing one more: the span ids change, which
# is checked) is
# packed, `recert plan` makes one job per take, and `batch` renews each:
# remediation checks judged again on the new platform (pass), knowledge
# checks carried with the old evidence's digest; `verify` accepts every
# renewal and `recert report` counts them renewed.  Two more takes of
# research-fetch-denied: a candidate who worked out the chain by hand
# (the runbook holds only the fix; the replay writes no chain.json and is
# renewed by what it carries), and one whose runbook does not fix the
# system, who is told to retake although the chain carries.
# policy-denials is left out: it runs on agentsim-1, without agentd's
# platform.json to vary or spans, and grades no chain (its answers are
# knowledge checks and carry the same way).
. "$(dirname "$0")/../lib.sh"
command -v tmux >/dev/null || { skip "tmux is not installed"; done_testing; exit 0; }
make_keys || { fail "keygen"; done_testing; exit 1; }
TM="tmux -L labrun-6200-$$ -f /dev/null"
trap '$TM kill-server 2>/dev/null; rm -rf "$T"' EXIT
t_start=$(date +%s)

scenarios=()
for d in "$TOP"/scenarios/*/; do
	d=${d%/}
	[ -f "$d/system/etc/agentd/platform.json" ] && grep -q 'lab.trace.check' "$d/grader/grade.lua" &&
		scenarios+=("$(basename "$d")")
done
[ "${#scenarios[@]}" -ge 8 ] && pass "${#scenarios[@]} library scenarios on agentd grade a chain" ||
	fail "library scenarios with a chain check: ${#scenarios[@]}"

# v1 as shipped; v2 a new version on a platform whose spans differ.
mkdir -p "$T/b1" "$T/b2" "$T/ev" "$T/src"
for s in "${scenarios[@]}"; do
	"$LABRUN" pack "$TOP/scenarios/$s" -s "$T/author.key" -o "$T/b1/$s.lab" >/dev/null 2>"$ERR" ||
		fail "pack $s v1"
	cp -r "$TOP/scenarios/$s" "$T/src/$s"
	python3 - "$T/src/$s" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json"))
major, minor, patch = j["version"].split("-")[0].split(".")
j["version"] = "%s.%d.0" % (major, int(minor) + 1)
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
p = json.load(open(d + "/system/etc/agentd/platform.json"))
# Span ids come from the seeded history, drawn in the order things are
# made, and the secrets' values are drawn first: one more secret (on a
# tool that has none, so nothing else changes) moves every id, the
# activation in force at the start included.  The last kind of task also
# weighs one more (another mix of tasks).  A workload change alone can
# leave the spans before the incident as they were.
used = {x["tool"] for x in p.get("secrets", [])}
tool = [t["id"] for t in p["tools"] if t["id"] not in used][0]
p.setdefault("secrets", []).append({"id": "recert-v2-key", "tool": tool})
p["workload"][-1]["weight"] += 1
json.dump(p, open(d + "/system/etc/agentd/platform.json", "w"), indent=2)
PY
	"$LABRUN" pack "$T/src/$s" -s "$T/author.key" -o "$T/b2/$s-2.lab" >/dev/null 2>"$ERR" ||
		fail "pack $s v2"
done
pass "v1 and v2 of each packed"

screen() { $TM capture-pane -p -J -S -200 -t "$1"; }
# paste NAME FILE: FILE's bytes into the pane as one bracketed paste
# (tabs and all), then Enter.
paste() {
	$TM load-buffer -b "p-$1" "$2" && $TM paste-buffer -p -d -b "p-$1" -t "$1"
	$TM send-keys -t "$1" Enter
}
# heredoc NAME PATH FILE: the candidate writes FILE's contents to PATH,
# and the shell is back at its prompt (a paste that arrives while a
# command runs is not bracketed: its tabs would reach readline as keys).
pasted=0
heredoc() {
	pasted=$((pasted + 1))
	{
		printf "cat > %s <<'LABRUN_6200_EOF' && echo \"WRITTEN-\"\"%d\"\n" "$2" "$pasted"
		cat "$3"
		printf 'LABRUN_6200_EOF'
	} >"$T/paste.$1"
	paste "$1" "$T/paste.$1"
	pane_wait "$1" "WRITTEN-$pasted" 100 || return 1
	sleep 0.3 # readline back at its prompt, bracketed paste on again
}
# The seed of each take is pinned (an operator's --seed; the candidate
# sees nothing of it).  Some references hold only for most seeds: they let
# the platform run a fixed 600 s and then need a task of one kind done in
# it, which a few histories lack (research-fetch-denied about 3% of seeds
# on v1, orchestration-fallback with the first seed tried on v2).  These
# are seeds under which every reference passes every check on v1 and v2.
declare -A SEED=(
	[adapter-upgrade-canary]=747b971a4f5dc7ef3eeb16f45e41f6f9
	[approval-threshold]=ea8951f11ad82c14d1762db2abcc7f6a
	[duplicate-effects]=9a81feed3eb09503c88d95c0f6b86a22
	[model-drift-gate]=838b67c8375ee2616be4a4d20f3582f2
	[observability-lost-spans]=6c3923ee8c846d1ce7a0552aad997085
	[orchestration-fallback]=9b181f95c8edef0c3c0486969a6fbead
	[policy-quarantine]=1660ed191f44e4199f8c2391b983f65e
	[research-fetch-denied]=60803e766af62e730be290ed4e6778de
	[security-leaked-credential]=871d04a2f6c6aacbad014a0fbdf3f441
)
# take NAME BUNDLE EVIDENCE SEED: labrun take in a fresh pane, up to the shell.
take() {
	local i seed=${4:+--seed $4}
	$TM new-session -d -s "$1" -x 160 -y 60 \
		"$LABRUN take '$2' --trust '$T/author.pub' --key '$T/issuer.key' --candidate 'cand-$1' $seed -o '$3'; echo TAKE-EXIT=\$?; sleep 120"
	for ((i = 0; i < 100; i++)); do
		screen "$1" | grep -qF "Press Enter to start" && break
		screen "$1" | grep -qF -- "-- more (" && $TM send-keys -t "$1" q
		sleep 0.1
	done
	$TM send-keys -t "$1" Enter
	pane_wait "$1" "left] candidate@lab" 100
}
# submit NAME: lab submit, and the session's summary.
submit() {
	$TM send-keys -t "$1" "lab submit -y" Enter
	pane_wait "$1" "TAKE-EXIT=" 300
}
ran() { # NAME WHAT: WHAT (a command line) in the pane, waiting for it to end
	$TM send-keys -t "$1" "$2; echo RAN-STATUS=\$?" Enter
	pane_wait "$1" "RAN-STATUS=0" 300
}

# Each scenario taken with its reference solution as the runbook.
for s in "${scenarios[@]}"; do
	if ! take "$s" "$T/b1/$s.lab" "$T/ev/$s.ev" "${SEED[$s]:-}"; then
		fail "$s: the exam starts"
		screen "$s" | tail -5 | sed 's/^/#   screen: /'
		continue
	fi
	heredoc "$s" "~/answers/runbook.sh" "$TOP/scenarios/$s/solutions/reference.sh" ||
		fail "$s: the runbook is written"
	ran "$s" "bash ~/answers/runbook.sh >/dev/null 2>&1" || fail "$s: the runbook runs in the take"
	submit "$s" || fail "$s: the take ends"
	if screen "$s" | grep -q "TAKE-EXIT=0" && screen "$s" | grep -qE "^$s [0-9.]+: pass \(score"; then
		pass "$s: the take passes"
	else
		fail "$s: the take passes"
		screen "$s" | tail -12 | sed 's/^/#   screen: /'
	fi
	$TM kill-session -t "$s"
done
check "every take's evidence replays its runbook, byte for byte the reference" python3 - "$T/ev" "$TOP/scenarios" "${scenarios[@]}" <<'PY'
import json, sys, tarfile
ev, top, names = sys.argv[1], sys.argv[2], sys.argv[3:]
for s in names:
    t = tarfile.open("%s/%s.ev" % (ev, s))
    m = json.load(t.extractfile("manifest.json"))
    assert m["produced_by"]["mode"] == "take" and m["verdict"] == "pass", (s, m["verdict"])
    assert m["replay"] == {"source": "runbook", "member": "answers/runbook.sh", "best_effort": False}, (s, m["replay"])
    rb = t.extractfile("answers/runbook.sh").read()
    assert rb == open("%s/%s/solutions/reference.sh" % (top, s), "rb").read(), s
    r = json.load(t.extractfile("result.json"))
    k = [c for c in r["checks"] if c["kind"] == "knowledge"]
    assert k and all(c["status"] == "pass" for c in k), (s, k)
PY

# research-fetch-denied twice more.
R=research-fetch-denied
RS=$TOP/scenarios/$R/solutions/reference.sh
sed '/^# The chain/,$d' "$RS" >"$T/fix-only.sh"
{ echo 'set -eu'; grep -E '^(SPANS|bad)=' "$RS"; sed -n '/^# The chain/,$p' "$RS"; } >"$T/chain-by-hand.sh"
# The chain worked out by hand: the runbook holds only the fix.
if take byhand "$T/b1/$R.lab" "$T/ev/byhand.ev" "${SEED[$R]}"; then
	heredoc byhand "~/answers/runbook.sh" "$T/fix-only.sh" || fail "byhand: the runbook is written"
	heredoc byhand "~/chain.sh" "$T/chain-by-hand.sh" || fail "byhand: chain.sh is written"
	ran byhand "bash ~/answers/runbook.sh >/dev/null 2>&1 && bash ~/chain.sh >/dev/null 2>&1" ||
		fail "byhand: the fix and the chain run"
	submit byhand
	screen byhand | grep -qE "^$R [0-9.]+: pass \(score" && pass "a take with the chain worked out by hand passes" ||
		{ fail "a take with the chain worked out by hand passes"; screen byhand | tail -12 | sed 's/^/#   screen: /'; }
	$TM kill-session -t byhand
else
	fail "byhand: the exam starts"
fi
# A runbook that does not fix the system: the fix was typed by hand.
if take lazy "$T/b1/$R.lab" "$T/ev/lazy.ev" "${SEED[$R]}"; then
	heredoc lazy "~/fix.sh" "$RS" || fail "lazy: fix.sh is written"
	ran lazy "bash ~/fix.sh >/dev/null 2>&1 && echo 'agentctl status' > ~/answers/runbook.sh" ||
		fail "lazy: the fix runs"
	submit lazy
	screen lazy | grep -qE "^$R [0-9.]+: pass \(score" && pass "a take whose runbook does not fix passes (the fix was by hand)" ||
		{ fail "a take whose runbook does not fix passes"; screen lazy | tail -12 | sed 's/^/#   screen: /'; }
	$TM kill-session -t lazy
else
	fail "lazy: the exam starts"
fi

# The plan: one job per take.
run "$LABRUN" recert plan --evidence "$T/ev" --bundles "$T/b2" --trust "$T/author.pub" \
	-p "$T/issuer.pub" -o "$T/jobs" --json
[ "$rc" -eq 0 ] && pass "recert plan (exit 0)" || fail "recert plan (exit $rc)"
n_ev=$(ls "$T/ev" | grep -c '\.ev$')
check "one job per take ($n_ev), each renewing its own evidence, no warning" python3 - "$OUT" "$T/jobs" "$n_ev" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
jobs = [json.loads(l) for l in open(sys.argv[2])]
n = int(sys.argv[3])
assert p["jobs"] == n == len(jobs) and p["counts"]["stale"] == n, (p["counts"], len(jobs))
assert len({j["renews"] for j in jobs}) == n
assert all(j["replay"]["source"] == "runbook" for j in jobs)
assert p["warnings"] == [], p["warnings"]
PY

# The batch: every take renewed but the lazy one.
run "$LABRUN" batch "$T/jobs" -o "$T/out" --trust "$T/author.pub" --key "$T/issuer.key" -j 2
[ "$rc" -eq 0 ] && pass "batch -j 2 (exit 0)" || fail "batch -j 2 (exit $rc)"
out_has "^$n_ev jobs: $((n_ev - 1)) renewed, 1 retake, 0 error" "all renewed but the runbook that does not fix"
python3 - "$T/jobs" "$T/out" >"$T/results" <<'PY'
import json, os, sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    print(os.path.basename(j["renews"])[:-3], os.path.join(sys.argv[2], j["job"] + ".ev"), j["renews"])
PY
check_renewal() { # NAME RESULT OLD: the renewal's checks, carried and judged
	python3 - "$2" "$3" "$(sha256sum "$3" | cut -d' ' -f1)" "$1" <<'PY'
import json, sys, tarfile
new, old, digest, name = sys.argv[1:5]
want = "sha256:" + digest
tn, to = tarfile.open(new), tarfile.open(old)
m = json.load(tn.extractfile("manifest.json"))
r = json.load(tn.extractfile("result.json"))
ro = {c["id"]: c for c in json.load(to.extractfile("result.json"))["checks"]}
assert m["produced_by"]["mode"] == "replay", m["produced_by"]
assert r["carry"]["from"] == want, r["carry"]
carried = [c for c in r["checks"] if c["kind"] == "knowledge"]
judged = [c for c in r["checks"] if c["kind"] == "remediation"]
assert carried and judged, name
for c in carried:
    assert c["carried"] == {"from": want, "status": ro[c["id"]]["status"],
                            "points": ro[c["id"]]["points"], "weight": ro[c["id"]]["weight"]}, (name, c)
    assert c["status"] == ro[c["id"]]["status"] == "pass", (name, c)
for c in judged:
    assert "carried" not in c, (name, c)
if name == "lazy":
    assert m["verdict"] == "fail" and m["renews"] is None, (name, m["verdict"])
    assert any(c["status"] == "fail" for c in judged), name
else:
    assert m["verdict"] == "pass" and m["renews"]["digest"] == want, (name, m["verdict"])
    assert all(c["status"] == "pass" for c in judged), (name, [(c["id"], c["status"], c["message"]) for c in judged])
PY
}
while read -r name res old; do
	case $name in
	byhand | lazy) continue ;;
	esac
	if check_renewal "$name" "$res" "$old" >"$T/.cr" 2>&1; then
		pass "$name: renewed; remediation judged again (pass), knowledge carried from the take's digest"
	else
		: >"$OUT"; : >"$ERR"
		fail "$name: renewed; remediation judged again, knowledge carried"
		sed 's/^/#   /' "$T/.cr"
	fi
	# the span ids changed: the chain the runbook wrote on the new platform differs
	a=$(member "$old" answers/chain.json 2>/dev/null | tr -d ' \n')
	b=$(member "$res" answers/chain.json 2>/dev/null | tr -d ' \n')
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] &&
		pass "$name: the span ids changed with the platform ($a -> $b)" ||
		fail "$name: the span ids changed with the platform ('$a' -> '$b')"
	"$LABRUN" verify "$res" -p "$T/issuer.pub" >"$OUT" 2>"$ERR" && grep -q '^  carried:     ' "$OUT" &&
		pass "$name: verify accepts the renewal and says what it carried" ||
		fail "$name: verify accepts the renewal"
done <"$T/results"
read -r _ bres bold < <(grep '^byhand ' "$T/results")
check_renewal byhand "$bres" "$bold" >"$T/.cr" 2>&1 && pass "chain by hand: renewed, its chain carried" ||
	{ : >"$OUT"; : >"$ERR"; fail "chain by hand: renewed, its chain carried"; sed 's/^/#   /' "$T/.cr"; }
! member "$bres" answers/chain.json >/dev/null 2>&1 &&
	pass "... although the replay wrote no chain.json: without carrying it, a retake" ||
	fail "... the replay wrote no chain.json"
read -r _ lres lold < <(grep '^lazy ' "$T/results")
check_renewal lazy "$lres" "$lold" >"$T/.cr" 2>&1 && pass "a runbook that does not fix: retake, although its chain carries" ||
	{ : >"$OUT"; : >"$ERR"; fail "a runbook that does not fix: retake"; sed 's/^/#   /' "$T/.cr"; }
expect_exit 0 "... its result verifies too" "$LABRUN" verify "$lres" -p "$T/issuer.pub"

run "$LABRUN" recert report "$T/out" -p "$T/issuer.pub"
[ "$rc" -eq 0 ] && pass "recert report (exit 0)" || fail "recert report (exit $rc)"
for s in "${scenarios[@]}"; do
	[ "$s" = "$R" ] && want="3 renewed|2 renewed, 1 retake" || want="1 renewed, 0 retake"
	out_has "^scenario $s: ($want)" "report: $s renewed"
done
out_has "^scenario $R: 2 renewed, 1 retake" "report: $R: the lazy runbook retakes"
out_has '^  chain\.reconstructed .*\(1 carried\)' "report: the chain check carried"
out_has "^retake: [0-9a-f]{16} $R c-[0-9a-f]{16} \(was pass\): failed policy\.last-good" "report: who retakes, for the remediation they did not replay"
! grep -q "^retake: .*chain\.reconstructed" "$OUT" && pass "... not for the chain, which carried" ||
	fail "... not for the chain"
out_has "^$((n_ev - 1)) renewed, 1 retake, 0 error$" "report: the counts"

for i in $(seq 50); do left=$(leftovers); [ -z "$left" ] && break; sleep 0.2; done
[ -z "$left" ] && pass "nothing of the sessions remains" ||
	{ fail "nothing of the sessions remains"; printf '%s\n' "$left" | sed 's/^/#   /'; }
echo "# 6200 took $(($(date +%s) - t_start)) s"
done_testing
