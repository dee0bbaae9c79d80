/* utf8: validating and escaping UTF-8 byte strings.  It knows nothing of
 * JSON and does not decode code points. */
#include <stddef.h>

#include "base/err.h"
#include "base/utf8.h"
#include "base/util.h"

/* The length of the sequence a lead byte starts (0 if it starts none) and
 * the range of the byte after it: the ranges exclude overlong forms,
 * surrogates and code points above U+10FFFF (RFC 3629, section 4). */
static size_t lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/* 1 if in[0..have) could begin (or be) a valid sequence of need bytes. */
static int prefix_ok(const unsigned char *in, size_t have, size_t need,
		     unsigned char lo, unsigned char hi)
{
	size_t i;

	if (have >= 2 && need >= 2 && (in[1] < lo || in[1] > hi))
		return 0;
	for (i = 2; i < have && i < need; i++)
		if (in[i] < 0x80 || in[i] > 0xbf)
			return 0;
	return 1;
}

size_t utf8_seq_len(const unsigned char *in, size_t len)
{
	unsigned char lo, hi;
	size_t n = lead(in[0], &lo, &hi);

	if (!n || len < n || !prefix_ok(in, n, n, lo, hi))
		return 0;
	return n;
}

int utf8_escape(const unsigned char *in, size_t len, struct buf *out,
		struct err *e)
{
	static const char digits[] = "0123456789abcdef";
	size_t i = 0, run = 0, n;
	char esc[4] = {'\\', 'x', 0, 0};

	/* Copy valid runs in one piece; escape each bad byte alone, then
	 * resynchronise on the next byte. */
	while (i < len) {
		n = utf8_seq_len(in + i, len - i);
		if (n) {
			i += n;
			continue;
		}
		if (buf_append(out, in + run, i - run, e) < 0)
			return -1;
		esc[2] = digits[in[i] >> 4];
		esc[3] = digits[in[i] & 15];
		if (buf_append(out, esc, sizeof esc, e) < 0)
			return -1;
		run = ++i;
	}
	return buf_append(out, in + run, len - run, e);
}

size_t utf8_broken_len(const unsigned char *in, size_t len)
{
	unsigned char lo, hi;
	size_t need = lead(in[0], &lo, &hi), n = 1;

	/* A lead byte takes the continuation bytes that still fit it (the
	 * "maximal subpart" of Unicode's chapter 3): one error, as a UTF-8
	 * terminal shows it. */
	while (need > 1 && n < need && n < len &&
	       prefix_ok(in, n + 1, need, lo, hi))
		n++;
	return n;
}

size_t utf8_incomplete_tail(const unsigned char *in, size_t len)
{
	unsigned char lo, hi;
	size_t back, need;

	/* The lead byte of an unfinished sequence is at most 3 bytes back;
	 * whatever follows it must still fit a valid sequence. */
	for (back = 1; back <= 3 && back <= len; back++) {
		unsigned char c = in[len - back];

		if (c >= 0x80 && c < 0xc0)
			continue; /* a continuation byte: look further back */
		need = lead(c, &lo, &hi);
		if (need <= back)
			return 0;
		return prefix_ok(in + len - back, back, need, lo, hi) ? back : 0;
	}
	return 0;
}

int utf8_valid(const unsigned char *in, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq_len(in + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}
