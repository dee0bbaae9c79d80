/* cmd_shell: `labrun shell DIR|BUNDLE`, the author exploring a scenario's
 * faulted system as a candidate would meet it: take's sandbox, services,
 * fault plan, shell and `lab` (session.c with session_opts.explore), at
 * this terminal, with no grading, no exam time limit (SHELL_TIME_S is
 * only an end) and no evidence or spool record.  It needs no issuer key:
 * nothing is signed.  Exploring is this command's job, not take's, whose
 * every session is an exam attempt with evidence. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/opts.h"
#include "runner/scenario.h"
#include "runner/session.h"
#include "runner/terminal.h"

extern const char usage_shell[];

const char usage_shell[] =
	"usage: labrun shell DIR|BUNDLE [--trust AUTHOR_PUB] [--seed HEX]\n"
	"                    [--variant ID] [--limit KEY=VALUE]... [--config FILE]\n"
	"\n"
	"Explore a scenario as the candidate would meet it: the same sandbox,\n"
	"services and fault plan as labrun take, a shell inside it with the\n"
	"`lab` command, at this terminal.  Nothing is graded, there is no exam\n"
	"time limit (a session still ends after a day), and no evidence or\n"
	"spool record is written: this, not take, is the tool for trying a\n"
	"scenario out.  Leaving the shell (exit, Ctrl-D) or lab submit ends it.\n"
	"\n"
	"  DIR               a scenario directory\n"
	"  BUNDLE            a bundle NAME.lab, signed by a key in --trust\n"
	"  --trust FILE|DIR  author public key(s) a bundle must be signed by\n"
	"                    (default: trust in the configuration)\n"
	"  --seed HEX        the session's seed (the variant, the faults'\n"
	"                    draws); default a fresh one, printed so that the\n"
	"                    same system can be had again\n"
	"  --variant ID      this variant of the scenario's $.variants\n"
	"  --limit KEY=N     raise a bundle limit: entries, file, total, manifest, depth\n"
	"  --config FILE     the host's configuration (default\n"
	"                    /etc/labrun/labrun.conf, if it exists)\n"
	"\n"
	"Runs as root, on a terminal.  Exit: 0 the shell ended, 1 input\n"
	"refused, 2 usage, 3 the sandbox or host failed.\n";

struct shell_ui {
	struct session_ui s;
	const char *seed;
};

static struct shell_ui the_ui;

/* In place of take's brief and Enter: what this is, then the raw
 * terminal for the sandbox's shell (lab brief shows the brief inside). */
static int shell_banner(void *ctx, const struct scenario *sc, unsigned limit_s)
{
	struct shell_ui *ui = ctx;
	const char *variant = scenario_variant(sc);

	(void)limit_s;
	cmd_printf(stdout, "labrun shell: %s %s", sc->id, sc->version);
	if (variant && *variant)
		cmd_printf(stdout, ", variant %s", variant);
	cmd_printf(stdout, ", seed %s\n", ui->seed);
	cmd_printf(stdout, "The candidate's view of the faulted system: no grading, no time limit,\n"
			   "no evidence.  lab brief shows the brief; exit ends the session.\n\n");
	fflush(stdout);
	return terminal_claim() ? terminal_raw() : 0;
}

static const struct session_ui *shell_begin(const char *seed)
{
	memset(&the_ui, 0, sizeof the_ui);
	terminal_claim();
	the_ui.seed = seed;
	the_ui.s.ctx = &the_ui;
	the_ui.s.brief = shell_banner;
	the_ui.s.output = terminal_output;
	the_ui.s.input_fd = 0;
	the_ui.s.winch = &terminal_winch;
	return &the_ui.s;
}

static int parse_args(const struct cmd *c, int argc, char **argv,
		      struct session_opts *o, struct cmd_env *env)
{
	static const struct option longopts[] = {
		{"trust", required_argument, NULL, 't'},
		{"seed", required_argument, NULL, 'S'},
		{"variant", required_argument, NULL, 'V'},
		{"limit", required_argument, NULL, 'L'},
		{"config", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	struct err e = {0};
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			env->trust_path = optarg;
			break;
		case 'S':
			o->seed_hex = optarg;
			break;
		case 'V':
			o->variant = optarg;
			break;
		case 'L':
			if (opts_limit(optarg, &o->lim, &o->max_depth, &e) < 0)
				return cmd_usage_error(c, "%s", e.msg);
			break;
		case 'C':
			env->config_path = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(c, optind >= argc ? "name a scenario directory or a bundle"
						       : "one scenario at a time");
	o->input = argv[optind];
	if (o->seed_hex && (strlen(o->seed_hex) > 64 ||
			    strspn(o->seed_hex, "0123456789abcdefABCDEF") != strlen(o->seed_hex) ||
			    strlen(o->seed_hex) < 2 || strlen(o->seed_hex) % 2))
		return cmd_usage_error(c, "--seed %s: 2 to 64 hex digits, an even number", o->seed_hex);
	if (!isatty(0) || !isatty(1))
		return cmd_usage_error(c, "shell needs a terminal on stdin and stdout; hint: labrun run takes a script");
	return 0;
}

int cmd_shell(int argc, char **argv)
{
	const struct cmd *c = cmd_find("shell");
	struct session_opts o = {0};
	struct session_result res = {0};
	struct cmd_env env = {0};
	struct err e = {0};
	unsigned char rnd[16];
	char seed[2 * sizeof rnd + 1];
	size_t i;
	int rc;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	o.attempt = 1;
	opts_limits_default(&o.lim, &o.max_depth);
	rc = parse_args(c, argc, argv, &o, &env);
	if (rc)
		return rc;
	if (!o.seed_hex) {
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
			err_sys(&e, ERR_HOST, errno, "getrandom");
			return cmd_fail(c->name, &e);
		}
		hex_encode(rnd, sizeof rnd, seed);
		o.seed_hex = seed;
	}
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	o.explore = 1;
	o.cfg = &env.cfg;
	o.trust = &env.trust;
	o.stop = &cmd_stop;
	o.ui = shell_begin(o.seed_hex);
	rc = session_run(&o, &res, &e);
	terminal_restore();
	cmd_printf(stdout, "\n");
	if (rc < 0) {
		for (i = 0; i < res.problems.n; i++)
			cmd_printf(stderr, "labrun shell: %s\n", res.problems.v[i]);
		rc = cmd_fail(c->name, &e);
		if (e.kind == ERR_USAGE)
			cmd_printf(stderr, "hint: labrun shell --help\n");
	} else if (!strcmp(res.ended_by, "error")) {
		cmd_printf(stderr, "labrun shell: the sandbox failed: %s\n", res.error);
		rc = EXIT_HOST;
	} else {
		cmd_printf(stdout, "labrun shell: ended by %s after %lld:%02lld; nothing was graded or kept (seed %s)\n",
			   res.ended_by, (long long)(res.duration_ms / 60000),
			   (long long)(res.duration_ms / 1000 % 60), o.seed_hex);
		rc = EXIT_YES;
	}
	session_result_release(&res);
	cmd_env_release(&env);
	return rc;
}
