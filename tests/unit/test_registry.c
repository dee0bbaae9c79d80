/* test_registry: the registry directory and its signed log, status list
 * bits, their GZIP/base64url encoding and the signed status list
 * credential read back (runner/registry.c, runner/status_list.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/credential.h"
#include "runner/registry.h"
#include "runner/sign.h"
#include "runner/status_list.h"
#include "tests/unit/tap.h"

static char top[] = "/tmp/labrun-test-registry.XXXXXX";

static void test_bits(void)
{
	unsigned char b[4] = {0};
	unsigned char *back = NULL;
	struct buf enc = BUF_INIT, raw = BUF_INIT;
	size_t n = 0;
	struct err e;

	sl_bit_set(b, 0);
	sl_bit_set(b, 9);
	sl_bit_set(b, 31);
	ok(b[0] == 0x80 && b[1] == 0x40 && b[2] == 0 && b[3] == 0x01,
	   "index 0 is the most significant bit of the first byte");
	ok(sl_bit_get(b, 4, 9) == 1 && sl_bit_get(b, 4, 8) == 0 &&
	   sl_bit_get(b, 4, 32) == -1, "bits read back; past the end is -1");
	ok(sl_encode_list(b, sizeof b, &enc, &e) == 0 && enc.data[0] == 'u',
	   "encoded with the multibase prefix u");
	ok(sl_base64_decode((const char *)enc.data + 1, enc.len - 1, 1, 1000,
			    &raw, "t", &e) == 0 &&
	   raw.len > 10 && raw.data[0] == 0x1f && raw.data[1] == 0x8b,
	   "base64url of a GZIP stream (1f 8b)");
	ok(!strchr((const char *)enc.data, '=') && !strchr((const char *)enc.data, '+') &&
	   !strchr((const char *)enc.data, '/'), "base64url without padding");
	ok(sl_decode_list((const char *)enc.data, &back, &n, &e) == 0 && n == 4 &&
	   !memcmp(back, b, 4), "decodes back to the same bits");
	free(back);
	ok(sl_decode_list("zabc", &back, &n, &e) < 0 && e.kind == ERR_REFUSED,
	   "a list without the u prefix is refused");
	ok(sl_decode_list("uAAAA", &back, &n, &e) < 0 && e.kind == ERR_REFUSED,
	   "bytes that are not GZIP are refused");
	buf_release(&enc);
	buf_release(&raw);
	{
		/* a bomb: 2 MiB of zeros compresses to ~2 KiB */
		unsigned char *z = calloc(1, 2u << 20);

		ok(z && sl_encode_list(z, 2u << 20, &enc, &e) == 0 &&
		   sl_decode_list((const char *)enc.data, &back, &n, &e) < 0 &&
		   strstr(e.msg, "bound"), "a list over the bound is refused: %s", e.msg);
		free(z);
		buf_release(&enc);
	}
	{
		struct buf s = BUF_INIT, d = BUF_INIT;

		sl_base64_encode((const unsigned char *)"Hello", 5, 0, &s, &e);
		is_str((const char *)s.data, "SGVsbG8=", "standard base64 with padding");
		ok(sl_base64_decode("SGVsbG9=", 8, 0, 100, &d, "t", &e) < 0,
		   "stray bits in the last character are refused");
		buf_release(&d);
		ok(sl_base64_decode("SGVsbG8=", 8, 0, 100, &d, "t", &e) == 0 &&
		   d.len == 5 && !memcmp(d.data, "Hello", 5), "and decoded");
		buf_release(&s);
		buf_release(&d);
	}
}

static void test_did_web(void)
{
	char did[512];
	struct err e;

	ok(registry_did_web("https://certs.example.org", did, sizeof did, &e) == 0,
	   "a host");
	is_str(did, "did:web:certs.example.org", "its did:web");
	ok(registry_did_web("https://example.org:8443/reg/certs", did, sizeof did, &e) == 0,
	   "a port and a path");
	is_str(did, "did:web:example.org%3A8443:reg:certs", "the port encoded, the path in parts");
	ok(registry_did_web("http://example.org", did, sizeof did, &e) < 0 &&
	   e.kind == ERR_USAGE, "http is refused");
	ok(registry_did_web("https://example.org/a?b", did, sizeof did, &e) < 0,
	   "a query is refused");
	ok(registry_did_web("https://example.org/", did, sizeof did, &e) < 0,
	   "a trailing slash is refused");
	ok(registry_did_web("https://Example.org", did, sizeof did, &e) < 0,
	   "an uppercase host is refused");
}

/* Replace the first occurrence of from with to in a file. */
static int edit(const char *path, const char *from, const char *to)
{
	struct buf b = BUF_INIT, o = BUF_INIT;
	struct err e;
	char *p;
	int rc = -1;

	if (read_file_bounded(path, 1u << 24, &b, &e) < 0)
		return -1;
	p = strstr((char *)b.data, from);
	if (p && buf_append(&o, b.data, (size_t)(p - (char *)b.data), &e) == 0 &&
	    buf_puts(&o, to, &e) == 0 && buf_puts(&o, p + strlen(from), &e) == 0)
		rc = write_file_atomic(path, o.data, o.len, 0600, &e);
	buf_release(&b);
	buf_release(&o);
	return rc;
}

static void copy_file(const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	struct err e;

	if (read_file_bounded(from, 1u << 24, &b, &e) == 0)
		write_file_atomic(to, b.data, b.len, 0600, &e);
	buf_release(&b);
}

static void test_log(void)
{
	struct sign_sec *k1 = NULL, *k2 = NULL;
	struct registry *r = NULL;
	char reg[200], log[220], saved[220];
	unsigned a = 0, b = 0, c = 0;
	struct err e;
	const struct registry_entry *n;

	snprintf(reg, sizeof reg, "%s/reg", top);
	snprintf(log, sizeof log, "%s/log.jsonl", reg);
	snprintf(saved, sizeof saved, "%s/saved.jsonl", top);
	if (sign_sec_ephemeral(&k1, &e) < 0 || sign_sec_ephemeral(&k2, &e) < 0) {
		ok(0, "keys: %s", e.msg);
		return;
	}
	ok(registry_init(reg, k1, "https://certs.example.org", "tester", &e) == 0,
	   "init: %s", e.kind ? e.msg : "ok");
	ok(registry_init(reg, k1, "https://certs.example.org", "tester", &e) < 0,
	   "init twice is refused");
	ok(registry_open(reg, &r, &e) == 0 && registry_nkeys(r) == 1 &&
	   registry_nentries(r) == 0 && registry_nlines(r) == 2,
	   "a new registry: one key, no entries, two lines");
	registry_close(r);
	ok(registry_allocate(reg, k1, "c-0123456789abcdef", "urn:labrun:scenario:s:1", &a, &e) == 0 &&
	   a == 1, "the first index is 1");
	ok(registry_bind(reg, k1, a, "urn:labrun:credential:sha256:aa", &e) == 0, "bound");
	/* a crash between allocate and bind: the index is never bound */
	ok(registry_allocate(reg, k1, "c-0123456789abcdef", "urn:labrun:scenario:s:1", &b, &e) == 0 &&
	   b == 2, "the second is 2");
	ok(registry_allocate(reg, k1, "c-0123456789abcdef", "urn:labrun:scenario:s:1", &c, &e) == 0 &&
	   c == 3, "after an allocation never bound (a crash), the next is 3, not 2 again");
	ok(registry_open(reg, &r, &e) == 0 && registry_nentries(r) == 3,
	   "reopened: three entries");
	n = r ? registry_find_index(r, 2) : NULL;
	ok(n && !n->credential[0], "index 2 stays allocated and unbound");
	registry_close(r);
	ok(registry_bind(reg, k1, 3, "urn:labrun:credential:sha256:aa", &e) < 0,
	   "one credential bound to two indices is refused");
	ok(registry_bind(reg, k1, 3, "urn:labrun:credential:sha256:cc", &e) == 0,
	   "index 3 bound");
	ok(registry_allocate(reg, k2, "c-0123456789abcdef", "x", &c, &e) < 0 &&
	   strstr(e.msg, "current key"), "another key cannot allocate: %s", e.msg);
	ok(registry_set_status(reg, k1, "tester", "suspend",
			       "urn:labrun:credential:sha256:aa", "under review", &e) == 0,
	   "suspended");
	ok(registry_set_status(reg, k1, "tester", "suspend",
			       "urn:labrun:credential:sha256:aa", "again", &e) < 0,
	   "suspending a suspended credential is refused");
	ok(registry_set_status(reg, k1, "tester", "reinstate",
			       "urn:labrun:credential:sha256:aa", "cleared", &e) == 0,
	   "reinstated");
	ok(registry_set_status(reg, k1, "tester", "revoke",
			       "urn:labrun:credential:sha256:cc", "misconduct", &e) == 0,
	   "revoked");
	ok(registry_set_status(reg, k1, "tester", "reinstate",
			       "urn:labrun:credential:sha256:cc", "oops", &e) < 0 &&
	   strstr(e.msg, "final"), "a revocation is final");
	ok(registry_set_status(reg, k1, "tester", "revoke",
			       "urn:labrun:credential:sha256:zz", "x", &e) < 0,
	   "an unknown credential is refused");
	ok(registry_set_status(reg, k1, "tester", "revoke",
			       "urn:labrun:credential:sha256:aa", "bad\nreason", &e) < 0 &&
	   e.kind == ERR_USAGE, "a reason with a newline is refused");
	ok(registry_open(reg, &r, &e) == 0, "reopened");
	n = r ? registry_find(r, "urn:labrun:credential:sha256:cc") : NULL;
	ok(n && !strcmp(n->status, "revoked") && !strcmp(n->reason, "misconduct") &&
	   !strcmp(n->actor, "tester"), "the revocation, its reason and actor replayed");
	n = r ? registry_find(r, "urn:labrun:credential:sha256:aa") : NULL;
	ok(n && !strcmp(n->status, "active"), "the reinstated one is active");

	/* the status list credential, read back */
	{
		struct buf sl = BUF_INIT, sl2 = BUF_INIT;
		struct trust_keys tk;
		struct status_list *l = NULL;

		ok(registry_status_list(r, "revocation", k1, "2026-12-07T12:00:00Z", &sl, &e) == 0,
		   "the revocation list");
		ok(registry_trust_keys(r, &tk, &e) == 0 && tk.n == 1, "the registry's keys");
		ok(status_list_read(sl.data, sl.len, "revocation.json", &tk, &l, &e) == 0,
		   "read back: %s", l ? "ok" : e.msg);
		ok(l && status_list_bit(l, 3) == 1 && status_list_bit(l, 1) == 0 &&
		   status_list_bit(l, 2) == 0 && l->nbytes == SL_LIST_BITS / 8,
		   "index 3's bit is set, 1 and 2 clear, 16 KiB");
		ok(l && !strcmp(l->id, "https://certs.example.org/status/revocation.json") &&
		   !strcmp(l->purpose, "revocation"), "its id and purpose");
		status_list_free(l);
		ok(registry_status_list(r, "suspension", k2, "2026-12-07T12:00:00Z", &sl2, &e) < 0,
		   "only the current key signs a list");
		{
			char *p = strstr((char *)sl.data, "\"statusPurpose\": \"revocation\"");

			if (p)
				memcpy(p + 18, "suspension", 10);
			ok(p && status_list_read(sl.data, sl.len, "t.json", &tk, &l, &e) < 0 &&
			   strstr(e.msg, "changed"), "a changed list fails its proof: %s", e.msg);
		}
		trust_keys_release(&tk);
		buf_release(&sl);
		buf_release(&sl2);
	}
	registry_close(r);

	/* rotation and compromise */
	copy_file(log, saved);
	ok(registry_rotate(reg, k1, k2, "tester", &e) == 0, "rotated: %s", e.kind ? e.msg : "ok");
	ok(registry_allocate(reg, k1, "c-0123456789abcdef", "x", &c, &e) < 0,
	   "the old key no longer allocates");
	ok(registry_allocate(reg, k2, "c-0123456789abcdef", "x", &c, &e) == 0 && c == 4,
	   "the new one does, index 4");
	{
		struct sign_pub p1;
		char id1[17];

		sign_sec_pub(k1, &p1);
		sign_keyid_hex(&p1, id1);
		ok(registry_compromise(reg, k2, id1, "2026-01-01T00:00:00Z", "tester", &e) == 0,
		   "the old key compromised");
		ok(registry_open(reg, &r, &e) == 0, "reopened");
		ok(r && registry_nkeys(r) == 2 && !registry_key(r, 0)->current &&
		   registry_key(r, 0)->until[0] &&
		   !strcmp(registry_key(r, 0)->compromised_from, "2026-01-01T00:00:00Z") &&
		   registry_key(r, 1)->current, "the old key retired and compromised, the new current");
		{
			struct buf d = BUF_INIT;
			struct trust_keys tk;
			const struct trust_key *who;

			memset(&tk, 0, sizeof tk);
			ok(r && registry_identity_doc(r, &d, &e) == 0 &&
			   strstr((char *)d.data, "\"revoked\": \"2026-01-01T00:00:00Z\"") &&
			   strstr((char *)d.data, "\"expires\""), "the identity document lists both");
			ok(trust_keys_identity(d.data, d.len, "did.json", &tk, &e) == 0 && tk.n == 2,
			   "and reads back");
			ok(tk.n == 2 && trust_keys_check_time(&tk, tk.v[0].did_key,
							      "2025-12-31T00:00:00Z", &who, &e) == 0,
			   "the old key before its compromise is trusted");
			ok(tk.n == 2 && trust_keys_check_time(&tk, tk.v[0].did_key,
							      "2026-01-02T00:00:00Z", &who, &e) < 0 &&
			   strstr(e.msg, "compromised from 2026-01-01T00:00:00Z"),
			   "after it, not: %s", e.msg);
			trust_keys_release(&tk);
			buf_release(&d);
		}
		registry_close(r);
	}

	/* a broken chain and a bad signature are refused naming the line */
	copy_file(log, saved);
	ok(edit(log, "\"index\":1,\"key\"", "\"index\":1 ,\"key\"") == 0 &&
	   registry_open(reg, &r, &e) < 0 && strstr(e.msg, "line 3:"),
	   "a respaced line is refused: %s", e.msg);
	copy_file(saved, log);
	ok(edit(log, "\"holder\":\"c-0123456789abcdef\"", "\"holder\":\"c-0123456789abcdee\"") == 0 &&
	   registry_open(reg, &r, &e) < 0 && strstr(e.msg, "line 3: the signature"),
	   "a changed field fails its signature: %s", e.msg);
	copy_file(saved, log);
	{
		/* drop line 4: line 5's prev no longer matches */
		struct buf bl = BUF_INIT, o = BUF_INIT;
		char *l4, *l5;
		size_t i;

		read_file_bounded(log, 1u << 24, &bl, &e);
		l4 = (char *)bl.data;
		for (i = 0; i < 3 && l4; i++)
			l4 = strchr(l4, '\n') + 1;
		l5 = strchr(l4, '\n') + 1;
		buf_append(&o, bl.data, (size_t)(l4 - (char *)bl.data), &e);
		buf_puts(&o, l5, &e);
		write_file_atomic(log, o.data, o.len, 0600, &e);
		ok(registry_open(reg, &r, &e) < 0 && strstr(e.msg, "line 4:"),
		   "a removed line is refused at the line after it: %s", e.msg);
		buf_release(&bl);
		buf_release(&o);
	}
	copy_file(saved, log);
	{
		FILE *f = fopen(log, "a");

		fputs("{\"seq\":", f);
		fclose(f);
		ok(registry_open(reg, &r, &e) < 0 && strstr(e.msg, "not ended by a newline"),
		   "a line cut short is refused: %s", e.msg);
	}
	copy_file(saved, log);
	ok(registry_open(reg, &r, &e) == 0, "restored, it opens again");
	registry_close(r);
	sign_sec_free(k1);
	sign_sec_free(k2);
}

int main(void)
{
	struct err e;

	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	test_bits();
	test_did_web();
	test_log();
	remove_tree(top, &e);
	return tap_done();
}
