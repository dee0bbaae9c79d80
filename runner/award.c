/* award: the pieces presented for a program checked, and the program
 * credential issued (award.h; docs/credentials.md, "Programs and ladders:
 * labrun award"). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "graders/rfc3339.h"
#include "runner/registry.h"
#include "runner/award.h"
#include "runner/credential.h"
#include "runner/evidence.h"
#include "runner/jcs.h"
#include "runner/tarball.h"

/* One piece as read and checked. */
struct piece {
	struct program_piece pc;
	struct cred cred;          /* the scenario credential, or the program's */
	int have_cred;
	char digest[SIGN_SHA256_HEX]; /* attempts: the evidence file's */
	unsigned attempt;
};

/* The time of s (RFC 3339) in seconds; -1 when it is not one. */
static int when(const char *s, int64_t *out)
{
	char why[120];
	int64_t ms;

	if (rfc3339_parse(s, strlen(s), &ms, why, sizeof why) < 0)
		return -1;
	*out = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	return 0;
}

/* Is the piece valid at o->at?  0 yes, 1 no (said in why). */
static int check_dates(const struct award_opts *o, const char *file,
		       const char *what, const struct cred *c, struct buf *why,
		       struct err *e)
{
	int64_t t;

	if (when(c->valid_from, &t) < 0)
		return buf_printf(why, e, "%s %s: validFrom \"%s\" is not an RFC 3339 time\n",
				  what, file, c->valid_from) < 0 ? -1 : 1;
	if (t > o->at)
		return buf_printf(why, e, "%s %s is not valid before %s (the award is at an earlier time; hint: --at)\n",
				  what, file, c->valid_from) < 0 ? -1 : 1;
	if (!c->valid_until[0])
		return 0;
	if (when(c->valid_until, &t) < 0)
		return buf_printf(why, e, "%s %s: validUntil \"%s\" is not an RFC 3339 time\n",
				  what, file, c->valid_until) < 0 ? -1 : 1;
	if (t <= o->at)
		return buf_printf(why, e, "%s %s expired %s; hint: %s\n", what, file,
				  c->valid_until,
				  !strcmp(what, "evidence")
				  ? "renew the attempt (labrun recert, labrun batch) and award again"
				  : "award that program again on renewed evidence") < 0 ? -1 : 1;
	return 0;
}

/* A refusal of the piece's own checks (e's message) into why; -1 for a
 * host failure. */
static int refused(struct buf *why, const struct err *pe, struct err *e)
{
	if (pe->kind != ERR_REFUSED && pe->kind != ERR_USAGE) {
		*e = *pe;
		return -1;
	}
	return buf_printf(why, e, "%s\n", pe->msg) < 0 ? -1 : 1;
}

static int read_evidence(const struct award_opts *o, const char *file,
			 struct piece *p, struct buf *why, struct err *e)
{
	struct tar_list m = {NULL, 0, 0};
	struct ev_recorded rec;
	const struct tar_entry *t;
	char name[4200], contents[65];
	struct err pe = {0};
	int rc;

	memset(&rec, 0, sizeof rec);
	if (ev_open(file, o->issuer, &m, p->digest, &pe) < 0)
		return refused(why, &pe, e);
	if (ev_recorded_load(&m, &rec, &pe) < 0) {
		rc = refused(why, &pe, e);
		goto out;
	}
	if (strcmp(rec.verdict, "pass")) {
		rc = buf_printf(why, e, "evidence %s is a%s %s (scenario %s %s, score %u.%u%%): only a pass counts\n",
				file, strcmp(rec.verdict, "error") ? "" : "n",
				rec.verdict, rec.scenario_id, rec.scenario_version,
				rec.score / 10, rec.score % 10) < 0 ? -1 : 1;
		goto out;
	}
	t = tar_list_find(&m, CRED_MEMBER);
	if (!t) {
		rc = buf_printf(why, e, "evidence %s: no %s in it; hint: evidence written before labrun issued credentials: renew it (labrun recert) and award again\n",
				file, CRED_MEMBER) < 0 ? -1 : 1;
		goto out;
	}
	snprintf(name, sizeof name, "%s: %s", file, CRED_MEMBER);
	if (cred_read(t->data, t->len, name, o->issuer, 1, &p->cred, &pe) < 0) {
		rc = refused(why, &pe, e);
		goto out;
	}
	p->have_cred = 1;
	if (cred_contents_hex(&m, contents, &pe) < 0) {
		rc = refused(why, &pe, e);
		goto out;
	}
	if (strcmp(p->cred.kind, "scenario") ||
	    strncmp(p->cred.contents, "sha256:", 7) ||
	    strcmp(p->cred.contents + 7, contents) ||
	    strcmp(p->cred.subject, rec.candidate)) {
		rc = buf_printf(why, e, "evidence %s: its %s is not the scenario credential of this attempt (kind, contents or holder differ)\n",
				file, CRED_MEMBER) < 0 ? -1 : 1;
		goto out;
	}
	rc = check_dates(o, file, "evidence", &p->cred, why, e);
	if (rc)
		goto out;
	p->pc.kind = PROGRAM_PIECE_ATTEMPT;
	snprintf(p->pc.id, sizeof p->pc.id, "%.63s", rec.scenario_id);
	snprintf(p->pc.version, sizeof p->pc.version, "%s", rec.scenario_version);
	p->pc.level = program_level_rank(p->cred.level);
	p->pc.competencies = p->cred.competencies;
	p->pc.ncompetencies = p->cred.ncompetencies;
	p->attempt = rec.attempt;
out:
	ev_recorded_release(&rec);
	tar_list_release(&m);
	return rc;
}

static int read_credential(const struct award_opts *o, const char *file,
			   struct piece *p, struct buf *why, struct err *e)
{
	struct buf text = BUF_INIT;
	struct err pe = {0};
	int rc;

	if (read_file_bounded(file, CRED_MAX_BYTES, &text, &pe) < 0)
		return refused(why, &pe, e);
	rc = cred_read(text.data, text.len, file, o->issuer, 1, &p->cred, &pe);
	buf_release(&text);
	if (rc < 0)
		return refused(why, &pe, e);
	p->have_cred = 1;
	if (strcmp(p->cred.kind, "program"))
		return buf_printf(why, e, "%s: a scenario credential; hint: give the evidence file it came from: labrun award checks the attempt itself\n",
				  file) < 0 ? -1 : 1;
	if (program_achievement_split(p->cred.achievement, p->pc.id,
				      p->pc.version) < 0)
		return buf_printf(why, e, "%s: achievement \"%s\" is not a program's\n",
				  file, p->cred.achievement) < 0 ? -1 : 1;
	rc = check_dates(o, file, "credential", &p->cred, why, e);
	if (rc)
		return rc;
	p->pc.kind = PROGRAM_PIECE_PROGRAM;
	p->pc.level = program_level_rank(p->cred.level);
	return 0;
}

/* A credential is JSON (an object); anything else is taken for evidence,
 * whose own checks say what is wrong with it. */
static int looks_like_json(const char *file)
{
	char head[64];
	ssize_t n;
	int fd, i;

	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof head);
	close(fd);
	for (i = 0; i < n; i++)
		if (head[i] != ' ' && head[i] != '\n' && head[i] != '\t' &&
		    head[i] != '\r')
			return head[i] == '{';
	return 0;
}

/* Same holder for every piece: the same pseudonym, or with --holder a
 * hashed identifier of each that matches it. */
static int check_holder(const struct award_opts *o, struct piece *p, size_t n,
			const char *type, const char *value, struct buf *why,
			struct err *e)
{
	size_t i, k;
	int no = 0;

	for (i = 0; i < n; i++) {
		if (!type) {
			if (strcmp(p[i].cred.subject, p[0].cred.subject) &&
			    buf_printf(why, e, "%s: holder %s is not the holder of %s (%s); hint: award one holder's pieces at a time, or match them by identifier with --holder TYPE:VALUE\n",
				       o->files[i], p[i].cred.subject, o->files[0],
				       p[0].cred.subject) < 0)
				return -1;
			no |= strcmp(p[i].cred.subject, p[0].cred.subject) != 0;
			continue;
		}
		for (k = 0; k < p[i].cred.nids; k++)
			if (!strcmp(p[i].cred.ids[k].type, type) &&
			    cred_identity_matches(&p[i].cred.ids[k], value) == 1)
				break;
		if (k == p[i].cred.nids) {
			no = 1;
			if (buf_printf(why, e, "%s: no %s identifier of its holder (%s) matches --holder; hint: a piece of another holder, or one issued without --identifier %s:...\n",
				       o->files[i], type, p[i].cred.subject, type) < 0)
				return -1;
		}
	}
	return no;
}

int award_valid_until(int64_t from, unsigned valid_for_days,
		      const char *const *until, size_t n, char out[32])
{
	int64_t end = from + (int64_t)valid_for_days * 86400, t;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!until[i] || !until[i][0])
			continue;
		if (when(until[i], &t) < 0)
			return -1;
		if (t < end)
			end = t;
	}
	time_rfc3339(end, out);
	return 0;
}

/* ---- the credential ---- */

static json_t *strs(const char *a, const char *b)
{
	json_t *v = json_array();

	if (v && a)
		json_array_append_new(v, json_string(a));
	if (v && b)
		json_array_append_new(v, json_string(b));
	return v;
}

static int add(json_t *o, const char *key, json_t *v)
{
	return !v || json_object_set_new(o, key, v) < 0 ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The competencies the attempts that counted show, sorted, once each. */
static json_t *competencies(const struct piece *p, size_t n, int tags,
			    const struct program *pg)
{
	const char **v;
	size_t i, k, nv = 0, total = 0;
	json_t *out = json_array(), *a;
	char buf[160];

	for (i = 0; i < n; i++)
		if (p[i].pc.kind == PROGRAM_PIECE_ATTEMPT)
			total += p[i].pc.ncompetencies;
	v = calloc(total + 1, sizeof *v);
	if (!v || !out) {
		free(v);
		json_decref(out);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (p[i].pc.kind == PROGRAM_PIECE_ATTEMPT)
			for (k = 0; k < p[i].pc.ncompetencies; k++)
				v[nv++] = p[i].pc.competencies[k];
	qsort(v, nv, sizeof *v, cmp_str);
	if (tags) {
		snprintf(buf, sizeof buf, "level:%s", program_level_name(pg->level));
		json_array_append_new(out, json_string(buf));
	}
	for (i = 0; i < nv; i++) {
		if (i && !strcmp(v[i], v[i - 1]))
			continue;
		if (tags) {
			snprintf(buf, sizeof buf, "competency:%s", v[i]);
			json_array_append_new(out, json_string(buf));
			continue;
		}
		snprintf(buf, sizeof buf, "urn:labrun:competency:%s", v[i]);
		a = json_pack("{s:[s],s:s,s:s,s:s,s:s,s:s}", "type", "Alignment",
			      "targetName", v[i], "targetType", "ceasn:Competency",
			      "targetFramework", "labrun competencies",
			      "targetCode", v[i], "targetUrl", buf);
		if (!a || json_array_append_new(out, a) < 0) {
			json_decref(out);
			out = NULL;
			break;
		}
	}
	free(v);
	return out;
}

/* "Pass 2 of: scenario a, scenario b, ...; and hold the program
 * credential of: x." */
static json_t *narrative(const struct program *pg)
{
	struct buf b = BUF_INIT;
	struct err e = {0};
	json_t *v = NULL;
	size_t i;
	int bad;

	bad = buf_printf(&b, &e, "Pass the hands-on exams of %s%u of: ",
			 pg->count == pg->nitems ? "all " : "", pg->count) < 0;
	for (i = 0; i < pg->nitems && !bad; i++) {
		const struct program_item *it = &pg->items[i];

		bad = (it->kind == PROGRAM_SCENARIO
		       ? buf_printf(&b, &e, "%sscenario %s%s%s", i ? ", " : "", it->id,
				    it->min_version[0] ? " " : "",
				    it->min_version[0] ? it->min_version : "")
		       : buf_printf(&b, &e, "%sa scenario at %s level or above testing competency %s",
				    i ? ", " : "", program_level_name(it->min_level),
				    it->id)) < 0;
	}
	for (i = 0; i < pg->nprereqs && !bad; i++)
		bad = buf_printf(&b, &e, "%s%s", i ? ", " : "; and hold the program credential of: ",
				 pg->prereqs[i]) < 0;
	if (!bad && buf_puts(&b, ".", &e) == 0)
		v = json_string((const char *)b.data);
	buf_release(&b);
	return v;
}

static json_t *evidence_list(const struct piece *p, size_t n)
{
	json_t *out = json_array(), *x;
	char id[120], name[400];
	size_t i;

	for (i = 0; out && i < n; i++) {
		const struct cred *c = &p[i].cred;

		if (p[i].pc.kind == PROGRAM_PIECE_ATTEMPT) {
			snprintf(id, sizeof id, "urn:labrun:evidence:sha256:%s", p[i].digest);
			snprintf(name, sizeof name, "%s %s, attempt %u, pass %s%%",
				 p[i].pc.id, p[i].pc.version, p[i].attempt, c->score);
			x = json_pack("{s:s,s:[s],s:s,s:s,s:s}", "id", id, "type",
				      "Evidence", "genre", "labrun evidence", "name", name,
				      "description",
				      "The signed labrun evidence file of this attempt: the hex is the SHA-256 of the file.");
			if (!x || json_array_append_new(out, x) < 0)
				goto fail;
			snprintf(name, sizeof name, "Scenario credential: %s", c->achievement_name);
		} else {
			snprintf(name, sizeof name, "Program credential: %s %s",
				 c->achievement_name, p[i].pc.version);
		}
		x = json_pack("{s:s,s:[s],s:s,s:s,s:s}", "id", c->id, "type",
			      "Evidence", "genre", "credential", "name", name,
			      "description",
			      p[i].pc.kind == PROGRAM_PIECE_ATTEMPT
			      ? "The scenario credential (credential.json) of that attempt."
			      : "A prerequisite program's credential it rests on.");
		if (!x || json_array_append_new(out, x) < 0)
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

struct issue {
	const struct award_opts *o;
	struct piece *p;
	size_t n;
	const char *subject;
	const struct cred_identity *identity; /* NULL none */
	char from[32], until[32];
};

static json_t *subject(const struct issue *is)
{
	const struct program *pg = is->o->pg;
	char id[200], pid[300];
	json_t *s, *a, *ids;

	snprintf(id, sizeof id, "%s%s", CRED_SUBJECT_PREFIX, is->subject);
	snprintf(pid, sizeof pid, "urn:labrun:program:%s:%s", pg->id, pg->version);
	a = json_pack("{s:s,s:[s],s:s,s:s,s:s,s:s}", "id", pid, "type",
		      "Achievement", "achievementType", "Certification", "name",
		      pg->name, "description", pg->description, "version",
		      pg->version);
	s = json_pack("{s:s,s:[s]}", "id", id, "type", "AchievementSubject");
	if (!a || !s || add(a, "criteria", json_pack("{s:o*}", "narrative", narrative(pg))) ||
	    add(a, "tag", competencies(is->p, is->n, 1, pg)) ||
	    add(a, "alignment", competencies(is->p, is->n, 0, pg)))
		goto fail;
	if (is->identity) {
		ids = json_pack("[{s:s,s:s,s:b,s:s,s:s}]", "type", "IdentityObject",
				"identityType", is->identity->type, "hashed", 1,
				"salt", is->identity->salt, "identityHash",
				is->identity->hash);
		if (add(s, "identifier", ids))
			goto fail;
	}
	if (add(s, "achievement", a) == 0)
		return s;
	a = NULL;
fail:
	json_decref(a);
	json_decref(s);
	return NULL;
}

/* A status index from the registry for the credential doc (its subject
 * and achievement already in it), and its credentialStatus. */
static int add_status(const struct award_opts *o, json_t *doc,
		      unsigned *index, struct err *e)
{
	const json_t *subj = json_object_get(doc, "credentialSubject");
	const char *sid = json_string_value(json_object_get(subj, "id"));
	const char *ach = json_string_value(
		json_object_get(json_object_get(subj, "achievement"), "id"));
	struct registry *r = NULL;
	json_t *st;

	if (registry_open(o->registry, &r, e) < 0)
		return -1;
	if (registry_allocate(o->registry, o->key,
			      sid && strlen(sid) > strlen(CRED_SUBJECT_PREFIX)
				      ? sid + strlen(CRED_SUBJECT_PREFIX) : "?",
			      ach ? ach : "?", index, e) < 0) {
		registry_close(r);
		return -1;
	}
	st = cred_status_entries(registry_base_url(r), *index);
	registry_close(r);
	if (add(doc, "credentialStatus", st))
		return err_set(e, ERR_HOST, "out of memory");
	return 0;
}

static int build(const struct issue *is, struct buf *out, struct err *e)
{
	const struct award_opts *o = is->o;
	struct buf canon = BUF_INIT;
	struct err pe = {0};
	struct cred back;
	struct sign_pub pub;
	char did[CRED_DID_MAX], kid[17], iname[64], hex[SIGN_SHA256_HEX], id[120];
	unsigned index = 0;
	json_t *doc;
	int rc = -1;

	sign_sec_pub(o->key, &pub);
	sign_keyid_hex(&pub, kid);
	snprintf(iname, sizeof iname, "labrun issuer %s", kid);
	if (cred_did_key(pub.pk, did) < 0)
		return err_set(e, ERR_BUG, "cannot name the issuer key as a did:key");
	doc = json_pack("{s:o,s:o,s:s,s:{s:s,s:[s],s:s},s:s,s:s}",
			"@context", strs(CRED_CONTEXT_VC, CRED_CONTEXT_OB),
			"type", strs("VerifiableCredential", "OpenBadgeCredential"),
			"name", o->pg->name,
			"issuer", "id", did, "type", "Profile", "name", iname,
			"validFrom", is->from, "validUntil", is->until);
	if (!doc || add(doc, "credentialSubject", subject(is)) ||
	    add(doc, "evidence", evidence_list(is->p, is->n))) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	/* with a registry: the index is allocated (logged) before the
	 * credential exists, and its credentialStatus is part of what the
	 * id hashes */
	if (o->registry && add_status(o, doc, &index, e) < 0)
		goto out;
	/* the id: SHA-256 of the JCS of the document without id and proof */
	if (jcs_write(doc, "the program credential", &canon, e) < 0)
		goto out;
	sha256_hex(canon.data, canon.len, hex);
	snprintf(id, sizeof id, "%s%s", CRED_ID_PREFIX, hex);
	if (add(doc, "id", json_string(id))) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	if (cred_sign(doc, o->key, is->from, e) < 0 || cred_dump(doc, out, e) < 0)
		goto out;
	if (index && registry_bind(o->registry, o->key, index, id, e) < 0)
		goto out;
	/* read back as show and gate will: a credential labrun could not
	 * read is never written */
	memset(&back, 0, sizeof back);
	if (cred_read(out->data, out->len, "the new credential", &pub, 1, &back,
		      &pe) < 0 || strcmp(back.kind, "program") ||
	    strcmp(back.id, id)) {
		err_set(e, ERR_BUG, "the program credential does not read back: %s",
			pe.msg[0] ? pe.msg : "another kind or id");
		cred_release(&back);
		goto out;
	}
	cred_release(&back);
	rc = 0;
out:
	buf_release(&canon);
	json_decref(doc);
	return rc;
}

/* Two pieces that are the same file's: one counts. */
static int repeated(const struct award_opts *o, const struct piece *p,
		    size_t n, struct buf *why, struct err *e)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(p[i].cred.id, p[j].cred.id))
				return buf_printf(why, e, "%s: the same %s as %s; hint: name each once\n",
						  o->files[i],
						  p[i].pc.kind == PROGRAM_PIECE_ATTEMPT
						  ? "attempt" : "credential",
						  o->files[j]) < 0 ? -1 : 1;
	return 0;
}

/* The subject of the new credential: the pieces' pseudonym when they
 * share one; else (their holder matched by --holder) a pseudonym the
 * issuer key derives from the identifier, the same for the same holder
 * and issuer every time. */
static int pick_subject(const struct award_opts *o, const struct piece *p,
			size_t n, char out[20])
{
	unsigned char h[8];
	size_t i;

	for (i = 1; i < n && !strcmp(p[i].cred.subject, p[0].cred.subject); i++)
		;
	if (i == n) {
		snprintf(out, 20, "%.19s", p[0].cred.subject);
		return 0;
	}
	if (sign_keyed_hash(o->key, "labrun award holder pseudonym", o->holder,
			    strlen(o->holder), h, 16) < 0)
		return -1;
	memcpy(out, "c-", 2);
	hex_encode(h, 8, out + 2);
	return 0;
}

static int issue(const struct award_opts *o, struct piece *p, size_t n,
		 const char *type, const char *value, struct buf *out,
		 struct err *e)
{
	struct cred_identity fresh;
	struct issue is;
	const char **until;
	char subj[20];
	size_t i;
	int rc;

	memset(&is, 0, sizeof is);
	is.o = o;
	is.p = p;
	is.n = n;
	until = calloc(n + 1, sizeof *until);
	if (!until)
		return err_set(e, ERR_HOST, "out of memory");
	for (i = 0; i < n; i++)
		until[i] = p[i].cred.valid_until;
	time_rfc3339(o->at, is.from);
	rc = award_valid_until(o->at, o->pg->valid_for_days, until, n, is.until);
	free(until);
	if (rc < 0)
		return err_set(e, ERR_BUG, "a validUntil read once is no longer a time");
	if (pick_subject(o, p, n, subj) < 0)
		return err_set(e, ERR_HOST, "cannot derive the holder's pseudonym");
	is.subject = subj;
	if (type) {
		if (cred_identity_make(type, value, &fresh, e) < 0)
			return -1;
		is.identity = &fresh;
	}
	return build(&is, out, e);
}

/* --holder TYPE:VALUE split (the value points into o->holder). */
static int holder_split(const struct award_opts *o, char type[32],
			const char **value, struct err *e)
{
	const char *colon = strchr(o->holder, ':');
	size_t n = colon ? (size_t)(colon - o->holder) : 0;

	if (!colon || n == 0 || n >= 32 || !colon[1])
		return err_set(e, ERR_USAGE,
			       "--holder %s: want TYPE:VALUE, such as emailAddress:ada@example.org; hint: TYPE is one of %s",
			       o->holder, CRED_IDENTITY_TYPES);
	memcpy(type, o->holder, n);
	type[n] = 0;
	if (!cred_identity_type_known(type))
		return err_set(e, ERR_USAGE, "--holder: \"%s\" is not an identity type labrun knows; hint: one of %s",
			       type, CRED_IDENTITY_TYPES);
	*value = colon + 1;
	return 0;
}

int award_issue(const struct award_opts *o, struct buf *out, struct buf *why,
		struct err *e)
{
	struct program_piece *pcs;
	struct piece *p;
	char type[32];
	const char *value = NULL;
	size_t i;
	int rc = 0, r;

	if (o->holder && holder_split(o, type, &value, e) < 0)
		return -1;
	p = calloc(o->nfiles + 1, sizeof *p);
	if (!p)
		return err_set(e, ERR_HOST, "out of memory");
	for (i = 0; i < o->nfiles; i++) {
		p[i].pc.file = o->files[i];
		r = looks_like_json(o->files[i])
		    ? read_credential(o, o->files[i], &p[i], why, e)
		    : read_evidence(o, o->files[i], &p[i], why, e);
		if (r < 0) {
			rc = -1;
			goto out;
		}
		rc |= r;
	}
	/* every piece is checked and every refusal said before deciding */
	if (rc)
		goto out;
	if ((rc = repeated(o, p, o->nfiles, why, e)) != 0 ||
	    (rc = check_holder(o, p, o->nfiles, o->holder ? type : NULL, value,
			       why, e)) != 0)
		goto out;
	pcs = calloc(o->nfiles + 1, sizeof *pcs);
	if (!pcs) {
		rc = err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < o->nfiles; i++)
		pcs[i] = p[i].pc;
	rc = program_meets(o->pg, pcs, o->nfiles, why, e);
	free(pcs);
	if (rc == 0)
		rc = issue(o, p, o->nfiles, o->holder ? type : NULL, value, out, e);
out:
	for (i = 0; i < o->nfiles; i++)
		if (p[i].have_cred)
			cred_release(&p[i].cred);
	free(p);
	return rc;
}
