/* terminal: the person's terminal while labrun hands it to a sandbox's
 * shell (take, shell).  One place saves its settings, makes it raw and
 * restores it on every way out: the end of the session, labrun's exit,
 * a crash of labrun itself (SIGSEGV, SIGBUS, SIGABRT, SIGFPE).  A resize
 * raises terminal_winch, the flag the supervisor polls (session_ui.winch).
 * It reads no keys and pages no text: that is take's pager. */
#ifndef LABRUN_TERMINAL_H
#define LABRUN_TERMINAL_H

#include <signal.h>
#include <stddef.h>
#include <termios.h>

extern volatile sig_atomic_t terminal_winch;

/* Saves stdin's settings and installs the handlers (once a process).
 * Returns the saved settings, or NULL when stdin is not a terminal. */
const struct termios *terminal_claim(void);
/* Every key to the sandbox: raw mode from the saved settings.  0, or -1
 * (nothing changed) when there are none or the terminal refuses. */
int terminal_raw(void);
/* The saved settings back (safe from a signal handler and at exit). */
void terminal_restore(void);
/* session_ui.output: the sandbox's terminal to the screen. */
void terminal_output(void *ctx, const void *data, size_t len);

#endif
