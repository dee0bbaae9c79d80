/* escape: run as the candidate inside a sandbox, tries to get out of it or
 * above it (HOSTILE.md rows A1, A2, B1, B2, B3, C1, D1, E1, F1, M1, N1) and
 * prints one line per attempt: "NAME errno=ENAME", "NAME ok",
 * "NAME signal=SIGNAME" or "NAME VALUE", so that tests assert the exact
 * outcome.  "escape all HOSTPID" runs every attempt (HOSTPID: a pid of the
 * host, which must not be signalled); "escape ids" prints the identity it
 * runs with (for a set-user-ID copy of itself).  It only ever runs inside a
 * labrun sandbox. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/kcmp.h>
#include <linux/perf_event.h>
#include <linux/vm_sockets.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define X32_BIT 0x40000000L
#define HOME "/home/candidate"


/* Run fn in a child and report how the child ended: "ok" when fn
 * returned, the signal that killed it, or its exit status. */
static void in_child(const char *name, void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		report(name, -1);
		return;
	}
	if (pid == 0) {
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		report(name, -1);
		return;
	}
	if (WIFSIGNALED(status))
		printf("%s signal=SIG%s\n", name, sigabbrev_np(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == 0)
		printf("%s ok\n", name);
	else
		printf("%s exit=%d\n", name, WEXITSTATUS(status));
}

/* A raw clone that forks: a child that exists at all leaves at once. */
static long try_clone(unsigned long flags)
{
	long rc = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	int e = errno;

	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	errno = e;
	return rc;
}

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		stack_size, tls, set_tid, set_tid_size, cgroup;
};

static long try_clone3(uint64_t flags)
{
	struct clone_args_v2 ca;
	long rc;
	int e;

	memset(&ca, 0, sizeof ca);
	ca.flags = flags;
	ca.exit_signal = SIGCHLD;
	rc = syscall(SYS_clone3, &ca, sizeof ca);
	e = errno;
	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	errno = e;
	return rc;
}

static void int80_getpid(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	(void)ret;
}

static void x32_getpid(void)
{
	syscall(X32_BIT | SYS_getpid);
}

static void x32_mount(void)
{
	syscall(X32_BIT | SYS_mount, "none", "/tmp", "tmpfs", 0L, 0L);
}

static void print_fds(const char *name, const char *dir)
{
	char list[512] = "";
	size_t used = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		report(name, -1);
		return;
	}
	while ((de = readdir(d))) {
		int n;

		if (de->d_name[0] == '.')
			continue;
		if (strtol(de->d_name, NULL, 10) == dirfd(d))
			continue;
		n = snprintf(list + used, sizeof list - used, "%s%s",
			     used ? "," : "", de->d_name);
		if (n > 0 && (size_t)n < sizeof list - used)
			used += (size_t)n;
	}
	closedir(d);
	printf("%s %s\n", name, list);
}

static void mount_flags(const char *name, const char *path)
{
	struct statvfs sv;

	if (statvfs(path, &sv) < 0) {
		report(name, -1);
		return;
	}
	printf("%s %s%s%s\n", name, sv.f_flag & ST_RDONLY ? "ro" : "rw",
	       sv.f_flag & ST_NOSUID ? ",nosuid" : "",
	       sv.f_flag & ST_NODEV ? ",nodev" : "");
}

static void print_link(const char *name, const char *path)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof buf - 1);

	if (n < 0) {
		report(name, -1);
		return;
	}
	buf[n] = 0;
	printf("%s %s\n", name, buf);
}

static void open_report(const char *name, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	report(name, fd);
	if (fd >= 0)
		close(fd);
}

/* A1: the root, other processes' roots and cwds, leaked directories. */
static void a1(void)
{
	struct stat root, here;
	int fd, i, other = 0;

	print_fds("fds", "/proc/self/fd");
	/* Every descriptor above 2 is closed: none leads anywhere. */
	for (fd = 3; fd < 1024; fd++) {
		errno = 0;
		if (fchdir(fd) == 0 || errno != EBADF)
			other++;
	}
	if (chdir(HOME) < 0)
		report("chdir-home", -1);
	printf("fchdir-leaked %s\n", other ? "some" : "errno=EBADF");
	print_link("proc-self-root", "/proc/self/root");
	print_link("proc1-root", "/proc/1/root");
	print_link("proc1-cwd", "/proc/1/cwd");
	open_report("proc1-root-open", "/proc/1/root/", O_RDONLY | O_DIRECTORY);
	open_report("proc1-cwd-open", "/proc/1/cwd/", O_RDONLY | O_DIRECTORY);
	open_report("proc1-fd", "/proc/1/fd/", O_RDONLY | O_DIRECTORY);
	report("chroot-dot", chroot("."));
	for (i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (stat("/", &root) == 0 && stat(".", &here) == 0)
		printf("dotdot-escape %s\n",
		       root.st_dev == here.st_dev && root.st_ino == here.st_ino
			       ? "stays-at-root" : "elsewhere");
	open_report("host-state-dir", "/run/labrun", O_RDONLY | O_DIRECTORY);
	if (chdir(HOME) < 0)
		report("chdir-home", -1);
}

/* A2: the mount family, old and new, and file handles. */
static void a2(void)
{
	struct {
		uint64_t attr_set, attr_clr, propagation, userns_fd;
	} ma = {0, 1 /* MOUNT_ATTR_RDONLY */, 0, 0};
	struct {
		unsigned int handle_bytes;
		int handle_type;
		unsigned char f_handle[128];
	} fh;
	int mnt_id;

	report("mount-tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL));
	report("mount-proc", mount("proc", "/tmp", "proc", 0, NULL));
	report("mount-sysfs", mount("sysfs", "/tmp", "sysfs", 0, NULL));
	report("mount-bind-root", mount("/", "/tmp", NULL, MS_BIND | MS_REC, NULL));
	report("remount-usr-rw",
	       mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL));
	report("remount-root", mount(NULL, "/", NULL, MS_REMOUNT, NULL));
	report("umount-usr", umount2("/usr", MNT_DETACH));
	report("umount-proc", umount2("/proc", 0));
	report("pivot-root", syscall(SYS_pivot_root, ".", "."));
	report("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
	report("fspick", syscall(SYS_fspick, AT_FDCWD, "/usr", 0));
	report("fsmount", syscall(SYS_fsmount, 0, 0, 0));
	report("open-tree", syscall(SYS_open_tree, AT_FDCWD, "/usr",
				    1 /* OPEN_TREE_CLONE */));
	report("move-mount", syscall(SYS_move_mount, AT_FDCWD, "/usr", AT_FDCWD,
				     "/tmp", 0));
	report("mount-setattr", syscall(SYS_mount_setattr, AT_FDCWD, "/usr", 0,
					&ma, sizeof ma));
	memset(&fh, 0, sizeof fh);
	fh.handle_bytes = sizeof fh.f_handle;
	report("name-to-handle-at", syscall(SYS_name_to_handle_at, AT_FDCWD,
					    "/usr", &fh, &mnt_id, 0));
	report("open-by-handle-at", syscall(SYS_open_by_handle_at, AT_FDCWD,
					    &fh, O_RDONLY));
	mount_flags("mnt-root", "/");
	mount_flags("mnt-usr", "/usr");
	mount_flags("mnt-tools", "/opt/labrun/bin");
	mount_flags("mnt-tmp", "/tmp");
	mount_flags("mnt-shm", "/dev/shm");
	mount_flags("mnt-proc", "/proc");
	open_report("write-usr", "/usr/bin/env", O_WRONLY);
}

/* B1, B2: identity, no new privileges, set-user-ID and capabilities. */
static void b1_b2(const char *self)
{
	struct vfs_cap_data cap;
	char line[256], buf[65536];
	unsigned long gid_in, gid_out, gid_n;
	gid_t groups[8];
	ssize_t n;
	FILE *f;
	int in, out, ng, i, status;
	pid_t pid;

	printf("uid %d\n", (int)getuid());
	printf("euid %d\n", (int)geteuid());
	printf("gid %d\n", (int)getgid());
	ng = getgroups(8, groups);
	printf("groups");
	for (i = 0; i < ng; i++)
		printf("%s%d", i ? "," : " ", (int)groups[i]);
	printf("\n");
	f = fopen("/proc/self/uid_map", "r");
	if (f && fgets(line, sizeof line, f)) {
		unsigned long a, b, c;

		if (sscanf(line, "%lu %lu %lu", &a, &b, &c) == 3)
			printf("uid-map %lu %lu %lu\n", a, b, c);
		if (fgets(line, sizeof line, f))
			printf("uid-map-lines more\n");
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/gid_map", "r");
	if (f && fgets(line, sizeof line, f) &&
	    sscanf(line, "%lu %lu %lu", &gid_in, &gid_out, &gid_n) == 3)
		printf("gid-map %lu %lu %lu\n", gid_in, gid_out, gid_n);
	if (f)
		fclose(f);
	f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7) ||
		    !strncmp(line, "NoNewPrivs:", 11) || !strncmp(line, "Seccomp:", 8)) {
			char key[32], val[64];

			if (sscanf(line, "%31[^:]: %63s", key, val) == 2)
				printf("status-%s %s\n", key, val);
		}
	if (f)
		fclose(f);
	printf("no-new-privs %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	report("setuid-0", setuid(0));
	report("setresuid-0", setresuid(0, 0, 0));
	report("setgid-0", setgid(0));
	report("setgroups-0", setgroups(1, (gid_t[]){0}));

	/* A set-user-ID copy of this very program, then a try to give it
	 * to root or to give it file capabilities. */
	in = open(self, O_RDONLY | O_CLOEXEC);
	out = open(HOME "/suid-copy", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (in < 0 || out < 0) {
		report("suid-copy-create", -1);
		return;
	}
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
	report("chmod-suid", chmod(HOME "/suid-copy", 04755));
	report("chmod-sgid", chmod(HOME "/suid-copy", 06755));
	report("chown-root", chown(HOME "/suid-copy", 0, 0));
	memset(&cap, 0, sizeof cap);
	cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
	cap.data[0].permitted = 1u << CAP_SYS_ADMIN;
	cap.data[0].inheritable = 0;
	report("setcap-sys-admin", setxattr(HOME "/suid-copy", "security.capability",
					   &cap, sizeof cap, 0));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *argv[] = {"suid-copy", "ids", NULL};

		execv(HOME "/suid-copy", argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) > 0 && WIFEXITED(status))
		printf("suid-copy-exit %d\n", WEXITSTATUS(status));
	mount_flags("mnt-home", HOME);
}

/* B3, E1: tracing and reading other processes, pid 1 first. */
static void b3_e1(void)
{
	struct perf_event_attr pa;
	struct iovec local, remote;
	char buf[64];
	long pidfd;
	pid_t parent = getppid();

	report("ptrace-attach-1", ptrace(PTRACE_ATTACH, 1, 0, 0));
	report("ptrace-seize-1", ptrace(PTRACE_SEIZE, 1, 0, 0));
	report("ptrace-attach-parent", ptrace(PTRACE_ATTACH, parent, 0, 0));
	local.iov_base = buf;
	local.iov_len = sizeof buf;
	remote.iov_base = (void *)0x400000;
	remote.iov_len = sizeof buf;
	report("process-vm-readv-1", process_vm_readv(1, &local, 1, &remote, 1, 0));
	report("process-vm-writev-1", process_vm_writev(1, &local, 1, &remote, 1, 0));
	report("process-vm-readv-parent",
	       process_vm_readv(parent, &local, 1, &remote, 1, 0));
	open_report("proc1-mem", "/proc/1/mem", O_RDONLY);
	open_report("proc1-environ", "/proc/1/environ", O_RDONLY);
	open_report("proc1-maps", "/proc/1/maps", O_RDONLY);
	report("kcmp-1", syscall(SYS_kcmp, getpid(), 1, KCMP_FILE, 0, 0));
	pidfd = syscall(SYS_pidfd_open, 1, 0);
	report("pidfd-open-1", pidfd);
	report("pidfd-getfd-1", syscall(SYS_pidfd_getfd, pidfd < 0 ? 0 : pidfd, 0, 0));
	report("pidfd-send-signal-1",
	       syscall(SYS_pidfd_send_signal, pidfd < 0 ? 0 : pidfd, SIGKILL, NULL, 0));
	if (pidfd >= 0)
		close((int)pidfd);
	memset(&pa, 0, sizeof pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.size = sizeof pa;
	pa.config = PERF_COUNT_SW_CPU_CLOCK;
	report("perf-event-open-1", syscall(SYS_perf_event_open, &pa, 1, -1, -1, 0));
	report("perf-event-open-self", syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0));
	report("kill-1-sigkill", kill(1, SIGKILL));
	report("kill-1-sigterm", kill(1, SIGTERM));
	report("tgkill-1", syscall(SYS_tgkill, 1, 1, SIGKILL));
	printf("after-kill-1 %s\n", getppid() == parent ? "still-running" : "reparented");
}

/* C1: new namespaces by every door. */
static void c1(void)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} ns[] = {
		{"newns", CLONE_NEWNS}, {"newuts", CLONE_NEWUTS},
		{"newipc", CLONE_NEWIPC}, {"newuser", CLONE_NEWUSER},
		{"newpid", CLONE_NEWPID}, {"newnet", CLONE_NEWNET},
		{"newcgroup", CLONE_NEWCGROUP}, {"newtime", CLONE_NEWTIME},
	};
	char name[64];
	size_t i;
	int fd;

	for (i = 0; i < sizeof ns / sizeof *ns; i++) {
		snprintf(name, sizeof name, "unshare-%s", ns[i].name);
		report(name, unshare((int)ns[i].flag));
		if (ns[i].flag == CLONE_NEWTIME)
			continue; /* clone's low byte is the exit signal */
		snprintf(name, sizeof name, "clone-%s", ns[i].name);
		report(name, try_clone(ns[i].flag));
		snprintf(name, sizeof name, "clone-%s-high-bits", ns[i].name);
		report(name, try_clone(ns[i].flag | 0xffffffff00000000ul));
		snprintf(name, sizeof name, "clone3-%s", ns[i].name);
		report(name, try_clone3(ns[i].flag));
	}
	report("clone3-plain", try_clone3(0));
	report("clone-plain", try_clone(0));
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	report("setns-own-net", syscall(SYS_setns, fd, 0));
	if (fd >= 0)
		close(fd);
	open_report("proc1-ns-mnt", "/proc/1/ns/mnt", O_RDONLY);
	report("setns-bad-fd", syscall(SYS_setns, -1, CLONE_NEWNS));
}

/* D1: pushing input into a terminal, also with high request bits. */
static void d1(void)
{
	static const struct {
		const char *name;
		unsigned long req;
	} reqs[] = {
		{"tiocsti", TIOCSTI},
		{"tiocsti-high-bits", 0xffffffff00000000ul | TIOCSTI},
		{"tiocsti-bit32", 0x100000000ul | TIOCSTI},
		{"tioclinux", TIOCLINUX},
		{"tioclinux-high-bits", 0xffffffff00000000ul | TIOCLINUX},
	};
	char name[64], arg[8] = "x";
	struct winsize ws;
	int fds[4], tty, f;
	size_t i;

	tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	report("open-dev-tty", tty);
	fds[0] = 0;
	fds[1] = 1;
	fds[2] = 2;
	fds[3] = tty;
	for (f = 0; f < 4; f++)
		for (i = 0; i < sizeof reqs / sizeof *reqs; i++) {
			snprintf(name, sizeof name, "%s-%s", reqs[i].name,
				 f < 3 ? (f == 0 ? "fd0" : f == 1 ? "fd1" : "fd2")
				       : "dev-tty");
			arg[0] = reqs[i].req == TIOCLINUX ? 6 : 'x';
			report(name, syscall(SYS_ioctl, fds[f], reqs[i].req, arg));
		}
	/* The filter is not a blanket refusal: an ordinary request works. */
	report("tiocgwinsz-dev-tty", ioctl(tty, TIOCGWINSZ, &ws));
	if (tty >= 0)
		close(tty);
}

/* F1, M1: kernel surfaces the allow-list leaves out, other ABIs, and
 * /proc files that would do a refused call's work. */
static void f1_m1(void)
{
	struct io_uring_params up;
	char buf[16];

	report("bpf", syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, buf, sizeof buf));
	report("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
	memset(&up, 0, sizeof up);
	report("io-uring-setup", syscall(SYS_io_uring_setup, 8, &up));
	report("io-uring-enter", syscall(SYS_io_uring_enter, 0, 1, 0, 0, NULL, 0));
	report("io-uring-register", syscall(SYS_io_uring_register, 0, 0, NULL, 0));
	report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
	report("add-key", syscall(SYS_add_key, "user", "labrun", "x", 1, -3));
	report("request-key", syscall(SYS_request_key, "user", "labrun", NULL, 0));
	report("modify-ldt", syscall(SYS_modify_ldt, 0, buf, sizeof buf));
	report("socket-netlink", socket(AF_NETLINK, SOCK_RAW, 0));
	report("socket-netlink-high-bits",
	       syscall(SYS_socket, 0xffffffff00000000ul | AF_NETLINK, SOCK_RAW, 0));
	report("socket-packet", socket(AF_PACKET, SOCK_RAW, 0));
	report("socket-vsock", socket(AF_VSOCK, SOCK_STREAM, 0));
	report("socket-alg", socket(AF_ALG, SOCK_SEQPACKET, 0));
	report("socketpair-netlink", socketpair(AF_NETLINK, SOCK_RAW, 0, (int[2]){0, 0}));
	report("openat2", syscall(SYS_openat2, AT_FDCWD, "/", NULL, 0));
	report("init-module", syscall(SYS_init_module, NULL, 0, ""));
	report("kexec-load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	report("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
	in_child("int80-getpid", int80_getpid);
	in_child("x32-getpid", x32_getpid);
	in_child("x32-mount", x32_mount);
	open_report("write-proc-uid-map", "/proc/self/uid_map", O_WRONLY);
	open_report("write-proc-setgroups", "/proc/self/setgroups", O_WRONLY);
	open_report("write-proc-ns-last-pid", "/proc/sys/kernel/ns_last_pid", O_WRONLY);
	open_report("write-proc-self-mem", "/proc/self/mem", O_RDWR);
}

/* N1: the clock, the host name, signals out. */
static void n1(long hostpid)
{
	struct timeval tv;
	struct timespec ts;
	struct timex tx;

	gettimeofday(&tv, NULL);
	report("settimeofday", settimeofday(&tv, NULL));
	clock_gettime(CLOCK_REALTIME, &ts);
	report("clock-settime", clock_settime(CLOCK_REALTIME, &ts));
	memset(&tx, 0, sizeof tx);
	tx.modes = ADJ_OFFSET;
	report("adjtimex", adjtimex(&tx));
	report("clock-adjtime", syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx));
	report("sethostname", sethostname("evil", 4));
	report("setdomainname", setdomainname("evil", 4));
	if (hostpid > 0) {
		report("kill-host-pid-0", kill((pid_t)hostpid, 0));
		report("kill-host-pid", kill((pid_t)hostpid, SIGKILL));
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "ids")) {
		uid_t r, e, s;

		getresuid(&r, &e, &s);
		printf("suid-copy-ids uid=%d euid=%d suid=%d\n", (int)r, (int)e, (int)s);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "all")) {
		fprintf(stderr, "usage: escape all [HOSTPID] | escape ids\n");
		return 2;
	}
	a1();
	a2();
	b1_b2("/proc/self/exe");
	b3_e1();
	c1();
	d1();
	f1_m1();
	n1(argc > 2 ? strtol(argv[2], NULL, 10) : 0);
	printf("end\n");
	return 0;
}
