#!/bin/bash
# Twenty sessions at once on a 2-core machine: distinct outer ids, private
# /tmp and /dev/shm, separate SysV IPC, no session sees another's files or
# processes, and every one of them ends with valid evidence.
. "$(dirname "$0")/../lib.sh"
make_keys
S=$T/scn
make_scenario "$S"
cat >"$T/probe.sh" <<'SH'
#!/bin/bash
me=$(cat ~/answers/me 2>/dev/null || echo "$$")
touch /tmp/mark-$me /dev/shm/mark-$me
ipcmk -M 4096 >/dev/null 2>&1
sleep 2
{
	echo "outer $(awk '{print $2}' /proc/self/uid_map)"
	echo "tmp $(ls /tmp | wc -l)"
	echo "shm $(ls /dev/shm | wc -l)"
	echo "ipc $(ipcs -m | grep -c '^0x')"
	echo "procs $(ls /proc | grep -c '^[0-9]')"
} > ~/answers/report.txt
SH
N=20
host_ipc_before=$(ipcs -m | grep -c '^0x')
for i in $(seq $N); do
	"$LABRUN" run "$S" --key "$T/issuer.key" --candidate "c$i" --script "$T/probe.sh" \
		-o "$T/ev$i" >"$T/out$i" 2>&1 &
done
wait
bad=0 outers=""
for i in $(seq $N); do
	if ! "$LABRUN" verify "$T/ev$i" -p "$T/issuer.pub" >/dev/null 2>&1; then
		bad=$((bad + 1)); sed 's/^/# '"$i"': /' "$T/out$i"; continue
	fi
	member "$T/ev$i" answers/report.txt >"$T/r$i"
	outers="$outers $(awk '/^outer/ {print $2}' "$T/r$i")"
	grep -qx 'tmp 1' "$T/r$i" && grep -qx 'shm 1' "$T/r$i" && grep -qx 'ipc 1' "$T/r$i" || {
		bad=$((bad + 1)); sed 's/^/# '"$i"': /' "$T/r$i"; }
done
[ "$bad" -eq 0 ] && pass "all $N concurrent sessions produced valid evidence and saw only their own /tmp, /dev/shm and IPC" ||
	fail "$bad of $N sessions failed or saw another's files"
n=$(echo $outers | tr ' ' '\n' | sort -u | grep -vc '^0$')
[ "$n" -eq "$N" ] && pass "$N sessions had $N distinct outer id ranges" || fail "distinct outer id ranges: $n of $N"
[ "$(ipcs -m | grep -c '^0x')" -eq "$host_ipc_before" ] &&
	pass "no SysV segment made in a session outlives it on the host" ||
	fail "no SysV segment made in a session outlives it on the host"
[ -z "$(leftovers)" ] && pass "nothing of the sessions remains" || fail "nothing of the sessions remains"
done_testing
