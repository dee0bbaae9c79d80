/* limits: every bound labrun applies, in one place, each with its reason.
 * Exceeding a bound is an error, never a silent cut; recorded output may be
 * truncated, and then the evidence says so. */
#ifndef LABRUN_LIMITS_H
#define LABRUN_LIMITS_H

/* Scenario bundles (operators may raise these with --limit; a scenario may
 * not). */
#define BUNDLE_MAX_ENTRIES 10000          /* a scenario is a few hundred files */
#define BUNDLE_MAX_FILE (16u << 20)       /* bytes; logs and traces, not images */
#define BUNDLE_MAX_TOTAL (64u << 20)      /* bytes; whole bundle held in memory */
#define BUNDLE_MAX_MANIFEST (1u << 20)    /* bytes; scenario.json is a few KiB */
#define JSON_MAX_DEPTH 64                 /* no honest manifest nests deeper */
#define BUNDLE_MAX_NAME 4096              /* bytes in one member name: PATH_MAX */
#define SIG_MAX_BYTES 4096                /* a minisign signature is ~300 bytes */
#define KEY_MAX_BYTES 4096                /* a minisign key file is ~200 bytes */

/* Evidence bundles. */
#define EVIDENCE_MAX_TOTAL (256u << 20)   /* bytes; verify holds it in memory */
#define EVIDENCE_MAX_ENTRIES 20000        /* changes/ and answers/ are bounded below */
#define CHANGES_MAX_FILES 2000            /* files kept byte for byte in changes/ */
#define CHANGES_MAX_FILE (4u << 20)       /* bytes per changed file kept */
#define CHANGES_MAX_TOTAL (32u << 20)     /* bytes in changes/ altogether */
#define ANSWERS_MAX_FILES 200             /* answer files a candidate leaves */
#define ANSWERS_MAX_FILE (1u << 20)       /* bytes per answer file */
#define DELETED_MAX 10000                 /* entries in changes/.deleted */
#define COMMANDS_MAX 20000                /* execs kept in commands.jsonl */
#define ARGV_MAX_ARGS 256                 /* arguments kept per exec */
#define ARGV_MAX_BYTES 8192               /* bytes of argv kept per exec */
#define CAST_MAX_BYTES (8u << 20)         /* terminal output recorded */
#define SCRIPT_MAX_BYTES (1u << 20)       /* a run's candidate script */

/* Sessions: defaults and the operator's hard maxima. */
#define SESSION_DEFAULT_TIME_S 1800       /* a typical exam task */
#define SESSION_MAX_TIME_S (8 * 3600)     /* a working day */
#define SESSION_DEFAULT_DISK_MB 64        /* the writable layer */
#define SESSION_MAX_DISK_MB 4096
#define SESSION_DEFAULT_MEMORY_MB 512
#define SESSION_MAX_MEMORY_MB 8192
#define SESSION_DEFAULT_PROCS 256
#define SESSION_MAX_PROCS 4096
#define SESSION_DEFAULT_CPU_S 600
#define SESSION_MAX_CPU_S (8 * 3600)
#define SESSION_DEFAULT_NOFILE 1024
#define SESSION_INODES_PER_MB 256         /* inodes of the writable layer */
#define SESSION_TMP_MB 64                 /* /tmp and /dev/shm, each */

/* The grader worker. */
#define GRADER_MAX_SOURCE (1u << 20)      /* bytes of grade.lua */
#define GRADER_MEMORY (64u << 20)         /* bytes the Lua state may hold */
#define GRADER_INSTRUCTIONS 200000000ull  /* VM instructions (~1-2 s) */
#define GRADER_CPU_S 5                    /* RLIMIT_CPU of the worker */
#define GRADER_WALL_MS 10000              /* watchdog SIGKILL */
#define GRADER_MAX_READ (8u << 20)        /* bytes one lab.read may return */
#define GRADER_MAX_OUTPUT (1u << 20)      /* bytes of results from the worker */
#define GRADER_MAX_CHECKS 200
#define CHECK_MAX_MESSAGE 2000            /* bytes; a paragraph a candidate reads */
#define CHECK_MAX_TITLE 200
#define CHECK_MAX_WEIGHT 1000000          /* thousandths of a point */

#endif
