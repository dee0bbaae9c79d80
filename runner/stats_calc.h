/* stats_calc: the statistics of labrun stats (docs/stats.md), as pure
 * functions over arrays: quantiles, Pearson's correlation (the
 * point-biserial of a pass/fail check against the rest of the test), the
 * upper-lower 27% index, KR-20 and Cronbach's alpha, Pearson's chi-square
 * test of a 2xk table with its p-value from the regularized incomplete
 * gamma function, and Fisher's exact test of a 2x2 table (two-sided).
 * No I/O, no allocation but what a call frees before it returns.  A figure
 * that is undefined for the data (a constant column, too few values) is
 * reported as such (return -1), never as a number. */
#ifndef LABRUN_STATS_CALC_H
#define LABRUN_STATS_CALC_H

#include <stddef.h>

/* The q-quantile (0 <= q <= 1) of v[0..n), linear between the order
 * statistics at (n-1)q (numpy's default, Hyndman-Fan type 7).  v is
 * sorted in place.  -1 when n is 0. */
int stats_quantile(double *v, size_t n, double q, double *out);

/* The arithmetic mean; -1 when n is 0. */
int stats_mean(const double *v, size_t n, double *out);

/* Pearson's correlation of x and y; with x 0/1 this is the point-biserial
 * correlation.  -1 when n < 2 or either is constant. */
int stats_pearson(const double *x, const double *y, size_t n, double *out);

/* The upper-lower index of an item: its pass rate among the
 * round(share * n) attempts with the highest total minus that among as
 * many with the lowest (at least 1 each; ties broken by position: of
 * equal totals the later one ranks higher, so callers order attempts
 * deterministically).  -1 when n < 2. */
int stats_upper_lower(const double *item, const double *total, size_t n,
		      double share, double *out);

/* Cronbach's alpha of items[i * k + j] (attempt i, item j), population
 * variances: k/(k-1) (1 - sum var(item) / var(total)).  With 0/1 items it
 * is KR-20.  -1 when k < 2, n < 2 or the total is constant. */
int stats_alpha(const double *items, size_t n, size_t k, double *out);

/* The regularized upper incomplete gamma function Q(a, x), a > 0, x >= 0
 * (series below a + 1, Lentz's continued fraction above). */
double stats_gamma_q(double a, double x);

/* Pearson's chi-square test of independence of the 2 x k table
 * pass[j], fail[j] (columns with no attempts are left out): the
 * statistic, its degrees of freedom and p = Q(df/2, chi2/2).  -1 when
 * fewer than 2 columns are left or a row is all zero. */
int stats_chi_square(const unsigned *pass, const unsigned *fail, size_t k,
		     double *chi2, unsigned *df, double *p);

/* Fisher's exact test of the 2x2 table [[a, b], [c, d]], two-sided: the
 * sum of the hypergeometric probabilities of every table with the same
 * margins that is no more probable than the one observed (relative
 * tolerance 1e-7, as R's fisher.test). */
double stats_fisher(unsigned a, unsigned b, unsigned c, unsigned d);

#endif
