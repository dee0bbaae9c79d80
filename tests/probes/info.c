/* info: run as the candidate inside a sandbox, looks for what it must not
 * see or reach (HOSTILE.md rows G1-G4, H1, I1, P2) and prints one line per
 * attempt: "NAME errno=ENAME", "NAME ok" or "NAME VALUE".
 *
 *   info all HOST_IP NAMESERVER HOST_PORT HOST_ABSTRACT
 *       the environment, descriptors, kernel information, the network
 *       and writes to /proc;
 *   info search HALF1 HALF2 [HALF1 HALF2 ...]
 *       walks / (not /proc) for the names of the grader's, the solutions'
 *       and the supervisor's files, and every regular file outside /usr
 *       for each string HALF1HALF2 (given in halves, so that the script
 *       that runs this probe does not hold the string it looks for;
 *       "hex:..." spells bytes);
 *   info g3-hold NAME / info g3-peek NAME
 *       one session binds the abstract socket @NAME, leaves a file in
 *       /dev/shm and waits (until SIGUSR1 or 60 s); another looks for
 *       them, and for the first session's processes.
 *
 * It only ever runs inside a labrun sandbox. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "probe.h"

#define MAX_NEEDLES 8
#define MAX_READ (64u << 20) /* bytes of one file searched */


static void open_report(const char *name, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);

	report(name, fd);
	if (fd >= 0)
		close(fd);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- all ---------------------------------------------------------- */

static void env_and_fds(char **envp)
{
	char *names[64], list[1024] = "";
	size_t n = 0, i, used = 0;
	struct dirent *de;
	DIR *d;

	for (; *envp && n < 64; envp++)
		names[n++] = *envp;
	qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		size_t len = strcspn(names[i], "=");
		int w = snprintf(list + used, sizeof list - used, "%s%.*s",
				 i ? "," : "", (int)len, names[i]);

		if (w > 0 && (size_t)w < sizeof list - used)
			used += (size_t)w;
		if (!strncmp(names[i], "PATH=", 5))
			printf("env-path %s\n", names[i] + 5);
	}
	printf("env-names %s\n", list);
	d = opendir("/proc/self/fd");
	used = 0;
	list[0] = 0;
	while (d && (de = readdir(d))) {
		int w;

		if (de->d_name[0] == '.' || strtol(de->d_name, NULL, 10) == dirfd(d))
			continue;
		w = snprintf(list + used, sizeof list - used, "%s%s",
			     used ? "," : "", de->d_name);
		if (w > 0 && (size_t)w < sizeof list - used)
			used += (size_t)w;
	}
	if (d)
		closedir(d);
	printf("fds %s\n", list);
}

static void proc1(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open("/proc/1/environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report("proc1-environ", -1);
	} else {
		n = read(fd, buf, sizeof buf);
		if (n < 0)
			report("proc1-environ-read", -1);
		else
			printf("proc1-environ-bytes %zd\n", n);
		close(fd);
	}
	open_report("proc1-fd", "/proc/1/fd/", O_RDONLY | O_DIRECTORY);
}

static void kernel_info(void)
{
	char line[512];
	unsigned long lines = 0, nonzero = 0;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f) {
		report("kallsyms", -1);
	} else {
		while (fgets(line, sizeof line, f)) {
			lines++;
			if (strtoull(line, NULL, 16) != 0)
				nonzero++;
		}
		fclose(f);
		printf("kallsyms-lines %s\n", lines ? "some" : "none");
		printf("kallsyms-nonzero-addresses %lu\n", nonzero);
	}
	f = fopen("/proc/modules", "r");
	if (f) {
		nonzero = 0;
		while (fgets(line, sizeof line, f)) {
			char *p = strstr(line, " 0x");

			if (p && strtoull(p + 1, NULL, 16) != 0)
				nonzero++;
		}
		fclose(f);
		printf("modules-nonzero-addresses %lu\n", nonzero);
	}
	report("syslog-read-all", syscall(SYS_syslog, 3, line, (int)sizeof line));
	report("syslog-size-buffer", syscall(SYS_syslog, 10, NULL, 0));
	report("syslog-console-off", syscall(SYS_syslog, 6, NULL, 0));
	open_report("proc-kmsg", "/proc/kmsg", O_RDONLY);
	open_report("proc-kcore", "/proc/kcore", O_RDONLY);
	open_report("dev-kmsg", "/dev/kmsg", O_RDONLY);
	open_report("dev-mem", "/dev/mem", O_RDONLY);
	open_report("sys", "/sys", O_RDONLY | O_DIRECTORY);
	open_report("sys-kernel", "/sys/kernel", O_RDONLY | O_DIRECTORY);
}

static void try_connect(const char *name, int family, int type,
			const void *sa, socklen_t len)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	long rc = fd;

	if (fd >= 0)
		rc = connect(fd, sa, len);
	report(name, rc);
	if (fd >= 0)
		close(fd);
}

static void connect4(const char *name, int type, const char *ip, int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	try_connect(name, AF_INET, type, &sa, sizeof sa);
}

static void sendto4(const char *name, const char *ip, int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long rc = fd;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (fd >= 0)
		rc = sendto(fd, "\0\1\1\0\0\1\0\0\0\0\0\0", 12, 0, (void *)&sa, sizeof sa);
	report(name, rc);
	if (fd >= 0)
		close(fd);
}

static socklen_t abstract_addr(struct sockaddr_un *sa, const char *name)
{
	size_t n = strlen(name);

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (n > sizeof sa->sun_path - 1)
		n = sizeof sa->sun_path - 1;
	memcpy(sa->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static const char *eai_name(int rc)
{
	switch (rc) {
	case 0: return "ok";
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_NODATA: return "EAI_NODATA";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
	default: return "EAI_?";
	}
}

static void network(const char *host_ip, const char *ns_ip, int host_port,
		    const char *host_abstract)
{
	struct sockaddr_in6 s6;
	struct sockaddr_un su;
	struct sockaddr_in lo;
	struct addrinfo hints, *res = NULL;
	char line[256], list[256] = "";
	size_t used = 0;
	socklen_t len;
	FILE *f;
	int rc, ls;

	connect4("connect-1.1.1.1-53", SOCK_STREAM, "1.1.1.1", 53);
	connect4("connect-udp-1.1.1.1-53", SOCK_DGRAM, "1.1.1.1", 53);
	sendto4("sendto-dns-1.1.1.1", "1.1.1.1", 53);
	sendto4("sendto-dns-8.8.8.8", "8.8.8.8", 53);
	memset(&s6, 0, sizeof s6);
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons(53);
	inet_pton(AF_INET6, "2606:4700:4700::1111", &s6.sin6_addr);
	try_connect("connect6-outside", AF_INET6, SOCK_STREAM, &s6, sizeof s6);
	if (host_ip && *host_ip)
		connect4("connect-host-ip", SOCK_STREAM, host_ip, host_port);
	if (ns_ip && *ns_ip)
		sendto4("sendto-host-nameserver", ns_ip, 53);
	connect4("connect-host-port-on-loopback", SOCK_STREAM, "127.0.0.1", host_port);
	len = abstract_addr(&su, host_abstract);
	try_connect("connect-host-abstract", AF_UNIX, SOCK_STREAM, &su, len);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo("example.com", "80", &hints, &res);
	printf("getaddrinfo-example.com %s\n", eai_name(rc));
	if (!rc)
		freeaddrinfo(res);
	rc = getaddrinfo("deb.debian.org", "80", &hints, &res);
	printf("getaddrinfo-deb.debian.org %s\n", eai_name(rc));
	if (!rc)
		freeaddrinfo(res);
	f = fopen("/proc/net/dev", "r");
	while (f && fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':'), *p = line;
		int w;

		if (!colon)
			continue;
		*colon = 0;
		while (*p == ' ')
			p++;
		w = snprintf(list + used, sizeof list - used, "%s%s",
			     used ? "," : "", p);
		if (w > 0 && (size_t)w < sizeof list - used)
			used += (size_t)w;
	}
	if (f)
		fclose(f);
	printf("interfaces %s\n", list);
	/* Loopback itself works: a listener and a client in the sandbox. */
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&lo, 0, sizeof lo);
	lo.sin_family = AF_INET;
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof lo;
	if (ls < 0 || bind(ls, (void *)&lo, sizeof lo) < 0 || listen(ls, 1) < 0 ||
	    getsockname(ls, (void *)&lo, &len) < 0)
		report("loopback-listen", -1);
	else
		try_connect("loopback-connect", AF_INET, SOCK_STREAM, &lo, len);
	if (ls >= 0)
		close(ls);
}

static void proc_writes(void)
{
	open_report("write-proc-hostname", "/proc/sys/kernel/hostname", O_WRONLY);
	open_report("write-core-pattern", "/proc/sys/kernel/core_pattern", O_WRONLY);
	open_report("write-sysrq-trigger", "/proc/sysrq-trigger", O_WRONLY);
	open_report("write-drop-caches", "/proc/sys/vm/drop_caches", O_WRONLY);
	open_report("write-modprobe", "/proc/sys/kernel/modprobe", O_WRONLY);
	open_report("write-sys-uevent-helper", "/sys/kernel/uevent_helper", O_WRONLY);
	open_report("write-proc-self-oom-adj", "/proc/self/oom_score_adj", O_WRONLY);
}

/* ---- search ------------------------------------------------------- */

/* Names that must not be found; the last one is the test's control, a
 * file the scenario does put in the sandbox. */
static const char *const secret_names[] = {
	"grade.lua", "keys.json", "reference.sh", "wrong-only-answer.sh",
	"hints.md", "issuer.key", "session.cast", "commands.jsonl",
	"SHA256SUMS", "labrun-g1-control", NULL,
};

struct search {
	char *needles[MAX_NEEDLES];
	size_t lens[MAX_NEEDLES];
	size_t n;
	unsigned long files, dirs;
	char *buf;
};

static void search_file(struct search *s, int dfd, const char *name,
			const char *path, const struct stat *st)
{
	size_t got = 0, i;
	ssize_t r;
	int fd;

	if (st->st_size <= 0)
		return;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		printf("search-unreadable %s errno=%s\n", path, ename(errno));
		return;
	}
	while (got < MAX_READ && (r = read(fd, s->buf + got, MAX_READ - got)) > 0)
		got += (size_t)r;
	close(fd);
	s->files++;
	for (i = 0; i < s->n; i++)
		if (memmem(s->buf, got, s->needles[i], s->lens[i]))
			printf("found-content %s needle=%zu\n", path, i + 1);
}

static void walk(struct search *s, int dfd, const char *path, int in_usr)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;
	int fd;
	const char *const *n;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		printf("search-unreadable %s errno=%s\n", path, ename(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	s->dirs++;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", path,
			 path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
		if (!strcmp(sub, "/proc"))
			continue;
		for (n = secret_names; *n; n++)
			if (!strcmp(de->d_name, *n))
				printf("found-name %s\n", sub);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int cfd = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (cfd < 0) {
				printf("search-unreadable %s errno=%s\n", sub, ename(errno));
				continue;
			}
			walk(s, cfd, sub, in_usr || !strcmp(sub, "/usr"));
			close(cfd);
		} else if (S_ISREG(st.st_mode) && !in_usr) {
			search_file(s, dirfd(d), de->d_name, sub, &st);
		}
	}
	closedir(d);
}

/* "hex:HEXDIGITS" becomes the bytes it spells, in place; returns their
 * count. */
static size_t unhex(char *s)
{
	const char *p = s + 4;
	size_t n = 0;
	unsigned v;

	while (p[0] && p[1] && sscanf(p, "%2x", &v) == 1) {
		s[n++] = (char)v;
		p += 2;
	}
	return n;
}

static int search(int argc, char **argv)
{
	struct search s;
	int i, root;

	memset(&s, 0, sizeof s);
	for (i = 2; i + 1 < argc && s.n < MAX_NEEDLES; i += 2) {
		size_t a = strlen(argv[i]), b = strlen(argv[i + 1]);

		s.needles[s.n] = malloc(a + b + 1);
		if (!s.needles[s.n])
			return 1;
		memcpy(s.needles[s.n], argv[i], a);
		memcpy(s.needles[s.n] + a, argv[i + 1], b + 1);
		s.lens[s.n] = a + b;
		if (!strncmp(s.needles[s.n], "hex:", 4))
			s.lens[s.n] = unhex(s.needles[s.n]);
		s.n++;
	}
	s.buf = malloc(MAX_READ);
	root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!s.buf || root < 0)
		return 1;
	walk(&s, root, "/", 0);
	printf("search-needles %zu\n", s.n);
	printf("search-done %s\n", s.files > 10 && s.dirs > 10 ? "many" : "few");
	return 0;
}

/* ---- g3 ----------------------------------------------------------- */

static volatile sig_atomic_t woken;

static void on_signal(int sig)
{
	(void)sig;
	woken = 1;
}

static int g3_hold(const char *name)
{
	struct sigaction sa;
	struct sockaddr_un su;
	socklen_t len = abstract_addr(&su, name);
	int ls, fd, c;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	fd = open("/dev/shm/labrun-g3", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	report("g3-shm-create", fd);
	if (fd >= 0)
		close(fd);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	report("g3-bind", ls < 0 ? -1 : bind(ls, (void *)&su, len));
	report("g3-listen", listen(ls, 4));
	alarm(60);
	c = accept(ls, NULL, NULL);
	if (c >= 0)
		printf("g3-accepted a connection\n");
	else
		printf("g3-accepted none (%s)\n", woken ? "woken" : ename(errno));
	return 0;
}

static int g3_peek(const char *name)
{
	struct sockaddr_un su;
	socklen_t len = abstract_addr(&su, name);
	struct dirent *de;
	char path[300], cmd[256];
	unsigned long pids = 0, foreign = 0;
	struct stat st;
	DIR *d;
	int fd;

	report("g3-shm-marker", stat("/dev/shm/labrun-g3", &st));
	try_connect("g3-connect", AF_UNIX, SOCK_STREAM, &su, len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	report("g3-bind-same-name", fd < 0 ? -1 : bind(fd, (void *)&su, len));
	if (fd >= 0)
		close(fd);
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		ssize_t n, i;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		pids++;
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, cmd, sizeof cmd - 1);
		close(fd);
		for (i = 0; i < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[n > 0 ? n : 0] = 0;
		if (strstr(cmd, "g3-hold"))
			foreign++;
	}
	if (d)
		closedir(d);
	printf("g3-foreign-processes %lu\n", foreign);
	printf("g3-visible-processes %lu\n", pids);
	return 0;
}

static int shm_entries(void)
{
	struct dirent *de;
	DIR *d = opendir("/dev/shm");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int main(int argc, char **argv, char **envp)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "search"))
		return search(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "g3-hold")) {
		printf("shm-entries %d\n", shm_entries());
		return g3_hold(argv[2]);
	}
	if (argc == 3 && !strcmp(argv[1], "g3-peek")) {
		printf("shm-entries %d\n", shm_entries());
		return g3_peek(argv[2]);
	}
	if (argc == 6 && !strcmp(argv[1], "all")) {
		env_and_fds(envp);
		proc1();
		printf("shm-entries %d\n", shm_entries());
		kernel_info();
		network(argv[2], argv[3], (int)strtol(argv[4], NULL, 10), argv[5]);
		proc_writes();
		printf("end\n");
		return 0;
	}
	fprintf(stderr, "usage: info all HOST_IP NAMESERVER HOST_PORT HOST_ABSTRACT | "
			"info search HALF1 HALF2 ... | info g3-hold NAME | info g3-peek NAME\n");
	return 2;
}
