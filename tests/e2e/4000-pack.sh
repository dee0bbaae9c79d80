#!/bin/bash
# 4000-pack: `labrun pack` turns a scenario directory into a canonical,
# signed NAME.lab: the same tree gives the same bytes whatever the file
# times, modes or umask, and a refused tree leaves nothing behind.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "make_keys"; done_testing; exit 1; }
make_min_scenario "$T/s1"

expect_exit 0 "pack a minimal scenario" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/one.lab"
out_has '^sha256:[0-9a-f]{64}$' "prints the digest"
digest=$(sed -n 's/^sha256://p' "$OUT")
check "the digest is the file's SHA-256" \
	test "$digest" = "$(sha256sum "$T/one.lab" | cut -d' ' -f1)"
check "the signature is beside it" test -s "$T/one.lab.minisig"
check "its trusted comment names the scenario and digest" \
	grep -qx "trusted comment: labrun scenario t-min 1.0.0 sha256:$digest" \
	"$T/one.lab.minisig"
check "the signature is prehashed (ED)" \
	sh -c "sed -n 2p '$T/one.lab.minisig' | base64 -d | head -c2 | grep -qx ED"
tar tf "$T/one.lab" >"$T/list" 2>&1
printf '%s\n' brief.md grader/ grader/grade.lua scenario.json solutions/ \
	solutions/reference.sh system/ system/etc/ system/etc/x.conf >"$T/want"
check "GNU tar reads it: every member, sorted, no ./ prefix" \
	cmp "$T/list" "$T/want"
tar tvf "$T/one.lab" --numeric-owner >"$T/long"
check "owner 0/0 and mtime 0 on every member" \
	sh -c "! grep -v ' 0/0 .* 1970-01-01 00:00 ' '$T/long'"
check "modes normalised" grep -q '^-rwxr-xr-x .* solutions/reference.sh$' "$T/long"

# The same tree from a copy with other times, modes and umask.
(umask 077 && make_min_scenario "$T/s2")
touch -d '2001-02-03 04:05:06' "$T/s2/brief.md" "$T/s2/system" "$T/s2/grader/grade.lua"
chmod 0700 "$T/s2/solutions/reference.sh"
expect_exit 0 "pack a copy made with umask 077 and other mtimes" \
	"$LABRUN" pack "$T/s2" -s "$T/author.key" -o "$T/two.lab"
check "same tree, same bytes" cmp "$T/one.lab" "$T/two.lab"
cp -a "$T/s1" "$T/s3" && touch "$T/s3/scenario.json" && chmod g+w "$T/s3/brief.md"
expect_exit 0 "pack a cp -a copy touched later" \
	"$LABRUN" pack "$T/s3" -s "$T/author.key" -o "$T/three.lab"
check "same bytes again" cmp "$T/one.lab" "$T/three.lab"
expect_exit 0 "packing over an existing bundle" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/one.lab"
check "gives the same bytes" cmp "$T/one.lab" "$T/two.lab"

# Refusals leave nothing at -o.
make_min_scenario "$T/sym"
ln -s /etc/passwd "$T/sym/system/etc/passwd"
expect_exit 1 "a symlink in the tree is refused" \
	"$LABRUN" pack "$T/sym" -s "$T/author.key" -o "$T/sym.lab"
err_has '^labrun pack: .*sym/system/etc/passwd: is a symbolic link' "... naming it"
err_has 'hint:' "... with the fix"
check "... and nothing is written" test ! -e "$T/sym.lab" -a ! -e "$T/sym.lab.minisig"
make_min_scenario "$T/fifo"
mkfifo "$T/fifo/system/etc/pipe"
expect_exit 1 "a FIFO in the tree is refused" \
	"$LABRUN" pack "$T/fifo" -s "$T/author.key" -o "$T/fifo.lab"
check "... and nothing is written" test ! -e "$T/fifo.lab"
mkdir -p "$T/nomanifest/system"
echo x >"$T/nomanifest/brief.md"
expect_exit 1 "a tree without scenario.json is refused" \
	"$LABRUN" pack "$T/nomanifest" -s "$T/author.key" -o "$T/nm.lab"
err_has '^labrun pack: scenario\.json' "... each problem on its own line"
check "... and nothing is written" test ! -e "$T/nm.lab"
# Every check of validate, before any selftest session: a wrong solution
# naming a check the grader never returns is said with the file at fault.
make_min_scenario "$T/mustfail"
printf '#!/bin/bash\n# must-fail: nosuch\ntrue\n' >"$T/mustfail/solutions/wrong-nothing.sh"
chmod +x "$T/mustfail/solutions/wrong-nothing.sh"
expect_exit 1 "a must-fail id the grader never returns is refused" \
	"$LABRUN" pack "$T/mustfail" -s "$T/author.key" -o "$T/mf.lab"
err_has "^labrun pack: solutions/wrong-nothing\.sh.*nosuch" "... by pack itself, naming the solution and the id"
check "... before the selftest runs a session" bash -c "! grep -q selftest \"\$1\"" _ "$ERR"
check "... and nothing is written" test ! -e "$T/mf.lab"
expect_exit 1 "--limit entries=3 refuses a bigger tree" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/lim.lab" --limit entries=3
err_has 'more than 3' "... saying so"
check "... and nothing is written" test ! -e "$T/lim.lab"
expect_exit 0 "--limit may raise a bound" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/big.lab" \
	--limit file=32M --limit total=128M --limit entries=20000 --limit depth=80 \
	--limit manifest=2M
chmod 0640 "$T/author.key"
expect_exit 1 "a group-readable secret key is refused" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/grp.lab"
err_has 'readable by group or others; hint: chmod 600' "... with the fix"
check "... and nothing is written" test ! -e "$T/grp.lab"
chmod 0600 "$T/author.key"
mkdir "$T/five.lab.minisig"
expect_exit 3 "a signature that cannot be written is a host error" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/five.lab"
check "... and the bundle is removed again" test ! -e "$T/five.lab"
check "... leaving no temporary file" \
	sh -c "! ls '$T' | grep -q 'five.lab.*tmp'"

expect_exit 2 "-o is required" "$LABRUN" pack "$T/s1" -s "$T/author.key"
expect_exit 2 "-s is required" "$LABRUN" pack "$T/s1" -o "$T/x.lab"
expect_exit 2 "DIR is required" "$LABRUN" pack -s "$T/author.key" -o "$T/x.lab"
expect_exit 2 "an unknown --limit key is a usage error" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/x.lab" --limit bogus=1
err_has 'entries, file, total, manifest, depth' "... listing the keys"
expect_exit 2 "a bad --limit value is a usage error" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/x.lab" --limit file=lots
expect_exit 2 "a bundle inside DIR is refused" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/s1/self.lab"
check "... and nothing is written" test ! -e "$T/s1/self.lab"
# A version names one tree (issue 16, item 5): other bytes under an id and
# version already packed at -o or in --bundles are refused, before the
# selftest runs, with the version to bump to; the same bytes are fine.
cp -a "$T/s1" "$T/v2" && printf '# Minimal\n\nRepair nothing, again.\n' >"$T/v2/brief.md"
cp "$T/one.lab" "$T/keep.lab"
expect_exit 1 "other bytes under a version packed at -o are refused" \
	"$LABRUN" pack "$T/v2" -s "$T/author.key" -o "$T/one.lab"
err_has "^labrun pack: .*v2: t-min 1\.0\.0 is already packed with other bytes at .*one\.lab" \
	"... naming the id, the version and where"
err_has 'hint: .*"version" in .*v2/scenario\.json to 1\.0\.1 \(the next after 1\.0\.0' \
	"... and the version to bump to"
check "... before any selftest session" sh -c "! grep -q qualified '$OUT'"
check "... and the bundle there is untouched" cmp "$T/one.lab" "$T/keep.lab"
mkdir "$T/pub"
cp "$T/one.lab" "$T/pub/t-min-1.0.0.lab" && cp "$T/one.lab.minisig" "$T/pub/t-min-1.0.0.lab.minisig"
cp -a "$T/s1" "$T/v12" && sed -i 's/"1\.0\.0"/"1.2.0"/' "$T/v12/scenario.json"
expect_exit 0 "a new version packs into --bundles' directory" \
	"$LABRUN" pack "$T/v12" -s "$T/author.key" -o "$T/pub/t-min-1.2.0.lab" --bundles "$T/pub"
echo "not a tar" >"$T/pub/junk.lab"
expect_exit 1 "other bytes under a version in --bundles are refused" \
	"$LABRUN" pack "$T/v2" -s "$T/author.key" -o "$T/new.lab" --bundles "$T/pub"
err_has "already packed with other bytes at $T/pub/t-min-1\.0\.0\.lab" "... naming the bundle"
err_has 'to 1\.2\.1 \(the next after 1\.2\.0, the highest version of t-min packed\)' \
	"... and the next version after the highest"
err_has "note: $T/pub/junk\.lab: not compared" "a file that is no bundle is said to be left out"
check "... and nothing is written" test ! -e "$T/new.lab" -a ! -e "$T/new.lab.minisig"
expect_exit 0 "the same bytes under the same version are fine" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/same.lab" --bundles "$T/pub"
check "... the same bundle" cmp "$T/same.lab" "$T/pub/t-min-1.0.0.lab"
cp -a "$T/v2" "$T/rc" && sed -i 's/"1\.0\.0"/"2.0.0-rc.1"/' "$T/rc/scenario.json"
expect_exit 0 "a pre-release packs" \
	"$LABRUN" pack "$T/rc" -s "$T/author.key" -o "$T/pub/t-min-2.0.0-rc.1.lab" --bundles "$T/pub"
sed -i 's/Repair nothing, again\./Repair nothing, once more./' "$T/rc/brief.md"
expect_exit 1 "other bytes under the pre-release are refused" \
	"$LABRUN" pack "$T/rc" -s "$T/author.key" -o "$T/rc.lab" --bundles "$T/pub"
err_has 'to 2\.0\.0 \(the next after 2\.0\.0-rc\.1' "... the release after a pre-release"
expect_exit 2 "a missing --bundles directory is a usage error" \
	"$LABRUN" pack "$T/s1" -s "$T/author.key" -o "$T/x2.lab" --bundles "$T/nope"
err_has "^labrun pack: --bundles .*nope" "... naming it"

expect_exit 0 "--help" "$LABRUN" pack --help
out_has '^usage: labrun pack DIR -s AUTHOR_SEC -o NAME\.lab' "help starts with the usage line"
check "x.lab never appeared" test ! -e "$T/x.lab"

done_testing
