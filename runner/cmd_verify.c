/* cmd_verify: `labrun verify EVIDENCE -p ISSUER_PUB [--json]`: check an
 * evidence file against the issuer key and say what it proves.  The checks
 * are evidence.c's; this file only parses the command line and prints.  It
 * does not check expiry or trust a key the file names. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/sign.h"
#include "runner/status_list.h"

extern const char usage_verify[];

const char usage_verify[] =
	"usage: labrun verify EVIDENCE -p ISSUER_PUB [--json]\n"
	"       labrun verify EVIDENCE [-p ISSUER_PUB] [--identity DID_JSON]\n"
	"                     [--status LIST]... [--json]\n"
	"       labrun verify --did -p ISSUER_PUB\n"
	"\n"
	"Check an evidence file offline: it must be the canonical tar labrun\n"
	"writes (any changed byte is refused), hold only the members labrun\n"
	"writes, list every member in SHA256SUMS with the right digest, carry a\n"
	"valid prehashed minisign signature over SHA256SUMS by the issuer key\n"
	"given with -p, and have a well-formed manifest.json and result.json.\n"
	"Then print what it proves: scenario and its digest, candidate\n"
	"pseudonym, verdict and score, checks passed, session times, when it\n"
	"was issued and until when a pass is valid, and the issuer key id.\n"
	"Expiry is not checked here: compare the valid-until date it prints\n"
	"with the date that matters to you.  A pass carries its credential,\n"
	"credential.json (an Open Badges 3.0 credential, signed eddsa-jcs-2022\n"
	"by the same key): it must be exactly what labrun issues for the other\n"
	"members.  The summary names it, and the issuer key's did:key, the\n"
	"issuer's name in every credential (docs/credentials.md).\n"
	"\n"
	"options:\n"
	"  -p, --pub ISSUER_PUB  the issuer's public key (minisign format, as\n"
	"                        written by `labrun keygen`); required: a key\n"
	"                        named by the evidence itself proves nothing\n"
	"      --did             print the did:key of ISSUER_PUB and nothing\n"
	"                        else: the issuer's name in every credential,\n"
	"                        what a credential's verifier pins\n"
	"      --identity DID_JSON  the issuer's identity document (did.json, as\n"
	"                        its registry publishes it): its keys, each with\n"
	"                        the period it was in use, in place of or beside\n"
	"                        -p; evidence issued by a key after it was\n"
	"                        retired or compromised is refused\n"
	"      --status LIST     a status list credential (revocation.json,\n"
	"                        suspension.json) fetched from the issuer's site;\n"
	"                        its proof is checked under the same keys; a\n"
	"                        credential revoked or suspended in it is refused\n"
	"                        (docs/registry.md); may be given twice\n"
	"      --json            print one JSON object: {\"valid\": true,\n"
	"                        \"scenario\": {...}, \"verdict\": ..., ...} or\n"
	"                        {\"valid\": false, \"error\": \"...\"}\n"
	"  -h, --help            print this help\n"
	"\n"
	"exit status: 0 valid; 1 refused (modified, wrong key, malformed,\n"
	"missing); 2 usage; 3 the host failed (I/O, memory); 4 internal bug.\n"
	"\n"
	"Stock tools alone check the signature and every digest:\n"
	"  mkdir x && tar -xf EVIDENCE -C x && cd x &&\n"
	"    minisign -V -H -p issuer.pub -m SHA256SUMS && sha256sum -c SHA256SUMS\n"
	"The credential's id ends in the hex of\n"
	"  grep -v '  credential.json$' SHA256SUMS | sha256sum\n"
	"(labrun verify also refuses unlisted members, non-canonical files and\n"
	"schema errors; docs/evidence.md describes every member.)\n";

enum { OPT_JSON = 256, OPT_DID, OPT_STATUS, OPT_IDENTITY };

#define VERIFY_MAX_LISTS 8

/* --identity, -p, --status: the keys and the lists read and checked.
 * -1 with e set. */
static int load_status(const char *identity, const char *pub_path,
		       char *const *status, size_t nstatus,
		       struct trust_keys *tk, struct status_list **lists,
		       struct err *e)
{
	struct buf b = BUF_INIT;
	struct sign_pub pk;
	size_t i;

	if (identity) {
		if (read_file_bounded(identity, SL_MAX_BYTES, &b, e) < 0 ||
		    trust_keys_identity(b.data, b.len, identity, tk, e) < 0) {
			buf_release(&b);
			return -1;
		}
		buf_release(&b);
	}
	if (pub_path && (sign_pub_load(pub_path, &pk, e) < 0 ||
			 trust_keys_add_pub(tk, &pk, e) < 0))
		return -1;
	for (i = 0; i < nstatus; i++) {
		buf_release(&b);
		if (read_file_bounded(status[i], SL_MAX_BYTES, &b, e) < 0 ||
		    status_list_read(b.data, b.len, status[i], tk, &lists[i], e) < 0) {
			buf_release(&b);
			return -1;
		}
	}
	buf_release(&b);
	return 0;
}

/* verify with --identity or --status. */
static int verify_status(const char *path, const char *identity,
			 const char *pub_path, char *const *status,
			 size_t nstatus, int json, struct buf *out,
			 struct err *e)
{
	struct trust_keys tk = {0};
	struct status_list *lists[VERIFY_MAX_LISTS] = {0};
	struct sign_pub *pubs = NULL;
	struct ev_status st;
	size_t i;
	int rc = -1;

	if (load_status(identity, pub_path, status, nstatus, &tk, lists, e) < 0 ||
	    trust_keys_pubs(&tk, &pubs, e) < 0)
		goto out;
	st.keys = &tk;
	st.lists = lists;
	st.nlists = nstatus;
	rc = ev_verify_status(path, pubs, tk.n, &st, json ? NULL : out,
			      json ? out : NULL, e);
out:
	for (i = 0; i < nstatus; i++)
		status_list_free(lists[i]);
	free(pubs);
	trust_keys_release(&tk);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pub", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, OPT_JSON},
		{"did", no_argument, NULL, OPT_DID},
		{"status", required_argument, NULL, OPT_STATUS},
		{"identity", required_argument, NULL, OPT_IDENTITY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("verify");
	const char *pub_path = NULL, *path, *identity = NULL;
	char *status[VERIFY_MAX_LISTS];
	size_t nstatus = 0;
	struct buf out = BUF_INIT;
	struct sign_pub pk;
	struct err e = {0};
	char did[CRED_DID_MAX];
	int json = 0, did_only = 0, opt, rc;

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
		case OPT_DID:
			did_only = 1;
			break;
		case OPT_STATUS:
			if (nstatus == VERIFY_MAX_LISTS)
				return cmd_usage_error(c, "more than %d --status", VERIFY_MAX_LISTS);
			status[nstatus++] = optarg;
			break;
		case OPT_IDENTITY:
			identity = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (did_only) {
		if (optind != argc || json || !pub_path)
			return cmd_usage_error(c, "--did takes -p ISSUER_PUB and nothing else");
		if (sign_pub_load(pub_path, &pk, &e) < 0)
			return cmd_fail("verify", &e);
		cred_did_key(pk.pk, did);
		cmd_printf(stdout, "%s\n", did);
		return cmd_finish_stdout("verify");
	}
	if (optind == argc)
		return cmd_usage_error(c, "no EVIDENCE file given");
	if (argc - optind > 1)
		return cmd_usage_error(c, "one EVIDENCE file at a time ('%s' is extra)",
				       argv[optind + 1]);
	if (!pub_path && !identity)
		return cmd_usage_error(c, "-p ISSUER_PUB is required (or --identity DID_JSON); hint: the "
				       "issuer's public key, as `labrun keygen` "
				       "wrote it");
	path = argv[optind];
	if (identity || nstatus)
		rc = verify_status(path, identity, pub_path, status, nstatus, json,
				   &out, &e);
	else if (sign_pub_load(pub_path, &pk, &e) < 0)
		rc = -1;
	else
		rc = json ? ev_verify_json(path, &pk, &out, &e)
			  : ev_verify(path, &pk, &out, &e);
	if (rc < 0) {
		buf_release(&out);
		return cmd_refuse_file("verify", path, json, &e);
	}
	if (!json)
		cmd_printf(stdout, "%s: valid\n", path);
	cmd_write(stdout, out.data, out.len);
	buf_release(&out);
	return cmd_finish_stdout("verify");
}
