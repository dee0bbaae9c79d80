/* labchan: lies through the lab channel (HOSTILE P1).  Each attempt talks
 * to the supervisor's socket directly, as a hostile candidate would rather
 * than through `lab`, and reports what came back: a huge line, junk
 * bytes, a request split over a second line, forged records, a silent
 * connection, many connections at once, the socket replaced, and finally
 * two submissions.  The supervisor's records must be unmoved. */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "probe.h"

#define SOCK "/opt/labrun/channel/lab.sock"

static int dial(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", SOCK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send len bytes, read the answer's first line into out. */
static int exchange(const char *name, const void *msg, size_t len, char *out,
		    size_t size)
{
	size_t got = 0, off = 0;
	ssize_t n;
	int fd = dial();

	out[0] = 0;
	if (fd < 0) {
		report(name, -1);
		return -1;
	}
	while (off < len) {
		n = send(fd, (const char *)msg + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the supervisor stopped reading: fine */
		off += (size_t)n;
	}
	while (got < size - 1 && (n = read(fd, out + got, size - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(fd);
	out[strcspn(out, "\n")] = 0;
	printf("%s answer=%s\n", name, out[0] ? out : "(none)");
	return 0;
}

int main(void)
{
	char out[4096], *big;
	int fds[64], i, n;
	struct pollfd p;

	/* Each line goes out as it is made: the submission ends the session
	 * at once, and nothing may wait in a buffer for an exit that the
	 * end of the session never lets come. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	big = malloc(1 << 20);
	if (!big)
		return 1;
	memset(big, 'A', 1 << 20);
	exchange("huge", big, 1 << 20, out, sizeof out);
	exchange("junk", "\x01\xff\x00status\n", 10, out, sizeof out);
	exchange("two-lines", "status\nsubmit\n", 14, out, sizeof out);
	exchange("forged-hints", "hints-used 0\n", 13, out, sizeof out);
	exchange("forged-score", "score 1000\n", 11, out, sizeof out);
	exchange("hint-then-args", "hint 3\n", 7, out, sizeof out);
	exchange("hint", "hint\n", 5, out, sizeof out);
	exchange("hint-again", "hint\n", 5, out, sizeof out);
	/* A connection that never speaks is closed by the supervisor. */
	i = dial();
	p.fd = i;
	p.events = POLLIN;
	n = i < 0 ? -1 : poll(&p, 1, 3000);
	printf("silent %s\n", n == 1 ? "closed" : "left open");
	if (i >= 0)
		close(i);
	/* Many at once: the session goes on. */
	for (i = 0; i < 64; i++)
		fds[i] = dial();
	for (i = 0; i < 64; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	exchange("after-flood", "time-short\n", 11, out, sizeof out);
	report("unlink-socket", unlink(SOCK));
	report("move-socket", rename(SOCK, "/opt/labrun/channel/moved"));
	report("chmod-socket", chmod(SOCK, 0));
	exchange("submit", "submit\n", 7, out, sizeof out);
	n = dial();
	report("submit-again", n);
	fflush(stdout);
	return 0;
}
