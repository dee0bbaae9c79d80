/* sandbox: builds one confined root and runs the candidate's program in it
 * under supervision.
 *
 * The supervisor (this process, root) first moves itself into a private
 * mount namespace, so every mount made for a session vanishes with it even
 * if it is killed.  It assembles the root as real root: a tmpfs work area;
 * an overlay of the scenario's files and a skeleton (lower) with a
 * size-limited tmpfs (upper); read-only, nosuid binds of the host's /usr
 * and labrun's tools; a minimal /dev; private /tmp and /dev/shm.  Then it
 * clones a child into new user, pid, mount, network, ipc, uts and cgroup
 * namespaces, mapped to an unprivileged outer id range of its own.  The
 * child binds the root onto itself (copied mounts are locked and cannot be
 * pivoted to), mounts a fresh read-only /proc, pivots, detaches the old
 * root, forks the candidate's process (ids dropped, rlimits, descriptors
 * closed, no new privileges, seccomp last) and execs labrun-init as pid 1.
 * The candidate's seccomp listener comes back to the supervisor, which logs
 * every exec and exit status from it.  None of sandbox/ knows what a
 * scenario, a grader or evidence is.
 *
 * This file holds a session's life around sbx_run: its id range, work
 * area and lock (sbx_create), its end (sbx_destroy), its reports and the
 * removal of what killed sessions left.  sbx_int.h says where the rest
 * lives. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"
#include "sandbox/sbx_int.h"
#include "sandbox/seccomp_policy.h"

static int private_mounts(struct err *e)
{
	static int done;

	if (done)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return err_sys(e, ERR_HOST, errno,
			       "cannot make a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(e, ERR_HOST, errno, "cannot make mounts private");
	done = 1;
	return 0;
}

static int take_slot(struct sbx *s, struct err *e)
{
	char path[64];
	unsigned i;
	int fd;

	/* Host-wide whatever the state directory: a slot is an id range,
	 * and two labruns must never share one. */
	if (mkdir_p(SBX_IDS_DIR, 0700, e) < 0)
		return -1;
	for (i = 0; i < SBX_MAX_SLOTS; i++) {
		snprintf(path, sizeof path, SBX_IDS_DIR "/%u", i);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return err_sys(e, ERR_HOST, errno, "%s", path);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			s->slot_fd = fd;
			s->base = SBX_ID_BASE + i * SBX_ID_RANGE;
			return 0;
		}
		close(fd);
	}
	return err_set(e, ERR_HOST, "all %u session id ranges are in use",
		       SBX_MAX_SLOTS);
}

static int copy_str(char *dst, size_t size, const char *src, const char *what,
		    struct err *e)
{
	if (!src) {
		dst[0] = 0;
		return 0;
	}
	if (strlen(src) >= size)
		return err_set(e, ERR_REFUSED, "%s: path too long", what);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int sbx_check_host(struct err *e)
{
	if (geteuid() != 0)
		return err_set(e, ERR_HOST,
			       "sessions need root (labrun maps the candidate to an unprivileged id range of its own); hint: run as root, and see labrun doctor");
	return 0;
}

int sbx_create(const struct sbx_config *cfg, struct sbx **out, struct err *e)
{
	struct sbx *s;
	char opts[128];

	if (sbx_check_host(e) < 0)
		return -1;
	s = calloc(1, sizeof *s);
	if (!s)
		return err_set(e, ERR_HOST, "out of memory");
	s->lower_fd = -1;
	s->slot_fd = -1;
	s->lock_fd = -1;
	s->lab_fd = -1;
	s->cfg = *cfg;
	if (copy_str(s->wd, sizeof s->wd, cfg->workdir, "work directory", e) < 0 ||
	    copy_str(s->tools_dir, sizeof s->tools_dir, cfg->tools_dir, "tools", e) < 0 ||
	    copy_str(s->init_path, sizeof s->init_path, cfg->init_path, "init", e) < 0 ||
	    copy_str(s->script_path, sizeof s->script_path, cfg->script_path,
		     "script", e) < 0)
		goto fail;
	snprintf(s->lower, sizeof s->lower, "%s/lower", s->wd);
	snprintf(s->sess, sizeof s->sess, "%s/sess", s->wd);
	snprintf(s->rw, sizeof s->rw, "%s/rw", s->wd);
	snprintf(s->root, sizeof s->root, "%s/root", s->wd);
	if (private_mounts(e) < 0 || take_slot(s, e) < 0)
		goto fail;
	/* The lock comes first: a work directory without a held lock is a
	 * leftover of a killed labrun (sbx_remove_stale).  It is locked
	 * under a name of its own, then linked into place: whoever sees
	 * WORKDIR.lock sees it held, so a free one is a leftover at once,
	 * whatever its age. */
	{
		char lock[PATH_MAX + 8], tmp[PATH_MAX + 16];
		int tries, rc = -1;

		snprintf(lock, sizeof lock, "%s.lock", s->wd);
		snprintf(tmp, sizeof tmp, "%s.locking", s->wd);
		/* Another labrun's sbx_remove_stale may take the temporary
		 * name for a leftover between our open and our flock, and
		 * remove it: then the link finds nothing, and we start
		 * again with a fresh one. */
		for (tries = 0; tries < 8 && rc < 0; tries++) {
			if (s->lock_fd >= 0)
				close(s->lock_fd);
			s->lock_fd = open(tmp, O_RDWR | O_CREAT | O_EXCL |
						       O_CLOEXEC | O_NOFOLLOW, 0600);
			if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX) < 0)
				break;
			rc = link(tmp, lock);
			if (rc < 0 && errno != ENOENT)
				break;
		}
		if (rc < 0) {
			err_sys(e, ERR_HOST, errno, "%s", lock);
			if (s->lock_fd >= 0)
				unlink(tmp);
			goto fail;
		}
		unlink(tmp);
	}
	if (cfg->cg_memory_bytes || cfg->cg_pids) {
		struct cg_limits cl = {cfg->cg_memory_bytes, cfg->cg_pids};
		const char *id = strrchr(s->wd, '/');

		if (cg_create(id ? id + 1 : s->wd, &cl, &s->cg, e) < 0) {
			err_wrap(e, "session limits");
			goto fail;
		}
	}
	if (mkdir(s->wd, 0711) < 0) {
		err_sys(e, ERR_HOST, errno, "%s", s->wd);
		goto fail;
	}
	s->wd_made = 1;
	snprintf(opts, sizeof opts, "size=%um,mode=0711", SBX_WORK_MB);
	if (mount("labrun", s->wd, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
		err_sys(e, ERR_HOST, errno, "%s: mount tmpfs", s->wd);
		goto fail;
	}
	s->wd_mounted = 1;
	if (mkdir(s->lower, 0755) < 0 || mkdir(s->sess, 0755) < 0 ||
	    mkdir(s->rw, 0755) < 0 || mkdir(s->root, 0755) < 0) {
		err_sys(e, ERR_HOST, errno, "%s: work area", s->wd);
		goto fail;
	}
	s->lower_fd = open(s->lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->lower_fd < 0) {
		err_sys(e, ERR_HOST, errno, "%s", s->lower);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	sbx_destroy(s);
	return -1;
}

int sbx_lower_fd(const struct sbx *s)
{
	return s->lower_fd;
}

uid_t sbx_root_uid(const struct sbx *s)
{
	return s->base;
}

uid_t sbx_candidate_uid(const struct sbx *s)
{
	return s->base + SBX_CANDIDATE_ID;
}

uid_t sbx_service_uid(const struct sbx *s)
{
	return s->base + SBX_SERVICE_ID;
}

int sbx_open_root(const struct sbx *s, struct err *e)
{
	int fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", s->root);
	return fd;
}

int sbx_open_upper(const struct sbx *s, struct err *e)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof path, "%s/upper", s->rw);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	return fd;
}

void sbx_destroy(struct sbx *s)
{
	if (!s)
		return;
	if (s->lower_fd >= 0)
		close(s->lower_fd);
	if (s->lab_fd >= 0)
		close(s->lab_fd);
	/* Detaching the work area takes every mount below it along. */
	if (s->wd_mounted)
		umount2(s->wd, MNT_DETACH);
	if (s->wd_made)
		rmdir(s->wd);
	/* Every process of the session is dead by now (sbx_run reaped pid
	 * 1), so its cgroups are empty. */
	cg_destroy(s->cg);
	if (s->lock_fd >= 0) {
		char lock[PATH_MAX + 8];

		snprintf(lock, sizeof lock, "%s.lock", s->wd);
		unlink(lock);
		close(s->lock_fd);
	}
	if (s->slot_fd >= 0)
		close(s->slot_fd);
	free(s);
}

int sbx_limit_report(const struct sbx *s, struct sbx_limit_report *out,
		     struct err *e)
{
	struct cg_report r;

	memset(out, 0, sizeof *out);
	out->cpu_killed = s->ncpu_out;
	out->disk_full = s->full[0];
	out->tmp_full = s->full[1];
	out->shm_full = s->full[2];
	if (!s->cg)
		return 0;
	if (cg_report(s->cg, &r, e) < 0)
		return -1;
	out->memory_mechanism = r.memory_mechanism;
	out->pids_mechanism = r.pids_mechanism;
	out->oom_kills = r.oom_kills;
	out->pids_refused = r.pids_refused;
	out->memory_peak = r.memory_peak;
	return 0;
}

int sbx_remove_stale_cgroups(unsigned *removed, struct err *e)
{
	return cg_remove_stale(removed, e);
}

int sbx_remove_stale(const char *dir, unsigned *removed, struct err *e)
{
	char lock[PATH_MAX + 512], work[300];
	struct dirent *de;
	size_t len;
	DIR *d;
	int fd;

	*removed = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : err_sys(e, ERR_HOST, errno, "%s", dir);
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len > 8 && !strcmp(de->d_name + len - 8, ".locking")) {
			/* killed before its lock was in place */
			snprintf(lock, sizeof lock, "%s/%s", dir, de->d_name);
			fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
				unlink(lock);
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (len <= 5 || strcmp(de->d_name + len - 5, ".lock"))
			continue;
		snprintf(lock, sizeof lock, "%s/%s", dir, de->d_name);
		fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		/* Held: a live session (a lock appears held: sbx_create).
		 * Free: its labrun is gone, and with it the session's
		 * mounts (they were in its namespace); only the empty
		 * directory and the lock remain. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			snprintf(work, sizeof work, "%.*s", (int)(len - 5),
				 de->d_name);
			snprintf(lock, sizeof lock, "%s/%s", dir, work);
			if (remove_tree(lock, NULL) == 0)
				(*removed)++;
			snprintf(lock, sizeof lock, "%s/%s", dir, de->d_name);
			unlink(lock);
		}
		close(fd);
	}
	closedir(d);
	return 0;
}

/* The mount plan, as text: part of the profile digest, so that a change to
 * how the root is built shows in the evidence as a change of profile. */
static const char mount_plan[] =
	"labrun sandbox profile 1\n"
	"namespaces: user pid mount net ipc uts, then cgroup (rooted at the session's cgroup)\n"
	"cgroups: session memory (memory_mb + writable layers) and pids, v2 or v1\n"
	"ids: inner 0-65535 -> outer range of 65536 per session; candidate 1000\n"
	"root: overlay(lower=scenario system/ + skeleton, upper=tmpfs size-limited) nosuid nodev\n"
	"binds: /usr ro nosuid nodev; /opt/labrun/bin ro; script ro\n"
	"dev: tmpfs ro (null zero full random urandom tty), devpts newinstance, shm tmpfs\n"
	"proc: fresh, read-only, hidepid=invisible; sys: none; tmp and shm: tmpfs, size- and inode-limited\n"
	"pivot_root + detach old root; no-new-privileges; rlimits; seccomp last\n";

int sbx_profile_export(int fd, struct err *e)
{
	struct sock_fprog c, sv;

	if (scp_embedded(SBX_PROFILE_CANDIDATE, &c) < 0 ||
	    scp_embedded(SBX_PROFILE_SERVICE, &sv) < 0)
		return err_set(e, ERR_BUG, "no embedded seccomp program");
	if (write_all(fd, mount_plan, sizeof mount_plan - 1) < 0 ||
	    write_all(fd, c.filter, c.len * sizeof *c.filter) < 0 ||
	    write_all(fd, sv.filter, sv.len * sizeof *sv.filter) < 0)
		return err_sys(e, ERR_HOST, errno, "profile export");
	return 0;
}
