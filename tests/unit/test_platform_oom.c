/* test_platform_oom: the platform's engine out of memory, as SQLite tests
 * it: the Nth allocation fails (malloc, calloc and realloc replaced by
 * ones that count, for this process only), for every N of sim_check on
 * the test platform and for a spread of N through sim_open and a few
 * commands.  Each run must end in an error that says why (a command's:
 * "out of memory", and sim_failed after it), or succeed when the failure
 * fell where nothing is lost, and never crash or abort.  The sanitizer build owns malloc: there this
 * test skips, and test_platform_cmds covers the engine under ASan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "scenarios/platform/sim.h"
#include "tests/unit/tap.h"

#ifndef LABRUN_SANITIZED
/* glibc's own allocator, under its internal names: what the replacements
 * call when they do not fail (glibc supports replacing malloc so; free
 * stays glibc's). */
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

static long fail_in = -1; /* allocations before the one that fails; -1 none */
static long allocs;       /* made since arm() */
static int failed;        /* the failure happened */

static int fail_now(void)
{
	if (fail_in < 0)
		return 0;
	allocs++;
	if (fail_in-- == 0) {
		failed = 1;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}

static void arm(long n)
{
	failed = 0;
	allocs = 0;
	fail_in = n;
}

static void disarm(void)
{
	fail_in = -1;
}

/* sim_check on the test platform with the Nth allocation failing, for
 * every N until one where nothing failed. */
static void test_check(const char *config)
{
	const char *plan = "[{\"id\": \"f\", \"kind\": \"platform.tool_outage\", \"tool\": \"web.fetch\", \"at_s\": 60}]";
	long n, bad = 0, silent = 0, said = 0;

	for (n = 0; n < 100000; n++) {
		struct buf why = BUF_INIT;
		int problems;

		arm(n);
		problems = sim_check(config, plan, &why);
		disarm();
		if (!failed) {
			bad += problems != 0;
			buf_release(&why);
			break;
		}
		if (problems == 0)
			silent++;
		else if (why.data && strstr((char *)why.data, "out of memory"))
			said++;
		buf_release(&why);
	}
	ok(n > 0 && n < 100000, "sim_check: every one of its %ld allocations failed in turn, no crash", n);
	ok(bad == 0, "sim_check: with every allocation there, the platform is valid");
	/* Not failures of the engine's: jansson's parser reports some of
	 * its allocations failing as syntax errors, and goes on without a
	 * few (the document it returns is whole). */
	printf("# %ld failures named \"out of memory\", %ld passed inside jansson's parser\n",
	       said, silent);
}

/* sim_open, then three commands, with the Nth allocation failing. */
static int open_and_run(const struct sim_paths *p, long n, int *nomem)
{
	static const char *const lines[][3] = {
		{"status", NULL, NULL}, {"policy", "apply", "v3"}, {"advance", "300", NULL}};
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct buf why = BUF_INIT;
	struct sim *s = NULL;
	int rc = 0;

	*nomem = 0;
	arm(n);
	if (sim_open(p, "0a", NULL, &s, &why) < 0) {
		disarm();
		/* an error that says why: "out of memory", or a parser's
		 * misreading of it (jansson's) */
		*nomem = why.len > 0;
		if (!*nomem)
			printf("# allocation %ld: sim_open failed and did not say why\n", n);
		buf_release(&why);
		return -1;
	}
	for (size_t i = 0; i < 3 && rc == 0; i++) {
		char *argv[3];
		size_t argc = 0;

		while (argc < 3 && lines[i][argc]) {
			argv[argc] = (char *)lines[i][argc];
			argc++;
		}
		rc = sim_command(s, "test", 0, argv, argc, NULL, &r);
		if (rc < 0) {
			disarm();
			*nomem = r.err.data && strstr((char *)r.err.data, "out of memory") &&
				 r.status == 1 && sim_failed(s);
			if (!*nomem && r.err.data)
				printf("# allocation %ld: %s: %s", n, argv[0], (char *)r.err.data);
		}
		sim_reply_release(&r);
	}
	disarm();
	sim_close(s);
	buf_release(&why);
	return rc;
}

static int rm_state(const char *dir)
{
	static const char *const names[] = {"state.json", "metrics.prom"};
	char path[4400];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	return 0;
}

static void test_open(const char *top, const char *dir)
{
	char config[4300], state[4300], logs[4300];
	struct sim_paths p = {config, state, logs, NULL};
	struct err e = {0};
	long n, runs = 0, bad = 0, unnoticed = 0, total;
	int nomem;

	snprintf(config, sizeof config, "%s/tests/fixtures/platform/etc/agentd/platform.json", top);
	snprintf(state, sizeof state, "%s/state", dir);
	snprintf(logs, sizeof logs, "%s/logs", dir);
	if (mkdir_p(state, 0755, &e) < 0 || mkdir_p(logs, 0755, &e) < 0) {
		ok(0, "%s", e.msg);
		return;
	}
	/* how many allocations a whole run makes */
	open_and_run(&p, 1L << 40, &nomem);
	total = allocs;
	rm_state(state);
	/* the first 3000 (the config, the first spans), then a spread */
	for (n = 0; n < total; n += n < 3000 ? 1 : 1 + total / 400) {
		int rc = open_and_run(&p, n, &nomem);

		runs++;
		if (failed && rc < 0 && !nomem)
			bad++;
		unnoticed += failed && rc == 0;
		rm_state(state);
	}
	/* jansson's dump and parse go on without some of their own
	 * allocations (what they return is whole): counted, not failed */
	printf("# %ld runs ended well: the allocation that failed was one jansson's dump or parse does without\n", unnoticed);
	ok(total > 1000 && runs > 3000, "sim_open and commands: %ld runs over %ld allocations, no crash",
	   runs, total);
	ok(bad == 0, "each failure is an error that says why; a command's is \"out of memory\", "
	   "and sim_failed after it (%ld are not)", bad);
}

int main(void)
{
	const char *top = getenv("TOP");
	char config[4096], dir[2048];
	struct err e = {0};

	top = top ? top : ".";
	printf("# the engine out of memory\n"); /* stdout's buffer, before any failure */
	snprintf(config, sizeof config, "%s/tests/fixtures/platform/etc/agentd/platform.json", top);
	if (private_dir("test-platform-oom", "the platform's files", dir, sizeof dir, &e) < 0) {
		ok(0, "a private directory: %s", e.msg);
		return tap_done();
	}
	test_check(config);
	test_open(top, dir);
	if (remove_tree(dir, &e) < 0)
		printf("# %s\n", e.msg);
	return tap_done();
}
#else
int main(void)
{
	printf("ok %d # SKIP the sanitizers own malloc: failures cannot be injected\n", ++tap_n);
	return tap_done();
}
#endif
