/* tap: a few macros for unit tests that speak TAP ("ok N - what"). */
#ifndef LABRUN_TAP_H
#define LABRUN_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                      \
	do {                                                               \
		int ok_c_ = !!(cond);                                      \
		printf("%sok %d - ", ok_c_ ? "" : "not ", ++tap_n);        \
		printf(__VA_ARGS__);                                       \
		printf("\n");                                              \
		if (!ok_c_) {                                              \
			tap_failed++;                                      \
			printf("#   at %s:%d\n", __FILE__, __LINE__);        \
		}                                                          \
	} while (0)

#define is_str(a, b, ...)                                                  \
	do {                                                               \
		const char *is_a_ = (a), *is_b_ = (b);                     \
		ok(is_a_ && is_b_ && !strcmp(is_a_, is_b_), __VA_ARGS__);  \
		if (!(is_a_ && is_b_ && !strcmp(is_a_, is_b_)))            \
			printf("#   got '%s', want '%s'\n",                  \
			       is_a_ ? is_a_ : "(null)",                   \
			       is_b_ ? is_b_ : "(null)");                  \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
