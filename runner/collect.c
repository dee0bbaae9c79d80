/* collect: the session's created, modified and deleted files, read from
 * the overlay's upper layer (and the answers directory) beneath directory
 * descriptors without following any link.  The graded part (what the
 * grader touched, what services own) is collected first under a budget
 * of its own; then the candidate's other files under theirs.  It runs
 * after every session process is dead; it does not mount, follow links,
 * keep the contents of anything but regular files, or write the evidence
 * file. */
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

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/collect.h"
#include "runner/tarball.h"

#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
#define DIR_FLAGS (OPEN_FLAGS | O_DIRECTORY)

/* An encoded name component is at most 3 bytes per byte of NAME_MAX. */
#define ENC_NAME_MAX (3 * NAME_MAX + 1)
/* An encoded link target: the kernel keeps at most PATH_MAX - 1 bytes. */
#define ENC_TARGET_MAX (3 * PATH_MAX + 1)

/* The worst case of a session's evidence stays under what verify reads:
 * both parts of changes/ and answers/, .deleted, the recording, the
 * command log, the script, result.json, the manifest's refusals and
 * executable list, and a tar header for every member. */
#define WORST_MEMBERS ((unsigned long long)COLLECT_GRADED_FILES + \
		       CHANGES_MAX_FILES + ANSWERS_MAX_FILES + 16)
_Static_assert((unsigned long long)COLLECT_GRADED_TOTAL + CHANGES_MAX_TOTAL +
			       ANSWERS_MAX_TOTAL +
			       (unsigned long long)DELETED_MAX * (COLLECT_MAX_PATH + 2) +
			       (unsigned long long)CAST_MAX_BYTES * CAST_MAX_FILE_FACTOR +
			       CAST_MAX_FILE_SLACK + COMMANDS_MAX_LOG +
			       SCRIPT_MAX_BYTES + GRADER_MAX_OUTPUT +
			       (unsigned long long)COLLECT_MAX_REFUSED * (2 * COLLECT_MAX_PATH) +
			       WORST_MEMBERS * (COLLECT_MAX_PATH + 16) +
			       WORST_MEMBERS * TAR_ENTRY_OVERHEAD + TAR_ARCHIVE_SLACK <
		       EVIDENCE_MAX_TOTAL,
	       "collection caps can make evidence that verify refuses");
_Static_assert(WORST_MEMBERS < EVIDENCE_MAX_ENTRIES,
	       "collection caps can make more members than verify reads");

/* What the graded part recorded at a path, so that nothing is recorded
 * twice and the candidate's walk leaves it alone. */
enum { G_ENTRY = 1, G_DIR = 2, G_OPAQUE = 4 };

struct gslot {
	char *path; /* encoded, relative */
	unsigned what;
};

/* Open addressing; cap is 0 or a power of two, at most half full. */
struct gset {
	struct gslot *v;
	size_t n, cap;
};

/* graded_step's answers: nothing more below, or the descriptors now
 * point into a directory. */
enum { STEP_DONE = 0, STEP_INTO = 1 };

struct walk {
	struct tar_list *out;
	struct collect_report *rep;
	const char *prefix;  /* "changes/" or "answers/" */
	int changes;         /* whiteouts and opaque directories are deletions */
	size_t max_files, max_file, max_total;
	size_t files, bytes; /* kept by this walk in the candidate's part */
	size_t left_out;     /* files and deletions the caps kept out */
	int full;            /* a file cap was reached: keep no more files */
	int capped;          /* the first "cap reached" refusal was added */
	size_t entries;      /* directory entries examined */
	char **deleted;      /* encoded paths, "/" ending an opaque directory */
	size_t ndeleted, capdeleted;
	/* The graded part; g is NULL when there is none. */
	const struct collect_graded *g;
	struct gset set;
	char **special;      /* lines of changes/.special, without "\n" */
	size_t nspecial, capspecial;
	uint64_t root_mnt;   /* mount id of g->root_fd */
	char path[COLLECT_MAX_PATH]; /* encoded path of the current entry */
	size_t plen;
	char shown[COLLECT_MAX_PATH]; /* a path too long, cut: kept off the stack */
	char target[ENC_TARGET_MAX];  /* a link's target, encoded */
	struct err *e;       /* for refuse(), which is called everywhere */
};

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode one component of a read-log path (n bytes at s) into
 * out[NAME_MAX + 1]; -1 for what the grader's log never holds: an empty
 * name, ".", "..", a "/" or NUL, a bad escape, a name too long. */
static int decode_component(const char *s, size_t n, char *out)
{
	size_t i, o = 0;
	int hi, lo;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (c == 0 || c == '/' || o >= NAME_MAX)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	if (o == 0 || !strcmp(out, ".") || !strcmp(out, ".."))
		return -1;
	return 0;
}

/* --- the set of graded paths ----------------------------------------- */

static size_t gset_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static struct gslot *gset_find(const struct gset *s, const char *path)
{
	size_t i;

	if (!s->cap)
		return NULL;
	for (i = gset_hash(path) & (s->cap - 1); s->v[i].path;
	     i = (i + 1) & (s->cap - 1))
		if (!strcmp(s->v[i].path, path))
			return &s->v[i];
	return NULL;
}

static int gset_grow(struct gset *s, struct err *e)
{
	size_t cap = s->cap ? s->cap * 2 : 64, i, j;
	struct gslot *v = calloc(cap, sizeof *v);

	if (!v)
		return err_set(e, ERR_HOST, "out of memory");
	for (i = 0; i < s->cap; i++) {
		if (!s->v[i].path)
			continue;
		for (j = gset_hash(s->v[i].path) & (cap - 1); v[j].path;
		     j = (j + 1) & (cap - 1))
			;
		v[j] = s->v[i];
	}
	free(s->v);
	s->v = v;
	s->cap = cap;
	return 0;
}

/* Add what to the marks of path. */
static int gset_mark(struct gset *s, const char *path, unsigned what,
		     struct err *e)
{
	struct gslot *slot = gset_find(s, path);
	size_t i;

	if (slot) {
		slot->what |= what;
		return 0;
	}
	if ((s->n + 1) * 2 > s->cap && gset_grow(s, e) < 0)
		return -1;
	for (i = gset_hash(path) & (s->cap - 1); s->v[i].path;
	     i = (i + 1) & (s->cap - 1))
		;
	s->v[i].path = strdup(path);
	if (!s->v[i].path)
		return err_set(e, ERR_HOST, "out of memory");
	s->v[i].what = what;
	s->n++;
	return 0;
}

static unsigned gset_what(const struct gset *s, const char *path)
{
	const struct gslot *slot = gset_find(s, path);

	return slot ? slot->what : 0;
}

static void gset_release(struct gset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->v[i].path);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* --- refusals and lists ---------------------------------------------- */

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

/* A path the grader touched cannot be kept: the graded state is not
 * whole.  The first reason is the session's error; every such path is
 * refused (the first one even past COLLECT_MAX_REFUSED). */
static int graded_fail(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int graded_fail(struct walk *w, const char *fmt, ...)
{
	struct collect_report *r = w->rep;
	char reason[256];
	int first = !r->graded.error[0];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	r->truncated = 1;
	if (first)
		snprintf(r->graded.error, sizeof r->graded.error, "%s%.300s%s%.200s",
			 w->plen ? "/" : "", w->path, w->plen ? ": " : "",
			 reason);
	return add_refusal(r, w->plen ? w->path : "/", reason, first, w->e);
}

/* A count or size cap of the candidate's part: every path left out is
 * counted, and refused while the list has room (the first one always). */
static int cap_reached(struct walk *w, struct err *e)
{
	int force = !w->capped;

	w->rep->truncated = 1;
	w->capped = 1;
	w->left_out++;
	return add_refusal(w->rep, w->path, "cap reached", force, e);
}

static int push_str(char ***v, size_t *n, size_t *cap, char *s, struct err *e)
{
	char **nv;

	if (!s)
		return err_set(e, ERR_HOST, "out of memory");
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;

		nv = realloc(*v, c * sizeof *nv);
		if (!nv) {
			free(s);
			return err_set(e, ERR_HOST, "out of memory");
		}
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = s;
	return 0;
}

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s", a, b);
	return s;
}

/* A deletion at w->path (suffix "/": an opaque directory).  graded: the
 * grader touched it (1), a service's (2), or the candidate's (0); graded
 * deletions come first and only a touched one past DELETED_MAX makes the
 * graded state incomplete. */
static int add_deleted(struct walk *w, const char *suffix, int graded,
		       struct err *e)
{
	if (w->ndeleted >= DELETED_MAX) {
		if (graded == 1)
			return graded_fail(w, "more than %d deletions", DELETED_MAX);
		if (graded == 2)
			w->rep->graded.left_out++;
		else
			return cap_reached(w, e);
		w->rep->truncated = 1;
		return add_refusal(w->rep, w->path, "graded budget reached", 0, e);
	}
	if (push_str(&w->deleted, &w->ndeleted, &w->capdeleted,
		     join(w->path, suffix), e) < 0)
		return -1;
	if (graded)
		w->rep->graded.deleted++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* .special lines by path: "T PATH[ ARG]". */
static int cmp_special(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 2, *(char *const *)b + 2);
}

/* --- reading files ----------------------------------------------------- */

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

static int is_metacopy(int fd)
{
	return has_xattr(fd, "trusted.overlay.metacopy", NULL) ||
	       has_xattr(fd, "user.overlay.metacopy", NULL);
}

static int is_opaque(int fd)
{
	return has_xattr(fd, "trusted.overlay.opaque", "y") ||
	       has_xattr(fd, "user.overlay.opaque", "y");
}

/* Add member prefix + w->path, and list it if it was executable. */
static int add_member(struct walk *w, const unsigned char *data, size_t len,
		      int xbit, struct err *e)
{
	char member[sizeof w->path + 16];

	snprintf(member, sizeof member, "%s%s", w->prefix, w->path);
	if (tar_list_add_file(w->out, member, 0644, data, len, e) < 0)
		return -1;
	if (xbit && push_str(&w->rep->exec, &w->rep->nexec, &w->rep->capexec,
			     strdup(member), e) < 0)
		return -1;
	w->rep->files++;
	w->rep->bytes += len;
	return 0;
}

static int keep_file(struct walk *w, int dfd, int lfd, const char *name,
		     const struct stat *st, struct err *e)
{
	struct stat st2;
	unsigned char *data = NULL;
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
	if (w->changes && is_metacopy(fd)) {
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
	if (add_member(w, data, len, xbit, e) < 0)
		goto out;
	w->files++;
	w->bytes += len;
	rc = 0;
out:
	free(data);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* --- the graded part --------------------------------------------------- */

/* Room in the graded budget for one more entry of len bytes? */
static int graded_room(const struct walk *w, size_t len)
{
	const struct collect_report *r = w->rep;

	return r->graded.files + r->graded.special < COLLECT_GRADED_FILES &&
	       len <= COLLECT_GRADED_TOTAL - r->graded.bytes;
}

/* No room for w->path: for a path the grader touched the graded state is
 * not whole; a service's file the grader did not touch is left out, and
 * listed, since the verdict does not rest on it. */
static int no_room(struct walk *w, int touched)
{
	if (touched)
		return graded_fail(w, "graded budget reached (%d entries, %u bytes)",
				   COLLECT_GRADED_FILES, COLLECT_GRADED_TOTAL);
	w->rep->graded.left_out++;
	w->rep->truncated = 1;
	return add_refusal(w->rep, w->path, "graded budget reached", 0, w->e);
}

/* A line of changes/.special for w->path: type, and arg (or NULL). */
static int add_special(struct walk *w, int touched, char type, const char *arg,
		       struct err *e)
{
	size_t len = 2 + w->plen + (arg ? 1 + strlen(arg) : 0);
	char *line;

	if (!graded_room(w, len + 1))
		return no_room(w, touched);
	line = malloc(len + 1);
	if (!line)
		return err_set(e, ERR_HOST, "out of memory");
	snprintf(line, len + 1, "%c %s%s%s", type, w->path, arg ? " " : "",
		 arg ? arg : "");
	if (push_str(&w->special, &w->nspecial, &w->capspecial, line, e) < 0)
		return -1;
	w->rep->graded.special++;
	w->rep->graded.bytes += len + 1;
	return 0;
}

/* The symbolic link name in dfd at w->path: its target, as a line. */
static int graded_link(struct walk *w, int dfd, const char *name, int touched,
		       struct err *e)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);

	if (n < 0)
		return touched ? graded_fail(w, "the link cannot be read: %s",
					     strerror(errno))
			       : refuse(w, "the link cannot be read");
	target[n] = 0;
	if (memchr(target, 0, (size_t)n) ||
	    path_encode(target, w->target, sizeof w->target) < 0)
		return touched ? graded_fail(w, "the link's target is too long")
			       : refuse(w, "the link's target is too long");
	return add_special(w, touched, 'l', w->target, e);
}

/* The regular file name in dfd at w->path, byte for byte: any number of
 * links (the grader reads a hard-linked file too); one larger than
 * lab.read returns as a "b" line with its size; nothing when the lower
 * layer (lfd, or -1) has the same bytes.  from_upper: dfd is in the upper
 * layer, where a metadata-only copy-up holds no data. */
static int graded_file(struct walk *w, int dfd, int from_upper, int lfd,
		       const char *name, int touched, struct err *e)
{
	struct stat st;
	unsigned char *data = NULL;
	char size[32];
	size_t len;
	int fd, rc = -1;

	fd = openat(dfd, name, OPEN_FLAGS);
	if (fd < 0)
		return touched ? graded_fail(w, "cannot be read: %s", strerror(errno))
			       : refuse(w, "cannot be read");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = touched ? graded_fail(w, "changed during collection")
			     : refuse(w, "changed during collection");
		goto out;
	}
	if ((uint64_t)st.st_size > COLLECT_GRADED_FILE) {
		snprintf(size, sizeof size, "%ju", (uintmax_t)st.st_size);
		rc = add_special(w, touched, 'b', size, e);
		goto out;
	}
	if (from_upper && is_metacopy(fd)) {
		rc = touched ? graded_fail(w, "metadata-only copy-up")
			     : refuse(w, "metadata-only copy-up");
		goto out;
	}
	len = (size_t)st.st_size;
	data = malloc(len + 1);
	if (!data) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	if (read_exact(fd, data, len) < 0) {
		rc = touched ? graded_fail(w, "changed during collection")
			     : refuse(w, "changed during collection");
		goto out;
	}
	if (same_as_lower(lfd, name, data, len, !!(st.st_mode & 0111))) {
		rc = 0;
		goto out;
	}
	if (!graded_room(w, len)) {
		rc = no_room(w, touched);
		goto out;
	}
	if (add_member(w, data, len, !!(st.st_mode & 0111), e) < 0)
		goto out;
	w->rep->graded.files++;
	w->rep->graded.bytes += len;
	rc = 0;
out:
	free(data);
	close(fd);
	return rc;
}

/* fstatat without following; *there 0 when the name is absent (or dfd is
 * -1). */
static int stat_in(int dfd, const char *name, struct stat *st, int *there,
		   struct err *e)
{
	*there = 0;
	if (dfd < 0)
		return 0;
	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) == 0) {
		*there = 1;
		return 0;
	}
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return err_sys(e, ERR_HOST, errno, "collect: %s", name);
}

static void swap_fd(int *fd, int nfd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = nfd;
}

static int is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* One component, name, of a path the grader touched; w->path ends with
 * it, encoded.  *up, *lo and *rt are its parent directory in the upper
 * layer, the lower layer (system/; -1 below an opaque directory) and the
 * merged root (-1 across a mount), each -1 where absent.  Records what a
 * regrade needs to see what the grader saw there: a change in the upper
 * layer, or what labrun's skeleton put there.  descend: step into a
 * directory (the descriptors then point into it); 0 for an entry of a
 * listed directory. */
static int graded_step(struct walk *w, int *up, int *lo, int *rt,
		       const char *name, int descend, struct err *e)
{
	unsigned have = gset_what(&w->set, w->path);
	struct stat su, sl, sr;
	int inu, inl, inr, opaque, fd;
	uint64_t mnt = 0;

	if (have & G_ENTRY)
		return STEP_DONE;
	if (stat_in(*up, name, &su, &inu, e) < 0 ||
	    stat_in(*lo, name, &sl, &inl, e) < 0 ||
	    stat_in(*rt, name, &sr, &inr, e) < 0)
		return -1;
	if (inr && (mount_id_at(*rt, name, &mnt) < 0 || mnt != w->root_mnt)) {
		/* A mount point (the host's /usr, the session's /proc,
		 * /dev, /tmp): not the sandbox's state, nothing to keep;
		 * a listing shows its name, so a directory is listed. */
		if (!descend && !inu && !inl && S_ISDIR(sr.st_mode) &&
		    !(have & G_DIR))
			return gset_mark(&w->set, w->path, G_DIR, e) < 0 ||
			       add_special(w, 1, 'd', NULL, e) < 0 ? -1 : STEP_DONE;
		return STEP_DONE;
	}
	if (inu && S_ISDIR(su.st_mode)) {
		fd = openat(*up, name, DIR_FLAGS);
		if (fd < 0)
			return err_sys(e, ERR_HOST, errno, "collect: %s", w->path);
		opaque = is_opaque(fd);
		if (opaque && !(have & G_OPAQUE) &&
		    (gset_mark(&w->set, w->path, G_OPAQUE, e) < 0 ||
		     add_deleted(w, "/", 1, e) < 0))
			goto fail;
		if (!(inl && S_ISDIR(sl.st_mode)) && !(have & G_DIR) &&
		    (gset_mark(&w->set, w->path, G_DIR, e) < 0 ||
		     add_special(w, 1, 'd', NULL, e) < 0))
			goto fail;
		if (!descend) {
			close(fd);
			return STEP_DONE;
		}
		swap_fd(up, fd);
		swap_fd(lo, !opaque && inl && S_ISDIR(sl.st_mode)
				    ? openat(*lo, name, DIR_FLAGS) : -1);
		swap_fd(rt, inr && S_ISDIR(sr.st_mode) ? openat(*rt, name, DIR_FLAGS) : -1);
		return STEP_INTO;
fail:
		close(fd);
		return -1;
	}
	if (inu) {
		if (gset_mark(&w->set, w->path, G_ENTRY, e) < 0)
			return -1;
		if (is_whiteout(&su))
			return add_deleted(w, "", 1, e);
		if (S_ISREG(su.st_mode))
			return inr ? graded_file(w, *rt, 0, *lo, name, 1, e)
				   : graded_file(w, *up, 1, *lo, name, 1, e);
		if (S_ISLNK(su.st_mode))
			return graded_link(w, *up, name, 1, e);
		return add_special(w, 1, 'o', NULL, e);
	}
	if (inl) {
		/* The scenario's system/ has it: so does a regrade. */
		if (!descend || !S_ISDIR(sl.st_mode))
			return STEP_DONE;
		swap_fd(up, -1);
		swap_fd(lo, openat(*lo, name, DIR_FLAGS));
		swap_fd(rt, inr && S_ISDIR(sr.st_mode) ? openat(*rt, name, DIR_FLAGS) : -1);
		return STEP_INTO;
	}
	if (!inr)
		return STEP_DONE;
	/* Neither changed nor in system/: labrun's skeleton put it there,
	 * and a regrade has no skeleton. */
	if (S_ISDIR(sr.st_mode)) {
		if (!(have & G_DIR) &&
		    (gset_mark(&w->set, w->path, G_DIR, e) < 0 ||
		     add_special(w, 1, 'd', NULL, e) < 0))
			return -1;
		if (!descend)
			return STEP_DONE;
		swap_fd(up, -1);
		swap_fd(lo, -1);
		swap_fd(rt, openat(*rt, name, DIR_FLAGS));
		return STEP_INTO;
	}
	if (gset_mark(&w->set, w->path, G_ENTRY, e) < 0)
		return -1;
	if (S_ISREG(sr.st_mode))
		return graded_file(w, *rt, 0, -1, name, 1, e);
	if (S_ISLNK(sr.st_mode))
		return graded_link(w, *rt, name, 1, e);
	return add_special(w, 1, 'o', NULL, e);
}

/* Set w->path to its first plen bytes, then "/" (unless at the top) and
 * name encoded; -1 when that does not fit. */
static int path_push(struct walk *w, size_t plen, const char *name)
{
	char enc[ENC_NAME_MAX];
	size_t elen;

	w->plen = plen;
	w->path[plen] = 0;
	if (path_encode_name(name, strlen(name), plen == 0, enc, sizeof enc,
			     &elen) < 0 ||
	    plen + 1 + elen >= sizeof w->path)
		return -1;
	if (plen)
		w->path[w->plen++] = '/';
	memcpy(w->path + w->plen, enc, elen + 1);
	w->plen += elen;
	return 0;
}

/* The entries of a directory the grader listed (w->path; up, lo, rt as
 * for graded_step, pointing at it): what the upper layer changed there
 * (a deletion too) and what the skeleton put there. */
static int graded_list(struct walk *w, int up, int lo, int rt, struct err *e)
{
	char **names = NULL;
	size_t n = 0, i, plen = w->plen;
	int pass, rc = 0, fd, u, l, r;

	for (pass = 0; pass < 2 && rc == 0; pass++) {
		fd = pass ? rt : up;
		if (fd < 0)
			continue;
		rc = dir_names(fd, COLLECT_MAX_ENTRIES, &names, &n, e);
		if (rc > 0)
			return graded_fail(w, "more than %d entries", COLLECT_MAX_ENTRIES);
		for (i = 0; rc == 0 && i < n; i++) {
			u = up;
			l = lo;
			r = rt;
			if (path_push(w, plen, names[i]) < 0)
				rc = graded_fail(w, "path too long");
			else
				rc = graded_step(w, &u, &l, &r, names[i], 0, e);
			rc = rc < 0 ? -1 : 0;
		}
		dir_names_free(names, n);
		names = NULL;
		n = 0;
		w->plen = plen;
		w->path[plen] = 0;
	}
	return rc;
}

/* One path of the grader's read log: each of its components from the
 * top, then, if it was listed, the directory's entries. */
static int graded_touched(struct walk *w, int upper_fd, int lower_fd,
			  const struct grader_read *r, struct err *e)
{
	const char *p = r->path;
	char name[NAME_MAX + 1];
	int up, lo = -1, rt = -1, step = STEP_INTO, rc = -1;
	size_t n;

	w->plen = 0;
	w->path[0] = 0;
	if (*p != '/')
		return graded_fail(w, "the read log holds a path that is not absolute");
	up = dup(upper_fd);
	if (lower_fd >= 0)
		lo = dup(lower_fd);
	if (w->g->root_fd >= 0)
		rt = dup(w->g->root_fd);
	if (up < 0 || (lower_fd >= 0 && lo < 0) || (w->g->root_fd >= 0 && rt < 0)) {
		err_sys(e, ERR_HOST, errno, "dup");
		goto out;
	}
	for (p++; *p && step == STEP_INTO; p += n + (p[n] == '/')) {
		n = strcspn(p, "/");
		if (decode_component(p, n, name) < 0) {
			rc = graded_fail(w, "the read log holds a path labrun does not write");
			goto out;
		}
		if (path_push(w, w->plen, name) < 0) {
			rc = graded_fail(w, "path too long");
			goto out;
		}
		step = graded_step(w, &up, &lo, &rt, name, 1, e);
		if (step < 0)
			goto out;
	}
	rc = 0;
	if (step == STEP_INTO && strchr(r->ops, 'l'))
		rc = graded_list(w, up, lo, rt, e);
out:
	if (up >= 0)
		close(up);
	if (lo >= 0)
		close(lo);
	if (rt >= 0)
		close(rt);
	return rc;
}

/* --- the walk ---------------------------------------------------------- */

static int walk_dir(struct walk *w, int dfd, int lfd, unsigned depth,
		    struct err *e);

/* The service's id owns st: its entry is graded. */
static int is_service(const struct walk *w, const struct stat *st)
{
	return w->g && w->g->service_uid != (uid_t)-1 &&
	       st->st_uid == w->g->service_uid;
}

static int enter_dir(struct walk *w, int dfd, int lfd, const char *name,
		     const struct stat *st, unsigned have, unsigned depth,
		     struct err *e)
{
	struct stat ls;
	int fd, cfd = -1, opaque = 0, rc = -1, svc = is_service(w, st);
	size_t plen = w->plen;

	if (depth >= COLLECT_MAX_DEPTH)
		return refuse(w, "deeper than %d levels", COLLECT_MAX_DEPTH);
	fd = openat(dfd, name, DIR_FLAGS);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "collect: %s", w->path);
	if (w->changes)
		opaque = is_opaque(fd);
	if (opaque && !(have & G_OPAQUE) && add_deleted(w, "/", svc ? 2 : 0, e) < 0)
		goto out;
	/* A directory a service made is graded; one the candidate made
	 * shows by the files in it, as before. */
	if (svc && !(have & G_DIR) &&
	    !(lfd >= 0 && fstatat(lfd, name, &ls, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISDIR(ls.st_mode)) &&
	    add_special(w, 0, 'd', NULL, e) < 0)
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
	unsigned have = w->g ? gset_what(&w->set, w->path) : 0;
	struct stat st;
	int svc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, ERR_HOST, errno, "collect: %s", w->path);
	if ((have & G_ENTRY) && !S_ISDIR(st.st_mode))
		return 0; /* the graded part has it */
	svc = is_service(w, &st);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return enter_dir(w, dfd, lfd, name, &st, have, depth, e);
	case S_IFREG:
		return svc ? graded_file(w, dfd, 1, lfd, name, 0, e)
			   : keep_file(w, dfd, lfd, name, &st, e);
	case S_IFLNK:
		return svc ? graded_link(w, dfd, name, 0, e)
			   : refuse(w, "symbolic link");
	case S_IFIFO:
		return svc ? add_special(w, 0, 'o', NULL, e) : refuse(w, "fifo");
	case S_IFSOCK:
		return svc ? add_special(w, 0, 'o', NULL, e) : refuse(w, "socket");
	case S_IFCHR:
		/* overlayfs marks a deleted lower path with a 0/0 device. */
		if (w->changes && is_whiteout(&st))
			return add_deleted(w, "", 0, e);
		return svc ? add_special(w, 0, 'o', NULL, e)
			   : refuse(w, "character device");
	case S_IFBLK:
		return svc ? add_special(w, 0, 'o', NULL, e)
			   : refuse(w, "block device");
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
		if (path_encode_name(names[i], strlen(names[i]), depth == 0,
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
	dir_names_free(w->special, w->nspecial);
	w->special = NULL;
	w->nspecial = 0;
	gset_release(&w->set);
}

/* Sort lines and add them as one member, each ending in "\n". */
static int add_listing(struct tar_list *out, const char *member, char **v,
		       size_t n, int (*cmp)(const void *, const void *),
		       struct err *e)
{
	struct buf list = BUF_INIT;
	size_t i;
	int rc = -1;

	if (n)
		qsort(v, n, sizeof *v, cmp);
	for (i = 0; i < n; i++)
		if (buf_puts(&list, v[i], e) < 0 || buf_append(&list, "\n", 1, e) < 0)
			goto out;
	rc = tar_list_add_file(out, member, 0644,
			       list.data ? (void *)list.data : (void *)"",
			       list.len, e);
out:
	buf_release(&list);
	return rc;
}

int collect_changes(int upper_fd, int lower_fd, const struct collect_graded *g,
		    struct tar_list *out, struct collect_report *rep,
		    struct err *e)
{
	struct walk w = {0};
	size_t i;
	int rc = -1;

	w.out = out;
	w.rep = rep;
	w.prefix = "changes/";
	w.changes = 1;
	w.max_files = CHANGES_MAX_FILES;
	w.max_file = CHANGES_MAX_FILE;
	w.max_total = CHANGES_MAX_TOTAL;
	w.g = g;
	w.e = e;
	/* The graded part first: what the grader touched, then (in the
	 * walk) what services own. */
	if (g) {
		rep->graded.on = 1;
		rep->graded.touched += g->nreads;
		if (g->root_fd >= 0 && mount_id_at(g->root_fd, "", &w.root_mnt) < 0) {
			err_sys(e, ERR_HOST, errno, "collect: the root's mount");
			goto out;
		}
		if (g->reads_cut)
			graded_fail(&w, "the grader's read log was cut at %d paths",
				    GRADER_MAX_READS);
		for (i = 0; i < g->nreads; i++)
			if (graded_touched(&w, upper_fd, lower_fd, &g->reads[i], e) < 0)
				goto out;
	}
	if (walk_root(&w, upper_fd, lower_fd, e) < 0)
		goto out;
	if (add_listing(out, "changes/.deleted", w.deleted, w.ndeleted, cmp_str, e) < 0 ||
	    (g && add_listing(out, "changes/.special", w.special, w.nspecial,
			      cmp_special, e) < 0))
		goto out;
	rep->deleted += w.ndeleted;
	rep->candidate.files += w.files;
	rep->candidate.bytes += w.bytes;
	rep->candidate.left_out += w.left_out;
	rc = 0;
out:
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
	rep->answers.files += w.files;
	rep->answers.bytes += w.bytes;
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
