/* lab: the lab channel's supervisor side: the listening socket the
 * sandbox sees read-only, and its connections, one bounded line each,
 * served from the supervisor's loop.  What a session request means is the
 * runner's (sbx_hooks.lab); the services' requests are services.c's. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/sandbox.h"
#include "sandbox/sbx_int.h"

/* The lab channel: a socket the supervisor listens on, in a directory of
 * its own that the sandbox sees read-only at SBX_LAB_SOCKET's place.  The
 * candidate can connect, not remove or replace it. */
int lab_listen(struct sbx *s, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[PATH_MAX + 16], mnt[PATH_MAX * 2];
	int fd;

	snprintf(dir, sizeof dir, "%s/channel", s->wd);
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/lab.sock", dir) >=
	    sizeof sa.sun_path)
		return err_set(e, ERR_HOST, "%s: path too long for a socket", dir);
	if (mkdir(dir, 0755) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    chmod(sa.sun_path, 0666) < 0 || listen(fd, 8) < 0) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, ERR_HOST, errno, "the lab channel %s", sa.sun_path);
	}
	s->lab_fd = fd;
	snprintf(mnt, sizeof mnt, "%s/opt/labrun/channel", s->root);
	return rootfs_bind_ro(dir, mnt, e);
}

void lab_close(struct lab_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->got = 0;
}

/* A free slot, or -1. */
int lab_free(const struct lab_conn *conns)
{
	int i;

	for (i = 0; i < SBX_LAB_CONNS; i++)
		if (conns[i].fd < 0)
			return i;
	return -1;
}

/* Take waiting connections while there is room; the rest wait in the
 * listen backlog (and beyond it, their connect waits). */
void lab_accept(int lfd, struct lab_conn *conns)
{
	int i, c;

	while ((i = lab_free(conns)) >= 0 &&
	       (c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		conns[i].fd = c;
		conns[i].got = 0;
		conns[i].deadline = time_mono_ms() + SBX_LAB_MS;
	}
}

enum sbx_lab_kind sbx_lab_parse(char *buf, size_t got,
				struct sbx_lab_request *req)
{
	char *nl = memchr(buf, '\n', got < SBX_LAB_MAX ? got : SBX_LAB_MAX);

	if (!nl)
		return got < SBX_LAB_MAX ? SBX_LAB_MORE : SBX_LAB_TOO_LONG;
	*nl = 0;
	req->line = buf;
	req->name = NULL;
	if (!strncmp(buf, "restart ", 8)) {
		req->name = buf + 8;
		return SBX_LAB_RESTART;
	}
	if (!strncmp(buf, "service ", 8)) {
		req->name = buf + 8;
		return SBX_LAB_SERVICE;
	}
	return strcmp(buf, "services") ? SBX_LAB_SESSION : SBX_LAB_SERVICES;
}

/* Read from a connection; once its line is whole (or too long), answer
 * and close.  Returns what the hook returned (1: end the session). */
int lab_read(struct sbx *s, struct lab_conn *c, const struct sbx_hooks *h,
	     int64_t t_us)
{
	struct sbx_lab_request req;
	enum sbx_lab_kind kind;
	char resp[SBX_LAB_RESP];
	size_t len = 0;
	ssize_t n;
	int rc = 0;

	n = read(c->fd, c->buf + c->got, SBX_LAB_MAX - c->got);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		lab_close(c);
		return 0;
	}
	c->got += (size_t)n;
	kind = sbx_lab_parse(c->buf, c->got, &req);
	if (kind == SBX_LAB_MORE)
		return 0;
	if (kind == SBX_LAB_TOO_LONG) {
		len = (size_t)snprintf(resp, sizeof resp,
				       "error: a request is one line of at most %d bytes\n",
				       SBX_LAB_MAX - 1);
	} else {
		/* the services are the sandbox's; the rest is the session's */
		if (kind != SBX_LAB_SESSION)
			svc_lab(s, kind, req.name, resp, sizeof resp, &len, time_mono_ms());
		else
			rc = h->lab ? h->lab(h->ctx, t_us, req.line, resp, sizeof resp, &len) : 0;
		if (len > sizeof resp)
			len = sizeof resp;
	}
	(void)!send(c->fd, resp, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	lab_close(c);
	return rc;
}
