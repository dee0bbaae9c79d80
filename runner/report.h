/* report: one self-contained HTML page of a verified evidence file, for an
 * auditor: the verdict, the checks, hints, the fault and command
 * timelines, the answers, the candidate's trace chain against the
 * platform's spans, and the terminal replay (asciinema-player, inlined).
 * Every byte of the evidence is escaped; the page loads nothing (its
 * Content-Security-Policy forbids any fetch).  It does not verify the
 * evidence (the caller hands it ev_open's members) nor write files. */
#ifndef LABRUN_REPORT_H
#define LABRUN_REPORT_H

#include <stddef.h>

struct err;
struct buf;
struct tar_list;

/* The player's two files, as read from where labrun keeps them. */
struct report_player {
	const char *js;  /* asciinema-player.min.js */
	size_t js_len;   /* bytes */
	const char *css; /* asciinema-player.css */
	size_t css_len;  /* bytes */
};

/* What the page says of where it came from. */
struct report_source {
	const char *evidence;  /* the file name as given */
	const char *digest;    /* hex SHA-256 of the file */
	const char *issuer;    /* the issuer key id it verified against */
};

/* The directory holding asciinema-player.min.js and asciinema-player.css:
 * share/labrun/asciinema-player beside the binary (the build tree) or
 * ../share/labrun/asciinema-player (installed).  -1 ERR_HOST naming the
 * places looked at and `make deps` when neither has both files. */
int report_find_player(char *dir, size_t size, struct err *e);

/* The page for members (ev_open's, verified) into out (empty). */
int report_html(const struct tar_list *members, const struct report_source *src,
		const struct report_player *player, struct buf *out,
		struct err *e);

/* ---- shared with report_trace.c ---- */

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

/* The trace section: answers/chain.json against the platform's spans in
 * changes/var/log/agentd/spans.jsonl, and the grader's check of it. */
void report_trace(struct page *p, const struct tar_list *members,
		  const void *result_json);

#endif
