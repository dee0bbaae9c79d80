#!/bin/bash
# 6000-recert: `labrun recert plan` classifies stored evidence against the
# current bundles (current, stale by digest or by platform, expiring with
# --now in the future, expired, failed, invalid when tampered) and writes
# the job list; evidence of a run keeps its script as replay/script.sh
# and says so in $.replay; `labrun batch` renews a pass (renews names the
# old digest, a new validity) and flags a retake; `labrun recert report`
# counts them and says, for each attempt, its verdict before -> after and
# the checks that moved.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
scenario_set "$S" platform '"agentsim-2"'
mkdir -p "$T/b1" "$T/b2" "$T/ev"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/b1/t-basic.lab" >/dev/null || fail "pack v1"
# A second scenario on an older platform: stale however current its bundle.
make_scenario "$T/old" t-oldplat
"$LABRUN" pack "$T/old" -s "$T/author.key" -o "$T/b1/t-oldplat.lab" >/dev/null || fail "pack old"

runev() { # BUNDLE CANDIDATE SCRIPT OUT
	"$LABRUN" run "$1" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate "$2" --script "$3" -o "$4" >/dev/null 2>&1
}
runev "$T/b1/t-basic.lab" alice "$S/solutions/reference.sh" "$T/ev/alice.ev"
runev "$T/b1/t-basic.lab" bob "$S/solutions/wrong-only-answer.sh" "$T/ev/bob.ev"
runev "$T/b1/t-oldplat.lab" carol "$T/old/solutions/reference.sh" "$T/ev/carol.ev"
cp "$T/ev/alice.ev" "$T/tampered.ev"
python3 - "$T/tampered.ev" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"mode=fixed")
b[i] = ord("M")
open(sys.argv[1], "wb").write(b)
PY
cp "$T/tampered.ev" "$T/ev/zed.ev"

# The replay material travels with the evidence.
check "a run's evidence holds its script as replay/script.sh" cmp <(member "$T/ev/alice.ev" replay/script.sh) "$S/solutions/reference.sh"
member "$T/ev/alice.ev" manifest.json >"$T/m.json"
check "... and \$.replay names it (not best effort)" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["replay"] == {"source": "script", "member": "replay/script.sh", "best_effort": False}, m["replay"]
assert m["renews"] is None and m["batch"] is None' "$T/m.json"
expect_exit 0 "labrun verify accepts it" "$LABRUN" verify "$T/ev/alice.ev" -p "$T/issuer.pub"

plan() { run "$LABRUN" recert plan --evidence "$T/ev" --bundles "$1" --trust "$T/author.pub" -p "$T/issuer.pub" -o "$T/jobs" "${@:2}"; }

# Against v1 today: alice current, bob failed, carol stale (platform), zed invalid.
plan "$T/b1"
[ "$rc" -eq 0 ] && pass "recert plan (exit 0)" || fail "recert plan (exit $rc)"
out_has '^current +t-basic .*alice\.ev' "alice's pass is current"
out_has '^failed +t-basic .*bob\.ev' "bob's fail is failed"
out_has '^stale +t-oldplat .*platform agentsim-1 is not this labrun.s agentsim-2' "carol's pass is stale: an older platform"
out_has '^invalid .*zed\.ev: .*(digest|modified)' "a tampered evidence is invalid, and says why"
err_has 'invalid: .*zed\.ev' "... also on stderr"
out_has '^1 job written' "one job: carol's"

# --now in the future: alice's pass expires within 30 days.
plan "$T/b1" --now "$(date -u -d '+350 days' +%Y-%m-%d)"
out_has '^expiring +t-basic .*alice\.ev: expires ' "with --now in the future, alice's pass is expiring"
plan "$T/b1" --now "$(date -u -d '+400 days' +%Y-%m-%d)" --json
check "... and past valid_until it is expired (--json)" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
rows = {r["file"].rsplit("/", 1)[1]: r for r in p["rows"]}
assert rows["alice.ev"]["class"] == "expired", rows["alice.ev"]
assert p["counts"]["invalid"] == 1 and p["counts"]["failed"] == 1' "$OUT"

# v2: an added check the old fix still passes.  It is a remediation that
# rests on the command log: an added check on the answer would be a
# knowledge question the old attempts never answered (pack refuses it as
# a remediation, and as a knowledge check it cannot be carried: 6150).
cp -r "$S" "$T/scn2"
python3 - "$T/scn2" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json")); j["version"] = "2.0.0"
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
g = open(d + "/grader/grade.lua").read()
g = g.replace('\n}\n', '''
  lab.check{id = "fixed-in-place", title = "The config was edited in place", weight = 100,
    pass = lab.ran("sed", "-i") ~= nil,
    message = "edit /etc/app/config.txt in place (sed -i)"},
}
''', 1)
open(d + "/grader/grade.lua", "w").write(g)
PY
"$LABRUN" pack "$T/scn2" -s "$T/author.key" -o "$T/b2/t-basic-2.lab" >/dev/null || fail "pack v2"
cp "$T/b1/t-basic.lab" "$T/b1/t-basic.lab.minisig" "$T/b2/"
cp "$T/b1/t-oldplat.lab" "$T/b1/t-oldplat.lab.minisig" "$T/b2/"
plan "$T/b2"
out_has '^stale +t-basic .*alice\.ev: scenario t-basic 1\.0\.0 is not the current 2\.0\.0' "against v2 (the highest version), alice's pass is stale"
out_has '^2 jobs written' "two jobs: alice and carol"
check "the job list: one JSON line per job with what a replay needs" python3 -c '
import json, sys, hashlib
jobs = [json.loads(l) for l in open(sys.argv[1])]
assert len(jobs) == 2
for j in jobs:
    for k in ("job", "bundle", "renews", "renews_digest", "replay", "seed", "variant", "pseudonym", "attempt", "scenario"):
        assert k in j, k
    d = hashlib.sha256(open(j["renews"], "rb").read()).hexdigest()
    assert j["renews_digest"] == "sha256:" + d and j["job"] == d[:16], j
    assert j["replay"]["source"] == "script" and j["attempt"] == 1
a = [j for j in jobs if j["scenario"] == "t-basic"][0]
assert a["bundle"].endswith("/t-basic-2.lab"), a' "$T/jobs"
cp "$T/jobs" "$T/jobs.v2"

# batch renews alice's pass (the reference still passes v2) and carol's.
run "$LABRUN" batch "$T/jobs" -o "$T/out" --trust "$T/author.pub" --key "$T/issuer.key" -j 2
[ "$rc" -eq 0 ] && pass "batch -j 2 (exit 0)" || fail "batch -j 2 (exit $rc)"
out_has '^2 jobs: 2 renewed, 0 retake, 0 error' "both renewed"
ja=$(python3 -c 'import json,sys; print([json.loads(l)["job"] for l in open(sys.argv[1]) if "t-basic" in l][0])' "$T/jobs")
expect_exit 0 "the renewal verifies" "$LABRUN" verify "$T/out/$ja.ev" -p "$T/issuer.pub"
out_has "^  renews:      sha256:$(sha256sum "$T/ev/alice.ev" | cut -d' ' -f1)" "... and says what it renews"
member "$T/out/$ja.ev" manifest.json >"$T/n.json"
check "the renewal: old digest, new scenario digest, a new validity, same holder, seed and attempt" python3 - "$T/m.json" "$T/n.json" "$(sha256sum "$T/ev/alice.ev" | cut -d' ' -f1)" "$(sha256sum "$T/b2/t-basic-2.lab" | cut -d' ' -f1)" <<'PY'
import json, sys
o = json.load(open(sys.argv[1])); n = json.load(open(sys.argv[2]))
assert n["renews"]["digest"] == "sha256:" + sys.argv[3], n["renews"]
assert n["renews"]["issued"] == o["issued"] and n["renews"]["verdict"] == "pass"
assert n["scenario"]["digest"] == "sha256:" + sys.argv[4] and n["scenario"]["version"] == "2.0.0"
assert n["produced_by"]["mode"] == "replay" and n["verdict"] == "pass"
assert n["valid_until"] >= o["valid_until"] and n["issued"] >= o["issued"]
assert n["candidate"] == o["candidate"] and n["attempt"] == o["attempt"]
assert n["seed"]["value"] == o["seed"]["value"] and n["seed"]["source"] == "replay"
assert n["batch"]["job"] and n["batch"]["jobs_digest"].startswith("sha256:")
assert n["replay"]["source"] == "script" and not n["replay"]["best_effort"]
PY
cp "$T/out/$ja.ev" "$T/ev/alice-renewed.ev"
plan "$T/b2"
out_has '^renewed +t-basic .*alice\.ev: renewed by .*alice-renewed\.ev' "with the renewal beside it, alice's old evidence is renewed, not replayed again"
out_has '^current +t-basic .*alice-renewed\.ev' "... and the renewal is current"
rm "$T/ev/alice-renewed.ev"

# v3: the config must also say level=2; the old fix no longer suffices.
cp -r "$T/scn2" "$T/scn3"
python3 - "$T/scn3" <<'PY'
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/scenario.json")); j["version"] = "3.0.0"
json.dump(j, open(d + "/scenario.json", "w"), indent=2)
g = open(d + "/grader/grade.lua").read()
g = g.replace('local fixed = cfg:find("mode=fixed", 1, true) ~= nil',
              'local fixed = cfg:find("mode=fixed", 1, true) ~= nil and cfg:find("level=2", 1, true) ~= nil')
open(d + "/grader/grade.lua", "w").write(g)
open(d + "/solutions/reference.sh", "a").write("echo level=2 >> /etc/app/config.txt\n")
PY
mkdir -p "$T/b3"
"$LABRUN" pack "$T/scn3" -s "$T/author.key" -o "$T/b3/t-basic-3.lab" >/dev/null || fail "pack v3"
plan "$T/b3"
out_has '^no-bundle +t-oldplat ' "a scenario with no bundle in --bundles: no job"
run "$LABRUN" batch "$T/jobs" -o "$T/out3" --trust "$T/author.pub" --key "$T/issuer.key"
[ "$rc" -eq 0 ] && pass "batch against v3 (exit 0: a retake is a verdict)" || fail "batch against v3 (exit $rc)"
out_has '^1 jobs: 0 renewed, 1 retake, 0 error' "the old fix no longer suffices: alice retakes"
jr=$(python3 -c 'import json,sys; print([json.loads(l)["job"] for l in open(sys.argv[1]) if "t-basic" in l][0])' "$T/jobs")
member "$T/out3/$jr.ev" manifest.json >"$T/r.json"
check "a retake is a plain fail: no renews, no validity" python3 -c '
import json, sys
n = json.load(open(sys.argv[1]))
assert n["verdict"] == "fail" and n["renews"] is None and n["valid_until"] is None, n["renews"]' "$T/r.json"
run "$LABRUN" recert report "$T/out3"
[ "$rc" -eq 0 ] && pass "recert report (exit 0)" || fail "recert report (exit $rc)"
out_has '^scenario t-basic: 0 renewed, 1 retake' "the report: per scenario"
out_has '^  config-fixed +1/0/0 +0/1/0 +1$' "... per check, before and after, and what changed"
out_has '^  fixed-in-place +0/0/0 +1/0/0 ' "... an added check shows after only"
out_has '^  cause-named +1/0/0 +1/0/0 +0 +\(1 carried\)$' "... and the knowledge check carried"
out_has '^  [0-9a-f]{16} t-basic c-[0-9a-f]{16}: pass -> fail; moved: config-fixed "[^"]+" pass -> fail, fixed-in-place "[^"]+" \(new\) -> pass$' "... each attempt: verdict before -> after, the checks that moved, titled"
out_has '^retake: [0-9a-f]{16} t-basic c-[0-9a-f]{16} \(was pass\): failed config-fixed' "... who retakes, with the failed checks"
out_has '^0 renewed, 1 retake, 0 error$' "... and the counts"
run "$LABRUN" recert report "$T/out" --json -p "$T/issuer.pub"
check "recert report --json counts the renewals" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["renewed"] == 2 and r["retake"] == 0 and r["error"] == 0, r
assert {s["id"] for s in r["scenarios"]} == {"t-basic", "t-oldplat"}' "$OUT"
done_testing
