/* faultkinds: the table of fault kinds (see faultkinds.h) and, for each
 * kind, the functions of its row: the check of its keys in scenario.json,
 * its part of the sandbox's configuration, its application to the
 * scenario's files, and its record.
 *
 * Problems are reported as `labrun validate` shows them, through the
 * schema toolkit (schema.h); the order of the checks is the order of the
 * problems, which tests/e2e/1000-validate.sh pins.  It does not touch the
 * disk but through a file fault's apply, which faults.c calls with the
 * fault's directory already opened beneath the tree. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/evidence.h"
#include "runner/faultkinds.h"
#include "runner/scenario.h"
#include "runner/schema.h"
#include "runner/sign.h"
#include "runner/sysfaults.h"
#include "runner/tarball.h"
#include "sandbox/sandbox.h"
#include "scenarios/platform/sim.h"

/* ---- checks of scenario.json's $.faults ---- */

/* The errnos a syscall fault may return, by name. */
static const struct {
	const char *name;
	int err;
} fault_errnos[] = {
	{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EACCES", EACCES}, {"EPERM", EPERM},
	{"ENOENT", ENOENT}, {"EROFS", EROFS}, {"EAGAIN", EAGAIN},
	{"EBUSY", EBUSY}, {"EMFILE", EMFILE}, {"ENFILE", ENFILE},
	{"EDQUOT", EDQUOT}, {"ETIMEDOUT", ETIMEDOUT},
	{"ECONNREFUSED", ECONNREFUSED}, {"ECONNRESET", ECONNRESET},
	{"ENETUNREACH", ENETUNREACH}, {"EHOSTUNREACH", EHOSTUNREACH},
	{"EINTR", EINTR}, {"ENOMEM", ENOMEM}, {"EEXIST", EEXIST},
	{"ENOTDIR", ENOTDIR}, {"EISDIR", EISDIR}, {"EINVAL", EINVAL},
	{"EFBIG", EFBIG}, {"ESTALE", ESTALE}, {"EXDEV", EXDEV},
	{"ELOOP", ELOOP}, {"ENAMETOOLONG", ENAMETOOLONG},
	{"ETXTBSY", ETXTBSY},
};

static const struct {
	const char *name;
	int signo;
} fault_signals[] = {
	{"SIGKILL", 9}, {"SIGTERM", 15}, {"SIGINT", 2}, {"SIGHUP", 1},
	{"SIGQUIT", 3}, {"SIGUSR1", 10}, {"SIGUSR2", 12}, {"SIGSTOP", 19},
	{"SIGABRT", 6}, {"SIGSEGV", 11},
};

static int fault_num(struct schema *c, json_t *o, const char *key, size_t i,
		     unsigned long long max, unsigned long long *out)
{
	char path[SCHEMA_PATH_SIZE];
	json_t *v = json_object_get(o, key);

	snprintf(path, sizeof path, "$.faults[%zu].%s", i, key);
	if (!v) {
		schema_problem(c, "%s: %s: missing", c->file, path);
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (unsigned long long)json_integer_value(v) > max) {
		schema_problem(c, "%s: %s: must be an integer from 0 to %llu", c->file,
			path, max);
		return -1;
	}
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

/* An optional number key of a syscall fault within [min, max]. */
static int opt_num(struct schema *c, json_t *item, size_t i, const char *key,
		   unsigned long long min, unsigned long long max,
		   unsigned long long dflt, unsigned long long *out)
{
	json_t *v = json_object_get(item, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (unsigned long long)json_integer_value(v) < min ||
	    (unsigned long long)json_integer_value(v) > max) {
		schema_problem(c, "%s: $.faults[%zu].%s: must be an integer from %llu to %llu",
			c->file, i, key, min, max);
		return -1;
	}
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

static const char *opt_str(struct schema *c, json_t *item, size_t i,
			   const char *key, int required, const char *hint)
{
	char path[SCHEMA_PATH_SIZE];
	json_t *x = json_object_get(item, key);

	snprintf(path, sizeof path, "$.faults[%zu].%s", i, key);
	if (!x) {
		if (required)
			schema_problem(c, "%s: %s: missing; hint: %s", c->file, path, hint);
		return NULL;
	}
	return schema_want_string(c, x, path);
}

/* file.*: the path of a file the scenario lays into system/ (what it
 * names is checked with the tree: fault_plan_check_files). */
static const char *file_path(struct schema *c, json_t *item, size_t i)
{
	char q[SCHEMA_SHOW_SIZE], path[SCHEMA_PATH_SIZE];
	const char *fp;
	json_t *x;

	snprintf(path, sizeof path, "$.faults[%zu].path", i);
	x = json_object_get(item, "path");
	fp = x ? schema_want_string(c, x, path) : NULL;
	if (!x)
		schema_problem(c, "%s: %s: missing", c->file, path);
	if (!fp)
		return NULL;
	if (!schema_is_sandbox_path(fp)) {
		schema_problem(c, "%s: %s: \"%s\" is not an absolute path in the sandbox",
			       c->file, path, schema_show_str(q, fp));
		return NULL;
	}
	return fp;
}

static int check_replace(struct schema *c, json_t *item, size_t i,
			 struct fault *f, const struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE], path[SCHEMA_PATH_SIZE];
	const char *fp = file_path(c, item, i), *from;
	json_t *x;

	if (!fp)
		return -1;
	snprintf(path, sizeof path, "$.faults[%zu].from", i);
	x = json_object_get(item, "from");
	from = x ? schema_want_string(c, x, path) : NULL;
	if (!x)
		schema_problem(c, "%s: %s: missing; hint: a file under faults/, such as \"faults/policy-v7.json\"",
			       c->file, path);
	if (!from)
		return -1;
	if (strncmp(from, "faults/", 7) || !schema_is_sandbox_path(from + 6)) {
		schema_problem(c, "%s: %s: \"%s\" is not a file under faults/",
			       c->file, path, schema_show_str(q, from));
		return -1;
	}
	if (schema_keep(c, &f->from, from) < 0)
		return -1;
	return schema_keep(c, &f->path, fp);
}

static int check_truncate(struct schema *c, json_t *item, size_t i,
			  struct fault *f, const struct scenario *s)
{
	const char *fp = file_path(c, item, i);

	if (!fp || fault_num(c, item, "size", i, BUNDLE_MAX_FILE, &f->size) < 0)
		return -1;
	return schema_keep(c, &f->path, fp);
}

static int check_garbage(struct schema *c, json_t *item, size_t i,
			 struct fault *f, const struct scenario *s)
{
	const char *fp = file_path(c, item, i);

	if (!fp ||
	    fault_num(c, item, "offset", i, BUNDLE_MAX_FILE, &f->offset) < 0 ||
	    fault_num(c, item, "length", i, FAULT_MAX_GARBAGE, &f->length) < 0)
		return -1;
	return schema_keep(c, &f->path, fp);
}

static int check_delete(struct schema *c, json_t *item, size_t i,
			struct fault *f, const struct scenario *s)
{
	const char *fp = file_path(c, item, i);

	if (!fp)
		return -1;
	return schema_keep(c, &f->path, fp);
}

static int check_chmod(struct schema *c, json_t *item, size_t i,
		       struct fault *f, const struct scenario *s)
{
	char path[SCHEMA_PATH_SIZE];
	const char *fp = file_path(c, item, i), *mode;
	json_t *x;

	if (!fp)
		return -1;
	snprintf(path, sizeof path, "$.faults[%zu].mode", i);
	x = json_object_get(item, "mode");
	mode = x ? schema_want_string(c, x, path) : NULL;
	if (!mode || strlen(mode) != 4 || mode[0] != '0' ||
	    strspn(mode + 1, "01234567") != 3) {
		schema_problem(c, "%s: %s: an octal mode as a string, such as \"0600\"",
			       c->file, path);
		return -1;
	}
	f->mode = (unsigned)strtoul(mode, NULL, 8);
	return schema_keep(c, &f->path, fp);
}

/* process.kill: a service of the scenario, a signal, a time;
 * process.freeze: a service and a time; process.crashloop: a service
 * started again, and when and how often it crashes. */
static int check_process(struct schema *c, json_t *item, size_t i,
			 struct fault *f, const struct scenario *s)
{
	enum fault_kind kind = f->kind;
	char q[SCHEMA_SHOW_SIZE], path[SCHEMA_PATH_SIZE];
	const char *svc, *sig, *when, *while_file = NULL;
	unsigned long long at = 0;
	json_t *x;
	size_t j;

	snprintf(path, sizeof path, "$.faults[%zu].service", i);
	x = json_object_get(item, "service");
	svc = x ? schema_want_string(c, x, path) : NULL;
	if (!x)
		schema_problem(c, "%s: %s: missing; hint: the name of one of $.services",
			c->file, path);
	if (!svc)
		return -1;
	for (j = 0; j < s->nservices; j++)
		if (!strcmp(s->services[j].name, svc))
			break;
	if (j == s->nservices) {
		schema_problem(c, "%s: %s: \"%s\" is not one of $.services", c->file,
			path, schema_show_str(q, svc));
		return -1;
	}
	if (kind == FAULT_PROCESS_CRASHLOOP && !s->services[j].restart) {
		schema_problem(c, "%s: $.faults[%zu]: service \"%s\" is never started again, so it cannot crash-loop; hint: give it \"restart\": \"on-request\" or \"always\" in $.services[%zu]",
			c->file, i, schema_show_str(q, svc), s->services[j].at);
		return -1;
	}
	f->signo = 11; /* a crash loop: SIGSEGV unless it says */
	if (kind == FAULT_PROCESS_KILL ||
	    (kind == FAULT_PROCESS_CRASHLOOP && json_object_get(item, "signal"))) {
		snprintf(path, sizeof path, "$.faults[%zu].signal", i);
		x = json_object_get(item, "signal");
		sig = x ? schema_want_string(c, x, path) : NULL;
		for (j = 0; sig && j < sizeof fault_signals / sizeof *fault_signals; j++)
			if (!strcmp(sig, fault_signals[j].name))
				break;
		if (!sig || j == sizeof fault_signals / sizeof *fault_signals) {
			schema_problem(c, "%s: %s: a signal name such as \"SIGKILL\" or \"SIGTERM\"",
				c->file, path);
			return -1;
		}
		f->signo = fault_signals[j].signo;
	}
	if (json_object_get(item, "at_s") &&
	    fault_num(c, item, "at_s", i, SESSION_MAX_TIME_S, &at) < 0)
		return -1;
	if (json_object_get(item, "after_requests") &&
	    (fault_num(c, item, "after_requests", i, FAULT_MAX_COUNT,
		       &f->after_requests) < 0 ||
	     !f->after_requests)) {
		if (!f->after_requests)
			schema_problem(c, "%s: $.faults[%zu].after_requests: at least 1; hint: leave it out to fault at once",
				c->file, i);
		return -1;
	}
	if (kind == FAULT_PROCESS_CRASHLOOP) {
		unsigned long long ms = 200, times = 0;

		if ((json_object_get(item, "after_ms") &&
		     fault_num(c, item, "after_ms", i, FAULT_MAX_DELAY_MS, &ms) < 0) ||
		    (json_object_get(item, "times") &&
		     fault_num(c, item, "times", i, FAULT_MAX_CRASHES, &times) < 0))
			return -1;
		f->crash_after_ms = (unsigned)ms;
		f->crash_times = (unsigned)times;
		while_file = opt_str(c, item, i, "while_file", 0, "");
		if (while_file && !schema_is_sandbox_path(while_file)) {
			schema_problem(c, "%s: $.faults[%zu].while_file: \"%s\" is not an absolute path in the sandbox; hint: the file whose presence keeps the service crashing, such as \"/var/lib/app/stale.lock\"",
				c->file, i, schema_show_str(q, while_file));
			return -1;
		}
	}
	when = opt_str(c, item, i, "when_file", 0, "");
	if (when && !schema_is_sandbox_path(when)) {
		schema_problem(c, "%s: $.faults[%zu].when_file: \"%s\" is not an absolute path in the sandbox; hint: the file whose appearance sets the fault off, such as \"/home/candidate/answers/restarted\"",
			c->file, i, schema_show_str(q, when));
		return -1;
	}
	f->at_s = (unsigned)at;
	if (schema_keep(c, &f->service, svc) < 0 ||
	    (when && schema_keep(c, &f->when_file, when) < 0) ||
	    (while_file && schema_keep(c, &f->while_file, while_file) < 0))
		return -1;
	return 0;
}

/* What every syscall fault names: a family of calls, the file or the
 * port the calls must name, whose calls they are; and its schedule.  bad:
 * a key was wrong (and reported), the kind's own keys are checked all the
 * same. */
struct syscall_keys {
	const char *call, *path, *target;
	int bad;
};

/* The keys every syscall fault shares into f and k; -1 when there is no
 * family to check the rest against. */
static int syscall_common(struct schema *c, json_t *item, size_t i,
			  struct fault *f, const struct scenario *s,
			  struct syscall_keys *k)
{
	char q[SCHEMA_SHOW_SIZE], families[256] = "";
	unsigned long long n;
	json_t *pv;
	size_t j;

	memset(k, 0, sizeof *k);
	for (j = 0; sbx_trap_family(j); j++)
		snprintf(families + strlen(families),
			 sizeof families - strlen(families), "%s%s",
			 j ? ", " : "", sbx_trap_family(j)->name);
	k->call = opt_str(c, item, i, "call", 1, "a family of calls, one of the list in docs/faults.md");
	if (!k->call)
		return -1;
	f->family = sbx_trap_family_index(k->call);
	if (f->family < 0) {
		if (sbx_trap_is_hot(k->call))
			schema_problem(c, "%s: $.faults[%zu].call: \"%s\" is never intercepted: every program makes it all the time; hint: fault the open or the fsync instead (%s)",
				c->file, i, schema_show_str(q, k->call), families);
		else
			schema_problem(c, "%s: $.faults[%zu].call: \"%s\" is not a family of calls; hint: one of %s",
				c->file, i, schema_show_str(q, k->call), families);
		return -1;
	}
	k->path = opt_str(c, item, i, "path", 0, "");
	if (k->path && !schema_is_sandbox_path(k->path)) {
		schema_problem(c, "%s: $.faults[%zu].path: \"%s\" is not an absolute path in the sandbox",
			c->file, i, schema_show_str(q, k->path));
		k->bad = 1;
	}
	if (k->path && !strcmp(k->call, "connect")) {
		schema_problem(c, "%s: $.faults[%zu].path: connect names an address, not a file; hint: \"port\"",
			c->file, i);
		k->bad = 1;
	}
	if (json_object_get(item, "port") && strcmp(k->call, "connect")) {
		schema_problem(c, "%s: $.faults[%zu].port: only connect names a port",
			c->file, i);
		k->bad = 1;
	}
	if (opt_num(c, item, i, "port", 1, 65535, 0, &n) < 0)
		k->bad = 1;
	f->port = (int)n;
	k->target = opt_str(c, item, i, "target", 0, "");
	f->target = FAULT_TARGET_SERVICES;
	if (k->target && !strcmp(k->target, "candidate")) {
		f->target = FAULT_TARGET_CANDIDATE;
	} else if (k->target && !strcmp(k->target, "all")) {
		f->target = FAULT_TARGET_ALL;
	} else if (k->target && strcmp(k->target, "services")) {
		for (j = 0; j < s->nservices; j++)
			if (!strcmp(s->services[j].name, k->target))
				break;
		if (j == s->nservices) {
			schema_problem(c, "%s: $.faults[%zu].target: \"%s\" is not a target; hint: \"services\" (the default), \"candidate\", \"all\", or a name of $.services",
				c->file, i, schema_show_str(q, k->target));
			k->bad = 1;
		}
		f->target = FAULT_TARGET_SERVICE;
	}
	if ((f->target == FAULT_TARGET_SERVICES) && s->nservices == 0) {
		schema_problem(c, "%s: $.faults[%zu].target: the scenario has no services to fault; hint: \"target\": \"candidate\"",
			c->file, i);
		k->bad = 1;
	}
	if (opt_num(c, item, i, "after", 0, FAULT_MAX_COUNT, 0, &f->after) < 0 ||
	    opt_num(c, item, i, "every", 1, FAULT_MAX_COUNT, 1, &f->every) < 0 ||
	    opt_num(c, item, i, "limit", 0, FAULT_MAX_COUNT, 0, &f->limit) < 0)
		k->bad = 1;
	f->probability = 1.0;
	if ((pv = json_object_get(item, "probability"))) {
		if (!json_is_number(pv) || json_number_value(pv) <= 0 ||
		    json_number_value(pv) > 1) {
			schema_problem(c, "%s: $.faults[%zu].probability: a number above 0 and at most 1 (the share of the scheduled calls hit, drawn from the session's seed)",
				c->file, i);
			k->bad = 1;
		} else {
			f->probability = json_number_value(pv);
		}
	}
	return 0;
}

/* Keep what a syscall fault's check found good (unless a key was bad). */
static int syscall_keep(struct schema *c, struct fault *f,
			const struct syscall_keys *k, const char *errname,
			const char *with)
{
	if (k->bad)
		return -1;
	if (schema_keep(c, &f->call, k->call) < 0 ||
	    (k->path && schema_keep(c, &f->path, k->path) < 0) ||
	    (errname && schema_keep(c, &f->err_name, errname) < 0) ||
	    (with && schema_keep(c, &f->with, with) < 0) ||
	    /* a file of the tree: checked with the other sources */
	    (with && !strncmp(with, "faults/", 7) && schema_keep(c, &f->from, with) < 0) ||
	    (k->target && f->target == FAULT_TARGET_SERVICE &&
	     schema_keep(c, &f->service, k->target) < 0))
		return -1;
	return 0;
}

/* syscall.errno: the calls fail with an errno of fault_errnos. */
static int check_errno(struct schema *c, json_t *item, size_t i,
		       struct fault *f, const struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE];
	struct syscall_keys k;
	const char *x;
	size_t j;

	if (syscall_common(c, item, i, f, s, &k) < 0)
		return -1;
	x = opt_str(c, item, i, "errno", 1, "a name such as \"EIO\" or \"ENOSPC\"");
	for (j = 0; x && j < sizeof fault_errnos / sizeof *fault_errnos; j++)
		if (!strcmp(x, fault_errnos[j].name))
			break;
	if (!x || j == sizeof fault_errnos / sizeof *fault_errnos) {
		if (x)
			schema_problem(c, "%s: $.faults[%zu].errno: \"%s\" is not an errno labrun injects; hint: EIO, ENOSPC, EACCES, EPERM, ENOENT, EROFS, EAGAIN, ETIMEDOUT, ECONNREFUSED, ... (docs/faults.md)",
				c->file, i, schema_show_str(q, x));
		return -1;
	}
	f->err = fault_errnos[j].err;
	return syscall_keep(c, f, &k, x, NULL);
}

/* syscall.file: an open hands back /dev/full or a file of faults/. */
static int check_reopen(struct schema *c, json_t *item, size_t i,
			struct fault *f, const struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE];
	struct syscall_keys k;
	const char *x;

	if (syscall_common(c, item, i, f, s, &k) < 0)
		return -1;
	x = opt_str(c, item, i, "with", 1, "\"/dev/full\" or a file under faults/");
	if (!x)
		return -1;
	if (strcmp(k.call, "open")) {
		schema_problem(c, "%s: $.faults[%zu].call: only an open can hand back another file; hint: \"call\": \"open\"",
			c->file, i);
		k.bad = 1;
	}
	if (strcmp(x, "/dev/full") &&
	    (strncmp(x, "faults/", 7) || !schema_is_sandbox_path(x + 6))) {
		schema_problem(c, "%s: $.faults[%zu].with: \"%s\" is neither \"/dev/full\" nor a file under faults/",
			c->file, i, schema_show_str(q, x));
		k.bad = 1;
	}
	if (!k.path && !k.bad) {
		schema_problem(c, "%s: $.faults[%zu].path: missing; hint: the file whose opens hand back the other one",
			c->file, i);
		k.bad = 1;
	}
	return syscall_keep(c, f, &k, NULL, x);
}

/* syscall.delay: the calls run delay_ms late. */
static int check_delay(struct schema *c, json_t *item, size_t i,
		       struct fault *f, const struct scenario *s)
{
	struct syscall_keys k;
	unsigned long long n;

	if (syscall_common(c, item, i, f, s, &k) < 0)
		return -1;
	if (opt_num(c, item, i, "delay_ms", 1, FAULT_MAX_DELAY_MS, 0, &n) < 0)
		return -1;
	if (!json_object_get(item, "delay_ms")) {
		schema_problem(c, "%s: $.faults[%zu].delay_ms: missing; hint: milliseconds, 1 to %d",
			c->file, i, FAULT_MAX_DELAY_MS);
		return -1;
	}
	f->delay_ms = (unsigned)n;
	return syscall_keep(c, f, &k, NULL, NULL);
}

/* net.refuse, net.drop: a loopback TCP port, blocked by nftables rules
 * loaded with the sandbox. */
static int check_net(struct schema *c, json_t *item, size_t i,
		     struct fault *f, const struct scenario *s)
{
	unsigned long long n;

	if (!json_object_get(item, "port")) {
		schema_problem(c, "%s: $.faults[%zu].port: missing; hint: the TCP port a service listens on",
			c->file, i);
		return -1;
	}
	if (opt_num(c, item, i, "port", 1, 65535, 0, &n) < 0)
		return -1;
	f->port = (int)n;
	return 0;
}

/* disk.full, disk.inodes: a directory of system/ that becomes a small
 * filesystem with the sandbox. */
static int check_disk(struct schema *c, json_t *item, size_t i,
		      struct fault *f, const struct scenario *s)
{
	enum fault_kind kind = f->kind;
	char q[SCHEMA_SHOW_SIZE];
	const char *fp;

	fp = opt_str(c, item, i, "path", 1, "a directory under system/, such as \"/var/log/agent\"");
	if (!fp)
		return -1;
	if (!schema_is_sandbox_path(fp) || !strcmp(fp, "/")) {
		schema_problem(c, "%s: $.faults[%zu].path: \"%s\" is not a directory path in the sandbox",
			c->file, i, schema_show_str(q, fp));
		return -1;
	}
	if (opt_num(c, item, i, kind == FAULT_DISK_FULL ? "free_kb" : "free_inodes",
			0, FAULT_MAX_FREE, 0, &f->free) < 0)
		return -1;
	return schema_keep(c, &f->path, fp);
}

/* clock.offset: the services' clock (or one service's), through
 * libfaketime in their environment; one per plan. */
static int check_clock(struct schema *c, json_t *item, size_t i,
		       struct fault *f, const struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE];
	const char *tgt;
	json_t *v;
	size_t j;

	v = json_object_get(item, "offset_s");
	if (!v || !json_is_integer(v) ||
	    json_integer_value(v) < -FAULT_MAX_CLOCK_S ||
	    json_integer_value(v) > FAULT_MAX_CLOCK_S) {
		schema_problem(c, "%s: $.faults[%zu].offset_s: %s; hint: seconds the clock runs ahead (or behind, negative), at most %lld either way",
			c->file, i, v ? "must be an integer" : "missing",
			(long long)FAULT_MAX_CLOCK_S);
		return -1;
	}
	f->offset_s = (long long)json_integer_value(v);
	f->rate = 1.0;
	v = json_object_get(item, "rate");
	if (v && (!json_is_number(v) || json_number_value(v) < 0.01 ||
		  json_number_value(v) > 100)) {
		schema_problem(c, "%s: $.faults[%zu].rate: a number from 0.01 to 100 (seconds of the service's clock per real second)",
			c->file, i);
		return -1;
	}
	if (v)
		f->rate = json_number_value(v);
	tgt = opt_str(c, item, i, "target", 0, "");
	if (tgt && strcmp(tgt, "services")) {
		for (j = 0; j < s->nservices; j++)
			if (!strcmp(s->services[j].name, tgt))
				break;
		if (j == s->nservices) {
			schema_problem(c, "%s: $.faults[%zu].target: \"%s\" is not a target; hint: \"services\" (the default) or a name of $.services",
				c->file, i, schema_show_str(q, tgt));
			return -1;
		}
	} else {
		tgt = NULL;
	}
	if (s->nservices == 0) {
		schema_problem(c, "%s: $.faults[%zu]: the scenario has no services whose clock could run off",
			c->file, i);
		return -1;
	}
	for (j = 0; j < s->nfaults; j++)
		if (s->faults[j].kind == FAULT_CLOCK_OFFSET) {
			schema_problem(c, "%s: $.faults[%zu]: a plan has at most one clock.offset",
				c->file, i);
			return -1;
		}
	if (tgt && schema_keep(c, &f->service, tgt) < 0)
		return -1;
	return 0;
}

/* A fault of the simulated platform: kept as JSON for agentd, which
 * knows its keys; the dry run (dryrun.c) has agentd's engine check it
 * against the scenario's platform.json. */
static int check_platform(struct schema *c, json_t *item, size_t i,
			  struct fault *f, const struct scenario *s)
{
	char *text = json_dumps(item, JSON_COMPACT);

	if (!text) {
		c->oom = 1;
		return -1;
	}
	f->platform_json = text;
	return schema_keep(c, &f->platform_kind,
			   json_string_value(json_object_get(item, "kind")));
}

/* The keys each platform kind takes, as agentd reads them
 * (scenarios/platform/sim_config.c, load_faults): every kind takes id,
 * kind, at_s and until_s.  agentd accepts any of its keys on any kind;
 * checked here per kind, a key the kind ignores (an "agent" on
 * platform.approval_stuck) is a problem with the kind's own list and a
 * "did you mean".  tests/unit/test_faultkinds.c holds it to agentd's kinds. */
#define PLATFORM_KEYS "id", "kind", "at_s", "until_s"
static const struct {
	const char *kind;
	const char *const *keys;
} platform_kinds[] = {
	{"platform.policy_deploy", (const char *const[]){PLATFORM_KEYS, "version", NULL}},
	{"platform.tool_outage", (const char *const[]){PLATFORM_KEYS, "tool", NULL}},
	{"platform.tool_slow", (const char *const[]){PLATFORM_KEYS, "tool", "latency_ms", NULL}},
	{"platform.model_drift", (const char *const[]){PLATFORM_KEYS, "model", "version", NULL}},
	{"platform.duplicate_delivery", (const char *const[]){PLATFORM_KEYS, "tool", "probability_pm", NULL}},
	{"platform.span_loss", (const char *const[]){PLATFORM_KEYS, "probability_pm", NULL}},
	{"platform.clock_skew", (const char *const[]){PLATFORM_KEYS, "tool", "offset_ms", NULL}},
	{"platform.secret_leak", (const char *const[]){PLATFORM_KEYS, "secret", NULL}},
	{"platform.approval_stuck", (const char *const[]){PLATFORM_KEYS, NULL}},
	{"platform.agent_loop", (const char *const[]){PLATFORM_KEYS, "agent", NULL}},
	{"platform.gate_open", (const char *const[]){PLATFORM_KEYS, "model", "min_quality", NULL}},
	{"platform.threshold_change", (const char *const[]){PLATFORM_KEYS, "value", NULL}},
	{"platform.adapter_upgrade", (const char *const[]){PLATFORM_KEYS, "tool", "version", NULL}},
};

const char *const *fault_platform_keys(const char *kind)
{
	for (size_t i = 0; i < sizeof platform_kinds / sizeof *platform_kinds; i++)
		if (!strcmp(platform_kinds[i].kind, kind))
			return platform_kinds[i].keys;
	return NULL;
}

/* The service that runs agentd, and the platform faults as one array
 * for it.  Platform faults need that service. */
void fault_plan_check_platform(struct schema *c, struct scenario *s)
{
	struct buf all = BUF_INIT;
	size_t i, n = 0;

	s->platform_service = SIZE_MAX;
	for (i = 0; i < s->nservices; i++)
		if (s->services[i].argc && !strcmp(s->services[i].argv[0], SCENARIO_AGENTD)) {
			if (s->platform_service != SIZE_MAX)
				schema_problem(c, "%s: $.services[%zu].argv[0]: a second agentd; hint: one platform per scenario",
					c->file, i);
			else
				s->platform_service = i;
		}
	for (i = 0; i < s->nfaults; i++) {
		if (s->faults[i].kind != FAULT_PLATFORM)
			continue;
		if (buf_puts(&all, n++ ? "," : "[", NULL) < 0 ||
		    buf_puts(&all, s->faults[i].platform_json, NULL) < 0)
			c->oom = 1;
	}
	if (n && s->platform_service == SIZE_MAX)
		schema_problem(c, "%s: $.faults: platform faults need the platform; hint: a service whose argv[0] is \"%s\" (docs/platform.md)",
			c->file, SCENARIO_AGENTD);
	if (n && buf_puts(&all, "]", NULL) == 0)
		s->platform_faults = (char *)buf_steal(&all, NULL);
	buf_release(&all);
}

/* ---- the plan ---- */

static const struct fault_kind_row *kind_named(const char *name);
static void kind_list(char *out, size_t size);

void fault_plan_check(struct schema *c, json_t *v, struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE], path[SCHEMA_PATH_SIZE], list[512];
	const struct fault_kind_row *row;
	const char *id, *kind;
	struct fault *f;
	json_t *item, *x;
	size_t i, j, found;

	if (!json_is_array(v) || json_array_size(v) > SCENARIO_MAX_FAULTS) {
		schema_problem(c, "%s: $.faults: must be an array of at most %d faults; hint: [{\"id\": \"bad-policy\", \"kind\": \"file.replace\", \"path\": \"/etc/app/policy.json\", \"from\": \"faults/policy-v7.json\"}]",
			       c->file, SCENARIO_MAX_FAULTS);
		return;
	}
	s->faults = calloc(json_array_size(v) + 1, sizeof *s->faults);
	if (!s->faults) {
		c->oom = 1;
		return;
	}
	kind_list(list, sizeof list);
	json_array_foreach(v, i, item) {
		snprintf(path, sizeof path, "$.faults[%zu]", i);
		if (!json_is_object(item)) {
			schema_problem(c, "%s: %s: must be an object, not %s", c->file,
				       path, schema_type_name(item));
			continue;
		}
		snprintf(path, sizeof path, "$.faults[%zu].kind", i);
		x = json_object_get(item, "kind");
		kind = x ? schema_want_string(c, x, path) : NULL;
		if (!x)
			schema_problem(c, "%s: %s: missing; hint: one of %s",
				       c->file, path, list);
		if (!kind)
			continue;
		row = kind_named(kind);
		if (!row) {
			schema_problem(c, "%s: %s: \"%s\" is not a fault kind; hint: one of %s",
				       c->file, path, schema_show_str(q, kind), list);
			continue;
		}
		snprintf(path, sizeof path, "$.faults[%zu]", i);
		found = c->found;
		if (row->keys)
			schema_unknown_keys(c, item, path, row->keys);
		else if (fault_platform_keys(kind))
			schema_unknown_keys(c, item, path, fault_platform_keys(kind));
		/* a platform fault with a key agentd would refuse is not
		 * handed to agentd: its problem is said once, here */
		if (row->kind == FAULT_PLATFORM && c->found > found)
			continue;
		snprintf(path, sizeof path, "$.faults[%zu].id", i);
		x = json_object_get(item, "id");
		id = x ? schema_want_string(c, x, path) : NULL;
		if (!x)
			schema_problem(c, "%s: %s: missing; hint: a short id such as \"bad-policy\"",
				       c->file, path);
		if (!id)
			continue;
		if (!schema_is_check_id(id)) {
			schema_problem(c, "%s: %s: \"%s\" is not a fault id; hint: lowercase letters, digits, '.', '_' and '-'",
				       c->file, path, schema_show_str(q, id));
			continue;
		}
		for (j = 0; j < s->nfaults; j++)
			if (!strcmp(s->faults[j].id, id))
				break;
		if (j < s->nfaults) {
			schema_problem(c, "%s: %s: \"%s\" names two faults", c->file,
				       path, id);
			continue;
		}
		/* A fault that fails its check is not kept: the next one is
		 * checked in the same slot. */
		f = &s->faults[s->nfaults];
		f->kind = row->kind;
		f->at = i;
		if (row->check(c, item, i, f, s) < 0 || schema_keep(c, &f->id, id) < 0)
			continue;
		s->nfaults++;
	}
}

/* A fault's file must be in the tree: its target under system/ (but for
 * a replace, which may create it), its source under faults/. */
void fault_plan_check_files(struct schema *c, const struct tar_list *files,
			    const struct scenario *s)
{
	char name[SERVICE_MAX_ARG + 16], q[SCHEMA_SHOW_SIZE];
	const struct tar_entry *t;
	size_t i;

	for (i = 0; i < s->nfaults; i++) {
		const struct fault *f = &s->faults[i];

		if (f->kind == FAULT_DISK_FULL || f->kind == FAULT_DISK_INODES) {
			snprintf(name, sizeof name, "system%s", f->path);
			t = tar_list_find(files, name);
			if (!t || !t->is_dir)
				schema_problem(c, "%s: $.faults[%zu].path: \"%s\" is not a directory under system/; hint: the fault puts a small filesystem there with the directory's files",
					c->file, f->at, schema_show_str(q, f->path));
			continue;
		}
		if (!fault_is_file(f->kind) && !fault_is_syscall(f->kind))
			continue;
		if (f->from) {
			t = tar_list_find(files, f->from);
			if (!t || t->is_dir)
				schema_problem(c, "%s: $.faults[%zu].%s: \"%s\" is not a file of the scenario",
					c->file, f->at,
					f->kind == FAULT_SYSCALL_FILE ? "with" : "from",
					schema_show_str(q, f->from));
		}
		if (fault_is_syscall(f->kind))
			continue;
		if (f->kind == FAULT_FILE_REPLACE)
			continue;
		snprintf(name, sizeof name, "system%s", f->path);
		t = tar_list_find(files, name);
		if (!t || (t->is_dir && f->kind != FAULT_FILE_CHMOD &&
			   f->kind != FAULT_FILE_DELETE))
			schema_problem(c, "%s: $.faults[%zu].path: \"%s\" is not a file under system/; hint: a fault changes a file the scenario lays in place",
				c->file, f->at, schema_show_str(q, f->path));
	}
}

void fault_release(struct fault *f)
{
	free(f->id);
	free(f->path);
	free(f->from);
	free(f->service);
	free(f->call);
	free(f->when_file);
	free(f->while_file);
	free(f->err_name);
	free(f->with);
	free(f->platform_kind);
	free(f->platform_json);
}

/* ---- file faults, on the files before the candidate enters ---- */

/* length bytes that depend only on the seed and the fault. */
static void garbage(const char *seed_hex, const char *id, unsigned char *out,
		    size_t length)
{
	unsigned char block[32];
	char msg[256];
	size_t done = 0, n;
	unsigned long long i;
	int len;

	for (i = 0; done < length; i++) {
		len = snprintf(msg, sizeof msg, "labrun fault garbage\n%s\n%s\n%llu",
			       seed_hex, id, i);
		sha256_raw(msg, (size_t)len, block);
		n = length - done < sizeof block ? length - done : sizeof block;
		memcpy(out + done, block, n);
		done += n;
	}
}

static int apply_replace(const struct fault *f, const struct tar_list *files,
			 int dir, const char *last, uid_t uid,
			 const char *seed_hex, char *detail, size_t dsize,
			 struct err *e)
{
	const struct tar_entry *src = tar_list_find(files, f->from);
	int fd, rc = -1;

	if (!src)
		return err_set(e, ERR_REFUSED, "%s is not in the scenario", f->from);
	fd = openat(dir, last, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
				       O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, src->data, src->len) < 0 ||
	    fchown(fd, uid, uid) < 0) {
		err_sys(e, ERR_HOST, errno, "%s", f->path);
	} else {
		snprintf(detail, dsize, "replaced by %s (%zu bytes)", f->from,
			 src->len);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int apply_truncate(const struct fault *f, const struct tar_list *files,
			  int dir, const char *last, uid_t uid,
			  const char *seed_hex, char *detail, size_t dsize,
			  struct err *e)
{
	int fd = openat(dir, last, O_WRONLY | O_NOFOLLOW | O_CLOEXEC), rc = -1;

	if (fd < 0 || ftruncate(fd, (off_t)f->size) < 0) {
		err_sys(e, ERR_REFUSED, errno, "%s", f->path);
	} else {
		snprintf(detail, dsize, "truncated to %llu bytes", f->size);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int apply_garbage(const struct fault *f, const struct tar_list *files,
			 int dir, const char *last, uid_t uid,
			 const char *seed_hex, char *detail, size_t dsize,
			 struct err *e)
{
	unsigned char *junk = malloc(f->length ? f->length : 1);
	int fd = -1, rc = -1;
	ssize_t n;

	if (!junk)
		return err_set(e, ERR_HOST, "out of memory");
	garbage(seed_hex, f->id, junk, f->length);
	fd = openat(dir, last, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	n = fd < 0 ? -1 : pwrite(fd, junk, f->length, (off_t)f->offset);
	free(junk);
	if (n < 0 || (size_t)n != f->length) {
		err_sys(e, ERR_REFUSED, errno, "%s", f->path);
	} else {
		snprintf(detail, dsize, "%llu seeded bytes at offset %llu",
			 f->length, f->offset);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int apply_delete(const struct fault *f, const struct tar_list *files,
			int dir, const char *last, uid_t uid,
			const char *seed_hex, char *detail, size_t dsize,
			struct err *e)
{
	if (unlinkat(dir, last, 0) < 0 &&
	    (errno != EISDIR || remove_tree_at(dir, last, e) < 0)) {
		if (errno != EISDIR)
			err_sys(e, ERR_REFUSED, errno, "%s", f->path);
		return -1;
	}
	snprintf(detail, dsize, "deleted");
	return 0;
}

static int apply_chmod(const struct fault *f, const struct tar_list *files,
		       int dir, const char *last, uid_t uid,
		       const char *seed_hex, char *detail, size_t dsize,
		       struct err *e)
{
	int fd = openat(dir, last, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int rc = -1;

	if (fd < 0 || fchmod(fd, f->mode) < 0) {
		err_sys(e, ERR_REFUSED, errno, "%s", f->path);
	} else {
		snprintf(detail, dsize, "mode %04o", f->mode);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ---- records before the session: target and when ---- */

static void describe_path(const struct fault *f, struct ev_fault *out)
{
	snprintf(out->target, sizeof out->target, "%s", f->path);
}

static void describe_process(const struct fault *f, struct ev_fault *out)
{
	snprintf(out->target, sizeof out->target, "service %s", f->service);
	if (f->after_requests)
		snprintf(out->when, sizeof out->when, "after %llu requests%s",
			 f->after_requests, f->at_s || f->when_file ? ", and its time or file" : "");
	else if (f->when_file && f->at_s)
		snprintf(out->when, sizeof out->when, "when %.60s exists, from %u s",
			 f->when_file, f->at_s);
	else if (f->when_file)
		snprintf(out->when, sizeof out->when, "when %.80s exists",
			 f->when_file);
	else if (f->at_s)
		snprintf(out->when, sizeof out->when, "at %u s", f->at_s);
}

static void describe_net(const struct fault *f, struct ev_fault *out)
{
	snprintf(out->target, sizeof out->target,
		 "TCP port %d on the sandbox's loopback", f->port);
}

static void describe_clock(const struct fault *f, struct ev_fault *out)
{
	if (f->service)
		snprintf(out->target, sizeof out->target,
			 "the clock of service %s", f->service);
	else
		snprintf(out->target, sizeof out->target, "the services' clock");
}

static void describe_platform(const struct fault *f, struct ev_fault *out)
{
	out->kind = f->platform_kind;
	snprintf(out->target, sizeof out->target, "the simulated platform (agentd)");
	snprintf(out->when, sizeof out->when, "on the platform's clock");
	snprintf(out->detail, sizeof out->detail, "not reported by agentd");
}

/* A syscall fault's target and schedule (the decisions, call by call,
 * are sysfaults.c's). */
static void describe_target(const struct fault *f, char *out, size_t size)
{
	char what[4200];

	if (f->path)
		snprintf(what, sizeof what, "%s of %.4096s", f->call, f->path);
	else if (f->port)
		snprintf(what, sizeof what, "%s to port %d", f->call, f->port);
	else
		snprintf(what, sizeof what, "every %s", f->call);
	switch (f->target) {
	case FAULT_TARGET_SERVICES:
		snprintf(out, size, "%.4000s by the services", what);
		break;
	case FAULT_TARGET_SERVICE:
		snprintf(out, size, "%.4000s by service %.64s", what, f->service);
		break;
	case FAULT_TARGET_CANDIDATE:
		snprintf(out, size, "%.4000s by the candidate's processes", what);
		break;
	case FAULT_TARGET_ALL:
		snprintf(out, size, "%.4000s by every process", what);
		break;
	}
}

static void describe_syscall(const struct fault *f, struct ev_fault *out)
{
	size_t n;

	describe_target(f, out->target, sizeof out->target);
	n = (size_t)snprintf(out->when, sizeof out->when, "after %llu calls",
			     f->after);
	if (f->every > 1 && n < sizeof out->when)
		n += (size_t)snprintf(out->when + n, sizeof out->when - n,
				      ", every %llu", f->every);
	if (f->probability < 1.0 && n < sizeof out->when)
		n += (size_t)snprintf(out->when + n, sizeof out->when - n,
				      ", probability %g", f->probability);
	if (f->limit && n < sizeof out->when)
		snprintf(out->when + n, sizeof out->when - n, ", at most %llu",
			 f->limit);
}

/* ---- the sandbox's configuration ---- */

/* libfaketime's FAKETIME for a clock.offset: an offset, and a rate. */
static void clock_env(const struct fault *f, char *out, size_t size)
{
	if (f->rate != 1.0)
		snprintf(out, size, "FAKETIME=%+lld x%g", f->offset_s, f->rate);
	else
		snprintf(out, size, "FAKETIME=%+lld", f->offset_s);
}

/* A signal (0: a freeze) the supervisor gives a service. */
static void plan_process(const struct scenario *s, size_t i,
			 struct sbx_service *services, struct fault_setup *fs)
{
	const struct fault *f = &s->faults[i];
	struct sbx_signal *sg = &fs->signals[fs->nsignals];
	size_t k;

	for (k = 0; k < s->nservices; k++)
		if (!strcmp(s->services[k].name, f->service))
			break;
	sg->service = k;
	sg->signo = f->kind == FAULT_PROCESS_FREEZE ? 0 : f->signo;
	sg->at_ms = f->at_s * 1000u;
	sg->when_path = f->when_file;
	sg->after_requests = (unsigned)f->after_requests;
	sg->crashloop = f->kind == FAULT_PROCESS_CRASHLOOP;
	sg->crash_after_ms = f->crash_after_ms;
	sg->crash_times = f->crash_times;
	sg->while_path = f->while_file;
	/* a count of connections: the services' accept calls report */
	if (f->after_requests)
		fs->trap_services |= 1u << sbx_trap_family_index("accept");
	fs->slot[i] = fs->nsignals++;
}

static void plan_net(const struct scenario *s, size_t i,
		     struct sbx_service *services, struct fault_setup *fs)
{
	const struct fault *f = &s->faults[i];

	fs->blocks[fs->nblocks].port = f->port;
	fs->blocks[fs->nblocks].drop = f->kind == FAULT_NET_DROP;
	fs->slot[i] = fs->nblocks++;
}

static void plan_disk(const struct scenario *s, size_t i,
		      struct sbx_service *services, struct fault_setup *fs)
{
	const struct fault *f = &s->faults[i];
	struct sbx_small_fs *sm = &fs->small[fs->nsmall];

	sm->path = f->path;
	sm->inodes = f->kind == FAULT_DISK_INODES;
	if (f->kind == FAULT_DISK_FULL)
		sm->free_kb = f->free;
	else
		sm->free_inodes = f->free;
	fs->slot[i] = fs->nsmall++;
}

/* libfaketime loaded into the services it targets. */
static void plan_clock(const struct scenario *s, size_t i,
		       struct sbx_service *services, struct fault_setup *fs)
{
	const struct fault *f = &s->faults[i];
	size_t k;

	clock_env(f, fs->faketime, sizeof fs->faketime);
	for (k = 0; k < s->nservices; k++)
		if (!f->service || !strcmp(f->service, s->services[k].name))
			services[k].env = fs->clock_env;
	fs->clock_fault = i;
}

/* The platform: its seed (the session's, so variants follow it) and its
 * faults, in agentd's environment, which the candidate cannot read. */
static int plan_platform(const struct scenario *sc, const char *seed_hex,
			 struct sbx_service *services, struct fault_setup *fs,
			 struct err *e)
{
	struct sbx_service *agentd = &services[sc->platform_service];
	size_t n = 0, seed_size = sizeof "LABRUN_SEED=" + strlen(seed_hex);
	size_t plan_size = sizeof "LABRUN_PLATFORM_FAULTS=" +
			   (sc->platform_faults ? strlen(sc->platform_faults) : 0);

	fs->platform_seed = malloc(seed_size);
	fs->platform_plan = malloc(plan_size);
	if (!fs->platform_seed || !fs->platform_plan)
		return err_set(e, ERR_HOST, "out of memory");
	snprintf(fs->platform_seed, seed_size, "LABRUN_SEED=%s", seed_hex);
	fs->platform_env[n++] = fs->platform_seed;
	if (sc->platform_faults) {
		snprintf(fs->platform_plan, plan_size, "LABRUN_PLATFORM_FAULTS=%s",
			 sc->platform_faults);
		fs->platform_env[n++] = fs->platform_plan;
	}
	if (agentd->env) {
		fs->platform_env[n++] = fs->preload;
		fs->platform_env[n++] = fs->faketime;
	}
	fs->platform_env[n] = NULL;
	agentd->env = fs->platform_env;
	/* agentd listens once its history has run */
	agentd->ready = SIM_DEFAULT_SOCKET;
	return 0;
}

void fault_traps(const struct scenario *sc, unsigned *candidate,
		 unsigned *services)
{
	size_t i;

	*candidate = *services = 0;
	for (i = 0; i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];
		unsigned bit;

		if (!fault_is_syscall(f->kind))
			continue;
		bit = 1u << f->family;
		if (f->target == FAULT_TARGET_CANDIDATE || f->target == FAULT_TARGET_ALL)
			*candidate |= bit;
		if (f->target != FAULT_TARGET_CANDIDATE)
			*services |= bit;
	}
}

int fault_setup_sandbox(const struct scenario *sc, const char *seed_hex,
			struct sbx_service *services, struct sbx_config *cfg,
			struct fault_setup *fs, struct err *e)
{
	const struct fault_kind_row *row;
	size_t i, n = sc->nfaults + 1;

	memset(fs, 0, sizeof *fs);
	fs->clock_fault = SIZE_MAX;
	snprintf(fs->preload, sizeof fs->preload, "LD_PRELOAD=%s", FAKETIME_LIB);
	fs->clock_env[0] = fs->preload;
	fs->clock_env[1] = fs->faketime;
	fs->signals = calloc(n, sizeof *fs->signals);
	fs->blocks = calloc(n, sizeof *fs->blocks);
	fs->small = calloc(n, sizeof *fs->small);
	fs->slot = calloc(n, sizeof *fs->slot);
	if (!fs->signals || !fs->blocks || !fs->small || !fs->slot)
		return err_set(e, ERR_HOST, "out of memory");
	/* the families the syscall faults name, and whose calls */
	fault_traps(sc, &fs->trap_candidate, &fs->trap_services);
	for (i = 0; i < sc->nfaults; i++) {
		row = fault_kind_row(sc->faults[i].kind);
		if (row->plan)
			row->plan(sc, i, services, fs);
	}
	if (sc->platform_service != SIZE_MAX &&
	    plan_platform(sc, seed_hex, services, fs, e) < 0)
		return -1;
	cfg->signals = fs->signals;
	cfg->nsignals = fs->nsignals;
	cfg->blocks = fs->blocks;
	cfg->nblocks = fs->nblocks;
	cfg->small = fs->small;
	cfg->nsmall = fs->nsmall;
	cfg->trap_candidate = fs->trap_candidate;
	cfg->trap_services = fs->trap_services;
	return 0;
}

void fault_setup_release(struct fault_setup *fs)
{
	free(fs->signals);
	free(fs->blocks);
	free(fs->small);
	free(fs->slot);
	free(fs->platform_seed);
	free(fs->platform_plan);
	memset(fs, 0, sizeof *fs);
	fs->clock_fault = SIZE_MAX;
}

/* ---- records after the session: what each fault did ---- */

static void record_process(const struct fault *f, const struct fault_setup *fs,
			   size_t slot, int ran, struct ev_fault *r)
{
	const struct sbx_signal *sg = &fs->signals[slot];

	r->triggered = sg->fired;
	if (sg->crashloop) {
		r->triggered = sg->crashes;
		if (sg->fired)
			snprintf(r->detail, sizeof r->detail,
				 "armed at %lld ms; signal %d %u ms after each later start: %u crashes",
				 (long long)sg->fired_ms, sg->signo,
				 sg->crash_after_ms, sg->crashes);
		else
			snprintf(r->detail, sizeof r->detail,
				 "not armed: its condition never came");
	} else if (sg->fired && sg->signo)
		snprintf(r->detail, sizeof r->detail, "signal %d sent at %lld ms",
			 sg->signo, (long long)sg->fired_ms);
	else if (sg->fired)
		snprintf(r->detail, sizeof r->detail,
			 "%u processes frozen at %lld ms by %s",
			 sg->frozen, (long long)sg->fired_ms, sg->how);
	else
		snprintf(r->detail, sizeof r->detail,
			 "not sent: the service had ended, or the session did first");
}

static void record_net(const struct fault *f, const struct fault_setup *fs,
		       size_t slot, int ran, struct ev_fault *r)
{
	if (!ran)
		return;
	r->triggered = 1;
	snprintf(r->detail, sizeof r->detail, "%s by nftables in the sandbox's network namespace",
		 f->kind == FAULT_NET_REFUSE ? "connections refused (TCP reset)"
					     : "packets dropped");
}

static void record_disk(const struct fault *f, const struct fault_setup *fs,
			size_t slot, int ran, struct ev_fault *r)
{
	const struct sbx_small_fs *s = &fs->small[slot];

	if (!ran)
		return;
	r->triggered = 1;
	if (s->inodes)
		snprintf(r->detail, sizeof r->detail,
			 "tmpfs of %llu inodes, %llu in use at the start; %llu free at the end",
			 s->max_inodes, s->used_inodes, s->free_inodes_end);
	else
		snprintf(r->detail, sizeof r->detail,
			 "tmpfs of %llu KiB, %llu KiB in use at the start; %llu KiB free at the end",
			 s->size_kb, s->used_kb, s->free_kb_end);
}

static void record_clock(const struct fault *f, const struct fault_setup *fs,
			 size_t slot, int ran, struct ev_fault *r)
{
	char env[64];

	if (!ran)
		return;
	clock_env(f, env, sizeof env);
	r->triggered = 1;
	snprintf(r->detail, sizeof r->detail, "libfaketime, %s", env);
}

void fault_setup_record(const struct scenario *sc, const struct fault_setup *fs,
			struct ev_fault *out, int ran)
{
	const struct fault_kind_row *row;
	size_t i;

	for (i = 0; fs->slot && i < sc->nfaults; i++) {
		row = fault_kind_row(sc->faults[i].kind);
		if (row->record)
			row->record(&sc->faults[i], fs, fs->slot[i], ran, &out[i]);
	}
}

/* ---- the table ---- */

#define SYSCALL_KEYS "id", "kind", "call", "path", "port", "target", "after", \
	"every", "probability", "limit"
#define PROCESS_KEYS "id", "kind", "service", "at_s", "when_file", "after_requests"

/* One row per kind, in the order `validate` lists them (docs/faults.md).
 * Rows of a class share what their kinds share. */
static const struct fault_kind_row rows[] = {
	{FAULT_FILE_REPLACE, "file.replace", FAULT_CLASS_FILE,
	 (const char *const[]){"id", "kind", "path", "from", NULL}, NULL,
	 check_replace, NULL, apply_replace, describe_path, NULL},
	{FAULT_FILE_TRUNCATE, "file.truncate", FAULT_CLASS_FILE,
	 (const char *const[]){"id", "kind", "path", "size", NULL}, NULL,
	 check_truncate, NULL, apply_truncate, describe_path, NULL},
	{FAULT_FILE_GARBAGE, "file.garbage", FAULT_CLASS_FILE,
	 (const char *const[]){"id", "kind", "path", "offset", "length", NULL}, NULL,
	 check_garbage, NULL, apply_garbage, describe_path, NULL},
	{FAULT_FILE_DELETE, "file.delete", FAULT_CLASS_FILE,
	 (const char *const[]){"id", "kind", "path", NULL}, NULL,
	 check_delete, NULL, apply_delete, describe_path, NULL},
	{FAULT_FILE_CHMOD, "file.chmod", FAULT_CLASS_FILE,
	 (const char *const[]){"id", "kind", "path", "mode", NULL}, NULL,
	 check_chmod, NULL, apply_chmod, describe_path, NULL},
	{FAULT_PROCESS_KILL, "process.kill", FAULT_CLASS_PROCESS,
	 (const char *const[]){"id", "kind", "service", "signal", "at_s",
			       "when_file", "after_requests", NULL}, NULL,
	 check_process, plan_process, NULL, describe_process, record_process},
	{FAULT_PROCESS_FREEZE, "process.freeze", FAULT_CLASS_PROCESS,
	 (const char *const[]){PROCESS_KEYS, NULL}, NULL,
	 check_process, plan_process, NULL, describe_process, record_process},
	{FAULT_PROCESS_CRASHLOOP, "process.crashloop", FAULT_CLASS_PROCESS,
	 (const char *const[]){"id", "kind", "service", "signal", "at_s",
			       "when_file", "after_requests", "after_ms",
			       "times", "while_file", NULL}, NULL,
	 check_process, plan_process, NULL, describe_process, record_process},
	{FAULT_SYSCALL_ERRNO, "syscall.errno", FAULT_CLASS_SYSCALL,
	 (const char *const[]){SYSCALL_KEYS, "errno", NULL}, NULL,
	 check_errno, NULL, NULL, describe_syscall, NULL},
	{FAULT_SYSCALL_FILE, "syscall.file", FAULT_CLASS_SYSCALL,
	 (const char *const[]){SYSCALL_KEYS, "with", NULL}, NULL,
	 check_reopen, NULL, NULL, describe_syscall, NULL},
	{FAULT_SYSCALL_DELAY, "syscall.delay", FAULT_CLASS_SYSCALL,
	 (const char *const[]){SYSCALL_KEYS, "delay_ms", NULL}, NULL,
	 check_delay, NULL, NULL, describe_syscall, NULL},
	{FAULT_NET_REFUSE, "net.refuse", FAULT_CLASS_SESSION,
	 (const char *const[]){"id", "kind", "port", NULL}, NULL,
	 check_net, plan_net, NULL, describe_net, record_net},
	{FAULT_NET_DROP, "net.drop", FAULT_CLASS_SESSION,
	 (const char *const[]){"id", "kind", "port", NULL}, NULL,
	 check_net, plan_net, NULL, describe_net, record_net},
	{FAULT_DISK_FULL, "disk.full", FAULT_CLASS_SESSION,
	 (const char *const[]){"id", "kind", "path", "free_kb", NULL}, NULL,
	 check_disk, plan_disk, NULL, describe_path, record_disk},
	{FAULT_DISK_INODES, "disk.inodes", FAULT_CLASS_SESSION,
	 (const char *const[]){"id", "kind", "path", "free_inodes", NULL}, NULL,
	 check_disk, plan_disk, NULL, describe_path, record_disk},
	{FAULT_CLOCK_OFFSET, "clock.offset", FAULT_CLASS_SESSION,
	 (const char *const[]){"id", "kind", "offset_s", "rate", "target", NULL}, NULL,
	 check_clock, plan_clock, NULL, describe_clock, record_clock},
	/* agentd checks its own keys (platform.*: docs/platform.md) */
	{FAULT_PLATFORM, "platform.*", FAULT_CLASS_PLATFORM, NULL,
	 " (docs/platform.md)",
	 check_platform, NULL, NULL, describe_platform, NULL},
};
#define NROWS (sizeof rows / sizeof *rows)

/* Every kind has its row. */
_Static_assert(NROWS == FAULT_NKINDS, "a fault kind without its row");

const struct fault_kind_row *fault_kind_row(enum fault_kind k)
{
	size_t i;

	for (i = 0; i < NROWS; i++)
		if (rows[i].kind == k)
			return &rows[i];
	abort(); /* a kind is only ever one of the enum's */
}

const char *fault_kind_name(enum fault_kind k)
{
	return fault_kind_row(k)->name;
}

enum fault_class fault_kind_class(enum fault_kind k)
{
	return fault_kind_row(k)->class;
}

/* The row of a kind as scenario.json names it; a platform kind is one
 * agentd knows. */
static const struct fault_kind_row *kind_named(const char *name)
{
	size_t i;

	if (!strncmp(name, "platform.", 9))
		return sim_fault_known(name) && fault_platform_keys(name)
			       ? fault_kind_row(FAULT_PLATFORM) : NULL;
	for (i = 0; i < NROWS; i++)
		if (!strcmp(name, rows[i].name))
			return &rows[i];
	return NULL;
}

/* "file.replace, file.truncate, ..." for a hint. */
static void kind_list(char *out, size_t size)
{
	size_t i, o = 0;

	out[0] = 0;
	for (i = 0; i < NROWS && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s%s", i ? ", " : "",
				      rows[i].name,
				      rows[i].list_note ? rows[i].list_note : "");
}
