/* selftest: a scenario's qualification matrix, on each of its variants.
 * The untouched, faulted state must fail; solutions/reference.sh must
 * pass; each solutions/wrong-NAME.sh must fail, and fail every check its
 * "# must-fail:" line names; and the untouched and reference runs,
 * repeated with different seeds, must agree.  A scenario directory is
 * validated first (scenario_validate), as `labrun validate` does.  Each run is a whole
 * session (session.h) signed by a throwaway key whose evidence is removed
 * at once.  It prints nothing; cmd_selftest.c and cmd_pack.c do. */
#ifndef LABRUN_SELFTEST_H
#define LABRUN_SELFTEST_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/rests.h"
#include "runner/scenario.h"
#include "runner/session.h"
#include "runner/tarball.h"

struct err;
struct config;
struct sign_trust;

#define SELFTEST_RUNS_DEFAULT 5
#define SELFTEST_RUNS_MAX 100   /* each run is two sessions */
#define SELFTEST_MAX_WRONG 64   /* wrong-*.sh solutions in one scenario */
#define SELFTEST_MAX_MUST_FAIL 32 /* check ids on one must-fail line */
#define SELFTEST_MAX_SESSIONS 2000 /* variants x (2 x runs + wrong): each
				    * is a whole session, seconds each */

enum selftest_kind { SELFTEST_UNTOUCHED, SELFTEST_REFERENCE, SELFTEST_WRONG };

/* What a row's session met: its expectation, or not, or an error. */
enum selftest_mark { SELFTEST_MET, SELFTEST_MISSED, SELFTEST_ERROR };

struct selftest_row {
	enum selftest_kind kind;
	char name[80];           /* "untouched", "reference", "wrong-NAME" */
	char variant[72];        /* the scenario's variant it ran, "" none */
	unsigned run;            /* 1..N: which seed (candidate selftest-N) */
	char verdict[8];         /* pass, fail, error */
	unsigned score;          /* thousandths */
	int64_t duration_ms;
	char error[600];         /* an error verdict's reason */
	struct session_check *checks;
	size_t nchecks;
	char must_fail[SELFTEST_MAX_MUST_FAIL][68]; /* wrong: the checks it names */
	size_t nmust_fail;
	enum selftest_mark mark;
	char why[600];           /* when not met: what went wrong */
};

enum selftest_outcome { SELFTEST_QUALIFIED, SELFTEST_NOT_QUALIFIED, SELFTEST_ERRED };

struct selftest_report {
	char scenario[160];      /* "id version" */
	char digest[65];         /* the bundle's SHA-256, hex */
	unsigned pass_mark;
	unsigned runs;           /* repetitions asked */
	struct selftest_row *rows;
	size_t nrows, cap;
	/* The scenario's variants, each qualified on its own: every
	 * variant gets the untouched and reference runs and every wrong
	 * solution (none: the matrix runs once, on the base plan). */
	char (*variants)[72];
	size_t nvariants;
	unsigned repeated;       /* untouched and reference runs without error */
	unsigned disagreed;      /* of those, runs whose verdict differs from
				  * the most common one of their kind and
				  * variant */
	int64_t duration_ms;
	enum selftest_outcome outcome;
	struct problems reasons; /* why not qualified, or what erred */
	int interrupted;         /* a signal stopped the matrix */
	/* What each check rests on, from the first untouched and reference
	 * runs (rests.h); forgeable counts the remediation checks a candidate
	 * could pass by writing files, which pack refuses. */
	struct rests_report rests;
	unsigned forgeable;
};

struct selftest_opts {
	const char *input;            /* a scenario directory or NAME.lab */
	const struct sign_trust *trust; /* required for a bundle */
	const struct config *cfg;     /* the host's maxima */
	struct tar_limits lim;
	unsigned max_depth;
	/* input is a directory the caller has just passed through
	 * scenario_validate (pack): it is loaded, not validated again */
	int validated;
	unsigned runs;                /* 1..SELFTEST_RUNS_MAX */
	volatile sig_atomic_t *stop;           /* set by a signal: stop after this run */
	/* Called after each row, for progress on a terminal; may be NULL. */
	void (*progress)(void *ctx, const struct selftest_row *row, size_t done,
			 size_t total);
	void *ctx;
};

/* Run the matrix.  Returns 0 with the report filled (whatever the
 * outcome); -1 when the input was refused (ERR_REFUSED; the scenario's
 * problems, if any, in r->reasons) or the host failed before any session
 * (ERR_HOST).  Nothing is left behind either way. */
int selftest_run(const struct selftest_opts *o, struct selftest_report *r,
		 struct err *e);
void selftest_report_release(struct selftest_report *r);

const char *selftest_kind_name(enum selftest_kind k);

#endif
