/* bundle: scenario bundles on disk: reading a source directory into a
 * member list, opening a signed NAME.lab (signature first, then parsing),
 * and laying members out beneath a directory.  It does not validate the
 * scenario (scenario.c), sign (sign.c) or parse tar itself (tarball.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/bundle.h"
#include "runner/sign.h"
#include "runner/tarball.h"

#define SIG_SUFFIX ".minisig"

/* ---- reading a source directory ---- */

struct walk {
	const char *top;             /* the directory as named, for messages */
	const struct tar_limits *lim;
	struct tar_list *l;
	size_t total;                /* bytes of file data so far */
	size_t entries;
	char rel[BUNDLE_MAX_NAME + 1]; /* the current path below top */
};

/* Names editors and version control leave behind.  They are refused, not
 * skipped: a bundle holds exactly what the author sees in the tree. */
static int is_litter(const char *n)
{
	static const char *const exact[] = {
		".git", ".gitignore", ".gitattributes", ".gitmodules", ".hg",
		".hgignore", ".svn", ".bzr", "CVS", ".DS_Store", NULL,
	};
	static const char *const swap[] = {".swp", ".swo", ".swx", NULL};
	size_t len = strlen(n), i;

	for (i = 0; exact[i]; i++)
		if (!strcmp(n, exact[i]))
			return 1;
	if (len > 1 && n[len - 1] == '~')
		return 1;
	if (!strncmp(n, ".#", 2))
		return 1;
	if (len > 2 && n[0] == '#' && n[len - 1] == '#')
		return 1;
	if (n[0] == '.' && len > 4)
		for (i = 0; swap[i]; i++)
			if (!strcmp(n + len - 4, swap[i]))
				return 1;
	return 0;
}

/* The names in a directory, sorted, so that the walk (and the first error
 * it reports) does not depend on the file system's order. */
static int list_names(struct walk *w, int dfd, char ***out, size_t *nout,
		      struct err *e)
{
	int rc = dir_names(dfd, w->lim->max_entries - w->entries, out, nout, e);

	if (rc == 1)
		return err_set(e, ERR_REFUSED,
			       "%s: more than %zu files and directories; hint: --limit entries=N",
			       w->top, w->lim->max_entries);
	if (rc < 0)
		return err_wrap(e, "%s/%s", w->top, w->rel);
	return 0;
}

static int refuse_type(struct walk *w, mode_t mode, struct err *e)
{
	if (S_ISLNK(mode))
		return err_set(e, ERR_REFUSED,
			       "%s/%s: is a symbolic link; bundles hold regular "
			       "files and directories only; hint: replace it "
			       "with a copy of what it points to", w->top,
			       w->rel);
	return err_set(e, ERR_REFUSED,
		       "%s/%s: is %s; bundles hold regular files and "
		       "directories only; hint: remove it", w->top, w->rel,
		       S_ISFIFO(mode) ? "a FIFO"
		       : S_ISSOCK(mode) ? "a socket"
		       : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
							: "not a regular file");
}

static int read_regular(struct walk *w, int dfd, const char *name,
			struct err *e)
{
	struct buf b = BUF_INIT;
	unsigned char chunk[65536];
	size_t room = w->lim->max_total - w->total, bound;
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return refuse_type(w, S_IFLNK, e);
		return err_sys(e, ERR_HOST, errno, "%s/%s", w->top, w->rel);
	}
	if (fstat(fd, &st) < 0) {
		err_sys(e, ERR_HOST, errno, "%s/%s", w->top, w->rel);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		refuse_type(w, st.st_mode, e);
		goto out;
	}
	bound = w->lim->max_file < room ? w->lim->max_file : room;
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, ERR_HOST, errno, "%s/%s: read", w->top,
				w->rel);
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > bound) {
			if (bound == w->lim->max_file)
				err_set(e, ERR_REFUSED,
					"%s/%s: larger than %zu bytes; hint: "
					"--limit file=N", w->top, w->rel,
					w->lim->max_file);
			else
				err_set(e, ERR_REFUSED,
					"%s: files total more than %zu bytes "
					"(at %s); hint: --limit total=N",
					w->top, w->lim->max_total, w->rel);
			goto out;
		}
		if (buf_append(&b, chunk, (size_t)n, e) < 0)
			goto out;
	}
	if (tar_list_add_file(w->l, w->rel, (unsigned)(st.st_mode & 0777),
			      b.data ? b.data : (const unsigned char *)"",
			      b.len, e) < 0)
		goto out;
	w->total += b.len;
	w->entries++;
	rc = 0;
out:
	buf_release(&b);
	close(fd);
	return rc;
}

static int walk_dir(struct walk *w, int dfd, int depth, struct err *e)
{
	char **names = NULL;
	size_t n = 0, i, base = strlen(w->rel), len;
	struct stat st;
	int sub, r, rc = -1;

	if (depth > BUNDLE_MAX_DIR_DEPTH)
		return err_set(e, ERR_REFUSED,
			       "%s/%s: directories nested more than %d deep",
			       w->top, w->rel, BUNDLE_MAX_DIR_DEPTH);
	if (list_names(w, dfd, &names, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (base + !!base + len > BUNDLE_MAX_NAME) {
			err_set(e, ERR_REFUSED,
				"%s/%s/%s: path longer than %d bytes", w->top,
				w->rel, names[i], BUNDLE_MAX_NAME);
			goto out;
		}
		if (base)
			w->rel[base] = '/';
		memcpy(w->rel + base + !!base, names[i], len + 1);
		if (tar_name_check(w->rel, e) < 0) {
			err_wrap(e, "%s", w->top);
			goto out;
		}
		if (is_litter(names[i])) {
			err_set(e, ERR_REFUSED,
				"%s/%s: editor or version-control file; labrun "
				"packs every file and skips none; hint: remove "
				"it, or pack a clean export (git archive)",
				w->top, w->rel);
			goto out;
		}
		if (w->entries >= w->lim->max_entries) {
			err_set(e, ERR_REFUSED,
				"%s: more than %zu files and directories; hint: "
				"--limit entries=N", w->top, w->lim->max_entries);
			goto out;
		}
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			err_sys(e, ERR_HOST, errno, "%s/%s", w->top, w->rel);
			goto out;
		}
		if (S_ISREG(st.st_mode)) {
			if (read_regular(w, dfd, names[i], e) < 0)
				goto out;
		} else if (S_ISDIR(st.st_mode)) {
			if (tar_list_add_dir(w->l, w->rel, e) < 0)
				goto out;
			w->entries++;
			sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY |
						       O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				err_sys(e, errno == ELOOP || errno == ENOTDIR
						   ? ERR_REFUSED : ERR_HOST,
					errno, "%s/%s", w->top, w->rel);
				goto out;
			}
			r = walk_dir(w, sub, depth + 1, e);
			close(sub);
			if (r < 0)
				goto out;
		} else {
			refuse_type(w, st.st_mode, e);
			goto out;
		}
		w->rel[base] = 0;
	}
	rc = 0;
out:
	w->rel[base] = 0;
	dir_names_free(names, n);
	return rc;
}

int bundle_read_dir(const char *dir, const struct tar_limits *lim,
		    struct tar_list *out, struct err *e)
{
	struct tar_list l = {NULL, 0, 0};
	struct walk *w;
	int fd, rc;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		struct stat st;

		/* O_DIRECTORY|O_NOFOLLOW on a link fails with ENOTDIR. */
		if (errno == ELOOP ||
		    (errno == ENOTDIR && lstat(dir, &st) == 0 &&
		     S_ISLNK(st.st_mode)))
			return err_set(e, ERR_REFUSED,
				       "%s: is a symbolic link; hint: name the "
				       "directory itself", dir);
		return err_sys(e, errno == ENOENT || errno == ENOTDIR ||
					  errno == EACCES
				       ? ERR_REFUSED : ERR_HOST,
			       errno, "%s", dir);
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		close(fd);
		return err_set(e, ERR_HOST, "out of memory");
	}
	w->top = dir;
	w->lim = lim;
	w->l = &l;
	rc = walk_dir(w, fd, 0, e);
	close(fd);
	free(w);
	if (rc < 0) {
		tar_list_release(&l);
		return -1;
	}
	*out = l;
	return 0;
}

/* ---- opening a signed bundle ---- */

/* The largest bundle file worth reading: the file data allowed, plus tar
 * headers and padding for as many members as are allowed. */
static int archive_bound(const struct tar_limits *lim, size_t *out)
{
	uint64_t b = (uint64_t)lim->max_total;

	b += b / 8;
	if (lim->max_entries > (UINT64_MAX - b) / TAR_ENTRY_OVERHEAD)
		return -1;
	b += (uint64_t)lim->max_entries * TAR_ENTRY_OVERHEAD + TAR_ARCHIVE_SLACK;
	if (b > SIZE_MAX - 1)
		return -1;
	*out = (size_t)b;
	return 0;
}

int bundle_open(const char *path, const struct sign_trust *trust,
		const struct tar_limits *lim, struct tar_list *out,
		char digest_out[SIGN_SHA256_HEX],
		const struct sign_pub **signer, struct err *e)
{
	struct buf data = BUF_INIT, sig = BUF_INIT;
	struct tar_list l = {NULL, 0, 0};
	const struct sign_pub *who = NULL;
	char sigpath[4096], digest[SIGN_SHA256_HEX];
	struct stat st;
	size_t max;
	int n, rc = -1;

	if (archive_bound(lim, &max) < 0)
		return err_set(e, ERR_USAGE, "%s: limits too large", path);
	n = snprintf(sigpath, sizeof sigpath, "%s%s", path, SIG_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof sigpath)
		return err_set(e, ERR_REFUSED, "%s: path too long", path);
	if (read_file_bounded(path, max, &data, e) < 0)
		return -1;
	if (lstat(sigpath, &st) < 0 && errno == ENOENT) {
		err_set(e, ERR_REFUSED,
			"%s: no signature beside the bundle; hint: sign it "
			"with labrun pack", sigpath);
		goto out;
	}
	if (read_file_bounded(sigpath, SIG_MAX_BYTES, &sig, e) < 0)
		goto out;
	/* The signature covers the raw bytes and is checked before any
	 * byte of the archive is parsed. */
	if (sign_verify(trust->keys, trust->n, data.data, data.len, sig.data,
			sig.len, sigpath, &who, NULL, e) < 0)
		goto out;
	if (!sign_first_line_known(sig.data, sig.len)) {
		err_set(e, ERR_REFUSED,
			"%s: the untrusted comment is not one labrun pack or "
			"minisign -S writes; the signature does not cover it, "
			"so no other is taken; hint: sign again with labrun "
			"pack, or minisign -S without -c", sigpath);
		goto out;
	}
	sha256_hex(data.data, data.len, digest);
	if (tar_read(data.data, data.len, path, lim, &l, e) < 0)
		goto out;
	*out = l;
	memcpy(digest_out, digest, SIGN_SHA256_HEX);
	if (signer)
		*signer = who;
	rc = 0;
out:
	buf_release(&sig);
	buf_release(&data);
	return rc;
}

int bundle_read_packed(const char *path, const struct tar_limits *lim,
		       struct tar_list *out, char digest_out[SIGN_SHA256_HEX],
		       struct err *e)
{
	struct buf data = BUF_INIT;
	struct tar_list l = {NULL, 0, 0};
	size_t max;
	int rc = -1;

	if (archive_bound(lim, &max) < 0)
		return err_set(e, ERR_USAGE, "%s: limits too large", path);
	if (read_file_bounded(path, max, &data, e) < 0)
		return -1;
	if (tar_read(data.data, data.len, path, lim, &l, e) == 0) {
		sha256_hex(data.data, data.len, digest_out);
		*out = l;
		rc = 0;
	}
	buf_release(&data);
	return rc;
}

/* ---- extracting ---- */

/* Open the directory comp beneath parent, never following a link; make it
 * (owned by uid:gid, mode) if it is missing.  Returns the descriptor. */
static int open_dir_at(int parent, const char *comp, const char *shown,
		       mode_t mode, uid_t uid, gid_t gid, int set_always,
		       struct err *e)
{
	int fd, made = 0;

	fd = openat(parent, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					  O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(parent, comp, 0700) < 0 && errno != EEXIST)
			return err_sys(e, ERR_HOST, errno, "%s: mkdir", shown);
		made = 1;
		fd = openat(parent, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						  O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return err_set(e, ERR_REFUSED,
				       "%s: not a directory (a file or link is "
				       "in the way)", shown);
		return err_sys(e, ERR_HOST, errno, "%s", shown);
	}
	if ((made || set_always) &&
	    (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)) {
		err_sys(e, ERR_HOST, errno, "%s: chown/chmod", shown);
		close(fd);
		return -1;
	}
	return fd;
}

static int extract_one(int dirfd, const char *rel, const struct tar_entry *t,
		       uid_t uid, gid_t gid, struct err *e)
{
	char path[BUNDLE_MAX_NAME + 1], *comp, *slash;
	int cur = dirfd, fd, rc = -1;

	if (strlen(rel) > BUNDLE_MAX_NAME)
		return err_set(e, ERR_REFUSED, "%s: name too long", t->name);
	memcpy(path, rel, strlen(rel) + 1);
	comp = path;
	while ((slash = strchr(comp, '/'))) {
		*slash = 0;
		fd = open_dir_at(cur, comp, t->name, 0755, uid, gid, 0, e);
		if (fd < 0)
			goto out;
		if (cur != dirfd)
			close(cur);
		cur = fd;
		comp = slash + 1;
	}
	/* Modes lose group and other write: a scenario says who may write
	 * what by owner (docs/scenario.md, "Who owns what"), never by a
	 * world-writable bit in the archive. */
	if (t->is_dir) {
		fd = open_dir_at(cur, comp, t->name, t->mode & 0755, uid, gid,
				 1, e);
		if (fd < 0)
			goto out;
		close(fd);
		rc = 0;
		goto out;
	}
	fd = openat(cur, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			err_set(e, ERR_REFUSED, "%s: already exists", t->name);
		else
			err_sys(e, ERR_HOST, errno, "%s: create", t->name);
		goto out;
	}
	if (write_all(fd, t->data, t->len) < 0 || fchown(fd, uid, gid) < 0 ||
	    fchmod(fd, t->mode & 0755) < 0) {
		err_sys(e, ERR_HOST, errno, "%s: write", t->name);
		close(fd);
		goto out;
	}
	if (close(fd) < 0) {
		err_sys(e, ERR_HOST, errno, "%s: write", t->name);
		goto out;
	}
	rc = 0;
out:
	if (cur != dirfd)
		close(cur);
	return rc;
}

int bundle_extract(const struct tar_list *files, const char *prefix, int dirfd,
		   uid_t uid, gid_t gid, struct err *e)
{
	size_t plen = prefix ? strlen(prefix) : 0, i;
	const char *rel;

	for (i = 0; i < files->n; i++) {
		const struct tar_entry *t = &files->v[i];

		if (plen) {
			if (strncmp(t->name, prefix, plen) != 0)
				continue;
			rel = t->name + plen;
			if (prefix[plen - 1] != '/') {
				if (*rel != '/')
					continue;
				rel++;
			}
		} else {
			rel = t->name;
		}
		if (!*rel)
			continue;
		if (tar_name_check(rel, e) < 0)
			return err_wrap(e, "extract");
		if (extract_one(dirfd, rel, t, uid, gid, e) < 0)
			return err_wrap(e, "extract");
	}
	return 0;
}

int bundle_load(const char *input, const struct sign_trust *trust,
		const struct tar_limits *lim, struct tar_list *files,
		char digest[SIGN_SHA256_HEX], char keyid[17], int *unsigned_dir,
		struct err *e)
{
	struct buf bytes = BUF_INIT;
	const struct sign_pub *signer = NULL;
	struct stat st;

	if (stat(input, &st) < 0)
		return err_sys(e, ERR_REFUSED, errno, "%s", input);
	if (S_ISDIR(st.st_mode)) {
		/* An author's directory: what runs is the bundle pack would
		 * make, so its digest is the one recorded. */
		if (bundle_read_dir(input, lim, files, e) < 0)
			return -1;
		if (tar_write(files, &bytes, e) < 0) {
			tar_list_release(files);
			return -1;
		}
		sha256_hex(bytes.data, bytes.len, digest);
		buf_release(&bytes);
		keyid[0] = 0;
		*unsigned_dir = 1;
		return 0;
	}
	if (!trust || !trust->n)
		return err_set(e, ERR_USAGE,
			       "%s: a bundle needs --trust AUTHOR_PUB (the author keys it must be signed by)",
			       input);
	if (bundle_open(input, trust, lim, files, digest, &signer, e) < 0)
		return -1;
	sign_keyid_hex(signer, keyid);
	*unsigned_dir = 0;
	return 0;
}
