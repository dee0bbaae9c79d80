#!/bin/bash
# 2150-selftest: `labrun selftest` qualifies every scenario in scenarios/
# (each variant of it on its own),
# catches a lenient grader (tests/fixtures/selftest/lenient: a wrong
# solution passes the check it names) and a fault that breaks nothing
# (tests/fixtures/selftest/no-fault: the untouched state passes), says so
# in its table, its verdict line and --json, runs signed bundles only with
# --trust, reports an erring grader as an error, and leaves nothing behind;
# `pack` refuses a scenario that is not qualified and writes nothing.
. "$(dirname "$0")/../lib.sh"

F=$TOP/tests/fixtures/selftest
before=$(ls -d "$TMPDIR"/labrun-selftest.* 2>/dev/null | wc -l)

for s in "$TOP"/scenarios/*/; do
	[ -f "$s/scenario.json" ] || continue
	name=$(basename "$s")
	expect_exit 0 "scenarios/$name is qualified (--runs 2)" \
		"$LABRUN" selftest "$s" --runs 2
	out_has '^qualified$' "... the verdict line says qualified"
	# each variant gets its own untouched and reference runs
	nv=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1])).get("variants", [])))' "$s/scenario.json")
	out_has "^flake rate: 0 of $((4 * (nv > 0 ? nv : 1))) repeated runs disagreed\$" "... the repeated runs agree"
	if [ "$nv" -gt 0 ]; then
		[ "$(grep -c '^variant [a-z0-9._-]*: .*, every one as expected$' "$OUT")" -eq "$nv" ] &&
			pass "... each of its $nv variants qualified on its own" ||
			fail "... each of its $nv variants qualified on its own"
	fi
	out_has '^reference #2( [a-z0-9._-]+)? +pass +pass ' "... the table has the second reference run"
done

# A scenario with variants: each row names the variant its seed picked.
run "$LABRUN" selftest "$TOP/scenarios/research-fetch-denied" --runs 1
out_has '^reference #1 (block-fetch|internal-only|egress-rule) +pass' "a row names its session's variant"

# A lenient grader: deleting the config passes "config-fixed".
expect_exit 1 "a lenient grader is NOT qualified" \
	"$LABRUN" selftest "$F/lenient" --runs 2
out_has '^NOT qualified: solutions/wrong-delete-config\.sh passes check config-fixed, which it must fail' \
	"... naming the wrong solution and the check"
out_has '^wrong-delete-config +fail +pass +1000 +pass\* 600 +pass 400 +<- wrong$' \
	"... and marking its row, the must-fail check starred"
out_has '^wrong-only-answer +fail +fail +400 +fail\* 0 ' "... while the other wrong solution fails as it should"
out_has '^  \[1\] config-fixed \(weight 600\)$' "... the checks are listed with their weights"

# A fault that breaks nothing: the untouched state passes.
expect_exit 1 "a scenario whose untouched state passes is NOT qualified" \
	"$LABRUN" selftest "$F/no-fault" --runs 2
out_has '^NOT qualified: the untouched state passes \(run 1, score 1000, pass mark 800\): the fault breaks nothing' \
	"... saying the fault breaks nothing"
out_has '^untouched #2 +fail +pass ' "... every untouched run is in the table"

# --json: the matrix for programs.
run "$LABRUN" selftest "$F/lenient" --runs 2 --json
[ "$rc" -eq 1 ] && pass "--json keeps the exit code" || fail "--json keeps the exit code (exit $rc)"
check "--json parses and has the matrix" python3 - "$OUT" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["verdict"] == "not qualified" and j["qualified"] is False, j["verdict"]
assert j["runs"] == 2 and j["scenario"] == "t-lenient 1.0.0"
assert j["digest"].startswith("sha256:") and len(j["digest"]) == 71
m = j["matrix"]
assert [r["session"] for r in m] == ["untouched", "reference"] * 2 + \
    ["wrong-delete-config", "wrong-only-answer"], [r["session"] for r in m]
assert [r["run"] for r in m[:4]] == [1, 1, 2, 2]
w = m[4]
assert w["kind"] == "wrong" and w["met"] is False and w["verdict"] == "pass"
assert w["must_fail"] == ["config-fixed"]
c = {x["id"]: x for x in w["checks"]}
assert c["config-fixed"]["status"] == "pass" and c["config-fixed"]["must_fail"] is True
assert c["config-fixed"]["points"] == 600 and c["config-fixed"]["weight"] == 600
assert all(r["met"] for r in m[:4]) and m[5]["met"] is True
assert j["flake"] == {"disagreed": 0, "runs": 4}
assert "wrong-delete-config" in j["reasons"][0] and "config-fixed" in j["reasons"][0]
PY
run "$LABRUN" selftest "$TOP/scenarios/research-fetch-denied" --runs 1 --json
[ "$rc" -eq 0 ] && pass "--json of a qualified scenario exits 0" || fail "--json of a qualified scenario exits 0 (exit $rc)"
check "... and says qualified, every row met" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["qualified"] is True and j["verdict"] == "qualified" and j["reasons"] == []
# 3 variants, each: untouched, reference and 2 wrong solutions
assert len(j["matrix"]) == 3 * 4 and all(r["met"] for r in j["matrix"])
assert all(r["checks"] for r in j["matrix"])
assert len(j["variants"]) == 3 and all(v["qualified"] and v["sessions"] == 4 for v in j["variants"])' "$OUT"

# Bundles: verified against --trust, as run does.
make_keys || fail "keygen"
make_scenario "$T/basic"
run "$LABRUN" pack "$T/basic" -s "$T/author.key" -o "$T/basic.lab"
[ "$rc" -eq 0 ] && pass "pack qualifies and signs a good scenario" || fail "pack qualifies and signs a good scenario (exit $rc)"
out_has '^qualified by selftest: 3 sessions \(1 run\)' "... saying it was qualified"
expect_exit 0 "selftest of a signed bundle with --trust" \
	"$LABRUN" selftest "$T/basic.lab" --trust "$T/author.pub" --runs 2
out_has '^qualified$' "... is qualified"
expect_exit 2 "a bundle without --trust is a usage error" \
	"$LABRUN" selftest "$T/basic.lab" --runs 1
err_has 'needs --trust' "... saying what is missing"
expect_exit 1 "a bundle signed by another key is refused" \
	"$LABRUN" selftest "$T/basic.lab" --trust "$T/issuer.pub" --runs 1
err_has 'labrun selftest: ' "... with the reason"

# An erring grader is an error, not a verdict on the scenario.
make_scenario "$T/erring"
cat >"$T/erring/grader/grade.lua" <<'LUA'
return {lab.error_check{id = "config-fixed", title = "The config is fixed",
  weight = 1000, message = "the platform kept this from being judged"}}
LUA
expect_exit 3 "a grader that returns an error check: exit 3, not judged" \
	"$LABRUN" selftest "$T/erring" --runs 1
out_has '^ERROR, not judged: untouched \(run 1\) erred' "... the verdict line says error"
out_has '^ERROR, not judged: untouched \(run 1\) erred: check config-fixed: the platform kept this from being judged' \
	"... naming the check that erred and its message"

# An invalid scenario is refused with its problems.
mkdir -p "$T/invalid"
echo '{}' >"$T/invalid/scenario.json"
expect_exit 1 "an invalid scenario is refused" "$LABRUN" selftest "$T/invalid" --runs 1
err_has "^labrun selftest: $T/invalid/scenario\.json" "... each problem on its own line, as validate names it (DIR/FILE)"

# pack refuses what selftest does not qualify.
expect_exit 1 "pack refuses the lenient scenario" \
	"$LABRUN" pack "$F/lenient" -s "$T/author.key" -o "$T/lenient.lab"
err_has 'does not qualify it: solutions/wrong-delete-config\.sh passes check config-fixed' "... saying why"
err_has 'nothing written' "... and that nothing was written"
check "... and nothing is at -o" test ! -e "$T/lenient.lab" -a ! -e "$T/lenient.lab.minisig"
expect_exit 1 "pack refuses the scenario whose fault breaks nothing" \
	"$LABRUN" pack "$F/no-fault" -s "$T/author.key" -o "$T/nofault.lab" --runs 2
check "... and nothing is at -o" test ! -e "$T/nofault.lab"
expect_exit 2 "pack --runs 0 is a usage error" \
	"$LABRUN" pack "$F/lenient" -s "$T/author.key" -o "$T/x.lab" --runs 0

# Usage.
expect_exit 2 "selftest without a scenario" "$LABRUN" selftest
expect_exit 2 "--runs 0" "$LABRUN" selftest "$F/lenient" --runs 0
expect_exit 2 "--runs 101" "$LABRUN" selftest "$F/lenient" --runs 101
expect_exit 0 "--help" "$LABRUN" selftest --help
out_has '^usage: labrun selftest DIR\|BUNDLE' "... starts with the usage line"

after=$(ls -d "$TMPDIR"/labrun-selftest.* 2>/dev/null | wc -l)
[ "$after" -le "$before" ] && pass "no selftest work directory is left in /tmp" ||
	fail "no selftest work directory is left in /tmp ($before before, $after after)"
done_testing
