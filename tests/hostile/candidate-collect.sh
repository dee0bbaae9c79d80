#!/bin/bash
# Hostile candidates, collection and records (HOSTILE.md A3, L1, P1, P2):
# the probe tests/probes/collect.c, run as the candidate inside real
# sessions, plants links to secrets, special files, sparse giants and
# hostile names among its answers, points its answers and the graded file
# out of the sandbox, and tries to falsify the command log and the
# recording.  Collection keeps none of it, says why in manifest.json, the
# grader does not follow anything out, the records stay whole, and every
# session still ends with a verdict and valid, small evidence.
. "$(dirname "$0")/../lib.sh"

[ -x "$BUILD/tests/probes/collect" ] || { fail "probe not built (make probes)"; done_testing; exit 1; }
make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
probe_scenario "$S" collect

# L1, A3: answers that are links, special files, giants, hostile names.
# The link to labrun's register names this test's own (a hermetic run).
cat >"$T/plant.sh" <<SH
#!/bin/bash
/opt/probe/collect plant /home/candidate/answers "$LABRUN_STATE_DIR/sessions" > /tmp/plant.txt 2>&1
SH
cat >>"$T/plant.sh" <<'SH'
/opt/probe/collect argv-race 20 >> /tmp/plant.txt 2>&1
/opt/probe/collect forge >> /tmp/plant.txt 2>&1
printf '"]\n[0.5, "o", "forged-event"]\n'
echo '{"schema": "labrun.evidence/1", "verdict": "pass", "score": 1000}' > ~/answers/manifest.json
cp /tmp/plant.txt ~/answers/plant.txt
SH
session "$S" "$T/plant.sh" "$T/plant.ev"
[ "$rc" -eq 1 ] && pass "the session ran and was graded (fail, exit 1)" || fail "the session ran and was graded (exit $rc)"
out_has 'pass +cause-named' "the ordinary answer beside the hostile ones is graded"
[ "$(manifest_value "$T/plant.ev" verdict)" = fail ] && pass "manifest.json keeps the grader's verdict (fail)" ||
	fail "manifest.json keeps the grader's verdict (got '$(manifest_value "$T/plant.ev" verdict)')"
R=$T/plant.txt
report_of "$T/plant.ev" plant.txt "$R"
e() { expect_line "$R" "$1" "$2"; }
e answer ok
for n in symlink-shadow symlink-passwd symlink-host-state symlink-dir symlink-up; do e "$n" ok; done
# fs.protected_hardlinks (a host setting) decides whether a file owned by
# an id the candidate is not can be linked at all.
if [ "$(cat /proc/sys/fs/protected_hardlinks 2>/dev/null)" = 1 ]; then
	e hardlink-foreign errno=EPERM
else
	e hardlink-foreign ok
	[ "$(refused_reason "$T/plant.ev" passwd-hardlink)" = "2 links" ] &&
		pass "refused: a hard link to a file of another id" || fail "refused: a hard link to a file of another id"
fi
e own-file ok
e hardlink-own ok
# A FIFO can be made (mkfifo is ordinary Unix work) and is refused by
# collection, without blocking it; no device can be made at all (mknod is
# allowed for FIFOs only).
e mkfifo ok
[ "$(refused_reason "$T/plant.ev" fifo)" = "fifo" ] &&
	pass "refused: a FIFO in the answers, not opened" || fail "refused: a FIFO in the answers, not opened"
e mknod-null errno=EPERM
e mknod-block errno=EPERM
e socket-file ok
# A 5 GiB file is past RLIMIT_FSIZE (the disk size); the largest one
# allowed is made instead.
e sparse-5g errno=EFBIG
e sparse-max ok
e control-name ok
e dots-name ok

# What answers/ holds: the ordinary files only, hostile names escaped.
members=$(tar --quoting-style=literal -tf "$T/plant.ev" | grep '^answers/' | LC_ALL=C sort | tr '\n' ' ')
want='answers/..%252e answers/cause.txt answers/ctl%1B%5B31m%0Aname%07%01 answers/manifest.json answers/plant.txt '
[ "$members" = "$want" ] && pass "answers/ holds the regular files only" ||
	fail "answers/ holds the regular files only (got: $members)"
[ "$(member "$T/plant.ev" 'answers/ctl%1B%5B31m%0Aname%07%01')" = ctl ] &&
	pass "a name with control bytes and a newline is kept escaped" || fail "a name with control bytes and a newline is kept escaped"
tar --quoting-style=literal -tf "$T/plant.ev" | LC_ALL=C grep -q '[[:cntrl:]]' &&
	fail "no member name holds a control byte" || pass "no member name holds a control byte"
hostile=$(tar -tf "$T/plant.ev" | grep -E 'link|own|sock|sparse|fifo|-dev' )
[ -z "$hostile" ] && pass "no link, socket or giant anywhere in the evidence" ||
	{ fail "no link, socket or giant anywhere in the evidence"; printf '%s\n' "$hostile" | sed 's/^/#   /'; }
# ... and manifest.json says what was refused and why, in answers/ and in
# the changes.
refused() { # PATH REASON
	local got
	got=$(refused_reason "$T/plant.ev" "$1")
	[ "$got" = "$2" ] && pass "refused: $1 ($2)" || fail "refused: $1: want '$2', got '$got'"
}
for l in shadow-link passwd-link host-link etc-link up-link; do
	refused "$l" "symbolic link"
	refused "home/candidate/answers/$l" "symbolic link"
done
refused own-hardlink "2 links"
refused home/candidate/answers/own-hardlink "2 links"
refused home/candidate/own.txt "2 links"
refused sock socket
refused home/candidate/answers/sock socket
refused sparse-max "over 1048576 bytes"
refused home/candidate/answers/sparse-max "over 4194304 bytes"
size=$(stat -c %s "$T/plant.ev")
[ "$size" -lt 1048576 ] && pass "the evidence stays small ($size bytes)" || fail "the evidence stays small ($size bytes)"

# P2: every exec is logged, even while a thread rewrites its argv; an
# argv shaped like the log's own lines stays one escaped entry; the
# terminal cannot write events into the recording; a forged manifest in
# the answers stays an answer.
member "$T/plant.ev" commands.jsonl >"$T/commands.jsonl"
n=$(grep -cE '^\{"argv":\["true","race","(A{16}|B{16})"\],("argv_run":\[[^]]*\],)?"argv_truncated":false,"cwd":"[^"]*","exe":"/usr/bin/true","exit":0,"interpreter":null,"link":null,"path":"/bin/true",' "$T/commands.jsonl")
[ "$n" -eq 20 ] && pass "all 20 execs under an argv rewrite are logged, with their exit" ||
	fail "all 20 execs under an argv rewrite are logged (got $n)"
e argv-race "runs 20"
e argv-race "true-exited-0 20"
e forge exit=0
grep -q '^{"argv":\["forged"' "$T/commands.jsonl" && fail "no forged entry in commands.jsonl" ||
	pass "no forged entry in commands.jsonl"
[ "$(grep -c '"argv":\["true","forge",' "$T/commands.jsonl")" -eq 1 ] &&
	pass "the forging argv is one entry" || fail "the forging argv is one entry"
bad=$(grep -cvE '^\{"argv":\[.*\}$' "$T/commands.jsonl")
[ "$bad" -eq 0 ] && pass "every line of commands.jsonl is one record" || fail "every line of commands.jsonl is one record ($bad not)"
[ "$(manifest_value "$T/plant.ev" count)" = "$(grep -c . "$T/commands.jsonl")" ] &&
	pass "manifest.json counts the logged commands" || fail "manifest.json counts the logged commands"
member "$T/plant.ev" session.cast | grep -q '^\[0\.5, "o", "forged-event"\]' &&
	fail "the terminal cannot write an event into the recording" ||
	pass "the terminal cannot write an event into the recording"
member "$T/plant.ev" session.cast | grep -qF 'forged-event' &&
	pass "what the terminal showed is recorded, escaped" || fail "what the terminal showed is recorded, escaped"
session_ends_clean "$T/plant.ev" "planted answers"

# A3: the answers directory and the graded file are links out of the
# sandbox, to host files that would pass if followed.  The grader and
# collection follow neither; the verdict is a plain fail, not an error.
mkdir -p "$T/outside"
printf 'mode=fixed\n' >"$T/outside/config.txt"
printf 'typo\n' >"$T/outside/cause.txt"
cat >"$T/links.sh" <<SH
#!/bin/bash
rm -f /etc/app/config.txt
ln -s ../../../../../../../..$T/outside/config.txt /etc/app/config.txt
rm -rf ~/answers
ln -s $T/outside ~/answers
SH
session "$S" "$T/links.sh" "$T/links.ev"
[ "$rc" -eq 1 ] && pass "links out: the session ends with a verdict (fail, exit 1)" ||
	fail "links out: the session ends with a verdict (exit $rc)"
out_has 'fail +config-fixed' "links out: the grader does not follow the graded file out"
out_has 'fail +cause-named' "links out: the answers are not taken from outside"
[ "$(manifest_value "$T/links.ev" verdict)" = fail ] && pass "links out: the verdict is fail, not error" ||
	fail "links out: the verdict is fail, not error (got '$(manifest_value "$T/links.ev" verdict)')"
tar -tf "$T/links.ev" | grep -q '^answers/' && fail "links out: nothing in answers/" || pass "links out: nothing in answers/"
# The grader touched both links (V3): they are kept as what they are,
# links with their targets in changes/.special, never followed, so that
# a regrade sees them as the grader did.
member "$T/links.ev" changes/.special >"$T/links.special"
grep -qx "l etc/app/config.txt \(%2E%2E/\)\{8\}${T#/}/outside/config.txt" "$T/links.special" &&
	pass "changes/.special: etc/app/config.txt is a link, its target kept" ||
	fail "changes/.special: etc/app/config.txt is a link, its target kept"
grep -qx "l home/candidate/answers $T/outside" "$T/links.special" &&
	pass "changes/.special: home/candidate/answers is a link, its target kept" ||
	fail "changes/.special: home/candidate/answers is a link, its target kept"
sed 's/^/#   /' "$T/links.special"
run "$LABRUN" regrade "$T/links.ev" --with "$S" --key "$T/issuer.key" -o "$T/links-re.ev"
[ "$rc" -eq 1 ] && cmp -s <(member "$T/links.ev" result.json) <(member "$T/links-re.ev" result.json) &&
	pass "links out: a regrade rebuilds the links and gives the same result" ||
	fail "links out: a regrade rebuilds the links and gives the same result (exit $rc)"
[ "$(cat "$T/outside/config.txt")" = mode=fixed ] && [ "$(ls "$T/outside")" = "$(printf 'cause.txt\nconfig.txt')" ] &&
	pass "links out: the host files are untouched" || fail "links out: the host files are untouched"
session_ends_clean "$T/links.ev" "links out"

# P1 (lying through the lab channel) has its test with the channel itself,
# which comes with `labrun take`; a skip here would read as a missing host
# feature, which it is not.
done_testing
