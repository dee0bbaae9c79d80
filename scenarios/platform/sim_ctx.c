/* sim_ctx: what the operator commands (the sim_cmd_*.c) share: a refusal
 * or usage error on the reply, a tool, agent or model found by name, the
 * tasks in a state and the approvals pending counted; and a reply's
 * release.  It runs no command (sim_cmd.c does). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/platform/sim_int.h"

/* A refusal (status 1) or a usage error (2): the message on the reply's
 * err, and the status to return. */
int sim_fail(struct ctx *x, int status, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (buf_printf(&x->r->err, NULL, "agentctl: %s\n", msg) < 0)
		x->s->nomem = 1;
	return status;
}

int sim_find_tool(struct ctx *x, const char *id, size_t *out)
{
	size_t i = FIND(x->s->tools, x->s->ntools, id);

	if (i == x->s->ntools)
		return sim_fail(x, 1, "no tool \"%s\"; `agentctl tools` lists them", id);
	*out = i;
	return 0;
}

int sim_find_agent(struct ctx *x, const char *id, size_t *out)
{
	size_t i = FIND(x->s->agents, x->s->nagents, id);

	if (i == x->s->nagents)
		return sim_fail(x, 1, "no agent \"%s\"; `agentctl agents` lists them", id);
	*out = i;
	return 0;
}

int sim_find_model(struct ctx *x, const char *id, size_t *out)
{
	size_t i = FIND(x->s->models, x->s->nmodels, id);

	if (i == x->s->nmodels)
		return sim_fail(x, 1, "no model \"%s\"; `agentctl models` lists them", id);
	*out = i;
	return 0;
}

unsigned sim_count_tasks(struct sim *s, enum task_state st)
{
	unsigned n = 0;

	for (size_t i = 0; i < s->ntasks; i++)
		n += s->tasks[i].state == st;
	return n;
}

unsigned sim_pending_approvals(struct sim *s)
{
	unsigned n = 0;

	for (size_t i = 0; i < s->nappr; i++)
		n += s->appr[i].state == A_PENDING;
	return n;
}

/* A reply's buffers (sim.h): agentd's, and those of the commands the
 * engine runs for itself (sim_flush, sim_resume). */
void sim_reply_release(struct sim_reply *r)
{
	buf_release(&r->out);
	buf_release(&r->err);
}
