/* evidence: the signed evidence bundle: building manifest.json,
 * result.json and commands.jsonl from the session's records, sealing the
 * members with SHA256SUMS and its minisign signature into one canonical tar
 * written atomically, and verifying such a file.  jansson is used here and
 * not exposed.  It does not run sessions or graders. */
#ifndef LABRUN_EVIDENCE_H
#define LABRUN_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "runner/cast.h"
#include "runner/sign.h"

struct err;
struct buf;
struct tar_list;
struct scenario;
struct grader_result;
struct collect_report;
struct cred_identity;

struct ev_command {
	int64_t t_ms;   /* since the session started */
	int pid;        /* in the sandbox's pid namespace */
	char *path;     /* the program as named to execve */
	char **argv;    /* as read when the exec was notified */
	size_t argc;
	int argv_truncated; /* ARGV_MAX_ARGS or ARGV_MAX_BYTES reached */
	/* The command line the new program started with, compared with
	 * argv: 1 the same, 0 different (argv_run says what ran), -1 not
	 * checked (the program never called set_tid_address, or ended
	 * first) */
	int verified;
	char **argv_run;
	size_t argc_run;
	int exited;     /* 1 when exit_code is known */
	int exit_code;  /* exit_group status */
	/* What the kernel ran, named inside the sandbox (sbx_program): the
	 * program's file, or for a script the script; NULL when unknown (the
	 * exec failed, or the program never started).  A grader identifies a
	 * program by it, never by argv[0] (docs/validity.md, V2). */
	char *exe;
	char *interpreter; /* a script's interpreter, else NULL */
	char *link;     /* the link it was run through (/usr/bin/python3), when
			 * the candidate could not have made it; else NULL */
	char *cwd;      /* its working directory, NULL unknown */
	int trusted;    /* 1: neither exe (nor the interpreter) nor the way to
			 * them is the candidate's to write */
};

/* Free what a command record holds (and zero it). */
void ev_command_release(struct ev_command *c);

struct ev_limit {
	const char *name;      /* "memory_mb", "processes", ... */
	uint64_t value;
	const char *mechanism; /* "rlimit RLIMIT_AS", "tmpfs size", ... */
};

/* One injection of the scenario's fault plan. */
struct ev_fault {
	const char *id;
	const char *kind;   /* "file.replace", "process.kill", ... */
	char target[4112];  /* a path, or "service NAME" */
	char when[96];      /* "start", "at N s" after the candidate's start, or
			     * a syscall fault's schedule */
	unsigned triggered; /* how many times it took effect */
	char detail[128];   /* what it did, e.g. "truncated to 0 bytes" */
};

/* A limit that was hit during the session (the session went on). */
struct ev_limit_event {
	const char *limit;  /* "memory_mb", "processes", ... */
	const char *event;  /* "processes killed for memory", ... */
	uint64_t count;
};

/* A hint the candidate took (lab hint), as the supervisor recorded it. */
struct ev_hint {
	unsigned index;     /* 1-based, in hints.md order */
	unsigned cost;      /* thousandths of the score */
	int64_t at_ms;      /* since the candidate's start */
};

/* What a renewal renews: the old evidence as it said it (recert). */
struct ev_renewal {
	const char *digest;           /* hex SHA-256 of the old evidence file */
	const char *scenario_digest;  /* "sha256:HEX" it recorded, or NULL */
	const char *verdict;
	const char *issued;           /* RFC 3339, as recorded */
	const char *valid_until;      /* RFC 3339, or NULL */
};

/* A renewal's carried results (recert, docs/recert.md "Carried checks"):
 * what became of each check of the replay's grading.  carry.c fills it;
 * result.json records it. */
enum ev_carry_state {
	EV_JUDGED = 0,   /* judged by the replay's grader (a remediation) */
	EV_CARRIED,      /* a knowledge check: the renewed evidence's result */
	EV_UNCARRIED,    /* a knowledge check the renewed evidence lacks: error */
};

struct ev_carried {
	enum ev_carry_state state;
	char status[8];          /* EV_CARRIED: the renewed evidence's status */
	unsigned points, weight; /* and its points and weight, thousandths */
};

struct ev_carry {
	char from[80];           /* "sha256:HEX" of the evidence renewed */
	struct ev_carried *checks; /* one per check of the grading, in order */
	size_t n;
	unsigned carried, uncarried;
	unsigned hint_points;    /* what the renewed attempt's hints cost, as
				  * it recorded them: taken off the score too */
	char error[600];         /* when uncarried: why the verdict is error */
};

struct ev_info {
	const char *mode;             /* "run", "take", "replay" (regrade has its own) */
	int unsigned_directory;       /* the scenario was a source directory */
	const char *script_sha256;    /* run: hex digest of the script */
	const void *script;           /* run, replay: the script, kept as the
				       * member replay/script.sh */
	size_t script_len;            /* bytes */
	int replay_best_effort;       /* the script was derived from a command
				       * log (a replay of a take without a runbook) */
	const char *seed_source;      /* NULL: "derived" or "override" by
				       * seed_overridden; "replay": the renewed
				       * evidence's seed, kept */
	const struct ev_renewal *renews; /* a replay: written when it passes */
	const char *batch_jobs_digest;   /* labrun batch: hex SHA-256 of the job list */
	const char *batch_job;           /* and the job's id */
	const struct ev_carry *carry;    /* a replay: the checks carried over */
	const struct cred_identity *identity; /* the holder's identifier, hashed
					       * and salted (--identifier, or a
					       * replay's old one); NULL none */
	const char *replaces_credential; /* a replay: the id of the renewed
					  * evidence's credential, NULL none */
	const struct scenario *sc;
	const char *scenario_digest;  /* hex SHA-256 of the bundle bytes */
	const char *signer_keyid;     /* 16 hex digits, NULL for a directory */
	const char *candidate;        /* pseudonym */
	unsigned attempt;
	const char *seed_hex;
	int seed_overridden;          /* --seed was given */
	int64_t started_ms, ended_ms; /* wall clock, ms since the epoch */
	unsigned time_limit_s;
	unsigned time_factor_pct;     /* an accommodation: 150 for --time-factor 1.5; 100 none */
	const char *ended_by;         /* "exit", "timeout", "output-cap", "submit",
				       * "operator", "hangup", "error" */
	const struct ev_hint *hints;
	size_t nhints;
	int exit_status;              /* of the candidate's shell, -1 if none */
	const char *error;            /* infrastructure error, or NULL */
	const char *runner_version;
	const char *profile_digest;   /* hex SHA-256 of the sandbox profile */
	const struct ev_limit *limits;
	size_t nlimits;
	const struct ev_limit_event *limit_events;
	size_t nlimit_events;
	const struct ev_fault *faults;
	size_t nfaults;
	const struct grader_result *result;
	const char *verdict;          /* "pass", "fail", "error" */
	unsigned score;               /* thousandths */
	const struct ev_command *commands;
	size_t ncommands;
	int commands_truncated;
	const struct collect_report *collected;
	int cast_capped;
	struct cast_neutral cast_neutral; /* what the recorder neutralised */
};

/* manifest.json, result.json and commands.jsonl into members. */
int ev_add_records(struct tar_list *members, const struct ev_info *info,
		   struct err *e);

/* The registry directory (docs/registry.md) passes are issued under, for
 * every ev_seal after it: NULL or "" none.  A pass sealed with one gets a
 * status index, allocated in the registry's log before its credential is
 * built, recorded in manifest.json as credential_status and carried by the
 * credential as credentialStatus; the credential is then bound to it.  The
 * issuing key must be the registry's current key. */
void ev_set_registry(const char *dir);

/* Add SHA256SUMS and SHA256SUMS.minisig (trusted comment names scenario,
 * verdict and candidate) and write the canonical tar atomically at path.
 * Nothing exists at path on failure. */
int ev_seal(struct tar_list *members, const struct sign_sec *sk,
	    const char *trusted_comment, const char *path, struct err *e);
/* The same, the file's bytes into out (empty) instead of at a path: for a
 * caller that must put them somewhere else when its path fails. */
int ev_seal_bytes(struct tar_list *members, const struct sign_sec *sk,
		  const char *trusted_comment, struct buf *out, struct err *e);

/* Verify an evidence file against the issuer key: canonical bytes (any
 * changed byte anywhere is detected), only known member names, every
 * member listed in SHA256SUMS with the right digest, the signature valid,
 * manifest.json and result.json well-formed.  On success, report gets the
 * human summary of what the bundle proves. */
int ev_verify(const char *path, const struct sign_pub *issuer,
	      struct buf *report, struct err *e);

/* The same checks, with the summary as one JSON object for programs
 * ({"valid": true, "scenario": {...}, "verdict": ..., ...}, a final
 * newline) appended to json. */
int ev_verify_json(const char *path, const struct sign_pub *issuer,
		   struct buf *json, struct err *e);

/* verify --identity/--status (docs/registry.md): the issuer keys (any of
 * issuers may have signed), and with st, the signing key's period (a key
 * compromised or retired before the evidence was issued is refused) and
 * the credential's status in the lists given (revoked or suspended is
 * refused); the summary (report or json, one of them) says what was
 * checked. */
struct trust_keys;
struct status_list;
struct ev_status {
	const struct trust_keys *keys;     /* with periods, or NULL */
	struct status_list *const *lists;  /* read and checked */
	size_t nlists;
};
int ev_verify_status(const char *path, const struct sign_pub *issuers,
		     size_t n, const struct ev_status *st, struct buf *report,
		     struct buf *json, struct err *e);

/* {"valid": false, "file": path, "error": msg} for a refused file, so that
 * the command layer needs no JSON encoder of its own. */
int ev_invalid_json(const char *path, const char *msg, struct buf *out,
		    struct err *e);

/* ---- regrade ---- */

/* ev_verify's checks; on success the members are handed to the caller
 * (release with tar_list_release) and digest is the file's SHA-256. */
int ev_open(const char *path, const struct sign_pub *issuer,
	    struct tar_list *members, char digest[SIGN_SHA256_HEX],
	    struct err *e);

/* A verified evidence's session, as the grader saw it: what regrade
 * hands the grader again. */
struct ev_recorded {
	char scenario_id[160], scenario_version[64];
	char candidate[64];            /* pseudonym */
	char seed[130];                /* hex */
	char variant[80];              /* the scenario's variant, "" none */
	int seed_overridden;
	char ended_by[32];
	char verdict[8];
	char issued[32];
	unsigned attempt, score, time_limit_s;
	unsigned hint_points;          /* thousandths the hints cost */
	int exit_status;               /* -1 when none */
	int64_t started_ms, ended_ms;  /* as the context gave them */
	struct ev_command *commands;   /* from commands.jsonl */
	size_t ncommands;
	char **executable;             /* members collected with an execute bit */
	size_t nexecutable;
	int special_listing;           /* changes/.special lists special entries */
	int graded_incomplete;         /* $.collection.graded.complete false */
	/* for recertification (recert plan, batch) */
	char mode[16];                 /* produced_by.mode */
	char scenario_digest[80];      /* "sha256:HEX", "" none */
	char platform[80];
	char valid_until[32];          /* "" when null */
	unsigned pass_mark;
	/* What replays the session: "script" (replay/script.sh), "runbook"
	 * (answers/runbook.sh) or "commands" (derived from commands.jsonl,
	 * best effort).  From $.replay, or for files written before it
	 * existed, from the members present. */
	char replay_source[16];
	char replay_member[40];        /* "" for commands */
	int replay_best_effort;
	char renews_digest[80];        /* $.renews.digest, "" none */
	char regraded_from[80];        /* $.regraded_from.digest, "" none */
	char batch_job[80];            /* $.batch.job, "" none */
	char batch_jobs_digest[80];    /* $.batch.jobs_digest, "" none */
	/* the holder's hashed identifier ($.candidate.identifier), and the
	 * id of the evidence's credential (credential.json), "" none */
	int has_identity;
	char identity_type[32], identity_salt[40], identity_hash[80];
	char credential_id[200];
};

/* Read the session's facts from members (ev_open's, so already checked
 * against the schema); -1 ERR_REFUSED when they are not as labrun writes
 * them, and then r holds nothing (releasing it is harmless). */
int ev_recorded_load(const struct tar_list *members, struct ev_recorded *r,
		     struct err *e);
void ev_recorded_release(struct ev_recorded *r);

/* 1 when result.json of members has check id with this status and
 * points, 0 when not, -1 when it cannot be read. */
int ev_result_has(const struct tar_list *members, const char *id,
		  const char *status, unsigned points);

/* manifest.json and result.json of a regrade into members: the old
 * manifest (from old) with the new scenario, grading and verdict of info,
 * issued at regraded_ms, and regraded_from naming the old file by its
 * digest (hex) and its verdict. */
int ev_add_regrade_records(struct tar_list *members, const struct tar_list *old,
			   const struct ev_info *info, const char *old_digest,
			   int64_t regraded_ms, struct err *e);

#endif
