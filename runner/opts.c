/* opts: the --limit parser shared by pack, validate and run.  It checks
 * syntax and the hard maxima of limits.h; it does not decide what a limit
 * means to a command. */
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/opts.h"
#include "runner/tarball.h"

#define LIMIT_KEYS "entries, file, total, manifest, depth"

void opts_limits_default(struct tar_limits *lim, unsigned *depth)
{
	lim->max_entries = BUNDLE_MAX_ENTRIES;
	lim->max_file = BUNDLE_MAX_FILE;
	lim->max_total = BUNDLE_MAX_TOTAL;
	if (depth)
		*depth = JSON_MAX_DEPTH;
}

/* "123", "64K", "16M", "2G" (powers of 1024) in [1, max]. */
static int parse_value(const char *s, int sizes, uint64_t max, uint64_t *out)
{
	char digits[24];
	size_t len = strlen(s);
	uint64_t v, mul = 1;

	if (len == 0 || len >= sizeof digits)
		return -1;
	memcpy(digits, s, len + 1);
	if (sizes) {
		switch (digits[len - 1]) {
		case 'K':
		case 'k':
			mul = 1u << 10;
			break;
		case 'M':
		case 'm':
			mul = 1u << 20;
			break;
		case 'G':
		case 'g':
			mul = 1u << 30;
			break;
		default:
			break;
		}
		if (mul > 1)
			digits[len - 1] = 0;
	}
	if (parse_u64(digits, 1, UINT64_MAX / mul, &v) < 0)
		return -1;
	v *= mul;
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int opts_limit_manifest(const char *arg, struct tar_limits *lim,
			unsigned *depth, size_t *manifest, struct err *e)
{
	const char *eq = strchr(arg, '=');
	const char *val;
	size_t klen;
	uint64_t v, max = LIMIT_MAX_BYTES;
	int sizes = 1;

	if (!eq || eq == arg)
		return err_set(e, ERR_USAGE,
			       "--limit '%s': want KEY=VALUE, KEY one of %s",
			       arg, LIMIT_KEYS);
	klen = (size_t)(eq - arg);
	val = eq + 1;
#define KEY_IS(k) (klen == strlen(k) && !strncmp(arg, k, klen))
	if (KEY_IS("entries")) {
		sizes = 0;
		max = LIMIT_MAX_ENTRIES;
	} else if (KEY_IS("depth")) {
		sizes = 0;
		max = LIMIT_MAX_DEPTH;
	} else if (KEY_IS("manifest")) {
		if (!manifest)
			return err_set(e, ERR_USAGE,
				       "--limit manifest: not used by this "
				       "command");
	} else if (!KEY_IS("file") && !KEY_IS("total")) {
		return err_set(e, ERR_USAGE,
			       "--limit '%.*s': unknown key; want one of %s",
			       (int)klen, arg, LIMIT_KEYS);
	}
	if (max > SIZE_MAX)
		max = SIZE_MAX;
	if (parse_value(val, sizes, max, &v) < 0)
		return err_set(e, ERR_USAGE,
			       "--limit %.*s='%s': want a whole number from 1 "
			       "to %llu%s", (int)klen, arg, val,
			       (unsigned long long)max,
			       sizes ? " (bytes, or with K, M or G)" : "");
	if (KEY_IS("entries"))
		lim->max_entries = (size_t)v;
	else if (KEY_IS("file"))
		lim->max_file = (size_t)v;
	else if (KEY_IS("total"))
		lim->max_total = (size_t)v;
	else if (KEY_IS("manifest"))
		*manifest = (size_t)v;
	else if (depth)
		*depth = (unsigned)v;
	else
		return err_set(e, ERR_USAGE,
			       "--limit depth: not used by this command");
#undef KEY_IS
	return 0;
}

int opts_limit(const char *arg, struct tar_limits *lim, unsigned *depth,
	       struct err *e)
{
	return opts_limit_manifest(arg, lim, depth, NULL, e);
}
