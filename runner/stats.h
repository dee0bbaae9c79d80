/* stats: labrun stats (docs/stats.md): cohort statistics and item analysis
 * over many evidence files.  stats.c gathers (every file verified first,
 * an invalid one counted and skipped with the reason) and works the
 * figures out with stats_calc.c; stats_out.c writes them as text or JSON
 * (the schema is docs/stats.md's), stats_html.c as one self-contained
 * page.  Privacy is applied where the figures are written: a cell of
 * fewer than STATS_MIN_CELL candidates is shown as "<5". */
#ifndef LABRUN_STATS_H
#define LABRUN_STATS_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct err;
struct sign_pub;

#define STATS_MIN_CELL 5         /* candidates: fewer is shown as "<5" */
#define STATS_LOW_DISC 0.1       /* point-biserial below: near zero */
#define STATS_ALPHA 0.05         /* a variant difference with p below is flagged */
#define STATS_UL_SHARE 0.27      /* the upper and lower groups' share */
#define STATS_BINS 10            /* the score histogram: 10% wide */

enum {
	STATS_NOBODY = 1, STATS_EVERYBODY = 2, STATS_NEGATIVE = 4, STATS_LOW = 8,
};

struct stats_opts {
	const char *scenario;    /* --scenario ID, NULL every one */
	int64_t since_s;         /* --since, seconds since the epoch */
	int since_given;
	int by_candidate;
};

/* A figure that may be undefined for the data. */
struct stats_val {
	int ok;
	double v;
};

struct stats_step_times {
	int has;                 /* some attempt had an audit trail */
	struct stats_val first_med, first_p90, last_med, last_p90;
	unsigned n;              /* attempts with a successful step */
	unsigned candidates;
};

/* One attempt (a run or take), as its evidence said it. */
struct stats_attempt {
	char digest[65];         /* the file's SHA-256, hex: the order */
	size_t cand;             /* index into the group's candidates */
	char *variant;           /* NULL none */
	int graded;              /* verdict pass or fail (not error) */
	int passed;
	unsigned score;          /* thousandths */
	double duration_s;
	int has_audit;           /* the evidence holds the audit trail */
	int64_t first_step_ms, last_step_ms; /* -1: no successful step */
	unsigned *hints;         /* hint numbers taken (1-based) */
	size_t nhints;
	int *cpass;              /* per check of the group: 1, 0 */
	unsigned *cpoints;       /* per check: points, thousandths */
	size_t nchecks;          /* filled of the group's checks */
};

struct stats_check {
	char *id;
	char kind[16];           /* remediation, knowledge */
	unsigned weight;
	/* figures */
	unsigned passed;         /* graded attempts passing it */
	double difficulty;       /* share passing */
	struct stats_val pbis, ul;
	unsigned flags;
};

struct stats_variant {
	char *id;
	unsigned attempts, passed, candidates;
	double pass_rate, mean_score;
	struct stats_val dur_med, dur_p90;
};

struct stats_hint {
	unsigned index;
	unsigned with, with_passed, with_cands;
	unsigned without, without_passed, without_cands;
};

struct stats_group {
	char *id, *version;
	struct stats_attempt *v;
	size_t n, cap;
	char **cands;            /* pseudonyms, in order of appearance */
	size_t ncands, ccap;
	struct stats_check *checks;
	size_t nchecks;
	/* figures */
	unsigned graded, passed, errors, graded_cands;
	double pass_rate;
	struct stats_val score_mean, score_med, score_p90;
	unsigned hist[STATS_BINS], hist_cands[STATS_BINS];
	struct stats_val dur_med, dur_p90;
	struct stats_step_times steps;
	struct stats_val kr20, alpha;
	struct stats_variant *variants;
	size_t nvariants;
	const char *test;        /* "fisher", "chi-square", NULL none */
	struct stats_val chi2, p_chi, p_fisher, p;
	unsigned df;
	int unfair;
	struct stats_hint *hints;
	size_t nhints;
};

struct stats_recert {
	char *platform;
	unsigned count[3];       /* renewed, retake, error */
	char **cands[3];         /* distinct pseudonyms of each */
	size_t ncands[3], ccap[3];
};

struct stats_invalid {
	char *file, *error;
};

struct stats_data {
	unsigned files, valid, invalid_n, filtered, other_modes;
	struct stats_invalid *invalid;
	size_t ninvalid;
	struct stats_group *groups;
	size_t ngroups;
	struct stats_recert *recert;
	size_t nrecert;
};

/* Read every evidence file under paths (files, or directories walked to
 * STATS_MAX_DEPTH, names in bytewise order), verify each against issuer,
 * and gather runs and takes per scenario and version (--scenario and
 * --since applied), replays per platform version.  A file that does not
 * verify is recorded in d->invalid; only a host failure returns -1. */
int stats_gather(char *const *paths, size_t n, const struct sign_pub *issuer,
		 const struct stats_opts *o, struct stats_data *d,
		 struct err *e);
/* Work out every group's figures (stats_calc.c). */
int stats_figures(struct stats_data *d, struct err *e);
void stats_data_release(struct stats_data *d);

/* Distinct candidates among a group's graded attempts that keep(i). */
unsigned stats_distinct(const struct stats_group *g,
			int (*keep)(const struct stats_attempt *a, const void *arg),
			const void *arg);

/* The report for the terminal (to be escaped by the caller) and the JSON
 * object of docs/stats.md (stats_out.c). */
int stats_text(const struct stats_data *d, const struct stats_opts *o,
	       struct buf *out, struct err *e);
int stats_json(const struct stats_data *d, const struct stats_opts *o,
	       struct buf *out, struct err *e);
/* One self-contained HTML page with SVG charts (stats_html.c). */
int stats_html(const struct stats_data *d, const struct stats_opts *o,
	       struct buf *out, struct err *e);

#endif
