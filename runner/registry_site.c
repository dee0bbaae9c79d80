/* registry_site: `labrun registry publish`, the registry's static site.
 * It reads the registry (registry.h), the credentials of DIR and the
 * files it wrote before, and writes only what changed; it does not decide
 * any credential's status (the log does) and never deletes a file it did
 * not write (SITE/.labrun-site.json lists those). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/registry.h"
#include "runner/registry_site.h"
#include "runner/sign.h"
#include "runner/status_list.h"
#include "runner/tarball.h"

/* The page's parts, embedded at build time (Makefile, graders/embed.sh). */
extern const char site_page_html[], site_verify_js[], site_page_css[];
extern const size_t site_page_html_len, site_verify_js_len, site_page_css_len;

const char usage_registry_publish[] =
	"usage: labrun registry publish --registry REG --credentials DIR\n"
	"                               --key ISSUER_SEC -o SITE [--base-url URL]\n"
	"\n"
	"Write the registry's static site into SITE: the issuer's identity\n"
	"document (did:web), the revocation and suspension status lists signed\n"
	"by the current key, and for every credential in DIR (credential JSON\n"
	"files, or evidence files: their credential.json) a verification page\n"
	"and its JSON at c/TOKEN/, TOKEN a keyed hash of the credential's id\n"
	"(stable, unguessable).  The page checks the credential in the browser.\n"
	"Publishing is opt-in: only DIR's credentials get a page, and a page\n"
	"whose credential left DIR is removed.  Files whose bytes did not change\n"
	"are left alone; only files publish wrote (SITE/.labrun-site.json) are\n"
	"ever replaced or removed.\n"
	"\n"
	"  --registry REG     the registry directory (labrun registry init)\n"
	"  --credentials DIR  the credentials to publish; each must be in the\n"
	"                     registry's log and verify under its keys\n"
	"  --key ISSUER_SEC   the registry's current key: it signs the lists\n"
	"  -o SITE            the site directory (made when missing)\n"
	"  --base-url URL     checked against the registry's base URL\n"
	"  -h, --help         show this help\n"
	"\n"
	"Exit status: 0 published, 1 refused (a credential not in the log or\n"
	"not verifying, a bad file), 2 usage, 3 host error.\n";

static const struct cmd publish_cmd = {
	"registry publish", NULL, 0, "write the registry's static site",
	usage_registry_publish,
};

/* One credential to publish. */
struct site_cred {
	char id[200];
	char token[2 * SITE_TOKEN_BYTES + 1];
	char note[1200]; /* the registry's word on its status, for the page */
	char warning[512];  /* why its page will say invalid, "" none */
	unsigned char *json;
	size_t len;
};

/* One file of the site: its path below SITE and its bytes. */
struct site_file {
	char *path;
	unsigned char *data;
	size_t len;
};

struct site {
	const char *dir; /* SITE */
	struct site_file *files;
	size_t n, cap;
	unsigned written, unchanged, removed;
	struct buf warnings; /* one line each: a page that will say invalid */
};

static int site_add(struct site *s, const char *path, const void *data,
		    size_t len, struct err *e)
{
	struct site_file *f;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;

		if (!(f = realloc(s->files, cap * sizeof *f)))
			return err_set(e, ERR_HOST, "out of memory");
		s->files = f;
		s->cap = cap;
	}
	f = &s->files[s->n];
	f->path = strdup(path);
	f->data = malloc(len ? len : 1);
	if (!f->path || !f->data) {
		free(f->path);
		free(f->data);
		return err_set(e, ERR_HOST, "out of memory");
	}
	memcpy(f->data, data, len);
	f->len = len;
	s->n++;
	return 0;
}

static void site_release(struct site *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].path);
		free(s->files[i].data);
	}
	free(s->files);
	buf_release(&s->warnings);
	s->files = NULL;
	s->n = s->cap = 0;
}

/* ---- the site key --------------------------------------------------- */

/* REG/site.key: made on first use, then read.  It keys the page tokens
 * and nothing else, so that rotating the issuer key moves no page. */
static int site_key(const char *reg, unsigned char key[SITE_KEY_BYTES],
		    struct err *e)
{
	char path[PATH_MAX];
	struct buf b = BUF_INIT;
	struct stat st;
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", reg, SITE_KEY_FILE) >=
	    (int)sizeof path)
		return err_set(e, ERR_USAGE, "%s: path too long", reg);
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		if (getrandom(key, SITE_KEY_BYTES, 0) != SITE_KEY_BYTES)
			return err_sys(e, ERR_HOST, errno, "getrandom");
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
				  O_NOFOLLOW, 0600);
		if (fd < 0)
			return err_sys(e, ERR_HOST, errno, "%s", path);
		if (write_all(fd, key, SITE_KEY_BYTES) < 0 || fsync(fd) < 0) {
			int saved = errno;

			close(fd);
			unlink(path);
			return err_sys(e, ERR_HOST, saved, "%s", path);
		}
		close(fd);
		return 0;
	}
	if (lstat(path, &st) == 0 && (st.st_mode & 077))
		return err_set(e, ERR_REFUSED, "%s: readable by others; "
			       "hint: chmod 600 %s", path, path);
	if (read_file_bounded(path, SITE_KEY_BYTES + 1, &b, e) < 0)
		return -1;
	if (b.len != SITE_KEY_BYTES) {
		buf_release(&b);
		return err_set(e, ERR_REFUSED, "%s: not %d bytes; hint: it is "
			       "made by publish, and replacing it moves every page",
			       path, SITE_KEY_BYTES);
	}
	memcpy(key, b.data, SITE_KEY_BYTES);
	sign_wipe(b.data, b.len);
	buf_release(&b);
	return 0;
}

static int token_of(const unsigned char key[SITE_KEY_BYTES], const char *id,
		    char out[2 * SITE_TOKEN_BYTES + 1])
{
	unsigned char h[SITE_TOKEN_BYTES];

	if (sign_blake2b(h, sizeof h, id, strlen(id), key, SITE_KEY_BYTES) < 0)
		return -1;
	hex_encode(h, sizeof h, out);
	return 0;
}

/* ---- the registry's facts --------------------------------------------- */

struct reg_facts {
	char base_url[512];
	char did[600];
	char did_path[640];  /* below SITE: ".well-known/did.json" or "did.json" */
	char base_path[512]; /* the base URL's path, "" at a host's root */
	char state_at[32];   /* the latest time the registry's state names */
};

/* SITE is served at the base URL: did:web:host resolves to
 * /.well-known/did.json, did:web:host:a:b to /a/b/did.json, which is the
 * site's own did.json when the base URL is https://host/a/b. */
static int reg_facts_get(const struct registry *r, struct reg_facts *f,
			 struct err *e)
{
	const char *base = registry_base_url(r), *did = registry_did(r), *p;

	if (strncmp(base, "https://", 8) || strncmp(did, "did:web:", 8) ||
	    strlen(base) >= sizeof f->base_url || strlen(did) >= sizeof f->did)
		return err_set(e, ERR_REFUSED, "the registry's base URL %s or did "
			       "%s is not one publish can serve", base, did);
	snprintf(f->base_url, sizeof f->base_url, "%s", base);
	snprintf(f->did, sizeof f->did, "%s", did);
	p = strchr(base + 8, '/');
	snprintf(f->base_path, sizeof f->base_path, "%s", p ? p : "");
	snprintf(f->did_path, sizeof f->did_path, "%s",
		 strchr(did + 8, ':') ? "did.json" : ".well-known/did.json");
	return 0;
}

static void later(char at[32], const char *t)
{
	if (t && *t && strlen(t) < 32 && strcmp(t, at) > 0)
		snprintf(at, 32, "%s", t);
}

/* The status lists' validFrom: the latest time the registry's state
 * names, so that the same state publishes the same bytes (Ed25519 is
 * deterministic) and a change of state gives new lists. */
static void state_time(const struct registry *r, char at[32])
{
	at[0] = '\0';
	for (size_t i = 0; i < registry_nkeys(r); i++) {
		const struct registry_key *k = registry_key(r, i);

		later(at, k->from);
		later(at, k->until);
		later(at, k->compromised_from);
	}
	for (size_t i = 0; i < registry_nentries(r); i++)
		later(at, registry_entry(r, i)->at);
}

/* ---- the credentials of DIR -------------------------------------------- */

static int entry_cmp(const void *a, const void *b)
{
	const struct registry_entry *x = *(const struct registry_entry *const *)a;
	const struct registry_entry *y = *(const struct registry_entry *const *)b;

	return strcmp(x->credential, y->credential);
}

struct reg_index {
	const struct registry_entry **v; /* bound entries, sorted by id */
	size_t n;
	struct sign_pub *keys;
	size_t nkeys;
	struct trust_keys periods; /* the same keys with their periods */
	const char *base_url;      /* the registry's */
};

static int reg_index_make(const struct registry *r, struct reg_index *x,
			  struct err *e)
{
	size_t n = registry_nentries(r), k = registry_nkeys(r);

	x->v = calloc(n ? n : 1, sizeof *x->v);
	x->keys = calloc(k ? k : 1, sizeof *x->keys);
	if (!x->v || !x->keys)
		return err_set(e, ERR_HOST, "out of memory");
	x->n = 0;
	for (size_t i = 0; i < n; i++)
		if (registry_entry(r, i)->credential[0])
			x->v[x->n++] = registry_entry(r, i);
	qsort(x->v, x->n, sizeof *x->v, entry_cmp);
	for (size_t i = 0; i < k; i++) {
		const struct registry_key *rk = registry_key(r, i);

		x->keys[i] = rk->pub;
		snprintf(x->keys[i].source, sizeof x->keys[i].source,
			 "the registry's key %s", rk->keyid);
	}
	x->nkeys = k;
	x->base_url = registry_base_url(r);
	return registry_trust_keys(r, &x->periods, e);
}

static const struct registry_entry *reg_find(const struct reg_index *x,
					     const char *id)
{
	struct registry_entry key;
	const struct registry_entry *kp = &key, **hit;

	memset(&key, 0, sizeof key);
	snprintf(key.credential, sizeof key.credential, "%s", id);
	hit = bsearch(&kp, x->v, x->n, sizeof *x->v, entry_cmp);
	return hit ? *hit : NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

/* The credential.json of an evidence file, verified under one of the
 * registry's keys and checked to be the one labrun issues for it. */
static int evidence_cred(const char *path, const struct reg_index *x,
			 struct buf *out, struct err *e)
{
	struct tar_list members = {0};
	const struct tar_entry *t;
	char digest[SIGN_SHA256_HEX];
	size_t k;
	int rc = -1;

	for (k = 0; k < x->nkeys; k++) {
		struct err ve = {0};

		if (ev_open(path, &x->keys[k], &members, digest, &ve) == 0)
			break;
		if (ve.kind == ERR_HOST) {
			*e = ve;
			return -1;
		}
		if (k + 1 == x->nkeys)
			return err_set(e, ERR_REFUSED, "%s: neither a credential (a "
				       ".json file) nor evidence that verifies under "
				       "the registry's keys (%s); hint: DIR holds only "
				       "what is to be published", path, ve.msg);
	}
	if (k == x->nkeys)
		return err_set(e, ERR_REFUSED, "%s: the registry has no key", path);
	if (!(t = tar_list_find(&members, CRED_MEMBER))) {
		err_set(e, ERR_REFUSED, "%s: holds no credential.json (not a "
			"pass); hint: publish only passing attempts", path);
		goto out;
	}
	if (cred_check_evidence(&members, t->data, t->len, &x->keys[k], e) < 0 ||
	    buf_append(out, t->data, t->len, e) < 0)
		goto out;
	rc = 0;
out:
	tar_list_release(&members);
	return rc;
}

/* What the page says beside the status bits: the reason is in the log,
 * never in the status list. */
static void status_note(const struct registry_entry *en, char *out,
			size_t size)
{
	out[0] = '\0';
	if (!strcmp(en->status, "active"))
		return;
	if (en->reason[0])
		snprintf(out, size, "The registry records it %s on %.10s, for this "
			 "reason: \u201c%s\u201d.", en->status, en->at, en->reason);
	else
		snprintf(out, size, "The registry records it %s on %.10s.",
			 en->status, en->at);
}

static int cred_one(const char *dir, const char *name,
		    const struct reg_index *x,
		    const unsigned char key[SITE_KEY_BYTES], struct site_cred *sc,
		    struct err *e)
{
	char path[PATH_MAX];
	struct buf b = BUF_INIT;
	struct cred c = {0};
	const struct registry_entry *en;
	const char *proof_at;
	int rc = -1;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return err_set(e, ERR_USAGE, "%s/%s: path too long", dir, name);
	if (ends_with(name, ".json")) {
		if (read_file_bounded(path, CRED_MAX_BYTES, &b, e) < 0)
			return -1;
	} else if (evidence_cred(path, x, &b, e) < 0) {
		return -1;
	}
	if (cred_read(b.data, b.len, path, x->keys, x->nkeys, &c, e) < 0)
		goto out;
	proof_at = json_string_value(json_object_get(
		json_object_get(c.doc, "proof"), "created"));
	/* A key compromised or retired after the fact must not hold back the
	 * identity document that says so: the credential is published, and
	 * its page says why it is not valid. */
	{
		struct err ke = {ERR_NONE, ""};

		if (trust_keys_check_time(&x->periods, c.issuer,
					  proof_at ? proof_at : "", NULL, &ke) < 0) {
			if (ke.kind != ERR_REFUSED) {
				*e = ke;
				goto out;
			}
			snprintf(sc->warning, sizeof sc->warning, "%.200s: %.300s", path,
				 ke.msg);
		}
	}
	if (!(en = reg_find(x, c.id))) {
		err_set(e, ERR_REFUSED, "%s: credential %s is not in the "
			"registry's log; hint: only credentials issued with "
			"--registry can be published", path, c.id);
		goto out;
	}
	/* the page reads the lists at the credential's own index and URL */
	if (c.status_index != en->index ||
	    strncmp(c.status_revocation, x->base_url, strlen(x->base_url)) ||
	    strcmp(c.status_revocation + strlen(x->base_url), "/status/revocation.json")) {
		if (!c.status_index)
			err_set(e, ERR_REFUSED, "%s: carries no credentialStatus, but "
				"the registry's log allocated it index %u; hint: "
				"publish the credential as issued", path, en->index);
		else
			err_set(e, ERR_REFUSED, "%s: credentialStatus names index %u "
				"at %s, but the registry's log allocated index %u under "
				"%s", path, c.status_index, c.status_revocation,
				en->index, x->base_url);
		goto out;
	}
	snprintf(sc->id, sizeof sc->id, "%s", c.id);
	status_note(en, sc->note, sizeof sc->note);
	if (token_of(key, c.id, sc->token) < 0) {
		err_set(e, ERR_BUG, "blake2b refused its lengths");
		goto out;
	}
	sc->json = buf_steal(&b, &sc->len);
	rc = 0;
out:
	cred_release(&c);
	buf_release(&b);
	return rc;
}

static int sc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct site_cred *)a)->token,
		      ((const struct site_cred *)b)->token);
}

/* DIR's credentials, sorted by token; the same credential twice (as
 * JSON and in its evidence) counts once. */
static int creds_load(const char *dir, const struct reg_index *x,
		      const unsigned char key[SITE_KEY_BYTES],
		      struct site_cred **out, size_t *nout, struct err *e)
{
	char **names = NULL;
	size_t n = 0, k = 0;
	struct site_cred *v = NULL;
	int dfd, got, rc = -1;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno == ENOENT || errno == ENOTDIR ?
			       ERR_USAGE : ERR_HOST, errno, "%s", dir);
	got = dir_names(dfd, SITE_MAX_CREDENTIALS, &names, &n, e);
	close(dfd);
	if (got < 0)
		return -1;
	if (got == 1)
		return err_set(e, ERR_REFUSED, "%s: more than %d files; hint: "
			       "publish at most that many credentials",
			       dir, SITE_MAX_CREDENTIALS);
	if (!(v = calloc(n ? n : 1, sizeof *v))) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (names[i][0] == '.')
			continue;
		if (cred_one(dir, names[i], x, key, &v[k], e) < 0)
			goto out;
		k++;
	}
	qsort(v, k, sizeof *v, sc_cmp);
	for (size_t i = 1; i < k;) {
		if (strcmp(v[i].token, v[i - 1].token)) {
			i++;
			continue;
		}
		free(v[i].json);
		memmove(&v[i], &v[i + 1], (k - i - 1) * sizeof *v);
		k--;
	}
	*out = v;
	*nout = k;
	v = NULL;
	rc = 0;
out:
	if (v) {
		for (size_t i = 0; i < k; i++)
			free(v[i].json);
		free(v);
	}
	dir_names_free(names, n);
	return rc;
}

/* ---- the page ----------------------------------------------------------- */

static int html_escape(struct buf *b, const char *s, struct err *e)
{
	for (; *s; s++) {
		const char *r = NULL;

		switch (*s) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&#39;"; break;
		}
		if (r ? buf_puts(b, r, e) : buf_append(b, s, 1, e))
			return -1;
	}
	return 0;
}

static void b64(const unsigned char *in, size_t n, char *out)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = a[(v >> 6) & 63];
		out[o++] = a[v & 63];
	}
	if (i < n) {
		unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);

		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* The script and the style are files of their own below assets/, named
 * by their content (cached for good, shared by every page); each page
 * names them with their Subresource Integrity hash. */
struct site_asset {
	char path[64]; /* "assets/verify-<16 hex>.js" */
	char sri[60];  /* "sha256-BASE64" */
};

static void asset_make(const char *stem, const char *ext, const char *text,
		       size_t len, struct site_asset *a)
{
	unsigned char h[32];
	char hex[17];

	sha256_raw(text, len, h);
	hex_encode(h, 8, hex);
	snprintf(a->path, sizeof a->path, "assets/%s-%s.%s", stem, hex, ext);
	memcpy(a->sri, "sha256-", 7);
	b64(h, sizeof h, a->sri + 7);
}

static int asset_name(const char *name)
{
	const char *dash = strchr(name, '-');

	if (!dash || strspn(dash + 1, "0123456789abcdef") != 16)
		return 0;
	return (!strncmp(name, "verify-", 7) && !strcmp(dash + 17, ".js")) ||
	       (!strncmp(name, "page-", 5) && !strcmp(dash + 17, ".css"));
}

/* The page template with its slots filled: the assets, the identity
 * document's path, the base URL and the registry's note, every value
 * escaped for HTML. */
static int page_render(const struct reg_facts *f, const struct site_asset *js,
		       const struct site_asset *css, const char *note,
		       struct buf *out, struct err *e)
{
	const char *t = site_page_html, *end = site_page_html + site_page_html_len;
	char did[700], jsrc[80], csrc[80];

	snprintf(did, sizeof did, "../../%s", f->did_path);
	snprintf(jsrc, sizeof jsrc, "../../%s", js->path);
	snprintf(csrc, sizeof csrc, "../../%s", css->path);
	while (t < end) {
		const char *at = strstr(t, "@@"), *close;
		const char *v;
		size_t k;

		if (!at || !(close = strstr(at + 2, "@@")))
			return buf_append(out, t, (size_t)(end - t), e);
		if (buf_append(out, t, (size_t)(at - t), e) < 0)
			return -1;
		k = (size_t)(close - at - 2);
#define SLOT(name) (k == sizeof name - 1 && !memcmp(at + 2, name, k))
		v = SLOT("SCRIPT_SRC") ? jsrc : SLOT("SCRIPT_SRI") ? js->sri
		  : SLOT("STYLE_SRC") ? csrc : SLOT("STYLE_SRI") ? css->sri
		  : SLOT("DID") ? did : SLOT("BASE") ? f->base_url
		  : SLOT("NOTE") ? note : NULL;
#undef SLOT
		if (!v)
			return err_set(e, ERR_BUG, "page template: unknown slot");
		if (html_escape(out, v, e) < 0)
			return -1;
		t = close + 2;
	}
	return 0;
}

/* ---- writing the site ------------------------------------------------- */

static int file_same(const char *path, const unsigned char *data, size_t len)
{
	struct buf b = BUF_INIT;
	struct err ignore = {0};
	int same;

	if (read_file_bounded(path, len + 1, &b, &ignore) < 0)
		return 0;
	same = b.len == len && !memcmp(b.data, data, len);
	buf_release(&b);
	return same;
}

/* durable: fsync this file; else the caller syncs the site's file
 * system once (site_sync) when all are written. */
static int site_write(struct site *s, const struct site_file *f,
		      int durable, struct err *e)
{
	char path[PATH_MAX], *slash;

	if (snprintf(path, sizeof path, "%s/%s", s->dir, f->path) >=
	    (int)sizeof path)
		return err_set(e, ERR_USAGE, "%s: path too long", s->dir);
	if (file_same(path, f->data, f->len)) {
		s->unchanged++;
		return 0;
	}
	slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdir_p(path, 0755, e) < 0)
		return -1;
	*slash = '/';
	if ((durable ? write_file_atomic : write_file_replace)(path, f->data, f->len, 0644, e) < 0)
		return -1;
	s->written++;
	return 0;
}

/* One syncfs for every page written: a publish of 10,000 credentials
 * wrote 20,000 files with an fsync each, two minutes on this kind of disk.
 * The manifest, written last, has its own fsync; until it is, a crash may
 * leave a page empty, which the next publish sees differ and rewrites. */
static int site_sync(const struct site *s, struct err *e)
{
	int fd, rc = 0;

	if (!s->written)
		return 0;
	fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		rc = err_sys(e, ERR_HOST, errno, "%s: cannot sync the site", s->dir);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct site_file *)a)->path,
		      ((const struct site_file *)b)->path);
}

/* s->files is sorted by path (site_build). */
static int in_site(const struct site *s, const char *p)
{
	struct site_file key = {(char *)p, NULL, 0};

	return bsearch(&key, s->files, s->n, sizeof *s->files, by_path) != NULL;
}

static int hash_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int hex_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The manifest names each file by the SHA-256 of its path, never the path:
 * a server that serves dot files then shows no list of the pages. */
static void path_hash(const char *p, char out[SIGN_SHA256_HEX])
{
	sha256_hex(p, strlen(p), out);
}

/* The last manifest's hashes, sorted; none when there is no manifest. */
static int manifest_read(const char *dir, char ***out, size_t *nout,
			 struct err *e)
{
	char path[PATH_MAX], **v = NULL;
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *m, *files, *x;
	size_t i, n = 0;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	snprintf(path, sizeof path, "%s/%s", dir, SITE_MANIFEST);
	if (access(path, F_OK) < 0)
		return 0;
	if (read_file_bounded(path, SITE_MANIFEST_MAX, &b, e) < 0)
		return -1;
	m = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &je);
	buf_release(&b);
	files = json_object_get(m, "files");
	if (!m || !json_is_array(files) ||
	    json_array_size(files) > 3 * (size_t)SITE_MAX_CREDENTIALS ||
	    strcmp(json_string_value(json_object_get(m, "schema")) ?
		   json_string_value(json_object_get(m, "schema")) : "",
		   "labrun.site/1")) {
		err_set(e, ERR_REFUSED, "%s: not a manifest publish wrote; hint: "
			"move it away (publish then removes nothing it wrote before)",
			path);
		goto out;
	}
	if (!(v = calloc(json_array_size(files) + 1, sizeof *v))) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	json_array_foreach(files, i, x) {
		const char *h = json_string_value(x);

		if (!h || strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64) {
			err_set(e, ERR_REFUSED, "%s: files[%zu] is not a SHA-256 "
				"hex; hint: move the manifest away", path, i);
			goto out;
		}
		if (!(v[n++] = strdup(h))) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
	}
	qsort(v, n, sizeof *v, hex_cmp);
	*out = v;
	*nout = n;
	v = NULL;
	rc = 0;
out:
	if (v)
		dir_names_free(v, n);
	json_decref(m);
	return rc;
}

static int is_token(const char *name)
{
	return strlen(name) == 2 * SITE_TOKEN_BYTES &&
	       strspn(name, "0123456789abcdef") == 2 * SITE_TOKEN_BYTES;
}

/* Remove p (below SITE) if the last publish wrote it (its hash is in
 * old) and this one does not. */
static int prune_one(struct site *s, char **old, size_t nold, const char *p,
		     struct err *e)
{
	char h[SIGN_SHA256_HEX], *hp = h, full[PATH_MAX];

	if (in_site(s, p))
		return 0;
	path_hash(p, h);
	if (!bsearch(&hp, old, nold, sizeof *old, hex_cmp))
		return 0;
	snprintf(full, sizeof full, "%s/%s", s->dir, p);
	if (unlink(full) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, ERR_HOST, errno, "%s", full);
	}
	s->removed++;
	return 0;
}

/* The assets of earlier publishes (another labrun's page) go too. */
static int prune_assets(struct site *s, char **old, size_t nold, struct err *e)
{
	char **names = NULL, path[PATH_MAX];
	size_t n = 0;
	int dfd, rc = -1;

	snprintf(path, sizeof path, "%s/assets", s->dir);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return 0;
	if (dir_names(dfd, 1024, &names, &n, e) != 0) {
		if (e->kind == ERR_NONE)
			err_set(e, ERR_REFUSED, "%s: over 1024 entries", path);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!asset_name(names[i]))
			continue;
		snprintf(path, sizeof path, "assets/%s", names[i]);
		if (prune_one(s, old, nold, path, e) < 0)
			goto out;
	}
	rc = 0;
out:
	close(dfd);
	dir_names_free(names, n);
	return rc;
}

/* Remove what the last publish wrote and this one does not: the files
 * publish may write that exist, each checked against the manifest. */
static int site_prune(struct site *s, struct err *e)
{
	static const char *const fixed[] = {
		"robots.txt", "status/revocation.json", "status/suspension.json",
		"did.json", ".well-known/did.json",
	};
	static const char *const page[] = {"index.html", "credential.json"};
	char **old = NULL, **names = NULL, path[PATH_MAX];
	size_t nold = 0, n = 0, i;
	int dfd = -1, got, rc = -1;

	if (manifest_read(s->dir, &old, &nold, e) < 0)
		return -1;
	if (!nold)
		return 0;
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (prune_one(s, old, nold, fixed[i], e) < 0)
			goto out;
	if (prune_assets(s, old, nold, e) < 0)
		goto out;
	snprintf(path, sizeof path, "%s/c", s->dir);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0) {
		rc = 0;
		goto out;
	}
	got = dir_names(dfd, 2 * (size_t)SITE_MAX_CREDENTIALS, &names, &n, e);
	if (got != 0) {
		if (got == 1)
			err_set(e, ERR_REFUSED, "%s: too many entries", path);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!is_token(names[i]))
			continue;
		for (size_t k = 0; k < 2; k++) {
			snprintf(path, sizeof path, "c/%s/%s", names[i], page[k]);
			if (prune_one(s, old, nold, path, e) < 0)
				goto out;
		}
		unlinkat(dfd, names[i], AT_REMOVEDIR); /* once it is empty */
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	dir_names_free(names, n);
	dir_names_free(old, nold);
	return rc;
}

static int site_manifest(struct site *s, struct err *e)
{
	json_t *m = json_object(), *files = json_array();
	struct site_file f = {0};
	char (*h)[SIGN_SHA256_HEX] = calloc(s->n + 1, sizeof *h);
	char *text = NULL;
	unsigned w = s->written, u = s->unchanged;
	int rc = -1;

	if (!m || !files || !h)
		goto oom;
	/* sorted by hash: the order tells nothing of the paths */
	for (size_t i = 0; i < s->n; i++)
		path_hash(s->files[i].path, h[i]);
	qsort(h, s->n, sizeof *h, hash_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (json_array_append_new(files, json_string(h[i])))
			goto oom;
	if (json_object_set_new(m, "schema", json_string("labrun.site/1")) ||
	    json_object_set(m, "files", files) ||
	    !(text = json_dumps(m, JSON_SORT_KEYS | JSON_INDENT(1))))
		goto oom;
	f.path = (char *)SITE_MANIFEST;
	f.data = (unsigned char *)text;
	f.len = strlen(text);
	rc = site_write(s, &f, 1, e);
	s->written = w; /* the manifest is not counted */
	s->unchanged = u;
	goto out;
oom:
	err_set(e, ERR_HOST, "out of memory");
out:
	free(h);
	free(text);
	json_decref(files);
	json_decref(m);
	return rc;
}

/* Every file of the site, in memory: the identity document, the two
 * lists, robots.txt and the pages. */
static int site_build(struct site *s, const struct registry *r,
		      const struct reg_facts *f, const struct sign_sec *sk,
		      const struct site_cred *v, size_t n, struct err *e)
{
	static const char *const purposes[] = {"revocation", "suspension"};
	struct buf b = BUF_INIT;
	struct site_asset js, css;
	char path[128];
	int rc = -1;

	asset_make("verify", "js", site_verify_js, site_verify_js_len, &js);
	asset_make("page", "css", site_page_css, site_page_css_len, &css);
	if (site_add(s, js.path, site_verify_js, site_verify_js_len, e) < 0 ||
	    site_add(s, css.path, site_page_css, site_page_css_len, e) < 0)
		goto out;
	if (registry_identity_doc(r, &b, e) < 0 ||
	    site_add(s, f->did_path, b.data, b.len, e) < 0)
		goto out;
	for (size_t i = 0; i < 2; i++) {
		buf_release(&b);
		snprintf(path, sizeof path, "status/%s.json", purposes[i]);
		if (registry_status_list(r, purposes[i], sk, f->state_at, &b, e) < 0 ||
		    site_add(s, path, b.data, b.len, e) < 0)
			goto out;
	}
	buf_release(&b);
	/* robots.txt works at a host's root only: with a base path, its line
	 * belongs in the host's own file (docs/registry.md); every page also
	 * says noindex. */
	if (buf_printf(&b, e, "User-agent: *\nDisallow: %s/c/\n", f->base_path) < 0 ||
	    site_add(s, "robots.txt", b.data, b.len, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		buf_release(&b);
		snprintf(path, sizeof path, "c/%s/credential.json", v[i].token);
		if (site_add(s, path, v[i].json, v[i].len, e) < 0 ||
		    page_render(f, &js, &css, v[i].note, &b, e) < 0)
			goto out;
		snprintf(path, sizeof path, "c/%s/index.html", v[i].token);
		if (site_add(s, path, b.data, b.len, e) < 0)
			goto out;
	}
	qsort(s->files, s->n, sizeof *s->files, by_path);
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

struct publish_args {
	const char *reg, *creds, *key, *site, *base_url;
};

static int publish(const struct publish_args *a, struct site *s,
		   size_t *npublished, struct err *e)
{
	struct registry *r = NULL;
	struct sign_sec *sk = NULL;
	struct reg_facts f = {0};
	struct reg_index x = {0};
	struct site_cred *v = NULL;
	unsigned char key[SITE_KEY_BYTES];
	size_t n = 0;
	int rc = -1;

	if (registry_open(a->reg, &r, e) < 0 || reg_facts_get(r, &f, e) < 0)
		goto out;
	if (a->base_url && strcmp(a->base_url, f.base_url)) {
		err_set(e, ERR_USAGE, "--base-url %s: the registry's base URL is "
			"%s; hint: the credentials' status entries name it, so the "
			"site is served there", a->base_url, f.base_url);
		goto out;
	}
	if (sign_sec_load(a->key, &sk, e) < 0 || reg_index_make(r, &x, e) < 0 ||
	    site_key(a->reg, key, e) < 0)
		goto out;
	state_time(r, f.state_at);
	if (creds_load(a->creds, &x, key, &v, &n, e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (v[i].warning[0] &&
		    buf_printf(&s->warnings, e, "%s\n", v[i].warning) < 0)
			goto out;
	s->dir = a->site;
	if (mkdir_p(a->site, 0755, e) < 0 || site_build(s, r, &f, sk, v, n, e) < 0)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		if (site_write(s, &s->files[i], 0, e) < 0)
			goto out;
	if (site_sync(s, e) < 0 || site_prune(s, e) < 0 || site_manifest(s, e) < 0)
		goto out;
	*npublished = n;
	rc = 0;
out:
	sign_wipe(key, sizeof key);
	for (size_t i = 0; i < n; i++)
		free(v[i].json);
	free(v);
	free(x.v);
	free(x.keys);
	trust_keys_release(&x.periods);
	sign_sec_free(sk);
	registry_close(r);
	return rc;
}

int registry_publish_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"registry", required_argument, NULL, 'r'},
		{"credentials", required_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'},
		{"base-url", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct publish_args a = {0};
	struct site s = {0};
	struct err e = {ERR_NONE, ""};
	size_t n = 0;
	int opt, rc;

	if (cmd_wants_help(&publish_cmd, argc, argv))
		return EXIT_YES;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': a.reg = optarg; break;
		case 'c': a.creds = optarg; break;
		case 'k': a.key = optarg; break;
		case 'b': a.base_url = optarg; break;
		case 'o': a.site = optarg; break;
		default: return cmd_bad_option(&publish_cmd, opt, argv);
		}
	}
	if (optind < argc)
		return cmd_usage_error(&publish_cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (!a.reg || !a.creds || !a.key || !a.site)
		return cmd_usage_error(&publish_cmd, "--registry, --credentials, "
				       "--key and -o are all required");
	rc = publish(&a, &s, &n, &e);
	if (rc < 0) {
		site_release(&s);
		return cmd_fail("registry publish", &e);
	}
	if (s.warnings.len)
		cmd_printf(stderr, "labrun registry publish: published, but these "
			   "pages say the credential is not valid:\n%.*s",
			   (int)s.warnings.len, (const char *)s.warnings.data);
	cmd_printf(stdout, "published %zu credential%s to %s: %u file%s written, "
		   "%u unchanged, %u removed\n", n, n == 1 ? "" : "s", a.site,
		   s.written, s.written == 1 ? "" : "s", s.unchanged, s.removed);
	site_release(&s);
	return EXIT_YES;
}
