/* config: the exam host's configuration file (/etc/labrun/labrun.conf by
 * default): the operator's hard maxima for session limits, which a
 * scenario cannot exceed, and the default trust store and issuer key.
 * Command-line flags override it.  The format is "key = value" lines, "#"
 * comments; an unknown key or a bad value is an error naming the file and
 * line.  It does not read keys or trust stores itself. */
#ifndef LABRUN_CONFIG_H
#define LABRUN_CONFIG_H

#include <limits.h>
#include <stddef.h>

struct err;

#define CONFIG_DEFAULT_PATH "/etc/labrun/labrun.conf"
#define CONFIG_MAX_BYTES 65536 /* a configuration is a page of text */

struct config {
	/* the operator's maxima; a scenario's limits are clamped to them */
	unsigned max_time_s;
	unsigned max_memory_mb;
	unsigned max_processes;
	unsigned max_disk_mb;
	unsigned max_cpu_s;
	unsigned max_open_files;
	char trust[PATH_MAX]; /* default --trust, "" if none */
	char key[PATH_MAX];   /* default --key, "" if none */
	char exam_bundle[PATH_MAX];  /* labrun exam: the bundle candidates take */
	char evidence_dir[PATH_MAX]; /* labrun exam: where their evidence goes */
	char seed_secret[PATH_MAX];  /* a file that keys session and variant
				      * seeds (instead of the issuer key) */
	char state_dir[PATH_MAX];    /* the register and work areas ("": the
				      * default; runner/register.h) */
	char spool_dir[PATH_MAX];    /* what no attempt may lose ("": the
				      * default; runner/spool.h) */
	char registry[PATH_MAX];     /* the registry directory passes are
				      * issued under (docs/registry.md), "" none */
	char reviewers[PATH_MAX];    /* labrun review: the public keys (a file,
				      * or a directory of *.pub) of the
				      * issuer's reviewers, "" none */
	char source[PATH_MAX]; /* the file read, "" when none was */
};

/* labrun's own maxima (base/limits.h), nothing else set. */
void config_defaults(struct config *c);

/* Read path over the defaults.  A missing file is an error only when
 * required (an explicit --config); the default path may be absent. */
int config_load(const char *path, int required, struct config *out,
		struct err *e);

/* The same checks on a configuration's text (len bytes, at most
 * CONFIG_MAX_BYTES) over the defaults; name is the file, in messages.
 * config_load reads the file and calls it; source is left "". */
int config_parse(const char *name, const void *text, size_t len,
		 struct config *out, struct err *e);

#endif
