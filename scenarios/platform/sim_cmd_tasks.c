/* sim_cmd_tasks: the commands on the workload: tasks, task show|retry,
 * approvals (the queue, the reviewer, the automatic threshold), approval
 * approve|reject, effects and effect show|revert (the side-effect
 * ledger), and advance (let the workload run). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/platform/sim_int.h"

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

	if (!id_arg(a, "task-", SIM_MAX_TASKS, &id) || !sim_task_by_id(x->s, (unsigned)id))
		return sim_fail(x, 1, "no task %s; `agentctl tasks` lists them", a);
	*out = sim_task_by_id(x->s, (unsigned)id);
	return 0;
}

static void task_line(struct ctx *x, struct task *t)
{
	char id[16], when[32];

	sim_task_name(t->id, id);
	sim_ts(t->updated_ms, when);
	OUT(x, "%-11s %-12s %-20s %-18s %-8u %-25s %s\n", id, x->s->kinds[t->kind].id,
	    x->s->agents[t->agent].id, sim_task_states[t->state], t->attempts, when,
	    t->error[0] && t->state != T_DONE ? t->error : "");
}

int sim_cmd_tasks(struct ctx *x)
{
	struct sim *s = x->s;
	int filter = -1;
	size_t shown = 0, from;

	if (x->argc > 2)
		return sim_fail(x, 2, "usage: agentctl tasks [STATE]   (queued, running, awaiting_approval, retry_wait, done, failed, cancelled)");
	if (x->argc == 2) {
		for (int i = 0; i <= T_CANCELLED; i++)
			if (strcmp(sim_task_states[i], x->argv[1]) == 0)
				filter = i;
		if (filter < 0)
			return sim_fail(x, 2, "no task state \"%s\"; one of queued, running, awaiting_approval, retry_wait, done, failed, cancelled", x->argv[1]);
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

int sim_cmd_task(struct ctx *x)
{
	struct sim *s = x->s;
	struct task *t = NULL;
	char when[32], tname[16];

	if (x->argc != 3 || (strcmp(x->argv[1], "show") != 0 && strcmp(x->argv[1], "retry") != 0))
		return sim_fail(x, 2, "usage: agentctl task show|retry TASK");
	if (task_arg(x, x->argv[2], &t))
		return 1;
	if (strcmp(x->argv[1], "retry") == 0) {
		/* failed for good, or cancelled when its agent was
		 * quarantined: the work the operator recovers once the cause
		 * is contained */
		if (t->state != T_FAILED && t->state != T_CANCELLED)
			return sim_fail(x, 1, "only a failed or cancelled task can be retried; task-%05u is %s",
					t->id, sim_task_states[t->state]);
		t->attempts = 0;
		t->step = 0;
		t->approved_step = 0;
		sim_task_set(s, t, T_QUEUED, NULL);
		sim_task_run_at(s, t, s->now_ms);
		sim_task_name(t->id, tname);
		sim_slog(s, s->now_ms, "info", "scheduler", "task retried by the operator",
			 "task", tname, "by", x->actor, "trace_id", t->trace, NULL);
		OUT(x, "%s queued again", tname);
		if (s->agents[t->agent].quarantined)
			OUT(x, "; %s is quarantined: another %s agent takes it",
			    s->agents[t->agent].id, s->agents[t->agent].role);
		OUT(x, "\n");
		return 0;
	}
	sim_ts(t->created_ms, when);
	OUT(x, "task        task-%05u\nkind        %s\nagent       %s\nstate       %s\n"
	       "step        %zu of %zu\nattempts    %u\ncreated     %s\n",
	    t->id, s->kinds[t->kind].id, s->agents[t->agent].id,
	    sim_task_states[t->state], t->step + (t->state == T_DONE ? 0 : 1),
	    s->kinds[t->kind].nsteps, t->attempts, when);
	sim_ts(t->updated_ms, when);
	OUT(x, "updated     %s\ntrace       %s\n", when, t->trace);
	if (t->error[0] && t->state != T_DONE)
		OUT(x, "error       %s\n", t->error);
	return 0;
}

int sim_cmd_approvals(struct ctx *x)
{
	struct sim *s = x->s;
	char when[32];

	if (x->argc == 2 && strcmp(x->argv[1], "resume") == 0) {
		if (!s->reviewer_stuck)
			return sim_fail(x, 1, "the reviewer is running");
		s->reviewer_stuck = 0;
		for (size_t i = 0; i < s->nappr; i++)
			if (s->appr[i].state == A_PENDING)
				sim_schedule(s, s->now_ms + 1000, EV_REVIEW, s->appr[i].id);
		sim_slog(s, s->now_ms, "info", "approvals", "reviewer worker restarted", "by", x->actor, NULL);
		OUT(x, "reviewer restarted; %u pending approvals queued for review\n", sim_pending_approvals(s));
		return 0;
	}
	if (x->argc >= 2 && strcmp(x->argv[1], "threshold") == 0) {
		uint64_t v;

		if (x->argc == 2) {
			OUT(x, "escalations of tools with a risk below %u are approved automatically\n",
			    s->auto_below);
			for (size_t i = 0; i < s->nthist; i++) {
				sim_ts(s->thist[i].t_ms, when);
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
			return sim_fail(x, 2, "usage: agentctl approvals threshold [N]   (0 to 101: escalations of tools with a risk below N need no person; 0: none)");
		sim_threshold_set(s, (unsigned)v, x->actor, "apply", &x->op);
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
			sim_ts(a->requested_ms, when);
			OUT(x, "apr-%04u  task-%05u  %-18s %-5u %-24s %s\n", a->id, a->task,
			    s->tools[a->tool].id, a->risk, when,
			    a->reviewed ? "rejected" : "-");
		}
		if (n == SIM_MAX_LISTED)
			OUT(x, "(the last %d; /var/lib/agentd/state.json holds every approval)\n", SIM_MAX_LISTED);
		return 0;
	}
	if (x->argc != 1)
		return sim_fail(x, 2, "usage: agentctl approvals [resume|auto|threshold [N]]");
	OUT(x, "reviewer %s; auto-approved below risk %u\n%-9s %-11s %-18s %-24s %-9s %s\n",
	    s->reviewer_stuck ? "stuck" : "running", s->auto_below,
	    "APPROVAL", "TASK", "TOOL", "REQUESTED", "STATE", "BY");
	for (size_t i = 0; i < s->nappr; i++) {
		struct approval *a = &s->appr[i];

		sim_ts(a->requested_ms, when);
		OUT(x, "apr-%04u  task-%05u  %-18s %-24s %-9s %s\n", a->id, a->task,
		    s->tools[a->tool].id, when, sim_appr_states[a->state], a->by);
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
		sim_effect_revert(s, e, x->actor, &x->op);
		sim_effect_name(e->id, id);
		OUT(x, "%s %s", n++ ? "," : "; reverted:", id);
	}
	OUT(x, "%s\n", n ? "" : "; it left no side effect to revert");
	snprintf(aid, sizeof aid, "apr-%04u", ap->id);
	sim_slog(s, s->now_ms, "info", "approvals", "automatic approval rejected on review",
		 "approval", aid, "by", x->actor, NULL);
	sim_metricf(s, 1, "agentd_approvals_total{decision=\"rejected_on_review\"}");
	return 0;
}

int sim_cmd_approval(struct ctx *x)
{
	struct sim *s = x->s;
	struct approval *ap;
	struct task *t;
	uint64_t id;
	const char *a;
	int waiting;

	if (x->argc != 3 || (strcmp(x->argv[1], "approve") != 0 && strcmp(x->argv[1], "reject") != 0))
		return sim_fail(x, 2, "usage: agentctl approval approve|reject APPROVAL");
	a = x->argv[2];
	if (!id_arg(a, "apr-", 1000000, &id) || id > s->nappr)
		return sim_fail(x, 1, "no approval %s; `agentctl approvals` lists them", x->argv[2]);
	if (s->appr[id - 1].auto_ && !s->appr[id - 1].reviewed && x->argv[1][0] == 'r')
		return review_auto(x, &s->appr[id - 1]);
	if (s->appr[id - 1].state != A_PENDING)
		return sim_fail(x, 1, "apr-%04u is already %s", (unsigned)id, sim_appr_states[s->appr[id - 1].state]);
	ap = &s->appr[id - 1];
	t = sim_task_by_id(s, ap->task);
	waiting = t && t->state == T_WAITING;
	sim_decide(s, ap, x->argv[1][0] == 'a' ? A_APPROVED : A_REJECTED, x->actor);
	OUT(x, "apr-%04u %s by %s; task-%05u %s\n", ap->id, sim_appr_states[ap->state], ap->by,
	    ap->task, !waiting ? "was no longer waiting for it" :
	    ap->state == A_APPROVED ? "runs the step now" : "failed: the approval was rejected");
	return 0;
}

int sim_cmd_advance(struct ctx *x)
{
	uint64_t secs;
	char when[32];
	size_t before = x->s->ntasks;

	if (x->argc != 2 || parse_u64(x->argv[1], 1, SIM_MAX_ADVANCE_S, &secs) < 0)
		return sim_fail(x, 2, "usage: agentctl advance SECONDS   (1 to %d: let the workload run)", SIM_MAX_ADVANCE_S);
	sim_advance(x->s, x->s->now_ms + (int64_t)secs * 1000);
	sim_ts(x->s->now_ms, when);
	OUT(x, "clock %s; %zu new tasks\n", when, x->s->ntasks - before);
	return 0;
}

static void effect_line(struct ctx *x, const struct effect *e)
{
	char id[16], of[16] = "-", when[32];

	sim_effect_name(e->id, id);
	if (e->dup_of)
		sim_effect_name(e->dup_of, of);
	sim_ts(e->t_ms, when);
	OUT(x, "%-9s %-18s task-%05u %-5zu %-8u %-18s %-13s %-26s %s\n", id,
	    x->s->tools[e->tool].id, e->task, e->step + 1, e->attempt,
	    e->keyed ? e->key : "-", e->dup_of ? of : "-", when,
	    e->reverted ? "reverted" : "applied");
}

/* effects [TOOL]: the side-effect ledger, the last SIM_MAX_LISTED. */
int sim_cmd_effects(struct ctx *x)
{
	struct sim *s = x->s;
	size_t tix = SIZE_MAX, n = 0, from = 0, dups = 0, open_ = 0;

	if (x->argc > 2)
		return sim_fail(x, 2, "usage: agentctl effects [TOOL]");
	if (x->argc == 2 && sim_find_tool(x, x->argv[1], &tix))
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

int sim_cmd_effect(struct ctx *x)
{
	struct sim *s = x->s;
	const char *a;
	uint64_t id;
	struct effect *e;

	if (x->argc != 3 || (strcmp(x->argv[1], "show") != 0 && strcmp(x->argv[1], "revert") != 0))
		return sim_fail(x, 2, "usage: agentctl effect show|revert EFFECT");
	a = x->argv[2];
	if (!id_arg(a, "eff-", UINT32_MAX, &id) || id > s->neffects)
		return sim_fail(x, 1, "no effect %s; `agentctl effects` lists them", x->argv[2]);
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
		return sim_fail(x, 1, "eff-%04u is already reverted", e->id);
	sim_effect_revert(s, e, x->actor, &x->op);
	OUT(x, "eff-%04u reverted: a compensating action for task-%05u's %s\n", e->id, e->task,
	    s->tools[e->tool].id);
	if (!e->dup_of)
		OUT(x, "note: eff-%04u was the first effect of its task's step, not a duplicate: the action itself is undone\n",
		    e->id);
	return 0;
}

