/* cmd: the command table, `labrun help`, the setup every command's needs
 * call for (cmd_setup), and the helpers every command uses to print and to
 * report errors.  The one place where error kinds become exit codes is
 * err_exit_code (err.c). */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/termsafe.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/config.h"
#include "runner/evidence.h"
#include "runner/register.h"
#include "runner/sign.h"
#include "runner/spool.h"

extern const char usage_keygen[], usage_validate[], usage_pack[],
	usage_run[], usage_take[], usage_verify[], usage_doctor[],
	usage_sessions[], usage_end[], usage_exam[], usage_selftest[],
	usage_regrade[], usage_recert[], usage_batch[], usage_spool[],
	usage_new[], usage_shell[], usage_show[], usage_award[],
	usage_report[], usage_gate[], usage_registry[], usage_review[],
	usage_stats[];

static const char usage_help[] =
	"usage: labrun help [COMMAND]\n"
	"\n"
	"Lists the commands, or prints one command's help (the same as\n"
	"labrun COMMAND --help).\n";

/* What each command needs set up (cmd_setup); run and take share
 * cmd_session (cmd_run.c). */
#define NEEDS_SESSION (CMD_CONFIG | CMD_TRUST | CMD_ISSUER_KEY | CMD_STOP)

const struct cmd labrun_cmds[] = {
	{"keygen", cmd_keygen, 0, "make an Ed25519 key pair (minisign format)",
	 usage_keygen},
	{"new", cmd_new, 0, "start a scenario directory from the library or a template",
	 usage_new},
	{"validate", cmd_validate, 0,
	 "check a scenario directory, every problem at once", usage_validate},
	{"selftest", cmd_selftest, CMD_CONFIG | CMD_TRUST | CMD_STOP,
	 "qualify a scenario: untouched fails, reference passes, wrong ones fail",
	 usage_selftest},
	/* the configuration and the stop flag for the selftest it runs */
	{"pack", cmd_pack, CMD_CONFIG | CMD_STOP,
	 "validate and sign a scenario into a bundle", usage_pack},
	/* the configuration and the stop flag for its session; no key:
	 * nothing is signed */
	{"shell", cmd_shell, CMD_CONFIG | CMD_TRUST | CMD_STOP,
	 "explore a scenario's faulted system as a candidate: no grading, no evidence",
	 usage_shell},
	{"run", cmd_run, NEEDS_SESSION,
	 "run a session from a script and write signed evidence", usage_run},
	{"take", cmd_take, NEEDS_SESSION,
	 "take an exam at this terminal: a shell in the sandbox", usage_take},
	/* -p is verify's subject, and its refusal goes out as JSON too */
	{"verify", cmd_verify, 0, "check an evidence bundle and say what it proves",
	 usage_verify},
	/* -p is show's subject too, as verify's */
	{"show", cmd_show, 0,
	 "show what an evidence file or a credential says, on one screen",
	 usage_show},
	{"report", cmd_report, 0, "write an evidence file as one self-contained HTML page", usage_report},
	/* -p is the key every file is verified against, as verify's */
	{"stats", cmd_stats, 0,
	 "cohort statistics and item analysis over many evidence files",
	 usage_stats},
	{"regrade", cmd_regrade, CMD_TRUST | CMD_ISSUER_KEY,
	 "grade stored evidence again with a newer bundle's grader",
	 usage_regrade},
	{"review", cmd_review, CMD_CONFIG | CMD_ISSUER_KEY,
	 "record a reviewer's decision on an appeal as new signed evidence", usage_review},
	{"recert", cmd_recert, CMD_TRUST | CMD_ISSUER_PUB,
	 "plan recertification (stale, expiring) and report a batch's verdicts",
	 usage_recert},
	{"batch", cmd_batch, CMD_CONFIG | CMD_TRUST | CMD_ISSUER_KEY | CMD_STOP,
	 "run a recertification job list, or one shard of it, idempotently",
	 usage_batch},
	/* its own keys: award, --check and --sign need different ones */
	{"award", cmd_award, 0,
	 "issue a program's credential on a holder's evidence (ladders)",
	 usage_award},
	{"sessions", cmd_sessions, CMD_CONFIG,
	 "list the sessions running on this host", usage_sessions},
	{"end", cmd_end, CMD_CONFIG,
	 "end a running session; it is graded as it stands", usage_end},
	{"spool", cmd_spool, CMD_CONFIG,
	 "evidence that could not be written where asked, and lost attempts",
	 usage_spool},
	{"exam", cmd_exam, CMD_CONFIG,
	 "an exam host's ssh forced command: take, evidence, list", usage_exam},
	{"gate", cmd_gate, 0, "may this holder make this change? credentials against a policy",
	 usage_gate},
	{"registry", cmd_registry, 0,
	 "the issuer's registry: revoke, suspend, rotate keys, status lists", usage_registry},
	{"doctor", cmd_doctor, 0,
	 "say what this host supports and whether sessions are safe here",
	 usage_doctor},
	{"help", cmd_help, 0, "list the commands or show one command's help",
	 usage_help},
	{NULL, NULL, 0, NULL, NULL},
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

/* Read the host's configuration (path, or the default file if it exists)
 * and put its state directory and spool in force (runner/register.h,
 * runner/spool.h: the environment's win); -1 with e as config_load and
 * those say. */
static int cmd_config(const char *path, struct config *cfg, struct err *e)
{
	if (config_load(path ? path : CONFIG_DEFAULT_PATH, path != NULL, cfg, e) < 0)
		return -1;
	return register_state_dir_set(cfg->state_dir, e) < 0 ? -1
	       : spool_dir_set(cfg->spool_dir, e);
}

volatile sig_atomic_t cmd_stop;

static void on_stop(int sig)
{
	cmd_stop = sig == SIGHUP ? 2 : 1;
}

/* An operator's SIGTERM (labrun end), an interrupt, a quit or a hang-up
 * ends the work in hand as it stands: a session is graded, a selftest
 * matrix or a batch stops and cleans up.  Without these, labrun would die
 * and leave its sandboxes and private directories behind, and no
 * evidence. */
static void catch_stops(void)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP};
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop; /* no SA_RESTART: the supervisor's poll wakes */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* The configuration first (its key and trust stand in for options not
 * given), then the command's own checks, then the keys: the issuer key is
 * read before anything acts, so before any sandbox exists, and it never
 * enters one.  The stop flag last, once nothing here can fail. */
int cmd_setup(const struct cmd *c, struct cmd_env *env)
{
	struct err e = {0};
	int rc;

	config_defaults(&env->cfg);
	if (c->needs & CMD_CONFIG) {
		if (cmd_config(env->config_path, &env->cfg, &e) < 0)
			return cmd_fail(c->name, &e);
		if ((c->needs & CMD_ISSUER_KEY) && !env->key_path && env->cfg.key[0])
			env->key_path = env->cfg.key;
		if ((c->needs & CMD_TRUST) && !env->trust_path && env->cfg.trust[0])
			env->trust_path = env->cfg.trust;
	}
	if (env->check) {
		rc = env->check(env, env->ctx);
		if (rc)
			return rc;
	}
	if (c->needs & CMD_ISSUER_KEY) {
		if (!env->key_path)
			return cmd_usage_error(c, (c->needs & CMD_CONFIG)
						  ? "--key (or key in the configuration) is required"
						  : "--key is required");
		/* the trust store too: sign_load_issuer holds all or nothing */
		if (sign_load_issuer(env->key_path, env->pub_path,
				     (c->needs & CMD_TRUST) ? env->trust_path : NULL,
				     &env->key, &env->issuer, &env->trust, &e) < 0)
			return cmd_fail(c->name, &e);
	} else {
		if ((c->needs & CMD_ISSUER_PUB) && env->pub_path &&
		    sign_pub_load(env->pub_path, &env->issuer, &e) < 0)
			return cmd_fail(c->name, &e);
		if ((c->needs & CMD_TRUST) && env->trust_path &&
		    sign_trust_load(env->trust_path, &env->trust, &e) < 0)
			return cmd_fail(c->name, &e);
	}
	if (c->needs & CMD_STOP)
		catch_stops();
	return 0;
}

void cmd_env_release(struct cmd_env *env)
{
	sign_trust_release(&env->trust);
	sign_sec_free(env->key);
	env->key = NULL;
}

/* Every message quotes what it is about (a member name, a path, a job
 * line, a grader's text): all of it goes out escaped. */
int cmd_fail(const char *cmd, const struct err *e)
{
	cmd_printf(stderr, "labrun %s: %s\n", cmd, e->msg);
	return err_exit_code(e);
}

int cmd_refuse_file(const char *cmd, const char *path, int json,
		    const struct err *e)
{
	struct buf out = BUF_INIT;
	struct err e2 = {0};

	if (json && ev_invalid_json(path, e->msg, &out, &e2) == 0)
		cmd_write(stdout, out.data, out.len);
	buf_release(&out);
	fflush(stdout);
	return cmd_fail(cmd, e);
}

int cmd_finish_stdout(const char *cmd)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_printf(stderr, "labrun %s: writing the output failed\n", cmd);
		return EXIT_HOST;
	}
	return EXIT_YES;
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
