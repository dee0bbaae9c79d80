/* config: reads the exam host's configuration file (see config.h).  It
 * checks every line strictly and stops at the first problem, naming the
 * file and line; values past labrun's own maxima are refused, not cut. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/config.h"

struct num_key {
	const char *name;
	size_t off;
	unsigned min, max; /* max: labrun's hard maximum */
};

static const struct num_key num_keys[] = {
	{"max_time_s", offsetof(struct config, max_time_s),
	 SESSION_MIN_TIME_S, SESSION_MAX_TIME_S},
	{"max_memory_mb", offsetof(struct config, max_memory_mb),
	 SESSION_MIN_MEMORY_MB, SESSION_MAX_MEMORY_MB},
	{"max_processes", offsetof(struct config, max_processes),
	 SESSION_MIN_PROCS, SESSION_MAX_PROCS},
	{"max_disk_mb", offsetof(struct config, max_disk_mb), 1,
	 SESSION_MAX_DISK_MB},
	{"max_cpu_s", offsetof(struct config, max_cpu_s), 1, SESSION_MAX_CPU_S},
	{"max_open_files", offsetof(struct config, max_open_files),
	 SESSION_MIN_NOFILE, SESSION_MAX_NOFILE},
};

void config_defaults(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < sizeof num_keys / sizeof num_keys[0]; i++)
		*(unsigned *)((char *)c + num_keys[i].off) = num_keys[i].max;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = 0;
	return s;
}

static int set_path(char *dst, const char *v, const char *file, unsigned line,
		    const char *key, struct err *e)
{
	if (v[0] != '/' || strlen(v) >= PATH_MAX)
		return err_set(e, ERR_REFUSED,
			       "%s: line %u: %s: an absolute path, please", file,
			       line, key);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int set_line(struct config *c, char *key, char *val, const char *file,
		    unsigned line, struct err *e)
{
	uint64_t v;
	size_t i;

	if (!strcmp(key, "trust"))
		return set_path(c->trust, val, file, line, key, e);
	if (!strcmp(key, "key"))
		return set_path(c->key, val, file, line, key, e);
	if (!strcmp(key, "exam_bundle"))
		return set_path(c->exam_bundle, val, file, line, key, e);
	if (!strcmp(key, "evidence_dir"))
		return set_path(c->evidence_dir, val, file, line, key, e);
	if (!strcmp(key, "seed_secret"))
		return set_path(c->seed_secret, val, file, line, key, e);
	if (!strcmp(key, "registry"))
		return set_path(c->registry, val, file, line, key, e);
	if (!strcmp(key, "reviewers"))
		return set_path(c->reviewers, val, file, line, key, e);
	if (!strcmp(key, "spool_dir")) {
		if (strlen(val) > STATE_DIR_MAX)
			return err_set(e, ERR_REFUSED, "%s: line %u: spool_dir: at most %d bytes",
				       file, line, STATE_DIR_MAX);
		return set_path(c->spool_dir, val, file, line, key, e);
	}
	if (!strcmp(key, "state_dir")) {
		if (strlen(val) > STATE_DIR_MAX)
			return err_set(e, ERR_REFUSED, "%s: line %u: state_dir: at most %d bytes",
				       file, line, STATE_DIR_MAX);
		return set_path(c->state_dir, val, file, line, key, e);
	}
	for (i = 0; i < sizeof num_keys / sizeof num_keys[0]; i++) {
		if (strcmp(key, num_keys[i].name))
			continue;
		if (parse_u64(val, num_keys[i].min, num_keys[i].max, &v) < 0)
			return err_set(e, ERR_REFUSED,
				       "%s: line %u: %s: \"%s\" is not a number from %u to %u",
				       file, line, key, val, num_keys[i].min,
				       num_keys[i].max);
		*(unsigned *)((char *)c + num_keys[i].off) = (unsigned)v;
		return 0;
	}
	return err_set(e, ERR_REFUSED,
		       "%s: line %u: unknown key \"%s\"; hint: the keys are trust, key, exam_bundle, evidence_dir, seed_secret, registry, state_dir, spool_dir, reviewers, max_time_s, max_memory_mb, max_processes, max_disk_mb, max_cpu_s, max_open_files (docs/operators.md)",
		       file, line, key);
}

int config_parse(const char *name, const void *text, size_t len,
		 struct config *out, struct err *e)
{
	struct config c;
	struct buf b = BUF_INIT;
	char *p, *nl, *eq;
	unsigned line = 0;
	int rc = -1;

	config_defaults(&c);
	if (len > CONFIG_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "%s: too large (%zu bytes, at most %d)",
			       name, len, CONFIG_MAX_BYTES);
	/* a copy: the lines are cut in place */
	if (buf_append(&b, text, len, e) < 0)
		return -1;
	if (strlen((char *)b.data) != b.len) {
		err_set(e, ERR_REFUSED, "%s: a NUL byte; not a text file", name);
		goto out;
	}
	for (p = (char *)b.data; p && *p; p = nl) {
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = 0;
		line++;
		if (strchr(p, '#'))
			*strchr(p, '#') = 0;
		p = trim(p);
		if (!*p)
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			err_set(e, ERR_REFUSED,
				"%s: line %u: not \"key = value\"", name, line);
			goto out;
		}
		*eq = 0;
		if (set_line(&c, trim(p), trim(eq + 1), name, line, e) < 0)
			goto out;
	}
	*out = c;
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

int config_load(const char *path, int required, struct config *out,
		struct err *e)
{
	struct config c;
	struct buf b = BUF_INIT;
	struct stat st;
	int rc;

	config_defaults(&c);
	if (stat(path, &st) < 0 && errno == ENOENT && !required) {
		*out = c;
		return 0;
	}
	if (read_file_bounded(path, CONFIG_MAX_BYTES, &b, e) < 0)
		return -1;
	rc = config_parse(path, b.data, b.len, &c, e);
	buf_release(&b);
	if (rc < 0)
		return -1;
	if (strlen(path) >= sizeof c.source)
		return err_set(e, ERR_REFUSED, "%s: path too long", path);
	memcpy(c.source, path, strlen(path) + 1);
	*out = c;
	return 0;
}
