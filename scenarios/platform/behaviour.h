/* behaviour: a scenario's own platform behaviour, in Lua (behaviour.lua
 * beside platform.json), for what the built-in behaviours do not cover.
 *
 * Two hooks, both optional: on_tool_call(call) may fail a tool call or
 * change its latency; on_decision(d) may change a policy decision.  The
 * script gets base, string, table and math (math.random replaced by the
 * platform's seeded one), a memory cap and an instruction budget per
 * hook; a hook that errs or overruns leaves the call as it was and says
 * so in agentd's log.  It cannot read files or the clock. */
#ifndef LABRUN_BEHAVIOUR_H
#define LABRUN_BEHAVIOUR_H

#include <stddef.h>
#include <stdint.h>

#include "scenarios/platform/policy.h"

struct behaviour;

struct bh_call {
	const char *tool, *agent, *role, *task;
	unsigned attempt;
	int64_t now_ms;
	unsigned latency_ms;  /* in: the built-in latency; out: the hook's */
	char error[96];       /* out: non-empty fails the call with this */
};

struct bh_decision {
	const char *agent, *role, *tool, *task, *decision, *rule;
	int64_t now_ms;
	int changed;          /* out: 1 when effect is the hook's */
	enum pol_effect effect;
};

/* Load and run the script once (its top level defines the hooks).  NULL
 * with why on any error. */
struct behaviour *behaviour_open(const char *path, char *why, size_t whylen);
/* 0 when the hook ran (call updated), 1 when there is none, -1 when it
 * failed (call unchanged).  seed feeds math.random for this call. */
int behaviour_tool_call(struct behaviour *b, struct bh_call *call,
			uint64_t seed);
int behaviour_decision(struct behaviour *b, struct bh_decision *d,
		       uint64_t seed);
/* The last failure of a hook, or "" */
const char *behaviour_error(const struct behaviour *b);
void behaviour_close(struct behaviour *b);

#endif
