/* opts: parsers for command-line options that several commands share
 * (--limit).  They fill plain structs and report ERR_USAGE; they do not
 * print, and they know nothing of getopt. */
#ifndef LABRUN_OPTS_H
#define LABRUN_OPTS_H

#include <stddef.h>

struct err;
struct tar_limits;

/* The defaults of limits.h: bundle entries, file and total sizes, and the
 * JSON nesting depth. */
void opts_limits_default(struct tar_limits *lim, unsigned *depth);

/* Apply one "--limit KEY=VALUE".  Keys: entries, file, total, depth;
 * sizes in bytes or with a K, M or G suffix (powers of 1024).  Values from
 * 1 up to the hard maxima in limits.h.  "manifest" is refused here (it has
 * nowhere to go); commands that bound scenario.json use
 * opts_limit_manifest.  Nothing is changed on error (ERR_USAGE). */
int opts_limit(const char *arg, struct tar_limits *lim, unsigned *depth,
	       struct err *e);

/* The same, also accepting manifest=BYTES (the size of scenario.json). */
int opts_limit_manifest(const char *arg, struct tar_limits *lim,
			unsigned *depth, size_t *manifest, struct err *e);

#endif
