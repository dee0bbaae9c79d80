/* policy: the deployment gate's policy file; the format is in
 * docs/credentials.md, "The deployment gate: labrun gate". */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/policy.h"
#include "runner/schema.h"

const char *const policy_levels[] = {"foundation", "practitioner", "specialist",
				     "architect", NULL};

int policy_level_rank(const char *level)
{
	for (int i = 0; policy_levels[i]; i++)
		if (!strcmp(level, policy_levels[i]))
			return i;
	return -1;
}

/* ---- path patterns ---- */

/* One component: '*' any run of bytes, '?' one byte (neither is '/', as
 * components hold none). */
static int match_component(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	while (si < slen) {
		if (pi < plen && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < plen && p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (star_p != (size_t)-1) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return 0;
		}
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

static size_t comp_len(const char *s)
{
	const char *slash = strchr(s, '/');

	return slash ? (size_t)(slash - s) : strlen(s);
}

struct comp {
	const char *s;
	size_t len;
};

/* Split s at '/' into at most max components; -1 when there are more. */
static int split(const char *s, struct comp *v, size_t max, size_t *n)
{
	*n = 0;
	for (;;) {
		size_t len = comp_len(s);

		if (*n == max)
			return -1;
		v[(*n)++] = (struct comp){s, len};
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

static int is_globstar(const struct comp *c)
{
	return c->len == 2 && c->s[0] == '*' && c->s[1] == '*';
}

#define MAX_COMPS 4096

/* Components matched as a wildcard match over components: "**" is the
 * star (any run of components), every other component matches exactly
 * one.  Greedy with a return to the last "**" only, as for '*' in a
 * string: linear in the path for each position of the pattern, so a
 * hostile path or pattern costs at most patterns x components.  A final
 * "**" is "** / *": at least one component below. */
int policy_glob_match(const char *pattern, const char *path)
{
	static const struct comp one = {"*", 1};
	struct comp *p, *s;
	size_t np, ns, pi = 0, si = 0, star = (size_t)-1, star_s = 0;
	int rc = 0;

	if (!*path || *path == '/')
		return 0;
	p = malloc((POLICY_MAX_PATTERN / 2 + 3) * sizeof *p);
	s = malloc(MAX_COMPS * sizeof *s);
	if (!p || !s || split(pattern, p, POLICY_MAX_PATTERN / 2 + 1, &np) < 0 ||
	    split(path, s, MAX_COMPS, &ns) < 0)
		goto out;
	if (is_globstar(&p[np - 1]))
		p[np++] = one;
	while (si < ns) {
		if (pi < np && is_globstar(&p[pi])) {
			star = pi++;
			star_s = si;
		} else if (pi < np &&
			   match_component(p[pi].s, p[pi].len, s[si].s, s[si].len)) {
			pi++;
			si++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++star_s;
		} else {
			goto out;
		}
	}
	while (pi < np && is_globstar(&p[pi]))
		pi++;
	rc = pi == np;
out:
	free(p);
	free(s);
	return rc;
}

const char *policy_pattern_problem(const char *pattern)
{
	const char *c = pattern;
	size_t len = strlen(pattern), n;

	if (!len)
		return "an empty pattern";
	if (len > POLICY_MAX_PATTERN)
		return "longer than 255 bytes";
	if (*pattern == '/')
		return "absolute; patterns are relative to the repository's top (\"policies/**\")";
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)pattern[i];

		if (ch < 0x20 || ch == 0x7f)
			return "a control character";
		if (ch == '[' || ch == ']' || ch == '{' || ch == '}' || ch == '\\')
			return "'[', ']', '{', '}' and '\\' are not pattern syntax here; "
			       "only '*', '?' and a whole \"**\" component are";
	}
	for (;;) {
		n = comp_len(c);
		if (n == 0)
			return "an empty component (\"//\" or a trailing '/')";
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return "a \".\" or \"..\" component";
		if (n > 2 && memmem(c, n, "**", 2))
			return "\"**\" must be a whole component (\"a/**/b\", not \"a**\")";
		if (!c[n])
			return NULL;
		c += n + 1;
	}
}

/* ---- the file ---- */

static const char *const top_keys[] = {"schema", "rules", NULL};
static const char *const rule_keys[] = {"name", "paths", "actions", "require", NULL};
static const char *const require_keys[] = {"competencies", "programs", "level_min", NULL};

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A list of strings at path: each checked by ok (NULL: fine, else why). */
static int want_strings(struct schema *c, json_t *v, const char *path,
			const char *(*ok)(const char *), char ***out, size_t *n)
{
	char where[160], show[SCHEMA_SHOW_SIZE];
	size_t i;
	json_t *item;

	if (!json_is_array(v)) {
		schema_problem(c, "%s: %s: %s, not a list of strings", c->file, path,
			       schema_type_name(v));
		return -1;
	}
	if (json_array_size(v) > POLICY_MAX_ITEMS) {
		schema_problem(c, "%s: %s: %zu entries, more than %d", c->file, path,
			       json_array_size(v), POLICY_MAX_ITEMS);
		return -1;
	}
	*out = calloc(json_array_size(v) + 1, sizeof **out);
	if (!*out) {
		c->oom = 1;
		return -1;
	}
	json_array_foreach(v, i, item) {
		const char *s, *why;

		snprintf(where, sizeof where, "%s[%zu]", path, i);
		s = schema_want_string(c, item, where);
		if (!s)
			continue;
		if ((why = ok(s)) != NULL) {
			schema_problem(c, "%s: %s: \"%s\": %s", c->file, where,
				       schema_show_str(show, s), why);
			continue;
		}
		for (size_t j = 0; j < *n; j++)
			if (!strcmp((*out)[j], s)) {
				schema_problem(c, "%s: %s: \"%s\" is listed twice", c->file,
					       where, schema_show_str(show, s));
				s = NULL;
				break;
			}
		if (s && schema_keep(c, &(*out)[(*n)++], s) < 0)
			return -1;
	}
	return 0;
}

static const char *name_problem(const char *s)
{
	return schema_is_name(s, POLICY_MAX_NAME, "._-") ? NULL :
	       "not a name: lowercase letters, digits, '.', '_' and '-', "
	       "starting with a letter or digit, at most 64";
}

static const char *action_problem(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > POLICY_MAX_ACTION)
		return "an action is 1 to 64 characters";
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      (i > 0 && strchr(" ._-", s[i]))))
			return "an action is lowercase letters, digits, spaces, '.', '_' "
			       "and '-' (\"policy deploy\")";
	if (s[len - 1] == ' ')
		return "an action does not end in a space";
	return NULL;
}

static void parse_require(struct schema *c, json_t *req, const char *path,
			  struct policy_rule *r)
{
	char where[128], show[SCHEMA_SHOW_SIZE];
	json_t *v;

	if (!json_is_object(req)) {
		schema_problem(c, "%s: %s: %s, not an object; hint: {\"competencies\": "
			       "[...], \"level_min\": \"practitioner\"} or {\"programs\": [...]}",
			       c->file, path, schema_type_name(req));
		return;
	}
	schema_unknown_keys(c, req, path, require_keys);
	if ((v = json_object_get(req, "competencies")) != NULL) {
		snprintf(where, sizeof where, "%s.competencies", path);
		want_strings(c, v, where, name_problem, &r->competencies,
			     &r->ncompetencies);
	}
	if ((v = json_object_get(req, "programs")) != NULL) {
		snprintf(where, sizeof where, "%s.programs", path);
		want_strings(c, v, where, name_problem, &r->programs, &r->nprograms);
	}
	if (json_object_get(req, "competencies") && json_object_get(req, "programs"))
		schema_problem(c, "%s: %s: both competencies and programs; hint: a rule "
			       "requires one kind: write two rules with the same paths "
			       "to require both", c->file, path);
	else if (!r->ncompetencies && !r->nprograms)
		schema_problem(c, "%s: %s: requires nothing; hint: a non-empty "
			       "\"competencies\" or \"programs\" list", c->file, path);
	if ((v = json_object_get(req, "level_min")) != NULL) {
		const char *s;

		snprintf(where, sizeof where, "%s.level_min", path);
		s = schema_want_string(c, v, where);
		if (s && (r->level_min = policy_level_rank(s)) < 0) {
			schema_problem(c, "%s: %s: \"%s\" is not a level; hint: foundation, "
				       "practitioner, specialist or architect", c->file,
				       where, schema_show_str(show, s));
			r->level_min = 0;
		}
		r->level_given = s != NULL;
	}
}

static void parse_rule(struct schema *c, json_t *item, size_t i,
		       struct policy_rule *r, struct policy *p)
{
	char path[48], where[96], show[SCHEMA_SHOW_SIZE];
	const char *s;
	json_t *v;

	snprintf(path, sizeof path, "$.rules[%zu]", i);
	if (!json_is_object(item)) {
		schema_problem(c, "%s: %s: %s, not an object", c->file, path,
			       schema_type_name(item));
		return;
	}
	schema_unknown_keys(c, item, path, rule_keys);
	snprintf(where, sizeof where, "%s.name", path);
	if (!(v = json_object_get(item, "name")))
		schema_problem(c, "%s: %s: no name; hint: \"name\": \"policy-deploy\"",
			       c->file, path);
	else if ((s = schema_want_string(c, v, where)) != NULL) {
		if (name_problem(s))
			schema_problem(c, "%s: %s: \"%s\": %s", c->file, where,
				       schema_show_str(show, s), name_problem(s));
		else
			snprintf(r->name, sizeof r->name, "%s", s);
		for (size_t j = 0; j < i && r->name[0]; j++)
			if (!strcmp(p->rules[j].name, r->name))
				schema_problem(c, "%s: %s: the rule name \"%s\" is taken by "
					       "$.rules[%zu]", c->file, where,
					       schema_show_str(show, s), j);
	}
	if ((v = json_object_get(item, "paths")) != NULL) {
		snprintf(where, sizeof where, "%s.paths", path);
		want_strings(c, v, where, policy_pattern_problem, &r->paths, &r->npaths);
	}
	if ((v = json_object_get(item, "actions")) != NULL) {
		snprintf(where, sizeof where, "%s.actions", path);
		want_strings(c, v, where, action_problem, &r->actions, &r->nactions);
	}
	if (!json_array_size(json_object_get(item, "paths")) &&
	    !json_array_size(json_object_get(item, "actions")))
		schema_problem(c, "%s: %s: applies to nothing; hint: a non-empty "
			       "\"paths\" (\"policies/**\") or \"actions\" (\"policy "
			       "deploy\") list", c->file, path);
	snprintf(where, sizeof where, "%s.require", path);
	if (!(v = json_object_get(item, "require")))
		schema_problem(c, "%s: %s: no require; hint: \"require\": "
			       "{\"competencies\": [...], \"level_min\": \"practitioner\"}",
			       c->file, path);
	else
		parse_require(c, v, where, r);
}

int policy_parse(const void *text, size_t len, const char *file,
		 struct policy *out, struct problems *pb, struct err *e)
{
	struct schema c = {.p = pb, .file = file, .max_depth = 8};
	char show[SCHEMA_SHOW_SIZE];
	json_error_t je;
	json_t *root, *v;
	size_t i;

	memset(out, 0, sizeof *out);
	if (len > POLICY_MAX_BYTES)
		return err_set(e, ERR_REFUSED, "%s: larger than %d bytes", file,
			       POLICY_MAX_BYTES);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return err_set(e, ERR_REFUSED, "%s: line %d: not JSON: %s", file,
			       je.line, je.text);
	if (!json_is_object(root)) {
		schema_problem(&c, "%s: $: %s, not an object", file,
			       schema_type_name(root));
		goto done;
	}
	schema_unknown_keys(&c, root, "$", top_keys);
	v = json_object_get(root, "schema");
	if (!v)
		schema_problem(&c, "%s: $.schema: missing; hint: \"schema\": \"%s\"",
			       file, POLICY_SCHEMA);
	else if (!json_is_string(v) || strcmp(json_string_value(v), POLICY_SCHEMA))
		schema_problem(&c, "%s: $.schema: %s%s%s is not this labrun's; hint: "
			       "\"schema\": \"%s\"", file, json_is_string(v) ? "\"" : "",
			       json_is_string(v) ? schema_show_str(show, json_string_value(v)) :
			       schema_type_name(v), json_is_string(v) ? "\"" : "",
			       POLICY_SCHEMA);
	v = json_object_get(root, "rules");
	if (!json_is_array(v) || !json_array_size(v)) {
		schema_problem(&c, "%s: $.rules: %s; hint: a list of rules, "
			       "{\"name\", \"paths\", \"actions\", \"require\"}", file,
			       !v ? "missing" : json_is_array(v) ? "empty" :
			       schema_type_name(v));
		goto done;
	}
	if (json_array_size(v) > POLICY_MAX_RULES) {
		schema_problem(&c, "%s: $.rules: %zu rules, more than %d", file,
			       json_array_size(v), POLICY_MAX_RULES);
		goto done;
	}
	out->rules = calloc(json_array_size(v), sizeof *out->rules);
	if (!out->rules) {
		c.oom = 1;
		goto done;
	}
	out->n = json_array_size(v);
	for (i = 0; i < out->n; i++)
		parse_rule(&c, json_array_get(v, i), i, &out->rules[i], out);
done:
	json_decref(root);
	if (c.oom) {
		policy_release(out);
		return err_set(e, ERR_HOST, "%s: out of memory", file);
	}
	if (c.found) {
		policy_release(out);
		return err_set(e, ERR_REFUSED, "%s: %zu problem%s", file, c.found,
			       c.found == 1 ? "" : "s");
	}
	return 0;
}

int policy_load(const char *path, struct policy *out, struct problems *pb,
		struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	memset(out, 0, sizeof *out);
	if (read_file_bounded(path, POLICY_MAX_BYTES, &b, e) < 0)
		return -1;
	rc = policy_parse(b.data, b.len, path, out, pb, e);
	buf_release(&b);
	return rc;
}

void policy_release(struct policy *p)
{
	for (size_t i = 0; p->rules && i < p->n; i++) {
		struct policy_rule *r = &p->rules[i];

		strv_free(r->paths, r->npaths);
		strv_free(r->actions, r->nactions);
		strv_free(r->competencies, r->ncompetencies);
		strv_free(r->programs, r->nprograms);
	}
	free(p->rules);
	memset(p, 0, sizeof *p);
}
