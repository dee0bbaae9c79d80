/* fuzz_sig: the minisign parsers on arbitrary bytes.  The first byte says
 * how many of the next bytes are a public key for sign_pub_parse; the rest
 * is a signature for sign_verify over a fixed message, against that key
 * (if it parsed) and a fixed one made by stock minisign. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "runner/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_pub[] =
	"untrusted comment: minisign public key 5DB6C8A10FF3D262\n"
	"RWRi0vMPoci2Xbk7hkR6YbnF2Gy2jJobBxbA0yPcTbOM4NUgWSg4QjXm\n";
static const char message[] = "labrun interop vector\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_pub keys[2];
	const struct sign_pub *who = NULL;
	char comment[SIGN_COMMENT_MAX + 1];
	struct err e;
	size_t k, n = 0;

	if (sign_pub_parse(fixed_pub, strlen(fixed_pub), "fixed", &keys[n], &e)
	    < 0)
		abort();
	n++;
	if (size == 0)
		return 0;
	k = data[0];
	if (k > size - 1)
		k = size - 1;
	if (sign_pub_parse((const char *)data + 1, k, "fuzz.pub", &keys[n],
			   &e) == 0)
		n++;
	if (sign_verify(keys, n, message, strlen(message), data + 1 + k,
			size - 1 - k, "fuzz.minisig", &who, comment, &e) == 0) {
		if (!who || who < keys || who >= keys + n ||
		    strlen(comment) > SIGN_COMMENT_MAX)
			abort();
	} else if (e.kind != ERR_REFUSED) {
		abort();
	}
	/* The whole input as one signature, too. */
	(void)sign_verify(keys, n, data, size, data, size, "whole", NULL, NULL,
			  &e);
	return 0;
}
