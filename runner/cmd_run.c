/* cmd_run: `labrun run`, a whole session fed by a script, as selftest,
 * recertification and CI use it.  It parses options, reads the issuer key
 * before anything else, and prints the verdict; session.c does the work. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/credential.h"
#include "runner/opts.h"
#include "runner/session.h"
#include "runner/sign.h"

const char usage_run[] =
	"usage: labrun run BUNDLE|DIR --trust AUTHOR_PUB --key ISSUER_SEC\n"
	"                  --candidate ID --script FILE -o EVIDENCE\n"
	"                  [--attempt N] [--seed HEX] [--variant ID]\n"
	"                  [--limit KEY=VALUE]... [--identifier TYPE:VALUE]\n"
	"                  [--registry REG] [--config FILE] [-v]\n"
	"\n"
	"Runs one exam session non-interactively: the script is the candidate's\n"
	"input, run as `bash --noprofile --norc SCRIPT` in the candidate's home\n"
	"inside the sandbox, stdin from /dev/null, its output recorded from a\n"
	"pseudo-terminal.  Then the grader judges the frozen state from outside\n"
	"and a signed evidence bundle is written at EVIDENCE (atomically).\n"
	"\n"
	"  BUNDLE            a scenario bundle NAME.lab with NAME.lab.minisig beside\n"
	"                    it, signed by a key in --trust; the signature is\n"
	"                    checked before the bundle is read\n"
	"  DIR               a scenario directory (for authors), checked first as\n"
	"                    `labrun validate` checks it; the evidence says the\n"
	"                    scenario was unsigned\n"
	"  --trust FILE|DIR  author public key(s) bundles must be signed by\n"
	"                    (default: trust in the configuration)\n"
	"  --key FILE        the issuer secret key that signs the evidence (0600)\n"
	"                    (default: key in the configuration)\n"
	"  --candidate ID    the candidate; the evidence carries a pseudonym of it\n"
	"  --script FILE     the candidate's input\n"
	"  -o EVIDENCE       where the evidence bundle goes\n"
	"  --attempt N       attempt number (default 1); part of the seed\n"
	"  --seed HEX        use this seed instead of the derived one (recorded)\n"
	"  --variant ID      run this variant of the scenario's $.variants rather\n"
	"                    than the one the seed selects (for authors; recorded)\n"
	"  --limit KEY=N     raise a bundle limit: entries, file, total, manifest, depth\n"
	"  --identifier TYPE:VALUE  the holder's identifier for the credential of a\n"
	"                    pass (TYPE an Open Badges identityType such as\n"
	"                    emailAddress); recorded only hashed and salted\n"
	"  --registry REG    the issuer's registry (default: registry in the\n"
	"                    configuration): a pass's credential gets a status\n"
	"                    index there and carries credentialStatus\n"
	"                    (docs/registry.md)\n"
	"  --config FILE     the exam host's configuration (default\n"
	"                    /etc/labrun/labrun.conf, if it exists): limit\n"
	"                    maxima a scenario cannot exceed, trust, key\n"
	"  -v, --verbose     show the grader's print() output\n"
	"\n"
	"Runs as root: each session gets an unprivileged outer id range.\n"
	"Exit: 0 pass, 1 fail (or input refused: nothing written), 2 usage,\n"
	"3 error verdict (infrastructure; the evidence says error) or host failure.\n";

/* A session's result.  At a terminal (take) each check shows its title,
 * what the candidate reads; a script's run shows the ids authors grep. */
static void print_result(const struct session_result *r, const char *out,
			 int titles)
{
	size_t i;

	cmd_printf(stdout, "%s: %s (score %u/1000, pass mark %u, ended by %s)\n", r->scenario,
		   r->verdict, r->score, r->pass_mark, r->ended_by);
	if (r->hints_used)
		cmd_printf(stdout, "  hints used: %u (%u points)\n", r->hints_used,
			   r->hint_points);
	if (r->error[0])
		cmd_printf(stdout, "  error: %s\n", r->error);
	for (i = 0; i < r->nchecks; i++) {
		const struct session_check *c = &r->checks[i];

		if (titles && c->title && c->title[0]) {
			cmd_printf(stdout, "  %-5s %4u/%-4u %s (%s)\n", c->status,
				   c->points, c->weight, c->title, c->id);
			if (c->message && c->message[0])
				cmd_printf(stdout, "        %s\n", c->message);
		} else
			cmd_printf(stdout, "  %-5s %-28s %4u/%-4u %s\n", c->status,
				   c->id, c->points, c->weight, c->message);
	}
	cmd_printf(stdout, "evidence: %s\n", out);
}

/* The host's seed secret: a root-only file of at least 32 bytes, reduced
 * to 32 by BLAKE2b. */
static int load_seed_secret(const char *path, unsigned char out[32],
			    struct err *e)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int rc;

	if (stat(path, &st) < 0)
		return err_sys(e, ERR_HOST, errno, "seed_secret %s", path);
	if (st.st_mode & 077)
		return err_set(e, ERR_HOST,
			       "seed_secret %s: readable by others (mode %04o); hint: chmod 600 %s",
			       path, (unsigned)(st.st_mode & 07777), path);
	if (read_file_bounded(path, 4096, &b, e) < 0)
		return -1;
	rc = b.len < 32 ? err_set(e, ERR_HOST,
				  "seed_secret %s: %zu bytes, at least 32 please; hint: head -c 32 /dev/urandom > %s",
				  path, b.len, path)
			: sign_blake2b(out, 32, b.data, b.len, NULL, 0);
	sign_wipe(b.data, b.len);
	buf_release(&b);
	return rc;
}

/* What cmd_session's check needs of its options. */
struct session_args {
	const struct cmd *c;
	struct session_opts *o;
	const struct cmd_terminal *term;
	unsigned char seed_secret[32];
};

/* cmd_setup's check: the options, once the configuration's key and trust
 * stand in for those not given, and the seed secret, before the issuer
 * key is read. */
static int session_check(struct cmd_env *env, void *ctx)
{
	struct session_args *a = ctx;
	const struct cmd_terminal *term = a->term;
	struct session_opts *o = a->o;
	struct err e = {0};

	if (!env->key_path || !o->candidate || (!term && !o->script) || !o->out)
		return cmd_usage_error(a->c, term ? "--key (or key in the configuration), --candidate and -o are required"
						  : "--key (or key in the configuration), --candidate, --script and -o are required");
	if (term && term->ready(term->ctx, &e) < 0)
		return cmd_usage_error(a->c, "%s", e.msg);
	if (!o->candidate[0] || strlen(o->candidate) > 256)
		return cmd_usage_error(a->c, "--candidate: 1 to 256 bytes");
	if (env->cfg.seed_secret[0]) {
		if (load_seed_secret(env->cfg.seed_secret, a->seed_secret, &e) < 0)
			return cmd_fail(a->c->name, &e);
		o->seed_secret = a->seed_secret;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	return cmd_session(cmd_find("run"), argc, argv, NULL);
}

int cmd_session(const struct cmd *c, int argc, char **argv,
		const struct cmd_terminal *term)
{
	static const struct option longopts[] = {
		{"trust", required_argument, NULL, 't'},
		{"key", required_argument, NULL, 'k'},
		{"candidate", required_argument, NULL, 'c'},
		{"script", required_argument, NULL, 's'},
		{"attempt", required_argument, NULL, 'a'},
		{"seed", required_argument, NULL, 'S'},
		{"variant", required_argument, NULL, 'V'},
		{"limit", required_argument, NULL, 'L'},
		{"verbose", no_argument, NULL, 'v'},
		{"config", required_argument, NULL, 'C'},
		{"time-factor", required_argument, NULL, 'T'},
		{"identifier", required_argument, NULL, 'I'},
		{"registry", required_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	const char *registry = NULL;
	struct cred_identity ident;
	struct session_opts o = {0};
	struct session_result res = {0};
	struct session_args a = {0};
	struct cmd_env env = {0};
	struct err e = {0};
	uint64_t v;
	int opt, rc;
	size_t i;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	o.attempt = 1;
	o.lim.max_entries = BUNDLE_MAX_ENTRIES;
	o.lim.max_file = BUNDLE_MAX_FILE;
	o.lim.max_total = BUNDLE_MAX_TOTAL;
	o.max_depth = JSON_MAX_DEPTH;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:v", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			env.trust_path = optarg;
			break;
		case 'k':
			env.key_path = optarg;
			break;
		case 'c':
			o.candidate = optarg;
			break;
		case 's':
			if (term)
				return cmd_usage_error(c, "--script is for labrun run; labrun take is the candidate at this terminal");
			o.script = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'a':
			if (parse_u64(optarg, 1, 1000000, &v) < 0)
				return cmd_usage_error(c, "--attempt %s: not a number from 1 to 1000000", optarg);
			o.attempt = (unsigned)v;
			break;
		case 'S':
			o.seed_hex = optarg;
			break;
		case 'V':
			if (term)
				return cmd_usage_error(c, "--variant is for labrun run (authors); a candidate's variant follows the seed");
			o.variant = optarg;
			break;
		case 'L':
			if (opts_limit(optarg, &o.lim, &o.max_depth, &e) < 0)
				return cmd_usage_error(c, "%s", e.msg);
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'C':
			env.config_path = optarg;
			break;
		case 'R':
			registry = optarg;
			break;
		case 'I':
			if (o.identity)
				return cmd_usage_error(c, "--identifier: one at a time");
			if (cred_identity_parse(optarg, &ident, &e) < 0) {
				if (e.kind != ERR_USAGE)
					return cmd_fail(c->name, &e);
				return cmd_usage_error(c, "%s", e.msg);
			}
			o.identity = &ident;
			break;
		case 'T':
			if (!term || term->factor(optarg, &o.time_factor_pct) < 0)
				return cmd_usage_error(c, term ? "--time-factor %s: a number from 1 to 4, such as 1.5"
							     : "--time-factor is for labrun take",
						       optarg);
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(c, optind >= argc ? "name a bundle or a scenario directory"
						       : "one bundle or directory at a time");
	o.input = argv[optind];
	a.c = c;
	a.o = &o;
	a.term = term;
	env.check = session_check;
	env.ctx = &a;
	/* The issuer key is read before any sandbox exists. */
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	rc = cmd_use_registry(c, registry, &env.cfg, env.key);
	if (rc) {
		cmd_env_release(&env);
		return rc;
	}
	o.cfg = &env.cfg;
	o.key = env.key;
	o.trust = &env.trust;
	o.stop = &cmd_stop;
	if (term)
		o.ui = term->begin(term->ctx);
	rc = session_run(&o, &res, &e);
	if (term)
		term->end(term->ctx);
	if (res.stale_removed)
		cmd_printf(stderr,
			   "labrun %s: removed %u session director%s left by a labrun that was killed\n",
			   c->name,
			   res.stale_removed, res.stale_removed == 1 ? "y" : "ies");
	if (res.stale_cgroups)
		cmd_printf(stderr,
			   "labrun %s: removed %u session cgroup%s left by a labrun that was killed\n",
			   c->name,
			   res.stale_cgroups, res.stale_cgroups == 1 ? "" : "s");
	if (res.lost_found)
		cmd_printf(stderr,
			   "labrun %s: %u attempt%s whose labrun was killed (or whose host restarted) %s recorded as lost in the spool; labrun spool lists them\n",
			   c->name, res.lost_found, res.lost_found == 1 ? "" : "s",
			   res.lost_found == 1 ? "is" : "are");
	if (rc < 0) {
		/* as validate says them: "DIR/FILE: WHERE: WHAT" */
		struct stat st;
		int dlen = (int)strlen(o.input);

		if (stat(o.input, &st) < 0 || !S_ISDIR(st.st_mode))
			dlen = 0;
		for (; dlen > 1 && o.input[dlen - 1] == '/'; dlen--)
			;
		for (i = 0; i < res.problems.n; i++)
			cmd_printf(stderr, "labrun %s: %.*s%s%s\n", c->name, dlen, o.input,
				   dlen ? "/" : "", res.problems.v[i]);
		rc = cmd_fail(c->name, &e);
		if (e.kind == ERR_USAGE)
			cmd_printf(stderr, "hint: labrun %s --help\n", c->name);
	} else {
		if (term)
			term->summary(term->ctx, &res);
		print_result(&res, res.spooled[0] ? res.spooled : o.out, term != NULL);
		rc = !strcmp(res.verdict, "pass") ? EXIT_YES
		     : !strcmp(res.verdict, "fail") ? EXIT_NO : EXIT_HOST;
		if (res.spooled[0]) {
			/* the verdict stands; the host failed to keep it where
			 * it was asked for */
			cmd_printf(stderr,
				   "labrun %s: the evidence could not be written at %s (%s); it is sealed in the spool instead, %s: fetch it with labrun spool fetch\n",
				   c->name, o.out, res.spool_why, res.spooled);
			rc = EXIT_HOST;
		}
	}
	session_result_release(&res);
	cmd_env_release(&env);
	return rc;
}
