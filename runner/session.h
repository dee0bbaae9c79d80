/* session: one exam session from input to evidence: open the scenario
 * (a signed bundle, or an author's directory), build the sandbox, run the
 * candidate's input in it while recording the terminal and the execs,
 * grade the frozen state in the grader worker, collect what changed, and
 * seal the evidence.  It prints nothing; the command layer does. */
#ifndef LABRUN_SESSION_H
#define LABRUN_SESSION_H

#include <stddef.h>

#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"

struct err;
struct config;

struct session_opts {
	const char *input;            /* NAME.lab or a scenario directory */
	const struct sign_trust *trust; /* required for a bundle */
	const struct sign_sec *key;   /* the issuer key, read before any sandbox */
	const char *candidate;        /* the candidate's id (becomes a pseudonym) */
	const char *script;           /* run: the candidate's script */
	const char *out;              /* evidence path */
	unsigned attempt;
	const char *seed_hex;         /* override, or NULL */
	const struct config *cfg;     /* the operator's maxima */
	struct tar_limits lim;
	unsigned max_depth;
	int verbose;
};

struct session_check {
	char id[68];
	char status[8];
	unsigned points, weight;
	char *message;
	char *title;
};

struct session_result {
	char verdict[8];     /* pass, fail, error */
	unsigned score;      /* thousandths */
	unsigned pass_mark;
	char scenario[160];  /* "id version" */
	char ended_by[16];
	char error[600];     /* why the verdict is error, if it is */
	struct session_check *checks;
	size_t nchecks;
	struct problems problems; /* refused scenario: every problem */
	unsigned stale_removed;   /* leftovers of a killed labrun cleaned up */
	unsigned stale_cgroups;   /* and its session cgroups */
};

/* Returns 0 when evidence was written (whatever the verdict); -1 when the
 * input was refused or the host failed before a session existed (nothing
 * is written at opts->out then; res->problems may list why). */
int session_run(const struct session_opts *opts, struct session_result *res,
		struct err *e);
void session_result_release(struct session_result *res);

#endif
