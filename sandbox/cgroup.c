/* cgroup: a session's memory, process and freezer cgroups, on cgroup v2 or
 * v1, placed below labrun's own cgroup in each hierarchy.
 *
 * It does not set rlimits, limit CPU time, disk or descriptors (the sandbox
 * does), does not move labrun itself between cgroups, and never runs a
 * shell or a helper: every path is opened one component at a time without
 * following links, every read is bounded, every write is one write(2) of
 * the whole value, as the kernel's control files want. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/cgroup.h"

#define CG_MAX_PATH 4096             /* PATH_MAX: a mount point plus our cgroup */
#define CG_DIR_PATH (CG_MAX_PATH + CG_ID_MAX + 16) /* and "/labrun/<id>" */
#define CG_MAX_CTL 4096              /* bytes of one small control file; the longest we parse (memory.oom_control, cgroup.controllers) is under 300 */
#define CG_MAX_PROC_CGROUP (64u << 10) /* /proc/self/cgroup: one short line per hierarchy */
#define CG_MAX_MOUNTINFO (4u << 20)  /* /proc/self/mountinfo: ~150 bytes a mount, tens of thousands of mounts on a busy container host */
#define CG_MAX_PROCS_FILE (256u << 10) /* cgroup.procs of one session: SESSION_MAX_PROCS pids of at most 8 bytes, with room */
#define CG_MAX_PID_CGROUP (16u << 10) /* /proc/PID/cgroup of one process */
#define CG_POLL_MS 5                 /* between looks at a cgroup that is freezing or emptying */
#define CG_FREEZE_MS 5000            /* freezing takes milliseconds; a task stuck longer in the kernel is a host problem */
#define CG_RMDIR_MS 2000             /* a killed task leaves its cgroup when reaped: milliseconds */
#define CG_CREATE_TRIES 3            /* a concurrent cg_remove_stale may remove our directory between mkdir and flock */
#define CG_STALE_MAX 10000           /* entries of labrun/ examined: concurrent sessions plus leftovers, with room */
#define CG_KILL_ROUNDS 3             /* sweeps of cgroup.procs in cg_destroy's last resort */
#define CG_MAX_WHY 512               /* bytes of why one hierarchy cannot take a controller */

enum { CG_MEM, CG_PIDS, CG_FRZ, CG_NCTL };

static const char *const ctl_name[CG_NCTL] = {"memory", "pids", "freezer"};

/* Where one hierarchy is mounted, and where this process sits in it. */
struct place {
	int found;              /* mounted, and our cgroup is visible there */
	char path[CG_MAX_PATH]; /* our cgroup as /proc/self/cgroup names it */
	char mnt[CG_MAX_PATH];  /* the mount point */
	char rel[CG_MAX_PATH];  /* our cgroup below the mount point: "" or "a/b" */
	char name[CG_MAX_PATH]; /* mnt and rel joined: our cgroup's directory */
};

struct layout {
	int has_path[CG_NCTL];  /* /proc/self/cgroup lists the v1 controller */
	int has_v2_path;
	int too_long;           /* a mount point and our cgroup exceed CG_MAX_PATH */
	struct place v1[CG_NCTL];
	struct place v2;
};

/* One directory of the session: <our cgroup>/labrun/<id> in one
 * hierarchy (v1 hierarchies mounted together share one). */
struct cg_dir {
	int fd;                 /* the session's directory, flocked */
	int labrun_fd;          /* its parent */
	int v2;
	char path[CG_DIR_PATH]; /* for messages */
};

#define CG_MAX_DIRS (CG_NCTL + 1)

#define CG_MAX_SUBS 16 /* frozen groups of a session's processes */

struct cg {
	char id[CG_ID_MAX + 1];
	struct cg_dir dir[CG_MAX_DIRS];
	size_t ndir;
	int at[CG_NCTL];        /* index in dir[] of each controller, -1: not used */
	int v2[CG_NCTL];        /* the controller is on cgroup v2 */
	int sub_fd[CG_MAX_SUBS];/* children of the freezer cgroup (cg_freeze_procs) */
	char sub[CG_MAX_SUBS][CG_ID_MAX + 1];
	size_t nsub;
};

/* ---- small helpers ---- */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int valid_id(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > CG_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = id[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '-' && c != '_')))
			return 0;
	}
	return 1;
}

/* Read a small control file whole into buf (NUL-terminated).  A file
 * longer than the buffer is an error, never cut.  -1 with errno set. */
static int read_small(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, saved;
	char extra;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	for (;;) {
		/* Once the buffer is full, one more byte tells a file that
		 * fits exactly from a longer one. */
		int full = len == size - 1;

		n = read(fd, full ? &extra : buf + len, full ? 1 : size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (full) {
			n = -1;
			errno = EFBIG;
			break;
		}
		len += (size_t)n;
	}
	saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	buf[len] = 0;
	return 0;
}

/* Write value to a control file in one write(2).  -1 with errno set. */
static int write_ctl(int dirfd, const char *name, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, saved;

	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	saved = errno;
	close(fd);
	if (n >= 0 && (size_t)n != len) {
		errno = EIO;
		return -1;
	}
	errno = saved;
	return n < 0 ? -1 : 0;
}

static int write_u64(int dirfd, const char *name, uint64_t v)
{
	char s[32];

	snprintf(s, sizeof s, "%llu", (unsigned long long)v);
	return write_ctl(dirfd, name, s);
}

/* The value of "key value" in a flat-keyed file (memory.events,
 * pids.events, memory.oom_control, cgroup.events). */
static int find_key(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > klen && !strncmp(p, key, klen) && p[klen] == ' ') {
			char num[32];
			size_t vlen = len - klen - 1;

			if (vlen == 0 || vlen >= sizeof num)
				return -1;
			memcpy(num, p + klen + 1, vlen);
			num[vlen] = 0;
			return parse_u64(num, 0, UINT64_MAX, out);
		}
		p += len + (eol ? 1 : 0);
	}
	return -1;
}

/* Is word one of the words of list (separated by sep, spaces or
 * newlines)? */
static int has_word(const char *list, const char *word, char sep)
{
	size_t wlen = strlen(word);
	const char *p = list;

	while (*p) {
		const char *end = p;

		while (*end && *end != sep && *end != '\n' && *end != ' ')
			end++;
		if ((size_t)(end - p) == wlen && !strncmp(p, word, wlen))
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int read_u64_file(int dirfd, const char *name, uint64_t *out)
{
	char buf[64];
	size_t n;

	if (read_small(dirfd, name, buf, sizeof buf) < 0)
		return -1;
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	if (parse_u64(buf, 0, UINT64_MAX, out) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- where the hierarchies are ---- */

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

/* p->path lies at or below the mount's root: set mnt, rel and name.
 * The name leaves room for "/labrun/<id>". */
static void match_mount(struct layout *L, struct place *p, const char *root,
			const char *mnt)
{
	size_t rlen = strlen(root), mlen = strlen(mnt), len;
	const char *rest;

	if (p->found)
		return;
	if (!strcmp(root, "/"))
		rest = p->path + 1;
	else if (!strncmp(p->path, root, rlen) &&
		 (p->path[rlen] == 0 || p->path[rlen] == '/'))
		rest = p->path[rlen] ? p->path + rlen + 1 : p->path + rlen;
	else
		return;
	len = strlen(rest);
	if (mlen + 1 + len >= CG_MAX_PATH) {
		L->too_long = 1;
		return;
	}
	memcpy(p->mnt, mnt, mlen + 1);
	memcpy(p->rel, rest, len + 1);
	memcpy(p->name, mnt, mlen);
	if (len) {
		p->name[mlen] = '/';
		memcpy(p->name + mlen + 1, rest, len + 1);
	} else {
		p->name[mlen] = 0;
	}
	p->found = 1;
}

static int set_path(struct place *p, const char *path)
{
	if (path[0] != '/' || strlen(path) >= sizeof p->path)
		return -1;
	memcpy(p->path, path, strlen(path) + 1);
	return 0;
}

static int parse_proc_cgroup(char *text, struct layout *L, struct err *e)
{
	char *line = text, *next;
	int i;

	for (; *line; line = next) {
		char *c1, *c2, *ctls, *path, *tok, *save;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			return err_set(e, ERR_HOST,
				       "cgroup: /proc/self/cgroup: unexpected line '%.80s'",
				       line);
		*c1 = *c2 = 0;
		ctls = c1 + 1;
		path = c2 + 1;
		if (!strcmp(line, "0") && !*ctls) {
			if (set_path(&L->v2, path) < 0)
				return err_set(e, ERR_HOST,
					       "cgroup: /proc/self/cgroup: bad path '%.80s'",
					       path);
			L->has_v2_path = 1;
			continue;
		}
		for (tok = strtok_r(ctls, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			for (i = 0; i < CG_NCTL; i++)
				if (!strcmp(tok, ctl_name[i])) {
					if (set_path(&L->v1[i], path) < 0)
						return err_set(e, ERR_HOST,
							       "cgroup: /proc/self/cgroup: bad path '%.80s'",
							       path);
					L->has_path[i] = 1;
				}
	}
	return 0;
}

#define MOUNTINFO_FIELDS 64 /* fields of one mountinfo line: 10 plus optional tags */

static void parse_mountinfo(char *text, struct layout *L)
{
	char *line = text, *next;
	int i;

	for (; *line; line = next) {
		char *f[MOUNTINFO_FIELDS], *save, *tok;
		int nf = 0, dash = -1;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		for (tok = strtok_r(line, " ", &save); tok && nf < MOUNTINFO_FIELDS;
		     tok = strtok_r(NULL, " ", &save)) {
			if (dash < 0 && nf >= 6 && !strcmp(tok, "-"))
				dash = nf;
			f[nf++] = tok;
		}
		/* root is f[3], mount point f[4]; after "-": type, source,
		 * super options */
		if (dash < 0 || nf < dash + 4)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		if (!strcmp(f[dash + 1], "cgroup2")) {
			if (L->has_v2_path)
				match_mount(L, &L->v2, f[3], f[4]);
		} else if (!strcmp(f[dash + 1], "cgroup")) {
			for (i = 0; i < CG_NCTL; i++)
				if (L->has_path[i] &&
				    has_word(f[dash + 3], ctl_name[i], ','))
					match_mount(L, &L->v1[i], f[3], f[4]);
		}
	}
}

static int read_layout(struct layout *L, struct err *e)
{
	struct buf b = BUF_INIT;

	memset(L, 0, sizeof *L);
	if (read_file_bounded("/proc/self/cgroup", CG_MAX_PROC_CGROUP, &b, e) < 0)
		return err_wrap(e, "cgroup");
	if (parse_proc_cgroup((char *)b.data, L, e) < 0) {
		buf_release(&b);
		return -1;
	}
	buf_release(&b);
	if (read_file_bounded("/proc/self/mountinfo", CG_MAX_MOUNTINFO, &b, e) < 0)
		return err_wrap(e, "cgroup");
	parse_mountinfo((char *)b.data, L);
	buf_release(&b);
	if (L->too_long)
		return err_set(e, ERR_HOST,
			       "cgroup: a cgroup hierarchy's mount point and labrun's cgroup in it are longer than %d bytes",
			       CG_MAX_PATH - 1);
	return 0;
}

/* Open our cgroup in a hierarchy: the mount point (checked to be a cgroup
 * file system of the right version), then each component, no links. */
static int open_place(const struct place *p, int v2, struct err *e)
{
	char rel[CG_MAX_PATH], *comp, *save;
	struct statfs sf;
	int fd, nfd;

	fd = open(p->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "cgroup: %s", p->mnt);
	if (fstatfs(fd, &sf) < 0 ||
	    sf.f_type != (v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC)) {
		close(fd);
		return err_set(e, ERR_HOST, "cgroup: %s: not a cgroup%s file system",
			       p->mnt, v2 ? "2" : "");
	}
	memcpy(rel, p->rel, strlen(p->rel) + 1);
	for (comp = strtok_r(rel, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
			close(fd);
			return err_set(e, ERR_HOST, "cgroup: %s/%s: odd path",
				       p->mnt, p->rel);
		}
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					       O_CLOEXEC);
		close(fd);
		if (nfd < 0)
			return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", p->mnt,
				       p->rel);
		fd = nfd;
	}
	return fd;
}

/* Enable a v2 controller for the children of dirfd.  -1 with errno. */
static int enable_v2(int dirfd, const char *ctl)
{
	char list[CG_MAX_CTL], cmd[32];

	if (read_small(dirfd, "cgroup.subtree_control", list, sizeof list) < 0)
		return -1;
	if (has_word(list, ctl, ' '))
		return 0;
	snprintf(cmd, sizeof cmd, "+%s", ctl);
	return write_ctl(dirfd, "cgroup.subtree_control", cmd);
}

/* ---- one directory of a session ---- */

static int same_place(const struct cg *cg, size_t i, int v2, const char *path)
{
	return cg->dir[i].v2 == v2 && !strcmp(cg->dir[i].path, path);
}

/* Create (or find, for v1 hierarchies mounted together) the session's
 * directory in one hierarchy; its index goes to *at. */
static int dir_add(struct cg *cg, const struct place *p, int v2,
		   const int *enable, int *at, struct err *e)
{
	const char *where = p->name;
	char path[CG_DIR_PATH];
	struct cg_dir *d;
	struct stat a, b;
	int base = -1, lfd = -1, fd = -1, tries, i;

	snprintf(path, sizeof path, "%s/labrun/%s", where, cg->id);
	for (i = 0; (size_t)i < cg->ndir; i++)
		if (same_place(cg, (size_t)i, v2, path)) {
			*at = i;
			return 0;
		}
	if (cg->ndir == CG_MAX_DIRS)
		return err_set(e, ERR_BUG, "cgroup: too many hierarchies");
	base = open_place(p, v2, e);
	if (base < 0)
		return -1;
	if (mkdirat(base, "labrun", 0755) < 0 && errno != EEXIST) {
		err_sys(e, ERR_HOST, errno, "cgroup: %s/labrun: mkdir", where);
		goto fail;
	}
	lfd = openat(base, "labrun", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd < 0) {
		err_sys(e, ERR_HOST, errno, "cgroup: %s/labrun", where);
		goto fail;
	}
	for (i = CG_MEM; v2 && i <= CG_PIDS; i++)
		if (enable[i] && enable_v2(lfd, ctl_name[i]) < 0) {
			err_sys(e, ERR_HOST, errno,
				"cgroup: %s/labrun/cgroup.subtree_control: cannot enable %s",
				where, ctl_name[i]);
			goto fail;
		}
	/* Creators hold labrun/ shared from their mkdir to their lock, and a
	 * remover of leftovers takes it exclusive or skips its sweep
	 * (remove_stale_in): a sweep never sees a directory between its
	 * mkdir and its lock, which a burst of sessions starting at once
	 * made it do, each start sweeping. */
	while (flock(lfd, LOCK_SH) < 0) {
		if (errno != EINTR) {
			err_sys(e, ERR_HOST, errno, "cgroup: %s/labrun: flock", where);
			goto fail;
		}
	}
	for (tries = 0;; tries++) {
		if (tries == CG_CREATE_TRIES) {
			err_set(e, ERR_HOST,
				"cgroup: %s: removed under us %d times; hint: is another program cleaning labrun/?",
				path, CG_CREATE_TRIES);
			goto fail;
		}
		if (mkdirat(lfd, cg->id, 0755) < 0) {
			err_sys(e, ERR_HOST, errno, "cgroup: %s: mkdir", path);
			goto fail;
		}
		fd = openat(lfd, cg->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						 O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0) {
			err_sys(e, ERR_HOST, errno, "cgroup: %s", path);
			goto fail;
		}
		/* The lock marks the session as live; a remover holds it only
		 * while it removes an empty directory, and then the check
		 * below sees the directory gone. */
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				err_sys(e, ERR_HOST, errno, "cgroup: %s: flock", path);
				goto fail;
			}
		}
		if (fstat(fd, &a) == 0 &&
		    fstatat(lfd, cg->id, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	(void)flock(lfd, LOCK_UN); /* the directory's own lock holds it now */
	close(base);
	d = &cg->dir[cg->ndir];
	d->fd = fd;
	d->labrun_fd = lfd;
	d->v2 = v2;
	memcpy(d->path, path, strlen(path) + 1);
	*at = (int)cg->ndir++;
	return 0;
fail:
	if (fd >= 0) {
		unlinkat(lfd, cg->id, AT_REMOVEDIR);
		close(fd);
	}
	if (lfd >= 0)
		close(lfd);
	close(base);
	return -1;
}

/* ---- the limits ---- */

static int set_memory(struct cg *cg, uint64_t bytes, struct err *e)
{
	struct cg_dir *d = &cg->dir[cg->at[CG_MEM]];
	const char *f;

	if (cg->v2[CG_MEM]) {
		f = "memory.max";
		if (write_u64(d->fd, f, bytes) < 0)
			goto fail;
		/* No escape into swap; a kernel without swap accounting has
		 * no memory.swap.max. */
		f = "memory.swap.max";
		if (write_ctl(d->fd, f, "0") < 0 && errno != ENOENT)
			goto fail;
		return 0;
	}
	f = "memory.limit_in_bytes";
	if (write_u64(d->fd, f, bytes) < 0)
		goto fail;
	/* memory+swap equal to memory: no escape into swap.  Without swap
	 * accounting, keep the session out of swap instead. */
	f = "memory.memsw.limit_in_bytes";
	if (write_u64(d->fd, f, bytes) < 0) {
		if (errno != ENOENT)
			goto fail;
		f = "memory.swappiness";
		if (write_ctl(d->fd, f, "0") < 0)
			goto fail;
	}
	/* The process over the limit is killed and the session goes on;
	 * with the OOM killer disabled it would hang instead. */
	f = "memory.oom_control";
	if (write_ctl(d->fd, f, "0") < 0)
		goto fail;
	return 0;
fail:
	return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", d->path, f);
}

static int set_pids(struct cg *cg, uint64_t pids, struct err *e)
{
	struct cg_dir *d = &cg->dir[cg->at[CG_PIDS]];

	if (write_u64(d->fd, "pids.max", pids) < 0)
		return err_sys(e, ERR_HOST, errno, "cgroup: %s/pids.max", d->path);
	return 0;
}

/* Which of the wanted controllers go to cgroup v2: those our cgroup has
 * (cgroup.controllers) and can enable for its children, which the
 * no-internal-process rule allows only where our cgroup enables them
 * already or is the root.  Sets v2[] for them, puts the reason for each
 * other one in why[], and returns whether any went to v2.  Never fails:
 * what v2 cannot do, v1 may. */
static int plan_v2(const struct layout *L, const int *want, int *v2,
		   char why[][CG_MAX_WHY])
{
	const char *name = L->v2.name;
	char list[CG_MAX_CTL];
	struct err e = {0};
	int base, i, any = 0;

	for (i = 0; i < CG_NCTL; i++)
		snprintf(why[i], CG_MAX_WHY, "cgroup v2 is not mounted");
	if (!L->v2.found)
		return 0;
	base = open_place(&L->v2, 1, &e);
	if (base >= 0 &&
	    read_small(base, "cgroup.controllers", list, sizeof list) < 0)
		err_sys(&e, ERR_HOST, errno, "cgroup v2: %.300s/cgroup.controllers",
			name);
	if (e.kind != ERR_NONE) {
		for (i = 0; i < CG_NCTL; i++)
			snprintf(why[i], CG_MAX_WHY, "%.400s", e.msg);
		if (base >= 0)
			close(base);
		return 0;
	}
	for (i = CG_MEM; i <= CG_PIDS; i++) {
		if (!want[i])
			continue;
		if (!has_word(list, ctl_name[i], ' ')) {
			snprintf(why[i], CG_MAX_WHY,
				 "cgroup v2 does not delegate %s to labrun's cgroup %.300s",
				 ctl_name[i], name);
		} else if (enable_v2(base, ctl_name[i]) < 0) {
			int err = errno;

			snprintf(why[i], CG_MAX_WHY,
				 "cgroup v2 offers %s to labrun's cgroup %.300s but it cannot enable it for its children (%s%s)",
				 ctl_name[i], name, strerror(err),
				 err == EBUSY ? ": the cgroup holds processes, labrun among them" : "");
		} else {
			v2[i] = any = 1;
		}
	}
	close(base);
	return any;
}

/* ---- the API ---- */

int cg_create(const char *session_id, const struct cg_limits *lim,
	      struct cg **out, struct err *e)
{
	struct layout *L = NULL;
	struct cg *cg = NULL;
	char why[CG_NCTL][CG_MAX_WHY];
	int want[CG_NCTL] = {0}, any_v2 = 0;
	int i, rc = -1;

	if (!session_id || !valid_id(session_id))
		return err_set(e, ERR_REFUSED,
			       "cgroup: session id '%.80s': want 1 to %d letters, digits, '-' or '_'",
			       session_id ? session_id : "", CG_ID_MAX);
	L = malloc(sizeof *L);
	cg = calloc(1, sizeof *cg);
	if (!L || !cg) {
		err_set(e, ERR_HOST, "cgroup: out of memory");
		goto out;
	}
	memcpy(cg->id, session_id, strlen(session_id) + 1);
	for (i = 0; i < CG_NCTL; i++)
		cg->at[i] = -1;
	want[CG_MEM] = lim && lim->memory_bytes;
	want[CG_PIDS] = lim && lim->pids;
	if (read_layout(L, e) < 0)
		goto out;

	if (want[CG_MEM] || want[CG_PIDS])
		any_v2 = plan_v2(L, want, cg->v2, why);
	for (i = CG_MEM; i <= CG_PIDS; i++)
		if (want[i] && !cg->v2[i] && !L->v1[i].found) {
			err_set(e, ERR_HOST,
				"cgroup: a %s limit was asked for but no cgroup can enforce it: %s; no cgroup v1 %s hierarchy holds labrun; hint: labrun doctor shows what this host offers",
				ctl_name[i], why[i], ctl_name[i]);
			goto out;
		}
	/* The freezer follows v2 when the limits are there, so that one
	 * mechanism holds the whole session. */
	if (any_v2)
		cg->v2[CG_FRZ] = 1;
	else if (!L->v1[CG_FRZ].found && L->v2.found)
		cg->v2[CG_FRZ] = 1;

	if (any_v2 || cg->v2[CG_FRZ]) {
		int at;

		if (dir_add(cg, &L->v2, 1, cg->v2, &at, e) < 0)
			goto out;
		for (i = 0; i < CG_NCTL; i++)
			if (cg->v2[i])
				cg->at[i] = at;
	}
	for (i = 0; i < CG_NCTL; i++) {
		if (cg->v2[i] || !L->v1[i].found || (i != CG_FRZ && !want[i]))
			continue;
		if (dir_add(cg, &L->v1[i], 0, NULL, &cg->at[i], e) < 0)
			goto out;
	}
	if (want[CG_MEM] && set_memory(cg, lim->memory_bytes, e) < 0)
		goto out;
	if (want[CG_PIDS] && set_pids(cg, lim->pids, e) < 0)
		goto out;
	*out = cg;
	cg = NULL;
	rc = 0;
out:
	cg_destroy(cg);
	free(L);
	return rc;
}

int cg_attach(struct cg *cg, pid_t pid, struct err *e)
{
	char s[32];
	size_t i;

	snprintf(s, sizeof s, "%d", (int)pid);
	for (i = 0; i < cg->ndir; i++)
		if (write_ctl(cg->dir[i].fd, "cgroup.procs", s) < 0)
			return err_sys(e, ERR_HOST, errno,
				       "cgroup: %s/cgroup.procs: cannot move pid %d",
				       cg->dir[i].path, (int)pid);
	return 0;
}

/* Has the freezer reached the state asked for?  -1 on a read failure. */
static int freezer_done(int fd, int v2, int frozen)
{
	char buf[CG_MAX_CTL];
	uint64_t v;

	if (v2) {
		if (read_small(fd, "cgroup.events", buf, sizeof buf) < 0 ||
		    find_key(buf, "frozen", &v) < 0)
			return -1;
		return (v != 0) == (frozen != 0);
	}
	if (read_small(fd, "freezer.state", buf, sizeof buf) < 0)
		return -1;
	return !strcmp(buf, frozen ? "FROZEN\n" : "THAWED\n");
}

static int freezer_set(int fd, int v2, int frozen)
{
	if (v2)
		return write_ctl(fd, "cgroup.freeze", frozen ? "1" : "0");
	return write_ctl(fd, "freezer.state", frozen ? "FROZEN" : "THAWED");
}

int cg_freeze(struct cg *cg, int frozen, struct err *e)
{
	struct cg_dir *d;
	int64_t deadline;
	int v2, r;

	if (cg->at[CG_FRZ] < 0)
		return err_set(e, ERR_HOST,
			       "cgroup: this host has no cgroup freezer (neither cgroup v2 nor a v1 freezer hierarchy); hint: labrun doctor");
	d = &cg->dir[cg->at[CG_FRZ]];
	v2 = cg->v2[CG_FRZ];
	deadline = time_mono_ms() + CG_FREEZE_MS;
	for (;;) {
		/* v1 re-kicks tasks that were not frozen yet (forked while
		 * freezing) on every write of FROZEN. */
		if (freezer_set(d->fd, v2, frozen) < 0)
			return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", d->path,
				       v2 ? "cgroup.freeze" : "freezer.state");
		r = freezer_done(d->fd, v2, frozen);
		if (r < 0)
			return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", d->path,
				       v2 ? "cgroup.events" : "freezer.state");
		if (r)
			break;
		if (time_mono_ms() >= deadline) {
			if (frozen)
				freezer_set(d->fd, v2, 0);
			return err_set(e, ERR_HOST, "cgroup: %s: not %s after %d ms",
				       d->path, frozen ? "frozen" : "thawed",
				       CG_FREEZE_MS);
		}
		sleep_ms(CG_POLL_MS);
	}
	return 0;
}

/* Wait until the freezer of fd reaches frozen, re-asking as v1 needs. */
static int freeze_wait(int fd, int v2, int frozen, const char *path,
		       struct err *e)
{
	int64_t deadline = time_mono_ms() + CG_FREEZE_MS;
	int r;

	for (;;) {
		/* v1 re-kicks tasks that were not frozen yet (forked while
		 * freezing) on every write of FROZEN. */
		if (freezer_set(fd, v2, frozen) < 0)
			return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", path,
				       v2 ? "cgroup.freeze" : "freezer.state");
		r = freezer_done(fd, v2, frozen);
		if (r < 0)
			return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", path,
				       v2 ? "cgroup.events" : "freezer.state");
		if (r)
			return 0;
		if (time_mono_ms() >= deadline) {
			if (frozen)
				freezer_set(fd, v2, 0);
			return err_set(e, ERR_HOST, "cgroup: %s: not %s after %d ms",
				       path, frozen ? "frozen" : "thawed",
				       CG_FREEZE_MS);
		}
		sleep_ms(CG_POLL_MS);
	}
}

int cg_freeze_procs(struct cg *cg, const char *name, const pid_t *pids,
		    size_t n, const char **how, struct err *e)
{
	struct cg_dir *d;
	char pid[32];
	size_t i;
	int fd, v2;

	if (cg->at[CG_FRZ] < 0)
		return err_set(e, ERR_HOST, "cgroup: no freezer on this host");
	if (cg->nsub == CG_MAX_SUBS || !valid_id(name))
		return err_set(e, ERR_BUG, "cgroup: cannot make a group %s", name);
	d = &cg->dir[cg->at[CG_FRZ]];
	v2 = cg->v2[CG_FRZ];
	if (mkdirat(d->fd, name, 0755) < 0 && errno != EEXIST)
		return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", d->path, name);
	fd = openat(d->fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", d->path, name);
	cg->sub_fd[cg->nsub] = fd;
	snprintf(cg->sub[cg->nsub], sizeof cg->sub[cg->nsub], "%s", name);
	cg->nsub++;
	/* A process that ended meanwhile is not an error. */
	for (i = 0; i < n; i++) {
		snprintf(pid, sizeof pid, "%d", (int)pids[i]);
		if (write_ctl(fd, "cgroup.procs", pid) < 0 && errno != ESRCH)
			return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s/cgroup.procs",
				       d->path, name);
	}
	*how = v2 ? "cgroup v2 cgroup.freeze" : "cgroup v1 freezer.state";
	return freeze_wait(fd, v2, 1, d->path, e);
}

void cg_thaw_procs(struct cg *cg)
{
	size_t i;

	for (i = 0; cg && i < cg->nsub; i++)
		freezer_set(cg->sub_fd[i], cg->v2[CG_FRZ], 0);
}

size_t cg_procs(const struct cg *cg, pid_t *out, size_t max)
{
	char buf[16384], *p, *end;
	size_t n = 0;
	int at = cg->at[CG_PIDS] >= 0 ? cg->at[CG_PIDS] : cg->at[CG_MEM];

	if (at < 0 || read_small(cg->dir[at].fd, "cgroup.procs", buf, sizeof buf) < 0)
		return 0;
	for (p = buf; *p && n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0)
			out[n++] = (pid_t)v;
		while (*end == '\n')
			end++;
	}
	return n;
}

int cg_report(const struct cg *cg, struct cg_report *out, struct err *e)
{
	struct cg_report r = {0};
	char buf[CG_MAX_CTL];
	const struct cg_dir *d;
	const char *f;

	if (cg->at[CG_MEM] >= 0) {
		d = &cg->dir[cg->at[CG_MEM]];
		if (cg->v2[CG_MEM]) {
			r.memory_mechanism = "cgroup v2 memory.max";
			f = "memory.events";
		} else {
			r.memory_mechanism = "cgroup v1 memory.limit_in_bytes";
			f = "memory.oom_control";
		}
		if (read_small(d->fd, f, buf, sizeof buf) < 0)
			return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s", d->path, f);
		if (find_key(buf, "oom_kill", &r.oom_kills) < 0)
			return err_set(e, ERR_HOST, "cgroup: %s/%s: no oom_kill count",
				       d->path, f);
		/* memory.peak came with Linux 5.19; without it, unknown. */
		f = cg->v2[CG_MEM] ? "memory.peak" : "memory.max_usage_in_bytes";
		if (read_u64_file(d->fd, f, &r.memory_peak) < 0) {
			if (errno != ENOENT)
				return err_sys(e, ERR_HOST, errno, "cgroup: %s/%s",
					       d->path, f);
			r.memory_peak = 0;
		}
	}
	if (cg->at[CG_PIDS] >= 0) {
		d = &cg->dir[cg->at[CG_PIDS]];
		r.pids_mechanism = cg->v2[CG_PIDS] ? "cgroup v2 pids.max"
						   : "cgroup v1 pids.max";
		if (read_small(d->fd, "pids.events", buf, sizeof buf) < 0)
			return err_sys(e, ERR_HOST, errno, "cgroup: %s/pids.events",
				       d->path);
		if (find_key(buf, "max", &r.pids_refused) < 0)
			return err_set(e, ERR_HOST, "cgroup: %s/pids.events: no max count",
				       d->path);
	}
	if (cg->at[CG_FRZ] >= 0)
		r.freezer_mechanism = cg->v2[CG_FRZ] ? "cgroup v2 cgroup.freeze"
						     : "cgroup v1 freezer.state";
	*out = r;
	return 0;
}

/* Is a process of this session in pid's cgroups?  The session's id is
 * random, so a path ending in /labrun/<id> names it in any hierarchy. */
static int pid_in_session(pid_t pid, const char *id)
{
	char path[64], tail[CG_ID_MAX + 16], *line, *next;
	struct buf b = BUF_INIT;
	size_t tlen;
	int found = 0;

	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	snprintf(tail, sizeof tail, "/labrun/%s", id);
	tlen = strlen(tail);
	if (read_file_bounded(path, CG_MAX_PID_CGROUP, &b, NULL) < 0)
		return 0;
	for (line = (char *)b.data; line && *line && !found; line = next) {
		size_t len;

		next = strchr(line, '\n');
		len = next ? (size_t)(next - line) : strlen(line);
		if (next)
			next++;
		found = len >= tlen && !strncmp(line + len - tlen, tail, tlen);
	}
	buf_release(&b);
	return found;
}

/* Kill what is left in one directory: cgroup.kill on v2 (Linux 5.14);
 * otherwise each listed process through a pidfd, after checking that the
 * process the pidfd holds is still this session's (a listed pid may have
 * been reaped and reused by then). */
static void kill_leftovers(const struct cg *cg, const struct cg_dir *d)
{
	struct buf b = BUF_INIT;
	char *p, *next;

	if (d->v2 && write_ctl(d->fd, "cgroup.kill", "1") == 0)
		return;
	if (read_file_at(d->fd, "cgroup.procs", CG_MAX_PROCS_FILE, &b, NULL) < 0)
		return;
	for (p = (char *)b.data; p && *p; p = next) {
		uint64_t v;
		int pfd;

		next = strchr(p, '\n');
		if (next)
			*next++ = 0;
		if (parse_u64(p, 1, INT32_MAX, &v) < 0)
			continue;
		pfd = (int)syscall(SYS_pidfd_open, (pid_t)v, 0);
		if (pfd < 0)
			continue;
		if (pid_in_session((pid_t)v, cg->id) &&
		    syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0) == 0)
			syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
		close(pfd);
	}
	buf_release(&b);
}

/* rmdir, waiting a bounded time for the last tasks to be reaped. */
static int remove_dir(int lfd, const char *name, unsigned ms)
{
	int64_t deadline = time_mono_ms() + ms;

	for (;;) {
		if (unlinkat(lfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || time_mono_ms() >= deadline)
			return -1;
		sleep_ms(CG_POLL_MS);
	}
}

void cg_destroy(struct cg *cg)
{
	size_t i;
	int round;

	if (!cg)
		return;
	/* A frozen v1 task does not die of SIGKILL; thaw before anything. */
	if (cg->at[CG_FRZ] >= 0) {
		const struct cg_dir *d = &cg->dir[cg->at[CG_FRZ]];

		freezer_set(d->fd, cg->v2[CG_FRZ], 0);
		cg_thaw_procs(cg);
		for (i = 0; i < cg->nsub; i++) {
			remove_dir(d->fd, cg->sub[i], CG_RMDIR_MS);
			close(cg->sub_fd[i]);
		}
	}
	for (i = 0; i < cg->ndir; i++) {
		struct cg_dir *d = &cg->dir[i];

		for (round = 0; round <= CG_KILL_ROUNDS; round++) {
			if (remove_dir(d->labrun_fd, cg->id,
				       CG_RMDIR_MS / (CG_KILL_ROUNDS + 1)) == 0 ||
			    errno != EBUSY)
				break;
			if (round < CG_KILL_ROUNDS)
				kill_leftovers(cg, d);
		}
		/* Closing releases the lock: only now may a remover look. */
		close(d->fd);
		close(d->labrun_fd);
	}
	free(cg);
}

/* ---- leftovers of a killed labrun ---- */

/* Thaw a leftover so that its processes can die of the signals they were
 * sent; 1 if it was frozen. */
static int thaw_leftover(int fd, int v2)
{
	char buf[CG_MAX_CTL];

	if (v2) {
		if (read_small(fd, "cgroup.freeze", buf, sizeof buf) < 0 ||
		    strcmp(buf, "1\n"))
			return 0;
	} else if (read_small(fd, "freezer.state", buf, sizeof buf) < 0 ||
		   !strcmp(buf, "THAWED\n")) {
		return 0;
	}
	freezer_set(fd, v2, 0);
	return 1;
}

/* Does the cgroup hold a process?  v2 counts its children too; a v1
 * child cgroup with processes makes rmdir fail, which is also a "yes". */
static int populated(int fd, int v2)
{
	char buf[CG_MAX_CTL], one[16];
	uint64_t v;
	ssize_t n;
	int pfd;

	if (v2)
		return read_small(fd, "cgroup.events", buf, sizeof buf) < 0 ||
		       find_key(buf, "populated", &v) < 0 || v != 0;
	pfd = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (pfd < 0)
		return 1;
	do
		n = read(pfd, one, sizeof one);
	while (n < 0 && errno == EINTR);
	close(pfd);
	return n != 0;
}

static int remove_stale_in(const struct place *p, int v2, unsigned *removed,
			   struct err *e)
{
	const char *where = p->name;
	struct dirent *de;
	unsigned seen = 0;
	DIR *dir = NULL;
	int base, lfd = -1, dfd, rc = -1;

	base = open_place(p, v2, e);
	if (base < 0)
		return -1;
	lfd = openat(base, "labrun", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd < 0) {
		rc = errno == ENOENT ? 0
				     : err_sys(e, ERR_HOST, errno, "cgroup: %s/labrun",
					       where);
		goto out;
	}
	/* Sessions being created right now hold labrun/ shared (dir_add):
	 * their directories are not leftovers.  The sweep is left to a
	 * later start rather than waited for. */
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK || errno == EINTR
			     ? 0
			     : err_sys(e, ERR_HOST, errno, "cgroup: %s/labrun: flock",
				       where);
		goto out;
	}
	dfd = openat(lfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!dir) {
		err_sys(e, ERR_HOST, errno, "cgroup: %s/labrun", where);
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	while ((errno = 0, de = readdir(dir))) {
		int fd, thawed;

		if (de->d_name[0] == '.' || !valid_id(de->d_name))
			continue;
		if (++seen > CG_STALE_MAX) {
			err_set(e, ERR_HOST,
				"cgroup: %s/labrun: more than %d entries; hint: remove them by hand",
				where, CG_STALE_MAX);
			goto out;
		}
		fd = openat(lfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						     O_CLOEXEC);
		if (fd < 0)
			continue; /* a file, or removed meanwhile */
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd); /* a live labrun holds it */
			continue;
		}
		thawed = thaw_leftover(fd, v2);
		if (thawed) {
			int64_t deadline = time_mono_ms() + CG_RMDIR_MS;

			while (populated(fd, v2) && time_mono_ms() < deadline)
				sleep_ms(CG_POLL_MS);
		}
		if (!populated(fd, v2) &&
		    unlinkat(lfd, de->d_name, AT_REMOVEDIR) == 0)
			(*removed)++;
		close(fd);
	}
	if (errno) {
		err_sys(e, ERR_HOST, errno, "cgroup: %s/labrun: readdir", where);
		goto out;
	}
	rc = 0;
out:
	if (dir)
		closedir(dir);
	if (lfd >= 0)
		close(lfd);
	close(base);
	return rc;
}

int cg_remove_stale(unsigned *removed, struct err *e)
{
	struct layout *L;
	unsigned n = 0;
	int i, j, rc = -1;

	L = malloc(sizeof *L);
	if (!L)
		return err_set(e, ERR_HOST, "cgroup: out of memory");
	if (read_layout(L, e) < 0)
		goto out;
	if (L->v2.found && remove_stale_in(&L->v2, 1, &n, e) < 0)
		goto out;
	for (i = 0; i < CG_NCTL; i++) {
		int dup = 0;

		if (!L->v1[i].found)
			continue;
		for (j = 0; j < i; j++)
			dup |= L->v1[j].found && !strcmp(L->v1[j].mnt, L->v1[i].mnt);
		if (!dup && remove_stale_in(&L->v1[i], 0, &n, e) < 0)
			goto out;
	}
	*removed = n;
	rc = 0;
out:
	free(L);
	return rc;
}

int cg_describe(char *out, size_t size, struct err *e)
{
	struct layout *L;
	struct buf b = BUF_INIT;
	char list[CG_MAX_CTL], sub[CG_MAX_CTL];
	int i, any = 0, base = -1, rc = -1;

	L = malloc(sizeof *L);
	if (!L)
		return err_set(e, ERR_HOST, "cgroup: out of memory");
	if (read_layout(L, e) < 0 || buf_puts(&b, "cgroup v1:", e) < 0)
		goto out;
	for (i = 0; i < CG_NCTL; i++)
		if (L->v1[i].found) {
			if (buf_printf(&b, e, " %s", ctl_name[i]) < 0)
				goto out;
			any = 1;
		}
	if (!any && buf_puts(&b, " none", e) < 0)
		goto out;
	if (buf_puts(&b, "; v2:", e) < 0)
		goto out;
	if (!L->v2.found) {
		if (buf_puts(&b, " not mounted", e) < 0)
			goto out;
	} else {
		base = open_place(&L->v2, 1, e);
		if (base < 0)
			goto out;
		if (read_small(base, "cgroup.controllers", list, sizeof list) < 0 ||
		    read_small(base, "cgroup.subtree_control", sub, sizeof sub) < 0) {
			err_sys(e, ERR_HOST, errno, "cgroup: %s", L->v2.name);
			goto out;
		}
		any = 0;
		for (i = CG_MEM; i <= CG_PIDS; i++) {
			if (!has_word(list, ctl_name[i], ' '))
				continue;
			/* cg_create can enable it for labrun/ only where it is
			 * enabled already, or at the root (no processes rule) */
			if (buf_printf(&b, e, " %s%s", ctl_name[i],
				       has_word(sub, ctl_name[i], ' ') || !L->v2.rel[0]
					       ? "" : " (not enabled for children)") < 0)
				goto out;
			any = 1;
		}
		if (!L->v1[CG_FRZ].found) {
			if (buf_puts(&b, " cgroup.freeze", e) < 0)
				goto out;
			any = 1;
		}
		if (!any && buf_puts(&b, " none delegated", e) < 0)
			goto out;
	}
	if (b.len >= size) {
		err_set(e, ERR_BUG, "cgroup: description longer than %zu bytes", size);
		goto out;
	}
	memcpy(out, b.data, b.len + 1);
	rc = 0;
out:
	if (base >= 0)
		close(base);
	buf_release(&b);
	free(L);
	return rc;
}
