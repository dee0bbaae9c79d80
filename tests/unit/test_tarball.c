/* test_tarball: canonical writing (same members, same bytes) and every
 * refusal of tar_read, with hostile archives built here with libarchive
 * (links, devices, traversal, duplicates, oversize, corrupt bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/tarball.h"
#include "tests/unit/tap.h"

enum fmt { FMT_PAX, FMT_USTAR, FMT_GNU, FMT_PAX_GZIP };

struct member {
	const char *name;
	unsigned type;    /* AE_IFREG, AE_IFDIR, AE_IFLNK, ... */
	const char *data; /* file contents, or a link target */
	int hard;         /* data names a hard link target */
};

static int has(const struct err *e, const char *needle)
{
	return strstr(e->msg, needle) != NULL;
}

/* An archive of the members exactly as given (libarchive's writer does
 * not sanitise names), in out. */
static int build(const struct member *m, size_t n, enum fmt fmt,
		 struct buf *out)
{
	static unsigned char mem[1 << 20];
	struct archive *a = archive_write_new();
	struct archive_entry *ent = archive_entry_new();
	size_t used = 0, i, len;
	struct err e = {ERR_NONE, ""};
	int rc = -1;

	if (fmt == FMT_USTAR)
		archive_write_set_format_ustar(a);
	else if (fmt == FMT_GNU)
		archive_write_set_format_gnutar(a);
	else
		archive_write_set_format_pax_restricted(a);
	if (fmt == FMT_PAX_GZIP)
		archive_write_add_filter_gzip(a);
	if (archive_write_open_memory(a, mem, sizeof mem, &used) != ARCHIVE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		archive_entry_clear(ent);
		archive_entry_copy_pathname(ent, m[i].name);
		archive_entry_set_perm(ent, m[i].type == AE_IFDIR ? 0755 : 0644);
		archive_entry_set_filetype(ent, m[i].type);
		len = 0;
		if (m[i].hard) {
			archive_entry_copy_hardlink(ent, m[i].data);
		} else if (m[i].type == AE_IFLNK) {
			archive_entry_copy_symlink(ent, m[i].data);
		} else if (m[i].type == AE_IFREG && m[i].data) {
			len = strlen(m[i].data);
		} else if (m[i].type == AE_IFCHR || m[i].type == AE_IFBLK) {
			archive_entry_set_rdev(ent, 0x0103);
		}
		archive_entry_set_size(ent, (la_int64_t)len);
		if (archive_write_header(a, ent) < ARCHIVE_WARN) {
			fprintf(stderr, "# build %s: %s\n", m[i].name,
				archive_error_string(a));
			goto out;
		}
		if (len)
			archive_write_data(a, m[i].data, len);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto out;
	out->data = NULL;
	out->len = out->cap = 0;
	buf_append(out, mem, used, &e);
	rc = 0;
out:
	archive_entry_free(ent);
	archive_write_free(a);
	return rc;
}

static const struct tar_limits lim_default = {
	BUNDLE_MAX_ENTRIES, BUNDLE_MAX_FILE, BUNDLE_MAX_TOTAL};

/* Build and read; returns tar_read's result, e filled on refusal. */
static int try_read(const struct member *m, size_t n, enum fmt fmt,
		    const struct tar_limits *lim, struct err *e)
{
	struct buf b = BUF_INIT;
	struct tar_list l = {NULL, 0, 0};
	int rc;

	if (build(m, n, fmt, &b) < 0) {
		snprintf(e->msg, sizeof e->msg, "(could not build)");
		return 99;
	}
	e->msg[0] = 0;
	e->kind = ERR_NONE;
	rc = tar_read(b.data, b.len, "evil.lab", lim ? lim : &lim_default, &l,
		      e);
	tar_list_release(&l);
	buf_release(&b);
	return rc;
}

static void refused(const struct member *m, size_t n, enum fmt fmt,
		    const struct tar_limits *lim, const char *needle,
		    const char *what)
{
	struct err e = {ERR_NONE, ""};
	int rc = try_read(m, n, fmt, lim, &e);

	ok(rc == -1 && e.kind == ERR_REFUSED && has(&e, "evil.lab") &&
	   has(&e, needle), "refused: %s (%s)", what, e.msg);
}

static void test_names(void)
{
	static const char *const good[] = {
		"a", "a/b.c", "caf\xc3\xa9", ".hidden", "a..b", "...", "a b",
		"\xf0\x9f\x98\x80", NULL,
	};
	static const char *const bad[] = {
		"", "/abs", "a/../b", "..", "../x", "a/..", ".", "./a", "a/./b",
		"a//b", "a/", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xe2\x82", "a\nb", "a\tb", "\x7f", "\xc2\x85", "\x1b[2J", NULL,
	};
	char longname[BUNDLE_MAX_NAME + 2];
	struct err e = {ERR_NONE, ""};
	int i;

	for (i = 0; good[i]; i++)
		ok(tar_name_check(good[i], &e) == 0, "name ok: '%s'", good[i]);
	for (i = 0; bad[i]; i++)
		ok(tar_name_check(bad[i], &e) < 0 && e.kind == ERR_REFUSED,
		   "name refused: %s", e.msg);
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	ok(tar_name_check(longname, &e) < 0 && has(&e, "longer than"),
	   "name over BUNDLE_MAX_NAME refused");
	longname[BUNDLE_MAX_NAME] = 0;
	ok(tar_name_check(longname, &e) == 0, "name of BUNDLE_MAX_NAME bytes ok");
	ok(tar_name_check("a\nb", &e) < 0 && !strchr(e.msg, '\n'),
	   "control characters are escaped in messages");
}

static struct tar_list sample(int reversed, int modes)
{
	struct tar_list l = {NULL, 0, 0};
	struct err e = {ERR_NONE, ""};
	static const char bin[] = {0, 1, 2, (char)0xff};

	if (!reversed) {
		tar_list_add_dir(&l, "system", &e);
		tar_list_add_dir(&l, "system/etc", &e);
		tar_list_add_file(&l, "system/etc/x.conf", modes ? 0600 : 0644,
				  "x=1\n", 4, &e);
		tar_list_add_file(&l, "brief.md", 0644, "# Brief\n", 8, &e);
		tar_list_add_file(&l, "run.sh", modes ? 0700 : 0755, "#!\n", 3,
				  &e);
		tar_list_add_file(&l, "empty", 0644, "", 0, &e);
		tar_list_add_file(&l, "bin", 0644, bin, sizeof bin, &e);
		tar_list_add_file(&l, "caf\xc3\xa9.md", 0644, "\xc3\xa9", 2, &e);
	} else {
		tar_list_add_file(&l, "caf\xc3\xa9.md", 0664, "\xc3\xa9", 2, &e);
		tar_list_add_file(&l, "bin", 0640, bin, sizeof bin, &e);
		tar_list_add_file(&l, "empty", 0444, "", 0, &e);
		tar_list_add_file(&l, "run.sh", 0711, "#!\n", 3, &e);
		tar_list_add_file(&l, "brief.md", 0600, "# Brief\n", 8, &e);
		tar_list_add_file(&l, "system/etc/x.conf", 0640, "x=1\n", 4,
				  &e);
		tar_list_add_dir(&l, "system/etc", &e);
		tar_list_add_dir(&l, "system", &e);
	}
	return l;
}

static void test_canonical(void)
{
	struct tar_list a = sample(0, 0), b = sample(1, 1), c = {NULL, 0, 0};
	struct buf ta = BUF_INIT, tb = BUF_INIT, tc = BUF_INIT;
	const struct tar_entry *t;
	struct err e = {ERR_NONE, ""};

	ok(tar_write(&a, &ta, &e) == 0, "write: %s", e.msg);
	ok(tar_write(&b, &tb, &e) == 0, "write shuffled");
	ok(ta.len == tb.len && !memcmp(ta.data, tb.data, ta.len),
	   "shuffled members and other modes give identical bytes");
	ok(ta.len % 512 == 0 && ta.len >= 1024, "output is whole tar blocks");
	ok(tar_read(ta.data, ta.len, "mine.lab", &lim_default, &c, &e) == 0,
	   "read back: %s", e.msg);
	ok(c.n == 8, "8 members read back");
	t = tar_list_find(&c, "run.sh");
	ok(t && !t->is_dir && t->mode == 0755 && t->len == 3 &&
	   !memcmp(t->data, "#!\n", 3), "executable file: mode 0755, data");
	t = tar_list_find(&c, "system/etc/x.conf");
	ok(t && t->mode == 0644 && t->data[t->len] == 0,
	   "plain file 0644, NUL-terminated data");
	t = tar_list_find(&c, "bin");
	ok(t && t->len == 4 && t->data[3] == (unsigned char)0xff,
	   "binary data intact");
	t = tar_list_find(&c, "system");
	ok(t && t->is_dir && t->mode == 0755, "directory kept, no trailing /");
	ok(tar_list_find(&c, "caf\xc3\xa9.md") != NULL, "UTF-8 name intact");
	ok(tar_list_find(&c, "empty") && tar_list_find(&c, "empty")->len == 0,
	   "empty file");
	ok(c.n > 1 && strcmp(c.v[0].name, c.v[1].name) < 0,
	   "read list is sorted");
	ok(tar_write(&c, &tc, &e) == 0 && tc.len == ta.len &&
	   !memcmp(tc.data, ta.data, ta.len), "read then write: same bytes");
	{
		/* tar_is_canonical: the same answer as writing and comparing. */
		int same = -1;
		size_t mid = ta.len / 2;
		unsigned char *copy = malloc(ta.len + 512);

		ok(tar_is_canonical(&c, ta.data, ta.len, &same, &e) == 0 && same == 1,
		   "canonical: the bytes tar_write gives");
		memcpy(copy, ta.data, ta.len);
		copy[mid] ^= 1;
		ok(tar_is_canonical(&c, copy, ta.len, &same, &e) == 0 && same == 0,
		   "canonical: one bit flipped mid-file is not");
		copy[mid] ^= 1;
		copy[ta.len - 1] = 'x';
		ok(tar_is_canonical(&c, copy, ta.len, &same, &e) == 0 && same == 0,
		   "canonical: a byte of the end padding changed is not");
		copy[ta.len - 1] = 0;
		memset(copy + ta.len, 0, 512);
		ok(tar_is_canonical(&c, copy, ta.len + 512, &same, &e) == 0 && same == 0,
		   "canonical: one block more is not");
		ok(tar_is_canonical(&c, copy, ta.len - 512, &same, &e) == 0 && same == 0,
		   "canonical: one block less is not");
		free(copy);
	}
	tar_list_release(&a);
	tar_list_release(&b);
	tar_list_release(&c);
	buf_release(&ta);
	buf_release(&tb);
	buf_release(&tc);

	a = (struct tar_list){NULL, 0, 0};
	tar_list_add_file(&a, "x", 0644, "1", 1, &e);
	tar_list_add_file(&a, "x", 0644, "2", 1, &e);
	ok(tar_write(&a, &ta, &e) < 0 && has(&e, "twice"),
	   "write refuses a duplicate");
	tar_list_release(&a);
	tar_list_add_file(&a, "x", 0644, "1", 1, &e);
	tar_list_add_file(&a, "x/y", 0644, "2", 1, &e);
	ok(tar_write(&a, &ta, &e) < 0 && has(&e, "beneath a file"),
	   "write refuses a member beneath a file");
	tar_list_release(&a);
	ok(tar_list_add_file(&a, "../x", 0644, "1", 1, &e) < 0 && a.n == 0,
	   "add refuses an unsafe name");
	ok(tar_write(&a, &ta, &e) == 0 && ta.len > 0 &&
	   tar_read(ta.data, ta.len, "empty.lab", &lim_default, &c, &e) == 0 &&
	   c.n == 0, "an empty list round trips");
	buf_release(&ta);
	tar_list_release(&c);
}

static void test_hostile(void)
{
	struct member ok1[] = {{"a", AE_IFREG, "x", 0}};
	struct member trav[] = {
		{"scenario.json", AE_IFREG, "{}", 0},
		{"system/etc/../../../../etc/passwd", AE_IFREG, "root", 0}};
	struct member trav2[] = {{"a/b/c/d/e/../../../../../../x", AE_IFREG, "x", 0}};
	struct member abs[] = {{"/etc/passwd", AE_IFREG, "root", 0}};
	struct member empty[] = {{"a//b", AE_IFREG, "x", 0}};
	struct member sym[] = {{"system/etc", AE_IFLNK, "/etc", 0}};
	struct member sym_ok_target[] = {{"link", AE_IFLNK, "file", 0}};
	struct member hard[] = {{"a", AE_IFREG, "x", 0}, {"b", AE_IFREG, "a", 1}};
	struct member chr[] = {{"dev/null", AE_IFCHR, NULL, 0}};
	struct member blk[] = {{"dev/sda", AE_IFBLK, NULL, 0}};
	struct member fifo[] = {{"pipe", AE_IFIFO, NULL, 0}};
	struct member dup[] = {{"a", AE_IFREG, "1", 0}, {"a", AE_IFREG, "2", 0}};
	struct member filedir[] = {{"a", AE_IFREG, "1", 0}, {"a/", AE_IFDIR, NULL, 0}};
	struct member dirdir[] = {{"a/", AE_IFDIR, NULL, 0}, {"a", AE_IFDIR, NULL, 0}};
	struct member under[] = {{"a", AE_IFREG, "1", 0}, {"a/b", AE_IFREG, "2", 0}};
	struct member under2[] = {{"a-b", AE_IFREG, "1", 0}, {"a", AE_IFREG, "1", 0},
				  {"a/b/c", AE_IFREG, "2", 0}};
	struct member many[] = {{"a", AE_IFREG, "1", 0}, {"b", AE_IFREG, "1", 0},
				{"c", AE_IFDIR, NULL, 0}, {"d", AE_IFREG, "1", 0}};
	struct member big[] = {{"big", AE_IFREG, "12345678901", 0}};
	struct member tot[] = {{"a", AE_IFREG, "1234567890", 0},
			       {"b", AE_IFREG, "1234567890", 0}};
	struct member badutf[] = {{"caf\xe9", AE_IFREG, "x", 0}};
	struct member ctl[] = {{"a\x1b[31mred", AE_IFREG, "x", 0}};
	struct member nl[] = {{"a\nb", AE_IFREG, "x", 0}};
	struct tar_limits three = {3, BUNDLE_MAX_FILE, BUNDLE_MAX_TOTAL};
	struct tar_limits ten = {100, 10, 100};
	struct tar_limits fifteen = {100, 100, 15};
	char longname[BUNDLE_MAX_NAME + 2];
	struct member lng[] = {{longname, AE_IFREG, "x", 0}};
	struct err e = {ERR_NONE, ""};

	ok(try_read(ok1, 1, FMT_PAX, NULL, &e) == 0, "control: plain archive "
	   "reads (%s)", e.msg);
	ok(try_read(ok1, 1, FMT_GNU, NULL, &e) == 0, "control: GNU tar reads");
	ok(try_read(ok1, 1, FMT_USTAR, NULL, &e) == 0, "control: ustar reads");
	refused(trav, 2, FMT_PAX, NULL, "\"..\"", "traversal at depth");
	refused(trav2, 1, FMT_GNU, NULL, "\"..\"", "deep traversal (GNU format)");
	refused(abs, 1, FMT_USTAR, NULL, "absolute", "absolute name");
	{
		/* `tar -C dir .` writes "./a" and a "./" entry: one leading
		 * "./" is accepted and dropped; "a/./b" is still refused. */
		struct member dotdir[] = {{"./", AE_IFDIR, NULL, 0},
					  {"./a", AE_IFREG, "x", 0}};
		struct member inner[] = {{"a/./b", AE_IFREG, "x", 0}};
		struct buf b = BUF_INIT;
		struct tar_list l = {NULL, 0, 0};
		struct err de = {ERR_NONE, ""};

		ok(build(dotdir, 2, FMT_PAX, &b) == 0 &&
		   tar_read(b.data, b.len, "evil.lab", NULL, &l, &de) == 0 &&
		   l.n == 1 && !strcmp(l.v[0].name, "a"),
		   "a leading \"./\" is tar's relative name (%s)", de.msg);
		tar_list_release(&l);
		buf_release(&b);
		refused(inner, 1, FMT_PAX, NULL, "\".\"", "\".\" inside a name");
	}
	refused(empty, 1, FMT_PAX, NULL, "empty path component", "empty component");
	refused(sym, 1, FMT_PAX, NULL, "symbolic link", "symlink");
	refused(sym_ok_target, 1, FMT_GNU, NULL, "symbolic link",
		"symlink to a harmless target");
	refused(hard, 2, FMT_PAX, NULL, "hard link", "hard link");
	refused(chr, 1, FMT_PAX, NULL, "character device", "character device");
	refused(blk, 1, FMT_USTAR, NULL, "block device", "block device");
	refused(fifo, 1, FMT_PAX, NULL, "FIFO", "FIFO");
	refused(dup, 2, FMT_PAX, NULL, "twice", "duplicate file");
	refused(filedir, 2, FMT_PAX, NULL, "twice", "a file and a directory 'a/'");
	refused(dirdir, 2, FMT_GNU, NULL, "twice", "'a/' and 'a'");
	refused(under, 2, FMT_PAX, NULL, "beneath a file", "member under a file");
	refused(under2, 3, FMT_PAX, NULL, "beneath a file",
		"member two levels under a file");
	refused(many, 4, FMT_PAX, &three, "more than 3 members", "too many entries");
	ok(try_read(many, 3, FMT_PAX, &three, &e) == 0, "exactly max_entries ok");
	refused(big, 1, FMT_PAX, &ten, "larger than 10 bytes", "oversize file");
	ok(try_read(tot, 1, FMT_PAX, &ten, &e) == 0, "file of exactly max_file ok");
	refused(tot, 2, FMT_PAX, &fifteen, "total more than 15", "total over limit");
	refused(badutf, 1, FMT_USTAR, NULL, "UTF-8", "invalid UTF-8 name");
	refused(ctl, 1, FMT_USTAR, NULL, "control character", "escape in a name");
	refused(nl, 1, FMT_PAX, NULL, "control character", "newline in a name");
	memset(longname, 'y', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	refused(lng, 1, FMT_PAX, NULL, "longer than", "name over BUNDLE_MAX_NAME");
	refused(ok1, 1, FMT_PAX_GZIP, NULL, "corrupt", "gzip-compressed tar");
}

static void test_corrupt(void)
{
	struct member two[] = {
		{"a", AE_IFREG,
		 "0123456789012345678901234567890123456789012345678901234567890"
		 "1234567890123456789012345678901234567890", 0},
		{"b", AE_IFREG, "second", 0}};
	struct buf b = BUF_INIT;
	struct tar_list l = {NULL, 0, 0};
	unsigned char *copy;
	struct err e = {ERR_NONE, ""};
	size_t i;

	if (build(two, 2, FMT_PAX, &b) < 0) {
		ok(0, "build");
		return;
	}
	copy = malloc(b.len);
	ok(tar_read(b.data, 600, "evil.lab", &lim_default, &l, &e) < 0 &&
	   has(&e, "truncated"), "truncated in a member's data: %s", e.msg);
	ok(tar_read(b.data, 300, "evil.lab", &lim_default, &l, &e) < 0,
	   "truncated in a header: %s", e.msg);
	ok(tar_read(b.data, 1024 + 100, "evil.lab", &lim_default, &l, &e) < 0,
	   "truncated in the second header: %s", e.msg);
	memcpy(copy, b.data, b.len);
	copy[1024 + 148] ^= 0x11; /* the second header's checksum */
	ok(tar_read(copy, b.len, "evil.lab", &lim_default, &l, &e) < 0 &&
	   has(&e, "corrupt"), "bad header checksum: %s", e.msg);
	memcpy(copy, b.data, b.len);
	copy[124] = 'z'; /* the first header's size field */
	ok(tar_read(copy, b.len, "evil.lab", &lim_default, &l, &e) < 0,
	   "garbage size field: %s", e.msg);
	for (i = 0; i < b.len; i++)
		copy[i] = (unsigned char)(i * 7 + 3);
	ok(tar_read(copy, b.len, "evil.lab", &lim_default, &l, &e) < 0 &&
	   e.kind == ERR_REFUSED, "garbage bytes: %s", e.msg);
	ok(tar_read(copy, 1, "evil.lab", &lim_default, &l, &e) < 0,
	   "one byte refused");
	ok(tar_list_find(&l, "a") == NULL && l.n == 0,
	   "nothing is returned on refusal");
	free(copy);
	buf_release(&b);
}

int main(void)
{
	test_names();
	test_canonical();
	test_hostile();
	test_corrupt();
	return tap_done();
}
