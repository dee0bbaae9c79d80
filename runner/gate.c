/* gate: the deployment gate's decision; docs/credentials.md, "The
 * deployment gate: labrun gate", says what it promises. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "graders/rfc3339.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/gate.h"
#include "runner/sign.h"
#include "runner/status_list.h"
#include "runner/tarball.h"

/* ---- the credentials of a directory ---- */

int gate_add_ignored(struct gate_creds *cs, const char *file,
		     const char *reason, struct err *e)
{
	struct gate_ignored *g;

	if (cs->nignored == cs->capignored) {
		size_t cap = cs->capignored ? cs->capignored * 2 : 8;

		g = realloc(cs->ignored, cap * sizeof *g);
		if (!g)
			return err_set(e, ERR_HOST, "out of memory");
		cs->ignored = g;
		cs->capignored = cap;
	}
	g = &cs->ignored[cs->nignored];
	g->file = strdup(file);
	g->reason = strdup(reason);
	if (!g->file || !g->reason) {
		free(g->file);
		free(g->reason);
		return err_set(e, ERR_HOST, "out of memory");
	}
	cs->nignored++;
	return 0;
}

static int add_cred(struct gate_creds *cs, const char *file, struct cred *c,
		    struct err *e)
{
	char *name;

	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 8;
		struct cred *v = realloc(cs->v, cap * sizeof *v);
		char **f;

		if (!v)
			return err_set(e, ERR_HOST, "out of memory");
		cs->v = v;
		f = realloc(cs->files, cap * sizeof *f);
		if (!f)
			return err_set(e, ERR_HOST, "out of memory");
		cs->files = f;
		cs->cap = cap;
	}
	if (!(name = strdup(file)))
		return err_set(e, ERR_HOST, "out of memory");
	cs->v[cs->n] = *c;
	cs->files[cs->n++] = name;
	memset(c, 0, sizeof *c);
	return 0;
}

/* The same credential from two files (a credential and the evidence it
 * came in) counts once. */
static int have_cred(const struct gate_creds *cs, const char *id)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->v[i].id, id))
			return 1;
	return 0;
}

int gate_add_json(struct gate_creds *cs, const char *file, const void *text,
		  size_t len, const struct sign_pub *issuers, size_t n,
		  struct err *e)
{
	struct cred c = {0};
	struct err ce = {0};
	int rc;

	if (cred_read(text, len, file, issuers, n, &c, &ce) < 0)
		return ce.kind == ERR_HOST ? (*e = ce, -1)
					   : gate_add_ignored(cs, file, ce.msg, e);
	if (have_cred(cs, c.id)) {
		cred_release(&c);
		return 0;
	}
	rc = add_cred(cs, file, &c, e);
	cred_release(&c);
	return rc;
}

/* An evidence file: verified under one of the pinned keys, then its
 * credential.json, which must be the one labrun issues for its members. */
static int add_evidence(struct gate_creds *cs, const char *path,
			const struct sign_pub *issuers, size_t n, struct err *e)
{
	struct tar_list members = {0};
	const struct tar_entry *t;
	char digest[SIGN_SHA256_HEX], name[PATH_MAX + 32];
	struct err ve = {0};
	size_t k;
	int rc;

	for (k = 0; k < n; k++) {
		memset(&ve, 0, sizeof ve);
		if (ev_open(path, &issuers[k], &members, digest, &ve) == 0)
			break;
		if (ve.kind == ERR_HOST)
			break;
	}
	if (k == n || ve.kind == ERR_HOST)
		return gate_add_ignored(cs, path, ve.msg, e);
	t = tar_list_find(&members, CRED_MEMBER);
	if (!t) {
		tar_list_release(&members);
		return gate_add_ignored(cs, path, "the evidence holds no "
					"credential.json (not a pass, or sealed before "
					"labrun issued credentials)", e);
	}
	if (cred_check_evidence(&members, t->data, t->len, &issuers[k], &ve) < 0) {
		tar_list_release(&members);
		return gate_add_ignored(cs, path, ve.msg, e);
	}
	snprintf(name, sizeof name, "%s: %s", path, CRED_MEMBER);
	rc = gate_add_json(cs, name, t->data, t->len, issuers, n, e);
	tar_list_release(&members);
	return rc;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

int gate_load_dir(const char *dir, const struct sign_pub *issuers, size_t n,
		  struct gate_creds *out, struct err *e)
{
	char **names = NULL, path[PATH_MAX];
	size_t count = 0, i;
	int dfd, rc;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, ERR_HOST, errno, "--credentials %s", dir);
	rc = dir_names(dfd, GATE_MAX_FILES, &names, &count, e);
	if (rc != 0) {
		close(dfd);
		return rc < 0 ? err_wrap(e, "--credentials %s", dir)
			      : err_set(e, ERR_REFUSED, "--credentials %s: more than %d "
					"entries; hint: keep only the credentials that "
					"matter to this gate there", dir, GATE_MAX_FILES);
	}
	rc = 0;
	for (i = 0; i < count && rc == 0; i++) {
		struct buf b = BUF_INIT;
		struct err fe = {0};
		struct stat st;

		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >=
		    sizeof path)
			continue;
		out->read++;
		if (names[i][0] == '.') {
			rc = gate_add_ignored(out, path, "a hidden file: not read", e);
			continue;
		}
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			char why[256];

			snprintf(why, sizeof why, "%s", strerror(errno));
			rc = gate_add_ignored(out, path, why, e);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			rc = gate_add_ignored(out, path, S_ISDIR(st.st_mode) ?
					      "a directory: not read (the gate reads "
					      "one level)" : "not a regular file", e);
			continue;
		}
		if (!ends_with(names[i], ".json")) {
			rc = add_evidence(out, path, issuers, n, e);
			continue;
		}
		if (read_file_at(dfd, names[i], CRED_MAX_BYTES, &b, &fe) < 0)
			rc = gate_add_ignored(out, path, fe.msg, e);
		else
			rc = gate_add_json(out, path, b.data, b.len, issuers, n, e);
		buf_release(&b);
	}
	close(dfd);
	dir_names_free(names, count);
	return rc;
}

void gate_creds_release(struct gate_creds *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		cred_release(&cs->v[i]);
		free(cs->files[i]);
	}
	for (size_t i = 0; i < cs->nignored; i++) {
		free(cs->ignored[i].file);
		free(cs->ignored[i].reason);
	}
	free(cs->v);
	free(cs->files);
	free(cs->ignored);
	memset(cs, 0, sizeof *cs);
}

/* ---- one credential against the request ---- */

static int is_pseudonym(const char *s)
{
	if (strncmp(s, "c-", 2) || strlen(s) != 18)
		return 0;
	for (s += 2; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

int gate_holder_matches(const struct cred *c, const char *holder)
{
	const char *colon;

	if (!strncmp(holder, CRED_SUBJECT_PREFIX, strlen(CRED_SUBJECT_PREFIX)))
		holder += strlen(CRED_SUBJECT_PREFIX);
	if (is_pseudonym(holder))
		return !strcmp(c->subject, holder);
	colon = strchr(holder, ':');
	for (size_t i = 0; i < c->nids; i++) {
		if (cred_identity_matches(&c->ids[i], holder))
			return 1;
		if (colon && (size_t)(colon - holder) == strlen(c->ids[i].type) &&
		    !strncmp(holder, c->ids[i].type, (size_t)(colon - holder)) &&
		    cred_identity_matches(&c->ids[i], colon + 1))
			return 1;
	}
	return 0;
}

int gate_status_check(const struct cred *c, const struct gate_request *rq,
		      char *note, size_t size)
{
	const json_t *st = json_object_get(c->doc, "credentialStatus");
	const char *type = NULL;
	int offline_ok = rq->offline_status_ok, rc;

	if (rq->keys) {
		const char *created = json_string_value(
			json_object_get(json_object_get(c->doc, "proof"), "created"));
		struct err e = {0};

		if (trust_keys_check_time(rq->keys, c->issuer, created ? created : "",
					  NULL, &e) < 0) {
			snprintf(note, size, "key: %s", e.msg);
			return -1;
		}
	}
	if (st && c->status_index) {
		size_t n;

		rc = status_lists_check(rq->lists, rq->nlists, c->status_revocation,
					c->status_suspension, c->status_index, note, size);
		if (rc <= 0)
			return rc;
		n = strlen(note);
		snprintf(note + n, size - n, "%s",
			 offline_ok ? "; accepted unchecked with --offline-status-ok"
				    : "; hint: --status LIST (fetched from the credential's statusListCredential), or --offline-status-ok");
		return offline_ok ? 0 : -1;
	}
	if (!st) {
		snprintf(note, size, "status: not checked (no status list in this "
			 "credential)");
		return 0;
	}
	if (json_is_object(st))
		type = json_string_value(json_object_get(st, "type"));
	else if (json_is_array(st) && json_array_size(st))
		type = json_string_value(json_object_get(json_array_get(st, 0), "type"));
	if (offline_ok) {
		snprintf(note, size, "status: not checked (a %s entry; accepted "
			 "unchecked with --offline-status-ok)", type ? type : "credentialStatus");
		return 0;
	}
	snprintf(note, size, "status: it names a status list (%s) this labrun "
		 "cannot check offline, so its revocation is unknown; hint: "
		 "--offline-status-ok accepts it unchecked", type ? type : "credentialStatus");
	return -1;
}

/* What stands between a credential and its use, nearest first. */
enum miss {
	MISS_NONE = 0,
	MISS_LEVEL,     /* usable, but below the level asked */
	MISS_EXPIRED,
	MISS_NOT_YET,
	MISS_SUPERSEDED,
	MISS_STATUS,
};

struct cstate {
	int holder;               /* the holder's */
	enum miss time;           /* MISS_NONE, MISS_EXPIRED or MISS_NOT_YET */
	const char *superseded_by; /* the id of the credential replacing it */
	int status_ok;
	char status[600];
	int rank;                 /* level rank, -1 unknown */
	int64_t until_ms;         /* INT64_MAX when none */
};

/* A credential's time; none gives if_none, and one that does not parse
 * (cred_read refuses such a credential, so never in practice) if_bad:
 * the gate fails closed. */
static int64_t time_ms(const char *s, int64_t if_none, int64_t if_bad)
{
	int64_t ms;
	char why[128];

	if (!*s)
		return if_none;
	if (rfc3339_parse(s, strlen(s), &ms, why, sizeof why) < 0)
		return if_bad;
	return ms;
}

static void mark_superseded(const struct gate_creds *cs, struct cstate *st)
{
	for (size_t i = 0; i < cs->n; i++) {
		const json_t *ev = json_object_get(cs->v[i].doc, "evidence"), *item;
		size_t k;

		json_array_foreach(ev, k, item) {
			const char *genre = json_string_value(json_object_get(item, "genre"));
			const char *id = json_string_value(json_object_get(item, "id"));

			if (!genre || !id || strcmp(genre, "replaces"))
				continue;
			for (size_t j = 0; j < cs->n; j++)
				if (j != i && !strcmp(cs->v[j].id, id))
					st[j].superseded_by = cs->v[i].id;
		}
	}
}

static void states(const struct gate_request *rq, const struct gate_creds *cs,
		   struct cstate *st)
{
	for (size_t i = 0; i < cs->n; i++) {
		const struct cred *c = &cs->v[i];
		int64_t from = time_ms(c->valid_from, INT64_MAX, INT64_MAX);

		st[i].holder = gate_holder_matches(c, rq->holder);
		st[i].until_ms = time_ms(c->valid_until, INT64_MAX, INT64_MIN);
		st[i].time = rq->at_ms < from ? MISS_NOT_YET :
			     rq->at_ms >= st[i].until_ms ? MISS_EXPIRED : MISS_NONE;
		st[i].status_ok = gate_status_check(c, rq, st[i].status,
						    sizeof st[i].status) == 0;
		st[i].rank = policy_level_rank(c->level);
	}
	mark_superseded(cs, st);
}

static enum miss miss_of(const struct cstate *s, int level_min)
{
	if (s->time != MISS_NONE)
		return s->time;
	if (s->superseded_by)
		return MISS_SUPERSEDED;
	if (!s->status_ok)
		return MISS_STATUS;
	return s->rank < level_min ? MISS_LEVEL : MISS_NONE;
}

static int covers(const struct cred *c, const char *competency,
		  const char *program)
{
	if (program) {
		size_t n = strlen("urn:labrun:program:");

		return !strcmp(c->kind, "program") &&
		       !strncmp(c->achievement, "urn:labrun:program:", n) &&
		       !strncmp(c->achievement + n, program, strlen(program)) &&
		       c->achievement[n + strlen(program)] == ':';
	}
	for (size_t i = 0; i < c->ncompetencies; i++)
		if (!strcmp(c->competencies[i], competency))
			return 1;
	return 0;
}

static void say_miss(struct gate_req_result *q, const struct cred *c,
		     const struct cstate *s, enum miss m, int level_min)
{
	switch (m) {
	case MISS_EXPIRED:
		snprintf(q->reason, sizeof q->reason, "%s: credential %s expired "
			 "%s, renew it", q->what, c->id, c->valid_until);
		break;
	case MISS_NOT_YET:
		snprintf(q->reason, sizeof q->reason, "%s: credential %s is valid "
			 "only from %s", q->what, c->id, c->valid_from);
		break;
	case MISS_SUPERSEDED:
		snprintf(q->reason, sizeof q->reason, "%s: credential %s is "
			 "superseded by %s, which does not satisfy it", q->what,
			 c->id, s->superseded_by);
		break;
	case MISS_STATUS:
		snprintf(q->reason, sizeof q->reason, "%.200s: credential %.120s: %.460s",
			 q->what, c->id, s->status);
		break;
	case MISS_LEVEL:
		snprintf(q->reason, sizeof q->reason, "%s: credential %s is at "
			 "level %s, below %s", q->what, c->id,
			 c->level[0] ? c->level : "(none)", policy_levels[level_min]);
		break;
	case MISS_NONE:
		break;
	}
}

/* One requirement: the holder's best credential for it, or the nearest
 * miss (the lowest enum miss; among equals the one valid longest). */
static void requirement(const struct gate_creds *cs, const struct cstate *st,
			const char *competency, const char *program,
			int level_min, int level_given, struct gate_req_result *q)
{
	size_t best = (size_t)-1;
	enum miss bm = MISS_STATUS + 1;

	if (program)
		snprintf(q->what, sizeof q->what, "program %s%s%s%s", program,
			 level_given ? " at " : "",
			 level_given ? policy_levels[level_min] : "",
			 level_given ? " or above" : "");
	else
		snprintf(q->what, sizeof q->what, "competency %s at %s or above",
			 competency, policy_levels[level_min]);
	for (size_t i = 0; i < cs->n; i++) {
		enum miss m;

		if (!st[i].holder || !covers(&cs->v[i], competency, program))
			continue;
		m = miss_of(&st[i], level_min);
		/* among equal misses: one not superseded, then the one
		 * valid longest */
		if (m < bm || (m == bm && (!st[i].superseded_by - !st[best].superseded_by > 0 ||
					   (!st[i].superseded_by == !st[best].superseded_by &&
					    st[i].until_ms > st[best].until_ms)))) {
			bm = m;
			best = i;
		}
	}
	if (best == (size_t)-1) {
		snprintf(q->reason, sizeof q->reason, "%s: none for this holder",
			 q->what);
		return;
	}
	if (bm == MISS_NONE) {
		q->satisfied = 1;
		snprintf(q->by, sizeof q->by, "%s", cs->v[best].id);
		return;
	}
	say_miss(q, &cs->v[best], &st[best], bm, level_min);
}

/* Which of the request's paths or actions brings the rule in, or NULL. */
static int rule_matches(const struct policy_rule *r, const struct gate_request *rq,
			char *by, size_t size)
{
	for (size_t a = 0; a < rq->nactions; a++)
		for (size_t k = 0; k < r->nactions; k++)
			if (!strcmp(rq->actions[a], r->actions[k])) {
				snprintf(by, size, "action %s", rq->actions[a]);
				return 1;
			}
	for (size_t p = 0; p < rq->npaths; p++)
		for (size_t k = 0; k < r->npaths; k++)
			if (policy_glob_match(r->paths[k], rq->paths[p])) {
				snprintf(by, size, "path %s", rq->paths[p]);
				return 1;
			}
	return 0;
}

int gate_decide(const struct policy *p, const struct gate_request *rq,
		const struct gate_creds *cs, struct gate_result *out,
		struct err *e)
{
	struct cstate *st;

	memset(out, 0, sizeof *out);
	st = calloc(cs->n + 1, sizeof *st);
	out->rules = calloc(p->n + 1, sizeof *out->rules);
	if (!st || !out->rules) {
		free(st);
		free(out->rules);
		out->rules = NULL;
		return err_set(e, ERR_HOST, "out of memory");
	}
	states(rq, cs, st);
	out->allowed = 1;
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_rule *r = &p->rules[i];
		struct gate_rule_result *rr = &out->rules[out->n];
		size_t nreq = r->ncompetencies + r->nprograms;

		if (!rule_matches(r, rq, rr->matched_by, sizeof rr->matched_by))
			continue;
		rr->rule = r;
		rr->reqs = calloc(nreq, sizeof *rr->reqs);
		if (!rr->reqs) {
			free(st);
			gate_result_release(out);
			return err_set(e, ERR_HOST, "out of memory");
		}
		out->n++;
		rr->nreqs = nreq;
		rr->satisfied = 1;
		for (size_t k = 0; k < nreq; k++) {
			struct gate_req_result *q = &rr->reqs[k];

			if (k < r->ncompetencies)
				requirement(cs, st, r->competencies[k], NULL,
					    r->level_min, 1, q);
			else
				requirement(cs, st, NULL,
					    r->programs[k - r->ncompetencies],
					    r->level_min, r->level_given, q);
			rr->satisfied &= q->satisfied;
		}
		out->allowed &= rr->satisfied;
	}
	free(st);
	return 0;
}

void gate_result_release(struct gate_result *r)
{
	for (size_t i = 0; r->rules && i < r->n; i++)
		free(r->rules[i].reqs);
	free(r->rules);
	memset(r, 0, sizeof *r);
}

/* ---- output ---- */

static void at_text(int64_t ms, char out[RFC3339_TEXT_MAX])
{
	time_rfc3339(ms / 1000 - (ms % 1000 < 0), out);
}

/* The rule's reason: its unmet requirements' reasons, "; " between. */
static int rule_reason(const struct gate_rule_result *rr, struct buf *b,
		       struct err *e)
{
	int first = 1;

	for (size_t k = 0; k < rr->nreqs; k++) {
		if (rr->reqs[k].satisfied)
			continue;
		if (buf_printf(b, e, "%s%s", first ? "" : "; ", rr->reqs[k].reason) < 0)
			return -1;
		first = 0;
	}
	return 0;
}

#define SET(o, k, v) (json_object_set_new((o), (k), (v)) < 0)

static json_t *rule_json(const struct gate_rule_result *rr)
{
	json_t *o = json_object(), *reqs = json_array();
	struct buf reason = BUF_INIT;
	struct err e = {0};
	const char *by = NULL;
	int bad;

	for (size_t k = 0; k < rr->nreqs; k++) {
		const struct gate_req_result *q = &rr->reqs[k];
		json_t *qo = json_object();

		if (q->satisfied && !by)
			by = q->by;
		if (!qo || SET(qo, "requirement", json_string(q->what)) ||
		    SET(qo, "satisfied", json_boolean(q->satisfied)) ||
		    SET(qo, "by", q->satisfied ? json_string(q->by) : json_null()) ||
		    SET(qo, "reason", q->satisfied ? json_null() : json_string(q->reason)) ||
		    json_array_append_new(reqs, qo) < 0) {
			json_decref(qo);
			goto fail;
		}
	}
	if (rule_reason(rr, &reason, &e) < 0)
		goto fail;
	bad = !o || !reqs || SET(o, "rule", json_string(rr->rule->name)) ||
	      SET(o, "matched_by", json_string(rr->matched_by)) ||
	      SET(o, "satisfied", json_boolean(rr->satisfied)) ||
	      SET(o, "by", rr->satisfied ? json_string(by) : json_null()) ||
	      SET(o, "reason", rr->satisfied ? json_null() :
			       json_string((const char *)reason.data)) ||
	      SET(o, "requirements", reqs);
	buf_release(&reason);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	buf_release(&reason);
	json_decref(reqs);
	json_decref(o);
	return NULL;
}

int gate_result_json(const struct gate_request *rq, const struct gate_creds *cs,
		     const struct gate_result *r, struct buf *out,
		     struct err *e)
{
	json_t *root = json_object(), *rules = json_array(), *creds = json_object(),
	       *ign = json_array();
	char at[RFC3339_TEXT_MAX];
	char *text = NULL;
	int bad = !root || !rules || !creds || !ign;

	at_text(rq->at_ms, at);
	for (size_t i = 0; !bad && i < r->n; i++) {
		json_t *o = rule_json(&r->rules[i]);

		bad = !o || json_array_append_new(rules, o) < 0;
	}
	for (size_t i = 0; !bad && i < cs->nignored; i++) {
		json_t *o = json_object();

		bad = !o || SET(o, "file", json_string(cs->ignored[i].file)) ||
		      SET(o, "reason", json_string(cs->ignored[i].reason)) ||
		      json_array_append_new(ign, o) < 0;
	}
	bad = bad || SET(creds, "read", json_integer((json_int_t)cs->read)) ||
	      SET(creds, "valid", json_integer((json_int_t)cs->n)) ||
	      SET(creds, "ignored", json_incref(ign)) ||
	      SET(root, "allowed", json_boolean(r->allowed)) ||
	      SET(root, "holder", json_string(rq->holder)) ||
	      SET(root, "at", json_string(at)) ||
	      SET(root, "rules", json_incref(rules)) ||
	      SET(root, "credentials", json_incref(creds));
	if (!bad)
		text = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII |
				  JSON_PRESERVE_ORDER);
	json_decref(root);
	json_decref(rules);
	json_decref(creds);
	json_decref(ign);
	if (!text)
		return err_set(e, ERR_HOST, "out of memory writing the JSON");
	bad = buf_puts(out, text, e) < 0 || buf_puts(out, "\n", e) < 0;
	free(text);
	return bad ? -1 : 0;
}

/* Text from a path or a file name, one line whatever it holds: control
 * bytes become \xNN (the terminal's own escaping, cmd_write, lets a
 * newline through, and a path must not forge a line of the verdict). */
static int put_line_safe(struct buf *out, const char *s, struct err *e)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int rc = ch < 0x20 || ch == 0x7f ? buf_printf(out, e, "\\x%02x", ch)
						 : buf_append(out, s, 1, e);

		if (rc < 0)
			return -1;
	}
	return 0;
}

int gate_result_text(const struct gate_request *rq, const struct gate_creds *cs,
		     const struct gate_result *r, struct buf *out,
		     struct err *e)
{
	char at[RFC3339_TEXT_MAX];

	at_text(rq->at_ms, at);
	if (buf_printf(out, e, "%s: holder %s at %s: %zu rule%s appl%s\n",
		       r->allowed ? "allowed" : "refused", rq->holder, at, r->n,
		       r->n == 1 ? "" : "s", r->n == 1 ? "ies" : "y") < 0)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct gate_rule_result *rr = &r->rules[i];

		if (buf_printf(out, e, "  rule %s (", rr->rule->name) < 0 ||
		    put_line_safe(out, rr->matched_by, e) < 0 ||
		    buf_puts(out, "): ", e) < 0)
			return -1;
		if (rr->satisfied) {
			for (size_t k = 0; k < rr->nreqs; k++)
				if (buf_printf(out, e, "%s%s by %s", k ? "; " : "",
					       rr->reqs[k].what, rr->reqs[k].by) < 0)
					return -1;
		} else if (buf_puts(out, "refused: ", e) < 0 ||
			   rule_reason(rr, out, e) < 0) {
			return -1;
		}
		if (buf_puts(out, "\n", e) < 0)
			return -1;
	}
	for (size_t i = 0; i < cs->nignored; i++)
		if (buf_puts(out, "  ignored ", e) < 0 ||
		    put_line_safe(out, cs->ignored[i].file, e) < 0 ||
		    buf_puts(out, ": ", e) < 0 ||
		    put_line_safe(out, cs->ignored[i].reason, e) < 0 ||
		    buf_puts(out, "\n", e) < 0)
			return -1;
	return buf_printf(out, e, "  credentials: %zu file%s read, %zu valid, %zu "
			  "ignored\n", cs->read, cs->read == 1 ? "" : "s", cs->n,
			  cs->nignored);
}
