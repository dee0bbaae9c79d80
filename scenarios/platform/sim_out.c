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

/* --- spans: OTLP/JSON ------------------------------------------------ */

/* Spans are written as OpenTelemetry's OTLP/JSON, one
 * ExportTraceServiceRequest a line holding one span, as the Collector's
 * file exporter writes a batch: camelCase names, ids in lowercase hex,
 * 64-bit integers (times, integer attributes) as decimal strings, the
 * span's kind and status as the protocol's enum numbers.  A line a span
 * keeps the file readable line by line (tail, grep, jq -c) and makes a
 * span the exporter drops a missing line; readers (lab.trace.load) accept
 * any number of spans a line as well.  docs/platform.md describes it. */

/* SpanKind (opentelemetry-proto trace.proto). */
enum { KIND_INTERNAL = 1, KIND_SERVER = 2, KIND_CLIENT = 3 };

/* What a span represents, by its name: agentd serving an operator's
 * command (agentctl is its client) is SERVER; a call out of agentd, to a
 * tool or to the model that plans, is CLIENT; the rest (a task's run,
 * policy decisions, approvals, changes of configuration) happen inside
 * agentd and are INTERNAL. */
static int span_kind(const char *name)
{
	static const struct {
		const char *name;
		int kind;
	} kinds[] = {
		{ "operator.command", KIND_SERVER },
		{ "tool.call", KIND_CLIENT },
		{ "agent.plan", KIND_CLIENT },
	};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return kinds[i].kind;
	return KIND_INTERNAL;
}

/* A 64-bit integer as OTLP/JSON writes it: a decimal string (a JSON
 * number above 2^53 is rounded by most readers). */
static json_t *int64_string(int64_t v)
{
	char text[24];

	snprintf(text, sizeof text, "%lld", (long long)v);
	return json_string(text);
}

/* {"key": k, "value": v} */
static json_t *key_value(struct sim *s, const char *k, json_t *v)
{
	json_t *kv = json_object();

	sim_set_str(s, kv, "key", k);
	sim_set(s, kv, "value", v);
	return kv;
}

/* {"key": k, "value": {"stringValue": v}}: the resource's attributes. */
static json_t *string_kv(struct sim *s, const char *k, const char *v)
{
	return key_value(s, k, json_pack("{ss}", "stringValue", v));
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
	sim_set_str(s, sp->o, "traceId", sp->trace);
	sim_set_str(s, sp->o, "spanId", sp->id);
	/* a root has none: proto3's JSON leaves an empty field out */
	if (parent && parent[0])
		sim_set_str(s, sp->o, "parentSpanId", parent);
	sim_set_str(s, sp->o, "name", name);
	sim_set(s, sp->o, "kind", json_integer(span_kind(name)));
	/* by key while the span is open (a key set again replaces its
	 * value); span_end makes it OTLP's list of key/value entries */
	sp->attrs = json_object();
	sp->start_ms = start_ms;
}

/* An attribute's AnyValue, by key. */
static void set_attr(struct span *sp, const char *k, const char *type,
		     json_t *v)
{
	json_t *any;

	if (!v) { /* a string that is not UTF-8 is left out (sim_set_str) */
		if (strcmp(type, "stringValue") != 0)
			sp->s->nomem = 1;
		return;
	}
	any = json_object();
	sim_set(sp->s, any, type, v);
	sim_set(sp->s, sp->attrs, k, any);
}

void sim_attr_s(struct span *sp, const char *k, const char *v)
{
	json_t *j = json_string(v);

	if (!j && utf8_valid((const unsigned char *)v, strlen(v)))
		sp->s->nomem = 1;
	else if (j)
		set_attr(sp, k, "stringValue", j);
}

void sim_attr_i(struct span *sp, const char *k, long long v)
{
	set_attr(sp, k, "intValue", int64_string(v));
}

void sim_span_link(struct span *sp, const char *trace, const char *id)
{
	json_t *l;

	if (!trace || !trace[0])
		return;
	l = json_object();
	sim_set_str(sp->s, l, "traceId", trace);
	sim_set_str(sp->s, l, "spanId", id);
	sim_set(sp->s, sp->o, "links", json_pack("[o]", l));
}

/* The line that carries sp: the request, its resource (the service) and
 * its instrumentation scope.  Takes span. */
static json_t *export_request(struct sim *s, json_t *span)
{
	json_t *attrs = json_array(), *scope = json_object(), *rs;

	sim_push(s, attrs, string_kv(s, "service.name", "agentd"));
	sim_push(s, attrs, string_kv(s, "service.version", SIM_PLATFORM));
	sim_set_str(s, scope, "name", "agentd");
	sim_set_str(s, scope, "version", SIM_PLATFORM);
	rs = json_pack("{s{so}s[{soso}]}", "resource", "attributes", attrs,
		       "scopeSpans", "scope", scope, "spans",
		       json_pack("[o]", span));
	return rs ? json_pack("{s[o]}", "resourceSpans", rs) : NULL;
}

/* skew: the component's clock error, added to both ends (a skewed
 * component stamps its spans wrong; the platform's clock is right). */
void sim_span_end(struct sim *s, struct span *sp, int64_t end_ms,
		  int ok, const char *why, int64_t skew_ms)
{
	int64_t a = (sp->start_ms + skew_ms) * 1000000;
	int64_t b = (end_ms + skew_ms) * 1000000;
	json_t *attrs = json_array(), *links, *status = json_object();
	const char *k;
	json_t *v;

	if (b < a)
		b = a;
	sim_set(s, sp->o, "startTimeUnixNano", int64_string(a));
	sim_set(s, sp->o, "endTimeUnixNano", int64_string(b));
	json_object_foreach(sp->attrs, k, v)
		sim_push(s, attrs, key_value(s, k, json_incref(v)));
	json_decref(sp->attrs);
	sp->attrs = NULL;
	sim_set(s, sp->o, "attributes", attrs);
	/* links after the attributes, for the reader's eye */
	if ((links = json_object_get(sp->o, "links")) != NULL) {
		json_incref(links);
		json_object_del(sp->o, "links");
		sim_set(s, sp->o, "links", links);
	}
	/* STATUS_CODE_OK 1, STATUS_CODE_ERROR 2 */
	sim_set(s, status, "code", json_integer(ok ? 1 : 2));
	if (!ok && why)
		sim_set_str(s, status, "message", why);
	sim_set(s, sp->o, "status", status);
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
	sim_put_line(s, &s->spans, export_request(s, sp->o));
}
