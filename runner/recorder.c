/* recorder: the supervisor's side of a running session (see recorder.h):
 * the sandbox's hooks record the terminal, the programs run and how they
 * ended, the hints taken; they answer the lab channel and warn of the
 * time.  Nothing here builds the sandbox or judges what was recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "runner/cast.h"
#include "runner/faults.h"
#include "runner/recorder.h"
#include "runner/scenario.h"
#include "runner/session.h"
#include "sandbox/sandbox.h"

static int rec_output(void *ctx, int64_t t_us, const void *data, size_t len)
{
	struct recorder *r = ctx;

	if (r->ui)
		r->ui->output(r->ui->ctx, data, len);
	if (cast_output(r->cast, t_us, data, len, NULL) < 0) {
		r->failed = 1;
		return 1;
	}
	return cast_capped(r->cast) ? 1 : 0;
}

/* Keystrokes, recorded when the scenario asks for them. */
static int rec_input(void *ctx, int64_t t_us, const void *data, size_t len)
{
	struct recorder *r = ctx;

	if (cast_input(r->cast, t_us, data, len, NULL) < 0)
		r->failed = 1;
	return 0;
}

/* The candidate's terminal took a new size: recorded, so that a player
 * wraps what follows as the screen did.  Like the output, a recording
 * that can take no more ends the session. */
static int rec_resize(void *ctx, int64_t t_us, unsigned width,
		      unsigned height)
{
	struct recorder *r = ctx;

	if (cast_resize(r->cast, t_us, width, height, NULL) < 0) {
		r->failed = 1;
		return 1;
	}
	return cast_capped(r->cast) ? 1 : 0;
}

/* labrun's own line on the candidate's screen, recorded with the rest. */
static void rec_notice(struct recorder *r, int64_t t_us, const char *msg)
{
	char line[256];
	int n = snprintf(line, sizeof line, "\r\n\033[1m[lab] %s\033[0m\r\n", msg);

	if (n > 0)
		rec_output(r, t_us, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void left_mmss(const struct recorder *r, int64_t t_us, char *out,
		      size_t size)
{
	int64_t left = (int64_t)r->limit_s - t_us / 1000000;

	if (left < 0)
		left = 0;
	snprintf(out, size, "%lld:%02lld", (long long)(left / 60),
		 (long long)(left % 60));
}

/* Once a second: time warnings, and a signal's request to stop. */
static int rec_tick(void *ctx, int64_t t_us)
{
	struct recorder *r = ctx;
	int64_t left = (int64_t)r->limit_s - t_us / 1000000;

	if (r->stop && *r->stop) {
		r->stopped = *r->stop;
		rec_notice(r, t_us, r->stopped == 2 ? "the connection dropped: the session ends and is graded as it stands"
						    : "the session was ended: it is graded as it stands");
		return 1;
	}
	if (!r->ui)
		return 0;
	if (r->warned < 1 && left <= 600 && r->limit_s > 600) {
		r->warned = 1;
		rec_notice(r, t_us, "10 minutes left");
	}
	if (r->warned < 2 && left <= 120 && r->limit_s > 120) {
		r->warned = 2;
		rec_notice(r, t_us, "2 minutes left: the session ends and is graded at 0:00");
	}
	return 0;
}

unsigned rec_hint_points(const struct recorder *r)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < r->nhints; i++)
		sum += r->hints[i].cost;
	return sum;
}

/* A request on the lab channel.  The supervisor's own records answer it:
 * nothing the candidate sends is taken as a fact. */
static int rec_lab(void *ctx, int64_t t_us, const char *req, char *resp,
		   size_t size, size_t *len)
{
	struct recorder *r = ctx;
	const struct scenario *sc = r->sc;
	char left[32];
	int n, end = 0;

	left_mmss(r, t_us, left, sizeof left);
	if (!strcmp(req, "brief")) {
		n = snprintf(resp, size, "%s", sc->brief ? sc->brief : "");
	} else if (!strcmp(req, "time")) {
		n = snprintf(resp, size, "%s left of %u:%02u\n", left,
			     r->limit_s / 60, r->limit_s % 60);
	} else if (!strcmp(req, "time-short")) {
		n = snprintf(resp, size, "%s\n", left);
	} else if (!strcmp(req, "hint-cost")) {
		if (r->nhints < sc->nhints)
			n = snprintf(resp, size, "hint %zu of %zu costs %u points of 1000\n",
				     r->nhints + 1, sc->nhints, sc->hints[r->nhints].cost);
		else
			n = snprintf(resp, size, "no more hints (%zu used)\n", r->nhints);
	} else if (!strcmp(req, "hint")) {
		if (r->nhints < sc->nhints && r->nhints < SCENARIO_MAX_HINTS) {
			struct ev_hint *h = &r->hints[r->nhints];

			h->index = (unsigned)r->nhints + 1;
			h->cost = sc->hints[r->nhints].cost;
			h->at_ms = t_us / 1000;
			r->nhints++;
			n = snprintf(resp, size, "Hint %u (costs %u points):\n\n%s\n",
				     h->index, h->cost, sc->hints[h->index - 1].text);
		} else {
			n = snprintf(resp, size, "no more hints (%zu used)\n", r->nhints);
		}
	} else if (!strcmp(req, "status")) {
		n = snprintf(resp, size,
			     "%s %s: %s left; %zu of %zu hints used (%u points); %zu commands run\n",
			     sc->id, sc->version, left, r->nhints, sc->nhints,
			     rec_hint_points(r), r->n);
	} else if (!strcmp(req, "submit")) {
		r->submitted = 1;
		end = 1;
		n = snprintf(resp, size, "submitted: the session ends and is graded\n");
	} else {
		n = snprintf(resp, size, "error: unknown request; try: lab help\n");
	}
	*len = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
	return end;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int rec_exec(void *ctx, int64_t t_us, const struct sbx_exec *ex)
{
	struct recorder *r = ctx;
	struct ev_command *c;
	size_t argc = 0, i;

	if (r->n >= COMMANDS_MAX) {
		r->truncated = 1;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct ev_command *nc = realloc(r->cmds, cap * sizeof *nc);
		int *np;

		if (!nc)
			goto oom;
		r->cmds = nc;
		np = realloc(r->host_pids, cap * sizeof *np);
		if (!np)
			goto oom;
		r->host_pids = np;
		r->cap = cap;
	}
	crash_point("session"); /* the Nth program the candidate runs */
	c = &r->cmds[r->n];
	memset(c, 0, sizeof *c);
	while (ex->argv[argc])
		argc++;
	c->argv = calloc(argc + 1, sizeof *c->argv);
	if (!c->argv)
		goto oom;
	for (i = 0; i < argc; i++)
		if (!(c->argv[i] = strdup(ex->argv[i])))
			goto oom_cmd;
	c->argc = argc;
	c->path = dup_or_null(ex->path);
	if (ex->path && !c->path)
		goto oom_cmd;
	c->t_ms = t_us / 1000;
	c->pid = ex->pid;
	c->argv_truncated = ex->argv_truncated;
	c->verified = -1;
	r->host_pids[r->n++] = ex->host_pid;
	return 0;
oom_cmd:
	for (i = 0; i < argc; i++)
		free(c->argv[i]);
	free(c->argv);
oom:
	r->failed = 1;
	return 1;
}

static int rec_exited(void *ctx, int64_t t_us, int host_pid, int code)
{
	struct recorder *r = ctx;
	size_t i = r->n;

	(void)t_us;
	while (i-- > 0) {
		if (r->host_pids[i] != host_pid)
			continue;
		if (!r->cmds[i].exited) {
			r->cmds[i].exited = 1;
			r->cmds[i].exit_code = code;
		}
		break;
	}
	return 0;
}

/* Does the argument a (as logged) match b (len n, as the program holds
 * it)?  A logged argument that was cut matches b's beginning. */
static int same_arg(const char *a, const char *b, size_t n, int cut)
{
	size_t la = strlen(a);

	if (la == n && !memcmp(a, b, n))
		return 1;
	return cut && la < n && !memcmp(a, b, la);
}

static int rec_call(void *ctx, int64_t t_us, const struct sbx_call *c,
		    struct sbx_verdict *v)
{
	struct recorder *r = ctx;

	(void)t_us;
	return r->plan ? sysfaults_call(r->plan, r->sb, c, v) : 0;
}

/* What the kernel ran for command c (the process waits in its first call
 * after the exec): the program's file, or for a script the script and its
 * interpreter, named inside the sandbox; the link it was run through when
 * the candidate could not have made it; and whether the candidate could
 * have chosen any of it (docs/validity.md, V2).  -1 out of memory. */
static int identify(struct recorder *r, struct ev_command *c, int host_pid,
		    int script)
{
	static struct sbx_program pg; /* 8 KiB: off the stack */
	static char path[4096];
	int trusted, is_link, rc = -1;

	if (sbx_program(r->sb, host_pid, &pg) < 0) {
		rc = 0; /* it ended first: unknown, untrusted */
		goto out;
	}
	if (pg.cwd[0] && !(c->cwd = strdup(pg.cwd)))
		goto out;
	if (!script) {
		if (!(c->exe = strdup(pg.exe)))
			goto out;
		c->trusted = pg.exe_trusted;
	} else {
		if (!(c->interpreter = strdup(pg.exe)))
			goto out;
		if (sbx_resolve(r->sb, &pg, c->path, 1, path, sizeof path,
				&trusted, &is_link) == 0) {
			if (!(c->exe = strdup(path)))
				goto out;
			c->trusted = pg.exe_trusted && trusted;
		}
	}
	/* The name it was run by, when that is a link nobody but the system
	 * made to this very program (python3 -> python3.11, sh -> dash). */
	if (c->exe && c->path &&
	    sbx_resolve(r->sb, &pg, c->path, 0, path, sizeof path, &trusted,
			&is_link) == 0 && is_link && trusted &&
	    strcmp(path, c->exe) && !(c->link = strdup(path)))
		goto out;
	rc = 0;
out:
	sbx_program_release(&pg);
	if (rc < 0)
		r->failed = 1;
	return rc;
}

/* The program's command line at its start, against the argv logged at
 * its exec.  A script starts as "INTERPRETER [ARG] PATH ARGV[1]...", with
 * PATH the one given to execve.  A mismatch means the argv was changed
 * while the exec was in flight: it is logged as such, with what ran. */
static int rec_started(void *ctx, int64_t t_us, int host_pid,
		       const char *cmdline, size_t len, int cut)
{
	struct recorder *r = ctx;
	struct ev_command *c = NULL;
	const char *arg[ARGV_MAX_ARGS];
	size_t alen[ARGV_MAX_ARGS], na = 0, i = r->n, k, off, n, tail, base;
	int ok, lcut, script = 0;

	(void)t_us;
	while (i-- > 0)
		if (r->host_pids[i] == host_pid) {
			c = &r->cmds[i];
			break;
		}
	if (!c || c->verified != -1)
		return 0;
	for (off = 0; off < len && na < ARGV_MAX_ARGS; off += n + 1) {
		n = strnlen(cmdline + off, len - off);
		arg[na] = cmdline + off;
		alen[na++] = n;
	}
	cut = cut || off < len;
	lcut = c->argv_truncated;
	/* As exec'd: the same arguments. */
	ok = na == c->argc || ((cut || lcut) && na >= c->argc);
	for (k = 0; ok && k < c->argc && k < na; k++)
		ok = same_arg(c->argv[k], arg[k], alen[k], lcut);
	/* As a script: the interpreter, maybe its argument, the path. */
	if (!ok && c->path && c->argc >= 1) {
		tail = c->argc - 1;
		for (base = 1; base <= 2 && !ok; base++) {
			if (na != base + 1 + tail && !(cut && na > base + 1))
				continue;
			ok = same_arg(c->path, arg[base], alen[base], 0);
			for (k = 0; ok && k < tail && base + 1 + k < na; k++)
				ok = same_arg(c->argv[k + 1], arg[base + 1 + k],
					      alen[base + 1 + k], lcut);
			script = ok;
		}
	}
	c->verified = ok;
	if (identify(r, c, host_pid, script) < 0)
		return 1;
	if (ok)
		return 0;
	c->argv_run = calloc(na + 1, sizeof *c->argv_run);
	for (k = 0; c->argv_run && k < na; k++) {
		c->argv_run[k] = strndup(arg[k], alen[k]);
		if (!c->argv_run[k])
			break;
		c->argc_run++;
	}
	return 0;
}

void rec_release(struct recorder *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		ev_command_release(&r->cmds[i]);
	free(r->cmds);
	free(r->host_pids);
	cast_free(r->cast);
	memset(r, 0, sizeof *r);
}

void rec_hooks(struct recorder *r, struct sbx_hooks *out)
{
	struct sbx_hooks h = {
		.ctx = r, .output = rec_output, .exec = rec_exec,
		.exited = rec_exited, .started = rec_started,
		.call = rec_call, .lab = rec_lab, .input_fd = -1,
	};

	if (r->stop)
		h.tick = rec_tick;
	if (r->ui) {
		h.tick = rec_tick;
		h.input_fd = r->ui->input_fd;
		h.winch = r->ui->winch;
		h.resize = rec_resize;
		if (r->sc->record_input)
			h.input = rec_input;
	}
	*out = h;
}
