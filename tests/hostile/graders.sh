#!/bin/bash
# Hostile graders.  At authoring time validate and pack run the grader
# once on the scenario's own files and refuse each one (exit 1), and so
# does run on a scenario directory, which is validated first; a grader
# that does not compile is refused too.  At exam time (the same grader
# turning hostile only on the repaired state, which the dry run never
# sees) each ends in an error verdict (exit 3) with signed evidence that
# says why; never a crash, a hang, a partial bundle or a fail charged to
# the candidate.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/scn
make_scenario "$S"

graded() { # NAME LUA PATTERN
	local d=$T/g-$1
	rm -rf "$d" && cp -a "$S" "$d" && printf '%s\n' "$2" >"$d/grader/grade.lua"
	# Authoring time: validate and pack run the grader once on the
	# scenario's own files, and refuse it.
	run timeout 120 "$LABRUN" validate "$d"
	[ "$rc" -eq 1 ] && grep -q "grader/grade.lua: run on the scenario's own files (nothing repaired) it failed" "$ERR" &&
		pass "$1: validate refuses it at authoring time" || fail "$1: validate refuses it at authoring time (exit $rc)"
	run timeout 120 "$LABRUN" pack "$d" -s "$T/author.key" -o "$T/$1.lab"
	[ "$rc" -eq 1 ] && [ ! -e "$T/$1.lab" ] && pass "$1: pack refuses it, nothing written" ||
		fail "$1: pack refuses it, nothing written (exit $rc)"
	run timeout 120 "$LABRUN" run "$d" --key "$T/issuer.key" --candidate h \
		--script "$S/solutions/reference.sh" -o "$T/$1-dir.ev"
	[ "$rc" -eq 1 ] && [ ! -e "$T/$1-dir.ev" ] &&
		grep -q "grader/grade.lua: run on the scenario's own files (nothing repaired) it failed" "$ERR" &&
		pass "$1: run refuses the directory before any session" ||
		fail "$1: run refuses the directory before any session (exit $rc)"
	# Exam time: hostile only once the config is fixed.
	{
		printf 'if not (lab.read("/etc/app/config.txt") or ""):find("mode=fixed", 1, true) then\n'
		printf '  return {lab.check{id = "config-fixed", title = "fixed", weight = 1, pass = false, message = "not yet"}}\n'
		printf 'end\n%s\n' "$2"
	} >"$d/grader/grade.lua"
	local t0=$SECONDS
	run timeout 120 "$LABRUN" run "$d" --key "$T/issuer.key" --candidate h \
		--script "$S/solutions/reference.sh" -o "$T/$1.ev"
	if [ "$rc" -eq 3 ] && grep -qE -- "$3" "$OUT"; then
		pass "$1: error verdict, exit 3, reason given ($((SECONDS - t0)) s)"
	else
		fail "$1: error verdict, exit 3 (exit $rc)"
	fi
	"$LABRUN" verify "$T/$1.ev" -p "$T/issuer.pub" >/dev/null 2>&1 &&
		member "$T/$1.ev" manifest.json | grep -q '"verdict": "error"' &&
		pass "$1: the signed evidence says error" || fail "$1: the signed evidence says error"
}

graded loop 'while true do end' 'instruction|budget|limit'
graded alloc 'local t = {} while true do t[#t + 1] = ("x"):rep(1e6) end' 'memory'
graded backtrack 'return {string.rep("a", 60000):find(".-.-.-.-.-.-.-b")}' 'CPU|ran past|limit'
graded finalizer 'setmetatable({}, {__gc = function() while true do end end}) return {}' '__gc|finaliz'
graded handler 'xpcall(function() while true do end end, function() while true do end end) return {}' 'instruction|budget|limit|ran past'
graded os-execute 'os.execute("id") return {}' "os"
graded io-open 'io.open("/etc/passwd") return {}' "io"
graded string-dump 'return load(string.dump(function() end))' 'dump|binary|nonsense|nil'
graded nonsense-string 'return "all good"' 'nonsense'
graded nonsense-points 'return {{id = "x", title = "x", weight = 10, status = "pass", points = 99, message = "m"}}' 'nonsense'
graded raise 'error("the grader broke")' 'the grader broke'

# Authoring time: a grader that does not compile.
rm -rf "$T/syn" && cp -a "$S" "$T/syn" && printf 'return {\n' >"$T/syn/grader/grade.lua"
expect_exit 1 "validate refuses a grader that does not compile" "$LABRUN" validate "$T/syn"
err_has 'grade.lua' "the grader's file is named"
expect_exit 1 "pack refuses it" "$LABRUN" pack "$T/syn" -s "$T/author.key" -o "$T/syn.lab"
[ ! -e "$T/syn.lab" ] && pass "and writes nothing" || fail "and writes nothing"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
