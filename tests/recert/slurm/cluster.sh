# cluster.sh: sourced by the Slurm test and the bench.  A single-node Slurm
# cluster on 127.0.0.1 from Debian's packages, without systemd: munged,
# slurmctld and slurmd run as plain child processes of the caller's shell,
# with their configuration, state, spool, logs and munge socket under one
# directory, on ports found free.  Every function sets SLURM_WHY when it
# fails; slurm_down stops exactly the processes slurm_up started (by pid).
#   slurm_install            installs the packages if missing (root)
#   slurm_up DIR             starts the cluster; exports SLURM_CONF
#   slurm_submit ARGS...     sbatch --parsable ARGS; the job id in SLURM_JOB
#   slurm_wait JOBID SECS    until no task of JOBID is pending or running
#   slurm_stepds             prints the pids of this cluster's slurmstepd
#   slurm_down               cancels what is left, stops the daemons
# DIR's parent directories must be searchable by every user (munged refuses
# a socket others cannot reach).
SLURM_PACKAGES="slurmctld slurmd slurm-client munge"
SLURM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SLURM_TOP=$(cd "$SLURM_HERE/../../.." && pwd)
SLURM_NODE=recert1
SLURM_PIDS=""
SLURM_JOBS=""
SLURM_WHY=""
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac

slurm_have() {
	local p
	for p in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo; do
		command -v "$p" >/dev/null 2>&1 || return 1
	done
}

slurm_install() {
	slurm_have && return 0
	if [ "$(id -u)" -ne 0 ]; then
		SLURM_WHY="Slurm is not installed, and installing it needs root (make deps)"
		return 1
	fi
	# deps.sh installs without starting the packages' daemons.
	if ! sh "$SLURM_TOP/scenarios/deps.sh" $SLURM_PACKAGES >"${TMPDIR:-/tmp}/slurm-install.$$" 2>&1; then
		SLURM_WHY="apt-get could not install $SLURM_PACKAGES: $(tail -1 "${TMPDIR:-/tmp}/slurm-install.$$")"
		rm -f "${TMPDIR:-/tmp}/slurm-install.$$"
		return 1
	fi
	rm -f "${TMPDIR:-/tmp}/slurm-install.$$"
	slurm_have || { SLURM_WHY="$SLURM_PACKAGES installed, but a command is still missing"; return 1; }
}

# _slurm_until SECS CMD...: run CMD every SLURM_POLL seconds (default 0.1)
# until it succeeds; 1 after SECS.
_slurm_until() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep "${SLURM_POLL:-0.1}"
	done
}

# _slurm_alive PID: running (a zombie, not yet waited for, is not).
_slurm_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${st#Z}" = "$st" ]
}

slurm_up() {
	local d=$1 ports ctld_port slurmd_port pid
	SLURM_DIR=$d
	mkdir -p "$d/run" "$d/state" "$d/spool" "$d/log" "$d/out" || { SLURM_WHY="mkdir $d"; return 1; }
	chmod 755 "$d" "$d/run"
	ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])') || { SLURM_WHY="no free port on 127.0.0.1"; return 1; }
	read -r ctld_port slurmd_port <<<"$ports"
	mungekey --create --keyfile="$d/munge.key" 2>"$d/log/mungekey.log" ||
		{ SLURM_WHY="mungekey: $(cat "$d/log/mungekey.log")"; return 1; }
	munged --foreground --socket="$d/run/munge.sock" --key-file="$d/munge.key" \
		--pid-file="$d/run/munged.pid" --seed-file="$d/munged.seed" \
		</dev/null >"$d/log/munged.log" 2>&1 &
	SLURM_PIDS=$!
	if ! _slurm_until 10 test -S "$d/run/munge.sock"; then
		SLURM_WHY="munged did not start: $(tail -1 "$d/log/munged.log")"
		return 1
	fi
	sed -e "s|@DIR@|$d|g" -e "s|@CTLD_PORT@|$ctld_port|" -e "s|@SLURMD_PORT@|$slurmd_port|" \
		-e "s|@NODE@|$SLURM_NODE|g" -e "s|@CPUS@|$(nproc)|" \
		"$SLURM_HERE/slurm.conf.in" >"$d/slurm.conf"
	export SLURM_CONF=$d/slurm.conf
	slurmctld -D -f "$SLURM_CONF" </dev/null >"$d/log/slurmctld.out" 2>&1 &
	SLURM_PIDS="$SLURM_PIDS $!"
	slurmd -D -N "$SLURM_NODE" -f "$SLURM_CONF" </dev/null >"$d/log/slurmd.out" 2>&1 &
	SLURM_PIDS="$SLURM_PIDS $!"
	if ! _slurm_until 30 _slurm_idle; then
		for pid in $SLURM_PIDS; do
			_slurm_alive "$pid" ||
				{ SLURM_WHY="a daemon (pid $pid) exited: $(grep -h -i fatal "$d"/log/* | tail -1) (logs: $d/log)"; return 1; }
		done
		SLURM_WHY="node $SLURM_NODE not idle after 30 s: $(sinfo -h -N -o '%N %T %E' 2>&1 | head -1)"
		return 1
	fi
}

_slurm_idle() { sinfo -h -n "$SLURM_NODE" -o %T 2>/dev/null | grep -qx idle; }

slurm_submit() {
	SLURM_JOB=$(sbatch --parsable "$@" 2>"$SLURM_DIR/log/sbatch.err") ||
		{ SLURM_WHY="sbatch: $(cat "$SLURM_DIR/log/sbatch.err")"; return 1; }
	SLURM_JOB=${SLURM_JOB%%;*}
	SLURM_JOBS="$SLURM_JOBS $SLURM_JOB"
}

# _slurm_gone JOBID: the controller answers, and no task of JOBID is pending,
# running or completing.
_slurm_gone() {
	local q
	q=$(squeue -h -o %F 2>/dev/null) || return 1
	! grep -qx -- "$1" <<<"$q"
}

slurm_wait() {
	_slurm_until "$2" _slurm_gone "$1" ||
		{ SLURM_WHY="job $1 still queued or running after $2 s"; return 1; }
}

_slurm_dead() { ! _slurm_alive "$1"; }

# slurmd starts a slurmstepd per job step, detached (its parent is pid 1);
# it inherits slurmd's environment, so SLURM_CONF tells this cluster's
# from another's.
slurm_stepds() {
	local p
	[ -n "${SLURM_CONF:-}" ] || return 0
	for p in $(ps -C slurmstepd -o pid= 2>/dev/null); do
		tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "SLURM_CONF=$SLURM_CONF" && echo "$p"
	done
	return 0
}

_slurm_no_stepd() { [ -z "$(slurm_stepds)" ]; }

slurm_down() {
	local pid j left=""
	[ -n "$SLURM_PIDS" ] || return 0
	for j in $SLURM_JOBS; do
		_slurm_gone "$j" || { scancel "$j" 2>/dev/null || true; left="$left $j"; }
	done
	for j in $left; do slurm_wait "$j" 20 || true; done
	# A step's slurmstepd outlives the job's record by about a second.
	_slurm_until 20 _slurm_no_stepd || true
	# slurmd first (no new step starts), then the controller, then munged.
	for pid in $(printf '%s\n' $SLURM_PIDS | tac); do
		kill -TERM "$pid" 2>/dev/null || true
		_slurm_until 10 _slurm_dead "$pid" || kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	SLURM_PIDS=""
	SLURM_JOBS=""
}
