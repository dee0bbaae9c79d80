/* show: what one evidence file or credential file says, for a person (one
 * screen) or a program (one JSON object).  The file is checked first, as
 * `labrun verify` checks evidence (ev_open) or by the credential's proof
 * against the pinned key (cred_read); then its facts go into one JSON
 * object (the --json output, documented key by key in docs/credentials.md
 * "labrun show"), and the text is written from that object, so both say
 * the same.  It does not print, and it never shows more of a holder's
 * identifier than its type (the hash and salt stay in the file). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/termsafe.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/recert.h"
#include "runner/show.h"
#include "runner/sign.h"
#include "runner/tarball.h"

/* ---- JSON helpers ------------------------------------------------------ */

/* The value at a dotted path of objects ("session.ended_by"), or NULL. */
static json_t *jget(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (o && (dot = strchr(path, '.'))) {
		n = (size_t)(dot - path);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return o ? json_object_get(o, path) : NULL;
}

static const char *sget(const json_t *o, const char *path)
{
	const json_t *v = jget(o, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long iget(const json_t *o, const char *path)
{
	const json_t *v = jget(o, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* A string or null; bad is set when memory ran out. */
static json_t *jstr(const char *s, int *bad)
{
	json_t *v = s ? json_string(s) : json_null();

	if (!v)
		*bad = 1;
	return v;
}

static void put(int *bad, json_t *o, const char *key, json_t *v)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		*bad = 1;
}

static void push(int *bad, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) < 0)
		*bad = 1;
}

/* Thousandths as a percentage with one decimal: 855 -> "85.5". */
static void percent(long long v, char out[24])
{
	if (v < 0)
		v = 0;
	snprintf(out, 24, "%lld.%lld", v / 10, v % 10);
}

/* ---- time -------------------------------------------------------------- */

/* "2027-01-01T00:00:00Z" to seconds since the epoch; -1 when it is not. */
static int parse_time(const char *s, int64_t *out)
{
	return s && strlen(s) == 20 ? recert_parse_date(s, out) : -1;
}

/* Whether a file with these dates counts at at_s: "current", "expired",
 * "not yet valid", or "not a pass" (evidence that passed nothing). */
static const char *standing(const char *from, const char *until, int pass,
			    int64_t at_s)
{
	int64_t t;

	if (!pass)
		return "not a pass";
	if (parse_time(from, &t) == 0 && at_s < t)
		return "not yet valid";
	if (until && parse_time(until, &t) == 0 && at_s >= t)
		return "expired";
	return "current";
}

/* A span of seconds as a person says it: "3 days", "1 hour", "12 minutes". */
static void span_words(int64_t s, char out[48])
{
	static const struct {
		int64_t s;
		const char *one, *many;
	} u[] = {
		{86400, "day", "days"}, {3600, "hour", "hours"},
		{60, "minute", "minutes"}, {1, "second", "seconds"},
	};
	size_t i;
	int64_t n;

	if (s < 0)
		s = -s;
	for (i = 0; i < sizeof u / sizeof u[0] - 1 && s < u[i].s; i++)
		;
	n = (s + u[i].s / 2) / u[i].s; /* nearest: a year's pass has 365 days left */
	snprintf(out, 48, "%lld %s", (long long)n, n == 1 ? u[i].one : u[i].many);
}

/* A duration in seconds as a clock reads it: "42s", "3m05s", "1h02m00s". */
static void clock_words(int64_t s, char out[32])
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(out, 32, "%lldh%02lldm%02llds", (long long)(s / 3600),
			 (long long)(s / 60 % 60), (long long)(s % 60));
	else if (s >= 60)
		snprintf(out, 32, "%lldm%02llds", (long long)(s / 60),
			 (long long)(s % 60));
	else
		snprintf(out, 32, "%llds", (long long)s);
}

/* ---- evidence ---------------------------------------------------------- */

static int member_json(const struct tar_list *l, const char *name, json_t **out,
		       struct err *e)
{
	const struct tar_entry *m = tar_list_find(l, name);
	json_t *v;

	/* ev_open has read and checked it already: this only fails on memory */
	v = m ? json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES,
			   NULL)
	      : NULL;
	if (!json_is_object(v)) {
		json_decref(v);
		return err_set(e, m ? ERR_HOST : ERR_REFUSED, "%s: %s", name,
			       m ? "cannot be read again (out of memory?)"
				 : "missing");
	}
	*out = v;
	return 0;
}

/* holder: {"pseudonym", "identifiers": [{"type", "hashed": true}]}: the
 * identifier's type only, never its hash or salt. */
static json_t *holder_of(const char *pseudonym, const char *const *types,
			 size_t ntypes, int *bad)
{
	json_t *h = json_object(), *a = json_array(), *x;
	size_t i;

	if (!h || !a)
		*bad = 1;
	put(bad, h, "pseudonym", jstr(pseudonym, bad));
	for (i = 0; i < ntypes; i++) {
		x = json_object();
		put(bad, x, "type", jstr(types[i], bad));
		put(bad, x, "hashed", json_true());
		push(bad, a, x);
	}
	put(bad, h, "identifiers", a);
	return h;
}

static json_t *achievement_of(const char *kind, const char *id,
			      const char *version, const char *title,
			      const char *level, json_t *competencies, int *bad)
{
	json_t *o = json_object();

	put(bad, o, "kind", jstr(kind, bad));
	put(bad, o, "id", jstr(id, bad));
	put(bad, o, "version", jstr(version, bad));
	put(bad, o, "title", jstr(title, bad));
	put(bad, o, "level", jstr(level, bad));
	put(bad, o, "competencies", competencies ? competencies : json_array());
	return o;
}

/* checks: [{"id", "title", "status", "kind", "carried"}] from result.json. */
static json_t *checks_of(const json_t *res, int *bad)
{
	json_t *a = json_array(), *c, *o;
	size_t i;

	json_array_foreach(json_object_get(res, "checks"), i, c) {
		o = json_object();
		put(bad, o, "id", jstr(sget(c, "id"), bad));
		put(bad, o, "title", jstr(sget(c, "title"), bad));
		put(bad, o, "status", jstr(sget(c, "status"), bad));
		put(bad, o, "kind", jstr(sget(c, "kind"), bad));
		put(bad, o, "carried",
		    json_boolean(json_is_string(jget(c, "carried.status"))));
		push(bad, a, o);
	}
	return a;
}

/* hints: [{"hint": N, "cost": "5.0", "at_s": S}] and their total cost. */
static json_t *hints_of(const json_t *man, long long *total, int *bad)
{
	json_t *a = json_array(), *h, *o;
	char p[24];
	size_t i;

	*total = 0;
	json_array_foreach(json_object_get(man, "hints_used"), i, h) {
		o = json_object();
		percent(iget(h, "cost"), p);
		*total += iget(h, "cost");
		put(bad, o, "hint", json_integer(iget(h, "hint")));
		put(bad, o, "cost", jstr(p, bad));
		put(bad, o, "at_s", json_integer(iget(h, "at_ms") / 1000));
		push(bad, a, o);
	}
	return a;
}

static json_t *time_of(const json_t *man, int *bad)
{
	json_t *o = json_object();
	long long pct = iget(man, "session.time_factor_pct");

	if (pct <= 0)
		pct = 100;
	put(bad, o, "started", jstr(sget(man, "session.started"), bad));
	put(bad, o, "ended", jstr(sget(man, "session.ended"), bad));
	put(bad, o, "duration_s", json_integer(iget(man, "session.duration_ms") / 1000));
	put(bad, o, "time_limit_s",
	    json_integer(iget(man, "session.time_limit_s") * pct / 100));
	put(bad, o, "time_factor_pct", json_integer(pct));
	put(bad, o, "ended_by", jstr(sget(man, "session.ended_by"), bad));
	return o;
}

static int member_credential(const char *path, const struct tar_list *l,
			     const struct sign_pub *issuer, json_t *f,
			     struct err *e);

/* One review (verified by ev_open's review_check) as show reports it. */
static json_t *review_link(const json_t *r, int *bad)
{
	char p[24];

	percent(iget(r, "reviewed.score"), p);
	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}",
			 "reviewed", sget(r, "reviewed.digest"),
			 "reviewed_mode", sget(r, "reviewed.mode"),
			 "was", sget(r, "reviewed.verdict"),
			 "decision", sget(r, "decision"),
			 "reason", sget(r, "reason"),
			 "reviewer", sget(r, "reviewer.key_id"),
			 "at", sget(r, "at"), "was_score", p);
}

/* A review's facts (docs/credentials.md "labrun show"): the decision, the
 * grader's verdict (result.json's), and every review of the attempt
 * oldest first, this file's last; null for a file no reviewer decided. */
static json_t *review_of(const json_t *man, const json_t *res, int *bad)
{
	const json_t *r = jget(man, "review"), *c;
	json_t *chain, *o;
	size_t i;

	if (!json_is_object(r))
		return json_null();
	chain = json_array();
	json_array_foreach(json_object_get(r, "chain"), i, c)
		push(bad, chain, review_link(c, bad));
	push(bad, chain, review_link(r, bad));
	o = json_pack("{s:s?, s:s?, s:s?, s:s?, s:o}", "decision", sget(r, "decision"),
		      "reason", sget(r, "reason"), "reviewer", sget(r, "reviewer.key_id"),
		      "graded", sget(res, "verdict"), "chain", chain);
	if (!o)
		*bad = 1;
	return o;
}

/* The facts of a verified evidence file into f. */
static int evidence_facts(const char *path, const struct sign_pub *issuer,
			  int64_t at_s, json_t *f, struct err *e)
{
	struct tar_list l = {0};
	char digest[SIGN_SHA256_HEX], d[80], p[24], keyid[17];
	json_t *man = NULL, *res = NULL, *x;
	const char *idtype, *verdict;
	long long hint_total;
	int bad = 0, rc = -1;

	if (ev_open(path, issuer, &l, digest, e) < 0)
		return -1;
	if (member_json(&l, "manifest.json", &man, e) < 0 ||
	    member_json(&l, "result.json", &res, e) < 0) {
		err_wrap(e, "%s", path);
		goto out;
	}
	verdict = sget(man, "verdict");
	sign_keyid_hex(issuer, keyid);
	snprintf(d, sizeof d, "sha256:%s", digest);
	put(&bad, f, "kind", json_string("evidence"));
	put(&bad, f, "digest", jstr(d, &bad));
	put(&bad, f, "issuer_key", jstr(keyid, &bad));
	put(&bad, f, "issuer", json_null());
	put(&bad, f, "contents", json_null());
	idtype = sget(man, "candidate.identifier.type");
	put(&bad, f, "holder",
	    holder_of(sget(man, "candidate.pseudonym"), &idtype, idtype ? 1 : 0,
		      &bad));
	put(&bad, f, "achievement",
	    achievement_of("scenario", sget(man, "scenario.id"),
			   sget(man, "scenario.version"), sget(man, "scenario.title"),
			   sget(man, "scenario.level"),
			   json_deep_copy(jget(man, "scenario.competencies")), &bad));
	put(&bad, f, "attempt", json_integer(iget(man, "attempt")));
	put(&bad, f, "verdict", jstr(verdict, &bad));
	percent(iget(man, "score"), p);
	put(&bad, f, "score", jstr(p, &bad));
	percent(iget(man, "pass_mark"), p);
	put(&bad, f, "pass_mark", jstr(p, &bad));
	put(&bad, f, "error", jstr(sget(man, "error"), &bad));
	put(&bad, f, "checks", checks_of(res, &bad));
	put(&bad, f, "hints", hints_of(man, &hint_total, &bad));
	percent(hint_total, p);
	put(&bad, f, "hints_cost", jstr(p, &bad));
	put(&bad, f, "time", time_of(man, &bad));
	put(&bad, f, "issued", jstr(sget(man, "issued"), &bad));
	put(&bad, f, "valid_until", jstr(sget(man, "valid_until"), &bad));
	put(&bad, f, "standing",
	    jstr(standing(NULL, sget(man, "valid_until"),
			  verdict && !strcmp(verdict, "pass"), at_s),
		 &bad));
	x = jget(man, "renews");
	put(&bad, f, "renews",
	    json_is_object(x) ? json_pack("{s:O?,s:O?}", "digest",
					  json_object_get(x, "digest"), "issued",
					  json_object_get(x, "issued"))
			      : json_null());
	x = jget(man, "regraded_from");
	if (json_is_object(x)) {
		percent(iget(x, "score"), p);
		x = json_pack("{s:O?,s:O?,s:s}", "digest", json_object_get(x, "digest"),
			      "verdict", json_object_get(x, "verdict"), "score", p);
	} else {
		x = json_null();
	}
	put(&bad, f, "regraded_from", x);
	put(&bad, f, "review", review_of(man, res, &bad));
	put(&bad, f, "credential", json_null());
	put(&bad, f, "replaces", json_null());
	put(&bad, f, "rests_on", json_null());
	if (bad) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	rc = member_credential(path, &l, issuer, f, e);
out:
	json_decref(man);
	json_decref(res);
	tar_list_release(&l);
	return rc;
}

/* ---- credentials ------------------------------------------------------- */

/* ID of an achievement id "urn:labrun:scenario:ID:VERSION" (or
 * urn:labrun:program:), as the scenario or program names itself. */
static void achievement_id(const char *urn, const char *version, char out[256])
{
	static const char *const prefix[] = {"urn:labrun:scenario:",
					     "urn:labrun:program:"};
	const char *p = urn;
	size_t i, n, v = strlen(version);

	for (i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
		if (!strncmp(urn, prefix[i], strlen(prefix[i])))
			p = urn + strlen(prefix[i]);
	n = strlen(p);
	if (v && n > v + 1 && p[n - v - 1] == ':' && !strcmp(p + n - v, version))
		n -= v + 1;
	snprintf(out, 256, "%.*s", (int)n, p);
}

static json_t *strings(char *const *v, size_t n, int *bad)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		*bad = 1;
	for (i = 0; i < n; i++)
		push(bad, a, jstr(v[i], bad));
	return a;
}

/* The pass mark a scenario credential states: its score result
 * description's requiredValue. */
static const char *required_value(const json_t *doc)
{
	const json_t *x;
	size_t i;

	json_array_foreach(jget(doc, "credentialSubject.achievement.resultDescription"), i, x) {
		const char *id = sget(x, "id");

		if (id && !strcmp(id, "urn:labrun:result:score"))
			return sget(x, "requiredValue");
	}
	return NULL;
}

/* rests_on: a program credential's evidence entries for the attempts and
 * the credentials it was awarded for, {"id", "genre", "name"} each. */
static json_t *rests_on_of(const json_t *doc, int *bad)
{
	json_t *a = json_array(), *x, *o;
	size_t i;

	json_array_foreach(json_object_get(doc, "evidence"), i, x) {
		const char *genre = sget(x, "genre");

		if (!genre || (strcmp(genre, "labrun evidence") && strcmp(genre, "credential")))
			continue;
		o = json_object();
		put(bad, o, "id", jstr(sget(x, "id"), bad));
		put(bad, o, "genre", jstr(genre, bad));
		put(bad, o, "name", jstr(sget(x, "name"), bad));
		push(bad, a, o);
	}
	return a;
}

static void cred_facts(const struct cred *c, const struct sign_pub *issuer,
		       int64_t at_s, json_t *f, int *bad)
{
	int program = !strcmp(c->kind, "program");
	const char *types[CRED_MAX_IDS];
	char id[256], keyid[17];
	size_t i;

	for (i = 0; i < c->nids && i < CRED_MAX_IDS; i++)
		types[i] = c->ids[i].type;
	achievement_id(c->achievement, c->achievement_version, id);
	sign_keyid_hex(issuer, keyid);
	put(bad, f, "kind", json_string("credential"));
	put(bad, f, "digest", json_null());
	put(bad, f, "issuer_key", jstr(keyid, bad));
	put(bad, f, "issuer", jstr(c->issuer, bad));
	put(bad, f, "holder", holder_of(c->subject, types, i, bad));
	put(bad, f, "achievement",
	    achievement_of(c->kind, id, c->achievement_version, c->achievement_name,
			   c->level, strings(c->competencies, c->ncompetencies, bad),
			   bad));
	/* only a pass is issued a scenario credential */
	put(bad, f, "verdict", program ? json_null() : json_string("pass"));
	put(bad, f, "score", jstr(c->score[0] ? c->score : NULL, bad));
	put(bad, f, "pass_mark", jstr(program ? NULL : required_value(c->doc), bad));
	put(bad, f, "attempt", json_null());
	put(bad, f, "error", json_null());
	put(bad, f, "checks", json_null());
	put(bad, f, "hints", json_null());
	put(bad, f, "hints_cost", json_null());
	put(bad, f, "time", json_null());
	put(bad, f, "issued", jstr(c->valid_from, bad));
	put(bad, f, "valid_until", jstr(c->valid_until[0] ? c->valid_until : NULL, bad));
	put(bad, f, "standing",
	    jstr(standing(c->valid_from, c->valid_until[0] ? c->valid_until : NULL,
			  1, at_s),
		 bad));
	put(bad, f, "renews", json_null());
	put(bad, f, "regraded_from", json_null());
	put(bad, f, "review", json_null());
	put(bad, f, "credential", jstr(c->id, bad));
	put(bad, f, "replaces", jstr(c->replaces[0] ? c->replaces : NULL, bad));
	put(bad, f, "contents", jstr(c->contents[0] ? c->contents : NULL, bad));
	put(bad, f, "rests_on", program ? rests_on_of(c->doc, bad) : json_null());
}

/* The facts of a credential file verified against the pinned key. */
static int credential_facts(const char *path, const struct sign_pub *issuer,
			    int64_t at_s, json_t *f, struct err *e)
{
	struct buf text = BUF_INIT;
	struct cred c;
	int bad = 0;

	if (read_file_bounded(path, CRED_MAX_BYTES, &text, e) < 0)
		return -1;
	if (cred_read(text.data, text.len, path, issuer, 1, &c, e) < 0) {
		buf_release(&text);
		return -1;
	}
	buf_release(&text);
	cred_facts(&c, issuer, at_s, f, &bad);
	cred_release(&c);
	return bad ? err_set(e, ERR_HOST, "out of memory") : 0;
}

/* A passing evidence's credential.json: its id, what it replaces and what
 * it binds to.  evidence.c has checked it against the other members. */
static int member_credential(const char *path, const struct tar_list *l,
			     const struct sign_pub *issuer, json_t *f,
			     struct err *e)
{
	const struct tar_entry *m = tar_list_find(l, CRED_MEMBER);
	struct cred c;
	int bad = 0;

	if (!m)
		return 0;
	if (cred_read(m->data, m->len, CRED_MEMBER, issuer, 1, &c, e) < 0) {
		err_wrap(e, "%s", path);
		return -1;
	}
	put(&bad, f, "credential", jstr(c.id, &bad));
	put(&bad, f, "replaces", jstr(c.replaces[0] ? c.replaces : NULL, &bad));
	put(&bad, f, "contents", jstr(c.contents[0] ? c.contents : NULL, &bad));
	cred_release(&c);
	return bad ? err_set(e, ERR_HOST, "out of memory") : 0;
}

/* ---- the text ---------------------------------------------------------- */

/* fmt and ap formatted, its newlines and tabs made spaces, then escaped
 * for the terminal (termsafe) into esc (empty): what line() and
 * wrapped() print. */
static int flat_escaped(struct buf *esc, struct err *e, const char *fmt,
			va_list ap) __attribute__((format(printf, 3, 0)));
static int flat_escaped(struct buf *esc, struct err *e, const char *fmt,
			va_list ap)
{
	char *s = NULL;
	int len, rc;

	len = vasprintf(&s, fmt, ap);
	if (len < 0)
		return err_set(e, ERR_HOST, "out of memory");
	for (int i = 0; i < len; i++)
		if (s[i] == '\n' || s[i] == '\t')
			s[i] = ' ';
	rc = termsafe_escape(s, (size_t)len, esc, e);
	free(s);
	return rc;
}

/* One line: formatted, escaped for the terminal (termsafe), newlines and
 * tabs in values made spaces, cut to SHOW_WIDTH columns with "...". */
static int line(struct buf *out, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int line(struct buf *out, struct err *e, const char *fmt, ...)
{
	struct buf esc = BUF_INIT;
	va_list ap;
	size_t i, n, cols, cut = 0, keep = 0;
	int len, rc = -1;

	va_start(ap, fmt);
	len = flat_escaped(&esc, e, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto out;
	/* escaped text is valid UTF-8: count code points as columns */
	for (i = 0, cols = 0; i < esc.len; i += n, cols++) {
		n = utf8_seq_len((unsigned char *)esc.data + i, esc.len - i);
		if (!n)
			n = 1;
		if (cols == SHOW_WIDTH - 3)
			cut = i;
		if (cols == SHOW_WIDTH) {
			keep = cut;
			break;
		}
	}
	if (keep)
		rc = buf_append(out, esc.data, keep, e) < 0 ||
		     buf_puts(out, "...\n", e) < 0 ? -1 : 0;
	else
		rc = buf_append(out, esc.data ? esc.data : (void *)"", esc.len, e) < 0 ||
		     buf_puts(out, "\n", e) < 0 ? -1 : 0;
out:
	buf_release(&esc);
	return rc;
}

/* Where a continued value starts: under the values, past the labels. */
#define SHOW_INDENT 15

/* A value that may take up to max_lines lines: broken at spaces, each
 * continuation indented SHOW_INDENT columns, and the last line cut as
 * line() cuts.  The text is escaped first, so breaking it keeps the escapes
 * whole (line() leaves clean text as it is). */
static int wrapped(struct buf *out, struct err *e, int max_lines,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int wrapped(struct buf *out, struct err *e, int max_lines,
		   const char *fmt, ...)
{
	struct buf esc = BUF_INIT;
	const char *p;
	size_t left, i, cols, sp, n, avail;
	va_list ap;
	int len, nline, rc = -1, indent;

	va_start(ap, fmt);
	len = flat_escaped(&esc, e, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto out;
	p = esc.data ? (const char *)esc.data : "";
	left = esc.len;
	for (nline = 1;; nline++) {
		indent = nline > 1 ? SHOW_INDENT : 0;
		avail = SHOW_WIDTH - (size_t)indent;
		for (i = 0, cols = 0, sp = 0; i < left && cols < avail; i += n, cols++) {
			n = utf8_seq_len((const unsigned char *)p + i, left - i);
			if (!n)
				n = 1;
			if (p[i] == ' ' && (nline > 1 || cols > SHOW_INDENT))
				sp = i;
		}
		if (i >= left || nline >= max_lines || !sp) {
			rc = line(out, e, "%*s%.*s", indent, "", (int)left, p);
			break;
		}
		if (line(out, e, "%*s%.*s", indent, "", (int)sp, p) < 0)
			goto out;
		p += sp + 1;
		left -= sp + 1;
	}
out:
	buf_release(&esc);
	return rc;
}

/* "a, b, c" of an array of strings, into b (empty). */
static int joined(const json_t *a, struct buf *b, struct err *e)
{
	const json_t *v;
	size_t i;

	json_array_foreach((json_t *)a, i, v)
		if (buf_printf(b, e, "%s%s", i ? ", " : "",
			       json_is_string(v) ? json_string_value(v) : "?") < 0)
			return -1;
	return buf_puts(b, "", e);
}

static const char *or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static int text_holder(const json_t *f, struct buf *out, struct err *e)
{
	const json_t *ids = jget(f, "holder.identifiers"), *v;
	struct buf b = BUF_INIT;
	size_t i;
	int rc;

	json_array_foreach((json_t *)ids, i, v)
		if (buf_printf(&b, e, "%s%s", i ? ", " : "",
			       or(sget(v, "type"), "?")) < 0) {
			buf_release(&b);
			return -1;
		}
	rc = b.len ? line(out, e, "  holder:      %s, identifier: hashed (%s)",
			  or(sget(f, "holder.pseudonym"), "?"), b.data)
		   : line(out, e, "  holder:      %s",
			  or(sget(f, "holder.pseudonym"), "?"));
	buf_release(&b);
	return rc;
}

static int text_achievement(const json_t *f, struct buf *out, struct err *e)
{
	const json_t *a = jget(f, "achievement");
	struct buf comp = BUF_INIT;
	int program = !strcmp(or(sget(a, "kind"), ""), "program"), rc;

	if (joined(json_object_get(a, "competencies"), &comp, e) < 0) {
		buf_release(&comp);
		return -1;
	}
	rc = wrapped(out, e, 3, "  %s %s %s, %s", program ? "program:    " : "scenario:   ",
		     or(sget(a, "id"), "?"), or(sget(a, "version"), "?"),
		     or(sget(a, "title"), "?")) < 0 ||
	     wrapped(out, e, 3, "  level:       %s%s%s", or(sget(a, "level"), "?"),
		  comp.len > 1 ? "; competencies: " : "",
		  comp.len > 1 ? (const char *)comp.data : "") < 0 ? -1 : 0;
	buf_release(&comp);
	return rc;
}

static int text_checks(const json_t *f, struct buf *out, struct err *e)
{
	const json_t *checks = json_object_get(f, "checks"), *c;
	size_t i, passed = 0, carried = 0;

	json_array_foreach((json_t *)checks, i, c) {
		passed += !strcmp(or(sget(c, "status"), ""), "pass");
		carried += json_is_true(json_object_get(c, "carried"));
	}
	if (line(out, e, "  checks:      %zu of %zu passed%s", passed,
		 json_array_size(checks),
		 carried ? ", some carried from the renewed evidence" : "") < 0)
		return -1;
	json_array_foreach((json_t *)checks, i, c) {
		const char *title = sget(c, "title");

		if (line(out, e, "    %-5s %s%s", or(sget(c, "status"), "?"),
			 title && *title ? title : or(sget(c, "id"), "?"),
			 json_is_true(json_object_get(c, "carried")) ? " (carried)" : "") < 0)
			return -1;
	}
	return 0;
}

static int text_hints(const json_t *f, struct buf *out, struct err *e)
{
	const json_t *hints = json_object_get(f, "hints"), *h;
	size_t i, n = json_array_size(hints);
	struct buf b = BUF_INIT;
	int rc;

	if (!n)
		return line(out, e, "  hints:       none taken");
	json_array_foreach((json_t *)hints, i, h)
		if (buf_printf(&b, e, "%s#%lld", i ? ", " : "", iget(h, "hint")) < 0 ||
		    (n > 1 && buf_printf(&b, e, " %s", or(sget(h, "cost"), "?")) < 0)) {
			buf_release(&b);
			return -1;
		}
	rc = line(out, e, "  hints:       %zu taken (%s), %s points off the score", n,
		  (const char *)b.data, or(sget(f, "hints_cost"), "?"));
	buf_release(&b);
	return rc;
}

static int text_time(const json_t *f, struct buf *out, struct err *e)
{
	char took[32], limit[32], factor[48] = "";
	long long pct = iget(f, "time.time_factor_pct");

	if (iget(f, "time.duration_s") > 0)
		clock_words(iget(f, "time.duration_s"), took);
	else
		snprintf(took, sizeof took, "under 1s");
	clock_words(iget(f, "time.time_limit_s"), limit);
	if (pct != 100)
		snprintf(factor, sizeof factor, ", time factor %lld%%", pct);
	return line(out, e, "  time taken:  %s of %s (ended by %s%s)", took, limit,
		    or(sget(f, "time.ended_by"), "?"), factor);
}

/* valid until, with where at_s stands. */
static int text_validity(const json_t *f, int64_t at_s, int at_given,
			 struct buf *out, struct err *e)
{
	const char *st = or(sget(f, "standing"), "?");
	const char *until = sget(f, "valid_until");
	char when[128], span[48], at[32];
	int64_t t;

	if (!strcmp(st, "not a pass"))
		return line(out, e, "  valid until: not applicable (not a pass)");
	time_rfc3339(at_s, at);
	if (!strcmp(st, "not yet valid")) {
		if (line(out, e, "  valid until: %s", or(until, "no end date")) < 0)
			return -1;
		return line(out, e, "  NOT YET VALID%s%s: valid from %s",
			    at_given ? " at " : "", at_given ? at : "",
			    or(sget(f, "issued"), "?"));
	}
	if (!until)
		return line(out, e, "  valid until: no end date (current)");
	if (parse_time(until, &t) < 0)
		return line(out, e, "  valid until: %s (%s)", until, st);
	span_words(t - at_s, span);
	if (!strcmp(st, "expired"))
		snprintf(when, sizeof when, "EXPIRED %s %s", span,
			 at_given ? "before --at" : "ago");
	else
		snprintf(when, sizeof when, "current%s, %s left", at_given ? " at --at" : "",
			 span);
	return line(out, e, "  valid until: %s (%s)", until, when);
}

/* renews, regraded from, replaces: each on its line, the ids last (they
 * are what a narrow line cuts). */
static int text_lineage(const json_t *f, struct buf *out, struct err *e)
{
	const json_t *r = json_object_get(f, "renews");
	const json_t *g = json_object_get(f, "regraded_from");
	const char *rep = sget(f, "replaces");

	if (json_is_object(r) &&
	    line(out, e, "  renews:      evidence issued %s, %s",
		 or(sget(r, "issued"), "?"), or(sget(r, "digest"), "?")) < 0)
		return -1;
	if (json_is_object(g) &&
	    line(out, e, "  regraded:    from %s %s%%, %s", or(sget(g, "verdict"), "?"),
		 or(sget(g, "score"), "?"), or(sget(g, "digest"), "?")) < 0)
		return -1;
	if (rep && line(out, e, "  replaces:    %s", rep) < 0)
		return -1;
	return 0;
}

/* Each review, oldest first: what it turned into what, by whom and when,
 * and why (escaped as every line is). */
static int text_review(const json_t *f, struct buf *out, struct err *e)
{
	const json_t *r = json_object_get(f, "review"), *c;
	size_t i;

	if (!json_is_object(r))
		return 0;
	if (line(out, e, "  graded:      %s (the grader's verdict; result.json keeps its checks)",
		 or(sget(r, "graded"), "?")) < 0)
		return -1;
	json_array_foreach(json_object_get(r, "chain"), i, c)
		if (line(out, e, "  reviewed:    %s -> %s by %s at %s", or(sget(c, "was"), "?"),
			 or(sget(c, "decision"), "?"), or(sget(c, "reviewer"), "?"),
			 or(sget(c, "at"), "?")) < 0 ||
		    wrapped(out, e, 3, "  reason:      \"%s\"", or(sget(c, "reason"), "?")) < 0 ||
		    line(out, e, "               of %s", or(sget(c, "reviewed"), "?")) < 0)
			return -1;
	return 0;
}

static int text_rests_on(const json_t *f, struct buf *out, struct err *e)
{
	const json_t *a = json_object_get(f, "rests_on"), *p;
	size_t i, attempts = 0, creds = 0;

	if (!json_is_array(a))
		return 0;
	json_array_foreach((json_t *)a, i, p) {
		if (!strcmp(or(sget(p, "genre"), ""), "credential"))
			creds++;
		else
			attempts++;
	}
	if (line(out, e, "  rests on:    %zu attempt%s and %zu credential%s", attempts,
		 attempts == 1 ? "" : "s", creds, creds == 1 ? "" : "s") < 0)
		return -1;
	json_array_foreach((json_t *)a, i, p) {
		const char *name = sget(p, "name");

		if (line(out, e, "    %-10s  %s",
			 !strcmp(or(sget(p, "genre"), ""), "credential") ? "credential" : "attempt",
			 name && *name ? name : or(sget(p, "id"), "?")) < 0)
			return -1;
	}
	return 0;
}

static int text_evidence_result(const json_t *f, struct buf *out, struct err *e)
{
	const char *err = sget(f, "error");

	if (line(out, e, "  verdict:     %s, score %s%% (pass mark %s%%), attempt %lld",
		 or(sget(f, "verdict"), "?"), or(sget(f, "score"), "?"),
		 or(sget(f, "pass_mark"), "?"), iget(f, "attempt")) < 0 ||
	    (err && line(out, e, "  error:       %s", err) < 0) ||
	    text_checks(f, out, e) < 0 || text_hints(f, out, e) < 0 ||
	    text_time(f, out, e) < 0)
		return -1;
	return 0;
}

/* The file's name for the first line: escaped, and when long its end
 * ("...renewed/ee0562575ef07575.ev"), the part that tells files apart. */
#define SHOW_PATH_COLS 50
static int path_shown(const char *path, struct buf *out, struct err *e)
{
	struct buf esc = BUF_INIT;
	size_t i, n, cols = 0, from = 0;
	size_t *starts = NULL;
	int rc = -1;

	if (termsafe_escape(path, strlen(path), &esc, e) < 0)
		goto out;
	starts = calloc(esc.len + 1, sizeof *starts);
	if (!starts) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < esc.len; i += n) {
		n = utf8_seq_len(esc.data + i, esc.len - i);
		if (!n)
			n = 1;
		starts[cols++] = i;
	}
	if (cols > SHOW_PATH_COLS)
		from = starts[cols - (SHOW_PATH_COLS - 3)];
	rc = buf_puts(out, from ? "..." : "", e) < 0 ||
	     buf_append(out, esc.data ? esc.data + from : (void *)"", esc.len - from, e) < 0 ||
	     buf_puts(out, "", e) < 0 ? -1 : 0;
out:
	free(starts);
	buf_release(&esc);
	return rc;
}

static int write_text(const json_t *f, int64_t at_s, int at_given,
		      struct buf *out, struct err *e)
{
	const char *kind = or(sget(f, "kind"), "?");
	int evidence = !strcmp(kind, "evidence");
	const char *cred = sget(f, "credential");
	const char *score = sget(f, "score");
	const char *issuer = sget(f, "issuer");
	struct buf name = BUF_INIT;
	int rc;

	if (path_shown(or(sget(f, "file"), "?"), &name, e) < 0)
		return -1;
	rc = line(out, e, "%s: valid %s", (const char *)name.data,
		  evidence ? "evidence"
		  : !strcmp(or(sget(f, "achievement.kind"), ""), "program")
			  ? "program credential" : "credential");
	buf_release(&name);
	if (rc < 0 || text_holder(f, out, e) < 0 || text_achievement(f, out, e) < 0)
		return -1;
	if (evidence) {
		if (text_evidence_result(f, out, e) < 0)
			return -1;
	} else if (score &&
		   line(out, e, "  verdict:     %s, score %s%% (pass mark %s%%)",
			or(sget(f, "verdict"), "?"), score,
			or(sget(f, "pass_mark"), "?")) < 0) {
		return -1;
	}
	if (text_rests_on(f, out, e) < 0 ||
	    line(out, e, "  issued:      %s", or(sget(f, "issued"), "?")) < 0 ||
	    text_validity(f, at_s, at_given, out, e) < 0 ||
	    text_lineage(f, out, e) < 0 || text_review(f, out, e) < 0)
		return -1;
	if (cred)
		rc = line(out, e, "  credential:  %s", cred);
	else if (evidence)
		rc = line(out, e, "  credential:  none%s",
			  strcmp(or(sget(f, "verdict"), ""), "pass")
				  ? " (only a pass carries one)" : "");
	if (rc < 0)
		return -1;
	return line(out, e, "  signed by:   issuer key %s%s%s", or(sget(f, "issuer_key"), "?"),
		    issuer ? ", " : "", issuer ? issuer : "");
}

/* ---- the command's work ------------------------------------------------ */

/* Whether path holds a credential (JSON: an object) rather than evidence
 * (a tar): its first byte past white space.  Anything unreadable goes to
 * the evidence check, whose message names the file and the fault. */
static int looks_like_json(const char *path)
{
	char b[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), i;

	if (fd < 0)
		return 0;
	do
		n = read(fd, b, sizeof b);
	while (n < 0 && errno == EINTR);
	close(fd);
	for (i = 0; i < n; i++) {
		if (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')
			continue;
		return b[i] == '{';
	}
	return 0;
}

int show_file(const char *path, const struct sign_pub *issuer, int64_t at_s,
	      int at_given, int json, struct buf *out, struct err *e)
{
	json_t *f = json_object();
	char at[32], *txt = NULL;
	int bad = 0, rc = -1;

	if (!f)
		return err_set(e, ERR_HOST, "out of memory");
	time_rfc3339(at_s, at);
	put(&bad, f, "file", jstr(path, &bad));
	put(&bad, f, "valid", json_true());
	put(&bad, f, "at", jstr(at, &bad));
	if (bad) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	if (looks_like_json(path)) {
		if (credential_facts(path, issuer, at_s, f, e) < 0)
			goto out;
	} else if (evidence_facts(path, issuer, at_s, f, e) < 0) {
		goto out;
	}
	if (!json) {
		rc = write_text(f, at_s, at_given, out, e);
		goto out;
	}
	txt = json_dumps(f, JSON_SORT_KEYS | JSON_INDENT(2));
	if (!txt) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	rc = buf_puts(out, txt, e) < 0 || buf_puts(out, "\n", e) < 0 ? -1 : 0;
out:
	free(txt);
	json_decref(f);
	return rc;
}
