/* review: a reviewer's decision on verified evidence becomes new evidence
 * (see review.h).  The reviewed file is opened as verify opens it
 * (ev_open); the new file keeps every member the grading rests on byte
 * for byte and gets a new manifest: mode "review", the decision as its
 * verdict, valid from the review, and the "review" object.  The issuer
 * signs the file; the reviewer signs the statement inside it
 * (review_form.c checks the object for verify).  It prints nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "base/version.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/jcs.h"
#include "runner/registry.h"
#include "runner/review.h"
#include "runner/tarball.h"

static const char *str_at(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
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
	if (time_rfc3339_parse(str_at(man, "valid_until"), &until) == 0 &&
	    time_rfc3339_parse(json_is_object(rv) ? str_at(rv, "at")
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
	sign_b64_encode(raw, sizeof raw, sig, sizeof sig);
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
