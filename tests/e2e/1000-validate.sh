#!/bin/bash
# 1000-validate: `labrun validate DIR` on scenario directories made here:
# a valid one, one with many defects (all reported in one run), a missing
# directory, --json, --limit and --help.
. "$(dirname "$0")/../lib.sh"

# rollback_scenario DIR: a small valid scenario with every optional part
# (lib.sh's make_scenario is checked below too).
rollback_scenario() {
	local d=$1
	mkdir -p "$d/system/etc/agentsim" "$d/grader" "$d/solutions" "$d/faults"
	cat >"$d/scenario.json" <<'EOF'
{
  "schema": 1,
  "id": "policy-rollback",
  "version": "1.0.0",
  "title": "Roll back a bad policy version",
  "level": "practitioner",
  "competencies": ["policy-debugging", "trace-reading"],
  "platform": "agentsim-1",
  "grader_api": 1,
  "pass_mark": 700,
  "time_limit_s": 1800,
  "valid_for_days": 730,
  "limits": {"memory_mb": 256}
}
EOF
	printf '# Agents are denied\n\nRestore service.\n' >"$d/brief.md"
	printf '# Hints\n\n## Hint (cost 100)\nRead the audit log.\n\n## Hint (cost 200)\nCompare v6 and v7.\n' >"$d/hints.md"
	printf '{"active": 7}\n' >"$d/system/etc/agentsim/policy.json"
	printf '{"rules": []}\n' >"$d/faults/v7.json"
	printf 'local ok = (lab.read("/etc/agentsim/policy.json") or ""):find("6") ~= nil\nreturn {\n  lab.check{ id = "policy-restored", title = "restored", weight = 1000, pass = ok,\n    message = ok and "restored" or "not restored" },\n}\n' \
		>"$d/grader/grade.lua"
	printf '{"bad_version": 7}\n' >"$d/grader/keys.json"
	printf '#!/bin/sh\nagentsim policy activate 6\n' >"$d/solutions/reference.sh"
	printf '#!/bin/sh\n# must-fail: policy-restored\nagentsim restart\n' \
		>"$d/solutions/wrong-restart.sh"
}

rollback_scenario "$T/good"
expect_exit 0 "a valid scenario" "$LABRUN" validate "$T/good"
out_has "^$T/good: valid scenario policy-rollback 1\.0\.0 \(practitioner\), 2 hints$" \
	"the summary line names id, version, level and hints"
[ ! -s "$ERR" ] && pass "nothing on stderr when valid" || fail "nothing on stderr when valid"
expect_exit 0 "a trailing slash on DIR" "$LABRUN" validate "$T/good/"
out_has "^$T/good: valid scenario" "DIR printed without the slash"

# The fixture other tests use, and every scenario the project ships.
make_scenario "$T/lib"
expect_exit 0 "lib.sh's make_scenario is valid" "$LABRUN" validate "$T/lib"
for d in "$TOP"/scenarios/*/; do
	[ -f "$d/scenario.json" ] || continue
	expect_exit 0 "scenarios/$(basename "$d") is valid" "$LABRUN" validate "$d"
done

# Many defects at once, each reported with its file and place.
rollback_scenario "$T/bad"
sed -i -e 's/"policy-rollback"/"Policy_Rollback"/' \
	-e 's/"1\.0\.0"/"1.0"/' \
	-e 's/"memory_mb": 256/"memory_mb": 256.0, "swap": 1/' \
	-e 's/"pass_mark": 700/"pass_mark": 700, "passmark": 1/' "$T/bad/scenario.json"
rm "$T/bad/brief.md"
printf '## Tips\nread the log\n' >"$T/bad/hints.md"
printf 'return {\n  x = = 1\n}\n' >"$T/bad/grader/grade.lua"
printf '#!/bin/sh\nagentsim restart\n' >"$T/bad/solutions/wrong-restart.sh"
printf 'x\n' >"$T/bad/notes.txt"
expect_exit 1 "a scenario with many defects" "$LABRUN" validate "$T/bad"
err_has "^labrun validate: $T/bad/scenario.json: \\\$\.id: \"Policy_Rollback\" is not a scenario id" "bad id"
err_has "^labrun validate: $T/bad/scenario.json: \\\$\.version: \"1\.0\" is not a semantic version" "bad version"
err_has "^labrun validate: $T/bad/scenario.json: \\\$\.limits\.memory_mb: must be an integer" "float limit"
err_has "^labrun validate: $T/bad/scenario.json: \\\$\.limits\.swap: unknown key; hint: .*memory_mb, processes" "unknown key in limits"
err_has "^labrun validate: $T/bad/scenario.json: \\\$\.passmark: unknown key; hint: did you mean \"pass_mark\"" "unknown key at the top"
err_has "^labrun validate: $T/bad/brief\.md: missing" "missing brief"
err_has "^labrun validate: $T/bad/hints\.md: line 1: \"## Tips\" is not a hint heading" "bad hint heading"
err_has "^labrun validate: $T/bad/grader/grade\.lua: line 2: " "grader syntax error with its line"
err_has "^labrun validate: $T/bad/solutions/wrong-restart\.sh: no \"# must-fail: " "wrong solution without must-fail"
err_has "^labrun validate: $T/bad/notes\.txt: unknown entry; hint: put platform files under system/" "unknown entry"
n=$(grep -c '^labrun validate: ' "$ERR")
[ "$n" -eq 10 ] && pass "ten problems, one line each" || fail "ten problems, one line each (got $n)"
[ ! -s "$OUT" ] && pass "nothing on stdout when invalid" || fail "nothing on stdout when invalid"

# A manifest that is not JSON: line and column.
rollback_scenario "$T/syntax"
printf '{\n  "schema": 1,\n  "id": ,\n}\n' >"$T/syntax/scenario.json"
expect_exit 1 "a manifest with a syntax error" "$LABRUN" validate "$T/syntax"
err_has "^labrun validate: $T/syntax/scenario.json: line 3, column [0-9]+: " "line and column"

# Nesting is refused before jansson parses.
rollback_scenario "$T/deep"
{ printf '%0.s[' $(seq 70); printf '%0.s]' $(seq 70); } >"$T/deep/scenario.json"
expect_exit 1 "a manifest nested 70 deep" "$LABRUN" validate "$T/deep"
err_has "scenario.json: \\\$: nested deeper than 64 levels" "depth refused"
expect_exit 1 "--limit depth=100 raises the nesting bound" \
	"$LABRUN" validate --limit depth=100 "$T/deep"
err_has "scenario.json: \\\$: must be an object, not an array" "then the manifest parses"

# A missing directory.
expect_exit 1 "a missing directory" "$LABRUN" validate "$T/nowhere"
err_has "^labrun validate: .*$T/nowhere" "the message names the path"

# --json.
expect_exit 0 "--json on a valid scenario" "$LABRUN" validate --json "$T/good"
out_has '^\{"valid":true,"problems":\[\],"id":"policy-rollback","version":"1\.0\.0",' "valid JSON shape"
out_has '"competencies":\["policy-debugging","trace-reading"\],"hints":2\}$' "competencies and hints in JSON"
expect_exit 1 "--json on a bad scenario" "$LABRUN" validate "$T/bad" --json
out_has '^\{"valid":false,"problems":\["' "invalid JSON shape"
out_has '"brief\.md: missing; hint: [^"]*"' "problems are relative to DIR"
out_has '"id":null\}$' "id is null when invalid"
[ ! -s "$ERR" ] && pass "--json keeps stderr quiet" || fail "--json keeps stderr quiet"
if command -v python3 >/dev/null; then
	cp "$OUT" "$T/bad.json"
	run python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d["problems"]) == 10 and d["valid"] is False else 1)' "$T/bad.json"
	[ "$rc" -eq 0 ] && pass "the JSON parses, ten problems" || fail "the JSON parses, ten problems"
else
	skip "python3 not installed"
fi
expect_exit 1 "--json on a missing directory" "$LABRUN" validate --json "$T/nowhere"
out_has '^\{"valid":false,"problems":\[".*nowhere' "the read error is the one problem"

# Usage.
expect_exit 0 "--help" "$LABRUN" validate --help
out_has '^usage: labrun validate DIR' "usage text"
out_has 'Exit status: 0 the scenario is valid, 1 it is not' "exit codes documented"
expect_exit 0 "-h after DIR" "$LABRUN" validate "$T/bad" -h
expect_exit 2 "no directory" "$LABRUN" validate
err_has "which scenario directory" "says what is missing"
expect_exit 2 "two directories" "$LABRUN" validate "$T/good" "$T/bad"
expect_exit 2 "an unknown option" "$LABRUN" validate --jsn "$T/good"
expect_exit 2 "--limit without a value" "$LABRUN" validate "$T/good" --limit
expect_exit 2 "a bad --limit" "$LABRUN" validate --limit bogus=1 "$T/good"

# Services: every problem of the $.services array, with its path.
make_scenario "$T/svc"
mkdir -p "$T/svc/system/var/lib/ok"
sed -i 's|"valid_for_days": 365|"valid_for_days": 365,\n  "services": [{"name": "Bad Name", "argv": ["/bin/true"]}, {"name": "rel", "argv": ["bin/x"]}, {"name": "own", "argv": ["/bin/true"], "owns": ["/var/lib/missing", "/var/lib/ok"], "user": "root"}, {"name": "noargv"}]|' "$T/svc/scenario.json"
expect_exit 1 "services with problems are refused" "$LABRUN" validate "$T/svc"
err_has 'services\[0\]\.name.*not a service name' "a bad service name is named"
err_has 'services\[1\]\.argv\[0\].*absolute path' "a relative program is named"
err_has 'services\[2\]\.owns\[0\].*not under system/' "an owned path outside system/ is named"
err_has 'services\[2\].*user' "an unknown key in a service is named"
err_has 'services\[3\]\.argv.*missing' "a service without argv is named"
! grep -q 'owns\[1\]' "$ERR" && pass "an owned path under system/ is fine" || fail "an owned path under system/ is fine"

done_testing
