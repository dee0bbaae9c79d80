/* scenario: checks a scenario tree (layout, scenario.json, brief.md,
 * hints.md, grader, solutions) and reports every problem in one pass.
 *
 * It does not read the disk, run the grader or the solutions, or know about
 * sandboxes.  The fault plan's checks are faultkinds.c's, one row per
 * kind; the toolkit both use (problems, JSON values, printable echoes) is
 * schema.c's.  Author text echoed in a problem is made printable first
 * (schema_show()), so a hostile tree cannot write terminal escapes
 * through validate. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/faultkinds.h"
#include "runner/scenario.h"
#include "runner/schema.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "sandbox/sandbox.h"

#define MANIFEST "scenario.json"
#define BRIEF "brief.md"
#define HINTS "hints.md"
#define GRADE_LUA "grader/grade.lua"
#define KEYS_JSON "grader/keys.json"
#define REFERENCE "solutions/reference.sh"
#define MUST_FAIL "# must-fail:"
#define HINT_HEAD "## Hint (cost "

const struct scenario_limits scenario_default_limits = {
	.memory_mb = SESSION_DEFAULT_MEMORY_MB,
	.processes = SESSION_DEFAULT_PROCS,
	.disk_mb = SESSION_DEFAULT_DISK_MB,
	.cpu_s = SESSION_DEFAULT_CPU_S,
	.open_files = SESSION_DEFAULT_NOFILE,
};

/* ---- text ---- */

/* Offset of the first byte that is not valid UTF-8 or is NUL, or len. */
static size_t utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (s[i] == 0)
			return i;
		n = utf8_seq_len(s + i, len - i);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

static unsigned line_of(const unsigned char *data, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

static int is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' &&
		    s[i] != '\f' && s[i] != '\v')
			return 0;
	return 1;
}

/* One line of a text file: s and len without "\n" or a final "\r". */
struct line {
	const char *s;
	size_t len;
	unsigned no;
	size_t start, end; /* offsets of the line and past its "\n" */
};

static int next_line(const unsigned char *data, size_t len, struct line *l)
{
	const unsigned char *nl;
	size_t start = l->no ? l->end : 0;

	if (start >= len)
		return 0;
	nl = memchr(data + start, '\n', len - start);
	l->s = (const char *)data + start;
	l->start = start;
	l->end = nl ? (size_t)(nl - data) + 1 : len;
	l->len = (nl ? (size_t)(nl - data) : len) - start;
	if (l->len && l->s[l->len - 1] == '\r')
		l->len--;
	l->no++;
	return 1;
}

static int starts(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && !memcmp(l->s, prefix, n);
}

/* A scenario's or a competency's id. */
static int is_id(const char *s)
{
	return schema_is_name(s, 63, "-");
}

/* Parse a decimal in [min, max] from len bytes (parse_u64's rules). */
static int parse_num(const char *s, size_t len, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	char tmp[24];

	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	return parse_u64(tmp, min, max, out);
}

/* ---- semantic versions (semver.org 2.0.0) ---- */

static int is_alnum_hyphen(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= 'A' && ch <= 'Z') || ch == '-';
}

/* Dot-separated identifiers up to stop or the end; numeric ones have no
 * leading zero when numeric_rule.  Returns NULL or the reason. */
static const char *semver_idents(const char **sp, char stop, int numeric_rule)
{
	const char *s = *sp, *start;
	int digits_only;

	for (;;) {
		start = s;
		digits_only = 1;
		while (*s && *s != '.' && *s != stop) {
			if (!is_alnum_hyphen(*s))
				return "only letters, digits, '-' and '.' may follow '-' or '+'";
			if (*s < '0' || *s > '9')
				digits_only = 0;
			s++;
		}
		if (s == start)
			return "an empty identifier after '-', '+' or '.'";
		if (numeric_rule && digits_only && s - start > 1 && *start == '0')
			return "a numeric pre-release identifier with a leading zero";
		if (*s != '.')
			break;
		s++;
	}
	*sp = s;
	return NULL;
}

/* NULL if s is a semantic version, else why not. */
static const char *semver_problem(const char *s)
{
	const char *start, *why;
	int i;

	if (strlen(s) > SCENARIO_MAX_VERSION)
		return "too long";
	for (i = 0; i < 3; i++) {
		start = s;
		while (*s >= '0' && *s <= '9')
			s++;
		if (s == start)
			return "it must start MAJOR.MINOR.PATCH";
		if (s - start > 1 && *start == '0')
			return "a number with a leading zero";
		if (i < 2 && *s++ != '.')
			return "it must start MAJOR.MINOR.PATCH";
	}
	if (*s == '-') {
		s++;
		why = semver_idents(&s, '+', 1);
		if (why)
			return why;
	}
	if (*s == '+') {
		s++;
		why = semver_idents(&s, 0, 0);
		if (why)
			return why;
	}
	if (*s)
		return "unexpected text after MAJOR.MINOR.PATCH";
	return NULL;
}

/* ---- scenario.json ---- */

static const char *const manifest_keys[] = {
	"schema", "id", "version", "title", "level", "competencies",
	"platform", "grader_api", "pass_mark", "time_limit_s",
	"valid_for_days", "limits", "services", "faults", "record_input",
	"variants", "candidate_owns", NULL,
};

/* What to write when a required key is missing. */
static const char *const manifest_examples[] = {
	"1", "\"policy-rollback\"", "\"1.0.0\"",
	"\"Roll back a bad policy version\"", "\"practitioner\"",
	"[\"policy-debugging\"]", "\"agentsim-2\"", "1", "700", "1800", "730",
	NULL,
};

static const char *const limits_keys[] = {
	"memory_mb", "processes", "disk_mb", "cpu_s", "open_files", NULL,
};

static const char *const service_keys[] = {"name", "argv", "owns", "restart", NULL};
static const char *const restart_policies[] = {"never", "on-request", "always"};

static const char *const levels[] = {
	"foundation", "practitioner", "specialist", "architect", NULL,
};

static void check_id(struct schema *c, const json_t *v, struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE];
	const char *id = schema_want_string(c, v, "$.id");

	if (!id)
		return;
	if (!is_id(id)) {
		schema_problem(c, "%s: $.id: \"%s\" is not a scenario id; hint: lowercase letters, digits and '-', starting with a letter or digit, at most 63 bytes",
			MANIFEST, schema_show_str(q, id));
		return;
	}
	schema_keep(c, &s->id, id);
}

static void check_version(struct schema *c, const json_t *v, struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE];
	const char *ver = schema_want_string(c, v, "$.version"), *why;

	if (!ver)
		return;
	why = semver_problem(ver);
	if (why) {
		schema_problem(c, "%s: $.version: \"%s\" is not a semantic version (%s); hint: MAJOR.MINOR.PATCH without leading zeros, optionally -PRERELEASE and +BUILD, such as 1.0.0 or 2.1.0-rc.1",
			MANIFEST, schema_show_str(q, ver), why);
		return;
	}
	schema_keep(c, &s->version, ver);
}

static void check_title(struct schema *c, const json_t *v, struct scenario *s)
{
	const unsigned char *t;
	size_t len, i, n;

	if (!schema_want_string(c, v, "$.title"))
		return;
	t = (const unsigned char *)json_string_value(v);
	len = json_string_length(v);
	if (is_blank((const char *)t, len)) {
		schema_problem(c, "%s: $.title: is empty; hint: one line saying what the candidate repairs",
			MANIFEST);
		return;
	}
	if (len > SCENARIO_MAX_TITLE) {
		schema_problem(c, "%s: $.title: too long (%zu bytes, at most %d)",
			MANIFEST, len, SCENARIO_MAX_TITLE);
		return;
	}
	for (i = 0; i < len; i += n) {
		n = utf8_seq_len(t + i, len - i);
		if (!n || schema_is_control(t + i, n)) {
			schema_problem(c, "%s: $.title: contains a control character at byte %zu; hint: a title is one line of plain text",
				MANIFEST, i);
			return;
		}
	}
	schema_keep(c, &s->title, (const char *)t);
}

static void check_level(struct schema *c, const json_t *v, struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE];
	const char *lv = schema_want_string(c, v, "$.level");
	size_t i;

	if (!lv)
		return;
	for (i = 0; levels[i]; i++)
		if (!strcmp(lv, levels[i]))
			break;
	if (!levels[i]) {
		schema_problem(c, "%s: $.level: \"%s\" is not a level; hint: use one of foundation, practitioner, specialist, architect",
			MANIFEST, schema_show_str(q, lv));
		return;
	}
	schema_keep(c, &s->level, lv);
}

static void check_competencies(struct schema *c, const json_t *v,
			       struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE], path[SCHEMA_PATH_SIZE];
	const char *name;
	size_t i, j, n;
	json_t *item;

	if (!json_is_array(v)) {
		schema_problem(c, "%s: $.competencies: must be an array of competency ids, not %s",
			MANIFEST, schema_type_name(v));
		return;
	}
	n = json_array_size(v);
	if (n == 0) {
		schema_problem(c, "%s: $.competencies: is empty; hint: name at least one competency the scenario tests, such as [\"policy-debugging\"]",
			MANIFEST);
		return;
	}
	if (n > SCENARIO_MAX_COMPETENCIES) {
		schema_problem(c, "%s: $.competencies: %zu competencies, at most %d; hint: split the scenario",
			MANIFEST, n, SCENARIO_MAX_COMPETENCIES);
		return;
	}
	s->competencies = calloc(n, sizeof *s->competencies);
	if (!s->competencies) {
		c->oom = 1;
		return;
	}
	json_array_foreach(v, i, item) {
		snprintf(path, sizeof path, "$.competencies[%zu]", i);
		name = schema_want_string(c, item, path);
		if (!name)
			continue;
		if (!is_id(name)) {
			schema_problem(c, "%s: %s: \"%s\" is not a competency id; hint: lowercase letters, digits and '-', starting with a letter or digit, at most 63 bytes",
				MANIFEST, path, schema_show_str(q, name));
			continue;
		}
		for (j = 0; j < i; j++)
			if (json_equal(item, json_array_get(v, j)))
				break;
		if (j < i) {
			schema_problem(c, "%s: %s: \"%s\" repeats $.competencies[%zu]; hint: list each competency once",
				MANIFEST, path, name, j);
			continue;
		}
		if (schema_keep(c, &s->competencies[s->ncompetencies], name) == 0)
			s->ncompetencies++;
	}
}

static void check_platform(struct schema *c, const json_t *v, struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE];
	const char *pf = schema_want_string(c, v, "$.platform");

	if (!pf)
		return;
	if (!schema_is_name(pf, 63, ".-")) {
		schema_problem(c, "%s: $.platform: \"%s\" is not a platform version; hint: lowercase letters, digits, '.' and '-', such as \"agentsim-2\"",
			MANIFEST, schema_show_str(q, pf));
		return;
	}
	schema_keep(c, &s->platform, pf);
}

/* "schema" and "grader_api": the one version this labrun speaks. */
static void check_api(struct schema *c, const json_t *v, const char *path,
		      const char *what, unsigned *out)
{
	if (!json_is_integer(v)) {
		schema_not_integer(c, path, v);
		return;
	}
	if (json_integer_value(v) != 1) {
		schema_problem(c, "%s: %s: unsupported %s %lld; hint: this labrun reads %s 1",
			MANIFEST, path, what, (long long)json_integer_value(v),
			what);
		return;
	}
	*out = 1;
}

static void check_limits(struct schema *c, json_t *v, struct scenario *s)
{
	static const struct {
		const char *key;
		unsigned min, max;
		const char *unit;
		size_t off;
	} fields[] = {
		{"memory_mb", SESSION_MIN_MEMORY_MB, SESSION_MAX_MEMORY_MB,
		 " MiB", offsetof(struct scenario_limits, memory_mb)},
		{"processes", SESSION_MIN_PROCS, SESSION_MAX_PROCS, "",
		 offsetof(struct scenario_limits, processes)},
		{"disk_mb", 1, SESSION_MAX_DISK_MB, " MiB",
		 offsetof(struct scenario_limits, disk_mb)},
		{"cpu_s", 1, SESSION_MAX_CPU_S, " CPU seconds",
		 offsetof(struct scenario_limits, cpu_s)},
		{"open_files", SESSION_MIN_NOFILE, SESSION_MAX_NOFILE, "",
		 offsetof(struct scenario_limits, open_files)},
	};
	char path[SCHEMA_PATH_SIZE];
	json_t *f;
	size_t i;

	if (!json_is_object(v)) {
		schema_problem(c, "%s: $.limits: must be an object, not %s; hint: such as {\"memory_mb\": 512}",
			MANIFEST, schema_type_name(v));
		return;
	}
	schema_unknown_keys(c, v, "$.limits", limits_keys);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		f = json_object_get(v, fields[i].key);
		if (!f)
			continue;
		snprintf(path, sizeof path, "$.limits.%s", fields[i].key);
		schema_want_uint(c, f, path, fields[i].min, fields[i].max,
			  fields[i].unit,
			  (unsigned *)((char *)&s->limits + fields[i].off));
	}
}

static int keep_list(struct schema *c, const json_t *arr, const char *path,
		     size_t max, int paths, char ***out, size_t *n)
{
	char q[SCHEMA_SHOW_SIZE], ip[SCHEMA_PATH_SIZE];
	const char *str;
	json_t *item;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) > max) {
		schema_problem(c, "%s: %s: must be an array of at most %zu strings",
			MANIFEST, path, max);
		return -1;
	}
	*out = calloc(json_array_size(arr) + 1, sizeof **out);
	if (!*out) {
		c->oom = 1;
		return -1;
	}
	json_array_foreach(arr, i, item) {
		snprintf(ip, sizeof ip, "%s[%zu]", path, i);
		str = schema_want_string(c, item, ip);
		if (!str)
			return -1;
		if (strlen(str) != json_string_length(item) ||
		    strlen(str) >= SERVICE_MAX_ARG) {
			schema_problem(c, "%s: %s: a NUL byte, or longer than %d bytes",
				MANIFEST, ip, SERVICE_MAX_ARG - 1);
			return -1;
		}
		if ((paths || i == 0) && !schema_is_sandbox_path(str)) {
			schema_problem(c, "%s: %s: \"%s\" is not an absolute path in the sandbox; hint: such as /opt/labrun/bin/agentd",
				MANIFEST, ip, schema_show_str(q, str));
			return -1;
		}
		if (schema_keep(c, &(*out)[*n], str) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static void check_services(struct schema *c, json_t *v, struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE], path[SCHEMA_PATH_SIZE];
	struct scenario_service *sv;
	const char *name;
	json_t *item, *f;
	size_t i, j;

	if (!json_is_array(v) || json_array_size(v) > SCENARIO_MAX_SERVICES) {
		schema_problem(c, "%s: $.services: must be an array of at most %d services; hint: [{\"name\": \"agentd\", \"argv\": [\"/opt/labrun/bin/agentd\"]}]",
			MANIFEST, SCENARIO_MAX_SERVICES);
		return;
	}
	s->services = calloc(json_array_size(v) + 1, sizeof *s->services);
	if (!s->services) {
		c->oom = 1;
		return;
	}
	json_array_foreach(v, i, item) {
		snprintf(path, sizeof path, "$.services[%zu]", i);
		if (!json_is_object(item)) {
			schema_problem(c, "%s: %s: must be an object, not %s", MANIFEST,
				path, schema_type_name(item));
			continue;
		}
		schema_unknown_keys(c, item, path, service_keys);
		sv = &s->services[s->nservices];
		snprintf(path, sizeof path, "$.services[%zu].name", i);
		name = (f = json_object_get(item, "name")) ? schema_want_string(c, f, path)
							 : NULL;
		if (!f)
			schema_problem(c, "%s: %s: missing; hint: a short name such as \"agentd\"",
				MANIFEST, path);
		if (!name)
			continue;
		if (!schema_is_name(name, 32, "-") || !(name[0] >= 'a' && name[0] <= 'z')) {
			schema_problem(c, "%s: %s: \"%s\" is not a service name; hint: lowercase letters, digits and '-', starting with a letter, at most 32 bytes",
				MANIFEST, path, schema_show_str(q, name));
			continue;
		}
		for (j = 0; j < s->nservices; j++)
			if (!strcmp(s->services[j].name, name))
				break;
		if (j < s->nservices) {
			schema_problem(c, "%s: %s: \"%s\" names two services", MANIFEST,
				path, name);
			continue;
		}
		snprintf(path, sizeof path, "$.services[%zu].argv", i);
		if (!(f = json_object_get(item, "argv")) || !json_array_size(f)) {
			schema_problem(c, "%s: %s: missing or empty; hint: [\"/opt/labrun/bin/agentd\", \"--config\", \"/etc/agentd/platform.json\"]",
				MANIFEST, path);
			continue;
		}
		if (schema_keep(c, &sv->name, name) < 0)
			return;
		sv->at = i;
		s->nservices++;
		if (keep_list(c, f, path, SERVICE_MAX_ARGS, 0, &sv->argv,
			      &sv->argc) < 0)
			continue;
		snprintf(path, sizeof path, "$.services[%zu].owns", i);
		if ((f = json_object_get(item, "owns")))
			keep_list(c, f, path, SERVICE_MAX_OWNS, 1, &sv->owns,
				  &sv->nowns);
		snprintf(path, sizeof path, "$.services[%zu].restart", i);
		if ((f = json_object_get(item, "restart"))) {
			const char *pol = schema_want_string(c, f, path);

			for (j = 0; pol && j < 3; j++)
				if (!strcmp(pol, restart_policies[j]))
					break;
			if (pol && j == 3)
				schema_problem(c, "%s: %s: \"%s\" is not a restart policy; hint: \"never\" (the default), \"on-request\" (the candidate may `lab restart` it) or \"always\" (also started again when it ends)",
					MANIFEST, path, schema_show_str(q, pol));
			else if (pol)
				sv->restart = (int)j;
		}
	}
}

/* Each owned path must be something the scenario lays into system/. */
static void check_owned(struct schema *c, const struct tar_list *files,
			const struct scenario *s)
{
	char name[SERVICE_MAX_ARG + 16], q[SCHEMA_SHOW_SIZE];
	size_t i, k, f, len;

	for (i = 0; i < s->nservices; i++) {
		for (k = 0; k < s->services[i].nowns; k++) {
			len = (size_t)snprintf(name, sizeof name, "system%s",
					       s->services[i].owns[k]);
			for (f = 0; f < files->n; f++) {
				const char *fn = files->v[f].name;

				if (!strncmp(fn, name, len) &&
				    (fn[len] == 0 || fn[len] == '/'))
					break;
			}
			if (f == files->n)
				schema_problem(c, "%s: $.services[%zu].owns[%zu]: \"%s\" is not under system/; hint: a service owns files the scenario lays in place",
					MANIFEST, s->services[i].at, k,
					schema_show_str(q, s->services[i].owns[k]));
		}
	}
}

/* What the candidate must never be able to write, because a service (or
 * any program it starts) reads it as code or as who is who: writing it
 * would run the candidate's code under the service's id (docs/validity.md,
 * V1).  A path the candidate owns may be neither one of these, nor above
 * one, nor beneath one. */
static const struct {
	const char *path;
	const char *why;
} protected_paths[] = {
	{"/etc/ld.so.preload", "the loader's configuration (a library it names is loaded into every program)"},
	{"/etc/ld.so.conf", "the loader's configuration"},
	{"/etc/ld.so.conf.d", "the loader's configuration"},
	{"/etc/ld.so.cache", "the loader's cache"},
	{"/etc/nsswitch.conf", "the name service's configuration (it names libraries to load)"},
	{"/etc/passwd", "who is who, for every program"},
	{"/etc/group", "who is who, for every program"},
	{"/etc/shadow", "who is who, for every program"},
	{"/etc/gshadow", "who is who, for every program"},
	{"/etc/hosts", "what names resolve to, for every program"},
	{"/etc/host.conf", "the resolver's configuration"},
	{"/etc/resolv.conf", "the resolver's configuration"},
	{"/etc/gai.conf", "the resolver's configuration"},
	{"/etc/localtime", "the time zone every program reads"},
	{"/etc/environment", "an environment programs may read at start"},
	{"/etc/profile", "code shells run at start"},
	{"/etc/profile.d", "code shells run at start"},
	{"/etc/bash.bashrc", "code bash runs at start"},
	{"/etc/alternatives", "which program a command name runs"},
	{"/etc/faketimerc", "libfaketime's configuration (clock faults)"},
	{"/etc/python3", "code python runs at start (sitecustomize)"},
	{"/etc/python3.11", "code python runs at start (sitecustomize)"},
	{"/usr", "the host's programs and libraries"},
	{"/bin", "a directory on every PATH"},
	{"/sbin", "a directory of programs"},
	{"/lib", "the host's libraries"},
	{"/lib32", "the host's libraries"},
	{"/lib64", "the host's libraries"},
	{"/libx32", "the host's libraries"},
	{"/opt/labrun", "labrun's own programs"},
	{"/proc", "the kernel's view of processes"},
	{"/dev", "devices"},
	{"/sys", "the kernel"},
	{"/tmp", "a shared scratch directory (already writable by everyone, sticky)"},
	{"/var/lib/service", "the services' home directory"},
	{"/var/log/labrun", "the services' logs, which labrun writes"},
};

/* Is a (a sandbox path) the same as b, or above it, or beneath it? */
static int paths_overlap(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == 1 || lb == 1) /* "/" */
		return 1;
	if (la <= lb)
		return !strncmp(a, b, la) && (b[la] == 0 || b[la] == '/');
	return !strncmp(a, b, lb) && a[lb] == '/';
}

/* $.candidate_owns: each path laid in place by system/, none the
 * candidate's already, none that holds what a service reads as code or
 * identity, none a service owns. */
static void check_candidate_owns(struct schema *c, const struct tar_list *files,
				 const struct scenario *s)
{
	char name[SERVICE_MAX_ARG + 16], q[SCHEMA_SHOW_SIZE], q2[SCHEMA_SHOW_SIZE];
	char dir[SERVICE_MAX_ARG];
	const char *cp, *slash;
	size_t i, k, j, f, len;

	for (i = 0; i < s->ncandidate_owns; i++) {
		cp = s->candidate_owns[i];
		if (paths_overlap(cp, SBX_CANDIDATE_HOME) &&
		    strlen(cp) >= strlen(SBX_CANDIDATE_HOME)) {
			schema_problem(c, "%s: $.candidate_owns[%zu]: \"%s\" is in the candidate's home, which is theirs already; hint: remove it",
				MANIFEST, i, schema_show_str(q, cp));
			continue;
		}
		for (k = 0; k < sizeof protected_paths / sizeof *protected_paths; k++)
			if (paths_overlap(cp, protected_paths[k].path))
				break;
		if (k < sizeof protected_paths / sizeof *protected_paths) {
			schema_problem(c, "%s: $.candidate_owns[%zu]: \"%s\" would let the candidate write %s: %s; hint: give the candidate a directory of the scenario's own, such as /etc/agentd",
				MANIFEST, i, schema_show_str(q, cp),
				protected_paths[k].path, protected_paths[k].why);
			continue;
		}
		for (k = 0; k < s->nservices; k++) {
			const struct scenario_service *sv = &s->services[k];

			for (j = 0; j < sv->nowns; j++)
				if (paths_overlap(cp, sv->owns[j]))
					break;
			if (j < sv->nowns) {
				schema_problem(c, "%s: $.candidate_owns[%zu]: \"%s\" overlaps %s, which service \"%s\" owns; hint: a path has one owner",
					MANIFEST, i, schema_show_str(q, cp),
					schema_show_str(q2, sv->owns[j]), sv->name);
				break;
			}
			/* what a service runs, and the directory it is in
			 * (python puts a script's directory first on its
			 * path; a script sources its neighbours) */
			for (j = 0; j < sv->argc; j++) {
				if (sv->argv[j][0] != '/')
					continue;
				slash = strrchr(sv->argv[j], '/');
				len = (size_t)(slash - sv->argv[j]);
				snprintf(dir, sizeof dir, "%.*s", (int)(len ? len : 1),
					 sv->argv[j]);
				if (paths_overlap(cp, sv->argv[j]) ||
				    (len && paths_overlap(cp, dir)))
					break;
			}
			if (j < sv->argc) {
				schema_problem(c, "%s: $.candidate_owns[%zu]: \"%s\" would let the candidate change what service \"%s\" runs (%s); hint: keep a service's programs and their directory out of the candidate's reach",
					MANIFEST, i, schema_show_str(q, cp), sv->name,
					schema_show_str(q2, sv->argv[j]));
				break;
			}
		}
		if (k < s->nservices)
			continue;
		len = (size_t)snprintf(name, sizeof name, "system%s", cp);
		for (f = 0; f < files->n; f++) {
			const char *fn = files->v[f].name;

			if (!strncmp(fn, name, len) && (fn[len] == 0 || fn[len] == '/'))
				break;
		}
		if (f == files->n)
			schema_problem(c, "%s: $.candidate_owns[%zu]: \"%s\" is not under system/; hint: the candidate owns files and directories the scenario lays in place",
				MANIFEST, i, schema_show_str(q, cp));
	}
}

/* $.variants: [{"id": "...", "faults": {"FAULT-ID": {"key": value, ...}}}]:
 * 2 to SCENARIO_MAX_VARIANTS ids, each a set of changes to faults of the
 * plan (every key but id and kind).  Each variant's plan is checked as a
 * plan of its own (scenario_load). */
static void check_variants(struct schema *c, json_t *v, json_t *faults,
			   struct scenario *s)
{
	static const char *const keys[] = {"id", "faults", NULL};
	char q[SCHEMA_SHOW_SIZE], path[SCHEMA_PATH_SIZE];
	const char *id, *fid;
	json_t *item, *x, *ch;
	size_t i, j;

	if (!json_is_array(v) || json_array_size(v) < 2 ||
	    json_array_size(v) > SCENARIO_MAX_VARIANTS) {
		schema_problem(c, "%s: $.variants: must be an array of 2 to %d variants; hint: [{\"id\": \"a\", \"faults\": {\"runaway\": {\"agent\": \"researcher-2\"}}}, ...]",
			MANIFEST, SCENARIO_MAX_VARIANTS);
		return;
	}
	s->variants = calloc(json_array_size(v) + 1, sizeof *s->variants);
	if (!s->variants) {
		c->oom = 1;
		return;
	}
	json_array_foreach(v, i, item) {
		snprintf(path, sizeof path, "$.variants[%zu]", i);
		if (!json_is_object(item)) {
			schema_problem(c, "%s: %s: must be an object, not %s", MANIFEST,
				path, schema_type_name(item));
			continue;
		}
		schema_unknown_keys(c, item, path, keys);
		snprintf(path, sizeof path, "$.variants[%zu].id", i);
		x = json_object_get(item, "id");
		id = x ? schema_want_string(c, x, path) : NULL;
		if (!x)
			schema_problem(c, "%s: %s: missing; hint: a short id such as \"researcher\"",
				MANIFEST, path);
		if (!id)
			continue;
		if (!schema_is_check_id(id)) {
			schema_problem(c, "%s: %s: \"%s\" is not a variant id; hint: lowercase letters, digits, '.', '_' and '-'",
				MANIFEST, path, schema_show_str(q, id));
			continue;
		}
		for (j = 0; j < s->nvariants; j++)
			if (!strcmp(s->variants[j], id))
				break;
		if (j < s->nvariants) {
			schema_problem(c, "%s: %s: \"%s\" names two variants", MANIFEST,
				path, id);
			continue;
		}
		if (schema_keep(c, &s->variants[s->nvariants], id) < 0)
			return;
		s->nvariants++;
		x = json_object_get(item, "faults");
		if (!x)
			continue;
		snprintf(path, sizeof path, "$.variants[%zu].faults", i);
		if (!json_is_object(x)) {
			schema_problem(c, "%s: %s: must be an object of changes by fault id, not %s",
				MANIFEST, path, schema_type_name(x));
			continue;
		}
		json_object_foreach(x, fid, ch) {
			json_t *f;

			for (j = 0; json_is_array(faults) && j < json_array_size(faults); j++) {
				f = json_object_get(json_array_get(faults, j), "id");
				if (json_is_string(f) && !strcmp(json_string_value(f), fid))
					break;
			}
			if (!json_is_array(faults) || j == json_array_size(faults)) {
				schema_problem(c, "%s: %s.%s: no fault of $.faults has this id",
					MANIFEST, path, schema_show_str(q, fid));
				continue;
			}
			if (!json_is_object(ch) || json_object_get(ch, "id") ||
			    json_object_get(ch, "kind"))
				schema_problem(c, "%s: %s.%s: must be an object of the fault's keys to change (not its id or kind)",
					MANIFEST, path, schema_show_str(q, fid));
		}
	}
}

/* The plan with variant n's changes: a copy of $.faults. */
static json_t *variant_plan(struct schema *c, json_t *faults, json_t *variants,
			    size_t n)
{
	json_t *plan = json_deep_copy(faults), *ch, *f;
	const char *fid;
	size_t j;

	if (!plan) {
		c->oom = 1;
		return NULL;
	}
	ch = json_object_get(json_array_get(variants, n), "faults");
	json_object_foreach(ch, fid, f) {
		for (j = 0; j < json_array_size(plan); j++) {
			json_t *x = json_array_get(plan, j);
			json_t *xid = json_object_get(x, "id");

			if (json_is_object(x) && json_is_object(f) &&
			    json_is_string(xid) && !strcmp(json_string_value(xid), fid))
				json_object_update(x, f);
		}
	}
	return plan;
}

static void check_manifest(struct schema *c, json_t *m, struct scenario *s)
{
	char path[SCHEMA_PATH_SIZE];
	unsigned schema;
	json_t *v;
	size_t i;

	if (!json_is_object(m)) {
		schema_problem(c, "%s: $: must be an object, not %s", MANIFEST,
			schema_type_name(m));
		return;
	}
	schema_unknown_keys(c, m, "$", manifest_keys);
	for (i = 0; manifest_examples[i]; i++) {
		if (json_object_get(m, manifest_keys[i]))
			continue;
		snprintf(path, sizeof path, "$.%s", manifest_keys[i]);
		schema_problem(c, "%s: %s: missing; hint: add \"%s\": %s", MANIFEST, path,
			manifest_keys[i], manifest_examples[i]);
	}
	if ((v = json_object_get(m, "schema")))
		check_api(c, v, "$.schema", "schema version", &schema);
	if ((v = json_object_get(m, "id")))
		check_id(c, v, s);
	if ((v = json_object_get(m, "version")))
		check_version(c, v, s);
	if ((v = json_object_get(m, "title")))
		check_title(c, v, s);
	if ((v = json_object_get(m, "level")))
		check_level(c, v, s);
	if ((v = json_object_get(m, "competencies")))
		check_competencies(c, v, s);
	if ((v = json_object_get(m, "platform")))
		check_platform(c, v, s);
	if ((v = json_object_get(m, "grader_api")))
		check_api(c, v, "$.grader_api", "grader api", &s->grader_api);
	if ((v = json_object_get(m, "pass_mark")))
		schema_want_uint(c, v, "$.pass_mark", 0, SCENARIO_PER_MILLE,
			  " (thousandths of the total weight)", &s->pass_mark);
	if ((v = json_object_get(m, "time_limit_s")))
		schema_want_uint(c, v, "$.time_limit_s", SESSION_MIN_TIME_S,
			  SESSION_MAX_TIME_S, " seconds", &s->time_limit_s);
	if ((v = json_object_get(m, "valid_for_days")))
		schema_want_uint(c, v, "$.valid_for_days", 1, SCENARIO_MAX_VALID_DAYS,
			  " days", &s->valid_for_days);
	if ((v = json_object_get(m, "limits")))
		check_limits(c, v, s);
	if ((v = json_object_get(m, "services")))
		check_services(c, v, s);
	if ((v = json_object_get(m, "variants")))
		check_variants(c, v, json_object_get(m, "faults"), s);
	if ((v = json_object_get(m, "faults"))) {
		json_t *plan = s->variant < s->nvariants
				       ? variant_plan(c, v, json_object_get(m, "variants"),
						      s->variant)
				       : json_incref(v);

		if (plan)
			fault_plan_check(c, plan, s);
		json_decref(plan);
	}
	fault_plan_check_platform(c, s);
	if ((v = json_object_get(m, "candidate_owns")))
		keep_list(c, v, "$.candidate_owns", SERVICE_MAX_OWNS, 1,
			  &s->candidate_owns, &s->ncandidate_owns);
	if ((v = json_object_get(m, "record_input"))) {
		if (json_is_boolean(v))
			s->record_input = json_is_true(v);
		else
			schema_problem(c, "%s: $.record_input: must be true or false, not %s; hint: true records the candidate's keystrokes in labrun take",
				MANIFEST, schema_type_name(v));
	}
}

/* ---- the tree ---- */

static const char *const top_files[] = {MANIFEST, BRIEF, HINTS, NULL};
static const char *const top_dirs[] = {
	"system", "faults", "grader", "solutions", NULL,
};

static int in_list(const char *const *list, const char *s, size_t len)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == len && !memcmp(list[i], s, len))
			return 1;
	return 0;
}

/* Did an entry before i have the same first component (top, len)? */
static int top_seen(const struct tar_list *files, size_t i, const char *top,
		    size_t len)
{
	const char *name;
	size_t j;

	for (j = 0; j < i; j++) {
		name = files->v[j].name;
		if (!strncmp(name, top, len) &&
		    (name[len] == '/' || name[len] == 0))
			return 1;
	}
	return 0;
}

static void check_layout(struct schema *c, const struct tar_list *files)
{
	char q[SCHEMA_SHOW_SIZE];
	const struct tar_entry *t;
	const char *slash;
	size_t i, len;
	int has_system = 0;

	for (i = 0; i < files->n; i++) {
		t = &files->v[i];
		slash = strchr(t->name, '/');
		len = slash ? (size_t)(slash - t->name) : strlen(t->name);
		if (len == 6 && !memcmp(t->name, "system", 6))
			has_system = 1;
		if (in_list(top_dirs, t->name, len)) {
			if (!slash && !t->is_dir)
				schema_problem(c, "%s: must be a directory, not a file",
					t->name);
			continue;
		}
		if (in_list(top_files, t->name, len)) {
			if ((slash || t->is_dir) && !top_seen(files, i, t->name, len))
				schema_problem(c, "%.*s: must be a file, not a directory",
					(int)len, t->name);
			continue;
		}
		if (top_seen(files, i, t->name, len))
			continue;
		schema_show(q, sizeof q, t->name, len, 0);
		schema_problem(c, "%s%s: unknown entry; hint: put platform files under system/ (the top level holds only scenario.json, brief.md, hints.md, system/, faults/, grader/, solutions/)",
			q, slash || t->is_dir ? "/" : "");
	}
	if (!has_system)
		schema_problem(c, "system/: missing; hint: put the files laid into the sandbox root under system/");
}

/* A required file: NULL (and a problem) if it is missing or a directory;
 * a directory was reported by check_layout when it is at the top. */
static const struct tar_entry *need_file(struct schema *c,
					 const struct tar_list *files,
					 const char *name, const char *hint)
{
	const struct tar_entry *t = tar_list_find(files, name);

	if (!t) {
		schema_problem(c, "%s: missing; hint: %s", name, hint);
		return NULL;
	}
	if (t->is_dir) {
		if (strchr(name, '/'))
			schema_problem(c, "%s: must be a file, not a directory", name);
		return NULL;
	}
	return t;
}

/* Valid UTF-8 without NUL, for text a candidate reads. */
static int check_text(struct schema *c, const char *file,
		      const struct tar_entry *t)
{
	size_t bad = utf8_bad(t->data, t->len);

	if (bad == t->len)
		return 0;
	schema_problem(c, "%s: line %u: %s; hint: save it as UTF-8 text", file,
		line_of(t->data, bad),
		t->data[bad] ? "not valid UTF-8" : "contains a NUL byte");
	return -1;
}

static void check_brief(struct schema *c, const struct tar_list *files,
			struct scenario *s)
{
	const struct tar_entry *t;

	t = need_file(c, files, BRIEF,
		      "write what the candidate reads first, in markdown");
	if (!t || check_text(c, BRIEF, t) < 0)
		return;
	if (is_blank((const char *)t->data, t->len)) {
		schema_problem(c, "%s: is empty; hint: write what the candidate must do",
			BRIEF);
		return;
	}
	s->brief = strndup((const char *)t->data, t->len);
	if (!s->brief)
		c->oom = 1;
}

/* ---- hints.md ---- */

static int add_hint(struct schema *c, struct scenario *s, unsigned cost,
		    const char *body, size_t len)
{
	struct hint *v;

	while (len && is_blank(body, 1)) {
		body++;
		len--;
	}
	while (len && is_blank(body + len - 1, 1))
		len--;
	if (!len)
		return -1;
	v = realloc(s->hints, (s->nhints + 1) * sizeof *v);
	if (!v) {
		c->oom = 1;
		return 0;
	}
	s->hints = v;
	v[s->nhints].cost = cost;
	v[s->nhints].text = strndup(body, len);
	if (!v[s->nhints].text) {
		c->oom = 1;
		return 0;
	}
	s->nhints++;
	return 0;
}

/* Close the open section (if a good heading opened it). */
static void end_hint(struct schema *c, struct scenario *s, const struct tar_entry *t,
		     unsigned head_line, unsigned cost, size_t body, size_t end,
		     unsigned number)
{
	if (!head_line)
		return;
	if (add_hint(c, s, cost, (const char *)t->data + body, end - body) < 0)
		schema_problem(c, "%s: line %u: hint %u has no text; hint: write the hint below its heading",
			HINTS, head_line, number);
}

static void check_hints(struct schema *c, const struct tar_list *files,
			struct scenario *s)
{
	const struct tar_entry *t = tar_list_find(files, HINTS);
	struct line l = {0};
	unsigned head_line = 0, cost = 0, number = 0;
	size_t body = 0, hlen = strlen(HINT_HEAD);
	int in_section = 0, title = 0, preamble_reported = 0;
	char q[SCHEMA_SHOW_SIZE];
	uint64_t n;

	if (!t || t->is_dir || check_text(c, HINTS, t) < 0)
		return;
	while (next_line(t->data, t->len, &l)) {
		if (!starts(&l, "## ")) {
			if (in_section || is_blank(l.s, l.len))
				continue;
			if (starts(&l, "# ") && !title) {
				title = 1;
				continue;
			}
			if (!preamble_reported)
				schema_problem(c, "%s: line %u: text before the first hint; hint: only blank lines and one \"# Title\" line may come before the first \"## Hint (cost N)\"",
					HINTS, l.no);
			preamble_reported = 1;
			continue;
		}
		if (in_section)
			end_hint(c, s, t, head_line, cost, body, l.start, number);
		in_section = 1;
		number++;
		if (number == SCENARIO_MAX_HINTS + 1)
			schema_problem(c, "%s: line %u: more than %d hints; hint: merge some",
				HINTS, l.no, SCENARIO_MAX_HINTS);
		head_line = 0;
		body = l.end;
		if (l.len > hlen + 1 && starts(&l, HINT_HEAD) &&
		    l.s[l.len - 1] == ')' &&
		    parse_num(l.s + hlen, l.len - hlen - 1, 0, UINT64_MAX, &n) == 0) {
			if (n > SCENARIO_PER_MILLE) {
				schema_problem(c, "%s: line %u: hint cost %llu is out of range; hint: a cost is thousandths of the total score, 0 to %d",
					HINTS, l.no, (unsigned long long)n,
					SCENARIO_PER_MILLE);
				continue;
			}
			head_line = l.no;
			cost = (unsigned)n;
			continue;
		}
		schema_problem(c, "%s: line %u: \"%s\" is not a hint heading; hint: write \"## Hint (cost N)\" with N the thousandths of the total score it costs (0 to %d)",
			HINTS, l.no, schema_show(q, sizeof q, l.s, l.len, 1),
			SCENARIO_PER_MILLE);
	}
	if (in_section)
		end_hint(c, s, t, head_line, cost, body, t->len, number);
}

/* ---- grader ---- */

/* Report grader_compile's message with its line: "grader/grade.lua:N:
 * what", or "[string \"...\"]:N: what" when the chunk name has no '='. */
static void report_compile(struct schema *c, const char *msg)
{
	char shown[SCHEMA_SHOW_SIZE * 2];
	const char *m = msg, *colon;
	size_t cl = strlen(GRADE_LUA);
	uint64_t line;

	if (!*m)
		m = "does not compile";
	if (!strncmp(m, GRADE_LUA, cl) && m[cl] == ':')
		m += cl + 1;
	else if (!strncmp(m, "[string \"", 9) && strstr(m, "\"]:"))
		m = strstr(m, "\"]:") + 3;
	colon = strchr(m, ':');
	if (colon && parse_num(m, (size_t)(colon - m), 1, UINT32_MAX,
			       &line) == 0) {
		m = colon + 1 + (colon[1] == ' ');
		schema_problem(c, "%s: line %llu: %s", GRADE_LUA,
			(unsigned long long)line,
			schema_show(shown, sizeof shown, m, strlen(m), 0));
	} else {
		schema_problem(c, "%s: %s", GRADE_LUA,
			schema_show(shown, sizeof shown, m, strlen(m), 0));
	}
}

/* keys.json's "variants": {"ID": {keys}, ...}, one per variant, no more. */
static void check_variant_keys(struct schema *c, json_t *v, const struct scenario *s)
{
	char q[SCHEMA_SHOW_SIZE];
	const char *id;
	json_t *k;
	size_t i;

	if (!v)
		return; /* one set of keys for every variant */
	if (!json_is_object(v) || !s->nvariants) {
		schema_problem(c, "%s: $.variants: %s", KEYS_JSON,
			s->nvariants ? "must be an object of keys by variant id; hint: {\"ID\": {...}, ...} for each id of scenario.json's $.variants"
				     : "scenario.json declares no variants; hint: declare them in its $.variants, or drop this key");
		return;
	}
	json_object_foreach(v, id, k) {
		for (i = 0; i < s->nvariants; i++)
			if (!strcmp(s->variants[i], id))
				break;
		if (i == s->nvariants)
			schema_problem(c, "%s: $.variants.%s: not a variant of scenario.json's $.variants",
				KEYS_JSON, schema_show_str(q, id));
		else if (!json_is_object(k))
			schema_problem(c, "%s: $.variants.%s: must be an object, not %s",
				KEYS_JSON, id, schema_type_name(k));
	}
	for (i = 0; i < s->nvariants; i++)
		if (!json_object_get(v, s->variants[i]))
			schema_problem(c, "%s: $.variants: no keys for variant \"%s\"",
				KEYS_JSON, s->variants[i]);
}

static void check_grader(struct schema *c, const struct tar_list *files,
			 const struct scenario *s)
{
	const struct tar_entry *t;
	char msg[512];
	json_t *keys;

	msg[0] = 0;
	t = need_file(c, files, GRADE_LUA,
		      "write the grader that returns the checks (docs/graders.md)");
	if (t && t->len > GRADER_MAX_SOURCE) {
		schema_problem(c, "%s: too large (%zu bytes, at most %u)", GRADE_LUA,
			t->len, GRADER_MAX_SOURCE);
	} else if (t && grader_compile((const char *)t->data, t->len, GRADE_LUA,
				       msg, sizeof msg) < 0) {
		msg[sizeof msg - 1] = 0;
		report_compile(c, msg);
	}
	t = tar_list_find(files, KEYS_JSON);
	if (!t)
		return;
	if (t->is_dir) {
		schema_problem(c, "%s: must be a file, not a directory", KEYS_JSON);
		return;
	}
	keys = schema_load_json(c, KEYS_JSON, t, BUNDLE_MAX_FILE);
	if (keys && !json_is_object(keys))
		schema_problem(c, "%s: $: must be an object, not %s; hint: answer keys are {\"name\": value, ...}",
			KEYS_JSON, schema_type_name(keys));
	else if (keys)
		check_variant_keys(c, json_object_get(keys, "variants"), s);
	json_decref(keys);
}

/* ---- solutions ---- */

/* Check the "# must-fail: ID ..." line of a wrong solution. */
static void check_must_fail(struct schema *c, const char *file,
			    const struct tar_entry *t)
{
	char q[SCHEMA_SHOW_SIZE], id[80];
	struct line l = {0};
	size_t i, j, plen = strlen(MUST_FAIL);
	unsigned found = 0, ids;
	const char *rest;

	while (next_line(t->data, t->len, &l)) {
		rest = l.s;
		for (i = 1; i < l.len && (rest[i] == ' ' || rest[i] == '\t'); i++)
			;
		if (!l.len || rest[0] != '#' || l.len - i < 9 ||
		    strncasecmp(rest + i, "must-fail", 9))
			continue;
		if (l.no > SOLUTION_HEADER_LINES) {
			if (!found)
				schema_problem(c, "%s: line %u: the must-fail line must be among the first %d lines",
					file, l.no, SOLUTION_HEADER_LINES);
			found = l.no;
			break;
		}
		if (found) {
			schema_problem(c, "%s: line %u: a second must-fail line; hint: name every check on line %u",
				file, l.no, found);
			continue;
		}
		found = l.no;
		if (!starts(&l, MUST_FAIL)) {
			schema_problem(c, "%s: line %u: \"%s\" is not a must-fail line; hint: write \"# must-fail: CHECK-ID [CHECK-ID ...]\" exactly",
				file, l.no, schema_show(q, sizeof q, l.s, l.len, 1));
			continue;
		}
		ids = 0;
		for (i = plen; i < l.len; i = j) {
			while (i < l.len && (l.s[i] == ' ' || l.s[i] == '\t'))
				i++;
			for (j = i; j < l.len && l.s[j] != ' ' && l.s[j] != '\t'; j++)
				;
			if (i == j)
				break;
			ids++;
			if (j - i < sizeof id) {
				memcpy(id, l.s + i, j - i);
				id[j - i] = 0;
				if (schema_is_check_id(id))
					continue;
			}
			schema_problem(c, "%s: line %u: \"%s\" is not a check id; hint: check ids match ^[a-z0-9][a-z0-9._-]{0,63}$, as the grader returns them",
				file, l.no, schema_show(q, sizeof q, l.s + i, j - i, 1));
		}
		if (!ids)
			schema_problem(c, "%s: line %u: names no check; hint: list the ids of the checks this wrong solution must fail",
				file, l.no);
	}
	if (!found)
		schema_problem(c, "%s: no \"# must-fail: CHECK-ID ...\" line among the first %d lines; hint: name the checks this wrong solution must fail",
			file, SOLUTION_HEADER_LINES);
}

static void check_solutions(struct schema *c, const struct tar_list *files)
{
	char q[SCHEMA_SHOW_SIZE];
	const struct tar_entry *t;
	const char *rest;
	size_t i, len, pl = strlen("solutions/");

	need_file(c, files, REFERENCE,
		  "a script that repairs the faulted system; selftest runs it and it must pass");
	for (i = 0; i < files->n; i++) {
		t = &files->v[i];
		if (strncmp(t->name, "solutions/", pl))
			continue;
		rest = t->name + pl;
		len = strlen(rest);
		schema_show_str(q, t->name);
		if (t->is_dir) {
			if (strcmp(rest, "reference.sh"))
				schema_problem(c, "%s: unexpected directory; hint: solutions/ holds reference.sh and wrong-NAME.sh only",
					q);
			continue;
		}
		if (!strcmp(rest, "reference.sh"))
			continue;
		if (len > 9 && !strncmp(rest, "wrong-", 6) &&
		    !strcmp(rest + len - 3, ".sh") && !strchr(rest, '/')) {
			check_must_fail(c, q, t);
			continue;
		}
		schema_problem(c, "%s: unexpected file; hint: solutions/ holds reference.sh and wrong-NAME.sh only",
			q);
	}
}

/* ---- the whole ---- */

static void check_manifest_file(struct schema *c, const struct tar_list *files,
				struct scenario *s)
{
	const struct tar_entry *t;
	json_t *m;

	t = need_file(c, files, MANIFEST,
		      "every scenario starts with a manifest (docs/scenario.md)");
	if (!t)
		return;
	m = schema_load_json(c, MANIFEST, t, BUNDLE_MAX_MANIFEST);
	if (!m)
		return;
	check_manifest(c, m, s);
	json_decref(m);
}

size_t scenario_pick_variant(const struct scenario *s, const char *seed_hex)
{
	unsigned char h[8];
	uint64_t v = 0;
	size_t i;

	if (!s->nvariants)
		return SIZE_MAX;
	if (sign_blake2b(h, sizeof h, seed_hex, strlen(seed_hex),
			 "labrun variant", 14) < 0)
		abort(); /* the lengths are constants in range */
	for (i = 0; i < sizeof h; i++)
		v = v << 8 | h[i];
	return (size_t)(v % s->nvariants);
}

int scenario_load(const struct tar_list *files, unsigned max_depth,
		  struct scenario *out, struct problems *p, struct err *e)
{
	return scenario_load_variant(files, max_depth, SIZE_MAX, out, p, e);
}

/* The scenario, every problem into p; with keep, a scenario with
 * problems is kept in out as far as it was read (scenario_check). */
static int load(const struct tar_list *files, unsigned max_depth,
		size_t variant, struct scenario *out, struct problems *p,
		int keep, struct err *e)
{
	struct scenario s = {0};
	struct schema c = {.p = p, .file = MANIFEST, .max_depth = max_depth};

	s.limits = scenario_default_limits;
	s.variant = variant;
	check_layout(&c, files);
	check_manifest_file(&c, files, &s);
	fault_plan_check_files(&c, files, &s);
	/* every variant's plan is a plan: checked as one, what it would
	 * only repeat of the base's problems left out */
	for (size_t i = 0; variant == SIZE_MAX && !c.oom && i < s.nvariants; i++) {
		struct scenario t = {0};
		struct schema vc = {.p = p, .file = MANIFEST, .max_depth = max_depth,
				     .variant = s.variants[i], .seen = p};
		size_t before = p->n;

		t.limits = scenario_default_limits;
		t.variant = i;
		check_manifest_file(&vc, files, &t);
		fault_plan_check_files(&vc, files, &t);
		/* a variant's own problems count; repeated ones were counted */
		c.found += p->n - before;
		c.oom |= vc.oom;
		scenario_release(&t);
	}
	check_owned(&c, files, &s);
	check_candidate_owns(&c, files, &s);
	check_brief(&c, files, &s);
	check_hints(&c, files, &s);
	check_grader(&c, files, &s);
	check_solutions(&c, files);
	if (!c.oom && !c.found) {
		*out = s;
		return 0;
	}
	if (c.oom) {
		scenario_release(&s);
		memset(out, 0, sizeof *out);
		problems_release(p);
		return err_set(e, ERR_HOST, "checking the scenario: out of memory");
	}
	if (keep) {
		*out = s;
	} else {
		scenario_release(&s);
		memset(out, 0, sizeof *out);
	}
	return err_set(e, ERR_REFUSED, "%zu problem%s in the scenario", p->n,
		       p->n == 1 ? "" : "s");
}

int scenario_load_variant(const struct tar_list *files, unsigned max_depth,
			  size_t variant, struct scenario *out,
			  struct problems *p, struct err *e)
{
	return load(files, max_depth, variant, out, p, 0, e);
}

int scenario_check(const struct tar_list *files, unsigned max_depth,
		   struct scenario *out, struct problems *p, struct err *e)
{
	return load(files, max_depth, SIZE_MAX, out, p, 1, e);
}

void scenario_release(struct scenario *s)
{
	size_t i;

	free(s->id);
	free(s->version);
	free(s->title);
	free(s->level);
	free(s->platform);
	for (i = 0; i < s->ncompetencies; i++)
		free(s->competencies[i]);
	free(s->competencies);
	for (i = 0; i < s->nhints; i++)
		free(s->hints[i].text);
	free(s->hints);
	free(s->brief);
	for (i = 0; i < s->nservices; i++) {
		size_t k;

		free(s->services[i].name);
		for (k = 0; k < s->services[i].argc; k++)
			free(s->services[i].argv[k]);
		free(s->services[i].argv);
		for (k = 0; k < s->services[i].nowns; k++)
			free(s->services[i].owns[k]);
		free(s->services[i].owns);
	}
	free(s->services);
	for (i = 0; i < s->ncandidate_owns; i++)
		free(s->candidate_owns[i]);
	free(s->candidate_owns);
	for (i = 0; i < s->nvariants; i++)
		free(s->variants[i]);
	free(s->variants);
	for (i = 0; i < s->nfaults; i++)
		fault_release(&s->faults[i]);
	free(s->faults);
	free(s->platform_faults);
	memset(s, 0, sizeof *s);
}
