/* err: how fallible functions below the command layer report failure.
 *
 * A function returns 0 on success or -1 after filling the struct err passed
 * last.  Only the command layer prints the message and maps the kind to an
 * exit code (err_exit_code); nothing below it prints or exits. */
#ifndef LABRUN_ERR_H
#define LABRUN_ERR_H

enum err_kind {
	ERR_NONE = 0,
	ERR_REFUSED, /* bad input, tampered data, failed check: exit 1 */
	ERR_USAGE,   /* the command line is wrong: exit 2 */
	ERR_HOST,    /* host or infrastructure failure (I/O, kernel): exit 3 */
	ERR_BUG,     /* an internal invariant broke: exit 4 */
};

/* Exit codes are an interface: README.md lists them (under "What it does,
 * in commands") and `labrun help` prints them (runner/cmd.c). */
enum exit_code {
	EXIT_YES = 0,
	EXIT_NO = 1,
	EXIT_USAGE = 2,
	EXIT_HOST = 3,
	EXIT_BUG = 4,
};

struct err {
	enum err_kind kind;
	char msg[1024]; /* "<where>: <what>[; hint: ...]", lowercase */
};

/* Fill e (if not NULL) and return -1.  The message is formatted once; a
 * longer message is cut at the buffer and ends in "...". */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As err_set, appending ": strerror(errnum)". */
int err_sys(struct err *e, enum err_kind kind, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefix an already filled message with "<where>: ". */
int err_wrap(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int err_exit_code(const struct err *e);

#endif
