/* test_review: labrun review's record (runner/review.c).  The statement a
 * reviewer signs is pinned byte for byte; a reason is bounded (empty,
 * over 2000 bytes, control and bidirectional characters refused); a
 * review made with review_run verifies, keeps result.json, and carries a
 * credential on a pass; a reviewer not listed is refused with nothing
 * written; a bad reviewer signature (a flipped byte, another key's
 * signature, a changed reason or decision) is refused by verify even when
 * the issuer re-seals the file; a chain that does not link is refused; a
 * reason full of escapes and markup is printed inert by verify, show and
 * report.
 *
 * Run as `test_review --reseal EV ISSUER_SEC FIELD VALUE OUT` it writes
 * EV with its review's FIELD (reason or decision) set to VALUE and the
 * file sealed again by the issuer: tests/e2e/5600-review.sh checks that
 * verify refuses it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/report.h"
#include "runner/review.h"
#include "runner/show.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "tests/unit/evfix.h"
#include "tests/unit/tap.h"

static char dir[64];
static struct sign_sec *issuer_sk, *ana_sk, *eve_sk;
static struct sign_pub issuer_pk;
static struct sign_trust listed;

static char *competencies[] = {"testing"};
static struct scenario sc = {
	.id = "t-review", .version = "1.0.0", .title = "Reviewed",
	.level = "foundation", .platform = "agentsim-1",
	.competencies = competencies, .ncompetencies = 1, .grader_api = 1,
	.pass_mark = 800, .time_limit_s = 60, .valid_for_days = 365,
};
static struct grader_check failing[] = {
	{"x", "x", CHECK_FAIL, 1000, 0, "x is 1", 0},
};

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static int exists(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (f)
		fclose(f);
	return f != NULL;
}

static int parse(const char *path, struct tar_list *l)
{
	static const struct tar_limits lim = {EVIDENCE_MAX_ENTRIES, EVIDENCE_MAX_TOTAL,
					      EVIDENCE_MAX_TOTAL};
	struct buf b = BUF_INIT;
	struct err e = {0};
	int rc;

	memset(l, 0, sizeof *l);
	if (read_file_bounded(path, EVIDENCE_MAX_TOTAL, &b, &e) < 0)
		return -1;
	rc = tar_read(b.data, b.len, path, &lim, l, &e);
	buf_release(&b);
	return rc;
}

static void drop(struct tar_list *l, const char *name)
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

/* Change the manifest of the file at in with fn, and seal it again with
 * the issuer's key at out (a new credential for a pass). */
static int reseal(const char *in, const struct sign_sec *sk,
		  void (*fn)(json_t *man, const void *arg), const void *arg,
		  const char *out, struct err *e)
{
	struct tar_list l;
	const struct tar_entry *m;
	json_t *man;
	char *s;
	int rc;

	if (parse(in, &l) < 0)
		return err_set(e, ERR_REFUSED, "%s: not a tar", in);
	m = tar_list_find(&l, "manifest.json");
	man = m ? json_loadb((const char *)m->data, m->len, 0, NULL) : NULL;
	if (!man) {
		tar_list_release(&l);
		return err_set(e, ERR_REFUSED, "%s: no manifest", in);
	}
	fn(man, arg);
	s = json_dumps(man, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(man);
	drop(&l, "manifest.json");
	drop(&l, "SHA256SUMS");
	drop(&l, "SHA256SUMS.minisig");
	drop(&l, CRED_MEMBER);
	/* labrun's manifest ends with a newline; so does this one */
	{
		struct buf b = BUF_INIT;

		rc = !s || buf_puts(&b, s, e) < 0 || buf_puts(&b, "\n", e) < 0 ||
		     tar_list_add_file(&l, "manifest.json", 0644, b.data, b.len, e) < 0 ||
		     ev_seal(&l, sk, "labrun evidence t-review (test)", out, e) < 0 ? -1 : 0;
		buf_release(&b);
	}
	free(s);
	tar_list_release(&l);
	return rc;
}

struct field_set {
	const char *field, *value;
};

static void set_field(json_t *man, const void *arg)
{
	const struct field_set *f = arg;
	json_t *r = json_object_get(man, "review");
	int pass = !strcmp(f->value, "pass");

	json_object_set_new(r, f->field, json_string(f->value));
	if (!strcmp(f->field, "decision")) {
		json_object_set_new(man, "verdict", json_string(f->value));
		json_object_set_new(man, "credential", json_boolean(pass));
		if (!pass) {
			json_object_set_new(man, "valid_until", json_null());
			json_object_set_new(man, "replaces_credential", json_null());
		}
	}
}

/* The review's signature with its first base64 digit changed. */
static void flip_signature(json_t *man, const void *arg)
{
	json_t *r = json_object_get(man, "review");
	char s[128];

	snprintf(s, sizeof s, "%s", json_string_value(json_object_get(r, "signature")));
	s[0] = s[0] == 'A' ? 'B' : 'A';
	json_object_set_new(r, "signature", json_string(s));
}

/* The review claimed by another key (its id and public key), the
 * signature left as the first reviewer made it. */
static void other_reviewer(json_t *man, const void *arg)
{
	const struct sign_pub *pk = arg;
	json_t *who = json_object_get(json_object_get(man, "review"), "reviewer");
	char line[64], id[17];

	review_pub_line(pk, line);
	sign_keyid_hex(pk, id);
	json_object_set_new(who, "public_key", json_string(line));
	json_object_set_new(who, "key_id", json_string(id));
}

/* The reviewed file said to have passed, though result.json (the grading
 * it rests on) failed: the reviewer's statement does not cover it, the
 * link to result.json does. */
static void reviewed_passed(json_t *man, const void *arg)
{
	json_object_set_new(json_object_get(json_object_get(man, "review"), "reviewed"),
			    "verdict", json_string("pass"));
}

static void empty_chain(json_t *man, const void *arg)
{
	json_array_clear(json_object_get(json_object_get(man, "review"), "chain"));
}

static void refused(const char *path, const char *want, const char *what)
{
	struct buf rep = BUF_INIT;
	struct err e = {0};
	int rc = ev_verify(path, &issuer_pk, &rep, &e);

	ok(rc < 0 && e.kind == ERR_REFUSED && strstr(e.msg, want), "%s", what);
	if (!(rc < 0 && strstr(e.msg, want)))
		printf("#   rc %d, message '%s', want '%s'\n", rc, e.msg, want);
	buf_release(&rep);
}

static void test_statement(void)
{
	struct buf b = BUF_INIT;
	struct err e = {0};
	static const char want[] =
		"{\"at\":\"2026-12-07T10:00:00Z\",\"decision\":\"pass\","
		"\"reason\":\"caf\xc3\xa9 \\\"q\\\" \\\\ <b>\","
		"\"reviewed\":\"sha256:00000000000000000000000000000000000000000000000000000000000000ab\","
		"\"type\":\"labrun.review/1\"}";

	ok(review_statement("sha256:00000000000000000000000000000000000000000000000000000000000000ab",
			    "pass", "caf\xc3\xa9 \"q\" \\ <b>", "2026-12-07T10:00:00Z", &b, &e) == 0,
	   "the statement is made (%s)", e.msg);
	ok(b.len == sizeof want - 1 && !memcmp(b.data, want, b.len),
	   "the statement is the JCS of {at, decision, reason, reviewed, type}, byte for byte");
	if (!(b.len == sizeof want - 1 && !memcmp(b.data, want, b.len)))
		printf("#   got %.*s\n", (int)b.len, (const char *)b.data);
	buf_release(&b);
}

static void test_reason(void)
{
	struct err e = {0};
	char big[REVIEW_REASON_MAX + 2];

	memset(big, 'a', sizeof big);
	big[REVIEW_REASON_MAX] = 0;
	ok(review_reason_check(big, strlen(big), "r", &e) == 0, "a reason of 2000 bytes is taken");
	big[REVIEW_REASON_MAX] = 'a';
	big[REVIEW_REASON_MAX + 1] = 0;
	ok(review_reason_check(big, strlen(big), "r", &e) < 0 && strstr(e.msg, "2001 bytes"),
	   "2001 bytes are refused (%s)", e.msg);
	ok(review_reason_check("", 0, "r", &e) < 0 && strstr(e.msg, "empty"), "an empty reason is refused");
	ok(review_reason_check("a\nb", 3, "r", &e) < 0 && strstr(e.msg, "byte 1: a control"),
	   "a newline is refused, its place named (%s)", e.msg);
	ok(review_reason_check("a\x1b[31m", 6, "r", &e) < 0, "an escape is refused");
	ok(review_reason_check("a\xc2\x9b", 3, "r", &e) < 0, "a C1 control is refused");
	ok(review_reason_check("a\xe2\x80\xae", 4, "r", &e) < 0 && strstr(e.msg, "bidirectional"),
	   "a right-to-left override is refused");
	ok(review_reason_check("a\xff", 2, "r", &e) < 0 && strstr(e.msg, "not UTF-8"),
	   "bytes that are not UTF-8 are refused");
	ok(review_reason_check("caf\xc3\xa9 \\x1b <b>", 14, "r", &e) == 0,
	   "printable UTF-8, backslashes and markup are a reason");
}

static void opts_for(struct review_opts *o, const char *in, const char *out,
		     const struct sign_sec *reviewer, const char *decision,
		     const char *reason)
{
	memset(o, 0, sizeof *o);
	o->evidence = in;
	o->issuer = &issuer_pk;
	o->key = issuer_sk;
	o->reviewer = reviewer;
	o->reviewers = &listed;
	o->decision = decision;
	o->reason = reason;
	o->at_s = 1796637600; /* 2026-12-07T10:00:00Z */
	o->out = out;
}

static void test_review(void)
{
	char orig[128], r1[128], r2[128], bad[128], digest[SIGN_SHA256_HEX];
	struct grader_result gr = {.ok = 1, .checks = failing, .n = 1};
	struct evfix f = {.sc = &sc, .verdict = "fail", .score = 0, .gr = &gr};
	struct review_opts o;
	struct review_result r;
	struct buf rep = BUF_INIT;
	struct tar_list a, b;
	struct err e = {0};
	struct sign_pub eve_pk;
	struct field_set fs;

	path_of(orig, sizeof orig, "orig.ev");
	path_of(r1, sizeof r1, "r1.ev");
	path_of(r2, sizeof r2, "r2.ev");
	path_of(bad, sizeof bad, "bad.ev");
	ok(evfix_write(&f, issuer_sk, orig, digest, &e) == 0, "a failing evidence (%s)", e.msg);

	opts_for(&o, orig, r1, eve_sk, "pass", "no");
	o.valid_days = 30;
	ok(review_run(&o, &r, &e) < 0 && e.kind == ERR_REFUSED &&
	   strstr(e.msg, "is not one of the issuer's reviewer keys"),
	   "a reviewer not listed is refused (%s)", e.msg);
	ok(!exists(r1), "... and nothing is written");

	opts_for(&o, orig, r1, ana_sk, "pass", "the check misread the file");
	ok(review_run(&o, &r, &e) < 0 && e.kind == ERR_USAGE && strstr(e.msg, "--valid-days"),
	   "a pass on a fail needs --valid-days (%s)", e.msg);
	o.valid_days = 30;
	ok(review_run(&o, &r, &e) == 0, "a listed reviewer's pass is written (%s)", e.msg);
	is_str(r.verdict, "pass", "... its verdict is the decision");
	is_str(r.graded_verdict, "fail", "... the grader's verdict is kept");
	is_str(r.valid_until, "2027-01-06T10:00:00Z", "... valid 30 days from the review");
	ok(ev_verify(r1, &issuer_pk, &rep, &e) == 0, "... it verifies (%s)", e.msg);
	ok(rep.data && strstr((char *)rep.data, "  reviewed:    fail -> pass by reviewer key ") &&
	   strstr((char *)rep.data, "\"the check misread the file\""),
	   "... verify's summary has the reviewed: line");
	buf_release(&rep);
	ok(parse(orig, &a) == 0 && parse(r1, &b) == 0, "both files read back");
	{
		const struct tar_entry *x = tar_list_find(&a, "result.json");
		const struct tar_entry *y = tar_list_find(&b, "result.json");

		ok(x && y && x->len == y->len && !memcmp(x->data, y->data, x->len),
		   "... result.json is kept byte for byte");
		ok(tar_list_find(&b, CRED_MEMBER) != NULL, "... a pass carries a credential");
	}
	tar_list_release(&a);
	tar_list_release(&b);

	/* a bad reviewer signature, though the issuer sealed the file */
	ok(reseal(r1, issuer_sk, flip_signature, NULL, bad, &e) == 0, "resealed (%s)", e.msg);
	refused(bad, "signature", "a changed reviewer signature is refused");
	sign_sec_pub(eve_sk, &eve_pk);
	ok(reseal(r1, issuer_sk, other_reviewer, &eve_pk, bad, &e) == 0, "resealed (%s)", e.msg);
	refused(bad, "over the review's statement", "the signature under another reviewer key is refused");
	fs.field = "reason";
	fs.value = "a reason the reviewer never gave";
	ok(reseal(r1, issuer_sk, set_field, &fs, bad, &e) == 0, "resealed (%s)", e.msg);
	refused(bad, "over the review's statement", "a changed reason is refused");
	fs.field = "decision";
	fs.value = "fail";
	ok(reseal(r1, issuer_sk, set_field, &fs, bad, &e) == 0, "resealed (%s)", e.msg);
	refused(bad, "over the review's statement", "a changed decision is refused");
	fs.field = "reason";
	fs.value = "ok\x1b]0;title\x07";
	ok(reseal(r1, issuer_sk, set_field, &fs, bad, &e) == 0, "resealed (%s)", e.msg);
	refused(bad, "a control character", "a reason with an escape sequence is refused, by its place");
	ok(reseal(r1, issuer_sk, reviewed_passed, NULL, bad, &e) == 0, "resealed (%s)", e.msg);
	refused(bad, "not result.json's verdict", "a reviewed verdict that is not result.json's is refused");

	/* the review reviewed: the chain */
	opts_for(&o, r1, r2, ana_sk, "fail", "withdrawn");
	o.at_s += 3600;
	ok(review_run(&o, &r, &e) == 0 && r.chain == 1, "a review of the review keeps the chain (%s)", e.msg);
	ok(ev_verify(r2, &issuer_pk, &rep, &e) == 0, "... it verifies (%s)", e.msg);
	ok(rep.data && strstr((char *)rep.data, "reviewed:    fail -> pass") &&
	   strstr((char *)rep.data, "reviewed:    pass -> fail") &&
	   strstr((char *)rep.data, "  graded:      fail"),
	   "... the summary has both reviews and the grader's verdict");
	buf_release(&rep);
	ok(reseal(r2, issuer_sk, empty_chain, NULL, bad, &e) == 0, "resealed (%s)", e.msg);
	refused(bad, "$.review.chain", "a review of a review without its chain is refused");
}

/* A reason full of escapes and markup (all of it printable) is printed
 * inert: verify shows backslashes escaped, show keeps them as text, the
 * page escapes the markup. */
static void test_printed_safely(void)
{
	static const char reason[] = "see \\x1b[31m <script>alert(1)</script> & \"q\"";
	char orig[128], out[128];
	struct grader_result gr = {.ok = 1, .checks = failing, .n = 1};
	struct evfix f = {.sc = &sc, .verdict = "fail", .score = 0, .gr = &gr};
	struct review_opts o;
	struct review_result r;
	struct report_player pl = {"", 0, "", 0};
	struct report_source src = {"r.ev", "00", "0123456789ABCDEF"};
	struct buf rep = BUF_INIT, sh = BUF_INIT, page = BUF_INIT;
	struct tar_list l;
	struct err e = {0};
	char dg[SIGN_SHA256_HEX];

	path_of(orig, sizeof orig, "esc-orig.ev");
	path_of(out, sizeof out, "esc.ev");
	ok(evfix_write(&f, issuer_sk, orig, NULL, &e) == 0, "a failing evidence (%s)", e.msg);
	opts_for(&o, orig, out, ana_sk, "fail", reason);
	ok(review_run(&o, &r, &e) == 0, "a review whose reason has escapes and markup (%s)", e.msg);
	ok(ev_verify(out, &issuer_pk, &rep, &e) == 0 && rep.data &&
	   strstr((char *)rep.data, "\"see \\x5cx1b[31m <script>"),
	   "verify prints the backslash escaped");
	ok(show_file(out, &issuer_pk, 1796637600, 0, 0, &sh, &e) == 0 && sh.data &&
	   strstr((char *)sh.data, "  reason:      \"see \\x1b[31m <script>") &&
	   !memchr(sh.data, 0x1b, sh.len),
	   "show prints the reason as text, no escape byte (%s)", e.msg);
	ok(ev_open(out, &issuer_pk, &l, dg, &e) == 0 &&
	   report_html(&l, &src, &pl, &page, &e) == 0, "the page is made (%s)", e.msg);
	ok(page.data && strstr((char *)page.data, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;") &&
	   !strstr((char *)page.data, "<script>alert"),
	   "the page escapes the reason's markup");
	tar_list_release(&l);
	buf_release(&rep);
	buf_release(&sh);
	buf_release(&page);
}

static int reseal_main(char **argv)
{
	struct sign_sec *sk = NULL;
	struct field_set fs = {argv[4], argv[5]};
	struct err e = {0};

	if ((strcmp(fs.field, "reason") && strcmp(fs.field, "decision")) ||
	    sign_sec_load(argv[3], &sk, &e) < 0 ||
	    reseal(argv[2], sk, set_field, &fs, argv[6], &e) < 0) {
		fprintf(stderr, "test_review --reseal: %s\n", e.msg[0] ? e.msg : "FIELD: reason or decision");
		sign_sec_free(sk);
		return 1;
	}
	sign_sec_free(sk);
	return 0;
}

int main(int argc, char **argv)
{
	char p[128], s[128];
	struct err e = {0};

	if (argc == 7 && !strcmp(argv[1], "--reseal"))
		return reseal_main(argv);
	snprintf(dir, sizeof dir, "/tmp/labrun-review.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	ok(sign_sec_ephemeral(&issuer_sk, &e) == 0 && sign_sec_ephemeral(&eve_sk, &e) == 0,
	   "keys (%s)", e.msg);
	sign_sec_pub(issuer_sk, &issuer_pk);
	path_of(p, sizeof p, "ana.pub");
	path_of(s, sizeof s, "ana.key");
	ok(sign_keygen(p, s, &e) == 0 && sign_sec_load(s, &ana_sk, &e) == 0 &&
	   sign_trust_load(p, &listed, &e) == 0, "a listed reviewer (%s)", e.msg);

	test_statement();
	test_reason();
	test_review();
	test_printed_safely();

	sign_trust_release(&listed);
	sign_sec_free(issuer_sk);
	sign_sec_free(ana_sk);
	sign_sec_free(eve_sk);
	remove_tree(dir, &e);
	return tap_done();
}
