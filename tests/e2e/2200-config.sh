#!/bin/bash
# The exam host's configuration: the operator's maxima cut a scenario's
# limits (and the manifest says so), trust and key come from it when no
# flag names them, and a bad line is refused with its file and line.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/scn
make_scenario "$S"
sed -i 's/"valid_for_days": 365/"valid_for_days": 365,\n  "limits": {"memory_mb": 1024, "processes": 300}/' "$S/scenario.json"
cat >"$T/labrun.conf" <<CONF
# an exam host
max_memory_mb = 256   # this host's sessions get at most this
max_processes = 100
key = $T/issuer.key
trust = $T/author.pub
CONF
run "$LABRUN" run "$S" --config "$T/labrun.conf" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/c.ev"
[ "$rc" -eq 0 ] && pass "the key comes from the configuration" || fail "the key comes from the configuration (exit $rc)"
member "$T/c.ev" manifest.json >"$T/m.json"
grep -A2 '"mechanism": ".*RLIMIT_AS.*the scenario asked 1024; this host.s maximum is 256' "$T/m.json" | grep -q '"value": 256' &&
	pass "memory: the host's maximum applies and the manifest says so" ||
	fail "memory: the host's maximum applies and the manifest says so"
grep -q 'the scenario asked 300; this host.s maximum is 100' "$T/m.json" &&
	pass "processes: the same" || fail "processes: the same"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/s.lab" >/dev/null
run "$LABRUN" run "$T/s.lab" --config "$T/labrun.conf" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/b.ev"
[ "$rc" -eq 0 ] && pass "the trust store comes from the configuration" ||
	fail "the trust store comes from the configuration (exit $rc)"
printf 'max_memory_mb = 256\nmax_procs = 5\n' >"$T/bad.conf"
run "$LABRUN" run "$S" --config "$T/bad.conf" --key "$T/issuer.key" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/x.ev"
[ "$rc" -eq 1 ] && [ ! -e "$T/x.ev" ] && pass "an unknown key in the configuration is refused" ||
	fail "an unknown key in the configuration is refused (exit $rc)"
err_has 'bad.conf: line 2: unknown key "max_procs"' "the file and line are named"
printf 'max_memory_mb = 99999999\n' >"$T/big.conf"
run "$LABRUN" run "$S" --config "$T/big.conf" --key "$T/issuer.key" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/x.ev"
[ "$rc" -eq 1 ] && grep -q 'line 1: max_memory_mb' "$ERR" && pass "a maximum past labrun's own is refused" ||
	fail "a maximum past labrun's own is refused (exit $rc)"
expect_exit 1 "a missing --config file is refused" "$LABRUN" run "$S" --config "$T/none.conf" \
	--key "$T/issuer.key" --candidate a --script "$S/solutions/reference.sh" -o "$T/x.ev"

# seed_secret keys the seeds instead of the issuer key.
seed_of() { member "$1" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["seed"]["value"])'; }
head -c 32 /dev/urandom >"$T/seed.secret"
chmod 600 "$T/seed.secret"
cp "$T/labrun.conf" "$T/seeded.conf"
printf 'seed_secret = %s\n' "$T/seed.secret" >>"$T/seeded.conf"
for n in 1 2; do
	run "$LABRUN" run "$S" --config "$T/seeded.conf" --candidate a \
		--script "$S/solutions/reference.sh" -o "$T/seed$n.ev"
done
[ "$(seed_of "$T/seed1.ev")" = "$(seed_of "$T/seed2.ev")" ] && pass "seed_secret: the same candidate and attempt get the same seed" ||
	fail "seed_secret: the same candidate and attempt get the same seed"
[ "$(seed_of "$T/seed1.ev")" != "$(seed_of "$T/c.ev")" ] && pass "seed_secret: the seed is keyed by it, not by the issuer key" ||
	fail "seed_secret: the seed is keyed by it, not by the issuer key"
chmod 644 "$T/seed.secret"
run "$LABRUN" run "$S" --config "$T/seeded.conf" --candidate a \
	--script "$S/solutions/reference.sh" -o "$T/seed3.ev"
[ "$rc" -eq 3 ] && [ ! -e "$T/seed3.ev" ] && grep -q "readable by others" "$ERR" &&
	pass "seed_secret: a secret others can read is refused" || fail "seed_secret: a secret others can read is refused (exit $rc)"
# The state and spool directories from the environment: absolute, clean.
LABRUN_STATE_DIR=relative run "$LABRUN" sessions
[ "$rc" -eq 2 ] && grep -q '^labrun sessions: \$LABRUN_STATE_DIR "relative": not an absolute path' "$ERR" &&
	pass "a relative \$LABRUN_STATE_DIR is a usage error that names it" || fail "a relative \$LABRUN_STATE_DIR (exit $rc)"
LABRUN_SPOOL_DIR=/a/../b run "$LABRUN" spool
[ "$rc" -eq 2 ] && grep -q '\$LABRUN_SPOOL_DIR "/a/../b": not an absolute path .*hint: such as /var/lib/labrun/spool' "$ERR" &&
	pass "a \$LABRUN_SPOOL_DIR with .. is a usage error with an example" || fail "a \$LABRUN_SPOOL_DIR with .. (exit $rc)"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
