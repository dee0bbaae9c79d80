/* report_trace: the report's trace section.  The candidate's chain
 * (answers/chain.json, as lab.trace.answer reads it) is set beside what
 * the platform's own spans say of each id it names: the spans agentd
 * wrote to /var/log/agentd/spans.jsonl, kept in the evidence's graded
 * part (changes/) because the grader read them.  Each step is a match when
 * the span exists (exported, or known from the links that point at it or
 * as the parent of exported spans)
 * and the spans record a relation to the step before it (parent, child,
 * link, same trace); the spans other spans link to (the platform's cause
 * spans) are listed so that the root cause can be seen.  The grader's own
 * truth is not in the evidence: its check of the chain is quoted as it
 * judged it.  Bounded like lab.trace.load; it never fails on what the
 * candidate or the platform wrote, it says what it could not read. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/page.h"
#include "runner/report.h"
#include "runner/tarball.h"

#define SPANS_MEMBER "changes/var/log/agentd/spans.jsonl"
#define CHAIN_MEMBER "answers/chain.json"
/* As lab.trace (graders/trace.lua): lines of a span file, bytes of a line,
 * bytes of an answer file. */
#define TRACE_LINES 100000
#define TRACE_LINE 262144
#define TRACE_ANSWER 65536
/* Steps of a chain shown: a causal chain is a handful of hops. */
#define CHAIN_SHOWN 64
/* Links kept per span shown, and distinct link targets counted. */
#define TRACE_LINKS 16
#define TRACE_CAUSES 64
/* Causes listed on the page, the most linked first. */
#define CAUSES_SHOWN 8

struct tspan {
	char text[84];         /* as the candidate wrote it, cut to show */
	char id[17];
	int is_id;             /* 16 lowercase hex digits */
	int found;             /* exported: a span of the file */
	char name[64], trace[33], parent[17];
	long long start;       /* ns since the epoch */
	int status;            /* 0 unset, 1 ok, 2 error */
	char attrs[400];       /* "key=value, ..." */
	char links[TRACE_LINKS][17];
	int nlinks;
	unsigned linked_from;  /* spans that link to it */
	char linker[64];       /* the name of one of them */
	unsigned children;     /* spans whose parent it is */
	char child[64];        /* the name of one of them */
};

struct tcause {
	char id[17];
	unsigned count;
	char linker[64];
	int found;
	char name[64], attrs[400];
};

struct tscan {
	struct tspan chain[CHAIN_SHOWN];
	size_t nchain;
	struct tcause causes[TRACE_CAUSES];
	size_t ncauses;
	unsigned long spans, skipped;
	int pass;              /* 1 counts, 2 names the causes */
};

static int is_span_id(const char *s)
{
	size_t i;

	if (!s || strlen(s) != 16)
		return 0;
	for (i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return strspn(s, "0") != 16;
}

static void cat(char *dst, size_t size, const char *s)
{
	size_t n = strlen(dst);

	if (n + 1 < size)
		snprintf(dst + n, size - n, "%s", s);
}

/* OTLP attributes as "key=value, ...", cut to the buffer. */
static void attr_text(const json_t *kvs, char *out, size_t size)
{
	const json_t *kv;
	size_t i;
	char v[160];

	out[0] = '\0';
	json_array_foreach(kvs, i, kv) {
		const json_t *val = json_object_get(kv, "value");
		const char *k = json_string_value(json_object_get(kv, "key"));
		const json_t *x;

		if (!k)
			continue;
		if ((x = json_object_get(val, "stringValue")) && json_is_string(x))
			snprintf(v, sizeof v, "%s", json_string_value(x));
		else if ((x = json_object_get(val, "intValue")) && json_is_string(x))
			snprintf(v, sizeof v, "%s", json_string_value(x));
		else if ((x = json_object_get(val, "intValue")) && json_is_integer(x))
			snprintf(v, sizeof v, "%lld", (long long)json_integer_value(x));
		else if ((x = json_object_get(val, "boolValue")) && json_is_boolean(x))
			snprintf(v, sizeof v, "%s", json_is_true(x) ? "true" : "false");
		else
			snprintf(v, sizeof v, "...");
		if (out[0])
			cat(out, size, ", ");
		cat(out, size, k);
		cat(out, size, "=");
		cat(out, size, v);
	}
}

static long long nano(const json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_integer(v))
		return json_integer_value(v);
	return s ? strtoll(s, NULL, 10) : 0;
}

static struct tcause *cause_of(struct tscan *sc, const char *id, int add)
{
	size_t i;

	for (i = 0; i < sc->ncauses; i++)
		if (!strcmp(sc->causes[i].id, id))
			return &sc->causes[i];
	if (!add || sc->ncauses == TRACE_CAUSES)
		return NULL;
	snprintf(sc->causes[sc->ncauses].id, 17, "%s", id);
	return &sc->causes[sc->ncauses++];
}

static void fill(struct tspan *t, const json_t *o, const char *name)
{
	const json_t *l, *st = json_object_get(o, "status");
	const char *parent = json_string_value(json_object_get(o, "parentSpanId"));
	size_t i;

	t->found = 1;
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->trace, sizeof t->trace, "%s",
		 json_string_value(json_object_get(o, "traceId")) ?
		 json_string_value(json_object_get(o, "traceId")) : "");
	snprintf(t->parent, sizeof t->parent, "%s", is_span_id(parent) ? parent : "");
	t->start = nano(json_object_get(o, "startTimeUnixNano"));
	t->status = (int)json_integer_value(json_object_get(st, "code"));
	attr_text(json_object_get(o, "attributes"), t->attrs, sizeof t->attrs);
	json_array_foreach(json_object_get(o, "links"), i, l) {
		const char *to = json_string_value(json_object_get(l, "spanId"));

		if (t->nlinks < TRACE_LINKS && is_span_id(to))
			snprintf(t->links[t->nlinks++], 17, "%s", to);
	}
}

static void one_span(struct tscan *sc, const json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "spanId"));
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *parent;
	const json_t *l;
	struct tcause *c;
	size_t i, k;

	if (!is_span_id(id) || !name) {
		sc->skipped += sc->pass == 1;
		return;
	}
	if (sc->pass == 2) {
		if ((c = cause_of(sc, id, 0)) && !c->found) {
			c->found = 1;
			snprintf(c->name, sizeof c->name, "%s", name);
			attr_text(json_object_get(o, "attributes"), c->attrs, sizeof c->attrs);
		}
		return;
	}
	sc->spans++;
	parent = json_string_value(json_object_get(o, "parentSpanId"));
	for (k = 0; k < sc->nchain; k++) {
		struct tspan *t = &sc->chain[k];

		if (!t->found && !strcmp(t->id, id))
			fill(t, o, name);
		if (parent && !strcmp(t->id, parent) && t->children++ == 0)
			snprintf(t->child, sizeof t->child, "%s", name);
	}
	json_array_foreach(json_object_get(o, "links"), i, l) {
		const char *to = json_string_value(json_object_get(l, "spanId"));

		if (!is_span_id(to))
			continue;
		for (k = 0; k < sc->nchain; k++)
			if (!strcmp(sc->chain[k].id, to) && sc->chain[k].linked_from++ == 0)
				snprintf(sc->chain[k].linker, 64, "%s", name);
		if ((c = cause_of(sc, to, 1)) && c->count++ == 0)
			snprintf(c->linker, sizeof c->linker, "%s", name);
	}
}

/* Every span of one line (an ExportTraceServiceRequest). */
static void one_line(struct tscan *sc, const char *s, size_t len)
{
	json_t *req = json_loadb(s, len, 0, NULL);
	const json_t *rs, *ss, *sp;
	size_t i, j, k;

	if (!json_is_object(req)) {
		sc->skipped += sc->pass == 1;
		json_decref(req);
		return;
	}
	json_array_foreach(json_object_get(req, "resourceSpans"), i, rs)
		json_array_foreach(json_object_get(rs, "scopeSpans"), j, ss)
			json_array_foreach(json_object_get(ss, "spans"), k, sp)
				one_span(sc, sp);
	json_decref(req);
}

static void scan(struct tscan *sc, const struct tar_entry *t)
{
	const char *s = (const char *)t->data, *end = s + t->len, *nl;
	unsigned long lines = 0;

	while (s < end && lines++ < TRACE_LINES) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		if (nl - s > TRACE_LINE)
			sc->skipped += sc->pass == 1;
		else if (strspn(s, " \t\r") < (size_t)(nl - s))
			one_line(sc, s, (size_t)(nl - s));
		s = nl + 1;
	}
}

/* The candidate's ids into sc->chain; how many the file lists (it may be
 * more than are shown), or -1 with why in why. */
static long read_chain(struct tscan *sc, const struct tar_entry *t, char *why, size_t size)
{
	json_t *v, *item;
	size_t i;
	long n;

	if (t->len > TRACE_ANSWER) {
		snprintf(why, size, "larger than %d bytes", TRACE_ANSWER);
		return -1;
	}
	v = json_loadb((const char *)t->data, t->len, 0, NULL);
	if (!json_is_array(v)) {
		snprintf(why, size, "not a JSON array of span ids");
		json_decref(v);
		return -1;
	}
	json_array_foreach(v, i, item) {
		struct tspan *s;
		const char *id = json_string_value(item);
		size_t k;

		if (sc->nchain == CHAIN_SHOWN)
			break;
		s = &sc->chain[sc->nchain++];
		memset(s, 0, sizeof *s);
		snprintf(s->id, sizeof s->id, "%s", id ? id : "");
		if (!id)
			snprintf(s->text, sizeof s->text, "(a JSON %s, not a string)",
				 json_is_array(item) ? "list" : json_is_object(item) ? "object" :
				 json_is_null(item) ? "null" : "number or boolean");
		else if (strlen(id) >= sizeof s->text)
			snprintf(s->text, sizeof s->text, "%.76s...", id);
		else
			snprintf(s->text, sizeof s->text, "%s", id);
		for (k = 0; s->id[k]; k++)
			if (s->id[k] >= 'A' && s->id[k] <= 'F')
				s->id[k] = (char)(s->id[k] - 'A' + 'a');
		s->is_id = is_span_id(s->id) && id && strlen(id) == 16;
	}
	n = (long)json_array_size(v);
	json_decref(v);
	return n;
}

static int links_to(const struct tspan *a, const char *id)
{
	int i;

	for (i = 0; i < a->nlinks; i++)
		if (!strcmp(a->links[i], id))
			return 1;
	return 0;
}

/* What the spans record between step b and the step a before it; NULL
 * when nothing. */
static const char *relation(const struct tspan *a, const struct tspan *b)
{
	if (b->found && !strcmp(b->parent, a->id))
		return "a child of the step before";
	if (a->found && !strcmp(a->parent, b->id))
		return "the parent of the step before";
	if (b->found && links_to(b, a->id))
		return "links to the step before (caused by it)";
	if (a->found && links_to(a, b->id))
		return "the step before links to it";
	if (a->found && b->found && !strcmp(a->trace, b->trace))
		return a->start <= b->start ? "later in the same trace" :
		       "earlier in the same trace";
	return NULL;
}

static void span_cell(struct page *p, const struct tspan *s)
{
	char when[40];

	if (!s->is_id) {
		page_put(p, "<span class=\"bad\">not a span id</span>");
		return;
	}
	if (s->found) {
		report_nano_time(s->start, when);
		page_put(p, "<b class=\"mono\">");
		page_escs(p, s->name);
		page_put(p, "</b>");
		if (s->status == 2)
			page_put(p, " <span class=\"mark warn\">status error</span>");
		page_putf(p, "<div class=\"small\">%s, trace <code>", when);
		page_esc(p, s->trace, strlen(s->trace) > 8 ? 8 : strlen(s->trace));
		page_put(p, "&hellip;</code></div><div class=\"small mono\">");
		page_escs(p, s->attrs);
		page_put(p, "</div>");
	} else if (s->linked_from) {
		page_putf(p, "<b>not exported</b>: known only from the links of %u span%s (",
			  s->linked_from, s->linked_from == 1 ? "" : "s");
		page_escs(p, s->linker);
		page_put(p, ")");
	} else if (s->children) {
		page_putf(p, "<b>not exported</b>: known only as the parent of %u span%s (",
			  s->children, s->children == 1 ? "" : "s");
		page_escs(p, s->child);
		page_put(p, ")");
	} else {
		page_put(p, "<span class=\"bad\">no such span</span> in the platform's spans "
			 "or their links");
	}
	if (s->linked_from && s->found)
		page_putf(p, "<div class=\"small\">linked from %u span%s: a cause</div>",
			  s->linked_from, s->linked_from == 1 ? "" : "s");
}

/* Can the chain start at s?  1 a cause (spans link to it), 2 the root of
 * its trace, 3 an error with no cause before it (where the effect first
 * shows, docs/platform.md); -1 it links to a cause of its own, which the
 * chain leaves out; 0 none of these. */
static int first_kind(const struct tspan *s)
{
	if (s->linked_from)
		return 1;
	if (!s->found)
		return 0;
	if (s->nlinks)
		return -1;
	if (!s->parent[0])
		return 2;
	return s->status == 2 ? 3 : 0;
}

static void first_cell(struct page *p, const struct tspan *s)
{
	switch (first_kind(s)) {
	case 1:
		page_put(p, "the first: a cause, which later spans link to");
		break;
	case 2:
		page_put(p, "the first: the root of its trace");
		break;
	case 3:
		page_put(p, "the first: an error no cause span leads to, where the "
			 "effect first shows");
		break;
	case -1:
		page_put(p, "the first: <span class=\"bad\">it links to a cause of its "
			 "own, <code>");
		page_escs(p, s->links[0]);
		page_put(p, "</code>, which the chain leaves out</span>");
		break;
	default:
		page_put(p, "the first: <span class=\"bad\">no span links to it, it has a "
			 "parent and no error</span>");
	}
}

static void chain_table(struct page *p, const struct tscan *sc, long listed)
{
	size_t i;
	unsigned ok = 0;

	page_put(p, "<table><tr><th>step</th><th>the candidate named</th>"
		 "<th>the platform's span</th><th>relation in the spans</th><th></th></tr>\n");
	for (i = 0; i < sc->nchain; i++) {
		const struct tspan *s = &sc->chain[i];
		const char *rel = i ? relation(&sc->chain[i - 1], s) : NULL;
		int known = s->is_id && (s->found || s->linked_from || s->children);
		int good = known && (i ? rel != NULL : first_kind(s) > 0);

		ok += (unsigned)good;
		page_putf(p, "<tr class=\"%s\"><td class=\"n\">%zu</td><td class=\"mono\">",
			  good ? "match" : "mismatch", i + 1);
		page_escs(p, s->text);
		page_put(p, "</td><td>");
		span_cell(p, s);
		page_put(p, "</td><td>");
		if (i == 0 && known)
			first_cell(p, s);
		else if (i == 0)
			page_put(p, "the first");
		else if (rel)
			page_put(p, rel);
		else
			page_put(p, "<span class=\"bad\">no recorded relation to the step "
				 "before</span>");
		page_putf(p, "</td><td class=\"%s nw\">%s</td></tr>\n", good ? "ok" : "bad",
			  good ? "&#10003; matches" : "&#10007; mismatch");
	}
	page_put(p, "</table>");
	if (listed > (long)sc->nchain)
		page_putf(p, "<p class=\"small\">%ld more ids in the file are not shown.</p>",
			  listed - (long)sc->nchain);
	page_putf(p, "<p class=\"small\">%u of %zu steps match: spans the platform recorded, "
		  "the first where a chain can start, each other one related to the step before."
		  "</p>", ok, sc->nchain);
}

static int by_count(const void *a, const void *b)
{
	const struct tcause *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->id, y->id);
}

static void causes_table(struct page *p, struct tscan *sc)
{
	size_t i, k;

	if (!sc->ncauses)
		return;
	qsort(sc->causes, sc->ncauses, sizeof sc->causes[0], by_count);
	page_put(p, "<h3 style=\"font-size:15px\">Causes in the platform's spans</h3>"
		 "<p class=\"small\">Spans that other spans link to (a change that "
		 "caused later work), the most linked first.</p><table><tr><th>span</th>"
		 "<th>what it is</th><th class=\"n\">linked from</th><th>in the chain</th>"
		 "</tr>\n");
	for (i = 0; i < sc->ncauses && i < CAUSES_SHOWN; i++) {
		const struct tcause *c = &sc->causes[i];

		page_put(p, "<tr><td class=\"mono\">");
		page_escs(p, c->id);
		page_put(p, "</td><td>");
		if (c->found) {
			page_put(p, "<b class=\"mono\">");
			page_escs(p, c->name);
			page_put(p, "</b><div class=\"small mono\">");
			page_escs(p, c->attrs);
			page_put(p, "</div>");
		} else {
			page_put(p, "not exported (its record was lost)");
		}
		page_putf(p, "</td><td class=\"n\">%u (", c->count);
		page_escs(p, c->linker);
		page_put(p, ")</td><td>");
		for (k = 0; k < sc->nchain; k++)
			if (!strcmp(sc->chain[k].id, c->id)) {
				page_putf(p, "step %zu", k + 1);
				break;
			}
		page_put(p, "</td></tr>\n");
	}
	page_put(p, "</table>");
}

/* The grader's check of the chain: the first check whose id starts with
 * "chain". */
static void grader_line(struct page *p, const json_t *res)
{
	const json_t *c;
	size_t i;
	char pt[32], wt[32];

	json_array_foreach(json_object_get(res, "checks"), i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *st = json_string_value(json_object_get(c, "status"));
		const char *msg = json_string_value(json_object_get(c, "message"));

		if (!id || strncmp(id, "chain", 5) || !st)
			continue;
		page_put(p, "<p>The grader's check <code>");
		page_escs(p, id);
		page_put(p, "</code>, which holds the real chain from the same spans: ");
		page_putf(p, "<span class=\"badge %s\">", !strcmp(st, "pass") ? "pass" :
			  !strcmp(st, "fail") ? "fail" : "error");
		page_escs(p, st);
		report_points(pt, json_integer_value(json_object_get(c, "points")));
		report_points(wt, json_integer_value(json_object_get(c, "weight")));
		page_putf(p, "</span> %s of %s points", pt, wt);
		if (!strcmp(st, "pass"))
			page_put(p, ": the candidate's chain is the real one, span for span.");
		else if (msg && *msg) {
			page_put(p, ": &ldquo;");
			page_escs(p, msg);
			page_put(p, "&rdquo;");
		}
		page_put(p, "</p>");
		return;
	}
}

void report_trace(struct page *p, const struct tar_list *members, const void *result_json)
{
	const struct tar_entry *spans = tar_list_find(members, SPANS_MEMBER);
	const struct tar_entry *chain = tar_list_find(members, CHAIN_MEMBER);
	struct tscan *sc;
	char why[160];
	long listed = 0;

	page_put(p, "<section id=\"trace\"><h2>Trace chain</h2>");
	if (!spans && !chain) {
		page_put(p, "<p>No trace to compare: this evidence has neither the "
			 "platform's spans (" SPANS_MEMBER ") nor a chain from the candidate "
			 "(" CHAIN_MEMBER ").</p></section>\n");
		return;
	}
	sc = calloc(1, sizeof *sc);
	if (!sc) {
		if (!p->failed)
			err_set(p->e, ERR_HOST, "report: out of memory");
		p->failed = 1;
		return;
	}
	page_put(p, "<p class=\"small\">The chain the candidate reconstructed "
		 "(<code>~/answers/chain.json</code>, root cause first) against the "
		 "platform's own spans, as the grader read them (<code>"
		 "/var/log/agentd/spans.jsonl</code>, kept in the evidence).</p>");
	if (chain) {
		listed = read_chain(sc, chain, why, sizeof why);
		if (listed < 0) {
			page_put(p, "<p class=\"bad\">The candidate's chain.json is ");
			page_escs(p, why);
			page_put(p, ".</p>");
			sc->nchain = 0;
		}
	} else {
		page_put(p, "<p class=\"bad\">The candidate left no chain "
			 "(no ~/answers/chain.json).</p>");
	}
	if (spans) {
		sc->pass = 1;
		scan(sc, spans);
		sc->pass = 2;
		scan(sc, spans);
		page_putf(p, "<p class=\"small\">%lu spans read", sc->spans);
		if (sc->skipped)
			page_putf(p, ", %lu lines or spans skipped (not OTLP spans)", sc->skipped);
		page_put(p, ".</p>");
	} else {
		page_put(p, "<p class=\"bad\">This evidence lacks the platform's spans ("
			 SPANS_MEMBER "): the candidate's chain cannot be set against them."
			 "</p>");
	}
	if (sc->nchain)
		chain_table(p, sc, listed);
	grader_line(p, result_json);
	causes_table(p, sc);
	page_put(p, "</section>\n");
	free(sc);
}
