/* scenario: checks a scenario tree (layout, scenario.json, brief.md,
 * hints.md, grader, solutions) and reports every problem in one pass.
 *
 * It does not read the disk, run the grader or the solutions, or know about
 * sandboxes; the fault plan and variants belong to later schema work.
 * Author text echoed in a problem is made printable first (show()), so a
 * hostile tree cannot write terminal escapes through validate. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "sandbox/sandbox.h"
#include "scenarios/platform/sim.h"

#define MANIFEST "scenario.json"
#define BRIEF "brief.md"
#define HINTS "hints.md"
#define GRADE_LUA "grader/grade.lua"
#define KEYS_JSON "grader/keys.json"
#define REFERENCE "solutions/reference.sh"
#define MUST_FAIL "# must-fail:"
#define HINT_HEAD "## Hint (cost "

/* An echoed value: each input byte may become "\xNN". */
#define SHOW_SIZE (PROBLEM_MAX_QUOTE * 4 + 4)
/* A JSON path: a few keys and an index. */
#define PATH_SIZE (SHOW_SIZE + 64)

const struct scenario_limits scenario_default_limits = {
	.memory_mb = SESSION_DEFAULT_MEMORY_MB,
	.processes = SESSION_DEFAULT_PROCS,
	.disk_mb = SESSION_DEFAULT_DISK_MB,
	.cpu_s = SESSION_DEFAULT_CPU_S,
	.open_files = SESSION_DEFAULT_NOFILE,
};

/* One check run: where problems go, and whether memory ran out (then the
 * problems are incomplete and the caller gets a host error instead). */
struct ctx {
	struct problems *p;
	unsigned max_depth;
	size_t found; /* problems found, kept or not */
	int oom;
	const char *variant; /* checking this variant's plan: say so */
};

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

static void problem(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct ctx *c, const char *fmt, ...)
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

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if there is none:
 * no overlong forms, surrogates or code points past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 1;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 2;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 3;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < need + 1 || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need + 1;
}

/* Offset of the first byte that is not valid UTF-8 or is NUL, or len. */
static size_t utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (s[i] == 0)
			return i;
		n = utf8_seq(s + i, len - i);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

/* A C0 or C1 control character or DEL at s (a valid sequence of n). */
static int is_control(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0] < 0x20 || s[0] == 0x7f;
	return n == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

/* Make len bytes of author text printable in out (size bytes): valid
 * UTF-8 other than controls is kept, any other byte becomes \xNN, and with
 * 'quoted' '"' and '\' are escaped.  At most (size - 4) / 4 input bytes are
 * shown; a longer text ends in "...". */
static const char *show(char *out, size_t size, const char *s, size_t len,
			int quoted)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t lim = (size - 4) / 4, i = 0, o = 0, n;

	if (lim > len)
		lim = len;
	while (i < lim) {
		n = utf8_seq(u + i, len - i);
		if (n > 1 && i + n > lim)
			break;
		if (n && !is_control(u + i, n) &&
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

static const char *show_str(char *out, const char *s)
{
	return show(out, SHOW_SIZE, s, strlen(s), 1);
}

static unsigned line_of(const unsigned char *data, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

static int is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' &&
		    s[i] != '\f' && s[i] != '\v')
			return 0;
	return 1;
}

/* One line of a text file: s and len without "\n" or a final "\r". */
struct line {
	const char *s;
	size_t len;
	unsigned no;
	size_t start, end; /* offsets of the line and past its "\n" */
};

static int next_line(const unsigned char *data, size_t len, struct line *l)
{
	const unsigned char *nl;
	size_t start = l->no ? l->end : 0;

	if (start >= len)
		return 0;
	nl = memchr(data + start, '\n', len - start);
	l->s = (const char *)data + start;
	l->start = start;
	l->end = nl ? (size_t)(nl - data) + 1 : len;
	l->len = (nl ? (size_t)(nl - data) : len) - start;
	if (l->len && l->s[l->len - 1] == '\r')
		l->len--;
	l->no++;
	return 1;
}

static int starts(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && !memcmp(l->s, prefix, n);
}

/* ^[a-z0-9][a-z0-9<extra>]{0,max-1}$ */
static int is_name(const char *s, size_t max, const char *extra)
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

static int is_id(const char *s)
{
	return is_name(s, 63, "-");
}

static int is_check_id(const char *s)
{
	return is_name(s, 64, "._-");
}

/* Parse a decimal in [min, max] from len bytes (parse_u64's rules). */
static int parse_num(const char *s, size_t len, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	char tmp[24];

	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	return parse_u64(tmp, min, max, out);
}

/* ---- semantic versions (semver.org 2.0.0) ---- */

static int is_alnum_hyphen(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= 'A' && ch <= 'Z') || ch == '-';
}

/* Dot-separated identifiers up to stop or the end; numeric ones have no
 * leading zero when numeric_rule.  Returns NULL or the reason. */
static const char *semver_idents(const char **sp, char stop, int numeric_rule)
{
	const char *s = *sp, *start;
	int digits_only;

	for (;;) {
		start = s;
		digits_only = 1;
		while (*s && *s != '.' && *s != stop) {
			if (!is_alnum_hyphen(*s))
				return "only letters, digits, '-' and '.' may follow '-' or '+'";
			if (*s < '0' || *s > '9')
				digits_only = 0;
			s++;
		}
		if (s == start)
			return "an empty identifier after '-', '+' or '.'";
		if (numeric_rule && digits_only && s - start > 1 && *start == '0')
			return "a numeric pre-release identifier with a leading zero";
		if (*s != '.')
			break;
		s++;
	}
	*sp = s;
	return NULL;
}

/* NULL if s is a semantic version, else why not. */
static const char *semver_problem(const char *s)
{
	const char *start, *why;
	int i;

	if (strlen(s) > SCENARIO_MAX_VERSION)
		return "too long";
	for (i = 0; i < 3; i++) {
		start = s;
		while (*s >= '0' && *s <= '9')
			s++;
		if (s == start)
			return "it must start MAJOR.MINOR.PATCH";
		if (s - start > 1 && *start == '0')
			return "a number with a leading zero";
		if (i < 2 && *s++ != '.')
			return "it must start MAJOR.MINOR.PATCH";
	}
	if (*s == '-') {
		s++;
		why = semver_idents(&s, '+', 1);
		if (why)
			return why;
	}
	if (*s == '+') {
		s++;
		why = semver_idents(&s, 0, 0);
		if (why)
			return why;
	}
	if (*s)
		return "unexpected text after MAJOR.MINOR.PATCH";
	return NULL;
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
static json_t *load_json(struct ctx *c, const char *file,
			 const struct tar_entry *t, size_t max)
{
	char msg[SHOW_SIZE * 2];
	json_error_t je;
	json_t *j;

	if (t->len > max) {
		problem(c, "%s: too large (%zu bytes, at most %zu)", file, t->len,
			max);
		return NULL;
	}
	if (json_depth(t->data, t->len, c->max_depth) > c->max_depth) {
		problem(c, "%s: $: nested deeper than %u levels", file,
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
	show(msg, sizeof msg, je.text, strlen(je.text), 0);
	if (je.line > 0)
		problem(c, "%s: line %d, column %d: %s", file, je.line,
			je.column, msg);
	else
		problem(c, "%s: %s", file, msg);
	return NULL;
}

static const char *type_name(const json_t *v)
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
	char q[SHOW_SIZE];
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
		snprintf(out, size, "%s[\"%s\"]", parent, show_str(q, key));
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
static void unknown_keys(struct ctx *c, json_t *obj, const char *path,
			 const char *const *allowed)
{
	char where[PATH_SIZE], list[512], mean[128];
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
			/* a typo, or the start of the key ("memory") */
			if (!((d <= 2 && d < strlen(key)) ||
			      (strlen(key) >= 3 &&
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
		problem(c, "%s: %s: unknown key; hint: %sthe allowed keys are %s",
			MANIFEST, where, mean, list);
	}
}

static void not_integer(struct ctx *c, const char *path, const json_t *v)
{
	if (json_is_real(v))
		problem(c, "%s: %s: must be an integer; hint: write a whole number without a fraction or exponent (1000, not 1000.0 or 1e3)",
			MANIFEST, path);
	else
		problem(c, "%s: %s: must be an integer, not %s", MANIFEST, path,
			type_name(v));
}

/* An integer in [min, max]; unit (may be "") is said in the message. */
static int want_uint(struct ctx *c, const json_t *v, const char *path,
		     unsigned min, unsigned max, const char *unit,
		     unsigned *out)
{
	json_int_t n;

	if (!json_is_integer(v)) {
		not_integer(c, path, v);
		return -1;
	}
	n = json_integer_value(v);
	if (n < (json_int_t)min || n > (json_int_t)max) {
		problem(c, "%s: %s: %lld is out of range; hint: use %u to %u%s",
			MANIFEST, path, (long long)n, min, max, unit);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static const char *want_string(struct ctx *c, const json_t *v,
			       const char *path)
{
	if (!json_is_string(v)) {
		problem(c, "%s: %s: must be a string, not %s", MANIFEST, path,
			type_name(v));
		return NULL;
	}
	return json_string_value(v);
}

static int keep(struct ctx *c, char **dst, const char *s)
{
	*dst = strdup(s);
	if (!*dst) {
		c->oom = 1;
		return -1;
	}
	return 0;
}

/* ---- scenario.json ---- */

static const char *const manifest_keys[] = {
	"schema", "id", "version", "title", "level", "competencies",
	"platform", "grader_api", "pass_mark", "time_limit_s",
	"valid_for_days", "limits", "services", "faults", "record_input",
	"variants", "candidate_owns", NULL,
};

/* What to write when a required key is missing. */
static const char *const manifest_examples[] = {
	"1", "\"policy-rollback\"", "\"1.0.0\"",
	"\"Roll back a bad policy version\"", "\"practitioner\"",
	"[\"policy-debugging\"]", "\"agentsim-1\"", "1", "700", "1800", "730",
	NULL,
};

static const char *const limits_keys[] = {
	"memory_mb", "processes", "disk_mb", "cpu_s", "open_files", NULL,
};

static const char *const service_keys[] = {"name", "argv", "owns", "restart", NULL};
static const char *const restart_policies[] = {"never", "on-request", "always"};

static const char *const levels[] = {
	"foundation", "practitioner", "specialist", "architect", NULL,
};

static void check_id(struct ctx *c, const json_t *v, struct scenario *s)
{
	char q[SHOW_SIZE];
	const char *id = want_string(c, v, "$.id");

	if (!id)
		return;
	if (!is_id(id)) {
		problem(c, "%s: $.id: \"%s\" is not a scenario id; hint: lowercase letters, digits and '-', starting with a letter or digit, at most 63 bytes",
			MANIFEST, show_str(q, id));
		return;
	}
	keep(c, &s->id, id);
}

static void check_version(struct ctx *c, const json_t *v, struct scenario *s)
{
	char q[SHOW_SIZE];
	const char *ver = want_string(c, v, "$.version"), *why;

	if (!ver)
		return;
	why = semver_problem(ver);
	if (why) {
		problem(c, "%s: $.version: \"%s\" is not a semantic version (%s); hint: MAJOR.MINOR.PATCH without leading zeros, optionally -PRERELEASE and +BUILD, such as 1.0.0 or 2.1.0-rc.1",
			MANIFEST, show_str(q, ver), why);
		return;
	}
	keep(c, &s->version, ver);
}

static void check_title(struct ctx *c, const json_t *v, struct scenario *s)
{
	const unsigned char *t;
	size_t len, i, n;

	if (!want_string(c, v, "$.title"))
		return;
	t = (const unsigned char *)json_string_value(v);
	len = json_string_length(v);
	if (is_blank((const char *)t, len)) {
		problem(c, "%s: $.title: is empty; hint: one line saying what the candidate repairs",
			MANIFEST);
		return;
	}
	if (len > SCENARIO_MAX_TITLE) {
		problem(c, "%s: $.title: too long (%zu bytes, at most %d)",
			MANIFEST, len, SCENARIO_MAX_TITLE);
		return;
	}
	for (i = 0; i < len; i += n) {
		n = utf8_seq(t + i, len - i);
		if (!n || is_control(t + i, n)) {
			problem(c, "%s: $.title: contains a control character at byte %zu; hint: a title is one line of plain text",
				MANIFEST, i);
			return;
		}
	}
	keep(c, &s->title, (const char *)t);
}

static void check_level(struct ctx *c, const json_t *v, struct scenario *s)
{
	char q[SHOW_SIZE];
	const char *lv = want_string(c, v, "$.level");
	size_t i;

	if (!lv)
		return;
	for (i = 0; levels[i]; i++)
		if (!strcmp(lv, levels[i]))
			break;
	if (!levels[i]) {
		problem(c, "%s: $.level: \"%s\" is not a level; hint: use one of foundation, practitioner, specialist, architect",
			MANIFEST, show_str(q, lv));
		return;
	}
	keep(c, &s->level, lv);
}

static void check_competencies(struct ctx *c, const json_t *v,
			       struct scenario *s)
{
	char q[SHOW_SIZE], path[PATH_SIZE];
	const char *name;
	size_t i, j, n;
	json_t *item;

	if (!json_is_array(v)) {
		problem(c, "%s: $.competencies: must be an array of competency ids, not %s",
			MANIFEST, type_name(v));
		return;
	}
	n = json_array_size(v);
	if (n == 0) {
		problem(c, "%s: $.competencies: is empty; hint: name at least one competency the scenario tests, such as [\"policy-debugging\"]",
			MANIFEST);
		return;
	}
	if (n > SCENARIO_MAX_COMPETENCIES) {
		problem(c, "%s: $.competencies: %zu competencies, at most %d; hint: split the scenario",
			MANIFEST, n, SCENARIO_MAX_COMPETENCIES);
		return;
	}
	s->competencies = calloc(n, sizeof *s->competencies);
	if (!s->competencies) {
		c->oom = 1;
		return;
	}
	json_array_foreach(v, i, item) {
		snprintf(path, sizeof path, "$.competencies[%zu]", i);
		name = want_string(c, item, path);
		if (!name)
			continue;
		if (!is_id(name)) {
			problem(c, "%s: %s: \"%s\" is not a competency id; hint: lowercase letters, digits and '-', starting with a letter or digit, at most 63 bytes",
				MANIFEST, path, show_str(q, name));
			continue;
		}
		for (j = 0; j < i; j++)
			if (json_equal(item, json_array_get(v, j)))
				break;
		if (j < i) {
			problem(c, "%s: %s: \"%s\" repeats $.competencies[%zu]; hint: list each competency once",
				MANIFEST, path, name, j);
			continue;
		}
		if (keep(c, &s->competencies[s->ncompetencies], name) == 0)
			s->ncompetencies++;
	}
}

static void check_platform(struct ctx *c, const json_t *v, struct scenario *s)
{
	char q[SHOW_SIZE];
	const char *pf = want_string(c, v, "$.platform");

	if (!pf)
		return;
	if (!is_name(pf, 63, ".-")) {
		problem(c, "%s: $.platform: \"%s\" is not a platform version; hint: lowercase letters, digits, '.' and '-', such as \"agentsim-1\"",
			MANIFEST, show_str(q, pf));
		return;
	}
	keep(c, &s->platform, pf);
}

/* "schema" and "grader_api": the one version this labrun speaks. */
static void check_api(struct ctx *c, const json_t *v, const char *path,
		      const char *what, unsigned *out)
{
	if (!json_is_integer(v)) {
		not_integer(c, path, v);
		return;
	}
	if (json_integer_value(v) != 1) {
		problem(c, "%s: %s: unsupported %s %lld; hint: this labrun reads %s 1",
			MANIFEST, path, what, (long long)json_integer_value(v),
			what);
		return;
	}
	*out = 1;
}

static void check_limits(struct ctx *c, json_t *v, struct scenario *s)
{
	static const struct {
		const char *key;
		unsigned min, max;
		const char *unit;
		size_t off;
	} fields[] = {
		{"memory_mb", SESSION_MIN_MEMORY_MB, SESSION_MAX_MEMORY_MB,
		 " MiB", offsetof(struct scenario_limits, memory_mb)},
		{"processes", SESSION_MIN_PROCS, SESSION_MAX_PROCS, "",
		 offsetof(struct scenario_limits, processes)},
		{"disk_mb", 1, SESSION_MAX_DISK_MB, " MiB",
		 offsetof(struct scenario_limits, disk_mb)},
		{"cpu_s", 1, SESSION_MAX_CPU_S, " CPU seconds",
		 offsetof(struct scenario_limits, cpu_s)},
		{"open_files", SESSION_MIN_NOFILE, SESSION_MAX_NOFILE, "",
		 offsetof(struct scenario_limits, open_files)},
	};
	char path[PATH_SIZE];
	json_t *f;
	size_t i;

	if (!json_is_object(v)) {
		problem(c, "%s: $.limits: must be an object, not %s; hint: such as {\"memory_mb\": 512}",
			MANIFEST, type_name(v));
		return;
	}
	unknown_keys(c, v, "$.limits", limits_keys);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		f = json_object_get(v, fields[i].key);
		if (!f)
			continue;
		snprintf(path, sizeof path, "$.limits.%s", fields[i].key);
		want_uint(c, f, path, fields[i].min, fields[i].max,
			  fields[i].unit,
			  (unsigned *)((char *)&s->limits + fields[i].off));
	}
}

/* An absolute path in the sandbox: "/a/b", no "." or ".." or empty
 * component, no trailing "/". */
static int is_sandbox_path(const char *p)
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

static int keep_list(struct ctx *c, const json_t *arr, const char *path,
		     size_t max, int paths, char ***out, size_t *n)
{
	char q[SHOW_SIZE], ip[PATH_SIZE];
	const char *str;
	json_t *item;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) > max) {
		problem(c, "%s: %s: must be an array of at most %zu strings",
			MANIFEST, path, max);
		return -1;
	}
	*out = calloc(json_array_size(arr) + 1, sizeof **out);
	if (!*out) {
		c->oom = 1;
		return -1;
	}
	json_array_foreach(arr, i, item) {
		snprintf(ip, sizeof ip, "%s[%zu]", path, i);
		str = want_string(c, item, ip);
		if (!str)
			return -1;
		if (strlen(str) != json_string_length(item) ||
		    strlen(str) >= SERVICE_MAX_ARG) {
			problem(c, "%s: %s: a NUL byte, or longer than %d bytes",
				MANIFEST, ip, SERVICE_MAX_ARG - 1);
			return -1;
		}
		if ((paths || i == 0) && !is_sandbox_path(str)) {
			problem(c, "%s: %s: \"%s\" is not an absolute path in the sandbox; hint: such as /srv/agentsim/bin/agentd",
				MANIFEST, ip, show_str(q, str));
			return -1;
		}
		if (keep(c, &(*out)[*n], str) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static void check_services(struct ctx *c, json_t *v, struct scenario *s)
{
	char q[SHOW_SIZE], path[PATH_SIZE];
	struct scenario_service *sv;
	const char *name;
	json_t *item, *f;
	size_t i, j;

	if (!json_is_array(v) || json_array_size(v) > SCENARIO_MAX_SERVICES) {
		problem(c, "%s: $.services: must be an array of at most %d services; hint: [{\"name\": \"agentd\", \"argv\": [\"/srv/agentsim/bin/agentd\"]}]",
			MANIFEST, SCENARIO_MAX_SERVICES);
		return;
	}
	s->services = calloc(json_array_size(v) + 1, sizeof *s->services);
	if (!s->services) {
		c->oom = 1;
		return;
	}
	json_array_foreach(v, i, item) {
		snprintf(path, sizeof path, "$.services[%zu]", i);
		if (!json_is_object(item)) {
			problem(c, "%s: %s: must be an object, not %s", MANIFEST,
				path, type_name(item));
			continue;
		}
		unknown_keys(c, item, path, service_keys);
		sv = &s->services[s->nservices];
		snprintf(path, sizeof path, "$.services[%zu].name", i);
		name = (f = json_object_get(item, "name")) ? want_string(c, f, path)
							 : NULL;
		if (!f)
			problem(c, "%s: %s: missing; hint: a short name such as \"agentd\"",
				MANIFEST, path);
		if (!name)
			continue;
		if (!is_name(name, 32, "-") || !(name[0] >= 'a' && name[0] <= 'z')) {
			problem(c, "%s: %s: \"%s\" is not a service name; hint: lowercase letters, digits and '-', starting with a letter, at most 32 bytes",
				MANIFEST, path, show_str(q, name));
			continue;
		}
		for (j = 0; j < s->nservices; j++)
			if (!strcmp(s->services[j].name, name))
				break;
		if (j < s->nservices) {
			problem(c, "%s: %s: \"%s\" names two services", MANIFEST,
				path, name);
			continue;
		}
		snprintf(path, sizeof path, "$.services[%zu].argv", i);
		if (!(f = json_object_get(item, "argv")) || !json_array_size(f)) {
			problem(c, "%s: %s: missing or empty; hint: [\"/srv/agentsim/bin/agentd\", \"--port\", \"7000\"]",
				MANIFEST, path);
			continue;
		}
		if (keep(c, &sv->name, name) < 0)
			return;
		sv->at = i;
		s->nservices++;
		if (keep_list(c, f, path, SERVICE_MAX_ARGS, 0, &sv->argv,
			      &sv->argc) < 0)
			continue;
		snprintf(path, sizeof path, "$.services[%zu].owns", i);
		if ((f = json_object_get(item, "owns")))
			keep_list(c, f, path, SERVICE_MAX_OWNS, 1, &sv->owns,
				  &sv->nowns);
		snprintf(path, sizeof path, "$.services[%zu].restart", i);
		if ((f = json_object_get(item, "restart"))) {
			const char *pol = want_string(c, f, path);

			for (j = 0; pol && j < 3; j++)
				if (!strcmp(pol, restart_policies[j]))
					break;
			if (pol && j == 3)
				problem(c, "%s: %s: \"%s\" is not a restart policy; hint: \"never\" (the default), \"on-request\" (the candidate may `lab restart` it) or \"always\" (also started again when it ends)",
					MANIFEST, path, show_str(q, pol));
			else if (pol)
				sv->restart = (int)j;
		}
	}
}

/* Each owned path must be something the scenario lays into system/. */
static void check_owned(struct ctx *c, const struct tar_list *files,
			const struct scenario *s)
{
	char name[SERVICE_MAX_ARG + 16], q[SHOW_SIZE];
	size_t i, k, f, len;

	for (i = 0; i < s->nservices; i++) {
		for (k = 0; k < s->services[i].nowns; k++) {
			len = (size_t)snprintf(name, sizeof name, "system%s",
					       s->services[i].owns[k]);
			for (f = 0; f < files->n; f++) {
				const char *fn = files->v[f].name;

				if (!strncmp(fn, name, len) &&
				    (fn[len] == 0 || fn[len] == '/'))
					break;
			}
			if (f == files->n)
				problem(c, "%s: $.services[%zu].owns[%zu]: \"%s\" is not under system/; hint: a service owns files the scenario lays in place",
					MANIFEST, s->services[i].at, k,
					show_str(q, s->services[i].owns[k]));
		}
	}
}

/* What the candidate must never be able to write, because a service (or
 * any program it starts) reads it as code or as who is who: writing it
 * would run the candidate's code under the service's id (docs/validity.md,
 * V1).  A path the candidate owns may be neither one of these, nor above
 * one, nor beneath one. */
static const struct {
	const char *path;
	const char *why;
} protected_paths[] = {
	{"/etc/ld.so.preload", "the loader's configuration (a library it names is loaded into every program)"},
	{"/etc/ld.so.conf", "the loader's configuration"},
	{"/etc/ld.so.conf.d", "the loader's configuration"},
	{"/etc/ld.so.cache", "the loader's cache"},
	{"/etc/nsswitch.conf", "the name service's configuration (it names libraries to load)"},
	{"/etc/passwd", "who is who, for every program"},
	{"/etc/group", "who is who, for every program"},
	{"/etc/shadow", "who is who, for every program"},
	{"/etc/gshadow", "who is who, for every program"},
	{"/etc/hosts", "what names resolve to, for every program"},
	{"/etc/host.conf", "the resolver's configuration"},
	{"/etc/resolv.conf", "the resolver's configuration"},
	{"/etc/gai.conf", "the resolver's configuration"},
	{"/etc/localtime", "the time zone every program reads"},
	{"/etc/environment", "an environment programs may read at start"},
	{"/etc/profile", "code shells run at start"},
	{"/etc/profile.d", "code shells run at start"},
	{"/etc/bash.bashrc", "code bash runs at start"},
	{"/etc/alternatives", "which program a command name runs"},
	{"/etc/faketimerc", "libfaketime's configuration (clock faults)"},
	{"/etc/python3", "code python runs at start (sitecustomize)"},
	{"/etc/python3.11", "code python runs at start (sitecustomize)"},
	{"/usr", "the host's programs and libraries"},
	{"/bin", "a directory on every PATH"},
	{"/sbin", "a directory of programs"},
	{"/lib", "the host's libraries"},
	{"/lib32", "the host's libraries"},
	{"/lib64", "the host's libraries"},
	{"/libx32", "the host's libraries"},
	{"/opt/labrun", "labrun's own programs"},
	{"/proc", "the kernel's view of processes"},
	{"/dev", "devices"},
	{"/sys", "the kernel"},
	{"/tmp", "a shared scratch directory (already writable by everyone, sticky)"},
	{"/var/lib/service", "the services' home directory"},
	{"/var/log/labrun", "the services' logs, which labrun writes"},
};

/* Is a (a sandbox path) the same as b, or above it, or beneath it? */
static int paths_overlap(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == 1 || lb == 1) /* "/" */
		return 1;
	if (la <= lb)
		return !strncmp(a, b, la) && (b[la] == 0 || b[la] == '/');
	return !strncmp(a, b, lb) && a[lb] == '/';
}

/* $.candidate_owns: each path laid in place by system/, none the
 * candidate's already, none that holds what a service reads as code or
 * identity, none a service owns. */
static void check_candidate_owns(struct ctx *c, const struct tar_list *files,
				 const struct scenario *s)
{
	char name[SERVICE_MAX_ARG + 16], q[SHOW_SIZE], q2[SHOW_SIZE];
	char dir[SERVICE_MAX_ARG];
	const char *cp, *slash;
	size_t i, k, j, f, len;

	for (i = 0; i < s->ncandidate_owns; i++) {
		cp = s->candidate_owns[i];
		if (paths_overlap(cp, SBX_CANDIDATE_HOME) &&
		    strlen(cp) >= strlen(SBX_CANDIDATE_HOME)) {
			problem(c, "%s: $.candidate_owns[%zu]: \"%s\" is in the candidate's home, which is theirs already; hint: remove it",
				MANIFEST, i, show_str(q, cp));
			continue;
		}
		for (k = 0; k < sizeof protected_paths / sizeof *protected_paths; k++)
			if (paths_overlap(cp, protected_paths[k].path))
				break;
		if (k < sizeof protected_paths / sizeof *protected_paths) {
			problem(c, "%s: $.candidate_owns[%zu]: \"%s\" would let the candidate write %s: %s; hint: give the candidate a directory of the scenario's own, such as /etc/agentsim",
				MANIFEST, i, show_str(q, cp),
				protected_paths[k].path, protected_paths[k].why);
			continue;
		}
		for (k = 0; k < s->nservices; k++) {
			const struct scenario_service *sv = &s->services[k];

			for (j = 0; j < sv->nowns; j++)
				if (paths_overlap(cp, sv->owns[j]))
					break;
			if (j < sv->nowns) {
				problem(c, "%s: $.candidate_owns[%zu]: \"%s\" overlaps %s, which service \"%s\" owns; hint: a path has one owner",
					MANIFEST, i, show_str(q, cp),
					show_str(q2, sv->owns[j]), sv->name);
				break;
			}
			/* what a service runs, and the directory it is in
			 * (python puts a script's directory first on its
			 * path; a script sources its neighbours) */
			for (j = 0; j < sv->argc; j++) {
				if (sv->argv[j][0] != '/')
					continue;
				slash = strrchr(sv->argv[j], '/');
				len = (size_t)(slash - sv->argv[j]);
				snprintf(dir, sizeof dir, "%.*s", (int)(len ? len : 1),
					 sv->argv[j]);
				if (paths_overlap(cp, sv->argv[j]) ||
				    (len && paths_overlap(cp, dir)))
					break;
			}
			if (j < sv->argc) {
				problem(c, "%s: $.candidate_owns[%zu]: \"%s\" would let the candidate change what service \"%s\" runs (%s); hint: keep a service's programs and their directory out of the candidate's reach",
					MANIFEST, i, show_str(q, cp), sv->name,
					show_str(q2, sv->argv[j]));
				break;
			}
		}
		if (k < s->nservices)
			continue;
		len = (size_t)snprintf(name, sizeof name, "system%s", cp);
		for (f = 0; f < files->n; f++) {
			const char *fn = files->v[f].name;

			if (!strncmp(fn, name, len) && (fn[len] == 0 || fn[len] == '/'))
				break;
		}
		if (f == files->n)
			problem(c, "%s: $.candidate_owns[%zu]: \"%s\" is not under system/; hint: the candidate owns files and directories the scenario lays in place",
				MANIFEST, i, show_str(q, cp));
	}
}

static const char *const fault_kinds[] = {
	[FAULT_FILE_REPLACE] = "file.replace",
	[FAULT_FILE_TRUNCATE] = "file.truncate",
	[FAULT_FILE_GARBAGE] = "file.garbage",
	[FAULT_FILE_DELETE] = "file.delete",
	[FAULT_FILE_CHMOD] = "file.chmod",
	[FAULT_PROCESS_KILL] = "process.kill",
	[FAULT_SYSCALL_ERRNO] = "syscall.errno",
	[FAULT_SYSCALL_FILE] = "syscall.file",
	[FAULT_SYSCALL_DELAY] = "syscall.delay",
	[FAULT_PROCESS_FREEZE] = "process.freeze",
	[FAULT_NET_REFUSE] = "net.refuse",
	[FAULT_NET_DROP] = "net.drop",
	[FAULT_DISK_FULL] = "disk.full",
	[FAULT_DISK_INODES] = "disk.inodes",
	[FAULT_CLOCK_OFFSET] = "clock.offset",
	[FAULT_PLATFORM] = "platform.*",
	[FAULT_PROCESS_CRASHLOOP] = "process.crashloop",
};

#define FAULT_KIND_LIST "file.replace, file.truncate, file.garbage, file.delete, file.chmod, process.kill, process.freeze, process.crashloop, syscall.errno, syscall.file, syscall.delay, net.refuse, net.drop, disk.full, disk.inodes, clock.offset, platform.* (docs/platform.md)"

/* The errnos a syscall fault may return, by name. */
static const struct {
	const char *name;
	int err;
} fault_errnos[] = {
	{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EACCES", EACCES}, {"EPERM", EPERM},
	{"ENOENT", ENOENT}, {"EROFS", EROFS}, {"EAGAIN", EAGAIN},
	{"EBUSY", EBUSY}, {"EMFILE", EMFILE}, {"ENFILE", ENFILE},
	{"EDQUOT", EDQUOT}, {"ETIMEDOUT", ETIMEDOUT},
	{"ECONNREFUSED", ECONNREFUSED}, {"ECONNRESET", ECONNRESET},
	{"ENETUNREACH", ENETUNREACH}, {"EHOSTUNREACH", EHOSTUNREACH},
	{"EINTR", EINTR}, {"ENOMEM", ENOMEM}, {"EEXIST", EEXIST},
	{"ENOTDIR", ENOTDIR}, {"EISDIR", EISDIR}, {"EINVAL", EINVAL},
	{"EFBIG", EFBIG}, {"ESTALE", ESTALE}, {"EXDEV", EXDEV},
	{"ELOOP", ELOOP}, {"ENAMETOOLONG", ENAMETOOLONG},
	{"ETXTBSY", ETXTBSY},
};

static const struct {
	const char *name;
	int signo;
} fault_signals[] = {
	{"SIGKILL", 9}, {"SIGTERM", 15}, {"SIGINT", 2}, {"SIGHUP", 1},
	{"SIGQUIT", 3}, {"SIGUSR1", 10}, {"SIGUSR2", 12}, {"SIGSTOP", 19},
	{"SIGABRT", 6}, {"SIGSEGV", 11},
};

const char *fault_kind_name(enum fault_kind k)
{
	return fault_kinds[k];
}

#define SYSCALL_KEYS "id", "kind", "call", "path", "port", "target", "after", \
	"every", "probability", "limit"
/* The keys each kind takes. */
static const char *const fault_keys[][13] = {
	[FAULT_FILE_REPLACE] = {"id", "kind", "path", "from", NULL},
	[FAULT_FILE_TRUNCATE] = {"id", "kind", "path", "size", NULL},
	[FAULT_FILE_GARBAGE] = {"id", "kind", "path", "offset", "length"},
	[FAULT_FILE_DELETE] = {"id", "kind", "path", NULL, NULL},
	[FAULT_FILE_CHMOD] = {"id", "kind", "path", "mode", NULL},
	[FAULT_PROCESS_KILL] = {"id", "kind", "service", "signal", "at_s", "when_file",
				"after_requests", NULL},
	[FAULT_SYSCALL_ERRNO] = {SYSCALL_KEYS, "errno", NULL},
	[FAULT_SYSCALL_FILE] = {SYSCALL_KEYS, "with", NULL},
	[FAULT_SYSCALL_DELAY] = {SYSCALL_KEYS, "delay_ms", NULL},
	[FAULT_PROCESS_FREEZE] = {"id", "kind", "service", "at_s", "when_file",
				  "after_requests", NULL},
	[FAULT_NET_REFUSE] = {"id", "kind", "port", NULL},
	[FAULT_NET_DROP] = {"id", "kind", "port", NULL},
	[FAULT_DISK_FULL] = {"id", "kind", "path", "free_kb", NULL},
	[FAULT_DISK_INODES] = {"id", "kind", "path", "free_inodes", NULL},
	[FAULT_CLOCK_OFFSET] = {"id", "kind", "offset_s", "rate", "target", NULL},
	[FAULT_PLATFORM] = {NULL}, /* agentd checks its own keys */
	[FAULT_PROCESS_CRASHLOOP] = {"id", "kind", "service", "signal", "at_s",
				     "when_file", "after_requests", "after_ms",
				     "times", "while_file", NULL},
};

static int fault_num(struct ctx *c, json_t *o, const char *key, size_t i,
		     unsigned long long max, unsigned long long *out)
{
	char path[PATH_SIZE];
	json_t *v = json_object_get(o, key);

	snprintf(path, sizeof path, "$.faults[%zu].%s", i, key);
	if (!v) {
		problem(c, "%s: %s: missing", MANIFEST, path);
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (unsigned long long)json_integer_value(v) > max) {
		problem(c, "%s: %s: must be an integer from 0 to %llu", MANIFEST,
			path, max);
		return -1;
	}
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

/* An optional number key of a syscall fault within [min, max]. */
static int syscall_num(struct ctx *c, json_t *item, size_t i, const char *key,
		       unsigned long long min, unsigned long long max,
		       unsigned long long dflt, unsigned long long *out)
{
	json_t *v = json_object_get(item, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (unsigned long long)json_integer_value(v) < min ||
	    (unsigned long long)json_integer_value(v) > max) {
		problem(c, "%s: $.faults[%zu].%s: must be an integer from %llu to %llu",
			MANIFEST, i, key, min, max);
		return -1;
	}
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

static const char *syscall_str(struct ctx *c, json_t *item, size_t i,
			       const char *key, int required, const char *hint)
{
	char path[PATH_SIZE];
	json_t *x = json_object_get(item, key);

	snprintf(path, sizeof path, "$.faults[%zu].%s", i, key);
	if (!x) {
		if (required)
			problem(c, "%s: %s: missing; hint: %s", MANIFEST, path, hint);
		return NULL;
	}
	return want_string(c, x, path);
}

/* process.kill: a service of the scenario, a signal, a time;
 * process.freeze: a service and a time. */
static void check_process_fault(struct ctx *c, json_t *item, size_t i,
				const char *id, enum fault_kind kind,
				struct scenario *s)
{
	struct fault *f = &s->faults[s->nfaults];
	char q[SHOW_SIZE], path[PATH_SIZE];
	const char *svc, *sig, *when, *while_file = NULL;
	unsigned long long at = 0;
	json_t *x;
	size_t j;

	snprintf(path, sizeof path, "$.faults[%zu].service", i);
	x = json_object_get(item, "service");
	svc = x ? want_string(c, x, path) : NULL;
	if (!x)
		problem(c, "%s: %s: missing; hint: the name of one of $.services",
			MANIFEST, path);
	if (!svc)
		return;
	for (j = 0; j < s->nservices; j++)
		if (!strcmp(s->services[j].name, svc))
			break;
	if (j == s->nservices) {
		problem(c, "%s: %s: \"%s\" is not one of $.services", MANIFEST,
			path, show_str(q, svc));
		return;
	}
	if (kind == FAULT_PROCESS_CRASHLOOP && !s->services[j].restart) {
		problem(c, "%s: $.faults[%zu]: service \"%s\" is never started again, so it cannot crash-loop; hint: give it \"restart\": \"on-request\" or \"always\" in $.services[%zu]",
			MANIFEST, i, show_str(q, svc), s->services[j].at);
		return;
	}
	f->signo = 11; /* a crash loop: SIGSEGV unless it says */
	if (kind == FAULT_PROCESS_KILL ||
	    (kind == FAULT_PROCESS_CRASHLOOP && json_object_get(item, "signal"))) {
		snprintf(path, sizeof path, "$.faults[%zu].signal", i);
		x = json_object_get(item, "signal");
		sig = x ? want_string(c, x, path) : NULL;
		for (j = 0; sig && j < sizeof fault_signals / sizeof *fault_signals; j++)
			if (!strcmp(sig, fault_signals[j].name))
				break;
		if (!sig || j == sizeof fault_signals / sizeof *fault_signals) {
			problem(c, "%s: %s: a signal name such as \"SIGKILL\" or \"SIGTERM\"",
				MANIFEST, path);
			return;
		}
		f->signo = fault_signals[j].signo;
	}
	if (json_object_get(item, "at_s") &&
	    fault_num(c, item, "at_s", i, SESSION_MAX_TIME_S, &at) < 0)
		return;
	if (json_object_get(item, "after_requests") &&
	    (fault_num(c, item, "after_requests", i, FAULT_MAX_COUNT,
		       &f->after_requests) < 0 ||
	     !f->after_requests)) {
		if (!f->after_requests)
			problem(c, "%s: $.faults[%zu].after_requests: at least 1; hint: leave it out to fault at once",
				MANIFEST, i);
		return;
	}
	if (kind == FAULT_PROCESS_CRASHLOOP) {
		unsigned long long ms = 200, times = 0;

		if ((json_object_get(item, "after_ms") &&
		     fault_num(c, item, "after_ms", i, FAULT_MAX_DELAY_MS, &ms) < 0) ||
		    (json_object_get(item, "times") &&
		     fault_num(c, item, "times", i, FAULT_MAX_CRASHES, &times) < 0))
			return;
		f->crash_after_ms = (unsigned)ms;
		f->crash_times = (unsigned)times;
		while_file = syscall_str(c, item, i, "while_file", 0, "");
		if (while_file && !is_sandbox_path(while_file)) {
			problem(c, "%s: $.faults[%zu].while_file: \"%s\" is not an absolute path in the sandbox; hint: the file whose presence keeps the service crashing, such as \"/var/lib/app/stale.lock\"",
				MANIFEST, i, show_str(q, while_file));
			return;
		}
	}
	when = syscall_str(c, item, i, "when_file", 0, "");
	if (when && !is_sandbox_path(when)) {
		problem(c, "%s: $.faults[%zu].when_file: \"%s\" is not an absolute path in the sandbox; hint: the file whose appearance sets the fault off, such as \"/home/candidate/answers/restarted\"",
			MANIFEST, i, show_str(q, when));
		return;
	}
	f->at_s = (unsigned)at;
	f->kind = kind;
	f->at = i;
	if (keep(c, &f->id, id) < 0 || keep(c, &f->service, svc) < 0 ||
	    (when && keep(c, &f->when_file, when) < 0) ||
	    (while_file && keep(c, &f->while_file, while_file) < 0))
		return;
	s->nfaults++;
}

/* syscall.errno, syscall.file, syscall.delay: a family of calls, what
 * they must name, whose they are, the schedule, and what happens. */
static void check_syscall_fault(struct ctx *c, json_t *item, size_t i,
				const char *id, enum fault_kind kind,
				struct scenario *s)
{
	struct fault *f = &s->faults[s->nfaults];
	char q[SHOW_SIZE], families[256] = "";
	const char *call, *fp, *tgt, *x, *errname = NULL, *with = NULL;
	unsigned long long n;
	json_t *pv;
	size_t j;
	int bad = 0;

	for (j = 0; sbx_trap_family(j); j++)
		snprintf(families + strlen(families),
			 sizeof families - strlen(families), "%s%s",
			 j ? ", " : "", sbx_trap_family(j)->name);
	call = syscall_str(c, item, i, "call", 1, "a family of calls, one of the list in docs/faults.md");
	if (!call)
		return;
	f->family = sbx_trap_family_index(call);
	if (f->family < 0) {
		if (sbx_trap_is_hot(call))
			problem(c, "%s: $.faults[%zu].call: \"%s\" is never intercepted: every program makes it all the time; hint: fault the open or the fsync instead (%s)",
				MANIFEST, i, show_str(q, call), families);
		else
			problem(c, "%s: $.faults[%zu].call: \"%s\" is not a family of calls; hint: one of %s",
				MANIFEST, i, show_str(q, call), families);
		return;
	}
	fp = syscall_str(c, item, i, "path", 0, "");
	if (fp && !is_sandbox_path(fp)) {
		problem(c, "%s: $.faults[%zu].path: \"%s\" is not an absolute path in the sandbox",
			MANIFEST, i, show_str(q, fp));
		bad = 1;
	}
	if (fp && !strcmp(call, "connect")) {
		problem(c, "%s: $.faults[%zu].path: connect names an address, not a file; hint: \"port\"",
			MANIFEST, i);
		bad = 1;
	}
	if (json_object_get(item, "port") && strcmp(call, "connect")) {
		problem(c, "%s: $.faults[%zu].port: only connect names a port",
			MANIFEST, i);
		bad = 1;
	}
	if (syscall_num(c, item, i, "port", 1, 65535, 0, &n) < 0)
		bad = 1;
	f->port = (int)n;
	tgt = syscall_str(c, item, i, "target", 0, "");
	f->target = FAULT_TARGET_SERVICES;
	if (tgt && !strcmp(tgt, "candidate")) {
		f->target = FAULT_TARGET_CANDIDATE;
	} else if (tgt && !strcmp(tgt, "all")) {
		f->target = FAULT_TARGET_ALL;
	} else if (tgt && strcmp(tgt, "services")) {
		for (j = 0; j < s->nservices; j++)
			if (!strcmp(s->services[j].name, tgt))
				break;
		if (j == s->nservices) {
			problem(c, "%s: $.faults[%zu].target: \"%s\" is not a target; hint: \"services\" (the default), \"candidate\", \"all\", or a name of $.services",
				MANIFEST, i, show_str(q, tgt));
			bad = 1;
		}
		f->target = FAULT_TARGET_SERVICE;
	}
	if ((f->target == FAULT_TARGET_SERVICES) && s->nservices == 0) {
		problem(c, "%s: $.faults[%zu].target: the scenario has no services to fault; hint: \"target\": \"candidate\"",
			MANIFEST, i);
		bad = 1;
	}
	if (syscall_num(c, item, i, "after", 0, FAULT_MAX_COUNT, 0, &f->after) < 0 ||
	    syscall_num(c, item, i, "every", 1, FAULT_MAX_COUNT, 1, &f->every) < 0 ||
	    syscall_num(c, item, i, "limit", 0, FAULT_MAX_COUNT, 0, &f->limit) < 0)
		bad = 1;
	f->probability = 1.0;
	if ((pv = json_object_get(item, "probability"))) {
		if (!json_is_number(pv) || json_number_value(pv) <= 0 ||
		    json_number_value(pv) > 1) {
			problem(c, "%s: $.faults[%zu].probability: a number above 0 and at most 1 (the share of the scheduled calls hit, drawn from the session's seed)",
				MANIFEST, i);
			bad = 1;
		} else {
			f->probability = json_number_value(pv);
		}
	}
	if (kind == FAULT_SYSCALL_ERRNO) {
		x = syscall_str(c, item, i, "errno", 1, "a name such as \"EIO\" or \"ENOSPC\"");
		for (j = 0; x && j < sizeof fault_errnos / sizeof *fault_errnos; j++)
			if (!strcmp(x, fault_errnos[j].name))
				break;
		if (!x || j == sizeof fault_errnos / sizeof *fault_errnos) {
			if (x)
				problem(c, "%s: $.faults[%zu].errno: \"%s\" is not an errno labrun injects; hint: EIO, ENOSPC, EACCES, EPERM, ENOENT, EROFS, EAGAIN, ETIMEDOUT, ECONNREFUSED, ... (docs/faults.md)",
					MANIFEST, i, show_str(q, x));
			return;
		}
		f->err = fault_errnos[j].err;
		errname = x;
	} else if (kind == FAULT_SYSCALL_FILE) {
		x = syscall_str(c, item, i, "with", 1, "\"/dev/full\" or a file under faults/");
		if (!x)
			return;
		if (strcmp(call, "open")) {
			problem(c, "%s: $.faults[%zu].call: only an open can hand back another file; hint: \"call\": \"open\"",
				MANIFEST, i);
			bad = 1;
		}
		if (strcmp(x, "/dev/full") &&
		    (strncmp(x, "faults/", 7) || !is_sandbox_path(x + 6))) {
			problem(c, "%s: $.faults[%zu].with: \"%s\" is neither \"/dev/full\" nor a file under faults/",
				MANIFEST, i, show_str(q, x));
			bad = 1;
		}
		if (!fp && !bad) {
			problem(c, "%s: $.faults[%zu].path: missing; hint: the file whose opens hand back the other one",
				MANIFEST, i);
			bad = 1;
		}
		with = x;
	} else {
		if (syscall_num(c, item, i, "delay_ms", 1, FAULT_MAX_DELAY_MS, 0, &n) < 0)
			return;
		if (!json_object_get(item, "delay_ms")) {
			problem(c, "%s: $.faults[%zu].delay_ms: missing; hint: milliseconds, 1 to %d",
				MANIFEST, i, FAULT_MAX_DELAY_MS);
			return;
		}
		f->delay_ms = (unsigned)n;
	}
	if (bad)
		return;
	f->kind = kind;
	f->at = i;
	if (keep(c, &f->id, id) < 0 || keep(c, &f->call, call) < 0 ||
	    (fp && keep(c, &f->path, fp) < 0) ||
	    (errname && keep(c, &f->err_name, errname) < 0) ||
	    (with && keep(c, &f->with, with) < 0) ||
	    /* a file of the tree: checked with the other sources */
	    (with && !strncmp(with, "faults/", 7) && keep(c, &f->from, with) < 0) ||
	    (tgt && f->target == FAULT_TARGET_SERVICE && keep(c, &f->service, tgt) < 0))
		return;
	s->nfaults++;
}

/* net.*, disk.*, clock.offset: set up with the sandbox, before anything
 * of the scenario runs. */
static void check_session_fault(struct ctx *c, json_t *item, size_t i,
				const char *id, enum fault_kind kind,
				struct scenario *s)
{
	struct fault *f = &s->faults[s->nfaults];
	char q[SHOW_SIZE];
	const char *fp = NULL, *tgt = NULL;
	unsigned long long n;
	json_t *v;
	size_t j;

	switch (kind) {
	case FAULT_NET_REFUSE:
	case FAULT_NET_DROP:
		if (!json_object_get(item, "port")) {
			problem(c, "%s: $.faults[%zu].port: missing; hint: the TCP port a service listens on",
				MANIFEST, i);
			return;
		}
		if (syscall_num(c, item, i, "port", 1, 65535, 0, &n) < 0)
			return;
		f->port = (int)n;
		break;
	case FAULT_DISK_FULL:
	case FAULT_DISK_INODES:
		fp = syscall_str(c, item, i, "path", 1, "a directory under system/, such as \"/var/log/agent\"");
		if (!fp)
			return;
		if (!is_sandbox_path(fp) || !strcmp(fp, "/")) {
			problem(c, "%s: $.faults[%zu].path: \"%s\" is not a directory path in the sandbox",
				MANIFEST, i, show_str(q, fp));
			return;
		}
		if (syscall_num(c, item, i, kind == FAULT_DISK_FULL ? "free_kb" : "free_inodes",
				0, FAULT_MAX_FREE, 0, &f->free) < 0)
			return;
		break;
	case FAULT_CLOCK_OFFSET:
		v = json_object_get(item, "offset_s");
		if (!v || !json_is_integer(v) ||
		    json_integer_value(v) < -FAULT_MAX_CLOCK_S ||
		    json_integer_value(v) > FAULT_MAX_CLOCK_S) {
			problem(c, "%s: $.faults[%zu].offset_s: %s; hint: seconds the clock runs ahead (or behind, negative), at most %lld either way",
				MANIFEST, i, v ? "must be an integer" : "missing",
				(long long)FAULT_MAX_CLOCK_S);
			return;
		}
		f->offset_s = (long long)json_integer_value(v);
		f->rate = 1.0;
		v = json_object_get(item, "rate");
		if (v && (!json_is_number(v) || json_number_value(v) < 0.01 ||
			  json_number_value(v) > 100)) {
			problem(c, "%s: $.faults[%zu].rate: a number from 0.01 to 100 (seconds of the service's clock per real second)",
				MANIFEST, i);
			return;
		}
		if (v)
			f->rate = json_number_value(v);
		tgt = syscall_str(c, item, i, "target", 0, "");
		if (tgt && strcmp(tgt, "services")) {
			for (j = 0; j < s->nservices; j++)
				if (!strcmp(s->services[j].name, tgt))
					break;
			if (j == s->nservices) {
				problem(c, "%s: $.faults[%zu].target: \"%s\" is not a target; hint: \"services\" (the default) or a name of $.services",
					MANIFEST, i, show_str(q, tgt));
				return;
			}
		} else {
			tgt = NULL;
		}
		if (s->nservices == 0) {
			problem(c, "%s: $.faults[%zu]: the scenario has no services whose clock could run off",
				MANIFEST, i);
			return;
		}
		for (j = 0; j < s->nfaults; j++)
			if (s->faults[j].kind == FAULT_CLOCK_OFFSET) {
				problem(c, "%s: $.faults[%zu]: a plan has at most one clock.offset",
					MANIFEST, i);
				return;
			}
		break;
	default:
		return;
	}
	f->kind = kind;
	f->at = i;
	if (keep(c, &f->id, id) < 0 || (fp && keep(c, &f->path, fp) < 0) ||
	    (tgt && keep(c, &f->service, tgt) < 0))
		return;
	s->nfaults++;
}

/* A fault of the simulated platform: kept as JSON for agentd, which
 * knows its keys; the dry run (dryrun.c) has agentd's engine check it
 * against the scenario's platform.json. */
static void check_platform_fault(struct ctx *c, json_t *item, size_t i,
				 const char *id, const char *kind,
				 struct scenario *s)
{
	struct fault *f = &s->faults[s->nfaults];
	char *text = json_dumps(item, JSON_COMPACT);

	(void)i;
	if (!text) {
		c->oom = 1;
		return;
	}
	f->kind = FAULT_PLATFORM;
	f->at = i;
	f->platform_json = text;
	if (keep(c, &f->id, id) < 0 || keep(c, &f->platform_kind, kind) < 0)
		return;
	s->nfaults++;
}

/* The service that runs agentd, and the platform faults as one array
 * for it.  Platform faults need that service. */
static void check_platform_plan(struct ctx *c, struct scenario *s)
{
	struct buf all = BUF_INIT;
	size_t i, n = 0;

	s->platform_service = SIZE_MAX;
	for (i = 0; i < s->nservices; i++)
		if (s->services[i].argc && !strcmp(s->services[i].argv[0], SCENARIO_AGENTD)) {
			if (s->platform_service != SIZE_MAX)
				problem(c, "%s: $.services[%zu].argv[0]: a second agentd; hint: one platform per scenario",
					MANIFEST, i);
			else
				s->platform_service = i;
		}
	for (i = 0; i < s->nfaults; i++) {
		if (s->faults[i].kind != FAULT_PLATFORM)
			continue;
		if (buf_puts(&all, n++ ? "," : "[", NULL) < 0 ||
		    buf_puts(&all, s->faults[i].platform_json, NULL) < 0)
			c->oom = 1;
	}
	if (n && s->platform_service == SIZE_MAX)
		problem(c, "%s: $.faults: platform faults need the platform; hint: a service whose argv[0] is \"%s\" (docs/platform.md)",
			MANIFEST, SCENARIO_AGENTD);
	if (n && buf_puts(&all, "]", NULL) == 0)
		s->platform_faults = (char *)buf_steal(&all, NULL);
	buf_release(&all);
}

static void check_faults(struct ctx *c, json_t *v, struct scenario *s)
{
	char q[SHOW_SIZE], path[PATH_SIZE];
	const char *id, *kind, *fp, *from, *mode;
	struct fault *f;
	json_t *item, *x;
	size_t i, j, k;

	if (!json_is_array(v) || json_array_size(v) > SCENARIO_MAX_FAULTS) {
		problem(c, "%s: $.faults: must be an array of at most %d faults; hint: [{\"id\": \"bad-policy\", \"kind\": \"file.replace\", \"path\": \"/etc/app/policy.json\", \"from\": \"faults/policy-v7.json\"}]",
			MANIFEST, SCENARIO_MAX_FAULTS);
		return;
	}
	s->faults = calloc(json_array_size(v) + 1, sizeof *s->faults);
	if (!s->faults) {
		c->oom = 1;
		return;
	}
	json_array_foreach(v, i, item) {
		snprintf(path, sizeof path, "$.faults[%zu]", i);
		if (!json_is_object(item)) {
			problem(c, "%s: %s: must be an object, not %s", MANIFEST,
				path, type_name(item));
			continue;
		}
		snprintf(path, sizeof path, "$.faults[%zu].kind", i);
		x = json_object_get(item, "kind");
		kind = x ? want_string(c, x, path) : NULL;
		if (!x)
			problem(c, "%s: %s: missing; hint: one of " FAULT_KIND_LIST,
				MANIFEST, path);
		if (!kind)
			continue;
		for (k = 0; k < sizeof fault_kinds / sizeof *fault_kinds; k++)
			if (!strcmp(kind, fault_kinds[k]))
				break;
		if (!strncmp(kind, "platform.", 9))
			k = sim_fault_known(kind) ? FAULT_PLATFORM :
				sizeof fault_kinds / sizeof *fault_kinds;
		if (k == sizeof fault_kinds / sizeof *fault_kinds) {
			problem(c, "%s: %s: \"%s\" is not a fault kind; hint: one of " FAULT_KIND_LIST,
				MANIFEST, path, show_str(q, kind));
			continue;
		}
		snprintf(path, sizeof path, "$.faults[%zu]", i);
		if (k != FAULT_PLATFORM)
			unknown_keys(c, item, path, fault_keys[k]);
		snprintf(path, sizeof path, "$.faults[%zu].id", i);
		x = json_object_get(item, "id");
		id = x ? want_string(c, x, path) : NULL;
		if (!x)
			problem(c, "%s: %s: missing; hint: a short id such as \"bad-policy\"",
				MANIFEST, path);
		if (!id)
			continue;
		if (!is_check_id(id)) {
			problem(c, "%s: %s: \"%s\" is not a fault id; hint: lowercase letters, digits, '.', '_' and '-'",
				MANIFEST, path, show_str(q, id));
			continue;
		}
		for (j = 0; j < s->nfaults; j++)
			if (!strcmp(s->faults[j].id, id))
				break;
		if (j < s->nfaults) {
			problem(c, "%s: %s: \"%s\" names two faults", MANIFEST,
				path, id);
			continue;
		}
		if (fault_is_process((int)k)) {
			check_process_fault(c, item, i, id, (enum fault_kind)k, s);
			continue;
		}
		if (k == FAULT_PLATFORM) {
			check_platform_fault(c, item, i, id, kind, s);
			continue;
		}
		if (fault_is_syscall((int)k)) {
			check_syscall_fault(c, item, i, id, (enum fault_kind)k, s);
			continue;
		}
		if (!fault_is_file((int)k)) {
			check_session_fault(c, item, i, id, (enum fault_kind)k, s);
			continue;
		}
		snprintf(path, sizeof path, "$.faults[%zu].path", i);
		x = json_object_get(item, "path");
		fp = x ? want_string(c, x, path) : NULL;
		if (!x)
			problem(c, "%s: %s: missing", MANIFEST, path);
		if (!fp)
			continue;
		if (!is_sandbox_path(fp)) {
			problem(c, "%s: %s: \"%s\" is not an absolute path in the sandbox",
				MANIFEST, path, show_str(q, fp));
			continue;
		}
		f = &s->faults[s->nfaults];
		f->kind = (enum fault_kind)k;
		f->at = i;
		if (k == FAULT_FILE_REPLACE) {
			snprintf(path, sizeof path, "$.faults[%zu].from", i);
			x = json_object_get(item, "from");
			from = x ? want_string(c, x, path) : NULL;
			if (!x)
				problem(c, "%s: %s: missing; hint: a file under faults/, such as \"faults/policy-v7.json\"",
					MANIFEST, path);
			if (!from)
				continue;
			if (strncmp(from, "faults/", 7) || !is_sandbox_path(from + 6)) {
				problem(c, "%s: %s: \"%s\" is not a file under faults/",
					MANIFEST, path, show_str(q, from));
				continue;
			}
			if (keep(c, &f->from, from) < 0)
				return;
		} else if (k == FAULT_FILE_TRUNCATE) {
			if (fault_num(c, item, "size", i, BUNDLE_MAX_FILE, &f->size) < 0)
				continue;
		} else if (k == FAULT_FILE_GARBAGE) {
			if (fault_num(c, item, "offset", i, BUNDLE_MAX_FILE,
				      &f->offset) < 0 ||
			    fault_num(c, item, "length", i, FAULT_MAX_GARBAGE,
				      &f->length) < 0)
				continue;
		} else if (k == FAULT_FILE_CHMOD) {
			snprintf(path, sizeof path, "$.faults[%zu].mode", i);
			x = json_object_get(item, "mode");
			mode = x ? want_string(c, x, path) : NULL;
			if (!mode || strlen(mode) != 4 || mode[0] != '0' ||
			    strspn(mode + 1, "01234567") != 3) {
				problem(c, "%s: %s: an octal mode as a string, such as \"0600\"",
					MANIFEST, path);
				continue;
			}
			f->mode = (unsigned)strtoul(mode, NULL, 8);
		}
		if (keep(c, &f->id, id) < 0 || keep(c, &f->path, fp) < 0)
			return;
		s->nfaults++;
	}
}

/* A fault's file must be in the tree: its target under system/ (but for
 * a replace, which may create it), its source under faults/. */
static void check_fault_files(struct ctx *c, const struct tar_list *files,
			      const struct scenario *s)
{
	char name[SERVICE_MAX_ARG + 16], q[SHOW_SIZE];
	const struct tar_entry *t;
	size_t i;

	for (i = 0; i < s->nfaults; i++) {
		const struct fault *f = &s->faults[i];

		if (f->kind == FAULT_DISK_FULL || f->kind == FAULT_DISK_INODES) {
			snprintf(name, sizeof name, "system%s", f->path);
			t = tar_list_find(files, name);
			if (!t || !t->is_dir)
				problem(c, "%s: $.faults[%zu].path: \"%s\" is not a directory under system/; hint: the fault puts a small filesystem there with the directory's files",
					MANIFEST, f->at, show_str(q, f->path));
			continue;
		}
		if (!fault_is_file(f->kind) && !fault_is_syscall(f->kind))
			continue;
		if (f->from) {
			t = tar_list_find(files, f->from);
			if (!t || t->is_dir)
				problem(c, "%s: $.faults[%zu].%s: \"%s\" is not a file of the scenario",
					MANIFEST, f->at,
					f->kind == FAULT_SYSCALL_FILE ? "with" : "from",
					show_str(q, f->from));
		}
		if (fault_is_syscall(f->kind))
			continue;
		if (f->kind == FAULT_FILE_REPLACE)
			continue;
		snprintf(name, sizeof name, "system%s", f->path);
		t = tar_list_find(files, name);
		if (!t || (t->is_dir && f->kind != FAULT_FILE_CHMOD &&
			   f->kind != FAULT_FILE_DELETE))
			problem(c, "%s: $.faults[%zu].path: \"%s\" is not a file under system/; hint: a fault changes a file the scenario lays in place",
				MANIFEST, f->at, show_str(q, f->path));
	}
}

/* $.variants: [{"id": "...", "faults": {"FAULT-ID": {"key": value, ...}}}]:
 * 2 to SCENARIO_MAX_VARIANTS ids, each a set of changes to faults of the
 * plan (every key but id and kind).  Each variant's plan is checked as a
 * plan of its own (scenario_load). */
static void check_variants(struct ctx *c, json_t *v, json_t *faults,
			   struct scenario *s)
{
	static const char *const keys[] = {"id", "faults", NULL};
	char q[SHOW_SIZE], path[PATH_SIZE];
	const char *id, *fid;
	json_t *item, *x, *ch;
	size_t i, j;

	if (!json_is_array(v) || json_array_size(v) < 2 ||
	    json_array_size(v) > SCENARIO_MAX_VARIANTS) {
		problem(c, "%s: $.variants: must be an array of 2 to %d variants; hint: [{\"id\": \"a\", \"faults\": {\"runaway\": {\"agent\": \"researcher-2\"}}}, ...]",
			MANIFEST, SCENARIO_MAX_VARIANTS);
		return;
	}
	s->variants = calloc(json_array_size(v) + 1, sizeof *s->variants);
	if (!s->variants) {
		c->oom = 1;
		return;
	}
	json_array_foreach(v, i, item) {
		snprintf(path, sizeof path, "$.variants[%zu]", i);
		if (!json_is_object(item)) {
			problem(c, "%s: %s: must be an object, not %s", MANIFEST,
				path, type_name(item));
			continue;
		}
		unknown_keys(c, item, path, keys);
		snprintf(path, sizeof path, "$.variants[%zu].id", i);
		x = json_object_get(item, "id");
		id = x ? want_string(c, x, path) : NULL;
		if (!x)
			problem(c, "%s: %s: missing; hint: a short id such as \"researcher\"",
				MANIFEST, path);
		if (!id)
			continue;
		if (!is_check_id(id)) {
			problem(c, "%s: %s: \"%s\" is not a variant id; hint: lowercase letters, digits, '.', '_' and '-'",
				MANIFEST, path, show_str(q, id));
			continue;
		}
		for (j = 0; j < s->nvariants; j++)
			if (!strcmp(s->variants[j], id))
				break;
		if (j < s->nvariants) {
			problem(c, "%s: %s: \"%s\" names two variants", MANIFEST,
				path, id);
			continue;
		}
		if (keep(c, &s->variants[s->nvariants], id) < 0)
			return;
		s->nvariants++;
		x = json_object_get(item, "faults");
		if (!x)
			continue;
		snprintf(path, sizeof path, "$.variants[%zu].faults", i);
		if (!json_is_object(x)) {
			problem(c, "%s: %s: must be an object of changes by fault id, not %s",
				MANIFEST, path, type_name(x));
			continue;
		}
		json_object_foreach(x, fid, ch) {
			json_t *f;

			for (j = 0; json_is_array(faults) && j < json_array_size(faults); j++) {
				f = json_object_get(json_array_get(faults, j), "id");
				if (json_is_string(f) && !strcmp(json_string_value(f), fid))
					break;
			}
			if (!json_is_array(faults) || j == json_array_size(faults)) {
				problem(c, "%s: %s.%s: no fault of $.faults has this id",
					MANIFEST, path, show_str(q, fid));
				continue;
			}
			if (!json_is_object(ch) || json_object_get(ch, "id") ||
			    json_object_get(ch, "kind"))
				problem(c, "%s: %s.%s: must be an object of the fault's keys to change (not its id or kind)",
					MANIFEST, path, show_str(q, fid));
		}
	}
}

/* The plan with variant n's changes: a copy of $.faults. */
static json_t *variant_plan(struct ctx *c, json_t *faults, json_t *variants,
			    size_t n)
{
	json_t *plan = json_deep_copy(faults), *ch, *f;
	const char *fid;
	size_t j;

	if (!plan) {
		c->oom = 1;
		return NULL;
	}
	ch = json_object_get(json_array_get(variants, n), "faults");
	json_object_foreach(ch, fid, f) {
		for (j = 0; j < json_array_size(plan); j++) {
			json_t *x = json_array_get(plan, j);
			json_t *xid = json_object_get(x, "id");

			if (json_is_object(x) && json_is_object(f) &&
			    json_is_string(xid) && !strcmp(json_string_value(xid), fid))
				json_object_update(x, f);
		}
	}
	return plan;
}

static void check_manifest(struct ctx *c, json_t *m, struct scenario *s)
{
	char path[PATH_SIZE];
	unsigned schema;
	json_t *v;
	size_t i;

	if (!json_is_object(m)) {
		problem(c, "%s: $: must be an object, not %s", MANIFEST,
			type_name(m));
		return;
	}
	unknown_keys(c, m, "$", manifest_keys);
	for (i = 0; manifest_examples[i]; i++) {
		if (json_object_get(m, manifest_keys[i]))
			continue;
		snprintf(path, sizeof path, "$.%s", manifest_keys[i]);
		problem(c, "%s: %s: missing; hint: add \"%s\": %s", MANIFEST, path,
			manifest_keys[i], manifest_examples[i]);
	}
	if ((v = json_object_get(m, "schema")))
		check_api(c, v, "$.schema", "schema version", &schema);
	if ((v = json_object_get(m, "id")))
		check_id(c, v, s);
	if ((v = json_object_get(m, "version")))
		check_version(c, v, s);
	if ((v = json_object_get(m, "title")))
		check_title(c, v, s);
	if ((v = json_object_get(m, "level")))
		check_level(c, v, s);
	if ((v = json_object_get(m, "competencies")))
		check_competencies(c, v, s);
	if ((v = json_object_get(m, "platform")))
		check_platform(c, v, s);
	if ((v = json_object_get(m, "grader_api")))
		check_api(c, v, "$.grader_api", "grader api", &s->grader_api);
	if ((v = json_object_get(m, "pass_mark")))
		want_uint(c, v, "$.pass_mark", 0, SCENARIO_PER_MILLE,
			  " (thousandths of the total weight)", &s->pass_mark);
	if ((v = json_object_get(m, "time_limit_s")))
		want_uint(c, v, "$.time_limit_s", SESSION_MIN_TIME_S,
			  SESSION_MAX_TIME_S, " seconds", &s->time_limit_s);
	if ((v = json_object_get(m, "valid_for_days")))
		want_uint(c, v, "$.valid_for_days", 1, SCENARIO_MAX_VALID_DAYS,
			  " days", &s->valid_for_days);
	if ((v = json_object_get(m, "limits")))
		check_limits(c, v, s);
	if ((v = json_object_get(m, "services")))
		check_services(c, v, s);
	if ((v = json_object_get(m, "variants")))
		check_variants(c, v, json_object_get(m, "faults"), s);
	if ((v = json_object_get(m, "faults"))) {
		json_t *plan = s->variant < s->nvariants
				       ? variant_plan(c, v, json_object_get(m, "variants"),
						      s->variant)
				       : json_incref(v);

		if (plan)
			check_faults(c, plan, s);
		json_decref(plan);
	}
	check_platform_plan(c, s);
	if ((v = json_object_get(m, "candidate_owns")))
		keep_list(c, v, "$.candidate_owns", SERVICE_MAX_OWNS, 1,
			  &s->candidate_owns, &s->ncandidate_owns);
	if ((v = json_object_get(m, "record_input"))) {
		if (json_is_boolean(v))
			s->record_input = json_is_true(v);
		else
			problem(c, "%s: $.record_input: must be true or false, not %s; hint: true records the candidate's keystrokes in labrun take",
				MANIFEST, type_name(v));
	}
}

/* ---- the tree ---- */

static const char *const top_files[] = {MANIFEST, BRIEF, HINTS, NULL};
static const char *const top_dirs[] = {
	"system", "faults", "grader", "solutions", NULL,
};

static int in_list(const char *const *list, const char *s, size_t len)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == len && !memcmp(list[i], s, len))
			return 1;
	return 0;
}

/* Did an entry before i have the same first component (top, len)? */
static int top_seen(const struct tar_list *files, size_t i, const char *top,
		    size_t len)
{
	const char *name;
	size_t j;

	for (j = 0; j < i; j++) {
		name = files->v[j].name;
		if (!strncmp(name, top, len) &&
		    (name[len] == '/' || name[len] == 0))
			return 1;
	}
	return 0;
}

static void check_layout(struct ctx *c, const struct tar_list *files)
{
	char q[SHOW_SIZE];
	const struct tar_entry *t;
	const char *slash;
	size_t i, len;
	int has_system = 0;

	for (i = 0; i < files->n; i++) {
		t = &files->v[i];
		slash = strchr(t->name, '/');
		len = slash ? (size_t)(slash - t->name) : strlen(t->name);
		if (len == 6 && !memcmp(t->name, "system", 6))
			has_system = 1;
		if (in_list(top_dirs, t->name, len)) {
			if (!slash && !t->is_dir)
				problem(c, "%s: must be a directory, not a file",
					t->name);
			continue;
		}
		if (in_list(top_files, t->name, len)) {
			if ((slash || t->is_dir) && !top_seen(files, i, t->name, len))
				problem(c, "%.*s: must be a file, not a directory",
					(int)len, t->name);
			continue;
		}
		if (top_seen(files, i, t->name, len))
			continue;
		show(q, sizeof q, t->name, len, 0);
		problem(c, "%s%s: unknown entry; hint: put platform files under system/ (the top level holds only scenario.json, brief.md, hints.md, system/, faults/, grader/, solutions/)",
			q, slash || t->is_dir ? "/" : "");
	}
	if (!has_system)
		problem(c, "system/: missing; hint: put the files laid into the sandbox root under system/");
}

/* A required file: NULL (and a problem) if it is missing or a directory;
 * a directory was reported by check_layout when it is at the top. */
static const struct tar_entry *need_file(struct ctx *c,
					 const struct tar_list *files,
					 const char *name, const char *hint)
{
	const struct tar_entry *t = tar_list_find(files, name);

	if (!t) {
		problem(c, "%s: missing; hint: %s", name, hint);
		return NULL;
	}
	if (t->is_dir) {
		if (strchr(name, '/'))
			problem(c, "%s: must be a file, not a directory", name);
		return NULL;
	}
	return t;
}

/* Valid UTF-8 without NUL, for text a candidate reads. */
static int check_text(struct ctx *c, const char *file,
		      const struct tar_entry *t)
{
	size_t bad = utf8_bad(t->data, t->len);

	if (bad == t->len)
		return 0;
	problem(c, "%s: line %u: %s; hint: save it as UTF-8 text", file,
		line_of(t->data, bad),
		t->data[bad] ? "not valid UTF-8" : "contains a NUL byte");
	return -1;
}

static void check_brief(struct ctx *c, const struct tar_list *files,
			struct scenario *s)
{
	const struct tar_entry *t;

	t = need_file(c, files, BRIEF,
		      "write what the candidate reads first, in markdown");
	if (!t || check_text(c, BRIEF, t) < 0)
		return;
	if (is_blank((const char *)t->data, t->len)) {
		problem(c, "%s: is empty; hint: write what the candidate must do",
			BRIEF);
		return;
	}
	s->brief = strndup((const char *)t->data, t->len);
	if (!s->brief)
		c->oom = 1;
}

/* ---- hints.md ---- */

static int add_hint(struct ctx *c, struct scenario *s, unsigned cost,
		    const char *body, size_t len)
{
	struct hint *v;

	while (len && is_blank(body, 1)) {
		body++;
		len--;
	}
	while (len && is_blank(body + len - 1, 1))
		len--;
	if (!len)
		return -1;
	v = realloc(s->hints, (s->nhints + 1) * sizeof *v);
	if (!v) {
		c->oom = 1;
		return 0;
	}
	s->hints = v;
	v[s->nhints].cost = cost;
	v[s->nhints].text = strndup(body, len);
	if (!v[s->nhints].text) {
		c->oom = 1;
		return 0;
	}
	s->nhints++;
	return 0;
}

/* Close the open section (if a good heading opened it). */
static void end_hint(struct ctx *c, struct scenario *s, const struct tar_entry *t,
		     unsigned head_line, unsigned cost, size_t body, size_t end,
		     unsigned number)
{
	if (!head_line)
		return;
	if (add_hint(c, s, cost, (const char *)t->data + body, end - body) < 0)
		problem(c, "%s: line %u: hint %u has no text; hint: write the hint below its heading",
			HINTS, head_line, number);
}

static void check_hints(struct ctx *c, const struct tar_list *files,
			struct scenario *s)
{
	const struct tar_entry *t = tar_list_find(files, HINTS);
	struct line l = {0};
	unsigned head_line = 0, cost = 0, number = 0;
	size_t body = 0, hlen = strlen(HINT_HEAD);
	int in_section = 0, title = 0, preamble_reported = 0;
	char q[SHOW_SIZE];
	uint64_t n;

	if (!t || t->is_dir || check_text(c, HINTS, t) < 0)
		return;
	while (next_line(t->data, t->len, &l)) {
		if (!starts(&l, "## ")) {
			if (in_section || is_blank(l.s, l.len))
				continue;
			if (starts(&l, "# ") && !title) {
				title = 1;
				continue;
			}
			if (!preamble_reported)
				problem(c, "%s: line %u: text before the first hint; hint: only blank lines and one \"# Title\" line may come before the first \"## Hint (cost N)\"",
					HINTS, l.no);
			preamble_reported = 1;
			continue;
		}
		if (in_section)
			end_hint(c, s, t, head_line, cost, body, l.start, number);
		in_section = 1;
		number++;
		if (number == SCENARIO_MAX_HINTS + 1)
			problem(c, "%s: line %u: more than %d hints; hint: merge some",
				HINTS, l.no, SCENARIO_MAX_HINTS);
		head_line = 0;
		body = l.end;
		if (l.len > hlen + 1 && starts(&l, HINT_HEAD) &&
		    l.s[l.len - 1] == ')' &&
		    parse_num(l.s + hlen, l.len - hlen - 1, 0, UINT64_MAX, &n) == 0) {
			if (n > SCENARIO_PER_MILLE) {
				problem(c, "%s: line %u: hint cost %llu is out of range; hint: a cost is thousandths of the total score, 0 to %d",
					HINTS, l.no, (unsigned long long)n,
					SCENARIO_PER_MILLE);
				continue;
			}
			head_line = l.no;
			cost = (unsigned)n;
			continue;
		}
		problem(c, "%s: line %u: \"%s\" is not a hint heading; hint: write \"## Hint (cost N)\" with N the thousandths of the total score it costs (0 to %d)",
			HINTS, l.no, show(q, sizeof q, l.s, l.len, 1),
			SCENARIO_PER_MILLE);
	}
	if (in_section)
		end_hint(c, s, t, head_line, cost, body, t->len, number);
}

/* ---- grader ---- */

/* Report grader_compile's message with its line: "grader/grade.lua:N:
 * what", or "[string \"...\"]:N: what" when the chunk name has no '='. */
static void report_compile(struct ctx *c, const char *msg)
{
	char shown[SHOW_SIZE * 2];
	const char *m = msg, *colon;
	size_t cl = strlen(GRADE_LUA);
	uint64_t line;

	if (!*m)
		m = "does not compile";
	if (!strncmp(m, GRADE_LUA, cl) && m[cl] == ':')
		m += cl + 1;
	else if (!strncmp(m, "[string \"", 9) && strstr(m, "\"]:"))
		m = strstr(m, "\"]:") + 3;
	colon = strchr(m, ':');
	if (colon && parse_num(m, (size_t)(colon - m), 1, UINT32_MAX,
			       &line) == 0) {
		m = colon + 1 + (colon[1] == ' ');
		problem(c, "%s: line %llu: %s", GRADE_LUA,
			(unsigned long long)line,
			show(shown, sizeof shown, m, strlen(m), 0));
	} else {
		problem(c, "%s: %s", GRADE_LUA,
			show(shown, sizeof shown, m, strlen(m), 0));
	}
}

/* keys.json's "variants": {"ID": {keys}, ...}, one per variant, no more. */
static void check_variant_keys(struct ctx *c, json_t *v, const struct scenario *s)
{
	char q[SHOW_SIZE];
	const char *id;
	json_t *k;
	size_t i;

	if (!v)
		return; /* one set of keys for every variant */
	if (!json_is_object(v) || !s->nvariants) {
		problem(c, "%s: $.variants: %s", KEYS_JSON,
			s->nvariants ? "must be an object of keys by variant id; hint: {\"ID\": {...}, ...} for each id of scenario.json's $.variants"
				     : "scenario.json declares no variants; hint: declare them in its $.variants, or drop this key");
		return;
	}
	json_object_foreach(v, id, k) {
		for (i = 0; i < s->nvariants; i++)
			if (!strcmp(s->variants[i], id))
				break;
		if (i == s->nvariants)
			problem(c, "%s: $.variants.%s: not a variant of scenario.json's $.variants",
				KEYS_JSON, show_str(q, id));
		else if (!json_is_object(k))
			problem(c, "%s: $.variants.%s: must be an object, not %s",
				KEYS_JSON, id, type_name(k));
	}
	for (i = 0; i < s->nvariants; i++)
		if (!json_object_get(v, s->variants[i]))
			problem(c, "%s: $.variants: no keys for variant \"%s\"",
				KEYS_JSON, s->variants[i]);
}

static void check_grader(struct ctx *c, const struct tar_list *files,
			 const struct scenario *s)
{
	const struct tar_entry *t;
	char msg[512];
	json_t *keys;

	msg[0] = 0;
	t = need_file(c, files, GRADE_LUA,
		      "write the grader that returns the checks (docs/graders.md)");
	if (t && t->len > GRADER_MAX_SOURCE) {
		problem(c, "%s: too large (%zu bytes, at most %u)", GRADE_LUA,
			t->len, GRADER_MAX_SOURCE);
	} else if (t && grader_compile((const char *)t->data, t->len, GRADE_LUA,
				       msg, sizeof msg) < 0) {
		msg[sizeof msg - 1] = 0;
		report_compile(c, msg);
	}
	t = tar_list_find(files, KEYS_JSON);
	if (!t)
		return;
	if (t->is_dir) {
		problem(c, "%s: must be a file, not a directory", KEYS_JSON);
		return;
	}
	keys = load_json(c, KEYS_JSON, t, BUNDLE_MAX_FILE);
	if (keys && !json_is_object(keys))
		problem(c, "%s: $: must be an object, not %s; hint: answer keys are {\"name\": value, ...}",
			KEYS_JSON, type_name(keys));
	else if (keys)
		check_variant_keys(c, json_object_get(keys, "variants"), s);
	json_decref(keys);
}

/* ---- solutions ---- */

/* Check the "# must-fail: ID ..." line of a wrong solution. */
static void check_must_fail(struct ctx *c, const char *file,
			    const struct tar_entry *t)
{
	char q[SHOW_SIZE], id[80];
	struct line l = {0};
	size_t i, j, plen = strlen(MUST_FAIL);
	unsigned found = 0, ids;
	const char *rest;

	while (next_line(t->data, t->len, &l)) {
		rest = l.s;
		for (i = 1; i < l.len && (rest[i] == ' ' || rest[i] == '\t'); i++)
			;
		if (!l.len || rest[0] != '#' || l.len - i < 9 ||
		    strncasecmp(rest + i, "must-fail", 9))
			continue;
		if (l.no > SOLUTION_HEADER_LINES) {
			if (!found)
				problem(c, "%s: line %u: the must-fail line must be among the first %d lines",
					file, l.no, SOLUTION_HEADER_LINES);
			found = l.no;
			break;
		}
		if (found) {
			problem(c, "%s: line %u: a second must-fail line; hint: name every check on line %u",
				file, l.no, found);
			continue;
		}
		found = l.no;
		if (!starts(&l, MUST_FAIL)) {
			problem(c, "%s: line %u: \"%s\" is not a must-fail line; hint: write \"# must-fail: CHECK-ID [CHECK-ID ...]\" exactly",
				file, l.no, show(q, sizeof q, l.s, l.len, 1));
			continue;
		}
		ids = 0;
		for (i = plen; i < l.len; i = j) {
			while (i < l.len && (l.s[i] == ' ' || l.s[i] == '\t'))
				i++;
			for (j = i; j < l.len && l.s[j] != ' ' && l.s[j] != '\t'; j++)
				;
			if (i == j)
				break;
			ids++;
			if (j - i < sizeof id) {
				memcpy(id, l.s + i, j - i);
				id[j - i] = 0;
				if (is_check_id(id))
					continue;
			}
			problem(c, "%s: line %u: \"%s\" is not a check id; hint: check ids match ^[a-z0-9][a-z0-9._-]{0,63}$, as the grader returns them",
				file, l.no, show(q, sizeof q, l.s + i, j - i, 1));
		}
		if (!ids)
			problem(c, "%s: line %u: names no check; hint: list the ids of the checks this wrong solution must fail",
				file, l.no);
	}
	if (!found)
		problem(c, "%s: no \"# must-fail: CHECK-ID ...\" line among the first %d lines; hint: name the checks this wrong solution must fail",
			file, SOLUTION_HEADER_LINES);
}

static void check_solutions(struct ctx *c, const struct tar_list *files)
{
	char q[SHOW_SIZE];
	const struct tar_entry *t;
	const char *rest;
	size_t i, len, pl = strlen("solutions/");

	need_file(c, files, REFERENCE,
		  "a script that repairs the faulted system; selftest runs it and it must pass");
	for (i = 0; i < files->n; i++) {
		t = &files->v[i];
		if (strncmp(t->name, "solutions/", pl))
			continue;
		rest = t->name + pl;
		len = strlen(rest);
		show_str(q, t->name);
		if (t->is_dir) {
			if (strcmp(rest, "reference.sh"))
				problem(c, "%s: unexpected directory; hint: solutions/ holds reference.sh and wrong-NAME.sh only",
					q);
			continue;
		}
		if (!strcmp(rest, "reference.sh"))
			continue;
		if (len > 9 && !strncmp(rest, "wrong-", 6) &&
		    !strcmp(rest + len - 3, ".sh") && !strchr(rest, '/')) {
			check_must_fail(c, q, t);
			continue;
		}
		problem(c, "%s: unexpected file; hint: solutions/ holds reference.sh and wrong-NAME.sh only",
			q);
	}
}

/* ---- the whole ---- */

static void check_manifest_file(struct ctx *c, const struct tar_list *files,
				struct scenario *s)
{
	const struct tar_entry *t;
	json_t *m;

	t = need_file(c, files, MANIFEST,
		      "every scenario starts with a manifest (docs/scenario.md)");
	if (!t)
		return;
	m = load_json(c, MANIFEST, t, BUNDLE_MAX_MANIFEST);
	if (!m)
		return;
	check_manifest(c, m, s);
	json_decref(m);
}

size_t scenario_pick_variant(const struct scenario *s, const char *seed_hex)
{
	unsigned char h[8];
	uint64_t v = 0;
	size_t i;

	if (!s->nvariants)
		return SIZE_MAX;
	if (sign_blake2b(h, sizeof h, seed_hex, strlen(seed_hex),
			 "labrun variant", 14) < 0)
		abort(); /* the lengths are constants in range */
	for (i = 0; i < sizeof h; i++)
		v = v << 8 | h[i];
	return (size_t)(v % s->nvariants);
}

int scenario_load(const struct tar_list *files, unsigned max_depth,
		  struct scenario *out, struct problems *p, struct err *e)
{
	return scenario_load_variant(files, max_depth, SIZE_MAX, out, p, e);
}

int scenario_load_variant(const struct tar_list *files, unsigned max_depth,
			  size_t variant, struct scenario *out,
			  struct problems *p, struct err *e)
{
	struct scenario s = {0};
	struct ctx c = {p, max_depth, 0, 0, NULL};

	s.limits = scenario_default_limits;
	s.variant = variant;
	check_layout(&c, files);
	check_manifest_file(&c, files, &s);
	/* every variant's plan is a plan: checked as one, once the base is
	 * sound (its problems would only repeat) */
	for (size_t i = 0; variant == SIZE_MAX && !c.found && i < s.nvariants; i++) {
		struct scenario t = {0};
		struct ctx vc = {p, max_depth, 0, 0, s.variants[i]};

		t.limits = scenario_default_limits;
		t.variant = i;
		check_manifest_file(&vc, files, &t);
		check_fault_files(&vc, files, &t);
		c.found += vc.found;
		c.oom |= vc.oom;
		scenario_release(&t);
	}
	check_owned(&c, files, &s);
	check_candidate_owns(&c, files, &s);
	check_fault_files(&c, files, &s);
	check_brief(&c, files, &s);
	check_hints(&c, files, &s);
	check_grader(&c, files, &s);
	check_solutions(&c, files);
	if (!c.oom && !c.found) {
		*out = s;
		return 0;
	}
	scenario_release(&s);
	memset(out, 0, sizeof *out);
	if (c.oom) {
		problems_release(p);
		return err_set(e, ERR_HOST, "checking the scenario: out of memory");
	}
	return -1;
}

void scenario_release(struct scenario *s)
{
	size_t i;

	free(s->id);
	free(s->version);
	free(s->title);
	free(s->level);
	free(s->platform);
	for (i = 0; i < s->ncompetencies; i++)
		free(s->competencies[i]);
	free(s->competencies);
	for (i = 0; i < s->nhints; i++)
		free(s->hints[i].text);
	free(s->hints);
	free(s->brief);
	for (i = 0; i < s->nservices; i++) {
		size_t k;

		free(s->services[i].name);
		for (k = 0; k < s->services[i].argc; k++)
			free(s->services[i].argv[k]);
		free(s->services[i].argv);
		for (k = 0; k < s->services[i].nowns; k++)
			free(s->services[i].owns[k]);
		free(s->services[i].owns);
	}
	free(s->services);
	for (i = 0; i < s->ncandidate_owns; i++)
		free(s->candidate_owns[i]);
	free(s->candidate_owns);
	for (i = 0; i < s->nvariants; i++)
		free(s->variants[i]);
	free(s->variants);
	for (i = 0; i < s->nfaults; i++) {
		free(s->faults[i].id);
		free(s->faults[i].path);
		free(s->faults[i].from);
		free(s->faults[i].service);
		free(s->faults[i].call);
		free(s->faults[i].when_file);
		free(s->faults[i].while_file);
		free(s->faults[i].err_name);
		free(s->faults[i].with);
		free(s->faults[i].platform_kind);
		free(s->faults[i].platform_json);
	}
	free(s->faults);
	free(s->platform_faults);
	memset(s, 0, sizeof *s);
}
