/* test_program: program_parse over programs built in memory (a valid one,
 * then every refusal alone, each with its place and hint), the semantic
 * version order, and program_meets over sets of pieces: met, short by a
 * count (the reason names what is had and by which evidence), a missing
 * prerequisite, a piece that counts toward nothing, a competency below
 * its level, a version below the minimum; and award_valid_until.  It
 * touches no disk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/award.h"
#include "runner/program.h"
#include "runner/schema.h"
#include "tests/unit/tap.h"

static const char good[] =
	"{\"schema\": \"labrun.program/1\", \"id\": \"ops-practitioner\",\n"
	" \"version\": \"1.2.0\", \"name\": \"Ops: Practitioner\",\n"
	" \"level\": \"practitioner\", \"description\": \"Line one.\\nLine two.\",\n"
	" \"valid_for_days\": 730,\n"
	" \"requires\": {\"scenarios\": [{\"id\": \"a\"}, {\"id\": \"b\", \"min_version\": \"1.1.0\"}],\n"
	"   \"competencies\": [{\"id\": \"change-management\"},\n"
	"                      {\"id\": \"observability\", \"min_level\": \"specialist\"}],\n"
	"   \"count\": 2, \"programs\": [\"ops-foundation\"]}}\n";

/* good with the first occurrence of from replaced by to */
static char *edit(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	size_t n = strlen(good) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);

	if (!at || !s) {
		printf("# bad edit '%s'\n", from);
		exit(2);
	}
	snprintf(s, n, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	return s;
}

/* The text is refused, and one problem contains every one of want... */
static void refused(const char *text, const char *what, const char *want1,
		    const char *want2)
{
	struct problems p = {NULL, 0, 0};
	struct program pg;
	size_t i;
	int rc = program_parse(text, strlen(text), "p.json", &pg, &p), hit = 0;

	for (i = 0; i < p.n; i++)
		if (strstr(p.v[i], want1) && (!want2 || strstr(p.v[i], want2)) &&
		    !strncmp(p.v[i], "p.json: ", 8))
			hit = 1;
	ok(rc == -1 && hit, "refused: %s", what);
	if (rc != -1 || !hit) {
		printf("#   rc %d, want '%s' '%s' in:\n", rc, want1, want2 ? want2 : "");
		for (i = 0; i < p.n; i++)
			printf("#   %s\n", p.v[i]);
	}
	if (rc == 0)
		program_release(&pg);
	problems_release(&p);
}

static void refused_edit(const char *from, const char *to, const char *what,
			 const char *want1, const char *want2)
{
	char *s = edit(from, to);

	refused(s, what, want1, want2);
	free(s);
}

static void parse_good(void)
{
	struct problems p = {NULL, 0, 0};
	struct program pg;
	int rc = program_parse(good, strlen(good), "p.json", &pg, &p);

	ok(rc == 0 && p.n == 0, "the good program parses");
	if (rc)
		return;
	is_str(pg.id, "ops-practitioner", "its id");
	is_str(pg.version, "1.2.0", "its version");
	ok(pg.level == PROGRAM_PRACTITIONER, "its level");
	ok(pg.valid_for_days == 730, "its validity");
	ok(pg.nitems == 4 && pg.count == 2, "four requirements, two needed");
	ok(pg.items[0].kind == PROGRAM_SCENARIO && !pg.items[0].min_version[0],
	   "a scenario without a minimum version");
	is_str(pg.items[1].min_version, "1.1.0", "a scenario's minimum version");
	ok(pg.items[2].kind == PROGRAM_COMPETENCY &&
	   pg.items[2].min_level == PROGRAM_PRACTITIONER,
	   "a competency's level defaults to the program's");
	ok(pg.items[3].min_level == PROGRAM_SPECIALIST, "a competency's own level");
	ok(pg.nprereqs == 1 && !strcmp(pg.prereqs[0], "ops-foundation"),
	   "its prerequisite");
	ok(strchr(pg.description, '\n') != NULL, "a description keeps its newline");
	program_release(&pg);
	problems_release(&p);
}

static void parse_count_default(void)
{
	char *s = edit("\"count\": 2, ", "");
	struct problems p = {NULL, 0, 0};
	struct program pg;

	ok(program_parse(s, strlen(s), "p.json", &pg, &p) == 0 && pg.count == 4,
	   "without count, all requirements are needed");
	if (pg.items)
		program_release(&pg);
	problems_release(&p);
	free(s);
}

static void parse_refusals(void)
{
	char big[PROGRAM_MAX_BYTES + 64], deep[64];

	refused("", "empty text", "p.json: ", NULL);
	refused("{\"schema\": ", "truncated JSON", "line 1", NULL);
	refused("[]", "not an object", "$: must be an object", NULL);
	memset(big, ' ', sizeof big - 1);
	big[sizeof big - 1] = 0;
	big[0] = '{';
	big[sizeof big - 2] = '}';
	refused(big, "too large", "too large", NULL);
	snprintf(deep, sizeof deep, "{\"a\":[[[[[[[[[[1]]]]]]]]]]}");
	refused(deep, "nested too deep", "nested deeper", NULL);
	refused_edit("\"valid_for_days\"", "\"valid_for_day\"", "a misspelt key",
		     "valid_for_day", "did you mean");
	refused_edit("\"count\"", "\"cuont\"", "a misspelt key in requires",
		     "$.requires", "cuont");
	refused_edit("{\"id\": \"a\"}", "{\"id\": \"a\", \"minversion\": \"1.0.0\"}",
		     "a misspelt key in a scenario", "minversion", NULL);
	refused_edit("{\"id\": \"change-management\"}",
		     "{\"id\": \"change-management\", \"level\": \"architect\"}",
		     "an unknown key in a competency", "level", NULL);
	refused_edit("\"ops-practitioner\"", "\"ops-practitioner\", \"id\": \"x\"",
		     "a duplicate key", "duplicate", NULL);
	refused_edit("\"labrun.program/1\"", "\"labrun.program/2\"",
		     "another schema", "$.schema", "labrun.program/1");
	refused_edit("\"schema\": \"labrun.program/1\", ", "", "no schema",
		     "$.schema: missing", NULL);
	refused_edit("\"ops-practitioner\"", "\"Ops_Practitioner\"", "a bad id",
		     "$.id", "not a program id");
	refused_edit("\"id\": \"ops-practitioner\",", "", "no id", "$.id: missing", NULL);
	refused_edit("\"1.2.0\"", "\"1.2\"", "a version that is not semver",
		     "$.version", "semantic version");
	refused_edit("\"1.2.0\"", "\"01.2.0\"", "a version with a leading zero",
		     "$.version", NULL);
	refused_edit("\"1.2.0\"", "120", "a version that is a number", "$.version",
		     "a string");
	refused_edit("\"Ops: Practitioner\"", "\"\"", "an empty name", "$.name",
		     "empty");
	refused_edit("\"Ops: Practitioner\"", "\"Ops\\u001b[31m\"", "a control in the name",
		     "$.name", "control character");
	refused_edit("\"Ops: Practitioner\"", "\"Ops\\nTwo lines\"", "a newline in the name",
		     "$.name", "control character");
	refused_edit("\"level\": \"practitioner\"", "\"level\": \"expert\"",
		     "an unknown level", "$.level", "foundation, practitioner");
	refused_edit("\"Line one.\\nLine two.\"", "\"\\u0007\"", "a control in the description",
		     "$.description", NULL);
	refused_edit("730", "0", "zero days of validity", "$.valid_for_days", NULL);
	refused_edit("730", "3651", "validity over ten years", "$.valid_for_days", NULL);
	refused_edit("730", "730.5", "a validity with a fraction", "$.valid_for_days", NULL);
	refused_edit(" \"valid_for_days\": 730,\n", "", "no validity",
		     "$.valid_for_days: missing", NULL);
	refused_edit(",\n \"requires\"", ", \"x_requires\"", "no requires",
		     "$.requires: missing", NULL);
	refused("{\"schema\": \"labrun.program/1\", \"id\": \"p\", \"version\": \"1.0.0\", "
		"\"name\": \"P\", \"level\": \"foundation\", \"description\": \"D\", "
		"\"valid_for_days\": 1, \"requires\": 3}", "requires not an object",
		"$.requires: must be an object", NULL);
	refused("{\"schema\": \"labrun.program/1\", \"id\": \"p\", \"version\": \"1.0.0\", "
		"\"name\": \"P\", \"level\": \"foundation\", \"description\": \"D\", "
		"\"valid_for_days\": 1, \"requires\": {\"programs\": [\"q\"]}}",
		"prerequisites alone", "names no scenario and no competency", NULL);
	refused_edit("[{\"id\": \"a\"}, {\"id\": \"b\", \"min_version\": \"1.1.0\"}]", "\"a\"",
		     "scenarios not an array",
		     "$.requires.scenarios: must be an array", NULL);
	refused_edit("{\"id\": \"a\"}", "\"a\"", "a scenario that is a string",
		     "$.requires.scenarios[0]: must be an object", NULL);
	refused_edit("{\"id\": \"a\"}", "{}", "a scenario without an id",
		     "$.requires.scenarios[0].id: missing", NULL);
	refused_edit("{\"id\": \"a\"}", "{\"id\": \"A b\"}", "a bad scenario id",
		     "$.requires.scenarios[0].id", "not a scenario id");
	refused_edit("{\"id\": \"b\", ", "{\"id\": \"a\", ", "a scenario listed twice",
		     "$.requires.scenarios[1].id", "listed already");
	refused_edit("\"min_version\": \"1.1.0\"", "\"min_version\": \"latest\"",
		     "a bad minimum version", "min_version", "semantic version");
	refused_edit("\"min_version\": \"1.1.0\"", "\"min_version\": 1",
		     "a minimum version that is a number", "min_version", "a string");
	refused_edit("{\"id\": \"change-management\"}", "{\"id\": \"Change\"}",
		     "a bad competency id", "$.requires.competencies[0].id",
		     "not a competency id");
	refused_edit("\"min_level\": \"specialist\"", "\"min_level\": \"guru\"",
		     "a bad minimum level", "$.requires.competencies[1].min_level",
		     "not a level");
	refused_edit("{\"id\": \"observability\", ", "{\"id\": \"change-management\", ",
		     "a competency listed twice", "$.requires.competencies[1].id",
		     "listed already");
	refused_edit("\"count\": 2", "\"count\": 0", "count zero", "$.requires.count", NULL);
	refused_edit("\"count\": 2", "\"count\": 5", "count over the requirements",
		     "$.requires.count", NULL);
	refused_edit("\"count\": 2", "\"count\": \"2\"", "count a string",
		     "$.requires.count", NULL);
	refused_edit("[\"ops-foundation\"]", "\"ops-foundation\"", "programs not an array",
		     "$.requires.programs: must be an array", NULL);
	refused_edit("[\"ops-foundation\"]", "[\"ops-foundation\", \"ops-foundation\"]",
		     "a prerequisite listed twice", "$.requires.programs[1]",
		     "listed already");
	refused_edit("[\"ops-foundation\"]", "[\"ops-practitioner\"]",
		     "the program its own prerequisite", "$.requires.programs[0]",
		     "names itself");
	refused_edit("[\"ops-foundation\"]", "[\"Ops Foundation\"]",
		     "a bad prerequisite id", "$.requires.programs[0]",
		     "not a program id");
	refused_edit("[\"ops-foundation\"]", "[3]", "a prerequisite that is a number",
		     "$.requires.programs[0]", "a string");
}

static void too_many(void)
{
	struct buf b = BUF_INIT;
	struct err e = {0};
	int i;

	buf_puts(&b, "{\"schema\": \"labrun.program/1\", \"id\": \"p\", \"version\": \"1.0.0\", "
		 "\"name\": \"P\", \"level\": \"foundation\", \"description\": \"D\", "
		 "\"valid_for_days\": 1, \"requires\": {\"scenarios\": [", &e);
	for (i = 0; i <= PROGRAM_MAX_ITEMS; i++)
		buf_printf(&b, &e, "%s{\"id\": \"s%d\"}", i ? ", " : "", i);
	buf_puts(&b, "]}}", &e);
	refused((const char *)b.data, "more requirements than allowed",
		"$.requires.scenarios", "more than");
	buf_release(&b);
	buf_puts(&b, "{\"schema\": \"labrun.program/1\", \"id\": \"p\", \"version\": \"1.0.0\", "
		 "\"name\": \"P\", \"level\": \"foundation\", \"description\": \"D\", "
		 "\"valid_for_days\": 1, \"requires\": {\"scenarios\": [{\"id\": \"a\"}], "
		 "\"programs\": [", &e);
	for (i = 0; i <= PROGRAM_MAX_PREREQS; i++)
		buf_printf(&b, &e, "%s\"q%d\"", i ? ", " : "", i);
	buf_puts(&b, "]}}", &e);
	refused((const char *)b.data, "more prerequisites than allowed",
		"$.requires.programs", "at most");
	buf_release(&b);
}

static void versions(void)
{
	ok(program_version_cmp("1.0.0", "1.0.0") == 0, "1.0.0 = 1.0.0");
	ok(program_version_cmp("1.10.0", "1.9.0") > 0, "1.10.0 > 1.9.0 (numbers, not text)");
	ok(program_version_cmp("1.1.0-rc.1", "1.1.0") < 0, "a pre-release is below its release");
	ok(program_version_cmp("1.1.0-rc.2", "1.1.0-rc.10") < 0, "rc.2 < rc.10");
	ok(program_version_cmp("1.1.0-alpha", "1.1.0-1") > 0, "text above numbers");
	ok(program_version_cmp("1.1.0-rc", "1.1.0-rc.1") < 0, "a shorter pre-release is below");
	ok(program_version_cmp("1.1.0+b.7", "1.1.0") == 0, "build metadata is ignored");
	ok(program_version_cmp("bad", "0.0.0") < 0, "not a version: below all");
	ok(program_is_version("2.1.0-rc.1+build.7"), "a full semver");
	ok(!program_is_version("1.2"), "1.2 is not");
	ok(!program_is_version("1.2.03"), "1.2.03 is not");
	ok(!program_is_version("1.2.3-01"), "1.2.3-01 is not");
	ok(!program_is_version("1234567890.0.0"), "a number too long is not");
}

static char *comp_a[] = {"change-management", "trace-reading"};
static char *comp_b[] = {"observability"};

static struct program_piece attempt(const char *file, const char *id,
				    const char *version, int level, char **c,
				    size_t nc)
{
	struct program_piece p;

	memset(&p, 0, sizeof p);
	p.kind = PROGRAM_PIECE_ATTEMPT;
	p.file = file;
	snprintf(p.id, sizeof p.id, "%s", id);
	snprintf(p.version, sizeof p.version, "%s", version);
	p.level = level;
	p.competencies = c;
	p.ncompetencies = nc;
	return p;
}

static struct program_piece cred(const char *file, const char *id)
{
	struct program_piece p;

	memset(&p, 0, sizeof p);
	p.kind = PROGRAM_PIECE_PROGRAM;
	p.file = file;
	snprintf(p.id, sizeof p.id, "%s", id);
	snprintf(p.version, sizeof p.version, "1.0.0");
	return p;
}

/* rc of program_meets, and its reasons in why (reset first) */
static int meets(const struct program *pg, struct program_piece *v, size_t n,
		 struct buf *why)
{
	struct err e = {0};

	buf_release(why);
	return program_meets(pg, v, n, why, &e);
}

static const char *text(const struct buf *b)
{
	return b->data ? (const char *)b->data : "";
}

static void meeting(void)
{
	struct problems p = {NULL, 0, 0};
	struct program pg;
	struct program_piece v[4];
	struct buf why = BUF_INIT;
	int rc;

	if (program_parse(good, strlen(good), "p.json", &pg, &p) < 0) {
		ok(0, "the good program parses for meeting");
		return;
	}
	v[0] = attempt("a.ev", "a", "1.0.0", PROGRAM_FOUNDATION, comp_a, 1);
	v[1] = attempt("b.ev", "b", "1.1.0", PROGRAM_PRACTITIONER, comp_b, 1);
	v[2] = cred("f.cred", "ops-foundation");
	rc = meets(&pg, v, 3, &why);
	ok(rc == 0 && v[0].used && v[1].used && v[2].used,
	   "two of four and the prerequisite: met, every piece used");
	if (rc)
		printf("#   %s", text(&why));

	rc = meets(&pg, v, 2, &why);
	ok(rc == 1 && strstr(text(&why), "prerequisite program ops-foundation: no credential given"),
	   "no prerequisite credential: refused, naming the program");

	v[1] = attempt("b.ev", "b", "1.0.9", PROGRAM_PRACTITIONER, comp_b, 1);
	rc = meets(&pg, v, 3, &why);
	ok(rc == 1 && strstr(text(&why), "program ops-practitioner: needs 2 of [scenario a, scenario b 1.1.0 or later, competency change-management at practitioner or above, competency observability at specialist or above]; has 1: a (evidence a.ev)"),
	   "a version below the minimum does not count; the reason lists what is needed and had");
	if (rc != 1)
		printf("#   rc %d\n", rc);
	ok(strstr(text(&why), "b.ev: an attempt at scenario b 1.0.9 counts toward nothing") != NULL,
	   "... and names the piece that counts toward nothing");

	/* a competency shown at the program's level by a scenario's attempt */
	v[1] = attempt("c.ev", "c", "1.0.0", PROGRAM_PRACTITIONER, comp_a, 2);
	rc = meets(&pg, v, 3, &why);
	ok(rc == 0, "a competency shown at practitioner meets its requirement");
	/* ... but not below it */
	v[1] = attempt("c.ev", "c", "1.0.0", PROGRAM_FOUNDATION, comp_a, 2);
	rc = meets(&pg, v, 3, &why);
	ok(rc == 1 && strstr(text(&why), "has 1: a (evidence a.ev)"),
	   "a competency shown only at foundation does not");
	/* observability at specialist: a practitioner scenario is not enough */
	v[1] = attempt("d.ev", "d", "1.0.0", PROGRAM_PRACTITIONER, comp_b, 1);
	ok(meets(&pg, v, 3, &why) == 1, "observability at practitioner is below specialist");
	v[1] = attempt("d.ev", "d", "1.0.0", PROGRAM_ARCHITECT, comp_b, 1);
	ok(meets(&pg, v, 3, &why) == 0, "observability at architect is above specialist");

	/* the wrong prerequisite */
	v[2] = cred("g.cred", "ops-other");
	rc = meets(&pg, v, 3, &why);
	ok(rc == 1 && strstr(text(&why), "prerequisite program ops-foundation: no credential given") &&
	   strstr(text(&why), "g.cred: the credential of program ops-other 1.0.0 counts toward nothing"),
	   "another program's credential: refused, both said");

	/* one attempt meeting two items counts for both */
	v[0] = attempt("e.ev", "a", "2.0.0", PROGRAM_PRACTITIONER, comp_a, 1);
	v[2] = cred("f.cred", "ops-foundation");
	rc = meets(&pg, v, 1, &why);
	ok(rc == 1 && !strstr(text(&why), "needs") &&
	   strstr(text(&why), "prerequisite program ops-foundation"),
	   "one attempt can meet a scenario and a competency: two of four (only the prerequisite is missing)");
	rc = meets(&pg, (struct program_piece[]){v[0], v[2]}, 2, &why);
	ok(rc == 0, "... and with the prerequisite it is met");

	buf_release(&why);
	program_release(&pg);
	problems_release(&p);
}

static void achievements(void)
{
	char id[PROGRAM_ID_MAX], v[PROGRAM_VERSION_MAX];

	ok(program_achievement_split("urn:labrun:program:ops-a:1.0.0", id, v) == 0 &&
	   !strcmp(id, "ops-a") && !strcmp(v, "1.0.0"), "a program achievement id splits");
	ok(program_achievement_split("urn:labrun:scenario:ops-a:1.0.0", id, v) < 0,
	   "a scenario's does not");
	ok(program_achievement_split("urn:labrun:program:ops-a", id, v) < 0,
	   "one without a version does not");
	ok(program_achievement_split("urn:labrun:program::1.0.0", id, v) < 0,
	   "one without an id does not");
	ok(program_achievement_split("urn:labrun:program:Ops:1.0.0", id, v) < 0,
	   "one with a bad id does not");
	ok(program_level_rank("specialist") == PROGRAM_SPECIALIST &&
	   program_level_rank("Specialist") == PROGRAM_LEVEL_NONE &&
	   !strcmp(program_level_name(PROGRAM_ARCHITECT), "architect") &&
	   !strcmp(program_level_name(9), ""), "levels by name and rank");
}

/* validUntil: the program's validity, cut to the earliest of the pieces' */
static void validity(void)
{
	const char *none[] = {"", NULL};
	const char *two[] = {"2027-03-01T00:00:00Z", "2027-02-01T12:00:00Z"};
	const char *late[] = {"2031-01-01T00:00:00Z"};
	const char *bad[] = {"next year"};
	char out[32];
	int64_t from = 1796083200; /* 2026-12-01T00:00:00Z */

	ok(award_valid_until(from, 730, none, 2, out) == 0 &&
	   !strcmp(out, "2028-11-30T00:00:00Z"), "no expiry below: 730 days from validFrom (%s)", out);
	ok(award_valid_until(from, 730, two, 2, out) == 0 &&
	   !strcmp(out, "2027-02-01T12:00:00Z"), "the earliest expiry below wins (%s)", out);
	ok(award_valid_until(from, 30, late, 1, out) == 0 &&
	   !strcmp(out, "2026-12-31T00:00:00Z"), "the program's validity when it ends first (%s)", out);
	ok(award_valid_until(from, 30, bad, 1, out) == -1, "a time that is not one: -1");
}

int main(void)
{
	validity();
	parse_good();
	parse_count_default();
	parse_refusals();
	too_many();
	versions();
	meeting();
	achievements();
	return tap_done();
}
