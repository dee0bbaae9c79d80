/* rests: what each check rests on (see rests.h).  Both final states are
 * rebuilt as regrade rebuilds them, in a private directory; a fact is put
 * back by moving the reference's entry aside and copying the untouched
 * session's in its place, beneath directory descriptors, following no
 * link, and taken back right after the grading.  A fact rests a check
 * when putting it back changes the check's status or points: a fact both
 * sessions left the same rests nothing.  It does not run sessions, print,
 * or decide whether a scenario may ship (selftest and pack do). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/evidence.h"
#include "runner/regrade.h"
#include "runner/rests.h"
#include "runner/scenario.h"
#include "runner/session.h"
#include "runner/sign.h"
#include "runner/tarball.h"

#define HOME "/home/candidate"

/* One session's final state. */
struct side {
	struct tar_list members;
	struct ev_recorded rec;
	int have_rec;
	int root;                 /* its rebuilt tree, or -1 */
};

struct ctx {
	const struct tar_list *files;
	const struct scenario *sc;
	struct side u, r;         /* untouched, reference */
	int work;                 /* the private directory */
	int hold;                 /* where a fact waits while put back */
	struct grader_result base; /* the reference's state, graded again */
	struct grader_result none; /* the untouched state */
	struct rests_report *out;
};

const char *rests_writer_name(enum rests_writer w)
{
	switch (w) {
	case RESTS_CANDIDATE:
		return "candidate";
	case RESTS_SERVICE:
		return "service";
	case RESTS_SCENARIO:
		break;
	case RESTS_SUPERVISOR:
		return "supervisor";
	}
	return "scenario";
}

static int under(const char *p, const char *top)
{
	size_t n = strlen(top);

	return !strncmp(p, top, n) && (p[n] == 0 || p[n] == '/');
}

/* Who could have written path during the session (docs/scenario.md, "Who
 * owns what"). */
static enum rests_writer writer_of(const struct scenario *sc, const char *p,
				   char *by, size_t size)
{
	size_t i, k;

	by[0] = 0;
	if (under(p, HOME) || under(p, "/tmp") || under(p, "/dev/shm"))
		return RESTS_CANDIDATE;
	for (i = 0; i < sc->ncandidate_owns; i++)
		if (under(p, sc->candidate_owns[i]))
			return RESTS_CANDIDATE;
	for (i = 0; i < sc->nservices; i++)
		for (k = 0; k < sc->services[i].nowns; k++)
			if (under(p, sc->services[i].owns[k])) {
				snprintf(by, size, "%s", sc->services[i].name);
				return RESTS_SERVICE;
			}
	if (under(p, "/var/log/labrun") || under(p, "/var/lib/service")) {
		snprintf(by, size, "services");
		return RESTS_SERVICE;
	}
	return RESTS_SCENARIO;
}

/* ---- trees ---- */

/* Copy the entry fname beneath fromdir to tname beneath todir: regular
 * files, directories, links and FIFOs, following no link. */
static int copy_at(int fromdir, const char *fname, int todir, const char *tname,
		   unsigned depth, struct err *e)
{
	struct stat st;
	char **names = NULL, target[PATH_MAX];
	size_t n = 0, i;
	int from = -1, to = -1, rc = -1, more;
	ssize_t got;

	if (depth > COLLECT_MAX_DEPTH)
		return err_set(e, ERR_REFUSED, "%s: nested too deep", fname);
	if (fstatat(fromdir, fname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", fname);
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(todir, tname, 0700) < 0 && errno != EEXIST)
			return err_sys(e, ERR_HOST, errno, "%s", tname);
		from = openat(fromdir, fname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		to = openat(todir, tname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (from < 0 || to < 0) {
			err_sys(e, ERR_HOST, errno, "%s", fname);
			goto out;
		}
		more = dir_names(from, COLLECT_MAX_ENTRIES, &names, &n, e);
		if (more < 0)
			goto out;
		if (more > 0) {
			err_set(e, ERR_REFUSED, "%s: more than %d entries", fname,
				COLLECT_MAX_ENTRIES);
			goto out;
		}
		for (i = 0; i < n; i++)
			if (copy_at(from, names[i], to, names[i], depth + 1, e) < 0)
				goto out;
		rc = fchmod(to, st.st_mode & 0777) < 0 ? err_sys(e, ERR_HOST, errno, "%s", tname) : 0;
	} else if (S_ISREG(st.st_mode)) {
		unsigned char chunk[65536];

		from = openat(fromdir, fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		to = openat(todir, tname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    st.st_mode & 0777);
		if (from < 0 || to < 0) {
			err_sys(e, ERR_HOST, errno, "%s", fname);
			goto out;
		}
		while ((got = read(from, chunk, sizeof chunk)) > 0)
			if (write_all(to, chunk, (size_t)got) < 0)
				break;
		rc = got == 0 ? 0 : err_sys(e, ERR_HOST, errno, "%s", fname);
	} else if (S_ISLNK(st.st_mode)) {
		got = readlinkat(fromdir, fname, target, sizeof target - 1);
		if (got < 0)
			return err_sys(e, ERR_HOST, errno, "%s", fname);
		target[got] = 0;
		rc = symlinkat(target, todir, tname) < 0 ? err_sys(e, ERR_HOST, errno, "%s", tname) : 0;
	} else if (S_ISFIFO(st.st_mode)) {
		rc = mkfifoat(todir, tname, 0644) < 0 ? err_sys(e, ERR_HOST, errno, "%s", tname) : 0;
	} else {
		rc = 0; /* sockets and devices: a rebuilt state holds none */
	}
out:
	dir_names_free(names, n);
	if (from >= 0)
		close(from);
	if (to >= 0)
		close(to);
	return rc;
}

/* The directory holding rel beneath root, made (mode 0755) when make is
 * set; *leaf points into rel; *made gets the first directory it made
 * (relative to root, "" none), so that it can be taken away again. */
static int parent_of(int root, const char *rel, int make, const char **leaf,
		     char *made, size_t msize)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(rel, '/'), *p;
	int fd, next;

	if (made)
		made[0] = 0;
	*leaf = slash ? slash + 1 : rel;
	if (!slash)
		return fcntl(root, F_DUPFD_CLOEXEC, 0);
	if ((size_t)(slash - rel) >= sizeof dir)
		return -1;
	memcpy(dir, rel, (size_t)(slash - rel));
	dir[slash - rel] = 0;
	fd = open_dir_beneath(root, dir);
	if (fd >= 0 || !make || errno != ENOENT)
		return fd;
	fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
	for (p = dir; fd >= 0 && *p;) {
		size_t n = strcspn(p, "/");
		char name[NAME_MAX + 1];

		if (n > NAME_MAX) {
			close(fd);
			return -1;
		}
		memcpy(name, p, n);
		name[n] = 0;
		if (mkdirat(fd, name, 0755) == 0 && made && !made[0])
			snprintf(made, msize, "%.*s", (int)(p - dir + n), dir);
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		p += n + (p[n] == '/');
	}
	return fd;
}

/* A fact put back, and how to take it back. */
struct undo {
	int parent;               /* of the entry in the reference's tree */
	char leaf[NAME_MAX + 1];
	int moved;                /* the reference's entry waits in hold */
	int placed;               /* the untouched entry was copied in */
	char made[PATH_MAX];      /* directories made for it */
};

/* Put rel (relative to the root) of the reference back as the untouched
 * session left it. */
static int put_back(struct ctx *c, const char *rel, struct undo *u, struct err *e)
{
	const char *leaf;
	struct stat st;
	int from, in_u;

	memset(u, 0, sizeof *u);
	u->parent = -1;
	from = parent_of(c->u.root, rel, 0, &leaf, NULL, 0);
	in_u = from >= 0 && fstatat(from, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
	u->parent = parent_of(c->r.root, rel, in_u, &leaf, u->made, sizeof u->made);
	if (u->parent < 0) {
		if (from >= 0)
			close(from);
		return in_u ? err_sys(e, ERR_HOST, errno, "%s", rel) : 0;
	}
	snprintf(u->leaf, sizeof u->leaf, "%s", leaf);
	if (fstatat(u->parent, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (renameat(u->parent, leaf, c->hold, "aside") < 0) {
			close(from);
			return err_sys(e, ERR_HOST, errno, "%s", rel);
		}
		u->moved = 1;
	}
	if (in_u) {
		u->placed = 1;
		if (copy_at(from, leaf, u->parent, leaf, 0, e) < 0) {
			close(from);
			return -1;
		}
	}
	if (from >= 0)
		close(from);
	return 0;
}

static int take_back(struct ctx *c, struct undo *u, struct err *e)
{
	int rc = 0;

	if (u->parent < 0)
		return 0;
	if (u->placed && remove_tree_at(u->parent, u->leaf, e) < 0)
		rc = -1;
	if (u->moved && renameat(c->hold, "aside", u->parent, u->leaf) < 0)
		rc = err_sys(e, ERR_HOST, errno, "%s", u->leaf);
	close(u->parent);
	u->parent = -1;
	if (u->made[0] && remove_tree_at(c->r.root, u->made, e) < 0)
		rc = -1;
	return rc;
}

/* The bytes of rel beneath root (a regular file), whole; -1 when there is
 * none. */
static int read_at(int root, const char *rel, struct buf *out)
{
	const char *leaf;
	struct err e;
	int dir = parent_of(root, rel, 0, &leaf, NULL, 0), rc;

	if (dir < 0)
		return -1;
	rc = read_file_at(dir, leaf, EVIDENCE_MAX_TOTAL, out, &e);
	close(dir);
	return rc;
}

/* ---- gradings ---- */

static void grade(struct ctx *c, const struct ev_recorded *rec, int root,
		  const struct ev_command *cmds, size_t n, struct grader_result *gr)
{
	struct ev_info info;

	regrade_info(rec, c->sc, &info);
	info.commands = cmds;
	info.ncommands = n;
	session_grade(c->files, &info, root, 0, gr);
	c->out->gradings++;
}

static const struct grader_check *find(const struct grader_result *g, const char *id)
{
	size_t i;

	for (i = 0; g->ok && i < g->n; i++)
		if (!strcmp(g->checks[i].id, id))
			return &g->checks[i];
	return NULL;
}

/* Did check i of the reference change in g? */
static int changed(const struct ctx *c, size_t i, const struct grader_result *g)
{
	const struct grader_check *b = &c->base.checks[i], *x = find(g, b->id);

	return !x || x->status != b->status || x->points != b->points;
}

static int add_fact(struct rests_check *k, const char *what,
		    enum rests_writer w, const char *by)
{
	struct rests_fact *f = realloc(k->facts, (k->nfacts + 1) * sizeof *f);

	if (!f)
		return -1;
	k->facts = f;
	f = &f[k->nfacts++];
	memset(f, 0, sizeof *f);
	snprintf(f->what, sizeof f->what, "%s", what);
	f->writer = w;
	snprintf(f->by, sizeof f->by, "%s", by);
	return 0;
}

/* The fact what of check k, or NULL. */
static struct rests_fact *fact_of(struct rests_check *k, const char *what)
{
	size_t i;

	for (i = 0; i < k->nfacts; i++)
		if (!strcmp(k->facts[i].what, what))
			return &k->facts[i];
	return NULL;
}

/* Note entry (its text) in the fact what of every check that changed in
 * g and rests on it. */
static void note_entry(struct ctx *c, const char *what, const char *entry,
		       const struct grader_result *g)
{
	struct rests_fact *f;
	size_t i, len;

	for (i = 0; i < c->out->n; i++) {
		if (!changed(c, i, g) || !(f = fact_of(&c->out->checks[i], what)))
			continue;
		len = strlen(f->entries);
		if (len + strlen(entry) + 20 >= sizeof f->entries) {
			if (!strstr(f->entries, ", ..."))
				snprintf(f->entries + len, sizeof f->entries - len, ", ...");
			continue;
		}
		snprintf(f->entries + len, sizeof f->entries - len, "%s%s",
			 len ? ", " : "", entry);
		f->nentries++;
	}
}

/* "line 7" / "lines 7, 8", "command 12 (...)" / "commands ...". */
static void name_entries(struct ctx *c)
{
	char tmp[sizeof ((struct rests_fact *)0)->entries];
	size_t i, k;

	for (i = 0; i < c->out->n; i++)
		for (k = 0; k < c->out->checks[i].nfacts; k++) {
			struct rests_fact *f = &c->out->checks[i].facts[k];
			int cmds = f->writer == RESTS_SUPERVISOR;

			if (!f->nentries)
				continue;
			/* note_entry leaves room for the word in front */
			snprintf(tmp, sizeof tmp, "%s %.*s",
				 cmds ? (f->nentries == 1 ? "command" : "commands")
				      : (f->nentries == 1 ? "line" : "lines"),
				 (int)(sizeof tmp - 10), f->entries);
			memcpy(f->entries, tmp, sizeof tmp);
		}
}

/* Does any check rest on what? */
static int rests_any(const struct ctx *c, const char *what)
{
	size_t i;

	for (i = 0; i < c->out->n; i++)
		if (fact_of(&c->out->checks[i], what))
			return 1;
	return 0;
}

static int budget_left(struct ctx *c)
{
	if (c->out->gradings < RESTS_MAX_GRADINGS)
		return 1;
	c->out->cut = 1;
	return 0;
}

/* A path the grader touched, put back: which checks move. */
static int try_path(struct ctx *c, const char *path, struct err *e)
{
	struct grader_result g = {0};
	struct undo u;
	char by[40];
	enum rests_writer w = writer_of(c->sc, path, by, sizeof by);
	size_t i;
	int rc;

	if (!strcmp(path, "/"))
		return 0; /* the root itself: every fact is beneath it */
	if (put_back(c, path + 1, &u, e) < 0) {
		take_back(c, &u, e);
		return -1;
	}
	grade(c, &c->r.rec, c->r.root, c->r.rec.commands, c->r.rec.ncommands, &g);
	rc = take_back(c, &u, e);
	for (i = 0; rc == 0 && i < c->out->n; i++)
		if (changed(c, i, &g) && add_fact(&c->out->checks[i], path, w, by) < 0)
			rc = err_set(e, ERR_HOST, "out of memory");
	grader_result_release(&g);
	return rc;
}

/* The command log, then each of its commands: which checks move. */
static int try_commands(struct ctx *c, struct err *e)
{
	const char *what = "the command log";
	struct grader_result g = {0};
	const struct ev_recorded *r = &c->r.rec;
	struct ev_command *less;
	char entry[160];
	size_t i, k;
	int rc = 0;

	grade(c, r, c->r.root, c->u.rec.commands, c->u.rec.ncommands, &g);
	for (i = 0; i < c->out->n; i++)
		if (changed(c, i, &g) &&
		    add_fact(&c->out->checks[i], what, RESTS_SUPERVISOR, "") < 0)
			rc = err_set(e, ERR_HOST, "out of memory");
	grader_result_release(&g);
	if (rc < 0 || !rests_any(c, what) || r->ncommands > RESTS_MAX_ENTRIES)
		return rc;
	less = calloc(r->ncommands + 1, sizeof *less);
	if (!less)
		return err_set(e, ERR_HOST, "out of memory");
	for (i = 0; i < r->ncommands && budget_left(c); i++) {
		const struct ev_command *cmd = &r->commands[i];
		size_t n = 0;

		for (k = 0; k < r->ncommands; k++)
			if (k != i)
				less[n++] = r->commands[k];
		grade(c, r, c->r.root, less, n, &g);
		/* "12 (agentctl policy apply v2)": its number, the program's
		 * name and its first words */
		n = (size_t)snprintf(entry, sizeof entry, "%zu (%s", i + 1,
				     cmd->exe ? (strrchr(cmd->exe, '/') ? strrchr(cmd->exe, '/') + 1 : cmd->exe)
					      : "?");
		for (k = 1; k < cmd->argc && k < 4 && n < sizeof entry - 8; k++)
			n += (size_t)snprintf(entry + n, sizeof entry - n, " %.40s", cmd->argv[k]);
		snprintf(entry + (n < sizeof entry - 2 ? n : sizeof entry - 2),
			 sizeof entry - (n < sizeof entry - 2 ? n : sizeof entry - 2), ")");
		note_entry(c, what, entry, &g);
		grader_result_release(&g);
	}
	free(less);
	return 0;
}

/* The lines of a JSON-lines file some check rests on, one at a time: the
 * ones the reference added to what the untouched session left. */
static int try_lines(struct ctx *c, const char *path, struct err *e)
{
	struct buf rb = BUF_INIT, ub = BUF_INIT, one = BUF_INIT;
	struct grader_result g = {0};
	const char *p, *end, *nl, *leaf;
	size_t line = 0, first = 0, total = 0;
	char entry[32];
	int dir = -1, fd, rc = 0;

	if (read_at(c->r.root, path + 1, &rb) < 0 || !rb.len)
		goto out;
	if (read_at(c->u.root, path + 1, &ub) == 0 && ub.len <= rb.len &&
	    !memcmp(ub.data, rb.data, ub.len))
		for (p = (const char *)ub.data; p < (const char *)ub.data + ub.len; p++)
			first += *p == '\n';
	for (p = (const char *)rb.data; p < (const char *)rb.data + rb.len; p++)
		total += *p == '\n';
	if (total - first > RESTS_MAX_ENTRIES)
		goto out; /* the file-level fact says enough */
	dir = parent_of(c->r.root, path + 1, 0, &leaf, NULL, 0);
	if (dir < 0)
		goto out;
	p = (const char *)rb.data;
	end = p + rb.len;
	for (; p < end && budget_left(c); p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (line < first)
			continue;
		one.len = 0;
		if (buf_append(&one, rb.data, (size_t)(p - (const char *)rb.data), e) < 0 ||
		    (nl < end && buf_append(&one, nl + 1, (size_t)(end - nl - 1), e) < 0)) {
			rc = -1;
			break;
		}
		if (renameat(dir, leaf, c->hold, "aside") < 0) {
			rc = err_sys(e, ERR_HOST, errno, "%s", path);
			break;
		}
		fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 && write_all(fd, one.data ? one.data : (const unsigned char *)"",
					 one.len) == 0) {
			close(fd);
			grade(c, &c->r.rec, c->r.root, c->r.rec.commands, c->r.rec.ncommands, &g);
			snprintf(entry, sizeof entry, "%zu", line + 1);
			note_entry(c, path, entry, &g);
			grader_result_release(&g);
		} else if (fd >= 0) {
			close(fd);
			rc = err_sys(e, ERR_HOST, errno, "%s", path);
		} else {
			rc = err_sys(e, ERR_HOST, errno, "%s", path);
		}
		unlinkat(dir, leaf, 0);
		if (renameat(c->hold, "aside", dir, leaf) < 0 && rc == 0)
			rc = err_sys(e, ERR_HOST, errno, "%s", path);
		if (rc < 0)
			break;
	}
out:
	if (dir >= 0)
		close(dir);
	buf_release(&rb);
	buf_release(&ub);
	buf_release(&one);
	return rc;
}

/* The untouched state, with every path the candidate owns taken from the
 * reference's, and the untouched session's command log: a remediation
 * check that passes there, and failed untouched, is forgeable. */
static int try_forgery(struct ctx *c, struct err *e)
{
	const char *roots[SERVICE_MAX_OWNS + 1];
	struct grader_result g = {0};
	char made[PATH_MAX], used[sizeof ((struct rests_check *)0)->forged_from] = "";
	const struct grader_check *x, *un;
	struct stat st;
	const char *leaf;
	size_t n = 0, i, len;
	int f = -1, from, to, rc = -1;

	if (copy_at(c->work, "u", c->work, "f", 0, e) < 0)
		return -1;
	f = openat(c->work, "f", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return err_sys(e, ERR_HOST, errno, "a forged state");
	roots[n++] = HOME;
	for (i = 0; i < c->sc->ncandidate_owns; i++)
		roots[n++] = c->sc->candidate_owns[i];
	for (i = 0; i < n; i++) {
		const char *rel = roots[i] + 1;

		to = parent_of(f, rel, 1, &leaf, made, sizeof made);
		if (to < 0) {
			err_sys(e, ERR_HOST, errno, "%s", roots[i]);
			goto out;
		}
		if (fstatat(to, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    remove_tree_at(to, leaf, e) < 0) {
			close(to);
			goto out;
		}
		from = parent_of(c->r.root, rel, 0, &leaf, NULL, 0);
		if (from >= 0 && fstatat(from, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (copy_at(from, leaf, to, leaf, 0, e) < 0) {
				close(from);
				close(to);
				goto out;
			}
			len = strlen(used);
			snprintf(used + len, sizeof used - len, "%s%s", len ? ", " : "", roots[i]);
		}
		if (from >= 0)
			close(from);
		close(to);
	}
	grade(c, &c->u.rec, f, c->u.rec.commands, c->u.rec.ncommands, &g);
	for (i = 0; i < c->out->n; i++) {
		struct rests_check *k = &c->out->checks[i];

		x = find(&g, k->id);
		un = find(&c->none, k->id);
		if (!k->knowledge && x && x->status == CHECK_PASS &&
		    (!un || un->status != CHECK_PASS)) {
			k->forgeable = 1;
			snprintf(k->forged_from, sizeof k->forged_from, "%s", used);
		}
	}
	grader_result_release(&g);
	rc = 0;
out:
	close(f);
	return rc;
}

/* ---- the whole ---- */

static int open_side(struct ctx *c, const char *path, const struct sign_pub *pub,
		     const char *name, struct side *s, struct err *e)
{
	char digest[SIGN_SHA256_HEX];

	if (ev_open(path, pub, &s->members, digest, e) < 0)
		return -1;
	s->have_rec = 1;
	if (ev_recorded_load(&s->members, &s->rec, e) < 0)
		return -1;
	if (mkdirat(c->work, name, 0700) < 0)
		return err_sys(e, ERR_HOST, errno, "%s", name);
	s->root = openat(c->work, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->root < 0)
		return err_sys(e, ERR_HOST, errno, "%s", name);
	return regrade_rebuild(s->root, c->files, c->sc, &s->members, &s->rec, e);
}

static void close_side(struct side *s)
{
	if (s->root >= 0)
		close(s->root);
	if (s->have_rec)
		ev_recorded_release(&s->rec);
	tar_list_release(&s->members);
}

/* The reference's result.json, graded again from its rebuilt state, must
 * say the same: else its evidence did not keep what it was graded on. */
static int same_as_recorded(struct ctx *c, char *why, size_t size)
{
	size_t i;

	for (i = 0; i < c->base.n; i++)
		if (ev_result_has(&c->r.members, c->base.checks[i].id,
				  check_status_name(c->base.checks[i].status),
				  c->base.checks[i].points) != 1) {
			snprintf(why, size,
				 "the reference's final state, rebuilt from its evidence, grades check %s otherwise than the session did: what checks rest on cannot be told (docs/validity.md, V3)",
				 c->base.checks[i].id);
			return 0;
		}
	return 1;
}

int rests_analyse(const struct tar_list *files, const struct scenario *sc,
		  const char *untouched_ev, const char *reference_ev,
		  const struct sign_pub *pub, struct rests_report *out,
		  struct err *e)
{
	struct ctx c;
	char dir[PATH_MAX], path[PATH_MAX];
	int64_t t0 = time_mono_ms();
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	c.files = files;
	c.sc = sc;
	c.out = out;
	c.u.root = c.r.root = c.work = c.hold = -1;
	if (private_dir("rests", "a directory for the rebuilt states", dir, sizeof dir, e) < 0)
		return -1;
	c.work = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.work < 0 || mkdirat(c.work, "hold", 0700) < 0 ||
	    (c.hold = openat(c.work, "hold", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_sys(e, ERR_HOST, errno, "%s", dir);
		goto out;
	}
	if (open_side(&c, untouched_ev, pub, "u", &c.u, e) < 0 ||
	    open_side(&c, reference_ev, pub, "r", &c.r, e) < 0) {
		if (e->kind == ERR_HOST)
			goto out;
		snprintf(out->why, sizeof out->why, "the sessions' final states cannot be rebuilt: %.400s", e->msg);
		rc = 0;
		goto out;
	}
	grade(&c, &c.r.rec, c.r.root, c.r.rec.commands, c.r.rec.ncommands, &c.base);
	grade(&c, &c.u.rec, c.u.root, c.u.rec.commands, c.u.rec.ncommands, &c.none);
	rc = 0;
	if (!c.base.ok || !c.none.ok) {
		snprintf(out->why, sizeof out->why, "the grader erred on a rebuilt state: %.440s",
			 c.base.ok ? c.none.error : c.base.error);
		goto out;
	}
	if (c.base.reads_cut) {
		snprintf(out->why, sizeof out->why,
			 "the grader touched more than %d paths: its reads cannot all be tried",
			 GRADER_MAX_READS);
		goto out;
	}
	if (!same_as_recorded(&c, out->why, sizeof out->why))
		goto out;
	out->checks = calloc(c.base.n + 1, sizeof *out->checks);
	if (!out->checks) {
		rc = err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	out->n = c.base.n;
	for (i = 0; i < c.base.n; i++) {
		snprintf(out->checks[i].id, sizeof out->checks[i].id, "%s", c.base.checks[i].id);
		out->checks[i].knowledge = c.base.checks[i].knowledge;
	}
	rc = -1;
	for (i = 0; i < c.base.nreads; i++) {
		if (regrade_decode(c.base.reads[i].path + 1, path + 1, sizeof path - 1) < 0)
			continue; /* not a path labrun writes: nothing to put back */
		path[0] = '/';
		if (try_path(&c, path, e) < 0)
			goto out;
	}
	if (try_commands(&c, e) < 0)
		goto out;
	for (i = 0; i < c.base.nreads; i++) {
		size_t len;

		if (regrade_decode(c.base.reads[i].path + 1, path + 1, sizeof path - 1) < 0)
			continue;
		path[0] = '/';
		len = strlen(path);
		if (len > 6 && !strcmp(path + len - 6, ".jsonl") && rests_any(&c, path) &&
		    try_lines(&c, path, e) < 0)
			goto out;
	}
	if (try_forgery(&c, e) < 0)
		goto out;
	name_entries(&c);
	out->ran = 1;
	rc = 0;
out:
	out->duration_ms = time_mono_ms() - t0;
	grader_result_release(&c.base);
	grader_result_release(&c.none);
	close_side(&c.u);
	close_side(&c.r);
	if (c.hold >= 0)
		close(c.hold);
	if (c.work >= 0)
		close(c.work);
	remove_tree(dir, NULL);
	if (rc < 0) {
		rests_report_release(out);
		out->why[0] = 0;
	}
	return rc;
}

void rests_report_release(struct rests_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->checks[i].facts);
	free(r->checks);
	r->checks = NULL;
	r->n = 0;
}
