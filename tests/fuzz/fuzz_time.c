/* fuzz_time: lab.time's parser (graders/rfc3339.c) on arbitrary bytes.
 * Whatever parses lies in 0000-9999 and survives format then parse
 * unchanged; whatever is refused says why; the first two bytes, read as
 * an offset, give format's local form, which must parse to the same
 * instant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graders/rfc3339.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[160], out[RFC3339_TEXT_MAX];
	int64_t ms, back;
	int off;

	why[0] = 0;
	if (rfc3339_parse((const char *)data, size, &ms, why, sizeof why) < 0) {
		if (!why[0])
			abort();
		return 0;
	}
	if (ms < RFC3339_MIN_MS || ms > RFC3339_MAX_MS)
		abort();
	if (rfc3339_format(ms, 0, out, why, sizeof why) < 0 ||
	    rfc3339_parse(out, strlen(out), &back, why, sizeof why) < 0 || back != ms)
		abort();
	off = size >= 2 ? (int)((data[0] << 8 | data[1]) % (2 * RFC3339_MAX_OFFSET_MIN + 1)) -
				  RFC3339_MAX_OFFSET_MIN
			: 0;
	if (rfc3339_format(ms, off, out, why, sizeof why) == 0 &&
	    (rfc3339_parse(out, strlen(out), &back, why, sizeof why) < 0 || back != ms))
		abort();
	return 0;
}
