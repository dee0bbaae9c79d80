/* recorder: what the supervisor records while a session's sandbox runs,
 * through the sandbox's hooks: the terminal (asciicast: its output and
 * its changes of size), every program executed and how it ended, the
 * hints taken, the lab channel's answers, the time warnings and a
 * signal's request to stop.  It answers from its
 * own records, never from what the candidate sends; it does not build,
 * grade or seal anything (session.c does). */
#ifndef LABRUN_RECORDER_H
#define LABRUN_RECORDER_H

#include <signal.h>
#include <stddef.h>

#include "base/limits.h"
#include "runner/evidence.h"

struct cast;
struct fault_plan;
struct sbx;
struct sbx_hooks;
struct scenario;
struct session_ui;

struct recorder {
	struct cast *cast;
	struct ev_command *cmds;
	int *host_pids;
	size_t n, cap;
	int truncated;
	int failed; /* out of memory while recording: the session is an error */
	struct fault_plan *plan; /* the syscall faults, or NULL */
	const struct sbx *sb;
	/* take: the candidate at a terminal */
	const struct session_ui *ui;
	volatile sig_atomic_t *stop;
	const struct scenario *sc;
	unsigned limit_s;        /* the time limit the candidate has */
	int warned;              /* 1: at 10 minutes, 2: at 2 minutes */
	int submitted, stopped;  /* lab submit; stopped by an operator 1, hang-up 2 */
	struct ev_hint hints[SCENARIO_MAX_HINTS];
	size_t nhints;
};

/* The sandbox's hooks that feed r, once r's sb, sc, limit_s, stop and ui
 * are set: the ticks when there is a stop flag or a candidate at a
 * terminal, the keyboard when the scenario records it. */
void rec_hooks(struct recorder *r, struct sbx_hooks *out);

/* What the hints taken cost, in thousandths of the score. */
unsigned rec_hint_points(const struct recorder *r);

/* Free what r recorded (the commands, the cast); r is zeroed. */
void rec_release(struct recorder *r);

#endif
