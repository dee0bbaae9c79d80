/* seccomp_policy: labrun's seccomp profiles (internal to sandbox/). */
#ifndef LABRUN_SECCOMP_POLICY_H
#define LABRUN_SECCOMP_POLICY_H

struct err;

/* Sets no-new-privileges and loads profile p on the calling thread.  With
 * listener non-NULL the profile's notifications go to a new listener whose
 * descriptor is returned there. */
int scp_load(enum sbx_profile p, int *listener, struct err *e);
/* Write the compiled BPF of profile p to fd (the profile's digest is taken
 * over these bytes). */
int scp_export(enum sbx_profile p, int fd, struct err *e);

#endif
