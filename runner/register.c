/* register: the host's register of running sessions, for operators
 * (labrun sessions, labrun end), and where it lives (the state directory).
 * Each session writes STATE/sessions/ID.json
 * beside the lock its sandbox holds (ID.lock) and removes it at its end;
 * an entry whose lock nobody holds is a leftover and is not listed.  The
 * register names sessions; it never decides anything about them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/register.h"

#define ENTRY_MAX 4096 /* bytes of one register entry */

static char state_dir[STATE_DIR_MAX + 1] = STATE_DIR_DEFAULT;
static char state_sessions[STATE_DIR_MAX + 16] = STATE_DIR_DEFAULT "/sessions";

int register_state_dir_set(const char *from_config, struct err *e)
{
	const char *dir;
	size_t n;

	if (dir_setting("LABRUN_STATE_DIR", from_config, "state_dir",
			STATE_DIR_DEFAULT, "/run/labrun-exams", STATE_DIR_MAX,
			&dir, e) < 0)
		return -1;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	snprintf(state_dir, sizeof state_dir, "%.*s", (int)n, dir);
	snprintf(state_sessions, sizeof state_sessions, "%s/sessions",
		 n == 1 ? "" : state_dir);
	return 0;
}

const char *register_state_dir(void)
{
	return state_dir;
}

const char *register_dir(void)
{
	return state_sessions;
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 32 && strspn(id, "0123456789abcdef") == n;
}

int register_add(const struct session_entry *s, struct err *e)
{
	char path[PATH_MAX];
	json_t *o;
	char *text;
	int rc;

	if (!valid_id(s->id))
		return err_set(e, ERR_BUG, "session id %s", s->id);
	o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:I, s:i}", "id", s->id,
		      "pid", (int)s->pid, "mode", s->mode, "scenario", s->scenario,
		      "candidate", s->candidate, "started_ms", (json_int_t)s->started_ms,
		      "time_limit_s", (int)s->time_limit_s);
	text = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text)
		return err_set(e, ERR_HOST, "out of memory");
	snprintf(path, sizeof path, "%s/%s.json", register_dir(), s->id);
	/* Replaced whole but not synced: the register lists live sessions,
	 * and after a crash of the host none is (its lock is gone, and an
	 * entry that cannot be read is skipped and pruned).  A sync here
	 * was a disk flush per session where /run is on a disk. */
	rc = write_file_replace(path, text, strlen(text), 0644, e);
	free(text);
	return rc;
}

void register_remove(const char *id)
{
	char path[PATH_MAX];

	if (!valid_id(id))
		return;
	snprintf(path, sizeof path, "%s/%s.json", register_dir(), id);
	unlink(path);
}

/* Whether the session's sandbox still holds its lock. */
static int held(const char *id)
{
	char path[PATH_MAX];
	int fd, busy;

	snprintf(path, sizeof path, "%s/%s.lock", register_dir(), id);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	busy = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd); /* releases the lock if we took it */
	return busy;
}

static int read_entry(const char *id, struct session_entry *s)
{
	char path[PATH_MAX];
	struct buf b = BUF_INIT;
	struct err e = {0};
	json_t *o;
	const char *mode = NULL, *scn = NULL, *cand = NULL;
	json_int_t started = 0;
	int pid = 0, limit = 0, rc = -1;

	snprintf(path, sizeof path, "%s/%s.json", register_dir(), id);
	if (read_file_bounded(path, ENTRY_MAX, &b, &e) < 0)
		return -1;
	o = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	buf_release(&b);
	if (o && json_unpack(o, "{s:i, s:s, s:s, s:s, s:I, s:i}", "pid", &pid,
			     "mode", &mode, "scenario", &scn, "candidate", &cand,
			     "started_ms", &started, "time_limit_s", &limit) == 0 &&
	    pid > 0) {
		memset(s, 0, sizeof *s);
		snprintf(s->id, sizeof s->id, "%s", id);
		s->pid = pid;
		snprintf(s->mode, sizeof s->mode, "%s", mode);
		snprintf(s->scenario, sizeof s->scenario, "%s", scn);
		snprintf(s->candidate, sizeof s->candidate, "%s", cand);
		s->started_ms = (int64_t)started;
		s->time_limit_s = (unsigned)limit;
		rc = 0;
	}
	json_decref(o);
	return rc;
}

int register_list(struct session_entry **out, size_t *n, struct err *e)
{
	char **names = NULL, id[40];
	size_t count = 0, i, len;
	struct session_entry *v;
	int dfd, rc;

	*out = NULL;
	*n = 0;
	dfd = open(register_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0; /* no session ever ran here */
	rc = dir_names(dfd, SESSIONS_MAX_LISTED, &names, &count, e);
	close(dfd);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(e, ERR_HOST, "%s: more than %d entries", register_dir(),
			       SESSIONS_MAX_LISTED);
	v = calloc(count + 1, sizeof *v);
	if (!v) {
		dir_names_free(names, count);
		return err_set(e, ERR_HOST, "out of memory");
	}
	for (i = 0; i < count; i++) {
		len = strlen(names[i]);
		if (len > 5 && len - 5 < sizeof id && !strcmp(names[i] + len - 5, ".json")) {
			memcpy(id, names[i], len - 5);
			id[len - 5] = 0;
			if (valid_id(id) && held(id) && read_entry(id, &v[*n]) == 0)
				(*n)++;
		}
	}
	dir_names_free(names, count);
	*out = v;
	return 0;
}

/* Whether process pid holds the session's lock open: the labrun that runs
 * it, not whatever process has that number now.  Compared by inode, not
 * by name: the lock is opened under a temporary name and linked into
 * place (sbx_create), so the name the process's fd shows is not the
 * lock's. */
static int holds_lock(int pidfd, pid_t pid, const char *id)
{
	char dir[64], lock[PATH_MAX], link[PATH_MAX + 32];
	char **fds = NULL;
	size_t n = 0, i;
	struct stat want, st;
	struct err e = {0};
	int found = 0, dfd, rc;

	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	snprintf(lock, sizeof lock, "%s/%s.lock", register_dir(), id);
	if (lstat(lock, &want) < 0 || !S_ISREG(want.st_mode))
		return 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	rc = dir_names(dfd, 65536, &fds, &n, &e);
	close(dfd);
	if (rc != 0)
		return 0;
	for (i = 0; i < n && !found; i++) {
		snprintf(link, sizeof link, "%s/%s", dir, fds[i]);
		found = stat(link, &st) == 0 && st.st_dev == want.st_dev &&
			st.st_ino == want.st_ino;
	}
	dir_names_free(fds, n);
	/* still the same process as the pidfd names */
	return found && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

int register_prune(struct err *e)
{
	char **names = NULL, id[40];
	size_t count = 0, i, len;
	int dfd, rc;

	dfd = open(register_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	rc = dir_names(dfd, SESSIONS_MAX_LISTED, &names, &count, e);
	close(dfd);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (i = 0; i < count; i++) {
		len = strlen(names[i]);
		if (len > 5 && len - 5 < sizeof id && !strcmp(names[i] + len - 5, ".json")) {
			memcpy(id, names[i], len - 5);
			id[len - 5] = 0;
			if (valid_id(id) && !held(id))
				register_remove(id);
		}
	}
	dir_names_free(names, count);
	return 0;
}

int register_end(const char *id, struct session_entry *out, struct err *e)
{
	int pidfd, rc;

	if (!valid_id(id))
		return err_set(e, ERR_USAGE, "%s: not a session id; hint: labrun sessions lists them",
			       id);
	if (!held(id) || read_entry(id, out) < 0)
		return err_set(e, ERR_REFUSED, "%s: no such session running here; hint: labrun sessions",
			       id);
	pidfd = (int)syscall(SYS_pidfd_open, out->pid, 0);
	if (pidfd < 0)
		return err_sys(e, ERR_REFUSED, errno, "%s: its labrun (pid %d) is gone",
			       id, (int)out->pid);
	if (!holds_lock(pidfd, out->pid, id)) {
		close(pidfd);
		return err_set(e, ERR_REFUSED,
			       "%s: pid %d is not the labrun that runs this session; nothing was sent",
			       id, (int)out->pid);
	}
	rc = (int)syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
	close(pidfd);
	if (rc < 0)
		return err_sys(e, ERR_HOST, errno, "%s: cannot signal pid %d", id,
			       (int)out->pid);
	return 0;
}
