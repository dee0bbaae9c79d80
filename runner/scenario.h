/* scenario: the scenario source as data: scenario.json (schema v1),
 * brief.md, hints.md and the layout of the tree, checked all at once.
 *
 * It works on a struct tar_list (the files of a directory or of an opened
 * bundle) so that a directory and a bundle are checked the same way.  It
 * does not read the disk, run the grader, or know about sandboxes.  jansson
 * is used here and not exposed. */
#ifndef LABRUN_SCENARIO_H
#define LABRUN_SCENARIO_H

#include <stddef.h>

struct err;
struct tar_list;

/* Sandbox limits a scenario asks for (defaults and maxima in limits.h). */
struct scenario_limits {
	unsigned memory_mb;
	unsigned processes;
	unsigned disk_mb;    /* the writable layer */
	unsigned cpu_s;      /* CPU seconds of the whole session */
	unsigned open_files;
};

/* A service the sandbox starts before the candidate enters: it runs under
 * the services' id, which the candidate cannot signal, trace or write the
 * files of; it owns the paths listed (files of system/). */
struct scenario_service {
	char *name;   /* ^[a-z][a-z0-9-]{0,31}$; its log is /var/log/labrun/NAME.log */
	char **argv;  /* argv[0] an absolute path in the sandbox */
	size_t argc;
	char **owns;  /* absolute sandbox paths, each under system/ */
	size_t nowns;
	size_t at;    /* its index in $.services, for messages */
	int restart;  /* 0 "never", 1 "on-request", 2 "always" (sbx_service) */
};

/* A fault of the plan, applied to the scenario's files before the
 * candidate enters (docs/faults.md). */
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
};

static inline int fault_is_process(int k)
{
	return k == FAULT_PROCESS_KILL || k == FAULT_PROCESS_FREEZE ||
	       k == FAULT_PROCESS_CRASHLOOP;
}

/* Faults applied to the scenario's files before the session. */
static inline int fault_is_file(int k)
{
	return k >= FAULT_FILE_REPLACE && k <= FAULT_FILE_CHMOD;
}

/* Faults the supervisor decides call by call (sysfaults.c). */
static inline int fault_is_syscall(int k)
{
	return k >= FAULT_SYSCALL_ERRNO && k <= FAULT_SYSCALL_DELAY;
}

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
	unsigned long long size, offset, length;
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

struct hint {
	unsigned cost; /* thousandths of the total score */
	char *text;    /* the section's body, markdown */
};

struct scenario {
	char *id;        /* ^[a-z0-9][a-z0-9-]{0,62}$ */
	char *version;   /* semver */
	char *title;
	char *level;     /* foundation|practitioner|specialist|architect */
	char *platform;  /* platform version the scenario targets */
	char **competencies;
	size_t ncompetencies;
	unsigned grader_api;     /* 1 */
	unsigned pass_mark;      /* thousandths of the total weight */
	unsigned time_limit_s;
	unsigned valid_for_days; /* how long a pass stays valid */
	struct scenario_limits limits;
	struct hint *hints;
	size_t nhints;
	char *brief;             /* brief.md */
	struct scenario_service *services;
	size_t nservices;
	/* $.candidate_owns: paths laid in place by system/ that the candidate
	 * may write (recursively); everything else but their home is not
	 * theirs (docs/scenario.md, "Who owns what") */
	char **candidate_owns;
	size_t ncandidate_owns;
	struct fault *faults;
	size_t nfaults;
	int record_input;        /* take: keystrokes go into the recording */
	/* the platform faults as one JSON array (NULL: none), and the
	 * service that runs agentd (SIZE_MAX: none) */
	char *platform_faults;
	size_t platform_service;
	/* variants ($.variants): their ids, and the one this load applied
	 * (SIZE_MAX: the base plan; docs/scenario.md, "Variants") */
	char **variants;
	size_t nvariants;
	size_t variant;
};

/* The id of the variant a load applied, or NULL. */
static inline const char *scenario_variant(const struct scenario *s)
{
	return s->variant < s->nvariants ? s->variants[s->variant] : NULL;
}

/* The simulated platform's daemon, as a service's argv[0]. */
#define SCENARIO_AGENTD "/opt/labrun/bin/agentd"

/* Problems found in a scenario, each "FILE: WHERE: WHAT" (WHERE is a JSON
 * path such as $.limits.memory_mb, or "line N"). */
struct problems {
	char **v;
	size_t n, cap;
};

/* The last problem when there are more than PROBLEMS_MAX; it names no
 * file. */
#define PROBLEMS_TOO_MANY "too many problems; stopping"

void problems_add(struct problems *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void problems_release(struct problems *p);

/* Check every part of a scenario tree and fill out when there is no
 * problem.  Returns 0 when valid; -1 with every problem in p (and out left
 * empty); -1 with p empty and e filled on a host failure.  max_depth bounds
 * JSON nesting.  The grader is compiled (graders/grader.h). */
/* The same with variant `variant` of $.variants applied to the fault plan
 * (SIZE_MAX: none).  scenario_load checks every variant's plan too. */
int scenario_load_variant(const struct tar_list *files, unsigned max_depth,
			  size_t variant, struct scenario *out,
			  struct problems *p, struct err *e);
/* The variant a seed selects: a hash of the seed, modulo their number. */
size_t scenario_pick_variant(const struct scenario *s, const char *seed_hex);
int scenario_load(const struct tar_list *files, unsigned max_depth,
		  struct scenario *out, struct problems *p, struct err *e);
void scenario_release(struct scenario *s);

/* "file.replace", ... */
const char *fault_kind_name(enum fault_kind k);

/* The limits a scenario gets for the keys it leaves out of "limits"
 * (SESSION_DEFAULT_* in limits.h). */
extern const struct scenario_limits scenario_default_limits;

#endif
