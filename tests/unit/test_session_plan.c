/* test_session_plan: a session's plan without root, a sandbox or a file:
 * the scenario's limits cut to the host's maxima and the accommodation
 * applied; the sandbox's configuration (paths, rlimits, cgroup limits,
 * the terminal); and the fault plan translated into it: services'
 * signals, blocked ports, small filesystems, the services' clocks, the
 * simulated platform's environment and the trap families. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "runner/config.h"
#include "runner/evidence.h"
#include "runner/scenario.h"
#include "runner/session.h"
#include "sandbox/sandbox.h"
#include "scenarios/platform/sim.h"
#include "tests/unit/tap.h"

static char *web_argv[] = {"/usr/bin/web", "--port", "8080", NULL};
static char *agentd_argv[] = {SCENARIO_AGENTD, NULL};

static struct config host(void)
{
	struct config c;

	memset(&c, 0, sizeof c);
	c.max_time_s = 3600;
	c.max_memory_mb = 1024;
	c.max_processes = 256;
	c.max_disk_mb = 512;
	c.max_cpu_s = 600;
	c.max_open_files = 1024;
	return c;
}

static struct scenario bare(void)
{
	struct scenario sc;

	memset(&sc, 0, sizeof sc);
	sc.id = "plan-test";
	sc.version = "1.0.0";
	sc.time_limit_s = 1800;
	sc.limits.memory_mb = 4096; /* over the host's 1024 */
	sc.limits.processes = 64;
	sc.limits.disk_mb = 2;      /* 512 inodes: the floor is 1024 */
	sc.limits.cpu_s = 300;
	sc.limits.open_files = 4096; /* over the host's 1024 */
	sc.platform_service = SIZE_MAX;
	sc.variant = SIZE_MAX;
	return sc;
}

static const struct session_where where = {
	.workdir = "/run/labrun-test/sessions/0123456789abcdef",
	.state_dir = "/run/labrun-test",
	.libexec = "/opt/labrun/libexec/labrun",
	.script_path = "/run/labrun-test/sessions/0123456789abcdef/script.sh",
};

static void test_limits(void)
{
	struct scenario sc = bare();
	struct config c = host();
	struct session_plan p;

	session_plan_limits(&sc, &c, 0, &p);
	ok(p.applied.memory_mb == 1024, "memory cut to the host's maximum");
	ok(p.applied.processes == 64, "processes as asked, under the maximum");
	ok(p.applied.disk_mb == 2 && p.applied.cpu_s == 300, "disk and cpu as asked");
	ok(p.applied.open_files == 1024, "open files cut to the host's maximum");
	ok(p.time_limit_s == 1800, "no accommodation: the scenario's time");
	ok(p.fs.clock_fault == SIZE_MAX, "no clock fault yet");
	session_plan_limits(&sc, &c, 100, &p);
	ok(p.time_limit_s == 1800, "a factor of 1: the scenario's time");
	session_plan_limits(&sc, &c, 150, &p);
	ok(p.time_limit_s == 2700, "a factor of 1.5: half as long again");
	c.max_time_s = 1200;
	session_plan_limits(&sc, &c, 150, &p);
	ok(p.time_limit_s == 1800, "cut to the host's maximum first, then extended");
	ok(sc.limits.memory_mb == 4096, "the scenario itself is untouched");
}

static void test_bare(void)
{
	struct scenario sc = bare();
	struct config c = host();
	struct session_plan p;
	struct session_where take = where;
	struct err e = {0};
	int rc;

	session_plan_limits(&sc, &c, 0, &p);
	rc = session_plan(&sc, &where, "00ff", &p, &e);
	ok(rc == 0, "a scenario with no service and no fault plans (%s)", e.msg);
	is_str(p.cfg.workdir, where.workdir, "the work area");
	is_str(p.cfg.state_dir, where.state_dir, "the state directory");
	is_str(p.cfg.tools_dir, "/opt/labrun/libexec/labrun/bin", "the tools beside labrun");
	is_str(p.cfg.init_path, "/opt/labrun/libexec/labrun/labrun-init", "pid 1 beside labrun");
	is_str(p.cfg.script_path, where.script_path, "run: the script mounted");
	ok(p.cfg.lab == 1, "the lab channel served");
	ok(p.cfg.disk_mb == 2 && p.cfg.inodes == 1024, "a small layer gets 1024 inodes");
	ok(p.cfg.nproc == 64 && p.cfg.nofile == 1024 && p.cfg.cpu_s == 300,
	   "rlimits from the applied limits");
	ok(p.cfg.fsize_bytes == 2ull << 20, "RLIMIT_FSIZE: the layer's size");
	ok(p.cfg.as_bytes == 1024ull << 20, "RLIMIT_AS: the applied memory");
	ok(p.cfg.cg_memory_bytes == (1024ull + 2 + 2 * SESSION_TMP_MB) << 20,
	   "the memory cgroup pays for the tmpfs layers too");
	ok(p.cfg.cg_pids == 64, "the pids cgroup");
	ok(p.cfg.width == 80 && p.cfg.height == 24, "an 80x24 terminal");
	ok(!p.cfg.services && !p.cfg.nservices, "no service");
	ok(!p.cfg.nsignals && !p.cfg.nblocks && !p.cfg.nsmall, "no fault entry");
	ok(!p.cfg.trap_candidate && !p.cfg.trap_services, "no trap family");
	ok(p.fs.clock_fault == SIZE_MAX && !p.fs.platform_seed, "no clock, no platform");
	session_plan_release(&p);

	sc.limits.disk_mb = 100;
	take.script_path = NULL;
	session_plan_limits(&sc, &c, 0, &p);
	rc = session_plan(&sc, &take, "00ff", &p, &e);
	ok(rc == 0, "take plans");
	ok(p.cfg.script_path == NULL, "take: no script");
	ok(p.cfg.inodes == 100 * SESSION_INODES_PER_MB, "inodes follow the layer's size");
	session_plan_release(&p);
}

static struct fault fault(const char *id, enum fault_kind kind)
{
	struct fault f;

	memset(&f, 0, sizeof f);
	f.id = (char *)id;
	f.kind = kind;
	f.rate = 1.0;
	f.probability = 1.0;
	return f;
}

static void test_faults(void)
{
	struct scenario sc = bare();
	struct config c = host();
	struct scenario_service svc[2];
	struct fault f[10];
	struct session_plan p;
	struct err e = {0};
	int open_family = sbx_trap_family_index("open");
	int accept_family = sbx_trap_family_index("accept");
	char *const *env;
	int rc;

	memset(svc, 0, sizeof svc);
	svc[0].name = "web";
	svc[0].argv = web_argv;
	svc[0].argc = 3;
	svc[0].restart = 2;
	svc[1].name = "agentd";
	svc[1].argv = agentd_argv;
	svc[1].argc = 1;
	sc.services = svc;
	sc.nservices = 2;
	sc.platform_service = 1;
	sc.platform_faults = "[{\"kind\":\"platform.tool_outage\"}]";

	f[0] = fault("kill-web", FAULT_PROCESS_KILL);
	f[0].service = "web";
	f[0].signo = 9;
	f[0].at_s = 5;
	f[1] = fault("freeze-web", FAULT_PROCESS_FREEZE);
	f[1].service = "web";
	f[1].after_requests = 3;
	f[1].when_file = "/run/ready";
	f[2] = fault("refuse", FAULT_NET_REFUSE);
	f[2].port = 8080;
	f[3] = fault("drop", FAULT_NET_DROP);
	f[3].port = 9090;
	f[4] = fault("full", FAULT_DISK_FULL);
	f[4].path = "/var/log";
	f[4].free = 100;
	f[5] = fault("inodes", FAULT_DISK_INODES);
	f[5].path = "/srv/spool";
	f[5].free = 10;
	f[6] = fault("clock", FAULT_CLOCK_OFFSET);
	f[6].offset_s = 3600;
	f[7] = fault("eio", FAULT_SYSCALL_ERRNO);
	f[7].call = "open";
	f[7].family = open_family;
	f[7].err = 5;
	f[7].err_name = "EIO";
	f[7].target = FAULT_TARGET_CANDIDATE;
	f[8] = fault("truncate", FAULT_FILE_TRUNCATE);
	f[8].path = "/etc/web.conf";
	f[9] = fault("crash", FAULT_PROCESS_CRASHLOOP);
	f[9].service = "agentd";
	f[9].signo = 11;
	f[9].crash_after_ms = 200;
	f[9].crash_times = 3;
	f[9].while_file = "/run/broken";
	sc.faults = f;
	sc.nfaults = 10;

	session_plan_limits(&sc, &c, 0, &p);
	rc = session_plan(&sc, &where, "0123456789abcdef", &p, &e);
	ok(rc == 0, "a full fault plan plans (%s)", e.msg);

	ok(p.cfg.nservices == 2 && p.cfg.services == p.services, "both services");
	is_str(p.services[0].name, "web", "service 0 named");
	ok(p.services[0].argv == (char *const *)web_argv && p.services[0].restart == 2,
	   "service 0's argv and restart");

	is_str(p.faults[0].id, "kill-web", "fault 0 recorded");
	is_str(p.faults[0].kind, "process.kill", "its kind");
	ok(p.faults[0].triggered == 0, "not triggered yet");
	is_str(p.faults[7].id, "eio", "the syscall fault recorded");

	ok(p.cfg.nsignals == 3 && p.cfg.signals == p.fs.signals, "three process faults");
	ok(p.fs.signals[0].service == 0 && p.fs.signals[0].signo == 9 &&
	   p.fs.signals[0].at_ms == 5000 && p.fs.slot[0] == 0,
	   "a kill: its service, signal and time");
	ok(p.fs.signals[1].signo == 0 && p.fs.signals[1].after_requests == 3 &&
	   p.fs.signals[1].when_path == f[1].when_file && p.fs.slot[1] == 1,
	   "a freeze is signal 0, after its requests and its file");
	ok(p.fs.signals[2].service == 1 && p.fs.signals[2].crashloop &&
	   p.fs.signals[2].signo == 11 && p.fs.signals[2].crash_after_ms == 200 &&
	   p.fs.signals[2].crash_times == 3 &&
	   p.fs.signals[2].while_path == f[9].while_file && p.fs.slot[9] == 2,
	   "a crash loop");
	ok(p.cfg.trap_services == 1u << accept_family,
	   "a count of requests: the services' accept calls are reported");
	ok(p.cfg.trap_candidate == 1u << open_family,
	   "the candidate's opens are reported for the syscall fault");

	ok(p.cfg.nblocks == 2 && p.cfg.blocks == p.fs.blocks, "two blocked ports");
	ok(p.fs.blocks[0].port == 8080 && !p.fs.blocks[0].drop, "refused");
	ok(p.fs.blocks[1].port == 9090 && p.fs.blocks[1].drop, "dropped");

	ok(p.cfg.nsmall == 2 && p.cfg.small == p.fs.small, "two small filesystems");
	ok(!strcmp(p.fs.small[0].path, "/var/log") && !p.fs.small[0].inodes &&
	   p.fs.small[0].free_kb == 100 && p.fs.slot[4] == 0, "disk full: room left");
	ok(!strcmp(p.fs.small[1].path, "/srv/spool") && p.fs.small[1].inodes &&
	   p.fs.small[1].free_inodes == 10 && p.fs.slot[5] == 1, "out of inodes");

	ok(p.fs.clock_fault == 6, "the clock fault");
	is_str(p.fs.faketime, "FAKETIME=+3600", "libfaketime's offset");
	env = p.services[0].env;
	ok(env && !strcmp(env[0], "LD_PRELOAD=" FAKETIME_LIB) && env[1] == p.fs.faketime &&
	   !env[2], "every service's clock: web");

	env = p.services[1].env;
	ok(env == p.fs.platform_env, "agentd gets the platform's environment");
	is_str(env[0], "LABRUN_SEED=0123456789abcdef", "the session's seed");
	is_str(env[1], "LABRUN_PLATFORM_FAULTS=[{\"kind\":\"platform.tool_outage\"}]",
	       "the platform's faults");
	ok(env[2] == p.fs.preload && env[3] == p.fs.faketime && !env[4],
	   "and its clock, offset too");
	is_str(p.services[1].ready, SIM_DEFAULT_SOCKET, "agentd is ready when it listens");
	session_plan_release(&p);

	/* A clock of one service, at a rate; a platform with no faults. */
	f[6].service = "agentd";
	f[6].offset_s = -60;
	f[6].rate = 2.0;
	sc.platform_faults = NULL;
	sc.faults = &f[6];
	sc.nfaults = 1;
	session_plan_limits(&sc, &c, 0, &p);
	rc = session_plan(&sc, &where, "ab", &p, &e);
	ok(rc == 0, "one clock fault plans");
	is_str(p.fs.faketime, "FAKETIME=-60 x2", "an offset and a rate");
	ok(p.services[0].env == NULL, "web's clock is left alone");
	env = p.services[1].env;
	ok(env == p.fs.platform_env && !strcmp(env[0], "LABRUN_SEED=ab") &&
	   env[1] == p.fs.preload && env[2] == p.fs.faketime && !env[3],
	   "agentd: its seed and its clock, no faults");
	ok(!p.cfg.nsignals && !p.cfg.trap_services && !p.cfg.trap_candidate,
	   "no signal, no trap");
	session_plan_release(&p);
	ok(!p.services && !p.faults && p.fs.clock_fault == SIZE_MAX, "released");
}

int main(void)
{
	test_limits();
	test_bare();
	test_faults();
	return tap_done();
}
