/* cmd_recert: `labrun recert plan` (what is stale or expiring, and the
 * job list that replays it) and `labrun recert report` (a batch's
 * verdicts before and after).  It parses options, reads the keys and
 * prints; recert.c does the work. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/opts.h"
#include "runner/recert.h"

extern const char usage_recert[];

const char usage_recert[] =
	"usage: labrun recert plan --evidence DIR --bundles DIR --trust AUTHOR_PUB\n"
	"                          -p ISSUER_PUB -o JOBS [--now DATE]\n"
	"                          [--within DAYS] [--json]\n"
	"       labrun recert report OUTDIR [-p ISSUER_PUB] [--json]\n"
	"\n"
	"plan classifies each evidence file (*.ev) in --evidence:\n"
	"  current    a pass on the current bundle of its scenario and platform\n"
	"  stale      a pass whose scenario digest is not the current bundle's\n"
	"             (the highest version of its id in --bundles), or whose\n"
	"             platform is not the one this labrun ships\n"
	"  expiring   a current pass whose validity ends within --within days\n"
	"  expired    a pass already expired: the holder retakes the exam\n"
	"  failed     not a pass: nothing to renew\n"
	"  renewed    another evidence in --evidence renews it\n"
	"  superseded a newer evidence of the same attempt is in --evidence\n"
	"             (a regrade of it, linked by regraded_from or renews):\n"
	"             one job per attempt, for the newest\n"
	"  no-bundle  no trusted bundle of its scenario in --bundles\n"
	"  invalid    it does not verify against -p (the rest goes on)\n"
	"It prints a table (--json: one object) and writes JOBS (JSON lines,\n"
	"atomically), one job per stale or expiring pass, for labrun batch.\n"
	"A job whose replay cannot be judged fully (no runbook or script, a\n"
	"replay derived from the command log, a knowledge check of the new\n"
	"version that the evidence lacks) is warned about on stderr and in\n"
	"--json's warnings.\n"
	"\n"
	"  --evidence DIR    the stored evidence files\n"
	"  --bundles DIR     the scenario bundles (NAME.lab with NAME.lab.minisig)\n"
	"  --trust FILE|DIR  author public key(s) the bundles must be signed by\n"
	"  -p FILE           the issuer public key the evidence must be signed by\n"
	"  -o JOBS           where the job list goes\n"
	"  --now DATE        judge expiry as of DATE (2027-01-01 or\n"
	"                    2027-01-01T00:00:00Z; default: now)\n"
	"  --within DAYS     the expiring window (default 30)\n"
	"  --json            the plan as JSON on stdout\n"
	"\n"
	"report reads a batch's OUTDIR (its JOB.ev results and batch.log) and\n"
	"shows, per scenario and per check, the verdicts before (the renewed\n"
	"evidence) and after (the replay); for each attempt, its verdict before\n"
	"-> after and the checks that moved (new and gone ones too); the holders\n"
	"who must retake, and the counts of renewed, retake and error.  With -p\n"
	"each result is verified.\n"
	"\n"
	"Exit: 0 done (invalid evidence and unreadable results are rows of the\n"
	"output, not failures), 2 usage, 3 a directory or file could not be\n"
	"read or written.\n";

enum { OPT_EVIDENCE = 256, OPT_BUNDLES, OPT_TRUST, OPT_NOW, OPT_WITHIN, OPT_JSON,
       OPT_LIMIT };

static void print_plan(const struct recert_plan *p, const char *jobs)
{
	size_t i;

	cmd_printf(stdout, "%-10s %-24s %-9s %-18s %-20s %-16s %s\n", "CLASS", "SCENARIO",
		   "VERSION", "CANDIDATE", "VALID UNTIL", "JOB", "FILE: WHY");
	for (i = 0; i < p->nrows; i++) {
		const struct recert_row *r = &p->rows[i];

		cmd_printf(stdout, "%-10s %-24s %-9s %-18s %-20s %-16s %s%s%s\n",
			   recert_class_name(r->cls), r->scenario[0] ? r->scenario : "-",
			   r->version[0] ? r->version : "-",
			   r->candidate[0] ? r->candidate : "-",
			   r->valid_until[0] ? r->valid_until : "-",
			   r->job[0] ? r->job : "-", r->file, r->why[0] ? ": " : "",
			   r->why);
	}
	cmd_printf(stdout, "%zu evidence: %zu current, %zu stale, %zu expiring, %zu expired, %zu failed, %zu renewed, %zu superseded, %zu no-bundle, %zu invalid\n",
		   p->nrows, p->count[RC_CURRENT], p->count[RC_STALE],
		   p->count[RC_EXPIRING], p->count[RC_EXPIRED], p->count[RC_FAILED],
		   p->count[RC_RENEWED], p->count[RC_SUPERSEDED], p->count[RC_NO_BUNDLE],
		   p->count[RC_INVALID]);
	cmd_printf(stdout, "%zu job%s written to %s", p->njobs, p->njobs == 1 ? "" : "s", jobs);
	if (p->nwarned)
		cmd_printf(stdout, "; %zu with a warning (stderr)", p->nwarned);
	cmd_printf(stdout, "\n");
}

static int plan(const struct cmd *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"evidence", required_argument, NULL, OPT_EVIDENCE},
		{"bundles", required_argument, NULL, OPT_BUNDLES},
		{"trust", required_argument, NULL, OPT_TRUST},
		{"pub", required_argument, NULL, 'p'},
		{"now", required_argument, NULL, OPT_NOW},
		{"within", required_argument, NULL, OPT_WITHIN},
		{"json", no_argument, NULL, OPT_JSON},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{NULL, 0, NULL, 0},
	};
	struct recert_plan_opts o = {0};
	struct recert_plan p = {0};
	struct cmd_env env = {0};
	const char *out = NULL;
	struct buf json = BUF_INIT;
	struct err e = {0};
	int opt, as_json = 0, rc;
	size_t i;
	uint64_t v;

	opts_limits_default(&o.lim, &o.max_depth);
	o.now = time_now_ms() / 1000;
	o.within_days = 30;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:p:", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_EVIDENCE:
			o.evidence_dir = optarg;
			break;
		case OPT_BUNDLES:
			o.bundles_dir = optarg;
			break;
		case OPT_TRUST:
			env.trust_path = optarg;
			break;
		case 'p':
			env.pub_path = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case OPT_NOW:
			if (recert_parse_date(optarg, &o.now) < 0)
				return cmd_usage_error(c, "--now %s: want 2027-01-01 or 2027-01-01T00:00:00Z",
						       optarg);
			break;
		case OPT_WITHIN:
			if (parse_u64(optarg, 0, RECERT_MAX_WITHIN_DAYS, &v) < 0)
				return cmd_usage_error(c, "--within %s: days, 0 to %d", optarg,
						       RECERT_MAX_WITHIN_DAYS);
			o.within_days = (unsigned)v;
			break;
		case OPT_JSON:
			as_json = 1;
			break;
		case OPT_LIMIT:
			if (opts_limit(optarg, &o.lim, &o.max_depth, &e) < 0)
				return cmd_usage_error(c, "%s", e.msg);
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind != argc)
		return cmd_usage_error(c, "recert plan takes no operand ('%s')", argv[optind]);
	if (!o.evidence_dir || !o.bundles_dir || !env.trust_path || !env.pub_path ||
	    !out || !*out)
		return cmd_usage_error(c, "--evidence, --bundles, --trust, -p and -o are required");
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	o.trust = &env.trust;
	o.issuer = &env.issuer;
	if (recert_plan(&o, &p, &e) < 0 ||
	    write_file_atomic(out, p.jobs->data ? (const void *)p.jobs->data : "",
			      p.jobs->len, 0644, &e) < 0 ||
	    (as_json && recert_plan_json(&p, &o, &json, &e) < 0)) {
		rc = e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg)
					 : cmd_fail("recert plan", &e);
		goto out;
	}
	for (i = 0; i < p.problems.n; i++)
		cmd_printf(stderr, "labrun recert plan: %s\n", p.problems.v[i]);
	for (i = 0; i < p.nrows; i++)
		if (p.rows[i].cls == RC_INVALID)
			cmd_printf(stderr, "labrun recert plan: invalid: %s\n", p.rows[i].why);
		else if (p.rows[i].warn[0])
			cmd_printf(stderr, "labrun recert plan: warning: %s (job %s): %s\n",
				   p.rows[i].file, p.rows[i].job, p.rows[i].warn);
	if (as_json)
		cmd_write(stdout, json.data, json.len);
	else
		print_plan(&p, out);
	rc = EXIT_YES;
out:
	buf_release(&json);
	recert_plan_release(&p);
	cmd_env_release(&env);
	return rc;
}

static int report(const struct cmd *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"pub", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, OPT_JSON},
		{NULL, 0, NULL, 0},
	};
	struct buf text = BUF_INIT, json = BUF_INIT;
	struct cmd_env env = {0};
	struct err e = {0};
	int opt, as_json = 0, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			env.pub_path = optarg;
			break;
		case OPT_JSON:
			as_json = 1;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(c, optind >= argc ? "name the batch's OUTDIR"
						       : "one OUTDIR at a time");
	/* the issuer's key when -p names one; no trust store: --trust is
	 * plan's */
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	if (recert_report(argv[optind], env.pub_path ? &env.issuer : NULL, &text,
			  &json, &e) < 0) {
		rc = e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg)
					 : cmd_fail("recert report", &e);
	} else {
		if (as_json)
			cmd_write(stdout, json.data, json.len);
		else
			cmd_write(stdout, text.data, text.len);
		rc = EXIT_YES;
	}
	buf_release(&text);
	buf_release(&json);
	cmd_env_release(&env);
	return rc;
}

int cmd_recert(int argc, char **argv)
{
	const struct cmd *c = cmd_find("recert");

	if (argc < 2) {
		if (cmd_wants_help(c, argc, argv))
			return EXIT_YES;
		return cmd_usage_error(c, "name a subcommand: plan or report");
	}
	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	if (!strcmp(argv[1], "plan"))
		return plan(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return report(c, argc - 1, argv + 1);
	return cmd_usage_error(c, "'%s': not a subcommand; want plan or report", argv[1]);
}
