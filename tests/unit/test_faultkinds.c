/* test_faultkinds: the table of fault kinds (a row for every kind, the
 * keys each takes, the platform kinds' keys held to agentd's, the classes, the names in the order validate lists
 * them), fault_setup_sandbox and fault_setup_record against the
 * translation session_run made inline before them (kept here verbatim as
 * the reference, legacy_*), and faults_apply on a temporary tree.  It
 * needs no root and starts no sandbox. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/evidence.h"
#include "runner/faultkinds.h"
#include "runner/faults.h"
#include "runner/scenario.h"
#include "runner/schema.h"
#include "runner/tarball.h"
#include "sandbox/sandbox.h"
#include "scenarios/platform/sim.h"
#include "tests/unit/tap.h"

#define SEED "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define MAXF 16

/* ---- the table ---- */

static void test_table(void)
{
	static const char *const listed[] = {
		"file.replace", "file.truncate", "file.garbage", "file.delete",
		"file.chmod", "process.kill", "process.freeze",
		"process.crashloop", "syscall.errno", "syscall.file",
		"syscall.delay", "net.refuse", "net.drop", "disk.full",
		"disk.inodes", "clock.offset", "platform.*",
	};
	size_t k, j;
	int good = 1;

	ok(FAULT_NKINDS == sizeof listed / sizeof *listed,
	   "%d kinds, as docs/faults.md lists them", FAULT_NKINDS);
	for (k = 0; k < FAULT_NKINDS; k++) {
		const struct fault_kind_row *r = fault_kind_row((enum fault_kind)k);

		if (r->kind != (enum fault_kind)k || !r->name || !r->check ||
		    !r->describe)
			good = 0;
		/* a file fault is applied to the files, and only a file fault */
		if ((r->class == FAULT_CLASS_FILE) != (r->apply != NULL))
			good = 0;
		/* what the sandbox carries out it is also told of, and records */
		if ((r->class == FAULT_CLASS_PROCESS ||
		     r->class == FAULT_CLASS_SESSION) != (r->plan && r->record))
			good = 0;
		if (r->keys && (strcmp(r->keys[0], "id") || strcmp(r->keys[1], "kind")))
			good = 0;
		for (j = 0; j < k; j++)
			if (!strcmp(fault_kind_name((enum fault_kind)j), r->name))
				good = 0;
	}
	ok(good, "every kind has its row: name, check and describe; apply for the file faults; plan and record for what the sandbox does");
	for (k = 0; k < sizeof listed / sizeof *listed; k++) {
		for (j = 0; j < FAULT_NKINDS; j++)
			if (!strcmp(fault_kind_name((enum fault_kind)j), listed[k]))
				break;
		if (j == FAULT_NKINDS)
			good = 0;
	}
	ok(good, "the names are those of docs/faults.md");
	ok(fault_is_file(FAULT_FILE_CHMOD) && !fault_is_file(FAULT_DISK_FULL) &&
	   fault_is_process(FAULT_PROCESS_CRASHLOOP) &&
	   !fault_is_process(FAULT_SYSCALL_DELAY) &&
	   fault_is_syscall(FAULT_SYSCALL_FILE) && !fault_is_syscall(FAULT_PLATFORM),
	   "fault_is_file, fault_is_process and fault_is_syscall follow the classes");
	ok(fault_kind_row(FAULT_PLATFORM)->keys == NULL,
	   "the platform's faults have their keys checked by agentd");
}

/* ---- a plan, made by hand ---- */

static char *argv_agentd[] = {SCENARIO_AGENTD, NULL};
static char *argv_sh[] = {"/bin/sh", "/srv/run.sh", NULL};

static struct scenario_service services3[] = {
	{.name = "agentd", .argv = argv_agentd, .argc = 1, .restart = 1},
	{.name = "web", .argv = argv_sh, .argc = 2, .restart = 2},
	{.name = "worker", .argv = argv_sh, .argc = 2, .at = 2},
};

/* Every kind the sandbox is told of, with agentd's clock off. */
static struct fault plan_all[] = {
	{.id = "cut", .kind = FAULT_FILE_TRUNCATE, .path = "/etc/a", .size = 3},
	{.id = "kill", .kind = FAULT_PROCESS_KILL, .service = "web", .signo = 9,
	 .at_s = 5, .when_file = "/home/candidate/go"},
	{.id = "freeze", .kind = FAULT_PROCESS_FREEZE, .service = "worker",
	 .at_s = 1},
	{.id = "loop", .kind = FAULT_PROCESS_CRASHLOOP, .service = "web",
	 .signo = 6, .crash_after_ms = 100, .crash_times = 3,
	 .while_file = "/etc/stale.lock", .after_requests = 4},
	{.id = "refuse", .kind = FAULT_NET_REFUSE, .port = 8080},
	{.id = "drop", .kind = FAULT_NET_DROP, .port = 8081},
	{.id = "full", .kind = FAULT_DISK_FULL, .path = "/var/log/agent",
	 .free = 8},
	{.id = "inodes", .kind = FAULT_DISK_INODES, .path = "/var/spool",
	 .free = 3},
	{.id = "clock", .kind = FAULT_CLOCK_OFFSET, .offset_s = 3600,
	 .rate = 2.5, .service = "agentd"},
	{.id = "eio", .kind = FAULT_SYSCALL_ERRNO, .call = "open",
	 .target = FAULT_TARGET_CANDIDATE, .err = 5, .err_name = "EIO",
	 .every = 1, .probability = 1},
	{.id = "slow", .kind = FAULT_SYSCALL_DELAY, .call = "fsync",
	 .target = FAULT_TARGET_SERVICE, .service = "web", .delay_ms = 300,
	 .every = 1, .probability = 1},
	{.id = "outage", .kind = FAULT_PLATFORM,
	 .platform_kind = "platform.tool_outage",
	 .platform_json = "{\"id\":\"outage\",\"kind\":\"platform.tool_outage\"}"},
};

/* Every service's clock behind, no platform. */
static struct fault plan_clock[] = {
	{.id = "late", .kind = FAULT_CLOCK_OFFSET, .offset_s = -120, .rate = 1},
	{.id = "all", .kind = FAULT_SYSCALL_DELAY, .call = "stat",
	 .target = FAULT_TARGET_ALL, .delay_ms = 1, .every = 1,
	 .probability = 1},
};

static void make(struct scenario *s, struct fault *f, size_t n,
		 int with_platform, const char *platform_faults)
{
	size_t i;

	memset(s, 0, sizeof *s);
	s->services = services3;
	s->nservices = 3;
	s->faults = f;
	s->nfaults = n;
	s->platform_service = with_platform ? 0 : SIZE_MAX;
	s->platform_faults = (char *)platform_faults;
	for (i = 0; i < n; i++) {
		f[i].at = i;
		if (f[i].call)
			f[i].family = sbx_trap_family_index(f[i].call);
	}
}

/* ---- the reference: session_run's translation before fault_setup ---- */

struct legacy {
	struct sbx_config cfg;
	struct sbx_service services[3];
	struct sbx_signal signals[MAXF];
	size_t nsignals, signal_of[MAXF];
	struct sbx_port_block blocks[MAXF];
	struct sbx_small_fs small[MAXF];
	size_t small_of[MAXF], clock_fault;
	char faketime[64], preload[sizeof "LD_PRELOAD=" FAKETIME_LIB];
	char *clock_envp[3];
	char platform_seed[sizeof "LABRUN_SEED=" + 65];
	char platform_plan[1024];
	char *platform_envp[5];
};

static void legacy_clock_env(const struct fault *f, char *out, size_t size)
{
	if (f->rate != 1.0)
		snprintf(out, size, "FAKETIME=%+lld x%g", f->offset_s, f->rate);
	else
		snprintf(out, size, "FAKETIME=%+lld", f->offset_s);
}

static void legacy_setup(const struct scenario *sc, struct legacy *L)
{
	struct sbx_service *services = L->services;
	unsigned accept_traps = 0;
	size_t i, k;

	memset(L, 0, sizeof *L);
	snprintf(L->preload, sizeof L->preload, "LD_PRELOAD=%s", FAKETIME_LIB);
	L->clock_envp[0] = L->preload;
	L->clock_envp[1] = L->faketime;
	L->clock_fault = SIZE_MAX;
	for (i = 0; i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];

		if (!fault_is_process(f->kind))
			continue;
		for (k = 0; k < sc->nservices; k++)
			if (!strcmp(sc->services[k].name, f->service))
				break;
		L->signals[L->nsignals].service = k;
		L->signals[L->nsignals].signo = f->kind == FAULT_PROCESS_FREEZE ? 0 : f->signo;
		L->signals[L->nsignals].at_ms = f->at_s * 1000u;
		L->signals[L->nsignals].when_path = f->when_file;
		L->signals[L->nsignals].after_requests = (unsigned)f->after_requests;
		L->signals[L->nsignals].crashloop = f->kind == FAULT_PROCESS_CRASHLOOP;
		L->signals[L->nsignals].crash_after_ms = f->crash_after_ms;
		L->signals[L->nsignals].crash_times = f->crash_times;
		L->signals[L->nsignals].while_path = f->while_file;
		if (f->after_requests)
			accept_traps = 1u << sbx_trap_family_index("accept");
		L->signal_of[L->nsignals] = i;
		L->nsignals++;
	}
	L->cfg.signals = L->signals;
	L->cfg.nsignals = L->nsignals;
	for (i = 0; i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];

		if (f->kind == FAULT_NET_REFUSE || f->kind == FAULT_NET_DROP) {
			L->blocks[L->cfg.nblocks].port = f->port;
			L->blocks[L->cfg.nblocks].drop = f->kind == FAULT_NET_DROP;
			L->cfg.nblocks++;
		} else if (f->kind == FAULT_DISK_FULL || f->kind == FAULT_DISK_INODES) {
			L->small[L->cfg.nsmall].path = f->path;
			L->small[L->cfg.nsmall].inodes = f->kind == FAULT_DISK_INODES;
			if (f->kind == FAULT_DISK_FULL)
				L->small[L->cfg.nsmall].free_kb = f->free;
			else
				L->small[L->cfg.nsmall].free_inodes = f->free;
			L->small_of[L->cfg.nsmall++] = i;
		} else if (f->kind == FAULT_CLOCK_OFFSET) {
			legacy_clock_env(f, L->faketime, sizeof L->faketime);
			for (k = 0; k < sc->nservices; k++)
				if (!f->service || !strcmp(f->service, sc->services[k].name))
					services[k].env = L->clock_envp;
			L->clock_fault = i;
		}
	}
	L->cfg.blocks = L->blocks;
	L->cfg.small = L->small;
	if (sc->platform_service != SIZE_MAX) {
		size_t n = 0;

		snprintf(L->platform_seed, sizeof L->platform_seed, "LABRUN_SEED=%s", SEED);
		L->platform_envp[n++] = L->platform_seed;
		if (sc->platform_faults) {
			snprintf(L->platform_plan, sizeof L->platform_plan,
				 "LABRUN_PLATFORM_FAULTS=%s", sc->platform_faults);
			L->platform_envp[n++] = L->platform_plan;
		}
		if (services[sc->platform_service].env) {
			L->platform_envp[n++] = L->preload;
			L->platform_envp[n++] = L->faketime;
		}
		L->platform_envp[n] = NULL;
		services[sc->platform_service].env = L->platform_envp;
		services[sc->platform_service].ready = SIM_DEFAULT_SOCKET;
	}
	fault_traps(sc, &L->cfg.trap_candidate, &L->cfg.trap_services);
	L->cfg.trap_services |= accept_traps;
}

static void legacy_record(const struct scenario *sc, struct legacy *L,
			  struct ev_fault *out, int ran)
{
	char env[64];
	size_t i;

	for (i = 0; i < L->nsignals; i++) {
		struct ev_fault *r = &out[L->signal_of[i]];
		struct sbx_signal *signals = L->signals;

		r->triggered = signals[i].fired;
		if (signals[i].crashloop) {
			r->triggered = signals[i].crashes;
			if (signals[i].fired)
				snprintf(r->detail, sizeof r->detail,
					 "armed at %lld ms; signal %d %u ms after each later start: %u crashes",
					 (long long)signals[i].fired_ms, signals[i].signo,
					 signals[i].crash_after_ms, signals[i].crashes);
			else
				snprintf(r->detail, sizeof r->detail,
					 "not armed: its condition never came");
		} else if (signals[i].fired && signals[i].signo)
			snprintf(r->detail, sizeof r->detail, "signal %d sent at %lld ms",
				 signals[i].signo, (long long)signals[i].fired_ms);
		else if (signals[i].fired)
			snprintf(r->detail, sizeof r->detail,
				 "%u processes frozen at %lld ms by %s",
				 signals[i].frozen, (long long)signals[i].fired_ms,
				 signals[i].how);
		else
			snprintf(r->detail, sizeof r->detail,
				 "not sent: the service had ended, or the session did first");
	}
	for (i = 0; ran && i < sc->nfaults; i++) {
		const struct fault *f = &sc->faults[i];
		struct ev_fault *r = &out[i];

		if (f->kind == FAULT_NET_REFUSE || f->kind == FAULT_NET_DROP) {
			r->triggered = 1;
			snprintf(r->detail, sizeof r->detail, "%s by nftables in the sandbox's network namespace",
				 f->kind == FAULT_NET_REFUSE ? "connections refused (TCP reset)"
							     : "packets dropped");
		} else if (f->kind == FAULT_CLOCK_OFFSET) {
			legacy_clock_env(f, env, sizeof env);
			r->triggered = 1;
			snprintf(r->detail, sizeof r->detail, "libfaketime, %s", env);
		}
	}
	for (i = 0; ran && i < L->cfg.nsmall; i++) {
		const struct sbx_small_fs *s = &L->cfg.small[i];
		struct ev_fault *r = &out[L->small_of[i]];

		r->triggered = 1;
		if (s->inodes)
			snprintf(r->detail, sizeof r->detail,
				 "tmpfs of %llu inodes, %llu in use at the start; %llu free at the end",
				 s->max_inodes, s->used_inodes, s->free_inodes_end);
		else
			snprintf(r->detail, sizeof r->detail,
				 "tmpfs of %llu KiB, %llu KiB in use at the start; %llu KiB free at the end",
				 s->size_kb, s->used_kb, s->free_kb_end);
	}
}

/* ---- the comparison ---- */

static int same_env(char *const *a, char *const *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b))
			return 0;
	return !*a && !*b;
}

/* Strings, not pointers: two files' literals need not be merged. */
static int same_str(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static int same_signal(const struct sbx_signal *a, const struct sbx_signal *b)
{
	return a->service == b->service && a->signo == b->signo &&
	       a->at_ms == b->at_ms && a->when_path == b->when_path &&
	       a->after_requests == b->after_requests &&
	       a->crashloop == b->crashloop &&
	       a->crash_after_ms == b->crash_after_ms &&
	       a->crash_times == b->crash_times && a->while_path == b->while_path;
}

static int same_small(const struct sbx_small_fs *a, const struct sbx_small_fs *b)
{
	return a->path == b->path && a->free_kb == b->free_kb &&
	       a->free_inodes == b->free_inodes && a->inodes == b->inodes;
}

/* What the sandbox would do: fire some, freeze one, fill the figures. */
static void happen(struct sbx_signal *sg, size_t n, struct sbx_small_fs *sm,
		   size_t nsm)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sg[i].fired = i % 3 != 2;
		sg[i].fired_ms = 1000 + (int64_t)i;
		sg[i].crashes = (unsigned)i;
		sg[i].frozen = 2;
		sg[i].how = "cgroup v1 freezer.state";
	}
	for (i = 0; i < nsm; i++) {
		sm[i].used_kb = 4 + i;
		sm[i].used_inodes = 2;
		sm[i].size_kb = 12;
		sm[i].max_inodes = 5;
		sm[i].free_kb_end = i;
		sm[i].free_inodes_end = 0;
	}
}

static void compare(const char *what, struct fault *f, size_t n,
		    int with_platform, const char *platform_faults)
{
	struct scenario sc;
	struct legacy *L = calloc(1, sizeof *L);
	struct sbx_service services[3];
	struct sbx_config cfg = {0};
	struct fault_setup fs = {0};
	struct ev_fault *want = calloc(MAXF, sizeof *want);
	struct ev_fault *got = calloc(MAXF, sizeof *got);
	struct err e = {0};
	size_t i;
	int good = 1, ran;

	make(&sc, f, n, with_platform, platform_faults);
	legacy_setup(&sc, L);
	memset(services, 0, sizeof services);
	ok(fault_setup_sandbox(&sc, SEED, services, &cfg, &fs, &e) == 0,
	   "%s: fault_setup_sandbox", what);
	ok(cfg.nsignals == L->cfg.nsignals && cfg.signals == fs.signals,
	   "%s: %zu signals, as before", what, cfg.nsignals);
	for (i = 0; i < cfg.nsignals && i < L->cfg.nsignals; i++)
		good &= same_signal(&cfg.signals[i], &L->signals[i]);
	ok(good, "%s: each signal as before", what);
	good = cfg.nblocks == L->cfg.nblocks;
	for (i = 0; good && i < cfg.nblocks; i++)
		good = cfg.blocks[i].port == L->blocks[i].port &&
		       cfg.blocks[i].drop == L->blocks[i].drop;
	ok(good, "%s: %zu port blocks, as before", what, cfg.nblocks);
	good = cfg.nsmall == L->cfg.nsmall;
	for (i = 0; good && i < cfg.nsmall; i++)
		good = same_small(&cfg.small[i], &L->small[i]);
	ok(good, "%s: %zu small filesystems, as before", what, cfg.nsmall);
	ok(cfg.trap_candidate == L->cfg.trap_candidate &&
	   cfg.trap_services == L->cfg.trap_services,
	   "%s: trap families %#x and %#x, as before", what, cfg.trap_candidate,
	   cfg.trap_services);
	ok(fs.clock_fault == L->clock_fault, "%s: the clock fault, as before", what);
	good = 1;
	for (i = 0; i < 3; i++)
		good &= same_env(services[i].env, L->services[i].env) &&
			same_str(services[i].ready, L->services[i].ready);
	ok(good, "%s: each service's environment and readiness, as before", what);
	for (ran = 0; ran <= 1; ran++) {
		memset(want, 0, MAXF * sizeof *want);
		memset(got, 0, MAXF * sizeof *got);
		happen(L->signals, L->nsignals, L->small, L->cfg.nsmall);
		happen(fs.signals, fs.nsignals, fs.small, fs.nsmall);
		legacy_record(&sc, L, want, ran);
		fault_setup_record(&sc, &fs, got, ran);
		good = 1;
		for (i = 0; i < n; i++)
			if (want[i].triggered != got[i].triggered ||
			    strcmp(want[i].detail, got[i].detail)) {
				good = 0;
				printf("# fault %zu: got %u \"%s\", want %u \"%s\"\n", i,
				       got[i].triggered, got[i].detail,
				       want[i].triggered, want[i].detail);
			}
		ok(good, "%s: the records%s, as before", what,
		   ran ? "" : " of a sandbox never built");
	}
	fault_setup_release(&fs);
	ok(fs.signals == NULL && fs.clock_fault == SIZE_MAX,
	   "%s: released", what);
	free(want);
	free(got);
	free(L);
}

static void test_setup(void)
{
	struct fault_setup fs = {0};

	compare("every kind", plan_all, sizeof plan_all / sizeof *plan_all, 1,
		"[{\"id\":\"outage\",\"kind\":\"platform.tool_outage\"}]");
	compare("every service's clock", plan_clock,
		sizeof plan_clock / sizeof *plan_clock, 0, NULL);
	compare("agentd without faults", plan_clock, 0, 1, NULL);
	compare("agentd with a clock but no faults", plan_clock, 1, 1, NULL);
	compare("no plan", plan_clock, 0, 0, NULL);
	/* a session that ended before the setup records nothing */
	fault_setup_record(NULL, &fs, NULL, 1);
	fault_setup_release(&fs);
	ok(1, "a setup never made records nothing and releases");
}

/* ---- file faults on a temporary tree ---- */

static int write_at(int dir, const char *name, const char *data)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc;

	if (fd < 0)
		return -1;
	rc = write_all(fd, data, strlen(data));
	close(fd);
	return rc;
}

static void test_apply(void)
{
	char dir[PATH_MAX];
	struct fault plan[] = {
		{.id = "swap", .kind = FAULT_FILE_REPLACE, .path = "/etc/app/policy.json",
		 .from = "faults/v7.json"},
		{.id = "cut", .kind = FAULT_FILE_TRUNCATE, .path = "/etc/app/state", .size = 2},
		{.id = "noise", .kind = FAULT_FILE_GARBAGE, .path = "/etc/app/journal",
		 .offset = 1, .length = 4},
		{.id = "gone", .kind = FAULT_FILE_DELETE, .path = "/etc/app/lock"},
		{.id = "shut", .kind = FAULT_FILE_CHMOD, .path = "/etc/app/token", .mode = 0600},
		{.id = "late", .kind = FAULT_NET_REFUSE, .port = 80},
	};
	struct ev_fault out[6];
	struct tar_list files = {0};
	struct scenario sc;
	struct err e = {0};
	struct stat st;
	char buf[64];
	int root, app = -1, fd;
	ssize_t n;

	if (private_dir("test-faultkinds", "the test's tree", dir, sizeof dir, &e) < 0) {
		ok(0, "a private directory: %s", e.msg);
		return;
	}
	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0 && mkdirat(root, "etc", 0755) == 0 &&
	    mkdirat(root, "etc/app", 0755) == 0)
		app = openat(root, "etc/app", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok(app >= 0 && write_at(app, "policy.json", "{\"v\": 6}\n") == 0 &&
	   write_at(app, "state", "abcdef") == 0 &&
	   write_at(app, "journal", "0123456789") == 0 &&
	   write_at(app, "lock", "1") == 0 && write_at(app, "token", "t") == 0 &&
	   tar_list_add_file(&files, "faults/v7.json", 0644, "{\"v\": 7}\n", 9, NULL) == 0,
	   "a tree to fault");
	make(&sc, plan, sizeof plan / sizeof *plan, 0, NULL);
	ok(faults_apply(&sc, &files, root, getuid(), SEED, out, &e) == 0,
	   "faults_apply: %s", e.msg);
	is_str(out[0].detail, "replaced by faults/v7.json (9 bytes)", "file.replace's record");
	is_str(out[1].detail, "truncated to 2 bytes", "file.truncate's record");
	is_str(out[2].detail, "4 seeded bytes at offset 1", "file.garbage's record");
	is_str(out[3].detail, "deleted", "file.delete's record");
	is_str(out[4].detail, "mode 0600", "file.chmod's record");
	ok(out[0].triggered && out[4].triggered && !out[5].triggered,
	   "the file faults took effect; the others wait for the session");
	is_str(out[5].target, "TCP port 80 on the sandbox's loopback", "net.refuse's target");
	is_str(out[1].target, "/etc/app/state", "a file fault's target");
	fd = openat(app, "policy.json", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	ok(n == 9 && !memcmp(buf, "{\"v\": 7}\n", 9), "the policy is v7's");
	if (fd >= 0)
		close(fd);
	ok(fstatat(app, "state", &st, 0) == 0 && st.st_size == 2, "the state is cut");
	ok(fstatat(app, "lock", &st, 0) < 0, "the lock is gone");
	ok(fstatat(app, "token", &st, 0) == 0 && (st.st_mode & 07777) == 0600,
	   "the token is 0600");
	fd = openat(app, "journal", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	ok(n == 10 && buf[0] == '0' && !memcmp(buf + 5, "56789", 5),
	   "the journal has 4 bytes of garbage at offset 1, the rest as it was");
	if (fd >= 0)
		close(fd);
	plan[0].path = "/etc/missing/policy.json";
	sc.nfaults = 1;
	memset(&e, 0, sizeof e);
	ok(faults_apply(&sc, &files, root, getuid(), SEED, out, &e) < 0 &&
	   e.kind == ERR_REFUSED && strstr(e.msg, "fault swap") &&
	   strstr(e.msg, "its directory is not in the scenario"),
	   "a path outside the tree is refused, naming the fault: %s", e.msg);
	if (app >= 0)
		close(app);
	if (root >= 0) {
		struct err re = {0};

		remove_tree(dir, &re);
		close(root);
	}
	tar_list_release(&files);
}

/* ---- the platform's kinds and their keys ---- */

/* Every platform kind docs/platform.md lists is one agentd knows and one
 * the table gives keys; agentd takes each of those keys on that kind (its
 * check says no "unknown key"); validate refuses a key the kind does not
 * take, with its list and a "did you mean". */
static void test_platform_keys(const char *top)
{
	char path[4096], doc[4096], line[1024], plan[512];
	struct buf why = BUF_INIT;
	size_t kinds = 0;
	int known = 1, taken = 1;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/fixtures/platform/etc/agentd/platform.json", top);
	snprintf(doc, sizeof doc, "%s/docs/platform.md", top);
	f = fopen(doc, "r");
	ok(f != NULL, "docs/platform.md can be read");
	while (f && fgets(line, sizeof line, f)) {
		char kind[64];
		const char *const *keys;

		if (sscanf(line, "| `%63[a-z_.]` |", kind) != 1 || strncmp(kind, "platform.", 9))
			continue;
		kinds++;
		keys = fault_platform_keys(kind);
		if (!sim_fault_known(kind) || !keys) {
			known = 0;
			printf("# %s: agentd knows it: %d, keys: %s\n", kind, sim_fault_known(kind),
			     keys ? "yes" : "no");
			continue;
		}
		for (size_t k = 0; keys[k]; k++) {
			if (!strcmp(keys[k], "id") || !strcmp(keys[k], "kind"))
				continue;
			snprintf(plan, sizeof plan, "[{\"id\": \"f\", \"kind\": \"%s\", \"%s\": 1}]",
				 kind, keys[k]);
			why.len = 0;
			sim_check(path, plan, &why);
			if (why.len && strstr((char *)why.data, "unknown key")) {
				taken = 0;
				printf("# %s: agentd refuses %s\n", kind, keys[k]);
			}
		}
	}
	if (f)
		fclose(f);
	ok(kinds >= 13 && known, "each of the %zu platform kinds of docs/platform.md has its keys in the table, and agentd knows it", kinds);
	ok(taken, "agentd takes every key the table gives each kind");
	ok(fault_platform_keys("platform.nope") == NULL &&
	   fault_platform_keys("file.replace") == NULL, "no keys for what is not a platform kind");
	buf_release(&why);
}

/* A plan checked as validate checks it: the problems in p. */
static void check_plan(const char *json, struct problems *p)
{
	struct scenario s = {0};
	struct schema c = {.p = p, .file = "scenario.json", .max_depth = 32};
	json_t *v = json_loads(json, 0, NULL);

	problems_release(p);
	fault_plan_check(&c, v, &s);
	json_decref(v);
	for (size_t i = 0; i < s.nfaults; i++)
		fault_release(&s.faults[i]);
	free(s.faults);
}

static void test_platform_plan(void)
{
	struct problems p = {0};

	check_plan("[{\"id\": \"s\", \"kind\": \"platform.approval_stuck\", \"at_s\": 5, \"agent\": \"a\"}]", &p);
	ok(p.n == 1 && !strcmp(p.v[0], "scenario.json: $.faults[0].agent: unknown key; hint: the allowed keys are id, kind, at_s, until_s"),
	   "an agent on platform.approval_stuck is refused, with the keys it takes");
	check_plan("[{\"id\": \"o\", \"kind\": \"platform.tool_outage\", \"at\": 5, \"tool\": \"t\"}]", &p);
	ok(p.n == 1 && strstr(p.v[0], "$.faults[0].at: unknown key; hint: did you mean \"at_s\"? the allowed keys are id, kind, at_s, until_s, tool"),
	   "a near miss gets a did you mean");
	check_plan("[{\"id\": \"o\", \"kind\": \"platform.tool_slow\", \"at_s\": 5, \"tool\": \"t\", \"latency_ms\": 9}]", &p);
	ok(p.n == 0, "a platform fault with its own keys passes (agentd checks the values)");
	problems_release(&p);
}

int main(void)
{
	const char *top = getenv("TOP");

	test_platform_keys(top ? top : ".");
	test_platform_plan();
	test_table();
	test_setup();
	test_apply();
	return tap_done();
}
