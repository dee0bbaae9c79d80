/* cmd_award: `labrun award`: issue a program credential on a holder's
 * evidence and prerequisite credentials (award.c), check a program file
 * (--check), or sign one as its author (--sign).  This file parses the
 * command line and prints; program.c and award.c do the work. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/award.h"
#include "runner/cmd.h"
#include "runner/program.h"
#include "runner/recert.h"
#include "runner/schema.h"
#include "runner/sign.h"

extern const char usage_award[];

const char usage_award[] =
	"usage: labrun award PROGRAM EVIDENCE_OR_CRED... -o CRED --trust AUTHOR_PUB\n"
	"                    -p ISSUER_PUB --key ISSUER_KEY [--holder TYPE:VALUE]\n"
	"                    [--at TIME] [--registry REG]\n"
	"       labrun award --check PROGRAM... [--trust AUTHOR_PUB]\n"
	"       labrun award --sign PROGRAM --key AUTHOR_KEY\n"
	"\n"
	"Issue one Open Badges 3.0 credential for a certification program (a\n"
	"signed JSON file naming the scenarios or competencies that earn it,\n"
	"how many of them, the programs it rests on and how long it is valid;\n"
	"docs/credentials.md, \"Programs and ladders\").  PROGRAM's signature\n"
	"(PROGRAM.minisig) must be by an author key of --trust.  Every piece is\n"
	"checked: an evidence file must verify under -p, be a pass, carry its\n"
	"scenario credential and be valid at TIME; a prerequisite program's\n"
	"credential must verify under -p and be valid at TIME.  All must be one\n"
	"holder's (the same pseudonym, or with --holder an identifier each\n"
	"carries hashed).  When they meet the program, the credential is signed\n"
	"with ISSUER_KEY (eddsa-jcs-2022) and written to CRED atomically; when\n"
	"not, every reason is printed and nothing is written.\n"
	"\n"
	"options:\n"
	"  -o, --output CRED      where the credential goes (JSON)\n"
	"      --trust AUTHOR_PUB the program authors' public keys (a file or a\n"
	"                         directory of *.pub)\n"
	"  -p, --pub ISSUER_PUB   the issuer key the evidence and the credentials\n"
	"                         presented must be signed by\n"
	"      --key KEY          award: the issuer's secret key, which signs the\n"
	"                         credential; --sign: the author's\n"
	"      --holder TYPE:VALUE  match each piece's hashed identifier (such as\n"
	"                         emailAddress:ada@example.org); the credential\n"
	"                         carries it hashed with a fresh salt\n"
	"      --at TIME          award as of TIME (2027-01-01 or\n"
	"                         2027-01-01T00:00:00Z; default: now): validFrom,\n"
	"                         and the time every piece must be valid at\n"
	"      --registry REG     the issuer's registry: the credential gets a\n"
	"                         status index there and carries credentialStatus\n"
	"                         (docs/registry.md); KEY must be its current key\n"
	"      --check            check program files and print what each requires;\n"
	"                         with --trust, their signatures too\n"
	"      --sign             check PROGRAM and write PROGRAM.minisig with\n"
	"                         the author's key\n"
	"  -h, --help             print this help\n"
	"\n"
	"The credential is valid from TIME until the program's valid_for_days\n"
	"later, or until the earliest expiry of what it rests on if sooner.\n"
	"\n"
	"exit status: 0 awarded (checked, signed); 1 refused, with the reasons;\n"
	"2 usage; 3 the host failed (I/O, memory); 4 internal bug.\n";

enum { OPT_TRUST = 256, OPT_KEY, OPT_HOLDER, OPT_AT, OPT_CHECK, OPT_SIGN, OPT_REGISTRY };

struct award_cli {
	const char *out, *trust, *pub, *key, *holder, *at, *registry;
	int check, sign;
};

/* Every problem of a program file, then the summary line. */
static int print_problems(const char *path, const struct problems *p,
			  const struct err *e)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		cmd_printf(stderr, "%s\n", p->v[i]);
	return cmd_fail("award", e);
}

static int load_program(const char *path, const struct sign_trust *trust,
			struct program *pg, struct err *e)
{
	struct problems p = {NULL, 0, 0};
	char digest[SIGN_SHA256_HEX];
	int rc = 0;

	if (program_open(path, trust, pg, digest, &p, e) < 0)
		rc = print_problems(path, &p, e);
	problems_release(&p);
	return rc;
}

static void describe(const char *path, const struct program *pg, int signed_)
{
	size_t i;

	cmd_printf(stdout, "%s: valid program %s %s (%s), %s\n", path, pg->id,
		   pg->version, program_level_name(pg->level),
		   signed_ ? "signed by a trusted author" : "signature not checked");
	cmd_printf(stdout, "  needs %s%u of:", pg->count == pg->nitems ? "all " : "",
		   pg->count);
	for (i = 0; i < pg->nitems; i++) {
		const struct program_item *it = &pg->items[i];

		if (it->kind == PROGRAM_SCENARIO)
			cmd_printf(stdout, " scenario %s%s%s%s", it->id,
				   it->min_version[0] ? " " : "", it->min_version,
				   i + 1 < pg->nitems ? "," : "");
		else
			cmd_printf(stdout, " competency %s at %s or above%s", it->id,
				   program_level_name(it->min_level),
				   i + 1 < pg->nitems ? "," : "");
	}
	cmd_printf(stdout, "\n");
	for (i = 0; i < pg->nprereqs; i++)
		cmd_printf(stdout, "  and the credential of program %s\n",
			   pg->prereqs[i]);
	cmd_printf(stdout, "  valid for %u days\n", pg->valid_for_days);
}

static int do_check(const struct cmd *c, const struct award_cli *a, int argc,
		    char **argv)
{
	struct sign_trust trust = {NULL, 0};
	struct program pg;
	struct err e = {0};
	int i, rc = EXIT_YES, r;

	if (optind == argc)
		return cmd_usage_error(c, "--check: no PROGRAM given");
	if (a->out || a->pub || a->key || a->holder || a->at)
		return cmd_usage_error(c, "--check takes only PROGRAM files and --trust");
	if (a->trust && sign_trust_load(a->trust, &trust, &e) < 0)
		return cmd_fail("award", &e);
	for (i = optind; i < argc; i++) {
		r = load_program(argv[i], a->trust ? &trust : NULL, &pg, &e);
		if (r) {
			if (rc == EXIT_YES || r > rc)
				rc = r;
			continue;
		}
		describe(argv[i], &pg, a->trust != NULL);
		program_release(&pg);
	}
	sign_trust_release(&trust);
	return rc;
}

static int do_sign(const struct cmd *c, const struct award_cli *a, int argc,
		   char **argv)
{
	struct buf sig = BUF_INIT, data = BUF_INIT;
	struct sign_sec *sk = NULL;
	struct program pg;
	struct err e = {0};
	char comment[SIGN_COMMENT_MAX + 1], sigpath[4096];
	const char *path;
	int rc;

	if (argc - optind != 1)
		return cmd_usage_error(c, "--sign: one PROGRAM at a time");
	if (!a->key)
		return cmd_usage_error(c, "--sign: --key AUTHOR_KEY is required");
	if (a->out || a->pub || a->holder || a->at || a->trust)
		return cmd_usage_error(c, "--sign takes only PROGRAM and --key");
	path = argv[optind];
	rc = snprintf(sigpath, sizeof sigpath, "%s.minisig", path);
	if (rc < 0 || (size_t)rc >= sizeof sigpath)
		return cmd_usage_error(c, "--sign: the path is too long");
	if ((rc = load_program(path, NULL, &pg, &e)) != 0)
		return rc;
	snprintf(comment, sizeof comment, "labrun program %s %s", pg.id, pg.version);
	program_release(&pg);
	if (sign_sec_load(a->key, &sk, &e) < 0 ||
	    read_file_bounded(path, PROGRAM_MAX_BYTES, &data, &e) < 0 ||
	    sign_data(sk, data.data, data.len, comment, &sig, &e) < 0 ||
	    write_file_atomic(sigpath, sig.data, sig.len, 0644, &e) < 0)
		rc = cmd_fail("award", &e);
	else
		cmd_printf(stdout, "signed: %s\n", sigpath);
	sign_sec_free(sk);
	buf_release(&sig);
	buf_release(&data);
	return rc;
}

static int do_award(const struct cmd *c, const struct award_cli *a, int argc,
		    char **argv)
{
	struct sign_trust trust = {NULL, 0};
	struct buf out = BUF_INIT, why = BUF_INIT;
	struct award_opts o;
	struct sign_pub issuer;
	struct program pg;
	struct err e = {0};
	int64_t at = time_now_ms() / 1000;
	int rc;

	memset(&o, 0, sizeof o);
	memset(&pg, 0, sizeof pg);
	if (argc - optind < 2)
		return cmd_usage_error(c, argc == optind ? "no PROGRAM given"
				       : "no EVIDENCE or credential given");
	if (!a->out)
		return cmd_usage_error(c, "-o CRED is required");
	if (!a->trust)
		return cmd_usage_error(c, "--trust AUTHOR_PUB is required; hint: the key the program's author signed it with");
	if (!a->pub)
		return cmd_usage_error(c, "-p ISSUER_PUB is required; hint: the key the evidence was signed with");
	if (!a->key)
		return cmd_usage_error(c, "--key ISSUER_KEY is required; hint: it signs the credential");
	if (a->at && recert_parse_date(a->at, &at) < 0)
		return cmd_usage_error(c, "--at %s: want 2027-01-01 or 2027-01-01T00:00:00Z",
				       a->at);
	if (sign_trust_load(a->trust, &trust, &e) < 0 ||
	    sign_pub_load(a->pub, &issuer, &e) < 0 ||
	    sign_sec_load(a->key, (struct sign_sec **)&o.key, &e) < 0) {
		rc = cmd_fail("award", &e);
		goto out;
	}
	if (a->registry &&
	    (rc = cmd_use_registry(c, a->registry, NULL, o.key)) != 0)
		goto out;
	o.registry = a->registry;
	if ((rc = load_program(argv[optind], &trust, &pg, &e)) != 0)
		goto out;
	o.pg = &pg;
	o.files = (const char *const *)argv + optind + 1;
	o.nfiles = (size_t)(argc - optind - 1);
	o.issuer = &issuer;
	o.holder = a->holder;
	o.at = at;
	rc = award_issue(&o, &out, &why, &e);
	if (rc < 0) {
		rc = cmd_fail("award", &e);
		goto out;
	}
	if (rc > 0) {
		cmd_printf(stderr, "labrun award: %s: not awarded\n", pg.id);
		cmd_write(stderr, why.data, why.len);
		rc = EXIT_NO;
		goto out;
	}
	if (write_file_atomic(a->out, out.data, out.len, 0644, &e) < 0) {
		rc = cmd_fail("award", &e);
		goto out;
	}
	cmd_printf(stdout, "awarded: %s %s (%s)\ncredential: %s\n", pg.id,
		   pg.version, program_level_name(pg.level), a->out);
	rc = EXIT_YES;
out:
	buf_release(&out);
	buf_release(&why);
	program_release(&pg);
	sign_sec_free((struct sign_sec *)o.key);
	sign_trust_release(&trust);
	return rc;
}

int cmd_award(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"pub", required_argument, NULL, 'p'},
		{"trust", required_argument, NULL, OPT_TRUST},
		{"key", required_argument, NULL, OPT_KEY},
		{"holder", required_argument, NULL, OPT_HOLDER},
		{"at", required_argument, NULL, OPT_AT},
		{"check", no_argument, NULL, OPT_CHECK},
		{"sign", no_argument, NULL, OPT_SIGN},
		{"registry", required_argument, NULL, OPT_REGISTRY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("award");
	struct award_cli a;
	int opt;

	memset(&a, 0, sizeof a);
	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:p:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			a.out = optarg;
			break;
		case 'p':
			a.pub = optarg;
			break;
		case OPT_TRUST:
			a.trust = optarg;
			break;
		case OPT_KEY:
			a.key = optarg;
			break;
		case OPT_HOLDER:
			a.holder = optarg;
			break;
		case OPT_AT:
			a.at = optarg;
			break;
		case OPT_CHECK:
			a.check = 1;
			break;
		case OPT_SIGN:
			a.sign = 1;
			break;
		case OPT_REGISTRY:
			a.registry = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (a.check && a.sign)
		return cmd_usage_error(c, "--check and --sign: one at a time");
	if (a.check)
		return do_check(c, &a, argc, argv);
	if (a.sign)
		return do_sign(c, &a, argc, argv);
	return do_award(c, &a, argc, argv);
}
