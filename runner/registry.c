/* registry: the registry directory and its signed log (registry.h). */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/credential.h"
#include "runner/registry.h"
#include "runner/sign.h"
#include "runner/status_list.h"

struct registry {
	char dir[4096];
	char base_url[REG_URL_MAX + 1];
	char did[512];
	unsigned list_size;
	struct registry_key *keys;
	size_t nkeys;
	struct registry_entry *entries; /* entries[i].index == i + 1 */
	size_t nentries, capentries;
	size_t nlines;
	char last_hash[80];             /* "sha256:HEX" of the last line */
};

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- names and text ----------------------------------------------------- */

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-';
}

static int path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
	       c == '~';
}

int registry_did_web(const char *url, char *out, size_t size, struct err *e)
{
	const char *p, *host = url + 8;
	size_t o, n = strlen(url);
	char port[8] = "";

	if (strncmp(url, "https://", 8) || n > REG_URL_MAX)
		return err_set(e, ERR_USAGE,
			       "--base-url '%.80s': not an https URL of at most %d bytes; hint: --base-url https://certs.example.org",
			       url, REG_URL_MAX);
	if (n > 8 && url[n - 1] == '/')
		return err_set(e, ERR_USAGE,
			       "--base-url '%.80s': ends in '/'; give it without",
			       url);
	for (p = host; *p && *p != '/' && *p != ':'; p++)
		if (!host_char(*p))
			return err_set(e, ERR_USAGE,
				       "--base-url '%.80s': the host has a character did:web cannot carry (lowercase letters, digits, '.', '-')",
				       url);
	if (p == host)
		return err_set(e, ERR_USAGE, "--base-url '%.80s': no host", url);
	o = (size_t)snprintf(out, size, "did:web:%.*s", (int)(p - host), host);
	if (*p == ':') {
		const char *q = ++p;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == q || p - q > 5 || (*p && *p != '/'))
			return err_set(e, ERR_USAGE,
				       "--base-url '%.80s': the port is not a number", url);
		snprintf(port, sizeof port, "%.*s", (int)(p - q), q);
		o += (size_t)snprintf(out + o, o < size ? size - o : 0, "%%3A%s", port);
	}
	while (*p == '/') {
		const char *q = ++p;

		while (*p && *p != '/') {
			if (!path_char(*p))
				return err_set(e, ERR_USAGE,
					       "--base-url '%.80s': the path has a character did:web cannot carry (letters, digits, '.', '-', '_', '~'; no query or fragment)",
					       url);
			p++;
		}
		if (p == q || (p - q == 1 && *q == '.') ||
		    (p - q == 2 && q[0] == '.' && q[1] == '.'))
			return err_set(e, ERR_USAGE,
				       "--base-url '%.80s': an empty, '.' or '..' path segment", url);
		o += (size_t)snprintf(out + o, o < size ? size - o : 0, ":%.*s",
				      (int)(p - q), q);
	}
	if (*p)
		return err_set(e, ERR_USAGE, "--base-url '%.80s': not a URL labrun takes", url);
	if (o >= size)
		return err_set(e, ERR_USAGE, "--base-url '%.80s': too long", url);
	return 0;
}

/* Printable text without control characters (valid UTF-8 is kept as is:
 * jansson refuses anything else). */
static int plain_text(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

void registry_default_actor(char *out, size_t size)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw && pw->pw_name && plain_text(pw->pw_name, REG_ACTOR_MAX))
		snprintf(out, size, "%s", pw->pw_name);
	else
		snprintf(out, size, "uid %u", (unsigned)getuid());
}

static void now_text(char out[32])
{
	time_rfc3339(time_now_ms() / 1000, out);
}

static void keyid_of(const struct sign_pub *p, char out[17])
{
	sign_keyid_hex(p, out);
}

/* The minisign public key line: base64("Ed" keyid pk). */
static int pub_line(const struct sign_pub *p, struct buf *out, struct err *e)
{
	unsigned char raw[2 + SIGN_KEYID_BYTES + SIGN_PK_BYTES];

	raw[0] = 'E';
	raw[1] = 'd';
	memcpy(raw + 2, p->keyid, SIGN_KEYID_BYTES);
	memcpy(raw + 2 + SIGN_KEYID_BYTES, p->pk, SIGN_PK_BYTES);
	return sl_base64_encode(raw, sizeof raw, 0, out, e);
}

/* ---- the state ---------------------------------------------------------- */

void registry_close(struct registry *r)
{
	if (!r)
		return;
	free(r->keys);
	free(r->entries);
	free(r);
}

const char *registry_base_url(const struct registry *r) { return r->base_url; }
const char *registry_did(const struct registry *r) { return r->did; }
unsigned registry_list_size(const struct registry *r) { return r->list_size; }
size_t registry_nlines(const struct registry *r) { return r->nlines; }
size_t registry_nkeys(const struct registry *r) { return r->nkeys; }
size_t registry_nentries(const struct registry *r) { return r->nentries; }

const struct registry_key *registry_key(const struct registry *r, size_t i)
{
	return i < r->nkeys ? &r->keys[i] : NULL;
}

const struct registry_entry *registry_entry(const struct registry *r, size_t i)
{
	return i < r->nentries ? &r->entries[i] : NULL;
}

const struct registry_key *registry_current_key(const struct registry *r)
{
	size_t i;

	for (i = 0; i < r->nkeys; i++)
		if (r->keys[i].current)
			return &r->keys[i];
	return NULL;
}

const struct registry_entry *registry_find(const struct registry *r,
					   const char *credential_id)
{
	size_t i;

	for (i = 0; i < r->nentries; i++)
		if (r->entries[i].credential[0] &&
		    !strcmp(r->entries[i].credential, credential_id))
			return &r->entries[i];
	return NULL;
}

const struct registry_entry *registry_find_index(const struct registry *r,
						 unsigned index)
{
	return index >= 1 && index <= r->nentries ? &r->entries[index - 1] : NULL;
}

static struct registry_key *key_by_id(struct registry *r, const char *keyid)
{
	size_t i;

	for (i = 0; i < r->nkeys; i++)
		if (!strcmp(r->keys[i].keyid, keyid))
			return &r->keys[i];
	return NULL;
}

/* ---- replay --------------------------------------------------------------- */

/* Is the line the compact, key-sorted form of obj (so its hash and
 * signature are over one spelling only)?  sig_msg gets obj without sig. */
static int canonical_line(json_t *obj, const char *line, size_t len,
			  char **sig_msg)
{
	char *again = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	int same = again && strlen(again) == len && !memcmp(again, line, len);
	json_t *copy;

	free(again);
	*sig_msg = NULL;
	if (!same)
		return 0;
	copy = json_copy(obj);
	if (!copy)
		return 0;
	json_object_del(copy, "sig");
	*sig_msg = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	return *sig_msg != NULL;
}

static int get_index(const json_t *ev, unsigned max, unsigned *out)
{
	const json_t *v = json_object_get(ev, "index");

	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) >= (json_int_t)max)
		return -1;
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int str_field(const json_t *ev, const char *key, char *out, size_t size,
		     size_t line, struct err *e)
{
	const char *s = sget(ev, key);

	if (!s || strlen(s) >= size)
		return err_set(e, ERR_REFUSED,
			       "line %zu: \"%s\" missing or over %zu bytes", line,
			       key, size - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int time_field(const json_t *ev, const char *key, char out[24],
		      size_t line, struct err *e)
{
	if (!sl_time_shape(sget(ev, key)))
		return err_set(e, ERR_REFUSED,
			       "line %zu: \"%s\" is not YYYY-MM-DDTHH:MM:SSZ", line, key);
	snprintf(out, 24, "%s", sget(ev, key));
	return 0;
}

static int apply_key_add(struct registry *r, const json_t *ev, size_t line,
			 const char *signer, struct err *e)
{
	const char *pl = sget(ev, "public_key"), *dk = sget(ev, "did_key");
	struct registry_key k, *v;
	size_t i;

	memset(&k, 0, sizeof k);
	if (!pl || sign_pub_parse(pl, strlen(pl), "public_key", &k.pub, e) < 0)
		return err_set(e, ERR_REFUSED,
			       "line %zu: key-add: public_key is not a minisign public key", line);
	keyid_of(&k.pub, k.keyid);
	cred_did_key(k.pub.pk, k.did_key);
	if (!dk || strcmp(dk, k.did_key))
		return err_set(e, ERR_REFUSED,
			       "line %zu: key-add: did_key is not the did:key of public_key", line);
	if (time_field(ev, "from", k.from, line, e) < 0)
		return -1;
	if (key_by_id(r, k.keyid))
		return err_set(e, ERR_REFUSED, "line %zu: key-add: key %s added twice",
			       line, k.keyid);
	/* the founding key signs its own addition; every later one is
	 * signed by the key in use */
	if (r->nkeys ? !registry_current_key(r) ||
			       strcmp(signer, registry_current_key(r)->keyid)
		     : strcmp(signer, k.keyid))
		return err_set(e, ERR_REFUSED,
			       "line %zu: key-add: not signed by the key in use", line);
	for (i = 0; i < r->nkeys; i++)
		r->keys[i].current = 0;
	k.current = 1;
	snprintf(k.pub.source, sizeof k.pub.source, "%.200s/%s line %zu", r->dir,
		 REG_LOG, line);
	v = realloc(r->keys, (r->nkeys + 1) * sizeof *v);
	if (!v)
		return err_set(e, ERR_HOST, "registry: out of memory");
	r->keys = v;
	r->keys[r->nkeys++] = k;
	return 0;
}

static int apply_key_event(struct registry *r, const char *event,
			   const json_t *ev, size_t line, const char *signer,
			   struct err *e)
{
	char id[17], t[24];
	struct registry_key *k;

	if (str_field(ev, "key_id", id, sizeof id, line, e) < 0)
		return -1;
	k = key_by_id(r, id);
	if (!k)
		return err_set(e, ERR_REFUSED, "line %zu: %s: no key %s in the log",
			       line, event, id);
	if (!strcmp(event, "key-retire")) {
		if (time_field(ev, "at", t, line, e) < 0)
			return -1;
		if (k->until[0] || !strcmp(signer, id))
			return err_set(e, ERR_REFUSED,
				       "line %zu: key-retire: key %s %s", line, id,
				       k->until[0] ? "retired twice" : "retires itself");
		snprintf(k->until, sizeof k->until, "%s", t);
		k->current = 0;
		return 0;
	}
	if (time_field(ev, "from", t, line, e) < 0)
		return -1;
	if (k->current)
		return err_set(e, ERR_REFUSED,
			       "line %zu: key-compromised: key %s is the key in use", line, id);
	snprintf(k->compromised_from, sizeof k->compromised_from, "%s", t);
	return 0;
}

static int apply_allocate(struct registry *r, const json_t *ev, size_t line,
			  const char *at, struct err *e)
{
	struct registry_entry *v, *n;
	unsigned idx;

	if (get_index(ev, r->list_size, &idx) < 0 || idx != r->nentries + 1)
		return err_set(e, ERR_REFUSED,
			       "line %zu: allocate: index is not %zu, the next one",
			       line, r->nentries + 1);
	if (r->nentries == r->capentries) {
		size_t cap = r->capentries ? r->capentries * 2 : 64;

		v = realloc(r->entries, cap * sizeof *v);
		if (!v)
			return err_set(e, ERR_HOST, "registry: out of memory");
		r->entries = v;
		r->capentries = cap;
	}
	n = &r->entries[r->nentries];
	memset(n, 0, sizeof *n);
	n->index = idx;
	if (str_field(ev, "holder", n->holder, sizeof n->holder, line, e) < 0 ||
	    str_field(ev, "achievement", n->achievement, sizeof n->achievement,
		      line, e) < 0 ||
	    str_field(ev, "actor", n->actor, sizeof n->actor, line, e) < 0)
		return -1;
	snprintf(n->status, sizeof n->status, "active");
	snprintf(n->at, sizeof n->at, "%s", at);
	r->nentries++;
	return 0;
}

static int apply_entry_event(struct registry *r, const char *event,
			     const json_t *ev, size_t line, const char *at,
			     struct err *e)
{
	struct registry_entry *n;
	char cred[200], reason[REG_REASON_MAX + 1];
	unsigned idx;

	if (get_index(ev, r->list_size, &idx) < 0 || idx > r->nentries)
		return err_set(e, ERR_REFUSED,
			       "line %zu: %s: index is not an allocated one", line, event);
	n = &r->entries[idx - 1];
	if (str_field(ev, "credential", cred, sizeof cred, line, e) < 0)
		return -1;
	if (!strcmp(event, "issue")) {
		if (n->credential[0] || registry_find(r, cred))
			return err_set(e, ERR_REFUSED,
				       "line %zu: issue: index %u or credential bound twice",
				       line, idx);
		snprintf(n->credential, sizeof n->credential, "%s", cred);
		return 0;
	}
	if (!n->credential[0] || strcmp(n->credential, cred))
		return err_set(e, ERR_REFUSED,
			       "line %zu: %s: index %u is not bound to %s", line,
			       event, idx, cred);
	if (str_field(ev, "reason", reason, sizeof reason, line, e) < 0 ||
	    str_field(ev, "actor", n->actor, sizeof n->actor, line, e) < 0)
		return -1;
	if (!strcmp(n->status, "revoked") ||
	    (!strcmp(event, "reinstate") && strcmp(n->status, "suspended")) ||
	    (!strcmp(event, "suspend") && strcmp(n->status, "active")))
		return err_set(e, ERR_REFUSED, "line %zu: %s of a credential %s",
			       line, event, n->status);
	snprintf(n->status, sizeof n->status, "%s",
		 !strcmp(event, "revoke")    ? "revoked"
		 : !strcmp(event, "suspend") ? "suspended"
					     : "active");
	snprintf(n->reason, sizeof n->reason, "%s", reason);
	snprintf(n->at, sizeof n->at, "%s", at);
	return 0;
}

/* The signature of a line, by a key of the log (the founding key may
 * sign line 1, before its key-add on line 2). */
static int check_sig(struct registry *r, const json_t *ev, const char *msg,
		     size_t line, const struct sign_pub *founding,
		     struct err *e)
{
	const char *keyid = sget(ev, "key"), *sig = sget(ev, "sig");
	const struct registry_key *k = keyid ? key_by_id(r, keyid) : NULL;
	const unsigned char *pk = k ? k->pub.pk : NULL;
	struct buf raw = BUF_INIT;
	char fid[17];
	int ok;

	if (!k && founding && keyid) {
		keyid_of(founding, fid);
		if (!strcmp(fid, keyid))
			pk = founding->pk;
	}
	if (!pk)
		return err_set(e, ERR_REFUSED,
			       "line %zu: signed by key %.20s, which the log never added",
			       line, keyid ? keyid : "(none)");
	if (k && k->until[0])
		return err_set(e, ERR_REFUSED,
			       "line %zu: signed by key %s, retired at %s", line,
			       keyid, k->until);
	if (!sig || sl_base64_decode(sig, strlen(sig), 0, 64, &raw, "sig", e) < 0 ||
	    raw.len != 64) {
		buf_release(&raw);
		return err_set(e, ERR_REFUSED,
			       "line %zu: sig is not a base64 Ed25519 signature", line);
	}
	ok = sign_ed25519_verify(pk, msg, strlen(msg), raw.data);
	buf_release(&raw);
	if (!ok)
		return err_set(e, ERR_REFUSED,
			       "line %zu: the signature does not match the line (it was changed after signing)",
			       line);
	return 0;
}

/* The founding key: the key-add of line 2, which signs line 1 too. */
static int founding_key(const char *line2, size_t len, struct sign_pub *out)
{
	json_t *ev = json_loadb(line2, len, JSON_REJECT_DUPLICATES, NULL);
	const char *pl = sget(ev, "public_key");
	struct err e;
	int rc = -1;

	if (pl && sget(ev, "event") && !strcmp(sget(ev, "event"), "key-add"))
		rc = sign_pub_parse(pl, strlen(pl), "public_key", out, &e);
	json_decref(ev);
	return rc;
}

static int apply_event(struct registry *r, json_t *ev, size_t line,
		       struct err *e)
{
	const char *event = sget(ev, "event"), *signer = sget(ev, "key");
	char at[24];

	if (!event)
		return err_set(e, ERR_REFUSED, "line %zu: no \"event\"", line);
	if (time_field(ev, "at", at, line, e) < 0)
		return -1;
	if (!strcmp(event, "init")) {
		if (line != 1 || !sget(ev, "base_url") || !sget(ev, "did") ||
		    strcmp(sget(ev, "base_url"), r->base_url) ||
		    strcmp(sget(ev, "did"), r->did))
			return err_set(e, ERR_REFUSED,
				       "line %zu: init: not line 1, or not the base_url and did of %s",
				       line, REG_CONFIG);
		return 0;
	}
	if (line == 1)
		return err_set(e, ERR_REFUSED, "line 1: not the init event");
	if (line == 2 && strcmp(event, "key-add"))
		return err_set(e, ERR_REFUSED, "line 2: not the founding key-add");
	if (!strcmp(event, "key-add"))
		return apply_key_add(r, ev, line, signer, e);
	if (!strcmp(event, "key-retire") || !strcmp(event, "key-compromised"))
		return apply_key_event(r, event, ev, line, signer, e);
	if (!strcmp(event, "allocate"))
		return apply_allocate(r, ev, line, at, e);
	if (!strcmp(event, "issue") || !strcmp(event, "revoke") ||
	    !strcmp(event, "suspend") || !strcmp(event, "reinstate"))
		return apply_entry_event(r, event, ev, line, at, e);
	return err_set(e, ERR_REFUSED, "line %zu: unknown event '%.40s'", line, event);
}

static int replay_line(struct registry *r, const char *text, size_t len,
		       size_t line, const struct sign_pub *founding,
		       struct err *e)
{
	json_t *ev, *seq, *prev;
	char *msg = NULL;
	char want[80];
	int rc = -1;

	if (len > REG_LINE_MAX)
		return err_set(e, ERR_REFUSED, "line %zu: over %d bytes", line,
			       REG_LINE_MAX);
	ev = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(ev)) {
		err_set(e, ERR_REFUSED, "line %zu: not a JSON object", line);
		goto out;
	}
	if (!canonical_line(ev, text, len, &msg)) {
		err_set(e, ERR_REFUSED,
			"line %zu: not written as labrun writes it (compact, keys sorted)", line);
		goto out;
	}
	seq = json_object_get(ev, "seq");
	prev = json_object_get(ev, "prev");
	snprintf(want, sizeof want, "%s", r->last_hash);
	if (line == 1 ? !json_is_null(prev)
		      : !json_is_string(prev) || strcmp(json_string_value(prev), want)) {
		err_set(e, ERR_REFUSED,
			"line %zu: the hash chain breaks here (prev is not the SHA-256 of line %zu): a line before it was changed, removed or inserted",
			line, line - 1);
		goto out;
	}
	if (!json_is_integer(seq) || json_integer_value(seq) != (json_int_t)line) {
		err_set(e, ERR_REFUSED, "line %zu: seq is not %zu", line, line);
		goto out;
	}
	if (!sget(ev, "actor") || !plain_text(sget(ev, "actor"), REG_ACTOR_MAX)) {
		err_set(e, ERR_REFUSED, "line %zu: no actor", line);
		goto out;
	}
	if (check_sig(r, ev, msg, line, line <= 2 ? founding : NULL, e) < 0 ||
	    apply_event(r, ev, line, e) < 0)
		goto out;
	/* line 1 was signed before its key was added: by the founding key */
	if (line == 2 && strcmp(r->keys[0].keyid, sget(ev, "key"))) {
		err_set(e, ERR_REFUSED, "line 2: the founding key does not sign it");
		goto out;
	}
	{
		char hex[SIGN_SHA256_HEX];

		sha256_hex(text, len, hex);
		snprintf(r->last_hash, sizeof r->last_hash, "sha256:%s", hex);
	}
	rc = 0;
out:
	free(msg);
	json_decref(ev);
	return rc;
}

static int read_config(struct registry *r, struct err *e)
{
	char path[4200];
	struct buf b = BUF_INIT;
	json_t *c;
	const json_t *ls;
	char did[512];
	int rc = -1;

	snprintf(path, sizeof path, "%s/%s", r->dir, REG_CONFIG);
	if (read_file_bounded(path, 64 * 1024, &b, e) < 0)
		return err_wrap(e, "registry %s (make one with labrun registry init)", r->dir);
	c = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	ls = json_object_get(c, "list_size");
	if (!c || !sget(c, "schema") || strcmp(sget(c, "schema"), REG_SCHEMA) ||
	    !sget(c, "base_url") || !sget(c, "did") || !json_is_integer(ls) ||
	    json_integer_value(ls) < 8 || json_integer_value(ls) > 8 * (json_int_t)SL_MAX_LIST_BYTES ||
	    json_integer_value(ls) % 8) {
		err_set(e, ERR_REFUSED,
			"%s: not a %s file (schema, base_url, did, list_size)", path,
			REG_SCHEMA);
		goto out;
	}
	snprintf(r->base_url, sizeof r->base_url, "%s", sget(c, "base_url"));
	snprintf(r->did, sizeof r->did, "%s", sget(c, "did"));
	r->list_size = (unsigned)json_integer_value(ls);
	if (registry_did_web(r->base_url, did, sizeof did, e) < 0 ||
	    strcmp(did, r->did)) {
		err_set(e, ERR_REFUSED, "%s: did is not the did:web of base_url", path);
		goto out;
	}
	rc = 0;
out:
	json_decref(c);
	buf_release(&b);
	return rc;
}

int registry_open(const char *dir, struct registry **out, struct err *e)
{
	struct registry *r = calloc(1, sizeof *r);
	struct buf log = BUF_INIT;
	struct sign_pub founding;
	char path[4200];
	size_t off = 0, line = 0;
	int have_founding = 0;

	*out = NULL;
	if (!r)
		return err_set(e, ERR_HOST, "registry: out of memory");
	if (strlen(dir) >= sizeof r->dir) {
		free(r);
		return err_set(e, ERR_USAGE, "registry %.80s...: path too long", dir);
	}
	snprintf(r->dir, sizeof r->dir, "%s", dir);
	snprintf(path, sizeof path, "%s/%s", dir, REG_LOG);
	if (read_config(r, e) < 0 || read_file_bounded(path, REG_LOG_MAX, &log, e) < 0)
		goto fail;
	while (off < log.len) {
		const char *s = (const char *)log.data + off;
		const char *nl = memchr(s, '\n', log.len - off);
		size_t len;

		line++;
		if (!nl) {
			err_set(e, ERR_REFUSED,
				"line %zu: not ended by a newline (a write cut short)", line);
			goto wrap;
		}
		len = (size_t)(nl - s);
		if (line == 1) {
			const char *l2 = nl + 1, *nl2;

			nl2 = l2 < (const char *)log.data + log.len
				      ? memchr(l2, '\n', (size_t)((const char *)log.data + log.len - l2))
				      : NULL;
			have_founding = nl2 && founding_key(l2, (size_t)(nl2 - l2), &founding) == 0;
		}
		if (replay_line(r, s, len, line, have_founding ? &founding : NULL, e) < 0)
			goto wrap;
		off += len + 1;
	}
	if (line < 2) {
		err_set(e, ERR_REFUSED, "has %zu lines: not even the init and the founding key", line);
		goto wrap;
	}
	r->nlines = line;
	buf_release(&log);
	*out = r;
	return 0;
wrap:
	err_wrap(e, "%s", path);
fail:
	buf_release(&log);
	registry_close(r);
	return -1;
}

/* ---- appending ---------------------------------------------------------- */

struct reg_lock {
	int fd;
};

static int lock_take(const char *dir, struct reg_lock *l, struct err *e)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/%s", dir, REG_LOCK);
	l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	while (flock(l->fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(l->fd);
			return err_sys(e, ERR_HOST, errno, "%s: flock", path);
		}
	return 0;
}

static void lock_drop(struct reg_lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* Append one event (ev gets seq, at, actor, key, prev, sig) as r's next
 * line: written whole, O_APPEND, fsync'd. */
static int append_event(struct registry *r, json_t *ev, const struct sign_sec *sk,
			const char *actor, int creating, struct err *e)
{
	struct sign_pub pub;
	char path[4200], keyid[17], at[32], *msg = NULL, *line = NULL;
	unsigned char sig[64];
	struct buf b64 = BUF_INIT;
	int fd = -1, rc = -1;

	sign_sec_pub(sk, &pub);
	keyid_of(&pub, keyid);
	now_text(at);
	if (json_object_set_new(ev, "seq", json_integer((json_int_t)r->nlines + 1)) ||
	    json_object_set_new(ev, "at", json_string(at)) ||
	    json_object_set_new(ev, "actor", json_string(actor)) ||
	    json_object_set_new(ev, "key", json_string(keyid)) ||
	    json_object_set_new(ev, "prev", r->nlines ? json_string(r->last_hash)
						      : json_null())) {
		err_set(e, ERR_HOST, "registry: out of memory");
		goto out;
	}
	msg = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	if (!msg || sign_ed25519(sk, msg, strlen(msg), sig, e) < 0 ||
	    sl_base64_encode(sig, sizeof sig, 0, &b64, e) < 0 ||
	    json_object_set_new(ev, "sig", json_string((const char *)b64.data)) ||
	    !(line = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS))) {
		if (e->kind == ERR_NONE)
			err_set(e, ERR_HOST, "registry: out of memory");
		goto out;
	}
	if (strlen(line) + 1 > REG_LINE_MAX) {
		err_set(e, ERR_REFUSED, "registry: an event of over %d bytes", REG_LINE_MAX);
		goto out;
	}
	/* the new line is checked as replay would, before it is written */
	if (replay_line(r, line, strlen(line), r->nlines + 1, creating ? &pub : NULL, e) < 0) {
		err_wrap(e, "registry %s", r->dir);
		goto out;
	}
	r->nlines++;
	snprintf(path, sizeof path, "%s/%s", r->dir, REG_LOG);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW |
				(creating && r->nlines == 1 ? O_CREAT | O_EXCL : 0),
		  0600);
	if (fd < 0) {
		err_sys(e, ERR_HOST, errno, "%s", path);
		goto out;
	}
	{
		size_t n = strlen(line);

		line[n] = '\n'; /* json_dumps's NUL; written as one write */
		if (write_all(fd, line, n + 1) < 0 || fsync(fd) < 0) {
			err_sys(e, ERR_HOST, errno, "%s: append", path);
			line[n] = 0;
			goto out;
		}
		line[n] = 0;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&b64);
	free(msg);
	free(line);
	return rc;
}

/* Open under the lock for an append by sk, which must be the current key. */
static int open_for_append(const char *dir, const struct sign_sec *sk,
			   struct reg_lock *l, struct registry **r, struct err *e)
{
	const struct registry_key *cur;
	struct sign_pub pub;
	char keyid[17];

	*r = NULL;
	if (lock_take(dir, l, e) < 0)
		return -1;
	if (registry_open(dir, r, e) < 0) {
		lock_drop(l);
		return -1;
	}
	sign_sec_pub(sk, &pub);
	keyid_of(&pub, keyid);
	cur = registry_current_key(*r);
	if (!cur || strcmp(cur->keyid, keyid)) {
		err_set(e, ERR_REFUSED,
			"registry %s: the key given is %s, but the registry's current key is %s; hint: give the current issuer key (--key), or rotate to this one (labrun registry rotate)",
			dir, keyid, cur ? cur->keyid : "(none)");
		registry_close(*r);
		*r = NULL;
		lock_drop(l);
		return -1;
	}
	return 0;
}

int registry_init(const char *dir, const struct sign_sec *sk,
		  const char *base_url, const char *actor, struct err *e)
{
	struct registry *r = NULL;
	struct reg_lock l = {-1};
	struct sign_pub pub;
	struct buf cfg = BUF_INIT, pl = BUF_INIT;
	char path[4200], did[512], at[32];
	json_t *c = NULL, *ev = NULL;
	int rc = -1;

	if (registry_did_web(base_url, did, sizeof did, e) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(e, ERR_HOST, errno, "registry %s: mkdir", dir);
	snprintf(path, sizeof path, "%s/%s", dir, REG_CONFIG);
	if (access(path, F_OK) == 0)
		return err_set(e, ERR_REFUSED,
			       "registry %s: already made (%s exists)", dir, REG_CONFIG);
	if (lock_take(dir, &l, e) < 0)
		return -1;
	r = calloc(1, sizeof *r);
	c = json_pack("{s:s, s:s, s:s, s:i}", "schema", REG_SCHEMA, "base_url",
		      base_url, "did", did, "list_size", (json_int_t)SL_LIST_BITS);
	if (!r || !c) {
		err_set(e, ERR_HOST, "registry: out of memory");
		goto out;
	}
	snprintf(r->dir, sizeof r->dir, "%s", dir);
	snprintf(r->base_url, sizeof r->base_url, "%s", base_url);
	snprintf(r->did, sizeof r->did, "%s", did);
	r->list_size = SL_LIST_BITS;
	if (cred_dump(c, &cfg, e) < 0 ||
	    write_file_atomic(path, cfg.data, cfg.len, 0644, e) < 0)
		goto out;
	sign_sec_pub(sk, &pub);
	now_text(at);
	ev = json_pack("{s:s, s:s, s:s}", "event", "init", "base_url", base_url, "did", did);
	if (!ev || append_event(r, ev, sk, actor, 1, e) < 0)
		goto out;
	json_decref(ev);
	if (pub_line(&pub, &pl, e) < 0)
		goto out;
	{
		char dk[CRED_DID_MAX];

		cred_did_key(pub.pk, dk);
		ev = json_pack("{s:s, s:s, s:s, s:s}", "event", "key-add",
			       "public_key", (const char *)pl.data, "did_key", dk,
			       "from", at);
	}
	if (!ev || append_event(r, ev, sk, actor, 1, e) < 0)
		goto out;
	rc = 0;
out:
	json_decref(ev);
	json_decref(c);
	buf_release(&cfg);
	buf_release(&pl);
	registry_close(r);
	lock_drop(&l);
	return rc;
}

int registry_allocate(const char *dir, const struct sign_sec *sk,
		      const char *holder, const char *achievement,
		      unsigned *index, struct err *e)
{
	struct registry *r;
	struct reg_lock l;
	char actor[REG_ACTOR_MAX + 1];
	json_t *ev;
	int rc = -1;

	if (open_for_append(dir, sk, &l, &r, e) < 0)
		return -1;
	if (r->nentries + 1 >= r->list_size) {
		err_set(e, ERR_REFUSED,
			"registry %s: all %u status indices are allocated", dir,
			r->list_size - 1);
		goto out;
	}
	registry_default_actor(actor, sizeof actor);
	ev = json_pack("{s:s, s:i, s:s, s:s}", "event", "allocate", "index",
		       (json_int_t)r->nentries + 1, "holder", holder,
		       "achievement", achievement);
	if (!ev) {
		err_set(e, ERR_HOST, "registry: out of memory");
		goto out;
	}
	rc = append_event(r, ev, sk, actor, 0, e);
	json_decref(ev);
	if (!rc)
		*index = (unsigned)r->nentries;
out:
	registry_close(r);
	lock_drop(&l);
	return rc;
}

int registry_bind(const char *dir, const struct sign_sec *sk, unsigned index,
		  const char *credential_id, struct err *e)
{
	struct registry *r;
	struct reg_lock l;
	char actor[REG_ACTOR_MAX + 1];
	json_t *ev;
	int rc = -1;

	if (open_for_append(dir, sk, &l, &r, e) < 0)
		return -1;
	registry_default_actor(actor, sizeof actor);
	ev = json_pack("{s:s, s:i, s:s}", "event", "issue", "index",
		       (json_int_t)index, "credential", credential_id);
	if (!ev)
		err_set(e, ERR_HOST, "registry: out of memory");
	else
		rc = append_event(r, ev, sk, actor, 0, e);
	json_decref(ev);
	registry_close(r);
	lock_drop(&l);
	return rc;
}

int registry_set_status(const char *dir, const struct sign_sec *sk,
			const char *actor, const char *event,
			const char *credential_id, const char *reason,
			struct err *e)
{
	const struct registry_entry *n;
	struct registry *r;
	struct reg_lock l;
	json_t *ev;
	int rc = -1;

	if (strcmp(event, "revoke") && strcmp(event, "suspend") &&
	    strcmp(event, "reinstate"))
		return err_set(e, ERR_BUG, "registry: event %s", event);
	if (!plain_text(reason, REG_REASON_MAX))
		return err_set(e, ERR_USAGE,
			       "--reason: empty, over %d bytes or with control characters",
			       REG_REASON_MAX);
	if (!plain_text(actor, REG_ACTOR_MAX))
		return err_set(e, ERR_USAGE,
			       "--actor: empty, over %d bytes or with control characters",
			       REG_ACTOR_MAX);
	if (open_for_append(dir, sk, &l, &r, e) < 0)
		return -1;
	n = registry_find(r, credential_id);
	if (!n) {
		err_set(e, ERR_REFUSED,
			"registry %s: no credential %.200s in its log (labrun registry status lists them)",
			dir, credential_id);
		goto out;
	}
	if (!strcmp(n->status, "revoked") ||
	    (!strcmp(event, "reinstate") && strcmp(n->status, "suspended")) ||
	    (!strcmp(event, "suspend") && strcmp(n->status, "active"))) {
		err_set(e, ERR_REFUSED, "registry %s: %s: credential index %u is %s%s",
			dir, event, n->index, n->status,
			!strcmp(n->status, "revoked") ? " (a revocation is final)" : "");
		goto out;
	}
	ev = json_pack("{s:s, s:s, s:i, s:s}", "event", event, "credential",
		       credential_id, "index", (json_int_t)n->index, "reason", reason);
	if (!ev)
		err_set(e, ERR_HOST, "registry: out of memory");
	else
		rc = append_event(r, ev, sk, actor, 0, e);
	json_decref(ev);
out:
	registry_close(r);
	lock_drop(&l);
	return rc;
}

int registry_rotate(const char *dir, const struct sign_sec *old_sk,
		    const struct sign_sec *new_sk, const char *actor,
		    struct err *e)
{
	struct registry *r;
	struct reg_lock l;
	struct sign_pub oldp, newp;
	struct buf pl = BUF_INIT;
	char at[32], oid[17], dk[CRED_DID_MAX];
	json_t *ev = NULL;
	int rc = -1;

	if (open_for_append(dir, old_sk, &l, &r, e) < 0)
		return -1;
	sign_sec_pub(old_sk, &oldp);
	sign_sec_pub(new_sk, &newp);
	keyid_of(&oldp, oid);
	if (!memcmp(oldp.pk, newp.pk, 32)) {
		err_set(e, ERR_USAGE, "--new-key: the same key as --key");
		goto out;
	}
	now_text(at);
	cred_did_key(newp.pk, dk);
	if (pub_line(&newp, &pl, e) < 0)
		goto out;
	ev = json_pack("{s:s, s:s, s:s, s:s}", "event", "key-add", "public_key",
		       (const char *)pl.data, "did_key", dk, "from", at);
	if (!ev || append_event(r, ev, old_sk, actor, 0, e) < 0)
		goto out;
	json_decref(ev);
	ev = json_pack("{s:s, s:s, s:s}", "event", "key-retire", "key_id", oid, "at", at);
	if (!ev || append_event(r, ev, new_sk, actor, 0, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc && e->kind == ERR_NONE)
		err_set(e, ERR_HOST, "registry: out of memory");
	json_decref(ev);
	buf_release(&pl);
	registry_close(r);
	lock_drop(&l);
	return rc;
}

int registry_compromise(const char *dir, const struct sign_sec *sk,
			const char *keyid, const char *from, const char *actor,
			struct err *e)
{
	struct registry *r;
	struct reg_lock l;
	struct registry_key *k;
	json_t *ev;
	int rc = -1;

	if (!sl_time_shape(from))
		return err_set(e, ERR_USAGE,
			       "--from '%.40s': not YYYY-MM-DDTHH:MM:SSZ (UTC)", from);
	if (open_for_append(dir, sk, &l, &r, e) < 0)
		return -1;
	k = key_by_id(r, keyid);
	if (!k)
		err_set(e, ERR_REFUSED, "registry %s: no key %.20s in its log", dir, keyid);
	else if (k->current)
		err_set(e, ERR_REFUSED,
			"registry %s: key %s is the key in use; rotate to a new key first (labrun registry rotate), then mark it compromised",
			dir, keyid);
	else if (k->compromised_from[0] && strcmp(k->compromised_from, from) <= 0)
		err_set(e, ERR_REFUSED,
			"registry %s: key %s is already compromised from %s", dir,
			keyid, k->compromised_from);
	else {
		ev = json_pack("{s:s, s:s, s:s}", "event", "key-compromised",
			       "key_id", keyid, "from", from);
		if (!ev)
			err_set(e, ERR_HOST, "registry: out of memory");
		else
			rc = append_event(r, ev, sk, actor, 0, e);
		json_decref(ev);
	}
	registry_close(r);
	lock_drop(&l);
	return rc;
}

/* ---- what the site and the checks read ---------------------------------- */

int registry_status_list(const struct registry *r, const char *purpose,
			 const struct sign_sec *sk, const char *now,
			 struct buf *out, struct err *e)
{
	const struct registry_key *cur = registry_current_key(r);
	const char *want = !strcmp(purpose, "revocation") ? "revoked" : "suspended";
	struct sign_pub pub;
	unsigned char *bits;
	size_t i;
	int rc;

	sign_sec_pub(sk, &pub);
	if (!cur || memcmp(cur->pub.pk, pub.pk, 32))
		return err_set(e, ERR_REFUSED,
			       "registry %s: status lists are signed by the current key %s; the key given is another",
			       r->dir, cur ? cur->keyid : "(none)");
	bits = calloc(1, r->list_size / 8);
	if (!bits)
		return err_set(e, ERR_HOST, "registry: out of memory");
	for (i = 0; i < r->nentries; i++)
		if (!strcmp(r->entries[i].status, want))
			sl_bit_set(bits, r->entries[i].index);
	rc = sl_credential(r->base_url, purpose, bits, r->list_size / 8, sk, now, out, e);
	free(bits);
	return rc;
}

int registry_identity_path(const struct registry *r, char *out, size_t size)
{
	const char *p = strchr(r->base_url + 8, '/');
	int n = p ? snprintf(out, size, "%s/did.json", p + 1)
		  : snprintf(out, size, ".well-known/did.json");

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int registry_identity_doc(const struct registry *r, struct buf *out,
			  struct err *e)
{
	json_t *doc, *vms, *am, *aka;
	size_t i;
	int rc = -1, bad = 0;

	doc = json_pack("{s:[s,s], s:s}", "@context", "https://www.w3.org/ns/did/v1",
			"https://w3id.org/security/multikey/v1", "id", r->did);
	vms = json_array();
	am = json_array();
	aka = json_array();
	if (!doc || !vms || !am || !aka) {
		bad = 1;
		goto done;
	}
	for (i = 0; i < r->nkeys; i++) {
		const struct registry_key *k = &r->keys[i];
		char id[600];
		json_t *vm;

		snprintf(id, sizeof id, "%s#%s", r->did, k->keyid);
		vm = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "type",
			       "Multikey", "controller", r->did,
			       "publicKeyMultibase", k->did_key + strlen("did:key:"),
			       "created", k->from);
		bad |= !vm;
		if (vm && k->until[0])
			bad |= json_object_set_new(vm, "expires", json_string(k->until));
		if (vm && k->compromised_from[0])
			bad |= json_object_set_new(vm, "revoked",
						   json_string(k->compromised_from));
		bad |= json_array_append_new(vms, vm);
		if (k->current)
			bad |= json_array_append_new(am, json_string(id));
		bad |= json_array_append_new(aka, json_string(k->did_key));
	}
done:
	if (!bad && !json_object_set_new(doc, "verificationMethod", vms) &&
	    !json_object_set_new(doc, "assertionMethod", am) &&
	    !json_object_set_new(doc, "alsoKnownAs", aka)) {
		vms = am = aka = NULL;
		rc = cred_dump(doc, out, e);
	} else {
		err_set(e, ERR_HOST, "registry: out of memory");
	}
	json_decref(vms);
	json_decref(am);
	json_decref(aka);
	json_decref(doc);
	return rc;
}

int registry_trust_keys(const struct registry *r, struct trust_keys *out,
			struct err *e)
{
	size_t i;

	memset(out, 0, sizeof *out);
	snprintf(out->did, sizeof out->did, "%s", r->did);
	for (i = 0; i < r->nkeys; i++) {
		struct trust_key *t;

		if (trust_keys_add_pub(out, &r->keys[i].pub, e) < 0) {
			trust_keys_release(out);
			return -1;
		}
		t = &out->v[out->n - 1];
		snprintf(t->from, sizeof t->from, "%s", r->keys[i].from);
		snprintf(t->until, sizeof t->until, "%s", r->keys[i].until);
		snprintf(t->compromised_from, sizeof t->compromised_from, "%s",
			 r->keys[i].compromised_from);
	}
	return 0;
}

json_t *registry_status_entries(const char *base_url, unsigned index)
{
	return cred_status_entries(base_url, index);
}
