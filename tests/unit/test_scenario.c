/* test_scenario: scenario_load over trees built in memory: a valid
 * scenario, each defect alone (with its file and JSON path or line), many
 * at once, and hostile manifests (deep nesting, duplicates, floats, escapes
 * in keys).  It does not touch the disk. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/scenario.h"
#include "runner/tarball.h"
#include "tests/unit/tap.h"

/* The manifest of the valid scenario, one key per entry (raw JSON). */
static const char *const base_keys[][2] = {
	{"schema", "1"},
	{"id", "\"policy-rollback\""},
	{"version", "\"1.2.0-rc.1+build.7\""},
	{"title", "\"Roll back a bad policy version\""},
	{"level", "\"practitioner\""},
	{"competencies", "[\"policy-debugging\", \"trace-reading\"]"},
	{"platform", "\"agentsim-1\""},
	{"grader_api", "1"},
	{"pass_mark", "700"},
	{"time_limit_s", "1800"},
	{"valid_for_days", "730"},
	{"limits", "{\"memory_mb\": 256, \"open_files\": 2048}"},
};
#define NBASE (sizeof base_keys / sizeof base_keys[0])

static const char brief[] =
	"# Agents are being denied\n\nSince the last deploy every tool call "
	"is denied.  Restore service and explain why.\n";
static const char hints[] =
	"# Hints\n\n## Hint (cost 100)\nLook at the audit log.\n\n"
	"## Hint (cost 250)\n\nCompare policy v6 and v7.\n\n";
static const char grade_lua[] =
	"local lab = ...\nreturn {\n  { id = \"policy-restored\", "
	"title = \"policy restored\", weight = 1000 },\n}\n";

/* A file of the tree: data NULL is a directory; DROP removes a file of
 * the base tree. */
struct file {
	const char *name;
	const char *data;
};
static const char DROP[] = "(drop)";
#define DIRECTORY NULL

static const struct file base_files[] = {
	{"brief.md", brief},
	{"hints.md", hints},
	{"system", DIRECTORY},
	{"system/etc/agentsim/policy.json", "{\"active\": 7}\n"},
	{"faults/v7.json", "{}\n"},
	{"grader/grade.lua", grade_lua},
	{"grader/keys.json", "{\"bad_version\": 7}\n"},
	{"solutions/reference.sh", "#!/bin/sh\nagentsim policy activate 6\n"},
	{"solutions/wrong-restart.sh",
	 "#!/bin/sh\n# must-fail: policy-restored root-cause.v7\nagentsim restart\n"},
};

static struct problems P;
static struct scenario S;
static int RC;

/* scenario.json: the base keys, then each (key, raw value) pair of the
 * NULL-terminated list replaces a key (DROP removes it) or is added. */
static char *manifest(const char *key, ...)
{
	struct buf b = BUF_INIT;
	const char *extra[16][2];
	size_t n = 0, i, j;
	int first = 1;
	va_list ap;

	va_start(ap, key);
	for (; key && n < 16; key = va_arg(ap, const char *)) {
		extra[n][0] = key;
		extra[n++][1] = va_arg(ap, const char *);
	}
	va_end(ap);
	buf_puts(&b, "{\n", NULL);
	for (i = 0; i < NBASE + n; i++) {
		const char *k = i < NBASE ? base_keys[i][0] : extra[i - NBASE][0];
		const char *v = i < NBASE ? base_keys[i][1] : extra[i - NBASE][1];

		for (j = 0; i < NBASE && j < n; j++)
			if (!strcmp(extra[j][0], k))
				break;
		if (i < NBASE && j < n)
			v = extra[j][1];
		if (i >= NBASE) {
			for (j = 0; j < NBASE; j++)
				if (!strcmp(base_keys[j][0], k))
					break;
			if (j < NBASE)
				continue;
		}
		if (v == DROP)
			continue;
		buf_printf(&b, NULL, "%s  \"%s\": %s", first ? "" : ",\n", k, v);
		first = 0;
	}
	buf_puts(&b, "\n}\n", NULL);
	return (char *)buf_steal(&b, NULL);
}

/* The base tree with man as scenario.json (NULL: none) and the
 * overrides in ov (ending in {NULL}) applied. */
static void tree(struct tar_list *l, const char *man, const struct file *ov)
{
	const struct file *f, *o;
	size_t i;
	int rc = 0;

	if (man)
		rc |= tar_list_add_file(l, "scenario.json", 0644, man,
					strlen(man), NULL);
	for (i = 0; i < sizeof base_files / sizeof base_files[0]; i++) {
		f = &base_files[i];
		for (o = ov; o && o->name; o++)
			if (!strcmp(o->name, f->name))
				f = o;
		if (f->data == DROP)
			continue;
		if (f->data)
			rc |= tar_list_add_file(l, f->name, 0644, f->data,
						strlen(f->data), NULL);
		else
			rc |= tar_list_add_dir(l, f->name, NULL);
	}
	for (; ov && ov->name; ov++) {
		for (i = 0; i < sizeof base_files / sizeof base_files[0]; i++)
			if (!strcmp(ov->name, base_files[i].name))
				break;
		if (i < sizeof base_files / sizeof base_files[0] || ov->data == DROP)
			continue;
		if (ov->data)
			rc |= tar_list_add_file(l, ov->name, 0644, ov->data,
						strlen(ov->data), NULL);
		else
			rc |= tar_list_add_dir(l, ov->name, NULL);
	}
	if (rc)
		printf("# building the tree failed\n");
}

static void reset(void)
{
	problems_release(&P);
	scenario_release(&S);
}

/* Load a tree: man as scenario.json (taken, freed here) and overrides. */
static int load(char *man, const struct file *ov)
{
	struct tar_list l = {0};
	struct err e = {0};

	reset();
	tree(&l, man, ov);
	RC = scenario_load(&l, JSON_MAX_DEPTH, &S, &P, &e);
	if (RC < 0 && P.n == 0)
		printf("# host error: %s\n", e.msg);
	tar_list_release(&l);
	free(man);
	return RC;
}

static void dump(void)
{
	size_t i;

	for (i = 0; i < P.n; i++)
		printf("#   problem: %s\n", P.v[i]);
}

/* Is there a problem starting with prefix (and containing sub, if not
 * NULL)? */
static int has(const char *prefix, const char *sub)
{
	size_t i;

	for (i = 0; i < P.n; i++)
		if (!strncmp(P.v[i], prefix, strlen(prefix)) &&
		    (!sub || strstr(P.v[i], sub)))
			return 1;
	return 0;
}

/* Exactly one problem, starting with prefix. */
static void one(const char *prefix, const char *sub, const char *what)
{
	int good = RC == -1 && P.n == 1 && has(prefix, sub);

	ok(good, "%s: %s", what, prefix);
	if (!good)
		dump();
}

static void test_valid(void)
{
	load(manifest(NULL), NULL);
	ok(RC == 0 && P.n == 0, "the valid scenario loads");
	dump();
	is_str(S.id, "policy-rollback", "id");
	is_str(S.version, "1.2.0-rc.1+build.7", "version");
	is_str(S.title, "Roll back a bad policy version", "title");
	is_str(S.level, "practitioner", "level");
	is_str(S.platform, "agentsim-1", "platform");
	ok(S.ncompetencies == 2, "two competencies");
	if (S.ncompetencies == 2)
		is_str(S.competencies[1], "trace-reading", "competencies in order");
	ok(S.grader_api == 1 && S.pass_mark == 700 && S.time_limit_s == 1800 &&
		   S.valid_for_days == 730,
	   "numbers");
	ok(S.limits.memory_mb == 256 && S.limits.open_files == 2048,
	   "limits given are taken");
	ok(S.limits.processes == SESSION_DEFAULT_PROCS &&
		   S.limits.disk_mb == SESSION_DEFAULT_DISK_MB &&
		   S.limits.cpu_s == SESSION_DEFAULT_CPU_S,
	   "limits absent take the defaults");
	ok(S.nhints == 2, "two hints");
	if (S.nhints == 2) {
		ok(S.hints[0].cost == 100 && S.hints[1].cost == 250, "hint costs");
		is_str(S.hints[0].text, "Look at the audit log.", "hint text trimmed");
		is_str(S.hints[1].text, "Compare policy v6 and v7.",
		       "second hint trimmed");
	}
	ok(S.brief && !strcmp(S.brief, brief), "brief kept");

	load(manifest("limits", DROP, NULL),
	     (const struct file[]){{"hints.md", DROP}, {NULL, NULL}});
	ok(RC == 0 && S.nhints == 0, "no limits and no hints.md is valid");
	ok(!memcmp(&S.limits, &scenario_default_limits, sizeof S.limits),
	   "no limits: all defaults");
	ok(scenario_default_limits.open_files == SESSION_DEFAULT_NOFILE &&
		   scenario_default_limits.memory_mb == SESSION_DEFAULT_MEMORY_MB,
	   "scenario_default_limits");

	/* No directory entry for system/: a file under it is enough; extra
	 * wrong solutions and files under grader/ are fine. */
	load(manifest(NULL), (const struct file[]){
		{"system", DROP},
		{"grader/lib/traces.lua", "return {}\n"},
		{"solutions/wrong-b.sh", "#!/bin/sh\n\n\n\n# must-fail: x\n"},
		{NULL, NULL}});
	ok(RC == 0, "system/ without its own directory entry");
	dump();
}

struct bad_value {
	const char *key, *value, *prefix, *sub;
};

static const struct bad_value bad_values[] = {
	{"schema", "2", "scenario.json: $.schema: unsupported schema version 2", NULL},
	{"schema", "\"1\"", "scenario.json: $.schema: must be an integer, not a string", NULL},
	{"schema", "1.0", "scenario.json: $.schema: must be an integer", "fraction"},
	{"id", "\"Policy_Rollback\"", "scenario.json: $.id: ", "not a scenario id"},
	{"id", "\"-policy\"", "scenario.json: $.id: ", "not a scenario id"},
	{"id", "\"a123456789012345678901234567890123456789012345678901234567890123\"",
	 "scenario.json: $.id: ", "at most 63"},
	{"id", "\"\"", "scenario.json: $.id: ", NULL},
	{"id", "7", "scenario.json: $.id: must be a string, not an integer", NULL},
	{"version", "\"1.0\"", "scenario.json: $.version: ", "MAJOR.MINOR.PATCH"},
	{"version", "\"01.0.0\"", "scenario.json: $.version: ", "leading zero"},
	{"version", "\"1.00.0\"", "scenario.json: $.version: ", "leading zero"},
	{"version", "\"v1.0.0\"", "scenario.json: $.version: ", "semantic version"},
	{"version", "\"1.0.0-\"", "scenario.json: $.version: ", "empty identifier"},
	{"version", "\"1.0.0-rc..1\"", "scenario.json: $.version: ", "empty identifier"},
	{"version", "\"1.0.0-01\"", "scenario.json: $.version: ", "leading zero"},
	{"version", "\"1.0.0+\"", "scenario.json: $.version: ", "empty identifier"},
	{"version", "\"1.0.0-rc_1\"", "scenario.json: $.version: ", "only letters"},
	{"version", "\"1.0.0 \"", "scenario.json: $.version: ", "unexpected text"},
	{"version", "\"1.0.0.0\"", "scenario.json: $.version: ", "unexpected text"},
	{"version", "1", "scenario.json: $.version: must be a string", NULL},
	{"title", "\"\"", "scenario.json: $.title: is empty", NULL},
	{"title", "\"   \"", "scenario.json: $.title: is empty", NULL},
	{"title", "\"a\\u0007b\"", "scenario.json: $.title: contains a control character", NULL},
	{"title", "\"a\\nb\"", "scenario.json: $.title: contains a control character", NULL},
	{"title", "\"a\\u0085b\"", "scenario.json: $.title: contains a control character", NULL},
	{"level", "\"expert\"", "scenario.json: $.level: \"expert\" is not a level",
	 "foundation, practitioner, specialist, architect"},
	{"competencies", "[]", "scenario.json: $.competencies: is empty", NULL},
	{"competencies", "\"policy\"", "scenario.json: $.competencies: must be an array", NULL},
	{"competencies", "[\"a\", 1]", "scenario.json: $.competencies[1]: must be a string", NULL},
	{"competencies", "[\"a\", \"b\", \"Bad\"]", "scenario.json: $.competencies[2]: \"Bad\" is not a competency id", NULL},
	{"competencies", "[\"a\", \"b\", \"a\"]", "scenario.json: $.competencies[2]: \"a\" repeats $.competencies[0]", NULL},
	{"platform", "\"Agentsim 1\"", "scenario.json: $.platform: ", "not a platform version"},
	{"platform", "\".agentsim\"", "scenario.json: $.platform: ", "not a platform version"},
	{"grader_api", "2", "scenario.json: $.grader_api: unsupported grader api 2", NULL},
	{"pass_mark", "1001", "scenario.json: $.pass_mark: 1001 is out of range", "0 to 1000"},
	{"pass_mark", "-1", "scenario.json: $.pass_mark: -1 is out of range", NULL},
	{"pass_mark", "700.0", "scenario.json: $.pass_mark: must be an integer", "1e3"},
	{"pass_mark", "7e2", "scenario.json: $.pass_mark: must be an integer", NULL},
	{"pass_mark", "\"700\"", "scenario.json: $.pass_mark: must be an integer, not a string", NULL},
	{"pass_mark", "true", "scenario.json: $.pass_mark: must be an integer, not a boolean", NULL},
	{"pass_mark", "null", "scenario.json: $.pass_mark: must be an integer, not null", NULL},
	{"time_limit_s", "9", "scenario.json: $.time_limit_s: 9 is out of range", NULL},
	{"time_limit_s", "28801", "scenario.json: $.time_limit_s: 28801 is out of range", NULL},
	{"valid_for_days", "0", "scenario.json: $.valid_for_days: 0 is out of range", NULL},
	{"valid_for_days", "3651", "scenario.json: $.valid_for_days: 3651 is out of range", NULL},
	{"limits", "[]", "scenario.json: $.limits: must be an object, not an array", NULL},
	{"limits", "{\"memory_mb\": 15}", "scenario.json: $.limits.memory_mb: 15 is out of range", NULL},
	{"limits", "{\"memory_mb\": 8193}", "scenario.json: $.limits.memory_mb: 8193 is out of range", NULL},
	{"limits", "{\"memory_mb\": 512.0}", "scenario.json: $.limits.memory_mb: must be an integer", NULL},
	{"limits", "{\"processes\": 7}", "scenario.json: $.limits.processes: 7 is out of range", NULL},
	{"limits", "{\"processes\": 4097}", "scenario.json: $.limits.processes: ", NULL},
	{"limits", "{\"disk_mb\": 0}", "scenario.json: $.limits.disk_mb: 0 is out of range", NULL},
	{"limits", "{\"cpu_s\": 0}", "scenario.json: $.limits.cpu_s: 0 is out of range", NULL},
	{"limits", "{\"cpu_s\": 1e3}", "scenario.json: $.limits.cpu_s: must be an integer", NULL},
	{"limits", "{\"open_files\": 15}", "scenario.json: $.limits.open_files: 15 is out of range", NULL},
	{"limits", "{\"open_files\": 65537}", "scenario.json: $.limits.open_files: 65537 is out of range", NULL},
	{"limits", "{\"memory\": 512}", "scenario.json: $.limits.memory: unknown key",
	 "did you mean \"memory_mb\"? the allowed keys are memory_mb, processes, disk_mb, cpu_s, open_files"},
	{"timelimit_s", "60", "scenario.json: $.timelimit_s: unknown key", "did you mean \"time_limit_s\"?"},
	{"services", "{}", "scenario.json: $.services: must be an array", NULL},
	{"services", "[{\"name\": \"a\", \"argv\": [\"/x\"]}, {\"name\": \"a\", \"argv\": [\"/y\"]}]",
	 "scenario.json: $.services[1].name: \"a\" names two services", NULL},
	{"services", "[{\"name\": \"a\", \"argv\": [\"/x/../y\"]}]",
	 "scenario.json: $.services[0].argv[0]: \"/x/../y\" is not an absolute path", NULL},
	{"servicez", "[]", "scenario.json: $.servicez: unknown key", "did you mean \"services\"?"},
	{"has space", "1", "scenario.json: $[\"has space\"]: unknown key", NULL},
};

static void test_bad_values(void)
{
	const struct bad_value *b;
	size_t i;

	for (i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
		b = &bad_values[i];
		load(manifest(b->key, b->value, NULL), NULL);
		ok(RC == -1 && P.n == 1 && has(b->prefix, b->sub),
		   "%s = %s: %s", b->key, b->value, b->prefix);
		if (!(RC == -1 && P.n == 1 && has(b->prefix, b->sub)))
			dump();
		ok(!S.id && !S.brief, "%s = %s: out left empty", b->key, b->value);
	}
}

static void test_good_values(void)
{
	static const char *const good[][2] = {
		{"version", "\"0.0.0\""},
		{"version", "\"1.2.3-0\""},
		{"version", "\"1.2.3-alpha-1.x.7\""},
		{"version", "\"1.2.3+build.01\""},
		{"version", "\"10.20.30-rc.1+sha.5114f85\""},
		{"id", "\"a\""},
		{"id", "\"0-9\""},
		{"platform", "\"agentsim-1.2\""},
		{"pass_mark", "0"},
		{"pass_mark", "1000"},
		{"time_limit_s", "10"},
		{"time_limit_s", "28800"},
		{"limits", "{}"},
		{"limits", "{\"memory_mb\": 16, \"processes\": 8, \"disk_mb\": 1, \"cpu_s\": 1, \"open_files\": 65536}"},
		{"title", "\"Réparer la politique — v7 → v6\""},
		{"title", "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\""},
		{"title", "\"\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\\\""},
	};
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		load(manifest(good[i][0], good[i][1], NULL), NULL);
		ok(RC == 0, "%s = %s is valid", good[i][0], good[i][1]);
		dump();
	}
	load(manifest("title", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
		      NULL), NULL);
	ok(RC == 0, "a title of 200 bytes");
	load(manifest("title", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
		      NULL), NULL);
	one("scenario.json: $.title: too long (201 bytes", NULL, "a title of 201 bytes");
}

static void test_missing_keys(void)
{
	char prefix[128];
	size_t i;

	for (i = 0; i < NBASE; i++) {
		load(manifest(base_keys[i][0], DROP, NULL), NULL);
		if (!strcmp(base_keys[i][0], "limits")) {
			ok(RC == 0, "limits may be left out");
			continue;
		}
		snprintf(prefix, sizeof prefix, "scenario.json: $.%s: missing",
			 base_keys[i][0]);
		one(prefix, "hint: add", "required key left out");
	}
}

static void test_json(void)
{
	struct buf b = BUF_INIT;
	char *m;
	int i;

	m = strdup("{\"schema\": 1, \"id\": \"a\", \"id\": \"b\"}");
	load(m, NULL);
	one("scenario.json: line 1, column ", "duplicate object key",
	    "duplicate keys refused");

	load(strdup("{\n  \"schema\": 1,\n  \"id\": ,\n}\n"), NULL);
	one("scenario.json: line 3, column ", NULL, "syntax error with line and column");

	load(strdup("{\"title\": \"caf\xe9\"}"), NULL);
	one("scenario.json: line 1, column ", "unable to decode byte 0xe9",
	    "invalid UTF-8 refused with its place");

	load(strdup(""), NULL);
	one("scenario.json: line ", NULL, "empty manifest");

	load(strdup("[1, 2]"), NULL);
	one("scenario.json: $: must be an object, not an array", NULL,
	    "a manifest that is an array");

	/* 70 levels: jansson would take it (its own bound is 2048), so only
	 * the scan refuses it. */
	for (i = 0; i < 70; i++)
		buf_puts(&b, "[", NULL);
	for (i = 0; i < 70; i++)
		buf_puts(&b, "]", NULL);
	load((char *)buf_steal(&b, NULL), NULL);
	one("scenario.json: $: nested deeper than 64 levels", NULL, "70 levels refused");

	/* 64 levels in all is the bound itself: not refused for depth. */
	for (i = 0; i < 63; i++)
		buf_puts(&b, "[", NULL);
	for (i = 0; i < 63; i++)
		buf_puts(&b, "]", NULL);
	m = (char *)buf_steal(&b, NULL);
	load(manifest("deep", m, NULL), NULL);
	one("scenario.json: $.deep: unknown key", NULL, "64 levels parsed");
	free(m);

	/* A million levels: refused by the scan before any recursion. */
	for (i = 0; i < 1000000; i++)
		buf_puts(&b, "[", NULL);
	load((char *)buf_steal(&b, NULL), NULL);
	one("scenario.json: $: nested deeper than 64 levels", NULL,
	    "a million levels refused without a crash");

	m = malloc(BUNDLE_MAX_MANIFEST + 2);
	memset(m, ' ', BUNDLE_MAX_MANIFEST + 1);
	m[0] = '{';
	m[BUNDLE_MAX_MANIFEST] = '}';
	m[BUNDLE_MAX_MANIFEST + 1] = 0;
	load(m, NULL);
	one("scenario.json: too large (1048577 bytes, at most 1048576)", NULL,
	    "a manifest past BUNDLE_MAX_MANIFEST");

	/* A key with a terminal escape is shown escaped, never raw. */
	load(manifest("\\u001b[31mred", "1", NULL), NULL);
	one("scenario.json: $[\"\\x1b[31mred\"]: unknown key", NULL,
	    "escape in a key is not echoed raw");

	load(manifest(NULL), (const struct file[]){
		{"grader/keys.json", "[\"a\"]"}, {NULL, NULL}});
	one("grader/keys.json: $: must be an object, not an array", NULL,
	    "keys.json must be an object");
	for (i = 0; i < 65; i++)
		buf_puts(&b, "{\"a\":", NULL);
	load(manifest(NULL), (const struct file[]){
		{"grader/keys.json", (char *)b.data}, {NULL, NULL}});
	one("grader/keys.json: $: nested deeper than 64 levels", NULL,
	    "keys.json depth-checked");
	buf_release(&b);
	load(manifest(NULL), (const struct file[]){
		{"grader/keys.json", "{\"a\": 1,\n\"a\": 2}"}, {NULL, NULL}});
	one("grader/keys.json: line 2, column ", "duplicate", "keys.json duplicates");
}

static void test_tree(void)
{
	load(NULL, NULL);
	one("scenario.json: missing; hint: ", NULL, "no scenario.json");
	load(manifest(NULL), (const struct file[]){{"brief.md", DROP}, {NULL, NULL}});
	one("brief.md: missing; hint: ", NULL, "no brief.md");
	load(manifest(NULL), (const struct file[]){{"brief.md", " \n\t\n"}, {NULL, NULL}});
	one("brief.md: is empty", NULL, "blank brief.md");
	load(manifest(NULL), (const struct file[]){{"brief.md", "# a\n\nb\xff\n"}, {NULL, NULL}});
	one("brief.md: line 3: not valid UTF-8", NULL, "brief.md not UTF-8");
	load(manifest(NULL), (const struct file[]){{"brief.md", "a\xed\xa0\x80\n"}, {NULL, NULL}});
	one("brief.md: line 1: not valid UTF-8", NULL, "brief.md with a surrogate");
	load(manifest(NULL), (const struct file[]){{"grader/grade.lua", DROP}, {NULL, NULL}});
	one("grader/grade.lua: missing; hint: ", NULL, "no grader");
	load(manifest(NULL), (const struct file[]){
		{"grader/grade.lua", "local x = 1\nreturn {\n  x = = 2\n}\n"}, {NULL, NULL}});
	one("grader/grade.lua: line 3: ", "unexpected symbol", "grader does not compile");
	load(manifest(NULL), (const struct file[]){
		{"grader/grade.lua", "\x1bLua"}, {NULL, NULL}});
	one("grader/grade.lua: ", "binary", "bytecode grader refused");
	load(manifest(NULL), (const struct file[]){
		{"solutions/reference.sh", DROP}, {NULL, NULL}});
	one("solutions/reference.sh: missing; hint: ", NULL, "no reference solution");
	load(manifest(NULL), (const struct file[]){
		{"system", DROP}, {"system/etc/agentsim/policy.json", DROP}, {NULL, NULL}});
	one("system/: missing; hint: ", NULL, "no system/");
	load(manifest(NULL), (const struct file[]){{"notes.txt", "x"}, {NULL, NULL}});
	one("notes.txt: unknown entry; hint: put platform files under system/", NULL,
	    "unknown file at the top");
	load(manifest(NULL), (const struct file[]){
		{"etc/a", "x"}, {"etc/b", "y"}, {"etc", DIRECTORY}, {NULL, NULL}});
	one("etc/: unknown entry; hint: put platform files under system/", NULL,
	    "unknown directory at the top, reported once");
	load(manifest(NULL), (const struct file[]){{"system", "x"},
		{"system/etc/agentsim/policy.json", DROP}, {NULL, NULL}});
	one("system: must be a directory, not a file", NULL, "system/ as a file");
	load(manifest(NULL), (const struct file[]){{"hints.md", DROP},
		{"hints.md/a", "x"}, {NULL, NULL}});
	one("hints.md: must be a file, not a directory", NULL, "hints.md as a directory");
	load(manifest(NULL), (const struct file[]){
		{"solutions/notes.txt", "x"}, {NULL, NULL}});
	one("solutions/notes.txt: unexpected file; hint: ", NULL, "stray file in solutions/");
	load(manifest(NULL), (const struct file[]){
		{"solutions/old/wrong-a.sh", "# must-fail: a\n"}, {NULL, NULL}});
	one("solutions/old/wrong-a.sh: unexpected file", NULL, "nested wrong solution");
	load(manifest(NULL), (const struct file[]){
		{"solutions/wrong-.sh", "# must-fail: a\n"}, {NULL, NULL}});
	one("solutions/wrong-.sh: unexpected file", NULL, "wrong-.sh without a name");
}

static void test_must_fail(void)
{
	static const char *const bad[][3] = {
		{"#!/bin/sh\nagentsim restart\n", "solutions/wrong-x.sh: no \"# must-fail: CHECK-ID ...\" line among the first 5 lines", NULL},
		{"", "solutions/wrong-x.sh: no \"# must-fail", NULL},
		{"#!/bin/sh\n\n\n\n\n\n# must-fail: a\n", "solutions/wrong-x.sh: line 7: the must-fail line must be among the first 5 lines", NULL},
		{"#!/bin/sh\n#must-fail: a\n", "solutions/wrong-x.sh: line 2: \"#must-fail: a\" is not a must-fail line", "exactly"},
		{"#!/bin/sh\n# Must-Fail: a\n", "solutions/wrong-x.sh: line 2: ", "not a must-fail line"},
		{"#!/bin/sh\n# must-fail a\n", "solutions/wrong-x.sh: line 2: ", "not a must-fail line"},
		{"#!/bin/sh\n# must-fail:\n", "solutions/wrong-x.sh: line 2: names no check", NULL},
		{"#!/bin/sh\n# must-fail:   \t\n", "solutions/wrong-x.sh: line 2: names no check", NULL},
		{"#!/bin/sh\n# must-fail: ok Bad\n", "solutions/wrong-x.sh: line 2: \"Bad\" is not a check id", NULL},
		{"#!/bin/sh\n# must-fail: a,b\n", "solutions/wrong-x.sh: line 2: \"a,b\" is not a check id", NULL},
		{"#!/bin/sh\n# must-fail: a\n# must-fail: b\n", "solutions/wrong-x.sh: line 3: a second must-fail line", NULL},
	};
	static const char *const good[] = {
		"#!/bin/sh\n# must-fail: policy-restored\n",
		"# must-fail: a b.c d_e f-g\n",
		"#!/bin/sh\r\n# must-fail:\ta  b\r\n",
		"#!/bin/sh\n\n\n\n# must-fail: a\n",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		load(manifest(NULL), (const struct file[]){
			{"solutions/wrong-x.sh", bad[i][0]}, {NULL, NULL}});
		one(bad[i][1], bad[i][2], "bad wrong solution");
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		load(manifest(NULL), (const struct file[]){
			{"solutions/wrong-x.sh", good[i]}, {NULL, NULL}});
		ok(RC == 0, "good must-fail form %zu", i);
		dump();
	}
}

static void test_hints(void)
{
	static const char *const bad[][3] = {
		{"## Tips\nread the log\n", "hints.md: line 1: \"## Tips\" is not a hint heading", "## Hint (cost N)"},
		{"# Hints\n\n## Hint (cost 10)\na\n## Hint (cost 1001)\nb\n", "hints.md: line 5: hint cost 1001 is out of range", NULL},
		{"## Hint (cost 01)\na\n", "hints.md: line 1: \"## Hint (cost 01)\" is not a hint heading", NULL},
		{"## Hint (cost -1)\na\n", "hints.md: line 1: ", "not a hint heading"},
		{"## Hint (cost 5) \na\n", "hints.md: line 1: ", "not a hint heading"},
		{"## hint (cost 5)\na\n", "hints.md: line 1: ", "not a hint heading"},
		{"## Hint (cost )\na\n", "hints.md: line 1: ", "not a hint heading"},
		{"## Hint (cost 5)\na\n## Hint (cost 6)\n\n  \n## Hint (cost 7)\nc\n", "hints.md: line 3: hint 2 has no text", NULL},
		{"## Hint (cost 5)\na\n## Hint (cost 6)\n", "hints.md: line 3: hint 2 has no text", NULL},
		{"# Hints\nSome intro.\n## Hint (cost 5)\na\n", "hints.md: line 2: text before the first hint", NULL},
		{"# Hints\n# More\n## Hint (cost 5)\na\n", "hints.md: line 2: text before the first hint", NULL},
		{"## Hint (cost 5)\nok\n\xc0\xaf\n", "hints.md: line 3: not valid UTF-8", NULL},
	};
	static const struct {
		const char *text;
		size_t n;
	} good[] = {
		{"", 0},
		{"\n\n", 0},
		{"# Hints\n", 0},
		{"\n# Hints\n\n## Hint (cost 0)\n  a  \n", 1},
		{"## Hint (cost 1000)\r\nx\r\n## Hint (cost 3)\r\n### details\r\ny\r\n", 2},
		{"## Hint (cost 5)\n##no-space is text\n#x\n", 1},
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		load(manifest(NULL), (const struct file[]){{"hints.md", bad[i][0]}, {NULL, NULL}});
		one(bad[i][1], bad[i][2], "bad hints.md");
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		load(manifest(NULL), (const struct file[]){{"hints.md", good[i].text}, {NULL, NULL}});
		ok(RC == 0 && S.nhints == good[i].n, "good hints.md %zu: %zu hints", i,
		   good[i].n);
		dump();
	}
	load(manifest(NULL), (const struct file[]){
		{"hints.md", "## Hint (cost 1000)\r\nx\r\n## Hint (cost 3)\r\n### details\r\ny\r\n"},
		{NULL, NULL}});
	if (S.nhints == 2) {
		is_str(S.hints[1].text, "### details\r\ny", "a CRLF hint body, trimmed");
		ok(S.hints[0].cost == 1000 && S.hints[1].cost == 3, "CRLF costs");
	}
}

/* $.candidate_owns (docs/scenario.md, "Who owns what"): what the
 * candidate may write besides their home, never what a service reads as
 * code or identity, what it runs, or what it owns. */
static void test_candidate_owns(void)
{
	static const struct file svc[] = {
		{"system/srv/svc/run.sh", "while :; do sleep 1; done\n"},
		{"system/var/lib/svc/state", "0\n"},
		{"system/etc/ld.so.conf.d/x.conf", "/x\n"},
		{"system/home/candidate/notes", "x\n"},
		{NULL, NULL},
	};
	static const char services[] =
		"[{\"name\": \"svc\", \"argv\": [\"/bin/bash\", \"/srv/svc/run.sh\"], "
		"\"owns\": [\"/var/lib/svc\"]}]";
	static const struct {
		const char *owns, *sub, *what;
	} bad[] = {
		{"[\"/etc\"]", "/etc/ld.so.preload: the loader", "above the loader's configuration"},
		{"[\"/etc/ld.so.conf.d/x.conf\"]", "/etc/ld.so.conf.d", "beneath it"},
		{"[\"/etc/agentsim\", \"/srv\"]", "what service \"svc\" runs", "above a service's program"},
		{"[\"/srv/svc\"]", "what service \"svc\" runs", "a service's program's directory"},
		{"[\"/var/lib/svc/state\"]", "which service \"svc\" owns", "what a service owns"},
		{"[\"/home/candidate/notes\"]", "theirs already", "the candidate's home"},
		{"[\"/opt/nothing\"]", "is not under system/", "a path not laid in place"},
		{"[\"relative\"]", "not an absolute path in the sandbox", "a relative path"},
		{"\"/etc/agentsim\"", "must be an array", "not a list"},
	};
	size_t i;

	load(manifest("services", services, "candidate_owns", "[\"/etc/agentsim\"]", NULL), svc);
	ok(RC == 0 && S.ncandidate_owns == 1 && !strcmp(S.candidate_owns[0], "/etc/agentsim"),
	   "candidate_owns: a directory of the scenario's own is accepted");
	if (RC)
		dump();
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		load(manifest("services", services, "candidate_owns", bad[i].owns, NULL), svc);
		ok(RC == -1 && has("scenario.json: $.candidate_owns", bad[i].sub),
		   "candidate_owns: %s is refused (%s)", bad[i].what, bad[i].sub);
		if (!(RC == -1 && has("scenario.json: $.candidate_owns", bad[i].sub)))
			dump();
	}
	/* Found by fuzz_scenario: the service's program was echoed as it
	 * is, a control byte and all; it is shown escaped. */
	load(manifest("services",
		      "[{\"name\": \"svc\", \"argv\": [\"/bin/bash\", \"/srv/svc/\\u007f\"]}]",
		      "candidate_owns", "[\"/srv/svc\"]", NULL), svc);
	ok(RC == -1 && has("scenario.json: $.candidate_owns[0]", "runs (/srv/svc/\\x7f);"),
	   "candidate_owns: a service's program is shown escaped");
	if (!(RC == -1 && has("scenario.json: $.candidate_owns[0]", "runs (/srv/svc/\\x7f);")))
		dump();
	for (i = 0; i < P.n; i++)
		if (strchr(P.v[i], 0x7f))
			ok(0, "a problem holds a control byte: %s", P.v[i]);
}

static void test_many(void)
{
	struct tar_list l = {0};
	struct err e = {0};
	char name[64];
	int i;

	load(manifest("id", "\"Bad ID\"", "limits", "{\"memory_mb\": 1, \"swap\": 1}",
		      "extra", "1", NULL),
	     (const struct file[]){
		     {"brief.md", DROP},
		     {"hints.md", "## Tips\n"},
		     {"grader/grade.lua", "return {"},
		     {"solutions/wrong-x.sh", "#!/bin/sh\n"},
		     {"docs/readme.md", "x"},
		     {NULL, NULL}});
	ok(RC == -1 && P.n == 9, "nine defects, nine problems (%zu)", P.n);
	ok(has("docs/: unknown entry", NULL), "unknown entry among them");
	ok(has("scenario.json: $.extra: unknown key", NULL), "unknown key among them");
	ok(has("scenario.json: $.limits.swap: unknown key", NULL),
	   "unknown limits key among them");
	ok(has("scenario.json: $.id: ", NULL), "bad id among them");
	ok(has("scenario.json: $.limits.memory_mb: 1 is out of range", NULL),
	   "bad limit among them");
	ok(has("brief.md: missing", NULL), "missing brief among them");
	ok(has("hints.md: line 1: ", NULL), "bad hint among them");
	ok(has("grader/grade.lua: line 1: ", NULL), "grader among them");
	ok(has("solutions/wrong-x.sh: no ", NULL), "wrong solution among them");
	ok(!S.id && !S.brief && !S.hints, "out left empty");

	/* More than PROBLEMS_MAX: the list stops with one last line. */
	reset();
	tree(&l, NULL, NULL);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "stray-%03d", i);
		tar_list_add_file(&l, name, 0644, "", 0, NULL);
	}
	RC = scenario_load(&l, JSON_MAX_DEPTH, &S, &P, &e);
	ok(RC == -1 && P.n == PROBLEMS_MAX + 1, "problems bounded at %d (+1)",
	   PROBLEMS_MAX);
	if (P.n)
		is_str(P.v[P.n - 1], PROBLEMS_TOO_MANY, "the last says it stopped");
	tar_list_release(&l);
}

/* Every variant's plan is checked beside the base's problems (not only
 * once the base is sound), without repeating them; scenario_check keeps
 * what it could read of a scenario with problems. */
static void test_variants_beside(void)
{
	static const char faults[] =
		"[{\"id\": \"bad\", \"kind\": \"file.replace\", "
		"\"path\": \"/etc/agentsim/policy.json\", \"from\": \"faults/v7.json\"}]";
	static const char variants[] =
		"[{\"id\": \"a\", \"faults\": {\"bad\": {\"from\": \"faults/v7.json\"}}},"
		" {\"id\": \"b\", \"faults\": {\"bad\": {\"from\": \"faults/none.json\"}}}]";
	struct tar_list l = {0};
	struct err e = {0};
	char *man;
	size_t n = 0;

	load(manifest("faults", faults, "variants", variants, NULL), NULL);
	ok(RC == -1 && P.n == 1 &&
	   has("scenario.json: variant \"b\": $.faults[0].from: \"faults/none.json\" is not a file", NULL),
	   "a variant's own plan problem is said");
	if (P.n != 1)
		dump();
	load(manifest("title", "5", "faults", faults, "variants", variants, NULL),
	     (const struct file[]){{"brief.md", DROP}, {NULL, NULL}});
	ok(RC == -1 && has("scenario.json: variant \"b\": $.faults[0].from", NULL) &&
	   has("brief.md: missing", NULL) && has("scenario.json: $.title: ", NULL),
	   "... also beside the base's problems, which hid it");
	for (size_t i = 0; i < P.n; i++)
		n += strstr(P.v[i], "$.title") != NULL;
	ok(n == 1, "... the base's problem said once, not again per variant (%zu)", n);
	if (n != 1)
		dump();

	reset();
	man = manifest("title", "5", "faults", faults, "variants", variants, NULL);
	tree(&l, man, NULL);
	RC = scenario_check(&l, JSON_MAX_DEPTH, &S, &P, &e);
	ok(RC == -1 && e.kind == ERR_REFUSED && S.id && !strcmp(S.id, "policy-rollback") &&
	   S.nfaults == 1 && S.nvariants == 2,
	   "scenario_check keeps what it read of a scenario with problems");
	tar_list_release(&l);
	free(man);
}

static void test_problems(void)
{
	struct problems p = {0};

	problems_add(&p, "%s: line %u: %s", "hints.md", 3u, "x");
	problems_add(&p, "plain");
	ok(p.n == 2, "problems_add appends");
	if (p.n == 2) {
		is_str(p.v[0], "hints.md: line 3: x", "formatted");
		is_str(p.v[1], "plain", "second");
	}
	problems_release(&p);
	ok(p.n == 0 && !p.v, "problems_release empties");
	problems_release(&p);
	scenario_release(&S);
	scenario_release(&S);
	ok(1, "releasing twice is harmless");
}

int main(void)
{
	test_valid();
	test_bad_values();
	test_good_values();
	test_missing_keys();
	test_json();
	test_tree();
	test_must_fail();
	test_hints();
	test_candidate_owns();
	test_many();
	test_variants_beside();
	test_problems();
	reset();
	return tap_done();
}
