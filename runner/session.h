/* session: one exam session from input to evidence: open the scenario
 * (a signed bundle, or an author's directory), build the sandbox, run the
 * candidate's input in it while recording the terminal and the execs,
 * grade the frozen state in the grader worker, collect what changed, and
 * seal the evidence.  It prints nothing; the command layer does. */
#ifndef LABRUN_SESSION_H
#define LABRUN_SESSION_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "runner/faultkinds.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "sandbox/sandbox.h"

struct err;
struct config;
struct ev_fault;

/* An interactive session (labrun take): what the command layer shows and
 * hands over.  session.c calls these; it still prints nothing itself. */
struct session_ui {
	void *ctx;
	/* Show the brief before the sandbox starts; -1 abandons the session
	 * (nothing is written). */
	int (*brief)(void *ctx, const struct scenario *sc, unsigned time_limit_s);
	/* The sandbox's terminal output, and labrun's notices (time warnings),
	 * for the candidate's screen. */
	void (*output)(void *ctx, const void *data, size_t len);
	int input_fd;          /* the candidate's keyboard */
	volatile sig_atomic_t *winch; /* set on SIGWINCH */
	/* The candidate's terminal when brief returns (columns, rows, by
	 * sbx_term_size): the sandbox's terminal and the recording start at
	 * it.  0: the scripted run's 80x24. */
	unsigned width, height;
};

struct ev_renewal;
struct carry_source;
struct cred_identity;

/* A recertification replay (labrun batch): a run whose script replays a
 * stored attempt, for the candidate of that attempt. */
struct session_replay {
	const char *pseudonym;        /* the old evidence's, used as is */
	int best_effort;              /* the script was derived from a command log */
	const struct ev_renewal *renews; /* recorded when the replay passes */
	const char *jobs_digest;      /* hex SHA-256 of the job list */
	const char *job;              /* the job's id */
	const struct cred_identity *identity; /* the old evidence's hashed
					       * identifier, kept; NULL none */
	const char *replaces_credential; /* the old evidence's credential id,
					  * NULL none */
	const struct carry_source *carry; /* the renewed evidence's checks:
					   * knowledge checks carry over */
};

struct session_opts {
	const char *input;            /* NAME.lab or a scenario directory */
	const struct sign_trust *trust; /* required for a bundle */
	const struct sign_sec *key;   /* the issuer key, read before any sandbox */
	const char *candidate;        /* the candidate's id (becomes a pseudonym) */
	const struct cred_identity *identity; /* --identifier, hashed and salted;
					       * NULL none */
	const struct session_replay *replay; /* a replay: candidate is unused;
					      * seed_hex is the old seed */
	const char *script;           /* run: the candidate's script */
	const void *script_data;      /* or the script itself (a replay), when */
	size_t script_len;            /* script is NULL; bytes */
	const struct session_ui *ui;  /* take: the candidate at a terminal */
	volatile sig_atomic_t *stop;           /* set by a signal: 1 an operator (labrun
				       * end) or an interrupt, 2 a hang-up; the
				       * session ends, graded as it stands */
	unsigned time_factor_pct;     /* take: an accommodation (100: none) */
	int explore;                  /* labrun shell: take's sandbox, services
				       * and fault plan, SHELL_TIME_S long, with
				       * no grading, no evidence and no spool
				       * record; out, key and candidate unused,
				       * seed_hex required */
	const char *out;              /* evidence path */
	unsigned attempt;
	const char *seed_hex;         /* override, or NULL */
	const char *variant;          /* --variant: this one, not the seed's */
	const unsigned char *seed_secret; /* the host's seed secret (32 bytes), or
					   * NULL: seeds keyed by the issuer key */
	const struct config *cfg;     /* the operator's maxima */
	struct tar_limits lim;
	unsigned max_depth;
	int verbose;
	/* A scenario directory is checked as `labrun validate` checks it
	 * (scenario_validate) before anything else; selftest, which did so
	 * once for all its sessions, sets this to skip it. */
	int validated;
};

struct session_check {
	char id[68];
	char status[8];
	unsigned points, weight;
	char *message;
	char *title;
	int knowledge;       /* grader_check.knowledge */
};

struct session_result {
	char verdict[8];     /* pass, fail, error */
	unsigned score;      /* thousandths */
	unsigned pass_mark;
	char scenario[160];  /* "id version" */
	char ended_by[16];
	char variant[72];    /* the scenario's variant the session ran, "" none */
	unsigned hints_used, hint_points; /* how many, and what they cost */
	int64_t duration_ms;
	char error[600];     /* why the verdict is error, if it is */
	struct session_check *checks;
	size_t nchecks;
	struct problems problems; /* refused scenario: every problem */
	unsigned stale_removed;   /* leftovers of a killed labrun cleaned up */
	unsigned stale_cgroups;   /* and its session cgroups */
	unsigned lost_found;      /* attempts of killed labruns, recorded as lost */
	/* The evidence could not be written at -o (why): it was sealed here,
	 * in the spool, instead; "" when it went where it was asked to. */
	char spooled[4096];
	char spool_why[512];
};

/* Returns 0 when evidence was written (whatever the verdict): at
 * opts->out, or in the spool when it could not be written there
 * (res->spooled); -1 when the input was refused or the host failed
 * (nothing is written at opts->out then; res->problems may list why). */
int session_run(const struct session_opts *opts, struct session_result *res,
		struct err *e);
void session_result_release(struct session_result *res);

/* The plan of a session: its limits and its sandbox's configuration,
 * the fault plan translated into it, worked out from the scenario and
 * the host's maxima alone: no file is read, no process or randomness is
 * involved (session_run's second step; tests/unit/test_session_plan.c).
 * cfg and the environments point into the plan itself and into the
 * scenario: a plan is not copied, and lives no longer than its scenario. */
struct session_plan {
	struct scenario_limits applied; /* the scenario's asks, cut to the
					 * host's maxima */
	unsigned time_limit_s;          /* the same, times the accommodation */
	struct sbx_config cfg;
	char tools_dir[PATH_MAX];       /* labrun's in-sandbox tools */
	char init_path[PATH_MAX + 32];  /* the sandbox's pid 1 */
	struct sbx_service *services;   /* cfg.services */
	struct ev_fault *faults;        /* the record of each fault, by index */
	struct fault_setup fs;          /* the fault plan's part of cfg and of
					 * the services' environment */
};

/* Where a session's sandbox lives on the host (borrowed by the plan). */
struct session_where {
	const char *workdir;     /* the session's work area */
	const char *state_dir;   /* sbx_config.state_dir */
	const char *libexec;     /* labrun's own files: labrun-init, bin/ */
	const char *script_path; /* the script, on the host; NULL: take */
};

/* The limits: the scenario's asks cut to cfg's maxima (the operator's
 * win), the time limit times time_factor_pct / 100 (0 or 100: none).
 * The first half of the plan: the brief shows the time limit before the
 * sandbox is planned. */
void session_plan_limits(const struct scenario *sc, const struct config *cfg,
			 unsigned time_factor_pct, struct session_plan *p);
/* The rest of the plan, p's limits planned: the sandbox's configuration,
 * the services and the fault plan (seed_hex is the session's seed, the
 * simulated platform's too).  -1 only out of memory; release p either
 * way. */
int session_plan(const struct scenario *sc, const struct session_where *w,
		 const char *seed_hex, struct session_plan *p, struct err *e);
void session_plan_release(struct session_plan *p);

/* Grade a frozen root (a directory descriptor) with the bundle's grader
 * and info's session facts (regrade uses it on a rebuilt state).  Any
 * failure is the grader's or the host's, never the candidate's: it ends
 * as gr->ok == 0 with the reason (verdict error). */
struct ev_info;
struct grader_result;
void session_grade(const struct tar_list *files, const struct ev_info *info,
		   int root_fd, int verbose, struct grader_result *gr);

#endif
