/* cmd_validate: `labrun validate DIR`, every problem of a scenario source
 * directory in one run.  It parses the command line and reports; bundle.c
 * reads the directory, scenario.c checks it and dryrun.c has agentd check
 * the platform and runs the grader once on the untouched files.  The
 * solutions are not run: they are selftest's business. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/bundle.h"
#include "runner/cmd.h"
#include "runner/dryrun.h"
#include "runner/opts.h"
#include "runner/scenario.h"
#include "runner/tarball.h"

extern const char usage_validate[];

const char usage_validate[] =
	"usage: labrun validate DIR [--json] [--limit KEY=VALUE]...\n"
	"\n"
	"Check a scenario source directory before it is packed, and report\n"
	"every problem at once.  No session is started: the grader runs once\n"
	"on the untouched files, and the solutions are run by `labrun\n"
	"selftest`.  run, take and selftest make the same checks on a\n"
	"directory before any session.\n"
	"\n"
	"What is checked (docs/scenario.md describes each rule):\n"
	"  - the layout: scenario.json, brief.md, system/, grader/grade.lua and\n"
	"    solutions/reference.sh are required; hints.md and faults/ are\n"
	"    optional; nothing else may sit at the top\n"
	"  - scenario.json against schema 1: every key, its type and range;\n"
	"    unknown keys, duplicate keys and numbers with a fraction or\n"
	"    exponent are errors\n"
	"  - brief.md and hints.md: UTF-8 text; hints as \"## Hint (cost N)\"\n"
	"    sections\n"
	"  - grader/grade.lua compiles; grader/keys.json, if present, is a\n"
	"    JSON object\n"
	"  - the fault plan: each kind's own keys (a near miss gets a \"did you\n"
	"    mean\"); agentd checks the platform's config and its faults, for\n"
	"    the base plan and for each variant's\n"
	"  - the grader, run once on the scenario's own files, returns checks\n"
	"  - solutions/: reference.sh, and wrong-NAME.sh files that each name\n"
	"    the checks they must fail on a \"# must-fail: CHECK-ID ...\" line\n"
	"    among their first 5 lines, each an id the grader returns\n"
	"\n"
	"Each problem is printed to stderr as\n"
	"  labrun validate: DIR/FILE: WHERE: WHAT[; hint: ...]\n"
	"where WHERE is a JSON path such as $.limits.memory_mb or \"line N\"\n"
	"(left out when the problem is the file itself).\n"
	"\n"
	"  --json              print the result as one JSON object on stdout\n"
	"                      instead, and nothing on stderr unless the\n"
	"                      command itself fails:\n"
	"                      {\"valid\":BOOL,\"problems\":[\"FILE: WHERE: WHAT\",\n"
	"                      ...],\"id\":ID or null, ...}; a valid scenario\n"
	"                      adds version, title, level, platform,\n"
	"                      competencies and hints (their number)\n"
	"  --limit KEY=VALUE   change a bound on what is read: entries, file,\n"
	"                      total (bytes, or with a K, M or G suffix) or\n"
	"                      depth (JSON nesting); may be repeated\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 the scenario is valid, 1 it is not (or DIR cannot be\n"
	"read as a scenario), 2 usage, 3 host error (I/O, out of memory),\n"
	"4 internal bug.\n";

/* A problem as a JSON string: the text is UTF-8 already except for a
 * path a read error names, whose stray bytes become \xNN. */
static json_t *json_text(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j = NULL;

	if (utf8_escape((const unsigned char *)s, strlen(s), &b, NULL) == 0)
		j = json_stringn((const char *)b.data, b.len);
	buf_release(&b);
	return j;
}

static json_t *json_str_or_null(const char *s)
{
	return s ? json_text(s) : json_null();
}

/* Print {"valid":...} on stdout.  read_error is the one problem when DIR
 * could not be read; else p and (when valid) s. */
static int print_json(const char *read_error, const struct problems *p,
		      const struct scenario *s, int valid, struct err *e)
{
	json_t *o = json_object(), *list = json_array(), *comps = NULL;
	char *text = NULL;
	size_t i;
	int bad = !o || !list;

	if (!bad)
		bad |= json_object_set_new(o, "valid", json_boolean(valid)) < 0;
	if (!bad && read_error)
		bad |= json_array_append_new(list, json_text(read_error)) < 0;
	for (i = 0; !bad && p && i < p->n; i++)
		bad |= json_array_append_new(list, json_text(p->v[i])) < 0;
	if (!bad) {
		bad |= json_object_set(o, "problems", list) < 0;
		bad |= json_object_set_new(o, "id",
					   json_str_or_null(valid ? s->id : NULL)) < 0;
	}
	if (!bad && valid) {
		bad |= json_object_set_new(o, "version", json_text(s->version)) < 0;
		bad |= json_object_set_new(o, "title", json_text(s->title)) < 0;
		bad |= json_object_set_new(o, "level", json_text(s->level)) < 0;
		bad |= json_object_set_new(o, "platform", json_text(s->platform)) < 0;
		comps = json_array();
		for (i = 0; comps && i < s->ncompetencies; i++)
			bad |= json_array_append_new(comps,
						     json_text(s->competencies[i])) < 0;
		bad |= json_object_set_new(o, "competencies", comps) < 0;
		bad |= json_object_set_new(o, "hints",
					   json_integer((json_int_t)s->nhints)) < 0;
	}
	if (!bad)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(list);
	json_decref(o);
	if (!text)
		return err_set(e, ERR_HOST, "printing JSON: out of memory");
	bad = cmd_printf(stdout, "%s\n", text) < 0 || fflush(stdout) == EOF;
	free(text);
	if (bad)
		return err_set(e, ERR_HOST, "stdout: write failed");
	return 0;
}

int cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"limit", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("validate");
	struct tar_list files = {NULL, 0, 0};
	struct problems p = {NULL, 0, 0};
	struct scenario s = {0};
	struct err e = {ERR_NONE, ""};
	struct tar_limits lim;
	const char *dir;
	unsigned depth;
	int json = 0, opt, rc, dlen;
	size_t i;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	opts_limits_default(&lim, &depth);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'l':
			if (opts_limit(optarg, &lim, &depth, &e) < 0)
				return cmd_fail("validate", &e);
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(c, "which scenario directory?");
	if (optind + 1 < argc)
		return cmd_usage_error(c, "unexpected argument '%s'",
				       argv[optind + 1]);
	dir = argv[optind];
	/* "DIR/" prints as "DIR" so that problems read "DIR/FILE". */
	for (dlen = (int)strlen(dir); dlen > 1 && dir[dlen - 1] == '/'; dlen--)
		;

	if (bundle_read_dir(dir, &lim, &files, &e) < 0) {
		if (!json || e.kind != ERR_REFUSED)
			return cmd_fail("validate", &e);
		if (print_json(e.msg, NULL, NULL, 0, &e) < 0)
			return cmd_fail("validate", &e);
		return EXIT_NO;
	}
	/* Every check: the tree, the manifest, agentd's check of the
	 * platform and of each variant's plan, and the grader run once on
	 * the untouched files (dryrun.c). */
	rc = scenario_validate(&files, depth, &s, &p, &e);
	tar_list_release(&files);
	if (rc < 0 && (e.kind != ERR_REFUSED || p.n == 0)) {
		problems_release(&p);
		return cmd_fail("validate", &e);
	}

	if (json) {
		if (print_json(NULL, &p, &s, rc == 0, &e) < 0)
			rc = cmd_fail("validate", &e);
		else
			rc = rc < 0 ? EXIT_NO : EXIT_YES;
	} else if (rc < 0) {
		for (i = 0; i < p.n; i++)
			cmd_printf(stderr, "labrun validate: %.*s%s%s\n", dlen, dir,
				   strcmp(p.v[i], PROBLEMS_TOO_MANY) ? "/" : ": ",
				   p.v[i]);
		rc = EXIT_NO;
	} else {
		cmd_printf(stdout, "%.*s: valid scenario %s %s (%s), %zu hint%s\n", dlen, dir,
			   s.id, s.version, s.level, s.nhints,
			   s.nhints == 1 ? "" : "s");
		rc = EXIT_YES;
	}
	problems_release(&p);
	scenario_release(&s);
	return rc;
}
