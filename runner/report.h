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

/* The trace section (report_trace.c): answers/chain.json against the platform's spans in
 * changes/var/log/agentd/spans.jsonl, and the grader's check of it. */
struct page;
void report_trace(struct page *p, const struct tar_list *members,
		  const void *result_json);

#endif
