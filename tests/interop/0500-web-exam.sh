#!/bin/bash
# The web exam recipe of docs/operators.md ("Candidates in a browser"):
# Debian's nginx terminates TLS and checks each candidate's password
# (basic auth, one htpasswd line per candidate), then hands the page to
# Debian's shellinabox over a unix socket only nginx can open; shellinabox
# runs `labrun exam --candidate ${realip}`, the X-Real-IP header that nginx
# sets to the authenticated user, whatever the browser sent.  Headless
# Chromium (puppeteer-core) is the candidate: alice reads the brief, runs
# lab time, fixes, submits, while bob starts, writes an answer and closes
# his tab; both evidence bundles verify, each under its candidate's name,
# and bob's is graded as it stood with ended_by hangup.  The test's nginx
# and shellinaboxd listen on loopback and a socket in its own directory;
# only their pids are stopped at the end.
. "$(dirname "$0")/../lib.sh"
NM=$TOP/tests/node/node_modules
for t in shellinaboxd nginx fcgiwrap /usr/bin/chromium node openssl curl setpriv; do
	command -v "$t" >/dev/null || { fail "$t is not installed (make deps)"; done_testing; exit 1; }
done
[ -d "$NM/puppeteer-core" ] || { fail "puppeteer-core is not in tests/node (make deps)"; done_testing; exit 1; }
id www-data >/dev/null 2>&1 || { fail "no www-data account (Debian's nginx makes it)"; done_testing; exit 1; }
make_keys
S=$T/scn
make_scenario "$S"
# longer than the ~90 s shellinabox takes to notice a closed tab, so that
# the hangup, not the clock, ends bob's exam
scenario_set "$S" time_limit_s 300
"$LABRUN" pack "$S" -s "$T/author.key" -o "$T/exam.lab" >/dev/null || fail "pack the exam"
W=$T/web
mkdir -p "$W/tmp" && chmod 711 "$W"
cleanup() {
	# nginx's master first (its workers follow), then shellinaboxd: its
	# process group is the test's own (setsid below), and the sessions it
	# still runs (none, when the test passes) get a hangup from their pty.
	[ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null
	[ -n "${SIAB_PID:-}" ] && kill -- "-$SIAB_PID" 2>/dev/null
	[ -n "${FCGI_PID:-}" ] && kill -- "-$FCGI_PID" 2>/dev/null
	[ -n "${FCGI_PID:-}" ] && wait "$FCGI_PID" 2>/dev/null
	[ -n "${NGINX_PID:-}" ] && wait "$NGINX_PID" 2>/dev/null
	[ -n "${SIAB_PID:-}" ] && wait "$SIAB_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cat >"$T/labrun.conf" <<EOF
trust = $T/author.pub
key = $T/issuer.key
exam_bundle = $T/exam.lab
evidence_dir = $T/evidence
state_dir = $LABRUN_STATE_DIR
spool_dir = $LABRUN_SPOOL_DIR
EOF

# TLS: a certificate for localhost, made here; curl checks it for real.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$W/tls.key" -out "$W/tls.crt" 2>"$ERR" || fail "openssl makes the certificate"
chmod 600 "$W/tls.key"
# One line per candidate; nginx's workers (www-data) read it, nobody else.
{
	printf 'alice:%s\n' "$(openssl passwd -6 alice-pw)"
	printf 'bob:%s\n' "$(openssl passwd -6 bob-pw)"
	printf 'carol:%s\n' "$(openssl passwd -6 carol-pw)"
	# an operator's slip: a name that is no candidate id (a path)
	printf '../bob:%s\n' "$(openssl passwd -6 slip-pw)"
} >"$W/htpasswd"
chgrp www-data "$W/htpasswd" && chmod 640 "$W/htpasswd"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|@DIR@|$W|g" -e "s|@PORT@|$port|g" -e "s|@SOCKET@|$W/siab.sock|g" \
	-e "s|@CGI@|$TOP/docs/web/evidence.cgi|g" -e "s|@LABRUN@|$LABRUN|g" \
	-e "s|@CONFIG@|$T/labrun.conf|g" \
	"$TOP/tests/interop/web/nginx.conf" >"$W/nginx.conf"
nginx -t -q -c "$W/nginx.conf" -e "$W/nginx.log" 2>"$ERR" || { fail "nginx -t accepts the recipe's configuration"; done_testing; exit 1; }

# The recipe's service line, with the test's labrun and configuration.
setsid shellinaboxd --unixdomain-only="$W/siab.sock:www-data:www-data:0600" \
	--disable-ssl --disable-ssl-menu --no-beep --quiet \
	--service "/:root:root:/:SSH_ORIGINAL_COMMAND=take $LABRUN exam --candidate \${realip} --config $T/labrun.conf" \
	>"$W/siab.log" 2>&1 &
SIAB_PID=$!
# The evidence download: fcgiwrap as root, for the one script, on a
# socket in a directory only root and www-data (nginx's workers) enter.
mkdir -p "$W/fcgi" && chgrp www-data "$W/fcgi" && chmod 710 "$W/fcgi"
(umask 0 && exec setsid fcgiwrap -s "unix:$W/fcgi/sock" -p "$TOP/docs/web/evidence.cgi") >"$W/fcgi.log" 2>&1 &
FCGI_PID=$!
nginx -c "$W/nginx.conf" -e "$W/nginx.log" -g "daemon off;" >"$W/nginx.out" 2>&1 &
NGINX_PID=$!
URL=https://localhost:$port/
for _ in $(seq 50); do
	[ -S "$W/siab.sock" ] && [ -S "$W/fcgi/sock" ] && curl -s -o /dev/null --cacert "$W/tls.crt" "$URL" && break
	sleep 0.1
done

# The way in: TLS that verifies, a password per candidate, no way around.
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$W/tls.crt" "$@"; }
[ "$(code "$URL")" = 401 ] && pass "no password: 401" || fail "no password: 401 ($(code "$URL"))"
[ "$(code -u alice:bob-pw "$URL")" = 401 ] && pass "another candidate's password: 401" ||
	fail "another candidate's password: 401"
run curl -s --cacert "$W/tls.crt" -u alice:alice-pw "$URL"
[ "$rc" -eq 0 ] && grep -q "ShellInABox.js" "$OUT" && pass "alice's password over verified TLS: the terminal page" ||
	fail "alice's password over verified TLS: the terminal page (curl exit $rc)"
run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/"
[ "$(cat "$OUT")" != 200 ] && pass "plain http on the TLS port: no page ($(cat "$OUT"))" ||
	fail "plain http on the TLS port: no page"
[ "$(stat -c '%U %a' "$W/siab.sock")" = "www-data 600" ] && pass "the terminal's socket: www-data, 0600" ||
	fail "the terminal's socket: www-data, 0600 ($(stat -c '%U %a' "$W/siab.sock"))"
run setpriv --reuid=nobody --regid=nogroup --clear-groups \
	curl -s -o /dev/null -w '%{http_code}' --unix-socket "$W/siab.sock" http://x/
[ "$(cat "$OUT")" = 000 ] && pass "another local user cannot reach the terminal around nginx" ||
	fail "another local user cannot reach the terminal around nginx (got $(cat "$OUT"))"
run setpriv --reuid=nobody --regid=nogroup --clear-groups test -w "$W/fcgi/sock"
[ "$rc" -ne 0 ] && [ -S "$W/fcgi/sock" ] && pass "nor the evidence download's fcgiwrap" ||
	fail "nor the evidence download's fcgiwrap"
run curl -s -w '%{http_code}' --cacert "$W/tls.crt" -u carol:carol-pw "${URL}evidence.tar"
grep -q "no evidence for carol yet" "$OUT" && grep -q '404$' "$OUT" &&
	pass "evidence.tar before any attempt: 404, no evidence for carol yet" ||
	fail "evidence.tar before any attempt: 404, no evidence for carol yet"

# A user whose name is no candidate id gets labrun's refusal in the
# terminal, not an exam: shellinabox's own protocol, spoken with curl (the
# first request opens the terminal, the next ones read it).
post() {
	curl -s --cacert "$W/tls.crt" -u ../bob:slip-pw -d width=80 -d height=24 "$@" "$URL"
}
key=$(post | sed -n 's/.*"session":"\([^"]*\)".*/\1/p')
: >"$T/replies"
for _ in $(seq 20); do
	post --data-urlencode "session=$key" >>"$T/replies" || break
	echo >>"$T/replies"
	# the screen: the replies' data, joined
	python3 -c 'import json, sys
print("".join(json.loads(l).get("data", "") for l in open(sys.argv[1]) if l.startswith("{")))' \
		"$T/replies" >"$OUT"
	grep -q "letters, digits" "$OUT" && break
done
# (labrun shows the '/' of a refused id as '-')
grep -q -- "--candidate \.\..bob: letters, digits" "$OUT" && [ ! -e "$T/bob" ] &&
	pass "a user name that is no candidate id: refused by labrun exam, in the terminal" ||
	fail "a user name that is no candidate id: refused by labrun exam, in the terminal"

browser() { # NAME MODE USER PASSWORD [SPOOF]
	NODE_PATH=$NM URL=$URL MODE=$2 WEB_USER=$3 WEB_PASSWORD=$4 SPOOF=${5:-} \
		SCREENSHOT=$T/$1.png SCREEN=$T/$1.screen \
		timeout -k 5 90 node "$TOP/tests/interop/web/exam.js" >"$T/$1.steps" 2>&1
}
steps() { # NAME STEP...: each step was reached
	local s
	for s in "${@:2}"; do
		grep -qx "reached $s" "$T/$1.steps" && pass "$1 in Chromium: $s" || {
			fail "$1 in Chromium: $s"
			sed 's/^/#   /' "$T/$1.steps" | head -40
		}
	done
}

# bob closes his tab mid-exam while alice takes hers to the end.
browser bob close bob bob-pw &
BOB=$!
browser alice submit alice alice-pw bob
steps alice brief screenshot prompt lab-time exam-over
[ -s "$T/alice.png" ] && [ "$(head -c 8 "$T/alice.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] &&
	pass "a screenshot of the brief in the browser" || fail "a screenshot of the brief in the browser"
grep -q "Fix the config" "$T/alice.screen" && grep -q "left of" "$T/alice.screen" &&
	pass "the terminal showed the brief and lab time" || fail "the terminal showed the brief and lab time"
E=$T/evidence
expect_exit 0 "alice's evidence verifies" "$LABRUN" verify "$E/alice/attempt-1.tar" -p "$T/issuer.pub"
[ "$(manifest_value "$E/alice/attempt-1.tar" verdict)" = pass ] &&
	pass "alice passed, typing in the browser" || fail "alice passed ($(manifest_value "$E/alice/attempt-1.tar" verdict))"
[ "$(manifest_value "$E/alice/attempt-1.tar" ended_by)" = submit ] &&
	pass "alice's exam ended by lab submit" || fail "alice's exam ended by lab submit"
wait "$BOB"
steps bob brief prompt lab-time answer-written tab-closed
# Until then his attempt runs: a new tab is refused, not a second attempt
# that would take the same number and replace his evidence.
browser bob-again again bob bob-pw
steps bob-again refused
SSH_ORIGINAL_COMMAND=take "$LABRUN" exam --candidate bob --config "$T/labrun.conf" </dev/null >"$OUT" 2>"$ERR"
rc=$?
[ "$rc" -eq 1 ] && grep -q "bob: an attempt of yours is still running" "$ERR" &&
	pass "labrun exam refuses bob a second attempt while the first runs (exit 1)" ||
	fail "labrun exam refuses bob a second attempt while the first runs (exit $rc)"
# shellinabox notices a closed tab when its browser stops polling: the
# pending request lapses after 45 s, the session after 45 s more.
for _ in $(seq 1500); do [ -e "$E/bob/attempt-1.tar" ] && break; sleep 0.1; done
closed=$(sed -n 's/^closed-at //p' "$T/bob.steps")
[ -n "$closed" ] && echo "# bob's session ended $(( $(date +%s%3N) - closed )) ms after his tab closed"
expect_exit 0 "bob's evidence verifies" "$LABRUN" verify "$E/bob/attempt-1.tar" -p "$T/issuer.pub"
[ "$(manifest_value "$E/bob/attempt-1.tar" ended_by)" = hangup ] &&
	pass "the closed tab: graded as it stood, ended_by hangup" ||
	fail "the closed tab: ended_by hangup ($(manifest_value "$E/bob/attempt-1.tar" ended_by))"
member "$E/bob/attempt-1.tar" answers/cause.txt 2>/dev/null | grep -qx typo &&
	pass "bob's answer, typed before the tab closed, is in his evidence" || fail "bob's answer is in his evidence"
# Who is who: nginx's user, never the header alice's browser sent.
[ "$(ls "$E")" = "$(printf 'alice\nbob')" ] && [ "$(ls "$E/alice")" = attempt-1.tar ] &&
	pass "one attempt each, under the names nginx authenticated (alice sent X-Real-IP: bob)" ||
	fail "one attempt each, under the authenticated names ($(cd "$E" && echo */*))"
pa=$(manifest_value "$E/alice/attempt-1.tar" pseudonym)
pb=$(manifest_value "$E/bob/attempt-1.tar" pseudonym)
[ -n "$pa" ] && [ -n "$pb" ] && [ "$pa" != "$pb" ] && pass "two candidates, two pseudonyms ($pa, $pb)" ||
	fail "two candidates, two pseudonyms ('$pa', '$pb')"
# The dropped attempt is fetchable as over ssh: the exam account's verb.
SSH_ORIGINAL_COMMAND=evidence "$LABRUN" exam --candidate bob --config "$T/labrun.conf" >"$T/bob.tar" 2>"$ERR"
cmp -s "$T/bob.tar" "$E/bob/attempt-1.tar" && pass "labrun exam's evidence verb hands bob his bundle" ||
	fail "labrun exam's evidence verb hands bob his bundle"
# ... and in the browser's way, as a download over the same TLS and
# password; a Remote-User header of alice's reaches the script only as
# HTTP_REMOTE_USER.
for who in bob alice; do
	run curl -s -f --cacert "$W/tls.crt" -u "$who:$who-pw" -H "Remote-User: carol" \
		-o "$T/$who-web.tar" -D "$T/$who.headers" "${URL}evidence.tar"
	[ "$rc" -eq 0 ] && cmp -s "$T/$who-web.tar" "$E/$who/attempt-1.tar" &&
		grep -qi '^content-disposition: attachment' "$T/$who.headers" &&
		pass "https://.../evidence.tar hands $who their own bundle" ||
		fail "https://.../evidence.tar hands $who their own bundle (curl exit $rc)"
done
expect_exit 0 "the downloaded evidence verifies" "$LABRUN" verify "$T/bob-web.tar" -p "$T/issuer.pub"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
