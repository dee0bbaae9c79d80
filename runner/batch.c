/* batch: the job list, shards, and a pool of worker processes, one per
 * job, each running a replay session (see batch.h).  A result reaches
 * OUTDIR/JOB.ev only by rename, and only with a verdict (pass or fail):
 * a job that could not run leaves no file there, so a rerun redoes just
 * it.  jansson is used here (the list, the log) and not exposed.  It
 * does not print. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/batch.h"
#include "runner/carry.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/recert.h"
#include "runner/session.h"

#define LOG_NAME "batch.log"

/* ---- the list ------------------------------------------------------------ */

static int job_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= BATCH_JOB_ID_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_-") == n;
}

static const char *js(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* One line into j; j->error says what is wrong with it. */
static void parse_job(const char *p, size_t len, struct batch_job *j)
{
	json_error_t je;
	json_t *o = json_loadb(p, len, JSON_REJECT_DUPLICATES, &je), *rp;
	const char *id, *bundle, *renews, *digest, *src;

	if (!o) {
		snprintf(j->error, sizeof j->error, "not JSON: %.200s", je.text);
		return;
	}
	id = js(o, "job");
	if (id && job_id_ok(id))
		snprintf(j->id, sizeof j->id, "%s", id);
	bundle = js(o, "bundle");
	renews = js(o, "renews");
	digest = js(o, "renews_digest");
	rp = json_object_get(o, "replay");
	src = js(rp, "source");
	if (!json_is_object(o))
		snprintf(j->error, sizeof j->error, "not a JSON object");
	else if (!id || !j->id[0])
		snprintf(j->error, sizeof j->error,
			 "$.job: missing, or not 1 to %d of A-Z a-z 0-9 _ -",
			 BATCH_JOB_ID_MAX);
	else if (!bundle || !*bundle || !renews || !*renews)
		snprintf(j->error, sizeof j->error, "$.bundle and $.renews: paths, both required");
	else if (!digest || strlen(digest) != 7 + 64 || strncmp(digest, "sha256:", 7))
		snprintf(j->error, sizeof j->error, "$.renews_digest: not sha256:HEX");
	else if (!src || (strcmp(src, "script") && strcmp(src, "runbook") &&
			  strcmp(src, "commands")))
		snprintf(j->error, sizeof j->error,
			 "$.replay.source: not script, runbook or commands");
	if (!j->error[0]) {
		j->bundle = strdup(bundle);
		j->renews = strdup(renews);
		if (!j->bundle || !j->renews)
			snprintf(j->error, sizeof j->error, "out of memory");
		snprintf(j->renews_digest, sizeof j->renews_digest, "%s", digest);
		snprintf(j->source, sizeof j->source, "%s", src);
		snprintf(j->scenario, sizeof j->scenario, "%s", js(o, "scenario") ? js(o, "scenario") : "");
		snprintf(j->pseudonym, sizeof j->pseudonym, "%s", js(o, "pseudonym") ? js(o, "pseudonym") : "");
		j->attempt = json_integer_value(json_object_get(o, "attempt"));
	}
	json_decref(o);
}

int batch_list_load(const char *path, struct batch_list *l, struct err *e)
{
	struct buf b = BUF_INIT;
	const char *p, *end, *nl;
	size_t n = 0, i, k;

	memset(l, 0, sizeof *l);
	if (read_file_bounded(path, BATCH_MAX_LIST, &b, e) < 0)
		return err_wrap(e, "job list");
	sha256_hex(b.data ? (const void *)b.data : "", b.len, l->digest);
	p = (const char *)b.data;
	end = p ? p + b.len : p;
	for (nl = p; p && nl < end; nl++)
		n += *nl == '\n';
	if (b.len && end[-1] != '\n')
		n++;
	if (n > BATCH_MAX_JOBS) {
		buf_release(&b);
		return err_set(e, ERR_REFUSED, "%s: more than %d jobs; hint: split the list",
			       path, BATCH_MAX_JOBS);
	}
	l->v = calloc(n + 1, sizeof *l->v);
	if (!l->v) {
		buf_release(&b);
		return err_set(e, ERR_HOST, "out of memory");
	}
	for (; p && p < end; p = nl + 1) {
		struct batch_job *j = &l->v[l->n];
		size_t len;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		len = (size_t)(nl - p);
		j->line = ++l->n;
		if (len > BATCH_MAX_LINE)
			snprintf(j->error, sizeof j->error, "over %u bytes", BATCH_MAX_LINE);
		else if (!len)
			snprintf(j->error, sizeof j->error, "an empty line is not a job");
		else
			parse_job(p, len, j);
	}
	buf_release(&b);
	/* a job id names its result: one line each */
	for (i = 0; i < l->n; i++) {
		if (!l->v[i].id[0] || l->v[i].error[0])
			continue;
		for (k = 0; k < i; k++)
			if (!strcmp(l->v[k].id, l->v[i].id))
				break;
		if (k < i)
			snprintf(l->v[i].error, sizeof l->v[i].error,
				 "job '%s' is also on line %zu; each job id may appear once (it names the result)",
				 l->v[i].id, l->v[k].line);
	}
	return 0;
}

void batch_list_release(struct batch_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].bundle);
		free(l->v[i].renews);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* ---- shards ------------------------------------------------------------- */

int batch_shard_parse(const char *arg, unsigned *i, unsigned *n, struct err *e)
{
	const char *slash = strchr(arg, '/');
	char a[24];
	uint64_t vi, vn;

	if (!slash || (size_t)(slash - arg) >= sizeof a)
		return err_set(e, ERR_USAGE, "--shard %s: want I/N, such as 0/4", arg);
	memcpy(a, arg, (size_t)(slash - arg));
	a[slash - arg] = 0;
	if (parse_u64(slash + 1, 1, BATCH_MAX_SHARDS, &vn) < 0 ||
	    parse_u64(a, 0, BATCH_MAX_SHARDS, &vi) < 0)
		return err_set(e, ERR_USAGE, "--shard %s: want I/N with N from 1 to %d", arg,
			       BATCH_MAX_SHARDS);
	if (vi >= vn)
		return err_set(e, ERR_USAGE,
			       "--shard %s: index %llu is out of range; shards count from 0 to %llu",
			       arg, (unsigned long long)vi, (unsigned long long)vn - 1);
	*i = (unsigned)vi;
	*n = (unsigned)vn;
	return 0;
}

int batch_shard_from_env(unsigned n, unsigned *i, const char **var, struct err *e)
{
	static const char *const vars[] = {
		"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX",
		"AWS_BATCH_JOB_ARRAY_INDEX",
	};
	const char *v;
	uint64_t x;
	size_t k;

	for (k = 0; k < sizeof vars / sizeof vars[0]; k++) {
		v = getenv(vars[k]);
		if (!v || !*v)
			continue;
		if (parse_u64(v, 0, BATCH_MAX_SHARDS, &x) < 0)
			return err_set(e, ERR_USAGE, "--shards %u: %s='%.20s' is not a shard index",
				       n, vars[k], v);
		if (x >= n)
			return err_set(e, ERR_USAGE,
				       "--shards %u: %s=%llu is out of range (0 to %u); hint: submit the array as 0-%u",
				       n, vars[k], (unsigned long long)x, n - 1, n - 1);
		*i = (unsigned)x;
		*var = vars[k];
		return 0;
	}
	return err_set(e, ERR_USAGE,
		       "--shards %u: none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX is set; hint: --shard I/N names the shard",
		       n);
}

/* ---- one job, in a worker process ----------------------------------------- */

static volatile sig_atomic_t worker_stop;

static void on_worker_stop(int sig)
{
	(void)sig;
	worker_stop = 1;
}

static json_t *checks_of(const struct tar_list *members)
{
	const struct tar_entry *r = tar_list_find(members, "result.json");
	json_t *res = r ? json_loadb((const char *)r->data, r->len, 0, NULL) : NULL;
	json_t *out = json_array(), *c;
	size_t i;

	json_array_foreach(json_object_get(res, "checks"), i, c) {
		json_t *x = json_object();

		json_object_set(x, "id", json_object_get(c, "id"));
		json_object_set(x, "status", json_object_get(c, "status"));
		json_array_append_new(out, x);
	}
	json_decref(res);
	return out;
}

static json_t *line_base(const struct batch_opts *o, const struct batch_list *l,
			 const struct batch_job *j, const char *event)
{
	json_t *x = json_object();
	char d[8 + SIGN_SHA256_HEX], now[32];

	snprintf(d, sizeof d, "sha256:%s", l->digest);
	time_rfc3339(time_now_ms() / 1000, now);
	json_object_set_new(x, "event", json_string(event));
	json_object_set_new(x, "jobs_digest", json_string(d));
	json_object_set_new(x, "job", j && j->id[0] ? json_string(j->id) : json_null());
	if (j)
		json_object_set_new(x, "line", json_integer((json_int_t)j->line));
	json_object_set_new(x, "time", json_string(now));
	return x;
}

/* Serialise x (freed) as one line; a line over the cap loses its check
 * lists, and says so. */
static char *line_text(json_t *x)
{
	char *s = json_dumps(x, JSON_SORT_KEYS | JSON_COMPACT);

	if (s && strlen(s) + 1 > BATCH_MAX_LINE) {
		free(s);
		json_object_del(json_object_get(x, "before"), "checks");
		json_object_del(json_object_get(x, "after"), "checks");
		json_object_set_new(x, "checks_cut", json_true());
		s = json_dumps(x, JSON_SORT_KEYS | JSON_COMPACT);
	}
	json_decref(x);
	return s;
}

static char *error_line(const struct batch_opts *o, const struct batch_list *l,
			const struct batch_job *j, const char *msg)
{
	json_t *x = line_base(o, l, j, "error");

	json_object_set_new(x, "error", json_string(msg));
	return line_text(x);
}

/* A line that is not a job: keyed by its line in the log (its id, if it
 * has one, may name another line's result). */
static char *line_error(const struct batch_opts *o, const struct batch_list *l,
			const struct batch_job *j)
{
	json_t *x = line_base(o, l, j, "error");

	json_object_set_new(x, "error", json_string(j->error));
	json_object_set_new(x, "not_a_job", json_true());
	return line_text(x);
}

/* Replay job j; the log line (result or error) into *line.  Returns 0 for
 * a verdict, -1 for an error. */
static int run_job(const struct batch_opts *o, const struct batch_list *l,
		   const struct batch_job *j, char **line)
{
	struct tar_list members = {0};
	struct ev_recorded rec;
	struct buf script = BUF_INIT;
	struct session_opts so = {0};
	struct session_result res = {0};
	struct session_replay rp = {0};
	struct ev_renewal rn = {0};
	struct carry_source cs = {0};
	struct cred_identity ident;
	struct err e = {0};
	char digest[SIGN_SHA256_HEX], final[PATH_MAX], tmp[PATH_MAX], msg[1400];
	char sid[200];
	json_t *x, *side, *arr, *failed;
	size_t i;
	int have_rec = 0, rc = -1;

	msg[0] = 0;
	snprintf(final, sizeof final, "%s/%s.ev", o->outdir, j->id);
	/* not *.ev: a partial or abandoned file never looks like a result */
	snprintf(tmp, sizeof tmp, "%s/.%s.ev.run-%ld", o->outdir, j->id, (long)getpid());
	if (ev_open(j->renews, o->issuer, &members, digest, &e) < 0) {
		snprintf(msg, sizeof msg, "renews: %s", e.msg);
		goto out;
	}
	if (strcmp(j->renews_digest + 7, digest)) {
		snprintf(msg, sizeof msg,
			 "%.300s: its digest is sha256:%s, not the job's %.80s; the evidence changed since the plan; hint: plan again",
			 j->renews, digest, j->renews_digest);
		goto out;
	}
	have_rec = 1;
	if (ev_recorded_load(&members, &rec, &e) < 0) {
		snprintf(msg, sizeof msg, "%.300s: %s", j->renews, e.msg);
		goto out;
	}
	if (strcmp(rec.verdict, "pass")) {
		snprintf(msg, sizeof msg, "%.300s: verdict %s: nothing to renew", j->renews,
			 rec.verdict);
		goto out;
	}
	/* the first field the job names that the evidence does not match */
	if (j->scenario[0] && strcmp(j->scenario, rec.scenario_id)) {
		snprintf(msg, sizeof msg, "the job says scenario %.60s; %.300s is of %.60s",
			 j->scenario, j->renews, rec.scenario_id);
		goto out;
	}
	if (j->pseudonym[0] && strcmp(j->pseudonym, rec.candidate)) {
		snprintf(msg, sizeof msg, "the job says holder %.40s; %.300s is %.40s's",
			 j->pseudonym, j->renews, rec.candidate);
		goto out;
	}
	if (j->attempt && j->attempt != (long long)rec.attempt) {
		snprintf(msg, sizeof msg, "the job says attempt %lld; %.300s is attempt %u",
			 j->attempt, j->renews, rec.attempt);
		goto out;
	}
	if (recert_replay_script(&members, &rec, j->source, digest, &script, &e) < 0 ||
	    carry_source_load(&members, digest, rec.hint_points, &cs, &e) < 0) {
		snprintf(msg, sizeof msg, "%.300s: %s", j->renews, e.msg);
		goto out;
	}
	rn.digest = digest;
	rn.scenario_digest = rec.scenario_digest[0] ? rec.scenario_digest : NULL;
	rn.verdict = rec.verdict;
	rn.issued = rec.issued;
	rn.valid_until = rec.valid_until[0] ? rec.valid_until : NULL;
	rp.pseudonym = rec.candidate;
	rp.best_effort = !strcmp(j->source, "commands") || rec.replay_best_effort;
	rp.renews = &rn;
	if (rec.has_identity) {
		snprintf(ident.type, sizeof ident.type, "%s", rec.identity_type);
		snprintf(ident.salt, sizeof ident.salt, "%s", rec.identity_salt);
		snprintf(ident.hash, sizeof ident.hash, "%s", rec.identity_hash);
		rp.identity = &ident;
	}
	rp.replaces_credential = rec.credential_id[0] ? rec.credential_id : NULL;
	rp.jobs_digest = l->digest;
	rp.job = j->id;
	rp.carry = &cs;
	so.input = j->bundle;
	so.trust = o->trust;
	so.key = o->key;
	so.script_data = script.data;
	so.script_len = script.len;
	so.replay = &rp;
	so.stop = &worker_stop;
	so.out = tmp;
	so.attempt = rec.attempt;
	so.seed_hex = rec.seed[0] ? rec.seed : NULL;
	so.variant = rec.variant[0] ? rec.variant : NULL;
	so.cfg = o->cfg;
	so.lim = o->lim;
	so.max_depth = o->max_depth;
	if (session_run(&so, &res, &e) < 0) {
		size_t n = (size_t)snprintf(msg, sizeof msg, "%s", e.msg);

		for (i = 0; i < res.problems.n && n < sizeof msg; i++)
			n += (size_t)snprintf(msg + n, sizeof msg - n, "; %s", res.problems.v[i]);
		goto out;
	}
	if (res.spooled[0]) {
		/* its file could not be written; the spool keeps it, and the
		 * job runs again on the next run */
		snprintf(msg, sizeof msg, "the result could not be written (%.300s): it is in the spool, %.300s (labrun spool)",
			 res.spool_why, res.spooled);
		goto out;
	}
	snprintf(sid, sizeof sid, "%s ", rec.scenario_id);
	if (strncmp(res.scenario, sid, strlen(sid))) {
		snprintf(msg, sizeof msg, "%.300s is scenario %s, but %.300s is evidence of %s",
			 j->bundle, res.scenario, j->renews, rec.scenario_id);
		unlink(tmp);
		goto out;
	}
	if (worker_stop) {
		snprintf(msg, sizeof msg, "interrupted: the replay was stopped; it runs again on the next run");
		unlink(tmp);
		goto out;
	}
	if (!strcmp(res.verdict, "error")) {
		/* an uncarried knowledge check is an authoring gap, the rest
		 * the infrastructure's: neither is the candidate's fail */
		snprintf(msg, sizeof msg, "the replay ended in error, not a verdict: %s",
			 res.error);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, final) < 0) {
		snprintf(msg, sizeof msg, "%.1000s: %s", final, strerror(errno));
		unlink(tmp);
		goto out;
	}
	x = line_base(o, l, j, "result");
	json_object_set_new(x, "outcome", json_string(strcmp(res.verdict, "pass") ? "retake" : "renewed"));
	json_object_set_new(x, "scenario", json_string(res.scenario));
	json_object_set_new(x, "pseudonym", json_string(rec.candidate));
	json_object_set_new(x, "renews", json_string(j->renews));
	json_object_set_new(x, "renews_digest", json_string(j->renews_digest));
	json_object_set_new(x, "replay_source", json_string(j->source));
	json_object_set_new(x, "best_effort", json_boolean(rp.best_effort));
	json_object_set_new(x, "duration_ms", json_integer(res.duration_ms));
	side = json_object();
	json_object_set_new(side, "verdict", json_string(rec.verdict));
	json_object_set_new(side, "score", json_integer(rec.score));
	json_object_set_new(side, "checks", checks_of(&members));
	json_object_set_new(x, "before", side);
	side = json_object();
	arr = json_array();
	failed = json_array();
	for (i = 0; i < res.nchecks; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "id", json_string(res.checks[i].id));
		json_object_set_new(c, "status", json_string(res.checks[i].status));
		if (res.checks[i].knowledge && carry_source_has(&cs, res.checks[i].id))
			json_object_set_new(c, "carried", json_true());
		json_array_append_new(arr, c);
		if (strcmp(res.checks[i].status, "pass"))
			json_array_append_new(failed, json_string(res.checks[i].id));
	}
	json_object_set_new(side, "verdict", json_string(res.verdict));
	json_object_set_new(side, "score", json_integer(res.score));
	json_object_set_new(side, "checks", arr);
	json_object_set_new(x, "after", side);
	json_object_set_new(x, "failed", failed);
	*line = line_text(x);
	rc = 0;
out:
	if (rc < 0)
		*line = error_line(o, l, j, msg);
	session_result_release(&res);
	carry_source_release(&cs);
	buf_release(&script);
	if (have_rec)
		ev_recorded_release(&rec);
	tar_list_release(&members);
	return rc;
}

/* ---- the pool -------------------------------------------------------------- */

struct worker {
	pid_t pid;
	int fd;                 /* the read end of its pipe */
	size_t job;             /* index in the list */
	struct buf out;         /* what it sent: its log line */
};

static int log_line(int fd, const char *line, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	if (!line)
		return err_set(e, ERR_HOST, "out of memory");
	/* one write per line: O_APPEND keeps shards' lines whole */
	if (buf_puts(&b, line, e) < 0 || buf_append(&b, "\n", 1, e) < 0)
		return -1;
	rc = write_all(fd, b.data, b.len);
	buf_release(&b);
	return rc < 0 ? err_sys(e, ERR_HOST, errno, "%s", LOG_NAME) : 0;
}

static void note(const struct batch_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(const struct batch_opts *o, const char *fmt, ...)
{
	char msg[1600];
	va_list ap;

	if (!o->hooks || !o->hooks->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o->hooks->note(o->hooks->ctx, msg);
}

static void progress(const struct batch_opts *o, struct batch_progress *p,
		     int64_t t0, int final)
{
	p->elapsed_ms = time_mono_ms() - t0;
	if (o->hooks && o->hooks->progress)
		o->hooks->progress(o->hooks->ctx, p, final);
}

static pid_t spawn(const struct batch_opts *o, const struct batch_list *l,
		   size_t k, struct worker *w, size_t nw, int logfd, int *rfd)
{
	int p[2];
	pid_t pid, parent;
	size_t i;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		struct sigaction sa;
		char *line = NULL;
		int rc;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_worker_stop;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		/* A batch killed outright stops its workers: an interrupted
		 * replay leaves no result and runs again on the next run,
		 * never a worker left running beside the next batch. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(3);
		close(p[0]);
		close(logfd);
		for (i = 0; i < nw; i++)
			if (w[i].pid > 0)
				close(w[i].fd);
		rc = run_job(o, l, &l->v[k], &line);
		if (line)
			(void)!write_all(p[1], line, strlen(line));
		_exit(rc == 0 ? 0 : 3);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

/* A worker's pipe reached its end: reap it, log its line, count it. */
static int finish(const struct batch_opts *o, const struct batch_list *l,
		  struct worker *w, int logfd, struct batch_progress *p,
		  struct err *e)
{
	const struct batch_job *j = &l->v[w->job];
	json_t *x = NULL;
	char *line = NULL, why[200];
	const char *ev, *outcome;
	int status = 0, rc;

	close(w->fd);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	if (w->out.len)
		x = json_loadb((const char *)w->out.data, w->out.len, 0, NULL);
	ev = js(x, "event");
	if (!ev) {
		if (WIFSIGNALED(status))
			snprintf(why, sizeof why, "its worker process was killed by signal %d",
				 WTERMSIG(status));
		else
			snprintf(why, sizeof why, "its worker process ended (status %d) without a result",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		line = error_line(o, l, j, why);
		ev = "error";
	}
	rc = log_line(logfd, line ? line : (const char *)w->out.data, e);
	p->done++;
	if (!strcmp(ev, "error")) {
		p->errors++;
		note(o, "%s: %s", j->id, line ? why : js(x, "error") ? js(x, "error") : "?");
	} else {
		outcome = js(x, "outcome");
		if (outcome && !strcmp(outcome, "renewed"))
			p->renewed++;
		else
			p->retake++;
	}
	free(line);
	json_decref(x);
	buf_release(&w->out);
	return rc;
}

/* Another job list's results must not mix with these: the log's first
 * line names the list that made the directory, and every result names
 * the list and job it came from. */
static int check_outdir(const struct batch_opts *o, const struct batch_list *l,
			struct err *e)
{
	char path[PATH_MAX], want[8 + SIGN_SHA256_HEX], **names = NULL;
	struct buf b = BUF_INIT;
	size_t n = 0, i, k;
	int dfd, rc = -1;

	snprintf(want, sizeof want, "sha256:%s", l->digest);
	snprintf(path, sizeof path, "%s/%s", o->outdir, LOG_NAME);
	if (access(path, F_OK) == 0) {
		const char *nl;
		json_t *x;

		if (read_file_bounded(path, BATCH_MAX_LOG, &b, e) < 0)
			return -1;
		nl = b.data ? memchr(b.data, '\n', b.len) : NULL;
		x = nl ? json_loadb((const char *)b.data, (size_t)(nl - (const char *)b.data), 0, NULL) : NULL;
		if (x && js(x, "jobs_digest") && strcmp(js(x, "jobs_digest"), want)) {
			err_set(e, ERR_USAGE,
				"%s holds results of another job list (%.80s), not of %s (%s); hint: one OUTDIR per job list",
				o->outdir, js(x, "jobs_digest"), o->jobs, want);
			json_decref(x);
			buf_release(&b);
			return -1;
		}
		json_decref(x);
		buf_release(&b);
	}
	dfd = open(o->outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", o->outdir);
	rc = dir_names(dfd, BATCH_MAX_JOBS + 16, &names, &n, e);
	close(dfd);
	if (rc != 0)
		return rc < 0 ? err_wrap(e, "%s", o->outdir)
			      : err_set(e, ERR_USAGE, "%s: more files than a job list has jobs",
					o->outdir);
	rc = -1;
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (names[i][0] == '.' || len < 4 || strcmp(names[i] + len - 3, ".ev"))
			continue;
		for (k = 0; k < l->n; k++)
			if (l->v[k].id[0] && strlen(l->v[k].id) == len - 3 &&
			    !strncmp(l->v[k].id, names[i], len - 3))
				break;
		if (k == l->n) {
			err_set(e, ERR_USAGE,
				"%s/%s is not the result of a job of %s: it came from another job list; hint: one OUTDIR per job list",
				o->outdir, names[i], o->jobs);
			goto out;
		}
	}
	rc = 0;
out:
	dir_names_free(names, n);
	return rc;
}

/* What to do with job j's existing result: 1 skip (it verifies), 0 run
 * (none, or broken: redone), -1 refuse (another list's). */
static int existing(const struct batch_opts *o, const struct batch_list *l,
		    const struct batch_job *j, struct err *e)
{
	struct tar_list m = {0};
	struct ev_recorded rec;
	struct err ve = {0};
	char path[PATH_MAX], want[8 + SIGN_SHA256_HEX];
	int rc;

	snprintf(path, sizeof path, "%s/%s.ev", o->outdir, j->id);
	if (access(path, F_OK) < 0)
		return 0;
	if (ev_open(path, o->issuer, &m, NULL, &ve) < 0) {
		note(o, "%s: %s; it is redone", j->id, ve.msg);
		return 0;
	}
	snprintf(want, sizeof want, "sha256:%s", l->digest);
	if (ev_recorded_load(&m, &rec, &ve) < 0) {
		tar_list_release(&m);
		note(o, "%s: %s; it is redone", j->id, ve.msg);
		return 0;
	}
	if (strcmp(rec.batch_jobs_digest, want) || strcmp(rec.batch_job, j->id))
		rc = err_set(e, ERR_USAGE,
			     "%s is job '%.64s' of job list %.80s, not job '%s' of %s (%s); hint: one OUTDIR per job list",
			     path, rec.batch_job, rec.batch_jobs_digest[0] ? rec.batch_jobs_digest : "(none)",
			     j->id, o->jobs, want);
	else
		rc = strcmp(rec.verdict, "pass") && strcmp(rec.verdict, "fail") ? 0 : 1;
	ev_recorded_release(&rec);
	tar_list_release(&m);
	return rc;
}

int batch_run(const struct batch_opts *o, struct batch_progress *res,
	      struct err *e)
{
	struct batch_list l = {0};
	struct batch_progress p = {0};
	struct worker *w = NULL;
	struct pollfd *pfd = NULL;
	size_t *pending = NULL, npending = 0, next = 0, i, k, nw;
	char path[PATH_MAX], shard[48];
	int logfd = -1, rc = -1, x, forwarded = 0;
	int64_t t0 = time_mono_ms(), last = t0;
	json_t *start;

	memset(res, 0, sizeof *res);
	nw = o->workers ? o->workers : 1;
	if (batch_list_load(o->jobs, &l, e) < 0)
		return -1;
	if (mkdir_p(o->outdir, 0755, e) < 0 || check_outdir(o, &l, e) < 0)
		goto out;
	pending = calloc(l.n + 1, sizeof *pending);
	w = calloc(nw, sizeof *w);
	pfd = calloc(nw, sizeof *pfd);
	if (!pending || !w || !pfd) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	/* This shard's jobs: k mod shards.  A refusal (another list's
	 * result) comes before anything is logged or run. */
	for (k = o->shard; k < l.n; k += o->shards ? o->shards : 1) {
		p.total++;
		if (l.v[k].error[0])
			continue;
		x = existing(o, &l, &l.v[k], e);
		if (x < 0)
			goto out;
		if (x == 1) {
			p.skipped++;
			p.done++;
		} else {
			pending[npending++] = k;
		}
	}
	snprintf(path, sizeof path, "%s/%s", o->outdir, LOG_NAME);
	logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (logfd < 0) {
		err_sys(e, ERR_HOST, errno, "%s", path);
		goto out;
	}
	snprintf(shard, sizeof shard, "%u/%u", o->shard, o->shards ? o->shards : 1);
	start = line_base(o, &l, NULL, "start");
	json_object_set_new(start, "shard", json_string(shard));
	json_object_set_new(start, "jobs", json_integer((json_int_t)p.total));
	json_object_set_new(start, "skipped", json_integer((json_int_t)p.skipped));
	json_object_set_new(start, "pid", json_integer(getpid()));
	{
		char *s = line_text(start);
		int r = log_line(logfd, s, e);

		free(s);
		if (r < 0)
			goto out;
	}
	/* lines that are not jobs: an error each, and nothing runs */
	for (k = o->shard; k < l.n; k += o->shards ? o->shards : 1) {
		char *s;
		int r;

		if (!l.v[k].error[0])
			continue;
		s = line_error(o, &l, &l.v[k]);
		r = log_line(logfd, s, e);
		free(s);
		if (r < 0)
			goto out;
		p.errors++;
		p.done++;
		note(o, "%s line %zu: %s", o->jobs, l.v[k].line, l.v[k].error);
	}
	progress(o, &p, t0, 0);
	while (next < npending || p.running) {
		size_t np = 0;
		int n;

		while (next < npending && p.running < nw && !(o->stop && *o->stop)) {
			for (i = 0; i < nw && w[i].pid > 0; i++)
				;
			crash_point("job"); /* a job boundary: before the Nth job */
			w[i].job = pending[next];
			w[i].pid = spawn(o, &l, pending[next], w, nw, logfd, &w[i].fd);
			if (w[i].pid < 0) {
				w[i].pid = 0;
				err_sys(e, ERR_HOST, errno, "starting a worker");
				break;
			}
			next++;
			p.running++;
		}
		if (o->stop && *o->stop && !forwarded) {
			/* a stop that reached labrun alone reaches its workers */
			for (i = 0; i < nw; i++)
				if (w[i].pid > 0)
					kill(w[i].pid, SIGTERM);
			forwarded = 1;
		}
		if (o->stop && *o->stop && !p.running)
			break;
		if (!p.running) {
			if (next < npending)
				goto out; /* no worker could start */
			break;
		}
		for (i = 0; i < nw; i++)
			if (w[i].pid > 0) {
				pfd[np].fd = w[i].fd;
				pfd[np].events = POLLIN;
				pfd[np].revents = 0;
				np++;
			}
		crash_point("job-running"); /* mid-job: the Nth wait */
		n = poll(pfd, np, 1000);
		if (n < 0 && errno != EINTR) {
			err_sys(e, ERR_HOST, errno, "poll");
			goto out;
		}
		for (i = 0, k = 0; n > 0 && i < nw; i++) {
			unsigned char chunk[4096];
			ssize_t got;

			if (w[i].pid <= 0)
				continue;
			if (!(pfd[k++].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(w[i].fd, chunk, sizeof chunk);
			if (got < 0 && errno == EINTR)
				continue;
			if (got > 0) {
				if (w[i].out.len + (size_t)got <= BATCH_MAX_LINE &&
				    buf_append(&w[i].out, chunk, (size_t)got, e) < 0)
					goto out;
				continue;
			}
			p.running--;
			if (finish(o, &l, &w[i], logfd, &p, e) < 0)
				goto out;
			progress(o, &p, t0, 0);
		}
		if (time_mono_ms() - last >= 1000) {
			last = time_mono_ms();
			progress(o, &p, t0, 0);
		}
	}
	/* jobs a stop kept from starting */
	for (; next < npending; next++) {
		char *s = error_line(o, &l, &l.v[pending[next]],
				     "interrupted before it started; it runs on the next run");

		(void)log_line(logfd, s, e);
		free(s);
		p.errors++;
		p.done++;
	}
	{
		json_t *end = line_base(o, &l, NULL, "end");
		char *s;

		json_object_set_new(end, "shard", json_string(shard));
		json_object_set_new(end, "renewed", json_integer((json_int_t)p.renewed));
		json_object_set_new(end, "retake", json_integer((json_int_t)p.retake));
		json_object_set_new(end, "skipped", json_integer((json_int_t)p.skipped));
		json_object_set_new(end, "errors", json_integer((json_int_t)p.errors));
		s = line_text(end);
		if (log_line(logfd, s, e) < 0) {
			free(s);
			goto out;
		}
		free(s);
	}
	progress(o, &p, t0, 1);
	*res = p;
	rc = 0;
out:
	for (i = 0; w && i < nw; i++)
		if (w[i].pid > 0) {
			kill(w[i].pid, SIGTERM);
			close(w[i].fd);
			while (waitpid(w[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
			buf_release(&w[i].out);
		}
	if (logfd >= 0)
		close(logfd);
	free(w);
	free(pfd);
	free(pending);
	batch_list_release(&l);
	return rc;
}
