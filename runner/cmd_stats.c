/* cmd_stats: `labrun stats EVIDENCE_DIR... -p ISSUER_PUB [--scenario ID]
 * [--since DATE] [--json] [--html OUT.html] [--by-candidate]`: cohort
 * statistics and item analysis over many evidence files (docs/stats.md).
 * The gathering and the figures are stats.c's, the writing stats_out.c's
 * and stats_html.c's; this file parses the command line and prints. */
#include <getopt.h>
#include <stdio.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/recert.h"
#include "runner/sign.h"
#include "runner/stats.h"

extern const char usage_stats[];

const char usage_stats[] =
	"usage: labrun stats EVIDENCE... -p ISSUER_PUB [--scenario ID] [--since DATE]\n"
	"                    [--json] [--html OUT.html] [--by-candidate]\n"
	"\n"
	"Cohort statistics and item analysis over evidence files (files, or\n"
	"directories walked 8 levels deep), per scenario and version: attempts,\n"
	"candidates, pass rate, the score distribution, the time to resolution\n"
	"(session duration, and the first and last successful remediation step\n"
	"of the platform's audit trail: median and 90th percentile), hints (who\n"
	"takes each, and the pass rate with and without it), each check's\n"
	"difficulty and discrimination (point-biserial against the rest of the\n"
	"test, upper-lower 27% index) with flags for checks nobody or everybody\n"
	"passes and for negative or near-zero (< 0.1) discrimination, the\n"
	"exam's reliability (KR-20, Cronbach's alpha), variant fairness (pass\n"
	"rate and mean score per variant, Fisher's exact test for two variants,\n"
	"chi-square for more, flagged at p < 0.05), and recertification replays\n"
	"(renewed, retake, error) per platform version.  docs/stats.md has the\n"
	"formulas.\n"
	"\n"
	"Every file is verified first, as labrun verify does, against the key\n"
	"given with -p; one that does not verify is counted and skipped with the\n"
	"reason.  Privacy: aggregates only; a cell of fewer than 5 candidates is\n"
	"shown as \"<5\" (a scenario with fewer shows nothing else), and no\n"
	"pseudonym appears unless --by-candidate is given.\n"
	"\n"
	"options:\n"
	"  -p, --pub ISSUER_PUB  the issuer's public key (minisign format);\n"
	"                        required: a file that names its own key proves\n"
	"                        nothing\n"
	"      --scenario ID     only this scenario\n"
	"      --since DATE      only evidence issued at or after DATE\n"
	"                        (2027-01-01 or 2027-01-01T00:00:00Z)\n"
	"      --json            one JSON object (docs/stats.md, \"JSON\")\n"
	"      --html OUT.html   also write one self-contained page with charts\n"
	"                        (atomically)\n"
	"      --by-candidate    list each candidate's attempts by pseudonym\n"
	"  -h, --help            print this help\n"
	"\n"
	"exit status: 0 reported; 1 no file is valid evidence under this key, or\n"
	"a bound was reached; 2 usage; 3 the host failed (I/O, memory); 4 bug.\n";

enum { OPT_JSON = 256, OPT_HTML, OPT_SCENARIO, OPT_SINCE, OPT_BY_CANDIDATE };

static int report(char *const *paths, size_t n, const struct sign_pub *pk,
		  const struct stats_opts *o, int json, const char *html)
{
	struct stats_data d;
	struct buf out = BUF_INIT, page = BUF_INIT;
	struct err e = {0};
	int rc = EXIT_YES;

	if (stats_gather(paths, n, pk, o, &d, &e) < 0 || stats_figures(&d, &e) < 0 ||
	    (json ? stats_json(&d, o, &out, &e) : stats_text(&d, o, &out, &e)) < 0 ||
	    (html && (stats_html(&d, o, &page, &e) < 0 ||
		      write_file_atomic(html, page.data, page.len, 0644, &e) < 0))) {
		rc = cmd_fail("stats", &e);
		goto out;
	}
	cmd_write(stdout, out.data, out.len);
	rc = cmd_finish_stdout("stats");
	if (rc == EXIT_YES && d.files && !d.valid) {
		cmd_printf(stderr, "labrun stats: %s valid evidence "
			   "signed by this key; hint: check -p ISSUER_PUB\n",
			   d.files == 1 ? "the one file is not" : "none of the files is");
		rc = EXIT_NO;
	}
out:
	buf_release(&out);
	buf_release(&page);
	stats_data_release(&d);
	return rc;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pub", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, OPT_JSON},
		{"html", required_argument, NULL, OPT_HTML},
		{"scenario", required_argument, NULL, OPT_SCENARIO},
		{"since", required_argument, NULL, OPT_SINCE},
		{"by-candidate", no_argument, NULL, OPT_BY_CANDIDATE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("stats");
	const char *pub_path = NULL, *html = NULL;
	struct stats_opts o = {0};
	struct sign_pub pk;
	struct err e = {0};
	int json = 0, opt;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pub_path = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_HTML:
			html = optarg;
			break;
		case OPT_SCENARIO:
			o.scenario = optarg;
			break;
		case OPT_SINCE:
			if (recert_parse_date(optarg, &o.since_s) < 0)
				return cmd_usage_error(c, "--since %s: want 2027-01-01 or 2027-01-01T00:00:00Z",
						       optarg);
			o.since_given = 1;
			break;
		case OPT_BY_CANDIDATE:
			o.by_candidate = 1;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error(c, "no EVIDENCE given (evidence files or directories of them)");
	if (!pub_path)
		return cmd_usage_error(c, "-p ISSUER_PUB is required: a file that "
				       "names its own key proves nothing; hint: "
				       "the issuer's public key, as `labrun keygen` "
				       "wrote it");
	if (sign_pub_load(pub_path, &pk, &e) < 0)
		return cmd_fail("stats", &e);
	return report(argv + optind, (size_t)(argc - optind), &pk, &o, json, html);
}
