/* register: the host's register of running sessions (register.c). */
#ifndef LABRUN_REGISTER_H
#define LABRUN_REGISTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct err;

#define SESSIONS_MAX_LISTED 20000 /* entries of the register read at most */
#define STATE_DIR_DEFAULT "/run/labrun"

/* The state directory (docs/operators.md, "The state directory"): the
 * register and the work areas live in its sessions/, the sandbox's
 * skeleton in its skel/.  It is $LABRUN_STATE_DIR when set, else the
 * configuration's state_dir (from_config, "" or NULL for none), else
 * /run/labrun.  Commands call this once their configuration is read; a
 * path that is not absolute, holds "." or ".." or is longer than
 * STATE_DIR_MAX is refused (ERR_USAGE), naming where it came from.  The
 * session id slots are host-wide and never move (sandbox/sandbox.h). */
int register_state_dir_set(const char *from_config, struct err *e);
/* The state directory, and its sessions/ (the default until set). */
const char *register_state_dir(void);
const char *register_dir(void);

struct session_entry {
	char id[40];          /* the session's work area's name (hex) */
	pid_t pid;            /* the labrun that runs it */
	char mode[8];         /* run, take */
	char scenario[160];   /* "id version" */
	char candidate[24];   /* the pseudonym */
	int64_t started_ms;   /* wall clock */
	unsigned time_limit_s;
};

/* Enter a session that has just taken its lock; remove it at its end. */
int register_add(const struct session_entry *s, struct err *e);
void register_remove(const char *id);

/* Remove the entries of sessions no labrun runs any more (killed ones). */
int register_prune(struct err *e);

/* The sessions whose sandbox holds its lock now (*out malloc'd). */
int register_list(struct session_entry **out, size_t *n, struct err *e);

/* Ask the labrun that runs session id to end it (SIGTERM, through a pidfd,
 * once that process is seen to hold the session's lock); it is graded as
 * it stands, ended_by "operator".  *out says which session it was. */
int register_end(const char *id, struct session_entry *out, struct err *e);

#endif
