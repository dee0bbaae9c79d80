/* fuzz_credential: cred_read (runner/credential.c) on arbitrary bytes,
 * against a pinned issuer key: the key that signed the seed corpus
 * (tests/fuzz/corpus/credential/), so mutations reach past the proof's
 * checks into the signature and, for an intact one, the reader fills a
 * struct cred whose invariants are checked here.  Also: did:key decoding
 * of the input as a string, and JCS of whatever JSON it parses to. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/credential.h"
#include "runner/jcs.h"
#include "runner/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char pinned_pub[] =
	"untrusted comment: labrun public key 94B143403226FEF7\n"
	"RWT3/iYyQEOxlF78mNEKADBMzRVoTSt0fx15yWwzsPEC9RYVgYar/0Nj\n";

static void check_cred(const struct cred *c)
{
	size_t i;

	if (!c->doc || strncmp(c->id, CRED_ID_PREFIX, strlen(CRED_ID_PREFIX)) ||
	    strncmp(c->issuer, "did:key:z", 9) || !c->subject[0] ||
	    !c->level[0] || !c->valid_from[0])
		abort();
	if (strcmp(c->kind, "scenario") && strcmp(c->kind, "program"))
		abort();
	if (!strcmp(c->kind, "scenario") &&
	    (strncmp(c->contents, "sha256:", 7) || !c->score[0] || c->nparts))
		abort();
	for (i = 0; i < c->ncompetencies; i++)
		if (!c->competencies[i])
			abort();
	for (i = 0; i < c->nids; i++)
		if (strncmp(c->ids[i].hash, "sha256$", 7) ||
		    strlen(c->ids[i].salt) != 32)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_pub pub;
	struct cred c;
	struct err e;
	unsigned char pk[32];
	char did[CRED_DID_MAX];

	if (sign_pub_parse(pinned_pub, strlen(pinned_pub), "pinned", &pub, &e) < 0)
		abort();
	if (cred_read(data, size, "fuzz.json", &pub, 1, &c, &e) == 0) {
		check_cred(&c);
		cred_release(&c);
	} else if (e.kind != ERR_REFUSED) {
		abort();
	}
	if (size < CRED_DID_MAX) {
		char s[CRED_DID_MAX];

		memcpy(s, data, size);
		s[size] = 0;
		if (cred_did_key_decode(s, pk) == 0 &&
		    (cred_did_key(pk, did) < 0 || strcmp(did, s)))
			abort();
	}
	{
		json_t *v = json_loadb((const char *)data, size,
				       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
				       NULL);
		struct buf b = BUF_INIT;

		if (v && jcs_write(v, "fuzz", &b, &e) < 0 && e.kind != ERR_REFUSED)
			abort();
		buf_release(&b);
		json_decref(v);
	}
	return 0;
}
