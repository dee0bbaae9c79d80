/* sim_out: the engine's randomness, clock formats and output: metrics,
 * structured log lines and spans, kept in memory until sim_flush writes
 * them (sim_state.c); and the allocation helpers that mark running out of
 * memory instead of aborting.  It writes no file itself. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/utf8.h"
#include "scenarios/platform/sim_int.h"

/* --- memory ---------------------------------------------------------- */

void *sim_calloc(struct sim *s, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		s->nomem = 1;
	return p;
}

char *sim_strdup(struct sim *s, const char *str)
{
	char *p = strdup(str);

	if (!p)
		s->nomem = 1;
	return p;
}

/* p resized to n entries of size bytes; p stays as it was on failure. */
void *sim_realloc(struct sim *s, void *p, size_t n, size_t size)
{
	void *q = NULL;

	if (size && n <= SIZE_MAX / size)
		q = realloc(p, n * size);
	if (!q)
		s->nomem = 1;
	return q;
}

/* --- randomness and time --------------------------------------------- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: small, fast, and the same on every machine. */
uint64_t sim_rnd(struct sim *s)
{
	uint64_t *r = s->rng, out = rotl(r[1] * 5, 7) * 9, t = r[1] << 17;

	r[2] ^= r[0];
	r[3] ^= r[1];
	r[1] ^= r[2];
	r[0] ^= r[3];
	r[2] ^= t;
	r[3] = rotl(r[3], 45);
	return out;
}

unsigned sim_rnd_below(struct sim *s, unsigned n)
{
	return n ? (unsigned)(sim_rnd(s) % n) : 0;
}

void sim_seed_rng(struct sim *s)
{
	uint64_t x = 0;

	for (size_t i = 0; i < sizeof s->seed; i++)
		x = x * 131 + s->seed[i] + (x >> 59);
	for (int i = 0; i < 4; i++)
		s->rng[i] = splitmix(&x);
}

void sim_new_id(struct sim *s, char *out, size_t bytes)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < bytes; i += 8) {
		uint64_t v = sim_rnd(s);

		for (size_t k = 0; k < 8 && i + k < bytes; k++, v >>= 8) {
			out[2 * (i + k)] = hex[(v >> 4) & 15];
			out[2 * (i + k) + 1] = hex[v & 15];
		}
	}
	out[2 * bytes] = '\0';
}

/* "2026-03-12T14:02:07.123Z" */
void sim_ts(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
		 (unsigned)tm.tm_mday % 100, (unsigned)tm.tm_hour % 100,
		 (unsigned)tm.tm_min % 100, (unsigned)tm.tm_sec % 100,
		 (unsigned)(ms % 1000));
}

json_t *sim_jts(int64_t ms)
{
	char when[32];

	sim_ts(ms, when);
	return json_string(when);
}

/* --- output ---------------------------------------------------------- */

void sim_metric_add(struct sim *s, const char *key, uint64_t by)
{
	for (size_t i = 0; i < s->nmetrics; i++)
		if (strcmp(s->metrics[i].key, key) == 0) {
			s->metrics[i].v += by;
			return;
		}
	if (GROW(s, s->metrics, s->nmetrics) < 0 ||
	    !(s->metrics[s->nmetrics].key = sim_strdup(s, key)))
		return;
	s->metrics[s->nmetrics++].v = by;
}

void sim_metricf(struct sim *s, uint64_t by, const char *fmt, ...)
{
	char key[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	sim_metric_add(s, key, by);
}

/* --- JSON ------------------------------------------------------------ */

/* A member of o, or an element of a.  A value that could not be made
 * (NULL) or added is out of memory. */
void sim_set(struct sim *s, json_t *o, const char *k, json_t *v)
{
	if (!v || json_object_set_new(o, k, v) < 0)
		s->nomem = 1;
}

void sim_push(struct sim *s, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) < 0)
		s->nomem = 1;
}

/* A string element: as sim_push, except that a string that is not UTF-8
 * is left out (see sim_set_str). */
void sim_push_str(struct sim *s, json_t *a, const char *v)
{
	json_t *j = json_string(v);

	if (j)
		sim_push(s, a, j);
	else if (utf8_valid((const unsigned char *)v, strlen(v)))
		s->nomem = 1;
}

/* A string member: as sim_set, except that a string jansson refuses
 * because it is not UTF-8 (an operator's word, from a script) is left
 * out, as it always was. */
void sim_set_str(struct sim *s, json_t *o, const char *k, const char *v)
{
	json_t *j = json_string(v);

	if (j)
		sim_set(s, o, k, j);
	else if (utf8_valid((const unsigned char *)v, strlen(v)))
		s->nomem = 1;
}

/* One line of JSON appended to b (compact, keys in the order given);
 * takes o.  An object that could not be made (NULL) or written is out of
 * memory. */
void sim_put_line(struct sim *s, struct buf *b, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	if (!text || buf_puts(b, text, NULL) < 0 || buf_puts(b, "\n", NULL) < 0)
		s->nomem = 1;
	free(text);
	json_decref(o);
}

/* A structured log line: component, level, message and attributes as
 * key, value pairs (a value is a string, or NULL for none). */
void sim_slog(struct sim *s, int64_t t_ms, const char *level,
	      const char *component, const char *msg, ...)
{
	json_t *o = json_object();
	char when[32];
	const char *k, *v;
	va_list ap;

	sim_ts(t_ms, when);
	sim_set_str(s, o, "ts", when);
	sim_set_str(s, o, "level", level);
	sim_set_str(s, o, "component", component);
	sim_set_str(s, o, "msg", msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v)
			sim_set_str(s, o, k, v);
	}
	va_end(ap);
	sim_put_line(s, &s->log, o);
}

void sim_span_begin(struct sim *s, struct span *sp, const char *trace,
		    const char *parent, const char *name, int64_t start_ms)
{
	memset(sp, 0, sizeof *sp);
	sp->s = s;
	if (trace)
		snprintf(sp->trace, sizeof sp->trace, "%s", trace);
	else
		sim_new_id(s, sp->trace, 16);
	sim_new_id(s, sp->id, 8);
	sp->o = json_object();
	sim_set_str(s, sp->o, "trace_id", sp->trace);
	sim_set_str(s, sp->o, "span_id", sp->id);
	sim_set_str(s, sp->o, "parent_span_id", parent ? parent : "");
	sim_set_str(s, sp->o, "name", name);
	sp->attrs = json_object();
	sp->start_ms = start_ms;
}

void sim_attr_s(struct span *sp, const char *k, const char *v)
{
	sim_set_str(sp->s, sp->attrs, k, v);
}

void sim_attr_i(struct span *sp, const char *k, long long v)
{
	sim_set(sp->s, sp->attrs, k, json_integer(v));
}

void sim_span_link(struct span *sp, const char *trace, const char *id)
{
	json_t *l;

	if (!trace || !trace[0])
		return;
	l = json_object();
	sim_set_str(sp->s, l, "trace_id", trace);
	sim_set_str(sp->s, l, "span_id", id);
	sim_set(sp->s, sp->o, "links", json_pack("[o]", l));
}

/* skew: the component's clock error, added to both ends (a skewed
 * component stamps its spans wrong; the platform's clock is right). */
void sim_span_end(struct sim *s, struct span *sp, int64_t end_ms,
		  int ok, const char *why, int64_t skew_ms)
{
	int64_t a = (sp->start_ms + skew_ms) * 1000000;
	int64_t b = (end_ms + skew_ms) * 1000000;

	if (b < a)
		b = a;
	sim_set(s, sp->o, "start_unix_nano", json_integer(a));
	sim_set(s, sp->o, "end_unix_nano", json_integer(b));
	sim_set_str(s, sp->o, "status", ok ? "ok" : "error");
	if (!ok && why)
		sim_set_str(s, sp->o, "status_message", why);
	sim_set(s, sp->o, "attributes", sp->attrs);
	/* links go last, after the attributes, for the reader's eye */
	if (json_object_get(sp->o, "links")) {
		json_t *l = json_incref(json_object_get(sp->o, "links"));

		json_object_del(sp->o, "links");
		sim_set(s, sp->o, "links", l);
	}
	sim_metric_add(s, "agentd_spans_total", 1);
	/* The exporter: a lossy one drops spans, and counts them. */
	if (s->drop_pm && sim_rnd_below(s, 1000) < s->drop_pm) {
		s->dropped++;
		for (size_t i = 0; i < s->nfaults; i++)
			if (s->faults[i].kind == PF_SPAN_LOSS && s->faults[i].fired)
				s->faults[i].count++;
		sim_metric_add(s, "agentd_exporter_dropped_spans_total", 1);
		json_decref(sp->o);
		return;
	}
	s->exported++;
	sim_put_line(s, &s->spans, sp->o);
}
