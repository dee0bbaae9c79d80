/* faults: applies a scenario's fault plan to its files before the
 * candidate enters, deterministically for a seed, and records each
 * injection for the evidence.  What each kind does is its row's in
 * faultkinds.c; the syscall faults are decided during the session
 * (sysfaults.h, included here for the callers of both).  The sandbox's
 * supervisor sends the process faults and carries out the syscall
 * verdicts. */
#ifndef LABRUN_FAULTS_H
#define LABRUN_FAULTS_H

#include <stddef.h>
#include <sys/types.h>

#include "runner/sysfaults.h"

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

#endif
