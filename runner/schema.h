/* schema: the toolkit the scenario's checks share (scenario.c for the
 * manifest and the tree, faultkinds.c for the fault plan): the list of
 * problems, author text made printable, and JSON values checked one by
 * one, each failure reported as "FILE: WHERE: WHAT; hint: ..." and counted.
 *
 * It knows no key of any schema.  The JSON values are jansson's; the type
 * is only named here (struct json_t), so that including this header does
 * not bring jansson in: only the JSON-facing modules include <jansson.h>. */
#ifndef LABRUN_SCHEMA_H
#define LABRUN_SCHEMA_H

#include <stddef.h>

#include "base/limits.h"

struct json_t;
struct tar_entry;

/* Problems found in a scenario, each "FILE: WHERE: WHAT" (WHERE is a JSON
 * path such as $.limits.memory_mb, or "line N"). */
struct problems {
	char **v;
	size_t n, cap;
};

/* The last problem when there are more than PROBLEMS_MAX; it names no
 * file. */
#define PROBLEMS_TOO_MANY "too many problems; stopping"

void problems_add(struct problems *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void problems_release(struct problems *p);

/* An echoed value: each input byte may become "\xNN". */
#define SCHEMA_SHOW_SIZE (PROBLEM_MAX_QUOTE * 4 + 4)
/* A JSON path: a few keys and an index. */
#define SCHEMA_PATH_SIZE (SCHEMA_SHOW_SIZE + 64)

/* One check run: where problems go, and whether memory ran out (then the
 * problems are incomplete and the caller gets a host error instead). */
struct schema {
	struct problems *p;
	const char *file;    /* what the key checks name: "scenario.json" */
	unsigned max_depth;  /* JSON nesting */
	size_t found;        /* problems found, kept or not */
	int oom;
	const char *variant; /* checking this variant's plan: say so */
	/* with variant: problems already said of the base plan, which the
	 * variant's check would only repeat (NULL: none) */
	const struct problems *seen;
};

/* Report a problem, "FILE: WHERE: WHAT" (with the variant after FILE). */
void schema_problem(struct schema *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Make len bytes of author text printable in out (size bytes): valid
 * UTF-8 other than controls is kept, any other byte becomes \xNN, and with
 * 'quoted' '"' and '\' are escaped.  At most (size - 4) / 4 input bytes are
 * shown; a longer text ends in "...".  Returns out. */
const char *schema_show(char *out, size_t size, const char *s, size_t len,
			int quoted);
/* The same, quoted, into SCHEMA_SHOW_SIZE bytes. */
const char *schema_show_str(char *out, const char *s);
/* A C0 or C1 control character or DEL at s (a valid sequence of n). */
int schema_is_control(const unsigned char *s, size_t n);

/* ^[a-z0-9][a-z0-9<extra>]{0,max-1}$ */
int schema_is_name(const char *s, size_t max, const char *extra);
/* A check's, a fault's or a variant's id: ^[a-z0-9][a-z0-9._-]{0,63}$ */
int schema_is_check_id(const char *s);
/* An absolute path in the sandbox: "/a/b", no "." or ".." or empty
 * component, no trailing "/". */
int schema_is_sandbox_path(const char *p);

/* Parse a JSON file of the tree (at most max bytes, nested at most
 * c->max_depth), or report why not and return NULL. */
struct json_t *schema_load_json(struct schema *c, const char *file,
				const struct tar_entry *t, size_t max);
/* "an object", "a string", ...: what a value is, for a message. */
const char *schema_type_name(const struct json_t *v);
/* Report every key of obj (at path) that is not in allowed
 * (NULL-terminated), with a "did you mean" for a near miss. */
void schema_unknown_keys(struct schema *c, struct json_t *obj,
			 const char *path, const char *const *allowed);
void schema_not_integer(struct schema *c, const char *path,
			const struct json_t *v);
/* An integer in [min, max]; unit (may be "") is said in the message. */
int schema_want_uint(struct schema *c, const struct json_t *v,
		     const char *path, unsigned min, unsigned max,
		     const char *unit, unsigned *out);
/* A string, or NULL after reporting what v is instead. */
const char *schema_want_string(struct schema *c, const struct json_t *v,
			       const char *path);
/* *dst = a copy of s; -1 (and c->oom) when memory runs out. */
int schema_keep(struct schema *c, char **dst, const char *s);

#endif
