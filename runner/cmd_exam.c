/* cmd_exam: `labrun exam`, the forced command of an exam host's ssh
 * account, and the command its web terminal runs (docs/operators.md).
 * The operator fixes the candidate: in the account's authorized_keys
 * entry, or as the user nginx authenticated; the candidate only chooses a
 * verb (SSH_ORIGINAL_COMMAND; the web terminal fixes it to take): take
 * the configured exam, fetch their latest evidence, or list it.  Anything
 * else is refused: there is no way from here to a shell. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/config.h"
#include "runner/credential.h"

const char usage_exam[] =
	"usage: labrun exam --candidate ID [--identifier TYPE:VALUE] [--registry REG]\n"
	"                   [--config FILE]\n"
	"\n"
	"The forced command of an exam host's ssh account, and the command its web\n"
	"terminal runs (see docs/operators.md for both recipes).  The candidate is\n"
	"fixed by the operator; the verb comes from SSH_ORIGINAL_COMMAND:\n"
	"\n"
	"  (none), take   take the exam named by exam_bundle in the configuration\n"
	"                 (labrun take); the evidence goes to\n"
	"                 EVIDENCE_DIR/ID/attempt-N.tar\n"
	"  evidence       the candidate's latest evidence bundle, as bytes on\n"
	"                 stdout: ssh exam@host evidence > mine.tar\n"
	"  list           the candidate's evidence bundles\n"
	"\n"
	"--identifier, set by the operator like --candidate, goes to labrun take:\n"
	"the credential of a pass names the holder by it, hashed and salted.\n"
	"--registry (default: registry in the configuration) goes to it too: the\n"
	"credential of a pass gets a status index in the issuer's registry.\n"
	"\n"
	"The configuration (default /etc/labrun/labrun.conf) must set trust, key,\n"
	"exam_bundle and evidence_dir.  Exit: as labrun take; 0 for evidence and\n"
	"list; 1 nothing to fetch, or an attempt of this candidate still running;\n"
	"2 a verb that is not one of these.\n";

#define EXAM_MAX_ATTEMPTS 1000

/* A candidate id that is also a safe directory name. */
static int candidate_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 64 && id[0] != '.' && id[0] != '-' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789._@-") == n;
}

/* The highest attempt N with DIR/attempt-N.tar, or 0. */
static unsigned last_attempt(const char *dir)
{
	char path[PATH_MAX + 32];
	unsigned n;

	for (n = 0; n < EXAM_MAX_ATTEMPTS; n++) {
		snprintf(path, sizeof path, "%s/attempt-%u.tar", dir, n + 1);
		if (access(path, F_OK) < 0)
			break;
	}
	return n;
}

/* One attempt at a time per candidate: the lock on DIR/.lock is held
 * until this process ends.  Without it, a second attempt started while
 * the first still runs (a reloaded browser tab, whose closed predecessor
 * the web terminal notices only about 90 s later; a second ssh
 * connection) would get the same number and its evidence would replace
 * the first's.  The descriptor is close-on-exec and never closed: the
 * lock goes with the process.  0 held; 1 another attempt holds it. */
static int lock_candidate(const char *dir, struct err *e)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof path, "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK) {
		err_sys(e, ERR_HOST, errno, "%s: lock", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 1;
}

static int stream(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write_all(1, buf, (size_t)n) < 0) {
			n = -1;
			break;
		}
	close(fd);
	return n < 0 ? -1 : 0;
}

int cmd_exam(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"candidate", required_argument, NULL, 'c'},
		{"config", required_argument, NULL, 'C'},
		{"identifier", required_argument, NULL, 'I'},
		{"registry", required_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("exam");
	const char *cand = NULL, *verb, *ident = NULL, *registry = NULL;
	struct cred_identity checked;
	char dir[PATH_MAX], out[PATH_MAX + 32], attempt[16];
	struct cmd_env env = {0};
	struct config *cfg = &env.cfg;
	struct err e = {0};
	unsigned n, i;
	int opt, rc;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (opt == 'c')
			cand = optarg;
		else if (opt == 'C')
			env.config_path = optarg;
		else if (opt == 'I' && !ident)
			ident = optarg;
		else if (opt == 'R')
			registry = optarg;
		else if (opt == 'I')
			return cmd_usage_error(c, "--identifier: one at a time");
		else
			return cmd_bad_option(c, opt, argv);
	}
	if (optind != argc || !cand)
		return cmd_usage_error(c, "--candidate ID is required, and nothing else");
	if (!candidate_ok(cand))
		return cmd_usage_error(c, "--candidate %s: letters, digits, '.', '_', '@' and '-', at most 64, not starting with '.' or '-'",
				       cand);
	/* checked now, so that a bad one is the operator's usage error
	 * before anything starts; take hashes it with its own salt */
	if (ident && cred_identity_parse(ident, &checked, &e) < 0)
		return e.kind == ERR_USAGE ? cmd_usage_error(c, "%s", e.msg)
					   : cmd_fail("exam", &e);
	/* the configuration only: take, which exam becomes, reads the keys */
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	if (!cfg->exam_bundle[0] || !cfg->evidence_dir[0] || !cfg->key[0] ||
	    !cfg->trust[0]) {
		err_set(&e, ERR_HOST, "%s: exam needs trust, key, exam_bundle and evidence_dir set; hint: docs/operators.md",
			cfg->source[0] ? cfg->source : CONFIG_DEFAULT_PATH);
		return cmd_fail("exam", &e);
	}
	if ((size_t)snprintf(dir, sizeof dir, "%.*s/%s", PATH_MAX - 80,
			     cfg->evidence_dir, cand) >= sizeof dir - 32)
		return cmd_usage_error(c, "evidence_dir is too long");
	verb = getenv("SSH_ORIGINAL_COMMAND");
	if (!verb)
		verb = "";
	if (!strcmp(verb, "") || !strcmp(verb, "take")) {
		if (mkdir_p(dir, 0700, &e) < 0)
			return cmd_fail("exam", &e);
		rc = lock_candidate(dir, &e);
		if (rc < 0)
			return cmd_fail("exam", &e);
		if (rc > 0) {
			err_set(&e, ERR_REFUSED, "%s: an attempt of yours is still running; it ends, graded as it stands, when its connection is gone (a closed browser tab: about 90 s after it closed); hint: start again after that",
				cand);
			return cmd_fail("exam", &e);
		}
		n = last_attempt(dir) + 1;
		if (n > EXAM_MAX_ATTEMPTS) {
			err_set(&e, ERR_REFUSED, "%s: %d attempts already", dir,
				EXAM_MAX_ATTEMPTS);
			return cmd_fail("exam", &e);
		}
		snprintf(out, sizeof out, "%s/attempt-%u.tar", dir, n);
		snprintf(attempt, sizeof attempt, "%u", n);
		{
			char *av[16];
			int ac = 0;

			av[ac++] = "take";
			av[ac++] = cfg->exam_bundle;
			av[ac++] = "--candidate";
			av[ac++] = (char *)cand;
			av[ac++] = "-o";
			av[ac++] = out;
			av[ac++] = "--attempt";
			av[ac++] = attempt;
			if (ident) {
				av[ac++] = "--identifier";
				av[ac++] = (char *)ident;
			}
			if (registry) {
				av[ac++] = "--registry";
				av[ac++] = (char *)registry;
			}
			if (cfg->source[0]) {
				av[ac++] = "--config";
				av[ac++] = cfg->source;
			}
			av[ac] = NULL;
			return cmd_take(ac, av);
		}
	}
	if (!strcmp(verb, "evidence")) {
		n = last_attempt(dir);
		if (n == 0) {
			err_set(&e, ERR_REFUSED, "no evidence for %s yet", cand);
			return cmd_fail("exam", &e);
		}
		if (isatty(1))
			return cmd_usage_error(c, "the evidence is a tar file: redirect it, as in ssh exam@host evidence > evidence.tar");
		snprintf(out, sizeof out, "%s/attempt-%u.tar", dir, n);
		if (stream(out) < 0) {
			err_sys(&e, ERR_HOST, errno, "%s", out);
			return cmd_fail("exam", &e);
		}
		return EXIT_YES;
	}
	if (!strcmp(verb, "list")) {
		n = last_attempt(dir);
		if (n == 0)
			cmd_printf(stdout, "no evidence for %s yet\n", cand);
		for (i = 1; i <= n; i++) {
			struct stat st;

			snprintf(out, sizeof out, "%s/attempt-%u.tar", dir, i);
			if (stat(out, &st) == 0)
				cmd_printf(stdout, "attempt %u: %lld bytes\n", i, (long long)st.st_size);
		}
		return EXIT_YES;
	}
	return cmd_usage_error(c, "\"%.64s\": not something an exam account does; hint: take (or nothing), evidence, list",
			       verb);
}
