/* agentctl: the agent platform's operator CLI (docs/platform.md).
 *
 * A thin client: it sends its words to agentd over the platform's socket
 * and prints what comes back.  It reads one file itself, the policy that
 * `policy validate|apply FILE` names (the daemon cannot read an
 * operator's home), and sends its bytes.  Everything else, the audit
 * trail included, is the daemon's. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/err.h"
#include "scenarios/platform/sim.h"

#define REPLY_MAX (64u << 20) /* bytes: a long `trace` or `audit` */
#define START_WAIT_TRIES 50   /* x 100 ms: a platform still starting */

static int is_version(const char *a)
{
	if (*a++ != 'v' || !*a)
		return 0;
	for (; *a; a++)
		if (*a < '0' || *a > '9')
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	const char *sock = getenv("AGENTD_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct buf file = BUF_INIT, in = BUF_INIT;
	json_t *req, *words, *rep;
	char *text, chunk[65536];
	ssize_t n;
	int fd, status, saved = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    (strcmp(argv[1], "help") == 0 && argc == 2)) {
		fputs(sim_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("agentctl %s\n", SIM_PLATFORM);
		return 0;
	}
	req = json_object();
	words = json_array();
	for (int i = 1; i < argc; i++)
		json_array_append_new(words, json_string(argv[i]));
	if (!json_is_array(words) || json_array_size(words) != (size_t)argc - 1) {
		fprintf(stderr, "agentctl: every word must be UTF-8 text\n");
		return 2;
	}
	json_object_set_new(req, "argv", words);
	if (argc == 4 && strcmp(argv[1], "policy") == 0 &&
	    (strcmp(argv[2], "validate") == 0 || strcmp(argv[2], "apply") == 0) &&
	    !is_version(argv[3])) {
		struct err e = {0};

		if (read_file_bounded(argv[3], SIM_MAX_CONFIG, &file, &e) < 0) {
			fprintf(stderr, "agentctl: %s; hint: name a version (v3) or a policy file you can read\n", e.msg);
			return 1;
		}
		json_object_set_new(req, "file", json_pack("{s:s,s:s%}", "name", argv[3],
			"data", file.data ? (char *)file.data : "", file.len));
		if (!json_object_get(req, "file")) {
			fprintf(stderr, "agentctl: %s: not UTF-8 text; a policy is JSON\n", argv[3]);
			return 1;
		}
	}
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock ? sock : SIM_DEFAULT_SOCKET);
	/* The platform may still be starting: wait for its socket a while. */
	for (int tries = 0;; tries++) {
		int ok;

		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
		if (ok)
			break;
		saved = errno;
		close(fd);
		fd = -1;
		if ((saved != ENOENT && saved != ECONNREFUSED) || tries == START_WAIT_TRIES)
			break;
		usleep(100000);
	}
	if (fd < 0) {
		fprintf(stderr, "agentctl: cannot reach agentd at %s (%s); is the platform running? Its log is /var/log/labrun/agentd.log\n",
			sa.sun_path, strerror(saved));
		return 1;
	}
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0) {
		fprintf(stderr, "agentctl: %s: %s\n", sa.sun_path, strerror(errno));
		return 1;
	}
	free(text);
	buf_release(&file);
	while ((n = read(fd, chunk, sizeof chunk)) > 0 && in.len < REPLY_MAX)
		buf_append(&in, chunk, (size_t)n, NULL);
	close(fd);
	rep = json_loadb(in.data ? (char *)in.data : "", in.len, JSON_DISABLE_EOF_CHECK, NULL);
	buf_release(&in);
	if (!json_is_integer(json_object_get(rep, "status"))) {
		fprintf(stderr, "agentctl: agentd ended without a complete answer; its log is /var/log/labrun/agentd.log\n");
		json_decref(rep);
		return 1;
	}
	fwrite(json_string_value(json_object_get(rep, "out")), 1,
	       json_string_length(json_object_get(rep, "out")), stdout);
	fwrite(json_string_value(json_object_get(rep, "err")), 1,
	       json_string_length(json_object_get(rep, "err")), stderr);
	status = (int)json_integer_value(json_object_get(rep, "status"));
	json_decref(rep);
	return status;
}
