/* test_cast: the asciicast v2 recorder: header, event lines that jansson
 * parses, UTF-8 sequences split across reads, invalid bytes escaped, the
 * output cap and its marker, times. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "runner/cast.h"
#include "runner/err.h"
#include "runner/util.h"
#include "tests/unit/tap.h"

#define MARK(n) "\r\n[labrun: recording stopped: output cap of " #n " bytes reached]\r\n"

struct rec {
	struct buf file;
	char *line[64]; /* lines of the file, NUL-terminated */
	size_t n;
};

static void split_lines(struct rec *r)
{
	char *p = (char *)r->file.data, *nl;

	r->n = 0;
	while (p && *p && r->n < 64) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		r->line[r->n++] = p;
		p = nl + 1;
	}
}

/* Event i (0 = first after the header): its time text and its data. */
static int event(const struct rec *r, size_t i, const char **time_text,
		 char **data, size_t *len)
{
	json_error_t je;
	json_t *v;
	const char *l;

	if (i + 1 >= r->n)
		return -1;
	l = r->line[i + 1];
	v = json_loads(l, JSON_ALLOW_NUL, &je);
	if (!v || !json_is_array(v) || json_array_size(v) != 3 ||
	    !json_is_real(json_array_get(v, 0)) ||
	    strcmp(json_string_value(json_array_get(v, 1)), "o") ||
	    !json_is_string(json_array_get(v, 2))) {
		json_decref(v);
		return -1;
	}
	*len = json_string_length(json_array_get(v, 2));
	*data = malloc(*len + 1);
	memcpy(*data, json_string_value(json_array_get(v, 2)), *len + 1);
	json_decref(v);
	if (time_text)
		*time_text = l + 1;
	return 0;
}

static void is_event(const struct rec *r, size_t i, const char *want,
		     size_t wantlen, const char *what)
{
	char *d = NULL;
	size_t len = 0;
	int rc = event(r, i, NULL, &d, &len);

	ok(rc == 0 && len == wantlen && !memcmp(d, want, len), "%s", what);
	if (rc == 0 && (len != wantlen || memcmp(d, want, len)))
		printf("#   got '%.*s'\n", (int)len, d);
	free(d);
}
#define IS_EVENT(r, i, lit, what) is_event(r, i, lit, sizeof lit - 1, what)

static void record(struct rec *r, size_t cap, const char *const *chunks,
		   const size_t *lens, const long long *times, size_t n)
{
	struct cast *c = NULL;
	struct err e = {0};
	size_t i;
	int bad = 0;

	memset(r, 0, sizeof *r);
	if (cast_open(&c, 80, 24, 1700000000, cap, &e) < 0) {
		ok(0, "cast_open: %s", e.msg);
		return;
	}
	for (i = 0; i < n; i++)
		bad |= cast_output(c, times ? times[i] : (long long)i * 1000,
				   chunks[i], lens[i], &e) < 0;
	bad |= cast_finish(c, 99000000, &r->file, &e) < 0;
	ok(!bad, "recorded %zu chunks", n);
	cast_free(c);
	split_lines(r);
}

static void all_lines_json(const struct rec *r, const char *what)
{
	size_t i;
	int good = r->n > 0;

	for (i = 0; i < r->n; i++) {
		json_error_t je;
		json_t *v = json_loads(r->line[i], 0, &je);

		if (!v)
			good = 0;
		json_decref(v);
	}
	ok(good, "%s: every line is valid JSON", what);
}

int main(void)
{
	struct rec r;

	{
		static const char *const ch[] = {"hello\r\n"};
		static const size_t ln[] = {7};
		static const long long t[] = {1234567};
		const char *tt;
		char *d;
		size_t len;

		record(&r, 1000, ch, ln, t, 1);
		is_str(r.line[0],
		       "{\"version\": 2, \"width\": 80, \"height\": 24, "
		       "\"timestamp\": 1700000000, \"env\": {\"TERM\": "
		       "\"xterm-256color\", \"SHELL\": \"/bin/bash\"}}",
		       "header line");
		ok(r.n == 2, "one event");
		ok(event(&r, 0, &tt, &d, &len) == 0 && !strncmp(tt, "1.234567, ", 10),
		   "time printed with 6 decimals");
		free(d);
		is_str(r.line[1], "[1.234567, \"o\", \"hello\\r\\n\"]", "event line");
		all_lines_json(&r, "simple");
		buf_release(&r.file);
	}
	{
		/* é split 1+1, € split 2+1, 😀 split 1+1+2 */
		static const char *const ch[] = {"a\xc3", "\xa9" "b", "\xe2\x82",
						 "\xac", "\xf0", "\x9f", "\x98\x80!"};
		static const size_t ln[] = {2, 2, 2, 1, 1, 1, 3};

		record(&r, 1000, ch, ln, NULL, 7);
		ok(r.n == 5, "split sequences: events only when text is complete (%zu lines)", r.n);
		IS_EVENT(&r, 0, "a", "split 2-byte: first part");
		IS_EVENT(&r, 1, "\xc3\xa9" "b", "split 2-byte joined");
		IS_EVENT(&r, 2, "\xe2\x82\xac", "split 3-byte joined");
		IS_EVENT(&r, 3, "\xf0\x9f\x98\x80!", "split 4-byte joined over 3 reads");
		all_lines_json(&r, "split");
		buf_release(&r.file);
	}
	{
		static const char *const ch[] = {"a\xff", "\xc0\xaf", "\xed\xa0\x80",
						 "\x1b[1m\"q\"\\", "x\xe2\x82"};
		static const size_t ln[] = {2, 2, 3, 8, 3};

		record(&r, 1000, ch, ln, NULL, 5);
		IS_EVENT(&r, 0, "a\\xff", "invalid byte escaped as \\xff");
		IS_EVENT(&r, 1, "\\xc0\\xaf", "overlong escaped");
		IS_EVENT(&r, 2, "\\xed\\xa0\\x80", "surrogate escaped");
		IS_EVENT(&r, 3, "\x1b[1m\"q\"\\", "escape, quotes, backslash kept");
		ok(strstr(r.line[4], "\\u001b[1m\\\"q\\\"\\\\") != NULL,
		   "ESC written as \\u001b, quotes and backslash escaped");
		IS_EVENT(&r, 4, "x", "a cut sequence waits");
		IS_EVENT(&r, 5, "\\xe2\\x82", "and is escaped at finish");
		all_lines_json(&r, "invalid");
		buf_release(&r.file);
	}
	{
		static const char *const ch[] = {"a\0b"};
		static const size_t ln[] = {3};

		record(&r, 1000, ch, ln, NULL, 1);
		ok(strstr(r.line[1], "a\\u0000b") != NULL, "NUL written as \\u0000");
		IS_EVENT(&r, 0, "a\0b", "NUL survives");
		buf_release(&r.file);
	}
	{
		static const char *const ch[] = {"01234", "56789ABC", "more", "more"};
		static const size_t ln[] = {5, 8, 4, 4};
		struct cast *c;
		struct err e;

		record(&r, 10, ch, ln, NULL, 4);
		ok(r.n == 4, "cap: two data events and the marker (%zu lines)", r.n);
		IS_EVENT(&r, 0, "01234", "cap: first chunk whole");
		IS_EVENT(&r, 1, "56789", "cap: second chunk cut at the cap");
		IS_EVENT(&r, 2, MARK(10), "cap: the marker event");
		ok(strstr((char *)r.file.data, "more") == NULL, "nothing after the cap");
		all_lines_json(&r, "cap");
		buf_release(&r.file);

		cast_open(&c, 80, 24, 0, 4, &e);
		ok(cast_output(c, 0, "abcd", 4, &e) == 0 && !cast_capped(c),
		   "exactly max_bytes is not capped");
		ok(cast_output(c, 1, "e", 1, &e) == 0 && cast_capped(c),
		   "one more byte caps");
		ok(cast_output(c, 2, "f", 1, &e) == 0 && cast_capped(c), "capped stays");
		cast_finish(c, 3, &r.file, &e);
		cast_free(c);
		split_lines(&r);
		ok(r.n == 3, "capped: one data event and one marker");
		IS_EVENT(&r, 1, MARK(4), "marker once");
		buf_release(&r.file);
	}
	{
		/* A sequence cut by the cap is escaped, not held forever. */
		static const char *const ch[] = {"ab\xe2\x82\xac"};
		static const size_t ln[] = {5};

		record(&r, 4, ch, ln, NULL, 1);
		IS_EVENT(&r, 0, "ab\\xe2\\x82", "cap inside a sequence escapes its start");
		IS_EVENT(&r, 1, MARK(4), "and marks the cap");
		buf_release(&r.file);
	}
	{
		/* Tiny control-character events grow the file far beyond the
		 * output: the file has its own bound. */
		struct cast *c = NULL;
		struct err e = {0};
		struct buf f = BUF_INIT;
		size_t i, bound = 100000 * 4 + (64u << 10);
		const char *p, *mark;
		int bad = 0;

		cast_open(&c, 80, 24, 0, 100000, &e);
		for (i = 0; i < 100000 && !cast_capped(c); i++)
			bad |= cast_output(c, (long long)i, "\x01", 1, &e) < 0;
		ok(!bad && cast_capped(c) && i < 100000,
		   "many tiny events hit the file bound (after %zu)", i);
		cast_finish(c, 0, &f, &e);
		cast_free(c);
		mark = strstr((char *)f.data, "recording cap of");
		ok(mark && strstr(mark + 1, "recording stopped") == NULL,
		   "one recording-cap marker");
		p = strrchr((char *)f.data, '[');
		ok(p && strstr(p, "recording cap of") != NULL, "the marker is last");
		ok(f.len < bound + 400, "file stays within the bound (%zu bytes)",
		   f.len);
		buf_release(&f);
	}
	{
		static const char *const ch[] = {"a", "b", "c"};
		static const size_t ln[] = {1, 1, 1};
		static const long long t[] = {5000000, 1000, 0};

		record(&r, 100, ch, ln, t, 3);
		is_str(r.line[1], "[5.000000, \"o\", \"a\"]", "time 5 s");
		is_str(r.line[2], "[5.000000, \"o\", \"b\"]", "time never goes back");
		is_str(r.line[3], "[5.000000, \"o\", \"c\"]", "time never goes back (2)");
		buf_release(&r.file);
	}
	{
		struct cast *c = NULL;
		struct err e = {0};

		ok(cast_open(&c, 0, 24, 0, 10, &e) < 0 && e.kind == ERR_BUG,
		   "zero width refused");
	}
	return tap_done();
}
