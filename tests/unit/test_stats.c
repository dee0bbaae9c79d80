/* test_stats: the statistics of labrun stats (runner/stats_calc.c)
 * against values worked out by hand (or, for the p-values, from closed
 * forms: Q(1/2, x/2) = erfc(sqrt(x/2)) for one degree of freedom,
 * Q(n, x) = e^-x sum_{k<n} x^k/k! for whole n, and Fisher's tea-tasting
 * table), and the undefined cases reported as undefined. */
#include <math.h>

#include "runner/stats_calc.h"
#include "tests/unit/tap.h"

#define near(a, b, tol, ...) ok(fabs((a) - (b)) <= (tol), __VA_ARGS__)

static void test_quantile(void)
{
	double v[] = {4, 1, 3, 2}, one[] = {7}, out = -1;

	ok(stats_quantile(v, 4, 0.5, &out) == 0 && out == 2.5, "median of 1..4 is 2.5 (%g)", out);
	ok(stats_quantile(v, 4, 0.9, &out) == 0 && fabs(out - 3.7) < 1e-12,
	   "p90 of 1..4 is 3.7: 3 + 0.7 x (4 - 3) (%g)", out);
	ok(stats_quantile(v, 4, 1.0, &out) == 0 && out == 4, "p100 is the maximum");
	ok(stats_quantile(one, 1, 0.9, &out) == 0 && out == 7, "one value is every quantile");
	ok(stats_quantile(v, 0, 0.5, &out) == -1, "no values: undefined");
}

static void test_pearson(void)
{
	double x[] = {1, 0, 1, 0, 1}, y[] = {5, 3, 4, 2, 6}, c[] = {1, 1, 1, 1, 1}, r = 0;

	/* sxy 3.0, sxx 1.2, syy 10: 3 / sqrt(12) */
	ok(stats_pearson(x, y, 5, &r) == 0, "point-biserial defined");
	near(r, 3.0 / sqrt(12.0), 1e-12, "point-biserial is 3/sqrt(12) = 0.866 (%g)", r);
	for (int i = 0; i < 5; i++)
		y[i] = -y[i];
	ok(stats_pearson(x, y, 5, &r) == 0 && fabs(r + 3.0 / sqrt(12.0)) < 1e-12,
	   "a reversed relation is negative (%g)", r);
	ok(stats_pearson(c, y, 5, &r) == -1, "a constant item: undefined");
	ok(stats_pearson(x, y, 1, &r) == -1, "one attempt: undefined");
}

static void test_upper_lower(void)
{
	double item[] = {0, 0, 1, 0, 1, 1, 0, 1, 1, 1};
	double total[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, d = 0;
	double tied[] = {5, 5, 5, 5}, titem[] = {1, 0, 0, 1};

	/* n 10: k = round(2.7) = 3; lowest three pass 1 of 3, highest 3 of 3 */
	ok(stats_upper_lower(item, total, 10, 0.27, &d) == 0, "upper-lower defined");
	near(d, 1.0 - 1.0 / 3.0, 1e-12, "upper-lower is 1 - 1/3 (%g)", d);
	/* n 4: k = round(1.08) = 1; all tied: the first is lowest, the last highest */
	ok(stats_upper_lower(titem, tied, 4, 0.27, &d) == 0 && d == 0,
	   "ties: the later ranks higher (1 - 1 = 0, %g)", d);
	titem[3] = 0;
	ok(stats_upper_lower(titem, tied, 4, 0.27, &d) == 0 && d == -1,
	   "ties: 0 - 1 = -1 (%g)", d);
	ok(stats_upper_lower(item, total, 1, 0.27, &d) == -1, "one attempt: undefined");
}

static void test_alpha(void)
{
	double items[] = {1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0}, a = 0;
	double flat[] = {1, 0, 0, 1, 1, 0, 0, 1}, w[] = {600, 400, 600, 0, 0, 400, 0, 0};

	/* totals 3 2 1 0: variance 1.25; pq .1875 + .25 + .1875 = .625 */
	ok(stats_alpha(items, 4, 3, &a) == 0, "KR-20 defined");
	near(a, 1.5 * (1 - 0.625 / 1.25), 1e-12, "KR-20 is 3/2 (1 - .625/1.25) = 0.75 (%g)", a);
	ok(stats_alpha(flat, 4, 2, &a) == -1, "a constant total: undefined");
	/* weighted: totals 1000 600 400 0, mean 500, variance 130000;
	 * item variances 90000 and 40000: alpha = 2 (1 - 130000/130000) = 0 */
	ok(stats_alpha(w, 4, 2, &a) == 0 && fabs(a) < 1e-12, "alpha of uncorrelated items is 0 (%g)", a);
	ok(stats_alpha(items, 4, 1, &a) == -1, "one item: undefined");
}

static void test_gamma_chi(void)
{
	unsigned pass[] = {14, 5, 0}, fail[] = {8, 17, 0}, df = 0;
	double chi2 = 0, p = 0;

	near(stats_gamma_q(0.5, 3.841458820694124 / 2), 0.05, 1e-12, "chi-square 1 df at 3.8415: p 0.05");
	near(stats_gamma_q(1, 5.991464547107979 / 2), 0.05, 1e-12, "chi-square 2 df at 5.9915: p 0.05");
	near(stats_gamma_q(5, 20), exp(-20) * (1 + 20 + 200 + 8000.0 / 6 + 160000.0 / 24), 1e-16,
	     "Q(5, 20) = e^-20 (1 + 20 + 200 + 1333.3 + 6666.7) (the continued fraction)");
	near(stats_gamma_q(3, 1.5), exp(-1.5) * (1 + 1.5 + 1.125), 1e-14, "Q(3, 1.5) (the series)");
	ok(stats_gamma_q(2, 0) == 1, "Q(a, 0) = 1");
	/* [[14, 5], [8, 17]]: expected 9.5/9.5, 12.5/12.5 ... chi2 7.5032 */
	ok(stats_chi_square(pass, fail, 3, &chi2, &df, &p) == 0, "chi-square defined (an empty column left out)");
	ok(df == 1, "1 degree of freedom (%u)", df);
	near(chi2, 7.503157894736843, 1e-9, "chi2 7.5032 (%g)", chi2);
	near(p, erfc(sqrt(chi2 / 2)), 1e-12, "p = erfc(sqrt(chi2/2)) = 0.00616 (%g)", p);
	pass[1] = 0;
	fail[0] = 0;
	fail[1] = 0;
	ok(stats_chi_square(pass, fail, 3, &chi2, &df, &p) == -1, "nobody fails: undefined");
}

static void test_fisher(void)
{
	near(stats_fisher(3, 1, 1, 3), 34.0 / 70, 1e-12, "the lady tasting tea: 34/70 = 0.4857");
	near(stats_fisher(14, 8, 5, 17), 0.013897335944836886, 1e-12, "[[14, 8], [5, 17]]: 0.0139");
	near(stats_fisher(10, 2, 3, 15), 0.0005367241191434358, 1e-14, "[[10, 2], [3, 15]]: 0.000537");
	near(stats_fisher(5, 5, 5, 5), 1.0, 1e-12, "no difference: p = 1");
	near(stats_fisher(4, 0, 0, 4), 2.0 / 70, 1e-12, "[[4, 0], [0, 4]]: 2/70");
}

int main(void)
{
	test_quantile();
	test_pearson();
	test_upper_lower();
	test_alpha();
	test_gamma_chi();
	test_fisher();
	return tap_done();
}
