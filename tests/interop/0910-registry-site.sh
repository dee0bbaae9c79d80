#!/bin/bash
# 0910-registry-site: `labrun registry publish` writes a static site that
# Debian's nginx (the recipe of docs/registry.md, started here on a free
# loopback port with its own configuration) and `python3 -m http.server`
# serve as they are, and whose pages verify in headless Chromium
# (puppeteer-core, tests/interop/0910-registry-site.js) with nothing from
# another origin: four credentials of real `labrun run --registry`
# sessions, one left valid, one revoked, one suspended, one whose
# published JSON is tampered with; the valid one read again with the
# page's clock two years on (expired), and a fifth whose scenario title is
# markup, shown as text.  Each page's conclusion is read
# from the DOM (data-verdict), with no console error, no CSP violation and
# no request elsewhere; the screenshots are kept in $BUILD/site-*.png.
# Publishing is checked too: refusals (a credential outside the registry,
# the wrong key, a bad manifest), the files and what they must not show
# (no index, no paths in the manifest), incremental and idempotent writes
# (mtimes), the page of a credential no longer published removed while
# files publish did not write stay, a key rotation (pages of the old key
# still valid) and that key's compromise (its pages now invalid), and a
# base URL with a path.
. "$(dirname "$0")/../lib.sh"
NM=$TOP/tests/node/node_modules
for t in nginx /usr/bin/chromium node curl python3; do
	command -v "$t" >/dev/null || { fail "$t is not installed (make deps)"; done_testing; exit 1; }
done
[ -d "$NM/puppeteer-core" ] || { fail "puppeteer-core is not in tests/node (make deps)"; done_testing; exit 1; }
cleanup() {
	[ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	[ -n "${HTTP_PID:-}" ] && kill "$HTTP_PID" 2>/dev/null && wait "$HTTP_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
py() { python3 -c "$@"; }
free_port() { py 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

make_keys || { fail "keygen"; done_testing; exit 1; }
S=$T/scn
make_scenario "$S"
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/v1.lab" >/dev/null || fail "pack"
REG=$T/reg
BASE=https://certs.example.org
run "$LABRUN" registry init "$REG" --key "$T/issuer.key" --base-url "$BASE"
[ "$rc" -eq 0 ] && pass "registry init" || { fail "registry init (exit $rc)"; sed 's/^/# /' "$ERR"; done_testing; exit 1; }
runit() { # CANDIDATE OUT [more]
	local c=$1 o=$2
	shift 2
	run timeout -k 5 120 "$LABRUN" run "$T/v1.lab" --trust "$T/author.pub" \
		--key "$T/issuer.key" --candidate "$c" --script "$S/solutions/reference.sh" -o "$o" "$@"
	[ "$rc" -eq 0 ] || { fail "labrun run $c (exit $rc)"; sed 's/^/# /' "$ERR"; }
}
mkdir -p "$T/ev" "$T/pub" "$T/other"
for c in ann ben cat dan; do
	runit "$c" "$T/ev/$c.ev" --registry "$REG"
done
runit eve "$T/ev/eve.ev"
# a scenario whose title is markup: the page must show it as text
S2=$T/scn2
make_scenario "$S2" t-markup
scenario_set "$S2" title '"<img src=x onerror=alert(1)><b>bold</b>"'
"$LABRUN" pack "$S2" -s "$T/author.key" -o "$T/markup.lab" >/dev/null || fail "pack the markup scenario"
run timeout -k 5 120 "$LABRUN" run "$T/markup.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
	--candidate fay --script "$S2/solutions/reference.sh" -o "$T/ev/fay.ev" --registry "$REG"
[ "$rc" -eq 0 ] || { fail "labrun run fay (exit $rc)"; sed 's/^/# /' "$ERR"; }
# DIR: ann as her evidence file, the others as credential JSON
cp "$T/ev/ann.ev" "$T/pub/ann.ev"
for c in ben cat dan fay; do member "$T/ev/$c.ev" credential.json >"$T/pub/$c.json"; done
member "$T/ev/eve.ev" credential.json >"$T/other/eve.json"
idof() { py 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$1"; }
member "$T/ev/ann.ev" credential.json >"$T/ann.json"
ANN=$(idof "$T/ann.json") BEN=$(idof "$T/pub/ben.json") CAT=$(idof "$T/pub/cat.json") DAN=$(idof "$T/pub/dan.json") FAY=$(idof "$T/pub/fay.json")
SITE=$T/site
publish() { run "$LABRUN" registry publish --registry "$REG" --key "$T/issuer.key" "$@"; }

# --- refusals ------------------------------------------------------------
run "$LABRUN" registry publish --help
[ "$rc" -eq 0 ] && grep -q '^usage: labrun registry publish --registry REG --credentials DIR' "$OUT" &&
	pass "registry publish --help: its own usage" || fail "registry publish --help (exit $rc)"
run "$LABRUN" registry --help
grep -q "labrun registry publish --help" "$OUT" && pass "registry --help points to it" || fail "registry --help points to it"
publish --credentials "$T/pub"
[ "$rc" -eq 2 ] && pass "publish without -o: usage error (exit 2)" || fail "publish without -o (exit $rc)"
rm -rf "$SITE"
cp "$T/other/eve.json" "$T/pub/eve.json"
publish --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 1 ] && pass "a credential issued without the registry: refused (exit 1)" || fail "a credential outside the registry (exit $rc)"
err_has "eve.json: credential urn:labrun:credential:sha256:[0-9a-f]{64} is not in the registry's log" "... naming the file and the credential"
[ ! -e "$SITE/c" ] && pass "... and no page written" || fail "... and no page written"
rm -f "$T/pub/eve.json"
echo "to do: publish the rest" >"$T/pub/notes.txt"
publish --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 1 ] && pass "a file that is no credential: refused (exit 1)" || fail "a file that is no credential (exit $rc)"
err_has "notes.txt: neither a credential \(a \.json file\) nor evidence that verifies under the registry's keys" "... naming it"
rm -f "$T/pub/notes.txt"
publish --credentials "$T/pub" -o "$SITE" --base-url https://elsewhere.example.org
[ "$rc" -eq 2 ] && pass "--base-url other than the registry's: usage error" || fail "--base-url other than the registry's (exit $rc)"
err_has "the registry's base URL is https://certs.example.org" "... naming the registry's"
run "$LABRUN" registry publish --registry "$REG" --key "$T/author.key" --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 1 ] && pass "a key that is not the registry's current key: refused (exit 1)" || fail "the wrong key (exit $rc)"

# --- the site --------------------------------------------------------------
publish --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 0 ] && pass "publish (exit 0)" || { fail "publish (exit $rc)"; sed 's/^/# /' "$ERR"; }
grep -q "published 5 credentials to $SITE: 16 files written, 0 unchanged, 0 removed" "$OUT" &&
	pass "... 5 credentials, 16 files" || { fail "... 5 credentials, 16 files"; sed 's/^/# /' "$OUT"; }
for f in .well-known/did.json status/revocation.json status/suspension.json robots.txt; do
	[ -f "$SITE/$f" ] && pass "$f written" || fail "$f written"
done
[ "$(cat "$SITE/robots.txt")" = "$(printf 'User-agent: *\nDisallow: /c/')" ] && pass "robots.txt keeps crawlers off the pages" || fail "robots.txt"
[ "$(ls "$SITE/c" | wc -l)" = 5 ] && pass "one directory per credential" || fail "one directory per credential"
check "no index of the credentials: nothing but c/TOKEN/ below c/, no page at the root" py 'import os, re, sys
s = sys.argv[1]
assert not os.path.exists(s + "/index.html") and not os.path.exists(s + "/c/index.html")
assert all(re.fullmatch("[0-9a-f]{32}", n) for n in os.listdir(s + "/c")), os.listdir(s + "/c")' "$SITE"
check "the manifest names no path and no token" sh -c "! grep -qE 'c/|index.html|credential.json|$(ls "$SITE/c" | head -1)' '$SITE/.labrun-site.json'"
[ "$(stat -c %a "$REG/site.key")" = 600 ] && pass "REG/site.key is the registry's, mode 600" || fail "REG/site.key mode"
chmod 644 "$REG/site.key"
publish --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 1 ] && pass "a site key readable by others: refused (exit 1)" || fail "a site key readable by others (exit $rc)"
err_has "site.key: readable by others; hint: chmod 600" "... with the fix"
chmod 600 "$REG/site.key"
# which directory holds which credential (as a program reads the JSON)
tok() { for d in "$SITE"/c/*/; do [ "$(idof "$d/credential.json")" = "$1" ] && basename "$d"; done; }
TA=$(tok "$ANN") TB=$(tok "$BEN") TC=$(tok "$CAT") TD=$(tok "$DAN") TF=$(tok "$FAY")
[ -n "$TA" ] && [ -n "$TB" ] && [ -n "$TC" ] && [ -n "$TD" ] && [ -n "$TF" ] && pass "each credential has its page" || fail "each credential has its page"
check "the token is no plain hash of the id" sh -c "[ '$TA' != \"\$(printf %s '$ANN' | sha256sum | cut -c1-32)\" ] && [ '$TA' != \"\$(printf %s '$ANN' | cut -c30-61)\" ]"
cmp -s "$T/ann.json" "$SITE/c/$TA/credential.json" && pass "an evidence file's credential.json is published as it is" || fail "ann's credential.json"
cmp -s "$T/pub/ben.json" "$SITE/c/$TB/credential.json" && pass "a credential file is published as it is" || fail "ben's credential.json"
check "the page: a strict CSP (the script by its hash), script and style same-origin files checked by integrity, nothing from elsewhere" python3 - "$SITE" "$TA" <<'PY'
import base64, hashlib, os, re, sys
site, tok = sys.argv[1], sys.argv[2]
h = open(os.path.join(site, "c", tok, "index.html")).read()
csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', h).group(1)
assert csp.startswith("default-src 'none';"), csp
for d in ("style-src 'self'", "connect-src 'self'"):
    assert d in csp, (d, csp)
js = re.search(r'<script src="[^"]+" integrity="([^"]+)"', h).group(1)
assert "script-src '%s';" % js in csp, (js, csp)  # that one script and no other
assert "<style" not in h and not re.search(r"<script>", h), "inline code"
refs = re.findall(r'(?:src|href)="(\.\./\.\./assets/[^"]+)" integrity="([^"]+)"', h)
assert len(refs) == 2, refs
for ref, sri in refs:
    body = open(os.path.join(site, "c", tok, ref), "rb").read()
    assert sri == "sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode(), ref
assert not re.search(r'(src|href)="(https?:)?//', h), "a link elsewhere"
PY
run "$LABRUN" registry publish --registry "$REG" --key "$T/issuer.key" --credentials "$T/pub" -o "$SITE"
grep -q "0 files written, 16 unchanged, 0 removed" "$OUT" && pass "publish again: nothing written" || { fail "publish again: nothing written"; sed 's/^/# /' "$OUT"; }

# --- revoke, suspend, tamper ------------------------------------------------
run "$LABRUN" registry revoke "$BEN" --reason "a grader bug found later <script>alert(1)</script>" --registry "$REG" --key "$T/issuer.key"
[ "$rc" -eq 0 ] && pass "registry revoke ben" || { fail "registry revoke ben (exit $rc)"; sed 's/^/# /' "$ERR"; }
run "$LABRUN" registry suspend "$DAN" --reason "misconduct under review" --registry "$REG" --key "$T/issuer.key"
[ "$rc" -eq 0 ] && pass "registry suspend dan" || { fail "registry suspend dan (exit $rc)"; sed 's/^/# /' "$ERR"; }
mtimes() { py 'import os, sys, json
r = {}
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        p = os.path.join(d, f)
        r[os.path.relpath(p, sys.argv[1])] = os.stat(p).st_mtime_ns
print(json.dumps(r, sort_keys=True))' "$SITE"; }
before=$(mtimes)
sleep 1.1
publish --credentials "$T/pub" -o "$SITE"
grep -q "published 5 credentials to $SITE: 4 files written, 12 unchanged, 0 removed" "$OUT" &&
	pass "after revoke and suspend: the two lists and the two pages rewritten, nothing else" ||
	{ fail "after revoke and suspend: 4 files written"; sed 's/^/# /' "$OUT"; }
check "ann's and cat's files and the identity document kept their mtime" py 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
same = [k for k in a if a[k] == b.get(k)]
changed = sorted(k for k in a if a[k] != b.get(k))
want = sorted(["status/revocation.json", "status/suspension.json", "c/%s/index.html" % sys.argv[3], "c/%s/index.html" % sys.argv[4]])
assert changed == want, changed' "$before" "$(mtimes)" "$TB" "$TD"
check "the reason is in ben's page, escaped" sh -c "grep -q 'a grader bug found later &lt;script&gt;alert(1)&lt;/script&gt;' '$SITE/c/$TB/index.html' && ! grep -q '<script>alert' '$SITE/c/$TB/index.html'"
py 'import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["credentialSubject"]["result"][0]["value"] = "99.0"
open(p, "w").write(json.dumps(d, indent=2, sort_keys=True) + "\n")' "$SITE/c/$TC/credential.json"

# --- served by nginx, read in Chromium --------------------------------------
W=$T/web
mkdir -p "$W/tmp"
port=$(free_port)
sed -e "s|@DIR@|$W|g" -e "s|@PORT@|$port|g" -e "s|@SITE@|$SITE|g" \
	"$TOP/tests/interop/0910-registry-site.nginx.conf" >"$W/nginx.conf"
nginx -t -q -c "$W/nginx.conf" -e "$W/nginx.log" 2>"$ERR" && pass "nginx -t accepts the recipe" ||
	{ fail "nginx -t accepts the recipe"; sed 's/^/# /' "$ERR"; done_testing; exit 1; }
nginx -c "$W/nginx.conf" -e "$W/nginx.log" -g "daemon off;" >"$W/nginx.out" 2>&1 &
NGINX_PID=$!
ORIGIN=http://127.0.0.1:$port
for _ in $(seq 50); do curl -s -o /dev/null "$ORIGIN/robots.txt" && break; sleep 0.1; done
hdr() { curl -s -o /dev/null -D - "$ORIGIN$1" | tr -d '\r' | grep -i "^$2:" | head -1 | cut -d' ' -f2-; }
[ "$(hdr /status/revocation.json Cache-Control)" = "public, max-age=300" ] && pass "nginx: status lists cached 5 minutes" || fail "nginx: status list Cache-Control ($(hdr /status/revocation.json Cache-Control))"
[ "$(hdr /.well-known/did.json Cache-Control)" = "public, max-age=300" ] && pass "nginx: the identity document cached 5 minutes" || fail "nginx: did.json Cache-Control"
[ "$(hdr "/c/$TA/" Cache-Control)" = "public, max-age=86400" ] && pass "nginx: pages cached a day" || fail "nginx: page Cache-Control ($(hdr "/c/$TA/" Cache-Control))"
asset=$(cd "$SITE" && ls assets/verify-*.js)
[ "$(hdr "/$asset" Cache-Control)" = "public, max-age=31536000, immutable" ] && pass "nginx: the page's script, named by its content, cached for good" || fail "nginx: asset Cache-Control"
code() { curl -s -o /dev/null -w '%{http_code}' "$ORIGIN$1"; }
[ "$(code /.labrun-site.json)" = 404 ] && [ "$(code /c/)" != 200 ] && [ "$(code /)" = 404 ] &&
	pass "nginx: no manifest, no listing" || fail "nginx: no manifest, no listing"

SHOTS=${BUILD:-$TOP/build}
pages() { # ORIGIN PAGES-JSON OUT
	ORIGIN=$1 PAGES=$2 SHOTS=$SHOTS NODE_PATH=$NM node "$TOP/tests/interop/0910-registry-site.js" >"$3" 2>"$ERR"
}
later=$(py 'import datetime; print((datetime.datetime.utcnow() + datetime.timedelta(days=730)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
pages "$ORIGIN" "[[\"valid\",\"/c/$TA/\"],[\"revoked\",\"/c/$TB/\"],[\"suspended\",\"/c/$TD/\"],[\"tampered\",\"/c/$TC/\"],[\"expired\",\"/c/$TA/\",\"$later\"],[\"markup\",\"/c/$TF/\"]]" "$T/nginx.json"
[ $? -eq 0 ] && pass "Chromium read six pages from nginx" || { fail "Chromium read the pages"; sed 's/^/# /' "$ERR"; }
judge() { # OUT NAME VERDICT WORDS-REGEX
	check "$2: the page says $3" python3 - "$1" "$2" "$3" "$4" "$ANN" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))["pages"][sys.argv[2]]
assert d["verdict"] == sys.argv[3], (d["verdict"], d["words"])
assert re.search(sys.argv[4], d["words"]), d["words"]
assert not d["console_errors"] and not d["page_errors"] and not d["csp"], (d["console_errors"], d["page_errors"], d["csp"])
assert not d["foreign"], d["foreign"]
assert all(u.startswith(d["url"].split("/c/")[0] + "/") for u in d["requests"]), d["requests"]
PY
}
judge "$T/nginx.json" valid valid "has not been revoked or suspended"
judge "$T/nginx.json" revoked revoked 'revoked.*a grader bug found later <script>alert\(1\)</script>'
judge "$T/nginx.json" suspended suspended "suspended.*misconduct under review"
judge "$T/nginx.json" tampered invalid "changed after it was signed"
judge "$T/nginx.json" expired expired "expired on"
check "what the valid page certifies: holder, achievement, level, competencies, score, dates" python3 - "$T/nginx.json" "$T/ann.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["pages"]["valid"]["facts"]
c = json.load(open(sys.argv[2]))
assert f["Holder"].startswith(c["credentialSubject"]["id"].split(":")[-1]), f
assert f["Achievement"] == "A config file with a typo (version 1.0.0)", f
assert f["Level"] == "foundation" and f["Competencies"] == "testing", f
assert f["Score"] == "100.0%", f
assert f["Issued"] == c["validFrom"][:10] and f["Valid until"] == c["validUntil"][:10], f
assert "did:web:certs.example.org" in f["Issuer"], f
PY
judge "$T/nginx.json" markup valid "has not been revoked or suspended"
check "a title that is markup is shown as text, and no element of it made" python3 - "$T/nginx.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["pages"]["markup"]
assert p["facts"]["Achievement"] == "<img src=x onerror=alert(1)><b>bold</b> (version 1.0.0)", p["facts"]
assert p["title"].endswith("<img src=x onerror=alert(1)><b>bold</b>"), p["title"]
assert not any(u.endswith("/x") for u in p["requests"]), p["requests"]
PY
check "the valid page fetched both status lists and the identity document" python3 - "$T/nginx.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["pages"]["valid"]["requests"]
for p in ("/status/revocation.json", "/status/suspension.json", "/.well-known/did.json", "/credential.json"):
    assert any(u.endswith(p) for u in r), (p, r)
PY
for n in valid revoked suspended tampered expired markup; do
	[ -s "$SHOTS/site-$n.png" ] && echo "# screenshot: $SHOTS/site-$n.png"
done

# --- served by python3 -m http.server ----------------------------------------
hport=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$SITE" "$hport" >"$T/http.log" 2>&1 &
HTTP_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$hport/robots.txt" && break; sleep 0.1; done
SHOTS="" pages "http://127.0.0.1:$hport" "[[\"valid\",\"/c/$TA/\"],[\"revoked\",\"/c/$TB/\"],[\"tampered\",\"/c/$TC/\"]]" "$T/http.json"
[ $? -eq 0 ] && pass "Chromium read three pages from python3 -m http.server" || { fail "Chromium read the pages (http.server)"; sed 's/^/# /' "$ERR"; }
judge "$T/http.json" valid valid "has not been revoked or suspended"
judge "$T/http.json" revoked revoked "a grader bug"
judge "$T/http.json" tampered invalid "changed after it was signed"

# --- incremental: repair, remove, keep ----------------------------------------
echo "my notes" >"$SITE/c/NOTES.txt"
echo "<h1>certs</h1>" >"$SITE/index.html"
publish --credentials "$T/pub" -o "$SITE"
grep -q "1 file written, 15 unchanged, 0 removed" "$OUT" && pass "publish rewrites the tampered file, and only it" || { fail "publish rewrites the tampered file"; sed 's/^/# /' "$OUT"; }
cmp -s "$T/pub/cat.json" "$SITE/c/$TC/credential.json" && pass "... back to the issued bytes" || fail "... back to the issued bytes"
before=$(mtimes)
sleep 1.1
publish --credentials "$T/pub" -o "$SITE"
[ "$before" = "$(mtimes)" ] && grep -q "0 files written" "$OUT" && pass "the same publish again changes nothing (every mtime kept)" || fail "the same publish again changes nothing"
rm "$T/pub/dan.json"
publish --credentials "$T/pub" -o "$SITE"
grep -q "published 4 credentials to $SITE: 0 files written, 14 unchanged, 2 removed" "$OUT" && pass "dan left DIR: his two files removed" || { fail "dan left DIR"; sed 's/^/# /' "$OUT"; }
[ ! -e "$SITE/c/$TD" ] && pass "... and his directory" || fail "... and his directory"
check "the other files kept their mtime" py 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
gone = sorted(k for k in a if k not in b)
assert gone == ["c/%s/credential.json" % sys.argv[3], "c/%s/index.html" % sys.argv[3]], gone
assert all(a[k] == b[k] for k in b if k != ".labrun-site.json"), [k for k in b if a.get(k) != b[k]]' "$before" "$(mtimes)" "$TD"
[ "$(cat "$SITE/c/NOTES.txt")" = "my notes" ] && [ -f "$SITE/index.html" ] && pass "files publish did not write are left alone" || fail "files publish did not write are left alone"
[ "$(code "/c/$TD/")" = 404 ] && pass "nginx: dan's page is gone" || fail "nginx: dan's page is gone"
# a pass decided on review (labrun review): the page says so, and what
# the grader had said
"$LABRUN" keygen -p "$T/rev.pub" -s "$T/rev.key" >/dev/null
printf '#!/bin/sh\n: leaves the typo\n' >"$T/nothing.sh"
run timeout -k 5 120 "$LABRUN" run "$T/v1.lab" --trust "$T/author.pub" --key "$T/issuer.key" \
	--candidate gus --script "$T/nothing.sh" -o "$T/ev/gus.ev" --registry "$REG"
[ "$rc" -eq 1 ] && pass "gus's untouched session fails (exit 1)" || { fail "gus's session (exit $rc)"; sed 's/^/# /' "$ERR"; }
run "$LABRUN" review "$T/ev/gus.ev" -p "$T/issuer.pub" --key "$T/issuer.key" --reviewer "$T/rev.key" \
	--reviewers "$T/rev.pub" --decision pass --reason "the check misread a valid config" --valid-days 30 \
	--registry "$REG" -o "$T/ev/gus-r.ev"
[ "$rc" -eq 0 ] && pass "labrun review: pass" || { fail "labrun review (exit $rc)"; sed 's/^/# /' "$ERR"; }
member "$T/ev/gus-r.ev" credential.json >"$T/pub/gus.json"
publish --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 0 ] && pass "publish with the reviewed credential" || { fail "publish (exit $rc)"; sed 's/^/# /' "$ERR"; }
TG=$(tok "$(idof "$T/pub/gus.json")")
pages "$ORIGIN" "[[\"reviewed\",\"/c/$TG/\"]]" "$T/review.json"
[ $? -eq 0 ] && pass "Chromium read the reviewed credential's page" || { fail "Chromium read the reviewed page"; sed 's/^/# /' "$ERR"; }
judge "$T/review.json" reviewed valid "has not been revoked or suspended"
check "the reviewed page shows the decision, the reviewer's reason and the grader's verdict" python3 - "$T/review.json" <<'PY'
import json, re, sys
f = json.load(open(sys.argv[1]))["pages"]["reviewed"]["facts"]
d = f.get("Decided on review", "")
assert re.fullmatch(r'pass by reviewer key [0-9A-F]{16} at \S+Z \(the grader\'s verdict was fail, [0-9.]+%\): \u201cthe check misread a valid config\u201d', d), f
PY
rm "$T/pub/gus.json"
publish --credentials "$T/pub" -o "$SITE"
cp "$SITE/.labrun-site.json" "$T/manifest"
printf '{"schema": "labrun.site/1", "files": ["../../etc/passwd"]}\n' >"$SITE/.labrun-site.json"
publish --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 1 ] && pass "a manifest that is not publish's: refused (exit 1)" || fail "a bad manifest (exit $rc)"
err_has "\.labrun-site\.json: files\[0\] is not a SHA-256 hex; hint: move the manifest away" "... naming the file, the place and the fix"
cp "$T/manifest" "$SITE/.labrun-site.json"

# --- rotation and compromise, as the page sees them ---------------------------
"$LABRUN" keygen -p "$T/issuer2.pub" -s "$T/issuer2.key" >/dev/null
run "$LABRUN" registry rotate --registry "$REG" --key "$T/issuer.key" --new-key "$T/issuer2.key"
[ "$rc" -eq 0 ] && pass "registry rotate" || { fail "registry rotate (exit $rc)"; sed 's/^/# /' "$ERR"; }
publish --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 1 ] && pass "publish with the retired key: refused (exit 1)" || fail "publish with the retired key (exit $rc)"
run "$LABRUN" registry publish --registry "$REG" --key "$T/issuer2.key" --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 0 ] && [ ! -s "$ERR" ] && pass "publish with the new key: no page says invalid" || { fail "publish with the new key (exit $rc)"; sed 's/^/# /' "$ERR"; }
check "the lists are signed by the new key now" python3 - "$SITE/status/revocation.json" "$SITE/c/$TA/credential.json" <<'PY'
import json, sys
l, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert l["issuer"] != c["issuer"]["id"] and l["proof"]["verificationMethod"].startswith(l["issuer"]), (l["issuer"], c["issuer"])
PY
pages "$ORIGIN" "[[\"rotated\",\"/c/$TA/\"],[\"rotated-revoked\",\"/c/$TB/\"]]" "$T/rotated.json"
judge "$T/rotated.json" rotated valid "has not been revoked or suspended"
judge "$T/rotated.json" rotated-revoked revoked "a grader bug"
OLD=$("$LABRUN" registry check --registry "$REG" | awk '$1 == "key" && $3 == "retired" { print $2 }')
AT=$(py 'import json, sys; print(json.load(open(sys.argv[1]))["proof"]["created"])' "$T/ann.json")
run "$LABRUN" registry compromise "$OLD" --from "$AT" --registry "$REG" --key "$T/issuer2.key"
[ "$rc" -eq 0 ] && pass "registry compromise the old key from ann's signing time" || { fail "registry compromise (exit $rc)"; sed 's/^/# /' "$ERR"; }
run "$LABRUN" registry publish --registry "$REG" --key "$T/issuer2.key" --credentials "$T/pub" -o "$SITE"
[ "$rc" -eq 0 ] && pass "publish after the compromise (exit 0: the identity document must get out)" || fail "publish after the compromise (exit $rc)"
err_has "pages say the credential is not valid" "... saying which pages will say invalid"
err_has "ann.ev: signed at $AT by key $OLD, which is compromised from $AT" "... and why, ann's among them"
pages "$ORIGIN" "[[\"compromised\",\"/c/$TA/\"]]" "$T/compromised.json"
judge "$T/compromised.json" compromised invalid "marked compromised from"

# --- a base URL with a path: did:web:host:certs is /certs/did.json ------------
run "$LABRUN" registry init "$T/reg2" --key "$T/issuer.key" --base-url https://example.org/certs
mkdir -p "$T/none"
run "$LABRUN" registry publish --registry "$T/reg2" --key "$T/issuer.key" --credentials "$T/none" -o "$T/site2"
[ "$rc" -eq 0 ] && [ -f "$T/site2/did.json" ] && [ ! -e "$T/site2/.well-known" ] &&
	pass "a base URL with a path: did.json at the site's root" || fail "a base URL with a path (exit $rc)"
grep -qx 'Disallow: /certs/c/' "$T/site2/robots.txt" && pass "... and robots.txt names /certs/c/" || fail "... robots.txt"
done_testing
