/* cmd_new: `labrun new ID`, a scenario directory to start from: a copy of
 * a library scenario with its id renamed and its version reset, or a
 * minimal template on the simulated platform that validate accepts and
 * selftest qualifies as it is.  What it writes is checked first as
 * validate would (scenario.c, the grader's dry run), so an author starts
 * from a valid tree.  It never overwrites: the directory must not exist.
 * It does not run sessions (selftest does) nor sign (pack does). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/bundle.h"
#include "runner/cmd.h"
#include "runner/dryrun.h"
#include "runner/opts.h"
#include "runner/scenario.h"
#include "runner/schema.h"
#include "runner/tarball.h"

extern const char usage_new[];

const char usage_new[] =
	"usage: labrun new ID [--from SCENARIO] [-o DIR] [--library DIR]\n"
	"\n"
	"Start a scenario: write a scenario directory for the id ID, from the\n"
	"library or from a minimal template, ready for labrun validate, shell,\n"
	"selftest and pack.  Nothing is overwritten: DIR must not exist.\n"
	"\n"
	"Without --from, the template: agentd (the simulated platform) with a\n"
	"policy deployment that denies research agents web.fetch, a grader that\n"
	"reads the platform's state and command log, a reference solution and\n"
	"one wrong one.  validate accepts it and selftest qualifies it as it\n"
	"is; edit it into your own incident.\n"
	"\n"
	"  --from SCENARIO  copy SCENARIO instead: a name in the library (such\n"
	"                   as policy-quarantine) or a scenario directory (a\n"
	"                   path with a /); its id becomes ID and its version\n"
	"                   0.1.0, everything else is copied as it is\n"
	"  -o DIR           where to write (default: ./ID)\n"
	"  --library DIR    the scenario library (default: the one beside\n"
	"                   labrun: scenarios/ of the source tree it was built\n"
	"                   in, or PREFIX/share/labrun/scenarios once installed)\n"
	"  -h, --help       show this help\n"
	"\n"
	"ID: 1 to 63 of a-z, 0-9 and -, starting with a letter or digit.\n"
	"Exit: 0 written, 1 refused (DIR exists, or the source is not a valid\n"
	"scenario: each problem on its own line), 2 usage, 3 host error.\n";

#define NEW_VERSION "0.1.0" /* a scenario's first version, before release */

/* The library beside the binary: the source tree's scenarios/ (labrun in
 * build/) or what make install lays under PREFIX/share (labrun in bin/). */
static const char *const library_rel[] = {"../scenarios", "../share/labrun/scenarios"};

/* ---- the template ------------------------------------------------------- */

/* "@ID@" in a template member stands for the new id. */
struct template_file {
	const char *name;
	unsigned mode;
	const char *text;
};

static const struct template_file template_files[] = {
	{"scenario.json", 0644,
	 "{\n"
	 "  \"schema\": 1,\n"
	 "  \"id\": \"@ID@\",\n"
	 "  \"version\": \"" NEW_VERSION "\",\n"
	 "  \"title\": \"Research agents denied web.fetch after a policy deployment (agentd)\",\n"
	 "  \"level\": \"foundation\",\n"
	 "  \"competencies\": [\"policy-driven-control\"],\n"
	 "  \"platform\": \"agentsim-2\",\n"
	 "  \"grader_api\": 1,\n"
	 "  \"pass_mark\": 800,\n"
	 "  \"time_limit_s\": 1800,\n"
	 "  \"valid_for_days\": 365,\n"
	 "  \"limits\": {\"memory_mb\": 256, \"processes\": 128, \"disk_mb\": 64, \"cpu_s\": 300, \"open_files\": 256},\n"
	 "  \"services\": [\n"
	 "    {\"name\": \"agentd\", \"argv\": [\"/opt/labrun/bin/agentd\"],\n"
	 "     \"owns\": [\"/etc/agentd\", \"/var/lib/agentd\", \"/var/log/agentd\"]}\n"
	 "  ],\n"
	 "  \"faults\": [\n"
	 "    {\"id\": \"bad-policy\", \"kind\": \"platform.policy_deploy\", \"at_s\": 1800, \"version\": 2}\n"
	 "  ]\n"
	 "}\n"},
	{"brief.md", 0644,
	 "# Research agents cannot fetch the web\n"
	 "\n"
	 "You are on call for the company's agent platform (**agentd**, operated\n"
	 "with `agentctl`). The research team reports that their agents' web\n"
	 "fetches have been denied since some time in the last hour.\n"
	 "\n"
	 "Find what changed, put the platform back the operator's way (check a\n"
	 "change before you apply it), and leave the research agents working.\n"
	 "\n"
	 "`agentctl help` lists the platform's commands; `lab` lists the exam's.\n"},
	{"hints.md", 0644,
	 "# Hints\n"
	 "\n"
	 "## Hint (cost 100)\n"
	 "\n"
	 "`agentctl policy history` shows what was deployed and when;\n"
	 "`agentctl policy diff vA vB` compares two versions rule by rule.\n"},
	{"system/etc/agentd/platform.json", 0644,
	 "{\n"
	 "  \"platform\": \"agentsim-2\",\n"
	 "  \"start\": \"2026-03-12T13:00:00Z\",\n"
	 "  \"history_s\": 3600,\n"
	 "  \"task_interval_s\": 60,\n"
	 "  \"command_s\": 5,\n"
	 "  \"review_s\": 240,\n"
	 "  \"models\": [\n"
	 "    {\"id\": \"planner\", \"versions\": [{\"id\": \"2026-01\", \"quality\": 1000}], \"active\": \"2026-01\"}\n"
	 "  ],\n"
	 "  \"tools\": [\n"
	 "    {\"id\": \"web.fetch\", \"latency_ms\": 120, \"timeout_ms\": 2000},\n"
	 "    {\"id\": \"doc.search\", \"latency_ms\": 60}\n"
	 "  ],\n"
	 "  \"agents\": [\n"
	 "    {\"id\": \"researcher-1\", \"role\": \"researcher\", \"model\": \"planner\", \"tools\": [\"web.fetch\", \"doc.search\"]}\n"
	 "  ],\n"
	 "  \"workload\": [\n"
	 "    {\"id\": \"research\", \"role\": \"researcher\", \"weight\": 1, \"steps\": [\"doc.search\", \"web.fetch\"]}\n"
	 "  ],\n"
	 "  \"policy\": 1\n"
	 "}\n"},
	{"system/etc/agentd/policies/v1.json", 0644,
	 "{\"version\": 1, \"description\": \"research agents may search and fetch\", \"default\": \"deny\",\n"
	 " \"rules\": [\n"
	 "  {\"id\": \"allow-research\", \"effect\": \"allow\", \"roles\": [\"researcher\"], \"tools\": [\"web.*\", \"doc.*\"]}\n"
	 " ]}\n"},
	{"system/etc/agentd/policies/v2.json", 0644,
	 "{\"version\": 2, \"description\": \"tighten outbound access (TICKET-1234)\", \"default\": \"deny\",\n"
	 " \"rules\": [\n"
	 "  {\"id\": \"deny-outbound\", \"effect\": \"deny\", \"roles\": [\"*\"], \"tools\": [\"web.*\"]},\n"
	 "  {\"id\": \"allow-research\", \"effect\": \"allow\", \"roles\": [\"researcher\"], \"tools\": [\"web.*\", \"doc.*\"]}\n"
	 " ]}\n"},
	{"system/var/lib/agentd/README", 0644,
	 "agentd keeps its state here.\n"},
	{"system/var/log/agentd/README", 0644,
	 "agentd writes its spans, logs and audit trail here.\n"},
	{"grader/grade.lua", 0644,
	 "-- @ID@ grader (grader API 1): the policy version in force, from the\n"
	 "-- platform's state, and the operator's order (validate, then apply),\n"
	 "-- from the command log.  A missing or malformed state file is the\n"
	 "-- platform's failure (an error check), never the candidate's.\n"
	 "local checks, add, platform_error, state, why = lab.agentd.begin()\n"
	 "if type(state) ~= \"table\" or type(state.policy) ~= \"table\" then\n"
	 "\tplatform_error(\"policy.rolled-back\", \"The last good policy version is in force\", 700,\n"
	 "\t\t\"the platform's state cannot be read: \" .. tostring(why or \"malformed\"))\n"
	 "\treturn checks\n"
	 "end\n"
	 "\n"
	 "local good = lab.keys.good_version\n"
	 "add(lab.check {\n"
	 "\tid = \"policy.rolled-back\",\n"
	 "\ttitle = \"The last good policy version is in force\",\n"
	 "\tweight = 700,\n"
	 "\tpass = state.policy.active == good,\n"
	 "\tmessage = state.policy.active == good and \"\" or \"the version in force is not the last good one\",\n"
	 "})\n"
	 "\n"
	 "local validated = lab.ran(\"agentctl\", \"policy\", \"validate\")\n"
	 "local applied = lab.ran(\"agentctl\", \"policy\", \"apply\")\n"
	 "local in_order = validated ~= nil and applied ~= nil and validated < applied\n"
	 "add(lab.check {\n"
	 "\tid = \"policy.validated-first\",\n"
	 "\ttitle = \"The version was validated before it was applied\",\n"
	 "\tweight = 300,\n"
	 "\tpass = in_order,\n"
	 "\tmessage = in_order and \"\" or \"no `agentctl policy validate` before `agentctl policy apply`\",\n"
	 "})\n"
	 "return checks\n"},
	{"grader/keys.json", 0644, "{\"good_version\": 1}\n"},
	{"solutions/reference.sh", 0755,
	 "#!/bin/bash\n"
	 "# Reference: find the deployment, validate the last good version, apply it.\n"
	 "set -eu\n"
	 "agentctl policy history\n"
	 "agentctl policy diff v1 v2\n"
	 "agentctl policy validate v1\n"
	 "agentctl policy apply v1\n"
	 "agentctl policy status\n"},
	{"solutions/wrong-unvalidated.sh", 0755,
	 "#!/bin/bash\n"
	 "# must-fail: policy.validated-first\n"
	 "# Rolls back without validating first.\n"
	 "agentctl policy apply v1\n"},
};

/* The template with @ID@ replaced, as members. */
static int template_list(const char *id, struct tar_list *out, struct err *e)
{
	static const char *const dirs[] = {
		"grader", "solutions", "system", "system/etc", "system/etc/agentd",
		"system/etc/agentd/policies", "system/var", "system/var/lib",
		"system/var/lib/agentd", "system/var/log", "system/var/log/agentd",
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (tar_list_add_dir(out, dirs[i], e) < 0)
			return -1;
	for (i = 0; i < sizeof template_files / sizeof *template_files; i++) {
		const struct template_file *f = &template_files[i];
		const char *p = f->text, *at;

		b.len = 0;
		while ((at = strstr(p, "@ID@"))) {
			if (buf_append(&b, p, (size_t)(at - p), e) < 0 ||
			    buf_append(&b, id, strlen(id), e) < 0)
				goto fail;
			p = at + 4;
		}
		if (buf_append(&b, p, strlen(p), e) < 0 ||
		    tar_list_add_file(out, f->name, f->mode, b.data, b.len, e) < 0)
			goto fail;
	}
	buf_release(&b);
	return 0;
fail:
	buf_release(&b);
	return -1;
}

/* ---- a copy of a scenario ----------------------------------------------- */

/* In JSON text that is valid (scenario_load read it), the span of the
 * string value of the top-level key `key`, quotes included: the layout
 * and every other byte of the author's file stay as they are. */
static int top_string(const char *s, size_t len, const char *key,
		      size_t *from, size_t *to)
{
	size_t i = 0, start = 0, klen = strlen(key);
	int depth = 0, want = 0, is_key = 0;

	while (i < len) {
		char c = s[i];

		if (c == '"') {
			start = i++;
			while (i < len && s[i] != '"')
				i += s[i] == '\\' ? 2 : 1;
			if (i >= len)
				return -1;
			i++;
			if (depth == 1 && want) {
				*from = start;
				*to = i;
				return 0;
			}
			/* a key: the next non-blank is ':' */
			is_key = depth == 1 && i - start - 2 == klen &&
				 !memcmp(s + start + 1, key, klen);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		else if (c == ':')
			want = is_key && depth == 1;
		else if (c == ',')
			want = 0;
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ':')
			is_key = 0;
		i++;
	}
	return -1;
}

/* scenario.json with its id set to id and its version to NEW_VERSION. */
static int rename_manifest(struct tar_entry *m, const char *id, struct err *e)
{
	const char *keys[2] = {"id", "version"};
	const char *vals[2] = {id, NEW_VERSION};
	struct buf b = BUF_INIT;
	size_t from, to;
	int i;

	for (i = 0; i < 2; i++) {
		if (top_string((const char *)m->data, m->len, keys[i], &from, &to) < 0) {
			buf_release(&b);
			return err_set(e, ERR_REFUSED, "scenario.json: no top-level \"%s\" string", keys[i]);
		}
		b.len = 0;
		if (buf_append(&b, m->data, from, e) < 0 ||
		    buf_printf(&b, e, "\"%s\"", vals[i]) < 0 ||
		    buf_append(&b, m->data + to, m->len - to, e) < 0) {
			buf_release(&b);
			return -1;
		}
		/* the entry owns its data: hand it the new text (a buf's is
		 * NUL-terminated past len, as an entry's must be) */
		free(m->data);
		m->data = b.data;
		m->len = b.len;
		b = (struct buf)BUF_INIT;
	}
	return 0;
}

/* A library scenario's name: an id, so it cannot leave the library. */
static int id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	       s[0] != '-';
}

/* Where --from names a scenario: a path (it holds a '/'), or a name in
 * the library (--library, or the first of library_rel beside labrun that
 * exists). */
static int locate(const char *from, const char *library, char *out,
		  size_t size, struct err *e)
{
	char dir[PATH_MAX], tried[2 * PATH_MAX + 16] = "";
	struct stat st;
	size_t i;

	if (strchr(from, '/')) {
		snprintf(out, size, "%s", from);
		return 0;
	}
	if (!id_ok(from))
		return err_set(e, ERR_USAGE,
			       "--from %s: not a library scenario's name; hint: a name such as policy-quarantine, or a directory path with a /",
			       from);
	if (library) {
		if (stat(library, &st) < 0)
			return err_sys(e, ERR_USAGE, errno, "--library %s", library);
		if (!S_ISDIR(st.st_mode))
			return err_set(e, ERR_USAGE, "--library %s: not a directory", library);
		snprintf(dir, sizeof dir, "%s", library);
	} else {
		char self[PATH_MAX];

		if (self_dir(self, sizeof self, e) < 0)
			return -1;
		dir[0] = 0;
		for (i = 0; i < sizeof library_rel / sizeof *library_rel; i++) {
			char cand[PATH_MAX + 64];

			snprintf(cand, sizeof cand, "%s/%s", self, library_rel[i]);
			if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode) &&
			    realpath(cand, dir))
				break;
			dir[0] = 0;
			snprintf(tried + strlen(tried), sizeof tried - strlen(tried),
				 "%s%s", i ? ", " : "", cand);
		}
		if (!dir[0])
			return err_set(e, ERR_USAGE,
				       "no scenario library beside labrun (looked in %s); hint: --library DIR, or --from a directory path",
				       tried);
	}
	if ((size_t)snprintf(out, size, "%s/%s", dir, from) >= size)
		return err_set(e, ERR_USAGE, "--library %s: path too long", dir);
	if (stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, ERR_USAGE,
			       "--from %s: no such scenario in the library %s; hint: ls %s",
			       from, dir, dir);
	return 0;
}

/* ---- the command -------------------------------------------------------- */

struct new_args {
	const char *id, *from, *out, *library;
};

static int parse_args(const struct cmd *c, int argc, char **argv,
		      struct new_args *a)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'f'},
		{"library", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			a->from = optarg;
			break;
		case 'L':
			a->library = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(c, "name the new scenario's ID");
	if (optind + 1 < argc)
		return cmd_usage_error(c, "unexpected argument '%s'", argv[optind + 1]);
	a->id = argv[optind];
	if (!id_ok(a->id))
		return cmd_usage_error(c, "ID '%s': 1 to 63 of a-z, 0-9 and -, starting with a letter or digit",
				       a->id);
	if (!a->out)
		a->out = a->id;
	if (!*a->out)
		return cmd_usage_error(c, "-o: an empty path");
	return 0;
}

/* The members to write: the template, or the copy renamed. */
static int make_list(const struct new_args *a, struct tar_list *files,
		     char *src, size_t size, struct err *e)
{
	struct tar_limits lim;
	struct tar_entry *m = NULL;
	unsigned depth;
	size_t i;

	if (!a->from) {
		snprintf(src, size, "the template");
		return template_list(a->id, files, e);
	}
	if (locate(a->from, a->library, src, size, e) < 0)
		return -1;
	opts_limits_default(&lim, &depth);
	if (bundle_read_dir(src, &lim, files, e) < 0)
		return -1;
	for (i = 0; i < files->n; i++)
		if (!files->v[i].is_dir && !strcmp(files->v[i].name, "scenario.json"))
			m = &files->v[i];
	if (!m)
		return err_set(e, ERR_REFUSED, "%s: no scenario.json; hint: --from a scenario directory", src);
	if (rename_manifest(m, a->id, e) < 0)
		return err_wrap(e, "%s", src);
	return 0;
}

/* Write the members into a new directory: mkdir refuses one that exists
 * (nothing is overwritten), and a failure halfway removes what was made. */
static int write_tree(const char *out, const struct tar_list *files,
		      struct err *e)
{
	int fd;

	if (mkdir(out, 0755) < 0)
		return errno == EEXIST
		       ? err_set(e, ERR_REFUSED, "%s: already exists; nothing written; hint: -o a directory that does not exist yet", out)
		       : err_sys(e, ERR_REFUSED, errno, "%s", out);
	fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || bundle_extract(files, "", fd, getuid(), getgid(), e) < 0) {
		struct err re = {0};

		if (fd < 0)
			err_sys(e, ERR_HOST, errno, "%s", out);
		else
			close(fd);
		remove_tree(out, &re);
		return err_wrap(e, "%s", out);
	}
	close(fd);
	return 0;
}

int cmd_new(int argc, char **argv)
{
	const struct cmd *c = cmd_find("new");
	struct new_args a = {NULL, NULL, NULL, NULL};
	struct tar_list files = {NULL, 0, 0};
	struct problems probs = {NULL, 0, 0};
	struct scenario sc;
	struct err e = {ERR_NONE, ""};
	char src[PATH_MAX + 80];
	struct stat st;
	int have_sc = 0, rc;
	size_t i;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	rc = parse_args(c, argc, argv, &a);
	if (rc)
		return rc;
	memset(&sc, 0, sizeof sc);
	/* Before any work: nothing is overwritten. */
	if (lstat(a.out, &st) == 0) {
		err_set(&e, ERR_REFUSED, "%s: already exists; nothing written; hint: -o a directory that does not exist yet",
			a.out);
		goto fail;
	}
	if (make_list(&a, &files, src, sizeof src, &e) < 0)
		goto fail;
	tar_list_sort(&files);
	/* What validate would say of it, before anything is written. */
	if (scenario_load(&files, JSON_MAX_DEPTH, &sc, &probs, &e) < 0 ||
	    scenario_dry_run(&files, &sc, &probs, &e) < 0 || probs.n) {
		have_sc = sc.id != NULL;
		if (!probs.n)
			goto fail;
		for (i = 0; i < probs.n; i++)
			cmd_printf(stderr, "labrun new: %s: %s\n", src, probs.v[i]);
		cmd_printf(stderr, "labrun new: %s: %zu problem%s; nothing written\n",
			   src, probs.n, probs.n == 1 ? "" : "s");
		rc = EXIT_NO;
		goto out;
	}
	have_sc = 1;
	if (write_tree(a.out, &files, &e) < 0)
		goto fail;
	cmd_printf(stdout, "new scenario %s %s in %s, from %s\n", sc.id, sc.version, a.out, src);
	cmd_printf(stdout, "next: labrun validate %s; labrun shell %s (explore it as a candidate);\n"
			   "      labrun selftest %s; labrun pack %s -s AUTHOR_SEC -o %s.lab\n",
		   a.out, a.out, a.out, a.out, sc.id);
	rc = EXIT_YES;
	goto out;
fail:
	rc = e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg) : cmd_fail("new", &e);
out:
	if (have_sc)
		scenario_release(&sc);
	problems_release(&probs);
	tar_list_release(&files);
	return rc;
}
