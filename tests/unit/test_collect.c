/* test_collect: an overlay upper layer built by hand (files, a whiteout,
 * an opaque directory, links, a FIFO, a socket, devices, a sparse huge
 * file, hostile names) and what collect makes of it; then the graded part
 * (V3): a lower layer, an upper layer and the merged root they make, also
 * built by hand, a grader's read log and a service's files, kept whole
 * past a flood of the candidate's files or refused with the session's
 * error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/collect.h"
#include "runner/tarball.h"
#include "tests/unit/tap.h"

static int listed_exec(const struct collect_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nexec; i++)
		if (!strcmp(r->exec[i], name))
			return 1;
	return 0;
}

static char top[64];

static void put(const char *rel, const char *data, mode_t mode)
{
	char p[512];
	int fd;

	snprintf(p, sizeof p, "%s/%s", top, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data)) {
		printf("# cannot write %s: %s\n", p, strerror(errno));
		exit(1);
	}
	fchmod(fd, mode);
	close(fd);
}

static void dir(const char *rel)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", top, rel);
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		printf("# mkdir %s: %s\n", p, strerror(errno));
		exit(1);
	}
}

static int node(const char *rel, mode_t mode, dev_t dev)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", top, rel);
	return mknod(p, mode, dev);
}

static int opendir_at(const char *rel)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", top, rel);
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static const struct tar_entry *member(const struct tar_list *l, const char *n)
{
	return tar_list_find(l, n);
}

static int has_member(const struct tar_list *l, const char *n, const char *data,
		      unsigned mode)
{
	const struct tar_entry *m = member(l, n);

	return m && m->len == strlen(data) && !memcmp(m->data, data, m->len) &&
	       m->mode == mode;
}

static const char *refusal(const struct collect_report *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].path, path))
			return r->v[i].reason;
	return NULL;
}

static int is_str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static size_t count_reason(const struct collect_report *r, const char *reason)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += !strcmp(r->v[i].reason, reason);
	return n;
}

static void test_encode(void)
{
	char out[64];

	ok(path_encode("etc/a b", out, sizeof out) == 0, "encode ok");
	is_str(out, "etc/a%20b", "space");
	path_encode("caf\xc3\xa9/x\ny", out, sizeof out);
	is_str(out, "caf%C3%A9/x%0Ay", "UTF-8 and newline, uppercase hex");
	path_encode("100%/A-Z_a.z+@=,~", out, sizeof out);
	is_str(out, "100%25/A-Z_a.z+@=,%7E", "percent and tilde encoded, the safe set kept");
	path_encode(".deleted", out, sizeof out);
	is_str(out, "%2Edeleted", "top-level .deleted");
	path_encode(".special", out, sizeof out);
	is_str(out, "%2Especial", "top-level .special");
	path_encode(".deleted/.deleted", out, sizeof out);
	is_str(out, "%2Edeleted/.deleted", "only the top-level one");
	path_encode("a/../.", out, sizeof out);
	is_str(out, "a/%2E%2E/%2E", "dot components are encoded");
	path_encode("a\\b\"c", out, sizeof out);
	is_str(out, "a%5Cb%22c", "backslash and quote");
	ok(path_encode("abcdef", out, 6) < 0, "too small a buffer: -1");
	ok(path_encode("   ", out, 9) < 0, "encoded form must fit with NUL");
}

static void test_changes(void)
{
	struct collect_report rep = {0};
	struct tar_list l = {0}, l2 = {0};
	struct collect_report rep2 = {0};
	struct buf t1 = BUF_INIT, t2 = BUF_INIT;
	const struct tar_entry *del;
	struct sockaddr_un sa = {0};
	struct err e = {0};
	char p[512];
	int up, lo, fd, i, s;

	dir("lower");
	dir("lower/etc");
	dir("lower/opq");
	dir("lower/real");
	put("lower/etc/same.conf", "same\n", 0644);
	put("lower/etc/changed.conf", "old\n", 0644);
	put("lower/etc/xbit.sh", "#!/bin/sh\n", 0644);
	put("lower/etc/gone", "bye\n", 0644);
	put("lower/opq/old", "kept\n", 0644);
	put("lower/real/x", "via link\n", 0644);
	put("lower/target", "linked\n", 0644);
	snprintf(p, sizeof p, "%s/lower/lnk", top);
	symlink("real", p);
	snprintf(p, sizeof p, "%s/lower/flink", top);
	symlink("target", p);

	dir("upper");
	dir("upper/etc");
	put("upper/etc/same.conf", "same\n", 0644);
	put("upper/etc/changed.conf", "new\n", 0644);
	put("upper/etc/xbit.sh", "#!/bin/sh\n", 0755);
	ok(node("upper/etc/gone", S_IFCHR | 0, makedev(0, 0)) == 0,
	   "whiteout made with mknod");
	dir("upper/opq");
	put("upper/opq/old", "kept\n", 0644);
	snprintf(p, sizeof p, "%s/upper/opq", top);
	ok(setxattr(p, "trusted.overlay.opaque", "y", 1, 0) == 0,
	   "opaque xattr set");
	dir("upper/lnk");
	put("upper/lnk/x", "via link\n", 0644);
	put("upper/flink", "linked\n", 0644);
	put("upper/new.txt", "hello\n", 0644);
	put("upper/a b", "space\n", 0644);
	put("upper/line\nbreak", "nl\n", 0644);
	put("upper/caf\xc3\xa9", "utf8\n", 0644);
	put("upper/bad\xff", "latin1\n", 0644);
	put("upper/100%", "pct\n", 0644);
	put("upper/.deleted", "top\n", 0644);
	dir("upper/sub");
	put("upper/sub/.deleted", "deep\n", 0644);
	put("upper/empty", "", 0600);
	snprintf(p, sizeof p, "%s/upper/link", top);
	symlink("/etc/shadow", p);
	snprintf(p, sizeof p, "%s/upper/linkdir", top);
	symlink("/etc", p);
	snprintf(p, sizeof p, "%s/upper/fifo", top);
	mkfifo(p, 0644);
	put("upper/hard1", "hard\n", 0644);
	snprintf(p, sizeof p, "%s/upper/hard1", top);
	{
		char q[512];

		snprintf(q, sizeof q, "%s/upper/hard2", top);
		link(p, q);
	}
	snprintf(p, sizeof p, "%s/upper/big", top);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(fd >= 0 && ftruncate(fd, (off_t)CHANGES_MAX_FILE + 1) == 0,
	   "sparse oversize file");
	close(fd);
	snprintf(p, sizeof p, "%s/upper/fits", top);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(fd >= 0 && ftruncate(fd, (off_t)CHANGES_MAX_FILE) == 0,
	   "sparse file of exactly the cap");
	close(fd);
	node("upper/null", S_IFCHR | 0666, makedev(1, 3));
	node("upper/blk", S_IFBLK | 0600, makedev(7, 0));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/upper/sock", top);
	ok(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0, "socket bound");
	close(s);
	/* 66 nested directories: the 65th level is refused. */
	snprintf(p, sizeof p, "upper/deep");
	dir(p);
	for (i = 1; i < 66; i++) {
		size_t n = strlen(p);

		snprintf(p + n, sizeof p - n, "/d");
		dir(p);
	}
	put("upper/deep/d/d/ok", "shallow enough\n", 0644);

	up = opendir_at("upper");
	lo = opendir_at("lower");
	ok(collect_changes(up, lo, NULL, &l, &rep, &e) == 0, "collect_changes: %s",
	   e.msg);

	ok(!member(&l, "changes/etc/same.conf"), "identical file skipped");
	ok(has_member(&l, "changes/etc/changed.conf", "new\n", 0644),
	   "modified file kept");
	ok(has_member(&l, "changes/etc/xbit.sh", "#!/bin/sh\n", 0644) &&
		   listed_exec(&rep, "changes/etc/xbit.sh"),
	   "same bytes, new x bit: kept (0644), listed as executable");
	ok(has_member(&l, "changes/opq/old", "kept\n", 0644),
	   "file in an opaque directory kept even if the lower had it");
	ok(has_member(&l, "changes/lnk/x", "via link\n", 0644),
	   "lower compared without following a directory symlink");
	ok(has_member(&l, "changes/flink", "linked\n", 0644),
	   "lower compared without following a file symlink");
	ok(has_member(&l, "changes/new.txt", "hello\n", 0644), "new file");
	ok(has_member(&l, "changes/a%20b", "space\n", 0644), "space encoded");
	ok(has_member(&l, "changes/line%0Abreak", "nl\n", 0644),
	   "newline encoded");
	ok(has_member(&l, "changes/caf%C3%A9", "utf8\n", 0644), "UTF-8 encoded");
	ok(has_member(&l, "changes/bad%FF", "latin1\n", 0644),
	   "invalid UTF-8 encoded");
	ok(has_member(&l, "changes/100%25", "pct\n", 0644), "percent encoded");
	ok(has_member(&l, "changes/%2Edeleted", "top\n", 0644),
	   "top-level .deleted does not clash");
	ok(has_member(&l, "changes/sub/.deleted", "deep\n", 0644),
	   "nested .deleted as is");
	ok(has_member(&l, "changes/empty", "", 0644), "empty file kept, 0644");
	ok(has_member(&l, "changes/deep/d/d/ok", "shallow enough\n", 0644),
	   "nested file kept");
	ok(member(&l, "changes/fits") &&
	   member(&l, "changes/fits")->len == CHANGES_MAX_FILE,
	   "a file of exactly CHANGES_MAX_FILE bytes kept");
	del = member(&l, "changes/.deleted");
	ok(del && del->len == strlen("etc/gone\nopq/\n") &&
	   !memcmp(del->data, "etc/gone\nopq/\n", del->len),
	   "changes/.deleted lists the whiteout and the opaque dir, sorted");
	if (del)
		printf("#   .deleted: '%.*s'\n", (int)del->len, del->data);

	is_str(refusal(&rep, "link"), "symbolic link", "symlink refused");
	is_str(refusal(&rep, "linkdir"), "symbolic link",
	       "symlinked directory refused, not entered");
	is_str(refusal(&rep, "fifo"), "fifo", "fifo refused");
	is_str(refusal(&rep, "sock"), "socket", "socket refused");
	is_str(refusal(&rep, "null"), "character device", "device refused");
	is_str(refusal(&rep, "blk"), "block device", "block device refused");
	is_str(refusal(&rep, "hard1"), "2 links", "hard link refused");
	is_str(refusal(&rep, "hard2"), "2 links", "its other name too");
	is_str(refusal(&rep, "big"), "over 4194304 bytes", "oversize refused");
	{
		char want[256] = "deep";
		size_t k, n = 4;

		for (k = 0; k < COLLECT_MAX_DEPTH; k++, n += 2)
			snprintf(want + n, sizeof want - n, "/d");
		is_str(refusal(&rep, want), "deeper than 64 levels",
		       "depth bounded at %d levels", COLLECT_MAX_DEPTH);
	}
	ok(!member(&l, "changes/link") && !member(&l, "changes/fifo") &&
	   !member(&l, "changes/hard1") && !member(&l, "changes/big"),
	   "refused paths are not members");
	ok(rep.deleted == 2, "report: 2 deleted");
	ok(rep.files == l.n - 1, "report: %zu files (members but .deleted)",
	   rep.files);
	ok(!rep.truncated, "not truncated");
	{
		size_t k, bytes = 0;

		for (k = 0; k < l.n; k++)
			if (strcmp(l.v[k].name, "changes/.deleted"))
				bytes += l.v[k].len;
		ok(rep.bytes == bytes, "report: bytes add up");
	}

	/* Same input, same bytes. */
	ok(collect_changes(up, lo, NULL, &l2, &rep2, &e) == 0, "second walk");
	ok(tar_write(&l, &t1, &e) == 0 && tar_write(&l2, &t2, &e) == 0 &&
	   t1.len == t2.len && !memcmp(t1.data, t2.data, t1.len),
	   "deterministic: two walks give the same tar");
	ok(rep2.n == rep.n, "same refusals");

	/* Without a lower layer every file is new. */
	tar_list_release(&l2);
	collect_report_release(&rep2);
	ok(collect_changes(up, -1, NULL, &l2, &rep2, &e) == 0 &&
	   member(&l2, "changes/etc/same.conf"),
	   "lower -1: identical file is kept");

	buf_release(&t1);
	buf_release(&t2);
	tar_list_release(&l);
	tar_list_release(&l2);
	collect_report_release(&rep);
	collect_report_release(&rep2);
	close(up);
	close(lo);
}

static void test_caps(void)
{
	struct collect_report rep = {0};
	struct tar_list l = {0};
	struct err e = {0};
	char rel[64];
	int up, i;
	const struct tar_entry *del;

	dir("many");
	for (i = 0; i < CHANGES_MAX_FILES + 5; i++) {
		snprintf(rel, sizeof rel, "many/f%05d", i);
		put(rel, "x", 0644);
	}
	up = opendir_at("many");
	ok(collect_changes(up, -1, NULL, &l, &rep, &e) == 0, "many files: %s", e.msg);
	ok(rep.files == CHANGES_MAX_FILES && l.n == CHANGES_MAX_FILES + 1,
	   "file count capped at %d", CHANGES_MAX_FILES);
	ok(rep.truncated, "truncated set");
	ok(count_reason(&rep, "cap reached") == 5 && rep.candidate.left_out == 5,
	   "each file left out is refused as 'cap reached' and counted (%zu)",
	   rep.candidate.left_out);
	snprintf(rel, sizeof rel, "f%05d", CHANGES_MAX_FILES);
	ok(refusal(&rep, rel) && !strcmp(refusal(&rep, rel), "cap reached"),
	   "named at the first file left out");
	ok(member(&l, "changes/f00000") && !member(&l, "changes/f02000"),
	   "the first files in sorted order are kept");
	close(up);
	tar_list_release(&l);
	collect_report_release(&rep);

	dir("wo");
	for (i = 0; i < DELETED_MAX + 3; i++) {
		snprintf(rel, sizeof rel, "wo/w%05d", i);
		node(rel, S_IFCHR, makedev(0, 0));
	}
	up = opendir_at("wo");
	ok(collect_changes(up, -1, NULL, &l, &rep, &e) == 0, "many whiteouts");
	del = member(&l, "changes/.deleted");
	ok(rep.deleted == DELETED_MAX && del &&
	   del->len == (size_t)DELETED_MAX * 7, "deleted list capped at %d",
	   DELETED_MAX);
	ok(rep.truncated && count_reason(&rep, "cap reached") == 3 &&
	   rep.candidate.left_out == 3,
	   "truncated, each deletion left out refused and counted");
	close(up);
	tar_list_release(&l);
	collect_report_release(&rep);

	/* Total bytes: 9 files of 4 MiB minus one byte; 8 fit in 32 MiB. */
	dir("heavy");
	for (i = 0; i < 9; i++) {
		int fd;
		char p[512];

		snprintf(p, sizeof p, "%s/heavy/h%d", top, i);
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)CHANGES_MAX_FILE - 1) < 0)
			printf("# heavy: %s\n", strerror(errno));
		close(fd);
	}
	up = opendir_at("heavy");
	ok(collect_changes(up, -1, NULL, &l, &rep, &e) == 0, "heavy files");
	ok(rep.files == 8 && rep.bytes == 8 * ((size_t)CHANGES_MAX_FILE - 1) &&
	   rep.truncated && refusal(&rep, "h8"),
	   "total bytes capped (%zu files)", rep.files);
	close(up);
	tar_list_release(&l);
	collect_report_release(&rep);
}

static void test_answers(void)
{
	struct collect_report rep = {0};
	struct tar_list l = {0};
	struct err e = {0};
	char p[512];
	int fd;

	dir("answers");
	dir("answers/chain");
	put("answers/decision.txt", "span-7 -> span-3\n", 0644);
	put("answers/chain/a b.json", "{}\n", 0755);
	ok(node("answers/wh", S_IFCHR, makedev(0, 0)) == 0, "0/0 device in answers");
	snprintf(p, sizeof p, "%s/answers/secret", top);
	symlink("/etc/shadow", p);
	snprintf(p, sizeof p, "%s/answers/huge", top);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ftruncate(fd, (off_t)ANSWERS_MAX_FILE + 1);
	close(fd);

	fd = opendir_at("answers");
	ok(collect_answers(fd, &l, &rep, &e) == 0, "collect_answers: %s", e.msg);
	ok(has_member(&l, "answers/decision.txt", "span-7 -> span-3\n", 0644),
	   "answer file kept");
	ok(has_member(&l, "answers/chain/a%20b.json", "{}\n", 0644) &&
		   listed_exec(&rep, "answers/chain/a%20b.json"),
	   "nested answer, name encoded, listed as executable");
	ok(l.n == 2, "no .deleted in answers (%zu members)", l.n);
	is_str(refusal(&rep, "wh"), "character device",
	       "a 0/0 device is no whiteout among answers");
	is_str(refusal(&rep, "secret"), "symbolic link", "answer symlink refused");
	is_str(refusal(&rep, "huge"), "over 1048576 bytes", "answer size cap");
	close(fd);
	tar_list_release(&l);
	collect_report_release(&rep);

	ok(collect_answers(-1, &l, &rep, &e) == 0 && l.n == 0 && rep.n == 0,
	   "no answers directory: nothing");
}


/* --- the graded part ---------------------------------------------------- */

#define SVC 2000 /* the service's id in these trees */

/* data at REL in each of the trees named in "trees" (u upper, l lower,
 * r root), owned by uid. */
static void put_in(const char *trees, const char *rel, const char *data,
		   uid_t uid)
{
	static const char *const name[] = {"g/upper", "g/lower", "g/root"};
	char p[512];
	int i;

	for (i = 0; i < 3; i++) {
		if (!strchr(trees, "ulr"[i]))
			continue;
		snprintf(p, sizeof p, "%s/%s", name[i], rel);
		put(p, data, 0644);
		snprintf(p, sizeof p, "%s/%s/%s", top, name[i], rel);
		if (lchown(p, uid, uid) < 0)
			printf("# chown %s: %s\n", p, strerror(errno));
	}
}

static void dir_in(const char *trees, const char *rel)
{
	static const char *const name[] = {"g/upper", "g/lower", "g/root"};
	char p[512];
	int i;

	for (i = 0; i < 3; i++) {
		if (!strchr(trees, "ulr"[i]))
			continue;
		snprintf(p, sizeof p, "%s/%s", name[i], rel);
		dir(p);
	}
}

static void link_in(const char *trees, const char *rel, const char *target)
{
	static const char *const name[] = {"g/upper", "g/lower", "g/root"};
	char p[512];
	int i;

	for (i = 0; i < 3; i++) {
		if (!strchr(trees, "ulr"[i]))
			continue;
		snprintf(p, sizeof p, "%s/%s/%s", top, name[i], rel);
		if (symlink(target, p) < 0)
			printf("# symlink %s: %s\n", p, strerror(errno));
	}
}

static void sparse_in(const char *trees, const char *rel, off_t size, uid_t uid)
{
	static const char *const name[] = {"g/upper", "g/lower", "g/root"};
	char p[512];
	int i, fd;

	for (i = 0; i < 3; i++) {
		if (!strchr(trees, "ulr"[i]))
			continue;
		snprintf(p, sizeof p, "%s/%s/%s", top, name[i], rel);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || ftruncate(fd, size) < 0 || fchown(fd, uid, uid) < 0)
			printf("# sparse %s: %s\n", p, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

/* Is line (without "\n") in the member? */
static int has_line(const struct tar_list *l, const char *member_name,
		    const char *line)
{
	const struct tar_entry *m = member(l, member_name);
	size_t n = strlen(line);
	const char *p, *end;

	if (!m)
		return 0;
	for (p = (const char *)m->data, end = p + m->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return 0;
		if ((size_t)(nl - p) == n && !memcmp(p, line, n))
			return 1;
		p = nl + 1;
	}
	return 0;
}

static size_t count_lines(const struct tar_list *l, const char *member_name)
{
	const struct tar_entry *m = member(l, member_name);
	size_t i, n = 0;

	for (i = 0; m && i < m->len; i++)
		n += m->data[i] == '\n';
	return n;
}

struct gtree {
	int up, lo, rt;
};

static void gtree_open(struct gtree *t)
{
	t->up = opendir_at("g/upper");
	t->lo = opendir_at("g/lower");
	t->rt = opendir_at("g/root");
}

static void gtree_close(struct gtree *t)
{
	close(t->up);
	close(t->lo);
	close(t->rt);
}

/* A fresh g/ with the platform's usual layout: system/ has
 * /var/lib/agentd/state.json, which the service rewrote. */
static void gtree_make(void)
{
	char p[512];
	struct err e = {0};

	snprintf(p, sizeof p, "%s/g", top);
	remove_tree(p, &e);
	dir("g");
	dir_in("ulr", "");
	dir_in("ulr", "var");
	dir_in("ulr", "var/lib");
	dir_in("ulr", "var/lib/agentd");
	dir_in("ulr", "var/log");
	dir_in("ulr", "var/log/agentd");
	put_in("l", "var/lib/agentd/state.json", "{\"policy\": 7}\n", SVC);
	put_in("ur", "var/lib/agentd/state.json", "{\"policy\": 6}\n", SVC);
	dir_in("ur", "home");
	dir_in("ur", "home/candidate");
	dir_in("ur", "home/candidate/answers");
}

static void test_graded_flood(void)
{
	struct grader_read reads[] = {
		{"/home/candidate/answers/chain.json", "r"},
		{"/var/lib/agentd/state.json", "r"},
		{"/var/log/agentd/audit.jsonl", "r"},
	};
	struct collect_graded g = {reads, 3, 0, SVC, -1};
	struct collect_report rep = {0};
	struct tar_list l = {0};
	struct gtree t;
	struct err e = {0};
	char rel[64];
	int i;

	gtree_make();
	put_in("ur", "var/log/agentd/audit.jsonl", "{\"seq\": 1}\n", SVC);
	put_in("ur", "var/log/agentd/agentd.jsonl", "{\"log\": 1}\n", SVC);
	put_in("ur", "home/candidate/answers/chain.json", "[\"a\"]\n", 1000);
	dir_in("ur", "home/candidate/aaa");
	for (i = 0; i < CHANGES_MAX_FILES + 100; i++) {
		snprintf(rel, sizeof rel, "home/candidate/aaa/f%05d", i);
		put_in("u", rel, "", 1000);
	}
	gtree_open(&t);
	g.root_fd = t.rt;
	ok(collect_changes(t.up, t.lo, &g, &l, &rep, &e) == 0,
	   "graded flood: collect_changes: %s", e.msg);
	ok(!rep.graded.error[0], "the graded state is kept whole (%s)",
	   rep.graded.error);
	ok(has_member(&l, "changes/var/lib/agentd/state.json", "{\"policy\": 6}\n", 0644) &&
	   has_member(&l, "changes/var/log/agentd/audit.jsonl", "{\"seq\": 1}\n", 0644) &&
	   has_member(&l, "changes/home/candidate/answers/chain.json", "[\"a\"]\n", 0644),
	   "every file the grader read is kept past 2100 of the candidate's files");
	ok(has_member(&l, "changes/var/log/agentd/agentd.jsonl", "{\"log\": 1}\n", 0644),
	   "a service's file the grader did not read is kept too");
	ok(rep.graded.files == 4 && rep.graded.touched == 3,
	   "graded: 4 files, 3 paths touched (%zu, %zu)", rep.graded.files,
	   rep.graded.touched);
	ok(rep.candidate.files == CHANGES_MAX_FILES && rep.candidate.left_out == 100,
	   "the candidate's part: %d kept, 100 left out (%zu, %zu)",
	   CHANGES_MAX_FILES, rep.candidate.files, rep.candidate.left_out);
	ok(count_reason(&rep, "cap reached") == 100 &&
	   is_str_eq(refusal(&rep, "home/candidate/aaa/f02000"), "cap reached") &&
	   is_str_eq(refusal(&rep, "home/candidate/aaa/f02099"), "cap reached"),
	   "every file left out is listed as 'cap reached'");
	ok(rep.files == rep.graded.files + rep.candidate.files,
	   "collection.files is both parts");
	ok(member(&l, "changes/.special") != NULL,
	   "changes/.special is there when there is a graded part");
	tar_list_release(&l);
	collect_report_release(&rep);

	/* The same tree without a read log or a service: the old order,
	 * the candidate's home first, and the platform's state is lost. */
	ok(collect_changes(t.up, t.lo, NULL, &l, &rep, &e) == 0 &&
	   !member(&l, "changes/var/lib/agentd/state.json") && !member(&l, "changes/.special"),
	   "without a graded part the flood pushes the state out (what V3 fixes)");
	tar_list_release(&l);
	collect_report_release(&rep);
	gtree_close(&t);
}

static void test_graded_budget(void)
{
	struct grader_read reads[8];
	struct collect_graded g = {reads, 0, 0, SVC, -1};
	struct collect_report rep = {0};
	struct tar_list l = {0};
	struct gtree t;
	struct err e = {0};
	char paths[8][80], rel[64];
	int i;

	/* Six touched files of the largest size lab.read returns fill
	 * the budget; a seventh cannot be kept. */
	gtree_make();
	for (i = 0; i < 7; i++) {
		snprintf(rel, sizeof rel, "var/log/agentd/big%d", i);
		sparse_in("ur", rel, (off_t)COLLECT_GRADED_FILE, SVC);
		snprintf(paths[i], sizeof paths[i], "/%s", rel);
		reads[i].path = paths[i];
		memcpy(reads[i].ops, "r", 2);
	}
	g.nreads = 7;
	gtree_open(&t);
	g.root_fd = t.rt;
	ok(collect_changes(t.up, t.lo, &g, &l, &rep, &e) == 0, "graded budget: %s", e.msg);
	ok(rep.graded.error[0] && strstr(rep.graded.error, "var/log/agentd/big6") &&
	   strstr(rep.graded.error, "graded budget reached"),
	   "past COLLECT_GRADED_TOTAL the graded state is not whole (%s)",
	   rep.graded.error);
	ok(rep.graded.files == 6 && rep.truncated &&
	   is_str_eq(refusal(&rep, "var/log/agentd/big6"),
		     "graded budget reached (5000 entries, 50331648 bytes)"),
	   "six kept, the seventh refused with the reason");
	tar_list_release(&l);
	collect_report_release(&rep);

	/* A file lab.read refuses as too large: its size is kept, not its
	 * bytes, and that is no error. */
	g.nreads = 1;
	snprintf(rel, sizeof rel, "var/log/agentd/huge");
	sparse_in("ur", rel, (off_t)COLLECT_GRADED_FILE + 1, SVC);
	reads[0].path = "/var/log/agentd/huge";
	ok(collect_changes(t.up, t.lo, &g, &l, &rep, &e) == 0 && !rep.graded.error[0],
	   "a touched file over COLLECT_GRADED_FILE: no error (%s)", rep.graded.error);
	snprintf(rel, sizeof rel, "b var/log/agentd/huge %u", COLLECT_GRADED_FILE + 1);
	ok(has_line(&l, "changes/.special", rel) && !member(&l, "changes/var/log/agentd/huge"),
	   "... listed as '%s', its bytes not kept", rel);
	tar_list_release(&l);
	collect_report_release(&rep);

	/* Untouched: the service's big files fill the budget; what does
	 * not fit is left out and listed, and the verdict stands. */
	g.nreads = 0;
	/* state.json (14 bytes) comes first: five of the big ones fit. */
	ok(collect_changes(t.up, t.lo, &g, &l, &rep, &e) == 0 && !rep.graded.error[0] &&
	   rep.graded.left_out == 2 && is_str_eq(refusal(&rep, "var/log/agentd/big6"),
						 "graded budget reached"),
	   "a service's file the grader did not touch that does not fit: left out, no error (%zu)",
	   rep.graded.left_out);
	tar_list_release(&l);
	collect_report_release(&rep);

	/* A cut read log: the graded state cannot be whole. */
	g.reads_cut = 1;
	ok(collect_changes(t.up, t.lo, &g, &l, &rep, &e) == 0 &&
	   strstr(rep.graded.error, "read log was cut"),
	   "a cut read log is an incomplete graded state (%s)", rep.graded.error);
	tar_list_release(&l);
	collect_report_release(&rep);
	gtree_close(&t);
}

static void test_graded_special(void)
{
	struct grader_read reads[] = {
		{"/bin/sh", "e"},
		{"/etc/app/conf", "r"},
		{"/etc/passwd", "r"},
		{"/home/candidate/answers/cause.txt", "r"},
		{"/home/candidate/answers/pipe", "e"},
		{"/home/candidate/made/a%20b/x", "e"},
		{"/opt/tools", "l"},
		{"/run", "e"},
		{"/var/lib/agentd/state.json", "r"},
		{"/var/log/agentd/gone.log", "r"},
	};
	struct collect_graded g = {reads, sizeof reads / sizeof reads[0], 0, SVC, -1};
	struct collect_report rep = {0};
	struct tar_list l = {0};
	struct gtree t;
	struct err e = {0};
	char p[512], q[512];

	gtree_make();
	/* the skeleton: only in the merged root */
	link_in("r", "bin", "usr/bin");
	dir_in("ulr", "etc");
	put_in("r", "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0);
	dir_in("r", "run");
	/* the candidate: a link over a system/ file, a FIFO, new dirs */
	dir_in("ulr", "etc/app");
	put_in("l", "etc/app/conf", "mode=broken\n", 0);
	link_in("ur", "etc/app/conf", "../../../../outside/conf");
	snprintf(p, sizeof p, "%s/g/upper/home/candidate/answers/pipe", top);
	snprintf(q, sizeof q, "%s/g/root/home/candidate/answers/pipe", top);
	ok(mkfifo(p, 0644) == 0 && mkfifo(q, 0644) == 0, "a FIFO among the answers");
	dir_in("ur", "home/candidate/made");
	dir_in("ur", "home/candidate/made/a b");
	/* a hard-linked answer: read by the grader, so kept */
	put_in("ur", "home/candidate/answers/cause.txt", "typo\n", 1000);
	snprintf(p, sizeof p, "%s/g/upper/home/candidate/answers/cause.txt", top);
	snprintf(q, sizeof q, "%s/g/upper/home/candidate/cause-again.txt", top);
	ok(link(p, q) == 0, "a second link to the answer");
	/* a listed directory: what changed in it, and what is new */
	dir_in("ulr", "opt");
	dir_in("ulr", "opt/tools");
	put_in("l", "opt/tools/old", "old\n", 0);
	put_in("l", "opt/tools/same", "same\n", 0);
	put_in("ur", "opt/tools/same", "same\n", 0);
	ok(node("g/upper/opt/tools/old", S_IFCHR, makedev(0, 0)) == 0, "a whiteout in a listed directory");
	put_in("ur", "opt/tools/new", "new\n", 1000);
	dir_in("ur", "opt/tools/sub");
	link_in("ur", "opt/tools/lnk", "/etc/shadow");
	/* the service deleted a file the grader looks for */
	put_in("l", "var/log/agentd/gone.log", "x\n", SVC);
	ok(node("g/upper/var/log/agentd/gone.log", S_IFCHR, makedev(0, 0)) == 0,
	   "a whiteout where the grader reads");

	gtree_open(&t);
	g.root_fd = t.rt;
	ok(collect_changes(t.up, t.lo, &g, &l, &rep, &e) == 0, "graded special: %s", e.msg);
	ok(!rep.graded.error[0], "kept whole (%s)", rep.graded.error);
	ok(has_line(&l, "changes/.special", "l bin usr/bin"),
	   "a link of the skeleton on the path: 'l bin usr/bin'");
	ok(has_member(&l, "changes/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644),
	   "a file of the skeleton the grader read is kept");
	ok(has_line(&l, "changes/.special", "d run"),
	   "a directory of the skeleton: 'd run'");
	ok(has_line(&l, "changes/.special",
		    "l etc/app/conf %2E%2E/%2E%2E/%2E%2E/%2E%2E/outside/conf"),
	   "a link over a system/ file, target encoded, not followed");
	ok(has_line(&l, "changes/.special", "o home/candidate/answers/pipe"),
	   "a FIFO: 'o'");
	ok(has_line(&l, "changes/.special", "d home/candidate/made") &&
	   has_line(&l, "changes/.special", "d home/candidate/made/a%20b"),
	   "the directories the candidate made on the path");
	ok(has_member(&l, "changes/home/candidate/answers/cause.txt", "typo\n", 0644),
	   "a touched file with two links is kept");
	is_str(refusal(&rep, "home/candidate/cause-again.txt"), "2 links",
	       "its other name, untouched, is still refused");
	ok(has_line(&l, "changes/.deleted", "opt/tools/old") &&
	   has_member(&l, "changes/opt/tools/new", "new\n", 0644) &&
	   has_line(&l, "changes/.special", "d opt/tools/sub") &&
	   has_line(&l, "changes/.special", "l opt/tools/lnk /etc/shadow") &&
	   !member(&l, "changes/opt/tools/same"),
	   "a listed directory: its deletion, new file, new directory and link");
	ok(has_line(&l, "changes/.deleted", "var/log/agentd/gone.log"),
	   "a deletion where the grader read is kept");
	ok(rep.graded.deleted == 2 && rep.deleted == 2, "two graded deletions");
	ok(rep.graded.special == count_lines(&l, "changes/.special"),
	   "graded.special counts the lines (%zu)", rep.graded.special);
	{
		const struct tar_entry *m = member(&l, "changes/.special");
		size_t i;
		int sorted = m != NULL;
		const char *prev = "";

		for (i = 0; sorted && i < m->len;) {
			const char *line = (const char *)m->data + i;
			const char *nl = memchr(line, '\n', m->len - i);

			sorted = nl && strncmp(prev, line + 2, strcspn(line + 2, " \n")) <= 0;
			prev = line + 2;
			i = (size_t)(nl - (const char *)m->data) + 1;
		}
		ok(sorted, ".special is sorted by path");
		for (i = 0; m && i < m->len; i++)
			printf("%s%c", i == 0 || m->data[i - 1] == '\n' ? "#   .special: " : "",
			       m->data[i]);
	}
	tar_list_release(&l);
	collect_report_release(&rep);
	gtree_close(&t);
}

static void test_graded_deleted(void)
{
	struct grader_read reads[] = {{"/zz/gone", "e"}};
	struct collect_graded g = {reads, 1, 0, SVC, -1};
	struct collect_report rep = {0};
	struct tar_list l = {0};
	struct gtree t;
	struct err e = {0};
	char rel[64];
	int i;

	gtree_make();
	dir_in("ulr", "wo");
	dir_in("ulr", "zz");
	put_in("l", "zz/gone", "x\n", 0);
	node("g/upper/zz/gone", S_IFCHR, makedev(0, 0));
	for (i = 0; i < DELETED_MAX + 3; i++) {
		snprintf(rel, sizeof rel, "g/upper/wo/w%05d", i);
		node(rel, S_IFCHR, makedev(0, 0));
	}
	gtree_open(&t);
	g.root_fd = t.rt;
	ok(collect_changes(t.up, t.lo, &g, &l, &rep, &e) == 0, "graded deletions: %s", e.msg);
	ok(!rep.graded.error[0] && has_line(&l, "changes/.deleted", "zz/gone"),
	   "a graded deletion that sorts last is kept past %d of the candidate's",
	   DELETED_MAX);
	ok(rep.deleted == DELETED_MAX && rep.graded.deleted == 1 &&
	   rep.candidate.left_out == 4,
	   "the candidate's deletions fill what is left (%zu left out)",
	   rep.candidate.left_out);
	tar_list_release(&l);
	collect_report_release(&rep);
	gtree_close(&t);
}

int main(void)
{
	struct err e = {0};

	test_encode();
	if (geteuid() != 0) {
		printf("ok %d # SKIP collection tests need root (mknod, trusted xattrs)\n",
		       ++tap_n);
		return tap_done();
	}
	snprintf(top, sizeof top, "/tmp/labrun-collect.XXXXXX");
	if (!mkdtemp(top)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_changes();
	test_caps();
	test_answers();
	test_graded_flood();
	test_graded_budget();
	test_graded_special();
	test_graded_deleted();
	remove_tree(top, &e);
	return tap_done();
}
