/* sim_work: the workload: a heap of events on the platform's own clock,
 * tasks arriving and running step by step (the model plans a call, the
 * policy decides, an approval may be asked for, the tool is called with
 * its retries and side effects), and the exporter's batches.  Operator
 * commands move the clock with sim_advance; nothing here reads the wall
 * clock. */
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/platform/sim_int.h"

const char *const sim_task_states[] = {
	"queued", "running", "awaiting_approval", "retry_wait", "done",
	"failed", "cancelled",
};
const char *const sim_appr_states[] = {"pending", "approved", "rejected"};

/* --- events ---------------------------------------------------------- */

static int ev_before(const struct event *a, const struct event *b)
{
	return a->t_ms < b->t_ms || (a->t_ms == b->t_ms && a->seq < b->seq);
}

/* A binary heap on (time, order of scheduling). */
void sim_schedule(struct sim *s, int64_t t_ms, enum ev_type type,
		  unsigned arg)
{
	size_t i;

	if (s->nev >= SIM_MAX_EVENTS)
		return; /* a runaway stops here; the metric says so */
	if (GROW(s, s->ev, s->nev) < 0)
		return;
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

/* --- the workload ----------------------------------------------------- */

struct task *sim_task_by_id(struct sim *s, unsigned id)
{
	return id >= 1 && id <= s->ntasks ? &s->tasks[id - 1] : NULL;
}

void sim_task_set(struct sim *s, struct task *t, enum task_state st,
		  const char *error)
{
	t->state = st;
	t->updated_ms = s->now_ms;
	if (error)
		snprintf(t->error, sizeof t->error, "%s", error);
	if (st == T_DONE || st == T_FAILED || st == T_CANCELLED)
		sim_metricf(s, 1, "agentd_tasks_total{kind=\"%s\",state=\"%s\"}",
			    s->kinds[t->kind].id, sim_task_states[st]);
}

/* Run the task at t_ms.  Only the run scheduled last counts: a task
 * cancelled while a retry was pending and then retried by the operator
 * must not run twice (sim_advance drops the older event). */
void sim_task_run_at(struct sim *s, struct task *t, int64_t t_ms)
{
	t->run_seq = s->seq;
	sim_schedule(s, t_ms, EV_RUN, t->id);
}

/* The agent for a task of kind k: active agents of its role, in turn. */
static size_t pick_agent(struct sim *s, size_t k)
{
	size_t cand[SIM_MAX_ENTITIES], n = 0;

	for (size_t i = 0; i < s->nagents; i++)
		if (!s->agents[i].quarantined &&
		    strcmp(s->agents[i].role, s->kinds[k].role) == 0)
			cand[n++] = i;
	return n ? cand[sim_rnd_below(s, (unsigned)n)] : SIZE_MAX;
}

static void arrival(struct sim *s)
{
	unsigned total = 0, pick;
	size_t k = 0, a;
	struct task *t = NULL;
	char id[16];

	for (size_t i = 0; i < s->nkinds; i++)
		total += s->kinds[i].weight;
	pick = sim_rnd_below(s, total);
	while (pick >= s->kinds[k].weight)
		pick -= s->kinds[k++].weight;
	/* the next one, with jitter of up to a fifth of the interval */
	sim_schedule(s, s->now_ms + (int64_t)s->interval_s * 1000 +
			    sim_rnd_below(s, s->interval_s * 200 + 1),
		 EV_ARRIVAL, 0);
	if (s->ntasks >= SIM_MAX_TASKS) {
		sim_metric_add(s, "agentd_tasks_rejected_total", 1);
		return;
	}
	a = pick_agent(s, k);
	if (GROW(s, s->tasks, s->ntasks) < 0)
		return;
	t = &s->tasks[s->ntasks];
	memset(t, 0, sizeof *t);
	t->id = (unsigned)++s->ntasks;
	t->kind = k;
	t->created_ms = t->updated_ms = s->now_ms;
	sim_new_id(s, t->trace, 16);
	sim_task_name(t->id, id);
	if (a == SIZE_MAX) {
		t->agent = 0;
		sim_task_set(s, t, T_FAILED, "no active agent has the role");
		sim_slog(s, s->now_ms, "error", "scheduler", "no active agent for the task",
			 "task", id, "role", s->kinds[k].role, NULL);
		return;
	}
	t->agent = a;
	t->state = T_QUEUED;
	sim_task_run_at(s, t, s->now_ms);
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

	sim_task_name(t->id, tname);
	if (tl->side_effect)
		snprintf(key, sizeof key, "%s-s%zu", tname, t->step + 1);
	/* the adapter serving this call: the canary takes its share */
	if (tl->nad) {
		size_t a = tl->adapter;

		if (tl->canary && sim_rnd_below(s, 100) < tl->canary_pct) {
			a = tl->canary - 1;
			canary = 1;
		}
		ad = &tl->ad[a];
		base_ms = ad->latency_ms;
		fail_pm = ad->failure_pm;
	}
	keyed = tl->idempotency && !(ad && ad->drops_keys);
	for (unsigned attempt = 1; attempt <= tl->retries + 1 && !ok; attempt++) {
		unsigned latency = base_ms / 2 + sim_rnd_below(s, base_ms + 1) +
				   tl->slow_ms;
		int applied = 0, lost = 0, dup = 0;
		struct bh_call hook = {0};
		struct span sp;

		err[0] = '\0';
		sim_span_begin(s, &sp, run->trace, run->id, "tool.call", *c);
		sim_attr_s(&sp, "agent.id", ag->id);
		sim_attr_s(&sp, "tool.name", tl->id);
		sim_attr_i(&sp, "tool.attempt", attempt);
		if (key[0] && keyed)
			sim_attr_s(&sp, "idempotency_key", key);
		if (ad) {
			sim_attr_s(&sp, "adapter.version", ad->version);
			if (canary)
				sim_attr_s(&sp, "adapter.canary", "true");
			sim_span_link(&sp, ad->put.trace, ad->put.span);
		} else if (!keyed && key[0]) {
			sim_span_link(&sp, tl->keys_dropped.trace, tl->keys_dropped.span);
		}
		if (s->lua) {
			hook.tool = tl->id;
			hook.agent = ag->id;
			hook.role = ag->role;
			hook.task = tname;
			hook.attempt = attempt;
			hook.now_ms = *c;
			hook.latency_ms = latency;
			if (behaviour_tool_call(s->lua, &hook, sim_rnd(s)) == 0) {
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
		else if (sim_rnd_below(s, 1000) < fail_pm)
			snprintf(err, errlen, "500 internal error");
		else if (ad && ad->bad_args_pm && sim_rnd_below(s, 1000) < ad->bad_args_pm)
			snprintf(err, errlen, "400 bad request: the tool refused the call's arguments");
		else if (tl->side_effect) {
			applied = 1;
			/* the tool did it; its acknowledgement may still be lost */
			lost = tl->ack_loss_pm && sim_rnd_below(s, 1000) < tl->ack_loss_pm;
		}
		if (tl->outage)
			sim_fault_count(s, PF_TOOL_OUTAGE, tix);
		if (tl->slow_ms)
			sim_fault_count(s, PF_TOOL_SLOW, tix);
		if (applied) {
			unsigned seen = 0;

			for (size_t i = 0; i < s->neffects && !seen; i++)
				if (s->effects[i].task == t->id &&
				    s->effects[i].tool == tix &&
				    strcmp(s->effects[i].key, key) == 0)
					seen = s->effects[i].id;
			if (seen && keyed) {
				sim_attr_s(&sp, "tool.deduplicated", "true");
			} else if (GROW(s, s->effects, s->neffects) == 0) {
				struct effect *e;
				char eid[16];

				e = &s->effects[s->neffects];
				*e = (struct effect){
					.id = (unsigned)s->neffects + 1, .task = t->id,
					.attempt = attempt, .dup_of = seen, .tool = tix,
					.step = t->step, .keyed = keyed,
					.t_ms = *c + latency, .duplicate = seen != 0};
				snprintf(e->key, sizeof e->key, "%s", key);
				s->neffects++;
				sim_effect_name(e->id, eid);
				sim_attr_s(&sp, "effect.id", eid);
				if (seen) {
					sim_effect_name(seen, eid);
					sim_attr_s(&sp, "effect.duplicate_of", eid);
				}
				dup = seen != 0;
				sim_metricf(s, 1, "agentd_side_effects_total{tool=\"%s\"}", tl->id);
				if (dup) {
					sim_metricf(s, 1, "agentd_duplicate_side_effects_total{tool=\"%s\"}", tl->id);
					sim_fault_count(s, PF_DUPLICATE, tix);
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
					sim_slog(s, *c + tl->skew_ms, "debug", tl->id,
						 "outgoing request", "task", tname,
						 "authorization", hdr, "trace_id", t->trace, NULL);
					sim_fault_count(s, PF_SECRET_LEAK, i);
				}
		}
		if (tl->skew_ms)
			sim_fault_count(s, PF_CLOCK_SKEW, tix);
		snprintf(lat, sizeof lat, "%u", latency);
		sim_attr_i(&sp, "tool.latency_ms", latency);
		ok = err[0] == '\0';
		if (ad) {
			if (ok)
				ad->ok++;
			else
				ad->failed++;
			sim_metricf(s, 1, "agentd_adapter_calls_total{tool=\"%s\",version=\"%s\",outcome=\"%s\"}",
				    tl->id, ad->version, ok ? "ok" : "error");
			for (size_t i = 0; !ok && i < s->nfaults; i++)
				if (s->faults[i].kind == PF_ADAPTER_UPGRADE && s->faults[i].fired &&
				    s->faults[i].target == tix && &tl->ad[s->faults[i].mversion] == ad)
					s->faults[i].count++;
		}
		sim_span_end(s, &sp, *c + latency, ok, err, tl->skew_ms);
		sim_metricf(s, 1, "agentd_tool_calls_total{tool=\"%s\",outcome=\"%s\"}",
			    tl->id, ok ? "ok" : "error");
		if (!ok)
			sim_slog(s, *c + latency + tl->skew_ms, "warn", tl->id, "tool call failed",
				 "task", tname, "agent", ag->id, "error", err,
				 "latency_ms", lat, "trace_id", t->trace, NULL);
		*c += latency + 5;
		t->calls++;
	}
	return ok;
}

/* A step the policy escalates: an approval is requested, and granted at
 * once when the tool's risk is below the threshold.  1 when the task now
 * waits for a person (its run span ended), 0 when it goes on (*c moved
 * on). */
static int escalate(struct sim *s, struct task *t, size_t tix,
		    const struct pol_rule *rule, struct span *run, int64_t *c,
		    const char *tname)
{
	int auto_ = s->tools[tix].risk < s->auto_below;
	struct approval *ap;
	struct span sp;
	char aid[16];

	if (GROW(s, s->appr, s->nappr) < 0)
		return 0; /* nothing requested: s->nomem stops the run */
	ap = &s->appr[s->nappr];
	memset(ap, 0, sizeof *ap);
	ap->id = (unsigned)++s->nappr;
	ap->task = t->id;
	ap->tool = tix;
	ap->step = t->step;
	ap->requested_ms = *c;
	snprintf(ap->rule, sizeof ap->rule, "%s", rule ? rule->id : "default");
	ap->risk = s->tools[tix].risk;
	snprintf(aid, sizeof aid, "apr-%04u", ap->id);
	sim_span_begin(s, &sp, run->trace, run->id, "approval.request", *c);
	sim_attr_s(&sp, "approval.id", aid);
	sim_attr_s(&sp, "tool.name", s->tools[tix].id);
	sim_attr_s(&sp, "policy.rule", ap->rule);
	sim_attr_i(&sp, "tool.risk", ap->risk);
	if (auto_) {
		/* below the threshold: approved without a person */
		sim_attr_s(&sp, "approval.auto", "true");
		sim_attr_i(&sp, "approval.auto_approve_below", s->auto_below);
		sim_span_link(&sp, s->threshold.trace, s->threshold.span);
	}
	sim_span_end(s, &sp, *c + 1, 1, NULL, 0);
	sim_slog(s, *c, "info", "approvals", auto_ ? "approval granted automatically (below the risk threshold)" :
		 "approval requested", "approval", aid,
		 "task", tname, "tool", s->tools[tix].id, "trace_id", t->trace, NULL);
	if (auto_) {
		ap->auto_ = 1;
		ap->state = A_APPROVED;
		ap->decided_ms = *c;
		snprintf(ap->by, sizeof ap->by, "auto");
		sim_metricf(s, 1, "agentd_approvals_total{decision=\"auto\"}");
		sim_fault_count(s, PF_THRESHOLD, 0);
		*c += 2;
	} else {
		if (!s->reviewer_stuck)
			sim_schedule(s, *c + (int64_t)s->review_s * 1000, EV_REVIEW, ap->id);
		else
			for (size_t i = 0; i < s->nfaults; i++)
				if (s->faults[i].kind == PF_APPROVAL_STUCK && s->faults[i].fired)
					s->faults[i].count++;
		sim_span_end(s, run, *c + 2, 1, NULL, 0);
		sim_task_set(s, t, T_WAITING, NULL);
		return 1;
	}
	return 0;
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
			sim_task_set(s, t, T_FAILED, "its agent is quarantined and no other agent has the role");
			return;
		}
		t->agent = a;
		ag = &s->agents[a];
	}
	m = &s->models[ag->model];
	sim_task_name(t->id, tname);
	t->state = T_RUNNING;
	t->runs++;
	sim_span_begin(s, &run, t->trace, t->root[0] ? t->root : NULL, "task.run", c);
	if (!t->root[0])
		snprintf(t->root, sizeof t->root, "%s", run.id);
	sim_attr_s(&run, "task.id", tname);
	sim_attr_s(&run, "task.kind", s->kinds[t->kind].id);
	sim_attr_s(&run, "agent.id", ag->id);
	sim_attr_s(&run, "agent.role", ag->role);
	sim_attr_i(&run, "task.attempt", t->attempts + 1);
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
		sim_span_begin(s, &sp, run.trace, run.id, "agent.plan", c);
		sim_attr_s(&sp, "agent.id", ag->id);
		sim_attr_s(&sp, "model.name", m->id);
		sim_attr_s(&sp, "model.version", mv->id);
		sim_attr_s(&sp, "tool.name", s->tools[tix].id);
		sim_span_link(&sp, m->promoted.trace, m->promoted.span);
		valid = sim_rnd_below(s, 1000) < mv->quality;
		c += 150 + sim_rnd_below(s, 250);
		sim_span_end(s, &sp, c, valid, "model output failed the tool's argument schema", 0);
		sim_metricf(s, 1, "agentd_model_calls_total{model=\"%s\",version=\"%s\",outcome=\"%s\"}",
			    m->id, mv->id, valid ? "ok" : "invalid");
		if (!valid) {
			for (size_t i = 0; i < s->nfaults; i++)
				if (s->faults[i].kind == PF_MODEL_DRIFT && s->faults[i].fired &&
				    s->faults[i].target == ag->model && m->active == s->faults[i].mversion)
					s->faults[i].count++;
			snprintf(err, sizeof err, "model %s@%s produced an invalid call to %s",
				 m->id, mv->id, s->tools[tix].id);
			sim_slog(s, c, "warn", "agent", "invalid tool call from the model",
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

			if (behaviour_decision(s->lua, &d, sim_rnd(s)) == 0 && d.changed)
				eff = d.effect;
		}
		if (t->approved_step == t->step + 1 && eff == POL_ESCALATE)
			eff = POL_ALLOW;
		sim_span_begin(s, &sp, run.trace, run.id, "policy.evaluate", c);
		sim_attr_s(&sp, "agent.id", ag->id);
		sim_attr_s(&sp, "agent.role", ag->role);
		sim_attr_s(&sp, "tool.name", s->tools[tix].id);
		sim_attr_i(&sp, "policy.version", s->active);
		sim_attr_s(&sp, "policy.rule", rule ? rule->id : "default");
		sim_attr_s(&sp, "decision", t->approved_step == t->step + 1 ? "approved" : pol_effect_name(eff));
		sim_span_link(&sp, s->pv[s->active].trace, s->pv[s->active].span);
		c += 2;
		sim_span_end(s, &sp, c, eff != POL_DENY, "denied by policy", 0);
		sim_metricf(s, 1, "agentd_policy_decisions_total{decision=\"%s\",rule=\"%s\"}",
			    t->approved_step == t->step + 1 ? "approved" : pol_effect_name(eff),
			    rule ? rule->id : "default");
		snprintf(ver, sizeof ver, "%u", s->active);
		if (eff == POL_DENY) {
			snprintf(err, sizeof err, "%s denied by policy v%u rule %s",
				 s->tools[tix].id, s->active, rule ? rule->id : "default");
			sim_slog(s, c, "warn", "policy", "tool call denied", "task", tname,
				 "agent", ag->id, "role", ag->role, "tool", s->tools[tix].id,
				 "rule", rule ? rule->id : "default", "policy_version", ver,
				 "trace_id", t->trace, NULL);
			ok = 0;
			break;
		}
		if (eff == POL_ESCALATE &&
		    escalate(s, t, tix, rule, &run, &c, tname))
			return;
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
			sim_fault_count(s, PF_AGENT_LOOP, t->agent);
			continue;
		}
		if (ag->looping) {
			snprintf(err, sizeof err, "loop budget of %d tool calls exhausted", SIM_LOOP_BUDGET);
			sim_slog(s, c, "warn", "agent", "agent exceeded its loop budget",
				 "task", tname, "agent", ag->id, "trace_id", t->trace, NULL);
			ok = 0;
			break;
		}
		t->step++;
		t->approved_step = 0;
	}
	sim_span_end(s, &run, c + 2, ok, err, 0);
	if (ok) {
		sim_task_set(s, t, T_DONE, NULL);
		t->error[0] = '\0';
		return;
	}
	/* A looping agent's task counts its attempts like any other: it
	 * fails for good at max_attempts, and the operator retries it once
	 * the agent is contained (`task retry`). */
	t->attempts++;
	if (t->attempts < s->max_attempts && !strstr(err, "denied")) {
		sim_task_set(s, t, T_RETRY, err);
		sim_task_run_at(s, t, c + (int64_t)s->retry_s * 1000 * t->attempts);
		sim_metric_add(s, "agentd_task_retries_total", 1);
	} else {
		char n[16];

		snprintf(n, sizeof n, "%u", t->attempts);
		sim_task_set(s, t, T_FAILED, err);
		sim_slog(s, c, "error", "scheduler", "task failed", "task", tname,
			 "agent", ag->id, "error", err, "attempts", n,
			 "trace_id", t->trace, NULL);
	}
}

/* An approval decided, by the simulated reviewer or by an operator
 * (`by`: the caller the audit trail names).  The decision is recorded
 * with the platform's time; an approved task runs its step, a rejected
 * one fails. */
void sim_decide(struct sim *s, struct approval *ap, enum appr_state decision,
		const char *by)
{
	struct task *t = sim_task_by_id(s, ap->task);
	char aid[16];

	if (ap->state != A_PENDING || decision == A_PENDING)
		return;
	ap->state = decision;
	ap->decided_ms = s->now_ms;
	snprintf(ap->by, sizeof ap->by, "%s", by);
	snprintf(aid, sizeof aid, "apr-%04u", ap->id);
	sim_slog(s, s->now_ms, "info", "approvals", "approval decided", "approval", aid,
		 "decision", sim_appr_states[ap->state], "by", by, NULL);
	sim_metricf(s, 1, "agentd_approvals_total{decision=\"%s\"}", sim_appr_states[ap->state]);
	if (!t || t->state != T_WAITING)
		return;
	if (ap->state == A_APPROVED) {
		t->approved_step = (unsigned)ap->step + 1;
		sim_task_run_at(s, t, s->now_ms);
	} else {
		sim_task_set(s, t, T_FAILED, "the approval was rejected");
	}
}

/* The simulated reviewer's turn at an approval: nothing while the
 * reviewer is stuck (platform.approval_stuck; the approval waits for
 * `approvals resume` or an operator's decision); else it approves nine
 * in ten. */
static void review(struct sim *s, struct approval *ap)
{
	if (ap->state != A_PENDING || s->reviewer_stuck)
		return;
	sim_decide(s, ap, sim_rnd_below(s, 10) ? A_APPROVED : A_REJECTED, "reviewer");
}

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
		if (s->replaying || s->nomem)
			continue;
		if (s->spans.len) {
			struct buf why = BUF_INIT; /* reported by the next flush */

			(void)sim_append(s->logs, "spans.jsonl", &s->spans, &why);
			buf_release(&why);
			continue;
		}
		snprintf(path, sizeof path, "%s/spans.jsonl", s->logs);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
}

void sim_advance(struct sim *s, int64_t t_ms)
{
	while (!s->nomem && s->nev && s->ev[0].t_ms <= t_ms) {
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
			if ((t = sim_task_by_id(s, e.arg)) != NULL && e.seq == t->run_seq)
				run_task(s, t);
			break;
		case EV_REVIEW:
			if (e.arg >= 1 && e.arg <= s->nappr)
				review(s, &s->appr[e.arg - 1]);
			break;
		case EV_FAULT_ON:
			sim_fault_on(s, &s->faults[e.arg]);
			break;
		case EV_FAULT_OFF:
			sim_fault_off(s, &s->faults[e.arg]);
			break;
		}
	}
	export_batches(s, t_ms);
	if (t_ms > s->now_ms)
		s->now_ms = t_ms;
}
