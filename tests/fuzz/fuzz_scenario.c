/* fuzz_scenario: scenario_load over a minimal valid tree in which one file
 * is the fuzz input.  The first byte chooses the file (modulo 4, so the
 * seeds start with '0' to '3'): scenario.json, hints.md, grader/grade.lua
 * or a wrong solution's must-fail header; the rest of the input is that
 * file.  A load must succeed with no problem or fail with problems (or a
 * host error), never crash, hang or leak; what it loads must obey
 * docs/scenario.md, and every problem must be one printable line of valid
 * UTF-8 (author text is escaped before it is echoed).  It does not run the
 * grader or the solutions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "runner/scenario.h"
#include "runner/tarball.h"
#include "tests/fuzz/printable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char manifest[] =
	"{\"schema\": 1, \"id\": \"fuzz\", \"version\": \"1.0.0\",\n"
	" \"title\": \"Fuzz\", \"level\": \"foundation\",\n"
	" \"competencies\": [\"fuzzing\"], \"platform\": \"agentsim-1\",\n"
	" \"grader_api\": 1, \"pass_mark\": 800, \"time_limit_s\": 1800,\n"
	" \"valid_for_days\": 365}\n";
static const char brief[] = "# Fuzz\n\nRepair the system.\n";
static const char motd[] = "welcome\n";
static const char grade[] = "return {}\n";
static const char reference[] = "#!/bin/sh\ntrue\n";

/* Which file of the tree the input replaces, by data[0] % 4. */
static const char *const fuzzed[] = {
	"scenario.json", "hints.md", "grader/grade.lua",
	"solutions/wrong-fuzz.sh",
};

static int add(struct tar_list *l, const char *name, const char *fixed,
	       const char *input, const uint8_t *data, size_t size,
	       struct err *e)
{
	if (!strcmp(name, input))
		return tar_list_add_file(l, name, 0644, data, size, e);
	if (!fixed)
		return 0;
	return tar_list_add_file(l, name, 0644, fixed, strlen(fixed), e);
}

/* ^[a-z0-9][a-z0-9<extra>]{0,62}$, as docs/scenario.md says. */
static int name_ok(const char *s, const char *extra)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 63)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') ||
		      (i && strchr(extra, s[i]))))
			return 0;
	return 1;
}

static int blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	       ch == '\f' || ch == '\v';
}

/* Lines of hints.md that start a section. */
static size_t sections(const uint8_t *data, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i + 3 <= size; i++)
		if ((i == 0 || data[i - 1] == '\n') && !memcmp(data + i, "## ", 3))
			n++;
	return n;
}

/* What a loaded scenario holds obeys docs/scenario.md. */
static void valid_or_die(const struct scenario *s, const char *input,
			 const uint8_t *data, size_t size)
{
	size_t i, j;

	if (!name_ok(s->id, "-") || !name_ok(s->platform, ".-") ||
	    strlen(s->version) > SCENARIO_MAX_VERSION || !s->title[0] ||
	    strlen(s->title) > SCENARIO_MAX_TITLE || !printable(s->title) ||
	    !s->brief || !s->ncompetencies ||
	    s->ncompetencies > SCENARIO_MAX_COMPETENCIES ||
	    s->grader_api != 1 || s->pass_mark > SCENARIO_PER_MILLE ||
	    s->time_limit_s < SESSION_MIN_TIME_S ||
	    s->time_limit_s > SESSION_MAX_TIME_S || !s->valid_for_days ||
	    s->valid_for_days > SCENARIO_MAX_VALID_DAYS ||
	    s->limits.memory_mb < SESSION_MIN_MEMORY_MB ||
	    s->limits.memory_mb > SESSION_MAX_MEMORY_MB ||
	    s->limits.processes < SESSION_MIN_PROCS ||
	    s->limits.processes > SESSION_MAX_PROCS || !s->limits.disk_mb ||
	    s->limits.disk_mb > SESSION_MAX_DISK_MB || !s->limits.cpu_s ||
	    s->limits.cpu_s > SESSION_MAX_CPU_S ||
	    s->limits.open_files < SESSION_MIN_NOFILE ||
	    s->limits.open_files > SESSION_MAX_NOFILE)
		abort();
	if (strcmp(s->level, "foundation") && strcmp(s->level, "practitioner") &&
	    strcmp(s->level, "specialist") && strcmp(s->level, "architect"))
		abort();
	for (i = 0; i < s->ncompetencies; i++) {
		if (!name_ok(s->competencies[i], "-"))
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(s->competencies[i], s->competencies[j]))
				abort();
	}
	for (i = 0; i < s->nhints; i++) {
		const char *t = s->hints[i].text;

		if (!t[0] || blank(t[0]) || blank(t[strlen(t) - 1]) ||
		    s->hints[i].cost > SCENARIO_PER_MILLE)
			abort();
	}
	if (strcmp(input, "hints.md") ? s->nhints != 0
				      : s->nhints != sections(data, size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tar_list l = {NULL, 0, 0};
	struct problems p = {NULL, 0, 0};
	struct scenario s;
	struct err e;
	const char *input;
	size_t i;
	int rc;

	if (size == 0)
		return 0;
	input = fuzzed[data[0] % 4];
	data++;
	size--;
	if (add(&l, "scenario.json", manifest, input, data, size, &e) < 0 ||
	    add(&l, "brief.md", brief, input, data, size, &e) < 0 ||
	    add(&l, "hints.md", NULL, input, data, size, &e) < 0 ||
	    tar_list_add_dir(&l, "system", &e) < 0 ||
	    add(&l, "system/motd", motd, input, data, size, &e) < 0 ||
	    tar_list_add_dir(&l, "grader", &e) < 0 ||
	    add(&l, "grader/grade.lua", grade, input, data, size, &e) < 0 ||
	    tar_list_add_dir(&l, "solutions", &e) < 0 ||
	    add(&l, "solutions/reference.sh", reference, input, data, size,
		&e) < 0 ||
	    add(&l, "solutions/wrong-fuzz.sh", NULL, input, data, size, &e) < 0)
		abort();
	tar_list_sort(&l);
	memset(&s, 0xa5, sizeof s);
	rc = scenario_load(&l, JSON_MAX_DEPTH, &s, &p, &e);
	if (rc == 0) {
		if (p.n || !s.id || !s.version || !s.title || !s.level ||
		    !s.platform || !s.brief)
			abort();
		valid_or_die(&s, input, data, size);
		scenario_release(&s);
	} else {
		if (s.id || s.hints || s.brief || s.competencies)
			abort();
		if (!p.n && e.kind != ERR_HOST)
			abort();
		if (p.n > PROBLEMS_MAX + 1)
			abort();
		for (i = 0; i < p.n; i++)
			if (!printable(p.v[i]))
				abort();
	}
	problems_release(&p);
	tar_list_release(&l);
	return 0;
}
