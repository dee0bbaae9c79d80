/* cmd_report: `labrun report EVIDENCE -p ISSUER_PUB -o PAGE.html`: one
 * self-contained HTML page of an evidence file for an auditor.  The file
 * is verified first (as labrun verify does), the player is found where
 * labrun keeps it, report.c renders the page, and it is written
 * atomically: nothing is at -o on any failure.  It does not serve the
 * page or open a browser. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/evidence.h"
#include "runner/report.h"
#include "runner/sign.h"
#include "runner/tarball.h"

extern const char usage_report[];

const char usage_report[] =
	"usage: labrun report EVIDENCE -p ISSUER_PUB -o PAGE.html\n"
	"\n"
	"Write one self-contained HTML page of an evidence file, for a person\n"
	"to read in a browser: the verdict and score against the pass mark,\n"
	"every check, the hints taken, the fault timeline, the command\n"
	"timeline, the candidate's answers, the trace chain the candidate\n"
	"reconstructed beside the platform's own spans, and the terminal\n"
	"replay (asciinema-player, embedded).  EVIDENCE is verified first, as\n"
	"labrun verify does; a file that does not verify gets no page.  The\n"
	"page loads nothing from anywhere (its Content-Security-Policy forbids\n"
	"it) and shows every text from the evidence as text.\n"
	"\n"
	"options:\n"
	"  -p, --pub ISSUER_PUB  the issuer's public key EVIDENCE must be\n"
	"                        signed by (required)\n"
	"  -o, --out PAGE        where to write the page (atomically)\n"
	"  -h, --help            print this help\n"
	"\n"
	"exit status: 0 written; 1 EVIDENCE refused (nothing written); 2 usage;\n"
	"3 the host failed, or the player is missing (run make deps); 4 bug.\n";

/* The player's two files (read bounded: the bundle is about 230 KiB). */
#define PLAYER_MAX (4u << 20)

static int missing(struct err *e)
{
	char msg[sizeof e->msg];

	snprintf(msg, sizeof msg, "%s", e->msg);
	return err_set(e, ERR_HOST, "%s; hint: run make deps, then make", msg);
}

static int load_player(struct buf *js, struct buf *css, struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];

	if (report_find_player(dir, sizeof dir, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/asciinema-player.min.js", dir);
	if (read_file_bounded(path, PLAYER_MAX, js, e) < 0)
		return missing(e);
	snprintf(path, sizeof path, "%s/asciinema-player.css", dir);
	if (read_file_bounded(path, PLAYER_MAX, css, e) < 0)
		return missing(e);
	return 0;
}

static int write_report(const char *path, const char *out, const struct sign_pub *pk,
			struct err *e)
{
	struct tar_list members = {0};
	struct buf js = BUF_INIT, css = BUF_INIT, page = BUF_INIT;
	struct report_player pl;
	struct report_source src;
	char digest[SIGN_SHA256_HEX], keyid[17];
	int rc = -1;

	if (ev_open(path, pk, &members, digest, e) < 0)
		goto out;
	if (load_player(&js, &css, e) < 0)
		goto out;
	pl.js = (const char *)js.data;
	pl.js_len = js.len;
	pl.css = (const char *)css.data;
	pl.css_len = css.len;
	sign_keyid_hex(pk, keyid);
	src.evidence = path;
	src.digest = digest;
	src.issuer = keyid;
	if (report_html(&members, &src, &pl, &page, e) < 0)
		goto out;
	rc = write_file_atomic(out, page.data, page.len, 0644, e);
out:
	buf_release(&page);
	buf_release(&css);
	buf_release(&js);
	tar_list_release(&members);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pub", required_argument, NULL, 'p'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("report");
	const char *pub_path = NULL, *out = NULL, *path;
	struct sign_pub pk;
	struct err e = {0};
	int opt;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pub_path = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error(c, "no EVIDENCE file given");
	if (argc - optind > 1)
		return cmd_usage_error(c, "one EVIDENCE file at a time ('%s' is extra)",
				       argv[optind + 1]);
	if (!pub_path)
		return cmd_usage_error(c, "-p ISSUER_PUB is required; hint: the "
				       "issuer's public key, as `labrun keygen` "
				       "wrote it");
	if (!out || !*out)
		return cmd_usage_error(c, "-o PAGE is required; hint: -o report.html");
	path = argv[optind];
	if (sign_pub_load(pub_path, &pk, &e) < 0 || write_report(path, out, &pk, &e) < 0)
		return cmd_fail("report", &e);
	cmd_printf(stdout, "report: %s\n", out);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_printf(stderr, "labrun report: writing the output failed\n");
		return EXIT_HOST;
	}
	return EXIT_YES;
}
