/* award: labrun award's work (docs/credentials.md, "Programs and ladders:
 * labrun award"): read and check every piece presented for a program (a
 * passing evidence file and its scenario credential, or a prerequisite
 * program's credential), check that they are all the same holder's and
 * valid at the time of the award, ask program.c whether they meet the
 * program, and issue the program credential: an Open Badges 3.0
 * OpenBadgeCredential signed with eddsa-jcs-2022 (credential.c).  The
 * command line and printing are cmd_award.c's. */
#ifndef LABRUN_AWARD_H
#define LABRUN_AWARD_H

#include <stddef.h>
#include <stdint.h>

#include "runner/program.h"
#include "runner/sign.h"

struct buf;
struct err;

struct award_opts {
	const struct program *pg;
	const char *const *files;      /* the pieces, as named */
	size_t nfiles;
	const struct sign_pub *issuer; /* -p: what the pieces are checked against */
	const struct sign_sec *key;    /* --key: the new credential's signer */
	const char *holder;            /* --holder TYPE:VALUE, or NULL */
	int64_t at;                    /* seconds since the epoch */
	const char *registry;          /* --registry: the credential gets a
					* status index there, NULL none */
};

/* Check the pieces and, when they meet the program, write the signed
 * credential's bytes (JSON, keys sorted, two-space indentation) to out.
 * 0 awarded; 1 refused, with every reason in why, one a line; -1 with e
 * for a host failure. */
int award_issue(const struct award_opts *o, struct buf *out, struct buf *why,
		struct err *e);

/* The credential's validUntil: the program's validity from validFrom,
 * cut to the earliest validUntil of what it rests on ("" none).  RFC 3339
 * texts in and out; -1 when one cannot be read. */
int award_valid_until(int64_t from, unsigned valid_for_days,
		      const char *const *until, size_t n, char out[32]);

#endif
