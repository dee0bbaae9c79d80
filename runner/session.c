/* session: runs one session end to end (see session.h).  The order is the
 * security argument: the issuer key is already in memory (the caller read
 * it), the bundle's signature is checked over its raw bytes before it is
 * parsed, the sandbox is built and run, every sandbox process is dead
 * before anything is graded or collected, and the evidence appears at its
 * final path only once it is whole and signed.  It does not print. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "base/version.h"
#include "graders/grader.h"
#include "runner/bundle.h"
#include "runner/carry.h"
#include "runner/cast.h"
#include "runner/collect.h"
#include "runner/config.h"
#include "runner/context.h"
#include "runner/evidence.h"
#include "runner/faults.h"
#include "runner/platform.h"
#include "runner/session.h"
#include "runner/sessions.h"
#include "runner/sign.h"
#include "runner/spool.h"
#include "sandbox/sandbox.h"
#include "scenarios/platform/sim.h"

#define TERM_WIDTH 80  /* the recorded terminal of a scripted run */
#define TERM_HEIGHT 24

/* What the supervisor records while the sandbox runs. */
struct recorder {
	struct cast *cast;
	struct ev_command *cmds;
	int *host_pids;
	size_t n, cap;
	int truncated;
	int failed; /* out of memory while recording: the session is an error */
	struct fault_plan *plan; /* the syscall faults, or NULL */
	const struct sbx *sb;
	/* take: the candidate at a terminal */
	const struct session_ui *ui;
	volatile int *stop;
	const struct scenario *sc;
	unsigned limit_s;        /* the time limit the candidate has */
	int warned;              /* 1: at 10 minutes, 2: at 2 minutes */
	int submitted, stopped;  /* lab submit; stopped by an operator 1, hang-up 2 */
	struct ev_hint hints[SCENARIO_MAX_HINTS];
	size_t nhints;
};

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

static unsigned hint_points(const struct recorder *r)
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
			     hint_points(r), r->n);
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

/* The program's command line at its start, against the argv logged at
 * its exec.  A script starts as "INTERPRETER [ARG] PATH ARGV[1]...", with
 * PATH the one given to execve.  A mismatch means the argv was changed
 * while the exec was in flight: it is logged as such, with what ran. */
/* libfaketime's FAKETIME for a clock.offset: an offset, and a rate. */
static void clock_env(const struct fault *f, char *out, size_t size)
{
	if (f->rate != 1.0)
		snprintf(out, size, "FAKETIME=%+lld x%g", f->offset_s, f->rate);
	else
		snprintf(out, size, "FAKETIME=%+lld", f->offset_s);
}

/* What the network, disk and clock faults did, once the session is over
 * (ran: the sandbox was built, so they were set up). */
static void record_session_faults(const struct scenario *sc,
				  const struct sbx_config *cfg,
				  const size_t *small_of, struct ev_fault *out,
				  int ran)
{
	char env[64];
	size_t i;

	for (i = 0; ran && i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];
		struct ev_fault *r = &out[i];

		if (f->kind == FAULT_NET_REFUSE || f->kind == FAULT_NET_DROP) {
			r->triggered = 1;
			snprintf(r->detail, sizeof r->detail, "%s by nftables in the sandbox's network namespace",
				 f->kind == FAULT_NET_REFUSE ? "connections refused (TCP reset)"
							     : "packets dropped");
		} else if (f->kind == FAULT_CLOCK_OFFSET) {
			clock_env(f, env, sizeof env);
			r->triggered = 1;
			snprintf(r->detail, sizeof r->detail, "libfaketime, %s", env);
		}
	}
	for (i = 0; ran && i < cfg->nsmall; i++) {
		const struct sbx_small_fs *s = &cfg->small[i];
		struct ev_fault *r = &out[small_of[i]];

		r->triggered = 1;
		if (s->inodes)
			snprintf(r->detail, sizeof r->detail,
				 "tmpfs of %llu inodes, %llu in use at the start; %llu free at the end",
				 s->max_inodes, s->used_inodes, s->free_inodes_end);
		else
			snprintf(r->detail, sizeof r->detail,
				 "tmpfs of %llu KiB, %llu KiB in use at the start; %llu KiB free at the end",
				 s->size_kb, s->used_kb, s->free_kb_end);
	}
}

/* The session in the host's register (labrun sessions, labrun end). */
static int enter_register(const char *sid, const char *mode,
			  const char *scenario, const char *candidate,
			  unsigned limit_s, int *registered, struct err *e)
{
	struct session_entry en;

	memset(&en, 0, sizeof en);
	snprintf(en.id, sizeof en.id, "%s", sid);
	en.pid = getpid();
	snprintf(en.mode, sizeof en.mode, "%s", mode);
	snprintf(en.scenario, sizeof en.scenario, "%s", scenario);
	snprintf(en.candidate, sizeof en.candidate, "%s", candidate);
	en.started_ms = time_now_ms();
	en.time_limit_s = limit_s;
	*registered = 1;
	return sessions_add(&en, e);
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
	int trusted, is_link;

	if (sbx_program(r->sb, host_pid, &pg) < 0)
		return 0; /* it ended first: unknown, untrusted */
	if (pg.cwd[0] && !(c->cwd = strdup(pg.cwd)))
		goto oom;
	if (!script) {
		if (!(c->exe = strdup(pg.exe)))
			goto oom;
		c->trusted = pg.exe_trusted;
	} else {
		if (!(c->interpreter = strdup(pg.exe)))
			goto oom;
		if (sbx_resolve(r->sb, host_pid, pg.cwd, c->path, 1, path,
				sizeof path, &trusted, &is_link) == 0) {
			if (!(c->exe = strdup(path)))
				goto oom;
			c->trusted = pg.exe_trusted && trusted;
		}
	}
	/* The name it was run by, when that is a link nobody but the system
	 * made to this very program (python3 -> python3.11, sh -> dash). */
	if (c->exe && c->path &&
	    sbx_resolve(r->sb, host_pid, pg.cwd, c->path, 0, path, sizeof path,
			&trusted, &is_link) == 0 && is_link && trusted &&
	    strcmp(path, c->exe) && !(c->link = strdup(path)))
		goto oom;
	return 0;
oom:
	r->failed = 1;
	return -1;
}

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

static void rec_release(struct recorder *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		ev_command_release(&r->cmds[i]);
	free(r->cmds);
	free(r->host_pids);
	cast_free(r->cast);
	memset(r, 0, sizeof *r);
}

static int derive_ids(const struct session_opts *o, const char *digest,
		      char pseudonym[20], char seed[65], int *overridden,
		      struct err *e)
{
	unsigned char h[16];
	struct buf msg = BUF_INIT;
	unsigned char raw[32];
	int n;

	if (o->replay) {
		/* the renewed evidence's pseudonym: the same holder */
		const char *p = o->replay->pseudonym;

		if (!p || strlen(p) != 18 || strncmp(p, "c-", 2) ||
		    strspn(p + 2, "0123456789abcdef") != 16)
			return err_set(e, ERR_REFUSED,
				       "pseudonym '%.40s': not one labrun writes (c- and 16 hex digits)",
				       p ? p : "");
		memcpy(pseudonym, p, 19);
	} else {
		if (sign_keyed_hash(o->key, "labrun candidate pseudonym",
				    o->candidate, strlen(o->candidate), h,
				    sizeof h) < 0)
			return err_set(e, ERR_HOST, "cannot derive the pseudonym");
		memcpy(pseudonym, "c-", 2);
		hex_encode(h, 8, pseudonym + 2);
	}
	if (o->seed_hex) {
		n = hex_decode(o->seed_hex, raw, sizeof raw);
		if (n < 1)
			return err_set(e, ERR_USAGE,
				       "--seed %s: not hex; hint: 2 to 64 hex digits",
				       o->seed_hex);
		hex_encode(raw, (size_t)n, seed);
		*overridden = 1;
		return 0;
	}
	/* Keyed with the issuer's secret: a leaked bundle does not let
	 * anyone compute a candidate's seed. */
	if (buf_printf(&msg, e, "%s\n%s\n%u", digest, pseudonym, o->attempt) < 0)
		return -1;
	if (o->seed_secret)
		/* An exam host's own secret: seeds (and so variants) stay
		 * the same when the issuer key rotates. */
		n = sign_blake2b(h, sizeof h, msg.data, msg.len,
				 o->seed_secret, 32);
	else
		n = sign_keyed_hash(o->key, "labrun session seed", msg.data,
				    msg.len, h, sizeof h);
	buf_release(&msg);
	if (n < 0)
		return err_set(e, ERR_HOST, "cannot derive the seed");
	hex_encode(h, sizeof h, seed);
	*overridden = 0;
	return 0;
}

/* A scenario with variants runs the one the seed selects (the seed is
 * keyed, so a leaked bundle does not tell whose variant is whose), or the
 * one --variant names; the plan is loaded again with its changes. */
static int load_variant(const struct session_opts *o, const struct tar_list *files,
			const char *seed, struct scenario *sc,
			struct session_result *res, struct err *e)
{
	size_t v = scenario_pick_variant(sc, seed);

	if (o->variant) {
		for (v = 0; v < sc->nvariants; v++)
			if (!strcmp(sc->variants[v], o->variant))
				break;
		if (v == sc->nvariants)
			return err_set(e, ERR_USAGE, "--variant %s: %s", o->variant,
				       sc->nvariants ? "not one of the scenario's $.variants"
						     : "the scenario has no variants");
	}
	if (v == SIZE_MAX)
		return 0;
	scenario_release(sc);
	if (scenario_load_variant(files, o->max_depth, v, sc, &res->problems, e) < 0)
		return err_set(e, ERR_REFUSED, "%s: the scenario's variant %zu does not load",
			       o->input, v);
	snprintf(res->variant, sizeof res->variant, "%s", scenario_variant(sc));
	return 0;
}

/* labrun's own files: the sandbox's pid 1 and the in-sandbox tools,
 * beside the binary (build tree) or under ../libexec (installed). */
static int find_libexec(char *out, size_t size, struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	static const char *const rel[] = {"libexec/labrun", "../libexec/labrun"};
	size_t i;

	if (self_dir(dir, sizeof dir, e) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s/labrun-init", dir, rel[i]);
		if (access(path, X_OK) == 0) {
			if ((size_t)snprintf(out, size, "%s/%s", dir, rel[i]) >= size)
				break;
			return 0;
		}
	}
	return err_set(e, ERR_HOST,
		       "labrun-init not found beside %s; hint: run make, or make install",
		       dir);
}

static int profile_digest(char out[SIGN_SHA256_HEX], struct err *e)
{
	struct buf b = BUF_INIT;
	unsigned char chunk[4096];
	ssize_t n;
	int fd, rc = -1;

	fd = memfd_create("labrun-profile", MFD_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "memfd_create");
	if (sbx_profile_export(fd, e) < 0)
		goto out;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err_sys(e, ERR_HOST, errno, "profile");
		goto out;
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		if (buf_append(&b, chunk, (size_t)n, e) < 0)
			goto out;
	if (n < 0) {
		err_sys(e, ERR_HOST, errno, "profile");
		goto out;
	}
	sha256_hex(b.data ? b.data : chunk, b.len, out);
	rc = 0;
out:
	close(fd);
	buf_release(&b);
	return rc;
}

/* chown a tree beneath parent to uid:uid, following no link: the files a
 * service owns.  The tree is the scenario's own, just extracted. */
static int chown_tree(int parent, const char *name, uid_t uid, int depth,
		      struct err *e)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (depth > 64)
		return err_set(e, ERR_REFUSED, "%s: nested too deep", name);
	if (fchownat(parent, name, uid, uid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, ERR_HOST, errno, "chown %s", name);
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, ERR_HOST, errno, "%s", name);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    chown_tree(dirfd(d), de->d_name, uid, depth + 1, e) < 0) {
			closedir(d);
			return -1;
		}
	closedir(d);
	return 0;
}

/* Give uid the tree at abs (an absolute sandbox path) beneath the lower
 * layer; a missing tree is fine when optional. */
static int give_tree(int lower_fd, const char *abs, uid_t uid, int optional,
		     struct err *e)
{
	char rel[SERVICE_MAX_ARG], *slash;
	int dir, next;
	struct stat st;

	snprintf(rel, sizeof rel, "%s", abs + 1);
	dir = dup(lower_fd);
	for (slash = strchr(rel, '/'); dir >= 0 && slash; slash = strchr(rel, '/')) {
		*slash = 0;
		next = openat(dir, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
		dir = next;
		memmove(rel, slash + 1, strlen(slash + 1) + 1);
	}
	if (dir >= 0 && fstatat(dir, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		close(dir);
		dir = -1;
	}
	if (dir < 0)
		return optional && errno == ENOENT ? 0 : err_sys(e, ERR_HOST, errno, "%s", abs);
	if (chown_tree(dir, rel, uid, 0, e) < 0) {
		close(dir);
		return -1;
	}
	close(dir);
	return 0;
}

/* Who owns what (docs/scenario.md, "Who owns what"): the scenario's
 * files were laid in place as the sandbox's root; each service gets the
 * paths it owns, the candidate their home and what $.candidate_owns names.
 * Nothing else is theirs to write: the loader's and name service's
 * configuration, and what services run, stay root's (docs/validity.md,
 * V1). */
static int give_owned(const struct scenario *sc, int lower_fd, uid_t service,
		      uid_t candidate, struct err *e)
{
	size_t i, k;

	for (i = 0; i < sc->nservices; i++)
		for (k = 0; k < sc->services[i].nowns; k++)
			if (give_tree(lower_fd, sc->services[i].owns[k], service, 0, e) < 0)
				return -1;
	for (i = 0; i < sc->ncandidate_owns; i++)
		if (give_tree(lower_fd, sc->candidate_owns[i], candidate, 0, e) < 0)
			return -1;
	return give_tree(lower_fd, SBX_CANDIDATE_HOME, candidate, 1, e);
}

static void clamp(unsigned *v, unsigned max)
{
	if (*v > max)
		*v = max;
}

/* A limit's mechanism, saying so when the host's maximum cut the ask. */
static const char *mech(char out[256], const char *how, unsigned asked,
			unsigned applied)
{
	if (asked == applied)
		snprintf(out, 256, "%s", how);
	else
		snprintf(out, 256, "%s (the scenario asked %u; this host's maximum is %u)",
			 how, asked, applied);
	return out;
}

static const char *end_name(enum sbx_end end)
{
	switch (end) {
	case SBX_END_EXIT:
		return "exit";
	case SBX_END_TIMEOUT:
		return "timeout";
	case SBX_END_HOOK:
		return "output-cap";
	case SBX_END_HANGUP:
		return "hangup";
	case SBX_END_ERROR:
		break;
	}
	return "error";
}

static int copy_checks(struct session_result *res, const struct grader_result *gr)
{
	size_t i;

	if (!gr->n)
		return 0;
	res->checks = calloc(gr->n, sizeof *res->checks);
	if (!res->checks)
		return -1;
	for (i = 0; i < gr->n; i++) {
		struct session_check *c = &res->checks[i];

		snprintf(c->id, sizeof c->id, "%s", gr->checks[i].id);
		snprintf(c->status, sizeof c->status, "%s",
			 check_status_name(gr->checks[i].status));
		c->points = gr->checks[i].points;
		c->weight = gr->checks[i].weight;
		c->knowledge = gr->checks[i].knowledge;
		c->message = strdup(gr->checks[i].message);
		c->title = strdup(gr->checks[i].title);
		res->nchecks++;
		if (!c->message || !c->title)
			return -1;
	}
	return 0;
}

/* Grade the frozen root.  Any failure here is the grader's or the host's,
 * never the candidate's: it ends as gr->ok == 0 (verdict error). */
void session_grade(const struct tar_list *files, const struct ev_info *info,
		   int root_fd, int verbose, struct grader_result *gr)
{
	const struct tar_entry *src = tar_list_find(files, "grader/grade.lua");
	const struct tar_entry *keys = tar_list_find(files, "grader/keys.json");
	struct grader_input in = {0};
	struct buf ctx = BUF_INIT;
	struct err e = {0};

	memset(gr, 0, sizeof *gr);
	if (!src) {
		snprintf(gr->error, sizeof gr->error, "grader/grade.lua is missing");
		return;
	}
	if (context_build(info, keys ? (const char *)keys->data : NULL,
			  keys ? keys->len : 0, &ctx, &e) < 0) {
		snprintf(gr->error, sizeof gr->error, "grader context: %.480s", e.msg);
		return;
	}
	in.source = (const char *)src->data;
	in.source_len = src->len;
	in.chunkname = "grader/grade.lua";
	in.root_fd = root_fd;
	in.context_json = (const char *)ctx.data;
	in.context_len = ctx.len;
	in.lim = grader_default_limits;
	in.verbose = verbose;
	if (grader_run(&in, gr, &e) < 0) {
		memset(gr, 0, sizeof *gr);
		snprintf(gr->error, sizeof gr->error, "grader worker: %.480s", e.msg);
	}
	buf_release(&ctx);
}

/* -o names a file in a directory that exists and can be written (the
 * evidence is written beside it, then renamed). */
static int check_out(const char *out, struct err *e)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(out, '/');
	struct stat st;

	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		return err_set(e, ERR_USAGE, "-o %s: is a directory; hint: name a file", out);
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if ((size_t)(slash - out) >= sizeof dir)
		return err_set(e, ERR_USAGE, "-o %s: too long", out);
	else
		snprintf(dir, sizeof dir, "%.*s", slash == out ? 1 : (int)(slash - out), out);
	if (stat(dir, &st) < 0)
		return err_sys(e, ERR_USAGE, errno,
			       "-o %s: its directory %s", out, dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_USAGE, "-o %s: %s is not a directory", out, dir);
	if (access(dir, W_OK | X_OK) < 0)
		return err_sys(e, ERR_USAGE, errno,
			       "-o %s: the evidence cannot be written in %s", out, dir);
	return 0;
}

/* The attempt's record in the spool while it runs (spool.h). */
static int begin_attempt(const struct session_opts *o, const char *sid,
			 const char *wd, const char *scenario,
			 const char *pseudonym, unsigned limit_s,
			 const char *digest, int *begun, struct err *e)
{
	struct spool_attempt a;

	memset(&a, 0, sizeof a);
	snprintf(a.id, sizeof a.id, "%s", sid);
	snprintf(a.mode, sizeof a.mode, "%s", o->ui ? "take" : o->replay ? "replay" : "run");
	snprintf(a.scenario, sizeof a.scenario, "%s", scenario);
	snprintf(a.candidate, sizeof a.candidate, "%s", pseudonym);
	a.started_ms = time_now_ms();
	a.time_limit_s = limit_s;
	a.pid = (int)getpid();
	if ((size_t)snprintf(a.lock, sizeof a.lock, "%s.lock", wd) >= sizeof a.lock)
		return err_set(e, ERR_HOST, "%s: the work area's name is too long", wd);
	snprintf(a.out, sizeof a.out, "%s", o->out);
	snprintf(a.bundle, sizeof a.bundle, "%s", o->input);
	snprintf(a.digest, sizeof a.digest, "sha256:%s", digest);
	if (spool_attempt_begin(&a, e) < 0)
		return -1;
	*begun = 1;
	return 0;
}

int session_run(const struct session_opts *o, struct session_result *res,
		struct err *e)
{
	struct tar_list files = {0}, members = {0};
	struct scenario sc = {0};
	struct recorder rec = {0};
	struct grader_result gr = {0};
	struct ev_carry carry = {0};
	struct collect_report rep = {0};
	struct sbx_config cfg = {0};
	struct sbx_outcome oc = {0};
	struct sbx *sb = NULL;
	struct ev_info info = {0};
	struct ev_limit limits[8];
	struct sbx_service *services = NULL;
	struct ev_fault *faults = NULL;
	struct sbx_signal *signals = NULL;
	size_t nsignals = 0, signal_of[SCENARIO_MAX_FAULTS];
	unsigned accept_traps = 0;
	struct sbx_port_block *blocks = NULL;
	struct sbx_small_fs *small = NULL;
	size_t small_of[SCENARIO_MAX_FAULTS], k, clock_fault = SIZE_MAX;
	char faketime[64], preload[] = "LD_PRELOAD=" FAKETIME_LIB;
	char *clock_envp[] = {preload, faketime, NULL};
	char *platform_seed = NULL, *platform_plan = NULL, *platform_envp[5];
	size_t i;
	struct ev_limit_event events[8];
	struct sbx_limit_report lr = {0};
	char mem_mech[160], pid_mech[160], mechs[6][256];
	struct scenario_limits applied;
	unsigned time_limit;
	size_t nevents = 0;
	struct buf script = BUF_INIT, cast = BUF_INIT, sealed = BUF_INIT;
	char digest[SIGN_SHA256_HEX], keyid[17], pseudonym[20], seed[65];
	char profile[SIGN_SHA256_HEX], libexec[PATH_MAX], init_path[PATH_MAX + 32];
	char wd[PATH_MAX], script_path[PATH_MAX + 16], sid[17], comment[256];
	char script_digest[SIGN_SHA256_HEX], collect_error[600];
	unsigned char rnd[8];
	int unsigned_dir = 0, overridden = 0, root_fd = -1, upper_fd = -1;
	int registered = 0, attempt = 0;
	int answers_fd = -1, rc = -1;
	const struct scenario_limits *l;
	struct err se = {0};

	memset(res, 0, sizeof *res);
	/* Everything that can refuse the input comes before the sandbox. */
	if (!o->ui && !o->script && o->script_len > SCRIPT_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "script: over %u bytes", SCRIPT_MAX_BYTES);
	if (!o->ui && !o->script &&
	    buf_append(&script, o->script_data ? o->script_data : "",
		       o->script_len, e) < 0)
		return -1;
	if (!o->ui && o->script &&
	    read_file_bounded(o->script, SCRIPT_MAX_BYTES, &script, e) < 0)
		return err_wrap(e, "script");
	if (bundle_load(o->input, o->trust, &o->lim, &files, digest, keyid,
			&unsigned_dir, e) < 0)
		goto out;
	crash_point("unpack");
	if (scenario_load(&files, o->max_depth, &sc, &res->problems, e) < 0) {
		if (res->problems.n)
			err_set(e, ERR_REFUSED, "%s: %zu problem%s in the scenario",
				o->input, res->problems.n,
				res->problems.n == 1 ? "" : "s");
		goto out;
	}
	if (derive_ids(o, digest, pseudonym, seed, &overridden, e) < 0 ||
	    load_variant(o, &files, seed, &sc, res, e) < 0 ||
	    find_libexec(libexec, sizeof libexec, e) < 0 ||
	    profile_digest(profile, e) < 0)
		goto out;
	/* Where the evidence goes, and the spool if it cannot: both checked
	 * before any brief or sandbox, so that no candidate sits an exam
	 * whose evidence has nowhere to go (docs/operators.md). */
	if (check_out(o->out, e) < 0 || spool_ready(e) < 0 ||
	    spool_reap(&res->lost_found, e) < 0)
		goto out;
	snprintf(res->scenario, sizeof res->scenario, "%s %s", sc.id, sc.version);
	res->pass_mark = sc.pass_mark;
	sha256_hex(script.data, script.len, script_digest);

	/* The sandbox. */
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		err_sys(e, ERR_HOST, errno, "getrandom");
		goto out;
	}
	hex_encode(rnd, sizeof rnd, sid);
	snprintf(wd, sizeof wd, "%s/%s", sessions_dir(), sid);
	snprintf(script_path, sizeof script_path, "%s/script.sh", wd);
	snprintf(init_path, sizeof init_path, "%s/labrun-init", libexec);
	snprintf(libexec + strlen(libexec), sizeof libexec - strlen(libexec),
		 "/bin");
	/* The operator's maxima win over the scenario's asks. */
	applied = sc.limits;
	clamp(&applied.memory_mb, o->cfg->max_memory_mb);
	clamp(&applied.processes, o->cfg->max_processes);
	clamp(&applied.disk_mb, o->cfg->max_disk_mb);
	clamp(&applied.cpu_s, o->cfg->max_cpu_s);
	clamp(&applied.open_files, o->cfg->max_open_files);
	time_limit = sc.time_limit_s;
	clamp(&time_limit, o->cfg->max_time_s);
	/* An accommodation extends what the candidate gets, recorded. */
	if (o->time_factor_pct && o->time_factor_pct != 100)
		time_limit = (unsigned)((unsigned long long)time_limit *
					o->time_factor_pct / 100);
	l = &applied;
	/* take: the brief, and the candidate's go, before any sandbox. */
	if (o->ui && o->ui->brief(o->ui->ctx, &sc, time_limit) < 0) {
		err_set(e, ERR_REFUSED, "the exam was not started; nothing was written");
		goto out;
	}
	cfg.workdir = wd;
	cfg.state_dir = sessions_state_dir();
	cfg.tools_dir = libexec;
	cfg.init_path = init_path;
	cfg.script_path = o->ui ? NULL : script_path;
	cfg.lab = 1; /* the lab channel, for take and for scripts alike */
	cfg.disk_mb = l->disk_mb;
	cfg.inodes = l->disk_mb * SESSION_INODES_PER_MB < 1024
			     ? 1024 : l->disk_mb * SESSION_INODES_PER_MB;
	cfg.nproc = l->processes;
	cfg.nofile = l->open_files;
	cfg.cpu_s = l->cpu_s;
	cfg.fsize_bytes = (unsigned long long)l->disk_mb << 20;
	cfg.as_bytes = (unsigned long long)l->memory_mb << 20;
	cfg.width = TERM_WIDTH;
	cfg.height = TERM_HEIGHT;
	/* The session's memory cgroup also pays for what its tmpfs layers
	 * hold: the writable layer, /tmp and /dev/shm.  Filling them ends in
	 * ENOSPC from their own size limits, not in the OOM killer. */
	cfg.cg_memory_bytes = ((unsigned long long)l->memory_mb + l->disk_mb +
			       2ull * SESSION_TMP_MB) << 20;
	cfg.cg_pids = l->processes;
	faults = calloc(sc.nfaults + 1, sizeof *faults);
	if (!faults) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < sc.nfaults; i++)
		faults_describe(&sc.faults[i], &faults[i]);
	if (sc.nservices) {
		services = calloc(sc.nservices, sizeof *services);
		if (!services) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
		for (i = 0; i < sc.nservices; i++) {
			services[i].name = sc.services[i].name;
			services[i].argv = sc.services[i].argv;
			services[i].restart = sc.services[i].restart;
		}
		cfg.services = services;
		cfg.nservices = sc.nservices;
	}
	/* Process faults: signals the supervisor sends to services. */
	signals = calloc(sc.nfaults + 1, sizeof *signals);
	if (!signals) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < sc.nfaults; i++) {
		const struct fault *f = &sc.faults[i];

		if (!fault_is_process(f->kind))
			continue;
		for (k = 0; k < sc.nservices; k++)
			if (!strcmp(sc.services[k].name, f->service))
				break;
		signals[nsignals].service = k;
		/* 0: a freeze (sandbox.h) */
		signals[nsignals].signo = f->kind == FAULT_PROCESS_FREEZE ? 0 : f->signo;
		signals[nsignals].at_ms = f->at_s * 1000u;
		signals[nsignals].when_path = f->when_file;
		signals[nsignals].after_requests = (unsigned)f->after_requests;
		signals[nsignals].crashloop = f->kind == FAULT_PROCESS_CRASHLOOP;
		signals[nsignals].crash_after_ms = f->crash_after_ms;
		signals[nsignals].crash_times = f->crash_times;
		signals[nsignals].while_path = f->while_file;
		/* a count of connections: the services' accept calls report */
		if (f->after_requests)
			accept_traps = 1u << sbx_trap_family_index("accept");
		signal_of[nsignals] = i;
		nsignals++;
	}
	cfg.signals = signals;
	cfg.nsignals = nsignals;
	/* Network, disk and clock faults: set up with the sandbox. */
	blocks = calloc(sc.nfaults + 1, sizeof *blocks);
	small = calloc(sc.nfaults + 1, sizeof *small);
	if (!blocks || !small) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < sc.nfaults; i++) {
		const struct fault *f = &sc.faults[i];

		if (f->kind == FAULT_NET_REFUSE || f->kind == FAULT_NET_DROP) {
			blocks[cfg.nblocks].port = f->port;
			blocks[cfg.nblocks].drop = f->kind == FAULT_NET_DROP;
			cfg.nblocks++;
		} else if (f->kind == FAULT_DISK_FULL || f->kind == FAULT_DISK_INODES) {
			small[cfg.nsmall].path = f->path;
			small[cfg.nsmall].inodes = f->kind == FAULT_DISK_INODES;
			if (f->kind == FAULT_DISK_FULL)
				small[cfg.nsmall].free_kb = f->free;
			else
				small[cfg.nsmall].free_inodes = f->free;
			small_of[cfg.nsmall++] = i;
		} else if (f->kind == FAULT_CLOCK_OFFSET) {
			clock_env(f, faketime, sizeof faketime);
			for (k = 0; k < sc.nservices; k++)
				if (!f->service || !strcmp(f->service, sc.services[k].name))
					services[k].env = clock_envp;
			clock_fault = i;
		}
	}
	cfg.blocks = blocks;
	cfg.small = small;
	/* The platform: its seed (the session's, so variants follow it) and
	 * its faults, in agentd's environment, which the candidate cannot
	 * read. */
	if (sc.platform_service != SIZE_MAX) {
		size_t n = 0;

		size_t plan_size = sizeof "LABRUN_PLATFORM_FAULTS=" +
				   (sc.platform_faults ? strlen(sc.platform_faults) : 0);

		platform_seed = malloc(sizeof "LABRUN_SEED=" + sizeof seed);
		platform_plan = malloc(plan_size);
		if (!platform_seed || !platform_plan) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
		snprintf(platform_seed, sizeof "LABRUN_SEED=" + sizeof seed,
			 "LABRUN_SEED=%s", seed);
		platform_envp[n++] = platform_seed;
		if (sc.platform_faults) {
			snprintf(platform_plan, plan_size, "LABRUN_PLATFORM_FAULTS=%s",
				 sc.platform_faults);
			platform_envp[n++] = platform_plan;
		}
		if (services[sc.platform_service].env) {
			platform_envp[n++] = preload;
			platform_envp[n++] = faketime;
		}
		platform_envp[n] = NULL;
		services[sc.platform_service].env = platform_envp;
		/* agentd listens once its history has run */
		services[sc.platform_service].ready = SIM_DEFAULT_SOCKET;
	}
	/* Syscall faults: the families the sandbox reports, and whose. */
	sysfaults_traps(&sc, &cfg.trap_candidate, &cfg.trap_services);
	cfg.trap_services |= accept_traps;
	if ((cfg.trap_candidate || cfg.trap_services) &&
	    sysfaults_new(&sc, &files, seed, &rec.plan, e) < 0)
		goto out;
	if (cast_open(&rec.cast, TERM_WIDTH, TERM_HEIGHT, time_now_ms() / 1000,
		      CAST_MAX_BYTES, e) < 0)
		goto out;
	/* A sandbox that cannot be built (a missing kernel feature, a limit
	 * no cgroup can apply, I/O) is the host's failure: an error verdict,
	 * with signed evidence that says why, never the candidate's fail. */
	if (sbx_check_host(&se) < 0 ||
	    (clock_fault != SIZE_MAX && access(FAKETIME_LIB, R_OK) < 0 &&
	     err_sys(&se, ERR_HOST, errno,
		     "clock faults need %s (Debian package faketime)",
		     FAKETIME_LIB) < 0) ||
	    mkdir_p(sessions_dir(), 0711, &se) < 0 ||
	    sbx_remove_stale(sessions_dir(), &res->stale_removed, &se) < 0 ||
	    sessions_prune(&se) < 0 ||
	    sbx_remove_stale_cgroups(&res->stale_cgroups, &se) < 0 ||
	    sbx_create(&cfg, &sb, &se) < 0 ||
	    enter_register(sid, o->ui ? "take" : o->replay ? "replay" : "run",
			   res->scenario,
			   pseudonym, time_limit, &registered, &se) < 0 ||
	    begin_attempt(o, sid, wd, res->scenario, pseudonym, time_limit, digest,
			  &attempt, &se) < 0 ||
	    (!o->ui &&
	     write_file_atomic(script_path, script.data, script.len, 0644, &se) < 0) ||
	    bundle_extract(&files, "system/", sbx_lower_fd(sb),
			   sbx_root_uid(sb), sbx_root_uid(sb), &se) < 0 ||
	    faults_apply(&sc, &files, sbx_lower_fd(sb), sbx_root_uid(sb),
			 seed, faults, &se) < 0 ||
	    give_owned(&sc, sbx_lower_fd(sb), sbx_service_uid(sb),
		       sbx_candidate_uid(sb), &se) < 0) {
		if (se.kind == ERR_REFUSED && sb) {
			*e = se;
			goto out;
		}
		oc.end = SBX_END_ERROR;
		oc.exit_status = -1;
		oc.started_ms = oc.ended_ms = time_now_ms();
		snprintf(oc.error, sizeof oc.error, "the sandbox could not be built: %.440s",
			 se.msg);
	} else {
		char *argv[] = {"/bin/bash", "--noprofile", "--norc",
				SBX_SCRIPT_PATH, NULL};
		char *envp[] = {
			"PATH=" SBX_TOOLS_DIR ":/usr/local/bin:/usr/bin:/bin",
			"HOME=" SBX_CANDIDATE_HOME,
			"USER=candidate",
			"LOGNAME=candidate",
			"SHELL=/bin/bash",
			"TERM=xterm-256color",
			"LANG=C.UTF-8",
			"TZ=UTC",
			NULL,
		};
		char *shell[] = {"/bin/bash", "--rcfile", SBX_TOOLS_DIR "/labrc",
				 "-i", NULL};
		struct sbx_hooks hooks = {
			.ctx = &rec, .output = rec_output, .exec = rec_exec,
			.exited = rec_exited, .started = rec_started,
			.call = rec_call, .lab = rec_lab, .input_fd = -1,
		};

		rec.sb = sb;
		rec.sc = &sc;
		rec.limit_s = time_limit;
		rec.stop = o->stop;
		if (o->stop)
			hooks.tick = rec_tick;
		if (o->ui) {
			rec.ui = o->ui;
			hooks.tick = rec_tick;
			hooks.input_fd = o->ui->input_fd;
			hooks.winch = o->ui->winch;
			if (sc.record_input)
				hooks.input = rec_input;
		}
		crash_point("build");
		if (sbx_run(sb, o->ui ? shell : argv, envp, !o->ui,
			    time_limit * 1000u, &hooks, &oc, &se) < 0) {
			oc.end = SBX_END_ERROR;
			oc.exit_status = -1;
			oc.started_ms = oc.ended_ms = time_now_ms();
			snprintf(oc.error, sizeof oc.error, "%.500s", se.msg);
		}
	}
	if (rec.failed && oc.end != SBX_END_ERROR) {
		oc.end = SBX_END_ERROR;
		snprintf(oc.error, sizeof oc.error,
			 "the supervisor ran out of memory while recording");
	}

	/* Every sandbox process is dead: grade and collect. */
	info.mode = o->ui ? "take" : o->replay ? "replay" : "run";
	info.time_factor_pct = o->time_factor_pct ? o->time_factor_pct : 100;
	info.hints = rec.hints;
	info.nhints = rec.nhints;
	info.unsigned_directory = unsigned_dir;
	info.script_sha256 = o->ui ? NULL : script_digest;
	if (!o->ui) {
		info.script = script.data ? (const void *)script.data : "";
		info.script_len = script.len;
	}
	if (o->replay) {
		info.replay_best_effort = o->replay->best_effort;
		info.seed_source = "replay";
		info.renews = o->replay->renews;
		info.batch_jobs_digest = o->replay->jobs_digest;
		info.batch_job = o->replay->job;
	}
	info.sc = &sc;
	info.scenario_digest = digest;
	info.signer_keyid = keyid[0] ? keyid : NULL;
	info.candidate = pseudonym;
	info.attempt = o->attempt;
	info.seed_hex = seed;
	info.seed_overridden = overridden;
	info.started_ms = oc.started_ms;
	info.ended_ms = oc.ended_ms;
	info.time_limit_s = time_limit;
	info.ended_by = oc.end == SBX_END_ERROR ? "error"
			: rec.submitted                ? "submit"
			: rec.stopped == 2             ? "hangup"
			: rec.stopped                  ? "operator"
						       : end_name(oc.end);
	info.exit_status = oc.exit_status;
	info.runner_version = LABRUN_VERSION;
	info.profile_digest = profile;
	info.commands = rec.cmds;
	info.ncommands = rec.n;
	info.commands_truncated = rec.truncated;
	info.collected = &rep;
	info.cast_capped = cast_capped(rec.cast);
	cast_neutralised(rec.cast, &info.cast_neutral);
	if (sb && sbx_limit_report(sb, &lr, &se) < 0) {
		/* The counters could not be read: the session cannot say
		 * whether a limit was hit, so it cannot be judged. */
		if (oc.end != SBX_END_ERROR) {
			oc.end = SBX_END_ERROR;
			snprintf(oc.error, sizeof oc.error, "limits: %.480s", se.msg);
		}
	}
	snprintf(mem_mech, sizeof mem_mech, "%s%srlimit RLIMIT_AS per process",
		 lr.memory_mechanism ? lr.memory_mechanism : "",
		 lr.memory_mechanism ? " for the session; " : "");
	snprintf(pid_mech, sizeof pid_mech,
		 "%s%srlimit RLIMIT_NPROC of the candidate's id",
		 lr.pids_mechanism ? lr.pids_mechanism : "",
		 lr.pids_mechanism ? " for the session; " : "");
	if (lr.oom_kills)
		events[nevents++] = (struct ev_limit_event){
			"memory_mb", "processes killed for memory", lr.oom_kills};
	if (lr.pids_refused)
		events[nevents++] = (struct ev_limit_event){
			"processes", "forks refused at the limit", lr.pids_refused};
	if (cast_capped(rec.cast))
		events[nevents++] = (struct ev_limit_event){
			"output_bytes", "recording stopped at the cap", 1};
	if (lr.cpu_killed)
		events[nevents++] = (struct ev_limit_event){
			"cpu_s", "processes that reached their CPU time (killed there)", lr.cpu_killed};
	/* Sampled four times a second and at the end: looks that found it full. */
	if (lr.disk_full)
		events[nevents++] = (struct ev_limit_event){
			"disk_mb", "the writable layer was full (quarter seconds seen so)", lr.disk_full};
	if (lr.tmp_full)
		events[nevents++] = (struct ev_limit_event){
			"tmp", "/tmp was full (quarter seconds seen so)", lr.tmp_full};
	if (lr.shm_full)
		events[nevents++] = (struct ev_limit_event){
			"shm", "/dev/shm was full (quarter seconds seen so)", lr.shm_full};
	for (i = 0; i < nsignals; i++) {
		struct ev_fault *r = &faults[signal_of[i]];

		r->triggered = signals[i].fired;
		if (signals[i].crashloop) {
			r->triggered = signals[i].crashes;
			if (signals[i].fired)
				snprintf(r->detail, sizeof r->detail,
					 "armed at %lld ms; signal %d %u ms after each later start: %u crashes",
					 (long long)signals[i].fired_ms, signals[i].signo,
					 signals[i].crash_after_ms, signals[i].crashes);
			else
				snprintf(r->detail, sizeof r->detail,
					 "not armed: its condition never came");
		} else if (signals[i].fired && signals[i].signo)
			snprintf(r->detail, sizeof r->detail, "signal %d sent at %lld ms",
				 signals[i].signo, (long long)signals[i].fired_ms);
		else if (signals[i].fired)
			snprintf(r->detail, sizeof r->detail,
				 "%u processes frozen at %lld ms by %s",
				 signals[i].frozen, (long long)signals[i].fired_ms,
				 signals[i].how);
		else
			snprintf(r->detail, sizeof r->detail,
				 "not sent: the service had ended, or the session did first");
	}
	record_session_faults(&sc, &cfg, small_of, faults, oc.end != SBX_END_ERROR);
	sysfaults_record(rec.plan, faults);
	if (sb && oc.end != SBX_END_ERROR) {
		int fd = sbx_open_root(sb, NULL);

		platform_record(fd, &sc, faults);
		if (fd >= 0)
			close(fd);
	}
	info.faults = faults;
	info.nfaults = sc.nfaults;
	info.limit_events = events;
	info.nlimit_events = nevents;
	limits[0] = (struct ev_limit){"time_limit_s", time_limit,
				      mech(mechs[0], "supervisor wall clock",
					   sc.time_limit_s, time_limit)};
	limits[1] = (struct ev_limit){"memory_mb", l->memory_mb,
				      mech(mechs[1], mem_mech,
					   sc.limits.memory_mb, l->memory_mb)};
	limits[2] = (struct ev_limit){"processes", l->processes,
				      mech(mechs[2], pid_mech,
					   sc.limits.processes, l->processes)};
	limits[3] = (struct ev_limit){"cpu_s", l->cpu_s,
				      mech(mechs[3], "rlimit RLIMIT_CPU per process",
					   sc.limits.cpu_s, l->cpu_s)};
	limits[4] = (struct ev_limit){"disk_mb", l->disk_mb,
				      mech(mechs[4], "tmpfs size of the writable layer; rlimit RLIMIT_FSIZE",
					   sc.limits.disk_mb, l->disk_mb)};
	limits[5] = (struct ev_limit){"open_files", l->open_files,
				      mech(mechs[5], "rlimit RLIMIT_NOFILE",
					   sc.limits.open_files, l->open_files)};
	limits[6] = (struct ev_limit){"output_bytes", CAST_MAX_BYTES,
				      "supervisor recording cap"};
	info.limits = limits;
	info.nlimits = 7;

	root_fd = sb ? sbx_open_root(sb, NULL) : -1;
	if (oc.end == SBX_END_ERROR) {
		snprintf(gr.error, sizeof gr.error, "sandbox: %.480s", oc.error);
	} else if (root_fd < 0) {
		snprintf(gr.error, sizeof gr.error,
			 "sandbox: the final state cannot be opened");
	} else {
		crash_point("grading");
		session_grade(&files, &info, root_fd, o->verbose, &gr);
	}
	/* A renewal: knowledge checks take the renewed evidence's result. */
	if (carry_apply(o->replay ? o->replay->carry : NULL, &gr, &carry, &info, e) < 0)
		goto out;
	info.result = &gr;
	info.verdict = grader_verdict(&gr, sc.pass_mark, &info.score);
	/* Each hint taken costs what hints.md says, in thousandths. */
	if (strcmp(info.verdict, "error")) {
		unsigned hp = hint_points(&rec) + carry.hint_points;

		info.score = info.score > hp ? info.score - hp : 0;
		info.verdict = info.score >= sc.pass_mark ? "pass" : "fail";
	}
	res->hints_used = (unsigned)rec.nhints;
	res->hint_points = hint_points(&rec);
	res->duration_ms = oc.ended_ms - oc.started_ms;
	if (!gr.ok)
		info.error = gr.error;

	/* What the verdict rests on is collected first, under a budget of
	 * its own; if it cannot be kept whole, a regrade could not agree
	 * with this verdict, so it is error (docs/validity.md, V3). */
	upper_fd = sb ? sbx_open_upper(sb, NULL) : -1;
	if (upper_fd >= 0) {
		struct collect_graded cg = {
			.reads = gr.ok ? gr.reads : NULL,
			.nreads = gr.ok ? gr.nreads : 0,
			.reads_cut = gr.ok && gr.reads_cut,
			.service_uid = sbx_service_uid(sb),
			.root_fd = root_fd,
		};

		crash_point("collect");
		if (collect_changes(upper_fd, sbx_lower_fd(sb), &cg, &members,
				    &rep, e) < 0)
			goto out;
		if (rep.graded.error[0] && strcmp(info.verdict, "error")) {
			snprintf(collect_error, sizeof collect_error,
				 "collection: the graded state cannot be kept whole: %s",
				 rep.graded.error);
			info.verdict = "error";
			info.error = collect_error;
		}
	}
	if (root_fd >= 0)
		answers_fd = open_dir_beneath(root_fd, "home/candidate/answers");
	if (collect_answers(answers_fd, &members, &rep, e) < 0)
		goto out;
	if (cast_finish(rec.cast, (oc.ended_ms - oc.started_ms) * 1000, &cast,
			e) < 0 ||
	    tar_list_add_file(&members, "session.cast", 0644, cast.data, cast.len,
			      e) < 0 ||
	    ev_add_records(&members, &info, e) < 0)
		goto out;
	snprintf(comment, sizeof comment,
		 "labrun evidence %.64s %.40s %s candidate %s score %u",
		 sc.id, sc.version, info.verdict, pseudonym, info.score);
	crash_point("seal");
	if (ev_seal_bytes(&members, o->key, comment, &sealed, e) < 0)
		goto out;
	/* Written where it was asked for, or into the spool: never lost. */
	if (write_file_atomic(o->out, sealed.data, sealed.len, 0644, &se) < 0) {
		spool_evidence_path(sid, res->spooled, sizeof res->spooled);
		snprintf(res->spool_why, sizeof res->spool_why, "%.500s", se.msg);
		if (write_file_atomic(res->spooled, sealed.data, sealed.len, 0600, e) < 0 ||
		    spool_attempt_spooled(sid, info.verdict, se.msg, e) < 0) {
			res->spooled[0] = 0;
			goto out;
		}
	} else if (attempt) {
		spool_attempt_end(sid);
	}
	attempt = 0;

	snprintf(res->verdict, sizeof res->verdict, "%s", info.verdict);
	snprintf(res->ended_by, sizeof res->ended_by, "%s", info.ended_by);
	res->score = info.score;
	if (info.error)
		snprintf(res->error, sizeof res->error, "%s", info.error);
	if (copy_checks(res, &gr) < 0) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (attempt) {
		struct err le = {0};

		/* the session ended with no evidence anywhere: say so */
		spool_attempt_lost(sid, e->msg[0] ? e->msg : "the session ended without evidence", &le);
	}
	if (answers_fd >= 0)
		close(answers_fd);
	if (upper_fd >= 0)
		close(upper_fd);
	if (root_fd >= 0)
		close(root_fd);
	if (registered)
		sessions_remove(sid);
	sbx_destroy(sb);
	free(services);
	free(platform_seed);
	free(platform_plan);
	free(faults);
	free(signals);
	free(blocks);
	free(small);
	sysfaults_free(rec.plan);
	grader_result_release(&gr);
	carry_release(&carry);
	collect_report_release(&rep);
	rec_release(&rec);
	tar_list_release(&members);
	tar_list_release(&files);
	scenario_release(&sc);
	buf_release(&script);
	buf_release(&cast);
	buf_release(&sealed);
	return rc;
}

void session_result_release(struct session_result *res)
{
	size_t i;

	for (i = 0; i < res->nchecks; i++) {
		free(res->checks[i].message);
		free(res->checks[i].title);
	}
	free(res->checks);
	problems_release(&res->problems);
	memset(res, 0, sizeof *res);
}
