/* fuzz_scenario: scenario_load over a minimal valid tree in which one file
 * is the fuzz input.  The first byte chooses the file (modulo 4):
 * scenario.json, hints.md, grader/grade.lua or a wrong solution's
 * must-fail header; the rest of the input is that file.  A load must
 * succeed with no problem or fail with problems (or a host error), never
 * crash, hang or leak, and every problem must be one printable line of
 * valid UTF-8 (author text is escaped before it is echoed).  It does not
 * run the grader or the solutions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/err.h"
#include "runner/limits.h"
#include "runner/scenario.h"
#include "runner/tarball.h"
#include "runner/utf8.h"

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

/* One line, valid UTF-8, no C0 or C1 control character or DEL. */
static int printable(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, len = strlen(s);

	if (!utf8_valid(u, len))
		return 0;
	for (i = 0; i < len; i++)
		if (u[i] < 0x20 || u[i] == 0x7f ||
		    (u[i] == 0xc2 && i + 1 < len && u[i + 1] < 0xa0))
			return 0;
	return 1;
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
		    !s.platform || !s.brief || !s.ncompetencies)
			abort();
		for (i = 0; i < s.nhints; i++)
			if (!s.hints[i].text || !s.hints[i].text[0] ||
			    s.hints[i].cost > SCENARIO_PER_MILLE)
				abort();
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
