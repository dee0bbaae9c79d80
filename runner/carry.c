/* carry: a renewal's knowledge checks carried over from the evidence it
 * renews (see carry.h).  jansson is used here to read the old result.json
 * and not exposed.  It does not decide the verdict and does not print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "graders/grader.h"
#include "runner/carry.h"
#include "runner/evidence.h"
#include "runner/tarball.h"

#define CUT_MARK " [cut]" /* as lab.check ends a message it cut */

void carry_source_release(struct carry_source *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].message);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static const char *str_of(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

static int uint_of(const json_t *o, const char *k, unsigned *out)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > CHECK_MAX_WEIGHT)
		return -1;
	*out = (unsigned)json_integer_value(v);
	return 0;
}

int carry_source_load(const struct tar_list *members, const char *digest_hex,
		      unsigned recorded_hints, struct carry_source *s,
		      struct err *e)
{
	const struct tar_entry *m = tar_list_find(members, "result.json");
	json_t *res = NULL, *checks, *c, *carry;
	unsigned extra = 0;
	size_t i;
	int rc = -1;

	memset(s, 0, sizeof *s);
	if (!m)
		return err_set(e, ERR_REFUSED, "result.json: missing");
	res = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, NULL);
	checks = json_object_get(res, "checks");
	if (!json_is_array(checks)) {
		err_set(e, ERR_REFUSED, "result.json: no checks as labrun writes them");
		goto out;
	}
	if (json_array_size(checks) > GRADER_MAX_CHECKS) {
		err_set(e, ERR_REFUSED, "result.json: more than %d checks", GRADER_MAX_CHECKS);
		goto out;
	}
	/* a renewal carries the hints of the attempt it renewed in turn */
	carry = json_object_get(res, "carry");
	if (json_is_object(carry) && uint_of(carry, "hint_points", &extra) < 0) {
		err_set(e, ERR_REFUSED, "result.json: $.carry.hint_points: not thousandths");
		goto out;
	}
	s->v = calloc(json_array_size(checks) + 1, sizeof *s->v);
	if (!s->v) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	json_array_foreach(checks, i, c) {
		struct carry_check *k = &s->v[s->n];
		const char *id = str_of(c, "id"), *st = str_of(c, "status");

		if (!*id || strlen(id) >= sizeof k->id ||
		    (strcmp(st, "pass") && strcmp(st, "fail") && strcmp(st, "error")) ||
		    uint_of(c, "points", &k->points) < 0 ||
		    uint_of(c, "weight", &k->weight) < 0) {
			err_set(e, ERR_REFUSED, "result.json: $.checks[%zu]: not a check labrun writes", i);
			goto out;
		}
		snprintf(k->id, sizeof k->id, "%s", id);
		snprintf(k->status, sizeof k->status, "%s", st);
		k->message = strdup(str_of(c, "message"));
		if (!k->message) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
		s->n++;
	}
	snprintf(s->from, sizeof s->from, "sha256:%s", digest_hex);
	s->hint_points = recorded_hints + extra;
	rc = 0;
out:
	json_decref(res);
	if (rc < 0)
		carry_source_release(s);
	return rc;
}

int carry_source_renewed(const struct tar_list *members, struct carry_source *s,
			 struct err *e)
{
	const struct tar_entry *m = tar_list_find(members, "result.json");
	json_t *res;
	const char *from;
	char hex[SIGN_SHA256_HEX];
	int rc;

	memset(s, 0, sizeof *s);
	res = m ? json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	from = json_string_value(json_object_get(json_object_get(res, "carry"), "from"));
	if (!from) {
		json_decref(res);
		return 0;
	}
	if (strlen(from) != 7 + SIGN_SHA256_HEX - 1 || strncmp(from, "sha256:", 7)) {
		json_decref(res);
		return err_set(e, ERR_REFUSED, "result.json: $.carry.from: not sha256:HEX");
	}
	snprintf(hex, sizeof hex, "%s", from + 7);
	json_decref(res);
	/* its own hints are the regrade's to count; those it carried, here */
	rc = carry_source_load(members, hex, 0, s, e);
	return rc;
}

static const struct carry_check *find(const struct carry_source *s, const char *id)
{
	size_t i;

	for (i = 0; s && i < s->n; i++)
		if (!strcmp(s->v[i].id, id))
			return &s->v[i];
	return NULL;
}

int carry_source_has(const struct carry_source *s, const char *id)
{
	return find(s, id) != NULL;
}

/* "PREFIX: MESSAGE" within CHECK_MAX_MESSAGE bytes, cut at a character
 * boundary and marked as lab.check marks a cut. */
static char *prefixed(const char *prefix, const char *msg)
{
	size_t np = strlen(prefix), nm = strlen(msg), n;
	char *out;

	n = np + (nm ? 2 + nm : 0);
	out = malloc(n + sizeof CUT_MARK);
	if (!out)
		return NULL;
	snprintf(out, n + 1, "%s%s%s", prefix, nm ? ": " : "", msg);
	if (n <= CHECK_MAX_MESSAGE)
		return out;
	n = CHECK_MAX_MESSAGE - (sizeof CUT_MARK - 1);
	while (n && ((unsigned char)out[n] & 0xC0) == 0x80)
		n--; /* out[n] starts a character: cut before it */
	memcpy(out + n, CUT_MARK, sizeof CUT_MARK);
	return out;
}

/* A message without the mark of an earlier carry (a renewal of a
 * renewal, a regrade of one): the mark is made again, once. */
static const char *bare_message(const char *m)
{
	static const char mark[] = "carried from sha256:";
	size_t n = sizeof mark - 1 + SIGN_SHA256_HEX - 1;

	if (strncmp(m, mark, sizeof mark - 1) || strlen(m) < n)
		return m;
	m += n;
	return !strncmp(m, ": ", 2) ? m + 2 : m;
}

static enum check_status status_of(const char *s)
{
	return !strcmp(s, "pass") ? CHECK_PASS : !strcmp(s, "fail") ? CHECK_FAIL : CHECK_ERROR;
}

/* The old points at the new weight: a pass is whole, the rest in
 * proportion, rounded down. */
static unsigned scaled(const struct carry_check *old, unsigned weight)
{
	if (!strcmp(old->status, "error"))
		return 0;
	if (!strcmp(old->status, "pass"))
		return weight;
	if (!old->weight)
		return 0;
	return (unsigned)((unsigned long long)old->points * weight / old->weight);
}

int carry_apply(const struct carry_source *s, struct grader_result *gr,
		struct ev_carry *out, struct ev_info *info, struct err *e)
{
	char why[300];
	size_t i;

	memset(out, 0, sizeof *out);
	if (!s)
		return 0;
	snprintf(out->from, sizeof out->from, "%s", s->from);
	out->hint_points = s->hint_points;
	info->carry = out;
	if (!gr->ok || !gr->n)
		return 0;
	out->checks = calloc(gr->n, sizeof *out->checks);
	if (!out->checks)
		return err_set(e, ERR_HOST, "out of memory");
	out->n = gr->n;
	for (i = 0; i < gr->n; i++) {
		struct grader_check *c = &gr->checks[i];
		struct ev_carried *m = &out->checks[i];
		const struct carry_check *old;
		char *msg;

		if (!c->knowledge)
			continue;
		old = find(s, c->id);
		if (old) {
			snprintf(why, sizeof why, "carried from %s", s->from);
			msg = prefixed(why, bare_message(old->message));
			if (!msg)
				return err_set(e, ERR_HOST, "out of memory");
			m->state = EV_CARRIED;
			snprintf(m->status, sizeof m->status, "%s", old->status);
			m->points = old->points;
			m->weight = old->weight;
			c->status = status_of(old->status);
			c->points = scaled(old, c->weight);
			out->carried++;
		} else {
			snprintf(why, sizeof why,
				 "new in this version: the evidence renewed (%s) has no check '%s', and a replay cannot ask a knowledge question again; not the candidate's fail: the author or the operator decides (docs/recert.md)",
				 s->from, c->id);
			msg = strdup(why);
			if (!msg)
				return err_set(e, ERR_HOST, "out of memory");
			m->state = EV_UNCARRIED;
			c->status = CHECK_ERROR;
			c->points = 0;
			if (!out->uncarried)
				snprintf(out->error, sizeof out->error,
					 "the renewal cannot be judged: knowledge check '%s' is new in this version and %s has no answer to it; hint: the author keeps the id of the knowledge check it replaces, or the holder retakes",
					 c->id, s->from);
			out->uncarried++;
		}
		free(c->message);
		c->message = msg;
	}
	if (out->uncarried)
		info->error = out->error;
	return 0;
}

void carry_release(struct ev_carry *c)
{
	free(c->checks);
	memset(c, 0, sizeof *c);
}
