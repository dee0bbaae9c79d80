/* sample: what the supervisor measures of a running session, for the
 * limit report: full writable layers, processes at their CPU-time limit,
 * the room left in the disk faults' filesystems.  It enforces nothing:
 * the kernel does. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/util.h"
#include "sandbox/cgroup.h"
#include "sandbox/sbx_int.h"

/* Whether the writable layer, /tmp and /dev/shm are full now: a limit the
 * candidate hit shows in the evidence, as a count of samples. */
void sample_disks(struct sbx *s)
{
	static const char *const sub[3] = {NULL, "/tmp", "/dev/shm"};
	char path[PATH_MAX * 2];
	struct statfs sf;
	size_t i;

	s->sampled_ms = time_mono_ms();
	for (i = 0; i < 3; i++) {
		if (sub[i])
			snprintf(path, sizeof path, "%s%s", s->root, sub[i]);
		else
			snprintf(path, sizeof path, "%s", s->rw);
		if (statfs(path, &sf) == 0 && (sf.f_bavail == 0 || sf.f_ffree == 0))
			s->full[i]++;
	}
}

/* Processes at their CPU-time limit (RLIMIT_CPU kills them there; their
 * death is not ours to see, so the supervisor looks before): a limit
 * event, one per process. */
void sample_cpu(struct sbx *s)
{
	pid_t pids[512];
	char id[24], buf[1024], *end;
	unsigned long long ticks, limit, used;
	const char *f;
	size_t n, i, k;

	if (!s->cg || !s->cfg.cpu_s)
		return;
	ticks = (unsigned long long)sysconf(_SC_CLK_TCK);
	limit = s->cfg.cpu_s * ticks;
	n = cg_procs(s->cg, pids, sizeof pids / sizeof *pids);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%d", (int)pids[i]);
		f = proc_stat_field(id, 12, buf, sizeof buf);
		if (!f)
			continue;
		used = strtoull(f, &end, 10);
		used += strtoull(end, NULL, 10);
		/* within a sample of the limit: the kernel's kill is next */
		if (used + ticks * SBX_SAMPLE_MS / 1000 < limit)
			continue;
		for (k = 0; k < s->ncpu_out && s->cpu_out[k] != pids[i]; k++)
			;
		if (k == s->ncpu_out && s->ncpu_out < sizeof s->cpu_out / sizeof *s->cpu_out)
			s->cpu_out[s->ncpu_out++] = pids[i];
	}
}

/* After the session: the room left in each small filesystem. */
void sample_small_fs(struct sbx *s)
{
	char target[PATH_MAX * 2];
	struct statfs sf;
	size_t i;

	for (i = 0; i < s->cfg.nsmall; i++) {
		struct sbx_small_fs *f = &s->cfg.small[i];

		snprintf(target, sizeof target, "%s%s", s->root, f->path);
		if (statfs(target, &sf) == 0) {
			f->free_kb_end = (unsigned long long)sf.f_bavail * sf.f_bsize / 1024;
			f->free_inodes_end = (unsigned long long)sf.f_ffree;
		}
	}
}
