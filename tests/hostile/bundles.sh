#!/bin/bash
# Hostile bundles, each correctly signed by a trusted author key (so only
# the archive reader stands between them and the host): every one is
# refused with exit 1, a message naming the problem, nothing at -o, and
# nothing written outside the work area.
. "$(dirname "$0")/../lib.sh"
command -v minisign >/dev/null || { skip "minisign is not installed"; done_testing; exit 0; }
make_keys
S=$T/scn
make_scenario "$S"
canary=/tmp/labrun-canary-$$
rm -f "$canary" "/tmp/evil-$$"

sign() { minisign -S -s "$T/author.key" -m "$1" </dev/null >/dev/null 2>&1; }
refused() { # DESC BUNDLE PATTERN
	run "$LABRUN" run "$2" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate mallory --script "$S/solutions/reference.sh" -o "$T/out.ev"
	if [ "$rc" -eq 1 ] && [ ! -e "$T/out.ev" ] && grep -qiE -- "$3" "$ERR"; then
		pass "$1"
	else
		fail "$1 (exit $rc)"
	fi
	rm -f "$T"/out.ev*
}
base() { rm -rf "$T/b" && mkdir -p "$T/b" && cp -a "$S/." "$T/b/"; }

# ../ at depth, and an absolute name.
base && mkdir -p "$T/b/system/a/b" && echo x >"$T/b/system/a/b/evil"
tar --format=posix -cf "$T/trav.lab" -C "$T/b" --transform "s,system/a/b/evil,system/a/b/../../../../evil-$$," .
sign "$T/trav.lab"
refused "'..' in a member name" "$T/trav.lab" '\.\.'
echo x >"$canary"
tar --format=posix -cPf "$T/abs.lab" -C "$T/b" . "$canary"
sign "$T/abs.lab"
rm -f "$canary"
refused "an absolute member name" "$T/abs.lab" 'absolute'
[ ! -e "$canary" ] && [ ! -e "/tmp/evil-$$" ] && pass "nothing was written outside the work area" ||
	fail "nothing was written outside the work area"

# Links, devices, FIFOs.
base && ln "$T/b/brief.md" "$T/b/system/hard"
tar --format=posix -cf "$T/hard.lab" -C "$T/b" . && sign "$T/hard.lab"
refused "a hard link" "$T/hard.lab" 'link'
base && mknod "$T/b/system/null" c 1 3
tar --format=posix -cf "$T/dev.lab" -C "$T/b" . && sign "$T/dev.lab"
refused "a device" "$T/dev.lab" 'device'
base && mkfifo "$T/b/system/fifo"
tar --format=posix -cf "$T/fifo.lab" -C "$T/b" . && sign "$T/fifo.lab"
refused "a FIFO" "$T/fifo.lab" 'fifo'

# Duplicate names.
base && tar --format=posix -cf "$T/dup.lab" -C "$T/b" . && tar --format=posix -rf "$T/dup.lab" -C "$T/b" ./brief.md
sign "$T/dup.lab"
refused "a duplicate name" "$T/dup.lab" 'twice|duplicate'

# Too many entries, an oversized file, a bomb.
base && mkdir "$T/b/system/many" && (cd "$T/b/system/many" && seq 1 10001 | xargs touch)
tar --format=posix -cf "$T/many.lab" -C "$T/b" . && sign "$T/many.lab"
refused "more than 10000 entries" "$T/many.lab" 'entries|10000'
base && truncate -s 17M "$T/b/system/big"
tar --format=posix -cf "$T/big.lab" -C "$T/b" . && sign "$T/big.lab"
refused "a file over 16 MiB" "$T/big.lab" 'large|bytes'
base && truncate -s 100M "$T/b/scenario.json"
tar --format=posix -cf "$T/man.lab" -C "$T/b" . && sign "$T/man.lab"
refused "a 100 MB manifest" "$T/man.lab" 'large|bytes'
base && for i in 1 2 3 4 5; do truncate -s 15M "$T/b/system/z$i"; done
tar --format=posix -cf "$T/bomb.lab" -C "$T/b" . && sign "$T/bomb.lab"
refused "an archive of 75 MiB (over the total)" "$T/bomb.lab" 'large|total|bytes'

# Malformed manifests: invalid UTF-8, deep nesting.
base && printf '{"schema":1,"id":"\xff\xfe"}' >"$T/b/scenario.json"
tar --format=posix -cf "$T/utf.lab" -C "$T/b" . && sign "$T/utf.lab"
refused "invalid UTF-8 in the manifest" "$T/utf.lab" 'scenario.json'
base && { printf '{"schema":'; for i in $(seq 100); do printf '['; done; for i in $(seq 100); do printf ']'; done; printf '}'; } >"$T/b/scenario.json"
tar --format=posix -cf "$T/deep.lab" -C "$T/b" . && sign "$T/deep.lab"
refused "JSON nested 100 deep" "$T/deep.lab" 'nested|deep'

# Not a tar at all; a gzip-compressed tar.
head -c 4096 /dev/urandom >"$T/noise.lab" && sign "$T/noise.lab"
refused "random bytes" "$T/noise.lab" 'tar|archive|corrupt'
base && tar --format=posix -czf "$T/gz.lab" -C "$T/b" . && sign "$T/gz.lab"
refused "a compressed tar" "$T/gz.lab" 'compress|tar|archive|corrupt'

[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
