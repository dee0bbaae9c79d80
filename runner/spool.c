/* spool: the records that keep an attempt from being lost (see spool.h).
 * Records are small JSON files written atomically; an attempt's record
 * names the lock its labrun holds, so whether it still runs is asked of
 * that lock alone (a restart empties /run, and the lock with it).  It
 * reads no evidence and decides no verdict. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/spool.h"

#define RECORD_MAX (64u << 10) /* bytes of one record: a few paths */
#define SPOOL_MAX_LISTED 20000 /* records read at most */

static char dir[STATE_DIR_MAX + 1] = SPOOL_DIR_DEFAULT;

int spool_dir_set(const char *from_config, struct err *e)
{
	const char *d;

	if (dir_setting("LABRUN_SPOOL_DIR", from_config, "spool_dir",
			SPOOL_DIR_DEFAULT, "/var/lib/labrun/spool", STATE_DIR_MAX,
			&d, e) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s", d);
	return 0;
}

const char *spool_dir(void)
{
	return dir;
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 32 && strspn(id, "0123456789abcdef") == n;
}

static void path_of(const char *id, const char *ext, char *out, size_t size)
{
	snprintf(out, size, "%s/%s.%s", dir, id, ext);
}

int spool_ready(struct err *e)
{
	if (mkdir_p(dir, 0700, e) < 0)
		return err_wrap(e, "the spool (where evidence goes that cannot be written at -o); hint: set spool_dir in the configuration, or $LABRUN_SPOOL_DIR");
	if (access(dir, W_OK | X_OK) < 0)
		return err_sys(e, ERR_HOST, errno,
			       "the spool %s cannot be written; hint: set spool_dir in the configuration, or $LABRUN_SPOOL_DIR",
			       dir);
	return 0;
}

static int put(const char *path, json_t *o, struct err *e)
{
	char *text = o ? json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(1)) : NULL;
	int rc;

	json_decref(o);
	if (!text)
		return err_set(e, ERR_HOST, "%s: out of memory", path);
	rc = write_file_atomic(path, text, strlen(text), 0600, e);
	free(text);
	return rc;
}

static json_t *get(const char *path)
{
	struct buf b = BUF_INIT;
	struct err e = {0};
	json_t *o = NULL;

	if (read_file_bounded(path, RECORD_MAX, &b, &e) == 0)
		o = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	buf_release(&b);
	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

int spool_attempt_begin(const struct spool_attempt *a, struct err *e)
{
	char path[PATH_MAX];

	if (!valid_id(a->id))
		return err_set(e, ERR_BUG, "session id %s", a->id);
	path_of(a->id, "attempt", path, sizeof path);
	return put(path, json_pack("{s:s,s:s,s:s,s:s,s:I,s:i,s:i,s:s,s:s,s:s,s:s}",
				   "id", a->id, "mode", a->mode, "scenario", a->scenario,
				   "candidate", a->candidate, "started_ms",
				   (json_int_t)a->started_ms, "time_limit_s",
				   (int)a->time_limit_s, "pid", a->pid, "lock", a->lock,
				   "out", a->out, "bundle", a->bundle, "digest", a->digest),
		   e);
}

void spool_attempt_end(const char *id)
{
	char path[PATH_MAX];

	if (!valid_id(id))
		return;
	path_of(id, "attempt", path, sizeof path);
	unlink(path);
}

void spool_evidence_path(const char *id, char *out, size_t size)
{
	path_of(id, "ev", out, size);
}

/* The attempt's record, renamed to ext with these facts added. */
static int settle(const char *id, const char *ext, const char *verdict,
		  const char *why, struct err *e)
{
	char from[PATH_MAX], to[PATH_MAX];
	json_t *o;

	path_of(id, "attempt", from, sizeof from);
	path_of(id, ext, to, sizeof to);
	o = get(from);
	if (!o)
		o = json_pack("{s:s}", "id", id);
	if (!o || json_object_set_new(o, "verdict", json_string(verdict)) < 0 ||
	    json_object_set_new(o, "why", json_string(why)) < 0 ||
	    json_object_set_new(o, "at_ms", json_integer(time_now_ms())) < 0) {
		json_decref(o);
		return err_set(e, ERR_HOST, "%s: out of memory", to);
	}
	if (put(to, o, e) < 0)
		return -1;
	unlink(from);
	return 0;
}

int spool_attempt_spooled(const char *id, const char *verdict, const char *why,
			  struct err *e)
{
	return settle(id, "spooled", verdict, why, e);
}

int spool_attempt_lost(const char *id, const char *why, struct err *e)
{
	return settle(id, "lost", "error", why, e);
}

/* Whether the lock an attempt's labrun holds is held: the attempt runs. */
static int runs(const char *lock)
{
	int fd, busy;

	if (!lock || lock[0] != '/')
		return 0;
	fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

static const char *str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static int by_start(const void *a, const void *b)
{
	const struct spool_item *x = a, *y = b;

	return x->started_ms < y->started_ms ? -1 : x->started_ms > y->started_ms;
}

int spool_reap(unsigned *found, struct err *e)
{
	char **names = NULL, id[40], path[PATH_MAX];
	size_t count = 0, i, len;
	json_t *o;
	int dfd, rc;

	*found = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : err_sys(e, ERR_HOST, errno, "the spool %s", dir);
	rc = dir_names(dfd, SPOOL_MAX_LISTED, &names, &count, e);
	close(dfd);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(e, ERR_HOST, "the spool %s: more than %d entries", dir,
			       SPOOL_MAX_LISTED);
	for (i = 0; i < count; i++) {
		len = strlen(names[i]);
		if (len <= 8 || len - 8 >= sizeof id || strcmp(names[i] + len - 8, ".attempt"))
			continue;
		snprintf(id, sizeof id, "%.*s", (int)(len - 8), names[i]);
		path_of(id, "attempt", path, sizeof path);
		o = get(path);
		if (valid_id(id) && !runs(o ? str(o, "lock") : NULL) &&
		    settle(id, "lost", "error",
			   "its labrun ended before the session did (it was killed, or the host restarted): nothing of the candidate's work survives; the attempt is an error, not the candidate's fail",
			   e) == 0)
			(*found)++;
		json_decref(o);
	}
	dir_names_free(names, count);
	return 0;
}

int spool_list(struct spool_item **out, size_t *n, unsigned *found,
	       struct err *e)
{
	char **names = NULL, id[40], path[PATH_MAX];
	size_t count = 0, i, len;
	struct spool_item *v = NULL;
	json_t *o;
	int dfd, rc;

	*out = NULL;
	*n = 0;
	if (spool_reap(found, e) < 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : err_sys(e, ERR_HOST, errno, "the spool %s", dir);
	rc = dir_names(dfd, SPOOL_MAX_LISTED, &names, &count, e);
	close(dfd);
	if (rc != 0)
		return rc < 0 ? -1 : err_set(e, ERR_HOST, "the spool %s: more than %d entries",
					     dir, SPOOL_MAX_LISTED);
	v = calloc(count + 1, sizeof *v);
	if (!v) {
		dir_names_free(names, count);
		return err_set(e, ERR_HOST, "out of memory");
	}
	for (i = 0; i < count; i++) {
		struct spool_item *it = &v[*n];
		int lost;

		len = strlen(names[i]);
		lost = len > 5 && !strcmp(names[i] + len - 5, ".lost");
		if (!lost && !(len > 8 && !strcmp(names[i] + len - 8, ".spooled")))
			continue;
		snprintf(id, sizeof id, "%.*s", (int)(len - (lost ? 5 : 8)), names[i]);
		if (!valid_id(id))
			continue;
		path_of(id, lost ? "lost" : "spooled", path, sizeof path);
		if (!(o = get(path)))
			continue;
		memset(it, 0, sizeof *it);
		snprintf(it->id, sizeof it->id, "%s", id);
		it->lost = lost;
		snprintf(it->mode, sizeof it->mode, "%s", str(o, "mode"));
		snprintf(it->scenario, sizeof it->scenario, "%s", str(o, "scenario"));
		snprintf(it->candidate, sizeof it->candidate, "%s", str(o, "candidate"));
		snprintf(it->verdict, sizeof it->verdict, "%s", str(o, "verdict"));
		snprintf(it->out, sizeof it->out, "%s", str(o, "out"));
		snprintf(it->why, sizeof it->why, "%s", str(o, "why"));
		it->started_ms = json_integer_value(json_object_get(o, "started_ms"));
		it->at_ms = json_integer_value(json_object_get(o, "at_ms"));
		if (!lost)
			spool_evidence_path(id, it->evidence, sizeof it->evidence);
		json_decref(o);
		(*n)++;
	}
	dir_names_free(names, count);
	if (*n)
		qsort(v, *n, sizeof *v, by_start);
	*out = v;
	return 0;
}

int spool_fetch(const char *id, const char *to, struct err *e)
{
	char ev[PATH_MAX], rec[PATH_MAX];
	struct buf b = BUF_INIT;
	struct stat st;
	int rc;

	if (!valid_id(id))
		return err_set(e, ERR_USAGE, "%s: not a spooled session's id; hint: labrun spool lists them", id);
	spool_evidence_path(id, ev, sizeof ev);
	path_of(id, "spooled", rec, sizeof rec);
	if (stat(rec, &st) < 0)
		return err_set(e, ERR_REFUSED, "%s: no spooled evidence of that id; hint: labrun spool lists them", id);
	if (lstat(to, &st) == 0)
		return err_set(e, ERR_USAGE, "-o %s: something is there already; hint: name a new file", to);
	if (read_file_bounded(ev, EVIDENCE_MAX_TOTAL, &b, e) < 0)
		return -1;
	rc = write_file_atomic(to, b.data ? b.data : (const unsigned char *)"", b.len, 0644, e);
	buf_release(&b);
	if (rc < 0)
		return -1;
	unlink(ev);
	unlink(rec);
	return 0;
}

int spool_clear(const char *id, struct err *e)
{
	char rec[PATH_MAX];

	if (!valid_id(id))
		return err_set(e, ERR_USAGE, "%s: not a lost attempt's id; hint: labrun spool lists them", id);
	path_of(id, "lost", rec, sizeof rec);
	if (unlink(rec) < 0)
		return errno == ENOENT
			       ? err_set(e, ERR_REFUSED, "%s: no lost attempt of that id (spooled evidence is fetched, not cleared); hint: labrun spool", id)
			       : err_sys(e, ERR_HOST, errno, "%s", rec);
	return 0;
}
