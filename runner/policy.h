/* policy: the deployment gate's policy file (docs/credentials.md, "The
 * deployment gate: labrun gate"): which changes (paths of a repository,
 * named actions) need which credentials (competencies at a minimum level,
 * or programs).  Strict and bounded: an unknown key is an error with a
 * "did you mean", every list and string has a limit, and every problem is
 * reported at once, "FILE: WHERE: WHAT; hint: ...". */
#ifndef LABRUN_POLICY_H
#define LABRUN_POLICY_H

#include <stddef.h>

struct err;
struct problems;

#define POLICY_SCHEMA "labrun-gate-policy/1"
#define POLICY_MAX_BYTES (64 * 1024) /* the policy file */
#define POLICY_MAX_RULES 64
#define POLICY_MAX_ITEMS 64        /* patterns, actions, competencies, programs of a rule */
#define POLICY_MAX_PATTERN 255     /* bytes of a path pattern */
#define POLICY_MAX_ACTION 64       /* bytes of an action name */
#define POLICY_MAX_NAME 64         /* rule, competency and program names */

/* The levels, lowest first (the scenario manifest's level). */
extern const char *const policy_levels[];
/* The rank of a level in policy_levels, or -1 when it is not one. */
int policy_level_rank(const char *level);

struct policy_rule {
	char name[POLICY_MAX_NAME + 1];
	char **paths;   /* glob patterns: '*', '?', a whole "**" component */
	size_t npaths;
	char **actions; /* exact names: "policy deploy" */
	size_t nactions;
	/* what it requires: competencies (each one) at level_min or above,
	 * or programs (each one, level_min or above when given) */
	char **competencies;
	size_t ncompetencies;
	char **programs;
	size_t nprograms;
	int level_min; /* rank; 0 (foundation) when not given */
	int level_given;
};

struct policy {
	struct policy_rule *rules;
	size_t n;
};

/* Parse a policy (len bytes, named file in messages).  0, or -1 with
 * every problem in pb and e saying how many (ERR_REFUSED; ERR_HOST when
 * memory ran out). */
int policy_parse(const void *text, size_t len, const char *file,
		 struct policy *out, struct problems *pb, struct err *e);
/* The same from a file of at most POLICY_MAX_BYTES. */
int policy_load(const char *path, struct policy *out, struct problems *pb,
		struct err *e);
void policy_release(struct policy *p);

/* Does a repository path ("policies/prod/a.json") match a pattern ("*.tf",
 * "deploy/?/x", or "policies/" and a "**" component)?  '*' and '?' never
 * match '/'; a "**" component matches any number of components, none
 * included.  1 yes, 0 no. */
int policy_glob_match(const char *pattern, const char *path);
/* Is a pattern one the parser accepts?  NULL, or why not. */
const char *policy_pattern_problem(const char *pattern);

#endif
