/* cmd_registry: `labrun registry init|revoke|suspend|reinstate|rotate|
 * compromise|check|status|lists`: the issuer's registry directory
 * (docs/registry.md).  The state and its checks are registry.c's; this
 * file parses command lines and prints.  `publish` (the static site) is
 * registry_site's. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/registry.h"
#include "runner/sign.h"
#include "runner/status_list.h"
#include "runner/tarball.h"

extern const char usage_registry[];

const char usage_registry[] =
	"usage: labrun registry init REG --key ISSUER_SEC --base-url URL\n"
	"       labrun registry revoke|suspend|reinstate CRED-ID|FILE --reason TEXT\n"
	"                  --registry REG --key ISSUER_SEC [--actor NAME]\n"
	"       labrun registry rotate --registry REG --key OLD_SEC --new-key NEW_SEC\n"
	"       labrun registry compromise KEYID --from TIME --registry REG\n"
	"                  --key ISSUER_SEC\n"
	"       labrun registry check --registry REG\n"
	"       labrun registry status --registry REG [CRED-ID]\n"
	"       labrun registry lists --registry REG --key ISSUER_SEC -o DIR\n"
	"\n"
	"The issuer's registry (docs/registry.md): a directory REG, private to\n"
	"the issuer, whose log.jsonl is an append-only, hash-chained log of\n"
	"events each signed by the issuer key: the keys and the periods they\n"
	"were in use, every status index allocated to a credential, and every\n"
	"revocation, suspension and reinstatement with who, when and why.\n"
	"Credentials issued with --registry REG (run, take, exam, batch,\n"
	"regrade, award) carry a credentialStatus entry at their index.\n"
	"\n"
	"  init REG        make the registry; URL (https, no query, no trailing\n"
	"                  '/') is where its site is served, its did:web the\n"
	"                  issuer's web identity\n"
	"  revoke          a credential is revoked for good; suspend: until\n"
	"                  reinstated.  CRED-ID as the log binds it, or a\n"
	"                  credential (.json) or evidence FILE carrying it\n"
	"  rotate          the new key becomes the issuing key; the old one stays\n"
	"                  listed for the period it was used (both keys sign)\n"
	"  compromise      a past key is compromised from TIME\n"
	"                  (YYYY-MM-DDTHH:MM:SSZ): what it signed from then on fails\n"
	"  check           replay the log and check every line; say what it holds\n"
	"  status          every index (or one credential): its status and why\n"
	"  lists           write DIR/revocation.json, DIR/suspension.json (the\n"
	"                  signed Bitstring Status List credentials) and\n"
	"                  DIR/did.json (the identity document): what verify and\n"
	"                  gate take with --status and --identity\n"
	"\n"
	"options:\n"
	"      --registry REG   the registry directory\n"
	"      --key FILE       the issuer's current secret key\n"
	"      --new-key FILE   rotate: the key that takes over\n"
	"      --reason TEXT    why (printable text, up to 1000 bytes)\n"
	"      --actor NAME     who, for the log (default: the login name)\n"
	"      --from TIME      compromise: from when\n"
	"      --base-url URL   init: the site's URL\n"
	"  -o DIR               lists: where the files go\n"
	"  -h, --help           print this help\n"
	"\n"
	"exit status: 0 done; 1 refused (a broken log, an unknown credential, a\n"
	"key that is not the current one); 2 usage; 3 the host failed.\n";

enum {
	OPT_REGISTRY = 256, OPT_KEY, OPT_NEW_KEY, OPT_REASON, OPT_ACTOR,
	OPT_FROM, OPT_BASE_URL,
};

struct reg_args {
	const char *registry, *key, *new_key, *reason, *actor, *from, *base_url;
	const char *out;
	char actor_buf[REG_ACTOR_MAX + 1];
};

static int fail(const struct err *e)
{
	return cmd_fail("registry", e);
}

static int load_key(const char *path, struct sign_sec **sk)
{
	struct err e = {0};

	if (sign_sec_load(path, sk, &e) < 0)
		return fail(&e);
	return 0;
}

/* A credential id from CRED-ID or FILE: a file is read and its proof
 * checked under the registry's keys, and its statusListIndex must be the
 * one the log bound to it. */
static int resolve_credential(const char *arg, const char *dir, char id[200],
			      struct err *e)
{
	struct registry *r = NULL;
	struct buf b = BUF_INIT;
	struct tar_list l = {0};
	struct sign_pub *pubs = NULL;
	struct trust_keys tk = {0};
	const struct registry_entry *n;
	const void *text;
	size_t len;
	struct cred c;
	struct stat st;
	int rc = -1;

	if (!strncmp(arg, CRED_ID_PREFIX, strlen(CRED_ID_PREFIX)) || stat(arg, &st) < 0) {
		if (strlen(arg) >= 200)
			return err_set(e, ERR_USAGE, "CRED-ID: over 199 bytes");
		snprintf(id, 200, "%s", arg);
		return 0;
	}
	if (read_file_bounded(arg, EVIDENCE_MAX_TOTAL, &b, e) < 0)
		return -1;
	text = b.data;
	len = b.len;
	if (b.len && b.data[0] != '{') {
		struct tar_limits lim = {EVIDENCE_MAX_ENTRIES, EVIDENCE_MAX_TOTAL,
					 EVIDENCE_MAX_TOTAL};
		const struct tar_entry *m;

		if (tar_read(b.data, b.len, arg, &lim, &l, e) < 0)
			goto out;
		m = tar_list_find(&l, CRED_MEMBER);
		if (!m) {
			err_set(e, ERR_REFUSED, "%s: no %s in it (not a pass's evidence)",
				arg, CRED_MEMBER);
			goto out;
		}
		text = m->data;
		len = m->len;
	}
	if (registry_open(dir, &r, e) < 0 || registry_trust_keys(r, &tk, e) < 0 ||
	    trust_keys_pubs(&tk, &pubs, e) < 0 ||
	    cred_read(text, len, arg, pubs, tk.n, &c, e) < 0)
		goto out;
	n = registry_find(r, c.id);
	if (!n)
		err_set(e, ERR_REFUSED, "%s: credential %s is not in the registry's log",
			arg, c.id);
	else if (n->index != c.status_index)
		err_set(e, ERR_REFUSED,
			"%s: its statusListIndex is %u, but the log bound it to index %u",
			arg, c.status_index, n->index);
	else {
		snprintf(id, 200, "%s", c.id);
		rc = 0;
	}
	cred_release(&c);
out:
	free(pubs);
	trust_keys_release(&tk);
	registry_close(r);
	tar_list_release(&l);
	buf_release(&b);
	return rc;
}

static int do_set_status(const struct cmd *c, const char *event,
			 const char *arg, struct reg_args *a)
{
	struct sign_sec *sk = NULL;
	struct err e = {0};
	char id[200];
	int rc;

	if (!a->registry || !a->key || !a->reason)
		return cmd_usage_error(c, "%s: --registry, --key and --reason are required", event);
	if (resolve_credential(arg, a->registry, id, &e) < 0)
		return fail(&e);
	if ((rc = load_key(a->key, &sk)))
		return rc;
	rc = registry_set_status(a->registry, sk, a->actor, event, id, a->reason, &e);
	sign_sec_free(sk);
	if (rc < 0)
		return e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg) : fail(&e);
	cmd_printf(stdout, "%s: %s (%s)\n", id,
		   !strcmp(event, "revoke")    ? "revoked"
		   : !strcmp(event, "suspend") ? "suspended"
					       : "reinstated",
		   a->reason);
	return EXIT_YES;
}

static int do_check(struct reg_args *a, int list_entries, const char *only)
{
	struct registry *r = NULL;
	struct err e = {0};
	size_t i;

	if (registry_open(a->registry, &r, &e) < 0)
		return fail(&e);
	if (!list_entries) {
		cmd_printf(stdout,
			   "%s: valid: %zu lines, chain and signatures intact; %s (%s)\n",
			   a->registry, registry_nlines(r), registry_did(r), registry_base_url(r));
		for (i = 0; i < registry_nkeys(r); i++) {
			const struct registry_key *k = registry_key(r, i);

			cmd_printf(stdout, "  key %s %s from %s%s%s%s%s\n", k->keyid,
				   k->current ? "current" : "retired", k->from,
				   k->until[0] ? " until " : "", k->until,
				   k->compromised_from[0] ? ", compromised from " : "",
				   k->compromised_from);
		}
		cmd_printf(stdout, "  %zu indices allocated\n", registry_nentries(r));
	}
	for (i = 0; list_entries && i < registry_nentries(r); i++) {
		const struct registry_entry *n = registry_entry(r, i);

		if (only && strcmp(n->credential, only))
			continue;
		cmd_printf(stdout, "%u\t%s\t%s\t%s\t%s%s%s\n", n->index,
			   n->credential[0] ? n->status : "unbound",
			   n->credential[0] ? n->credential : "-", n->at,
			   n->actor, n->reason[0] ? "\t" : "", n->reason);
	}
	if (only && !registry_find(r, only)) {
		registry_close(r);
		e.kind = ERR_REFUSED;
		snprintf(e.msg, sizeof e.msg, "%s: no credential %s in its log",
			 a->registry, only);
		return fail(&e);
	}
	registry_close(r);
	return EXIT_YES;
}

static int do_lists(struct reg_args *a)
{
	static const char *const purposes[] = {"revocation", "suspension"};
	struct registry *r = NULL;
	struct sign_sec *sk = NULL;
	struct buf b = BUF_INIT;
	struct err e = {0};
	char now[32], path[4200];
	size_t i;
	int rc;

	if ((rc = load_key(a->key, &sk)))
		return rc;
	time_rfc3339(time_now_ms() / 1000, now);
	if (registry_open(a->registry, &r, &e) < 0 || mkdir_p(a->out, 0755, &e) < 0)
		goto bad;
	for (i = 0; i < 2; i++) {
		b.len = 0;
		snprintf(path, sizeof path, "%s/%s.json", a->out, purposes[i]);
		if (registry_status_list(r, purposes[i], sk, now, &b, &e) < 0 ||
		    write_file_atomic(path, b.data, b.len, 0644, &e) < 0)
			goto bad;
		cmd_printf(stdout, "%s\n", path);
	}
	b.len = 0;
	snprintf(path, sizeof path, "%s/did.json", a->out);
	if (registry_identity_doc(r, &b, &e) < 0 ||
	    write_file_atomic(path, b.data, b.len, 0644, &e) < 0)
		goto bad;
	cmd_printf(stdout, "%s\n", path);
	buf_release(&b);
	registry_close(r);
	sign_sec_free(sk);
	return EXIT_YES;
bad:
	buf_release(&b);
	registry_close(r);
	sign_sec_free(sk);
	return fail(&e);
}

static int do_two_keys(const struct cmd *c, const char *sub, const char *arg,
		       struct reg_args *a)
{
	struct sign_sec *sk = NULL, *nk = NULL;
	struct err e = {0};
	int rc;

	if (!a->registry || !a->key)
		return cmd_usage_error(c, "%s: --registry and --key are required", sub);
	if (!strcmp(sub, "rotate") && !a->new_key)
		return cmd_usage_error(c, "rotate: --new-key is required");
	if (!strcmp(sub, "compromise") && !a->from)
		return cmd_usage_error(c, "compromise: --from TIME is required");
	if ((rc = load_key(a->key, &sk)))
		return rc;
	if (!strcmp(sub, "rotate")) {
		if ((rc = load_key(a->new_key, &nk))) {
			sign_sec_free(sk);
			return rc;
		}
		rc = registry_rotate(a->registry, sk, nk, a->actor, &e);
	} else {
		rc = registry_compromise(a->registry, sk, arg, a->from, a->actor, &e);
	}
	sign_sec_free(sk);
	sign_sec_free(nk);
	if (rc < 0)
		return e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg) : fail(&e);
	if (!strcmp(sub, "rotate")) {
		cmd_printf(stdout, "%s: rotated; the new key issues from now on\n", a->registry);
	} else {
		cmd_printf(stdout, "%s: key %s compromised from %s\n", a->registry, arg, a->from);
	}
	return EXIT_YES;
}

int cmd_registry(int argc, char **argv)
{
	static const struct option opts[] = {
		{"registry", required_argument, NULL, OPT_REGISTRY},
		{"key", required_argument, NULL, OPT_KEY},
		{"new-key", required_argument, NULL, OPT_NEW_KEY},
		{"reason", required_argument, NULL, OPT_REASON},
		{"actor", required_argument, NULL, OPT_ACTOR},
		{"from", required_argument, NULL, OPT_FROM},
		{"base-url", required_argument, NULL, OPT_BASE_URL},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("registry");
	struct reg_args a;
	const char *sub, *arg = NULL;
	int opt, nargs;

	memset(&a, 0, sizeof a);
	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	if (argc < 2)
		return cmd_usage_error(c, "name a subcommand: init, revoke, suspend, reinstate, rotate, compromise, check, status, lists");
	sub = argv[1];
	optind = 2;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_REGISTRY: a.registry = optarg; break;
		case OPT_KEY: a.key = optarg; break;
		case OPT_NEW_KEY: a.new_key = optarg; break;
		case OPT_REASON: a.reason = optarg; break;
		case OPT_ACTOR: a.actor = optarg; break;
		case OPT_FROM: a.from = optarg; break;
		case OPT_BASE_URL: a.base_url = optarg; break;
		case 'o': a.out = optarg; break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	nargs = argc - optind;
	if (nargs > 1)
		return cmd_usage_error(c, "%s: one argument at most ('%s' is extra)", sub,
				       argv[optind + 1]);
	if (nargs == 1)
		arg = argv[optind];
	if (!a.actor) {
		registry_default_actor(a.actor_buf, sizeof a.actor_buf);
		a.actor = a.actor_buf;
	}
	if (!strcmp(sub, "init")) {
		struct sign_sec *sk = NULL;
		struct err e = {0};
		int rc;

		if (!arg || !a.key || !a.base_url)
			return cmd_usage_error(c, "init: REG, --key and --base-url are required");
		if ((rc = load_key(a.key, &sk)))
			return rc;
		rc = registry_init(arg, sk, a.base_url, a.actor, &e);
		sign_sec_free(sk);
		if (rc < 0)
			return e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg) : fail(&e);
		cmd_printf(stdout, "%s: a registry for %s\n", arg, a.base_url);
		return EXIT_YES;
	}
	if (!strcmp(sub, "revoke") || !strcmp(sub, "suspend") || !strcmp(sub, "reinstate")) {
		if (!arg)
			return cmd_usage_error(c, "%s: name a CRED-ID or FILE", sub);
		return do_set_status(c, sub, arg, &a);
	}
	if (!strcmp(sub, "rotate") || !strcmp(sub, "compromise")) {
		if (!strcmp(sub, "rotate") ? arg != NULL : !arg)
			return cmd_usage_error(c, "%s", !strcmp(sub, "rotate")
							       ? "rotate takes no argument"
							       : "compromise: name the KEYID");
		return do_two_keys(c, sub, arg, &a);
	}
	if (!a.registry)
		return cmd_usage_error(c, "%s: --registry is required", sub);
	if (!strcmp(sub, "check") && !arg)
		return do_check(&a, 0, NULL);
	if (!strcmp(sub, "status"))
		return do_check(&a, 1, arg);
	if (!strcmp(sub, "lists") && !arg) {
		if (!a.key || !a.out)
			return cmd_usage_error(c, "lists: --key and -o are required");
		return do_lists(&a);
	}
	return cmd_usage_error(c, "unknown subcommand or extra argument: '%s'", sub);
}

int cmd_use_registry(const struct cmd *c, const char *opt,
		     const struct config *cfg, const struct sign_sec *key)
{
	const char *dir = opt ? opt : cfg ? cfg->registry : NULL;
	const struct registry_key *cur;
	struct registry *r = NULL;
	struct sign_pub pub;
	struct err e = {0};
	char keyid[17];

	if (!dir || !dir[0]) {
		ev_set_registry(NULL);
		return 0;
	}
	if (registry_open(dir, &r, &e) < 0)
		return cmd_fail(c->name, &e);
	cur = registry_current_key(r);
	sign_sec_pub(key, &pub);
	sign_keyid_hex(&pub, keyid);
	if (!cur || strcmp(cur->keyid, keyid)) {
		err_set(&e, ERR_REFUSED,
			"registry %s: the issuer key is %s, but the registry's current key is %s; hint: issue with the current key, or rotate (labrun registry rotate)",
			dir, keyid, cur ? cur->keyid : "(none)");
		registry_close(r);
		return cmd_fail(c->name, &e);
	}
	registry_close(r);
	ev_set_registry(dir);
	return 0;
}
