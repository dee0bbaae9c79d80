/* review: a human reviewer's decision on an evidence file (an appeal),
 * recorded as new evidence signed by the issuer (docs/registry.md "Human
 * review and appeals", docs/evidence.md "review").  The reviewed file is
 * verified first; its recording, commands, changes, answers and
 * result.json are kept as they are; the manifest's verdict becomes the
 * decision and its "review" object names the reviewed file by digest and
 * carries the reviewer's own Ed25519 signature over the statement below,
 * with every earlier review of the same attempt (the chain).
 *
 * The statement a reviewer signs is the JCS (RFC 8785) of
 *     {"at": AT, "decision": "pass"|"fail", "reason": REASON,
 *      "reviewed": "sha256:HEX", "type": "labrun.review/1"}
 * (keys sorted, no white space, UTF-8): raw Ed25519, no prehash.  The
 * review object is checked here for verify (review_check); it prints
 * nothing (cmd_review.c does). */
#ifndef LABRUN_REVIEW_H
#define LABRUN_REVIEW_H

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

struct review_opts {
	const char *evidence;              /* the file reviewed */
	const struct sign_pub *issuer;     /* it must be signed by this key */
	const struct sign_sec *key;        /* the issuer's: signs the new file */
	const struct sign_sec *reviewer;   /* the reviewer's: signs the decision */
	const struct sign_trust *reviewers; /* the issuer's reviewer keys */
	const char *decision;              /* "pass" or "fail" */
	const char *reason;
	unsigned valid_days;               /* 0: from the reviewed file */
	int64_t at_s;                      /* the review's time */
	const char *out;
	/* the issuer's registry (docs/registry.md), or NULL: a fail that
	 * withdraws a credential the registry issued revokes it there */
	const char *registry;
};

struct review_result {
	char scenario[240];          /* "id version" */
	char digest[SIGN_SHA256_HEX]; /* of the reviewed file */
	char was_verdict[8];         /* the reviewed file's verdict */
	char graded_verdict[8];      /* result.json's: the grader's */
	unsigned score, pass_mark;
	char verdict[8];             /* the decision */
	char reviewer[17];           /* key id */
	char at[32], valid_until[32]; /* valid_until "" for a fail */
	size_t chain;                /* earlier reviews of this attempt */
	char replaces[200];          /* the credential a pass replaces, "" */
	char withdraws[200];         /* the reviewed file's credential, which
				      * a fail leaves standing for nothing:
				      * the issuer revokes it; "" none */
	char new_digest[SIGN_SHA256_HEX]; /* of the file written */
	/* with a registry and a credential withdrawn: 1 revoked now, 2 it
	 * was revoked already, -1 the registry never issued it (no status
	 * entry to revoke); 0 nothing to do */
	int revoked;
};

/* 0 when the new evidence is at o->out; -1 when an input was refused (the
 * reviewed file, a reviewer key not listed, a reason out of bounds, no
 * validity to take) or the host failed, and nothing is at o->out.  The
 * one exception: the file is written and revoking the credential it
 * withdraws failed (r->new_digest set; e says so, with the command that
 * revokes it by hand). */
int review_run(const struct review_opts *o, struct review_result *r,
	       struct err *e);

#endif
