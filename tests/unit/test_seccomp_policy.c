/* test_seccomp_policy: the compiled seccomp profiles are pinned: each is
 * exported as libseccomp's pseudo filter code and compared with
 * tests/golden/seccomp/PROFILE.pfc, so any change to a policy shows in
 * review as a diff.  UPDATE_GOLDEN=1 rewrites the files.  Also checks
 * that the binary program is stable and loads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_policy.h"
#include "tests/unit/tap.h"

static int text_of(enum sbx_profile p, struct buf *out)
{
	unsigned char chunk[4096];
	struct err e = {0};
	ssize_t n;
	int fd = memfd_create("pfc", MFD_CLOEXEC);

	if (fd < 0 || scp_export_text(p, fd, &e) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_append(out, chunk, (size_t)n, NULL);
	close(fd);
	return 0;
}

static void pin(enum sbx_profile p, const char *name)
{
	struct buf now = BUF_INIT, golden = BUF_INIT;
	const char *top = getenv("TOP");
	char path[4096];
	struct err e = {0};

	snprintf(path, sizeof path, "%s/tests/golden/seccomp/%s.pfc",
		 top ? top : ".", name);
	ok(text_of(p, &now) == 0 && now.len > 0, "%s: exported", name);
	if (getenv("UPDATE_GOLDEN"))
		write_file_atomic(path, now.data, now.len, 0644, &e);
	if (read_file_bounded(path, 1u << 22, &golden, &e) < 0) {
		ok(0, "%s: %s", name, e.msg);
	} else {
		ok(golden.len == now.len && !memcmp(golden.data, now.data, now.len),
		   "%s: the compiled policy matches tests/golden/seccomp/%s.pfc "
		   "(a change to a profile: review, then UPDATE_GOLDEN=1)",
		   name, name);
	}
	buf_release(&now);
	buf_release(&golden);
}

int main(void)
{
	struct sock_fprog a = {0}, b = {0};
	struct err e = {0};
	pid_t pid;
	int status;

	pin(SBX_PROFILE_CANDIDATE, "candidate");
	pin(SBX_PROFILE_SERVICE, "service");
#ifdef LABRUN_SANITIZED
	/* make check adds what the sanitizer runtime needs to the worker's
	 * list (marked in seccomp_policy.c): pinned separately. */
	pin(SBX_PROFILE_GRADER, "grader-sanitized");
#else
	pin(SBX_PROFILE_GRADER, "grader");
#endif
	ok(scp_compile(SBX_PROFILE_CANDIDATE, 0, &a, &e) == 0 &&
		   scp_compile(SBX_PROFILE_CANDIDATE, 0, &b, &e) == 0 && a.len == b.len &&
		   !memcmp(a.filter, b.filter, a.len * sizeof *a.filter),
	   "the candidate program compiles to the same bytes twice (%u instructions)",
	   a.len);
	{
		struct sock_fprog emb, now;
		static const enum sbx_profile ps[] = {SBX_PROFILE_CANDIDATE,
						      SBX_PROFILE_SERVICE};
		size_t i;

		for (i = 0; i < 2; i++) {
			ok(scp_embedded(ps[i], &emb) == 0 &&
				   scp_compile(ps[i], 0, &now, &e) == 0 &&
				   emb.len == now.len &&
				   !memcmp(emb.filter, now.filter,
					   now.len * sizeof *now.filter),
			   "the program embedded at build time is what libseccomp compiles now (profile %zu)",
			   i);
			free(now.filter);
		}
	}
	/* Loads in a child: the listener comes back, a refused call fails
	 * with EPERM, a namespace clone flag is refused. */
	pid = fork();
	if (pid == 0) {
		int listener = -1;

		if (scp_install(&a, &listener) < 0 || listener < 0)
			_exit(10);
		/* Nobody serves the listener here: with it closed, notified
		 * calls (exit_group) fail with ENOSYS and _exit falls back to
		 * exit, which the profile allows. */
		close(listener);
		if (unshare(CLONE_NEWNS) == 0 || errno != EPERM)
			_exit(11);
		if (syscall(SYS_clone3, NULL, 0) == 0 || errno != ENOSYS)
			_exit(12);
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		   WEXITSTATUS(status) == 0,
	   "the program loads and refuses what it should (status %d)", status);
	free(a.filter);
	free(b.filter);
	return tap_done();
}
