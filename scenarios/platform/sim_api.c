/* sim_api: the agent platform's engine (sim.h, docs/platform.md): open,
 * command, close and check, the functions the rest of labrun sees (all
 * but sim_reply_release, in sim_ctx.c, which the engine uses too).
 *
 * The model is loaded from platform.json and the policies/ beside it, and
 * the state is whatever the seed, the fault plan and the journal of
 * operator commands make of it: state.json holds that journal, and a
 * restarted agentd replays it (writing nothing) to stand where it was.
 * So there is one way to reach a state, and the same inputs always reach
 * the same one.  sim_int.h says which file does what.  Running out of
 * memory is an error here, never an abort: sim_open and sim_check name
 * it in why, sim_command in the reply (and returns -1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenarios/platform/sim_int.h"

static char *path_join(struct sim *s, const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = sim_calloc(s, n, 1);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Running out of memory, for sim_open's and sim_check's why. */
static int nomem_why(struct buf *why)
{
	buf_puts(why, "out of memory\n", NULL);
	return -1;
}

static int setup(struct sim *s, const struct sim_paths *p, const char *seed_hex,
		 const char *faults_json, struct buf *why)
{
	s->config = sim_strdup(s, p->config);
	s->state = sim_strdup(s, p->state);
	s->logs = sim_strdup(s, p->logs);
	s->record = p->record ? sim_strdup(s, p->record) : NULL;
	if (s->nomem)
		return nomem_why(why);
	if (seed_hex && seed_hex[0] &&
	    (strlen(seed_hex) > 64 || hex_decode(seed_hex, s->seed, sizeof s->seed) < 0)) {
		buf_printf(why, NULL, "the seed: must be 2 to 64 hex digits\n");
		return -1;
	}
	if (sim_load_config(s, why) < 0 || sim_load_plan(s, faults_json, why) < 0)
		return s->nomem ? nomem_why(why) : -1;
	return 0;
}

int sim_open(const struct sim_paths *p, const char *seed_hex,
	     const char *faults_json, struct sim **out, struct buf *why)
{
	struct sim *s = calloc(1, sizeof *s);
	char *state = NULL;
	struct stat st;
	int rc = 0;

	if (!s)
		return nomem_why(why);
	if (setup(s, p, seed_hex, faults_json, why) < 0) {
		sim_close(s);
		return -1;
	}
	state = path_join(s, s->state, "state.json");
	if (!state) {
		rc = -1;
	} else if (lstat(state, &st) == 0) {
		s->replaying = 1;
		sim_begin(s);
		sim_flush(s, NULL);
		if (!s->nomem && sim_resume(s, state) < 0 && !s->nomem) {
			/* the platform stays up to say so; `state reset` starts
			 * it afresh */
			sim_state_free(s);
			sim_begin(s);
			s->spans.len = s->log.len = s->audit.len = 0;
		}
		s->replaying = 0;
	} else {
		const char *names[] = {"spans.jsonl", "agentd.jsonl", "audit.jsonl"};

		for (size_t i = 0; i < 3; i++) {
			char *f = path_join(s, s->logs, names[i]);

			if (f)
				unlink(f);
			free(f);
		}
		sim_begin(s);
		rc = sim_flush(s, why);
	}
	free(state);
	if (s->nomem && rc == 0)
		rc = -1;
	if (s->nomem)
		nomem_why(why);
	if (rc < 0) {
		sim_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* A command that could not get the memory it needed: its changes stay in
 * memory only, and the state there is no longer the journal's; every
 * later command gets the same answer (agentd exits on it, and its restart
 * replays state.json to stand where the files left it). */
static int nomem_reply(struct sim_reply *reply)
{
	buf_release(&reply->out);
	buf_release(&reply->err);
	buf_puts(&reply->err, "agentd: out of memory: the command's changes are lost\n"
		 "agentd: hint: restart agentd: it resumes from state.json\n", NULL);
	reply->status = 1;
	return -1;
}

int sim_command(struct sim *s, const char *actor, int pid, char *const *argv,
		size_t argc, const struct sim_file *file,
		struct sim_reply *reply)
{
	int rc;

	if (s->nomem)
		return nomem_reply(reply);
	if (s->damaged[0]) {
		if (argc == 2 && strcmp(argv[0], "state") == 0 && strcmp(argv[1], "reset") == 0) {
			char *state = path_join(s, s->state, "state.json");

			if (!state)
				return nomem_reply(reply);
			unlink(state);
			free(state);
			s->damaged[0] = '\0';
			sim_state_free(s);
			sim_begin(s);
			buf_printf(&reply->out, NULL, "the platform starts afresh from its configuration\n");
			sim_audit_add(s, actor, pid, argv, argc, NULL, 0, &reply->out, &reply->err, "");
			rc = s->nomem ? -1 : sim_flush(s, &reply->err);
			return s->nomem ? nomem_reply(reply) : rc;
		}
		buf_printf(&reply->err, NULL,
			   "agentctl: the platform's state is damaged: %s\n"
			   "agentctl: hint: `agentctl state reset` starts the platform afresh from its configuration (the audit trail keeps what happened)\n",
			   s->damaged);
		reply->status = 1;
		return 0;
	}
	sim_run_command(s, actor, pid, argv, argc, file, reply);
	rc = s->nomem ? -1 : sim_flush(s, &reply->err);
	return s->nomem ? nomem_reply(reply) : rc;
}

int sim_failed(const struct sim *s)
{
	return s->nomem;
}

void sim_close(struct sim *s)
{
	if (!s)
		return;
	sim_state_free(s);
	for (size_t i = 0; i < s->nmodels; i++) {
		free(s->models[i].hist);
		free(s->models[i].ghist);
		for (size_t k = 0; k < s->models[i].nv; k++)
			free(s->models[i].v[k].id);
		free(s->models[i].v);
		free(s->models[i].id);
	}
	for (size_t i = 0; i < s->ntools; i++) {
		for (size_t k = 0; k < s->tools[i].nad; k++)
			free(s->tools[i].ad[k].version);
		free(s->tools[i].ad);
		free(s->tools[i].ahist);
		free(s->tools[i].id);
	}
	free(s->thist);
	for (size_t i = 0; i < s->nagents; i++) {
		free(s->agents[i].id);
		free(s->agents[i].role);
		free(s->agents[i].tools);
	}
	for (size_t i = 0; i < s->nkinds; i++) {
		free(s->kinds[i].id);
		free(s->kinds[i].role);
	}
	for (size_t i = 0; i < s->nsecrets; i++)
		free(s->secrets[i].id);
	for (size_t i = 0; i < s->nfaults; i++)
		free(s->faults[i].id);
	for (unsigned v = 0; v <= SIM_MAX_POLICIES; v++)
		if (s->pv[v].present)
			pol_release(&s->pv[v].pol);
	free(s->models);
	free(s->tools);
	free(s->agents);
	free(s->kinds);
	free(s->secrets);
	free(s->faults);
	if (s->lua)
		behaviour_close(s->lua);
	buf_release(&s->spans);
	buf_release(&s->log);
	buf_release(&s->audit);
	free(s->config);
	free(s->state);
	free(s->logs);
	free(s->record);
	free(s);
}

int sim_check(const char *config_path, const char *faults_json,
	      struct buf *why)
{
	struct sim *s = calloc(1, sizeof *s);
	struct sim_paths p = {.config = config_path, .state = "", .logs = ""};
	size_t before = why->len, n = 0;
	int nomem;

	if (!s) {
		nomem_why(why);
		return 1;
	}
	setup(s, &p, NULL, faults_json, why);
	nomem = s->nomem;
	sim_close(s);
	for (size_t i = before; i < why->len; i++)
		n += why->data[i] == '\n';
	return nomem && n == 0 ? 1 : (int)n;
}

int sim_fault_known(const char *kind)
{
	return sim_pf_kind(kind) >= 0;
}
