/* sysfaults: the syscall faults of a plan during a session (sysfaults.h).
 * The sandbox reports each call of a trapped family; this file decides
 * whether a fault hits it.  A decision depends only on the fault, the
 * calling program (its executable), that program's own count of matching
 * calls and the session's seed, so the order in which other programs run
 * does not change which call is hit. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/evidence.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/sysfaults.h"
#include "runner/tarball.h"
#include "sandbox/sandbox.h"

/* Matching calls counted per fault and program (its executable's path,
 * across the processes that run it). */
struct prog_count {
	size_t fault;
	unsigned char exe[16]; /* BLAKE2b-128 of the program's path */
	unsigned long long calls;
};

struct fault_state {
	const struct fault *f;
	size_t index;           /* in the scenario's plan */
	size_t service;         /* FAULT_TARGET_SERVICE: its index */
	int memfd;              /* syscall.file from faults/: its bytes */
	unsigned long long matched, hit;
	struct sbx_file_id target; /* what path named when last looked up */
	int looked_up;
};

struct fault_plan {
	char seed[65];
	struct fault_state *st;
	size_t n;
	struct prog_count *pc;
	size_t npc;
};

static int is_syscall(const struct fault *f)
{
	return fault_is_syscall(f->kind);
}

int sysfaults_new(const struct scenario *sc, const struct tar_list *files,
		  const char *seed_hex, struct fault_plan **out, struct err *e)
{
	struct fault_plan *p;
	size_t i, k;

	*out = NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		return err_set(e, ERR_HOST, "out of memory");
	snprintf(p->seed, sizeof p->seed, "%s", seed_hex);
	p->st = calloc(sc->nfaults + 1, sizeof *p->st);
	p->pc = calloc(FAULT_MAX_PROGRAMS, sizeof *p->pc);
	if (!p->st || !p->pc) {
		sysfaults_free(p);
		return err_set(e, ERR_HOST, "out of memory");
	}
	for (i = 0; i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];
		struct fault_state *s;

		if (!is_syscall(f))
			continue;
		s = &p->st[p->n++];
		s->f = f;
		s->index = i;
		s->memfd = -1;
		for (k = 0; f->service && k < sc->nservices; k++)
			if (!strcmp(sc->services[k].name, f->service))
				s->service = k;
		if (f->kind == FAULT_SYSCALL_FILE && f->from) {
			const struct tar_entry *t = tar_list_find(files, f->from);

			/* Each open gets its own description of these bytes. */
			s->memfd = memfd_create("labrun-fault", MFD_CLOEXEC);
			if (!t || s->memfd < 0 ||
			    write_all(s->memfd, t->data, t->len) < 0) {
				sysfaults_free(p);
				return err_sys(e, ERR_HOST, errno, "fault %s: %s",
					       f->id, f->from);
			}
		}
	}
	*out = p;
	return 0;
}

void sysfaults_free(struct fault_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; p->st && i < p->n; i++)
		if (p->st[i].memfd >= 0)
			close(p->st[i].memfd);
	free(p->st);
	free(p->pc);
	free(p);
}

static int aims_at(const struct fault_state *s, int source)
{
	switch (s->f->target) {
	case FAULT_TARGET_SERVICES:
		return source >= 0;
	case FAULT_TARGET_SERVICE:
		return source >= 0 && (size_t)source == s->service;
	case FAULT_TARGET_CANDIDATE:
		return source < 0;
	case FAULT_TARGET_ALL:
		return 1;
	}
	return 0;
}

/* The same file: the same inode, or the same name in the same directory
 * (a file made, or replaced, after the plan was written). */
static int same_file(const struct sbx_file_id *t, const struct sbx_file_id *c)
{
	if (t->found && c->found && t->dev == c->dev && t->ino == c->ino)
		return 1;
	return t->dir_found && c->dir_found && t->dir_dev == c->dir_dev &&
	       t->dir_ino == c->dir_ino && t->name[0] &&
	       !strcmp(t->name, c->name);
}

/* The count of matching calls of fault i by this program, with this one. */
static unsigned long long count_call(struct fault_plan *p, size_t i,
				     const struct sbx_call *c)
{
	unsigned char exe[16];
	size_t k;

	(void)sign_blake2b(exe, sizeof exe, c->exe, strlen(c->exe), NULL, 0);
	for (k = 0; k < p->npc; k++)
		if (p->pc[k].fault == i && !memcmp(p->pc[k].exe, exe, sizeof exe))
			return ++p->pc[k].calls;
	if (p->npc == FAULT_MAX_PROGRAMS) {
		/* so many programs that the last slot counts the rest */
		return ++p->pc[FAULT_MAX_PROGRAMS - 1].calls;
	}
	p->pc[p->npc].fault = i;
	memcpy(p->pc[p->npc].exe, exe, sizeof exe);
	p->pc[p->npc].calls = 1;
	return p->pc[p->npc++].calls;
}

/* Whether the n-th matching call of a program is hit: a fraction drawn
 * from the seed, the fault and the program. */
static int drawn(const struct fault_plan *p, const struct fault *f,
		 const char *exe, unsigned long long n)
{
	unsigned char h[8];
	char msg[PATH_MAX + 256];
	unsigned long long v = 0;
	size_t i;
	int len;

	if (f->probability >= 1.0)
		return 1;
	len = snprintf(msg, sizeof msg, "labrun syscall fault\n%s\n%s\n%s\n%llu",
		       p->seed, f->id, exe, n);
	(void)sign_blake2b(h, sizeof h, msg,
			   (size_t)(len < (int)sizeof msg ? len : (int)sizeof msg - 1),
			   NULL, 0);
	for (i = 0; i < sizeof h; i++)
		v = v << 8 | h[i];
	return (double)v / 18446744073709551616.0 < f->probability;
}

static int open_replacement(const struct fault_state *s, int flags)
{
	char path[64];
	int mode = (flags & (O_ACCMODE | O_APPEND | O_NONBLOCK)) | O_CLOEXEC;

	if (s->memfd < 0)
		return open("/dev/full", mode);
	snprintf(path, sizeof path, "/proc/self/fd/%d", s->memfd);
	return open(path, mode);
}

int sysfaults_call(struct fault_plan *p, const struct sbx *sb,
		   const struct sbx_call *c, struct sbx_verdict *v)
{
	struct sbx_file_id target;
	size_t i;
	int decided = 0;

	for (i = 0; i < p->n; i++) {
		struct fault_state *s = &p->st[i];
		const struct fault *f = s->f;
		unsigned long long n;

		if (f->family != c->family || !aims_at(s, c->source))
			continue;
		if (f->port && c->port != f->port)
			continue;
		if (f->path) {
			/* The file may come and go: looked up again when a
			 * call names it by its own name but not its inode. */
			if (!s->looked_up ||
			    (!same_file(&s->target, &c->file) &&
			     !strcmp(c->file.name, s->target.name))) {
				if (sbx_file_id(sb, f->path, &target) < 0)
					continue;
				s->target = target;
				s->looked_up = 1;
			}
			if (!same_file(&s->target, &c->file))
				continue;
		}
		n = count_call(p, i, c);
		s->matched++;
		if (decided || (f->limit && s->hit >= f->limit) || n <= f->after ||
		    (n - f->after) % f->every != 0 || !drawn(p, f, c->exe, n))
			continue;
		switch (f->kind) {
		case FAULT_SYSCALL_ERRNO:
			v->kind = SBX_CALL_FAIL;
			v->err = f->err;
			break;
		case FAULT_SYSCALL_FILE:
			v->fd = open_replacement(s, c->open_flags);
			if (v->fd < 0)
				continue; /* the call goes on as asked */
			v->kind = SBX_CALL_FILE;
			break;
		case FAULT_SYSCALL_DELAY:
			v->kind = SBX_CALL_DELAY;
			v->delay_ms = f->delay_ms;
			break;
		default:
			continue;
		}
		s->hit++;
		decided = 1;
	}
	return 0;
}

void sysfaults_record(const struct fault_plan *p, struct ev_fault *out)
{
	size_t i;

	for (i = 0; p && i < p->n; i++) {
		const struct fault_state *s = &p->st[i];
		struct ev_fault *r = &out[s->index];

		r->triggered = (unsigned)s->hit;
		switch (s->f->kind) {
		case FAULT_SYSCALL_ERRNO:
			snprintf(r->detail, sizeof r->detail,
				 "%s returned to %llu of %llu matching calls",
				 s->f->err_name, s->hit, s->matched);
			break;
		case FAULT_SYSCALL_FILE:
			snprintf(r->detail, sizeof r->detail,
				 "%s handed back for %llu of %llu matching opens",
				 s->f->with, s->hit, s->matched);
			break;
		default:
			snprintf(r->detail, sizeof r->detail,
				 "%u ms delay on %llu of %llu matching calls",
				 s->f->delay_ms, s->hit, s->matched);
			break;
		}
	}
}
