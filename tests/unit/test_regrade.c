/* test_regrade: what `labrun regrade` decides and rebuilds, without a
 * session.  The percent-decoding of member paths (what labrun never
 * writes refused); the final state rebuilt from the system/ layer, the
 * evidence's changes (a directory made a file, a file made a directory,
 * execute bits), changes/.deleted (files, and directories emptied),
 * changes/.special (directories, links, FIFOs, sized files; a plain file
 * in evidence written before the listing existed) and answers/, never
 * following a link out of the rebuilt tree; then whole regrades with
 * bundles signed here: a newer grader's verdict, the old evidence named
 * by digest, a validity that does not grow, the hints still costing what
 * they cost; and the refusals (pseudonym, infrastructure error,
 * incomplete graded state, another scenario, a variant the new version
 * lacks, another issuer), each leaving nothing at -o. */
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
#include "runner/collect.h"
#include "runner/evidence.h"
#include "runner/regrade.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "scenarios/platform/sim.h"
#include "tests/unit/evfix.h"
#include "tests/unit/tap.h"

static char dir[200];
static struct sign_sec *issuer_sk, *author_sk, *other_sk;
static struct sign_pub issuer, author;
static struct sign_trust trust;

static char *competencies[] = {"testing"};
static struct scenario sc = {
	.id = "t-min", .version = "1.0.0", .title = "Minimal",
	.level = "foundation", .platform = SIM_PLATFORM,
	.competencies = competencies, .ncompetencies = 1, .grader_api = 1,
	.pass_mark = 800, .time_limit_s = 60, .valid_for_days = 365,
};

static const char grader_2[] =
	"local ok = (lab.read(\"/etc/x.conf\") or \"\"):find(\"x = 2\", 1, true) ~= nil\n"
	"return {lab.check{id = \"x\", title = \"x\", weight = 1, pass = ok, message = ok and \"x is 2\" or \"no\"}}\n";
static const char grader_3[] =
	"local ok = (lab.read(\"/etc/x.conf\") or \"\"):find(\"x = 3\", 1, true) ~= nil\n"
	"return {lab.check{id = \"x\", title = \"x\", weight = 1, pass = ok, message = ok and \"x is 3\" or \"not 3\"}}\n";

/* ---- decoding ---- */

static void test_decode(void)
{
	static const struct {
		const char *enc, *dec; /* dec NULL: refused */
	} v[] = {
		{"etc/x.conf", "etc/x.conf"},
		{"etc/a%20b", "etc/a b"},
		{"etc/%25", "etc/%"},
		{"etc/caf%C3%A9", "etc/caf\xc3\xa9"},
		{"etc/caf%c3%a9", "etc/caf\xc3\xa9"},
		{"etc/...", "etc/..."},
		{"etc/.hidden", "etc/.hidden"},
		{"%2E%2E/etc", NULL},
		{"etc/%2F", NULL},
		{"etc/a%2fb", NULL},
		{"etc/%00", NULL},
		{"etc//x", NULL},
		{"/etc", NULL},
		{"etc/", NULL},
		{".", NULL},
		{"..", NULL},
		{"etc/..", NULL},
		{"etc/./x", NULL},
		{"etc/../x", NULL},
		{"etc/%G0", NULL},
		{"etc/%4", NULL},
		{"etc/%", NULL},
		{"", NULL},
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		int rc = regrade_decode(v[i].enc, out, sizeof out);

		if (v[i].dec)
			ok(rc == 0 && !strcmp(out, v[i].dec), "'%s' decodes to '%s'", v[i].enc, v[i].dec);
		else
			ok(rc < 0, "'%s' is not a path labrun writes", v[i].enc);
	}
	ok(regrade_decode("etc/abcdef", out, 10) < 0 && regrade_decode("etc/abcde", out, 10) == 0,
	   "a path longer than the buffer is refused, not cut");
}

/* ---- rebuilding ---- */

#define JOURNAL "journal entries, sixty-four bytes of them, before the fault\n"

/* The files of a bundle (unsigned: rebuild takes them as loaded). */
static int bundle_files(struct tar_list *l, struct scenario *s, struct err *e)
{
	static const char *const dirs[] = {"grader", "solutions", "system", "system/etc",
					   "system/etc/dir-to-file", "system/var", "system/var/data"};
	struct problems p = {0};
	size_t i;
	int rc;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (tar_list_add_dir(l, dirs[i], e) < 0)
			return -1;
	if (evfix_add(l, "scenario.json",
		      "{\"schema\":1,\"id\":\"t-min\",\"version\":\"1.0.0\","
		      "\"title\":\"Minimal\",\"level\":\"foundation\","
		      "\"competencies\":[\"testing\"],\"platform\":\"agentsim-1\","
		      "\"grader_api\":1,\"pass_mark\":800,\"time_limit_s\":60,"
		      "\"valid_for_days\":365,\"candidate_owns\":[\"/etc/x.conf\"],"
		      "\"faults\":[{\"id\":\"cut\",\"kind\":\"file.truncate\",\"path\":\"/etc/cut.txt\",\"size\":2},"
		      "{\"id\":\"zero\",\"kind\":\"file.truncate\",\"path\":\"/etc/x.conf\",\"size\":0},"
		      "{\"id\":\"noise\",\"kind\":\"file.garbage\",\"path\":\"/var/journal\",\"offset\":8,\"length\":32}]}\n",
		      e) < 0 ||
	    evfix_add(l, "brief.md", "# Minimal\n", e) < 0 ||
	    evfix_add(l, "grader/grade.lua", grader_2, e) < 0 ||
	    evfix_add(l, "system/etc/x.conf", "x = 1\n", e) < 0 ||
	    evfix_add(l, "system/etc/keep.txt", "keep\n", e) < 0 ||
	    evfix_add(l, "system/etc/gone.txt", "bye\n", e) < 0 ||
	    evfix_add(l, "system/etc/dir-to-file/inner", "i\n", e) < 0 ||
	    evfix_add(l, "system/var/data/a", "a\n", e) < 0 ||
	    evfix_add(l, "system/var/data/b", "b\n", e) < 0 ||
	    evfix_add(l, "system/etc/cut.txt", "0123456789\n", e) < 0 ||
	    evfix_add(l, "system/var/journal", JOURNAL, e) < 0 ||
	    tar_list_add_file(l, "solutions/reference.sh", 0755,
			      "#!/bin/bash\necho \"x = 2\" >/etc/x.conf\n", 38, e) < 0)
		return -1;
	rc = scenario_load(l, JSON_MAX_DEPTH, s, &p, e);
	if (rc < 0 && p.n)
		printf("# scenario: %s\n", p.v[0]);
	problems_release(&p);
	return rc;
}

static int fresh_root(const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, name);
	if (mkdir(path, 0755) < 0)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int file_is(const char *root, const char *rel, const char *text)
{
	char path[600];
	struct buf b = BUF_INIT;
	struct err e = {0};
	int same;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	if (read_file_bounded(path, 1 << 20, &b, &e) < 0)
		return 0;
	same = b.len == strlen(text) && !memcmp(b.data ? (const void *)b.data : "", text, b.len);
	buf_release(&b);
	return same;
}

static int read_rel(const char *root, const char *rel, struct buf *b)
{
	char path[600];
	struct err e = {0};

	snprintf(path, sizeof path, "%s/%s", root, rel);
	b->len = 0;
	return read_file_bounded(path, 1 << 20, b, &e);
}

/* The file holds exactly want's bytes (NULs and all). */
static int same_rel(const char *root, const char *rel, const struct buf *want)
{
	struct buf b = BUF_INIT;
	int same = read_rel(root, rel, &b) == 0 && b.len == want->len &&
		   (!b.len || !memcmp(b.data, want->data, b.len));

	buf_release(&b);
	return same;
}

static int lstat_at(const char *root, const char *rel, struct stat *st)
{
	char path[600];

	snprintf(path, sizeof path, "%s/%s", root, rel);
	return lstat(path, st);
}

static void test_rebuild(void)
{
	static char exec_name[] = "changes/usr/local/bin/tool";
	static char *executable[] = {exec_name};
	struct tar_list files = {0}, m = {0};
	struct scenario s = {0};
	struct ev_recorded rec;
	struct err e = {0};
	struct stat st;
	char root[400], outside[400], link_target[600], path[700];
	struct buf journal1 = BUF_INIT;
	int fd, have_sc;
	ssize_t n;

	have_sc = bundle_files(&files, &s, &e) == 0;
	ok(have_sc, "a scenario to rebuild: %s", e.msg);
	if (!have_sc)
		return;
	memset(&rec, 0, sizeof rec);
	snprintf(rec.seed, sizeof rec.seed, "deadbeef");
	rec.special_listing = 1;
	rec.executable = executable;
	rec.nexecutable = 1;
	evfix_add(&m, "manifest.json", "{}", &e);
	evfix_add(&m, "session.cast", "x", &e);
	evfix_add(&m, "changes/etc/x.conf", "x = 2\n", &e);
	evfix_add(&m, "changes/etc/new%20dir/deep.txt", "deep\n", &e);
	evfix_add(&m, "changes/etc/dir-to-file", "now a file\n", &e);
	evfix_add(&m, "changes/etc/keep.txt/inside", "a file made a directory\n", &e);
	evfix_add(&m, "changes/usr/local/bin/tool", "#!/bin/sh\n", &e);
	evfix_add(&m, "changes/.deleted", "etc/gone.txt\nvar/data/\n\nnot/there\nnot/there/either/\n", &e);
	evfix_add(&m, "changes/.special",
		  "b var/sparse 4096\nd var/empty\nl etc/link ../x.conf\no run/fifo\n", &e);
	evfix_add(&m, "answers/q1.txt", "42\n", &e);
	evfix_add(&m, "answers/sub/q2.txt", "43\n", &e);

	fd = fresh_root("root1", root, sizeof root);
	e = (struct err){0};
	ok(fd >= 0 && regrade_rebuild(fd, &files, &s, &m, &rec, &e) == 0, "rebuilt: %s", e.msg);
	if (fd >= 0)
		close(fd);
	ok(file_is(root, "etc/x.conf", "x = 2\n"), "a changed file (one the fault plan emptied), as the session left it");
	ok(file_is(root, "etc/cut.txt", "01"), "a file the fault plan cut and the session left: cut");
	ok(lstat_at(root, "var/journal", &st) == 0 && st.st_size == (off_t)strlen(JOURNAL) &&
	   !file_is(root, "var/journal", JOURNAL), "a file.garbage fault applied");
	ok(read_rel(root, "var/journal", &journal1) == 0 && journal1.len == strlen(JOURNAL) &&
	   !memcmp(journal1.data, JOURNAL, 8) &&
	   !memcmp((const char *)journal1.data + 40, JOURNAL + 40, strlen(JOURNAL) - 40),
	   "... only its 32 bytes from offset 8 changed");
	ok(file_is(root, "etc/new dir/deep.txt", "deep\n"), "a new file in a new directory, its name decoded");
	ok(lstat_at(root, "etc/dir-to-file", &st) == 0 && S_ISREG(st.st_mode) &&
	   file_is(root, "etc/dir-to-file", "now a file\n"), "a directory the candidate made a file");
	ok(lstat_at(root, "etc/keep.txt", &st) == 0 && S_ISDIR(st.st_mode) &&
	   file_is(root, "etc/keep.txt/inside", "a file made a directory\n"),
	   "a file the candidate made a directory");
	ok(lstat_at(root, "etc/gone.txt", &st) < 0 && errno == ENOENT, "a deleted file is gone");
	ok(lstat_at(root, "var/data", &st) == 0 && S_ISDIR(st.st_mode) &&
	   lstat_at(root, "var/data/a", &st) < 0 && lstat_at(root, "var/data/b", &st) < 0,
	   "a directory whose contents were deleted: there, and empty");
	ok(lstat_at(root, "usr/local/bin/tool", &st) == 0 && (st.st_mode & 0777) == 0755,
	   "a member collected with its execute bit is 0755");
	ok(lstat_at(root, "etc/x.conf", &st) == 0 && (st.st_mode & 0777) == 0644, "the others 0644");
	ok(lstat_at(root, "var/empty", &st) == 0 && S_ISDIR(st.st_mode), ".special d: a directory");
	snprintf(path, sizeof path, "%s/etc/link", root);
	n = readlink(path, link_target, sizeof link_target - 1);
	ok(n == 9 && !memcmp(link_target, "../x.conf", 9), ".special l: a link, its target as recorded");
	ok(lstat_at(root, "run/fifo", &st) == 0 && S_ISFIFO(st.st_mode), ".special o: a FIFO");
	ok(lstat_at(root, "var/sparse", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4096,
	   ".special b: a file of the recorded size");
	ok(file_is(root, "home/candidate/answers/q1.txt", "42\n") &&
	   file_is(root, "home/candidate/answers/sub/q2.txt", "43\n"),
	   "answers/ under /home/candidate/answers");
	ok(file_is(root, "etc/keep.txt/inside", "a file made a directory\n") &&
	   lstat_at(root, "manifest.json", &st) < 0 && lstat_at(root, "session.cast", &st) < 0 &&
	   lstat_at(root, ".special", &st) < 0 && lstat_at(root, ".deleted", &st) < 0,
	   "the records themselves are not part of the state");

	/* written before the listing existed: changes/.special was a file */
	rec.special_listing = 0;
	fd = fresh_root("root2", root, sizeof root);
	e = (struct err){0};
	ok(fd >= 0 && regrade_rebuild(fd, &files, &s, &m, &rec, &e) == 0, "rebuilt from older evidence: %s",
	   e.msg);
	if (fd >= 0)
		close(fd);
	ok(same_rel(root, "var/journal", &journal1), "the same recorded seed: the same garbage");
	ok(file_is(root, ".special", "b var/sparse 4096\nd var/empty\nl etc/link ../x.conf\no run/fifo\n") &&
	   lstat_at(root, "etc/link", &st) < 0 && lstat_at(root, "run/fifo", &st) < 0,
	   "... changes/.special is then the candidate's file /.special, and nothing is made of it");
	rec.special_listing = 1;
	snprintf(rec.seed, sizeof rec.seed, "cafebabe");
	fd = fresh_root("root-seed", root, sizeof root);
	e = (struct err){0};
	ok(fd >= 0 && regrade_rebuild(fd, &files, &s, &m, &rec, &e) == 0 &&
	   lstat_at(root, "var/journal", &st) == 0 && st.st_size == (off_t)strlen(JOURNAL) &&
	   !same_rel(root, "var/journal", &journal1), "another seed: other garbage (the recorded seed decides)");
	if (fd >= 0)
		close(fd);
	snprintf(rec.seed, sizeof rec.seed, "deadbeef");
	tar_list_release(&m);

	/* a link to outside, then a change beneath it: written inside */
	snprintf(outside, sizeof outside, "%s/outside", dir);
	mkdir(outside, 0755);
	snprintf(path, sizeof path, "l etc/link %s\n", outside);
	evfix_add(&m, "changes/.special", path, &e);
	evfix_add(&m, "changes/etc/link/evil", "escaped\n", &e);
	fd = fresh_root("root3", root, sizeof root);
	e = (struct err){0};
	ok(fd >= 0 && regrade_rebuild(fd, &files, &s, &m, &rec, &e) == 0, "a change beneath a recorded link: %s",
	   e.msg);
	if (fd >= 0)
		close(fd);
	ok(!file_is(outside, "evil", "escaped\n") && lstat_at(outside, "evil", &st) < 0,
	   "... nothing is written through the link");
	ok(lstat_at(root, "etc/link", &st) == 0 && S_ISDIR(st.st_mode) &&
	   file_is(root, "etc/link/evil", "escaped\n"), "... the link is replaced by a directory in the tree");
	tar_list_release(&m);

	/* what labrun never writes */
	{
		static const struct {
			const char *name, *data, *want;
		} bad[] = {
			{"changes/%2Fetc/x", "x", "changes/%2Fetc/x: not a path labrun writes"},
			{"changes/etc/%2E%2E/%2E%2E/escape", "x",
			 "changes/etc/%2E%2E/%2E%2E/escape: not a path labrun writes"},
			{"changes/.deleted", "../x\n", "changes/.deleted: not a path labrun writes"},
			{"changes/.special", "l etc/x\n", "changes/.special: a line labrun does not write"},
			{"changes/.special", "d etc/x y\n", "changes/.special: a line labrun does not write"},
			{"changes/.special", "dd etc/x\n", "changes/.special: a line labrun does not write"},
			{"changes/.special", "b etc/x 99999999999999\n",
			 "changes/.special: etc/x: not a size labrun writes"},
			{"changes/.special", "b etc/x -1\n", "changes/.special: etc/x: not a size labrun writes"},
			{"changes/.special", "l etc/x a%00b\n",
			 "changes/.special: a link target labrun does not write"},
			{"changes/.special", "o ../x\n", "changes/.special: not a path labrun writes"},
			{"changes/.special", "q etc/q\n",
			 "changes/.special: etc/q: an entry type labrun does not write (d, l, o or b)"},
		};
		size_t i;

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			char name[32];

			snprintf(name, sizeof name, "bad%zu", i);
			evfix_add(&m, bad[i].name, bad[i].data, &e);
			fd = fresh_root(name, root, sizeof root);
			e = (struct err){0};
			ok(fd >= 0 && regrade_rebuild(fd, &files, &s, &m, &rec, &e) < 0 &&
			   e.kind == ERR_REFUSED && !strcmp(e.msg, bad[i].want),
			   "%s '%.*s' is refused: %s", bad[i].name, (int)strcspn(bad[i].data, "\n"),
			   bad[i].data, e.msg);
			if (fd >= 0)
				close(fd);
			tar_list_release(&m);
		}
		snprintf(path, sizeof path, "%s/escape", dir);
		ok(access(path, F_OK) < 0, "nothing was written above the tree");
	}
	buf_release(&journal1);
	scenario_release(&s);
	tar_list_release(&files);
}

/* ---- regrade_run ---- */

static void opts(struct regrade_opts *o, const char *ev, const char *with, const char *out)
{
	memset(o, 0, sizeof *o);
	o->evidence = ev;
	o->issuer = &issuer;
	o->with = with;
	o->trust = &trust;
	o->key = issuer_sk;
	o->out = out;
	o->lim.max_entries = BUNDLE_MAX_ENTRIES;
	o->lim.max_file = BUNDLE_MAX_FILE;
	o->lim.max_total = BUNDLE_MAX_TOTAL;
	o->max_depth = JSON_MAX_DEPTH;
}

/* regrade_moves: each check before -> after, from a result.json and a
 * grading made here. */
static void test_moves(void)
{
	static const char res[] =
		"{\"checks\":["
		"{\"id\":\"same\",\"title\":\"Old same\",\"status\":\"pass\",\"points\":300,\"weight\":300},"
		"{\"id\":\"moved\",\"title\":\"Old moved\",\"status\":\"pass\",\"points\":200,\"weight\":200},"
		"{\"id\":\"gone\",\"title\":\"Old gone\",\"status\":\"fail\",\"points\":0,\"weight\":100},"
		"{\"id\":\"reweighed\",\"title\":\"W\",\"status\":\"fail\",\"points\":0,\"weight\":400}]}";
	struct grader_check now[] = {
		{.id = "moved", .title = "New moved", .status = CHECK_FAIL, .weight = 200},
		{.id = "same", .title = "New same", .status = CHECK_PASS, .weight = 300, .points = 300},
		{.id = "fresh", .title = "New fresh", .status = CHECK_ERROR, .weight = 50},
		{.id = "reweighed", .title = "W", .status = CHECK_FAIL, .weight = 100},
	};
	struct grader_result gr = {.ok = 1, .checks = now, .n = 4};
	struct tar_list l = {0}, bad = {0};
	struct regrade_move *v = NULL;
	struct err e = {0};
	size_t n = 0;

	ok(tar_list_add_file(&l, "result.json", 0644, res, strlen(res), &e) == 0 &&
	   tar_list_add_file(&bad, "result.json", 0644, "{\"checks\":[{\"id\":\"x\"}]}", 23, &e) == 0,
	   "moves: result.json members: %s", e.msg);
	ok(regrade_moves(&l, &gr, &v, &n, &e) == 0 && n == 5, "moves: five checks (%zu): %s", n, e.msg);
	if (n == 5) {
		ok(!strcmp(v[0].id, "moved") && !strcmp(v[0].before, "pass") && v[0].before_points == 200 &&
		   !strcmp(v[0].after, "fail") && v[0].after_points == 0 && v[0].changed &&
		   !strcmp(v[0].title, "New moved"),
		   "moves: pass -> fail is changed, titled by the new grader, in its order");
		ok(!strcmp(v[1].id, "same") && !v[1].changed && !strcmp(v[1].before, "pass") &&
		   !strcmp(v[1].after, "pass"), "moves: the same result is unchanged");
		ok(!strcmp(v[2].id, "fresh") && !v[2].before[0] && !strcmp(v[2].after, "error") &&
		   v[2].changed, "moves: a check the old evidence lacks is new");
		ok(!strcmp(v[3].id, "reweighed") && v[3].changed && v[3].before_weight == 400 &&
		   v[3].after_weight == 100, "moves: the same status at another weight is changed");
		ok(!strcmp(v[4].id, "gone") && !strcmp(v[4].before, "fail") && !v[4].after[0] &&
		   v[4].changed && !strcmp(v[4].title, "Old gone"),
		   "moves: a check the new grader lacks is gone, last, titled from the old evidence");
	}
	regrade_moves_free(v, n);
	gr.ok = 0;
	ok(regrade_moves(&l, &gr, &v, &n, &e) == 0 && n == 0 && !v,
	   "moves: a grading that failed has nothing to compare");
	gr.ok = 1;
	e = (struct err){0};
	ok(regrade_moves(&bad, &gr, &v, &n, &e) < 0 && e.kind == ERR_REFUSED && !v &&
	   strstr(e.msg, "$.checks[0]: not a check labrun writes"),
	   "moves: a result.json labrun does not write is refused (%s)", e.msg);
	tar_list_release(&l);
	tar_list_release(&bad);
}

static void test_run(void)
{
	struct regrade_opts o;
	struct regrade_result r;
	struct evfix f = {.sc = &sc, .extra_name = "changes/etc/x.conf", .extra_data = "x = 2\n"};
	struct tar_list m = {0};
	struct ev_recorded rec;
	struct err e = {0};
	struct collect_report col;
	char ev[300], evh[300], lab2[300], lab3[300], labo[300], labv[300], out[300];
	char d[SIGN_SHA256_HEX], want[80];
	static char *variants[] = {"v-gone"};
	struct scenario scv = sc;

	snprintf(ev, sizeof ev, "%s/old.ev", dir);
	snprintf(lab2, sizeof lab2, "%s/t-min-2.lab", dir);
	snprintf(lab3, sizeof lab3, "%s/t-min-3.lab", dir);
	snprintf(labo, sizeof labo, "%s/t-other.lab", dir);
	snprintf(labv, sizeof labv, "%s/t-min-unsigned.lab", dir);
	snprintf(out, sizeof out, "%s/new.ev", dir);
	ok(evfix_write(&f, issuer_sk, ev, d, &e) == 0, "an old pass, x = 2: %s", e.msg);
	ok(evfix_bundle(author_sk, lab2, "t-min", "1.1.0", grader_2, &e) == 0 &&
	   evfix_bundle(author_sk, lab3, "t-min", "1.2.0", grader_3, &e) == 0 &&
	   evfix_bundle(author_sk, labo, "t-other", "1.0.0", grader_2, &e) == 0 &&
	   evfix_bundle(other_sk, labv, "t-min", "1.3.0", grader_2, &e) == 0,
	   "four bundles: graders wanting x = 2 and x = 3, another scenario, an untrusted signer: %s",
	   e.msg);

	/* a newer grader that wants x = 3 */
	opts(&o, ev, lab3, out);
	e = (struct err){0};
	ok(regrade_run(&o, &r, &e) == 0, "regraded with 1.2.0: %s", e.msg);
	is_str(r.verdict, "fail", "... the new grader fails it");
	ok(r.score == 0 && r.pass_mark == 800, "... score 0 of pass mark 800 (%u)", r.score);
	is_str(r.old_verdict, "pass", "... the old verdict");
	ok(r.old_score == 1000, "... the old score");
	is_str(r.old_digest, d, "... the old evidence's digest");
	is_str(r.scenario, "t-min 1.2.0", "... the new bundle");
	ok(r.nmoves == 1 && r.nchanged == 1 && !strcmp(r.moves[0].before, "pass") &&
	   !strcmp(r.moves[0].after, "fail") && r.moves[0].changed,
	   "... its check moved pass -> fail");
	ok(r.gr.n == 1 && r.gr.checks[0].status == CHECK_FAIL && !strcmp(r.gr.checks[0].message, "not 3"),
	   "... its check, judged on the rebuilt state");
	regrade_result_release(&r);
	e = (struct err){0};
	ok(ev_open(out, &issuer, &m, NULL, &e) == 0 && ev_recorded_load(&m, &rec, &e) == 0,
	   "the new evidence verifies: %s", e.msg);
	snprintf(want, sizeof want, "sha256:%s", d);
	is_str(rec.regraded_from, want, "... it names the old by digest");
	is_str(rec.mode, "regrade", "... mode regrade");
	is_str(rec.verdict, "fail", "... its verdict");
	is_str(rec.valid_until, "", "... a fail is valid for nothing");
	is_str(rec.candidate, EVFIX_PSEUDONYM, "... the same holder");
	is_str(rec.scenario_version, "1.2.0", "... the new version");
	ok(tar_list_find(&m, "changes/etc/x.conf") && tar_list_find(&m, "session.cast"),
	   "... the session's changes and recording, carried over");
	ev_recorded_release(&rec);
	tar_list_release(&m);
	unlink(out);

	/* one that wants x = 2: a pass, valid from the session, not the regrade */
	opts(&o, ev, lab2, out);
	e = (struct err){0};
	ok(regrade_run(&o, &r, &e) == 0 && !strcmp(r.verdict, "pass") && r.score == 1000,
	   "regraded with 1.1.0: pass, 1000 (%s %u): %s", r.verdict, r.score, e.msg);
	regrade_result_release(&r);
	e = (struct err){0};
	ok(ev_open(out, &issuer, &m, NULL, &e) == 0 && ev_recorded_load(&m, &rec, &e) == 0 &&
	   !strcmp(rec.valid_until, "2026-11-25T12:00:00Z"),
	   "... valid until a year after the session, not the regrade (%s)", rec.valid_until);
	ev_recorded_release(&rec);
	tar_list_release(&m);
	unlink(out);

	/* the hints cost what they cost */
	f.hint_points = 300;
	snprintf(evh, sizeof evh, "%s/hinted.ev", dir);
	e = (struct err){0};
	evfix_write(&f, issuer_sk, evh, NULL, &e);
	f.hint_points = 0;
	opts(&o, evh, lab2, out);
	e = (struct err){0};
	ok(regrade_run(&o, &r, &e) == 0 && !strcmp(r.verdict, "fail") && r.score == 700,
	   "a hint that cost 300: the new grader's 1000 is 700, below the pass mark (%s %u): %s",
	   r.verdict, r.score, e.msg);
	regrade_result_release(&r);
	unlink(out);

	/* refusals: nothing written at -o */
	{
		struct {
			const char *what, *ev, *with, *want;
		} v[6];
		size_t i, n = 0;
		char evp[300], eve[300], evi[300], evv[300], evx[300];

		snprintf(evp, sizeof evp, "%s/pseudonym.ev", dir);
		f.candidate = "cand-4f2a";
		evfix_write(&f, issuer_sk, evp, NULL, &e);
		f.candidate = NULL;
		snprintf(eve, sizeof eve, "%s/errored.ev", dir);
		f.ended_by = "error";
		f.verdict = "error";
		f.score = 0;
		evfix_write(&f, issuer_sk, eve, NULL, &e);
		f.ended_by = NULL;
		snprintf(evi, sizeof evi, "%s/incomplete.ev", dir);
		memset(&col, 0, sizeof col);
		snprintf(col.graded.error, sizeof col.graded.error, "over the graded budget");
		f.collected = &col;
		evfix_write(&f, issuer_sk, evi, NULL, &e);
		f.collected = NULL;
		f.verdict = NULL;
		snprintf(evv, sizeof evv, "%s/variant.ev", dir);
		scv.variants = variants;
		scv.nvariants = 1;
		scv.variant = 0;
		f.sc = &scv;
		evfix_write(&f, issuer_sk, evv, NULL, &e);
		f.sc = &sc;
		snprintf(evx, sizeof evx, "%s/foreign.ev", dir);
		evfix_write(&f, other_sk, evx, NULL, &e);

		v[n++] = (typeof(v[0])){"a pseudonym labrun does not write", evp, lab2,
					"pseudonym 'cand-4f2a': not one labrun writes (c- and 16 hex digits)"};
		v[n++] = (typeof(v[0])){"a session that ended in an infrastructure error", eve, lab2,
					"the session ended in an infrastructure error; there is no final state to regrade; hint: the candidate retakes it"};
		v[n++] = (typeof(v[0])){"evidence without the whole graded state", evi, lab2,
					"the evidence does not hold the whole graded state (its verdict is error); there is nothing a regrade could agree with; hint: the candidate retakes it"};
		v[n++] = (typeof(v[0])){"a bundle of another scenario", ev, labo,
					"scenario 't-other', but"};
		v[n++] = (typeof(v[0])){"a variant the new version does not have", evv, lab2,
					"the session ran variant 'v-gone', which this version of the scenario does not have; hint: keep the variant's id in $.variants"};
		v[n++] = (typeof(v[0])){"evidence another issuer sealed", evx, lab2, "not trusted"};
		for (i = 0; i < n; i++) {
			opts(&o, v[i].ev, v[i].with, out);
			e = (struct err){0};
			ok(regrade_run(&o, &r, &e) < 0 && e.kind == ERR_REFUSED && strstr(e.msg, v[i].want) &&
			   access(out, F_OK) < 0, "%s is refused, nothing written: %s", v[i].what, e.msg);
			regrade_result_release(&r);
		}
		/* the pseudonym's form, each rule of it */
		{
			static const char *const bad[] = {
				"c-0123456789abcdeg", "c-0123456789ABCDEF", "x-0123456789abcdef",
				"c-0123456789abcdef0", "c-0123456789abcde",
			};
			char pwant[120];

			for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
				f.candidate = bad[i];
				e = (struct err){0};
				evfix_write(&f, issuer_sk, evp, NULL, &e);
				opts(&o, evp, lab2, out);
				snprintf(pwant, sizeof pwant, "pseudonym '%s': not one labrun writes", bad[i]);
				e = (struct err){0};
				ok(regrade_run(&o, &r, &e) < 0 && e.kind == ERR_REFUSED && strstr(e.msg, pwant) &&
				   access(out, F_OK) < 0, "pseudonym %s is refused", bad[i]);
				regrade_result_release(&r);
			}
			f.candidate = NULL;
		}
		opts(&o, ev, labo, out);
		e = (struct err){0};
		regrade_run(&o, &r, &e);
		ok(strstr(e.msg, "is evidence of 't-min'; hint: regrade with a version of the scenario it ran") != NULL,
		   "... another scenario: both named, and the fix");
		regrade_result_release(&r);
		opts(&o, ev, labv, out);
		e = (struct err){0};
		ok(regrade_run(&o, &r, &e) < 0 && e.kind == ERR_REFUSED && access(out, F_OK) < 0,
		   "a bundle no trusted author signed is refused: %s", e.msg);
		regrade_result_release(&r);
	}
}

int main(void)
{
	struct sign_pub other;
	struct err e = {0};

	if (private_dir("test-regrade", "the test's files", dir, sizeof dir, &e) < 0) {
		printf("# %s\n", e.msg[0] ? e.msg : strerror(errno));
		return 1;
	}
	ok(sign_sec_ephemeral(&issuer_sk, &e) == 0 && sign_sec_ephemeral(&author_sk, &e) == 0 &&
	   sign_sec_ephemeral(&other_sk, &e) == 0, "throwaway keys: %s", e.msg);
	sign_sec_pub(issuer_sk, &issuer);
	sign_sec_pub(author_sk, &author);
	sign_sec_pub(other_sk, &other);
	trust.keys = &author;
	trust.n = 1;

	test_decode();
	test_rebuild();
	test_moves();
	test_run();

	sign_sec_free(issuer_sk);
	sign_sec_free(author_sk);
	sign_sec_free(other_sk);
	remove_tree(dir, &e);
	return tap_done();
}
