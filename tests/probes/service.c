/* service: run as the candidate, tries to stop, trace, see and overwrite a
 * scenario service that runs under the services' id, and checks that the
 * service kept working.  Usage: service PIDFILE OWNED_FILE. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static long read_num(const char *path)
{
	char buf[32] = {0};
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	struct timespec ts = {0, 600 * 1000000};
	char path[64];
	struct stat st;
	long pid, before, after;

	if (argc != 3)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pid = read_num(argv[1]);
	printf("service-pid %s\n", pid > 1 ? "known" : "unknown");
	before = read_num(argv[2]);
	report("kill-service", kill((pid_t)pid, SIGKILL));
	report("stop-service", kill((pid_t)pid, SIGSTOP));
	report("ptrace-service", ptrace(PTRACE_ATTACH, (pid_t)pid, 0, 0));
	/* A pidfd only watches; signalling through it is checked. */
	{
		long pfd = syscall(SYS_pidfd_open, (pid_t)pid, 0);

		report("pidfd-signal-service",
		       pfd < 0 ? pfd : syscall(SYS_pidfd_send_signal, (int)pfd,
					       SIGKILL, NULL, 0));
		if (pfd >= 0)
			close((int)pfd);
	}
	snprintf(path, sizeof path, "/proc/%ld", pid);
	report("proc-service", stat(path, &st));
	report("write-owned", open(argv[2], O_WRONLY | O_TRUNC));
	report("unlink-owned", unlink(argv[2]));
	report("chmod-owned", chmod(argv[2], 0666));
	{
		DIR *d = opendir("/proc");
		struct dirent *de;
		int seen = 0;

		while (d && (de = readdir(d))) {
			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof path, "/proc/%s", de->d_name);
			if (stat(path, &st) == 0 && st.st_uid != getuid())
				seen++;
		}
		if (d)
			closedir(d);
		printf("processes-of-other-ids-visible %d\n", seen);
	}
	nanosleep(&ts, NULL);
	after = read_num(argv[2]);
	printf("service-alive %s\n", after > before && before >= 0 ? "yes" : "no");
	return 0;
}
