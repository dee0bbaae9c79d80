/* cmd: the command table and what every command shares: its setup (the
 * configuration, the keys, the stop flag), printing text safely, errors
 * and usage, the exit codes.  Only code under runner/cmd_*.c and main.c
 * prints or exits. */
#ifndef LABRUN_CMD_H
#define LABRUN_CMD_H

#include <signal.h>
#include <stdio.h>

#include "runner/config.h"
#include "runner/sign.h"

struct err;

/* What a command needs before it does its work (struct cmd's needs, like
 * git's RUN_SETUP): cmd_setup does it, in this order. */
enum cmd_needs {
	/* the host's configuration (--config, or the default file if it
	 * exists), with its state directory and spool in force; with
	 * CMD_TRUST and CMD_ISSUER_KEY, its trust and key stand in for
	 * --trust and --key */
	CMD_CONFIG = 1 << 0,
	/* the author keys bundles must be signed by (--trust), when named */
	CMD_TRUST = 1 << 1,
	/* the issuer's secret key (--key, required: a usage error without
	 * one) and public key (-p, or the secret key's own half) */
	CMD_ISSUER_KEY = 1 << 2,
	/* the issuer's public key alone (-p), when named */
	CMD_ISSUER_PUB = 1 << 3,
	/* SIGTERM, SIGINT, SIGQUIT and SIGHUP set cmd_stop */
	CMD_STOP = 1 << 4,
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	unsigned needs;                   /* enum cmd_needs, or-ed */
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

/* What a command's setup starts from and what it makes.  The command
 * zeroes it, names the paths its options gave, calls cmd_setup once its
 * own options are checked, and calls cmd_env_release on every way out
 * after that (nothing to do for a command that needs no key). */
struct cmd_env {
	/* from the command line; NULL when not given */
	const char *config_path; /* --config */
	const char *trust_path;  /* --trust; the configuration's by default */
	const char *key_path;    /* --key; the configuration's by default */
	const char *pub_path;    /* -p */
	/* Optional: the command's own checks of what it was given, once the
	 * configuration's defaults are in and before any key is read (run
	 * and take: --candidate, --script, the seed secret).  0 to go on, or
	 * the exit code after printing why. */
	int (*check)(struct cmd_env *env, void *ctx);
	void *ctx;
	/* made by cmd_setup, as the command's needs say */
	struct config cfg;       /* labrun's defaults without CMD_CONFIG */
	struct sign_trust trust; /* no keys when none was named */
	struct sign_sec *key;    /* CMD_ISSUER_KEY; NULL otherwise */
	struct sign_pub issuer;  /* CMD_ISSUER_KEY, or CMD_ISSUER_PUB with -p */
};

/* Do what c->needs says, in the order of enum cmd_needs, with env->check
 * (when set) between the configuration and the keys.  0 when the command
 * may go on; otherwise the message is printed ("labrun <cmd>: ...", a
 * usage error for a missing --key), nothing is held, and the exit code is
 * returned. */
int cmd_setup(const struct cmd *c, struct cmd_env *env);
void cmd_env_release(struct cmd_env *env);

/* Set once cmd_setup has caught the signals (CMD_STOP): 1 for SIGTERM
 * (an operator's labrun end), SIGINT and SIGQUIT, 2 for SIGHUP (the
 * connection dropped).  The work in hand ends as it stands. */
extern volatile sig_atomic_t cmd_stop;

/* Print "labrun <cmd>: <msg>" (escaped, as cmd_printf) and return the exit
 * code for e's kind. */
int cmd_fail(const char *cmd, const struct err *e);
/* A file refused by a command that checks it (verify, show): cmd_fail,
 * and with json the same as {"valid": false, "file", "error"} on stdout. */
int cmd_refuse_file(const char *cmd, const char *path, int json,
		    const struct err *e);
/* stdout flushed and without error: EXIT_YES; else EXIT_HOST, said. */
int cmd_finish_stdout(const char *cmd);
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
int cmd_new(int argc, char **argv);
int cmd_shell(int argc, char **argv);
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
int cmd_verify(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_regrade(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_recert(int argc, char **argv);
int cmd_batch(int argc, char **argv);

/* selftest's table and verdict (cmd_selftest.c), and its exit code; pack
 * prints them when it refuses a scenario. */
struct selftest_report;
void selftest_print(FILE *f, const struct selftest_report *r);
int selftest_exit_code(const struct selftest_report *r);
int cmd_doctor(int argc, char **argv);
int cmd_award(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_registry(int argc, char **argv);
/* --registry DIR (opt), else the configuration's registry: checked (its
 * log replays, key is its current key) and set for the passes this
 * process seals (ev_set_registry).  0, or the exit code after printing. */
int cmd_use_registry(const struct cmd *c, const char *opt,
		     const struct config *cfg, const struct sign_sec *key);

#endif
