/* status_list: W3C Bitstring Status List (v1.0) credentials, and the issuer
 * keys with their periods that a status check trusts.
 *
 * The list is a bitstring, index 0 the most significant bit of the first
 * byte, compressed with GZIP (zlib, RFC 1952) and written as multibase
 * base64url without padding ('u' prefix) in credentialSubject.encodedList
 * of a BitstringStatusListCredential signed eddsa-jcs-2022 (cred_sign).
 * docs/registry.md describes the files; registry.c keeps the state the
 * lists are written from. */
#ifndef LABRUN_STATUS_LIST_H
#define LABRUN_STATUS_LIST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "runner/credential.h"

struct buf;
struct err;
struct sign_pub;
struct sign_sec;

#define SL_LIST_BITS 131072u          /* bits a registry's lists hold: 16 KiB, the spec's minimum */
#define SL_MAX_LIST_BYTES (1u << 20)  /* bytes of a decompressed list read back: 8M entries */
#define SL_MAX_BYTES (4u << 20)       /* bytes of a status list credential file */
#define SL_MAX_KEYS 256               /* keys of an identity document */
#define SL_TIME_LEN 20                /* "YYYY-MM-DDTHH:MM:SSZ" */

/* base64 (standard, padded) or base64url (no padding) of in, appended. */
int sl_base64_encode(const unsigned char *in, size_t len, int url,
		     struct buf *out, struct err *e);
/* The canonical spelling only (no stray bits, padding exactly as the
 * encoder writes it); at most max bytes; ERR_REFUSED naming 'what'. */
int sl_base64_decode(const char *s, size_t len, int url, size_t max,
		     struct buf *out, const char *what, struct err *e);

/* Bits: index 0 is the most significant bit of byte 0. */
void sl_bit_set(unsigned char *bits, unsigned index);
int sl_bit_get(const unsigned char *bits, size_t nbytes, unsigned index);

/* "u" + base64url(GZIP(bits)) appended to out. */
int sl_encode_list(const unsigned char *bits, size_t nbytes, struct buf *out,
		   struct err *e);
/* The reverse, bounded by SL_MAX_LIST_BYTES; *bits malloc'd. */
int sl_decode_list(const char *encoded, unsigned char **bits, size_t *nbytes,
		   struct err *e);

/* The signed BitstringStatusListCredential of purpose ("revocation" or
 * "suspension") for the list at BASE/status/PURPOSE.json, dumped as
 * labrun writes JSON (keys sorted, two-space indentation, final newline). */
int sl_credential(const char *base_url, const char *purpose,
		  const unsigned char *bits, size_t nbytes,
		  const struct sign_sec *sk, const char *now, struct buf *out,
		  struct err *e);

/* An issuer key and the period the identity document gives it; a key
 * given as a plain public key (-p) has none ("" times). */
struct trust_key {
	unsigned char pk[32];
	char keyid[17];               /* 16 uppercase hex, "" unknown */
	char did_key[CRED_DID_MAX];
	char from[24], until[24], compromised_from[24]; /* "" none */
	char source[256];             /* the file it came from */
};

struct trust_keys {
	struct trust_key *v;
	size_t n;
	char did[512];                /* the identity document's id, "" none */
};

/* Keys from an identity document (did.json as registry_identity_doc writes
 * it): every verificationMethod a Multikey Ed25519 key, its created,
 * expires and revoked times. */
int trust_keys_identity(const void *text, size_t len, const char *name,
			struct trust_keys *out, struct err *e);
int trust_keys_add_pub(struct trust_keys *k, const struct sign_pub *pub,
		       struct err *e);
void trust_keys_release(struct trust_keys *k);
/* The key (did:key) that signed a document at time created: -1
 * ERR_REFUSED when none of k is it, or when the key was compromised at
 * or before created or retired before it, naming the key and the date. */
int trust_keys_check_time(const struct trust_keys *k, const char *did_key,
			  const char *created, const struct trust_key **who,
			  struct err *e);
/* The pinned public keys of k, for cred_check_proof (malloc'd). */
int trust_keys_pubs(const struct trust_keys *k, struct sign_pub **out,
		    struct err *e);

/* A status list credential read and checked: shape, proof by a key of
 * keys valid at its validFrom, the list decoded. */
struct status_list {
	char id[512];        /* its URL: BASE/status/revocation.json */
	char purpose[16];    /* "revocation" or "suspension" */
	char valid_from[24];
	char issuer[CRED_DID_MAX];
	unsigned char *bits;
	size_t nbytes;
};

int status_list_read(const void *text, size_t len, const char *name,
		     const struct trust_keys *keys, struct status_list **out,
		     struct err *e);
/* 1 set, 0 clear, -1 out of range. */
int status_list_bit(const struct status_list *l, unsigned index);
void status_list_free(struct status_list *l);

/* A credential's status in the lists given (--status): its entries name
 * the lists revocation_url and suspension_url at index.  0 neither bit
 * set in the lists found; -1 revoked or suspended, or the index beyond a
 * list (note says which, with the list's URL and the index); 1 a list it
 * names was not given (note names it).  note always says what was
 * checked. */
int status_lists_check(struct status_list *const *lists, size_t n,
		       const char *revocation_url, const char *suspension_url,
		       unsigned index, char *note, size_t size);

/* A time as labrun writes it ("YYYY-MM-DDTHH:MM:SSZ"): 1 yes, 0 no. */
int sl_time_shape(const char *s);

#endif
