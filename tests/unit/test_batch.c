/* test_batch: labrun batch's decisions that need no session.  The job
 * list read line by line (each refused line kept with the JSON path at
 * fault, a repeated id naming the line it repeats, the file refused
 * whole when over its bounds, with the fix); --shard I/N and the array
 * engines' index variables; which jobs a shard takes (k mod N), all
 * shards together taking each job once into one OUTDIR; an OUTDIR of
 * another job list refused before anything is logged; a finished result
 * skipped, a broken one redone; a job refused before its replay starts
 * (evidence changed since the plan, not a pass, not the attempt the job
 * names, no replay material); a stop before any job; and batch.log's
 * start, error and end lines.  No job here reaches session_run: each
 * fails, as designed, before a sandbox would be built. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/batch.h"
#include "runner/evidence.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "tests/unit/evfix.h"
#include "tests/unit/tap.h"

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

static char dir[200];
static struct sign_sec *issuer_sk, *other_sk;
static struct sign_pub issuer;
static struct sign_trust trust;

static char *competencies[] = {"testing"};
static struct scenario sc = {
	.id = "t-min", .version = "1.0.0", .title = "Minimal",
	.level = "foundation", .platform = "agentsim-2",
	.competencies = competencies, .ncompetencies = 1, .grader_api = 1,
	.pass_mark = 800, .time_limit_s = 60, .valid_for_days = 365,
};

/* ---- helpers ---- */

/* One job line: source and digest as given, the rest plain. */
static void job_line(char *out, size_t size, const char *id, const char *renews,
		     const char *digest, const char *source, const char *extra)
{
	snprintf(out, size,
		 "{\"job\":\"%s\",\"bundle\":\"%s/t.lab\",\"renews\":\"%s\","
		 "\"renews_digest\":\"sha256:%s\",\"replay\":{\"source\":\"%s\"}%s}\n",
		 id, dir, renews, digest, source, extra ? extra : "");
}

static int load_text(const char *name, const char *text, struct batch_list *l,
		     struct err *e)
{
	char path[300];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (evfix_put(path, text) < 0)
		return -2;
	return batch_list_load(path, l, e);
}

/* batch.log's lines as JSON objects (an array; NULL when absent). */
static json_t *log_lines(const char *outdir)
{
	char path[300];
	struct buf b = BUF_INIT;
	struct err e = {0};
	json_t *a;
	const char *p, *end, *nl;

	snprintf(path, sizeof path, "%s/batch.log", outdir);
	if (read_file_bounded(path, BATCH_MAX_LOG, &b, &e) < 0)
		return NULL;
	a = json_array();
	p = (const char *)b.data;
	end = p ? p + b.len : p;
	for (; p && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		json_array_append_new(a, json_loadb(p, (size_t)(nl - p), 0, NULL));
	}
	buf_release(&b);
	return a;
}

/* The error of job id (or of list line n when id is NULL) in the log. */
static const char *log_error(const json_t *lines, const char *id, long long line)
{
	const json_t *x;
	size_t i;

	json_array_foreach(lines, i, x) {
		const char *ev = json_string_value(json_object_get(x, "event"));
		const char *j = json_string_value(json_object_get(x, "job"));

		if (!ev || strcmp(ev, "error"))
			continue;
		if (id ? j && !strcmp(j, id)
		       : json_integer_value(json_object_get(x, "line")) == line)
			return json_string_value(json_object_get(x, "error"));
	}
	return NULL;
}

static size_t count_event(const json_t *lines, const char *event)
{
	const json_t *x;
	size_t i, n = 0;

	json_array_foreach(lines, i, x)
		n += json_is_string(json_object_get(x, "event")) &&
		     !strcmp(json_string_value(json_object_get(x, "event")), event);
	return n;
}

/* What the hooks heard. */
struct heard {
	char notes[8][1600];
	size_t nnotes, nprogress, nfinal;
	struct batch_progress last;
};

static void on_note(void *ctx, const char *msg)
{
	struct heard *h = ctx;

	if (h->nnotes < 8)
		snprintf(h->notes[h->nnotes], sizeof h->notes[0], "%s", msg);
	h->nnotes++;
}

static void on_progress(void *ctx, const struct batch_progress *p, int final)
{
	struct heard *h = ctx;

	h->nprogress++;
	h->nfinal += final != 0;
	h->last = *p;
}

static const char *heard_note(const struct heard *h, const char *needle)
{
	size_t i;

	for (i = 0; i < h->nnotes && i < 8; i++)
		if (strstr(h->notes[i], needle))
			return h->notes[i];
	return NULL;
}

static int run_batch(const char *jobs, const char *outdir, unsigned shard,
		     unsigned shards, volatile int *stop, struct heard *h,
		     struct batch_progress *res, struct err *e)
{
	struct batch_hooks hooks = {h, on_progress, on_note};
	struct batch_opts o = {0};

	memset(h, 0, sizeof *h);
	o.jobs = jobs;
	o.outdir = outdir;
	o.trust = &trust;
	o.key = issuer_sk;
	o.issuer = &issuer;
	o.workers = 2;
	o.shard = shard;
	o.shards = shards;
	o.lim.max_entries = BUNDLE_MAX_ENTRIES;
	o.lim.max_file = BUNDLE_MAX_FILE;
	o.lim.max_total = BUNDLE_MAX_TOTAL;
	o.max_depth = JSON_MAX_DEPTH;
	o.hooks = &hooks;
	o.stop = stop;
	return batch_run(&o, res, e);
}

/* ---- the job list ---- */

static void test_list(void)
{
	struct batch_list l;
	struct err e = {0};
	struct buf t = BUF_INIT;
	char line[1200], id64[BATCH_JOB_ID_MAX + 2], digest[SIGN_SHA256_HEX];
	char *big;
	size_t i;

	memset(id64, 'a', BATCH_JOB_ID_MAX);
	id64[BATCH_JOB_ID_MAX] = 0;
	/* 1 */ job_line(line, sizeof line, "a1", "/e/1.ev", ZERO64, "script",
		       ",\"scenario\":\"t-min\",\"pseudonym\":\"" EVFIX_PSEUDONYM "\",\"attempt\":2");
	buf_puts(&t, line, NULL);
	/* 2 */ buf_puts(&t, "{\"job\": \"a2\", \"bundle\": \n", NULL);
	/* 3 */ buf_puts(&t, "[\"a3\"]\n", NULL);
	/* 4 */ job_line(line, sizeof line, "bad id!", "/e/4.ev", ZERO64, "script", NULL);
	buf_puts(&t, line, NULL);
	/* 5 */ job_line(line, sizeof line, id64, "/e/5.ev", ZERO64, "runbook", NULL);
	buf_puts(&t, line, NULL);
	/* 6: one byte over the id's bound */
	id64[BATCH_JOB_ID_MAX] = 'a';
	id64[BATCH_JOB_ID_MAX + 1] = 0;
	job_line(line, sizeof line, id64, "/e/6.ev", ZERO64, "script", NULL);
	buf_puts(&t, line, NULL);
	/* 7 */ buf_puts(&t, "{\"job\":\"a7\",\"bundle\":\"/b.lab\",\"renews_digest\":\"sha256:" ZERO64
		       "\",\"replay\":{\"source\":\"script\"}}\n", NULL);
	/* 8 */ job_line(line, sizeof line, "a8", "", ZERO64, "script", NULL);
	buf_puts(&t, line, NULL);
	/* 9 */ job_line(line, sizeof line, "a9", "/e/9.ev", "abc", "script", NULL);
	buf_puts(&t, line, NULL);
	/* 10: sha512: is not sha256: */
	buf_puts(&t, "{\"job\":\"a10\",\"bundle\":\"/b.lab\",\"renews\":\"/e/10.ev\","
		 "\"renews_digest\":\"sha512:" ZERO64 "\",\"replay\":{\"source\":\"script\"}}\n", NULL);
	/* 11 */ job_line(line, sizeof line, "a11", "/e/11.ev", ZERO64, "shell", NULL);
	buf_puts(&t, line, NULL);
	/* 12 */ buf_puts(&t, "\n", NULL);
	/* 13: a1 again */
	job_line(line, sizeof line, "a1", "/e/13.ev", ZERO64, "commands", NULL);
	buf_puts(&t, line, NULL);
	/* 14: a broken line keeps its id: a15 repeats it */
	buf_puts(&t, "{\"job\":\"a14\"}\n", NULL);
	/* 15 */ job_line(line, sizeof line, "a14", "/e/15.ev", ZERO64, "script", NULL);
	buf_puts(&t, line, NULL);
	/* 16: over BATCH_MAX_LINE */
	big = malloc(BATCH_MAX_LINE + 2);
	memset(big, ' ', BATCH_MAX_LINE + 1);
	big[0] = '{';
	big[BATCH_MAX_LINE] = '}';
	big[BATCH_MAX_LINE + 1] = 0;
	buf_puts(&t, big, NULL);
	buf_puts(&t, "\n", NULL);
	free(big);
	/* 17: the last line, with no newline, is a job */
	job_line(line, sizeof line, "z9", "/e/17.ev", ZERO64, "commands", NULL);
	line[strlen(line) - 1] = 0;
	buf_puts(&t, line, NULL);
	buf_append(&t, "", 1, NULL); /* a NUL for load_text */

	ok(load_text("list", (const char *)t.data, &l, &e) == 0, "a list with bad lines loads: %s", e.msg);
	ok(l.n == 17, "every line is an entry, the last without its newline too (%zu)", l.n);
	for (i = 0; i < l.n; i++)
		if (l.v[i].line != i + 1)
			break;
	ok(i == l.n, "each entry knows its line");
	sha256_hex(t.data, t.len - 1, digest);
	is_str(l.digest, digest, "the list's digest is the SHA-256 of its bytes");

	is_str(l.v[0].error, "", "line 1: a job");
	is_str(l.v[0].id, "a1", "... its id");
	ok(l.v[0].bundle && strstr(l.v[0].bundle, "/t.lab") && l.v[0].renews &&
	   !strcmp(l.v[0].renews, "/e/1.ev"), "... bundle and renews");
	is_str(l.v[0].renews_digest, "sha256:" ZERO64, "... renews_digest");
	is_str(l.v[0].source, "script", "... replay source");
	is_str(l.v[0].scenario, "t-min", "... scenario, as the plan said");
	is_str(l.v[0].pseudonym, EVFIX_PSEUDONYM, "... pseudonym");
	ok(l.v[0].attempt == 2, "... attempt");
	ok(!strncmp(l.v[1].error, "not JSON: ", 10), "line 2: %s", l.v[1].error);
	is_str(l.v[2].error, "not a JSON object", "line 3: an array is not a job");
	is_str(l.v[3].error, "$.job: missing, or not 1 to 64 of A-Z a-z 0-9 _ -",
	       "line 4: an id with a space and '!' (the path and the rule named)");
	ok(!l.v[3].id[0], "... and no id is taken from it");
	ok(!l.v[4].error[0] && strlen(l.v[4].id) == BATCH_JOB_ID_MAX,
	   "line 5: an id of %d bytes is one: %s", BATCH_JOB_ID_MAX, l.v[4].error);
	is_str(l.v[4].source, "runbook", "... replay source runbook");
	ok(!strncmp(l.v[5].error, "$.job:", 6), "line 6: an id of %d bytes is not", BATCH_JOB_ID_MAX + 1);
	is_str(l.v[6].error, "$.bundle and $.renews: paths, both required", "line 7: no renews");
	is_str(l.v[7].error, "$.bundle and $.renews: paths, both required", "line 8: an empty renews");
	is_str(l.v[8].error, "$.renews_digest: not sha256:HEX", "line 9: a short digest");
	is_str(l.v[9].error, "$.renews_digest: not sha256:HEX", "line 10: a sha512: digest");
	is_str(l.v[10].error, "$.replay.source: not script, runbook or commands",
	       "line 11: an unknown replay source");
	is_str(l.v[11].error, "an empty line is not a job", "line 12: empty");
	is_str(l.v[12].error,
	       "job 'a1' is also on line 1; each job id may appear once (it names the result)",
	       "line 13: a repeated id names the line it repeats, and why");
	ok(l.v[0].error[0] == 0, "... the first of the two stays a job");
	is_str(l.v[13].error, "$.bundle and $.renews: paths, both required", "line 14: only an id");
	ok(!strncmp(l.v[14].error, "job 'a14' is also on line 14;", 29),
	   "line 15: a broken line's id is still taken (%s)", l.v[14].error);
	snprintf(line, sizeof line, "over %u bytes", BATCH_MAX_LINE);
	is_str(l.v[15].error, line, "line 16: over the line bound");
	ok(!l.v[16].error[0] && !strcmp(l.v[16].id, "z9") && !strcmp(l.v[16].source, "commands"),
	   "line 17: a job without its final newline: %s", l.v[16].error);
	/* a line refused as it is parsed keeps no paths (a repeated id is
	 * found after parsing: lines 13 and 15 keep theirs) */
	for (i = 1; i < l.n - 1; i++)
		if (i != 4 && i != 12 && i != 14 && (l.v[i].bundle || l.v[i].renews))
			break;
	ok(i == l.n - 1, "a line refused as it is parsed holds no paths (line %zu)", i + 1);
	batch_list_release(&l);
	ok(l.n == 0 && l.v == NULL, "batch_list_release empties the list");
	buf_release(&t);

	/* the file as a whole */
	e = (struct err){0};
	ok(load_text("empty", "", &l, &e) == 0 && l.n == 0, "an empty list: no jobs");
	batch_list_release(&l);
	snprintf(line, sizeof line, "%s/no-such-list", dir);
	e = (struct err){0};
	ok(batch_list_load(line, &l, &e) < 0 && strstr(e.msg, line) &&
	   strstr(e.msg, "job list"), "a missing list is refused, named: %s", e.msg);
	big = malloc(BATCH_MAX_JOBS + 2);
	memset(big, '\n', BATCH_MAX_JOBS);
	big[BATCH_MAX_JOBS] = 'x'; /* a last line with no newline counts */
	big[BATCH_MAX_JOBS + 1] = 0;
	e = (struct err){0};
	ok(load_text("huge", big, &l, &e) == -1 && e.kind == ERR_REFUSED &&
	   strstr(e.msg, "/huge: more than 1000000 jobs; hint: split the list"),
	   "%d lines and one more are refused, with the fix: %s", BATCH_MAX_JOBS, e.msg);
	free(big);
}

/* ---- shards ---- */

static void test_shard_parse(void)
{
	static const struct {
		const char *arg;
		unsigned i, n;
		const char *msg; /* NULL: accepted */
	} v[] = {
		{"0/1", 0, 1, NULL},
		{"3/4", 3, 4, NULL},
		{"999999/1000000", 999999, 1000000, NULL},
		{"4/4", 0, 0, "--shard 4/4: index 4 is out of range; shards count from 0 to 3"},
		{"9/2", 0, 0, "--shard 9/2: index 9 is out of range; shards count from 0 to 1"},
		{"0/0", 0, 0, "--shard 0/0: want I/N with N from 1 to 1000000"},
		{"0/1000001", 0, 0, "--shard 0/1000001: want I/N with N from 1 to 1000000"},
		{"x/4", 0, 0, "--shard x/4: want I/N with N from 1 to 1000000"},
		{"-1/4", 0, 0, "--shard -1/4: want I/N with N from 1 to 1000000"},
		{"1/4/2", 0, 0, "--shard 1/4/2: want I/N with N from 1 to 1000000"},
		{"/4", 0, 0, "--shard /4: want I/N with N from 1 to 1000000"},
		{"3", 0, 0, "--shard 3: want I/N, such as 0/4"},
		{"123456789012345678901234/4", 0, 0,
		 "--shard 123456789012345678901234/4: want I/N, such as 0/4"},
	};
	size_t k;

	for (k = 0; k < sizeof v / sizeof v[0]; k++) {
		struct err e = {0};
		unsigned i = 77, n = 77;
		int rc = batch_shard_parse(v[k].arg, &i, &n, &e);

		if (!v[k].msg)
			ok(rc == 0 && i == v[k].i && n == v[k].n, "--shard %s is %u of %u", v[k].arg, i, n);
		else
			ok(rc < 0 && e.kind == ERR_USAGE && !strcmp(e.msg, v[k].msg) &&
			   i == 77 && n == 77, "--shard %s: %s", v[k].arg, e.msg);
	}
}

static void set3(const char *slurm, const char *k8s, const char *aws)
{
	static const char *const names[] = {"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX",
					    "AWS_BATCH_JOB_ARRAY_INDEX"};
	const char *vals[] = {slurm, k8s, aws};
	size_t i;

	for (i = 0; i < 3; i++)
		if (vals[i])
			setenv(names[i], vals[i], 1);
		else
			unsetenv(names[i]);
}

static void test_shard_env(void)
{
	struct err e = {0};
	const char *var = NULL;
	unsigned i = 77;

	set3(NULL, NULL, NULL);
	ok(batch_shard_from_env(4, &i, &var, &e) < 0 && e.kind == ERR_USAGE &&
	   !strcmp(e.msg, "--shards 4: none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, "
			  "AWS_BATCH_JOB_ARRAY_INDEX is set; hint: --shard I/N names the shard") &&
	   i == 77, "no index variable: refused, the three named, the fix: %s", e.msg);
	set3("2", "1", "0");
	ok(batch_shard_from_env(4, &i, &var, &e) == 0 && i == 2 && !strcmp(var, "SLURM_ARRAY_TASK_ID"),
	   "Slurm's index first (%u from %s)", i, var);
	set3("", "3", "0");
	ok(batch_shard_from_env(4, &i, &var, &e) == 0 && i == 3 && !strcmp(var, "JOB_COMPLETION_INDEX"),
	   "an empty one is unset: Kubernetes' next (%u from %s)", i, var);
	set3(NULL, NULL, "0");
	ok(batch_shard_from_env(1, &i, &var, &e) == 0 && i == 0 &&
	   !strcmp(var, "AWS_BATCH_JOB_ARRAY_INDEX"), "then AWS Batch's (%u from %s)", i, var);
	set3("4", NULL, NULL);
	i = 77;
	e = (struct err){0};
	ok(batch_shard_from_env(4, &i, &var, &e) < 0 && e.kind == ERR_USAGE &&
	   !strcmp(e.msg, "--shards 4: SLURM_ARRAY_TASK_ID=4 is out of range (0 to 3); "
			  "hint: submit the array as 0-3") && i == 77,
	   "an index not below N: the variable, the range and the fix: %s", e.msg);
	set3("1x", "1", NULL);
	e = (struct err){0};
	ok(batch_shard_from_env(4, &i, &var, &e) < 0 &&
	   !strcmp(e.msg, "--shards 4: SLURM_ARRAY_TASK_ID='1x' is not a shard index") && i == 77,
	   "the first variable set decides, even when it is not a number: %s", e.msg);
	set3(NULL, NULL, NULL);
}

/* Seven lines, three shards: job k is shard k mod 3's; the shards'
 * results go to one OUTDIR, each line logged once by its shard. */
static void test_sharding(void)
{
	char jobs[300], out[300], line[1200], ren[300];
	struct buf t = BUF_INIT;
	struct batch_progress res;
	struct heard h;
	struct err e = {0};
	json_t *lines;
	unsigned s, seen[8] = {0};
	size_t k, i, total = 0;
	const json_t *x;
	int ok_lines = 1, ok_shards = 1;

	snprintf(jobs, sizeof jobs, "%s/shard-jobs", dir);
	snprintf(out, sizeof out, "%s/shard-out", dir);
	for (k = 1; k <= 7; k++) {
		char id[16];

		snprintf(id, sizeof id, "j%zu", k);
		snprintf(ren, sizeof ren, "%s/missing-%zu.ev", dir, k);
		if (k % 2)
			job_line(line, sizeof line, id, ren, ZERO64, "script", NULL);
		else
			snprintf(line, sizeof line, "{\"job\": \"%s\"}\n", id);
		buf_puts(&t, line, NULL);
	}
	buf_append(&t, "", 1, NULL);
	evfix_put(jobs, (const char *)t.data);
	buf_release(&t);

	for (s = 0; s < 3; s++) {
		size_t want = s == 0 ? 3 : 2; /* 7 jobs: 0,3,6 | 1,4 | 2,5 */

		e = (struct err){0};
		ok(run_batch(jobs, out, s, 3, NULL, &h, &res, &e) == 0, "shard %u/3 runs: %s", s, e.msg);
		ok(res.total == want && res.done == want && res.errors == want &&
		   res.renewed == 0 && res.retake == 0 && res.skipped == 0,
		   "... takes %zu jobs, each an error (total %zu, done %zu, errors %zu)", want,
		   res.total, res.done, res.errors);
		ok(h.nfinal == 1 && h.last.done == want, "... one final progress report, with the counts");
	}
	lines = log_lines(out);
	ok(lines && count_event(lines, "start") == 3 && count_event(lines, "end") == 3,
	   "one batch.log: a start and an end line from each shard");
	json_array_foreach(lines, i, x) {
		const char *ev = json_string_value(json_object_get(x, "event"));
		long long ln = json_integer_value(json_object_get(x, "line"));

		if (ev && !strcmp(ev, "error")) {
			if (ln < 1 || ln > 7)
				ok_lines = 0;
			else
				seen[ln]++;
			total++;
		}
	}
	for (k = 1; k <= 7; k++)
		ok_lines = ok_lines && seen[k] == 1;
	ok(ok_lines && total == 7, "every line logged exactly once over the three shards");
	/* which shard logged which line: the start line precedes its jobs */
	{
		const char *shard = NULL;

		json_array_foreach(lines, i, x) {
			const char *ev = json_string_value(json_object_get(x, "event"));

			if (ev && !strcmp(ev, "start"))
				shard = json_string_value(json_object_get(x, "shard"));
			else if (ev && !strcmp(ev, "error") && shard) {
				long long ln = json_integer_value(json_object_get(x, "line"));

				if ((unsigned)(shard[0] - '0') != (unsigned)((ln - 1) % 3))
					ok_shards = 0;
			}
		}
	}
	ok(ok_shards, "line L is logged by shard (L-1) mod 3");
	ok(log_error(lines, "j1", 0) && strstr(log_error(lines, "j1", 0), "renews: ") &&
	   strstr(log_error(lines, "j1", 0), "missing-1.ev"),
	   "a job whose evidence is gone: its error names the file: %s", log_error(lines, "j1", 0));
	ok(log_error(lines, NULL, 2) &&
	   !strcmp(log_error(lines, NULL, 2), "$.bundle and $.renews: paths, both required"),
	   "a line that is not a job is logged by its line, with its fault");
	json_array_foreach(lines, i, x)
		if (json_is_true(json_object_get(x, "not_a_job")) &&
		    json_integer_value(json_object_get(x, "line")) % 2)
			break;
	ok(i == json_array_size(lines), "... marked not_a_job, and only such lines are");
	{
		char want[8 + SIGN_SHA256_HEX], d[SIGN_SHA256_HEX];

		evfix_digest(jobs, d);
		snprintf(want, sizeof want, "sha256:%s", d);
		json_array_foreach(lines, i, x)
			if (!json_string_value(json_object_get(x, "jobs_digest")) ||
			    strcmp(json_string_value(json_object_get(x, "jobs_digest")), want))
				break;
		ok(i == json_array_size(lines), "every log line names the job list by digest");
	}
	json_decref(lines);

	/* the notes name the file and the line */
	e = (struct err){0};
	run_batch(jobs, out, 1, 3, NULL, &h, &res, &e);
	snprintf(line, sizeof line, "%s line 2: $.bundle and $.renews", jobs);
	ok(heard_note(&h, line) != NULL, "a bad line's note names the list and the line: %s",
	   h.nnotes ? h.notes[0] : "(none)");
	ok(heard_note(&h, "j5: renews: ") != NULL, "a job's note names the job");
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 0, NULL, &h, &res, &e) == 0 && res.total == 7,
	   "shards 0 (no --shard) is one shard of every job");
}

/* ---- OUTDIR ---- */

static void test_outdir(void)
{
	static const char other_log[] =
		"{\"event\":\"start\",\"jobs_digest\":\"sha256:" ZERO64 "\"}\n";
	char jobs[300], out[300], path[400], line[1200], ren[300];
	char d[SIGN_SHA256_HEX];
	struct batch_progress res;
	struct heard h;
	struct err e = {0};
	struct evfix f = {.sc = &sc};
	struct stat st;

	snprintf(jobs, sizeof jobs, "%s/out-jobs", dir);
	snprintf(ren, sizeof ren, "%s/missing.ev", dir);
	job_line(line, sizeof line, "only", ren, ZERO64, "script", NULL);
	evfix_put(jobs, line);
	evfix_digest(jobs, d);

	/* a log of another list */
	snprintf(out, sizeof out, "%s/out-other", dir);
	mkdir(out, 0755);
	snprintf(path, sizeof path, "%s/batch.log", out);
	evfix_put(path, other_log);
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) < 0 && e.kind == ERR_USAGE &&
	   strstr(e.msg, "holds results of another job list (sha256:" ZERO64 ")") &&
	   strstr(e.msg, jobs) && strstr(e.msg, "hint: one OUTDIR per job list"),
	   "an OUTDIR whose log is another list's is refused, both named, the fix: %s", e.msg);
	ok(stat(path, &st) == 0 && (size_t)st.st_size == strlen(other_log), "... and nothing is logged there");

	/* a result that is no job of this list */
	snprintf(out, sizeof out, "%s/out-stray", dir);
	mkdir(out, 0755);
	snprintf(path, sizeof path, "%s/stray.ev", out);
	evfix_put(path, "x");
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) < 0 && e.kind == ERR_USAGE &&
	   strstr(e.msg, "/stray.ev is not the result of a job of") &&
	   strstr(e.msg, "hint: one OUTDIR per job list"), "a stray result is refused: %s", e.msg);
	snprintf(path, sizeof path, "%s/batch.log", out);
	ok(access(path, F_OK) < 0, "... before anything is logged");
	/* what is not a result is left alone */
	snprintf(path, sizeof path, "%s/stray.ev", out);
	unlink(path);
	snprintf(path, sizeof path, "%s/.only.ev.run-1", out);
	evfix_put(path, "partial");
	snprintf(path, sizeof path, "%s/notes.txt", out);
	evfix_put(path, "mine");
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) == 0 && res.errors == 1,
	   "a partial file and a note beside the results are no refusal: %s", e.msg);
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) == 0,
	   "the same list again into its own OUTDIR: %s", e.msg);

	/* a finished result is skipped; it never runs again */
	snprintf(out, sizeof out, "%s/out-done", dir);
	mkdir(out, 0755);
	snprintf(path, sizeof path, "%s/only.ev", out);
	f.batch_jobs_digest = d;
	f.batch_job = "only";
	ok(evfix_write(&f, issuer_sk, path, NULL, &e) == 0, "a result of job 'only': %s", e.msg);
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) == 0 && res.skipped == 1 &&
	   res.done == 1 && res.errors == 0, "... is skipped, not redone (skipped %zu, errors %zu)",
	   res.skipped, res.errors);
	{
		json_t *lines = log_lines(out);
		const json_t *start = json_array_get(lines, 0);

		ok(json_integer_value(json_object_get(start, "skipped")) == 1 &&
		   json_integer_value(json_object_get(start, "jobs")) == 1 &&
		   !strcmp(json_string_value(json_object_get(start, "shard")), "0/1"),
		   "... the start line says so");
		json_decref(lines);
	}
	/* a result whose verdict is error is no result: redone */
	f.verdict = "error";
	f.score = 0;
	e = (struct err){0};
	evfix_write(&f, issuer_sk, path, NULL, &e);
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) == 0 && res.skipped == 0 && res.errors == 1,
	   "a result whose verdict is error is redone: %s", e.msg);
	f.verdict = NULL;
	/* one sealed by another key is redone, and said so */
	e = (struct err){0};
	evfix_write(&f, other_sk, path, NULL, &e);
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) == 0 && res.skipped == 0 &&
	   res.errors == 1 && heard_note(&h, "only: ") && heard_note(&h, "; it is redone"),
	   "a result that does not verify is redone, with a note: %s", h.nnotes ? h.notes[0] : "");
	/* garbage too */
	evfix_put(path, "not a tar");
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) == 0 && res.errors == 1 &&
	   heard_note(&h, "; it is redone"), "garbage at a result's name is redone");
	/* a result of another list's job of the same name is refused */
	f.batch_jobs_digest = ZERO64;
	e = (struct err){0};
	evfix_write(&f, issuer_sk, path, NULL, &e);
	snprintf(out, sizeof out, "%s/out-done", dir);
	e = (struct err){0};
	{
		struct stat before, after;

		snprintf(line, sizeof line, "%s/batch.log", out);
		stat(line, &before);
		ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) < 0 && e.kind == ERR_USAGE &&
		   strstr(e.msg, "is job 'only' of job list sha256:" ZERO64 ", not job 'only' of") &&
		   strstr(e.msg, "hint: one OUTDIR per job list"),
		   "a result of another list's job 'only' is refused: %s", e.msg);
		ok(stat(line, &after) == 0 && after.st_size == before.st_size,
		   "... before anything is logged");
	}
}

/* ---- jobs refused before their replay ---- */

/* No *.ev in a directory. */
static int no_results(const char *out)
{
	char **names = NULL;
	size_t n = 0, i;
	int dfd = open(out, O_RDONLY | O_DIRECTORY), none = 1;
	struct err e = {0};

	if (dfd < 0 || dir_names(dfd, 1000, &names, &n, &e) != 0)
		return 0;
	close(dfd);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (len > 3 && !strcmp(names[i] + len - 3, ".ev"))
			none = 0;
	}
	dir_names_free(names, n);
	return none;
}

static void test_refused_jobs(void)
{
	char jobs[300], out[300], ev[300], evf[300], evo[300], line[1200], extra[200];
	char d[SIGN_SHA256_HEX], df[SIGN_SHA256_HEX], dother[SIGN_SHA256_HEX];
	struct buf t = BUF_INIT;
	struct batch_progress res;
	struct heard h;
	struct err e = {0};
	struct evfix f = {.sc = &sc};
	json_t *lines;
	const char *m;
	volatile int stop = 1;

	snprintf(ev, sizeof ev, "%s/pass.ev", dir);
	snprintf(evf, sizeof evf, "%s/fail.ev", dir);
	snprintf(evo, sizeof evo, "%s/forged.ev", dir);
	ok(evfix_write(&f, issuer_sk, ev, d, &e) == 0, "a pass to renew: %s", e.msg);
	f.verdict = "fail";
	f.score = 300;
	ok(evfix_write(&f, issuer_sk, evf, df, &e) == 0, "a fail: %s", e.msg);
	f.verdict = NULL;
	f.score = 0;
	ok(evfix_write(&f, other_sk, evo, dother, &e) == 0, "a pass sealed by another key: %s", e.msg);

	job_line(line, sizeof line, "changed", ev, ZERO64, "script", NULL);
	buf_puts(&t, line, NULL);
	job_line(line, sizeof line, "failed", evf, df, "script", NULL);
	buf_puts(&t, line, NULL);
	job_line(line, sizeof line, "forged", evo, dother, "script", NULL);
	buf_puts(&t, line, NULL);
	job_line(line, sizeof line, "other-scenario", ev, d, "script", ",\"scenario\":\"t-other\"");
	buf_puts(&t, line, NULL);
	snprintf(extra, sizeof extra, ",\"scenario\":\"t-min\",\"pseudonym\":\"%s\",\"attempt\":3",
		 EVFIX_PSEUDONYM);
	job_line(line, sizeof line, "other-attempt", ev, d, "script", extra);
	buf_puts(&t, line, NULL);
	job_line(line, sizeof line, "other-holder", ev, d, "script",
		 ",\"pseudonym\":\"c-ffffffffffffffff\"");
	buf_puts(&t, line, NULL);
	/* the evidence has no runbook and no replay/script.sh */
	job_line(line, sizeof line, "no-runbook", ev, d, "runbook", NULL);
	buf_puts(&t, line, NULL);
	job_line(line, sizeof line, "no-script", ev, d, "script", NULL);
	buf_puts(&t, line, NULL);
	buf_append(&t, "", 1, NULL);
	snprintf(jobs, sizeof jobs, "%s/refused-jobs", dir);
	evfix_put(jobs, (const char *)t.data);
	buf_release(&t);
	snprintf(out, sizeof out, "%s/refused-out", dir);

	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, NULL, &h, &res, &e) == 0 && res.total == 8 &&
	   res.errors == 8 && res.renewed == 0 && res.retake == 0,
	   "eight jobs, each refused before a replay (errors %zu): %s", res.errors, e.msg);
	lines = log_lines(out);
	m = log_error(lines, "changed", 0);
	ok(m && strstr(m, ev) && strstr(m, "its digest is sha256:") && strstr(m, d) &&
	   strstr(m, "not the job's sha256:" ZERO64) &&
	   strstr(m, "the evidence changed since the plan; hint: plan again"),
	   "evidence changed since the plan: both digests and the fix: %s", m ? m : "(none)");
	m = log_error(lines, "failed", 0);
	ok(m && strstr(m, evf) && strstr(m, "verdict fail: nothing to renew"),
	   "a fail is not renewed: %s", m ? m : "(none)");
	m = log_error(lines, "forged", 0);
	ok(m && !strncmp(m, "renews: ", 8), "evidence another key sealed is refused: %s",
	   m ? m : "(none)");
	m = log_error(lines, "other-scenario", 0);
	ok(m && strstr(m, "the job says scenario t-other; ") && strstr(m, " is of t-min"),
	   "a job naming another scenario than its evidence: %s", m ? m : "(none)");
	m = log_error(lines, "other-attempt", 0);
	ok(m && strstr(m, "the job says attempt 3; ") && strstr(m, " is attempt 1"),
	   "... another attempt: %s", m ? m : "(none)");
	m = log_error(lines, "other-holder", 0);
	ok(m && strstr(m, "the job says holder c-ffffffffffffffff; ") &&
	   strstr(m, " is " EVFIX_PSEUDONYM "'s"), "... another holder: %s", m ? m : "(none)");
	m = log_error(lines, "no-runbook", 0);
	ok(m && strstr(m, "replay source 'runbook': the evidence has no member 'answers/runbook.sh'; "
			  "hint: replay from its commands"),
	   "a runbook job on evidence without one, with the fix: %s", m ? m : "(none)");
	m = log_error(lines, "no-script", 0);
	ok(m && strstr(m, "no member 'replay/script.sh'"), "... a script job without the script: %s",
	   m ? m : "(none)");
	ok(no_results(out), "no job left a result");
	{
		const json_t *end = json_array_get(lines, json_array_size(lines) - 1);

		ok(!strcmp(json_string_value(json_object_get(end, "event")), "end") &&
		   json_integer_value(json_object_get(end, "errors")) == 8 &&
		   json_integer_value(json_object_get(end, "renewed")) == 0 &&
		   json_integer_value(json_object_get(end, "retake")) == 0,
		   "the end line counts them");
	}
	json_decref(lines);

	/* a stop before any job: every job logged as not started */
	snprintf(out, sizeof out, "%s/stopped-out", dir);
	e = (struct err){0};
	ok(run_batch(jobs, out, 0, 1, &stop, &h, &res, &e) == 0 && res.errors == 8 && res.done == 8,
	   "stopped before the first job: every job an error: %s", e.msg);
	lines = log_lines(out);
	m = log_error(lines, "changed", 0);
	is_str(m, "interrupted before it started; it runs on the next run", "... that says it runs next time");
	json_decref(lines);
}

int main(void)
{
	struct sign_pub other;
	struct err e = {0};

	if (private_dir("test-batch", "the test's files", dir, sizeof dir, &e) < 0) {
		printf("# %s\n", e.msg[0] ? e.msg : strerror(errno));
		return 1;
	}
	ok(sign_sec_ephemeral(&issuer_sk, &e) == 0 && sign_sec_ephemeral(&other_sk, &e) == 0,
	   "throwaway keys: %s", e.msg);
	sign_sec_pub(issuer_sk, &issuer);
	sign_sec_pub(other_sk, &other);
	trust.keys = &other;
	trust.n = 1;

	test_list();
	test_shard_parse();
	test_shard_env();
	test_sharding();
	test_outdir();
	test_refused_jobs();

	sign_sec_free(issuer_sk);
	sign_sec_free(other_sk);
	remove_tree(dir, &e);
	return tap_done();
}
