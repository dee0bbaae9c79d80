#!/bin/bash
# HOSTILE.md V1: the candidate must not run code under a service's id.
# A scenario with a bash service and a python3 service (dynamically
# linked, both under a libfaketime clock fault, both restartable by the
# candidate) and a candidate who tries every route we know for changing
# what a service loads or execs: the loader's configuration, the name
# service's files, PATH directories, the service's scripts and their
# directories, python's import path, the services' home and logs, the
# shell's and python's start-up files.  Each write is refused, both
# services start again afterwards, and no planted code ran as a service.
# A control scenario whose service sources a file of the candidate's shows
# that the marker would be seen.  validate refuses scenarios that hand the
# candidate what a service reads as code or identity.
. "$(dirname "$0")/../lib.sh"

make_keys || { fail "keygen"; done_testing; exit 1; }
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

# svc_scenario DIR [HOOK]: make_scenario DIR with the two services; with
# HOOK, the bash service also sources the candidate's ~/hook.sh at start
# (the control: a hole an author could dig that validate cannot see).
svc_scenario() {
	local d=$1
	make_scenario "$d" t-svc
	mkdir -p "$d/system/srv/svc" "$d/system/srv/py" "$d/system/var/lib/svc"
	echo 0 >"$d/system/var/lib/svc/starts"
	echo 0 >"$d/system/var/lib/svc/pystarts"
	cat >"$d/system/srv/svc/run.sh" <<'SH'
#!/bin/bash
# counts its starts, runs programs, and sources its neighbour if present
echo $(($(cat /var/lib/svc/starts) + 1)) >/var/lib/svc/starts.new
mv /var/lib/svc/starts.new /var/lib/svc/starts
[ -f /srv/svc/extra.sh ] && . /srv/svc/extra.sh
SH
	[ -n "${2:-}" ] && echo '[ -f /home/candidate/hook.sh ] && . /home/candidate/hook.sh' >>"$d/system/srv/svc/run.sh"
	cat >>"$d/system/srv/svc/run.sh" <<'SH'
while :; do /usr/bin/id -u >/var/lib/svc/id.new; mv /var/lib/svc/id.new /var/lib/svc/id; /bin/true; sleep 0.1; done
SH
	cat >"$d/system/srv/py/main.py" <<'PY'
import json, os, subprocess, time
p = "/var/lib/svc/pystarts"
n = int(open(p).read()) + 1
open(p + ".new", "w").write(str(n) + "\n")
os.rename(p + ".new", p)
while True:
    subprocess.run(["/bin/true"])
    json.dumps({"alive": True})
    time.sleep(0.1)
PY
	python3 - "$d/scenario.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["services"] = [
    {"name": "bashsvc", "argv": ["/bin/bash", "/srv/svc/run.sh"],
     "owns": ["/var/lib/svc"], "restart": "on-request"},
    {"name": "pysvc", "argv": ["/usr/bin/python3", "/srv/py/main.py"],
     "owns": ["/var/lib/svc"], "restart": "on-request"},
]
j["faults"] = [{"id": "skew", "kind": "clock.offset", "offset_s": 60}]
json.dump(j, open(sys.argv[1], "w"), indent=2)
PY
}

# --- validate: what the candidate may be given ------------------------
S=$T/scn
svc_scenario "$S"
expect_exit 0 "validate accepts the scenario (the candidate owns /etc/app)" "$LABRUN" validate "$S"
owns_refused() { # JSON-LIST WANT DESCRIPTION
	local b=$T/bad
	rm -rf "$b" && cp -r "$S" "$b"
	mkdir -p "$b/system/etc/ld.so.conf.d" "$b/system/usr/local/bin" "$b/system/home/candidate"
	touch "$b/system/etc/ld.so.conf.d/x.conf" "$b/system/usr/local/bin/x" "$b/system/home/candidate/notes"
	python3 - "$b/scenario.json" "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["candidate_owns"] = json.loads(sys.argv[2])
json.dump(j, open(sys.argv[1], "w"))
PY
	run "$LABRUN" validate "$b"
	[ "$rc" -eq 1 ] && grep -q -- "$2" "$ERR" && pass "validate refuses candidate_owns $3" ||
		fail "validate refuses candidate_owns $3"
}
owns_refused '["/etc"]' 'would let the candidate write /etc/ld.so.preload' "/etc (the loader's configuration)"
owns_refused '["/etc/ld.so.conf.d"]' '/etc/ld.so.conf.d: the loader' "/etc/ld.so.conf.d"
owns_refused '["/etc/ld.so.conf.d/x.conf"]' '/etc/ld.so.conf.d' "a file beneath the loader's configuration"
owns_refused '["/usr/local/bin"]' 'write /usr' "a directory on a PATH"
owns_refused '["/srv/svc"]' 'what service "bashsvc" runs' "the directory of a service's script"
owns_refused '["/srv/py/main.py"]' 'what service "pysvc" runs' "a service's program"
owns_refused '["/srv"]' 'what service "bashsvc" runs' "a directory above a service's program"
owns_refused '["/var/lib/svc"]' 'which service "bashsvc" owns' "what a service owns"
owns_refused '["/var"]' 'which service "bashsvc" owns\|/var/lib/service' "a directory above what a service owns"
owns_refused '["/home/candidate/notes"]' "in the candidate's home" "the candidate's home"
owns_refused '["/opt/none"]' 'is not under system/' "a path the scenario does not lay in place"
owns_refused '["/"]' 'not an absolute path in the sandbox' "the root"

# --- the hostile candidate ---------------------------------------------
[ -r "$FAKETIME_LIB" ] || skip "libfaketime is not installed (make deps installs faketime)"
cat >"$T/hostile.sh" <<'SH'
#!/bin/bash
R=~/answers/routes.txt
# Only inside a confined session: the candidate's id, pid 1 hidden.
if [ "$(id -u)" != 1000 ] || [ -e /proc/1/cmdline ] || [ ! -d /opt/labrun/channel ]; then
	echo "confined no" >$R
	exit 1
fi
echo "confined yes" >$R
try() { # NAME COMMAND: refused or allowed, by the exit of the command
	local name=$1
	shift
	if (eval "$@") 2>/dev/null; then echo "$name allowed" >>$R; else echo "$name refused" >>$R; fi
}
# What planted code does if it ever runs as a service: a mark only the
# services' id can make.
cat >/tmp/evil.c <<'C'
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void)
{
	if (getuid() == 999)
		close(open("/var/lib/svc/PWNED", O_CREAT | O_WRONLY, 0644));
}
C
gcc -shared -fPIC -o ~/evil.so /tmp/evil.c 2>/dev/null && echo "compiled yes" >>$R || echo "compiled no" >>$R
PY='open("/var/lib/svc/PWNED", "w")'
SHELLMARK='touch /var/lib/svc/PWNED'
try ld.so.preload "echo $HOME/evil.so > /etc/ld.so.preload"
try ld.so.conf "echo $HOME >> /etc/ld.so.conf"
try ld.so.conf.d "mkdir -p /etc/ld.so.conf.d && echo $HOME > /etc/ld.so.conf.d/evil.conf"
try ld.so.cache "cp ~/evil.so /etc/ld.so.cache"
try nsswitch "echo 'passwd: evil files' > /etc/nsswitch.conf"
try passwd "echo 'service:x:999:999::/home/candidate:/bin/sh' >> /etc/passwd"
try group "echo 'candidate:x:999:' >> /etc/group"
try hosts "echo '127.0.0.1 evil' >> /etc/hosts"
try etc-new-file "touch /etc/environment"
try etc-python "mkdir -p /etc/python3.11 && echo '$PY' > /etc/python3.11/sitecustomize.py"
try bash.bashrc "echo '$SHELLMARK' > /etc/bash.bashrc"
try profile "echo '$SHELLMARK' > /etc/profile"
try faketimerc "echo '+0' > /etc/faketimerc"
try chmod-etc "chmod 777 /etc"
try path-usr-local-bin "printf '#!/bin/sh\n$SHELLMARK\n' > /usr/local/bin/id"
try path-usr-bin "cp /bin/true /usr/bin/evil"
try path-bin "cp /bin/true /bin/evil"
try opt-labrun "cp /bin/true /opt/labrun/bin/evil"
try service-script "echo '$SHELLMARK' >> /srv/svc/run.sh"
try service-neighbour "echo '$SHELLMARK' > /srv/svc/extra.sh"
try service-dir-move "mv /srv/svc /srv/svc.old"
try srv-new-dir "mkdir /srv/evil"
try py-shadow-json "echo '$PY' > /srv/py/json.py"
try py-sitecustomize "echo '$PY' > /srv/py/sitecustomize.py"
try py-main "echo '$PY' >> /srv/py/main.py"
try py-user-site "mkdir -p /var/lib/service/.local/lib/python3.11/site-packages && echo '$PY' > /var/lib/service/.local/lib/python3.11/site-packages/usercustomize.py"
try service-home "echo '$SHELLMARK' > /var/lib/service/.bashrc"
try service-log "echo x >> /var/log/labrun/bashsvc.log"
try service-state "touch /var/lib/svc/PWNED"
try root-dir "touch /sitecustomize.py"
try var-lib "mkdir /var/lib/evil"
try preload-symlink "ln -s ~/evil.so /etc/ld.so.preload"
# A sticky /tmp takes anything, and nothing there is on a service's path.
try tmp-python "echo '$PY' > /tmp/json.py && echo '$PY' > /tmp/sitecustomize.py"
# Both services start again and read everything afresh.
lab restart bashsvc >/dev/null 2>&1
lab restart pysvc >/dev/null 2>&1
for i in $(seq 60); do
	[ "$(cat /var/lib/svc/starts)" -ge 2 ] && [ "$(cat /var/lib/svc/pystarts)" -ge 2 ] && break
	sleep 0.1
done
sleep 0.5
echo "bash-starts $(cat /var/lib/svc/starts)" >>$R
echo "python-starts $(cat /var/lib/svc/pystarts)" >>$R
echo "service-id $(cat /var/lib/svc/id)" >>$R
[ -e /var/lib/svc/PWNED ] && echo "marked yes" >>$R || echo "marked no" >>$R
SH
session "$S" "$T/hostile.sh" "$T/h.ev"
[ "$rc" -eq 1 ] && pass "the session ran and was graded" || fail "the session ran and was graded (exit $rc)"
R=$T/routes.txt
report_of "$T/h.ev" routes.txt "$R"
expect_line "$R" confined yes
if grep -qx "compiled yes" "$R"; then pass "a preload library was built in the sandbox"; else
	skip "no C compiler in the sandbox: the library routes are tried without a library"; fi
for route in ld.so.preload ld.so.conf ld.so.conf.d ld.so.cache nsswitch passwd group \
	hosts etc-new-file etc-python bash.bashrc profile faketimerc chmod-etc \
	path-usr-local-bin path-usr-bin path-bin opt-labrun service-script \
	service-neighbour service-dir-move srv-new-dir py-shadow-json \
	py-sitecustomize py-main py-user-site service-home service-log service-state \
	root-dir var-lib preload-symlink; do
	expect_line "$R" "$route" refused
done
expect_line "$R" tmp-python allowed
expect_line "$R" bash-starts 2
expect_line "$R" python-starts 2
expect_line "$R" service-id 999
expect_line "$R" marked no
member "$T/h.ev" manifest.json >"$T/m.json"
grep -q '"kind": "clock.offset"' "$T/m.json" && grep -q 'libfaketime' "$T/m.json" &&
	pass "the services ran under libfaketime's preload (the clock fault)" ||
	fail "the services ran under libfaketime's preload (the clock fault)"
! tar -tf "$T/h.ev" | grep -q 'changes/var/lib/svc/PWNED' &&
	pass "nothing in the evidence was made by the candidate's code as a service" ||
	fail "nothing in the evidence was made by the candidate's code as a service"
session_ends_clean "$T/h.ev" "V1"

# --- the control: a hole the author made is seen ------------------------
C=$T/control
svc_scenario "$C" hook
cat >"$T/control.sh" <<'SH'
#!/bin/bash
echo 'touch /var/lib/svc/PWNED' > ~/hook.sh
chmod 644 ~/hook.sh
lab restart bashsvc >/dev/null 2>&1
for i in $(seq 40); do [ -e /var/lib/svc/PWNED ] && break; sleep 0.1; done
[ -e /var/lib/svc/PWNED ] && echo "marked yes" > ~/answers/routes.txt || echo "marked no" > ~/answers/routes.txt
SH
session "$C" "$T/control.sh" "$T/c.ev"
report_of "$T/c.ev" routes.txt "$T/c.txt"
expect_line "$T/c.txt" marked yes
done_testing
