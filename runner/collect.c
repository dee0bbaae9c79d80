/* collect: the candidate's created, modified and deleted files, read from
 * the overlay's upper layer (and the answers directory) beneath directory
 * descriptors without following any link.  It runs after every session
 * process is dead; it does not mount, follow links, keep anything but
 * regular single-link files, or write the evidence file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "runner/collect.h"
#include "runner/err.h"
#include "runner/limits.h"
#include "runner/tarball.h"
#include "runner/util.h"

#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
#define DIR_FLAGS (OPEN_FLAGS | O_DIRECTORY)

/* An encoded name component is at most 3 bytes per byte of NAME_MAX. */
#define ENC_NAME_MAX (3 * NAME_MAX + 1)

struct walk {
	struct tar_list *out;
	struct collect_report *rep;
	const char *prefix;  /* "changes/" or "answers/" */
	int changes;         /* whiteouts and opaque directories are deletions */
	size_t max_files, max_file, max_total;
	size_t files, bytes; /* kept by this walk */
	int full;            /* a file cap was reached: keep no more files */
	int capped;          /* the "cap reached" refusal was added */
	size_t entries;      /* directory entries examined */
	char **deleted;      /* encoded paths, "/" ending an opaque directory */
	size_t ndeleted, capdeleted;
	char path[COLLECT_MAX_PATH]; /* encoded path of the current entry */
	size_t plen;
	char shown[COLLECT_MAX_PATH]; /* a path too long, cut: kept off the stack */
	struct err *e;       /* for refuse(), which is called everywhere */
};

static int is_safe(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("._+@=,-", c));
}

/* Encode one name component; -1 if it does not fit. */
static int encode_component(const char *name, size_t len, int top, char *out,
			    size_t outsize, size_t *outlen)
{
	static const char hexdig[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		/* ".deleted" at the top would clash with changes/.deleted;
		 * "." and ".." would not be safe member names. */
		int enc = !is_safe(c) ||
			  (i == 0 && c == '.' && top && len == 8 &&
			   !memcmp(name, ".deleted", 8)) ||
			  (c == '.' && (len == 1 || (len == 2 && name[1] == '.')));

		if (o + (enc ? 3 : 1) >= outsize) {
			out[o] = 0;
			return -1;
		}
		if (enc) {
			out[o++] = '%';
			out[o++] = hexdig[c >> 4];
			out[o++] = hexdig[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
	*outlen = o;
	return 0;
}

int collect_encode(const char *path, char *out, size_t outsize)
{
	size_t o = 0, n;
	const char *p = path, *slash;
	int top = 1;

	if (outsize == 0)
		return -1;
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (encode_component(p, n, top, out + o, outsize - o, &n) < 0)
			return -1;
		o += n;
		if (!slash)
			break;
		if (o + 1 >= outsize)
			return -1;
		out[o++] = '/';
		out[o] = 0;
		p = slash + 1;
		top = 0;
	}
	return 0;
}

static int add_refusal(struct collect_report *r, const char *path,
		       const char *reason, int force, struct err *e)
{
	struct collect_refusal *v;
	char *p, *q;

	if (r->n >= COLLECT_MAX_REFUSED && !force) {
		r->truncated = 1;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		v = realloc(r->v, cap * sizeof *v);
		if (!v)
			return err_set(e, ERR_HOST, "out of memory");
		r->v = v;
		r->cap = cap;
	}
	p = strdup(path);
	q = strdup(reason);
	if (!p || !q) {
		free(p);
		free(q);
		return err_set(e, ERR_HOST, "out of memory");
	}
	r->v[r->n].path = p;
	r->v[r->n].reason = q;
	r->n++;
	return 0;
}

/* Refuse the current path (w->path) for the reason given. */
static int refuse(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int refuse(struct walk *w, const char *fmt, ...)
{
	char reason[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return add_refusal(w->rep, w->path, reason, 0, w->e);
}

/* A count or size cap: say so once, at the first path that did not fit. */
static int cap_reached(struct walk *w, struct err *e)
{
	w->rep->truncated = 1;
	if (w->capped)
		return 0;
	w->capped = 1;
	return add_refusal(w->rep, w->path, "cap reached", 1, e);
}

static int add_deleted(struct walk *w, const char *suffix, struct err *e)
{
	char *s;
	size_t n = strlen(w->path) + strlen(suffix) + 1;

	if (w->ndeleted >= DELETED_MAX)
		return cap_reached(w, e);
	if (w->ndeleted == w->capdeleted) {
		size_t cap = w->capdeleted ? w->capdeleted * 2 : 16;
		char **v = realloc(w->deleted, cap * sizeof *v);

		if (!v)
			return err_set(e, ERR_HOST, "out of memory");
		w->deleted = v;
		w->capdeleted = cap;
	}
	s = malloc(n);
	if (!s)
		return err_set(e, ERR_HOST, "out of memory");
	snprintf(s, n, "%s%s", w->path, suffix);
	w->deleted[w->ndeleted++] = s;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


/* Read exactly len bytes from fd and check that the file ends there. */
static int read_exact(int fd, unsigned char *p, size_t len)
{
	size_t got = 0;
	unsigned char extra;
	ssize_t n;

	while (got < len) {
		n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	do
		n = read(fd, &extra, 1);
	while (n < 0 && errno == EINTR);
	return n == 0 ? 0 : -1;
}

/* 1 if the same path in the lower layer is a regular file with the same
 * bytes and the same executable bit; a lower file that is missing, not
 * regular, or unreadable counts as different. */
static int same_as_lower(int lfd, const char *name, const unsigned char *data,
			 size_t len, int xbit)
{
	struct stat st;
	unsigned char *buf;
	int fd, same = 0;

	if (lfd < 0)
		return 0;
	fd = openat(lfd, name, OPEN_FLAGS);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != len || !!(st.st_mode & 0111) != xbit)
		goto out;
	buf = malloc(len + 1);
	if (!buf)
		goto out;
	same = read_exact(fd, buf, len) == 0 && !memcmp(buf, data, len);
	free(buf);
out:
	close(fd);
	return same;
}

static int has_xattr(int fd, const char *name, const char *want)
{
	char v[8];
	ssize_t n = fgetxattr(fd, name, v, sizeof v);

	if (n < 0)
		return 0;
	return !want || ((size_t)n == strlen(want) && !memcmp(v, want, (size_t)n));
}

static int keep_file(struct walk *w, int dfd, int lfd, const char *name,
		     const struct stat *st, struct err *e)
{
	struct stat st2;
	unsigned char *data = NULL;
	char member[sizeof w->path + 16];
	size_t len = (size_t)st->st_size;
	int fd = -1, xbit = !!(st->st_mode & 0111), rc = -1;

	if (st->st_nlink != 1)
		return refuse(w, "%ju links", (uintmax_t)st->st_nlink);
	if ((uint64_t)st->st_size > w->max_file)
		return refuse(w, "over %zu bytes", w->max_file);
	if (w->full)
		return cap_reached(w, e);
	fd = openat(dfd, name, OPEN_FLAGS);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "collect: %s", w->path);
	if (fstat(fd, &st2) < 0) {
		err_sys(e, ERR_HOST, errno, "collect: %s", w->path);
		goto out;
	}
	if (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino ||
	    !S_ISREG(st2.st_mode) || st2.st_nlink != 1 ||
	    st2.st_size != st->st_size) {
		rc = refuse(w, "changed during collection");
		goto out;
	}
	/* With metacopy=on the upper file may hold no data at all. */
	if (w->changes && (has_xattr(fd, "trusted.overlay.metacopy", NULL) ||
			   has_xattr(fd, "user.overlay.metacopy", NULL))) {
		rc = refuse(w, "metadata-only copy-up");
		goto out;
	}
	data = malloc(len + 1);
	if (!data) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	if (read_exact(fd, data, len) < 0) {
		rc = refuse(w, "changed during collection");
		goto out;
	}
	if (same_as_lower(lfd, name, data, len, xbit)) {
		rc = 0;
		goto out;
	}
	if (w->files >= w->max_files || len > w->max_total - w->bytes) {
		w->full = 1;
		rc = cap_reached(w, e);
		goto out;
	}
	snprintf(member, sizeof member, "%s%s", w->prefix, w->path);
	if (tar_list_add_file(w->out, member, 0644, data, len, e) < 0)
		goto out;
	if (xbit) {
		if (w->rep->nexec == w->rep->capexec) {
			size_t cap = w->rep->capexec ? w->rep->capexec * 2 : 16;
			char **nv = realloc(w->rep->exec, cap * sizeof *nv);

			if (!nv) {
				err_set(e, ERR_HOST, "out of memory");
				goto out;
			}
			w->rep->exec = nv;
			w->rep->capexec = cap;
		}
		w->rep->exec[w->rep->nexec] = strdup(member);
		if (!w->rep->exec[w->rep->nexec]) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
		w->rep->nexec++;
	}
	w->files++;
	w->bytes += len;
	w->rep->files++;
	w->rep->bytes += len;
	rc = 0;
out:
	free(data);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int walk_dir(struct walk *w, int dfd, int lfd, unsigned depth,
		    struct err *e);

static int enter_dir(struct walk *w, int dfd, int lfd, const char *name,
		     unsigned depth, struct err *e)
{
	int fd, cfd = -1, opaque = 0, rc = -1;
	size_t plen = w->plen;

	if (depth >= COLLECT_MAX_DEPTH)
		return refuse(w, "deeper than %d levels", COLLECT_MAX_DEPTH);
	fd = openat(dfd, name, DIR_FLAGS);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "collect: %s", w->path);
	if (w->changes)
		opaque = has_xattr(fd, "trusted.overlay.opaque", "y") ||
			 has_xattr(fd, "user.overlay.opaque", "y");
	if (opaque && add_deleted(w, "/", e) < 0)
		goto out;
	/* Below an opaque directory nothing of the lower layer shows, so
	 * every file there is new even if the lower held the same bytes. */
	if (lfd >= 0 && !opaque)
		cfd = openat(lfd, name, DIR_FLAGS);
	if (w->plen + 1 >= sizeof w->path) {
		rc = refuse(w, "path too long");
		goto out;
	}
	w->path[w->plen++] = '/';
	w->path[w->plen] = 0;
	rc = walk_dir(w, fd, cfd, depth + 1, e);
	w->plen = plen;
	w->path[plen] = 0;
out:
	if (cfd >= 0)
		close(cfd);
	close(fd);
	return rc;
}

static int visit(struct walk *w, int dfd, int lfd, const char *name,
		 unsigned depth, struct err *e)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, ERR_HOST, errno, "collect: %s", w->path);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return enter_dir(w, dfd, lfd, name, depth, e);
	case S_IFREG:
		return keep_file(w, dfd, lfd, name, &st, e);
	case S_IFLNK:
		return refuse(w, "symbolic link");
	case S_IFIFO:
		return refuse(w, "fifo");
	case S_IFSOCK:
		return refuse(w, "socket");
	case S_IFCHR:
		/* overlayfs marks a deleted lower path with a 0/0 device. */
		if (w->changes && st.st_rdev == makedev(0, 0))
			return add_deleted(w, "", e);
		return refuse(w, "character device");
	case S_IFBLK:
		return refuse(w, "block device");
	}
	return refuse(w, "unknown file type");
}

static int walk_dir(struct walk *w, int dfd, int lfd, unsigned depth,
		    struct err *e)
{
	char **names = NULL, enc[ENC_NAME_MAX];
	size_t n = 0, i, elen, plen = w->plen;
	int rc;

	rc = dir_names(dfd, COLLECT_MAX_ENTRIES - w->entries, &names, &n, e);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		/* Too many entries: leave the whole directory out, so the
		 * result stays the same whatever order readdir gives. */
		w->entries = COLLECT_MAX_ENTRIES;
		return cap_reached(w, e);
	}
	w->entries += n;
	rc = 0;
	for (i = 0; i < n && rc == 0; i++) {
		if (encode_component(names[i], strlen(names[i]), depth == 0,
				     enc, sizeof enc, &elen) < 0 ||
		    plen + elen >= sizeof w->path) {
			/* Name the start of it, so that a reader can find it. */
			snprintf(w->shown, sizeof w->shown, "%.*s%.60s...",
				 (int)(plen < sizeof w->shown - 80
					       ? plen
					       : sizeof w->shown - 80),
				 w->path, enc);
			rc = add_refusal(w->rep, w->shown, "path too long", 0, e);
		} else {
			memcpy(w->path + plen, enc, elen + 1);
			w->plen = plen + elen;
			rc = visit(w, dfd, lfd, names[i], depth, e);
		}
		w->plen = plen;
		w->path[plen] = 0;
	}
	dir_names_free(names, n);
	return rc;
}

static int walk_root(struct walk *w, int root_fd, int lower_fd, struct err *e)
{
	w->e = e;
	w->path[0] = 0;
	w->plen = 0;
	return walk_dir(w, root_fd, lower_fd, 0, e);
}

static void walk_release(struct walk *w)
{
	dir_names_free(w->deleted, w->ndeleted);
	w->deleted = NULL;
	w->ndeleted = 0;
}

int collect_changes(int upper_fd, int lower_fd, struct tar_list *out,
		    struct collect_report *rep, struct err *e)
{
	struct walk w = {0};
	struct buf list = BUF_INIT;
	size_t i;
	int rc = -1;

	w.out = out;
	w.rep = rep;
	w.prefix = "changes/";
	w.changes = 1;
	w.max_files = CHANGES_MAX_FILES;
	w.max_file = CHANGES_MAX_FILE;
	w.max_total = CHANGES_MAX_TOTAL;
	if (walk_root(&w, upper_fd, lower_fd, e) < 0)
		goto out;
	if (w.ndeleted)
		qsort(w.deleted, w.ndeleted, sizeof *w.deleted, cmp_str);
	for (i = 0; i < w.ndeleted; i++)
		if (buf_puts(&list, w.deleted[i], e) < 0 ||
		    buf_append(&list, "\n", 1, e) < 0)
			goto out;
	if (tar_list_add_file(out, "changes/.deleted", 0644,
			      list.data ? (void *)list.data : (void *)"",
			      list.len, e) < 0)
		goto out;
	rep->deleted += w.ndeleted;
	rc = 0;
out:
	buf_release(&list);
	walk_release(&w);
	return rc;
}

int collect_answers(int answers_fd, struct tar_list *out,
		    struct collect_report *rep, struct err *e)
{
	struct walk w = {0};
	int rc;

	if (answers_fd < 0)
		return 0;
	w.out = out;
	w.rep = rep;
	w.prefix = "answers/";
	w.max_files = ANSWERS_MAX_FILES;
	w.max_file = ANSWERS_MAX_FILE;
	w.max_total = ANSWERS_MAX_TOTAL;
	rc = walk_root(&w, answers_fd, -1, e);
	walk_release(&w);
	return rc;
}

void collect_report_release(struct collect_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].path);
		free(r->v[i].reason);
	}
	free(r->v);
	for (i = 0; i < r->nexec; i++)
		free(r->exec[i]);
	free(r->exec);
	memset(r, 0, sizeof *r);
}
