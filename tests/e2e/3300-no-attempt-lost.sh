#!/bin/bash
# No attempt is lost.  An -o whose directory is missing, not a directory
# or cannot be written, and a spool that cannot be written, are refused
# before any brief or sandbox; evidence that cannot be written at the end
# (a full filesystem, the directory removed during the exam) is sealed in
# the spool, the operator is told, and `labrun spool` lists it until it is
# fetched; an attempt whose labrun was killed, or whose host restarted, is
# recorded as lost (an error, with what is known) and listed until cleared.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
scenario_set "$S" time_limit_s 300
REF=$S/solutions/reference.sh
runs() { run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate a --script "$1" -o "$2"; }

# --- refused before anything starts ------------------------------------
runs "$REF" "$T/nothere/a.ev"
[ "$rc" -eq 2 ] && grep -q -- "-o $T/nothere/a.ev: its directory $T/nothere: No such file" "$ERR" &&
	pass "run: -o in a missing directory is refused at once (exit 2)" || fail "run: -o in a missing directory (exit $rc)"
! grep -q 'evidence:' "$OUT" && pass "... no session ran" || fail "... no session ran"
touch "$T/file"
runs "$REF" "$T/file/a.ev"
[ "$rc" -eq 2 ] && err_has "is not a directory" "-o below a file is refused" || fail "-o below a file (exit $rc)"
mkdir -p "$T/ro" && mount -t tmpfs -o ro,size=64k labrun-test-ro "$T/ro"
runs "$REF" "$T/ro/a.ev"
[ "$rc" -eq 2 ] && err_has "cannot be written in $T/ro" "-o on a read-only filesystem is refused" ||
	fail "-o on a read-only filesystem (exit $rc)"
umount "$T/ro"
# take: refused before the brief is shown.
run script -qec "$LABRUN take $S --key $T/issuer.key --candidate a -o $T/nothere/t.ev" /dev/null
grep -q "its directory $T/nothere" "$OUT" && ! grep -q "Press Enter" "$OUT" &&
	pass "take: the same, before the brief" || fail "take: refused before the brief"
LABRUN_SPOOL_DIR=$T/file/spool runs "$REF" "$T/a.ev"
[ "$rc" -eq 3 ] && err_has "the spool $T/file/spool|spool.*Not a directory" "a spool that cannot be made is refused (a host error)" ||
	fail "a spool that cannot be made (exit $rc)"
[ ! -e "$T/a.ev" ] && pass "... before any session" || fail "... before any session"

# --- a full filesystem at the end ----------------------------------------
mkdir -p "$T/full" && mount -t tmpfs -o size=64k labrun-test-full "$T/full"
head -c 60k /dev/zero >"$T/full/filler" 2>/dev/null
runs "$REF" "$T/full/a.ev"
[ "$rc" -eq 3 ] && pass "the evidence does not fit: a host error (exit 3)" || fail "a full filesystem (exit $rc)"
out_has '^t-basic 1\.0\.0: pass' "... the candidate still sees the verdict"
err_has "could not be written at $T/full/a.ev .*sealed in the spool instead, $LABRUN_SPOOL_DIR/[0-9a-f]+\.ev: fetch it" \
	"... and the operator where it is"
umount "$T/full"
run "$LABRUN" spool
out_has "^spooled +[0-9a-f]+ +t-basic 1\.0\.0, candidate c-[0-9a-f]+, pass: .*meant for $T/full/a.ev" "labrun spool lists it, and where it was meant to go"
id=$(awk '$1 == "spooled" {print $2; exit}' "$OUT")
run "$LABRUN" sessions
out_has "^1 item in the spool" "labrun sessions says the spool holds something"
run "$LABRUN" spool --json
check "--json too" python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).readline())
assert o["kind"] == "spooled" and o["verdict"] == "pass" and o["evidence"].endswith(".ev"), o' "$OUT"
expect_exit 0 "labrun spool fetch moves it out" "$LABRUN" spool fetch "$id" -o "$T/fetched.ev"
expect_exit 0 "... and it verifies" "$LABRUN" verify "$T/fetched.ev" -p "$T/issuer.pub"
run "$LABRUN" spool
out_has "^the spool is empty" "... and the spool is empty again"
expect_exit 1 "a second fetch finds nothing" "$LABRUN" spool fetch "$id" -o "$T/again.ev"

# --- the directory removed during the exam -------------------------------
mkdir -p "$T/gone"
printf '#!/bin/bash\nsleep 2\nsed -i s/mode=broken/mode=fixed/ /etc/app/config.txt\necho typo > ~/answers/cause.txt\n' >"$T/slow.sh"
"$LABRUN" run "$S" --key "$T/issuer.key" --candidate b --script "$T/slow.sh" -o "$T/gone/b.ev" >"$T/gone.out" 2>"$T/gone.err" &
p=$!
sleep 1
rm -rf "$T/gone"
wait "$p"
rc=$?
[ "$rc" -eq 3 ] && grep -q "sealed in the spool instead" "$T/gone.err" &&
	pass "a directory removed mid-session: the evidence goes to the spool" || fail "a directory removed mid-session (exit $rc)"
run "$LABRUN" spool
id=$(awk '$1 == "spooled" {print $2; exit}' "$OUT")
[ -n "$id" ] && "$LABRUN" spool fetch "$id" -o "$T/b.ev" >/dev/null && "$LABRUN" verify "$T/b.ev" -p "$T/issuer.pub" >/dev/null &&
	pass "... fetched, it verifies" || fail "... fetched, it verifies"

# --- a killed labrun, a restarted host ------------------------------------
printf '#!/bin/bash\nsleep 300\n' >"$T/sleep.sh"
"$LABRUN" run "$S" --key "$T/issuer.key" --candidate k --script "$T/sleep.sh" -o "$T/k.ev" >/dev/null 2>&1 &
p=$!
for i in $(seq 50); do slot=$(slot_of "$p"); [ -n "$slot" ] && slot_procs "$slot" sleep | grep -q . && break; sleep 0.1; done
ls "$LABRUN_SPOOL_DIR"/*.attempt >/dev/null 2>&1 && pass "a running session has its record in the spool" ||
	fail "a running session has its record in the spool"
run "$LABRUN" spool
out_has "^the spool is empty" "... which is not listed while it runs"
kill -9 "$p"
wait "$p" 2>/dev/null
runs "$REF" "$T/next.ev"
[ "$rc" -eq 0 ] && err_has "1 attempt whose labrun was killed \(or whose host restarted\) is recorded as lost in the spool" \
	"the next session records the killed one as lost, and says so" || fail "the next session (exit $rc)"
run "$LABRUN" spool
out_has "^lost +[0-9a-f]+ +t-basic 1\.0\.0, candidate c-[0-9a-f]+, run started .*: its labrun ended before the session did" \
	"labrun spool lists the lost attempt with what is known"
lost=$(awk '$1 == "lost" {print $2; exit}' "$OUT")
# A restart: /run is empty, the spool is not.
"$LABRUN" run "$S" --key "$T/issuer.key" --candidate r --script "$T/sleep.sh" -o "$T/r.ev" >/dev/null 2>&1 &
p=$!
for i in $(seq 50); do slot=$(slot_of "$p"); [ -n "$slot" ] && slot_procs "$slot" sleep | grep -q . && break; sleep 0.1; done
kill -9 "$p"
wait "$p" 2>/dev/null
rm -rf "$LABRUN_STATE_DIR"
run "$LABRUN" spool --json
[ "$(grep -c '"kind":"lost"' "$OUT")" -eq 2 ] && pass "an attempt whose host restarted (its state directory gone) is lost too" ||
	fail "an attempt whose host restarted is lost too"
expect_exit 0 "labrun spool clear takes a lost attempt off the list" "$LABRUN" spool clear "$lost"
expect_exit 1 "a spooled evidence or an unknown id cannot be cleared" "$LABRUN" spool clear 0123456789abcdef
expect_exit 2 "a bad id is a usage error" "$LABRUN" spool fetch ../x -o "$T/x"
left=$(leftovers); [ -z "$left" ] && pass "nothing of the sessions remains" || { fail "nothing of the sessions remains"; echo "$left" | sed "s/^/#   /"; }
done_testing
