/* batch: runs a recertification job list (JSON lines, recert plan's), or
 * one shard of it, idempotently: each job replays a stored attempt
 * against a scenario bundle in a session of its own process, several at
 * once, and leaves exactly one result, OUTDIR/JOB.ev, or an error in
 * OUTDIR/batch.log.  It does not schedule machines (an array engine
 * runs one shard per task) and prints nothing: progress and per-job
 * errors go to the caller's hooks. */
#ifndef LABRUN_BATCH_H
#define LABRUN_BATCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/sign.h"
#include "runner/tarball.h"

struct err;
struct config;

#define BATCH_JOB_ID_MAX 64 /* bytes of a job id: [A-Za-z0-9_-] */

struct batch_job {
	size_t line;                    /* 1-based, in the list */
	char id[BATCH_JOB_ID_MAX + 1];  /* "" when the line names none */
	char *bundle, *renews;
	char renews_digest[80];         /* "sha256:HEX" */
	char source[16];                /* replay.source */
	char scenario[160], pseudonym[64]; /* as the plan said; "" unsaid */
	long long attempt;              /* 0 unsaid */
	char error[600];                /* why this line cannot run, "" none */
};

struct batch_list {
	struct batch_job *v;
	size_t n;
	char digest[SIGN_SHA256_HEX];   /* of the list file's bytes */
};

/* Read a job list: every line one job.  A line that is not a job (bad
 * JSON, a missing key, an id used before) is kept with its error; the
 * file itself unreadable or over the bounds is -1. */
int batch_list_load(const char *path, struct batch_list *l, struct err *e);
void batch_list_release(struct batch_list *l);

/* "I/N" with 0 <= I < N. */
int batch_shard_parse(const char *arg, unsigned *i, unsigned *n, struct err *e);
/* --shards N: I from the first set of SLURM_ARRAY_TASK_ID,
 * JOB_COMPLETION_INDEX and AWS_BATCH_JOB_ARRAY_INDEX (*var names it);
 * none set, not a number, or not below N is ERR_USAGE. */
int batch_shard_from_env(unsigned n, unsigned *i, const char **var,
			 struct err *e);

struct batch_progress {
	size_t total;     /* jobs of this shard */
	size_t done;      /* finished: skipped, renewed, retake or error */
	size_t skipped, renewed, retake, errors;
	size_t running;
	int64_t elapsed_ms;
};

struct batch_hooks {
	void *ctx;
	/* after each job and about once a second; final at the end */
	void (*progress)(void *ctx, const struct batch_progress *p, int final);
	/* a job's error or a note about one ("JOB: ..."), for stderr */
	void (*note)(void *ctx, const char *msg);
};

struct batch_opts {
	const char *jobs;               /* the list's path */
	const char *outdir;
	const struct sign_trust *trust; /* bundles must be signed by it */
	const struct sign_sec *key;     /* signs the results */
	const struct sign_pub *issuer;  /* old evidence and results are checked against it */
	unsigned workers;               /* sessions at once */
	unsigned shard, shards;         /* job k is shard k mod shards's */
	const struct config *cfg;
	struct tar_limits lim;
	unsigned max_depth;
	const struct batch_hooks *hooks;
	volatile sig_atomic_t *stop;             /* set by a signal: no new job starts,
					 * running ones end without a result */
};

/* Run the shard.  0 with the counts when every job was tried (a job that
 * could not run is counted in errors, logged and reported through
 * note); -1 when nothing could start: ERR_USAGE when OUTDIR holds results
 * of another job list, ERR_REFUSED or ERR_HOST otherwise. */
int batch_run(const struct batch_opts *o, struct batch_progress *res,
	      struct err *e);

#endif
