/* seccomp_policy: the seccomp allow-lists of labrun's profiles, as data,
 * and their compilation with libseccomp (the only file that includes it).
 *
 * Each profile is an allow-list: a syscall not listed fails with EPERM (a
 * few with ENOSYS, so that libc falls back to an older call), foreign
 * architectures and x32 kill the process.  Arguments are filtered where a
 * syscall is both needed and dangerous: clone flags (no new namespaces),
 * ioctl requests (no TIOCSTI or TIOCLINUX, compared on their low 32 bits)
 * and socket families (unix and loopback IP only).  Execs and process exits
 * are reported to the supervisor through user notification.  This file
 * does not install the filter on anything but the calling process. */
#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "base/err.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_policy.h"

struct sc_allow {
	const char *name;
	const char *why;
};

/* The candidate's shell and everything it runs: a Unix user's ordinary
 * work (files, processes, pipes, sockets on loopback, terminals). */
static const struct sc_allow candidate_allow[] = {
	{"read", "files, pipes, terminal"},
	{"write", "files, pipes, terminal"},
	{"readv", "vectored I/O"},
	{"writev", "vectored I/O"},
	{"pread64", "positioned reads (ld.so, databases)"},
	{"pwrite64", "positioned writes"},
	{"preadv", "vectored positioned I/O"},
	{"pwritev", "vectored positioned I/O"},
	{"preadv2", "vectored positioned I/O"},
	{"pwritev2", "vectored positioned I/O"},
	{"open", "files beneath the sandbox root"},
	{"openat", "files beneath the sandbox root"},
	{"creat", "old-style create"},
	{"close", "descriptors"},
	{"close_range", "closing many descriptors before exec"},
	{"stat", "file metadata"},
	{"fstat", "file metadata"},
	{"lstat", "file metadata"},
	{"newfstatat", "file metadata"},
	{"statx", "file metadata"},
	{"statfs", "df"},
	{"fstatfs", "df"},
	{"access", "permission checks"},
	{"faccessat", "permission checks"},
	{"faccessat2", "permission checks"},
	{"lseek", "file offsets"},
	{"getdents", "directory listing"},
	{"getdents64", "directory listing"},
	{"getcwd", "working directory"},
	{"chdir", "working directory"},
	{"fchdir", "working directory"},
	{"rename", "mv"},
	{"renameat", "mv"},
	{"renameat2", "mv"},
	{"mkdir", "mkdir"},
	{"mkdirat", "mkdir"},
	{"rmdir", "rmdir"},
	{"link", "ln"},
	{"linkat", "ln"},
	{"unlink", "rm"},
	{"unlinkat", "rm"},
	{"symlink", "ln -s"},
	{"symlinkat", "ln -s"},
	{"readlink", "symbolic links"},
	{"readlinkat", "symbolic links"},
	{"chmod", "chmod"},
	{"fchmod", "chmod"},
	{"fchmodat", "chmod"},
	{"chown", "chown of own files (no capability to give them away)"},
	{"fchown", "chown of own files"},
	{"lchown", "chown of own files"},
	{"fchownat", "chown of own files"},
	{"umask", "file creation mask"},
	{"truncate", "truncate files"},
	{"ftruncate", "truncate files"},
	{"fallocate", "preallocation (bounded by the layer's size)"},
	{"fadvise64", "read-ahead hints"},
	{"fsync", "editors flush"},
	{"fdatasync", "editors flush"},
	{"sync_file_range", "flush hints"},
	{"flock", "file locks"},
	{"fcntl", "descriptor flags and locks"},
	{"dup", "descriptors"},
	{"dup2", "descriptors"},
	{"dup3", "descriptors"},
	{"pipe", "pipes"},
	{"pipe2", "pipes"},
	{"utime", "touch"},
	{"utimes", "touch"},
	{"utimensat", "touch"},
	{"futimesat", "touch"},
	{"getxattr", "reading extended attributes (ls, cp)"},
	{"lgetxattr", "reading extended attributes"},
	{"fgetxattr", "reading extended attributes"},
	{"listxattr", "reading extended attributes"},
	{"llistxattr", "reading extended attributes"},
	{"flistxattr", "reading extended attributes"},
	{"setxattr", "ACLs and user attributes (cp -a, sed -i); trusted.* needs a capability nobody has"},
	{"lsetxattr", "ACLs and user attributes"},
	{"fsetxattr", "ACLs and user attributes"},
	{"removexattr", "ACLs and user attributes"},
	{"lremovexattr", "ACLs and user attributes"},
	{"fremovexattr", "ACLs and user attributes"},
	{"sendfile", "cp"},
	{"copy_file_range", "cp"},
	{"splice", "pipes"},
	{"tee", "pipes"},
	{"mmap", "memory"},
	{"mprotect", "memory"},
	{"munmap", "memory"},
	{"mremap", "memory"},
	{"brk", "memory"},
	{"madvise", "memory"},
	{"mincore", "memory"},
	{"msync", "memory-mapped files"},
	{"membarrier", "threaded runtimes"},
	{"memfd_create", "anonymous files"},
	{"rt_sigaction", "signals"},
	{"rt_sigprocmask", "signals"},
	{"rt_sigreturn", "signals"},
	{"rt_sigpending", "signals"},
	{"rt_sigtimedwait", "signals"},
	{"rt_sigsuspend", "signals"},
	{"rt_sigqueueinfo", "signals within the sandbox"},
	{"rt_tgsigqueueinfo", "signals within the sandbox"},
	{"sigaltstack", "signal stacks"},
	{"kill", "signals within the sandbox's pid namespace"},
	{"tkill", "signals to own threads"},
	{"tgkill", "signals to own threads"},
	{"pause", "waiting"},
	{"nanosleep", "sleep"},
	{"clock_nanosleep", "sleep"},
	{"clock_gettime", "time"},
	{"clock_getres", "time"},
	{"gettimeofday", "time"},
	{"time", "time"},
	{"times", "time"},
	{"getitimer", "timers"},
	{"setitimer", "timers"},
	{"alarm", "timers"},
	{"timer_create", "timers"},
	{"timer_settime", "timers"},
	{"timer_gettime", "timers"},
	{"timer_getoverrun", "timers"},
	{"timer_delete", "timers"},
	{"timerfd_create", "timers"},
	{"timerfd_settime", "timers"},
	{"timerfd_gettime", "timers"},
	{"poll", "event loops"},
	{"ppoll", "event loops"},
	{"select", "event loops"},
	{"pselect6", "event loops"},
	{"epoll_create", "event loops"},
	{"epoll_create1", "event loops"},
	{"epoll_ctl", "event loops"},
	{"epoll_wait", "event loops"},
	{"epoll_pwait", "event loops"},
	{"epoll_pwait2", "event loops"},
	{"eventfd", "event loops"},
	{"eventfd2", "event loops"},
	{"signalfd", "event loops"},
	{"signalfd4", "event loops"},
	{"inotify_init", "tail -f"},
	{"inotify_init1", "tail -f"},
	{"inotify_add_watch", "tail -f"},
	{"inotify_rm_watch", "tail -f"},
	{"fork", "processes"},
	{"vfork", "processes"},
	{"wait4", "processes"},
	{"waitid", "processes"},
	{"exit", "threads end"},
	{"getpid", "identity"},
	{"getppid", "identity"},
	{"gettid", "identity"},
	{"getuid", "identity"},
	{"geteuid", "identity"},
	{"getgid", "identity"},
	{"getegid", "identity"},
	{"getresuid", "identity"},
	{"getresgid", "identity"},
	{"getgroups", "identity"},
	{"getpgid", "job control"},
	{"getpgrp", "job control"},
	{"setpgid", "job control"},
	{"getsid", "job control"},
	{"setsid", "job control"},
	{"capget", "programs that ask what they may do"},
	{"uname", "system name"},
	{"sysinfo", "free, uptime"},
	{"getrlimit", "limits"},
	{"setrlimit", "lowering own limits"},
	{"prlimit64", "limits (raising needs a capability nobody has)"},
	{"getrusage", "time"},
	{"getpriority", "nice"},
	{"setpriority", "nice (lowering only without capability)"},
	{"sched_yield", "threads"},
	{"sched_getaffinity", "nproc"},
	{"sched_setaffinity", "threaded runtimes"},
	{"sched_getparam", "threaded runtimes"},
	{"sched_getscheduler", "threaded runtimes"},
	{"sched_get_priority_max", "threaded runtimes"},
	{"sched_get_priority_min", "threaded runtimes"},
	{"getcpu", "threaded runtimes"},
	{"prctl", "process names, no-new-privileges, own seccomp filters"},
	{"arch_prctl", "thread-local storage"},
	{"set_tid_address", "threads"},
	{"set_robust_list", "threads"},
	{"get_robust_list", "threads"},
	{"rseq", "threads"},
	{"futex", "threads"},
	{"futex_waitv", "threads"},
	{"getrandom", "randomness"},
	{"connect", "sockets on the sandbox's loopback"},
	{"accept", "sockets"},
	{"accept4", "sockets"},
	{"bind", "sockets"},
	{"listen", "sockets"},
	{"shutdown", "sockets"},
	{"sendto", "sockets"},
	{"recvfrom", "sockets"},
	{"sendmsg", "sockets"},
	{"recvmsg", "sockets"},
	{"sendmmsg", "sockets"},
	{"recvmmsg", "sockets"},
	{"getsockname", "sockets"},
	{"getpeername", "sockets"},
	{"setsockopt", "sockets"},
	{"getsockopt", "sockets"},
	{"shmget", "SysV shared memory, private to the session's ipc namespace"},
	{"shmat", "SysV shared memory"},
	{"shmdt", "SysV shared memory"},
	{"shmctl", "SysV shared memory"},
	{"semget", "SysV semaphores, private to the session's ipc namespace"},
	{"semop", "SysV semaphores"},
	{"semtimedop", "SysV semaphores"},
	{"semctl", "SysV semaphores"},
	{"msgget", "SysV message queues, private to the session's ipc namespace"},
	{"msgsnd", "SysV message queues"},
	{"msgrcv", "SysV message queues"},
	{"msgctl", "SysV message queues"},
	{"mq_open", "POSIX message queues, private to the session's ipc namespace"},
	{"mq_unlink", "POSIX message queues"},
	{"mq_timedsend", "POSIX message queues"},
	{"mq_timedreceive", "POSIX message queues"},
	{"mq_notify", "POSIX message queues"},
	{"mq_getsetattr", "POSIX message queues"},
	{"pidfd_open", "process supervision within the sandbox"},
	{"pidfd_send_signal", "signals within the sandbox"},
	{NULL, NULL},
};

/* Refused with ENOSYS rather than EPERM, so that libc uses the older call
 * the allow-list has (clone3 -> clone, openat2 -> openat, statx stays). */
static const char *const candidate_enosys[] = {
	"clone3", "openat2", "io_uring_setup", "io_uring_enter",
	"io_uring_register", NULL,
};

/* The syscalls a fault plan may intercept, by family (docs/faults.md).
 * Each call says where its file is: a path (relative to a directory
 * descriptor, or to the cwd when there is none) or a descriptor.  Hot
 * calls (read, write, mmap, futex, ...) are in no family: they are never
 * intercepted.  openat2 and io_uring, which would go round an
 * interception, answer ENOSYS in every profile. */
static const struct sbx_trap_family trap_families[] = {
	{"open", {{"open", -1, 0, -1, 1, 0, 0}, {"openat", 0, 1, -1, 2, 0, 0},
		  {"creat", -1, 0, -1, -1, 0, 0}}},
	{"stat", {{"stat", -1, 0, -1, -1, 0, 0}, {"lstat", -1, 0, -1, -1, 1, 0},
		  {"newfstatat", 0, 1, -1, -1, 0, 0}, {"statx", 0, 1, -1, -1, 0, 0}}},
	{"access", {{"access", -1, 0, -1, -1, 0, 0},
		    {"faccessat", 0, 1, -1, -1, 0, 0},
		    {"faccessat2", 0, 1, -1, -1, 0, 0}}},
	{"unlink", {{"unlink", -1, 0, -1, -1, 1, 0},
		    {"unlinkat", 0, 1, -1, -1, 1, 0},
		    {"rmdir", -1, 0, -1, -1, 1, 0}}},
	{"rename", {{"rename", -1, 0, -1, -1, 1, 0},
		    {"renameat", 0, 1, -1, -1, 1, 0},
		    {"renameat2", 0, 1, -1, -1, 1, 0}}},
	{"mkdir", {{"mkdir", -1, 0, -1, -1, 1, 0},
		   {"mkdirat", 0, 1, -1, -1, 1, 0}}},
	{"truncate", {{"truncate", -1, 0, -1, -1, 0, 0},
		      {"ftruncate", -1, -1, 0, -1, 0, 0}}},
	{"fsync", {{"fsync", -1, -1, 0, -1, 0, 0},
		   {"fdatasync", -1, -1, 0, -1, 0, 0}}},
	{"chmod", {{"chmod", -1, 0, -1, -1, 0, 0},
		   {"fchmod", -1, -1, 0, -1, 0, 0},
		   {"fchmodat", 0, 1, -1, -1, 0, 0}}},
	{"readlink", {{"readlink", -1, 0, -1, -1, 1, 0},
		      {"readlinkat", 0, 1, -1, -1, 1, 0}}},
	{"connect", {{"connect", -1, -1, 0, -1, 0, 1}}},
	{"accept", {{"accept", -1, -1, 0, -1, 0, 0},
		    {"accept4", -1, -1, 0, -1, 0, 0}}},
	{"fallocate", {{"fallocate", -1, -1, 0, -1, 0, 0}}},
};

#define NTRAP_FAMILIES (sizeof trap_families / sizeof *trap_families)

static const char *const hot_calls[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "preadv2", "pwritev2", "mmap", "munmap", "mprotect", "brk",
	"futex", "close", "lseek", "fstat", "poll", "ppoll", "select",
	"pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"clock_gettime", "gettimeofday", "rt_sigreturn", "rt_sigprocmask",
	"sched_yield", "nanosleep", "clock_nanosleep", "getpid", "gettid",
	"recvfrom", "sendto", "recvmsg", "sendmsg", "execve", "execveat",
	"exit_group", "set_tid_address", NULL,
};

const struct sbx_trap_family *sbx_trap_family(size_t i)
{
	return i < NTRAP_FAMILIES ? &trap_families[i] : NULL;
}

int sbx_trap_family_index(const char *name)
{
	size_t i;

	for (i = 0; i < NTRAP_FAMILIES; i++)
		if (!strcmp(trap_families[i].name, name))
			return (int)i;
	return -1;
}

int sbx_trap_is_hot(const char *name)
{
	const char *const *h;

	for (h = hot_calls; *h; h++)
		if (!strcmp(*h, name))
			return 1;
	return 0;
}

/* The family (index) whose calls include syscall nr, or -1; the numbers
 * are looked up once. */
int scp_trap_call(int nr, const struct sbx_trap_call **call)
{
	static int nrs[NTRAP_FAMILIES][SBX_TRAP_CALLS], ready;
	size_t i, j;

	if (!ready) {
		for (i = 0; i < NTRAP_FAMILIES; i++)
			for (j = 0; j < SBX_TRAP_CALLS; j++)
				nrs[i][j] = trap_families[i].calls[j].name
					? seccomp_syscall_resolve_name(
						  trap_families[i].calls[j].name)
					: __NR_SCMP_ERROR;
		ready = 1;
	}
	for (i = 0; i < NTRAP_FAMILIES; i++)
		for (j = 0; j < SBX_TRAP_CALLS; j++)
			if (nrs[i][j] == nr && nr != __NR_SCMP_ERROR) {
				if (call)
					*call = &trap_families[i].calls[j];
				return (int)i;
			}
	return -1;
}

static int trapped(unsigned traps, const char *name)
{
	size_t i, j;

	for (i = 0; traps && i < NTRAP_FAMILIES; i++) {
		if (!(traps & (1u << i)))
			continue;
		for (j = 0; j < SBX_TRAP_CALLS && trap_families[i].calls[j].name; j++)
			if (!strcmp(trap_families[i].calls[j].name, name))
				return 1;
	}
	return 0;
}

/* The grader worker: Lua computing over descriptors it already holds. */
static const struct sc_allow grader_allow[] = {
	{"read", "the result pipe is written, files are read"},
	{"write", "the result pipe, print() to stderr"},
	{"openat", "lab.read beneath the frozen root (fallback path)"},
	{"openat2", "lab.read beneath the frozen root"},
	{"close", "descriptors"},
	{"fstat", "sizes of files read"},
	{"newfstatat", "lab.exists"},
	{"statx", "lab.exists"},
	{"lseek", "reads"},
	{"getdents64", "lab.list"},
	{"fcntl", "descriptor flags"},
	{"mmap", "the Lua heap"},
	{"munmap", "the Lua heap"},
	{"mremap", "the Lua heap"},
	{"brk", "the Lua heap"},
	{"madvise", "the Lua heap"},
	{"mprotect", "the allocator"},
	{"rt_sigreturn", "signals"},
	{"rt_sigprocmask", "signals"},
	{"exit", "the end"},
	{"exit_group", "the end"},
	{"futex", "libc locks"},
	{"getrandom", "Lua's string hash seed"},
	{"clock_gettime", "os.clock is absent, but libc may ask"},
	{"getpid", "libc"},
	{"gettid", "libc"},
#ifdef LABRUN_SANITIZED
	/* AddressSanitizer's runtime needs these to report an error;
	 * only in `make check` builds. */
	{"readlink", "sanitizer runtime (make check only)"},
	{"readlinkat", "sanitizer runtime (make check only)"},
	{"sched_yield", "sanitizer runtime (make check only)"},
	{"sigaltstack", "sanitizer runtime (make check only)"},
	{"rt_sigaction", "sanitizer runtime (make check only)"},
	{"prctl", "sanitizer runtime (make check only)"},
	{"getrlimit", "sanitizer runtime (make check only)"},
	{"prlimit64", "sanitizer runtime (make check only)"},
	{"open", "sanitizer runtime (make check only)"},
	{"uname", "sanitizer runtime (make check only)"},
	{"getppid", "sanitizer runtime (make check only)"},
	{"writev", "sanitizer runtime (make check only)"},
	{"kill", "sanitizer runtime (make check only)"},
	{"tgkill", "sanitizer runtime (make check only)"},
#endif
	{NULL, NULL},
};

/* Allow every call of list but skip; those of the families in traps are
 * reported to the supervisor instead (a fault plan's). */
static int add_list(scmp_filter_ctx ctx, const struct sc_allow *list,
		    const char *skip, unsigned traps, struct err *e)
{
	int nr, rc;

	for (; list->name; list++) {
		if (skip && !strcmp(list->name, skip))
			continue;
		nr = seccomp_syscall_resolve_name(list->name);
		if (nr == __NR_SCMP_ERROR)
			return err_set(e, ERR_BUG, "seccomp: unknown syscall %s",
				       list->name);
		rc = seccomp_rule_add(ctx, trapped(traps, list->name)
					       ? SCMP_ACT_NOTIFY : SCMP_ACT_ALLOW,
				      nr, 0);
		if (rc < 0)
			return err_sys(e, ERR_HOST, -rc, "seccomp: allow %s",
				       list->name);
	}
	return 0;
}

/* Allow ioctl requests whose low 32 bits lie in [lo, hi], as masked
 * equalities over aligned blocks (the way a range is cut into CIDR
 * prefixes): the kernel reads the request as 32 bits, so the high half
 * must not take part in the comparison, and ordered comparisons would
 * look at it. */
static int allow_ioctl_range(scmp_filter_ctx ctx, uint64_t lo, uint64_t hi)
{
	uint64_t size;
	int rc;

	while (lo <= hi) {
		size = 1;
		while ((lo & (size * 2 - 1)) == 0 && lo + size * 2 - 1 <= hi &&
		       size < (1ull << 32))
			size *= 2;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1_64(SCMP_CMP_MASKED_EQ,
						 0xffffffffull & ~(size - 1), lo));
		if (rc < 0)
			return rc;
		lo += size;
	}
	return 0;
}

/* ioctl: everything but TIOCSTI (0x5412) and TIOCLINUX (0x541c). */
static int add_ioctl(scmp_filter_ctx ctx, struct err *e)
{
	int rc;

	rc = allow_ioctl_range(ctx, 0, TIOCSTI - 1);
	if (rc == 0)
		rc = allow_ioctl_range(ctx, TIOCSTI + 1, TIOCLINUX - 1);
	if (rc == 0)
		rc = allow_ioctl_range(ctx, TIOCLINUX + 1, 0xffffffffull);
	if (rc < 0)
		return err_sys(e, ERR_HOST, -rc, "seccomp: ioctl rules");
	return 0;
}

/* clone without any namespace flag; socket and socketpair for unix and
 * loopback IP only; mknod for FIFOs only (mkfifo), never devices. */
static int add_args(scmp_filter_ctx ctx, struct err *e)
{
	const uint64_t ns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
			    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
			    CLONE_NEWCGROUP;
	static const int families[] = {AF_UNIX, AF_INET, AF_INET6};
	size_t i;
	int rc;

	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			      SCMP_A0_64(SCMP_CMP_MASKED_EQ, ns, 0));
	for (i = 0; rc == 0 && i < sizeof families / sizeof *families; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0_32(SCMP_CMP_EQ, families[i]));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair),
				      1, SCMP_A0_32(SCMP_CMP_EQ, AF_UNIX));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mknod), 1,
				      SCMP_A1_64(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFIFO));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mknodat), 1,
				      SCMP_A2_64(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFIFO));
	if (rc < 0)
		return err_sys(e, ERR_HOST, -rc, "seccomp: argument rules");
	return 0;
}

static scmp_filter_ctx profile_new(enum sbx_profile p, unsigned traps,
				   struct err *e)
{
	scmp_filter_ctx ctx;
	const char *const *name;
	int rc = 0;

	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx) {
		err_set(e, ERR_HOST, "seccomp: cannot create a filter");
		return NULL;
	}
	/* Only the native ABI: i386 and x32 entry points kill. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0)
		goto fail;
	/* A binary search over syscall numbers, not a linear list: the
	 * kernel evaluates the filter for every syscall number when it is
	 * installed (to build its allow cache), so a linear program of a few
	 * hundred instructions cost about 0.4 ms a launch; the tree, 0.15. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		goto fail;
	if (p == SBX_PROFILE_GRADER) {
		if (add_list(ctx, grader_allow, NULL, 0, e) < 0)
			goto out;
		return ctx;
	}
	/* The candidate's set_tid_address (libc's first call in a new
	 * program) is reported: the exec it follows is checked again. */
	if (add_list(ctx, candidate_allow,
		     p == SBX_PROFILE_CANDIDATE ? "set_tid_address" : NULL,
		     traps, e) < 0 ||
	    add_ioctl(ctx, e) < 0 ||
	    add_args(ctx, e) < 0)
		goto out;
	for (name = candidate_enosys; *name && rc == 0; name++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				      seccomp_syscall_resolve_name(*name), 0);
	/* Services have the candidate's allow-list; only the candidate's
	 * execs and exits are reported to the supervisor. */
	if (rc == 0 && p == SBX_PROFILE_SERVICE)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(execve), 0);
	if (rc == 0 && p == SBX_PROFILE_SERVICE)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(execveat), 0);
	if (rc == 0 && p == SBX_PROFILE_SERVICE)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0);
	if (rc < 0 || p == SBX_PROFILE_SERVICE) {
		if (rc < 0) {
			err_sys(e, ERR_HOST, -rc, "seccomp: service rules");
			goto out;
		}
		return ctx;
	}
	/* Reported to the supervisor: the command log and exit statuses. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execve), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execveat), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(exit_group), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY,
				      SCMP_SYS(set_tid_address), 0);
	if (rc < 0) {
		err_sys(e, ERR_HOST, -rc, "seccomp: candidate rules");
		goto out;
	}
	return ctx;
fail:
	err_set(e, ERR_HOST, "seccomp: cannot set filter attributes");
out:
	seccomp_release(ctx);
	return NULL;
}

int scp_load(enum sbx_profile p, int *listener, struct err *e)
{
	scmp_filter_ctx ctx;
	int rc, fd = -1;

	ctx = profile_new(p, 0, e);
	if (!ctx)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		seccomp_release(ctx);
		return err_sys(e, ERR_HOST, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	}
	rc = seccomp_load(ctx);
	if (rc == 0 && listener) {
		fd = seccomp_notify_fd(ctx);
		if (fd < 0)
			rc = fd;
	}
	seccomp_release(ctx);
	if (rc < 0)
		return err_sys(e, ERR_HOST, -rc, "seccomp: cannot load the filter");
	if (listener)
		*listener = fd;
	return 0;
}

static int export_bpf(enum sbx_profile p, unsigned traps, int fd,
		      struct err *e)
{
	scmp_filter_ctx ctx;
	int rc;

	ctx = profile_new(p, traps, e);
	if (!ctx)
		return -1;
	rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0)
		return err_sys(e, ERR_HOST, -rc, "seccomp: export");
	return 0;
}

int scp_export(enum sbx_profile p, int fd, struct err *e)
{
	return export_bpf(p, 0, fd, e);
}

int scp_export_text(enum sbx_profile p, int fd, struct err *e)
{
	scmp_filter_ctx ctx;
	int rc;

	ctx = profile_new(p, 0, e);
	if (!ctx)
		return -1;
	rc = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0)
		return err_sys(e, ERR_HOST, -rc, "seccomp: export as text");
	return 0;
}

int scp_compile(enum sbx_profile p, unsigned traps, struct sock_fprog *out,
		struct err *e)
{
	struct sock_filter *prog = NULL;
	unsigned char chunk[4096];
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, rc = -1;

	fd = memfd_create("labrun-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return err_sys(e, ERR_HOST, errno, "memfd_create");
	if (export_bpf(p, traps, fd, e) < 0)
		goto out;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err_sys(e, ERR_HOST, errno, "seccomp program");
		goto out;
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (len + (size_t)n > cap) {
			void *np;

			cap = (len + (size_t)n) * 2;
			np = realloc(prog, cap);
			if (!np) {
				err_set(e, ERR_HOST, "out of memory");
				goto out;
			}
			prog = np;
		}
		memcpy((unsigned char *)prog + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	if (n < 0 || len == 0 || len % sizeof *prog ||
	    len / sizeof *prog > 0xffff) {
		err_set(e, ERR_HOST, "seccomp program: unexpected size %zu", len);
		goto out;
	}
	out->filter = prog;
	out->len = (unsigned short)(len / sizeof *prog);
	prog = NULL;
	rc = 0;
out:
	free(prog);
	close(fd);
	return rc;
}

int scp_install(const struct sock_fprog *prog, int *listener)
{
	long fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		     listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, prog);
	if (fd < 0)
		return -1;
	if (listener)
		*listener = (int)fd;
	return 0;
}

int sbx_confine_worker(struct err *e)
{
	return scp_load(SBX_PROFILE_GRADER, NULL, e);
}
