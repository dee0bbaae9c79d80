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
#define TRUST_MAX_KEYS 256                /* *.pub in a --trust directory: a team's authors */
#define BUNDLE_MAX_DIR_DEPTH 64           /* directory levels pack descends; one fd each */
#define TAR_ENTRY_OVERHEAD 2048           /* bytes per member beyond its data: headers, padding */
#define TAR_ARCHIVE_SLACK (1u << 20)      /* bytes: end-of-archive blocks and record padding */

/* The most an operator may raise the bundle limits to with --limit. */
#define LIMIT_MAX_ENTRIES 1000000         /* the member list itself is held in memory */
#define LIMIT_MAX_BYTES (4ull << 30)      /* bytes; a bundle is held in memory whole */
#define LIMIT_MAX_DEPTH 1024              /* JSON nesting; jansson recurses per level */

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
#define CAST_MAX_FILE_FACTOR 4            /* cast event bytes per byte of output: escapes and tiny events stay bounded */
#define CAST_MAX_FILE_SLACK (64u << 10)   /* cast event bytes beyond that: framing room for small caps */
#define CAST_MAX_STRING 4096              /* bytes of an OSC, DCS, APC, PM or SOS string the recorder drops whole: titles, links and queries are far shorter; past it the rest is recorded as text, so an unclosed string cannot hide the session */
#define CAST_MAX_SEQ 256                  /* bytes of one escape or CSI sequence held until its final byte: terminals keep 16 to 32 parameters */
#define ANSWERS_MAX_TOTAL (8u << 20)      /* bytes in answers/ altogether: keeps the evidence under EVIDENCE_MAX_TOTAL */
#define COMMANDS_MAX_LOG (32u << 20)      /* bytes of commands.jsonl: escaped argv can grow 6x */
#define COLLECT_MAX_ENTRIES (SESSION_MAX_DISK_MB * SESSION_INODES_PER_MB) /* directory entries examined: every inode the largest writable layer can hold, so the walk bounds time and memory yet no candidate can cut it short */
#define COLLECT_MAX_DEPTH 64              /* directory levels walked below the upper layer */
#define COLLECT_MAX_PATH 3072             /* bytes of an encoded path: a member name stays under BUNDLE_MAX_NAME */
#define COLLECT_MAX_REFUSED 1000          /* refusals listed in the manifest; more sets truncated */
/* The graded part of changes/ (docs/validity.md, V3): what the grader
 * touched and what services own, beside the candidate's CHANGES_MAX_* and
 * never consumed by the candidate's files.  With the caps above it keeps
 * the evidence under EVIDENCE_MAX_TOTAL (checked in collect.c). */
#define COLLECT_GRADED_FILES 5000         /* graded files and changes/.special lines: a grader touches at most GRADER_MAX_READS paths, services write dozens */
#define COLLECT_GRADED_FILE GRADER_MAX_READ /* bytes per graded file kept; a larger one lab.read refuses, so its size is kept instead */
#define COLLECT_GRADED_TOTAL (48u << 20)  /* bytes of graded files and .special lines: six of the largest files lab.read returns */

#define STATE_DIR_MAX 128                 /* bytes of the state directory's path: the sandbox's mount options name four paths below it in one page */

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
#define SESSION_INODES_PER_MB 256u        /* inodes of the writable layer */
#define SESSION_TMP_MB 64u                /* /tmp and /dev/shm, each */
#define SESSION_MIN_TIME_S 10             /* less is a typo, not an exam */
#define SESSION_MIN_MEMORY_MB 16          /* a shell and the simulator need this */
#define SESSION_MIN_PROCS 8               /* init, shell, simulator, a pipeline */
#define SESSION_MIN_NOFILE 16             /* stdio and a few files */
#define SESSION_MAX_NOFILE 65536          /* the usual hard RLIMIT_NOFILE */
#define SHELL_TIME_S 86400                /* labrun shell: no exam's limit, but an end */

/* Scenario sources (scenario.json schema v1 and its neighbours). */
#define SCENARIO_MAX_TITLE 200            /* bytes; one line in a listing */
#define SCENARIO_MAX_VERSION 128          /* bytes of a semver; it names files */
#define SCENARIO_MAX_COMPETENCIES 32      /* a scenario tests a few skills */
#define SCENARIO_MAX_VALID_DAYS 3650      /* ten years; recertify sooner */
#define SCENARIO_MAX_HINTS 32            /* hints of one scenario */
#define SCENARIO_MAX_SERVICES 16          /* daemons of one simulated platform */
#define SCENARIO_MAX_VARIANTS 64          /* variants of one scenario */
#define SERVICE_MAX_ARGS 64               /* arguments of one service */
#define SERVICE_MAX_ARG 4096              /* bytes of one argument: PATH_MAX */
#define SERVICE_MAX_OWNS 64               /* paths one service owns */
#define SCENARIO_MAX_FAULTS 64            /* injections in one fault plan */
#define FAULT_MAX_GARBAGE (1u << 20)      /* bytes of garbage one fault writes */
#define FAULT_MAX_COUNT 1000000000ull     /* after, every, limit of a syscall fault */
#define FAULT_MAX_DELAY_MS 60000          /* one delayed call */
#define FAULT_MAX_CRASHES 1000ull         /* process.crashloop: times */
#define FAULT_MAX_PROGRAMS 4096           /* programs a plan counts calls of */
#define FAULT_MAX_FREE 65536ull           /* disk faults: KiB or inodes left */
#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
#define SESSION_DISK_FAULT_MB 64u         /* a disk fault's tmpfs while it is filled */
#define FAULT_MAX_CLOCK_S 315576000ll     /* clock.offset: ten years */
#define SCENARIO_PER_MILLE 1000           /* pass marks, hint costs: thousandths */
#define SOLUTION_HEADER_LINES 5           /* where wrong-*.sh says what it fails */
#define PROBLEMS_MAX 200                  /* more is noise: fix these first */
#define PROBLEM_MAX_QUOTE 80              /* bytes of an author's text echoed */

/* Recertification: recert plan, batch, recert report. */
#define RECERT_MAX_FILES 1000000          /* evidence or bundles in one directory: names held in memory */
#define RECERT_MAX_WITHIN_DAYS 3650       /* the expiring window: at most a pass's longest validity */
#define BATCH_MAX_JOBS 1000000            /* jobs in one list: a few hundred bytes each in memory */
#define BATCH_MAX_LIST (256u << 20)       /* bytes of a job list, read whole */
#define BATCH_MAX_LINE (64u << 10)        /* bytes of one job line or one log line */
#define BATCH_MAX_LOG (256u << 20)        /* bytes of batch.log recert report reads */
#define BATCH_MAX_WORKERS 256             /* -j: sessions at once on one machine */
#define BATCH_MAX_SHARDS 1000000          /* --shards N: an array engine's largest arrays are smaller */
#define BATCH_PROGRESS_S 10               /* off a terminal, a progress line this often */

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
#define GRADER_MAX_LIST 10000             /* names one lab.list returns; a config dir holds dozens */
#define GRADER_MAX_PRINT (64u << 10)      /* bytes of print() relayed; a debugging aid, not a channel */
#define RESTS_MAX_ENTRIES 200            /* commands or lines tried one at a time per fact: a runbook's length */
#define RESTS_MAX_GRADINGS 800           /* grader runs of selftest's analysis (~20 ms each) */
#define GRADER_MAX_READS 4096             /* distinct paths whose reads are recorded; graders read dozens */
#define GRADER_MAX_READS_BYTES (256u << 10) /* bytes of those paths, inside GRADER_MAX_OUTPUT */
#define GRADER_NOFILE 32                  /* descriptors of the worker: two pipes, the root, a file */
#define GRADER_AS_SLACK (256u << 20)      /* bytes of address space beyond the Lua heap: code, libc, jansson */

/* labrun stats (docs/stats.md) */
#define STATS_MAX_FILES 100000            /* evidence files read: a large cohort, verified one at a time */
#define STATS_MAX_DEPTH 8                 /* directory levels walked: a store by scenario and date */

#endif
