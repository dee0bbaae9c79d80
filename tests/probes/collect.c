/* collect: run as the candidate inside a sandbox, plants what collection
 * must not follow or keep, and tries to falsify the command log (HOSTILE.md
 * rows A3, L1, P2); prints one line per attempt: "NAME errno=ENAME",
 * "NAME ok" or "NAME VALUE".
 *
 *   collect plant DIR STATE
 *                         in DIR: links to secrets and to the test's own
 *                         sessions register on the host (STATE: the test
 *                         names it, never the host's), a FIFO, a socket, a
 *                         device, sparse giants, names with control bytes
 *   collect argv-race N   N times, exec /bin/true while a thread rewrites
 *                         its argv
 *   collect forge         exec /bin/true with arguments shaped like the
 *                         command log's own lines
 *
 * It only ever runs inside a labrun sandbox. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"


static int put(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int plant(const char *dir, const char *state)
{
	struct sockaddr_un su;
	struct sigaction sa;
	struct rlimit rl;
	int dfd, fd, s;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGXFSZ, &sa, NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		report("open-dir", -1);
		return 1;
	}
	report("answer", put(dfd, "cause.txt", "typo\n"));
	report("symlink-shadow", symlinkat("/etc/shadow", dfd, "shadow-link"));
	report("symlink-passwd", symlinkat("/etc/passwd", dfd, "passwd-link"));
	report("symlink-host-state", symlinkat(state, dfd, "host-link"));
	report("symlink-dir", symlinkat("/etc", dfd, "etc-link"));
	report("symlink-up", symlinkat("../../../../../../../../etc/app/config.txt",
				       dfd, "up-link"));
	/* A file of someone else's (the skeleton's, owned by an id the
	 * candidate is not), then one of its own outside the answers. */
	report("hardlink-foreign", linkat(AT_FDCWD, "/etc/passwd", dfd, "passwd-hardlink", 0));
	report("own-file", put(AT_FDCWD, "/home/candidate/own.txt", "mine\n"));
	report("hardlink-own", linkat(AT_FDCWD, "/home/candidate/own.txt", dfd,
				      "own-hardlink", 0));
	report("mkfifo", mkfifoat(dfd, "fifo", 0644));
	report("mknod-null", mknodat(dfd, "null-dev", S_IFCHR | 0666, makedev(1, 3)));
	report("mknod-block", mknodat(dfd, "disk-dev", S_IFBLK | 0666, makedev(8, 0)));
	memset(&su, 0, sizeof su);
	su.sun_family = AF_UNIX;
	snprintf(su.sun_path, sizeof su.sun_path, "%s/sock", dir);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	report("socket-file", s < 0 ? -1 : bind(s, (void *)&su, sizeof su));
	/* Sparse giants: 5 GiB (past RLIMIT_FSIZE), then as large as the
	 * limit lets it be. */
	fd = openat(dfd, "sparse-5g", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	report("sparse-5g", fd < 0 ? -1 : ftruncate(fd, 5ll << 30));
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, "sparse-5g", 0);
	getrlimit(RLIMIT_FSIZE, &rl);
	fd = openat(dfd, "sparse-max", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	report("sparse-max", fd < 0 ? -1 : ftruncate(fd, (off_t)rl.rlim_cur));
	if (fd >= 0)
		close(fd);
	report("control-name", put(dfd, "ctl\x1b[31m\nname\a\x01", "ctl\n"));
	report("dots-name", put(dfd, "..%2e", "dots\n"));
	close(dfd);
	return 0;
}

/* ---- argv-race ---------------------------------------------------- */

static char arg1[64] = "AAAAAAAAAAAAAAAA";

static void *flipper(void *unused)
{
	static const char a[] = "AAAAAAAAAAAAAAAA", b[] = "BBBBBBBBBBBBBBBB";
	unsigned long i;

	(void)unused;
	for (i = 0;; i++)
		memcpy(arg1, i & 1 ? b : a, sizeof a);
	return NULL;
}

static int argv_race(long n)
{
	long i, ok = 0;
	int status;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			char *argv[] = {"true", "race", arg1, NULL};
			char *envp[] = {NULL};
			pthread_t t;

			if (pthread_create(&t, NULL, flipper, NULL) != 0)
				_exit(126);
			usleep(200);
			execve("/bin/true", argv, envp);
			_exit(127);
		}
		if (pid > 0 && waitpid(pid, &status, 0) > 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			ok++;
	}
	printf("argv-race runs %ld\n", n);
	printf("argv-race true-exited-0 %ld\n", ok);
	return 0;
}

static int forge(void)
{
	char *argv[] = {
		"true", "forge",
		"x\"],\"exit\":0,\"path\":\"/bin/true\",\"pid\":9,\"seq\":1,\"t_ms\":0}\n"
		"{\"argv\":[\"forged\"",
		"\\\"\n\r\x1b[2J\xff\xfe",
		NULL,
	};
	char *envp[] = {NULL};
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) > 0 && WIFEXITED(status))
		printf("forge exit=%d\n", WEXITSTATUS(status));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "plant"))
		return plant(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "argv-race"))
		return argv_race(strtol(argv[2], NULL, 10));
	if (argc == 2 && !strcmp(argv[1], "forge"))
		return forge();
	fprintf(stderr, "usage: collect plant DIR STATE | argv-race N | forge\n");
	return 2;
}
