/* test_recert: what `recert plan` and `recert report` decide, without a
 * session.  Dates and class names; the version order that picks a
 * scenario's current bundle (semver: numbers as numbers, a pre-release
 * below its release); the replay script of each source, a derived one
 * quoted for bash and leaving out the shell, `lab` and cut commands; a
 * plan over real signed bundles and evidence: every class (current,
 * stale by scenario or by platform, expiring, expired, failed, renewed,
 * superseded, no bundle, invalid), one job per stale or expiring attempt,
 * a copy of a file one job, the job list batch reads back, warnings for
 * replays that cannot be judged fully, bundles left out and why; and a
 * batch's report: per-scenario renewals and retakes, per-check tallies
 * before and after, what changed and what was carried, errors only for
 * jobs without a result. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/batch.h"
#include "runner/evidence.h"
#include "runner/recert.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "scenarios/platform/sim.h"
#include "tests/unit/evfix.h"
#include "tests/unit/tap.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static char dir[200], rdir[300];
static struct sign_sec *issuer_sk, *author_sk, *other_sk;
static struct sign_pub issuer, author;
static struct sign_trust trust;

static char *competencies[] = {"testing"};
static struct scenario sc_cur = {
	.id = "t-min", .version = "1.10.0", .title = "Minimal",
	.level = "foundation", .platform = SIM_PLATFORM,
	.competencies = competencies, .ncompetencies = 1, .grader_api = 1,
	.pass_mark = 800, .time_limit_s = 60, .valid_for_days = 365,
};
static struct scenario sc_old = {
	.id = "t-min", .version = "1.0.0", .title = "Minimal",
	.level = "foundation", .platform = SIM_PLATFORM,
	.competencies = competencies, .ncompetencies = 1, .grader_api = 1,
	.pass_mark = 800, .time_limit_s = 60, .valid_for_days = 365,
};
static struct scenario sc_oldplat = {
	.id = "t-min", .version = "1.10.0", .title = "Minimal",
	.level = "foundation", .platform = "agentsim-1",
	.competencies = competencies, .ncompetencies = 1, .grader_api = 1,
	.pass_mark = 800, .time_limit_s = 60, .valid_for_days = 365,
};
static struct scenario sc_gone = {
	.id = "t-gone", .version = "2.0.0", .title = "Gone",
	.level = "foundation", .platform = SIM_PLATFORM,
	.competencies = competencies, .ncompetencies = 1, .grader_api = 1,
	.pass_mark = 800, .time_limit_s = 60, .valid_for_days = 365,
};

/* The current version's grader: remediation x, knowledge k. */
static const char grader_xk[] =
	"local ok = (lab.read(\"/etc/x.conf\") or \"\"):find(\"x = 2\", 1, true) ~= nil\n"
	"return {lab.check{id = \"x\", title = \"x\", weight = 1, pass = ok, message = ok and \"x is 2\" or \"no\"},\n"
	"  lab.check{id = \"k\", title = \"k\", weight = 1, pass = true, kind = \"knowledge\", message = \"k\"}}\n";
static const char grader_x[] =
	"return {lab.check{id = \"x\", title = \"x\", weight = 1, pass = false, message = \"no\"}}\n";

/* ---- small functions ---- */

static void test_names_dates(void)
{
	static const char *const want[] = {
		"current", "stale", "expiring", "expired", "failed", "renewed",
		"superseded", "no-bundle", "invalid",
	};
	static const struct {
		const char *s;
		int64_t t; /* -1: refused */
	} d[] = {
		{"2027-01-01", 1798761600},
		{"2027-01-01T00:00:00Z", 1798761600},
		{"2026-12-31T23:59:59Z", 1798761599},
		{"1970-01-01", 0},
		{"2024-02-29T12:00:00Z", 1709208000},
		{"2027-01-01T00:00:00", -1},
		{"2027-01-01T00:00:00+01:00", -1},
		{"2027-13-01", -1},
		{"2027-00-10", -1},
		{"2027-01-32", -1},
		{"2027-01-01T24:00:00Z", -1},
		{"1969-12-31", -1},
		{"2027-1-1", -1},
		{"", -1},
		{"tomorrow!!", -1},
	};
	size_t i;
	int64_t t;

	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strcmp(recert_class_name((enum recert_class)i), want[i]))
			break;
	ok(i == sizeof want / sizeof want[0], "the nine class names, in order");
	is_str(recert_class_name((enum recert_class)(RC_INVALID + 1)), "?", "past the last: ?");
	for (i = 0; i < sizeof d / sizeof d[0]; i++) {
		t = 42;
		if (d[i].t >= 0)
			ok(recert_parse_date(d[i].s, &t) == 0 && t == d[i].t, "date %s is %lld", d[i].s,
			   (long long)t);
		else
			ok(recert_parse_date(d[i].s, &t) < 0 && t == 42, "date '%s' is refused", d[i].s);
	}
	ok(recert_parse_date(NULL, &t) < 0, "no date is refused");
}

static void test_semver(void)
{
	/* each below the next */
	static const char *const order[] = {
		"0.9.0", "1.0.0-2", "1.0.0-10", "1.0.0-alpha", "1.0.0-alpha.1",
		"1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
		"1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.9.0", "1.10.0",
		"2.0.0-rc.1", "2.0.0", "10.0.0",
	};
	size_t i, k;
	int good = 1;

	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		for (k = 0; k < sizeof order / sizeof order[0]; k++) {
			int c = recert_semver_cmp(order[i], order[k]);

			if ((i < k && c >= 0) || (i == k && c) || (i > k && c <= 0)) {
				good = 0;
				printf("# %s against %s: %d\n", order[i], order[k], c);
			}
		}
	ok(good, "semver order over %zu versions, both ways (numbers as numbers, a "
		 "pre-release below its release, numeric identifiers below others)",
	   sizeof order / sizeof order[0]);
	ok(recert_semver_cmp("1.0.0+build.7", "1.0.0") == 0 &&
	   recert_semver_cmp("1.0.0-rc.1+b", "1.0.0-rc.1") == 0, "build metadata does not count");
}

/* ---- the replay script ---- */

static void test_replay_script(void)
{
	static char sh[] = "/bin/bash", lab[] = "/opt/labrun/bin/lab", sed[] = "/usr/bin/sed";
	static char a_sed[] = "sed", a_i[] = "-i", a_expr[] = "s/a/b/", a_file[] = "/etc/x.conf";
	static char a_lab[] = "lab", a_status[] = "status";
	static char a_pf[] = "printf", a_empty[] = "", a_q[] = "it's", a_sp[] = "a b",
		    a_var[] = "$HOME", a_plain[] = "ok=1,2:3@4%5+6_.-";
	static char *v_sh[] = {sh}, *v_lab[] = {a_lab, a_status},
		    *v_sed[] = {a_sed, a_i, a_expr, a_file},
		    *v_pf[] = {a_pf, a_empty, a_q, a_sp, a_var, a_plain};
	struct ev_command c[6];
	struct ev_recorded rec;
	struct tar_list m = {0};
	struct buf out = BUF_INIT;
	struct err e = {0};
	char *huge;

	memset(c, 0, sizeof c);
	memset(&rec, 0, sizeof rec);
	c[0] = (struct ev_command){.path = sh, .argv = v_sh, .argc = 1};
	c[1] = (struct ev_command){.path = lab, .argv = v_lab, .argc = 2};
	c[2] = (struct ev_command){.path = sed, .argv = v_sed, .argc = 4};
	c[3] = (struct ev_command){.path = sed, .argv = v_sed, .argc = 2, .argv_truncated = 1};
	c[4] = (struct ev_command){.path = sed, .argc = 0};
	c[5] = (struct ev_command){.path = sed, .argv = v_pf, .argc = 6};
	rec.commands = c;
	rec.ncommands = 6;
	ok(recert_replay_script(&m, &rec, "commands", HEX_A, &out, &e) == 0, "a script from commands: %s",
	   e.msg);
	buf_append(&out, "", 1, NULL);
	is_str((const char *)out.data,
	       "#!/bin/bash\n"
	       "# Derived by labrun from commands.jsonl of sha256:" HEX_A ", at best\n"
	       "# effort: shell builtins, redirections and editor changes were\n"
	       "# not execs and are not here; nor are the shell and `lab`.\n"
	       "sed -i s/a/b/ /etc/x.conf\n"
	       "# left out: exec 4, its arguments were cut at the cap\n"
	       "printf '' 'it'\\''s' 'a b' '$HOME' ok=1,2:3@4%5+6_.-\n",
	       "... the shell and lab left out, a cut exec said, each argument quoted only when it must be");
	out.len = 0;

	/* over the script bound */
	huge = malloc(SCRIPT_MAX_BYTES + 1);
	memset(huge, 'a', SCRIPT_MAX_BYTES);
	huge[SCRIPT_MAX_BYTES] = 0;
	v_sed[2] = huge;
	rec.ncommands = 3;
	e = (struct err){0};
	ok(recert_replay_script(&m, &rec, "commands", HEX_A, &out, &e) < 0 && e.kind == ERR_REFUSED &&
	   strstr(e.msg, "the script derived from commands.jsonl is over 1048576 bytes"),
	   "a derived script over %u bytes is refused: %s", SCRIPT_MAX_BYTES, e.msg);
	v_sed[2] = a_expr;
	free(huge);
	out.len = 0;

	/* members as they are */
	evfix_add(&m, "replay/script.sh", "echo script\n", &e);
	evfix_add(&m, "answers/runbook.sh", "echo runbook\n", &e);
	ok(recert_replay_script(&m, &rec, "script", HEX_A, &out, &e) == 0 && out.len == 12 &&
	   !memcmp(out.data, "echo script\n", 12), "source script: replay/script.sh as it is");
	out.len = 0;
	ok(recert_replay_script(&m, &rec, "runbook", HEX_A, &out, &e) == 0 && out.len == 13 &&
	   !memcmp(out.data, "echo runbook\n", 13), "source runbook: answers/runbook.sh as it is");
	out.len = 0;
	tar_list_release(&m);
	e = (struct err){0};
	ok(recert_replay_script(&m, &rec, "runbook", HEX_A, &out, &e) < 0 && e.kind == ERR_REFUSED &&
	   !strcmp(e.msg, "replay source 'runbook': the evidence has no member 'answers/runbook.sh'; "
			  "hint: replay from its commands"), "a missing member is refused, with the fix: %s",
	   e.msg);
	e = (struct err){0};
	ok(recert_replay_script(&m, &rec, "shell", HEX_A, &out, &e) < 0 && e.kind == ERR_REFUSED &&
	   !strcmp(e.msg, "replay source 'shell': not script, runbook or commands"),
	   "an unknown source is refused: %s", e.msg);
	buf_release(&out);
}

/* ---- the plan ---- */

static char B[300], E[300];
static char d_cur[SIGN_SHA256_HEX], d_old[SIGN_SHA256_HEX];

static int bundle(const char *name, const struct sign_sec *sk, const char *version,
		  const char *grader, char *digest)
{
	char path[400];
	struct err e = {0};
	int rc;

	snprintf(path, sizeof path, "%s/%s", B, name);
	rc = evfix_bundle(sk, path, "t-min", version, grader, &e);
	if (rc < 0)
		printf("# bundle %s: %s\n", name, e.msg);
	if (digest)
		evfix_digest(path, digest);
	return rc;
}

static int evidence(const char *name, struct evfix *f, const struct sign_sec *sk,
		    char digest[SIGN_SHA256_HEX])
{
	char path[400];
	struct err e = {0};
	int rc;

	snprintf(path, sizeof path, "%s/%s", E, name);
	rc = evfix_write(f, sk ? sk : issuer_sk, path, digest, &e);
	if (rc < 0)
		printf("# evidence %s: %s\n", name, e.msg);
	return rc;
}

/* A regrade of evidence f (digest d_from), issued at regraded_ms, sealed
 * at E/name. */
static int regrade_of(const struct evfix *f, const char *d_from,
		      const char *name, int64_t regraded_ms)
{
	struct tar_list old = {0}, nl = {0};
	struct grader_result r = {0};
	struct ev_info in = {0};
	struct err e = {0};
	char path[400];
	size_t i;
	int rc = -1;

	if (evfix_members(f, &old, &e) < 0)
		goto out;
	for (i = 0; i < old.n; i++)
		if (!old.v[i].is_dir && strcmp(old.v[i].name, "manifest.json") &&
		    strcmp(old.v[i].name, "result.json") &&
		    tar_list_add_file(&nl, old.v[i].name, 0644, old.v[i].data, old.v[i].len, &e) < 0)
			goto out;
	r.ok = 1;
	r.checks = evfix_check_x;
	r.n = 1;
	in.mode = "regrade";
	in.sc = &sc_cur;
	in.scenario_digest = d_cur;
	in.signer_keyid = "0123456789ABCDEF";
	in.candidate = EVFIX_PSEUDONYM;
	in.attempt = 1;
	in.seed_hex = "deadbeef";
	in.ended_ms = EVFIX_ENDED_MS;
	in.started_ms = EVFIX_ENDED_MS - 120000;
	in.ended_by = "exit";
	in.runner_version = "0.1.0";
	in.result = &r;
	in.verdict = "pass";
	in.score = 1000;
	snprintf(path, sizeof path, "%s/%s", E, name);
	if (ev_add_regrade_records(&nl, &old, &in, d_from, regraded_ms, &e) < 0 ||
	    ev_seal(&nl, issuer_sk, "labrun evidence t regrade", path, &e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		printf("# regrade %s: %s\n", name, e.msg);
	tar_list_release(&old);
	tar_list_release(&nl);
	return rc;
}

static const struct recert_row *row(const struct recert_plan *p, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < p->nrows; i++) {
		size_t len = strlen(p->rows[i].file);

		if (len > n && p->rows[i].file[len - n - 1] == '/' &&
		    !strcmp(p->rows[i].file + len - n, name))
			return &p->rows[i];
	}
	return NULL;
}

static const char *cls(const struct recert_plan *p, const char *name)
{
	const struct recert_row *r = row(p, name);

	return r ? recert_class_name(r->cls) : "(no row)";
}

static const char *why(const struct recert_plan *p, const char *name)
{
	const struct recert_row *r = row(p, name);

	return r ? r->why : "";
}

static void test_plan(void)
{
	static struct grader_check xk[] = {
		{"x", "x", CHECK_PASS, 1000, 1000, "x is 2", 0},
		{"k", "k", CHECK_PASS, 1000, 1000, "k", 1},
	};
	struct grader_result gr_xk = {.ok = 1, .checks = xk, .n = 2};
	struct recert_plan_opts o = {0};
	struct recert_plan p;
	struct batch_list l;
	struct err e = {0};
	struct buf js = BUF_INIT;
	struct evfix f;
	struct ev_renewal rn = {0};
	char d_stale[SIGN_SHA256_HEX], d_old2[SIGN_SHA256_HEX], d_renewed[SIGN_SHA256_HEX];
	char d_plat[SIGN_SHA256_HEX], d_exp[SIGN_SHA256_HEX], d_other[SIGN_SHA256_HEX];
	char path[PATH_MAX + 40], src[400];
	struct buf b = BUF_INIT;
	json_t *top;
	size_t i;
	int64_t t0 = EVFIX_ENDED_MS / 1000;

	snprintf(B, sizeof B, "%s/bundles", dir);
	snprintf(E, sizeof E, "%s/evidence", dir);
	mkdir(B, 0755);
	mkdir(E, 0755);
	/* the bundles, in name order: 1.10.0 first, then lower ones, then
	 * 1.10.0 again with other bytes, then one nobody trusts */
	ok(bundle("a-1.10.0.lab", author_sk, "1.10.0", grader_xk, d_cur) == 0 &&
	   bundle("b-1.9.0.lab", author_sk, "1.9.0", grader_x, NULL) == 0 &&
	   bundle("c-1.10.0-rc.1.lab", author_sk, "1.10.0-rc.1", grader_x, NULL) == 0 &&
	   bundle("d-1.0.0.lab", author_sk, "1.0.0", grader_x, d_old) == 0 &&
	   bundle("e-1.10.0-again.lab", author_sk, "1.10.0", grader_x, d_other) == 0 &&
	   bundle("f-2.0.0-untrusted.lab", other_sk, "2.0.0", grader_x, NULL) == 0,
	   "six bundles of t-min signed");
	snprintf(path, sizeof path, "%s/g-notes.txt", B);
	evfix_put(path, "not a bundle");

	/* the evidence */
	f = (struct evfix){.sc = &sc_cur, .scenario_digest = d_cur, .gr = &gr_xk,
			   .script = "echo x = 2 >/etc/x.conf\n"};
	ok(evidence("current.ev", &f, NULL, NULL) == 0, "current.ev: a pass on the current bundle");
	f.ended_ms = EVFIX_ENDED_MS - 340 * EVFIX_DAY * 1000;
	f.script = NULL; /* its replay: from commands, and none to replay */
	f.gr = NULL;     /* and it lacks the knowledge check k */
	ok(evidence("expiring.ev", &f, NULL, d_exp) == 0, "expiring.ev: valid 15 days past now");
	f.ended_ms = EVFIX_ENDED_MS - 400 * EVFIX_DAY * 1000;
	ok(evidence("expired.ev", &f, NULL, NULL) == 0, "expired.ev: valid until 35 days ago");
	f = (struct evfix){.sc = &sc_old, .scenario_digest = d_old, .script = "true\n"};
	ok(evidence("stale-scenario.ev", &f, NULL, d_stale) == 0, "stale-scenario.ev: a pass on 1.0.0");
	snprintf(path, sizeof path, "%s/stale-scenario.ev", E);
	if (read_file_bounded(path, 1u << 26, &b, &e) == 0) {
		snprintf(path, sizeof path, "%s/stale-twin.ev", E);
		write_file_atomic(path, b.data, b.len, 0644, &e);
	}
	buf_release(&b);
	f = (struct evfix){.sc = &sc_oldplat, .scenario_digest = d_cur, .gr = &gr_xk,
			   .runbook = "echo x = 2 >/etc/x.conf\n"};
	ok(evidence("stale-platform.ev", &f, NULL, d_plat) == 0,
	   "stale-platform.ev: a pass on the current bundle, on platform agentsim-1");
	f = (struct evfix){.sc = &sc_cur, .scenario_digest = d_cur, .verdict = "fail", .score = 200};
	ok(evidence("failed.ev", &f, NULL, NULL) == 0, "failed.ev: a fail");
	f = (struct evfix){.sc = &sc_gone, .scenario_digest = d_cur};
	ok(evidence("nobundle.ev", &f, NULL, NULL) == 0, "nobundle.ev: a pass of a scenario not in --bundles");
	f = (struct evfix){.sc = &sc_cur, .scenario_digest = d_cur};
	ok(evidence("forged.ev", &f, other_sk, NULL) == 0, "forged.ev: sealed by another key");
	snprintf(path, sizeof path, "%s/garbage.ev", E);
	evfix_put(path, "garbage");
	snprintf(path, sizeof path, "%s/.partial.ev", E);
	evfix_put(path, "not looked at");
	snprintf(path, sizeof path, "%s/readme.txt", E);
	evfix_put(path, "not looked at");
	/* old.ev, renewed by renewal.ev */
	f = (struct evfix){.sc = &sc_old, .scenario_digest = d_old, .candidate = "c-1111111111111111",
			   .script = "true\n"};
	ok(evidence("old.ev", &f, NULL, d_old2) == 0, "old.ev: a stale pass ...");
	rn.digest = d_old2;
	rn.scenario_digest = NULL;
	rn.verdict = "pass";
	rn.issued = "2025-11-25T12:00:00Z";
	rn.valid_until = "2026-11-25T12:00:00Z";
	f = (struct evfix){.sc = &sc_cur, .scenario_digest = d_cur, .candidate = "c-1111111111111111",
			   .renews = &rn, .ended_ms = EVFIX_ENDED_MS + 2 * EVFIX_DAY * 1000,
			   .gr = &gr_xk, .script = "true\n"};
	ok(evidence("renewal.ev", &f, NULL, d_renewed) == 0, "... renewal.ev renews it");
	/* orig.ev, regraded by regraded.ev */
	f = (struct evfix){.sc = &sc_old, .scenario_digest = d_old, .candidate = "c-2222222222222222",
			   .script = "true\n"};
	{
		char d_orig[SIGN_SHA256_HEX];

		ok(evidence("orig.ev", &f, NULL, d_orig) == 0 &&
		   regrade_of(&f, d_orig, "regraded.ev", EVFIX_ENDED_MS + EVFIX_DAY * 1000) == 0,
		   "orig.ev, and regraded.ev, its regrade");
	}
	/* orig3.ev, regraded within the same second by a-regrade3.ev (a name
	 * that sorts first): further down its links, the regrade is newer */
	f = (struct evfix){.sc = &sc_old, .scenario_digest = d_old, .candidate = "c-4444444444444444",
			   .script = "true\n"};
	{
		char d_orig3[SIGN_SHA256_HEX];

		ok(evidence("orig3.ev", &f, NULL, d_orig3) == 0 &&
		   regrade_of(&f, d_orig3, "a-regrade3.ev", EVFIX_ENDED_MS) == 0,
		   "orig3.ev, and a-regrade3.ev, its regrade issued the same second");
	}
	/* p-old.ev, renewed by q-renewal.ev, which r-renewal-regraded.ev
	 * regrades later */
	f = (struct evfix){.sc = &sc_old, .scenario_digest = d_old, .candidate = "c-5555555555555555",
			   .script = "true\n"};
	{
		char d_p[SIGN_SHA256_HEX], d_q[SIGN_SHA256_HEX];
		struct ev_renewal rn2 = {.verdict = "pass", .issued = "2025-11-25T12:00:00Z"};

		ok(evidence("p-old.ev", &f, NULL, d_p) == 0, "p-old.ev: a stale pass ...");
		rn2.digest = d_p;
		f = (struct evfix){.sc = &sc_cur, .scenario_digest = d_cur, .candidate = "c-5555555555555555",
				   .renews = &rn2, .ended_ms = EVFIX_ENDED_MS + 2 * EVFIX_DAY * 1000,
				   .gr = &gr_xk, .script = "true\n"};
		ok(evidence("q-renewal.ev", &f, NULL, d_q) == 0 &&
		   regrade_of(&f, d_q, "r-renewal-regraded.ev", EVFIX_ENDED_MS + 3 * EVFIX_DAY * 1000) == 0,
		   "... q-renewal.ev renews it, r-renewal-regraded.ev regrades the renewal");
	}

	o.evidence_dir = E;
	o.bundles_dir = B;
	o.trust = &trust;
	o.issuer = &issuer;
	o.now = t0 + 10 * EVFIX_DAY;
	o.within_days = 30;
	o.lim.max_entries = BUNDLE_MAX_ENTRIES;
	o.lim.max_file = BUNDLE_MAX_FILE;
	o.lim.max_total = BUNDLE_MAX_TOTAL;
	o.max_depth = JSON_MAX_DEPTH;
	e = (struct err){0};
	ok(recert_plan(&o, &p, &e) == 0, "recert_plan: %s", e.msg);
	ok(p.nrows == 19, "a row for each *.ev, none for .partial.ev or readme.txt (%zu)", p.nrows);

	is_str(cls(&p, "current.ev"), "current", "current.ev: current");
	is_str(why(&p, "current.ev"), "", "... with no reason to give");
	is_str(cls(&p, "expiring.ev"), "expiring", "expiring.ev: expiring");
	is_str(why(&p, "expiring.ev"), "expires 2025-12-20T12:00:00Z, within 30 days", "... when, and the window");
	is_str(cls(&p, "expired.ev"), "expired", "expired.ev: expired");
	is_str(why(&p, "expired.ev"), "expired 2025-10-21T12:00:00Z: the holder retakes the exam",
	       "... the holder retakes");
	is_str(cls(&p, "stale-scenario.ev"), "stale", "stale-scenario.ev: stale");
	snprintf(path, sizeof path, "scenario t-min 1.0.0 is not the current 1.10.0 (%s/a-1.10.0.lab)", rdir);
	ok(!strncmp(why(&p, "stale-scenario.ev"), path, strlen(path)),
	   "... its version and the current one, 1.10.0 (above 1.9.0 and 1.10.0-rc.1), by path: %s",
	   why(&p, "stale-scenario.ev"));
	is_str(cls(&p, "stale-twin.ev"), "stale", "stale-twin.ev (the same bytes): stale");
	ok(strstr(why(&p, "stale-twin.ev"), "; the same file as ") &&
	   strstr(why(&p, "stale-twin.ev"), "stale-scenario.ev: one job"),
	   "... one job with its twin: %s", why(&p, "stale-twin.ev"));
	is_str(cls(&p, "stale-platform.ev"), "stale", "stale-platform.ev: stale");
	is_str(why(&p, "stale-platform.ev"), "platform agentsim-1 is not this labrun's " SIM_PLATFORM,
	       "... the platform named");
	is_str(cls(&p, "failed.ev"), "failed", "failed.ev: failed");
	is_str(why(&p, "failed.ev"), "verdict fail: nothing to renew", "... nothing to renew");
	is_str(cls(&p, "nobundle.ev"), "no-bundle", "nobundle.ev: no-bundle");
	snprintf(path, sizeof path, "no trusted bundle of scenario 't-gone' in %s; hint: add one, or check --trust", B);
	is_str(why(&p, "nobundle.ev"), path, "... the scenario, the directory and the fix");
	is_str(cls(&p, "forged.ev"), "invalid", "forged.ev: invalid");
	ok(strstr(why(&p, "forged.ev"), "not trusted") != NULL, "... why: %s", why(&p, "forged.ev"));
	is_str(cls(&p, "garbage.ev"), "invalid", "garbage.ev: invalid");
	is_str(cls(&p, "old.ev"), "renewed", "old.ev: renewed");
	snprintf(path, sizeof path, "renewed by %s/renewal.ev", E);
	is_str(why(&p, "old.ev"), path, "... by the file that renews it");
	is_str(cls(&p, "renewal.ev"), "current", "renewal.ev: current");
	is_str(cls(&p, "orig.ev"), "superseded", "orig.ev: superseded");
	snprintf(path, sizeof path, "superseded by %s/regraded.ev, which regrades it", E);
	is_str(why(&p, "orig.ev"), path, "... by its regrade");
	is_str(cls(&p, "regraded.ev"), "current", "regraded.ev: current");
	is_str(cls(&p, "orig3.ev"), "superseded", "orig3.ev: superseded ...");
	snprintf(path, sizeof path, "superseded by %s/a-regrade3.ev, which regrades it", E);
	is_str(why(&p, "orig3.ev"), path, "... by its regrade of the same second, further down the links");
	is_str(cls(&p, "a-regrade3.ev"), "current", "a-regrade3.ev: current");
	is_str(cls(&p, "p-old.ev"), "renewed", "p-old.ev: renewed ...");
	snprintf(path, sizeof path, "renewed by %s/q-renewal.ev; the newest evidence of this attempt is %s/r-renewal-regraded.ev",
		 E, E);
	is_str(why(&p, "p-old.ev"), path, "... by q-renewal.ev, and the attempt's newest named");
	is_str(cls(&p, "q-renewal.ev"), "superseded", "q-renewal.ev: superseded by its regrade");
	is_str(cls(&p, "r-renewal-regraded.ev"), "current", "r-renewal-regraded.ev: current");
	ok(p.count[RC_CURRENT] == 5 && p.count[RC_STALE] == 3 && p.count[RC_EXPIRING] == 1 &&
	   p.count[RC_EXPIRED] == 1 && p.count[RC_FAILED] == 1 && p.count[RC_RENEWED] == 2 &&
	   p.count[RC_SUPERSEDED] == 3 && p.count[RC_NO_BUNDLE] == 1 && p.count[RC_INVALID] == 2,
	   "the counts by class");

	/* jobs */
	ok(p.njobs == 3, "three jobs: stale-platform, stale-scenario and expiring (%zu)", p.njobs);
	ok(row(&p, "stale-scenario.ev")->job[0] && !row(&p, "stale-twin.ev")->job[0] &&
	   !row(&p, "current.ev")->job[0] && !row(&p, "expired.ev")->job[0] &&
	   !row(&p, "old.ev")->job[0], "only they have a job id");
	ok(!strncmp(row(&p, "stale-scenario.ev")->job, d_stale, 16) &&
	   strlen(row(&p, "stale-scenario.ev")->job) == 16 &&
	   !strncmp(row(&p, "expiring.ev")->job, d_exp, 16), "a job's id: its evidence's digest, 16 digits");
	snprintf(path, sizeof path, "%s/jobs", dir);
	write_file_atomic(path, p.jobs->data, p.jobs->len, 0644, &e);
	e = (struct err){0};
	ok(batch_list_load(path, &l, &e) == 0 && l.n == 3, "batch reads the job list: %s", e.msg);
	for (i = 0; i < l.n; i++)
		if (l.v[i].error[0])
			printf("# job line %zu: %s\n", i + 1, l.v[i].error);
	for (i = 0; i < l.n && !l.v[i].error[0]; i++)
		;
	ok(i == 3, "... every line a job");
	for (i = 0; i < l.n; i++) {
		const struct recert_row *r = NULL;
		char want[8 + SIGN_SHA256_HEX], rp[PATH_MAX];

		if (!strcmp(l.v[i].id, row(&p, "stale-platform.ev")->job)) {
			r = row(&p, "stale-platform.ev");
			snprintf(want, sizeof want, "sha256:%s", d_plat);
			is_str(l.v[i].source, "runbook", "stale-platform's job replays its runbook");
		} else if (!strcmp(l.v[i].id, row(&p, "stale-scenario.ev")->job)) {
			r = row(&p, "stale-scenario.ev");
			snprintf(want, sizeof want, "sha256:%s", d_stale);
			is_str(l.v[i].source, "script", "stale-scenario's job replays its script");
		} else {
			r = row(&p, "expiring.ev");
			snprintf(want, sizeof want, "sha256:%s", d_exp);
			is_str(l.v[i].source, "commands", "expiring's job replays its commands");
		}
		snprintf(src, sizeof src, "%s/a-1.10.0.lab", rdir);
		ok(r && realpath(r->file, rp) && !strcmp(l.v[i].renews, rp) &&
		   !strcmp(l.v[i].renews_digest, want) && !strcmp(l.v[i].bundle, src) &&
		   !strcmp(l.v[i].scenario, "t-min") && !strcmp(l.v[i].pseudonym, EVFIX_PSEUDONYM) &&
		   l.v[i].attempt == 1,
		   "... job %s: the current bundle and the evidence by absolute path, its digest, "
		   "scenario, holder, attempt", l.v[i].id);
	}
	batch_list_release(&l);

	/* warnings */
	ok(p.nwarned == 2, "two jobs warned (%zu)", p.nwarned);
	ok(strstr(row(&p, "expiring.ev")->warn,
		  "no replay material: no runbook or script, and its command log holds no command to replay") &&
	   strstr(row(&p, "expiring.ev")->warn,
		  "knowledge check 'k' of t-min 1.10.0 is not in this evidence: a replay cannot carry it, "
		  "so the job will end in error, not a verdict"),
	   "expiring.ev: nothing to replay, and no knowledge check k to carry: %s", row(&p, "expiring.ev")->warn);
	ok(!strstr(row(&p, "stale-scenario.ev")->warn, "replay material") &&
	   !strstr(row(&p, "stale-scenario.ev")->warn, "derived from the command log") &&
	   strstr(row(&p, "stale-scenario.ev")->warn, "knowledge check 'k'"),
	   "stale-scenario.ev: a script to replay; no k: %s", row(&p, "stale-scenario.ev")->warn);
	is_str(row(&p, "stale-platform.ev")->warn, "", "stale-platform.ev: a runbook and k: no warning");

	/* bundles left out */
	ok(p.problems.n == 2, "two bundle problems (%zu)", p.problems.n);
	snprintf(path, sizeof path, "%s/e-1.10.0-again.lab: t-min 1.10.0 again, with other bytes than %s/a-1.10.0.lab; the first is kept",
		 B, rdir);
	ok(p.problems.n > 0 && !strcmp(p.problems.v[0], path), "the same version with other bytes: %s",
	   p.problems.n ? p.problems.v[0] : "");
	snprintf(path, sizeof path, "%s/f-2.0.0-untrusted.lab: left out: ", B);
	ok(p.problems.n > 1 && !strncmp(p.problems.v[1], path, strlen(path)),
	   "an untrusted bundle is left out, and why: %s", p.problems.n > 1 ? p.problems.v[1] : "");

	/* the JSON */
	ok(recert_plan_json(&p, &o, &js, &e) == 0, "recert_plan_json: %s", e.msg);
	top = json_loadb((const char *)js.data, js.len, 0, NULL);
	ok(top && json_integer_value(json_object_get(top, "jobs")) == 3 &&
	   json_array_size(json_object_get(top, "rows")) == 19 &&
	   json_array_size(json_object_get(top, "warnings")) == 2 &&
	   json_array_size(json_object_get(top, "bundle_problems")) == 2 &&
	   json_integer_value(json_object_get(json_object_get(top, "counts"), "stale")) == 3 &&
	   json_integer_value(json_object_get(json_object_get(top, "counts"), "invalid")) == 2 &&
	   json_integer_value(json_object_get(top, "within_days")) == 30 &&
	   !strcmp(json_string_value(json_object_get(top, "now")), "2025-12-05T12:00:00Z") &&
	   !strcmp(json_string_value(json_object_get(top, "platform")), SIM_PLATFORM),
	   "... jobs, rows, warnings, problems, counts, window, now and platform");
	json_decref(top);
	buf_release(&js);
	recert_plan_release(&p);

	/* the window decides expiring; a later now, expired */
	o.within_days = 14;
	e = (struct err){0};
	ok(recert_plan(&o, &p, &e) == 0 && !strcmp(cls(&p, "expiring.ev"), "current") && p.njobs == 2,
	   "a 14-day window: expiring.ev (15 days left) is current, two jobs");
	recert_plan_release(&p);
	o.within_days = 15;
	e = (struct err){0};
	ok(recert_plan(&o, &p, &e) == 0 && !strcmp(cls(&p, "expiring.ev"), "expiring") && p.njobs == 3,
	   "a 15-day window: expiring.ev (15 days left) is expiring, the window's last day included");
	recert_plan_release(&p);
	o.within_days = 30;
	o.now = t0 + 366 * EVFIX_DAY;
	e = (struct err){0};
	ok(recert_plan(&o, &p, &e) == 0 && !strcmp(cls(&p, "current.ev"), "expired") &&
	   !strcmp(cls(&p, "stale-scenario.ev"), "expired") && !strcmp(cls(&p, "old.ev"), "renewed"),
	   "a year on, a current pass and a stale one have expired; a renewed one stays renewed");
	recert_plan_release(&p);

	/* directories */
	o.now = t0;
	o.evidence_dir = "/nonexistent/evidence";
	e = (struct err){0};
	ok(recert_plan(&o, &p, &e) < 0 && e.kind == ERR_USAGE &&
	   strstr(e.msg, "--evidence /nonexistent/evidence"), "no evidence directory: %s", e.msg);
	recert_plan_release(&p);
	o.evidence_dir = E;
	o.bundles_dir = "/nonexistent/bundles";
	e = (struct err){0};
	ok(recert_plan(&o, &p, &e) < 0 && e.kind == ERR_USAGE &&
	   strstr(e.msg, "--bundles /nonexistent/bundles"), "no bundles directory: %s", e.msg);
	recert_plan_release(&p);
}

/* ---- the report ---- */

static void test_report(void)
{
	static struct grader_check after1[] = {
		{"x", "x", CHECK_PASS, 1000, 1000, "x is 2", 0},
		{"k", "k", CHECK_PASS, 1000, 1000, "k", 1},
	};
	static struct grader_check after2[] = {
		{"x", "x", CHECK_FAIL, 1000, 0, "no", 0},
		{"k", "k", CHECK_PASS, 1000, 1000, "k", 1},
	};
	struct grader_result g1 = {.ok = 1, .checks = after1, .n = 2};
	struct grader_result g2 = {.ok = 1, .checks = after2, .n = 2};
	struct ev_carried carried[2] = {{EV_JUDGED, "", 0, 0}, {EV_CARRIED, "pass", 1000, 1000}};
	struct ev_carry cy = {.checks = carried, .n = 2, .carried = 1};
	struct ev_renewal rn = {.digest = HEX_A, .verdict = "pass", .issued = "2025-11-25T12:00:00Z"};
	struct evfix f;
	struct buf text = BUF_INIT, js = BUF_INIT;
	struct err e = {0};
	char out[300], path[400];
	json_t *top, *x;
	const char *t;
	size_t i;
	int errs_ok = 1;

	snprintf(out, sizeof out, "%s/report", dir);
	mkdir(out, 0755);
	snprintf(cy.from, sizeof cy.from, "sha256:%s", HEX_A);
	f = (struct evfix){.sc = &sc_cur, .scenario_digest = d_cur, .renews = &rn, .gr = &g1,
			   .carry = &cy, .batch_jobs_digest = HEX_A, .batch_job = "r1", .script = "true\n"};
	snprintf(path, sizeof path, "%s/r1.ev", out);
	ok(evfix_write(&f, issuer_sk, path, NULL, &e) == 0, "r1.ev: renewed, k carried: %s", e.msg);
	f = (struct evfix){.sc = &sc_cur, .scenario_digest = d_cur, .gr = &g2, .verdict = "fail",
			   .score = 500, .batch_jobs_digest = HEX_A, .batch_job = "r2", .script = "true\n",
			   .candidate = "c-3333333333333333"};
	snprintf(path, sizeof path, "%s/r2.ev", out);
	ok(evfix_write(&f, issuer_sk, path, NULL, &e) == 0, "r2.ev: a retake: %s", e.msg);
	snprintf(path, sizeof path, "%s/bad.ev", out);
	evfix_put(path, "not evidence");
	snprintf(path, sizeof path, "%s/.r3.ev.run-12", out);
	evfix_put(path, "partial");
	snprintf(path, sizeof path, "%s/batch.log", out);
	evfix_put(path,
		  "{\"event\":\"start\",\"jobs_digest\":\"sha256:" HEX_A "\",\"job\":null,\"shard\":\"0/1\"}\n"
		  "{\"event\":\"error\",\"job\":\"r1\",\"line\":1,\"error\":\"an earlier try\"}\n"
		  "{\"event\":\"result\",\"job\":\"r1\",\"line\":1,\"outcome\":\"renewed\","
		  "\"before\":{\"verdict\":\"pass\",\"checks\":[{\"id\":\"x\",\"status\":\"fail\"},{\"id\":\"k\",\"status\":\"pass\"}]}}\n"
		  "{\"event\":\"result\",\"job\":\"r2\",\"line\":2,\"outcome\":\"retake\","
		  "\"before\":{\"verdict\":\"fail\",\"checks\":[{\"id\":\"x\",\"status\":\"error\"}]}}\n"
		  "{\"event\":\"result\",\"job\":\"r2\",\"line\":2,\"outcome\":\"retake\","
		  "\"before\":{\"verdict\":\"pass\",\"checks\":[{\"id\":\"x\",\"status\":\"pass\"},{\"id\":\"k\",\"status\":\"pass\"}]}}\n"
		  "{\"event\":\"error\",\"job\":\"e1\",\"line\":3,\"error\":\"renews: gone\"}\n"
		  "{\"event\":\"error\",\"job\":\"r1\",\"line\":7,\"not_a_job\":true,\"error\":\"job 'r1' is also on line 1\"}\n"
		  "not json\n"
		  "{\"event\":\"error\",\"job\":\"cut\",\"line\":9,\"error\":\"a line a killed shard");

	ok(recert_report(out, &issuer, &text, &js, &e) == 0, "recert_report: %s", e.msg);
	buf_append(&text, "", 1, NULL);
	t = (const char *)text.data;
	ok(strstr(t, "scenario t-min: 1 renewed, 1 retake\n") != NULL, "per scenario: renewed and retake");
	snprintf(path, sizeof path, "\n  %-28s %-14s %-14s %u\n", "x", "1/1/0", "1/1/0", 2);
	ok(strstr(t, path) != NULL,
	   "check x: before 1 pass 1 fail (the latest result line of r2 counts), after 1/1; changed in both jobs");
	snprintf(path, sizeof path, "\n  %-28s %-14s %-14s %u   (1 carried)\n", "k", "2/0/0", "2/0/0", 0);
	ok(strstr(t, path) != NULL,
	   "check k: unchanged, carried once");
	ok(strstr(t, "retake: r2 t-min c-3333333333333333 (was pass): failed x\n") != NULL,
	   "a retake: its job, holder, verdict before and the checks it failed");
	ok(strstr(t, "\n  r1 t-min " EVFIX_PSEUDONYM ": pass -> pass; moved: x \"x\" fail -> pass\n") &&
	   strstr(t, "\n  r2 t-min c-3333333333333333: pass -> fail; moved: x \"x\" pass -> fail\n"),
	   "each attempt: its verdict before -> after and the checks that moved");
	ok(strstr(t, "error: e1: renews: gone\n") && strstr(t, "error: (no job id): job 'r1' is also on line 1\n"),
	   "errors: a job without a result, and a line that is not a job (no job id)");
	ok(!strstr(t, "an earlier try") && !strstr(t, "a killed shard"),
	   "no error for a job that has a result since, nor for a line a killed shard cut");
	ok(strstr(t, "error: bad: ") != NULL, "an unreadable result is an error of its own");
	ok(strstr(t, "\n1 renewed, 1 retake, 3 error\n") != NULL, "the totals");
	top = json_loadb((const char *)js.data, js.len, 0, NULL);
	ok(top && json_integer_value(json_object_get(top, "renewed")) == 1 &&
	   json_integer_value(json_object_get(top, "retake")) == 1 &&
	   json_integer_value(json_object_get(top, "error")) == 3 &&
	   json_is_true(json_object_get(top, "verified")) &&
	   json_array_size(json_object_get(top, "jobs")) == 2, "the JSON: counts, verified, two jobs");
	json_array_foreach(json_object_get(top, "jobs"), i, x) {
		const char *job = json_string_value(json_object_get(x, "job"));

		if (job && !strcmp(job, "r2"))
			ok(!strcmp(json_string_value(json_object_get(x, "outcome")), "retake") &&
			   !strcmp(json_string_value(json_object_get(x, "before")), "pass") &&
			   !strcmp(json_string_value(json_object_get(x, "after")), "fail") &&
			   json_array_size(json_object_get(x, "failed_checks")) == 1 &&
			   json_integer_value(json_object_get(x, "score")) == 500,
			   "... r2: retake, before and after, its failed check and score");
	}
	json_array_foreach(json_object_get(top, "errors"), i, x)
		if (!json_is_string(json_object_get(x, "error")))
			errs_ok = 0;
	ok(errs_ok && json_array_size(json_object_get(top, "errors")) == 3, "... three errors, each with its reason");
	json_decref(top);
	buf_release(&text);
	buf_release(&js);

	/* unverified, and another key's results */
	e = (struct err){0};
	ok(recert_report(out, NULL, &text, &js, &e) == 0, "without -p: %s", e.msg);
	top = json_loadb((const char *)js.data, js.len, 0, NULL);
	ok(top && json_is_false(json_object_get(top, "verified")) &&
	   json_integer_value(json_object_get(top, "renewed")) == 1, "... said unverified, read all the same");
	json_decref(top);
	buf_release(&text);
	buf_release(&js);
	{
		struct sign_pub op;

		sign_sec_pub(other_sk, &op);
		e = (struct err){0};
		ok(recert_report(out, &op, &text, &js, &e) == 0, "against another issuer key: %s", e.msg);
		buf_append(&text, "", 1, NULL);
		ok(strstr((const char *)text.data, "\n0 renewed, 0 retake, 5 error\n") &&
		   strstr((const char *)text.data, "error: r1: "),
		   "... no result counts; each is an error");
		buf_release(&text);
		buf_release(&js);
	}
	e = (struct err){0};
	ok(recert_report("/nonexistent/out", &issuer, &text, &js, &e) < 0 && e.kind == ERR_USAGE &&
	   strstr(e.msg, "/nonexistent/out"), "no OUTDIR: %s", e.msg);
	buf_release(&text);
	buf_release(&js);
}

/* Each attempt's verdict before -> after and the checks that moved: a
 * changed, a new and a gone check; none moved; the checks before cut from
 * the log; no log line at all. */
static void test_report_moves(void)
{
	static struct grader_check titled[] = {
		{"x", "X is set", CHECK_PASS, 1000, 1000, "x is 2", 0},
		{"k", "K is named", CHECK_PASS, 1000, 1000, "k", 1},
	};
	struct grader_result g = {.ok = 1, .checks = titled, .n = 2};
	static const char *const jobs[] = {"m1", "m2", "m3", "m4"};
	struct evfix f;
	struct buf text = BUF_INIT, js = BUF_INIT;
	struct err e = {0};
	char out[300], path[400];
	json_t *top, *x, *m1 = NULL;
	const char *t;
	size_t i;

	snprintf(out, sizeof out, "%s/report-moves", dir);
	mkdir(out, 0755);
	for (i = 0; i < 4; i++) {
		f = (struct evfix){.sc = &sc_cur, .scenario_digest = d_cur, .gr = &g,
				   .batch_jobs_digest = HEX_A, .batch_job = jobs[i], .script = "true\n"};
		snprintf(path, sizeof path, "%s/%s.ev", out, jobs[i]);
		ok(evfix_write(&f, issuer_sk, path, NULL, &e) == 0, "%s.ev: %s", jobs[i], e.msg);
	}
	snprintf(path, sizeof path, "%s/batch.log", out);
	evfix_put(path,
		  "{\"event\":\"result\",\"job\":\"m1\",\"line\":1,\"before\":{\"verdict\":\"fail\","
		  "\"score\":400,\"checks\":[{\"id\":\"x\",\"status\":\"fail\"},{\"id\":\"old\",\"status\":\"pass\"}]}}\n"
		  "{\"event\":\"result\",\"job\":\"m2\",\"line\":2,\"before\":{\"verdict\":\"pass\","
		  "\"score\":1000,\"checks\":[{\"id\":\"k\",\"status\":\"pass\"},{\"id\":\"x\",\"status\":\"pass\"}]}}\n"
		  "{\"event\":\"result\",\"job\":\"m3\",\"line\":3,\"checks_cut\":true,"
		  "\"before\":{\"verdict\":\"pass\",\"score\":1000}}\n");
	ok(recert_report(out, &issuer, &text, &js, &e) == 0, "moves: recert_report: %s", e.msg);
	buf_append(&text, "", 1, NULL);
	t = (const char *)text.data;
	ok(strstr(t, "\nattempts, verdict before -> after:\n") != NULL, "moves: an attempts section");
	ok(strstr(t, "\n  m1 t-min " EVFIX_PSEUDONYM ": fail -> pass; moved: x \"X is set\" fail -> pass, "
		     "k \"K is named\" (new) -> pass, old pass -> (gone)\n") != NULL,
	   "moves: m1 fail -> pass, a changed check with its title, a new one, a gone one");
	ok(strstr(t, "\n  m2 t-min " EVFIX_PSEUDONYM ": pass -> pass; no check moved\n") != NULL,
	   "moves: m2, nothing moved (the order of the checks does not matter)");
	ok(strstr(t, "\n  m3 t-min " EVFIX_PSEUDONYM ": pass -> pass; the checks before are not in batch.log\n") != NULL,
	   "moves: m3, the log's checks were cut: said so, nothing invented");
	ok(strstr(t, "\n  m4 t-min " EVFIX_PSEUDONYM ": unknown -> pass; the checks before are not in batch.log\n") != NULL,
	   "moves: m4, no log line: the verdict before is unknown");
	top = json_loadb((const char *)js.data, js.len, 0, NULL);
	json_array_foreach(json_object_get(top, "jobs"), i, x)
		if (!strcmp(json_string_value(json_object_get(x, "job")), "m1"))
			m1 = x;
		else if (!strcmp(json_string_value(json_object_get(x, "job")), "m3"))
			ok(json_is_null(json_object_get(x, "moved")), "moves: m3's JSON: moved is null");
	ok(m1 && json_integer_value(json_object_get(m1, "score_before")) == 400 &&
	   json_array_size(json_object_get(m1, "moved")) == 3 &&
	   json_is_null(json_object_get(json_array_get(json_object_get(m1, "moved"), 1), "before")) &&
	   json_is_null(json_object_get(json_array_get(json_object_get(m1, "moved"), 2), "after")) &&
	   !strcmp(json_string_value(json_object_get(json_array_get(json_object_get(m1, "moved"), 0),
						     "title")), "X is set"),
	   "moves: m1's JSON: score_before, three moves, null for new and gone, titles");
	json_decref(top);
	buf_release(&text);
	buf_release(&js);
}

int main(void)
{
	struct sign_pub other;
	struct err e = {0};

	char real[PATH_MAX];

	if (private_dir("test-recert", "the test's files", dir, sizeof dir, &e) < 0 || !realpath(dir, real) ||
	    strlen(real) > 200) {
		printf("# %s\n", e.msg[0] ? e.msg : strerror(errno));
		return 1;
	}
	/* the plan names bundles by absolute path */
	snprintf(rdir, sizeof rdir, "%.200s/bundles", real);
	ok(sign_sec_ephemeral(&issuer_sk, &e) == 0 && sign_sec_ephemeral(&author_sk, &e) == 0 &&
	   sign_sec_ephemeral(&other_sk, &e) == 0, "throwaway keys: %s", e.msg);
	sign_sec_pub(issuer_sk, &issuer);
	sign_sec_pub(author_sk, &author);
	sign_sec_pub(other_sk, &other);
	trust.keys = &author;
	trust.n = 1;

	test_names_dates();
	test_semver();
	test_replay_script();
	test_plan();
	test_report();
	test_report_moves();

	sign_sec_free(issuer_sk);
	sign_sec_free(author_sk);
	sign_sec_free(other_sk);
	remove_tree(dir, &e);
	return tap_done();
}
