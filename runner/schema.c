/* schema: the toolkit the scenario's checks share (scenario.c,
 * faultkinds.c): the list of problems, author text made printable,
 * scenario.json's values checked one by one, each failure reported as
 * "FILE: $.PATH: what; hint: ..." and counted.
 *
 * It knows no key of any schema: which keys a scenario or a fault takes,
 * and what they mean, is the callers'.  It does not read the disk. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/limits.h"
#include "base/utf8.h"
#include "runner/schema.h"
#include "runner/tarball.h"

/* ---- problems ---- */

static int problems_vadd(struct problems *p, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static int problems_vadd(struct problems *p, const char *fmt, va_list ap)
{
	char **v;
	char *s;
	size_t cap;
	va_list aq;
	int n;

	if (p->n > PROBLEMS_MAX)
		return 0;
	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 16;
		v = realloc(p->v, cap * sizeof *v);
		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	if (p->n == PROBLEMS_MAX) {
		s = strdup(PROBLEMS_TOO_MANY);
	} else {
		va_copy(aq, ap);
		n = vsnprintf(NULL, 0, fmt, aq);
		va_end(aq);
		if (n < 0)
			return -1;
		s = malloc((size_t)n + 1);
		if (s)
			vsnprintf(s, (size_t)n + 1, fmt, ap);
	}
	if (!s)
		return -1;
	p->v[p->n++] = s;
	return 0;
}

void problems_add(struct problems *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problems_vadd(p, fmt, ap);
	va_end(ap);
}

void problems_release(struct problems *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

void schema_problem(struct schema *c, const char *fmt, ...)
{
	va_list ap;

	c->found++;
	va_start(ap, fmt);
	if (c->variant) {
		/* "FILE: WHERE: WHAT" becomes "FILE: variant "V": WHERE: WHAT" */
		char msg[2048];
		const char *cut;

		vsnprintf(msg, sizeof msg, fmt, ap);
		cut = strstr(msg, ": ");
		for (size_t i = 0; c->seen && i < c->seen->n; i++)
			if (!strcmp(c->seen->v[i], msg)) {
				va_end(ap);
				return;
			}
		if (cut)
			problems_add(c->p, "%.*s: variant \"%s\": %s", (int)(cut - msg),
				     msg, c->variant, cut + 2);
		else
			problems_add(c->p, "variant \"%s\": %s", c->variant, msg);
	} else if (problems_vadd(c->p, fmt, ap) < 0) {
		c->oom = 1;
	}
	va_end(ap);
}

/* ---- text ---- */

/* A C0 or C1 control character or DEL at s (a valid sequence of n). */
int schema_is_control(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0] < 0x20 || s[0] == 0x7f;
	return n == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

/* Make len bytes of author text printable in out (size bytes): valid
 * UTF-8 other than controls is kept, any other byte becomes \xNN, and with
 * 'quoted' '"' and '\' are escaped.  At most (size - 4) / 4 input bytes are
 * shown; a longer text ends in "...". */
const char *schema_show(char *out, size_t size, const char *s, size_t len,
			int quoted)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t lim = (size - 4) / 4, i = 0, o = 0, n;

	if (lim > len)
		lim = len;
	while (i < lim) {
		n = utf8_seq_len(u + i, len - i);
		if (n > 1 && i + n > lim)
			break;
		if (n && !schema_is_control(u + i, n) &&
		    !(quoted && (u[i] == '"' || u[i] == '\\'))) {
			memcpy(out + o, u + i, n);
			o += n;
			i += n;
			continue;
		}
		if (n == 1 && u[i] >= 0x20 && u[i] < 0x7f) {
			out[o++] = '\\';
			out[o++] = (char)u[i];
		} else {
			snprintf(out + o, 5, "\\x%02x", u[i]);
			o += 4;
		}
		i++;
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
	return out;
}

const char *schema_show_str(char *out, const char *s)
{
	return schema_show(out, SCHEMA_SHOW_SIZE, s, strlen(s), 1);
}

/* ^[a-z0-9][a-z0-9<extra>]{0,max-1}$ */
int schema_is_name(const char *s, size_t max, const char *extra)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (i == 0 || !strchr(extra, s[i]))
			return 0;
	}
	return 1;
}

int schema_is_check_id(const char *s)
{
	return schema_is_name(s, 64, "._-");
}

/* ---- JSON ---- */

/* Deepest nesting of [ and { outside strings, stopping once past max:
 * jansson recurses per level, so depth is refused before it parses. */
static unsigned json_depth(const unsigned char *s, size_t len, unsigned max)
{
	unsigned depth = 0, deepest = 0;
	int in_str = 0, esc = 0;
	size_t i;

	for (i = 0; i < len && deepest <= max; i++) {
		if (in_str) {
			if (esc)
				esc = 0;
			else if (s[i] == '\\')
				esc = 1;
			else if (s[i] == '"')
				in_str = 0;
		} else if (s[i] == '"') {
			in_str = 1;
		} else if (s[i] == '[' || s[i] == '{') {
			if (++depth > deepest)
				deepest = depth;
		} else if ((s[i] == ']' || s[i] == '}') && depth) {
			depth--;
		}
	}
	return deepest;
}

/* Parse a JSON file of the tree, or report why not and return NULL. */
json_t *schema_load_json(struct schema *c, const char *file,
			 const struct tar_entry *t, size_t max)
{
	char msg[SCHEMA_SHOW_SIZE * 2];
	json_error_t je;
	json_t *j;

	if (t->len > max) {
		schema_problem(c, "%s: too large (%zu bytes, at most %zu)", file, t->len,
			max);
		return NULL;
	}
	if (json_depth(t->data, t->len, c->max_depth) > c->max_depth) {
		schema_problem(c, "%s: $: nested deeper than %u levels", file,
			c->max_depth);
		return NULL;
	}
	j = json_loadb((const char *)t->data, t->len, JSON_REJECT_DUPLICATES,
		       &je);
	if (j)
		return j;
	if (json_error_code(&je) == json_error_out_of_memory) {
		c->oom = 1;
		return NULL;
	}
	schema_show(msg, sizeof msg, je.text, strlen(je.text), 0);
	if (je.line > 0)
		schema_problem(c, "%s: line %d, column %d: %s", file, je.line,
			je.column, msg);
	else
		schema_problem(c, "%s: %s", file, msg);
	return NULL;
}

const char *schema_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction or exponent";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

/* parent.key, or parent["key"] when the key is not a plain name. */
static void key_path(char *out, size_t size, const char *parent,
		     const char *key)
{
	char q[SCHEMA_SHOW_SIZE];
	size_t i, len = strlen(key);
	int plain = len > 0 && len <= PROBLEM_MAX_QUOTE;

	for (i = 0; i < len && plain; i++)
		if (!(key[i] == '_' || (key[i] >= 'a' && key[i] <= 'z') ||
		      (key[i] >= 'A' && key[i] <= 'Z') ||
		      (i > 0 && key[i] >= '0' && key[i] <= '9')))
			plain = 0;
	if (plain)
		snprintf(out, size, "%s.%s", parent, key);
	else
		snprintf(out, size, "%s[\"%s\"]", parent, schema_show_str(q, key));
}

/* Edit distance, for "did you mean"; keys are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[64];

	if (la >= 64 || lb >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

/* Report every key of obj that is not in allowed (NULL-terminated). */
void schema_unknown_keys(struct schema *c, json_t *obj, const char *path,
			 const char *const *allowed)
{
	char where[SCHEMA_PATH_SIZE], list[512], mean[128];
	const char *key, *best;
	size_t i, o, d, bestd;
	json_t *v;

	o = 0;
	list[0] = 0;
	for (i = 0; allowed[i] && o < sizeof list; i++)
		o += (size_t)snprintf(list + o, sizeof list - o, "%s%s",
				      i ? ", " : "", allowed[i]);
	json_object_foreach(obj, key, v) {
		best = NULL;
		bestd = SIZE_MAX;
		for (i = 0; allowed[i]; i++) {
			if (!strcmp(key, allowed[i]))
				break;
			d = distance(key, allowed[i]);
			/* a typo, or the start of the key ("memory", "at") */
			if (!((d <= 2 && d < strlen(key)) ||
			      (strlen(key) >= 2 &&
			       !strncmp(allowed[i], key, strlen(key)))))
				continue;
			if (d < bestd) {
				bestd = d;
				best = allowed[i];
			}
		}
		if (allowed[i])
			continue;
		mean[0] = 0;
		if (best)
			snprintf(mean, sizeof mean, "did you mean \"%s\"? ", best);
		key_path(where, sizeof where, path, key);
		schema_problem(c, "%s: %s: unknown key; hint: %sthe allowed keys are %s",
			c->file, where, mean, list);
	}
}

void schema_not_integer(struct schema *c, const char *path, const json_t *v)
{
	if (json_is_real(v))
		schema_problem(c, "%s: %s: must be an integer; hint: write a whole number without a fraction or exponent (1000, not 1000.0 or 1e3)",
			c->file, path);
	else
		schema_problem(c, "%s: %s: must be an integer, not %s", c->file, path,
			schema_type_name(v));
}

/* An integer in [min, max]; unit (may be "") is said in the message. */
int schema_want_uint(struct schema *c, const json_t *v, const char *path,
		     unsigned min, unsigned max, const char *unit,
		     unsigned *out)
{
	json_int_t n;

	if (!json_is_integer(v)) {
		schema_not_integer(c, path, v);
		return -1;
	}
	n = json_integer_value(v);
	if (n < (json_int_t)min || n > (json_int_t)max) {
		schema_problem(c, "%s: %s: %lld is out of range; hint: use %u to %u%s",
			c->file, path, (long long)n, min, max, unit);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

const char *schema_want_string(struct schema *c, const json_t *v,
			       const char *path)
{
	if (!json_is_string(v)) {
		schema_problem(c, "%s: %s: must be a string, not %s", c->file, path,
			schema_type_name(v));
		return NULL;
	}
	return json_string_value(v);
}

int schema_keep(struct schema *c, char **dst, const char *s)
{
	*dst = strdup(s);
	if (!*dst) {
		c->oom = 1;
		return -1;
	}
	return 0;
}

/* An absolute path in the sandbox: "/a/b", no "." or ".." or empty
 * component, no trailing "/". */
int schema_is_sandbox_path(const char *p)
{
	const char *q;

	if (p[0] != '/' || !p[1] || strlen(p) >= SERVICE_MAX_ARG)
		return 0;
	for (q = p; *q; q++) {
		if ((unsigned char)*q < 0x20)
			return 0;
		if (*q != '/')
			continue;
		if (q[1] == '/' || q[1] == 0)
			return 0;
		if (q[1] == '.' && (q[2] == '/' || q[2] == 0 ||
				    (q[2] == '.' && (q[3] == '/' || q[3] == 0))))
			return 0;
	}
	return 1;
}
