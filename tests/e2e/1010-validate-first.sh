#!/bin/bash
# 1010-validate-first: validate reports every problem at once (agentd's
# check of the platform beside the manifest's problems, each variant's
# platform plan, each platform kind's own keys with a "did you mean", a
# wrong solution's must-fail ids against the grader's dry run); run,
# selftest and take refuse an invalid scenario directory with validate's
# messages before any session; and a platform that fails to start inside
# the sandbox ends the session at once, its log's last lines in the
# terminal and in the evidence's error.
. "$(dirname "$0")/../lib.sh"
make_keys

# agentd_scenario DIR: lib.sh's scenario with the platform of
# tests/fixtures/platform as a service, one platform fault and two
# variants of it; the grader reads the platform's state.
agentd_scenario() {
	local d=$1
	make_scenario "$d" t-agentd
	mkdir -p "$d/system/var/lib/agentd" "$d/system/var/log/agentd"
	cp -r "$TOP/tests/fixtures/platform/etc/agentd" "$d/system/etc/"
	python3 - "$d/scenario.json" <<'PY'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
m["platform"] = "agentsim-2"
m["services"] = [{"name": "agentd", "argv": ["/opt/labrun/bin/agentd"],
                  "owns": ["/etc/agentd", "/var/lib/agentd", "/var/log/agentd"]}]
m["faults"] = [{"id": "outage", "kind": "platform.tool_outage", "at_s": 60, "tool": "web.fetch"}]
m["variants"] = [{"id": "web", "faults": {"outage": {"tool": "web.fetch"}}},
                 {"id": "docs", "faults": {"outage": {"tool": "doc.search"}}}]
json.dump(m, open(p, "w"), indent=2)
PY
	cat >>"$d/grader/grade.lua.new" <<'LUA'
local st = lab.read("/var/lib/agentd/state.json")
LUA
	cat "$d/grader/grade.lua" >>"$d/grader/grade.lua.new"
	mv "$d/grader/grade.lua.new" "$d/grader/grade.lua"
}
# edit DIR PYTHON: run PYTHON with m = DIR's scenario.json, then save it.
edit() {
	python3 - "$1/scenario.json" "$2" <<'PY'
import json, sys
p = sys.argv[1]; m = json.load(open(p)); exec(sys.argv[2])
json.dump(m, open(p, "w"), indent=2)
PY
}
# elapsed_ms CMD...: run it (as run does) and set $ms to its wall time.
elapsed_ms() {
	local t0 t1
	t0=$(date +%s%N)
	run "$@"
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
}

G=$T/good
agentd_scenario "$G"
expect_exit 0 "the agentd test scenario is valid" "$LABRUN" validate "$G"

# --- validate: every problem at once ------------------------------------
B=$T/b1; rm -rf "$B"; cp -r "$G" "$B"
edit "$B" 'm["title"] = 5; m["faults"][0]["tool"] = "nope"'
expect_exit 1 "a manifest problem and a platform problem" "$LABRUN" validate "$B"
err_has 'b1/scenario.json: \$\.title: must be a string' "... the manifest's problem is said"
err_has 'b1/scenario.json: \$\.faults\[0\]\.tool: must name one of the platform' \
	"... and agentd's, beside it (it was hidden behind the manifest's)"

B=$T/b2; rm -rf "$B"; cp -r "$G" "$B"
edit "$B" 'f = m["faults"][0]; f["at"] = f.pop("at_s")'
expect_exit 1 "a platform fault with a mistyped key" "$LABRUN" validate "$B"
err_has '\$\.faults\[0\]\.at: unknown key; hint: did you mean "at_s"\? the allowed keys are id, kind, at_s, until_s, tool$' \
	"... says did you mean, with the kind's own keys"
[ "$(grep -c 'faults\[0\]\.at' "$ERR")" -eq 1 ] && pass "... once (not again from agentd, nor per variant)" ||
	fail "... once (not again from agentd, nor per variant)"

B=$T/b3; rm -rf "$B"; cp -r "$G" "$B"
edit "$B" 'm["faults"].append({"id": "stuck", "kind": "platform.approval_stuck", "at_s": 5, "agent": "researcher-1"})'
expect_exit 1 "a key agentd knows, on a kind that does not take it" "$LABRUN" validate "$B"
err_has '\$\.faults\[1\]\.agent: unknown key; hint: the allowed keys are id, kind, at_s, until_s$' \
	"... is refused, naming the keys platform.approval_stuck takes"

B=$T/b4; rm -rf "$B"; cp -r "$G" "$B"
edit "$B" 'm["variants"][1]["faults"]["outage"]["tool"] = "no-such-tool"'
expect_exit 1 "a variant that changes a platform fault to a tool the platform lacks" \
	"$LABRUN" validate "$B"
err_has 'b4/scenario.json: variant "docs": \$\.faults\[0\]\.tool: must name one of the platform' \
	"... is refused by agentd's check of that variant's plan"
grep -q 'variant "web"' "$ERR" && fail "... and only that variant" || pass "... and only that variant"

B=$T/b5; rm -rf "$B"; cp -r "$G" "$B"
sed -i 's/^# must-fail: config-fixed$/# must-fail: config-fixed config-fxed/' "$B/solutions/wrong-only-answer.sh"
expect_exit 1 "a must-fail id the grader does not return" "$LABRUN" validate "$B"
err_has 'b5/solutions/wrong-only-answer\.sh: line 2: "config-fxed" is not a check the grader returns; hint: the grader.s dry run returns config-fixed, cause-named$' \
	"... names the solution, the line and the known ids"
run "$LABRUN" validate "$B" --json
check "... and --json lists it among the problems" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["valid"] is False
assert any("config-fxed" in p for p in j["problems"]), j["problems"]' "$OUT"

# --- run, selftest and take validate first --------------------------------
# The candidate's script would take 20 s: a refusal does not wait for it.
printf '#!/bin/bash\nsleep 20\n' >"$T/slow.sh"
B=$T/b2
elapsed_ms timeout -k 5 60 "$LABRUN" run "$B" --key "$T/issuer.key" --candidate c1 \
	--script "$T/slow.sh" -o "$T/r.ev"
[ "$rc" -eq 1 ] && pass "run refuses an invalid directory (exit 1, as validate)" ||
	fail "run refuses an invalid directory (exit $rc)"
err_has "^labrun run: $B/scenario.json: \\\$\\.faults\\[0\\]\\.at: unknown key; hint: did you mean" \
	"... with validate's message, file and JSON path"
[ ! -e "$T/r.ev" ] && pass "... and writes no evidence" || fail "... and writes no evidence"
[ "$ms" -lt 2000 ] && pass "... at once ($ms ms), before any session" ||
	fail "... at once ($ms ms), before any session"

elapsed_ms "$LABRUN" selftest "$T/b5" --runs 1
[ "$rc" -eq 1 ] && pass "selftest refuses an invalid directory" || fail "selftest refuses an invalid directory (exit $rc)"
err_has "^labrun selftest: $T/b5/solutions/wrong-only-answer\\.sh: line 2: \"config-fxed\" is not a check the grader returns" "... with validate's message, DIR/FILE and line"
[ "$ms" -lt 2000 ] && pass "... before any session ($ms ms)" || fail "... before any session ($ms ms)"

if command -v tmux >/dev/null; then
	TM="tmux -L labrun-test-$$ -f /dev/null"
	trap '$TM kill-server 2>/dev/null; rm -rf "$T"' EXIT
	$TM new-session -d -s v -x 200 -y 40 \
		"$LABRUN take '$B' --key '$T/issuer.key' --candidate alice -o '$T/t.ev'; echo EXIT=\$?; sleep 30"
	if pane_wait v "EXIT=" 100; then
		$TM capture-pane -p -J -S -50 -t v >"$OUT"
		out_has 'labrun take: .*scenario\.json: \$\.faults\[0\]\.at: unknown key' \
			"take refuses an invalid directory with validate's message"
		out_has '^EXIT=1$' "... exit 1"
		grep -q 'Press Enter to start' "$OUT" && fail "... before the brief" || pass "... before the brief"
	else
		fail "take refuses an invalid directory (it did not end)"
	fi
	$TM kill-server 2>/dev/null
else
	skip "tmux is not installed: take's refusal"
fi

run "$LABRUN" pack "$T/b5" -s "$T/author.key" -o "$T/b5.lab"
[ "$rc" -eq 1 ] && [ ! -e "$T/b5.lab" ] && grep -q 'config-fxed" is not a check the grader returns' "$ERR" &&
	pass "pack refuses it too (its selftest validates first), nothing written" ||
	fail "pack refuses it too, nothing written (exit $rc)"

# --variant names the valid ids.
run "$LABRUN" run "$G" --key "$T/issuer.key" --candidate c1 \
	--script "$G/solutions/reference.sh" -o "$T/v.ev" --variant nope
[ "$rc" -eq 2 ] && pass "an unknown --variant is a usage error" || fail "an unknown --variant is a usage error (exit $rc)"
err_has "--variant nope: not one of the scenario's \\\$\\.variants; hint: one of web, docs$" \
	"... listing the valid ids"

# --- a platform that fails to start ------------------------------------
# Valid (the dry run reads the files as root), but inside the sandbox the
# platform's config is unreadable to agentd: it exits before it is ready.
F=$T/nostart; rm -rf "$F"; cp -r "$G" "$F"
edit "$F" 'm["faults"].append({"id": "unreadable", "kind": "file.chmod", "path": "/etc/agentd/platform.json", "mode": "0000"})'
expect_exit 0 "a platform whose config agentd cannot read passes validate" "$LABRUN" validate "$F"
elapsed_ms timeout -k 5 60 "$LABRUN" run "$F" --key "$T/issuer.key" --candidate c1 \
	--script "$T/slow.sh" -o "$T/f.ev"
[ "$rc" -eq 3 ] && pass "the session is an error (exit 3), not the candidate's failure" ||
	fail "the session is an error (exit $rc)"
[ "$ms" -lt 8000 ] && pass "... ended at once ($ms ms), not after the candidate's 20 s script" ||
	fail "... ended at once ($ms ms)"
out_has '^  error: sandbox: service agentd ended before it was ready \(no /var/lib/agentd/agentd\.sock\); its log /var/log/labrun/agentd\.log ends: agentd: the platform cannot start: .*platform\.json: Permission denied$' \
	"... the terminal shows agentd's own error"
manifest_value "$T/f.ev" error >"$T/f.err"
grep -q 'service agentd ended before it was ready.*agentd: the platform cannot start: .*Permission denied' "$T/f.err" &&
	pass "... and the evidence's error field carries it" || fail "... and the evidence's error field carries it ($(cat "$T/f.err"))"
[ "$(manifest_value "$T/f.ev" verdict)" = error ] && pass "... the verdict is error" ||
	fail "... the verdict is error"
member "$T/f.ev" commands.jsonl >"$T/f.cmds" 2>/dev/null
grep -q '"sleep"' "$T/f.cmds" && fail "... the candidate's script never ran" || pass "... the candidate's script never ran"

# A platform that starts: the same scenario without the fault runs.
run timeout -k 5 120 "$LABRUN" run "$G" --key "$T/issuer.key" --candidate c1 \
	--script "$G/solutions/reference.sh" -o "$T/g.ev"
[ "$rc" -eq 0 ] && pass "the scenario with a platform that starts passes its reference" ||
	fail "the scenario with a platform that starts passes its reference (exit $rc)"
done_testing
