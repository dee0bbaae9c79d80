/* show: `labrun show`'s facts about one evidence file or credential file,
 * checked against the pinned issuer key first (evidence as `verify`
 * checks it, a credential by its eddsa-jcs-2022 proof), then gathered
 * into one JSON object and written as one screen of text or as that
 * object.  jansson is used here and not exposed.  It prints nothing (the
 * command layer does) and trusts no key a file names. */
#ifndef LABRUN_SHOW_H
#define LABRUN_SHOW_H

#include <stdint.h>

struct err;
struct buf;
struct sign_pub;

/* How wide a line of the text may be: the terminal a person reads it
 * on; longer values are cut with "..." (--json has them whole). */
#define SHOW_WIDTH 80

/* Check path against issuer and append to out what it holds: the text
 * (json 0, each line at most SHOW_WIDTH columns, already escaped for the
 * terminal) or one JSON object and a newline (json 1).  Expiry is judged
 * at at_s (seconds since the epoch).  -1 ERR_REFUSED naming the file and
 * what is wrong with it; ERR_HOST for I/O and memory.  at_given: the
 * time came from --at (the text says "before <at>", not "ago"). */
int show_file(const char *path, const struct sign_pub *issuer, int64_t at_s,
	      int at_given, int json, struct buf *out, struct err *e);

#endif
