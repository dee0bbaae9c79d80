/* fuzz_cast: the recorder's terminal filter on arbitrary output.  The
 * first byte chooses where the rest is split into two reads, with a
 * resize of the terminal between them.  What must hold for any input:
 * recording never fails under a large cap; the counts before cast_finish
 * are the counts after it; the split reads the same as the whole (a
 * resize changes no output); every line of the file is JSON, an "o" or
 * "r" event, a resize's text "COLSxROWS"; and the recorded text, run
 * through the filter again, passes unchanged with nothing counted and
 * holds no ENQ and no C1 control (HOSTILE.md V4). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP (1u << 24)

/* 1 for an "r" event: its text COLSxROWS, both from 1 on; abort for a
 * malformed one. */
static int resize_event(json_t *v)
{
	const char *kind = json_string_value(json_array_get(v, 1));
	const char *size = json_string_value(json_array_get(v, 2));
	char *x, *end;

	if (!kind || strcmp(kind, "r"))
		return 0;
	if (!size || !strtoul(size, &x, 10) || x == size || *x != 'x' ||
	    !strtoul(x + 1, &end, 10) || end == x + 1 || *end)
		abort();
	return 1;
}

/* Record pieces; the output events' text joined into text, the counts. */
static void record(const uint8_t *const *p, const size_t *n, size_t k,
		   struct buf *text, struct cast_neutral *cn)
{
	struct cast *c = NULL;
	struct cast_neutral after;
	struct buf file = BUF_INIT;
	struct err e;
	char *line, *nl;
	size_t i;

	if (cast_open(&c, 80, 24, 0, CAP, &e) < 0)
		abort();
	for (i = 0; i < k; i++) {
		/* between reads, the terminal resized (what the split byte
		 * says: the size is the fuzzer's too) */
		if (i > 0 && cast_resize(c, (int64_t)i, 1 + n[0] % 500,
					 1 + n[i] % 300, &e) < 0)
			abort();
		if (cast_output(c, (int64_t)i, p[i], n[i], &e) < 0)
			abort();
	}
	cast_neutralised(c, cn);
	if (cast_finish(c, (int64_t)k, &file, &e) < 0)
		abort();
	cast_neutralised(c, &after);
	if (memcmp(cn, &after, sizeof after))
		abort();
	cast_free(c);
	if (buf_append(text, "", 0, &e) < 0)
		abort();
	for (line = (char *)file.data; (nl = strchr(line, '\n')); line = nl + 1) {
		json_error_t je;
		json_t *v;

		*nl = 0;
		v = json_loads(line, JSON_ALLOW_NUL, &je);
		if (!v)
			abort();
		if (json_is_array(v) && resize_event(v))
			;
		else if (json_is_array(v) &&
			 (strcmp(json_string_value(json_array_get(v, 1)), "o") ||
			  buf_append(text, json_string_value(json_array_get(v, 2)),
				     json_string_length(json_array_get(v, 2)), &e) < 0))
			abort();
		json_decref(v);
	}
	buf_release(&file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cast_neutral whole, split, again;
	struct buf t1 = BUF_INIT, t2 = BUF_INIT, t3 = BUF_INIT;
	const uint8_t *p[2];
	size_t n[2], i, at;

	if (size == 0 || size > CAP)
		return 0;
	at = data[0] % size;
	data++;
	size--;
	p[0] = data;
	n[0] = size;
	record(p, n, 1, &t1, &whole);
	p[0] = data;
	n[0] = at;
	p[1] = data + at;
	n[1] = size - at;
	record(p, n, 2, &t2, &split);
	if (t1.len != t2.len || memcmp(t1.data, t2.data, t1.len) ||
	    memcmp(&whole, &split, sizeof split))
		abort();
	p[0] = t1.data;
	n[0] = t1.len;
	record(p, n, 1, &t3, &again);
	if (again.total || t3.len != t1.len || memcmp(t3.data, t1.data, t1.len))
		abort();
	for (i = 0; i < t1.len; i++)
		if (t1.data[i] == 0x05 ||
		    (t1.data[i] == 0xc2 && i + 1 < t1.len && t1.data[i + 1] < 0xa0))
			abort();
	buf_release(&t1);
	buf_release(&t2);
	buf_release(&t3);
	return 0;
}
