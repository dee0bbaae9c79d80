/* sim_model: the platform's model as it changes: what operators and the
 * platform's own pipeline put in force (policy versions, model versions,
 * evaluation gates, the approval threshold, tool adapters, reverted side
 * effects), each with a span later spans link to and an entry in its
 * history; and the platform faults taking effect.  It does not decide
 * when: the workload's events and the commands call it. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/platform/sim_int.h"

/* --- the policy engine's history -------------------------------------- */

static void history_add(struct sim *s, unsigned version, const char *by,
			const char *how)
{
	if (GROW(s, s->hist, s->nhist) < 0)
		return;
	s->hist[s->nhist].version = version;
	s->hist[s->nhist].t_ms = s->now_ms;
	snprintf(s->hist[s->nhist].by, sizeof s->hist[0].by, "%s", by);
	snprintf(s->hist[s->nhist].how, sizeof s->hist[0].how, "%s", how);
	s->nhist++;
}

/* Put a version in force: a span of its own (decisions link to it), a
 * log line and a history entry.  parent: the operator command's span, or
 * NULL for a deployment by the platform's pipeline. */
void sim_policy_activate(struct sim *s, unsigned v, const char *by,
			 const char *how, const struct span *parent)
{
	struct span sp;
	char ver[16];

	sim_span_begin(s, &sp, parent ? parent->trace : NULL,
		       parent ? parent->id : NULL, "policy.activate", s->now_ms);
	sim_attr_s(&sp, "component", "policy");
	sim_attr_i(&sp, "policy.version", v);
	sim_attr_i(&sp, "policy.previous_version", s->active);
	sim_attr_s(&sp, "deploy.by", by);
	sim_attr_s(&sp, "deploy.how", how);
	snprintf(s->pv[v].trace, sizeof s->pv[v].trace, "%s", sp.trace);
	snprintf(s->pv[v].span, sizeof s->pv[v].span, "%s", sp.id);
	sim_span_end(s, &sp, s->now_ms + 40, 1, NULL, 0);
	snprintf(ver, sizeof ver, "%u", v);
	sim_slog(s, s->now_ms, "info", "policy", "policy version activated",
		 "policy_version", ver, "by", by, "how", how, "trace_id", sp.trace,
		 NULL);
	s->active = v;
	history_add(s, v, by, how);
	sim_metricf(s, 1, "agentd_policy_activations_total{by=\"%s\"}", by);
}

/* --- changes that later spans link to ---------------------------------- */

static void hist_push(struct sim *s, struct hentry **h, size_t *n,
		      int64_t t_ms, const char *by, const char *how,
		      const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static void hist_push(struct sim *s, struct hentry **h, size_t *n,
		      int64_t t_ms, const char *by, const char *how,
		      const char *fmt, ...)
{
	struct hentry *e;
	va_list ap;

	if (GROW(s, *h, *n) < 0)
		return;
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
	sim_span_begin(s, sp, parent ? parent->trace : NULL,
		       parent ? parent->id : NULL, name_, s->now_ms);
}

static void change_end(struct sim *s, struct span *sp, const char *by,
		       const char *how, struct change *keep, int ok,
		       const char *why)
{
	sim_attr_s(sp, "deploy.by", by);
	sim_attr_s(sp, "deploy.how", how);
	if (keep) {
		snprintf(keep->trace, sizeof keep->trace, "%s", sp->trace);
		snprintf(keep->span, sizeof keep->span, "%s", sp->id);
	}
	sim_span_end(s, sp, s->now_ms + 20, ok, why, 0);
}

/* Put version v of model m in service (the caller moves active and
 * before).  A provider's upgrade (how "upgrade") must pass the model's
 * evaluation gate: 0 when it blocked the version.  An operator's pin or
 * rollback is the operator's decision and passes. */
int sim_model_promote(struct sim *s, struct model *m, size_t v,
		      const char *by, const char *how,
		      const struct span *parent)
{
	int upgrade = strcmp(how, "upgrade") == 0;
	int pass = !m->gated || !upgrade || m->v[v].quality >= m->min_quality;
	char q[16];
	struct span sp;

	change_begin(s, &sp, "model.promote", parent);
	sim_attr_s(&sp, "model.name", m->id);
	sim_attr_s(&sp, "model.version", m->v[v].id);
	sim_attr_s(&sp, "model.previous_version", m->v[m->active].id);
	sim_attr_i(&sp, "model.quality", m->v[v].quality);
	if (m->gated) {
		sim_attr_i(&sp, "gate.min_quality", m->min_quality);
		sim_attr_s(&sp, "gate.decision", !upgrade ? "operator" : pass ? "pass" : "blocked");
		sim_span_link(&sp, m->gate.trace, m->gate.span);
	}
	change_end(s, &sp, by, how, pass ? &m->promoted : NULL, pass,
		   "blocked by the evaluation gate");
	snprintf(q, sizeof q, "%u", m->v[v].quality);
	if (!pass) {
		sim_slog(s, s->now_ms, "warn", "models", "new model version blocked by the evaluation gate",
			 "model", m->id, "version", m->v[v].id, "quality", q,
			 "trace_id", sp.trace, NULL);
		sim_metricf(s, 1, "agentd_model_promotions_total{model=\"%s\",outcome=\"blocked\"}", m->id);
		return 0;
	}
	hist_push(s, &m->hist, &m->nhist, s->now_ms, by, how, "%s", m->v[v].id);
	sim_metricf(s, 1, "agentd_model_promotions_total{model=\"%s\",outcome=\"promoted\"}", m->id);
	return 1;
}

void sim_gate_set(struct sim *s, struct model *m, unsigned v,
		  const char *by, const char *how, const struct span *parent)
{
	struct span sp;
	char val[16], was[16];

	change_begin(s, &sp, "model.gate", parent);
	sim_attr_s(&sp, "model.name", m->id);
	sim_attr_i(&sp, "gate.min_quality", v);
	sim_attr_i(&sp, "gate.previous_min_quality", m->gated ? m->min_quality : 0);
	change_end(s, &sp, by, how, &m->gate, 1, NULL);
	snprintf(val, sizeof val, "%u", v);
	snprintf(was, sizeof was, "%u", m->gated ? m->min_quality : 0);
	sim_slog(s, s->now_ms, v < m->min_quality ? "warn" : "info", "models",
		 "evaluation gate changed", "model", m->id, "min_quality", val,
		 "previous", was, "by", by, "trace_id", sp.trace, NULL);
	m->gated = 1;
	m->min_quality = v;
	hist_push(s, &m->ghist, &m->nghist, s->now_ms, by, how, "%u", v);
}

void sim_threshold_set(struct sim *s, unsigned v, const char *by,
		       const char *how, const struct span *parent)
{
	struct span sp;
	char val[16], was[16];

	change_begin(s, &sp, "approvals.threshold", parent);
	sim_attr_i(&sp, "approval.auto_approve_below", v);
	sim_attr_i(&sp, "approval.previous_auto_approve_below", s->auto_below);
	change_end(s, &sp, by, how, &s->threshold, 1, NULL);
	snprintf(val, sizeof val, "%u", v);
	snprintf(was, sizeof was, "%u", s->auto_below);
	sim_slog(s, s->now_ms, "info", "approvals", "auto-approval threshold changed",
		 "auto_approve_below", val, "previous", was, "by", by,
		 "trace_id", sp.trace, NULL);
	s->auto_below = v;
	hist_push(s, &s->thist, &s->nthist, s->now_ms, by, how, "%u", v);
}

/* Adapter a of tool t: in service (how "upgrade", "apply", "rollback")
 * or, with pct, as the canary taking pct percent of the calls. */
void sim_adapter_set(struct sim *s, struct tool *t, size_t a,
		     unsigned pct, const char *by, const char *how,
		     const struct span *parent)
{
	int canary = strcmp(how, "canary") == 0;
	struct span sp;

	change_begin(s, &sp, "tool.adapter", parent);
	sim_attr_s(&sp, "tool.name", t->id);
	sim_attr_s(&sp, "adapter.version", t->ad[a].version);
	sim_attr_s(&sp, "adapter.previous_version", t->ad[t->adapter].version);
	if (canary)
		sim_attr_i(&sp, "adapter.canary_percent", pct);
	change_end(s, &sp, by, how, !canary || pct ? &t->ad[a].put : NULL, 1, NULL);
	if (canary) {
		t->canary = pct ? a + 1 : 0;
		t->canary_pct = pct;
		if (pct)
			hist_push(s, &t->ahist, &t->nahist, s->now_ms, by, how,
				  "%s canary %u%%", t->ad[a].version, pct);
		else
			hist_push(s, &t->ahist, &t->nahist, s->now_ms, by, how,
				  "%s canary ended", t->ad[a].version);
	} else {
		if (a != t->adapter)
			t->adapter_before = t->adapter;
		t->adapter = a;
		t->canary = 0;
		t->canary_pct = 0;
		hist_push(s, &t->ahist, &t->nahist, s->now_ms, by, how, "%s", t->ad[a].version);
	}
	sim_slog(s, s->now_ms, "info", "gateway", canary ? "adapter canary changed" : "tool adapter changed",
		 "tool", t->id, "adapter", t->ad[a].version, "how", how, "by", by,
		 "trace_id", sp.trace, NULL);
}

void sim_task_name(unsigned id, char out[16])
{
	snprintf(out, 16, "task-%05u", id);
}

void sim_effect_name(unsigned id, char out[16])
{
	snprintf(out, 16, "eff-%04u", id);
}

/* A compensating action for a side effect: recorded, never erased. */
void sim_effect_revert(struct sim *s, struct effect *e, const char *by,
		       const struct span *parent)
{
	char id[16], tk[16], of[16];
	struct span sp;

	sim_effect_name(e->id, id);
	sim_task_name(e->task, tk);
	change_begin(s, &sp, "effect.revert", parent);
	sim_attr_s(&sp, "effect.id", id);
	sim_attr_s(&sp, "tool.name", s->tools[e->tool].id);
	sim_attr_s(&sp, "task.id", tk);
	if (e->dup_of) {
		sim_effect_name(e->dup_of, of);
		sim_attr_s(&sp, "effect.duplicate_of", of);
	}
	change_end(s, &sp, by, "revert", NULL, 1, NULL);
	e->reverted = 1;
	e->reverted_ms = s->now_ms;
	snprintf(e->by, sizeof e->by, "%s", by);
	sim_slog(s, s->now_ms, "info", s->tools[e->tool].id, "side effect reverted (compensating action)",
		 "effect", id, "task", tk, "by", by, "trace_id", sp.trace, NULL);
	sim_metricf(s, 1, "agentd_side_effects_reverted_total{tool=\"%s\"}", s->tools[e->tool].id);
}

/* The changeable parts of the model back to the configuration, with a
 * first history entry each ("config"): the start of sim_begin(). */
void sim_reset_changes(struct sim *s)
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
		hist_push(s, &m->hist, &m->nhist, s->start_ms, "config", "config", "%s", m->v[m->active].id);
		if (m->gated)
			hist_push(s, &m->ghist, &m->nghist, s->start_ms, "config", "config", "%u", m->min_quality);
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
			hist_push(s, &t->ahist, &t->nahist, s->start_ms, "config", "config", "%s",
				  t->ad[t->adapter].version);
	}
	free(s->thist);
	s->thist = NULL;
	s->nthist = 0;
	s->auto_below = s->auto_below_cfg;
	memset(&s->threshold, 0, sizeof s->threshold);
	hist_push(s, &s->thist, &s->nthist, s->start_ms, "config", "config", "%u", s->auto_below);
}

/* --- faults taking effect --------------------------------------------- */

void sim_fault_on(struct sim *s, struct pfault *f)
{
	char when[32];

	f->fired = 1;
	f->fired_ms = s->now_ms;
	sim_ts(s->now_ms, when);
	switch (f->kind) {
	case PF_POLICY_DEPLOY:
		sim_policy_activate(s, f->version, "ci", "deploy", NULL);
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

		if (!m->pinned && sim_model_promote(s, m, f->mversion, "provider", "upgrade", NULL)) {
			m->before = m->active;
			m->active = f->mversion;
			sim_slog(s, s->now_ms, "info", "models", "model version upgraded by the provider",
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
		sim_attr_s(&sp, "tool.name", t->id);
		sim_attr_s(&sp, "adapter.version", "2.4.0");
		sim_attr_s(&sp, "adapter.idempotency_keys", "not sent");
		change_end(s, &sp, "ci", "upgrade", &t->keys_dropped, 1, NULL);
		sim_slog(s, s->now_ms, "info", "gateway", "tool adapter upgraded",
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
		sim_slog(s, s->now_ms, "info", "gateway", "debug logging enabled",
			 "tool", s->tools[s->secrets[f->target].tool].id, NULL);
		break;
	case PF_APPROVAL_STUCK:
		s->reviewer_stuck = 1;
		sim_slog(s, s->now_ms, "warn", "approvals", "reviewer worker lost its connection to the review desk; retrying",
			 NULL);
		break;
	case PF_AGENT_LOOP:
		s->agents[f->target].looping = 1;
		break;
	case PF_GATE_OPEN:
		sim_gate_set(s, &s->models[f->target], f->value, "ci", "deploy", NULL);
		f->count++;
		break;
	case PF_THRESHOLD:
		sim_threshold_set(s, f->value, "ci", "deploy", NULL);
		break;
	case PF_ADAPTER_UPGRADE:
		sim_adapter_set(s, &s->tools[f->target], f->mversion, 0, "ci", "upgrade", NULL);
		break;
	}
}

void sim_fault_off(struct sim *s, struct pfault *f)
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

void sim_fault_count(struct sim *s, enum pf_kind kind, size_t target)
{
	for (size_t i = 0; i < s->nfaults; i++)
		if (s->faults[i].kind == kind && s->faults[i].fired &&
		    s->faults[i].target == target)
			s->faults[i].count++;
}
