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
 * every exec and exit status from it.  This file does not know what a
 * scenario, a grader or evidence is. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <grp.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "sandbox/cgroup.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_policy.h"

#define SBX_MAX_SLOTS 1024u /* concurrent sessions on one host */
#define SBX_WORK_MB 160u    /* work area: the lower layer (a bundle's 64 MiB
			     * of files at most) and the skeleton */
#define SBX_SETUP_MS 10000  /* building the sandbox takes milliseconds */
#define SBX_DRAIN_MS 2000   /* reading the terminal after the end */
#define SBX_SKEL_VERSION "labrun-skel-1" /* change when fill_shared changes */
#define SBX_MAX_SERVICES 16 /* SCENARIO_MAX_SERVICES */
#define SBX_MAX_HELD 64     /* delayed calls at once; more go on at once */
#define SBX_WATCH_MS 100    /* how often a process fault's condition is looked at */
#define SBX_LAB_MS 500      /* a lab request's line must arrive within this */
#define SBX_LAB_CONNS 8     /* lab connections served at once */
#define SBX_SAMPLE_MS 250   /* how often full disks and CPU-time limits are looked for */
#define SBX_LAB_RESP 65536  /* bytes of a lab answer (the brief, a hint) */
#define SBX_INPUT_MAX 4096  /* keyboard bytes waiting for the terminal */
#define SBX_SVC_STOP_MS 2000 /* a restart: SIGTERM, then SIGKILL after this */
#define SBX_SVC_QUICK_MS 10000 /* an instance that ends sooner ended quickly */
#define SBX_SVC_BURST 5     /* quick ends in a row before the policy gives up */
#define SBX_SVC_BACKOFF_MS 500 /* the first automatic restart's delay, doubled
				* per quick end up to 8 s */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* The supervisor's service manager: a service runs one instance at a
 * time; it starts again when it ends (restart "always", with a backoff)
 * or when the candidate asks (`lab restart`, restart "on-request" or
 * "always").  docs/sandbox.md, "Services". */
struct svc_run {
	int pidfd;          /* the running instance, -1: none */
	pid_t sid;          /* its host pid, which is its session's id */
	int64_t started_ms; /* monotonic */
	unsigned starts;    /* instances started */
	unsigned quick;     /* instances in a row that ended within SBX_SVC_QUICK_MS */
	int64_t restart_ms; /* a start is due then (0: none) */
	int64_t kill_ms;    /* a stop: SIGKILL what is left then (0: none) */
	int64_t crash_ms;   /* a crash loop's signal is due then (0: none) */
	size_t crash_sg;    /* that signal's index */
	int stopping;       /* stopped for a restart: start again at its end */
	int failed;         /* the restart policy gave up */
	int64_t ended_ms;   /* when the last instance ended */
	char ended[96];     /* how */
};

struct sbx {
	char wd[PATH_MAX];
	char lower[PATH_MAX + 16];
	char skel[PATH_MAX + 16];  /* the shared skeleton (STATE/skel/KEY) */
	char sess[PATH_MAX + 16];  /* this session's own layer */
	char rw[PATH_MAX + 16];
	char root[PATH_MAX + 16];
	struct sbx_config cfg;
	char tools_dir[PATH_MAX];
	char init_path[PATH_MAX];
	char script_path[PATH_MAX];
	int lower_fd;
	int slot_fd;
	int lock_fd;        /* flock on WORKDIR.lock while the session lives */
	struct cg *cg;      /* the session's cgroups, or NULL */
	uid_t base;
	int wd_made;
	int wd_mounted;
	int root_mounted;
	int frozen;         /* a service is in a frozen cgroup: thaw at the end */
	int lab_fd;         /* the lab channel's listening socket, or -1 */
	unsigned full[3];   /* samples with the writable layer, /tmp, /dev/shm full */
	pid_t cpu_out[64];  /* processes seen at their CPU-time limit */
	unsigned ncpu_out;
	int64_t sampled_ms; /* the last sample */
	struct svc_run svc[SBX_MAX_SERVICES];
	size_t nsvc;        /* services whose first instance was reported */
	dev_t pidns_dev;    /* the sandbox's pid namespace: what is signalled */
	ino_t pidns_ino;    /* by session must be in it */
};

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

/* --- the skeleton layer --------------------------------------------- */

static int put_file(int dirfd, const char *name, const void *data, size_t len,
		    mode_t mode, struct err *e)
{
	int fd;
	ssize_t n;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				   O_CLOEXEC, mode);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "skeleton %s", name);
	n = len ? write(fd, data, len) : 0;
	if (n < 0 || (size_t)n != len) {
		close(fd);
		return err_sys(e, ERR_HOST, errno, "skeleton %s: write", name);
	}
	close(fd);
	return 0;
}

static int put_dir(int dirfd, const char *name, mode_t mode, uid_t uid,
		   struct err *e)
{
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return err_sys(e, ERR_HOST, errno, "skeleton %s", name);
	if (fchmodat(dirfd, name, mode, 0) < 0 ||
	    fchownat(dirfd, name, uid, uid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, ERR_HOST, errno, "skeleton %s", name);
	return 0;
}

/* /etc/alternatives: the symlinks that name Debian's default programs
 * (awk, editor, pager), copied as links so that they resolve in /usr. */
static int copy_alternatives(int etcfd, struct err *e)
{
	DIR *d;
	struct dirent *de;
	char target[PATH_MAX], name[300];
	ssize_t n;
	int dfd;

	d = opendir("/etc/alternatives");
	if (!d)
		return 0;
	if (mkdirat(etcfd, "alternatives", 0755) < 0) {
		closedir(d);
		return err_sys(e, ERR_HOST, errno, "skeleton etc/alternatives");
	}
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dfd, de->d_name, target, sizeof target - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		snprintf(name, sizeof name, "alternatives/%s", de->d_name);
		if (symlinkat(target, etcfd, name) < 0) {
			closedir(d);
			return err_sys(e, ERR_HOST, errno, "skeleton etc/%s", name);
		}
	}
	closedir(d);
	return 0;
}

static const char etc_passwd[] =
	"root:x:0:0:root:/root:/bin/bash\n"
	"service:x:999:999:the scenario's services:/var/lib/service:/usr/sbin/nologin\n"
	"candidate:x:1000:1000:candidate:/home/candidate:/bin/bash\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char etc_group[] =
	"root:x:0:\nservice:x:999:\ncandidate:x:1000:\nnogroup:x:65534:\n";
static const char etc_hosts[] = "127.0.0.1\tlocalhost lab\n::1\tlocalhost\n";
static const char etc_nsswitch[] =
	"passwd: files\ngroup: files\nshadow: files\nhosts: files\n";
static const char etc_shells[] = "/bin/sh\n/bin/bash\n/usr/bin/bash\n";

/* Top-level names that merged-/usr hosts make links into /usr. */
static const char *const usr_links[] = {
	"bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL,
};

/* The host-derived part of the skeleton: the same for every session, so
 * it is built once per state of the host (a new loader cache or new
 * alternatives make a new one) under STATE/skel/KEY, read-only
 * from then on, and shared as the lowest layer of every root. */
static int fill_shared(int fd, struct err *e)
{
	struct buf cache = BUF_INIT;
	const char *const *l;
	char target[PATH_MAX];
	int etc = -1, rc = -1;
	ssize_t n;

	if (put_dir(fd, "usr", 0755, 0, e) < 0 || put_dir(fd, "opt", 0755, 0, e) < 0 ||
	    put_dir(fd, "opt/labrun", 0755, 0, e) < 0 ||
	    put_dir(fd, "opt/labrun/bin", 0755, 0, e) < 0 ||
	    put_dir(fd, "proc", 0555, 0, e) < 0 || put_dir(fd, "dev", 0755, 0, e) < 0 ||
	    put_dir(fd, "tmp", 01777, 0, e) < 0 || put_dir(fd, "run", 0755, 0, e) < 0 ||
	    put_dir(fd, "var", 0755, 0, e) < 0 ||
	    put_dir(fd, "var/tmp", 01777, 0, e) < 0 ||
	    put_dir(fd, "var/log", 0755, 0, e) < 0 ||
	    put_dir(fd, "var/lib", 0755, 0, e) < 0 ||
	    put_dir(fd, "root", 0700, 0, e) < 0 || put_dir(fd, "home", 0755, 0, e) < 0 ||
	    put_dir(fd, "etc", 0755, 0, e) < 0)
		goto out;
	for (l = usr_links; *l; l++) {
		char host[32];
		struct stat st;

		snprintf(host, sizeof host, "/%s", *l);
		if (lstat(host, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			n = readlink(host, target, sizeof target - 1);
			if (n < 0)
				continue;
			target[n] = 0;
			if (symlinkat(target, fd, *l) < 0) {
				err_sys(e, ERR_HOST, errno, "skeleton %s", *l);
				goto out;
			}
		} else if (S_ISDIR(st.st_mode) && put_dir(fd, *l, 0755, 0, e) < 0) {
			goto out;
		}
	}
	etc = openat(fd, "etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (etc < 0) {
		err_sys(e, ERR_HOST, errno, "skeleton etc");
		goto out;
	}
	if (put_file(etc, "passwd", etc_passwd, sizeof etc_passwd - 1, 0644, e) < 0 ||
	    put_file(etc, "group", etc_group, sizeof etc_group - 1, 0644, e) < 0 ||
	    put_file(etc, "hostname", "lab\n", 4, 0644, e) < 0 ||
	    put_file(etc, "hosts", etc_hosts, sizeof etc_hosts - 1, 0644, e) < 0 ||
	    put_file(etc, "nsswitch.conf", etc_nsswitch, sizeof etc_nsswitch - 1,
		     0644, e) < 0 ||
	    put_file(etc, "shells", etc_shells, sizeof etc_shells - 1, 0644, e) < 0)
		goto out;
	/* The loader's cache: without it, libraries in multiarch
	 * directories are not found. */
	if (read_file_bounded("/etc/ld.so.cache", 16u << 20, &cache, NULL) == 0) {
		if (put_file(etc, "ld.so.cache", cache.data, cache.len, 0644, e) < 0)
			goto out;
	}
	if (copy_alternatives(etc, e) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&cache);
	if (etc >= 0)
		close(etc);
	return rc;
}

/* The state of the host the shared skeleton is made from, as a key. */
static void shared_key(char out[17])
{
	static const char *const watched[] = {
		"/etc/ld.so.cache", "/etc/alternatives", "/bin", "/sbin", "/lib",
		"/lib32", "/lib64", "/libx32", NULL,
	};
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	char line[160];
	struct stat st;
	size_t i, k;
	int n;

	for (i = 0; watched[i]; i++) {
		memset(&st, 0, sizeof st);
		lstat(watched[i], &st);
		n = snprintf(line, sizeof line, "%s %s %llu %llu %lld %lld %o|",
			     SBX_SKEL_VERSION, watched[i],
			     (unsigned long long)st.st_ino,
			     (unsigned long long)st.st_size,
			     (long long)st.st_mtim.tv_sec,
			     (long long)st.st_mtim.tv_nsec, (unsigned)st.st_mode);
		for (k = 0; k < (size_t)n && k < sizeof line; k++) {
			h ^= (unsigned char)line[k];
			h *= 1099511628211ull;
		}
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static int shared_skel(const char *state, char *path, size_t size,
		       struct err *e)
{
	char key[17], tmp[PATH_MAX + 32], dir[PATH_MAX];
	unsigned char rnd[6];
	char rhex[13];
	struct stat st;
	int fd, rc;

	shared_key(key);
	if ((size_t)snprintf(dir, sizeof dir, "%s/skel", state) >= sizeof dir - 32 ||
	    (size_t)snprintf(path, size, "%s/%s", dir, key) >= size)
		return err_set(e, ERR_USAGE, "%s: the state directory's path is too long", state);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0)
		return 0;
	/* Traversable (not listable) by the sandbox's inner root, which has
	 * no power over files of unmapped owners. */
	if (mkdir_p(state, 0711, e) < 0)
		return -1;
	if (chmod(state, 0711) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", state);
	if (mkdir_p(dir, 0711, e) < 0)
		return -1;
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return err_sys(e, ERR_HOST, errno, "getrandom");
	hex_encode(rnd, sizeof rnd, rhex);
	snprintf(tmp, sizeof tmp, "%s/.new-%s", dir, rhex);
	if (mkdir(tmp, 0755) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", tmp);
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	rc = fd < 0 ? err_sys(e, ERR_HOST, errno, "%s", tmp) : fill_shared(fd, e);
	if (fd >= 0)
		close(fd);
	/* Published whole, by rename: a session sees the complete skeleton
	 * or builds its own; the one that loses a race drops its copy. */
	if (rc == 0 && rename(tmp, path) < 0 && errno != EEXIST &&
	    errno != ENOTEMPTY)
		rc = err_sys(e, ERR_HOST, errno, "%s", path);
	remove_tree(tmp, NULL);
	return rc;
}

/* What differs per session: the ids that own the candidate's home and the
 * services' directories, and the script's mount point. */
static int build_session_layer(struct sbx *s, struct err *e)
{
	uid_t cand = s->base + SBX_CANDIDATE_ID, svc = s->base + SBX_SERVICE_ID;
	int fd, rc = -1;

	fd = open(s->sess, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", s->sess);
	if (put_dir(fd, "home", 0755, 0, e) < 0 ||
	    put_dir(fd, "home/candidate", 0755, cand, e) < 0 ||
	    put_dir(fd, "home/candidate/answers", 0755, cand, e) < 0 ||
	    put_dir(fd, "var", 0755, 0, e) < 0 ||
	    put_dir(fd, "var/log", 0755, 0, e) < 0 ||
	    put_dir(fd, "var/log/labrun", 0755, svc, e) < 0 ||
	    put_dir(fd, "var/lib", 0755, 0, e) < 0 ||
	    put_dir(fd, "var/lib/service", 0755, svc, e) < 0 ||
	    put_dir(fd, "opt", 0755, 0, e) < 0 ||
	    put_dir(fd, "opt/labrun", 0755, 0, e) < 0)
		goto out;
	if (s->script_path[0] &&
	    put_file(fd, "opt/labrun/script.sh", "", 0, 0644, e) < 0)
		goto out;
	if (s->cfg.lab && put_dir(fd, "opt/labrun/channel", 0755, 0, e) < 0)
		goto out;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* --- the mounts ----------------------------------------------------- */

static int bind_ro(const char *src, const char *dst, struct err *e)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, ERR_HOST, errno, "bind %s", src);
	if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID |
					   MS_NODEV, NULL) < 0)
		return err_sys(e, ERR_HOST, errno, "read-only bind %s", src);
	return 0;
}

static int mount_tmpfs(const char *dst, const char *opts, unsigned long flags,
		       struct err *e)
{
	if (mount("labrun", dst, "tmpfs", flags, opts) < 0)
		return err_sys(e, ERR_HOST, errno, "tmpfs at %s (%s)", dst, opts);
	return 0;
}

static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty", NULL,
};

static int build_dev(const char *root, struct err *e)
{
	char dev[PATH_MAX + 32], path[PATH_MAX + 64], host[64], opts[64];
	const char *const *n;
	int fd;

	snprintf(dev, sizeof dev, "%s/dev", root);
	if (mount_tmpfs(dev, "size=64k,nr_inodes=64,mode=0755",
			MS_NOSUID | MS_NOEXEC, e) < 0)
		return -1;
	for (n = dev_nodes; *n; n++) {
		snprintf(path, sizeof path, "%s/%s", dev, *n);
		snprintf(host, sizeof host, "/dev/%s", *n);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0)
			return err_sys(e, ERR_HOST, errno, "%s", path);
		close(fd);
		if (mount(host, path, NULL, MS_BIND, NULL) < 0)
			return err_sys(e, ERR_HOST, errno, "bind %s", host);
	}
	snprintf(path, sizeof path, "%s/pts", dev);
	if (mkdir(path, 0755) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	snprintf(path, sizeof path, "%s/shm", dev);
	if (mkdir(path, 01777) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	snprintf(opts, sizeof opts, "size=%um,nr_inodes=%u,mode=1777",
		 SESSION_TMP_MB, SESSION_TMP_MB * SESSION_INODES_PER_MB);
	if (mount_tmpfs(path, opts, MS_NOSUID | MS_NODEV, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/fd", dev);
	if (symlink("/proc/self/fd", path) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	snprintf(path, sizeof path, "%s/stdin", dev);
	if (symlink("/proc/self/fd/0", path) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	snprintf(path, sizeof path, "%s/stdout", dev);
	if (symlink("/proc/self/fd/1", path) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	snprintf(path, sizeof path, "%s/stderr", dev);
	if (symlink("/proc/self/fd/2", path) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	snprintf(path, sizeof path, "%s/ptmx", dev);
	if (symlink("pts/ptmx", path) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	if (mount(NULL, dev, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		  "size=64k,nr_inodes=64,mode=0755") < 0)
		return err_sys(e, ERR_HOST, errno, "remount %s read-only", dev);
	return 0;
}

/* Copy the tree beneath from (a directory) into to, keeping owners, modes
 * and links; regular files, directories and links only. */
static int copy_tree(int from, int to, unsigned depth, struct err *e)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char buf[65536], link[PATH_MAX];
	int rc = 0, src, dst, dfd;
	ssize_t n;

	if (depth > 64)
		return err_set(e, ERR_HOST, "disk fault: directories nested too deep");
	dfd = dup(from);
	d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return err_sys(e, ERR_HOST, errno, "disk fault: reading a directory");
	}
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = err_sys(e, ERR_HOST, errno, "disk fault: %s", de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(to, de->d_name, 0700) < 0) {
				rc = err_sys(e, ERR_HOST, errno, "disk fault: %s", de->d_name);
				break;
			}
			src = openat(from, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			dst = openat(to, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (src < 0 || dst < 0)
				rc = err_sys(e, ERR_HOST, errno, "disk fault: %s", de->d_name);
			else
				rc = copy_tree(src, dst, depth + 1, e);
			if (src >= 0)
				close(src);
			if (dst >= 0)
				close(dst);
		} else if (S_ISREG(st.st_mode)) {
			src = openat(from, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			dst = openat(to, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			while (src >= 0 && dst >= 0 && (n = read(src, buf, sizeof buf)) > 0)
				if (write_all(dst, buf, (size_t)n) < 0) {
					n = -1;
					break;
				}
			if (src < 0 || dst < 0 || n < 0)
				rc = err_sys(e, ERR_HOST, errno, "disk fault: %s (does the room asked for hold the directory's files?)",
					     de->d_name);
			if (src >= 0)
				close(src);
			if (dst >= 0)
				close(dst);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(from, de->d_name, link, sizeof link - 1);
			if (n < 0 || (link[n] = 0, symlinkat(link, to, de->d_name) < 0))
				rc = err_sys(e, ERR_HOST, errno, "disk fault: %s", de->d_name);
		} else {
			continue;
		}
		if (rc == 0 &&
		    (fchownat(to, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		     (!S_ISLNK(st.st_mode) &&
		      fchmodat(to, de->d_name, st.st_mode & 07777, 0) < 0)))
			rc = err_sys(e, ERR_HOST, errno, "disk fault: %s", de->d_name);
	}
	closedir(d);
	return rc;
}

/* A disk fault: the directory at f->path becomes a tmpfs holding its
 * files, with only f->free_kb (or f->free_inodes) left. */
static int small_fs(struct sbx *s, size_t i, struct err *e)
{
	struct sbx_small_fs *f = &s->cfg.small[i];
	char target[PATH_MAX * 2], stage[PATH_MAX + 32], opts[256];
	struct stat st;
	struct statfs sf;
	int from = -1, to = -1, rc = -1;

	snprintf(target, sizeof target, "%s%s", s->root, f->path);
	snprintf(stage, sizeof stage, "%s/small%zu", s->wd, i);
	if (lstat(target, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, ERR_REFUSED, "disk fault: %s is not a directory in the sandbox",
			       f->path);
	if (mkdir(stage, 0700) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", stage);
	snprintf(opts, sizeof opts, "size=%um,nr_inodes=%u,mode=%o,uid=%u,gid=%u",
		 SESSION_DISK_FAULT_MB, SESSION_DISK_FAULT_MB * SESSION_INODES_PER_MB,
		 st.st_mode & 07777, (unsigned)st.st_uid, (unsigned)st.st_gid);
	if (mount_tmpfs(stage, opts, MS_NOSUID | MS_NODEV, e) < 0)
		return -1;
	from = open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	to = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (from < 0 || to < 0) {
		err_sys(e, ERR_HOST, errno, "disk fault: %s", f->path);
		goto out;
	}
	if (copy_tree(from, to, 0, e) < 0)
		goto out;
	if (fstatfs(to, &sf) < 0) {
		err_sys(e, ERR_HOST, errno, "disk fault: %s", f->path);
		goto out;
	}
	f->used_kb = (unsigned long long)(sf.f_blocks - sf.f_bfree) * sf.f_bsize / 1024;
	f->used_inodes = (unsigned long long)(sf.f_files - sf.f_ffree);
	/* tmpfs takes 0 as "no limit": the least is a page, or one inode. */
	f->size_kb = f->inodes ? SESSION_DISK_FAULT_MB * 1024ull : f->used_kb + f->free_kb;
	if (f->size_kb < 4)
		f->size_kb = 4;
	f->max_inodes = f->inodes ? f->used_inodes + f->free_inodes
				  : SESSION_DISK_FAULT_MB * SESSION_INODES_PER_MB;
	if (f->max_inodes < 1)
		f->max_inodes = 1;
	snprintf(opts, sizeof opts, "size=%lluk,nr_inodes=%llu", f->size_kb,
		 f->max_inodes);
	if (mount(NULL, stage, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, opts) < 0) {
		err_sys(e, ERR_HOST, errno, "disk fault: remount %s", opts);
		goto out;
	}
	if (mount(stage, target, NULL, MS_MOVE, NULL) < 0) {
		err_sys(e, ERR_HOST, errno, "disk fault: %s", f->path);
		goto out;
	}
	rc = 0;
out:
	if (from >= 0)
		close(from);
	if (to >= 0)
		close(to);
	return rc;
}

/* Whether the writable layer, /tmp and /dev/shm are full now: a limit the
 * candidate hit shows in the evidence, as a count of samples. */
static void sample_disks(struct sbx *s)
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

/* A small /proc file (one read), NUL-terminated in buf: 0, or -1 when the
 * process it describes is gone. */
static int read_proc(const char *path, char *buf, size_t size)
{
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	r = read(fd, buf, size - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = 0;
	return 0;
}

/* Field n of /proc/PID/stat counted after "(comm)" (1 the state, 4 the
 * session, 12 utime, 13 stime), in buf; NULL when the process is gone. */
static const char *proc_stat_field(const char *pid, int n, char *buf,
				   size_t size)
{
	char path[300];
	char *p;
	int field;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if (read_proc(path, buf, size) < 0)
		return NULL;
	p = strrchr(buf, ')');
	for (field = 0; p && field < n; field++)
		p = strchr(p + 1, ' ');
	return p ? p + 1 : NULL;
}

/* Processes at their CPU-time limit (RLIMIT_CPU kills them there; their
 * death is not ours to see, so the supervisor looks before): a limit
 * event, one per process. */
static void sample_cpu(struct sbx *s)
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
static void small_fs_end(struct sbx *s)
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

/* The lab channel: a socket the supervisor listens on, in a directory of
 * its own that the sandbox sees read-only at SBX_LAB_SOCKET's place.  The
 * candidate can connect, not remove or replace it. */
static int lab_listen(struct sbx *s, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[PATH_MAX + 16], mnt[PATH_MAX * 2];
	int fd;

	snprintf(dir, sizeof dir, "%s/channel", s->wd);
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/lab.sock", dir) >=
	    sizeof sa.sun_path)
		return err_set(e, ERR_HOST, "%s: path too long for a socket", dir);
	if (mkdir(dir, 0755) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    chmod(sa.sun_path, 0666) < 0 || listen(fd, 8) < 0) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, ERR_HOST, errno, "the lab channel %s", sa.sun_path);
	}
	s->lab_fd = fd;
	snprintf(mnt, sizeof mnt, "%s/opt/labrun/channel", s->root);
	return bind_ro(dir, mnt, e);
}

/* The lab channel's connections: at most SBX_LAB_CONNS at once, each
 * with SBX_LAB_MS to send its one line.  They are served from the
 * supervisor's loop like everything else, so a silent or slow client
 * holds nothing up. */
struct lab_conn {
	int fd;
	int64_t deadline;
	size_t got;
	char buf[SBX_LAB_MAX + 1];
};

static void lab_close(struct lab_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->got = 0;
}

/* A free slot, or -1. */
static int lab_free(const struct lab_conn *conns)
{
	int i;

	for (i = 0; i < SBX_LAB_CONNS; i++)
		if (conns[i].fd < 0)
			return i;
	return -1;
}

/* Take waiting connections while there is room; the rest wait in the
 * listen backlog (and beyond it, their connect waits). */
static void lab_accept(int lfd, struct lab_conn *conns)
{
	int i, c;

	while ((i = lab_free(conns)) >= 0 &&
	       (c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		conns[i].fd = c;
		conns[i].got = 0;
		conns[i].deadline = time_mono_ms() + SBX_LAB_MS;
	}
}

enum sbx_lab_kind sbx_lab_parse(char *buf, size_t got,
				struct sbx_lab_request *req)
{
	char *nl = memchr(buf, '\n', got < SBX_LAB_MAX ? got : SBX_LAB_MAX);

	if (!nl)
		return got < SBX_LAB_MAX ? SBX_LAB_MORE : SBX_LAB_TOO_LONG;
	*nl = 0;
	req->line = buf;
	req->name = NULL;
	if (!strncmp(buf, "restart ", 8)) {
		req->name = buf + 8;
		return SBX_LAB_RESTART;
	}
	if (!strncmp(buf, "service ", 8)) {
		req->name = buf + 8;
		return SBX_LAB_SERVICE;
	}
	return strcmp(buf, "services") ? SBX_LAB_SESSION : SBX_LAB_SERVICES;
}

static void svc_lab(struct sbx *s, enum sbx_lab_kind kind, const char *name,
		    char *resp, size_t size, size_t *len, int64_t now_ms);

/* Read from a connection; once its line is whole (or too long), answer
 * and close.  Returns what the hook returned (1: end the session). */
static int lab_read(struct sbx *s, struct lab_conn *c, const struct sbx_hooks *h,
		    int64_t t_us)
{
	struct sbx_lab_request req;
	enum sbx_lab_kind kind;
	char resp[SBX_LAB_RESP];
	size_t len = 0;
	ssize_t n;
	int rc = 0;

	n = read(c->fd, c->buf + c->got, SBX_LAB_MAX - c->got);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		lab_close(c);
		return 0;
	}
	c->got += (size_t)n;
	kind = sbx_lab_parse(c->buf, c->got, &req);
	if (kind == SBX_LAB_MORE)
		return 0;
	if (kind == SBX_LAB_TOO_LONG) {
		len = (size_t)snprintf(resp, sizeof resp,
				       "error: a request is one line of at most %d bytes\n",
				       SBX_LAB_MAX - 1);
	} else {
		/* the services are the sandbox's; the rest is the session's */
		if (kind != SBX_LAB_SESSION)
			svc_lab(s, kind, req.name, resp, sizeof resp, &len, time_mono_ms());
		else
			rc = h->lab ? h->lab(h->ctx, t_us, req.line, resp, sizeof resp, &len) : 0;
		if (len > sizeof resp)
			len = sizeof resp;
	}
	(void)!send(c->fd, resp, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	lab_close(c);
	return rc;
}

static int build_root(struct sbx *s, struct err *e)
{
	char opts[PATH_MAX * 6], path[PATH_MAX + 64];
	int n;
	char upper[PATH_MAX + 32], work[PATH_MAX + 32];
	const char *const *l;
	struct stat st;

	if (shared_skel(s->cfg.state_dir ? s->cfg.state_dir : SBX_STATE_DEFAULT,
			s->skel, sizeof s->skel, e) < 0 ||
	    build_session_layer(s, e) < 0)
		return -1;
	snprintf(opts, sizeof opts, "size=%um,nr_inodes=%u,mode=0755",
		 s->cfg.disk_mb, s->cfg.inodes);
	if (mount_tmpfs(s->rw, opts, MS_NOSUID | MS_NODEV, e) < 0)
		return -1;
	snprintf(upper, sizeof upper, "%s/upper", s->rw);
	snprintf(work, sizeof work, "%s/work", s->rw);
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", s->rw);
	/* The kernel takes at most a page of options. */
	n = snprintf(opts, sizeof opts, "lowerdir=%s:%s:%s,upperdir=%s,workdir=%s",
		     s->lower, s->sess, s->skel, upper, work);
	if (n < 0 || n >= 4000)
		return err_set(e, ERR_HOST, "%s: work directory path too long",
			       s->wd);
	if (mount("overlay", s->root, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		return err_sys(e, ERR_HOST, errno,
			       "overlay at %s; hint: labrun doctor tells what this host lacks",
			       s->root);
	s->root_mounted = 1;
	for (n = 0; (size_t)n < s->cfg.nsmall; n++)
		if (small_fs(s, (size_t)n, e) < 0)
			return -1;
	snprintf(path, sizeof path, "%s/usr", s->root);
	if (bind_ro("/usr", path, e) < 0)
		return -1;
	for (l = usr_links; *l; l++) {
		char host[32];

		snprintf(host, sizeof host, "/%s", *l);
		if (lstat(host, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(path, sizeof path, "%s/%s", s->root, *l);
		if (bind_ro(host, path, e) < 0)
			return -1;
	}
	if (s->tools_dir[0]) {
		snprintf(path, sizeof path, "%s%s", s->root, SBX_TOOLS_DIR);
		if (bind_ro(s->tools_dir, path, e) < 0)
			return -1;
	}
	if (s->script_path[0]) {
		snprintf(path, sizeof path, "%s%s", s->root, SBX_SCRIPT_PATH);
		if (bind_ro(s->script_path, path, e) < 0)
			return -1;
	}
	if (s->cfg.lab && lab_listen(s, e) < 0)
		return -1;
	if (build_dev(s->root, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/tmp", s->root);
	snprintf(opts, sizeof opts, "size=%um,nr_inodes=%u,mode=1777",
		 SESSION_TMP_MB, SESSION_TMP_MB * SESSION_INODES_PER_MB);
	return mount_tmpfs(path, opts, MS_NOSUID | MS_NODEV, e);
}

/* --- inside: the child's side ----------------------------------------- */

/* Messages from the sandbox's side to the supervisor over a seqpacket
 * socket: "F" with the listener descriptor, or "E<message>". */
static void child_fail(int sock, const char *what, int errnum)
{
	char msg[400];
	int n;

	n = snprintf(msg, sizeof msg, "E%s%s%s", what, errnum ? ": " : "",
		     errnum ? strerror(errnum) : "");
	if (n > 0)
		(void)!send(sock, msg, (size_t)n < sizeof msg ? (size_t)n
							     : sizeof msg - 1,
			    MSG_NOSIGNAL);
	_exit(125);
}

static int send_fd(int sock, const char *tag, int fd)
{
	struct iovec iov = {(void *)tag, strlen(tag)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {0};
	struct cmsghdr *c;

	memset(&u, 0, sizeof u);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof u.buf;
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -1;
}

static void set_limit(int sock, int res, unsigned long long v, const char *what)
{
	struct rlimit rl = {(rlim_t)v, (rlim_t)v};

	if (setrlimit(res, &rl) < 0)
		child_fail(sock, what, errno);
}

struct child_args {
	struct sbx *s;
	char *const *argv;
	char *const *envp;
	int stdin_null;
	int slave;
	int sock;
	int go;
	int init_fd;
	struct sock_fprog filter; /* the candidate profile, compiled */
	struct sock_fprog svc_filter; /* the services' profile, compiled */
};

/* Touch the stack this process still needs before exec.  RLIMIT_AS may
 * be below what the inherited image already maps (a small memory limit,
 * or any limit under ASan's shadow), and from then on the stack cannot
 * grow: a deeper call would die of SIGSEGV before the exec. */
static __attribute__((noinline)) void reserve_stack(void)
{
	volatile char pad[64 * 1024];
	size_t i;

	for (i = 0; i < sizeof pad; i += 1024)
		pad[i] = 0;
}

static void set_limits(int sock, const struct sbx_config *c)
{
	reserve_stack();
	set_limit(sock, RLIMIT_CORE, 0, "RLIMIT_CORE");
	set_limit(sock, RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK");
	if (c->nofile)
		set_limit(sock, RLIMIT_NOFILE, c->nofile, "RLIMIT_NOFILE");
	if (c->nproc)
		set_limit(sock, RLIMIT_NPROC, c->nproc, "RLIMIT_NPROC");
	if (c->cpu_s)
		set_limit(sock, RLIMIT_CPU, c->cpu_s, "RLIMIT_CPU");
	if (c->fsize_bytes)
		set_limit(sock, RLIMIT_FSIZE, c->fsize_bytes, "RLIMIT_FSIZE");
	if (c->as_bytes)
		set_limit(sock, RLIMIT_AS, c->as_bytes, "RLIMIT_AS");
}

static void drop_ids(int sock, unsigned id)
{
	gid_t gid = id;

	if (setgroups(1, &gid) < 0 || setresgid(id, id, id) < 0 ||
	    setresuid(id, id, id) < 0)
		child_fail(sock, "dropping ids", errno);
}

/* A service: its own session, output to its log, the services' id (not
 * the candidate's), the same limits, its own filter without a listener.
 * A service that cannot start says so in its log; the session goes on. */
static void service_main(const struct child_args *a, size_t index)
{
	const struct sbx_service *sv = &a->s->cfg.services[index];
	char tag[24];
	int listener;
	char *envp[4 + 8 + 1] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/var/lib/service",
		"LANG=C.UTF-8", "TZ=UTC", NULL,
	};
	size_t ne = 4;
	char log[128];
	int fd, null;

	for (; sv->env && sv->env[ne - 4] && ne < 4 + 8; ne++)
		envp[ne] = sv->env[ne - 4];
	envp[ne] = NULL;
	setsid();
	drop_ids(a->sock, SBX_SERVICE_ID);
	snprintf(log, sizeof log, SBX_SERVICE_LOGS "/%s.log", sv->name);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
	null = open("/dev/null", O_RDONLY);
	if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 ||
	    dup2(fd, 2) < 0 || dup2(a->sock, 3) < 0 || chdir("/") < 0)
		_exit(126);
	if (syscall(SYS_close_range, 4, ~0u, 0) < 0)
		_exit(126);
	set_limits(-1, &a->s->cfg);
	/* With a fault plan on the services, their trapped calls go to the
	 * supervisor through a listener of this service's own. */
	if (scp_install(&a->svc_filter,
			a->s->cfg.trap_services ? &listener : NULL) < 0)
		_exit(126);
	snprintf(tag, sizeof tag, "S%zu", index);
	/* A listener this process still holds would leave its own trapped
	 * calls unanswered forever: close it before giving up. */
	if (a->s->cfg.trap_services && send_fd(3, tag, listener) < 0) {
		close(listener);
		_exit(126);
	}
	if (a->s->cfg.trap_services)
		close(listener);
	close(3);
	execve(sv->argv[0], sv->argv, envp);
	dprintf(2, "labrun: service %s: %s: %s\n", sv->name, sv->argv[0],
		strerror(errno));
	_exit(127);
}

/* The candidate's process: fd 0-2 set, everything else closed, ids
 * dropped, limits set, seccomp loaded last. */
static void candidate_main(const struct child_args *a)
{
	int in, listener, sock = a->sock;

	if (setsid() < 0 || ioctl(a->slave, TIOCSCTTY, 0) < 0)
		child_fail(sock, "terminal", errno);
	in = a->stdin_null ? open("/dev/null", O_RDONLY) : dup(a->slave);
	if (in < 0 || dup2(in, 0) < 0 || dup2(a->slave, 1) < 0 ||
	    dup2(a->slave, 2) < 0)
		child_fail(sock, "standard descriptors", errno);
	if (dup2(sock, 3) < 0)
		child_fail(sock, "supervisor channel", errno);
	sock = 3;
	if (syscall(SYS_close_range, 4, ~0u, 0) < 0)
		child_fail(sock, "close_range", errno);
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	drop_ids(sock, SBX_CANDIDATE_ID);
	if (chdir(SBX_CANDIDATE_HOME) < 0)
		child_fail(sock, SBX_CANDIDATE_HOME, errno);
	umask(022);
	set_limits(sock, &a->s->cfg);
	/* Last: after this the filter is in force, and its listener goes to
	 * the supervisor; our own copy is closed before exec. */
	if (scp_install(&a->filter, &listener) < 0)
		child_fail(sock, "seccomp filter", errno);
	/* The supervisor gone (killed mid-setup): our own exit is a
	 * notified call, and a listener we still held would leave it
	 * waiting forever, and the sandbox with it. */
	if (send_fd(sock, "F", listener) < 0) {
		int err = errno;

		close(listener);
		child_fail(sock, "passing the seccomp listener", err);
	}
	close(listener);
	execve(a->argv[0], a->argv, a->envp);
	child_fail(sock, a->argv[0], errno);
}

static void loopback_up(int sock)
{
	struct ifreq ifr;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		child_fail(sock, "loopback socket", errno);
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		child_fail(sock, "loopback flags", errno);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		child_fail(sock, "loopback up", errno);
	close(fd);
}

/* Loopback TCP ports whose connections fail: nftables rules in the
 * sandbox's network namespace, loaded by nft as the sandbox's root. */
static void block_ports(int sock, const struct sbx_config *c)
{
	char *argv[] = {"nft", "-f", "-", NULL};
	char *envp[] = {NULL};
	char rules[4096];
	size_t n = 0, i;
	int p[2], status, null;
	pid_t pid;

	if (!c->nblocks)
		return;
	n += (size_t)snprintf(rules + n, sizeof rules - n,
			      "table inet labrun {\n chain out {\n"
			      "  type filter hook output priority 0; policy accept;\n");
	for (i = 0; i < c->nblocks && n < sizeof rules; i++)
		n += (size_t)snprintf(rules + n, sizeof rules - n,
				      "  tcp dport %d %s\n", c->blocks[i].port,
				      c->blocks[i].drop ? "drop" : "reject with tcp reset");
	if (n < sizeof rules)
		n += (size_t)snprintf(rules + n, sizeof rules - n, " }\n}\n");
	if (n >= sizeof rules)
		child_fail(sock, "network faults: too many rules", 0);
	if (access("/usr/sbin/nft", X_OK) < 0)
		child_fail(sock, "network faults need /usr/sbin/nft (Debian package nftables)",
			   errno);
	if (pipe(p) < 0)
		child_fail(sock, "network faults: pipe", errno);
	pid = fork();
	if (pid < 0)
		child_fail(sock, "network faults: fork", errno);
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		if (dup2(p[0], 0) < 0 || null < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0)
			_exit(126);
		syscall(SYS_close_range, 3, ~0u, 0);
		execve("/usr/sbin/nft", argv, envp);
		_exit(127);
	}
	close(p[0]);
	if (write_all(p[1], rules, n) < 0)
		child_fail(sock, "network faults: writing the rules", errno);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		child_fail(sock, "network faults: nft refused the rules (does this kernel have nf_tables?)", 0);
}

/* pid 1 of the sandbox until it execs labrun-init. */
static void sandbox_main(const struct child_args *a)
{
	char path[PATH_MAX + 64], pidbuf[24];
	char *init_argv[3];
	char *init_envp[1] = {NULL};
	int sock = a->sock, null;
	pid_t cand, service_pids[SBX_MAX_SERVICES];
	size_t i;
	char go;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(125);
	/* The supervisor writes our id maps, then says go; EOF means it is
	 * gone (and then so are we). */
	if (read(a->go, &go, 1) != 1)
		_exit(125);
	close(a->go);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		child_fail(sock, "inner root", errno);
	/* The cgroup namespace is made here, after the supervisor moved us
	 * into the session's cgroups, so that it is rooted there. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		child_fail(sock, "cgroup namespace", errno);
	/* Copied mounts are locked: a fresh bind of the root can be
	 * pivoted to, and its locked submounts stay read-only. */
	if (mount(a->s->root, a->s->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail(sock, "bind the root", errno);
	snprintf(path, sizeof path, "%s/proc", a->s->root);
	/* Processes of other ids (pid 1, later the scenario's services)
	 * are invisible to the candidate, not merely unreadable. */
	if (mount("proc", path, "proc",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  "hidepid=invisible") < 0)
		child_fail(sock, "mount /proc", errno);
	snprintf(path, sizeof path, "%s/dev/pts", a->s->root);
	if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		child_fail(sock, "mount /dev/pts", errno);
	if (chdir(a->s->root) < 0)
		child_fail(sock, "chdir to the root", errno);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail(sock, "pivot_root", errno);
	if (umount2(".", MNT_DETACH) < 0)
		child_fail(sock, "detach the old root", errno);
	if (chdir("/") < 0)
		child_fail(sock, "chdir /", errno);
	if (sethostname("lab", 3) < 0)
		child_fail(sock, "sethostname", errno);
	loopback_up(sock);
	block_ports(sock, &a->s->cfg);
	for (i = 0; i < a->s->cfg.nservices; i++) {
		pid_t sp = fork();

		if (sp < 0)
			child_fail(sock, "fork a service", errno);
		if (sp == 0)
			service_main(a, i);
		service_pids[i] = sp;
		/* The supervisor signals services through their pidfds
		 * (process faults); in service order, before the listener. */
		{
			int pfd = (int)syscall(SYS_pidfd_open, sp, 0);

			if (pfd < 0 || send_fd(sock, "P", pfd) < 0)
				child_fail(sock, "a service's pidfd", errno);
			close(pfd);
		}
	}
	/* The candidate enters a platform that serves: wait for each service
	 * that says when it is ready, unless it ends first. */
	for (i = 0; i < a->s->cfg.nservices; i++) {
		const char *ready = a->s->cfg.services[i].ready;
		int st;

		for (int ms = 0; ready && ms < SBX_READY_MS; ms += 10) {
			if (access(ready, F_OK) == 0 ||
			    waitpid(service_pids[i], &st, WNOHANG) == service_pids[i])
				break;
			usleep(10000);
		}
	}
	/* The crash sweep's "services" point: the supervisor is killed once
	 * every service is up; the candidate's setup then meets it gone. */
	if (crash_armed("services")) {
		struct pollfd hup = {sock, 0, 0};

		(void)!poll(&hup, 1, 5000);
	}
	cand = fork();
	if (cand < 0)
		child_fail(sock, "fork", errno);
	if (cand == 0)
		candidate_main(a);
	/* Become labrun-init: a fresh image, nothing of the supervisor's
	 * memory (keys, grader, answer keys) stays in the sandbox. */
	null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0)
		child_fail(sock, "init descriptors", errno);
	/* Nothing labrun inherited (its caller's pipes) stays open in
	 * pid 1: a caller reading labrun's output must see its end when
	 * labrun ends. */
	if (syscall(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail(sock, "init descriptors", errno);
	snprintf(pidbuf, sizeof pidbuf, "%d", (int)cand);
	init_argv[0] = "labrun-init";
	init_argv[1] = pidbuf;
	init_argv[2] = NULL;
	syscall(SYS_execveat, a->init_fd, "", init_argv, init_envp, AT_EMPTY_PATH);
	child_fail(sock, "exec labrun-init", errno);
}

/* --- the supervisor's side ------------------------------------------ */

static int write_map(pid_t pid, const char *file, uid_t base, struct err *e)
{
	char path[64], map[64];
	int fd, n;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	n = snprintf(map, sizeof map, "0 %u %u\n", (unsigned)base, SBX_ID_RANGE);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	if (write(fd, map, (size_t)n) != n) {
		close(fd);
		return err_sys(e, ERR_HOST, errno, "%s", path);
	}
	close(fd);
	return 0;
}

static int recv_msg(int sock, int *fd_out, char *text, size_t textsize)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {text, textsize - 1};
	struct msghdr mh = {0};
	struct cmsghdr *c;
	ssize_t n;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof u.buf;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return (int)n;
	text[n] = 0;
	*fd_out = -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd_out, CMSG_DATA(c), sizeof(int));
	return (int)n;
}

/* Read len bytes at addr of process pid through /proc/PID/mem. */
static ssize_t peek(int memfd, uint64_t addr, void *out, size_t len)
{
	return pread(memfd, out, len, (off_t)addr);
}

/* A NUL-terminated string at addr, at most max bytes; returns its length
 * or -1.  *cut says whether it was longer. */
static ssize_t peek_str(int memfd, uint64_t addr, char *out, size_t max,
			int *cut)
{
	size_t got = 0;
	ssize_t n;
	char *nul;

	*cut = 0;
	while (got < max) {
		size_t want = max - got < 256 ? max - got : 256;

		n = peek(memfd, addr + got, out + got, want);
		if (n <= 0)
			return got ? (ssize_t)got : -1;
		nul = memchr(out + got, 0, (size_t)n);
		if (nul)
			return nul - out;
		got += (size_t)n;
	}
	*cut = 1;
	out[max - 1] = 0;
	return (ssize_t)(max - 1);
}

static int ns_pid(int host_pid)
{
	char path[64], buf[1024], *p, *line;
	int last = -1;

	snprintf(path, sizeof path, "/proc/%d/status", host_pid);
	if (read_proc(path, buf, sizeof buf) < 0)
		return -1;
	line = strstr(buf, "\nNSpid:");
	if (!line)
		return -1;
	for (p = line + 7; *p && *p != '\n';) {
		char *end;
		long v;

		while (*p == ' ' || *p == '\t')
			p++;
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		last = (int)v;
		p = end;
	}
	return last;
}

struct exec_read {
	char path[PATH_MAX];
	char strings[ARGV_MAX_BYTES];
	char *argv[ARGV_MAX_ARGS + 1];
	int cut;
};

static void read_exec(int host_pid, uint64_t path_addr, uint64_t argv_addr,
		      struct exec_read *x)
{
	char file[64];
	size_t used = 0, i;
	uint64_t ptr;
	ssize_t n;
	int memfd, cut;

	x->path[0] = 0;
	x->argv[0] = NULL;
	x->cut = 0;
	snprintf(file, sizeof file, "/proc/%d/mem", host_pid);
	memfd = open(file, O_RDONLY | O_CLOEXEC);
	if (memfd < 0)
		return;
	if (peek_str(memfd, path_addr, x->path, sizeof x->path, &cut) < 0)
		x->path[0] = 0;
	for (i = 0; i < ARGV_MAX_ARGS; i++) {
		if (peek(memfd, argv_addr + i * 8, &ptr, 8) != 8 || !ptr)
			break;
		if (used >= sizeof x->strings - 1) {
			x->cut = 1;
			break;
		}
		n = peek_str(memfd, ptr, x->strings + used,
			     sizeof x->strings - used, &cut);
		if (n < 0)
			break;
		x->argv[i] = x->strings + used;
		used += (size_t)n + 1;
		if (cut) {
			x->cut = 1;
			i++;
			break;
		}
	}
	if (i == ARGV_MAX_ARGS &&
	    peek(memfd, argv_addr + i * 8, &ptr, 8) == 8 && ptr)
		x->cut = 1;
	x->argv[i] = NULL;
	close(memfd);
}

/* A call whose answer is held back (a delay fault). */
struct held {
	int listener;
	uint64_t id;
	int64_t due_ms; /* monotonic */
};

struct notif_bufs {
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	unsigned long execs; /* exec notifications: the first is the candidate's */
	int first_pid;       /* the candidate's process (host pid), 0 until then */
	struct held held[SBX_MAX_HELD];
	size_t nheld;
	/* connections each service accepted (its accept calls, the first of
	 * which waits for the first connection), and the count at which its
	 * call is held until a process fault has fired (0: none) */
	int accept_family;
	unsigned accepts[SBX_MAX_SERVICES], hold_at[SBX_MAX_SERVICES];
};

/* Answer notification id: the call goes on (err 0) or fails with err. */
static int reply(int listener, struct notif_bufs *nb, uint64_t id, int err)
{
	struct seccomp_notif_resp *resp = nb->resp;

	memset(resp, 0, nb->resp_size);
	resp->id = id;
	if (err)
		resp->error = -err;
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

/* Let the held calls that are due go on; the next due time, or INT64_MAX. */
static int64_t release_held(struct notif_bufs *nb, int64_t now_ms)
{
	int64_t next = INT64_MAX;
	size_t i = 0;

	while (i < nb->nheld) {
		struct held *h = &nb->held[i];

		if (h->due_ms <= now_ms) {
			/* A process killed meanwhile took its call along. */
			(void)reply(h->listener, nb, h->id, 0);
			*h = nb->held[--nb->nheld];
			continue;
		}
		if (h->due_ms < next)
			next = h->due_ms;
		i++;
	}
	return next;
}

/* --- what a trapped call names ---------------------------------------- */

static int open_in_root(int rootfd, const char *path, int nofollow)
{
	struct open_how how;

	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0);
	/* Absolute links and ".." stay inside the sandbox's root; /proc's
	 * magic links are not followed. */
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* What the absolute path names beneath rootfd: the file (when it exists)
 * and its directory with the last name. */
static void file_id_at(int rootfd, const char *path, int nofollow,
		       struct sbx_file_id *id)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t len, nlen;
	struct stat st;
	int fd;

	memset(id, 0, sizeof *id);
	fd = open_in_root(rootfd, path, nofollow);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0) {
			id->found = 1;
			id->dev = st.st_dev;
			id->ino = st.st_ino;
		}
		close(fd);
	}
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	slash = memrchr(path, '/', len);
	if (!slash)
		return;
	nlen = len - (size_t)(slash + 1 - path);
	if (nlen == 0 || nlen >= sizeof id->name || (size_t)(slash - path) >= sizeof dir)
		return;
	memcpy(id->name, slash + 1, nlen);
	id->name[nlen] = 0;
	if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	fd = open_in_root(rootfd, dir, 0);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0) {
			id->dir_found = 1;
			id->dir_dev = st.st_dev;
			id->dir_ino = st.st_ino;
		}
		close(fd);
	}
}

int sbx_file_id(const struct sbx *s, const char *path, struct sbx_file_id *out)
{
	int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	memset(out, 0, sizeof *out);
	if (rootfd < 0)
		return -1;
	file_id_at(rootfd, path, 0, out);
	close(rootfd);
	return 0;
}

static int notif_alloc(struct notif_bufs *nb, struct err *e)
{
	struct seccomp_notif_sizes sz;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return err_sys(e, ERR_HOST, errno, "seccomp notification sizes");
	nb->req_size = sz.seccomp_notif > sizeof *nb->req ? sz.seccomp_notif
							  : sizeof *nb->req;
	nb->resp_size = sz.seccomp_notif_resp > sizeof *nb->resp
				? sz.seccomp_notif_resp : sizeof *nb->resp;
	nb->req = calloc(1, nb->req_size);
	nb->resp = calloc(1, nb->resp_size);
	if (!nb->req || !nb->resp)
		return err_set(e, ERR_HOST, "out of memory");
	nb->accept_family = sbx_trap_family_index("accept");
	return 0;
}

/* The file a trapped call names, seen from the calling process: its path
 * (relative to its cwd or a directory descriptor, resolved inside its
 * root) or its descriptor. */
static void call_file(int host_pid, int memfd, const struct sbx_trap_call *tc,
		      const __u64 *args, struct sbx_file_id *id)
{
	char path[PATH_MAX], base[PATH_MAX], full[PATH_MAX * 2], link[64];
	struct stat st;
	ssize_t n;
	int cut, rootfd;

	memset(id, 0, sizeof *id);
	if (tc->fd >= 0) {
		snprintf(link, sizeof link, "/proc/%d/fd/%d", host_pid,
			 (int)args[(int)tc->fd]);
		if (stat(link, &st) == 0) {
			id->found = 1;
			id->dev = st.st_dev;
			id->ino = st.st_ino;
		}
		return;
	}
	if (tc->path < 0 ||
	    peek_str(memfd, args[(int)tc->path], path, sizeof path, &cut) < 0 || cut)
		return;
	if (path[0] == '/') {
		snprintf(full, sizeof full, "%s", path);
	} else {
		int dfd = tc->dirfd >= 0 ? (int)args[(int)tc->dirfd] : AT_FDCWD;

		if (dfd == AT_FDCWD)
			snprintf(link, sizeof link, "/proc/%d/cwd", host_pid);
		else
			snprintf(link, sizeof link, "/proc/%d/fd/%d", host_pid, dfd);
		/* The kernel writes the process's own view of the path. */
		n = readlink(link, base, sizeof base - 1);
		if (n <= 0 || base[0] != '/')
			return;
		base[n] = 0;
		snprintf(full, sizeof full, "%s%s%s", base, path[0] ? "/" : "", path);
	}
	snprintf(link, sizeof link, "/proc/%d/root", host_pid);
	rootfd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	file_id_at(rootfd, full, tc->nofollow, id);
	close(rootfd);
}

/* A call of a trap family: ask the hook, then let it go on, fail it, hand
 * back another file, or hold it for a while. */
static int handle_trap(int listener, int source, struct notif_bufs *nb,
		       int64_t t_us, const struct sbx_hooks *h, int family,
		       const struct sbx_trap_call *tc)
{
	struct seccomp_notif *req = nb->req;
	struct sbx_verdict v = {SBX_CALL_GO, 0, -1, 0};
	struct sbx_call c;
	char file[64], exe[PATH_MAX];
	ssize_t n;
	int memfd, rc;

	memset(&c, 0, sizeof c);
	c.family = family;
	c.name = tc->name;
	c.source = source;
	c.host_pid = (int)req->pid;
	c.port = -1;
	c.open_flags = -1;
	snprintf(file, sizeof file, "/proc/%d/exe", c.host_pid);
	n = readlink(file, exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	c.exe = exe;
	snprintf(file, sizeof file, "/proc/%d/mem", c.host_pid);
	memfd = open(file, O_RDONLY | O_CLOEXEC);
	if (memfd >= 0) {
		call_file(c.host_pid, memfd, tc, req->data.args, &c.file);
		if (tc->sockaddr) {
			unsigned char sa[4];

			if (peek(memfd, req->data.args[1], sa, sizeof sa) == 4) {
				int fam = sa[0] | sa[1] << 8;

				if (fam == AF_INET || fam == AF_INET6)
					c.port = sa[2] << 8 | sa[3];
			}
		}
		close(memfd);
	}
	if (tc->flags >= 0)
		c.open_flags = (int)req->data.args[(int)tc->flags];
	else if (!strcmp(tc->name, "creat"))
		c.open_flags = O_WRONLY | O_CREAT | O_TRUNC;
	/* Decide only for a caller that still waits in this call. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return 0;
	rc = h->call(h->ctx, t_us, &c, &v);
	switch (v.kind) {
	case SBX_CALL_FAIL:
		if (reply(listener, nb, req->id, v.err > 0 ? v.err : EIO) < 0)
			return -1;
		break;
	case SBX_CALL_FILE: {
		struct seccomp_notif_addfd add;

		memset(&add, 0, sizeof add);
		add.id = req->id;
		add.flags = SECCOMP_ADDFD_FLAG_SEND;
		add.srcfd = (uint32_t)v.fd;
		add.newfd_flags = c.open_flags >= 0 && (c.open_flags & O_CLOEXEC)
					  ? O_CLOEXEC : 0;
		if (v.fd < 0 || (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 &&
				 errno != ENOENT)) {
			if (v.fd >= 0)
				close(v.fd);
			return reply(listener, nb, req->id, EIO) < 0 ? -1 : rc;
		}
		close(v.fd);
		break;
	}
	case SBX_CALL_DELAY:
		if (v.delay_ms && nb->nheld < SBX_MAX_HELD) {
			nb->held[nb->nheld].listener = listener;
			nb->held[nb->nheld].id = req->id;
			nb->held[nb->nheld].due_ms = time_mono_ms() + v.delay_ms;
			nb->nheld++;
			break;
		}
		/* no room to hold it: it goes on now */
		__attribute__((fallthrough));
	case SBX_CALL_GO:
		if (reply(listener, nb, req->id, 0) < 0)
			return -1;
		break;
	}
	return rc;
}

/* One notification from the listener of source (-1 the candidate's, else
 * a service's): log it, apply the fault plan, let the call go on.
 * Returns what the hook returned (1: stop the session), or 0 when the
 * notification vanished. */
static int handle_notif(int listener, int source, struct notif_bufs *nb,
			int64_t t0_us, const struct sbx_hooks *h,
			struct exec_read *x)
{
	struct seccomp_notif *req = nb->req;
	const struct sbx_trap_call *tc;
	int64_t t_us = time_mono_us() - t0_us;
	int rc = 0, nr, host_pid, family;

	memset(req, 0, nb->req_size);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -1;
	nr = req->data.nr;
	host_pid = (int)req->pid;
	family = scp_trap_call(nr, &tc);
	if (source >= 0 && source < SBX_MAX_SERVICES && family >= 0 &&
	    family == nb->accept_family) {
		size_t k = (size_t)source;

		nb->accepts[k]++;
		if (nb->hold_at[k] && nb->accepts[k] >= nb->hold_at[k] &&
		    nb->nheld < SBX_MAX_HELD) {
			/* A process fault waits for this many connections: the
			 * service waits in its next accept until the fault has
			 * fired (fire_signals, then release_held). */
			nb->held[nb->nheld].listener = listener;
			nb->held[nb->nheld].id = req->id;
			nb->held[nb->nheld].due_ms = time_mono_ms();
			nb->nheld++;
			nb->hold_at[k] = 0;
			return 0;
		}
	}
	if (family >= 0 && h->call)
		return handle_trap(listener, source, nb, t_us, h, family, tc);
	if (source >= 0) {
		/* a service's: only trapped calls are reported */
	} else if (nr == SYS_execve || nr == SYS_execveat) {
		struct sbx_exec ex;
		int at = nr == SYS_execveat;

		if (nb->execs++ == 0)
			nb->first_pid = host_pid;
		read_exec(host_pid, req->data.args[at], req->data.args[at + 1], x);
		/* What was read is only worth logging if the caller still
		 * waits in this very notification. */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0) {
			ex.pid = ns_pid(host_pid);
			ex.host_pid = host_pid;
			ex.path = x->path[0] ? x->path : NULL;
			ex.argv = x->argv;
			ex.argv_truncated = x->cut;
			if (h->exec)
				rc = h->exec(h->ctx, t_us, &ex);
		}
	} else if (nr == SYS_set_tid_address) {
		char file[64];
		ssize_t n = -1;
		int fd;

		snprintf(file, sizeof file, "/proc/%d/cmdline", host_pid);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, x->strings, sizeof x->strings);
			close(fd);
		}
		if (n >= 0 && h->started &&
		    ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0)
			rc = h->started(h->ctx, t_us, host_pid, x->strings,
					(size_t)n, (size_t)n == sizeof x->strings);
	} else if (nr == SYS_exit_group) {
		if (h->exited)
			rc = h->exited(h->ctx, t_us, host_pid,
				       (int)(req->data.args[0] & 0xff));
	}
	if (reply(listener, nb, req->id, 0) < 0)
		return -1;
	return rc;
}

static int open_pty(unsigned width, unsigned height, int *master, int *slave,
		    struct err *e)
{
	struct winsize ws = {0};
	struct termios t;
	char name[64];
	int m, sl;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return err_sys(e, ERR_HOST, errno, "pseudo-terminal");
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name)) {
		close(m);
		return err_sys(e, ERR_HOST, errno, "pseudo-terminal");
	}
	sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sl < 0) {
		close(m);
		return err_sys(e, ERR_HOST, errno, "%s", name);
	}
	ws.ws_col = (unsigned short)width;
	ws.ws_row = (unsigned short)height;
	ioctl(m, TIOCSWINSZ, &ws);
	/* Output as a terminal shows it: "\n" becomes "\r\n". */
	if (tcgetattr(sl, &t) == 0) {
		t.c_oflag |= OPOST | ONLCR;
		tcsetattr(sl, TCSANOW, &t);
	}
	fcntl(m, F_SETFL, O_NONBLOCK);
	*master = m;
	*slave = sl;
	return 0;
}

static void drain(int master, int64_t t0_us, const struct sbx_hooks *h,
		  int *stop)
{
	unsigned char buf[16384];
	int64_t deadline = time_mono_ms() + SBX_DRAIN_MS;
	ssize_t n;

	while (time_mono_ms() < deadline) {
		n = read(master, buf, sizeof buf);
		if (n <= 0)
			return;
		if (!*stop && h->output &&
		    h->output(h->ctx, time_mono_us() - t0_us, buf,
			      (size_t)n) != 0)
			*stop = 1;
	}
}

/* The host pid behind a pidfd, or -1 once the process is gone. */
static pid_t pidfd_pid(int pidfd)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
	if (read_proc(path, buf, sizeof buf) < 0)
		return -1;
	p = strstr(buf, "\nPid:");
	return p ? (pid_t)strtol(p + 5, NULL, 10) : -1;
}

/* Whether host process pid is in the sandbox's pid namespace: a session
 * id outlives its leader, and a number freed in the sandbox may name a
 * host process's session next. */
static int in_sandbox(const struct sbx *s, const char *pid)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof path, "/proc/%s/ns/pid", pid);
	return stat(path, &st) == 0 && st.st_ino == s->pidns_ino &&
	       st.st_dev == s->pidns_dev;
}

/* The processes of session sid (host pids) in the sandbox: a service and
 * what it started, since a service calls setsid. */
static size_t session_members(const struct sbx *s, pid_t sid, pid_t *out,
			      size_t max)
{
	char buf[512];
	const char *f;
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		f = proc_stat_field(de->d_name, 4, buf, sizeof buf);
		if (f && (pid_t)strtol(f, NULL, 10) == sid && in_sandbox(s, de->d_name))
			out[n++] = (pid_t)strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	return n;
}

/* A freeze: the service and what it started go into a frozen cgroup of
 * their own; where the host has no freezer, SIGSTOP (which the candidate
 * cannot undo either: the service runs under another id). */
static int freeze_service(struct sbx *s, struct sbx_signal *sg, int pidfd)
{
	pid_t pids[256], sid = pidfd_pid(pidfd);
	struct err e = {0};
	char name[32];
	size_t n, i;

	if (sid <= 0)
		return -1;
	n = session_members(s, sid, pids, sizeof pids / sizeof *pids);
	if (!n)
		return -1;
	snprintf(name, sizeof name, "frozen-%zu", sg->service);
	if (s->cg && cg_freeze_procs(s->cg, name, pids, n, &sg->how, &e) == 0) {
		sg->frozen = (unsigned)n;
		s->frozen = 1;
		return 0;
	}
	for (i = 0; i < n; i++)
		kill(pids[i], SIGSTOP);
	sg->how = "SIGSTOP (this host has no cgroup freezer)";
	sg->frozen = (unsigned)n;
	return 0;
}

/* Whether path exists in the sandbox's root now (a condition of a
 * process fault), resolved inside the root whatever links the candidate
 * made. */
static int path_exists(const struct sbx *s, const char *path)
{
	int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	if (rootfd < 0)
		return 0;
	fd = open_in_root(rootfd, path, 1);
	close(rootfd);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* A crash loop's fault still applies to the next start. */
static int crash_active(const struct sbx *s, const struct sbx_signal *sg)
{
	return sg->crashloop && sg->fired &&
	       (!sg->crash_times || sg->crashes < sg->crash_times) &&
	       (!sg->while_path || path_exists(s, sg->while_path));
}

/* Send the process faults that are due; t0_ms and now_ms monotonic.  A
 * fault waiting for connections holds the service's next accept (nb). */
static void fire_signals(struct sbx *s, struct notif_bufs *nb, int64_t t0_ms,
			 int64_t now_ms)
{
	const struct sbx_config *c = &s->cfg;
	struct sbx_signal *sg;
	size_t i;

	for (i = 0; i < SBX_MAX_SERVICES; i++)
		nb->hold_at[i] = 0;
	for (i = 0; i < c->nsignals; i++) {
		sg = &c->signals[i];
		if (sg->fired || sg->service >= s->nsvc)
			continue;
		if (sg->after_requests &&
		    nb->accepts[sg->service] <= sg->after_requests) {
			unsigned at = sg->after_requests + 1, *h = &nb->hold_at[sg->service];

			if (!*h || at < *h)
				*h = at;
			continue;
		}
		if (now_ms < t0_ms + sg->at_ms)
			continue;
		if (sg->when_path && !path_exists(s, sg->when_path))
			continue;
		if (sg->crashloop) {
			/* armed: the service's next starts crash */
			sg->fired = 1;
			sg->fired_ms = now_ms - t0_ms;
			continue;
		}
		if (s->svc[sg->service].pidfd >= 0 &&
		    (sg->signo == 0 ? freeze_service(s, sg, s->svc[sg->service].pidfd) == 0
				    : syscall(SYS_pidfd_send_signal, s->svc[sg->service].pidfd,
					      sg->signo, NULL, 0) == 0)) {
			sg->fired = 1;
			sg->fired_ms = now_ms - t0_ms;
			if (sg->signo)
				snprintf(s->svc[sg->service].ended,
					 sizeof s->svc[sg->service].ended,
					 "signal %d from the fault plan", sg->signo);
		} else {
			/* Gone already: nothing to fault; it stays unfired. */
			sg->fired_ms = -1;
			sg->at_ms = UINT32_MAX;
		}
	}
}

static int64_t next_signal(const struct sbx_config *c, int64_t t0_ms,
			   int64_t deadline)
{
	int64_t next = deadline;
	size_t i;

	for (i = 0; i < c->nsignals; i++) {
		const struct sbx_signal *sg = &c->signals[i];
		int64_t at = t0_ms + sg->at_ms;

		/* a count of connections is looked at as calls come */
		if (sg->fired || sg->at_ms == UINT32_MAX || sg->after_requests)
			continue;
		/* a condition is looked at every SBX_WATCH_MS from its time on */
		if (sg->when_path && at < time_mono_ms())
			at = time_mono_ms() + SBX_WATCH_MS;
		if (at < next)
			next = at;
	}
	return next;
}

/* --- the service manager ---------------------------------------------- */

static void sync_wake_up(int listener);

/* Signal every process of service k's running session (SIGKILL also
 * reaches what a frozen cgroup holds on cgroup v2). */
static void svc_signal_all(const struct sbx *s, size_t k, int sig)
{
	pid_t pids[256];
	size_t n, i;

	if (s->svc[k].sid <= 0)
		return;
	n = session_members(s, s->svc[k].sid, pids, sizeof pids / sizeof *pids);
	for (i = 0; i < n; i++)
		kill(pids[i], sig);
}

/* A new instance is running: note it, and arm a crash loop's signal. */
static void svc_started(struct sbx *s, size_t k, int pidfd, int64_t now_ms)
{
	struct svc_run *r = &s->svc[k];
	size_t i;

	r->pidfd = pidfd;
	r->sid = pidfd_pid(pidfd);
	r->started_ms = now_ms;
	r->starts++;
	r->restart_ms = r->kill_ms = r->crash_ms = 0;
	r->stopping = 0;
	if (r->starts == 1)
		return; /* a crash loop takes the starts after the first */
	for (i = 0; i < s->cfg.nsignals; i++) {
		const struct sbx_signal *sg = &s->cfg.signals[i];

		if (sg->service == k && crash_active(s, sg)) {
			r->crash_ms = now_ms + sg->crash_after_ms;
			r->crash_sg = i;
			break;
		}
	}
}

/* Start service k again, from outside: a child of the supervisor moves
 * into the session's cgroups, joins the sandbox's namespaces through pid
 * 1's pidfd and its root, forks into the pid namespace, and becomes the
 * service exactly as at the start (service_main).  The new instance's
 * pidfd, and its listener with a fault plan on the services, come back
 * over a socket pair. */
static int svc_spawn(struct sbx *s, const struct child_args *a,
		     int sandbox_pidfd, pid_t sandbox_pid, size_t k,
		     int *listener, int64_t now_ms)
{
	struct child_args ca = *a;
	char path[64], msg[64];
	int sp[2], rootfd, fd = -1, pfd = -1, n, status;
	pid_t p;

	snprintf(path, sizeof path, "/proc/%d/root", (int)sandbox_pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		close(rootfd);
		return -1;
	}
	fflush(NULL);
	p = fork();
	if (p == 0) {
		struct err e = {0};
		pid_t c;

		close(sp[0]);
		if ((s->cg && cg_attach(s->cg, getpid(), &e) < 0) ||
		    setns(sandbox_pidfd, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
					     CLONE_NEWNET | CLONE_NEWIPC |
					     CLONE_NEWUTS | CLONE_NEWCGROUP) < 0 ||
		    fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
			_exit(126);
		c = fork();
		if (c < 0)
			_exit(126);
		if (c > 0) {
			/* the instance's parent becomes the sandbox's pid 1 */
			int cfd = (int)syscall(SYS_pidfd_open, c, 0);

			_exit(cfd < 0 || send_fd(sp[1], "P", cfd) < 0 ? 126 : 0);
		}
		ca.sock = sp[1];
		service_main(&ca, k);
		_exit(126);
	}
	close(sp[1]);
	close(rootfd);
	if (p < 0) {
		close(sp[0]);
		return -1;
	}
	while (waitpid(p, &status, 0) < 0 && errno == EINTR)
		;
	/* the pidfd, then (with a fault plan on the services) the listener,
	 * sent before the service's exec: a short wait */
	for (;;) {
		struct pollfd q = {sp[0], POLLIN, 0};

		if (poll(&q, 1, SBX_SETUP_MS) != 1)
			break;
		n = recv_msg(sp[0], &fd, msg, sizeof msg);
		if (n <= 0)
			break;
		if (msg[0] == 'P' && fd >= 0 && pfd < 0) {
			pfd = fd;
		} else if (msg[0] == 'S' && fd >= 0) {
			if (*listener >= 0)
				close(*listener);
			*listener = fd;
			sync_wake_up(fd);
		} else if (fd >= 0) {
			close(fd);
		}
		fd = -1;
		if (pfd >= 0 && (!s->cfg.trap_services || *listener >= 0))
			break;
	}
	close(sp[0]);
	if (pfd < 0)
		return -1;
	svc_started(s, k, pfd, now_ms);
	return 0;
}

/* Service k's instance ended (its pidfd is readable). */
static void svc_ended(struct sbx *s, size_t k, int64_t now_ms)
{
	struct svc_run *r = &s->svc[k];
	int64_t delay;

	close(r->pidfd);
	r->pidfd = -1;
	r->crash_ms = 0;
	r->ended_ms = now_ms;
	if (!r->ended[0])
		snprintf(r->ended, sizeof r->ended, "it ended (its log: " SBX_SERVICE_LOGS "/%s.log)",
			 s->cfg.services[k].name);
	if (r->stopping) {
		r->restart_ms = now_ms; /* a restart asked for: at once */
		return;
	}
	if (s->cfg.services[k].restart != 2)
		return;
	r->quick = now_ms - r->started_ms < SBX_SVC_QUICK_MS ? r->quick + 1 : 1;
	if (r->quick >= SBX_SVC_BURST) {
		r->failed = 1;
		return;
	}
	delay = (int64_t)SBX_SVC_BACKOFF_MS << (r->quick - 1 < 4 ? r->quick - 1 : 4);
	r->restart_ms = now_ms + delay;
}

/* Stop service k for a restart (or start it, when nothing runs). */
static void svc_restart(struct sbx *s, size_t k, int64_t now_ms)
{
	struct svc_run *r = &s->svc[k];

	r->failed = 0;
	r->quick = 0;
	if (r->pidfd < 0) {
		r->restart_ms = now_ms;
		return;
	}
	if (r->stopping)
		return;
	r->stopping = 1;
	r->crash_ms = 0;
	snprintf(r->ended, sizeof r->ended, "stopped for a restart");
	svc_signal_all(s, k, SIGTERM);
	r->kill_ms = now_ms + SBX_SVC_STOP_MS;
}

/* Do what is due: a stop's SIGKILL, a start, a crash loop's signal.
 * Returns when something is next due (INT64_MAX: nothing). */
static int64_t svc_tick(struct sbx *s, const struct child_args *a,
			int sandbox_pidfd, pid_t sandbox_pid, int *listeners,
			int64_t t0_ms, int64_t now_ms)
{
	int64_t next = INT64_MAX;
	size_t k;

	for (k = 0; k < s->nsvc; k++) {
		struct svc_run *r = &s->svc[k];

		if (r->kill_ms && now_ms >= r->kill_ms) {
			svc_signal_all(s, k, SIGKILL);
			r->kill_ms = 0;
		}
		if (r->crash_ms && now_ms >= r->crash_ms && r->pidfd >= 0) {
			struct sbx_signal *sg = &s->cfg.signals[r->crash_sg];

			r->crash_ms = 0;
			if (crash_active(s, sg) &&
			    syscall(SYS_pidfd_send_signal, r->pidfd, sg->signo,
				    NULL, 0) == 0) {
				sg->crashes++;
				snprintf(r->ended, sizeof r->ended,
					 "signal %d %u ms after it started (the fault plan's crash loop)",
					 sg->signo, sg->crash_after_ms);
			}
		}
		if (r->restart_ms && now_ms >= r->restart_ms && r->pidfd < 0) {
			/* what the last instance left goes first */
			svc_signal_all(s, k, SIGKILL);
			r->ended[0] = 0;
			if (svc_spawn(s, a, sandbox_pidfd, sandbox_pid, k,
				      &listeners[k], now_ms) < 0) {
				r->restart_ms = 0;
				r->failed = 1;
				snprintf(r->ended, sizeof r->ended,
					 "it could not be started again (the host's failure)");
			}
		}
		if (r->kill_ms && r->kill_ms < next)
			next = r->kill_ms;
		if (r->crash_ms && r->crash_ms < next)
			next = r->crash_ms;
		if (r->restart_ms && r->restart_ms < next)
			next = r->restart_ms;
	}
	(void)t0_ms;
	return next;
}

static const char *const restart_names[] = {"never", "on-request", "always"};

/* The lab channel's service requests (sbx_lab_parse): "services",
 * "service NAME", "restart NAME". */
static void svc_lab(struct sbx *s, enum sbx_lab_kind kind, const char *name,
		    char *resp, size_t size, size_t *len, int64_t now_ms)
{
	size_t k, off = 0;
	int restart = kind == SBX_LAB_RESTART;

	for (k = 0; name && k < s->nsvc; k++)
		if (!strcmp(s->cfg.services[k].name, name))
			break;
	if (name && k == s->nsvc) {
		*len = (size_t)snprintf(resp, size,
					"error: no service \"%.64s\"; `lab services` lists them\n",
					name);
		return;
	}
	if (restart && !s->cfg.services[k].restart) {
		*len = (size_t)snprintf(resp, size,
					"error: %s cannot be restarted in this lab\n",
					s->cfg.services[k].name);
		return;
	}
	if (restart)
		svc_restart(s, k, now_ms);
	for (k = name ? k : 0; k < s->nsvc && off < size; k++) {
		const struct svc_run *r = &s->svc[k];
		const char *pol = restart_names[s->cfg.services[k].restart];
		int n;

		if (r->stopping || (r->restart_ms && r->pidfd < 0 && !r->failed))
			n = snprintf(resp + off, size - off,
				     "%s restarting (restart: %s; starts %u)\n",
				     s->cfg.services[k].name, pol, r->starts);
		else if (r->pidfd >= 0)
			n = snprintf(resp + off, size - off,
				     "%s running for %lld s (restart: %s; starts %u)\n",
				     s->cfg.services[k].name,
				     (long long)(now_ms - r->started_ms) / 1000, pol,
				     r->starts);
		else
			n = snprintf(resp + off, size - off,
				     "%s %s %lld s ago: %s (restart: %s; starts %u)%s\n",
				     s->cfg.services[k].name,
				     r->failed ? "failed: ended" : "ended",
				     (long long)(now_ms - r->ended_ms) / 1000,
				     r->ended, pol, r->starts,
				     r->failed && s->cfg.services[k].restart
					     ? "; `lab restart` tries again" : "");
		if (n < 0)
			break;
		off += (size_t)n;
		if (name)
			break;
	}
	*len = off < size ? off : size;
}

/* A reported call waits for the supervisor: ask the kernel to switch to
 * it and back on the same CPU rather than through the scheduler (Linux
 * 6.6; older kernels refuse the flag and take the longer way). */
static void sync_wake_up(int listener)
{
	(void)ioctl(listener, _IOW('!', 4, uint64_t), (uint64_t)1);
}

/* "S<index>" with a service's listener: keep it (once per service). */
static void take_service_listener(const char *msg, int fd, int *listeners,
				  size_t nservices)
{
	char *end;
	unsigned long i = strtoul(msg + 1, &end, 10);

	if (end != msg + 1 && !*end && i < nservices && i < SBX_MAX_SERVICES &&
	    listeners[i] < 0) {
		listeners[i] = fd;
		sync_wake_up(fd);
		return;
	}
	close(fd);
}

int sbx_run(struct sbx *s, char *const argv[], char *const envp[],
	    int stdin_null, unsigned wall_ms, const struct sbx_hooks *hooks,
	    struct sbx_outcome *out, struct err *e)
{
	struct child_args a = {0};
	struct notif_bufs nb = {0};
	struct exec_read *x = NULL;
	int master = -1, slave = -1, socks[2] = {-1, -1}, gop[2] = {-1, -1};
	int init_fd = -1, pidfd = -1, listener = -1, status, stop = 0, rc = -1;
	int fd_late = -1, cand_pidfd = -1;
	int interactive = !stdin_null && hooks->input_fd >= 0;
	unsigned char pending[SBX_INPUT_MAX];
	size_t npending = 0;
	struct lab_conn lab[SBX_LAB_CONNS];
	enum { I_INPUT = 4 + SBX_MAX_SERVICES + 1, I_LAB,
	       I_SVC = I_LAB + 1 + SBX_LAB_CONNS };
	int watch_master = 1, watch_listener = 1;
	int svc_listener[SBX_MAX_SERVICES];
	int own_filter = 0, own_svc_filter = 0;
	size_t k;
	int64_t t0_us = 0, deadline, now;
	pid_t pid = -1;
	char msg[512];

	memset(out, 0, sizeof *out);
	out->exit_status = -1;
	for (k = 0; k < SBX_MAX_SERVICES; k++) {
		svc_listener[k] = -1;
		memset(&s->svc[k], 0, sizeof s->svc[k]);
		s->svc[k].pidfd = -1;
	}
	s->nsvc = 0;
	for (k = 0; k < SBX_LAB_CONNS; k++)
		lab[k].fd = -1;
	if (build_root(s, e) < 0 || notif_alloc(&nb, e) < 0)
		goto out;
	x = malloc(sizeof *x);
	if (!x) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	if (open_pty(s->cfg.width, s->cfg.height, &master, &slave, e) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0 ||
	    pipe2(gop, O_CLOEXEC) < 0) {
		err_sys(e, ERR_HOST, errno, "socketpair");
		goto out;
	}
	init_fd = open(s->init_path, O_PATH | O_CLOEXEC);
	if (init_fd < 0) {
		err_sys(e, ERR_HOST, errno, "%s", s->init_path);
		goto out;
	}
	a.s = s;
	a.argv = argv;
	a.envp = envp;
	a.stdin_null = stdin_null;
	a.slave = slave;
	a.sock = socks[1];
	a.go = gop[0];
	a.init_fd = init_fd;
	/* Compiled at build time: nothing to compile per launch, unless a
	 * fault plan traps calls (then about a millisecond). */
	if (scp_embedded(SBX_PROFILE_CANDIDATE, &a.filter) < 0 ||
	    scp_embedded(SBX_PROFILE_SERVICE, &a.svc_filter) < 0) {
		err_set(e, ERR_BUG, "no embedded seccomp program");
		goto out;
	}
	if (s->cfg.trap_candidate) {
		if (scp_compile(SBX_PROFILE_CANDIDATE, s->cfg.trap_candidate,
				&a.filter, e) < 0)
			goto out;
		own_filter = 1;
	}
	if (s->cfg.trap_services) {
		if (scp_compile(SBX_PROFILE_SERVICE, s->cfg.trap_services,
				&a.svc_filter, e) < 0)
			goto out;
		own_svc_filter = 1;
	}
	fflush(NULL);
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID |
				 CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC |
				 CLONE_NEWUTS | SIGCHLD,
			     NULL, NULL, NULL, NULL);
	if (pid < 0) {
		err_sys(e, ERR_HOST, errno,
			"cannot create the sandbox's namespaces; hint: labrun doctor tells what this host lacks");
		goto out;
	}
	if (pid == 0) {
		close(socks[0]);
		close(gop[1]);
		sandbox_main(&a);
		_exit(125);
	}
	close(socks[1]);
	socks[1] = -1;
	close(gop[0]);
	gop[0] = -1;
	close(slave);
	slave = -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	{
		char path[64];
		struct stat st;

		/* what session_members may signal */
		snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
		if (stat(path, &st) == 0) {
			s->pidns_dev = st.st_dev;
			s->pidns_ino = st.st_ino;
		}
	}
	if (pidfd < 0 || write_map(pid, "uid_map", s->base, e) < 0 ||
	    write_map(pid, "gid_map", s->base, e) < 0) {
		if (pidfd < 0)
			err_sys(e, ERR_HOST, errno, "pidfd_open");
		goto out;
	}
	/* Into the session's cgroups while the child still waits: nothing
	 * it starts is charged elsewhere. */
	if (s->cg && cg_attach(s->cg, pid, e) < 0)
		goto out;
	if (write(gop[1], "g", 1) != 1) {
		err_sys(e, ERR_HOST, errno, "starting the sandbox");
		goto out;
	}
	close(gop[1]);
	gop[1] = -1;

	/* Setup: a pidfd per service, then the listener; or what went
	 * wrong.  Meanwhile the services start, and the candidate waits for
	 * them to be ready: their trapped calls are served already, or a
	 * fault on a service's start would hold the setup up for good. */
	t0_us = time_mono_us();
	deadline = time_mono_ms() + SBX_SETUP_MS + SBX_READY_MS;
	for (;;) {
		struct pollfd p[2 + SBX_MAX_SERVICES] = {{socks[0], POLLIN, 0},
							 {pidfd, POLLIN, 0}};
		int n, fd = -1, served = 0;
		int64_t due;

		for (k = 0; k < SBX_MAX_SERVICES; k++) {
			p[2 + k].fd = svc_listener[k];
			p[2 + k].events = POLLIN;
		}
		now = time_mono_ms();
		due = release_held(&nb, now); /* a delay fault on a service's start */
		if (due > deadline)
			due = deadline;
		n = poll(p, 2 + SBX_MAX_SERVICES, (int)(due > now ? due - now : 0));
		if (n == 0 && time_mono_ms() < deadline)
			continue;
		for (k = 0; n > 0 && k < SBX_MAX_SERVICES; k++) {
			if (!(p[2 + k].revents & POLLIN))
				continue;
			served = 1;
			if (handle_notif(svc_listener[k], (int)k, &nb, t0_us, hooks, x) < 0) {
				snprintf(out->error, sizeof out->error,
					 "seccomp notification of a service: %s",
					 strerror(errno));
				out->end = SBX_END_ERROR;
				goto finish;
			}
		}
		if (served && !(p[0].revents & POLLIN))
			continue;
		if (n <= 0 || !(p[0].revents & POLLIN)) {
			snprintf(out->error, sizeof out->error,
				 n == 0 ? "the sandbox was not ready in %d ms"
					: "the sandbox ended during setup",
				 SBX_SETUP_MS + SBX_READY_MS);
			out->end = SBX_END_ERROR;
			goto finish;
		}
		n = recv_msg(socks[0], &fd, msg, sizeof msg);
		if (n > 0 && msg[0] == 'P' && fd >= 0 &&
		    s->nsvc < s->cfg.nservices && s->nsvc < SBX_MAX_SERVICES) {
			svc_started(s, s->nsvc++, fd, time_mono_ms());
			if (s->nsvc == s->cfg.nservices)
				crash_point("services");
			continue;
		}
		if (n > 0 && msg[0] == 'S' && fd >= 0) {
			take_service_listener(msg, fd, svc_listener,
					      s->cfg.nservices);
			continue;
		}
		if (n > 0 && msg[0] == 'F' && fd >= 0) {
			listener = fd;
			sync_wake_up(listener);
			break;
		}
		if (fd >= 0)
			close(fd);
		snprintf(out->error, sizeof out->error,
			 "sandbox setup failed: %.400s",
			 n > 0 && msg[0] == 'E' ? msg + 1 : "no listener");
		out->end = SBX_END_ERROR;
		goto finish;
	}
	out->started_ms = time_now_ms();
	t0_us = time_mono_us();
	deadline = time_mono_ms() + wall_ms;
	for (;;) {
		struct pollfd p[4 + SBX_MAX_SERVICES + 3 + SBX_LAB_CONNS +
				SBX_MAX_SERVICES] = {
			{watch_master ? master : -1, POLLIN, 0},
			{watch_listener ? listener : -1, POLLIN, 0},
			{pidfd, POLLIN, 0},
			{socks[0], POLLIN, 0},
		};
		int n, np = 4;
		int64_t wake, held_due, svc_due;

		for (k = 0; k < SBX_MAX_SERVICES; k++) {
			p[4 + k].fd = svc_listener[k];
			p[4 + k].events = POLLIN;
		}
		np += SBX_MAX_SERVICES;
		p[np].events = POLLIN; /* the candidate's end: see the thaw */
		np++;
		/* the keyboard, held back while the terminal is full */
		p[np].fd = interactive ? (npending ? master : hooks->input_fd) : -1;
		p[np].events = npending ? POLLOUT : POLLIN;
		np++;
		p[np].fd = lab_free(lab) >= 0 ? s->lab_fd : -1;
		p[np].events = POLLIN;
		np++;
		for (k = 0; k < SBX_LAB_CONNS; k++) {
			p[np].fd = lab[k].fd;
			p[np].events = POLLIN;
			np++;
		}
		for (k = 0; k < SBX_MAX_SERVICES; k++) {
			p[np].fd = k < s->nsvc ? s->svc[k].pidfd : -1;
			p[np].events = POLLIN;
			np++;
		}
		if (interactive && hooks->winch && *hooks->winch) {
			struct winsize ws;

			*hooks->winch = 0;
			if (ioctl(hooks->input_fd, TIOCGWINSZ, &ws) == 0)
				ioctl(master, TIOCSWINSZ, &ws);
		}
		now = time_mono_ms();
		if (now >= s->sampled_ms + SBX_SAMPLE_MS) {
			sample_disks(s);
			sample_cpu(s);
		}
		if (hooks->tick && hooks->tick(hooks->ctx, time_mono_us() - t0_us)) {
			out->end = SBX_END_HOOK;
			break;
		}
		fire_signals(s, &nb, t0_us / 1000, now);
		held_due = release_held(&nb, now);
		svc_due = svc_tick(s, &a, pidfd, pid, svc_listener, t0_us / 1000, now);
		/* Once the candidate's program ends, pid 1 ends and waits for
		 * every process of the sandbox: none may stay frozen. */
		if (s->frozen && nb.first_pid > 0 && cand_pidfd < 0)
			cand_pidfd = (int)syscall(SYS_pidfd_open, nb.first_pid, 0);
		if (s->frozen && cand_pidfd >= 0) {
			struct pollfd cp = {cand_pidfd, POLLIN, 0};

			if (poll(&cp, 1, 0) == 1) {
				cg_thaw_procs(s->cg);
				s->frozen = 0;
			}
		}
		p[4 + SBX_MAX_SERVICES].fd = s->frozen ? cand_pidfd : -1;
		if (now >= deadline) {
			out->end = SBX_END_TIMEOUT;
			break;
		}
		wake = next_signal(&s->cfg, t0_us / 1000, deadline);
		if (held_due < wake)
			wake = held_due;
		if (svc_due < wake)
			wake = svc_due;
		if (hooks->tick && now + 1000 < wake)
			wake = now + 1000;
		if (s->sampled_ms + SBX_SAMPLE_MS < wake) /* disks and CPU */
			wake = s->sampled_ms + SBX_SAMPLE_MS;
		for (k = 0; k < SBX_LAB_CONNS; k++) {
			if (lab[k].fd >= 0 && lab[k].deadline <= now)
				lab_close(&lab[k]); /* silent too long */
			else if (lab[k].fd >= 0 && lab[k].deadline < wake)
				wake = lab[k].deadline;
		}
		n = poll(p, (nfds_t)np, (int)(wake > now ? wake - now : 0));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(out->error, sizeof out->error, "poll: %s",
				 strerror(errno));
			out->end = SBX_END_ERROR;
			break;
		}
		/* A hang-up with nothing to read: every writer of the
		 * terminal, or every filtered process, is gone.  Stop
		 * watching it rather than spin; pid 1's end comes next. */
		if ((p[0].revents & (POLLHUP | POLLERR)) && !(p[0].revents & POLLIN))
			watch_master = 0;
		if ((p[1].revents & (POLLHUP | POLLERR)) && !(p[1].revents & POLLIN))
			watch_listener = 0;
		if (p[0].revents & POLLIN) {
			unsigned char buf[16384];
			ssize_t r = read(master, buf, sizeof buf);

			if (r > 0 && hooks->output &&
			    hooks->output(hooks->ctx,
					  time_mono_us() - t0_us, buf,
					  (size_t)r) != 0) {
				out->end = SBX_END_HOOK;
				stop = 1;
				break;
			}
		}
		for (k = 0; k < SBX_MAX_SERVICES; k++) {
			int r;

			if (p[4 + k].revents & (POLLHUP | POLLERR) &&
			    !(p[4 + k].revents & POLLIN)) {
				/* the service and its children are gone */
				close(svc_listener[k]);
				svc_listener[k] = -1;
				continue;
			}
			if (!(p[4 + k].revents & POLLIN))
				continue;
			r = handle_notif(svc_listener[k], (int)k, &nb, t0_us,
					 hooks, x);
			if (r < 0) {
				snprintf(out->error, sizeof out->error,
					 "seccomp notification of a service: %s",
					 strerror(errno));
				out->end = SBX_END_ERROR;
				break;
			}
		}
		if (k < SBX_MAX_SERVICES)
			break;
		if (p[1].revents & POLLIN) {
			int r = handle_notif(listener, -1, &nb, t0_us, hooks, x);

			if (r < 0) {
				snprintf(out->error, sizeof out->error,
					 "seccomp notification: %s",
					 strerror(errno));
				out->end = SBX_END_ERROR;
				break;
			}
			if (r > 0) {
				out->end = SBX_END_HOOK;
				stop = 1;
				break;
			}
		}
		if (socks[0] >= 0 && (p[3].revents & (POLLIN | POLLHUP))) {
			int fd = -1, r = recv_msg(socks[0], &fd, msg, sizeof msg);

			if (r > 0 && msg[0] == 'S' && fd >= 0) {
				take_service_listener(msg, fd, svc_listener,
						      s->cfg.nservices);
				fd = -1;
			}
			if (fd >= 0)
				close(fd);
			if (r > 0 && msg[0] == 'E') {
				snprintf(out->error, sizeof out->error,
					 "the candidate's program could not start: %.400s",
					 msg + 1);
				out->end = SBX_END_ERROR;
				break;
			}
			if (r <= 0) {
				close(socks[0]);
				socks[0] = -1;
			}
		}
		if (interactive && p[I_INPUT].revents) {
			if (npending) {
				ssize_t w = write(master, pending, npending);

				if (w > 0) {
					memmove(pending, pending + w, npending - (size_t)w);
					npending -= (size_t)w;
				}
			} else {
				ssize_t r = read(hooks->input_fd, pending, sizeof pending);

				if (r <= 0 && !(r < 0 && (errno == EINTR || errno == EAGAIN))) {
					/* the terminal is gone (a dropped connection) */
					out->end = SBX_END_HANGUP;
					break;
				}
				npending = r > 0 ? (size_t)r : 0;
				if (npending && hooks->input)
					(void)hooks->input(hooks->ctx,
							   time_mono_us() - t0_us,
							   pending, npending);
				if (npending) {
					ssize_t w = write(master, pending, npending);

					if (w > 0) {
						memmove(pending, pending + w,
							npending - (size_t)w);
						npending -= (size_t)w;
					}
				}
			}
		}
		for (k = 0; k < SBX_LAB_CONNS; k++)
			if (lab[k].fd >= 0 && (p[I_LAB + 1 + k].revents & (POLLIN | POLLHUP)) &&
			    lab_read(s, &lab[k], hooks, time_mono_us() - t0_us) > 0)
				break;
		if (k == SBX_LAB_CONNS && (p[I_LAB].revents & POLLIN))
			lab_accept(s->lab_fd, lab);
		if (k < SBX_LAB_CONNS) {
			/* submitted: nothing more is asked of the channel */
			close(s->lab_fd);
			s->lab_fd = -1;
			out->end = SBX_END_HOOK;
			break;
		}
		if (p[2].revents & POLLIN) {
			out->end = SBX_END_EXIT;
			break;
		}
		for (k = 0; k < s->nsvc; k++)
			if (p[I_SVC + k].revents & (POLLIN | POLLHUP))
				svc_ended(s, k, time_mono_ms());
	}
finish:
	/* Everything in the sandbox dies with its pid 1; a task frozen by
	 * the v1 freezer would not, and pid 1 would wait for it forever. */
	if (s->frozen)
		cg_thaw_procs(s->cg);
	if (out->end != SBX_END_EXIT)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (out->end == SBX_END_EXIT) {
		if (WIFEXITED(status))
			out->exit_status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			out->exit_status = 128 + WTERMSIG(status);
		if (out->exit_status == 125 && socks[0] >= 0 &&
		    recv_msg(socks[0], &fd_late, msg, sizeof msg) > 0 &&
		    msg[0] == 'E') {
			snprintf(out->error, sizeof out->error,
				 "the sandbox failed: %.400s", msg + 1);
			out->end = SBX_END_ERROR;
		}
		if (fd_late >= 0)
			close(fd_late);
	}
	/* The candidate's program is the first exec the filter reports.  A
	 * sandbox whose candidate process died before it (a crash in the
	 * setup, a limit it could not live under) ran nothing of the
	 * candidate's: that is the host's failure, not the candidate's. */
	if (out->end != SBX_END_ERROR && nb.execs == 0) {
		snprintf(out->error, sizeof out->error,
			 "the candidate's program never started: the sandbox's process ended before its exec (status %d)",
			 out->exit_status);
		out->end = SBX_END_ERROR;
	}
	small_fs_end(s);
	sample_disks(s);
	if (master >= 0)
		drain(master, out->started_ms ? t0_us : time_mono_us(),
		      hooks, &stop);
	out->ended_ms = time_now_ms();
	if (!out->started_ms)
		out->started_ms = out->ended_ms;
	rc = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (listener >= 0)
		close(listener);
	for (k = 0; k < s->nsvc; k++)
		if (s->svc[k].pidfd >= 0)
			close(s->svc[k].pidfd);
	for (k = 0; k < SBX_MAX_SERVICES; k++)
		if (svc_listener[k] >= 0)
			close(svc_listener[k]);
	for (k = 0; k < SBX_LAB_CONNS; k++)
		lab_close(&lab[k]);
	if (own_filter)
		free(a.filter.filter);
	if (own_svc_filter)
		free(a.svc_filter.filter);
	if (pidfd >= 0)
		close(pidfd);
	if (cand_pidfd >= 0)
		close(cand_pidfd);
	if (init_fd >= 0)
		close(init_fd);
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	if (socks[0] >= 0)
		close(socks[0]);
	if (socks[1] >= 0)
		close(socks[1]);
	if (gop[0] >= 0)
		close(gop[0]);
	if (gop[1] >= 0)
		close(gop[1]);
	free(nb.req);
	free(nb.resp);
	free(x);
	return rc;
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
