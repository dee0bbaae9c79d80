/* fuzz_status_list: status_list_read (runner/status_list.c) on arbitrary
 * bytes, against a pinned issuer key: the key that signed the seed corpus
 * (tests/fuzz/corpus/status_list/: a registry's revocation and suspension
 * lists and its did.json), so mutations reach past the shape checks into
 * the proof and, for an intact proof, the GZIP and base64url decoding of
 * the list, whose invariants are checked here.  Also: the same bytes as an
 * identity document (trust_keys_identity), and as base64 and base64url,
 * whose decoding must be canonical (encoding it again gives the input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/sign.h"
#include "runner/status_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char pinned_pub[] =
	"untrusted comment: labrun public key D4E7E022487B8A70\n"
	"RWRwintIIuDn1CrxhrUszvz13e31oizA6V4cpa8iizk32/n9BsYJxpCQ\n";

static void check_list(const struct status_list *l)
{
	char note[700];
	struct status_list *const one[1] = {(struct status_list *)l};

	if (!l->bits || !l->nbytes || l->nbytes > SL_MAX_LIST_BYTES ||
	    (strcmp(l->purpose, "revocation") && strcmp(l->purpose, "suspension")) ||
	    !sl_time_shape(l->valid_from) || strncmp(l->issuer, "did:key:z", 9))
		abort();
	if (status_list_bit(l, 0) < 0 ||
	    status_list_bit(l, (unsigned)(l->nbytes * 8 - 1)) < 0 ||
	    status_list_bit(l, (unsigned)(l->nbytes * 8)) != -1)
		abort();
	if (status_lists_check(one, 1, l->id, l->id, 1, note, sizeof note) > 1 ||
	    !note[0])
		abort();
}

static void base64_round_trip(const uint8_t *data, size_t size, int url)
{
	struct buf d = BUF_INIT, again = BUF_INIT;
	struct err e;

	if (sl_base64_decode((const char *)data, size, url, 4096, &d, "fuzz", &e) == 0) {
		if (sl_base64_encode(d.data, d.len, url, &again, &e) < 0 ||
		    again.len != size || (size && memcmp(again.data, data, size)))
			abort();
	} else if (e.kind != ERR_REFUSED) {
		abort();
	}
	buf_release(&d);
	buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_pub pub;
	struct trust_keys tk = {0}, id = {0};
	struct status_list *l = NULL;
	struct err e;

	if (sign_pub_parse(pinned_pub, strlen(pinned_pub), "pinned", &pub, &e) < 0 ||
	    trust_keys_add_pub(&tk, &pub, &e) < 0)
		abort();
	if (status_list_read(data, size, "fuzz.json", &tk, &l, &e) == 0) {
		check_list(l);
		status_list_free(l);
	} else if (e.kind != ERR_REFUSED) {
		abort();
	}
	if (trust_keys_identity(data, size, "did.json", &id, &e) == 0) {
		if (!id.n || strncmp(id.did, "did:web:", 8))
			abort();
		for (size_t i = 0; i < id.n; i++)
			if (strlen(id.v[i].keyid) != 16 ||
			    strncmp(id.v[i].did_key, "did:key:z6Mk", 12))
				abort();
	} else if (e.kind != ERR_REFUSED && e.kind != ERR_HOST) {
		abort();
	}
	trust_keys_release(&id);
	trust_keys_release(&tk);
	if (size <= 4096) {
		base64_round_trip(data, size, 0);
		base64_round_trip(data, size, 1);
	}
	return 0;
}
