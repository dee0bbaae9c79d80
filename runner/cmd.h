/* cmd: the command table and what every command shares: printing text
 * safely, errors and usage, the exit codes.  Only code under
 * runner/cmd_*.c and main.c prints or exits. */
#ifndef LABRUN_CMD_H
#define LABRUN_CMD_H

#include <stdio.h>

struct err;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
	const char *usage; /* full --help text */
};

extern const struct cmd labrun_cmds[];

/* Printing anything that comes from evidence, bundles, job lists, a
 * grader, the candidate or the command line: the text goes out through
 * termsafe (base/termsafe.h), so that none of it can drive the terminal
 * (HOSTILE.md V4).  0, or -1 when writing failed.  labrun's own escape
 * sequences (take's bold, batch's progress bar) are written with plain
 * fputs, never through these. */
int cmd_printf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cmd_write(FILE *f, const void *data, size_t len);

/* Print "labrun <cmd>: <msg>" (escaped, as cmd_printf) and return the exit
 * code for e's kind. */
/* Read the host's configuration (path, or the default file if it exists)
 * and put its state directory and spool in force (runner/sessions.h,
 * runner/spool.h: the environment's win); -1 with e as config_load and
 * those say. */
struct config;
int cmd_config(const char *path, struct config *cfg, struct err *e);

int cmd_fail(const char *cmd, const struct err *e);
/* Print "labrun <cmd>: <msg>" and "usage: ..." hint (escaped, as
 * cmd_printf); return EXIT_USAGE. */
int cmd_usage_error(const struct cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const struct cmd *cmd_find(const char *name);
/* After getopt_long returned opt (':' or '?', opterr 0, a ':' leading
 * the option string): the usage error naming the option. */
int cmd_bad_option(const struct cmd *c, int opt, char **argv);
/* If argv holds -h/--help before "--", print usage and return 1. */
int cmd_wants_help(const struct cmd *c, int argc, char **argv);

/* The command list and exit codes, on stderr (after a usage error). */
void cmd_print_list(void);

int cmd_help(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_take(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_end(int argc, char **argv);
int cmd_spool(int argc, char **argv);
int cmd_exam(int argc, char **argv);

/* run and take share their options and their end (cmd_run.c); take adds
 * the terminal (cmd_take.c) through these hooks, which it hands to
 * cmd_session: run calls them and names nothing of take's.  NULL hooks:
 * labrun run. */
struct session_ui;
struct session_result;
struct err;
struct cmd_terminal {
	void *ctx;
	/* --time-factor F as a percentage; -1 when F is not one */
	int (*factor)(const char *s, unsigned *pct);
	/* -1 (e says why, a usage error) when there is no terminal */
	int (*ready)(void *ctx, struct err *e);
	/* The terminal becomes the candidate's: the session's ui */
	const struct session_ui *(*begin)(void *ctx);
	/* and labrun's again, whatever the session's end */
	void (*end)(void *ctx);
	/* An ended session, before its verdict is printed */
	void (*summary)(void *ctx, const struct session_result *res);
};
int cmd_session(const struct cmd *c, int argc, char **argv,
		const struct cmd_terminal *term);
/* Set by SIGTERM, SIGINT, SIGQUIT (1) or SIGHUP (2) during a session. */
extern volatile int session_stop;
int cmd_verify(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_regrade(int argc, char **argv);
int cmd_recert(int argc, char **argv);
int cmd_batch(int argc, char **argv);

/* selftest's table and verdict (cmd_selftest.c), and its exit code; pack
 * prints them when it refuses a scenario. */
struct selftest_report;
void selftest_print(FILE *f, const struct selftest_report *r);
int selftest_exit_code(const struct selftest_report *r);
int cmd_doctor(int argc, char **argv);

#endif
