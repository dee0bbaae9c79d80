/* fuzz_program: program_parse over the input as a program file
 * (docs/credentials.md, "Programs and ladders").  A parse must succeed
 * with no problem or fail with problems (or run out of memory), never
 * crash, hang or leak; what it accepts must obey the format (ids, a level,
 * a count between 1 and the requirements, a validity in range, versions
 * that compare equal to themselves), and every problem must be one
 * printable line of valid UTF-8 naming the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/program.h"
#include "runner/schema.h"
#include "tests/fuzz/printable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int id_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 63)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      (i > 0 && s[i] == '-')))
			return 0;
	return 1;
}

static void check_accepted(const struct program *pg)
{
	size_t i;

	if (!id_ok(pg->id) || !program_is_version(pg->version) ||
	    program_version_cmp(pg->version, pg->version) != 0 ||
	    !program_level_name(pg->level)[0] || !pg->name[0] ||
	    !pg->description || pg->valid_for_days < 1 ||
	    pg->valid_for_days > PROGRAM_MAX_VALID_DAYS || pg->nitems < 1 ||
	    pg->nitems > PROGRAM_MAX_ITEMS || pg->count < 1 ||
	    pg->count > pg->nitems || pg->nprereqs > PROGRAM_MAX_PREREQS)
		abort();
	for (i = 0; i < pg->nitems; i++)
		if (!id_ok(pg->items[i].id) ||
		    !program_level_name(pg->items[i].min_level)[0] ||
		    (pg->items[i].min_version[0] &&
		     !program_is_version(pg->items[i].min_version)))
			abort();
	for (i = 0; i < pg->nprereqs; i++)
		if (!id_ok(pg->prereqs[i]) || !strcmp(pg->prereqs[i], pg->id))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct problems p = {NULL, 0, 0};
	struct program pg;
	size_t i;
	int rc = program_parse(data, size, "p.json", &pg, &p);

	if (rc == 0) {
		if (p.n)
			abort();
		check_accepted(&pg);
		program_release(&pg);
	} else if (rc == -1 && p.n == 0) {
		abort();
	}
	for (i = 0; i < p.n; i++)
		if (!printable(p.v[i]) || strncmp(p.v[i], "p.json: ", 8))
			abort();
	problems_release(&p);
	return 0;
}
