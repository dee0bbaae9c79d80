/* sim_cmd_policy: the policy command: status, history, show and diff of
 * the versions, validate and apply (a version on file, or a new one the
 * operator hands over, stored beside the others), rollback. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "scenarios/platform/sim_int.h"

/* "vN" or "N" for a version that exists; 0 otherwise. */
static unsigned version_arg(struct sim *s, const char *a)
{
	uint64_t v;

	if (a[0] == 'v')
		a++;
	if (parse_u64(a, 1, SIM_MAX_POLICIES, &v) < 0 || !s->pv[v].present)
		return 0;
	return (unsigned)v;
}

static int is_version_word(const char *a)
{
	uint64_t v;

	return a[0] == 'v' && parse_u64(a + 1, 1, SIM_MAX_POLICIES, &v) == 0;
}

/* Checks beyond the document's shape: rules that can never match what
 * this platform has, and rules hidden behind earlier ones. */
static void policy_lint(struct sim *s, const struct pol_policy *p, struct buf *out)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct pol_rule *r = &p->rules[i];
		int role = 0, tool = 0;

		for (size_t a = 0; a < s->nagents && !role; a++)
			for (size_t k = 0; k < r->nroles; k++)
				role |= pol_match(r->roles[k], s->agents[a].role);
		for (size_t t = 0; t < s->ntools && !tool; t++)
			for (size_t k = 0; k < r->ntools; k++)
				tool |= pol_match(r->tools[k], s->tools[t].id);
		if (!role)
			buf_printf(out, NULL, "warning: rule %s matches no agent's role\n", r->id);
		if (!tool)
			buf_printf(out, NULL, "warning: rule %s matches no tool\n", r->id);
	}
}

static int load_operator_policy(struct ctx *x, struct pol_policy *p)
{
	struct buf why = BUF_INIT;
	int rc;

	if (!x->file)
		return sim_fail(x, 2, "%s is neither a version (vN) nor a file agentctl could read", x->argv[2]);
	rc = pol_parse(x->file->data, x->file->len, x->file->name, p, &why);
	if (rc < 0) {
		buf_printf(&x->r->err, NULL, "%s", (char *)why.data);
		buf_printf(&x->r->err, NULL, "agentctl: %s is not a valid policy\n", x->file->name);
	}
	buf_release(&why);
	return rc < 0 ? 1 : 0;
}

int sim_cmd_policy(struct ctx *x)
{
	struct sim *s = x->s;
	const char *sub = x->argc > 1 ? x->argv[1] : "status";
	char when[32];
	unsigned v;

	if (strcmp(sub, "status") == 0) {
		const struct pol_policy *p = &s->pv[s->active].pol;

		OUT(x, "active policy v%u: %s\n%zu rules, default %s\n", s->active,
		    p->description ? p->description : "(no description)", p->nrules,
		    pol_effect_name(p->fallback));
		return 0;
	}
	if (strcmp(sub, "history") == 0) {
		OUT(x, "%-26s %-8s %-10s %-10s %s\n", "WHEN", "VERSION", "HOW", "BY", "");
		for (size_t i = 0; i < s->nhist; i++) {
			sim_ts(s->hist[i].t_ms, when);
			OUT(x, "%-26s v%-7u %-10s %-10s %s\n", when, s->hist[i].version,
			    s->hist[i].how, s->hist[i].by,
			    i + 1 == s->nhist ? "(active)" : "");
		}
		OUT(x, "versions on file: v1 to v%u\n", s->maxver);
		return 0;
	}
	if (strcmp(sub, "show") == 0) {
		const struct pol_policy *p;

		if (x->argc > 3)
			return sim_fail(x, 2, "usage: agentctl policy show [vN]");
		v = x->argc == 3 ? version_arg(s, x->argv[2]) : s->active;
		if (!v)
			return sim_fail(x, 1, "no policy version %s; `agentctl policy history` lists them", x->argv[2]);
		p = &s->pv[v].pol;
		OUT(x, "policy v%u%s: %s\n", v, v == s->active ? " (active)" : "",
		    p->description ? p->description : "");
		for (size_t i = 0; i < p->nrules; i++) {
			const struct pol_rule *r = &p->rules[i];

			OUT(x, "%3zu  %-28s %-9s roles ", i + 1, r->id, pol_effect_name(r->effect));
			for (size_t k = 0; k < r->nroles; k++)
				OUT(x, "%s%s", k ? "," : "", r->roles[k]);
			OUT(x, "  tools ");
			for (size_t k = 0; k < r->ntools; k++)
				OUT(x, "%s%s", k ? "," : "", r->tools[k]);
			OUT(x, "\n");
		}
		OUT(x, "     default: %s\n", pol_effect_name(p->fallback));
		return 0;
	}
	if (strcmp(sub, "diff") == 0) {
		unsigned a, b;

		if (x->argc != 3 && x->argc != 4)
			return sim_fail(x, 2, "usage: agentctl policy diff vA [vB]   (vB: the active version)");
		a = version_arg(s, x->argv[2]);
		b = x->argc == 4 ? version_arg(s, x->argv[3]) : s->active;
		if (!a || !b)
			return sim_fail(x, 1, "no policy version %s; `agentctl policy history` lists them",
					!a ? x->argv[2] : x->argv[3]);
		OUT(x, "--- v%u\n+++ v%u\n", a, b);
		if (pol_diff(&s->pv[a].pol, &s->pv[b].pol, &x->r->out) == 0)
			OUT(x, "(no difference)\n");
		return 0;
	}
	if (strcmp(sub, "validate") == 0 || strcmp(sub, "apply") == 0) {
		int apply = sub[0] == 'a';
		struct pol_policy np = {0};
		const struct pol_policy *p;

		if (x->argc != 3)
			return sim_fail(x, 2, "usage: agentctl policy %s vN|FILE", sub);
		if (is_version_word(x->argv[2])) {
			v = version_arg(s, x->argv[2]);
			if (!v)
				return sim_fail(x, 1, "no policy version %s; `agentctl policy history` lists them", x->argv[2]);
			p = &s->pv[v].pol;
		} else {
			if (load_operator_policy(x, &np))
				return 1;
			v = np.version;
			p = &np;
			if (v != s->maxver + 1) {
				pol_release(&np);
				return sim_fail(x, 1, "%s: $.version: is %u; a new policy takes the next version, %u",
						x->file->name, v, s->maxver + 1);
			}
		}
		if (!apply) {
			OUT(x, "v%u: valid: %zu rules, default %s\n", v, p->nrules,
			    pol_effect_name(p->fallback));
			policy_lint(s, p, &x->r->out);
			pol_release(&np);
			return 0;
		}
		if (v == s->active) {
			pol_release(&np);
			return sim_fail(x, 1, "v%u is already the active policy", v);
		}
		if (p == &np) {
			char path[PATH_MAX], *dir = sim_beside(s, s->config, "policies");
			struct err e = {0};

			if (!dir) {
				pol_release(&np);
				return sim_fail(x, 1, "cannot store the new version: out of memory");
			}
			snprintf(path, sizeof path, "%s/v%u.json", dir, v);
			free(dir);
			if (!s->replaying &&
			    write_file_atomic(path, x->file->data, x->file->len, 0644, &e) < 0) {
				pol_release(&np);
				return sim_fail(x, 1, "cannot store the new version: %s", e.msg);
			}
			s->pv[v].pol = np;
			s->pv[v].present = 1;
			s->maxver = v;
		}
		sim_policy_activate(s, v, x->actor, "apply", &x->op);
		OUT(x, "v%u is now the active policy\n", v);
		return 0;
	}
	if (strcmp(sub, "rollback") == 0) {
		if (x->argc != 2)
			return sim_fail(x, 2, "usage: agentctl policy rollback");
		if (s->nhist < 2)
			return sim_fail(x, 1, "the history holds no earlier version");
		v = s->hist[s->nhist - 2].version;
		if (v == s->active)
			return sim_fail(x, 1, "the version before the active one is the same version, v%u", v);
		sim_policy_activate(s, v, x->actor, "rollback", &x->op);
		OUT(x, "rolled back: v%u is now the active policy\n", v);
		return 0;
	}
	return sim_fail(x, 2, "usage: agentctl policy status|history|show|diff|validate|apply|rollback");
}

