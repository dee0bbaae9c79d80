/* test_carry: a renewal's knowledge checks carried over from the evidence
 * it renews.  The old result.json read back (and refused when it is not
 * as labrun writes it), each knowledge check taking the old status with
 * its points scaled to the new weight, remediation checks left as judged,
 * a knowledge check new in this version made an error (never a fail),
 * the hints of a renewal's own renewal counted, a long message cut at a
 * character; then the records sealed and verified, and a re-signed
 * result.json whose carried marks lie refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/carry.h"
#include "runner/evidence.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "tests/unit/tap.h"

#define OLD_HEX "4518cfcde3d3f7d40c533107808de28716ec99ee7b5696982cc5a1ff1f964535"

static char dir[64];
static struct sign_sec *sk;
static struct sign_pub pk;

static const char old_result[] =
	"{\"verdict\": \"pass\", \"score\": 900, \"pass_mark\": 800,"
	" \"grader_ok\": true, \"grader_error\": null, \"checks\": ["
	"{\"id\": \"policy.fixed\", \"title\": \"t\", \"status\": \"pass\", \"weight\": 3000,"
	" \"points\": 3000, \"message\": \"\", \"kind\": \"remediation\"},"
	"{\"id\": \"chain\", \"title\": \"t\", \"status\": \"fail\", \"weight\": 3000,"
	" \"points\": 2625, \"message\": \"2 of 3 spans in the right order\", \"kind\": \"knowledge\"},"
	"{\"id\": \"since\", \"title\": \"t\", \"status\": \"pass\", \"weight\": 1000,"
	" \"points\": 1000, \"message\": \"right\", \"kind\": \"knowledge\"}],"
	" \"carry\": {\"from\": \"sha256:" OLD_HEX "\", \"hint_points\": 50}}\n";

static void add(struct tar_list *l, const char *name, const char *data)
{
	struct err e = {0};

	if (tar_list_add_file(l, name, 0644, data, strlen(data), &e) < 0)
		printf("# add %s: %s\n", name, e.msg);
}

static void remove_member(struct tar_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name)) {
			free(l->v[i].name);
			free(l->v[i].data);
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof l->v[0]);
			l->n--;
			return;
		}
}

/* A new grading, as the replay's grader returned it (owned strings, so
 * that carry_apply may replace messages). */
static void grading(struct grader_result *gr)
{
	static const struct {
		const char *id, *msg;
		enum check_status st;
		unsigned weight, points;
		int knowledge;
	} v[] = {
		{"policy.fixed", "still v3", CHECK_FAIL, 3000, 0, 0},
		{"chain", "chain.json: no such file", CHECK_FAIL, 2000, 0, 1},
		{"since", "since.txt: wrong", CHECK_FAIL, 1000, 0, 1},
		{"workload.ok", "", CHECK_PASS, 1000, 1000, 0},
	};
	size_t i;

	memset(gr, 0, sizeof *gr);
	gr->ok = 1;
	gr->checks = calloc(4, sizeof *gr->checks);
	for (i = 0; i < 4; i++) {
		gr->checks[i].id = strdup(v[i].id);
		gr->checks[i].title = strdup("a title");
		gr->checks[i].message = strdup(v[i].msg);
		gr->checks[i].status = v[i].st;
		gr->checks[i].weight = v[i].weight;
		gr->checks[i].points = v[i].points;
		gr->checks[i].knowledge = v[i].knowledge;
	}
	gr->n = 4;
}

static void test_load(void)
{
	struct tar_list l = {0};
	struct carry_source s;
	struct err e = {0};

	add(&l, "result.json", old_result);
	ok(carry_source_load(&l, OLD_HEX, 100, &s, &e) == 0, "the old result loads: %s", e.msg);
	is_str(s.from, "sha256:" OLD_HEX, "from names the old file by its digest");
	ok(s.n == 3 && !strcmp(s.v[1].id, "chain") && s.v[1].points == 2625 &&
	   !strcmp(s.v[1].status, "fail"), "its checks, with status and points");
	ok(s.hint_points == 150,
	   "hints: the recorded ones (100) and those a renewal carried (50): %u", s.hint_points);
	ok(carry_source_has(&s, "since") && !carry_source_has(&s, "nope"), "carry_source_has");
	carry_source_release(&s);
	tar_list_release(&l);

	add(&l, "result.json", "{\"checks\": [{\"id\": \"x\", \"status\": \"maybe\", \"points\": 1, \"weight\": 1}]}");
	ok(carry_source_load(&l, OLD_HEX, 0, &s, &e) < 0 && e.kind == ERR_REFUSED &&
	   strstr(e.msg, "$.checks[0]"), "a check labrun does not write is refused: %s", e.msg);
	tar_list_release(&l);
	add(&l, "manifest.json", "{}");
	ok(carry_source_load(&l, OLD_HEX, 0, &s, &e) < 0 && strstr(e.msg, "result.json: missing"),
	   "no result.json: refused");
	tar_list_release(&l);
}

static void test_apply(void)
{
	struct tar_list l = {0};
	struct carry_source s;
	struct grader_result gr;
	struct ev_carry cy;
	struct ev_info info;
	struct err e = {0};
	unsigned score;
	char *long_msg;

	add(&l, "result.json", old_result);
	carry_source_load(&l, OLD_HEX, 0, &s, &e);
	tar_list_release(&l);

	memset(&info, 0, sizeof info);
	grading(&gr);
	ok(carry_apply(NULL, &gr, &cy, &info, &e) == 0 && !info.carry && !cy.n,
	   "not a replay: nothing happens");
	ok(gr.checks[1].status == CHECK_FAIL && gr.checks[1].points == 0, "... the grading is as judged");

	ok(carry_apply(&s, &gr, &cy, &info, &e) == 0, "carry_apply: %s", e.msg);
	ok(info.carry == &cy && !info.error, "info points at the carry; no error");
	ok(cy.n == 4 && cy.carried == 2 && cy.uncarried == 0, "two knowledge checks carried");
	ok(cy.checks[0].state == EV_JUDGED && gr.checks[0].status == CHECK_FAIL &&
	   gr.checks[0].points == 0, "a remediation check stays as the new grader judged it");
	ok(cy.checks[1].state == EV_CARRIED && gr.checks[1].status == CHECK_FAIL &&
	   !strcmp(cy.checks[1].status, "fail") && cy.checks[1].points == 2625 &&
	   cy.checks[1].weight == 3000, "a carried check keeps the old status, and says the old points and weight");
	ok(gr.checks[1].points == 1750 && gr.checks[1].weight == 2000,
	   "its points scaled to the new weight, rounded down: 2625 x 2000 / 3000 = %u", gr.checks[1].points);
	ok(gr.checks[2].status == CHECK_PASS && gr.checks[2].points == 1000, "a carried pass is whole");
	is_str(gr.checks[1].message,
	       "carried from sha256:" OLD_HEX ": 2 of 3 spans in the right order",
	       "its message: where it comes from, then the old message");
	ok(gr.checks[3].status == CHECK_PASS && cy.checks[3].state == EV_JUDGED, "a remediation pass stays");
	is_str(grader_verdict(&gr, 800, &score), "fail", "the verdict from both, as grader_verdict says");
	ok(score == (0 + 1750 + 1000 + 1000) * 1000 / 7000, "score %u", score);
	carry_release(&cy);
	grader_result_release(&gr);

	/* A knowledge check new in this version: an error, never a fail. */
	grading(&gr);
	free(gr.checks[2].id);
	gr.checks[2].id = strdup("first-denial");
	memset(&info, 0, sizeof info);
	ok(carry_apply(&s, &gr, &cy, &info, &e) == 0, "carry_apply with a new knowledge check");
	ok(cy.uncarried == 1 && cy.checks[2].state == EV_UNCARRIED &&
	   gr.checks[2].status == CHECK_ERROR && gr.checks[2].points == 0,
	   "the new knowledge check is an error with 0 points");
	ok(info.error && strstr(info.error, "'first-denial' is new in this version"),
	   "and the evidence's error says why: %s", info.error ? info.error : "(none)");
	ok(strstr(gr.checks[2].message, "not the candidate's fail") != NULL, "its message says it is not a fail");
	is_str(grader_verdict(&gr, 800, &score), "error", "the verdict is error");
	carry_release(&cy);
	grader_result_release(&gr);

	/* A grading that failed is left alone. */
	memset(&gr, 0, sizeof gr);
	memset(&info, 0, sizeof info);
	ok(carry_apply(&s, &gr, &cy, &info, &e) == 0 && cy.n == 0 && info.carry == &cy &&
	   !strcmp(cy.from, s.from), "a failed grading: nothing carried, the source still named");
	carry_release(&cy);
	carry_source_release(&s);

	/* A long old message is cut at a character, marked as lab.check marks it. */
	long_msg = malloc(CHECK_MAX_MESSAGE + 200);
	memset(long_msg, 'a', CHECK_MAX_MESSAGE + 199);
	long_msg[CHECK_MAX_MESSAGE + 199] = 0;
	{
		json_t *r = json_loads(old_result, 0, NULL);
		char *txt;

		json_object_set_new(json_array_get(json_object_get(r, "checks"), 1), "message",
				    json_string(long_msg));
		txt = json_dumps(r, 0);
		add(&l, "result.json", txt);
		free(txt);
		json_decref(r);
	}
	carry_source_load(&l, OLD_HEX, 0, &s, &e);
	tar_list_release(&l);
	grading(&gr);
	memset(&info, 0, sizeof info);
	carry_apply(&s, &gr, &cy, &info, &e);
	ok(strlen(gr.checks[1].message) == CHECK_MAX_MESSAGE &&
	   !strcmp(gr.checks[1].message + strlen(gr.checks[1].message) - 6, " [cut]"),
	   "a long message is cut to %d bytes and says so", CHECK_MAX_MESSAGE);
	carry_release(&cy);
	grader_result_release(&gr);
	carry_source_release(&s);
	free(long_msg);
}

/* ---- sealed and verified -------------------------------------------------- */

static char *competencies[] = {"tracing"};
static struct scenario sc = {
	.id = "t-carry", .version = "2.0.0", .title = "carry", .level = "foundation",
	.platform = "agentsim-2", .competencies = competencies, .ncompetencies = 1,
	.grader_api = 1, .pass_mark = 500, .time_limit_s = 1800, .valid_for_days = 365,
};

static int seal_renewal(const char *path, struct grader_result *gr, struct ev_carry *cy,
			struct tar_list *l, struct err *e)
{
	struct ev_info in;
	struct ev_renewal rn = {OLD_HEX, NULL, "pass", "2025-11-25T12:00:00Z", NULL};
	unsigned score;

	memset(&in, 0, sizeof in);
	in.mode = "replay";
	in.script = "true\n";
	in.script_len = 5;
	in.seed_source = "replay";
	in.renews = &rn;
	in.sc = &sc;
	in.candidate = "c-0123456789abcdef";
	in.attempt = 1;
	in.seed_hex = "00";
	in.started_ms = 1764072000000LL;
	in.ended_ms = 1764072001000LL;
	in.time_limit_s = 1800;
	in.ended_by = "exit";
	in.exit_status = 0;
	in.runner_version = "0.1.0";
	in.result = gr;
	in.carry = cy;
	in.verdict = grader_verdict(gr, sc.pass_mark, &score);
	in.score = score;
	memset(l, 0, sizeof *l);
	if (ev_add_records(l, &in, e) < 0)
		return -1;
	add(l, "session.cast", "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1}\n");
	add(l, "changes/.deleted", "");
	return ev_seal(l, sk, "labrun evidence t-carry", path, e);
}

/* result.json of l with FROM replaced by TO, re-sealed by the issuer. */
static void reseal_with(struct tar_list *l, const char *path, const char *from, const char *to)
{
	const struct tar_entry *m = tar_list_find(l, "result.json");
	char *s = strndup((const char *)m->data, m->len), *at = strstr(s, from), *n;
	struct err e = {0};

	if (!at) {
		printf("# '%s' is not in result.json\n", from);
		free(s);
		return;
	}
	n = malloc(strlen(s) + strlen(to) + 1);
	snprintf(n, strlen(s) + strlen(to) + 1, "%.*s%s%s", (int)(at - s), s, to,
		 at + strlen(from));
	remove_member(l, "result.json");
	add(l, "result.json", n);
	remove_member(l, "SHA256SUMS");
	remove_member(l, "SHA256SUMS.minisig");
	if (ev_seal(l, sk, "labrun evidence t-carry", path, &e) < 0)
		printf("# reseal: %s\n", e.msg);
	free(s);
	free(n);
}

static void refused(const char *path, const char *want, const char *what)
{
	struct buf rep = BUF_INIT;
	struct err e = {0};
	int rc = ev_verify(path, &pk, &rep, &e);

	ok(rc < 0 && e.kind == ERR_REFUSED && strstr(e.msg, want), "%s", what);
	if (!(rc < 0 && strstr(e.msg, want)))
		printf("#   rc %d, message '%s', want '%s'\n", rc, e.msg, want);
	buf_release(&rep);
}

static void test_sealed(void)
{
	struct tar_list old = {0}, l;
	struct carry_source s;
	struct grader_result gr;
	struct ev_carry cy;
	struct ev_info info;
	struct buf rep = BUF_INIT;
	struct err e = {0};
	char path[128], bad[128];
	json_t *res;
	const struct tar_entry *m;
	size_t i;

	snprintf(path, sizeof path, "%s/renewal.ev", dir);
	snprintf(bad, sizeof bad, "%s/bad.ev", dir);
	add(&old, "result.json", old_result);
	carry_source_load(&old, OLD_HEX, 0, &s, &e);
	tar_list_release(&old);
	grading(&gr);
	memset(&info, 0, sizeof info);
	carry_apply(&s, &gr, &cy, &info, &e);
	ok(seal_renewal(path, &gr, &cy, &l, &e) == 0, "a renewal with carried checks is sealed: %s", e.msg);
	ok(ev_verify(path, &pk, &rep, &e) == 0, "verify accepts it: %s", e.msg);
	ok(rep.data && strstr((char *)rep.data, "  carried:     2 knowledge checks from sha256:" OLD_HEX),
	   "the summary says what was carried and from where");
	m = tar_list_find(&l, "result.json");
	res = json_loadb((const char *)m->data, m->len, 0, NULL);
	{
		json_t *c1 = json_array_get(json_object_get(res, "checks"), 1);
		json_t *c0 = json_array_get(json_object_get(res, "checks"), 0);
		json_t *k = json_object_get(c1, "carried");

		ok(json_is_object(k) &&
		   !strcmp(json_string_value(json_object_get(k, "from")), "sha256:" OLD_HEX) &&
		   !strcmp(json_string_value(json_object_get(k, "status")), "fail") &&
		   json_integer_value(json_object_get(k, "points")) == 2625 &&
		   json_integer_value(json_object_get(k, "weight")) == 3000 &&
		   json_integer_value(json_object_get(c1, "points")) == 1750,
		   "result.json: the check's \"carried\" says the old status, points and weight");
		ok(!json_object_get(c0, "carried"), "a judged check has no \"carried\"");
		ok(!strcmp(json_string_value(json_object_get(json_object_get(res, "carry"), "from")),
			   "sha256:" OLD_HEX) &&
		   json_integer_value(json_object_get(json_object_get(res, "carry"), "hint_points")) == 50,
		   "result.json: $.carry names the source and the hints carried");
	}
	json_decref(res);
	carry_release(&cy);
	grader_result_release(&gr);

	/* A regrade of the renewal carries again from it, naming the same
	 * source, with the mark made once. */
	{
		struct carry_source again;

		ok(carry_source_renewed(&l, &again, &e) == 0 &&
		   !strcmp(again.from, "sha256:" OLD_HEX) && again.n == 4 && again.hint_points == 50,
		   "carry_source_renewed: the renewal's checks, from the first source, its carried hints");
		grading(&gr);
		memset(&info, 0, sizeof info);
		carry_apply(&again, &gr, &cy, &info, &e);
		is_str(gr.checks[1].message,
		       "carried from sha256:" OLD_HEX ": 2 of 3 spans in the right order",
		       "... the mark is not repeated");
		ok(gr.checks[1].points == 1750 && !strcmp(cy.checks[1].status, "fail"),
		   "... and the status and points stay");
		carry_release(&cy);
		grader_result_release(&gr);
		carry_source_release(&again);
	}
	{
		struct tar_list plain = {0};
		struct carry_source none;

		add(&plain, "result.json", "{\"checks\": []}");
		ok(carry_source_renewed(&plain, &none, &e) == 0 && !none.from[0] && !none.n,
		   "carry_source_renewed of evidence that carried nothing: empty");
		tar_list_release(&plain);
	}

	/* Re-signed by the issuer, but the marks lie: the schema holds. */
	for (i = 0; i < 6; i++) {
		static const char *const what[][3] = {
			{"\"status\": \"fail\",\n        \"weight\": 3000", "\"status\": \"pass\",\n        \"weight\": 3000",
			 "a carried status that is not the check's"},
			{"\"points\": 2625", "\"points\": 9999", "carried points over the carried weight"},
			{"\"kind\": \"knowledge\",\n      \"message\": \"carried", "\"kind\": \"remediation\",\n      \"message\": \"carried",
			 "a carried remediation check"},
			{"\"hint_points\": 50", "\"hint_points\": -1", "negative carried hints"},
			{"\"carry\": {", "\"carry_old\": {", "a carried check without $.carry"},
			{"\"status\": \"fail\",\n        \"weight\": 3000", "\"status\": null,\n        \"weight\": 3000",
			 "status null but points and weight set"},
		};
		static const char *const want[] = {
			"not the check's status", "points over weight", "only a knowledge check",
			"hint_points: negative", "set, but $.carry is not", "all null or none",
		};

		reseal_with(&l, bad, what[i][0], what[i][1]);
		refused(bad, want[i], what[i][2]);
		reseal_with(&l, bad, what[i][1], what[i][0]); /* back */
	}
	tar_list_release(&l);

	/* A new knowledge check: nulls, an error with 0 points; accepted. */
	grading(&gr);
	free(gr.checks[2].id);
	gr.checks[2].id = strdup("first-denial");
	memset(&info, 0, sizeof info);
	carry_apply(&s, &gr, &cy, &info, &e);
	ok(seal_renewal(path, &gr, &cy, &l, &e) == 0 && ev_verify(path, &pk, NULL, &e) == 0,
	   "an error renewal with an uncarried check verifies: %s", e.msg);
	m = tar_list_find(&l, "result.json");
	ok(m && strstr((const char *)m->data,
		       "\"carried\": {\n        \"from\": \"sha256:" OLD_HEX "\",\n        \"points\": null,\n        \"status\": null,\n        \"weight\": null\n      }"),
	   "result.json: an uncarried check has carried with nulls");
	tar_list_release(&l);
	carry_release(&cy);
	grader_result_release(&gr);
	carry_source_release(&s);
	buf_release(&rep);
}

int main(void)
{
	char pub[96], sec[96];
	struct err e = {0};

	snprintf(dir, sizeof dir, "/tmp/labrun-carry.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(pub, sizeof pub, "%s/issuer.pub", dir);
	snprintf(sec, sizeof sec, "%s/issuer.key", dir);
	ok(sign_keygen(pub, sec, &e) == 0 && sign_sec_load(sec, &sk, &e) == 0 &&
	   sign_pub_load(pub, &pk, &e) == 0, "issuer key pair: %s", e.msg);
	test_load();
	test_apply();
	test_sealed();
	sign_sec_free(sk);
	remove_tree(dir, &e);
	return tap_done();
}
