/* test_gate: the deployment gate's policy parser (every refusal, with its
 * place and hint; the path patterns) and its decision (gate.c): holder
 * matching by pseudonym and by hashed identifier, every way a credential
 * can miss (expired, not yet valid, superseded, a status list it cannot
 * check, a level too low, none at all) with the nearest miss named, rule
 * scoping by path and action, programs, and the JSON and text it prints.
 * The credentials here are built in memory: reading and verifying real
 * ones from files is tests/e2e/5400-gate.sh's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "graders/rfc3339.h"
#include "runner/credential.h"
#include "runner/gate.h"
#include "runner/policy.h"
#include "runner/schema.h"
#include "runner/sign.h"
#include "tests/unit/tap.h"

/* ---- the parser ---- */

static int parse(const char *text, struct policy *p, struct problems *pb)
{
	struct err e = {0};

	memset(pb, 0, sizeof *pb);
	return policy_parse(text, strlen(text), "policy.json", p, pb, &e);
}

static int has_problem(const struct problems *pb, const char *needle)
{
	for (size_t i = 0; i < pb->n; i++)
		if (strstr(pb->v[i], needle))
			return 1;
	printf("# no problem with '%s' among %zu:\n", needle, pb->n);
	for (size_t i = 0; i < pb->n; i++)
		printf("#   %s\n", pb->v[i]);
	return 0;
}

static void refused(const char *text, const char *needle, const char *what)
{
	struct policy p;
	struct problems pb;

	ok(parse(text, &p, &pb) < 0 && has_problem(&pb, needle), "refused: %s", what);
	problems_release(&pb);
	policy_release(&p);
}

#define HEAD "{\"schema\": \"labrun-gate-policy/1\", \"rules\": ["
#define TAIL "]}"
#define RULE(x) HEAD "{\"name\": \"r\", \"paths\": [\"policies/**\"], " x "}" TAIL

static void test_parser(void)
{
	struct policy p;
	struct problems pb;
	struct err e = {0};

	ok(parse(HEAD "{\"name\": \"policy-deploy\", \"paths\": [\"policies/**\"], "
		 "\"actions\": [\"policy deploy\"], \"require\": {\"competencies\": "
		 "[\"policy-driven-control\", \"testing\"], \"level_min\": "
		 "\"practitioner\"}}, {\"name\": \"release\", \"actions\": [\"release\"], "
		 "\"require\": {\"programs\": [\"sre-practitioner\"]}}" TAIL, &p, &pb) == 0,
	   "a good policy parses");
	ok(p.n == 2 && p.rules[0].npaths == 1 && p.rules[0].nactions == 1 &&
	   p.rules[0].ncompetencies == 2 && p.rules[0].level_min == 1 &&
	   p.rules[1].nprograms == 1 && p.rules[1].level_min == 0 &&
	   !p.rules[1].level_given, "its rules, as written");
	is_str(p.rules[0].name, "policy-deploy", "the rule's name");
	policy_release(&p);
	problems_release(&pb);

	ok(policy_parse("{", 1, "policy.json", &p, &pb, &e) < 0 &&
	   strstr(e.msg, "policy.json: line 1: not JSON"), "not JSON: the file and line");
	refused("[]", "$: an array, not an object", "not an object");
	refused("{\"rules\": []}", "$.schema: missing; hint: \"schema\": \"labrun-gate-policy/1\"",
		"no schema");
	refused("{\"schema\": \"labrun-gate-policy/2\", \"rules\": []}",
		"$.schema: \"labrun-gate-policy/2\"", "another schema");
	refused("{\"schema\": \"labrun-gate-policy/1\", \"rules\": []}", "$.rules: empty",
		"no rules");
	refused("{\"schema\": \"labrun-gate-policy/1\", \"rule\": []}",
		"$.rule: unknown key; hint: did you mean \"rules\"?", "a misspelt key: did you mean");
	refused(RULE("\"require\": {\"competencies\": [\"a\"]}, \"action\": [\"x\"]"),
		"did you mean \"actions\"?", "a misspelt rule key");
	refused(RULE("\"require\": {\"competencis\": [\"a\"]}"),
		"did you mean \"competencies\"?", "a misspelt require key");
	refused(RULE("\"require\": {\"competencies\": [\"a\"], \"level_min\": \"expert\"}"),
		"$.rules[0].require.level_min: \"expert\" is not a level", "an unknown level");
	refused(RULE("\"require\": {\"competencies\": [\"a\"], \"programs\": [\"b\"]}"),
		"both competencies and programs", "both kinds in one rule");
	refused(RULE("\"require\": {}"), "requires nothing", "an empty require");
	refused(RULE("\"require\": {\"competencies\": []}"), "requires nothing",
		"an empty competencies list");
	refused(RULE("\"require\": {\"competencies\": [\"Bad Name\"]}"),
		"$.rules[0].require.competencies[0]: \"Bad Name\": not a name", "a bad competency");
	refused(RULE("\"require\": {\"competencies\": [\"a\", \"a\"]}"),
		"$.rules[0].require.competencies[1]: \"a\" is listed twice", "a competency twice");
	refused(RULE("\"require\": {\"competencies\": \"a\"}"),
		"a string, not a list of strings", "a string for a list");
	refused(RULE("\"require\": [\"a\"]"), "$.rules[0].require: an array, not an object",
		"require not an object");
	refused(HEAD "{\"name\": \"r\", \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"applies to nothing", "neither paths nor actions");
	refused(HEAD "{\"name\": \"r\", \"paths\": [\"a\"]}" TAIL, "no require", "no require");
	refused(HEAD "{\"paths\": [\"a\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"$.rules[0]: no name", "no name");
	refused(HEAD "{\"name\": \"r\", \"paths\": [\"a\"], \"require\": {\"competencies\": [\"a\"]}},"
		"{\"name\": \"r\", \"paths\": [\"b\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"$.rules[1].name: the rule name \"r\" is taken by $.rules[0]", "a name twice");
	refused(HEAD "{\"name\": \"r\", \"paths\": [\"/etc/**\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"absolute", "an absolute pattern");
	refused(HEAD "{\"name\": \"r\", \"paths\": [\"a/../b\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"\"..\" component", "a .. component");
	refused(HEAD "{\"name\": \"r\", \"paths\": [\"a**\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"must be a whole component", "** inside a component");
	refused(HEAD "{\"name\": \"r\", \"paths\": [\"a/[bc]\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"not pattern syntax here", "a character class");
	refused(HEAD "{\"name\": \"r\", \"paths\": [\"a//b\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"an empty component", "an empty component");
	refused(HEAD "{\"name\": \"r\", \"actions\": [\"Policy Deploy\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"an action is lowercase", "an action in capitals");
	refused(HEAD "{\"name\": 7, \"paths\": [\"a\"], \"require\": {\"competencies\": [\"a\"]}}" TAIL,
		"$.rules[0].name: ", "a number for a name");
	{
		struct buf b = BUF_INIT;

		buf_puts(&b, HEAD, &e);
		for (int i = 0; i < POLICY_MAX_RULES + 1; i++)
			buf_printf(&b, &e, "%s{\"name\": \"r%d\", \"paths\": [\"a\"], "
				   "\"require\": {\"competencies\": [\"a\"]}}", i ? "," : "", i);
		buf_puts(&b, TAIL, &e);
		refused((const char *)b.data, "65 rules, more than 64", "too many rules");
		buf_release(&b);
	}
	{
		char *big = malloc(POLICY_MAX_BYTES + 2);

		memset(big, ' ', POLICY_MAX_BYTES + 1);
		big[POLICY_MAX_BYTES + 1] = 0;
		ok(policy_parse(big, POLICY_MAX_BYTES + 1, "policy.json", &p, &pb, &e) < 0 &&
		   strstr(e.msg, "larger than"), "a file over the bound is refused unread");
		free(big);
	}
	/* every problem at once */
	ok(parse(HEAD "{\"name\": \"R\", \"pathz\": [], \"require\": {\"competencies\": [\"a\"], "
		 "\"level_min\": \"x\"}}" TAIL, &p, &pb) < 0 && pb.n >= 4,
	   "every problem is reported at once (%zu)", pb.n);
	problems_release(&pb);
}

static void test_glob(void)
{
	static const struct {
		const char *pat, *path;
		int want;
	} t[] = {
		{"policies/**", "policies/a.json", 1},
		{"policies/**", "policies/prod/eu/a.json", 1},
		{"policies/**", "policies", 0},
		{"policies/**", "policiesx/a", 0},
		{"policies/**", "docs/policies/a", 0},
		{"**/*.rego", "a/b/c.rego", 1},
		{"**/*.rego", "c.rego", 1},
		{"**/*.rego", "c.rego.txt", 0},
		{"a/**/b", "a/b", 1},
		{"a/**/b", "a/x/y/b", 1},
		{"a/**/b", "a/x/y/c", 0},
		{"*.tf", "main.tf", 1},
		{"*.tf", "mod/main.tf", 0},
		{"deploy/?/x", "deploy/a/x", 1},
		{"deploy/?/x", "deploy/ab/x", 0},
		{"a*b*c", "aXXbYYc", 1},
		{"a*b*c", "aXXbYY", 0},
		{"README.md", "README.md", 1},
		{"README.md", "README.mdx", 0},
		{"**", "anything/at/all", 1},
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ok(policy_glob_match(t[i].pat, t[i].path) == t[i].want, "glob %s %s %s",
		   t[i].pat, t[i].want ? "matches" : "does not match", t[i].path);
	{
		char path[4000];

		for (size_t i = 0; i + 2 < sizeof path; i += 2)
			memcpy(path + i, "a/", 2);
		path[sizeof path - 2] = 'z';
		path[sizeof path - 1] = 0;
		ok(!policy_glob_match("**/**/**/**/**/**/**/**/b", path),
		   "many ** against a deep path ends, no match");
	}
}

/* ---- the decision ---- */

#define AT "2026-06-01T00:00:00Z"

static int64_t ms_of(const char *s)
{
	int64_t ms = 0;
	char why[64];

	rfc3339_parse(s, strlen(s), &ms, why, sizeof why);
	return ms;
}

/* A credential as cred_read would fill it. */
static void add(struct gate_creds *cs, const char *id, const char *kind,
		const char *achievement, const char *level, const char *comps,
		const char *subject, const char *email, const char *from,
		const char *until, const char *replaces, int status)
{
	struct cred c = {0};
	struct err e = {0};
	char buf[256], *tok, *save = NULL;

	c.doc = json_pack("{s:s, s:[]}", "id", id, "evidence");
	if (replaces)
		json_array_append_new(json_object_get(c.doc, "evidence"),
				      json_pack("{s:s, s:s}", "id", replaces, "genre", "replaces"));
	if (status)
		json_object_set_new(c.doc, "credentialStatus",
				    json_pack("{s:s}", "type", "BitstringStatusListEntry"));
	snprintf(c.id, sizeof c.id, "%s", id);
	snprintf(c.kind, sizeof c.kind, "%s", kind);
	snprintf(c.achievement, sizeof c.achievement, "%s", achievement);
	snprintf(c.level, sizeof c.level, "%s", level);
	snprintf(c.subject, sizeof c.subject, "%s", subject);
	snprintf(c.valid_from, sizeof c.valid_from, "%s", from);
	snprintf(c.valid_until, sizeof c.valid_until, "%s", until);
	snprintf(buf, sizeof buf, "%s", comps);
	c.competencies = calloc(8, sizeof *c.competencies);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		c.competencies[c.ncompetencies++] = strdup(tok);
	if (email) {
		c.ids = calloc(1, sizeof *c.ids);
		cred_identity_make("emailAddress", email, &c.ids[0], &e);
		c.nids = 1;
	}
	cs->v = realloc(cs->v, (cs->n + 1) * sizeof *cs->v);
	cs->files = realloc(cs->files, (cs->n + 1) * sizeof *cs->files);
	cs->v[cs->n] = c;
	cs->files[cs->n++] = strdup(id);
}

static const char *policy_text =
	HEAD "{\"name\": \"policy-deploy\", \"paths\": [\"policies/**\"], "
	"\"actions\": [\"policy deploy\"], \"require\": {\"competencies\": "
	"[\"policy-driven-control\"], \"level_min\": \"practitioner\"}},"
	"{\"name\": \"release\", \"actions\": [\"release\"], "
	"\"require\": {\"programs\": [\"sre\"]}}" TAIL;

/* Decide for holder with one changed path (or action when path starts
 * with '!'); the first rule's first requirement's reason in reason. */
static int decide(const struct gate_creds *cs, const char *holder, const char *change,
		  const char *at, char *reason, size_t size, struct gate_result *res,
		  int status_ok)
{
	struct policy p;
	struct problems pb;
	struct err e = {0};
	char *v[1] = {(char *)(change[0] == '!' ? change + 1 : change)};
	struct gate_request rq = {.holder = holder, .at_ms = ms_of(at),
				  .offline_status_ok = status_ok};
	int allowed;

	if (change[0] == '!') {
		rq.actions = v;
		rq.nactions = 1;
	} else {
		rq.paths = v;
		rq.npaths = 1;
	}
	parse(policy_text, &p, &pb);
	if (gate_decide(&p, &rq, cs, res, &e) < 0) {
		ok(0, "gate_decide: %s", e.msg);
		return -1;
	}
	reason[0] = 0;
	if (res->n && res->rules[0].nreqs)
		snprintf(reason, size, "%s", res->rules[0].reqs[0].satisfied ?
			 res->rules[0].reqs[0].by : res->rules[0].reqs[0].reason);
	allowed = res->allowed;
	gate_result_release(res);
	policy_release(&p);
	problems_release(&pb);
	return allowed;
}

#define PS "c-0123456789abcdef"
#define C(n) "urn:labrun:credential:sha256:" n

static void expect(const struct gate_creds *cs, const char *holder, const char *change,
		   const char *at, int want, const char *needle, const char *what)
{
	struct gate_result res;
	char reason[1024];
	int got = decide(cs, holder, change, at, reason, sizeof reason, &res, 0);

	ok(got == want && strstr(reason, needle), "%s", what);
	if (got != want || !strstr(reason, needle))
		printf("#   allowed %d (want %d), reason '%s', want '%s'\n", got, want,
		       reason, needle);
}

static void test_decide(void)
{
	struct gate_creds cs = {0};
	struct gate_result res;
	char reason[1024];

	/* no credentials at all */
	expect(&cs, "alice@example.org", "policies/a.json", AT, 0,
	       "competency policy-driven-control at practitioner or above: none for this holder",
	       "no credential: refused, none for this holder");
	expect(&cs, "alice@example.org", "docs/readme.md", AT, 1, "",
	       "a change no rule matches is allowed for anyone");
	expect(&cs, "alice@example.org", "!policy deploy", AT, 0, "none for this holder",
	       "an action brings the rule in");
	expect(&cs, "alice@example.org", "!release", AT, 0, "program sre: none for this holder",
	       "a program rule: none for this holder");

	/* alice's practitioner credential, and one for bob */
	add(&cs, C("a1"), "scenario", "urn:labrun:scenario:pdc:1.0.0", "practitioner",
	    "policy-driven-control,testing", PS, "alice@example.org",
	    "2026-01-01T00:00:00Z", "2026-11-02T00:00:00Z", NULL, 0);
	add(&cs, C("b1"), "scenario", "urn:labrun:scenario:pdc:1.0.0", "architect",
	    "policy-driven-control", "c-fedcba9876543210", "bob@example.org",
	    "2026-01-01T00:00:00Z", "", NULL, 0);
	expect(&cs, "alice@example.org", "policies/a.json", AT, 1, C("a1"),
	       "the holder's credential by hashed email satisfies the rule");
	expect(&cs, "emailAddress:alice@example.org", "policies/a.json", AT, 1, C("a1"),
	       "TYPE:VALUE matches the hashed identifier too");
	expect(&cs, "systemId:alice@example.org", "policies/a.json", AT, 0, "none for this holder",
	       "another identifier type does not match");
	expect(&cs, PS, "policies/a.json", AT, 1, C("a1"), "the pseudonym matches the subject");
	expect(&cs, "urn:labrun:pseudonym:" PS, "policies/a.json", AT, 1, C("a1"),
	       "the subject's full id matches");
	expect(&cs, "c-0123456789abcdee", "policies/a.json", AT, 0, "none for this holder",
	       "another pseudonym does not match");
	expect(&cs, "carol@example.org", "policies/a.json", AT, 0, "none for this holder",
	       "someone else's credential is not the holder's");
	expect(&cs, "alice@example.org", "policies/a.json", "2026-11-02T00:00:00Z", 0,
	       "credential " C("a1") " expired 2026-11-02T00:00:00Z, renew it",
	       "expired at validUntil: refused, named, renew it");
	expect(&cs, "alice@example.org", "policies/a.json", "2026-11-01T23:59:59Z", 1, C("a1"),
	       "a second before validUntil: allowed");
	expect(&cs, "alice@example.org", "policies/a.json", "2025-12-31T23:59:59Z", 0,
	       "credential " C("a1") " is valid only from 2026-01-01T00:00:00Z",
	       "not yet valid: refused");
	expect(&cs, "bob@example.org", "policies/a.json", "2030-01-01T00:00:00Z", 1, C("b1"),
	       "no validUntil: valid on");

	/* times that do not parse (cred_read refuses them): fail closed */
	{
		struct gate_creds bad = {0};

		add(&bad, C("x1"), "scenario", "urn:labrun:scenario:pdc:1.0.0", "practitioner",
		    "policy-driven-control", PS, NULL, "2026-01-01T00:00:00Z", "soon", NULL, 0);
		expect(&bad, PS, "policies/a.json", AT, 0, "expired soon",
		       "a validUntil that does not parse counts as expired");
		snprintf(bad.v[0].valid_until, sizeof bad.v[0].valid_until, "%s", "");
		snprintf(bad.v[0].valid_from, sizeof bad.v[0].valid_from, "%s", "whenever");
		expect(&bad, PS, "policies/a.json", AT, 0, "valid only from whenever",
		       "a validFrom that does not parse counts as not yet valid");
		gate_creds_release(&bad);
	}

	/* a foundation credential of carol's is below practitioner */
	add(&cs, C("c1"), "scenario", "urn:labrun:scenario:pdc-intro:1.0.0", "foundation",
	    "policy-driven-control", "c-1111111111111111", "carol@example.org",
	    "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", NULL, 0);
	expect(&cs, "carol@example.org", "policies/a.json", AT, 0,
	       "credential " C("c1") " is at level foundation, below practitioner",
	       "a level too low: refused, the level named");
	/* and an expired practitioner one: the expired one is nearer */
	add(&cs, C("c0"), "scenario", "urn:labrun:scenario:pdc:1.0.0", "practitioner",
	    "policy-driven-control", "c-1111111111111111", "carol@example.org",
	    "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", NULL, 0);
	expect(&cs, "carol@example.org", "policies/a.json", AT, 0,
	       "credential " C("c1") " is at level foundation",
	       "the nearest miss: a current one at a lower level before an expired one");

	/* supersession: dave's d1 is replaced by d2 (a foundation regrade) */
	add(&cs, C("d1"), "scenario", "urn:labrun:scenario:pdc:1.0.0", "practitioner",
	    "policy-driven-control", "c-2222222222222222", "dave@example.org",
	    "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", NULL, 0);
	expect(&cs, "dave@example.org", "policies/a.json", AT, 1, C("d1"),
	       "before its replacement: used");
	add(&cs, C("d2"), "scenario", "urn:labrun:scenario:pdc:1.0.0", "practitioner",
	    "other", "c-2222222222222222", "dave@example.org",
	    "2026-02-01T00:00:00Z", "2027-02-01T00:00:00Z", C("d1"), 0);
	expect(&cs, "dave@example.org", "policies/a.json", AT, 0,
	       "credential " C("d1") " is superseded by " C("d2"),
	       "a superseded credential is not used");

	/* a credential with a status list: refused unless --offline-status-ok */
	add(&cs, C("e1"), "scenario", "urn:labrun:scenario:pdc:1.0.0", "practitioner",
	    "policy-driven-control", "c-3333333333333333", "erin@example.org",
	    "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", NULL, 1);
	expect(&cs, "erin@example.org", "policies/a.json", AT, 0,
	       "status: it names a status list (BitstringStatusListEntry) this labrun cannot check",
	       "a status list it cannot check: refused");
	ok(decide(&cs, "erin@example.org", "policies/a.json", AT, reason, sizeof reason,
		  &res, 1) == 1, "with --offline-status-ok: accepted unchecked");
	{
		struct gate_request rq0 = {0};
		char note[256];

		ok(gate_status_check(&cs.v[0], &rq0, note, sizeof note) == 0 &&
		   !strcmp(note, "status: not checked (no status list in this credential)"),
		   "no credentialStatus: usable, said not checked");
	}

	/* programs: kind program with the program's id */
	add(&cs, C("p1"), "program", "urn:labrun:program:sre:1", "practitioner", "",
	    PS, "alice@example.org", "2026-01-01T00:00:00Z", "", NULL, 0);
	add(&cs, C("p2"), "scenario", "urn:labrun:program:srex:1", "practitioner", "",
	    "c-3333333333333333", "erin@example.org", "2026-01-01T00:00:00Z", "", NULL, 0);
	expect(&cs, "alice@example.org", "!release", AT, 1, C("p1"),
	       "a program credential satisfies a program rule");
	expect(&cs, "erin@example.org", "!release", AT, 0, "none for this holder",
	       "another program's id, or a scenario credential, does not");

	/* the JSON and text reports */
	{
		struct policy p;
		struct problems pb;
		struct err e = {0};
		struct buf j = BUF_INIT, t = BUF_INIT;
		char *paths[2] = {"README.md", "policies/x.rego"};
		struct gate_request rq = {.holder = "alice@example.org", .paths = paths,
					  .npaths = 2, .at_ms = ms_of("2026-12-01T00:00:00Z")};
		json_t *root;

		parse(policy_text, &p, &pb);
		gate_add_ignored(&cs, "dir/bad.json", "dir/bad.json: the proof does not verify", &e);
		cs.read = cs.n + 1;
		gate_decide(&p, &rq, &cs, &res, &e);
		gate_result_json(&rq, &cs, &res, &j, &e);
		gate_result_text(&rq, &cs, &res, &t, &e);
		root = json_loadb((const char *)j.data, j.len, 0, NULL);
		ok(root && json_is_false(json_object_get(root, "allowed")) &&
		   !strcmp(json_string_value(json_object_get(root, "at")), "2026-12-01T00:00:00Z") &&
		   !strcmp(json_string_value(json_object_get(root, "holder")), "alice@example.org"),
		   "json: allowed false, holder, at");
		{
			json_t *r0 = json_array_get(json_object_get(root, "rules"), 0);
			json_t *cr = json_object_get(root, "credentials");

			ok(json_array_size(json_object_get(root, "rules")) == 1 &&
			   !strcmp(json_string_value(json_object_get(r0, "rule")), "policy-deploy") &&
			   !strcmp(json_string_value(json_object_get(r0, "matched_by")),
				   "path policies/x.rego") &&
			   json_is_false(json_object_get(r0, "satisfied")) &&
			   json_is_null(json_object_get(r0, "by")) &&
			   strstr(json_string_value(json_object_get(r0, "reason")), "expired"),
			   "json: the rule, matched_by, satisfied, by null, reason");
			ok(json_integer_value(json_object_get(cr, "read")) == (json_int_t)cs.n + 1 &&
			   json_integer_value(json_object_get(cr, "valid")) == (json_int_t)cs.n &&
			   !strcmp(json_string_value(json_object_get(json_array_get(
				   json_object_get(cr, "ignored"), 0), "file")), "dir/bad.json"),
			   "json: credentials read, valid, ignored with file");
		}
		ok(strstr((const char *)t.data, "refused: holder alice@example.org at "
			  "2026-12-01T00:00:00Z: 1 rule applies") &&
		   strstr((const char *)t.data, "  rule policy-deploy (path policies/x.rego): "
			  "refused: competency policy-driven-control at practitioner or above: "
			  "credential " C("a1") " expired") &&
		   strstr((const char *)t.data, "  ignored dir/bad.json: "),
		   "text: the verdict, the rule's reason, the ignored file");
		json_decref(root);
		buf_release(&j);
		buf_release(&t);
		gate_result_release(&res);
		policy_release(&p);
		problems_release(&pb);
	}
	/* a tampered credential text is ignored with its reason, not counted */
	{
		struct sign_pub none = {0};
		struct err e = {0};
		size_t before = cs.n, ign = cs.nignored;

		ok(gate_add_json(&cs, "dir/x.json", "{\"id\": 1}", 9, &none, 1, &e) == 0 &&
		   cs.n == before && cs.nignored == ign + 1 &&
		   strstr(cs.ignored[ign].reason, "dir/x.json"),
		   "a malformed credential is ignored with a reason naming it");
	}
	gate_creds_release(&cs);
}

int main(void)
{
	test_parser();
	test_glob();
	test_decide();
	return tap_done();
}
