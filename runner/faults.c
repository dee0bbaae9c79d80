/* faults: file faults of a scenario's plan (see faults.h).  Every path is
 * resolved beneath the extracted tree one component at a time without
 * following a link, so a plan cannot reach outside it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/evidence.h"
#include "runner/faults.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"

/* The directory that holds path's last component, and that component. */
static int open_parent(int root, const char *path, char *last, size_t size,
		       struct err *e)
{
	char rel[PATH_MAX], *p, *slash;
	int dir, next;

	if ((size_t)snprintf(rel, sizeof rel, "%s", path + 1) >= sizeof rel)
		return err_set(e, ERR_REFUSED, "%s: path too long", path);
	dir = dup(root);
	for (p = rel; dir >= 0 && (slash = strchr(p, '/')); p = slash + 1) {
		*slash = 0;
		next = openat(dir, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
		dir = next;
	}
	if (dir < 0)
		return err_sys(e, ERR_REFUSED, errno,
			       "%s: its directory is not in the scenario", path);
	if (strlen(p) >= size) {
		close(dir);
		return err_set(e, ERR_REFUSED, "%s: name too long", path);
	}
	memcpy(last, p, strlen(p) + 1);
	return dir;
}

/* length bytes that depend only on the seed and the fault. */
static void garbage(const char *seed_hex, const char *id, unsigned char *out,
		    size_t length)
{
	unsigned char block[32];
	char msg[256];
	size_t done = 0, n;
	unsigned long long i;
	int len;

	for (i = 0; done < length; i++) {
		len = snprintf(msg, sizeof msg, "labrun fault garbage\n%s\n%s\n%llu",
			       seed_hex, id, i);
		sha256_raw(msg, (size_t)len, block);
		n = length - done < sizeof block ? length - done : sizeof block;
		memcpy(out + done, block, n);
		done += n;
	}
}

static int apply_one(const struct fault *f, const struct tar_list *files,
		     int root, uid_t uid, const char *seed_hex, char *detail,
		     size_t dsize, struct err *e)
{
	const struct tar_entry *src;
	unsigned char *junk;
	char last[NAME_MAX + 1];
	int dir, fd = -1, rc = -1;
	ssize_t n;

	dir = open_parent(root, f->path, last, sizeof last, e);
	if (dir < 0)
		return -1;
	switch (f->kind) {
	case FAULT_FILE_REPLACE:
		src = tar_list_find(files, f->from);
		if (!src) {
			err_set(e, ERR_REFUSED, "%s is not in the scenario", f->from);
			break;
		}
		fd = openat(dir, last, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
					       O_CLOEXEC, 0644);
		if (fd < 0 || write_all(fd, src->data, src->len) < 0 ||
		    fchown(fd, uid, uid) < 0) {
			err_sys(e, ERR_HOST, errno, "%s", f->path);
			break;
		}
		snprintf(detail, dsize, "replaced by %s (%zu bytes)", f->from,
			 src->len);
		rc = 0;
		break;
	case FAULT_FILE_TRUNCATE:
		fd = openat(dir, last, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)f->size) < 0) {
			err_sys(e, ERR_REFUSED, errno, "%s", f->path);
			break;
		}
		snprintf(detail, dsize, "truncated to %llu bytes", f->size);
		rc = 0;
		break;
	case FAULT_FILE_GARBAGE:
		junk = malloc(f->length ? f->length : 1);
		if (!junk) {
			err_set(e, ERR_HOST, "out of memory");
			break;
		}
		garbage(seed_hex, f->id, junk, f->length);
		fd = openat(dir, last, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		n = fd < 0 ? -1 : pwrite(fd, junk, f->length, (off_t)f->offset);
		free(junk);
		if (n < 0 || (size_t)n != f->length) {
			err_sys(e, ERR_REFUSED, errno, "%s", f->path);
			break;
		}
		snprintf(detail, dsize, "%llu seeded bytes at offset %llu",
			 f->length, f->offset);
		rc = 0;
		break;
	case FAULT_FILE_DELETE:
		if (unlinkat(dir, last, 0) < 0 &&
		    (errno != EISDIR || remove_tree_at(dir, last, e) < 0)) {
			if (errno != EISDIR)
				err_sys(e, ERR_REFUSED, errno, "%s", f->path);
			break;
		}
		snprintf(detail, dsize, "deleted");
		rc = 0;
		break;
	default:
		err_set(e, ERR_BUG, "%s is not a file fault", f->id);
		break;
	case FAULT_FILE_CHMOD:
		fd = openat(dir, last, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 || fchmod(fd, f->mode) < 0) {
			err_sys(e, ERR_REFUSED, errno, "%s", f->path);
			break;
		}
		snprintf(detail, dsize, "mode %04o", f->mode);
		rc = 0;
		break;
	}
	if (fd >= 0)
		close(fd);
	close(dir);
	return rc;
}

void faults_describe(const struct fault *f, struct ev_fault *out)
{
	memset(out, 0, sizeof *out);
	out->id = f->id;
	out->kind = fault_kind_name(f->kind);
	snprintf(out->when, sizeof out->when, "start");
	switch (f->kind) {
	case FAULT_PROCESS_KILL:
	case FAULT_PROCESS_FREEZE:
	case FAULT_PROCESS_CRASHLOOP:
		snprintf(out->target, sizeof out->target, "service %s", f->service);
		if (f->after_requests)
			snprintf(out->when, sizeof out->when, "after %llu requests%s",
				 f->after_requests, f->at_s || f->when_file ? ", and its time or file" : "");
		else if (f->when_file && f->at_s)
			snprintf(out->when, sizeof out->when, "when %.60s exists, from %u s",
				 f->when_file, f->at_s);
		else if (f->when_file)
			snprintf(out->when, sizeof out->when, "when %.80s exists",
				 f->when_file);
		else if (f->at_s)
			snprintf(out->when, sizeof out->when, "at %u s", f->at_s);
		break;
	case FAULT_SYSCALL_ERRNO:
	case FAULT_SYSCALL_FILE:
	case FAULT_SYSCALL_DELAY:
		sysfaults_describe(f, out);
		break;
	case FAULT_NET_REFUSE:
	case FAULT_NET_DROP:
		snprintf(out->target, sizeof out->target,
			 "TCP port %d on the sandbox's loopback", f->port);
		break;
	case FAULT_PLATFORM:
		out->kind = f->platform_kind;
		snprintf(out->target, sizeof out->target, "the simulated platform (agentd)");
		snprintf(out->when, sizeof out->when, "on the platform's clock");
		snprintf(out->detail, sizeof out->detail, "not reported by agentd");
		break;
	case FAULT_CLOCK_OFFSET:
		if (f->service)
			snprintf(out->target, sizeof out->target,
				 "the clock of service %s", f->service);
		else
			snprintf(out->target, sizeof out->target,
				 "the services' clock");
		break;
	default:
		snprintf(out->target, sizeof out->target, "%s", f->path);
		break;
	}
}

int faults_apply(const struct scenario *sc, const struct tar_list *files,
		 int lower_fd, uid_t uid, const char *seed_hex,
		 struct ev_fault *out, struct err *e)
{
	size_t i;

	for (i = 0; i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];

		faults_describe(f, &out[i]);
		if (!fault_is_file(f->kind))
			continue; /* the session's own (sandbox.h, sysfaults.c) */
		if (apply_one(f, files, lower_fd, uid, seed_hex, out[i].detail,
			      sizeof out[i].detail, e) < 0)
			return err_wrap(e, "fault %s", f->id);
		out[i].triggered = 1;
	}
	return 0;
}
