/* cmd_spool: `labrun spool`, what no attempt may lose: evidence that could
 * not be written where it was asked for, and attempts whose labrun died;
 * listing them, fetching the first and clearing the second.  spool.c keeps
 * the records. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/err.h"
#include "runner/cmd.h"
#include "runner/spool.h"

extern const char usage_spool[];

const char usage_spool[] =
	"usage: labrun spool [--json]\n"
	"       labrun spool fetch ID -o PATH\n"
	"       labrun spool clear ID\n"
	"\n"
	"What no attempt may lose (docs/operators.md, \"What survives what\"):\n"
	"  spooled  evidence a session sealed but could not write at its -o (a\n"
	"           full disk, an I/O error, its directory removed during the\n"
	"           exam): kept in the spool until fetched;\n"
	"  lost     an attempt whose labrun ended before the session did (it was\n"
	"           killed, or the host restarted): nothing of the work survives;\n"
	"           the attempt is an error, not the candidate's fail, and the\n"
	"           candidate retakes it.  Listed until cleared.\n"
	"Listing first records as lost every attempt no labrun runs any more.\n"
	"  fetch ID -o PATH  move spooled evidence to PATH (a new file)\n"
	"  clear ID          take a lost attempt off the list\n"
	"  --json            one JSON object a line\n"
	"The spool is $LABRUN_SPOOL_DIR, else the configuration's spool_dir,\n"
	"else /var/lib/labrun/spool.\n"
	"Exit: 0 done, 1 no such entry, 2 usage, 3 the spool cannot be read.\n";

static void when(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int list(int json)
{
	struct spool_item *v = NULL;
	struct err e = {0};
	unsigned found = 0;
	size_t n = 0, i;
	char at[32], started[32];

	if (spool_list(&v, &n, &found, &e) < 0)
		return cmd_fail("spool", &e);
	if (!json && n == 0)
		cmd_printf(stdout, "the spool is empty (%s)\n", spool_dir());
	for (i = 0; i < n; i++) {
		when(v[i].started_ms, started);
		when(v[i].at_ms, at);
		if (json) {
			json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}",
					      "id", v[i].id, "kind", v[i].lost ? "lost" : "spooled",
					      "mode", v[i].mode, "scenario", v[i].scenario,
					      "candidate", v[i].candidate, "started", started,
					      "at", at, "verdict", v[i].verdict, "why", v[i].why,
					      "evidence", v[i].lost ? json_null()
								    : json_string(v[i].evidence));
			char *s;

			if (o && v[i].out[0])
				json_object_set_new(o, "meant_for", json_string(v[i].out));
			s = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
			if (s)
				cmd_printf(stdout, "%s\n", s);
			free(s);
			json_decref(o);
		} else if (v[i].lost) {
			cmd_printf(stdout, "lost     %s  %s, candidate %s, %s started %s: %s\n",
				   v[i].id, v[i].scenario, v[i].candidate, v[i].mode,
				   started, v[i].why);
		} else {
			cmd_printf(stdout, "spooled  %s  %s, candidate %s, %s: %s, meant for %s (%s); fetch it: labrun spool fetch %s -o PATH\n",
				   v[i].id, v[i].scenario, v[i].candidate, v[i].verdict,
				   v[i].evidence, v[i].out, v[i].why, v[i].id);
		}
	}
	free(v);
	return EXIT_YES;
}

int cmd_spool(int argc, char **argv)
{
	const struct cmd *c = cmd_find("spool");
	struct cmd_env env = {0};
	struct err e = {0};
	int rc;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "--json")))
		return list(argc == 2);
	if (!strcmp(argv[1], "fetch")) {
		if (argc != 5 || strcmp(argv[3], "-o"))
			return cmd_usage_error(c, "fetch ID -o PATH");
		if (spool_fetch(argv[2], argv[4], &e) < 0)
			return cmd_fail("spool", &e);
		cmd_printf(stdout, "%s: the evidence is at %s, and out of the spool\n", argv[2], argv[4]);
		return EXIT_YES;
	}
	if (!strcmp(argv[1], "clear")) {
		if (argc != 3)
			return cmd_usage_error(c, "clear ID");
		if (spool_clear(argv[2], &e) < 0)
			return cmd_fail("spool", &e);
		cmd_printf(stdout, "%s: the lost attempt is off the list\n", argv[2]);
		return EXIT_YES;
	}
	return cmd_usage_error(c, "unknown argument '%s'", argv[1]);
}
