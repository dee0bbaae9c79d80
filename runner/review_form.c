/* review_form: the review object of a manifest held to its form, and the
 * statement a reviewer signs (see review_form.h).  verify's side of a
 * review: it reads and checks, makes nothing; review.c makes a review. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/jcs.h"
#include "runner/review_form.h"

/* ---- small pieces ------------------------------------------------------ */

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
	sign_b64_encode(raw, sizeof raw, out, 64);
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
	    time_rfc3339_parse(str_at(rd, "issued"), &t) < 0)
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
	if (time_rfc3339_parse(at, &t) < 0)
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
	if (!sig || sign_b64_exact(sig, strlen(sig), raw, sizeof raw) < 0)
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

