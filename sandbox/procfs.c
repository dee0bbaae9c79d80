/* procfs: what the supervisor reads in /proc about the sandbox's
 * processes: small files, /proc/PID/stat fields, a process's pid inside
 * the sandbox, the pid behind a pidfd, a service's session members.  It
 * signals nothing itself. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "sandbox/sbx_int.h"

/* A small /proc file (one read), NUL-terminated in buf: 0, or -1 when the
 * process it describes is gone. */
int proc_read(const char *path, char *buf, size_t size)
{
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	r = read(fd, buf, size - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = 0;
	return 0;
}

/* Field n of /proc/PID/stat counted after "(comm)" (1 the state, 4 the
 * session, 12 utime, 13 stime), in buf; NULL when the process is gone. */
const char *proc_stat_field(const char *pid, int n, char *buf,
			    size_t size)
{
	char path[300];
	char *p;
	int field;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if (proc_read(path, buf, size) < 0)
		return NULL;
	p = strrchr(buf, ')');
	for (field = 0; p && field < n; field++)
		p = strchr(p + 1, ' ');
	return p ? p + 1 : NULL;
}

int proc_ns_pid(int host_pid)
{
	char path[64], buf[1024], *p, *line;
	int last = -1;

	snprintf(path, sizeof path, "/proc/%d/status", host_pid);
	if (proc_read(path, buf, sizeof buf) < 0)
		return -1;
	line = strstr(buf, "\nNSpid:");
	if (!line)
		return -1;
	for (p = line + 7; *p && *p != '\n';) {
		char *end;
		long v;

		while (*p == ' ' || *p == '\t')
			p++;
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		last = (int)v;
		p = end;
	}
	return last;
}

/* The host pid behind a pidfd, or -1 once the process is gone. */
pid_t proc_pidfd_pid(int pidfd)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
	if (proc_read(path, buf, sizeof buf) < 0)
		return -1;
	p = strstr(buf, "\nPid:");
	return p ? (pid_t)strtol(p + 5, NULL, 10) : -1;
}

/* Whether host process pid is in the sandbox's pid namespace: a session
 * id outlives its leader, and a number freed in the sandbox may name a
 * host process's session next. */
static int in_sandbox(const struct sbx *s, const char *pid)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof path, "/proc/%s/ns/pid", pid);
	return stat(path, &st) == 0 && st.st_ino == s->pidns_ino &&
	       st.st_dev == s->pidns_dev;
}

/* The processes of session sid (host pids) in the sandbox: a service and
 * what it started, since a service calls setsid. */
size_t proc_session_members(const struct sbx *s, pid_t sid, pid_t *out,
			    size_t max)
{
	char buf[512];
	const char *f;
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		f = proc_stat_field(de->d_name, 4, buf, sizeof buf);
		if (f && (pid_t)strtol(f, NULL, 10) == sid && in_sandbox(s, de->d_name))
			out[n++] = (pid_t)strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	return n;
}
