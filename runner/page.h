/* page: an HTML page written as escaped text into a buffer: what the
 * report (report.c, report_trace.c) is made of.  Knows nothing of
 * evidence. */
#ifndef LABRUN_PAGE_H
#define LABRUN_PAGE_H

#include <stddef.h>

struct buf;
struct err;

/* The page being written: a failed append is remembered, not rechecked at
 * every call (the caller looks at failed once, at the end). */
struct page {
	struct buf *b;
	struct err *e;
	int failed;
};

void page_put(struct page *p, const char *s);
void page_putf(struct page *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Text from the evidence as HTML text or attribute value: & < > " '
 * as entities, a C0 control but newline and tab as the visible \xNN, a
 * byte that is not UTF-8 as \xNN. */
void page_esc(struct page *p, const void *s, size_t len);
void page_escs(struct page *p, const char *s);
/* Thousandths of a point as "2", "2.5", "0.125". */
void report_points(char out[32], long long th);
/* A time in nanoseconds since the epoch as RFC 3339 with milliseconds. */
void report_nano_time(long long ns, char out[40]);

/* A JSON string of in[0..len) safe inside any <script> block: every <, >
 * and & escaped, U+2028 and U+2029 escaped, a byte that is not UTF-8 as
 * U+FFFD. */
void page_json_string(struct page *p, const unsigned char *in, size_t len);

#endif
