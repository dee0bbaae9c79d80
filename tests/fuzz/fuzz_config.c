/* fuzz_config: config_parse, the exam host's configuration file, on
 * arbitrary text.  It must accept or refuse, never crash or leak.  What
 * it accepts must be within labrun's own bounds (every maximum from its
 * minimum to labrun's, every path absolute), and written back as
 * "key = value" lines it must read the same again; a refusal names the
 * file, is one line, and leaves out untouched.  config_load is
 * config_parse over a file (test_config checks that they agree). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

static void path_ok(const char *p)
{
	if (p[0] && (p[0] != '/' || strpbrk(p, "#\n")))
		abort();
}

static void in_range(unsigned v, unsigned min, unsigned max)
{
	if (v < min || v > max)
		abort();
}

/* c as the lines of a configuration file. */
static void write_back(const struct config *c, struct buf *out)
{
	static const char *const fmt =
		"max_time_s = %u\nmax_memory_mb = %u\nmax_processes = %u\n"
		"max_disk_mb = %u\nmax_cpu_s = %u\nmax_open_files = %u\n";
	const struct {
		const char *key;
		const char *v;
	} paths[] = {
		{"trust", c->trust}, {"key", c->key}, {"exam_bundle", c->exam_bundle},
		{"evidence_dir", c->evidence_dir}, {"seed_secret", c->seed_secret},
	};
	struct err e;
	size_t i;

	if (buf_printf(out, &e, fmt, c->max_time_s, c->max_memory_mb,
		       c->max_processes, c->max_disk_mb, c->max_cpu_s,
		       c->max_open_files) < 0)
		abort();
	for (i = 0; i < sizeof paths / sizeof *paths; i++)
		if (paths[i].v[0] &&
		    buf_printf(out, &e, "%s = %s\n", paths[i].key, paths[i].v) < 0)
			abort();
}

/* The same settings (a path array's bytes past its NUL do not count: a
 * key given twice leaves the longer value's tail there). */
static int same(const struct config *a, const struct config *b)
{
	return a->max_time_s == b->max_time_s &&
	       a->max_memory_mb == b->max_memory_mb &&
	       a->max_processes == b->max_processes &&
	       a->max_disk_mb == b->max_disk_mb && a->max_cpu_s == b->max_cpu_s &&
	       a->max_open_files == b->max_open_files &&
	       !strcmp(a->trust, b->trust) && !strcmp(a->key, b->key) &&
	       !strcmp(a->exam_bundle, b->exam_bundle) &&
	       !strcmp(a->evidence_dir, b->evidence_dir) &&
	       !strcmp(a->seed_secret, b->seed_secret) &&
	       !strcmp(a->source, b->source);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, again;
	struct buf text = BUF_INIT;
	struct err e;

	memset(&c, 0xa5, sizeof c);
	if (config_parse(NAME, data, size, &c, &e) < 0) {
		if (e.kind != ERR_REFUSED || strncmp(e.msg, NAME ": ", strlen(NAME) + 2) ||
		    strchr(e.msg, '\n') || ((unsigned char *)&c)[0] != 0xa5)
			abort();
		return 0;
	}
	in_range(c.max_time_s, SESSION_MIN_TIME_S, SESSION_MAX_TIME_S);
	in_range(c.max_memory_mb, SESSION_MIN_MEMORY_MB, SESSION_MAX_MEMORY_MB);
	in_range(c.max_processes, SESSION_MIN_PROCS, SESSION_MAX_PROCS);
	in_range(c.max_disk_mb, 1, SESSION_MAX_DISK_MB);
	in_range(c.max_cpu_s, 1, SESSION_MAX_CPU_S);
	in_range(c.max_open_files, SESSION_MIN_NOFILE, SESSION_MAX_NOFILE);
	path_ok(c.trust);
	path_ok(c.key);
	path_ok(c.exam_bundle);
	path_ok(c.evidence_dir);
	path_ok(c.seed_secret);
	if (c.source[0])
		abort();
	write_back(&c, &text);
	if (config_parse(NAME, text.data, text.len, &again, &e) < 0 ||
	    !same(&c, &again))
		abort();
	buf_release(&text);
	return 0;
}
