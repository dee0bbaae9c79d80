/* cmd_review: `labrun review EVIDENCE --reviewer SEC --decision pass|fail
 * --reason TEXT -o NEW`: a human reviewer's decision on an appeal, as new
 * signed evidence.  It parses options, reads the issuer key first (as
 * regrade does), then the reviewer keys (--reviewers, or the
 * configuration's reviewers) and the reviewer's secret key, and prints
 * what was decided; review.c does the work. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/review.h"

extern const char usage_review[];

const char usage_review[] =
	"usage: labrun review EVIDENCE --reviewer REVIEWER_SEC --decision pass|fail\n"
	"                     --reason TEXT --key ISSUER_SEC [-p ISSUER_PUB] -o NEW\n"
	"                     [--reviewers FILE|DIR] [--valid-days N]\n"
	"                     [--registry REG] [--config FILE]\n"
	"\n"
	"Record a human reviewer's decision on an evidence file (an appeal) as\n"
	"new evidence.  EVIDENCE is verified first (as labrun verify does); the\n"
	"reviewer's key must be one of the issuer's reviewer keys.  NEW holds\n"
	"the session's recording, command log, changes, answers and result.json\n"
	"(the grader's checks and verdict) as they were, and a manifest whose\n"
	"verdict is the decision, with a review object naming EVIDENCE by its\n"
	"SHA-256, verdict and score, the decision, the reason, the reviewer's\n"
	"key, the time, and the reviewer's signature over them.  A pass carries\n"
	"a new credential, valid from the review, that replaces EVIDENCE's (with\n"
	"a registry, under a new status index); a fail on a file that carried a\n"
	"credential withdraws it, and with a registry revokes it there.  A\n"
	"review of a review carries the earlier reviews (the chain).\n"
	"\n"
	"  EVIDENCE             the evidence file reviewed (left as it is)\n"
	"  --reviewer FILE      the reviewer's secret key: signs the decision\n"
	"  --decision V         pass or fail\n"
	"  --reason TEXT        why: one line of printable UTF-8, 1..2000 bytes\n"
	"  --key FILE           the issuer secret key that signs NEW\n"
	"                       (default: key in the configuration)\n"
	"  -p FILE              the issuer public key EVIDENCE must be signed by\n"
	"                       (default: the public half of --key)\n"
	"  -o NEW               where the new evidence goes (written atomically)\n"
	"  --reviewers FILE|DIR the reviewer public keys (default: reviewers in\n"
	"                       the configuration); one is required\n"
	"  --valid-days N       how long a pass stays valid from the review\n"
	"                       (default: as long as EVIDENCE's pass was; required\n"
	"                       when EVIDENCE is not a pass: the scenario's\n"
	"                       valid_for_days)\n"
	"  --registry REG       the issuer's registry (default: registry in the\n"
	"                       configuration; docs/registry.md)\n"
	"  --config FILE        the host's configuration (default\n"
	"                       /etc/labrun/labrun.conf, if it exists)\n"
	"\n"
	"Exit: 0 the new evidence passes, 1 it fails (or an input was refused:\n"
	"tampered evidence, a reviewer key not listed, a bad reason; nothing\n"
	"written), 2 usage, 3 host failure.\n";

enum { OPT_REVIEWER = 256, OPT_DECISION, OPT_REASON, OPT_KEY, OPT_REVIEWERS,
       OPT_VALID_DAYS, OPT_CONFIG, OPT_REGISTRY };

static void print_result(const struct review_result *r, const char *out)
{
	cmd_printf(stdout, "%s: %s on review by reviewer key %s\n", r->scenario,
		   r->verdict, r->reviewer);
	cmd_printf(stdout, "  reviewed: sha256:%s, which said %s (graded %s, score %u.%u%%, pass mark %u.%u%%)\n",
		   r->digest, r->was_verdict, r->graded_verdict, r->score / 10,
		   r->score % 10, r->pass_mark / 10, r->pass_mark % 10);
	if (r->chain)
		cmd_printf(stdout, "  chain:    %zu earlier review%s kept\n", r->chain,
			   r->chain == 1 ? "" : "s");
	if (r->valid_until[0])
		cmd_printf(stdout, "  valid:    %s to %s\n", r->at, r->valid_until);
	if (r->replaces[0])
		cmd_printf(stdout, "  replaces: %s\n", r->replaces);
	if (r->withdraws[0])
		cmd_printf(stdout, "  withdraws: %s\n            %s\n", r->withdraws,
			   r->revoked == 1 ? "(revoked in the registry)"
			   : r->revoked == 2 ? "(revoked in the registry already)"
			   : r->revoked == -1 ? "(the registry did not issue it: it has no status entry to revoke)"
			   : "(no longer a pass: revoke it, labrun registry revoke)");
	cmd_printf(stdout, "evidence: %s\n", out);
}

int cmd_review(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"reviewer", required_argument, NULL, OPT_REVIEWER},
		{"decision", required_argument, NULL, OPT_DECISION},
		{"reason", required_argument, NULL, OPT_REASON},
		{"key", required_argument, NULL, OPT_KEY},
		{"pub", required_argument, NULL, 'p'},
		{"reviewers", required_argument, NULL, OPT_REVIEWERS},
		{"valid-days", required_argument, NULL, OPT_VALID_DAYS},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"registry", required_argument, NULL, OPT_REGISTRY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("review");
	struct review_opts o = {0};
	struct review_result r = {0};
	struct sign_trust reviewers = {0};
	struct sign_sec *rsk = NULL;
	struct cmd_env env = {0};
	const char *reviewer = NULL, *list = NULL, *registry = NULL;
	struct err e = {0};
	uint64_t days;
	int opt, rc, ran;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:p:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_REVIEWER:
			reviewer = optarg;
			break;
		case OPT_DECISION:
			o.decision = optarg;
			break;
		case OPT_REASON:
			o.reason = optarg;
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
		case OPT_REVIEWERS:
			list = optarg;
			break;
		case OPT_VALID_DAYS:
			if (parse_u64(optarg, 1, REVIEW_MAX_DAYS, &days) < 0)
				return cmd_usage_error(c, "--valid-days: '%s' is not a number of days from 1 to %d",
						       optarg, REVIEW_MAX_DAYS);
			o.valid_days = (unsigned)days;
			break;
		case OPT_CONFIG:
			env.config_path = optarg;
			break;
		case OPT_REGISTRY:
			registry = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(c, optind >= argc ? "name the EVIDENCE to review"
						       : "one evidence file at a time");
	o.evidence = argv[optind];
	if (!reviewer || !o.decision || !o.reason || !o.out || !*o.out)
		return cmd_usage_error(c, "--reviewer, --decision, --reason and -o are required");
	if (strcmp(o.decision, "pass") && strcmp(o.decision, "fail"))
		return cmd_usage_error(c, "--decision: '%s' is not pass or fail", o.decision);
	if (review_reason_check(o.reason, strlen(o.reason), "--reason", &e) < 0)
		return cmd_usage_error(c, "%s", e.msg);
	/* The issuer key is read before anything else. */
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	rc = cmd_use_registry(c, registry, &env.cfg, env.key);
	if (rc)
		goto out;
	o.registry = registry ? registry : env.cfg.registry[0] ? env.cfg.registry : NULL;
	if (!list)
		list = env.cfg.reviewers[0] ? env.cfg.reviewers : NULL;
	if (!list) {
		rc = cmd_usage_error(c, "no reviewer keys: give --reviewers FILE|DIR or set reviewers in the configuration");
		goto out;
	}
	if (sign_trust_load(list, &reviewers, &e) < 0 ||
	    sign_sec_load(reviewer, &rsk, &e) < 0) {
		rc = cmd_fail(c->name, &e);
		goto out;
	}
	o.issuer = &env.issuer;
	o.key = env.key;
	o.reviewer = rsk;
	o.reviewers = &reviewers;
	o.at_s = time_now_ms() / 1000;
	ran = review_run(&o, &r, &e);
	if (ran < 0 && !r.new_digest[0]) {
		rc = e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg)
					 : cmd_fail(c->name, &e);
	} else {
		/* written; a failed revocation is said last */
		print_result(&r, o.out);
		rc = ran < 0 ? cmd_fail(c->name, &e)
		     : !strcmp(r.verdict, "pass") ? EXIT_YES : EXIT_NO;
	}
out:
	sign_sec_free(rsk);
	sign_trust_release(&reviewers);
	cmd_env_release(&env);
	return rc;
}
