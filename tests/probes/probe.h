/* probe: what every probe shares: one line per attempt, "NAME ok" or
 * "NAME errno=ENAME", printed by report() after the call it names. */
#ifndef LABRUN_PROBE_H
#define LABRUN_PROBE_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static inline const char *ename(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

static inline void report(const char *name, long rc)
{
	int e = errno;

	if (rc < 0)
		printf("%s errno=%s\n", name, ename(e));
	else
		printf("%s ok\n", name);
}

#endif
