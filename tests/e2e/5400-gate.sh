#!/bin/bash
# labrun gate: the command line (help, usage errors, exit codes), a policy
# refused with its place and a "did you mean", and the decision over real
# credentials from passing sessions run with --identifier: allowed for the
# holder by hashed email and by pseudonym, refused for someone else with
# the reason; a change no rule matches allowed for anyone; --json for CI;
# expired and not-yet-valid refused (--at); a tampered credential, a key
# that is not pinned and a foreign tar ignored with their reasons, never
# counted; a credential superseded by its regrade not used; several -p;
# --paths-from with NUL-separated paths; an unreadable directory exit 3.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "gate --help exits 0" "$LABRUN" gate --help
out_has '^usage: labrun gate --policy POLICY --holder ID --credentials DIR' "help starts with the usage line"
expect_exit 0 "labrun help gate" "$LABRUN" help gate
out_has '^usage: labrun gate' "labrun help gate prints the same help"

make_keys || { fail "keygen"; done_testing; exit 1; }
"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null
cat >"$T/policy.json" <<'JSON'
{
  "schema": "labrun-gate-policy/1",
  "rules": [
    {"name": "policies", "paths": ["policies/**"], "actions": ["policy deploy"],
     "require": {"competencies": ["testing"], "level_min": "foundation"}},
    {"name": "architecture", "paths": ["arch/**"],
     "require": {"competencies": ["testing"], "level_min": "architect"}}
  ]
}
JSON
mkdir -p "$T/creds"
G=("$LABRUN" gate --policy "$T/policy.json" --credentials "$T/creds" -p "$T/issuer.pub")

expect_exit 2 "no --policy: usage" "$LABRUN" gate --holder a --credentials "$T/creds" -p "$T/issuer.pub" --path x
err_has '^labrun gate: --policy POLICY is required' "names --policy"
expect_exit 2 "no --holder: usage" "$LABRUN" gate --policy "$T/policy.json" --credentials "$T/creds" -p "$T/issuer.pub" --path x
expect_exit 2 "no --credentials: usage" "$LABRUN" gate --policy "$T/policy.json" --holder a -p "$T/issuer.pub" --path x
expect_exit 2 "no -p: usage" "$LABRUN" gate --policy "$T/policy.json" --holder a --credentials "$T/creds" --path x
err_has '\-p ISSUER_PUB is required' "names -p"
expect_exit 2 "nothing to decide: usage" "${G[@]}" --holder a
err_has 'nothing to decide: give --path, --paths-from or --action' "says what to give"
expect_exit 2 "a bad --at: usage" "${G[@]}" --holder a --path x --at 2026-13-01T00:00:00Z
err_has '^labrun gate: --at 2026-13-01T00:00:00Z: ' "names --at and why"
expect_exit 2 "an unknown option: usage" "${G[@]}" --holder a --path x --bogus
expect_exit 2 "a stray argument: usage" "${G[@]}" --holder a --path x extra
expect_exit 2 "a control character in --holder: usage" "${G[@]}" --holder "$(printf 'a\033b')" --path x

printf '{"schema": "labrun-gate-policy/1", "rules": [{"name": "p", "path": ["policies/**"], "require": {"competencies": ["testing"], "level_min": "expert"}}]}' >"$T/bad.json"
expect_exit 1 "a bad policy: exit 1" "$LABRUN" gate --policy "$T/bad.json" --holder a --credentials "$T/creds" -p "$T/issuer.pub" --path x
err_has "$T/bad.json: \\\$.rules\\[0\\].path: unknown key; hint: did you mean \"paths\"\\?" "the unknown key, its place and did you mean"
err_has "level_min: \"expert\" is not a level" "every problem at once: the level too"
err_has "^labrun gate: $T/bad.json: 3 problems" "and how many"
expect_exit 1 "a missing policy: exit 1" "$LABRUN" gate --policy "$T/nope.json" --holder a --credentials "$T/creds" -p "$T/issuer.pub" --path x
expect_exit 3 "an unreadable credentials directory: exit 3" "$LABRUN" gate --policy "$T/policy.json" --holder a --credentials "$T/nodir" -p "$T/issuer.pub" --path x
err_has "^labrun gate: --credentials $T/nodir: " "names the directory"
expect_exit 3 "--json: a host failure is still JSON" "$LABRUN" gate --json --policy "$T/policy.json" --holder a --credentials "$T/nodir" -p "$T/issuer.pub" --path x
check "  it says allowed false and the error" python3 -c "import json,sys; d=json.load(open('$OUT')); sys.exit(not (d['allowed'] is False and 'nodir' in d['error']))"

# Real credentials: a passing session with alice's email.
make_scenario "$T/s"
printf 'sed -i s/broken/fixed/ /etc/app/config.txt\necho typo > ~/answers/cause.txt\n' >"$T/fix.sh"
run timeout -k 5 120 "$LABRUN" run "$T/s" --key "$T/issuer.key" --candidate alice \
	--identifier emailAddress:alice@example.org --script "$T/fix.sh" -o "$T/a.ev"
[ "$rc" -eq 0 ] && member "$T/a.ev" credential.json >"$T/a.json" ||
	{ fail "a passing session with a credential (exit $rc: $(cat "$ERR"))"; done_testing; exit 1; }
AID=$(python3 -c "import json; print(json.load(open('$T/a.json'))['id'])")
PS=$(python3 -c "import json; print(json.load(open('$T/a.json'))['credentialSubject']['id'].split(':')[-1])")
UNTIL=$(python3 -c "import json; print(json.load(open('$T/a.json'))['validUntil'])")
FROM=$(python3 -c "import json; print(json.load(open('$T/a.json'))['validFrom'])")

# The evidence file itself in the directory.
cp "$T/a.ev" "$T/creds/1-a.ev"
expect_exit 0 "alice, by her email, may change policies/ (evidence file)" "${G[@]}" --holder alice@example.org --path policies/prod/a.rego
out_has "^allowed: holder alice@example.org at .*: 1 rule applies" "the verdict line"
out_has "rule policies \\(path policies/prod/a.rego\\): competency testing at foundation or above by $AID" "names the rule, the path and the credential"
check "the credential never holds the email in clear" sh -c "! grep -c 'alice@example.org' '$T/a.json'"
expect_exit 0 "emailAddress:alice@example.org too" "${G[@]}" --holder emailAddress:alice@example.org --action "policy deploy"
expect_exit 0 "and her pseudonym $PS" "${G[@]}" --holder "$PS" --path policies/x
expect_exit 1 "bob may not change policies/" "${G[@]}" --holder bob@example.org --path policies/a.rego --path README.md
err_has "^refused: holder bob@example.org" "the verdict line, on stderr"
err_has "rule policies \\(path policies/a.rego\\): refused: competency testing at foundation or above: none for this holder" "the reason names the rule, the competency and none for this holder"
expect_exit 0 "a change no rule matches: allowed for bob" "${G[@]}" --holder bob@example.org --path README.md --path src/main.c
out_has "0 rules apply" "says no rule applies"
expect_exit 1 "architecture needs architect: alice's foundation credential is too low" "${G[@]}" --holder alice@example.org --path arch/x
err_has "credential $AID is at level foundation, below architect" "the level named"

# Time: expired at validUntil, not yet valid before validFrom.
expect_exit 1 "at validUntil: expired" "${G[@]}" --holder alice@example.org --path policies/a --at "$UNTIL"
err_has "credential $AID expired $UNTIL, renew it" "names the credential, when it expired, renew it"
expect_exit 0 "a second earlier: allowed" "${G[@]}" --holder alice@example.org --path policies/a \
	--at "$(python3 -c "import datetime as d; t=d.datetime.strptime('$UNTIL','%Y-%m-%dT%H:%M:%SZ')-d.timedelta(seconds=1); print(t.strftime('%Y-%m-%dT%H:%M:%SZ'))")"
expect_exit 1 "before validFrom: not yet valid" "${G[@]}" --holder alice@example.org --path policies/a --at 2000-01-01T00:00:00Z
err_has "credential $AID is valid only from $FROM" "names validFrom"

# --json for CI.
expect_exit 1 "--json, refused: exit 1" "${G[@]}" --json --holder alice@example.org --path policies/a --at 2100-01-01T00:00:00Z
check "  the JSON: allowed, holder, at, the rule, matched_by, by null, reason, credentials" python3 - "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rules"][0]
ok = (d["allowed"] is False and d["holder"] == "alice@example.org" and d["at"] == "2100-01-01T00:00:00Z"
      and r["rule"] == "policies" and r["matched_by"] == "path policies/a" and r["satisfied"] is False
      and r["by"] is None and "expired" in r["reason"] and d["credentials"]["read"] == 1
      and d["credentials"]["valid"] == 1 and d["credentials"]["ignored"] == [])
sys.exit(0 if ok else 1)
PY
expect_exit 0 "--json, allowed: exit 0" "${G[@]}" --json --holder alice@example.org --path policies/a
check "  by names the credential" python3 -c "import json,sys; d=json.load(open('$OUT')); sys.exit(not (d['allowed'] is True and d['rules'][0]['by']=='$AID'))"

# Not pinned: the same directory under another issuer's key counts nothing.
expect_exit 1 "another issuer's key: refused" "$LABRUN" gate --policy "$T/policy.json" --credentials "$T/creds" -p "$T/other.pub" --holder alice@example.org --path policies/a
err_has "ignored $T/creds/1-a.ev: " "the evidence is ignored with its reason"
expect_exit 0 "several -p, one of them the issuer's: allowed" "$LABRUN" gate --policy "$T/policy.json" --credentials "$T/creds" -p "$T/other.pub" -p "$T/issuer.pub" --holder alice@example.org --path policies/a
mkdir -p "$T/keys" && cp "$T/other.pub" "$T/issuer.pub" "$T/keys/"
expect_exit 0 "-p a directory of keys: allowed" "$LABRUN" gate --policy "$T/policy.json" --credentials "$T/creds" -p "$T/keys" --holder alice@example.org --path policies/a

# A tampered credential beside nothing else: ignored, never counted.
mkdir -p "$T/tampered"
sed 's/"value": "100.0"/"value": "99.0"/' "$T/a.json" >"$T/tampered/a.json"
cmp -s "$T/a.json" "$T/tampered/a.json" && fail "the tampering changed the file"
mkdir -p "$T/tampered/sub" && : >"$T/tampered/.hidden"
printf 'hello\n' >"$T/notes.txt" && tar -cf "$T/tampered/other.tar" -C "$T" notes.txt
expect_exit 1 "a tampered credential: refused" "$LABRUN" gate --json --policy "$T/policy.json" --credentials "$T/tampered" -p "$T/issuer.pub" --holder alice@example.org --path policies/a
check "  ignored with its reason, not counted; the directory, the hidden file and the foreign tar too" python3 - "$OUT" "$T/tampered" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]
ig = {i["file"]: i["reason"] for i in d["credentials"]["ignored"]}
ok = (d["credentials"]["valid"] == 0 and d["credentials"]["read"] == 4 and
      t + "/a.json" in ig and ig[t + "/a.json"] and t + "/sub" in ig and
      t + "/.hidden" in ig and t + "/other.tar" in ig and
      "none for this holder" in d["rules"][0]["reason"])
sys.exit(0 if ok else 1)
PY
cp "$T/a.json" "$T/tampered/b.json"
expect_exit 0 "the same directory with the genuine credential: allowed" "$LABRUN" gate --policy "$T/policy.json" --credentials "$T/tampered" -p "$T/issuer.pub" --holder alice@example.org --path policies/a
out_has "credentials: 5 files read, 1 valid, 4 ignored" "counts read, valid and ignored"

# Bounds: a credential file over 256 KiB is ignored unread; a directory of
# more than 1000 entries is refused.
mkdir -p "$T/big" && head -c 300000 /dev/zero | tr '\0' ' ' >"$T/big/huge.json"
expect_exit 1 "an oversized credential file: ignored" "$LABRUN" gate --json --policy "$T/policy.json" --credentials "$T/big" -p "$T/issuer.pub" --holder alice@example.org --path policies/a
check "  with its reason" python3 -c "import json,sys; d=json.load(open('$OUT')); i=d['credentials']['ignored']; sys.exit(not (len(i)==1 and i[0]['file'].endswith('huge.json') and i[0]['reason']))"
mkdir -p "$T/many" && (cd "$T/many" && seq 1001 | sed 's/$/.json/' | xargs touch)
expect_exit 1 "more than 1000 entries: refused" "$LABRUN" gate --policy "$T/policy.json" --credentials "$T/many" -p "$T/issuer.pub" --holder alice@example.org --path policies/a
err_has "more than 1000 entries" "  says the bound"

# Supersession: a regrade's credential replaces the first; the first is
# not used even though it comes first in the directory.
sed -i 's/"version": "1.0.0"/"version": "1.0.1"/' "$T/s/scenario.json"
run timeout -k 5 120 "$LABRUN" regrade "$T/a.ev" --with "$T/s" --trust "$T/author.pub" --key "$T/issuer.key" -o "$T/b.ev"
[ "$rc" -eq 0 ] || fail "the regrade (exit $rc: $(cat "$ERR"))"
member "$T/b.ev" credential.json >"$T/creds/2-b.json"
BID=$(python3 -c "import json; print(json.load(open('$T/creds/2-b.json'))['id'])")
grep -q "\"id\": \"$AID\"" "$T/creds/2-b.json" && pass "the regrade's credential names the first" || fail "the regrade's credential names the first"
expect_exit 0 "with the regrade: allowed" "${G[@]}" --json --holder alice@example.org --path policies/a
check "  by the regrade's credential, not the superseded one" python3 -c "import json,sys; d=json.load(open('$OUT')); sys.exit(not (d['rules'][0]['by']=='$BID' != '$AID'))"
rm "$T/creds/2-b.json"

# --paths-from: lines, NUL-separated, standard input.
printf 'README.md\0policies/a b\nc.rego\0' >"$T/paths0"
expect_exit 1 "--paths-from NUL-separated: bob refused" "${G[@]}" --holder bob@example.org --paths-from "$T/paths0"
err_has "\\(path policies/a b\\\\x0ac.rego\\)" "the path with a newline in it is one path, the newline escaped"
printf 'README.md\ndocs/x.md\n' | "$LABRUN" gate --policy "$T/policy.json" --credentials "$T/creds" -p "$T/issuer.pub" --holder bob@example.org --paths-from - >"$OUT" 2>"$ERR"
[ $? -eq 0 ] && pass "--paths-from - (stdin) without policies/: allowed" || fail "--paths-from - (stdin): allowed"
printf 'README.md\npolicies/p.json\n' | "$LABRUN" gate --policy "$T/policy.json" --credentials "$T/creds" -p "$T/issuer.pub" --holder bob@example.org --paths-from - >"$OUT" 2>"$ERR"
[ $? -eq 1 ] && pass "--paths-from - with policies/: refused" || fail "--paths-from - with policies/: refused"
: >"$T/empty"
expect_exit 0 "--paths-from an empty list: no rule applies" "${G[@]}" --holder bob@example.org --paths-from "$T/empty"
# The CI recipes (docs/gate/*.yml): their commands, as the CI systems run
# them, against a repository and an origin of our own, with labrun on PATH.
D=$(cd "$(dirname "$0")/../.." && pwd)
run timeout -k 5 120 "$LABRUN" run "$T/s" --key "$T/issuer.key" --candidate octo \
	--identifier userName:octocat --script "$T/fix.sh" -o "$T/octo.ev"
[ "$rc" -eq 0 ] || fail "a passing session for userName:octocat (exit $rc: $(cat "$ERR"))"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
git init -q --bare "$T/origin.git" && git init -q -b main "$T/ci"
echo hi >"$T/ci/README.md"
git -C "$T/ci" add README.md && git -C "$T/ci" commit -qm readme &&
	git -C "$T/ci" remote add origin "$T/origin.git" && git -C "$T/ci" push -q origin main
git -C "$T/ci" checkout -q -b change && mkdir -p "$T/ci/policies" && echo '{}' >"$T/ci/policies/p.json" &&
	git -C "$T/ci" add policies && git -C "$T/ci" commit -qm policy
cp "$T/policy.json" "$T/ci/gate-policy.json"
mkdir -p "$T/ci/credentials" "$T/bin" && cp "$T/a.ev" "$T/octo.ev" "$T/issuer.pub" "$T/ci/credentials/"
ln -s "$LABRUN" "$T/bin/labrun"
# GitHub Actions: the run block of the step "labrun gate", under shell: bash
awk '/- name: labrun gate/ {s = 1} s && /run: \|/ {r = 1; next} r && /^          / {sub(/^          /, ""); print; next} r {exit}' \
	"$D/docs/gate/github-actions.yml" >"$T/gh.sh"
grep -q 'labrun gate' "$T/gh.sh" || fail "the GitHub job's script is found"
gh() { sed "s/\${{ github.base_ref }}/main/; s/\${{ github.actor }}/$1/" "$T/gh.sh" >"$T/gh-$1.sh"
	(cd "$T/ci" && PATH="$T/bin:$PATH" bash --noprofile --norc -eo pipefail "$T/gh-$1.sh") >"$OUT" 2>"$ERR"; rc=$?; }
gh octocat
[ "$rc" -eq 0 ] && grep -q '"allowed": true' "$OUT" && pass "GitHub Actions job: octocat's change to policies/ passes" ||
	fail "GitHub Actions job: octocat passes (exit $rc: $(cat "$ERR"))"
gh mallory
[ "$rc" -eq 1 ] && grep -q '"allowed": false' "$OUT" && grep -q 'none for this holder' "$T/ci/gate.json" &&
	pass "GitHub Actions job: mallory's fails with exit 1, the reason in gate.json and the log" ||
	fail "GitHub Actions job: mallory's fails (exit $rc: $(cat "$ERR"))"
# GitLab CI: the script lines, each as the runner's shell runs it
awk '/^  script:/ {s = 1; next} s && /^    - / {sub(/^    - /, ""); print; next} s {exit}' \
	"$D/docs/gate/gitlab-ci.yml" >"$T/gl.lines"
grep -q 'labrun gate' "$T/gl.lines" || fail "the GitLab job's script is found"
gl() { (cd "$T/ci" && export PATH="$T/bin:$PATH" CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main \
	CI_COMMIT_SHA="$(git -C "$T/ci" rev-parse HEAD)" GITLAB_USER_EMAIL=$1 &&
	while IFS= read -r line; do sh -ec "$line" || exit; done <"$T/gl.lines") >"$OUT" 2>"$ERR"; rc=$?; }
gl alice@example.org
[ "$rc" -eq 0 ] && grep -q '"allowed": true' "$OUT" && pass "GitLab CI job: alice's change to policies/ passes" ||
	fail "GitLab CI job: alice passes (exit $rc: $(cat "$ERR"))"
gl bob@example.org
[ "$rc" -eq 1 ] && grep -q 'none for this holder' "$T/ci/gate.json" && pass "GitLab CI job: bob's fails with exit 1" ||
	fail "GitLab CI job: bob's fails (exit $rc: $(cat "$ERR"))"
git -C "$T/ci" checkout -q main && git -C "$T/ci" checkout -q -b docs && echo more >>"$T/ci/README.md" &&
	git -C "$T/ci" commit -qam docs
gl bob@example.org
[ "$rc" -eq 0 ] && pass "GitLab CI job: bob's change outside policies/ passes" || fail "GitLab CI job: bob's docs change (exit $rc: $(cat "$ERR"))"
# A program credential from labrun award (when this build has it): a rule
# requiring the program is met by it, for its holder only.
if "$LABRUN" help award >/dev/null 2>&1; then
	cat >"$T/prog.json" <<'JSON'
{"schema": "labrun.program/1", "id": "gate-ops", "version": "1.0.0", "name": "Gate ops",
 "level": "foundation", "description": "Passed the typo exam.", "valid_for_days": 30,
 "requires": {"scenarios": [{"id": "t-basic"}]}}
JSON
	mkdir -p "$T/progs"
	"$LABRUN" award --sign "$T/prog.json" --key "$T/author.key" >/dev/null &&
		"$LABRUN" award "$T/prog.json" "$T/a.ev" -o "$T/progs/gate-ops.json" --trust "$T/author.pub" \
			-p "$T/issuer.pub" --key "$T/issuer.key" --holder emailAddress:alice@example.org >/dev/null ||
		fail "labrun award issues the program credential"
	printf '{"schema": "labrun-gate-policy/1", "rules": [{"name": "release", "actions": ["release"], "require": {"programs": ["gate-ops"], "level_min": "foundation"}}]}' >"$T/prog-policy.json"
	expect_exit 0 "a program credential meets a programs rule" "$LABRUN" gate --policy "$T/prog-policy.json" \
		--credentials "$T/progs" -p "$T/issuer.pub" --holder alice@example.org --action release
	out_has "rule release \\(action release\\): program gate-ops at foundation or above by urn:labrun:credential:sha256:" "  names the program credential"
	expect_exit 1 "not for someone else" "$LABRUN" gate --policy "$T/prog-policy.json" \
		--credentials "$T/progs" -p "$T/issuer.pub" --holder bob@example.org --action release
	err_has "program gate-ops at foundation or above: none for this holder" "  program gate-ops: none for this holder"
else
	skip "program credentials: labrun award is not in this build"
fi
done_testing
