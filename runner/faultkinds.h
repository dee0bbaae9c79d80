/* faultkinds: the kinds of fault a scenario's plan may hold, one row per
 * kind in one table (faultkinds.c): its name, the keys it takes, how its
 * keys are checked, what it asks of the sandbox, how it is applied to the
 * scenario's files, and what its record says.  Adding a kind is adding an
 * enum value and a row (and its documentation in docs/faults.md).
 *
 * It does not run anything: faults.c applies the file faults through the
 * table, sysfaults.c decides the syscall faults call by call, the sandbox's
 * supervisor carries out the process, network, disk and clock faults that
 * fault_setup_sandbox describes, and agentd checks and applies the
 * platform's. */
#ifndef LABRUN_FAULTKINDS_H
#define LABRUN_FAULTKINDS_H

#include <stddef.h>
#include <sys/types.h>

#include "base/limits.h"

struct err;
struct ev_fault;
struct sbx_config;
struct sbx_port_block;
struct sbx_service;
struct sbx_signal;
struct sbx_small_fs;
struct scenario;
struct schema;
struct tar_list;
struct json_t;

/* A fault of the plan (docs/faults.md).  The values are the table's
 * indexes in no order of meaning; new kinds go at the end. */
enum fault_kind {
	FAULT_FILE_REPLACE, /* path's bytes become those of from (faults/...) */
	FAULT_FILE_TRUNCATE,/* path is cut to size bytes */
	FAULT_FILE_GARBAGE, /* length seeded bytes written at offset */
	FAULT_FILE_DELETE,  /* path is removed */
	FAULT_FILE_CHMOD,   /* path gets mode */
	FAULT_PROCESS_KILL, /* a service gets a signal, at_s after the start */
	FAULT_SYSCALL_ERRNO,/* calls of a family fail with err */
	FAULT_SYSCALL_FILE, /* opens hand back another file (with) */
	FAULT_SYSCALL_DELAY,/* calls of a family wait delay_ms first */
	FAULT_PROCESS_FREEZE,/* a service is frozen (cgroup freezer), at_s */
	FAULT_NET_REFUSE,   /* TCP connects to port on loopback are refused */
	FAULT_NET_DROP,     /* TCP packets to port on loopback are dropped */
	FAULT_DISK_FULL,    /* path becomes a filesystem with free_kb left */
	FAULT_DISK_INODES,  /* path becomes a filesystem with free_inodes left */
	FAULT_CLOCK_OFFSET, /* the services' clock runs offset_s off, at rate */
	FAULT_PLATFORM,     /* a fault of the simulated platform (agentd) */
	FAULT_PROCESS_CRASHLOOP, /* a service crashes after each restart */
	FAULT_NKINDS
};

/* Who carries a kind out, and when. */
enum fault_class {
	FAULT_CLASS_FILE,     /* applied to the scenario's files before the
			       * candidate enters (faults.c) */
	FAULT_CLASS_PROCESS,  /* a signal or a freeze the supervisor gives a
			       * service (struct sbx_signal) */
	FAULT_CLASS_SYSCALL,  /* decided call by call (sysfaults.c) */
	FAULT_CLASS_SESSION,  /* set up with the sandbox: network, disk, clock */
	FAULT_CLASS_PLATFORM, /* checked and applied by agentd */
};

/* Whose calls a syscall fault intercepts. */
enum fault_target {
	FAULT_TARGET_SERVICES,  /* every service (the default) */
	FAULT_TARGET_SERVICE,   /* the one named in service */
	FAULT_TARGET_CANDIDATE, /* the candidate's processes */
	FAULT_TARGET_ALL,
};

struct fault {
	char *id;           /* ^[a-z0-9][a-z0-9._-]{0,63}$, unique */
	enum fault_kind kind;
	char *path;         /* absolute sandbox path, under system/ */
	char *from;         /* replace: a file of the tree, under faults/ */
	unsigned long long size, offset, length; /* bytes */
	unsigned mode;
	char *service;      /* process faults: the service's name */
	int signo;
	unsigned at_s;      /* seconds after the candidate's start; 0: at once */
	char *when_file;    /* process faults: not before this path exists */
	unsigned long long after_requests; /* process faults: not before the
					    * service accepted this many */
	unsigned crash_after_ms, crash_times; /* process.crashloop */
	char *while_file;   /* process.crashloop: only while this exists */
	size_t at;          /* its index in $.faults, for messages */
	/* syscall faults (path, when set, is the file the calls must name) */
	char *call;         /* the trap family's name: "open", "fsync", ... */
	int family;         /* its index (sbx_trap_family) */
	int err;            /* syscall.errno: the errno, and its name */
	char *err_name;
	char *with;         /* syscall.file: "faults/..." or "/dev/full" */
	unsigned delay_ms;  /* syscall.delay */
	int port;           /* connect: the port the calls must name; 0 any */
	enum fault_target target;
	unsigned long long after, every, limit; /* the schedule, per program */
	double probability; /* seeded; 1 always */
	unsigned long long free; /* disk faults: KiB or inodes left at start */
	long long offset_s; /* clock.offset */
	double rate;        /* clock.offset: seconds per real second */
	/* platform faults: the kind ("platform.tool_outage", ...) and the
	 * fault's object as compact JSON, handed to agentd, which checks and
	 * applies it (docs/platform.md) */
	char *platform_kind;
	char *platform_json;
};

/* What the sandbox is given for a plan (fault_setup_sandbox), and what is
 * needed to record it afterwards (fault_setup_record).  The services'
 * environment points into it: it stays where it is while they run.  It
 * starts as {0}, so that fault_setup_release is right on every path. */
struct fault_setup {
	struct sbx_signal *signals;     /* process faults */
	size_t nsignals;
	struct sbx_port_block *blocks;  /* net.* */
	size_t nblocks;
	struct sbx_small_fs *small;     /* disk.* */
	size_t nsmall;
	size_t *slot;        /* fault i's entry in signals, blocks or small */
	size_t clock_fault;  /* the clock.offset's index; SIZE_MAX: none */
	/* the families the syscall faults (and the accept counts of
	 * after_requests) have reported, for sbx_config */
	unsigned trap_candidate, trap_services;
	char faketime[64];   /* "FAKETIME=..." */
	char preload[sizeof "LD_PRELOAD=" FAKETIME_LIB];
	char *clock_env[3];
	char *platform_seed, *platform_plan; /* agentd's environment */
	char *platform_env[5];
};

/* One row of the table: a kind. */
struct fault_kind_row {
	enum fault_kind kind;
	const char *name;           /* "file.replace"; "platform.*" */
	enum fault_class class;
	const char *const *keys;    /* the keys it takes; NULL: agentd's */
	const char *list_note;      /* said after its name in the list of
				     * kinds, or NULL */
	/* check: the keys of $.faults[i] (item) into f, given the scenario
	 * so far; 0, or -1 with the problem reported (f is then left as it
	 * is, not kept).  Id, kind and unknown keys are checked before. */
	int (*check)(struct schema *c, struct json_t *item, size_t i,
		     struct fault *f, const struct scenario *s);
	/* plan: fault i's part of the sandbox's configuration (NULL: none) */
	void (*plan)(const struct scenario *s, size_t i,
		     struct sbx_service *services, struct fault_setup *fs);
	/* apply: a file fault, on the last component of its path in dir,
	 * before the candidate enters; the record's detail into detail */
	int (*apply)(const struct fault *f, const struct tar_list *files,
		     int dir, const char *last, uid_t uid, const char *seed_hex,
		     char *detail, size_t dsize, struct err *e);
	/* describe: the record's target and when, before it runs */
	void (*describe)(const struct fault *f, struct ev_fault *out);
	/* record: what it did, once the session is over (ran: the sandbox
	 * was built, so it was set up; slot: its entry in fs's arrays).  NULL:
	 * recorded elsewhere (sysfaults_record, platform_record) */
	void (*record)(const struct fault *f, const struct fault_setup *fs,
		       size_t slot, int ran, struct ev_fault *out);
};

/* The row of kind k. */
const struct fault_kind_row *fault_kind_row(enum fault_kind k);
/* "file.replace", ... */
const char *fault_kind_name(enum fault_kind k);
enum fault_class fault_kind_class(enum fault_kind k);

static inline int fault_is_process(int k)
{
	return fault_kind_class((enum fault_kind)k) == FAULT_CLASS_PROCESS;
}

/* Faults applied to the scenario's files before the session. */
static inline int fault_is_file(int k)
{
	return fault_kind_class((enum fault_kind)k) == FAULT_CLASS_FILE;
}

/* Faults the supervisor decides call by call (sysfaults.c). */
static inline int fault_is_syscall(int k)
{
	return fault_kind_class((enum fault_kind)k) == FAULT_CLASS_SYSCALL;
}

/* $.faults (v, the plan of the variant being loaded) into s->faults,
 * every problem reported; then the files the faults name (in files) and
 * the platform's faults gathered for agentd's service. */
void fault_plan_check(struct schema *c, struct json_t *v, struct scenario *s);
void fault_plan_check_files(struct schema *c, const struct tar_list *files,
			    const struct scenario *s);
void fault_plan_check_platform(struct schema *c, struct scenario *s);
/* The keys a platform kind ("platform.tool_outage") takes, NULL-terminated;
 * NULL for a kind that is not one. */
const char *const *fault_platform_keys(const char *kind);
/* Free what the checks kept of fault f. */
void fault_release(struct fault *f);

/* What the sandbox is given for sc's plan, with seed_hex (agentd's seed):
 * services (sc->nservices of them, made from sc->services) get the clock
 * fault's and the platform's environment; cfg gets the signals, port
 * blocks, small filesystems and trap families, which fs owns.  Fill fs
 * once, release it after the sandbox is gone (also when this failed: out
 * of memory, ERR_HOST). */
int fault_setup_sandbox(const struct scenario *sc, const char *seed_hex,
			struct sbx_service *services, struct sbx_config *cfg,
			struct fault_setup *fs, struct err *e);
/* The trap families (masks for sbx_config) the plan's syscall faults
 * need for the candidate's processes and for the services'. */
void fault_traps(const struct scenario *sc, unsigned *candidate,
		 unsigned *services);
/* What the process, network, disk and clock faults did (ran: the sandbox
 * was built and ran, so they were set up), into out (indexed as the
 * plan). */
void fault_setup_record(const struct scenario *sc, const struct fault_setup *fs,
			struct ev_fault *out, int ran);
void fault_setup_release(struct fault_setup *fs);

#endif
