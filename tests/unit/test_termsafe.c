/* test_termsafe: what labrun prints from evidence and bundles reaches the
 * terminal inert: C0 controls (not newline and tab), DEL, C1 code points
 * and invalid UTF-8 escaped, everything else untouched, JSON still JSON. */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/termsafe.h"
#include "base/util.h"
#include "tests/unit/tap.h"

static void esc(const char *in, size_t len, const char *want, const char *what)
{
	struct buf b = BUF_INIT;
	struct err e = {0};

	ok(termsafe_escape(in, len, &b, &e) == 0, "%s: escaped", what);
	is_str(b.data ? (char *)b.data : "", want, "%s", what);
	ok(termsafe_clean(in, len) == (b.len == len && !memcmp(b.data, in, len)),
	   "%s: termsafe_clean agrees", what);
	ok(termsafe_clean(b.data ? b.data : (const unsigned char *)"", b.len),
	   "%s: the result is clean", what);
	buf_release(&b);
}

#define ESC(lit, want, what) esc(lit, sizeof lit - 1, want, what)

/* No byte string, however hostile, escapes to anything a terminal acts on:
 * every byte of the result is printable ASCII, newline, tab, or part of a
 * valid UTF-8 sequence that is not a C1 control. */
static void test_random(void)
{
	static const unsigned char alphabet[] = {
		'a', '\\', '\n', '\t', 0x1b, 0x07, 0x00, 0x05, 0x7f, 0x80, 0x9b,
		0x9c, 0x9d, 0xa0, 0xc2, 0xc3, 0xe2, 0xf0, 0xff, '[', ']',
	};
	uint32_t x = 4242;
	unsigned char s[16];
	size_t i, n, bad = 0;

	for (n = 0; n < 5000; n++) {
		struct buf b = BUF_INIT;

		for (i = 0; i < sizeof s; i++) {
			x = x * 1103515245u + 12345u;
			s[i] = alphabet[(x >> 16) % sizeof alphabet];
		}
		termsafe_escape(s, sizeof s, &b, NULL);
		for (i = 0; i < b.len; i++) {
			unsigned char c = b.data[i];

			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
			    (c == 0xc2 && i + 1 < b.len && b.data[i + 1] < 0xa0))
				bad++;
		}
		if (!termsafe_clean(b.data, b.len))
			bad++;
		buf_release(&b);
	}
	ok(bad == 0, "5000 random hostile strings escape to inert text (%zu bad)", bad);
}

/* Escaping jansson's output keeps it JSON, with the same strings. */
static void test_json(void)
{
	json_t *o = json_pack("{s:s}", "title", "a\xc2\x9b" "6n\x7f" "b\x1b]52;c;x\x07");
	char *txt = json_dumps(o, JSON_COMPACT);
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *back;

	termsafe_escape(txt, strlen(txt), &b, NULL);
	back = json_loadb((const char *)b.data, b.len, 0, &je);
	ok(back && json_equal(o, back), "escaped JSON output parses to the same value");
	ok(!memchr(b.data, 0x1b, b.len) && !memchr(b.data, 0x7f, b.len) &&
	   !strstr((char *)b.data, "\xc2\x9b"), "and holds no control");
	json_decref(back);
	json_decref(o);
	free(txt);
	buf_release(&b);
}

int main(void)
{
	ESC("plain text, caf\xc3\xa9 and \xe2\x82\xac\n\ttabbed",
	    "plain text, caf\xc3\xa9 and \xe2\x82\xac\n\ttabbed",
	    "printable text, UTF-8, newline and tab pass");
	ESC("", "", "nothing stays nothing");
	ESC("\x1b]52;c;SGVsbG8=\x07", "\\x1b]52;c;SGVsbG8=\\x07", "OSC 52: ESC and BEL escaped");
	ESC("\x1b[6n\r", "\\x1b[6n\\x0d", "a device status report and CR");
	ESC("a\0b", "a\\x00b", "NUL");
	ESC("\x05\x7f", "\\x05\\u007f", "ENQ and DEL");
	ESC("\xc2\x9b" "6n \xc2\x9d" "0;t\xc2\x9c", "\\u009b6n \\u009d0;t\\u009c",
	    "C1 code points in UTF-8");
	ESC("\xc2\x80\xc2\x9f\xc2\xa0", "\\u0080\\u009f\xc2\xa0",
	    "the C1 range ends at U+009F; U+00A0 is printable");
	ESC("\x9b" "6n\x9d\xff", "\\x9b6n\\x9d\\xff", "8-bit C1 bytes (invalid UTF-8)");
	ESC("\xc2", "\\xc2", "a cut sequence");
	ESC("\xc3\x9b", "\xc3\x9b", "a character whose second byte is 0x9b");
	ESC("back\\slash \\x1b", "back\\slash \\x1b", "backslashes are not escaped");
	test_random();
	test_json();
	return tap_done();
}
