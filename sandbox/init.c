/* labrun-init: pid 1 of every sandbox.  It is exec'd fresh (so nothing of
 * the supervisor's memory lives on inside a sandbox), reaps every orphan,
 * and exits with the candidate's status when the candidate's first process
 * ends; the kernel then kills whatever is left in the pid namespace.  It
 * does nothing else: no configuration, no output. */
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t main_pid, pid;
	int status;
	char *end;
	long v;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (argc != 2)
		return 125;
	v = strtol(argv[1], &end, 10);
	if (*end || v <= 1)
		return 125;
	main_pid = (pid_t)v;
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return 125; /* no child at all: the candidate is gone */
		if (pid != main_pid)
			continue;
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
	}
}
