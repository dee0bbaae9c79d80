/* dryrun: the grader run once at authoring time (validate, pack) against
 * the scenario's own files as the candidate first finds them (the fault
 * plan's file faults applied), with no candidate work and no commands.
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

/* One of agentd's problems, named as the author knows the files: the
 * sandbox's paths under system/, the plan's entries as $.faults[N]. */
static void platform_problem(const struct scenario *sc, const char *dir,
			     const char *line, struct problems *p)
{
	static const char plan[] = "the platform fault plan: $[";
	size_t n = strlen(dir);

	if (!strncmp(line, dir, n)) {
		problems_add(p, "system%s", line + n);
	} else if (!strncmp(line, "policies/", 9)) {
		problems_add(p, "system%s/%s", SIM_DEFAULT_CONFIG_DIR, line);
	} else if (!strncmp(line, plan, sizeof plan - 1)) {
		char *end;
		unsigned long k = strtoul(line + sizeof plan - 1, &end, 10), seen = 0;

		for (size_t i = 0; i < sc->nfaults; i++)
			if (sc->faults[i].kind == FAULT_PLATFORM && seen++ == k) {
				problems_add(p, "scenario.json: $.faults[%zu]%s", sc->faults[i].at,
					     *end == ']' ? end + 1 : end);
				return;
			}
		problems_add(p, "scenario.json: %s", line);
	} else {
		problems_add(p, "agentd: %s", line);
	}
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
			platform_problem(sc, dir, line, p);
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
