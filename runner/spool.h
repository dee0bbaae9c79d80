/* spool: where no attempt is lost (docs/operators.md, "What survives what").
 * Every session leaves a record of itself in the spool while it runs
 * (ID.attempt); when its evidence is written where it was asked for, the
 * record goes.  Evidence that cannot be written there (a full disk, an I/O
 * error, its directory removed during the exam) is sealed into the spool
 * instead (ID.ev, beside ID.spooled saying where it was meant to go and
 * why it is here).  A record whose session no labrun runs any more (the
 * labrun was killed, the host restarted) becomes ID.lost when the spool is
 * next looked at: the attempt is an error with what is known of it, never
 * silently dropped.  Operators list, fetch and clear with `labrun spool`.
 * The spool should be on storage that survives a restart
 * (/var/lib/labrun/spool by default); it does not grade or sign anything. */
#ifndef LABRUN_SPOOL_H
#define LABRUN_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct err;

#define SPOOL_DIR_DEFAULT "/var/lib/labrun/spool"

/* $LABRUN_SPOOL_DIR, else the configuration's spool_dir (from_config, ""
 * or NULL for none), else SPOOL_DIR_DEFAULT; refused (ERR_USAGE) when not
 * an absolute path of at most STATE_DIR_MAX bytes. */
int spool_dir_set(const char *from_config, struct err *e);
const char *spool_dir(void);

/* Make the spool (0700) and check it can be written: before any brief or
 * sandbox, so that a session never starts without a place for its
 * evidence.  ERR_HOST naming the directory and the fix. */
int spool_ready(struct err *e);

/* What is known of an attempt while it runs. */
struct spool_attempt {
	char id[40];            /* the session's id */
	char mode[8];           /* run, take, replay */
	char scenario[160];     /* "id version" */
	char candidate[24];     /* the pseudonym */
	int64_t started_ms;
	unsigned time_limit_s;
	int pid;                /* the labrun that runs it */
	char lock[4096];        /* the lock it holds while it runs */
	char out[4096];         /* where its evidence is to go */
	char bundle[4096];      /* what ran */
	char digest[72];        /* sha256:HEX of the bundle */
};

int spool_attempt_begin(const struct spool_attempt *a, struct err *e);
/* The evidence is where it belongs: the record goes. */
void spool_attempt_end(const char *id);
/* The path to seal evidence the session could not write at its -o into. */
void spool_evidence_path(const char *id, char *out, size_t size);
/* The evidence is sealed in the spool: say where it was meant to go and
 * why it is here (the record of the attempt becomes ID.spooled). */
int spool_attempt_spooled(const char *id, const char *verdict, const char *why,
			  struct err *e);

/* The session ended without evidence anywhere (the host failed at its
 * end): the record becomes ID.lost with why. */
int spool_attempt_lost(const char *id, const char *why, struct err *e);

/* Turn the records of attempts no labrun runs any more into ID.lost;
 * *found says how many.  Every session start does it. */
int spool_reap(unsigned *found, struct err *e);

/* One item an operator must see. */
struct spool_item {
	char id[40];
	int lost;               /* 1: ID.lost, 0: ID.spooled (with ID.ev) */
	char mode[8], scenario[160], candidate[24], verdict[8];
	int64_t started_ms, at_ms; /* started; spooled or found lost */
	char out[4096];         /* where the evidence was meant to go */
	char why[512];
	char evidence[4096];    /* the spooled evidence's path, "" if lost */
};

/* spool_reap, then what is in the spool, oldest first. */
int spool_list(struct spool_item **out, size_t *n, unsigned *found,
	       struct err *e);
/* Move a spooled evidence to path (refused if something is there). */
int spool_fetch(const char *id, const char *path, struct err *e);
/* Take a lost attempt off the list (it was dealt with). */
int spool_clear(const char *id, struct err *e);

#endif
