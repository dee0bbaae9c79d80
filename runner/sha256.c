/* sha256: SHA-256 of a buffer, on the x86 SHA extensions (SHA-NI) when the
 * processor has them.  Evidence is hashed member by member when sealed and
 * again when verified, bundles when packed and opened: libsodium's portable
 * SHA-256 was a fifth of `labrun verify`'s time; the SHA extensions do the
 * same work about six times faster.  The digests are the same bytes; the
 * portable path stays for processors without the extensions and for the
 * unit test that compares the two (tests/unit/test_sign.c). */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "runner/sha256.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* nblocks 64-byte blocks into st (a b c d e f g h).  The SHA extensions
 * keep the state as two vectors, ABEF and CDGH; each sha256rnds2 does two
 * rounds, sha256msg1/msg2 the message schedule four words at a time. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
blocks_ni(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
					     0x0405060700010203ULL);
	__m128i s0, s1, t, m, w[4], abef, cdgh;
	int i;

	t = _mm_loadu_si128((const __m128i *)&st[0]);
	s1 = _mm_loadu_si128((const __m128i *)&st[4]);
	t = _mm_shuffle_epi32(t, 0xB1);          /* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1B);        /* EFGH */
	s0 = _mm_alignr_epi8(t, s1, 8);          /* ABEF */
	s1 = _mm_blend_epi16(s1, t, 0xF0);       /* CDGH */
	for (; nblocks; nblocks--, p += 64) {
		abef = s0;
		cdgh = s1;
		for (i = 0; i < 16; i++) {
			if (i < 4)
				w[i] = _mm_shuffle_epi8(
					_mm_loadu_si128((const __m128i *)(p + 16 * i)),
					bswap);
			else
				w[i & 3] = _mm_sha256msg2_epu32(
					_mm_add_epi32(
						_mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]),
						_mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4)),
					w[(i + 3) & 3]);
			m = _mm_add_epi32(w[i & 3],
					  _mm_loadu_si128((const __m128i *)&K[4 * i]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, m);
			m = _mm_shuffle_epi32(m, 0x0E);
			s0 = _mm_sha256rnds2_epu32(s0, s1, m);
		}
		s0 = _mm_add_epi32(s0, abef);
		s1 = _mm_add_epi32(s1, cdgh);
	}
	t = _mm_shuffle_epi32(s0, 0x1B);         /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);        /* DCHG */
	s0 = _mm_blend_epi16(t, s1, 0xF0);       /* DCBA */
	s1 = _mm_alignr_epi8(s1, t, 8);          /* HGFE */
	_mm_storeu_si128((__m128i *)&st[0], s0);
	_mm_storeu_si128((__m128i *)&st[4], s1);
}

static int have_ni(void)
{
	static int known = -1;
	unsigned a, b, c, d;

	if (known >= 0)
		return known;
	known = 0;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) &&
	    (c & bit_SSE4_1) && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
	    (b & bit_SHA))
		known = 1;
	return known;
}

static void oneshot_ni(const void *data, size_t len, unsigned char out[32])
{
	uint32_t st[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	unsigned char tail[128];
	size_t full = len / 64, rest = len % 64, n;
	uint64_t bits = (uint64_t)len * 8;
	int i;

	if (full)
		blocks_ni(st, data, full);
	memset(tail, 0, sizeof tail);
	if (rest)
		memcpy(tail, (const unsigned char *)data + full * 64, rest);
	tail[rest] = 0x80;
	n = rest < 56 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	blocks_ni(st, tail, n / 64);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(st[i] >> 24);
		out[4 * i + 1] = (unsigned char)(st[i] >> 16);
		out[4 * i + 2] = (unsigned char)(st[i] >> 8);
		out[4 * i + 3] = (unsigned char)st[i];
	}
}
#else
static int have_ni(void)
{
	return 0;
}

static void oneshot_ni(const void *data, size_t len, unsigned char out[32])
{
	crypto_hash_sha256(out, data, len);
}
#endif

static int portable;

void sha256_use_portable(int on)
{
	portable = on;
}

int sha256_accelerated(void)
{
	return !portable && have_ni();
}

void sha256_oneshot(const void *data, size_t len, unsigned char out[32])
{
	if (sha256_accelerated())
		oneshot_ni(data, len, out);
	else
		crypto_hash_sha256(out, data, len);
}
