/* cmd_gate: `labrun gate`: may this holder make this change?  The policy
 * is policy.c's, the decision gate.c's; this file parses the command line,
 * gathers the changed paths, and prints.  docs/credentials.md, "The
 * deployment gate: labrun gate". */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "graders/rfc3339.h"
#include "runner/cmd.h"
#include "runner/gate.h"
#include "runner/policy.h"
#include "runner/schema.h"
#include "runner/sign.h"
#include "runner/status_list.h"

extern const char usage_gate[];

const char usage_gate[] =
	"usage: labrun gate --policy POLICY --holder ID --credentials DIR\n"
	"                   -p ISSUER_PUB [-p ISSUER_PUB]... [--path P]...\n"
	"                   [--paths-from FILE|-] [--action NAME]... [--at TIME]\n"
	"                   [--identity DID_JSON] [--status LIST]...\n"
	"                   [--offline-status-ok] [--json]\n"
	"\n"
	"The deployment gate: may this holder make this change?  POLICY maps\n"
	"what is changed (repository paths, or named actions such as \"policy\n"
	"deploy\") to the credentials it needs: competencies at a minimum level,\n"
	"or programs.  Every rule that matches a given path or action applies,\n"
	"and the holder must have, in DIR, a credential for each requirement of\n"
	"each: its proof valid under an issuer key given with -p, valid at TIME\n"
	"(not expired, not before its validFrom), not superseded by a renewal in\n"
	"DIR.  DIR holds credential files (NAME.json) and evidence files (their\n"
	"credential.json, once the evidence verifies); a file that fails is\n"
	"ignored with its reason, never counted.  A change no rule matches is\n"
	"allowed.\n"
	"\n"
	"options:\n"
	"      --policy POLICY    the policy file (JSON, docs/credentials.md)\n"
	"      --holder ID        whose change: a pseudonym (c- and 16 hex digits),\n"
	"                         or an identifier (alice@example.org, or\n"
	"                         emailAddress:alice@example.org) matched against\n"
	"                         the credentials' hashed identifiers\n"
	"      --credentials DIR  the credentials and evidence to look at (one\n"
	"                         level, at most 1000 files)\n"
	"  -p, --pub ISSUER_PUB   a pinned issuer key, or a file or directory of\n"
	"                         several; may be given more than once\n"
	"      --path P           a changed path, relative to the repository's top\n"
	"      --paths-from FILE  changed paths, one a line, or NUL-separated (git\n"
	"                         diff --name-only -z); - reads standard input\n"
	"      --action NAME      a named action (\"policy deploy\")\n"
	"      --at TIME          decide as at this RFC 3339 time, not now\n"
	"      --identity DID_JSON  the issuer's identity document (did.json from\n"
	"                         its registry's site): its keys with the periods\n"
	"                         they were in use, in place of or beside -p; a\n"
	"                         credential signed after its key was compromised\n"
	"                         or retired is not used\n"
	"      --status LIST      a status list credential (revocation.json,\n"
	"                         suspension.json) fetched from the issuer's site;\n"
	"                         a credential revoked or suspended in it is not\n"
	"                         used (docs/registry.md); may be given twice\n"
	"      --offline-status-ok  accept a credential whose status list was not\n"
	"                         given (--status) without checking it; without\n"
	"                         it such a credential is not used\n"
	"      --json             print one JSON object: {\"allowed\": ..., \"holder\",\n"
	"                         \"at\", \"rules\": [...], \"credentials\": {...}}\n"
	"  -h, --help             print this help\n"
	"\n"
	"exit status: 0 allowed; 1 refused (each reason names the rule, what is\n"
	"missing and the nearest miss), or a bad policy; 2 usage; 3 the host\n"
	"failed (an unreadable DIR, I/O, memory); 4 internal bug.\n";

enum {
	OPT_POLICY = 256,
	OPT_HOLDER,
	OPT_CREDS,
	OPT_PATH,
	OPT_PATHS_FROM,
	OPT_ACTION,
	OPT_AT,
	OPT_STATUS_OK,
	OPT_JSON,
	OPT_STATUS,
	OPT_IDENTITY,
};

#define GATE_MAX_LISTS 8

#define GATE_MAX_KEYFILES 16
#define GATE_MAX_LIST (16u << 20) /* bytes of --paths-from */
#define GATE_MAX_HOLDER 320

struct strv {
	char **v;
	size_t n, cap;
};

static int strv_add(struct strv *s, const char *p, size_t len)
{
	char *copy;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof *v);

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if (!(copy = strndup(p, len)))
		return -1;
	s->v[s->n++] = copy;
	return 0;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* The bytes of FILE, or of standard input for "-", bounded. */
static int read_list(const char *from, struct buf *b, struct err *e)
{
	char chunk[65536];
	ssize_t n;

	if (strcmp(from, "-"))
		return read_file_bounded(from, GATE_MAX_LIST, b, e);
	for (;;) {
		n = read(0, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, ERR_HOST, errno, "--paths-from -: reading standard input");
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > GATE_MAX_LIST)
			return err_set(e, ERR_REFUSED, "--paths-from -: more than %u bytes",
				       GATE_MAX_LIST);
		if (buf_append(b, chunk, (size_t)n, e) < 0)
			return -1;
	}
}

/* The paths of a list: NUL-separated when it holds a NUL, else lines. */
static int split_paths(const char *from, const struct buf *b, struct strv *out,
		       struct err *e)
{
	const char *p = (const char *)b->data, *end = p + b->len;
	char sep = b->len && memchr(p, 0, b->len) ? 0 : '\n';
	size_t line = 0;

	while (p < end) {
		const char *q = memchr(p, sep, (size_t)(end - p));
		size_t len = q ? (size_t)(q - p) : (size_t)(end - p);

		line++;
		if (len > GATE_MAX_PATH)
			return err_set(e, ERR_REFUSED, "--paths-from %s: entry %zu: longer "
				       "than %d bytes", from, line, GATE_MAX_PATH);
		if (len && out->n >= GATE_MAX_PATHS)
			return err_set(e, ERR_REFUSED, "--paths-from %s: more than %d "
				       "paths", from, GATE_MAX_PATHS);
		if (len && strv_add(out, p, len) < 0)
			return err_set(e, ERR_HOST, "out of memory");
		p += len + 1;
	}
	return 0;
}

/* The pinned issuer keys, every -p's together. */
static int load_issuers(char *const *files, size_t n, struct sign_trust *all,
			struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		struct sign_trust t = {0};
		struct sign_pub *v;

		if (sign_trust_load(files[i], &t, e) < 0)
			return -1;
		v = realloc(all->keys, (all->n + t.n) * sizeof *v);
		if (!v) {
			sign_trust_release(&t);
			return err_set(e, ERR_HOST, "out of memory");
		}
		memcpy(v + all->n, t.keys, t.n * sizeof *v);
		all->keys = v;
		all->n += t.n;
		sign_trust_release(&t);
	}
	return 0;
}

struct gate_cli {
	const char *policy, *holder, *dir, *paths_from, *at;
	char *pubs[GATE_MAX_KEYFILES];
	size_t npubs;
	struct strv paths, actions;
	int json, status_ok;
	const char *identity;          /* --identity did.json */
	char *status[GATE_MAX_LISTS];  /* --status LIST */
	size_t nstatus;
};

static int usage_checks(const struct cmd *c, struct gate_cli *o, int64_t *at_ms)
{
	char why[128];

	if (!o->policy)
		return cmd_usage_error(c, "--policy POLICY is required");
	if (!o->holder)
		return cmd_usage_error(c, "--holder ID is required; hint: the pusher's "
				       "identifier (alice@example.org) or pseudonym");
	if (!o->dir)
		return cmd_usage_error(c, "--credentials DIR is required");
	if (!o->npubs && !o->identity)
		return cmd_usage_error(c, "-p ISSUER_PUB (or --identity DID_JSON) is required; hint: a key "
				       "named by a credential itself proves nothing");
	if (!o->paths.n && !o->actions.n && !o->paths_from)
		return cmd_usage_error(c, "nothing to decide: give --path, "
				       "--paths-from or --action");
	if (!*o->holder || strlen(o->holder) > GATE_MAX_HOLDER ||
	    schema_is_control((const unsigned char *)o->holder, 1))
		return cmd_usage_error(c, "--holder: 1 to %d printable characters",
				       GATE_MAX_HOLDER);
	for (const char *p = o->holder; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return cmd_usage_error(c, "--holder: a control character");
	for (size_t i = 0; i < o->paths.n; i++)
		if (!*o->paths.v[i] || strlen(o->paths.v[i]) > GATE_MAX_PATH)
			return cmd_usage_error(c, "--path: 1 to %d bytes", GATE_MAX_PATH);
	if (o->actions.n > GATE_MAX_ACTIONS)
		return cmd_usage_error(c, "more than %d --action", GATE_MAX_ACTIONS);
	*at_ms = time_now_ms();
	if (o->at && rfc3339_parse(o->at, strlen(o->at), at_ms, why, sizeof why) < 0)
		return cmd_usage_error(c, "--at %s: %s; hint: 2026-12-01T00:00:00Z",
				       o->at, why);
	return 0;
}

static int parse_cli(const struct cmd *c, int argc, char **argv,
		     struct gate_cli *o)
{
	static const struct option opts[] = {
		{"policy", required_argument, NULL, OPT_POLICY},
		{"holder", required_argument, NULL, OPT_HOLDER},
		{"credentials", required_argument, NULL, OPT_CREDS},
		{"pub", required_argument, NULL, 'p'},
		{"path", required_argument, NULL, OPT_PATH},
		{"paths-from", required_argument, NULL, OPT_PATHS_FROM},
		{"action", required_argument, NULL, OPT_ACTION},
		{"at", required_argument, NULL, OPT_AT},
		{"offline-status-ok", no_argument, NULL, OPT_STATUS_OK},
		{"json", no_argument, NULL, OPT_JSON},
		{"status", required_argument, NULL, OPT_STATUS},
		{"identity", required_argument, NULL, OPT_IDENTITY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_POLICY: o->policy = optarg; break;
		case OPT_HOLDER: o->holder = optarg; break;
		case OPT_CREDS: o->dir = optarg; break;
		case OPT_PATHS_FROM: o->paths_from = optarg; break;
		case OPT_AT: o->at = optarg; break;
		case OPT_STATUS_OK: o->status_ok = 1; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_IDENTITY: o->identity = optarg; break;
		case OPT_STATUS:
			if (o->nstatus == GATE_MAX_LISTS)
				return cmd_usage_error(c, "more than %d --status", GATE_MAX_LISTS);
			o->status[o->nstatus++] = optarg;
			break;
		case 'p':
			if (o->npubs == GATE_MAX_KEYFILES)
				return cmd_usage_error(c, "more than %d -p", GATE_MAX_KEYFILES);
			o->pubs[o->npubs++] = optarg;
			break;
		case OPT_PATH:
		case OPT_ACTION:
			if (strv_add(opt == OPT_PATH ? &o->paths : &o->actions, optarg,
				     strlen(optarg)) < 0) {
				cmd_printf(stderr, "labrun gate: out of memory\n");
				return EXIT_HOST;
			}
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* A failure before any decision: the message, and with --json
 * {"allowed": false, "error": ...} for the CI job that reads it. */
static int failed(const struct gate_cli *o, const struct err *e)
{
	if (o->json) {
		json_t *j = json_pack("{s:b, s:s}", "allowed", 0, "error", e->msg);
		char *t = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII |
					 JSON_PRESERVE_ORDER) : NULL;

		if (t)
			cmd_printf(stdout, "%s\n", t);
		free(t);
		json_decref(j);
		fflush(stdout);
	}
	return cmd_fail("gate", e);
}

/* The issuer keys: --identity's with their periods and the -p ones; the
 * --status lists read and checked under them. */
static int load_status(const struct gate_cli *o, const struct sign_trust *p,
		       struct trust_keys *tk, struct status_list **lists,
		       struct sign_pub **pubs, struct err *e)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (o->identity &&
	    (read_file_bounded(o->identity, SL_MAX_BYTES, &b, e) < 0 ||
	     trust_keys_identity(b.data, b.len, o->identity, tk, e) < 0)) {
		buf_release(&b);
		return -1;
	}
	for (i = 0; i < p->n; i++)
		if (trust_keys_add_pub(tk, &p->keys[i], e) < 0)
			goto bad;
	for (i = 0; i < o->nstatus; i++) {
		b.len = 0;
		if (read_file_bounded(o->status[i], SL_MAX_BYTES, &b, e) < 0 ||
		    status_list_read(b.data, b.len, o->status[i], tk, &lists[i], e) < 0)
			goto bad;
	}
	buf_release(&b);
	return trust_keys_pubs(tk, pubs, e);
bad:
	buf_release(&b);
	return -1;
}

static int decide(struct gate_cli *o, int64_t at_ms)
{
	struct sign_trust keys = {0};
	struct gate_creds cs = {0};
	struct gate_result res = {0};
	struct problems pb = {0};
	struct policy pol = {0};
	struct buf list = BUF_INIT, out = BUF_INIT;
	struct err e = {0};
	struct gate_request rq = {.holder = o->holder, .at_ms = at_ms,
				  .offline_status_ok = o->status_ok};
	struct trust_keys tk = {0};
	struct status_list *lists[GATE_MAX_LISTS] = {0};
	struct sign_pub *pubs = NULL;
	int rc;

	if (o->paths_from && (read_list(o->paths_from, &list, &e) < 0 ||
			      split_paths(o->paths_from, &list, &o->paths, &e) < 0)) {
		rc = failed(o, &e);
		goto out;
	}
	if (policy_load(o->policy, &pol, &pb, &e) < 0) {
		for (size_t i = 0; i < pb.n; i++)
			cmd_printf(stderr, "%s\n", pb.v[i]);
		rc = failed(o, &e);
		goto out;
	}
	if (load_issuers(o->pubs, o->npubs, &keys, &e) < 0 ||
	    load_status(o, &keys, &tk, lists, &pubs, &e) < 0 ||
	    gate_load_dir(o->dir, pubs, tk.n, &cs, &e) < 0) {
		rc = failed(o, &e);
		goto out;
	}
	rq.keys = &tk;
	rq.lists = lists;
	rq.nlists = o->nstatus;
	rq.paths = o->paths.v;
	rq.npaths = o->paths.n;
	rq.actions = o->actions.v;
	rq.nactions = o->actions.n;
	if (gate_decide(&pol, &rq, &cs, &res, &e) < 0 ||
	    (o->json ? gate_result_json(&rq, &cs, &res, &out, &e)
		     : gate_result_text(&rq, &cs, &res, &out, &e)) < 0) {
		rc = failed(o, &e);
		goto out;
	}
	/* The verdict on stdout when allowed or with --json; a refusal's
	 * reasons go to stderr, where a hook's pusher and a CI log see them. */
	cmd_write(o->json || res.allowed ? stdout : stderr, out.data, out.len);
	rc = res.allowed ? EXIT_YES : EXIT_NO;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_printf(stderr, "labrun gate: writing the output failed\n");
		rc = EXIT_HOST;
	}
out:
	gate_result_release(&res);
	gate_creds_release(&cs);
	policy_release(&pol);
	problems_release(&pb);
	sign_trust_release(&keys);
	for (size_t i = 0; i < o->nstatus; i++)
		status_list_free(lists[i]);
	trust_keys_release(&tk);
	free(pubs);
	buf_release(&list);
	buf_release(&out);
	return rc;
}

int cmd_gate(int argc, char **argv)
{
	const struct cmd *c = cmd_find("gate");
	struct gate_cli o = {0};
	int64_t at_ms = 0;
	int rc;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	rc = parse_cli(c, argc, argv, &o);
	if (rc == 0)
		rc = usage_checks(c, &o, &at_ms);
	if (rc == 0)
		rc = decide(&o, at_ms);
	strv_free(&o.paths);
	strv_free(&o.actions);
	return rc;
}
