/* selftest: the qualification matrix (see selftest.h).  It opens the
 * scenario once to list its solutions and refuse a bad one early, then
 * runs every session through session_run, as `labrun run` would, with
 * the candidate's script taken from solutions/.  The sessions' evidence is
 * signed by a key that lives only in memory and is deleted as soon as the
 * result is read; the private work directory goes at the end.  It does
 * not print, and it does not decide exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/bundle.h"
#include "runner/dryrun.h"
#include "runner/selftest.h"
#include "runner/sign.h"

#define UNTOUCHED_SCRIPT "#!/bin/bash\n# selftest: the untouched state; the candidate does nothing\n"
#define MUST_FAIL "# must-fail:"

const char *selftest_kind_name(enum selftest_kind k)
{
	switch (k) {
	case SELFTEST_UNTOUCHED:
		return "untouched";
	case SELFTEST_REFERENCE:
		return "reference";
	case SELFTEST_WRONG:
		break;
	}
	return "wrong";
}

/* The check ids of a wrong solution's "# must-fail:" line, among its first
 * SOLUTION_HEADER_LINES lines (scenario_load has checked its form). */
static void must_fail_ids(const struct tar_entry *t, struct selftest_row *row)
{
	const char *p = (const char *)t->data, *end = p + t->len, *nl, *s;
	size_t plen = strlen(MUST_FAIL), n;
	unsigned line;

	for (line = 1; p < end && line <= SOLUTION_HEADER_LINES; line++, p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if ((size_t)(nl - p) < plen || memcmp(p, MUST_FAIL, plen))
			continue;
		for (s = p + plen; s < nl && row->nmust_fail < SELFTEST_MAX_MUST_FAIL;) {
			while (s < nl && (*s == ' ' || *s == '\t' || *s == '\r'))
				s++;
			for (n = 0; s + n < nl && s[n] != ' ' && s[n] != '\t' && s[n] != '\r'; n++)
				;
			if (!n)
				break;
			if (n < sizeof row->must_fail[0])
				snprintf(row->must_fail[row->nmust_fail++],
					 sizeof row->must_fail[0], "%.*s", (int)n, s);
			s += n;
		}
		return;
	}
}

static struct selftest_row *add_row(struct selftest_report *r,
				    enum selftest_kind kind, const char *name,
				    unsigned run)
{
	struct selftest_row *row = &r->rows[r->nrows++];

	memset(row, 0, sizeof *row);
	row->kind = kind;
	row->run = run;
	snprintf(row->name, sizeof row->name, "%s", name);
	return row;
}

static const struct session_check *find_check(const struct selftest_row *row,
					      const char *id)
{
	size_t i;

	for (i = 0; i < row->nchecks; i++)
		if (!strcmp(row->checks[i].id, id))
			return &row->checks[i];
	return NULL;
}

/* The checks of a row that did not pass, as "a, b" (for messages). */
static void failed_checks(const struct selftest_row *row, char *out, size_t size)
{
	size_t i, n = 0;

	out[0] = 0;
	for (i = 0; i < row->nchecks && n < size; i++)
		if (strcmp(row->checks[i].status, "pass"))
			n += (size_t)snprintf(out + n, size - n, "%s%s",
					      n ? ", " : "", row->checks[i].id);
}

/* Did the row meet what its kind expects? */
static void judge(struct selftest_row *row, unsigned pass_mark)
{
	char list[400], on[96] = "";
	const struct session_check *c;
	size_t i;

	/* which variant, when the scenario has them */
	if (row->variant[0])
		snprintf(on, sizeof on, " on variant %s", row->variant);

	if (!strcmp(row->verdict, "error")) {
		row->mark = SELFTEST_ERROR;
		snprintf(row->why, sizeof row->why, "%s%s (run %u) erred: %.400s",
			 row->name, on, row->run, row->error[0] ? row->error : "no reason given");
		return;
	}
	row->mark = SELFTEST_MET;
	switch (row->kind) {
	case SELFTEST_UNTOUCHED:
		if (!strcmp(row->verdict, "pass")) {
			row->mark = SELFTEST_MISSED;
			snprintf(row->why, sizeof row->why,
				 "the untouched state passes%s (run %u, score %u, pass mark %u): the fault breaks nothing the grader checks",
				 on, row->run, row->score, pass_mark);
		}
		return;
	case SELFTEST_REFERENCE:
		if (strcmp(row->verdict, "pass")) {
			failed_checks(row, list, sizeof list);
			row->mark = SELFTEST_MISSED;
			snprintf(row->why, sizeof row->why,
				 "solutions/reference.sh fails%s (run %u, score %u, pass mark %u); checks not passed: %s",
				 on, row->run, row->score, pass_mark, list[0] ? list : "none");
		}
		return;
	case SELFTEST_WRONG:
		break;
	}
	for (i = 0; i < row->nmust_fail; i++) {
		c = find_check(row, row->must_fail[i]);
		if (!c) {
			row->mark = SELFTEST_MISSED;
			snprintf(row->why, sizeof row->why,
				 "solutions/%s.sh names check %s on its must-fail line, and the grader returns no such check%s",
				 row->name, row->must_fail[i], on);
			return;
		}
		if (!strcmp(c->status, "pass")) {
			row->mark = SELFTEST_MISSED;
			snprintf(row->why, sizeof row->why,
				 "solutions/%s.sh passes check %s%s, which it must fail: the grader is lenient there",
				 row->name, c->id, on);
			return;
		}
	}
	if (strcmp(row->verdict, "fail")) {
		row->mark = SELFTEST_MISSED;
		snprintf(row->why, sizeof row->why,
			 "solutions/%s.sh passes%s (score %u, pass mark %u): a known-wrong fix is accepted",
			 row->name, on, row->score, pass_mark);
	}
}

/* Take the session's result into the row (the checks move). */
static void take_result(struct selftest_row *row, struct session_result *res)
{
	snprintf(row->verdict, sizeof row->verdict, "%s", res->verdict);
	snprintf(row->variant, sizeof row->variant, "%s", res->variant);
	row->score = res->score;
	row->duration_ms = res->duration_ms;
	snprintf(row->error, sizeof row->error, "%s", res->error);
	/* an error verdict from the grader's own checks: say which */
	for (size_t i = 0; !row->error[0] && i < res->nchecks; i++)
		if (!strcmp(res->checks[i].status, "error"))
			snprintf(row->error, sizeof row->error, "check %s: %s",
				 res->checks[i].id,
				 res->checks[i].message ? res->checks[i].message : "");
	row->checks = res->checks;
	row->nchecks = res->nchecks;
	res->checks = NULL;
	res->nchecks = 0;
}

/* Runs of one kind that disagree with the most common verdict of that
 * kind; rows with an error are not counted (they are errors, not flakes). */
static void count_flakes(struct selftest_report *r, enum selftest_kind kind,
			 const char *variant)
{
	unsigned npass = 0, nfail = 0;
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		if (r->rows[i].kind != kind || r->rows[i].mark == SELFTEST_ERROR ||
		    strcmp(r->rows[i].variant, variant))
			continue;
		if (!strcmp(r->rows[i].verdict, "pass"))
			npass++;
		else
			nfail++;
	}
	r->repeated += npass + nfail;
	r->disagreed += npass < nfail ? npass : nfail;
}

static void conclude(struct selftest_report *r)
{
	size_t i;
	int erred = 0, missed = 0;

	/* runs agree within a variant; variants may differ (they are
	 * judged row by row) */
	for (i = 0; i < (r->nvariants ? r->nvariants : 1); i++) {
		const char *v = r->nvariants ? r->variants[i] : "";

		count_flakes(r, SELFTEST_UNTOUCHED, v);
		count_flakes(r, SELFTEST_REFERENCE, v);
	}
	for (i = 0; i < r->nrows; i++) {
		const struct selftest_row *row = &r->rows[i];

		if (row->mark == SELFTEST_MET)
			continue;
		if (row->mark == SELFTEST_ERROR)
			erred = 1;
		else
			missed = 1;
		problems_add(&r->reasons, "%s", row->why);
	}
	if (r->disagreed) {
		missed = 1;
		problems_add(&r->reasons,
			     "repeated runs disagree: %u of %u runs differ from the others of their kind (flake rate %u%%)",
			     r->disagreed, r->repeated, r->disagreed * 100 / r->repeated);
	}
	if (r->interrupted) {
		erred = 1;
		problems_add(&r->reasons, "interrupted after %zu session%s", r->nrows,
			     r->nrows == 1 ? "" : "s");
	}
	r->outcome = erred ? SELFTEST_ERRED : missed ? SELFTEST_NOT_QUALIFIED
						      : SELFTEST_QUALIFIED;
}

/* What each check rests on, from the first untouched and reference runs,
 * when both were judged (an erring matrix says nothing of its checks). */
static int analyse(struct selftest_report *r, const struct tar_list *files,
		   const struct scenario *sc, const char *dir,
		   const struct sign_sec *key, struct err *e)
{
	const struct selftest_row *u = NULL, *ref = NULL;
	char upath[PATH_MAX + 32], rpath[PATH_MAX + 32];
	struct sign_pub pub;
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		if (r->rows[i].run != 1)
			continue;
		/* the first of each: the first variant's, as kept */
		if (r->rows[i].kind == SELFTEST_UNTOUCHED && !u)
			u = &r->rows[i];
		else if (r->rows[i].kind == SELFTEST_REFERENCE && !ref)
			ref = &r->rows[i];
	}
	if (!u || !ref || r->interrupted || u->mark == SELFTEST_ERROR ||
	    ref->mark == SELFTEST_ERROR || strcmp(ref->verdict, "pass")) {
		snprintf(r->rests.why, sizeof r->rests.why,
			 "not analysed: it needs a judged untouched run and a passing reference run");
		return 0;
	}
	snprintf(upath, sizeof upath, "%s/untouched-1.ev", dir);
	snprintf(rpath, sizeof rpath, "%s/reference-1.ev", dir);
	sign_sec_pub(key, &pub);
	if (rests_analyse(files, sc, upath, rpath, &pub, &r->rests, e) < 0)
		return -1;
	for (i = 0; i < r->rests.n; i++)
		r->forgeable += r->rests.checks[i].forgeable;
	return 0;
}

struct plan_item {
	enum selftest_kind kind;
	const char *name;        /* row name */
	const struct tar_entry *script; /* NULL: untouched */
	unsigned run;
	const char *variant;     /* the scenario's variant, or NULL: none */
	size_t vindex;           /* its index (0 without variants) */
};

/* The report's list of the scenario's variants. */
static int copy_variants(struct selftest_report *r, const struct scenario *sc)
{
	if (!sc->nvariants)
		return 0;
	r->variants = calloc(sc->nvariants, sizeof *r->variants);
	if (!r->variants)
		return -1;
	for (size_t i = 0; i < sc->nvariants; i++)
		snprintf(r->variants[i], sizeof r->variants[i], "%s", sc->variants[i]);
	r->nvariants = sc->nvariants;
	return 0;
}

int selftest_run(const struct selftest_opts *o, struct selftest_report *r,
		 struct err *e)
{
	struct tar_list files = {0};
	struct scenario sc = {0};
	struct sign_sec *key = NULL;
	struct plan_item *plan = NULL;
	const struct tar_entry *t;
	char dir[PATH_MAX] = "", script[PATH_MAX + 128], out[PATH_MAX + 128], cand[32];
	char wrong_names[SELFTEST_MAX_WRONG][80];
	size_t nplan = 0, nwrong = 0, nvar = 1, total, i, k, v;
	char keyid[17];
	int have_sc = 0, unsigned_dir, rc = -1;
	int64_t t0 = time_mono_ms();

	memset(r, 0, sizeof *r);
	r->runs = o->runs;
	if (bundle_load(o->input, o->trust, &o->lim, &files, r->digest, keyid,
			&unsigned_dir, e) < 0)
		goto out;
	/* A directory gets validate's checks, agentd's and the grader's dry
	 * run included, once for every session: a scenario that cannot work
	 * is refused before the first one. */
	if ((unsigned_dir && !o->validated
		     ? scenario_validate(&files, o->max_depth, &sc, &r->reasons, e)
			  : scenario_load(&files, o->max_depth, &sc, &r->reasons, e)) < 0) {
		if (r->reasons.n)
			err_set(e, ERR_REFUSED, "%s: %zu problem%s in the scenario",
				o->input, r->reasons.n, r->reasons.n == 1 ? "" : "s");
		goto out;
	}
	have_sc = 1;
	if (copy_variants(r, &sc) < 0) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	nvar = sc.nvariants ? sc.nvariants : 1;
	snprintf(r->scenario, sizeof r->scenario, "%s %s", sc.id, sc.version);
	r->pass_mark = sc.pass_mark;
	for (i = 0; i < files.n; i++) {
		t = &files.v[i];
		if (t->is_dir || strncmp(t->name, "solutions/wrong-", 16))
			continue;
		if (nwrong == SELFTEST_MAX_WRONG) {
			err_set(e, ERR_REFUSED,
				"%s: more than %d wrong-*.sh solutions; hint: keep the ones that catch a distinct lenient check",
				o->input, SELFTEST_MAX_WRONG);
			goto out;
		}
		snprintf(wrong_names[nwrong++], sizeof wrong_names[0], "%.*s",
			 (int)(strlen(t->name) - 13), t->name + 10);
	}
	total = nvar * (2 * (size_t)o->runs + nwrong);
	if (total > SELFTEST_MAX_SESSIONS) {
		err_set(e, ERR_USAGE,
			"--runs %u: %zu variant%s x (2 x %u runs + %zu wrong solutions) is %zu sessions, over %d; hint: fewer --runs",
			o->runs, nvar, nvar == 1 ? "" : "s", o->runs, nwrong, total,
			SELFTEST_MAX_SESSIONS);
		goto out;
	}
	plan = calloc(total, sizeof *plan);
	r->rows = calloc(total, sizeof *r->rows);
	if (!plan || !r->rows) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	r->cap = total;
	/* variant by variant: each is qualified as a scenario of its own */
	for (v = 0; v < nvar; v++) {
		const char *var = sc.nvariants ? sc.variants[v] : NULL;

		for (k = 1; k <= o->runs; k++) {
			plan[nplan++] = (struct plan_item){SELFTEST_UNTOUCHED, "untouched", NULL,
							   (unsigned)k, var, v};
			plan[nplan++] = (struct plan_item){SELFTEST_REFERENCE, "reference",
							   tar_list_find(&files, "solutions/reference.sh"),
							   (unsigned)k, var, v};
		}
		for (i = 0; i < nwrong; i++) {
			snprintf(script, sizeof script, "solutions/%.79s.sh", wrong_names[i]);
			plan[nplan++] = (struct plan_item){SELFTEST_WRONG, wrong_names[i],
							   tar_list_find(&files, script), 1,
							   var, v};
		}
	}
	if (sign_sec_ephemeral(&key, e) < 0 || private_dir("selftest", "a private directory for the selftest", dir, sizeof dir, e) < 0)
		goto out;
	for (i = 0; i < nplan; i++) {
		struct session_opts so = {0};
		struct session_result res = {0};
		struct selftest_row *row;
		struct err se = {0};
		int src, keep;

		if (o->stop && *o->stop) {
			r->interrupted = 1;
			break;
		}
		snprintf(script, sizeof script, "%s/%s.sh", dir, plan[i].name);
		snprintf(cand, sizeof cand, "selftest-%u", plan[i].run);
		if (write_file_atomic(script, plan[i].script ? plan[i].script->data
							      : (const unsigned char *)UNTOUCHED_SCRIPT,
				      plan[i].script ? plan[i].script->len
						     : strlen(UNTOUCHED_SCRIPT),
				      0644, e) < 0)
			goto out;
		row = add_row(r, plan[i].kind, plan[i].name, plan[i].run);
		if (plan[i].variant)
			snprintf(row->variant, sizeof row->variant, "%s", plan[i].variant);
		if (plan[i].script && plan[i].kind == SELFTEST_WRONG)
			must_fail_ids(plan[i].script, row);
		so.input = o->input;
		so.variant = plan[i].variant;
		so.validated = 1;
		so.trust = o->trust;
		so.key = key;
		so.candidate = cand;
		so.script = script;
		so.stop = o->stop;
		/* the first untouched and reference runs (of the first
		 * variant) are kept for the analysis of what each check rests
		 * on */
		keep = plan[i].run == 1 && plan[i].vindex == 0 &&
		       plan[i].kind != SELFTEST_WRONG;
		if (keep)
			snprintf(out, sizeof out, "%s/%s-1.ev", dir, plan[i].name);
		else
			snprintf(out, sizeof out, "%s/scratch.ev", dir);
		so.out = out;
		so.attempt = 1;
		so.cfg = o->cfg;
		so.lim = o->lim;
		so.max_depth = o->max_depth;
		src = session_run(&so, &res, &se);
		if (!keep)
			unlink(out);
		if (src < 0 && se.kind != ERR_HOST && se.kind != ERR_BUG) {
			/* The scenario read well a moment ago: refused now,
			 * it changed underneath us. */
			*e = se;
			session_result_release(&res);
			goto out;
		}
		if (src < 0) {
			snprintf(row->verdict, sizeof row->verdict, "error");
			snprintf(row->error, sizeof row->error, "%.590s", se.msg);
		} else {
			take_result(row, &res);
		}
		session_result_release(&res);
		judge(row, r->pass_mark);
		if (o->progress)
			o->progress(o->ctx, row, i + 1, nplan);
		if (src < 0)
			break; /* the host cannot make sessions: one error says it */
	}
	if (o->stop && *o->stop)
		r->interrupted = 1;
	if (analyse(r, &files, &sc, dir, key, e) < 0)
		goto out;
	conclude(r);
	rc = 0;
out:
	r->duration_ms = time_mono_ms() - t0;
	if (dir[0])
		remove_tree(dir, NULL);
	sign_sec_free(key);
	free(plan);
	if (have_sc)
		scenario_release(&sc);
	tar_list_release(&files);
	return rc;
}

void selftest_report_release(struct selftest_report *r)
{
	size_t i, k;

	for (i = 0; i < r->nrows; i++) {
		for (k = 0; k < r->rows[i].nchecks; k++) {
			free(r->rows[i].checks[k].message);
			free(r->rows[i].checks[k].title);
		}
		free(r->rows[i].checks);
	}
	free(r->rows);
	free(r->variants);
	problems_release(&r->reasons);
	rests_report_release(&r->rests);
	memset(r, 0, sizeof *r);
}
