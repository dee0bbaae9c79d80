/* exhaust: run as the candidate inside a sandbox, tries to exhaust what a
 * session is given or to outlive it (HOSTILE.md rows J1-J7, K1) and prints
 * one line per attempt: "NAME errno=ENAME", "NAME ok",
 * "NAME signal=SIGNAME" or "NAME VALUE".  Every attempt is bounded: it
 * stops at the first failure and gives back what it took, so that the
 * session goes on; only ipc and leave leave something behind, on purpose.
 *
 *   exhaust forkbomb      fork until fork fails (J1)
 *   exhaust membomb MB    allocate and touch up to MB MiB (J2)
 *   exhaust memsplit N MB N processes touch MB MiB each (J2)
 *   exhaust ipc           SysV and POSIX IPC objects, left behind (J3)
 *   exhaust fill FILE     write FILE until the disk is full (J4)
 *   exhaust filldir DIR   write files in DIR until the disk is full (J4)
 *   exhaust inodes DIR    create empty files in DIR until none more (J4)
 *   exhaust statfs PATH   the size and inode bounds of PATH's file system
 *   exhaust fds           descriptors, locked memory, core dumps (J7)
 *   exhaust cpu           a child burns CPU until stopped (J5)
 *   exhaust burn          burn CPU forever (J5)
 *   exhaust leave         leave a double-forked daemon, a stopped process
 *                         and a zombie behind (K1)
 *
 * It only ever runs inside a labrun sandbox. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

#define MAX_CHILDREN 8192
#define CHUNK_MB 16


static void ignore(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(sig, &sa, NULL);
}

static void wait_report(const char *name, pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		report(name, -1);
	else if (WIFSIGNALED(status))
		printf("%s signal=SIG%s%s\n", name, sigabbrev_np(WTERMSIG(status)),
		       WCOREDUMP(status) ? " core-dumped" : "");
	else
		printf("%s exit=%d\n", name, WEXITSTATUS(status));
}

static int forkbomb(void)
{
	static pid_t kids[MAX_CHILDREN];
	size_t n = 0, i;
	pid_t pid;
	int e = 0;

	fflush(stdout);
	while (n < MAX_CHILDREN) {
		pid = fork();
		if (pid < 0) {
			e = errno;
			break;
		}
		if (pid == 0) {
			pause();
			_exit(0);
		}
		kids[n++] = pid;
	}
	if (n == MAX_CHILDREN)
		printf("fork-bomb no-limit-before %d\n", MAX_CHILDREN);
	else
		printf("fork-bomb errno=%s\n", ename(e));
	printf("fork-bomb-children %zu\n", n);
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	pid = fork();
	if (pid == 0)
		_exit(0);
	report("fork-after-cleanup", pid);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return 0;
}

static int membomb(long max_mb)
{
	static char *chunks[4096];
	long mb = 0;
	size_t n = 0, i;
	int e = 0;

	while (mb < max_mb && n < sizeof chunks / sizeof *chunks) {
		char *p = malloc((size_t)CHUNK_MB << 20);

		if (!p) {
			e = errno;
			break;
		}
		memset(p, 0xa5, (size_t)CHUNK_MB << 20);
		chunks[n++] = p;
		mb += CHUNK_MB;
	}
	if (mb >= max_mb)
		printf("mem-bomb no-limit-before %ld MiB\n", max_mb);
	else
		printf("mem-bomb errno=%s\n", ename(e));
	printf("mem-bomb-mib %ld\n", mb);
	for (i = 0; i < n; i++)
		free(chunks[i]);
	report("mem-after-free", malloc(1 << 20) ? 0 : -1);
	return 0;
}

/* N processes, each touching MB MiB (within its own RLIMIT_AS), more in
 * all than the session may hold: how many of them are killed. */
static int memsplit(long n, long mb)
{
	static pid_t kids[64];
	long i, ready = 0, dead = 0, killed = 0, rounds;
	int pfd[2], status;
	char c;

	if (n > 64 || pipe(pfd) < 0)
		return 1;
	fflush(stdout);
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			long got;

			close(pfd[0]);
			for (got = 0; got < mb; got += CHUNK_MB) {
				char *p = malloc((size_t)CHUNK_MB << 20);

				if (!p)
					_exit(3);
				memset(p, 0x5a, (size_t)CHUNK_MB << 20);
			}
			(void)!write(pfd[1], "r", 1);
			for (;;)
				pause();
		}
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	for (rounds = 0; ready + dead < n && rounds < 300; rounds++) {
		while (read(pfd[0], &c, 1) == 1)
			ready++;
		for (i = 0; i < n; i++) {
			if (kids[i] <= 0 || waitpid(kids[i], &status, WNOHANG) <= 0)
				continue;
			dead++;
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				killed++;
			kids[i] = 0;
		}
		usleep(100000);
	}
	printf("memsplit-killed %s\n", killed ? "some" : "none");
	printf("memsplit-all-accounted %s\n", ready + dead >= n ? "yes" : "no");
	for (i = 0; i < n; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
	report("mem-after-split", malloc(1 << 20) ? 0 : -1);
	return 0;
}

/* SysV and POSIX IPC objects with known keys and name, left in place:
 * the session's end must take them along. */
static int ipc(void)
{
	report("shmget", shmget(0x4c414221, 65536, IPC_CREAT | IPC_EXCL | 0600));
	report("shmget-private", shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
	report("msgget", msgget(0x4c414222, IPC_CREAT | IPC_EXCL | 0600));
	report("semget", semget(0x4c414223, 1, IPC_CREAT | IPC_EXCL | 0600));
	report("mq-open", syscall(SYS_mq_open, "labrun-j3",
				  O_CREAT | O_EXCL | O_RDWR, 0600, NULL));
	return 0;
}

static int fill(const char *path)
{
	static char buf[1 << 20];
	long mb = 0;
	ssize_t n;
	int fd, e = 0;

	/* Beyond RLIMIT_FSIZE a write raises SIGXFSZ: see EFBIG instead. */
	ignore(SIGXFSZ);
	memset(buf, 'f', sizeof buf);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		report("fill-open", -1);
		return 0;
	}
	for (;;) {
		n = write(fd, buf, sizeof buf);
		if (n < 0) {
			e = errno;
			break;
		}
		if ((size_t)n < sizeof buf) {
			/* a short write: the next one says why */
			continue;
		}
		mb++;
	}
	printf("fill errno=%s\n", ename(e));
	printf("fill-mib %ld\n", mb);
	close(fd);
	report("fill-unlink", unlink(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	report("write-after-unlink", fd < 0 ? -1 : write(fd, "ok\n", 3));
	if (fd >= 0)
		close(fd);
	unlink(path);
	return 0;
}

/* Files of at most RLIMIT_FSIZE each, until the file system is full. */
static int filldir(const char *dir)
{
	static char buf[1 << 20];
	char path[4096];
	long mb = 0, files = 0, i;
	ssize_t n;
	int fd, e = 0;

	ignore(SIGXFSZ);
	memset(buf, 'f', sizeof buf);
	while (!e && files < 100000) {
		snprintf(path, sizeof path, "%s/fill-%ld", dir, files);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			e = errno;
			break;
		}
		files++;
		for (;;) {
			n = write(fd, buf, sizeof buf);
			if (n < 0) {
				if (errno != EFBIG)
					e = errno;
				break;
			}
			if ((size_t)n == sizeof buf)
				mb++;
		}
		close(fd);
	}
	printf("filldir errno=%s\n", e ? ename(e) : "none");
	printf("filldir-mib %ld\n", mb);
	for (i = 0; i < files; i++) {
		snprintf(path, sizeof path, "%s/fill-%ld", dir, i);
		unlink(path);
	}
	return 0;
}

static int inodes(const char *dir)
{
	char name[32];
	long n = 0, i;
	int dfd, fd, e = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		report("inodes-mkdir", -1);
		return 0;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		report("inodes-open", -1);
		return 0;
	}
	for (;;) {
		snprintf(name, sizeof name, "%ld", n);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			e = errno;
			break;
		}
		close(fd);
		if (++n >= 10000000)
			break;
	}
	printf("inodes errno=%s\n", n >= 10000000 ? "none" : ename(e));
	printf("inodes-created %ld\n", n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%ld", i);
		unlinkat(dfd, name, 0);
	}
	fd = openat(dfd, "after", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	report("create-after-cleanup", fd);
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, "after", 0);
	close(dfd);
	report("inodes-rmdir", rmdir(dir));
	return 0;
}

static int fs_bounds(const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) < 0) {
		report("statfs", -1);
		return 0;
	}
	printf("statfs %s size-mib=%llu inodes=%llu\n", path,
	       (unsigned long long)sv.f_blocks * sv.f_frsize >> 20,
	       (unsigned long long)sv.f_files);
	return 0;
}

static void segv_now(void)
{
	volatile int *p = NULL;

	*p = 1;
}

static int fds(void)
{
	struct rlimit rl;
	long n = 0;
	int fd, e = 0;
	pid_t pid;
	DIR *d;
	struct dirent *de;

	getrlimit(RLIMIT_NOFILE, &rl);
	printf("rlimit-nofile %llu %llu\n", (unsigned long long)rl.rlim_cur,
	       (unsigned long long)rl.rlim_max);
	rl.rlim_max += 1;
	rl.rlim_cur = rl.rlim_max;
	report("raise-nofile", setrlimit(RLIMIT_NOFILE, &rl));
	for (;;) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			e = errno;
			break;
		}
		n++;
	}
	printf("nofile errno=%s\n", ename(e));
	printf("nofile-opened %ld\n", n);
	for (fd = 3; fd < 3 + n; fd++)
		close(fd);

	getrlimit(RLIMIT_MEMLOCK, &rl);
	printf("rlimit-memlock %llu %llu\n", (unsigned long long)rl.rlim_cur,
	       (unsigned long long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max = 1 << 20;
	report("raise-memlock", setrlimit(RLIMIT_MEMLOCK, &rl));
	{
		static char page[4096];

		report("mlock", mlock(page, sizeof page));
		report("mlock2", syscall(SYS_mlock2, page, sizeof page, 0));
		report("mlockall", mlockall(MCL_CURRENT));
		report("mmap-locked", mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
					   -1, 0) == MAP_FAILED ? -1 : 0);
	}

	getrlimit(RLIMIT_CORE, &rl);
	printf("rlimit-core %llu %llu\n", (unsigned long long)rl.rlim_cur,
	       (unsigned long long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	report("raise-core", setrlimit(RLIMIT_CORE, &rl));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		segv_now();
		_exit(0);
	}
	if (pid > 0)
		wait_report("segv-child", pid);
	n = 0;
	d = opendir(".");
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "core", 4))
			n++;
	if (d)
		closedir(d);
	printf("core-files %ld\n", n);
	return 0;
}

static void burn_forever(void)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
}

static int cpu(void)
{
	struct rlimit rl;
	pid_t pid;

	getrlimit(RLIMIT_CPU, &rl);
	printf("rlimit-cpu %llu %llu\n", (unsigned long long)rl.rlim_cur,
	       (unsigned long long)rl.rlim_max);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		burn_forever();
	if (pid > 0)
		wait_report("cpu-burn", pid);
	return 0;
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static int leave(void)
{
	int pfd[2], i;
	pid_t pid, daemon_pid = 0, zombie_pid = 0, parent_pid;
	static const int sigs[] = {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1,
				   SIGUSR2, SIGPIPE, SIGALRM};

	if (pipe(pfd) < 0)
		return 1;
	fflush(stdout);
	/* A daemon: double fork, new session, deaf to every catchable
	 * signal. */
	pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			setsid();
			for (i = 0; i < (int)(sizeof sigs / sizeof *sigs); i++)
				ignore(sigs[i]);
			pid = getpid();
			(void)!write(pfd[1], &pid, sizeof pid);
			for (;;)
				pause();
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	if (read(pfd[0], &daemon_pid, sizeof daemon_pid) != sizeof daemon_pid)
		daemon_pid = 0;
	/* A stopped process. */
	pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	waitpid(pid, NULL, WUNTRACED);
	printf("stopped-state %c\n", proc_state(pid));
	/* A zombie whose parent never reaps it. */
	parent_pid = fork();
	if (parent_pid == 0) {
		pid_t z = fork();

		if (z == 0)
			_exit(0);
		(void)!write(pfd[1], &z, sizeof z);
		for (;;)
			pause();
	}
	if (read(pfd[0], &zombie_pid, sizeof zombie_pid) != sizeof zombie_pid)
		zombie_pid = 0;
	usleep(100000);
	printf("daemon-state %c\n", daemon_pid ? proc_state(daemon_pid) : '?');
	printf("daemon-session-leader %s\n",
	       daemon_pid && getsid(daemon_pid) == daemon_pid ? "yes" : "no");
	printf("zombie-state %c\n", zombie_pid ? proc_state(zombie_pid) : '?');
	printf("zombie-parent-state %c\n", proc_state(parent_pid));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "forkbomb"))
		return forkbomb();
	if (argc == 3 && !strcmp(argv[1], "membomb"))
		return membomb(strtol(argv[2], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "memsplit"))
		return memsplit(strtol(argv[2], NULL, 10), strtol(argv[3], NULL, 10));
	if (argc == 2 && !strcmp(argv[1], "ipc"))
		return ipc();
	if (argc == 3 && !strcmp(argv[1], "fill"))
		return fill(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "filldir"))
		return filldir(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "inodes"))
		return inodes(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "statfs"))
		return fs_bounds(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "fds"))
		return fds();
	if (argc == 2 && !strcmp(argv[1], "cpu"))
		return cpu();
	if (argc == 2 && !strcmp(argv[1], "burn"))
		burn_forever();
	if (argc == 2 && !strcmp(argv[1], "leave"))
		return leave();
	fprintf(stderr, "usage: exhaust forkbomb | membomb MB | memsplit N MB | ipc | fill FILE | "
			"filldir DIR | inodes DIR | statfs PATH | fds | cpu | burn | leave\n");
	return 2;
}
