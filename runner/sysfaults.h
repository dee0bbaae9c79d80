/* sysfaults: the syscall faults of a plan during a session
 * (syscall.errno, syscall.file, syscall.delay; docs/faults.md): the trap
 * families the sandbox must report, and for each reported call the
 * verdict.  The sandbox carries the verdicts out; this decides them. */
#ifndef LABRUN_SYSFAULTS_H
#define LABRUN_SYSFAULTS_H

struct ev_fault;
struct fault;
struct fault_plan;
struct err;
struct sbx;
struct sbx_call;
struct sbx_verdict;
struct scenario;
struct tar_list;

/* The plan's run-time state (files is the bundle, for syscall.file's
 * sources); free it with sysfaults_free. */
int sysfaults_new(const struct scenario *sc, const struct tar_list *files,
		  const char *seed_hex, struct fault_plan **out, struct err *e);
void sysfaults_free(struct fault_plan *p);
/* The sandbox's call hook: the verdict for call c. */
int sysfaults_call(struct fault_plan *p, const struct sbx *sb,
		   const struct sbx_call *c, struct sbx_verdict *v);
/* What each syscall fault did, into out (indexed as the scenario's plan). */
void sysfaults_record(const struct fault_plan *p, struct ev_fault *out);

#endif
