/* policy: the platform's tool-access policies: parse and check a policy
 * document, decide a tool call, and diff two versions rule by rule.
 *
 * A policy is a versioned, declarative list of rules, first match wins;
 * every rule has an id, so a decision names the rule that made it.  This
 * module knows nothing of the platform's state or of files: the engine
 * (sim_int.h) keeps the versions and the history. */
#ifndef LABRUN_POLICY_H
#define LABRUN_POLICY_H

#include <stddef.h>

#include "base/util.h"

enum pol_effect { POL_ALLOW, POL_DENY, POL_ESCALATE };

struct pol_rule {
	char *id;              /* ^[a-z0-9][a-z0-9._-]{0,63}$, unique */
	enum pol_effect effect;
	char **roles, **tools; /* patterns: '*' matches any run of characters */
	size_t nroles, ntools;
	char *note;            /* optional: why the rule exists */
};

struct pol_policy {
	unsigned version;      /* 1 to SIM_MAX_POLICIES */
	char *description;
	enum pol_effect fallback; /* "default": when no rule matches */
	struct pol_rule *rules;
	size_t nrules;
};

/* Parse and check a policy document; name is how messages call it.  On
 * failure every problem is appended to why ("NAME: $.rules[2].effect:
 * ...") and -1 returned. */
int pol_parse(const char *text, size_t len, const char *name,
	      struct pol_policy *out, struct buf *why);
void pol_release(struct pol_policy *p);

/* The effect for a role calling a tool, and the rule that decided (NULL:
 * the default). */
enum pol_effect pol_decide(const struct pol_policy *p, const char *role,
			   const char *tool, const struct pol_rule **rule);

/* What changed from a to b, one line per rule ("+ id", "- id", "~ id:
 * what"), in b's order then a's removed rules; 0 lines when identical. */
size_t pol_diff(const struct pol_policy *a, const struct pol_policy *b,
		struct buf *out);

/* A rule id, or any name of the platform (agents, tools, models):
 * ^[a-z0-9][a-z0-9._-]{0,63}$ */
int pol_id_ok(const char *s);

/* '*' glob, iterative (no backtracking blow-up). */
int pol_match(const char *pattern, const char *s);

const char *pol_effect_name(enum pol_effect e);

#endif
