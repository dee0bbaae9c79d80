/* base58: base58btc, the Bitcoin alphabet (multibase prefix 'z'), as
 * did:key and Data Integrity proofValue use it.  Bounded: at most
 * BASE58_MAX_BYTES bytes are encoded or decoded. */
#ifndef LABRUN_BASE58_H
#define LABRUN_BASE58_H

#include <stddef.h>

#define BASE58_MAX_BYTES 256
/* Characters of the encoding of n bytes, with the NUL: n * 138 / 100 + 2. */
#define BASE58_ENCODED_MAX(n) ((n) * 138 / 100 + 2)

/* Encode n bytes (n <= BASE58_MAX_BYTES) into out (NUL-terminated).
 * Returns the length written, or -1 when n is too large or out too small. */
int base58_encode(const unsigned char *in, size_t n, char *out,
		  size_t outsize);
/* Decode the first slen characters of s into out.  Returns the number of
 * bytes, or -1 for a character outside the alphabet, an empty input, or a
 * result longer than outsize or BASE58_MAX_BYTES. */
int base58_decode(const char *s, size_t slen, unsigned char *out,
		  size_t outsize);

#endif
