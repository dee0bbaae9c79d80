/* seccomp_policy: labrun's seccomp profiles (internal to sandbox/). */
#ifndef LABRUN_SECCOMP_POLICY_H
#define LABRUN_SECCOMP_POLICY_H

#include <linux/filter.h>

struct err;

/* Sets no-new-privileges and loads profile p on the calling thread.  With
 * listener non-NULL the profile's notifications go to a new listener whose
 * descriptor is returned there. */
int scp_load(enum sbx_profile p, int *listener, struct err *e);
/* Write the compiled BPF of profile p to fd (the profile's digest is taken
 * over these bytes). */
int scp_export(enum sbx_profile p, int fd, struct err *e);

/* The same program as libseccomp's pseudo filter code (readable; pinned
 * by tests/golden/seccomp/). */
int scp_export_text(enum sbx_profile p, int fd, struct err *e);
/* The compiled program of profile p (out->filter is malloc'd), so that a
 * child installs it with scp_install without allocating: after its rlimits
 * are set, and without libseccomp.  traps: a mask of trap families (bit i
 * for sbx_trap_family(i)) whose calls are reported instead of allowed. */
int scp_compile(enum sbx_profile p, unsigned traps, struct sock_fprog *out,
		struct err *e);
/* The trap family (index) that syscall nr belongs to, and its layout; -1
 * for a call in no family. */
int scp_trap_call(int nr, const struct sbx_trap_call **call);
/* The same program, compiled at build time (build/gen/seccomp_bpf.c, by
 * sandbox/scp_gen.c) for the candidate and service profiles; *out points
 * at static data.  Returns -1 for another profile. */
int scp_embedded(enum sbx_profile p, struct sock_fprog *out);
/* No new privileges, then the filter, with a new listener if asked.
 * Returns -1 with errno. */
int scp_install(const struct sock_fprog *prog, int *listener);

#endif
