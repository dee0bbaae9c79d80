/* cmd_batch: `labrun batch JOBS -o OUTDIR`: runs a recertification job
 * list, or one shard of it, with a progress bar on a terminal and plain
 * lines otherwise.  It parses options, reads the issuer key first, picks
 * the shard and prints; batch.c does the work. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/batch.h"
#include "runner/cmd.h"
#include "runner/opts.h"

extern const char usage_batch[];

const char usage_batch[] =
	"usage: labrun batch JOBS -o OUTDIR --trust AUTHOR_PUB --key ISSUER_SEC\n"
	"                    [-p ISSUER_PUB] [-j N] [--shard I/N | --shards N]\n"
	"                    [--limit KEY=VALUE]... [--registry REG] [--config FILE]\n"
	"\n"
	"Runs a recertification job list (JSON lines, as labrun recert plan\n"
	"writes it): each job replays a stored attempt against a scenario\n"
	"bundle, in a session of its own, with the attempt's seed, variant and\n"
	"pseudonym.  A passing replay's evidence renews the old one; a failing\n"
	"one says the holder retakes the exam.  OUTDIR gets exactly one result\n"
	"per job, JOB.ev (renamed into place whole), and batch.log (JSON lines).\n"
	"Idempotent: a job whose JOB.ev verifies is skipped; a broken one is\n"
	"redone; a job that could not run leaves no JOB.ev and runs again on\n"
	"the next run.\n"
	"\n"
	"  JOBS              the job list\n"
	"  -o OUTDIR         where results go (made if missing); one per job list\n"
	"  --trust FILE|DIR  author public key(s) the bundles must be signed by\n"
	"  --key FILE        the issuer secret key that signs the results\n"
	"  -p FILE           the issuer public key the renewed evidence and\n"
	"                    existing results must be signed by (default: the\n"
	"                    public half of --key)\n"
	"  -j N              sessions at once on this machine (default 1)\n"
	"  --shard I/N       run only shard I of N (I from 0): the jobs on lines\n"
	"                    k (from 0) with k mod N = I\n"
	"  --shards N        the same, I from the first set of SLURM_ARRAY_TASK_ID,\n"
	"                    JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX\n"
	"  --limit KEY=N     raise a bundle limit: entries, file, total, depth\n"
	"  --registry REG    the issuer's registry (default: registry in the\n"
	"                    configuration): a passing\n"
	"                    credential gets a status index there (docs/registry.md)\n"
	"  --config FILE     the host's configuration (default\n"
	"                    /etc/labrun/labrun.conf, if it exists)\n"
	"\n"
	"Exit: 0 every job of the shard has a result (renewed or retake), 1 the\n"
	"job list refused, 2 usage (a shard index out of range, OUTDIR holding\n"
	"another job list's results), 3 some job could not run (a missing or\n"
	"untrusted bundle, evidence that does not verify, a session error):\n"
	"run the same command again to redo just those.\n";

enum { OPT_TRUST = 256, OPT_KEY, OPT_SHARD, OPT_SHARDS, OPT_LIMIT, OPT_CONFIG, OPT_REGISTRY };

struct ui {
	int tty;
	int64_t last_line_ms; /* off a terminal: when the last line was */
	int drawn;            /* a bar is on the screen */
};

static void show(void *ctx, const struct batch_progress *p, int final)
{
	struct ui *u = ctx;
	char bar[41];
	size_t fill = p->total ? p->done * 40 / p->total : 40, i;
	long long s = (long long)(p->elapsed_ms / 1000);

	if (u->tty) {
		for (i = 0; i < 40; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[40] = 0;
		fputs("\r\033[K", stderr);
		cmd_printf(stderr, "[%s] %zu/%zu  %zu renewed  %zu retake  %zu error  %zu skipped  %zu running  %lld:%02lld%s",
			   bar, p->done, p->total, p->renewed, p->retake, p->errors,
			   p->skipped, p->running, s / 60, s % 60, final ? "\n" : "");
		u->drawn = !final;
		return;
	}
	if (!final && p->elapsed_ms - u->last_line_ms < BATCH_PROGRESS_S * 1000)
		return;
	u->last_line_ms = p->elapsed_ms;
	cmd_printf(stderr, "labrun batch: %zu/%zu done: %zu renewed, %zu retake, %zu error, %zu skipped; %zu running; %lld s\n",
		   p->done, p->total, p->renewed, p->retake, p->errors, p->skipped,
		   p->running, s);
}

static void note(void *ctx, const char *msg)
{
	struct ui *u = ctx;

	if (u->drawn)
		fputs("\r\033[K", stderr);
	cmd_printf(stderr, "labrun batch: %s\n", msg);
}

int cmd_batch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"trust", required_argument, NULL, OPT_TRUST},
		{"key", required_argument, NULL, OPT_KEY},
		{"pub", required_argument, NULL, 'p'},
		{"jobs", required_argument, NULL, 'j'},
		{"shard", required_argument, NULL, OPT_SHARD},
		{"shards", required_argument, NULL, OPT_SHARDS},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"registry", required_argument, NULL, OPT_REGISTRY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("batch");
	struct batch_opts o = {0};
	struct batch_progress res;
	struct batch_hooks hooks;
	struct ui u = {0};
	struct cmd_env env = {0};
	const char *shard_arg = NULL, *var = NULL, *registry = NULL;
	unsigned shards_env = 0;
	struct err e = {0};
	uint64_t v;
	int opt, rc;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	opts_limits_default(&o.lim, &o.max_depth);
	o.workers = 1;
	o.shards = 1;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:p:j:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_TRUST:
			env.trust_path = optarg;
			break;
		case OPT_KEY:
			env.key_path = optarg;
			break;
		case 'p':
			env.pub_path = optarg;
			break;
		case 'o':
			o.outdir = optarg;
			break;
		case 'j':
			if (parse_u64(optarg, 1, BATCH_MAX_WORKERS, &v) < 0)
				return cmd_usage_error(c, "-j %s: a number from 1 to %d", optarg,
						       BATCH_MAX_WORKERS);
			o.workers = (unsigned)v;
			break;
		case OPT_SHARD:
			shard_arg = optarg;
			break;
		case OPT_SHARDS:
			if (parse_u64(optarg, 1, BATCH_MAX_SHARDS, &v) < 0)
				return cmd_usage_error(c, "--shards %s: a number from 1 to %d",
						       optarg, BATCH_MAX_SHARDS);
			shards_env = (unsigned)v;
			break;
		case OPT_LIMIT:
			if (opts_limit(optarg, &o.lim, &o.max_depth, &e) < 0)
				return cmd_usage_error(c, "%s", e.msg);
			break;
		case OPT_CONFIG:
			env.config_path = optarg;
			break;
		case OPT_REGISTRY:
			registry = optarg;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(c, optind >= argc ? "name the JOBS list"
						       : "one job list at a time");
	o.jobs = argv[optind];
	if (!o.outdir || !*o.outdir)
		return cmd_usage_error(c, "-o OUTDIR is required");
	if (shard_arg && shards_env)
		return cmd_usage_error(c, "--shard and --shards: one or the other");
	if (shard_arg && batch_shard_parse(shard_arg, &o.shard, &o.shards, &e) < 0)
		return cmd_usage_error(c, "%s", e.msg);
	if (shards_env) {
		if (batch_shard_from_env(shards_env, &o.shard, &var, &e) < 0)
			return cmd_usage_error(c, "%s", e.msg);
		o.shards = shards_env;
	}
	/* The issuer key is read before any sandbox exists. */
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	rc = cmd_use_registry(c, registry, &env.cfg, env.key);
	if (rc) {
		cmd_env_release(&env);
		return rc;
	}
	o.cfg = &env.cfg;
	o.trust = &env.trust;
	o.key = env.key;
	o.issuer = &env.issuer;
	o.stop = &cmd_stop;
	u.tty = isatty(STDERR_FILENO);
	hooks.ctx = &u;
	hooks.progress = show;
	hooks.note = note;
	o.hooks = &hooks;
	if (var)
		cmd_printf(stderr, "labrun batch: shard %u of %u (from %s)\n", o.shard,
			   o.shards, var);
	if (batch_run(&o, &res, &e) < 0) {
		if (u.drawn)
			fputs("\n", stderr);
		rc = cmd_fail(c->name, &e);
	} else {
		cmd_printf(stdout, "%zu jobs: %zu renewed, %zu retake, %zu error, %zu skipped (already done)\n",
			   res.total, res.renewed, res.retake, res.errors, res.skipped);
		if (res.errors)
			cmd_printf(stdout, "some jobs could not run (see above and %s/batch.log); run the same command again to redo just those\n",
				   o.outdir);
		rc = res.errors ? EXIT_HOST : EXIT_YES;
	}
	cmd_env_release(&env);
	return rc;
}
