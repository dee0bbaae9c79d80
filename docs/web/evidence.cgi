#!/bin/sh
# evidence.cgi: a web candidate's latest evidence bundle, as a download
# (docs/operators.md, "Candidates in a browser").  fcgiwrap runs it, for
# nginx alone, as root: it runs `labrun exam` with the verb evidence for
# REMOTE_USER, the user nginx authenticated (a request's headers reach a
# CGI only as HTTP_*, never as REMOTE_USER).  LABRUN_BIN and LABRUN_CONFIG
# come from nginx's configuration (fastcgi_param), not from the request.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
labrun=${LABRUN_BIN:-/usr/local/bin/labrun}
config=${LABRUN_CONFIG:-/etc/labrun/labrun.conf}
out=$(mktemp) || exit 1
trap 'rm -f "$out" "$out.err"' EXIT
if SSH_ORIGINAL_COMMAND=evidence "$labrun" exam --candidate "${REMOTE_USER:-}" \
	--config "$config" >"$out" 2>"$out.err"; then
	printf 'Content-Type: application/x-tar\r\n'
	printf 'Content-Disposition: attachment; filename="evidence.tar"\r\n'
	printf 'Content-Length: %s\r\n\r\n' "$(stat -c %s "$out")"
	cat "$out"
else
	# nothing yet is the candidate's 404; a name that is no candidate id
	# is a bad request; anything else (the configuration, the disk) is
	# the host's, never passed off as "nothing to fetch"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "no evidence for" "$out.err"; then
		printf 'Status: 404 Not Found\r\n'
	elif [ "$rc" -eq 2 ]; then
		printf 'Status: 400 Bad Request\r\n'
	else
		printf 'Status: 500 Internal Server Error\r\n'
	fi
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
	cat "$out.err"
fi
