/* policy: parse, check, decide and diff tool-access policies (policy.h).
 * jansson reads the policy document here and nowhere else in this module;
 * the engine (sim_*.c), agentd.c and agentctl.c use it for their own
 * JSON.  Running out of memory is a problem like the others (the policy
 * is refused), never an abort. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/platform/policy.h"
#include "scenarios/platform/sim.h"

static const char *const effect_names[] = {"allow", "deny", "escalate"};

const char *pol_effect_name(enum pol_effect e)
{
	return effect_names[e];
}

static int effect_parse(const char *s, enum pol_effect *out)
{
	for (size_t i = 0; i < 3; i++)
		if (strcmp(s, effect_names[i]) == 0) {
			*out = (enum pol_effect)i;
			return 0;
		}
	return -1;
}

int pol_match(const char *p, const char *s)
{
	const char *star = NULL, *mark = s;

	while (*s) {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int pol_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') ||
				  (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int pattern_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      strchr("._-*", s[i])))
			return 0;
	return 1;
}

static void problem(struct buf *why, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct buf *why, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_printf(why, NULL, "%s: %s\n", name, msg);
}

static int patterns(json_t *v, const char *name, size_t r, const char *key,
		    char ***out, size_t *n, struct buf *why)
{
	size_t i, bad = 0;
	json_t *x;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > SIM_MAX_PATTERNS) {
		problem(why, name, "$.rules[%zu].%s: must be a list of 1 to %d patterns",
			r, key, SIM_MAX_PATTERNS);
		return -1;
	}
	*out = calloc(json_array_size(v), sizeof **out);
	if (!*out) {
		problem(why, name, "out of memory");
		return -1;
	}
	json_array_foreach(v, i, x) {
		if (!json_is_string(x) || !pattern_ok(json_string_value(x))) {
			problem(why, name, "$.rules[%zu].%s[%zu]: must be a name or a pattern of a-z 0-9 . _ - and *, at most 64 characters",
				r, key, i);
			bad++;
			continue;
		}
		if (!((*out)[*n] = strdup(json_string_value(x)))) {
			problem(why, name, "out of memory");
			return -1;
		}
		(*n)++;
	}
	return bad ? -1 : 0;
}

static void rule_release(struct pol_rule *r)
{
	for (size_t k = 0; k < r->nroles; k++)
		free(r->roles[k]);
	for (size_t k = 0; k < r->ntools; k++)
		free(r->tools[k]);
	free(r->roles);
	free(r->tools);
	free(r->id);
	free(r->note);
	memset(r, 0, sizeof *r);
}

static int parse_rule(json_t *o, const char *name, size_t r,
		      struct pol_rule *out, struct buf *why)
{
	const char *key;
	json_t *v;
	int bad = 0;

	if (!json_is_object(o)) {
		problem(why, name, "$.rules[%zu]: must be an object", r);
		return -1;
	}
	json_object_foreach(o, key, v) {
		if (strcmp(key, "id") == 0) {
			if (!json_is_string(v) || !pol_id_ok(json_string_value(v))) {
				problem(why, name, "$.rules[%zu].id: must match ^[a-z0-9][a-z0-9._-]{0,63}$", r);
				bad = 1;
			} else if (!(out->id = strdup(json_string_value(v)))) {
				problem(why, name, "out of memory");
				bad = 1;
			}
		} else if (strcmp(key, "effect") == 0) {
			if (!json_is_string(v) ||
			    effect_parse(json_string_value(v), &out->effect) < 0) {
				problem(why, name, "$.rules[%zu].effect: must be allow, deny or escalate", r);
				bad = 1;
			}
		} else if (strcmp(key, "roles") == 0) {
			bad |= patterns(v, name, r, "roles", &out->roles,
					&out->nroles, why) < 0;
		} else if (strcmp(key, "tools") == 0) {
			bad |= patterns(v, name, r, "tools", &out->tools,
					&out->ntools, why) < 0;
		} else if (strcmp(key, "note") == 0) {
			if (!json_is_string(v) || strlen(json_string_value(v)) > 500) {
				problem(why, name, "$.rules[%zu].note: must be a string of at most 500 bytes", r);
				bad = 1;
			} else if (!(out->note = strdup(json_string_value(v)))) {
				problem(why, name, "out of memory");
				bad = 1;
			}
		} else {
			problem(why, name, "$.rules[%zu].%s: unknown key; a rule has id, effect, roles, tools and note", r, key);
			bad = 1;
		}
	}
	if (!out->id && !bad)
		problem(why, name, "$.rules[%zu]: missing \"id\"", r), bad = 1;
	if (!json_object_get(o, "effect"))
		problem(why, name, "$.rules[%zu]: missing \"effect\"", r), bad = 1;
	if (!out->roles && !json_object_get(o, "roles"))
		problem(why, name, "$.rules[%zu]: missing \"roles\" (use [\"*\"] for every role)", r), bad = 1;
	if (!out->tools && !json_object_get(o, "tools"))
		problem(why, name, "$.rules[%zu]: missing \"tools\" (use [\"*\"] for every tool)", r), bad = 1;
	return bad ? -1 : 0;
}

int pol_parse(const char *text, size_t len, const char *name,
	      struct pol_policy *out, struct buf *why)
{
	struct pol_policy p = {.fallback = POL_DENY};
	json_error_t je;
	json_t *root, *v;
	const char *key;
	size_t before = why->len, i;
	int failed = 0; /* a problem even when why could not take its line */

	if (len > SIM_MAX_CONFIG) {
		problem(why, name, "larger than %u bytes", SIM_MAX_CONFIG);
		return -1;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root && json_error_code(&je) == json_error_out_of_memory) {
		problem(why, name, "out of memory");
		return -1;
	}
	if (!root) {
		problem(why, name, "line %d column %d: %s", je.line, je.column,
			je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		problem(why, name, "$: must be a JSON object with version, default and rules");
		json_decref(root);
		return -1;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "version") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > SIM_MAX_POLICIES)
				problem(why, name, "$.version: must be an integer from 1 to %d", SIM_MAX_POLICIES);
			else
				p.version = (unsigned)json_integer_value(v);
		} else if (strcmp(key, "description") == 0) {
			if (!json_is_string(v) || strlen(json_string_value(v)) > 500)
				problem(why, name, "$.description: must be a string of at most 500 bytes");
			else if (!(p.description = strdup(json_string_value(v))))
				problem(why, name, "out of memory"), failed = 1;
		} else if (strcmp(key, "default") == 0) {
			if (!json_is_string(v) ||
			    effect_parse(json_string_value(v), &p.fallback) < 0)
				problem(why, name, "$.default: must be allow, deny or escalate");
		} else if (strcmp(key, "rules") == 0) {
			json_t *r;

			if (!json_is_array(v) || json_array_size(v) > SIM_MAX_RULES) {
				problem(why, name, "$.rules: must be a list of at most %d rules", SIM_MAX_RULES);
				continue;
			}
			p.rules = calloc(json_array_size(v) + 1, sizeof *p.rules);
			if (!p.rules) {
				problem(why, name, "out of memory");
				failed = 1;
				continue;
			}
			json_array_foreach(v, i, r) {
				if (parse_rule(r, name, i, &p.rules[p.nrules], why) < 0) {
					failed = 1;
					rule_release(&p.rules[p.nrules]);
					continue;
				}
				for (size_t k = 0; k < p.nrules; k++)
					if (strcmp(p.rules[k].id, p.rules[p.nrules].id) == 0)
						problem(why, name, "$.rules[%zu].id: \"%s\" is also the id of rule %zu; ids must be unique",
							i, p.rules[k].id, k);
				p.nrules++;
			}
		} else {
			problem(why, name, "$.%s: unknown key; a policy has version, description, default and rules", key);
		}
	}
	if (!json_object_get(root, "version"))
		problem(why, name, "$: missing \"version\"");
	if (!json_object_get(root, "rules"))
		problem(why, name, "$: missing \"rules\"");
	json_decref(root);
	if (failed || why->len != before) {
		pol_release(&p);
		return -1;
	}
	*out = p;
	return 0;
}

void pol_release(struct pol_policy *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		rule_release(&p->rules[i]);
	free(p->rules);
	free(p->description);
	memset(p, 0, sizeof *p);
}

static int any_match(char **pats, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (pol_match(pats[i], s))
			return 1;
	return 0;
}

enum pol_effect pol_decide(const struct pol_policy *p, const char *role,
			   const char *tool, const struct pol_rule **rule)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct pol_rule *r = &p->rules[i];

		if (any_match(r->roles, r->nroles, role) &&
		    any_match(r->tools, r->ntools, tool)) {
			*rule = r;
			return r->effect;
		}
	}
	*rule = NULL;
	return p->fallback;
}

static const struct pol_rule *find_rule(const struct pol_policy *p,
					const char *id, size_t *at)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].id, id) == 0) {
			*at = i;
			return &p->rules[i];
		}
	return NULL;
}

static void list(struct buf *out, char **v, size_t n)
{
	buf_puts(out, "[", NULL);
	for (size_t i = 0; i < n; i++)
		buf_printf(out, NULL, "%s%s", i ? ", " : "", v[i]);
	buf_puts(out, "]", NULL);
}

static int same_list(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

size_t pol_diff(const struct pol_policy *a, const struct pol_policy *b,
		struct buf *out)
{
	size_t lines = 0, at;

	if (a->fallback != b->fallback) {
		buf_printf(out, NULL, "~ default: %s -> %s\n",
			   pol_effect_name(a->fallback), pol_effect_name(b->fallback));
		lines++;
	}
	for (size_t i = 0; i < b->nrules; i++) {
		const struct pol_rule *nr = &b->rules[i];
		const struct pol_rule *or = find_rule(a, nr->id, &at);

		if (!or) {
			buf_printf(out, NULL, "+ %s (rule %zu): %s roles ", nr->id,
				   i + 1, pol_effect_name(nr->effect));
			list(out, nr->roles, nr->nroles);
			buf_puts(out, " tools ", NULL);
			list(out, nr->tools, nr->ntools);
			buf_puts(out, "\n", NULL);
			lines++;
			continue;
		}
		if (or->effect != nr->effect) {
			buf_printf(out, NULL, "~ %s: effect %s -> %s\n", nr->id,
				   pol_effect_name(or->effect), pol_effect_name(nr->effect));
			lines++;
		}
		if (!same_list(or->roles, or->nroles, nr->roles, nr->nroles)) {
			buf_printf(out, NULL, "~ %s: roles ", nr->id);
			list(out, or->roles, or->nroles);
			buf_puts(out, " -> ", NULL);
			list(out, nr->roles, nr->nroles);
			buf_puts(out, "\n", NULL);
			lines++;
		}
		if (!same_list(or->tools, or->ntools, nr->tools, nr->ntools)) {
			buf_printf(out, NULL, "~ %s: tools ", nr->id);
			list(out, or->tools, or->ntools);
			buf_puts(out, " -> ", NULL);
			list(out, nr->tools, nr->ntools);
			buf_puts(out, "\n", NULL);
			lines++;
		}
		if (at != i) {
			buf_printf(out, NULL, "~ %s: moved from rule %zu to rule %zu\n",
				   nr->id, at + 1, i + 1);
			lines++;
		}
	}
	for (size_t i = 0; i < a->nrules; i++)
		if (!find_rule(b, a->rules[i].id, &at)) {
			buf_printf(out, NULL, "- %s (was rule %zu): %s\n", a->rules[i].id,
				   i + 1, pol_effect_name(a->rules[i].effect));
			lines++;
		}
	return lines;
}
