/* cast: an asciicast v2 recording of a session's terminal output, built in
 * memory under a byte cap.  Invalid UTF-8 is escaped as the text "\xNN"
 * (a sequence split across reads is joined first), so the file is valid
 * JSON that Debian's asciinema plays.  When the cap is reached a last
 * output event says so and nothing more is recorded.  Event times are
 * seconds with microseconds: asciicast's format, the one place labrun
 * writes non-integer numbers. */
#ifndef LABRUN_CAST_H
#define LABRUN_CAST_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct buf;
struct cast;

int cast_open(struct cast **out, unsigned width, unsigned height,
	      int64_t start_unix_s, size_t max_bytes, struct err *e);
/* t_us: microseconds since the session started. */
int cast_output(struct cast *c, int64_t t_us, const void *data, size_t len,
		struct err *e);
/* The candidate's keystrokes, as "i" events (when the scenario asks for
 * them); bounded like the output's file. */
int cast_input(struct cast *c, int64_t t_us, const void *data, size_t len,
	       struct err *e);
/* 1 once the cap was hit. */
int cast_capped(const struct cast *c);
/* Flush pending bytes and hand over the file's bytes. */
int cast_finish(struct cast *c, int64_t t_us, struct buf *out, struct err *e);
void cast_free(struct cast *c);

#endif
