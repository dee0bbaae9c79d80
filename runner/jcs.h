/* jcs: the JSON Canonicalization Scheme (RFC 8785) of a jansson value, what
 * an eddsa-jcs-2022 proof signs.  Only integers and strings are numbers and
 * text labrun signs: a real number is refused (floats stay out of signed
 * JSON), and so is an integer beyond 2^53 - 1, which an ECMAScript verifier
 * would round.  Object keys are sorted by their UTF-16 code units; strings
 * are escaped as ECMAScript's JSON.stringify escapes them. */
#ifndef LABRUN_JCS_H
#define LABRUN_JCS_H

#include <jansson.h>

struct buf;
struct err;

#define JCS_MAX_DEPTH 64

/* Append the canonical form of v to out; 'what' names the document in
 * messages (ERR_REFUSED for a real, a huge integer or nesting too deep). */
int jcs_write(const json_t *v, const char *what, struct buf *out,
	      struct err *e);

#endif
