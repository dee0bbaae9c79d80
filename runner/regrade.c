/* regrade: rebuilds a stored session's final state in a private
 * directory and grades it with a newer bundle (see regrade.h).  Paths
 * from the evidence are percent-decoded and written beneath the directory
 * one name at a time, following no link; nothing of the candidate runs.
 * It does not rerun the session, run services or print. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "base/version.h"
#include "runner/bundle.h"
#include "runner/carry.h"
#include "runner/evidence.h"
#include "runner/faults.h"
#include "runner/regrade.h"
#include "runner/session.h"

#define CANDIDATE_ANSWERS "home/candidate/answers"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode a member path (collect.h's encoding) into out, refusing
 * what labrun never writes: empty, "." or ".." components, a decoded "/"
 * or NUL. */
static int decode_path(const char *member, const char *enc, char *out,
		       size_t size, struct err *e)
{
	size_t n = 0, comp = 0;
	const char *p;
	int hi, lo;

	for (p = enc; *p; p++) {
		char c = *p;

		if (c == '%') {
			hi = hexval(p[1]);
			lo = hi < 0 ? -1 : hexval(p[2]);
			if (lo < 0)
				goto bad;
			c = (char)(hi * 16 + lo);
			if (c == '/' || c == 0)
				goto bad;
			p += 2;
		} else if (c == '/') {
			if (n == comp || (n - comp == 1 && out[comp] == '.') ||
			    (n - comp == 2 && out[comp] == '.' && out[comp + 1] == '.'))
				goto bad;
			comp = n + 1;
		}
		if (n + 1 >= size)
			goto bad;
		out[n++] = c;
	}
	out[n] = 0;
	if (n == comp || !strcmp(out + comp, ".") || !strcmp(out + comp, ".."))
		goto bad;
	return 0;
bad:
	return err_set(e, ERR_REFUSED, "%s: not a path labrun writes", member);
}

/* The parent directory of rel beneath root, made as needed (a file in the
 * way is replaced: the candidate made a directory there); *leaf points
 * into rel. */
static int make_parent(int root, char *rel, const char **leaf, struct err *e)
{
	char *p = rel, *slash;
	int dir = dup(root), next;

	if (dir < 0)
		return err_sys(e, ERR_HOST, errno, "dup");
	while ((slash = strchr(p, '/'))) {
		*slash = 0;
		next = openat(dir, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && (errno == ENOTDIR || errno == ELOOP)) {
			if (remove_tree_at(dir, p, e) < 0)
				goto fail;
			errno = ENOENT;
		}
		if (next < 0 && errno == ENOENT &&
		    (mkdirat(dir, p, 0755) == 0 || errno == EEXIST))
			next = openat(dir, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			err_sys(e, ERR_HOST, errno, "%s", rel);
			goto fail;
		}
		*slash = '/';
		close(dir);
		dir = next;
		p = slash + 1;
	}
	*leaf = p;
	return dir;
fail:
	close(dir);
	return -1;
}

static int write_beneath(int root, const char *member, const char *rel_in,
			 const struct tar_entry *t, mode_t mode, struct err *e)
{
	char rel[PATH_MAX];
	const char *leaf = NULL;
	int dir, fd = -1, rc = -1;

	if (decode_path(member, rel_in, rel, sizeof rel, e) < 0)
		return -1;
	dir = make_parent(root, rel, &leaf, e);
	if (dir < 0)
		return -1;
	fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && (errno == EISDIR || errno == ELOOP)) {
		if (remove_tree_at(dir, leaf, e) < 0)
			goto out;
		fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	}
	if (fd < 0 || write_all(fd, t->data, t->len) < 0 || fchmod(fd, mode) < 0) {
		err_sys(e, ERR_HOST, errno, "%s: rebuilding it", member);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dir);
	return rc;
}

/* changes/.deleted: a path the candidate removed, or (ending in "/") a
 * directory whose former contents were all removed. */
static int apply_deleted(int root, const struct tar_entry *t, struct err *e)
{
	const char *p = (const char *)t->data, *end = p + t->len, *nl;
	char enc[PATH_MAX], rel[PATH_MAX];
	char **names = NULL;
	size_t len, n = 0, i;
	int dir, opaque, rc;
	char *slash;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		len = (size_t)(nl - p);
		if (!len)
			continue;
		if (len >= sizeof enc)
			return err_set(e, ERR_REFUSED, "changes/.deleted: a line longer than %zu bytes", sizeof enc);
		memcpy(enc, p, len);
		enc[len] = 0;
		opaque = enc[len - 1] == '/';
		if (opaque)
			enc[len - 1] = 0;
		if (decode_path("changes/.deleted", enc, rel, sizeof rel, e) < 0)
			return -1;
		slash = strrchr(rel, '/');
		if (opaque) {
			dir = open_dir_beneath(root, rel);
			if (dir < 0)
				continue; /* not in the new system/ layer */
			rc = dir_names(dir, GRADER_MAX_LIST, &names, &n, e);
			for (i = 0; rc == 0 && i < n; i++)
				if (remove_tree_at(dir, names[i], e) < 0)
					rc = -1;
			if (rc == 0)
				dir_names_free(names, n);
			close(dir);
			if (rc != 0)
				return rc < 0 ? -1 : err_set(e, ERR_HOST, "%s: too many entries", rel);
			continue;
		}
		if (slash) {
			*slash = 0;
			dir = open_dir_beneath(root, rel);
		} else {
			dir = dup(root);
		}
		if (dir < 0)
			continue;
		rc = remove_tree_at(dir, slash ? slash + 1 : rel, e);
		close(dir);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Percent-decode a link target (collect.h's encoding): any bytes but
 * NUL, "/" as is. */
static int decode_target(const char *enc, char *out, size_t size, struct err *e)
{
	size_t n = 0;
	const char *p;
	int hi, lo;
	char c;

	for (p = enc; *p; p++) {
		c = *p;
		if (c == '%') {
			hi = hexval(p[1]);
			lo = hi < 0 ? -1 : hexval(p[2]);
			if (lo < 0)
				goto bad;
			c = (char)(hi * 16 + lo);
			p += 2;
		}
		if (c == 0 || n + 1 >= size)
			goto bad;
		out[n++] = c;
	}
	out[n] = 0;
	if (n)
		return 0;
bad:
	return err_set(e, ERR_REFUSED, "changes/.special: a link target labrun does not write");
}

/* One line of changes/.special (collect.h) made beneath root: the leaf
 * replaced whatever the system/ layer had there, made with mkdirat,
 * symlinkat or mkfifoat, or a file truncated to its size, never through
 * a link. */
static int make_special(int root, char type, const char *enc, const char *arg,
			struct err *e)
{
	char rel[PATH_MAX], target[PATH_MAX];
	const char *leaf = NULL;
	uint64_t size = 0;
	struct stat st;
	int dir, fd, rc = -1;

	if (!strchr("dlob", type) || !type)
		return err_set(e, ERR_REFUSED,
			       "changes/.special: %s: an entry type labrun does not write (d, l, o or b)",
			       enc);
	if (decode_path("changes/.special", enc, rel, sizeof rel, e) < 0 ||
	    (type == 'l' && decode_target(arg, target, sizeof target, e) < 0))
		return -1;
	/* a file as large as the largest writable layer, at most */
	if (type == 'b' &&
	    parse_u64(arg, 0, (uint64_t)SESSION_MAX_DISK_MB << 20, &size) < 0)
		return err_set(e, ERR_REFUSED, "changes/.special: %s: not a size labrun writes", enc);
	dir = make_parent(root, rel, &leaf, e);
	if (dir < 0)
		return -1;
	if (type == 'd' && fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode)) {
		rc = 0;
		goto out;
	}
	if (remove_tree_at(dir, leaf, e) < 0)
		goto out;
	switch (type) {
	case 'd':
		rc = mkdirat(dir, leaf, 0755);
		break;
	case 'l':
		rc = symlinkat(target, dir, leaf);
		break;
	case 'o':
		rc = mkfifoat(dir, leaf, 0644);
		break;
	case 'b':
		fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		rc = fd < 0 || ftruncate(fd, (off_t)size) < 0 ? -1 : 0;
		if (fd >= 0)
			close(fd);
		break;
	default:
		rc = -1;
		errno = EINVAL;
	}
	if (rc < 0)
		err_sys(e, ERR_HOST, errno, "changes/.special: %s: rebuilding it", enc);
out:
	close(dir);
	return rc;
}

/* changes/.special: "T PATH[ ARG]" a line, in path order, so that a
 * directory comes before what is in it. */
static int apply_special(int root, const struct tar_entry *t, struct err *e)
{
	const char *p = (const char *)t->data, *end = p + t->len, *nl;
	char *line, *path, *arg;
	size_t len;
	int rc;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		len = (size_t)(nl - p);
		if (!len)
			continue;
		if (len < 3 || p[1] != ' ')
			return err_set(e, ERR_REFUSED, "changes/.special: a line labrun does not write");
		line = strndup(p, len);
		if (!line)
			return err_set(e, ERR_HOST, "out of memory");
		path = line + 2;
		arg = strchr(path, ' ');
		if (arg)
			*arg++ = 0;
		if ((arg != NULL) != (line[0] == 'l' || line[0] == 'b'))
			rc = err_set(e, ERR_REFUSED, "changes/.special: a line labrun does not write");
		else
			rc = make_special(root, line[0], path, arg, e);
		free(line);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int is_executable(const struct ev_recorded *rec, const char *member)
{
	size_t i;

	for (i = 0; i < rec->nexecutable; i++)
		if (!strcmp(rec->executable[i], member))
			return 1;
	return 0;
}

/* The final state: system/, the fault plan with the session's seed, then
 * what the session deleted, what special entries the grader could see
 * (changes/.special), and what the session changed and answered. */
static int rebuild(int root, const struct tar_list *files,
		   const struct scenario *sc, const struct tar_list *old,
		   const struct ev_recorded *rec, struct err *e)
{
	const struct tar_entry *del = tar_list_find(old, "changes/.deleted");
	const struct tar_entry *special =
		rec->special_listing ? tar_list_find(old, "changes/.special") : NULL;
	struct ev_fault *faults;
	size_t i;
	int rc;

	faults = calloc(sc->nfaults + 1, sizeof *faults);
	if (!faults)
		return err_set(e, ERR_HOST, "out of memory");
	rc = bundle_extract(files, "system/", root, getuid(), getgid(), e) < 0 ||
	     faults_apply(sc, files, root, getuid(), rec->seed, faults, e) < 0;
	free(faults);
	if (rc)
		return -1;
	if (mkdirat(root, "home", 0755) < 0 && errno != EEXIST)
		return err_sys(e, ERR_HOST, errno, "home");
	if (mkdirat(root, "home/candidate", 0755) < 0 && errno != EEXIST)
		return err_sys(e, ERR_HOST, errno, "home/candidate");
	if (del && apply_deleted(root, del, e) < 0)
		return -1;
	if (special && apply_special(root, special, e) < 0)
		return -1;
	for (i = 0; i < old->n; i++) {
		const struct tar_entry *t = &old->v[i];
		mode_t mode = is_executable(rec, t->name) ? 0755 : 0644;
		char rel[PATH_MAX];

		if (t->is_dir)
			continue;
		if (!strncmp(t->name, "changes/", 8) && strcmp(t->name, "changes/.deleted") &&
		    t != special) {
			if (write_beneath(root, t->name, t->name + 8, t, mode, e) < 0)
				return -1;
		} else if (!strncmp(t->name, "answers/", 8)) {
			if ((size_t)snprintf(rel, sizeof rel, "%s/%s", CANDIDATE_ANSWERS,
					     t->name + 8) >= sizeof rel)
				return err_set(e, ERR_REFUSED, "%s: path too long", t->name);
			if (write_beneath(root, t->name, rel, t, mode, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* The new evidence's members: the session's recording, command log,
 * changes and answers as they were, and new manifest and result. */
static int copy_session_members(const struct tar_list *old, struct tar_list *out,
				struct err *e)
{
	size_t i;

	for (i = 0; i < old->n; i++) {
		const struct tar_entry *t = &old->v[i];

		/* the records and the credential are made anew */
		if (t->is_dir || !strncmp(t->name, "SHA256SUMS", 10) ||
		    !strcmp(t->name, "manifest.json") || !strcmp(t->name, "result.json") ||
		    !strcmp(t->name, "credential.json"))
			continue;
		if (tar_list_add_file(out, t->name, 0644, t->data, t->len, e) < 0)
			return -1;
	}
	return 0;
}

int regrade_run(const struct regrade_opts *o, struct regrade_result *r,
		struct err *e)
{
	struct tar_list old = {0}, files = {0}, members = {0};
	struct ev_recorded rec = {0};
	struct scenario sc = {0};
	struct ev_info info = {0};
	struct carry_source cs = {0};
	struct ev_carry carry = {0};
	char digest[SIGN_SHA256_HEX], keyid[17], dir[64] = "", comment[256];
	int unsigned_dir = 0, have_sc = 0, have_rec = 0, root = -1, rc = -1;
	unsigned hp;

	memset(r, 0, sizeof *r);
	/* The old evidence first: nothing of it is used unless the issuer
	 * signed every byte. */
	if (ev_open(o->evidence, o->issuer, &old, r->old_digest, e) < 0)
		goto out;
	have_rec = 1; /* released whole or in part */
	if (ev_recorded_load(&old, &rec, e) < 0) {
		err_wrap(e, "%s", o->evidence);
		goto out;
	}
	/* The pseudonym goes into the new signature's trusted comment: only
	 * the form labrun writes (a replay holds it to the same). */
	if (strlen(rec.candidate) != 18 || strncmp(rec.candidate, "c-", 2) ||
	    strspn(rec.candidate + 2, "0123456789abcdef") != 16) {
		err_set(e, ERR_REFUSED,
			"%s: pseudonym '%.40s': not one labrun writes (c- and 16 hex digits)",
			o->evidence, rec.candidate);
		goto out;
	}
	snprintf(r->old_verdict, sizeof r->old_verdict, "%s", rec.verdict);
	r->old_score = rec.score;
	if (!strcmp(rec.ended_by, "error")) {
		err_set(e, ERR_REFUSED,
			"%s: the session ended in an infrastructure error; there is no final state to regrade; hint: the candidate retakes it",
			o->evidence);
		goto out;
	}
	if (rec.graded_incomplete) {
		err_set(e, ERR_REFUSED,
			"%s: the evidence does not hold the whole graded state (its verdict is error); there is nothing a regrade could agree with; hint: the candidate retakes it",
			o->evidence);
		goto out;
	}
	if (bundle_load(o->with, o->trust, &o->lim, &files, digest, keyid,
			&unsigned_dir, e) < 0)
		goto out;
	if (scenario_load(&files, o->max_depth, &sc, &r->problems, e) < 0) {
		if (r->problems.n)
			err_set(e, ERR_REFUSED, "%s: %zu problem%s in the scenario",
				o->with, r->problems.n, r->problems.n == 1 ? "" : "s");
		goto out;
	}
	have_sc = 1;
	if (strcmp(sc.id, rec.scenario_id)) {
		err_set(e, ERR_REFUSED,
			"%s: scenario '%s', but %s is evidence of '%s'; hint: regrade with a version of the scenario it ran",
			o->with, sc.id, o->evidence, rec.scenario_id);
		goto out;
	}
	/* the variant the session ran, in the new version of the scenario */
	if (rec.variant[0]) {
		size_t v;

		for (v = 0; v < sc.nvariants; v++)
			if (!strcmp(sc.variants[v], rec.variant))
				break;
		if (v == sc.nvariants) {
			err_set(e, ERR_REFUSED,
				"%s: the session ran variant '%s', which this version of the scenario does not have; hint: keep the variant's id in $.variants",
				o->with, rec.variant);
			goto out;
		}
		scenario_release(&sc);
		have_sc = 0;
		if (scenario_load_variant(&files, o->max_depth, v, &sc, &r->problems, e) < 0)
			goto out;
		have_sc = 1;
	}
	snprintf(r->scenario, sizeof r->scenario, "%s %s", sc.id, sc.version);
	r->pass_mark = sc.pass_mark;
	if (private_dir("regrade", "a directory for the rebuilt state", dir, sizeof dir, e) < 0)
		goto out;
	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		err_sys(e, ERR_HOST, errno, "%s", dir);
		goto out;
	}
	if (rebuild(root, &files, &sc, &old, &rec, e) < 0) {
		err_wrap(e, "rebuilding the final state of %s", o->evidence);
		goto out;
	}

	regrade_info(&rec, &sc, &info);
	info.unsigned_directory = unsigned_dir;
	info.scenario_digest = digest;
	info.signer_keyid = keyid[0] ? keyid : NULL;
	session_grade(&files, &info, root, o->verbose, &r->gr);
	/* A renewal's carried knowledge checks stay carried: its final state
	 * holds the replay's answers, not the attempt's. */
	if (carry_source_renewed(&old, &cs, e) < 0 ||
	    carry_apply(cs.from[0] ? &cs : NULL, &r->gr, &carry, &info, e) < 0)
		goto out;
	info.result = &r->gr;
	info.verdict = grader_verdict(&r->gr, sc.pass_mark, &info.score);
	/* The hints the candidate took cost what they cost in the session. */
	if (strcmp(info.verdict, "error")) {
		hp = rec.hint_points + carry.hint_points;
		info.score = info.score > hp ? info.score - hp : 0;
		info.verdict = info.score >= sc.pass_mark ? "pass" : "fail";
	}
	if (!r->gr.ok)
		info.error = r->gr.error;
	if (regrade_moves(&old, &r->gr, &r->moves, &r->nmoves, e) < 0) {
		err_wrap(e, "%s", o->evidence);
		goto out;
	}
	for (size_t i = 0; i < r->nmoves; i++)
		r->nchanged += r->moves[i].changed != 0;
	if (copy_session_members(&old, &members, e) < 0 ||
	    ev_add_regrade_records(&members, &old, &info, r->old_digest,
				   time_now_ms(), e) < 0)
		goto out;
	snprintf(comment, sizeof comment,
		 "labrun evidence %.64s %.40s %s candidate %s score %u (regrade)",
		 sc.id, sc.version, info.verdict, rec.candidate, info.score);
	if (ev_seal(&members, o->key, comment, o->out, e) < 0)
		goto out;
	snprintf(r->verdict, sizeof r->verdict, "%s", info.verdict);
	r->score = info.score;
	if (info.error)
		snprintf(r->error, sizeof r->error, "%s", info.error);
	rc = 0;
out:
	if (root >= 0)
		close(root);
	if (dir[0])
		remove_tree(dir, NULL);
	if (have_sc)
		scenario_release(&sc);
	if (have_rec)
		ev_recorded_release(&rec);
	carry_release(&carry);
	carry_source_release(&cs);
	tar_list_release(&members);
	tar_list_release(&files);
	tar_list_release(&old);
	return rc;
}

/* ---- before -> after ---- */

static const char *jstr_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int juint_of(const json_t *o, const char *k, unsigned *out)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > CHECK_MAX_WEIGHT)
		return -1;
	*out = (unsigned)json_integer_value(v);
	return 0;
}

void regrade_moves_free(struct regrade_move *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i].title);
	free(v);
}

int regrade_moves(const struct tar_list *old, const struct grader_result *gr,
		  struct regrade_move **v, size_t *n, struct err *e)
{
	const struct tar_entry *m = tar_list_find(old, "result.json");
	json_t *res = NULL, *checks, *c;
	struct regrade_move *mv = NULL, *k;
	size_t i, j, nm = 0, cap;
	int rc = -1;

	*v = NULL;
	*n = 0;
	if (!gr->ok)
		return 0;
	if (!m)
		return err_set(e, ERR_REFUSED, "result.json: missing");
	res = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, NULL);
	checks = json_object_get(res, "checks");
	if (!json_is_array(checks) || json_array_size(checks) > GRADER_MAX_CHECKS) {
		err_set(e, ERR_REFUSED, "result.json: no checks as labrun writes them");
		goto out;
	}
	cap = gr->n + json_array_size(checks);
	mv = calloc(cap ? cap : 1, sizeof *mv);
	if (!mv) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < gr->n; i++, nm++) {
		k = &mv[nm];
		snprintf(k->id, sizeof k->id, "%s", gr->checks[i].id);
		snprintf(k->after, sizeof k->after, "%s", check_status_name(gr->checks[i].status));
		k->after_points = gr->checks[i].points;
		k->after_weight = gr->checks[i].weight;
		k->title = strdup(gr->checks[i].title ? gr->checks[i].title : "");
		if (!k->title) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
	}
	json_array_foreach(checks, i, c) {
		const char *id = jstr_of(c, "id"), *st = jstr_of(c, "status");
		unsigned pts, wt;

		if (!*id || strlen(id) >= sizeof k->id ||
		    (strcmp(st, "pass") && strcmp(st, "fail") && strcmp(st, "error")) ||
		    juint_of(c, "points", &pts) < 0 || juint_of(c, "weight", &wt) < 0) {
			err_set(e, ERR_REFUSED, "result.json: $.checks[%zu]: not a check labrun writes", i);
			goto out;
		}
		for (j = 0; j < gr->n; j++)
			if (!strcmp(mv[j].id, id))
				break;
		if (j == gr->n) {
			k = &mv[nm++];
			snprintf(k->id, sizeof k->id, "%s", id);
			k->title = strdup(jstr_of(c, "title"));
			if (!k->title) {
				err_set(e, ERR_HOST, "out of memory");
				goto out;
			}
		} else {
			k = &mv[j];
		}
		snprintf(k->before, sizeof k->before, "%s", st);
		k->before_points = pts;
		k->before_weight = wt;
	}
	for (i = 0; i < nm; i++) {
		k = &mv[i];
		k->changed = strcmp(k->before, k->after) || k->before_points != k->after_points ||
			     k->before_weight != k->after_weight;
	}
	*v = mv;
	*n = nm;
	mv = NULL;
	rc = 0;
out:
	regrade_moves_free(mv, nm);
	json_decref(res);
	return rc;
}

void regrade_result_release(struct regrade_result *r)
{
	regrade_moves_free(r->moves, r->nmoves);
	grader_result_release(&r->gr);
	problems_release(&r->problems);
	memset(r, 0, sizeof *r);
}

void regrade_info(const struct ev_recorded *rec, const struct scenario *sc,
		  struct ev_info *info)
{
	memset(info, 0, sizeof *info);
	info->mode = "regrade";
	info->sc = sc;
	info->candidate = rec->candidate;
	info->attempt = rec->attempt;
	info->seed_hex = rec->seed;
	info->seed_overridden = rec->seed_overridden;
	info->started_ms = rec->started_ms;
	info->ended_ms = rec->ended_ms;
	info->time_limit_s = rec->time_limit_s;
	info->ended_by = rec->ended_by;
	info->exit_status = rec->exit_status;
	info->runner_version = LABRUN_VERSION;
	info->commands = rec->commands;
	info->ncommands = rec->ncommands;
}

int regrade_rebuild(int root, const struct tar_list *files,
		    const struct scenario *sc, const struct tar_list *members,
		    const struct ev_recorded *rec, struct err *e)
{
	return rebuild(root, files, sc, members, rec, e);
}

int regrade_decode(const char *enc, char *out, size_t size)
{
	struct err e;

	return decode_path("path", enc, out, size, &e);
}
