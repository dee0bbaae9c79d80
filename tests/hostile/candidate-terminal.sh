#!/bin/bash
# Hostile candidates and evidence against the examiner's terminal
# (HOSTILE.md V4): a candidate prints every sequence that acts outside the
# screen or makes a terminal answer -- OSC 52 clipboard writes, titles,
# hyperlinks, colour queries, DCS/APC/PM/SOS strings, device and window
# reports, ENQ, DECID, in 7-bit, 8-bit and UTF-8-encoded C1 forms, written
# whole and a byte at a time, with an unterminated overlong string.  The
# recording keeps none of them (asciinema cat of it holds no such byte),
# says where each was with a visible marker, keeps the colours, and the
# manifest counts them by kind; a regrade keeps the counts.  Then evidence
# built by hand whose member names or manifest text hold escapes: labrun
# verify, recert plan and sessions print no raw control byte.
. "$(dirname "$0")/../lib.sh"
for tool in asciinema script python3 minisign; do
	command -v "$tool" >/dev/null || { skip "$tool is not installed"; done_testing; exit 0; }
done
make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"

# no_controls FILE: FILE holds no byte a terminal acts on beyond newline,
# CR, tab, BEL and the SGR colour sequences (ESC [ digits ; m), no C1
# control in any encoding, no ENQ; prints what it found.
no_controls() {
	python3 - "$1" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
bad = []
rest = re.sub(rb"\x1b\[[0-9;]*m", b"", b)
ctl = rb"[\x00-\x06\x08\x0b\x0c\x0e-\x1f\x7f]"
if re.search(ctl, rest):
    bad.append("a control byte: %r" % re.search(rb".{0,10}" + ctl + rb".{0,10}", rest, re.S).group(0))
s = b.decode("utf-8", "surrogateescape")
if re.search("[\x80-\x9f]", s):
    bad.append("a C1 control encoded in UTF-8")
if re.search("[\udc80-\udc9f]", s):
    bad.append("an 8-bit C1 byte")
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
}

# The candidate: every hostile sequence, whole, split across writes with
# pauses (the supervisor reads them in separate pieces), one byte a write,
# and 8-bit and UTF-8 C1 forms; coloured text around them.
cat >"$T/hostile.sh" <<'SH'
#!/bin/bash
printf 'start \033[1;32mGREEN-TEXT\033[0m\n'
printf '\033]52;c;SGVsbG8=\007\033]0;candidate PASSED\007\033]2;title\033\\'
printf '\033]8;;https://evil.example/\033\\LINK\033]8;;\033\\\n'
printf '\033[5n\033[6n\033[c\033[>c\033[=c\033[?2004$p\033[>0q\n'
printf '\033[21t\033[3;10;10t\033[8;50;200t\033Z\005\n'
printf '\033P$qm\033\\\033_apc\033\\\033^pm\033\\\033Xsos\033\\\n'
printf '\033]11;?\007\033]4;1;?\033\\\033]10;?\007\n'
printf '\x9b6n\x9d52;c;eA==\x9c\x90$qm\x9c\x9a\n'
printf '\xc2\x9b6n\xc2\x9d0;utf8\xc2\x9c\xc2\x85\n'
printf '\033]52;c;'; sleep 0.3; printf 'c3BsaXQ='; sleep 0.3; printf '\007SPLIT-DONE\n'
for b in '\033' '[' '6' 'n' '\033' ']' '5' '2' ';' 'c' ';' 'e' 'A' '=' '=' '\007'; do
	printf "$b"; sleep 0.05
done
printf '\n\033]52;c;'; head -c 6000 /dev/zero | tr '\0' A; printf '\007\n'
printf 'plain \033[31mRED\033[0m end\n'
SH
session "$S" "$T/hostile.sh" "$T/h.ev"
[ "$rc" -eq 1 ] && pass "the session ran and was graded (fail, exit 1)" || fail "the session ran and was graded (exit $rc)"

# What the manifest counts.
member "$T/h.ev" manifest.json >"$T/manifest.json"
python3 - "$T/manifest.json" >"$T/counts" 2>&1 <<'PY'
import json, sys
n = json.load(open(sys.argv[1]))["recording"]["neutralised"]
want = {"osc-clipboard": 4, "osc-title": 3, "osc-hyperlink": 2, "osc-other": 3,
        "dcs": 2, "apc-pm-sos": 3, "terminal-report": 10, "window-op": 3,
        "decid": 2, "enq": 1, "c1-control": 1, "overlong": 1}
print("got", json.dumps(n, sort_keys=True))
assert n["kinds"] == want, "kinds differ from %s" % want
assert n["total"] == sum(want.values())
PY
[ $? -eq 0 ] && pass "manifest.json counts every sequence by kind" ||
	{ fail "manifest.json counts every sequence by kind"; sed 's/^/#   /' "$T/counts"; }
session_ends_clean "$T/h.ev" "hostile output"
run "$LABRUN" verify "$T/h.ev" -p "$T/issuer.pub"
out_has '^  neutralised: 35 terminal sequences removed from the recording \(apc-pm-sos 3, c1-control 1, ' \
	"verify says how many were removed, by kind"

# The recording, played.
member "$T/h.ev" session.cast >"$T/session.cast"
run script -qec "asciinema cat '$T/session.cast'" /dev/null
[ "$rc" -eq 0 ] && pass "asciinema cat accepts the recording" || fail "asciinema cat accepts the recording (exit $rc)"
cp "$OUT" "$T/cat.out"
if no_controls "$T/cat.out" >"$T/why"; then
	pass "asciinema cat sends no hostile byte to the terminal"
else
	fail "asciinema cat sends no hostile byte to the terminal: $(cat "$T/why")"
fi
for seq in '\x1b]' '\x1bP' '\x1b_' '\x1b^' '\x1bX' '\x1bZ' '\x1bk' '\x05' '\x1b\[[?>=]?[0-9;]*\$?[nctqp]' '\xc2[\x80-\x9f]'; do
	if LC_ALL=C grep -qaP "$seq" "$T/cat.out"; then
		fail "no $seq in what asciinema cat prints"
	else
		pass "no $seq in what asciinema cat prints"
	fi
done
LC_ALL=C grep -qaF $'\033[1;32mGREEN-TEXT\033[0m' "$T/cat.out" &&
	pass "the coloured text is played byte for byte" || fail "the coloured text is played byte for byte"
LC_ALL=C grep -qaF $'plain \033[31mRED\033[0m end' "$T/cat.out" &&
	pass "and after everything else" || fail "colour after the hostile sequences"
for m in osc-clipboard osc-title osc-hyperlink osc-other dcs apc-pm-sos terminal-report window-op decid enq c1-control overlong; do
	grep -qF "[labrun: $m removed]" "$T/cat.out" && pass "the marker for $m is shown" ||
		fail "the marker for $m is shown"
done
grep -qF 'LINK' "$T/cat.out" && grep -qF 'SPLIT-DONE' "$T/cat.out" &&
	pass "text between the sequences is kept" || fail "text between the sequences is kept"
[ "$(grep -o '\[labrun: [a-z0-9-]* removed\]' "$T/cat.out" | wc -l)" -eq 35 ] &&
	pass "one marker for each counted sequence" ||
	fail "one marker for each counted sequence ($(grep -o '\[labrun: [a-z0-9-]* removed\]' "$T/cat.out" | wc -l))"
run script -qec "asciinema play -i 0.05 -s 20 '$T/session.cast'" /dev/null
[ "$rc" -eq 0 ] && grep -qF 'GREEN-TEXT' "$OUT" && pass "asciinema play plays it" ||
	fail "asciinema play plays it (exit $rc)"
cp "$OUT" "$T/play.out"
no_controls "$T/play.out" >"$T/why" && pass "asciinema play sends no hostile byte" ||
	fail "asciinema play sends no hostile byte: $(cat "$T/why")"

# A regrade keeps what the session recorded.
run "$LABRUN" regrade "$T/h.ev" --with "$S" --key "$T/issuer.key" -o "$T/re.ev"
[ "$rc" -eq 1 ] && pass "regraded (fail, exit 1)" || fail "regraded (exit $rc)"
member "$T/re.ev" manifest.json >"$T/re.json"
python3 -c '
import json, sys
a, b = (json.load(open(f))["recording"] for f in sys.argv[1:])
assert a == b and b["neutralised"]["total"] == 35, (a, b)' "$T/manifest.json" "$T/re.json" &&
	pass "a regrade keeps the recording object" || fail "a regrade keeps the recording object"

# Printing good evidence: no control byte at all.
run "$LABRUN" verify "$T/h.ev" -p "$T/issuer.pub"
cat "$OUT" "$ERR" >"$T/v.out"
LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]' "$T/v.out" && fail "verify of good evidence prints no control byte" ||
	pass "verify of good evidence prints no control byte"
run "$LABRUN" sessions
cat "$OUT" "$ERR" >"$T/s.out"
LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]' "$T/s.out" && fail "sessions prints no control byte" ||
	pass "sessions prints no control byte"

# Hostile evidence, built by hand.  canon OUT DIR: the files under DIR as
# the canonical tar labrun writes (ustar headers laid out as libarchive
# lays them, names sorted, 10240-byte records), so that verify reads past
# the canonical check to the member names and the manifest.
mkdir -p "$T/x" && tar -xf "$T/h.ev" -C "$T/x"
canon() {
	python3 - "$1" "$2" "$T/h.ev" <<'PY'
import os, sys
out, top, model = sys.argv[1:]
tmpl = open(model, "rb").read(512)
def hdr(name, size):
    h = bytearray(tmpl)
    h[0:100] = name.ljust(100, b"\0")
    h[124:136] = b"%011o " % size
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)
names = []
for d, _, fs in os.walk(top.encode()):
    names += [os.path.relpath(os.path.join(d, f), top.encode()) for f in fs]
tar = b""
for n in sorted(names):
    data = open(os.path.join(top.encode(), n), "rb").read()
    tar += hdr(n, len(data)) + data + b"\0" * (-len(data) % 512)
tar += b"\0" * 1024
tar += b"\0" * (-len(tar) % 10240)
open(out, "wb").write(tar)
PY
}
canon "$T/same.ev" "$T/x"
cmp -s "$T/same.ev" "$T/h.ev" && pass "the hand-made tar of the same members is byte for byte labrun's" ||
	fail "the hand-made tar of the same members is byte for byte labrun's"

# Unsigned: member names holding escapes and C1 controls are refused and
# quoted escaped.
cp -r "$T/x" "$T/y"
mkdir -p "$T/y/answers" "$T/y/changes"
printf 'x' >"$T/y/changes/"$'\033]52;c;SGVsbG8=\a'
printf 'x' >"$T/y/answers/"$'\xc2\x9b6n'
canon "$T/names.ev" "$T/y"
cp -r "$T/x" "$T/y8" && mkdir -p "$T/y8/answers"
printf 'x' >"$T/y8/answers/"$'\x9b5n\x1b[21t'
canon "$T/names8.ev" "$T/y8"
for ev in names names8; do
	for j in "" --json; do
		run "$LABRUN" verify "$T/$ev.ev" -p "$T/issuer.pub" $j
		[ "$rc" -eq 1 ] && pass "$ev.ev, hostile member names${j:+ ($j)}: refused (exit 1)" ||
			fail "$ev.ev, hostile member names${j:+ ($j)}: refused (exit $rc)"
		cat "$OUT" "$ERR" >"$T/n.out"
		no_controls "$T/n.out" >"$T/why" && pass "$ev.ev${j:+ ($j)}: no control byte printed" ||
			fail "$ev.ev${j:+ ($j)}: no control byte printed: $(cat "$T/why")"
	done
done
run "$LABRUN" verify "$T/names.ev" -p "$T/issuer.pub"
err_has "'answers/\\\\xc2\\\\x9b6n': control character in the name" "a name with a C1 control is quoted escaped"
run "$LABRUN" verify "$T/names8.ev" -p "$T/issuer.pub"
err_has "answers/\\\\x9b5n\\\\x1b\\[21t" "a name with 8-bit bytes and ESC is quoted escaped"
# Python's own tar of them (not canonical) is refused the same way.
python3 - "$T/py.ev" "$T/y" <<'PY'
import os, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
t.add(sys.argv[2], arcname=".")
t.close()
PY
run "$LABRUN" verify "$T/py.ev" -p "$T/issuer.pub"
cat "$OUT" "$ERR" >"$T/p.out"
[ "$rc" -eq 1 ] && no_controls "$T/p.out" >/dev/null && pass "python's tar of them: refused, nothing raw printed" ||
	fail "python's tar of them: refused, nothing raw printed (exit $rc)"

# Signed by the issuer (what a buggy or hostile issuer could write): a
# title, a candidate and a check message with escapes and C1 controls
# verify, and are printed escaped.
cp -r "$T/x" "$T/z"
python3 - "$T/z" <<'PY'
import json, sys
d = sys.argv[1]
evil = "T\u001b]52;c;SGVsbG8=\u0007\u009b6n\u0085\u007f"
m = json.load(open(d + "/manifest.json"))
m["scenario"]["title"] = evil
m["candidate"]["pseudonym"] = "c\u001b]0;PASSED\u0007"
m["recording"]["neutralised"] = {"total": 1, "kinds": {"new-\u001b[6n": 1}}
open(d + "/manifest.json", "w").write(json.dumps(m, indent=2, sort_keys=True) + "\n")
r = json.load(open(d + "/result.json"))
r["checks"][0]["message"] = "msg\u001b[21t\u009d8;;x\u009c"
open(d + "/result.json", "w").write(json.dumps(r, indent=2, sort_keys=True) + "\n")
PY
(cd "$T/z" && rm -f SHA256SUMS SHA256SUMS.minisig &&
	find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum >"$T/sums" &&
	mv "$T/sums" SHA256SUMS &&
	minisign -S -s "$T/issuer.key" -m SHA256SUMS -x SHA256SUMS.minisig \
		-c "signature from labrun secret key" -t "labrun evidence" </dev/null >/dev/null)
canon "$T/evil.ev" "$T/z"
run "$LABRUN" verify "$T/evil.ev" -p "$T/issuer.pub"
[ "$rc" -eq 0 ] && pass "hostile text signed by the issuer verifies (exit 0)" || fail "hostile text signed by the issuer verifies (exit $rc)"
cat "$OUT" "$ERR" >"$T/e.out"
no_controls "$T/e.out" >"$T/why" && pass "verify prints it with no control byte" ||
	fail "verify prints it with no control byte: $(cat "$T/why")"
out_has 'T\\x1b\]52;c;SGVsbG8=\\x07\\u009b6n\\u0085\\x7f' "the title is shown escaped"
run "$LABRUN" verify "$T/evil.ev" -p "$T/issuer.pub" --json
cp "$OUT" "$T/j.out"
no_controls "$T/j.out" >"$T/why" && pass "verify --json prints no control byte" ||
	fail "verify --json prints no control byte: $(cat "$T/why")"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["scenario"]["title"] == "T\u001b]52;c;SGVsbG8=\u0007\u009b6n\u0085\u007f", j["scenario"]["title"]' "$T/j.out" &&
	pass "and its JSON still says the same title" || fail "and its JSON still says the same title"
mkdir -p "$T/evdir" "$T/bundles" && cp "$T/evil.ev" "$T/evdir/"
run "$LABRUN" recert plan --evidence "$T/evdir" --bundles "$T/bundles" --trust "$T/author.pub" \
	-p "$T/issuer.pub" -o "$T/jobs"
cat "$OUT" "$ERR" >"$T/r.out"
[ "$rc" -eq 0 ] && grep -qF 'c\x1b]0;PASSED\x07' "$T/r.out" && no_controls "$T/r.out" >/dev/null &&
	pass "recert plan shows the candidate escaped" || fail "recert plan shows the candidate escaped (exit $rc)"
run "$LABRUN" regrade "$T/evil.ev" --with "$S" --key "$T/issuer.key" -o "$T/evil-re.ev"
cat "$OUT" "$ERR" >"$T/g.out"
[ "$rc" -eq 1 ] && no_controls "$T/g.out" >/dev/null &&
	pass "regrade of it: refused (exit 1), no control byte printed" ||
	fail "regrade of it: refused (exit 1), no control byte printed (exit $rc)"
err_has "pseudonym 'c\\\\x1b\\]0;PASSED\\\\x07': not one labrun writes" "the pseudonym is quoted escaped"
done_testing
