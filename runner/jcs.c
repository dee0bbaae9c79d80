/* jcs: RFC 8785 serialisation.  Key order compares UTF-16 code units, so a
 * key with a character beyond the BMP (a surrogate pair, 0xD800..) sorts
 * before one with a BMP character from U+E000 on, unlike UTF-8 byte order. */
#include "runner/jcs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"

#define JS_SAFE_MAX 9007199254740991LL /* 2^53 - 1 */

/* Walks a UTF-8 string (valid: jansson checks) as UTF-16 code units. */
struct u16 {
	const unsigned char *p, *end;
	unsigned pending; /* a low surrogate still to give, or 0 */
};

static int u16_next(struct u16 *it)
{
	uint32_t c;
	const unsigned char *p = it->p;

	if (it->pending) {
		c = it->pending;
		it->pending = 0;
		return (int)c;
	}
	if (p >= it->end)
		return -1;
	if (p[0] < 0x80) {
		c = p[0];
		p += 1;
	} else if ((p[0] & 0xe0) == 0xc0 && p + 1 < it->end) {
		c = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		p += 2;
	} else if ((p[0] & 0xf0) == 0xe0 && p + 2 < it->end) {
		c = ((uint32_t)(p[0] & 0x0f) << 12) |
		    ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		p += 3;
	} else if (p + 3 < it->end) {
		c = ((uint32_t)(p[0] & 0x07) << 18) |
		    ((uint32_t)(p[1] & 0x3f) << 12) |
		    ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
		p += 4;
	} else {
		c = p[0]; /* not reached for valid UTF-8 */
		p += 1;
	}
	it->p = p;
	if (c >= 0x10000) {
		c -= 0x10000;
		it->pending = 0xdc00 | (c & 0x3ff);
		return (int)(0xd800 | (c >> 10));
	}
	return (int)c;
}

static int key_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	struct u16 i = {(const unsigned char *)x,
			(const unsigned char *)x + strlen(x), 0};
	struct u16 j = {(const unsigned char *)y,
			(const unsigned char *)y + strlen(y), 0};

	for (;;) {
		int c = u16_next(&i), d = u16_next(&j);

		if (c != d)
			return c < d ? -1 : 1;
		if (c < 0)
			return 0;
	}
}

static int put_string(const char *s, size_t n, struct buf *out, struct err *e)
{
	static const char hexdig[] = "0123456789abcdef";
	size_t i, from = 0;
	char esc[7];

	if (buf_append(out, "\"", 1, e) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		switch (c) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hexdig[c >> 4];
				esc[5] = hexdig[c & 15];
				esc[6] = 0;
				rep = esc;
			}
		}
		if (!rep)
			continue;
		if (buf_append(out, s + from, i - from, e) < 0 ||
		    buf_puts(out, rep, e) < 0)
			return -1;
		from = i + 1;
	}
	return buf_append(out, s + from, n - from, e) < 0 ||
			       buf_append(out, "\"", 1, e) < 0
		       ? -1
		       : 0;
}

static int put_value(const json_t *v, const char *what, int depth,
		     struct buf *out, struct err *e);

static int put_object(const json_t *v, const char *what, int depth,
		      struct buf *out, struct err *e)
{
	size_t n = json_object_size(v), k = 0, i;
	const char **keys;
	const char *key;
	json_t *m;
	int rc = -1;

	keys = calloc(n ? n : 1, sizeof *keys);
	if (!keys)
		return err_set(e, ERR_HOST, "%s: out of memory", what);
	json_object_foreach((json_t *)v, key, m)
		keys[k++] = key;
	qsort(keys, k, sizeof *keys, key_cmp);
	if (buf_append(out, "{", 1, e) < 0)
		goto out;
	for (i = 0; i < k; i++) {
		if ((i && buf_append(out, ",", 1, e) < 0) ||
		    put_string(keys[i], strlen(keys[i]), out, e) < 0 ||
		    buf_append(out, ":", 1, e) < 0 ||
		    put_value(json_object_get(v, keys[i]), what, depth + 1, out,
			      e) < 0)
			goto out;
	}
	rc = buf_append(out, "}", 1, e);
out:
	free(keys);
	return rc;
}

static int put_value(const json_t *v, const char *what, int depth,
		     struct buf *out, struct err *e)
{
	size_t i;

	if (depth > JCS_MAX_DEPTH)
		return err_set(e, ERR_REFUSED, "%s: nested deeper than %d",
			       what, JCS_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(v, what, depth, out, e);
	case JSON_ARRAY:
		if (buf_append(out, "[", 1, e) < 0)
			return -1;
		for (i = 0; i < json_array_size(v); i++)
			if ((i && buf_append(out, ",", 1, e) < 0) ||
			    put_value(json_array_get(v, i), what, depth + 1,
				      out, e) < 0)
				return -1;
		return buf_append(out, "]", 1, e);
	case JSON_STRING:
		return put_string(json_string_value(v), json_string_length(v),
				  out, e);
	case JSON_INTEGER: {
		json_int_t n = json_integer_value(v);

		if (n > JS_SAFE_MAX || n < -JS_SAFE_MAX)
			return err_set(e, ERR_REFUSED,
				       "%s: integer %lld is beyond 2^53 - 1; "
				       "a signed document keeps to exact integers",
				       what, (long long)n);
		return buf_printf(out, e, "%lld", (long long)n);
	}
	case JSON_REAL:
		return err_set(e, ERR_REFUSED,
			       "%s: a real number; labrun signs no floats "
			       "(write it as a string or an integer)",
			       what);
	case JSON_TRUE:
		return buf_puts(out, "true", e);
	case JSON_FALSE:
		return buf_puts(out, "false", e);
	case JSON_NULL:
		return buf_puts(out, "null", e);
	}
	return err_set(e, ERR_BUG, "%s: unknown JSON type", what);
}

int jcs_write(const json_t *v, const char *what, struct buf *out,
	      struct err *e)
{
	if (!v)
		return err_set(e, ERR_BUG, "%s: no value", what);
	return put_value(v, what, 0, out, e);
}
