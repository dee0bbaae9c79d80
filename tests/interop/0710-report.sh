#!/bin/bash
# labrun report in a real browser: the evidence of a library scenario
# (observability-lost-spans, its reference solution, as the e2e tests run
# it) becomes one page that Debian's Chromium (puppeteer-core,
# 0710-report.js) opens from file:// with no request but the page itself,
# no console error and no policy violation, showing the verdict, the trace
# chain against the platform's spans and a terminal replay that plays what
# the session printed.  A candidate who printed and answered
# <script>alert(1)</script> and </script> gets a page where no dialog fires
# and the text reads as typed.  A tampered file gets no page (exit 1), a
# labrun without its player says make deps (exit 3), and nothing is left at
# -o on any failure.  The screenshot is kept at $BUILD/report-shot.png.
. "$(dirname "$0")/../lib.sh"
NM=$TOP/tests/node/node_modules
SCN=$TOP/scenarios/observability-lost-spans
for t in /usr/bin/chromium node; do
	command -v "$t" >/dev/null || { fail "$t is not installed (make deps)"; done_testing; exit 1; }
done
[ -d "$NM/puppeteer-core" ] || { fail "puppeteer-core is not in tests/node (make deps)"; done_testing; exit 1; }
[ -f "$BUILD/share/labrun/asciinema-player/asciinema-player.min.js" ] ||
	{ fail "no asciinema-player in $BUILD/share/labrun (make deps, then make)"; done_testing; exit 1; }
make_keys || { fail "keygen"; done_testing; exit 1; }

session() { # SCRIPT OUT
	run "$LABRUN" run "$SCN" --key "$T/issuer.key" --candidate alice --script "$1" -o "$2"
}
browser() { # PAGE NAME EXPECT: what Chromium saw, as JSON in $T/NAME.json
	NODE_PATH=$NM PAGE=$1 SCREENSHOT=$T/$2.png EXPECT=$3 \
		timeout -k 5 120 node "$TOP/tests/interop/0710-report.js" >"$T/$2.json" 2>"$T/$2.err"
}
seen() { # NAME PYTHON-EXPRESSION over d (the JSON): prints its value
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$T/$1.json" "$2" 2>/dev/null
}
is() { # NAME EXPR WANT DESC
	local got
	got=$(seen "$1" "$2")
	[ "$got" = "$3" ] && pass "$4" || { fail "$4 (got: $got)"; sed -n '1,5s/^/#   /p' "$T/$1.err"; }
}

# ---- the reference solution's evidence ----
session "$SCN/solutions/reference.sh" "$T/ref.ev"
[ "$rc" -eq 0 ] && pass "the reference solution passes" || fail "the reference solution passes (exit $rc)"
expect_exit 0 "labrun report writes the page" "$LABRUN" report "$T/ref.ev" -p "$T/issuer.pub" -o "$T/ref.html"
out_has "^report: $T/ref.html\$" "... and says where"
H=$T/ref.html
grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-" "$H" &&
	pass "the page's policy forbids every fetch and names its scripts by hash" ||
	fail "the page's policy forbids every fetch and names its scripts by hash"
! grep -qiE '<(script|link|img|iframe|object|embed|source|audio|video)[^>]*(src|href)=' "$H" &&
	pass "no element of the page names a file or address to load" ||
	fail "no element of the page names a file or address to load"
[ "$(grep -o '<script' "$H" | wc -l)" -eq 3 ] && [ "$(grep -o '</script' "$H" | wc -l)" -eq 3 ] &&
	pass "three script blocks: the recording (data), the player, its start" ||
	fail "three script blocks: the recording (data), the player, its start"
grep -q 'id="labrun-cast">{"cast":"{\\"version\\": 2' "$H" &&
	pass "the recording is inlined as a JSON string" || fail "the recording is inlined as a JSON string"
grep -q '3 of 3 steps match: spans the platform recorded' "$H" &&
	pass "the trace chain: every step of the reference's chain is a span of the platform's, in order" ||
	fail "the trace chain: every step of the reference's chain is a span of the platform's, in order"
grep -q 'not exported</b>: known only from the links of' "$H" &&
	pass "... its root cause, never exported, is known from the links" ||
	fail "... its root cause, never exported, is known from the links"
grep -q 'chain.reconstructed</code>, which holds the real chain' "$H" &&
	pass "... and the grader's check of the chain is quoted" ||
	fail "... and the grader's check of the chain is quoted"
grep -q 'platform.span_loss' "$H" && grep -q 'agentctl</span><span>exporter</span><span>restart' "$H" &&
	pass "the fault timeline and the command timeline are on the page" ||
	fail "the fault timeline and the command timeline are on the page"

browser "$H" ref "exporter healthy"
is ref 'd["requests"] == [d["url"]]' True "Chromium made no request but the page itself"
is ref 'd["console_errors"] + d["page_errors"]' "[]" "no console error, no page error"
is ref 'd["csp"]' "[]" "no Content-Security-Policy violation"
is ref 'd["verdict"]' PASS "the verdict is shown"
is ref 'd["player"]' True "the player is rendered (.ap-player)"
is ref 'd["playable"]' True "played, the terminal shows what the session printed"
is ref '"[\"" in d["answers"] and "chain.json" in d["answers"]' True "the answers are shown"
if [ "$(head -c 8 "$T/ref.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
	pass "a screenshot was taken"
	cp "$T/ref.png" "$BUILD/report-shot.png" && echo "# screenshot: $BUILD/report-shot.png"
else
	fail "a screenshot was taken"
fi

# ---- a wrong chain: the exported evaluation taken for the root cause ----
session "$SCN/solutions/wrong-exported-only.sh" "$T/wrong.ev"
[ "$rc" -eq 1 ] && pass "wrong-exported-only fails" || fail "wrong-exported-only fails (exit $rc)"
expect_exit 0 "its page is written" "$LABRUN" report "$T/wrong.ev" -p "$T/issuer.pub" -o "$T/wrong.html"
grep -q '1 of 2 steps match' "$T/wrong.html" && grep -q 'mismatch' "$T/wrong.html" &&
	pass "the trace chain shows the mismatch" || fail "the trace chain shows the mismatch"
grep -q 'it links to a cause of its own, <code>[0-9a-f]\{16\}</code>, which the chain leaves out' \
	"$T/wrong.html" && pass "... naming the cause the chain leaves out" ||
	fail "... naming the cause the chain leaves out"
grep -q '<span class="badge fail">fail</span> [0-9.]* of 4 points: &ldquo;the first span is not' "$T/wrong.html" &&
	pass "... beside the grader's judgement" || fail "... beside the grader's judgement"

# ---- hostile content: the candidate prints and answers markup ----
cat >"$T/hostile.sh" <<'EOF'
#!/bin/bash
echo '<script>alert(1)</script>'
echo '</script><!-- <img src=x onerror=alert(2)>'
mkdir -p ~/answers
printf '%s\n' '<script>alert(1)</script>' '</script>' >~/answers/note.txt
printf '["<img src=x onerror=alert(3)>", "</script>"]\n' >~/answers/chain.json
EOF
session "$T/hostile.sh" "$T/hostile.ev"
[ -s "$T/hostile.ev" ] && pass "the hostile attempt is graded (exit $rc)" || fail "the hostile attempt is graded (exit $rc)"
expect_exit 0 "its page is written" "$LABRUN" report "$T/hostile.ev" -p "$T/issuer.pub" -o "$T/hostile.html"
! grep -q '<script>alert' "$T/hostile.html" && ! grep -q '<img src=x' "$T/hostile.html" &&
	pass "no markup of the candidate's is in the page unescaped" ||
	fail "no markup of the candidate's is in the page unescaped"
[ "$(grep -o '</script' "$T/hostile.html" | wc -l)" -eq 3 ] &&
	pass "the candidate's </script> closes no block" || fail "the candidate's </script> closes no block"
browser "$T/hostile.html" hostile "<script>alert(1)</script>"
is hostile 'd["dialogs"]' "[]" "no dialog fires"
is hostile 'd["requests"] == [d["url"]]' True "... no request is made"
is hostile 'd["console_errors"] + d["page_errors"] + d["csp"]' "[]" "... and nothing errs"
is hostile 'd["verdict"]' FAIL "the failing verdict is shown"
is hostile '"<script>alert(1)</script>\n</script>" in d["answers"]' True \
	"the answer reads literally, as the candidate wrote it"
is hostile 'd["playable"]' True "the terminal replay shows <script>alert(1)</script> literally"
is hostile '"</script><!-- <img src=x onerror=alert(2)>" in d["terminal"]' True \
	"... and </script><!-- too"
grep -q '<td class="mono">&lt;img src=x onerror=alert(3)&gt;</td>' "$T/hostile.html" &&
	pass "a chain entry that is no span id is shown as text" ||
	fail "a chain entry that is no span id is shown as text"

# ---- refusals: nothing is written ----
cp "$T/ref.ev" "$T/bad.ev"
printf 'X' | dd of="$T/bad.ev" bs=1 seek=2000 conv=notrunc 2>/dev/null
expect_exit 1 "a tampered evidence file is refused" \
	"$LABRUN" report "$T/bad.ev" -p "$T/issuer.pub" -o "$T/bad.html"
err_has "^labrun report: $T/bad.ev" "... naming the file"
check "... and no page is written" test ! -e "$T/bad.html"
"$LABRUN" keygen -p "$T/other.pub" -s "$T/other.key" >/dev/null
expect_exit 1 "evidence of another issuer is refused" \
	"$LABRUN" report "$T/ref.ev" -p "$T/other.pub" -o "$T/other.html"
check "... and no page is written" test ! -e "$T/other.html"
expect_exit 3 "a page that cannot be written is a host error" \
	"$LABRUN" report "$T/ref.ev" -p "$T/issuer.pub" -o "$T/no/such/dir/r.html"
check "... and nothing is left there" test ! -e "$T/no/such/dir"
mkdir -p "$T/bare/bin"
cp "$LABRUN" "$T/bare/bin/labrun"
expect_exit 3 "a labrun without its player is a host error" \
	"$T/bare/bin/labrun" report "$T/ref.ev" -p "$T/issuer.pub" -o "$T/bare.html"
err_has "asciinema-player.min.js .*$T/bare/bin/share/labrun/asciinema-player" "... naming where it looked"
err_has "hint: run make deps" "... and saying make deps"
check "... and no page is written" test ! -e "$T/bare.html"
mkdir -p "$T/bare/share/labrun/asciinema-player"
cp "$BUILD/share/labrun/asciinema-player/"* "$T/bare/share/labrun/asciinema-player/"
expect_exit 0 "installed, labrun finds the player in ../share/labrun" \
	"$T/bare/bin/labrun" report "$T/ref.ev" -p "$T/issuer.pub" -o "$T/bare.html"
cmp -s "$T/bare.html" "$T/ref.html" && pass "... and writes the same page (it is deterministic)" ||
	fail "... and writes the same page (it is deterministic)"
done_testing
