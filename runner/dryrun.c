/* dryrun: the grader run once at authoring time (validate, pack) against
 * the scenario's own files as the candidate first finds them (the fault
 * plan's file faults applied), with no candidate work and no commands;
 * and scenario_validate, every check of `labrun validate` in one call
 * (the manifest's, agentd's of the platform and of each variant's plan,
 * the dry run's, the must-fail ids'), which run, take and selftest make
 * on a scenario directory before any session.
 * Its checks should fail; what must not happen is the grader itself
 * failing: looping, allocating without bound, backtracking forever,
 * calling what the worker forbids, returning nonsense.  Those show here,
 * before any candidate meets them.  It needs no sandbox: the grader worker
 * reads a private copy of the files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/bundle.h"
#include "runner/context.h"
#include "runner/dryrun.h"
#include "runner/evidence.h"
#include "runner/faults.h"
#include "runner/scenario.h"
#include "runner/tarball.h"
#include "scenarios/platform/sim.h"

#define DRY_SEED "00000000000000000000000000000000" /* fixed: the same run every time */

static const char plan_prefix[] = "the platform fault plan: $[";

static int said(const struct problems *p, const char *msg)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i], msg))
			return 1;
	return 0;
}

/* One of agentd's problems, named as the author knows the files: the
 * sandbox's paths under system/, the plan's entries as $.faults[N].  For
 * a variant (not NULL) the problem names it, unless the base plan's check
 * said the same already. */
static void platform_problem(const struct scenario *sc, const char *dir,
			     const char *line, const char *variant,
			     struct problems *p)
{
	size_t n = strlen(dir);
	char msg[1200];

	if (!strncmp(line, dir, n)) {
		snprintf(msg, sizeof msg, "system%s", line + n);
	} else if (!strncmp(line, "policies/", 9)) {
		snprintf(msg, sizeof msg, "system%s/%s", SIM_DEFAULT_CONFIG_DIR, line);
	} else if (!strncmp(line, plan_prefix, sizeof plan_prefix - 1)) {
		char *end;
		unsigned long k = strtoul(line + sizeof plan_prefix - 1, &end, 10), seen = 0;
		size_t i;

		for (i = 0; i < sc->nfaults; i++)
			if (sc->faults[i].kind == FAULT_PLATFORM && seen++ == k)
				break;
		if (i < sc->nfaults)
			snprintf(msg, sizeof msg, "scenario.json: $.faults[%zu]%s",
				 sc->faults[i].at, *end == ']' ? end + 1 : end);
		else
			snprintf(msg, sizeof msg, "scenario.json: %s", line);
	} else {
		snprintf(msg, sizeof msg, "agentd: %s", line);
	}
	if (!variant)
		problems_add(p, "%s", msg);
	else if (!said(p, msg) && !strncmp(msg, "scenario.json: ", 15))
		problems_add(p, "scenario.json: variant \"%s\": %s", variant, msg + 15);
}

/* The platform as the session will start it: its config, policies and
 * fault plan checked by agentd's own engine, and its history run into the
 * dry-run tree so that the grader reads real spans and state.  -1 when
 * the platform would not start (the problems are in p). */
static int run_platform(const struct scenario *sc, const char *dir,
			struct problems *p)
{
	const struct scenario_service *sv = &sc->services[sc->platform_service];
	const char *config = SIM_DEFAULT_CONFIG;
	char cfg[PATH_MAX], state[PATH_MAX], logs[PATH_MAX], record[PATH_MAX];
	struct sim_paths paths = {cfg, state, logs, record};
	struct buf why = BUF_INIT;
	struct sim *sim = NULL;
	struct err e = {0};
	int rc = 0;

	for (size_t i = 1; i + 1 < sv->argc; i++)
		if (!strcmp(sv->argv[i], "--config"))
			config = sv->argv[i + 1];
	if ((size_t)snprintf(cfg, sizeof cfg, "%s%s", dir, config) >= sizeof cfg ||
	    (size_t)snprintf(state, sizeof state, "%s%s", dir, SIM_DEFAULT_STATE) >= sizeof state ||
	    (size_t)snprintf(logs, sizeof logs, "%s%s", dir, SIM_DEFAULT_LOGS) >= sizeof logs ||
	    (size_t)snprintf(record, sizeof record, "%s%s", dir, SIM_DEFAULT_RECORD) >= sizeof record) {
		problems_add(p, "system/: the dry run's paths do not fit; hint: a shorter $TMPDIR");
		return -1;
	}
	if (mkdir_p(state, 0755, &e) < 0 || mkdir_p(logs, 0755, &e) < 0 ||
	    mkdir_p(record, 0700, &e) < 0) {
		problems_add(p, "system/: %s; hint: the platform needs %s and %s",
			     e.msg, SIM_DEFAULT_STATE, SIM_DEFAULT_LOGS);
		return -1;
	}
	if (sim_open(&paths, DRY_SEED, sc->platform_faults, &sim, &why) < 0) {
		char *line = why.data ? (char *)why.data : "";

		for (char *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
			*nl = '\0';
			platform_problem(sc, dir, line, NULL, p);
		}
		rc = -1;
	}
	sim_close(sim);
	buf_release(&why);
	return rc;
}

/* The dry run itself: *graded says whether the grader ran (gr then holds
 * its result, ok or not); a platform that would not start is in p. */
static int dry_grade(const struct tar_list *files, const struct scenario *sc,
		     struct problems *p, struct grader_result *gr, int *graded,
		     struct err *e)
{
	const struct tar_entry *src = tar_list_find(files, "grader/grade.lua");
	const struct tar_entry *keys = tar_list_find(files, "grader/keys.json");
	char dir[PATH_MAX];
	struct ev_fault *faults = NULL;
	struct grader_input in = {0};
	struct ev_info info = {0};
	struct buf ctx = BUF_INIT;
	int dfd = -1, rc = -1;
	int64_t now = time_now_ms();

	if (!src)
		return 0; /* scenario_load reported it */
	if (private_dir("dryrun", "a directory for the grader's dry run", dir,
			sizeof dir, e) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	faults = calloc(sc->nfaults + 1, sizeof *faults);
	if (dfd < 0 || !faults) {
		err_sys(e, ERR_HOST, errno ? errno : ENOMEM, "%s", dir);
		goto out;
	}
	if (bundle_extract(files, "system/", dfd, getuid(), getgid(), e) < 0 ||
	    faults_apply(sc, files, dfd, getuid(), DRY_SEED, faults, e) < 0)
		goto out;
	if (sc->platform_service != SIZE_MAX && run_platform(sc, dir, p) < 0) {
		rc = 0; /* the platform's problems are the scenario's */
		goto out;
	}
	info.mode = "dry-run";
	info.sc = sc;
	info.candidate = "c-dry-run";
	info.attempt = 1;
	info.seed_hex = DRY_SEED;
	info.started_ms = now;
	info.ended_ms = now;
	info.time_limit_s = sc->time_limit_s;
	info.ended_by = "exit";
	info.exit_status = 0;
	if (context_build(&info, keys ? (const char *)keys->data : NULL,
			  keys ? keys->len : 0, &ctx, e) < 0)
		goto out;
	in.source = (const char *)src->data;
	in.source_len = src->len;
	in.chunkname = "grader/grade.lua";
	in.root_fd = dfd;
	in.context_json = (const char *)ctx.data;
	in.context_len = ctx.len;
	in.lim = grader_default_limits;
	if (grader_run(&in, gr, e) < 0)
		goto out;
	*graded = 1;
	rc = 0;
out:
	buf_release(&ctx);
	free(faults);
	if (dfd >= 0)
		close(dfd);
	remove_tree(dir, NULL);
	return rc;
}

int scenario_dry_run(const struct tar_list *files, const struct scenario *sc,
		     struct problems *p, struct err *e)
{
	struct grader_result gr = {0};
	int graded = 0, rc;

	rc = dry_grade(files, sc, p, &gr, &graded, e);
	if (rc == 0 && graded && !gr.ok)
		problems_add(p, "grader/grade.lua: run on the scenario's own files (nothing repaired) it failed: %s; hint: a grader must finish within its limits and return checks whatever it finds",
			     gr.error);
	grader_result_release(&gr);
	return rc;
}

int scenario_dry_grade(const struct tar_list *files, const struct scenario *sc,
		       struct grader_result *gr, struct err *e)
{
	struct problems p = {0};
	int graded = 0, rc;

	memset(gr, 0, sizeof *gr);
	rc = dry_grade(files, sc, &p, gr, &graded, e);
	if (rc == 0 && !graded) {
		snprintf(gr->error, sizeof gr->error, "%s",
			 p.n ? p.v[0] : "the grader did not run");
	}
	problems_release(&p);
	return rc;
}

/* ---- validation: every check, every problem ---- */

/* agentd's own check of sc's platform (config, policies, behaviour and
 * fault plan; sim_check runs nothing) on a fresh copy of system/, with
 * the file faults applied when sc is sound.  For a variant (variant not
 * NULL) only the plan's problems are said: its config is the base's. */
static int check_platform(const struct tar_list *files,
			  const struct scenario *sc, int sound,
			  const char *variant, struct problems *p, struct err *e)
{
	const struct scenario_service *sv = &sc->services[sc->platform_service];
	const char *config = SIM_DEFAULT_CONFIG;
	char dir[PATH_MAX], cfg[PATH_MAX];
	struct ev_fault *faults = NULL;
	struct buf why = BUF_INIT;
	int dfd = -1, rc = -1;

	for (size_t i = 1; i + 1 < sv->argc; i++)
		if (!strcmp(sv->argv[i], "--config"))
			config = sv->argv[i + 1];
	if (private_dir("dryrun", "a directory for the platform's check", dir,
			sizeof dir, e) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	faults = calloc(sc->nfaults + 1, sizeof *faults);
	if (dfd < 0 || !faults) {
		err_sys(e, ERR_HOST, errno ? errno : ENOMEM, "%s", dir);
		goto out;
	}
	if ((size_t)snprintf(cfg, sizeof cfg, "%s%s", dir, config) >= sizeof cfg) {
		problems_add(p, "system/: the dry run's paths do not fit; hint: a shorter $TMPDIR");
		rc = 0;
		goto out;
	}
	if (bundle_extract(files, "system/", dfd, getuid(), getgid(), e) < 0 ||
	    (sound && faults_apply(sc, files, dfd, getuid(), DRY_SEED, faults, e) < 0))
		goto out;
	sim_check(cfg, sc->platform_faults, &why);
	for (char *line = why.data ? (char *)why.data : "", *nl;
	     (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if (!variant || !strncmp(line, plan_prefix, sizeof plan_prefix - 1))
			platform_problem(sc, dir, line, variant, p);
	}
	rc = 0;
out:
	buf_release(&why);
	free(faults);
	if (dfd >= 0)
		close(dfd);
	remove_tree(dir, NULL);
	return rc;
}

/* Each variant's platform plan, as agentd will be given it: a variant
 * that changes a platform fault's key to a value agentd refuses (a tool
 * platform.json does not have) would otherwise pass.  A variant that does
 * not load had its problems said by scenario_check. */
static int check_variant_platforms(const struct tar_list *files,
				   unsigned max_depth, const struct scenario *sc,
				   struct problems *p, struct err *e)
{
	for (size_t i = 0; i < sc->nvariants; i++) {
		struct problems vp = {0};
		struct scenario t = {0};
		struct err ve = {0};
		int rc = 0;

		if (scenario_load_variant(files, max_depth, i, &t, &vp, &ve) < 0) {
			problems_release(&vp);
			if (ve.kind == ERR_HOST) {
				*e = ve;
				return -1;
			}
			continue;
		}
		if (t.platform_service != SIZE_MAX)
			rc = check_platform(files, &t, 1, sc->variants[i], p, e);
		scenario_release(&t);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The check ids on wrong solution t's "# must-fail:" line (its form was
 * checked by scenario_check), each one the grader's dry run returned. */
static void check_must_fail_ids(const struct tar_entry *t,
				const struct grader_result *gr,
				struct problems *p)
{
	static const char tag[] = "# must-fail:";
	const char *s = (const char *)t->data, *end = s + t->len, *nl, *w;
	char known[1024];
	size_t n, o = 0, i;

	known[0] = 0;
	for (i = 0; i < gr->n && o < sizeof known; i++)
		o += (size_t)snprintf(known + o, sizeof known - o, "%s%s",
				      i ? ", " : "", gr->checks[i].id);
	for (unsigned line = 1; s < end && line <= SOLUTION_HEADER_LINES;
	     line++, s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		if ((size_t)(nl - s) < sizeof tag - 1 || memcmp(s, tag, sizeof tag - 1))
			continue;
		for (w = s + sizeof tag - 1; w < nl; w += n) {
			while (w < nl && (*w == ' ' || *w == '\t' || *w == '\r'))
				w++;
			for (n = 0; w + n < nl && w[n] != ' ' && w[n] != '\t' && w[n] != '\r'; n++)
				;
			if (!n)
				break;
			for (i = 0; i < gr->n; i++)
				if (strlen(gr->checks[i].id) == n &&
				    !memcmp(gr->checks[i].id, w, n))
					break;
			if (i == gr->n)
				problems_add(p, "%s: line %u: \"%.*s\" is not a check the grader returns; hint: the grader's dry run returns %s",
					     t->name, line, (int)(n < 64 ? n : 64), w,
					     known[0] ? known : "no checks");
		}
		return;
	}
}

int scenario_validate(const struct tar_list *files, unsigned max_depth,
		      struct scenario *out, struct problems *p, struct err *e)
{
	struct grader_result gr = {0};
	struct scenario s = {0};
	int graded = 0;

	memset(out, 0, sizeof *out);
	if (scenario_check(files, max_depth, &s, p, e) < 0) {
		struct err pe = {0};

		/* what agentd would refuse is said beside the rest; a tree
		 * the check cannot lay out was refused already */
		if (e->kind == ERR_REFUSED && s.platform_service != SIZE_MAX &&
		    s.platform_service < s.nservices &&
		    check_platform(files, &s, 0, NULL, p, &pe) < 0 &&
		    pe.kind != ERR_REFUSED) {
			*e = pe;
			scenario_release(&s);
			return -1;
		}
		scenario_release(&s);
		if (e->kind != ERR_REFUSED)
			return -1;
		return err_set(e, ERR_REFUSED, "%zu problem%s in the scenario",
			       p->n, p->n == 1 ? "" : "s");
	}
	if (dry_grade(files, &s, p, &gr, &graded, e) < 0 ||
	    check_variant_platforms(files, max_depth, &s, p, e) < 0)
		goto host;
	if (graded && !gr.ok)
		problems_add(p, "grader/grade.lua: run on the scenario's own files (nothing repaired) it failed: %s; hint: a grader must finish within its limits and return checks whatever it finds",
			     gr.error);
	for (size_t i = 0; graded && gr.ok && i < files->n; i++)
		if (!files->v[i].is_dir &&
		    !strncmp(files->v[i].name, "solutions/wrong-", 16))
			check_must_fail_ids(&files->v[i], &gr, p);
	grader_result_release(&gr);
	if (p->n) {
		scenario_release(&s);
		return err_set(e, ERR_REFUSED, "%zu problem%s in the scenario",
			       p->n, p->n == 1 ? "" : "s");
	}
	*out = s;
	return 0;
host:
	grader_result_release(&gr);
	scenario_release(&s);
	return -1;
}
