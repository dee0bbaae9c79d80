/* regrade: a newer grader over a stored session, without rerunning it.
 * The old evidence is verified, the final state is rebuilt from the new
 * bundle's system/ layer, the fault plan (the recorded seed), the
 * evidence's changes/ (and changes/.deleted) and answers/, the bundle's
 * grader judges it with the session's recorded facts, and new evidence is
 * sealed that names the old one (manifest regraded_from).  It prints
 * nothing; cmd_regrade.c does. */
#ifndef LABRUN_REGRADE_H
#define LABRUN_REGRADE_H

#include <stddef.h>

#include "graders/grader.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"

struct err;

struct regrade_opts {
	const char *evidence;            /* the old evidence file */
	const struct sign_pub *issuer;   /* it must be signed by this key */
	const char *with;                /* the new NAME.lab (or a directory) */
	const struct sign_trust *trust;  /* required for a bundle */
	const struct sign_sec *key;      /* signs the new evidence */
	const char *out;
	struct tar_limits lim;
	unsigned max_depth;
	int verbose;
};

/* One check between the old evidence and the regrade: what the old
 * result.json said of it and what the new grader says. */
struct regrade_move {
	char id[68];
	char *title;              /* the new grader's, else the old evidence's */
	char before[8];           /* pass, fail, error; "" when the old
				   * evidence had no check of this id */
	unsigned before_points, before_weight; /* thousandths of a point */
	char after[8];            /* "" when the new grader has it no more */
	unsigned after_points, after_weight;   /* thousandths of a point */
	int changed;              /* status, points or weight differ, or
				   * the check is new or gone */
};

struct regrade_result {
	char scenario[160];       /* "id version" of the new bundle */
	char verdict[8];
	unsigned score, pass_mark;
	char error[600];
	char old_digest[SIGN_SHA256_HEX];
	char old_verdict[8];
	unsigned old_score;
	struct grader_result gr;  /* the new grader's checks */
	struct problems problems; /* a refused bundle: every problem */
	/* Each check before -> after: the new grader's checks in its order,
	 * then those it no longer has.  Empty when the new grading failed
	 * (gr.ok == 0: nothing was judged to compare). */
	struct regrade_move *moves;
	size_t nmoves;
	size_t nchanged;          /* moves with changed set */
};

/* 0 when the new evidence was written (whatever its verdict); -1 when an
 * input was refused or the host failed, and nothing is at opts->out. */
int regrade_run(const struct regrade_opts *o, struct regrade_result *r,
		struct err *e);
void regrade_result_release(struct regrade_result *r);

/* The parts regrade is made of, for selftest's analysis of what checks
 * rest on (runner/rests.c). */
struct ev_info;
struct ev_recorded;
/* The facts of a recorded session as the grader gets them again (mode
 * "regrade"; the caller adds digests and signer). */
void regrade_info(const struct ev_recorded *rec, const struct scenario *sc,
		  struct ev_info *info);
/* The session's final state beneath root (an empty directory): system/,
 * the fault plan with the recorded seed, then the evidence's changes and
 * answers. */
int regrade_rebuild(int root, const struct tar_list *files,
		    const struct scenario *sc, const struct tar_list *members,
		    const struct ev_recorded *rec, struct err *e);
/* The moves of a grading gr against the old evidence's result.json
 * (members already verified by ev_open), as regrade_run fills them.  -1
 * ERR_REFUSED when result.json is not as labrun writes it, ERR_HOST out
 * of memory; *v is then NULL. */
int regrade_moves(const struct tar_list *old, const struct grader_result *gr,
		  struct regrade_move **v, size_t *n, struct err *e);
void regrade_moves_free(struct regrade_move *v, size_t n);

/* A percent-encoded path (collect.h's encoding) back into bytes; -1 when
 * it is not one labrun writes. */
int regrade_decode(const char *enc, char *out, size_t size);

#endif
