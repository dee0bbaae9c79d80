/* child: the sandbox's side, from the clone until labrun-init: inner
 * root, the cgroup namespace, the pivot, loopback and network faults, the
 * services and the candidate's process (ids dropped, limits, descriptors
 * closed, seccomp last), and the seqpacket channel back to the
 * supervisor (both of its ends).  Nothing here returns to the caller: a
 * failure is reported on the channel and the process exits. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "sandbox/sandbox.h"
#include "sandbox/sbx_int.h"
#include "sandbox/seccomp_policy.h"

/* Messages from the sandbox's side to the supervisor over a seqpacket
 * socket: "F" with the listener descriptor, or "E<message>". */
static void child_fail(int sock, const char *what, int errnum)
{
	char msg[400];
	int n;

	n = snprintf(msg, sizeof msg, "E%s%s%s", what, errnum ? ": " : "",
		     errnum ? strerror(errnum) : "");
	if (n > 0)
		(void)!send(sock, msg, (size_t)n < sizeof msg ? (size_t)n
							     : sizeof msg - 1,
			    MSG_NOSIGNAL);
	_exit(125);
}

int chan_send_fd(int sock, const char *tag, int fd)
{
	struct iovec iov = {(void *)tag, strlen(tag)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {0};
	struct cmsghdr *c;

	memset(&u, 0, sizeof u);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof u.buf;
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -1;
}

static void set_limit(int sock, int res, unsigned long long v, const char *what)
{
	struct rlimit rl = {(rlim_t)v, (rlim_t)v};

	if (setrlimit(res, &rl) < 0)
		child_fail(sock, what, errno);
}

/* Touch the stack this process still needs before exec.  RLIMIT_AS may
 * be below what the inherited image already maps (a small memory limit,
 * or any limit under ASan's shadow), and from then on the stack cannot
 * grow: a deeper call would die of SIGSEGV before the exec. */
static __attribute__((noinline)) void reserve_stack(void)
{
	volatile char pad[64 * 1024];
	size_t i;

	for (i = 0; i < sizeof pad; i += 1024)
		pad[i] = 0;
}

static void set_limits(int sock, const struct sbx_config *c)
{
	reserve_stack();
	set_limit(sock, RLIMIT_CORE, 0, "RLIMIT_CORE");
	set_limit(sock, RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK");
	if (c->nofile)
		set_limit(sock, RLIMIT_NOFILE, c->nofile, "RLIMIT_NOFILE");
	if (c->nproc)
		set_limit(sock, RLIMIT_NPROC, c->nproc, "RLIMIT_NPROC");
	if (c->cpu_s)
		set_limit(sock, RLIMIT_CPU, c->cpu_s, "RLIMIT_CPU");
	if (c->fsize_bytes)
		set_limit(sock, RLIMIT_FSIZE, c->fsize_bytes, "RLIMIT_FSIZE");
	if (c->as_bytes)
		set_limit(sock, RLIMIT_AS, c->as_bytes, "RLIMIT_AS");
}

static void drop_ids(int sock, unsigned id)
{
	gid_t gid = id;

	if (setgroups(1, &gid) < 0 || setresgid(id, id, id) < 0 ||
	    setresuid(id, id, id) < 0)
		child_fail(sock, "dropping ids", errno);
}

/* A service: its own session, output to its log, the services' id (not
 * the candidate's), the same limits, its own filter without a listener.
 * A service that cannot start says so in its log; the session goes on. */
void child_service_main(const struct child_args *a, size_t index)
{
	const struct sbx_service *sv = &a->s->cfg.services[index];
	char tag[24];
	int listener;
	char *envp[4 + 8 + 1] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/var/lib/service",
		"LANG=C.UTF-8", "TZ=UTC", NULL,
	};
	size_t ne = 4;
	char log[128];
	int fd, null;

	for (; sv->env && sv->env[ne - 4] && ne < 4 + 8; ne++)
		envp[ne] = sv->env[ne - 4];
	envp[ne] = NULL;
	setsid();
	drop_ids(a->sock, SBX_SERVICE_ID);
	snprintf(log, sizeof log, SBX_SERVICE_LOGS "/%s.log", sv->name);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
	null = open("/dev/null", O_RDONLY);
	if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 ||
	    dup2(fd, 2) < 0 || dup2(a->sock, 3) < 0 || chdir("/") < 0)
		_exit(126);
	if (syscall(SYS_close_range, 4, ~0u, 0) < 0)
		_exit(126);
	set_limits(-1, &a->s->cfg);
	/* With a fault plan on the services, their trapped calls go to the
	 * supervisor through a listener of this service's own. */
	if (scp_install(&a->svc_filter,
			a->s->cfg.trap_services ? &listener : NULL) < 0)
		_exit(126);
	snprintf(tag, sizeof tag, "S%zu", index);
	/* A listener this process still holds would leave its own trapped
	 * calls unanswered forever: close it before giving up. */
	if (a->s->cfg.trap_services && chan_send_fd(3, tag, listener) < 0) {
		close(listener);
		_exit(126);
	}
	if (a->s->cfg.trap_services)
		close(listener);
	close(3);
	execve(sv->argv[0], sv->argv, envp);
	dprintf(2, "labrun: service %s: %s: %s\n", sv->name, sv->argv[0],
		strerror(errno));
	_exit(127);
}

/* The candidate's process: fd 0-2 set, everything else closed, ids
 * dropped, limits set, seccomp loaded last. */
static void candidate_main(const struct child_args *a)
{
	int in, listener, sock = a->sock;

	if (setsid() < 0 || ioctl(a->slave, TIOCSCTTY, 0) < 0)
		child_fail(sock, "terminal", errno);
	in = a->stdin_null ? open("/dev/null", O_RDONLY) : dup(a->slave);
	if (in < 0 || dup2(in, 0) < 0 || dup2(a->slave, 1) < 0 ||
	    dup2(a->slave, 2) < 0)
		child_fail(sock, "standard descriptors", errno);
	if (dup2(sock, 3) < 0)
		child_fail(sock, "supervisor channel", errno);
	sock = 3;
	if (syscall(SYS_close_range, 4, ~0u, 0) < 0)
		child_fail(sock, "close_range", errno);
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	drop_ids(sock, SBX_CANDIDATE_ID);
	if (chdir(SBX_CANDIDATE_HOME) < 0)
		child_fail(sock, SBX_CANDIDATE_HOME, errno);
	umask(022);
	set_limits(sock, &a->s->cfg);
	/* Last: after this the filter is in force, and its listener goes to
	 * the supervisor; our own copy is closed before exec. */
	if (scp_install(&a->filter, &listener) < 0)
		child_fail(sock, "seccomp filter", errno);
	/* The supervisor gone (killed mid-setup): our own exit is a
	 * notified call, and a listener we still held would leave it
	 * waiting forever, and the sandbox with it. */
	if (chan_send_fd(sock, "F", listener) < 0) {
		int err = errno;

		close(listener);
		child_fail(sock, "passing the seccomp listener", err);
	}
	close(listener);
	execve(a->argv[0], a->argv, a->envp);
	child_fail(sock, a->argv[0], errno);
}

static void loopback_up(int sock)
{
	struct ifreq ifr;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		child_fail(sock, "loopback socket", errno);
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		child_fail(sock, "loopback flags", errno);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		child_fail(sock, "loopback up", errno);
	close(fd);
}

/* Loopback TCP ports whose connections fail: nftables rules in the
 * sandbox's network namespace, loaded by nft as the sandbox's root. */
static void block_ports(int sock, const struct sbx_config *c)
{
	char *argv[] = {"nft", "-f", "-", NULL};
	char *envp[] = {NULL};
	char rules[4096];
	size_t n = 0, i;
	int p[2], status, null;
	pid_t pid;

	if (!c->nblocks)
		return;
	n += (size_t)snprintf(rules + n, sizeof rules - n,
			      "table inet labrun {\n chain out {\n"
			      "  type filter hook output priority 0; policy accept;\n");
	for (i = 0; i < c->nblocks && n < sizeof rules; i++)
		n += (size_t)snprintf(rules + n, sizeof rules - n,
				      "  tcp dport %d %s\n", c->blocks[i].port,
				      c->blocks[i].drop ? "drop" : "reject with tcp reset");
	if (n < sizeof rules)
		n += (size_t)snprintf(rules + n, sizeof rules - n, " }\n}\n");
	if (n >= sizeof rules)
		child_fail(sock, "network faults: too many rules", 0);
	if (access("/usr/sbin/nft", X_OK) < 0)
		child_fail(sock, "network faults need /usr/sbin/nft (Debian package nftables)",
			   errno);
	if (pipe(p) < 0)
		child_fail(sock, "network faults: pipe", errno);
	pid = fork();
	if (pid < 0)
		child_fail(sock, "network faults: fork", errno);
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		if (dup2(p[0], 0) < 0 || null < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0)
			_exit(126);
		syscall(SYS_close_range, 3, ~0u, 0);
		execve("/usr/sbin/nft", argv, envp);
		_exit(127);
	}
	close(p[0]);
	if (write_all(p[1], rules, n) < 0)
		child_fail(sock, "network faults: writing the rules", errno);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		child_fail(sock, "network faults: nft refused the rules (does this kernel have nf_tables?)", 0);
}

/* pid 1 of the sandbox until it execs labrun-init. */
void child_sandbox_main(const struct child_args *a)
{
	char path[PATH_MAX + 64], pidbuf[24];
	char *init_argv[3];
	char *init_envp[1] = {NULL};
	int sock = a->sock, null;
	pid_t cand, service_pids[SBX_MAX_SERVICES];
	size_t i;
	char go;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(125);
	/* The supervisor writes our id maps, then says go; EOF means it is
	 * gone (and then so are we). */
	if (read(a->go, &go, 1) != 1)
		_exit(125);
	close(a->go);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		child_fail(sock, "inner root", errno);
	/* The cgroup namespace is made here, after the supervisor moved us
	 * into the session's cgroups, so that it is rooted there. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		child_fail(sock, "cgroup namespace", errno);
	/* Copied mounts are locked: a fresh bind of the root can be
	 * pivoted to, and its locked submounts stay read-only. */
	if (mount(a->s->root, a->s->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail(sock, "bind the root", errno);
	snprintf(path, sizeof path, "%s/proc", a->s->root);
	/* Processes of other ids (pid 1, later the scenario's services)
	 * are invisible to the candidate, not merely unreadable. */
	if (mount("proc", path, "proc",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  "hidepid=invisible") < 0)
		child_fail(sock, "mount /proc", errno);
	snprintf(path, sizeof path, "%s/dev/pts", a->s->root);
	if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		child_fail(sock, "mount /dev/pts", errno);
	if (chdir(a->s->root) < 0)
		child_fail(sock, "chdir to the root", errno);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail(sock, "pivot_root", errno);
	if (umount2(".", MNT_DETACH) < 0)
		child_fail(sock, "detach the old root", errno);
	if (chdir("/") < 0)
		child_fail(sock, "chdir /", errno);
	if (sethostname("lab", 3) < 0)
		child_fail(sock, "sethostname", errno);
	loopback_up(sock);
	block_ports(sock, &a->s->cfg);
	for (i = 0; i < a->s->cfg.nservices; i++) {
		pid_t sp = fork();

		if (sp < 0)
			child_fail(sock, "fork a service", errno);
		if (sp == 0)
			child_service_main(a, i);
		service_pids[i] = sp;
		/* The supervisor signals services through their pidfds
		 * (process faults); in service order, before the listener. */
		{
			int pfd = (int)syscall(SYS_pidfd_open, sp, 0);

			if (pfd < 0 || chan_send_fd(sock, "P", pfd) < 0)
				child_fail(sock, "a service's pidfd", errno);
			close(pfd);
		}
	}
	/* The candidate enters a platform that serves: wait for each service
	 * that says when it is ready, unless it ends first. */
	for (i = 0; i < a->s->cfg.nservices; i++) {
		const char *ready = a->s->cfg.services[i].ready;
		int st;

		for (int ms = 0; ready && ms < SBX_READY_MS; ms += 10) {
			if (access(ready, F_OK) == 0 ||
			    waitpid(service_pids[i], &st, WNOHANG) == service_pids[i])
				break;
			usleep(10000);
		}
	}
	/* The crash sweep's "services" point: the supervisor is killed once
	 * every service is up; the candidate's setup then meets it gone. */
	if (crash_armed("services")) {
		struct pollfd hup = {sock, 0, 0};

		(void)!poll(&hup, 1, 5000);
	}
	cand = fork();
	if (cand < 0)
		child_fail(sock, "fork", errno);
	if (cand == 0)
		candidate_main(a);
	/* Become labrun-init: a fresh image, nothing of the supervisor's
	 * memory (keys, grader, answer keys) stays in the sandbox. */
	null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0)
		child_fail(sock, "init descriptors", errno);
	/* Nothing labrun inherited (its caller's pipes) stays open in
	 * pid 1: a caller reading labrun's output must see its end when
	 * labrun ends. */
	if (syscall(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail(sock, "init descriptors", errno);
	snprintf(pidbuf, sizeof pidbuf, "%d", (int)cand);
	init_argv[0] = "labrun-init";
	init_argv[1] = pidbuf;
	init_argv[2] = NULL;
	syscall(SYS_execveat, a->init_fd, "", init_argv, init_envp, AT_EMPTY_PATH);
	child_fail(sock, "exec labrun-init", errno);
}

/* The channel's other end, read by the supervisor (supervise.c, and
 * services.c for a restarted service). */
int chan_recv_msg(int sock, int *fd_out, char *text, size_t textsize)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {text, textsize - 1};
	struct msghdr mh = {0};
	struct cmsghdr *c;
	ssize_t n;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof u.buf;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return (int)n;
	text[n] = 0;
	*fd_out = -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd_out, CMSG_DATA(c), sizeof(int));
	return (int)n;
}
