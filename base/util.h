/* util: the base utilities every module may use: a growable byte buffer,
 * bounded file reads, atomic file writes, checked number parsing, hex and
 * RFC 3339 time.  No third-party library is used here. */
#ifndef LABRUN_UTIL_H
#define LABRUN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct err;

struct buf {
	unsigned char *data; /* always NUL-terminated past len when non-NULL */
	size_t len;          /* bytes */
	size_t cap;          /* bytes */
};

#define BUF_INIT {NULL, 0, 0}

int buf_append(struct buf *b, const void *data, size_t len, struct err *e);
int buf_puts(struct buf *b, const char *s, struct err *e);
int buf_printf(struct buf *b, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Hand the bytes to the caller (who frees them); b becomes empty. */
unsigned char *buf_steal(struct buf *b, size_t *len);
void buf_release(struct buf *b);

/* Read a whole regular file of at most max bytes.  Refuses symlinks,
 * FIFOs, devices and directories; 'what' names the file in messages. */
int read_file_bounded(const char *path, size_t max, struct buf *out,
		      struct err *e);
/* The same, beneath a directory descriptor (no link is followed). */
int read_file_at(int dirfd, const char *name, size_t max, struct buf *out,
		 struct err *e);

/* Write all of data to fd, retrying short writes and EINTR; -1 with
 * errno on failure. */
int write_all(int fd, const void *data, size_t len);

/* Write data to path atomically: a temporary file in the same directory,
 * created O_EXCL with mode, fsync, rename.  On failure nothing exists at
 * path that was not there before and the temporary file is removed. */
int write_file_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, struct err *e);
/* The same without the fsync: a reader sees the old bytes or the new, but
 * after a crash the new file may be empty until the caller has synced
 * (syncfs), for many files written at once that a rerun rewrites. */
int write_file_replace(const char *path, const void *data, size_t len,
		       mode_t mode, struct err *e);

/* Parse a decimal unsigned integer in [min, max]; the whole string must be
 * digits. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

void hex_encode(const unsigned char *in, size_t len, char *out /* 2*len+1 */);
/* Returns the number of bytes written or -1 if s is not even-length hex or
 * does not fit. */
int hex_decode(const char *s, unsigned char *out, size_t outmax);

/* Wall clock in milliseconds since the epoch, and monotonic milliseconds. */
int64_t time_now_ms(void);
int64_t time_mono_ms(void);
int64_t time_mono_us(void);
/* "2026-11-25T12:00:00Z" (UTC, whole seconds). */
void time_rfc3339(int64_t unix_s, char out[32]);
/* 1 when s has exactly that form (digits where digits go), 0 if not. */
int time_rfc3339_shape(const char *s);
/* That form to seconds since the epoch (timegm: the fields as written,
 * not range-checked); -1 when s has not that shape. */
int time_rfc3339_parse(const char *s, int64_t *out);

/* Open the directory rel ("a/b/c") beneath dirfd one name at a time,
 * following no link; -1 with errno when a part is missing, a link or not
 * a directory. */
int open_dir_beneath(int dirfd, const char *rel);

/* Make a directory and its parents (mode for the ones created). */
int mkdir_p(const char *path, mode_t mode, struct err *e);
/* Remove a directory tree without following links; stays on the device of
 * path (a mount below it is refused, not entered). */
int remove_tree(const char *path, struct err *e);
int remove_tree_at(int parent, const char *name, struct err *e);

/* The names in the directory dirfd (not "." and ".."), sorted bytewise
 * so that a walk does not depend on the file system's order.  Returns 0
 * with the list, 1 (and nothing) when there are more than max, -1 on
 * failure. */
int dir_names(int dirfd, size_t max, char ***out, size_t *n, struct err *e);
void dir_names_free(char **v, size_t n);

/* Evidence member names: a relative path percent-encoded so that every
 * member name is plain ASCII (bytes outside [A-Za-z0-9._+@=,-] become
 * %XX; "." and ".." components, and a top-level ".deleted" or ".special",
 * which would clash with changes/'s listings, are encoded too).  The
 * collector names members so, and the grader's read log names the paths it
 * touched so, that the two compare as text.  -1 when it does not fit. */
int path_encode(const char *path, char *out, size_t outsize);
/* One component (top: it is the first); *outlen gets its length. */
int path_encode_name(const char *name, size_t len, int top, char *out,
		     size_t outsize, size_t *outlen);

/* The mount a name beneath dirfd is on ("" for dirfd itself; the name
 * not followed).  Mount ids, not st_dev: an overlay reports its lower
 * files with the device of their layer, yet they are on the overlay. */
int mount_id_at(int dirfd, const char *name, uint64_t *out);

/* A fresh private directory $TMPDIR/labrun-WHAT.RANDOM (TMPDIR as mktemp
 * takes it, else /tmp; mode 0700, made or refused, never reused) for a
 * command's scratch work; purpose says what for in a refusal.  The caller
 * removes it. */
int private_dir(const char *what, const char *purpose, char *out, size_t size,
		struct err *e);

/* An absolute path of at most max bytes without "." or ".." components
 * (a setting that names a directory labrun makes and works in). */
int path_clean_abs(const char *p, size_t max);

/* A directory labrun works in, chosen from the environment variable
 * env_name (first), then the configuration's key (from_config, may be
 * NULL), then dflt; *out points at the choice.  A chosen setting must be
 * path_clean_abs within max bytes: else ERR_USAGE naming where it came
 * from, with example as the hint. */
int dir_setting(const char *env_name, const char *from_config,
		const char *key, const char *dflt, const char *example,
		size_t max, const char **out, struct err *e);

/* Crash points (docs/testing.md, "The crash sweep"): with
 * LABRUN_CRASH_AT=PHASE[:N] in its environment, labrun kills itself with
 * SIGKILL the Nth time (default the first) it passes crash_point(PHASE),
 * as a kill -9 from outside would at that moment; with PHASE:SUFFIX,
 * crash_point_path kills it when path ends in SUFFIX.  Nothing else ever
 * happens: the hook only ends labrun itself. */
void crash_point(const char *phase);
/* crash_point's count alone: whether this passage of PHASE is the one
 * LABRUN_CRASH_AT names, for a process that forks the one to kill (the
 * child's count would start again at each fork). */
int crash_due(const char *phase);
void crash_point_path(const char *phase, const char *path);
/* Whether LABRUN_CRASH_AT names PHASE: the sandbox's side of a crash
 * point waits there for its labrun's end, so that what follows meets a
 * supervisor already gone, every time rather than by chance. */
int crash_armed(const char *phase);

/* Directory of the running executable (readlink /proc/self/exe). */
int self_dir(char *out, size_t size, struct err *e);

#endif
