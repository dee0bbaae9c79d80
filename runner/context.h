/* context: the grader's view of a finished session as one JSON object
 * {"session":{...},"commands":[...],"keys":{...}} (docs/graders.md).
 * jansson is used here and not exposed.  It does not run the grader. */
#ifndef LABRUN_CONTEXT_H
#define LABRUN_CONTEXT_H

#include <stddef.h>

struct err;
struct buf;
struct ev_info;

/* keys_json: grader/keys.json (an object, already validated) or NULL. */
int context_build(const struct ev_info *info, const char *keys_json,
		  size_t keys_len, struct buf *out, struct err *e);

#endif
