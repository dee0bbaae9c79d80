/* sha256: one-shot SHA-256 (FIPS 180-4) of a buffer in memory, with the
 * x86 SHA extensions when the processor has them and libsodium's portable
 * code otherwise.  Both give the same bytes; sha256_use_portable() pins the
 * portable one (the unit test compares the two). */
#ifndef LABRUN_RUNNER_SHA256_H
#define LABRUN_RUNNER_SHA256_H

#include <stddef.h>

void sha256_oneshot(const void *data, size_t len, unsigned char out[32]);
/* 1 when sha256_oneshot runs on the SHA extensions. */
int sha256_accelerated(void);
void sha256_use_portable(int on);

#endif
