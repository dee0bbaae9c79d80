/* util: base utilities (buffers, bounded reads, atomic writes, numbers,
 * hex, time, directories).  Nothing here knows about scenarios or
 * sandboxes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"

static int buf_reserve(struct buf *b, size_t extra, struct err *e)
{
	size_t need, cap;
	unsigned char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return err_set(e, ERR_HOST, "out of memory");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return err_set(e, ERR_HOST, "out of memory");
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len, struct err *e)
{
	if (buf_reserve(b, len, e) < 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
	return 0;
}

int buf_puts(struct buf *b, const char *s, struct err *e)
{
	return buf_append(b, s, strlen(s), e);
}

int buf_printf(struct buf *b, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_set(e, ERR_BUG, "buf_printf: bad format");
	if (buf_reserve(b, (size_t)n, e) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

unsigned char *buf_steal(struct buf *b, size_t *len)
{
	unsigned char *p = b->data;

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int read_fd_bounded(int fd, const char *what, size_t max, struct buf *out,
			   struct err *e)
{
	struct buf b = BUF_INIT;
	struct stat st;
	size_t room, left;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", what);
	if (!S_ISREG(st.st_mode))
		return err_set(e, ERR_REFUSED, "%s: not a regular file", what);
	if ((uint64_t)st.st_size > max)
		return err_set(e, ERR_REFUSED,
			       "%s: too large (%lld bytes, at most %zu)", what,
			       (long long)st.st_size, max);
	/* Straight into the buffer, sized by the file and a byte more so
	 * that its end shows in the same read; a file that grows (or a
	 * /proc file, whose size says 0) is followed up to max. */
	if (buf_reserve(&b, (size_t)st.st_size + 1, e) < 0)
		return -1;
	for (;;) {
		if (b.cap - b.len - 1 == 0 && buf_reserve(&b, 65536, e) < 0) {
			buf_release(&b);
			return -1;
		}
		room = b.cap - b.len - 1; /* the last byte is the NUL's */
		left = max - b.len;
		if (left < room - 1)
			room = left + 1; /* one byte past max shows it too large */
		n = read(fd, b.data + b.len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_release(&b);
			return err_sys(e, ERR_HOST, errno, "%s: read", what);
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > max) {
			buf_release(&b);
			return err_set(e, ERR_REFUSED,
				       "%s: too large (more than %zu bytes)",
				       what, max);
		}
	}
	b.data[b.len] = 0;
	*out = b;
	return 0;
}

int read_file_bounded(const char *path, size_t max, struct buf *out,
		      struct err *e)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return err_set(e, ERR_REFUSED,
				       "%s: is a symbolic link; hint: name the file itself",
				       path);
		return err_sys(e, errno == ENOENT || errno == EACCES
				       ? ERR_REFUSED : ERR_HOST,
			       errno, "%s", path);
	}
	rc = read_fd_bounded(fd, path, max, out, e);
	close(fd);
	return rc;
}

int read_file_at(int dirfd, const char *name, size_t max, struct buf *out,
		 struct err *e)
{
	int fd, rc;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return err_sys(e, errno == ENOENT || errno == ELOOP
				       ? ERR_REFUSED : ERR_HOST,
			       errno, "%s", name);
	rc = read_fd_bounded(fd, name, max, out, e);
	close(fd);
	return rc;
}

int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_replace(const char *path, const void *data, size_t len,
			 mode_t mode, int sync, struct err *e);

int write_file_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, struct err *e)
{
	return write_replace(path, data, len, mode, 1, e);
}

int write_file_replace(const char *path, const void *data, size_t len,
		       mode_t mode, struct err *e)
{
	return write_replace(path, data, len, mode, 0, e);
}

static int write_replace(const char *path, const void *data, size_t len,
			 mode_t mode, int sync, struct err *e)
{
	char tmp[PATH_MAX];
	int fd = -1, n, i;

	for (i = 0; i < 100; i++) {
		n = snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%d", path,
			     (long)getpid(), i);
		if (n < 0 || (size_t)n >= sizeof tmp)
			return err_set(e, ERR_REFUSED, "%s: path too long", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			  mode);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s: cannot create", tmp);
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 ||
	    (sync && fsync(fd) < 0)) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		return err_sys(e, ERR_HOST, saved, "%s: write", tmp);
	}
	if (close(fd) < 0 || (crash_point_path("rename", path), rename(tmp, path)) < 0) {
		int saved = errno;
		unlink(tmp);
		return err_sys(e, ERR_HOST, saved, "%s: cannot rename into place",
			       path);
	}
	return 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (!s || !*s)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p - s > 1 && s[0] == '0')
		return -1;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, unsigned char *out, size_t outmax)
{
	size_t len = strlen(s), i;
	int hi, lo;

	if (len % 2 || len / 2 > outmax)
		return -1;
	for (i = 0; i < len / 2; i++) {
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void time_rfc3339(int64_t unix_s, char out[32])
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int time_rfc3339_shape(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (strlen(s) != sizeof shape - 1)
		return 0;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9')
				    : s[i] != shape[i])
			return 0;
	return 1;
}

int time_rfc3339_parse(const char *s, int64_t *out)
{
	struct tm tm;
	int v[6], i, j;
	static const int at[6] = {0, 5, 8, 11, 14, 17}, len[6] = {4, 2, 2, 2, 2, 2};

	if (!s || !time_rfc3339_shape(s))
		return -1;
	for (i = 0; i < 6; i++)
		for (v[i] = 0, j = 0; j < len[i]; j++)
			v[i] = v[i] * 10 + (s[at[i] + j] - '0');
	memset(&tm, 0, sizeof tm);
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*out = (int64_t)timegm(&tm);
	return 0;
}

int mkdir_p(const char *path, mode_t mode, struct err *e)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path), i;

	if (len == 0 || len >= sizeof tmp)
		return err_set(e, ERR_REFUSED, "%s: bad directory path", path);
	memcpy(tmp, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != 0)
			continue;
		tmp[i] = 0;
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return err_sys(e, ERR_HOST, errno, "%s: mkdir", tmp);
		tmp[i] = path[i];
	}
	return 0;
}

static int remove_at(int parent, const char *name, dev_t dev, int depth,
		     struct err *e)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd;

	if (depth > 256)
		return err_set(e, ERR_HOST, "%s: tree too deep to remove", name);
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0
				       : err_sys(e, ERR_HOST, errno, "%s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
			return err_sys(e, ERR_HOST, errno, "%s: unlink", name);
		return 0;
	}
	if (st.st_dev != dev)
		return err_set(e, ERR_HOST,
			       "%s: a mount is still below it; not removed", name);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, ERR_HOST, errno, "%s", name);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_at(dirfd(d), de->d_name, dev, depth + 1, e) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_sys(e, ERR_HOST, errno, "%s: rmdir", name);
	return 0;
}

int remove_tree_at(int parent, const char *name, struct err *e)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_sys(e, ERR_HOST, errno, "%s", name);
	return remove_at(parent, name, st.st_dev, 0, e);
}

int remove_tree(const char *path, struct err *e)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, ERR_HOST, errno, "%s", path);
	return remove_at(AT_FDCWD, path, st.st_dev, 0, e);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void dir_names_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int dir_names(int dirfd, size_t max, char ***out, size_t *nout, struct err *e)
{
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd, rc = -1;

	/* A descriptor of our own: closedir() closes it. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "open directory");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, ERR_HOST, errno, "opendir");
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				err_sys(e, ERR_HOST, errno, "readdir");
				goto out;
			}
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n >= max) {
			rc = 1;
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof *v);
			if (!nv) {
				err_set(e, ERR_HOST, "out of memory");
				goto out;
			}
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (!v[n]) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_names);
	*out = v;
	*nout = n;
	v = NULL;
	n = 0;
	rc = 0;
out:
	closedir(d);
	dir_names_free(v, n);
	return rc;
}

int self_dir(char *out, size_t size, struct err *e)
{
	char buf[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n < 0)
		return err_sys(e, ERR_HOST, errno, "/proc/self/exe");
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash)
		return err_set(e, ERR_HOST, "/proc/self/exe: unexpected %s", buf);
	*slash = 0;
	if (strlen(buf) >= size)
		return err_set(e, ERR_HOST, "%s: path too long", buf);
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

int open_dir_beneath(int dirfd, const char *rel)
{
	char name[256];
	int fd = dirfd, next;

	while (*rel) {
		size_t n = strcspn(rel, "/");

		if (n == 0 || n >= sizeof name) {
			if (fd != dirfd)
				close(fd);
			errno = EINVAL;
			return -1;
		}
		memcpy(name, rel, n);
		name[n] = '\0';
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd != dirfd)
			close(fd);
		if (next < 0)
			return -1;
		fd = next;
		rel += n + (rel[n] == '/');
	}
	return fd == dirfd ? openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : fd;
}

/* ---- member names ---- */

static int name_safe(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("._+@=,-", c));
}

/* A top-level name that would clash with a listing of changes/. */
static int name_is_listing(const char *name, size_t len)
{
	return len == 8 && (!memcmp(name, ".deleted", 8) || !memcmp(name, ".special", 8));
}

int path_encode_name(const char *name, size_t len, int top, char *out,
		     size_t outsize, size_t *outlen)
{
	static const char hexdig[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		/* ".deleted" and ".special" at the top would clash with
		 * changes/'s listings; "." and ".." would not be safe member
		 * names. */
		int enc = !name_safe(c) ||
			  (i == 0 && top && name_is_listing(name, len)) ||
			  (c == '.' && (len == 1 || (len == 2 && name[1] == '.')));

		if (o + (enc ? 3 : 1) >= outsize) {
			if (outsize)
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
	if (o >= outsize)
		return -1;
	out[o] = 0;
	*outlen = o;
	return 0;
}

int path_encode(const char *path, char *out, size_t outsize)
{
	size_t o = 0, n;
	const char *p = path, *slash;
	int top = 1;

	if (outsize == 0)
		return -1;
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (path_encode_name(p, n, top, out + o, outsize - o, &n) < 0)
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

int mount_id_at(int dirfd, const char *name, uint64_t *out)
{
	struct statx sx;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH),
		  STATX_MNT_ID, &sx) < 0)
		return -1;
	if (!(sx.stx_mask & STATX_MNT_ID)) {
		errno = ENOSYS;
		return -1;
	}
	*out = sx.stx_mnt_id;
	return 0;
}

int private_dir(const char *what, const char *purpose, char *out, size_t size,
		struct err *e)
{
	const char *tmp = getenv("TMPDIR");
	unsigned char rnd[8];
	char hex[17];

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return err_sys(e, ERR_HOST, errno, "getrandom");
	hex_encode(rnd, sizeof rnd, hex);
	/* $TMPDIR, as mktemp does (an absolute path), else /tmp */
	if (!tmp || tmp[0] != '/' || strstr(tmp, "/../") || strlen(tmp) > 256)
		tmp = "/tmp";
	if ((size_t)snprintf(out, size, "%s/labrun-%s.%s", tmp, what, hex) >= size)
		return err_set(e, ERR_BUG, "a private directory's name does not fit");
	if (mkdir(out, 0700) < 0)
		return err_sys(e, ERR_HOST, errno, "%s: %s", out, purpose);
	return 0;
}

int path_clean_abs(const char *p, size_t max)
{
	const char *c;

	if (p[0] != '/' || strlen(p) > max)
		return 0;
	for (c = p; *c; c++)
		if (c[0] == '/' && c[1] == '.' &&
		    (c[2] == '/' || !c[2] || (c[2] == '.' && (c[3] == '/' || !c[3]))))
			return 0;
	return 1;
}

int dir_setting(const char *env_name, const char *from_config,
		const char *key, const char *dflt, const char *example,
		size_t max, const char **out, struct err *e)
{
	const char *env = getenv(env_name);

	*out = dflt;
	if (env && env[0]) {
		*out = env;
		if (!path_clean_abs(env, max))
			return err_set(e, ERR_USAGE,
				       "$%s \"%.80s\": not an absolute path of at most %zu bytes without . or ..; hint: such as %s",
				       env_name, env, max, example);
	} else if (from_config && from_config[0]) {
		*out = from_config;
		if (!path_clean_abs(from_config, max))
			return err_set(e, ERR_USAGE,
				       "the configuration's %s \"%.80s\": not an absolute path of at most %zu bytes without . or ..; hint: such as %s",
				       key, from_config, max, example);
	}
	return 0;
}

/* ---- crash points ---- */

/* LABRUN_CRASH_AT, parsed once: "PHASE", "PHASE:N" (its Nth passage) or
 * "PHASE:SUFFIX" (a path ending so, for rename). */
static struct {
	int read;
	char phase[64];
	char arg[128];
	unsigned seen;
} crash;

static void crash_read(void)
{
	const char *v = getenv("LABRUN_CRASH_AT"), *colon;

	if (crash.read)
		return;
	crash.read = 1;
	if (!v || !*v)
		return;
	colon = strchr(v, ':');
	snprintf(crash.phase, sizeof crash.phase, "%.*s",
		 (int)(colon ? (size_t)(colon - v) : strlen(v)), v);
	snprintf(crash.arg, sizeof crash.arg, "%s", colon ? colon + 1 : "");
}

int crash_due(const char *phase)
{
	uint64_t n = 1;

	crash_read();
	if (!crash.phase[0] || strcmp(crash.phase, phase))
		return 0;
	if (crash.arg[0] && parse_u64(crash.arg, 1, 1000000, &n) < 0)
		return 0;
	return ++crash.seen == n;
}

void crash_point(const char *phase)
{
	if (crash_due(phase))
		kill(getpid(), SIGKILL);
}

int crash_armed(const char *phase)
{
	crash_read();
	return crash.phase[0] && !strcmp(crash.phase, phase);
}

void crash_point_path(const char *phase, const char *path)
{
	size_t lp, la;

	crash_read();
	if (!crash.phase[0] || strcmp(crash.phase, phase))
		return;
	lp = strlen(path);
	la = strlen(crash.arg);
	if (la <= lp && !strcmp(path + lp - la, crash.arg))
		kill(getpid(), SIGKILL);
}
