/* evfix: evidence files and scenario bundles made in the test process
 * for the recertification tests (test_batch, test_recert, test_regrade):
 * what a session and `labrun pack` would write, sealed with throwaway
 * keys, with no sandbox and no root.  Static functions, like tap.h. */
#ifndef LABRUN_TESTS_EVFIX_H
#define LABRUN_TESTS_EVFIX_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/evidence.h"
#include "runner/scenario.h"
#include "runner/sign.h"
#include "runner/tarball.h"

#define EVFIX_PSEUDONYM "c-0123456789abcdef"
#define EVFIX_ENDED_MS 1764072000000LL /* 2025-11-25T12:00:00Z */
#define EVFIX_DAY 86400LL

/* One evidence file; zero fields take the defaults of evfix_write. */
struct evfix {
	const struct scenario *sc;
	const char *scenario_digest;   /* hex; default 64 zeroes and a 1 */
	const char *candidate;         /* default EVFIX_PSEUDONYM */
	unsigned attempt;              /* default 1 */
	const char *verdict;           /* default "pass" */
	unsigned score;                /* default 1000 */
	int64_t ended_ms;              /* default EVFIX_ENDED_MS */
	const char *ended_by;          /* default "exit" */
	const char *script;            /* replay/script.sh, or NULL */
	const char *runbook;           /* answers/runbook.sh, or NULL */
	const struct ev_renewal *renews;
	const char *batch_jobs_digest; /* hex, with batch_job */
	const char *batch_job;
	const struct grader_result *gr; /* default: one passing check "x" */
	const struct ev_command *cmds;
	size_t ncmds;
	const struct ev_carry *carry;
	const struct collect_report *collected;
	const char *seed;              /* default "deadbeef" */
	unsigned hint_points;          /* one hint of this cost, 0 none */
	const char *extra_name, *extra_data; /* one more member, or NULL */
};

static char evfix_argv0[] = "/bin/bash";
static char *evfix_argv[] = {evfix_argv0};
static struct ev_command evfix_shell[] = {
	{.t_ms = 3, .pid = 2, .path = evfix_argv0, .argv = evfix_argv, .argc = 1,
	 .verified = 1, .exited = 1, .exe = (char *)"/usr/bin/bash",
	 .cwd = (char *)"/home/candidate", .trusted = 1},
};

static struct grader_check evfix_check_x[] = {
	{"x", "x", CHECK_PASS, 1000, 1000, "x is 2", 0},
};

static inline int evfix_add(struct tar_list *l, const char *name, const char *data,
		     struct err *e)
{
	return tar_list_add_file(l, name, 0644, data, strlen(data), e);
}

/* The members of an evidence (not sealed). */
static inline int evfix_members(const struct evfix *f, struct tar_list *l, struct err *e)
{
	struct grader_result r = {0};
	struct ev_info in = {0};
	struct ev_hint hint = {1, f->hint_points, 5000};

	r.ok = 1;
	r.checks = evfix_check_x;
	r.n = 1;
	in.mode = f->renews || f->batch_job ? "replay" : "run";
	in.script_sha256 = f->script ? "ab12" : NULL;
	in.script = f->script;
	in.script_len = f->script ? strlen(f->script) : 0;
	in.sc = f->sc;
	in.scenario_digest = f->scenario_digest ? f->scenario_digest :
		"0000000000000000000000000000000000000000000000000000000000000001";
	in.signer_keyid = "0123456789ABCDEF";
	in.candidate = f->candidate ? f->candidate : EVFIX_PSEUDONYM;
	in.attempt = f->attempt ? f->attempt : 1;
	in.seed_hex = f->seed ? f->seed : "deadbeef";
	in.ended_ms = f->ended_ms ? f->ended_ms : EVFIX_ENDED_MS;
	in.started_ms = in.ended_ms - 120000;
	in.time_limit_s = f->sc->time_limit_s;
	in.time_factor_pct = 100;
	in.ended_by = f->ended_by ? f->ended_by : "exit";
	in.exit_status = 0;
	in.runner_version = "0.1.0";
	in.result = f->gr ? f->gr : &r;
	in.verdict = f->verdict ? f->verdict : "pass";
	in.score = f->verdict && strcmp(f->verdict, "pass") ? f->score
			: f->score ? f->score : 1000;
	in.commands = f->cmds ? f->cmds : evfix_shell;
	in.ncommands = f->cmds ? f->ncmds : 1;
	in.renews = f->renews;
	in.batch_jobs_digest = f->batch_jobs_digest;
	in.batch_job = f->batch_job;
	in.carry = f->carry;
	in.collected = f->collected;
	if (f->hint_points) {
		in.hints = &hint;
		in.nhints = 1;
	}
	if (f->runbook && evfix_add(l, "answers/runbook.sh", f->runbook, e) < 0)
		return -1;
	if (ev_add_records(l, &in, e) < 0 ||
	    evfix_add(l, "session.cast",
		      "{\"version\": 2, \"width\": 80, \"height\": 24}\n"
		      "[0.001000, \"o\", \"$ \"]\n", e) < 0 ||
	    evfix_add(l, "changes/.deleted", "", e) < 0 ||
	    (f->extra_name && evfix_add(l, f->extra_name, f->extra_data, e) < 0))
		return -1;
	return 0;
}

/* Seal f at path with sk; digest (hex) of the file when not NULL. */
static inline int evfix_write(const struct evfix *f, const struct sign_sec *sk,
		       const char *path, char digest[SIGN_SHA256_HEX], struct err *e)
{
	struct tar_list l = {0};
	struct buf b = BUF_INIT;
	int rc = -1;

	if (evfix_members(f, &l, e) < 0 ||
	    ev_seal(&l, sk, "labrun evidence t", path, e) < 0)
		goto out;
	if (digest) {
		if (read_file_bounded(path, 1u << 26, &b, e) < 0)
			goto out;
		sha256_hex(b.data, b.len, digest);
	}
	rc = 0;
out:
	buf_release(&b);
	tar_list_release(&l);
	return rc;
}

/* A scenario bundle as `labrun pack` writes it, NAME.lab and
 * NAME.lab.minisig, signed by sk.  grader: grade.lua's source. */
static inline int evfix_bundle(const struct sign_sec *sk, const char *path,
			const char *id, const char *version,
			const char *grader, struct err *e)
{
	static const char *const dirs[] = {"grader", "solutions", "system",
					   "system/etc"};
	struct tar_list l = {0};
	struct buf tar = BUF_INIT, sig = BUF_INIT, man = BUF_INIT;
	char digest[SIGN_SHA256_HEX], comment[SIGN_COMMENT_MAX + 1];
	char sig_path[4200];
	size_t i;
	int rc = -1;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (tar_list_add_dir(&l, dirs[i], e) < 0)
			goto out;
	if (buf_printf(&man, e,
		       "{\"schema\":1,\"id\":\"%s\",\"version\":\"%s\","
		       "\"title\":\"Minimal\",\"level\":\"foundation\","
		       "\"competencies\":[\"testing\"],\"platform\":\"agentsim-1\","
		       "\"grader_api\":1,\"pass_mark\":800,\"time_limit_s\":60,"
		       "\"valid_for_days\":365,\"candidate_owns\":[\"/etc/x.conf\"]}\n",
		       id, version) < 0 ||
	    evfix_add(&l, "scenario.json", (const char *)man.data, e) < 0 ||
	    evfix_add(&l, "brief.md", "# Minimal\n\nRepair nothing.\n", e) < 0 ||
	    evfix_add(&l, "system/etc/x.conf", "x = 1\n", e) < 0 ||
	    evfix_add(&l, "grader/grade.lua", grader, e) < 0 ||
	    tar_list_add_file(&l, "solutions/reference.sh", 0755,
			      "#!/bin/bash\necho \"x = 2\" >/etc/x.conf\n", 38,
			      e) < 0 ||
	    tar_write(&l, &tar, e) < 0)
		goto out;
	sha256_hex(tar.data, tar.len, digest);
	snprintf(comment, sizeof comment, "labrun scenario %s %s sha256:%s", id,
		 version, digest);
	snprintf(sig_path, sizeof sig_path, "%s.minisig", path);
	if (sign_data(sk, tar.data, tar.len, comment, &sig, e) < 0 ||
	    write_file_atomic(path, tar.data, tar.len, 0644, e) < 0 ||
	    write_file_atomic(sig_path, sig.data, sig.len, 0644, e) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&man);
	buf_release(&sig);
	buf_release(&tar);
	tar_list_release(&l);
	return rc;
}

/* The hex SHA-256 of a file's bytes ("" when unreadable). */
static inline void evfix_digest(const char *path, char digest[SIGN_SHA256_HEX])
{
	struct buf b = BUF_INIT;
	struct err e = {0};

	digest[0] = 0;
	if (read_file_bounded(path, 1u << 26, &b, &e) == 0)
		sha256_hex(b.data ? (const void *)b.data : "", b.len, digest);
	buf_release(&b);
}

static inline int evfix_put(const char *path, const char *text)
{
	struct err e = {0};

	return write_file_atomic(path, text, strlen(text), 0644, &e);
}

#endif
