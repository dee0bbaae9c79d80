/* cmd: the command table, `labrun help`, and the helpers every command
 * uses to print and to report errors.  The one place where error kinds
 * become exit codes is err_exit_code (err.c). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/termsafe.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/config.h"
#include "runner/sessions.h"
#include "runner/spool.h"

extern const char usage_keygen[], usage_validate[], usage_pack[],
	usage_run[], usage_take[], usage_verify[], usage_doctor[],
	usage_sessions[], usage_end[], usage_exam[], usage_selftest[],
	usage_regrade[], usage_recert[], usage_batch[], usage_spool[];

static const char usage_help[] =
	"usage: labrun help [COMMAND]\n"
	"\n"
	"Lists the commands, or prints one command's help (the same as\n"
	"labrun COMMAND --help).\n";

const struct cmd labrun_cmds[] = {
	{"keygen", cmd_keygen, "make an Ed25519 key pair (minisign format)",
	 usage_keygen},
	{"validate", cmd_validate, "check a scenario directory, every problem at once",
	 usage_validate},
	{"selftest", cmd_selftest,
	 "qualify a scenario: untouched fails, reference passes, wrong ones fail",
	 usage_selftest},
	{"pack", cmd_pack, "validate and sign a scenario into a bundle",
	 usage_pack},
	{"run", cmd_run, "run a session from a script and write signed evidence",
	 usage_run},
	{"take", cmd_take, "take an exam at this terminal: a shell in the sandbox",
	 usage_take},
	{"verify", cmd_verify, "check an evidence bundle and say what it proves",
	 usage_verify},
	{"regrade", cmd_regrade,
	 "grade stored evidence again with a newer bundle's grader",
	 usage_regrade},
	{"recert", cmd_recert,
	 "plan recertification (stale, expiring) and report a batch's verdicts",
	 usage_recert},
	{"batch", cmd_batch,
	 "run a recertification job list, or one shard of it, idempotently",
	 usage_batch},
	{"sessions", cmd_sessions, "list the sessions running on this host",
	 usage_sessions},
	{"end", cmd_end, "end a running session; it is graded as it stands",
	 usage_end},
	{"spool", cmd_spool,
	 "evidence that could not be written where asked, and lost attempts",
	 usage_spool},
	{"exam", cmd_exam, "an exam host's ssh forced command: take, evidence, list",
	 usage_exam},
	{"doctor", cmd_doctor,
	 "say what this host supports and whether sessions are safe here",
	 usage_doctor},
	{"help", cmd_help, "list the commands or show one command's help",
	 usage_help},
	{NULL, NULL, NULL, NULL},
};

const struct cmd *cmd_find(const char *name)
{
	const struct cmd *c;

	for (c = labrun_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int cmd_write(FILE *f, const void *data, size_t len)
{
	struct buf b = BUF_INIT;
	int rc;

	if (termsafe_clean(data, len))
		return len && fwrite(data, 1, len, f) != len ? -1 : 0;
	/* Out of memory: print nothing rather than the raw bytes. */
	rc = termsafe_escape(data, len, &b, NULL) < 0 ||
	     fwrite(b.data, 1, b.len, f) != b.len ? -1 : 0;
	buf_release(&b);
	return rc;
}

static int vprint(FILE *f, const char *fmt, va_list ap)
{
	char *s = NULL;
	int n, rc;

	n = vasprintf(&s, fmt, ap);
	if (n < 0)
		return -1;
	rc = cmd_write(f, s, (size_t)n);
	free(s);
	return rc;
}

int cmd_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprint(f, fmt, ap);
	va_end(ap);
	return rc;
}

/* Every message quotes what it is about (a member name, a path, a job
 * line, a grader's text): all of it goes out escaped. */
int cmd_config(const char *path, struct config *cfg, struct err *e)
{
	if (config_load(path ? path : CONFIG_DEFAULT_PATH, path != NULL, cfg, e) < 0)
		return -1;
	return sessions_state_dir_set(cfg->state_dir, e) < 0 ? -1
	       : spool_dir_set(cfg->spool_dir, e);
}

int cmd_fail(const char *cmd, const struct err *e)
{
	cmd_printf(stderr, "labrun %s: %s\n", cmd, e->msg);
	return err_exit_code(e);
}

int cmd_usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	cmd_printf(stderr, "labrun %s: ", c->name);
	va_start(ap, fmt);
	vprint(stderr, fmt, ap);
	va_end(ap);
	cmd_printf(stderr, "\nhint: labrun %s --help\n", c->name);
	return EXIT_USAGE;
}

int cmd_bad_option(const struct cmd *c, int opt, char **argv)
{
	if (opt == ':')
		return cmd_usage_error(c, "option '%s' needs a value",
				       argv[optind - 1]);
	return cmd_usage_error(c, "unknown option '%s'", argv[optind - 1]);
}

int cmd_wants_help(const struct cmd *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(c->usage, stdout);
			return 1;
		}
	}
	return 0;
}

static void list_commands(FILE *f)
{
	const struct cmd *c;

	fprintf(f, "usage: labrun COMMAND [ARGS]\n\ncommands:\n");
	for (c = labrun_cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f,
		"\nlabrun COMMAND --help shows a command's options.\n"
		"exit codes: 0 yes (passed, valid), 1 no (failed, tampered, refused input),\n"
		"2 usage, 3 host or infrastructure failure (an error verdict), 4 internal bug.\n");
}

int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (cmd_wants_help(cmd_find("help"), argc, argv))
		return EXIT_YES;
	if (argc < 2) {
		list_commands(stdout);
		return EXIT_YES;
	}
	c = cmd_find(argv[1]);
	if (!c) {
		cmd_printf(stderr, "labrun help: %s: no such command\n", argv[1]);
		list_commands(stderr);
		return EXIT_USAGE;
	}
	fputs(c->usage, stdout);
	return EXIT_YES;
}

void cmd_print_list(void)
{
	list_commands(stderr);
}
