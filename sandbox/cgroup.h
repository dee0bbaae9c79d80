/* cgroup: one session's control groups.  It places a session's cgroups at
 * <labrun's own cgroup>/labrun/<session id> in each hierarchy it needs (so
 * the limits of labrun's own cgroup still apply above them), sets the
 * memory and process limits there (cgroup v2 where our cgroup delegates
 * the controller, cgroup v1 where that is what the host has), freezes and
 * thaws the session, reads back what the limits did, and removes what a
 * killed labrun left behind.  It does not set rlimits (the sandbox does, as
 * a backstop), does not limit CPU time, disk or open files, does not start
 * or kill the session's processes in normal use, and does not print. */
#ifndef LABRUN_CGROUP_H
#define LABRUN_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct err;

/* What the caller asks for; 0 means "not asked".  A limit asked for that
 * no hierarchy can enforce makes cg_create fail with ERR_HOST. */
struct cg_limits {
	uint64_t memory_bytes; /* bytes of memory (and swap) of the session */
	uint64_t pids;         /* tasks (processes and threads) at once */
};

struct cg; /* one session's cgroups: open, flocked directories */

/* What enforced the limits and what they did, for the evidence manifest.
 * The mechanism strings are static; NULL when the limit was not asked (or,
 * for the freezer, when the host has none). */
struct cg_report {
	const char *memory_mechanism;  /* "cgroup v2 memory.max" | "cgroup v1 memory.limit_in_bytes" */
	const char *pids_mechanism;    /* "cgroup v2 pids.max" | "cgroup v1 pids.max" */
	const char *freezer_mechanism; /* "cgroup v2 cgroup.freeze" | "cgroup v1 freezer.state" */
	uint64_t oom_kills;    /* processes the kernel killed for memory */
	uint64_t pids_refused; /* forks and clones refused at the limit */
	uint64_t memory_peak;  /* bytes; 0 if unknown or not limited */
};

/* Session ids name directories: 1 to CG_ID_MAX of [A-Za-z0-9_-], starting
 * with a letter or digit. */
#define CG_ID_MAX 64

/* Create the session's cgroups and set the limits.  Each directory is
 * held open and flock()ed until cg_destroy, which is how cg_remove_stale
 * (in this or another labrun) tells a live session from a leftover.
 * Fails with ERR_HOST naming what is missing when a limit asked for
 * cannot be applied, with ERR_REFUSED for a bad session id. */
int cg_create(const char *session_id, const struct cg_limits *lim,
	      struct cg **out, struct err *e);

/* Move pid (the whole process) into every cgroup of the session.  Call it
 * before the process runs anything of the session: memory already charged
 * elsewhere stays there. */
int cg_attach(struct cg *cg, pid_t pid, struct err *e);

/* Freeze (frozen != 0) or thaw every process of the session and wait until
 * the kernel says it is done.  ERR_HOST if the host has no freezer.  A
 * process frozen by the v1 freezer does not die of SIGKILL until thawed:
 * thaw before killing. */
int cg_freeze(struct cg *cg, int frozen, struct err *e);

/* Move pids (a service and what it started) into a child group NAME of
 * the session's freezer cgroup and freeze that group; *how names the
 * mechanism.  ERR_HOST when the host has no freezer.  Thaw with
 * cg_thaw_procs before the session's processes are killed: a task frozen
 * by the v1 freezer does not die until thawed. */
int cg_freeze_procs(struct cg *cg, const char *name, const pid_t *pids,
		    size_t n, const char **how, struct err *e);
void cg_thaw_procs(struct cg *cg);

/* The session's processes (host pids) now, at most max of them. */
size_t cg_procs(const struct cg *cg, pid_t *out, size_t max);

/* The mechanisms and counters, read now.  out is written only on success. */
int cg_report(const struct cg *cg, struct cg_report *out, struct err *e);

/* Remove the session's cgroups and free cg (NULL is fine).  Call it after
 * every process of the session is dead.  It thaws the session first, and
 * as a last resort kills what is still inside (a process whose identity
 * was checked through a pidfd, never a bare pid); it retries rmdir a
 * bounded number of times and leaves to cg_remove_stale what it could not
 * remove. */
void cg_destroy(struct cg *cg);

/* Remove labrun/<id> cgroups under our own cgroup that no live labrun holds
 * and no process is in (thawing frozen leftovers first, so that their
 * processes can die of what killed them).  Leaves a cgroup with a process
 * in it.  *removed counts directories removed, one per hierarchy. */
int cg_remove_stale(unsigned *removed, struct err *e);

/* One line for `labrun doctor`, such as
 * "cgroup v1: memory pids freezer; v2: none delegated". */
int cg_describe(char *out, size_t size, struct err *e);

#endif
