/* test_collect: an overlay upper layer built by hand (files, a whiteout,
 * an opaque directory, links, a FIFO, a socket, devices, a sparse huge
 * file, hostile names) and what collect makes of it. */
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

#include "runner/collect.h"
#include "runner/err.h"
#include "runner/limits.h"
#include "runner/tarball.h"
#include "runner/util.h"
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

	ok(collect_encode("etc/a b", out, sizeof out) == 0, "encode ok");
	is_str(out, "etc/a%20b", "space");
	collect_encode("caf\xc3\xa9/x\ny", out, sizeof out);
	is_str(out, "caf%C3%A9/x%0Ay", "UTF-8 and newline, uppercase hex");
	collect_encode("100%/A-Z_a.z+@=,~", out, sizeof out);
	is_str(out, "100%25/A-Z_a.z+@=,%7E", "percent and tilde encoded, the safe set kept");
	collect_encode(".deleted", out, sizeof out);
	is_str(out, "%2Edeleted", "top-level .deleted");
	collect_encode(".special", out, sizeof out);
	is_str(out, "%2Especial", "top-level .special");
	collect_encode(".deleted/.deleted", out, sizeof out);
	is_str(out, "%2Edeleted/.deleted", "only the top-level one");
	collect_encode("a/../.", out, sizeof out);
	is_str(out, "a/%2E%2E/%2E", "dot components are encoded");
	collect_encode("a\\b\"c", out, sizeof out);
	is_str(out, "a%5Cb%22c", "backslash and quote");
	ok(collect_encode("abcdef", out, 6) < 0, "too small a buffer: -1");
	ok(collect_encode("   ", out, 9) < 0, "encoded form must fit with NUL");
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
	remove_tree(top, &e);
	return tap_done();
}
