/* stats_calc: the statistics of labrun stats; see stats_calc.h and
 * docs/stats.md for the formulas. */
#include <math.h>
#include <stdlib.h>

#include "runner/stats_calc.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int stats_quantile(double *v, size_t n, double q, double *out)
{
	double h, lo;
	size_t i;

	if (!n)
		return -1;
	qsort(v, n, sizeof *v, cmp_double);
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		*out = v[n - 1];
	else
		*out = v[i] + (h - lo) * (v[i + 1] - v[i]);
	return 0;
}

int stats_mean(const double *v, size_t n, double *out)
{
	double s = 0;

	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	*out = s / (double)n;
	return 0;
}

int stats_pearson(const double *x, const double *y, size_t n, double *out)
{
	double mx, my, sxy = 0, sxx = 0, syy = 0;

	if (n < 2)
		return -1;
	stats_mean(x, n, &mx);
	stats_mean(y, n, &my);
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	if (sxx <= 0 || syy <= 0)
		return -1;
	*out = sxy / sqrt(sxx * syy);
	return 0;
}

struct ranked {
	double total;
	size_t pos;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int stats_upper_lower(const double *item, const double *total, size_t n,
		      double share, double *out)
{
	struct ranked *r;
	size_t k;
	double up = 0, low = 0;

	if (n < 2)
		return -1;
	k = (size_t)floor(share * (double)n + 0.5);
	if (k < 1)
		k = 1;
	if (k > n / 2)
		k = n / 2;
	if (!(r = calloc(n, sizeof *r)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		r[i].total = total[i];
		r[i].pos = i;
	}
	qsort(r, n, sizeof *r, cmp_ranked);
	for (size_t i = 0; i < k; i++) {
		low += item[r[i].pos];
		up += item[r[n - 1 - i].pos];
	}
	free(r);
	*out = (up - low) / (double)k;
	return 0;
}

/* Row i's value in column j (stride k), or its sum when j == k. */
static double cell(const double *items, size_t k, size_t i, size_t j)
{
	double v = 0;

	if (j < k)
		return items[i * k + j];
	for (size_t c = 0; c < k; c++)
		v += items[i * k + c];
	return v;
}

/* The population variance of column j (stride k), or of the row sums
 * when j == k. */
static double variance(const double *items, size_t n, size_t k, size_t j)
{
	double m = 0, s = 0;

	for (size_t i = 0; i < n; i++)
		m += cell(items, k, i, j);
	m /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double v = cell(items, k, i, j);

		s += (v - m) * (v - m);
	}
	return s / (double)n;
}

int stats_alpha(const double *items, size_t n, size_t k, double *out)
{
	double sum = 0, vt;

	if (k < 2 || n < 2)
		return -1;
	vt = variance(items, n, k, k);
	if (vt <= 0)
		return -1;
	for (size_t j = 0; j < k; j++)
		sum += variance(items, n, k, j);
	*out = (double)k / (double)(k - 1) * (1.0 - sum / vt);
	return 0;
}

/* P(a, x) by its series, for x < a + 1. */
static double gamma_p_series(double a, double x)
{
	double ap = a, del = 1.0 / a, sum = del;

	for (int i = 0; i < 1000; i++) {
		ap += 1.0;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * 1e-16)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1. */
static double gamma_q_fraction(double a, double x)
{
	const double tiny = 1e-300;
	double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;

	for (int i = 1; i < 1000; i++) {
		double an = -i * (i - a), del;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-16)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double stats_gamma_q(double a, double x)
{
	if (x <= 0)
		return 1.0;
	if (x < a + 1.0)
		return 1.0 - gamma_p_series(a, x);
	return gamma_q_fraction(a, x);
}

int stats_chi_square(const unsigned *pass, const unsigned *fail, size_t k,
		     double *chi2, unsigned *df, double *p)
{
	double rp = 0, rf = 0, n, s = 0;
	size_t cols = 0;

	for (size_t j = 0; j < k; j++) {
		if (!pass[j] && !fail[j])
			continue;
		rp += pass[j];
		rf += fail[j];
		cols++;
	}
	if (cols < 2 || rp == 0 || rf == 0)
		return -1;
	n = rp + rf;
	for (size_t j = 0; j < k; j++) {
		double col = (double)pass[j] + fail[j], ep, ef;

		if (col == 0)
			continue;
		ep = rp * col / n;
		ef = rf * col / n;
		s += (pass[j] - ep) * (pass[j] - ep) / ep +
		     (fail[j] - ef) * (fail[j] - ef) / ef;
	}
	*chi2 = s;
	*df = (unsigned)(cols - 1);
	*p = stats_gamma_q((double)*df / 2.0, s / 2.0);
	return 0;
}

static double log_choose(double n, double k)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/* log P(X = x) of the hypergeometric law of the table's margins: rows
 * r1, r2, first column c1. */
static double log_hyper(unsigned x, unsigned r1, unsigned r2, unsigned c1)
{
	return log_choose(r1, x) + log_choose(r2, c1 - x) -
	       log_choose((double)r1 + r2, c1);
}

double stats_fisher(unsigned a, unsigned b, unsigned c, unsigned d)
{
	unsigned r1 = a + b, r2 = c + d, c1 = a + c;
	unsigned lo = c1 > r2 ? c1 - r2 : 0, hi = c1 < r1 ? c1 : r1;
	double obs = log_hyper(a, r1, r2, c1), p = 0;

	for (unsigned x = lo; x <= hi; x++) {
		double lp = log_hyper(x, r1, r2, c1);

		if (lp <= obs + 1e-7)
			p += exp(lp);
	}
	return p > 1.0 ? 1.0 : p;
}
