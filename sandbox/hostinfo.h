/* hostinfo: what this host gives labrun's sandbox, probed for real.  Every
 * probe that changes process state (namespaces, mounts, seccomp filters,
 * descriptors) runs in a short-lived forked child, never in the caller; the
 * rest only reads /proc and uname.  It does not print, decide exit codes or
 * change anything on the host: it only reports, and hostinfo_safe says
 * whether every feature a session needs is there. */
#ifndef LABRUN_HOSTINFO_H
#define LABRUN_HOSTINFO_H

#include <stddef.h>

struct err;

struct host_feature {
	const char *name;   /* stable identifier, e.g. "seccomp-user-notif" */
	int state;          /* 1 yes, 0 no, -1 unknown (could not be probed) */
	const char *detail; /* what the probe saw; printable ASCII, one line */
	const char *cost;   /* what labrun loses without it; printable ASCII */
	int required;       /* 1: no session can be made safe without it */
};

/* Run every probe (a few milliseconds each, each bounded by a timeout) and
 * hand back the features in a fixed order; *out is freed with
 * hostinfo_free.  Fails only when a probe cannot be run at all (no memory,
 * fork refused); a feature that is missing is a result, not a failure.
 * The probes run with the caller's identity: run as a user, they say what
 * that user could do. */
int hostinfo_probe(struct host_feature **out, size_t *n, struct err *e);
void hostinfo_free(struct host_feature *v);

/* 1 if every required feature is present (state 1), else 0. */
int hostinfo_safe(const struct host_feature *v, size_t n);

/* The feature named name, or NULL. */
const struct host_feature *hostinfo_find(const struct host_feature *v,
					 size_t n, const char *name);

#endif
