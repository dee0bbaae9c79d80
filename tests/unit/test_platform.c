/* test_platform: the simulated platform's policy engine (parse, check,
 * decide, diff, globs) and sim_check on the test platform and on broken
 * ones.  The operator commands, through the engine, are
 * test_platform_cmds.c; the daemon, the CLI and the faults are
 * tests/e2e/2330. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "scenarios/platform/policy.h"
#include "scenarios/platform/sim.h"
#include "tests/unit/tap.h"

static int parse(const char *text, struct pol_policy *p, struct buf *why)
{
	why->len = 0;
	return pol_parse(text, strlen(text), "p.json", p, why);
}

static void test_glob(void)
{
	ok(pol_match("*", ""), "* matches the empty name");
	ok(pol_match("web.*", "web.fetch"), "web.* matches web.fetch");
	ok(!pol_match("web.*", "webfetch"), "web.* does not match webfetch");
	ok(pol_match("*.*.*", "a.b.c"), "several stars");
	ok(!pol_match("a*b", "a"), "a*b needs its b");
	{
		char s[4001];

		memset(s, 'a', 4000);
		s[4000] = '\0';
		ok(!pol_match("*a*a*a*a*a*a*a*a*b", s), "a backtracking pattern ends (and fails)");
	}
}

static void test_parse(void)
{
	struct pol_policy p = {0};
	struct buf why = BUF_INIT;

	ok(parse("{\"version\": 2, \"default\": \"deny\", \"rules\": ["
		 "{\"id\": \"deny-x\", \"effect\": \"deny\", \"roles\": [\"*\"], \"tools\": [\"x.*\"]},"
		 "{\"id\": \"allow-r\", \"effect\": \"allow\", \"roles\": [\"r\"], \"tools\": [\"*\"]}]}",
		 &p, &why) == 0, "a valid policy parses");
	{
		const struct pol_rule *r;

		ok(pol_decide(&p, "r", "x.y", &r) == POL_DENY && r && !strcmp(r->id, "deny-x"),
		   "the first matching rule decides");
		ok(pol_decide(&p, "r", "web", &r) == POL_ALLOW && !strcmp(r->id, "allow-r"),
		   "a later rule when the first does not match");
		ok(pol_decide(&p, "s", "web", &r) == POL_DENY && r == NULL,
		   "the default when no rule matches");
	}
	pol_release(&p);
	ok(parse("{\"version\": 1, \"rules\": [{\"id\": \"a\", \"effect\": \"maybe\", \"roles\": [\"*\"], \"tools\": [\"*\"]}]}",
		 &p, &why) < 0 && strstr((char *)why.data, "p.json: $.rules[0].effect: must be allow, deny or escalate"),
	   "a bad effect is named by its JSON path");
	ok(parse("{\"version\": 1, \"rules\": [{\"id\": \"a\", \"effect\": \"deny\", \"roles\": [\"*\"], \"tools\": [\"*\"]},"
		 "{\"id\": \"a\", \"effect\": \"deny\", \"roles\": [\"*\"], \"tools\": [\"*\"]}]}",
		 &p, &why) < 0 && strstr((char *)why.data, "ids must be unique"),
	   "duplicate rule ids are refused");
	ok(parse("{\"version\": 1, \"rules\": [], \"colour\": 1}", &p, &why) < 0 &&
	   strstr((char *)why.data, "$.colour: unknown key"), "unknown keys are errors");
	ok(parse("{\"version\": 1, \"version\": 2, \"rules\": []}", &p, &why) < 0 &&
	   strstr((char *)why.data, "line 1"), "duplicate keys are refused with their place");
	ok(parse("[1,2", &p, &why) < 0 && strstr((char *)why.data, "line 1 column"),
	   "truncated JSON names line and column");
	ok(parse("{\"version\": 1, \"rules\": [{\"id\": \"a\", \"effect\": \"deny\", \"roles\": [\"Ro le\"], \"tools\": [\"*\"]}]}",
		 &p, &why) < 0 && strstr((char *)why.data, "roles[0]"), "a bad pattern is refused");
	buf_release(&why);
}

static void test_diff(void)
{
	struct pol_policy a = {0}, b = {0};
	struct buf why = BUF_INIT, out = BUF_INIT;

	parse("{\"version\": 1, \"rules\": [{\"id\": \"r1\", \"effect\": \"allow\", \"roles\": [\"*\"], \"tools\": [\"a\"]},"
	      "{\"id\": \"r2\", \"effect\": \"allow\", \"roles\": [\"*\"], \"tools\": [\"b\"]}]}", &a, &why);
	parse("{\"version\": 2, \"rules\": [{\"id\": \"r0\", \"effect\": \"deny\", \"roles\": [\"*\"], \"tools\": [\"c\"]},"
	      "{\"id\": \"r1\", \"effect\": \"deny\", \"roles\": [\"*\"], \"tools\": [\"a\"]}]}", &b, &why);
	ok(pol_diff(&a, &b, &out) == 4, "added, changed, moved and removed rules: 4 lines");
	ok(strstr((char *)out.data, "+ r0 (rule 1)") && strstr((char *)out.data, "~ r1: effect allow -> deny") &&
	   strstr((char *)out.data, "- r2 (was rule 2)"), "each line names the rule");
	out.len = 0;
	ok(pol_diff(&a, &a, &out) == 0, "a version against itself: no difference");
	pol_release(&a);
	pol_release(&b);
	buf_release(&why);
	buf_release(&out);
}

static void test_check(const char *top)
{
	char path[4096];
	struct buf why = BUF_INIT;

	snprintf(path, sizeof path, "%s/tests/fixtures/platform/etc/agentd/platform.json", top);
	ok(sim_check(path, NULL, &why) == 0, "the test platform is valid");
	ok(sim_check(path, "[{\"id\": \"f\", \"kind\": \"platform.tool_outage\", \"tool\": \"web.fetch\", \"at_s\": 60}]",
		     &why) == 0, "a valid fault plan");
	ok(sim_check(path, "[{\"id\": \"f\", \"kind\": \"platform.model_drift\", \"model\": \"planner\", \"version\": \"9\"}]",
		     &why) == 1 && strstr((char *)why.data, "$[0].version"), "a model version that does not exist");
	why.len = 0;
	ok(sim_check(path, "[{\"id\": \"f\", \"kind\": \"platform.tool_slow\", \"tool\": \"web.fetch\", \"at_s\": 60, \"until_s\": 30, \"latency_ms\": 5}]",
		     &why) == 1 && strstr((char *)why.data, "until_s: must be after at_s"), "an impossible schedule");
	why.len = 0;
	ok(sim_check(path, "[{\"id\": \"f\", \"kind\": \"platform.clock_skew\", \"tool\": \"web.fetch\", "
		     "\"offset_ms\": -9223372036854775808}]", &why) == 1 &&
	   strstr((char *)why.data, "$[0].offset_ms: must be a non-zero integer"),
	   "platform-clock-skew-offset-llong-min is refused, not taken as 0");
	why.len = 0;
	ok(sim_check(path, "[{\"id\": \"f\", \"kind\": \"platform.clock_skew\", \"tool\": \"web.fetch\", "
		     "\"offset_ms\": -86400000}]", &why) == 0, "a day behind is a skew");
	why.len = 0;
	ok(sim_check(path, "{", &why) == 1, "a plan that is not JSON");
	why.len = 0;
	ok(sim_check("/nonexistent/platform.json", NULL, &why) >= 1 &&
	   strstr((char *)why.data, "/nonexistent/platform.json"), "a missing config is named");
	ok(sim_fault_known("platform.agent_loop") && !sim_fault_known("platform.nope"),
	   "the platform's fault kinds are known by name");
	buf_release(&why);
}

/* A platform.json with one tool line and one model line of the test's
 * choosing, in dir (with its policies/v1.json); returns sim_check's count
 * of problems for the plan, the problems in why. */
static int check_with(const char *dir, const char *tool, const char *model,
		      const char *extra, const char *plan, struct buf *why)
{
	char path[4200], pol[4200];
	FILE *f;

	snprintf(pol, sizeof pol, "%s/policies", dir);
	mkdir(pol, 0700);
	snprintf(pol, sizeof pol, "%s/policies/v1.json", dir);
	f = fopen(pol, "w");
	if (!f)
		return -1;
	fputs("{\"version\": 1, \"default\": \"allow\", \"rules\": []}", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/platform.json", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"platform\": \"agentsim-2\", \"start\": \"2026-03-12T13:00:00Z\", %s\n"
		"\"models\": [%s],\n\"tools\": [%s],\n"
		"\"agents\": [{\"id\": \"a\", \"role\": \"r\", \"model\": \"m\", \"tools\": [\"t\"]}],\n"
		"\"workload\": [{\"id\": \"k\", \"role\": \"r\", \"steps\": [\"t\"]}], \"policy\": 1}\n",
		extra, model, tool);
	fclose(f);
	why->len = 0;
	return sim_check(path, plan, why);
}

#define MODEL "{\"id\": \"m\", \"versions\": [{\"id\": \"v1\", \"quality\": 990}, {\"id\": \"v2\", \"quality\": 400}], \"active\": \"v1\", \"gate\": {\"min_quality\": 900}}"
#define TOOL "{\"id\": \"t\", \"risk\": 60, \"side_effect\": true, \"adapters\": [{\"version\": \"1.0.0\"}, {\"version\": \"2.0.0\", \"bad_args_pm\": 500, \"drops_keys\": true}], \"adapter\": \"1.0.0\"}"

/* The config keys and faults of gates, adapters and thresholds: valid
 * ones pass, each bad one is named by its JSON path. */
static void test_features(void)
{
	char dir[] = "/tmp/labrun-test-platform.XXXXXX", *d = mkdtemp(dir);
	struct buf why = BUF_INIT;
	int n;

	if (!d) {
		ok(0, "mkdtemp");
		return;
	}
	ok(check_with(d, TOOL, MODEL, "\"auto_approve_below\": 30,",
		      "[{\"id\": \"g\", \"kind\": \"platform.gate_open\", \"model\": \"m\", \"at_s\": 60},"
		      "{\"id\": \"u\", \"kind\": \"platform.adapter_upgrade\", \"tool\": \"t\", \"version\": \"2.0.0\", \"at_s\": 60},"
		      "{\"id\": \"h\", \"kind\": \"platform.threshold_change\", \"value\": 101, \"at_s\": 60}]",
		      &why) == 0, "a gate, adapters, a risk, a threshold and their faults are valid");
	if (why.len)
		printf("# %s", (char *)why.data);
	ok(check_with(d, TOOL, MODEL, "\"auto_approve_below\": 102,", NULL, &why) == 1 &&
	   strstr((char *)why.data, "$.auto_approve_below: must be an integer from 0 to 101"),
	   "a threshold out of range is named");
	ok(check_with(d, "{\"id\": \"t\", \"risk\": 101}", MODEL, "", NULL, &why) == 1 &&
	   strstr((char *)why.data, "$.tools[0].risk"), "a risk out of range is named");
	ok(check_with(d, "{\"id\": \"t\", \"adapter\": \"1.0.0\"}", MODEL, "", NULL, &why) == 1 &&
	   strstr((char *)why.data, "$.tools[0].adapter: names an adapter version, but the tool has no \"adapters\""),
	   "an adapter without adapters is named");
	ok(check_with(d, "{\"id\": \"t\", \"adapters\": [{\"version\": \"1\"}], \"adapter\": \"9\"}", MODEL, "", NULL, &why) == 1 &&
	   strstr((char *)why.data, "$.tools[0].adapter: must name one of the tool's adapter versions"),
	   "an adapter in service that is not listed is named");
	n = check_with(d, "{\"id\": \"t\", \"adapters\": [{\"version\": \"1\", \"colour\": 1}, {\"version\": \"1\"}], \"adapter\": \"1\"}",
		       MODEL, "", NULL, &why);
	ok(n == 2 && strstr((char *)why.data, "$.tools[0].adapters[0].colour: unknown key") &&
	   strstr((char *)why.data, "$.tools[0].adapters[1].version: \"1\" is used twice"),
	   "unknown adapter keys and repeated versions are named");
	ok(check_with(d, TOOL, "{\"id\": \"m\", \"versions\": [{\"id\": \"v1\"}], \"active\": \"v1\", \"gate\": {\"min\": 1}}",
		      "", NULL, &why) == 2 && strstr((char *)why.data, "$.models[0].gate.min: unknown key") &&
	   strstr((char *)why.data, "$.models[0].gate: missing \"min_quality\""),
	   "a gate's unknown key and missing min_quality are named");
	ok(check_with(d, TOOL, MODEL, "", "[{\"id\": \"u\", \"kind\": \"platform.adapter_upgrade\", \"tool\": \"t\", \"version\": \"3.0.0\"}]",
		      &why) == 1 && strstr((char *)why.data, "$[0].version: must name one of the tool's adapter versions"),
	   "an upgrade to an adapter that is not installed is named");
	ok(check_with(d, TOOL, MODEL, "", "[{\"id\": \"h\", \"kind\": \"platform.threshold_change\"}]",
		      &why) == 1 && strstr((char *)why.data, "$[0]: missing \"value\""),
	   "a threshold change without its value is named");
	ok(sim_fault_known("platform.gate_open") && sim_fault_known("platform.threshold_change") &&
	   sim_fault_known("platform.adapter_upgrade"), "the new fault kinds are known by name");
	{
		char p[4200];

		snprintf(p, sizeof p, "%s/platform.json", d);
		unlink(p);
		snprintf(p, sizeof p, "%s/policies/v1.json", d);
		unlink(p);
		snprintf(p, sizeof p, "%s/policies", d);
		rmdir(p);
		rmdir(d);
	}
	buf_release(&why);
}

int main(void)
{
	const char *top = getenv("TOP");

	test_glob();
	test_parse();
	test_diff();
	test_check(top ? top : ".");
	test_features();
	return tap_done();
}
