/* sim_int: the engine's insides, shared by its pieces (sim.h is its only
 * public face; nothing outside scenarios/platform includes this).
 *
 * The engine is one model in several files, cut along what they do, each
 * calling only the files listed after it:
 *   sim_api.c        open, command, close, check: the public functions
 *   sim_state.c      the files written after each command (state.json,
 *                    metrics.prom, the fault record, the logs); a state
 *                    afresh, and the replay of the journal that rebuilds one
 *   sim_cmd.c        the command table and how a command runs
 *   sim_cmd_*.c      the operator commands, by what they operate on
 *   sim_ctx.c        what the commands share: refusals, lookups, counts
 *   sim_work.c       the workload: events, tasks, tool calls, approvals
 *   sim_model.c      changes put in force (policy, model, gate, threshold,
 *                    adapter, effect reverts) and faults taking effect
 *   sim_journal.c    a command's journal entry and audit line; a log
 *                    appended to its file
 *   sim_config.c     platform.json, the policies and the fault plan, loaded
 *   sim_out.c        the seeded randomness, times, metrics, logs and spans
 * Memory: every allocation goes through sim_calloc, sim_strdup or GROW,
 * and every JSON member or element through sim_set, sim_set_str,
 * sim_push or sim_push_str; each marks s->nomem when it fails, the code
 * around them stops short without touching what it could not get, and
 * the public functions turn the mark into an error.  Nothing here
 * aborts. */
#ifndef LABRUN_SIM_INT_H
#define LABRUN_SIM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "scenarios/platform/behaviour.h"
#include "scenarios/platform/policy.h"
#include "scenarios/platform/sim.h"

struct json_t;

/* --- the model ------------------------------------------------------ */

struct mversion {
	char *id;
	unsigned quality; /* permille of plans that pass the tool schema */
};

/* A change to the platform's configuration that later spans link to (a
 * promotion, a gate or threshold change, an adapter rollout), and where
 * it is in the state's histories. */
struct change {
	char trace[33], span[17];
};

/* One entry of a history in the state: what was put in force, when, by
 * whom and how (deploy, apply, rollback, pin, canary, ...). */
struct hentry {
	char what[72];
	int64_t t_ms;
	char by[32], how[16];
};

struct model {
	char *id;
	struct mversion *v;
	size_t nv;
	size_t active, before; /* versions: the one in use, the one before it */
	size_t active_cfg;
	int pinned;
	/* the evaluation gate a new version must pass to be promoted */
	int gated, gated_cfg;
	unsigned min_quality, min_quality_cfg;
	struct change promoted, gate; /* the last promotion, gate change */
	struct hentry *hist, *ghist;  /* versions, gate values */
	size_t nhist, nghist;
};

/* A version of a tool's adapter (the platform's client for the tool):
 * what it does to the tool's calls. */
struct adapter {
	char *version;
	unsigned latency_ms, failure_pm, bad_args_pm;
	int drops_keys;
	unsigned ok, failed; /* calls it served */
	struct change put; /* the change that last put it in service */
};

struct tool {
	char *id;
	unsigned latency_ms, timeout_ms, failure_pm, retries;
	int side_effect, idempotency, enabled, debug_headers;
	size_t fallback; /* index + 1; 0: none */
	unsigned risk;   /* 0..100: escalations below the threshold pass */
	struct adapter *ad;
	size_t nad, adapter, adapter_before, adapter_cfg; /* 0 versions: none */
	size_t canary;   /* adapter index + 1 taking canary_pct of calls */
	unsigned canary_pct;
	struct change keys_dropped; /* duplicate_delivery's adapter upgrade */
	struct hentry *ahist;       /* adapter changes */
	size_t nahist;
	/* what faults did to it */
	int outage;
	unsigned slow_ms, ack_loss_pm;
	int64_t skew_ms;
};

struct agent {
	char *id, *role;
	size_t model;
	size_t *tools;
	size_t ntools;
	int quarantined, looping;
	char reason[128];
	int64_t quarantined_ms;
};

struct kind {
	char *id, *role;
	unsigned weight;
	size_t steps[SIM_MAX_STEPS];
	size_t nsteps;
};

struct secret {
	char *id;
	size_t tool;
	char value[48];
	unsigned rotations;
	int64_t rotated_ms;
};

/* A policy version and the span that last put it in force (evaluations
 * link to it: the cause of a decision in another trace). */
struct pversion {
	struct pol_policy pol;
	int present;
	char trace[33], span[17];
};

struct hist {
	unsigned version;
	int64_t t_ms;
	char by[32], how[16];
};

enum task_state {
	T_QUEUED, T_RUNNING, T_WAITING, T_RETRY, T_DONE, T_FAILED,
	T_CANCELLED,
};
extern const char *const sim_task_states[]; /* by enum task_state */

struct task {
	unsigned id;
	size_t kind, agent;
	char trace[33], root[17];
	enum task_state state;
	size_t step;
	unsigned attempts, runs, calls;
	unsigned approved_step; /* step + 1 an approval let through; 0 none */
	uint64_t run_seq;       /* the event of its next run (sim_task_run_at) */
	int64_t created_ms, updated_ms;
	char error[128];
};

enum appr_state { A_PENDING, A_APPROVED, A_REJECTED };
extern const char *const sim_appr_states[]; /* by enum appr_state */

struct approval {
	unsigned id, task;
	size_t tool, step;
	char rule[65];
	enum appr_state state;
	int64_t requested_ms, decided_ms;
	char by[32];
	int auto_;          /* approved by the threshold, not by a person */
	unsigned risk;      /* the tool's risk when it was requested */
	int reviewed;       /* an auto-approval an operator rejected */
};

struct effect {
	unsigned id, task, attempt, dup_of; /* dup_of: the first effect's id */
	size_t tool, step;
	char key[40];
	int keyed;          /* the key was sent to the tool */
	int64_t t_ms;
	int duplicate, reverted;
	int64_t reverted_ms;
	char by[32];
};

enum ev_type { EV_ARRIVAL, EV_RUN, EV_REVIEW, EV_FAULT_ON, EV_FAULT_OFF };

struct event {
	int64_t t_ms;
	uint64_t seq;
	enum ev_type type;
	unsigned arg;
};

enum pf_kind {
	PF_POLICY_DEPLOY, PF_TOOL_OUTAGE, PF_TOOL_SLOW, PF_MODEL_DRIFT,
	PF_DUPLICATE, PF_SPAN_LOSS, PF_CLOCK_SKEW, PF_SECRET_LEAK,
	PF_APPROVAL_STUCK, PF_AGENT_LOOP, PF_GATE_OPEN, PF_THRESHOLD,
	PF_ADAPTER_UPGRADE,
};
#define PF_COUNT (PF_ADAPTER_UPGRADE + 1)
extern const char *const sim_pf_names[PF_COUNT]; /* "platform.tool_outage", ... */

struct pfault {
	char *id;
	enum pf_kind kind;
	int64_t at_ms, until_ms; /* since the platform's start; until 0: none */
	size_t target;           /* tool, model, agent or secret index */
	unsigned version;        /* policy_deploy */
	size_t mversion;         /* model_drift; adapter_upgrade: the adapter */
	unsigned pm, ms;         /* probability, latency or skew */
	unsigned value;          /* gate_open, threshold_change */
	int fired;
	int64_t fired_ms;
	unsigned count;          /* what it caused: calls, spans, lines */
};

struct metric {
	char *key;
	uint64_t v;
};

struct jentry {
	char *actor;
	char **argv;
	size_t argc;
	char *fname, *fdata;
	size_t flen;
};

struct sim {
	char *config, *dir, *state, *logs, *record;
	/* the model */
	int64_t start_ms;
	unsigned history_s, interval_s, command_s, review_s, retry_s;
	unsigned max_attempts;
	struct model *models;
	struct tool *tools;
	struct agent *agents;
	struct kind *kinds;
	struct secret *secrets;
	size_t nmodels, ntools, nagents, nkinds, nsecrets;
	struct pversion pv[SIM_MAX_POLICIES + 1];
	unsigned maxver, active;
	struct behaviour *lua;
	/* the plan */
	struct pfault *faults;
	size_t nfaults;
	unsigned char seed[32];
	/* the state */
	int64_t now_ms;
	uint64_t rng[4], seq;
	struct hist *hist;
	size_t nhist;
	struct task *tasks;
	size_t ntasks;
	struct approval *appr;
	size_t nappr;
	struct effect *effects;
	size_t neffects;
	struct event *ev;
	size_t nev;
	struct metric *metrics;
	size_t nmetrics;
	int reviewer_stuck;
	unsigned auto_below, auto_below_cfg; /* escalations below this risk pass */
	struct change threshold;
	struct hentry *thist;
	size_t nthist;
	unsigned drop_pm;
	uint64_t exported, dropped;
	unsigned audit_seq;
	struct jentry *journal;
	size_t njournal;
	/* what a command adds to the logs, written when it ends; nothing is
	 * written while a journal is replayed */
	struct buf spans, log, audit;
	int replaying;
	int64_t batch_ms;   /* the exporter's last batch (SIM_BATCH_MS) */
	char damaged[1200]; /* state.json could not be used: why */
	/* An allocation failed (sim_calloc and the rest set it): what was
	 * being done stopped short, no event runs and nothing more is
	 * written; the public functions report it. */
	int nomem;
};

/* A span.  Attributes are added by the caller on the returned object's
 * "attributes" before span_end writes it. */
struct span {
	struct sim *s;            /* whose nomem an attribute marks */
	struct json_t *o, *attrs; /* jansson's json_t */
	char trace[33], id[17];
	int64_t start_ms;
};

#define FIND(arr, n, name_)                                          \
	({                                                           \
		size_t i_ = 0;                                       \
		while (i_ < (n) && strcmp((arr)[i_].id, (name_)) != 0) \
			i_++;                                        \
		i_;                                                  \
	})

/* FIND for adapters, whose name is their version. */
#define FIND_V(arr, n, name_)                                           \
	({                                                              \
		size_t i_ = 0;                                          \
		while (i_ < (n) && strcmp((arr)[i_].version, (name_)) != 0) \
			i_++;                                           \
		i_;                                                     \
	})

/* An operator command as it runs (sim_cmd.c and the sim_cmd_*.c). */
struct ctx {
	struct sim *s;
	struct sim_reply *r;
	char *const *argv;
	size_t argc;
	const struct sim_file *file;
	const char *actor;
	struct span op; /* the command's own span: what it changes hangs off it */
};

/* A command's output; a reply that cannot grow is out of memory. */
#define OUT(x, ...)                                                   \
	((void)(buf_printf(&(x)->r->out, NULL, __VA_ARGS__) < 0 &&    \
		((x)->s->nomem = 1)))

/* Memory (sim_out.c).  Each returns NULL (GROW: -1) and marks s->nomem
 * when the allocation fails; GROW keeps v as it was then. */
void *sim_calloc(struct sim *s, size_t n, size_t size);
char *sim_strdup(struct sim *s, const char *str);
void *sim_realloc(struct sim *s, void *p, size_t n, size_t size);
/* Room for one more entry after the n in the array v. */
#define GROW(s, v, n)                                                  \
	({                                                             \
		__typeof__(v) g_ = sim_realloc((s), (v), (n) + 1, sizeof *(v)); \
		g_ ? ((v) = g_, 0) : -1;                               \
	})

/* Randomness, time and output (sim_out.c). */
uint64_t sim_rnd(struct sim *s);
unsigned sim_rnd_below(struct sim *s, unsigned n);
void sim_seed_rng(struct sim *s);
void sim_new_id(struct sim *s, char *out, size_t bytes);
void sim_ts(int64_t ms, char out[32]);
struct json_t *sim_jts(int64_t ms); /* sim_ts as a JSON string */
void sim_metric_add(struct sim *s, const char *key, uint64_t by);
void sim_metricf(struct sim *s, uint64_t by, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sim_put_line(struct sim *s, struct buf *b, struct json_t *o);
/* JSON members and elements, taking v: one that cannot be made or added
 * marks s->nomem (sim_set_str leaves out a string that is not UTF-8). */
void sim_set(struct sim *s, struct json_t *o, const char *k, struct json_t *v);
void sim_set_str(struct sim *s, struct json_t *o, const char *k, const char *v);
void sim_push(struct sim *s, struct json_t *a, struct json_t *v);
void sim_push_str(struct sim *s, struct json_t *a, const char *v);
void sim_slog(struct sim *s, int64_t t_ms, const char *level,
	      const char *component, const char *msg, ...);
void sim_span_begin(struct sim *s, struct span *sp, const char *trace,
		    const char *parent, const char *name, int64_t start_ms);
void sim_attr_s(struct span *sp, const char *k, const char *v);
void sim_attr_i(struct span *sp, const char *k, long long v);
void sim_span_link(struct span *sp, const char *trace, const char *id);
void sim_span_end(struct sim *s, struct span *sp, int64_t end_ms, int ok,
		  const char *why, int64_t skew_ms);

/* The config and the fault plan (sim_config.c). */
int sim_load_config(struct sim *s, struct buf *why);
int sim_load_plan(struct sim *s, const char *faults_json, struct buf *why);
int sim_pf_kind(const char *k);
char *sim_beside(struct sim *s, const char *path, const char *name);
int sim_read_small(const char *path, size_t max, struct buf *out, char *why,
		   size_t whylen);

/* Changes and faults (sim_model.c). */
void sim_task_name(unsigned id, char out[16]);
void sim_effect_name(unsigned id, char out[16]);
void sim_policy_activate(struct sim *s, unsigned v, const char *by,
			 const char *how, const struct span *parent);
int sim_model_promote(struct sim *s, struct model *m, size_t v,
		      const char *by, const char *how,
		      const struct span *parent);
void sim_gate_set(struct sim *s, struct model *m, unsigned v, const char *by,
		  const char *how, const struct span *parent);
void sim_threshold_set(struct sim *s, unsigned v, const char *by,
		       const char *how, const struct span *parent);
void sim_adapter_set(struct sim *s, struct tool *t, size_t a, unsigned pct,
		     const char *by, const char *how,
		     const struct span *parent);
void sim_effect_revert(struct sim *s, struct effect *e, const char *by,
		       const struct span *parent);
void sim_reset_changes(struct sim *s);
void sim_fault_on(struct sim *s, struct pfault *f);
void sim_fault_off(struct sim *s, struct pfault *f);
void sim_fault_count(struct sim *s, enum pf_kind kind, size_t target);

/* The workload (sim_work.c). */
void sim_schedule(struct sim *s, int64_t t_ms, enum ev_type type,
		  unsigned arg);
struct task *sim_task_by_id(struct sim *s, unsigned id);
void sim_task_set(struct sim *s, struct task *t, enum task_state st,
		  const char *error);
void sim_task_run_at(struct sim *s, struct task *t, int64_t t_ms);
void sim_decide(struct sim *s, struct approval *ap, enum appr_state decision,
		const char *by);
/* Process every event due by t_ms; the clock ends at t_ms. */
void sim_advance(struct sim *s, int64_t t_ms);

/* Commands (sim_cmd.c): run one (the journal's replay too). */
int sim_run_command(struct sim *s, const char *actor, int pid,
		    char *const *argv, size_t argc,
		    const struct sim_file *file, struct sim_reply *reply);

/* What the commands share (sim_ctx.c). */
int sim_fail(struct ctx *x, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sim_find_tool(struct ctx *x, const char *id, size_t *out);
int sim_find_agent(struct ctx *x, const char *id, size_t *out);
int sim_find_model(struct ctx *x, const char *id, size_t *out);
unsigned sim_count_tasks(struct sim *s, enum task_state st);
unsigned sim_pending_approvals(struct sim *s);

/* The operator commands, one per word of the table (sim_cmd.c): each
 * returns the command's exit status. */
int sim_cmd_status(struct ctx *x);    /* sim_cmd_observe.c */
int sim_cmd_exporter(struct ctx *x);
int sim_cmd_clock(struct ctx *x);
int sim_cmd_metrics(struct ctx *x);
int sim_cmd_trace(struct ctx *x);
int sim_cmd_audit(struct ctx *x);
int sim_cmd_agents(struct ctx *x);    /* sim_cmd_agents.c */
int sim_cmd_agent(struct ctx *x);
int sim_cmd_models(struct ctx *x);
int sim_cmd_model(struct ctx *x);
int sim_cmd_tools(struct ctx *x);     /* sim_cmd_tools.c */
int sim_cmd_tool(struct ctx *x);
int sim_cmd_secret(struct ctx *x);
int sim_cmd_policy(struct ctx *x);    /* sim_cmd_policy.c */
int sim_cmd_tasks(struct ctx *x);     /* sim_cmd_tasks.c */
int sim_cmd_task(struct ctx *x);
int sim_cmd_approvals(struct ctx *x);
int sim_cmd_approval(struct ctx *x);
int sim_cmd_advance(struct ctx *x);
int sim_cmd_effects(struct ctx *x);
int sim_cmd_effect(struct ctx *x);

/* The journal, the audit trail and the logs (sim_journal.c). */
int sim_append(const char *dir, const char *name, struct buf *b,
	       struct buf *err);
void sim_journal_add(struct sim *s, const char *actor, char *const *argv,
		     size_t argc, const struct sim_file *file);
void sim_audit_add(struct sim *s, const char *actor, int pid,
		   char *const *argv, size_t argc,
		   const struct sim_file *file, int status,
		   const struct buf *out, const struct buf *err,
		   const char *span);

/* The files and the replay (sim_state.c). */
int sim_flush(struct sim *s, struct buf *err);
void sim_state_free(struct sim *s);
void sim_begin(struct sim *s);
int sim_resume(struct sim *s, const char *path);

#endif
