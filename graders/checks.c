/* checks: the rule book for the checks a grader returns (their fields,
 * ids, weights, points and text), applied alike by the worker and by the
 * parent, and the clean text the messages of a grading are made of.  It
 * runs no Lua and reads no file; the UTF-8 it checks is base/utf8.h's. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/limits.h"
#include "base/utf8.h"
#include "graders/checks.h"

/* ---- text ---- */

/* The length of the clean character at p[0..len): valid UTF-8 and not a
 * control character other than tab and newline; 0 when it is not clean. */
static size_t clean_len(const unsigned char *p, size_t len)
{
	size_t n = utf8_seq_len(p, len);

	if (n == 1 && ((p[0] < 0x20 && p[0] != '\t' && p[0] != '\n') ||
		       p[0] == 0x7f))
		return 0;
	return n;
}

size_t checks_text_repair(char *s, size_t len)
{
	unsigned char *p = (unsigned char *)s;
	size_t i = 0, n, bad = 0;

	while (i < len) {
		n = clean_len(p + i, len - i);
		if (n) {
			i += n;
			continue;
		}
		p[i++] = '?';
		bad++;
	}
	return bad;
}

static int text_clean(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = clean_len(p + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

void checks_memory_text(size_t bytes, char *out, size_t size)
{
	if (bytes && bytes % (1u << 20) == 0)
		snprintf(out, size, "%zu MiB", bytes >> 20);
	else
		snprintf(out, size, "%zu bytes", bytes);
}

/* ---- the rule book ---- */

static const char *const check_fields[] = {"id", "title", "weight", "status",
					   "points", "message", "kind"};

int checks_field_known(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof check_fields / sizeof *check_fields; i++)
		if (!strcmp(name, check_fields[i]))
			return 1;
	return 0;
}

/* ^[a-z0-9][a-z0-9._-]{0,63}$ */
static int id_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

static int say(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int say(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	checks_text_repair(why, strlen(why));
	return -1;
}

/* A string field: present, a string, at most max bytes, clean text. */
static int text_field(const json_t *c, size_t i, const char *name, size_t max,
		      char *why, size_t size)
{
	const json_t *v = json_object_get(c, name);

	if (!v)
		return say(why, size, "check %zu: missing %s", i, name);
	if (!json_is_string(v))
		return say(why, size, "check %zu: %s must be a string", i, name);
	if (json_string_length(v) > max)
		return say(why, size, "check %zu: %s is longer than %zu bytes", i,
			   name, max);
	if (!text_clean(json_string_value(v), json_string_length(v)))
		return say(why, size,
			   "check %zu: %s has control characters or invalid UTF-8",
			   i, name);
	return 0;
}

static int int_field(const json_t *c, size_t i, const char *name,
		     json_int_t max, json_int_t *out, char *why, size_t size)
{
	const json_t *v = json_object_get(c, name);

	if (!v)
		return say(why, size, "check %zu: missing %s", i, name);
	if (!json_is_integer(v))
		return say(why, size, "check %zu: %s must be an integer", i, name);
	*out = json_integer_value(v);
	if (*out < 0 || *out > max)
		return say(why, size, "check %zu: %s %lld is not in 0..%lld", i,
			   name, (long long)*out, (long long)max);
	return 0;
}

int checks_validate(const json_t *checks, char *why, size_t size)
{
	const json_t *c, *v, *other;
	const char *key, *status;
	json_int_t weight, points;
	unsigned long long total = 0;
	size_t n, i, j;

	if (!json_is_array(checks))
		return say(why, size, "expected an array of checks");
	n = json_array_size(checks);
	if (n == 0)
		return say(why, size, "no checks");
	if (n > GRADER_MAX_CHECKS)
		return say(why, size, "more than %d checks", GRADER_MAX_CHECKS);
	for (i = 0; i < n; i++) {
		c = json_array_get(checks, i);
		if (!json_is_object(c))
			return say(why, size, "check %zu: not an object", i + 1);
		json_object_foreach((json_t *)c, key, v) {
			if (!checks_field_known(key))
				return say(why, size, "check %zu: unknown field '%.32s'",
					   i + 1, key);
		}
		v = json_object_get(c, "id");
		if (!v)
			return say(why, size, "check %zu: missing id", i + 1);
		if (!json_is_string(v))
			return say(why, size, "check %zu: id must be a string", i + 1);
		if (!id_ok(json_string_value(v), json_string_length(v)))
			return say(why, size,
				   "check %zu: id must match ^[a-z0-9][a-z0-9._-]{0,63}$",
				   i + 1);
		for (j = 0; j < i; j++) {
			other = json_object_get(json_array_get(checks, j), "id");
			if (json_equal((json_t *)other, (json_t *)v))
				return say(why, size,
					   "check %zu: duplicate id '%s' (also check %zu)",
					   i + 1, json_string_value(v), j + 1);
		}
		if (text_field(c, i + 1, "title", CHECK_MAX_TITLE, why, size) < 0 ||
		    int_field(c, i + 1, "weight", CHECK_MAX_WEIGHT, &weight, why,
			      size) < 0)
			return -1;
		v = json_object_get(c, "status");
		if (!v)
			return say(why, size, "check %zu: missing status", i + 1);
		if (!json_is_string(v))
			return say(why, size, "check %zu: status must be a string",
				   i + 1);
		status = json_string_value(v);
		if (strcmp(status, "pass") && strcmp(status, "fail") &&
		    strcmp(status, "error"))
			return say(why, size,
				   "check %zu: status '%.16s' is not pass, fail or error",
				   i + 1, status);
		if (int_field(c, i + 1, "points", weight, &points, why, size) < 0)
			return -1;
		if (!strcmp(status, "error") && points != 0)
			return say(why, size, "check %zu: an error check has no points",
				   i + 1);
		if (text_field(c, i + 1, "message", CHECK_MAX_MESSAGE, why, size) < 0)
			return -1;
		v = json_object_get(c, "kind");
		if (v && (!json_is_string(v) ||
			  (strcmp(json_string_value(v), "remediation") &&
			   strcmp(json_string_value(v), "knowledge"))))
			return say(why, size,
				   "check %zu: kind must be \"remediation\" or \"knowledge\"",
				   i + 1);
		total += (unsigned long long)weight;
	}
	if (total == 0)
		return say(why, size, "every check has weight 0");
	return 0;
}
