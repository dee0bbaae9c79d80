/* faults: applies a scenario's fault plan to its files before the
 * candidate enters, deterministically for a seed, and records each
 * injection for the evidence (faults.c); decides the syscall faults
 * during the session (sysfaults.c).  The sandbox's supervisor sends the
 * process faults and carries out the syscall verdicts. */
#ifndef LABRUN_FAULTS_H
#define LABRUN_FAULTS_H

#include <stddef.h>
#include <sys/types.h>

struct err;
struct scenario;
struct tar_list;
struct ev_fault;
struct fault;

/* The record of a fault not (yet) applied: triggered 0. */
void faults_describe(const struct fault *f, struct ev_fault *out);

/* Apply every file fault of sc to the tree beneath lower_fd (the scenario's
 * system/, just extracted), in order, with garbage bytes derived from
 * seed_hex.  Files a fault creates are owned by uid.  out[i] records
 * fault i (out has sc->nfaults entries).  A fault that cannot be applied
 * is ERR_REFUSED naming it. */
int faults_apply(const struct scenario *sc, const struct tar_list *files,
		 int lower_fd, uid_t uid, const char *seed_hex,
		 struct ev_fault *out, struct err *e);

/* Syscall faults.  The trap families (masks for sbx_config) the plan
 * needs for the candidate's processes and for the services'. */
void sysfaults_traps(const struct scenario *sc, unsigned *candidate,
		     unsigned *services);
struct fault_plan;
struct sbx;
struct sbx_call;
struct sbx_verdict;
/* The plan's run-time state (files is the bundle, for syscall.file's
 * sources); free it with sysfaults_free. */
int sysfaults_new(const struct scenario *sc, const struct tar_list *files,
		  const char *seed_hex, struct fault_plan **out, struct err *e);
void sysfaults_free(struct fault_plan *p);
/* The sandbox's call hook: the verdict for call c. */
int sysfaults_call(struct fault_plan *p, const struct sbx *sb,
		   const struct sbx_call *c, struct sbx_verdict *v);
/* A syscall fault's target and schedule, for its record. */
void sysfaults_describe(const struct fault *f, struct ev_fault *out);
/* What each syscall fault did, into out (indexed as the scenario's plan). */
void sysfaults_record(const struct fault_plan *p, struct ev_fault *out);

#endif
