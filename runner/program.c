/* program: parsing and checking a certification program file, its
 * signature, and whether a set of verified pieces meets it (program.h;
 * docs/credentials.md, "Programs and ladders: labrun award"). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/program.h"
#include "runner/schema.h"
#include "runner/tarball.h"

#define SIG_SUFFIX ".minisig"
#define SIG_MAX_BYTES 4096

static const char *const level_names[] = {
	"", "foundation", "practitioner", "specialist", "architect",
};

int program_level_rank(const char *name)
{
	int i;

	for (i = PROGRAM_FOUNDATION; i <= PROGRAM_ARCHITECT; i++)
		if (name && !strcmp(name, level_names[i]))
			return i;
	return PROGRAM_LEVEL_NONE;
}

const char *program_level_name(int rank)
{
	return rank >= PROGRAM_FOUNDATION && rank <= PROGRAM_ARCHITECT
	       ? level_names[rank] : "";
}

/* ---- semantic versions ---- */

/* A dot-separated run of identifiers up to stop or the end: letters,
 * digits and '-'; numeric ones without a leading zero when numeric_rule. */
static int idents(const char **sp, char stop, int numeric_rule)
{
	const char *s = *sp, *start;
	int digits;

	for (;;) {
		start = s;
		digits = 1;
		while (*s && *s != '.' && *s != stop) {
			if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
			      (*s >= 'A' && *s <= 'Z') || *s == '-'))
				return -1;
			if (*s < '0' || *s > '9')
				digits = 0;
			s++;
		}
		if (s == start || (numeric_rule && digits && s - start > 1 &&
				   *start == '0'))
			return -1;
		if (*s != '.')
			break;
		s++;
	}
	*sp = s;
	return 0;
}

/* MAJOR.MINOR.PATCH into n[3] (each below 10^9); *rest at what follows. */
static int core(const char *s, unsigned long n[3], const char **rest)
{
	const char *start;
	int i;

	for (i = 0; i < 3; i++) {
		start = s;
		n[i] = 0;
		while (*s >= '0' && *s <= '9' && s - start < 9)
			n[i] = n[i] * 10 + (unsigned long)(*s++ - '0');
		if (s == start || (*s >= '0' && *s <= '9') ||
		    (s - start > 1 && *start == '0'))
			return -1;
		if (i < 2 && *s++ != '.')
			return -1;
	}
	*rest = s;
	return 0;
}

int program_is_version(const char *s)
{
	unsigned long n[3];
	const char *r;

	if (!s || strlen(s) >= PROGRAM_VERSION_MAX || core(s, n, &r) < 0)
		return 0;
	if (*r == '-') {
		r++;
		if (idents(&r, '+', 1) < 0)
			return 0;
	}
	if (*r == '+') {
		r++;
		if (idents(&r, 0, 0) < 0)
			return 0;
	}
	return *r == 0;
}

/* Pre-release identifiers compared as semver item 11 says. */
static int cmp_prerelease(const char *a, const char *b)
{
	size_t la, lb;
	int na, nb, c;

	for (;;) {
		la = strcspn(a, ".+");
		lb = strcspn(b, ".+");
		na = la && strspn(a, "0123456789") >= la;
		nb = lb && strspn(b, "0123456789") >= lb;
		if (na && nb && la != lb)
			return la < lb ? -1 : 1;
		if (na != nb)
			return na ? -1 : 1;
		c = memcmp(a, b, la < lb ? la : lb);
		if (c)
			return c < 0 ? -1 : 1;
		if (la != lb)
			return la < lb ? -1 : 1;
		a += la;
		b += lb;
		if (*a != '.' || *b != '.')
			return (*a == '.') - (*b == '.');
		a++;
		b++;
	}
}

int program_version_cmp(const char *a, const char *b)
{
	unsigned long x[3], y[3];
	const char *ra, *rb;
	int i, va = program_is_version(a), vb = program_is_version(b);

	if (!va || !vb)
		return va - vb;
	core(a, x, &ra);
	core(b, y, &rb);
	for (i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	/* a release is above its pre-releases; build metadata is ignored */
	if ((*ra == '-') != (*rb == '-'))
		return *ra == '-' ? -1 : 1;
	if (*ra != '-')
		return 0;
	return cmp_prerelease(ra + 1, rb + 1);
}

/* ---- the file ---- */

static const char *const top_keys[] = {
	"schema", "id", "version", "name", "level", "description",
	"valid_for_days", "requires", NULL,
};
static const char *const requires_keys[] = {
	"scenarios", "competencies", "count", "programs", NULL,
};
static const char *const scenario_keys[] = {"id", "min_version", NULL};
static const char *const competency_keys[] = {"id", "min_level", NULL};

/* A program's, a scenario's or a competency's id. */
static int is_id(const char *s)
{
	return schema_is_name(s, PROGRAM_ID_MAX - 1, "-");
}

/* A required string member of o at path.key, or NULL (said). */
static const char *want_str(struct schema *c, json_t *o, const char *path,
			    const char *key, const char *example)
{
	char where[SCHEMA_PATH_SIZE];
	json_t *v = json_object_get(o, key);

	snprintf(where, sizeof where, "%s.%s", path, key);
	if (!v) {
		schema_problem(c, "%s: %s: missing; hint: add it, such as \"%s\": %s",
			       c->file, where, key, example);
		return NULL;
	}
	return schema_want_string(c, v, where);
}

/* One line of text of at most max bytes, printable: no control. */
static int text_ok(struct schema *c, const char *where, const char *s,
		   size_t max, int multiline)
{
	size_t i, len = strlen(s);

	if (len == 0) {
		schema_problem(c, "%s: %s: is empty; hint: say it in a few words",
			       c->file, where);
		return 0;
	}
	if (len > max) {
		schema_problem(c, "%s: %s: %zu bytes, at most %zu; hint: shorten it",
			       c->file, where, len, max);
		return 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && !(multiline && ch == '\n')) || ch == 0x7f) {
			schema_problem(c, "%s: %s: a control character at byte %zu; hint: plain text%s",
				       c->file, where, i,
				       multiline ? " (newlines are kept)" : " on one line");
			return 0;
		}
	}
	return 1;
}

static int want_level(struct schema *c, const char *where, const char *s)
{
	char q[SCHEMA_SHOW_SIZE];
	int r = program_level_rank(s);

	if (r == PROGRAM_LEVEL_NONE)
		schema_problem(c, "%s: %s: \"%s\" is not a level; hint: one of foundation, practitioner, specialist, architect",
			       c->file, where, schema_show_str(q, s));
	return r;
}

static void check_head(struct schema *c, json_t *root, struct program *pg)
{
	char q[SCHEMA_SHOW_SIZE];
	const char *s;
	json_t *v;

	if ((s = want_str(c, root, "$", "schema", "\"" PROGRAM_SCHEMA "\"")) &&
	    strcmp(s, PROGRAM_SCHEMA))
		schema_problem(c, "%s: $.schema: \"%s\" is not a program schema this labrun reads; hint: \"%s\"",
			       c->file, schema_show_str(q, s), PROGRAM_SCHEMA);
	if ((s = want_str(c, root, "$", "id", "\"agent-ops-foundation\""))) {
		if (!is_id(s))
			schema_problem(c, "%s: $.id: \"%s\" is not a program id; hint: lowercase letters, digits and '-', starting with a letter or digit, at most %d bytes",
				       c->file, schema_show_str(q, s), PROGRAM_ID_MAX - 1);
		else
			snprintf(pg->id, sizeof pg->id, "%s", s);
	}
	if ((s = want_str(c, root, "$", "version", "\"1.0.0\""))) {
		if (!program_is_version(s))
			schema_problem(c, "%s: $.version: \"%s\" is not a semantic version; hint: MAJOR.MINOR.PATCH, such as 1.0.0",
				       c->file, schema_show_str(q, s));
		else
			snprintf(pg->version, sizeof pg->version, "%s", s);
	}
	if ((s = want_str(c, root, "$", "name", "\"Agent Operations: Foundation\"")) &&
	    text_ok(c, "$.name", s, PROGRAM_MAX_NAME, 0))
		snprintf(pg->name, sizeof pg->name, "%s", s);
	if ((s = want_str(c, root, "$", "level", "\"foundation\"")))
		pg->level = want_level(c, "$.level", s);
	if ((s = want_str(c, root, "$", "description", "\"What the holder has shown.\"")) &&
	    text_ok(c, "$.description", s, PROGRAM_MAX_DESCRIPTION, 1))
		schema_keep(c, &pg->description, s);
	v = json_object_get(root, "valid_for_days");
	if (!v)
		schema_problem(c, "%s: $.valid_for_days: missing; hint: how long a credential stays valid, such as \"valid_for_days\": 730",
			       c->file);
	else
		schema_want_uint(c, v, "$.valid_for_days", 1, PROGRAM_MAX_VALID_DAYS,
				 "days", &pg->valid_for_days);
}

/* id of item i already listed among items [0, i) of the same kind? */
static int repeats(const struct program *pg, const char *id,
		   enum program_item_kind kind)
{
	size_t i;

	for (i = 0; i < pg->nitems; i++)
		if (pg->items[i].kind == kind && !strcmp(pg->items[i].id, id))
			return (int)i;
	return -1;
}

static void check_item(struct schema *c, json_t *o, const char *where,
		       enum program_item_kind kind, struct program *pg)
{
	char q[SCHEMA_SHOW_SIZE], sub[SCHEMA_PATH_SIZE + 16];
	struct program_item it;
	const char *s;
	int r;

	memset(&it, 0, sizeof it);
	it.kind = kind;
	if (!json_is_object(o)) {
		schema_problem(c, "%s: %s: must be an object, not %s; hint: {\"id\": \"%s\"}",
			       c->file, where, schema_type_name(o),
			       kind == PROGRAM_SCENARIO ? "policy-denials"
							: "policy-driven-control");
		return;
	}
	schema_unknown_keys(c, o, where, kind == PROGRAM_SCENARIO ? scenario_keys
								  : competency_keys);
	s = want_str(c, o, where, "id", kind == PROGRAM_SCENARIO
			 ? "\"policy-denials\"" : "\"policy-driven-control\"");
	if (!s)
		return;
	if (!schema_is_name(s, 63, "-")) {
		schema_problem(c, "%s: %s.id: \"%s\" is not a %s id; hint: lowercase letters, digits and '-', starting with a letter or digit, at most 63 bytes",
			       c->file, where, schema_show_str(q, s),
			       kind == PROGRAM_SCENARIO ? "scenario" : "competency");
		return;
	}
	snprintf(it.id, sizeof it.id, "%s", s);
	if ((r = repeats(pg, s, kind)) >= 0) {
		schema_problem(c, "%s: %s.id: \"%s\" is listed already; hint: list each %s once",
			       c->file, where, s,
			       kind == PROGRAM_SCENARIO ? "scenario" : "competency");
		return;
	}
	snprintf(sub, sizeof sub, "%s.%s", where,
		 kind == PROGRAM_SCENARIO ? "min_version" : "min_level");
	if (kind == PROGRAM_SCENARIO && json_object_get(o, "min_version")) {
		s = schema_want_string(c, json_object_get(o, "min_version"), sub);
		if (!s)
			return;
		if (!program_is_version(s)) {
			schema_problem(c, "%s: %s: \"%s\" is not a semantic version; hint: MAJOR.MINOR.PATCH, such as 1.1.0",
				       c->file, sub, schema_show_str(q, s));
			return;
		}
		snprintf(it.min_version, sizeof it.min_version, "%s", s);
	}
	it.min_level = pg->level ? pg->level : PROGRAM_FOUNDATION;
	if (kind == PROGRAM_COMPETENCY && json_object_get(o, "min_level")) {
		s = schema_want_string(c, json_object_get(o, "min_level"), sub);
		if (!s || !(it.min_level = want_level(c, sub, s)))
			return;
	}
	pg->items[pg->nitems++] = it;
}

static void check_list(struct schema *c, json_t *req, const char *key,
		       enum program_item_kind kind, struct program *pg)
{
	char where[SCHEMA_PATH_SIZE];
	json_t *v = json_object_get(req, key);
	size_t i;

	if (!v)
		return;
	if (!json_is_array(v)) {
		schema_problem(c, "%s: $.requires.%s: must be an array, not %s; hint: [{\"id\": \"...\"}, ...]",
			       c->file, key, schema_type_name(v));
		return;
	}
	if (json_array_size(v) + pg->nitems > PROGRAM_MAX_ITEMS) {
		schema_problem(c, "%s: $.requires.%s: more than %d scenarios and competencies in all; hint: split the program into a ladder",
			       c->file, key, PROGRAM_MAX_ITEMS);
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		snprintf(where, sizeof where, "$.requires.%s[%zu]", key, i);
		check_item(c, json_array_get(v, i), where, kind, pg);
	}
}

static void check_prereqs(struct schema *c, json_t *v, struct program *pg)
{
	char q[SCHEMA_SHOW_SIZE], where[SCHEMA_PATH_SIZE];
	const char *s;
	size_t i, j;

	if (!json_is_array(v)) {
		schema_problem(c, "%s: $.requires.programs: must be an array of program ids, not %s",
			       c->file, schema_type_name(v));
		return;
	}
	if (json_array_size(v) > PROGRAM_MAX_PREREQS) {
		schema_problem(c, "%s: $.requires.programs: %zu programs, at most %d",
			       c->file, json_array_size(v), PROGRAM_MAX_PREREQS);
		return;
	}
	pg->prereqs = calloc(json_array_size(v) + 1, sizeof *pg->prereqs);
	if (!pg->prereqs) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		snprintf(where, sizeof where, "$.requires.programs[%zu]", i);
		if (!(s = schema_want_string(c, json_array_get(v, i), where)))
			continue;
		if (!is_id(s)) {
			schema_problem(c, "%s: %s: \"%s\" is not a program id; hint: the \"id\" of the program it rests on",
				       c->file, where, schema_show_str(q, s));
			continue;
		}
		if (pg->id[0] && !strcmp(s, pg->id)) {
			schema_problem(c, "%s: %s: the program names itself as its prerequisite; hint: name the program one level below",
				       c->file, where);
			continue;
		}
		for (j = 0; j < pg->nprereqs; j++)
			if (!strcmp(pg->prereqs[j], s))
				break;
		if (j < pg->nprereqs) {
			schema_problem(c, "%s: %s: \"%s\" is listed already; hint: list each program once",
				       c->file, where, s);
			continue;
		}
		snprintf(pg->prereqs[pg->nprereqs++], PROGRAM_ID_MAX, "%s", s);
	}
}

static void check_requires(struct schema *c, json_t *root, struct program *pg)
{
	json_t *req = json_object_get(root, "requires"), *v;
	size_t before = c->found;
	unsigned count = 0;

	if (!req) {
		schema_problem(c, "%s: $.requires: missing; hint: {\"scenarios\": [{\"id\": \"policy-denials\"}], \"count\": 1}",
			       c->file);
		return;
	}
	if (!json_is_object(req)) {
		schema_problem(c, "%s: $.requires: must be an object, not %s",
			       c->file, schema_type_name(req));
		return;
	}
	schema_unknown_keys(c, req, "$.requires", requires_keys);
	pg->items = calloc(PROGRAM_MAX_ITEMS, sizeof *pg->items);
	if (!pg->items) {
		c->oom = 1;
		return;
	}
	check_list(c, req, "scenarios", PROGRAM_SCENARIO, pg);
	check_list(c, req, "competencies", PROGRAM_COMPETENCY, pg);
	if ((v = json_object_get(req, "programs")))
		check_prereqs(c, v, pg);
	if (c->found > before)
		return;
	if (pg->nitems == 0) {
		schema_problem(c, "%s: $.requires: names no scenario and no competency; hint: a program rests on attempts: list \"scenarios\" or \"competencies\" (prerequisite \"programs\" alone are not enough)",
			       c->file);
		return;
	}
	if ((v = json_object_get(req, "count"))) {
		if (schema_want_uint(c, v, "$.requires.count", 1,
				     (unsigned)pg->nitems, "", &count) < 0 ||
		    count == 0)
			return;
		pg->count = count;
	} else {
		pg->count = (unsigned)pg->nitems;
	}
}

int program_parse(const void *text, size_t len, const char *file,
		  struct program *out, struct problems *p)
{
	struct schema c;
	struct tar_entry t;
	struct program pg;
	json_t *root;

	memset(&c, 0, sizeof c);
	memset(&t, 0, sizeof t);
	memset(&pg, 0, sizeof pg);
	memset(out, 0, sizeof *out);
	c.p = p;
	c.file = file;
	c.max_depth = PROGRAM_MAX_DEPTH;
	t.data = (unsigned char *)(uintptr_t)text;
	t.len = len;
	root = schema_load_json(&c, file, &t, PROGRAM_MAX_BYTES);
	if (!root)
		return c.oom ? -2 : -1;
	if (!json_is_object(root)) {
		schema_problem(&c, "%s: $: must be an object, not %s; hint: {\"schema\": \"%s\", ...}",
			       file, schema_type_name(root), PROGRAM_SCHEMA);
	} else {
		schema_unknown_keys(&c, root, "$", top_keys);
		check_head(&c, root, &pg);
		check_requires(&c, root, &pg);
	}
	json_decref(root);
	if (c.oom || c.found) {
		program_release(&pg);
		return c.oom ? -2 : -1;
	}
	*out = pg;
	return 0;
}

void program_release(struct program *pg)
{
	free(pg->description);
	free(pg->items);
	free(pg->prereqs);
	memset(pg, 0, sizeof *pg);
}

int program_open(const char *path, const struct sign_trust *trust,
		 struct program *out, char digest[SIGN_SHA256_HEX],
		 struct problems *p, struct err *e)
{
	struct buf data = BUF_INIT, sig = BUF_INIT;
	char sigpath[4096];
	struct stat st;
	int n, rc = -1;

	memset(out, 0, sizeof *out);
	if (read_file_bounded(path, PROGRAM_MAX_BYTES, &data, e) < 0)
		return -1;
	if (trust) {
		n = snprintf(sigpath, sizeof sigpath, "%s%s", path, SIG_SUFFIX);
		if (n < 0 || (size_t)n >= sizeof sigpath) {
			err_set(e, ERR_REFUSED, "%s: path too long", path);
			goto out;
		}
		if (lstat(sigpath, &st) < 0 && errno == ENOENT) {
			err_set(e, ERR_REFUSED,
				"%s: no signature beside the program; hint: sign "
				"it with labrun award --sign %s --key AUTHOR_KEY",
				sigpath, path);
			goto out;
		}
		if (read_file_bounded(sigpath, SIG_MAX_BYTES, &sig, e) < 0)
			goto out;
		if (sign_verify(trust->keys, trust->n, data.data, data.len,
				sig.data, sig.len, sigpath, NULL, NULL, e) < 0)
			goto out;
		if (!sign_first_line_known(sig.data, sig.len)) {
			err_set(e, ERR_REFUSED,
				"%s: the untrusted comment is not one labrun or "
				"minisign -S writes; the signature does not cover "
				"it, so no other is taken; hint: sign again with "
				"labrun award --sign", sigpath);
			goto out;
		}
	}
	sha256_hex(data.data, data.len, digest);
	n = program_parse(data.data, data.len, path, out, p);
	if (n == -2)
		err_set(e, ERR_HOST, "%s: out of memory", path);
	else if (n < 0)
		err_set(e, ERR_REFUSED, "%s: not a valid program", path);
	else
		rc = 0;
out:
	buf_release(&sig);
	buf_release(&data);
	return rc;
}

/* ---- meeting a program ---- */

static int piece_has(const struct program_piece *pc, const char *competency)
{
	size_t i;

	for (i = 0; i < pc->ncompetencies; i++)
		if (!strcmp(pc->competencies[i], competency))
			return 1;
	return 0;
}

/* Does attempt pc meet item it? */
static int meets(const struct program_item *it, const struct program_piece *pc)
{
	if (pc->kind != PROGRAM_PIECE_ATTEMPT)
		return 0;
	if (it->kind == PROGRAM_SCENARIO)
		return !strcmp(it->id, pc->id) &&
		       (!it->min_version[0] ||
			program_version_cmp(pc->version, it->min_version) >= 0);
	return pc->level >= it->min_level && piece_has(pc, it->id);
}

/* "scenario a (1.1.0 or later)", "competency c at practitioner or above" */
static int item_text(struct buf *b, const struct program_item *it, struct err *e)
{
	if (it->kind == PROGRAM_SCENARIO)
		return it->min_version[0]
		       ? buf_printf(b, e, "scenario %s %s or later", it->id, it->min_version)
		       : buf_printf(b, e, "scenario %s", it->id);
	return buf_printf(b, e, "competency %s at %s or above", it->id,
			  program_level_name(it->min_level));
}

/* The items' list and what meets them: "needs 2 of [...]; has 1: ..." */
static int say_items(const struct program *pg, const struct program_piece *pieces,
		     size_t n, const int *met, unsigned nmet, struct buf *why,
		     struct err *e)
{
	size_t i, j;
	int first = 1;

	if (buf_printf(why, e, "program %s: needs %s%u of [", pg->id,
		       pg->count == pg->nitems ? "all " : "", pg->count) < 0)
		return -1;
	for (i = 0; i < pg->nitems; i++)
		if ((i && buf_puts(why, ", ", e) < 0) ||
		    item_text(why, &pg->items[i], e) < 0)
			return -1;
	if (buf_printf(why, e, "]; has %u%s", nmet, nmet ? ": " : "") < 0)
		return -1;
	for (i = 0; i < pg->nitems; i++) {
		if (!met[i])
			continue;
		if ((!first && buf_puts(why, ", ", e) < 0) ||
		    buf_printf(why, e, "%s (", pg->items[i].id) < 0)
			return -1;
		first = 0;
		for (j = 0; j < n; j++)
			if (meets(&pg->items[i], &pieces[j]) &&
			    buf_printf(why, e, "%sevidence %s",
				       why->data[why->len - 1] == '(' ? "" : ", ",
				       pieces[j].file) < 0)
				return -1;
		if (buf_puts(why, ")", e) < 0)
			return -1;
	}
	return buf_puts(why, "\n", e);
}

int program_meets(const struct program *pg, struct program_piece *pieces,
		  size_t n, struct buf *why, struct err *e)
{
	int *met;
	unsigned nmet = 0;
	size_t i, j;
	int no = 0, rc = -1;

	met = calloc(pg->nitems + 1, sizeof *met);
	if (!met)
		return err_set(e, ERR_HOST, "out of memory");
	for (j = 0; j < n; j++)
		pieces[j].used = 0;
	for (i = 0; i < pg->nitems; i++) {
		for (j = 0; j < n; j++)
			if (meets(&pg->items[i], &pieces[j])) {
				met[i] = 1;
				pieces[j].used = 1;
			}
		nmet += (unsigned)met[i];
	}
	if (nmet < pg->count) {
		no = 1;
		if (say_items(pg, pieces, n, met, nmet, why, e) < 0)
			goto out;
	}
	for (i = 0; i < pg->nprereqs; i++) {
		int found = 0;

		for (j = 0; j < n; j++)
			if (pieces[j].kind == PROGRAM_PIECE_PROGRAM &&
			    !strcmp(pieces[j].id, pg->prereqs[i])) {
				found = 1;
				pieces[j].used = 1;
			}
		if (!found) {
			no = 1;
			if (buf_printf(why, e, "prerequisite program %s: no credential given; hint: add the holder's %s program credential\n",
				       pg->prereqs[i], pg->prereqs[i]) < 0)
				goto out;
		}
	}
	for (j = 0; j < n; j++) {
		if (pieces[j].used)
			continue;
		no = 1;
		if (buf_printf(why, e, "%s: %s %s %s counts toward nothing program %s requires; hint: leave it out\n",
			       pieces[j].file,
			       pieces[j].kind == PROGRAM_PIECE_ATTEMPT ? "an attempt at scenario"
								       : "the credential of program",
			       pieces[j].id, pieces[j].version, pg->id) < 0)
			goto out;
	}
	rc = no;
out:
	free(met);
	return rc;
}

int program_achievement_split(const char *s, char id[PROGRAM_ID_MAX],
			      char version[PROGRAM_VERSION_MAX])
{
	static const char prefix[] = "urn:labrun:program:";
	const char *colon;
	size_t n;

	if (strncmp(s, prefix, sizeof prefix - 1))
		return -1;
	s += sizeof prefix - 1;
	colon = strchr(s, ':');
	if (!colon || (n = (size_t)(colon - s)) == 0 || n >= PROGRAM_ID_MAX)
		return -1;
	memcpy(id, s, n);
	id[n] = 0;
	if (!is_id(id) || !program_is_version(colon + 1))
		return -1;
	snprintf(version, PROGRAM_VERSION_MAX, "%s", colon + 1);
	return 0;
}
