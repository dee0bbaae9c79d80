#!/bin/bash
# 5100-tamper: the tamper sweep through the real binaries, sampled.  The
# evidence of a real session and a packed bundle are changed one byte at a
# time (evenly spaced, plus aimed at every tar header's fields and padding
# and at the block padding after every member) and cut at chosen lengths;
# `labrun verify -p` must exit 1 for every one, and `labrun run` must exit
# 1 and write nothing at -o.  Every byte and every length is swept
# in-process by tests/unit/test_tamper.c; this covers the exit codes end to
# end.
. "$(dirname "$0")/../lib.sh"

EVEN=200 # evenly spaced flips of the evidence and of the bundle
SIG_EVEN=60 # and of the bundle's signature (about one byte in six)

make_keys || { fail "keygen"; done_testing; exit 1; }
make_min_scenario "$T/s"
expect_exit 0 "pack the minimal scenario" \
	"$LABRUN" pack "$T/s" -s "$T/author.key" -o "$T/t-min.lab"
expect_exit 0 "a real session's evidence" \
	"$LABRUN" run "$T/t-min.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
	--candidate alice --script "$T/s/solutions/reference.sh" -o "$T/good.ev"
expect_exit 0 "... verifies as written" "$LABRUN" verify "$T/good.ev" -p "$T/issuer.pub"

# tampered FILE KIND EVEN DIR [BESIDE]: the changed copies of FILE, each in
# a directory DIR/N of its own under FILE's name, with BESIDE (the other
# half of a bundle) linked next to it; DIR/list has "N GROUP what was
# done" lines, GROUP one of even, header, padding, end or cut.  KIND tar
# also aims at fields of every 512-byte header, at the block padding after
# every member and at the end of the archive, and cuts at the headers;
# KIND text (a signature) is flipped evenly only.  A flip is bit 0 or, every
# other one, a NUL (a '0' for a NUL).
tampered() {
	python3 - "$@" <<'PY'
import os, sys
path, kind, even, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
beside = sys.argv[5] if len(sys.argv) > 5 else None
good = open(path, "rb").read()
n = len(good)
flips = {}  # position -> group
cuts = {0, 1, n - 1}
for i in range(even):
    flips.setdefault(i * (n - 1) // (even - 1), "even")
if kind == "tar":
    # name, mode, size (first and last digit), mtime, checksum, typeflag,
    # magic, the header's own padding
    fields = [0, 100, 124, 134, 136, 148, 156, 257, 511]
    o, headers = 0, []
    while o + 512 <= n and good[o:o + 512] != bytes(512):
        headers.append(o)
        for f in fields:
            flips[o + f] = "header"
        size = 0 if good[o + 156:o + 157] == b"5" else \
            int(good[o + 124:o + 136].strip(b"\0 ") or b"0", 8)
        o += 512
        end = o + (size + 511) // 512 * 512
        if size % 512:
            flips[o + size] = "padding"  # the first byte past the data
            flips[end - 1] = "padding"   # the last of its block
        cuts.update({o - 512, o, o + size})
        o = end
    for p in (o, o + 511, o + 1024, n - 1):  # end of archive, record padding
        if p < n:
            flips[p] = "end"
    cuts.update({o, o + 512, n - 512})
    print("# %s: %d bytes, headers at %s, end of archive at %d"
          % (os.path.basename(path), n, " ".join(map(str, headers)), o))
cuts.update(i * (n - 1) // 9 for i in range(10))
cases = []
for k, p in enumerate(sorted(flips)):
    b = bytearray(good)
    b[p] = b[p] ^ 0x01 if k % 2 == 0 else (0 if b[p] else 0x30)
    cases.append((bytes(b), "%s byte %d 0x%02x -> 0x%02x" % (flips[p], p, good[p], b[p])))
for c in sorted(x for x in cuts if 0 <= x < n):
    cases.append((good[:c], "cut to %d bytes" % c))
os.makedirs(out)
with open(os.path.join(out, "list"), "w") as lst:
    for k, (data, what) in enumerate(cases):
        d = os.path.join(out, str(k))
        os.mkdir(d)
        open(os.path.join(d, os.path.basename(path)), "wb").write(data)
        if beside:
            os.link(beside, os.path.join(d, os.path.basename(beside)))
        lst.write("%d %s\n" % (k, what))
PY
}

# record GROUP STATUS CASE: count a case of GROUP; STATUS "ok" or what
# went wrong (the first five of a group are shown).  tally GROUP DESC: one
# TAP line for the group.
declare -A tried missed
record() {
	tried[$1]=$((${tried[$1]:-0} + 1))
	if [ "$2" != ok ]; then
		missed[$1]=$((${missed[$1]:-0} + 1))
		[ "${missed[$1]}" -le 5 ] && echo "#   $3: $2"
	fi
	return 0
}
tally() {
	local n=${tried[$1]:-0} m=${missed[$1]:-0}
	: >"$OUT" && : >"$ERR" # fail would show an earlier command's output
	[ "$n" -gt 0 ] && [ "$m" -eq 0 ] && pass "$2 ($n)" || fail "$2 ($m of $n not refused)"
}

# The evidence, through labrun verify: exit 1, naming the file.
tampered "$T/good.ev" tar "$EVEN" "$T/ev"
while read -r k group what; do
	f=$T/ev/$k/good.ev
	"$LABRUN" verify "$f" -p "$T/issuer.pub" >/dev/null 2>"$T/.err" </dev/null
	rc=$?
	line=
	IFS= read -r line <"$T/.err"
	[ "$rc" -eq 1 ] && [[ $line == "labrun verify: $f: "* ]] && st=ok ||
		st="exit $rc: ${line:0:200}"
	record "ev-$group" "$st" "$group $what"
done <"$T/ev/list"
tally ev-even "labrun verify exits 1, naming the file, for every evenly spaced byte flip of the evidence"
tally ev-header "... for every flip in a tar header (name, mode, size, mtime, checksum, type, magic, padding)"
tally ev-padding "... for every flip in the block padding after a member"
tally ev-end "... for every flip in the end-of-archive blocks and the record padding"
tally ev-cut "... for every cut, at and between headers"

# The bundle and its signature, through labrun run: exit 1, nothing at -o.
run_bundle() { # DIR GROUP CASE
	local at
	"$LABRUN" run "$1/t-min.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate alice --script "$T/s/solutions/reference.sh" \
		-o "$1/out.ev" >/dev/null 2>"$T/.err" </dev/null
	rc=$?
	at=$(compgen -G "$1/out.ev*")
	line=
	IFS= read -r line <"$T/.err"
	[ "$rc" -eq 1 ] && [ -z "$at" ] && st=ok ||
		st="exit $rc${at:+, $at written}: ${line:0:200}"
	record "$2" "$st" "$3"
}
tampered "$T/t-min.lab" tar "$EVEN" "$T/lab" "$T/t-min.lab.minisig"
while read -r k group what; do
	run_bundle "$T/lab/$k" "lab-$group" "$group $what"
done <"$T/lab/list"
tally lab-even "labrun run exits 1 and writes nothing at -o for every evenly spaced byte flip of the bundle"
tally lab-header "... for every flip in a tar header of the bundle"
tally lab-padding "... for every flip in the bundle's block padding"
tally lab-end "... for every flip in its end-of-archive blocks and record padding"
tally lab-cut "... for every cut of the bundle"

tampered "$T/t-min.lab.minisig" text "$SIG_EVEN" "$T/sig" "$T/t-min.lab"
while read -r k group what; do
	run_bundle "$T/sig/$k" "sig-$group" "$group $what"
done <"$T/sig/list"
tally sig-even "... for every evenly spaced byte flip of its signature (untrusted comment included)"
tally sig-cut "... for every cut of its signature (the final newline included)"

# The untrusted comment stock minisign writes is taken; another (-c) not.
if command -v minisign >/dev/null; then
	mkdir "$T/m" && cp "$T/t-min.lab" "$T/m/"
	minisign -S -s "$T/author.key" -m "$T/m/t-min.lab" </dev/null >/dev/null 2>&1
	expect_exit 0 "a bundle signed by stock minisign -S runs" \
		"$LABRUN" run "$T/m/t-min.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate alice --script "$T/s/solutions/reference.sh" -o "$T/m/out.ev"
	rm -f "$T/m/out.ev"
	minisign -S -s "$T/author.key" -m "$T/m/t-min.lab" -c "signed by hand" </dev/null >/dev/null 2>&1
	expect_exit 1 "one signed by minisign -S -c is refused" \
		"$LABRUN" run "$T/m/t-min.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
		--candidate alice --script "$T/s/solutions/reference.sh" -o "$T/m/out.ev"
	err_has "untrusted comment is not one labrun pack or minisign -S writes.*hint: " \
		"... saying why, with the fix"
	[ ! -e "$T/m/out.ev" ] && pass "... and writes nothing at -o" || fail "... and writes nothing at -o"
else
	skip "minisign is not installed"
fi

[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || { fail "nothing of the sessions remains"; leftovers | sed 's/^/#   /'; }
done_testing
