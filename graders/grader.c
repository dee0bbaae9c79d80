/* grader: the parent side of the grader host: fork the worker, give it its
 * rlimits and confinement, watch it with a wall-clock deadline, and parse
 * what it answers as strictly as if it were hostile (checks.c's rules);
 * plus the verdict.  It runs no Lua itself (lua_host.c does, in the worker)
 * and it never judges a candidate: a grader that fails gives ok=0, never a
 * fail. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/termsafe.h"
#include "base/util.h"
#include "graders/checks.h"
#include "graders/grader.h"
#include "graders/lua_host.h"
#include "sandbox/sandbox.h"

/* Descriptors in the worker: print() output, the result pipe, the root. */
#define W_PRINT_FD 2
#define W_RESULT_FD 3
#define W_ROOT_FD 4
/* Worker exit statuses other than 0 (which always comes with a document). */
#define W_EXIT_SETUP 70 /* descriptors could not be arranged */
#define W_EXIT_NOMEM 71 /* not even an error document could be made */
/* Bytes of print() relayed: the worker's bound plus its "cut" line. */
#define RELAY_MAX (GRADER_MAX_PRINT + 64)

const struct grader_limits grader_default_limits = {
	.memory = GRADER_MEMORY,
	.instructions = GRADER_INSTRUCTIONS,
	.cpu_s = GRADER_CPU_S,
	.wall_ms = GRADER_WALL_MS,
};

const char *check_status_name(enum check_status s)
{
	switch (s) {
	case CHECK_PASS:
		return "pass";
	case CHECK_FAIL:
		return "fail";
	case CHECK_ERROR:
		break;
	}
	return "error";
}

/* ---- results ---- */

static void set_error(struct grader_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct grader_result *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	grader_result_release(r);
	r->ok = 0;
	va_start(ap, fmt);
	n = vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof r->error)
		memcpy(r->error + sizeof r->error - 4, "...", 4);
	checks_text_repair(r->error, strlen(r->error));
}

void grader_result_release(struct grader_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->checks[i].id);
		free(r->checks[i].title);
		free(r->checks[i].message);
	}
	free(r->checks);
	r->checks = NULL;
	r->n = 0;
	for (i = 0; i < r->nreads; i++)
		free(r->reads[i].path);
	free(r->reads);
	r->reads = NULL;
	r->nreads = 0;
	r->reads_cut = 0;
}

static int take_checks(const json_t *arr, struct grader_result *r)
{
	struct grader_check *cs, *c;
	const json_t *o;
	const char *status;
	size_t i, n = json_array_size(arr);

	cs = calloc(n, sizeof *cs);
	if (!cs)
		return -1;
	r->checks = cs;
	for (i = 0; i < n; i++) {
		o = json_array_get(arr, i);
		c = &cs[i];
		r->n = i + 1;
		c->id = strdup(json_string_value(json_object_get(o, "id")));
		c->title = strdup(json_string_value(json_object_get(o, "title")));
		c->message = strdup(json_string_value(json_object_get(o, "message")));
		if (!c->id || !c->title || !c->message)
			return -1;
		status = json_string_value(json_object_get(o, "status"));
		c->status = !strcmp(status, "pass") ? CHECK_PASS
			    : !strcmp(status, "fail") ? CHECK_FAIL : CHECK_ERROR;
		c->weight = (unsigned)json_integer_value(json_object_get(o, "weight"));
		c->points = (unsigned)json_integer_value(json_object_get(o, "points"));
		c->knowledge = json_is_string(json_object_get(o, "kind")) &&
			       !strcmp(json_string_value(json_object_get(o, "kind")),
				       "knowledge");
	}
	return 0;
}

/* The worker's read log: [["/path", "rle"], ...], at most
 * GRADER_MAX_READS of them, each path as lua_host.c encodes it. */
static int take_reads(const json_t *arr, struct grader_result *r)
{
	const json_t *one, *path, *ops;
	const char *p, *o;
	size_t i, n = json_array_size(arr);

	if (!json_is_array(arr) || n > GRADER_MAX_READS)
		return -1;
	r->reads = calloc(n ? n : 1, sizeof *r->reads);
	if (!r->reads)
		return -1;
	for (i = 0; i < n; i++) {
		one = json_array_get(arr, i);
		path = json_array_get(one, 0);
		ops = json_array_get(one, 1);
		if (!json_is_array(one) || json_array_size(one) != 2 ||
		    !json_is_string(path) || !json_is_string(ops))
			return -1;
		p = json_string_value(path);
		o = json_string_value(ops);
		if (p[0] != '/' || strlen(p) != json_string_length(path) ||
		    strlen(o) >= sizeof r->reads[i].ops || !o[0] ||
		    strspn(o, "rle") != strlen(o))
			return -1;
		if (!(r->reads[i].path = strdup(p)))
			return -1;
		memcpy(r->reads[i].ops, o, strlen(o) + 1);
		r->nreads = i + 1;
	}
	return 0;
}

/* The worker's document, parsed as if it were hostile. */
static void parse_answer(const char *buf, size_t len, struct grader_result *r)
{
	json_error_t je;
	json_t *doc, *ok, *v;
	char why[256];

	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		set_error(r, "grader returned nonsense: unreadable results: %s",
			  je.text);
		return;
	}
	ok = json_object_get(doc, "ok");
	if (!json_is_object(doc) || !json_is_boolean(ok) ||
	    json_object_size(doc) != (json_is_true(ok) ? 4u : 2u)) {
		set_error(r, "grader returned nonsense: results of the wrong shape");
		goto out;
	}
	if (json_is_false(ok)) {
		v = json_object_get(doc, "error");
		if (!json_is_string(v))
			set_error(r, "grader returned nonsense: results of the wrong shape");
		else
			set_error(r, "%s", json_string_value(v));
		goto out;
	}
	v = json_object_get(doc, "checks");
	if (!v) {
		set_error(r, "grader returned nonsense: results of the wrong shape");
		goto out;
	}
	if (checks_validate(v, why, sizeof why) < 0) {
		set_error(r, "grader returned nonsense: %s", why);
		goto out;
	}
	if (take_checks(v, r) < 0) {
		set_error(r, "grader results: out of memory");
		goto out;
	}
	if (!json_is_boolean(json_object_get(doc, "reads_cut")) ||
	    take_reads(json_object_get(doc, "reads"), r) < 0) {
		set_error(r, "grader returned nonsense: its read log is of the wrong shape");
		goto out;
	}
	r->reads_cut = json_is_true(json_object_get(doc, "reads_cut"));
	r->ok = 1;
out:
	json_decref(doc);
}

/* ---- the worker ---- */

static void __attribute__((noreturn)) worker_answer(char *doc, size_t len)
{
	/* Callers make doc first, then pass len: never both in one call's
	 * arguments, whose order of evaluation C leaves open. */
	if (!doc)
		_exit(W_EXIT_NOMEM);
	(void)write_all(W_RESULT_FD, doc, len);
	/* _exit, never exit: no atexit handler, no stdio flush of the
	 * parent's buffers, no LeakSanitizer pass in the child. */
	_exit(0);
}

static void __attribute__((noreturn)) worker_fail(const char *what, int errnum)
{
	char msg[256];
	size_t len = 0;
	char *doc;

	snprintf(msg, sizeof msg, "grader worker: %s: %s", what, strerror(errnum));
	doc = lua_host_error_doc(msg, &len);
	worker_answer(doc, len);
}

/* The descriptors the worker keeps, at fixed numbers; every other one is
 * closed (0 and 1 as well: nothing in the worker writes to stdout). */
static int worker_fds(int result_fd, int print_fd, int root_fd)
{
	int r, p, root = -1, fd;

	r = fcntl(result_fd, F_DUPFD_CLOEXEC, 10);
	p = fcntl(print_fd, F_DUPFD_CLOEXEC, 10);
	if (root_fd >= 0)
		root = fcntl(root_fd, F_DUPFD_CLOEXEC, 10);
	if (r < 0 || p < 0 || (root_fd >= 0 && root < 0))
		return -1;
	if (dup2(p, W_PRINT_FD) < 0 || dup3(r, W_RESULT_FD, O_CLOEXEC) < 0 ||
	    (root >= 0 && dup3(root, W_ROOT_FD, O_CLOEXEC) < 0))
		return -1;
	if (close_range(0, 1, 0) < 0 ||
	    close_range(root >= 0 ? W_ROOT_FD + 1 : W_ROOT_FD, ~0u, 0) < 0) {
		/* close_range is Linux 5.9; before it, one by one */
		for (fd = 0; fd < 65536; fd++)
			if (fd != W_PRINT_FD && fd != W_RESULT_FD &&
			    (root < 0 || fd != W_ROOT_FD))
				close(fd);
	}
	return 0;
}

static int worker_limits(const struct grader_limits *lim)
{
	struct rlimit cpu = {lim->cpu_s, (rlim_t)lim->cpu_s + 1};
	struct rlimit zero = {0, 0};
	struct rlimit nofile = {GRADER_NOFILE, GRADER_NOFILE};

	if (setrlimit(RLIMIT_CPU, &cpu) < 0 || setrlimit(RLIMIT_CORE, &zero) < 0 ||
	    setrlimit(RLIMIT_FSIZE, &zero) < 0 ||
	    setrlimit(RLIMIT_MEMLOCK, &zero) < 0 ||
	    setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return -1;
#ifndef LABRUN_SANITIZED
	{
		struct rlimit as;

		as.rlim_cur = as.rlim_max = (rlim_t)lim->memory + GRADER_AS_SLACK;
		if (setrlimit(RLIMIT_AS, &as) < 0)
			return -1;
	}
#else
	/* Not under AddressSanitizer (make check): it reserves terabytes of
	 * address space at start, so any RLIMIT_AS breaks it.  The Lua heap
	 * stays capped by the allocator, and CPU and wall limits still hold. */
#endif
	return 0;
}

static void __attribute__((noreturn)) worker(const struct grader_input *in,
					     const struct grader_limits *lim,
					     pid_t parent, int result_fd,
					     int print_fd, int die)
{
	struct grader_input w = *in;
	struct sigaction sa;
	struct err e;
	sigset_t none;
	size_t len = 0;
	char *doc;
	int sig;

	if (die) /* the worker dies: the session's verdict is error */
		kill(getpid(), SIGKILL);
	if (worker_fds(result_fd, print_fd, in->root_fd) < 0)
		_exit(W_EXIT_SETUP);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Dies with the thread that forked it (a runner that forks from a
	 * short-lived thread must not); the wall limit needs a watcher. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(W_EXIT_SETUP);
	if (worker_limits(lim) < 0)
		worker_fail("cannot set limits", errno);
	memset(&e, 0, sizeof e);
	if (sbx_confine_worker(&e) < 0) {
		char msg[sizeof e.msg + 64];

		snprintf(msg, sizeof msg, "grader worker: cannot confine: %s", e.msg);
		doc = lua_host_error_doc(msg, &len);
		worker_answer(doc, len);
	}
	w.root_fd = in->root_fd >= 0 ? W_ROOT_FD : -1;
	w.lim = *lim;
	doc = lua_host_run(&w, &len);
	worker_answer(doc, len);
}

/* ---- the parent ---- */

struct watch {
	pid_t pid;
	int result_fd, print_fd; /* -1 once at end of file */
	struct buf out;          /* the worker's document */
	size_t relayed;          /* bytes of print() passed on */
	int verbose;
	int killed;              /* 1: past the deadline, 2: oversize output */
	int status;              /* from wait4 */
	int lost;                /* the status could not be collected */
	struct rusage ru;
};

/* The grader may print what it read from the candidate's files: it reaches
 * the operator's terminal escaped (base/termsafe.h), so none of it can
 * drive that terminal. */
static void relay(struct watch *w, const char *p, size_t n)
{
	struct buf b = BUF_INIT;

	if (!w->verbose || w->relayed >= RELAY_MAX)
		return;
	if (n > RELAY_MAX - w->relayed)
		n = RELAY_MAX - w->relayed;
	w->relayed += n;
	if (termsafe_escape(p, n, &b, NULL) == 0)
		(void)write_all(2, b.data, b.len);
	buf_release(&b);
}

/* Read one pipe once; returns -1 on a host failure. */
static int drain(struct watch *w, int *fd, int is_result)
{
	char chunk[65536];
	ssize_t n;

	n = read(*fd, chunk, sizeof chunk);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	if (!is_result) {
		relay(w, chunk, (size_t)n);
		return 0;
	}
	if (w->out.len + (size_t)n > GRADER_MAX_OUTPUT) {
		kill(w->pid, SIGKILL);
		w->killed = 2;
		return 0;
	}
	return buf_append(&w->out, chunk, (size_t)n, NULL);
}

static void watch(struct watch *w, unsigned wall_ms)
{
	int64_t deadline = time_mono_ms() + wall_ms, left;
	struct pollfd pf[2];
	pid_t got;
	int n, i;

	while (!w->killed && (w->result_fd >= 0 || w->print_fd >= 0)) {
		left = deadline - time_mono_ms();
		if (left <= 0) {
			kill(w->pid, SIGKILL);
			w->killed = 1;
			break;
		}
		n = 0;
		if (w->result_fd >= 0)
			pf[n++] = (struct pollfd){.fd = w->result_fd, .events = POLLIN};
		if (w->print_fd >= 0)
			pf[n++] = (struct pollfd){.fd = w->print_fd, .events = POLLIN};
		if (poll(pf, (nfds_t)n, left > 1000000 ? 1000000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			kill(w->pid, SIGKILL);
			w->killed = 1;
			break;
		}
		for (i = 0; i < n && !w->killed; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (drain(w, pf[i].fd == w->result_fd ? &w->result_fd
							       : &w->print_fd,
				  pf[i].fd == w->result_fd) < 0) {
				kill(w->pid, SIGKILL);
				w->killed = 1;
			}
		}
	}
	/* Both pipes are closed: the worker is exiting.  It still gets only
	 * until the deadline to be gone. */
	for (;;) {
		got = wait4(w->pid, &w->status, w->killed ? 0 : WNOHANG, &w->ru);
		if (got == w->pid)
			break;
		if (got < 0 && errno != EINTR) {
			/* Reaped elsewhere (SIGCHLD ignored): judge by the
			 * document alone. */
			w->lost = 1;
			break;
		}
		if (got == 0 && time_mono_ms() >= deadline) {
			kill(w->pid, SIGKILL);
			w->killed = 1;
		} else if (got == 0) {
			poll(NULL, 0, 1);
		}
	}
	if (w->result_fd >= 0)
		close(w->result_fd);
	if (w->print_fd >= 0)
		close(w->print_fd);
}

static void judge(struct watch *w, const struct grader_limits *lim,
		  struct grader_result *r)
{
	char mem[64];
	long long cpu_ms = (long long)w->ru.ru_utime.tv_sec * 1000 +
			   w->ru.ru_utime.tv_usec / 1000 +
			   (long long)w->ru.ru_stime.tv_sec * 1000 +
			   w->ru.ru_stime.tv_usec / 1000;
	int sig;

	checks_memory_text(lim->memory, mem, sizeof mem);
	if (w->killed == 1) {
		set_error(r, "grader ran past %u ms and was stopped", lim->wall_ms);
		return;
	}
	if (w->killed == 2) {
		set_error(r, "grader returned more than %u bytes of results",
			  GRADER_MAX_OUTPUT);
		return;
	}
	if (w->lost) {
		if (w->out.len)
			parse_answer((const char *)w->out.data, w->out.len, r);
		else
			set_error(r, "grader worker ended in an unknown way");
		return;
	}
	if (WIFSIGNALED(w->status)) {
		sig = WTERMSIG(w->status);
		if (sig == SIGXCPU ||
		    (sig == SIGKILL && cpu_ms >= (long long)lim->cpu_s * 1000))
			set_error(r, "grader exceeded its CPU limit of %u s",
				  lim->cpu_s);
		else
			set_error(r, "grader worker was killed by signal %d (SIG%s)",
				  sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
		return;
	}
	if (!WIFEXITED(w->status)) {
		set_error(r, "grader worker ended in an unknown way");
		return;
	}
	switch (WEXITSTATUS(w->status)) {
	case 0:
		parse_answer((const char *)w->out.data, w->out.len, r);
		return;
	case W_EXIT_NOMEM:
		set_error(r, "grader ran out of memory (%s)", mem);
		return;
	case W_EXIT_SETUP:
		set_error(r, "grader worker could not be set up (status %d)",
			  W_EXIT_SETUP);
		return;
	default:
		set_error(r, "grader worker exited with status %d",
			  WEXITSTATUS(w->status));
		return;
	}
}

int grader_run(const struct grader_input *in, struct grader_result *out,
	       struct err *e)
{
	struct grader_limits lim = in->lim;
	struct watch w;
	int res[2] = {-1, -1}, prt[2] = {-1, -1}, die;
	pid_t parent = getpid();

	memset(out, 0, sizeof *out);
	/* A zero limit means the default, never "no limit". */
	if (!lim.memory)
		lim.memory = grader_default_limits.memory;
	if (!lim.instructions)
		lim.instructions = grader_default_limits.instructions;
	if (!lim.cpu_s)
		lim.cpu_s = grader_default_limits.cpu_s;
	if (!lim.wall_ms)
		lim.wall_ms = grader_default_limits.wall_ms;
	if (in->source_len > GRADER_MAX_SOURCE) {
		set_error(out, "%s: larger than %u bytes",
			  in->chunkname ? in->chunkname : "grade.lua",
			  GRADER_MAX_SOURCE);
		return 0;
	}
	/* jansson seeds its hash function from /dev/urandom on first use; do
	 * it here, so that the confined worker never opens a host path. */
	json_object_seed(0);
	/* The worker loads the API's Lua half as bytecode compiled here,
	 * once in this process's life. */
	lua_host_prepare();
	if (pipe2(res, O_CLOEXEC) < 0 || pipe2(prt, O_CLOEXEC) < 0) {
		err_sys(e, ERR_HOST, errno, "grader: pipe");
		goto fail;
	}
	memset(&w, 0, sizeof w);
	/* LABRUN_CRASH_AT=grader:N counts grader runs in this process: the
	 * Nth worker dies (validate's dry run is the first of a session). */
	die = crash_due("grader");
	w.pid = fork();
	if (w.pid < 0) {
		err_sys(e, ERR_HOST, errno, "grader: fork");
		goto fail;
	}
	if (w.pid == 0)
		worker(in, &lim, parent, res[1], prt[1], die);
	close(res[1]);
	close(prt[1]);
	w.result_fd = res[0];
	w.print_fd = prt[0];
	w.verbose = in->verbose;
	watch(&w, lim.wall_ms);
	judge(&w, &lim, out);
	buf_release(&w.out);
	return 0;
fail:
	if (res[0] >= 0) {
		close(res[0]);
		close(res[1]);
	}
	if (prt[0] >= 0) {
		close(prt[0]);
		close(prt[1]);
	}
	return -1;
}

int grader_compile(const char *source, size_t len, const char *chunkname,
		   char *msg, size_t msgsize)
{
	return lua_host_compile(source, len, chunkname, msg, msgsize);
}

const char *grader_verdict(const struct grader_result *r, unsigned pass_mark,
			   unsigned *score)
{
	unsigned long long points = 0, weight = 0;
	unsigned s = 0;
	int error = !r->ok;
	size_t i;

	for (i = 0; r->ok && i < r->n; i++) {
		points += r->checks[i].points;
		weight += r->checks[i].weight;
		if (r->checks[i].status == CHECK_ERROR)
			error = 1;
	}
	if (weight)
		s = (unsigned)(points * 1000 / weight);
	if (score)
		*score = s;
	if (error)
		return "error";
	return s >= pass_mark ? "pass" : "fail";
}
