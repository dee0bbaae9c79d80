/* argvrace: run as the candidate, execs /bin/true many times while a
 * second thread keeps rewriting the argument being exec'd, so that the
 * argv the supervisor reads at the exec and the one the program starts
 * with can differ.  The command log must flag those execs.  Usage:
 * argvrace N. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

static char arg[] = "aaaaaaaaaaaaaaaa";
static volatile int running;

static void *flip(void *unused)
{
	volatile char *p = arg;
	size_t i;

	running = 1;
	for (;;) {
		for (i = 0; i < sizeof arg - 1; i++)
			p[i] = 'b';
		for (i = 0; i < sizeof arg - 1; i++)
			p[i] = 'a';
	}
	return unused;
}

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100, status;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0) {
			char *av[] = {"/bin/true", arg, NULL};
			pthread_t t;

			/* The rewriting runs before and during the exec. */
			pthread_create(&t, NULL, flip, NULL);
			while (!running)
				;
			execv(av[0], av);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, &status, 0);
	}
	printf("execs %d\n", n);
	return 0;
}
