/* hostinfo: probes what this host gives labrun's sandbox, each for real.
 *
 * A probe that changes process state (unshare, mount, a seccomp filter,
 * closing descriptors, dropping ids) runs in a forked child that reports
 * one struct probe_msg through a pipe and exits; the caller only forks,
 * reads and reaps, under a timeout.  Mounts are made only inside private
 * mount namespaces of such children and vanish with them, so nothing on the
 * host changes.  Reading /proc and uname happens in the caller.  This file
 * does not print, decide exit codes, or fix what it finds; the costs it
 * states are what the sandbox (docs/sandbox.md) loses without a feature. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <limits.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/hostinfo.h"
#include "sandbox/sandbox.h"

/* Syscalls numbered 424 and up share one number on every architecture;
 * these are only for headers older than the running kernel. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define HOST_DETAIL_MAX 256         /* bytes of one detail: three table lines */
#define HOST_PROBE_MS 5000          /* one probe; they take milliseconds, a hung
				     * kernel path must not hang doctor */
#define HOST_POLL_STEP_MS 2         /* between waitpid checks while reaping */
#define HOST_SYSCTL_MAX 4096        /* bytes of a /proc/sys value: a number */
#define HOST_PROC_MAX (4u << 20)    /* bytes of /proc/self/mountinfo: a host
				     * with thousands of mounts */
#define HOST_LIST_MAX 256           /* bytes of a controller list */
#define HOST_NOTIF_MAGIC (1L << 30) /* the answer given when CONTINUE is
				     * refused: above PID_MAX_LIMIT, never a
				     * parent's pid */
/* The user-namespace probe maps one session's worth of ids where labrun
 * maps them, so a host that cannot hand out that range (root inside a
 * small container) says so here. */
#define HOST_MAP_BASE SBX_ID_BASE
#define HOST_MAP_COUNT SBX_ID_RANGE
#define HOST_NOBODY 65534           /* the id the unprivileged probes run as */

#if defined(__x86_64__) && !defined(__ILP32__)
#define HOST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define HOST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_AUDIT_ARCH AUDIT_ARCH_RISCV64
#endif
/* Elsewhere the probe's filter checks only the syscall number: a foreign
 * ABI's call with the same number would be notified too, which a probe
 * that makes no such call can afford. */

enum {
	F_KERNEL,
	F_ROOT,
	F_USERNS,
	F_PIDNS,
	F_MNTNS,
	F_NETNS,
	F_IPCNS,
	F_UTSNS,
	F_CGROUPNS,
	F_TIMENS,
	F_USERNS_UNPRIV,
	F_SECCOMP,
	F_OVERLAY,
	F_OVERLAY_USERNS,
	F_PIDFD,
	F_CLOSE_RANGE,
	F_OPENAT2,
	F_CGROUPS,
	F_CG_MEMORY,
	F_CG_PIDS,
	F_CG_FREEZER,
	F_TIOCSTI,
	F_COUNT
};

/* Name, whether a session needs it, and what its absence costs.  The cgroup
 * namespace and close_range are required because the sandbox (child.c)
 * asks for them unconditionally: without them no session starts. */
static const struct {
	const char *name;
	int required;
	const char *cost;
} defs[F_COUNT] = {
	[F_KERNEL] = {"kernel", 0, ""},
	[F_ROOT] = {"root", 1,
		"labrun gives the candidate an unprivileged outer id range of "
		"its own, which only root can map; labrun has no unprivileged "
		"mode, so `labrun run` refuses to start a session"},
	[F_USERNS] = {"user-namespace", 1,
		"without a user namespace mapped to its own id range the "
		"candidate could only run under host ids (real root, or a host "
		"user's); labrun refuses rather than run it as real root"},
	[F_PIDNS] = {"pid-namespace", 1,
		"the candidate would see and signal the host's processes, and "
		"its left-over processes could not all be killed at the end"},
	[F_MNTNS] = {"mount-namespace", 1,
		"no private root: the candidate would see and change the "
		"host's files"},
	[F_NETNS] = {"net-namespace", 1,
		"the candidate would reach the host's network and its local "
		"services"},
	[F_IPCNS] = {"ipc-namespace", 1,
		"SysV IPC and message queues would be shared with the host; "
		"shared memory would outlive the session"},
	[F_UTSNS] = {"uts-namespace", 1,
		"the scenario's hostname would be set on the host"},
	[F_CGROUPNS] = {"cgroup-namespace", 1,
		"the sandbox is cloned with a cgroup namespace, so no session "
		"starts; without one the candidate would see the host's "
		"cgroup paths"},
	[F_TIMENS] = {"time-namespace", 0,
		"none today: labrun does not shift clocks; a scenario stages "
		"clock skew with the simulator's own clock"},
	[F_USERNS_UNPRIV] = {"unprivileged-userns", 0,
		"none while labrun runs as root; an unprivileged mode would "
		"need it, and labrun has none"},
	[F_SECCOMP] = {"seccomp-user-notif", 1,
		"the command log (every exec and its exit status) comes from "
		"seccomp user notification answered with CONTINUE (Linux 5.5)"},
	[F_OVERLAY] = {"overlayfs", 1,
		"the candidate's root is an overlay of the scenario's files "
		"with a size-limited writable layer; what changed is collected "
		"from that layer"},
	[F_OVERLAY_USERNS] = {"overlayfs-in-userns", 0,
		"none as root (labrun mounts the overlay outside the sandbox's "
		"user namespace); an unprivileged mode would need it (Linux "
		"5.11)"},
	[F_PIDFD] = {"pidfd-open", 1,
		"the supervisor watches the sandbox's pid 1 through a pidfd "
		"(Linux 5.3)"},
	[F_CLOSE_RANGE] = {"close-range", 1,
		"the candidate's process closes every inherited descriptor "
		"with close_range before exec (Linux 5.9)"},
	[F_OPENAT2] = {"openat2", 0,
		"graders' file reads fall back to a component-by-component "
		"O_NOFOLLOW walk beneath the frozen root: as strict, slower"},
	[F_CGROUPS] = {"cgroups", 0,
		"no cgroup limits of any kind: see cgroup-memory and "
		"cgroup-pids"},
	[F_CG_MEMORY] = {"cgroup-memory", 1,
		"the session's memory limit cannot be applied, and a limit "
		"that cannot be applied fails the session (RLIMIT_AS alone "
		"bounds each process, not the session)"},
	[F_CG_PIDS] = {"cgroup-pids", 1,
		"the session's process limit cannot be applied, and a limit "
		"that cannot be applied fails the session (RLIMIT_NPROC is "
		"only the backstop)"},
	[F_CG_FREEZER] = {"cgroup-freezer", 0,
		"a session cannot be paused, only killed: labrun kills its "
		"pid 1 and waits for the namespace to empty before collecting"},
	[F_TIOCSTI] = {"tiocsti-restricted", 0,
		"TIOCSTI works on terminals here: labrun's seccomp filter is "
		"what stops the candidate from pushing input into a terminal"},
};

struct hostinfo_block {
	struct host_feature v[F_COUNT]; /* first: hostinfo_free gets &v[0] */
	char detail[F_COUNT][HOST_DETAIL_MAX];
};

/* One probe's answer, written by the probing child. */
struct probe_msg {
	int state;
	char detail[HOST_DETAIL_MAX];
};

__attribute__((format(printf, 3, 4)))
static void msg_set(struct probe_msg *m, int state, const char *fmt, ...)
{
	va_list ap;
	int n;

	m->state = state;
	va_start(ap, fmt);
	n = vsnprintf(m->detail, sizeof m->detail, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof m->detail)
		memcpy(m->detail + sizeof m->detail - 4, "...", 4);
}

/* "what: strerror", state 0: the feature failed. */
static void msg_errno(struct probe_msg *m, const char *what, int errnum)
{
	msg_set(m, 0, "%s: %s", what, strerror(errnum));
}

/* The probe itself could not be set up: state unknown. */
static void msg_setup(struct probe_msg *m, const char *what, int errnum)
{
	msg_set(m, -1, "could not probe: %s: %s", what, strerror(errnum));
}

static int64_t left_ms(int64_t deadline)
{
	int64_t now = time_mono_ms();

	return deadline > now ? deadline - now : 0;
}

/* 1 when fd is readable before the deadline, 0 on timeout, -1 on error. */
static int wait_readable(int fd, int64_t deadline)
{
	struct pollfd p = {fd, POLLIN, 0};
	int n;

	for (;;) {
		n = poll(&p, 1, (int)left_ms(deadline));
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -1 : n > 0;
	}
}

/* Wait for pid until the deadline, then kill it; its wait status. */
static int reap(pid_t pid, int64_t deadline)
{
	struct timespec step = {0, HOST_POLL_STEP_MS * 1000000L};
	int status = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && left_ms(deadline) == 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		nanosleep(&step, NULL);
	}
}

static int send_int(int fd, int v)
{
	return write_all(fd, &v, sizeof v);
}

/* Read one int before the deadline; -1 on timeout, EOF or error. */
static int recv_int(int fd, int *v, int64_t deadline)
{
	ssize_t n;

	if (wait_readable(fd, deadline) != 1)
		return -1;
	do
		n = read(fd, v, sizeof *v);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof *v ? 0 : -1;
}

/* Fork a helper of a probe: it dies with the probe.  (In a new pid
 * namespace getppid() is 0: the parent is outside it.) */
static pid_t fork_helper(void)
{
	pid_t parent = getpid(), pid, pp;

	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pp = getppid();
		if (pp != parent && pp != 0)
			_exit(127);
	}
	return pid;
}

/* Run fn in a child and collect its message.  -1 only when the child
 * cannot be started; a hung or crashed probe is an unknown result. */
static int run_probe(void (*fn)(struct probe_msg *m, const void *arg),
		     const void *arg, struct probe_msg *out, struct err *e)
{
	int64_t deadline = time_mono_ms() + HOST_PROBE_MS;
	struct probe_msg m;
	size_t got = 0;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, ERR_HOST, errno, "probe pipe");
	pid = fork_helper();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, ERR_HOST, errno, "fork for a probe");
	}
	if (pid == 0) {
		close(p[0]);
		memset(&m, 0, sizeof m);
		m.state = -1;
		fn(&m, arg);
		_exit(write_all(p[1], &m, sizeof m) < 0);
	}
	close(p[1]);
	while (got < sizeof m && wait_readable(p[0], deadline) == 1) {
		n = read(p[0], (char *)&m + got, sizeof m - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	status = reap(pid, deadline);
	if (got == sizeof m) {
		m.detail[sizeof m.detail - 1] = 0;
		*out = m;
	} else if (status == -1)
		msg_set(out, -1, "the probe did not finish within %d ms",
			HOST_PROBE_MS);
	else if (WIFSIGNALED(status))
		msg_set(out, -1, "the probe died of signal %d",
			WTERMSIG(status));
	else
		msg_set(out, -1, "the probe exited without an answer");
	return 0;
}

/* Small reads of /proc; the value without its trailing newline, or -1
 * with errno set. */
static int read_small(const char *path, char *out, size_t size)
{
	struct buf b = BUF_INIT;
	struct err e2;
	int fd;

	/* read_file_bounded keeps only a message; probe errno first. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	if (read_file_bounded(path, HOST_SYSCTL_MAX, &b, &e2) < 0) {
		errno = EIO;
		return -1;
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		b.len--;
	snprintf(out, size, "%.*s", (int)b.len, (const char *)b.data);
	buf_release(&b);
	return 0;
}

static int write_proc(const char *path, const char *text)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = write_all(fd, text, strlen(text));
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* Map the calling process's own ids to inner 0 in the user namespace it
 * has just entered: the only map an unprivileged process may write. */
static int map_self(uid_t uid, gid_t gid)
{
	char line[64];

	if (write_proc("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
		return -1;
	snprintf(line, sizeof line, "0 %u 1\n", (unsigned)uid);
	if (write_proc("/proc/self/uid_map", line) < 0)
		return -1;
	snprintf(line, sizeof line, "0 %u 1\n", (unsigned)gid);
	return write_proc("/proc/self/gid_map", line);
}

/* Collapse runs of blanks and newlines into single spaces, trim; s. */
static char *squash(char *s)
{
	char *r = s, *w = s;

	for (; *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n') {
			if (w > s && w[-1] != ' ')
				*w++ = ' ';
		} else {
			*w++ = *r;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = 0;
	return s;
}

/* Major and minor of the running kernel; 0.0 if unreadable. */
static void kernel_version(unsigned *major, unsigned *minor)
{
	struct utsname u;
	unsigned v[2] = {0, 0};
	const char *s;
	char digits[16];
	uint64_t x;
	size_t i, len;

	*major = *minor = 0;
	if (uname(&u) < 0)
		return;
	s = u.release;
	for (i = 0; i < 2; i++) {
		len = strspn(s, "0123456789");
		if (len == 0 || len >= sizeof digits)
			return;
		memcpy(digits, s, len);
		digits[len] = 0;
		if (parse_u64(digits, 0, 100000, &x) < 0)
			return;
		v[i] = (unsigned)x;
		s += len;
		if (*s != '.')
			break;
		s++;
	}
	*major = v[0];
	*minor = v[1];
}

static int kernel_at_least(unsigned major, unsigned minor)
{
	unsigned a, b;

	kernel_version(&a, &b);
	return a > major || (a == major && b >= minor);
}

/* ---- identity and namespaces ------------------------------------------ */

static void probe_root(struct probe_msg *m, const void *arg)
{
	char map[128];
	uid_t euid = geteuid();

	if (euid != 0) {
		msg_set(m, 0, "running as uid %u (euid %u), not root",
			(unsigned)getuid(), (unsigned)euid);
		return;
	}
	if (read_small("/proc/self/uid_map", map, sizeof map) < 0)
		msg_set(m, 1, "euid 0 (uid_map unreadable)");
	else if (!strcmp(squash(map), "0 0 4294967295"))
		msg_set(m, 1, "euid 0 in the initial user namespace");
	else
		msg_set(m, 1, "euid 0 inside a user namespace (uid_map: %s)",
			map);
}

/* What the host allows for user namespaces, for the details. */
static void userns_sysctls(char *out, size_t size)
{
	static const char *const files[][2] = {
		{"/proc/sys/user/max_user_namespaces", "max_user_namespaces"},
		{"/proc/sys/kernel/unprivileged_userns_clone",
		 "unprivileged_userns_clone"},
		{"/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
		 "apparmor_restrict_unprivileged_userns"},
	};
	char v[32];
	size_t i, len = 0;

	out[0] = 0;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (read_small(files[i][0], v, sizeof v) < 0)
			continue;
		if (len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s %s",
						len ? ", " : "", files[i][1],
						squash(v));
	}
}

/* As root: a child enters a new user namespace and this process maps a
 * whole session's id range into it, as supervise.c does.  As a user: enter
 * one and map only one's own id, all an unprivileged process may do. */
static void probe_userns(struct probe_msg *m, const void *arg)
{
	int64_t deadline = time_mono_ms() + HOST_PROBE_MS;
	char sys[160], path[64], line[64];
	int sp[2], v = 0;
	uid_t uid = geteuid();
	pid_t pid;

	userns_sysctls(sys, sizeof sys);
	if (uid != 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			msg_set(m, 0, "unshare(CLONE_NEWUSER) as uid %u: %s; %s",
				(unsigned)uid, strerror(errno), sys);
		else if (map_self(uid, getegid()) < 0)
			msg_set(m, 0, "created, but mapping uid %u in it: %s",
				(unsigned)uid, strerror(errno));
		else
			msg_set(m, 1, "created as uid %u, which can map only "
				"itself (0 -> %u); a session needs %u ids; %s",
				(unsigned)uid, (unsigned)uid, HOST_MAP_COUNT, sys);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		msg_setup(m, "socketpair", errno);
		return;
	}
	pid = fork_helper();
	if (pid < 0) {
		msg_setup(m, "fork", errno);
		close(sp[0]);
		close(sp[1]);
		return;
	}
	if (pid == 0) {
		close(sp[0]);
		v = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
		if (send_int(sp[1], v) < 0 || v)
			_exit(1);
		/* Wait for the map, then become its inner root. */
		if (recv_int(sp[1], &v, deadline) < 0)
			_exit(1);
		v = setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 ? errno : 0;
		send_int(sp[1], v);
		_exit(0);
	}
	close(sp[1]);
	if (recv_int(sp[0], &v, deadline) < 0) {
		msg_set(m, -1, "the namespace child did not answer");
		goto out;
	}
	if (v) {
		msg_set(m, 0, "unshare(CLONE_NEWUSER): %s; %s", strerror(v), sys);
		goto out;
	}
	snprintf(line, sizeof line, "0 %u %u\n", HOST_MAP_BASE, HOST_MAP_COUNT);
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
	if (write_proc(path, line) < 0) {
		msg_set(m, 0, "created, but mapping %u ids at %u: %s",
			HOST_MAP_COUNT, HOST_MAP_BASE, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
	if (write_proc(path, line) < 0) {
		msg_set(m, 0, "created, but mapping %u group ids at %u: %s",
			HOST_MAP_COUNT, HOST_MAP_BASE, strerror(errno));
		goto out;
	}
	if (send_int(sp[0], 0) < 0 || recv_int(sp[0], &v, deadline) < 0)
		msg_set(m, -1, "the namespace child did not answer");
	else if (v)
		msg_set(m, 0, "mapped, but becoming inner root: %s",
			strerror(v));
	else
		msg_set(m, 1, "created; %u ids mapped at outer %u and entered "
			"as inner root; %s", HOST_MAP_COUNT, HOST_MAP_BASE, sys);
out:
	close(sp[0]);
	reap(pid, deadline);
}

/* Run as root, become HOST_NOBODY to try what an unprivileged process
 * could; -1 (and m says why) if that fails. */
static int become_unprivileged(struct probe_msg *m, uid_t *uid, gid_t *gid)
{
	*uid = geteuid();
	*gid = getegid();
	if (*uid != 0)
		return 0;
	*uid = *gid = HOST_NOBODY;
	if (setgroups(0, NULL) < 0 || setresgid(*gid, *gid, *gid) < 0 ||
	    setresuid(*uid, *uid, *uid) < 0) {
		msg_set(m, -1, "could not become uid %u to try: %s",
			(unsigned)*uid, strerror(errno));
		return -1;
	}
	/* A change of ids clears the parent-death signal, and makes
	 * /proc/self root's until the process is dumpable again. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

/* The unprivileged case, tried as HOST_NOBODY when run as root. */
static void probe_userns_unpriv(struct probe_msg *m, const void *arg)
{
	char sys[160];
	uid_t uid;
	gid_t gid;

	userns_sysctls(sys, sizeof sys);
	if (become_unprivileged(m, &uid, &gid) < 0)
		return;
	if (unshare(CLONE_NEWUSER) < 0)
		msg_set(m, 0, "uid %u: unshare(CLONE_NEWUSER): %s; %s",
			(unsigned)uid, strerror(errno), sys);
	else if (map_self(uid, gid) < 0)
		msg_set(m, 0, "uid %u created one but could not map itself: %s",
			(unsigned)uid, strerror(errno));
	else
		msg_set(m, 1, "uid %u created one and mapped itself to 0; %s",
			(unsigned)uid, sys);
}

struct ns_kind {
	int flag;
	const char *file;    /* under /proc/self/ns */
	const char *flagname;
};

static const struct ns_kind ns_pid = {CLONE_NEWPID, "pid", "CLONE_NEWPID"};
static const struct ns_kind ns_mnt = {CLONE_NEWNS, "mnt", "CLONE_NEWNS"};
static const struct ns_kind ns_net = {CLONE_NEWNET, "net", "CLONE_NEWNET"};
static const struct ns_kind ns_ipc = {CLONE_NEWIPC, "ipc", "CLONE_NEWIPC"};
static const struct ns_kind ns_uts = {CLONE_NEWUTS, "uts", "CLONE_NEWUTS"};
static const struct ns_kind ns_cgroup = {CLONE_NEWCGROUP, "cgroup",
					 "CLONE_NEWCGROUP"};
static const struct ns_kind ns_time = {CLONE_NEWTIME, "time", "CLONE_NEWTIME"};

/* A child process of the probe that exits with what check() says: its
 * exit code, or -1 if it could not run or did not exit. */
static int in_child_status(int (*check)(const void *arg), const void *arg)
{
	int64_t deadline = time_mono_ms() + HOST_PROBE_MS;
	int status;
	pid_t pid;

	pid = fork_helper();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(check(arg));
	status = reap(pid, deadline);
	return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The same, 0 when check() said 0, else -1. */
static int in_child(int (*check)(const void *arg), const void *arg)
{
	return in_child_status(check, arg) == 0 ? 0 : -1;
}

static int is_pid_one(const void *arg)
{
	return getpid() == 1 ? 0 : 1;
}

/* In a time namespace whose monotonic clock was moved a day ahead. */
static int clock_moved(const void *arg)
{
	const struct timespec *before = arg;
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return 1;
	return now.tv_sec - before->tv_sec >= 86400 - 60 ? 0 : 1;
}

static void ns_net_check(struct probe_msg *m)
{
	struct if_nameindex *ifs;
	struct ifreq ifr;
	int fd, count = 0;

	ifs = if_nameindex();
	if (ifs) {
		while (ifs[count].if_index)
			count++;
		if_freenameindex(ifs);
	}
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		msg_errno(m, "entered; reading lo's flags", errno);
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			msg_errno(m, "entered; bringing lo up", errno);
		else
			msg_set(m, 1, "entered: %d interface(s), lo brought up",
				count);
	}
	if (fd >= 0)
		close(fd);
}

/* One namespace, created together with a user namespace as the sandbox
 * creates it, and used once. */
static void probe_ns(struct probe_msg *m, const void *arg)
{
	const struct ns_kind *k = arg;
	struct timespec now;
	char path[64];
	int err;

	snprintf(path, sizeof path, "/proc/self/ns/%s", k->file);
	if (unshare(CLONE_NEWUSER | k->flag) < 0) {
		err = errno;
		if (err == EINVAL && access(path, F_OK) < 0)
			msg_set(m, 0, "the kernel has none (no %s)", path);
		else
			msg_set(m, 0, "unshare(CLONE_NEWUSER|%s): %s",
				k->flagname, strerror(err));
		return;
	}
	if (k->flag == CLONE_NEWPID) {
		if (in_child(is_pid_one, NULL) < 0)
			msg_set(m, 0, "entered, but its first child is not pid 1");
		else
			msg_set(m, 1, "entered; its first child is pid 1");
	} else if (k->flag == CLONE_NEWNS) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			msg_errno(m, "entered; making its mounts private", errno);
		else
			msg_set(m, 1, "entered; its mounts made private");
	} else if (k->flag == CLONE_NEWNET) {
		ns_net_check(m);
	} else if (k->flag == CLONE_NEWUTS) {
		if (sethostname("labrun-doctor", 13) < 0)
			msg_errno(m, "entered; setting its hostname", errno);
		else
			msg_set(m, 1, "entered; its hostname set");
	} else if (k->flag == CLONE_NEWTIME) {
		if (clock_gettime(CLOCK_MONOTONIC, &now) < 0 ||
		    write_proc("/proc/self/timens_offsets",
			       "monotonic 86400 0\n") < 0)
			msg_errno(m, "entered; moving its monotonic clock", errno);
		else if (in_child(clock_moved, &now) < 0)
			msg_set(m, 0, "entered, but its clock did not move");
		else
			msg_set(m, 1, "entered; its monotonic clock moved a day "
				"(the wall clock never moves)");
	} else {
		msg_set(m, 1, "entered (unshare(CLONE_NEWUSER|%s))",
			k->flagname);
	}
}

/* ---- seccomp user notification ---------------------------------------- */

/* Notify on getppid, allow everything else. */
static const struct sock_filter notif_insns[] = {
#ifdef HOST_AUDIT_ARCH
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, HOST_AUDIT_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
#endif
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* The filtered child: load the filter, hand the listener to its parent,
 * drop its own copy, make the notified call.  Exit 0: the call ran for
 * real (CONTINUE), 3: the parent's answer came back instead. */
static void notif_child(int sock, pid_t parent)
{
	struct sock_fprog prog = {
		(unsigned short)(sizeof notif_insns / sizeof notif_insns[0]),
		(struct sock_filter *)notif_insns,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	struct cmsghdr *c;
	struct iovec iov;
	int listener, err = 0;
	long r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err = errno;
	listener = err ? -1 : (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					   SECCOMP_FILTER_FLAG_NEW_LISTENER,
					   &prog);
	if (!err && listener < 0)
		err = errno;
	memset(&mh, 0, sizeof mh);
	memset(&u, 0, sizeof u);
	iov.iov_base = &err;
	iov.iov_len = sizeof err;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (listener >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof u.buf;
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &listener, sizeof listener);
	}
	if (sendmsg(sock, &mh, 0) < 0 || listener < 0)
		_exit(2);
	close(listener);
	r = syscall(SYS_getppid);
	_exit(r == parent ? 0 : r == HOST_NOTIF_MAGIC ? 3 : 4);
}

/* Receive the child's first word and, with it, the listener. */
static int recv_listener(int sock, int *err, int64_t deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	struct cmsghdr *c;
	struct iovec iov;
	int fd = -1;

	memset(&mh, 0, sizeof mh);
	memset(&u, 0, sizeof u);
	iov.iov_base = err;
	iov.iov_len = sizeof *err;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof u.buf;
	*err = EPROTO;
	if (wait_readable(sock, deadline) != 1 ||
	    recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof *err)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

/* Answer the child's notification; 0 with CONTINUE, or the errno that
 * refused CONTINUE (then the call is answered with HOST_NOTIF_MAGIC). */
static int answer_notif(struct probe_msg *m, int fd, int64_t deadline)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int cont_err;

	if (wait_readable(fd, deadline) != 1) {
		msg_set(m, 0, "a listener, but no notification arrived");
		return -1;
	}
	/* The kernel refuses a receive buffer that is not zeroed. */
	memset(&req, 0, sizeof req);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		msg_errno(m, "SECCOMP_IOCTL_NOTIF_RECV", errno);
		return -1;
	}
	if (req.data.nr != SYS_getppid) {
		msg_set(m, 0, "notified of syscall %d, not getppid", req.data.nr);
		return -1;
	}
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0) {
		msg_errno(m, "SECCOMP_IOCTL_NOTIF_ID_VALID", errno);
		return -1;
	}
	memset(&resp, 0, sizeof resp);
	resp.id = req.id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0)
		return 0;
	cont_err = errno;
	memset(&resp, 0, sizeof resp);
	resp.id = req.id;
	resp.val = HOST_NOTIF_MAGIC;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
		msg_errno(m, "SECCOMP_IOCTL_NOTIF_SEND", errno);
		return -1;
	}
	return cont_err;
}

static void probe_seccomp(struct probe_msg *m, const void *arg)
{
	int64_t deadline = time_mono_ms() + HOST_PROBE_MS;
	char avail[256];
	int sp[2], fd = -1, err = 0, cont, status;
	pid_t pid, self = getpid();

	if (read_small("/proc/sys/kernel/seccomp/actions_avail", avail,
		       sizeof avail) < 0)
		snprintf(avail, sizeof avail, "(unreadable)");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		msg_setup(m, "socketpair", errno);
		return;
	}
	pid = fork_helper();
	if (pid < 0) {
		msg_setup(m, "fork", errno);
		close(sp[0]);
		close(sp[1]);
		return;
	}
	if (pid == 0) {
		close(sp[0]);
		notif_child(sp[1], self);
	}
	close(sp[1]);
	fd = recv_listener(sp[0], &err, deadline);
	close(sp[0]);
	if (fd < 0 && err == 0)
		err = EPROTO; /* a filter was loaded but no listener came */
	if (fd < 0) {
		msg_set(m, 0, "seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER): %s "
			"(Linux 5.0); actions_avail: %s",
			strerror(err), avail);
		reap(pid, deadline);
		return;
	}
	cont = answer_notif(m, fd, deadline);
	close(fd);
	status = reap(pid, deadline);
	if (cont < 0)
		return;
	if (cont > 0)
		msg_set(m, 0, "notification works, but CONTINUE was refused: "
			"%s (Linux 5.5)", strerror(cont));
	else if (status == -1 || !WIFEXITED(status))
		msg_set(m, -1, "the filtered child did not exit normally");
	else if (WEXITSTATUS(status) != 0)
		msg_set(m, 0, "CONTINUE was accepted but the call did not run "
			"(child status %d)", WEXITSTATUS(status));
	else
		msg_set(m, 1, "a notified getppid was received, checked valid "
			"and continued: it ran for real");
}

/* ---- overlayfs ---------------------------------------------------------- */

static int make_dirs(char *const paths[], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mkdir(paths[i], 0755) < 0)
			return -1;
	return 0;
}

/* In a private mount namespace: a scratch tmpfs on some existing
 * directory, two lower layers and an upper one on it, the overlay, and a
 * write through it that must land in the upper layer. */
static void overlay_try(struct probe_msg *m, const char *who)
{
	static const char *const spots[] = {"/tmp", "/run", "/mnt", "/var/tmp",
					    "/media", "/srv"};
	char l1[64], l2[64], up[64], wk[64], mg[64], f[80], g[80], ug[80];
	char opts[400];
	char *dirs[] = {l1, l2, up, wk, mg};
	const char *d = NULL, *extra = "";
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof spots / sizeof spots[0] && !d; i++)
		if (lstat(spots[i], &st) == 0 && S_ISDIR(st.st_mode))
			d = spots[i];
	if (!d) {
		msg_set(m, -1, "no directory to mount a scratch tmpfs on");
		return;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		msg_errno(m, "making the probe's mounts private", errno);
		return;
	}
	if (mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=1m,mode=0700") < 0) {
		msg_set(m, -1, "a scratch tmpfs on %s: %s", d, strerror(errno));
		return;
	}
	snprintf(l1, sizeof l1, "%s/l1", d);
	snprintf(l2, sizeof l2, "%s/l2", d);
	snprintf(up, sizeof up, "%s/up", d);
	snprintf(wk, sizeof wk, "%s/work", d);
	snprintf(mg, sizeof mg, "%s/merged", d);
	snprintf(f, sizeof f, "%s/f", l1);
	snprintf(g, sizeof g, "%s/g", mg);
	snprintf(ug, sizeof ug, "%s/g", up);
	if (make_dirs(dirs, sizeof dirs / sizeof dirs[0]) < 0 ||
	    (fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		msg_setup(m, "the scratch layers", errno);
		return;
	}
	close(fd);
	snprintf(opts, sizeof opts, "lowerdir=%s:%s,upperdir=%s,workdir=%s",
		 l1, l2, up, wk);
	if (mount("overlay", mg, "overlay", MS_NOSUID | MS_NODEV, opts) < 0) {
		/* Inside a user namespace overlayfs may need user.* xattrs
		 * (Linux 5.11). */
		if (errno != EINVAL && errno != EPERM) {
			msg_errno(m, "mount -t overlay", errno);
			return;
		}
		snprintf(opts, sizeof opts,
			 "lowerdir=%s:%s,upperdir=%s,workdir=%s,userxattr",
			 l1, l2, up, wk);
		if (mount("overlay", mg, "overlay", MS_NOSUID | MS_NODEV,
			  opts) < 0) {
			msg_errno(m, "mount -t overlay", errno);
			return;
		}
		extra = " (with userxattr)";
	}
	snprintf(f, sizeof f, "%s/f", mg);
	if (access(f, F_OK) < 0) {
		msg_set(m, 0, "mounted%s, but a lower file is not visible",
			extra);
		return;
	}
	fd = open(g, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		msg_errno(m, "mounted, but writing through it", errno);
		return;
	}
	close(fd);
	if (lstat(ug, &st) < 0)
		msg_set(m, 0, "mounted%s, but a write did not reach the upper "
			"layer", extra);
	else
		msg_set(m, 1, "%s: two lower layers and a tmpfs upper, nosuid,"
			"nodev%s; a write landed in the upper layer", who, extra);
}

static void probe_overlay(struct probe_msg *m, const void *arg)
{
	if (geteuid() != 0) {
		msg_set(m, -1, "not probed: mounting outside a user namespace "
			"needs root");
		return;
	}
	if (unshare(CLONE_NEWNS) < 0) {
		msg_errno(m, "unshare(CLONE_NEWNS)", errno);
		return;
	}
	overlay_try(m, "as root in a private mount namespace");
}

/* What an unprivileged mode would mount: as HOST_NOBODY when run as
 * root. */
static void probe_overlay_userns(struct probe_msg *m, const void *arg)
{
	char who[80];
	uid_t uid;
	gid_t gid;

	if (become_unprivileged(m, &uid, &gid) < 0)
		return;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		msg_errno(m, "unshare(CLONE_NEWUSER|CLONE_NEWNS)", errno);
		return;
	}
	if (map_self(uid, gid) < 0) {
		msg_errno(m, "mapping its own id", errno);
		return;
	}
	snprintf(who, sizeof who, "as uid %u mapped to root in a user namespace",
		 (unsigned)uid);
	overlay_try(m, who);
	if (m->state != 1 && !kernel_at_least(5, 11)) {
		char was[HOST_DETAIL_MAX];

		memcpy(was, m->detail, sizeof was);
		msg_set(m, m->state, "%s (Linux 5.11 allows it)", was);
	}
}

/* ---- descriptors and processes ---------------------------------------- */

static int wait_eof(const void *arg)
{
	const int *fd = arg;
	char c;

	return read(*fd, &c, 1) < 0;
}

static void probe_pidfd(struct probe_msg *m, const void *arg)
{
	int64_t deadline = time_mono_ms() + HOST_PROBE_MS;
	int p[2], pidfd, ready;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		msg_setup(m, "pipe", errno);
		return;
	}
	pid = fork_helper();
	if (pid < 0) {
		msg_setup(m, "fork", errno);
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[1]);
		_exit(wait_eof(&p[0]));
	}
	close(p[0]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		msg_set(m, 0, "pidfd_open: %s%s", strerror(errno),
			errno == ENOSYS ? " (Linux 5.3)" : "");
		close(p[1]);
		reap(pid, deadline);
		return;
	}
	ready = wait_readable(pidfd, time_mono_ms());
	close(p[1]); /* the child reads EOF and exits */
	if (ready != 0)
		msg_set(m, 0, "a pidfd was readable before its process ended");
	else if (wait_readable(pidfd, deadline) != 1)
		msg_set(m, 0, "a pidfd did not become readable when its "
			"process ended");
	else
		msg_set(m, 1, "a child's pidfd became readable when it exited");
	close(pidfd);
	reap(pid, deadline);
}

/* In a grandchild that keeps nothing, as the sandbox does before exec:
 * close_range(3, ~0, 0) must close a descriptor above 2 and keep stdin.
 * Exit 0 if so, 1 if descriptors were left open, 2 if stdin went, 3 if
 * there was nothing to test with, 10 + errno if close_range failed. */
static int close_range_check(const void *arg)
{
	int fd = open("/dev/null", O_RDONLY), err;

	if (fd < 3 || fcntl(0, F_GETFD) < 0)
		return 3;
	if (syscall(SYS_close_range, 3u, ~0u, 0) < 0) {
		err = errno;
		return err > 0 && err < 200 ? 10 + err : 3;
	}
	if (fcntl(fd, F_GETFD) >= 0)
		return 1;
	return fcntl(0, F_GETFD) < 0 ? 2 : 0;
}

static void probe_close_range(struct probe_msg *m, const void *arg)
{
	int status = in_child_status(close_range_check, NULL);

	if (status < 0)
		msg_set(m, -1, "could not probe: the child did not exit");
	else if (status == 0)
		msg_set(m, 1, "closed every descriptor from 3 up, none below");
	else if (status == 1)
		msg_set(m, 0, "close_range returned but left descriptors open");
	else if (status == 2)
		msg_set(m, 0, "close_range closed a descriptor below its range");
	else if (status == 3)
		msg_set(m, -1, "could not probe: no descriptor to close");
	else
		msg_set(m, 0, "close_range: %s%s", strerror(status - 10),
			status - 10 == ENOSYS ? " (Linux 5.9)" : "");
}

static void probe_openat2(struct probe_msg *m, const void *arg)
{
	struct open_how how;
	int root, fd;

	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		msg_setup(m, "opening /", errno);
		return;
	}
	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		      RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	fd = (int)syscall(SYS_openat2, root, ".", &how, sizeof how);
	if (fd < 0) {
		msg_set(m, 0, "openat2(RESOLVE_BENEATH): %s%s", strerror(errno),
			errno == ENOSYS ? " (Linux 5.6)" : "");
		close(root);
		return;
	}
	close(fd);
	fd = (int)syscall(SYS_openat2, root, "..", &how, sizeof how);
	if (fd >= 0) {
		close(fd);
		msg_set(m, 0, "openat2 let \"..\" out of RESOLVE_BENEATH");
	} else if (errno != EXDEV) {
		msg_set(m, 0, "openat2 refused \"..\" with %s, not EXDEV",
			strerror(errno));
	} else {
		msg_set(m, 1, "RESOLVE_BENEATH opens \".\" and refuses \"..\" "
			"with EXDEV");
	}
	close(root);
}

/* ---- cgroups ------------------------------------------------------------ */

enum { CG_MEMORY, CG_PIDS, CG_FREEZER, CG_N };
static const char *const cg_names[CG_N] = {"memory", "pids", "freezer"};

struct cg_info {
	int v1, v2;                    /* hierarchies with a controller seen */
	char v1_list[HOST_LIST_MAX];   /* controllers on v1, space-separated */
	char v1_dir[CG_N][PATH_MAX];   /* our cgroup on the controller's v1 */
	char v2_dir[PATH_MAX];         /* our cgroup on the v2 hierarchy */
	int v2_top;                    /* ... which is its root cgroup */
	char v2_avail[HOST_LIST_MAX];  /* its cgroup.controllers */
	char v2_deleg[HOST_LIST_MAX];  /* its cgroup.subtree_control */
	char err[160];                 /* why the layout is unknown */
};

static int has_word(const char *list, const char *w, char sep)
{
	size_t n = strlen(w);
	const char *p = list;

	while ((p = strstr(p, w))) {
		if ((p == list || p[-1] == sep) && (p[n] == sep || p[n] == 0))
			return 1;
		p += n;
	}
	return 0;
}

static void list_add(char *list, size_t size, const char *w, size_t n)
{
	size_t len = strlen(list);

	if (len + n + 2 > size)
		return;
	if (len)
		list[len++] = ' ';
	memcpy(list + len, w, n);
	list[len + n] = 0;
}

/* The next space-separated field of a line; *p moves past it. */
static char *next_field(char **p)
{
	char *s = *p, *end;

	if (!s || !*s)
		return NULL;
	end = strchr(s, ' ');
	if (end) {
		*end = 0;
		*p = end + 1;
	} else {
		*p = NULL;
	}
	return s;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *r = s, *w = s;

	for (; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' &&
		    r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
				      (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

/* Our cgroup's path on the hierarchy whose /proc/self/cgroup controller
 * field is ctl ("" for v2) or contains ctl; NULL if not listed. */
static const char *own_cgroup(char *cgroup, const char *ctl, char *out,
			      size_t size)
{
	char *line, *next, *c1, *c2;

	for (line = cgroup; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next = 0;
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2) {
			*c2 = 0;
			if (*ctl ? has_word(c1 + 1, ctl, ',') : !c1[1]) {
				snprintf(out, size, "%s", c2 + 1);
				*c2 = ':';
				if (next)
					*next = '\n';
				return out;
			}
			*c2 = ':';
		}
		if (next)
			*next++ = '\n';
	}
	return NULL;
}

/* Mount point plus our path relative to the mount's root. */
static void cg_dir(char *out, size_t size, const char *mnt, const char *root,
		   const char *own)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		n = 0;
	else if (strncmp(own, root, n) || (own[n] && own[n] != '/'))
		own = "", n = 0; /* outside this mount's view: its top */
	snprintf(out, size, "%s%s", mnt, own[n] == '/' && !own[n + 1] ? ""
		 : own + n);
}

/* One "cgroup" or "cgroup2" line of mountinfo. */
static void cg_mount(struct cg_info *cg, char *cgroup, const char *root,
		     const char *mnt, const char *type, char *opts)
{
	static const char *const not_controllers[] = {
		"rw", "ro", "xattr", "noprefix", "clone_children",
		"cpuset_v2_mode", "favordynmods",
	};
	char own[PATH_MAX], *p = opts, *tok, *end;
	size_t i;
	int j, skip;

	if (!strcmp(type, "cgroup2")) {
		if (cg->v2 || !own_cgroup(cgroup, "", own, sizeof own))
			return;
		cg->v2 = 1;
		cg_dir(cg->v2_dir, sizeof cg->v2_dir, mnt, root, own);
		cg->v2_top = !strcmp(cg->v2_dir, mnt);
		return;
	}
	for (tok = p; tok; tok = end ? end + 1 : NULL) {
		end = strchr(tok, ',');
		if (end)
			*end = 0;
		skip = strchr(tok, '=') != NULL;
		for (i = 0; i < sizeof not_controllers / sizeof *not_controllers; i++)
			skip |= !strcmp(tok, not_controllers[i]);
		if (!skip && !has_word(cg->v1_list, tok, ' ')) {
			cg->v1 = 1;
			list_add(cg->v1_list, sizeof cg->v1_list, tok, strlen(tok));
			for (j = 0; j < CG_N; j++)
				if (!strcmp(tok, cg_names[j]) &&
				    own_cgroup(cgroup, tok, own, sizeof own))
					cg_dir(cg->v1_dir[j], sizeof cg->v1_dir[j],
					       mnt, root, own);
		}
		if (end)
			*end = ',';
	}
}

static void cg_read_list(const char *dir, const char *file, char *out,
			 size_t size)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (read_small(path, out, size) < 0)
		out[0] = 0;
	squash(out);
}

static void cg_layout(struct cg_info *cg)
{
	struct buf mi = BUF_INIT, own = BUF_INIT;
	struct err e2;
	char *line, *next, *p, *f[5], *sep, *type, *src, *opts;
	int i;

	memset(cg, 0, sizeof *cg);
	if (read_file_bounded("/proc/self/mountinfo", HOST_PROC_MAX, &mi, &e2) < 0 ||
	    read_file_bounded("/proc/self/cgroup", HOST_PROC_MAX, &own, &e2) < 0) {
		snprintf(cg->err, sizeof cg->err, "%.150s", e2.msg);
		goto out;
	}
	for (line = (char *)mi.data; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		/* id parent dev root mountpoint opts [optional...] - type src sopts */
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = 0;
		p = sep + 3;
		type = next_field(&p);
		src = next_field(&p);
		opts = next_field(&p);
		if (!type || !src || !opts ||
		    (strcmp(type, "cgroup") && strcmp(type, "cgroup2")))
			continue;
		p = line;
		for (i = 0; i < 5; i++)
			if (!(f[i] = next_field(&p)))
				break;
		if (i < 5)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		cg_mount(cg, (char *)own.data, f[3], f[4], type, opts);
	}
	if (cg->v2) {
		cg_read_list(cg->v2_dir, "cgroup.controllers", cg->v2_avail,
			     sizeof cg->v2_avail);
		cg_read_list(cg->v2_dir, "cgroup.subtree_control", cg->v2_deleg,
			     sizeof cg->v2_deleg);
	}
out:
	buf_release(&mi);
	buf_release(&own);
}

/* Usable: the directory exists and this user may make cgroups in it. */
static int cg_usable(struct probe_msg *m, const char *dir, const char *what)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		msg_set(m, 0, "%s: our cgroup %s is not there", what, dir);
		return 0;
	}
	if (access(dir, W_OK) < 0) {
		msg_set(m, 0, "%s at %s, not writable by uid %u", what, dir,
			(unsigned)geteuid());
		return 0;
	}
	return 1;
}

/* Where a session's controller would go, by sandbox/cgroup.c's rules: v2
 * where our cgroup offers it and it is (or, at the top, can be) enabled
 * for children; else v1; the freezer follows v2 when a limit is there or
 * v1 has no freezer.  0 none, 1 v1, 2 v2. */
static int cg_plan(const struct cg_info *cg, int which)
{
	const char *name = cg_names[which];

	if (which == CG_FREEZER)
		return cg->v2 && (cg_plan(cg, CG_MEMORY) == 2 ||
				  cg_plan(cg, CG_PIDS) == 2 ||
				  !cg->v1_dir[which][0]) ? 2
			: cg->v1_dir[which][0] ? 1 : 0;
	if (cg->v2 && has_word(cg->v2_avail, name, ' ') &&
	    (has_word(cg->v2_deleg, name, ' ') || cg->v2_top))
		return 2;
	return cg->v1_dir[which][0] ? 1 : 0;
}

static void cg_controller(struct probe_msg *m, const struct cg_info *cg,
			  int which)
{
	const char *name = cg_names[which];
	int offered = cg->v2 && has_word(cg->v2_avail, name, ' ');

	if (cg->err[0]) {
		msg_set(m, -1, "%s", cg->err);
	} else if (cg_plan(cg, which) == 2 && which == CG_FREEZER) {
		if (!kernel_at_least(5, 2))
			msg_set(m, 0, "v2 has cgroup.freeze from Linux 5.2 only");
		else if (cg_usable(m, cg->v2_dir, "v2"))
			msg_set(m, 1, "v2 cgroup.freeze below %s", cg->v2_dir);
	} else if (cg_plan(cg, which) == 2) {
		if (cg_usable(m, cg->v2_dir, "v2"))
			msg_set(m, 1, "v2 below %s", cg->v2_dir);
	} else if (cg_plan(cg, which) == 1) {
		if (cg_usable(m, cg->v1_dir[which], "v1"))
			msg_set(m, 1, "v1 at %s%s", cg->v1_dir[which], offered
				? " (v2 offers it, not enabled for children)"
				: "");
	} else if (offered) {
		msg_set(m, 0, "v2 at %s offers it but does not enable it for "
			"child cgroups (cgroup.subtree_control); no v1 has it",
			cg->v2_dir);
	} else if (cg->v2) {
		msg_set(m, 0, "not on v1, not offered by v2 at %s", cg->v2_dir);
	} else {
		msg_set(m, 0, "no cgroup hierarchy has it");
	}
}

static void probe_cgroups(struct probe_msg *m)
{
	struct cg_info *cg;
	int i;

	cg = calloc(1, sizeof *cg);
	if (!cg) {
		msg_set(&m[0], -1, "out of memory");
		return;
	}
	cg_layout(cg);
	if (cg->err[0])
		msg_set(&m[0], -1, "%s", cg->err);
	else if (!cg->v1 && !cg->v2)
		msg_set(&m[0], 0, "no cgroup hierarchy is mounted");
	else if (!cg->v2)
		msg_set(&m[0], 1, "v1 only: %s", cg->v1_list);
	else if (!cg->v1)
		msg_set(&m[0], 1, "v2 only, at %s: offers %s, enables for "
			"children %s", cg->v2_dir,
			cg->v2_avail[0] ? cg->v2_avail : "none",
			cg->v2_deleg[0] ? cg->v2_deleg : "none");
	else
		msg_set(&m[0], 1, "hybrid: v1 has %s; v2 at %s offers %s, "
			"enables for children %s", cg->v1_list, cg->v2_dir,
			cg->v2_avail[0] ? cg->v2_avail : "none",
			cg->v2_deleg[0] ? cg->v2_deleg : "none");
	for (i = 0; i < CG_N; i++)
		cg_controller(&m[1 + i], cg, i);
	free(cg);
}

/* ---- the rest, read without a child ------------------------------------ */

static void probe_kernel(struct probe_msg *m)
{
	struct utsname u;

	if (uname(&u) < 0)
		msg_setup(m, "uname", errno);
	else
		msg_set(m, 1, "%s %s %s", u.sysname, u.release, u.machine);
}

static void probe_tiocsti(struct probe_msg *m)
{
	char v[32];

	if (read_small("/proc/sys/dev/tty/legacy_tiocsti", v, sizeof v) < 0) {
		if (errno == ENOENT)
			msg_set(m, 0, "no dev.tty.legacy_tiocsti (before Linux "
				"6.2): TIOCSTI always works on ttys");
		else
			msg_setup(m, "dev.tty.legacy_tiocsti", errno);
	} else if (!strcmp(v, "0")) {
		msg_set(m, 1, "dev.tty.legacy_tiocsti = 0: the kernel refuses "
			"TIOCSTI without CAP_SYS_ADMIN");
	} else {
		msg_set(m, 0, "dev.tty.legacy_tiocsti = %s: TIOCSTI works on "
			"ttys", v);
	}
}

/* ---- the report ---------------------------------------------------------- */

static const struct {
	int feature;
	void (*fn)(struct probe_msg *m, const void *arg);
	const void *arg;
} child_probes[] = {
	{F_USERNS, probe_userns, NULL},
	{F_PIDNS, probe_ns, &ns_pid},
	{F_MNTNS, probe_ns, &ns_mnt},
	{F_NETNS, probe_ns, &ns_net},
	{F_IPCNS, probe_ns, &ns_ipc},
	{F_UTSNS, probe_ns, &ns_uts},
	{F_CGROUPNS, probe_ns, &ns_cgroup},
	{F_TIMENS, probe_ns, &ns_time},
	{F_USERNS_UNPRIV, probe_userns_unpriv, NULL},
	{F_SECCOMP, probe_seccomp, NULL},
	{F_OVERLAY, probe_overlay, NULL},
	{F_OVERLAY_USERNS, probe_overlay_userns, NULL},
	{F_PIDFD, probe_pidfd, NULL},
	{F_CLOSE_RANGE, probe_close_range, NULL},
	{F_OPENAT2, probe_openat2, NULL},
};

int hostinfo_probe(struct host_feature **out, size_t *n, struct err *e)
{
	struct hostinfo_block *b;
	struct probe_msg *m;
	size_t i;
	char *d;

	b = calloc(1, sizeof *b);
	m = calloc(F_COUNT, sizeof *m);
	if (!b || !m) {
		free(b);
		free(m);
		return err_set(e, ERR_HOST, "out of memory");
	}
	for (i = 0; i < F_COUNT; i++)
		m[i].state = -1;
	probe_kernel(&m[F_KERNEL]);
	probe_root(&m[F_ROOT], NULL);
	/* Children copy the caller's stdio buffers; they never flush them. */
	for (i = 0; i < sizeof child_probes / sizeof child_probes[0]; i++)
		if (run_probe(child_probes[i].fn, child_probes[i].arg,
			      &m[child_probes[i].feature], e) < 0) {
			free(b);
			free(m);
			return err_wrap(e, "probing %s",
					defs[child_probes[i].feature].name);
		}
	probe_cgroups(&m[F_CGROUPS]);
	probe_tiocsti(&m[F_TIOCSTI]);
	for (i = 0; i < F_COUNT; i++) {
		/* Details are printable ASCII: paths come from the host. */
		for (d = m[i].detail; *d; d++)
			if (*d < 0x20 || *d > 0x7e)
				*d = '?';
		memcpy(b->detail[i], m[i].detail, HOST_DETAIL_MAX);
		b->v[i].name = defs[i].name;
		b->v[i].state = m[i].state;
		b->v[i].detail = b->detail[i];
		b->v[i].cost = defs[i].cost;
		b->v[i].required = defs[i].required;
	}
	free(m);
	*out = b->v;
	*n = F_COUNT;
	return 0;
}

void hostinfo_free(struct host_feature *v)
{
	/* v is the first member of its block. */
	free(v);
}

int hostinfo_safe(const struct host_feature *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].required && v[i].state != 1)
			return 0;
	return 1;
}

const struct host_feature *hostinfo_find(const struct host_feature *v,
					 size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}
