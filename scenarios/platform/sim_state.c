/* sim_state: the platform's files and how a state comes back.  The logs
 * (spans.jsonl, agentd.jsonl, audit.jsonl) are appended, metrics.prom,
 * state.json and the fault record written whole, after each command; the
 * state's journal of operator commands is what a restarted agentd replays
 * (sim_resume, writing nothing) to stand where it was.  It does not run
 * commands itself (sim_cmd.c) or decide what they do, and it does not
 * keep the journal or the audit trail as commands run (sim_journal.c). */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "scenarios/platform/sim_int.h"

/* --- files ------------------------------------------------------------ */

/* The state as graders and operators read it, and the journal that
 * rebuilds it. */
static json_t *hist_json(struct sim *s, const struct hentry *h, size_t n, const char *key)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		sim_push(s, a, json_pack("{s:s,s:o,s:s,s:s}", key, h[i].what,
			"at", sim_jts(h[i].t_ms), "by", h[i].by, "how", h[i].how));
	return a;
}

/* The journal: the commands that rebuild the state.  An entry that could
 * not be made would make a replay go elsewhere: that is out of memory,
 * never a shorter journal. */
static json_t *journal_json(struct sim *s)
{
	json_t *a = json_array(), *x;

	for (size_t i = 0; a && i < s->njournal; i++) {
		struct jentry *j = &s->journal[i];
		json_t *argv = json_array();

		for (size_t k = 0; k < j->argc; k++)
			sim_push_str(s, argv, j->argv[k]);
		x = json_pack("{s:s,s:o}", "actor", j->actor, "argv", argv);
		if (j->fname)
			sim_set(s, x, "file", json_pack("{s:s,s:s%}", "name", j->fname,
				"data", j->fdata, j->flen));
		sim_push(s, a, x);
	}
	return a;
}

static json_t *state_json(struct sim *s)
{
	json_t *o = json_object(), *a, *x;
	char seed[65];

	hex_encode(s->seed, sizeof s->seed, seed);
	sim_set_str(s, o, "platform", SIM_PLATFORM);
	sim_set_str(s, o, "seed", seed);
	sim_set(s, o, "clock", sim_jts(s->now_ms));
	sim_set(s, o, "clock_unix_nano", json_integer(s->now_ms * 1000000));
	x = json_object();
	sim_set(s, x, "active", json_integer(s->active));
	a = json_array();
	for (unsigned v = 1; v <= s->maxver; v++)
		if (s->pv[v].present)
			sim_push(s, a, json_integer(v));
	sim_set(s, x, "versions", a);
	a = json_array();
	for (size_t i = 0; i < s->nhist; i++)
		sim_push(s, a, json_pack("{s:i,s:o,s:s,s:s}", "version",
			(json_int_t)s->hist[i].version, "at", sim_jts(s->hist[i].t_ms),
			"by", s->hist[i].by, "how", s->hist[i].how));
	sim_set(s, x, "history", a);
	sim_set(s, o, "policy", x);
	a = json_array();
	for (size_t i = 0; i < s->nagents; i++) {
		struct agent *g = &s->agents[i];

		x = json_pack("{s:s,s:s,s:s,s:s}", "id", g->id, "role", g->role,
			      "model", s->models[g->model].id, "status",
			      g->quarantined ? "quarantined" : "active");
		if (g->quarantined) {
			sim_set(s, x, "quarantined_at", sim_jts(g->quarantined_ms));
			sim_set_str(s, x, "reason", g->reason);
		}
		sim_push(s, a, x);
	}
	sim_set(s, o, "agents", a);
	a = json_array();
	for (size_t i = 0; i < s->nmodels; i++)
	{
		struct model *m = &s->models[i];
		json_t *vs = json_array();

		for (size_t k = 0; k < m->nv; k++)
			sim_push(s, vs, json_pack("{s:s,s:i}", "id", m->v[k].id,
				"quality", (int)m->v[k].quality));
		x = json_pack("{s:s,s:s,s:b,s:o,s:o}", "id", m->id, "active", m->v[m->active].id,
			      "pinned", m->pinned, "versions", vs,
			      "history", hist_json(s, m->hist, m->nhist, "version"));
		if (m->gated)
			sim_set(s, x, "gate", json_pack("{s:i,s:o}", "min_quality",
				(int)m->min_quality, "history",
				hist_json(s, m->ghist, m->nghist, "min_quality")));
		sim_push(s, a, x);
	}
	sim_set(s, o, "models", a);
	a = json_array();
	for (size_t i = 0; i < s->ntools; i++) {
		struct tool *t = &s->tools[i];

		x = json_pack("{s:s,s:b,s:b,s:b,s:i}", "id", t->id,
			"enabled", t->enabled, "idempotency", t->side_effect && t->idempotency,
			"debug_headers", t->debug_headers, "risk", (int)t->risk);
		if (t->nad) {
			json_t *ads = json_array();

			for (size_t k = 0; k < t->nad; k++)
				sim_push(s, ads, json_pack("{s:s,s:i,s:i}", "version",
					t->ad[k].version, "calls_ok", (int)t->ad[k].ok,
					"calls_failed", (int)t->ad[k].failed));
			sim_set_str(s, x, "adapter", t->ad[t->adapter].version);
			sim_set(s, x, "canary", t->canary ?
				json_pack("{s:s,s:i}", "version", t->ad[t->canary - 1].version,
					  "percent", (int)t->canary_pct) : json_null());
			sim_set(s, x, "adapters", ads);
			sim_set(s, x, "adapter_history", hist_json(s, t->ahist, t->nahist, "adapter"));
		}
		sim_push(s, a, x);
	}
	sim_set(s, o, "tools", a);
	sim_set(s, o, "exporter", json_pack("{s:b,s:I,s:I}", "healthy", !s->drop_pm,
		"exported", (json_int_t)s->exported, "dropped", (json_int_t)s->dropped));
	a = json_array();
	for (size_t i = 0; i < s->nappr; i++) {
		struct approval *p = &s->appr[i];
		char id[16], tk[16];

		snprintf(id, sizeof id, "apr-%04u", p->id);
		sim_task_name(p->task, tk);
		x = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:i,s:b,s:b}", "id", id, "task", tk,
			      "tool", s->tools[p->tool].id, "rule", p->rule, "state",
			      sim_appr_states[p->state], "requested", sim_jts(p->requested_ms),
			      "risk", (int)p->risk, "auto", p->auto_,
			      "reviewed", p->reviewed);
		if (p->state != A_PENDING) {
			sim_set(s, x, "decided", sim_jts(p->decided_ms));
			sim_set_str(s, x, "by", p->by);
		}
		sim_push(s, a, x);
	}
	sim_set(s, o, "approvals", json_pack("{s:s,s:i,s:o,s:o}", "reviewer",
		s->reviewer_stuck ? "stuck" : "running", "auto_approve_below",
		(int)s->auto_below, "threshold_history",
		hist_json(s, s->thist, s->nthist, "auto_approve_below"), "items", a));
	a = json_array();
	for (size_t i = 0; i < s->ntasks; i++) {
		struct task *t = &s->tasks[i];
		char id[16];

		sim_task_name(t->id, id);
		x = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:o,s:o}", "id", id, "kind",
			      s->kinds[t->kind].id, "agent", s->agents[t->agent].id,
			      "state", sim_task_states[t->state], "attempts", (json_int_t)t->attempts,
			      "trace_id", t->trace, "created", sim_jts(t->created_ms),
			      "updated", sim_jts(t->updated_ms));
		if (t->error[0] && t->state != T_DONE)
			sim_set_str(s, x, "error", t->error);
		sim_push(s, a, x);
	}
	sim_set(s, o, "tasks", a);
	a = json_array();
	for (size_t i = 0; i < s->neffects; i++) {
		struct effect *e = &s->effects[i];
		char tk[16], id[16], of[16];

		sim_task_name(e->task, tk);
		sim_effect_name(e->id, id);
		x = json_pack("{s:s,s:s,s:s,s:i,s:i,s:s,s:b,s:o,s:b,s:s}", "id", id, "task", tk,
			"tool", s->tools[e->tool].id, "step", (int)(e->step + 1),
			"attempt", (int)e->attempt, "key", e->key, "key_sent", e->keyed,
			"at", sim_jts(e->t_ms), "duplicate", e->duplicate,
			"state", e->reverted ? "reverted" : "applied");
		if (e->dup_of) {
			sim_effect_name(e->dup_of, of);
			sim_set_str(s, x, "duplicate_of", of);
		}
		if (e->reverted) {
			sim_set(s, x, "reverted_at", sim_jts(e->reverted_ms));
			sim_set_str(s, x, "reverted_by", e->by);
		}
		sim_push(s, a, x);
	}
	sim_set(s, o, "effects", a);
	a = json_array();
	for (size_t i = 0; i < s->nsecrets; i++) {
		x = json_pack("{s:s,s:s,s:i}", "id", s->secrets[i].id, "tool",
			      s->tools[s->secrets[i].tool].id, "rotations",
			      (json_int_t)s->secrets[i].rotations);
		if (s->secrets[i].rotations)
			sim_set(s, x, "rotated", sim_jts(s->secrets[i].rotated_ms));
		sim_push(s, a, x);
	}
	sim_set(s, o, "secrets", a);
	sim_set(s, o, "journal", journal_json(s));
	return o;
}

static json_t *record_json(struct sim *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->nfaults; i++) {
		struct pfault *f = &s->faults[i];
		json_t *o = json_pack("{s:s,s:s,s:b,s:i}", "id", f->id, "kind",
				      sim_pf_names[f->kind], "fired", f->fired,
				      "count", (json_int_t)f->count);

		if (f->fired) {
			sim_set(s, o, "at", sim_jts(f->fired_ms));
			sim_set(s, o, "at_s", json_integer((f->fired_ms - s->start_ms) / 1000));
		}
		sim_push(s, a, o);
	}
	return a;
}

/* o as the text of a file (takes o); NULL, and s->nomem, when it cannot
 * be made. */
static char *dump(struct sim *s, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_INDENT(1)) : NULL;

	json_decref(o);
	if (!text)
		s->nomem = 1;
	return text;
}

static int save(const char *dir, const char *name, const char *text,
		size_t len, mode_t mode, struct buf *err)
{
	char path[PATH_MAX];
	struct err e = {0};

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (write_file_atomic(path, text, len, mode, &e) < 0) {
		buf_printf(err, NULL, "agentd: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* Everything a command changed, on disk: the logs first, the state last
 * (a state that names a span is never ahead of the spans).  The files'
 * contents are made first: out of memory (-1 and s->nomem, no message:
 * the caller says it), no file is touched. */
int sim_flush(struct sim *s, struct buf *err)
{
	struct ctx x = {.s = s};
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	char *record = NULL, *state = NULL;
	int rc = 0;

	if (s->replaying) {
		s->spans.len = s->log.len = s->audit.len = 0;
		return 0;
	}
	x.r = &r;
	sim_cmd_metrics(&x);
	if (s->record)
		record = dump(s, record_json(s));
	state = dump(s, state_json(s));
	if (s->nomem) {
		rc = -1;
		goto out;
	}
	rc |= sim_append(s->logs, "spans.jsonl", &s->spans, err);
	rc |= sim_append(s->logs, "agentd.jsonl", &s->log, err);
	rc |= sim_append(s->logs, "audit.jsonl", &s->audit, err);
	rc |= save(s->state, "metrics.prom", (char *)r.out.data, r.out.len, 0644, err);
	if (s->record && mkdir(s->record, 0700) < 0 && errno != EEXIST) {
		buf_printf(err, NULL, "agentd: %s: %s\n", s->record, strerror(errno));
		rc = -1;
	} else if (s->record) {
		rc |= save(s->record, "faults.json", record, strlen(record), 0600, err);
	}
	rc |= save(s->state, "state.json", state, strlen(state), 0644, err);
out:
	free(state);
	free(record);
	sim_reply_release(&r);
	return rc ? -1 : 0;
}

/* --- a state afresh, and the replay ------------------------------------ */

void sim_state_free(struct sim *s)
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
void sim_begin(struct sim *s)
{
	sim_seed_rng(s);
	s->now_ms = s->start_ms;
	s->batch_ms = s->start_ms;
	s->seq = 0;
	sim_reset_changes(s);
	for (size_t i = 0; i < s->nsecrets; i++) {
		memcpy(s->secrets[i].value, "sk-live-", 8);
		sim_new_id(s, s->secrets[i].value + 8, 12);
	}
	/* the version in force at the start, deployed like any other, so that
	 * every decision links to the activation behind it */
	sim_policy_activate(s, s->active, "ci", "deploy", NULL);
	for (size_t i = 0; i < s->nfaults; i++) {
		sim_schedule(s, s->start_ms + s->faults[i].at_ms, EV_FAULT_ON, (unsigned)i);
		if (s->faults[i].until_ms)
			sim_schedule(s, s->start_ms + s->faults[i].until_ms, EV_FAULT_OFF, (unsigned)i);
	}
	sim_schedule(s, s->start_ms + sim_rnd_below(s, s->interval_s * 1000), EV_ARRIVAL, 0);
	sim_advance(s, s->start_ms + (int64_t)s->history_s * 1000);
}

/* Read state.json's journal and replay it; -1 (and s->damaged) when the
 * file cannot be used, or (s->nomem) when memory ran out. */
int sim_resume(struct sim *s, const char *path)
{
	struct buf text = BUF_INIT;
	char why[1100], seed[65];
	json_error_t je;
	json_t *root, *j, *e;
	size_t i;
	int rc = -1;

	if (sim_read_small(path, SIM_MAX_STATE, &text, why, sizeof why) < 0) {
		snprintf(s->damaged, sizeof s->damaged, "%s", why);
		return -1;
	}
	root = json_loadb((char *)text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	buf_release(&text);
	if (!root && json_error_code(&je) == json_error_out_of_memory) {
		s->nomem = 1; /* not damage: the file may be fine */
		return -1;
	}
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
			json_loads(json_string_value(json_object_get(f, "data")), 0, &je) : NULL;
		json_int_t v = json_integer_value(json_object_get(doc, "version"));

		if (!doc && json_is_string(json_object_get(f, "data")) &&
		    json_error_code(&je) == json_error_out_of_memory) {
			s->nomem = 1;
			goto out;
		}

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
		sim_run_command(s, json_string_value(json_object_get(e, "actor")), 0, words, n,
				f ? &file : NULL, &r);
		sim_reply_release(&r);
		sim_flush(s, NULL);
		if (s->nomem)
			goto out; /* not damage: the caller says what it is */
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

