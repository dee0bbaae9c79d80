/* test_utf8: escaping of invalid UTF-8, detection of unfinished sequences
 * at the end of a piece, and the length of valid and broken sequences. */
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/utf8.h"
#include "base/util.h"
#include "tests/unit/tap.h"

static void esc(const char *in, size_t len, const char *want, const char *what)
{
	struct buf b = BUF_INIT;
	struct err e = {0};

	ok(utf8_escape((const unsigned char *)in, len, &b, &e) == 0, "%s: escaped", what);
	is_str(b.data ? (char *)b.data : "", want, "%s", what);
	ok(utf8_valid(b.data ? b.data : (const unsigned char *)"", b.len),
	   "%s: result is valid UTF-8", what);
	buf_release(&b);
}

#define ESC(lit, want, what) esc(lit, sizeof lit - 1, want, what)
#define TAIL(lit) utf8_incomplete_tail((const unsigned char *)lit, sizeof lit - 1)

/* Escaping a stream piece by piece, holding back each piece's unfinished
 * tail, gives the same text as escaping it whole: for every split point of
 * many pseudo-random byte strings rich in UTF-8 lead bytes. */
static void test_split_property(void)
{
	static const unsigned char alphabet[] = {
		'a', 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc2, 0xc3, 0xdf, 0xe0,
		0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x00,
	};
	uint32_t x = 12345;
	unsigned char s[12];
	size_t i, k, tail, n, bad = 0, cases = 0;

	for (n = 0; n < 4000; n++) {
		struct buf whole = BUF_INIT;

		for (i = 0; i < sizeof s; i++) {
			x = x * 1103515245u + 12345u; /* a fixed LCG: reproducible */
			s[i] = alphabet[(x >> 16) % sizeof alphabet];
		}
		utf8_escape(s, sizeof s, &whole, NULL);
		for (k = 0; k <= sizeof s; k++) {
			struct buf parts = BUF_INIT;

			tail = utf8_incomplete_tail(s, k);
			utf8_escape(s, k - tail, &parts, NULL);
			utf8_escape(s + k - tail, sizeof s - (k - tail), &parts, NULL);
			bad += parts.len != whole.len ||
			       memcmp(parts.data, whole.data, whole.len);
			cases++;
			buf_release(&parts);
		}
		buf_release(&whole);
	}
	ok(bad == 0, "split anywhere, joined: same as whole (%zu cases)", cases);
}

#define BROKEN(lit) utf8_broken_len((const unsigned char *)lit, sizeof lit - 1)

/* A broken sequence is one error: its lead byte and the continuation bytes
 * that still fit it (cast.c reads what follows as new input). */
static void test_broken(void)
{
	ok(BROKEN("\xe2\x82" "A") == 2, "a 3-byte sequence cut after 2: 2 bytes");
	ok(BROKEN("\xe2\x82") == 2, "cut by the end of the input: 2 bytes");
	ok(BROKEN("\xf0\x9f\x98" "A") == 3, "a 4-byte sequence cut after 3");
	ok(BROKEN("\xc3" "A") == 1, "a lead byte alone");
	ok(BROKEN("\xed\xa0\x80") == 1, "a surrogate's lead: its second byte does not fit");
	ok(BROKEN("\xe0\x80\x80") == 1, "an overlong form's lead");
	ok(BROKEN("\x9b" "6n") == 1 && BROKEN("\xff") == 1, "a byte that leads nothing");
	ok(utf8_seq_len((const unsigned char *)"\xc2\x9b", 2) == 2 &&
	   utf8_seq_len((const unsigned char *)"\xc2", 1) == 0 &&
	   utf8_seq_len((const unsigned char *)"A", 1) == 1, "utf8_seq_len");
}

int main(void)
{
	test_split_property();
	test_broken();
	ESC("", "", "empty");
	ESC("plain ascii\r\n", "plain ascii\r\n", "ascii unchanged");
	ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "2, 3 and 4 byte sequences unchanged");
	ESC("a\xff" "b", "a\\xffb", "lone 0xff");
	ESC("\x80", "\\x80", "lone continuation byte");
	ESC("\xc3(", "\\xc3(", "lead byte without continuation");
	ESC("\xc0\xaf", "\\xc0\\xaf", "overlong slash");
	ESC("\xe0\x80\xaf", "\\xe0\\x80\\xaf", "overlong 3-byte");
	ESC("\xed\xa0\x80", "\\xed\\xa0\\x80", "surrogate");
	ESC("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "above U+10FFFF");
	ESC("\xf5\x80", "\\xf5\\x80", "0xf5 lead");
	ESC("\xe2\x82", "\\xe2\\x82", "cut 3-byte sequence");
	ESC("x\xe2\x82\xac\xe2", "x\xe2\x82\xac\\xe2", "valid then cut");
	ESC("a\0b", "a\0b", "NUL is valid");
	{
		struct buf b = BUF_INIT;

		utf8_escape((const unsigned char *)"a\0b", 3, &b, NULL);
		ok(b.len == 3 && b.data[1] == 0, "NUL kept as a byte");
		buf_release(&b);
	}

	ok(TAIL("abc") == 0, "tail: ascii");
	ok(TAIL("") == 0, "tail: empty");
	ok(TAIL("a\xc3") == 1, "tail: 2-byte lead");
	ok(TAIL("a\xe2\x82") == 2, "tail: 3-byte, 2 present");
	ok(TAIL("a\xe2") == 1, "tail: 3-byte, 1 present");
	ok(TAIL("\xf0\x9f\x98") == 3, "tail: 4-byte, 3 present");
	ok(TAIL("\xf0\x9f") == 2, "tail: 4-byte, 2 present");
	ok(TAIL("\xe2\x82\xac") == 0, "tail: complete 3-byte");
	ok(TAIL("\xc3\xa9") == 0, "tail: complete 2-byte");
	ok(TAIL("\xe0\x80") == 0, "tail: overlong prefix is not kept");
	ok(TAIL("\xed\xa0") == 0, "tail: surrogate prefix is not kept");
	ok(TAIL("\xf4\x90") == 0, "tail: beyond U+10FFFF is not kept");
	ok(TAIL("\x80\x80") == 0, "tail: continuation bytes alone");
	ok(TAIL("\xff") == 0, "tail: 0xff");
	ok(TAIL("\xe2\x41") == 0, "tail: lead then ascii");
	ok(TAIL("\xf0\x9f\x41") == 0, "tail: broken 4-byte prefix");
	return tap_done();
}
