/* sim_config: the platform as configured: platform.json, the policy
 * versions beside it (policies/vN.json), behaviour.lua, and the fault plan
 * labrun hands over, each checked with every problem named by its file
 * and JSON path.  It loads the model; it does not run it (sim_work.c) or
 * change it (sim_model.c). */
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/err.h"
#include "scenarios/platform/sim_int.h"

/* --- the config ------------------------------------------------------ */

/* Problems go to why as "FILE: $.PATH: what", one per line.  Running out
 * of memory is not one of them: s->nomem says so, and the loaders stop. */
struct cfg {
	struct sim *s;
	const char *file;
	struct buf *why;
	size_t problems;
};

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

static void bad(struct cfg *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bad(struct cfg *c, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (buf_printf(c->why, NULL, "%s: %s\n", c->file, msg) < 0)
		c->s->nomem = 1;
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
		return sim_strdup(c->s, "?");
	}
	return sim_strdup(c->s, json_string_value(v));
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

static void load_models(struct sim *s, struct cfg *c, json_t *root)
{
	static const char *const mkeys[] = {"id", "versions", "active", "gate", NULL};
	static const char *const vkeys[] = {"id", "quality", NULL};
	static const char *const gkeys[] = {"min_quality", NULL};
	json_t *a = list_of(c, root, "$", "models", SIM_MAX_ENTITIES, 1), *m;
	size_t i, k;

	if (!a)
		return;
	s->models = sim_calloc(s, json_array_size(a), sizeof *s->models);
	if (!s->models)
		return;
	json_array_foreach(a, i, m) {
		struct model *md = &s->models[s->nmodels++];
		char path[64];
		json_t *vs, *v, *act;

		if (s->nomem)
			return;
		snprintf(path, sizeof path, "$.models[%zu]", i);
		if (!json_is_object(m)) {
			bad(c, "%s: must be an object", path);
			md->id = sim_strdup(s, "?");
			continue;
		}
		only(c, m, path, mkeys);
		md->id = name(c, m, path, "id");
		vs = list_of(c, m, path, "versions", SIM_MAX_ENTITIES, 1);
		md->v = sim_calloc(s, vs ? json_array_size(vs) : 1, sizeof *md->v);
		if (!md->v)
			return;
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
		if (s->nomem)
			return;
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
	if (s->nomem)
		return;
	for (i = 0; i < s->nmodels; i++)
		for (k = 0; k < i; k++)
			if (strcmp(s->models[i].id, s->models[k].id) == 0)
				bad(c, "$.models[%zu].id: \"%s\" is used twice", i, s->models[i].id);
}

/* A tool's adapter versions and the one in service; none is fine. */
static void load_adapters(struct sim *s, struct cfg *c, json_t *t, const char *path,
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
	tl->ad = sim_calloc(s, json_array_size(as), sizeof *tl->ad);
	if (!tl->ad)
		return;
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
		if (!ad->version)
			return;
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
	s->tools = sim_calloc(s, json_array_size(a), sizeof *s->tools);
	if (!s->tools)
		return;
	json_array_foreach(a, i, t) {
		struct tool *tl = &s->tools[s->ntools++];
		char path[64];

		if (s->nomem)
			return;
		snprintf(path, sizeof path, "$.tools[%zu]", i);
		tl->enabled = 1;
		if (!json_is_object(t)) {
			bad(c, "%s: must be an object", path);
			tl->id = sim_strdup(s, "?");
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
		load_adapters(s, c, t, path, tl, akeys);
	}
	if (s->nomem)
		return;
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
	s->agents = sim_calloc(s, json_array_size(a), sizeof *s->agents);
	if (!s->agents)
		return;
	json_array_foreach(a, i, g) {
		struct agent *ag = &s->agents[s->nagents++];
		char path[64];
		json_t *m, *ts_, *x;

		if (s->nomem)
			return;
		snprintf(path, sizeof path, "$.agents[%zu]", i);
		if (!json_is_object(g)) {
			bad(c, "%s: must be an object", path);
			ag->id = sim_strdup(s, "?");
			ag->role = sim_strdup(s, "?");
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
		ag->tools = sim_calloc(s, ts_ ? json_array_size(ts_) : 1, sizeof *ag->tools);
		if (!ag->tools || s->nomem)
			return;
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
	s->kinds = sim_calloc(s, json_array_size(a), sizeof *s->kinds);
	if (!s->kinds)
		return;
	json_array_foreach(a, i, w) {
		struct kind *kd = &s->kinds[s->nkinds++];
		char path[64];
		json_t *st, *x;

		if (s->nomem)
			return;
		snprintf(path, sizeof path, "$.workload[%zu]", i);
		if (!json_is_object(w)) {
			bad(c, "%s: must be an object", path);
			kd->id = sim_strdup(s, "?");
			kd->role = sim_strdup(s, "?");
			continue;
		}
		only(c, w, path, keys);
		kd->id = name(c, w, path, "id");
		kd->role = name(c, w, path, "role");
		kd->weight = num(c, w, path, "weight", 1, 1000, 1);
		if (s->nomem)
			return;
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
	s->secrets = sim_calloc(s, json_array_size(a), sizeof *s->secrets);
	if (!s->secrets)
		return;
	json_array_foreach(a, i, x) {
		struct secret *sc = &s->secrets[s->nsecrets++];
		char path[64];
		json_t *t;

		if (s->nomem)
			return;
		snprintf(path, sizeof path, "$.secrets[%zu]", i);
		if (!json_is_object(x)) {
			bad(c, "%s: must be an object", path);
			sc->id = sim_strdup(s, "?");
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

/* The directory part of a path, and a path beside it; NULL when out of
 * memory. */
char *sim_beside(struct sim *s, const char *path, const char *name_)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char *out = sim_calloc(s, n + strlen(name_) + 2, 1);

	if (!out)
		return NULL;
	memcpy(out, path, n);
	out[n] = '/';
	memcpy(out + n + 1, name_, strlen(name_) + 1);
	return out;
}

int sim_read_small(const char *path, size_t max, struct buf *out,
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
	char *dir = sim_beside(s, s->config, "policies");
	unsigned missing = 0;

	if (!dir)
		return;
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
		if (sim_read_small(path, SIM_MAX_CONFIG, &text, why, sizeof why) < 0) {
			bad(c, "%s", why);
			continue;
		}
		{
			struct cfg pc = {.s = s, .file = label, .why = c->why};
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

int sim_load_config(struct sim *s, struct buf *why)
{
	static const char *const keys[] = {
		"platform", "start", "history_s", "task_interval_s", "command_s",
		"review_s", "retry_s", "max_attempts", "models", "tools", "agents",
		"workload", "policy", "secrets", "behaviour", "auto_approve_below",
		NULL};
	struct cfg c = {.s = s, .file = s->config, .why = why};
	struct buf text = BUF_INIT;
	char err[1100];
	json_error_t je;
	json_t *root, *v;

	if (sim_read_small(s->config, SIM_MAX_CONFIG, &text, err, sizeof err) < 0) {
		bad(&c, "%s", err);
		return -1;
	}
	root = json_loadb((char *)text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	buf_release(&text);
	if (!root && json_error_code(&je) == json_error_out_of_memory)
		s->nomem = 1;
	else if (!root)
		bad(&c, "line %d column %d: %s", je.line, je.column, je.text);
	if (!root)
		return -1;
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
	/* each loader finds the entities of the ones before it by name */
	load_models(s, &c, root);
	if (!s->nomem)
		load_tools(s, &c, root);
	if (!s->nomem)
		load_agents(s, &c, root);
	if (!s->nomem)
		load_workload(s, &c, root);
	if (!s->nomem)
		load_secrets(s, &c, root);
	if (!s->nomem)
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
			char *path = sim_beside(s, s->config, json_string_value(v));
			char berr[1100] = "";

			s->lua = path ? behaviour_open(path, berr, sizeof berr) : NULL;
			if (path && !s->lua)
				bad(&c, "$.behaviour: %s", berr);
			free(path);
		}
	}
	json_decref(root);
	return c.problems || s->nomem ? -1 : 0;
}

/* --- the fault plan -------------------------------------------------- */

const char *const sim_pf_names[PF_COUNT] = {
	"platform.policy_deploy", "platform.tool_outage", "platform.tool_slow",
	"platform.model_drift", "platform.duplicate_delivery",
	"platform.span_loss", "platform.clock_skew", "platform.secret_leak",
	"platform.approval_stuck", "platform.agent_loop", "platform.gate_open",
	"platform.threshold_change", "platform.adapter_upgrade",
};

int sim_pf_kind(const char *k)
{
	for (size_t i = 0; i < PF_COUNT; i++)
		if (strcmp(sim_pf_names[i], k) == 0)
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
	s->faults = sim_calloc(s, json_array_size(plan), sizeof *s->faults);
	if (!s->faults)
		return;
	json_array_foreach(plan, i, f) {
		struct pfault *pf = &s->faults[s->nfaults];
		char path[64];
		json_t *k, *v;
		int kind;

		if (s->nomem)
			return;
		snprintf(path, sizeof path, "$[%zu]", i);
		if (!json_is_object(f)) {
			bad(c, "%s: must be an object", path);
			continue;
		}
		only(c, f, path, keys);
		k = json_object_get(f, "kind");
		kind = json_is_string(k) ? sim_pf_kind(json_string_value(k)) : -1;
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
		if (s->nomem)
			return;
		for (size_t k2 = 0; k2 + 1 < s->nfaults; k2++)
			if (strcmp(s->faults[k2].id, pf->id) == 0)
				bad(c, "%s.id: \"%s\" is used twice", path, pf->id);
	}
}

int sim_load_plan(struct sim *s, const char *faults_json, struct buf *why)
{
	struct cfg c = {.s = s, .file = "the platform fault plan", .why = why};
	json_error_t je;
	json_t *plan;

	if (!faults_json || !faults_json[0])
		return 0;
	plan = json_loads(faults_json, JSON_REJECT_DUPLICATES, &je);
	if (!plan && json_error_code(&je) == json_error_out_of_memory)
		s->nomem = 1;
	else if (!plan)
		bad(&c, "line %d column %d: %s", je.line, je.column, je.text);
	if (!plan)
		return -1;
	load_faults(s, &c, plan);
	json_decref(plan);
	return c.problems || s->nomem ? -1 : 0;
}
