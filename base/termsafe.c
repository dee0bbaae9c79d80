/* termsafe: escaping what a terminal would act on.  One pass over the
 * bytes; valid UTF-8 is recognised with utf8.c and copied in runs.  It
 * does not decide what to print or where. */
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "base/termsafe.h"
#include "base/utf8.h"
#include "base/util.h"

/* How many bytes at in[0..len) are copied as they are (0 when in[0] needs
 * an escape): printable ASCII, newline, tab, or a valid UTF-8 sequence
 * that is not a C1 control (U+0080..U+009F is 0xc2 0x80..0xc2 0x9f). */
static size_t plain(const unsigned char *in, size_t len)
{
	unsigned char c = in[0];
	size_t n;

	if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
		return 1;
	if (c < 0x80)
		return 0;
	n = utf8_seq_len(in, len);
	if (n == 2 && c == 0xc2 && in[1] < 0xa0)
		return 0;
	return n;
}

int termsafe_escape(const void *in, size_t len, struct buf *out,
		    struct err *e)
{
	const unsigned char *s = in;
	size_t i = 0, run = 0, n;
	unsigned char c;
	char esc[8];
	int k;

	while (i < len) {
		n = plain(s + i, len - i);
		if (n) {
			i += n;
			continue;
		}
		if (buf_append(out, s + run, i - run, e) < 0)
			return -1;
		c = s[i];
		if (c == 0xc2 && utf8_seq_len(s + i, len - i) == 2)
			/* a C1 code point, U+0080..U+009F */
			k = snprintf(esc, sizeof esc, "\\u%04x", s[++i]);
		else if (c == 0x7f)
			k = snprintf(esc, sizeof esc, "\\u%04x", c);
		else
			/* a C0 control, or a byte outside valid UTF-8 */
			k = snprintf(esc, sizeof esc, "\\x%02x", c);
		if (buf_append(out, esc, (size_t)k, e) < 0)
			return -1;
		run = ++i;
	}
	return buf_append(out, s + run, len - run, e);
}

int termsafe_clean(const void *in, size_t len)
{
	const unsigned char *s = in;
	size_t i = 0, n;

	while (i < len) {
		n = plain(s + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}
