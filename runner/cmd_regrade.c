/* cmd_regrade: `labrun regrade EVIDENCE --with BUNDLE`: a newer grader
 * over a stored session's final state, without rerunning it.  It parses
 * options (the same names as run: --trust, --key, -p), reads the issuer
 * key first, and prints the new verdict; regrade.c does the work. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "runner/cmd.h"
#include "runner/opts.h"
#include "runner/regrade.h"

extern const char usage_regrade[];

const char usage_regrade[] =
	"usage: labrun regrade EVIDENCE --with BUNDLE --trust AUTHOR_PUB\n"
	"                      --key ISSUER_SEC [-p ISSUER_PUB] -o OUT\n"
	"                      [--limit KEY=VALUE]... [--registry REG] [-v]\n"
	"\n"
	"Grade a stored session again with a newer version of its scenario,\n"
	"without rerunning it.  EVIDENCE is verified first (as labrun verify\n"
	"does); the final state is rebuilt from BUNDLE's system/ layer, its\n"
	"fault plan with the session's recorded seed, and the evidence's\n"
	"changes/ (with changes/.deleted) and answers/; BUNDLE's grader judges\n"
	"it with the session's recorded commands, times, seed and candidate.\n"
	"New evidence is written at OUT, signed, holding the session's\n"
	"recording, command log, changes and answers as they were, a new\n"
	"result.json, and a manifest whose regraded_from names EVIDENCE by its\n"
	"SHA-256, verdict and score.  A pass stays valid from the session, not\n"
	"from the regrade.\n"
	"\n"
	"  EVIDENCE          the evidence file to regrade\n"
	"  --with BUNDLE     the new scenario: NAME.lab with NAME.lab.minisig\n"
	"                    beside it (or a scenario directory, unsigned); its\n"
	"                    id must be the evidence's\n"
	"  --trust FILE|DIR  author public key(s) BUNDLE must be signed by\n"
	"  --key FILE        the issuer secret key that signs the new evidence\n"
	"  -p FILE           the issuer public key EVIDENCE must be signed by\n"
	"                    (default: the public half of --key)\n"
	"  -o OUT            where the new evidence goes (written atomically)\n"
	"  --limit KEY=N     raise a bundle limit: entries, file, total, depth\n"
	"  --registry REG    the issuer's registry: a passing\n"
	"                    credential gets a status index there (docs/registry.md)\n"
	"  -v, --verbose     show the grader's print() output\n"
	"\n"
	"Exit: 0 pass, 1 fail (or an input refused: tampered evidence, another\n"
	"scenario, a bad signature; nothing written), 2 usage, 3 error verdict\n"
	"(the grader erred; the new evidence says error) or host failure.\n";

enum { OPT_WITH = 256, OPT_TRUST, OPT_KEY, OPT_LIMIT, OPT_REGISTRY };

/* "fail 0/600", or "-" for a side that has no such check. */
static void side(char *out, size_t size, const char *status, unsigned points,
		 unsigned weight)
{
	if (!status[0])
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%s %u/%u", status, points, weight);
}

static void print_result(const struct regrade_result *r, const char *out)
{
	char b[40], a[40];
	size_t i;

	cmd_printf(stdout, "%s: %s (score %u/1000, pass mark %u), regraded\n", r->scenario,
		   r->verdict, r->score, r->pass_mark);
	cmd_printf(stdout, "  was:   %s, score %u (sha256:%s)\n", r->old_verdict, r->old_score,
		   r->old_digest);
	if (r->error[0])
		cmd_printf(stdout, "  error: %s\n", r->error);
	if (r->nmoves)
		cmd_printf(stdout, "  checks, before -> after (* changed, + new, - gone): "
			   "%zu of %zu changed\n", r->nchanged, r->nmoves);
	for (i = 0; i < r->nmoves; i++) {
		const struct regrade_move *m = &r->moves[i];
		const char *msg = i < r->gr.n ? r->gr.checks[i].message : "";

		side(b, sizeof b, m->before, m->before_points, m->before_weight);
		side(a, sizeof a, m->after, m->after_points, m->after_weight);
		cmd_printf(stdout, "  %c %-28s %-16s -> %-16s %s\n",
			   !m->changed ? ' ' : !m->before[0] ? '+' : !m->after[0] ? '-' : '*',
			   m->id, b, a, m->title);
		if (msg && msg[0])
			cmd_printf(stdout, "      %s\n", msg);
	}
	cmd_printf(stdout, "evidence: %s\n", out);
}

int cmd_regrade(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"with", required_argument, NULL, OPT_WITH},
		{"trust", required_argument, NULL, OPT_TRUST},
		{"key", required_argument, NULL, OPT_KEY},
		{"pub", required_argument, NULL, 'p'},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{"registry", required_argument, NULL, OPT_REGISTRY},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("regrade");
	struct regrade_opts o = {0};
	struct regrade_result r = {0};
	struct cmd_env env = {0};
	struct err e = {0};
	const char *registry = NULL;
	size_t i;
	int opt, rc;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	opts_limits_default(&o.lim, &o.max_depth);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:p:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_WITH:
			o.with = optarg;
			break;
		case OPT_TRUST:
			env.trust_path = optarg;
			break;
		case OPT_KEY:
			env.key_path = optarg;
			break;
		case 'p':
			env.pub_path = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case OPT_LIMIT:
			if (opts_limit(optarg, &o.lim, &o.max_depth, &e) < 0)
				return cmd_usage_error(c, "%s", e.msg);
			break;
		case 'v':
			o.verbose = 1;
			break;
		case OPT_REGISTRY:
			registry = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(c, optind >= argc ? "name the EVIDENCE to regrade"
						       : "one evidence file at a time");
	o.evidence = argv[optind];
	if (!o.with || !env.key_path || !o.out || !*o.out)
		return cmd_usage_error(c, "--with, --key and -o are required");
	/* The issuer key is read before anything else. */
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	rc = cmd_use_registry(c, registry, NULL, env.key);
	if (rc) {
		cmd_env_release(&env);
		return rc;
	}
	o.issuer = &env.issuer;
	o.trust = &env.trust;
	o.key = env.key;
	if (regrade_run(&o, &r, &e) < 0) {
		for (i = 0; i < r.problems.n; i++)
			cmd_printf(stderr, "labrun regrade: %s\n", r.problems.v[i]);
		rc = e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg)
					 : cmd_fail(c->name, &e);
	} else {
		print_result(&r, o.out);
		rc = !strcmp(r.verdict, "pass") ? EXIT_YES
		     : !strcmp(r.verdict, "fail") ? EXIT_NO : EXIT_HOST;
	}
	regrade_result_release(&r);
	cmd_env_release(&env);
	return rc;
}
