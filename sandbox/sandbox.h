/* sandbox: isolation only.  It builds a confined root, starts a program in
 * fresh user, pid, mount, network, ipc, uts and cgroup namespaces under an
 * unprivileged outer id, loads the seccomp allow-list last, and reports
 * every exec through seccomp user notification.  It knows nothing of
 * scenarios, JSON, Lua or evidence; the runner drives it through this
 * header alone. */
#ifndef LABRUN_SANDBOX_H
#define LABRUN_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct err;

/* Confine the calling process (a forked worker) with the grader profile:
 * no new privileges and a seccomp allow-list for computing and reading
 * files through descriptors it already holds.  Must be called after the
 * worker has set its rlimits and before it runs untrusted code. */
int sbx_confine_worker(struct err *e);

#endif
