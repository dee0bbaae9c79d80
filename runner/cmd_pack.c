/* cmd_pack: `labrun pack DIR`, a scenario source checked, archived
 * canonically and signed by its author.  It only orchestrates and reports:
 * bundle.c reads the tree, scenario.c checks it, selftest.c qualifies it
 * (a scenario whose grader cannot tell right from wrong is not signed),
 * tarball.c and sign.c make the bytes. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/bundle.h"
#include "runner/cmd.h"
#include "runner/dryrun.h"
#include "runner/opts.h"
#include "runner/recert.h"
#include "runner/scenario.h"
#include "runner/selftest.h"
#include "runner/sign.h"
#include "runner/tarball.h"

extern const char usage_pack[];

const char usage_pack[] =
	"usage: labrun pack DIR -s AUTHOR_SEC -o NAME.lab [--bundles DIR]\n"
	"                   [--runs N] [--limit KEY=VALUE]... [--config FILE]\n"
	"\n"
	"Check the scenario source in DIR, qualify it (labrun selftest: the\n"
	"untouched state fails, the reference solution passes, each wrong\n"
	"solution fails the checks it names, repeated runs agree), archive it\n"
	"canonically (the same tree gives the same bytes on any host, whatever\n"
	"the file times, owners or umask) and sign it with the author's secret\n"
	"key.  Writes NAME.lab and its signature NAME.lab.minisig; on any\n"
	"failure neither is left behind.  DIR may hold regular files and\n"
	"directories only.  The selftest runs sessions, so pack runs as root.\n"
	"\n"
	"A version names exactly one tree: pack refuses to sign other bytes\n"
	"under an id and version already packed at NAME.lab or among the\n"
	"bundles in --bundles, and says which version to bump to.  The same\n"
	"bytes again are fine.\n"
	"\n"
	"  -s AUTHOR_SEC      the author's secret key (labrun keygen; mode 0600)\n"
	"  -o NAME.lab        the bundle to write, outside DIR\n"
	"  --bundles DIR      bundles already published (NAME.lab files), whose\n"
	"                     versions this one must not reuse with other bytes\n"
	"  --runs N           the selftest's repetitions (default 1)\n"
	"  --config FILE      the host's configuration, for the selftest's\n"
	"                     session limits (default /etc/labrun/labrun.conf)\n"
	"  --limit KEY=VALUE  raise a bound; KEY is entries, file, total,\n"
	"                     manifest (bytes, or with K, M or G) or depth\n"
	"                     (JSON nesting); repeatable\n"
	"  -h, --help         show this help\n"
	"\n"
	"Anyone can check a bundle with stock tools:\n"
	"  minisign -V -H -p AUTHOR.pub -m NAME.lab\n"
	"\n"
	"Exit status: 0 packed, 1 refused (each problem on its own line, or\n"
	"the selftest's table and why the scenario is not qualified), 2 usage,\n"
	"3 host error (or a selftest session erred: nothing is judged).\n";

#define SIG_SUFFIX ".minisig"

struct pack_args {
	const char *dir, *sec, *out, *config;
	const char *bundles; /* --bundles: the published bundles, or NULL */
	unsigned runs; /* the selftest's repetitions */
	struct tar_limits lim;
	unsigned depth;
	size_t manifest; /* bytes of scenario.json */
};

static int parse_args(const struct cmd *c, int argc, char **argv,
		      struct pack_args *a)
{
	static const struct option longopts[] = {
		{"limit", required_argument, NULL, 'L'},
		{"runs", required_argument, NULL, 'R'},
		{"config", required_argument, NULL, 'C'},
		{"bundles", required_argument, NULL, 'B'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct err e = {ERR_NONE, ""};
	uint64_t v;
	int opt;

	a->runs = 1;
	opts_limits_default(&a->lim, &a->depth);
	a->manifest = BUNDLE_MAX_MANIFEST;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			a->sec = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'L':
			if (opts_limit_manifest(optarg, &a->lim, &a->depth,
						&a->manifest, &e) < 0)
				return cmd_usage_error(c, "%s", e.msg);
			break;
		case 'R':
			if (parse_u64(optarg, 1, SELFTEST_RUNS_MAX, &v) < 0)
				return cmd_usage_error(c, "--runs %s: not a number from 1 to %d",
						       optarg, SELFTEST_RUNS_MAX);
			a->runs = (unsigned)v;
			break;
		case 'C':
			a->config = optarg;
			break;
		case 'B':
			a->bundles = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(c, "no scenario directory given");
	if (optind + 1 < argc)
		return cmd_usage_error(c, "unexpected argument '%s'",
				       argv[optind + 1]);
	a->dir = argv[optind];
	if (!a->sec)
		return cmd_usage_error(c, "-s AUTHOR_SEC is required");
	if (!a->out || !*a->out)
		return cmd_usage_error(c, "-o NAME.lab is required");
	return 0;
}

/* Refuse an output inside DIR: a second pack would read the first bundle
 * back in as a member. */
static int out_inside_dir(const struct pack_args *a, struct err *e)
{
	char dir[PATH_MAX], parent[PATH_MAX], tmp[PATH_MAX];
	const char *slash = strrchr(a->out, '/');
	size_t n, dlen;

	if (!realpath(a->dir, dir))
		return 0; /* bundle_read_dir reports it */
	if (!slash) {
		if (!getcwd(parent, sizeof parent))
			return err_sys(e, ERR_HOST, errno, "getcwd");
	} else {
		n = (size_t)(slash - a->out);
		if (n >= sizeof tmp)
			return err_set(e, ERR_REFUSED, "%s: path too long",
				       a->out);
		memcpy(tmp, a->out, n);
		tmp[n] = 0;
		if (!realpath(n ? tmp : "/", parent))
			return err_sys(e, ERR_REFUSED, errno, "%s",
				       n ? tmp : "/");
	}
	dlen = strlen(dir);
	if (!strncmp(parent, dir, dlen) &&
	    (parent[dlen] == 0 || parent[dlen] == '/' || dlen == 1))
		return err_set(e, ERR_USAGE,
			       "%s: the bundle must be written outside %s",
			       a->out, a->dir);
	return 0;
}

/* Write NAME.lab, then NAME.lab.minisig; on failure remove what was
 * written so that neither is left. */
static int write_pair(const char *out, const struct buf *tar,
		      const struct buf *sig, struct err *e)
{
	char sigpath[PATH_MAX];
	int n;

	n = snprintf(sigpath, sizeof sigpath, "%s%s", out, SIG_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof sigpath)
		return err_set(e, ERR_REFUSED, "%s: path too long", out);
	if (write_file_atomic(out, tar->data, tar->len, 0644, e) < 0)
		return -1;
	if (write_file_atomic(sigpath, sig->data, sig->len, 0644, e) < 0) {
		unlink(out);
		return -1;
	}
	return 0;
}

static int check_manifest(const struct pack_args *a, const struct tar_list *l,
			  struct problems *p)
{
	const struct tar_entry *m = tar_list_find(l, "scenario.json");

	if (m && !m->is_dir && m->len > a->manifest) {
		problems_add(p, "scenario.json: larger than %zu bytes; hint: "
				"--limit manifest=N", a->manifest);
		return -1;
	}
	return 0;
}

/* What pack knows of the versions already packed of the scenario it
 * packs: the highest, and one with the same version but other bytes. */
struct packed {
	const char *id, *version, *digest; /* this pack's */
	char highest[SCENARIO_MAX_VERSION + 1]; /* "" none yet */
	char clash[PATH_MAX];                   /* "" none */
};

/* One bundle already packed at path: compared with this one when it is
 * of the same scenario.  A file that cannot be read as a scenario bundle
 * is not compared; from --bundles (quiet: -o's is overwritten) that is
 * said, since a version there might then be reused. */
static void compare_packed(const char *path, const struct pack_args *a,
			   int quiet, struct packed *p)
{
	struct tar_list files = {NULL, 0, 0};
	struct problems probs = {NULL, 0, 0};
	struct scenario sc;
	char digest[SIGN_SHA256_HEX];
	struct err e = {ERR_NONE, ""};

	memset(&sc, 0, sizeof sc);
	if (bundle_read_packed(path, &a->lim, &files, digest, &e) < 0 ||
	    scenario_load(&files, a->depth, &sc, &probs, &e) < 0) {
		if (!quiet)
			cmd_printf(stderr, "labrun pack: note: %s: not compared (%s)\n",
				   path, probs.n ? probs.v[0] : e.msg);
		if (sc.id)
			scenario_release(&sc);
		problems_release(&probs);
		tar_list_release(&files);
		return;
	}
	if (!strcmp(sc.id, p->id)) {
		if (!p->highest[0] || recert_semver_cmp(sc.version, p->highest) > 0)
			snprintf(p->highest, sizeof p->highest, "%s", sc.version);
		if (!p->clash[0] && !strcmp(sc.version, p->version) &&
		    strcmp(digest, p->digest))
			snprintf(p->clash, sizeof p->clash, "%s", path);
	}
	scenario_release(&sc);
	problems_release(&probs);
	tar_list_release(&files);
}

/* The version after v: its release when v is a pre-release (1.3.0-rc.1
 * comes before 1.3.0), otherwise the next patch; build metadata dropped. */
static void next_version(const char *v, char *out, size_t size)
{
	unsigned long long x[3] = {0, 0, 0};
	const char *p = v;
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		x[i] = strtoull(p, &end, 10);
		p = *end == '.' && i < 2 ? end + 1 : end;
	}
	if (*p == '-')
		snprintf(out, size, "%llu.%llu.%llu", x[0], x[1], x[2]);
	else
		snprintf(out, size, "%llu.%llu.%llu", x[0], x[1], x[2] + 1);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

/* A version names one tree: refuse other bytes under this scenario's id
 * and version when -o or a NAME.lab in --bundles already holds them,
 * naming the version to bump to (after the highest packed). */
static int check_versions(const struct pack_args *a, const struct scenario *sc,
			  const char *digest, struct err *e)
{
	struct packed p;
	char **names = NULL, path[PATH_MAX], next[SCENARIO_MAX_VERSION + 32];
	size_t n = 0, i;
	int dfd, rc;

	memset(&p, 0, sizeof p);
	p.id = sc->id;
	p.version = sc->version;
	p.digest = digest;
	if (access(a->out, F_OK) == 0)
		compare_packed(a->out, a, 1, &p);
	if (a->bundles) {
		dfd = open(a->bundles, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return err_sys(e, ERR_USAGE, errno, "--bundles %s", a->bundles);
		rc = dir_names(dfd, RECERT_MAX_FILES, &names, &n, e);
		close(dfd);
		if (rc != 0)
			return rc < 0 ? err_wrap(e, "--bundles %s", a->bundles)
				      : err_set(e, ERR_REFUSED, "--bundles %s: more than %d files",
						a->bundles, RECERT_MAX_FILES);
		for (i = 0; i < n; i++) {
			if (ends_with(names[i], ".lab") &&
			    (size_t)snprintf(path, sizeof path, "%s/%s", a->bundles,
					     names[i]) < sizeof path)
				compare_packed(path, a, 0, &p);
		}
		dir_names_free(names, n);
	}
	if (!p.clash[0])
		return 0;
	next_version(p.highest, next, sizeof next);
	return err_set(e, ERR_REFUSED,
		       "%s: %s %s is already packed with other bytes at %s; nothing written; hint: a version names one tree: set \"version\" in %s/scenario.json to %s (the next after %s, the highest version of %s packed)",
		       a->dir, sc->id, sc->version, p.clash, a->dir, next,
		       p.highest, sc->id);
}

/* The selftest matrix over DIR: EXIT_YES when qualified; otherwise its
 * table and why on stderr and the exit code (1 not qualified, 3 a session
 * erred, or the setup's own when the configuration could not be read);
 * -1 with e when the matrix could not run at all.  Only here does pack
 * need the host's configuration and the stop flag (cmd_setup). */
static int qualify(const struct cmd *c, const struct pack_args *a,
		   struct err *e)
{
	struct selftest_opts o = {0};
	struct selftest_report r = {0};
	struct cmd_env env = {0};
	size_t i;
	int rc;

	env.config_path = a->config;
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	o.input = a->dir;
	o.validated = 1;
	o.cfg = &env.cfg;
	o.lim = a->lim;
	o.max_depth = a->depth;
	o.runs = a->runs;
	o.stop = &cmd_stop;
	if (selftest_run(&o, &r, e) < 0) {
		for (i = 0; i < r.reasons.n; i++)
			cmd_printf(stderr, "labrun pack: %s\n", r.reasons.v[i]);
		selftest_report_release(&r);
		cmd_env_release(&env);
		return -1;
	}
	rc = selftest_exit_code(&r);
	if (rc == EXIT_YES && r.forgeable) {
		/* a check a candidate passes by writing files by hand is a
		 * hole in the certificate (docs/validity.md, V5) */
		selftest_print(stderr, &r);
		cmd_printf(stderr, "labrun pack: %s: %u remediation check%s can be forged by writing files the candidate owns; nothing written; hint: make each rest on the platform's records (a service's state or audit trail, the command log), or mark it kind = \"knowledge\" if it is an answer\n",
			   a->dir, r.forgeable, r.forgeable == 1 ? "" : "s");
		rc = EXIT_NO;
	} else if (rc == EXIT_YES)
		cmd_printf(stdout, "qualified by selftest: %zu sessions (%u run%s), flake rate 0 of %u\n",
			   r.nrows, r.runs, r.runs == 1 ? "" : "s", r.repeated);
	else {
		selftest_print(stderr, &r);
		cmd_printf(stderr, "labrun pack: %s: %s: %s; nothing written\n", a->dir,
			   r.outcome == SELFTEST_ERRED ? "the selftest erred"
						       : "the selftest does not qualify it",
			   r.reasons.n ? r.reasons.v[0] : "see the table");
	}
	selftest_report_release(&r);
	cmd_env_release(&env);
	return rc;
}

int cmd_pack(int argc, char **argv)
{
	const struct cmd *c = cmd_find("pack");
	struct pack_args a = {NULL, NULL, NULL, NULL, NULL, 1, {0, 0, 0}, 0, 0};
	struct tar_list files = {NULL, 0, 0};
	struct buf tar = BUF_INIT, sig = BUF_INIT;
	struct problems probs = {NULL, 0, 0};
	struct scenario sc;
	struct sign_sec *sk = NULL;
	struct sign_pub pk;
	struct err e = {ERR_NONE, ""};
	char digest[SIGN_SHA256_HEX], comment[SIGN_COMMENT_MAX + 1], id[17];
	int have_sc = 0, rc, n;
	size_t i;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	rc = parse_args(c, argc, argv, &a);
	if (rc)
		return rc;
	if (out_inside_dir(&a, &e) < 0)
		return e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg)
					   : cmd_fail("pack", &e);
	rc = EXIT_BUG;
	if (sign_sec_load(a.sec, &sk, &e) < 0 ||
	    bundle_read_dir(a.dir, &a.lim, &files, &e) < 0)
		goto fail;
	memset(&sc, 0, sizeof sc);
	/* validate's checks, all of them, once: the selftest below is told
	 * the directory was validated and does not run them again */
	if (check_manifest(&a, &files, &probs) < 0 ||
	    scenario_validate(&files, a.depth, &sc, &probs, &e) < 0 || probs.n) {
		have_sc = sc.id != NULL;
		if (!probs.n)
			goto fail;
		for (i = 0; i < probs.n; i++)
			cmd_printf(stderr, "labrun pack: %s\n", probs.v[i]);
		cmd_printf(stderr, "labrun pack: %s: %zu problem%s; nothing "
			   "written\n", a.dir, probs.n, probs.n == 1 ? "" : "s");
		rc = EXIT_NO;
		goto out;
	}
	have_sc = 1;
	/* The bytes first: a version already packed with other bytes is
	 * refused before the selftest's sessions run. */
	if (tar_write(&files, &tar, &e) < 0)
		goto fail;
	sha256_hex(tar.data, tar.len, digest);
	if (check_versions(&a, &sc, digest, &e) < 0)
		goto fail;
	rc = qualify(c, &a, &e);
	if (rc < 0)
		goto fail;
	if (rc != EXIT_YES)
		goto out;
	n = snprintf(comment, sizeof comment, "labrun scenario %s %s sha256:%s",
		     sc.id, sc.version, digest);
	if (n < 0 || (size_t)n >= sizeof comment) {
		err_set(&e, ERR_REFUSED,
			"%s: scenario id and version too long for the "
			"signature's trusted comment", a.dir);
		goto fail;
	}
	if (sign_data(sk, tar.data, tar.len, comment, &sig, &e) < 0 ||
	    write_pair(a.out, &tar, &sig, &e) < 0)
		goto fail;
	sign_sec_pub(sk, &pk);
	sign_keyid_hex(&pk, id);
	cmd_printf(stdout, "packed %s %s: %s (%zu members, %zu bytes)\n", sc.id,
		   sc.version, a.out, files.n, tar.len);
	cmd_printf(stdout, "signed by key %s: %s%s\n", id, a.out, SIG_SUFFIX);
	cmd_printf(stdout, "sha256:%s\n", digest);
	rc = EXIT_YES;
	goto out;
fail:
	rc = cmd_fail("pack", &e);
out:
	if (have_sc)
		scenario_release(&sc);
	problems_release(&probs);
	buf_release(&sig);
	buf_release(&tar);
	tar_list_release(&files);
	sign_sec_free(sk);
	return rc;
}
