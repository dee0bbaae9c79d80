/* sandbox: isolation only.  It builds a confined root, starts a program in
 * fresh user, pid, mount, network, ipc, uts and cgroup namespaces under an
 * unprivileged outer id, loads the seccomp allow-list last, and reports
 * every exec through seccomp user notification.  It knows nothing of
 * scenarios, JSON, Lua or evidence; the runner drives it through this
 * header alone. */
#ifndef LABRUN_SANDBOX_H
#define LABRUN_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the host supports, for `labrun doctor`: part of this interface. */
#include "sandbox/hostinfo.h"

struct err;

enum sbx_profile {
	SBX_PROFILE_CANDIDATE, /* the candidate's shell and what it runs */
	SBX_PROFILE_SERVICE,   /* the scenario's services */
	SBX_PROFILE_GRADER,    /* the grader worker */
};

/* Identities inside every sandbox.  Outer ids come from a per-session
 * range (sbx_outer_uid). */
/* Outer ids: session slot N maps inner 0..65535 to SBX_ID_BASE + N*65536.
 * The range sits far above the ids that hosts hand out (subuid ranges
 * start at 100000 and grow by 65536 per user). */
#define SBX_ID_BASE 0x60000000u
#define SBX_ID_RANGE 65536u
#define SBX_CANDIDATE_ID 1000
#define SBX_SERVICE_ID 999      /* the scenario's services: not the candidate's */
#define SBX_SERVICE_LOGS "/var/log/labrun" /* NAME.log of each service */
#define SBX_CANDIDATE_HOME "/home/candidate"
#define SBX_TOOLS_DIR "/opt/labrun/bin"
#define SBX_SCRIPT_PATH "/opt/labrun/script.sh"

struct sbx; /* one sandbox: its work area, ids, mounts and processes */

/* A program started as SBX_SERVICE_ID before the candidate's. */
struct sbx_service {
	const char *name;   /* its output goes to SBX_SERVICE_LOGS/NAME.log */
	char *const *argv;  /* argv[0] an absolute path in the sandbox */
};

/* A signal the supervisor sends to a service at a time: a process fault.
 * fired and fired_ms are written by sbx_run. */
struct sbx_signal {
	size_t service;   /* index into sbx_config.services */
	int signo;
	unsigned at_ms;   /* after the candidate's program started */
	unsigned fired;   /* 1 once delivered */
	int64_t fired_ms; /* when, since the start */
};

struct sbx_config {
	const char *workdir;     /* a directory to create for this session */
	const char *tools_dir;   /* host dir mounted read-only at SBX_TOOLS_DIR */
	const char *init_path;   /* labrun-init, the sandbox's pid 1 */
	const char *script_path; /* host file mounted at SBX_SCRIPT_PATH, or NULL */
	unsigned disk_mb;        /* size of the writable layer */
	unsigned inodes;         /* inodes of the writable layer */
	/* rlimits of the candidate's processes (0: not set) */
	unsigned long long as_bytes, nproc, nofile, cpu_s, fsize_bytes;
	unsigned width, height;  /* terminal size */
	/* cgroup limits of the whole session (0: not asked); a limit asked
	 * for that no cgroup hierarchy of the host can apply fails
	 * sbx_create */
	unsigned long long cg_memory_bytes, cg_pids;
	const struct sbx_service *services;
	size_t nservices;
	struct sbx_signal *signals;
	size_t nsignals;
};

/* What enforced the session's cgroup limits and what they did. */
struct sbx_limit_report {
	const char *memory_mechanism; /* NULL: not applied by a cgroup */
	const char *pids_mechanism;
	uint64_t oom_kills;    /* processes killed for memory */
	uint64_t pids_refused; /* forks refused at the processes limit */
	uint64_t memory_peak;  /* bytes, 0 if unknown */
};

/* What the supervisor saw; the callbacks return 0 to go on, 1 to end the
 * session now (for example an output cap), -1 on failure. */
struct sbx_exec {
	int pid;            /* in the sandbox's pid namespace */
	int host_pid;       /* the same process seen from the supervisor */
	const char *path;   /* as passed to execve (NULL when unreadable) */
	char *const *argv;  /* NULL-terminated; possibly cut (argv_truncated) */
	int argv_truncated;
};

struct sbx_hooks {
	void *ctx;
	int (*output)(void *ctx, int64_t t_us, const void *data, size_t len);
	int (*exec)(void *ctx, int64_t t_us, const struct sbx_exec *ex);
	int (*exited)(void *ctx, int64_t t_us, int host_pid, int code);
	/* A program's first call after its exec (set_tid_address): its
	 * command line as the kernel holds it, NUL-separated, to check the
	 * argv read at the exec against (it could have been rewritten). */
	int (*started)(void *ctx, int64_t t_us, int host_pid,
		       const char *cmdline, size_t len, int cut);
};

enum sbx_end {
	SBX_END_EXIT,    /* the candidate's program ended */
	SBX_END_TIMEOUT, /* the wall-clock limit */
	SBX_END_HOOK,    /* a hook asked to stop (output cap) */
	SBX_END_ERROR,   /* the sandbox or its supervision failed */
};

struct sbx_outcome {
	enum sbx_end end;
	int exit_status;   /* of the candidate's program; 128+N for signal N */
	int64_t started_ms;/* wall clock when the candidate's program started */
	int64_t ended_ms;
	char error[512];   /* SBX_END_ERROR: what failed */
};

/* What every session needs of the host before anything is touched (root,
 * for the id ranges); ERR_HOST says what is missing. */
int sbx_check_host(struct err *e);

/* Make the work area and the layers: a private mount namespace for this
 * process (once), a tmpfs at workdir, an outer id range.  Must run as root.
 * Afterwards the caller fills the lower layer (sbx_lower_fd) with files
 * owned by sbx_candidate_uid(). */
int sbx_create(const struct sbx_config *cfg, struct sbx **out, struct err *e);
int sbx_lower_fd(const struct sbx *s);
uid_t sbx_candidate_uid(const struct sbx *s);
uid_t sbx_service_uid(const struct sbx *s);

/* Run argv (envp is the whole environment) as the candidate in the
 * sandbox, its output on a pty, until it ends, the wall limit passes, or
 * a hook stops it; then everything in the sandbox is killed and reaped.
 * stdin_null: stdin from /dev/null instead of the terminal.  Returns -1
 * only for a failure before anything ran (the outcome says what happened
 * otherwise, SBX_END_ERROR included). */
int sbx_run(struct sbx *s, char *const argv[], char *const envp[],
	    int stdin_null, unsigned wall_ms, const struct sbx_hooks *hooks,
	    struct sbx_outcome *out, struct err *e);

/* After sbx_run: the frozen merged root, the writable layer and the lower
 * layer, as directory descriptors the caller closes. */
int sbx_open_root(const struct sbx *s, struct err *e);
int sbx_open_upper(const struct sbx *s, struct err *e);

/* After sbx_run: the cgroups' mechanisms and counters. */
int sbx_limit_report(const struct sbx *s, struct sbx_limit_report *out,
		     struct err *e);

/* Unmount everything and remove the work area. */
void sbx_destroy(struct sbx *s);

/* Remove the work areas under dir that a killed labrun left behind (their
 * locks are free); *removed counts them. */
int sbx_remove_stale(const char *dir, unsigned *removed, struct err *e);
/* The same for session cgroups no live labrun holds. */
int sbx_remove_stale_cgroups(unsigned *removed, struct err *e);

/* SHA-256 input for the evidence: the compiled candidate profile's BPF and
 * the mount plan.  Writes the bytes to fd. */
int sbx_profile_export(int fd, struct err *e);

/* Confine the calling process (a forked worker) with the grader profile:
 * no new privileges and a seccomp allow-list for computing and reading
 * files through descriptors it already holds.  Must be called after the
 * worker has set its rlimits and before it runs untrusted code. */
int sbx_confine_worker(struct err *e);

#endif
