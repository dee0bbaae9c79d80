/* session: runs one session end to end (see session.h), as a short
 * script over a struct session: open (the input, the bundle, the
 * scenario, the ids), plan (the limits and the fault plan into the
 * sandbox's configuration: session_plan, which touches nothing), execute
 * (the sandbox, fed and watched by the recorder, recorder.c), finish
 * (grade, collect, seal).  The order is the security argument: the issuer
 * key is already in memory (the caller read it), the bundle's signature
 * is checked over its raw bytes before it is parsed, the sandbox is built
 * and run, every sandbox process is dead before anything is graded or
 * collected, and the evidence appears at its final path only once it is
 * whole and signed.  It does not print. */
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
#include "runner/dryrun.h"
#include "runner/evidence.h"
#include "runner/faults.h"
#include "runner/platform_record.h"
#include "runner/recorder.h"
#include "runner/register.h"
#include "runner/session.h"
#include "runner/sign.h"
#include "runner/spool.h"
#include "sandbox/sandbox.h"
#include "scenarios/platform/sim.h"

#define TERM_WIDTH 80  /* the recorded terminal of a scripted run */
#define TERM_HEIGHT 24

/* One session as session_run drives it: what each step leaves for the
 * next, and what session_release gives back.  Descriptors start at -1,
 * everything else at zero (session_init). */
struct session {
	const struct session_opts *o;
	struct session_result *res;
	const char *mode;                /* "take", "replay" or "run" */
	/* open: the input, the scenario, the ids */
	struct buf script;
	char script_digest[SIGN_SHA256_HEX];
	struct tar_list files;
	char digest[SIGN_SHA256_HEX], keyid[17];
	int unsigned_dir;
	struct scenario sc;
	char pseudonym[20], seed[65];
	int overridden;                  /* the seed is --seed's */
	char libexec[PATH_MAX], profile[SIGN_SHA256_HEX];
	char sid[17], wd[PATH_MAX], script_path[PATH_MAX + 16];
	/* plan */
	struct session_plan plan;
	/* execute */
	struct recorder rec;
	struct sbx *sb;
	struct sbx_outcome oc;
	int registered;                  /* in the host's register */
	int attempt;                     /* in the spool, not yet ended */
	/* finish */
	struct ev_info info;
	struct sbx_limit_report lr;
	struct ev_limit_event events[8];
	size_t nevents;
	struct ev_limit limits[8];
	char mem_mech[160], pid_mech[160], mechs[6][256];
	struct grader_result gr;
	struct ev_carry carry;
	struct collect_report rep;
	struct tar_list members;
	struct buf cast, sealed;
	int root_fd, upper_fd, answers_fd;
	char collect_error[600];
};

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
	return register_add(&en, e);
}

static int derive_ids(const struct session_opts *o, const char *digest,
		      char pseudonym[20], char seed[65], int *overridden,
		      struct err *e)
{
	unsigned char h[16];
	struct buf msg = BUF_INIT;
	unsigned char raw[32];
	int n;

	if (o->explore) {
		snprintf(pseudonym, 20, "author"); /* no candidate, no key */
	} else if (o->replay) {
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
		if (v == sc->nvariants) {
			char ids[SCENARIO_MAX_VARIANTS * 68];
			size_t n = 0;

			ids[0] = 0;
			for (size_t k = 0; k < sc->nvariants && n < sizeof ids; k++)
				n += (size_t)snprintf(ids + n, sizeof ids - n, "%s%s",
						      k ? ", " : "", sc->variants[k]);
			if (!sc->nvariants)
				return err_set(e, ERR_USAGE, "--variant %s: the scenario has no variants; hint: leave --variant out",
					       o->variant);
			return err_set(e, ERR_USAGE, "--variant %s: not one of the scenario's $.variants; hint: one of %s",
				       o->variant, ids);
		}
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

/* Plan. */

void session_plan_limits(const struct scenario *sc, const struct config *cfg,
			 unsigned time_factor_pct, struct session_plan *p)
{
	memset(p, 0, sizeof *p);
	p->fs.clock_fault = SIZE_MAX;
	/* The operator's maxima win over the scenario's asks. */
	p->applied = sc->limits;
	clamp(&p->applied.memory_mb, cfg->max_memory_mb);
	clamp(&p->applied.processes, cfg->max_processes);
	clamp(&p->applied.disk_mb, cfg->max_disk_mb);
	clamp(&p->applied.cpu_s, cfg->max_cpu_s);
	clamp(&p->applied.open_files, cfg->max_open_files);
	p->time_limit_s = sc->time_limit_s;
	clamp(&p->time_limit_s, cfg->max_time_s);
	/* An accommodation extends what the candidate gets, recorded. */
	if (time_factor_pct && time_factor_pct != 100)
		p->time_limit_s = (unsigned)((unsigned long long)p->time_limit_s *
					     time_factor_pct / 100);
}

/* The scenario's services, as the sandbox starts them. */
static int plan_services(const struct scenario *sc, struct session_plan *p,
			 struct err *e)
{
	size_t i;

	if (!sc->nservices)
		return 0;
	p->services = calloc(sc->nservices, sizeof *p->services);
	if (!p->services)
		return err_set(e, ERR_HOST, "out of memory");
	for (i = 0; i < sc->nservices; i++) {
		p->services[i].name = sc->services[i].name;
		p->services[i].argv = sc->services[i].argv;
		p->services[i].restart = sc->services[i].restart;
	}
	p->cfg.services = p->services;
	p->cfg.nservices = sc->nservices;
	return 0;
}

/* The fault plan, translated into the sandbox's configuration: the
 * record of each fault (not yet applied), the signals the supervisor
 * sends to services, the blocked ports, the small filesystems, the
 * services' clocks, the simulated platform's environment, and the trap
 * families the syscall faults need.  The file faults are applied to the
 * tree once the sandbox exists (faults_apply), the syscall faults decided
 * as the calls come (sysfaults_new, sysfaults_call). */
static int plan_faults(const struct scenario *sc, const char *seed_hex,
		       struct session_plan *p, struct err *e)
{
	size_t i;

	p->faults = calloc(sc->nfaults + 1, sizeof *p->faults);
	if (!p->faults)
		return err_set(e, ERR_HOST, "out of memory");
	for (i = 0; i < sc->nfaults; i++)
		faults_describe(&sc->faults[i], &p->faults[i]);
	return fault_setup_sandbox(sc, seed_hex, p->services, &p->cfg, &p->fs, e);
}

int session_plan(const struct scenario *sc, const struct session_where *w,
		 const char *seed_hex, struct session_plan *p, struct err *e)
{
	const struct scenario_limits *l = &p->applied;
	struct sbx_config *cfg = &p->cfg;

	snprintf(p->tools_dir, sizeof p->tools_dir, "%s/bin", w->libexec);
	snprintf(p->init_path, sizeof p->init_path, "%s/labrun-init", w->libexec);
	cfg->workdir = w->workdir;
	cfg->state_dir = w->state_dir;
	cfg->tools_dir = p->tools_dir;
	cfg->init_path = p->init_path;
	cfg->script_path = w->script_path;
	cfg->lab = 1; /* the lab channel, for take and for scripts alike */
	cfg->disk_mb = l->disk_mb;
	cfg->inodes = l->disk_mb * SESSION_INODES_PER_MB < 1024
			      ? 1024 : l->disk_mb * SESSION_INODES_PER_MB;
	cfg->nproc = l->processes;
	cfg->nofile = l->open_files;
	cfg->cpu_s = l->cpu_s;
	cfg->fsize_bytes = (unsigned long long)l->disk_mb << 20;
	cfg->as_bytes = (unsigned long long)l->memory_mb << 20;
	cfg->width = TERM_WIDTH;
	cfg->height = TERM_HEIGHT;
	/* The session's memory cgroup also pays for what its tmpfs layers
	 * hold: the writable layer, /tmp and /dev/shm.  Filling them ends in
	 * ENOSPC from their own size limits, not in the OOM killer. */
	cfg->cg_memory_bytes = ((unsigned long long)l->memory_mb + l->disk_mb +
				2ull * SESSION_TMP_MB) << 20;
	cfg->cg_pids = l->processes;
	if (plan_services(sc, p, e) < 0 || plan_faults(sc, seed_hex, p, e) < 0)
		return -1;
	return 0;
}

void session_plan_release(struct session_plan *p)
{
	free(p->services);
	free(p->faults);
	fault_setup_release(&p->fs);
	memset(p, 0, sizeof *p);
	p->fs.clock_fault = SIZE_MAX;
}

/* The steps. */

static void session_init(struct session *s, const struct session_opts *o,
			 struct session_result *res)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	s->res = res;
	s->mode = o->explore ? "shell" : o->ui ? "take" : o->replay ? "replay" : "run";
	s->plan.fs.clock_fault = SIZE_MAX;
	s->root_fd = s->upper_fd = s->answers_fd = -1;
	memset(res, 0, sizeof *res);
}

/* Open: the candidate's input, the bundle (its signature first), the
 * scenario and its variant, the ids, and where the evidence goes.
 * Everything that can refuse the input comes before the sandbox. */
static int session_open(struct session *s, struct err *e)
{
	const struct session_opts *o = s->o;
	struct session_result *res = s->res;
	unsigned char rnd[8];

	if (!o->ui && !o->script && o->script_len > SCRIPT_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "script: over %u bytes", SCRIPT_MAX_BYTES);
	if (!o->ui && !o->script &&
	    buf_append(&s->script, o->script_data ? o->script_data : "",
		       o->script_len, e) < 0)
		return -1;
	if (!o->ui && o->script &&
	    read_file_bounded(o->script, SCRIPT_MAX_BYTES, &s->script, e) < 0)
		return err_wrap(e, "script");
	if (bundle_load(o->input, o->trust, &o->lim, &s->files, s->digest,
			s->keyid, &s->unsigned_dir, e) < 0)
		return -1;
	crash_point("unpack");
	/* A directory has not been through pack: validate's checks first,
	 * agentd's and the grader's dry run included, so that a scenario
	 * that cannot work is refused in a moment, before any sandbox. */
	if (s->unsigned_dir && !o->validated && !o->replay) {
		if (scenario_validate(&s->files, o->max_depth, &s->sc,
				      &res->problems, e) < 0) {
			if (res->problems.n)
				err_set(e, ERR_REFUSED, "%s: %zu problem%s in the scenario (labrun validate %s says the same)",
					o->input, res->problems.n,
					res->problems.n == 1 ? "" : "s", o->input);
			return -1;
		}
	} else if (scenario_load(&s->files, o->max_depth, &s->sc, &res->problems, e) < 0) {
		if (res->problems.n)
			err_set(e, ERR_REFUSED, "%s: %zu problem%s in the scenario",
				o->input, res->problems.n,
				res->problems.n == 1 ? "" : "s");
		return -1;
	}
	if (derive_ids(o, s->digest, s->pseudonym, s->seed, &s->overridden, e) < 0 ||
	    load_variant(o, &s->files, s->seed, &s->sc, res, e) < 0 ||
	    find_libexec(s->libexec, sizeof s->libexec, e) < 0 ||
	    profile_digest(s->profile, e) < 0)
		return -1;
	/* Where the evidence goes, and the spool if it cannot: both checked
	 * before any brief or sandbox, so that no candidate sits an exam
	 * whose evidence has nowhere to go (docs/operators.md). */
	if (!o->explore && (check_out(o->out, e) < 0 || spool_ready(e) < 0 ||
			    spool_reap(&res->lost_found, e) < 0))
		return -1;
	snprintf(res->scenario, sizeof res->scenario, "%s %s", s->sc.id, s->sc.version);
	res->pass_mark = s->sc.pass_mark;
	sha256_hex(s->script.data, s->script.len, s->script_digest);
	/* The session's id and its work area. */
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return err_sys(e, ERR_HOST, errno, "getrandom");
	hex_encode(rnd, sizeof rnd, s->sid);
	snprintf(s->wd, sizeof s->wd, "%s/%s", register_dir(), s->sid);
	snprintf(s->script_path, sizeof s->script_path, "%s/script.sh", s->wd);
	return 0;
}

/* Plan: the limits; take's brief and the candidate's go, before any
 * sandbox; then the sandbox's configuration and the fault plan. */
static int session_plan_step(struct session *s, struct err *e)
{
	const struct session_opts *o = s->o;
	struct session_where w;

	session_plan_limits(&s->sc, o->cfg, o->time_factor_pct, &s->plan);
	if (o->explore)
		s->plan.time_limit_s = SHELL_TIME_S;
	if (o->ui && o->ui->brief(o->ui->ctx, &s->sc, s->plan.time_limit_s) < 0)
		return err_set(e, ERR_REFUSED, "the exam was not started; nothing was written");
	w.workdir = s->wd;
	w.state_dir = register_state_dir();
	w.libexec = s->libexec;
	w.script_path = o->ui ? NULL : s->script_path;
	if (session_plan(&s->sc, &w, s->seed, &s->plan, e) < 0)
		return -1;
	/* take: the candidate's terminal as the brief left it */
	if (o->ui && o->ui->width && o->ui->height) {
		s->plan.cfg.width = o->ui->width;
		s->plan.cfg.height = o->ui->height;
	}
	return 0;
}

/* The sandbox, built: the host checked and tidied, the session in the
 * register and the spool, the script in place, the scenario's tree laid
 * out with its file faults applied and its owners given. */
static int session_build(struct session *s, struct err *se)
{
	const struct session_opts *o = s->o;
	struct session_result *res = s->res;
	unsigned limit_s = s->plan.time_limit_s;

	if (sbx_check_host(se) < 0 ||
	    (s->plan.fs.clock_fault != SIZE_MAX && access(FAKETIME_LIB, R_OK) < 0 &&
	     err_sys(se, ERR_HOST, errno,
		     "clock faults need %s (Debian package faketime)",
		     FAKETIME_LIB) < 0) ||
	    mkdir_p(register_dir(), 0711, se) < 0 ||
	    sbx_remove_stale(register_dir(), &res->stale_removed, se) < 0 ||
	    register_prune(se) < 0 ||
	    sbx_remove_stale_cgroups(&res->stale_cgroups, se) < 0 ||
	    sbx_create(&s->plan.cfg, &s->sb, se) < 0 ||
	    enter_register(s->sid, s->mode, res->scenario, s->pseudonym,
			   limit_s, &s->registered, se) < 0 ||
	    (!o->explore &&
	     begin_attempt(o, s->sid, s->wd, res->scenario, s->pseudonym,
			   limit_s, s->digest, &s->attempt, se) < 0) ||
	    /* the script lives as long as the session: not synced */
	    (!o->ui &&
	     write_file_replace(s->script_path, s->script.data, s->script.len,
				0644, se) < 0) ||
	    bundle_extract(&s->files, "system/", sbx_lower_fd(s->sb),
			   sbx_root_uid(s->sb), sbx_root_uid(s->sb), se) < 0 ||
	    faults_apply(&s->sc, &s->files, sbx_lower_fd(s->sb),
			 sbx_root_uid(s->sb), s->seed, s->plan.faults, se) < 0 ||
	    give_owned(&s->sc, sbx_lower_fd(s->sb), sbx_service_uid(s->sb),
		       sbx_candidate_uid(s->sb), se) < 0)
		return -1;
	return 0;
}

/* The candidate's program in the built sandbox: the script (run), or an
 * interactive shell (take), under the recorder's hooks. */
static void session_sandbox(struct session *s)
{
	const struct session_opts *o = s->o;
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
	struct sbx_hooks hooks;
	struct err se = {0};

	s->rec.sb = s->sb;
	s->rec.sc = &s->sc;
	s->rec.limit_s = s->plan.time_limit_s;
	s->rec.stop = o->stop;
	s->rec.ui = o->ui;
	rec_hooks(&s->rec, &hooks);
	crash_point("build");
	if (sbx_run(s->sb, o->ui ? shell : argv, envp, !o->ui,
		    s->plan.time_limit_s * 1000u, &hooks, &s->oc, &se) < 0) {
		s->oc.end = SBX_END_ERROR;
		s->oc.exit_status = -1;
		s->oc.started_ms = s->oc.ended_ms = time_now_ms();
		snprintf(s->oc.error, sizeof s->oc.error, "%.500s", se.msg);
	}
}

/* Execute: the syscall faults' state and the recording, then the sandbox
 * built and run.  A sandbox that cannot be built (a missing kernel
 * feature, a limit no cgroup can apply, I/O) is the host's failure: an
 * error verdict, with signed evidence that says why, never the
 * candidate's fail.  Only a refused scenario stops the session here. */
static int session_execute(struct session *s, struct err *e)
{
	const struct sbx_config *cfg = &s->plan.cfg;
	struct err se = {0};

	if ((cfg->trap_candidate || cfg->trap_services) &&
	    sysfaults_new(&s->sc, &s->files, s->seed, &s->rec.plan, e) < 0)
		return -1;
	if (cast_open(&s->rec.cast, cfg->width, cfg->height, time_now_ms() / 1000,
		      CAST_MAX_BYTES, e) < 0)
		return -1;
	if (session_build(s, &se) < 0) {
		if (se.kind == ERR_REFUSED && s->sb) {
			*e = se;
			return -1;
		}
		s->oc.end = SBX_END_ERROR;
		s->oc.exit_status = -1;
		s->oc.started_ms = s->oc.ended_ms = time_now_ms();
		snprintf(s->oc.error, sizeof s->oc.error,
			 "the sandbox could not be built: %.440s", se.msg);
	} else {
		session_sandbox(s);
	}
	if (s->rec.failed && s->oc.end != SBX_END_ERROR) {
		s->oc.end = SBX_END_ERROR;
		snprintf(s->oc.error, sizeof s->oc.error,
			 "the supervisor ran out of memory while recording");
	}
	return 0;
}

/* The session's facts for the evidence and the grader.  Every sandbox
 * process is dead by now. */
static void finish_info(struct session *s)
{
	const struct session_opts *o = s->o;
	struct ev_info *info = &s->info;

	info->mode = s->mode;
	info->time_factor_pct = o->time_factor_pct ? o->time_factor_pct : 100;
	info->hints = s->rec.hints;
	info->nhints = s->rec.nhints;
	info->unsigned_directory = s->unsigned_dir;
	info->script_sha256 = o->ui ? NULL : s->script_digest;
	if (!o->ui) {
		info->script = s->script.data ? (const void *)s->script.data : "";
		info->script_len = s->script.len;
	}
	if (o->replay) {
		info->replay_best_effort = o->replay->best_effort;
		info->seed_source = "replay";
		info->renews = o->replay->renews;
		info->batch_jobs_digest = o->replay->jobs_digest;
		info->batch_job = o->replay->job;
		info->identity = o->replay->identity;
		info->replaces_credential = o->replay->replaces_credential;
	} else {
		info->identity = o->identity;
	}
	info->sc = &s->sc;
	info->scenario_digest = s->digest;
	info->signer_keyid = s->keyid[0] ? s->keyid : NULL;
	info->candidate = s->pseudonym;
	info->attempt = o->attempt;
	info->seed_hex = s->seed;
	info->seed_overridden = s->overridden;
	info->started_ms = s->oc.started_ms;
	info->ended_ms = s->oc.ended_ms;
	info->time_limit_s = s->plan.time_limit_s;
	info->ended_by = s->oc.end == SBX_END_ERROR ? "error"
			 : s->rec.submitted          ? "submit"
			 : s->rec.stopped == 2       ? "hangup"
			 : s->rec.stopped            ? "operator"
						     : end_name(s->oc.end);
	info->exit_status = s->oc.exit_status;
	info->runner_version = LABRUN_VERSION;
	info->profile_digest = s->profile;
	info->commands = s->rec.cmds;
	info->ncommands = s->rec.n;
	info->commands_truncated = s->rec.truncated;
	info->collected = &s->rep;
	info->cast_capped = cast_capped(s->rec.cast);
	cast_neutralised(s->rec.cast, &info->cast_neutral);
}

/* The limits: what the cgroups did (a session whose counters cannot be
 * read cannot say whether a limit was hit, so it cannot be judged), the
 * limits hit, and each limit with what enforced it. */
static void finish_limits(struct session *s)
{
	const struct scenario *sc = &s->sc;
	const struct scenario_limits *l = &s->plan.applied;
	const struct sbx_limit_report *lr = &s->lr;
	unsigned time_limit = s->plan.time_limit_s;
	struct ev_limit_event *ev = s->events;
	struct err se = {0};

	if (s->sb && sbx_limit_report(s->sb, &s->lr, &se) < 0) {
		if (s->oc.end != SBX_END_ERROR) {
			s->oc.end = SBX_END_ERROR;
			snprintf(s->oc.error, sizeof s->oc.error, "limits: %.480s", se.msg);
		}
	}
	snprintf(s->mem_mech, sizeof s->mem_mech, "%s%srlimit RLIMIT_AS per process",
		 lr->memory_mechanism ? lr->memory_mechanism : "",
		 lr->memory_mechanism ? " for the session; " : "");
	snprintf(s->pid_mech, sizeof s->pid_mech,
		 "%s%srlimit RLIMIT_NPROC of the candidate's id",
		 lr->pids_mechanism ? lr->pids_mechanism : "",
		 lr->pids_mechanism ? " for the session; " : "");
	if (lr->oom_kills)
		ev[s->nevents++] = (struct ev_limit_event){
			"memory_mb", "processes killed for memory", lr->oom_kills};
	if (lr->pids_refused)
		ev[s->nevents++] = (struct ev_limit_event){
			"processes", "forks refused at the limit", lr->pids_refused};
	if (cast_capped(s->rec.cast))
		ev[s->nevents++] = (struct ev_limit_event){
			"output_bytes", "recording stopped at the cap", 1};
	if (lr->cpu_killed)
		ev[s->nevents++] = (struct ev_limit_event){
			"cpu_s", "processes that reached their CPU time (killed there)", lr->cpu_killed};
	/* Sampled four times a second and at the end: looks that found it full. */
	if (lr->disk_full)
		ev[s->nevents++] = (struct ev_limit_event){
			"disk_mb", "the writable layer was full (quarter seconds seen so)", lr->disk_full};
	if (lr->tmp_full)
		ev[s->nevents++] = (struct ev_limit_event){
			"tmp", "/tmp was full (quarter seconds seen so)", lr->tmp_full};
	if (lr->shm_full)
		ev[s->nevents++] = (struct ev_limit_event){
			"shm", "/dev/shm was full (quarter seconds seen so)", lr->shm_full};
	s->info.limit_events = s->events;
	s->info.nlimit_events = s->nevents;
	s->limits[0] = (struct ev_limit){"time_limit_s", time_limit,
					 mech(s->mechs[0], "supervisor wall clock",
					      sc->time_limit_s, time_limit)};
	s->limits[1] = (struct ev_limit){"memory_mb", l->memory_mb,
					 mech(s->mechs[1], s->mem_mech,
					      sc->limits.memory_mb, l->memory_mb)};
	s->limits[2] = (struct ev_limit){"processes", l->processes,
					 mech(s->mechs[2], s->pid_mech,
					      sc->limits.processes, l->processes)};
	s->limits[3] = (struct ev_limit){"cpu_s", l->cpu_s,
					 mech(s->mechs[3], "rlimit RLIMIT_CPU per process",
					      sc->limits.cpu_s, l->cpu_s)};
	s->limits[4] = (struct ev_limit){"disk_mb", l->disk_mb,
					 mech(s->mechs[4], "tmpfs size of the writable layer; rlimit RLIMIT_FSIZE",
					      sc->limits.disk_mb, l->disk_mb)};
	s->limits[5] = (struct ev_limit){"open_files", l->open_files,
					 mech(s->mechs[5], "rlimit RLIMIT_NOFILE",
					      sc->limits.open_files, l->open_files)};
	s->limits[6] = (struct ev_limit){"output_bytes", CAST_MAX_BYTES,
					 "supervisor recording cap"};
	s->info.limits = s->limits;
	s->info.nlimits = 7;
}

/* What each fault of the plan did: the process faults' signals, the
 * network, disk and clock faults (when the sandbox ran), the syscall
 * faults, and the simulated platform's own. */
static void finish_faults(struct session *s)
{
	struct session_plan *p = &s->plan;
	int ran = s->oc.end != SBX_END_ERROR;

	fault_setup_record(&s->sc, &p->fs, p->faults, ran);
	sysfaults_record(s->rec.plan, p->faults);
	if (s->sb && ran) {
		int fd = sbx_open_root(s->sb, NULL);

		platform_record(fd, &s->sc, p->faults);
		if (fd >= 0)
			close(fd);
	}
	s->info.faults = p->faults;
	s->info.nfaults = s->sc.nfaults;
}

/* Grade the frozen root, carry a renewal's knowledge checks over, and
 * take the hints' cost off the score. */
static int finish_grade(struct session *s, struct err *e)
{
	const struct session_opts *o = s->o;
	struct session_result *res = s->res;
	struct ev_info *info = &s->info;
	struct grader_result *gr = &s->gr;

	s->root_fd = s->sb ? sbx_open_root(s->sb, NULL) : -1;
	if (s->oc.end == SBX_END_ERROR) {
		snprintf(gr->error, sizeof gr->error, "sandbox: %.480s", s->oc.error);
	} else if (s->root_fd < 0) {
		snprintf(gr->error, sizeof gr->error,
			 "sandbox: the final state cannot be opened");
	} else {
		crash_point("grading");
		session_grade(&s->files, info, s->root_fd, o->verbose, gr);
	}
	/* A renewal: knowledge checks take the renewed evidence's result. */
	if (carry_apply(o->replay ? o->replay->carry : NULL, gr, &s->carry, info, e) < 0)
		return -1;
	info->result = gr;
	info->verdict = grader_verdict(gr, s->sc.pass_mark, &info->score);
	/* Each hint taken costs what hints.md says, in thousandths. */
	if (strcmp(info->verdict, "error")) {
		unsigned hp = rec_hint_points(&s->rec) + s->carry.hint_points;

		info->score = info->score > hp ? info->score - hp : 0;
		info->verdict = info->score >= s->sc.pass_mark ? "pass" : "fail";
	}
	res->hints_used = (unsigned)s->rec.nhints;
	res->hint_points = rec_hint_points(&s->rec);
	res->duration_ms = s->oc.ended_ms - s->oc.started_ms;
	if (!gr->ok)
		info->error = gr->error;
	return 0;
}

/* Collect the evidence's members: what the verdict rests on first,
 * under a budget of its own (if it cannot be kept whole, a regrade could
 * not agree with this verdict, so it is error: docs/validity.md, V3),
 * then the rest of the changes, the answers, the recording and the
 * records. */
static int finish_collect(struct session *s, struct err *e)
{
	struct ev_info *info = &s->info;
	const struct grader_result *gr = &s->gr;

	s->upper_fd = s->sb ? sbx_open_upper(s->sb, NULL) : -1;
	if (s->upper_fd >= 0) {
		struct collect_graded cg = {
			.reads = gr->ok ? gr->reads : NULL,
			.nreads = gr->ok ? gr->nreads : 0,
			.reads_cut = gr->ok && gr->reads_cut,
			.service_uid = sbx_service_uid(s->sb),
			.root_fd = s->root_fd,
		};

		crash_point("collect");
		if (collect_changes(s->upper_fd, sbx_lower_fd(s->sb), &cg,
				    &s->members, &s->rep, e) < 0)
			return -1;
		if (s->rep.graded.error[0] && strcmp(info->verdict, "error")) {
			snprintf(s->collect_error, sizeof s->collect_error,
				 "collection: the graded state cannot be kept whole: %s",
				 s->rep.graded.error);
			info->verdict = "error";
			info->error = s->collect_error;
		}
	}
	if (s->root_fd >= 0)
		s->answers_fd = open_dir_beneath(s->root_fd, "home/candidate/answers");
	if (collect_answers(s->answers_fd, &s->members, &s->rep, e) < 0)
		return -1;
	if (cast_finish(s->rec.cast, (s->oc.ended_ms - s->oc.started_ms) * 1000,
			&s->cast, e) < 0 ||
	    tar_list_add_file(&s->members, "session.cast", 0644, s->cast.data,
			      s->cast.len, e) < 0 ||
	    ev_add_records(&s->members, info, e) < 0)
		return -1;
	return 0;
}

/* Seal the evidence and write it where it was asked for, or into the
 * spool: never lost.  Then the result for the command. */
static int finish_seal(struct session *s, struct err *e)
{
	const struct session_opts *o = s->o;
	struct session_result *res = s->res;
	const struct ev_info *info = &s->info;
	char comment[256];
	struct err se = {0};

	snprintf(comment, sizeof comment,
		 "labrun evidence %.64s %.40s %s candidate %s score %u",
		 s->sc.id, s->sc.version, info->verdict, s->pseudonym, info->score);
	crash_point("seal");
	if (ev_seal_bytes(&s->members, o->key, comment, &s->sealed, e) < 0)
		return -1;
	if (write_file_atomic(o->out, s->sealed.data, s->sealed.len, 0644, &se) < 0) {
		spool_evidence_path(s->sid, res->spooled, sizeof res->spooled);
		snprintf(res->spool_why, sizeof res->spool_why, "%.500s", se.msg);
		if (write_file_atomic(res->spooled, s->sealed.data, s->sealed.len,
				      0600, e) < 0 ||
		    spool_attempt_spooled(s->sid, info->verdict, se.msg, e) < 0) {
			res->spooled[0] = 0;
			return -1;
		}
	} else if (s->attempt) {
		spool_attempt_end(s->sid);
	}
	s->attempt = 0;

	snprintf(res->verdict, sizeof res->verdict, "%s", info->verdict);
	snprintf(res->ended_by, sizeof res->ended_by, "%s", info->ended_by);
	res->score = info->score;
	if (info->error)
		snprintf(res->error, sizeof res->error, "%s", info->error);
	if (copy_checks(res, &s->gr) < 0)
		return err_set(e, ERR_HOST, "out of memory");
	return 0;
}

/* Finish: the session's facts, its limits and faults, then grade,
 * collect and seal. */
static int session_finish(struct session *s, struct err *e)
{
	finish_info(s);
	finish_limits(s);
	finish_faults(s);
	if (finish_grade(s, e) < 0 || finish_collect(s, e) < 0 ||
	    finish_seal(s, e) < 0)
		return -1;
	return 0;
}

/* Give everything back; an attempt begun that left no evidence anywhere
 * is recorded as lost, with e's reason. */
static void session_release(struct session *s, const struct err *e)
{
	if (s->attempt) {
		struct err le = {0};

		/* the session ended with no evidence anywhere: say so */
		spool_attempt_lost(s->sid, e->msg[0] ? e->msg : "the session ended without evidence", &le);
	}
	if (s->answers_fd >= 0)
		close(s->answers_fd);
	if (s->upper_fd >= 0)
		close(s->upper_fd);
	if (s->root_fd >= 0)
		close(s->root_fd);
	if (s->registered)
		register_remove(s->sid);
	sbx_destroy(s->sb);
	session_plan_release(&s->plan);
	sysfaults_free(s->rec.plan);
	grader_result_release(&s->gr);
	carry_release(&s->carry);
	collect_report_release(&s->rep);
	rec_release(&s->rec);
	tar_list_release(&s->members);
	tar_list_release(&s->files);
	scenario_release(&s->sc);
	buf_release(&s->script);
	buf_release(&s->cast);
	buf_release(&s->sealed);
}

int session_run(const struct session_opts *o, struct session_result *res,
		struct err *e)
{
	struct session s;
	int rc;

	session_init(&s, o, res);
	rc = session_open(&s, e);
	if (rc == 0)
		rc = session_plan_step(&s, e);
	if (rc == 0)
		rc = session_execute(&s, e);
	if (rc == 0 && !o->explore)
		rc = session_finish(&s, e);
	if (rc == 0 && o->explore) {
		/* labrun shell: how it ended, and nothing graded or kept */
		snprintf(res->ended_by, sizeof res->ended_by, "%s",
			 s.oc.end == SBX_END_ERROR ? "error" : s.rec.submitted ? "submit"
			 : s.rec.stopped ? "operator" : end_name(s.oc.end));
		snprintf(res->error, sizeof res->error, "%s", s.oc.error);
		res->duration_ms = s.oc.ended_ms - s.oc.started_ms;
	}
	session_release(&s, e);
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
