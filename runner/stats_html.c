/* stats_html: labrun stats --html: the figures as one self-contained
 * page (page.c writes it), with SVG charts drawn here: the score
 * histogram, difficulty against discrimination per check, and box plots
 * of the session's duration per variant.  No script, nothing fetched: the
 * page's Content-Security-Policy allows inline styles and nothing else.
 * The privacy rule is stats_out.c's: a cell of 1 to 4 candidates is
 * "<5" and is not drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/page.h"
#include "runner/stats.h"
#include "runner/stats_calc.h"

#define SMALL(c) ((c) > 0 && (c) < STATS_MIN_CELL)

static const char css[] =
	"body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}"
	"main{max-width:1040px;margin:0 auto;padding:24px}"
	"h1{font-size:24px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;"
	"border-bottom:2px solid #d5d9e0;padding-bottom:4px}h3{font-size:16px;margin:20px 0 6px}"
	"table{border-collapse:collapse;background:#fff;margin:6px 0 12px}"
	"th,td{border:1px solid #d5d9e0;padding:4px 10px;text-align:left}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".flag{color:#a8071a;font-weight:600}.ok{color:#1d6b2f}"
	".charts{display:flex;flex-wrap:wrap;gap:16px}"
	"figure{background:#fff;border:1px solid #d5d9e0;margin:0;padding:8px;max-width:440px}"
	"figcaption{font-size:13px;color:#4a5263;margin-top:4px}"
	"svg text{font:11px system-ui,sans-serif;fill:#1d2330}"
	".muted{color:#4a5263}";

/* A figure over cands candidates into out: "<5", "-" or the number. */
static const char *fv(char out[32], int ok, double v, unsigned cands, int prec,
		      const char *unit)
{
	if (SMALL(cands))
		return "<5";
	if (!ok)
		return "-";
	snprintf(out, 32, "%.*f%s", prec, v, unit);
	return out;
}

static void row(struct page *p, const char *label, const char *value)
{
	page_put(p, "<tr><th>");
	page_escs(p, label);
	page_put(p, "</th><td>");
	page_escs(p, value);
	page_put(p, "</td></tr>\n");
}

static void histogram(struct page *p, const struct stats_group *g)
{
	unsigned max = 1;
	const int w = 420, h = 200, x0 = 40, y0 = 170, bw = 36;

	for (unsigned b = 0; b < STATS_BINS; b++)
		if (!SMALL(g->hist_cands[b]) && g->hist[b] > max)
			max = g->hist[b];
	page_putf(p, "<figure><svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		  "role=\"img\" aria-label=\"score histogram\">\n", w, h, w, h);
	page_putf(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
		  x0, y0, x0 + bw * STATS_BINS, y0);
	for (unsigned b = 0; b < STATS_BINS; b++) {
		int x = x0 + (int)b * bw;

		if (SMALL(g->hist_cands[b])) {
			page_putf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"6\" fill=\"#c9ced8\"/>"
				  "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">&lt;5</text>\n",
				  x + 3, y0 - 6, bw - 6, x + bw / 2, y0 - 10);
		} else {
			int bh = (int)(140.0 * g->hist[b] / max);

			page_putf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#3b6fd4\"/>"
				  "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%u</text>\n",
				  x + 3, y0 - bh, bw - 6, bh, x + bw / 2, y0 - bh - 4, g->hist[b]);
		}
		page_putf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%u</text>\n",
			  x, y0 + 14, b * 100 / STATS_BINS);
	}
	page_putf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">100%%</text>\n",
		  x0 + bw * STATS_BINS, y0 + 14);
	page_put(p, "</svg><figcaption>Scores of graded attempts, 10% bins "
		 "(a bin of fewer than 5 candidates: &lt;5)</figcaption></figure>\n");
}

static void scatter(struct page *p, const struct stats_group *g)
{
	const int w = 420, h = 260, x0 = 50, y0 = 20, pw = 340, ph = 200;

	page_putf(p, "<figure><svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		  "role=\"img\" aria-label=\"difficulty against discrimination\">\n", w, h, w, h);
	page_putf(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n",
		  x0, y0, pw, ph);
	/* y from -1 to 1: 0 and the near-zero threshold */
	page_putf(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
		  x0, y0 + ph / 2, x0 + pw, y0 + ph / 2);
	page_putf(p, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#a8071a\" "
		  "stroke-dasharray=\"4 3\"/>\n", x0, y0 + ph / 2 - STATS_LOW_DISC * ph / 2,
		  x0 + pw, y0 + ph / 2 - STATS_LOW_DISC * ph / 2);
	page_putf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">1</text>"
		  "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>"
		  "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">-1</text>\n",
		  x0 - 4, y0 + 4, x0 - 4, y0 + ph / 2 + 4, x0 - 4, y0 + ph + 4);
	page_putf(p, "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" "
		  "text-anchor=\"end\">1</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
		  "difficulty (share passing)</text>\n", x0, y0 + ph + 14, x0 + pw,
		  y0 + ph + 14, x0 + pw / 2, y0 + ph + 30);
	page_putf(p, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" "
		  "text-anchor=\"middle\">point-biserial</text>\n", y0 + ph / 2, y0 + ph / 2);
	for (size_t i = 0; i < g->nchecks; i++) {
		const struct stats_check *c = &g->checks[i];
		double x = x0 + c->difficulty * pw;
		double y = y0 + ph / 2.0 - (c->pbis.ok ? c->pbis.v : 0) * ph / 2.0;
		int bad = c->flags != 0;

		page_putf(p, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"%s/>",
			  x, y, bad ? "#a8071a" : "#3b6fd4",
			  c->pbis.ok ? "" : " fill-opacity=\"0.4\"");
		page_putf(p, "<text x=\"%.1f\" y=\"%.1f\"%s>", x + (x > x0 + pw - 90 ? -8 : 8),
			  y - 6, x > x0 + pw - 90 ? " text-anchor=\"end\"" : "");
		page_escs(p, c->id);
		page_put(p, "</text>\n");
	}
	page_put(p, "</svg><figcaption>Checks: difficulty against point-biserial "
		 "discrimination; red: flagged, dashed: the near-zero threshold; a "
		 "pale dot has no defined discrimination</figcaption></figure>\n");
}

static int dur_of(const struct stats_group *g, const char *variant, double *v)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].graded && g->v[i].variant && !strcmp(g->v[i].variant, variant))
			v[n++] = g->v[i].duration_s;
	return (int)n;
}

static void boxes(struct page *p, const struct stats_group *g)
{
	const int w = 420, rowh = 36, x0 = 110, pw = 280;
	int h = 40 + rowh * (int)g->nvariants;
	double *v = calloc(g->n + 1, sizeof *v), hi = 1;

	if (!v) {
		p->failed = 1;
		err_set(p->e, ERR_HOST, "out of memory");
		return;
	}
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].graded && g->v[i].duration_s > hi)
			hi = g->v[i].duration_s;
	page_putf(p, "<figure><svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		  "role=\"img\" aria-label=\"time to resolution per variant\">\n", w, h, w, h);
	for (size_t j = 0; j < g->nvariants; j++) {
		const struct stats_variant *vr = &g->variants[j];
		int y = 14 + rowh * (int)j, n = dur_of(g, vr->id, v);
		double q[5];

		page_putf(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", x0 - 8, y + 14);
		page_escs(p, vr->id);
		page_put(p, "</text>\n");
		if (SMALL(vr->candidates) || n == 0) {
			page_putf(p, "<text x=\"%d\" y=\"%d\">&lt;5</text>\n", x0, y + 14);
			continue;
		}
		for (int k = 0; k < 5; k++)
			stats_quantile(v, (size_t)n, k / 4.0, &q[k]);
		for (int k = 0; k < 5; k++)
			q[k] = x0 + q[k] / hi * pw;
		page_putf(p, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>"
			  "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"#cfdcf7\" "
			  "stroke=\"#3b6fd4\"/><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			  "stroke=\"#1d2330\" stroke-width=\"2\"/>\n",
			  q[0], y + 10, q[4], y + 10, q[1], y, q[3] - q[1] < 1 ? 1 : q[3] - q[1],
			  q[2], y, q[2], y + 20);
	}
	page_putf(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
		  "<text x=\"%d\" y=\"%d\">0 s</text><text x=\"%d\" y=\"%d\" "
		  "text-anchor=\"end\">%.0f s</text>\n", x0, h - 22, x0 + pw, h - 22, x0,
		  h - 8, x0 + pw, h - 8, hi);
	page_put(p, "</svg><figcaption>Session duration per variant: minimum, "
		 "quartiles, maximum</figcaption></figure>\n");
	free(v);
}

static void flags_cell(struct page *p, unsigned flags)
{
	static const char *const names[] = {"nobody passes", "everybody passes",
					    "negative discrimination",
					    "near-zero discrimination"};
	int first = 1;

	page_put(p, "<td class=\"flag\">");
	for (unsigned b = 0; b < 4; b++)
		if (flags & (1u << b)) {
			page_putf(p, "%s%s", first ? "" : ", ", names[b]);
			first = 0;
		}
	page_put(p, "</td>");
}

static void checks_table(struct page *p, const struct stats_group *g)
{
	char a[32], b[32], c[32];

	page_putf(p, "<h3>Item analysis</h3><p>Reliability: KR-20 %s, Cronbach's alpha %s "
		  "over %zu checks.</p>\n", fv(a, g->kr20.ok, g->kr20.v, 0, 3, ""),
		  fv(b, g->alpha.ok, g->alpha.v, 0, 3, ""), g->nchecks);
	page_put(p, "<table><tr><th>check</th><th>kind</th><th>weight</th><th>difficulty</th>"
		 "<th>point-biserial</th><th>upper-lower 27%</th><th>flags</th></tr>\n");
	for (size_t i = 0; i < g->nchecks; i++) {
		const struct stats_check *k = &g->checks[i];

		page_put(p, "<tr><td>");
		page_escs(p, k->id);
		page_put(p, "</td><td>");
		page_escs(p, k->kind);
		page_putf(p, "</td><td class=\"n\">%u</td><td class=\"n\">%s</td>"
			  "<td class=\"n\">%s</td><td class=\"n\">%s</td>", k->weight,
			  fv(a, 1, k->difficulty, 0, 3, ""), fv(b, k->pbis.ok, k->pbis.v, 0, 3, ""),
			  fv(c, k->ul.ok, k->ul.v, 0, 3, ""));
		flags_cell(p, k->flags);
		page_put(p, "</tr>\n");
	}
	page_put(p, "</table>\n");
}

static void variants_table(struct page *p, const struct stats_group *g)
{
	char a[32], b[32], c[32], d[32];

	if (!g->nvariants)
		return;
	page_put(p, "<h3>Variant fairness</h3><table><tr><th>variant</th><th>attempts</th>"
		 "<th>pass rate</th><th>mean score</th><th>median duration</th></tr>\n");
	for (size_t i = 0; i < g->nvariants; i++) {
		const struct stats_variant *v = &g->variants[i];
		unsigned n = v->candidates;

		page_put(p, "<tr><td>");
		page_escs(p, v->id);
		snprintf(a, sizeof a, "%u", v->attempts);
		page_putf(p, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s"
			  "</td><td class=\"n\">%s</td></tr>\n", SMALL(n) ? "&lt;5" : a,
			  SMALL(n) ? "&lt;5" : fv(b, 1, v->pass_rate * 100, n, 1, "%"),
			  SMALL(n) ? "&lt;5" : fv(c, 1, v->mean_score * 100, n, 1, "%"),
			  SMALL(n) ? "&lt;5" : fv(d, v->dur_med.ok, v->dur_med.v, n, 1, " s"));
	}
	page_put(p, "</table>\n");
	if (g->test)
		page_putf(p, "<p>%s: p = %.4g. %s</p>\n",
			  !strcmp(g->test, "fisher") ? "Fisher's exact test (two-sided)"
						     : "Pearson's chi-square test",
			  g->p.v, g->unfair ? "<span class=\"flag\">Unfair: the variants' pass "
			  "rates differ (p &lt; 0.05).</span>" : "<span class=\"ok\">No "
			  "significant difference.</span>");
	if (g->chi2.ok)
		page_putf(p, "<p class=\"muted\">Chi-square %.3f, %u df, p = %.4g.</p>\n",
			  g->chi2.v, g->df, g->p_chi.v);
}

static void hints_table(struct page *p, const struct stats_group *g)
{
	char a[32], b[32], c[32];

	if (!g->nhints)
		return;
	page_put(p, "<h3>Hints</h3><table><tr><th>hint</th><th>used by</th>"
		 "<th>pass rate with</th><th>pass rate without</th></tr>\n");
	for (size_t i = 0; i < g->nhints; i++) {
		const struct stats_hint *h = &g->hints[i];

		page_putf(p, "<tr><td>%u</td><td class=\"n\">", h->index);
		page_escs(p, fv(a, 1, 100.0 * h->with / g->graded, h->with_cands, 1, "%"));
		page_put(p, "</td><td class=\"n\">");
		page_escs(p, fv(b, h->with > 0, h->with ? 100.0 * h->with_passed / h->with : 0,
				h->with_cands, 1, "%"));
		page_put(p, "</td><td class=\"n\">");
		page_escs(p, fv(c, h->without > 0,
				h->without ? 100.0 * h->without_passed / h->without : 0,
				h->without_cands, 1, "%"));
		page_put(p, "</td></tr>\n");
	}
	page_put(p, "</table>\n");
}

static void summary(struct page *p, const struct stats_group *g)
{
	const struct stats_step_times *s = &g->steps;
	char a[32], b[32], t[160];

	page_put(p, "<table>\n");
	snprintf(t, sizeof t, "%zu (%u graded, %u errors)", g->n, g->graded, g->errors);
	row(p, "attempts", t);
	snprintf(t, sizeof t, "%zu", g->ncands);
	row(p, "candidates", t);
	row(p, "pass rate", fv(a, g->graded > 0, g->pass_rate * 100, g->graded_cands, 1, "%"));
	{
		char m[32];

		snprintf(t, sizeof t, "mean %s, median %s, p90 %s",
			 fv(a, g->score_mean.ok, g->score_mean.v * 100, 0, 1, "%"),
			 fv(b, g->score_med.ok, g->score_med.v * 100, 0, 1, "%"),
			 fv(m, g->score_p90.ok, g->score_p90.v * 100, 0, 1, "%"));
	}
	row(p, "score", t);
	snprintf(t, sizeof t, "median %s, p90 %s", fv(a, g->dur_med.ok, g->dur_med.v, 0, 1, " s"),
		 fv(b, g->dur_p90.ok, g->dur_p90.v, 0, 1, " s"));
	row(p, "session duration", t);
	if (!s->has) {
		row(p, "first / last remediation step", "n/a (no audit trail)");
	} else {
		snprintf(t, sizeof t, "median %s, p90 %s",
			 fv(a, s->first_med.ok, s->first_med.v, s->candidates, 1, " s"),
			 fv(b, s->first_p90.ok, s->first_p90.v, s->candidates, 1, " s"));
		row(p, "first remediation step", t);
		snprintf(t, sizeof t, "median %s, p90 %s",
			 fv(a, s->last_med.ok, s->last_med.v, s->candidates, 1, " s"),
			 fv(b, s->last_p90.ok, s->last_p90.v, s->candidates, 1, " s"));
		row(p, "last remediation step", t);
	}
	page_put(p, "</table>\n");
}

static void group(struct page *p, const struct stats_group *g)
{
	page_put(p, "<h2>");
	page_escs(p, g->id);
	page_put(p, " ");
	page_escs(p, g->version);
	page_put(p, "</h2>\n");
	if (g->ncands < STATS_MIN_CELL) {
		page_put(p, "<p class=\"muted\">Suppressed: fewer than 5 candidates.</p>\n");
		return;
	}
	summary(p, g);
	page_put(p, "<div class=\"charts\">\n");
	histogram(p, g);
	scatter(p, g);
	if (g->nvariants)
		boxes(p, g);
	page_put(p, "</div>\n");
	checks_table(p, g);
	variants_table(p, g);
	hints_table(p, g);
}

static void recert(struct page *p, const struct stats_data *d)
{
	if (!d->nrecert)
		return;
	page_put(p, "<h2>Recertification</h2><table><tr><th>platform</th><th>renewed</th>"
		 "<th>retake</th><th>error</th></tr>\n");
	for (size_t i = 0; i < d->nrecert; i++) {
		const struct stats_recert *r = &d->recert[i];

		page_put(p, "<tr><td>");
		page_escs(p, r->platform);
		page_put(p, "</td>");
		for (int k = 0; k < 3; k++) {
			if (SMALL(r->ncands[k]))
				page_put(p, "<td class=\"n\">&lt;5</td>");
			else
				page_putf(p, "<td class=\"n\">%u</td>", r->count[k]);
		}
		page_put(p, "</tr>\n");
	}
	page_put(p, "</table>\n");
}

int stats_html(const struct stats_data *d, const struct stats_opts *o,
	       struct buf *out, struct err *e)
{
	struct page p = {out, e, 0};

	page_put(&p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		 "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n"
		 "<meta name=\"referrer\" content=\"no-referrer\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width\">\n"
		 "<title>labrun stats</title>\n<style>");
	page_put(&p, css);
	page_put(&p, "</style>\n</head>\n<body>\n<main>\n<h1>Cohort statistics</h1>\n");
	page_putf(&p, "<p class=\"muted\">%u evidence files: %u valid, %u invalid (skipped), "
		  "%u outside the filters, %u regrades or reviews. Cells of fewer than "
		  "%d candidates are shown as &lt;5.</p>\n", d->files, d->valid,
		  d->invalid_n, d->filtered, d->other_modes, STATS_MIN_CELL);
	if (o->scenario) {
		page_put(&p, "<p class=\"muted\">Scenario: ");
		page_escs(&p, o->scenario);
		page_put(&p, "</p>\n");
	}
	for (size_t i = 0; i < d->ngroups; i++)
		group(&p, &d->groups[i]);
	recert(&p, d);
	page_put(&p, "</main>\n</body>\n</html>\n");
	return p.failed ? -1 : 0;
}
