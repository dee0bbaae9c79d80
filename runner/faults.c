/* faults: file faults of a scenario's plan (see faults.h).  Every path is
 * resolved beneath the extracted tree one component at a time without
 * following a link, so a plan cannot reach outside it; what a kind then
 * does to the file is its row's apply (faultkinds.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "runner/evidence.h"
#include "runner/faultkinds.h"
#include "runner/faults.h"
#include "runner/scenario.h"

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

static int apply_one(const struct fault *f, const struct tar_list *files,
		     int root, uid_t uid, const char *seed_hex, char *detail,
		     size_t dsize, struct err *e)
{
	const struct fault_kind_row *row = fault_kind_row(f->kind);
	char last[NAME_MAX + 1];
	int dir, rc;

	dir = open_parent(root, f->path, last, sizeof last, e);
	if (dir < 0)
		return -1;
	if (row->apply)
		rc = row->apply(f, files, dir, last, uid, seed_hex, detail, dsize, e);
	else
		rc = err_set(e, ERR_BUG, "%s is not a file fault", f->id);
	close(dir);
	return rc;
}

void faults_describe(const struct fault *f, struct ev_fault *out)
{
	memset(out, 0, sizeof *out);
	out->id = f->id;
	out->kind = fault_kind_name(f->kind);
	snprintf(out->when, sizeof out->when, "start");
	fault_kind_row(f->kind)->describe(f, out);
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
			continue; /* the session's own (faultkinds.h, sysfaults.c) */
		if (apply_one(f, files, lower_fd, uid, seed_hex, out[i].detail,
			      sizeof out[i].detail, e) < 0)
			return err_wrap(e, "fault %s", f->id);
		out[i].triggered = 1;
	}
	return 0;
}
