/* sign: Ed25519 keys and minisign-compatible signatures, SHA-256 (on the
 * x86 SHA extensions when the processor has them) and keyed
 * BLAKE2b through libsodium.  It does not decide which keys to trust (the
 * caller passes the set) and does not support encrypted secret keys or
 * legacy (non-prehashed) signatures. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/sign.h"

/* minisign's binary layouts, in bytes. */
#define ALG_BYTES 2
#define SK_BYTES 64           /* Ed25519 seed and public key */
#define SIG_BYTES 64          /* one Ed25519 signature */
#define CHK_BYTES 32          /* BLAKE2b-256 checksum of the secret key */
#define SALT_BYTES 32         /* scrypt salt, unused when unencrypted */
#define PUB_STRUCT (ALG_BYTES + SIGN_KEYID_BYTES + SIGN_PK_BYTES)   /* 42 */
#define SIG_STRUCT (ALG_BYTES + SIGN_KEYID_BYTES + SIG_BYTES)       /* 74 */
/* sig_alg kdf_alg chk_alg salt opslimit memlimit keynum sk chk */
#define SEC_OFF_KDF 2
#define SEC_OFF_CHK_ALG 4
#define SEC_OFF_KEYNUM (3 * ALG_BYTES + SALT_BYTES + 8 + 8)         /* 54 */
#define SEC_OFF_SK (SEC_OFF_KEYNUM + SIGN_KEYID_BYTES)              /* 62 */
#define SEC_OFF_CHK (SEC_OFF_SK + SK_BYTES)                         /* 126 */
#define SEC_STRUCT (SEC_OFF_CHK + CHK_BYTES)                        /* 158 */
#define B64_LEN(n) (((n) + 2) / 3 * 4) /* without the NUL */

static const char untrusted_prefix[] = "untrusted comment: ";
static const char trusted_prefix[] = "trusted comment: ";
static const char keyed_hash_tag[] = "labrun keyed hash v1";

struct sign_sec {
	unsigned char keyid[SIGN_KEYID_BYTES];
	unsigned char sk[SK_BYTES];
	unsigned char pk[SIGN_PK_BYTES];
	char source[256];
};

static int sodium_ready(struct err *e)
{
	if (sodium_init() < 0)
		return err_set(e, ERR_HOST, "libsodium: cannot initialise");
	return 0;
}

void sign_wipe(void *p, size_t len)
{
	if (p && len)
		sodium_memzero(p, len);
}

int sign_blake2b(void *out, size_t outlen, const void *data, size_t len,
		 const void *key, size_t keylen)
{
	if (outlen < 1 || outlen > crypto_generichash_BYTES_MAX ||
	    keylen > crypto_generichash_KEYBYTES_MAX)
		return -1;
	return crypto_generichash(out, outlen, data, len, key, keylen) ? -1 : 0;
}

static void set_source(char *dst, size_t size, const char *name)
{
	snprintf(dst, size, "%s", name ? name : "(unnamed)");
}

void sign_keyid_hex(const struct sign_pub *pk, char out[17])
{
	static const char digits[] = "0123456789ABCDEF";
	int i;

	/* minisign prints the id as a little-endian 64-bit number. */
	for (i = 0; i < SIGN_KEYID_BYTES; i++) {
		unsigned char b = pk->keyid[SIGN_KEYID_BYTES - 1 - i];
		out[2 * i] = digits[b >> 4];
		out[2 * i + 1] = digits[b & 15];
	}
	out[16] = 0;
}

/* One line of text: [*p, end) up to '\n' (not included).  *nl tells
 * whether a newline ended it.  Returns -1 at the end of the text. */
static int next_line(const char **p, const char *end, const char **line,
		     size_t *len, int *nl)
{
	const char *s = *p, *q;

	if (s >= end)
		return -1;
	q = memchr(s, '\n', (size_t)(end - s));
	*line = s;
	if (q) {
		*len = (size_t)(q - s);
		*nl = 1;
		*p = q + 1;
	} else {
		*len = (size_t)(end - s);
		*nl = 0;
		*p = end;
	}
	return 0;
}

static int has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static int b64_exact(const char *s, size_t len, unsigned char *out,
		     size_t want);

void sign_b64_encode(const unsigned char *in, size_t n, char *out, size_t size)
{
	sodium_bin2base64(out, size, in, n, sodium_base64_VARIANT_ORIGINAL);
}

int sign_b64_exact(const char *s, size_t len, unsigned char *out, size_t want)
{
	return b64_exact(s, len, out, want);
}

/* Decode exactly want bytes of standard, padded base64 from a line. */
static int b64_exact(const char *s, size_t len, unsigned char *out,
		     size_t want)
{
	const char *b64_end = NULL;
	size_t got = 0;

	if (len != B64_LEN(want))
		return -1;
	if (sodium_base642bin(out, want, s, len, NULL, &got, &b64_end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	if (got != want || b64_end != s + len)
		return -1;
	/* Only the canonical spelling: base64 leaves unused bits in the last
	 * character before padding, and a decoder that ignores them would
	 * accept a changed character as the same bytes. */
	{
		char again[B64_LEN(SEC_STRUCT) + 1];
		int same;

		if (B64_LEN(want) + 1 > sizeof again)
			return -1;
		sodium_bin2base64(again, sizeof again, out, want,
				  sodium_base64_VARIANT_ORIGINAL);
		same = !memcmp(again, s, len);
		sodium_memzero(again, sizeof again);
		if (!same)
			return -1;
	}
	return 0;
}

static int b64_append(struct buf *b, const unsigned char *bin, size_t len,
		      struct err *e)
{
	char tmp[B64_LEN(SEC_STRUCT) + 1];
	int rc;

	if (B64_LEN(len) + 1 > sizeof tmp)
		return err_set(e, ERR_BUG, "sign: base64 input too long");
	sodium_bin2base64(tmp, sizeof tmp, bin, len,
			  sodium_base64_VARIANT_ORIGINAL);
	rc = buf_puts(b, tmp, e);
	sodium_memzero(tmp, sizeof tmp);
	return rc;
}

static int comment_ok(const char *s, size_t len)
{
	size_t i;

	if (len > SIGN_COMMENT_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '\t' && (c < 0x20 || c > 0x7e))
			return 0;
	}
	return 1;
}

/* ---- public keys ---- */

int sign_pub_parse(const char *text, size_t len, const char *name,
		   struct sign_pub *out, struct err *e)
{
	unsigned char raw[PUB_STRUCT];
	struct sign_pub pk;
	const char *p = text, *end = text + len, *line;
	size_t llen;
	int nl;

	if (!name)
		name = "public key";
	if (len > KEY_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "%s: too large for a public key",
			       name);
	if (memchr(text, 0, len))
		return err_set(e, ERR_REFUSED, "%s: not a minisign public key "
			       "(NUL byte)", name);
	if (next_line(&p, end, &line, &llen, &nl) < 0)
		return err_set(e, ERR_REFUSED, "%s: empty public key", name);
	if (has_prefix(line, llen, untrusted_prefix)) {
		if (next_line(&p, end, &line, &llen, &nl) < 0)
			return err_set(e, ERR_REFUSED,
				       "%s: no key after the comment line", name);
	}
	if (p != end)
		return err_set(e, ERR_REFUSED,
			       "%s: unexpected text after the key line", name);
	if (b64_exact(line, llen, raw, sizeof raw) < 0)
		return err_set(e, ERR_REFUSED,
			       "%s: not a minisign public key (bad base64 key "
			       "line)", name);
	if (memcmp(raw, "Ed", ALG_BYTES) != 0)
		return err_set(e, ERR_REFUSED,
			       "%s: unsupported key algorithm (want \"Ed\")",
			       name);
	memset(&pk, 0, sizeof pk);
	memcpy(pk.keyid, raw + ALG_BYTES, SIGN_KEYID_BYTES);
	memcpy(pk.pk, raw + ALG_BYTES + SIGN_KEYID_BYTES, SIGN_PK_BYTES);
	set_source(pk.source, sizeof pk.source, name);
	*out = pk;
	return 0;
}

int sign_pub_load(const char *path, struct sign_pub *out, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	if (read_file_bounded(path, KEY_MAX_BYTES, &b, e) < 0)
		return -1;
	rc = sign_pub_parse((const char *)b.data, b.len, path, out, e);
	buf_release(&b);
	return rc;
}

/* ---- trust sets ---- */

static int trust_add(struct sign_trust *t, const struct sign_pub *pk,
		     struct err *e)
{
	struct sign_pub *v;
	char id[17];
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (memcmp(t->keys[i].keyid, pk->keyid, SIGN_KEYID_BYTES))
			continue;
		if (!memcmp(t->keys[i].pk, pk->pk, SIGN_PK_BYTES))
			return 0; /* the same key twice */
		sign_keyid_hex(pk, id);
		return err_set(e, ERR_REFUSED,
			       "%s: key id %s is also used by a different key "
			       "in %s; hint: remove one of them",
			       pk->source, id, t->keys[i].source);
	}
	v = realloc(t->keys, (t->n + 1) * sizeof *v);
	if (!v)
		return err_set(e, ERR_HOST, "out of memory");
	t->keys = v;
	t->keys[t->n++] = *pk;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_pub_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 4 && !strcmp(n + len - 4, ".pub");
}

static int trust_load_dir(const char *path, struct sign_trust *t,
			  struct err *e)
{
	char **names = NULL, full[4096];
	size_t n = 0, i;
	struct dirent *de;
	struct sign_pub pk;
	DIR *d;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, ERR_HOST, errno, "%s", path);
	}
	names = calloc(TRUST_MAX_KEYS, sizeof *names);
	if (!names) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!is_pub_name(de->d_name))
			continue;
		if (n == TRUST_MAX_KEYS) {
			err_set(e, ERR_REFUSED,
				"%s: more than %d *.pub files; hint: keep only "
				"the keys you trust", path, TRUST_MAX_KEYS);
			goto out;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
		n++;
	}
	if (errno) {
		err_sys(e, ERR_HOST, errno, "%s: readdir", path);
		goto out;
	}
	if (n == 0) {
		err_set(e, ERR_REFUSED,
			"%s: no *.pub key files in this directory", path);
		goto out;
	}
	qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		int k = snprintf(full, sizeof full, "%s/%s", path, names[i]);
		if (k < 0 || (size_t)k >= sizeof full) {
			err_set(e, ERR_REFUSED, "%s/%s: path too long", path,
				names[i]);
			goto out;
		}
		if (sign_pub_load(full, &pk, e) < 0 || trust_add(t, &pk, e) < 0)
			goto out;
	}
	rc = 0;
out:
	if (names)
		for (i = 0; i < n; i++)
			free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int sign_trust_load(const char *path, struct sign_trust *out, struct err *e)
{
	struct sign_trust t = {NULL, 0};
	struct sign_pub pk;
	struct stat st;

	if (stat(path, &st) < 0)
		return err_sys(e, errno == ENOENT ? ERR_REFUSED : ERR_HOST,
			       errno, "%s: trust store", path);
	if (S_ISDIR(st.st_mode)) {
		if (trust_load_dir(path, &t, e) < 0) {
			sign_trust_release(&t);
			return -1;
		}
	} else {
		if (sign_pub_load(path, &pk, e) < 0 || trust_add(&t, &pk, e) < 0) {
			sign_trust_release(&t);
			return -1;
		}
	}
	*out = t;
	return 0;
}

void sign_trust_release(struct sign_trust *t)
{
	free(t->keys);
	t->keys = NULL;
	t->n = 0;
}

/* ---- secret keys ---- */

static void sec_checksum(const unsigned char *raw, unsigned char chk[CHK_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, CHK_BYTES);
	crypto_generichash_update(&st, raw, ALG_BYTES);
	crypto_generichash_update(&st, raw + SEC_OFF_KEYNUM, SIGN_KEYID_BYTES);
	crypto_generichash_update(&st, raw + SEC_OFF_SK, SK_BYTES);
	crypto_generichash_final(&st, chk, CHK_BYTES);
	sodium_memzero(&st, sizeof st);
}

static int all_zero(const unsigned char *p, size_t len)
{
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

/* Read a secret key file into guarded memory (at most KEY_MAX_BYTES). */
static int sec_read(const char *path, unsigned char **text_out,
		    size_t *len_out, struct err *e)
{
	unsigned char *text = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return err_set(e, ERR_REFUSED,
				       "%s: is a symbolic link; hint: name the "
				       "key file itself", path);
		return err_sys(e, errno == ENOENT || errno == EACCES
				       ? ERR_REFUSED : ERR_HOST,
			       errno, "%s", path);
	}
	if (fstat(fd, &st) < 0) {
		err_sys(e, ERR_HOST, errno, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, ERR_REFUSED, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_mode & 0044) {
		err_set(e, ERR_REFUSED,
			"%s: readable by group or others; hint: chmod 600 %s",
			path, path);
		goto fail;
	}
	if (st.st_mode & 0033) {
		err_set(e, ERR_REFUSED,
			"%s: writable or executable by group or others; "
			"hint: chmod 600 %s", path, path);
		goto fail;
	}
	text = sodium_malloc(KEY_MAX_BYTES + 1);
	if (!text) {
		err_set(e, ERR_HOST, "out of memory (guarded memory)");
		goto fail;
	}
	for (;;) {
		n = read(fd, text + len, KEY_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, ERR_HOST, errno, "%s: read", path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > KEY_MAX_BYTES) {
			err_set(e, ERR_REFUSED,
				"%s: too large for a secret key", path);
			goto fail;
		}
	}
	close(fd);
	*text_out = text;
	*len_out = len;
	return 0;
fail:
	if (text) {
		sodium_memzero(text, KEY_MAX_BYTES + 1);
		sodium_free(text);
	}
	close(fd);
	return -1;
}

static int sec_parse(const char *path, const unsigned char *text, size_t len,
		     unsigned char *raw, struct err *e)
{
	const char *p = (const char *)text, *end = p + len, *line;
	size_t llen;
	int nl;

	if (memchr(text, 0, len))
		return err_set(e, ERR_REFUSED,
			       "%s: not a minisign secret key (NUL byte)", path);
	if (next_line(&p, end, &line, &llen, &nl) < 0 ||
	    !has_prefix(line, llen, untrusted_prefix))
		return err_set(e, ERR_REFUSED,
			       "%s: not a minisign secret key (no \"%s\" line)",
			       path, "untrusted comment:");
	if (next_line(&p, end, &line, &llen, &nl) < 0)
		return err_set(e, ERR_REFUSED,
			       "%s: no key after the comment line", path);
	if (p != end)
		return err_set(e, ERR_REFUSED,
			       "%s: unexpected text after the key line", path);
	if (b64_exact(line, llen, raw, SEC_STRUCT) < 0)
		return err_set(e, ERR_REFUSED,
			       "%s: not a minisign secret key (bad base64 key "
			       "line)", path);
	return 0;
}

static int sec_check(const char *path, const unsigned char *raw,
		     unsigned char *scratch, struct err *e)
{
	unsigned char *chk = scratch, *pk = scratch + CHK_BYTES,
		      *sk2 = scratch + CHK_BYTES + SIGN_PK_BYTES;

	if (memcmp(raw, "Ed", ALG_BYTES) != 0)
		return err_set(e, ERR_REFUSED,
			       "%s: unsupported signature algorithm (want "
			       "\"Ed\")", path);
	if (!memcmp(raw + SEC_OFF_KDF, "Sc", ALG_BYTES))
		return err_set(e, ERR_REFUSED,
			       "%s: the key is encrypted with a password; "
			       "labrun needs an unencrypted key (it signs "
			       "unattended); hint: make one with "
			       "`minisign -G -W` or `labrun keygen`", path);
	if (memcmp(raw + SEC_OFF_KDF, "\0\0", ALG_BYTES) != 0)
		return err_set(e, ERR_REFUSED,
			       "%s: unsupported key derivation function", path);
	if (memcmp(raw + SEC_OFF_CHK_ALG, "B2", ALG_BYTES) != 0)
		return err_set(e, ERR_REFUSED,
			       "%s: unsupported checksum algorithm (want "
			       "\"B2\")", path);
	/* minisign -G -W leaves the checksum of an unencrypted key zero;
	 * the seed/public-key check below still catches damage then. */
	if (!all_zero(raw + SEC_OFF_CHK, CHK_BYTES)) {
		sec_checksum(raw, chk);
		if (sodium_memcmp(chk, raw + SEC_OFF_CHK, CHK_BYTES) != 0)
			return err_set(e, ERR_REFUSED,
				       "%s: checksum mismatch; the key file is "
				       "damaged", path);
	}
	if (crypto_sign_ed25519_seed_keypair(pk, sk2, raw + SEC_OFF_SK) != 0 ||
	    sodium_memcmp(pk, raw + SEC_OFF_SK + 32, SIGN_PK_BYTES) != 0)
		return err_set(e, ERR_REFUSED,
			       "%s: the secret and public halves do not match; "
			       "the key file is damaged", path);
	return 0;
}

int sign_sec_load(const char *path, struct sign_sec **out, struct err *e)
{
	/* raw struct, then chk, pk and a scratch secret key */
	enum { SCRATCH = SEC_STRUCT + CHK_BYTES + SIGN_PK_BYTES + SK_BYTES };
	unsigned char *text = NULL, *raw = NULL;
	struct sign_sec *sk = NULL;
	size_t len = 0;
	int rc = -1;

	if (sodium_ready(e) < 0)
		return -1;
	if (sec_read(path, &text, &len, e) < 0)
		return -1;
	raw = sodium_malloc(SCRATCH);
	sk = sodium_malloc(sizeof *sk);
	if (!raw || !sk) {
		err_set(e, ERR_HOST, "out of memory (guarded memory)");
		goto out;
	}
	if (sec_parse(path, text, len, raw, e) < 0 ||
	    sec_check(path, raw, raw + SEC_STRUCT, e) < 0)
		goto out;
	memset(sk, 0, sizeof *sk);
	memcpy(sk->keyid, raw + SEC_OFF_KEYNUM, SIGN_KEYID_BYTES);
	memcpy(sk->sk, raw + SEC_OFF_SK, SK_BYTES);
	memcpy(sk->pk, raw + SEC_OFF_SK + 32, SIGN_PK_BYTES);
	set_source(sk->source, sizeof sk->source, path);
	*out = sk;
	sk = NULL;
	rc = 0;
out:
	if (sk)
		sign_sec_free(sk);
	if (raw) {
		sodium_memzero(raw, SCRATCH);
		sodium_free(raw);
	}
	sodium_memzero(text, KEY_MAX_BYTES + 1);
	sodium_free(text);
	return rc;
}

void sign_sec_free(struct sign_sec *sk)
{
	if (!sk)
		return;
	sodium_memzero(sk, sizeof *sk);
	sodium_free(sk);
}

void sign_sec_pub(const struct sign_sec *sk, struct sign_pub *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->keyid, sk->keyid, SIGN_KEYID_BYTES);
	memcpy(out->pk, sk->pk, SIGN_PK_BYTES);
	set_source(out->source, sizeof out->source, sk->source);
}

/* ---- key generation ---- */

int sign_sec_ephemeral(struct sign_sec **out, struct err *e)
{
	struct sign_sec *sk;

	if (sodium_ready(e) < 0)
		return -1;
	sk = sodium_malloc(sizeof *sk);
	if (!sk)
		return err_set(e, ERR_HOST, "out of memory (guarded memory)");
	memset(sk, 0, sizeof *sk);
	randombytes_buf(sk->keyid, SIGN_KEYID_BYTES);
	if (crypto_sign_ed25519_keypair(sk->pk, sk->sk) != 0) {
		sign_sec_free(sk);
		return err_set(e, ERR_HOST, "libsodium: key generation failed");
	}
	set_source(sk->source, sizeof sk->source, "a throwaway key in memory");
	*out = sk;
	return 0;
}

/* Create path O_EXCL with mode and write data; on failure nothing is left. */
static int create_excl(const char *path, mode_t mode, const void *data,
		       size_t len, struct err *e)
{
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return err_set(e, ERR_REFUSED,
				       "%s: already exists; hint: choose another "
				       "name or move the old key away", path);
		return err_sys(e, errno == ENOENT || errno == ENOTDIR ||
					  errno == EACCES || errno == ELOOP
				       ? ERR_REFUSED : ERR_HOST,
			       errno, "%s: cannot create", path);
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(path);
		return err_sys(e, ERR_HOST, saved, "%s: write", path);
	}
	if (close(fd) < 0) {
		saved = errno;
		unlink(path);
		return err_sys(e, ERR_HOST, saved, "%s: write", path);
	}
	return 0;
}

static int refuse_existing(const char *path, struct err *e)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return err_set(e, ERR_REFUSED,
			       "%s: already exists; hint: choose another name "
			       "or move the old key away", path);
	if (errno != ENOENT)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	return 0;
}

int sign_keygen(const char *pub_path, const char *sec_path, struct err *e)
{
	/* the secret key text: comment, base64, newline, NUL */
	enum { SEC_TEXT = 64 + B64_LEN(SEC_STRUCT) + 2 };
	unsigned char *raw = NULL, pubraw[PUB_STRUCT];
	char *sec = NULL;
	struct buf pub = BUF_INIT;
	struct sign_pub pk;
	size_t n;
	char id[17];
	int rc = -1;

	if (sodium_ready(e) < 0)
		return -1;
	if (!strcmp(pub_path, sec_path))
		return err_set(e, ERR_USAGE,
			       "%s: the public and secret key need two files",
			       pub_path);
	if (refuse_existing(pub_path, e) < 0 || refuse_existing(sec_path, e) < 0)
		return -1;
	raw = sodium_malloc(SEC_STRUCT);
	sec = sodium_malloc(SEC_TEXT);
	if (!raw || !sec) {
		err_set(e, ERR_HOST, "out of memory (guarded memory)");
		goto out;
	}
	memset(raw, 0, SEC_STRUCT);
	memcpy(raw, "Ed", ALG_BYTES);
	memcpy(raw + SEC_OFF_CHK_ALG, "B2", ALG_BYTES);
	randombytes_buf(raw + SEC_OFF_KEYNUM, SIGN_KEYID_BYTES);
	memset(&pk, 0, sizeof pk);
	if (crypto_sign_ed25519_keypair(pk.pk, raw + SEC_OFF_SK) != 0) {
		err_set(e, ERR_HOST, "libsodium: key generation failed");
		goto out;
	}
	sec_checksum(raw, raw + SEC_OFF_CHK);
	memcpy(pk.keyid, raw + SEC_OFF_KEYNUM, SIGN_KEYID_BYTES);
	memcpy(pubraw, "Ed", ALG_BYTES);
	memcpy(pubraw + ALG_BYTES, pk.keyid, SIGN_KEYID_BYTES);
	memcpy(pubraw + ALG_BYTES + SIGN_KEYID_BYTES, pk.pk, SIGN_PK_BYTES);
	sign_keyid_hex(&pk, id);

	/* The secret key text is built in guarded memory, never a buffer
	 * that could be reallocated and leave copies behind. */
	n = (size_t)snprintf(sec, SEC_TEXT, "%slabrun secret key\n",
			     untrusted_prefix);
	sodium_bin2base64(sec + n, SEC_TEXT - n, raw, SEC_STRUCT,
			  sodium_base64_VARIANT_ORIGINAL);
	n += B64_LEN(SEC_STRUCT);
	sec[n++] = '\n';
	sec[n] = 0;
	if (buf_printf(&pub, e, "%slabrun public key %s\n", untrusted_prefix,
		       id) < 0 ||
	    b64_append(&pub, pubraw, sizeof pubraw, e) < 0 ||
	    buf_puts(&pub, "\n", e) < 0)
		goto out;
	if (create_excl(sec_path, 0600, sec, n, e) < 0)
		goto out;
	if (create_excl(pub_path, 0644, pub.data, pub.len, e) < 0) {
		unlink(sec_path);
		goto out;
	}
	rc = 0;
out:
	buf_release(&pub);
	if (sec) {
		sodium_memzero(sec, SEC_TEXT);
		sodium_free(sec);
	}
	if (raw) {
		sodium_memzero(raw, SEC_STRUCT);
		sodium_free(raw);
	}
	return rc;
}

/* ---- signing and verifying ---- */

static void prehash(const void *data, size_t len,
		    unsigned char out[crypto_generichash_BYTES_MAX])
{
	crypto_generichash(out, crypto_generichash_BYTES_MAX, data, len, NULL, 0);
}

int sign_data(const struct sign_sec *sk, const void *data, size_t len,
	      const char *trusted_comment, struct buf *sig_out, struct err *e)
{
	unsigned char hash[crypto_generichash_BYTES_MAX];
	unsigned char sigraw[SIG_STRUCT], global[SIG_BYTES];
	unsigned char tbs[SIG_BYTES + SIGN_COMMENT_MAX];
	struct buf b = BUF_INIT;
	size_t clen = strlen(trusted_comment);

	if (sodium_ready(e) < 0)
		return -1;
	if (!comment_ok(trusted_comment, clen))
		return err_set(e, ERR_BUG,
			       "sign: trusted comment must be printable ASCII "
			       "or tab, at most %d bytes", SIGN_COMMENT_MAX);
	prehash(data, len, hash);
	memcpy(sigraw, "ED", ALG_BYTES);
	memcpy(sigraw + ALG_BYTES, sk->keyid, SIGN_KEYID_BYTES);
	if (crypto_sign_ed25519_detached(sigraw + ALG_BYTES + SIGN_KEYID_BYTES,
					 NULL, hash, sizeof hash, sk->sk) != 0)
		return err_set(e, ERR_HOST, "libsodium: signing failed");
	memcpy(tbs, sigraw + ALG_BYTES + SIGN_KEYID_BYTES, SIG_BYTES);
	memcpy(tbs + SIG_BYTES, trusted_comment, clen);
	if (crypto_sign_ed25519_detached(global, NULL, tbs, SIG_BYTES + clen,
					 sk->sk) != 0)
		return err_set(e, ERR_HOST, "libsodium: signing failed");
	if (buf_puts(&b, SIGN_SIG_FIRST_LINE, e) < 0 ||
	    b64_append(&b, sigraw, sizeof sigraw, e) < 0 ||
	    buf_printf(&b, e, "\n%s%s\n", trusted_prefix, trusted_comment) < 0 ||
	    b64_append(&b, global, sizeof global, e) < 0 ||
	    buf_puts(&b, "\n", e) < 0) {
		buf_release(&b);
		return -1;
	}
	*sig_out = b;
	return 0;
}

static void trusted_list(const struct sign_pub *keys, size_t nkeys, char *out,
			 size_t size)
{
	size_t i, used = 0;
	char id[17];
	int n;

	out[0] = 0;
	for (i = 0; i < nkeys && i < 3; i++) {
		sign_keyid_hex(&keys[i], id);
		n = snprintf(out + used, size - used, "%s%s (%s)",
			     i ? ", " : "", id, keys[i].source);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
	if (nkeys > 3)
		snprintf(out + used, size - used, " and %zu more", nkeys - 3);
}

int sign_verify(const struct sign_pub *keys, size_t nkeys, const void *data,
		size_t len, const void *sig, size_t sig_len, const char *what,
		const struct sign_pub **who, char comment_out[SIGN_COMMENT_MAX + 1],
		struct err *e)
{
	return sign_verify_as(keys, nkeys, data, len, sig, sig_len, what,
			      "--trust", who, comment_out, e);
}

int sign_verify_as(const struct sign_pub *keys, size_t nkeys,
		   const void *data, size_t len, const void *sig,
		   size_t sig_len, const char *what, const char *key_option,
		   const struct sign_pub **who,
		   char comment_out[SIGN_COMMENT_MAX + 1], struct err *e)
{
	unsigned char hash[crypto_generichash_BYTES_MAX];
	unsigned char sigraw[SIG_STRUCT], global[SIG_BYTES];
	unsigned char tbs[SIG_BYTES + SIGN_COMMENT_MAX];
	const char *p = sig, *end = p + sig_len, *line, *comment;
	const struct sign_pub *key = NULL;
	struct sign_pub tmp;
	size_t llen, clen, i;
	char id[17], trusted[600];
	int nl;

	if (!what)
		what = "signature";
	if (sodium_ready(e) < 0)
		return -1;
	if (sig_len > SIG_MAX_BYTES)
		return err_set(e, ERR_REFUSED,
			       "%s: too large for a minisign signature", what);
	if (memchr(sig, 0, sig_len))
		return err_set(e, ERR_REFUSED,
			       "%s: not a minisign signature (NUL byte)", what);
	if (next_line(&p, end, &line, &llen, &nl) < 0 ||
	    !has_prefix(line, llen, untrusted_prefix) || !nl)
		return err_set(e, ERR_REFUSED,
			       "%s: not a minisign signature (no \"untrusted "
			       "comment:\" line)", what);
	if (next_line(&p, end, &line, &llen, &nl) < 0 ||
	    b64_exact(line, llen, sigraw, sizeof sigraw) < 0)
		return err_set(e, ERR_REFUSED,
			       "%s: bad base64 in the signature line", what);
	if (!nl || next_line(&p, end, &line, &llen, &nl) < 0)
		return err_set(e, ERR_REFUSED,
			       "%s: missing trusted comment line", what);
	if (!has_prefix(line, llen, trusted_prefix))
		return err_set(e, ERR_REFUSED,
			       "%s: missing trusted comment line (line 3 does "
			       "not begin \"trusted comment: \")", what);
	comment = line + strlen(trusted_prefix);
	clen = llen - strlen(trusted_prefix);
	if (!comment_ok(comment, clen))
		return err_set(e, ERR_REFUSED,
			       "%s: trusted comment is longer than %d bytes or "
			       "not printable ASCII", what, SIGN_COMMENT_MAX);
	if (!nl || next_line(&p, end, &line, &llen, &nl) < 0)
		return err_set(e, ERR_REFUSED,
			       "%s: missing the global signature line", what);
	if (b64_exact(line, llen, global, sizeof global) < 0)
		return err_set(e, ERR_REFUSED,
			       "%s: bad base64 in the global signature line",
			       what);
	/* minisign ends every line with a newline; a file without the last
	 * one was cut, and is refused like any other changed byte. */
	if (!nl)
		return err_set(e, ERR_REFUSED,
			       "%s: no newline after the global signature "
			       "line; the file was cut", what);
	if (p != end)
		return err_set(e, ERR_REFUSED,
			       "%s: unexpected text after the signature", what);

	if (!memcmp(sigraw, "Ed", ALG_BYTES))
		return err_set(e, ERR_REFUSED,
			       "%s: legacy (non-prehashed) signature refused; "
			       "hint: sign with `labrun pack` or `minisign -S` "
			       "(prehashed by default)", what);
	if (memcmp(sigraw, "ED", ALG_BYTES) != 0)
		return err_set(e, ERR_REFUSED,
			       "%s: unsupported signature algorithm", what);
	for (i = 0; i < nkeys; i++)
		if (!memcmp(keys[i].keyid, sigraw + ALG_BYTES, SIGN_KEYID_BYTES)) {
			key = &keys[i];
			break;
		}
	if (!key) {
		memcpy(tmp.keyid, sigraw + ALG_BYTES, SIGN_KEYID_BYTES);
		sign_keyid_hex(&tmp, id);
		if (!nkeys)
			return err_set(e, ERR_REFUSED,
				       "%s: signed by key id %s, and no key is "
				       "trusted; hint: pass the signer's "
				       "public key with %s", what, id,
				       key_option);
		trusted_list(keys, nkeys, trusted, sizeof trusted);
		return err_set(e, ERR_REFUSED,
			       "%s: signed by key id %s, which is not trusted "
			       "(trusted: %s); hint: check %s", what, id,
			       trusted, key_option);
	}
	sign_keyid_hex(key, id);
	prehash(data, len, hash);
	if (crypto_sign_ed25519_verify_detached(sigraw + ALG_BYTES +
						SIGN_KEYID_BYTES,
						hash, sizeof hash, key->pk) != 0)
		return err_set(e, ERR_REFUSED,
			       "%s: signature verification failed; the data "
			       "is not what key %s signed", what, id);
	memcpy(tbs, sigraw + ALG_BYTES + SIGN_KEYID_BYTES, SIG_BYTES);
	memcpy(tbs + SIG_BYTES, comment, clen);
	if (crypto_sign_ed25519_verify_detached(global, tbs, SIG_BYTES + clen,
						key->pk) != 0)
		return err_set(e, ERR_REFUSED,
			       "%s: trusted comment signature verification "
			       "failed; the trusted comment was altered", what);
	if (comment_out) {
		memcpy(comment_out, comment, clen);
		comment_out[clen] = 0;
	}
	if (who)
		*who = key;
	return 0;
}

/* ---- hashes ---- */

/* SHA-256 on the x86 SHA extensions (SHA-NI) when the processor has them.
 * Evidence is hashed member by member when sealed and again when verified,
 * bundles when packed and opened: libsodium's portable SHA-256 was a fifth
 * of `labrun verify`'s time (docs/performance.md); the extensions do the
 * same work several times faster.  The digests are the same bytes; the
 * portable path stays for processors without them and for the unit test
 * that compares the two (tests/unit/test_sign.c). */
#if defined(__x86_64__) || defined(__i386__)

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


void sha256_raw(const void *data, size_t len, unsigned char out[32])
{
	sha256_oneshot(data, len, out);
}

void sha256_hex(const void *data, size_t len, char out[SIGN_SHA256_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	sha256_oneshot(data, len, h);
	hex_encode(h, sizeof h, out);
}

int sign_keyed_hash(const struct sign_sec *sk, const char *domain,
		    const void *msg, size_t len, unsigned char *out,
		    size_t outlen)
{
	unsigned char key[32];
	crypto_generichash_state st;

	if (outlen < crypto_generichash_BYTES_MIN ||
	    outlen > crypto_generichash_BYTES_MAX || !domain)
		return -1;
	if (sodium_init() < 0)
		return -1;
	crypto_generichash_init(&st, NULL, 0, sizeof key);
	crypto_generichash_update(&st, (const unsigned char *)keyed_hash_tag,
				  strlen(keyed_hash_tag));
	crypto_generichash_update(&st, (const unsigned char *)domain,
				  strlen(domain));
	crypto_generichash_update(&st, sk->sk, SK_BYTES);
	crypto_generichash_final(&st, key, sizeof key);
	crypto_generichash(out, outlen, msg, len, key, sizeof key);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(key, sizeof key);
	return 0;
}

int sign_load_issuer(const char *key_path, const char *pub_path,
		     const char *trust_path, struct sign_sec **key,
		     struct sign_pub *issuer, struct sign_trust *trust,
		     struct err *e)
{
	if (sign_sec_load(key_path, key, e) < 0)
		return -1;
	if (pub_path ? sign_pub_load(pub_path, issuer, e) < 0
		     : (sign_sec_pub(*key, issuer), 0)) {
		sign_sec_free(*key);
		*key = NULL;
		return -1;
	}
	if (trust_path && sign_trust_load(trust_path, trust, e) < 0) {
		sign_sec_free(*key);
		*key = NULL;
		return -1;
	}
	return 0;
}

/* ---- raw Ed25519 (Data Integrity proofs) ---- */

int sign_ed25519(const struct sign_sec *sk, const void *msg, size_t len,
		 unsigned char sig[64], struct err *e)
{
	if (sodium_ready(e) < 0)
		return -1;
	if (crypto_sign_detached(sig, NULL, msg, len, sk->sk) != 0)
		return err_set(e, ERR_HOST, "libsodium: cannot sign");
	return 0;
}

int sign_ed25519_verify(const unsigned char pk[SIGN_PK_BYTES],
			const void *msg, size_t len,
			const unsigned char sig[64])
{
	if (sodium_init() < 0)
		return 0;
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

int sign_first_line_known(const void *sig, size_t len)
{
	static const char *const lines[] = {
		SIGN_SIG_FIRST_LINE, SIGN_SIG_FIRST_LINE_MINISIGN,
	};
	size_t i, n;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		n = strlen(lines[i]);
		if (len >= n && !memcmp(sig, lines[i], n))
			return 1;
	}
	return 0;
}
