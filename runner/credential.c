/* credential: did:key, eddsa-jcs-2022 proofs, hashed holder identities,
 * the strict reader of credentials, and the scenario credential of a
 * passing evidence (docs/credentials.md). */
#include "runner/credential.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/base58.h"
#include "base/err.h"
#include "base/util.h"
#include "runner/jcs.h"
#include "runner/sign.h"
#include "runner/tarball.h"

#define DID_PREFIX "did:key:z"
#define SUMS "SHA256SUMS"
#define SUMS_SIG "SHA256SUMS.minisig"

/* ---- did:key ---------------------------------------------------------- */

int cred_did_key(const unsigned char pk[32], char out[CRED_DID_MAX])
{
	unsigned char mc[34] = {0xed, 0x01};

	memcpy(mc + 2, pk, 32);
	memcpy(out, DID_PREFIX, sizeof DID_PREFIX);
	return base58_encode(mc, sizeof mc, out + strlen(DID_PREFIX),
			     CRED_DID_MAX - strlen(DID_PREFIX)) < 0
		       ? -1
		       : 0;
}

int cred_did_key_decode(const char *did, unsigned char pk[32])
{
	unsigned char mc[40];
	char again[CRED_DID_MAX];
	size_t n = strlen(did);

	if (n >= CRED_DID_MAX || strncmp(did, DID_PREFIX, strlen(DID_PREFIX)))
		return -1;
	if (base58_decode(did + strlen(DID_PREFIX), n - strlen(DID_PREFIX), mc,
			  sizeof mc) != 34 ||
	    mc[0] != 0xed || mc[1] != 0x01)
		return -1;
	memcpy(pk, mc + 2, 32);
	if (cred_did_key(pk, again) < 0 || strcmp(again, did))
		return -1;
	return 0;
}

/* ---- proofs ----------------------------------------------------------- */

static int hash_jcs(const json_t *v, const char *what, unsigned char out[32],
		    struct err *e)
{
	struct buf b = BUF_INIT;

	if (jcs_write(v, what, &b, e) < 0) {
		buf_release(&b);
		return -1;
	}
	sha256_raw(b.data, b.len, out);
	buf_release(&b);
	return 0;
}

/* SHA-256(JCS(proof options)) || SHA-256(JCS(document)). */
static int verify_data(const json_t *options, const json_t *doc,
		       unsigned char out[64], struct err *e)
{
	return hash_jcs(options, "proof", out, e) < 0 ||
			       hash_jcs(doc, "credential", out + 32, e) < 0
		       ? -1
		       : 0;
}

int cred_sign(json_t *doc, const struct sign_sec *sk, const char *created,
	      struct err *e)
{
	struct sign_pub pub;
	char did[CRED_DID_MAX], vm[2 * CRED_DID_MAX];
	char value[BASE58_ENCODED_MAX(64) + 1];
	unsigned char data[64], sig[64];
	json_t *proof, *ctx;

	if (!json_is_object(doc) || json_object_get(doc, "proof"))
		return err_set(e, ERR_BUG, "credential: signed twice");
	sign_sec_pub(sk, &pub);
	if (cred_did_key(pub.pk, did) < 0)
		return err_set(e, ERR_BUG, "credential: did:key");
	snprintf(vm, sizeof vm, "%s#%s", did, did + strlen("did:key:"));
	proof = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type",
			  "DataIntegrityProof", "cryptosuite", "eddsa-jcs-2022",
			  "created", created, "verificationMethod", vm,
			  "proofPurpose", "assertionMethod");
	if (!proof)
		return err_set(e, ERR_HOST, "credential: out of memory");
	ctx = json_object_get(doc, "@context");
	if (ctx && json_object_set_new(proof, "@context", json_deep_copy(ctx))) {
		json_decref(proof);
		return err_set(e, ERR_HOST, "credential: out of memory");
	}
	if (verify_data(proof, doc, data, e) < 0 ||
	    sign_ed25519(sk, data, sizeof data, sig, e) < 0) {
		json_decref(proof);
		return -1;
	}
	value[0] = 'z';
	if (base58_encode(sig, sizeof sig, value + 1, sizeof value - 1) < 0 ||
	    json_object_set_new(proof, "proofValue", json_string(value)) ||
	    json_object_set_new(doc, "proof", proof))
		return err_set(e, ERR_HOST, "credential: out of memory");
	return 0;
}

static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int issuer_did(const json_t *doc, const char **out)
{
	const json_t *iss = json_object_get(doc, "issuer");

	*out = json_is_string(iss) ? json_string_value(iss)
				   : str_at(iss, "id");
	return *out ? 0 : -1;
}

/* The document's @context starts with the proof's, in order. */
static int context_prefix(const json_t *pctx, const json_t *dctx)
{
	size_t i, np, nd;

	np = json_is_array(pctx) ? json_array_size(pctx) : 1;
	nd = json_is_array(dctx) ? json_array_size(dctx) : 1;
	if (np > nd)
		return 0;
	for (i = 0; i < np; i++) {
		const json_t *a = json_is_array(pctx) ? json_array_get(pctx, i) : pctx;
		const json_t *b = json_is_array(dctx) ? json_array_get(dctx, i) : dctx;

		if (!json_equal((json_t *)a, (json_t *)b))
			return 0;
	}
	return 1;
}

static int proof_fields(const json_t *proof, struct err *e)
{
	static const char *const want[][2] = {
		{"type", "DataIntegrityProof"},
		{"cryptosuite", "eddsa-jcs-2022"},
		{"proofPurpose", "assertionMethod"},
	};
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(proof))
		return err_set(e, ERR_REFUSED, "no proof (an object) in it");
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *got = str_at(proof, want[i][0]);

		if (!got || strcmp(got, want[i][1]))
			return err_set(e, ERR_REFUSED,
				       "proof.%s is not \"%s\"", want[i][0],
				       want[i][1]);
	}
	json_object_foreach((json_t *)proof, key, v) {
		if (strcmp(key, "type") && strcmp(key, "cryptosuite") &&
		    strcmp(key, "proofPurpose") && strcmp(key, "created") &&
		    strcmp(key, "verificationMethod") &&
		    strcmp(key, "proofValue") && strcmp(key, "@context"))
			return err_set(e, ERR_REFUSED,
				       "proof has an unexpected key (only type, cryptosuite, created, verificationMethod, proofPurpose, proofValue, @context)");
	}
	if (!json_is_string(json_object_get(proof, "created")))
		return err_set(e, ERR_REFUSED, "proof.created is not a string");
	return 0;
}

int cred_check_proof(const json_t *doc, const struct sign_pub *issuers,
		     size_t n, struct err *e)
{
	const json_t *proof = json_object_get(doc, "proof");
	const char *did, *vm, *value, *hash;
	unsigned char pk[32], sig[64], data[64];
	json_t *options = NULL, *unsecured = NULL, *pctx;
	size_t i, dl;
	int rc = -1;

	if (proof_fields(proof, e) < 0)
		return -1;
	if (issuer_did(doc, &did) < 0 || cred_did_key_decode(did, pk) < 0)
		return err_set(e, ERR_REFUSED,
			       "issuer is not an Ed25519 did:key");
	vm = str_at(proof, "verificationMethod");
	dl = strlen(did);
	hash = vm ? strchr(vm, '#') : NULL;
	if (!hash || (size_t)(hash - vm) != dl || strncmp(vm, did, dl) ||
	    strcmp(hash + 1, did + strlen("did:key:")))
		return err_set(e, ERR_REFUSED,
			       "proof.verificationMethod is not the issuer's did:key#key");
	for (i = 0; i < n; i++)
		if (!memcmp(issuers[i].pk, pk, 32))
			break;
	if (i == n)
		return err_set(e, ERR_REFUSED,
			       "issued by %s, which is not a pinned issuer key (give the issuer's public key with -p)",
			       did);
	value = str_at(proof, "proofValue");
	if (!value || value[0] != 'z' ||
	    base58_decode(value + 1, strlen(value + 1), sig, sizeof sig) != 64)
		return err_set(e, ERR_REFUSED,
			       "proof.proofValue is not a base58btc Ed25519 signature ('z' and 64 bytes)");
	options = json_deep_copy(proof);
	unsecured = json_deep_copy(doc);
	if (!options || !unsecured) {
		err_set(e, ERR_HOST, "credential: out of memory");
		goto out;
	}
	json_object_del(options, "proofValue");
	json_object_del(unsecured, "proof");
	pctx = json_object_get(options, "@context");
	if (pctx) {
		if (!context_prefix(pctx, json_object_get(doc, "@context"))) {
			err_set(e, ERR_REFUSED,
				"the document's @context does not start with proof.@context");
			goto out;
		}
		json_object_set(unsecured, "@context", pctx);
	}
	if (verify_data(options, unsecured, data, e) < 0)
		goto out;
	if (!sign_ed25519_verify(pk, data, sizeof data, sig)) {
		err_set(e, ERR_REFUSED,
			"the proof's signature does not match the document: it was changed after signing");
		goto out;
	}
	rc = 0;
out:
	json_decref(options);
	json_decref(unsecured);
	return rc;
}

/* ---- holder identities ------------------------------------------------ */

/* OB 3.0's IdentifierTypeEnum. */
static const char *const identity_types[] = {
	"name", "sourcedId", "systemId", "productId", "userName", "accountId",
	"emailAddress", "nationalIdentityNumber", "isbn", "issn",
	"lisSourcedId", "oneRosterSourcedId", "sisSourcedId", "ltiContextId",
	"ltiDeploymentId", "ltiToolId", "ltiPlatformId", "ltiUserId",
	"identifier",
};

const char CRED_IDENTITY_TYPES[] =
	"name, sourcedId, systemId, productId, userName, accountId, "
	"emailAddress, nationalIdentityNumber, isbn, issn, lisSourcedId, "
	"oneRosterSourcedId, sisSourcedId, ltiContextId, ltiDeploymentId, "
	"ltiToolId, ltiPlatformId, ltiUserId, identifier";

int cred_identity_type_known(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof identity_types / sizeof identity_types[0]; i++)
		if (!strcmp(type, identity_types[i]))
			return 1;
	return 0;
}

#define IDENTIFIER_MAX 1024

static void identity_hash(const char *identifier, const char *salt,
			  char out[80])
{
	size_t a = strlen(identifier), b = strlen(salt);
	char *cat = malloc(a + b + 1);
	char hex[SIGN_SHA256_HEX];

	if (!cat) {
		out[0] = 0;
		return;
	}
	memcpy(cat, identifier, a);
	memcpy(cat + a, salt, b + 1);
	sha256_hex(cat, a + b, hex);
	free(cat);
	snprintf(out, 80, "sha256$%s", hex);
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int cred_identity_make_salted(const char *type, const char *identifier,
			      const char *salt, struct cred_identity *out,
			      struct err *e)
{
	const unsigned char *p;

	memset(out, 0, sizeof *out);
	if (!cred_identity_type_known(type))
		return err_set(e, ERR_USAGE,
			       "--identifier: unknown type '%.40s'; one of %s",
			       type, CRED_IDENTITY_TYPES);
	if (!identifier[0])
		return err_set(e, ERR_USAGE,
			       "--identifier: empty value; give TYPE:VALUE, e.g. emailAddress:alice@example.org");
	if (strlen(identifier) > IDENTIFIER_MAX)
		return err_set(e, ERR_USAGE,
			       "--identifier: value longer than %d bytes",
			       IDENTIFIER_MAX);
	for (p = (const unsigned char *)identifier; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, ERR_USAGE,
				       "--identifier: the value has a control character (byte %zu)",
				       (size_t)(p - (const unsigned char *)identifier) + 1);
	if (!is_hex(salt, 32))
		return err_set(e, ERR_BUG, "identity: salt is not 32 hex");
	snprintf(out->type, sizeof out->type, "%s", type);
	snprintf(out->salt, sizeof out->salt, "%s", salt);
	identity_hash(identifier, salt, out->hash);
	if (!out->hash[0])
		return err_set(e, ERR_HOST, "identity: out of memory");
	return 0;
}

int cred_identity_make(const char *type, const char *identifier,
		       struct cred_identity *out, struct err *e)
{
	unsigned char rnd[16];
	char salt[33];
	size_t i;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return err_sys(e, ERR_HOST, errno, "getrandom");
	for (i = 0; i < sizeof rnd; i++)
		snprintf(salt + 2 * i, 3, "%02x", rnd[i]);
	return cred_identity_make_salted(type, identifier, salt, out, e);
}

int cred_identity_parse(const char *arg, struct cred_identity *out,
			struct err *e)
{
	const char *colon = strchr(arg, ':');
	char type[32];

	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof type)
		return err_set(e, ERR_USAGE,
			       "--identifier: want TYPE:VALUE (e.g. emailAddress:alice@example.org), TYPE one of %s",
			       CRED_IDENTITY_TYPES);
	memcpy(type, arg, (size_t)(colon - arg));
	type[colon - arg] = 0;
	return cred_identity_make(type, colon + 1, out, e);
}

int cred_identity_matches(const struct cred_identity *id,
			  const char *identifier)
{
	char h[80];

	identity_hash(identifier, id->salt, h);
	return h[0] && !strcmp(h, id->hash);
}

int cred_identity_check(const struct cred_identity *id, const char *where,
			struct err *e)
{
	if (!cred_identity_type_known(id->type))
		return err_set(e, ERR_REFUSED,
			       "%s: unknown identity type; one of %s", where,
			       CRED_IDENTITY_TYPES);
	if (!is_hex(id->salt, 32))
		return err_set(e, ERR_REFUSED,
			       "%s: salt is not 32 lowercase hex digits", where);
	if (strncmp(id->hash, "sha256$", 7) || !is_hex(id->hash + 7, 64))
		return err_set(e, ERR_REFUSED,
			       "%s: hash is not \"sha256$\" and 64 lowercase hex digits",
			       where);
	return 0;
}

/* ---- reading ---------------------------------------------------------- */

void cred_release(struct cred *c)
{
	size_t i;

	if (!c)
		return;
	json_decref(c->doc);
	for (i = 0; i < c->ncompetencies; i++)
		free(c->competencies[i]);
	free(c->competencies);
	for (i = 0; i < c->nparts; i++)
		free(c->parts[i]);
	free(c->parts);
	free(c->ids);
	memset(c, 0, sizeof *c);
}

/* Copy the string at key of o into out (size), or refuse naming 'where'. */
static int get_str(const json_t *o, const char *key, const char *where,
		   char *out, size_t size, int optional, struct err *e)
{
	const json_t *v = json_object_get(o, key);
	size_t n;

	if (!v && optional) {
		out[0] = 0;
		return 0;
	}
	if (!json_is_string(v))
		return err_set(e, ERR_REFUSED, "%s.%s: %s", where, key,
			       v ? "not a string" : "missing");
	n = json_string_length(v);
	if (n >= size || strlen(json_string_value(v)) != n)
		return err_set(e, ERR_REFUSED,
			       "%s.%s: longer than %zu bytes or has a NUL",
			       where, key, size - 1);
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

/* An array of strings at key contains want. */
static int has_type(const json_t *o, const char *want)
{
	const json_t *t = json_object_get(o, "type");
	size_t i;

	if (json_is_string(t))
		return !strcmp(json_string_value(t), want);
	for (i = 0; i < json_array_size(t); i++)
		if (json_is_string(json_array_get(t, i)) &&
		    !strcmp(json_string_value(json_array_get(t, i)), want))
			return 1;
	return 0;
}

static int push_str(char ***v, size_t *n, const char *s, struct err *e)
{
	char **nv;

	if (*n >= CRED_MAX_LIST)
		return err_set(e, ERR_REFUSED, "more than %d entries",
			       CRED_MAX_LIST);
	nv = realloc(*v, (*n + 1) * sizeof **v);
	if (!nv)
		return err_set(e, ERR_HOST, "out of memory");
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return err_set(e, ERR_HOST, "out of memory");
	(*n)++;
	return 0;
}

static int read_identities(const json_t *subj, struct cred *c, struct err *e)
{
	const json_t *a = json_object_get(subj, "identifier"), *o;
	char where[64];
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > CRED_MAX_IDS)
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.identifier: not an array of at most %d",
			       CRED_MAX_IDS);
	c->ids = calloc(json_array_size(a) + 1, sizeof *c->ids);
	if (!c->ids)
		return err_set(e, ERR_HOST, "out of memory");
	json_array_foreach(a, i, o) {
		struct cred_identity *id = &c->ids[i];

		snprintf(where, sizeof where, "credentialSubject.identifier[%zu]", i);
		if (!has_type(o, "IdentityObject") ||
		    !json_is_true(json_object_get(o, "hashed")))
			return err_set(e, ERR_REFUSED,
				       "%s: not a hashed IdentityObject", where);
		if (get_str(o, "identityType", where, id->type, sizeof id->type, 0, e) < 0 ||
		    get_str(o, "salt", where, id->salt, sizeof id->salt, 0, e) < 0 ||
		    get_str(o, "identityHash", where, id->hash, sizeof id->hash, 0, e) < 0 ||
		    cred_identity_check(id, where, e) < 0)
			return -1;
		c->nids++;
	}
	return 0;
}

static int read_tags(const json_t *ach, struct cred *c, struct err *e)
{
	const json_t *a = json_object_get(ach, "tag"), *t;
	size_t i;

	if (!json_is_array(a))
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.achievement.tag: not an array");
	json_array_foreach(a, i, t) {
		const char *s = json_string_value(t);

		if (!s)
			return err_set(e, ERR_REFUSED,
				       "credentialSubject.achievement.tag[%zu]: not a string", i);
		if (!strncmp(s, "level:", 6)) {
			if (c->level[0] || strlen(s + 6) >= sizeof c->level)
				return err_set(e, ERR_REFUSED,
					       "credentialSubject.achievement.tag[%zu]: a second or overlong level", i);
			snprintf(c->level, sizeof c->level, "%s", s + 6);
		} else if (!strncmp(s, "competency:", 11) && s[11]) {
			if (push_str(&c->competencies, &c->ncompetencies, s + 11, e) < 0)
				return err_wrap(e, "credentialSubject.achievement.tag");
		}
	}
	if (!c->level[0])
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.achievement.tag: no level:<level>");
	return 0;
}

static int read_evidence(const json_t *doc, struct cred *c, struct err *e)
{
	const json_t *a = json_object_get(doc, "evidence"), *o;
	int scenario = !strcmp(c->kind, "scenario");
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > CRED_MAX_LIST)
		return err_set(e, ERR_REFUSED,
			       "evidence: not an array of at most %d", CRED_MAX_LIST);
	json_array_foreach(a, i, o) {
		const char *id = str_at(o, "id"), *genre = str_at(o, "genre");

		if (!id || !genre || !has_type(o, "Evidence"))
			return err_set(e, ERR_REFUSED,
				       "evidence[%zu]: not an Evidence with an id and a genre", i);
		if (!strcmp(genre, "replaces")) {
			if (c->replaces[0] || strlen(id) >= sizeof c->replaces ||
			    strncmp(id, CRED_ID_PREFIX, strlen(CRED_ID_PREFIX)))
				return err_set(e, ERR_REFUSED,
					       "evidence[%zu]: a second replaces, or not a credential id", i);
			snprintf(c->replaces, sizeof c->replaces, "%s", id);
		} else if (scenario && !strcmp(genre, "labrun evidence")) {
			static const char pre[] = "urn:labrun:contents:sha256:";

			if (c->contents[0] || strncmp(id, pre, sizeof pre - 1) ||
			    !is_hex(id + sizeof pre - 1, 64))
				return err_set(e, ERR_REFUSED,
					       "evidence[%zu]: a second labrun evidence, or not urn:labrun:contents:sha256:HEX", i);
			snprintf(c->contents, sizeof c->contents, "sha256:%s",
				 id + sizeof pre - 1);
		} else if (!scenario && (!strcmp(genre, "labrun evidence") ||
					 !strcmp(genre, "credential"))) {
			if (push_str(&c->parts, &c->nparts, id, e) < 0)
				return err_wrap(e, "evidence");
		}
	}
	if (scenario && !c->contents[0])
		return err_set(e, ERR_REFUSED,
			       "evidence: no labrun evidence entry (urn:labrun:contents:sha256:HEX)");
	return 0;
}

static int read_result(const json_t *subj, struct cred *c, struct err *e)
{
	const json_t *a = json_object_get(subj, "result"), *r;

	if (!json_is_array(a) || json_array_size(a) != 1)
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.result: not an array of one Result");
	r = json_array_get(a, 0);
	if (!has_type(r, "Result"))
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.result[0]: not a Result");
	return get_str(r, "value", "credentialSubject.result[0]", c->score,
		       sizeof c->score, 0, e);
}

int cred_jcs_id(const json_t *doc, char out[200], struct err *e)
{
	unsigned char h[32];
	char hex[65];
	json_t *copy;
	size_t i;

	copy = json_deep_copy(doc);
	if (!copy)
		return err_set(e, ERR_HOST, "out of memory");
	json_object_del(copy, "id");
	json_object_del(copy, "proof");
	if (hash_jcs(copy, "credential", h, e) < 0) {
		json_decref(copy);
		return -1;
	}
	json_decref(copy);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	snprintf(out, 200, "%s%s", CRED_ID_PREFIX, hex);
	return 0;
}

/* The id a document ought to have: the contents for a scenario, the
 * SHA-256 of JCS of the document without id and proof for a program. */
static int expected_id(const json_t *doc, const struct cred *c, char *out,
		       size_t size, struct err *e)
{
	char id[200];

	if (!strcmp(c->kind, "scenario")) {
		snprintf(out, size, "%s%s", CRED_ID_PREFIX, c->contents + 7);
		return 0;
	}
	if (cred_jcs_id(doc, id, e) < 0)
		return -1;
	snprintf(out, size, "%s", id);
	return 0;
}

json_t *cred_status_entries(const char *base_url, unsigned index)
{
	static const char *const purposes[] = {"revocation", "suspension"};
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < 2; i++) {
		char list[600], id[620], n[16];

		snprintf(list, sizeof list, "%s/status/%s.json", base_url, purposes[i]);
		snprintf(id, sizeof id, "%s#%u", list, index);
		snprintf(n, sizeof n, "%u", index);
		if (json_array_append_new(
			    a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "type",
					 "BitstringStatusListEntry", "statusPurpose",
					 purposes[i], "statusListIndex", n,
					 "statusListCredential", list))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* credentialStatus, when present: exactly the two entries labrun writes
 * (cred_status_entries) for one index and one base URL. */
static int read_status(const json_t *doc, struct cred *c, struct err *e)
{
	const json_t *cs = json_object_get(doc, "credentialStatus");
	const char *list = NULL, *suffix = "/status/revocation.json";
	char base[600];
	unsigned long idx;
	json_t *want;
	char *end;
	int same;

	if (!cs)
		return 0;
	if (json_is_array(cs) && json_array_size(cs) == 2)
		list = str_at(json_array_get(cs, 0), "statusListCredential");
	if (!list || strlen(list) >= 560 || strlen(list) <= strlen(suffix) ||
	    strcmp(list + strlen(list) - strlen(suffix), suffix) ||
	    !str_at(json_array_get(cs, 0), "statusListIndex"))
		return err_set(e, ERR_REFUSED,
			       "credentialStatus: not the two BitstringStatusListEntry objects labrun writes (revocation, suspension)");
	snprintf(base, sizeof base, "%.*s", (int)(strlen(list) - strlen(suffix)), list);
	errno = 0;
	idx = strtoul(str_at(json_array_get(cs, 0), "statusListIndex"), &end, 10);
	if (errno || *end || idx < 1 || idx > 0xffffffu)
		return err_set(e, ERR_REFUSED,
			       "credentialStatus: statusListIndex is not a number from 1");
	want = cred_status_entries(base, (unsigned)idx);
	same = want && json_equal(want, (json_t *)cs);
	json_decref(want);
	if (!same)
		return err_set(e, ERR_REFUSED,
			       "credentialStatus: not the two BitstringStatusListEntry objects labrun writes (revocation, suspension, one index)");
	c->status_index = (unsigned)idx;
	snprintf(c->status_revocation, sizeof c->status_revocation, "%s", list);
	snprintf(c->status_suspension, sizeof c->status_suspension,
		 "%.560s/status/suspension.json", base);
	return 0;
}

static int read_shape(const json_t *doc, struct cred *c, struct err *e)
{
	static const char *const keys[] = {
		"@context", "id", "type", "name", "description", "issuer",
		"validFrom", "validUntil", "credentialSubject", "evidence",
		"proof", "credentialStatus",
	};
	const json_t *ctx = json_object_get(doc, "@context"), *subj, *ach;
	const char *key, *atype;
	char pseud[200], want[200];
	json_t *v;
	size_t i;

	if (!json_is_object(doc))
		return err_set(e, ERR_REFUSED, "not a JSON object");
	json_object_foreach((json_t *)doc, key, v) {
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (!strcmp(key, keys[i]))
				break;
		if (i == sizeof keys / sizeof keys[0])
			return err_set(e, ERR_REFUSED,
				       "unexpected top-level key '%.60s'", key);
	}
	if (json_array_size(ctx) != 2 ||
	    !json_is_string(json_array_get(ctx, 0)) ||
	    !json_is_string(json_array_get(ctx, 1)) ||
	    strcmp(json_string_value(json_array_get(ctx, 0)), CRED_CONTEXT_VC) ||
	    strcmp(json_string_value(json_array_get(ctx, 1)), CRED_CONTEXT_OB))
		return err_set(e, ERR_REFUSED,
			       "@context: not [\"%s\", \"%s\"]", CRED_CONTEXT_VC,
			       CRED_CONTEXT_OB);
	if (!has_type(doc, "VerifiableCredential") ||
	    !has_type(doc, "OpenBadgeCredential"))
		return err_set(e, ERR_REFUSED,
			       "type: not VerifiableCredential and OpenBadgeCredential");
	if (get_str(doc, "id", "credential", c->id, sizeof c->id, 0, e) < 0 ||
	    get_str(json_object_get(doc, "issuer"), "id", "issuer", c->issuer,
		    sizeof c->issuer, 0, e) < 0 ||
	    get_str(doc, "validFrom", "credential", c->valid_from,
		    sizeof c->valid_from, 0, e) < 0 ||
	    get_str(doc, "validUntil", "credential", c->valid_until,
		    sizeof c->valid_until, 1, e) < 0)
		return -1;
	if (!time_rfc3339_shape(c->valid_from) ||
	    (c->valid_until[0] && !time_rfc3339_shape(c->valid_until)))
		return err_set(e, ERR_REFUSED,
			       "validFrom/validUntil: not YYYY-MM-DDTHH:MM:SSZ");
	subj = json_object_get(doc, "credentialSubject");
	ach = json_object_get(subj, "achievement");
	if (!json_is_object(subj) || !json_is_object(ach) ||
	    !has_type(subj, "AchievementSubject") || !has_type(ach, "Achievement"))
		return err_set(e, ERR_REFUSED,
			       "credentialSubject: not an AchievementSubject with an Achievement");
	if (get_str(subj, "id", "credentialSubject", pseud, sizeof pseud, 0, e) < 0)
		return -1;
	if (strncmp(pseud, CRED_SUBJECT_PREFIX, strlen(CRED_SUBJECT_PREFIX)) ||
	    strlen(pseud + strlen(CRED_SUBJECT_PREFIX)) >= sizeof c->subject ||
	    !pseud[strlen(CRED_SUBJECT_PREFIX)])
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.id: not %s<pseudonym>",
			       CRED_SUBJECT_PREFIX);
	memcpy(c->subject, pseud + strlen(CRED_SUBJECT_PREFIX),
	       strlen(pseud + strlen(CRED_SUBJECT_PREFIX)) + 1);
	if (get_str(ach, "id", "credentialSubject.achievement", c->achievement,
		    sizeof c->achievement, 0, e) < 0 ||
	    get_str(ach, "name", "credentialSubject.achievement",
		    c->achievement_name, sizeof c->achievement_name, 0, e) < 0 ||
	    get_str(ach, "version", "credentialSubject.achievement",
		    c->achievement_version, sizeof c->achievement_version, 0,
		    e) < 0)
		return -1;
	atype = str_at(ach, "achievementType");
	if (atype && !strcmp(atype, "Assessment") &&
	    !strncmp(c->achievement, "urn:labrun:scenario:", 20))
		snprintf(c->kind, sizeof c->kind, "scenario");
	else if (atype && !strcmp(atype, "Certification") &&
		 !strncmp(c->achievement, "urn:labrun:program:", 19))
		snprintf(c->kind, sizeof c->kind, "program");
	else
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.achievement: neither an Assessment urn:labrun:scenario: nor a Certification urn:labrun:program:");
	if (read_tags(ach, c, e) < 0 || read_identities(subj, c, e) < 0 ||
	    (!strcmp(c->kind, "scenario") && read_result(subj, c, e) < 0) ||
	    read_evidence(doc, c, e) < 0)
		return -1;
	if (read_status(doc, c, e) < 0 || expected_id(doc, c, want, sizeof want, e) < 0)
		return -1;
	if (strcmp(want, c->id))
		return err_set(e, ERR_REFUSED,
			       "id: is not %s, what its %s gives", want,
			       !strcmp(c->kind, "scenario") ? "evidence entry" : "contents");
	return 0;
}

int cred_read(const void *text, size_t len, const char *name,
	      const struct sign_pub *issuers, size_t nissuers, struct cred *out,
	      struct err *e)
{
	json_error_t je;

	memset(out, 0, sizeof *out);
	if (len > CRED_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "%s: over %d bytes", name,
			       CRED_MAX_BYTES);
	out->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!out->doc)
		return err_set(e, ERR_REFUSED, "%s: line %d: %s", name, je.line,
			       je.text);
	if (read_shape(out->doc, out, e) < 0 ||
	    cred_check_proof(out->doc, issuers, nissuers, e) < 0) {
		cred_release(out);
		return err_wrap(e, "%s", name);
	}
	return 0;
}

int cred_dump(const json_t *doc, struct buf *out, struct err *e)
{
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc;

	if (!s)
		return err_set(e, ERR_HOST, "credential: cannot serialise");
	rc = buf_puts(out, s, e) < 0 || buf_puts(out, "\n", e) < 0 ? -1 : 0;
	free(s);
	return rc;
}

/* ---- the credential of a passing evidence ----------------------------- */

static int is_sums_or_cred(const char *name)
{
	return !strcmp(name, SUMS) || !strcmp(name, SUMS_SIG) ||
	       !strcmp(name, CRED_MEMBER);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct tar_entry *const *)a)->name,
		      (*(const struct tar_entry *const *)b)->name);
}

int cred_contents_hex(const struct tar_list *members, char out[65],
		      struct err *e)
{
	const struct tar_entry **v;
	struct buf sums = BUF_INIT;
	char hex[SIGN_SHA256_HEX];
	size_t i, n = 0;
	int rc = -1;

	v = calloc(members->n + 1, sizeof *v);
	if (!v)
		return err_set(e, ERR_HOST, "credential: out of memory");
	for (i = 0; i < members->n; i++)
		if (!members->v[i].is_dir && !is_sums_or_cred(members->v[i].name))
			v[n++] = &members->v[i];
	qsort(v, n, sizeof *v, name_cmp);
	for (i = 0; i < n; i++) {
		sha256_hex(v[i]->data, v[i]->len, hex);
		if (buf_printf(&sums, e, "%s  %s\n", hex, v[i]->name) < 0)
			goto out;
	}
	sha256_hex(sums.data ? (void *)sums.data : (void *)"", sums.len, out);
	rc = 0;
out:
	buf_release(&sums);
	free(v);
	return rc;
}

/* Thousandths as a percent with one decimal: 750 -> "75.0". */
static void permille(json_int_t v, char out[24])
{
	snprintf(out, 24, "%s%lld.%lld", v < 0 ? "-" : "",
		 (long long)(v < 0 ? -v : v) / 10,
		 (long long)(v < 0 ? -v : v) % 10);
}

static void duration_text(json_int_t s, char out[64])
{
	if (s > 0 && s % 3600 == 0)
		snprintf(out, 64, "%lld hour%s", (long long)s / 3600,
			 s == 3600 ? "" : "s");
	else if (s > 0 && s % 60 == 0)
		snprintf(out, 64, "%lld minute%s", (long long)s / 60,
			 s == 60 ? "" : "s");
	else
		snprintf(out, 64, "%lld seconds", (long long)s);
}

/* What the credential reads from the manifest, each checked. */
struct facts {
	const char *id, *version, *title, *level, *pseudonym, *verdict;
	const char *issued, *valid_until, *replaces;
	const json_t *competencies, *identifier, *status;
	const json_t *review; /* produced_by.mode "review": the decision */
	json_int_t attempt, score, pass_mark, time_limit_s;
};

static int manifest_facts(const json_t *m, struct facts *f, struct err *e)
{
	const json_t *sc = json_object_get(m, "scenario");
	const json_t *cand = json_object_get(m, "candidate");
	const json_t *ses = json_object_get(m, "session");
	const json_t *v;
	size_t i;

	memset(f, 0, sizeof *f);
	f->id = str_at(sc, "id");
	f->version = str_at(sc, "version");
	f->title = str_at(sc, "title");
	f->level = str_at(sc, "level");
	f->competencies = json_object_get(sc, "competencies");
	f->pseudonym = str_at(cand, "pseudonym");
	f->identifier = json_object_get(cand, "identifier");
	f->verdict = str_at(m, "verdict");
	f->issued = str_at(m, "issued");
	f->valid_until = str_at(m, "valid_until");
	f->replaces = str_at(m, "replaces_credential");
	f->status = json_object_get(m, "credential_status");
	f->review = json_object_get(m, "review");
	if (!json_is_object(f->review))
		f->review = NULL;
	if (f->status && json_is_null(f->status))
		f->status = NULL;
	if (f->status &&
	    (!json_is_integer(json_object_get(f->status, "index")) ||
	     json_integer_value(json_object_get(f->status, "index")) < 1 ||
	     json_integer_value(json_object_get(f->status, "index")) > 0xffffff ||
	     !str_at(f->status, "base_url")))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: credential_status: not {\"index\": N, \"base_url\": URL}");
	if (!f->id || !f->version || !f->title || !f->level || !f->pseudonym ||
	    !f->verdict || !f->issued || !json_is_array(f->competencies) ||
	    !json_is_integer(json_object_get(m, "attempt")) ||
	    !json_is_integer(json_object_get(m, "score")) ||
	    !json_is_integer(json_object_get(m, "pass_mark")) ||
	    !json_is_integer(json_object_get(ses, "time_limit_s")))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: lacks what a credential states (scenario, candidate, attempt, score, pass_mark, session.time_limit_s, issued)");
	json_array_foreach(f->competencies, i, v)
		if (!json_is_string(v))
			return err_set(e, ERR_REFUSED,
				       "manifest.json: scenario.competencies[%zu] is not a string", i);
	if (strcmp(f->verdict, "pass"))
		return err_set(e, ERR_BUG,
			       "credential: the evidence did not pass");
	f->attempt = json_integer_value(json_object_get(m, "attempt"));
	f->score = json_integer_value(json_object_get(m, "score"));
	f->pass_mark = json_integer_value(json_object_get(m, "pass_mark"));
	f->time_limit_s = json_integer_value(json_object_get(ses, "time_limit_s"));
	return 0;
}

static json_t *build_identifier(const json_t *ident, struct err *e)
{
	struct cred_identity id;

	memset(&id, 0, sizeof id);
	if (!json_is_object(ident))
		return err_set(e, ERR_REFUSED,
			       "manifest.json: candidate.identifier is not an object"),
		       NULL;
	snprintf(id.type, sizeof id.type, "%s", str_at(ident, "type") ? str_at(ident, "type") : "");
	snprintf(id.salt, sizeof id.salt, "%s", str_at(ident, "salt") ? str_at(ident, "salt") : "");
	snprintf(id.hash, sizeof id.hash, "%s", str_at(ident, "hash") ? str_at(ident, "hash") : "");
	if (cred_identity_check(&id, "manifest.json: candidate.identifier", e) < 0)
		return NULL;
	return json_pack("[{s:s, s:s, s:b, s:s, s:s}]", "type", "IdentityObject",
			 "identityType", id.type, "hashed", 1, "salt", id.salt,
			 "identityHash", id.hash);
}

static json_t *build_achievement(const struct facts *f)
{
	char pm[24], limit[64], urn[300], lvl[300], desc[1024], crit[512];
	json_t *ach, *tags, *align, *c;
	size_t i, o;

	permille(f->pass_mark, pm);
	duration_text(f->time_limit_s, limit);
	o = (size_t)snprintf(desc, sizeof desc,
			     "labrun scenario %s %s, level %s: a hands-on exam in repairing a faulted agent platform",
			     f->id, f->version, f->level);
	json_array_foreach(f->competencies, i, c)
		if (o < sizeof desc)
			o += (size_t)snprintf(desc + o, sizeof desc - o, "%s%s",
					      i ? ", " : "; competencies ",
					      json_string_value(c));
	if (o < sizeof desc)
		snprintf(desc + o, sizeof desc - o, ".");
	snprintf(crit, sizeof crit,
		 "Pass the hands-on exam: repair the faulted system within %s and reach the pass mark %s%% of the grader's checks.",
		 limit, pm);
	tags = json_array();
	align = json_array();
	snprintf(lvl, sizeof lvl, "level:%s", f->level);
	json_array_append_new(tags, json_string(lvl));
	json_array_foreach(f->competencies, i, c) {
		char tag[300], url[300];
		const char *s = json_string_value(c);

		snprintf(tag, sizeof tag, "competency:%s", s);
		snprintf(url, sizeof url, "urn:labrun:competency:%s", s);
		json_array_append_new(tags, json_string(tag));
		json_array_append_new(
			align,
			json_pack("{s:[s], s:s, s:s, s:s, s:s, s:s}", "type",
				  "Alignment", "targetName", s, "targetType",
				  "ceasn:Competency", "targetFramework",
				  "labrun competencies", "targetCode", s,
				  "targetUrl", url));
	}
	snprintf(urn, sizeof urn, "urn:labrun:scenario:%s:%s", f->id, f->version);
	ach = json_pack(
		"{s:s, s:[s], s:s, s:s, s:s, s:{s:s}, s:s, s:o, s:o, "
		"s:[{s:s, s:[s], s:s, s:s, s:s}]}",
		"id", urn, "type", "Achievement", "achievementType", "Assessment",
		"name", f->title, "description", desc, "criteria", "narrative",
		crit, "version", f->version, "tag", tags, "alignment", align,
		"resultDescription", "id", "urn:labrun:result:score", "type",
		"ResultDescription", "name", "Score", "resultType", "Percent",
		"requiredValue", pm);
	return ach;
}

/* A verdict a reviewer decided (docs/registry.md "Human review and
 * appeals"): the credential says so, with what the grader had said, so
 * that nobody reads a pass on review as a pass by the grader.  The file
 * the review was of is named by its digest; verify has checked the
 * review's signatures before a credential is made or checked. */
static const char *str_or(const char *s)
{
	return s ? s : "?";
}

static int review_evidence(json_t *a, const json_t *r)
{
	const json_t *was = json_object_get(r, "reviewed");
	const char *digest = str_at(was, "digest");
	char id[200], name[400], score[24];

	if (!digest || !json_is_integer(json_object_get(was, "score")))
		return -1;
	permille(json_integer_value(json_object_get(was, "score")), score);
	snprintf(id, sizeof id, "urn:labrun:evidence:%s", digest);
	snprintf(name, sizeof name, "Decided on review: %s by reviewer key %s at %s (the grader's verdict was %s, %s%%)",
		 str_or(str_at(r, "decision")), str_or(str_at(json_object_get(r, "reviewer"), "key_id")),
		 str_or(str_at(r, "at")), str_or(str_at(was, "verdict")), score);
	return json_array_append_new(
		a, json_pack("{s:s, s:[s], s:s, s:s, s:s}", "id", id, "type", "Evidence",
			     "genre", "review", "name", name, "description",
			     str_or(str_at(r, "reason"))));
}

static json_t *build_evidence(const struct facts *f, const char *contents)
{
	char id[200], name[600], score[24];
	json_t *a;

	permille(f->score, score);
	snprintf(id, sizeof id, "urn:labrun:contents:sha256:%s", contents);
	snprintf(name, sizeof name, "%s %s, attempt %lld, %s %s%%", f->id,
		 f->version, (long long)f->attempt, f->verdict, score);
	a = json_pack("[{s:s, s:[s], s:s, s:s, s:s}]", "id", id, "type",
		      "Evidence", "genre", "labrun evidence", "name", name,
		      "description",
		      "The signed labrun evidence file of this attempt: the hex is the SHA-256 of its SHA256SUMS without the credential.json line.");
	if (a && f->replaces) {
		snprintf(name, sizeof name, "Replaces %s", f->replaces);
		json_array_append_new(
			a, json_pack("{s:s, s:[s], s:s, s:s, s:s}", "id",
				     f->replaces, "type", "Evidence", "genre",
				     "replaces", "name", name, "description",
				     "This credential takes the place of the one named: it renews or regrades the same holder's attempt at this scenario."));
	}
	if (a && f->review && review_evidence(a, f->review) < 0) {
		json_decref(a);
		a = NULL;
	}
	return a;
}

int cred_build_for_evidence(const struct tar_list *members,
			    const struct sign_pub *issuer, json_t **out,
			    struct err *e)
{
	const struct tar_entry *me = tar_list_find(members, "manifest.json");
	char contents[65], did[CRED_DID_MAX], keyid[17], iname[64];
	char id[200], subject[200], score[24];
	json_t *m = NULL, *doc = NULL, *ident = NULL, *ach, *ev;
	struct facts f;
	int rc = -1;

	*out = NULL;
	if (!me)
		return err_set(e, ERR_REFUSED, "credential: no manifest.json");
	m = json_loadb((const char *)me->data, me->len, JSON_REJECT_DUPLICATES, NULL);
	if (!m) {
		err_set(e, ERR_REFUSED, "manifest.json: not JSON");
		goto out;
	}
	if (manifest_facts(m, &f, e) < 0 ||
	    cred_contents_hex(members, contents, e) < 0)
		goto out;
	if (f.replaces && (strncmp(f.replaces, CRED_ID_PREFIX, strlen(CRED_ID_PREFIX)) ||
			   !is_hex(f.replaces + strlen(CRED_ID_PREFIX), 64))) {
		err_set(e, ERR_REFUSED,
			"manifest.json: replaces_credential is not %sHEX",
			CRED_ID_PREFIX);
		goto out;
	}
	if (f.identifier && !json_is_null(f.identifier) &&
	    !(ident = build_identifier(f.identifier, e)))
		goto out;
	cred_did_key(issuer->pk, did);
	sign_keyid_hex(issuer, keyid);
	snprintf(iname, sizeof iname, "labrun issuer %s", keyid);
	snprintf(id, sizeof id, "%s%s", CRED_ID_PREFIX, contents);
	snprintf(subject, sizeof subject, "%s%s", CRED_SUBJECT_PREFIX, f.pseudonym);
	permille(f.score, score);
	ach = build_achievement(&f);
	ev = build_evidence(&f, contents);
	doc = json_pack(
		"{s:[s,s], s:s, s:[s,s], s:s, s:{s:s, s:[s], s:s}, s:s, "
		"s:{s:s, s:[s], s:o, s:[{s:[s], s:s, s:s, s:s}]}, s:o}",
		"@context", CRED_CONTEXT_VC, CRED_CONTEXT_OB, "id", id, "type",
		"VerifiableCredential", "OpenBadgeCredential", "name", f.title,
		"issuer", "id", did, "type", "Profile", "name", iname,
		"validFrom", f.issued, "credentialSubject", "id", subject, "type",
		"AchievementSubject", "achievement", ach, "result", "type",
		"Result", "resultDescription", "urn:labrun:result:score", "value",
		score, "status", "Completed", "evidence", ev);
	if (!doc || !ach || !ev) {
		err_set(e, ERR_HOST, "credential: out of memory");
		goto out;
	}
	if ((f.valid_until &&
	     json_object_set_new(doc, "validUntil", json_string(f.valid_until))) ||
	    (f.status &&
	     json_object_set_new(doc, "credentialStatus",
				 cred_status_entries(str_at(f.status, "base_url"),
						     (unsigned)json_integer_value(json_object_get(f.status, "index"))))) ||
	    (ident && json_object_set(json_object_get(doc, "credentialSubject"),
				      "identifier", ident))) {
		err_set(e, ERR_HOST, "credential: out of memory");
		goto out;
	}
	*out = doc;
	doc = NULL;
	rc = 0;
out:
	json_decref(m);
	json_decref(doc);
	json_decref(ident);
	return rc;
}

int cred_for_evidence(const struct tar_list *members,
		      const struct sign_sec *sk, struct buf *out,
		      struct err *e)
{
	struct sign_pub pub;
	json_t *doc;
	int rc;

	sign_sec_pub(sk, &pub);
	if (cred_build_for_evidence(members, &pub, &doc, e) < 0)
		return -1;
	rc = cred_sign(doc, sk, json_string_value(json_object_get(doc, "validFrom")), e) < 0 ||
			     cred_dump(doc, out, e) < 0
		     ? -1
		     : 0;
	json_decref(doc);
	return rc;
}

int cred_check_evidence(const struct tar_list *members, const void *text,
			size_t len, const struct sign_pub *issuer,
			struct err *e)
{
	struct buf again = BUF_INIT;
	json_t *want = NULL, *got = NULL, *proof;
	const char *created;
	int rc = -1;

	if (len > CRED_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "%s: over %d bytes", CRED_MEMBER,
			       CRED_MAX_BYTES);
	got = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(got)) {
		err_set(e, ERR_REFUSED, "%s: not a JSON object", CRED_MEMBER);
		goto out;
	}
	if (cred_build_for_evidence(members, issuer, &want, e) < 0)
		goto out;
	proof = json_object_get(got, "proof");
	created = str_at(proof, "created");
	if (!created ||
	    strcmp(created, json_string_value(json_object_get(want, "validFrom")))) {
		err_set(e, ERR_REFUSED,
			"%s: proof.created is not the manifest's issued time",
			CRED_MEMBER);
		goto out;
	}
	json_object_set(want, "proof", proof);
	if (!json_equal(want, got)) {
		err_set(e, ERR_REFUSED,
			"%s: does not state what the other members say (subject, achievement, score, validity, identifier or binding changed)",
			CRED_MEMBER);
		goto out;
	}
	if (cred_check_proof(got, issuer, 1, e) < 0) {
		err_wrap(e, "%s", CRED_MEMBER);
		goto out;
	}
	if (cred_dump(got, &again, e) < 0)
		goto out;
	if (again.len != len || memcmp(again.data, text, len)) {
		err_set(e, ERR_REFUSED,
			"%s: not laid out as labrun writes it (keys sorted, two-space indentation); the file was modified after signing",
			CRED_MEMBER);
		goto out;
	}
	rc = 0;
out:
	buf_release(&again);
	json_decref(want);
	json_decref(got);
	return rc;
}
