/* status_list: Bitstring Status List credentials (status_list.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zlib.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/credential.h"
#include "runner/sign.h"
#include "runner/status_list.h"

/* ---- base64 ------------------------------------------------------------ */

static const char B64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64URL[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sl_base64_encode(const unsigned char *in, size_t len, int url,
		     struct buf *out, struct err *e)
{
	const char *al = url ? B64URL : B64;
	char q[4];
	size_t i;

	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		size_t n = len - i < 3 ? len - i : 3, k;

		if (n > 1)
			v |= (unsigned)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		q[0] = al[(v >> 18) & 63];
		q[1] = al[(v >> 12) & 63];
		q[2] = n > 1 ? al[(v >> 6) & 63] : '=';
		q[3] = n > 2 ? al[v & 63] : '=';
		k = 4;
		if (url)
			k = n + 1;
		if (buf_append(out, q, k, e) < 0)
			return -1;
	}
	return 0;
}

static int b64_value(char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

int sl_base64_decode(const char *s, size_t len, int url, size_t max,
		     struct buf *out, const char *what, struct err *e)
{
	size_t i, n = len, pad = 0, rem;
	unsigned char b[3];

	if (!url) {
		if (len % 4)
			return err_set(e, ERR_REFUSED,
				       "%s: not base64 (length not a multiple of 4)", what);
		while (n && s[n - 1] == '=' && pad < 2) {
			n--;
			pad++;
		}
	}
	rem = n % 4;
	if (rem == 1 || (!url && pad != (rem ? 4 - rem : 0)))
		return err_set(e, ERR_REFUSED, "%s: not base64 (bad length)", what);
	if (n / 4 * 3 + (rem ? rem - 1 : 0) > max)
		return err_set(e, ERR_REFUSED, "%s: over %zu bytes decoded", what, max);
	for (i = 0; i < n; i += 4) {
		size_t k = n - i < 4 ? n - i : 4, j;
		unsigned v = 0;

		for (j = 0; j < 4; j++) {
			int d = j < k ? b64_value(s[i + j], url) : 0;

			if (d < 0)
				return err_set(e, ERR_REFUSED,
					       "%s: not base64%s (character at %zu)",
					       what, url ? "url" : "", i + j);
			v = v << 6 | (unsigned)d;
		}
		b[0] = (unsigned char)(v >> 16);
		b[1] = (unsigned char)(v >> 8);
		b[2] = (unsigned char)v;
		/* canonical: the bits past the last byte are zero */
		if ((k == 2 && (v & 0xffff)) || (k == 3 && (v & 0xff)))
			return err_set(e, ERR_REFUSED,
				       "%s: not canonical base64 (stray bits at the end)", what);
		if (buf_append(out, b, k - 1, e) < 0)
			return -1;
	}
	return 0;
}

/* ---- bits and gzip ------------------------------------------------------ */

void sl_bit_set(unsigned char *bits, unsigned index)
{
	bits[index / 8] |= (unsigned char)(0x80u >> (index % 8));
}

int sl_bit_get(const unsigned char *bits, size_t nbytes, unsigned index)
{
	if ((size_t)index / 8 >= nbytes)
		return -1;
	return !!(bits[index / 8] & (0x80u >> (index % 8)));
}

int sl_encode_list(const unsigned char *bits, size_t nbytes, struct buf *out,
		   struct err *e)
{
	z_stream z;
	unsigned char *gz;
	uLong cap = compressBound((uLong)nbytes) + 64;
	int rc;

	memset(&z, 0, sizeof z);
	gz = malloc(cap);
	if (!gz)
		return err_set(e, ERR_HOST, "status list: out of memory");
	/* windowBits 15 + 16: a gzip wrapper; mtime 0 and no name, so the
	 * same bits always give the same bytes */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(gz);
		return err_set(e, ERR_HOST, "status list: zlib deflateInit2 failed");
	}
	z.next_in = (unsigned char *)bits;
	z.avail_in = (uInt)nbytes;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		deflateEnd(&z);
		free(gz);
		return err_set(e, ERR_HOST, "status list: zlib deflate failed (%d)", rc);
	}
	rc = buf_puts(out, "u", e) < 0 ||
	     sl_base64_encode(gz, z.total_out, 1, out, e) < 0 ? -1 : 0;
	deflateEnd(&z);
	free(gz);
	return rc;
}

int sl_decode_list(const char *encoded, unsigned char **bits, size_t *nbytes,
		   struct err *e)
{
	struct buf gz = BUF_INIT;
	unsigned char *list;
	z_stream z;
	int rc;

	*bits = NULL;
	*nbytes = 0;
	if (encoded[0] != 'u')
		return err_set(e, ERR_REFUSED,
			       "encodedList: not multibase base64url (it must start with 'u')");
	if (sl_base64_decode(encoded + 1, strlen(encoded + 1), 1, SL_MAX_LIST_BYTES,
			     &gz, "encodedList", e) < 0)
		return -1;
	list = malloc(SL_MAX_LIST_BYTES + 1);
	if (!list) {
		buf_release(&gz);
		return err_set(e, ERR_HOST, "status list: out of memory");
	}
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		free(list);
		buf_release(&gz);
		return err_set(e, ERR_HOST, "status list: zlib inflateInit2 failed");
	}
	z.next_in = gz.data;
	z.avail_in = (uInt)gz.len;
	z.next_out = list;
	z.avail_out = SL_MAX_LIST_BYTES + 1;
	rc = inflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END || z.avail_in) {
		err_set(e, ERR_REFUSED, "encodedList: %s",
			z.total_out > SL_MAX_LIST_BYTES
				? "decompresses to more than the bound of 1 MiB"
			: rc == Z_STREAM_END ? "bytes after the gzip stream"
					     : "not a whole GZIP stream");
		inflateEnd(&z);
		free(list);
		buf_release(&gz);
		return -1;
	}
	*nbytes = z.total_out;
	inflateEnd(&z);
	buf_release(&gz);
	if (!*nbytes) {
		free(list);
		return err_set(e, ERR_REFUSED, "encodedList: an empty list");
	}
	*bits = list;
	return 0;
}

int sl_time_shape(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (!s || strlen(s) != SL_TIME_LEN)
		return 0;
	for (i = 0; i < SL_TIME_LEN; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	return 1;
}

/* ---- the credential ----------------------------------------------------- */

static int purpose_known(const char *p)
{
	return p && (!strcmp(p, "revocation") || !strcmp(p, "suspension"));
}

int sl_credential(const char *base_url, const char *purpose,
		  const unsigned char *bits, size_t nbytes,
		  const struct sign_sec *sk, const char *now, struct buf *out,
		  struct err *e)
{
	struct buf enc = BUF_INIT;
	struct sign_pub pub;
	char id[600], subj[620], did[CRED_DID_MAX];
	json_t *doc;
	int rc = -1;

	if (!purpose_known(purpose))
		return err_set(e, ERR_BUG, "status list: purpose '%s'", purpose);
	sign_sec_pub(sk, &pub);
	cred_did_key(pub.pk, did);
	snprintf(id, sizeof id, "%s/status/%s.json", base_url, purpose);
	snprintf(subj, sizeof subj, "%s#list", id);
	if (sl_encode_list(bits, nbytes, &enc, e) < 0)
		return -1;
	doc = json_pack("{s:[s], s:s, s:[s,s], s:s, s:s, "
			"s:{s:s, s:s, s:s, s:s}}",
			"@context", CRED_CONTEXT_VC, "id", id, "type",
			"VerifiableCredential", "BitstringStatusListCredential",
			"issuer", did, "validFrom", now, "credentialSubject",
			"id", subj, "type", "BitstringStatusList",
			"statusPurpose", purpose, "encodedList",
			(const char *)enc.data);
	if (!doc) {
		err_set(e, ERR_HOST, "status list: out of memory");
		goto out;
	}
	if (cred_sign(doc, sk, now, e) < 0 || cred_dump(doc, out, e) < 0)
		goto out;
	rc = 0;
out:
	json_decref(doc);
	buf_release(&enc);
	return rc;
}

/* ---- trusted keys ------------------------------------------------------- */

void trust_keys_release(struct trust_keys *k)
{
	free(k->v);
	memset(k, 0, sizeof *k);
}

static struct trust_key *trust_keys_push(struct trust_keys *k, struct err *e)
{
	struct trust_key *v;

	if (k->n >= SL_MAX_KEYS)
		return err_set(e, ERR_REFUSED, "more than %d issuer keys", SL_MAX_KEYS),
		       NULL;
	v = realloc(k->v, (k->n + 1) * sizeof *v);
	if (!v)
		return err_set(e, ERR_HOST, "keys: out of memory"), NULL;
	k->v = v;
	memset(&v[k->n], 0, sizeof v[k->n]);
	return &v[k->n++];
}

int trust_keys_add_pub(struct trust_keys *k, const struct sign_pub *pub,
		       struct err *e)
{
	struct trust_key *t = trust_keys_push(k, e);

	if (!t)
		return -1;
	memcpy(t->pk, pub->pk, 32);
	sign_keyid_hex(pub, t->keyid);
	cred_did_key(pub->pk, t->did_key);
	snprintf(t->source, sizeof t->source, "%s", pub->source);
	return 0;
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* An optional time of a verificationMethod. */
static int vm_time(const json_t *vm, const char *key, char out[24],
		   const char *name, size_t i, struct err *e)
{
	const json_t *v = json_object_get(vm, key);

	out[0] = 0;
	if (!v)
		return 0;
	if (!sl_time_shape(json_string_value(v)))
		return err_set(e, ERR_REFUSED,
			       "%s: verificationMethod[%zu].%s: not YYYY-MM-DDTHH:MM:SSZ",
			       name, i, key);
	snprintf(out, 24, "%s", json_string_value(v));
	return 0;
}

static int identity_method(const json_t *vm, const char *did, size_t i,
			   const char *name, struct trust_keys *out,
			   struct err *e)
{
	const char *id = sget(vm, "id"), *mb = sget(vm, "publicKeyMultibase");
	const char *hash = id ? strrchr(id, '#') : NULL;
	char dk[CRED_DID_MAX + 8];
	struct trust_key *t;
	size_t j;

	if (!json_is_object(vm) || !sget(vm, "type") ||
	    strcmp(sget(vm, "type"), "Multikey") || !mb || !hash ||
	    (size_t)(hash - id) != strlen(did) || strncmp(id, did, strlen(did)) ||
	    !sget(vm, "controller") || strcmp(sget(vm, "controller"), did))
		return err_set(e, ERR_REFUSED,
			       "%s: verificationMethod[%zu]: not a Multikey {id: \"%s#KEYID\", controller, publicKeyMultibase}",
			       name, i, did);
	if (!(t = trust_keys_push(out, e)))
		return -1;
	snprintf(dk, sizeof dk, "did:key:%s", mb);
	if (strlen(dk) >= CRED_DID_MAX || cred_did_key_decode(dk, t->pk) < 0)
		return err_set(e, ERR_REFUSED,
			       "%s: verificationMethod[%zu].publicKeyMultibase: not an Ed25519 key (z6Mk...)",
			       name, i);
	snprintf(t->did_key, sizeof t->did_key, "%s", dk);
	if (strlen(hash + 1) != 16)
		return err_set(e, ERR_REFUSED,
			       "%s: verificationMethod[%zu].id: the fragment is not a 16-hex key id",
			       name, i);
	for (j = 0; j < 16; j++) {
		char c = hash[1 + j];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
			return err_set(e, ERR_REFUSED,
				       "%s: verificationMethod[%zu].id: the fragment is not a 16-hex key id (uppercase)",
				       name, i);
	}
	memcpy(t->keyid, hash + 1, 17);
	snprintf(t->source, sizeof t->source, "%s", name);
	return vm_time(vm, "created", t->from, name, i, e) < 0 ||
			       vm_time(vm, "expires", t->until, name, i, e) < 0 ||
			       vm_time(vm, "revoked", t->compromised_from, name, i, e) < 0
		       ? -1
		       : 0;
}

int trust_keys_identity(const void *text, size_t len, const char *name,
			struct trust_keys *out, struct err *e)
{
	json_error_t je;
	json_t *doc, *vms, *vm;
	const char *did;
	size_t i;
	int rc = -1;

	if (len > SL_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "%s: over %u bytes", name, SL_MAX_BYTES);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return err_set(e, ERR_REFUSED, "%s: line %d: %s", name, je.line, je.text);
	did = sget(doc, "id");
	vms = json_object_get(doc, "verificationMethod");
	if (!json_is_object(doc) || !did || strncmp(did, "did:web:", 8) ||
	    strlen(did) >= sizeof out->did) {
		err_set(e, ERR_REFUSED,
			"%s: not a DID document (its id is not a did:web); give the did.json the registry publishes",
			name);
		goto out;
	}
	if (!json_is_array(vms) || !json_array_size(vms)) {
		err_set(e, ERR_REFUSED, "%s: no verificationMethod", name);
		goto out;
	}
	snprintf(out->did, sizeof out->did, "%s", did);
	json_array_foreach(vms, i, vm)
		if (identity_method(vm, did, i, name, out, e) < 0)
			goto out;
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

int trust_keys_check_time(const struct trust_keys *k, const char *did_key,
			  const char *created, const struct trust_key **who,
			  struct err *e)
{
	const struct trust_key *t = NULL;
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].did_key, did_key)) {
			t = &k->v[i];
			break;
		}
	if (!t)
		return err_set(e, ERR_REFUSED,
			       "signed by %s, which is not an issuer key given (-p or --identity)",
			       did_key);
	if (who)
		*who = t;
	if (t->compromised_from[0] &&
	    (!sl_time_shape(created) || strcmp(created, t->compromised_from) >= 0))
		return err_set(e, ERR_REFUSED,
			       "signed at %s by key %s, which is compromised from %s (%s): not trusted",
			       created, t->keyid, t->compromised_from, t->source);
	if (t->until[0] && (!sl_time_shape(created) || strcmp(created, t->until) > 0))
		return err_set(e, ERR_REFUSED,
			       "signed at %s by key %s, which was retired at %s (%s)",
			       created, t->keyid, t->until, t->source);
	return 0;
}

int trust_keys_pubs(const struct trust_keys *k, struct sign_pub **out,
		    struct err *e)
{
	unsigned char id[SIGN_KEYID_BYTES];
	size_t i, j;

	*out = calloc(k->n ? k->n : 1, sizeof **out);
	if (!*out)
		return err_set(e, ERR_HOST, "keys: out of memory");
	for (i = 0; i < k->n; i++) {
		memcpy((*out)[i].pk, k->v[i].pk, 32);
		/* stored little-endian, written (as minisign prints it) the
		 * other way round */
		if (hex_decode(k->v[i].keyid, id, sizeof id) == (int)sizeof id)
			for (j = 0; j < sizeof id; j++)
				(*out)[i].keyid[j] = id[sizeof id - 1 - j];
		snprintf((*out)[i].source, sizeof (*out)[i].source, "%s", k->v[i].source);
	}
	return 0;
}

/* ---- reading a list back ------------------------------------------------ */

static int has_type(const json_t *o, const char *want)
{
	const json_t *t = json_object_get(o, "type"), *v;
	size_t i;

	if (json_is_string(t))
		return !strcmp(json_string_value(t), want);
	json_array_foreach(t, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), want))
			return 1;
	return 0;
}

static int list_shape(const json_t *doc, struct status_list *l, struct err *e)
{
	const json_t *ctx = json_object_get(doc, "@context");
	const json_t *subj = json_object_get(doc, "credentialSubject");
	const json_t *iss = json_object_get(doc, "issuer");
	const char *id = sget(doc, "id"), *vf = sget(doc, "validFrom");
	const char *purpose = sget(subj, "statusPurpose"), *did;

	if (!json_is_object(doc))
		return err_set(e, ERR_REFUSED, "not a JSON object");
	if (!json_is_array(ctx) || !json_is_string(json_array_get(ctx, 0)) ||
	    strcmp(json_string_value(json_array_get(ctx, 0)), CRED_CONTEXT_VC))
		return err_set(e, ERR_REFUSED, "@context: does not start with %s",
			       CRED_CONTEXT_VC);
	if (!has_type(doc, "VerifiableCredential") ||
	    !has_type(doc, "BitstringStatusListCredential"))
		return err_set(e, ERR_REFUSED,
			       "type: not VerifiableCredential and BitstringStatusListCredential");
	if (!id || strlen(id) >= sizeof l->id)
		return err_set(e, ERR_REFUSED, "id: missing or over %zu bytes",
			       sizeof l->id - 1);
	if (!sl_time_shape(vf))
		return err_set(e, ERR_REFUSED, "validFrom: not YYYY-MM-DDTHH:MM:SSZ");
	did = json_is_string(iss) ? json_string_value(iss) : sget(iss, "id");
	if (!did || strlen(did) >= sizeof l->issuer)
		return err_set(e, ERR_REFUSED, "issuer: not a did:key");
	if (!json_is_object(subj) || !has_type(subj, "BitstringStatusList"))
		return err_set(e, ERR_REFUSED,
			       "credentialSubject: not a BitstringStatusList");
	if (!purpose_known(purpose))
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.statusPurpose: not revocation or suspension");
	if (!sget(subj, "encodedList"))
		return err_set(e, ERR_REFUSED,
			       "credentialSubject.encodedList: missing");
	snprintf(l->id, sizeof l->id, "%s", id);
	snprintf(l->purpose, sizeof l->purpose, "%s", purpose);
	snprintf(l->valid_from, sizeof l->valid_from, "%s", vf);
	snprintf(l->issuer, sizeof l->issuer, "%s", did);
	return 0;
}

int status_list_read(const void *text, size_t len, const char *name,
		     const struct trust_keys *keys, struct status_list **out,
		     struct err *e)
{
	struct status_list *l = NULL;
	struct sign_pub *pubs = NULL;
	const json_t *proof;
	json_error_t je;
	json_t *doc;
	int rc = -1;

	*out = NULL;
	if (len > SL_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "%s: over %u bytes", name, SL_MAX_BYTES);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return err_set(e, ERR_REFUSED, "%s: line %d: %s", name, je.line, je.text);
	l = calloc(1, sizeof *l);
	if (!l) {
		err_set(e, ERR_HOST, "status list: out of memory");
		goto out;
	}
	if (list_shape(doc, l, e) < 0 || trust_keys_pubs(keys, &pubs, e) < 0 ||
	    cred_check_proof(doc, pubs, keys->n, e) < 0)
		goto wrap;
	proof = json_object_get(doc, "proof");
	if (!sl_time_shape(sget(proof, "created"))) {
		err_set(e, ERR_REFUSED, "proof.created: not YYYY-MM-DDTHH:MM:SSZ");
		goto wrap;
	}
	if (trust_keys_check_time(keys, l->issuer, l->valid_from, NULL, e) < 0 ||
	    trust_keys_check_time(keys, l->issuer, sget(proof, "created"), NULL, e) < 0 ||
	    sl_decode_list(sget(json_object_get(doc, "credentialSubject"), "encodedList"),
			   &l->bits, &l->nbytes, e) < 0)
		goto wrap;
	*out = l;
	l = NULL;
	rc = 0;
	goto out;
wrap:
	err_wrap(e, "%s", name);
out:
	free(pubs);
	status_list_free(l);
	json_decref(doc);
	return rc;
}

int status_list_bit(const struct status_list *l, unsigned index)
{
	return sl_bit_get(l->bits, l->nbytes, index);
}

void status_list_free(struct status_list *l)
{
	if (!l)
		return;
	free(l->bits);
	free(l);
}

int status_lists_check(struct status_list *const *lists, size_t n,
		       const char *revocation_url, const char *suspension_url,
		       unsigned index, char *note, size_t size)
{
	const char *urls[2] = {revocation_url, suspension_url};
	const char *said[2] = {"revoked", "suspended"};
	const char *missing = NULL;
	char when[2][24] = {"", ""};
	size_t i, k;

	for (k = 0; k < 2; k++) {
		const struct status_list *l = NULL;
		int bit;

		for (i = 0; i < n; i++)
			if (!strcmp(lists[i]->id, urls[k]))
				l = lists[i];
		if (!l) {
			if (!missing)
				missing = urls[k];
			continue;
		}
		bit = status_list_bit(l, index);
		if (bit < 0) {
			snprintf(note, size,
				 "status: index %u is beyond the %zu entries of status list %s",
				 index, l->nbytes * 8, urls[k]);
			return -1;
		}
		if (bit) {
			snprintf(note, size, "status: %s (status list %s, index %u, as of %s)",
				 said[k], urls[k], index, l->valid_from);
			return -1;
		}
		snprintf(when[k], sizeof when[k], "%s", l->valid_from);
	}
	if (missing) {
		snprintf(note, size,
			 "status: not checked: no --status list %s was given (index %u)%s",
			 missing, index,
			 when[0][0] || when[1][0] ? "; the other list is clear" : "");
		return 1;
	}
	snprintf(note, size,
		 "status: not revoked, not suspended (index %u; lists as of %s and %s)",
		 index, when[0], when[1]);
	return 0;
}
