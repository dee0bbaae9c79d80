#!/bin/bash
# 5200-show: `labrun show FILE -p ISSUER_PUB`: what a passing and a failing
# evidence say, on one screen (24 lines, 80 columns at most), the same
# facts as one JSON object (--json, read by python3), expiry judged now or
# at --at, a regrade's and a renewal's lineage (carried checks, the
# credential replaced), a hashed identifier shown by its type only, names
# escaped for the terminal, and refusals: a tampered file, another issuer's
# key, no -p.  Credential files (an evidence's credential.json, program
# credentials from labrun award) are shown the same way.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "show --help exits 0" "$LABRUN" show --help
out_has '^usage: labrun show FILE -p ISSUER_PUB \[--json\] \[--at TIME\]' "help starts with the usage line"
out_has 'names its own key proves nothing' "help says why -p is required"
expect_exit 0 "labrun help lists show" "$LABRUN" help
out_has '^  show  +show what an evidence file or a credential says' "... with its summary"

make_keys || { fail "keygen"; done_testing; exit 1; }
"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null
: >"$T/empty.ev"
expect_exit 2 "no arguments: usage error" "$LABRUN" show
err_has '^labrun show: no FILE given' "says what is missing"
expect_exit 2 "no -p: usage error" "$LABRUN" show "$T/empty.ev"
err_has '^labrun show: -p ISSUER_PUB is required: a file that names its own key proves nothing' \
	"the refusal says why -p is required"
expect_exit 2 "two files: usage error" "$LABRUN" show "$T/empty.ev" "$T/empty.ev" -p "$T/issuer.pub"
expect_exit 2 "a bad --at: usage error" "$LABRUN" show "$T/empty.ev" -p "$T/issuer.pub" --at tomorrow
err_has "^labrun show: --at tomorrow: want 2027-01-01 or 2027-01-01T00:00:00Z" "... naming the form"
expect_exit 1 "a missing file: exit 1" "$LABRUN" show "$T/nope.ev" -p "$T/issuer.pub"
err_has "^labrun show: $T/nope.ev: " "... naming the file"
expect_exit 1 "an empty file: exit 1" "$LABRUN" show "$T/empty.ev" -p "$T/issuer.pub"

# screen_ok DESC: the last output fits a screen: at most 24 lines of at
# most 80 characters, and no escape byte.
screen_ok() {
	local n w
	n=$(wc -l <"$OUT")
	w=$(python3 -c 'import sys; print(max((len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")), default=0))' "$OUT")
	[ "$n" -le 24 ] && [ "$n" -ge 8 ] && pass "$1: $n lines" || fail "$1: $n lines (8 to 24 wanted)"
	[ "$w" -le 80 ] && pass "$1: at most 80 columns ($w)" || fail "$1: $w columns"
	grep -q $'\x1b' "$OUT" && fail "$1: an escape byte reached the terminal" || pass "$1: no escape byte"
}

make_scenario "$T/sc"
# a hint taken (10.0 points off), then the fix: a pass at 90.0%
printf '#!/bin/bash\nlab hint -y >/dev/null\nsed -i s/mode=broken/mode=fixed/ /etc/app/config.txt\necho typo >~/answers/cause.txt\n' >"$T/pass.sh"
session "$T/sc" "$T/pass.sh" "$T/pass.ev"
[ "$rc" -eq 0 ] && pass "a passing session (exit 0)" || fail "a passing session (exit $rc)"
session "$T/sc" "$T/sc/solutions/wrong-only-answer.sh" "$T/fail.ev"
[ "$rc" -eq 1 ] && pass "a failing session (exit 1)" || fail "a failing session (exit $rc)"
pseudo=$(manifest_value "$T/pass.ev" pseudonym)
until=$(manifest_value "$T/pass.ev" valid_until)

expect_exit 0 "show a passing evidence: exit 0" "$LABRUN" show "$T/pass.ev" -p "$T/issuer.pub"
sed 's/^/# /' "$OUT"
screen_ok "the passing evidence"
out_has "${T: -20}/pass.ev: valid evidence$" "first line: the file (its end, when long), valid"
out_has "^  signed by:   issuer key [0-9A-F]{16}$" "last line: the issuer key"
out_has "^  holder:      $pseudo$" "the holder's pseudonym (no identifier given)"
out_has '^  scenario:    t-basic 1\.0\.0, A config file with a typo$' "the scenario: id, version, title"
out_has '^  level:       foundation; competencies: testing$' "its level and competencies"
out_has '^  verdict:     pass, score 90\.0% \(pass mark 80\.0%\), attempt 1$' "verdict and score against the pass mark"
out_has '^  checks:      2 of 2 passed$' "the checks counted"
out_has '^    pass  The config is fixed$' "each check by its title and status (1)"
out_has '^    pass  The cause is named$' "each check by its title and status (2)"
out_has '^  hints:       1 taken \(#1\), 10\.0 points off the score$' "the hint taken and its cost"
out_has '^  time taken:  ([1-9][0-9]*s|under 1s) of 1m00s \(ended by exit\)$' "time taken against the limit (a session under a second says so)"
out_has "^  issued:      20[0-9-]+T[0-9:]+Z$" "when it was issued"
out_has "^  valid until: $until \(current, 36[56] days left\)$" "valid until, current, with the days left"

expect_exit 0 "show it as of a date past its expiry: exit 0" "$LABRUN" show "$T/pass.ev" -p "$T/issuer.pub" --at 2099-01-01
out_has "^  valid until: $until \(EXPIRED [0-9]+ days before --at\)$" "... it says EXPIRED"
expect_exit 0 "... and as of a date before" "$LABRUN" show "$T/pass.ev" -p "$T/issuer.pub" --at "${until%%T*}"
out_has "^  valid until: $until \(current at --at, [0-9]+ (hours|minutes|seconds) left\)$" "... current at --at"

expect_exit 0 "show a failing evidence: exit 0 (the file is valid)" "$LABRUN" show "$T/fail.ev" -p "$T/issuer.pub"
sed 's/^/# /' "$OUT"
screen_ok "the failing evidence"
out_has '^  verdict:     fail, score 40\.0% \(pass mark 80\.0%\), attempt 1$' "verdict fail and its score"
out_has '^  checks:      1 of 2 passed$' "one of two checks passed"
out_has '^    fail  The config is fixed$' "the failed check by its title"
out_has '^  hints:       none taken$' "no hints"
out_has '^  valid until: not applicable \(not a pass\)$' "no validity for a fail"
out_has '^  credential:  none \(only a pass carries one\)$' "and no credential"

# --json: the same facts, one object
expect_exit 0 "show --json" "$LABRUN" show "$T/pass.ev" -p "$T/issuer.pub" --json
cp "$OUT" "$T/pass.json"
check "--json: one object with the facts" python3 - "$T/pass.json" "$T/pass.ev" "$pseudo" "$until" <<'PY'
import hashlib, json, sys
j = json.load(open(sys.argv[1]))
ev, pseudo, until = sys.argv[2:5]
want = {
    "valid": True, "file": ev, "kind": "evidence", "verdict": "pass", "score": "90.0",
    "pass_mark": "80.0", "attempt": 1, "hints_cost": "10.0", "valid_until": until,
    "standing": "current", "error": None, "renews": None, "regraded_from": None,
    "rests_on": None,
    "digest": "sha256:" + hashlib.sha256(open(ev, "rb").read()).hexdigest(),
}
for k, v in want.items():
    assert j[k] == v, (k, j[k], v)
assert j["holder"] == {"pseudonym": pseudo, "identifiers": []}, j["holder"]
assert j["achievement"] == {"kind": "scenario", "id": "t-basic", "version": "1.0.0",
    "title": "A config file with a typo", "level": "foundation",
    "competencies": ["testing"]}, j["achievement"]
assert [(c["id"], c["title"], c["status"], c["kind"], c["carried"]) for c in j["checks"]] == [
    ("config-fixed", "The config is fixed", "pass", "remediation", False),
    ("cause-named", "The cause is named", "pass", "knowledge", False)], j["checks"]
assert [(h["hint"], h["cost"]) for h in j["hints"]] == [(1, "10.0")], j["hints"]
t = j["time"]
assert t["time_limit_s"] == 60 and t["time_factor_pct"] == 100 and t["ended_by"] == "exit", t
assert 0 <= t["duration_s"] <= 60, t
assert len(j["issuer_key"]) == 16 and j["issuer"] is None
# the contents a credential binds to, when the evidence carries one
assert (j["contents"] is None) == (j["credential"] is None), (j["contents"], j["credential"])
PY
expect_exit 0 "show --json --at past the expiry" "$LABRUN" show "$T/pass.ev" -p "$T/issuer.pub" --json --at 2099-01-01
check "... standing expired, at as given" python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["standing"] == "expired" and j["at"] == "2099-01-01T00:00:00Z", j' "$OUT"
expect_exit 0 "show --json of the fail" "$LABRUN" show "$T/fail.ev" -p "$T/issuer.pub" --json
check "... standing not a pass, no credential, no valid_until" python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["standing"] == "not a pass" and j["credential"] is None and j["valid_until"] is None, j
assert j["verdict"] == "fail" and j["score"] == "40.0", j' "$OUT"

# Refusals: one line naming the file and what is wrong.
cp "$T/pass.ev" "$T/tampered.ev"
python3 - "$T/tampered.ev" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(b"A config file with a typo")
b[i] ^= 0x20
open(p, "wb").write(bytes(b))
PY
expect_exit 1 "a tampered evidence: refused (exit 1)" "$LABRUN" show "$T/tampered.ev" -p "$T/issuer.pub"
err_has "^labrun show: $T/tampered.ev: " "... one line naming the file"
[ "$(wc -l <"$ERR")" -eq 1 ] && pass "... one line" || fail "... one line ($(wc -l <"$ERR"))"
[ ! -s "$OUT" ] && pass "... nothing on stdout" || fail "... nothing on stdout"
expect_exit 1 "a tampered evidence with --json: exit 1" "$LABRUN" show "$T/tampered.ev" -p "$T/issuer.pub" --json
check "... {\"valid\": false, \"error\": ...}" python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["valid"] is False and j["file"] == sys.argv[2] and j["error"], j' "$OUT" "$T/tampered.ev"
expect_exit 1 "another issuer's key: refused" "$LABRUN" show "$T/pass.ev" -p "$T/other.pub"
err_has "^labrun show: $T/pass.ev: .*not trusted" "... says the key does not match"

# A grader's text reaches the terminal escaped, and a long title is cut
# at 80 columns (whole in --json).
make_scenario "$T/hostile" t-hostile
long="A check title — ünïcödé — that goes on and on well past the width of any ordinary terminal line"
sed -i "s/title = \"The cause is named\"/title = \"red \\\\27[31m title \\\\27]52;c;aGk=\\\\7\"/; s/title = \"The config is fixed\"/title = \"$long\"/" \
	"$T/hostile/grader/grade.lua"
session "$T/hostile" "$T/hostile/solutions/reference.sh" "$T/hostile.ev"
if [ "$rc" -ne 0 ]; then
	fail "a session with hostile check titles (exit $rc)"
else
	expect_exit 0 "show the hostile evidence" "$LABRUN" show "$T/hostile.ev" -p "$T/issuer.pub"
	sed 's/^/# /' "$OUT"
	screen_ok "hostile titles"
	# (the grader makes control characters '?' before labrun sees them)
	out_has '^    pass  red \?\[31m title \?\]52;c;aGk=\?$' "the title as the grader left it"
	out_has '^    pass  A check title — ünïcödé — that goes on .*\.\.\.$' "a long title is cut with ..."
	check "... at 80 characters, not bytes" python3 -c '
import sys
l = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8") if l.startswith("    pass  A check title")]
assert len(l) == 1 and len(l[0]) == 80, [len(x) for x in l]' "$OUT"
	expect_exit 0 "... --json" "$LABRUN" show "$T/hostile.ev" -p "$T/issuer.pub" --json
	check "... --json has the whole title" python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["checks"][0]["title"] == sys.argv[2], j["checks"][0]' "$OUT" "$long"
	grep -q $'\x1b' "$OUT" && fail "... --json: no escape byte" || pass "... --json: no escape byte"
fi

# A file name with an escape in it (the file is shown by its name):
# printed as text, never sent to the terminal.
esc_name="$T/$(printf 'x\033]0;owned\007')y.ev"
cp "$T/pass.ev" "$esc_name"
expect_exit 0 "a file named with an escape sequence" "$LABRUN" show "$esc_name" -p "$T/issuer.pub"
screen_ok "a file named with an escape sequence"
out_has '/x\\x1b\]0;owned\\x07y\.ev: valid evidence$' "its name is printed escaped"

# A credential: the passing evidence's credential.json, shown by itself
# (checked by its eddsa-jcs-2022 proof against -p), and named by the
# evidence it came in.
if member "$T/pass.ev" credential.json >"$T/cred.json" 2>/dev/null && [ -s "$T/cred.json" ]; then
	cred_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$T/cred.json")
	expect_exit 0 "show the passing evidence: its credential" "$LABRUN" show "$T/pass.ev" -p "$T/issuer.pub" --json
	check "... --json names the credential and what it binds to" python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["credential"] == sys.argv[2] and j["contents"].startswith("sha256:") and j["replaces"] is None, j' "$OUT" "$cred_id"
	expect_exit 0 "show a credential file: exit 0" "$LABRUN" show "$T/cred.json" -p "$T/issuer.pub"
	sed 's/^/# /' "$OUT"
	screen_ok "a credential"
	out_has "/cred.json: valid credential$" "first line: a valid credential"
	out_has "^  signed by:   issuer key [0-9A-F]{16}, did:key:z6Mk" "... signed by the issuer key, its did:key"
	out_has "^  holder:      $pseudo$" "... the holder's pseudonym"
	out_has '^  scenario:    t-basic 1\.0\.0, A config file with a typo$' "... the scenario"
	out_has '^  level:       foundation; competencies: testing$' "... level and competencies"
	out_has '^  verdict:     pass, score 90\.0% \(pass mark 80\.0%\)$' "... the score against the pass mark"
	out_has "^  valid until: $until \(current, 36[56] days left\)$" "... valid until"
	out_has "^  credential:  ${cred_id:0:60}" "... its id"
	expect_exit 0 "... at a date past its validUntil" "$LABRUN" show "$T/cred.json" -p "$T/issuer.pub" --at 2099-01-01
	out_has "^  valid until: $until \(EXPIRED [0-9]+ days before --at\)$" "... EXPIRED"
	expect_exit 0 "... --json" "$LABRUN" show "$T/cred.json" -p "$T/issuer.pub" --json
	check "... --json: the credential's facts" python3 - "$OUT" "$cred_id" "$pseudo" "$until" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
cid, pseudo, until = sys.argv[2:5]
want = {"valid": True, "kind": "credential", "credential": cid, "verdict": "pass",
        "score": "90.0", "pass_mark": "80.0", "valid_until": until, "standing": "current",
        "checks": None, "hints": None, "time": None, "digest": None, "rests_on": None,
        "replaces": None}
for k, v in want.items():
    assert j[k] == v, (k, j[k], v)
assert j["holder"] == {"pseudonym": pseudo, "identifiers": []}, j["holder"]
assert j["achievement"]["id"] == "t-basic" and j["achievement"]["kind"] == "scenario", j["achievement"]
assert j["issuer"].startswith("did:key:z6Mk"), j["issuer"]
PY
	sed 's/"value": "90.0"/"value": "99.0"/' "$T/cred.json" >"$T/cred-tampered.json"
	check "(the tampered copy differs)" sh -c "! cmp -s '$T/cred.json' '$T/cred-tampered.json'"
	expect_exit 1 "a tampered credential: refused (exit 1)" "$LABRUN" show "$T/cred-tampered.json" -p "$T/issuer.pub"
	err_has "^labrun show: $T/cred-tampered.json: .*changed after signing" "... one line naming the file and what is wrong"
	[ "$(wc -l <"$ERR")" -eq 1 ] && pass "... one line" || fail "... one line ($(wc -l <"$ERR"))"
	expect_exit 1 "a credential with another issuer's key: refused" "$LABRUN" show "$T/cred.json" -p "$T/other.pub"
	err_has "^labrun show: $T/cred.json: .*not a pinned issuer key" "... says so"
	expect_exit 1 "a credential, refused with --json" "$LABRUN" show "$T/cred-tampered.json" -p "$T/issuer.pub" --json
	check "... valid false" python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["valid"] is False' "$OUT"
else
	skip "a credential file: this labrun's passing evidence carries no credential.json"
fi
printf '{"a": 1}\n' >"$T/not-a-credential.json"
expect_exit 1 "a JSON file that is no credential: refused" "$LABRUN" show "$T/not-a-credential.json" -p "$T/issuer.pub"
err_has "^labrun show: $T/not-a-credential.json: " "... naming the file"

# A holder identifier (run --identifier): only its type is shown.
if "$LABRUN" run --help | grep -q -- '--identifier'; then
	run timeout -k 5 120 "$LABRUN" run "$T/sc" --key "$T/issuer.key" --candidate mallory \
		--identifier emailAddress:mallory@example.org --script "$T/sc/solutions/reference.sh" -o "$T/id.ev"
	[ "$rc" -eq 0 ] && pass "a passing session with an identifier" || fail "a passing session with an identifier (exit $rc)"
	expect_exit 0 "show it" "$LABRUN" show "$T/id.ev" -p "$T/issuer.pub"
	out_has "^  holder:      c-[0-9a-f]{16}, identifier: hashed \(emailAddress\)$" "the identifier's type, hashed"
	check "... and never the identifier" sh -c "! grep -q mallory@ '$OUT'"
	expect_exit 0 "... --json" "$LABRUN" show "$T/id.ev" -p "$T/issuer.pub" --json
	check "... --json: the type only, no hash or salt" python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["holder"]["identifiers"] == [{"type": "emailAddress", "hashed": True}], j["holder"]
assert "mallory@" not in open(sys.argv[1]).read() and "sha256$" not in open(sys.argv[1]).read()' "$OUT"
	if member "$T/id.ev" credential.json >"$T/id-cred.json" 2>/dev/null && [ -s "$T/id-cred.json" ]; then
		expect_exit 0 "its credential" "$LABRUN" show "$T/id-cred.json" -p "$T/issuer.pub"
		out_has "^  holder:      c-[0-9a-f]{16}, identifier: hashed \(emailAddress\)$" "... the identifier's type, hashed"
	else
		skip "its credential: no credential.json in the evidence"
	fi
else
	skip "a holder identifier: this labrun run has no --identifier"
fi
# Program credentials (labrun award): the foundation program on two
# passing attempts, the practitioner on a third and the foundation
# credential; each shows the program, its level, the holder and what it
# rests on.
P=$TOP/scenarios/programs
cp "$P/agent-ops-foundation.json" "$P/agent-ops-practitioner.json" "$T/"
for p in foundation practitioner; do
	"$LABRUN" award --sign "$T/agent-ops-$p.json" --key "$T/author.key" >/dev/null ||
		fail "sign the $p program"
done
A=emailAddress:alice@example.org
for s in policy-denials orchestration-fallback policy-quarantine; do
	run timeout -k 5 120 "$LABRUN" run "$TOP/scenarios/$s" --key "$T/issuer.key" --candidate alice \
		--identifier "$A" --script "$TOP/scenarios/$s/solutions/reference.sh" -o "$T/a-$s.ev"
	[ "$rc" -eq 0 ] && pass "alice passes $s" || fail "alice passes $s (exit $rc)"
done
award() { # PROGRAM OUT PIECES...
	local prog=$1 out=$2
	shift 2
	run "$LABRUN" award "$T/agent-ops-$prog.json" "$@" -o "$T/$out" --holder "$A" \
		--trust "$T/author.pub" -p "$T/issuer.pub" --key "$T/issuer.key"
}
award foundation f.cred "$T/a-policy-denials.ev" "$T/a-orchestration-fallback.ev"
[ "$rc" -eq 0 ] && pass "the foundation program awarded" || fail "the foundation program awarded (exit $rc)"
award practitioner p.cred "$T/a-policy-quarantine.ev" "$T/f.cred"
[ "$rc" -eq 0 ] && pass "the practitioner program awarded" || fail "the practitioner program awarded (exit $rc)"
expect_exit 0 "show the foundation credential" "$LABRUN" show "$T/f.cred" -p "$T/issuer.pub"
sed 's/^/# /' "$OUT"
screen_ok "a program credential"
out_has '/f\.cred: valid program credential$' "first line: a valid program credential"
out_has '^  holder:      c-[0-9a-f]{16}, identifier: hashed \(emailAddress\)$' "the holder, and the identifier's type"
out_has '^  program:     agent-ops-foundation 1\.0\.0, Agent Operations: Foundation$' "the program: id, version, name"
out_has '^  level:       foundation; competencies: ' "its level and competencies"
out_has '^  rests on:    2 attempts and 2 credentials$' "what it rests on, counted"
out_has '^    attempt     policy-denials [0-9.]+, attempt 1, pass 100\.0%$' "... each attempt by its name (1)"
out_has '^    attempt     orchestration-fallback [0-9.]+, attempt 1, pass 100\.0%$' "... each attempt by its name (2)"
out_has '^    credential  Scenario credential: ' "... and each scenario credential"
out_has '^  valid until: 20[0-9-]+T[0-9:]+Z \(current, [0-9]+ days left\)$' "its validity"
check "... and never the identifier" sh -c "! grep -q alice@ '$OUT'"
expect_exit 0 "show the practitioner credential" "$LABRUN" show "$T/p.cred" -p "$T/issuer.pub"
sed 's/^/# /' "$OUT"
screen_ok "a program credential on a program credential"
out_has '^  program:     agent-ops-practitioner 1\.0\.0, Agent Operations: Practitioner$' "the program"
out_has '^  rests on:    1 attempt and 2 credentials$' "what it rests on, counted"
out_has '^    credential  Program credential: Agent Operations: Foundation' "... the foundation credential among them"
expect_exit 0 "... --json" "$LABRUN" show "$T/p.cred" -p "$T/issuer.pub" --json
check "... --json: the program, the holder, what it rests on" python3 - "$OUT" "$T/a-policy-quarantine.ev" "$T/f.cred" <<'PY'
import hashlib, json, sys
j = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[3]))
assert j["kind"] == "credential" and j["verdict"] is None and j["score"] is None, j
assert j["checks"] is None and j["time"] is None and j["contents"] is None, j
a = j["achievement"]
assert a["kind"] == "program" and a["id"] == "agent-ops-practitioner" and a["version"] == "1.0.0", a
assert a["level"] == "practitioner" and "change-management" in a["competencies"], a
assert j["holder"]["identifiers"] == [{"type": "emailAddress", "hashed": True}], j["holder"]
ev = "urn:labrun:evidence:sha256:" + hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
ids = [(r["genre"], r["id"]) for r in j["rests_on"]]
assert ("labrun evidence", ev) in ids, ids
assert ("credential", f["id"]) in ids, ids
assert j["credential"].startswith("urn:labrun:credential:sha256:") and j["standing"] == "current", j
PY
sed 's/"Agent Operations: Foundation"/"Agent Operations: Architect"/' "$T/f.cred" >"$T/f-tampered.cred"
check "(the tampered copy differs)" sh -c "! cmp -s '$T/f.cred' '$T/f-tampered.cred'"
expect_exit 1 "a tampered program credential: refused" "$LABRUN" show "$T/f-tampered.cred" -p "$T/issuer.pub"
err_has "^labrun show: $T/f-tampered.cred: " "... one line naming the file"
[ "$(wc -l <"$ERR")" -eq 1 ] && pass "... one line" || fail "... one line ($(wc -l <"$ERR"))"

# A library scenario, as a typical screen: its long title wrapped under
# the values, seven checks, all of it within 24 lines of 80 columns.
session "$TOP/scenarios/policy-quarantine" "$TOP/scenarios/policy-quarantine/solutions/reference.sh" "$T/pq.ev"
[ "$rc" -eq 0 ] && pass "a library scenario's reference passes" || fail "a library scenario's reference (exit $rc)"
expect_exit 0 "show it" "$LABRUN" show "$T/pq.ev" -p "$T/issuer.pub"
sed 's/^/# /' "$OUT"
screen_ok "a library scenario"
out_has '^  scenario:    policy-quarantine [0-9.]+, A policy deployment lets triage agents$' "the title starts beside the id"
out_has '^               export customer data unreviewed: contain, roll back, audit$' "... and goes on under the values"
out_has '^  checks:      7 of 7 passed$' "its seven checks"
check "... each on its line" test "$(grep -c '^    pass  ' "$OUT")" -eq 7

# A regrade names what it regrades; a renewal what it renews, and marks
# the checks it carried over.
mkdir -p "$T/bundles" "$T/ev"
"$LABRUN" pack "$T/sc" -s "$T/author.key" -o "$T/bundles/t-basic.lab" --runs 2 >/dev/null 2>&1 || fail "pack"
run "$LABRUN" run "$T/bundles/t-basic.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
	--candidate mallory --script "$T/sc/solutions/reference.sh" -o "$T/ev/packed.ev"
[ "$rc" -eq 0 ] && pass "a passing session of the bundle" || fail "a passing session of the bundle (exit $rc)"
run "$LABRUN" regrade "$T/ev/packed.ev" --with "$T/bundles/t-basic.lab" --trust "$T/author.pub" \
	--key "$T/issuer.key" -o "$T/regraded.ev"
[ "$rc" -eq 0 ] && pass "its regrade" || fail "its regrade (exit $rc)"
old=$(sha256sum "$T/ev/packed.ev" | cut -c1-20)
expect_exit 0 "show the regrade" "$LABRUN" show "$T/regraded.ev" -p "$T/issuer.pub"
sed 's/^/# /' "$OUT"
screen_ok "a regrade"
out_has "^  regraded:    from pass 100\.0%, sha256:$old" "it names the evidence it regraded"
packed_cred=$(member "$T/ev/packed.ev" credential.json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
out_has "^  replaces:    ${packed_cred:0:60}" "... and the credential its new one replaces"
expect_exit 0 "... --json" "$LABRUN" show "$T/regraded.ev" -p "$T/issuer.pub" --json
check "... regraded_from in --json" python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["regraded_from"] == {"digest": "sha256:" + sys.argv[2], "verdict": "pass", "score": "100.0"}, j["regraded_from"]' \
	"$OUT" "$(sha256sum "$T/ev/packed.ev" | cut -d' ' -f1)"

packed_until=$(manifest_value "$T/ev/packed.ev" valid_until)
soon=$(date -u -d "${packed_until%%T*} - 10 days" +%Y-%m-%d)
run "$LABRUN" recert plan --evidence "$T/ev" --bundles "$T/bundles" --trust "$T/author.pub" \
	-p "$T/issuer.pub" -o "$T/jobs" --now "$soon"
[ "$rc" -eq 0 ] && pass "recert plan: the pass is expiring" || fail "recert plan (exit $rc)"
run "$LABRUN" batch "$T/jobs" -o "$T/renewed" --trust "$T/author.pub" --key "$T/issuer.key"
[ "$rc" -eq 0 ] && pass "batch renews it" || fail "batch (exit $rc)"
renewal=$(ls "$T"/renewed/*.ev 2>/dev/null | head -1)
if [ -z "$renewal" ]; then
	fail "a renewal to show"
else
	expect_exit 0 "show the renewal" "$LABRUN" show "$renewal" -p "$T/issuer.pub"
	sed 's/^/# /' "$OUT"
	screen_ok "a renewal"
	if [ ${#renewal} -gt 50 ]; then
		out_has "^\.\.\..+/renewed/[0-9a-f]{16}\.ev: valid evidence$" "a long file name: its end, after ..."
	fi
	out_has "^  renews:      evidence issued $(manifest_value "$T/ev/packed.ev" issued), sha256:${old:0:16}" \
		"it names the evidence it renews"
	out_has "^  replaces:    ${packed_cred:0:60}" "... and the credential its new one replaces"
	out_has '^  checks:      2 of 2 passed, some carried from the renewed evidence$' "the checks say some were carried"
	out_has '^    pass  The cause is named \(carried\)$' "the knowledge check is marked carried"
	out_has '^    pass  The config is fixed$' "the remediation, judged again, is not"
	expect_exit 0 "... --json" "$LABRUN" show "$renewal" -p "$T/issuer.pub" --json
	check "... renews and carried in --json" python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["renews"]["digest"] == "sha256:" + sys.argv[2], j["renews"]
assert [c["carried"] for c in j["checks"]] == [False, True], j["checks"]
assert j["replaces"] == sys.argv[3] and j["credential"] not in (None, sys.argv[3]), j' \
		"$OUT" "$(sha256sum "$T/ev/packed.ev" | cut -d' ' -f1)" "$packed_cred"
fi

done_testing
