/* recert: what is stale, the job list that replays it, and the report of
 * a batch (see recert.h).  Every evidence is verified before any of it is
 * believed; a file that fails is a row of its own and the plan goes on.
 * jansson is used here (job lists, the report) and not exposed.  It does
 * not run sessions and does not print. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "runner/bundle.h"
#include "runner/carry.h"
#include "runner/dryrun.h"
#include "runner/evidence.h"
#include "runner/recert.h"
#include "scenarios/platform/sim.h"

#define SECONDS_PER_DAY 86400
#define LOG_NAME "batch.log"
#define TOOLS_LAB "/opt/labrun/bin/lab" /* the lab command inside the sandbox */

const char *recert_class_name(enum recert_class c)
{
	static const char *const names[] = {
		"current", "stale", "expiring", "expired", "failed", "renewed",
		"superseded", "no-bundle", "invalid",
	};

	return c <= RC_INVALID ? names[c] : "?";
}

/* ---- dates and versions ------------------------------------------------ */

int recert_parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	char z = 0;
	int n;

	memset(&tm, 0, sizeof tm);
	if (!s)
		return -1;
	if (strlen(s) == 10)
		n = sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3;
	else
		n = strlen(s) == 20 &&
		    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) == 7 &&
		    z == 'Z';
	if (!n || tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* One dot-separated identifier of a semver: numeric ones compare as
 * numbers and rank below alphanumeric ones (semver.org, rule 11). */
static int ident_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int na = la && strspn(a, "0123456789") >= la;
	int nb = lb && strspn(b, "0123456789") >= lb;
	int c;

	if (na && nb) {
		if (la != lb)
			return la < lb ? -1 : 1;
		return memcmp(a, b, la);
	}
	if (na != nb)
		return na ? -1 : 1;
	c = memcmp(a, b, la < lb ? la : lb);
	return c ? c : la == lb ? 0 : la < lb ? -1 : 1;
}

/* Compare two versions scenario_load accepted (valid semver): major,
 * minor, patch, then a pre-release below its release; build metadata
 * does not count.  Not static: tests/unit/test_recert.c checks the
 * ordering that picks the current bundle (recert.h). */
int recert_semver_cmp(const char *a, const char *b)
{
	const char *ea, *eb;
	size_t la, lb;
	int c, part;

	for (part = 0;; part++) {
		la = strcspn(a, part < 2 ? "." : part == 2 ? "-+" : ".+");
		lb = strcspn(b, part < 2 ? "." : part == 2 ? "-+" : ".+");
		if (part == 3) {
			/* pre-release: none ranks above any */
			int pa = *a == '-', pb = *b == '-';

			if (!pa || !pb)
				return pa == pb ? 0 : pa ? -1 : 1;
			a++, b++;
			for (;;) {
				la = strcspn(a, ".+");
				lb = strcspn(b, ".+");
				c = ident_cmp(a, la, b, lb);
				if (c)
					return c;
				ea = a + la, eb = b + lb;
				if (*ea != '.' || *eb != '.')
					return (*ea == '.') - (*eb == '.');
				a = ea + 1, b = eb + 1;
			}
		}
		c = ident_cmp(a, la, b, lb);
		if (c)
			return c;
		a += la, b += lb;
		if (part < 2) {
			if (*a == '.')
				a++;
			if (*b == '.')
				b++;
		}
	}
}

/* ---- the current bundles ------------------------------------------------ */

struct current {
	char *id, *version, *path;        /* path: absolute */
	char digest[8 + SIGN_SHA256_HEX]; /* "sha256:HEX" */
	/* Its knowledge checks, from a dry run of its grader, made when a
	 * job first needs them: "\nID\nID\n"; NULL with why when they
	 * could not be listed. */
	int listed;
	char *knowledge;
	char unlisted[400];
};

struct currents {
	struct current *v;
	size_t n;
};

static void currents_release(struct currents *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].id);
		free(c->v[i].version);
		free(c->v[i].path);
		free(c->v[i].knowledge);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

static const struct current *current_of(const struct currents *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].id, id))
			return &c->v[i];
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

/* Every NAME.lab in dir that verifies against trust and loads; for each
 * scenario id the highest version.  A bundle that does not is left out
 * and said why in problems. */
static int load_currents(const struct recert_plan_opts *o, struct currents *c,
			 struct problems *pb, struct err *e)
{
	char **names = NULL, path[PATH_MAX], abs[PATH_MAX];
	size_t n = 0, i;
	int dfd, rc = -1;

	dfd = open(o->bundles_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, ERR_USAGE, errno, "--bundles %s", o->bundles_dir);
	rc = dir_names(dfd, RECERT_MAX_FILES, &names, &n, e);
	close(dfd);
	if (rc != 0)
		return rc < 0 ? err_wrap(e, "--bundles %s", o->bundles_dir)
			      : err_set(e, ERR_REFUSED, "--bundles %s: more than %d files",
					o->bundles_dir, RECERT_MAX_FILES);
	rc = -1;
	for (i = 0; i < n; i++) {
		struct tar_list files = {0};
		struct scenario sc = {0};
		struct problems sp = {0};
		const struct sign_pub *signer;
		char digest[SIGN_SHA256_HEX];
		struct current *cur;
		struct err be = {0};

		if (!ends_with(names[i], ".lab"))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", o->bundles_dir,
				     names[i]) >= sizeof path)
			continue;
		if (bundle_open(path, o->trust, &o->lim, &files, digest, &signer, &be) < 0) {
			problems_add(pb, "%s: left out: %s", path, be.msg);
			continue;
		}
		if (scenario_load(&files, o->max_depth, &sc, &sp, &be) < 0) {
			problems_add(pb, "%s: left out: %s", path,
				     sp.n ? sp.v[0] : be.msg);
			problems_release(&sp);
			tar_list_release(&files);
			continue;
		}
		tar_list_release(&files);
		if (!realpath(path, abs))
			snprintf(abs, sizeof abs, "%s", path);
		cur = (struct current *)current_of(c, sc.id);
		if (cur && recert_semver_cmp(sc.version, cur->version) <= 0) {
			if (!recert_semver_cmp(sc.version, cur->version) &&
			    strcmp(cur->digest + 7, digest))
				problems_add(pb, "%s: %s %s again, with other bytes than %s; the first is kept",
					     path, sc.id, sc.version, cur->path);
			scenario_release(&sc);
			continue;
		}
		if (!cur) {
			struct current *nv = realloc(c->v, (c->n + 1) * sizeof *nv);

			if (!nv) {
				scenario_release(&sc);
				err_set(e, ERR_HOST, "out of memory");
				goto out;
			}
			c->v = nv;
			cur = &c->v[c->n++];
			memset(cur, 0, sizeof *cur);
			cur->id = strdup(sc.id);
		}
		free(cur->version);
		free(cur->path);
		cur->version = strdup(sc.version);
		cur->path = strdup(abs);
		snprintf(cur->digest, sizeof cur->digest, "sha256:%s", digest);
		scenario_release(&sc);
		if (!cur->id || !cur->version || !cur->path) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	dir_names_free(names, n);
	return rc;
}

/* ---- the plan ------------------------------------------------------------ */

/* What a row keeps of its evidence for the job line, for "renewed" and
 * "superseded", and for the warnings. */
struct seen {
	char digest[SIGN_SHA256_HEX];    /* of the file */
	char renews[80];                 /* $.renews.digest, "" none */
	char pred[80];                   /* what it came from: $.regraded_from
					  * .digest, else $.renews.digest */
	char issued[32];
	char root[SIGN_SHA256_HEX];      /* the attempt: its first evidence's digest */
	size_t depth;                    /* links followed to reach it */
	char path[PATH_MAX];             /* absolute */
	char seed[130], variant[80];
	char replay_source[16], replay_member[40];
	int best_effort;
	size_t ncommands;                /* execs a derived script would replay */
	char *checks;                    /* its check ids, "\nID\nID\n" */
	unsigned attempt;
	int ok;                          /* verified */
};

static int put_s(json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, v ? json_string(v) : json_null());
}

/* One line of the job list (keys sorted, compact). */
static int job_line(const struct recert_row *r, const struct seen *s,
		    const struct current *cur, struct buf *out, struct err *e)
{
	json_t *o = json_object(), *rp = json_object();
	char digest[8 + SIGN_SHA256_HEX];
	char *txt = NULL;
	int bad;

	snprintf(digest, sizeof digest, "sha256:%s", s->digest);
	bad = !o || !rp || put_s(o, "job", r->job) || put_s(o, "bundle", cur->path) ||
	      put_s(o, "renews", s->path) || put_s(o, "renews_digest", digest) ||
	      put_s(rp, "source", s->replay_source) ||
	      put_s(rp, "member", s->replay_member[0] ? s->replay_member : NULL) ||
	      json_object_set_new(rp, "best_effort", json_boolean(s->best_effort)) ||
	      json_object_set(o, "replay", rp) ||
	      put_s(o, "seed", s->seed[0] ? s->seed : NULL) ||
	      put_s(o, "variant", s->variant[0] ? s->variant : NULL) ||
	      put_s(o, "pseudonym", r->candidate) ||
	      json_object_set_new(o, "attempt", json_integer(s->attempt)) ||
	      put_s(o, "scenario", r->scenario);
	if (!bad)
		txt = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(rp);
	json_decref(o);
	if (!txt)
		return err_set(e, ERR_HOST, "out of memory");
	bad = buf_puts(out, txt, e) < 0 || buf_append(out, "\n", 1, e) < 0;
	free(txt);
	return bad ? -1 : 0;
}

/* "\nID\nID\n": the ids of the checks in an evidence's result.json
 * (NULL when they cannot be read: then nothing is compared). */
static char *check_ids(const struct tar_list *members, const char *digest)
{
	struct carry_source cs;
	struct buf b = BUF_INIT;
	size_t i;
	int bad;

	if (carry_source_load(members, digest, 0, &cs, NULL) < 0)
		return NULL;
	bad = buf_puts(&b, "\n", NULL) < 0;
	for (i = 0; !bad && i < cs.n; i++)
		bad = buf_printf(&b, NULL, "%s\n", cs.v[i].id) < 0;
	carry_source_release(&cs);
	if (bad) {
		buf_release(&b);
		return NULL;
	}
	return (char *)buf_steal(&b, NULL);
}

/* Read and verify one evidence into its row and what it keeps. */
static void look_at(const struct recert_plan_opts *o, const char *path,
		    struct recert_row *r, struct seen *s)
{
	struct tar_list members = {0};
	struct ev_recorded rec;
	struct err e = {0};

	if (ev_open(path, o->issuer, &members, s->digest, &e) < 0) {
		r->cls = RC_INVALID;
		snprintf(r->why, sizeof r->why, "%s", e.msg);
		return;
	}
	if (ev_recorded_load(&members, &rec, &e) < 0) {
		r->cls = RC_INVALID;
		snprintf(r->why, sizeof r->why, "%.150s: %s", path, e.msg);
		ev_recorded_release(&rec);
		tar_list_release(&members);
		return;
	}
	snprintf(r->scenario, sizeof r->scenario, "%s", rec.scenario_id);
	snprintf(r->version, sizeof r->version, "%s", rec.scenario_version);
	snprintf(r->candidate, sizeof r->candidate, "%s", rec.candidate);
	snprintf(r->valid_until, sizeof r->valid_until, "%s", rec.valid_until);
	snprintf(s->renews, sizeof s->renews, "%s", rec.renews_digest);
	snprintf(s->seed, sizeof s->seed, "%s", rec.seed);
	snprintf(s->variant, sizeof s->variant, "%s", rec.variant);
	snprintf(s->replay_source, sizeof s->replay_source, "%s", rec.replay_source);
	snprintf(s->replay_member, sizeof s->replay_member, "%s", rec.replay_member);
	snprintf(s->pred, sizeof s->pred, "%s",
		 rec.regraded_from[0] ? rec.regraded_from : rec.renews_digest);
	snprintf(s->issued, sizeof s->issued, "%s", rec.issued);
	s->best_effort = rec.replay_best_effort;
	/* what a derived script would replay: not the shell, not lab */
	for (size_t i = 1; i < rec.ncommands; i++)
		s->ncommands += rec.commands[i].argc &&
				!(rec.commands[i].path && !strcmp(rec.commands[i].path, TOOLS_LAB));
	s->attempt = rec.attempt;
	s->checks = check_ids(&members, s->digest);
	s->ok = 1;
	/* the class, but for "renewed", which needs every file */
	if (strcmp(rec.verdict, "pass")) {
		r->cls = RC_FAILED;
		snprintf(r->why, sizeof r->why, "verdict %s: nothing to renew", rec.verdict);
	} else {
		r->cls = RC_CURRENT;
		/* scenario and platform are judged in recert_plan */
		snprintf(r->why, sizeof r->why, "%s|%s", rec.scenario_digest,
			 rec.platform);
	}
	ev_recorded_release(&rec);
	tar_list_release(&members);
}

/* A pass: stale, expired, expiring or current, against the current bundle
 * of its scenario and this labrun's platform.  r->why holds
 * "DIGEST|PLATFORM" from look_at. */
static void judge(const struct recert_plan_opts *o, const struct currents *c,
		  struct recert_row *r)
{
	char digest[80], platform[80], *bar = strchr(r->why, '|');
	const struct current *cur = current_of(c, r->scenario);
	int64_t until;
	char why[sizeof r->why];
	size_t n = 0;

	if (!bar)
		return;
	*bar = 0;
	snprintf(digest, sizeof digest, "%.79s", r->why);
	snprintf(platform, sizeof platform, "%.79s", bar + 1);
	r->why[0] = 0;
	why[0] = 0;
	if (!r->valid_until[0] || recert_parse_date(r->valid_until, &until) < 0)
		until = INT64_MAX;
	if (until <= o->now) {
		r->cls = RC_EXPIRED;
		snprintf(r->why, sizeof r->why, "expired %s: the holder retakes the exam",
			 r->valid_until);
		return;
	}
	if (!cur) {
		r->cls = RC_NO_BUNDLE;
		snprintf(r->why, sizeof r->why,
			 "no trusted bundle of scenario '%s' in %s; hint: add one, or check --trust",
			 r->scenario, o->bundles_dir);
		return;
	}
	if (strcmp(digest, cur->digest))
		n += (size_t)snprintf(why + n, sizeof why - n,
				      "scenario %s %s is not the current %s (%s)",
				      r->scenario, r->version, cur->version,
				      cur->path);
	if (n < sizeof why && strcmp(platform, SIM_PLATFORM))
		n += (size_t)snprintf(why + n, sizeof why - n,
				      "%splatform %s is not this labrun's %s",
				      n ? "; " : "", platform, SIM_PLATFORM);
	if (n) {
		r->cls = RC_STALE;
		snprintf(r->why, sizeof r->why, "%s", why);
		return;
	}
	if (until - o->now <= (int64_t)o->within_days * SECONDS_PER_DAY) {
		r->cls = RC_EXPIRING;
		snprintf(r->why, sizeof r->why, "expires %s, within %u days",
			 r->valid_until, o->within_days);
		return;
	}
	r->cls = RC_CURRENT;
}

/* ---- one job per attempt ------------------------------------------------- */

/* An evidence and its regrades and renewals are one attempt: each names
 * what it came from by digest (regraded_from, else renews), so they form
 * trees whose root is the attempt's first evidence (present here or not).
 * Only the newest of an attempt (the latest issued; then the one further
 * down its links; then by file name) is planned; the others are
 * superseded by it.  A copy of a file (the same digest) is the same
 * evidence, not an older one: it stays as it is ("one job" below). */

static int by_digest(const void *a, const void *b, void *seen)
{
	const struct seen *s = seen;

	return strcmp(s[*(const size_t *)a].digest, s[*(const size_t *)b].digest);
}

static int by_root(const void *a, const void *b, void *seen)
{
	const struct seen *s = seen;
	int c = strcmp(s[*(const size_t *)a].root, s[*(const size_t *)b].root);

	return c ? c : (*(const size_t *)a > *(const size_t *)b) -
			       (*(const size_t *)a < *(const size_t *)b);
}

/* The row of a verified evidence with this digest ("sha256:HEX" or HEX),
 * or -1: a binary search of idx (n rows sorted by digest). */
static long find_digest(const struct seen *seen, const size_t *idx, size_t n,
			const char *digest)
{
	size_t lo = 0, hi = n;

	if (!strncmp(digest, "sha256:", 7))
		digest += 7;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(seen[idx[mid]].digest, digest);

		if (!c)
			return (long)idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* 1 when a is newer than b in the same attempt. */
static int newer(const struct recert_plan *p, const struct seen *seen, size_t a,
		 size_t b)
{
	int c = strcmp(seen[a].issued, seen[b].issued);

	if (c)
		return c > 0;
	if (seen[a].depth != seen[b].depth)
		return seen[a].depth > seen[b].depth;
	return strcmp(p->rows[a].file, p->rows[b].file) > 0;
}

static int supersede(struct recert_plan *p, struct seen *seen, struct err *e)
{
	size_t *idx = NULL, n = 0, i, k, g, head, steps;
	long at;

	idx = calloc(p->nrows + 1, sizeof *idx);
	if (!idx)
		return err_set(e, ERR_HOST, "out of memory");
	for (i = 0; i < p->nrows; i++)
		if (seen[i].ok)
			idx[n++] = i;
	qsort_r(idx, n, sizeof *idx, by_digest, seen);
	/* each evidence's root: follow the links while they stay here */
	for (k = 0; k < n; k++) {
		struct seen *s = &seen[idx[k]];
		const struct seen *at_s = s;

		for (steps = 0; at_s->pred[0] && steps < n; steps++) {
			at = find_digest(seen, idx, n, at_s->pred);
			if (at < 0)
				break;
			at_s = &seen[at];
		}
		/* links are "sha256:HEX" (verify holds them to it) */
		snprintf(s->root, sizeof s->root, "%.64s",
			 at_s->pred[0] && steps < n ? at_s->pred + 7 : at_s->digest);
		s->depth = steps;
	}
	qsort_r(idx, n, sizeof *idx, by_root, seen);
	for (g = 0; g < n; g = k) {
		for (k = g + 1; k < n && !strcmp(seen[idx[k]].root, seen[idx[g]].root); k++)
			;
		if (k - g < 2)
			continue;
		head = idx[g];
		for (i = g + 1; i < k; i++)
			if (newer(p, seen, idx[i], head))
				head = idx[i];
		for (i = g; i < k; i++) {
			struct recert_row *r = &p->rows[idx[i]];
			char want[8 + SIGN_SHA256_HEX];
			size_t j;

			if (!strcmp(seen[idx[i]].digest, seen[head].digest))
				continue; /* the head, or a copy of it */
			snprintf(want, sizeof want, "sha256:%s", seen[idx[i]].digest);
			for (j = g; j < k; j++)
				if (!strcmp(seen[idx[j]].renews, want))
					break;
			if (j < k) {
				r->cls = RC_RENEWED;
				snprintf(r->why, sizeof r->why, "renewed by %s%s%.900s",
					 p->rows[idx[j]].file,
					 idx[j] == head ? "" : "; the newest evidence of this attempt is ",
					 idx[j] == head ? "" : p->rows[head].file);
			} else {
				r->cls = RC_SUPERSEDED;
				snprintf(r->why, sizeof r->why, "superseded by %s, %s",
					 p->rows[head].file,
					 seen[head].pred[0] && !strcmp(seen[head].pred + 7, seen[idx[i]].digest)
						 ? "which regrades it"
						 : "a newer evidence of the same attempt (linked by regraded_from or renews)");
			}
		}
	}
	free(idx);
	return 0;
}

/* ---- warnings ------------------------------------------------------------- */

static void warn(struct recert_row *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct recert_row *r, const char *fmt, ...)
{
	size_t n = strlen(r->warn);
	va_list ap;

	if (n && n + 2 < sizeof r->warn) {
		memcpy(r->warn + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->warn + n, sizeof r->warn - n, fmt, ap);
	va_end(ap);
}

/* The knowledge checks of a current bundle, listed once by a dry run of
 * its grader on its own files. */
static void list_knowledge(const struct recert_plan_opts *o, struct current *cur)
{
	struct tar_list files = {0};
	struct scenario sc = {0};
	struct problems sp = {0};
	struct grader_result gr = {0};
	struct buf b = BUF_INIT;
	const struct sign_pub *signer;
	char digest[SIGN_SHA256_HEX];
	struct err e = {0};
	size_t i;

	if (cur->listed)
		return;
	cur->listed = 1;
	if (bundle_open(cur->path, o->trust, &o->lim, &files, digest, &signer, &e) < 0 ||
	    scenario_load(&files, o->max_depth, &sc, &sp, &e) < 0 ||
	    scenario_dry_grade(&files, &sc, &gr, &e) < 0) {
		snprintf(cur->unlisted, sizeof cur->unlisted, "%.380s", sp.n ? sp.v[0] : e.msg);
		goto out;
	}
	if (!gr.ok) {
		snprintf(cur->unlisted, sizeof cur->unlisted, "%.380s", gr.error);
		goto out;
	}
	if (buf_puts(&b, "\n", NULL) < 0)
		goto out;
	for (i = 0; i < gr.n; i++)
		if (gr.checks[i].knowledge && buf_printf(&b, NULL, "%s\n", gr.checks[i].id) < 0)
			goto out;
	cur->knowledge = (char *)buf_steal(&b, NULL);
out:
	if (!cur->knowledge && !cur->unlisted[0])
		snprintf(cur->unlisted, sizeof cur->unlisted, "out of memory");
	buf_release(&b);
	grader_result_release(&gr);
	problems_release(&sp);
	scenario_release(&sc);
	tar_list_release(&files);
}

/* Why job r's replay may not be judged fully: replay material missing or
 * only best effort; a knowledge check of the new version that the old
 * evidence lacks (its replay will end in error, not a verdict). */
static void warn_job(const struct recert_plan_opts *o, struct current *cur,
		     const struct seen *s, struct recert_row *r)
{
	const char *id, *nl;
	char want[80];

	if (!strcmp(s->replay_source, "commands") && !s->ncommands)
		warn(r, "no replay material: no runbook or script, and its command log holds no command to replay");
	else if (!strcmp(s->replay_source, "commands") || s->best_effort)
		warn(r, "its replay is derived from the command log, best effort (builtins, redirections and editor changes are not execs): a retake may be the derivation's, not the candidate's; hint: look at the replay before acting on a retake");
	list_knowledge(o, cur);
	if (!cur->knowledge) {
		warn(r, "the checks of %s %s could not be listed (%s): its knowledge checks are not compared with this evidence",
		     cur->id, cur->version, cur->unlisted);
		return;
	}
	for (id = cur->knowledge + 1; *id; id = nl + 1) {
		nl = strchr(id, '\n');
		if (!nl || (size_t)(nl - id) + 3 > sizeof want)
			break;
		snprintf(want, sizeof want, "\n%.*s\n", (int)(nl - id), id);
		if (s->checks && !strstr(s->checks, want))
			warn(r, "knowledge check '%.*s' of %s %s is not in this evidence: a replay cannot carry it, so the job will end in error, not a verdict",
			     (int)(nl - id), id, cur->id, cur->version);
	}
}

int recert_plan(const struct recert_plan_opts *o, struct recert_plan *p,
		struct err *e)
{
	struct currents cur = {0};
	struct seen *seen = NULL;
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, i, k;
	int dfd, rc = -1;

	memset(p, 0, sizeof *p);
	p->jobs = calloc(1, sizeof *p->jobs);
	if (!p->jobs)
		return err_set(e, ERR_HOST, "out of memory");
	if (load_currents(o, &cur, &p->problems, e) < 0)
		goto out;
	dfd = open(o->evidence_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err_sys(e, ERR_USAGE, errno, "--evidence %s", o->evidence_dir);
		goto out;
	}
	rc = dir_names(dfd, RECERT_MAX_FILES, &names, &n, e);
	close(dfd);
	if (rc != 0) {
		if (rc > 0)
			err_set(e, ERR_REFUSED, "--evidence %s: more than %d files",
				o->evidence_dir, RECERT_MAX_FILES);
		rc = -1;
		goto out;
	}
	rc = -1;
	p->rows = calloc(n + 1, sizeof *p->rows);
	seen = calloc(n + 1, sizeof *seen);
	if (!p->rows || !seen) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct recert_row *r = &p->rows[p->nrows];

		if (!ends_with(names[i], ".ev") || names[i][0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", o->evidence_dir,
				     names[i]) >= sizeof path)
			continue;
		r->file = strdup(path);
		if (!r->file) {
			err_set(e, ERR_HOST, "out of memory");
			goto out;
		}
		p->nrows++;
		if (!realpath(path, seen[p->nrows - 1].path))
			snprintf(seen[p->nrows - 1].path, PATH_MAX, "%s", path);
		look_at(o, path, r, &seen[p->nrows - 1]);
	}
	for (i = 0; i < p->nrows; i++)
		if (p->rows[i].cls == RC_CURRENT)
			judge(o, &cur, &p->rows[i]);
	if (supersede(p, seen, e) < 0)
		goto out;
	for (i = 0; i < p->nrows; i++) {
		struct recert_row *r = &p->rows[i];

		p->count[r->cls]++;
		if (r->cls != RC_STALE && r->cls != RC_EXPIRING)
			continue;
		/* the same file twice (a copy) is one job */
		for (k = 0; k < i; k++)
			if (p->rows[k].job[0] && !strcmp(seen[k].digest, seen[i].digest))
				break;
		if (k < i) {
			size_t used = strlen(r->why);

			snprintf(r->why + used, sizeof r->why - used,
				 "; the same file as %s: one job", p->rows[k].file);
			continue;
		}
		/* a short id, stable for the same evidence */
		memcpy(r->job, seen[i].digest, 16);
		r->job[16] = 0;
		if (job_line(r, &seen[i], current_of(&cur, r->scenario), p->jobs, e) < 0)
			goto out;
		p->njobs++;
		warn_job(o, (struct current *)current_of(&cur, r->scenario), &seen[i], r);
		p->nwarned += r->warn[0] != 0;
	}
	rc = 0;
out:
	for (i = 0; seen && i < p->nrows; i++)
		free(seen[i].checks);
	free(seen);
	dir_names_free(names, n);
	currents_release(&cur);
	return rc;
}

int recert_plan_json(const struct recert_plan *p, const struct recert_plan_opts *o,
		     struct buf *out, struct err *e)
{
	json_t *top = json_object(), *counts = json_object(), *rows = json_array();
	json_t *probs = json_array(), *warns = json_array(), *r;
	char now[32], *txt = NULL;
	size_t i;
	int bad = !top || !counts || !rows || !probs || !warns;

	time_rfc3339(o->now, now);
	for (i = 0; !bad && i <= RC_INVALID; i++)
		bad = json_object_set_new(counts, recert_class_name((enum recert_class)i),
					  json_integer((json_int_t)p->count[i]));
	for (i = 0; !bad && i < p->nrows; i++) {
		const struct recert_row *w = &p->rows[i];

		r = json_object();
		bad = !r || put_s(r, "file", w->file) ||
		      put_s(r, "class", recert_class_name(w->cls)) ||
		      put_s(r, "why", w->why[0] ? w->why : NULL) ||
		      put_s(r, "scenario", w->scenario[0] ? w->scenario : NULL) ||
		      put_s(r, "version", w->version[0] ? w->version : NULL) ||
		      put_s(r, "pseudonym", w->candidate[0] ? w->candidate : NULL) ||
		      put_s(r, "valid_until", w->valid_until[0] ? w->valid_until : NULL) ||
		      put_s(r, "job", w->job[0] ? w->job : NULL) ||
		      put_s(r, "warning", w->warn[0] ? w->warn : NULL) ||
		      json_array_append_new(rows, r);
		if (!bad && w->warn[0]) {
			json_t *x = json_object();

			bad = !x || put_s(x, "file", w->file) || put_s(x, "job", w->job) ||
			      put_s(x, "scenario", w->scenario) ||
			      put_s(x, "warning", w->warn) || json_array_append_new(warns, x);
		}
	}
	for (i = 0; !bad && i < p->problems.n; i++)
		bad = json_array_append_new(probs, json_string(p->problems.v[i]));
	bad = bad || put_s(top, "now", now) ||
	      json_object_set_new(top, "within_days", json_integer(o->within_days)) ||
	      put_s(top, "platform", SIM_PLATFORM) ||
	      json_object_set(top, "counts", counts) ||
	      json_object_set(top, "rows", rows) ||
	      json_object_set(top, "bundle_problems", probs) ||
	      json_object_set(top, "warnings", warns) ||
	      json_object_set_new(top, "jobs", json_integer((json_int_t)p->njobs));
	if (!bad)
		txt = json_dumps(top, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(counts);
	json_decref(rows);
	json_decref(probs);
	json_decref(warns);
	json_decref(top);
	if (!txt)
		return err_set(e, ERR_HOST, "out of memory");
	bad = buf_puts(out, txt, e) < 0 || buf_append(out, "\n", 1, e) < 0;
	free(txt);
	return bad ? -1 : 0;
}

void recert_plan_release(struct recert_plan *p)
{
	size_t i;

	for (i = 0; i < p->nrows; i++)
		free(p->rows[i].file);
	free(p->rows);
	if (p->jobs)
		buf_release(p->jobs);
	free(p->jobs);
	problems_release(&p->problems);
	memset(p, 0, sizeof *p);
}

/* ---- the replay script -------------------------------------------------- */

/* One argument for bash: as it is when every byte is plain, otherwise in
 * single quotes ('\'' for a quote). */
static int quote_arg(struct buf *b, const char *s, struct err *e)
{
	static const char plain[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		"_./=:,+@%-";
	const char *q;

	if (*s && strspn(s, plain) == strlen(s))
		return buf_puts(b, s, e);
	if (buf_append(b, "'", 1, e) < 0)
		return -1;
	for (; (q = strchr(s, '\'')); s = q + 1)
		if (buf_append(b, s, (size_t)(q - s), e) < 0 ||
		    buf_puts(b, "'\\''", e) < 0)
			return -1;
	return buf_puts(b, s, e) < 0 || buf_append(b, "'", 1, e) < 0 ? -1 : 0;
}

int recert_replay_script(const struct tar_list *members,
			 const struct ev_recorded *rec, const char *source,
			 const char *old_digest, struct buf *out, struct err *e)
{
	const struct tar_entry *m;
	size_t i, k;

	if (!strcmp(source, "script") || !strcmp(source, "runbook")) {
		const char *name = !strcmp(source, "script") ? "replay/script.sh"
							     : "answers/runbook.sh";

		m = tar_list_find(members, name);
		if (!m)
			return err_set(e, ERR_REFUSED,
				       "replay source '%s': the evidence has no member '%s'; hint: replay from its commands",
				       source, name);
		return buf_append(out, m->len ? (const void *)m->data : "", m->len, e);
	}
	if (strcmp(source, "commands"))
		return err_set(e, ERR_REFUSED,
			       "replay source '%.40s': not script, runbook or commands",
			       source);
	if (buf_printf(out, e,
		       "#!/bin/bash\n"
		       "# Derived by labrun from commands.jsonl of sha256:%s, at best\n"
		       "# effort: shell builtins, redirections and editor changes were\n"
		       "# not execs and are not here; nor are the shell and `lab`.\n",
		       old_digest) < 0)
		return -1;
	/* the first exec is the candidate's shell itself */
	for (i = 1; i < rec->ncommands; i++) {
		const struct ev_command *c = &rec->commands[i];

		if (!c->argc || (c->path && !strcmp(c->path, TOOLS_LAB)))
			continue;
		if (c->argv_truncated) {
			if (buf_printf(out, e, "# left out: exec %zu, its arguments were cut at the cap\n",
				       i + 1) < 0)
				return -1;
			continue;
		}
		for (k = 0; k < c->argc; k++)
			if ((k && buf_append(out, " ", 1, e) < 0) ||
			    quote_arg(out, c->argv[k], e) < 0)
				return -1;
		if (buf_append(out, "\n", 1, e) < 0)
			return -1;
	}
	if (out->len > SCRIPT_MAX_BYTES)
		return err_set(e, ERR_REFUSED,
			       "the script derived from commands.jsonl is over %u bytes",
			       SCRIPT_MAX_BYTES);
	return 0;
}

/* ---- the report ---------------------------------------------------------- */

/* A check's tally on one side. */
struct tally {
	unsigned pass, fail, error;
};

struct check_row {
	char id[68];
	struct tally before, after;
	unsigned changed;   /* jobs where its status changed */
	unsigned carried;   /* jobs that carried it over (a knowledge check) */
};

struct scen_row {
	char id[160];
	unsigned renewed, retake;
	struct check_row *checks;
	size_t nchecks;
};

static struct check_row *check_row(struct scen_row *s, const char *id)
{
	struct check_row *nv;
	size_t i;

	for (i = 0; i < s->nchecks; i++)
		if (!strcmp(s->checks[i].id, id))
			return &s->checks[i];
	nv = realloc(s->checks, (s->nchecks + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	s->checks = nv;
	memset(&nv[s->nchecks], 0, sizeof *nv);
	snprintf(nv[s->nchecks].id, sizeof nv->id, "%s", id);
	return &s->checks[s->nchecks++];
}

static void count(struct tally *t, const char *status)
{
	if (!strcmp(status, "pass"))
		t->pass++;
	else if (!strcmp(status, "fail"))
		t->fail++;
	else
		t->error++;
}

/* The latest "result" and "error" lines of the log, by job. */
struct log_view {
	json_t *results; /* job -> line */
	json_t *errors;  /* job (or "line N") -> line */
};

static int read_log(const char *outdir, struct log_view *lv, struct err *e)
{
	char path[PATH_MAX];
	struct buf b = BUF_INIT;
	const char *p, *end, *nl;
	size_t line = 0;

	lv->results = json_object();
	lv->errors = json_object();
	if (!lv->results || !lv->errors)
		return err_set(e, ERR_HOST, "out of memory");
	snprintf(path, sizeof path, "%s/%s", outdir, LOG_NAME);
	if (access(path, F_OK) < 0)
		return 0;
	if (read_file_bounded(path, BATCH_MAX_LOG, &b, e) < 0)
		return -1;
	p = (const char *)b.data;
	end = p ? p + b.len : p;
	for (; p && p < end; p = nl + 1) {
		json_t *o, *j;
		const char *ev, *job;
		char key[64];

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* a line a killed shard did not finish */
		line++;
		o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(o)) {
			json_decref(o);
			continue;
		}
		ev = json_string_value(json_object_get(o, "event"));
		j = json_object_get(o, "job");
		job = json_string_value(j);
		if (!job || json_is_true(json_object_get(o, "not_a_job"))) {
			snprintf(key, sizeof key, "line %lld",
				 (long long)json_integer_value(json_object_get(o, "line")));
			job = key;
		}
		if (ev && !strcmp(ev, "result"))
			json_object_set(lv->results, job, o);
		else if (ev && !strcmp(ev, "error"))
			json_object_set(lv->errors, job, o);
		json_decref(o);
	}
	buf_release(&b);
	return 0;
}

/* manifest.json and result.json of a result, verified when issuer is
 * given. */
static int read_result(const char *path, const struct sign_pub *issuer,
		       json_t **man, json_t **res, struct err *e)
{
	static const struct tar_limits lim = {
		EVIDENCE_MAX_ENTRIES, EVIDENCE_MAX_TOTAL, EVIDENCE_MAX_TOTAL,
	};
	struct tar_list l = {0};
	struct buf b = BUF_INIT;
	const struct tar_entry *m, *r;
	int rc = -1;

	if (issuer) {
		if (ev_open(path, issuer, &l, NULL, e) < 0)
			return -1;
	} else if (read_file_bounded(path, EVIDENCE_MAX_TOTAL, &b, e) < 0 ||
		   tar_read(b.data, b.len, path, &lim, &l, e) < 0) {
		goto out;
	}
	m = tar_list_find(&l, "manifest.json");
	r = tar_list_find(&l, "result.json");
	*man = m ? json_loadb((const char *)m->data, m->len, 0, NULL) : NULL;
	*res = r ? json_loadb((const char *)r->data, r->len, 0, NULL) : NULL;
	if (!json_is_object(*man) || !json_is_object(*res)) {
		json_decref(*man);
		json_decref(*res);
		err_set(e, ERR_REFUSED, "%s: no manifest.json and result.json labrun writes", path);
		goto out;
	}
	rc = 0;
out:
	buf_release(&b);
	tar_list_release(&l);
	return rc;
}

static const char *jget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* What recert_report gathers before it prints. */
struct report {
	const char *outdir;
	struct log_view lv;
	struct scen_row *sc;
	size_t nsc;
	json_t *jobs, *errs, *scens;
	unsigned renewed, retake, nerr, unreadable;
};

/* The scenario's row, added when it is the first job of it; NULL out of
 * memory. */
static struct scen_row *scenario_row(struct report *r, const char *sid)
{
	struct scen_row *nv;
	size_t k;

	for (k = 0; k < r->nsc; k++)
		if (!strcmp(r->sc[k].id, sid))
			return &r->sc[k];
	nv = realloc(r->sc, (r->nsc + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	r->sc = nv;
	memset(&r->sc[r->nsc], 0, sizeof *r->sc);
	snprintf(r->sc[r->nsc].id, sizeof r->sc->id, "%s", sid);
	return &r->sc[r->nsc++];
}

/* The checks of one result against those the log recorded before: the
 * scenario's counts, and the ids of those it did not pass. */
static json_t *count_checks(struct scen_row *s, const json_t *bchecks,
			    const json_t *res)
{
	json_t *failed = json_array(), *c;
	size_t ci;

	json_array_foreach(bchecks, ci, c) {
		struct check_row *cr = check_row(s, jget(c, "id"));

		if (cr)
			count(&cr->before, jget(c, "status"));
	}
	json_array_foreach(json_object_get(res, "checks"), ci, c) {
		struct check_row *cr = check_row(s, jget(c, "id"));
		const json_t *b;
		size_t bi;

		if (!cr)
			continue;
		count(&cr->after, jget(c, "status"));
		if (json_is_string(json_object_get(json_object_get(c, "carried"), "status")))
			cr->carried++;
		if (strcmp(jget(c, "status"), "pass"))
			json_array_append_new(failed, json_string(jget(c, "id")));
		json_array_foreach(bchecks, bi, b)
			if (!strcmp(jget(b, "id"), jget(c, "id")) &&
			    strcmp(jget(b, "status"), jget(c, "status")))
				cr->changed++;
	}
	return failed;
}

/* The checks of one attempt that moved between the log's before (bchecks,
 * [{id, status}]) and the replay's result.json: [{id, title, before,
 * after}] with before null for a check the renewed evidence lacked and
 * after null for one the replay's grader no longer has.  NULL when the log
 * has no checks of the attempt (no result line, or checks_cut). */
static json_t *moved_checks(const json_t *bchecks, const json_t *res)
{
	const json_t *achecks = json_object_get(res, "checks"), *a, *b;
	json_t *moved, *x;
	size_t ai, bi;

	if (!json_is_array(bchecks))
		return NULL;
	moved = json_array();
	json_array_foreach(achecks, ai, a) {
		const char *before = NULL;

		json_array_foreach(bchecks, bi, b)
			if (!strcmp(jget(b, "id"), jget(a, "id"))) {
				before = jget(b, "status");
				break;
			}
		if (before && !strcmp(before, jget(a, "status")))
			continue;
		x = json_object();
		put_s(x, "id", jget(a, "id"));
		put_s(x, "title", jget(a, "title"));
		put_s(x, "before", before);
		put_s(x, "after", jget(a, "status"));
		json_array_append_new(moved, x);
	}
	json_array_foreach(bchecks, bi, b) {
		int found = 0;

		json_array_foreach(achecks, ai, a)
			if (!strcmp(jget(b, "id"), jget(a, "id"))) {
				found = 1;
				break;
			}
		if (found)
			continue;
		x = json_object();
		put_s(x, "id", jget(b, "id"));
		put_s(x, "title", NULL);
		put_s(x, "before", jget(b, "status"));
		put_s(x, "after", NULL);
		json_array_append_new(moved, x);
	}
	return moved;
}

/* One result file of the output directory (NAME.ev, job NAME) into the
 * report; an unreadable one is an error of its job.  -1 out of memory. */
static int report_job(struct report *r, const struct sign_pub *issuer,
		      const char *name, struct err *e)
{
	json_t *man = NULL, *res = NULL, *before, *row, *x;
	struct scen_row *s;
	struct err re = {0};
	char path[PATH_MAX], job[80];
	size_t len = strlen(name);
	const char *verdict, *sid;

	if (!ends_with(name, ".ev") || name[0] == '.' || len - 3 >= sizeof job)
		return 0;
	memcpy(job, name, len - 3);
	job[len - 3] = 0;
	snprintf(path, sizeof path, "%s/%s", r->outdir, name);
	if (read_result(path, issuer, &man, &res, &re) < 0) {
		r->unreadable++;
		x = json_object();
		put_s(x, "job", job);
		put_s(x, "error", re.msg);
		json_array_append_new(r->errs, x);
		return 0;
	}
	verdict = jget(man, "verdict");
	sid = json_string_value(json_object_get(json_object_get(man, "scenario"), "id"));
	if (!sid)
		sid = "?";
	s = scenario_row(r, sid);
	if (!s) {
		json_decref(man);
		json_decref(res);
		return err_set(e, ERR_HOST, "out of memory");
	}
	if (!strcmp(verdict, "pass")) {
		s->renewed++;
		r->renewed++;
	} else {
		s->retake++;
		r->retake++;
	}
	before = json_object_get(r->lv.results, job);
	row = json_object();
	put_s(row, "job", job);
	put_s(row, "scenario", sid);
	put_s(row, "version", json_string_value(json_object_get(json_object_get(man, "scenario"), "version")));
	put_s(row, "pseudonym", json_string_value(json_object_get(json_object_get(man, "candidate"), "pseudonym")));
	put_s(row, "outcome", !strcmp(verdict, "pass") ? "renewed" : "retake");
	put_s(row, "before", before ? json_string_value(json_object_get(json_object_get(before, "before"), "verdict")) : NULL);
	put_s(row, "after", verdict);
	json_object_set_new(row, "score", json_deep_copy(json_object_get(man, "score")));
	json_object_set_new(row, "score_before",
			    json_deep_copy(json_object_get(json_object_get(before, "before"), "score")));
	x = moved_checks(json_object_get(json_object_get(before, "before"), "checks"), res);
	json_object_set_new(row, "moved", x ? x : json_null());
	json_object_set_new(row, "failed_checks",
			    count_checks(s, json_object_get(json_object_get(before, "before"), "checks"), res));
	json_object_set_new(row, "valid_until", json_deep_copy(json_object_get(man, "valid_until")));
	json_array_append_new(r->jobs, row);
	json_decref(man);
	json_decref(res);
	return 0;
}

/* Jobs the log says could not run, and that have no result. */
static void report_log_errors(struct report *r)
{
	const char *key;
	json_t *val, *x;

	json_object_foreach(r->lv.errors, key, val) {
		char name[PATH_MAX];

		snprintf(name, sizeof name, "%s/%s.ev", r->outdir, key);
		if (strncmp(key, "line ", 5) && access(name, F_OK) == 0)
			continue;
		x = json_object();
		put_s(x, "job", strncmp(key, "line ", 5) ? key : NULL);
		json_object_set_new(x, "line", json_deep_copy(json_object_get(val, "line")));
		put_s(x, "error", jget(val, "error"));
		json_array_append_new(r->errs, x);
		r->nerr++;
	}
	r->nerr += r->unreadable;
}

static json_t *counts_json(const struct tally *c)
{
	json_t *t = json_object();

	json_object_set_new(t, "pass", json_integer(c->pass));
	json_object_set_new(t, "fail", json_integer(c->fail));
	json_object_set_new(t, "error", json_integer(c->error));
	return t;
}

/* Each scenario's table of checks, before and after, into text and into
 * r->scens. */
static int report_scenarios(struct report *r, struct buf *text, struct err *e)
{
	size_t i, k;

	for (k = 0; k < r->nsc; k++) {
		const struct scen_row *sc = &r->sc[k];
		json_t *so = json_object(), *ca = json_array();

		put_s(so, "id", sc->id);
		json_object_set_new(so, "renewed", json_integer(sc->renewed));
		json_object_set_new(so, "retake", json_integer(sc->retake));
		json_object_set_new(so, "checks", ca);
		json_array_append_new(r->scens, so);
		if (buf_printf(text, e, "\nscenario %s: %u renewed, %u retake\n"
			       "  %-28s %-14s %-14s %s\n", sc->id, sc->renewed,
			       sc->retake, "check", "before p/f/e", "after p/f/e",
			       "changed") < 0)
			return -1;
		for (i = 0; i < sc->nchecks; i++) {
			const struct check_row *cr = &sc->checks[i];
			char b[40], a[40];
			json_t *co = json_object();

			snprintf(b, sizeof b, "%u/%u/%u", cr->before.pass, cr->before.fail, cr->before.error);
			snprintf(a, sizeof a, "%u/%u/%u", cr->after.pass, cr->after.fail, cr->after.error);
			put_s(co, "id", cr->id);
			json_object_set_new(co, "before", counts_json(&cr->before));
			json_object_set_new(co, "after", counts_json(&cr->after));
			json_object_set_new(co, "changed", json_integer(cr->changed));
			json_object_set_new(co, "carried", json_integer(cr->carried));
			json_array_append_new(ca, co);
			if (buf_printf(text, e, "  %-28s %-14s %-14s %u", cr->id, b, a,
				       cr->changed) < 0 ||
			    (cr->carried &&
			     buf_printf(text, e, "   (%u carried)", cr->carried) < 0) ||
			    buf_append(text, "\n", 1, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* "config-fixed \"The config is fixed\" pass -> fail" */
static int moved_text(struct buf *text, const json_t *m, struct err *e)
{
	const char *title = jget(m, "title");
	const char *b = json_string_value(json_object_get(m, "before"));
	const char *a = json_string_value(json_object_get(m, "after"));

	return buf_printf(text, e, "%s%s%s%s %s -> %s", jget(m, "id"),
			  title[0] ? " \"" : "", title, title[0] ? "\"" : "",
			  b ? b : "(new)", a ? a : "(gone)");
}

/* Each attempt: its verdict before -> after, and the checks that moved. */
static int report_attempts(const struct report *r, struct buf *text, struct err *e)
{
	const json_t *x, *moved, *m;
	size_t i, k;

	json_array_foreach(r->jobs, i, x) {
		const char *before = json_string_value(json_object_get(x, "before"));

		if (buf_printf(text, e, "%s  %s %s %s: %s -> %s", i ? "" : "\nattempts, verdict before -> after:\n",
			       jget(x, "job"), jget(x, "scenario"), jget(x, "pseudonym"),
			       before ? before : "unknown", jget(x, "after")) < 0)
			return -1;
		moved = json_object_get(x, "moved");
		if (!json_is_array(moved)) {
			if (buf_puts(text, "; the checks before are not in batch.log\n", e) < 0)
				return -1;
			continue;
		}
		if (!json_array_size(moved) && buf_puts(text, "; no check moved", e) < 0)
			return -1;
		json_array_foreach(moved, k, m)
			if (buf_puts(text, k ? ", " : "; moved: ", e) < 0 || moved_text(text, m, e) < 0)
				return -1;
		if (buf_append(text, "\n", 1, e) < 0)
			return -1;
	}
	return 0;
}

/* The retakes with the checks they failed, then the errors. */
static int report_retakes(const struct report *r, struct buf *text, struct err *e)
{
	unsigned shown = 0;
	json_t *x;
	size_t i;

	json_array_foreach(r->jobs, i, x) {
		const json_t *f = json_object_get(x, "failed_checks");
		const json_t *fc;
		size_t fi;

		if (strcmp(jget(x, "outcome"), "retake"))
			continue;
		if (buf_printf(text, e, "%sretake: %s %s %s (was %s): failed",
			       shown++ ? "" : "\n",
			       jget(x, "job"), jget(x, "scenario"), jget(x, "pseudonym"),
			       json_string_value(json_object_get(x, "before")) ? jget(x, "before") : "unknown") < 0)
			return -1;
		json_array_foreach(f, fi, fc)
			if (buf_printf(text, e, "%s%s", fi ? ", " : " ", json_string_value(fc)) < 0)
				return -1;
		if (buf_append(text, "\n", 1, e) < 0)
			return -1;
	}
	json_array_foreach(r->errs, i, x) {
		if (buf_printf(text, e, "%serror: %s: %s\n",
			       i ? "" : "\n",
			       json_string_value(json_object_get(x, "job")) ? jget(x, "job") : "(no job id)",
			       jget(x, "error")) < 0)
			return -1;
	}
	return 0;
}

static int report_json(const struct report *r, const struct sign_pub *issuer,
		       struct buf *json, struct err *e)
{
	json_t *top = json_object();
	char *txt;
	int rc = -1;

	if (!top)
		return err_set(e, ERR_HOST, "out of memory");
	json_object_set_new(top, "outdir", json_string(r->outdir));
	json_object_set_new(top, "renewed", json_integer(r->renewed));
	json_object_set_new(top, "retake", json_integer(r->retake));
	json_object_set_new(top, "error", json_integer(r->nerr));
	json_object_set(top, "scenarios", r->scens);
	json_object_set(top, "jobs", r->jobs);
	json_object_set(top, "errors", r->errs);
	json_object_set_new(top, "verified", json_boolean(issuer != NULL));
	txt = json_dumps(top, JSON_SORT_KEYS | JSON_INDENT(2));
	if (!txt)
		err_set(e, ERR_HOST, "out of memory");
	else if (buf_puts(json, txt, e) == 0 && buf_append(json, "\n", 1, e) == 0)
		rc = 0;
	free(txt);
	json_decref(top);
	return rc;
}

int recert_report(const char *outdir, const struct sign_pub *issuer,
		  struct buf *text, struct buf *json, struct err *e)
{
	struct report r = {.outdir = outdir};
	char **names = NULL;
	size_t n = 0, i, k;
	int dfd, rc = -1;

	dfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, ERR_USAGE, errno, "%s", outdir);
	rc = dir_names(dfd, RECERT_MAX_FILES, &names, &n, e);
	close(dfd);
	if (rc != 0)
		return rc < 0 ? err_wrap(e, "%s", outdir)
			      : err_set(e, ERR_REFUSED, "%s: more than %d files", outdir,
					RECERT_MAX_FILES);
	rc = -1;
	r.jobs = json_array();
	r.errs = json_array();
	r.scens = json_array();
	if (!r.jobs || !r.errs || !r.scens || read_log(outdir, &r.lv, e) < 0) {
		if (!e || !e->kind)
			err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (report_job(&r, issuer, names[i], e) < 0)
			goto out;
	report_log_errors(&r);
	if (buf_printf(text, e, "recert report of %s\n", outdir) < 0 ||
	    report_scenarios(&r, text, e) < 0 || report_attempts(&r, text, e) < 0 ||
	    report_retakes(&r, text, e) < 0 ||
	    buf_printf(text, e, "\n%u renewed, %u retake, %u error\n", r.renewed,
		       r.retake, r.nerr) < 0 ||
	    report_json(&r, issuer, json, e) < 0)
		goto out;
	rc = 0;
out:
	for (k = 0; k < r.nsc; k++)
		free(r.sc[k].checks);
	free(r.sc);
	json_decref(r.lv.results);
	json_decref(r.lv.errors);
	json_decref(r.jobs);
	json_decref(r.errs);
	json_decref(r.scens);
	dir_names_free(names, n);
	return rc;
}
