/* stats: gathering the cohort for labrun stats and working its figures
 * out (see stats.h; the formulas are stats_calc.c's, the meaning
 * docs/stats.md's).  jansson is used here to read manifest.json,
 * result.json and the platform's audit trail, and not exposed. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/evidence.h"
#include "runner/recert.h"
#include "runner/sign.h"
#include "runner/stats.h"
#include "runner/stats_calc.h"
#include "runner/tarball.h"

/* The platform's operator audit trail, as the evidence keeps it when the
 * grader read it (docs/platform.md), and the installed agentctl, the one
 * program whose requests count as the candidate's steps (docs/graders.md,
 * lab.agentd.steps). */
#define AUDIT_MEMBER "changes/var/log/agentd/audit.jsonl"
#define AGENTCTL "/opt/labrun/bin/agentctl"

static int nomem(struct err *e)
{
	return err_set(e, ERR_HOST, "out of memory");
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 8;
	if (!(p = realloc(*v, c * size)))
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

/* ---- reading one evidence file ---- */

static json_t *member_json(const struct tar_list *m, const char *name)
{
	const struct tar_entry *t = tar_list_find(m, name);

	return t ? json_loadb((const char *)t->data, t->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
}

static const json_t *jpath(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	return b ? json_object_get(v, b) : v;
}

/* Changing commands of the installed agentctl (its help): a successful
 * one is a remediation step.  Words: the command, then its verb ("" any
 * verb), and the least number of words (a show-or-set command sets only
 * with its value). */
static const struct {
	const char *cmd, *verb;
	size_t min_words;
} changing[] = {
	{"agent", "quarantine", 3}, {"agent", "release", 3},
	{"tool", "enable", 3}, {"tool", "disable", 3}, {"tool", "set", 5},
	{"tool", "adapter", 4}, {"tool", "canary", 5}, {"tool", "rollback", 3},
	{"model", "pin", 4}, {"model", "unpin", 3}, {"model", "rollback", 3},
	{"model", "gate", 4},
	{"policy", "apply", 3}, {"policy", "rollback", 2},
	{"task", "retry", 3},
	{"approvals", "resume", 2}, {"approvals", "threshold", 3},
	{"approval", "approve", 3}, {"approval", "reject", 3},
	{"effect", "revert", 3},
	{"exporter", "restart", 2},
	{"clock", "sync", 3},
	{"secret", "rotate", 3},
	{"state", "reset", 2},
};

static int is_change(const json_t *argv)
{
	size_t n = json_array_size(argv);
	const char *w0 = json_string_value(json_array_get(argv, 0));
	const char *w1 = json_string_value(json_array_get(argv, 1));

	if (!w0 || !w1)
		return 0;
	for (size_t i = 0; i < sizeof changing / sizeof *changing; i++)
		if (!strcmp(changing[i].cmd, w0) && !strcmp(changing[i].verb, w1) &&
		    n >= changing[i].min_words)
			return 1;
	return 0;
}

/* The command of the log that asked for an audit entry: the installed
 * agentctl, the same pid, the same words, the same exit status. */
static const struct ev_command *asker(const struct ev_recorded *r, const json_t *entry)
{
	const json_t *argv = json_object_get(entry, "argv");
	json_int_t pid = json_integer_value(json_object_get(entry, "pid"));
	json_int_t status = json_integer_value(json_object_get(entry, "exit"));

	for (size_t i = 0; i < r->ncommands; i++) {
		const struct ev_command *c = &r->commands[i];
		size_t k;

		if (c->pid != pid || !c->exe || strcmp(c->exe, AGENTCTL) ||
		    !c->trusted || !c->exited || c->exit_code != status ||
		    c->argc != json_array_size(argv) + 1)
			continue;
		for (k = 1; k < c->argc; k++) {
			const char *w = json_string_value(json_array_get(argv, k - 1));

			if (!w || strcmp(w, c->argv[k]))
				break;
		}
		if (k == c->argc)
			return c;
	}
	return NULL;
}

/* The first and last successful remediation step of the audit trail, in
 * ms since the session started (the command log's clock). */
static void step_times(const struct tar_list *m, const struct ev_recorded *r,
		       struct stats_attempt *a)
{
	const struct tar_entry *t = tar_list_find(m, AUDIT_MEMBER);
	const char *p, *end;
	a->first_step_ms = a->last_step_ms = -1;
	if (!t)
		return;
	a->has_audit = 1;
	p = (const char *)t->data;
	end = p + t->len;
	/* bounded by the member: CHANGES_MAX_FILE */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *o = json_loadb(p, len, 0, NULL);
		const struct ev_command *c;

		p += len + 1;
		if (!json_is_object(o))
			goto next;
		if (json_integer_value(json_object_get(o, "exit")) != 0 ||
		    !is_change(json_object_get(o, "argv")) ||
		    !(c = asker(r, o)))
			goto next;
		if (a->first_step_ms < 0 || c->t_ms < a->first_step_ms)
			a->first_step_ms = c->t_ms;
		if (c->t_ms > a->last_step_ms)
			a->last_step_ms = c->t_ms;
next:
		json_decref(o);
	}
}

static struct stats_group *group_of(struct stats_data *d, const char *id,
				    const char *version, struct err *e)
{
	struct stats_group *g;

	for (size_t i = 0; i < d->ngroups; i++)
		if (!strcmp(d->groups[i].id, id) && !strcmp(d->groups[i].version, version))
			return &d->groups[i];
	/* groups grow one at a time: there are few */
	if (!(g = realloc(d->groups, (d->ngroups + 1) * sizeof *g)))
		return nomem(e), NULL;
	d->groups = g;
	g = &d->groups[d->ngroups];
	memset(g, 0, sizeof *g);
	if (!(g->id = strdup(id)) || !(g->version = strdup(version))) {
		free(g->id);
		free(g->version);
		return nomem(e), NULL;
	}
	d->ngroups++;
	return g;
}

static int cand_index(char ***v, size_t *n, size_t *cap, const char *name,
		      size_t *out, struct err *e)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name)) {
			*out = i;
			return 0;
		}
	if (grow((void **)v, cap, *n, sizeof **v) < 0 || !((*v)[*n] = strdup(name)))
		return nomem(e);
	*out = (*n)++;
	return 0;
}

/* The group's check of this id (added in the order first seen). */
static int check_index(struct stats_group *g, const json_t *c, size_t *out,
		       struct err *e)
{
	const char *id = json_string_value(json_object_get(c, "id"));
	const char *kind = json_string_value(json_object_get(c, "kind"));
	struct stats_check *v;

	for (size_t i = 0; i < g->nchecks; i++)
		if (!strcmp(g->checks[i].id, id)) {
			*out = i;
			return 0;
		}
	if (!(v = realloc(g->checks, (g->nchecks + 1) * sizeof *v)))
		return nomem(e);
	g->checks = v;
	v = &g->checks[g->nchecks];
	memset(v, 0, sizeof *v);
	if (!(v->id = strdup(id)))
		return nomem(e);
	snprintf(v->kind, sizeof v->kind, "%s", kind ? kind : "remediation");
	v->weight = (unsigned)json_integer_value(json_object_get(c, "weight"));
	*out = g->nchecks++;
	return 0;
}

/* The checks of result.json into the attempt, aligned with the group's. */
static int attempt_checks(struct stats_group *g, struct stats_attempt *a,
			  const json_t *res, struct err *e)
{
	const json_t *checks = json_object_get(res, "checks"), *c;
	size_t i, j = 0;

	json_array_foreach(checks, i, c) {
		const char *status = json_string_value(json_object_get(c, "status"));
		json_int_t pts = json_integer_value(json_object_get(c, "points"));

		if (!json_string_value(json_object_get(c, "id")))
			continue;
		if (check_index(g, c, &j, e) < 0)
			return -1;
		if (j >= a->nchecks) {
			int *cp = realloc(a->cpass, (j + 1) * sizeof *cp);
			unsigned *pp;

			if (!cp)
				return nomem(e);
			a->cpass = cp;
			if (!(pp = realloc(a->cpoints, (j + 1) * sizeof *pp)))
				return nomem(e);
			a->cpoints = pp;
			for (size_t k = a->nchecks; k <= j; k++) {
				a->cpass[k] = 0;
				a->cpoints[k] = 0;
			}
			a->nchecks = j + 1;
		}
		a->cpass[j] = status && !strcmp(status, "pass");
		a->cpoints[j] = pts > 0 ? (unsigned)pts : 0;
	}
	return 0;
}

static int attempt_hints(struct stats_attempt *a, const json_t *man, struct err *e)
{
	const json_t *h = json_object_get(man, "hints_used"), *x;
	size_t i;

	if (!json_array_size(h))
		return 0;
	if (!(a->hints = calloc(json_array_size(h), sizeof *a->hints)))
		return nomem(e);
	json_array_foreach(h, i, x) {
		json_int_t k = json_integer_value(json_object_get(x, "hint"));
		size_t j;

		for (j = 0; j < a->nhints && a->hints[j] != (unsigned)k; j++)
			;
		if (k > 0 && j == a->nhints)
			a->hints[a->nhints++] = (unsigned)k;
	}
	return 0;
}

static void attempt_release(struct stats_attempt *a)
{
	free(a->variant);
	free(a->hints);
	free(a->cpass);
	free(a->cpoints);
}

static int add_attempt(struct stats_data *d, const struct tar_list *m,
		       const struct ev_recorded *r, const char *digest,
		       struct err *e)
{
	json_t *man = member_json(m, "manifest.json"), *res = member_json(m, "result.json");
	struct stats_group *g;
	struct stats_attempt *a;
	int rc = -1;

	if (!man || !res) {
		rc = nomem(e);
		goto out;
	}
	if (!(g = group_of(d, r->scenario_id, r->scenario_version, e)) ||
	    grow((void **)&g->v, &g->cap, g->n, sizeof *g->v) < 0) {
		if (!e->kind)
			nomem(e);
		goto out;
	}
	a = &g->v[g->n];
	memset(a, 0, sizeof *a);
	snprintf(a->digest, sizeof a->digest, "%s", digest);
	if (r->variant[0] && !(a->variant = strdup(r->variant))) {
		nomem(e);
		goto out;
	}
	g->n++;
	a->graded = !strcmp(r->verdict, "pass") || !strcmp(r->verdict, "fail");
	a->passed = !strcmp(r->verdict, "pass");
	a->score = r->score;
	a->duration_s = (double)json_integer_value(jpath(man, "session", "duration_ms")) / 1000.0;
	step_times(m, r, a);
	if (cand_index(&g->cands, &g->ncands, &g->ccap, r->candidate, &a->cand, e) < 0 ||
	    attempt_hints(a, man, e) < 0 || attempt_checks(g, a, res, e) < 0)
		goto out;
	rc = 0;
out:
	json_decref(man);
	json_decref(res);
	return rc;
}

static int add_replay(struct stats_data *d, const struct ev_recorded *r,
		      struct err *e)
{
	struct stats_recert *x = NULL, *v;
	int k = !strcmp(r->verdict, "pass") ? 0 : !strcmp(r->verdict, "fail") ? 1 : 2;
	size_t ignored;

	for (size_t i = 0; i < d->nrecert; i++)
		if (!strcmp(d->recert[i].platform, r->platform))
			x = &d->recert[i];
	if (!x) {
		if (!(v = realloc(d->recert, (d->nrecert + 1) * sizeof *v)))
			return nomem(e);
		d->recert = v;
		x = &d->recert[d->nrecert];
		memset(x, 0, sizeof *x);
		if (!(x->platform = strdup(r->platform)))
			return nomem(e);
		d->nrecert++;
	}
	x->count[k]++;
	return cand_index(&x->cands[k], &x->ncands[k], &x->ccap[k], r->candidate,
			  &ignored, e);
}

static int add_invalid(struct stats_data *d, const char *path, const char *why,
		       struct err *e)
{
	struct stats_invalid *v = realloc(d->invalid, (d->ninvalid + 1) * sizeof *v);

	if (!v)
		return nomem(e);
	d->invalid = v;
	v = &d->invalid[d->ninvalid];
	if (!(v->file = strdup(path)) || !(v->error = strdup(why))) {
		free(v->file);
		return nomem(e);
	}
	d->ninvalid++;
	d->invalid_n++;
	return 0;
}

static int in_window(const struct ev_recorded *r, const struct stats_opts *o)
{
	int64_t issued;

	if (o->scenario && strcmp(o->scenario, r->scenario_id))
		return 0;
	if (!o->since_given)
		return 1;
	return recert_parse_date(r->issued, &issued) == 0 && issued >= o->since_s;
}

static int read_one(const char *path, const struct sign_pub *issuer,
		    const struct stats_opts *o, struct stats_data *d,
		    struct err *e)
{
	struct tar_list m = {0};
	struct ev_recorded r;
	char digest[SIGN_SHA256_HEX];
	struct err ve = {0};
	int rc = 0;

	memset(&r, 0, sizeof r);
	if (d->files++ >= STATS_MAX_FILES)
		return err_set(e, ERR_REFUSED, "%s: more than %u evidence files; "
			       "hint: give fewer directories, or --scenario and --since",
			       path, STATS_MAX_FILES);
	if (ev_open(path, issuer, &m, digest, &ve) < 0 ||
	    ev_recorded_load(&m, &r, &ve) < 0) {
		tar_list_release(&m);
		ev_recorded_release(&r);
		if (ve.kind == ERR_HOST || ve.kind == ERR_BUG) {
			*e = ve;
			return -1;
		}
		/* the message names the file already: once is enough */
		return add_invalid(d, path, strncmp(ve.msg, path, strlen(path)) ||
				   strncmp(ve.msg + strlen(path), ": ", 2) ? ve.msg :
				   ve.msg + strlen(path) + 2, e);
	}
	d->valid++;
	if (!in_window(&r, o))
		d->filtered++;
	else if (!strcmp(r.mode, "run") || !strcmp(r.mode, "take"))
		rc = add_attempt(d, &m, &r, digest, e);
	else if (!strcmp(r.mode, "replay"))
		rc = add_replay(d, &r, e);
	else
		d->other_modes++;
	tar_list_release(&m);
	ev_recorded_release(&r);
	return rc;
}

static int walk(const char *path, int depth, const struct sign_pub *issuer,
		const struct stats_opts *o, struct stats_data *d, struct err *e)
{
	struct stat st;
	char **names = NULL;
	size_t n = 0;
	int fd, rc = 0;

	/* a path named on the command line that is not there is a mistake
	 * in the command, not a file of the cohort */
	if (stat(path, &st) < 0)
		return depth == 0
			       ? err_set(e, ERR_REFUSED, "%s: %s; hint: name evidence files or directories of them", path, strerror(errno))
			       : add_invalid(d, path, strerror(errno), e);
	if (!S_ISDIR(st.st_mode))
		return read_one(path, issuer, o, d, e);
	if (depth >= STATS_MAX_DEPTH)
		return add_invalid(d, path, "directory nested too deep (8 levels walked)", e);
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return add_invalid(d, path, strerror(errno), e);
	rc = dir_names(fd, STATS_MAX_FILES, &names, &n, e);
	close(fd);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(e, ERR_REFUSED, "%s: more than %u entries; hint: "
			       "split the directory", path, STATS_MAX_FILES);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *sub = NULL;

		if (asprintf(&sub, "%s%s%s", path,
			     path[strlen(path) - 1] == '/' ? "" : "/", names[i]) < 0) {
			rc = nomem(e);
			break;
		}
		rc = walk(sub, depth + 1, issuer, o, d, e);
		free(sub);
	}
	dir_names_free(names, n);
	return rc;
}

static int cmp_attempt(const void *x, const void *y)
{
	return strcmp(((const struct stats_attempt *)x)->digest,
		      ((const struct stats_attempt *)y)->digest);
}

static int cmp_group(const void *x, const void *y)
{
	const struct stats_group *a = x, *b = y;
	int c = strcmp(a->id, b->id);

	return c ? c : strcmp(a->version, b->version);
}

int stats_gather(char *const *paths, size_t n, const struct sign_pub *issuer,
		 const struct stats_opts *o, struct stats_data *d,
		 struct err *e)
{
	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < n; i++)
		if (walk(paths[i], 0, issuer, o, d, e) < 0)
			return -1;
	/* the order of attempts is their files' digests: the upper-lower
	 * index breaks ties by it, so the figures do not depend on names */
	for (size_t i = 0; i < d->ngroups; i++)
		qsort(d->groups[i].v, d->groups[i].n, sizeof *d->groups[i].v, cmp_attempt);
	if (d->ngroups)
		qsort(d->groups, d->ngroups, sizeof *d->groups, cmp_group);
	return 0;
}

void stats_data_release(struct stats_data *d)
{
	for (size_t i = 0; i < d->ngroups; i++) {
		struct stats_group *g = &d->groups[i];

		for (size_t j = 0; j < g->n; j++)
			attempt_release(&g->v[j]);
		for (size_t j = 0; j < g->ncands; j++)
			free(g->cands[j]);
		for (size_t j = 0; j < g->nchecks; j++)
			free(g->checks[j].id);
		for (size_t j = 0; j < g->nvariants; j++)
			free(g->variants[j].id);
		free(g->v);
		free(g->cands);
		free(g->checks);
		free(g->variants);
		free(g->hints);
		free(g->id);
		free(g->version);
	}
	for (size_t i = 0; i < d->nrecert; i++) {
		for (int k = 0; k < 3; k++) {
			for (size_t j = 0; j < d->recert[i].ncands[k]; j++)
				free(d->recert[i].cands[k][j]);
			free(d->recert[i].cands[k]);
		}
		free(d->recert[i].platform);
	}
	for (size_t i = 0; i < d->ninvalid; i++) {
		free(d->invalid[i].file);
		free(d->invalid[i].error);
	}
	free(d->groups);
	free(d->recert);
	free(d->invalid);
	memset(d, 0, sizeof *d);
}

/* ---- the figures ---- */

static int keep_all(const struct stats_attempt *a, const void *arg)
{
	return 1;
}

unsigned stats_distinct(const struct stats_group *g,
			int (*keep)(const struct stats_attempt *a, const void *arg),
			const void *arg)
{
	unsigned n = 0;

	for (size_t c = 0; c < g->ncands; c++)
		for (size_t i = 0; i < g->n; i++)
			if (g->v[i].cand == c && g->v[i].graded &&
			    keep(&g->v[i], arg)) {
				n++;
				break;
			}
	return n;
}

/* The median and 90th percentile of what pick gives for the graded
 * attempts that have it (pick returns 0 for those). */
static int spread(const struct stats_group *g,
		  int (*pick)(const struct stats_attempt *a, const void *arg, double *v),
		  const void *arg, struct stats_val *med, struct stats_val *p90,
		  unsigned *count, struct err *e)
{
	double *v = calloc(g->n ? g->n : 1, sizeof *v);
	size_t n = 0;

	if (!v)
		return nomem(e);
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].graded && pick(&g->v[i], arg, &v[n]) == 0)
			n++;
	med->ok = stats_quantile(v, n, 0.5, &med->v) == 0;
	p90->ok = stats_quantile(v, n, 0.9, &p90->v) == 0;
	if (count)
		*count = (unsigned)n;
	free(v);
	return 0;
}

static int pick_duration(const struct stats_attempt *a, const void *arg, double *v)
{
	const char *variant = arg;

	if (variant && (!a->variant || strcmp(a->variant, variant)))
		return -1;
	*v = a->duration_s;
	return 0;
}

static int pick_first(const struct stats_attempt *a, const void *arg, double *v)
{
	if (a->first_step_ms < 0)
		return -1;
	*v = (double)a->first_step_ms / 1000.0;
	return 0;
}

static int pick_last(const struct stats_attempt *a, const void *arg, double *v)
{
	if (a->last_step_ms < 0)
		return -1;
	*v = (double)a->last_step_ms / 1000.0;
	return 0;
}

static int pick_score(const struct stats_attempt *a, const void *arg, double *v)
{
	*v = a->score / 1000.0;
	return 0;
}

static int has_step(const struct stats_attempt *a, const void *arg)
{
	return a->first_step_ms >= 0;
}

static int scores(struct stats_group *g, struct err *e)
{
	double sum = 0;

	for (size_t i = 0; i < g->n; i++) {
		const struct stats_attempt *a = &g->v[i];
		unsigned bin;

		if (!a->graded) {
			g->errors++;
			continue;
		}
		g->graded++;
		g->passed += a->passed;
		sum += a->score / 1000.0;
		bin = a->score / (1000 / STATS_BINS);
		if (bin >= STATS_BINS)
			bin = STATS_BINS - 1;
		g->hist[bin]++;
	}
	for (unsigned b = 0; b < STATS_BINS; b++)
		g->hist_cands[b] = 0;
	for (size_t c = 0; c < g->ncands; c++) {
		int seen[STATS_BINS] = {0};

		for (size_t i = 0; i < g->n; i++) {
			unsigned bin = g->v[i].score / (1000 / STATS_BINS);

			if (g->v[i].cand != c || !g->v[i].graded)
				continue;
			if (bin >= STATS_BINS)
				bin = STATS_BINS - 1;
			if (!seen[bin]++)
				g->hist_cands[bin]++;
		}
	}
	g->graded_cands = stats_distinct(g, keep_all, NULL);
	g->pass_rate = g->graded ? (double)g->passed / g->graded : 0;
	g->score_mean.ok = g->graded > 0;
	g->score_mean.v = g->graded ? sum / g->graded : 0;
	if (spread(g, pick_score, NULL, &g->score_med, &g->score_p90, NULL, e) < 0 ||
	    spread(g, pick_duration, NULL, &g->dur_med, &g->dur_p90, NULL, e) < 0 ||
	    spread(g, pick_first, NULL, &g->steps.first_med, &g->steps.first_p90,
		   &g->steps.n, e) < 0 ||
	    spread(g, pick_last, NULL, &g->steps.last_med, &g->steps.last_p90, NULL, e) < 0)
		return -1;
	for (size_t i = 0; i < g->n; i++)
		g->steps.has |= g->v[i].has_audit;
	g->steps.candidates = stats_distinct(g, has_step, NULL);
	return 0;
}

/* Item analysis: the graded attempts' checks as 0/1 items and points. */
static int items(struct stats_group *g, struct err *e)
{
	size_t n = g->graded, k = g->nchecks, r = 0;
	double *x = calloc(n * k + 1, sizeof *x), *pts = calloc(n * k + 1, sizeof *pts);
	double *tot = calloc(n + 1, sizeof *tot), *rest = calloc(n + 1, sizeof *rest);
	double *col = calloc(n + 1, sizeof *col);
	int rc = -1;

	if (!x || !pts || !tot || !rest || !col) {
		nomem(e);
		goto out;
	}
	for (size_t i = 0; i < g->n; i++) {
		const struct stats_attempt *a = &g->v[i];

		if (!a->graded)
			continue;
		for (size_t j = 0; j < k && j < a->nchecks; j++) {
			x[r * k + j] = a->cpass[j];
			pts[r * k + j] = a->cpoints[j] / 1000.0;
			tot[r] += pts[r * k + j];
		}
		r++;
	}
	for (size_t j = 0; j < k; j++) {
		struct stats_check *c = &g->checks[j];

		c->passed = 0;
		for (size_t i = 0; i < n; i++) {
			col[i] = x[i * k + j];
			rest[i] = tot[i] - pts[i * k + j];
			c->passed += x[i * k + j] != 0;
		}
		c->difficulty = n ? (double)c->passed / (double)n : 0;
		c->pbis.ok = stats_pearson(col, rest, n, &c->pbis.v) == 0;
		c->ul.ok = stats_upper_lower(col, tot, n, STATS_UL_SHARE, &c->ul.v) == 0;
		c->flags = 0;
		if (n && c->passed == 0)
			c->flags |= STATS_NOBODY;
		if (n && c->passed == n)
			c->flags |= STATS_EVERYBODY;
		if (c->pbis.ok && c->pbis.v < 0)
			c->flags |= STATS_NEGATIVE;
		else if (c->pbis.ok && c->pbis.v < STATS_LOW_DISC)
			c->flags |= STATS_LOW;
	}
	g->kr20.ok = stats_alpha(x, n, k, &g->kr20.v) == 0;
	g->alpha.ok = stats_alpha(pts, n, k, &g->alpha.v) == 0;
	rc = 0;
out:
	free(x);
	free(pts);
	free(tot);
	free(rest);
	free(col);
	return rc;
}

static int same_variant(const struct stats_attempt *a, const void *arg)
{
	return a->variant && !strcmp(a->variant, arg);
}

static int variant_rows(struct stats_group *g, struct err *e)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct stats_attempt *a = &g->v[i];
		struct stats_variant *v = NULL;

		if (!a->graded || !a->variant)
			continue;
		for (size_t j = 0; j < g->nvariants; j++)
			if (!strcmp(g->variants[j].id, a->variant))
				v = &g->variants[j];
		if (!v) {
			if (!(v = realloc(g->variants, (g->nvariants + 1) * sizeof *v)))
				return nomem(e);
			g->variants = v;
			v = &g->variants[g->nvariants];
			memset(v, 0, sizeof *v);
			if (!(v->id = strdup(a->variant)))
				return nomem(e);
			g->nvariants++;
		}
		v->attempts++;
		v->passed += a->passed;
		v->mean_score += a->score / 1000.0;
	}
	for (size_t j = 0; j < g->nvariants; j++) {
		struct stats_variant *v = &g->variants[j];

		v->pass_rate = (double)v->passed / v->attempts;
		v->mean_score /= v->attempts;
		v->candidates = stats_distinct(g, same_variant, v->id);
		if (spread(g, pick_duration, v->id, &v->dur_med, &v->dur_p90, NULL, e) < 0)
			return -1;
	}
	return 0;
}

static int cmp_variant(const void *x, const void *y)
{
	return strcmp(((const struct stats_variant *)x)->id,
		      ((const struct stats_variant *)y)->id);
}

/* The test of the variants' pass rates: Fisher's exact test for two,
 * Pearson's chi-square for more. */
static int fairness(struct stats_group *g, struct err *e)
{
	size_t k = g->nvariants;
	unsigned *pass = calloc(k + 1, sizeof *pass), *fail = calloc(k + 1, sizeof *fail);

	if (!pass || !fail) {
		free(pass);
		free(fail);
		return nomem(e);
	}
	if (k)
		qsort(g->variants, k, sizeof *g->variants, cmp_variant);
	for (size_t j = 0; j < k; j++) {
		pass[j] = g->variants[j].passed;
		fail[j] = g->variants[j].attempts - g->variants[j].passed;
	}
	g->chi2.ok = g->p_chi.ok = stats_chi_square(pass, fail, k, &g->chi2.v, &g->df,
						    &g->p_chi.v) == 0;
	if (k == 2) {
		g->p_fisher.ok = 1;
		g->p_fisher.v = stats_fisher(pass[0], fail[0], pass[1], fail[1]);
		g->test = "fisher";
		g->p = g->p_fisher;
	} else if (k > 2 && g->p_chi.ok) {
		g->test = "chi-square";
		g->p = g->p_chi;
	}
	g->unfair = g->p.ok && g->p.v < STATS_ALPHA;
	free(pass);
	free(fail);
	return 0;
}

static int hint_figures(struct stats_group *g, struct err *e)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct stats_attempt *a = &g->v[i];

		for (size_t h = 0; a->graded && h < a->nhints; h++) {
			size_t j;
			struct stats_hint *v;

			for (j = 0; j < g->nhints && g->hints[j].index != a->hints[h]; j++)
				;
			if (j < g->nhints)
				continue;
			if (!(v = realloc(g->hints, (g->nhints + 1) * sizeof *v)))
				return nomem(e);
			g->hints = v;
			memset(&v[j], 0, sizeof *v);
			v[j].index = a->hints[h];
			g->nhints++;
		}
	}
	for (size_t j = 0; j < g->nhints; j++) {
		struct stats_hint *h = &g->hints[j];

		for (size_t c = 0; c < g->ncands; c++) {
			int with = 0, without = 0;

			for (size_t i = 0; i < g->n; i++) {
				const struct stats_attempt *a = &g->v[i];
				int used = 0;

				if (a->cand != c || !a->graded)
					continue;
				for (size_t k = 0; k < a->nhints; k++)
					used |= a->hints[k] == h->index;
				if (used) {
					h->with++;
					h->with_passed += a->passed;
					with = 1;
				} else {
					h->without++;
					h->without_passed += a->passed;
					without = 1;
				}
			}
			h->with_cands += with;
			h->without_cands += without;
		}
	}
	/* in hint order */
	for (size_t i = 1; i < g->nhints; i++)
		for (size_t j = i; j > 0 && g->hints[j - 1].index > g->hints[j].index; j--) {
			struct stats_hint t = g->hints[j];

			g->hints[j] = g->hints[j - 1];
			g->hints[j - 1] = t;
		}
	return 0;
}

int stats_figures(struct stats_data *d, struct err *e)
{
	for (size_t i = 0; i < d->ngroups; i++) {
		struct stats_group *g = &d->groups[i];

		if (scores(g, e) < 0 || items(g, e) < 0 || variant_rows(g, e) < 0 ||
		    fairness(g, e) < 0 || hint_figures(g, e) < 0)
			return -1;
	}
	return 0;
}
