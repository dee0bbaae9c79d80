/* notify: seccomp user notifications, served by the supervisor: every
 * exec of the candidate's processes (path and argv read from their
 * memory), their starts and exits, and the calls a fault plan traps (the
 * file or port they name, the hook's verdict, held calls).  It decides
 * nothing of its own: the hooks do. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "sandbox/sandbox.h"
#include "sandbox/sbx_int.h"
#include "sandbox/seccomp_policy.h"

/* Reading the calling process's memory: process_vm_readv, one call for
 * what took an open of /proc/PID/mem, a pread a pointer or a string and a
 * close.  The kernel checks the same access as for /proc/PID/mem (the
 * supervisor is root outside the sandbox's user namespace), and the
 * caller checks afterwards that the notification is still live, as
 * before: what was read belongs to the process that waits in the call. */
#define VM_PAGE 4096u
#define VM_MAX_SEGS 16 /* remote pieces in one read: 15 pages and a bit */
#define STR_CHUNK 128u /* first bytes of each argument, read in one go */

static uint64_t page_left(uint64_t addr)
{
	return VM_PAGE - (addr & (VM_PAGE - 1));
}

/* Read len bytes at addr of process pid into out: the bytes read before
 * the first one that is not mapped, or -1 when none.  The remote range
 * is cut at page boundaries, so that an unmapped page ends the read
 * there rather than failing all of it. */
static ssize_t peek(int pid, uint64_t addr, void *out, size_t len)
{
	struct iovec local = {out, len}, remote[VM_MAX_SEGS];
	unsigned long nseg = 0;
	uint64_t a = addr;
	size_t left = len;
	ssize_t n;

	while (left && nseg < VM_MAX_SEGS) {
		size_t piece = page_left(a) < left ? (size_t)page_left(a) : left;

		remote[nseg].iov_base = (void *)(uintptr_t)a;
		remote[nseg].iov_len = piece;
		nseg++;
		a += piece;
		left -= piece;
	}
	local.iov_len = len - left;
	n = process_vm_readv(pid, &local, 1, remote, nseg, 0);
	return n <= 0 ? -1 : n;
}

/* A NUL-terminated string at addr, at most max bytes; returns its length
 * or -1.  *cut says whether it was longer. */
static ssize_t peek_str(int pid, uint64_t addr, char *out, size_t max,
			int *cut)
{
	size_t got = 0;
	ssize_t n;
	char *nul;

	*cut = 0;
	while (got < max) {
		size_t want = max - got < 1024 ? max - got : 1024;

		n = peek(pid, addr + got, out + got, want);
		if (n <= 0) {
			if (!got)
				return -1;
			/* what was readable, ended where the memory ends */
			if (got == max)
				break;
			out[got] = 0;
			return (ssize_t)got;
		}
		nul = memchr(out + got, 0, (size_t)n);
		if (nul)
			return nul - out;
		got += (size_t)n;
	}
	*cut = 1;
	out[max - 1] = 0;
	return (ssize_t)(max - 1);
}

/* The first bytes of each string ptr[0..n) in one read, into x->scratch
 * one after the other: got[k] is how many of string k's are there (0:
 * it is read on its own, by take_str). */
static void peek_firsts(int pid, const uint64_t *ptr, size_t n,
			struct exec_read *x, unsigned short *got)
{
	struct iovec local = {x->scratch, 0}, remote[ARGV_MAX_ARGS + 2];
	size_t k, nseg = 0;
	ssize_t r;

	for (k = 0; k < n; k++)
		got[k] = 0;
	for (k = 0; k < n && k < ARGV_MAX_ARGS + 2; k++) {
		size_t len = page_left(ptr[k]) < STR_CHUNK ? (size_t)page_left(ptr[k])
							   : STR_CHUNK;

		if (local.iov_len + len > sizeof x->scratch)
			break;
		remote[nseg].iov_base = (void *)(uintptr_t)ptr[k];
		remote[nseg].iov_len = len;
		nseg++;
		local.iov_len += len;
	}
	if (!nseg)
		return;
	/* Each piece lies within one page: a piece is read whole, or the
	 * read ends before it. */
	r = process_vm_readv(pid, &local, 1, remote, nseg, 0);
	for (k = 0; r > 0 && k < nseg; k++) {
		if ((size_t)r < remote[k].iov_len)
			break;
		got[k] = (unsigned short)remote[k].iov_len;
		r -= (ssize_t)remote[k].iov_len;
	}
}

/* String k, first from its bytes in the scratch, else read on its own
 * (the same bounds and the same cut as peek_str). */
static ssize_t take_str(int pid, uint64_t addr, const char *first,
			size_t nfirst, char *out, size_t max, int *cut)
{
	const char *nul = nfirst ? memchr(first, 0, nfirst) : NULL;
	size_t len;

	if (!nul || !max)
		return peek_str(pid, addr, out, max, cut);
	len = (size_t)(nul - first);
	*cut = len + 1 > max;
	if (*cut)
		len = max - 1;
	memcpy(out, first, len);
	out[len] = 0;
	return (ssize_t)len;
}

static void read_exec(int host_pid, uint64_t path_addr, uint64_t argv_addr,
		      struct exec_read *x)
{
	uint64_t ptr[ARGV_MAX_ARGS + 2];
	unsigned short got[ARGV_MAX_ARGS + 2];
	size_t used = 0, i, nptr, off;
	ssize_t n;
	int cut;

	x->path[0] = 0;
	x->argv[0] = NULL;
	x->cut = 0;
	/* The pointers: argv[0..ARGV_MAX_ARGS], the last only to know
	 * whether there were more. */
	n = peek(host_pid, argv_addr, ptr + 1, sizeof ptr - sizeof ptr[0]);
	nptr = n > 0 ? (size_t)n / 8 : 0;
	for (i = 0; i < nptr && i < ARGV_MAX_ARGS; i++)
		if (!ptr[i + 1])
			break;
	/* the path first, then the arguments: their first bytes in one read */
	ptr[0] = path_addr;
	peek_firsts(host_pid, ptr, i + 1, x, got);
	off = got[0];
	if (take_str(host_pid, path_addr, x->scratch, got[0], x->path,
		     sizeof x->path, &cut) < 0)
		x->path[0] = 0;
	for (i = 0; i < ARGV_MAX_ARGS; i++) {
		if (i >= nptr || !ptr[i + 1])
			break;
		if (used >= sizeof x->strings - 1) {
			x->cut = 1;
			break;
		}
		n = take_str(host_pid, ptr[i + 1], x->scratch + off, got[i + 1],
			     x->strings + used, sizeof x->strings - used, &cut);
		off += got[i + 1];
		if (n < 0)
			break;
		x->argv[i] = x->strings + used;
		used += (size_t)n + 1;
		if (cut) {
			x->cut = 1;
			i++;
			break;
		}
	}
	if (i == ARGV_MAX_ARGS && nptr > ARGV_MAX_ARGS && ptr[ARGV_MAX_ARGS + 1])
		x->cut = 1;
	x->argv[i] = NULL;
}

/* Answer notification id: the call goes on (err 0) or fails with err. */
static int reply(int listener, struct notif_bufs *nb, uint64_t id, int err)
{
	struct seccomp_notif_resp *resp = nb->resp;

	memset(resp, 0, nb->resp_size);
	resp->id = id;
	if (err)
		resp->error = -err;
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

/* Let the held calls that are due go on; the next due time, or INT64_MAX. */
int64_t notif_release_held(struct notif_bufs *nb, int64_t now_ms)
{
	int64_t next = INT64_MAX;
	size_t i = 0;

	while (i < nb->nheld) {
		struct held *h = &nb->held[i];

		if (h->due_ms <= now_ms) {
			/* A process killed meanwhile took its call along. */
			(void)reply(h->listener, nb, h->id, 0);
			*h = nb->held[--nb->nheld];
			continue;
		}
		if (h->due_ms < next)
			next = h->due_ms;
		i++;
	}
	return next;
}

int notif_alloc(struct notif_bufs *nb, struct err *e)
{
	struct seccomp_notif_sizes sz;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return err_sys(e, ERR_HOST, errno, "seccomp notification sizes");
	nb->req_size = sz.seccomp_notif > sizeof *nb->req ? sz.seccomp_notif
							  : sizeof *nb->req;
	nb->resp_size = sz.seccomp_notif_resp > sizeof *nb->resp
				? sz.seccomp_notif_resp : sizeof *nb->resp;
	nb->req = calloc(1, nb->req_size);
	nb->resp = calloc(1, nb->resp_size);
	if (!nb->req || !nb->resp)
		return err_set(e, ERR_HOST, "out of memory");
	nb->accept_family = sbx_trap_family_index("accept");
	return 0;
}

/* The file a trapped call names, seen from the calling process: its path
 * (relative to its cwd or a directory descriptor, resolved inside its
 * root) or its descriptor. */
static void call_file(int host_pid, const struct sbx_trap_call *tc,
		      const __u64 *args, struct sbx_file_id *id)
{
	char path[PATH_MAX], base[PATH_MAX], full[PATH_MAX * 2], link[64];
	struct stat st;
	ssize_t n;
	int cut, rootfd;

	memset(id, 0, sizeof *id);
	if (tc->fd >= 0) {
		snprintf(link, sizeof link, "/proc/%d/fd/%d", host_pid,
			 (int)args[(int)tc->fd]);
		if (stat(link, &st) == 0) {
			id->found = 1;
			id->dev = st.st_dev;
			id->ino = st.st_ino;
		}
		return;
	}
	if (tc->path < 0 ||
	    peek_str(host_pid, args[(int)tc->path], path, sizeof path, &cut) < 0 || cut)
		return;
	if (path[0] == '/') {
		snprintf(full, sizeof full, "%s", path);
	} else {
		int dfd = tc->dirfd >= 0 ? (int)args[(int)tc->dirfd] : AT_FDCWD;

		if (dfd == AT_FDCWD)
			snprintf(link, sizeof link, "/proc/%d/cwd", host_pid);
		else
			snprintf(link, sizeof link, "/proc/%d/fd/%d", host_pid, dfd);
		/* The kernel writes the process's own view of the path. */
		n = readlink(link, base, sizeof base - 1);
		if (n <= 0 || base[0] != '/')
			return;
		base[n] = 0;
		snprintf(full, sizeof full, "%s%s%s", base, path[0] ? "/" : "", path);
	}
	snprintf(link, sizeof link, "/proc/%d/root", host_pid);
	rootfd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	rootfs_file_id_at(rootfd, full, tc->nofollow, id);
	close(rootfd);
}

/* A call of a trap family: ask the hook, then let it go on, fail it, hand
 * back another file, or hold it for a while. */
static int handle_trap(int listener, int source, struct notif_bufs *nb,
		       int64_t t_us, const struct sbx_hooks *h, int family,
		       const struct sbx_trap_call *tc)
{
	struct seccomp_notif *req = nb->req;
	struct sbx_verdict v = {SBX_CALL_GO, 0, -1, 0};
	struct sbx_call c;
	char file[64], exe[PATH_MAX];
	ssize_t n;
	int rc;

	memset(&c, 0, sizeof c);
	c.family = family;
	c.name = tc->name;
	c.source = source;
	c.host_pid = (int)req->pid;
	c.port = -1;
	c.open_flags = -1;
	snprintf(file, sizeof file, "/proc/%d/exe", c.host_pid);
	n = readlink(file, exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	c.exe = exe;
	call_file(c.host_pid, tc, req->data.args, &c.file);
	if (tc->sockaddr) {
		unsigned char sa[4];

		if (peek(c.host_pid, req->data.args[1], sa, sizeof sa) == 4) {
			int fam = sa[0] | sa[1] << 8;

			if (fam == AF_INET || fam == AF_INET6)
				c.port = sa[2] << 8 | sa[3];
		}
	}
	if (tc->flags >= 0)
		c.open_flags = (int)req->data.args[(int)tc->flags];
	else if (!strcmp(tc->name, "creat"))
		c.open_flags = O_WRONLY | O_CREAT | O_TRUNC;
	/* Decide only for a caller that still waits in this call. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return 0;
	rc = h->call(h->ctx, t_us, &c, &v);
	switch (v.kind) {
	case SBX_CALL_FAIL:
		if (reply(listener, nb, req->id, v.err > 0 ? v.err : EIO) < 0)
			return -1;
		break;
	case SBX_CALL_FILE: {
		struct seccomp_notif_addfd add;

		memset(&add, 0, sizeof add);
		add.id = req->id;
		add.flags = SECCOMP_ADDFD_FLAG_SEND;
		add.srcfd = (uint32_t)v.fd;
		add.newfd_flags = c.open_flags >= 0 && (c.open_flags & O_CLOEXEC)
					  ? O_CLOEXEC : 0;
		if (v.fd < 0 || (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 &&
				 errno != ENOENT)) {
			if (v.fd >= 0)
				close(v.fd);
			return reply(listener, nb, req->id, EIO) < 0 ? -1 : rc;
		}
		close(v.fd);
		break;
	}
	case SBX_CALL_DELAY:
		if (v.delay_ms && nb->nheld < SBX_MAX_HELD) {
			nb->held[nb->nheld].listener = listener;
			nb->held[nb->nheld].id = req->id;
			nb->held[nb->nheld].due_ms = time_mono_ms() + v.delay_ms;
			nb->nheld++;
			break;
		}
		/* no room to hold it: it goes on now */
		__attribute__((fallthrough));
	case SBX_CALL_GO:
		if (reply(listener, nb, req->id, 0) < 0)
			return -1;
		break;
	}
	return rc;
}

/* One notification from the listener of source (-1 the candidate's, else
 * a service's): log it, apply the fault plan, let the call go on.
 * Returns what the hook returned (1: stop the session), or 0 when the
 * notification vanished. */
int notif_handle(int listener, int source, struct notif_bufs *nb,
		 int64_t t0_us, const struct sbx_hooks *h,
		 struct exec_read *x)
{
	struct seccomp_notif *req = nb->req;
	const struct sbx_trap_call *tc;
	int64_t t_us = time_mono_us() - t0_us;
	int rc = 0, nr, host_pid, family;

	memset(req, 0, nb->req_size);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -1;
	nr = req->data.nr;
	host_pid = (int)req->pid;
	family = scp_trap_call(nr, &tc);
	if (source >= 0 && source < SBX_MAX_SERVICES && family >= 0 &&
	    family == nb->accept_family) {
		size_t k = (size_t)source;

		nb->accepts[k]++;
		if (nb->hold_at[k] && nb->accepts[k] >= nb->hold_at[k] &&
		    nb->nheld < SBX_MAX_HELD) {
			/* A process fault waits for this many connections: the
			 * service waits in its next accept until the fault has
			 * fired (svc_fire_signals, then notif_release_held). */
			nb->held[nb->nheld].listener = listener;
			nb->held[nb->nheld].id = req->id;
			nb->held[nb->nheld].due_ms = time_mono_ms();
			nb->nheld++;
			nb->hold_at[k] = 0;
			return 0;
		}
	}
	if (family >= 0 && h->call)
		return handle_trap(listener, source, nb, t_us, h, family, tc);
	if (source >= 0) {
		/* a service's: only trapped calls are reported */
	} else if (nr == SYS_execve || nr == SYS_execveat) {
		struct sbx_exec ex;
		int at = nr == SYS_execveat;

		if (nb->execs++ == 0)
			nb->first_pid = host_pid;
		read_exec(host_pid, req->data.args[at], req->data.args[at + 1], x);
		/* What was read is only worth logging if the caller still
		 * waits in this very notification. */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0) {
			ex.pid = proc_ns_pid(host_pid);
			ex.host_pid = host_pid;
			ex.path = x->path[0] ? x->path : NULL;
			ex.argv = x->argv;
			ex.argv_truncated = x->cut;
			if (h->exec)
				rc = h->exec(h->ctx, t_us, &ex);
		}
	} else if (nr == SYS_set_tid_address) {
		char file[64];
		ssize_t n = -1;
		int fd;

		snprintf(file, sizeof file, "/proc/%d/cmdline", host_pid);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, x->strings, sizeof x->strings);
			close(fd);
		}
		if (n >= 0 && h->started &&
		    ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0)
			rc = h->started(h->ctx, t_us, host_pid, x->strings,
					(size_t)n, (size_t)n == sizeof x->strings);
	} else if (nr == SYS_exit_group) {
		if (h->exited)
			rc = h->exited(h->ctx, t_us, host_pid,
				       (int)(req->data.args[0] & 0xff));
	}
	if (reply(listener, nb, req->id, 0) < 0)
		return -1;
	return rc;
}

/* A reported call waits for the supervisor: ask the kernel to switch to
 * it and back on the same CPU rather than through the scheduler (Linux
 * 6.6; older kernels refuse the flag and take the longer way). */
void notif_sync_wake_up(int listener)
{
	(void)ioctl(listener, _IOW('!', 4, uint64_t), (uint64_t)1);
}
