/* sim_cmd_agents: the commands on agents and the models they use:
 * agents, agent show|quarantine|release, models, model
 * pin|unpin|rollback|gate|eval. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/platform/sim_int.h"

int sim_cmd_agents(struct ctx *x)
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

int sim_cmd_agent(struct ctx *x)
{
	struct sim *s = x->s;
	const char *sub = x->argc > 1 ? x->argv[1] : "";
	struct agent *a;
	size_t i = 0;

	if (x->argc < 3)
		return sim_fail(x, 2, "usage: agentctl agent show|quarantine|release AGENT [REASON]");
	if (sim_find_agent(x, x->argv[2], &i))
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
			return sim_fail(x, 1, "%s is already quarantined", a->id);
		a->quarantined = 1;
		a->quarantined_ms = s->now_ms;
		snprintf(a->reason, sizeof a->reason, "%s",
			 x->argc > 3 ? x->argv[3] : "by the operator");
		for (size_t k = 0; k < s->ntasks; k++) {
			struct task *t = &s->tasks[k];

			if (t->agent == i && (t->state == T_RETRY || t->state == T_QUEUED ||
					      t->state == T_RUNNING)) {
				sim_task_set(s, t, T_CANCELLED, "its agent was quarantined");
				cancelled++;
			}
		}
		sim_slog(s, s->now_ms, "warn", "agents", "agent quarantined", "agent", a->id,
			 "by", x->actor, "reason", a->reason, NULL);
		OUT(x, "%s quarantined; %zu of its tasks cancelled; new tasks go to other %s agents\n",
		    a->id, cancelled, a->role);
		return 0;
	}
	if (strcmp(sub, "release") == 0) {
		if (!a->quarantined)
			return sim_fail(x, 1, "%s is not quarantined", a->id);
		a->quarantined = 0;
		a->reason[0] = '\0';
		sim_slog(s, s->now_ms, "info", "agents", "agent released", "agent", a->id,
			 "by", x->actor, NULL);
		OUT(x, "%s released\n", a->id);
		return 0;
	}
	return sim_fail(x, 2, "usage: agentctl agent show|quarantine|release AGENT [REASON]");
}

int sim_cmd_models(struct ctx *x)
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

int sim_cmd_model(struct ctx *x)
{
	struct sim *s = x->s;
	const char *sub = x->argc > 1 ? x->argv[1] : "";
	struct model *m;
	size_t i = 0, v;

	if (x->argc < 3)
		return sim_fail(x, 2, "usage: agentctl model pin MODEL VERSION | unpin MODEL | rollback MODEL | gate MODEL [MIN] | eval MODEL VERSION");
	if (sim_find_model(x, x->argv[2], &i))
		return 1;
	m = &s->models[i];
	if (strcmp(sub, "pin") == 0 && x->argc == 4) {
		if ((v = FIND(m->v, m->nv, x->argv[3])) == m->nv)
			return sim_fail(x, 1, "%s has no version \"%s\"; `agentctl models` lists them", m->id, x->argv[3]);
		sim_model_promote(s, m, v, x->actor, "pin", &x->op);
		if (v != m->active)
			m->before = m->active;
		m->active = v;
		m->pinned = 1;
		sim_slog(s, s->now_ms, "info", "models", "model pinned", "model", m->id,
			 "version", m->v[v].id, "by", x->actor, NULL);
		OUT(x, "%s pinned to %s\n", m->id, m->v[v].id);
		return 0;
	}
	if (strcmp(sub, "unpin") == 0 && x->argc == 3) {
		if (!m->pinned)
			return sim_fail(x, 1, "%s is not pinned", m->id);
		m->pinned = 0;
		sim_slog(s, s->now_ms, "info", "models", "model unpinned", "model", m->id,
			 "by", x->actor, NULL);
		OUT(x, "%s unpinned (stays on %s until the provider changes it)\n", m->id, m->v[m->active].id);
		return 0;
	}
	if (strcmp(sub, "rollback") == 0 && x->argc == 3) {
		if (m->before == m->active)
			return sim_fail(x, 1, "%s has no earlier version to roll back to", m->id);
		v = m->before;
		sim_model_promote(s, m, v, x->actor, "rollback", &x->op);
		m->before = m->active;
		m->active = v;
		m->pinned = 1;
		sim_slog(s, s->now_ms, "info", "models", "model rolled back and pinned", "model",
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

				sim_ts(m->ghist[k].t_ms, when);
				OUT(x, "  %-26s min_quality %-5s %-8s %s\n", when, m->ghist[k].what,
				    m->ghist[k].how, m->ghist[k].by);
			}
			return 0;
		}
		if (parse_u64(x->argv[3], 0, 1000, &min) < 0)
			return sim_fail(x, 2, "usage: agentctl model gate MODEL [MIN_QUALITY]   (0 to 1000 permille)");
		sim_gate_set(s, m, (unsigned)min, x->actor, "apply", &x->op);
		OUT(x, "%s: evaluation gate set to min_quality %u\n", m->id, (unsigned)min);
		return 0;
	}
	if (strcmp(sub, "eval") == 0 && x->argc == 4) {
		if ((v = FIND(m->v, m->nv, x->argv[3])) == m->nv)
			return sim_fail(x, 1, "%s has no version \"%s\"; `agentctl models` lists them", m->id, x->argv[3]);
		OUT(x, "%s@%s: quality %u permille on the evaluation set", m->id, m->v[v].id, m->v[v].quality);
		if (m->gated)
			OUT(x, "; the gate (min_quality %u) would %s it\n", m->min_quality,
			    m->v[v].quality >= m->min_quality ? "pass" : "block");
		else
			OUT(x, "; no gate\n");
		return 0;
	}
	return sim_fail(x, 2, "usage: agentctl model pin MODEL VERSION | unpin MODEL | rollback MODEL | gate MODEL [MIN] | eval MODEL VERSION");
}

