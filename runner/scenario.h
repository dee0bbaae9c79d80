/* scenario: the scenario source as data: scenario.json (schema v1),
 * brief.md, hints.md and the layout of the tree, checked all at once.
 *
 * It works on a struct tar_list (the files of a directory or of an opened
 * bundle) so that a directory and a bundle are checked the same way.  It
 * does not read the disk, run the grader, or know about sandboxes.  jansson
 * is used here and not exposed.  The fault plan's kinds and their checks
 * are faultkinds.h's; the checking toolkit is schema.h's. */
#ifndef LABRUN_SCENARIO_H
#define LABRUN_SCENARIO_H

#include <stddef.h>

/* struct fault and its kinds; struct problems (what a load reports) */
#include "runner/faultkinds.h"
#include "runner/schema.h"

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

/* Check every part of a scenario tree and fill out when there is no
 * problem.  Returns 0 when valid; -1 with every problem in p (and out left
 * empty, e ERR_REFUSED); -1 with p empty and e filled on a host failure.  max_depth bounds
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
/* As scenario_load, for validate: with problems (-1, ERR_REFUSED) out
 * still holds what could be read, for the checks that need only part of
 * it (agentd's own check of the platform); the caller releases it either
 * way.  On a host failure out is empty. */
int scenario_check(const struct tar_list *files, unsigned max_depth,
		   struct scenario *out, struct problems *p, struct err *e);
void scenario_release(struct scenario *s);

/* The limits a scenario gets for the keys it leaves out of "limits"
 * (SESSION_DEFAULT_* in limits.h). */
extern const struct scenario_limits scenario_default_limits;

#endif
