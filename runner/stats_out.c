/* stats_out: labrun stats's figures as text for the terminal and as the
 * JSON object of docs/stats.md.  Privacy is applied here, and the same way
 * in both: a count or a rate over fewer than STATS_MIN_CELL (but some)
 * candidates is "<5"; a scenario with fewer candidates shows nothing but
 * that; pseudonyms only with --by-candidate.  jansson is used here and
 * not exposed. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/stats.h"

#define SMALL(c) ((c) > 0 && (c) < STATS_MIN_CELL)

static const char *const flag_names[] = {
	"nobody-passes", "everybody-passes", "negative-discrimination",
	"low-discrimination",
};

static const char *const recert_names[] = {"renewed", "retake", "error"};

/* ---- JSON ---- */

struct jb {
	int bad;
};

static json_t *keep(struct jb *j, json_t *v)
{
	if (!v)
		j->bad = 1;
	return v;
}

static void put(struct jb *j, json_t *o, const char *k, json_t *v)
{
	if (!v || json_object_set_new(o, k, v) < 0)
		j->bad = 1;
}

static void push(struct jb *j, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) < 0)
		j->bad = 1;
}

static json_t *small(struct jb *j)
{
	return keep(j, json_string("<5"));
}

/* A string that may not be UTF-8 (a file name, a message quoting one):
 * an invalid byte as the text \xNN, as the command log writes it. */
static json_t *text(struct jb *j, const char *s)
{
	struct buf b = BUF_INIT;
	json_t *v = NULL;

	if (utf8_escape((const unsigned char *)s, strlen(s), &b, NULL) == 0)
		v = json_stringn(b.data ? (const char *)b.data : "", b.len);
	buf_release(&b);
	return keep(j, v);
}

/* A count over cands candidates. */
static json_t *count(struct jb *j, unsigned n, unsigned cands)
{
	return SMALL(cands) ? small(j) : keep(j, json_integer(n));
}

static json_t *val(struct jb *j, struct stats_val v)
{
	return v.ok ? keep(j, json_real(v.v)) : keep(j, json_null());
}

/* A figure over cands candidates. */
static json_t *fig(struct jb *j, struct stats_val v, unsigned cands)
{
	return SMALL(cands) ? small(j) : val(j, v);
}

static struct stats_val sv(double v)
{
	struct stats_val x = {1, v};

	return x;
}

/* A fraction as a percentage, undefined kept undefined. */
static struct stats_val pct(struct stats_val v)
{
	v.v *= 100;
	return v;
}

static json_t *spread_json(struct jb *j, struct stats_val med, struct stats_val p90,
			   unsigned cands)
{
	json_t *o;

	if (SMALL(cands))
		return small(j);
	o = keep(j, json_object());
	put(j, o, "median", val(j, med));
	put(j, o, "p90", val(j, p90));
	return o;
}

static json_t *flags_json(struct jb *j, unsigned flags)
{
	json_t *a = keep(j, json_array());

	for (unsigned b = 0; b < 4; b++)
		if (flags & (1u << b))
			push(j, a, json_string(flag_names[b]));
	return a;
}

static json_t *checks_json(struct jb *j, const struct stats_group *g)
{
	json_t *a = keep(j, json_array());

	for (size_t i = 0; i < g->nchecks; i++) {
		const struct stats_check *c = &g->checks[i];
		json_t *o = keep(j, json_object());

		put(j, o, "id", json_string(c->id));
		put(j, o, "kind", json_string(c->kind));
		put(j, o, "weight", json_integer(c->weight));
		put(j, o, "difficulty", json_real(c->difficulty));
		put(j, o, "point_biserial", val(j, c->pbis));
		put(j, o, "upper_lower", val(j, c->ul));
		put(j, o, "flags", flags_json(j, c->flags));
		push(j, a, o);
	}
	return a;
}

static json_t *variants_json(struct jb *j, const struct stats_group *g)
{
	json_t *o, *rows;

	if (!g->nvariants)
		return keep(j, json_null());
	o = keep(j, json_object());
	rows = keep(j, json_array());
	for (size_t i = 0; i < g->nvariants; i++) {
		const struct stats_variant *v = &g->variants[i];
		json_t *r = keep(j, json_object());
		unsigned c = v->candidates;

		put(j, r, "variant", json_string(v->id));
		put(j, r, "attempts", count(j, v->attempts, c));
		put(j, r, "candidates", count(j, c, c));
		put(j, r, "pass_rate", fig(j, sv(v->pass_rate), c));
		put(j, r, "mean_score", fig(j, sv(v->mean_score), c));
		put(j, r, "duration_s", spread_json(j, v->dur_med, v->dur_p90, c));
		push(j, rows, r);
	}
	put(j, o, "rows", rows);
	put(j, o, "test", g->test ? json_string(g->test) : json_null());
	put(j, o, "chi2", val(j, g->chi2));
	put(j, o, "df", g->chi2.ok ? json_integer(g->df) : json_null());
	put(j, o, "p_chi2", val(j, g->p_chi));
	put(j, o, "p_fisher", val(j, g->p_fisher));
	put(j, o, "p", val(j, g->p));
	put(j, o, "unfair", json_boolean(g->unfair));
	return o;
}

static json_t *hints_json(struct jb *j, const struct stats_group *g)
{
	json_t *a = keep(j, json_array());

	for (size_t i = 0; i < g->nhints; i++) {
		const struct stats_hint *h = &g->hints[i];
		json_t *o = keep(j, json_object());

		put(j, o, "hint", json_integer(h->index));
		put(j, o, "share", fig(j, sv((double)h->with / g->graded), h->with_cands));
		put(j, o, "pass_rate_with",
		    h->with ? fig(j, sv((double)h->with_passed / h->with), h->with_cands)
			    : json_null());
		put(j, o, "pass_rate_without",
		    h->without ? fig(j, sv((double)h->without_passed / h->without),
				     h->without_cands)
			       : json_null());
		push(j, a, o);
	}
	return a;
}

static json_t *time_json(struct jb *j, const struct stats_group *g)
{
	json_t *o = keep(j, json_object());
	const struct stats_step_times *s = &g->steps;

	put(j, o, "duration_s", spread_json(j, g->dur_med, g->dur_p90, g->graded_cands));
	if (!s->has) {
		put(j, o, "first_step_s", json_string("n/a"));
		put(j, o, "last_step_s", json_string("n/a"));
	} else {
		put(j, o, "first_step_s", spread_json(j, s->first_med, s->first_p90, s->candidates));
		put(j, o, "last_step_s", spread_json(j, s->last_med, s->last_p90, s->candidates));
	}
	put(j, o, "with_steps", count(j, s->n, s->candidates));
	return o;
}

static json_t *score_json(struct jb *j, const struct stats_group *g)
{
	json_t *o = keep(j, json_object()), *h = keep(j, json_array());

	put(j, o, "mean", val(j, g->score_mean));
	put(j, o, "median", val(j, g->score_med));
	put(j, o, "p90", val(j, g->score_p90));
	for (unsigned b = 0; b < STATS_BINS; b++) {
		json_t *bin = keep(j, json_object());

		put(j, bin, "from", json_integer(b * 100 / STATS_BINS));
		put(j, bin, "to", json_integer((b + 1) * 100 / STATS_BINS));
		put(j, bin, "count", count(j, g->hist[b], g->hist_cands[b]));
		push(j, h, bin);
	}
	put(j, o, "histogram", h);
	return o;
}

static json_t *group_json(struct jb *j, const struct stats_group *g)
{
	json_t *o = keep(j, json_object()), *r;
	unsigned c = (unsigned)g->ncands;
	int hide = c < STATS_MIN_CELL;

	put(j, o, "id", json_string(g->id));
	put(j, o, "version", json_string(g->version));
	put(j, o, "suppressed", json_boolean(hide));
	put(j, o, "attempts", count(j, (unsigned)g->n, c));
	put(j, o, "candidates", count(j, c, c));
	if (hide)
		return o;
	put(j, o, "errors", json_integer(g->errors));
	put(j, o, "graded", json_integer(g->graded));
	put(j, o, "pass_rate", g->graded ? fig(j, sv(g->pass_rate), g->graded_cands)
				       : keep(j, json_null()));
	put(j, o, "score", score_json(j, g));
	put(j, o, "time", time_json(j, g));
	put(j, o, "hints", hints_json(j, g));
	r = keep(j, json_object());
	put(j, r, "kr20", val(j, g->kr20));
	put(j, r, "alpha", val(j, g->alpha));
	put(j, r, "checks", json_integer((json_int_t)g->nchecks));
	put(j, o, "reliability", r);
	put(j, o, "checks", checks_json(j, g));
	put(j, o, "variants", variants_json(j, g));
	return o;
}

static json_t *candidates_json(struct jb *j, const struct stats_data *d)
{
	json_t *a = keep(j, json_array());

	for (size_t i = 0; i < d->ngroups; i++) {
		const struct stats_group *g = &d->groups[i];

		for (size_t c = 0; c < g->ncands; c++) {
			json_t *o = keep(j, json_object());
			unsigned n = 0, passed = 0, best = 0;

			for (size_t k = 0; k < g->n; k++) {
				if (g->v[k].cand != c)
					continue;
				n++;
				passed |= g->v[k].passed;
				if (g->v[k].graded && g->v[k].score > best)
					best = g->v[k].score;
			}
			put(j, o, "pseudonym", json_string(g->cands[c]));
			put(j, o, "scenario", json_string(g->id));
			put(j, o, "version", json_string(g->version));
			put(j, o, "attempts", json_integer(n));
			put(j, o, "passed", json_boolean(passed));
			put(j, o, "best_score", json_real(best / 1000.0));
			push(j, a, o);
		}
	}
	return a;
}

int stats_json(const struct stats_data *d, const struct stats_opts *o,
	       struct buf *out, struct err *e)
{
	struct jb j = {0};
	json_t *top = keep(&j, json_object()), *files, *inv, *groups, *rc, *th;
	char *txt = NULL;
	int rv = -1;

	files = keep(&j, json_object());
	put(&j, files, "read", json_integer(d->files));
	put(&j, files, "valid", json_integer(d->valid));
	put(&j, files, "invalid", json_integer(d->invalid_n));
	put(&j, files, "filtered", json_integer(d->filtered));
	put(&j, files, "other_modes", json_integer(d->other_modes));
	inv = keep(&j, json_array());
	for (size_t i = 0; i < d->ninvalid; i++) {
		json_t *x = keep(&j, json_object());

		put(&j, x, "file", text(&j, d->invalid[i].file));
		put(&j, x, "error", text(&j, d->invalid[i].error));
		push(&j, inv, x);
	}
	th = keep(&j, json_object());
	put(&j, th, "min_cell", json_integer(STATS_MIN_CELL));
	put(&j, th, "low_discrimination", json_real(STATS_LOW_DISC));
	put(&j, th, "significance", json_real(STATS_ALPHA));
	put(&j, th, "upper_lower_share", json_real(STATS_UL_SHARE));
	groups = keep(&j, json_array());
	for (size_t i = 0; i < d->ngroups; i++)
		push(&j, groups, group_json(&j, &d->groups[i]));
	rc = keep(&j, json_array());
	for (size_t i = 0; i < d->nrecert; i++) {
		json_t *x = keep(&j, json_object());

		put(&j, x, "platform", json_string(d->recert[i].platform));
		for (int k = 0; k < 3; k++)
			put(&j, x, recert_names[k],
			    count(&j, d->recert[i].count[k], (unsigned)d->recert[i].ncands[k]));
		push(&j, rc, x);
	}
	put(&j, top, "schema", json_string("labrun.stats/1"));
	put(&j, top, "files", files);
	put(&j, top, "invalid", inv);
	put(&j, top, "thresholds", th);
	put(&j, top, "scenarios", groups);
	put(&j, top, "recert", rc);
	if (o->by_candidate)
		put(&j, top, "candidates", candidates_json(&j, d));
	if (j.bad || !(txt = json_dumps(top, JSON_SORT_KEYS | JSON_INDENT(2) |
						 JSON_REAL_PRECISION(10)))) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	if (buf_puts(out, txt, e) < 0 || buf_puts(out, "\n", e) < 0)
		goto out;
	rv = 0;
out:
	free(txt);
	json_decref(top);
	return rv;
}

/* ---- text ---- */

struct tx {
	struct buf *b;
	struct err *e;
	int bad;
};

static void tp(struct tx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tp(struct tx *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (t->bad)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_append(t->b, s, (size_t)n, t->e) < 0)
		t->bad = 1;
	free(s);
}

/* A figure as text: "<5", "-" (undefined) or the number with prec
 * decimals and unit (prec -1: 4 significant digits). */
static const char *tfu(char out[32], struct stats_val v, unsigned cands, int prec,
		       const char *unit)
{
	if (SMALL(cands))
		return "<5";
	if (!v.ok)
		return "-";
	if (prec < 0)
		snprintf(out, 32, "%.4g%s", v.v, unit);
	else
		snprintf(out, 32, "%.*f%s", prec, v.v, unit);
	return out;
}

static const char *tn(char out[32], unsigned n, unsigned cands)
{
	if (SMALL(cands))
		return "<5";
	snprintf(out, 32, "%u", n);
	return out;
}

static void text_time(struct tx *t, const struct stats_group *g)
{
	const struct stats_step_times *s = &g->steps;
	char a[32], b[32];

	tp(t, "  duration:   median %s s, p90 %s s\n",
	   tfu(a, g->dur_med, g->graded_cands, 1, ""),
	   tfu(b, g->dur_p90, g->graded_cands, 1, ""));
	if (!s->has) {
		tp(t, "  first step: n/a (no audit trail)\n  last step:  n/a\n");
		return;
	}
	tp(t, "  first step: median %s s, p90 %s s\n",
	   tfu(a, s->first_med, s->candidates, 1, ""), tfu(b, s->first_p90, s->candidates, 1, ""));
	tp(t, "  last step:  median %s s, p90 %s s\n",
	   tfu(a, s->last_med, s->candidates, 1, ""), tfu(b, s->last_p90, s->candidates, 1, ""));
}

static void text_checks(struct tx *t, const struct stats_group *g)
{
	char a[32], b[32], c[32];

	tp(t, "  reliability: KR-20 %s, Cronbach's alpha %s (%zu checks)\n",
	   tfu(a, g->kr20, 0, 3, ""), tfu(b, g->alpha, 0, 3, ""), g->nchecks);
	tp(t, "  %-24s %6s %10s %7s %7s  %s\n", "check", "weight", "difficulty",
	   "r_pbis", "U-L", "flags");
	for (size_t i = 0; i < g->nchecks; i++) {
		const struct stats_check *k = &g->checks[i];
		struct stats_val dv = {1, k->difficulty};
		char f[160] = "";

		for (unsigned bit = 0; bit < 4; bit++)
			if (k->flags & (1u << bit))
				snprintf(f + strlen(f), sizeof f - strlen(f), "%s%s",
					 f[0] ? ", " : "", flag_names[bit]);
		tp(t, "  %-24s %6u %10s %7s %7s  %s\n", k->id, k->weight,
		   tfu(a, dv, 0, 3, ""), tfu(b, k->pbis, 0, 3, ""), tfu(c, k->ul, 0, 3, ""), f);
	}
}

static void text_variants(struct tx *t, const struct stats_group *g)
{
	char a[32], b[32], c[32], d[32];

	if (!g->nvariants)
		return;
	tp(t, "  %-24s %8s %10s %9s %10s\n", "variant", "attempts", "pass rate",
	   "mean", "median s");
	for (size_t i = 0; i < g->nvariants; i++) {
		const struct stats_variant *v = &g->variants[i];

		tp(t, "  %-24s %8s %10s %9s %10s\n", v->id, tn(a, v->attempts, v->candidates),
		   tfu(b, sv(v->pass_rate * 100), v->candidates, 1, "%"),
		   tfu(c, sv(v->mean_score * 100), v->candidates, 1, "%"),
		   tfu(d, v->dur_med, v->candidates, 1, ""));
	}
	if (g->test)
		tp(t, "  fairness:   %s p = %s%s\n", g->test, tfu(a, g->p, 0, -1, ""),
		   g->unfair ? "  UNFAIR: the variants differ" : "");
	else
		tp(t, "  fairness:   no test (every attempt passed or every one failed)\n");
	if (g->chi2.ok)
		tp(t, "  chi-square: %.3f, %u df, p = %.4g\n", g->chi2.v, g->df, g->p_chi.v);
}

static void text_hints(struct tx *t, const struct stats_group *g)
{
	char a[32], b[32], c[32];

	for (size_t i = 0; i < g->nhints; i++) {
		const struct stats_hint *h = &g->hints[i];
		struct stats_val w = {h->with > 0, h->with ? (double)h->with_passed / h->with * 100 : 0};
		struct stats_val wo = {h->without > 0,
				       h->without ? (double)h->without_passed / h->without * 100 : 0};

		tp(t, "  hint %u:     used by %s, pass rate %s with, %s without\n", h->index,
		   tfu(a, sv((double)h->with / g->graded * 100), h->with_cands, 1, "%"),
		   tfu(b, w, h->with_cands, 1, "%"), tfu(c, wo, h->without_cands, 1, "%"));
	}
}

static void text_group(struct tx *t, const struct stats_group *g)
{
	char a[32], b[32], c[32];

	tp(t, "\n%s %s\n", g->id, g->version);
	if (g->ncands < STATS_MIN_CELL) {
		tp(t, "  suppressed: <5 candidates\n");
		return;
	}
	tp(t, "  attempts:   %zu (%u graded, %u errors), %zu candidates\n", g->n,
	   g->graded, g->errors, g->ncands);
	tp(t, "  pass rate:  %s\n", g->graded ? tfu(a, sv(g->pass_rate * 100),
							g->graded_cands, 1, "%") : "-");
	tp(t, "  score:      mean %s, median %s, p90 %s\n",
	   tfu(a, pct(g->score_mean), 0, 1, "%"), tfu(b, pct(g->score_med), 0, 1, "%"),
	   tfu(c, pct(g->score_p90), 0, 1, "%"));
	tp(t, "  histogram: ");
	for (unsigned k = 0; k < STATS_BINS; k++)
		tp(t, " %s", tn(a, g->hist[k], g->hist_cands[k]));
	tp(t, "  (0-10%% ... 90-100%%)\n");
	text_time(t, g);
	text_hints(t, g);
	text_checks(t, g);
	text_variants(t, g);
}

int stats_text(const struct stats_data *d, const struct stats_opts *o,
	       struct buf *out, struct err *e)
{
	struct tx t = {out, e, 0};
	char a[32], b[32], c[32];

	tp(&t, "evidence: %u file%s, %u valid, %u invalid (skipped), %u outside "
	   "--scenario/--since, %u regrades or reviews (not counted)\n",
	   d->files, d->files == 1 ? "" : "s", d->valid, d->invalid_n, d->filtered, d->other_modes);
	for (size_t i = 0; i < d->ninvalid && i < 20; i++)
		tp(&t, "  invalid: %s: %s\n", d->invalid[i].file, d->invalid[i].error);
	if (d->ninvalid > 20)
		tp(&t, "  ... and %zu more (--json lists every one)\n", d->ninvalid - 20);
	for (size_t i = 0; i < d->ngroups; i++)
		text_group(&t, &d->groups[i]);
	if (d->nrecert)
		tp(&t, "\nrecertification (replays, per platform version)\n");
	for (size_t i = 0; i < d->nrecert; i++) {
		const struct stats_recert *r = &d->recert[i];

		tp(&t, "  %-24s renewed %s, retake %s, error %s\n", r->platform,
		   tn(a, r->count[0], (unsigned)r->ncands[0]),
		   tn(b, r->count[1], (unsigned)r->ncands[1]),
		   tn(c, r->count[2], (unsigned)r->ncands[2]));
	}
	if (o->by_candidate) {
		tp(&t, "\nby candidate (--by-candidate)\n");
		for (size_t i = 0; i < d->ngroups; i++) {
			const struct stats_group *g = &d->groups[i];

			for (size_t k = 0; k < g->ncands; k++) {
				unsigned n = 0, passed = 0, best = 0;

				for (size_t x = 0; x < g->n; x++) {
					if (g->v[x].cand != k)
						continue;
					n++;
					passed |= g->v[x].passed;
					if (g->v[x].graded && g->v[x].score > best)
						best = g->v[x].score;
				}
				tp(&t, "  %s  %s %s: %u attempt%s, %s, best %.1f%%\n",
				   g->cands[k], g->id, g->version, n, n == 1 ? "" : "s",
				   passed ? "passed" : "not passed", best / 10.0);
			}
		}
	}
	return t.bad ? -1 : 0;
}
