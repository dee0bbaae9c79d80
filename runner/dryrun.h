/* dryrun: the grader run once at authoring time (dryrun.c). */
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

/* The same dry run, for its checks: gr (released by the caller) holds the
 * ids and kinds the grader returns on the untouched files, which recert
 * plan compares with stored evidence.  gr->ok == 0 with the reason in
 * gr->error when the grader or the platform failed; -1 only when the dry
 * run itself could not be made (e). */
struct grader_result;
int scenario_dry_grade(const struct tar_list *files, const struct scenario *sc,
		       struct grader_result *gr, struct err *e);

#endif
