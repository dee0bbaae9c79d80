/* seccomp_embedded: hands out the seccomp programs compiled at build time
 * (build/gen/seccomp_bpf.c).  It does not compile anything. */
#include <stddef.h>

#include "sandbox/sandbox.h"
#include "sandbox/seccomp_policy.h"

extern const struct sock_filter scp_candidate_bpf[], scp_service_bpf[];
extern const unsigned short scp_candidate_bpf_len, scp_service_bpf_len;

int scp_embedded(enum sbx_profile p, struct sock_fprog *out)
{
	switch (p) {
	case SBX_PROFILE_CANDIDATE:
		out->filter = (struct sock_filter *)scp_candidate_bpf;
		out->len = scp_candidate_bpf_len;
		return 0;
	case SBX_PROFILE_SERVICE:
		out->filter = (struct sock_filter *)scp_service_bpf;
		out->len = scp_service_bpf_len;
		return 0;
	case SBX_PROFILE_GRADER:
		break;
	}
	return -1;
}
