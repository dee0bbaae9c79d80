#!/bin/bash
# labrun run: a whole session from a script, graded, with signed evidence;
# every refusal leaves nothing at -o; nothing of a session remains.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
run_dir() { # SCRIPT OUT [more args]
	local script=$1 out=$2
	shift 2
	run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate alice \
		--script "$script" -o "$out" "$@"
}

run_dir "$S/solutions/reference.sh" "$T/ref.ev"
[ "$rc" -eq 0 ] && pass "reference solution passes (exit 0)" || fail "reference solution passes (exit $rc)"
out_has '^t-basic 1.0.0: pass' "the verdict is printed"
out_has "evidence: $T/ref.ev" "where the evidence is is printed"
expect_exit 0 "the evidence verifies" "$LABRUN" verify "$T/ref.ev" -p "$T/issuer.pub"
member "$T/ref.ev" manifest.json >"$T/manifest.json"
grep -q '"unsigned_directory": true' "$T/manifest.json" &&
	pass "a directory run is recorded as unsigned" || fail "a directory run is recorded as unsigned"
grep -q '"mode": "run"' "$T/manifest.json" && pass "the manifest says run" || fail "the manifest says run"
grep -q '"pseudonym": "c-[0-9a-f]\{16\}"' "$T/manifest.json" &&
	pass "the candidate appears as a pseudonym" || fail "the candidate appears as a pseudonym"
! grep -q alice "$T/manifest.json" && pass "the candidate's id is not in the manifest" ||
	fail "the candidate's id is not in the manifest"
member "$T/ref.ev" commands.jsonl >"$T/commands.jsonl"
grep -q '"argv": *\["sed", *"-i"' "$T/commands.jsonl" &&
	pass "commands.jsonl has the sed the script ran" || fail "commands.jsonl has the sed the script ran"
grep '"sed"' "$T/commands.jsonl" | grep -q '"exit": *0' &&
	pass "commands.jsonl has its exit status" || fail "commands.jsonl has its exit status"
[ "$(member "$T/ref.ev" answers/cause.txt)" = typo ] &&
	pass "answers/ holds the candidate's answer" || fail "answers/ holds the candidate's answer"
member "$T/ref.ev" changes/etc/app/config.txt | grep -q mode=fixed &&
	pass "changes/ holds the modified file" || fail "changes/ holds the modified file"
member "$T/ref.ev" session.cast | head -1 | grep -q '"version": *2' &&
	pass "session.cast is asciicast v2" || fail "session.cast is asciicast v2"

# Stock tools alone.
mkdir -p "$T/x" && tar -xf "$T/ref.ev" -C "$T/x"
if command -v minisign >/dev/null; then
	check "stock minisign verifies SHA256SUMS" sh -c "cd '$T/x' && minisign -V -H -p '$T/issuer.pub' -m SHA256SUMS"
else skip "minisign is not installed"; fi
check "stock sha256sum -c verifies every member" sh -c "cd '$T/x' && sha256sum -c --quiet SHA256SUMS"

# Same inputs, same seed.
run_dir "$S/solutions/reference.sh" "$T/ref2.ev"
s1=$(member "$T/ref.ev" manifest.json | grep -A3 '"seed"' | grep '"value"')
s2=$(member "$T/ref2.ev" manifest.json | grep -A3 '"seed"' | grep '"value"')
[ -n "$s1" ] && [ "$s1" = "$s2" ] && pass "a rerun derives the same seed" || fail "a rerun derives the same seed"

# The untouched state fails, naming what is broken.
printf '#!/bin/bash\ntrue\n' >"$T/empty.sh"
run_dir "$T/empty.sh" "$T/empty.ev"
[ "$rc" -eq 1 ] && pass "the untouched state fails (exit 1)" || fail "the untouched state fails (exit $rc)"
out_has 'fail .*config-fixed.*does not say mode=fixed' "the message names what is still broken"
expect_exit 0 "failed evidence verifies too" "$LABRUN" verify "$T/empty.ev" -p "$T/issuer.pub"
run_dir "$S/solutions/wrong-only-answer.sh" "$T/wrong.ev"
[ "$rc" -eq 1 ] && pass "a wrong solution fails" || fail "a wrong solution fails (exit $rc)"

# Bundles: signed by a trusted key or refused, before parsing.
run "$LABRUN" pack "$S" -s "$T/author.key" -o "$T/s.lab"
[ "$rc" -eq 0 ] && pass "pack" || fail "pack (exit $rc)"
run "$LABRUN" run "$T/s.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
	--candidate alice --script "$S/solutions/reference.sh" -o "$T/b.ev"
[ "$rc" -eq 0 ] && pass "a signed bundle runs" || fail "a signed bundle runs (exit $rc)"
member "$T/b.ev" manifest.json | grep -q '"unsigned_directory": false' &&
	pass "a bundle run is recorded as signed" || fail "a bundle run is recorded as signed"
d=$(sha256sum "$T/s.lab" | cut -d' ' -f1)
member "$T/b.ev" manifest.json | grep -q "sha256:$d" &&
	pass "the manifest records the bundle's digest" || fail "the manifest records the bundle's digest"
member "$T/ref.ev" manifest.json | grep -q "sha256:$d" &&
	pass "a directory run records the digest pack makes" || fail "a directory run records the digest pack makes"

"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null
refused() { # DESC BUNDLE TRUST PATTERN
	run "$LABRUN" run "$2" --trust "$3" --key "$T/issuer.key" --candidate a \
		--script "$S/solutions/reference.sh" -o "$T/refused.ev"
	if [ "$rc" -eq 1 ] && [ ! -e "$T/refused.ev" ] && grep -qE -- "$4" "$ERR"; then
		pass "$1"; else fail "$1 (exit $rc)"; fi
	ls "$T"/refused.ev* >/dev/null 2>&1 && fail "$1: something was left at -o" || true
}
refused "an untrusted key is refused" "$T/s.lab" "$T/other.pub" "s.lab"
cp "$T/s.lab" "$T/t.lab" && cp "$T/s.lab.minisig" "$T/t.lab.minisig"
printf 'X' | dd of="$T/t.lab" bs=1 seek=700 conv=notrunc 2>/dev/null
refused "a changed byte in the bundle is refused" "$T/t.lab" "$T/author.pub" "t.lab"
cp "$T/s.lab" "$T/n.lab"
refused "a missing signature is refused" "$T/n.lab" "$T/author.pub" "n.lab.minisig"

# A link in a signed archive is refused after the signature check.
mkdir -p "$T/l" && cp -a "$S/." "$T/l/" && ln -s /etc/shadow "$T/l/system/etc/app/leak"
tar --format=posix -cf "$T/link.lab" -C "$T/l" .
if command -v minisign >/dev/null; then
	minisign -S -s "$T/author.key" -m "$T/link.lab" </dev/null >/dev/null 2>&1
	refused "a symbolic link in a signed bundle is refused" "$T/link.lab" "$T/author.pub" "link|symbolic"
else skip "minisign is not installed"; fi

# A bad manifest: every problem, nothing written.
mkdir -p "$T/bad" && cp -a "$S/." "$T/bad/"
sed -i 's/"level": "foundation"/"level": "expert", "colour": 1/' "$T/bad/scenario.json"
run "$LABRUN" run "$T/bad" --key "$T/issuer.key" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/bad.ev"
[ "$rc" -eq 1 ] && [ ! -e "$T/bad.ev" ] && pass "an invalid manifest is refused" || fail "an invalid manifest is refused (exit $rc)"
err_has 'level' "the level problem is named"
err_has 'colour' "the unknown key is named"
rm "$T/bad/grader/grade.lua"
run "$LABRUN" run "$T/bad" --key "$T/issuer.key" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/bad.ev"
[ "$rc" -eq 1 ] && [ ! -e "$T/bad.ev" ] && pass "a missing grader is refused" || fail "a missing grader is refused (exit $rc)"
err_has 'grade.lua' "the missing grader is named"

# A grader that loops on the scenario's own files: a directory is
# validated first, and its dry run refuses it before any session.
mkdir -p "$T/loop" && cp -a "$S/." "$T/loop/"
printf 'while true do end\n' >"$T/loop/grader/grade.lua"
run "$LABRUN" run "$T/loop" --key "$T/issuer.key" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/loop.ev"
[ "$rc" -eq 1 ] && [ ! -e "$T/loop.ev" ] && pass "a grader that loops on the untouched files is refused (exit 1)" ||
	fail "a grader that loops on the untouched files is refused (exit $rc)"
err_has "grade.lua: run on the scenario's own files \(nothing repaired\) it failed: .*instructions" "... naming the grader's failure"
# A grader that loops only once the config is fixed (the dry run passes):
# error verdict, exit 3, signed evidence that says so.
printf 'if (lab.read("/etc/app/config.txt") or ""):find("mode=fixed", 1, true) then while true do end end\n' >"$T/loop/grader/grade.lua"
cat "$S/grader/grade.lua" >>"$T/loop/grader/grade.lua"
run "$LABRUN" run "$T/loop" --key "$T/issuer.key" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/loop.ev"
[ "$rc" -eq 3 ] && pass "a looping grader gives an error verdict (exit 3)" || fail "a looping grader gives an error verdict (exit $rc)"
expect_exit 0 "its evidence verifies" "$LABRUN" verify "$T/loop.ev" -p "$T/issuer.pub"
member "$T/loop.ev" manifest.json | grep -q '"verdict": "error"' &&
	pass "its evidence says error" || fail "its evidence says error"

# A sandbox that cannot be built is the host's failure: error verdict,
# exit 3, signed evidence that says why.  Here: labrun run without root.
U=$(mktemp -d /tmp/labrun-nobody.XXXXXX)
chmod 755 "$U" && cp -a "$S" "$U/scn" && cp "$T/issuer.key" "$U/k" &&
	chown -R 65534:65534 "$U" && chmod 600 "$U/k"
TMPDIR=$U LABRUN_SPOOL_DIR=$U/spool run setpriv --reuid=65534 --regid=65534 --clear-groups "$LABRUN" run "$U/scn" \
	--key "$U/k" --candidate a --script "$U/scn/solutions/reference.sh" -o "$U/nobody.ev"
[ "$rc" -eq 3 ] && pass "a sandbox that cannot be built is an error verdict (exit 3)" ||
	fail "a sandbox that cannot be built is an error verdict (exit $rc)"
out_has 'error: .*sandbox could not be built.*root' "the reason is printed"
expect_exit 0 "its evidence verifies" "$LABRUN" verify "$U/nobody.ev" -p "$T/issuer.pub"
member "$U/nobody.ev" manifest.json | grep -q '"verdict": "error"' &&
	pass "its evidence says error, not fail" || fail "its evidence says error, not fail"
rm -rf "$U"

# The wall-clock limit ends a session; it is graded as it stands.
sed -i 's/"time_limit_s": 60/"time_limit_s": 10/' "$T/loop/scenario.json"
cp "$S/grader/grade.lua" "$T/loop/grader/grade.lua"
printf '#!/bin/bash\necho typo > ~/answers/cause.txt\nsleep 600\n' >"$T/sleep.sh"
run "$LABRUN" run "$T/loop" --key "$T/issuer.key" --candidate a --script "$T/sleep.sh" -o "$T/sleep.ev"
[ "$rc" -eq 1 ] && pass "a timed-out session is graded (fail, exit 1)" || fail "a timed-out session is graded (exit $rc)"
member "$T/sleep.ev" manifest.json | grep -q '"ended_by": "timeout"' &&
	pass "the evidence says it timed out" || fail "the evidence says it timed out"

# Byte flips anywhere in the evidence are caught.
flips=0
size=$(stat -c %s "$T/ref.ev")
for off in 0 100 156 257 512 1024 $((size / 2)) $((size - 600)) $((size - 1)); do
	cp "$T/ref.ev" "$T/flip.ev"
	b=$(dd if="$T/flip.ev" bs=1 skip="$off" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	printf "\\$(printf '%03o' $(((${b:-0} + 1) % 256)))" | dd of="$T/flip.ev" bs=1 seek="$off" conv=notrunc 2>/dev/null
	"$LABRUN" verify "$T/flip.ev" -p "$T/issuer.pub" >/dev/null 2>&1
	[ $? -eq 1 ] || flips=$((flips + 1))
done
[ "$flips" -eq 0 ] && pass "a changed byte anywhere in the evidence fails verify" ||
	fail "a changed byte anywhere in the evidence fails verify ($flips not caught)"

[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || { fail "nothing of the sessions remains"; leftovers | sed 's/^/#   /'; }
done_testing
