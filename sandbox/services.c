/* services: the supervisor's side of the scenario's services: process
 * faults (signals, freezes, crash loops) and the service manager (restart
 * policies, restarts from outside, the lab channel's service requests).
 * docs/sandbox.md, "Services".  Starting a service's process is child.c's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"
#include "sandbox/sbx_int.h"

/* A freeze: the service and what it started go into a frozen cgroup of
 * their own; where the host has no freezer, SIGSTOP (which the candidate
 * cannot undo either: the service runs under another id). */
static int freeze_service(struct sbx *s, struct sbx_signal *sg, int pidfd)
{
	pid_t pids[256], sid = proc_pidfd_pid(pidfd);
	struct err e = {0};
	char name[32];
	size_t n, i;

	if (sid <= 0)
		return -1;
	n = proc_session_members(s, sid, pids, sizeof pids / sizeof *pids);
	if (!n)
		return -1;
	snprintf(name, sizeof name, "frozen-%zu", sg->service);
	if (s->cg && cg_freeze_procs(s->cg, name, pids, n, &sg->how, &e) == 0) {
		sg->frozen = (unsigned)n;
		s->frozen = 1;
		return 0;
	}
	for (i = 0; i < n; i++)
		kill(pids[i], SIGSTOP);
	sg->how = "SIGSTOP (this host has no cgroup freezer)";
	sg->frozen = (unsigned)n;
	return 0;
}

/* Whether path exists in the sandbox's root now (a condition of a
 * process fault), resolved inside the root whatever links the candidate
 * made. */
static int path_exists(const struct sbx *s, const char *path)
{
	int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	if (rootfd < 0)
		return 0;
	fd = rootfs_open_in(rootfd, path, 1);
	close(rootfd);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* The end of service k's log, SBX_SERVICE_LOGS/NAME.log, read beneath
 * the root, as one line of printable ASCII (its lines joined by "; ",
 * other bytes as '?') in out; "" when there is none. */
static void log_tail(const struct sbx *s, size_t k, char *out, size_t size)
{
	char path[128], proc[64], buf[SBX_START_LOG_TAIL + 1];
	int rootfd, pfd, fd;
	size_t o = 0, i, first = 0;
	struct stat st;
	ssize_t n;

	out[0] = 0;
	snprintf(path, sizeof path, SBX_SERVICE_LOGS "/%s.log", s->cfg.services[k].name);
	rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	pfd = rootfs_open_in(rootfd, path, 1);
	close(rootfd);
	if (pfd < 0)
		return;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	close(pfd);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    lseek(fd, st.st_size > SBX_START_LOG_TAIL ? st.st_size - SBX_START_LOG_TAIL : 0,
		  SEEK_SET) < 0 ||
	    (n = read(fd, buf, SBX_START_LOG_TAIL)) <= 0) {
		close(fd);
		return;
	}
	close(fd);
	/* a cut first line is left out, unless it is all there is */
	if (st.st_size > SBX_START_LOG_TAIL) {
		char *nl = memchr(buf, '\n', (size_t)n);

		if (nl && nl + 1 < buf + n)
			first = (size_t)(nl + 1 - buf);
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	for (i = first; i < (size_t)n && o + 3 < size; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n') {
			/* "cannot start:\nwhy" reads as one sentence */
			if (o && out[o - 1] != ':')
				out[o++] = ';';
			out[o++] = ' ';
		} else {
			out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
	}
	out[o] = 0;
}

int svc_failed_start(struct sbx *s, struct sbx_outcome *out)
{
	char tail[SBX_START_LOG_TAIL + 1];
	size_t k;

	for (k = 0; k < s->nsvc; k++) {
		const char *ready = s->cfg.services[k].ready;
		struct pollfd p = {s->svc[k].pidfd, POLLIN, 0};

		if (!ready || s->svc[k].pidfd < 0 || s->svc[k].starts != 1 ||
		    poll(&p, 1, 0) != 1 || path_exists(s, ready))
			continue;
		log_tail(s, k, tail, sizeof tail);
		/* the log's end says why: what does not fit goes from its
		 * start */
		{
			char msg[SBX_START_ERROR_MAX + 1];
			int head = snprintf(msg, sizeof msg,
					    "service %s ended before it was ready (no %s); its log " SBX_SERVICE_LOGS "/%s.log %s",
					    s->cfg.services[k].name, ready,
					    s->cfg.services[k].name,
					    tail[0] ? "ends: " : "is empty");
			size_t len = strlen(tail), room;

			if (head < 0 || (size_t)head >= sizeof msg)
				head = (int)strlen(msg);
			room = sizeof msg - 1 - (size_t)head;
			if (len <= room)
				snprintf(msg + head, room + 1, "%s", tail);
			else if (room > 3)
				snprintf(msg + head, room + 1, "...%s", tail + len - (room - 3));
			snprintf(out->error, sizeof out->error, "%s", msg);
		}
		out->end = SBX_END_ERROR;
		return 1;
	}
	return 0;
}

/* A crash loop's fault still applies to the next start. */
static int crash_active(const struct sbx *s, const struct sbx_signal *sg)
{
	return sg->crashloop && sg->fired &&
	       (!sg->crash_times || sg->crashes < sg->crash_times) &&
	       (!sg->while_path || path_exists(s, sg->while_path));
}

/* Send the process faults that are due; t0_ms and now_ms monotonic.  A
 * fault waiting for connections holds the service's next accept (nb). */
void svc_fire_signals(struct sbx *s, struct notif_bufs *nb, int64_t t0_ms,
		      int64_t now_ms)
{
	const struct sbx_config *c = &s->cfg;
	struct sbx_signal *sg;
	size_t i;

	for (i = 0; i < SBX_MAX_SERVICES; i++)
		nb->hold_at[i] = 0;
	for (i = 0; i < c->nsignals; i++) {
		sg = &c->signals[i];
		if (sg->fired || sg->service >= s->nsvc)
			continue;
		if (sg->after_requests &&
		    nb->accepts[sg->service] <= sg->after_requests) {
			unsigned at = sg->after_requests + 1, *h = &nb->hold_at[sg->service];

			if (!*h || at < *h)
				*h = at;
			continue;
		}
		if (now_ms < t0_ms + sg->at_ms)
			continue;
		if (sg->when_path && !path_exists(s, sg->when_path))
			continue;
		if (sg->crashloop) {
			/* armed: the service's next starts crash */
			sg->fired = 1;
			sg->fired_ms = now_ms - t0_ms;
			continue;
		}
		if (s->svc[sg->service].pidfd >= 0 &&
		    (sg->signo == 0 ? freeze_service(s, sg, s->svc[sg->service].pidfd) == 0
				    : syscall(SYS_pidfd_send_signal, s->svc[sg->service].pidfd,
					      sg->signo, NULL, 0) == 0)) {
			sg->fired = 1;
			sg->fired_ms = now_ms - t0_ms;
			if (sg->signo)
				snprintf(s->svc[sg->service].ended,
					 sizeof s->svc[sg->service].ended,
					 "signal %d from the fault plan", sg->signo);
		} else {
			/* Gone already: nothing to fault; it stays unfired. */
			sg->fired_ms = -1;
			sg->at_ms = UINT32_MAX;
		}
	}
}

int64_t svc_next_signal(const struct sbx_config *c, int64_t t0_ms,
			int64_t deadline)
{
	int64_t next = deadline;
	size_t i;

	for (i = 0; i < c->nsignals; i++) {
		const struct sbx_signal *sg = &c->signals[i];
		int64_t at = t0_ms + sg->at_ms;

		/* a count of connections is looked at as calls come */
		if (sg->fired || sg->at_ms == UINT32_MAX || sg->after_requests)
			continue;
		/* a condition is looked at every SBX_WATCH_MS from its time on */
		if (sg->when_path && at < time_mono_ms())
			at = time_mono_ms() + SBX_WATCH_MS;
		if (at < next)
			next = at;
	}
	return next;
}

/* --- the service manager ---------------------------------------------- */

/* Signal every process of service k's running session (SIGKILL also
 * reaches what a frozen cgroup holds on cgroup v2). */
static void svc_signal_all(const struct sbx *s, size_t k, int sig)
{
	pid_t pids[256];
	size_t n, i;

	if (s->svc[k].sid <= 0)
		return;
	n = proc_session_members(s, s->svc[k].sid, pids, sizeof pids / sizeof *pids);
	for (i = 0; i < n; i++)
		kill(pids[i], sig);
}

/* A new instance is running: note it, and arm a crash loop's signal. */
void svc_started(struct sbx *s, size_t k, int pidfd, int64_t now_ms)
{
	struct svc_run *r = &s->svc[k];
	size_t i;

	r->pidfd = pidfd;
	r->sid = proc_pidfd_pid(pidfd);
	r->started_ms = now_ms;
	r->starts++;
	r->restart_ms = r->kill_ms = r->crash_ms = 0;
	r->stopping = 0;
	if (r->starts == 1)
		return; /* a crash loop takes the starts after the first */
	for (i = 0; i < s->cfg.nsignals; i++) {
		const struct sbx_signal *sg = &s->cfg.signals[i];

		if (sg->service == k && crash_active(s, sg)) {
			r->crash_ms = now_ms + sg->crash_after_ms;
			r->crash_sg = i;
			break;
		}
	}
}

/* Start service k again, from outside: a child of the supervisor moves
 * into the session's cgroups, joins the sandbox's namespaces through pid
 * 1's pidfd and its root, forks into the pid namespace, and becomes the
 * service exactly as at the start (child_service_main).  The new instance's
 * pidfd, and its listener with a fault plan on the services, come back
 * over a socket pair. */
static int svc_spawn(struct sbx *s, const struct child_args *a,
		     int sandbox_pidfd, pid_t sandbox_pid, size_t k,
		     int *listener, int64_t now_ms)
{
	struct child_args ca = *a;
	char path[64], msg[64];
	int sp[2], rootfd, fd = -1, pfd = -1, n, status;
	pid_t p;

	snprintf(path, sizeof path, "/proc/%d/root", (int)sandbox_pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		close(rootfd);
		return -1;
	}
	fflush(NULL);
	p = fork();
	if (p == 0) {
		struct err e = {0};
		pid_t c;

		close(sp[0]);
		if ((s->cg && cg_attach(s->cg, getpid(), &e) < 0) ||
		    setns(sandbox_pidfd, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
					     CLONE_NEWNET | CLONE_NEWIPC |
					     CLONE_NEWUTS | CLONE_NEWCGROUP) < 0 ||
		    fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
			_exit(126);
		c = fork();
		if (c < 0)
			_exit(126);
		if (c > 0) {
			/* the instance's parent becomes the sandbox's pid 1 */
			int cfd = (int)syscall(SYS_pidfd_open, c, 0);

			_exit(cfd < 0 || chan_send_fd(sp[1], "P", cfd) < 0 ? 126 : 0);
		}
		ca.sock = sp[1];
		child_service_main(&ca, k);
		_exit(126);
	}
	close(sp[1]);
	close(rootfd);
	if (p < 0) {
		close(sp[0]);
		return -1;
	}
	while (waitpid(p, &status, 0) < 0 && errno == EINTR)
		;
	/* the pidfd, then (with a fault plan on the services) the listener,
	 * sent before the service's exec: a short wait */
	for (;;) {
		struct pollfd q = {sp[0], POLLIN, 0};

		if (poll(&q, 1, SBX_SETUP_MS) != 1)
			break;
		n = chan_recv_msg(sp[0], &fd, msg, sizeof msg);
		if (n <= 0)
			break;
		if (msg[0] == 'P' && fd >= 0 && pfd < 0) {
			pfd = fd;
		} else if (msg[0] == 'S' && fd >= 0) {
			if (*listener >= 0)
				close(*listener);
			*listener = fd;
			notif_sync_wake_up(fd);
		} else if (fd >= 0) {
			close(fd);
		}
		fd = -1;
		if (pfd >= 0 && (!s->cfg.trap_services || *listener >= 0))
			break;
	}
	close(sp[0]);
	if (pfd < 0)
		return -1;
	svc_started(s, k, pfd, now_ms);
	return 0;
}

/* Service k's instance ended (its pidfd is readable). */
void svc_ended(struct sbx *s, size_t k, int64_t now_ms)
{
	struct svc_run *r = &s->svc[k];
	int64_t delay;

	close(r->pidfd);
	r->pidfd = -1;
	r->crash_ms = 0;
	r->ended_ms = now_ms;
	if (!r->ended[0])
		snprintf(r->ended, sizeof r->ended, "it ended (its log: " SBX_SERVICE_LOGS "/%s.log)",
			 s->cfg.services[k].name);
	if (r->stopping) {
		r->restart_ms = now_ms; /* a restart asked for: at once */
		return;
	}
	if (s->cfg.services[k].restart != 2)
		return;
	r->quick = now_ms - r->started_ms < SBX_SVC_QUICK_MS ? r->quick + 1 : 1;
	if (r->quick >= SBX_SVC_BURST) {
		r->failed = 1;
		return;
	}
	delay = (int64_t)SBX_SVC_BACKOFF_MS << (r->quick - 1 < 4 ? r->quick - 1 : 4);
	r->restart_ms = now_ms + delay;
}

/* Stop service k for a restart (or start it, when nothing runs). */
static void svc_restart(struct sbx *s, size_t k, int64_t now_ms)
{
	struct svc_run *r = &s->svc[k];

	r->failed = 0;
	r->quick = 0;
	if (r->pidfd < 0) {
		r->restart_ms = now_ms;
		return;
	}
	if (r->stopping)
		return;
	r->stopping = 1;
	r->crash_ms = 0;
	snprintf(r->ended, sizeof r->ended, "stopped for a restart");
	svc_signal_all(s, k, SIGTERM);
	r->kill_ms = now_ms + SBX_SVC_STOP_MS;
}

/* Do what is due: a stop's SIGKILL, a start, a crash loop's signal.
 * Returns when something is next due (INT64_MAX: nothing). */
int64_t svc_tick(struct sbx *s, const struct child_args *a,
		 int sandbox_pidfd, pid_t sandbox_pid, int *listeners,
		 int64_t t0_ms, int64_t now_ms)
{
	int64_t next = INT64_MAX;
	size_t k;

	for (k = 0; k < s->nsvc; k++) {
		struct svc_run *r = &s->svc[k];

		if (r->kill_ms && now_ms >= r->kill_ms) {
			svc_signal_all(s, k, SIGKILL);
			r->kill_ms = 0;
		}
		if (r->crash_ms && now_ms >= r->crash_ms && r->pidfd >= 0) {
			struct sbx_signal *sg = &s->cfg.signals[r->crash_sg];

			r->crash_ms = 0;
			if (crash_active(s, sg) &&
			    syscall(SYS_pidfd_send_signal, r->pidfd, sg->signo,
				    NULL, 0) == 0) {
				sg->crashes++;
				snprintf(r->ended, sizeof r->ended,
					 "signal %d %u ms after it started (the fault plan's crash loop)",
					 sg->signo, sg->crash_after_ms);
			}
		}
		if (r->restart_ms && now_ms >= r->restart_ms && r->pidfd < 0) {
			/* what the last instance left goes first */
			svc_signal_all(s, k, SIGKILL);
			r->ended[0] = 0;
			if (svc_spawn(s, a, sandbox_pidfd, sandbox_pid, k,
				      &listeners[k], now_ms) < 0) {
				r->restart_ms = 0;
				r->failed = 1;
				snprintf(r->ended, sizeof r->ended,
					 "it could not be started again (the host's failure)");
			}
		}
		if (r->kill_ms && r->kill_ms < next)
			next = r->kill_ms;
		if (r->crash_ms && r->crash_ms < next)
			next = r->crash_ms;
		if (r->restart_ms && r->restart_ms < next)
			next = r->restart_ms;
	}
	(void)t0_ms;
	return next;
}

static const char *const restart_names[] = {"never", "on-request", "always"};

/* The lab channel's service requests (sbx_lab_parse): "services",
 * "service NAME", "restart NAME". */
void svc_lab(struct sbx *s, enum sbx_lab_kind kind, const char *name,
	     char *resp, size_t size, size_t *len, int64_t now_ms)
{
	size_t k, off = 0;
	int restart = kind == SBX_LAB_RESTART;

	for (k = 0; name && k < s->nsvc; k++)
		if (!strcmp(s->cfg.services[k].name, name))
			break;
	if (name && k == s->nsvc) {
		*len = (size_t)snprintf(resp, size,
					"error: no service \"%.64s\"; `lab services` lists them\n",
					name);
		return;
	}
	if (restart && !s->cfg.services[k].restart) {
		*len = (size_t)snprintf(resp, size,
					"error: %s cannot be restarted in this lab\n",
					s->cfg.services[k].name);
		return;
	}
	if (restart)
		svc_restart(s, k, now_ms);
	for (k = name ? k : 0; k < s->nsvc && off < size; k++) {
		const struct svc_run *r = &s->svc[k];
		const char *pol = restart_names[s->cfg.services[k].restart];
		int n;

		if (r->stopping || (r->restart_ms && r->pidfd < 0 && !r->failed))
			n = snprintf(resp + off, size - off,
				     "%s restarting (restart: %s; starts %u)\n",
				     s->cfg.services[k].name, pol, r->starts);
		else if (r->pidfd >= 0)
			n = snprintf(resp + off, size - off,
				     "%s running for %lld s (restart: %s; starts %u)\n",
				     s->cfg.services[k].name,
				     (long long)(now_ms - r->started_ms) / 1000, pol,
				     r->starts);
		else
			n = snprintf(resp + off, size - off,
				     "%s %s %lld s ago: %s (restart: %s; starts %u)%s\n",
				     s->cfg.services[k].name,
				     r->failed ? "failed: ended" : "ended",
				     (long long)(now_ms - r->ended_ms) / 1000,
				     r->ended, pol, r->starts,
				     r->failed && s->cfg.services[k].restart
					     ? "; `lab restart` tries again" : "");
		if (n < 0)
			break;
		off += (size_t)n;
		if (name)
			break;
	}
	*len = off < size ? off : size;
}
