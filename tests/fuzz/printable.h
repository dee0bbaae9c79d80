/* printable: what a problem or refusal shown to a person must be, for the
 * fuzz targets that check it: one line of valid UTF-8 with no C0 or C1
 * control character and no DEL. */
#ifndef LABRUN_TESTS_FUZZ_PRINTABLE_H
#define LABRUN_TESTS_FUZZ_PRINTABLE_H

#include <string.h>

#include "base/utf8.h"

static inline int printable(const char *s)
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

#endif
