/* evidence: building the records of a session (manifest.json, result.json,
 * commands.jsonl), sealing them with SHA256SUMS and its signature into one
 * canonical tar, and verifying such a file.  It does not run sessions,
 * grade, collect files or hold keys: callers hand those in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/collect.h"
#include "runner/credential.h"
#include "runner/registry.h"
#include "runner/status_list.h"
#include "runner/evidence.h"
#include "runner/review_form.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"

#define SCHEMA "labrun.evidence/1"
#define SUMS "SHA256SUMS"
#define SUMS_SIG "SHA256SUMS.minisig"
#define SECONDS_PER_DAY 86400
#define REPLAY_SCRIPT "replay/script.sh"
#define RUNBOOK "answers/runbook.sh"

/* ---- building JSON ---------------------------------------------------- */

/* A JSON string from bytes that may not be valid UTF-8 (candidate input,
 * terminal output): invalid bytes become the text "\xNN" first, because
 * jansson refuses them.  NULL gives JSON null. */
static json_t *jstr(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *v;

	if (!s)
		return json_null();
	if (utf8_valid((const unsigned char *)s, strlen(s)))
		return json_string(s);
	if (utf8_escape((const unsigned char *)s, strlen(s), &b, NULL) < 0)
		return NULL;
	v = json_stringn((const char *)b.data, b.len);
	buf_release(&b);
	return v;
}

static json_t *jint(long long v)
{
	return json_integer((json_int_t)v);
}

static json_t *jtime(int64_t unix_s)
{
	char t[32];

	time_rfc3339(unix_s, t);
	return json_string(t);
}

/* "sha256:" followed by a hex digest, or null. */
static json_t *jdigest(const char *hex)
{
	char s[8 + SIGN_SHA256_HEX];

	if (!hex)
		return json_null();
	snprintf(s, sizeof s, "sha256:%s", hex);
	return jstr(s);
}

/* Building is a long run of insertions: each one that fails (out of
 * memory; jansson frees the value) marks the build bad, checked once. */
static void put(int *bad, json_t *obj, const char *key, json_t *v)
{
	if (!obj || json_object_set_new(obj, key, v) < 0)
		*bad = 1;
}

static void push(int *bad, json_t *arr, json_t *v)
{
	if (!arr || json_array_append_new(arr, v) < 0)
		*bad = 1;
}

static int64_t ms_to_s(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

static const char *status_name(enum check_status s)
{
	switch (s) {
	case CHECK_PASS:
		return "pass";
	case CHECK_FAIL:
		return "fail";
	case CHECK_ERROR:
		return "error";
	}
	return "error";
}

/* $.replay: what replays the session in a recertification.  A run's
 * script is kept as it ran; a take has the runbook the candidate left,
 * or else only its command log, from which a script is derived at best
 * effort (builtins, redirections and editor changes are not execs). */
static json_t *build_replay(const struct ev_info *in, int runbook, int *bad)
{
	json_t *o = json_object();

	if (in->script) {
		put(bad, o, "source", json_string("script"));
		put(bad, o, "member", json_string(REPLAY_SCRIPT));
		put(bad, o, "best_effort", json_boolean(in->replay_best_effort));
	} else if (runbook) {
		put(bad, o, "source", json_string("runbook"));
		put(bad, o, "member", json_string(RUNBOOK));
		put(bad, o, "best_effort", json_false());
	} else {
		put(bad, o, "source", json_string("commands"));
		put(bad, o, "member", json_null());
		put(bad, o, "best_effort", json_true());
	}
	return o;
}

static json_t *build_renews(const struct ev_renewal *r, int *bad)
{
	json_t *o = json_object();

	put(bad, o, "digest", jdigest(r->digest));
	put(bad, o, "scenario_digest", jstr(r->scenario_digest));
	put(bad, o, "verdict", jstr(r->verdict));
	put(bad, o, "issued", jstr(r->issued));
	put(bad, o, "valid_until", jstr(r->valid_until));
	return o;
}

/* $.recording.neutralised: {"total": N, "kinds": {"osc-clipboard": n,
 * ...}}, the kinds with n > 0 only. */
static json_t *build_identifier(const struct cred_identity *id, int *bad)
{
	json_t *o = json_object();

	put(bad, o, "type", jstr(id->type));
	put(bad, o, "salt", jstr(id->salt));
	put(bad, o, "hash", jstr(id->hash));
	return o;
}

static json_t *build_neutralised(const struct cast_neutral *n, int *bad)
{
	json_t *o = json_object(), *k = json_object();
	size_t i;

	put(bad, o, "total", jint((long long)n->total));
	for (i = 0; i < CAST_NKINDS; i++)
		if (n->kind[i])
			put(bad, k, cast_kind_name((enum cast_kind)i),
			    jint((long long)n->kind[i]));
	put(bad, o, "kinds", k);
	return o;
}

static json_t *build_manifest(const struct ev_info *in, size_t ncommands,
			      int commands_truncated, int runbook, int *bad)
{
	const struct scenario *sc = in->sc;
	const struct collect_report *col = in->collected;
	json_t *m = json_object(), *o, *a, *l;
	int64_t ended_s = ms_to_s(in->ended_ms);
	int pass = in->verdict && !strcmp(in->verdict, "pass");
	size_t i;

	put(bad, m, "schema", json_string(SCHEMA));

	o = json_object();
	put(bad, o, "mode", jstr(in->mode));
	put(bad, o, "script_sha256", jstr(in->script_sha256));
	put(bad, o, "unsigned_directory", json_boolean(in->unsigned_directory));
	put(bad, m, "produced_by", o);

	o = json_object();
	put(bad, o, "name", json_string("labrun"));
	put(bad, o, "version", jstr(in->runner_version));
	put(bad, o, "sandbox_profile", jdigest(in->profile_digest));
	put(bad, m, "runner", o);

	o = json_object();
	put(bad, o, "id", jstr(sc->id));
	put(bad, o, "version", jstr(sc->version));
	put(bad, o, "title", jstr(sc->title));
	put(bad, o, "level", jstr(sc->level));
	a = json_array();
	for (i = 0; i < sc->ncompetencies; i++)
		push(bad, a, jstr(sc->competencies[i]));
	put(bad, o, "competencies", a);
	put(bad, o, "platform", jstr(sc->platform));
	put(bad, o, "digest", jdigest(in->scenario_digest));
	put(bad, o, "signed_by", jstr(in->signer_keyid));
	put(bad, m, "scenario", o);

	o = json_object();
	put(bad, o, "pseudonym", jstr(in->candidate));
	if (in->identity)
		put(bad, o, "identifier", build_identifier(in->identity, bad));
	put(bad, m, "candidate", o);
	put(bad, m, "attempt", jint(in->attempt));

	o = json_object();
	put(bad, o, "value", jstr(in->seed_hex));
	put(bad, o, "source",
	    json_string(in->seed_source       ? in->seed_source
			: in->seed_overridden ? "override" : "derived"));
	put(bad, o, "variant", jstr(scenario_variant(in->sc)));
	put(bad, m, "seed", o);

	o = json_object();
	put(bad, o, "started", jtime(ms_to_s(in->started_ms)));
	put(bad, o, "ended", jtime(ended_s));
	put(bad, o, "duration_ms", jint(in->ended_ms - in->started_ms));
	put(bad, o, "time_limit_s", jint(in->time_limit_s));
	put(bad, o, "time_factor_pct",
	    jint(in->time_factor_pct ? in->time_factor_pct : 100));
	put(bad, o, "ended_by", jstr(in->ended_by));
	put(bad, o, "exit_status",
	    in->exit_status >= 0 ? jint(in->exit_status) : json_null());
	put(bad, m, "session", o);

	a = json_array();
	for (i = 0; i < in->nlimits; i++) {
		l = json_object();
		put(bad, l, "name", jstr(in->limits[i].name));
		/* jansson integers are signed 64-bit; no limit comes near. */
		put(bad, l, "value",
		    jint(in->limits[i].value > INT64_MAX
				 ? INT64_MAX
				 : (long long)in->limits[i].value));
		put(bad, l, "mechanism", jstr(in->limits[i].mechanism));
		push(bad, a, l);
	}
	put(bad, m, "limits", a);
	a = json_array();
	for (i = 0; i < in->nlimit_events; i++) {
		l = json_object();
		put(bad, l, "limit", jstr(in->limit_events[i].limit));
		put(bad, l, "event", jstr(in->limit_events[i].event));
		put(bad, l, "count",
		    jint(in->limit_events[i].count > INT64_MAX
				 ? INT64_MAX
				 : (long long)in->limit_events[i].count));
		push(bad, a, l);
	}
	put(bad, m, "limit_events", a);
	a = json_array();
	for (i = 0; i < in->nfaults; i++) {
		l = json_object();
		put(bad, l, "id", jstr(in->faults[i].id));
		put(bad, l, "kind", jstr(in->faults[i].kind));
		put(bad, l, "target", jstr(in->faults[i].target));
		put(bad, l, "when", jstr(in->faults[i].when));
		put(bad, l, "triggered", jint(in->faults[i].triggered));
		put(bad, l, "detail", jstr(in->faults[i].detail));
		push(bad, a, l);
	}
	put(bad, m, "faults", a);

	o = json_object();
	put(bad, o, "count", jint((long long)ncommands));
	put(bad, o, "truncated", json_boolean(commands_truncated));
	put(bad, m, "commands", o);

	o = json_object();
	put(bad, o, "capped", json_boolean(in->cast_capped));
	put(bad, o, "neutralised", build_neutralised(&in->cast_neutral, bad));
	put(bad, m, "recording", o);

	o = json_object();
	put(bad, o, "files", jint(col ? (long long)col->files : 0));
	put(bad, o, "bytes", jint(col ? (long long)col->bytes : 0));
	put(bad, o, "deleted", jint(col ? (long long)col->deleted : 0));
	put(bad, o, "truncated", json_boolean(col && col->truncated));
	a = json_array();
	for (i = 0; col && i < col->n; i++) {
		l = json_object();
		put(bad, l, "path", jstr(col->v[i].path));
		put(bad, l, "reason", jstr(col->v[i].reason));
		push(bad, a, l);
	}
	put(bad, o, "refused", a);
	a = json_array();
	for (i = 0; col && i < col->nexec; i++)
		push(bad, a, jstr(col->exec[i]));
	put(bad, o, "executable", a);
	/* Each part with its own budget (collect.h; absent from files
	 * written before the parts existed). */
	l = json_object();
	put(bad, l, "files", jint(col ? (long long)col->graded.files : 0));
	put(bad, l, "bytes", jint(col ? (long long)col->graded.bytes : 0));
	put(bad, l, "special", jint(col ? (long long)col->graded.special : 0));
	put(bad, l, "deleted", jint(col ? (long long)col->graded.deleted : 0));
	put(bad, l, "touched", jint(col ? (long long)col->graded.touched : 0));
	put(bad, l, "left_out", jint(col ? (long long)col->graded.left_out : 0));
	put(bad, l, "complete", json_boolean(!col || !col->graded.error[0]));
	put(bad, o, "graded", l);
	l = json_object();
	put(bad, l, "files", jint(col ? (long long)col->candidate.files : 0));
	put(bad, l, "bytes", jint(col ? (long long)col->candidate.bytes : 0));
	put(bad, l, "left_out", jint(col ? (long long)col->candidate.left_out : 0));
	put(bad, o, "candidate", l);
	l = json_object();
	put(bad, l, "files", jint(col ? (long long)col->answers.files : 0));
	put(bad, l, "bytes", jint(col ? (long long)col->answers.bytes : 0));
	put(bad, o, "answers", l);
	put(bad, m, "collection", o);

	put(bad, m, "verdict", jstr(in->verdict));
	put(bad, m, "score", jint(in->score));
	put(bad, m, "pass_mark", jint(sc->pass_mark));
	a = json_array();
	for (i = 0; i < in->nhints; i++) {
		json_t *h = json_object();

		put(bad, h, "hint", jint(in->hints[i].index));
		put(bad, h, "cost", jint(in->hints[i].cost));
		put(bad, h, "at_ms", jint(in->hints[i].at_ms));
		push(bad, a, h);
	}
	put(bad, m, "hints_used", a);
	put(bad, m, "error", jstr(in->error));
	put(bad, m, "issued", jtime(ended_s));
	put(bad, m, "valid_until",
	    pass ? jtime(ended_s + (int64_t)sc->valid_for_days * SECONDS_PER_DAY)
		 : json_null());
	/* A replay renews only when it passes; a failing one is a plain
	 * fail (the holder retakes), and nothing is revoked. */
	put(bad, m, "renews",
	    pass && in->renews ? build_renews(in->renews, bad) : json_null());
	put(bad, m, "regraded_from", json_null());
	/* every pass carries its credential (credential.json), issued when
	 * sealed from these members; a renewal's replaces the old one's */
	put(bad, m, "credential", json_boolean(pass));
	put(bad, m, "replaces_credential",
	    pass && in->replaces_credential ? jstr(in->replaces_credential)
					    : json_null());
	/* {"index", "base_url"} once sealed with a registry (ev_seal) */
	put(bad, m, "credential_status", json_null());
	put(bad, m, "replay", build_replay(in, runbook, bad));
	if (in->batch_job) {
		o = json_object();
		put(bad, o, "jobs_digest", jdigest(in->batch_jobs_digest));
		put(bad, o, "job", jstr(in->batch_job));
		put(bad, m, "batch", o);
	} else {
		put(bad, m, "batch", json_null());
	}
	return m;
}

/* A renewal's check that was not judged again: what it carries and from
 * where; nulls for a knowledge check the renewed evidence lacks. */
static json_t *build_carried(const struct ev_carry *cy, const struct ev_carried *k,
			     int *bad)
{
	json_t *o = json_object();
	int carried = k->state == EV_CARRIED;

	put(bad, o, "from", jstr(cy->from));
	put(bad, o, "status", carried ? jstr(k->status) : json_null());
	put(bad, o, "points", carried ? jint(k->points) : json_null());
	put(bad, o, "weight", carried ? jint(k->weight) : json_null());
	return o;
}

static json_t *build_result(const struct ev_info *in, int *bad)
{
	const struct grader_result *r = in->result;
	json_t *m = json_object(), *a, *c;
	size_t i;

	put(bad, m, "verdict", jstr(in->verdict));
	put(bad, m, "score", jint(in->score));
	put(bad, m, "pass_mark", jint(in->sc->pass_mark));
	put(bad, m, "grader_ok", json_boolean(r && r->ok));
	if (!r)
		put(bad, m, "grader_error",
		    jstr(in->error ? in->error : "the grader did not run"));
	else
		put(bad, m, "grader_error", r->ok ? json_null() : jstr(r->error));
	a = json_array();
	for (i = 0; r && i < r->n; i++) {
		const struct grader_check *k = &r->checks[i];

		c = json_object();
		put(bad, c, "id", jstr(k->id));
		put(bad, c, "title", jstr(k->title));
		put(bad, c, "status", json_string(status_name(k->status)));
		put(bad, c, "weight", jint(k->weight));
		put(bad, c, "points", jint(k->points));
		put(bad, c, "message", jstr(k->message));
		put(bad, c, "kind", json_string(k->knowledge ? "knowledge" : "remediation"));
		if (in->carry && i < in->carry->n && in->carry->checks[i].state != EV_JUDGED)
			put(bad, c, "carried", build_carried(in->carry, &in->carry->checks[i], bad));
		push(bad, a, c);
	}
	put(bad, m, "checks", a);
	if (in->carry) {
		c = json_object();
		put(bad, c, "from", jstr(in->carry->from));
		put(bad, c, "hint_points", jint(in->carry->hint_points));
		put(bad, m, "carry", c);
	}
	return m;
}

/* One compact line for an exec. */
static json_t *build_command(const struct ev_command *c, size_t seq, int *bad)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	put(bad, o, "seq", jint((long long)seq));
	put(bad, o, "t_ms", jint(c->t_ms));
	put(bad, o, "pid", jint(c->pid));
	put(bad, o, "path", jstr(c->path ? c->path : ""));
	for (i = 0; i < c->argc; i++)
		push(bad, a, jstr(c->argv[i] ? c->argv[i] : ""));
	put(bad, o, "argv", a);
	put(bad, o, "argv_truncated", json_boolean(c->argv_truncated));
	put(bad, o, "verified", c->verified < 0 ? json_null()
						 : json_boolean(c->verified));
	if (c->verified == 0) {
		a = json_array();
		for (i = 0; i < c->argc_run; i++)
			push(bad, a, jstr(c->argv_run[i]));
		put(bad, o, "argv_run", a);
	}
	put(bad, o, "exit", c->exited ? jint(c->exit_code) : json_null());
	put(bad, o, "exe", jstr(c->exe));
	put(bad, o, "interpreter", jstr(c->interpreter));
	put(bad, o, "link", jstr(c->link));
	put(bad, o, "cwd", jstr(c->cwd));
	put(bad, o, "trusted", json_boolean(c->trusted));
	return o;
}

/* Serialise v (which is freed) and add it as a member. */
static int add_json(struct tar_list *members, const char *name, json_t *v,
		    int bad, struct err *e)
{
	char *s = NULL;
	struct buf b = BUF_INIT;
	int rc = -1;

	if (!v || bad) {
		err_set(e, ERR_HOST, "%s: out of memory", name);
		goto out;
	}
	s = json_dumps(v, JSON_SORT_KEYS | JSON_INDENT(2));
	if (!s) {
		err_set(e, ERR_HOST, "%s: out of memory", name);
		goto out;
	}
	if (buf_puts(&b, s, e) < 0 || buf_append(&b, "\n", 1, e) < 0 ||
	    tar_list_add_file(members, name, 0644, b.data, b.len, e) < 0)
		goto out;
	rc = 0;
out:
	free(s);
	buf_release(&b);
	json_decref(v);
	return rc;
}

/* commands.jsonl within COMMANDS_MAX lines and COMMANDS_MAX_LOG bytes;
 * *written is how many went in, *cut set when some did not. */
static int build_commands(const struct ev_info *in, struct buf *out,
			  size_t *written, int *cut, struct err *e)
{
	size_t i, n;
	int bad = 0, rc;
	json_t *o;
	char *s;

	*written = 0;
	*cut = in->ncommands > COMMANDS_MAX;
	for (i = 0; i < in->ncommands && i < COMMANDS_MAX; i++) {
		o = build_command(&in->commands[i], i + 1, &bad);
		s = bad ? NULL : json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
		json_decref(o);
		if (!s)
			return err_set(e, ERR_HOST, "commands.jsonl: out of memory");
		n = strlen(s);
		if (out->len + n + 1 > COMMANDS_MAX_LOG) {
			free(s);
			*cut = 1;
			break;
		}
		rc = buf_append(out, s, n, e) < 0 || buf_append(out, "\n", 1, e) < 0;
		free(s);
		if (rc)
			return -1;
		(*written)++;
	}
	return 0;
}

int ev_add_records(struct tar_list *members, const struct ev_info *info,
		   struct err *e)
{
	struct buf cmds = BUF_INIT;
	size_t written;
	int cut, bad = 0, rc = -1;
	int runbook = tar_list_find(members, RUNBOOK) != NULL;
	json_t *v;

	if (!info->sc || !info->verdict)
		return err_set(e, ERR_BUG, "evidence: no scenario or verdict");
	if (build_commands(info, &cmds, &written, &cut, e) < 0)
		goto out;
	if (info->script &&
	    tar_list_add_file(members, REPLAY_SCRIPT, 0644, info->script,
			      info->script_len, e) < 0)
		goto out;
	v = build_manifest(info, written, cut || info->commands_truncated,
			   runbook, &bad);
	if (add_json(members, "manifest.json", v, bad, e) < 0)
		goto out;
	bad = 0;
	v = build_result(info, &bad);
	if (add_json(members, "result.json", v, bad, e) < 0)
		goto out;
	if (tar_list_add_file(members, "commands.jsonl", 0644,
			      cmds.data ? (void *)cmds.data : (void *)"",
			      cmds.len, e) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&cmds);
	return rc;
}

/* ---- sealing ---------------------------------------------------------- */

/* A name that sha256sum -c reads back as it is: plain printable ASCII with
 * no space or backslash (coreutils escapes those). */
static int plain_name(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '\\')
			return 0;
	return 1;
}

/* The manifest's credential is true (a pass): its credential.json, the
 * credential of these members (runner/credential.c).  One handed in is
 * kept as it is (verify holds it to what labrun would issue). */
static const char *sget(const json_t *doc, const char *path);

static const char *issue_registry; /* ev_set_registry */

void ev_set_registry(const char *dir)
{
	issue_registry = dir && dir[0] ? dir : NULL;
}

/* With a registry, a pass's status index: allocated (logged) before the
 * credential that carries it exists, and recorded in the manifest as
 * credential_status, which the credential's credentialStatus is built
 * from.  *index 0 when none. */
static int allocate_status(struct tar_list *members, const struct sign_sec *sk,
			   unsigned *index, struct err *e)
{
	struct tar_entry *m = (struct tar_entry *)tar_list_find(members, "manifest.json");
	struct registry *r = NULL;
	struct buf b = BUF_INIT;
	char base[REG_URL_MAX + 1], ach[200];
	json_t *man;
	char *s = NULL;
	int rc = -1;

	*index = 0;
	if (!issue_registry || !m || tar_list_find(members, CRED_MEMBER))
		return 0;
	man = json_loadb((const char *)m->data, m->len, 0, NULL);
	if (!json_is_true(json_object_get(man, "credential"))) {
		json_decref(man);
		return 0;
	}
	if (registry_open(issue_registry, &r, e) < 0)
		goto out;
	snprintf(base, sizeof base, "%s", registry_base_url(r));
	registry_close(r);
	snprintf(ach, sizeof ach, "urn:labrun:scenario:%.100s:%.60s",
		 sget(man, "scenario.id") ? sget(man, "scenario.id") : "?",
		 sget(man, "scenario.version") ? sget(man, "scenario.version") : "?");
	if (registry_allocate(issue_registry, sk,
			      sget(man, "candidate.pseudonym") ? sget(man, "candidate.pseudonym") : "?",
			      ach, index, e) < 0)
		goto out;
	if (json_object_set_new(man, "credential_status",
				json_pack("{s:i, s:s}", "index", (json_int_t)*index,
					  "base_url", base)) ||
	    !(s = json_dumps(man, JSON_SORT_KEYS | JSON_INDENT(2))) ||
	    buf_puts(&b, s, e) < 0 || buf_append(&b, "\n", 1, e) < 0) {
		if (e->kind == ERR_NONE)
			err_set(e, ERR_HOST, "manifest.json: out of memory");
		goto out;
	}
	free(m->data);
	m->data = buf_steal(&b, &m->len);
	rc = 0;
out:
	free(s);
	buf_release(&b);
	json_decref(man);
	return rc;
}

/* The credential just issued with index, bound to it in the log. */
static int bind_status(const struct tar_list *members, const struct sign_sec *sk,
		       unsigned index, struct err *e)
{
	const struct tar_entry *c = tar_list_find(members, CRED_MEMBER);
	json_t *doc;
	int rc;

	if (!index)
		return 0;
	doc = c ? json_loadb((const char *)c->data, c->len, 0, NULL) : NULL;
	if (!json_string_value(json_object_get(doc, "id"))) {
		json_decref(doc);
		return err_set(e, ERR_BUG, "evidence: no credential id to bind");
	}
	rc = registry_bind(issue_registry, sk, index,
			   json_string_value(json_object_get(doc, "id")), e);
	json_decref(doc);
	return rc;
}

static int add_credential(struct tar_list *members, const struct sign_sec *sk,
			  struct err *e)
{
	const struct tar_entry *m = tar_list_find(members, "manifest.json");
	struct buf cred = BUF_INIT;
	json_t *man;
	int want, rc;

	man = m ? json_loadb((const char *)m->data, m->len, 0, NULL) : NULL;
	want = json_is_true(json_object_get(man, "credential"));
	json_decref(man);
	if (!want || tar_list_find(members, CRED_MEMBER))
		return 0;
	rc = cred_for_evidence(members, sk, &cred, e) < 0 ||
			     tar_list_add_file(members, CRED_MEMBER, 0644, cred.data,
					       cred.len, e) < 0
		     ? -1
		     : 0;
	buf_release(&cred);
	return rc;
}

int ev_seal(struct tar_list *members, const struct sign_sec *sk,
	    const char *trusted_comment, const char *path, struct err *e)
{
	struct buf tar = BUF_INIT;
	int rc;

	rc = ev_seal_bytes(members, sk, trusted_comment, &tar, e) < 0 ||
	     write_file_atomic(path, tar.data, tar.len, 0644, e) < 0 ? -1 : 0;
	buf_release(&tar);
	return rc;
}

int ev_seal_bytes(struct tar_list *members, const struct sign_sec *sk,
		  const char *trusted_comment, struct buf *out, struct err *e)
{
	struct buf sums = BUF_INIT, sig = BUF_INIT, tar = BUF_INIT;
	char hex[SIGN_SHA256_HEX];
	const char *path = "evidence";
	unsigned index;
	size_t i;
	int rc = -1;

	if (tar_list_find(members, SUMS) || tar_list_find(members, SUMS_SIG))
		return err_set(e, ERR_BUG, "evidence: already sealed");
	if (allocate_status(members, sk, &index, e) < 0)
		return -1;
	if (index)
		crash_point("registry-allocated"); /* logged, not yet bound */
	if (add_credential(members, sk, e) < 0 ||
	    bind_status(members, sk, index, e) < 0)
		return -1;
	tar_list_sort(members);
	for (i = 0; i < members->n; i++) {
		const struct tar_entry *m = &members->v[i];

		if (m->is_dir || !plain_name(m->name)) {
			err_set(e, ERR_BUG, "evidence: member '%s': %s", m->name,
				m->is_dir ? "a directory"
					  : "not a plain ASCII name");
			goto out;
		}
		sha256_hex(m->data, m->len, hex);
		if (buf_printf(&sums, e, "%s  %s\n", hex, m->name) < 0)
			goto out;
	}
	if (sign_data(sk, sums.data, sums.len, trusted_comment, &sig, e) < 0 ||
	    tar_list_add_file(members, SUMS, 0644, sums.data, sums.len, e) < 0 ||
	    tar_list_add_file(members, SUMS_SIG, 0644, sig.data, sig.len, e) < 0 ||
	    tar_write(members, &tar, e) < 0)
		goto out;
	/* verify holds the whole file in memory: what it would refuse is
	 * never written. */
	if (tar.len > EVIDENCE_MAX_TOTAL || members->n > EVIDENCE_MAX_ENTRIES) {
		err_set(e, ERR_BUG,
			"%s: evidence of %zu bytes in %zu members is over the "
			"verify limits (%u bytes, %u members)",
			path, tar.len, members->n, EVIDENCE_MAX_TOTAL,
			EVIDENCE_MAX_ENTRIES);
		goto out;
	}
	*out = tar;
	tar = (struct buf)BUF_INIT;
	rc = 0;
out:
	buf_release(&sums);
	buf_release(&sig);
	buf_release(&tar);
	return rc;
}

/* ---- verifying -------------------------------------------------------- */

/* A name or value from the file, made safe to print in one message:
 * control characters and backslashes escaped, long text cut. */
static const char *shown(const char *s, char *out, size_t size)
{
	static const char hexdig[] = "0123456789abcdef";
	size_t o = 0;

	for (; *s && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hexdig[c >> 4];
			out[o++] = hexdig[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	if (*s) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
	return out;
}

#define SHOWN_MAX 256

static int allowed_member(const char *name)
{
	static const char *const fixed[] = {
		SUMS, SUMS_SIG, "manifest.json", "result.json",
		"session.cast", "commands.jsonl", REPLAY_SCRIPT, CRED_MEMBER,
	};
	size_t i;

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (!strcmp(name, fixed[i]))
			return 1;
	return (!strncmp(name, "answers/", 8) && name[8]) ||
	       (!strncmp(name, "changes/", 8) && name[8]);
}

static int check_members(const struct tar_list *l, struct err *e)
{
	static const char *const required[] = {
		SUMS, SUMS_SIG, "manifest.json", "result.json",
	};
	char s[SHOWN_MAX];
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct tar_entry *m = &l->v[i];

		if (m->is_dir || !allowed_member(m->name) ||
		    !plain_name(m->name))
			return err_set(e, ERR_REFUSED, "unexpected member '%s'%s",
				       shown(m->name, s, sizeof s),
				       m->is_dir ? " (a directory)" : "");
		/* A tar mode is in no digest, so every member is 0644 and
		 * the manifest (signed) lists the collected files that were
		 * executable (collection.executable). */
		if (m->mode != 0644)
			return err_set(e, ERR_REFUSED,
				       "member '%s' has mode 0%o, not 0644; the file was modified after signing",
				       shown(m->name, s, sizeof s), m->mode);
	}
	for (i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!tar_list_find(l, required[i]))
			return err_set(e, ERR_REFUSED, "missing member '%s'",
				       required[i]);
	return 0;
}

static int is_lower_hex(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

static int is_sums(const char *name)
{
	return !strcmp(name, SUMS) || !strcmp(name, SUMS_SIG);
}

/* The next member SHA256SUMS must list, from *j on, in l's sorted order. */
static const struct tar_entry *next_listed(const struct tar_list *l, size_t *j)
{
	while (*j < l->n && is_sums(l->v[*j].name))
		(*j)++;
	return *j < l->n ? &l->v[*j] : NULL;
}

/* One line of SHA256SUMS at p: "HEX  NAME\n" with 64 lowercase hex
 * digits; the name goes to name, *next past the newline. */
static int sums_line(const unsigned char *p, const unsigned char *end,
		     size_t line, char name[BUNDLE_MAX_NAME + 1],
		     const unsigned char **next, struct err *e)
{
	const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t nlen;

	if (!nl)
		return err_set(e, ERR_REFUSED, "%s: line %zu: no final newline",
			       SUMS, line);
	nlen = (size_t)(nl - p);
	if (nlen < 67 || !is_lower_hex(p, 64) || p[64] != ' ' ||
	    p[65] != ' ' || nlen - 66 > BUNDLE_MAX_NAME ||
	    memchr(p + 66, 0, nlen - 66))
		return err_set(e, ERR_REFUSED,
			       "%s: line %zu: not \"DIGEST  NAME\"", SUMS, line);
	memcpy(name, p + 66, nlen - 66);
	name[nlen - 66] = 0;
	if (is_sums(name))
		return err_set(e, ERR_REFUSED,
			       "%s: line %zu: lists itself or its signature",
			       SUMS, line);
	*next = nl + 1;
	return 0;
}

/* SHA256SUMS exactly as ev_seal writes it: "HEX  NAME\n" lines, sorted,
 * one for every member but itself and its signature, each digest right.
 * First the form and order of every line; then, the members being sorted
 * too (tar_read sorts them), one pass over both finds what is missing on
 * either side. */
static int check_sums(const struct tar_list *l, struct err *e)
{
	const struct tar_entry *sums = tar_list_find(l, SUMS), *m;
	const unsigned char *p, *end = sums->data + sums->len, *next;
	char name[BUNDLE_MAX_NAME + 1], prev[BUNDLE_MAX_NAME + 1];
	char hex[SIGN_SHA256_HEX], s[SHOWN_MAX];
	size_t line = 0, j = 0;
	int cmp;

	if (sums->len == 0)
		return err_set(e, ERR_REFUSED, "%s: empty", SUMS);
	for (p = sums->data; p < end; p = next) {
		if (sums_line(p, end, ++line, name, &next, e) < 0)
			return -1;
		cmp = line > 1 ? strcmp(prev, name) : -1;
		if (cmp == 0)
			return err_set(e, ERR_REFUSED,
				       "%s: line %zu: lists '%s' twice", SUMS,
				       line, shown(name, s, sizeof s));
		if (cmp > 0)
			return err_set(e, ERR_REFUSED,
				       "%s: line %zu: '%s' is out of order", SUMS,
				       line, shown(name, s, sizeof s));
		memcpy(prev, name, strlen(name) + 1);
	}
	for (p = sums->data, line = 0; p < end; p = next, j++) {
		if (sums_line(p, end, ++line, name, &next, e) < 0)
			return -1;
		m = next_listed(l, &j);
		if (m && strcmp(m->name, name) < 0)
			return err_set(e, ERR_REFUSED,
				       "member '%s' is not listed in %s",
				       shown(m->name, s, sizeof s), SUMS);
		if (!m || strcmp(m->name, name) > 0)
			return err_set(e, ERR_REFUSED,
				       "%s lists '%s', which is missing from the file",
				       SUMS, shown(name, s, sizeof s));
		sha256_hex(m->data, m->len, hex);
		if (memcmp(hex, p, 64))
			return err_set(e, ERR_REFUSED,
				       "member '%s': digest does not match %s",
				       shown(name, s, sizeof s), SUMS);
	}
	m = next_listed(l, &j);
	if (m)
		return err_set(e, ERR_REFUSED, "member '%s' is not listed in %s",
			       shown(m->name, s, sizeof s), SUMS);
	return 0;
}

/* The schema's required keys, each with its type. */
enum jtype {
	J_STR, J_STR_NULL, J_INT, J_INT_NULL, J_BOOL, J_ARR, J_OBJ,
	J_TIME, J_TIME_NULL, J_ANY,
};

struct field {
	const char *path; /* dotted, from the top object */
	enum jtype type;
};

static const struct field manifest_fields[] = {
	{"schema", J_STR},
	{"produced_by.mode", J_STR},
	{"produced_by.script_sha256", J_STR_NULL},
	{"produced_by.unsigned_directory", J_BOOL},
	{"runner.name", J_STR},
	{"runner.version", J_STR},
	{"runner.sandbox_profile", J_STR_NULL},
	{"scenario.id", J_STR},
	{"scenario.version", J_STR},
	{"scenario.title", J_STR},
	{"scenario.level", J_STR},
	{"scenario.competencies", J_ARR},
	{"scenario.platform", J_STR},
	{"scenario.digest", J_STR_NULL},
	{"scenario.signed_by", J_STR_NULL},
	{"candidate.pseudonym", J_STR},
	{"attempt", J_INT},
	{"seed.value", J_STR_NULL},
	{"seed.source", J_STR},
	{"seed.variant", J_STR_NULL},
	{"session.started", J_TIME},
	{"session.ended", J_TIME},
	{"session.duration_ms", J_INT},
	{"session.time_limit_s", J_INT},
	{"session.time_factor_pct", J_INT},
	{"session.ended_by", J_STR},
	{"session.exit_status", J_INT_NULL},
	{"limits", J_ARR},
	{"limit_events", J_ARR},
	{"faults", J_ARR},
	{"commands.count", J_INT},
	{"commands.truncated", J_BOOL},
	{"recording.capped", J_BOOL},
	{"collection.files", J_INT},
	{"collection.bytes", J_INT},
	{"collection.deleted", J_INT},
	{"collection.truncated", J_BOOL},
	{"collection.refused", J_ARR},
	{"collection.executable", J_ARR},
	{"verdict", J_STR},
	{"score", J_INT},
	{"pass_mark", J_INT},
	{"hints_used", J_ARR},
	{"error", J_STR_NULL},
	{"issued", J_TIME},
	{"valid_until", J_TIME_NULL},
	{"renews", J_ANY},
};

static const struct field result_fields[] = {
	{"verdict", J_STR},
	{"score", J_INT},
	{"pass_mark", J_INT},
	{"grader_ok", J_BOOL},
	{"grader_error", J_STR_NULL},
	{"checks", J_ARR},
};

static const struct field check_fields[] = {
	{"id", J_STR},
	{"title", J_STR},
	{"status", J_STR},
	{"weight", J_INT},
	{"points", J_INT},
	{"message", J_STR},
};

static const char *type_name(enum jtype t)
{
	switch (t) {
	case J_STR: return "a string";
	case J_STR_NULL: return "a string or null";
	case J_INT: return "an integer";
	case J_INT_NULL: return "an integer or null";
	case J_BOOL: return "true or false";
	case J_ARR: return "an array";
	case J_OBJ: return "an object";
	case J_TIME: return "an RFC 3339 UTC time";
	case J_TIME_NULL: return "an RFC 3339 UTC time or null";
	case J_ANY: return "present";
	}
	return "?";
}

static int type_ok(const json_t *v, enum jtype t)
{
	switch (t) {
	case J_STR: return json_is_string(v);
	case J_STR_NULL: return json_is_string(v) || json_is_null(v);
	case J_INT: return json_is_integer(v);
	case J_INT_NULL: return json_is_integer(v) || json_is_null(v);
	case J_BOOL: return json_is_boolean(v);
	case J_ARR: return json_is_array(v);
	case J_OBJ: return json_is_object(v);
	case J_TIME: return json_is_string(v) && time_rfc3339_shape(json_string_value(v));
	case J_TIME_NULL:
		return json_is_null(v) ||
		       (json_is_string(v) && time_rfc3339_shape(json_string_value(v)));
	case J_ANY: return 1;
	}
	return 0;
}

static const json_t *lookup(const json_t *top, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (top && (dot = strchr(path, '.'))) {
		n = (size_t)(dot - path);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		top = json_is_object(top) ? json_object_get(top, key) : NULL;
		path = dot + 1;
	}
	return json_is_object(top) ? json_object_get(top, path) : NULL;
}

static int check_fields_of(const json_t *doc, const char *what,
			   const char *where, const struct field *f, size_t n,
			   struct err *e)
{
	const json_t *v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = lookup(doc, f[i].path);
		if (!v)
			return err_set(e, ERR_REFUSED, "%s: %s.%s: missing",
				       what, where, f[i].path);
		if (!type_ok(v, f[i].type))
			return err_set(e, ERR_REFUSED, "%s: %s.%s: not %s",
				       what, where, f[i].path,
				       type_name(f[i].type));
	}
	return 0;
}

/* Signed JSON holds integers only, and nests no deeper than any honest
 * record does. */
static int no_reals(const json_t *v, unsigned depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (depth > JSON_MAX_DEPTH || json_is_real(v))
		return 0;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			if (!no_reals(x, depth + 1))
				return 0;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (!no_reals(x, depth + 1))
				return 0;
	}
	return 1;
}

static int verdict_ok(const char *v)
{
	return !strcmp(v, "pass") || !strcmp(v, "fail") || !strcmp(v, "error");
}

static int load_json(const struct tar_list *l, const char *name, json_t **out,
		     struct err *e)
{
	const struct tar_entry *m = tar_list_find(l, name);
	char s[SHOWN_MAX];
	json_error_t je;
	json_t *v;

	v = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES,
		       &je);
	if (!v)
		return err_set(e, ERR_REFUSED, "%s: line %d: %s", name, je.line,
			       shown(je.text, s, sizeof s));
	if (!json_is_object(v) || !no_reals(v, 0)) {
		json_decref(v);
		return err_set(e, ERR_REFUSED,
			       "%s: not an object of strings, integers, "
			       "booleans and arrays nested at most %d deep",
			       name, JSON_MAX_DEPTH);
	}
	*out = v;
	return 0;
}

static int is_digest(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && strlen(s) == 71 &&
	       is_lower_hex((const unsigned char *)s + 7, 64);
}

/* produced_by.mode "review" (review_check holds such a file to its form). */
static int is_review(const json_t *man)
{
	const char *m = json_string_value(lookup(man, "produced_by.mode"));

	return m && !strcmp(m, "review");
}

/* regraded_from: absent or null for a session's own evidence (files made
 * before regrade existed have no key), an object for a regrade, which
 * must say so in produced_by.mode. */
static int check_regraded_from(const json_t *man, struct err *e)
{
	static const struct field fields[] = {
		{"digest", J_STR}, {"scenario_digest", J_STR_NULL},
		{"verdict", J_STR}, {"score", J_INT}, {"issued", J_TIME},
	};
	const json_t *r = json_object_get(man, "regraded_from");
	int regrade = !strcmp(json_string_value(lookup(man, "produced_by.mode")),
			      "regrade");
	/* a review keeps what the file it reviewed said of its grading */
	int review = is_review(man);

	if (!r || json_is_null(r)) {
		if (regrade)
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.regraded_from: missing; a regrade names the evidence it regraded");
		return 0;
	}
	if (!json_is_object(r))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.regraded_from: not an object or null");
	if (check_fields_of(r, "manifest.json", "$.regraded_from", fields,
			    sizeof fields / sizeof fields[0], e) < 0)
		return -1;
	if (!is_digest(json_string_value(json_object_get(r, "digest"))))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.regraded_from.digest: not sha256:HEX");
	if (!verdict_ok(json_string_value(json_object_get(r, "verdict"))))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.regraded_from.verdict: not pass, fail or error");
	if (!regrade && !review)
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.regraded_from is set but $.produced_by.mode is not \"regrade\"");
	return 0;
}

static const char *sget(const json_t *doc, const char *path);

/* One line of changes/.special as collect.h writes it: "T PATH[ ARG]". */
static int special_line_ok(const char *p, size_t len)
{
	static const char enc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+@=,-%/";
	size_t path, arg;
	char t;

	if (len < 3 || p[1] != ' ' || !strchr("dlob", p[0]))
		return 0;
	t = p[0];
	p += 2;
	len -= 2;
	for (path = 0; path < len && p[path] && strchr(enc, p[path]); path++)
		;
	if (path == 0)
		return 0;
	if (path == len)
		return t == 'd' || t == 'o';
	if (p[path] != ' ' || t == 'd' || t == 'o')
		return 0;
	p += path + 1;
	len -= path + 1;
	for (arg = 0; arg < len && p[arg] &&
		      (t == 'b' ? p[arg] >= '0' && p[arg] <= '9' : !!strchr(enc, p[arg]));
	     arg++)
		;
	/* a size is a 64-bit count: at most 20 digits */
	return arg > 0 && arg == len && (t != 'b' || arg <= 20);
}

/* $.collection's parts and changes/.special, absent together from files
 * written before they existed, which verify accepts.  A graded state
 * that was not kept whole can only stand beside an error verdict. */
static int check_collection(const json_t *man, const struct tar_list *l,
			    struct err *e)
{
	static const struct field fields[] = {
		{"collection.graded.files", J_INT},
		{"collection.graded.bytes", J_INT},
		{"collection.graded.special", J_INT},
		{"collection.graded.deleted", J_INT},
		{"collection.graded.touched", J_INT},
		{"collection.graded.left_out", J_INT},
		{"collection.graded.complete", J_BOOL},
		{"collection.candidate.files", J_INT},
		{"collection.candidate.bytes", J_INT},
		{"collection.candidate.left_out", J_INT},
		{"collection.answers.files", J_INT},
		{"collection.answers.bytes", J_INT},
	};
	const struct tar_entry *sp = tar_list_find(l, "changes/.special");
	const char *p, *end, *nl;
	json_int_t lines = 0;

	if (!lookup(man, "collection.graded"))
		return 0;
	if (check_fields_of(man, "manifest.json", "$", fields,
			    sizeof fields / sizeof fields[0], e) < 0)
		return -1;
	if (!json_is_true(lookup(man, "collection.graded.complete")) &&
	    strcmp(sget(man, "verdict"), "error"))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.collection.graded.complete is false, but the verdict is not error");
	if (!sp)
		return json_integer_value(lookup(man, "collection.graded.special")) == 0
			       ? 0
			       : err_set(e, ERR_REFUSED,
					 "manifest.json: $.collection.graded.special counts lines of changes/.special, which is missing");
	p = (const char *)sp->data;
	end = p + sp->len;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || !special_line_ok(p, (size_t)(nl - p)))
			return err_set(e, ERR_REFUSED,
				       "changes/.special: line %lld is not \"TYPE PATH[ ARG]\" as labrun writes it",
				       (long long)lines + 1);
		lines++;
	}
	if (lines != json_integer_value(lookup(man, "collection.graded.special")))
		return err_set(e, ERR_REFUSED,
			       "changes/.special has %lld lines, but $.collection.graded.special says %lld",
			       (long long)lines,
			       (long long)json_integer_value(lookup(man, "collection.graded.special")));
	return 0;
}

/* The recertification keys.  $.replay and $.batch are absent from files
 * written before they existed, which verify accepts; $.renews is null or
 * names the evidence a passing replay renewed. */
static int check_recert(const json_t *man, const struct tar_list *l,
			struct err *e)
{
	static const struct field replay_fields[] = {
		{"source", J_STR}, {"member", J_STR_NULL}, {"best_effort", J_BOOL},
	};
	static const struct field renews_fields[] = {
		{"digest", J_STR}, {"scenario_digest", J_STR_NULL},
		{"verdict", J_STR}, {"issued", J_TIME}, {"valid_until", J_TIME_NULL},
	};
	static const struct field batch_fields[] = {
		{"jobs_digest", J_STR}, {"job", J_STR},
	};
	const json_t *r = json_object_get(man, "replay");
	const json_t *n = json_object_get(man, "renews");
	const json_t *b = json_object_get(man, "batch");
	const char *src, *member, *mode = sget(man, "produced_by.mode");

	if (r && !json_is_null(r)) {
		if (!json_is_object(r))
			return err_set(e, ERR_REFUSED, "manifest.json: $.replay: not an object");
		if (check_fields_of(r, "manifest.json", "$.replay", replay_fields,
				    sizeof replay_fields / sizeof replay_fields[0], e) < 0)
			return -1;
		src = json_string_value(json_object_get(r, "source"));
		member = json_string_value(json_object_get(r, "member"));
		if (strcmp(src, "script") && strcmp(src, "runbook") &&
		    strcmp(src, "commands"))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.replay.source: not script, runbook or commands");
		if (!strcmp(src, "commands") ? member != NULL
		    : !member || strcmp(member, !strcmp(src, "script") ? REPLAY_SCRIPT : RUNBOOK))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.replay.member: not the member of source '%s'",
				       src);
		if (member && !tar_list_find(l, member))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.replay names member '%s', which is missing from the file",
				       member);
	}
	if (!json_is_null(n)) {
		if (!json_is_object(n))
			return err_set(e, ERR_REFUSED, "manifest.json: $.renews: not an object or null");
		if (check_fields_of(n, "manifest.json", "$.renews", renews_fields,
				    sizeof renews_fields / sizeof renews_fields[0], e) < 0)
			return -1;
		if (!is_digest(json_string_value(json_object_get(n, "digest"))))
			return err_set(e, ERR_REFUSED, "manifest.json: $.renews.digest: not sha256:HEX");
		if ((strcmp(sget(man, "verdict"), "pass") ||
		     (strcmp(mode, "replay") && strcmp(mode, "regrade"))) && !is_review(man))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.renews is set, but this is not a passing replay");
	}
	if (b && !json_is_null(b)) {
		if (!json_is_object(b))
			return err_set(e, ERR_REFUSED, "manifest.json: $.batch: not an object or null");
		if (check_fields_of(b, "manifest.json", "$.batch", batch_fields,
				    sizeof batch_fields / sizeof batch_fields[0], e) < 0)
			return -1;
		if (!is_digest(json_string_value(json_object_get(b, "jobs_digest"))))
			return err_set(e, ERR_REFUSED, "manifest.json: $.batch.jobs_digest: not sha256:HEX");
	}
	return 0;
}

/* A renewal's carried checks (docs/evidence.md, result.json): $.carry
 * names the evidence renewed, on a replay (or a regrade of one) only; a
 * check with "carried" is a knowledge check that kept that evidence's
 * status, or an error when it had nothing to carry.  Files written before
 * carrying existed have neither, which verify accepts. */
static int check_carry(const json_t *man, const json_t *res, struct err *e)
{
	static const struct field carry_fields[] = {
		{"from", J_STR}, {"hint_points", J_INT},
	};
	static const struct field carried_fields[] = {
		{"from", J_STR}, {"status", J_STR_NULL}, {"points", J_INT_NULL},
		{"weight", J_INT_NULL},
	};
	const json_t *cy = json_object_get(res, "carry"), *c, *k;
	const char *mode = sget(man, "produced_by.mode"), *from = NULL, *st;
	char where[48];
	size_t i;

	if (cy && !json_is_null(cy)) {
		if (!json_is_object(cy))
			return err_set(e, ERR_REFUSED, "result.json: $.carry: not an object or null");
		if (check_fields_of(cy, "result.json", "$.carry", carry_fields,
				    sizeof carry_fields / sizeof carry_fields[0], e) < 0)
			return -1;
		from = json_string_value(json_object_get(cy, "from"));
		if (!is_digest(from))
			return err_set(e, ERR_REFUSED, "result.json: $.carry.from: not sha256:HEX");
		if (json_integer_value(json_object_get(cy, "hint_points")) < 0)
			return err_set(e, ERR_REFUSED, "result.json: $.carry.hint_points: negative");
		if (strcmp(mode, "replay") && strcmp(mode, "regrade") && strcmp(mode, "review"))
			return err_set(e, ERR_REFUSED,
				       "result.json: $.carry is set, but $.produced_by.mode is not \"replay\" (or a regrade of one)");
	}
	json_array_foreach(json_object_get(res, "checks"), i, c) {
		k = json_object_get(c, "carried");
		if (!k || json_is_null(k))
			continue;
		snprintf(where, sizeof where, "$.checks[%zu].carried", i);
		if (!from)
			return err_set(e, ERR_REFUSED, "result.json: %s: set, but $.carry is not", where);
		if (!json_is_object(k))
			return err_set(e, ERR_REFUSED, "result.json: %s: not an object or null", where);
		if (check_fields_of(k, "result.json", where, carried_fields,
				    sizeof carried_fields / sizeof carried_fields[0], e) < 0)
			return -1;
		if (strcmp(json_string_value(json_object_get(k, "from")), from))
			return err_set(e, ERR_REFUSED, "result.json: %s.from: not $.carry.from", where);
		if (!json_is_string(json_object_get(c, "kind")) ||
		    strcmp(json_string_value(json_object_get(c, "kind")), "knowledge"))
			return err_set(e, ERR_REFUSED,
				       "result.json: %s: only a knowledge check is carried", where);
		st = json_string_value(json_object_get(k, "status"));
		if (!st != json_is_null(json_object_get(k, "points")) ||
		    !st != json_is_null(json_object_get(k, "weight")))
			return err_set(e, ERR_REFUSED,
				       "result.json: %s: status, points and weight are all null or none", where);
		if (st ? !verdict_ok(st) ||
			 strcmp(st, json_string_value(json_object_get(c, "status"))) ||
			 json_integer_value(json_object_get(k, "points")) < 0 ||
			 json_integer_value(json_object_get(k, "points")) >
				 json_integer_value(json_object_get(k, "weight"))
		       : strcmp(json_string_value(json_object_get(c, "status")), "error") ||
			 json_integer_value(json_object_get(c, "points")) != 0)
			return err_set(e, ERR_REFUSED,
				       "result.json: %s: %s", where,
				       st ? "not the check's status, or points over weight"
					  : "nothing carried, yet the check is not an error with 0 points");
	}
	return 0;
}

/* $.recording.neutralised: absent in files written before the recorder
 * neutralised anything, which verify accepts; else a total and the counts
 * by kind that add up to it.  Kind names are not pinned, so that a later
 * labrun's kinds still verify here. */
static int check_neutralised(const json_t *man, struct err *e)
{
	const json_t *n = lookup(man, "recording.neutralised"), *kinds, *v;
	json_int_t sum = 0;
	const char *k;

	if (!n)
		return 0;
	kinds = json_object_get(n, "kinds");
	if (!json_is_object(n) || !json_is_integer(json_object_get(n, "total")) ||
	    !json_is_object(kinds))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.recording.neutralised: not {\"total\": N, \"kinds\": {...}}");
	json_object_foreach((json_t *)kinds, k, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    json_integer_value(v) > INT64_MAX - sum)
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.recording.neutralised.kinds: not counts above 0");
		sum += json_integer_value(v);
	}
	if (sum != json_integer_value(json_object_get(n, "total")))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.recording.neutralised: the kinds do not add up to the total");
	return 0;
}

static int check_records(const json_t *man, const json_t *res, struct err *e)
{
	char where[32];
	const json_t *checks, *c, *kind;
	size_t i;

	if (check_fields_of(man, "manifest.json", "$", manifest_fields,
			    sizeof manifest_fields / sizeof manifest_fields[0],
			    e) < 0 ||
	    check_fields_of(res, "result.json", "$", result_fields,
			    sizeof result_fields / sizeof result_fields[0], e) < 0)
		return -1;
	if (strcmp(json_string_value(json_object_get(man, "schema")), SCHEMA))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.schema: not \"%s\"", SCHEMA);
	if (!verdict_ok(json_string_value(json_object_get(man, "verdict"))) ||
	    !verdict_ok(json_string_value(json_object_get(res, "verdict"))))
		return err_set(e, ERR_REFUSED,
			       "$.verdict: not pass, fail or error");
	/* a review's verdict is the reviewer's decision; result.json keeps
	 * the grader's (review_check holds the decision to the manifest's) */
	if ((strcmp(json_string_value(json_object_get(man, "verdict")),
		    json_string_value(json_object_get(res, "verdict"))) &&
	     !is_review(man)) ||
	    json_integer_value(json_object_get(man, "score")) !=
		    json_integer_value(json_object_get(res, "score")) ||
	    json_integer_value(json_object_get(man, "pass_mark")) !=
		    json_integer_value(json_object_get(res, "pass_mark")))
		return err_set(e, ERR_REFUSED,
			       "manifest.json and result.json disagree on the "
			       "verdict, score or pass mark");
	if (check_regraded_from(man, e) < 0 || check_neutralised(man, e) < 0 ||
	    review_check(man, res, e) < 0)
		return -1;
	checks = json_object_get(res, "checks");
	json_array_foreach(checks, i, c) {
		snprintf(where, sizeof where, "$.checks[%zu]", i);
		if (!json_is_object(c))
			return err_set(e, ERR_REFUSED,
				       "result.json: %s: not an object", where);
		if (check_fields_of(c, "result.json", where, check_fields,
				    sizeof check_fields / sizeof check_fields[0],
				    e) < 0)
			return -1;
		/* kind: absent in evidence written before checks had kinds
		 * (a remediation then) */
		kind = json_object_get(c, "kind");
		if (kind && (!json_is_string(kind) ||
			     (strcmp(json_string_value(kind), "remediation") &&
			      strcmp(json_string_value(kind), "knowledge"))))
			return err_set(e, ERR_REFUSED,
				       "result.json: %s.kind: not \"remediation\" or \"knowledge\"",
				       where);
	}
	return 0;
}

/* The holder's identifier, credential and replaces_credential (all absent
 * in files written before credentials, which then carry no
 * credential.json): a pass carries the credential labrun issues for its
 * other members, under the same issuer key; anything else carries none. */
static int check_credential(const json_t *man, const struct tar_list *l,
			    const struct sign_pub *issuer, struct err *e)
{
	const json_t *id = lookup(man, "candidate.identifier");
	const json_t *flag = json_object_get(man, "credential");
	const json_t *rep = json_object_get(man, "replaces_credential");
	const json_t *cs = json_object_get(man, "credential_status");
	const struct tar_entry *cred = tar_list_find(l, CRED_MEMBER);
	const char *mode = sget(man, "produced_by.mode");
	int pass = !strcmp(sget(man, "verdict"), "pass");

	if (id) {
		struct cred_identity ci;
		const char *t = sget(man, "candidate.identifier.type");
		const char *salt = sget(man, "candidate.identifier.salt");
		const char *h = sget(man, "candidate.identifier.hash");

		if (!json_is_object(id) || json_object_size(id) != 3 || !t ||
		    !salt || !h || strlen(t) >= sizeof ci.type ||
		    strlen(salt) >= sizeof ci.salt || strlen(h) >= sizeof ci.hash)
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.candidate.identifier: not {\"type\", \"salt\", \"hash\"}");
		memset(&ci, 0, sizeof ci);
		snprintf(ci.type, sizeof ci.type, "%s", t);
		snprintf(ci.salt, sizeof ci.salt, "%s", salt);
		snprintf(ci.hash, sizeof ci.hash, "%s", h);
		if (cred_identity_check(&ci, "manifest.json: $.candidate.identifier", e) < 0)
			return -1;
	}
	if (flag && !json_is_boolean(flag))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.credential: not true or false");
	if (flag && json_is_true(flag) != pass)
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.credential: %s, but the verdict is %s",
			       json_is_true(flag) ? "true" : "false", sget(man, "verdict"));
	if (rep && !json_is_null(rep)) {
		const char *r = json_string_value(rep);

		if (!r || strncmp(r, CRED_ID_PREFIX, strlen(CRED_ID_PREFIX)) ||
		    strlen(r) != strlen(CRED_ID_PREFIX) + 64 ||
		    !is_lower_hex((const unsigned char *)r + strlen(CRED_ID_PREFIX), 64))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.replaces_credential: not null or %sHEX",
				       CRED_ID_PREFIX);
		if (!json_is_true(flag) ||
		    (strcmp(mode, "replay") && strcmp(mode, "regrade") && strcmp(mode, "review")))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.replaces_credential is set, but this is not a passing replay, regrade or review");
	}
	if (cs && !json_is_null(cs)) {
		const json_t *ix = json_object_get(cs, "index");
		const char *base = json_string_value(json_object_get(cs, "base_url"));

		if (!json_is_object(cs) || json_object_size(cs) != 2 ||
		    !json_is_integer(ix) || json_integer_value(ix) < 1 ||
		    json_integer_value(ix) >= 8 * (json_int_t)SL_MAX_LIST_BYTES || !base ||
		    strncmp(base, "https://", 8) || strlen(base) > REG_URL_MAX)
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.credential_status: not null or {\"index\": N, \"base_url\": \"https://...\"}");
		if (!json_is_true(flag))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.credential_status is set, but this is not a pass");
	}
	if (!json_is_true(flag)) {
		if (cred)
			return err_set(e, ERR_REFUSED,
				       "member '%s': only a pass written with $.credential true carries one",
				       CRED_MEMBER);
		return 0;
	}
	if (!cred)
		return err_set(e, ERR_REFUSED,
			       "missing member '%s': $.credential is true", CRED_MEMBER);
	return cred_check_evidence(l, cred->data, cred->len, issuer, e);
}

/* Thousandths as a percentage with one decimal: 855 -> "85.5%". */
static void percent(json_int_t v, char out[32])
{
	if (v < 0)
		v = 0;
	snprintf(out, 32, "%lld.%lld%%", (long long)(v / 10),
		 (long long)(v % 10));
}

static const char *sget(const json_t *doc, const char *path)
{
	const json_t *v = lookup(doc, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_int_t iget(const json_t *doc, const char *path)
{
	return json_integer_value(lookup(doc, path));
}

struct summary {
	size_t passed, total; /* checks */
	size_t carried;       /* checks a renewal carried over */
	const char *carry_from;
	size_t members;
	char keyid[17];
	char comment[SIGN_COMMENT_MAX + 1];
	char credential[200]; /* its id, "" none */
	char did[CRED_DID_MAX]; /* the issuer key's did:key */
	char status[700];       /* what --status/--identity found, "" none asked */
};

static int bget(const json_t *doc, const char *path)
{
	return json_is_true(lookup(doc, path));
}

/* "  neutralised: 3 terminal sequences removed from the recording
 * (osc-clipboard 1, osc-title 2)", when the recorder removed any. */
static int write_neutralised(const json_t *man, struct buf *out, struct err *e)
{
	const json_t *n = lookup(man, "recording.neutralised"), *v;
	json_int_t total = json_integer_value(json_object_get(n, "total"));
	const char *k, *sep = " (";
	char s[SHOWN_MAX];

	if (!n || total <= 0)
		return 0;
	if (buf_printf(out, e,
		       "  neutralised: %lld terminal sequence%s removed from the recording",
		       (long long)total, total == 1 ? "" : "s") < 0)
		return -1;
	json_object_foreach((json_t *)json_object_get(n, "kinds"), k, v) {
		if (buf_printf(out, e, "%s%s %lld", sep, shown(k, s, sizeof s),
			       (long long)json_integer_value(v)) < 0)
			return -1;
		sep = ", ";
	}
	return buf_puts(out, *sep == ',' ? ")\n" : "\n", e);
}

/* One review of the chain: "  reviewed:    fail -> pass by reviewer key K
 * at T: REASON" and the file it reviewed. */
static int write_review_line(const json_t *r, struct buf *out, struct err *e)
{
	char a[SHOWN_MAX];

	return buf_printf(out, e, "  reviewed:    %s -> %s by reviewer key %s at %s: \"%s\"\n",
			  sget(r, "reviewed.verdict"), sget(r, "decision"),
			  sget(r, "reviewer.key_id"), sget(r, "at"),
			  shown(sget(r, "reason"), a, sizeof a)) < 0 ||
	       buf_printf(out, e, "               of %s (%s, issued %s)\n",
			  sget(r, "reviewed.digest"), sget(r, "reviewed.mode"),
			  sget(r, "reviewed.issued")) < 0 ? -1 : 0;
}

/* A review's lines (checked by review_check): the grader's verdict, then
 * each review oldest first, the last the decision this file records. */
static int write_reviewed(const json_t *man, struct buf *out, struct err *e)
{
	const json_t *r = json_object_get(man, "review"), *c;
	size_t i;

	if (!json_is_object(r))
		return 0;
	c = json_array_size(json_object_get(r, "chain")) ? json_array_get(json_object_get(r, "chain"), 0) : r;
	if (buf_printf(out, e, "  graded:      %s, as result.json records it; the verdict above is a reviewer's\n",
		       sget(c, "reviewed.verdict")) < 0)
		return -1;
	json_array_foreach(json_object_get(r, "chain"), i, c)
		if (write_review_line(c, out, e) < 0)
			return -1;
	return write_review_line(r, out, e);
}

/* The human report: what the verified bundle proves, one "label: value"
 * line each, then the signature line. */
static int write_report(const json_t *man, const struct summary *s,
			struct buf *out, struct err *e)
{
	char a[SHOWN_MAX], b[SHOWN_MAX], c[SHOWN_MAX];
	char score[32], mark[32], cut[128];
	const char *until = sget(man, "valid_until");
	const char *digest = sget(man, "scenario.digest");
	const char *author = sget(man, "scenario.signed_by");
	const char *error = sget(man, "error");

	percent(iget(man, "score"), score);
	percent(iget(man, "pass_mark"), mark);
	snprintf(cut, sizeof cut, "%s%s%s%s",
		 bget(man, "recording.capped") ? ", recording capped" : "",
		 bget(man, "commands.truncated") ? ", command log truncated" : "",
		 bget(man, "collection.truncated") ? ", changes truncated" : "",
		 json_is_false(lookup(man, "collection.graded.complete"))
			 ? ", graded state not kept whole" : "");
	if (buf_printf(out, e, "  scenario:    %s %s (%s)\n",
		       shown(sget(man, "scenario.id"), a, sizeof a),
		       shown(sget(man, "scenario.version"), b, sizeof b),
		       shown(sget(man, "scenario.title"), c, sizeof c)) < 0 ||
	    buf_printf(out, e, "  digest:      %s\n",
		       digest ? shown(digest, a, sizeof a) : "none recorded") < 0 ||
	    buf_printf(out, e, "  author key:  %s\n",
		       author ? shown(author, b, sizeof b)
			      : bget(man, "produced_by.unsigned_directory")
					? "none (an unsigned scenario directory)"
					: "none recorded") < 0 ||
	    buf_printf(out, e, "  candidate:   %s (attempt %lld)\n",
		       shown(sget(man, "candidate.pseudonym"), a, sizeof a),
		       (long long)iget(man, "attempt")) < 0 ||
	    buf_printf(out, e, "  verdict:     %s, score %s (pass mark %s)\n",
		       sget(man, "verdict"), score, mark) < 0 ||
	    buf_printf(out, e, "  checks:      %zu of %zu passed\n", s->passed,
		       s->total) < 0 ||
	    (s->carry_from &&
	     buf_printf(out, e, "  carried:     %zu knowledge check%s from %s\n",
			s->carried, s->carried == 1 ? "" : "s", s->carry_from) < 0) ||
	    (error && buf_printf(out, e, "  error:       %s\n",
				 shown(error, a, sizeof a)) < 0) ||
	    buf_printf(out, e, "  session:     %s to %s, ended by %s\n",
		       sget(man, "session.started"), sget(man, "session.ended"),
		       shown(sget(man, "session.ended_by"), c, sizeof c)) < 0 ||
	    (cut[0] && buf_printf(out, e, "  bounded:     %s\n", cut + 2) < 0) ||
	    write_neutralised(man, out, e) < 0 ||
	    (sget(man, "regraded_from.digest") &&
	     buf_printf(out, e, "  regraded:    from %s (it said %s, score %lld)\n",
			sget(man, "regraded_from.digest"),
			sget(man, "regraded_from.verdict"),
			(long long)iget(man, "regraded_from.score")) < 0) ||
	    (sget(man, "renews.digest") &&
	     buf_printf(out, e, "  renews:      %s (issued %s)\n",
			sget(man, "renews.digest"), sget(man, "renews.issued")) < 0) ||
	    write_reviewed(man, out, e) < 0 ||
	    buf_printf(out, e, "  credential:  %s\n",
		       s->credential[0] ? s->credential
		       : json_is_false(json_object_get(man, "credential"))
			       ? "none (not a pass)"
			       : "none (written before credentials)") < 0 ||
	    (lookup(man, "candidate.identifier") &&
	     buf_printf(out, e, "  identifier:  %s, hashed and salted\n",
			shown(sget(man, "candidate.identifier.type"), b, sizeof b)) < 0) ||
	    buf_printf(out, e, "  issuer did:  %s\n", s->did) < 0 ||
	    (s->status[0] &&
	     buf_printf(out, e, "  status:      %s\n",
			s->status + (strncmp(s->status, "status: ", 8) ? 0 : 8)) < 0) ||
	    buf_printf(out, e, "  issued:      %s\n", sget(man, "issued")) < 0 ||
	    buf_printf(out, e, "  valid until: %s\n",
		       until ? until : "not applicable (not a pass)") < 0 ||
	    buf_printf(out, e, "  comment:     %s\n",
		       shown(s->comment, a, sizeof a)) < 0 ||
	    buf_printf(out, e,
		       "  signed by issuer key %s; %zu members, all digests "
		       "match\n",
		       s->keyid, s->members) < 0)
		return -1;
	return 0;
}

/* The same for programs (--json). */
static int write_json(const char *path, const json_t *man,
		      const struct summary *s, struct buf *out, struct err *e)
{
	json_t *o = json_object(), *x;
	int bad = 0, rc;
	char *txt;

	put(&bad, o, "valid", json_true());
	put(&bad, o, "file", jstr(path));
	x = json_object();
	put(&bad, x, "id", json_deep_copy(lookup(man, "scenario.id")));
	put(&bad, x, "version", json_deep_copy(lookup(man, "scenario.version")));
	put(&bad, x, "title", json_deep_copy(lookup(man, "scenario.title")));
	put(&bad, x, "digest", json_deep_copy(lookup(man, "scenario.digest")));
	put(&bad, o, "scenario", x);
	put(&bad, o, "candidate", json_deep_copy(lookup(man, "candidate.pseudonym")));
	put(&bad, o, "attempt", json_deep_copy(lookup(man, "attempt")));
	put(&bad, o, "verdict", json_deep_copy(lookup(man, "verdict")));
	put(&bad, o, "score", json_deep_copy(lookup(man, "score")));
	put(&bad, o, "pass_mark", json_deep_copy(lookup(man, "pass_mark")));
	x = json_object();
	put(&bad, x, "passed", jint((long long)s->passed));
	put(&bad, x, "total", jint((long long)s->total));
	put(&bad, x, "carried", jint((long long)s->carried));
	put(&bad, o, "checks", x);
	put(&bad, o, "started", json_deep_copy(lookup(man, "session.started")));
	put(&bad, o, "ended", json_deep_copy(lookup(man, "session.ended")));
	put(&bad, o, "issued", json_deep_copy(lookup(man, "issued")));
	put(&bad, o, "valid_until", json_deep_copy(lookup(man, "valid_until")));
	put(&bad, o, "issuer_key", json_string(s->keyid));
	put(&bad, o, "trusted_comment", jstr(s->comment));
	put(&bad, o, "members", jint((long long)s->members));
	put(&bad, o, "credential", s->credential[0] ? json_string(s->credential) : json_null());
	put(&bad, o, "issuer_did", json_string(s->did));
	if (s->status[0])
		put(&bad, o, "status", json_string(s->status + (strncmp(s->status, "status: ", 8) ? 0 : 8)));
	x = json_deep_copy(lookup(man, "regraded_from"));
	put(&bad, o, "regraded_from", x ? x : json_null());
	x = json_deep_copy(lookup(man, "renews"));
	put(&bad, o, "renews", x ? x : json_null());
	x = json_deep_copy(lookup(man, "recording.neutralised"));
	put(&bad, o, "neutralised", x ? x : json_null());
	x = json_deep_copy(lookup(man, "review"));
	put(&bad, o, "review", x ? x : json_null());
	txt = bad ? NULL : json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(o);
	if (!txt)
		return err_set(e, ERR_HOST, "out of memory");
	rc = buf_puts(out, txt, e) < 0 || buf_append(out, "\n", 1, e) < 0 ? -1 : 0;
	free(txt);
	return rc;
}

/* --identity and --status (ev_verify_status): the signing key's period,
 * then the credential's status in the lists given; s->status says what
 * was checked.  -1 ERR_REFUSED for a compromised or retired key, a
 * revoked or suspended credential. */
static int check_status(const json_t *man, const struct sign_pub *who,
			const struct ev_status *st, struct summary *s,
			struct err *e)
{
	const json_t *cs = json_object_get(man, "credential_status");
	char did[CRED_DID_MAX], rev[REG_URL_MAX + 40], sus[REG_URL_MAX + 40];
	int rc;

	if (!st)
		return 0;
	cred_did_key(who->pk, did);
	if (st->keys && trust_keys_check_time(st->keys, did, sget(man, "issued"), NULL, e) < 0)
		return -1;
	if (!json_is_object(cs)) {
		snprintf(s->status, sizeof s->status, "%s",
			 st->nlists ? "none (issued without a registry: no credentialStatus)"
				    : "key in its period; no --status list given");
		return 0;
	}
	snprintf(rev, sizeof rev, "%s/status/revocation.json", sget(cs, "base_url"));
	snprintf(sus, sizeof sus, "%s/status/suspension.json", sget(cs, "base_url"));
	rc = status_lists_check(st->lists, st->nlists, rev, sus,
				(unsigned)json_integer_value(json_object_get(cs, "index")),
				s->status, sizeof s->status);
	if (rc < 0)
		return err_set(e, ERR_REFUSED, "%s", s->status);
	return 0;
}

/* The id credential.json states, once check_credential has found the
 * whole document to be exactly what labrun issues for the other members
 * (cred_check_evidence): that id is CRED_ID_PREFIX and the digest of
 * their contents, so it is read back here rather than every member
 * hashed a third time (on 60 MB of evidence, a seventh of verify). */
static int credential_id(const struct tar_entry *cred, char *out,
			 size_t size, struct err *e)
{
	json_t *doc = json_loadb((const char *)cred->data, cred->len,
				 JSON_REJECT_DUPLICATES, NULL);
	const char *id = json_string_value(json_object_get(doc, "id"));
	size_t plen = strlen(CRED_ID_PREFIX);
	int rc = 0;

	if (!id || strncmp(id, CRED_ID_PREFIX, plen) || strlen(id) != plen + 64 ||
	    strlen(id) >= size ||
	    !is_lower_hex((const unsigned char *)id + plen, 64))
		rc = err_set(e, ERR_REFUSED, "%s: $.id: not %sHEX", CRED_MEMBER,
			     CRED_ID_PREFIX);
	else
		snprintf(out, size, "%s", id);
	json_decref(doc);
	return rc;
}

static int verify(const char *path, const struct sign_pub *issuer,
		  size_t nissuers, const struct ev_status *st,
		  struct buf *report, struct buf *json, struct tar_list *keep,
		  char digest[SIGN_SHA256_HEX], struct err *e)
{
	static const struct tar_limits lim = {
		EVIDENCE_MAX_ENTRIES, EVIDENCE_MAX_TOTAL, EVIDENCE_MAX_TOTAL,
	};
	struct buf file = BUF_INIT, text = BUF_INIT;
	struct tar_list l = {0};
	const struct tar_entry *sums, *sig, *cred;
	const struct sign_pub *who = NULL;
	json_t *man = NULL, *res = NULL, *c;
	struct summary s = {0};
	size_t i;
	int rc = -1, same;

	if (read_file_bounded(path, EVIDENCE_MAX_TOTAL, &file, e) < 0)
		return -1;
	if (tar_read(file.data, file.len, path, &lim, &l, e) < 0) {
		/* tar_read names the file itself; any refusal of the
		 * archive is a refusal of the evidence. */
		if (e && e->kind != ERR_HOST)
			e->kind = ERR_REFUSED;
		goto out_named;
	}
	/* The file must be exactly what labrun writes for these members, so
	 * that no byte (header padding, mtime, block padding) can change
	 * without notice. */
	if (tar_is_canonical(&l, file.data, file.len, &same, e) < 0)
		goto out;
	if (!same) {
		err_set(e, ERR_REFUSED,
			"not a canonical labrun evidence file; it was modified "
			"after signing");
		goto out;
	}
	if (check_members(&l, e) < 0)
		goto out;
	sums = tar_list_find(&l, SUMS);
	sig = tar_list_find(&l, SUMS_SIG);
	/* The untrusted comment is outside the signature: pin it. */
	if (sig->len < sizeof SIGN_SIG_FIRST_LINE - 1 ||
	    memcmp(sig->data, SIGN_SIG_FIRST_LINE,
		   sizeof SIGN_SIG_FIRST_LINE - 1)) {
		err_set(e, ERR_REFUSED,
			"%s: the first line is not the one labrun writes; the file was modified after signing",
			SUMS_SIG);
		goto out;
	}
	if (sign_verify_as(issuer, nissuers, sums->data, sums->len, sig->data,
			   sig->len, SUMS_SIG, "-p (the issuer's public key)",
			   &who, s.comment, e) < 0) {
		if (e && e->kind != ERR_HOST)
			e->kind = ERR_REFUSED;
		goto out;
	}
	if (check_sums(&l, e) < 0 ||
	    load_json(&l, "manifest.json", &man, e) < 0 ||
	    load_json(&l, "result.json", &res, e) < 0 ||
	    check_records(man, res, e) < 0 || check_recert(man, &l, e) < 0 ||
	    check_collection(man, &l, e) < 0 || check_carry(man, res, e) < 0 ||
	    check_credential(man, &l, who, e) < 0 ||
	    check_status(man, who, st, &s, e) < 0)
		goto out;
	json_array_foreach(json_object_get(res, "checks"), i, c) {
		s.total++;
		if (!strcmp(json_string_value(json_object_get(c, "status")),
			    "pass"))
			s.passed++;
		if (json_is_string(lookup(c, "carried.status")))
			s.carried++;
	}
	s.carry_from = sget(res, "carry.from");
	if ((cred = tar_list_find(&l, CRED_MEMBER)) &&
	    credential_id(cred, s.credential, sizeof s.credential, e) < 0)
		goto out;
	s.members = l.n;
	sign_keyid_hex(who, s.keyid);
	cred_did_key(who->pk, s.did);
	if ((report && write_report(man, &s, &text, e) < 0) ||
	    (json && write_json(path, man, &s, json, e) < 0))
		goto out;
	if (report && buf_append(report, text.data ? text.data : (void *)"",
				 text.len, e) < 0)
		goto out;
	if (keep) {
		*keep = l;
		memset(&l, 0, sizeof l);
	}
	if (digest)
		sha256_hex(file.data, file.len, digest);
	rc = 0;
out:
	if (rc < 0)
		err_wrap(e, "%s", path);
out_named:
	json_decref(man);
	json_decref(res);
	tar_list_release(&l);
	buf_release(&file);
	buf_release(&text);
	return rc;
}

int ev_verify(const char *path, const struct sign_pub *issuer,
	      struct buf *report, struct err *e)
{
	return verify(path, issuer, 1, NULL, report, NULL, NULL, NULL, e);
}

int ev_verify_json(const char *path, const struct sign_pub *issuer,
		   struct buf *json, struct err *e)
{
	return verify(path, issuer, 1, NULL, NULL, json, NULL, NULL, e);
}

int ev_verify_status(const char *path, const struct sign_pub *issuers,
		     size_t n, const struct ev_status *st, struct buf *report,
		     struct buf *json, struct err *e)
{
	return verify(path, issuers, n, st, report, json, NULL, NULL, e);
}

int ev_invalid_json(const char *path, const char *msg, struct buf *out,
		    struct err *e)
{
	json_t *o = json_object();
	int bad = 0, rc;
	char *txt;

	put(&bad, o, "valid", json_false());
	put(&bad, o, "file", jstr(path));
	put(&bad, o, "error", jstr(msg));
	txt = bad ? NULL : json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(o);
	if (!txt)
		return err_set(e, ERR_HOST, "out of memory");
	rc = buf_puts(out, txt, e) < 0 || buf_append(out, "\n", 1, e) < 0 ? -1 : 0;
	free(txt);
	return rc;
}

/* ---- regrade ----------------------------------------------------------- */

int ev_open(const char *path, const struct sign_pub *issuer,
	    struct tar_list *members, char digest[SIGN_SHA256_HEX],
	    struct err *e)
{
	return verify(path, issuer, 1, NULL, NULL, NULL, members, digest, e);
}

/* "2025-11-25T12:00:00Z" (as jtime writes it) to seconds since the epoch. */
static int parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	char z;

	memset(&tm, 0, sizeof tm);
	if (!s || strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
	    z != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static char *dup_str(const json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

/* One line of commands.jsonl back into the record it was made from. */
static int load_command(const json_t *o, struct ev_command *c, size_t line,
			struct err *e)
{
	const json_t *argv = json_object_get(o, "argv"), *x;
	const json_t *ex = json_object_get(o, "exit");
	size_t i;

	memset(c, 0, sizeof *c);
	if (!json_is_object(o) || !json_is_integer(json_object_get(o, "t_ms")) ||
	    !json_is_integer(json_object_get(o, "pid")) ||
	    !json_is_string(json_object_get(o, "path")) || !json_is_array(argv) ||
	    json_array_size(argv) > ARGV_MAX_ARGS ||
	    !(json_is_null(ex) || json_is_integer(ex)))
		return err_set(e, ERR_REFUSED,
			       "commands.jsonl: line %zu: not a command record labrun writes",
			       line);
	c->t_ms = json_integer_value(json_object_get(o, "t_ms"));
	c->pid = (int)json_integer_value(json_object_get(o, "pid"));
	c->path = dup_str(json_object_get(o, "path"));
	c->argv = calloc(json_array_size(argv) + 1, sizeof *c->argv);
	if (!c->path || !c->argv)
		return err_set(e, ERR_HOST, "out of memory");
	json_array_foreach(argv, i, x) {
		if (!json_is_string(x))
			return err_set(e, ERR_REFUSED,
				       "commands.jsonl: line %zu: $.argv[%zu]: not a string",
				       line, i);
		if (!(c->argv[i] = dup_str(x)))
			return err_set(e, ERR_HOST, "out of memory");
		c->argc++;
	}
	c->argv_truncated = json_is_true(json_object_get(o, "argv_truncated"));
	x = json_object_get(o, "verified");
	c->verified = json_is_boolean(x) ? json_is_true(x) : -1;
	x = json_object_get(o, "argv_run");
	if (c->verified == 0 && json_is_array(x) && json_array_size(x) <= ARGV_MAX_ARGS) {
		const json_t *w;

		c->argv_run = calloc(json_array_size(x) + 1, sizeof *c->argv_run);
		if (!c->argv_run)
			return err_set(e, ERR_HOST, "out of memory");
		json_array_foreach(x, i, w) {
			if (!json_is_string(w))
				return err_set(e, ERR_REFUSED,
					       "commands.jsonl: line %zu: $.argv_run[%zu]: not a string",
					       line, i);
			if (!(c->argv_run[i] = dup_str(w)))
				return err_set(e, ERR_HOST, "out of memory");
			c->argc_run++;
		}
	}
	c->exited = json_is_integer(ex);
	c->exit_code = c->exited ? (int)json_integer_value(ex) : 0;
	/* What ran (absent in evidence written before it was recorded:
	 * unknown, hence untrusted). */
	if (((x = json_object_get(o, "exe")) && json_is_string(x) && !(c->exe = dup_str(x))) ||
	    ((x = json_object_get(o, "interpreter")) && json_is_string(x) &&
	     !(c->interpreter = dup_str(x))) ||
	    ((x = json_object_get(o, "link")) && json_is_string(x) && !(c->link = dup_str(x))) ||
	    ((x = json_object_get(o, "cwd")) && json_is_string(x) && !(c->cwd = dup_str(x))))
		return err_set(e, ERR_HOST, "out of memory");
	c->trusted = c->exe && json_is_true(json_object_get(o, "trusted"));
	return 0;
}

static int load_commands(const struct tar_list *l, struct ev_recorded *r,
			 struct err *e)
{
	const struct tar_entry *m = tar_list_find(l, "commands.jsonl");
	const char *p, *end, *nl;
	char s[SHOWN_MAX];
	json_error_t je;
	json_t *o;
	size_t n = 0, line = 0;
	int rc;

	if (!m)
		return 0;
	p = (const char *)m->data;
	end = p + m->len;
	for (nl = p; nl < end; nl++)
		n += *nl == '\n';
	if (n > COMMANDS_MAX)
		return err_set(e, ERR_REFUSED, "commands.jsonl: more than %d lines",
			       COMMANDS_MAX);
	r->commands = calloc(n + 1, sizeof *r->commands);
	if (!r->commands)
		return err_set(e, ERR_HOST, "out of memory");
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return err_set(e, ERR_REFUSED, "commands.jsonl: the last line has no newline");
		line++;
		o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &je);
		if (!o)
			return err_set(e, ERR_REFUSED, "commands.jsonl: line %zu: %s",
				       line, shown(je.text, s, sizeof s));
		rc = load_command(o, &r->commands[r->ncommands], line, e);
		r->ncommands++;
		json_decref(o);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int ev_recorded_load(const struct tar_list *members, struct ev_recorded *r,
		     struct err *e)
{
	json_t *man = NULL;
	const json_t *v;
	int64_t started_s, ended_s, dur, lo;
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof *r);
	if (load_json(members, "manifest.json", &man, e) < 0)
		return -1;
#define COPY(field, path)                                                     \
	snprintf(r->field, sizeof r->field, "%s",                             \
		 json_string_value(lookup(man, path)) ? json_string_value(lookup(man, path)) : "")
	COPY(scenario_id, "scenario.id");
	COPY(scenario_version, "scenario.version");
	COPY(candidate, "candidate.pseudonym");
	COPY(seed, "seed.value");
	COPY(variant, "seed.variant");
	COPY(ended_by, "session.ended_by");
	COPY(verdict, "verdict");
	COPY(issued, "issued");
	COPY(mode, "produced_by.mode");
	COPY(scenario_digest, "scenario.digest");
	COPY(platform, "scenario.platform");
	COPY(valid_until, "valid_until");
	COPY(replay_source, "replay.source");
	COPY(replay_member, "replay.member");
	COPY(renews_digest, "renews.digest");
	COPY(regraded_from, "regraded_from.digest");
	COPY(batch_job, "batch.job");
	COPY(batch_jobs_digest, "batch.jobs_digest");
	COPY(identity_type, "candidate.identifier.type");
	COPY(identity_salt, "candidate.identifier.salt");
	COPY(identity_hash, "candidate.identifier.hash");
#undef COPY
	r->has_identity = lookup(man, "candidate.identifier") != NULL;
	if (tar_list_find(members, CRED_MEMBER)) {
		char hex[65];

		if (cred_contents_hex(members, hex, e) < 0)
			goto out;
		snprintf(r->credential_id, sizeof r->credential_id, "%s%s",
			 CRED_ID_PREFIX, hex);
	}
	r->replay_best_effort = bget(man, "replay.best_effort");
	/* changes/.special is a listing only where the manifest has the
	 * collection's parts; before, it was a file of that name. */
	r->special_listing = lookup(man, "collection.graded") != NULL;
	r->graded_incomplete = json_is_false(lookup(man, "collection.graded.complete"));
	r->pass_mark = (unsigned)iget(man, "pass_mark");
	if (!r->replay_source[0]) {
		/* written before $.replay: what the members offer */
		if (tar_list_find(members, REPLAY_SCRIPT))
			snprintf(r->replay_source, sizeof r->replay_source, "script");
		else if (tar_list_find(members, RUNBOOK))
			snprintf(r->replay_source, sizeof r->replay_source, "runbook");
		else
			snprintf(r->replay_source, sizeof r->replay_source, "commands");
		if (strcmp(r->replay_source, "commands"))
			snprintf(r->replay_member, sizeof r->replay_member, "%s",
				 !strcmp(r->replay_source, "script") ? REPLAY_SCRIPT : RUNBOOK);
		r->replay_best_effort = !strcmp(r->replay_source, "commands");
	}
	r->seed_overridden = !strcmp(json_string_value(lookup(man, "seed.source")), "override");
	r->attempt = (unsigned)iget(man, "attempt");
	r->score = (unsigned)iget(man, "score");
	r->time_limit_s = (unsigned)iget(man, "session.time_limit_s");
	v = lookup(man, "session.exit_status");
	r->exit_status = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	/* The manifest keeps whole seconds and the duration in ms; choose
	 * the start's milliseconds so that both seconds and the duration
	 * come out as recorded, as the grader saw them. */
	dur = iget(man, "session.duration_ms");
	if (parse_time(sget(man, "session.started"), &started_s) < 0 ||
	    parse_time(sget(man, "session.ended"), &ended_s) < 0 || dur < 0) {
		err_set(e, ERR_REFUSED, "manifest.json: $.session: times not as labrun writes them");
		goto out;
	}
	lo = ended_s * 1000 - started_s * 1000 - dur;
	r->started_ms = started_s * 1000 + (lo > 0 ? (lo < 999 ? lo : 999) : 0);
	r->ended_ms = r->started_ms + dur;
	json_array_foreach(json_object_get(man, "hints_used"), i, v)
		r->hint_points += (unsigned)json_integer_value(json_object_get(v, "cost"));
	v = lookup(man, "collection.executable");
	r->executable = calloc(json_array_size(v) + 1, sizeof *r->executable);
	if (!r->executable) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < json_array_size(v); i++) {
		if (!(r->executable[r->nexecutable] = dup_str(json_array_get(v, i))))
			continue;
		r->nexecutable++;
	}
	if (load_commands(members, r, e) < 0)
		goto out;
	rc = 0;
out:
	json_decref(man);
	if (rc < 0)
		ev_recorded_release(r); /* what was read before the refusal */
	return rc;
}

void ev_command_release(struct ev_command *c)
{
	size_t k;

	for (k = 0; k < c->argc; k++)
		free(c->argv[k]);
	free(c->argv);
	for (k = 0; k < c->argc_run; k++)
		free(c->argv_run[k]);
	free(c->argv_run);
	free(c->path);
	free(c->exe);
	free(c->interpreter);
	free(c->link);
	free(c->cwd);
	memset(c, 0, sizeof *c);
}

void ev_recorded_release(struct ev_recorded *r)
{
	size_t i;

	for (i = 0; i < r->ncommands; i++)
		ev_command_release(&r->commands[i]);
	free(r->commands);
	for (i = 0; i < r->nexecutable; i++)
		free(r->executable[i]);
	free(r->executable);
	memset(r, 0, sizeof *r);
}

int ev_add_regrade_records(struct tar_list *members, const struct tar_list *old,
			   const struct ev_info *info, const char *old_digest,
			   int64_t regraded_ms, struct err *e)
{
	const struct scenario *sc = info->sc;
	json_t *man = NULL, *o, *a, *from;
	int64_t ended_s;
	int bad = 0, pass = !strcmp(info->verdict, "pass");
	size_t i;

	if (load_json(old, "manifest.json", &man, e) < 0)
		return -1;
	/* A reviewer's decision is not a grader's to overturn in silence. */
	if (is_review(man)) {
		json_decref(man);
		return err_set(e, ERR_REFUSED,
			       "the evidence is a review (its verdict a reviewer's decision); hint: regrade the graded evidence it rests on ($.review.reviewed, or $.review.chain[0].reviewed), then review that again");
	}
	/* The session's own facts stay as recorded; what ran the grading,
	 * the grading and its verdict are new. */
	from = json_object();
	put(&bad, from, "digest", jdigest(old_digest));
	put(&bad, from, "scenario_digest", json_deep_copy(lookup(man, "scenario.digest")));
	put(&bad, from, "verdict", json_deep_copy(json_object_get(man, "verdict")));
	put(&bad, from, "score", json_deep_copy(json_object_get(man, "score")));
	put(&bad, from, "issued", json_deep_copy(json_object_get(man, "issued")));
	o = json_object_get(man, "produced_by");
	put(&bad, o, "mode", json_string("regrade"));
	put(&bad, o, "unsigned_directory", json_boolean(info->unsigned_directory));
	put(&bad, json_object_get(man, "runner"), "version", jstr(info->runner_version));
	o = json_object_get(man, "scenario");
	put(&bad, o, "id", jstr(sc->id));
	put(&bad, o, "version", jstr(sc->version));
	put(&bad, o, "title", jstr(sc->title));
	put(&bad, o, "level", jstr(sc->level));
	a = json_array();
	for (i = 0; i < sc->ncompetencies; i++)
		push(&bad, a, jstr(sc->competencies[i]));
	put(&bad, o, "competencies", a);
	put(&bad, o, "platform", jstr(sc->platform));
	put(&bad, o, "digest", jdigest(info->scenario_digest));
	put(&bad, o, "signed_by", jstr(info->signer_keyid));
	put(&bad, man, "verdict", jstr(info->verdict));
	put(&bad, man, "score", jint(info->score));
	put(&bad, man, "pass_mark", jint(sc->pass_mark));
	put(&bad, man, "error", jstr(info->error));
	put(&bad, man, "issued", jtime(ms_to_s(regraded_ms)));
	/* A pass is valid from when it was shown, the session, not from the
	 * regrade: regrading does not extend it. */
	ended_s = ms_to_s(info->ended_ms);
	put(&bad, man, "valid_until",
	    pass ? jtime(ended_s + (int64_t)sc->valid_for_days * SECONDS_PER_DAY)
		 : json_null());
	put(&bad, man, "regraded_from", from);
	/* the candidate (and its hashed identifier) stay; a passing regrade
	 * carries its own credential, replacing the old one's */
	put(&bad, man, "credential", json_boolean(pass));
	if (pass && tar_list_find(old, CRED_MEMBER)) {
		char hex[65], id[200];

		if (cred_contents_hex(old, hex, e) < 0) {
			json_decref(man);
			return -1;
		}
		snprintf(id, sizeof id, "%s%s", CRED_ID_PREFIX, hex);
		put(&bad, man, "replaces_credential", json_string(id));
	} else {
		put(&bad, man, "replaces_credential", json_null());
	}
	/* the old credential's status index is the old credential's: a new
	 * one gets its own when sealed with a registry */
	put(&bad, man, "credential_status", json_null());
	if (add_json(members, "manifest.json", man, bad, e) < 0)
		return -1;
	bad = 0;
	return add_json(members, "result.json", build_result(info, &bad), bad, e);
}

int ev_result_has(const struct tar_list *members, const char *id,
		  const char *status, unsigned points)
{
	const struct tar_entry *m = tar_list_find(members, "result.json");
	json_t *res, *c;
	size_t i;
	int found = 0;

	if (!m)
		return -1;
	res = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, NULL);
	if (!res)
		return -1;
	json_array_foreach(json_object_get(res, "checks"), i, c) {
		if (!json_is_string(json_object_get(c, "id")) ||
		    strcmp(json_string_value(json_object_get(c, "id")), id))
			continue;
		found = json_is_string(json_object_get(c, "status")) &&
			!strcmp(json_string_value(json_object_get(c, "status")), status) &&
			json_integer_value(json_object_get(c, "points")) == (json_int_t)points;
		break;
	}
	json_decref(res);
	return found;
}
