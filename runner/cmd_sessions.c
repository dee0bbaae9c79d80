/* cmd_sessions: `labrun sessions` lists the sessions running on this host,
 * `labrun end ID` ends one (graded as it stands).  For exam operators;
 * register.c keeps the register. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/register.h"
#include "runner/spool.h"

const char usage_sessions[] =
	"usage: labrun sessions [--json]\n"
	"\n"
	"Lists the sessions running on this host: id, mode (run or take), the\n"
	"scenario, the candidate's pseudonym, when it started, the time limit,\n"
	"the pid of the labrun that runs it.  --json prints one JSON object a\n"
	"line.  Sessions that a killed labrun left behind are not listed.\n"
	"The register is the state directory's ($LABRUN_STATE_DIR, else the\n"
	"configuration's state_dir, else /run/labrun; docs/operators.md).\n";

const char usage_end[] =
	"usage: labrun end ID\n"
	"\n"
	"Ends a running session (its id from labrun sessions).  The session is\n"
	"graded as it stands and its evidence says it was ended by an operator\n"
	"(ended_by \"operator\").  The signal goes only to the labrun that holds\n"
	"the session's lock, through a pidfd.  Only a session of this state\n"
	"directory's register is found (labrun sessions).\n"
	"Exit: 0 asked to end, 1 no such session, 2 usage.\n";

int cmd_sessions(int argc, char **argv)
{
	const struct cmd *c = cmd_find("sessions");
	struct session_entry *v = NULL;
	struct err e = {0};
	size_t n = 0, i;
	struct cmd_env env = {0};
	struct spool_item *items = NULL;
	size_t nitems = 0;
	unsigned found = 0;
	int json = 0, rc;
	char when[32];

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return cmd_usage_error(c, "unknown argument '%s'", argv[i]);
	}
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	if (register_list(&v, &n, &e) < 0)
		return cmd_fail("sessions", &e);
	if (!json && n == 0)
		cmd_printf(stdout, "no session is running\n");
	else if (!json)
		cmd_printf(stdout, "%-17s %-5s %-28s %-19s %-20s %6s %8s\n", "ID", "MODE",
			   "SCENARIO", "CANDIDATE", "STARTED", "LIMIT", "PID");
	for (i = 0; i < n; i++) {
		time_t t = (time_t)(v[i].started_ms / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
					      "id", v[i].id, "mode", v[i].mode,
					      "scenario", v[i].scenario,
					      "candidate", v[i].candidate,
					      "started", when, "time_limit_s",
					      (int)v[i].time_limit_s, "pid",
					      (int)v[i].pid);
			char *s = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

			if (s)
				cmd_printf(stdout, "%s\n", s);
			free(s);
			json_decref(o);
		} else {
			cmd_printf(stdout, "%-17s %-5s %-28s %-19s %-20s %5us %8d\n", v[i].id,
				   v[i].mode, v[i].scenario, v[i].candidate, when,
				   v[i].time_limit_s, (int)v[i].pid);
		}
	}
	free(v);
	/* what must not be forgotten either: the spool */
	if (!json && spool_list(&items, &nitems, &found, &e) == 0 && nitems)
		cmd_printf(stdout, "%zu item%s in the spool (evidence that could not be written where asked, lost attempts): labrun spool\n",
			   nitems, nitems == 1 ? "" : "s");
	free(items);
	return EXIT_YES;
}

int cmd_end(int argc, char **argv)
{
	const struct cmd *c = cmd_find("end");
	struct cmd_env env = {0};
	struct session_entry s;
	struct err e = {0};
	int rc;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(c, argc < 2 ? "name a session (labrun sessions lists them)"
						   : "one session id");
	rc = cmd_setup(c, &env);
	if (rc)
		return rc;
	if (register_end(argv[1], &s, &e) < 0)
		return cmd_fail("end", &e);
	cmd_printf(stdout, "asked session %s (%s, candidate %s) to end; it is graded as it stands\n",
		   s.id, s.scenario, s.candidate);
	return EXIT_YES;
}
