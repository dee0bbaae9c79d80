/* dryrun: the grader run once at authoring time, and the whole of
 * validate's checks (dryrun.c). */
#ifndef LABRUN_DRYRUN_H
#define LABRUN_DRYRUN_H

struct tar_list;
struct scenario;
struct problems;
struct err;

/* Run the grader on the scenario's files with no candidate work; a grader
 * that fails (loops, hits a limit, returns nonsense) is a problem added to
 * p.  -1 only when the dry run itself could not be made (e). */
int scenario_dry_run(const struct tar_list *files, const struct scenario *sc,
		     struct problems *p, struct err *e);

/* Every check of `labrun validate`, every problem into p: the tree and
 * the manifest (scenario_check), agentd's own check of the platform and
 * of each variant's fault plan, the grader's dry run, and each wrong
 * solution's must-fail ids against the check ids the dry run returned.
 * Agentd's check runs beside the manifest's problems; the dry run needs
 * a sound scenario.  0 with out filled (the base plan); -1 ERR_REFUSED
 * with the problems in p; -1 with p as it was on a host failure.  run,
 * take and selftest call it on a scenario directory before any session. */
int scenario_validate(const struct tar_list *files, unsigned max_depth,
		      struct scenario *out, struct problems *p, struct err *e);

/* The same dry run, for its checks: gr (released by the caller) holds the
 * ids and kinds the grader returns on the untouched files, which recert
 * plan compares with stored evidence.  gr->ok == 0 with the reason in
 * gr->error when the grader or the platform failed; -1 only when the dry
 * run itself could not be made (e). */
struct grader_result;
int scenario_dry_grade(const struct tar_list *files, const struct scenario *sc,
		       struct grader_result *gr, struct err *e);

#endif
