/* utf8: checking UTF-8 the way jansson does (no overlong forms, no
 * surrogates, nothing above U+10FFFF) and escaping what is not, so that
 * terminal output and candidate-typed arguments can go into JSON.  A byte
 * that is not part of a valid sequence becomes the four characters "\xNN"
 * (lowercase hex).  It does not encode JSON itself and it is not reversible:
 * a literal "\x41" in the input reads the same as an escaped byte. */
#ifndef LABRUN_UTF8_H
#define LABRUN_UTF8_H

#include <stddef.h>

struct err;
struct buf;

/* Append in[0..len) to out with every invalid byte escaped.  A NUL byte is
 * valid UTF-8 and is copied as it is. */
int utf8_escape(const unsigned char *in, size_t len, struct buf *out,
		struct err *e);

/* How many bytes at the end of in[0..len) are the start of a sequence that
 * could still be completed by more bytes (0..3): a caller that receives a
 * stream in pieces keeps them for the next piece. */
size_t utf8_incomplete_tail(const unsigned char *in, size_t len);

/* The length (1..4) of the valid sequence at in[0..len), or 0 when in[0]
 * does not start a complete valid one (len must be at least 1). */
size_t utf8_seq_len(const unsigned char *in, size_t len);

/* Where utf8_seq_len is 0: how many bytes at in[0..len) make up the one
 * broken sequence there (1..3): a lead byte with the continuation bytes
 * that still fit it, cut short or followed by something else; 1 for a byte
 * that starts no sequence. */
size_t utf8_broken_len(const unsigned char *in, size_t len);

/* 1 if in[0..len) is entirely valid UTF-8. */
int utf8_valid(const unsigned char *in, size_t len);

#endif
