/* recert: recertification planning and reporting.  `recert plan`
 * classifies stored evidence against the current scenario bundles and
 * this labrun's platform and writes the job list that replays what is
 * stale or expiring; `recert report` compares a batch's results with the
 * evidence they renewed.  It also derives a replay script from a stored
 * session (batch uses it).  It does not run sessions (batch.c, session.c)
 * and prints nothing: the command layer does. */
#ifndef LABRUN_RECERT_H
#define LABRUN_RECERT_H

#include <stddef.h>
#include <stdint.h>

#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"

struct err;
struct buf;
struct ev_recorded;

enum recert_class {
	RC_CURRENT,   /* a pass on the current bundle and platform */
	RC_STALE,     /* a pass on an older bundle or platform: replayed */
	RC_EXPIRING,  /* a current pass that expires within the window: replayed */
	RC_EXPIRED,   /* a pass already expired: the holder retakes */
	RC_FAILED,    /* not a pass: nothing to renew */
	RC_RENEWED,   /* another evidence in the directory renews it */
	RC_SUPERSEDED, /* a newer evidence of the same attempt is here (a
			* regrade of it, or of what it came from): only
			* the newest of an attempt is planned */
	RC_NO_BUNDLE, /* no trusted bundle of its scenario in --bundles */
	RC_INVALID,   /* it does not verify */
};

const char *recert_class_name(enum recert_class c);

struct recert_row {
	char *file;              /* the evidence as found in --evidence */
	enum recert_class cls;
	char why[1200];          /* the reason, or the verification error */
	char scenario[160], version[64];
	char candidate[64];      /* pseudonym */
	char valid_until[32];    /* "" none */
	char job[20];            /* the job's id, "" when no job */
	char warn[1200];         /* a job whose replay cannot be judged
				  * fully: why ("; " between), "" none */
};

struct recert_plan_opts {
	const char *evidence_dir;
	const char *bundles_dir;
	const struct sign_trust *trust;   /* bundles must be signed by it */
	const struct sign_pub *issuer;    /* evidence must be signed by it */
	int64_t now;                      /* seconds since the epoch */
	unsigned within_days;             /* the expiring window */
	struct tar_limits lim;
	unsigned max_depth;
};

struct recert_plan {
	struct recert_row *rows;
	size_t nrows;
	size_t count[RC_INVALID + 1];    /* rows of each class */
	size_t njobs;
	size_t nwarned;                   /* jobs with a warning */
	struct buf *jobs;                 /* the job list (JSON lines) */
	struct problems problems;         /* bundles left out, and why */
};

/* Classify every *.ev in opts->evidence_dir (a file that does not verify
 * is a row of class invalid; the rest goes on) and build the job list.
 * -1 only when a directory cannot be read or the host fails. */
int recert_plan(const struct recert_plan_opts *o, struct recert_plan *p,
		struct err *e);
/* The plan as one JSON object ({"now", "within_days", "counts", "rows",
 * "jobs", "warnings"}), a final newline. */
int recert_plan_json(const struct recert_plan *p, const struct recert_plan_opts *o,
		     struct buf *out, struct err *e);
void recert_plan_release(struct recert_plan *p);

/* "2027-01-01" or "2027-01-01T00:00:00Z" to seconds since the epoch. */
int recert_parse_date(const char *s, int64_t *out);

/* <0, 0, >0 as version a ranks below, with or above b (valid semver, as
 * scenario_load accepts it): the highest is a scenario's current bundle.
 * Exposed for tests/unit/test_recert.c; recert.c and pack (the next
 * version to bump to) use it. */
int recert_semver_cmp(const char *a, const char *b);

/* The script that replays a stored session: the member its source names
 * (replay/script.sh, answers/runbook.sh), or for "commands" a script
 * derived from commands.jsonl (best effort: each exec the candidate's
 * shell ran, shell-quoted, but not the shell itself nor `lab`). */
int recert_replay_script(const struct tar_list *members,
			 const struct ev_recorded *rec, const char *source,
			 const char *old_digest, struct buf *out, struct err *e);

/* The report of a batch's OUTDIR: its results (JOB.ev) and its log
 * (batch.log): per scenario and check, the tallies before and after; per
 * attempt, its verdict before -> after and the checks that moved (json's
 * jobs[].moved: [{id, title, before, after}], null for a side without the
 * check; moved itself null when batch.log does not hold the checks
 * before).  text is the readable table, json one object. */
int recert_report(const char *outdir, const struct sign_pub *issuer,
		  struct buf *text, struct buf *json, struct err *e);

#endif
