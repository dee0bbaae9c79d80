/* program: what a process of the sandbox runs, named as the sandbox sees
 * it, and whether the candidate could have chosen it.  The supervisor asks
 * while the process waits in its first notified call after an exec, so
 * the answers are about the program the kernel just started, not about
 * the name it was run by (argv[0], which the caller chooses).
 *
 * Names come from the kernel (/proc/PID/exe) or from a walk of a path
 * beneath /proc/PID/root that follows links by hand, one component at a
 * time, so that an absolute link resolves inside the sandbox and never in
 * the supervisor's root.  A name is trusted only when neither the file nor
 * a directory or link on the way to it is the candidate's to write: the
 * candidate cannot make an untrusted name point at a program of theirs
 * after the fact.  It does not decide what a name means to a grader. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "sandbox/sandbox.h"

#define WALK_MAX_LINKS 40  /* links followed in one walk, as the kernel's own limit */
#define WALK_MAX_DEPTH 128 /* directory levels kept on the walk's stack */

/* Could the candidate (outer uid cand) write this, or replace what is in
 * it?  A world-writable directory counts even when sticky: a name under
 * /tmp is the candidate's to choose. */
static int candidate_writes(const struct stat *st, uid_t cand)
{
	return st->st_uid == cand || (st->st_mode & S_IWOTH) ||
	       (st->st_gid == cand && (st->st_mode & S_IWGRP));
}

struct walk {
	int fd[WALK_MAX_DEPTH + 1];    /* fd[0] the root (the caller's), fd[depth] the current directory */
	struct stat st[WALK_MAX_DEPTH + 1]; /* each one's, taken as it was opened */
	size_t name_at[WALK_MAX_DEPTH + 1]; /* where each level's name starts in out */
	size_t depth;
	char out[PATH_MAX];
	size_t len;
	int tainted;
};

static void walk_release(struct walk *w)
{
	while (w->depth > 0)
		close(w->fd[w->depth--]);
}

static void walk_up(struct walk *w)
{
	if (w->depth == 0)
		return;
	close(w->fd[w->depth]);
	w->len = w->name_at[w->depth];
	w->out[w->len] = 0;
	w->depth--;
}

static void walk_to_root(struct walk *w)
{
	while (w->depth > 0)
		walk_up(w);
}

/* Append "/comp" to the name; -1 when it does not fit. */
static int walk_name(struct walk *w, const char *comp, size_t n)
{
	if (w->len + 1 + n >= sizeof w->out)
		return -1;
	w->out[w->len] = '/';
	memcpy(w->out + w->len + 1, comp, n);
	w->len += 1 + n;
	w->out[w->len] = 0;
	return 0;
}

/* sbx_resolve, with the final entry's stat in *final.
 *
 * Each directory on the way is held open (O_PATH) and stat'ed through its
 * descriptor, so that the walk goes on in the very directory whose owner
 * it judged.  What is not a directory is looked at by name in the held
 * directory, with no descriptor of its own: a link's stat and target, the
 * final entry's stat.  Two looks at one name can see two different
 * entries only where someone swaps them in between, and a directory the
 * candidate could swap entries in has already tainted the walk. */
static int resolve(const struct sbx *s, const struct sbx_program *pg,
		   const char *path, int follow, char *out, size_t size,
		   int *trusted, int *is_link, struct stat *final)
{
	char rest[2 * PATH_MAX + 2], target[PATH_MAX], comp[NAME_MAX + 1];
	const char *cwd = pg->cwd[0] ? pg->cwd : "/";
	uid_t cand = sbx_candidate_uid(s);
	struct walk w;
	struct stat st;
	size_t n, links = 0;
	const char *p;
	int fd, rc = -1, last;

	/* only what the walk reads before it writes (the stats alone are
	 * 18 KiB of stack not worth touching) */
	w.depth = 0;
	w.len = 0;
	w.out[0] = 0;
	*trusted = 0;
	*is_link = 0;
	if (!path || !path[0] || pg->root < 0)
		return -1;
	/* A relative name starts at the working directory, itself a walk. */
	if ((size_t)snprintf(rest, sizeof rest, "%s%s%s",
			     path[0] == '/' ? "" : cwd,
			     path[0] == '/' ? "" : "/", path) >= sizeof rest)
		return -1;
	w.fd[0] = pg->root;
	w.st[0] = pg->root_st;
	w.tainted = 0;
	p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX)
			goto out;
		memcpy(comp, p, n);
		comp[n] = 0;
		p += n;
		while (*p == '/')
			p++;
		last = *p == 0;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			walk_up(&w);
			continue;
		}
		/* who could change what this directory holds (its stat as
		 * it was opened: the walk holds it open, so it is the same
		 * directory, and the one stat a level was taken just before) */
		if (candidate_writes(&w.st[w.depth], cand))
			w.tainted = 1;
		fd = -1;
		if (!last) {
			/* a directory to go on in, or else a link */
			fd = openat(w.fd[w.depth], comp,
				    O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0 && errno != ENOTDIR && errno != ELOOP)
				goto out;
		}
		if (fd >= 0 ? fstat(fd, &st) < 0
			    : fstatat(w.fd[w.depth], comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (fd >= 0)
				close(fd);
			goto out;
		}
		if (S_ISLNK(st.st_mode) && (!last || follow)) {
			ssize_t t;

			if (st.st_uid == cand)
				w.tainted = 1;
			t = readlinkat(w.fd[w.depth], comp, target, sizeof target - 1);
			if (t <= 0 || ++links > WALK_MAX_LINKS)
				goto out;
			target[t] = 0;
			if (strlen(target) + 1 + strlen(p) + 1 > sizeof rest)
				goto out;
			/* the rest of the walk: the link's target, then what
			 * followed the link */
			memmove(rest + strlen(target) + 1, p, strlen(p) + 1);
			memcpy(rest, target, strlen(target));
			rest[strlen(target)] = '/';
			p = rest;
			if (target[0] == '/')
				walk_to_root(&w);
			continue;
		}
		if (last) {
			if (walk_name(&w, comp, n) < 0)
				goto out;
			*is_link = S_ISLNK(st.st_mode);
			*final = st;
			if (candidate_writes(&st, cand) && !S_ISLNK(st.st_mode))
				w.tainted = 1;
			if (S_ISLNK(st.st_mode) && st.st_uid == cand)
				w.tainted = 1;
			break;
		}
		/* not a directory (nor a link), or swapped for one since the
		 * open: the name does not resolve */
		if (fd < 0 || w.depth == WALK_MAX_DEPTH) {
			if (fd >= 0)
				close(fd);
			goto out;
		}
		w.name_at[w.depth + 1] = w.len;
		if (walk_name(&w, comp, n) < 0) {
			close(fd);
			goto out;
		}
		w.fd[++w.depth] = fd;
		w.st[w.depth] = st;
	}
	if (!w.len) {
		walk_name(&w, "", 0); /* the root itself: "/" */
		*final = w.st[0];
	}
	if (w.len + 1 > size)
		goto out;
	memcpy(out, w.out, w.len + 1);
	*trusted = !w.tainted;
	rc = 0;
out:
	walk_release(&w);
	return rc;
}

int sbx_resolve(const struct sbx *s, const struct sbx_program *pg,
		const char *path, int follow, char *out, size_t size,
		int *trusted, int *is_link)
{
	struct stat st;

	return resolve(s, pg, path, follow, out, size, trusted, is_link, &st);
}

void sbx_program_release(struct sbx_program *pg)
{
	if (pg->root >= 0)
		close(pg->root);
	pg->root = -1;
}

int sbx_program(const struct sbx *s, int host_pid, struct sbx_program *out)
{
	char proc[64], exe[PATH_MAX];
	struct stat st, named;
	uid_t cand = sbx_candidate_uid(s);
	ssize_t n;
	int dir, trusted, is_link;

	out->exe[0] = out->cwd[0] = 0;
	out->exe_trusted = 0;
	out->root = -1;
	/* Everything below is read through the process's own /proc
	 * directory, looked up once. */
	snprintf(proc, sizeof proc, "/proc/%d", host_pid);
	dir = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1; /* it ended first: unknown, untrusted */
	n = readlinkat(dir, "cwd", out->cwd, sizeof out->cwd - 1);
	out->cwd[n > 0 ? n : 0] = 0;
	if (n <= 0 || out->cwd[0] != '/')
		out->cwd[0] = 0;
	/* The kernel's own record of the file it executed, named as the
	 * sandbox sees it (the supervisor's root holds none of the sandbox's
	 * mounts, so the name is the one inside). */
	n = readlinkat(dir, "exe", exe, sizeof exe - 1);
	if (n <= 0 || (size_t)n >= sizeof out->exe) {
		close(dir);
		return -1;
	}
	exe[n] = 0;
	memcpy(out->exe, exe, (size_t)n + 1);
	/* the root every name of the process's is walked beneath (kept for
	 * the caller's sbx_resolve), and the file itself through the
	 * kernel's link */
	out->root = openat(dir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (out->root >= 0 && fstat(out->root, &out->root_st) < 0)
		sbx_program_release(out);
	if (out->root < 0 || fstatat(dir, "exe", &st, 0) < 0) {
		close(dir);
		return 0; /* named, never trusted */
	}
	close(dir);
	/* Trusted when the candidate could neither write the file nor have
	 * put it at that name: the name, walked again inside the sandbox,
	 * must lead to the very file (a deleted or moved one does not). */
	if (exe[0] != '/' || candidate_writes(&st, cand) ||
	    resolve(s, out, out->exe, 0, exe, sizeof exe, &trusted, &is_link,
		    &named) < 0 || is_link || strcmp(exe, out->exe))
		return 0;
	out->exe_trusted = trusted && named.st_dev == st.st_dev &&
			   named.st_ino == st.st_ino;
	return 0;
}
