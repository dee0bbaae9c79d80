/* sim: the simulated agent platform's engine (docs/platform.md).
 *
 * A deterministic, seeded discrete-event model of an agent platform:
 * agents, tools, models, a versioned policy engine, a workload of tasks
 * with retries and a human-approval queue, and the platform faults a
 * scenario stages.  Its clock is its own: it advances with the workload's
 * events and with operator commands, never with wall time, so the same
 * seed and the same commands in the same order give the same bytes in
 * every file it writes (spans, logs, audit trail, metrics, state).
 *
 * It does not listen on sockets, know who its caller is beyond the actor
 * name it is given, or know about sandboxes: agentd.c serves it, labrun
 * checks a scenario's platform with sim_check() and runs its history in a
 * dry run (sim_open).  It never aborts: running out of memory is an error
 * each function reports.  sim_int.h holds its insides. */
#ifndef LABRUN_SIM_H
#define LABRUN_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

/* The platform version agentd implements; scenario.json's "platform"
 * names it when the scenario runs agentd. */
#define SIM_PLATFORM "agentsim-2"

/* Where the platform's files are; every path absolute.  agentd's
 * defaults are the SIM_DEFAULT_* paths below, under an optional root. */
struct sim_paths {
	const char *config;  /* platform.json; its directory holds policies/ */
	const char *state;   /* state.json, metrics.prom */
	const char *logs;    /* agentd.jsonl, spans.jsonl, audit.jsonl */
	const char *record;  /* faults.jsonl: the fault record, for labrun only */
};

#define SIM_DEFAULT_CONFIG "/etc/agentd/platform.json"
#define SIM_DEFAULT_CONFIG_DIR "/etc/agentd"
#define SIM_DEFAULT_STATE "/var/lib/agentd"
#define SIM_DEFAULT_LOGS "/var/log/agentd"
#define SIM_DEFAULT_RECORD "/var/lib/service/agentd"
#define SIM_DEFAULT_SOCKET "/var/lib/agentd/agentd.sock"

/* Bounds, each with its reason. */
#define SIM_MAX_CONFIG (1u << 20)   /* platform.json, a policy: bytes */
#define SIM_MAX_STATE (32u << 20)   /* state.json: bytes (graders read 8 MiB) */
#define SIM_MAX_ENTITIES 256        /* agents, tools, models, kinds: each */
#define SIM_MAX_STEPS 16            /* tool steps in one kind of task */
#define SIM_MAX_ADAPTERS 16         /* adapter versions of one tool */
#define SIM_MAX_LISTED 200          /* lines of a listing (the state has all) */
#define SIM_MAX_POLICIES 999        /* policy versions kept */
#define SIM_MAX_RULES 500           /* rules in a policy */
#define SIM_MAX_PATTERNS 64         /* roles or tools in one rule */
#define SIM_MAX_TASKS 20000         /* tasks a session keeps in its state */
#define SIM_MAX_EVENTS 50000        /* pending events: a runaway must stop */
#define SIM_MAX_FAULTS 64           /* platform faults in a plan */
#define SIM_MAX_ADVANCE_S 86400     /* one `advance`: a simulated day */
#define SIM_BATCH_MS 60000          /* the exporter's batch: a minute of
				     * the platform's time */
#define SIM_MAX_ARGS 32             /* words in one command */
#define SIM_MAX_ARG 4096            /* bytes of one word */
#define SIM_MAX_REQUEST (SIM_MAX_CONFIG + 65536) /* one request: bytes */
#define SIM_LOOP_BUDGET 25          /* tool calls of a looping task per run */
#define SIM_LUA_MEMORY (16u << 20)  /* behaviour.lua: bytes */
#define SIM_LUA_STEPS 1000000       /* behaviour.lua: instructions per hook */

struct sim;

/* A file an operator hands over with a command (agentctl reads it: the
 * daemon cannot read the operator's home). */
struct sim_file {
	const char *name;   /* as the operator named it, for messages */
	const char *data;
	size_t len;
};

/* What a command printed and its exit status (0 ok, 1 refused or failed,
 * 2 a usage error). */
struct sim_reply {
	struct buf out, err;
	int status;
};

/* Load the platform (config, policies, behaviour.lua) and the fault plan
 * (a JSON array, or NULL), then resume state.json if it exists or run
 * the history the config asks for.  seed: hex, or NULL for the config's.
 * Returns 0, or -1 with why (names the file, the place and the fix). */
int sim_open(const struct sim_paths *p, const char *seed_hex,
	     const char *faults_json, struct sim **out, struct buf *why);

/* Run one operator command; actor names who ran it in the audit trail,
 * pid the process that asked (0: none, as in --script).  Writes every
 * file before returning.  -1 only when the platform's own files cannot be
 * written or memory ran out (reply->err says why). */
int sim_command(struct sim *s, const char *actor, int pid, char *const *argv,
		size_t argc, const struct sim_file *file,
		struct sim_reply *reply);

/* Whether the engine ran out of memory: its state in memory is then no
 * longer what its files say, every later command fails, and the caller
 * should close it (agentd exits; restarted, it replays state.json). */
int sim_failed(const struct sim *s);

void sim_close(struct sim *s);

/* Check a platform without running it: the config, every policy version,
 * behaviour.lua and the fault plan.  Problems are appended to why, one per
 * line; returns their count (0: valid). */
int sim_check(const char *config_path, const char *faults_json,
	      struct buf *why);

void sim_reply_release(struct sim_reply *r);

/* Is kind ("platform.tool_outage", ...) a platform fault agentd knows? */
int sim_fault_known(const char *kind);

/* agentctl's usage (help.c). */
extern const char sim_help[];

#endif
