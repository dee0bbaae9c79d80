#!/bin/bash
# 6050-stats: `labrun stats` over a real cohort: 44 sessions of
# tests/fixtures/stats/calib (a deliberately flawed check, no-backup, that
# the careful reference fails and weak solutions pass; a "hard" variant
# whose culprit a naive reading misses) by as many candidates, some taking
# the hint, plus a small cohort of another scenario.  It asserts the flawed
# check is flagged for negative discrimination, the hard variant as unfair,
# every figure of --json against a python3 reference computation over the
# same evidence (result.json and manifest.json from the tars), the privacy
# rule (fewer than 5 candidates: "<5", no pseudonym without
# --by-candidate), invalid files counted and skipped with the reason, the
# filters, the text output escaped, and the usage errors.
. "$(dirname "$0")/../lib.sh"

S=$TOP/tests/fixtures/stats/calib
make_keys || { fail "keygen"; done_testing; exit 1; }
"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null

expect_exit 0 "stats --help exits 0" "$LABRUN" stats --help
out_has '^usage: labrun stats EVIDENCE\.\.\. -p ISSUER_PUB' "help starts with the usage line"
expect_exit 0 "labrun help lists stats" "$LABRUN" help
out_has '^  stats  +cohort statistics and item analysis' "... with its summary"
expect_exit 2 "no EVIDENCE: usage error" "$LABRUN" stats -p "$T/issuer.pub"
err_has '^labrun stats: no EVIDENCE given' "... saying what is missing"
expect_exit 2 "no -p: usage error" "$LABRUN" stats "$T"
err_has '^labrun stats: -p ISSUER_PUB is required' "... saying why"
expect_exit 2 "a bad --since: usage error" "$LABRUN" stats "$T" -p "$T/issuer.pub" --since yesterday
err_has '^labrun stats: --since yesterday: want 2027-01-01' "... naming the form"
expect_exit 2 "an unknown option: usage error" "$LABRUN" stats "$T" -p "$T/issuer.pub" --bogus

# The cohort: per variant 5 careful, 9 hasty (2 of them after the hint),
# 4 who only fix, 3 who guess the culprit (after the hint), 1 who does nothing.
E=$T/ev
mkdir -p "$E/calib" "$T/sol"
for s in reference wrong-naive wrong-fix-only wrong-guess wrong-nothing; do
	cp "$S/solutions/$s.sh" "$T/sol/$s.sh"
	{ echo '#!/bin/bash'; echo 'lab hint -y >/dev/null'; tail -n +2 "$S/solutions/$s.sh"; } >"$T/sol/$s-hint.sh"
done
mix="reference reference reference reference reference
wrong-naive wrong-naive wrong-naive wrong-naive wrong-naive wrong-naive wrong-naive
wrong-naive-hint wrong-naive-hint
wrong-fix-only wrong-fix-only wrong-fix-only wrong-fix-only
wrong-guess-hint wrong-guess-hint wrong-guess-hint
wrong-nothing"
n=0 bad=0
for v in easy hard; do
	for s in $mix; do
		n=$((n + 1))
		timeout -k 5 60 "$LABRUN" run "$S" --key "$T/issuer.key" --variant "$v" \
			--candidate "cand-$n" --script "$T/sol/$s.sh" \
			-o "$E/calib/$n.ev" >/dev/null 2>"$ERR"
		case $? in 0|1) ;; *) bad=$((bad + 1)); sed 's/^/# /' "$ERR";; esac
	done
done
[ "$bad" -eq 0 ] && pass "$n sessions ran (pass or fail, no error)" || fail "$bad of $n sessions failed to run"

# A small cohort of another scenario: 3 candidates, so suppressed.
make_scenario "$T/small" t-small
for i in 1 2 3; do
	"$LABRUN" run "$T/small" --key "$T/issuer.key" --candidate "small-$i" \
		--script "$T/small/solutions/reference.sh" -o "$E/small-$i.ev" >/dev/null 2>&1
done
# Invalid files: another issuer's, a tampered one, one that is no evidence.
"$LABRUN" run "$T/small" --key "$T/other.key" --candidate small-x \
	--script "$T/small/solutions/reference.sh" -o "$E/other-key.ev" >/dev/null 2>&1
cp "$E/small-1.ev" "$E/tampered.ev"
printf 'X' | dd of="$E/tampered.ev" bs=1 seek=700 conv=notrunc 2>/dev/null
printf 'not evidence\n' >"$E/notes.txt"

# A library scenario with the platform's audit trail: 5 sessions, so the
# times to the first and last remediation step are shown.
A=$TOP/scenarios/approval-threshold
mkdir -p "$E/audit"
i=0
for s in reference reference reference $(cd "$A/solutions" && ls wrong-*.sh | head -2 | sed 's/\.sh$//'); do
	i=$((i + 1))
	timeout -k 5 120 "$LABRUN" run "$A" --key "$T/issuer.key" --candidate "aud-$i" \
		--script "$A/solutions/$s.sh" -o "$E/audit/$i.ev" >/dev/null 2>&1
done
[ "$(ls "$E/audit" | wc -l)" -eq 5 ] && pass "5 sessions of approval-threshold" || fail "5 sessions of approval-threshold"

# Every pseudonym of the cohort, one a line: none may appear without
# --by-candidate.
for f in "$E"/calib/*.ev "$E"/small-*.ev "$E"/audit/*.ev; do manifest_value "$f" pseudonym; done >"$T/pseudonyms"
[ "$(sort -u "$T/pseudonyms" | grep -c '^c-')" -eq 52 ] && pass "52 distinct pseudonyms" ||
	fail "52 distinct pseudonyms ($(sort -u "$T/pseudonyms" | wc -l))"

expect_exit 0 "stats --json over the directory: exit 0" "$LABRUN" stats "$E" -p "$T/issuer.pub" --json
cp "$OUT" "$T/stats.json"

check "the figures agree with a python3 reference computation" python3 - "$T/stats.json" "$E" <<'PY'
import hashlib, io, json, math, os, sys, tarfile
st = json.load(open(sys.argv[1]))
root = sys.argv[2]
def members(p):
    with tarfile.open(p) as t:
        return {n: json.load(t.extractfile(n)) for n in ("manifest.json", "result.json")}
rows = []
for dp, dn, fn in os.walk(os.path.join(root, "calib")):
    for f in fn:
        p = os.path.join(dp, f)
        m = members(p)
        rows.append((hashlib.sha256(open(p, "rb").read()).hexdigest(), m))
rows.sort(key=lambda r: r[0])
assert len(rows) == 44, len(rows)
g = [x for x in st["scenarios"] if x["id"] == "t-stats-calib"][0]
def close(a, b, what, tol=1e-6):
    assert a is not None and b is not None and abs(a - b) <= tol, (what, a, b)
graded = [m for _, m in rows if m["manifest.json"]["verdict"] in ("pass", "fail")]
n = len(graded)
assert g["attempts"] == 44 and g["candidates"] == 44 and g["graded"] == n == 44, g["attempts"]
passed = sum(m["manifest.json"]["verdict"] == "pass" for m in graded)
close(g["pass_rate"], passed / n, "pass rate")
def q(v, p):
    v = sorted(v); h = (len(v) - 1) * p; lo = math.floor(h)
    return v[lo] if lo + 1 >= len(v) else v[lo] + (h - lo) * (v[lo + 1] - v[lo])
sc = [m["manifest.json"]["score"] / 1000 for m in graded]
close(g["score"]["mean"], sum(sc) / n, "mean score")
close(g["score"]["median"], q(sc, .5), "median score")
close(g["score"]["p90"], q(sc, .9), "p90 score")
du = [m["manifest.json"]["session"]["duration_ms"] / 1000 for m in graded]
close(g["time"]["duration_s"]["median"], q(du, .5), "median duration")
close(g["time"]["duration_s"]["p90"], q(du, .9), "p90 duration")
assert g["time"]["first_step_s"] == "n/a", g["time"]
for b in g["score"]["histogram"]:
    c = sum(min(int(s * 1000) // 100, 9) * 10 == b["from"] for s in sc)
    assert b["count"] == (c if c == 0 or c >= 5 else "<5"), (b, c)
ids = [c["id"] for c in graded[0]["result.json"]["checks"]]
X = [[1 if next(c for c in m["result.json"]["checks"] if c["id"] == i)["status"] == "pass" else 0 for i in ids] for m in graded]
P = [[next(c for c in m["result.json"]["checks"] if c["id"] == i)["points"] / 1000 for i in ids] for m in graded]
tot = [sum(r) for r in P]
def pearson(x, y):
    mx = sum(x) / len(x); my = sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x); syy = sum((b - my) ** 2 for b in y)
    return None if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)
k = round(0.27 * n + 1e-12)
order = sorted(range(n), key=lambda i: (tot[i], i))
for j, cid in enumerate(ids):
    c = [x for x in g["checks"] if x["id"] == cid][0]
    col = [r[j] for r in X]
    close(c["difficulty"], sum(col) / n, cid + " difficulty")
    rpb = pearson(col, [tot[i] - P[i][j] for i in range(n)])
    close(c["point_biserial"], rpb, cid + " point-biserial")
    ul = (sum(col[i] for i in order[-k:]) - sum(col[i] for i in order[:k])) / k
    close(c["upper_lower"], ul, cid + " upper-lower")
def var(v):
    m = sum(v) / len(v); return sum((a - m) ** 2 for a in v) / len(v)
def alpha(M):
    kk = len(M[0]); t = [sum(r) for r in M]
    return kk / (kk - 1) * (1 - sum(var([r[j] for r in M]) for j in range(kk)) / var(t))
close(g["reliability"]["kr20"], alpha(X), "KR-20")
close(g["reliability"]["alpha"], alpha(P), "Cronbach's alpha")
# variants: Fisher's exact test (hypergeometric) and chi-square via erfc
tab = {}
for m in graded:
    v = m["manifest.json"]["seed"]["variant"]; tab.setdefault(v, [0, 0])
    tab[v][0 if m["manifest.json"]["verdict"] == "pass" else 1] += 1
(a, b), (c2, d) = tab["easy"], tab["hard"]
r1, r2, c1 = a + b, c2 + d, a + c2
H = lambda x: math.comb(r1, x) * math.comb(r2, c1 - x) / math.comb(r1 + r2, c1)
fisher = sum(H(x) for x in range(max(0, c1 - r2), min(c1, r1) + 1) if H(x) <= H(a) * (1 + 1e-7))
V = g["variants"]
assert V["test"] == "fisher", V["test"]
close(V["p_fisher"], fisher, "Fisher's p", 1e-9)
close(V["p"], fisher, "the deciding p", 1e-9)
N = a + b + c2 + d; rp = a + c2; rf = b + d; chi = 0
for p_, f_ in ((a, b), (c2, d)):
    col = p_ + f_; ep = rp * col / N; ef = rf * col / N
    chi += (p_ - ep) ** 2 / ep + (f_ - ef) ** 2 / ef
close(V["chi2"], chi, "chi-square")
close(V["p_chi2"], math.erfc(math.sqrt(chi / 2)), "chi-square p", 1e-9)
for row in V["rows"]:
    vv = [m for m in graded if m["manifest.json"]["seed"]["variant"] == row["variant"]]
    close(row["pass_rate"], sum(m["manifest.json"]["verdict"] == "pass" for m in vv) / len(vv), "variant pass rate")
    close(row["mean_score"], sum(m["manifest.json"]["score"] for m in vv) / 1000 / len(vv), "variant mean")
    close(row["duration_s"]["median"], q([m["manifest.json"]["session"]["duration_ms"] / 1000 for m in vv], .5), "variant median")
# hints: share and pass rates with and without
users = [m for m in graded if any(h["hint"] == 1 for h in m["manifest.json"]["hints_used"])]
h = g["hints"][0]
assert h["hint"] == 1 and len(users) == 10, (h, len(users))
close(h["share"], len(users) / n, "hint share")
close(h["pass_rate_with"], sum(m["manifest.json"]["verdict"] == "pass" for m in users) / 10, "with hint")
close(h["pass_rate_without"], (passed - sum(m["manifest.json"]["verdict"] == "pass" for m in users)) / (n - 10), "without hint")
print("checked", n, "attempts,", len(ids), "checks; fisher p", fisher, "rpb",
      [round(c["point_biserial"], 4) for c in g["checks"]])
PY
sed 's/^/# /' "$T/.check"

check "the times to the first and last remediation step agree with python3" python3 - "$T/stats.json" "$E/audit" <<'PY'
import json, math, os, sys, tarfile
st = json.load(open(sys.argv[1]))
# docs/stats.md, "Remediation steps": a change, successful, asked by the
# installed agentctl (same pid, words and exit status in the command log)
CHANGING = {("agent", "quarantine"): 3, ("agent", "release"): 3, ("tool", "enable"): 3,
    ("tool", "disable"): 3, ("tool", "set"): 5, ("tool", "adapter"): 4, ("tool", "canary"): 5,
    ("tool", "rollback"): 3, ("model", "pin"): 4, ("model", "unpin"): 3, ("model", "rollback"): 3,
    ("model", "gate"): 4, ("policy", "apply"): 3, ("policy", "rollback"): 2, ("task", "retry"): 3,
    ("approvals", "resume"): 2, ("approvals", "threshold"): 3, ("approval", "approve"): 3,
    ("approval", "reject"): 3, ("effect", "revert"): 3, ("exporter", "restart"): 2,
    ("clock", "sync"): 3, ("secret", "rotate"): 3, ("state", "reset"): 2}
first, last = [], []
for f in sorted(os.listdir(sys.argv[2])):
    t = tarfile.open(os.path.join(sys.argv[2], f))
    if json.load(t.extractfile("manifest.json"))["verdict"] == "error":
        continue
    cmds = [json.loads(l) for l in t.extractfile("commands.jsonl").read().decode().splitlines()]
    times = []
    for l in t.extractfile("changes/var/log/agentd/audit.jsonl").read().decode().splitlines():
        a = json.loads(l); w = a["argv"]
        if a["exit"] != 0 or len(w) < 2 or len(w) < CHANGING.get((w[0], w[1]), 99):
            continue
        for c in cmds:
            if (c["pid"] == a.get("pid") and c.get("exe") == "/opt/labrun/bin/agentctl" and c["trusted"]
                    and c["exit"] == a["exit"] and c["argv"][1:] == w):
                times.append(c["t_ms"] / 1000); break
    if times:
        first.append(min(times)); last.append(max(times))
def q(v, p):
    v = sorted(v); h = (len(v) - 1) * p; lo = math.floor(h)
    return v[lo] if lo + 1 >= len(v) else v[lo] + (h - lo) * (v[lo + 1] - v[lo])
g = [x for x in st["scenarios"] if x["id"] == "approval-threshold"][0]
tm = g["time"]
assert len(first) >= 5, ("attempts with a step", len(first))
assert tm["with_steps"] == len(first), tm
for k, v in (("first_step_s", first), ("last_step_s", last)):
    for p, name in ((.5, "median"), (.9, "p90")):
        assert abs(tm[k][name] - q(v, p)) < 1e-6, (k, name, tm[k][name], q(v, p))
print("steps: first", sorted(first), "last", sorted(last))
PY
sed 's/^/# /' "$T/.check"

check "the flawed check no-backup is flagged for negative discrimination" python3 -c '
import json, sys
g = [x for x in json.load(open(sys.argv[1]))["scenarios"] if x["id"] == "t-stats-calib"][0]
c = {x["id"]: x for x in g["checks"]}
assert c["no-backup"]["point_biserial"] < 0 and "negative-discrimination" in c["no-backup"]["flags"], c["no-backup"]
assert c["config-fixed"]["flags"] == [] and c["config-fixed"]["point_biserial"] > 0.1, c["config-fixed"]
' "$T/stats.json"
check "the hard variant is flagged as unfair (p < 0.05)" python3 -c '
import json, sys
g = [x for x in json.load(open(sys.argv[1]))["scenarios"] if x["id"] == "t-stats-calib"][0]
v = g["variants"]
assert v["unfair"] is True and v["p"] < 0.05, v
r = {x["variant"]: x for x in v["rows"]}
assert r["hard"]["pass_rate"] < r["easy"]["pass_rate"], r
' "$T/stats.json"
check "invalid files are counted and skipped with the reason" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
f = j["files"]
assert f["read"] == 55 and f["valid"] == 52 and f["invalid"] == 3, f
why = {x["file"].rsplit("/", 1)[1]: x["error"] for x in j["invalid"]}
assert set(why) == {"other-key.ev", "tampered.ev", "notes.txt"}, why
assert all(why.values()), why
' "$T/stats.json"
check "a cohort of 3 candidates is suppressed, and no pseudonym appears" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
s = [x for x in j["scenarios"] if x["id"] == "t-small"][0]
assert s["suppressed"] is True and s["candidates"] == "<5" and s["attempts"] == "<5", s
assert set(s) == {"id", "version", "suppressed", "attempts", "candidates"}, s
assert "candidates" not in j
' "$T/stats.json"
grep -qFf "$T/pseudonyms" "$T/stats.json" && fail "a pseudonym in --json" || pass "no pseudonym in --json"

# Flags at the extremes, on parts of the same cohort: among the careful
# and the hasty (sessions 1-14 and 23-36) everybody fixes the config;
# among those who fix only, guess or do nothing (15-22, 37-44) nobody
# names the culprit.
mkdir -p "$T/top" "$T/bottom"
for i in $(seq 1 44); do
	k=$(( (i - 1) % 22 + 1 ))
	if [ "$k" -le 14 ]; then cp "$E/calib/$i.ev" "$T/top/"; else cp "$E/calib/$i.ev" "$T/bottom/"; fi
done
run "$LABRUN" stats "$T/top" -p "$T/issuer.pub" --json
check "a check everybody passes is flagged everybody-passes" python3 -c '
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["scenarios"][0]["checks"]}
assert c["config-fixed"]["difficulty"] == 1 and c["config-fixed"]["flags"] == ["everybody-passes"], c
assert c["config-fixed"]["point_biserial"] is None, c
' "$OUT"
run "$LABRUN" stats "$T/bottom" -p "$T/issuer.pub" --json
check "a check nobody passes is flagged nobody-passes" python3 -c '
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["scenarios"][0]["checks"]}
assert c["cause-named"]["difficulty"] == 0 and c["cause-named"]["flags"] == ["nobody-passes"], c
' "$OUT"

# Text: the same figures for a person, no pseudonym, flags named.
expect_exit 0 "stats (text): exit 0" "$LABRUN" stats "$E" -p "$T/issuer.pub"
sed 's/^/# /' "$OUT"
out_has '^evidence: 55 files, 52 valid, 3 invalid \(skipped\)' "the files line counts the invalid ones"
out_has '^  no-backup .* negative-discrimination' "the flawed check's row is flagged"
out_has 'fisher p = .*UNFAIR' "the fairness line says unfair"
out_has '^t-small 1\.0\.0$' "the small cohort is named"
out_has '^  suppressed: <5 candidates$' "... and suppressed"
out_has '^  first step: n/a' "no audit trail: the step times are n/a"
grep -qFf "$T/pseudonyms" "$OUT" && fail "a pseudonym in the text" || pass "no pseudonym in the text"

# --by-candidate: pseudonyms, then.
expect_exit 0 "--by-candidate: exit 0" "$LABRUN" stats "$E" -p "$T/issuer.pub" --by-candidate
out_has "^  $(manifest_value "$E/calib/1.ev" pseudonym)  t-stats-calib 1\\.0\\.0: 1 attempt, passed, best 90\\.0%\$" \
	"each candidate's line: the careful one's pseudonym, passed"
[ "$(grep -cFf "$T/pseudonyms" "$OUT")" -eq 52 ] && pass "... one line per candidate" || fail "... one line per candidate"
run "$LABRUN" stats "$E" -p "$T/issuer.pub" --by-candidate --json
check "--by-candidate --json lists the candidates" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j["candidates"]) == 52 and {"pseudonym", "scenario", "passed", "best_score"} <= set(j["candidates"][0])
' "$OUT"

# Filters.
run "$LABRUN" stats "$E" -p "$T/issuer.pub" --json --scenario t-small
check "--scenario keeps one scenario" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert [s["id"] for s in j["scenarios"]] == ["t-small"] and j["files"]["filtered"] == 49, j["files"]
' "$OUT"
run "$LABRUN" stats "$E" -p "$T/issuer.pub" --json --since 2999-01-01
check "--since in the future keeps nothing" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["scenarios"] == [] and j["files"]["filtered"] == 52, j["files"]
' "$OUT"

# The wrong key for everything: exit 1, saying so.
expect_exit 1 "no file valid under the key: exit 1" "$LABRUN" stats "$E/calib" -p "$T/other.pub"
err_has "none of the files is valid evidence signed by this key" "... saying so"
expect_exit 1 "a path that is not there: refused (exit 1)" "$LABRUN" stats "$E/calib" "$T/no-such-dir" -p "$T/issuer.pub"
err_has "no-such-dir: No such file or directory; hint: name evidence files or directories of them" "... naming it, with the fix"

# Recertification: 7 passes of v1 (platform agentsim-2) replayed against
# v2 (agentsim-3), whose new check fails the 2 who left debug=on: 5
# renewed, 2 retakes (shown as <5), counted per platform version.
R=$T/rc
make_scenario "$R" t-recert
scenario_set "$R" platform '"agentsim-2"'
mkdir -p "$T/rcb" "$T/rcev" "$T/rcout"
"$LABRUN" pack "$R" -s "$T/author.key" -o "$T/rcb/v1.lab" >/dev/null 2>&1 || fail "pack v1"
printf '#!/bin/bash\nsed -i "s/mode=broken/mode=fixed/;\\$a debug=on" /etc/app/config.txt\necho typo > ~/answers/cause.txt\n' >"$T/debug.sh"
for c in r1 r2 r3 r4 r5 d1 d2; do
	case $c in d*) sc=$T/debug.sh;; *) sc=$R/solutions/reference.sh;; esac
	"$LABRUN" run "$T/rcb/v1.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate "$c" --script "$sc" -o "$T/rcev/$c.ev" >/dev/null 2>&1
done
python3 - "$R" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json")); j["version"] = "1.1.0"; j["platform"] = "agentsim-3"
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
g = open(d + "/grader/grade.lua").read().replace("return {", """local debug = cfg:find("debug=on", 1, true) ~= nil
return {
  lab.check{id = "no-debug", title = "Debugging is off", weight = 600, pass = not debug,
    message = debug and "debug=on" or "off"},""", 1)
open(d + "/grader/grade.lua", "w").write(g)
PY
"$LABRUN" pack "$R" -s "$T/author.key" -o "$T/rcb/v2.lab" >/dev/null 2>&1 || fail "pack v2"
"$LABRUN" recert plan --evidence "$T/rcev" --bundles "$T/rcb" --trust "$T/author.pub" \
	-p "$T/issuer.pub" -o "$T/rcjobs" >/dev/null 2>&1
"$LABRUN" batch "$T/rcjobs" -o "$T/rcout" --trust "$T/author.pub" --key "$T/issuer.key" >"$OUT" 2>"$ERR"
out_has '^7 jobs: 5 renewed, 2 retake' "a batch: 5 renewed, 2 retakes"
run "$LABRUN" stats "$T/rcev" "$T/rcout" -p "$T/issuer.pub" --json
check "replays are counted per platform version, the retakes' cell suppressed" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["recert"] == [{"platform": "agentsim-3", "renewed": 5, "retake": "<5", "error": 0}], j["recert"]
assert [(s["id"], s["version"], s["attempts"]) for s in j["scenarios"]] == [("t-recert", "1.0.0", 7)], j["scenarios"]
' "$OUT"
run "$LABRUN" stats "$T/rcev" "$T/rcout" -p "$T/issuer.pub"
out_has '^  agentsim-3 +renewed 5, retake <5, error 0$' "... and in the text"

# A name that would drive the terminal is escaped.
mkdir -p "$T/esc"
cp "$E/other-key.ev" "$T/esc/$(printf 'x\033[31my.ev')"
run "$LABRUN" stats "$T/esc" -p "$T/issuer.pub"
grep -q $'\x1b' "$OUT" && fail "an escape byte reached the terminal" || pass "file names are escaped for the terminal"
out_has 'x\\x1b\[31my\.ev' "... shown as \\x1b"
cp "$E/other-key.ev" "$T/esc/$(printf 'bad\377name.ev')"
run "$LABRUN" stats "$T/esc" -p "$T/issuer.pub" --json
check "--json stays JSON with a control or a byte that is not UTF-8 in a file name" python3 -c '
import json, sys
names = sorted(x["file"].rsplit("/", 1)[1] for x in json.load(open(sys.argv[1]))["invalid"])
assert names == ["bad\\xffname.ev", "x\x1b[31my.ev"], names
' "$OUT"

# --html: one self-contained page, written atomically.
expect_exit 0 "--html writes the page" "$LABRUN" stats "$E" -p "$T/issuer.pub" --html "$T/stats.html"
check "the page has the three charts and no script or remote reference" python3 -c '
import sys
h = open(sys.argv[1]).read()
for want in ("score histogram", "difficulty against discrimination", "time to resolution per variant",
             "negative discrimination", "Unfair", "Content-Security-Policy"):
    assert want in h, want
assert "<script" not in h and "http://" not in h.replace("http://www.w3.org", "") and "https://" not in h
' "$T/stats.html"
grep -qFf "$T/pseudonyms" "$T/stats.html" && fail "a pseudonym in the page" || pass "no pseudonym in the page"
[ -n "${STATS_HTML_KEEP:-}" ] && cp "$T/stats.html" "$STATS_HTML_KEEP"
done_testing
