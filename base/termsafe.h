/* termsafe: text labrun prints from evidence, bundles, job lists and
 * candidates, made inert for the terminal it is printed on.  A terminal
 * acts on control characters (ESC begins the sequences that write the
 * clipboard, set the window title, or make it answer by typing into the
 * shell) and, in some configurations, on C1 controls (U+0080..U+009F, or
 * the raw bytes 0x80..0x9f); none of them gets through.  Escaped:
 *   - C0 controls other than newline and tab, as "\x1b" (lowercase hex);
 *   - DEL and the C1 code points, as "\u007f" and "\u009b": inside a JSON
 *     string that is the same character as a JSON escape, so JSON output
 *     stays valid JSON with the same meaning;
 *   - every byte that is not part of valid UTF-8, as "\xNN" (utf8.h's
 *     form).
 * Everything else, newline and tab included, is copied as it is.  It does
 * not escape backslashes, so it is not reversible: the result is for a
 * person to read.  It does not print (the command layer does, through
 * cmd_printf and cmd_write) and it knows nothing of recordings (cast.c
 * neutralises those). */
#ifndef LABRUN_TERMSAFE_H
#define LABRUN_TERMSAFE_H

#include <stddef.h>

struct err;
struct buf;

/* Append in[0..len) to out, escaped as above. */
int termsafe_escape(const void *in, size_t len, struct buf *out,
		    struct err *e);

/* 1 when termsafe_escape would copy in[0..len) unchanged. */
int termsafe_clean(const void *in, size_t len);

#endif
