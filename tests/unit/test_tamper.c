/* test_tamper: the tamper sweep (issue 14).  A small valid evidence file
 * and a small valid scenario bundle (NAME.lab and NAME.lab.minisig) are
 * built here; then every single-byte change of each file (three changes a
 * byte) and its truncation at every length must be refused as ERR_REFUSED
 * (exit 1) by the functions `labrun verify` and `labrun run` decide with:
 * ev_verify and ev_open for evidence, bundle_load for a bundle against its
 * trust key.  Accepted is a bug, and so is any other kind (ERR_HOST would
 * be exit 3, ERR_BUG exit 4).  Totals are reported, not one line a byte;
 * the first failures are listed as comments.  The sampled version through
 * the real binaries is tests/e2e/5100-tamper.sh. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/bundle.h"
#include "runner/evidence.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "tests/unit/tap.h"

#define TAR_BLOCK 512
#define SHOW_MAX 8 /* failures listed per sweep; the count says the rest */

static char dir[64];
static char ev_path[128], lab_path[128], sig_path[160];
static struct sign_pub issuer;
static struct sign_trust trust;
static const struct tar_limits bundle_lim = {
	BUNDLE_MAX_ENTRIES, BUNDLE_MAX_FILE, BUNDLE_MAX_TOTAL};

/* ---- the inputs ---- */

static char *competencies[] = {"testing"};
static struct scenario sc = {
	.id = "t-min",
	.version = "1.0.0",
	.title = "Minimal",
	.level = "foundation",
	.platform = "agentsim-1",
	.competencies = competencies,
	.ncompetencies = 1,
	.grader_api = 1,
	.pass_mark = 800,
	.time_limit_s = 60,
	.valid_for_days = 365,
};

static struct grader_check checks[] = {
	{"x", "x", CHECK_PASS, 1000, 1000, "x is 2", 1},
};

static char *argv1[] = {"/bin/bash", "--noprofile", "--norc", "script.sh"};
static struct ev_command cmds[] = {
	{.t_ms = 3, .pid = 2, .path = "/bin/bash", .argv = argv1, .argc = 4,
	 .verified = 1, .exited = 1, .exit_code = 0, .exe = "/usr/bin/bash",
	 .link = "/bin/bash", .cwd = "/home/candidate", .trusted = 1},
};

static int add(struct tar_list *l, const char *name, const char *data,
	       struct err *e)
{
	return tar_list_add_file(l, name, 0644, data, strlen(data), e);
}

/* What a minimal session writes, and one member whose name is too long
 * for a ustar header, so that a pax extended header is swept too. */
static int make_evidence(struct sign_sec *sk, struct err *e)
{
	struct grader_result r = {0};
	struct ev_info in = {0};
	struct tar_list l = {0};
	char long_name[160];
	int rc = -1;

	r.ok = 1;
	r.checks = checks;
	r.n = 1;
	in.mode = "run";
	in.script_sha256 = "ab12";
	in.sc = &sc;
	in.scenario_digest =
		"0000000000000000000000000000000000000000000000000000000000000001";
	in.signer_keyid = "0123456789ABCDEF";
	in.candidate = "cand-4f2a";
	in.attempt = 1;
	in.seed_hex = "deadbeef";
	in.started_ms = 1764072000000LL;
	in.ended_ms = 1764072000000LL + 120;
	in.time_limit_s = 60;
	in.ended_by = "exit";
	in.exit_status = 0;
	in.runner_version = "0.1.0";
	in.result = &r;
	in.verdict = "pass";
	in.score = 1000;
	in.commands = cmds;
	in.ncommands = 1;
	snprintf(long_name, sizeof long_name, "answers/%0120d.txt", 7);
	if (ev_add_records(&l, &in, e) < 0 ||
	    add(&l, "session.cast",
		"{\"version\": 2, \"width\": 80, \"height\": 24}\n"
		"[0.001000, \"o\", \"$ \"]\n", e) < 0 ||
	    add(&l, "changes/.deleted", "", e) < 0 ||
	    add(&l, "changes/etc/x.conf", "x = 2\n", e) < 0 ||
	    add(&l, long_name, "a name past 100 bytes\n", e) < 0 ||
	    ev_seal(&l, sk, "labrun evidence t-min pass cand-4f2a", ev_path,
		    e) < 0)
		goto out;
	/* a pass: the sweep changes the credential's bytes too */
	if (!tar_list_find(&l, "credential.json")) {
		err_set(e, ERR_BUG, "the pass carries no credential.json");
		goto out;
	}
	rc = 0;
out:
	tar_list_release(&l);
	return rc;
}

/* What labrun pack writes for make_min_scenario (tests/lib.sh): the
 * files, the directories, and the signature beside it. */
static int make_bundle(struct sign_sec *sk, struct err *e)
{
	static const char *const dirs[] = {"grader", "solutions", "system",
					   "system/etc"};
	struct tar_list l = {0};
	struct buf tar = BUF_INIT, sig = BUF_INIT;
	char digest[SIGN_SHA256_HEX], comment[SIGN_COMMENT_MAX + 1];
	size_t i;
	int rc = -1;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (tar_list_add_dir(&l, dirs[i], e) < 0)
			goto out;
	if (add(&l, "scenario.json",
		"{\"schema\":1,\"id\":\"t-min\",\"version\":\"1.0.0\","
		"\"title\":\"Minimal\",\"level\":\"foundation\","
		"\"competencies\":[\"testing\"],\"platform\":\"agentsim-1\","
		"\"grader_api\":1,\"pass_mark\":800,\"time_limit_s\":60,"
		"\"valid_for_days\":365,\"candidate_owns\":[\"/etc/x.conf\"]}\n",
		e) < 0 ||
	    add(&l, "brief.md", "# Minimal\n\nRepair nothing.\n", e) < 0 ||
	    add(&l, "system/etc/x.conf", "x = 1\n", e) < 0 ||
	    add(&l, "grader/grade.lua",
		"local ok = (lab.read(\"/etc/x.conf\") or \"\"):find(\"x = 2\", 1, true) ~= nil\n"
		"return {lab.check{id = \"x\", title = \"x\", weight = 1, pass = ok, "
		"kind = \"knowledge\", message = ok and \"x is 2\" or \"no\"}}\n",
		e) < 0 ||
	    tar_list_add_file(&l, "solutions/reference.sh", 0755,
			      "#!/bin/bash\necho \"x = 2\" >/etc/x.conf\n", 38,
			      e) < 0 ||
	    tar_write(&l, &tar, e) < 0)
		goto out;
	sha256_hex(tar.data, tar.len, digest);
	snprintf(comment, sizeof comment, "labrun scenario t-min 1.0.0 sha256:%s",
		 digest);
	if (sign_data(sk, tar.data, tar.len, comment, &sig, e) < 0 ||
	    write_file_atomic(lab_path, tar.data, tar.len, 0644, e) < 0 ||
	    write_file_atomic(sig_path, sig.data, sig.len, 0644, e) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&sig);
	buf_release(&tar);
	tar_list_release(&l);
	return rc;
}

/* ---- the judges: what each command decides with ---- */

/* labrun verify (ev_verify) and regrade, recert and batch (ev_open): both
 * must decide alike, or the judgement is ERR_BUG. */
static int judge_evidence(struct err *e)
{
	struct tar_list members = {0};
	struct buf report = BUF_INIT;
	char digest[SIGN_SHA256_HEX], said[sizeof e->msg];
	struct err e2 = {0};
	int rc, rc2;

	rc = ev_verify(ev_path, &issuer, &report, e);
	buf_release(&report);
	rc2 = ev_open(ev_path, &issuer, &members, digest, &e2);
	if (rc2 == 0)
		tar_list_release(&members);
	if ((rc == 0) != (rc2 == 0) || (rc < 0 && e->kind != e2.kind)) {
		snprintf(said, sizeof said, "%s", rc < 0 ? e->msg : "accepted");
		return err_set(e, ERR_BUG, "ev_verify and ev_open disagree: '%s', '%s'",
			       said, rc2 < 0 ? e2.msg : "accepted");
	}
	return rc;
}

/* labrun run and take, before anything else (session.c, session_run). */
static int judge_bundle(struct err *e)
{
	struct tar_list files = {0};
	char digest[SIGN_SHA256_HEX], keyid[17];
	int unsigned_dir = 0;

	if (bundle_load(lab_path, &trust, &bundle_lim, &files, digest, keyid,
			&unsigned_dir, e) < 0)
		return -1;
	tar_list_release(&files);
	return 0;
}

/* The bundle is a real scenario: what run does right after bundle_load
 * accepts it too, so the sweep's bundle is one a session would start. */
static int scenario_ok(struct err *e)
{
	struct tar_list files = {0};
	struct problems p = {0};
	struct scenario s = {0};
	char digest[SIGN_SHA256_HEX], keyid[17];
	int unsigned_dir = 0, rc;

	if (bundle_load(lab_path, &trust, &bundle_lim, &files, digest, keyid,
			&unsigned_dir, e) < 0)
		return -1;
	rc = scenario_load(&files, JSON_MAX_DEPTH, &s, &p, e);
	if (rc < 0 && p.n)
		err_set(e, ERR_REFUSED, "%s", p.v[0]);
	if (rc == 0)
		scenario_release(&s);
	problems_release(&p);
	tar_list_release(&files);
	return rc;
}

/* ---- where a byte is in a tar ---- */

enum region { R_HEADER, R_DATA, R_PADDING, R_END, R_NREGIONS };

static const char *const region_name[R_NREGIONS] = {
	"in tar headers", "in member data", "in block padding",
	"in end-of-archive blocks and record padding",
};

static size_t octal(const unsigned char *p, size_t n)
{
	size_t v = 0, i;

	for (i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (size_t)(p[i] - '0');
	return v;
}

/* Each byte's region, walking the 512-byte headers as ustar lays them out
 * (a pax extended header is a header followed by its data).  A file that
 * is not a tar (a signature) is all data. */
static void regions(const unsigned char *p, size_t len, unsigned char *out)
{
	static const unsigned char zero[TAR_BLOCK];
	size_t o = 0, size, i;

	if (len < TAR_BLOCK || memcmp(p + 257, "ustar", 5)) {
		memset(out, R_DATA, len);
		return;
	}
	while (o + TAR_BLOCK <= len && memcmp(p + o, zero, TAR_BLOCK)) {
		memset(out + o, R_HEADER, TAR_BLOCK);
		size = p[o + 156] == '5' ? 0 : octal(p + o + 124, 12);
		o += TAR_BLOCK;
		for (i = 0; i < (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK &&
			    o + i < len; i++)
			out[o + i] = i < size ? R_DATA : R_PADDING;
		o += i;
	}
	if (o < len)
		memset(out + o, R_END, len - o);
}

/* The headers' offsets, as a comment: where 5100-tamper.sh aims. */
static void show_layout(const char *what, const unsigned char *map, size_t len)
{
	char line[512];
	size_t o, used = 0;

	for (o = 0; o < len && used + 16 < sizeof line; o += TAR_BLOCK)
		if (map[o] == R_HEADER)
			used += (size_t)snprintf(line + used, sizeof line - used,
						 " %zu", o);
	line[used] = 0;
	printf("# %s: %zu bytes; headers at%s\n", what, len, line);
}

/* ---- the sweep ---- */

struct sweep {
	const char *what;       /* "the evidence", ... */
	const char *path;       /* the file changed in place */
	int (*judge)(struct err *e);
	size_t tries;
	size_t refused;         /* ERR_REFUSED: what must happen */
	size_t accepted;        /* a bug */
	size_t wrong_kind;      /* refused, but not as exit 1 */
	size_t per_region[R_NREGIONS];
	size_t shown;
};

/* Make the file at path exactly these len bytes.  In place, never
 * truncated to 0 first: ext4 flushes a file rewritten that way on close
 * (auto_da_alloc), which would make the sweep wait on the disk. */
static int put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0)
		return -1;
	if ((len && pwrite(fd, data, len, 0) != (ssize_t)len) ||
	    ftruncate(fd, (off_t)len) < 0)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

static const char *kind_name(enum err_kind k)
{
	switch (k) {
	case ERR_NONE:
		return "accepted";
	case ERR_REFUSED:
		return "ERR_REFUSED";
	case ERR_USAGE:
		return "ERR_USAGE";
	case ERR_HOST:
		return "ERR_HOST";
	case ERR_BUG:
		break;
	}
	return "ERR_BUG";
}

/* Judge what is now at s->path; how says what was done to it. */
static void judge(struct sweep *s, const char *how)
{
	struct err e = {0};
	int rc = s->judge(&e);

	s->tries++;
	if (rc < 0 && e.kind == ERR_REFUSED) {
		s->refused++;
		return;
	}
	if (rc == 0) {
		s->accepted++;
		e.kind = ERR_NONE;
	} else {
		s->wrong_kind++;
	}
	if (s->shown++ < SHOW_MAX)
		printf("#   %s, %s: %s%s%s\n", s->what, how, kind_name(e.kind),
		       e.msg[0] ? ": " : "", e.msg);
}

/* 1 when every try was refused as ERR_REFUSED; the rest as comments. */
static int sweep_report(const struct sweep *s)
{
	if (s->shown > SHOW_MAX)
		printf("#   ... and %zu more\n", s->shown - SHOW_MAX);
	if (s->accepted || s->wrong_kind)
		printf("#   %s: %zu accepted, %zu refused as another kind than ERR_REFUSED\n",
		       s->what, s->accepted, s->wrong_kind);
	return s->refused == s->tries && s->tries > 0;
}

/* Three changes of every byte: the lowest bit (an octal digit or a letter
 * becomes its neighbour), the highest (ASCII becomes not; a tar number
 * becomes base-256), and a NUL (a cut string or field), or for a NUL an
 * ASCII '0'.  A byte one change leaves unnoticed is caught by another only
 * by luck, so each must be refused on its own. */
static void sweep_bytes(struct sweep *s, const struct buf *good,
			const unsigned char *map)
{
	unsigned char *b = malloc(good->len ? good->len : 1);
	char how[64];
	size_t pos, k;

	if (!b) {
		s->wrong_kind++;
		return;
	}
	memcpy(b, good->data, good->len);
	for (pos = 0; pos < good->len; pos++) {
		const unsigned char was = good->data[pos];
		const unsigned char to[3] = {was ^ 0x01, was ^ 0x80,
					     was ? 0 : '0'};

		for (k = 0; k < 3; k++) {
			b[pos] = to[k];
			snprintf(how, sizeof how, "byte %zu 0x%02x -> 0x%02x",
				 pos, was, to[k]);
			if (put(s->path, b, good->len) < 0) {
				printf("# %s: cannot write: %s\n", s->path,
				       strerror(errno));
				s->wrong_kind++;
				continue;
			}
			judge(s, how);
			s->per_region[map[pos]]++;
		}
		b[pos] = was;
	}
	free(b);
	put(s->path, good->data, good->len);
}

/* Every length from 0 to one byte short, and one byte too many (a NUL and
 * not): a file is whole or it is refused. */
static void sweep_lengths(struct sweep *s, const struct buf *good)
{
	static const unsigned char extra[] = {0, '\n'};
	unsigned char *b = malloc(good->len + 1);
	char how[64];
	size_t len, k;

	if (!b) {
		s->wrong_kind++;
		return;
	}
	memcpy(b, good->data, good->len);
	for (len = 0; len < good->len; len++) {
		snprintf(how, sizeof how, "cut to %zu bytes", len);
		if (put(s->path, b, len) == 0)
			judge(s, how);
		else
			s->wrong_kind++;
	}
	for (k = 0; k < sizeof extra; k++) {
		b[good->len] = extra[k];
		snprintf(how, sizeof how, "0x%02x appended", extra[k]);
		if (put(s->path, b, good->len + 1) == 0)
			judge(s, how);
		else
			s->wrong_kind++;
	}
	free(b);
	put(s->path, good->data, good->len);
}

/* The whole sweep of one file, against the judge that decides for it. */
static void sweep_file(const char *what, const char *path,
		       int (*judge_fn)(struct err *e))
{
	struct sweep bytes = {what, path, judge_fn, 0, 0, 0, 0, {0}, 0};
	struct sweep cuts = {what, path, judge_fn, 0, 0, 0, 0, {0}, 0};
	struct buf good = BUF_INIT;
	struct err e = {0};
	unsigned char *map;
	char counts[256];
	size_t used = 0, r;

	if (read_file_bounded(path, EVIDENCE_MAX_TOTAL, &good, &e) < 0 ||
	    !(map = malloc(good.len + 1))) {
		ok(0, "%s: read back: %s", what, e.msg);
		buf_release(&good);
		return;
	}
	regions(good.data, good.len, map);
	if (map[0] == R_HEADER)
		show_layout(what, map, good.len);
	ok(judge_fn(&e) == 0, "%s as written is accepted (%zu bytes): %s", what,
	   good.len, e.msg);

	sweep_bytes(&bytes, &good, map);
	for (r = 0; r < R_NREGIONS; r++)
		if (bytes.per_region[r])
			used += (size_t)snprintf(counts + used,
						 sizeof counts - used, "%s%zu %s",
						 used ? ", " : "",
						 bytes.per_region[r],
						 region_name[r]);
	ok(sweep_report(&bytes),
	   "every one of %zu single-byte changes of %s is refused (%s)",
	   bytes.tries, what, used ? counts : "none");

	sweep_lengths(&cuts, &good);
	ok(sweep_report(&cuts),
	   "every one of %zu truncations of %s (0 to %zu bytes) and 2 "
	   "appended bytes is refused", cuts.tries - 2, what,
	   good.len ? good.len - 1 : 0);
	ok(judge_fn(&e) == 0, "%s is accepted again once restored: %s", what,
	   e.msg);
	free(map);
	buf_release(&good);
}

int main(void)
{
	struct sign_sec *issuer_sk = NULL, *author_sk = NULL;
	struct sign_pub author;
	struct err e = {0};

	snprintf(dir, sizeof dir, "/tmp/labrun-tamper.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(ev_path, sizeof ev_path, "%s/t.evidence", dir);
	snprintf(lab_path, sizeof lab_path, "%s/t-min.lab", dir);
	snprintf(sig_path, sizeof sig_path, "%s.minisig", lab_path);

	ok(sign_sec_ephemeral(&issuer_sk, &e) == 0 &&
	   sign_sec_ephemeral(&author_sk, &e) == 0, "throwaway keys: %s", e.msg);
	sign_sec_pub(issuer_sk, &issuer);
	sign_sec_pub(author_sk, &author);
	trust.keys = &author;
	trust.n = 1;

	ok(make_evidence(issuer_sk, &e) == 0, "a small evidence sealed: %s",
	   e.msg);
	ok(make_bundle(author_sk, &e) == 0, "a small bundle signed: %s", e.msg);
	ok(scenario_ok(&e) == 0,
	   "... a scenario run would go on with (bundle_load, scenario_load): %s",
	   e.msg);

	sweep_file("the evidence", ev_path, judge_evidence);
	sweep_file("the bundle", lab_path, judge_bundle);
	sweep_file("the bundle's signature", sig_path, judge_bundle);

	sign_sec_free(issuer_sk);
	sign_sec_free(author_sk);
	remove_tree(dir, &e);
	return tap_done();
}
