/* timeit: run several commands in turn, N rounds, and print each one's
 * median and mean wall time in milliseconds.  Interleaving the commands
 * (A B C A B C ...) spreads the machine's drift over all of them, so the
 * ratios between the medians hold even where the absolute times wander.
 *
 *   timeit N -- CMD1 ARGS... -- CMD2 ARGS... [-- ...]
 *
 * Prints one line per command: "median_ms mean_ms ratio cpu_ms": the
 * median and mean wall time; ratio, the median over the rounds of the
 * first command's wall time over this one's, taken pair by pair (1.000 on
 * the first line); cpu_ms, the median of user + system time of the
 * command and the children it waited for.  Exit 3 when a run of a command
 * fails.  A bench tool, not a test. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_CMDS 8

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double tv_ms(struct timeval v)
{
	return (double)v.tv_sec * 1e3 + (double)v.tv_usec / 1e3;
}

static int run(char **argv, double *cpu_ms)
{
	struct rusage ru;
	int status, null;
	pid_t p = fork();

	if (p < 0)
		return -1;
	if (p == 0) {
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(p, &status, 0, &ru) < 0)
		return -1;
	*cpu_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	char **cmd[MAX_CMDS];
	double *t[MAX_CMDS], *c[MAX_CMDS], *q[MAX_CMDS];
	int ncmd = 0, n, i, r;

	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: timeit N -- CMD ARGS... [-- CMD ARGS...]\n");
		return 2;
	}
	n = atoi(argv[1]);
	if (n < 1)
		return 2;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = NULL;
			if (ncmd == MAX_CMDS || i + 1 >= argc)
				return 2;
			cmd[ncmd++] = &argv[i + 1];
		}
	}
	for (i = 0; i < ncmd; i++) {
		t[i] = calloc((size_t)n, sizeof(double));
		c[i] = calloc((size_t)n, sizeof(double));
		q[i] = calloc((size_t)n, sizeof(double));
		if (!t[i] || !c[i] || !q[i])
			return 3;
	}
	for (r = 0; r < n; r++) {
		for (i = 0; i < ncmd; i++) {
			double t0 = now_ms();

			if (run(cmd[i], &c[i][r]) < 0) {
				fprintf(stderr, "timeit: %s failed\n", cmd[i][0]);
				return 3;
			}
			t[i][r] = now_ms() - t0;
		}
		for (i = 0; i < ncmd; i++)
			q[i][r] = t[i][r] > 0 ? t[0][r] / t[i][r] : 0;
	}
	for (i = 0; i < ncmd; i++) {
		double sum = 0;

		for (r = 0; r < n; r++)
			sum += t[i][r];
		qsort(t[i], (size_t)n, sizeof(double), cmp);
		qsort(c[i], (size_t)n, sizeof(double), cmp);
		qsort(q[i], (size_t)n, sizeof(double), cmp);
		printf("%.3f %.3f %.3f %.3f\n", t[i][n / 2], sum / n, q[i][n / 2],
		       c[i][n / 2]);
	}
	return 0;
}
