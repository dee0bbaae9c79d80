/* test_bundle: reading a source tree (links, FIFOs, devices, litter
 * refused), opening signed bundles (signature checked before parsing,
 * minisign-made signatures accepted) and extracting without following
 * links. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/bundle.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "tests/unit/tap.h"

static char top[64];
static const struct tar_limits lim = {
	BUNDLE_MAX_ENTRIES, BUNDLE_MAX_FILE, BUNDLE_MAX_TOTAL};

static const char *at(const char *name)
{
	static char path[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(path[k], sizeof path[k], "%s/%s", top, name);
	return path[k];
}

static void put(const char *name, const char *text, mode_t mode)
{
	char dir[512], *slash;
	struct err e = {ERR_NONE, ""};
	int fd;

	snprintf(dir, sizeof dir, "%s", at(name));
	slash = strrchr(dir, '/');
	*slash = 0;
	mkdir_p(dir, 0755, &e);
	fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror(name);
	if (fd >= 0)
		close(fd);
	chmod(at(name), mode);
}

static int has(const struct err *e, const char *needle)
{
	return strstr(e->msg, needle) != NULL;
}

static void skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_n, why);
}

static void make_tree(const char *d)
{
	char n[256];

#define P(rel, text, mode)                                         \
	do {                                                       \
		snprintf(n, sizeof n, "%s/%s", d, rel);           \
		put(n, text, mode);                                \
	} while (0)
	P("scenario.json", "{\"id\":\"t\"}\n", 0644);
	P("brief.md", "# Brief\n", 0600);
	P("system/etc/x.conf", "x=1\n", 0600);
	P("system/bin/tool", "#!/bin/sh\n", 0700);
	P("grader/grade.lua", "return {}\n", 0644);
	P("system/home/u/.bashrc", "# dotfiles are fine\n", 0644);
#undef P
	snprintf(n, sizeof n, "%s/system/var/empty", at(d));
	mkdir_p(n, 0700, &(struct err){ERR_NONE, ""});
}

static void test_read_dir(void)
{
	struct tar_list l = {NULL, 0, 0};
	const struct tar_entry *t;
	struct err e = {ERR_NONE, ""};

	make_tree("src");
	ok(bundle_read_dir(at("src"), &lim, &l, &e) == 0, "read_dir: %s", e.msg);
	tar_list_sort(&l);
	ok(l.n == 14, "all files and directories listed (%zu)", l.n);
	t = tar_list_find(&l, "system/bin/tool");
	ok(t && t->mode == 0755 && t->len == 10, "executable normalised to 0755");
	t = tar_list_find(&l, "system/etc/x.conf");
	ok(t && t->mode == 0644 && !strcmp((char *)t->data, "x=1\n"),
	   "0600 file normalised to 0644, data read");
	t = tar_list_find(&l, "system/var/empty");
	ok(t && t->is_dir, "empty directory kept");
	ok(tar_list_find(&l, "system/home/u/.bashrc") != NULL,
	   "dotfiles in system/ are kept");
	ok(l.n && strcmp(l.v[0].name, "brief.md") == 0, "names are relative");
	tar_list_release(&l);
}

static void refuse_tree(const char *d, const struct tar_limits *lm,
			const char *needle, const char *what)
{
	struct tar_list l = {NULL, 0, 0};
	struct err e = {ERR_NONE, ""};
	int rc = bundle_read_dir(at(d), lm ? lm : &lim, &l, &e);

	ok(rc < 0 && e.kind == ERR_REFUSED && has(&e, needle) && l.n == 0,
	   "read_dir refuses %s: %s", what, e.msg);
}

static void test_read_dir_refusals(void)
{
	struct tar_limits three = {3, BUNDLE_MAX_FILE, BUNDLE_MAX_TOTAL};
	struct tar_limits small = {100, 5, 100};
	struct tar_limits total = {100, 100, 20};
	struct sockaddr_un sa;
	int s;

	make_tree("sym");
	symlink("/etc/passwd", at("sym/system/etc/passwd"));
	refuse_tree("sym", NULL, "sym/system/etc/passwd: is a symbolic link",
		    "a symlink at depth, naming it");
	refuse_tree("sym", NULL, "hint:", "a symlink, with the fix");
	make_tree("symdir");
	symlink("/etc", at("symdir/system/etc2"));
	refuse_tree("symdir", NULL, "symbolic link", "a symlink to a directory");
	make_tree("fifo");
	mkfifo(at("fifo/system/pipe"), 0644);
	refuse_tree("fifo", NULL, "is a FIFO", "a FIFO");
	make_tree("sock");
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", at("sock/s"));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0)
		refuse_tree("sock", NULL, "is a socket", "a socket");
	else
		skip("cannot bind a unix socket here");
	if (s >= 0)
		close(s);
	make_tree("dev");
	if (mknod(at("dev/system/null"), S_IFCHR | 0644, makedev(1, 3)) == 0)
		refuse_tree("dev", NULL, "is a device", "a device");
	else
		skip("mknod not permitted");
	make_tree("git");
	mkdir(at("git/.git"), 0755);
	refuse_tree("git", NULL, "version-control", "a .git directory");
	make_tree("swap");
	put("swap/system/etc/.x.conf.swp", "", 0644);
	refuse_tree("swap", NULL, "editor", "a vim swap file");
	make_tree("tilde");
	put("tilde/brief.md~", "", 0644);
	refuse_tree("tilde", NULL, "editor", "a backup file");
	refuse_tree("src", &three, "more than 3", "too many entries");
	refuse_tree("src", &small, "larger than 5 bytes", "an oversize file");
	refuse_tree("src", &total, "total more than 20", "too much data");
	symlink(at("src"), at("link-to-src"));
	refuse_tree("link-to-src", NULL, "symbolic link", "a symlinked top");
	refuse_tree("missing", NULL, "missing", "a missing directory");
}

static int write_bundle(const char *name, const char *key,
			struct tar_list *l, const char *comment)
{
	struct buf tar = BUF_INIT, sig = BUF_INIT;
	struct sign_sec *sk = NULL;
	struct err e = {ERR_NONE, ""};
	char sigpath[600];
	int rc = -1;

	snprintf(sigpath, sizeof sigpath, "%s.minisig", at(name));
	if (sign_sec_load(at(key), &sk, &e) < 0 || tar_write(l, &tar, &e) < 0 ||
	    sign_data(sk, tar.data, tar.len, comment, &sig, &e) < 0 ||
	    write_file_atomic(at(name), tar.data, tar.len, 0644, &e) < 0 ||
	    write_file_atomic(sigpath, sig.data, sig.len, 0644, &e) < 0)
		fprintf(stderr, "# write_bundle: %s\n", e.msg);
	else
		rc = 0;
	sign_sec_free(sk);
	buf_release(&tar);
	buf_release(&sig);
	return rc;
}

static void sign_raw(const char *name, const char *key, const void *data,
		     size_t len)
{
	struct buf sig = BUF_INIT;
	struct sign_sec *sk = NULL;
	struct err e = {ERR_NONE, ""};
	char sigpath[600];

	snprintf(sigpath, sizeof sigpath, "%s.minisig", at(name));
	write_file_atomic(at(name), data, len, 0644, &e);
	if (sign_sec_load(at(key), &sk, &e) == 0 &&
	    sign_data(sk, data, len, "raw", &sig, &e) == 0)
		write_file_atomic(sigpath, sig.data, sig.len, 0644, &e);
	sign_sec_free(sk);
	buf_release(&sig);
}

/* Run stock minisign to sign a file; 0 if it did, 1 if it is missing. */
static int minisign_sign(const char *key, const char *file)
{
	pid_t pid = fork();
	int st, fd;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("minisign", "minisign", "-S", "-s", key, "-m", file,
		       (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	if (WEXITSTATUS(st) == 127)
		return 1;
	return WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Write u.lab (the bytes of raw) and beside it b.lab's signature with its
 * first line, the untrusted comment, replaced by line; open u.lab. */
static int open_with_first_line(const struct sign_trust *trust,
				const struct buf *raw, const char *line,
				struct err *e)
{
	struct buf sig = BUF_INIT, alt = BUF_INIT;
	struct tar_list got = {NULL, 0, 0};
	const struct sign_pub *signer = NULL;
	char digest[SIGN_SHA256_HEX], sigpath[600];
	const unsigned char *nl;
	int rc = -1;

	snprintf(sigpath, sizeof sigpath, "%s.minisig", at("u.lab"));
	if (read_file_bounded(at("b.lab.minisig"), 4096, &sig, e) < 0 ||
	    !(nl = memchr(sig.data, '\n', sig.len)) ||
	    buf_puts(&alt, line, e) < 0 ||
	    buf_append(&alt, nl + 1, sig.len - (size_t)(nl + 1 - sig.data), e) < 0 ||
	    write_file_atomic(at("u.lab"), raw->data, raw->len, 0644, e) < 0 ||
	    write_file_atomic(sigpath, alt.data, alt.len, 0644, e) < 0)
		goto out;
	rc = bundle_open(at("u.lab"), trust, &lim, &got, digest, &signer, e);
	tar_list_release(&got);
out:
	buf_release(&sig);
	buf_release(&alt);
	return rc;
}

/* The untrusted comment is outside what the key signs.  Found by the tamper
 * sweep (test_tamper): a changed byte there left the bundle accepted.  Only
 * the lines labrun pack and stock minisign -S write are taken. */
static void test_untrusted_comment(const struct sign_trust *trust,
				   const struct buf *raw)
{
	struct err e = {ERR_NONE, ""};

	ok(open_with_first_line(trust, raw, SIGN_SIG_FIRST_LINE, &e) == 0,
	   "the untrusted comment labrun pack writes is taken: %s", e.msg);
	ok(open_with_first_line(trust, raw, SIGN_SIG_FIRST_LINE_MINISIGN, &e) == 0,
	   "the one stock minisign -S writes is taken: %s", e.msg);
	ok(open_with_first_line(trust, raw,
				"untrusted comment: signature from labrun secret kez\n",
				&e) < 0 && e.kind == ERR_REFUSED &&
	   has(&e, "u.lab.minisig: the untrusted comment is not one labrun pack or minisign -S writes"),
	   "an untrusted comment changed by one byte is refused: %s", e.msg);
	ok(open_with_first_line(trust, raw, "untrusted comment: my own words\n",
				&e) < 0 && e.kind == ERR_REFUSED &&
	   has(&e, "hint: sign again with labrun pack, or minisign -S without -c"),
	   "one of minisign -c's is refused with the fix");
}

static void test_open(void)
{
	struct tar_list src = {NULL, 0, 0}, got = {NULL, 0, 0};
	struct sign_trust trust = {NULL, 0}, other = {NULL, 0};
	const struct sign_pub *signer = NULL;
	struct buf raw = BUF_INIT;
	struct err e = {ERR_NONE, ""};
	char digest[SIGN_SHA256_HEX], want[SIGN_SHA256_HEX];
	struct tar_limits tiny = {1, 10, 10};
	int r;

	sign_keygen(at("author.pub"), at("author.key"), &e);
	sign_keygen(at("stranger.pub"), at("stranger.key"), &e);
	sign_trust_load(at("author.pub"), &trust, &e);
	sign_trust_load(at("stranger.pub"), &other, &e);
	bundle_read_dir(at("src"), &lim, &src, &e);
	ok(write_bundle("b.lab", "author.key", &src, "labrun scenario t 1.0.0")
	   == 0, "bundle written");
	ok(bundle_open(at("b.lab"), &trust, &lim, &got, digest, &signer, &e)
	   == 0, "bundle_open: %s", e.msg);
	read_file_bounded(at("b.lab"), 1 << 20, &raw, &e);
	sha256_hex(raw.data, raw.len, want);
	is_str(digest, want, "digest is the SHA-256 of the file");
	ok(signer == &trust.keys[0], "signer points into the trust set");
	ok(got.n == src.n && tar_list_find(&got, "system/bin/tool") &&
	   tar_list_find(&got, "system/bin/tool")->mode == 0755,
	   "members read back");
	tar_list_release(&got);

	ok(bundle_open(at("b.lab"), &other, &lim, &got, digest, &signer, &e) < 0 &&
	   e.kind == ERR_REFUSED && has(&e, "not trusted") &&
	   has(&e, "stranger.pub"), "untrusted signer refused: %s", e.msg);
	{
		/* data + 1/8 + one entry's overhead + slack, and one more */
		size_t n = 10 + 1 + TAR_ENTRY_OVERHEAD + TAR_ARCHIVE_SLACK + 1;
		char *big = calloc(1, n);

		sign_raw("big.lab", "author.key", big, n);
		free(big);
		ok(bundle_open(at("big.lab"), &trust, &tiny, &got, digest,
			       &signer, &e) < 0 && has(&e, "too large"),
		   "bundle over the size bound refused: %s", e.msg);
		sign_raw("big.lab", "author.key", "", 0);
	}

	test_untrusted_comment(&trust, &raw);
	raw.data[600] ^= 1;
	write_file_atomic(at("b.lab"), raw.data, raw.len, 0644, &e);
	ok(bundle_open(at("b.lab"), &trust, &lim, &got, digest, &signer, &e) < 0 &&
	   has(&e, "verification failed"), "one changed byte refused: %s",
	   e.msg);
	raw.data[600] ^= 1;
	write_file_atomic(at("b.lab"), raw.data, raw.len, 0644, &e);
	unlink(at("b.lab.minisig"));
	ok(bundle_open(at("b.lab"), &trust, &lim, &got, digest, &signer, &e) < 0 &&
	   has(&e, "hint: sign it with labrun pack"),
	   "missing signature refused with the fix: %s", e.msg);

	/* Garbage signed by a stranger: the signature is what is reported,
	 * so the archive was never parsed. */
	sign_raw("junk.lab", "stranger.key", "\x1f\x8b not a tar", 12);
	ok(bundle_open(at("junk.lab"), &trust, &lim, &got, digest, &signer, &e) < 0 &&
	   has(&e, "not trusted") && !has(&e, "corrupt"),
	   "signature checked before the archive is parsed");
	sign_raw("junk2.lab", "author.key", "\x1f\x8b not a tar", 12);
	ok(bundle_open(at("junk2.lab"), &trust, &lim, &got, digest, &signer, &e) < 0 &&
	   has(&e, "corrupt"), "a signed but corrupt bundle is refused: %s",
	   e.msg);

	write_file_atomic(at("m.lab"), raw.data, raw.len, 0644, &e);
	r = minisign_sign(at("author.key"), at("m.lab"));
	e.msg[0] = 0;
	if (r == 1) {
		skip("minisign not installed");
	} else {
		ok(r == 0, "stock minisign signs with a labrun secret key");
		ok(bundle_open(at("m.lab"), &trust, &lim, &got, digest, &signer,
			       &e) == 0,
		   "bundle_open accepts minisign's prehashed signature: %s",
		   e.msg);
		tar_list_release(&got);
	}
	buf_release(&raw);
	tar_list_release(&src);
	sign_trust_release(&trust);
	sign_trust_release(&other);
}

static int open_dir(const char *name)
{
	return open(at(name), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void test_extract(void)
{
	struct tar_list l = {NULL, 0, 0}, one = {NULL, 0, 0};
	struct err e = {ERR_NONE, ""};
	struct buf b = BUF_INIT;
	struct stat st;
	int fd;

	bundle_read_dir(at("src"), &lim, &l, &e);
	tar_list_sort(&l);
	mkdir(at("root"), 0755);
	fd = open_dir("root");
	ok(bundle_extract(&l, "system/", fd, getuid(), getgid(), &e) == 0,
	   "extract system/: %s", e.msg);
	ok(read_file_bounded(at("root/etc/x.conf"), 100, &b, &e) == 0 &&
	   !strcmp((char *)b.data, "x=1\n"), "file extracted with its data");
	buf_release(&b);
	ok(stat(at("root/etc/x.conf"), &st) == 0 && (st.st_mode & 07777) == 0644 &&
	   st.st_uid == getuid(), "mode 0644, owned as asked");
	ok(stat(at("root/bin/tool"), &st) == 0 && (st.st_mode & 07777) == 0755,
	   "executable 0755");
	ok(stat(at("root/var/empty"), &st) == 0 && S_ISDIR(st.st_mode),
	   "empty directory made");
	ok(access(at("root/grader"), F_OK) < 0 &&
	   access(at("root/scenario.json"), F_OK) < 0 &&
	   access(at("root/system"), F_OK) < 0,
	   "nothing outside the prefix is extracted");
	ok(bundle_extract(&l, "system/", fd, getuid(), getgid(), &e) < 0 &&
	   has(&e, "already exists"), "an existing file is not overwritten");
	close(fd);

	mkdir(at("root2"), 0755);
	mkdir(at("outside"), 0755);
	symlink(at("outside"), at("root2/etc"));
	fd = open_dir("root2");
	ok(bundle_extract(&l, "system", fd, getuid(), getgid(), &e) < 0 &&
	   has(&e, "in the way"), "a planted link is not followed: %s", e.msg);
	ok(access(at("outside/x.conf"), F_OK) < 0, "nothing written through it");
	close(fd);

	mkdir(at("root3"), 0755);
	fd = open_dir("root3");
	tar_list_add_file(&one, "system/a/b/c.txt", 0644, "deep", 4, &e);
	ok(bundle_extract(&one, "system/", fd, (uid_t)-1, (gid_t)-1, &e) == 0 &&
	   access(at("root3/a/b/c.txt"), F_OK) == 0,
	   "missing parent directories are made");
	free(one.v[0].name);
	one.v[0].name = strdup("system/../../escape");
	ok(bundle_extract(&one, "system/", fd, (uid_t)-1, (gid_t)-1, &e) < 0 &&
	   has(&e, "\"..\""), "a hostile name in a hand-made list is refused");
	ok(access(at("escape"), F_OK) < 0, "nothing written outside");
	close(fd);
	tar_list_release(&one);
	tar_list_release(&l);
}

int main(void)
{
	struct err e = {ERR_NONE, ""};

	snprintf(top, sizeof top, "/tmp/labrun-test-bundle.XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	test_read_dir();
	test_read_dir_refusals();
	test_open();
	test_extract();
	remove_tree(top, &e);
	return tap_done();
}
