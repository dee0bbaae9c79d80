/* rootfs: the sandbox's root, built by the supervisor as real root
 * before the clone: the shared skeleton and the session's own layer, the
 * overlay over the scenario's files, read-only binds of /usr and labrun's
 * tools, a minimal /dev, /tmp, the disk faults' small filesystems; and
 * paths resolved inside that root, whatever links the candidate made.
 * It does not mount what the child mounts from inside (/proc, devpts:
 * child.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "sandbox/sandbox.h"
#include "sandbox/sbx_int.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

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

/* A directory of the session's own layer, in the fresh tmpfs the session
 * just mounted: made with its mode already (the caller cleared the
 * umask), given away only when it is not root's (root made it, and root
 * owns it: the supervisor's ids are 0).  One call where put_dir takes
 * three; anything unexpected (it exists already) takes put_dir's way. */
static int fresh_dir(int dirfd, const char *name, mode_t mode, uid_t uid,
		     struct err *e)
{
	if (mkdirat(dirfd, name, mode) < 0)
		return put_dir(dirfd, name, mode, uid, e);
	if ((uid != 0 || getegid() != 0) &&
	    fchownat(dirfd, name, uid, uid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, ERR_HOST, errno, "skeleton %s", name);
	return 0;
}

/* What differs per session: the ids that own the candidate's home and the
 * services' directories, and the script's mount point. */
static int build_session_layer(struct sbx *s, struct err *e)
{
	uid_t cand = s->base + SBX_CANDIDATE_ID, svc = s->base + SBX_SERVICE_ID;
	mode_t mask;
	int fd, rc = -1;

	fd = open(s->sess, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", s->sess);
	/* The supervisor is one thread: nothing else creates files while
	 * the umask is cleared. */
	mask = umask(0);
	if (fresh_dir(fd, "home", 0755, 0, e) < 0 ||
	    fresh_dir(fd, "home/candidate", 0755, cand, e) < 0 ||
	    fresh_dir(fd, "home/candidate/answers", 0755, cand, e) < 0 ||
	    fresh_dir(fd, "var", 0755, 0, e) < 0 ||
	    fresh_dir(fd, "var/log", 0755, 0, e) < 0 ||
	    fresh_dir(fd, "var/log/labrun", 0755, svc, e) < 0 ||
	    fresh_dir(fd, "var/lib", 0755, 0, e) < 0 ||
	    fresh_dir(fd, "var/lib/service", 0755, svc, e) < 0 ||
	    fresh_dir(fd, "opt", 0755, 0, e) < 0 ||
	    fresh_dir(fd, "opt/labrun", 0755, 0, e) < 0)
		goto out;
	if (s->script_path[0] &&
	    put_file(fd, "opt/labrun/script.sh", "", 0, 0644, e) < 0)
		goto out;
	if (s->cfg.lab && fresh_dir(fd, "opt/labrun/channel", 0755, 0, e) < 0)
		goto out;
	rc = 0;
out:
	umask(mask);
	close(fd);
	return rc;
}

/* --- the mounts ----------------------------------------------------- */

int rootfs_bind_ro(const char *src, const char *dst, struct err *e)
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

int rootfs_build(struct sbx *s, struct err *e)
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
	if (rootfs_bind_ro("/usr", path, e) < 0)
		return -1;
	for (l = usr_links; *l; l++) {
		char host[32];

		snprintf(host, sizeof host, "/%s", *l);
		if (lstat(host, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(path, sizeof path, "%s/%s", s->root, *l);
		if (rootfs_bind_ro(host, path, e) < 0)
			return -1;
	}
	if (s->tools_dir[0]) {
		snprintf(path, sizeof path, "%s%s", s->root, SBX_TOOLS_DIR);
		if (rootfs_bind_ro(s->tools_dir, path, e) < 0)
			return -1;
	}
	if (s->script_path[0]) {
		snprintf(path, sizeof path, "%s%s", s->root, SBX_SCRIPT_PATH);
		if (rootfs_bind_ro(s->script_path, path, e) < 0)
			return -1;
	}
	return 0;
}

/* After rootfs_build and the lab channel's bind (lab_listen, called by the
 * supervisor in between): /dev and /tmp. */
int rootfs_finish(struct sbx *s, struct err *e)
{
	char opts[64], path[PATH_MAX + 64];

	if (build_dev(s->root, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/tmp", s->root);
	snprintf(opts, sizeof opts, "size=%um,nr_inodes=%u,mode=1777",
		 SESSION_TMP_MB, SESSION_TMP_MB * SESSION_INODES_PER_MB);
	return mount_tmpfs(path, opts, MS_NOSUID | MS_NODEV, e);
}

/* --- paths inside the root (what a trapped call or a hook names) ------ */

int rootfs_open_in(int rootfd, const char *path, int nofollow)
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
void rootfs_file_id_at(int rootfd, const char *path, int nofollow,
		       struct sbx_file_id *id)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t len, nlen;
	struct stat st;
	int fd;

	memset(id, 0, sizeof *id);
	fd = rootfs_open_in(rootfd, path, nofollow);
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
	fd = rootfs_open_in(rootfd, dir, 0);
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
	rootfs_file_id_at(rootfd, path, 0, out);
	close(rootfd);
	return 0;
}
