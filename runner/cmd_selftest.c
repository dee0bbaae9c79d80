/* cmd_selftest: `labrun selftest DIR|BUNDLE`, a scenario's qualification
 * matrix: options, the per-check table, the one-line verdict and --json.
 * selftest.c runs the sessions; pack prints the same table through
 * selftest_print when it refuses a scenario. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/opts.h"
#include "runner/selftest.h"

extern const char usage_selftest[];

const char usage_selftest[] =
	"usage: labrun selftest DIR|BUNDLE [--runs N] [--json] [--trust AUTHOR_PUB]\n"
	"                       [--limit KEY=VALUE]... [--config FILE]\n"
	"\n"
	"Qualify a scenario: run it as a candidate would, several times, and\n"
	"check that its grader tells right from wrong.\n"
	"  - the untouched, faulted state (an empty script) must fail;\n"
	"  - solutions/reference.sh must pass (score at or above the pass mark);\n"
	"  - each solutions/wrong-NAME.sh must fail, and fail every check its\n"
	"    \"# must-fail: CHECK-ID ...\" line names (a lenient grader shows here);\n"
	"  - the untouched and reference runs, repeated N times with different\n"
	"    seeds (candidates selftest-1 ... selftest-N), must agree; the flake\n"
	"    rate is the share of runs whose verdict differs from the others'.\n"
	"A scenario with variants is qualified on each: every variant gets the\n"
	"untouched and reference runs (N of each) and every wrong solution, and\n"
	"the table says each row's variant and each variant's tally.  A\n"
	"directory is first checked as `labrun validate` checks it.\n"
	"Prints a table of every session's checks, then \"qualified\" or\n"
	"\"NOT qualified: why\".  Sessions run one after another, as root, each\n"
	"signed by a throwaway key held in memory; no evidence is kept.\n"
	"\n"
	"  DIR               a scenario directory\n"
	"  BUNDLE            NAME.lab with NAME.lab.minisig beside it, signed by a\n"
	"                    key in --trust (checked before the bundle is read)\n"
	"  --runs N          repetitions of the untouched and reference runs\n"
	"                    (default 5, at most 100)\n"
	"  --json            print one JSON object instead of the table\n"
	"  --trust FILE|DIR  author public key(s) a bundle must be signed by\n"
	"                    (default: trust in the configuration)\n"
	"  --limit KEY=N     raise a bundle limit: entries, file, total, depth\n"
	"  --config FILE     the host's configuration (default\n"
	"                    /etc/labrun/labrun.conf, if it exists): its limit\n"
	"                    maxima apply to the sessions\n"
	"  -h, --help        show this help\n"
	"\n"
	"Exit: 0 qualified, 1 not qualified (or the scenario refused), 2 usage,\n"
	"3 a session erred (infrastructure or grader error: the matrix is not\n"
	"judged) or the host failed.\n";

enum { OPT_JSON = 256, OPT_RUNS, OPT_TRUST, OPT_LIMIT, OPT_CONFIG };

static const char *expected(enum selftest_kind k)
{
	return k == SELFTEST_REFERENCE ? "pass" : "fail";
}

static int is_must_fail(const struct selftest_row *row, const char *id)
{
	size_t i;

	for (i = 0; i < row->nmust_fail; i++)
		if (!strcmp(row->must_fail[i], id))
			return 1;
	return 0;
}

/* The check ids of every row, in the order they first appear. */
static size_t check_columns(const struct selftest_report *r, const char **ids,
			    unsigned *weights, size_t max)
{
	size_t n = 0, i, k, j;

	for (i = 0; i < r->nrows; i++)
		for (k = 0; k < r->rows[i].nchecks; k++) {
			for (j = 0; j < n && strcmp(ids[j], r->rows[i].checks[k].id); j++)
				;
			if (j == n && n < max) {
				weights[n] = r->rows[i].checks[k].weight;
				ids[n++] = r->rows[i].checks[k].id;
			}
		}
	return n;
}

static void row_label(const struct selftest_row *row, char *out, size_t size)
{
	if (row->kind == SELFTEST_WRONG)
		snprintf(out, size, "%s%s%s", row->name, row->variant[0] ? " " : "",
			 row->variant);
	else
		snprintf(out, size, "%s #%u%s%s", row->name, row->run,
			 row->variant[0] ? " " : "", row->variant);
}

/* Variant v's rows: how many, how many met what they expect, how many
 * erred. */
static void variant_tally(const struct selftest_report *r, const char *v,
			  size_t *n, size_t *met, size_t *erred)
{
	*n = *met = *erred = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		if (strcmp(r->rows[i].variant, v))
			continue;
		(*n)++;
		*met += r->rows[i].mark == SELFTEST_MET;
		*erred += r->rows[i].mark == SELFTEST_ERROR;
	}
}

/* One line per variant: each is qualified on its own. */
static void print_variants(FILE *f, const struct selftest_report *r)
{
	size_t n, met, erred;

	for (size_t v = 0; v < r->nvariants; v++) {
		variant_tally(r, r->variants[v], &n, &met, &erred);
		if (!n)
			cmd_printf(f, "variant %s: not run (the matrix stopped before it)\n",
				   r->variants[v]);
		else if (met == n)
			cmd_printf(f, "variant %s: %zu session%s, every one as expected\n",
				   r->variants[v], n, n == 1 ? "" : "s");
		else
			cmd_printf(f, "variant %s: %zu session%s, %zu not as expected, %zu erred\n",
				   r->variants[v], n, n == 1 ? "" : "s",
				   n - met - erred, erred);
	}
}

/* What each check rests on (rests.h), numbered as the table's columns,
 * and the checks a candidate could forge. */
static void print_rests(FILE *f, const struct selftest_report *r,
			const char *const *ids, size_t ncol)
{
	const struct rests_report *a = &r->rests;
	size_t i, k, col;

	if (!a->ran) {
		if (a->why[0])
			cmd_printf(f, "what each check rests on: %s\n", a->why);
		return;
	}
	cmd_printf(f, "what each check rests on (the reference's facts put back one at a time as the untouched run left them; %u gradings in %lld ms%s):\n",
		   a->gradings, (long long)a->duration_ms,
		   a->cut ? "; the budget ran out before every entry was tried" : "");
	for (i = 0; i < a->n; i++) {
		const struct rests_check *c = &a->checks[i];

		for (col = 0; col < ncol && strcmp(ids[col], c->id); col++)
			;
		cmd_printf(f, "  [%zu] %s%s: ", col + 1, c->id,
			   c->knowledge ? " (knowledge)" : "");
		if (!c->nfacts)
			cmd_printf(f, "nothing the session changed (it holds untouched too)");
		for (k = 0; k < c->nfacts; k++) {
			const struct rests_fact *x = &c->facts[k];

			cmd_printf(f, "%s%s (%s%s%s%s%s)", k ? "; " : "", x->what,
				   rests_writer_name(x->writer), x->by[0] ? " " : "", x->by,
				   x->entries[0] ? ": " : "", x->entries);
		}
		cmd_printf(f, "\n");
	}
	for (i = 0; i < a->n; i++) {
		const struct rests_check *c = &a->checks[i];

		if (!c->forgeable)
			continue;
		for (col = 0; col < ncol && strcmp(ids[col], c->id); col++)
			;
		cmd_printf(f, "FORGEABLE [%zu] %s: a remediation check that passes on what the candidate can write alone (%s) with no command run: writing the fixed files by hand earns it\n",
			   col + 1, c->id, c->forged_from[0] ? c->forged_from : "their files");
	}
}

void selftest_print(FILE *f, const struct selftest_report *r)
{
	const char *ids[GRADER_MAX_CHECKS];
	unsigned weights[GRADER_MAX_CHECKS];
	char label[160], cell[32];
	size_t ncol, i, k, nwrong = 0, width = 9;

	for (i = 0; i < r->nrows; i++) {
		nwrong += r->rows[i].kind == SELFTEST_WRONG;
		row_label(&r->rows[i], label, sizeof label);
		if (strlen(label) > width)
			width = strlen(label);
	}
	if (r->nvariants)
		nwrong /= r->nvariants; /* each ran on every variant */
	cmd_printf(f, "selftest %s (sha256:%.16s...): %u run%s, %zu wrong solution%s",
		   r->scenario, r->digest, r->runs, r->runs == 1 ? "" : "s", nwrong,
		   nwrong == 1 ? "" : "s");
	if (r->nvariants)
		cmd_printf(f, ", on each of %zu variants", r->nvariants);
	cmd_printf(f, ", %zu session%s in %lld ms\n", r->nrows,
		   r->nrows == 1 ? "" : "s", (long long)r->duration_ms);
	ncol = check_columns(r, ids, weights, GRADER_MAX_CHECKS);
	cmd_printf(f, "checks (points earned of weight; * a check the wrong solution must fail):\n");
	for (k = 0; k < ncol; k++)
		cmd_printf(f, "  [%zu] %s (weight %u)\n", k + 1, ids[k], weights[k]);
	cmd_printf(f, "%-*s  expect  verdict  score", (int)width, "session");
	for (k = 0; k < ncol; k++) {
		snprintf(cell, sizeof cell, "[%zu]", k + 1);
		cmd_printf(f, "  %-*s", k + 1 < ncol ? 10 : 0, cell);
	}
	cmd_printf(f, "\n");
	for (i = 0; i < r->nrows; i++) {
		const struct selftest_row *row = &r->rows[i];

		row_label(row, label, sizeof label);
		cmd_printf(f, "%-*s  %-6s  %-7s  %5u", (int)width, label,
			   expected(row->kind), row->verdict, row->score);
		for (k = 0; k < ncol; k++) {
			size_t j;

			for (j = 0; j < row->nchecks && strcmp(row->checks[j].id, ids[k]); j++)
				;
			if (j == row->nchecks)
				snprintf(cell, sizeof cell, "-");
			else
				snprintf(cell, sizeof cell, "%s%s %u", row->checks[j].status,
					 is_must_fail(row, ids[k]) ? "*" : "",
					 row->checks[j].points);
			cmd_printf(f, "  %-*s", k + 1 < ncol || row->mark != SELFTEST_MET ? 10 : 0,
				   cell);
		}
		cmd_printf(f, "%s\n", row->mark == SELFTEST_MET ? "" :
				       row->mark == SELFTEST_ERROR ? "  <- error" : "  <- wrong");
	}
	cmd_printf(f, "flake rate: %u of %u repeated run%s disagreed\n", r->disagreed,
		   r->repeated, r->repeated == 1 ? "" : "s");
	print_variants(f, r);
	print_rests(f, r, ids, ncol);
	switch (r->outcome) {
	case SELFTEST_QUALIFIED:
		if (r->forgeable)
			cmd_printf(f, "qualified, but %u remediation check%s can be forged: pack refuses it until each rests on facts the candidate cannot write, or is a knowledge answer (kind = \"knowledge\")\n",
				   r->forgeable, r->forgeable == 1 ? "" : "s");
		else
			cmd_printf(f, "qualified\n");
		return;
	case SELFTEST_NOT_QUALIFIED:
		cmd_printf(f, "NOT qualified: %s\n", r->reasons.n ? r->reasons.v[0] : "");
		break;
	case SELFTEST_ERRED:
		cmd_printf(f, "ERROR, not judged: %s\n", r->reasons.n ? r->reasons.v[0] : "");
		break;
	}
	for (i = 1; i < r->reasons.n; i++)
		cmd_printf(f, "  also: %s\n", r->reasons.v[i]);
}

static const char *outcome_name(enum selftest_outcome o)
{
	return o == SELFTEST_QUALIFIED ? "qualified"
	       : o == SELFTEST_NOT_QUALIFIED ? "not qualified" : "error";
}

static json_t *jstr_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

/* {"analysed": bool, "why": ..., "gradings": N, "checks": [{"id", "kind",
 * "forgeable", "forged_from", "rests_on": [{"fact", "writer", "by",
 * "entries"}]}]} */
static json_t *rests_json(const struct rests_report *a)
{
	json_t *checks = json_array(), *facts, *c;
	size_t i, k;

	for (i = 0; i < a->n; i++) {
		const struct rests_check *x = &a->checks[i];

		facts = json_array();
		for (k = 0; k < x->nfacts; k++)
			json_array_append_new(facts, json_pack("{s:s,s:s,s:o,s:o}",
				"fact", x->facts[k].what,
				"writer", rests_writer_name(x->facts[k].writer),
				"by", jstr_or_null(x->facts[k].by),
				"entries", jstr_or_null(x->facts[k].entries)));
		c = json_pack("{s:s,s:s,s:b,s:o,s:o}", "id", x->id, "kind",
			      x->knowledge ? "knowledge" : "remediation",
			      "forgeable", x->forgeable, "forged_from",
			      jstr_or_null(x->forgeable ? x->forged_from : NULL),
			      "rests_on", facts);
		json_array_append_new(checks, c);
	}
	return json_pack("{s:b,s:o,s:i,s:b,s:I,s:o}", "analysed", a->ran, "why",
			 jstr_or_null(a->ran ? NULL : a->why), "gradings",
			 (int)a->gradings, "cut", a->cut, "duration_ms",
			 (json_int_t)a->duration_ms, "checks", checks);
}

static char *report_json(const struct selftest_report *r)
{
	json_t *o, *matrix, *reasons, *variants, *row, *checks, *mf, *c;
	char digest[80];
	size_t i, k;
	char *txt;

	matrix = json_array();
	reasons = json_array();
	variants = json_array();
	for (i = 0; i < r->reasons.n; i++)
		json_array_append_new(reasons, json_string(r->reasons.v[i]));
	for (i = 0; i < r->nrows; i++) {
		const struct selftest_row *w = &r->rows[i];

		checks = json_array();
		for (k = 0; k < w->nchecks; k++) {
			c = json_pack("{s:s,s:s,s:i,s:i,s:b}", "id", w->checks[k].id,
				      "status", w->checks[k].status, "points",
				      (int)w->checks[k].points, "weight",
				      (int)w->checks[k].weight, "must_fail",
				      is_must_fail(w, w->checks[k].id));
			json_array_append_new(checks, c);
		}
		mf = json_array();
		for (k = 0; k < w->nmust_fail; k++)
			json_array_append_new(mf, json_string(w->must_fail[k]));
		row = json_pack("{s:s,s:s,s:o,s:i,s:s,s:s,s:i,s:I,s:o,s:o,s:o,s:o,s:o}",
				"session", w->name, "kind", selftest_kind_name(w->kind),
				"variant", jstr_or_null(w->variant[0] ? w->variant : NULL),
				"run", (int)w->run, "expect", expected(w->kind),
				"verdict", w->verdict, "score", (int)w->score,
				"duration_ms", (json_int_t)w->duration_ms, "met",
				w->mark == SELFTEST_ERROR ? json_null()
							  : json_boolean(w->mark == SELFTEST_MET),
				"why", w->mark == SELFTEST_MET ? json_null() : jstr_or_null(w->why),
				"error", jstr_or_null(w->error), "must_fail", mf,
				"checks", checks);
		json_array_append_new(matrix, row);
	}
	for (i = 0; i < r->nvariants; i++) {
		size_t n, met, erred;

		variant_tally(r, r->variants[i], &n, &met, &erred);
		json_array_append_new(variants,
				      json_pack("{s:s,s:I,s:I,s:I,s:b}", "id", r->variants[i],
						"sessions", (json_int_t)n, "met", (json_int_t)met,
						"erred", (json_int_t)erred,
						"qualified", n && met == n));
	}
	snprintf(digest, sizeof digest, "sha256:%s", r->digest);
	o = json_pack("{s:s,s:s,s:i,s:i,s:s,s:b,s:o,s:{s:i,s:i},s:I,s:o,s:o,s:i,s:o}",
		      "scenario", r->scenario, "digest", digest, "runs", (int)r->runs,
		      "pass_mark", (int)r->pass_mark, "verdict",
		      outcome_name(r->outcome), "qualified",
		      r->outcome == SELFTEST_QUALIFIED, "reasons", reasons, "flake",
		      "disagreed", (int)r->disagreed, "runs", (int)r->repeated,
		      "duration_ms", (json_int_t)r->duration_ms, "matrix", matrix,
		      "rests", rests_json(&r->rests), "forgeable", (int)r->forgeable,
		      "variants", variants);
	if (!o)
		return NULL;
	txt = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(o);
	return txt;
}

/* A refused input with --json: why, as one object. */
static void refused_json(const struct selftest_report *r, const struct err *e)
{
	json_t *p = json_array(), *o;
	char *txt;
	size_t i;

	for (i = 0; i < r->reasons.n; i++)
		json_array_append_new(p, json_string(r->reasons.v[i]));
	o = json_pack("{s:s,s:b,s:s,s:o}", "verdict", "refused", "qualified", 0,
		      "error", e->msg, "reasons", p);
	txt = o ? json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
	if (txt)
		cmd_printf(stdout, "%s\n", txt);
	free(txt);
	json_decref(o);
}

static void progress(void *ctx, const struct selftest_row *row, size_t done,
		     size_t total)
{
	char label[160];

	(void)ctx;
	row_label(row, label, sizeof label);
	cmd_printf(stderr, "labrun selftest: %zu/%zu %s: %s\n", done, total, label,
		   row->verdict);
}

int selftest_exit_code(const struct selftest_report *r)
{
	return r->outcome == SELFTEST_QUALIFIED ? EXIT_YES
	       : r->outcome == SELFTEST_NOT_QUALIFIED ? EXIT_NO : EXIT_HOST;
}

int cmd_selftest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"runs", required_argument, NULL, OPT_RUNS},
		{"json", no_argument, NULL, OPT_JSON},
		{"trust", required_argument, NULL, OPT_TRUST},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("selftest");
	struct selftest_opts o = {0};
	struct selftest_report r = {0};
	struct cmd_env env = {0};
	struct err e = {0};
	uint64_t v;
	int opt, json = 0, rc;
	size_t i;
	char *txt;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	opts_limits_default(&o.lim, &o.max_depth);
	o.runs = SELFTEST_RUNS_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_RUNS:
			if (parse_u64(optarg, 1, SELFTEST_RUNS_MAX, &v) < 0)
				return cmd_usage_error(c, "--runs %s: not a number from 1 to %d",
						       optarg, SELFTEST_RUNS_MAX);
			o.runs = (unsigned)v;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_TRUST:
			env.trust_path = optarg;
			break;
		case OPT_LIMIT:
			if (opts_limit(optarg, &o.lim, &o.max_depth, &e) < 0)
				return cmd_usage_error(c, "%s", e.msg);
			break;
		case OPT_CONFIG:
			env.config_path = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(c, optind >= argc ? "name a scenario directory or a bundle"
						       : "one scenario at a time");
	o.input = argv[optind];
	/* An interrupt (cmd_stop) ends the running session (graded as it
	 * stands, and then thrown away) and the matrix, so the private
	 * directory is removed. */
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	o.trust = &env.trust;
	o.cfg = &env.cfg;
	o.stop = &cmd_stop;
	if (!json && isatty(STDERR_FILENO))
		o.progress = progress;
	if (selftest_run(&o, &r, &e) < 0) {
		/* a directory's problems as validate says them: DIR/FILE: ... */
		struct stat st;
		int dlen = (int)strlen(o.input);

		if (stat(o.input, &st) < 0 || !S_ISDIR(st.st_mode))
			dlen = 0;
		for (; dlen > 1 && o.input[dlen - 1] == '/'; dlen--)
			;
		if (json)
			refused_json(&r, &e);
		for (i = 0; i < r.reasons.n; i++)
			cmd_printf(stderr, "labrun selftest: %.*s%s%s\n", dlen, o.input,
				   dlen ? "/" : "", r.reasons.v[i]);
		rc = e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg)
					 : cmd_fail(c->name, &e);
		goto out;
	}
	if (json) {
		txt = report_json(&r);
		if (!txt) {
			cmd_printf(stderr, "labrun selftest: out of memory\n");
			rc = EXIT_HOST;
			goto out;
		}
		cmd_printf(stdout, "%s\n", txt);
		free(txt);
	} else {
		selftest_print(stdout, &r);
	}
	rc = selftest_exit_code(&r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_printf(stderr, "labrun selftest: writing the output failed\n");
		rc = EXIT_HOST;
	}
out:
	selftest_report_release(&r);
	cmd_env_release(&env);
	return rc;
}
