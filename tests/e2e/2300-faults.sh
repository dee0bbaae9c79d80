#!/bin/bash
# File faults of a scenario's fault plan: applied before the candidate
# enters, what the candidate then sees, recorded in the manifest, the same
# for the same seed; a bad plan is refused by validate with its JSON path.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/scn
make_scenario "$S"
mkdir -p "$S/faults" "$S/system/var/lib/app"
printf 'mode=broken\nrule=deny-all\n' >"$S/faults/bad.conf"
seq 1 1000 >"$S/system/var/lib/app/state.db"
seq 1 1000 >"$S/system/var/lib/app/journal"
echo keep >"$S/system/var/lib/app/lock"
echo secret >"$S/system/var/lib/app/token"
sed -i 's|"valid_for_days": 365|"valid_for_days": 365,\n  "faults": [\n    {"id": "bad-config", "kind": "file.replace", "path": "/etc/app/config.txt", "from": "faults/bad.conf"},\n    {"id": "cut-state", "kind": "file.truncate", "path": "/var/lib/app/state.db", "size": 100},\n    {"id": "noise", "kind": "file.garbage", "path": "/var/lib/app/journal", "offset": 50, "length": 64},\n    {"id": "no-lock", "kind": "file.delete", "path": "/var/lib/app/lock"},\n    {"id": "closed-token", "kind": "file.chmod", "path": "/var/lib/app/token", "mode": "0000"}\n  ]|' "$S/scenario.json"
expect_exit 0 "validate accepts the plan" "$LABRUN" validate "$S"
cat >"$T/look.sh" <<'SH'
#!/bin/bash
{
	echo "config $(tr '\n' ' ' < /etc/app/config.txt)"
	echo "state-size $(stat -c %s /var/lib/app/state.db)"
	echo "journal $(sha256sum < /var/lib/app/journal | cut -c1-16)"
	echo "journal-head $(head -c 50 /var/lib/app/journal | sha256sum | cut -c1-16)"
	[ -e /var/lib/app/lock ] && echo "lock present" || echo "lock absent"
	echo "token-mode $(stat -c %a /var/lib/app/token)"
	cat /var/lib/app/token >/dev/null 2>&1 && echo "token readable" || echo "token unreadable"
} > ~/answers/seen.txt
SH
for n in 1 2; do
	run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate f --script "$T/look.sh" -o "$T/f$n.ev"
	[ "$rc" -eq 1 ] && pass "session $n ran" || fail "session $n ran (exit $rc)"
	member "$T/f$n.ev" answers/seen.txt >"$T/seen$n.txt"
done
sed 's/^/# seen: /' "$T/seen1.txt"
has() { grep -qx "$1" "$T/seen1.txt" && pass "$2" || fail "$2 (want '$1')"; }
has "config mode=broken rule=deny-all " "file.replace: the candidate sees the faulty file"
has "state-size 100" "file.truncate: cut to its size"
has "journal-head $(head -c 50 "$S/system/var/lib/app/journal" | sha256sum | cut -c1-16)" "file.garbage: bytes before the offset kept"
! grep -qx "journal $(sha256sum < "$S/system/var/lib/app/journal" | cut -c1-16)" "$T/seen1.txt" &&
	pass "file.garbage: the bytes changed" || fail "file.garbage: the bytes changed"
has "lock absent" "file.delete: gone"
has "token-mode 0" "file.chmod: the mode applied"
has "token unreadable" "file.chmod: the candidate cannot read it"
cmp -s "$T/seen1.txt" "$T/seen2.txt" && pass "the same seed gives the same injections" ||
	fail "the same seed gives the same injections"
run "$LABRUN" run "$S" --key "$T/issuer.key" --candidate f --script "$T/look.sh" --seed 00ff -o "$T/f3.ev"
member "$T/f3.ev" answers/seen.txt >"$T/seen3.txt"
! cmp -s "$T/seen1.txt" "$T/seen3.txt" && pass "another seed gives other garbage" ||
	fail "another seed gives other garbage"
member "$T/f1.ev" manifest.json >"$T/m.json"
for id in bad-config cut-state noise no-lock closed-token; do
	grep -A6 "\"id\": \"$id\"" "$T/m.json" | grep -q '"triggered": 1' &&
		pass "the manifest records $id" || fail "the manifest records $id"
done
grep -q '"detail": "truncated to 100 bytes"' "$T/m.json" && pass "with what it did" || fail "with what it did"
! member "$T/f1.ev" changes/.deleted | grep -q lock && pass "injections are the baseline, not the candidate's changes" ||
	fail "injections are the baseline, not the candidate's changes"

# process.kill: the supervisor signals a service, at once or at a time.
P=$T/proc
make_scenario "$P"
mkdir -p "$P/system/srv/beat" "$P/system/var/lib/beat"
echo 0 >"$P/system/var/lib/beat/n"
cat >"$P/system/srv/beat/run.sh" <<'SH'
#!/bin/bash
n=0
while :; do n=$((n + 1)); echo $n > /var/lib/beat/n.new && mv /var/lib/beat/n.new /var/lib/beat/n; sleep 0.05; done
SH
cp "$P/system/srv/beat/run.sh" "$P/system/srv/beat/other.sh"
sed -i 's|/var/lib/beat/n|/var/lib/beat/m|g' "$P/system/srv/beat/other.sh"
echo 0 >"$P/system/var/lib/beat/m"
sed -i 's|"valid_for_days": 365|"valid_for_days": 365,\n  "services": [{"name": "early", "argv": ["/bin/bash", "/srv/beat/run.sh"], "owns": ["/var/lib/beat"]}, {"name": "late", "argv": ["/bin/bash", "/srv/beat/other.sh"]}],\n  "faults": [{"id": "kill-early", "kind": "process.kill", "service": "early", "signal": "SIGKILL"}, {"id": "kill-late", "kind": "process.kill", "service": "late", "signal": "SIGTERM", "at_s": 1}]|' "$P/scenario.json"
expect_exit 0 "validate accepts process faults" "$LABRUN" validate "$P"
cat >"$T/watch.sh" <<'SH'
#!/bin/bash
sleep 0.3; a=$(cat /var/lib/beat/m); sleep 0.3; b=$(cat /var/lib/beat/m)
[ "$b" -gt "$a" ] && echo "late alive-before yes" || echo "late alive-before no"
sleep 1.2; a=$(cat /var/lib/beat/m); sleep 0.3; b=$(cat /var/lib/beat/m)
[ "$b" -eq "$a" ] && echo "late stopped-after yes" || echo "late stopped-after no"
a=$(cat /var/lib/beat/n); sleep 0.3; b=$(cat /var/lib/beat/n)
[ "$b" -eq "$a" ] && [ "$b" -le 4 ] && echo "early killed-at-start yes" || echo "early killed-at-start no ($a $b)"
SH
run "$LABRUN" run "$P" --key "$T/issuer.key" --candidate f --script "$T/watch.sh" -o "$T/p.ev"
member "$T/p.ev" session.cast >"$T/p.cast"
grep -q 'late alive-before yes' "$T/p.cast" && pass "process.kill at 1 s: the service ran before" || fail "process.kill at 1 s: the service ran before"
grep -q 'late stopped-after yes' "$T/p.cast" && pass "process.kill at 1 s: and not after" || fail "process.kill at 1 s: and not after"
grep -q 'early killed-at-start yes' "$T/p.cast" && pass "process.kill at the start" || fail "process.kill at the start"
member "$T/p.ev" manifest.json >"$T/pm.json"
grep -A7 '"id": "kill-late"' "$T/pm.json" | grep -q '"triggered": 1' && grep -A7 '"id": "kill-late"' "$T/pm.json" | grep -q '"when": "at 1 s"' &&
	pass "the manifest records the timed fault" || fail "the manifest records the timed fault"
grep -q '"target": "service early"' "$T/pm.json" && pass "with its target" || fail "with its target"

# A bad plan: every problem with its JSON path.
mkdir -p "$T/bad" && cp -a "$S/." "$T/bad/"
sed -i 's|"kind": "file.truncate", "path": "/var/lib/app/state.db", "size": 100|"kind": "file.shred", "path": "/var/lib/app/state.db"|; s|"path": "/var/lib/app/lock"|"path": "/var/lib/app/../../etc/shadow"|; s|"mode": "0000"|"mode": "rw"|; s|"from": "faults/bad.conf"|"from": "faults/missing.conf", "when": "now"|' "$T/bad/scenario.json"
run "$LABRUN" validate "$T/bad"
[ "$rc" -eq 1 ] && pass "validate refuses a bad plan" || fail "validate refuses a bad plan (exit $rc)"
err_has 'faults\[1\]\.kind.*"file.shred" is not a fault kind' "an unknown kind, with its path"
err_has 'faults\[3\]\.path.*not an absolute path' "a path with '..', with its path"
err_has 'faults\[4\]\.mode' "a bad mode, with its path"
err_has 'faults\[0\]\.when: unknown key' "an unknown key, with its path"
err_has 'faults\[0\]\.from.*not a file of the scenario' "a missing source, with its path"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
