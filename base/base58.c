/* base58: base58btc encode and decode by long division over a bounded
 * buffer (the inputs are keys and signatures: a few dozen bytes). */
#include "base/base58.h"

#include <string.h>

static const char alphabet[] =
	"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int base58_encode(const unsigned char *in, size_t n, char *out,
		  size_t outsize)
{
	unsigned char digits[BASE58_ENCODED_MAX(BASE58_MAX_BYTES)];
	size_t zeros = 0, len = 0, i, j, o = 0;

	if (n > BASE58_MAX_BYTES || outsize == 0)
		return -1;
	while (zeros < n && in[zeros] == 0)
		zeros++;
	for (i = zeros; i < n; i++) {
		unsigned carry = in[i];

		for (j = 0; j < len; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (unsigned char)(carry % 58);
			carry /= 58;
		}
		while (carry) {
			digits[len++] = (unsigned char)(carry % 58);
			carry /= 58;
		}
	}
	if (zeros + len + 1 > outsize)
		return -1;
	for (i = 0; i < zeros; i++)
		out[o++] = '1';
	for (j = len; j > 0; j--)
		out[o++] = alphabet[digits[j - 1]];
	out[o] = 0;
	return (int)o;
}

static int digit_of(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

int base58_decode(const char *s, size_t slen, unsigned char *out,
		  size_t outsize)
{
	unsigned char bytes[BASE58_MAX_BYTES];
	size_t zeros = 0, len = 0, i, j;

	if (slen == 0 || slen > BASE58_ENCODED_MAX(BASE58_MAX_BYTES))
		return -1;
	while (zeros < slen && s[zeros] == '1')
		zeros++;
	for (i = zeros; i < slen; i++) {
		int d = digit_of(s[i]);
		unsigned carry;

		if (d < 0)
			return -1;
		carry = (unsigned)d;
		for (j = 0; j < len; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = (unsigned char)(carry & 0xff);
			carry >>= 8;
		}
		while (carry) {
			if (len >= sizeof bytes)
				return -1;
			bytes[len++] = (unsigned char)(carry & 0xff);
			carry >>= 8;
		}
	}
	if (zeros + len > outsize || zeros + len > BASE58_MAX_BYTES)
		return -1;
	memset(out, 0, zeros);
	for (j = 0; j < len; j++)
		out[zeros + j] = bytes[len - 1 - j];
	return (int)(zeros + len);
}
