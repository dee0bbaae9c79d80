/* sign: Ed25519 keys and minisign-compatible signatures, SHA-256 and keyed
 * BLAKE2b, all through libsodium (the only module that includes it).
 *
 * Formats are minisign's, so stock `minisign -V -H` verifies what labrun
 * signs and stock minisign can sign with a labrun secret key:
 *   public key  "untrusted comment: ...\n" + base64("Ed" keyid[8] pk[32])
 *   secret key  "untrusted comment: ...\n" + base64 of minisign's secret
 *               key structure, unencrypted (kdf "\0\0"), checksummed
 *   signature   prehashed ("ED", BLAKE2b-512 of the data) with a trusted
 *               comment and its global signature.
 * Secret keys live in sodium_malloc memory and are wiped when freed; a
 * secret key file readable by group or others is refused. */
#ifndef LABRUN_SIGN_H
#define LABRUN_SIGN_H

#include <stddef.h>

struct err;
struct buf;

#define SIGN_KEYID_BYTES 8
#define SIGN_PK_BYTES 32
#define SIGN_SHA256_HEX 65 /* 64 hex digits and NUL */
#define SIGN_COMMENT_MAX 255 /* bytes of a trusted comment */

/* The first line of every signature labrun makes.  It is not covered by
 * the signature (minisign's "untrusted comment"), so a verifier that must
 * notice any changed byte compares it whole. */
#define SIGN_SIG_FIRST_LINE "untrusted comment: signature from labrun secret key\n"
/* The first line stock minisign writes (minisign -S without -c), which a
 * bundle's signature may carry too. */
#define SIGN_SIG_FIRST_LINE_MINISIGN "untrusted comment: signature from minisign secret key\n"
/* 1 when a signature file begins with one of those two lines: any other
 * untrusted comment is refused, so that no changed byte of a signature
 * file goes unnoticed (bundles, programs). */
int sign_first_line_known(const void *sig, size_t len);

struct sign_pub {
	unsigned char keyid[SIGN_KEYID_BYTES]; /* as stored (little-endian) */
	unsigned char pk[SIGN_PK_BYTES];
	char source[256]; /* the file it came from, for messages */
};

/* A set of trusted author keys (--trust FILE|DIR). */
struct sign_trust {
	struct sign_pub *keys;
	size_t n;
};

struct sign_sec; /* opaque; the secret key in guarded memory */

/* Make a key pair; the public key is written to pub_path, the secret key to
 * sec_path with mode 0600.  Neither file may exist already (O_EXCL). */
int sign_keygen(const char *pub_path, const char *sec_path, struct err *e);

/* Parse a minisign public key from text (a file's contents, or a bare
 * base64 line); name is used in messages. */
int sign_pub_parse(const char *text, size_t len, const char *name,
		   struct sign_pub *out, struct err *e);
int sign_pub_load(const char *path, struct sign_pub *out, struct err *e);

/* A file, or a directory whose *.pub files are each a key.  An empty set is
 * an error naming the path. */
int sign_trust_load(const char *path, struct sign_trust *out, struct err *e);
void sign_trust_release(struct sign_trust *t);

/* Load a secret key; refuses a file readable or writable by group or others
 * (with the chmod that fixes it), links and non-regular files. */
int sign_sec_load(const char *path, struct sign_sec **out, struct err *e);
/* A key pair that exists only in this process's guarded memory (a
 * selftest's sessions: their evidence is thrown away, so no real issuer
 * key is needed or exposed). */
int sign_sec_ephemeral(struct sign_sec **out, struct err *e);
void sign_sec_free(struct sign_sec *sk);
void sign_sec_pub(const struct sign_sec *sk, struct sign_pub *out);
/* What a command that checks and signs needs: the issuer's secret key,
 * its public key (pub_path, or the secret key's own when NULL), and the
 * trust store (none when trust_path is NULL).  -1 with nothing held. */
int sign_load_issuer(const char *key_path, const char *pub_path,
		     const char *trust_path, struct sign_sec **key,
		     struct sign_pub *issuer, struct sign_trust *trust,
		     struct err *e);

/* Key id as 16 uppercase hex digits, the way minisign prints it. */
void sign_keyid_hex(const struct sign_pub *pk, char out[17]);

/* Sign data in prehashed mode; sig_out receives the whole .minisig text.
 * trusted_comment must be printable ASCII or tab, at most SIGN_COMMENT_MAX
 * bytes. */
int sign_data(const struct sign_sec *sk, const void *data, size_t len,
	      const char *trusted_comment, struct buf *sig_out, struct err *e);

/* Verify a .minisig text over data against a set of keys: the key id must
 * be one of them, the signature prehashed ("ED"), and both the signature
 * and the global signature over the trusted comment valid.  On success
 * *who points into keys and comment_out (if not NULL) holds the trusted
 * comment.  Failures are ERR_REFUSED naming 'what'; a key that is not
 * one of keys gets a hint naming --trust, the option bundles' keys come
 * from. */
int sign_verify(const struct sign_pub *keys, size_t nkeys, const void *data,
		size_t len, const void *sig, size_t sig_len, const char *what,
		const struct sign_pub **who, char comment_out[SIGN_COMMENT_MAX + 1],
		struct err *e);
/* The same, the hint naming key_option: the caller's option that gave
 * keys (evidence's issuer key comes with -p). */
int sign_verify_as(const struct sign_pub *keys, size_t nkeys,
		   const void *data, size_t len, const void *sig,
		   size_t sig_len, const char *what, const char *key_option,
		   const struct sign_pub **who,
		   char comment_out[SIGN_COMMENT_MAX + 1], struct err *e);

/* Raw Ed25519 (RFC 8032) over msg, no prehash: what a Data Integrity
 * eddsa-jcs-2022 proof signs.  sign_ed25519_verify returns 1 for a valid
 * signature by pk, 0 otherwise. */
/* Standard padded base64 of in (n bytes) into out, NUL-terminated; size
 * at least 4 * ceil(n / 3) + 1. */
void sign_b64_encode(const unsigned char *in, size_t n, char *out, size_t size);
/* Exactly want bytes from len characters of standard padded base64, in
 * its one canonical spelling (unused bits zero); -1 otherwise.  want at
 * most 158. */
int sign_b64_exact(const char *s, size_t len, unsigned char *out, size_t want);

int sign_ed25519(const struct sign_sec *sk, const void *msg, size_t len,
		 unsigned char sig[64], struct err *e);
int sign_ed25519_verify(const unsigned char pk[SIGN_PK_BYTES],
			const void *msg, size_t len,
			const unsigned char sig[64]);
void sha256_hex(const void *data, size_t len, char out[SIGN_SHA256_HEX]);
void sha256_raw(const void *data, size_t len, unsigned char out[32]);
/* sha256_oneshot is sha256_raw.  It runs on the x86 SHA extensions when
 * the processor has them (sha256_accelerated() 1), libsodium's portable
 * code otherwise; sha256_use_portable(1) pins the portable code (the unit
 * test compares the two). */
void sha256_oneshot(const void *data, size_t len, unsigned char out[32]);
int sha256_accelerated(void);
void sha256_use_portable(int on);

/* A keyed hash derived from the secret key and a domain string: the same
 * key and inputs give the same bytes, and nobody without the key can
 * compute them.  outlen 16..64. */
int sign_keyed_hash(const struct sign_sec *sk, const char *domain,
		    const void *msg, size_t len, unsigned char *out,
		    size_t outlen);

/* BLAKE2b of data into outlen (1..64) bytes, keyed when keylen (up to
 * 64) is not 0: the hash labrun draws seeds, variants and fault decisions
 * from.  0, or -1 for a length out of range. */
int sign_blake2b(void *out, size_t outlen, const void *data, size_t len,
		 const void *key, size_t keylen);

/* Wipe memory that held secret or sensitive bytes. */
void sign_wipe(void *p, size_t len);

#endif
