/* review_form: what verify knows of a review (docs/evidence.md "review").
 * The statement a reviewer signs is the JCS (RFC 8785) of
 *     {"at": AT, "decision": "pass"|"fail", "reason": REASON,
 *      "reviewed": "sha256:HEX", "type": "labrun.review/1"}
 * (keys sorted, no white space, UTF-8): raw Ed25519, no prehash.  The
 * manifest's review object is held to its form here (review_check), below
 * evidence.c; review.h makes a review, above it. */
#ifndef LABRUN_REVIEW_FORM_H
#define LABRUN_REVIEW_FORM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "runner/sign.h"

struct buf;
struct err;

#define REVIEW_TYPE "labrun.review/1"
#define REVIEW_REASON_MAX 2000  /* bytes of a reason */
#define REVIEW_MAX_CHAIN 32     /* earlier reviews one file carries */
#define REVIEW_MAX_DAYS 3650    /* --valid-days */
#define SECONDS_PER_DAY 86400

/* The reason as a reviewer may give it: 1..REVIEW_REASON_MAX bytes of
 * UTF-8 with no control character (C0, DEL, C1; so no newline or tab)
 * and no bidirectional override or isolate (U+202A..E, U+2066..9).
 * -1 ERR_REFUSED naming 'what' and the first bad byte's offset. */
int review_reason_check(const char *reason, size_t len, const char *what,
			struct err *e);

/* The bytes a reviewer signs (see above) into out (appended). */
int review_statement(const char *reviewed, const char *decision,
		     const char *reason, const char *at, struct buf *out,
		     struct err *e);

/* A minisign public key's base64 line ("Ed" keyid pk), as the review
 * object's reviewer.public_key holds it. */
int review_pub_line(const struct sign_pub *pk, char out[64]);

/* The manifest's $.review, held to its form (docs/evidence.md): absent or
 * null unless produced_by.mode is "review"; the decision is the
 * manifest's verdict and issued its time; every signature of the review
 * and of its chain verifies over its statement, and the chain links (each
 * earlier review was of the file the next one reviewed, the first of a
 * file whose verdict was result.json's, every one of the score result.json
 * gives).  -1 ERR_REFUSED naming the key. */
int review_check(const json_t *man, const json_t *res, struct err *e);

#endif
