/* sim_cmd: the operator commands' table and how one runs: its words
 * checked, the clock moved on, its span, its audit line and its journal
 * entry.  The commands themselves are in the sim_cmd_*.c, by what they
 * operate on: observe (status, exporter, clock, metrics, trace, audit),
 * agents (agents and models), tools (tools, adapters, secrets), policy,
 * tasks (tasks, approvals, side effects, advance); what they share is in
 * sim_ctx.c. */
#include <stdio.h>
#include <string.h>

#include "scenarios/platform/sim_int.h"

static int sim_cmd_help(struct ctx *x)
{
	OUT(x, "%s", sim_help);
	return 0;
}

/* The command table: the first word of a command, and what runs it. */
static const struct command {
	const char *name;
	int (*run)(struct ctx *);
	int changes; /* 0: only reads the state */
} commands[] = {
	{"status", sim_cmd_status, 0},     {"agents", sim_cmd_agents, 0},
	{"agent", sim_cmd_agent, 1},       {"tools", sim_cmd_tools, 0},
	{"tool", sim_cmd_tool, 1},         {"models", sim_cmd_models, 0},
	{"model", sim_cmd_model, 1},       {"policy", sim_cmd_policy, 1},
	{"tasks", sim_cmd_tasks, 0},       {"task", sim_cmd_task, 1},
	{"approvals", sim_cmd_approvals, 1}, {"approval", sim_cmd_approval, 1},
	{"exporter", sim_cmd_exporter, 1}, {"clock", sim_cmd_clock, 1},
	{"secret", sim_cmd_secret, 1},     {"advance", sim_cmd_advance, 1},
	{"effects", sim_cmd_effects, 0},   {"effect", sim_cmd_effect, 1},
	{"trace", sim_cmd_trace, 0},       {"metrics", sim_cmd_metrics, 0},
	{"audit", sim_cmd_audit, 0},       {"help", sim_cmd_help, 0},
};

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

/* One command: the workload moves on by the operator's time, the command
 * runs under a span of its own, and the audit trail and the journal get
 * it.  A command that is not one (no words, an unknown name) is answered
 * and leaves no trace. */
int sim_run_command(struct sim *s, const char *actor, int pid, char *const *argv,
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
		reply->status = sim_fail(&x, 2, "no command \"%s\"; `agentctl help` lists them", argv[0]);
		return 0;
	}
	/* Operator time: every command moves the clock on, and the workload
	 * with it; then the command runs, under a span of its own. */
	sim_advance(s, s->now_ms + (int64_t)s->command_s * 1000);
	sim_span_begin(s, &x.op, NULL, NULL, "operator.command", s->now_ms);
	sim_attr_s(&x.op, "operator.actor", actor);
	sim_attr_s(&x.op, "operator.command", argv[0]);
	reply->status = c->run(&x);
	{
		char words[512] = "";

		for (size_t i = 0; i < argc && strlen(words) < 400; i++)
			snprintf(words + strlen(words), sizeof words - strlen(words),
				 "%s%s", i ? " " : "", argv[i]);
		sim_attr_s(&x.op, "operator.argv", words);
	}
	sim_attr_i(&x.op, "operator.exit", reply->status);
	sim_span_end(s, &x.op, s->now_ms + 10, reply->status == 0, "refused", 0);
	sim_audit_add(s, actor, pid, argv, argc, file, reply->status, &reply->out,
		      &reply->err, x.op.id);
	sim_journal_add(s, actor, argv, argc, file);
	return 0;
}
