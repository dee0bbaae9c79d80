/* platform_record: what labrun tells the simulated platform (agentd) when a
 * session starts, and what it reads back from it when the session is
 * over: the platform faults' record.  The platform itself is
 * scenarios/platform/; this module only carries things across. */
#ifndef LABRUN_PLATFORM_RECORD_H
#define LABRUN_PLATFORM_RECORD_H

#include <stddef.h>

struct scenario;
struct ev_fault;

/* Where agentd keeps its fault record in the sandbox: under the services'
 * home, which the candidate cannot write. */
#define PLATFORM_RECORD_DIR "var/lib/service/agentd"
#define PLATFORM_RECORD_FILE "faults.json"
#define PLATFORM_RECORD_MAX (1u << 20) /* bytes: 64 faults, a line each */

/* Fill the platform faults' entries of out (indexed like sc->faults) from
 * the record agentd left in the frozen root.  A missing or malformed
 * record leaves them saying so: the platform never ran, or never saw the
 * fault. */
void platform_record(int root_fd, const struct scenario *sc,
		     struct ev_fault *out);

#endif
