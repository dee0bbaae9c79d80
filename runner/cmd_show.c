/* cmd_show: `labrun show FILE -p ISSUER_PUB [--json] [--at TIME]`: what
 * an evidence file or a credential says, on one screen, once it is
 * checked against the pinned issuer key.  The checks and the facts are
 * show.c's (and evidence.c's, credential.c's); this file parses the
 * command line and prints. */
#include <getopt.h>
#include <stdio.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/evidence.h"
#include "runner/recert.h"
#include "runner/show.h"
#include "runner/sign.h"

extern const char usage_show[];

const char usage_show[] =
	"usage: labrun show FILE -p ISSUER_PUB [--json] [--at TIME]\n"
	"\n"
	"Show what an evidence file or a credential says, on one screen: the\n"
	"holder's pseudonym (and the type of a hashed identifier, never more),\n"
	"the scenario or program, its level and competencies, the verdict and\n"
	"score against the pass mark, each check with its status, the hints\n"
	"taken and what they cost, the time taken against the limit, when it\n"
	"was issued, until when it is valid and whether it has expired, what it\n"
	"renews, regrades or replaces, and the credential's id.  A program\n"
	"credential (from labrun award) lists the attempts and credentials it\n"
	"rests on.  Long values are cut to fit 80 columns; --json has them\n"
	"whole.\n"
	"\n"
	"FILE is checked first: evidence as labrun verify checks it (the\n"
	"canonical tar, SHA256SUMS and its signature), a credential (a JSON\n"
	"file, such as an evidence's credential.json) by its eddsa-jcs-2022\n"
	"proof.  Either must be signed by the key given with -p.\n"
	"\n"
	"options:\n"
	"  -p, --pub ISSUER_PUB  the issuer's public key (minisign format, as\n"
	"                        written by `labrun keygen`); required: a file\n"
	"                        that names its own key proves nothing, since\n"
	"                        anyone can sign with a key of their own\n"
	"      --at TIME         judge expiry at TIME (2027-01-01 or\n"
	"                        2027-01-01T00:00:00Z; default: now)\n"
	"      --json            print one JSON object with the same facts\n"
	"                        (docs/credentials.md, \"labrun show\"), or\n"
	"                        {\"valid\": false, \"error\": \"...\"}\n"
	"  -h, --help            print this help\n"
	"\n"
	"exit status: 0 shown (the file is valid; an expired one too, and it\n"
	"says so); 1 refused (modified, wrong key, malformed, missing);\n"
	"2 usage; 3 the host failed (I/O, memory); 4 internal bug.\n";

enum { OPT_JSON = 256, OPT_AT };

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pub", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, OPT_JSON},
		{"at", required_argument, NULL, OPT_AT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("show");
	const char *pub_path = NULL, *path;
	struct buf out = BUF_INIT;
	struct sign_pub pk;
	struct err e = {0};
	int64_t at_s = time_now_ms() / 1000;
	int json = 0, at_given = 0, opt;

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
		case OPT_AT:
			if (recert_parse_date(optarg, &at_s) < 0)
				return cmd_usage_error(c, "--at %s: want 2027-01-01 or 2027-01-01T00:00:00Z",
						       optarg);
			at_given = 1;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind == argc)
		return cmd_usage_error(c, "no FILE given (an evidence file or a credential)");
	if (argc - optind > 1)
		return cmd_usage_error(c, "one FILE at a time ('%s' is extra)",
				       argv[optind + 1]);
	if (!pub_path)
		return cmd_usage_error(c, "-p ISSUER_PUB is required: a file that "
				       "names its own key proves nothing; hint: "
				       "the issuer's public key, as `labrun keygen` "
				       "wrote it");
	path = argv[optind];
	if (sign_pub_load(pub_path, &pk, &e) < 0)
		return cmd_refuse_file("show", path, json, &e);
	if (show_file(path, &pk, at_s, at_given, json, &out, &e) < 0) {
		buf_release(&out);
		return cmd_refuse_file("show", path, json, &e);
	}
	cmd_write(stdout, out.data, out.len);
	buf_release(&out);
	return cmd_finish_stdout("show");
}
