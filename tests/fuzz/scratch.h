/* scratch: the private directory a fuzz target that reads files makes
 * once, under $TMPDIR (the campaign points it at /dev/shm: a truncate or
 * fsync on ext4 would be most of a run) or /tmp when TMPDIR is unset or
 * too long for the target's buffer.  Aborts if it cannot be made. */
#ifndef LABRUN_TESTS_FUZZ_SCRATCH_H
#define LABRUN_TESTS_FUZZ_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* out (size bytes) becomes DIR/NAME.XXXXXX, made with mkdtemp. */
static inline void scratch_dir(char *out, size_t size, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (!tmp || !*tmp || strlen(tmp) + strlen(name) + 9 > size)
		tmp = "/tmp";
	n = snprintf(out, size, "%s/%s.XXXXXX", tmp, name);
	if (n < 0 || (size_t)n >= size || !mkdtemp(out))
		abort();
}

#endif
