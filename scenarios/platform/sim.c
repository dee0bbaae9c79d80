/* sim: the agent platform's engine (sim.h, docs/platform.md).
 *
 * The model is loaded from platform.json and the policies/ beside it, and
 * the state is whatever the seed, the fault plan and the journal of
 * operator commands make of it: state.json holds that journal, and a
 * restarted agentd replays it (writing nothing) to stand where it was.
 * So there is one way to reach a state, and the same inputs always reach
 * the same one.  jansson is used here and in policy.c only. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "scenarios/platform/behaviour.h"
#include "scenarios/platform/policy.h"
#include "scenarios/platform/sim.h"

/* --- the model ------------------------------------------------------ */

struct mversion {
	char *id;
	unsigned quality; /* permille of plans that pass the tool schema */
};

/* A change to the platform's configuration that later spans link to (a
 * promotion, a gate or threshold change, an adapter rollout), and where
 * it is in the state's histories. */
struct change {
	char trace[33], span[17];
};

/* One entry of a history in the state: what was put in force, when, by
 * whom and how (deploy, apply, rollback, pin, canary, ...). */
struct hentry {
	char what[72];
	int64_t t_ms;
	char by[32], how[16];
};

struct model {
	char *id;
	struct mversion *v;
	size_t nv;
	size_t active, before; /* versions: the one in use, the one before it */
	size_t active_cfg;
	int pinned;
	/* the evaluation gate a new version must pass to be promoted */
	int gated, gated_cfg;
	unsigned min_quality, min_quality_cfg;
	struct change promoted, gate; /* the last promotion, gate change */
	struct hentry *hist, *ghist;  /* versions, gate values */
	size_t nhist, nghist;
};

/* A version of a tool's adapter (the platform's client for the tool):
 * what it does to the tool's calls. */
struct adapter {
	char *version;
	unsigned latency_ms, failure_pm, bad_args_pm;
	int drops_keys;
	unsigned ok, failed; /* calls it served */
	struct change put; /* the change that last put it in service */
};

struct tool {
	char *id;
	unsigned latency_ms, timeout_ms, failure_pm, retries;
	int side_effect, idempotency, enabled, debug_headers;
	size_t fallback; /* index + 1; 0: none */
	unsigned risk;   /* 0..100: escalations below the threshold pass */
	struct adapter *ad;
	size_t nad, adapter, adapter_before, adapter_cfg; /* 0 versions: none */
	size_t canary;   /* adapter index + 1 taking canary_pct of calls */
	unsigned canary_pct;
	struct change keys_dropped; /* duplicate_delivery's adapter upgrade */
	struct hentry *ahist;       /* adapter changes */
	size_t nahist;
	/* what faults did to it */
	int outage;
	unsigned slow_ms, ack_loss_pm;
	int64_t skew_ms;
};

struct agent {
	char *id, *role;
	size_t model;
	size_t *tools;
	size_t ntools;
	int quarantined, looping;
	char reason[128];
	int64_t quarantined_ms;
};

struct kind {
	char *id, *role;
	unsigned weight;
	size_t steps[SIM_MAX_STEPS];
	size_t nsteps;
};

struct secret {
	char *id;
	size_t tool;
	char value[48];
	unsigned rotations;
	int64_t rotated_ms;
};

/* A policy version and the span that last put it in force (evaluations
 * link to it: the cause of a decision in another trace). */
struct pversion {
	struct pol_policy pol;
	int present;
	char trace[33], span[17];
};

struct hist {
	unsigned version;
	int64_t t_ms;
	char by[32], how[16];
};

enum task_state {
	T_QUEUED, T_RUNNING, T_WAITING, T_RETRY, T_DONE, T_FAILED,
	T_CANCELLED,
};
static const char *const task_states[] = {
	"queued", "running", "awaiting_approval", "retry_wait", "done",
	"failed", "cancelled",
};

struct task {
	unsigned id;
	size_t kind, agent;
	char trace[33], root[17];
	enum task_state state;
	size_t step;
	unsigned attempts, runs, calls;
	unsigned approved_step; /* step + 1 an approval let through; 0 none */
	int64_t created_ms, updated_ms;
	char error[128];
};

enum appr_state { A_PENDING, A_APPROVED, A_REJECTED };
static const char *const appr_states[] = {"pending", "approved", "rejected"};

struct approval {
	unsigned id, task;
	size_t tool, step;
	char rule[65];
	enum appr_state state;
	int64_t requested_ms, decided_ms;
	char by[32];
	int auto_;          /* approved by the threshold, not by a person */
	unsigned risk;      /* the tool's risk when it was requested */
	int reviewed;       /* an auto-approval an operator rejected */
};

struct effect {
	unsigned id, task, attempt, dup_of; /* dup_of: the first effect's id */
	size_t tool, step;
	char key[40];
	int keyed;          /* the key was sent to the tool */
	int64_t t_ms;
	int duplicate, reverted;
	int64_t reverted_ms;
	char by[32];
};

enum ev_type { EV_ARRIVAL, EV_RUN, EV_REVIEW, EV_FAULT_ON, EV_FAULT_OFF };

struct event {
	int64_t t_ms;
	uint64_t seq;
	enum ev_type type;
	unsigned arg;
};

enum pf_kind {
	PF_POLICY_DEPLOY, PF_TOOL_OUTAGE, PF_TOOL_SLOW, PF_MODEL_DRIFT,
	PF_DUPLICATE, PF_SPAN_LOSS, PF_CLOCK_SKEW, PF_SECRET_LEAK,
	PF_APPROVAL_STUCK, PF_AGENT_LOOP, PF_GATE_OPEN, PF_THRESHOLD,
	PF_ADAPTER_UPGRADE,
};
static const char *const pf_names[] = {
	"platform.policy_deploy", "platform.tool_outage", "platform.tool_slow",
	"platform.model_drift", "platform.duplicate_delivery",
	"platform.span_loss", "platform.clock_skew", "platform.secret_leak",
	"platform.approval_stuck", "platform.agent_loop", "platform.gate_open",
	"platform.threshold_change", "platform.adapter_upgrade",
};
#define PF_COUNT (sizeof pf_names / sizeof pf_names[0])

struct pfault {
	char *id;
	enum pf_kind kind;
	int64_t at_ms, until_ms; /* since the platform's start; until 0: none */
	size_t target;           /* tool, model, agent or secret index */
	unsigned version;        /* policy_deploy */
	size_t mversion;         /* model_drift; adapter_upgrade: the adapter */
	unsigned pm, ms;         /* probability, latency or skew */
	unsigned value;          /* gate_open, threshold_change */
	int fired;
	int64_t fired_ms;
	unsigned count;          /* what it caused: calls, spans, lines */
};

struct metric {
	char *key;
	uint64_t v;
};

struct jentry {
	char *actor;
	char **argv;
	size_t argc;
	char *fname, *fdata;
	size_t flen;
};

struct sim {
	char *config, *dir, *state, *logs, *record;
	/* the model */
	int64_t start_ms;
	unsigned history_s, interval_s, command_s, review_s, retry_s;
	unsigned max_attempts;
	struct model *models;
	struct tool *tools;
	struct agent *agents;
	struct kind *kinds;
	struct secret *secrets;
	size_t nmodels, ntools, nagents, nkinds, nsecrets;
	struct pversion pv[SIM_MAX_POLICIES + 1];
	unsigned maxver, active;
	struct behaviour *lua;
	/* the plan */
	struct pfault *faults;
	size_t nfaults;
	unsigned char seed[32];
	/* the state */
	int64_t now_ms;
	uint64_t rng[4], seq;
	struct hist *hist;
	size_t nhist;
	struct task *tasks;
	size_t ntasks;
	struct approval *appr;
	size_t nappr;
	struct effect *effects;
	size_t neffects;
	struct event *ev;
	size_t nev;
	struct metric *metrics;
	size_t nmetrics;
	int reviewer_stuck;
	unsigned auto_below, auto_below_cfg; /* escalations below this risk pass */
	struct change threshold;
	struct hentry *thist;
	size_t nthist;
	unsigned drop_pm;
	uint64_t exported, dropped;
	unsigned audit_seq;
	struct jentry *journal;
	size_t njournal;
	/* what a command adds to the logs, written when it ends; nothing is
	 * written while a journal is replayed */
	struct buf spans, log, audit;
	int replaying;
	int64_t batch_ms;   /* the exporter's last batch (SIM_BATCH_MS) */
	char damaged[1200]; /* state.json could not be used: why */
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

#define GROW(v, n) \
	((v) = realloc((v), ((n) + 1) * sizeof *(v)), (v) ? 0 : (abort(), 0))

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
static uint64_t rnd(struct sim *s)
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

static unsigned rnd_below(struct sim *s, unsigned n)
{
	return n ? (unsigned)(rnd(s) % n) : 0;
}

static void seed_rng(struct sim *s)
{
	uint64_t x = 0;

	for (size_t i = 0; i < sizeof s->seed; i++)
		x = x * 131 + s->seed[i] + (x >> 59);
	for (int i = 0; i < 4; i++)
		s->rng[i] = splitmix(&x);
}

static void new_id(struct sim *s, char *out, size_t bytes)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < bytes; i += 8) {
		uint64_t v = rnd(s);

		for (size_t k = 0; k < 8 && i + k < bytes; k++, v >>= 8) {
			out[2 * (i + k)] = hex[(v >> 4) & 15];
			out[2 * (i + k) + 1] = hex[v & 15];
		}
	}
	out[2 * bytes] = '\0';
}

/* "2026-03-12T14:02:07.123Z" */
static void ts(int64_t ms, char out[32])
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

static int parse_ts(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	int n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    s[n] != '\0' || tm.tm_year < 2000 || tm.tm_year > 2100 ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 59)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

/* --- output ---------------------------------------------------------- */

static void metric_add(struct sim *s, const char *key, uint64_t by)
{
	for (size_t i = 0; i < s->nmetrics; i++)
		if (strcmp(s->metrics[i].key, key) == 0) {
			s->metrics[i].v += by;
			return;
		}
	GROW(s->metrics, s->nmetrics);
	s->metrics[s->nmetrics].key = xstrdup(key);
	s->metrics[s->nmetrics++].v = by;
}

static void metricf(struct sim *s, uint64_t by, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void metricf(struct sim *s, uint64_t by, const char *fmt, ...)
{
	char key[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	metric_add(s, key, by);
}

/* One line of JSON appended to b (compact, keys in the order given). */
static void put_line(struct buf *b, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);

	if (!text)
		abort();
	buf_puts(b, text, NULL);
	buf_puts(b, "\n", NULL);
	free(text);
	json_decref(o);
}

/* A structured log line: component, level, message and attributes as
 * key, value pairs (a value is a string, or NULL for none). */
static void slog(struct sim *s, int64_t t_ms, const char *level,
		 const char *component, const char *msg, ...)
{
	json_t *o = json_object();
	char when[32];
	const char *k, *v;
	va_list ap;

	ts(t_ms, when);
	json_object_set_new(o, "ts", json_string(when));
	json_object_set_new(o, "level", json_string(level));
	json_object_set_new(o, "component", json_string(component));
	json_object_set_new(o, "msg", json_string(msg));
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v)
			json_object_set_new(o, k, json_string(v));
	}
	va_end(ap);
	put_line(&s->log, o);
}

/* A span.  Attributes are added by the caller on the returned object's
 * "attributes" before span_end writes it. */
struct span {
	json_t *o, *attrs;
	char trace[33], id[17];
	int64_t start_ms;
};

static void span_begin(struct sim *s, struct span *sp, const char *trace,
		       const char *parent, const char *name, int64_t start_ms)
{
	memset(sp, 0, sizeof *sp);
	if (trace)
		snprintf(sp->trace, sizeof sp->trace, "%s", trace);
	else
		new_id(s, sp->trace, 16);
	new_id(s, sp->id, 8);
	sp->o = json_object();
	json_object_set_new(sp->o, "trace_id", json_string(sp->trace));
	json_object_set_new(sp->o, "span_id", json_string(sp->id));
	json_object_set_new(sp->o, "parent_span_id", json_string(parent ? parent : ""));
	json_object_set_new(sp->o, "name", json_string(name));
	sp->attrs = json_object();
	sp->start_ms = start_ms;
}

static void attr_s(struct span *sp, const char *k, const char *v)
{
	json_object_set_new(sp->attrs, k, json_string(v));
}

static void attr_i(struct span *sp, const char *k, long long v)
{
	json_object_set_new(sp->attrs, k, json_integer(v));
}

static void span_link(struct span *sp, const char *trace, const char *id)
{
	json_t *l;

	if (!trace || !trace[0])
		return;
	l = json_object();
	json_object_set_new(l, "trace_id", json_string(trace));
	json_object_set_new(l, "span_id", json_string(id));
	json_object_set_new(sp->o, "links", json_pack("[o]", l));
}

/* skew: the component's clock error, added to both ends (a skewed
 * component stamps its spans wrong; the platform's clock is right). */
static void span_end(struct sim *s, struct span *sp, int64_t end_ms,
		     int ok, const char *why, int64_t skew_ms)
{
	int64_t a = (sp->start_ms + skew_ms) * 1000000;
	int64_t b = (end_ms + skew_ms) * 1000000;

	if (b < a)
		b = a;
	json_object_set_new(sp->o, "start_unix_nano", json_integer(a));
	json_object_set_new(sp->o, "end_unix_nano", json_integer(b));
	json_object_set_new(sp->o, "status", json_string(ok ? "ok" : "error"));
	if (!ok && why)
		json_object_set_new(sp->o, "status_message", json_string(why));
	json_object_set_new(sp->o, "attributes", sp->attrs);
	/* links go last, after the attributes, for the reader's eye */
	if (json_object_get(sp->o, "links")) {
		json_t *l = json_incref(json_object_get(sp->o, "links"));

		json_object_del(sp->o, "links");
		json_object_set_new(sp->o, "links", l);
	}
	metric_add(s, "agentd_spans_total", 1);
	/* The exporter: a lossy one drops spans, and counts them. */
	if (s->drop_pm && rnd_below(s, 1000) < s->drop_pm) {
		s->dropped++;
		for (size_t i = 0; i < s->nfaults; i++)
			if (s->faults[i].kind == PF_SPAN_LOSS && s->faults[i].fired)
				s->faults[i].count++;
		metric_add(s, "agentd_exporter_dropped_spans_total", 1);
		json_decref(sp->o);
		return;
	}
	s->exported++;
	put_line(&s->spans, sp->o);
}

/* --- the config ------------------------------------------------------ */

/* Problems go to why as "FILE: $.PATH: what", one per line. */
struct cfg {
	const char *file;
	struct buf *why;
	size_t problems;
};

static void bad(struct cfg *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bad(struct cfg *c, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_printf(c->why, NULL, "%s: %s\n", c->file, msg);
	c->problems++;
}

/* Every key of o must be one of keys (NULL-terminated). */
static void only(struct cfg *c, json_t *o, const char *path,
		 const char *const *keys)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		size_t i;

		for (i = 0; keys[i] && strcmp(keys[i], k) != 0; i++)
			;
		if (!keys[i]) {
			char known[400] = "";

			for (i = 0; keys[i]; i++)
				snprintf(known + strlen(known), sizeof known - strlen(known),
					 "%s%s", i ? ", " : "", keys[i]);
			bad(c, "%s.%s: unknown key; known: %s", path, k, known);
		}
	}
}

static unsigned num(struct cfg *c, json_t *o, const char *path,
		    const char *key, long long min, long long max,
		    long long dflt)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		if (dflt < 0)
			bad(c, "%s: missing \"%s\"", path, key);
		return dflt < 0 ? (unsigned)min : (unsigned)dflt;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		bad(c, "%s.%s: must be an integer from %lld to %lld", path, key,
		    min, max);
		return (unsigned)min;
	}
	return (unsigned)json_integer_value(v);
}

static int flag(struct cfg *c, json_t *o, const char *path, const char *key,
		int dflt)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return dflt;
	if (!json_is_boolean(v)) {
		bad(c, "%s.%s: must be true or false", path, key);
		return dflt;
	}
	return json_is_true(v);
}

static char *name(struct cfg *c, json_t *o, const char *path, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || !pol_id_ok(json_string_value(v))) {
		bad(c, "%s.%s: %s; a name is 1 to 64 of a-z 0-9 . _ - starting with a letter or digit",
		    path, key, v ? "not a valid name" : "missing");
		return xstrdup("?");
	}
	return xstrdup(json_string_value(v));
}

/* The array o[key] of at most max entries; NULL (and a problem) if it is
 * not one. */
static json_t *list_of(struct cfg *c, json_t *o, const char *path,
		       const char *key, size_t max, int required)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		if (required)
			bad(c, "%s: missing \"%s\"", path, key);
		return NULL;
	}
	if (!json_is_array(v) || json_array_size(v) > max ||
	    (required && json_array_size(v) == 0)) {
		bad(c, "%s.%s: must be a list of %s to %zu entries", path, key,
		    required ? "1" : "0", max);
		return NULL;
	}
	return v;
}

#define FIND(arr, n, name_)                                          \
	({                                                           \
		size_t i_ = 0;                                       \
		while (i_ < (n) && strcmp((arr)[i_].id, (name_)) != 0) \
			i_++;                                        \
		i_;                                                  \
	})

/* FIND for adapters, whose name is their version. */
#define FIND_V(arr, n, name_)                                           \
	({                                                              \
		size_t i_ = 0;                                          \
		while (i_ < (n) && strcmp((arr)[i_].version, (name_)) != 0) \
			i_++;                                           \
		i_;                                                     \
	})

static void load_models(struct sim *s, struct cfg *c, json_t *root)
{
	static const char *const mkeys[] = {"id", "versions", "active", "gate", NULL};
	static const char *const vkeys[] = {"id", "quality", NULL};
	static const char *const gkeys[] = {"min_quality", NULL};
	json_t *a = list_of(c, root, "$", "models", SIM_MAX_ENTITIES, 1), *m;
	size_t i, k;

	if (!a)
		return;
	s->models = xcalloc(json_array_size(a), sizeof *s->models);
	json_array_foreach(a, i, m) {
		struct model *md = &s->models[s->nmodels++];
		char path[64];
		json_t *vs, *v, *act;

		snprintf(path, sizeof path, "$.models[%zu]", i);
		if (!json_is_object(m)) {
			bad(c, "%s: must be an object", path);
			md->id = xstrdup("?");
			continue;
		}
		only(c, m, path, mkeys);
		md->id = name(c, m, path, "id");
		vs = list_of(c, m, path, "versions", SIM_MAX_ENTITIES, 1);
		md->v = xcalloc(vs ? json_array_size(vs) : 1, sizeof *md->v);
		if (vs)
			json_array_foreach(vs, k, v) {
				char vp[96];

				snprintf(vp, sizeof vp, "%s.versions[%zu]", path, k);
				if (!json_is_object(v)) {
					bad(c, "%s: must be an object", vp);
					continue;
				}
				only(c, v, vp, vkeys);
				md->v[md->nv].id = name(c, v, vp, "id");
				md->v[md->nv++].quality = num(c, v, vp, "quality", 0, 1000, 1000);
			}
		act = json_object_get(m, "active");
		if (!json_is_string(act) ||
		    (md->active = FIND(md->v, md->nv, json_string_value(act))) == md->nv) {
			bad(c, "%s.active: must name one of the model's versions", path);
			md->active = 0;
		}
		md->before = md->active_cfg = md->active;
		act = json_object_get(m, "gate");
		if (act && !json_is_object(act)) {
			bad(c, "%s.gate: must be an object such as {\"min_quality\": 900}", path);
		} else if (act) {
			char gp[80];

			snprintf(gp, sizeof gp, "%s.gate", path);
			only(c, act, gp, gkeys);
			md->gated = md->gated_cfg = 1;
			md->min_quality = num(c, act, gp, "min_quality", 0, 1000, -1);
			md->min_quality_cfg = md->min_quality;
		}
	}
	for (i = 0; i < s->nmodels; i++)
		for (k = 0; k < i; k++)
			if (strcmp(s->models[i].id, s->models[k].id) == 0)
				bad(c, "$.models[%zu].id: \"%s\" is used twice", i, s->models[i].id);
}

/* A tool's adapter versions and the one in service; none is fine. */
static void load_adapters(struct cfg *c, json_t *t, const char *path,
			  struct tool *tl, const char *const *akeys)
{
	json_t *as = list_of(c, t, path, "adapters", SIM_MAX_ADAPTERS, 0);
	json_t *act = json_object_get(t, "adapter"), *v;
	size_t k;

	if (!as) {
		if (act)
			bad(c, "%s.adapter: names an adapter version, but the tool has no \"adapters\"", path);
		return;
	}
	tl->ad = xcalloc(json_array_size(as), sizeof *tl->ad);
	json_array_foreach(as, k, v) {
		struct adapter *ad;
		char ap[96];

		snprintf(ap, sizeof ap, "%s.adapters[%zu]", path, k);
		if (!json_is_object(v)) {
			bad(c, "%s: must be an object", ap);
			continue;
		}
		only(c, v, ap, akeys);
		ad = &tl->ad[tl->nad++];
		ad->version = name(c, v, ap, "version");
		ad->latency_ms = num(c, v, ap, "latency_ms", 1, 600000, tl->latency_ms);
		ad->failure_pm = num(c, v, ap, "failure_pm", 0, 1000, tl->failure_pm);
		ad->bad_args_pm = num(c, v, ap, "bad_args_pm", 0, 1000, 0);
		ad->drops_keys = flag(c, v, ap, "drops_keys", 0);
		for (size_t i = 0; i + 1 < tl->nad; i++)
			if (strcmp(tl->ad[i].version, ad->version) == 0)
				bad(c, "%s.version: \"%s\" is used twice", ap, ad->version);
	}
	if (!tl->nad)
		return;
	if (!json_is_string(act) ||
	    (tl->adapter = FIND_V(tl->ad, tl->nad, json_string_value(act))) == tl->nad) {
		bad(c, "%s.adapter: must name one of the tool's adapter versions", path);
		tl->adapter = 0;
	}
	tl->adapter_before = tl->adapter_cfg = tl->adapter;
}

static void load_tools(struct sim *s, struct cfg *c, json_t *root)
{
	static const char *const keys[] = {
		"id", "latency_ms", "timeout_ms", "failure_pm", "retries",
		"side_effect", "idempotency", "fallback", "risk", "adapters",
		"adapter", NULL};
	static const char *const akeys[] = {
		"version", "latency_ms", "failure_pm", "bad_args_pm", "drops_keys",
		NULL};
	json_t *a = list_of(c, root, "$", "tools", SIM_MAX_ENTITIES, 1), *t;
	size_t i, k;

	if (!a)
		return;
	s->tools = xcalloc(json_array_size(a), sizeof *s->tools);
	json_array_foreach(a, i, t) {
		struct tool *tl = &s->tools[s->ntools++];
		char path[64];

		snprintf(path, sizeof path, "$.tools[%zu]", i);
		tl->enabled = 1;
		if (!json_is_object(t)) {
			bad(c, "%s: must be an object", path);
			tl->id = xstrdup("?");
			continue;
		}
		only(c, t, path, keys);
		tl->id = name(c, t, path, "id");
		tl->latency_ms = num(c, t, path, "latency_ms", 1, 600000, 100);
		tl->timeout_ms = num(c, t, path, "timeout_ms", 1, 600000, 5000);
		tl->failure_pm = num(c, t, path, "failure_pm", 0, 1000, 0);
		tl->retries = num(c, t, path, "retries", 0, 10, 2);
		tl->side_effect = flag(c, t, path, "side_effect", 0);
		tl->idempotency = flag(c, t, path, "idempotency", 1);
		tl->risk = num(c, t, path, "risk", 0, 100, 0);
		load_adapters(c, t, path, tl, akeys);
	}
	json_array_foreach(a, i, t) {
		json_t *f = json_is_object(t) ? json_object_get(t, "fallback") : NULL;

		for (k = 0; k < i; k++)
			if (strcmp(s->tools[i].id, s->tools[k].id) == 0)
				bad(c, "$.tools[%zu].id: \"%s\" is used twice", i, s->tools[i].id);
		if (!f)
			continue;
		if (!json_is_string(f) ||
		    (k = FIND(s->tools, s->ntools, json_string_value(f))) == s->ntools ||
		    k == i || s->tools[k].fallback)
			bad(c, "$.tools[%zu].fallback: must name another tool, one without a fallback of its own", i);
		else
			s->tools[i].fallback = k + 1;
	}
}

static void load_agents(struct sim *s, struct cfg *c, json_t *root)
{
	static const char *const keys[] = {"id", "role", "model", "tools", NULL};
	json_t *a = list_of(c, root, "$", "agents", SIM_MAX_ENTITIES, 1), *g;
	size_t i, k;

	if (!a)
		return;
	s->agents = xcalloc(json_array_size(a), sizeof *s->agents);
	json_array_foreach(a, i, g) {
		struct agent *ag = &s->agents[s->nagents++];
		char path[64];
		json_t *m, *ts_, *x;

		snprintf(path, sizeof path, "$.agents[%zu]", i);
		if (!json_is_object(g)) {
			bad(c, "%s: must be an object", path);
			ag->id = xstrdup("?");
			ag->role = xstrdup("?");
			continue;
		}
		only(c, g, path, keys);
		ag->id = name(c, g, path, "id");
		ag->role = name(c, g, path, "role");
		m = json_object_get(g, "model");
		if (!json_is_string(m) ||
		    (ag->model = FIND(s->models, s->nmodels, json_string_value(m))) == s->nmodels) {
			bad(c, "%s.model: must name one of $.models", path);
			ag->model = 0;
		}
		ts_ = list_of(c, g, path, "tools", SIM_MAX_ENTITIES, 1);
		ag->tools = xcalloc(ts_ ? json_array_size(ts_) : 1, sizeof *ag->tools);
		if (ts_)
			json_array_foreach(ts_, k, x) {
				size_t t = json_is_string(x) ?
					FIND(s->tools, s->ntools, json_string_value(x)) : s->ntools;

				if (t == s->ntools)
					bad(c, "%s.tools[%zu]: must name one of $.tools", path, k);
				else
					ag->tools[ag->ntools++] = t;
			}
		for (k = 0; k < i; k++)
			if (strcmp(ag->id, s->agents[k].id) == 0)
				bad(c, "%s.id: \"%s\" is used twice", path, ag->id);
	}
}

static void load_workload(struct sim *s, struct cfg *c, json_t *root)
{
	static const char *const keys[] = {"id", "role", "weight", "steps", NULL};
	json_t *a = list_of(c, root, "$", "workload", SIM_MAX_ENTITIES, 1), *w;
	size_t i, k, g;

	if (!a)
		return;
	s->kinds = xcalloc(json_array_size(a), sizeof *s->kinds);
	json_array_foreach(a, i, w) {
		struct kind *kd = &s->kinds[s->nkinds++];
		char path[64];
		json_t *st, *x;

		snprintf(path, sizeof path, "$.workload[%zu]", i);
		if (!json_is_object(w)) {
			bad(c, "%s: must be an object", path);
			kd->id = xstrdup("?");
			kd->role = xstrdup("?");
			continue;
		}
		only(c, w, path, keys);
		kd->id = name(c, w, path, "id");
		kd->role = name(c, w, path, "role");
		kd->weight = num(c, w, path, "weight", 1, 1000, 1);
		for (g = 0; g < s->nagents; g++)
			if (strcmp(s->agents[g].role, kd->role) == 0)
				break;
		if (g == s->nagents)
			bad(c, "%s.role: no agent of $.agents has the role \"%s\"", path, kd->role);
		st = list_of(c, w, path, "steps", SIM_MAX_STEPS, 1);
		if (st)
			json_array_foreach(st, k, x) {
				size_t t = json_is_string(x) ?
					FIND(s->tools, s->ntools, json_string_value(x)) : s->ntools;

				if (t == s->ntools)
					bad(c, "%s.steps[%zu]: must name one of $.tools", path, k);
				else
					kd->steps[kd->nsteps++] = t;
			}
	}
}

static void load_secrets(struct sim *s, struct cfg *c, json_t *root)
{
	static const char *const keys[] = {"id", "tool", NULL};
	json_t *a = list_of(c, root, "$", "secrets", SIM_MAX_ENTITIES, 0), *x;
	size_t i;

	if (!a)
		return;
	s->secrets = xcalloc(json_array_size(a), sizeof *s->secrets);
	json_array_foreach(a, i, x) {
		struct secret *sc = &s->secrets[s->nsecrets++];
		char path[64];
		json_t *t;

		snprintf(path, sizeof path, "$.secrets[%zu]", i);
		if (!json_is_object(x)) {
			bad(c, "%s: must be an object", path);
			sc->id = xstrdup("?");
			continue;
		}
		only(c, x, path, keys);
		sc->id = name(c, x, path, "id");
		t = json_object_get(x, "tool");
		if (!json_is_string(t) ||
		    (sc->tool = FIND(s->tools, s->ntools, json_string_value(t))) == s->ntools) {
			bad(c, "%s.tool: must name one of $.tools", path);
			sc->tool = 0;
		}
	}
}

/* The directory part of a path, and a path beside it. */
static char *beside(const char *path, const char *name_)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char *out = xcalloc(n + strlen(name_) + 2, 1);

	memcpy(out, path, n);
	out[n] = '/';
	memcpy(out + n + 1, name_, strlen(name_) + 1);
	return out;
}

static int read_small(const char *path, size_t max, struct buf *out,
		      char *why, size_t whylen)
{
	struct err e = {0};

	if (read_file_bounded(path, max, out, &e) < 0) {
		snprintf(why, whylen, "%s", e.msg);
		return -1;
	}
	return 0;
}

/* policies/vN.json for N in 1..SIM_MAX_POLICIES, stopping at the first
 * gap after the last one found. */
static void load_policies(struct sim *s, struct cfg *c)
{
	char *dir = beside(s->config, "policies");
	unsigned missing = 0;

	for (unsigned v = 1; v <= SIM_MAX_POLICIES && missing < 20; v++) {
		char path[PATH_MAX], why[1100], label[64];
		struct buf text = BUF_INIT;
		struct stat st;

		snprintf(path, sizeof path, "%s/v%u.json", dir, v);
		if (lstat(path, &st) < 0) {
			missing++;
			continue;
		}
		missing = 0;
		snprintf(label, sizeof label, "policies/v%u.json", v);
		if (read_small(path, SIM_MAX_CONFIG, &text, why, sizeof why) < 0) {
			bad(c, "%s", why);
			continue;
		}
		{
			struct cfg pc = {.file = label, .why = c->why};
			size_t before = c->why->len;

			if (pol_parse((char *)text.data, text.len, label,
				      &s->pv[v].pol, c->why) < 0) {
				c->problems += c->why->len != before;
			} else if (s->pv[v].pol.version != v) {
				bad(&pc, "$.version: is %u in v%u.json; a file holds its own version",
				    s->pv[v].pol.version, v);
				c->problems++;
				pol_release(&s->pv[v].pol);
			} else {
				s->pv[v].present = 1;
				s->maxver = v;
			}
		}
		buf_release(&text);
	}
	free(dir);
}

static int load_config(struct sim *s, struct buf *why)
{
	static const char *const keys[] = {
		"platform", "start", "history_s", "task_interval_s", "command_s",
		"review_s", "retry_s", "max_attempts", "models", "tools", "agents",
		"workload", "policy", "secrets", "behaviour", "auto_approve_below",
		NULL};
	struct cfg c = {.file = s->config, .why = why};
	struct buf text = BUF_INIT;
	char err[1100];
	json_error_t je;
	json_t *root, *v;

	if (read_small(s->config, SIM_MAX_CONFIG, &text, err, sizeof err) < 0) {
		bad(&c, "%s", err);
		return -1;
	}
	root = json_loadb((char *)text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	buf_release(&text);
	if (!root) {
		bad(&c, "line %d column %d: %s", je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		bad(&c, "$: must be a JSON object");
		json_decref(root);
		return -1;
	}
	only(&c, root, "$", keys);
	v = json_object_get(root, "platform");
	if (!json_is_string(v) || strcmp(json_string_value(v), SIM_PLATFORM) != 0)
		bad(&c, "$.platform: must be \"%s\" (this agentd's version)", SIM_PLATFORM);
	v = json_object_get(root, "start");
	if (!json_is_string(v) || parse_ts(json_string_value(v), &s->start_ms) < 0)
		bad(&c, "$.start: must be a UTC time such as \"2026-03-12T13:00:00Z\"");
	s->history_s = num(&c, root, "$", "history_s", 0, SIM_MAX_ADVANCE_S, 3600);
	s->interval_s = num(&c, root, "$", "task_interval_s", 1, 86400, 60);
	s->command_s = num(&c, root, "$", "command_s", 0, 3600, 5);
	s->review_s = num(&c, root, "$", "review_s", 1, 86400, 300);
	s->retry_s = num(&c, root, "$", "retry_s", 1, 86400, 60);
	s->max_attempts = num(&c, root, "$", "max_attempts", 1, 10, 3);
	s->auto_below = s->auto_below_cfg =
		num(&c, root, "$", "auto_approve_below", 0, 101, 0);
	load_models(s, &c, root);
	load_tools(s, &c, root);
	load_agents(s, &c, root);
	load_workload(s, &c, root);
	load_secrets(s, &c, root);
	load_policies(s, &c);
	s->active = num(&c, root, "$", "policy", 1, SIM_MAX_POLICIES, -1);
	if (json_object_get(root, "policy") && !c.problems &&
	    !s->pv[s->active].present)
		bad(&c, "$.policy: policies/v%u.json is missing or invalid", s->active);
	v = json_object_get(root, "behaviour");
	if (v) {
		if (!json_is_string(v) || !pol_id_ok(json_string_value(v)))
			bad(&c, "$.behaviour: must be a file name beside platform.json, such as \"behaviour.lua\"");
		else {
			char *path = beside(s->config, json_string_value(v));
			char berr[1100] = "";

			s->lua = behaviour_open(path, berr, sizeof berr);
			if (!s->lua)
				bad(&c, "$.behaviour: %s", berr);
			free(path);
		}
	}
	json_decref(root);
	return c.problems ? -1 : 0;
}

/* --- the fault plan -------------------------------------------------- */

static int pf_kind(const char *k)
{
	for (size_t i = 0; i < PF_COUNT; i++)
		if (strcmp(pf_names[i], k) == 0)
			return (int)i;
	return -1;
}

/* Which entity a fault names, by kind: the key and where to look. */
static size_t target(struct sim *s, struct cfg *c, json_t *f,
		     const char *path, const char *key)
{
	json_t *v = json_object_get(f, key);
	const char *n = json_is_string(v) ? json_string_value(v) : "";
	size_t i = SIZE_MAX;

	if (strcmp(key, "tool") == 0 && (i = FIND(s->tools, s->ntools, n)) == s->ntools)
		i = SIZE_MAX;
	else if (strcmp(key, "model") == 0 && (i = FIND(s->models, s->nmodels, n)) == s->nmodels)
		i = SIZE_MAX;
	else if (strcmp(key, "agent") == 0 && (i = FIND(s->agents, s->nagents, n)) == s->nagents)
		i = SIZE_MAX;
	else if (strcmp(key, "secret") == 0 && (i = FIND(s->secrets, s->nsecrets, n)) == s->nsecrets)
		i = SIZE_MAX;
	if (i == SIZE_MAX) {
		bad(c, "%s.%s: must name one of the platform's %ss (platform.json)", path, key, key);
		return 0;
	}
	return i;
}

static void load_faults(struct sim *s, struct cfg *c, json_t *plan)
{
	static const char *const keys[] = {
		"id", "kind", "at_s", "until_s", "tool", "model", "agent",
		"secret", "version", "probability_pm", "latency_ms", "offset_ms",
		"min_quality", "value", NULL};
	json_t *f;
	size_t i;

	if (!json_is_array(plan) || json_array_size(plan) > SIM_MAX_FAULTS) {
		bad(c, "$: must be a list of at most %d platform faults", SIM_MAX_FAULTS);
		return;
	}
	s->faults = xcalloc(json_array_size(plan), sizeof *s->faults);
	json_array_foreach(plan, i, f) {
		struct pfault *pf = &s->faults[s->nfaults];
		char path[64];
		json_t *k, *v;
		int kind;

		snprintf(path, sizeof path, "$[%zu]", i);
		if (!json_is_object(f)) {
			bad(c, "%s: must be an object", path);
			continue;
		}
		only(c, f, path, keys);
		k = json_object_get(f, "kind");
		kind = json_is_string(k) ? pf_kind(json_string_value(k)) : -1;
		if (kind < 0) {
			bad(c, "%s.kind: must be one of the platform fault kinds (docs/platform.md)", path);
			continue;
		}
		s->nfaults++;
		pf->kind = (enum pf_kind)kind;
		pf->id = name(c, f, path, "id");
		pf->at_ms = (int64_t)num(c, f, path, "at_s", 0, 7 * 86400, 0) * 1000;
		if (json_object_get(f, "until_s")) {
			pf->until_ms = (int64_t)num(c, f, path, "until_s", 1, 7 * 86400, 1) * 1000;
			if (pf->until_ms <= pf->at_ms)
				bad(c, "%s.until_s: must be after at_s", path);
		}
		switch (pf->kind) {
		case PF_POLICY_DEPLOY:
			pf->version = num(c, f, path, "version", 1, SIM_MAX_POLICIES, -1);
			if (!s->pv[pf->version].present)
				bad(c, "%s.version: policies/v%u.json does not exist", path, pf->version);
			break;
		case PF_TOOL_OUTAGE:
			pf->target = target(s, c, f, path, "tool");
			break;
		case PF_TOOL_SLOW:
			pf->target = target(s, c, f, path, "tool");
			pf->ms = num(c, f, path, "latency_ms", 1, 600000, -1);
			break;
		case PF_MODEL_DRIFT:
			pf->target = target(s, c, f, path, "model");
			v = json_object_get(f, "version");
			if (pf->target < s->nmodels && json_is_string(v))
				pf->mversion = FIND(s->models[pf->target].v,
						    s->models[pf->target].nv, json_string_value(v));
			if (!json_is_string(v) || pf->target >= s->nmodels ||
			    pf->mversion >= s->models[pf->target].nv)
				bad(c, "%s.version: must name one of the model's versions", path);
			break;
		case PF_DUPLICATE:
			pf->target = target(s, c, f, path, "tool");
			pf->pm = num(c, f, path, "probability_pm", 1, 1000, 300);
			break;
		case PF_SPAN_LOSS:
			pf->pm = num(c, f, path, "probability_pm", 1, 1000, 300);
			break;
		case PF_CLOCK_SKEW:
			pf->target = target(s, c, f, path, "tool");
			v = json_object_get(f, "offset_ms");
			/* no llabs: it gives LLONG_MIN back, which then
			 * passed as an offset of 0 */
			if (!json_is_integer(v) || json_integer_value(v) == 0 ||
			    json_integer_value(v) < -86400000 ||
			    json_integer_value(v) > 86400000)
				bad(c, "%s.offset_ms: must be a non-zero integer within a day either way", path);
			else
				pf->ms = (unsigned)(int)json_integer_value(v);
			break;
		case PF_SECRET_LEAK:
			pf->target = target(s, c, f, path, "secret");
			break;
		case PF_APPROVAL_STUCK:
			break;
		case PF_AGENT_LOOP:
			pf->target = target(s, c, f, path, "agent");
			break;
		case PF_GATE_OPEN:
			pf->target = target(s, c, f, path, "model");
			pf->value = num(c, f, path, "min_quality", 0, 1000, 0);
			break;
		case PF_THRESHOLD:
			pf->value = num(c, f, path, "value", 0, 101, -1);
			break;
		case PF_ADAPTER_UPGRADE:
			pf->target = target(s, c, f, path, "tool");
			v = json_object_get(f, "version");
			if (pf->target < s->ntools && json_is_string(v))
				pf->mversion = FIND_V(s->tools[pf->target].ad,
						      s->tools[pf->target].nad, json_string_value(v));
			if (!json_is_string(v) || pf->target >= s->ntools ||
			    pf->mversion >= s->tools[pf->target].nad)
				bad(c, "%s.version: must name one of the tool's adapter versions ($.tools[].adapters)", path);
			break;
		}
		for (size_t k2 = 0; k2 + 1 < s->nfaults; k2++)
			if (strcmp(s->faults[k2].id, pf->id) == 0)
				bad(c, "%s.id: \"%s\" is used twice", path, pf->id);
	}
}

static int load_plan(struct sim *s, const char *faults_json, struct buf *why)
{
	struct cfg c = {.file = "the platform fault plan", .why = why};
	json_error_t je;
	json_t *plan;

	if (!faults_json || !faults_json[0])
		return 0;
	plan = json_loads(faults_json, JSON_REJECT_DUPLICATES, &je);
	if (!plan) {
		bad(&c, "line %d column %d: %s", je.line, je.column, je.text);
		return -1;
	}
	load_faults(s, &c, plan);
	json_decref(plan);
	return c.problems ? -1 : 0;
}

/* --- events ---------------------------------------------------------- */

static int ev_before(const struct event *a, const struct event *b)
{
	return a->t_ms < b->t_ms || (a->t_ms == b->t_ms && a->seq < b->seq);
}

/* A binary heap on (time, order of scheduling). */
static void schedule(struct sim *s, int64_t t_ms, enum ev_type type,
		     unsigned arg)
{
	size_t i;

	if (s->nev >= SIM_MAX_EVENTS)
		return; /* a runaway stops here; the metric says so */
	GROW(s->ev, s->nev);
	i = s->nev++;
	s->ev[i] = (struct event){t_ms, s->seq++, type, arg};
	while (i > 0 && ev_before(&s->ev[i], &s->ev[(i - 1) / 2])) {
		struct event t = s->ev[i];

		s->ev[i] = s->ev[(i - 1) / 2];
		s->ev[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct event unschedule(struct sim *s)
{
	struct event top = s->ev[0];
	size_t i = 0;

	s->ev[0] = s->ev[--s->nev];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < s->nev && ev_before(&s->ev[l], &s->ev[m]))
			m = l;
		if (r < s->nev && ev_before(&s->ev[r], &s->ev[m]))
			m = r;
		if (m == i)
			break;
		struct event t = s->ev[i];
		s->ev[i] = s->ev[m];
		s->ev[m] = t;
		i = m;
	}
	return top;
}

/* --- the policy engine's history -------------------------------------- */

static void history_add(struct sim *s, unsigned version, const char *by,
			const char *how)
{
	GROW(s->hist, s->nhist);
	s->hist[s->nhist].version = version;
	s->hist[s->nhist].t_ms = s->now_ms;
	snprintf(s->hist[s->nhist].by, sizeof s->hist[0].by, "%s", by);
	snprintf(s->hist[s->nhist].how, sizeof s->hist[0].how, "%s", how);
	s->nhist++;
}

/* Put a version in force: a span of its own (decisions link to it), a
 * log line and a history entry.  parent: the operator command's span, or
 * NULL for a deployment by the platform's pipeline. */
static void policy_activate(struct sim *s, unsigned v, const char *by,
			    const char *how, const struct span *parent)
{
	struct span sp;
	char ver[16];

	span_begin(s, &sp, parent ? parent->trace : NULL,
		   parent ? parent->id : NULL, "policy.activate", s->now_ms);
	attr_s(&sp, "component", "policy");
	attr_i(&sp, "policy.version", v);
	attr_i(&sp, "policy.previous_version", s->active);
	attr_s(&sp, "deploy.by", by);
	attr_s(&sp, "deploy.how", how);
	snprintf(s->pv[v].trace, sizeof s->pv[v].trace, "%s", sp.trace);
	snprintf(s->pv[v].span, sizeof s->pv[v].span, "%s", sp.id);
	span_end(s, &sp, s->now_ms + 40, 1, NULL, 0);
	snprintf(ver, sizeof ver, "%u", v);
	slog(s, s->now_ms, "info", "policy", "policy version activated",
	     "policy_version", ver, "by", by, "how", how, "trace_id", sp.trace,
	     NULL);
	s->active = v;
	history_add(s, v, by, how);
	metricf(s, 1, "agentd_policy_activations_total{by=\"%s\"}", by);
}

/* --- changes that later spans link to ---------------------------------- */

static void hist_push(struct hentry **h, size_t *n, int64_t t_ms,
		      const char *by, const char *how, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static void hist_push(struct hentry **h, size_t *n, int64_t t_ms,
		      const char *by, const char *how, const char *fmt, ...)
{
	struct hentry *e;
	va_list ap;

	GROW(*h, *n);
	e = &(*h)[(*n)++];
	memset(e, 0, sizeof *e);
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof e->what, fmt, ap);
	va_end(ap);
	e->t_ms = t_ms;
	snprintf(e->by, sizeof e->by, "%s", by);
	snprintf(e->how, sizeof e->how, "%s", how);
}

/* A change's span: a child of the operator's command, or a root of its
 * own for the platform's pipeline (parent NULL). */
static void change_begin(struct sim *s, struct span *sp, const char *name_,
			 const struct span *parent)
{
	span_begin(s, sp, parent ? parent->trace : NULL,
		   parent ? parent->id : NULL, name_, s->now_ms);
}

static void change_end(struct sim *s, struct span *sp, const char *by,
		       const char *how, struct change *keep, int ok,
		       const char *why)
{
	attr_s(sp, "deploy.by", by);
	attr_s(sp, "deploy.how", how);
	if (keep) {
		snprintf(keep->trace, sizeof keep->trace, "%s", sp->trace);
		snprintf(keep->span, sizeof keep->span, "%s", sp->id);
	}
	span_end(s, sp, s->now_ms + 20, ok, why, 0);
}

/* Put version v of model m in service (the caller moves active and
 * before).  A provider's upgrade (how "upgrade") must pass the model's
 * evaluation gate: 0 when it blocked the version.  An operator's pin or
 * rollback is the operator's decision and passes. */
static int model_promote(struct sim *s, struct model *m, size_t v,
			 const char *by, const char *how,
			 const struct span *parent)
{
	int upgrade = strcmp(how, "upgrade") == 0;
	int pass = !m->gated || !upgrade || m->v[v].quality >= m->min_quality;
	char q[16];
	struct span sp;

	change_begin(s, &sp, "model.promote", parent);
	attr_s(&sp, "model.name", m->id);
	attr_s(&sp, "model.version", m->v[v].id);
	attr_s(&sp, "model.previous_version", m->v[m->active].id);
	attr_i(&sp, "model.quality", m->v[v].quality);
	if (m->gated) {
		attr_i(&sp, "gate.min_quality", m->min_quality);
		attr_s(&sp, "gate.decision", !upgrade ? "operator" : pass ? "pass" : "blocked");
		span_link(&sp, m->gate.trace, m->gate.span);
	}
	change_end(s, &sp, by, how, pass ? &m->promoted : NULL, pass,
		   "blocked by the evaluation gate");
	snprintf(q, sizeof q, "%u", m->v[v].quality);
	if (!pass) {
		slog(s, s->now_ms, "warn", "models", "new model version blocked by the evaluation gate",
		     "model", m->id, "version", m->v[v].id, "quality", q,
		     "trace_id", sp.trace, NULL);
		metricf(s, 1, "agentd_model_promotions_total{model=\"%s\",outcome=\"blocked\"}", m->id);
		return 0;
	}
	hist_push(&m->hist, &m->nhist, s->now_ms, by, how, "%s", m->v[v].id);
	metricf(s, 1, "agentd_model_promotions_total{model=\"%s\",outcome=\"promoted\"}", m->id);
	return 1;
}

static void gate_set(struct sim *s, struct model *m, unsigned v,
		     const char *by, const char *how, const struct span *parent)
{
	struct span sp;
	char val[16], was[16];

	change_begin(s, &sp, "model.gate", parent);
	attr_s(&sp, "model.name", m->id);
	attr_i(&sp, "gate.min_quality", v);
	attr_i(&sp, "gate.previous_min_quality", m->gated ? m->min_quality : 0);
	change_end(s, &sp, by, how, &m->gate, 1, NULL);
	snprintf(val, sizeof val, "%u", v);
	snprintf(was, sizeof was, "%u", m->gated ? m->min_quality : 0);
	slog(s, s->now_ms, v < m->min_quality ? "warn" : "info", "models",
	     "evaluation gate changed", "model", m->id, "min_quality", val,
	     "previous", was, "by", by, "trace_id", sp.trace, NULL);
	m->gated = 1;
	m->min_quality = v;
	hist_push(&m->ghist, &m->nghist, s->now_ms, by, how, "%u", v);
}

static void threshold_set(struct sim *s, unsigned v, const char *by,
			  const char *how, const struct span *parent)
{
	struct span sp;
	char val[16], was[16];

	change_begin(s, &sp, "approvals.threshold", parent);
	attr_i(&sp, "approval.auto_approve_below", v);
	attr_i(&sp, "approval.previous_auto_approve_below", s->auto_below);
	change_end(s, &sp, by, how, &s->threshold, 1, NULL);
	snprintf(val, sizeof val, "%u", v);
	snprintf(was, sizeof was, "%u", s->auto_below);
	slog(s, s->now_ms, "info", "approvals", "auto-approval threshold changed",
	     "auto_approve_below", val, "previous", was, "by", by,
	     "trace_id", sp.trace, NULL);
	s->auto_below = v;
	hist_push(&s->thist, &s->nthist, s->now_ms, by, how, "%u", v);
}

/* Adapter a of tool t: in service (how "upgrade", "apply", "rollback")
 * or, with pct, as the canary taking pct percent of the calls. */
static void adapter_set(struct sim *s, struct tool *t, size_t a,
			unsigned pct, const char *by, const char *how,
			const struct span *parent)
{
	int canary = strcmp(how, "canary") == 0;
	struct span sp;

	change_begin(s, &sp, "tool.adapter", parent);
	attr_s(&sp, "tool.name", t->id);
	attr_s(&sp, "adapter.version", t->ad[a].version);
	attr_s(&sp, "adapter.previous_version", t->ad[t->adapter].version);
	if (canary)
		attr_i(&sp, "adapter.canary_percent", pct);
	change_end(s, &sp, by, how, !canary || pct ? &t->ad[a].put : NULL, 1, NULL);
	if (canary) {
		t->canary = pct ? a + 1 : 0;
		t->canary_pct = pct;
		if (pct)
			hist_push(&t->ahist, &t->nahist, s->now_ms, by, how,
				  "%s canary %u%%", t->ad[a].version, pct);
		else
			hist_push(&t->ahist, &t->nahist, s->now_ms, by, how,
				  "%s canary ended", t->ad[a].version);
	} else {
		if (a != t->adapter)
			t->adapter_before = t->adapter;
		t->adapter = a;
		t->canary = 0;
		t->canary_pct = 0;
		hist_push(&t->ahist, &t->nahist, s->now_ms, by, how, "%s", t->ad[a].version);
	}
	slog(s, s->now_ms, "info", "gateway", canary ? "adapter canary changed" : "tool adapter changed",
	     "tool", t->id, "adapter", t->ad[a].version, "how", how, "by", by,
	     "trace_id", sp.trace, NULL);
}

static void task_name_(unsigned id, char out[16])
{
	snprintf(out, 16, "task-%05u", id);
}

static void effect_name(unsigned id, char out[16])
{
	snprintf(out, 16, "eff-%04u", id);
}

/* A compensating action for a side effect: recorded, never erased. */
static void effect_revert(struct sim *s, struct effect *e, const char *by,
			  const struct span *parent)
{
	char id[16], tk[16], of[16];
	struct span sp;

	effect_name(e->id, id);
	task_name_(e->task, tk);
	change_begin(s, &sp, "effect.revert", parent);
	attr_s(&sp, "effect.id", id);
	attr_s(&sp, "tool.name", s->tools[e->tool].id);
	attr_s(&sp, "task.id", tk);
	if (e->dup_of) {
		effect_name(e->dup_of, of);
		attr_s(&sp, "effect.duplicate_of", of);
	}
	change_end(s, &sp, by, "revert", NULL, 1, NULL);
	e->reverted = 1;
	e->reverted_ms = s->now_ms;
	snprintf(e->by, sizeof e->by, "%s", by);
	slog(s, s->now_ms, "info", s->tools[e->tool].id, "side effect reverted (compensating action)",
	     "effect", id, "task", tk, "by", by, "trace_id", sp.trace, NULL);
	metricf(s, 1, "agentd_side_effects_reverted_total{tool=\"%s\"}", s->tools[e->tool].id);
}

/* The changeable parts of the model back to the configuration, with a
 * first history entry each ("config"): the start of begin(). */
static void reset_changes(struct sim *s)
{
	for (size_t i = 0; i < s->nmodels; i++) {
		struct model *m = &s->models[i];

		m->active = m->before = m->active_cfg;
		m->pinned = 0;
		free(m->hist);
		free(m->ghist);
		m->hist = m->ghist = NULL;
		m->nhist = m->nghist = 0;
		m->min_quality = m->min_quality_cfg;
		m->gated = m->gated_cfg;
		memset(&m->promoted, 0, sizeof m->promoted);
		memset(&m->gate, 0, sizeof m->gate);
		hist_push(&m->hist, &m->nhist, s->start_ms, "config", "config", "%s", m->v[m->active].id);
		if (m->gated)
			hist_push(&m->ghist, &m->nghist, s->start_ms, "config", "config", "%u", m->min_quality);
	}
	for (size_t i = 0; i < s->ntools; i++) {
		struct tool *t = &s->tools[i];

		free(t->ahist);
		t->ahist = NULL;
		t->nahist = 0;
		t->adapter = t->adapter_before = t->adapter_cfg;
		t->canary = 0;
		t->canary_pct = 0;
		memset(&t->keys_dropped, 0, sizeof t->keys_dropped);
		for (size_t k = 0; k < t->nad; k++) {
			t->ad[k].ok = t->ad[k].failed = 0;
			memset(&t->ad[k].put, 0, sizeof t->ad[k].put);
		}
		if (t->nad)
			hist_push(&t->ahist, &t->nahist, s->start_ms, "config", "config", "%s",
				  t->ad[t->adapter].version);
	}
	free(s->thist);
	s->thist = NULL;
	s->nthist = 0;
	s->auto_below = s->auto_below_cfg;
	memset(&s->threshold, 0, sizeof s->threshold);
	hist_push(&s->thist, &s->nthist, s->start_ms, "config", "config", "%u", s->auto_below);
}

/* --- faults taking effect --------------------------------------------- */

static void fault_on(struct sim *s, struct pfault *f)
{
	char when[32];

	f->fired = 1;
	f->fired_ms = s->now_ms;
	ts(s->now_ms, when);
	switch (f->kind) {
	case PF_POLICY_DEPLOY:
		policy_activate(s, f->version, "ci", "deploy", NULL);
		f->count++;
		break;
	case PF_TOOL_OUTAGE:
		s->tools[f->target].outage = 1;
		break;
	case PF_TOOL_SLOW:
		s->tools[f->target].slow_ms = f->ms;
		break;
	case PF_MODEL_DRIFT: {
		struct model *m = &s->models[f->target];

		if (!m->pinned && model_promote(s, m, f->mversion, "provider", "upgrade", NULL)) {
			m->before = m->active;
			m->active = f->mversion;
			slog(s, s->now_ms, "info", "models", "model version upgraded by the provider",
			     "model", m->id, "from", m->v[m->before].id, "to",
			     m->v[m->active].id, NULL);
			f->count++;
		}
		break;
	}
	case PF_DUPLICATE: {
		struct tool *t = &s->tools[f->target];
		struct span sp;

		t->ack_loss_pm = f->pm;
		t->idempotency = 0;
		change_begin(s, &sp, "tool.adapter", NULL);
		attr_s(&sp, "tool.name", t->id);
		attr_s(&sp, "adapter.version", "2.4.0");
		attr_s(&sp, "adapter.idempotency_keys", "not sent");
		change_end(s, &sp, "ci", "upgrade", &t->keys_dropped, 1, NULL);
		slog(s, s->now_ms, "info", "gateway", "tool adapter upgraded",
		     "tool", t->id, "adapter", "2.4.0", "trace_id", sp.trace, NULL);
		break;
	}
	case PF_SPAN_LOSS:
		s->drop_pm = f->pm;
		break;
	case PF_CLOCK_SKEW:
		s->tools[f->target].skew_ms = (int)f->ms;
		break;
	case PF_SECRET_LEAK:
		s->tools[s->secrets[f->target].tool].debug_headers = 1;
		slog(s, s->now_ms, "info", "gateway", "debug logging enabled",
		     "tool", s->tools[s->secrets[f->target].tool].id, NULL);
		break;
	case PF_APPROVAL_STUCK:
		s->reviewer_stuck = 1;
		slog(s, s->now_ms, "warn", "approvals", "reviewer worker lost its connection to the review desk; retrying",
		     NULL);
		break;
	case PF_AGENT_LOOP:
		s->agents[f->target].looping = 1;
		break;
	case PF_GATE_OPEN:
		gate_set(s, &s->models[f->target], f->value, "ci", "deploy", NULL);
		f->count++;
		break;
	case PF_THRESHOLD:
		threshold_set(s, f->value, "ci", "deploy", NULL);
		break;
	case PF_ADAPTER_UPGRADE:
		adapter_set(s, &s->tools[f->target], f->mversion, 0, "ci", "upgrade", NULL);
		break;
	}
}

static void fault_off(struct sim *s, struct pfault *f)
{
	switch (f->kind) {
	case PF_TOOL_OUTAGE:
		s->tools[f->target].outage = 0;
		break;
	case PF_TOOL_SLOW:
		s->tools[f->target].slow_ms = 0;
		break;
	case PF_SPAN_LOSS:
		s->drop_pm = 0;
		break;
	case PF_CLOCK_SKEW:
		s->tools[f->target].skew_ms = 0;
		break;
	case PF_AGENT_LOOP:
		s->agents[f->target].looping = 0;
		break;
	default:
		break;
	}
}

static void fault_count(struct sim *s, enum pf_kind kind, size_t target)
{
	for (size_t i = 0; i < s->nfaults; i++)
		if (s->faults[i].kind == kind && s->faults[i].fired &&
		    s->faults[i].target == target)
			s->faults[i].count++;
}

/* --- the workload ----------------------------------------------------- */

static struct task *task_by_id(struct sim *s, unsigned id)
{
	return id >= 1 && id <= s->ntasks ? &s->tasks[id - 1] : NULL;
}

static void task_name(unsigned id, char out[16])
{
	snprintf(out, 16, "task-%05u", id);
}

static void task_set(struct sim *s, struct task *t, enum task_state st,
		     const char *error)
{
	t->state = st;
	t->updated_ms = s->now_ms;
	if (error)
		snprintf(t->error, sizeof t->error, "%s", error);
	if (st == T_DONE || st == T_FAILED || st == T_CANCELLED)
		metricf(s, 1, "agentd_tasks_total{kind=\"%s\",state=\"%s\"}",
			s->kinds[t->kind].id, task_states[st]);
}

/* The agent for a task of kind k: active agents of its role, in turn. */
static size_t pick_agent(struct sim *s, size_t k)
{
	size_t cand[SIM_MAX_ENTITIES], n = 0;

	for (size_t i = 0; i < s->nagents; i++)
		if (!s->agents[i].quarantined &&
		    strcmp(s->agents[i].role, s->kinds[k].role) == 0)
			cand[n++] = i;
	return n ? cand[rnd_below(s, (unsigned)n)] : SIZE_MAX;
}

static void arrival(struct sim *s)
{
	unsigned total = 0, pick;
	size_t k = 0, a;
	struct task *t = NULL;
	char id[16];

	for (size_t i = 0; i < s->nkinds; i++)
		total += s->kinds[i].weight;
	pick = rnd_below(s, total);
	while (pick >= s->kinds[k].weight)
		pick -= s->kinds[k++].weight;
	/* the next one, with jitter of up to a fifth of the interval */
	schedule(s, s->now_ms + (int64_t)s->interval_s * 1000 +
			    rnd_below(s, s->interval_s * 200 + 1),
		 EV_ARRIVAL, 0);
	if (s->ntasks >= SIM_MAX_TASKS) {
		metric_add(s, "agentd_tasks_rejected_total", 1);
		return;
	}
	a = pick_agent(s, k);
	GROW(s->tasks, s->ntasks);
	t = &s->tasks[s->ntasks];
	memset(t, 0, sizeof *t);
	t->id = (unsigned)++s->ntasks;
	t->kind = k;
	t->created_ms = t->updated_ms = s->now_ms;
	new_id(s, t->trace, 16);
	task_name(t->id, id);
	if (a == SIZE_MAX) {
		t->agent = 0;
		task_set(s, t, T_FAILED, "no active agent has the role");
		slog(s, s->now_ms, "error", "scheduler", "no active agent for the task",
		     "task", id, "role", s->kinds[k].role, NULL);
		return;
	}
	t->agent = a;
	t->state = T_QUEUED;
	schedule(s, s->now_ms, EV_RUN, t->id);
}

/* One tool call of a task with its retries; 1 when the call succeeded.
 * c: the task's own clock, moved on by the call. */
static int tool_call(struct sim *s, struct task *t, size_t tix,
		     struct span *run, int64_t *c, char *err, size_t errlen)
{
	struct tool *tl = &s->tools[tix];
	struct agent *ag = &s->agents[t->agent];
	char key[40] = "", tname[16], lat[16];
	struct adapter *ad = NULL;
	int ok = 0, canary = 0, keyed;
	unsigned base_ms = tl->latency_ms, fail_pm = tl->failure_pm;

	task_name(t->id, tname);
	if (tl->side_effect)
		snprintf(key, sizeof key, "%s-s%zu", tname, t->step + 1);
	/* the adapter serving this call: the canary takes its share */
	if (tl->nad) {
		size_t a = tl->adapter;

		if (tl->canary && rnd_below(s, 100) < tl->canary_pct) {
			a = tl->canary - 1;
			canary = 1;
		}
		ad = &tl->ad[a];
		base_ms = ad->latency_ms;
		fail_pm = ad->failure_pm;
	}
	keyed = tl->idempotency && !(ad && ad->drops_keys);
	for (unsigned attempt = 1; attempt <= tl->retries + 1 && !ok; attempt++) {
		unsigned latency = base_ms / 2 + rnd_below(s, base_ms + 1) +
				   tl->slow_ms;
		int applied = 0, lost = 0, dup = 0;
		struct bh_call hook = {0};
		struct span sp;

		err[0] = '\0';
		span_begin(s, &sp, run->trace, run->id, "tool.call", *c);
		attr_s(&sp, "agent.id", ag->id);
		attr_s(&sp, "tool.name", tl->id);
		attr_i(&sp, "tool.attempt", attempt);
		if (key[0] && keyed)
			attr_s(&sp, "idempotency_key", key);
		if (ad) {
			attr_s(&sp, "adapter.version", ad->version);
			if (canary)
				attr_s(&sp, "adapter.canary", "true");
			span_link(&sp, ad->put.trace, ad->put.span);
		} else if (!keyed && key[0]) {
			span_link(&sp, tl->keys_dropped.trace, tl->keys_dropped.span);
		}
		if (s->lua) {
			hook.tool = tl->id;
			hook.agent = ag->id;
			hook.role = ag->role;
			hook.task = tname;
			hook.attempt = attempt;
			hook.now_ms = *c;
			hook.latency_ms = latency;
			if (behaviour_tool_call(s->lua, &hook, rnd(s)) == 0) {
				latency = hook.latency_ms;
				if (hook.error[0])
					snprintf(err, errlen, "%s", hook.error);
			}
		}
		if (err[0])
			;
		else if (tl->outage)
			snprintf(err, errlen, "503 service unavailable");
		else if (latency > tl->timeout_ms)
			snprintf(err, errlen, "timeout after %u ms", tl->timeout_ms),
				latency = tl->timeout_ms;
		else if (rnd_below(s, 1000) < fail_pm)
			snprintf(err, errlen, "500 internal error");
		else if (ad && ad->bad_args_pm && rnd_below(s, 1000) < ad->bad_args_pm)
			snprintf(err, errlen, "400 bad request: the tool refused the call's arguments");
		else if (tl->side_effect) {
			applied = 1;
			/* the tool did it; its acknowledgement may still be lost */
			lost = tl->ack_loss_pm && rnd_below(s, 1000) < tl->ack_loss_pm;
		}
		if (tl->outage)
			fault_count(s, PF_TOOL_OUTAGE, tix);
		if (tl->slow_ms)
			fault_count(s, PF_TOOL_SLOW, tix);
		if (applied) {
			unsigned seen = 0;

			for (size_t i = 0; i < s->neffects && !seen; i++)
				if (s->effects[i].task == t->id &&
				    s->effects[i].tool == tix &&
				    strcmp(s->effects[i].key, key) == 0)
					seen = s->effects[i].id;
			if (seen && keyed) {
				attr_s(&sp, "tool.deduplicated", "true");
			} else {
				struct effect *e;
				char eid[16];

				GROW(s->effects, s->neffects);
				e = &s->effects[s->neffects];
				*e = (struct effect){
					.id = (unsigned)s->neffects + 1, .task = t->id,
					.attempt = attempt, .dup_of = seen, .tool = tix,
					.step = t->step, .keyed = keyed,
					.t_ms = *c + latency, .duplicate = seen != 0};
				snprintf(e->key, sizeof e->key, "%s", key);
				s->neffects++;
				effect_name(e->id, eid);
				attr_s(&sp, "effect.id", eid);
				if (seen) {
					effect_name(seen, eid);
					attr_s(&sp, "effect.duplicate_of", eid);
				}
				dup = seen != 0;
				metricf(s, 1, "agentd_side_effects_total{tool=\"%s\"}", tl->id);
				if (dup) {
					metricf(s, 1, "agentd_duplicate_side_effects_total{tool=\"%s\"}", tl->id);
					fault_count(s, PF_DUPLICATE, tix);
				}
			}
			if (lost) {
				snprintf(err, errlen, "timeout after %u ms (no acknowledgement)",
					 tl->timeout_ms);
				latency = tl->timeout_ms;
			}
		}
		if (tl->debug_headers) {
			for (size_t i = 0; i < s->nsecrets; i++)
				if (s->secrets[i].tool == tix) {
					char hdr[64];

					snprintf(hdr, sizeof hdr, "Bearer %s", s->secrets[i].value);
					slog(s, *c + tl->skew_ms, "debug", tl->id,
					     "outgoing request", "task", tname,
					     "authorization", hdr, "trace_id", t->trace, NULL);
					fault_count(s, PF_SECRET_LEAK, i);
				}
		}
		if (tl->skew_ms)
			fault_count(s, PF_CLOCK_SKEW, tix);
		snprintf(lat, sizeof lat, "%u", latency);
		attr_i(&sp, "tool.latency_ms", latency);
		ok = err[0] == '\0';
		if (ad) {
			if (ok)
				ad->ok++;
			else
				ad->failed++;
			metricf(s, 1, "agentd_adapter_calls_total{tool=\"%s\",version=\"%s\",outcome=\"%s\"}",
				tl->id, ad->version, ok ? "ok" : "error");
			for (size_t i = 0; !ok && i < s->nfaults; i++)
				if (s->faults[i].kind == PF_ADAPTER_UPGRADE && s->faults[i].fired &&
				    s->faults[i].target == tix && &tl->ad[s->faults[i].mversion] == ad)
					s->faults[i].count++;
		}
		span_end(s, &sp, *c + latency, ok, err, tl->skew_ms);
		metricf(s, 1, "agentd_tool_calls_total{tool=\"%s\",outcome=\"%s\"}",
			tl->id, ok ? "ok" : "error");
		if (!ok)
			slog(s, *c + latency + tl->skew_ms, "warn", tl->id, "tool call failed",
			     "task", tname, "agent", ag->id, "error", err,
			     "latency_ms", lat, "trace_id", t->trace, NULL);
		*c += latency + 5;
		t->calls++;
	}
	return ok;
}

/* Run a task from its current step until it ends, waits or fails. */
static void run_task(struct sim *s, struct task *t)
{
	struct agent *ag;
	struct model *m;
	struct span run;
	int64_t c = s->now_ms;
	char tname[16], err[160] = "", ver[16];
	int ok = 1, loops = 0;

	if (t->state == T_DONE || t->state == T_FAILED || t->state == T_CANCELLED)
		return;
	ag = &s->agents[t->agent];
	if (ag->quarantined) {
		size_t a = pick_agent(s, t->kind);

		if (a == SIZE_MAX) {
			task_set(s, t, T_FAILED, "its agent is quarantined and no other agent has the role");
			return;
		}
		t->agent = a;
		ag = &s->agents[a];
	}
	m = &s->models[ag->model];
	task_name(t->id, tname);
	t->state = T_RUNNING;
	t->runs++;
	span_begin(s, &run, t->trace, t->root[0] ? t->root : NULL, "task.run", c);
	if (!t->root[0])
		snprintf(t->root, sizeof t->root, "%s", run.id);
	attr_s(&run, "task.id", tname);
	attr_s(&run, "task.kind", s->kinds[t->kind].id);
	attr_s(&run, "agent.id", ag->id);
	attr_s(&run, "agent.role", ag->role);
	attr_i(&run, "task.attempt", t->attempts + 1);
	c += 3;
	while (t->step < s->kinds[t->kind].nsteps) {
		size_t tix = s->kinds[t->kind].steps[t->step];
		struct mversion *mv = &m->v[m->active];
		const struct pol_policy *pol = &s->pv[s->active].pol;
		const struct pol_rule *rule;
		enum pol_effect eff;
		struct span sp;
		int valid;

		/* the model plans the call */
		span_begin(s, &sp, run.trace, run.id, "agent.plan", c);
		attr_s(&sp, "agent.id", ag->id);
		attr_s(&sp, "model.name", m->id);
		attr_s(&sp, "model.version", mv->id);
		attr_s(&sp, "tool.name", s->tools[tix].id);
		span_link(&sp, m->promoted.trace, m->promoted.span);
		valid = rnd_below(s, 1000) < mv->quality;
		c += 150 + rnd_below(s, 250);
		span_end(s, &sp, c, valid, "model output failed the tool's argument schema", 0);
		metricf(s, 1, "agentd_model_calls_total{model=\"%s\",version=\"%s\",outcome=\"%s\"}",
			m->id, mv->id, valid ? "ok" : "invalid");
		if (!valid) {
			for (size_t i = 0; i < s->nfaults; i++)
				if (s->faults[i].kind == PF_MODEL_DRIFT && s->faults[i].fired &&
				    s->faults[i].target == ag->model && m->active == s->faults[i].mversion)
					s->faults[i].count++;
			snprintf(err, sizeof err, "model %s@%s produced an invalid call to %s",
				 m->id, mv->id, s->tools[tix].id);
			slog(s, c, "warn", "agent", "invalid tool call from the model",
			     "task", tname, "agent", ag->id, "model", m->id,
			     "model_version", mv->id, "trace_id", t->trace, NULL);
			ok = 0;
			break;
		}
		/* the policy engine decides */
		eff = pol_decide(pol, ag->role, s->tools[tix].id, &rule);
		if (s->lua) {
			struct bh_decision d = {.agent = ag->id, .role = ag->role,
						.tool = s->tools[tix].id, .task = tname,
						.now_ms = c, .decision = pol_effect_name(eff),
						.rule = rule ? rule->id : "default"};

			if (behaviour_decision(s->lua, &d, rnd(s)) == 0 && d.changed)
				eff = d.effect;
		}
		if (t->approved_step == t->step + 1 && eff == POL_ESCALATE)
			eff = POL_ALLOW;
		span_begin(s, &sp, run.trace, run.id, "policy.evaluate", c);
		attr_s(&sp, "agent.id", ag->id);
		attr_s(&sp, "agent.role", ag->role);
		attr_s(&sp, "tool.name", s->tools[tix].id);
		attr_i(&sp, "policy.version", s->active);
		attr_s(&sp, "policy.rule", rule ? rule->id : "default");
		attr_s(&sp, "decision", t->approved_step == t->step + 1 ? "approved" : pol_effect_name(eff));
		span_link(&sp, s->pv[s->active].trace, s->pv[s->active].span);
		c += 2;
		span_end(s, &sp, c, eff != POL_DENY, "denied by policy", 0);
		metricf(s, 1, "agentd_policy_decisions_total{decision=\"%s\",rule=\"%s\"}",
			t->approved_step == t->step + 1 ? "approved" : pol_effect_name(eff),
			rule ? rule->id : "default");
		snprintf(ver, sizeof ver, "%u", s->active);
		if (eff == POL_DENY) {
			snprintf(err, sizeof err, "%s denied by policy v%u rule %s",
				 s->tools[tix].id, s->active, rule ? rule->id : "default");
			slog(s, c, "warn", "policy", "tool call denied", "task", tname,
			     "agent", ag->id, "role", ag->role, "tool", s->tools[tix].id,
			     "rule", rule ? rule->id : "default", "policy_version", ver,
			     "trace_id", t->trace, NULL);
			ok = 0;
			break;
		}
		if (eff == POL_ESCALATE) {
			struct approval *ap;
			char aid[16];
			int auto_ = s->tools[tix].risk < s->auto_below;

			GROW(s->appr, s->nappr);
			ap = &s->appr[s->nappr];
			memset(ap, 0, sizeof *ap);
			ap->id = (unsigned)++s->nappr;
			ap->task = t->id;
			ap->tool = tix;
			ap->step = t->step;
			ap->requested_ms = c;
			snprintf(ap->rule, sizeof ap->rule, "%s", rule ? rule->id : "default");
			ap->risk = s->tools[tix].risk;
			snprintf(aid, sizeof aid, "apr-%04u", ap->id);
			span_begin(s, &sp, run.trace, run.id, "approval.request", c);
			attr_s(&sp, "approval.id", aid);
			attr_s(&sp, "tool.name", s->tools[tix].id);
			attr_s(&sp, "policy.rule", ap->rule);
			attr_i(&sp, "tool.risk", ap->risk);
			if (auto_) {
				/* below the threshold: approved without a person */
				attr_s(&sp, "approval.auto", "true");
				attr_i(&sp, "approval.auto_approve_below", s->auto_below);
				span_link(&sp, s->threshold.trace, s->threshold.span);
			}
			span_end(s, &sp, c + 1, 1, NULL, 0);
			slog(s, c, "info", "approvals", auto_ ? "approval granted automatically (below the risk threshold)" :
			     "approval requested", "approval", aid,
			     "task", tname, "tool", s->tools[tix].id, "trace_id", t->trace, NULL);
			if (auto_) {
				ap->auto_ = 1;
				ap->state = A_APPROVED;
				ap->decided_ms = c;
				snprintf(ap->by, sizeof ap->by, "auto");
				metricf(s, 1, "agentd_approvals_total{decision=\"auto\"}");
				fault_count(s, PF_THRESHOLD, 0);
				c += 2;
			} else {
				if (!s->reviewer_stuck)
					schedule(s, c + (int64_t)s->review_s * 1000, EV_REVIEW, ap->id);
				else
					for (size_t i = 0; i < s->nfaults; i++)
						if (s->faults[i].kind == PF_APPROVAL_STUCK && s->faults[i].fired)
							s->faults[i].count++;
				span_end(s, &run, c + 2, 1, NULL, 0);
				task_set(s, t, T_WAITING, NULL);
				return;
			}
		}
		/* the tool, or its fallback when it is disabled */
		if (!s->tools[tix].enabled && s->tools[tix].fallback)
			tix = s->tools[tix].fallback - 1;
		if (!s->tools[tix].enabled) {
			snprintf(err, sizeof err, "%s is disabled and has no fallback", s->tools[tix].id);
			ok = 0;
			break;
		}
		if (!tool_call(s, t, tix, &run, &c, err, sizeof err)) {
			ok = 0;
			break;
		}
		if (ag->looping && loops < SIM_LOOP_BUDGET) {
			/* a runaway agent re-plans the step it has just done */
			loops++;
			fault_count(s, PF_AGENT_LOOP, t->agent);
			continue;
		}
		if (ag->looping) {
			snprintf(err, sizeof err, "loop budget of %d tool calls exhausted", SIM_LOOP_BUDGET);
			slog(s, c, "warn", "agent", "agent exceeded its loop budget; rescheduled",
			     "task", tname, "agent", ag->id, "trace_id", t->trace, NULL);
			ok = 0;
			break;
		}
		t->step++;
		t->approved_step = 0;
	}
	span_end(s, &run, c + 2, ok, err, 0);
	if (ok) {
		task_set(s, t, T_DONE, NULL);
		t->error[0] = '\0';
		return;
	}
	t->attempts++;
	if (ag->looping || (t->attempts < s->max_attempts && !strstr(err, "denied"))) {
		task_set(s, t, T_RETRY, err);
		schedule(s, c + (int64_t)s->retry_s * 1000 * t->attempts, EV_RUN, t->id);
		metric_add(s, "agentd_task_retries_total", 1);
	} else {
		task_set(s, t, T_FAILED, err);
		slog(s, c, "error", "scheduler", "task failed", "task", tname,
		     "agent", ag->id, "error", err, "trace_id", t->trace, NULL);
	}
}

static void review(struct sim *s, struct approval *ap, const char *by)
{
	struct task *t = task_by_id(s, ap->task);
	char aid[16];

	if (ap->state != A_PENDING)
		return;
	if (s->reviewer_stuck && strcmp(by, "reviewer") == 0)
		return;
	/* the simulated reviewer approves nine in ten */
	ap->state = strcmp(by, "reviewer") != 0 ? ap->state :
		    rnd_below(s, 10) ? A_APPROVED : A_REJECTED;
	ap->decided_ms = s->now_ms;
	snprintf(ap->by, sizeof ap->by, "%s", by);
	snprintf(aid, sizeof aid, "apr-%04u", ap->id);
	slog(s, s->now_ms, "info", "approvals", "approval decided", "approval", aid,
	     "decision", appr_states[ap->state], "by", by, NULL);
	metricf(s, 1, "agentd_approvals_total{decision=\"%s\"}", appr_states[ap->state]);
	if (!t || t->state != T_WAITING)
		return;
	if (ap->state == A_APPROVED) {
		t->approved_step = (unsigned)ap->step + 1;
		schedule(s, s->now_ms, EV_RUN, t->id);
	} else {
		task_set(s, t, T_FAILED, "the approval was rejected");
	}
}

/* Process every event due by t_ms; the clock ends at t_ms. */
static int append(const char *dir, const char *name, struct buf *b,
		  struct buf *err);

/* The exporter sends its batch of spans once a minute of the platform's
 * time, as a batching span processor does: one open and append of
 * spans.jsonl per batch, empty or not (so that the Nth open is the Nth
 * minute, which a fault plan can count on).  A batch that cannot be
 * written stays queued for the next. */
static void export_batches(struct sim *s, int64_t until_ms)
{
	char path[PATH_MAX];
	int fd;

	while (s->batch_ms + SIM_BATCH_MS <= until_ms) {
		s->batch_ms += SIM_BATCH_MS;
		if (s->replaying)
			continue;
		if (s->spans.len) {
			struct buf why = BUF_INIT; /* reported by the next flush */

			(void)append(s->logs, "spans.jsonl", &s->spans, &why);
			buf_release(&why);
			continue;
		}
		snprintf(path, sizeof path, "%s/spans.jsonl", s->logs);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
}

static void advance(struct sim *s, int64_t t_ms)
{
	while (s->nev && s->ev[0].t_ms <= t_ms) {
		struct event e = unschedule(s);
		struct task *t;

		export_batches(s, e.t_ms);
		if (e.t_ms > s->now_ms)
			s->now_ms = e.t_ms;
		switch (e.type) {
		case EV_ARRIVAL:
			arrival(s);
			break;
		case EV_RUN:
			if ((t = task_by_id(s, e.arg)) != NULL)
				run_task(s, t);
			break;
		case EV_REVIEW:
			if (e.arg >= 1 && e.arg <= s->nappr)
				review(s, &s->appr[e.arg - 1], "reviewer");
			break;
		case EV_FAULT_ON:
			fault_on(s, &s->faults[e.arg]);
			break;
		case EV_FAULT_OFF:
			fault_off(s, &s->faults[e.arg]);
			break;
		}
	}
	export_batches(s, t_ms);
	if (t_ms > s->now_ms)
		s->now_ms = t_ms;
}

/* --- operator commands ------------------------------------------------ */

struct ctx {
	struct sim *s;
	struct sim_reply *r;
	char *const *argv;
	size_t argc;
	const struct sim_file *file;
	const char *actor;
	struct span op; /* the command's own span: what it changes hangs off it */
};

static int fail(struct ctx *x, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ctx *x, int status, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_printf(&x->r->err, NULL, "agentctl: %s\n", msg);
	return status;
}

#define OUT(x, ...) buf_printf(&(x)->r->out, NULL, __VA_ARGS__)

static int find_tool(struct ctx *x, const char *id, size_t *out)
{
	size_t i = FIND(x->s->tools, x->s->ntools, id);

	if (i == x->s->ntools)
		return fail(x, 1, "no tool \"%s\"; `agentctl tools` lists them", id);
	*out = i;
	return 0;
}

static int find_agent(struct ctx *x, const char *id, size_t *out)
{
	size_t i = FIND(x->s->agents, x->s->nagents, id);

	if (i == x->s->nagents)
		return fail(x, 1, "no agent \"%s\"; `agentctl agents` lists them", id);
	*out = i;
	return 0;
}

static int find_model(struct ctx *x, const char *id, size_t *out)
{
	size_t i = FIND(x->s->models, x->s->nmodels, id);

	if (i == x->s->nmodels)
		return fail(x, 1, "no model \"%s\"; `agentctl models` lists them", id);
	*out = i;
	return 0;
}

static unsigned count_tasks(struct sim *s, enum task_state st)
{
	unsigned n = 0;

	for (size_t i = 0; i < s->ntasks; i++)
		n += s->tasks[i].state == st;
	return n;
}

static unsigned pending_approvals(struct sim *s)
{
	unsigned n = 0;

	for (size_t i = 0; i < s->nappr; i++)
		n += s->appr[i].state == A_PENDING;
	return n;
}

static int c_status(struct ctx *x)
{
	struct sim *s = x->s;
	char when[32];
	unsigned q = 0;

	ts(s->now_ms, when);
	for (size_t i = 0; i < s->nagents; i++)
		q += s->agents[i].quarantined;
	OUT(x, "platform    %s\n", SIM_PLATFORM);
	OUT(x, "clock       %s\n", when);
	OUT(x, "policy      v%u active (%u versions)\n", s->active, s->maxver);
	OUT(x, "agents      %zu (%u quarantined)\n", s->nagents, q);
	OUT(x, "tasks       %zu: %u done, %u failed, %u running or queued, %u waiting for retry, %u awaiting approval, %u cancelled\n",
	    s->ntasks, count_tasks(s, T_DONE), count_tasks(s, T_FAILED),
	    count_tasks(s, T_RUNNING) + count_tasks(s, T_QUEUED),
	    count_tasks(s, T_RETRY), count_tasks(s, T_WAITING),
	    count_tasks(s, T_CANCELLED));
	OUT(x, "approvals   %u pending; reviewer %s\n", pending_approvals(s),
	    s->reviewer_stuck ? "stuck" : "running");
	OUT(x, "exporter    %llu spans exported, %llu dropped\n",
	    (unsigned long long)s->exported, (unsigned long long)s->dropped);
	return 0;
}

static int c_agents(struct ctx *x)
{
	struct sim *s = x->s;

	OUT(x, "%-20s %-14s %-24s %-12s %s\n", "AGENT", "ROLE", "MODEL", "STATUS", "TOOLS");
	for (size_t i = 0; i < s->nagents; i++) {
		struct agent *a = &s->agents[i];
		struct model *m = &s->models[a->model];
		char mv[80];

		snprintf(mv, sizeof mv, "%s@%s", m->id, m->v[m->active].id);
		OUT(x, "%-20s %-14s %-24s %-12s ", a->id, a->role, mv,
		    a->quarantined ? "quarantined" : "active");
		for (size_t k = 0; k < a->ntools; k++)
			OUT(x, "%s%s", k ? "," : "", s->tools[a->tools[k]].id);
		OUT(x, "\n");
	}
	return 0;
}

static int c_agent(struct ctx *x)
{
	struct sim *s = x->s;
	const char *sub = x->argc > 1 ? x->argv[1] : "";
	struct agent *a;
	size_t i = 0;

	if (x->argc < 3)
		return fail(x, 2, "usage: agentctl agent show|quarantine|release AGENT [REASON]");
	if (find_agent(x, x->argv[2], &i))
		return 1;
	a = &s->agents[i];
	if (strcmp(sub, "show") == 0) {
		unsigned calls = 0, failed = 0, total = 0;

		for (size_t k = 0; k < s->ntasks; k++)
			if (s->tasks[k].agent == i) {
				total++;
				calls += s->tasks[k].calls;
				failed += s->tasks[k].state == T_FAILED;
			}
		OUT(x, "agent       %s\nrole        %s\nmodel       %s@%s\nstatus      %s%s%s\n",
		    a->id, a->role, s->models[a->model].id,
		    s->models[a->model].v[s->models[a->model].active].id,
		    a->quarantined ? "quarantined" : "active",
		    a->quarantined && a->reason[0] ? ": " : "", a->reason);
		OUT(x, "tasks       %u (%u failed), %u tool calls\n", total, failed, calls);
		return 0;
	}
	if (strcmp(sub, "quarantine") == 0) {
		size_t cancelled = 0;

		if (a->quarantined)
			return fail(x, 1, "%s is already quarantined", a->id);
		a->quarantined = 1;
		a->quarantined_ms = s->now_ms;
		snprintf(a->reason, sizeof a->reason, "%s",
			 x->argc > 3 ? x->argv[3] : "by the operator");
		for (size_t k = 0; k < s->ntasks; k++) {
			struct task *t = &s->tasks[k];

			if (t->agent == i && (t->state == T_RETRY || t->state == T_QUEUED ||
					      t->state == T_RUNNING)) {
				task_set(s, t, T_CANCELLED, "its agent was quarantined");
				cancelled++;
			}
		}
		slog(s, s->now_ms, "warn", "agents", "agent quarantined", "agent", a->id,
		     "by", x->actor, "reason", a->reason, NULL);
		OUT(x, "%s quarantined; %zu of its tasks cancelled; new tasks go to other %s agents\n",
		    a->id, cancelled, a->role);
		return 0;
	}
	if (strcmp(sub, "release") == 0) {
		if (!a->quarantined)
			return fail(x, 1, "%s is not quarantined", a->id);
		a->quarantined = 0;
		a->reason[0] = '\0';
		slog(s, s->now_ms, "info", "agents", "agent released", "agent", a->id,
		     "by", x->actor, NULL);
		OUT(x, "%s released\n", a->id);
		return 0;
	}
	return fail(x, 2, "usage: agentctl agent show|quarantine|release AGENT [REASON]");
}

static int c_tools(struct ctx *x)
{
	struct sim *s = x->s;

	OUT(x, "%-20s %-9s %-11s %-12s %-8s %s\n", "TOOL", "STATE", "LATENCY_MS",
	    "SIDE_EFFECT", "RETRIES", "FALLBACK");
	for (size_t i = 0; i < s->ntools; i++) {
		struct tool *t = &s->tools[i];

		OUT(x, "%-20s %-9s %-11u %-12s %-8u %s\n", t->id,
		    t->enabled ? "enabled" : "disabled",
		    t->nad ? t->ad[t->adapter].latency_ms : t->latency_ms,
		    t->side_effect ? "yes" : "no", t->retries,
		    t->fallback ? s->tools[t->fallback - 1].id : "-");
	}
	return 0;
}

/* tool adapter TOOL VERSION, tool canary TOOL VERSION PERCENT, tool
 * rollback TOOL: the tool's adapter versions, the change-management way. */
static int tool_adapter_cmd(struct ctx *x, struct tool *t, const char *sub)
{
	struct sim *s = x->s;
	uint64_t pct = 0;
	size_t a;

	if (!t->nad)
		return fail(x, 1, "%s has a single adapter: no versions to choose from", t->id);
	if (strcmp(sub, "rollback") == 0) {
		if (x->argc != 3)
			return fail(x, 2, "usage: agentctl tool rollback TOOL");
		if (t->adapter_before == t->adapter)
			return fail(x, 1, "%s has no earlier adapter to roll back to", t->id);
		a = t->adapter_before;
		adapter_set(s, t, a, 0, x->actor, "rollback", &x->op);
		OUT(x, "%s rolled back to adapter %s\n", t->id, t->ad[a].version);
		return 0;
	}
	if ((strcmp(sub, "adapter") == 0 && x->argc != 4) ||
	    (strcmp(sub, "canary") == 0 && x->argc != 5))
		return fail(x, 2, "usage: agentctl tool adapter TOOL VERSION, or tool canary TOOL VERSION PERCENT (0 ends the canary)");
	if ((a = FIND_V(t->ad, t->nad, x->argv[3])) == t->nad)
		return fail(x, 1, "%s has no adapter \"%s\"; `agentctl tool show %s` lists them",
			    t->id, x->argv[3], t->id);
	if (strcmp(sub, "adapter") == 0) {
		if (a == t->adapter && !t->canary)
			return fail(x, 1, "%s already runs adapter %s", t->id, t->ad[a].version);
		adapter_set(s, t, a, 0, x->actor, "apply", &x->op);
		OUT(x, "%s: adapter %s takes every call\n", t->id, t->ad[a].version);
		return 0;
	}
	if (parse_u64(x->argv[4], 0, 100, &pct) < 0)
		return fail(x, 2, "usage: agentctl tool canary TOOL VERSION PERCENT   (PERCENT: 0 to 100; 0 ends the canary)");
	if (a == t->adapter && pct)
		return fail(x, 1, "adapter %s already takes every call of %s; a canary tries another version",
			    t->ad[a].version, t->id);
	if (!pct && !t->canary)
		return fail(x, 1, "%s has no canary to end", t->id);
	adapter_set(s, t, a, (unsigned)pct, x->actor, "canary", &x->op);
	if (pct)
		OUT(x, "%s: adapter %s takes %u%% of the calls as a canary; `agentctl tool show %s` compares them\n",
		    t->id, t->ad[a].version, (unsigned)pct, t->id);
	else
		OUT(x, "%s: canary ended; adapter %s takes every call\n", t->id,
		    t->ad[t->adapter].version);
	return 0;
}

static int c_tool(struct ctx *x)
{
	struct sim *s = x->s;
	const char *sub = x->argc > 1 ? x->argv[1] : "";
	const char *use = "usage: agentctl tool show|enable|disable|rollback TOOL, tool set TOOL idempotency|debug on|off, "
			  "tool adapter TOOL VERSION, tool canary TOOL VERSION PERCENT";
	struct tool *t;
	size_t i = 0;

	if (x->argc < 3)
		return fail(x, 2, "%s", use);
	if (find_tool(x, x->argv[2], &i))
		return 1;
	t = &s->tools[i];
	if (strcmp(sub, "show") == 0 && x->argc == 3) {
		unsigned ok = 0, bad_ = 0;
		char key[128];

		snprintf(key, sizeof key, "agentd_tool_calls_total{tool=\"%s\",outcome=\"ok\"}", t->id);
		for (size_t k = 0; k < s->nmetrics; k++)
			if (strcmp(s->metrics[k].key, key) == 0)
				ok = (unsigned)s->metrics[k].v;
		snprintf(key, sizeof key, "agentd_tool_calls_total{tool=\"%s\",outcome=\"error\"}", t->id);
		for (size_t k = 0; k < s->nmetrics; k++)
			if (strcmp(s->metrics[k].key, key) == 0)
				bad_ = (unsigned)s->metrics[k].v;
		OUT(x, "tool         %s\nstate        %s\nlatency      %u ms typical, timeout %u ms\n"
		       "retries      %u\nside effect  %s\nidempotency  %s\ndebug log    %s\nfallback     %s\n"
		       "calls        %u ok, %u failed\n",
		    t->id, t->enabled ? "enabled" : "disabled",
		    t->nad ? t->ad[t->adapter].latency_ms : t->latency_ms,
		    t->timeout_ms, t->retries, t->side_effect ? "yes" : "no",
		    t->side_effect ? (t->idempotency ? "keys sent" : "off (no keys sent)") : "-",
		    t->debug_headers ? "on (request headers)" : "off",
		    t->fallback ? s->tools[t->fallback - 1].id : "-", ok, bad_);
		if (t->side_effect || t->risk)
			OUT(x, "risk         %u (escalations below %u are approved automatically)\n",
			    t->risk, s->auto_below);
		if (t->nad) {
			OUT(x, "adapter      %s%s", t->ad[t->adapter].version,
			    t->adapter_before != t->adapter ? " (before it: " : "");
			if (t->adapter_before != t->adapter)
				OUT(x, "%s)", t->ad[t->adapter_before].version);
			OUT(x, "\n");
			if (t->canary)
				OUT(x, "canary       %s takes %u%% of the calls\n",
				    t->ad[t->canary - 1].version, t->canary_pct);
			OUT(x, "%-12s %-16s %-8s %s\n", "", "ADAPTER", "CALLS_OK", "CALLS_FAILED");
			for (size_t k = 0; k < t->nad; k++)
				OUT(x, "%-12s %-16s %-8u %u\n", "", t->ad[k].version, t->ad[k].ok,
				    t->ad[k].failed);
		}
		return 0;
	}
	if (strcmp(sub, "adapter") == 0 || strcmp(sub, "canary") == 0 ||
	    strcmp(sub, "rollback") == 0)
		return tool_adapter_cmd(x, t, sub);
	if ((strcmp(sub, "enable") == 0 || strcmp(sub, "disable") == 0) && x->argc == 3) {
		int on = sub[0] == 'e';

		if (t->enabled == on)
			return fail(x, 1, "%s is already %sd", t->id, sub);
		t->enabled = on;
		slog(s, s->now_ms, "info", "gateway", on ? "tool enabled" : "tool disabled",
		     "tool", t->id, "by", x->actor, NULL);
		OUT(x, "%s %sd%s%s\n", t->id, sub, !on && t->fallback ? "; calls go to " : "",
		    !on && t->fallback ? s->tools[t->fallback - 1].id : "");
		return 0;
	}
	if (strcmp(sub, "set") == 0 && x->argc == 5) {
		int on = strcmp(x->argv[4], "on") == 0;

		if (!on && strcmp(x->argv[4], "off") != 0)
			return fail(x, 2, "%s", use);
		if (strcmp(x->argv[3], "idempotency") == 0) {
			if (!t->side_effect)
				return fail(x, 1, "%s has no side effects: idempotency keys do not apply", t->id);
			t->idempotency = on;
		} else if (strcmp(x->argv[3], "debug") == 0) {
			t->debug_headers = on;
		} else {
			return fail(x, 2, "%s", use);
		}
		slog(s, s->now_ms, "info", "gateway", "tool setting changed", "tool", t->id,
		     "setting", x->argv[3], "value", x->argv[4], "by", x->actor, NULL);
		OUT(x, "%s: %s %s\n", t->id, x->argv[3], x->argv[4]);
		return 0;
	}
	return fail(x, 2, "%s", use);
}

static int c_models(struct ctx *x)
{
	struct sim *s = x->s;

	OUT(x, "%-16s %-14s %-8s %-6s %s\n", "MODEL", "ACTIVE", "PINNED", "GATE", "VERSIONS");
	for (size_t i = 0; i < s->nmodels; i++) {
		struct model *m = &s->models[i];
		char gate[16] = "-";

		if (m->gated)
			snprintf(gate, sizeof gate, "%u", m->min_quality);
		OUT(x, "%-16s %-14s %-8s %-6s ", m->id, m->v[m->active].id, m->pinned ? "yes" : "no", gate);
		for (size_t k = 0; k < m->nv; k++)
			OUT(x, "%s%s", k ? "," : "", m->v[k].id);
		OUT(x, "\n");
	}
	return 0;
}

static int c_model(struct ctx *x)
{
	struct sim *s = x->s;
	const char *sub = x->argc > 1 ? x->argv[1] : "";
	struct model *m;
	size_t i = 0, v;

	if (x->argc < 3)
		return fail(x, 2, "usage: agentctl model pin MODEL VERSION | unpin MODEL | rollback MODEL | gate MODEL [MIN] | eval MODEL VERSION");
	if (find_model(x, x->argv[2], &i))
		return 1;
	m = &s->models[i];
	if (strcmp(sub, "pin") == 0 && x->argc == 4) {
		if ((v = FIND(m->v, m->nv, x->argv[3])) == m->nv)
			return fail(x, 1, "%s has no version \"%s\"; `agentctl models` lists them", m->id, x->argv[3]);
		model_promote(s, m, v, x->actor, "pin", &x->op);
		if (v != m->active)
			m->before = m->active;
		m->active = v;
		m->pinned = 1;
		slog(s, s->now_ms, "info", "models", "model pinned", "model", m->id,
		     "version", m->v[v].id, "by", x->actor, NULL);
		OUT(x, "%s pinned to %s\n", m->id, m->v[v].id);
		return 0;
	}
	if (strcmp(sub, "unpin") == 0 && x->argc == 3) {
		if (!m->pinned)
			return fail(x, 1, "%s is not pinned", m->id);
		m->pinned = 0;
		slog(s, s->now_ms, "info", "models", "model unpinned", "model", m->id,
		     "by", x->actor, NULL);
		OUT(x, "%s unpinned (stays on %s until the provider changes it)\n", m->id, m->v[m->active].id);
		return 0;
	}
	if (strcmp(sub, "rollback") == 0 && x->argc == 3) {
		if (m->before == m->active)
			return fail(x, 1, "%s has no earlier version to roll back to", m->id);
		v = m->before;
		model_promote(s, m, v, x->actor, "rollback", &x->op);
		m->before = m->active;
		m->active = v;
		m->pinned = 1;
		slog(s, s->now_ms, "info", "models", "model rolled back and pinned", "model",
		     m->id, "version", m->v[v].id, "by", x->actor, NULL);
		OUT(x, "%s rolled back to %s and pinned\n", m->id, m->v[v].id);
		return 0;
	}
	if (strcmp(sub, "gate") == 0 && (x->argc == 3 || x->argc == 4)) {
		uint64_t min;

		if (x->argc == 3) {
			if (!m->gated)
				OUT(x, "%s: no evaluation gate: the provider's new versions are promoted as they come\n", m->id);
			else
				OUT(x, "%s: a new version is promoted only with a quality of at least %u (permille)\n",
				    m->id, m->min_quality);
			for (size_t k = 0; k < m->nghist; k++) {
				char when[32];

				ts(m->ghist[k].t_ms, when);
				OUT(x, "  %-26s min_quality %-5s %-8s %s\n", when, m->ghist[k].what,
				    m->ghist[k].how, m->ghist[k].by);
			}
			return 0;
		}
		if (parse_u64(x->argv[3], 0, 1000, &min) < 0)
			return fail(x, 2, "usage: agentctl model gate MODEL [MIN_QUALITY]   (0 to 1000 permille)");
		gate_set(s, m, (unsigned)min, x->actor, "apply", &x->op);
		OUT(x, "%s: evaluation gate set to min_quality %u\n", m->id, (unsigned)min);
		return 0;
	}
	if (strcmp(sub, "eval") == 0 && x->argc == 4) {
		if ((v = FIND(m->v, m->nv, x->argv[3])) == m->nv)
			return fail(x, 1, "%s has no version \"%s\"; `agentctl models` lists them", m->id, x->argv[3]);
		OUT(x, "%s@%s: quality %u permille on the evaluation set", m->id, m->v[v].id, m->v[v].quality);
		if (m->gated)
			OUT(x, "; the gate (min_quality %u) would %s it\n", m->min_quality,
			    m->v[v].quality >= m->min_quality ? "pass" : "block");
		else
			OUT(x, "; no gate\n");
		return 0;
	}
	return fail(x, 2, "usage: agentctl model pin MODEL VERSION | unpin MODEL | rollback MODEL | gate MODEL [MIN] | eval MODEL VERSION");
}

/* "vN" or "N" for a version that exists; 0 otherwise. */
static unsigned version_arg(struct sim *s, const char *a)
{
	uint64_t v;

	if (a[0] == 'v')
		a++;
	if (parse_u64(a, 1, SIM_MAX_POLICIES, &v) < 0 || !s->pv[v].present)
		return 0;
	return (unsigned)v;
}

static int is_version_word(const char *a)
{
	uint64_t v;

	return a[0] == 'v' && parse_u64(a + 1, 1, SIM_MAX_POLICIES, &v) == 0;
}

/* Checks beyond the document's shape: rules that can never match what
 * this platform has, and rules hidden behind earlier ones. */
static void policy_lint(struct sim *s, const struct pol_policy *p, struct buf *out)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct pol_rule *r = &p->rules[i];
		int role = 0, tool = 0;

		for (size_t a = 0; a < s->nagents && !role; a++)
			for (size_t k = 0; k < r->nroles; k++)
				role |= pol_match(r->roles[k], s->agents[a].role);
		for (size_t t = 0; t < s->ntools && !tool; t++)
			for (size_t k = 0; k < r->ntools; k++)
				tool |= pol_match(r->tools[k], s->tools[t].id);
		if (!role)
			buf_printf(out, NULL, "warning: rule %s matches no agent's role\n", r->id);
		if (!tool)
			buf_printf(out, NULL, "warning: rule %s matches no tool\n", r->id);
	}
}

static int load_operator_policy(struct ctx *x, struct pol_policy *p)
{
	struct buf why = BUF_INIT;
	int rc;

	if (!x->file)
		return fail(x, 2, "%s is neither a version (vN) nor a file agentctl could read", x->argv[2]);
	rc = pol_parse(x->file->data, x->file->len, x->file->name, p, &why);
	if (rc < 0) {
		buf_printf(&x->r->err, NULL, "%s", (char *)why.data);
		buf_printf(&x->r->err, NULL, "agentctl: %s is not a valid policy\n", x->file->name);
	}
	buf_release(&why);
	return rc < 0 ? 1 : 0;
}

static int c_policy(struct ctx *x)
{
	struct sim *s = x->s;
	const char *sub = x->argc > 1 ? x->argv[1] : "status";
	char when[32];
	unsigned v;

	if (strcmp(sub, "status") == 0) {
		const struct pol_policy *p = &s->pv[s->active].pol;

		OUT(x, "active policy v%u: %s\n%zu rules, default %s\n", s->active,
		    p->description ? p->description : "(no description)", p->nrules,
		    pol_effect_name(p->fallback));
		return 0;
	}
	if (strcmp(sub, "history") == 0) {
		OUT(x, "%-26s %-8s %-10s %-10s %s\n", "WHEN", "VERSION", "HOW", "BY", "");
		for (size_t i = 0; i < s->nhist; i++) {
			ts(s->hist[i].t_ms, when);
			OUT(x, "%-26s v%-7u %-10s %-10s %s\n", when, s->hist[i].version,
			    s->hist[i].how, s->hist[i].by,
			    i + 1 == s->nhist ? "(active)" : "");
		}
		OUT(x, "versions on file: v1 to v%u\n", s->maxver);
		return 0;
	}
	if (strcmp(sub, "show") == 0) {
		const struct pol_policy *p;

		if (x->argc > 3)
			return fail(x, 2, "usage: agentctl policy show [vN]");
		v = x->argc == 3 ? version_arg(s, x->argv[2]) : s->active;
		if (!v)
			return fail(x, 1, "no policy version %s; `agentctl policy history` lists them", x->argv[2]);
		p = &s->pv[v].pol;
		OUT(x, "policy v%u%s: %s\n", v, v == s->active ? " (active)" : "",
		    p->description ? p->description : "");
		for (size_t i = 0; i < p->nrules; i++) {
			const struct pol_rule *r = &p->rules[i];

			OUT(x, "%3zu  %-28s %-9s roles ", i + 1, r->id, pol_effect_name(r->effect));
			for (size_t k = 0; k < r->nroles; k++)
				OUT(x, "%s%s", k ? "," : "", r->roles[k]);
			OUT(x, "  tools ");
			for (size_t k = 0; k < r->ntools; k++)
				OUT(x, "%s%s", k ? "," : "", r->tools[k]);
			OUT(x, "\n");
		}
		OUT(x, "     default: %s\n", pol_effect_name(p->fallback));
		return 0;
	}
	if (strcmp(sub, "diff") == 0) {
		unsigned a, b;

		if (x->argc != 3 && x->argc != 4)
			return fail(x, 2, "usage: agentctl policy diff vA [vB]   (vB: the active version)");
		a = version_arg(s, x->argv[2]);
		b = x->argc == 4 ? version_arg(s, x->argv[3]) : s->active;
		if (!a || !b)
			return fail(x, 1, "no policy version %s; `agentctl policy history` lists them",
				    !a ? x->argv[2] : x->argv[3]);
		OUT(x, "--- v%u\n+++ v%u\n", a, b);
		if (pol_diff(&s->pv[a].pol, &s->pv[b].pol, &x->r->out) == 0)
			OUT(x, "(no difference)\n");
		return 0;
	}
	if (strcmp(sub, "validate") == 0 || strcmp(sub, "apply") == 0) {
		int apply = sub[0] == 'a';
		struct pol_policy np = {0};
		const struct pol_policy *p;

		if (x->argc != 3)
			return fail(x, 2, "usage: agentctl policy %s vN|FILE", sub);
		if (is_version_word(x->argv[2])) {
			v = version_arg(s, x->argv[2]);
			if (!v)
				return fail(x, 1, "no policy version %s; `agentctl policy history` lists them", x->argv[2]);
			p = &s->pv[v].pol;
		} else {
			if (load_operator_policy(x, &np))
				return 1;
			v = np.version;
			p = &np;
			if (v != s->maxver + 1) {
				pol_release(&np);
				return fail(x, 1, "%s: $.version: is %u; a new policy takes the next version, %u",
					    x->file->name, v, s->maxver + 1);
			}
		}
		if (!apply) {
			OUT(x, "v%u: valid: %zu rules, default %s\n", v, p->nrules,
			    pol_effect_name(p->fallback));
			policy_lint(s, p, &x->r->out);
			pol_release(&np);
			return 0;
		}
		if (v == s->active) {
			pol_release(&np);
			return fail(x, 1, "v%u is already the active policy", v);
		}
		if (p == &np) {
			char path[PATH_MAX], *dir = beside(s->config, "policies");
			struct err e = {0};

			snprintf(path, sizeof path, "%s/v%u.json", dir, v);
			free(dir);
			if (!s->replaying &&
			    write_file_atomic(path, x->file->data, x->file->len, 0644, &e) < 0) {
				pol_release(&np);
				return fail(x, 1, "cannot store the new version: %s", e.msg);
			}
			s->pv[v].pol = np;
			s->pv[v].present = 1;
			s->maxver = v;
		}
		policy_activate(s, v, x->actor, "apply", &x->op);
		OUT(x, "v%u is now the active policy\n", v);
		return 0;
	}
	if (strcmp(sub, "rollback") == 0) {
		if (x->argc != 2)
			return fail(x, 2, "usage: agentctl policy rollback");
		if (s->nhist < 2)
			return fail(x, 1, "the history holds no earlier version");
		v = s->hist[s->nhist - 2].version;
		if (v == s->active)
			return fail(x, 1, "the version before the active one is the same version, v%u", v);
		policy_activate(s, v, x->actor, "rollback", &x->op);
		OUT(x, "rolled back: v%u is now the active policy\n", v);
		return 0;
	}
	return fail(x, 2, "usage: agentctl policy status|history|show|diff|validate|apply|rollback");
}

/* An id as the platform prints it ("task-00042", "apr-0007", "eff-0012")
 * or its number alone: the prefix and the zeros that pad it are dropped.
 * 0 when it is neither. */
static int id_arg(const char *a, const char *prefix, uint64_t max, uint64_t *out)
{
	size_t n = strlen(prefix);

	if (strncmp(a, prefix, n) == 0)
		a += n;
	while (a[0] == '0' && a[1])
		a++;
	return parse_u64(a, 1, max, out) == 0;
}

static int task_arg(struct ctx *x, const char *a, struct task **out)
{
	uint64_t id;

	if (!id_arg(a, "task-", SIM_MAX_TASKS, &id) || !task_by_id(x->s, (unsigned)id))
		return fail(x, 1, "no task %s; `agentctl tasks` lists them", a);
	*out = task_by_id(x->s, (unsigned)id);
	return 0;
}

static void task_line(struct ctx *x, struct task *t)
{
	char id[16], when[32];

	task_name(t->id, id);
	ts(t->updated_ms, when);
	OUT(x, "%-11s %-12s %-20s %-18s %-8u %-25s %s\n", id, x->s->kinds[t->kind].id,
	    x->s->agents[t->agent].id, task_states[t->state], t->attempts, when,
	    t->error[0] && t->state != T_DONE ? t->error : "");
}

static int c_tasks(struct ctx *x)
{
	struct sim *s = x->s;
	int filter = -1;
	size_t shown = 0, from;

	if (x->argc > 2)
		return fail(x, 2, "usage: agentctl tasks [STATE]   (queued, running, awaiting_approval, retry_wait, done, failed, cancelled)");
	if (x->argc == 2) {
		for (int i = 0; i <= T_CANCELLED; i++)
			if (strcmp(task_states[i], x->argv[1]) == 0)
				filter = i;
		if (filter < 0)
			return fail(x, 2, "no task state \"%s\"; one of queued, running, awaiting_approval, retry_wait, done, failed, cancelled", x->argv[1]);
	}
	OUT(x, "%-11s %-12s %-20s %-18s %-8s %-25s %s\n", "TASK", "KIND", "AGENT",
	    "STATE", "ATTEMPTS", "UPDATED", "ERROR");
	/* the last 50 of them: the full list is in state.json */
	from = 0;
	{
		size_t n = 0;

		for (size_t i = s->ntasks; i-- > 0;)
			if (filter < 0 || (int)s->tasks[i].state == filter)
				if (++n == 50) {
					from = i;
					break;
				}
	}
	for (size_t i = from; i < s->ntasks; i++)
		if (filter < 0 || (int)s->tasks[i].state == filter) {
			task_line(x, &s->tasks[i]);
			shown++;
		}
	if (shown == 50)
		OUT(x, "(the last 50; /var/lib/agentd/state.json holds every task)\n");
	return 0;
}

static int c_task(struct ctx *x)
{
	struct sim *s = x->s;
	struct task *t = NULL;
	char when[32];

	if (x->argc != 3 || (strcmp(x->argv[1], "show") != 0 && strcmp(x->argv[1], "retry") != 0))
		return fail(x, 2, "usage: agentctl task show|retry TASK");
	if (task_arg(x, x->argv[2], &t))
		return 1;
	if (strcmp(x->argv[1], "retry") == 0) {
		if (t->state != T_FAILED)
			return fail(x, 1, "only a failed task can be retried; task-%05u is %s", t->id, task_states[t->state]);
		t->attempts = 0;
		t->step = 0;
		t->approved_step = 0;
		task_set(s, t, T_QUEUED, NULL);
		schedule(s, s->now_ms, EV_RUN, t->id);
		OUT(x, "task-%05u queued again\n", t->id);
		return 0;
	}
	ts(t->created_ms, when);
	OUT(x, "task        task-%05u\nkind        %s\nagent       %s\nstate       %s\n"
	       "step        %zu of %zu\nattempts    %u\ncreated     %s\n",
	    t->id, s->kinds[t->kind].id, s->agents[t->agent].id,
	    task_states[t->state], t->step + (t->state == T_DONE ? 0 : 1),
	    s->kinds[t->kind].nsteps, t->attempts, when);
	ts(t->updated_ms, when);
	OUT(x, "updated     %s\ntrace       %s\n", when, t->trace);
	if (t->error[0] && t->state != T_DONE)
		OUT(x, "error       %s\n", t->error);
	return 0;
}

static int c_approvals(struct ctx *x)
{
	struct sim *s = x->s;
	char when[32];

	if (x->argc == 2 && strcmp(x->argv[1], "resume") == 0) {
		if (!s->reviewer_stuck)
			return fail(x, 1, "the reviewer is running");
		s->reviewer_stuck = 0;
		for (size_t i = 0; i < s->nappr; i++)
			if (s->appr[i].state == A_PENDING)
				schedule(s, s->now_ms + 1000, EV_REVIEW, s->appr[i].id);
		slog(s, s->now_ms, "info", "approvals", "reviewer worker restarted", "by", x->actor, NULL);
		OUT(x, "reviewer restarted; %u pending approvals queued for review\n", pending_approvals(s));
		return 0;
	}
	if (x->argc >= 2 && strcmp(x->argv[1], "threshold") == 0) {
		uint64_t v;

		if (x->argc == 2) {
			OUT(x, "escalations of tools with a risk below %u are approved automatically\n",
			    s->auto_below);
			for (size_t i = 0; i < s->nthist; i++) {
				ts(s->thist[i].t_ms, when);
				OUT(x, "  %-26s auto_approve_below %-4s %-8s %s\n", when, s->thist[i].what,
				    s->thist[i].how, s->thist[i].by);
			}
			OUT(x, "tool risks: ");
			for (size_t i = 0; i < s->ntools; i++)
				OUT(x, "%s%s %u", i ? ", " : "", s->tools[i].id, s->tools[i].risk);
			OUT(x, "\n");
			return 0;
		}
		if (x->argc != 3 || parse_u64(x->argv[2], 0, 101, &v) < 0)
			return fail(x, 2, "usage: agentctl approvals threshold [N]   (0 to 101: escalations of tools with a risk below N need no person; 0: none)");
		threshold_set(s, (unsigned)v, x->actor, "apply", &x->op);
		OUT(x, "auto_approve_below is now %u\n", (unsigned)v);
		return 0;
	}
	if (x->argc == 2 && strcmp(x->argv[1], "auto") == 0) {
		size_t n = 0, from = 0;

		for (size_t i = s->nappr; i-- > 0;)
			if (s->appr[i].auto_ && ++n == SIM_MAX_LISTED) {
				from = i;
				break;
			}
		OUT(x, "%-9s %-11s %-18s %-5s %-24s %s\n", "APPROVAL", "TASK", "TOOL", "RISK",
		    "APPROVED", "REVIEW");
		for (size_t i = from; i < s->nappr; i++) {
			struct approval *a = &s->appr[i];

			if (!a->auto_)
				continue;
			ts(a->requested_ms, when);
			OUT(x, "apr-%04u  task-%05u  %-18s %-5u %-24s %s\n", a->id, a->task,
			    s->tools[a->tool].id, a->risk, when,
			    a->reviewed ? "rejected" : "-");
		}
		if (n == SIM_MAX_LISTED)
			OUT(x, "(the last %d; /var/lib/agentd/state.json holds every approval)\n", SIM_MAX_LISTED);
		return 0;
	}
	if (x->argc != 1)
		return fail(x, 2, "usage: agentctl approvals [resume|auto|threshold [N]]");
	OUT(x, "reviewer %s; auto-approved below risk %u\n%-9s %-11s %-18s %-24s %-9s %s\n",
	    s->reviewer_stuck ? "stuck" : "running", s->auto_below,
	    "APPROVAL", "TASK", "TOOL", "REQUESTED", "STATE", "BY");
	for (size_t i = 0; i < s->nappr; i++) {
		struct approval *a = &s->appr[i];

		ts(a->requested_ms, when);
		OUT(x, "apr-%04u  task-%05u  %-18s %-24s %-9s %s\n", a->id, a->task,
		    s->tools[a->tool].id, when, appr_states[a->state], a->by);
	}
	return 0;
}

/* An operator rejects, after the fact, what the threshold approved: the
 * rejection is recorded and the step's side effects are reverted. */
static int review_auto(struct ctx *x, struct approval *ap)
{
	struct sim *s = x->s;
	size_t n = 0;
	char aid[16];

	ap->state = A_REJECTED;
	ap->reviewed = 1;
	ap->decided_ms = s->now_ms;
	snprintf(ap->by, sizeof ap->by, "%s", x->actor);
	OUT(x, "apr-%04u (approved automatically) rejected on review", ap->id);
	for (size_t i = 0; i < s->neffects; i++) {
		struct effect *e = &s->effects[i];
		char id[16];

		if (e->task != ap->task || e->step != ap->step || e->reverted)
			continue;
		effect_revert(s, e, x->actor, &x->op);
		effect_name(e->id, id);
		OUT(x, "%s %s", n++ ? "," : "; reverted:", id);
	}
	OUT(x, "%s\n", n ? "" : "; it left no side effect to revert");
	snprintf(aid, sizeof aid, "apr-%04u", ap->id);
	slog(s, s->now_ms, "info", "approvals", "automatic approval rejected on review",
	     "approval", aid, "by", x->actor, NULL);
	metricf(s, 1, "agentd_approvals_total{decision=\"rejected_on_review\"}");
	return 0;
}

static int c_approval(struct ctx *x)
{
	struct sim *s = x->s;
	uint64_t id;
	const char *a;

	if (x->argc != 3 || (strcmp(x->argv[1], "approve") != 0 && strcmp(x->argv[1], "reject") != 0))
		return fail(x, 2, "usage: agentctl approval approve|reject APPROVAL");
	a = x->argv[2];
	if (!id_arg(a, "apr-", 1000000, &id) || id > s->nappr)
		return fail(x, 1, "no approval %s; `agentctl approvals` lists them", x->argv[2]);
	if (s->appr[id - 1].auto_ && !s->appr[id - 1].reviewed && x->argv[1][0] == 'r')
		return review_auto(x, &s->appr[id - 1]);
	if (s->appr[id - 1].state != A_PENDING)
		return fail(x, 1, "apr-%04u is already %s", (unsigned)id, appr_states[s->appr[id - 1].state]);
	s->appr[id - 1].state = x->argv[1][0] == 'a' ? A_APPROVED : A_REJECTED;
	review(s, &s->appr[id - 1], x->actor);
	OUT(x, "apr-%04u %s\n", (unsigned)id, appr_states[s->appr[id - 1].state]);
	return 0;
}

static int c_exporter(struct ctx *x)
{
	struct sim *s = x->s;

	if (x->argc == 2 && strcmp(x->argv[1], "restart") == 0) {
		s->drop_pm = 0;
		slog(s, s->now_ms, "info", "exporter", "exporter restarted", "by", x->actor, NULL);
		OUT(x, "exporter restarted\n");
		return 0;
	}
	if (x->argc != 1 && !(x->argc == 2 && strcmp(x->argv[1], "status") == 0))
		return fail(x, 2, "usage: agentctl exporter [status|restart]");
	OUT(x, "exporter %s\n%llu spans exported, %llu dropped\n",
	    s->drop_pm ? "degraded (queue overflowing)" : "healthy",
	    (unsigned long long)s->exported, (unsigned long long)s->dropped);
	return 0;
}

static int c_clock(struct ctx *x)
{
	struct sim *s = x->s;
	char when[32];
	size_t i;

	if (x->argc == 3 && strcmp(x->argv[1], "sync") == 0) {
		if (find_tool(x, x->argv[2], &i))
			return 1;
		if (!s->tools[i].skew_ms)
			return fail(x, 1, "%s's clock is in step with the platform's", s->tools[i].id);
		s->tools[i].skew_ms = 0;
		slog(s, s->now_ms, "info", "clock", "component clock synchronised", "component",
		     s->tools[i].id, "by", x->actor, NULL);
		OUT(x, "%s's clock synchronised\n", s->tools[i].id);
		return 0;
	}
	if (x->argc != 1)
		return fail(x, 2, "usage: agentctl clock [sync TOOL]");
	ts(s->now_ms, when);
	OUT(x, "platform clock %s\n", when);
	OUT(x, "(a component whose spans look out of order may have a clock of its own: agentctl clock sync TOOL)\n");
	return 0;
}

static int c_secret(struct ctx *x)
{
	struct sim *s = x->s;
	char when[32];
	size_t i;

	if (x->argc == 3 && strcmp(x->argv[1], "rotate") == 0) {
		if ((i = FIND(s->secrets, s->nsecrets, x->argv[2])) == s->nsecrets)
			return fail(x, 1, "no secret \"%s\"; `agentctl secret list` lists them", x->argv[2]);
		memcpy(s->secrets[i].value, "sk-live-", 8);
		new_id(s, s->secrets[i].value + 8, 12);
		s->secrets[i].rotations++;
		s->secrets[i].rotated_ms = s->now_ms;
		slog(s, s->now_ms, "info", "secrets", "secret rotated; the old value is revoked",
		     "secret", s->secrets[i].id, "by", x->actor, NULL);
		OUT(x, "%s rotated; the old value no longer works\n", s->secrets[i].id);
		return 0;
	}
	if (x->argc != 2 || strcmp(x->argv[1], "list") != 0)
		return fail(x, 2, "usage: agentctl secret list | secret rotate SECRET");
	OUT(x, "%-24s %-20s %-10s %s\n", "SECRET", "TOOL", "ROTATIONS", "LAST ROTATED");
	for (i = 0; i < s->nsecrets; i++) {
		if (s->secrets[i].rotations)
			ts(s->secrets[i].rotated_ms, when);
		OUT(x, "%-24s %-20s %-10u %s\n", s->secrets[i].id, s->tools[s->secrets[i].tool].id,
		    s->secrets[i].rotations, s->secrets[i].rotations ? when : "never");
	}
	return 0;
}

static int c_advance(struct ctx *x)
{
	uint64_t secs;
	char when[32];
	size_t before = x->s->ntasks;

	if (x->argc != 2 || parse_u64(x->argv[1], 1, SIM_MAX_ADVANCE_S, &secs) < 0)
		return fail(x, 2, "usage: agentctl advance SECONDS   (1 to %d: let the workload run)", SIM_MAX_ADVANCE_S);
	advance(x->s, x->s->now_ms + (int64_t)secs * 1000);
	ts(x->s->now_ms, when);
	OUT(x, "clock %s; %zu new tasks\n", when, x->s->ntasks - before);
	return 0;
}

static void effect_line(struct ctx *x, const struct effect *e)
{
	char id[16], of[16] = "-", when[32];

	effect_name(e->id, id);
	if (e->dup_of)
		effect_name(e->dup_of, of);
	ts(e->t_ms, when);
	OUT(x, "%-9s %-18s task-%05u %-5zu %-8u %-18s %-13s %-26s %s\n", id,
	    x->s->tools[e->tool].id, e->task, e->step + 1, e->attempt,
	    e->keyed ? e->key : "-", e->dup_of ? of : "-", when,
	    e->reverted ? "reverted" : "applied");
}

/* effects [TOOL]: the side-effect ledger, the last SIM_MAX_LISTED. */
static int c_effects(struct ctx *x)
{
	struct sim *s = x->s;
	size_t tix = SIZE_MAX, n = 0, from = 0, dups = 0, open_ = 0;

	if (x->argc > 2)
		return fail(x, 2, "usage: agentctl effects [TOOL]");
	if (x->argc == 2 && find_tool(x, x->argv[1], &tix))
		return 1;
	for (size_t i = s->neffects; i-- > 0;)
		if ((tix == SIZE_MAX || s->effects[i].tool == tix) && ++n == SIM_MAX_LISTED) {
			from = i;
			break;
		}
	OUT(x, "%-9s %-18s %-10s %-5s %-8s %-18s %-13s %-26s %s\n", "EFFECT", "TOOL", "TASK",
	    "STEP", "ATTEMPT", "IDEMPOTENCY_KEY", "DUPLICATE_OF", "AT", "STATE");
	for (size_t i = from; i < s->neffects; i++)
		if (tix == SIZE_MAX || s->effects[i].tool == tix)
			effect_line(x, &s->effects[i]);
	for (size_t i = 0; i < s->neffects; i++)
		if (tix == SIZE_MAX || s->effects[i].tool == tix) {
			dups += s->effects[i].dup_of != 0;
			open_ += s->effects[i].dup_of && !s->effects[i].reverted;
		}
	if (n == SIM_MAX_LISTED)
		OUT(x, "(the last %d; /var/lib/agentd/state.json holds every effect)\n", SIM_MAX_LISTED);
	OUT(x, "%zu duplicates (the same task and step applied again), %zu of them not reverted\n",
	    dups, open_);
	return 0;
}

static int c_effect(struct ctx *x)
{
	struct sim *s = x->s;
	const char *a;
	uint64_t id;
	struct effect *e;

	if (x->argc != 3 || (strcmp(x->argv[1], "show") != 0 && strcmp(x->argv[1], "revert") != 0))
		return fail(x, 2, "usage: agentctl effect show|revert EFFECT");
	a = x->argv[2];
	if (!id_arg(a, "eff-", UINT32_MAX, &id) || id > s->neffects)
		return fail(x, 1, "no effect %s; `agentctl effects` lists them", x->argv[2]);
	e = &s->effects[id - 1];
	if (strcmp(x->argv[1], "show") == 0) {
		OUT(x, "%-9s %-18s %-10s %-5s %-8s %-18s %-13s %-26s %s\n", "EFFECT", "TOOL", "TASK",
		    "STEP", "ATTEMPT", "IDEMPOTENCY_KEY", "DUPLICATE_OF", "AT", "STATE");
		effect_line(x, e);
		for (size_t i = 0; i < s->neffects; i++)
			if (s->effects[i].dup_of == e->id)
				effect_line(x, &s->effects[i]);
		return 0;
	}
	if (e->reverted)
		return fail(x, 1, "eff-%04u is already reverted", e->id);
	effect_revert(s, e, x->actor, &x->op);
	OUT(x, "eff-%04u reverted: a compensating action for task-%05u's %s\n", e->id, e->task,
	    s->tools[e->tool].id);
	if (!e->dup_of)
		OUT(x, "note: eff-%04u was the first effect of its task's step, not a duplicate: the action itself is undone\n",
		    e->id);
	return 0;
}

static int c_metrics(struct ctx *x);
static int c_trace(struct ctx *x);
static int c_audit(struct ctx *x);

static int c_help(struct ctx *x)
{
	OUT(x, "%s", sim_help);
	return 0;
}

static const struct command {
	const char *name;
	int (*run)(struct ctx *);
	int changes; /* 0: only reads the state */
} commands[] = {
	{"status", c_status, 0},     {"agents", c_agents, 0},
	{"agent", c_agent, 1},       {"tools", c_tools, 0},
	{"tool", c_tool, 1},         {"models", c_models, 0},
	{"model", c_model, 1},       {"policy", c_policy, 1},
	{"tasks", c_tasks, 0},       {"task", c_task, 1},
	{"approvals", c_approvals, 1}, {"approval", c_approval, 1},
	{"exporter", c_exporter, 1}, {"clock", c_clock, 1},
	{"secret", c_secret, 1},     {"advance", c_advance, 1},
	{"effects", c_effects, 0},   {"effect", c_effect, 1},
	{"trace", c_trace, 0},       {"metrics", c_metrics, 0},
	{"audit", c_audit, 0},       {"help", c_help, 0},
};

static int c_metrics(struct ctx *x)
{
	struct sim *s = x->s;
	size_t *order = xcalloc(s->nmetrics, sizeof *order);

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
	OUT(x, "agentd_approvals_pending %u\n", pending_approvals(s));
	OUT(x, "agentd_tasks_waiting_retry %u\n", count_tasks(s, T_RETRY));
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

static void tree(struct ctx *x, json_t **sp, size_t n, const char *parent,
		 int depth, int64_t t0)
{
	for (size_t i = 0; i < n && depth < 32; i++) {
		json_t *a, *v;
		const char *k;

		if (strcmp(json_string_value(json_object_get(sp[i], "parent_span_id")), parent) != 0)
			continue;
		OUT(x, "%*s%s %s  +%lldms %lldms %s", depth * 2, "",
		    json_string_value(json_object_get(sp[i], "span_id")),
		    json_string_value(json_object_get(sp[i], "name")),
		    (long long)((json_integer_value(json_object_get(sp[i], "start_unix_nano")) - t0) / 1000000),
		    (long long)((json_integer_value(json_object_get(sp[i], "end_unix_nano")) -
				 json_integer_value(json_object_get(sp[i], "start_unix_nano"))) / 1000000),
		    json_string_value(json_object_get(sp[i], "status")));
		a = json_object_get(sp[i], "attributes");
		json_object_foreach(a, k, v) {
			if (json_is_string(v))
				OUT(x, " %s=%s", k, json_string_value(v));
			else if (json_is_integer(v))
				OUT(x, " %s=%lld", k, (long long)json_integer_value(v));
		}
		if ((v = json_object_get(sp[i], "links")) && json_array_size(v))
			OUT(x, " link=%s/%s",
			    json_string_value(json_object_get(json_array_get(v, 0), "trace_id")),
			    json_string_value(json_object_get(json_array_get(v, 0), "span_id")));
		OUT(x, "\n");
		tree(x, sp, n, json_string_value(json_object_get(sp[i], "span_id")), depth + 1, t0);
	}
}

static int c_trace(struct ctx *x)
{
	char path[PATH_MAX], needle[64], line[16384];
	json_t **sp = NULL;
	size_t n = 0;
	int64_t t0 = INT64_MAX;
	FILE *f;

	if (x->argc != 2 || !hex_ok(x->argv[1], 32))
		return fail(x, 2, "usage: agentctl trace TRACE_ID   (32 hex digits, as in spans.jsonl and agentd.jsonl)");
	snprintf(path, sizeof path, "%s/spans.jsonl", x->s->logs);
	snprintf(needle, sizeof needle, "\"trace_id\":\"%s\"", x->argv[1]);
	f = fopen(path, "re");
	if (!f)
		return fail(x, 1, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f) && n < 10000) {
		json_t *o;

		if (strncmp(line + 1, needle, strlen(needle)) != 0)
			continue;
		o = json_loads(line, 0, NULL);
		if (!o)
			continue;
		GROW(sp, n);
		sp[n++] = o;
		if (json_integer_value(json_object_get(o, "start_unix_nano")) < t0)
			t0 = json_integer_value(json_object_get(o, "start_unix_nano"));
	}
	fclose(f);
	if (n == 0) {
		free(sp);
		return fail(x, 1, "no span of trace %s in %s", x->argv[1], path);
	}
	tree(x, sp, n, "", 0, t0);
	/* spans whose parent was never exported hang here, flagged */
	for (size_t i = 0; i < n; i++) {
		const char *p = json_string_value(json_object_get(sp[i], "parent_span_id"));
		int found = !p[0];

		for (size_t k = 0; k < n && !found; k++)
			found = strcmp(p, json_string_value(json_object_get(sp[k], "span_id"))) == 0;
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

static int c_audit(struct ctx *x)
{
	char path[PATH_MAX];
	struct buf text = BUF_INIT;
	char why[1100];
	uint64_t want_n = 20;
	size_t lines = 0, at;

	if (x->argc > 2 || (x->argc == 2 && parse_u64(x->argv[1], 1, 100000, &want_n) < 0))
		return fail(x, 2, "usage: agentctl audit [N]");
	snprintf(path, sizeof path, "%s/audit.jsonl", x->s->logs);
	if (read_small(path, 64u << 20, &text, why, sizeof why) < 0)
		return fail(x, 1, "%s", why);
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

/* --- files ------------------------------------------------------------ */

static int append(const char *dir, const char *name, struct buf *b,
		  struct buf *err)
{
	char path[PATH_MAX];
	int fd;

	if (b->len == 0)
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, b->data, b->len) < 0) {
		buf_printf(err, NULL, "agentd: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	b->len = 0;
	return 0;
}

static json_t *jts(int64_t ms)
{
	char when[32];

	ts(ms, when);
	return json_string(when);
}

/* The state as graders and operators read it, and the journal that
 * rebuilds it. */
static json_t *hist_json(const struct hentry *h, size_t n, const char *key)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:s,s:s}", key, h[i].what,
			"at", jts(h[i].t_ms), "by", h[i].by, "how", h[i].how));
	return a;
}

static json_t *state_json(struct sim *s)
{
	json_t *o = json_object(), *a, *x;
	char seed[65];

	hex_encode(s->seed, sizeof s->seed, seed);
	json_object_set_new(o, "platform", json_string(SIM_PLATFORM));
	json_object_set_new(o, "seed", json_string(seed));
	json_object_set_new(o, "clock", jts(s->now_ms));
	json_object_set_new(o, "clock_unix_nano", json_integer(s->now_ms * 1000000));
	x = json_object();
	json_object_set_new(x, "active", json_integer(s->active));
	a = json_array();
	for (unsigned v = 1; v <= s->maxver; v++)
		if (s->pv[v].present)
			json_array_append_new(a, json_integer(v));
	json_object_set_new(x, "versions", a);
	a = json_array();
	for (size_t i = 0; i < s->nhist; i++)
		json_array_append_new(a, json_pack("{s:i,s:o,s:s,s:s}", "version",
			(json_int_t)s->hist[i].version, "at", jts(s->hist[i].t_ms),
			"by", s->hist[i].by, "how", s->hist[i].how));
	json_object_set_new(x, "history", a);
	json_object_set_new(o, "policy", x);
	a = json_array();
	for (size_t i = 0; i < s->nagents; i++) {
		struct agent *g = &s->agents[i];

		x = json_pack("{s:s,s:s,s:s,s:s}", "id", g->id, "role", g->role,
			      "model", s->models[g->model].id, "status",
			      g->quarantined ? "quarantined" : "active");
		if (g->quarantined) {
			json_object_set_new(x, "quarantined_at", jts(g->quarantined_ms));
			json_object_set_new(x, "reason", json_string(g->reason));
		}
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "agents", a);
	a = json_array();
	for (size_t i = 0; i < s->nmodels; i++)
	{
		struct model *m = &s->models[i];
		json_t *vs = json_array();

		for (size_t k = 0; k < m->nv; k++)
			json_array_append_new(vs, json_pack("{s:s,s:i}", "id", m->v[k].id,
				"quality", (int)m->v[k].quality));
		x = json_pack("{s:s,s:s,s:b,s:o,s:o}", "id", m->id, "active", m->v[m->active].id,
			      "pinned", m->pinned, "versions", vs,
			      "history", hist_json(m->hist, m->nhist, "version"));
		if (m->gated)
			json_object_set_new(x, "gate", json_pack("{s:i,s:o}", "min_quality",
				(int)m->min_quality, "history",
				hist_json(m->ghist, m->nghist, "min_quality")));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "models", a);
	a = json_array();
	for (size_t i = 0; i < s->ntools; i++) {
		struct tool *t = &s->tools[i];

		x = json_pack("{s:s,s:b,s:b,s:b,s:i}", "id", t->id,
			"enabled", t->enabled, "idempotency", t->side_effect && t->idempotency,
			"debug_headers", t->debug_headers, "risk", (int)t->risk);
		if (t->nad) {
			json_t *ads = json_array();

			for (size_t k = 0; k < t->nad; k++)
				json_array_append_new(ads, json_pack("{s:s,s:i,s:i}", "version",
					t->ad[k].version, "calls_ok", (int)t->ad[k].ok,
					"calls_failed", (int)t->ad[k].failed));
			json_object_set_new(x, "adapter", json_string(t->ad[t->adapter].version));
			json_object_set_new(x, "canary", t->canary ?
				json_pack("{s:s,s:i}", "version", t->ad[t->canary - 1].version,
					  "percent", (int)t->canary_pct) : json_null());
			json_object_set_new(x, "adapters", ads);
			json_object_set_new(x, "adapter_history", hist_json(t->ahist, t->nahist, "adapter"));
		}
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "tools", a);
	json_object_set_new(o, "exporter", json_pack("{s:b,s:I,s:I}", "healthy", !s->drop_pm,
		"exported", (json_int_t)s->exported, "dropped", (json_int_t)s->dropped));
	a = json_array();
	for (size_t i = 0; i < s->nappr; i++) {
		struct approval *p = &s->appr[i];
		char id[16], tk[16];

		snprintf(id, sizeof id, "apr-%04u", p->id);
		task_name(p->task, tk);
		x = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:i,s:b,s:b}", "id", id, "task", tk,
			      "tool", s->tools[p->tool].id, "rule", p->rule, "state",
			      appr_states[p->state], "requested", jts(p->requested_ms),
			      "risk", (int)p->risk, "auto", p->auto_,
			      "reviewed", p->reviewed);
		if (p->state != A_PENDING) {
			json_object_set_new(x, "decided", jts(p->decided_ms));
			json_object_set_new(x, "by", json_string(p->by));
		}
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "approvals", json_pack("{s:s,s:i,s:o,s:o}", "reviewer",
		s->reviewer_stuck ? "stuck" : "running", "auto_approve_below",
		(int)s->auto_below, "threshold_history",
		hist_json(s->thist, s->nthist, "auto_approve_below"), "items", a));
	a = json_array();
	for (size_t i = 0; i < s->ntasks; i++) {
		struct task *t = &s->tasks[i];
		char id[16];

		task_name(t->id, id);
		x = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:o,s:o}", "id", id, "kind",
			      s->kinds[t->kind].id, "agent", s->agents[t->agent].id,
			      "state", task_states[t->state], "attempts", (json_int_t)t->attempts,
			      "trace_id", t->trace, "created", jts(t->created_ms),
			      "updated", jts(t->updated_ms));
		if (t->error[0] && t->state != T_DONE)
			json_object_set_new(x, "error", json_string(t->error));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "tasks", a);
	a = json_array();
	for (size_t i = 0; i < s->neffects; i++) {
		struct effect *e = &s->effects[i];
		char tk[16], id[16], of[16];

		task_name(e->task, tk);
		effect_name(e->id, id);
		x = json_pack("{s:s,s:s,s:s,s:i,s:i,s:s,s:b,s:o,s:b,s:s}", "id", id, "task", tk,
			"tool", s->tools[e->tool].id, "step", (int)(e->step + 1),
			"attempt", (int)e->attempt, "key", e->key, "key_sent", e->keyed,
			"at", jts(e->t_ms), "duplicate", e->duplicate,
			"state", e->reverted ? "reverted" : "applied");
		if (e->dup_of) {
			effect_name(e->dup_of, of);
			json_object_set_new(x, "duplicate_of", json_string(of));
		}
		if (e->reverted) {
			json_object_set_new(x, "reverted_at", jts(e->reverted_ms));
			json_object_set_new(x, "reverted_by", json_string(e->by));
		}
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "effects", a);
	a = json_array();
	for (size_t i = 0; i < s->nsecrets; i++) {
		x = json_pack("{s:s,s:s,s:i}", "id", s->secrets[i].id, "tool",
			      s->tools[s->secrets[i].tool].id, "rotations",
			      (json_int_t)s->secrets[i].rotations);
		if (s->secrets[i].rotations)
			json_object_set_new(x, "rotated", jts(s->secrets[i].rotated_ms));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "secrets", a);
	a = json_array();
	for (size_t i = 0; i < s->njournal; i++) {
		struct jentry *j = &s->journal[i];
		json_t *argv = json_array();

		for (size_t k = 0; k < j->argc; k++)
			json_array_append_new(argv, json_string(j->argv[k]));
		x = json_pack("{s:s,s:o}", "actor", j->actor, "argv", argv);
		if (j->fname)
			json_object_set_new(x, "file", json_pack("{s:s,s:s%}", "name", j->fname,
				"data", j->fdata, j->flen));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "journal", a);
	return o;
}

static json_t *record_json(struct sim *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->nfaults; i++) {
		struct pfault *f = &s->faults[i];
		json_t *o = json_pack("{s:s,s:s,s:b,s:i}", "id", f->id, "kind",
				      pf_names[f->kind], "fired", f->fired,
				      "count", (json_int_t)f->count);

		if (f->fired) {
			json_object_set_new(o, "at", jts(f->fired_ms));
			json_object_set_new(o, "at_s", json_integer((f->fired_ms - s->start_ms) / 1000));
		}
		json_array_append_new(a, o);
	}
	return a;
}

static int save_json(const char *dir, const char *name, json_t *o,
		     size_t flags, mode_t mode, struct buf *err)
{
	char path[PATH_MAX];
	char *text = json_dumps(o, flags);
	struct err e = {0};
	int rc = 0;

	json_decref(o);
	if (!text)
		abort();
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (write_file_atomic(path, text, strlen(text), mode, &e) < 0) {
		buf_printf(err, NULL, "agentd: %s\n", e.msg);
		rc = -1;
	}
	free(text);
	return rc;
}

/* Everything a command changed, on disk: the logs first, the state last
 * (a state that names a span is never ahead of the spans). */
static int flush(struct sim *s, struct buf *err)
{
	struct ctx x = {.s = s};
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	int rc = 0;

	if (s->replaying) {
		s->spans.len = s->log.len = s->audit.len = 0;
		return 0;
	}
	rc |= append(s->logs, "spans.jsonl", &s->spans, err);
	rc |= append(s->logs, "agentd.jsonl", &s->log, err);
	rc |= append(s->logs, "audit.jsonl", &s->audit, err);
	x.r = &r;
	c_metrics(&x);
	{
		char path[PATH_MAX];
		struct err e = {0};

		snprintf(path, sizeof path, "%s/metrics.prom", s->state);
		if (write_file_atomic(path, r.out.data, r.out.len, 0644, &e) < 0) {
			buf_printf(err, NULL, "agentd: %s\n", e.msg);
			rc = -1;
		}
	}
	sim_reply_release(&r);
	if (s->record && mkdir(s->record, 0700) < 0 && errno != EEXIST) {
		buf_printf(err, NULL, "agentd: %s: %s\n", s->record, strerror(errno));
		rc = -1;
	} else if (s->record) {
		rc |= save_json(s->record, "faults.json", record_json(s), JSON_INDENT(1), 0600, err);
	}
	rc |= save_json(s->state, "state.json", state_json(s), JSON_INDENT(1), 0644, err);
	return rc ? -1 : 0;
}

/* --- commands, replay, open and close --------------------------------- */

static void journal_add(struct sim *s, const char *actor, char *const *argv,
			size_t argc, const struct sim_file *file)
{
	struct jentry *j;

	GROW(s->journal, s->njournal);
	j = &s->journal[s->njournal++];
	memset(j, 0, sizeof *j);
	j->actor = xstrdup(actor);
	j->argv = xcalloc(argc, sizeof *j->argv);
	for (size_t i = 0; i < argc; i++)
		j->argv[j->argc++] = xstrdup(argv[i]);
	if (file) {
		j->fname = xstrdup(file->name);
		j->fdata = xcalloc(file->len + 1, 1);
		memcpy(j->fdata, file->data, file->len);
		j->flen = file->len;
	}
}

static void audit_add(struct sim *s, const char *actor, int pid,
		      char *const *argv, size_t argc,
		      const struct sim_file *file, int status,
		      const struct buf *out, const struct buf *err,
		      const char *span)
{
	json_t *o = json_object(), *a = json_array();
	const struct buf *msg = status ? err : out;
	char first[240] = "";

	if (msg->len) {
		size_t n = strcspn((char *)msg->data, "\n");

		snprintf(first, sizeof first, "%.*s", (int)(n < 239 ? n : 239),
			 (char *)msg->data);
	}
	for (size_t i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	json_object_set_new(o, "seq", json_integer(++s->audit_seq));
	json_object_set_new(o, "ts", jts(s->now_ms));
	json_object_set_new(o, "actor", json_string(actor));
	/* the caller's process, as the kernel names it (SO_PEERCRED): a
	 * grader matches it with labrun's command log to know which program
	 * asked (docs/validity.md, V2) */
	if (pid > 0)
		json_object_set_new(o, "pid", json_integer(pid));
	json_object_set_new(o, "argv", a);
	if (file)
		json_object_set_new(o, "file", json_string(file->name));
	json_object_set_new(o, "exit", json_integer(status));
	json_object_set_new(o, "outcome", json_string(status == 0 ? "ok" :
						      status == 2 ? "usage" : "refused"));
	json_object_set_new(o, "message", json_string(first));
	json_object_set_new(o, "span_id", json_string(span));
	put_line(&s->audit, o);
}

static int words_ok(char *const *argv, size_t argc, struct buf *err)
{
	if (argc == 0 || argc > SIM_MAX_ARGS) {
		buf_printf(err, NULL, "agentctl: a command has 1 to %d words; `agentctl help` lists them\n", SIM_MAX_ARGS);
		return 0;
	}
	for (size_t i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (n > SIM_MAX_ARG) {
			buf_printf(err, NULL, "agentctl: word %zu is longer than %d bytes\n", i + 1, SIM_MAX_ARG);
			return 0;
		}
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)argv[i][k] < 0x20 || argv[i][k] == 0x7f) {
				buf_printf(err, NULL, "agentctl: word %zu holds a control character\n", i + 1);
				return 0;
			}
	}
	return 1;
}

static int run_command(struct sim *s, const char *actor, int pid, char *const *argv,
		       size_t argc, const struct sim_file *file,
		       struct sim_reply *reply)
{
	struct ctx x = {.s = s, .r = reply, .argv = argv, .argc = argc,
			.file = file, .actor = actor};
	const struct command *c = NULL;

	reply->status = 0;
	if (!words_ok(argv, argc, &reply->err)) {
		reply->status = 2;
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			c = &commands[i];
	if (!c) {
		reply->status = fail(&x, 2, "no command \"%s\"; `agentctl help` lists them", argv[0]);
		return 0;
	}
	/* Operator time: every command moves the clock on, and the workload
	 * with it; then the command runs, under a span of its own. */
	advance(s, s->now_ms + (int64_t)s->command_s * 1000);
	span_begin(s, &x.op, NULL, NULL, "operator.command", s->now_ms);
	attr_s(&x.op, "operator.actor", actor);
	attr_s(&x.op, "operator.command", argv[0]);
	reply->status = c->run(&x);
	{
		char words[512] = "";

		for (size_t i = 0; i < argc && strlen(words) < 400; i++)
			snprintf(words + strlen(words), sizeof words - strlen(words),
				 "%s%s", i ? " " : "", argv[i]);
		attr_s(&x.op, "operator.argv", words);
	}
	attr_i(&x.op, "operator.exit", reply->status);
	span_end(s, &x.op, s->now_ms + 10, reply->status == 0, "refused", 0);
	audit_add(s, actor, pid, argv, argc, file, reply->status, &reply->out,
		  &reply->err, x.op.id);
	journal_add(s, actor, argv, argc, file);
	return 0;
}

static void state_free(struct sim *s)
{
	for (size_t i = 0; i < s->njournal; i++) {
		for (size_t k = 0; k < s->journal[i].argc; k++)
			free(s->journal[i].argv[k]);
		free(s->journal[i].argv);
		free(s->journal[i].actor);
		free(s->journal[i].fname);
		free(s->journal[i].fdata);
	}
	free(s->journal);
	for (size_t i = 0; i < s->nmetrics; i++)
		free(s->metrics[i].key);
	free(s->metrics);
	free(s->hist);
	free(s->tasks);
	free(s->appr);
	free(s->effects);
	free(s->ev);
	s->journal = NULL;
	s->metrics = NULL;
	s->hist = NULL;
	s->tasks = NULL;
	s->appr = NULL;
	s->effects = NULL;
	s->ev = NULL;
	s->njournal = s->nmetrics = s->nhist = s->ntasks = s->nappr = 0;
	s->neffects = s->nev = 0;
}

/* The state at the end of the history: the seed's randomness, the first
 * task, the faults' times, the secrets' values, then the history run. */
static void begin(struct sim *s)
{
	seed_rng(s);
	s->now_ms = s->start_ms;
	s->batch_ms = s->start_ms;
	s->seq = 0;
	reset_changes(s);
	for (size_t i = 0; i < s->nsecrets; i++) {
		memcpy(s->secrets[i].value, "sk-live-", 8);
		new_id(s, s->secrets[i].value + 8, 12);
	}
	/* the version in force at the start, deployed like any other, so that
	 * every decision links to the activation behind it */
	policy_activate(s, s->active, "ci", "deploy", NULL);
	for (size_t i = 0; i < s->nfaults; i++) {
		schedule(s, s->start_ms + s->faults[i].at_ms, EV_FAULT_ON, (unsigned)i);
		if (s->faults[i].until_ms)
			schedule(s, s->start_ms + s->faults[i].until_ms, EV_FAULT_OFF, (unsigned)i);
	}
	schedule(s, s->start_ms + rnd_below(s, s->interval_s * 1000), EV_ARRIVAL, 0);
	advance(s, s->start_ms + (int64_t)s->history_s * 1000);
}

/* Read state.json's journal and replay it; -1 (and s->damaged) when the
 * file cannot be used. */
static int resume(struct sim *s, const char *path)
{
	struct buf text = BUF_INIT;
	char why[1100], seed[65];
	json_error_t je;
	json_t *root, *j, *e;
	size_t i;
	int rc = -1;

	if (read_small(path, SIM_MAX_STATE, &text, why, sizeof why) < 0) {
		snprintf(s->damaged, sizeof s->damaged, "%s", why);
		return -1;
	}
	root = json_loadb((char *)text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	buf_release(&text);
	if (!root) {
		snprintf(s->damaged, sizeof s->damaged, "%s: line %d column %d: %s",
			 path, je.line, je.column, je.text);
		return -1;
	}
	hex_encode(s->seed, sizeof s->seed, seed);
	j = json_object_get(root, "journal");
	if (!json_is_string(json_object_get(root, "seed")) ||
	    strcmp(json_string_value(json_object_get(root, "seed")), seed) != 0) {
		snprintf(s->damaged, sizeof s->damaged, "%s: $.seed: not this platform's seed", path);
		goto out;
	}
	if (!json_is_array(j)) {
		snprintf(s->damaged, sizeof s->damaged, "%s: $.journal: missing or not a list", path);
		goto out;
	}
	/* Versions operators added come back when the journal adds them, so
	 * that the replay sees what the operator saw. */
	json_array_foreach(j, i, e) {
		json_t *f = json_object_get(e, "file");
		json_t *doc = json_is_string(json_object_get(f, "data")) ?
			json_loads(json_string_value(json_object_get(f, "data")), 0, NULL) : NULL;
		json_int_t v = json_integer_value(json_object_get(doc, "version"));

		if (v >= 1 && v <= SIM_MAX_POLICIES && s->pv[v].present) {
			pol_release(&s->pv[v].pol);
			s->pv[v].present = 0;
		}
		json_decref(doc);
	}
	while (s->maxver > 0 && !s->pv[s->maxver].present)
		s->maxver--;
	json_array_foreach(j, i, e) {
		json_t *argv = json_object_get(e, "argv"), *f = json_object_get(e, "file"), *w;
		char *words[SIM_MAX_ARGS];
		struct sim_file file = {0};
		struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
		size_t k, n = 0;

		if (!json_is_string(json_object_get(e, "actor")) || !json_is_array(argv) ||
		    json_array_size(argv) == 0 || json_array_size(argv) > SIM_MAX_ARGS) {
			snprintf(s->damaged, sizeof s->damaged, "%s: $.journal[%zu]: not a command", path, i);
			goto out;
		}
		json_array_foreach(argv, k, w) {
			if (!json_is_string(w)) {
				snprintf(s->damaged, sizeof s->damaged, "%s: $.journal[%zu].argv[%zu]: not a string", path, i, k);
				goto out;
			}
			words[n++] = (char *)json_string_value(w);
		}
		if (f) {
			if (!json_is_string(json_object_get(f, "name")) ||
			    !json_is_string(json_object_get(f, "data"))) {
				snprintf(s->damaged, sizeof s->damaged, "%s: $.journal[%zu].file: needs name and data", path, i);
				goto out;
			}
			file.name = json_string_value(json_object_get(f, "name"));
			file.data = json_string_value(json_object_get(f, "data"));
			file.len = json_string_length(json_object_get(f, "data"));
		}
		run_command(s, json_string_value(json_object_get(e, "actor")), 0, words, n,
			    f ? &file : NULL, &r);
		sim_reply_release(&r);
		flush(s, NULL);
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xcalloc(n, 1);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int setup(struct sim *s, const struct sim_paths *p, const char *seed_hex,
		 const char *faults_json, struct buf *why)
{
	s->config = xstrdup(p->config);
	s->state = xstrdup(p->state);
	s->logs = xstrdup(p->logs);
	s->record = p->record ? xstrdup(p->record) : NULL;
	if (seed_hex && seed_hex[0] &&
	    (strlen(seed_hex) > 64 || hex_decode(seed_hex, s->seed, sizeof s->seed) < 0)) {
		buf_printf(why, NULL, "the seed: must be 2 to 64 hex digits\n");
		return -1;
	}
	if (load_config(s, why) < 0)
		return -1;
	return load_plan(s, faults_json, why);
}

int sim_open(const struct sim_paths *p, const char *seed_hex,
	     const char *faults_json, struct sim **out, struct buf *why)
{
	struct sim *s = xcalloc(1, sizeof *s);
	char *state = NULL;
	struct stat st;

	if (setup(s, p, seed_hex, faults_json, why) < 0) {
		sim_close(s);
		return -1;
	}
	state = path_join(s->state, "state.json");
	if (lstat(state, &st) == 0) {
		s->replaying = 1;
		begin(s);
		flush(s, NULL);
		if (resume(s, state) < 0) {
			/* the platform stays up to say so; `state reset` starts
			 * it afresh */
			state_free(s);
			begin(s);
			s->spans.len = s->log.len = s->audit.len = 0;
		}
		s->replaying = 0;
	} else {
		const char *names[] = {"spans.jsonl", "agentd.jsonl", "audit.jsonl"};

		for (size_t i = 0; i < 3; i++) {
			char *f = path_join(s->logs, names[i]);

			unlink(f);
			free(f);
		}
		begin(s);
		if (flush(s, why) < 0) {
			free(state);
			sim_close(s);
			return -1;
		}
	}
	free(state);
	*out = s;
	return 0;
}

int sim_command(struct sim *s, const char *actor, int pid, char *const *argv,
		size_t argc, const struct sim_file *file,
		struct sim_reply *reply)
{
	if (s->damaged[0]) {
		if (argc == 2 && strcmp(argv[0], "state") == 0 && strcmp(argv[1], "reset") == 0) {
			char *state = path_join(s->state, "state.json");

			unlink(state);
			free(state);
			s->damaged[0] = '\0';
			state_free(s);
			begin(s);
			buf_printf(&reply->out, NULL, "the platform starts afresh from its configuration\n");
			audit_add(s, actor, pid, argv, argc, NULL, 0, &reply->out, &reply->err, "");
			return flush(s, &reply->err);
		}
		buf_printf(&reply->err, NULL,
			   "agentctl: the platform's state is damaged: %s\n"
			   "agentctl: hint: `agentctl state reset` starts the platform afresh from its configuration (the audit trail keeps what happened)\n",
			   s->damaged);
		reply->status = 1;
		return 0;
	}
	run_command(s, actor, pid, argv, argc, file, reply);
	return flush(s, &reply->err);
}

void sim_close(struct sim *s)
{
	if (!s)
		return;
	state_free(s);
	for (size_t i = 0; i < s->nmodels; i++) {
		free(s->models[i].hist);
		free(s->models[i].ghist);
		for (size_t k = 0; k < s->models[i].nv; k++)
			free(s->models[i].v[k].id);
		free(s->models[i].v);
		free(s->models[i].id);
	}
	for (size_t i = 0; i < s->ntools; i++) {
		for (size_t k = 0; k < s->tools[i].nad; k++)
			free(s->tools[i].ad[k].version);
		free(s->tools[i].ad);
		free(s->tools[i].ahist);
		free(s->tools[i].id);
	}
	free(s->thist);
	for (size_t i = 0; i < s->nagents; i++) {
		free(s->agents[i].id);
		free(s->agents[i].role);
		free(s->agents[i].tools);
	}
	for (size_t i = 0; i < s->nkinds; i++) {
		free(s->kinds[i].id);
		free(s->kinds[i].role);
	}
	for (size_t i = 0; i < s->nsecrets; i++)
		free(s->secrets[i].id);
	for (size_t i = 0; i < s->nfaults; i++)
		free(s->faults[i].id);
	for (unsigned v = 0; v <= SIM_MAX_POLICIES; v++)
		if (s->pv[v].present)
			pol_release(&s->pv[v].pol);
	free(s->models);
	free(s->tools);
	free(s->agents);
	free(s->kinds);
	free(s->secrets);
	free(s->faults);
	if (s->lua)
		behaviour_close(s->lua);
	buf_release(&s->spans);
	buf_release(&s->log);
	buf_release(&s->audit);
	free(s->config);
	free(s->state);
	free(s->logs);
	free(s->record);
	free(s);
}

int sim_check(const char *config_path, const char *faults_json,
	      struct buf *why)
{
	struct sim *s = xcalloc(1, sizeof *s);
	struct sim_paths p = {.config = config_path, .state = "", .logs = ""};
	size_t before = why->len, n = 0;

	setup(s, &p, NULL, faults_json, why);
	sim_close(s);
	for (size_t i = before; i < why->len; i++)
		n += why->data[i] == '\n';
	return (int)n;
}

int sim_fault_known(const char *kind)
{
	return pf_kind(kind) >= 0;
}

void sim_reply_release(struct sim_reply *r)
{
	buf_release(&r->out);
	buf_release(&r->err);
}
