/* tarball: canonical tar writing and hostile-input-safe tar reading, in
 * memory, through libarchive.  It does not touch the disk, compress, or
 * know what the members mean (bundle.c and evidence.c do). */
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/tarball.h"

#define FILE_MODE_EXEC 0755
#define FILE_MODE_PLAIN 0644
#define DIR_MODE 0755
#define QUOTE_MAX 160 /* bytes of a member name shown in a message */

/* libarchive converts names through the locale; without a UTF-8 locale a
 * non-ASCII name fails (or crashes older versions). */
static int locale_ready(struct err *e)
{
	static int done;

	if (done)
		return 0;
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		return err_set(e, ERR_HOST,
			       "locale C.UTF-8 is not available; hint: install "
			       "the locales package");
	done = 1;
	return 0;
}

/* A name fit for a message: printable ASCII as is, other bytes as \xNN,
 * cut with "..." past QUOTE_MAX bytes. */
static void quote(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; i < QUOTE_MAX && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o + 5 >= size)
			break;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (s[i] && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}

int tar_name_check(const char *name, struct err *e)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strlen(name), i, comp = 0, k;
	char q[QUOTE_MAX * 4 + 8];

	quote(name, q, sizeof q);
	if (len == 0)
		return err_set(e, ERR_REFUSED, "member with an empty name");
	if (len > BUNDLE_MAX_NAME)
		return err_set(e, ERR_REFUSED,
			       "'%s': name longer than %d bytes", q,
			       BUNDLE_MAX_NAME);
	if (name[0] == '/')
		return err_set(e, ERR_REFUSED, "'%s': absolute name", q);
	if (!utf8_valid(s, len))
		return err_set(e, ERR_REFUSED, "'%s': name is not valid UTF-8",
			       q);
	/* C0 controls, DEL, and C1 controls (U+0080..U+009F, which UTF-8
	 * writes as 0xc2 0x80..0x9f): a terminal acts on all of them. */
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 &&
		     s[i + 1] <= 0x9f))
			return err_set(e, ERR_REFUSED,
				       "'%s': control character in the name", q);
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		k = i - comp;
		if (k == 0)
			return err_set(e, ERR_REFUSED,
				       "'%s': empty path component", q);
		if (k == 1 && name[comp] == '.')
			return err_set(e, ERR_REFUSED,
				       "'%s': \".\" path component", q);
		if (k == 2 && name[comp] == '.' && name[comp + 1] == '.')
			return err_set(e, ERR_REFUSED,
				       "'%s': \"..\" path component", q);
		comp = i + 1;
	}
	return 0;
}

static unsigned file_mode(unsigned mode)
{
	return mode & 0111 ? FILE_MODE_EXEC : FILE_MODE_PLAIN;
}

static int list_push(struct tar_list *l, struct tar_entry *ent, struct err *e)
{
	struct tar_entry *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof *v)
			return err_set(e, ERR_HOST, "out of memory");
		v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return err_set(e, ERR_HOST, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *ent;
	return 0;
}

/* Take ownership of name and data (malloc'd) on success. */
static int list_take(struct tar_list *l, char *name, int is_dir, unsigned mode,
		     unsigned char *data, size_t len, struct err *e)
{
	struct tar_entry ent;

	ent.name = name;
	ent.is_dir = is_dir;
	ent.mode = is_dir ? DIR_MODE : file_mode(mode);
	ent.data = data;
	ent.len = len;
	return list_push(l, &ent, e);
}

int tar_list_add_file(struct tar_list *l, const char *name, unsigned mode,
		      const void *data, size_t len, struct err *e)
{
	unsigned char *copy;
	char *n;

	if (tar_name_check(name, e) < 0)
		return -1;
	if (len == SIZE_MAX)
		return err_set(e, ERR_HOST, "out of memory");
	n = strdup(name);
	copy = malloc(len + 1);
	if (!n || !copy) {
		free(n);
		free(copy);
		return err_set(e, ERR_HOST, "out of memory");
	}
	if (len)
		memcpy(copy, data, len);
	copy[len] = 0;
	if (list_take(l, n, 0, mode, copy, len, e) < 0) {
		free(n);
		free(copy);
		return -1;
	}
	return 0;
}

int tar_list_add_dir(struct tar_list *l, const char *name, struct err *e)
{
	char *n;

	if (tar_name_check(name, e) < 0)
		return -1;
	n = strdup(name);
	if (!n)
		return err_set(e, ERR_HOST, "out of memory");
	if (list_take(l, n, 1, DIR_MODE, NULL, 0, e) < 0) {
		free(n);
		return -1;
	}
	return 0;
}

const struct tar_entry *tar_list_find(const struct tar_list *l,
				      const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct tar_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void tar_list_sort(struct tar_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, cmp_entry);
}

void tar_list_release(struct tar_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].data);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static const struct tar_entry *find_sorted(const struct tar_list *l,
					   const char *name)
{
	struct tar_entry key = {0};

	key.name = (char *)name;
	return bsearch(&key, l->v, l->n, sizeof *l->v, cmp_entry);
}

/* On a sorted list: no name twice (a file and a directory included) and
 * no member beneath a file. */
static int check_tree(const struct tar_list *l, const char *what,
		      struct err *e)
{
	char q[QUOTE_MAX * 4 + 8], parent[BUNDLE_MAX_NAME + 1];
	const struct tar_entry *p;
	size_t i, len;
	char *slash;

	for (i = 0; i < l->n; i++) {
		if (i > 0 && !strcmp(l->v[i - 1].name, l->v[i].name)) {
			quote(l->v[i].name, q, sizeof q);
			return err_set(e, ERR_REFUSED,
				       "%s: member '%s' appears twice", what, q);
		}
		len = strlen(l->v[i].name);
		if (len > BUNDLE_MAX_NAME)
			return err_set(e, ERR_BUG, "%s: unchecked name", what);
		memcpy(parent, l->v[i].name, len + 1);
		while ((slash = strrchr(parent, '/'))) {
			*slash = 0;
			p = find_sorted(l, parent);
			if (p && !p->is_dir) {
				quote(l->v[i].name, q, sizeof q);
				return err_set(e, ERR_REFUSED,
					       "%s: member '%s' is beneath a "
					       "file of the same name as its "
					       "directory", what, q);
			}
			if (p)
				break; /* its parents were checked with it */
		}
	}
	return 0;
}

/* ---- writing ---- */

/* Where tar_write's bytes go: appended to out, or (out NULL) compared
 * with want as they come, comparing no more after the first difference. */
struct sink {
	struct buf *out;
	struct err *e;
	int failed;
	const unsigned char *want;
	size_t want_len, off;
	int differs;
};

static la_ssize_t sink_write(struct archive *a, void *ctx, const void *data,
			     size_t len)
{
	struct sink *s = ctx;

	if (!s->out) {
		/* A difference is noted, not returned as a write error: after
		 * a failed write libarchive's state is fatal and its free no
		 * longer releases the client writer's buffer (a leak per
		 * refused file).  What follows the difference is not compared. */
		if (!s->differs && (len > s->want_len - s->off ||
				    memcmp(s->want + s->off, data, len)))
			s->differs = 1;
		if (!s->differs)
			s->off += len;
		return (la_ssize_t)len;
	}
	if (buf_append(s->out, data, len, s->e) < 0) {
		s->failed = 1;
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
	return (la_ssize_t)len;
}

static int write_entry(struct archive *a, struct archive_entry *ent,
		       const struct tar_entry *t, struct err *e)
{
	char q[QUOTE_MAX * 4 + 8];
	la_ssize_t n;

	archive_entry_clear(ent);
	archive_entry_set_pathname_utf8(ent, t->name);
	archive_entry_set_filetype(ent, t->is_dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(ent, t->is_dir ? DIR_MODE : file_mode(t->mode));
	archive_entry_set_size(ent, t->is_dir ? 0 : (la_int64_t)t->len);
	archive_entry_set_mtime(ent, 0, 0);
	archive_entry_set_uid(ent, 0);
	archive_entry_set_gid(ent, 0);
	if (archive_write_header(a, ent) != ARCHIVE_OK)
		goto fail;
	if (!t->is_dir && t->len) {
		n = archive_write_data(a, t->data, t->len);
		if (n < 0 || (size_t)n != t->len)
			goto fail;
	}
	return 0;
fail:
	quote(t->name, q, sizeof q);
	return err_set(e, ERR_HOST, "tar: writing '%s': %s", q,
		       archive_error_string(a) ? archive_error_string(a)
					       : "unknown error");
}

static int write_archive(struct tar_list *l, struct sink *s, struct err *e)
{
	struct archive *a = NULL;
	struct archive_entry *ent = NULL;
	size_t i;
	int rc = -1;

	if (locale_ready(e) < 0)
		return -1;
	for (i = 0; i < l->n; i++)
		if (tar_name_check(l->v[i].name, e) < 0)
			return err_wrap(e, "tar");
	tar_list_sort(l);
	if (check_tree(l, "tar", e) < 0)
		return -1;
	a = archive_write_new();
	ent = archive_entry_new();
	if (!a || !ent) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_open2(a, s, NULL, sink_write, NULL, NULL) !=
		    ARCHIVE_OK) {
		err_set(e, ERR_HOST, "tar: %s", archive_error_string(a));
		goto out;
	}
	for (i = 0; i < l->n; i++)
		if (write_entry(a, ent, &l->v[i], e) < 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		if (!s->failed)
			err_set(e, ERR_HOST, "tar: %s", archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_entry_free(ent);
	if (a)
		archive_write_free(a);
	return rc;
}

int tar_write(struct tar_list *l, struct buf *out, struct err *e)
{
	struct buf b = BUF_INIT;
	struct sink s = {&b, e, 0, NULL, 0, 0, 0};

	if (write_archive(l, &s, e) < 0 ||
	    (!b.data && buf_append(&b, "", 0, e) < 0)) {
		buf_release(&b);
		return -1;
	}
	*out = b;
	return 0;
}

int tar_is_canonical(struct tar_list *l, const void *data, size_t len,
		     int *same, struct err *e)
{
	struct err local = {ERR_NONE, ""};
	struct sink s = {NULL, &local, 0, data, len, 0, 0};

	*same = 0;
	if (write_archive(l, &s, &local) < 0) {
		if (e)
			*e = local;
		return -1;
	}
	*same = !s.differs && s.off == len;
	return 0;
}

/* ---- reading ---- */

static const char *type_name(unsigned type)
{
	switch (type) {
	case AE_IFLNK:
		return "a symbolic link";
	case AE_IFCHR:
		return "a character device";
	case AE_IFBLK:
		return "a block device";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "of an unsupported type";
	}
}

/* where: "in" (reading the member's data) or "after" (the next header). */
static int corrupt(struct archive *a, const char *what, const char *where,
		   const char *member, struct err *e)
{
	const char *msg = archive_error_string(a);
	char q[QUOTE_MAX * 4 + 8];

	if (!msg)
		msg = "unreadable data";
	if (member) {
		quote(member, q, sizeof q);
		return err_set(e, ERR_REFUSED,
			       "%s: corrupt or truncated archive %s member "
			       "'%s': %s", what, where, q, msg);
	}
	return err_set(e, ERR_REFUSED,
		       "%s: corrupt or truncated archive: %s; hint: a bundle "
		       "is an uncompressed tar made by labrun pack", what, msg);
}

/* Read one regular member's data, counting the bytes actually read. */
static int read_member(struct archive *a, struct archive_entry *ent,
		       const char *what, const char *name,
		       const struct tar_limits *lim, size_t *total,
		       unsigned char **data_out, size_t *len_out, struct err *e)
{
	char q[QUOTE_MAX * 4 + 8];
	unsigned char *data;
	la_int64_t size = archive_entry_size(ent);
	size_t cap, got = 0, room;
	la_ssize_t n;

	quote(name, q, sizeof q);
	if (!archive_entry_size_is_set(ent) || size < 0)
		return err_set(e, ERR_REFUSED, "%s: member '%s' has no size",
			       what, q);
	if ((uint64_t)size > lim->max_file)
		return err_set(e, ERR_REFUSED,
			       "%s: member '%s' is larger than %zu bytes", what,
			       q, lim->max_file);
	room = lim->max_total - *total;
	if ((uint64_t)size > room)
		return err_set(e, ERR_REFUSED,
			       "%s: members total more than %zu bytes (at '%s')",
			       what, lim->max_total, q);
	cap = (size_t)size;
	data = malloc(cap + 1);
	if (!data)
		return err_set(e, ERR_HOST, "out of memory");
	for (;;) {
		if (got == cap) {
			/* Confirm the end without trusting the header. */
			unsigned char probe[1];
			n = archive_read_data(a, probe, sizeof probe);
			if (n == 0)
				break;
			if (n > 0) {
				free(data);
				return err_set(e, ERR_REFUSED,
					       "%s: member '%s' holds more data "
					       "than its header says", what, q);
			}
		} else {
			n = archive_read_data(a, data + got, cap - got);
			if (n == 0)
				break;
		}
		if (n < 0) {
			free(data);
			return corrupt(a, what, "in", name, e);
		}
		got += (size_t)n;
	}
	if (got != cap) {
		free(data);
		return err_set(e, ERR_REFUSED,
			       "%s: member '%s' is truncated (%zu of %zu bytes)",
			       what, q, got, cap);
	}
	data[got] = 0;
	*total += got;
	*data_out = data;
	*len_out = got;
	return 0;
}

static int read_one(struct archive *a, struct archive_entry *ent,
		    const char *what, const struct tar_limits *lim,
		    size_t *total, struct tar_list *l, struct err *e)
{
	char q[QUOTE_MAX * 4 + 8];
	const char *raw = archive_entry_pathname(ent);
	unsigned type = archive_entry_filetype(ent);
	unsigned char *data = NULL;
	size_t len = 0, nlen;
	char *name;

	if (!raw)
		return err_set(e, ERR_REFUSED,
			       "%s: member %zu has no readable name", what,
			       l->n + 1);
	quote(raw, q, sizeof q);
	if (archive_entry_hardlink(ent))
		return err_set(e, ERR_REFUSED,
			       "%s: member '%s' is a hard link; bundles hold "
			       "regular files and directories only", what, q);
	if (type != AE_IFREG && type != AE_IFDIR)
		return err_set(e, ERR_REFUSED,
			       "%s: member '%s' is %s; bundles hold regular "
			       "files and directories only", what, q,
			       type_name(type));
	if (archive_entry_symlink(ent))
		return err_set(e, ERR_REFUSED,
			       "%s: member '%s' is a symbolic link", what, q);
	if (type == AE_IFREG && archive_entry_sparse_count(ent) > 0)
		return err_set(e, ERR_REFUSED,
			       "%s: member '%s' is a sparse file", what, q);
	nlen = strlen(raw);
	if (nlen > BUNDLE_MAX_NAME + 1)
		return err_set(e, ERR_REFUSED,
			       "%s: member '%s': name longer than %d bytes",
			       what, q, BUNDLE_MAX_NAME);
	name = strdup(raw);
	if (!name)
		return err_set(e, ERR_HOST, "out of memory");
	/* A directory may be stored as "a/"; "a/" and "a" are one name. */
	if (type == AE_IFDIR && nlen > 1 && name[nlen - 1] == '/')
		name[nlen - 1] = 0;
	/* `tar -cf x.lab -C dir .` names members "./a": one leading "./" is
	 * how tar spells a relative name, and the "." entry is the archive's
	 * own top directory.  Any other "." component is still refused. */
	if (!strncmp(name, "./", 2))
		memmove(name, name + 2, strlen(name + 2) + 1);
	if (type == AE_IFDIR && (!strcmp(name, ".") || !name[0])) {
		free(name);
		return 0;
	}
	if (tar_name_check(name, e) < 0) {
		free(name);
		return err_wrap(e, "%s", what);
	}
	if (type == AE_IFREG &&
	    read_member(a, ent, what, name, lim, total, &data, &len, e) < 0) {
		free(name);
		return -1;
	}
	if (list_take(l, name, type == AE_IFDIR,
		      (unsigned)archive_entry_perm(ent), data, len, e) < 0) {
		free(name);
		free(data);
		return -1;
	}
	return 0;
}

int tar_read(const void *data, size_t len, const char *what,
	     const struct tar_limits *lim, struct tar_list *out, struct err *e)
{
	static const struct tar_limits defaults = {
		BUNDLE_MAX_ENTRIES, BUNDLE_MAX_FILE, BUNDLE_MAX_TOTAL};
	struct tar_list l = {NULL, 0, 0};
	struct archive *a = NULL;
	struct archive_entry *ent;
	size_t total = 0;
	int r, rc = -1;

	if (!what)
		what = "archive";
	if (!lim)
		lim = &defaults;
	if (locale_ready(e) < 0)
		return -1;
	a = archive_read_new();
	if (!a)
		return err_set(e, ERR_HOST, "out of memory");
	if (archive_read_support_format_tar(a) != ARCHIVE_OK) {
		err_set(e, ERR_HOST, "%s: %s", what, archive_error_string(a));
		goto out;
	}
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		corrupt(a, what, NULL, NULL, e);
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			corrupt(a, what, "after",
				l.n ? l.v[l.n - 1].name : NULL, e);
			goto out;
		}
		if (l.n >= lim->max_entries) {
			err_set(e, ERR_REFUSED, "%s: more than %zu members",
				what, lim->max_entries);
			goto out;
		}
		if (read_one(a, ent, what, lim, &total, &l, e) < 0)
			goto out;
	}
	tar_list_sort(&l);
	if (check_tree(&l, what, e) < 0)
		goto out;
	*out = l;
	l.v = NULL;
	l.n = l.cap = 0;
	rc = 0;
out:
	archive_read_free(a);
	tar_list_release(&l);
	return rc;
}
