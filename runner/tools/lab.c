/* lab: the candidate's exam commands inside the sandbox (labrun take).
 * Each command is one request to the supervisor over the lab channel
 * (SBX_LAB_SOCKET): a line out, the answer back.  The supervisor keeps
 * the records (time, hints, submission); this program only asks.  Static,
 * so that it needs nothing from the sandbox's libraries. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

static const char usage[] =
	"usage: lab COMMAND\n"
	"\n"
	"  lab brief          the exam's brief again\n"
	"  lab time           the time left\n"
	"  lab hint           the next hint (it costs points: you are asked first)\n"
	"  lab status         time left, hints used, commands run\n"
	"  lab submit         end the exam now and have it graded (asks first)\n"
	"  lab services [NAME] the lab's services: running, ended, restarts\n"
	"  lab restart NAME   stop a service and start it again (where the lab allows)\n"
	"\n"
	"  -y                 with hint or submit: do not ask\n";

/* One request; the answer goes to stdout.  0, or 1 with a message. */
static int ask(const char *req, FILE *out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[4096];
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", SBX_LAB_SOCKET);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "lab: cannot reach the exam supervisor (%s); this command works inside a labrun take session\n",
			strerror(errno));
		return 1;
	}
	if (dprintf(fd, "%s\n", req) < 0) {
		fprintf(stderr, "lab: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)n, out);
	close(fd);
	return 0;
}

/* lab restart NAME: ask, then wait until the service runs again. */
static int restart(const char *name)
{
	char req[128], ans[1024];
	FILE *mem;
	int i;

	if (strlen(name) > 64 || strpbrk(name, " \t\n\r")) {
		fprintf(stderr, "lab: restart: \"%.64s\" is not a service name; `lab services` lists them\n",
			name);
		return 2;
	}
	snprintf(req, sizeof req, "restart %s", name);
	for (i = 0; i < 150; i++) { /* 15 s: a stop takes at most 2 */
		memset(ans, 0, sizeof ans);
		mem = fmemopen(ans, sizeof ans - 1, "w");
		if (!mem || ask(req, mem)) {
			if (mem)
				fclose(mem);
			return 1;
		}
		fclose(mem);
		if (!strncmp(ans, "error:", 6)) {
			fputs(ans, stderr);
			return 1;
		}
		if (strstr(ans, " running ")) {
			fputs(ans, stdout);
			return 0;
		}
		if (strstr(ans, " failed: ")) {
			fputs(ans, stdout);
			return 1;
		}
		snprintf(req, sizeof req, "service %s", name);
		usleep(100000);
	}
	fputs(ans, stdout);
	return 1;
}

/* Ask the candidate; only "y" or "yes" says yes. */
static int confirm(const char *question)
{
	char line[16];
	FILE *tty = fopen("/dev/tty", "r");

	printf("%s [y/N] ", question);
	fflush(stdout);
	if (!tty)
		return 0;
	if (!fgets(line, sizeof line, tty))
		line[0] = 0;
	fclose(tty);
	return !strcmp(line, "y\n") || !strcmp(line, "yes\n") ||
	       !strcmp(line, "Y\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "help";
	int yes = argc > 2 && !strcmp(argv[2], "-y");
	char cost[512];
	FILE *mem;

	if (!strcmp(cmd, "brief") || !strcmp(cmd, "status") ||
	    (!strcmp(cmd, "services") && argc == 2))
		return ask(cmd, stdout);
	if (!strcmp(cmd, "services") && argc == 3 && strlen(argv[2]) <= 64 &&
	    !strpbrk(argv[2], " \t\n\r")) {
		char req[80];

		snprintf(req, sizeof req, "service %s", argv[2]);
		return ask(req, stdout);
	}
	if (!strcmp(cmd, "restart")) {
		if (argc != 3) {
			fprintf(stderr, "lab: usage: lab restart NAME (`lab services` lists them)\n");
			return 2;
		}
		return restart(argv[2]);
	}
	if (!strcmp(cmd, "time"))
		return ask(argc > 2 && !strcmp(argv[2], "--short") ? "time-short" : "time",
			   stdout);
	if (!strcmp(cmd, "hint")) {
		mem = fmemopen(cost, sizeof cost, "w");
		if (!mem || ask("hint-cost", mem)) {
			if (mem)
				fclose(mem);
			return 1;
		}
		fclose(mem);
		cost[sizeof cost - 1] = 0;
		fputs(cost, stdout);
		if (!strncmp(cost, "no more", 7))
			return 0;
		if (!yes && !confirm("Take it?"))
			return 0;
		return ask("hint", stdout);
	}
	if (!strcmp(cmd, "submit")) {
		if (!yes && !confirm("Submit now? The exam ends and is graded."))
			return 0;
		return ask("submit", stdout);
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "lab: %s: not a command\n%s", cmd, usage);
	return 2;
}
