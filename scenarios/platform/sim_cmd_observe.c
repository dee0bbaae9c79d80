/* sim_cmd_observe: the commands that show the platform as an operator
 * watches it: status, exporter, clock, metrics, trace (a trace's spans as
 * a tree, from spans.jsonl) and audit (the audit trail's last lines).
 * Apart from `exporter restart` and `clock sync`, they change nothing. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/platform/sim_int.h"

int sim_cmd_status(struct ctx *x)
{
	struct sim *s = x->s;
	char when[32];
	unsigned q = 0;

	sim_ts(s->now_ms, when);
	for (size_t i = 0; i < s->nagents; i++)
		q += s->agents[i].quarantined;
	OUT(x, "platform    %s\n", SIM_PLATFORM);
	OUT(x, "clock       %s\n", when);
	OUT(x, "policy      v%u active (%u versions)\n", s->active, s->maxver);
	OUT(x, "agents      %zu (%u quarantined)\n", s->nagents, q);
	OUT(x, "tasks       %zu: %u done, %u failed, %u running or queued, %u waiting for retry, %u awaiting approval, %u cancelled\n",
	    s->ntasks, sim_count_tasks(s, T_DONE), sim_count_tasks(s, T_FAILED),
	    sim_count_tasks(s, T_RUNNING) + sim_count_tasks(s, T_QUEUED),
	    sim_count_tasks(s, T_RETRY), sim_count_tasks(s, T_WAITING),
	    sim_count_tasks(s, T_CANCELLED));
	OUT(x, "approvals   %u pending; reviewer %s\n", sim_pending_approvals(s),
	    s->reviewer_stuck ? "stuck" : "running");
	OUT(x, "exporter    %llu spans exported, %llu dropped\n",
	    (unsigned long long)s->exported, (unsigned long long)s->dropped);
	return 0;
}

int sim_cmd_exporter(struct ctx *x)
{
	struct sim *s = x->s;

	if (x->argc == 2 && strcmp(x->argv[1], "restart") == 0) {
		s->drop_pm = 0;
		sim_slog(s, s->now_ms, "info", "exporter", "exporter restarted", "by", x->actor, NULL);
		OUT(x, "exporter restarted\n");
		return 0;
	}
	if (x->argc != 1 && !(x->argc == 2 && strcmp(x->argv[1], "status") == 0))
		return sim_fail(x, 2, "usage: agentctl exporter [status|restart]");
	OUT(x, "exporter %s\n%llu spans exported, %llu dropped\n",
	    s->drop_pm ? "degraded (queue overflowing)" : "healthy",
	    (unsigned long long)s->exported, (unsigned long long)s->dropped);
	return 0;
}

int sim_cmd_clock(struct ctx *x)
{
	struct sim *s = x->s;
	char when[32];
	size_t i;

	if (x->argc == 3 && strcmp(x->argv[1], "sync") == 0) {
		if (sim_find_tool(x, x->argv[2], &i))
			return 1;
		if (!s->tools[i].skew_ms)
			return sim_fail(x, 1, "%s's clock is in step with the platform's", s->tools[i].id);
		s->tools[i].skew_ms = 0;
		sim_slog(s, s->now_ms, "info", "clock", "component clock synchronised", "component",
			 s->tools[i].id, "by", x->actor, NULL);
		OUT(x, "%s's clock synchronised\n", s->tools[i].id);
		return 0;
	}
	if (x->argc != 1)
		return sim_fail(x, 2, "usage: agentctl clock [sync TOOL]");
	sim_ts(s->now_ms, when);
	OUT(x, "platform clock %s\n", when);
	OUT(x, "(a component whose spans look out of order may have a clock of its own: agentctl clock sync TOOL)\n");
	return 0;
}

int sim_cmd_metrics(struct ctx *x)
{
	struct sim *s = x->s;
	size_t *order = sim_calloc(s, s->nmetrics, sizeof *order);

	if (!order)
		return 1;

	/* sorted by name, so the text does not depend on when a series began */
	for (size_t i = 0; i < s->nmetrics; i++) {
		size_t k = i;

		while (k > 0 && strcmp(s->metrics[order[k - 1]].key, s->metrics[i].key) > 0) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	for (size_t i = 0; i < s->nmetrics; i++)
		OUT(x, "%s %llu\n", s->metrics[order[i]].key,
		    (unsigned long long)s->metrics[order[i]].v);
	OUT(x, "agentd_approvals_pending %u\n", sim_pending_approvals(s));
	OUT(x, "agentd_tasks_waiting_retry %u\n", sim_count_tasks(s, T_RETRY));
	free(order);
	return 0;
}

static int hex_ok(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

/* A span's string member, "" when it has none (a root's parentSpanId). */
static const char *jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

/* A time in nanoseconds: OTLP/JSON writes a 64-bit integer as a decimal
 * string; a number is read as well. */
static int64_t jns(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return json_integer_value(v);
}

static const char *status_word(json_t *sp)
{
	switch (json_integer_value(json_object_get(json_object_get(sp, "status"), "code"))) {
	case 1:
		return "ok";
	case 2:
		return "error";
	default:
		return "unset";
	}
}

/* " key=value" for each attribute a tree line shows: strings, integers
 * and booleans. */
static void show_attrs(struct ctx *x, json_t *sp)
{
	json_t *kv, *v;
	size_t i;

	json_array_foreach(json_object_get(sp, "attributes"), i, kv) {
		const char *k = json_string_value(json_object_get(kv, "key"));
		json_t *any = json_object_get(kv, "value");

		if (!k)
			continue;
		if ((v = json_object_get(any, "stringValue")) && json_is_string(v))
			OUT(x, " %s=%s", k, json_string_value(v));
		else if ((v = json_object_get(any, "intValue")) && json_is_string(v))
			OUT(x, " %s=%s", k, json_string_value(v));
		else if (v && json_is_integer(v))
			OUT(x, " %s=%lld", k, (long long)json_integer_value(v));
		else if ((v = json_object_get(any, "boolValue")) && json_is_boolean(v))
			OUT(x, " %s=%s", k, json_is_true(v) ? "true" : "false");
	}
}

static void tree(struct ctx *x, json_t **sp, size_t n, const char *parent,
		 int depth, int64_t t0)
{
	for (size_t i = 0; i < n && depth < 32; i++) {
		json_t *v;

		if (strcmp(jstr(sp[i], "parentSpanId"), parent) != 0)
			continue;
		OUT(x, "%*s%s %s  +%lldms %lldms %s", depth * 2, "",
		    jstr(sp[i], "spanId"), jstr(sp[i], "name"),
		    (long long)((jns(sp[i], "startTimeUnixNano") - t0) / 1000000),
		    (long long)((jns(sp[i], "endTimeUnixNano") -
				 jns(sp[i], "startTimeUnixNano")) / 1000000),
		    status_word(sp[i]));
		show_attrs(x, sp[i]);
		if ((v = json_object_get(sp[i], "links")) && json_array_size(v))
			OUT(x, " link=%s/%s", jstr(json_array_get(v, 0), "traceId"),
			    jstr(json_array_get(v, 0), "spanId"));
		OUT(x, "\n");
		tree(x, sp, n, jstr(sp[i], "spanId"), depth + 1, t0);
	}
}

/* The spans of trace id in the OTLP/JSON request o (one line of
 * spans.jsonl: resourceSpans[].scopeSpans[].spans[]) appended to *sp. */
static int take_spans(struct ctx *x, json_t *o, const char *id, json_t ***sp,
		      size_t *n, int64_t *t0)
{
	json_t *rs, *ss, *span;
	size_t i, j, k;

	json_array_foreach(json_object_get(o, "resourceSpans"), i, rs)
		json_array_foreach(json_object_get(rs, "scopeSpans"), j, ss)
			json_array_foreach(json_object_get(ss, "spans"), k, span) {
		if (strcmp(jstr(span, "traceId"), id) != 0 || !jstr(span, "spanId")[0])
			continue;
		if (*n >= 10000 || GROW(x->s, *sp, *n) < 0)
			return -1;
		(*sp)[(*n)++] = json_incref(span);
		if (jns(span, "startTimeUnixNano") < *t0)
			*t0 = jns(span, "startTimeUnixNano");
	}
	return 0;
}

int sim_cmd_trace(struct ctx *x)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0, n = 0;
	json_t **sp = NULL;
	int64_t t0 = INT64_MAX;
	FILE *f;

	if (x->argc != 2 || !hex_ok(x->argv[1], 32))
		return sim_fail(x, 2, "usage: agentctl trace TRACE_ID   (32 hex digits, as in spans.jsonl and agentd.jsonl)");
	snprintf(path, sizeof path, "%s/spans.jsonl", x->s->logs);
	f = fopen(path, "re");
	if (!f)
		return sim_fail(x, 1, "%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		json_t *o;
		int stop;

		/* a line without the id holds none of its spans: not parsed */
		if (!strstr(line, x->argv[1]))
			continue;
		o = json_loads(line, 0, NULL);
		if (!o)
			continue;
		stop = take_spans(x, o, x->argv[1], &sp, &n, &t0) < 0;
		json_decref(o);
		if (stop)
			break;
	}
	free(line);
	fclose(f);
	if (n == 0) {
		free(sp);
		return sim_fail(x, 1, "no span of trace %s in %s", x->argv[1], path);
	}
	tree(x, sp, n, "", 0, t0);
	/* spans whose parent was never exported hang here, flagged */
	for (size_t i = 0; i < n; i++) {
		const char *p = jstr(sp[i], "parentSpanId");
		int found = !p[0];

		for (size_t k = 0; k < n && !found; k++)
			found = strcmp(p, jstr(sp[k], "spanId")) == 0;
		if (!found) {
			OUT(x, "(parent %s missing from the export)\n", p);
			tree(x, sp, n, p, 1, t0);
		}
	}
	for (size_t i = 0; i < n; i++)
		json_decref(sp[i]);
	free(sp);
	return 0;
}

int sim_cmd_audit(struct ctx *x)
{
	char path[PATH_MAX];
	struct buf text = BUF_INIT;
	char why[1100];
	uint64_t want_n = 20;
	size_t lines = 0, at;

	if (x->argc > 2 || (x->argc == 2 && parse_u64(x->argv[1], 1, 100000, &want_n) < 0))
		return sim_fail(x, 2, "usage: agentctl audit [N]");
	snprintf(path, sizeof path, "%s/audit.jsonl", x->s->logs);
	if (sim_read_small(path, 64u << 20, &text, why, sizeof why) < 0)
		return sim_fail(x, 1, "%s", why);
	/* the start of the last want_n lines */
	at = text.len;
	if (at > 0 && text.data[at - 1] == '\n')
		at--;
	while (at > 0) {
		if (text.data[at - 1] == '\n' && ++lines == want_n)
			break;
		at--;
	}
	OUT(x, "%s", (char *)text.data + at);
	buf_release(&text);
	return 0;
}
