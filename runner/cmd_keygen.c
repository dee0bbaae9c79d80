/* cmd_keygen: `labrun keygen`, an Ed25519 key pair in minisign format.  It
 * only parses the command line and reports; sign.c makes and writes the
 * keys. */
#include <getopt.h>
#include <stdio.h>

#include "base/err.h"
#include "runner/cmd.h"
#include "runner/sign.h"

extern const char usage_keygen[];

const char usage_keygen[] =
	"usage: labrun keygen -p PUBFILE -s SECFILE\n"
	"\n"
	"Make an Ed25519 key pair in minisign format.  The public key goes to\n"
	"PUBFILE, the secret key to SECFILE, created with mode 0600.  Neither\n"
	"file may exist already.  The secret key is not encrypted, so that\n"
	"labrun can sign unattended; stock minisign signs with it too\n"
	"(minisign -S -s SECFILE -m FILE).\n"
	"\n"
	"labrun uses two kinds of key pair; make one of each:\n"
	"  an author's   signs scenario bundles (labrun pack -s SECFILE); exam\n"
	"                hosts trust its PUBFILE (run, take, exam --trust)\n"
	"  an issuer's   signs evidence (labrun run, take, exam --key SECFILE);\n"
	"                verifiers check with its PUBFILE (labrun verify -p)\n"
	"\n"
	"  -p PUBFILE   where to write the public key\n"
	"  -s SECFILE   where to write the secret key (mode 0600)\n"
	"  -h, --help   show this help\n"
	"\n"
	"Exit status: 0 written, 1 refused (a file exists), 2 usage,\n"
	"3 host error.\n";

int cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("keygen");
	const char *pub = NULL, *sec = NULL;
	struct sign_pub pk;
	struct err e = {ERR_NONE, ""};
	char id[17];
	int opt;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:p:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pub = optarg;
			break;
		case 's':
			sec = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "unexpected argument '%s'",
				       argv[optind]);
	if (!pub || !sec)
		return cmd_usage_error(c, "both -p PUBFILE and -s SECFILE are "
					  "required");
	if (sign_keygen(pub, sec, &e) < 0 || sign_pub_load(pub, &pk, &e) < 0)
		return cmd_fail("keygen", &e);
	sign_keyid_hex(&pk, id);
	printf("public key: %s\n", pub);
	printf("secret key: %s\n", sec);
	printf("key id: %s\n", id);
	/* One pair serves one role: the hint says both, since keygen
	 * cannot know which this one is for. */
	printf("hint: as an author's key, %s signs bundles (labrun pack -s) and "
	       "exam hosts trust %s (--trust); as an issuer's key, it signs "
	       "evidence (labrun run, take, exam --key) and verifiers check "
	       "with %s (labrun verify -p); keep %s secret, mode 0600, off "
	       "shared disks\n", sec, pub, pub, sec);
	return EXIT_YES;
}
