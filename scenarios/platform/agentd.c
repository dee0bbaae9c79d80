/* agentd: the simulated agent platform's daemon (docs/platform.md).
 *
 * It serves the engine (sim.h) on a Unix socket, one request at a time:
 * a JSON line from agentctl in, a JSON line out.  The caller's uid, from
 * the kernel (SO_PEERCRED), names the actor in the audit trail.  In a
 * labrun sandbox it runs as the services' id, so the candidate can reach
 * its state only through this socket.  It never reads the wall clock.
 *
 * `agentd --check` validates a platform without running it; `agentd
 * --script FILE` runs commands from a file with no socket (tests, golden
 * traces). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/util.h"
#include "scenarios/platform/sim.h"

#define REQUEST_TIMEOUT_MS 2000 /* a silent client holds the daemon no longer */
#define REFUSE_DRAIN_MS 200     /* reading what a refused client still sends: enough for
				 * a few MiB on loopback, short enough not to matter */

static const char usage[] =
	"usage: agentd [--root DIR] [--config FILE] [--seed HEX] [--socket PATH]\n"
	"       agentd --check [--config FILE]\n"
	"       agentd --script FILE [--root DIR] [--seed HEX]\n"
	"       agentd --version\n"
	"\n"
	"The agent platform's daemon (" SIM_PLATFORM "); operators use agentctl.\n"
	"  --root DIR      prefix every default path with DIR (tests)\n"
	"  --config FILE   platform.json (default " SIM_DEFAULT_CONFIG ")\n"
	"  --seed HEX      the platform's seed (default: $LABRUN_SEED, else 0)\n"
	"  --socket PATH   where agentctl reaches it (default " SIM_DEFAULT_SOCKET ")\n"
	"  --check         validate the platform and the fault plan, then exit\n"
	"  --script FILE   run the commands in FILE (one per line), then exit\n"
	"The fault plan comes from $LABRUN_PLATFORM_FAULTS (labrun sets it).\n";

static char *rooted(const char *root, const char *path)
{
	size_t n = strlen(root) + strlen(path) + 1;
	char *p = malloc(n);

	if (!p) {
		fputs("agentd: out of memory\n", stderr);
		exit(1);
	}
	snprintf(p, n, "%s%s", root, path);
	return p;
}

static const char *actor_of(uid_t uid, char out[32])
{
	if (uid == 1000)
		return "candidate";
	if (uid == 999)
		return "service";
	if (uid == 0)
		return "root";
	snprintf(out, 32, "uid:%u", (unsigned)uid);
	return out;
}

static void reply(int fd, const struct sim_reply *r)
{
	json_t *o = json_pack("{s:i,s:s%,s:s%}", "status", r->status, "out",
			      r->out.data ? (char *)r->out.data : "", r->out.len,
			      "err", r->err.data ? (char *)r->err.data : "", r->err.len);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (text) {
		write_all(fd, text, strlen(text));
		write_all(fd, "\n", 1);
	}
	free(text);
	json_decref(o);
}

/* A refusal, then the rest of what the client sends is read and dropped
 * (a bounded while) before the caller closes: a socket closed with unread
 * data resets the connection, and the client would lose the refusal it
 * has not read yet. */
static void refuse(int fd, const char *msg)
{
	struct sim_reply r = {BUF_INIT, BUF_INIT, 2};
	char sink[65536];
	int64_t until;

	buf_printf(&r.err, NULL, "agentd: %s\n", msg);
	reply(fd, &r);
	sim_reply_release(&r);
	shutdown(fd, SHUT_WR);
	until = time_mono_ms() + REFUSE_DRAIN_MS;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int64_t left = until - time_mono_ms();

		if (left <= 0 || poll(&p, 1, (int)left) <= 0 || read(fd, sink, sizeof sink) <= 0)
			break;
	}
}

/* One request: read a bounded line, decode, run, answer. */
static void serve(struct sim *s, int fd)
{
	struct buf in = BUF_INIT;
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct sim_file file;
	struct ucred cred;
	socklen_t len = sizeof cred;
	char *words[SIM_MAX_ARGS], who[32];
	json_t *req = NULL, *argv, *f, *w;
	json_error_t je;
	size_t n = 0, i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		char chunk[65536];
		ssize_t got;

		if (poll(&p, 1, REQUEST_TIMEOUT_MS) <= 0) {
			refuse(fd, "no complete request within 2 s");
			goto out;
		}
		got = read(fd, chunk, sizeof chunk);
		if (got <= 0)
			break;
		if (in.len + (size_t)got > SIM_MAX_REQUEST) {
			refuse(fd, "request too large");
			goto out;
		}
		buf_append(&in, chunk, (size_t)got, NULL);
		if (memchr(chunk, '\n', (size_t)got))
			break;
	}
	req = json_loadb(in.data ? (char *)in.data : "", in.len,
			 JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
	argv = json_object_get(req, "argv");
	f = json_object_get(req, "file");
	if (!json_is_array(argv) || json_array_size(argv) == 0 ||
	    json_array_size(argv) > SIM_MAX_ARGS) {
		refuse(fd, "not a request from agentctl: {\"argv\": [1 to 32 words]} expected");
		goto out;
	}
	json_array_foreach(argv, i, w) {
		if (!json_is_string(w) || strlen(json_string_value(w)) != json_string_length(w)) {
			refuse(fd, "every word of argv must be a string without NUL bytes");
			goto out;
		}
		words[n++] = (char *)json_string_value(w);
	}
	if (f && (!json_is_string(json_object_get(f, "name")) ||
		  !json_is_string(json_object_get(f, "data")))) {
		refuse(fd, "a file needs a name and data");
		goto out;
	}
	if (f) {
		file.name = json_string_value(json_object_get(f, "name"));
		file.data = json_string_value(json_object_get(f, "data"));
		file.len = json_string_length(json_object_get(f, "data"));
	}
	if (sim_command(s, actor_of(cred.uid, who), (int)cred.pid, words, n,
			f ? &file : NULL, &r) < 0)
		fprintf(stderr, "%s", r.err.data ? (char *)r.err.data : "agentd: cannot write its files\n");
	reply(fd, &r);
out:
	sim_reply_release(&r);
	json_decref(req);
	buf_release(&in);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "agentd: %s: socket path too long\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* a socket left by an earlier agentd goes; anything else stays */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    chmod(path, 0666) < 0 || listen(fd, 16) < 0) {
		fprintf(stderr, "agentd: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Words of a script line, split on blanks; "#" starts a comment line. */
static int run_script(struct sim *s, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[8192];
	int rc = 0;

	if (!f) {
		fprintf(stderr, "agentd: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof line, f)) {
		char *words[SIM_MAX_ARGS], *save = NULL, *w;
		struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
		size_t n = 0;

		if (line[0] == '#')
			continue;
		for (w = strtok_r(line, " \t\n", &save); w && n < SIM_MAX_ARGS;
		     w = strtok_r(NULL, " \t\n", &save))
			words[n++] = w;
		if (n == 0)
			continue;
		printf("$ agentctl");
		for (size_t i = 0; i < n; i++)
			printf(" %s", words[i]);
		printf("\n");
		if (sim_command(s, "script", 0, words, n, NULL, &r) < 0)
			rc = 1;
		fwrite(r.out.data ? (char *)r.out.data : "", 1, r.out.len, stdout);
		fwrite(r.err.data ? (char *)r.err.data : "", 1, r.err.len, stdout);
		sim_reply_release(&r);
		if (sim_failed(s))
			break;
	}
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"root", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"seed", required_argument, NULL, 's'},
		{"socket", required_argument, NULL, 'S'},
		{"check", no_argument, NULL, 'k'},
		{"script", required_argument, NULL, 'x'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *root = "", *config = NULL, *seed = getenv("LABRUN_SEED");
	const char *sock = NULL, *script = NULL;
	const char *faults = getenv("LABRUN_PLATFORM_FAULTS");
	struct sigaction ign = {.sa_handler = SIG_IGN};
	struct buf why = BUF_INIT;
	struct sim_paths p;
	struct sim *s;
	int check = 0, opt, fd = -1, rc;

	while ((opt = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (opt) {
		case 'r': root = optarg; break;
		case 'c': config = optarg; break;
		case 's': seed = optarg; break;
		case 'S': sock = optarg; break;
		case 'k': check = 1; break;
		case 'x': script = optarg; break;
		case 'V': printf("agentd %s\n", SIM_PLATFORM); return 0;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	p.config = config ? config : rooted(root, SIM_DEFAULT_CONFIG);
	if (check) {
		rc = sim_check(p.config, faults, &why);
		fputs(why.data ? (char *)why.data : "", stderr);
		if (rc == 0)
			printf("%s: valid\n", p.config);
		return rc ? 1 : 0;
	}
	p.state = rooted(root, SIM_DEFAULT_STATE);
	p.logs = rooted(root, SIM_DEFAULT_LOGS);
	p.record = rooted(root, SIM_DEFAULT_RECORD);
	sigaction(SIGPIPE, &ign, NULL);
	if (sim_open(&p, seed, faults, &s, &why) < 0) {
		fprintf(stderr, "agentd: the platform cannot start:\n%s",
			why.data ? (char *)why.data : "");
		return 1;
	}
	if (script) {
		rc = run_script(s, script);
		sim_close(s);
		return rc;
	}
	/* The socket appears once the history has run: labrun lets the
	 * candidate in when it exists. */
	fd = listen_on(sock ? sock : rooted(root, SIM_DEFAULT_SOCKET));
	if (fd < 0) {
		sim_close(s);
		return 1;
	}
	fprintf(stderr, "agentd %s: serving on %s\n", SIM_PLATFORM,
		sock ? sock : rooted(root, SIM_DEFAULT_SOCKET));
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			fprintf(stderr, "agentd: accept: %s\n", strerror(errno));
			break;
		}
		serve(s, c);
		close(c);
		if (sim_failed(s)) {
			/* its state in memory is lost; a restart replays state.json */
			fputs("agentd: out of memory; exiting\n", stderr);
			break;
		}
	}
	sim_close(s);
	return 1;
}
