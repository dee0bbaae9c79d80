#!/bin/bash
# Seeded variants (docs/scenario.md, "Variants"): each session runs the
# variant its keyed seed selects, with that variant's fault plan and answer
# keys; two pseudonyms get different variants, a rerun with the same inputs
# is exact, --variant picks one (an unknown one is told the valid ids),
# validate checks every variant's plan (beside the base's problems), and
# selftest qualifies each variant.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/var
make_scenario "$S"
mkdir -p "$S/faults"
for c in alpha beta gamma; do printf 'mode=broken\nculprit=%s\n' "$c" >"$S/faults/$c.conf"; done
python3 - "$S" <<'PY'
import json, sys
d = sys.argv[1]; p = d + "/scenario.json"; m = json.load(open(p))
m["faults"] = [{"id": "bad-config", "kind": "file.replace", "path": "/etc/app/config.txt", "from": "faults/alpha.conf"}]
m["variants"] = [{"id": c, "faults": {"bad-config": {"from": "faults/%s.conf" % c}}} for c in ("alpha", "beta", "gamma")]
json.dump(m, open(p, "w"), indent=2)
json.dump({"hint": "common", "variants": {c: {"culprit": c} for c in ("alpha", "beta", "gamma")}},
          open(d + "/grader/keys.json", "w"), indent=2)
PY
cat >"$S/grader/grade.lua" <<'LUA'
local cfg = lab.read("/etc/app/config.txt") or ""
local cause = lab.trim(lab.answer("cause.txt") or "")
return {
  lab.check{id = "config-fixed", title = "The config is fixed", weight = 500,
    pass = cfg:find("mode=fixed", 1, true) ~= nil, message = "mode"},
  lab.check{id = "cause-named", title = "The culprit is named", weight = 500,
    pass = cause == lab.keys.culprit,
    message = "variant " .. tostring(lab.session.variant) .. " key " .. tostring(lab.keys.culprit) .. " common " .. tostring(lab.keys.hint)},
}
LUA
cat >"$S/solutions/reference.sh" <<'SH'
#!/bin/bash
sed -n 's/^culprit=//p' /etc/app/config.txt > ~/answers/cause.txt
sed -i 's/mode=broken/mode=fixed/' /etc/app/config.txt
SH
cat >"$S/solutions/wrong-only-answer.sh" <<'SH'
#!/bin/bash
# must-fail: config-fixed
sed -n 's/^culprit=//p' /etc/app/config.txt > ~/answers/cause.txt
SH
expect_exit 0 "validate accepts a scenario with three variants" "$LABRUN" validate "$S"

variant_of() { member "$1" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["seed"]["variant"])'; }
key_of() { member "$1" result.json | python3 -c 'import json,sys; r=json.load(sys.stdin); print([c["message"] for c in r["checks"] if c["id"]=="cause-named"][0])'; }
first=
for i in $(seq 1 20); do
	run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate "cand-$i" --script "$S/solutions/reference.sh" -o "$T/c$i.ev"
	[ "$rc" -eq 0 ] || { fail "the reference passes for cand-$i (exit $rc)"; break; }
	v=$(variant_of "$T/c$i.ev")
	if [ -z "$first" ]; then first=$v fi=$i; elif [ "$v" != "$first" ]; then other=$i; break; fi
done
[ -n "${other:-}" ] && pass "two pseudonyms run different variants ($first, $(variant_of "$T/c$other.ev"))" ||
	fail "two pseudonyms run different variants"
k1=$(key_of "$T/c$fi.ev"); k2=$(key_of "$T/c${other:-$fi}.ev")
echo "# keys: $k1 | $k2"
[ "$k1" = "variant $first key $first common common" ] && pass "the grader gets its variant's keys over the common ones" ||
	fail "the grader gets its variant's keys ($k1)"
[ "$k1" != "$k2" ] && pass "and the two answer keys differ" || fail "and the two answer keys differ"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate "cand-$fi" --script "$S/solutions/reference.sh" -o "$T/again.ev"
[ "$(variant_of "$T/again.ev")" = "$first" ] &&
	[ "$(member "$T/again.ev" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["seed"]["value"])')" = \
	  "$(member "$T/c$fi.ev" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["seed"]["value"])')" ] &&
	pass "a rerun with the same inputs is exact: same seed, same variant" || fail "a rerun is exact"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate "cand-$fi" --attempt 2 --script "$S/solutions/reference.sh" -o "$T/att2.ev"
[ "$rc" -eq 0 ] && pass "another attempt passes too (its variant: $(variant_of "$T/att2.ev"))" || fail "another attempt passes (exit $rc)"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate x --variant gamma --script "$S/solutions/reference.sh" -o "$T/g.ev"
[ "$rc" -eq 0 ] && [ "$(variant_of "$T/g.ev")" = gamma ] && pass "--variant picks one" || fail "--variant picks one (exit $rc)"
member "$T/g.ev" changes/etc/app/config.txt | grep -qx 'culprit=gamma' && pass "whose fault plan ran" || fail "whose fault plan ran"
expect_exit 0 "its evidence verifies" "$LABRUN" verify "$T/g.ev" -p "$T/issuer.pub"
expect_exit 2 "--variant of an unknown id is a usage error" "$LABRUN" run "$S" --key "$T/issuer.key" --candidate x --variant delta --script "$S/solutions/reference.sh" -o "$T/d.ev"
grep -q -- "--variant delta: not one of the scenario's \$.variants; hint: one of alpha, beta, gamma" "$ERR" &&
	pass "naming it and the valid ids" || fail "naming it and the valid ids"
[ ! -e "$T/d.ev" ] && pass "and nothing is written" || fail "and nothing is written"

# regrade: the final state is rebuilt with the variant the session ran.
run "$LABRUN" regrade "$T/g.ev" --with "$S" --trust "$T/issuer.pub" --key "$T/issuer.key" -o "$T/rg.ev"
[ "$rc" -eq 0 ] && [ "$(variant_of "$T/rg.ev")" = gamma ] && pass "a regrade runs the session's variant again" ||
	fail "a regrade runs the session's variant again (exit $rc)"
R=$T/renamed; rm -rf "$R"; cp -r "$S" "$R"
sed -i 's/"gamma"/"delta"/' "$R/scenario.json"; sed -i 's/"gamma"/"delta"/' "$R/grader/keys.json"
expect_exit 1 "a regrade with a version that lost the variant is refused" "$LABRUN" regrade "$T/g.ev" --with "$R" --trust "$T/issuer.pub" --key "$T/issuer.key" -o "$T/rg2.ev"
grep -q "the session ran variant 'gamma', which this version of the scenario does not have" "$ERR" &&
	pass "saying which variant" || fail "saying which variant"

# validate: each variant's plan is checked, and the keys match the variants.
B=$T/bad
badvar() {
	rm -rf "$B"; cp -r "$S" "$B"
	python3 - "$B" "$1" <<'PY'
import json, sys
d, code = sys.argv[1], sys.argv[2]
m = json.load(open(d + "/scenario.json")); k = json.load(open(d + "/grader/keys.json"))
exec(code)
json.dump(m, open(d + "/scenario.json", "w")); json.dump(k, open(d + "/grader/keys.json", "w"))
PY
	run "$LABRUN" validate "$B"
	[ "$rc" -eq 1 ] && grep -q -- "$2" "$ERR" && pass "validate refuses $3" || { fail "validate refuses $3"; sed 's/^/#   /' "$ERR"; }
}
badvar 'm["variants"][1]["faults"]["bad-config"]["from"] = "faults/none.conf"' \
	'scenario.json: variant "beta": \$.faults\[0\].from: "faults/none.conf" is not a file of the scenario' "a variant whose plan names a missing file, naming the variant"
badvar 'm["variants"][2]["faults"]["nosuch"] = {"from": "x"}' \
	'\$.variants\[2\].faults.nosuch: no fault of \$.faults has this id' "a change to a fault that does not exist"
badvar 'm["variants"][0]["faults"]["bad-config"]["kind"] = "file.delete"' \
	'must be an object of the fault.s keys to change (not its id or kind)' "a change of a fault's kind"
badvar 'm["variants"] = m["variants"][:1]' '\$.variants: must be an array of 2 to 64' "a single variant"
badvar 'm["variants"][1]["id"] = "alpha"' '\$.variants\[1\].id: "alpha" names two variants' "two variants with one id"
badvar 'del k["variants"]["gamma"]' 'grader/keys.json: \$.variants: no keys for variant "gamma"' "keys missing for a variant"
badvar 'k["variants"]["delta"] = {}' 'grader/keys.json: \$.variants.delta: not a variant' "keys for a variant that does not exist"
badvar 'm["title"] = 5; m["variants"][1]["faults"]["bad-config"]["from"] = "faults/none.conf"' \
	'scenario.json: variant "beta": \$.faults\[0\].from: "faults/none.conf" is not a file of the scenario' \
	"a variant's plan problem beside a problem of the base (it was hidden behind it)"
grep -q 'scenario.json: \$.title: must be a string' "$ERR" && pass "... both said in one run" || fail "... both said in one run"
[ "$(grep -c 'title: must be a string' "$ERR")" -eq 1 ] && pass "... the base's problem once, not once per variant" ||
	fail "... the base's problem once, not once per variant"

# selftest qualifies every variant: the untouched and reference runs and
# each wrong solution on each, rows and a tally per variant.
run "$LABRUN" selftest "$S" --runs 1
[ "$rc" -eq 0 ] && pass "selftest qualifies the scenario on its three variants" || fail "selftest qualifies the scenario (exit $rc)"
out_has '^selftest t-basic 1\.0\.0 .*: 1 run, 1 wrong solution, on each of 3 variants, 9 sessions in ' \
	"... its header says every variant ran"
for v in alpha beta gamma; do
	out_has "^reference #1 $v +pass +pass " "... a reference row for variant $v"
	out_has "^wrong-only-answer $v +fail +fail " "... the wrong solution on variant $v"
	out_has "^variant $v: 3 sessions, every one as expected\$" "... variant $v's tally"
done
run "$LABRUN" selftest "$S" --runs 2 --json
check "selftest --json: the matrix per variant, and each variant's tally" python3 - "$OUT" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
m = j["matrix"]
assert len(m) == 3 * (2 * 2 + 1), len(m)
for v in ("alpha", "beta", "gamma"):
    rows = [r for r in m if r["variant"] == v]
    assert sorted((r["session"], r["run"]) for r in rows) == [
        ("reference", 1), ("reference", 2), ("untouched", 1), ("untouched", 2),
        ("wrong-only-answer", 1)], rows
assert [x["id"] for x in j["variants"]] == ["alpha", "beta", "gamma"], j["variants"]
assert all(x["sessions"] == 5 and x["met"] == 5 and x["qualified"] for x in j["variants"]), j["variants"]
assert j["flake"] == {"disagreed": 0, "runs": 12}, j["flake"]
PY
# A variant the reference does not solve: the seed alone might never pick it.
W=$T/wrongkey; rm -rf "$W"; cp -r "$S" "$W"
python3 - "$W/grader/keys.json" <<'PY'
import json, sys
k = json.load(open(sys.argv[1])); k["variants"]["gamma"]["culprit"] = "nobody"
json.dump(k, open(sys.argv[1], "w"))
PY
expect_exit 1 "selftest: a variant whose answer key the reference misses is NOT qualified" \
	"$LABRUN" selftest "$W" --runs 1
out_has '^NOT qualified: solutions/reference\.sh fails on variant gamma \(run 1, ' "... naming the variant"
out_has '^variant gamma: 3 sessions, 1 not as expected, 0 erred$' "... in its tally"
out_has '^variant alpha: 3 sessions, every one as expected$' "... while the others qualify"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
