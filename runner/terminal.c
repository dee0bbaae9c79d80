/* terminal: see terminal.h. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "base/util.h"
#include "runner/terminal.h"

volatile sig_atomic_t terminal_winch;

static struct termios saved;
static int saved_ok, claimed;

void terminal_restore(void)
{
	if (saved_ok)
		tcsetattr(0, TCSAFLUSH, &saved);
}

static void on_winch(int sig)
{
	(void)sig;
	terminal_winch = 1;
}

/* A crash must not leave the terminal raw. */
static void on_fatal(int sig)
{
	terminal_restore();
	raise(sig); /* installed with SA_RESETHAND: the default action now */
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags; /* no SA_RESTART: the supervisor's poll wakes */
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

const struct termios *terminal_claim(void)
{
	if (!claimed) {
		claimed = 1;
		saved_ok = tcgetattr(0, &saved) == 0;
		atexit(terminal_restore);
		handle(SIGWINCH, on_winch, 0);
		handle(SIGPIPE, SIG_IGN, 0);
		handle(SIGSEGV, on_fatal, SA_RESETHAND);
		handle(SIGBUS, on_fatal, SA_RESETHAND);
		handle(SIGABRT, on_fatal, SA_RESETHAND);
		handle(SIGFPE, on_fatal, SA_RESETHAND);
	}
	return saved_ok ? &saved : NULL;
}

int terminal_raw(void)
{
	struct termios raw;

	if (!saved_ok)
		return -1;
	raw = saved;
	cfmakeraw(&raw);
	return tcsetattr(0, TCSAFLUSH, &raw) < 0 ? -1 : 0;
}

void terminal_output(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)write_all(1, data, len);
}
