#!/bin/bash
# labrun stats --html in a real browser: a cohort of 24 sessions of
# tests/fixtures/stats/calib (a flawed check, a harder variant) becomes one
# page that Debian's Chromium (puppeteer-core, 0720-stats.js) opens from
# file:// with no request but the page itself, no console error and no
# policy violation, showing the three charts (score histogram, difficulty
# against discrimination, duration per variant), the flawed check flagged
# and the variants found unfair.  The screenshot is kept at
# $BUILD/stats-shot.png.
. "$(dirname "$0")/../lib.sh"
NM=$TOP/tests/node/node_modules
S=$TOP/tests/fixtures/stats/calib
for t in /usr/bin/chromium node; do
	command -v "$t" >/dev/null || { fail "$t is not installed (make deps)"; done_testing; exit 1; }
done
[ -d "$NM/puppeteer-core" ] || { fail "puppeteer-core is not in tests/node (make deps)"; done_testing; exit 1; }
make_keys || { fail "keygen"; done_testing; exit 1; }

mkdir -p "$T/ev"
n=0
for v in easy hard; do
	for s in reference reference reference reference reference wrong-naive wrong-naive \
		 wrong-naive wrong-naive wrong-naive wrong-naive wrong-guess; do
		n=$((n + 1))
		timeout -k 5 60 "$LABRUN" run "$S" --key "$T/issuer.key" --variant "$v" \
			--candidate "p-$n" --script "$S/solutions/$s.sh" -o "$T/ev/$n.ev" >/dev/null 2>&1
	done
done
[ "$(ls "$T/ev" | wc -l)" -eq 24 ] && pass "24 sessions" || fail "24 sessions"
expect_exit 0 "labrun stats --html writes the page" \
	"$LABRUN" stats "$T/ev" -p "$T/issuer.pub" --html "$T/stats.html"
grep -q "content=\"default-src 'none'; style-src 'unsafe-inline'" "$T/stats.html" &&
	pass "the page's policy forbids every fetch and every script" ||
	fail "the page's policy forbids every fetch and every script"

NODE_PATH=$NM PAGE=$T/stats.html SCREENSHOT=$T/stats.png \
	timeout -k 5 120 node "$TOP/tests/interop/0720-stats.js" >"$T/seen.json" 2>"$T/seen.err"
sed 's/^/# /' "$T/seen.json" "$T/seen.err"
is() { # EXPR WANT DESC: python over d, the JSON Chromium's run printed
	local got
	got=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$T/seen.json" "$1" 2>&1)
	[ "$got" = "$2" ] && pass "$3" || fail "$3 (got: $got)"
}
is 'd["requests"] == [d["url"]]' True "Chromium made no request but the page itself"
is 'd["console_errors"] + d["page_errors"]' "[]" "no console error, no page error"
is 'd["csp"]' "[]" "no Content-Security-Policy violation"
is 'd["svgs"]' "['score histogram', 'difficulty against discrimination', 'time to resolution per variant']" \
	"the three charts, in order"
is 'd["sized"]' True "... each laid out with a size"
is 'd["bars"]' 10 "the histogram has its 10 bins"
is 'd["dots"]' 3 "one dot per check"
is 'd["boxes"]' 2 "one box per variant"
is '"negative discrimination" in d["flags"]' True "the flawed check is flagged on the page"
is 'd["unfair"]' True "the variants are found unfair"
if [ "$(head -c 8 "$T/stats.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
	cp "$T/stats.png" "$BUILD/stats-shot.png" && pass "screenshot at $BUILD/stats-shot.png" ||
		fail "screenshot could not be copied to $BUILD"
else
	fail "no screenshot"
fi
done_testing
