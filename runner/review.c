/* review: a reviewer's decision on verified evidence becomes new evidence
 * (see review.h).  The reviewed file is opened as verify opens it
 * (ev_open); the new file keeps every member the grading rests on byte
 * for byte and gets a new manifest: mode "review", the decision as its
 * verdict, valid from the review, and the "review" object.  The issuer
 * signs the file; the reviewer signs the statement inside it.  It checks
 * the review object for verify too (review_check) and prints nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/util.h"
#include "base/version.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/jcs.h"
#include "runner/registry.h"
#include "runner/review.h"
#include "runner/tarball.h"

/* ---- small pieces ------------------------------------------------------ */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding into out (size >= 4 * ceil(n / 3) + 1). */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (i < n) {
		v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
}

/* Exactly the encoding b64_encode writes of exactly n bytes; -1 else. */
static int b64_decode_exact(const char *s, unsigned char *out, size_t n)
{
	char back[128];
	size_t len = strlen(s), i, j = 0;
	unsigned v = 0;
	int bits = 0;
	const char *p;

	if (len != (n + 2) / 3 * 4)
		return -1;
	for (i = 0; i < len && s[i] != '='; i++) {
		p = strchr(b64, s[i]);
		if (!p || !s[i])
			return -1;
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (j < n)
				out[j++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	if (j != n || n > 90)
		return -1;
	/* one spelling only: padding, and the unused bits zero */
	b64_encode(out, n, back);
	return strcmp(back, s) ? -1 : 0;
}

/* n decimal digits at s (already checked to be digits). */
static int digits(const char *s, int n)
{
	int v = 0;

	while (n--)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* "2026-11-25T12:00:00Z", the only form labrun writes, to seconds. */
static int parse_time(const char *s, int64_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm;
	size_t i;

	if (!s || strlen(s) != sizeof shape - 1)
		return -1;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = digits(s + 17, 2);
	*out = (int64_t)timegm(&tm);
	return 0;
}

static const char *str_at(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int is_digest(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && strlen(s) == 71 &&
	       strspn(s + 7, "0123456789abcdef") == 64;
}

/* The produced_by.mode of a file labrun writes evidence as. */
static int is_mode(const char *m)
{
	static const char *const modes[] = {"run", "take", "replay", "regrade", "review"};
	size_t i;

	for (i = 0; m && i < sizeof modes / sizeof modes[0]; i++)
		if (!strcmp(m, modes[i]))
			return 1;
	return 0;
}

static int is_verdict(const char *v)
{
	return v && (!strcmp(v, "pass") || !strcmp(v, "fail") || !strcmp(v, "error"));
}

int review_reason_check(const char *reason, size_t len, const char *what,
			struct err *e)
{
	const unsigned char *u = (const unsigned char *)reason;
	size_t i, n;

	if (!len)
		return err_set(e, ERR_REFUSED, "%s: empty; hint: say why the verdict is what it is", what);
	if (len > REVIEW_REASON_MAX)
		return err_set(e, ERR_REFUSED,
			       "%s: %zu bytes, over the %u a reason may have; hint: point to a longer document instead",
			       what, len, REVIEW_REASON_MAX);
	for (i = 0; i < len; i += n) {
		n = utf8_seq_len(u + i, len - i);
		if (!n)
			return err_set(e, ERR_REFUSED, "%s: byte %zu: not UTF-8", what, i);
		if (u[i] < 0x20 || u[i] == 0x7f || (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0))
			return err_set(e, ERR_REFUSED,
				       "%s: byte %zu: a control character (a newline, tab or escape); hint: one line of printable text",
				       what, i);
		/* the bidirectional overrides and isolates, which make a line
		 * read in another order than it is stored */
		if (n == 3 && u[i] == 0xe2 &&
		    ((u[i + 1] == 0x80 && u[i + 2] >= 0xaa && u[i + 2] <= 0xae) ||
		     (u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9)))
			return err_set(e, ERR_REFUSED,
				       "%s: byte %zu: a bidirectional control character; hint: one line of printable text",
				       what, i);
	}
	return 0;
}

int review_statement(const char *reviewed, const char *decision,
		     const char *reason, const char *at, struct buf *out,
		     struct err *e)
{
	json_t *st = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", REVIEW_TYPE,
			       "reviewed", reviewed, "decision", decision, "reason",
			       reason, "at", at);
	int rc;

	if (!st)
		return err_set(e, ERR_REFUSED, "review statement: not UTF-8 text");
	rc = jcs_write(st, "review statement", out, e);
	json_decref(st);
	return rc;
}

int review_pub_line(const struct sign_pub *pk, char out[64])
{
	unsigned char raw[2 + SIGN_KEYID_BYTES + SIGN_PK_BYTES];

	raw[0] = 'E';
	raw[1] = 'd';
	memcpy(raw + 2, pk->keyid, SIGN_KEYID_BYTES);
	memcpy(raw + 2 + SIGN_KEYID_BYTES, pk->pk, SIGN_PK_BYTES);
	b64_encode(raw, sizeof raw, out);
	return 0;
}

/* ---- checking ---------------------------------------------------------- */

/* Has o exactly these keys? */
static int exact_keys(const json_t *o, const char *const *keys, size_t n)
{
	size_t i;

	if (!json_is_object(o) || json_object_size(o) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!json_object_get(o, keys[i]))
			return 0;
	return 1;
}

/* One review object (the current one, or an entry of its chain, which has
 * no chain of its own): its form and its reviewer's signature. */
static int check_one(const json_t *r, const char *where, int with_chain,
		     struct err *e)
{
	static const char *const keys[] = {
		"reviewed", "decision", "reason", "reviewer", "at", "signature", "chain",
	};
	static const char *const rkeys[] = {"digest", "mode", "verdict", "score", "issued"};
	static const char *const kkeys[] = {"key_id", "public_key"};
	const json_t *rd = json_object_get(r, "reviewed");
	const json_t *who = json_object_get(r, "reviewer");
	const char *decision = str_at(r, "decision"), *reason = str_at(r, "reason");
	const char *at = str_at(r, "at"), *sig = str_at(r, "signature");
	const char *keyid = str_at(who, "key_id"), *line = str_at(who, "public_key");
	struct buf st = BUF_INIT;
	struct sign_pub pk;
	unsigned char raw[64];
	char hex[17];
	int64_t t;
	int ok;

	if (!exact_keys(r, keys, with_chain ? 7 : 6))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: %s: not an object of reviewed, decision, reason, reviewer, at, signature%s",
			       where, with_chain ? " and chain" : "");
	if (!exact_keys(rd, rkeys, 5) || !is_digest(str_at(rd, "digest")) ||
	    !is_mode(str_at(rd, "mode")) || !is_verdict(str_at(rd, "verdict")) ||
	    !json_is_integer(json_object_get(rd, "score")) ||
	    parse_time(str_at(rd, "issued"), &t) < 0)
		return err_set(e, ERR_REFUSED,
			       "manifest.json: %s.reviewed: not {digest: sha256:HEX, mode (run, take, replay, regrade or review), verdict, score, issued}",
			       where);
	if (!decision || (strcmp(decision, "pass") && strcmp(decision, "fail")))
		return err_set(e, ERR_REFUSED, "manifest.json: %s.decision: not pass or fail", where);
	if (!reason)
		return err_set(e, ERR_REFUSED, "manifest.json: %s.reason: not a string", where);
	{
		char w[96];

		snprintf(w, sizeof w, "manifest.json: %s.reason", where);
		if (review_reason_check(reason, strlen(reason), w, e) < 0)
			return -1;
	}
	if (parse_time(at, &t) < 0)
		return err_set(e, ERR_REFUSED, "manifest.json: %s.at: not an RFC 3339 UTC time", where);
	if (!exact_keys(who, kkeys, 2) || !keyid || !line ||
	    sign_pub_parse(line, strlen(line), "reviewer.public_key", &pk, e) < 0)
		return err_set(e, ERR_REFUSED,
			       "manifest.json: %s.reviewer: not {key_id, public_key: a minisign public key}",
			       where);
	sign_keyid_hex(&pk, hex);
	if (strcmp(hex, keyid))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: %s.reviewer.key_id: not the id of its public_key (%s)",
			       where, hex);
	if (!sig || b64_decode_exact(sig, raw, sizeof raw) < 0)
		return err_set(e, ERR_REFUSED,
			       "manifest.json: %s.signature: not the base64 of a 64-byte Ed25519 signature",
			       where);
	if (review_statement(str_at(rd, "digest"), decision, reason, at, &st, e) < 0)
		return -1;
	ok = sign_ed25519_verify(pk.pk, st.data, st.len, raw);
	buf_release(&st);
	if (!ok)
		return err_set(e, ERR_REFUSED,
			       "manifest.json: %s.signature: not reviewer key %s's signature over the review's statement (its decision, reason, time or reviewed digest changed after signing)",
			       where, keyid);
	return 0;
}

int review_check(const json_t *man, const json_t *res, struct err *e)
{
	const json_t *r = json_object_get(man, "review"), *chain, *c, *prev = NULL;
	const json_t *pb = json_object_get(man, "produced_by");
	const char *mode = str_at(pb, "mode");
	char where[48];
	size_t i;

	if (!r || json_is_null(r)) {
		if (mode && !strcmp(mode, "review"))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.review: missing; a review records the decision it makes");
		return 0;
	}
	if (!mode || strcmp(mode, "review"))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.review is set but $.produced_by.mode is not \"review\"");
	if (check_one(r, "$.review", 1, e) < 0)
		return -1;
	if (strcmp(str_at(r, "decision"), str_at(man, "verdict") ? str_at(man, "verdict") : ""))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.verdict is not the review's decision ($.review.decision)");
	if (!str_at(man, "issued") || strcmp(str_at(man, "issued"), str_at(r, "at")))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.issued is not the review's time ($.review.at)");
	chain = json_object_get(r, "chain");
	if (!json_is_array(chain) || json_array_size(chain) > REVIEW_MAX_CHAIN)
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.review.chain: not an array of at most %d earlier reviews",
			       REVIEW_MAX_CHAIN);
	/* chain[0] reviewed a graded file; each later entry reviewed the
	 * file that held the one before; the review itself reviewed the file
	 * that held the last. */
	json_array_foreach(chain, i, c) {
		snprintf(where, sizeof where, "$.review.chain[%zu]", i);
		if (check_one(c, where, 0, e) < 0)
			return -1;
		if ((i == 0) != !!strcmp(str_at(json_object_get(c, "reviewed"), "mode"), "review") ||
		    (prev && strcmp(str_at(json_object_get(c, "reviewed"), "verdict"),
				    str_at(prev, "decision"))))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: %s.reviewed: does not follow the review before it", where);
		prev = c;
	}
	c = json_object_get(r, "reviewed");
	if ((prev != NULL) != !strcmp(str_at(c, "mode"), "review") ||
	    (prev && strcmp(str_at(c, "verdict"), str_at(prev, "decision"))))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.review.reviewed: a review of a review carries the earlier reviews in $.review.chain, and only then");
	/* every review was of this attempt's grading: the first of a file
	 * that said what result.json says, each of the score it gives */
	json_array_foreach(chain, i, c)
		if (json_integer_value(json_object_get(json_object_get(c, "reviewed"), "score")) !=
		    json_integer_value(json_object_get(res, "score")))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: $.review.chain[%zu].reviewed.score: not result.json's score", i);
	c = json_array_size(chain) ? json_array_get(chain, 0) : r;
	if (strcmp(str_at(json_object_get(c, "reviewed"), "verdict"),
		   str_at(res, "verdict") ? str_at(res, "verdict") : ""))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: the first review's reviewed.verdict is not result.json's verdict (the grading it reviewed)");
	c = json_object_get(r, "reviewed");
	if (json_integer_value(json_object_get(c, "score")) !=
	    json_integer_value(json_object_get(res, "score")))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: $.review.reviewed.score: not result.json's score");
	return 0;
}

/* ---- making one -------------------------------------------------------- */

/* The members the grading rests on, as they were: everything but the
 * signature, the manifest and the credential, which are made anew. */
static int copy_members(const struct tar_list *old, struct tar_list *out,
			struct err *e)
{
	size_t i;

	for (i = 0; i < old->n; i++) {
		const struct tar_entry *t = &old->v[i];

		if (t->is_dir || !strncmp(t->name, "SHA256SUMS", 10) ||
		    !strcmp(t->name, "manifest.json") || !strcmp(t->name, CRED_MEMBER))
			continue;
		if (tar_list_add_file(out, t->name, 0644, t->data, t->len, e) < 0)
			return -1;
	}
	return 0;
}

static json_t *load_member(const struct tar_list *l, const char *name,
			   struct err *e)
{
	const struct tar_entry *m = tar_list_find(l, name);
	json_t *v = m ? json_loadb((const char *)m->data, m->len,
				   JSON_REJECT_DUPLICATES, NULL) : NULL;

	if (!json_is_object(v)) {
		json_decref(v);
		err_set(e, ERR_REFUSED, "%s: not as labrun writes it", name);
		return NULL;
	}
	return v;
}

/* How long a pass stays valid, in days: the option's, or what the reviewed
 * file's own validity was (a pass: valid_until less the time it counts
 * from, the session's end or an earlier review's time). */
static int validity_days(const struct review_opts *o, const json_t *man,
			 unsigned *days, struct err *e)
{
	const json_t *rv = json_object_get(man, "review");
	int64_t until, from;

	if (o->valid_days) {
		*days = o->valid_days;
		return 0;
	}
	if (parse_time(str_at(man, "valid_until"), &until) == 0 &&
	    parse_time(json_is_object(rv) ? str_at(rv, "at")
			: str_at(json_object_get(man, "session"), "ended"), &from) == 0 &&
	    until > from) {
		*days = (unsigned)((until - from + SECONDS_PER_DAY / 2) / SECONDS_PER_DAY);
		if (*days)
			return 0;
	}
	return err_set(e, ERR_USAGE,
		       "%s has no validity a pass could take (it is not a pass); give --valid-days N, the scenario's valid_for_days",
		       o->evidence);
}

/* The review object of the new file. */
static json_t *review_object(const struct review_opts *o, const json_t *man,
			     const char *digest, const char *at, struct err *e)
{
	const json_t *old = json_object_get(man, "review");
	struct buf st = BUF_INIT;
	struct sign_pub rpub;
	unsigned char raw[64];
	char d[80], keyid[17], line[64], sig[96];
	json_t *r = NULL, *chain = NULL, *c;
	size_t i;

	sign_sec_pub(o->reviewer, &rpub);
	sign_keyid_hex(&rpub, keyid);
	review_pub_line(&rpub, line);
	snprintf(d, sizeof d, "sha256:%s", digest);
	if (review_statement(d, o->decision, o->reason, at, &st, e) < 0 ||
	    sign_ed25519(o->reviewer, st.data, st.len, raw, e) < 0)
		goto fail;
	b64_encode(raw, sizeof raw, sig);
	chain = json_array();
	/* the earlier reviews, then the one reviewed, without its chain */
	if (json_is_object(old)) {
		json_array_foreach(json_object_get(old, "chain"), i, c)
			json_array_append(chain, (json_t *)c);
		c = json_deep_copy(old);
		if (!c || json_object_del(c, "chain") < 0 || json_array_append_new(chain, c) < 0)
			goto oom;
	}
	if (json_array_size(chain) > REVIEW_MAX_CHAIN) {
		err_set(e, ERR_REFUSED,
			"%s: already reviewed %zu times; a file carries at most %d earlier reviews",
			o->evidence, json_array_size(chain), REVIEW_MAX_CHAIN);
		goto fail;
	}
	r = json_pack("{s:{s:s, s:O, s:O, s:O, s:O}, s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:o}",
		      "reviewed", "digest", d, "mode", json_object_get(json_object_get(man, "produced_by"), "mode"),
		      "verdict", json_object_get(man, "verdict"), "score", json_object_get(man, "score"),
		      "issued", json_object_get(man, "issued"),
		      "decision", o->decision, "reason", o->reason,
		      "reviewer", "key_id", keyid, "public_key", line,
		      "at", at, "signature", sig, "chain", chain);
	chain = NULL;
	if (!r)
		goto oom;
	buf_release(&st);
	return r;
oom:
	err_set(e, ERR_HOST, "out of memory");
fail:
	json_decref(chain);
	buf_release(&st);
	return NULL;
}

/* The new manifest: the reviewed one with the decision as verdict, issued
 * and valid from the review, its own credential (replacing the reviewed
 * file's) when it passes, and the review object (which it takes, whatever
 * the outcome). */
static int add_manifest(const struct review_opts *o, const struct tar_list *old,
			json_t *man, json_t *review, const char *at,
			struct review_result *r, struct tar_list *out, struct err *e)
{
	int pass = !strcmp(o->decision, "pass"), bad = 0;
	char hex[65], *s = NULL;
	struct buf b = BUF_INIT;
	unsigned days = 0;
	int64_t until;
	int rc = -1;

	/* the validity first: it reads the reviewed file's review */
	if (pass && validity_days(o, man, &days, e) < 0) {
		json_decref(review);
		return -1;
	}
	if (json_object_set_new(man, "review", review) < 0) {
		err_set(e, ERR_HOST, "manifest.json: out of memory");
		goto out;
	}
	if (pass) {
		until = o->at_s + (int64_t)days * SECONDS_PER_DAY;
		time_rfc3339(until, r->valid_until);
	}
	if (tar_list_find(old, CRED_MEMBER)) {
		if (cred_contents_hex(old, hex, e) < 0)
			goto out;
		snprintf(pass ? r->replaces : r->withdraws, sizeof r->replaces, "%s%s",
			 CRED_ID_PREFIX, hex);
	}
	bad |= json_object_set_new(json_object_get(man, "produced_by"), "mode",
				   json_string("review"));
	bad |= json_object_set_new(json_object_get(man, "runner"), "version",
				   json_string(LABRUN_VERSION));
	bad |= json_object_set_new(man, "verdict", json_string(o->decision));
	bad |= json_object_set_new(man, "issued", json_string(at));
	bad |= json_object_set_new(man, "valid_until",
				   pass ? json_string(r->valid_until) : json_null());
	bad |= json_object_set_new(man, "credential", json_boolean(pass));
	bad |= json_object_set_new(man, "replaces_credential",
				   r->replaces[0] ? json_string(r->replaces) : json_null());
	/* the reviewed credential's status index is its own: a pass gets a
	 * new one when sealed with a registry (ev_seal) */
	bad |= json_object_set_new(man, "credential_status", json_null());
	s = bad ? NULL : json_dumps(man, JSON_SORT_KEYS | JSON_INDENT(2));
	if (!s) {
		err_set(e, ERR_HOST, "manifest.json: out of memory");
		goto out;
	}
	if (buf_puts(&b, s, e) < 0 || buf_append(&b, "\n", 1, e) < 0 ||
	    tar_list_add_file(out, "manifest.json", 0644, b.data, b.len, e) < 0)
		goto out;
	rc = 0;
out:
	free(s);
	buf_release(&b);
	return rc;
}

/* The reviewer's key must be one of the issuer's reviewer keys. */
static int reviewer_listed(const struct review_opts *o, struct review_result *r,
			   struct err *e)
{
	struct sign_pub pk;
	size_t i;

	sign_sec_pub(o->reviewer, &pk);
	sign_keyid_hex(&pk, r->reviewer);
	for (i = 0; o->reviewers && i < o->reviewers->n; i++)
		if (!memcmp(o->reviewers->keys[i].keyid, pk.keyid, SIGN_KEYID_BYTES) &&
		    !memcmp(o->reviewers->keys[i].pk, pk.pk, SIGN_PK_BYTES))
			return 0;
	return err_set(e, ERR_REFUSED,
		       "reviewer key %s is not one of the issuer's reviewer keys (%zu listed); hint: add its public key to the reviewers file or directory (labrun.conf reviewers, or --reviewers)",
		       r->reviewer, o->reviewers ? o->reviewers->n : (size_t)0);
}

/* A fail withdraws the reviewed file's credential: revoked in the
 * registry that issued it, the new evidence named as the reason. */
static int withdraw(const struct review_opts *o, struct review_result *r,
		    struct err *e)
{
	const struct registry_entry *en;
	struct registry *reg = NULL;
	char actor[40], why[200];
	int was;

	if (registry_open(o->registry, &reg, e) < 0)
		goto failed;
	en = registry_find(reg, r->withdraws);
	was = !en ? -1 : !strcmp(en->status, "revoked") ? 2 : 0;
	registry_close(reg);
	if (was) {
		r->revoked = was;
		return 0;
	}
	snprintf(actor, sizeof actor, "reviewer %s", r->reviewer);
	snprintf(why, sizeof why, "no longer a pass on review: evidence sha256:%s", r->new_digest);
	if (registry_set_status(o->registry, o->key, actor, "revoke", r->withdraws, why, e) < 0)
		goto failed;
	r->revoked = 1;
	return 0;
failed:
	err_wrap(e, "%s is written, but the credential it withdraws was not revoked; hint: labrun registry revoke %s --reason 'review' --registry %s",
		 o->out, r->withdraws, o->registry);
	return -1;
}

int review_run(const struct review_opts *o, struct review_result *r,
	       struct err *e)
{
	struct tar_list old = {0}, members = {0};
	json_t *man = NULL, *res = NULL, *review = NULL;
	struct buf file = BUF_INIT;
	char comment[SIGN_COMMENT_MAX + 1];
	int rc = -1;

	memset(r, 0, sizeof *r);
	if (strcmp(o->decision, "pass") && strcmp(o->decision, "fail"))
		return err_set(e, ERR_USAGE, "--decision: '%.20s' is not pass or fail", o->decision);
	if (review_reason_check(o->reason, strlen(o->reason), "--reason", e) < 0) {
		e->kind = ERR_USAGE;
		return -1;
	}
	if (reviewer_listed(o, r, e) < 0)
		return -1;
	if (ev_open(o->evidence, o->issuer, &old, r->digest, e) < 0)
		goto out;
	if (!(man = load_member(&old, "manifest.json", e)) ||
	    !(res = load_member(&old, "result.json", e))) {
		err_wrap(e, "%s", o->evidence);
		goto out;
	}
	snprintf(r->scenario, sizeof r->scenario, "%s %s",
		 str_at(json_object_get(man, "scenario"), "id"),
		 str_at(json_object_get(man, "scenario"), "version"));
	snprintf(r->was_verdict, sizeof r->was_verdict, "%s", str_at(man, "verdict"));
	snprintf(r->graded_verdict, sizeof r->graded_verdict, "%s", str_at(res, "verdict"));
	r->score = (unsigned)json_integer_value(json_object_get(man, "score"));
	r->pass_mark = (unsigned)json_integer_value(json_object_get(man, "pass_mark"));
	if (!strcmp(r->graded_verdict, "error") ||
	    json_is_false(json_object_get(json_object_get(json_object_get(man, "collection"), "graded"), "complete"))) {
		err_set(e, ERR_REFUSED,
			"%s: the grading erred or the graded state was not kept whole; there is no record a reviewer could judge; hint: the candidate retakes it",
			o->evidence);
		goto out;
	}
	time_rfc3339(o->at_s, r->at);
	if (!(review = review_object(o, man, r->digest, r->at, e)))
		goto out;
	r->chain = json_array_size(json_object_get(review, "chain"));
	snprintf(r->verdict, sizeof r->verdict, "%s", o->decision);
	if (copy_members(&old, &members, e) < 0)
		goto out;
	rc = add_manifest(o, &old, man, review, r->at, r, &members, e);
	review = NULL; /* the manifest holds it */
	if (rc < 0)
		goto out;
	rc = -1;
	snprintf(comment, sizeof comment,
		 "labrun evidence %.64s %s candidate %.40s score %u (review by %s)",
		 r->scenario, r->verdict,
		 str_at(json_object_get(man, "candidate"), "pseudonym"), r->score, r->reviewer);
	if (ev_seal_bytes(&members, o->key, comment, &file, e) < 0 ||
	    write_file_atomic(o->out, file.data, file.len, 0644, e) < 0)
		goto out;
	sha256_hex(file.data, file.len, r->new_digest);
	rc = o->registry && r->withdraws[0] ? withdraw(o, r, e) : 0;
out:
	buf_release(&file);
	json_decref(review);
	json_decref(man);
	json_decref(res);
	tar_list_release(&members);
	tar_list_release(&old);
	return rc;
}
