/* test_sign: keys, minisign signatures and hashes (runner/sign.c): round
 * trips, every refusal of sign_verify and sign_sec_load, and vectors made
 * by stock minisign. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/sign.h"
#include "tests/unit/tap.h"

static char dir[64];

static const char *at(const char *name)
{
	static char path[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
	return path[k];
}

static void put(const char *name, const char *text, mode_t mode)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror(name);
	if (fd >= 0)
		close(fd);
	chmod(at(name), mode);
}

static int has(const struct err *e, const char *needle)
{
	return strstr(e->msg, needle) != NULL;
}

/* Made by stock minisign 0.11 (-G -W, then -S and -S -l) over
 * "labrun interop vector\n". */
static const char ms_pub[] =
	"untrusted comment: minisign public key 5DB6C8A10FF3D262\n"
	"RWRi0vMPoci2Xbk7hkR6YbnF2Gy2jJobBxbA0yPcTbOM4NUgWSg4QjXm\n";
static const char ms_msg[] = "labrun interop vector\n";
static const char ms_sig[] =
	"untrusted comment: signature from minisign secret key\n"
	"RURi0vMPoci2Xfk/WzXzpD4cYCse+jgvmp844K04xACMG0Lx89GQrfGc/FAQB8+3Kw1l2xO"
	"XrQx6EFfJyDFs1PSD21YRPxOupAc=\n"
	"trusted comment: made by stock minisign\n"
	"VPa5Qoa1N9Ky5faKKDg/MdGwZWlYqcpwhKzk831/glcZB8EiQxk9jOxMIBE/L+ICNP0NDm8P"
	"YjtjUOOLuLEtCQ==\n";
static const char ms_legacy[] =
	"untrusted comment: signature from minisign secret key\n"
	"RWRi0vMPoci2XThfWI+SANGgRFZ6fVqT0HdzFyOAgOabPjeq72QhwLTmoMtoFlJHfbyRkvF"
	"M452v143E8jaWHN35x1ZCbtPFLA4=\n"
	"trusted comment: timestamp:1795610681\tfile:vec.txt\n"
	"G7PE4VzqUP8HI/s9q+hD7mYRBVSCjR2iR1pq5YPlfJ0Oxou3qh0XcQbtLjMxOW4aJbHn52h"
	"h6AHA0wLVO3sLDw==\n";
/* The same key pair's unencrypted secret key as minisign -G -W writes it:
 * its checksum is left zero. */
static const char ms_sec[] =
	"untrusted comment: minisign encrypted secret key\n"
	"RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAYt"
	"LzD6HItl2MZT2ADzJch8hfm/MRo/1FZyJezvDVFEMnrNrDnleXv7k7hkR6YbnF2Gy2jJobBx"
	"bA0yPcTbOM4NUgWSg4QjXmAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

/* Re-encode a labrun secret key file after changing its decoded bytes. */
static void rewrite_sec(const char *from, const char *to, size_t off,
			const void *bytes, size_t n, mode_t mode)
{
	struct buf b = BUF_INIT;
	struct err e = {ERR_NONE, ""};
	unsigned char raw[158];
	char *nl, out[512], b64[256];
	size_t rawlen = 0;

	if (read_file_bounded(at(from), 4096, &b, &e) < 0)
		return;
	nl = strchr((char *)b.data, '\n');
	sodium_base642bin(raw, sizeof raw, nl + 1, strcspn(nl + 1, "\n"), NULL,
			  &rawlen, NULL, sodium_base64_VARIANT_ORIGINAL);
	memcpy(raw + off, bytes, n);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, sizeof out, "untrusted comment: test\n%s\n", b64);
	put(to, out, mode);
	buf_release(&b);
}

/* Replace line 'line' (0-based) of a signature text. */
static void swap_line(const struct buf *sig, int line, const char *with,
		      struct buf *out)
{
	const char *p = (const char *)sig->data, *nl;
	struct err e = {ERR_NONE, ""};
	int i = 0;

	out->data = NULL;
	out->len = out->cap = 0;
	while (*p) {
		nl = strchr(p, '\n');
		if (i == line)
			buf_puts(out, with, &e);
		else
			buf_append(out, p, (size_t)(nl - p) + 1, &e);
		p = nl + 1;
		i++;
	}
}

/* A copy of a signature text with one base64 digit of a line changed. */
static void flip(const struct buf *sig, int line, size_t pos, struct buf *out)
{
	struct err e = {ERR_NONE, ""};
	char *p;
	int i;

	out->data = NULL;
	out->len = out->cap = 0;
	buf_append(out, sig->data, sig->len, &e);
	p = (char *)out->data;
	for (i = 0; i < line; i++)
		p = strchr(p, '\n') + 1;
	p[pos] = p[pos] == 'A' ? 'B' : 'A';
}

static void test_keys(void)
{
	struct sign_pub pub, from_sec;
	struct sign_sec *sk = NULL;
	struct err e = {ERR_NONE, ""};
	struct stat st;
	char id[17], want[80];
	struct buf b = BUF_INIT;

	ok(sign_keygen(at("a.pub"), at("a.key"), &e) == 0, "keygen: %s", e.msg);
	ok(stat(at("a.key"), &st) == 0 && (st.st_mode & 0777) == 0600,
	   "secret key is mode 0600");
	ok(sign_pub_load(at("a.pub"), &pub, &e) == 0, "public key loads: %s",
	   e.msg);
	ok(sign_sec_load(at("a.key"), &sk, &e) == 0, "secret key loads: %s",
	   e.msg);
	if (!sk)
		return;
	sign_sec_pub(sk, &from_sec);
	ok(!memcmp(pub.keyid, from_sec.keyid, SIGN_KEYID_BYTES) &&
	   !memcmp(pub.pk, from_sec.pk, SIGN_PK_BYTES),
	   "key pair round trips");
	sign_keyid_hex(&pub, id);
	snprintf(want, sizeof want, "untrusted comment: labrun public key %s\n",
		 id);
	read_file_bounded(at("a.pub"), 4096, &b, &e);
	ok(b.data && !strncmp((char *)b.data, want, strlen(want)),
	   "public key comment names the key id");
	buf_release(&b);
	sign_sec_free(sk);

	ok(sign_keygen(at("a.pub"), at("b.key"), &e) < 0 &&
	   e.kind == ERR_REFUSED && has(&e, "already exists"),
	   "keygen refuses an existing public key");
	ok(access(at("b.key"), F_OK) < 0, "... and writes no secret key");
	ok(sign_keygen(at("c.pub"), at("a.key"), &e) < 0 &&
	   has(&e, "already exists"), "keygen refuses an existing secret key");
	ok(access(at("c.pub"), F_OK) < 0, "... and writes no public key");
	ok(sign_keygen(at("same"), at("same"), &e) < 0,
	   "keygen refuses one file for both keys");
}

static void test_sec_refusals(void)
{
	struct sign_sec *sk = NULL;
	struct err e = {ERR_NONE, ""};
	unsigned char junk = 0x55;

	chmod(at("a.key"), 0640);
	ok(sign_sec_load(at("a.key"), &sk, &e) < 0 &&
	   has(&e, "readable by group or others; hint: chmod 600"),
	   "group-readable secret key refused: %s", e.msg);
	chmod(at("a.key"), 0604);
	ok(sign_sec_load(at("a.key"), &sk, &e) < 0 &&
	   has(&e, "readable by group or others"),
	   "other-readable secret key refused");
	chmod(at("a.key"), 0620);
	ok(sign_sec_load(at("a.key"), &sk, &e) < 0 && has(&e, "chmod 600"),
	   "group-writable secret key refused");
	chmod(at("a.key"), 0600);
	ok(sign_sec_load(at("a.key"), &sk, &e) == 0, "0600 key loads");
	sign_sec_free(sk);
	sk = NULL;

	symlink(at("a.key"), at("link.key"));
	ok(sign_sec_load(at("link.key"), &sk, &e) < 0 &&
	   has(&e, "symbolic link"), "symlinked secret key refused");
	mkdir(at("dir.key"), 0700);
	ok(sign_sec_load(at("dir.key"), &sk, &e) < 0 &&
	   has(&e, "not a regular file"), "directory refused");
	mkfifo(at("fifo.key"), 0600);
	ok(sign_sec_load(at("fifo.key"), &sk, &e) < 0 &&
	   has(&e, "not a regular file"), "FIFO refused without blocking");
	ok(sign_sec_load(at("missing.key"), &sk, &e) < 0 &&
	   e.kind == ERR_REFUSED, "missing key refused");

	rewrite_sec("a.key", "chk.key", 126, &junk, 1, 0600);
	ok(sign_sec_load(at("chk.key"), &sk, &e) < 0 &&
	   has(&e, "checksum mismatch"), "checksum mismatch refused: %s",
	   e.msg);
	rewrite_sec("a.key", "enc.key", 2, "Sc", 2, 0600);
	ok(sign_sec_load(at("enc.key"), &sk, &e) < 0 &&
	   has(&e, "unencrypted") && has(&e, "minisign -G -W"),
	   "encrypted key refused with the fix: %s", e.msg);
	rewrite_sec("a.key", "alg.key", 0, "Xx", 2, 0600);
	ok(sign_sec_load(at("alg.key"), &sk, &e) < 0 &&
	   has(&e, "algorithm"), "unknown algorithm refused");
	{
		unsigned char zero[32] = {0};
		rewrite_sec("a.key", "half.key", 126, zero, 32, 0600);
		rewrite_sec("half.key", "half2.key", 100, &junk, 1, 0600);
		ok(sign_sec_load(at("half2.key"), &sk, &e) < 0 &&
		   has(&e, "do not match"),
		   "damaged public half refused even without a checksum");
	}
	put("b64.key", "untrusted comment: x\nnot base64!\n", 0600);
	ok(sign_sec_load(at("b64.key"), &sk, &e) < 0 && has(&e, "base64"),
	   "bad base64 refused");
	put("nocomment.key", "RWQAAEIy\n", 0600);
	ok(sign_sec_load(at("nocomment.key"), &sk, &e) < 0,
	   "key without comment line refused");
	{
		char big[KEY_MAX_BYTES + 10];
		memset(big, 'A', sizeof big - 1);
		big[sizeof big - 1] = 0;
		put("big.key", big, 0600);
		ok(sign_sec_load(at("big.key"), &sk, &e) < 0 &&
		   has(&e, "too large"), "oversized key file refused");
	}
	put("ms.key", ms_sec, 0600);
	e.msg[0] = 0;
	ok(sign_sec_load(at("ms.key"), &sk, &e) == 0,
	   "minisign -G -W key (zero checksum) loads: %s", e.msg);
	if (sk) {
		struct sign_pub a, b;
		sign_sec_pub(sk, &a);
		sign_pub_parse(ms_pub, strlen(ms_pub), "ms.pub", &b, &e);
		ok(!memcmp(a.pk, b.pk, 32) && !memcmp(a.keyid, b.keyid, 8),
		   "... and matches its public key");
		sign_sec_free(sk);
	}
}

static void test_sign_verify(void)
{
	static const char data[] = "bundle bytes\n";
	struct sign_sec *sk = NULL;
	struct sign_pub keys[2];
	const struct sign_pub *who = NULL;
	struct buf sig = BUF_INIT, bad = BUF_INIT;
	struct err e = {ERR_NONE, ""};
	char comment[SIGN_COMMENT_MAX + 1], id[17];

	if (sign_sec_load(at("a.key"), &sk, &e) < 0) {
		ok(0, "load key: %s", e.msg);
		return;
	}
	sign_keygen(at("other.pub"), at("other.key"), &e);
	sign_pub_load(at("other.pub"), &keys[0], &e);
	sign_pub_load(at("a.pub"), &keys[1], &e);
	ok(sign_data(sk, data, strlen(data), "labrun test\tcomment", &sig, &e)
	   == 0, "sign: %s", e.msg);
	ok(!strncmp((char *)sig.data,
		    "untrusted comment: signature from labrun secret key\n", 52),
	   "signature starts with minisign's comment line");
	ok(sign_verify(keys, 2, data, strlen(data), sig.data, sig.len, "t.sig",
		       &who, comment, &e) == 0, "verify: %s", e.msg);
	ok(who == &keys[1], "signer points into the key set");
	is_str(comment, "labrun test\tcomment", "trusted comment returned");

	ok(sign_verify(keys, 2, "bundle bytes!", 13, sig.data, sig.len, "t.sig",
		       NULL, NULL, &e) < 0 && e.kind == ERR_REFUSED &&
	   has(&e, "verification failed"), "tampered data refused");
	ok(sign_verify(keys, 1, data, strlen(data), sig.data, sig.len, "t.sig",
		       NULL, NULL, &e) < 0 && has(&e, "not trusted"),
	   "wrong key refused");
	sign_keyid_hex(&keys[1], id);
	ok(has(&e, id) && has(&e, "other.pub"),
	   "... naming the key id and the trust source: %s", e.msg);
	ok(sign_verify(keys, 0, data, strlen(data), sig.data, sig.len, "t.sig",
		       NULL, NULL, &e) < 0 && has(&e, "--trust"),
	   "empty trust set refused");

	/* The unused low bits of the last base64 character before the
	 * padding: a decoder that ignored them would take a changed byte of
	 * the file for the same signature (found by flipping bytes of
	 * evidence). */
	{
		static const char alpha[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		char *l2 = strchr((char *)sig.data, '\n') + 1;
		char *pad = strchr(l2, '=');
		const char *pos = pad ? strchr(alpha, pad[-1]) : NULL;
		struct buf alt = BUF_INIT;

		buf_append(&alt, sig.data, sig.len, NULL);
		if (pos)
			alt.data[pad - 1 - (char *)sig.data] =
				alpha[(pos - alpha) ^ 1];
		ok(pos && sign_verify(keys, 2, data, strlen(data), alt.data,
				      alt.len, "t.sig", NULL, NULL, &e) < 0,
		   "a non-canonical base64 spelling of the same signature is refused");
		buf_release(&alt);
	}
	swap_line(&sig, 2, "trusted comment: labrun test\tcomment!\n", &bad);
	ok(sign_verify(keys, 2, data, strlen(data), bad.data, bad.len, "t.sig",
		       NULL, NULL, &e) < 0 && has(&e, "trusted comment"),
	   "altered trusted comment refused: %s", e.msg);
	buf_release(&bad);
	flip(&sig, 3, 10, &bad);
	ok(sign_verify(keys, 2, data, strlen(data), bad.data, bad.len, "t.sig",
		       NULL, NULL, &e) < 0 && has(&e, "trusted comment"),
	   "bad global signature refused: %s", e.msg);
	buf_release(&bad);
	flip(&sig, 1, 30, &bad);
	ok(sign_verify(keys, 2, data, strlen(data), bad.data, bad.len, "t.sig",
		       NULL, NULL, &e) < 0 && has(&e, "verification failed"),
	   "bad signature refused: %s", e.msg);
	buf_release(&bad);
	swap_line(&sig, 1, "RUS!!!notbase64\n", &bad);
	ok(sign_verify(keys, 2, data, strlen(data), bad.data, bad.len, "t.sig",
		       NULL, NULL, &e) < 0 && has(&e, "base64"),
	   "bad base64 refused");
	buf_release(&bad);
	swap_line(&sig, 2, "", &bad);
	ok(sign_verify(keys, 2, data, strlen(data), bad.data, bad.len, "t.sig",
		       NULL, NULL, &e) < 0 && has(&e, "missing trusted comment"),
	   "missing trusted comment line refused: %s", e.msg);
	buf_release(&bad);
	ok(sign_verify(keys, 2, data, strlen(data), sig.data,
		       (size_t)(strchr(strchr((char *)sig.data, '\n') + 1, '\n') -
				(char *)sig.data + 1),
		       "t.sig", NULL, NULL, &e) < 0 &&
	   has(&e, "missing trusted comment"),
	   "signature cut after two lines refused");
	/* Found by the tamper sweep (test_tamper): a bundle's signature cut
	 * by its last byte was still taken. */
	ok(sign_verify(keys, 2, data, strlen(data), sig.data, sig.len - 1,
		       "t.sig", NULL, NULL, &e) < 0 && e.kind == ERR_REFUSED &&
	   has(&e, "no newline after the global signature line"),
	   "a signature cut by its final newline is refused: %s", e.msg);
	{
		struct buf more = BUF_INIT;
		buf_append(&more, sig.data, sig.len, &e);
		buf_puts(&more, "extra\n", &e);
		ok(sign_verify(keys, 2, data, strlen(data), more.data, more.len,
			       "t.sig", NULL, NULL, &e) < 0,
		   "trailing text refused");
		buf_release(&more);
	}
	ok(sign_verify(keys, 2, data, strlen(data), "", 0, "t.sig", NULL,
		       NULL, &e) < 0, "empty signature refused");

	{
		struct buf x = BUF_INIT;
		ok(sign_data(sk, data, 3, "two\nlines", &x, &e) < 0,
		   "newline in trusted comment refused when signing");
		buf_release(&x);
	}
	buf_release(&sig);
	sign_sec_free(sk);
}

static void test_minisign_vectors(void)
{
	struct sign_pub pk;
	const struct sign_pub *who = NULL;
	struct err e = {ERR_NONE, ""};
	char comment[SIGN_COMMENT_MAX + 1], id[17];

	ok(sign_pub_parse(ms_pub, strlen(ms_pub), "ms.pub", &pk, &e) == 0,
	   "minisign public key parses: %s", e.msg);
	sign_keyid_hex(&pk, id);
	is_str(id, "5DB6C8A10FF3D262", "key id printed as minisign does");
	ok(sign_verify(&pk, 1, ms_msg, strlen(ms_msg), ms_sig, strlen(ms_sig),
		       "vec.minisig", &who, comment, &e) == 0,
	   "minisign-made prehashed signature verifies: %s", e.msg);
	is_str(comment, "made by stock minisign", "its trusted comment");
	ok(sign_verify(&pk, 1, ms_msg, strlen(ms_msg), ms_legacy,
		       strlen(ms_legacy), "vec.legacy", NULL, NULL, &e) < 0 &&
	   has(&e, "legacy"), "legacy \"Ed\" signature refused: %s", e.msg);
	ok(sign_pub_parse("RWRi0vMPoci2Xbk7hkR6YbnF2Gy2jJobBxbA0yPcTbOM4NUgWSg4QjXm",
			  56, "bare", &pk, &e) == 0, "bare base64 key parses");
	ok(sign_pub_parse("RWRi0vMPoci2Xbk7hkR6YbnF2Gy2jJobBxbA0yPcTbOM4NUgWSg4Qj",
			  54, "short", &pk, &e) < 0, "short key refused");
	ok(sign_pub_parse("untrusted comment: x\n", 21, "nokey", &pk, &e) < 0,
	   "comment without key refused");
}

static void test_trust(void)
{
	struct sign_trust t = {NULL, 0};
	struct err e = {ERR_NONE, ""};
	char name[64];
	int i;

	ok(sign_trust_load(at("a.pub"), &t, &e) == 0 && t.n == 1,
	   "trust: one file");
	sign_trust_release(&t);
	mkdir(at("trust"), 0755);
	ok(sign_trust_load(at("trust"), &t, &e) < 0 && has(&e, "no *.pub"),
	   "trust: empty directory refused naming it: %s", e.msg);
	{
		struct buf b = BUF_INIT;
		read_file_bounded(at("a.pub"), 4096, &b, &e);
		put("trust/b.pub", (char *)b.data, 0644);
		buf_release(&b);
		read_file_bounded(at("other.pub"), 4096, &b, &e);
		put("trust/a.pub", (char *)b.data, 0644);
		buf_release(&b);
	}
	put("trust/README", "not a key", 0644);
	e.msg[0] = 0;
	ok(sign_trust_load(at("trust"), &t, &e) == 0 && t.n == 2,
	   "trust: a directory of *.pub files: %s", e.msg);
	ok(t.n == 2 && strstr(t.keys[0].source, "trust/a.pub") &&
	   strstr(t.keys[1].source, "trust/b.pub"), "... loaded in sorted order");
	sign_trust_release(&t);
	put("trust/c.pub", "garbage", 0644);
	ok(sign_trust_load(at("trust"), &t, &e) < 0 && has(&e, "c.pub"),
	   "trust: a bad key file is named");
	unlink(at("trust/c.pub"));
	mkdir(at("many"), 0755);
	for (i = 0; i <= TRUST_MAX_KEYS; i++) {
		snprintf(name, sizeof name, "many/k%03d.pub", i);
		put(name, ms_pub, 0644);
	}
	ok(sign_trust_load(at("many"), &t, &e) < 0 && has(&e, "more than"),
	   "trust: more than %d keys refused", TRUST_MAX_KEYS);
	ok(sign_trust_load(at("nonexistent"), &t, &e) < 0,
	   "trust: missing path refused");
}

static void test_hashes(void)
{
	char hex[SIGN_SHA256_HEX];
	unsigned char a[32], b[32], c[32];
	struct sign_sec *sk = NULL, *sk2 = NULL;
	struct err e = {ERR_NONE, ""};

	sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256 of \"abc\"");
	if (sign_sec_load(at("a.key"), &sk, &e) < 0 ||
	    sign_sec_load(at("other.key"), &sk2, &e) < 0) {
		ok(0, "load keys: %s", e.msg);
		return;
	}
	ok(sign_keyed_hash(sk, "seed", "x", 1, a, 32) == 0 &&
	   sign_keyed_hash(sk, "seed", "x", 1, b, 32) == 0 && !memcmp(a, b, 32),
	   "keyed hash is deterministic");
	sign_keyed_hash(sk, "pseudonym", "x", 1, c, 32);
	ok(memcmp(a, c, 32) != 0, "domains separate");
	sign_keyed_hash(sk2, "seed", "x", 1, c, 32);
	ok(memcmp(a, c, 32) != 0, "keys separate");
	ok(sign_keyed_hash(sk, "seed", "x", 1, a, 15) < 0 &&
	   sign_keyed_hash(sk, "seed", "x", 1, a, 65) < 0,
	   "output length bounded to 16..64");
	sign_sec_free(sk);
	sign_sec_free(sk2);
}

/* The SHA extensions' path (runner/sign.c) against libsodium's portable
 * SHA-256 at every length around the block and padding edges (55, 56, 63,
 * 64 bytes and their multiples) and at a few large ones, over bytes that
 * are not all alike; and the FIPS 180-4 two-block vector. */
static void test_sha256_paths(void)
{
	static unsigned char data[200000];
	unsigned char a[32], b[32];
	char hex[SIGN_SHA256_HEX];
	size_t sizes[] = {1000, 4096, 65535, 65536, 131071, sizeof data};
	size_t i, bad = 0, checked = 0;

	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 8) * 7 + 3);
	printf("# SHA extensions: %s\n", sha256_accelerated() ? "used" : "absent");
	for (i = 0; i < 300 + sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = i < 300 ? i : sizes[i - 300];

		sha256_raw(data, n, a);
		crypto_hash_sha256(b, data, n);
		bad += memcmp(a, b, 32) != 0;
		checked++;
	}
	ok(bad == 0, "sha256: %zu of %zu lengths differ from libsodium's", bad, checked);
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	       "sha256 of the FIPS 180-4 two-block message");
	sha256_use_portable(1);
	ok(!sha256_accelerated(), "sha256: the portable path can be pinned");
	sha256_raw(data, sizeof data, a);
	sha256_use_portable(0);
	sha256_raw(data, sizeof data, b);
	ok(!memcmp(a, b, 32), "sha256: portable and default paths agree");
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/labrun-test-sign.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	test_keys();
	test_sec_refusals();
	test_sign_verify();
	test_minisign_vectors();
	test_trust();
	test_hashes();
	test_sha256_paths();
	{
		struct err e = {ERR_NONE, ""};
		remove_tree(dir, &e);
	}
	return tap_done();
}
