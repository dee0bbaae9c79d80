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
#include <sys/stat.h>
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
#define SBX_IDS_DIR "/run/labrun/ids"   /* the slot locks: host-wide, always */
#define SBX_STATE_DEFAULT "/run/labrun"
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
	char *const *env;   /* NULL, or more of its environment (at most 8) */
	const char *ready;  /* NULL, or a path that exists once it serves: the
			     * candidate starts after it (or SBX_READY_MS) */
	int restart;        /* 0: never started again; 1: when the candidate
			     * asks (lab restart); 2: also when it ends
			     * (docs/sandbox.md, "Services") */
};
#define SBX_READY_MS 10000 /* a service's start: longer is the service's fault */
#define SBX_START_LOG_TAIL 400 /* bytes of a failed service's log read for
				* the session's error: its last lines say why */
#define SBX_START_ERROR_MAX 460 /* that error, whole: the session keeps 480
				 * bytes of the sandbox's error after its
				 * "sandbox: " (runner/session.c) */

/* A signal the supervisor sends to a service at a time: a process fault.
 * fired and fired_ms are written by sbx_run.  A crash loop is a signal
 * that, once fired, arms: every later start of the service gets signo
 * crash_after_ms after it starts, while crash_times (0: no bound) and
 * while_path (NULL: none) allow. */
struct sbx_signal {
	size_t service;   /* index into sbx_config.services */
	int signo;        /* 0: freeze the service and what it started */
	unsigned at_ms;   /* after the candidate's program started */
	const char *when_path; /* NULL, or: not before this path exists */
	unsigned after_requests; /* 0, or: not before the service accepted
				  * this many connections */
	int crashloop;
	unsigned crash_after_ms, crash_times;
	const char *while_path;
	unsigned crashes; /* a crash loop: starts it crashed */
	unsigned fired;   /* 1 once delivered (a crash loop: armed) */
	int64_t fired_ms; /* when, since the start */
	const char *how;  /* a freeze: "cgroup v1 freezer", ... (static) */
	unsigned frozen;  /* a freeze: processes frozen */
};

/* A loopback TCP port whose connections fail: refused (a reset) or
 * dropped (the connect waits for its timeout).  nftables rules in the
 * sandbox's network namespace. */
struct sbx_port_block {
	int port;
	int drop;
};

/* A directory of the root that becomes a small tmpfs with its files and
 * only so much room left: a disk-full or out-of-inodes fault.  The
 * sandbox fills in the figures. */
struct sbx_small_fs {
	const char *path;              /* an absolute directory in the sandbox */
	unsigned long long free_kb;    /* room left at the start */
	unsigned long long free_inodes;
	int inodes;                    /* 1: limit inodes, 0: limit space */
	/* written by sbx_run */
	unsigned long long used_kb, used_inodes, size_kb, max_inodes;
	unsigned long long free_kb_end, free_inodes_end;
};

/* Syscall faults.  A trap family is a set of syscalls that do one thing
 * (open, stat, unlink, connect, ...); a fault plan names families, and
 * the sandbox reports their calls to the supervisor instead of allowing
 * them, only for the processes the plan targets. */
#define SBX_TRAP_CALLS 4
struct sbx_trap_call {
	const char *name;
	signed char dirfd, path, fd, flags; /* argument indexes, -1: none */
	unsigned char nofollow; /* the call acts on a link itself */
	unsigned char sockaddr; /* connect: argument 1 is an address */
};
struct sbx_trap_family {
	const char *name;
	struct sbx_trap_call calls[SBX_TRAP_CALLS];
};
/* Family i (NULL past the last), the index of a family's name (-1: none),
 * and whether a syscall is too hot to ever intercept (read, write, ...). */
const struct sbx_trap_family *sbx_trap_family(size_t i);
int sbx_trap_family_index(const char *name);
int sbx_trap_is_hot(const char *name);

/* A file as the sandbox's processes see it: the file itself, and its
 * directory and last name (so that a file not made yet is matched too). */
struct sbx_file_id {
	int found, dir_found;
	uint64_t dev, ino, dir_dev, dir_ino;
	char name[256];
};

/* A reported call of a trap family. */
struct sbx_call {
	int family;         /* sbx_trap_family index */
	const char *name;   /* the syscall */
	int source;         /* -1: the candidate's processes; else a service */
	int host_pid;
	const char *exe;    /* the program, as the sandbox names it ("" unknown) */
	struct sbx_file_id file; /* what the call's path or descriptor names */
	int port;           /* connect to an IPv4/IPv6 address: its port; else -1 */
	int open_flags;     /* the open family: the flags; else -1 */
};

/* What the supervisor does with a reported call. */
enum sbx_verdict_kind {
	SBX_CALL_GO,    /* the call runs as asked */
	SBX_CALL_FAIL,  /* it fails with err, without running */
	SBX_CALL_FILE,  /* an open returns fd (a copy of it) instead */
	SBX_CALL_DELAY, /* it runs after delay_ms */
};
struct sbx_verdict {
	enum sbx_verdict_kind kind;
	int err;
	int fd;             /* closed by the sandbox */
	unsigned delay_ms;
};

struct sbx_config {
	const char *workdir;     /* a directory to create for this session */
	/* the state directory (made 0711 if missing) whose skel/ caches the
	 * skeleton every root is built on; NULL: SBX_STATE_DEFAULT.  The id
	 * slots are host-wide whatever it is (SBX_IDS_DIR): two labruns with
	 * different state directories never share an id range. */
	const char *state_dir;
	const char *tools_dir;   /* host dir mounted read-only at SBX_TOOLS_DIR */
	const char *init_path;   /* labrun-init, the sandbox's pid 1 */
	const char *script_path; /* host file mounted at SBX_SCRIPT_PATH, or NULL */
	unsigned disk_mb;        /* size of the writable layer */
	unsigned inodes;         /* inodes of the writable layer */
	/* rlimits of the candidate's processes (0: not set) */
	unsigned long long as_bytes, nproc, nofile, cpu_s, fsize_bytes;
	unsigned width, height;  /* terminal size at the start (columns,
				  * rows): sbx_term_size's rule for a
				  * candidate's terminal */
	/* cgroup limits of the whole session (0: not asked); a limit asked
	 * for that no cgroup hierarchy of the host can apply fails
	 * sbx_create */
	unsigned long long cg_memory_bytes, cg_pids;
	const struct sbx_service *services;
	size_t nservices;
	struct sbx_signal *signals;
	size_t nsignals;
	/* trap families (bit i: sbx_trap_family(i)) reported for the
	 * candidate's processes and for the services' */
	unsigned trap_candidate, trap_services;
	const struct sbx_port_block *blocks;
	size_t nblocks;
	struct sbx_small_fs *small;
	size_t nsmall;
	int lab;                 /* serve the lab channel (hooks.lab) */
};

/* What enforced the session's cgroup limits and what they did. */
struct sbx_limit_report {
	const char *memory_mechanism; /* NULL: not applied by a cgroup */
	const char *pids_mechanism;
	uint64_t oom_kills;    /* processes killed for memory */
	uint64_t pids_refused; /* forks refused at the processes limit */
	uint64_t memory_peak;  /* bytes, 0 if unknown */
	/* seconds (samples, one a second and one at the end) in which the
	 * writable layer, /tmp or /dev/shm had no room or no inode left */
	unsigned disk_full, tmp_full, shm_full;
	/* processes seen at their CPU-time limit (sampled each second) */
	unsigned cpu_killed;
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
	/* A call of a trap family: fill the verdict (it starts as GO). */
	int (*call)(void *ctx, int64_t t_us, const struct sbx_call *c,
		    struct sbx_verdict *v);
	/* A request on the lab channel (sbx_config.lab): one line, without
	 * its newline, NUL-terminated, at most SBX_LAB_MAX bytes; write the
	 * answer (at most size bytes) to resp and its length to *len. */
	int (*lab)(void *ctx, int64_t t_us, const char *req, char *resp,
		   size_t size, size_t *len);
	/* Called at least once a second (when set). */
	int (*tick)(void *ctx, int64_t t_us);
	/* The keystrokes read from input_fd, as they go to the terminal. */
	int (*input)(void *ctx, int64_t t_us, const void *data, size_t len);
	/* The sandbox's terminal took a new size (columns, rows), following
	 * input_fd's after a SIGWINCH; not called for the size it starts at
	 * (sbx_config.width, height). */
	int (*resize)(void *ctx, int64_t t_us, unsigned width, unsigned height);
	/* An interactive session: the candidate's keyboard (-1: none), and a
	 * flag a SIGWINCH handler sets (the size of input_fd's terminal is
	 * then passed on). */
	int input_fd;
	volatile int *winch;
};

/* A candidate's terminal as the sandbox's terminal takes it: its size
 * (TIOCGWINSZ on fd), SBX_TERM_COLS x SBX_TERM_ROWS when fd is no terminal
 * or reports no size (a serial line, some web terminals), each side at
 * most SBX_TERM_MAX.  The sandbox's terminal starts at it and follows it. */
#define SBX_TERM_COLS 80
#define SBX_TERM_ROWS 24
#define SBX_TERM_MAX 4096 /* columns or rows: beyond any screen, and a
			   * player of the recording allocates this many
			   * cells per side */
void sbx_term_size(int fd, unsigned *width, unsigned *height);

/* The lab channel: a socket at SBX_LAB_SOCKET in the sandbox that the
 * supervisor serves, one bounded request per connection. */
#define SBX_LAB_SOCKET "/opt/labrun/channel/lab.sock"
#define SBX_LAB_MAX 256

/* What a lab connection has sent so far, as the supervisor takes it: the
 * framing and the sandbox's own requests, apart from the socket so that
 * they can be tested (test_sandbox, tests/fuzz/fuzz_lab.c). */
enum sbx_lab_kind {
	SBX_LAB_MORE,     /* no newline yet: read on */
	SBX_LAB_TOO_LONG, /* SBX_LAB_MAX bytes without a newline: refused */
	SBX_LAB_SERVICES, /* "services": every service's state */
	SBX_LAB_SERVICE,  /* "service NAME": one service's state */
	SBX_LAB_RESTART,  /* "restart NAME": stop it and start it again */
	SBX_LAB_SESSION,  /* any other line: the session's (sbx_hooks.lab) */
};

struct sbx_lab_request {
	const char *line; /* the request without its newline, NUL-terminated */
	const char *name; /* SERVICE and RESTART: the name, in line; else NULL */
};

/* Take the got bytes (at most SBX_LAB_MAX) at buf, which has room for one
 * more: a request is the first line, whose newline becomes a NUL (what
 * follows it is ignored).  req is filled when the kind is neither MORE
 * nor TOO_LONG. */
enum sbx_lab_kind sbx_lab_parse(char *buf, size_t got,
				struct sbx_lab_request *req);

enum sbx_end {
	SBX_END_EXIT,    /* the candidate's program ended */
	SBX_END_TIMEOUT, /* the wall-clock limit */
	SBX_END_HOOK,    /* a hook asked to stop (output cap) */
	SBX_END_ERROR,   /* the sandbox or its supervision failed */
	SBX_END_HANGUP,  /* the candidate's terminal went away (input_fd) */
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
 * owned by sbx_root_uid(), gives the candidate (sbx_candidate_uid) and
 * the services (sbx_service_uid) what is theirs, and nothing else. */
int sbx_create(const struct sbx_config *cfg, struct sbx **out, struct err *e);
int sbx_lower_fd(const struct sbx *s);
uid_t sbx_root_uid(const struct sbx *s);   /* the sandbox's root, inside */
uid_t sbx_candidate_uid(const struct sbx *s);
uid_t sbx_service_uid(const struct sbx *s);

/* What a process of the sandbox runs (sandbox/program.c), asked while it
 * waits in a notified call (the started hook): exe is the file the kernel
 * executed, named as inside the sandbox ("" when unreadable; for a script,
 * its interpreter); exe_trusted is 1 when neither that file nor a
 * directory on its path is the candidate's to write, so that the name is
 * not the candidate's choice; cwd its working directory ("" unknown);
 * root the process's root directory (O_PATH, -1 when it could not be
 * opened), which sbx_resolve walks beneath.  -1 when the process ended
 * first.  Whatever it returns, sbx_program_release closes root. */
struct sbx_program {
	char exe[4096];
	char cwd[4096];
	int exe_trusted;
	int root;
	struct stat root_st;
};
int sbx_program(const struct sbx *s, int host_pid, struct sbx_program *out);
void sbx_program_release(struct sbx_program *pg);

/* Resolve path (relative to pg's cwd when not absolute) as pg's process
 * would, beneath its root, following every link (follow) or every one
 * but the last; out gets the absolute path inside the sandbox, *is_link
 * whether the last entry is a link (when not followed) and *trusted
 * whether the candidate could have written or swapped anything on the
 * way.  -1 when it does not resolve. */
int sbx_resolve(const struct sbx *s, const struct sbx_program *pg,
		const char *path, int follow, char *out, size_t size,
		int *trusted, int *is_link);

/* Run argv (envp is the whole environment) as the candidate in the
 * sandbox, its output on a pty, until it ends, the wall limit passes, or
 * a hook stops it; then everything in the sandbox is killed and reaped.
 * stdin_null: stdin from /dev/null instead of the terminal.  Returns -1
 * only for a failure before anything ran (the outcome says what happened
 * otherwise, SBX_END_ERROR included). */
int sbx_run(struct sbx *s, char *const argv[], char *const envp[],
	    int stdin_null, unsigned wall_ms, const struct sbx_hooks *hooks,
	    struct sbx_outcome *out, struct err *e);

/* During sbx_run (from a hook): what path names in the sandbox's root. */
int sbx_file_id(const struct sbx *s, const char *path, struct sbx_file_id *out);

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
