/* review: a human reviewer's decision on an evidence file (an appeal),
 * recorded as new evidence signed by the issuer (docs/registry.md "Human
 * review and appeals", docs/evidence.md "review").  The reviewed file is
 * verified first; its recording, commands, changes, answers and
 * result.json are kept as they are; the manifest's verdict becomes the
 * decision and its "review" object names the reviewed file by digest and
 * carries the reviewer's own Ed25519 signature over the statement below,
 * with every earlier review of the same attempt (the chain).
 *
 * The statement and the review object's form: review_form.h.  It prints
 * nothing (cmd_review.c does). */
#ifndef LABRUN_REVIEW_H
#define LABRUN_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "runner/review_form.h"
#include "runner/sign.h"

struct err;

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
