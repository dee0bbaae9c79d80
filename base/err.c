/* err: formatting of error messages and their mapping to exit codes.  It
 * does not print; the command layer does. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

static void fit(char *buf, size_t size, int n)
{
	if (n >= (int)size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	fit(e->msg, sizeof e->msg, n);
	return -1;
}

int err_sys(struct err *e, enum err_kind kind, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	int n;

	if (!e)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	len = (size_t)n < sizeof e->msg ? (size_t)n : sizeof e->msg - 1;
	n = snprintf(e->msg + len, sizeof e->msg - len, ": %s", strerror(errnum));
	fit(e->msg, sizeof e->msg, (int)len + n);
	return -1;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	char prefix[512], old[sizeof e->msg];
	va_list ap;
	int n;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	n = snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
	fit(e->msg, sizeof e->msg, n);
	return -1;
}

int err_exit_code(const struct err *e)
{
	switch (e->kind) {
	case ERR_NONE:
		return EXIT_YES;
	case ERR_REFUSED:
		return EXIT_NO;
	case ERR_USAGE:
		return EXIT_USAGE;
	case ERR_HOST:
		return EXIT_HOST;
	case ERR_BUG:
		break;
	}
	return EXIT_BUG;
}
