/* sim_cmd_tools: the commands on tools and what belongs to them: tools,
 * tool show|enable|disable|set, the adapter versions (tool adapter,
 * canary, rollback) and the tools' secrets (secret list|rotate). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/platform/sim_int.h"

int sim_cmd_tools(struct ctx *x)
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
		return sim_fail(x, 1, "%s has a single adapter: no versions to choose from", t->id);
	if (strcmp(sub, "rollback") == 0) {
		if (x->argc != 3)
			return sim_fail(x, 2, "usage: agentctl tool rollback TOOL");
		if (t->adapter_before == t->adapter)
			return sim_fail(x, 1, "%s has no earlier adapter to roll back to", t->id);
		a = t->adapter_before;
		sim_adapter_set(s, t, a, 0, x->actor, "rollback", &x->op);
		OUT(x, "%s rolled back to adapter %s\n", t->id, t->ad[a].version);
		return 0;
	}
	if ((strcmp(sub, "adapter") == 0 && x->argc != 4) ||
	    (strcmp(sub, "canary") == 0 && x->argc != 5))
		return sim_fail(x, 2, "usage: agentctl tool adapter TOOL VERSION, or tool canary TOOL VERSION PERCENT (0 ends the canary)");
	if ((a = FIND_V(t->ad, t->nad, x->argv[3])) == t->nad)
		return sim_fail(x, 1, "%s has no adapter \"%s\"; `agentctl tool show %s` lists them",
				t->id, x->argv[3], t->id);
	if (strcmp(sub, "adapter") == 0) {
		if (a == t->adapter && !t->canary)
			return sim_fail(x, 1, "%s already runs adapter %s", t->id, t->ad[a].version);
		sim_adapter_set(s, t, a, 0, x->actor, "apply", &x->op);
		OUT(x, "%s: adapter %s takes every call\n", t->id, t->ad[a].version);
		return 0;
	}
	if (parse_u64(x->argv[4], 0, 100, &pct) < 0)
		return sim_fail(x, 2, "usage: agentctl tool canary TOOL VERSION PERCENT   (PERCENT: 0 to 100; 0 ends the canary)");
	if (a == t->adapter && pct)
		return sim_fail(x, 1, "adapter %s already takes every call of %s; a canary tries another version",
				t->ad[a].version, t->id);
	if (!pct && !t->canary)
		return sim_fail(x, 1, "%s has no canary to end", t->id);
	sim_adapter_set(s, t, a, (unsigned)pct, x->actor, "canary", &x->op);
	if (pct)
		OUT(x, "%s: adapter %s takes %u%% of the calls as a canary; `agentctl tool show %s` compares them\n",
		    t->id, t->ad[a].version, (unsigned)pct, t->id);
	else
		OUT(x, "%s: canary ended; adapter %s takes every call\n", t->id,
		    t->ad[t->adapter].version);
	return 0;
}

int sim_cmd_tool(struct ctx *x)
{
	struct sim *s = x->s;
	const char *sub = x->argc > 1 ? x->argv[1] : "";
	const char *use = "usage: agentctl tool show|enable|disable|rollback TOOL, tool set TOOL idempotency|debug on|off, "
			  "tool adapter TOOL VERSION, tool canary TOOL VERSION PERCENT";
	struct tool *t;
	size_t i = 0;

	if (x->argc < 3)
		return sim_fail(x, 2, "%s", use);
	if (sim_find_tool(x, x->argv[2], &i))
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
			return sim_fail(x, 1, "%s is already %sd", t->id, sub);
		t->enabled = on;
		sim_slog(s, s->now_ms, "info", "gateway", on ? "tool enabled" : "tool disabled",
			 "tool", t->id, "by", x->actor, NULL);
		OUT(x, "%s %sd%s%s\n", t->id, sub, !on && t->fallback ? "; calls go to " : "",
		    !on && t->fallback ? s->tools[t->fallback - 1].id : "");
		return 0;
	}
	if (strcmp(sub, "set") == 0 && x->argc == 5) {
		int on = strcmp(x->argv[4], "on") == 0;

		if (!on && strcmp(x->argv[4], "off") != 0)
			return sim_fail(x, 2, "%s", use);
		if (strcmp(x->argv[3], "idempotency") == 0) {
			if (!t->side_effect)
				return sim_fail(x, 1, "%s has no side effects: idempotency keys do not apply", t->id);
			t->idempotency = on;
		} else if (strcmp(x->argv[3], "debug") == 0) {
			t->debug_headers = on;
		} else {
			return sim_fail(x, 2, "%s", use);
		}
		sim_slog(s, s->now_ms, "info", "gateway", "tool setting changed", "tool", t->id,
			 "setting", x->argv[3], "value", x->argv[4], "by", x->actor, NULL);
		OUT(x, "%s: %s %s\n", t->id, x->argv[3], x->argv[4]);
		return 0;
	}
	return sim_fail(x, 2, "%s", use);
}

int sim_cmd_secret(struct ctx *x)
{
	struct sim *s = x->s;
	char when[32];
	size_t i;

	if (x->argc == 3 && strcmp(x->argv[1], "rotate") == 0) {
		if ((i = FIND(s->secrets, s->nsecrets, x->argv[2])) == s->nsecrets)
			return sim_fail(x, 1, "no secret \"%s\"; `agentctl secret list` lists them", x->argv[2]);
		memcpy(s->secrets[i].value, "sk-live-", 8);
		sim_new_id(s, s->secrets[i].value + 8, 12);
		s->secrets[i].rotations++;
		s->secrets[i].rotated_ms = s->now_ms;
		sim_slog(s, s->now_ms, "info", "secrets", "secret rotated; the old value is revoked",
			 "secret", s->secrets[i].id, "by", x->actor, NULL);
		OUT(x, "%s rotated; the old value no longer works\n", s->secrets[i].id);
		return 0;
	}
	if (x->argc != 2 || strcmp(x->argv[1], "list") != 0)
		return sim_fail(x, 2, "usage: agentctl secret list | secret rotate SECRET");
	OUT(x, "%-24s %-20s %-10s %s\n", "SECRET", "TOOL", "ROTATIONS", "LAST ROTATED");
	for (i = 0; i < s->nsecrets; i++) {
		if (s->secrets[i].rotations)
			sim_ts(s->secrets[i].rotated_ms, when);
		OUT(x, "%-24s %-20s %-10u %s\n", s->secrets[i].id, s->tools[s->secrets[i].tool].id,
		    s->secrets[i].rotations, s->secrets[i].rotations ? when : "never");
	}
	return 0;
}

