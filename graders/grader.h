/* grader: the Lua 5.4 grader host.  A grader runs in a separate worker
 * process (forked, confined by sandbox/sandbox.h's grader profile, with
 * RLIMIT_CPU and a memory cap, killed by a wall-clock watchdog) after every
 * sandbox process is dead, over the frozen root.  Lua has no io, os,
 * require, debug, string.dump or bytecode loading.  The results come back
 * over a pipe as JSON and are checked strictly (graders/checks.h).  What a
 * grading takes and gives back: graders/grading.h.  Lua and jansson types
 * stay inside graders/. */
#ifndef LABRUN_GRADER_H
#define LABRUN_GRADER_H

#include <stddef.h>

#include "graders/grading.h"

struct err;

extern const struct grader_limits grader_default_limits;

/* Run the grader.  Returns 0 with result filled, ok or not (a grader that
 * loops, crashes or returns nonsense gives ok=0 and the reason); -1 only
 * when the worker could not be started at all (ERR_HOST). */
int grader_run(const struct grader_input *in, struct grader_result *out,
	       struct err *e);
void grader_result_release(struct grader_result *r);

/* Compile without running; 0 if it compiles, else -1 with the Lua message
 * ("grader/grade.lua:12: ...") in msg. */
int grader_compile(const char *source, size_t len, const char *chunkname,
		   char *msg, size_t msgsize);

/* The verdict of a result: "error" if !ok or any check is error, else
 * "pass" if score >= pass_mark, else "fail".  *score is the points as
 * thousandths of the total weight (0 when there is no weight). */
const char *grader_verdict(const struct grader_result *r, unsigned pass_mark,
			   unsigned *score);

const char *check_status_name(enum check_status s);

#endif
