/* test_cgroup: the cgroup module live, as root: session ids, the memory
 * and process limits refusing a fork and killing a memory hog, the report,
 * the freezer (which SIGCONT does not undo), removal of the session's
 * directories (also with a frozen process left inside), and the removal of
 * leftovers (empty, frozen-and-killed) next to ones that must stay (a live
 * session, a cgroup with a process).  The session's directories are found
 * by walking every cgroup mount, not through the module.  Whatever fails,
 * everything made here is removed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/cgroup.h"
#include "tests/unit/tap.h"

#define MEMORY_LIMIT (32ull << 20) /* bytes: room for a forked test process */
#define PIDS_LIMIT 16
#define FORKS 40                   /* well past PIDS_LIMIT */
#define HOG_BYTES (100u << 20)     /* three times the memory limit */
#define WAIT_MS 5000               /* for things that take milliseconds */
#define MAX_DIRS 16                /* session directories: one per hierarchy */
#define MAX_KIDS 16                /* processes this test starts directly */
#define PATHBUF 1024               /* a cgroup directory here; longer ones fail the test */

struct result {
	int forked, eagain, other;
	int hog_status;
};

static char sid[64], sid2[64];
static char found[MAX_DIRS][PATHBUF];
static int nfound;
static const char *want_suffix;
static pid_t kids[MAX_KIDS];
static int nkids;
static char made[3 * MAX_DIRS][PATHBUF]; /* leftovers made by the test */
static int nmade;

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* a then b into out; -1 (and out empty) if they do not fit */
static int join(char *out, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb >= size) {
		out[0] = 0;
		return -1;
	}
	memcpy(out, a, la);
	memcpy(out + la, b, lb + 1);
	return 0;
}

/* ": <message>" after a failure, nothing after a success. */
static const char *because(const struct err *e)
{
	static char s[sizeof e->msg + 2];

	snprintf(s, sizeof s, "%s%s", e->msg[0] ? ": " : "", e->msg);
	return s;
}

/* ---- finding directories independently of the module ---- */

static int visit(const char *path, const struct stat *st, int type,
		 struct FTW *f)
{
	size_t n = strlen(path), s = strlen(want_suffix);

	(void)st;
	(void)f;
	if (type == FTW_D && n > s && !strcmp(path + n - s, want_suffix) &&
	    nfound < MAX_DIRS)
		join(found[nfound++], sizeof found[0], path, "");
	return 0;
}

/* Every directory named .../labrun/<id> in every cgroup mount. */
static int find_dirs(const char *id)
{
	static char suffix[128];
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	nfound = 0;
	snprintf(suffix, sizeof suffix, "/labrun/%s", id);
	want_suffix = suffix;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char *dash = strstr(line, " - "), *mnt, *p;
		int i;

		if (!dash || (strncmp(dash, " - cgroup ", 10) &&
			      strncmp(dash, " - cgroup2 ", 11)))
			continue;
		for (p = line, i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p)
			continue;
		mnt = p;
		p = strchr(mnt, ' ');
		if (!p)
			continue;
		*p = 0;
		nftw(mnt, visit, 16, FTW_PHYS);
	}
	fclose(f);
	return nfound;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static int write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int move_pid(const char *dir, pid_t pid)
{
	char path[PATHBUF], s[32];

	if (join(path, sizeof path, dir, "/cgroup.procs") < 0)
		return -1;
	snprintf(s, sizeof s, "%d", (int)pid);
	return write_text(path, s);
}

/* ---- children ---- */

static pid_t spawn(void (*body)(int go, void *arg), void *arg, int *go_w)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		body(p[0], arg);
		_exit(0);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	if (nkids < MAX_KIDS)
		kids[nkids++] = pid;
	*go_w = p[1];
	return pid;
}

static void go(int *go_w)
{
	if (*go_w >= 0) {
		if (write(*go_w, "g", 1) != 1)
			perror("go");
		close(*go_w);
		*go_w = -1;
	}
}

static void wait_go(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(3);
	close(fd);
}

static int reap(pid_t pid, int *status)
{
	int i, st = 0;
	pid_t r;

	do
		r = waitpid(pid, &st, 0);
	while (r < 0 && errno == EINTR);
	for (i = 0; i < nkids; i++)
		if (kids[i] == pid)
			kids[i] = 0;
	if (status)
		*status = st;
	return r == pid ? 0 : -1;
}

static void hog(void)
{
	volatile unsigned char *p;
	size_t i;

	p = mmap(NULL, HOG_BYTES, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	for (i = 0; i < HOG_BYTES; i += 4096)
		p[i] = 1;
	_exit(0);
}

/* In the session: fork past the process limit, then a memory hog. */
static void limits_child(int gofd, void *arg)
{
	int res = *(int *)arg, i, n = 0, st;
	pid_t mine[FORKS], p;
	struct result r = {0, 0, 0, -1};

	wait_go(gofd);
	for (i = 0; i < FORKS; i++) {
		p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		if (p > 0)
			mine[n++] = p;
		else if (errno == EAGAIN)
			r.eagain++;
		else
			r.other++;
	}
	r.forked = n;
	for (i = 0; i < n; i++)
		kill(mine[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(mine[i], &st, 0);
	p = fork();
	if (p == 0)
		hog();
	if (p > 0 && waitpid(p, &st, 0) == p)
		r.hog_status = st;
	if (write(res, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(4);
	_exit(0);
}

/* Counts as fast as it can into shared memory. */
static void loop_child(int gofd, void *arg)
{
	volatile unsigned long *counter = arg;

	wait_go(gofd);
	for (;;)
		(*counter)++;
}

static void sleep_child(int gofd, void *arg)
{
	(void)arg;
	wait_go(gofd);
	for (;;)
		pause();
}

static int advances(volatile unsigned long *counter)
{
	unsigned long c0 = *counter;
	int64_t end = time_mono_ms() + WAIT_MS;

	while (time_mono_ms() < end) {
		if (*counter != c0)
			return 1;
		sleep_ms(5);
	}
	return 0;
}

/* ---- the tests ---- */

static void test_ids(void)
{
	static const char *const bad[] = {
		"", "../x", "a/b", ".x", "-x", "a b", "x\n",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct cg_limits lim = {0, 0};
	struct cg *cg = NULL;
	struct err e = {0};
	size_t i;
	int refused = 1;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.kind = ERR_NONE;
		if (cg_create(bad[i], &lim, &cg, &e) == 0) {
			cg_destroy(cg);
			refused = 0;
		} else if (e.kind != ERR_REFUSED) {
			refused = 0;
		}
	}
	ok(refused, "bad session ids refused (path characters, dot, dash first, 65 bytes)");
}

static void test_describe(void)
{
	char d[256];
	struct err e = {0};
	int r = cg_describe(d, sizeof d, &e);

	ok(r == 0 && !strncmp(d, "cgroup v1:", 10) && strstr(d, "; v2:"),
	   "cg_describe: %s", r == 0 ? d : e.msg);
	r = cg_describe(d, 8, &e);
	ok(r < 0 && e.kind == ERR_BUG, "cg_describe: a short buffer is an error, not a cut");
}

static void test_limits(struct cg *cg, int *ndirs)
{
	struct cg_report rep;
	struct result r = {0, 0, 0, -1};
	struct err e = {0};
	int res[2], gow = -1, st = 0;
	pid_t pid;

	*ndirs = find_dirs(sid);
	ok(*ndirs >= 1, "the session's cgroups exist (%d directories)", *ndirs);
	if (pipe2(res, O_CLOEXEC) < 0) {
		ok(0, "pipe");
		return;
	}
	pid = spawn(limits_child, &res[1], &gow);
	close(res[1]);
	if (pid < 0) {
		ok(0, "fork");
		close(res[0]);
		return;
	}
	ok(cg_attach(cg, pid, &e) == 0, "cg_attach%s", because(&e));
	go(&gow);
	if (read(res[0], &r, sizeof r) != (ssize_t)sizeof r)
		r.forked = -1;
	close(res[0]);
	reap(pid, &st);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child in the session ended well (status %d)", st);
	ok(r.eagain > 0 && r.other == 0 && r.forked > 0 && r.forked < PIDS_LIMIT,
	   "forks past %d tasks fail with EAGAIN (%d forked, %d EAGAIN, %d other)",
	   PIDS_LIMIT, r.forked, r.eagain, r.other);
	ok(r.hog_status >= 0 && WIFSIGNALED(r.hog_status) &&
		   WTERMSIG(r.hog_status) == SIGKILL,
	   "a grandchild touching %u MiB under %llu MiB is killed by SIGKILL (status %d)",
	   HOG_BYTES >> 20, MEMORY_LIMIT >> 20, r.hog_status);
	ok(cg_report(cg, &rep, &e) == 0, "cg_report%s", because(&e));
	ok(rep.pids_refused > 0, "report: %llu forks refused",
	   (unsigned long long)rep.pids_refused);
	ok(rep.oom_kills >= 1, "report: %llu OOM kills",
	   (unsigned long long)rep.oom_kills);
	ok(rep.memory_mechanism && (!strcmp(rep.memory_mechanism, "cgroup v2 memory.max") ||
				    !strcmp(rep.memory_mechanism, "cgroup v1 memory.limit_in_bytes")),
	   "report: memory enforced by %s", rep.memory_mechanism ? rep.memory_mechanism : "(null)");
	ok(rep.pids_mechanism && (!strcmp(rep.pids_mechanism, "cgroup v2 pids.max") ||
				  !strcmp(rep.pids_mechanism, "cgroup v1 pids.max")),
	   "report: processes enforced by %s", rep.pids_mechanism ? rep.pids_mechanism : "(null)");
	ok(rep.memory_peak == 0 || rep.memory_peak <= MEMORY_LIMIT,
	   "report: memory peak %llu bytes, within the limit",
	   (unsigned long long)rep.memory_peak);
}

/* The freezer's own view: v1 freezer.state, v2 cgroup.events. */
static int frozen_state(const char *id)
{
	char path[PATHBUF], buf[256];
	int i, n = find_dirs(id);

	for (i = 0; i < n; i++) {
		join(path, sizeof path, found[i], "/freezer.state");
		if (read_text(path, buf, sizeof buf) == 0)
			return !strcmp(buf, "FROZEN\n");
	}
	for (i = 0; i < n; i++) {
		join(path, sizeof path, found[i], "/cgroup.events");
		if (read_text(path, buf, sizeof buf) == 0)
			return strstr(buf, "frozen 1") != NULL;
	}
	return -1;
}

static void test_freeze(struct cg *cg, volatile unsigned long *counter)
{
	struct err e = {0};
	unsigned long c1;
	int gow = -1, st = 0;
	pid_t pid;

	*counter = 0;
	pid = spawn(loop_child, (void *)counter, &gow);
	if (pid < 0) {
		ok(0, "fork");
		return;
	}
	ok(cg_attach(cg, pid, &e) == 0, "cg_attach the looping child%s", because(&e));
	go(&gow);
	ok(advances(counter), "the looping child runs");
	ok(cg_freeze(cg, 1, &e) == 0, "cg_freeze%s", because(&e));
	ok(frozen_state(sid) == 1, "the freezer reports the session frozen");
	c1 = *counter;
	sleep_ms(100);
	ok(*counter == c1, "a frozen process does not run");
	kill(pid, SIGCONT);
	sleep_ms(100);
	ok(*counter == c1 && frozen_state(sid) == 1,
	   "SIGCONT from the same uid does not thaw it");
	ok(cg_freeze(cg, 0, &e) == 0, "thaw%s", because(&e));
	ok(frozen_state(sid) == 0, "the freezer reports the session thawed");
	ok(advances(counter), "a thawed process runs again");
	kill(pid, SIGKILL);
	reap(pid, &st);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the thawed child dies of SIGKILL");
}

/* Leftovers next to the live session: one empty, one with a process, one
 * frozen with its process killed (it dies only once thawed). */
static void test_stale(int ndirs)
{
	char labrun[MAX_DIRS][PATHBUF], frz[PATHBUF] = "";
	char empty[MAX_DIRS][PATHBUF], live[MAX_DIRS][PATHBUF], path[PATHBUF];
	char e_name[64], l_name[64], f_name[64];
	struct err e = {0};
	unsigned removed = 0;
	int i, n, gow = -1, gow2 = -1, all, made_ok = 1;
	pid_t sleeper, frozen = -1;

	snprintf(e_name, sizeof e_name, "/stale-empty-%d", (int)getpid());
	snprintf(l_name, sizeof l_name, "/stale-live-%d", (int)getpid());
	snprintf(f_name, sizeof f_name, "/stale-frozen-%d", (int)getpid());
	n = find_dirs(sid);
	if (n != ndirs || n == 0) {
		ok(0, "the session's directories for the leftover test");
		return;
	}
	for (i = 0; i < n; i++) {
		char *slash;

		join(labrun[i], sizeof labrun[i], found[i], "");
		slash = strrchr(labrun[i], '/');
		*slash = 0;
		made_ok &= join(empty[i], sizeof empty[i], labrun[i], e_name) == 0;
		made_ok &= join(live[i], sizeof live[i], labrun[i], l_name) == 0;
		made_ok &= mkdir(empty[i], 0755) == 0;
		join(made[nmade++], sizeof made[0], empty[i], "");
		made_ok &= mkdir(live[i], 0755) == 0;
		join(made[nmade++], sizeof made[0], live[i], "");
		join(path, sizeof path, found[i], "/freezer.state");
		if (!frz[0] && exists(path))
			join(frz, sizeof frz, labrun[i], f_name);
	}
	for (i = 0; !frz[0] && i < n; i++) {
		join(path, sizeof path, found[i], "/cgroup.freeze");
		if (exists(path))
			join(frz, sizeof frz, labrun[i], f_name);
	}
	sleeper = spawn(sleep_child, NULL, &gow);
	for (i = 0; i < n && sleeper > 0; i++)
		made_ok &= move_pid(live[i], sleeper) == 0;
	go(&gow);
	if (frz[0]) {
		made_ok &= mkdir(frz, 0755) == 0;
		join(made[nmade++], sizeof made[0], frz, "");
		frozen = spawn(sleep_child, NULL, &gow2);
		made_ok &= frozen > 0 && move_pid(frz, frozen) == 0;
		go(&gow2);
		join(path, sizeof path, frz, "/freezer.state");
		if (exists(path)) {
			made_ok &= write_text(path, "FROZEN") == 0;
		} else {
			join(path, sizeof path, frz, "/cgroup.freeze");
			made_ok &= write_text(path, "1") == 0;
		}
		sleep_ms(50);
		if (frozen > 0)
			kill(frozen, SIGKILL);
	}
	ok(made_ok && sleeper > 0, "leftovers made in %d hierarchies%s", n,
	   frz[0] ? " (and a frozen one)" : "");
	/* A session being created holds labrun/ shared from its mkdir to
	 * its lock: a sweep then removes nothing and is not an error. */
	{
		int held[MAX_DIRS], kept = 1;
		unsigned none = 0;

		for (i = 0; i < n; i++) {
			held[i] = open(labrun[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			kept &= held[i] >= 0 && flock(held[i], LOCK_SH) == 0;
		}
		kept &= cg_remove_stale(&none, &e) == 0 && none == 0;
		for (i = 0; i < n; i++) {
			kept &= exists(empty[i]);
			if (held[i] >= 0)
				close(held[i]);
		}
		ok(kept, "a sweep while a session is being created (labrun/ held shared) leaves the leftovers to a later one%s",
		   because(&e));
	}
	ok(cg_remove_stale(&removed, &e) == 0, "cg_remove_stale%s", because(&e));
	for (i = 0, all = 1; i < n; i++)
		all &= !exists(empty[i]);
	ok(all && removed >= (unsigned)n, "empty leftovers removed (%u directories)",
	   removed);
	for (i = 0, all = 1; i < n; i++)
		all &= exists(live[i]);
	ok(all, "a leftover with a process in it stays");
	ok(find_dirs(sid) == n, "the live session's directories stay (held by its lock)");
	if (frz[0]) {
		int st = 0;

		ok(!exists(frz), "a frozen leftover is thawed, its killed process dies, it is removed");
		if (frozen > 0) {
			reap(frozen, &st);
			ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			   "the frozen leftover's process died of its SIGKILL");
		}
	}
	if (sleeper > 0) {
		kill(sleeper, SIGKILL);
		reap(sleeper, NULL);
	}
}

/* A session with no limit asked: only the freezer; destroyed with a frozen
 * process still inside. */
static void test_destroy_frozen(volatile unsigned long *counter)
{
	struct cg_limits none = {0, 0};
	struct cg_report rep;
	struct cg *cg = NULL;
	struct err e = {0};
	int gow = -1, st = 0;
	pid_t pid;

	if (cg_create(sid2, &none, &cg, &e) < 0) {
		ok(0, "cg_create without limits: %s", e.msg);
		return;
	}
	ok(cg_report(cg, &rep, &e) == 0 && !rep.memory_mechanism &&
		   !rep.pids_mechanism && rep.freezer_mechanism,
	   "no limit asked: no memory or process mechanism, a freezer (%s)",
	   rep.freezer_mechanism ? rep.freezer_mechanism : "none");
	*counter = 0;
	pid = spawn(loop_child, (void *)counter, &gow);
	if (pid < 0 || cg_attach(cg, pid, &e) < 0) {
		ok(0, "a looping child in the session%s", because(&e));
		go(&gow);
		cg_destroy(cg);
		return;
	}
	go(&gow);
	advances(counter);
	ok(cg_freeze(cg, 1, &e) == 0, "frozen%s", because(&e));
	cg_destroy(cg);
	ok(find_dirs(sid2) == 0, "cg_destroy removes a session with a frozen process left inside");
	reap(pid, &st);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "that process was killed");
}

/* ---- hosts without some hierarchies: a private mount namespace ---- */

/* Count, and unmount if asked (in this process's own mount namespace),
 * the cgroup mounts that match: v1 == 1 the v1 hierarchy holding ctl
 * (NULL: every v1), v1 == 0 the v2 one.  Returns how many. */
static int unmount_cgroups(int v1, const char *ctl, int unmount)
{
	char line[4096], mnts[32][PATHBUF];
	int n = 0, i;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f) && n < 32) {
		char *dash = strstr(line, " - "), *mnt, *p;
		int is_v1, is_v2;

		if (!dash)
			continue;
		is_v1 = !strncmp(dash, " - cgroup ", 10);
		is_v2 = !strncmp(dash, " - cgroup2 ", 11);
		if (v1 ? !is_v1 : !is_v2)
			continue;
		if (v1 && ctl) {
			char *opts = strrchr(dash, ' ');
			char want[64];

			snprintf(want, sizeof want, ",%s", ctl);
			if (!opts || !strstr(opts, want))
				continue;
		}
		for (p = line, i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p || !(mnt = p, p = strchr(mnt, ' ')))
			continue;
		*p = 0;
		if (join(mnts[n], sizeof mnts[0], mnt, "") == 0)
			n++;
	}
	fclose(f);
	for (i = 0; unmount && i < n; i++)
		if (umount2(mnts[i], MNT_DETACH) < 0)
			return -1;
	return n;
}

static int private_mounts(void)
{
	return unshare(CLONE_NEWNS) < 0 ||
		       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
		       ? -1 : 0;
}

#define NOCG_CHECKS 6

struct nocg {
	int pass[NOCG_CHECKS];
	char msg[NOCG_CHECKS][160];
};

/* No cgroup hierarchy at all: a limit asked for is an error. */
static void nocg_child(int gofd, void *arg)
{
	int res = *(int *)arg;
	struct cg_limits mem = {MEMORY_LIMIT, 0}, pids = {0, PIDS_LIMIT};
	struct cg_limits none = {0, 0};
	struct cg_report rep;
	struct nocg r;
	struct cg *cg = NULL;
	struct err e = {0};
	unsigned removed = 99;
	char id[64], d[256];

	wait_go(gofd);
	memset(&r, 0, sizeof r);
	snprintf(id, sizeof id, "test3-%d", (int)getpid());
	if (private_mounts() < 0 || unmount_cgroups(1, NULL, 1) < 0 ||
	    unmount_cgroups(0, NULL, 1) < 0) {
		snprintf(r.msg[0], sizeof r.msg[0], "unmounting: %s", strerror(errno));
		goto out;
	}
	r.pass[0] = cg_create(id, &mem, &cg, &e) < 0 && e.kind == ERR_HOST &&
		    strstr(e.msg, "memory limit") && strstr(e.msg, "hint: ");
	snprintf(r.msg[0], sizeof r.msg[0], "%.150s", e.msg);
	e.kind = ERR_NONE;
	r.pass[1] = cg_create(id, &pids, &cg, &e) < 0 && e.kind == ERR_HOST &&
		    strstr(e.msg, "pids limit");
	snprintf(r.msg[1], sizeof r.msg[1], "%.150s", e.msg);
	if (cg_create(id, &none, &cg, &e) == 0) {
		r.pass[2] = cg_report(cg, &rep, &e) == 0 && !rep.memory_mechanism &&
			    !rep.pids_mechanism && !rep.freezer_mechanism;
		e.kind = ERR_NONE;
		r.pass[3] = cg_freeze(cg, 1, &e) < 0 && e.kind == ERR_HOST;
		snprintf(r.msg[3], sizeof r.msg[3], "%.150s", e.msg);
		cg_destroy(cg);
	}
	r.pass[4] = cg_describe(d, sizeof d, &e) == 0 &&
		    !strcmp(d, "cgroup v1: none; v2: not mounted");
	snprintf(r.msg[4], sizeof r.msg[4], "%.150s", r.pass[4] ? d : e.msg);
	r.pass[5] = cg_remove_stale(&removed, &e) == 0 && removed == 0;
out:
	if (write(res, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(4);
	_exit(0);
}

static void test_no_hierarchy(void)
{
	struct nocg r;
	int res[2], gow = -1, st = 0;
	pid_t pid;

	memset(&r, 0, sizeof r);
	if (pipe2(res, O_CLOEXEC) < 0)
		return;
	pid = spawn(nocg_child, &res[1], &gow);
	close(res[1]);
	go(&gow);
	if (pid < 0 || read(res[0], &r, sizeof r) != (ssize_t)sizeof r)
		snprintf(r.msg[0], sizeof r.msg[0], "the child failed");
	close(res[0]);
	if (pid > 0)
		reap(pid, &st);
	ok(r.pass[0], "no cgroup mounted: a memory limit is an ERR_HOST naming it: %s", r.msg[0]);
	ok(r.pass[1], "no cgroup mounted: a process limit is an ERR_HOST naming it: %s", r.msg[1]);
	ok(r.pass[2], "no cgroup mounted: no limit asked is fine, and reports no mechanism");
	ok(r.pass[3], "no cgroup mounted: cg_freeze is an ERR_HOST: %s", r.msg[3]);
	ok(r.pass[4], "no cgroup mounted: cg_describe says so: %s", r.msg[4]);
	ok(r.pass[5], "no cgroup mounted: cg_remove_stale finds nothing");
}

#define V2F_CHECKS 5

struct v2f {
	int skip;
	int pass[V2F_CHECKS];
	char msg[V2F_CHECKS][160];
};

/* No v1 freezer: the freezer is cgroup v2's cgroup.freeze, next to the
 * limits wherever they are. */
static void v2f_child(int gofd, void *arg)
{
	int res = *(int *)arg, gow = -1, st = 0;
	struct cg_limits lim = {MEMORY_LIMIT, PIDS_LIMIT};
	struct cg_report rep;
	struct v2f r;
	struct cg *cg = NULL;
	struct err e = {0};
	char id[64];
	pid_t pid;
	volatile unsigned long *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long c1;

	wait_go(gofd);
	memset(&r, 0, sizeof r);
	nkids = 0;
	snprintf(id, sizeof id, "test4-%d", (int)getpid());
	if (counter == MAP_FAILED || private_mounts() < 0 ||
	    unmount_cgroups(1, "freezer", 1) < 0) {
		snprintf(r.msg[0], sizeof r.msg[0], "setting up: %s", strerror(errno));
		goto out;
	}
	if (unmount_cgroups(0, NULL, 0) == 0) {
		r.skip = 1;
		goto out;
	}
	if (cg_create(id, &lim, &cg, &e) < 0) {
		snprintf(r.msg[0], sizeof r.msg[0], "%.150s", e.msg);
		goto out;
	}
	r.pass[0] = cg_report(cg, &rep, &e) == 0 && rep.freezer_mechanism &&
		    !strcmp(rep.freezer_mechanism, "cgroup v2 cgroup.freeze");
	snprintf(r.msg[0], sizeof r.msg[0], "%s; memory: %s",
		 rep.freezer_mechanism ? rep.freezer_mechanism : "(null)",
		 rep.memory_mechanism ? rep.memory_mechanism : "(null)");
	*counter = 0;
	pid = spawn(loop_child, (void *)counter, &gow);
	if (pid > 0 && cg_attach(cg, pid, &e) == 0) {
		go(&gow);
		advances(counter);
		r.pass[1] = cg_freeze(cg, 1, &e) == 0 && frozen_state(id) == 1;
		snprintf(r.msg[1], sizeof r.msg[1], "%.150s", e.msg);
		c1 = *counter;
		kill(pid, SIGCONT);
		sleep_ms(100);
		r.pass[2] = *counter == c1;
	}
	go(&gow);
	cg_destroy(cg);
	r.pass[3] = find_dirs(id) == 0;
	if (pid > 0) {
		reap(pid, &st);
		r.pass[4] = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	}
out:
	if (write(res, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(4);
	_exit(0);
}

static void test_v2_freezer(void)
{
	struct v2f r;
	int res[2], gow = -1, st = 0;
	pid_t pid;

	memset(&r, 0, sizeof r);
	if (pipe2(res, O_CLOEXEC) < 0)
		return;
	pid = spawn(v2f_child, &res[1], &gow);
	close(res[1]);
	go(&gow);
	if (pid < 0 || read(res[0], &r, sizeof r) != (ssize_t)sizeof r)
		snprintf(r.msg[0], sizeof r.msg[0], "the child failed");
	close(res[0]);
	if (pid > 0)
		reap(pid, &st);
	if (r.skip) {
		printf("ok %d # SKIP no cgroup v2 mounted: its freezer is not checked\n",
		       ++tap_n);
		return;
	}
	ok(r.pass[0], "no v1 freezer: the session freezes with %s", r.msg[0]);
	ok(r.pass[1], "no v1 freezer: cg_freeze through cgroup v2%s%s", r.msg[1][0] ? ": " : "", r.msg[1]);
	ok(r.pass[2], "no v1 freezer: SIGCONT does not thaw a v2-frozen process");
	ok(r.pass[3], "no v1 freezer: cg_destroy removes the session with a frozen process inside");
	ok(r.pass[4], "no v1 freezer: cgroup.kill killed it");
}

static void cleanup(void)
{
	int i, j;

	for (i = 0; i < nkids; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			reap(kids[i], NULL);
		}
	for (i = nmade - 1; i >= 0; i--) {
		char path[PATHBUF];

		join(path, sizeof path, made[i], "/freezer.state");
		write_text(path, "THAWED");
		join(path, sizeof path, made[i], "/cgroup.freeze");
		write_text(path, "0");
		for (j = 0; j < WAIT_MS / 10; j++) {
			if (rmdir(made[i]) == 0 || errno == ENOENT)
				break;
			sleep_ms(10);
		}
	}
}

int main(void)
{
	struct cg_limits lim = {MEMORY_LIMIT, PIDS_LIMIT};
	struct cg *cg = NULL;
	struct err e = {0};
	volatile unsigned long *counter;
	int ndirs = 0;

	if (geteuid() != 0) {
		printf("ok 1 # SKIP not root: cgroups are root's\n");
		printf("1..1\n");
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(sid, sizeof sid, "test-%d", (int)getpid());
	snprintf(sid2, sizeof sid2, "test2-%d", (int)getpid());
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED) {
		ok(0, "shared counter");
		return tap_done();
	}
	test_ids();
	test_describe();
	if (cg_create(sid, &lim, &cg, &e) < 0) {
		ok(0, "cg_create memory %llu MiB, %d tasks: %s", MEMORY_LIMIT >> 20,
		   PIDS_LIMIT, e.msg);
	} else {
		ok(1, "cg_create memory %llu MiB, %d tasks", MEMORY_LIMIT >> 20,
		   PIDS_LIMIT);
		test_limits(cg, &ndirs);
		test_freeze(cg, counter);
		test_stale(ndirs);
		cg_destroy(cg);
		cg = NULL;
		ok(find_dirs(sid) == 0, "cg_destroy leaves no directory");
	}
	test_destroy_frozen(counter);
	test_no_hierarchy();
	test_v2_freezer();
	cleanup();
	ok(find_dirs(sid) == 0 && find_dirs(sid2) == 0,
	   "nothing of this test is left in any cgroup hierarchy");
	return tap_done();
}
