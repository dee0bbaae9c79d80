/* supervise: sbx_run, the supervisor's side of one session: it
 * prepares the root and the channels, clones the sandbox, serves its
 * setup, then runs one poll loop whose handlers each serve one kind of
 * event (the terminal and keyboard, the seccomp listeners, the setup
 * channel, the lab channel, pidfds, timers) in a fixed order, and reaps
 * pid 1 at the end.  What each event means lives with its part
 * (notify.c, services.c, lab.c); here is only when it is looked at. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"
#include "sandbox/sbx_int.h"
#include "sandbox/seccomp_policy.h"

static int write_map(pid_t pid, const char *file, uid_t base, struct err *e)
{
	char path[64], map[64];
	int fd, n;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	n = snprintf(map, sizeof map, "0 %u %u\n", (unsigned)base, SBX_ID_RANGE);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	if (write(fd, map, (size_t)n) != n) {
		close(fd);
		return err_sys(e, ERR_HOST, errno, "%s", path);
	}
	close(fd);
	return 0;
}

static int open_pty(unsigned width, unsigned height, int *master, int *slave,
		    struct err *e)
{
	struct winsize ws = {0};
	struct termios t;
	char name[64];
	int m, sl;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return err_sys(e, ERR_HOST, errno, "pseudo-terminal");
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name)) {
		close(m);
		return err_sys(e, ERR_HOST, errno, "pseudo-terminal");
	}
	sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sl < 0) {
		close(m);
		return err_sys(e, ERR_HOST, errno, "%s", name);
	}
	ws.ws_col = (unsigned short)width;
	ws.ws_row = (unsigned short)height;
	ioctl(m, TIOCSWINSZ, &ws);
	/* Output as a terminal shows it: "\n" becomes "\r\n". */
	if (tcgetattr(sl, &t) == 0) {
		t.c_oflag |= OPOST | ONLCR;
		tcsetattr(sl, TCSANOW, &t);
	}
	fcntl(m, F_SETFL, O_NONBLOCK);
	*master = m;
	*slave = sl;
	return 0;
}

static void drain(int master, int64_t t0_us, const struct sbx_hooks *h,
		  int *stop)
{
	unsigned char buf[16384];
	int64_t deadline = time_mono_ms() + SBX_DRAIN_MS;
	ssize_t n;

	while (time_mono_ms() < deadline) {
		n = read(master, buf, sizeof buf);
		if (n <= 0)
			return;
		if (!*stop && h->output &&
		    h->output(h->ctx, time_mono_us() - t0_us, buf,
			      (size_t)n) != 0)
			*stop = 1;
	}
}

/* "S<index>" with a service's listener: keep it (once per service). */
static void take_service_listener(const char *msg, int fd, int *listeners,
				  size_t nservices)
{
	char *end;
	unsigned long i = strtoul(msg + 1, &end, 10);

	if (end != msg + 1 && !*end && i < nservices && i < SBX_MAX_SERVICES &&
	    listeners[i] < 0) {
		listeners[i] = fd;
		notif_sync_wake_up(fd);
		return;
	}
	close(fd);
}

/* Everything one sbx_run holds, so that its phases and the loop's
 * handlers can share it. */
struct run {
	struct sbx *s;
	const struct sbx_hooks *hooks;
	struct sbx_outcome *out;
	struct child_args a;
	struct notif_bufs nb;
	struct exec_read *x;
	int master, slave, socks[2], gop[2];
	int init_fd, pidfd, listener, stop;
	int cand_pidfd;
	int interactive;
	unsigned width, height; /* the candidate's terminal, as last told */
	unsigned char pending[SBX_INPUT_MAX]; /* keyboard bytes for the terminal */
	size_t npending;
	struct lab_conn lab[SBX_LAB_CONNS];
	int watch_master, watch_listener;
	int svc_listener[SBX_MAX_SERVICES];
	int own_filter, own_svc_filter;
	int64_t t0_us, deadline; /* the phase's start (us) and end (ms) */
	pid_t pid;               /* the sandbox's pid 1 */
};

/* The main loop's poll set: fixed slots first, then the lab's and the
 * services' pidfds. */
enum {
	P_MASTER,   /* the terminal's output */
	P_LISTENER, /* the candidate's seccomp notifications */
	P_PID1,     /* the sandbox's pid 1 ended */
	P_CONTROL,  /* the setup channel: late messages */
	P_SVC_NOTIF, /* SBX_MAX_SERVICES: the services' notifications */
	P_THAW = P_SVC_NOTIF + SBX_MAX_SERVICES, /* the candidate's end */
	P_INPUT,    /* the keyboard, or the terminal while it is full */
	P_LAB,      /* the lab channel's listening socket */
	P_LAB_CONN, /* SBX_LAB_CONNS: its connections */
	P_SVC = P_LAB_CONN + SBX_LAB_CONNS, /* SBX_MAX_SERVICES: pidfds */
	P_COUNT = P_SVC + SBX_MAX_SERVICES,
};

static void run_init(struct run *r, struct sbx *s, const struct sbx_hooks *hooks,
		     struct sbx_outcome *out, int stdin_null)
{
	size_t k;

	memset(r, 0, sizeof *r);
	r->s = s;
	r->hooks = hooks;
	r->out = out;
	r->master = r->slave = -1;
	r->socks[0] = r->socks[1] = r->gop[0] = r->gop[1] = -1;
	r->init_fd = r->pidfd = r->listener = r->cand_pidfd = -1;
	r->interactive = !stdin_null && hooks->input_fd >= 0;
	r->watch_master = r->watch_listener = 1;
	r->pid = -1;
	memset(out, 0, sizeof *out);
	out->exit_status = -1;
	for (k = 0; k < SBX_MAX_SERVICES; k++) {
		r->svc_listener[k] = -1;
		memset(&s->svc[k], 0, sizeof s->svc[k]);
		s->svc[k].pidfd = -1;
	}
	s->nsvc = 0;
	for (k = 0; k < SBX_LAB_CONNS; k++)
		r->lab[k].fd = -1;
}

/* Everything the clone needs: the root, the terminal, the channels, the
 * compiled filters. */
static int run_prepare(struct run *r, char *const argv[], char *const envp[],
		       int stdin_null, struct err *e)
{
	struct sbx *s = r->s;

	/* The lab channel is bound into the root between its two steps. */
	if (rootfs_build(s, e) < 0 || (s->cfg.lab && lab_listen(s, e) < 0) ||
	    rootfs_finish(s, e) < 0 || notif_alloc(&r->nb, e) < 0)
		return -1;
	r->x = malloc(sizeof *r->x);
	if (!r->x)
		return err_set(e, ERR_HOST, "out of memory");
	if (open_pty(s->cfg.width, s->cfg.height, &r->master, &r->slave, e) < 0)
		return -1;
	r->width = s->cfg.width;
	r->height = s->cfg.height;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r->socks) < 0 ||
	    pipe2(r->gop, O_CLOEXEC) < 0)
		return err_sys(e, ERR_HOST, errno, "socketpair");
	r->init_fd = open(s->init_path, O_PATH | O_CLOEXEC);
	if (r->init_fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", s->init_path);
	r->a.s = s;
	r->a.argv = argv;
	r->a.envp = envp;
	r->a.stdin_null = stdin_null;
	r->a.slave = r->slave;
	r->a.sock = r->socks[1];
	r->a.go = r->gop[0];
	r->a.init_fd = r->init_fd;
	/* Compiled at build time: nothing to compile per launch, unless a
	 * fault plan traps calls (then about a millisecond). */
	if (scp_embedded(SBX_PROFILE_CANDIDATE, &r->a.filter) < 0 ||
	    scp_embedded(SBX_PROFILE_SERVICE, &r->a.svc_filter) < 0)
		return err_set(e, ERR_BUG, "no embedded seccomp program");
	if (s->cfg.trap_candidate) {
		if (scp_compile(SBX_PROFILE_CANDIDATE, s->cfg.trap_candidate,
				&r->a.filter, e) < 0)
			return -1;
		r->own_filter = 1;
	}
	if (s->cfg.trap_services) {
		if (scp_compile(SBX_PROFILE_SERVICE, s->cfg.trap_services,
				&r->a.svc_filter, e) < 0)
			return -1;
		r->own_svc_filter = 1;
	}
	return 0;
}

/* The sandbox's pid 1 in its namespaces, with its id maps, in the
 * session's cgroups, told to go. */
static int run_clone(struct run *r, struct err *e)
{
	struct sbx *s = r->s;
	pid_t pid;

	fflush(NULL);
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID |
				 CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC |
				 CLONE_NEWUTS | SIGCHLD,
			     NULL, NULL, NULL, NULL);
	r->pid = pid;
	if (pid < 0)
		return err_sys(e, ERR_HOST, errno,
			       "cannot create the sandbox's namespaces; hint: labrun doctor tells what this host lacks");
	if (pid == 0) {
		close(r->socks[0]);
		close(r->gop[1]);
		child_sandbox_main(&r->a);
		_exit(125);
	}
	close(r->socks[1]);
	r->socks[1] = -1;
	close(r->gop[0]);
	r->gop[0] = -1;
	close(r->slave);
	r->slave = -1;
	r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	{
		char path[64];
		struct stat st;

		/* what proc_session_members may signal */
		snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
		if (stat(path, &st) == 0) {
			s->pidns_dev = st.st_dev;
			s->pidns_ino = st.st_ino;
		}
	}
	if (r->pidfd < 0 || write_map(pid, "uid_map", s->base, e) < 0 ||
	    write_map(pid, "gid_map", s->base, e) < 0) {
		if (r->pidfd < 0)
			err_sys(e, ERR_HOST, errno, "pidfd_open");
		return -1;
	}
	/* Into the session's cgroups while the child still waits: nothing
	 * it starts is charged elsewhere. */
	if (s->cg && cg_attach(s->cg, pid, e) < 0)
		return -1;
	if (write(r->gop[1], "g", 1) != 1)
		return err_sys(e, ERR_HOST, errno, "starting the sandbox");
	close(r->gop[1]);
	r->gop[1] = -1;
	return 0;
}

/* The session ends with an error of the supervisor's (1: end the loop). */
static int run_error(struct run *r, const char *what, int errnum)
{
	snprintf(r->out->error, sizeof r->out->error, "%s: %s", what,
		 strerror(errnum));
	r->out->end = SBX_END_ERROR;
	return 1;
}

/* Setup: the services' notifications that came in.  Returns whether one
 * was served, or -1 (the session ends). */
static int setup_serve_services(struct run *r, const struct pollfd *p, int n)
{
	int served = 0;
	size_t k;

	for (k = 0; n > 0 && k < SBX_MAX_SERVICES; k++) {
		if (!(p[2 + k].revents & POLLIN))
			continue;
		served = 1;
		if (notif_handle(r->svc_listener[k], (int)k, &r->nb, r->t0_us,
				 r->hooks, r->x) < 0) {
			run_error(r, "seccomp notification of a service", errno);
			return -1;
		}
	}
	return served;
}

/* Setup: a message from the sandbox's side.  1: the candidate's listener
 * came (setup is over), 0: more to come, -1: setup failed. */
static int setup_message(struct run *r)
{
	struct sbx *s = r->s;
	char msg[512];
	int n, fd = -1;

	n = chan_recv_msg(r->socks[0], &fd, msg, sizeof msg);
	if (n > 0 && msg[0] == 'P' && fd >= 0 &&
	    s->nsvc < s->cfg.nservices && s->nsvc < SBX_MAX_SERVICES) {
		svc_started(s, s->nsvc++, fd, time_mono_ms());
		if (s->nsvc == s->cfg.nservices)
			crash_point("services");
		return 0;
	}
	if (n > 0 && msg[0] == 'S' && fd >= 0) {
		take_service_listener(msg, fd, r->svc_listener,
				      s->cfg.nservices);
		return 0;
	}
	if (n > 0 && msg[0] == 'F' && fd >= 0) {
		r->listener = fd;
		notif_sync_wake_up(r->listener);
		return 1;
	}
	if (fd >= 0)
		close(fd);
	snprintf(r->out->error, sizeof r->out->error,
		 "sandbox setup failed: %.400s",
		 n > 0 && msg[0] == 'E' ? msg + 1 : "no listener");
	r->out->end = SBX_END_ERROR;
	return -1;
}

/* Setup: a pidfd per service, then the listener; or what went wrong.
 * Meanwhile the services start, and the candidate waits for them to be
 * ready: their trapped calls are served already, or a fault on a
 * service's start would hold the setup up for good.  0: the candidate's
 * program starts; -1: the session ended (r->out says how). */
static int run_setup(struct run *r)
{
	int64_t deadline, now;
	size_t k;

	r->t0_us = time_mono_us();
	deadline = time_mono_ms() + SBX_SETUP_MS + SBX_READY_MS;
	for (;;) {
		struct pollfd p[2 + SBX_MAX_SERVICES] = {{r->socks[0], POLLIN, 0},
							 {r->pidfd, POLLIN, 0}};
		int n, served, rc;
		int64_t due;

		for (k = 0; k < SBX_MAX_SERVICES; k++) {
			p[2 + k].fd = r->svc_listener[k];
			p[2 + k].events = POLLIN;
		}
		now = time_mono_ms();
		due = notif_release_held(&r->nb, now); /* a delay fault on a service's start */
		if (due > deadline)
			due = deadline;
		n = poll(p, 2 + SBX_MAX_SERVICES, (int)(due > now ? due - now : 0));
		if (n == 0 && time_mono_ms() < deadline)
			continue;
		served = setup_serve_services(r, p, n);
		if (served < 0)
			return -1;
		if (served && !(p[0].revents & POLLIN))
			continue;
		if (n <= 0 || !(p[0].revents & POLLIN)) {
			snprintf(r->out->error, sizeof r->out->error,
				 n == 0 ? "the sandbox was not ready in %d ms"
					: "the sandbox ended during setup",
				 SBX_SETUP_MS + SBX_READY_MS);
			r->out->end = SBX_END_ERROR;
			return -1;
		}
		rc = setup_message(r);
		if (rc)
			return rc > 0 ? 0 : -1;
	}
}

/* The loop's poll set, before the timers look (they may close a lab
 * connection and set the thaw slot).  Returns its length. */
static int loop_fds(struct run *r, struct pollfd *p)
{
	struct sbx *s = r->s;
	int np = P_SVC_NOTIF;
	size_t k;

	memset(p, 0, sizeof *p * P_COUNT);
	p[P_MASTER] = (struct pollfd){r->watch_master ? r->master : -1, POLLIN, 0};
	p[P_LISTENER] = (struct pollfd){r->watch_listener ? r->listener : -1, POLLIN, 0};
	p[P_PID1] = (struct pollfd){r->pidfd, POLLIN, 0};
	p[P_CONTROL] = (struct pollfd){r->socks[0], POLLIN, 0};
	for (k = 0; k < SBX_MAX_SERVICES; k++) {
		p[np].fd = r->svc_listener[k];
		p[np].events = POLLIN;
		np++;
	}
	p[np].events = POLLIN; /* P_THAW: the candidate's end, see the thaw */
	np++;
	/* the keyboard, held back while the terminal is full */
	p[np].fd = r->interactive ? (r->npending ? r->master : r->hooks->input_fd) : -1;
	p[np].events = r->npending ? POLLOUT : POLLIN;
	np++;
	p[np].fd = lab_free(r->lab) >= 0 ? s->lab_fd : -1;
	p[np].events = POLLIN;
	np++;
	for (k = 0; k < SBX_LAB_CONNS; k++) {
		p[np].fd = r->lab[k].fd;
		p[np].events = POLLIN;
		np++;
	}
	for (k = 0; k < SBX_MAX_SERVICES; k++) {
		p[np].fd = k < s->nsvc ? s->svc[k].pidfd : -1;
		p[np].events = POLLIN;
		np++;
	}
	return np;
}

void sbx_term_size(int fd, unsigned *width, unsigned *height)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_col || !ws.ws_row) {
		*width = SBX_TERM_COLS;
		*height = SBX_TERM_ROWS;
		return;
	}
	*width = ws.ws_col < SBX_TERM_MAX ? ws.ws_col : SBX_TERM_MAX;
	*height = ws.ws_row < SBX_TERM_MAX ? ws.ws_row : SBX_TERM_MAX;
}

/* The terminal's size follows the candidate's (SIGWINCH); a size that
 * changed is told to the resize hook, which records it.  Changed against
 * the candidate's last size, not the sandbox terminal's: a candidate may
 * set that (stty cols), and their screen is what is recorded. */
static int on_winch(struct run *r)
{
	const struct sbx_hooks *h = r->hooks;
	struct winsize ws = {0};
	unsigned w, hgt;

	if (!r->interactive || !h->winch || !*h->winch)
		return 0;
	*h->winch = 0;
	sbx_term_size(h->input_fd, &w, &hgt);
	ws.ws_col = (unsigned short)w;
	ws.ws_row = (unsigned short)hgt;
	if (ioctl(r->master, TIOCSWINSZ, &ws) < 0 ||
	    (w == r->width && hgt == r->height))
		return 0;
	r->width = w;
	r->height = hgt;
	return h->resize ? h->resize(h->ctx, time_mono_us() - r->t0_us, w, hgt)
			 : 0;
}

/* Once the candidate's program ends, pid 1 ends and waits for every
 * process of the sandbox: none may stay frozen. */
static void on_thaw(struct run *r, struct pollfd *p)
{
	struct sbx *s = r->s;

	if (s->frozen && r->nb.first_pid > 0 && r->cand_pidfd < 0)
		r->cand_pidfd = (int)syscall(SYS_pidfd_open, r->nb.first_pid, 0);
	if (s->frozen && r->cand_pidfd >= 0) {
		struct pollfd cp = {r->cand_pidfd, POLLIN, 0};

		if (poll(&cp, 1, 0) == 1) {
			cg_thaw_procs(s->cg);
			s->frozen = 0;
		}
	}
	p[P_THAW].fd = s->frozen ? r->cand_pidfd : -1;
}

/* The timers: samples, the tick hook, process faults, held calls, the
 * service manager, the thaw, the wall-clock limit.  Returns 1 to end the
 * session, else 0 with when the loop must wake next in *wake. */
static int on_timers(struct run *r, struct pollfd *p, int64_t now,
		     int64_t *wake)
{
	struct sbx *s = r->s;
	const struct sbx_hooks *h = r->hooks;
	int64_t held_due, svc_due;
	size_t k;

	if (now >= s->sampled_ms + SBX_SAMPLE_MS) {
		sample_disks(s);
		sample_cpu(s);
	}
	if (h->tick && h->tick(h->ctx, time_mono_us() - r->t0_us)) {
		r->out->end = SBX_END_HOOK;
		return 1;
	}
	svc_fire_signals(s, &r->nb, r->t0_us / 1000, now);
	held_due = notif_release_held(&r->nb, now);
	svc_due = svc_tick(s, &r->a, r->pidfd, r->pid, r->svc_listener,
			   r->t0_us / 1000, now);
	on_thaw(r, p);
	if (now >= r->deadline) {
		r->out->end = SBX_END_TIMEOUT;
		return 1;
	}
	*wake = svc_next_signal(&s->cfg, r->t0_us / 1000, r->deadline);
	if (held_due < *wake)
		*wake = held_due;
	if (svc_due < *wake)
		*wake = svc_due;
	if (h->tick && now + 1000 < *wake)
		*wake = now + 1000;
	if (s->sampled_ms + SBX_SAMPLE_MS < *wake) /* disks and CPU */
		*wake = s->sampled_ms + SBX_SAMPLE_MS;
	for (k = 0; k < SBX_LAB_CONNS; k++) {
		if (r->lab[k].fd >= 0 && r->lab[k].deadline <= now)
			lab_close(&r->lab[k]); /* silent too long */
		else if (r->lab[k].fd >= 0 && r->lab[k].deadline < *wake)
			*wake = r->lab[k].deadline;
	}
	return 0;
}

/* The terminal's output, to the recorder (1: the hook ends the session). */
static int on_terminal(struct run *r)
{
	const struct sbx_hooks *h = r->hooks;
	unsigned char buf[16384];
	ssize_t n = read(r->master, buf, sizeof buf);

	if (n > 0 && h->output &&
	    h->output(h->ctx, time_mono_us() - r->t0_us, buf, (size_t)n) != 0) {
		r->out->end = SBX_END_HOOK;
		r->stop = 1;
		return 1;
	}
	return 0;
}

/* The services' seccomp notifications; a listener hung up is closed. */
static int on_service_notif(struct run *r, const struct pollfd *p)
{
	size_t k;

	for (k = 0; k < SBX_MAX_SERVICES; k++) {
		short ev = p[P_SVC_NOTIF + k].revents;

		if (ev & (POLLHUP | POLLERR) && !(ev & POLLIN)) {
			/* the service and its children are gone */
			close(r->svc_listener[k]);
			r->svc_listener[k] = -1;
			continue;
		}
		if (!(ev & POLLIN))
			continue;
		if (notif_handle(r->svc_listener[k], (int)k, &r->nb, r->t0_us,
				 r->hooks, r->x) < 0)
			return run_error(r, "seccomp notification of a service",
					 errno);
	}
	return 0;
}

/* The candidate's seccomp notification: execs, starts, exits, trapped
 * calls (1: the session ends). */
static int on_listener(struct run *r)
{
	int rc = notif_handle(r->listener, -1, &r->nb, r->t0_us, r->hooks, r->x);

	if (rc < 0)
		return run_error(r, "seccomp notification", errno);
	if (rc > 0) {
		r->out->end = SBX_END_HOOK;
		r->stop = 1;
		return 1;
	}
	return 0;
}

/* The setup channel after setup: a restarted service's listener, or the
 * candidate's program that could not start. */
static int on_control(struct run *r)
{
	char msg[512];
	int fd = -1, n = chan_recv_msg(r->socks[0], &fd, msg, sizeof msg);

	if (n > 0 && msg[0] == 'S' && fd >= 0) {
		take_service_listener(msg, fd, r->svc_listener,
				      r->s->cfg.nservices);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	if (n > 0 && msg[0] == 'E') {
		snprintf(r->out->error, sizeof r->out->error,
			 "the candidate's program could not start: %.400s",
			 msg + 1);
		r->out->end = SBX_END_ERROR;
		return 1;
	}
	if (n <= 0) {
		close(r->socks[0]);
		r->socks[0] = -1;
	}
	return 0;
}

/* Keystrokes waiting for the terminal: as many as it takes now. */
static void flush_pending(struct run *r)
{
	ssize_t w = write(r->master, r->pending, r->npending);

	if (w > 0) {
		memmove(r->pending, r->pending + w, r->npending - (size_t)w);
		r->npending -= (size_t)w;
	}
}

/* The keyboard: to the recorder and the terminal; held while the
 * terminal is full (1: the keyboard is gone, the session ends). */
static int on_keyboard(struct run *r)
{
	const struct sbx_hooks *h = r->hooks;
	ssize_t n;

	if (r->npending) {
		flush_pending(r);
		return 0;
	}
	n = read(h->input_fd, r->pending, sizeof r->pending);
	if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) {
		/* the terminal is gone (a dropped connection) */
		r->out->end = SBX_END_HANGUP;
		return 1;
	}
	r->npending = n > 0 ? (size_t)n : 0;
	if (r->npending && h->input)
		(void)h->input(h->ctx, time_mono_us() - r->t0_us, r->pending,
			       r->npending);
	if (r->npending)
		flush_pending(r);
	return 0;
}

/* The lab channel: requests on its connections, then new connections
 * (1: submitted, the session ends). */
static int on_lab(struct run *r, const struct pollfd *p)
{
	struct sbx *s = r->s;
	size_t k;

	for (k = 0; k < SBX_LAB_CONNS; k++)
		if (r->lab[k].fd >= 0 &&
		    (p[P_LAB_CONN + k].revents & (POLLIN | POLLHUP)) &&
		    lab_read(s, &r->lab[k], r->hooks, time_mono_us() - r->t0_us) > 0)
			break;
	if (k == SBX_LAB_CONNS && (p[P_LAB].revents & POLLIN))
		lab_accept(s->lab_fd, r->lab);
	if (k < SBX_LAB_CONNS) {
		/* submitted: nothing more is asked of the channel */
		close(s->lab_fd);
		s->lab_fd = -1;
		r->out->end = SBX_END_HOOK;
		return 1;
	}
	return 0;
}

/* What poll reported, in a fixed order (1: the session ends). */
static int on_events(struct run *r, const struct pollfd *p)
{
	size_t k;

	/* A hang-up with nothing to read: every writer of the terminal, or
	 * every filtered process, is gone.  Stop watching it rather than
	 * spin; pid 1's end comes next. */
	if ((p[P_MASTER].revents & (POLLHUP | POLLERR)) &&
	    !(p[P_MASTER].revents & POLLIN))
		r->watch_master = 0;
	if ((p[P_LISTENER].revents & (POLLHUP | POLLERR)) &&
	    !(p[P_LISTENER].revents & POLLIN))
		r->watch_listener = 0;
	if ((p[P_MASTER].revents & POLLIN) && on_terminal(r))
		return 1;
	if (on_service_notif(r, p))
		return 1;
	if ((p[P_LISTENER].revents & POLLIN) && on_listener(r))
		return 1;
	if (r->socks[0] >= 0 && (p[P_CONTROL].revents & (POLLIN | POLLHUP)) &&
	    on_control(r))
		return 1;
	if (r->interactive && p[P_INPUT].revents && on_keyboard(r))
		return 1;
	if (on_lab(r, p))
		return 1;
	if (p[P_PID1].revents & POLLIN) {
		r->out->end = SBX_END_EXIT;
		return 1;
	}
	for (k = 0; k < r->s->nsvc; k++)
		if (p[P_SVC + k].revents & (POLLIN | POLLHUP))
			svc_ended(r->s, k, time_mono_ms());
	return 0;
}

/* The session: until pid 1 ends, a hook ends it, the wall clock runs out
 * or something fails. */
static void run_loop(struct run *r, unsigned wall_ms)
{
	r->out->started_ms = time_now_ms();
	r->t0_us = time_mono_us();
	r->deadline = time_mono_ms() + wall_ms;
	for (;;) {
		struct pollfd p[P_COUNT];
		int n, np;
		int64_t now, wake = 0;

		np = loop_fds(r, p);
		if (on_winch(r)) {
			r->out->end = SBX_END_HOOK;
			break;
		}
		now = time_mono_ms();
		if (on_timers(r, p, now, &wake))
			break;
		n = poll(p, (nfds_t)np, (int)(wake > now ? wake - now : 0));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(r->out->error, sizeof r->out->error, "poll: %s",
				 strerror(errno));
			r->out->end = SBX_END_ERROR;
			break;
		}
		if (on_events(r, p))
			break;
	}
}

/* After the session: pid 1 reaped, its status and how the session
 * ended, the last samples, the terminal drained. */
static void run_finish(struct run *r)
{
	struct sbx_outcome *out = r->out;
	struct sbx *s = r->s;
	int status, fd_late = -1;
	char msg[512];

	/* Everything in the sandbox dies with its pid 1; a task frozen by
	 * the v1 freezer would not, and pid 1 would wait for it forever. */
	if (s->frozen)
		cg_thaw_procs(s->cg);
	if (out->end != SBX_END_EXIT)
		kill(r->pid, SIGKILL);
	while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
		;
	r->pid = -1;
	if (out->end == SBX_END_EXIT) {
		if (WIFEXITED(status))
			out->exit_status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			out->exit_status = 128 + WTERMSIG(status);
		if (out->exit_status == 125 && r->socks[0] >= 0 &&
		    chan_recv_msg(r->socks[0], &fd_late, msg, sizeof msg) > 0 &&
		    msg[0] == 'E') {
			snprintf(out->error, sizeof out->error,
				 "the sandbox failed: %.400s", msg + 1);
			out->end = SBX_END_ERROR;
		}
		if (fd_late >= 0)
			close(fd_late);
	}
	/* The candidate's program is the first exec the filter reports.  A
	 * sandbox whose candidate process died before it (a crash in the
	 * setup, a limit it could not live under) ran nothing of the
	 * candidate's: that is the host's failure, not the candidate's. */
	if (out->end != SBX_END_ERROR && r->nb.execs == 0) {
		snprintf(out->error, sizeof out->error,
			 "the candidate's program never started: the sandbox's process ended before its exec (status %d)",
			 out->exit_status);
		out->end = SBX_END_ERROR;
	}
	sample_small_fs(s);
	sample_disks(s);
	if (r->master >= 0)
		drain(r->master, out->started_ms ? r->t0_us : time_mono_us(),
		      r->hooks, &r->stop);
	out->ended_ms = time_now_ms();
	if (!out->started_ms)
		out->started_ms = out->ended_ms;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Whatever is left, on every path: pid 1 killed and reaped, every
 * descriptor closed, every buffer freed. */
static void run_release(struct run *r)
{
	struct sbx *s = r->s;
	int status;
	size_t k;

	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, &status, 0);
	}
	close_fd(r->listener);
	for (k = 0; k < s->nsvc; k++)
		close_fd(s->svc[k].pidfd);
	for (k = 0; k < SBX_MAX_SERVICES; k++)
		close_fd(r->svc_listener[k]);
	for (k = 0; k < SBX_LAB_CONNS; k++)
		lab_close(&r->lab[k]);
	if (r->own_filter)
		free(r->a.filter.filter);
	if (r->own_svc_filter)
		free(r->a.svc_filter.filter);
	close_fd(r->pidfd);
	close_fd(r->cand_pidfd);
	close_fd(r->init_fd);
	close_fd(r->master);
	close_fd(r->slave);
	close_fd(r->socks[0]);
	close_fd(r->socks[1]);
	close_fd(r->gop[0]);
	close_fd(r->gop[1]);
	free(r->nb.req);
	free(r->nb.resp);
	free(r->x);
}

int sbx_run(struct sbx *s, char *const argv[], char *const envp[],
	    int stdin_null, unsigned wall_ms, const struct sbx_hooks *hooks,
	    struct sbx_outcome *out, struct err *e)
{
	struct run r;
	int rc = -1;

	run_init(&r, s, hooks, out, stdin_null);
	if (run_prepare(&r, argv, envp, stdin_null, e) == 0 &&
	    run_clone(&r, e) == 0) {
		/* a platform that failed to start ends the session at once,
		 * its own words in the error (services.c) */
		if (run_setup(&r) == 0 && !svc_failed_start(s, out))
			run_loop(&r, wall_ms);
		run_finish(&r);
		rc = 0;
	}
	run_release(&r);
	return rc;
}
