/* confine: run as the candidate inside a sandbox, tries what a hostile
 * candidate would and prints one line per attempt, "NAME errno=ENAME" or
 * "NAME ok", so that tests assert the exact outcome rather than a shell's
 * exit status.  It only ever runs inside a labrun sandbox. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <arpa/inet.h>

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EROFS: return "EROFS";
	case ENOSYS: return "ENOSYS";
	case ENETUNREACH: return "ENETUNREACH";
	case EINVAL: return "EINVAL";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EBADF: return "EBADF";
	case ENOTTY: return "ENOTTY";
	case EIO: return "EIO";
	default: return "E?";
	}
}

static void report(const char *name, long rc)
{
	if (rc < 0)
		printf("%s errno=%s\n", name, ename(errno));
	else
		printf("%s ok\n", name);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {0};
	char line[256];
	FILE *f;
	int fd;
	char c = 'x';

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("uid %d\n", (int)getuid());
	f = fopen("/proc/self/uid_map", "r");
	if (f && fgets(line, sizeof line, f)) {
		unsigned in, out, count;

		if (sscanf(line, "%u %u %u", &in, &out, &count) == 3)
			printf("outer-uid-of-0 %u\n", out);
	}
	if (f)
		fclose(f);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(53);
	inet_pton(AF_INET, "1.1.1.1", &sa.sin_addr);
	report("connect-outside", fd < 0 ? -1 : connect(fd, (void *)&sa, sizeof sa));
	if (fd >= 0)
		close(fd);
	report("socket-netlink", socket(AF_NETLINK, SOCK_RAW, 0));
	report("socket-packet", socket(AF_PACKET, SOCK_RAW, 0));
	if (argc > 1)
		report("open-host-marker", open(argv[1], O_RDONLY));
	report("open-shadow", open("/etc/shadow", O_RDONLY));
	report("open-sys", open("/sys/kernel", O_RDONLY));
	report("mount-tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL));
	report("umount-proc", umount2("/proc", MNT_DETACH));
	report("chroot", chroot("/tmp"));
	report("pivot-root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
	report("unshare-user", unshare(CLONE_NEWUSER));
	report("unshare-net", unshare(CLONE_NEWNET));
	report("clone-newns", syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0));
	report("clone3", syscall(SYS_clone3, NULL, 0));
	report("setns", syscall(SYS_setns, 0, 0));
	report("ptrace-traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
	report("bpf", syscall(SYS_bpf, 0, NULL, 0));
	report("io-uring", syscall(SYS_io_uring_setup, 1, NULL));
	report("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	report("userfaultfd", syscall(SYS_userfaultfd, 0));
	report("perf-event-open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	report("syslog", syscall(SYS_syslog, 3, NULL, 0));
	report("sethostname", sethostname("evil", 4));
	report("setuid-0", setuid(0));
	report("tiocsti", ioctl(1, TIOCSTI, &c));
	report("tiocsti-high-bits",
	       syscall(SYS_ioctl, 1, 0xffffffff00000000ul | TIOCSTI, &c));
	fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	report("write-proc-sys", fd);
	if (fd >= 0)
		close(fd);
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	report("write-sysrq", fd);
	if (fd >= 0)
		close(fd);
	fd = open("/usr/bin/env", O_WRONLY);
	report("write-usr", fd);
	if (fd >= 0)
		close(fd);
	return 0;
}
