/* rests: what each check of a scenario rests on, and whether a candidate
 * could forge it by writing files (docs/selftest.md, "What each check
 * rests on"; docs/validity.md, V5).  From the evidence of the untouched
 * and the reference sessions of a selftest it rebuilds both final states
 * and grades the reference's again with one fact at a time put back as
 * the untouched session left it: a file the grader read, the command log,
 * one command, one line of a JSON-lines file.  The checks that change
 * rest on that fact.  Then it grades the untouched state with only the
 * candidate's files taken from the reference, and the untouched session's
 * command log: a remediation check that passes there, and failed
 * untouched, is forgeable.  It runs no session and prints nothing. */
#ifndef LABRUN_RESTS_H
#define LABRUN_RESTS_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct scenario;
struct sign_pub;
struct tar_list;

/* Who could have written a fact during the session. */
enum rests_writer {
	RESTS_CANDIDATE,  /* their home, what candidate_owns names, /tmp */
	RESTS_SERVICE,    /* what a service owns (by names it) */
	RESTS_SCENARIO,   /* laid in place by system/ or labrun, written by nobody */
	RESTS_SUPERVISOR, /* labrun's own records: the command log */
};

struct rests_fact {
	char what[1024];        /* "/var/lib/agentd/state.json", "the command log" */
	enum rests_writer writer;
	char by[40];            /* the service, for RESTS_SERVICE */
	char entries[512];      /* which entries, when that was found ("lines 7, 8";
				 * "command 9 (agentctl policy validate v2)"), else "" */
	unsigned nentries;
};

struct rests_check {
	char id[68];
	int knowledge;           /* the check's kind */
	struct rests_fact *facts;
	size_t nfacts;
	/* A remediation check that passes on the candidate's files alone
	 * (and failed untouched): a candidate can write the fixed state by
	 * hand.  pack refuses the scenario while one is. */
	int forgeable;
	char forged_from[512];   /* the candidate's paths that were enough */
};

struct rests_report {
	int ran;                 /* 0: not analysed; why says why */
	char why[512];
	struct rests_check *checks;
	size_t n;
	unsigned gradings;       /* grader runs the analysis took */
	int cut;                 /* RESTS_MAX_GRADINGS reached: entries not refined */
	int64_t duration_ms;
};

/* Analyse from the two evidence files (signed by pub).  Returns 0 with
 * the report (ran or not: a reference that does not pass, or a state that
 * cannot be rebuilt exactly, leaves it unanalysed with the reason); -1 on
 * a host failure. */
int rests_analyse(const struct tar_list *files, const struct scenario *sc,
		  const char *untouched_ev, const char *reference_ev,
		  const struct sign_pub *pub, struct rests_report *out,
		  struct err *e);
void rests_report_release(struct rests_report *r);

/* "candidate", "service", "scenario", "supervisor". */
const char *rests_writer_name(enum rests_writer w);

#endif
