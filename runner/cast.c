/* cast: an asciicast v2 recording of terminal output, in memory, under a
 * byte cap.  It does not read the terminal, keep input, or write files: the
 * session feeds it output and the evidence module stores the result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/cast.h"
#include "runner/err.h"
#include "runner/limits.h"
#include "runner/utf8.h"
#include "runner/util.h"

struct cast {
	struct buf out;      /* the file so far */
	size_t max_bytes;    /* bytes of output recorded at most */
	size_t recorded;     /* bytes of output taken so far */
	size_t max_events;   /* bytes of event lines at most (escaping grows them) */
	size_t events;       /* bytes of event lines so far */
	unsigned char pend[4]; /* an unfinished UTF-8 sequence from the last call */
	size_t npend;
	int64_t last_us;     /* events never go back in time */
	int capped;
};

static const char hexdig[] = "0123456789abcdef";

/* Append s as a JSON string: quotes, backslashes and control characters
 * escaped; s is valid UTF-8 already. */
static int json_quote(struct buf *b, const unsigned char *s, size_t len,
		      struct err *e)
{
	size_t i, run = 0;
	char u[6] = {'\\', 'u', '0', '0', 0, 0};
	const char *esc;

	if (buf_append(b, "\"", 1, e) < 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_append(b, s + run, i - run, e) < 0)
			return -1;
		run = i + 1;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default: esc = NULL; break;
		}
		if (esc) {
			if (buf_puts(b, esc, e) < 0)
				return -1;
			continue;
		}
		u[4] = hexdig[c >> 4];
		u[5] = hexdig[c & 15];
		if (buf_append(b, u, sizeof u, e) < 0)
			return -1;
	}
	if (buf_append(b, s + run, len - run, e) < 0)
		return -1;
	return buf_append(b, "\"", 1, e);
}

/* One line [T, "o", "text"] (or "i" for input) into line; data may hold
 * invalid UTF-8. */
static int format_event(struct buf *line, int64_t t_us, char kind,
			const void *data, size_t len, struct err *e)
{
	struct buf text = BUF_INIT;
	int rc = -1;

	if (utf8_escape(data, len, &text, e) < 0)
		goto out;
	if (buf_printf(line, e, "[%lld.%06lld, \"%c\", ",
		       (long long)(t_us / 1000000),
		       (long long)(t_us % 1000000), kind) < 0 ||
	    json_quote(line, text.data, text.len, e) < 0 ||
	    buf_puts(line, "]\n", e) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&text);
	return rc;
}

/* Append one event.  With bounded set, an event that would take the
 * event lines past max_events is not appended and 1 is returned. */
static int emit(struct cast *c, int64_t t_us, char kind, const void *data,
		size_t len, int bounded, struct err *e)
{
	struct buf line = BUF_INIT;
	int rc = 1;

	if (format_event(&line, t_us, kind, data, len, e) < 0)
		return -1;
	if (!bounded || line.len <= c->max_events - c->events) {
		rc = buf_append(&c->out, line.data, line.len, e);
		if (rc == 0)
			c->events += line.len;
	}
	buf_release(&line);
	return rc;
}

/* The last event: why nothing more was recorded. */
static int stop(struct cast *c, int64_t t_us, const char *what, size_t n,
		struct err *e)
{
	struct buf msg = BUF_INIT;
	int rc;

	if (buf_printf(&msg, e,
		       "\r\n[labrun: recording stopped: %s cap of %zu bytes reached]\r\n",
		       what, n) < 0)
		return -1;
	c->capped = 1;
	rc = emit(c, t_us, 'o', msg.data, msg.len, 0, e);
	buf_release(&msg);
	return rc;
}

int cast_open(struct cast **out, unsigned width, unsigned height,
	      int64_t start_unix_s, size_t max_bytes, struct err *e)
{
	struct cast *c;

	if (!width || !height)
		return err_set(e, ERR_BUG, "cast: terminal size %ux%u", width,
			       height);
	c = calloc(1, sizeof *c);
	if (!c)
		return err_set(e, ERR_HOST, "out of memory");
	c->max_bytes = max_bytes;
	c->max_events = max_bytes > (SIZE_MAX - CAST_MAX_FILE_SLACK) /
					    CAST_MAX_FILE_FACTOR
				? SIZE_MAX
				: max_bytes * CAST_MAX_FILE_FACTOR +
					  CAST_MAX_FILE_SLACK;
	if (buf_printf(&c->out, e,
		       "{\"version\": 2, \"width\": %u, \"height\": %u, "
		       "\"timestamp\": %lld, \"env\": {\"TERM\": "
		       "\"xterm-256color\", \"SHELL\": \"/bin/bash\"}}\n",
		       width, height, (long long)start_unix_s) < 0) {
		cast_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int64_t clamp_time(struct cast *c, int64_t t_us)
{
	if (t_us < c->last_us)
		t_us = c->last_us;
	c->last_us = t_us;
	return t_us;
}

int cast_output(struct cast *c, int64_t t_us, const void *data, size_t len,
		struct err *e)
{
	struct buf chunk = BUF_INIT;
	size_t take, keep;
	int hit, rc = -1;

	if (c->capped || len == 0)
		return 0;
	t_us = clamp_time(c, t_us);
	take = c->max_bytes - c->recorded;
	hit = len > take;
	if (!hit)
		take = len;
	if (buf_append(&chunk, c->pend, c->npend, e) < 0 ||
	    buf_append(&chunk, data, take, e) < 0)
		goto out;
	c->recorded += take;
	c->npend = 0;
	/* At the cap an unfinished sequence is cut for good: escape it. */
	keep = hit ? 0 : utf8_incomplete_tail(chunk.data, chunk.len);
	memcpy(c->pend, chunk.data + chunk.len - keep, keep);
	c->npend = keep;
	chunk.len -= keep;
	if (chunk.len) {
		/* Escaping and many small events can make the file far
		 * larger than the output: bound the file too. */
		rc = emit(c, t_us, 'o', chunk.data, chunk.len, 1, e);
		if (rc < 0)
			goto out;
		if (rc > 0) {
			c->npend = 0;
			rc = stop(c, t_us, "recording", c->max_events, e);
			goto out;
		}
	}
	rc = hit ? stop(c, t_us, "output", c->max_bytes, e) : 0;
out:
	buf_release(&chunk);
	return rc;
}

int cast_input(struct cast *c, int64_t t_us, const void *data, size_t len,
	       struct err *e)
{
	int rc;

	if (c->capped || len == 0)
		return 0;
	rc = emit(c, clamp_time(c, t_us), 'i', data, len, 1, e);
	if (rc > 0)
		rc = stop(c, t_us, "recording", c->max_events, e);
	return rc;
}

int cast_capped(const struct cast *c)
{
	return c->capped;
}

int cast_finish(struct cast *c, int64_t t_us, struct buf *out, struct err *e)
{
	t_us = clamp_time(c, t_us);
	if (!c->capped && c->npend) {
		if (emit(c, t_us, 'o', c->pend, c->npend, 0, e) < 0)
			return -1;
		c->npend = 0;
	}
	if (out->len == 0) {
		buf_release(out);
		*out = c->out;
		c->out = (struct buf)BUF_INIT;
		return 0;
	}
	if (buf_append(out, c->out.data, c->out.len, e) < 0)
		return -1;
	buf_release(&c->out);
	return 0;
}

void cast_free(struct cast *c)
{
	if (!c)
		return;
	buf_release(&c->out);
	free(c);
}
