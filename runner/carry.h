/* carry: a recertification replay's knowledge checks take their result
 * from the evidence being renewed.  A knowledge check (docs/graders.md,
 * "Kinds of check") is bound to the attempt: the causal chain of that
 * attempt's incident, a time read from its log.  A replay cannot ask the
 * question again, because span ids and times change with the platform,
 * so the renewal keeps what the attempt answered, marked with the digest
 * of the evidence it comes from; remediation checks are judged again by
 * the new grader.  It reads the old result from members the caller has
 * verified (ev_open) and rewrites a grading in memory; it does not open
 * files, run graders or decide the verdict (grader_verdict does). */
#ifndef LABRUN_CARRY_H
#define LABRUN_CARRY_H

#include <stddef.h>

#include "runner/sign.h"

struct err;
struct tar_list;
struct grader_result;
struct ev_carry;
struct ev_info;

/* One check of the evidence being renewed, as its result.json says it. */
struct carry_check {
	char id[68];
	char status[8];          /* pass, fail, error */
	unsigned points, weight; /* thousandths of a point */
	char *message;
};

/* What a renewal may carry: the old evidence's checks, and what its hints
 * cost. */
struct carry_source {
	char from[8 + SIGN_SHA256_HEX]; /* "sha256:HEX" of the old evidence file */
	struct carry_check *v;
	size_t n;
	unsigned hint_points;    /* thousandths: the attempt's hints as its
				  * evidence recorded them (hints_used), and
				  * those it carried itself when it is a
				  * renewal (result.json carry.hint_points) */
};

/* The old evidence's result.json (members already verified by ev_open;
 * digest_hex is the file's SHA-256; recorded_hints is ev_recorded's
 * hint_points).  -1 ERR_REFUSED when result.json is not as labrun writes
 * it, ERR_HOST when memory runs out. */
int carry_source_load(const struct tar_list *members, const char *digest_hex,
		      unsigned recorded_hints, struct carry_source *s,
		      struct err *e);
void carry_source_release(struct carry_source *s);

/* For a regrade of a renewal: what it carried stays carried.  When the
 * evidence's result.json has $.carry, s holds its checks as the source,
 * still naming the evidence they came from ($.carry.from), with the hints
 * it carried; otherwise s is empty (s->from[0] == 0).  -1 as above. */
int carry_source_renewed(const struct tar_list *members, struct carry_source *s,
			 struct err *e);

/* 1 when the old evidence has a check of that id. */
int carry_source_has(const struct carry_source *s, const char *id);

/* Apply s (NULL: not a replay, nothing happens) to a replay's grading,
 * after grading and before the verdict.  Each knowledge check of gr takes
 * the old check of the same id: its status, and its points scaled to the
 * new weight (old points x new weight / old weight, rounded down; a pass
 * keeps the whole new weight; an old weight of 0 gives the whole new
 * weight to a pass, 0 otherwise), its message prefixed with where it comes
 * from.  A knowledge check the old evidence lacks cannot be judged: it
 * becomes an error check (0 points), never the candidate's fail, and
 * out->error says why.  Remediation checks are left as judged.  out says
 * what happened to each check; info->carry and (for an uncarried check)
 * info->error are pointed at it.  A grading that failed (gr->ok == 0) is
 * left alone.  -1 only when memory runs out. */
int carry_apply(const struct carry_source *s, struct grader_result *gr,
		struct ev_carry *out, struct ev_info *info, struct err *e);
void carry_release(struct ev_carry *c);

#endif
