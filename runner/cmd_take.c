/* cmd_take: `labrun take`, an exam at this terminal.  It shows the brief,
 * then hands the candidate a shell in the sandbox on a pty of its own: raw
 * keyboard in, the sandbox's output out, window size changes passed on.
 * The terminal is restored on every way out, fatal signals included; a
 * signal or a dropped connection ends the session, which is graded as it
 * stands (session.c).  The candidate never gets a shell outside the
 * sandbox: labrun starts none, and its own exits lead only to the summary.
 * Options and the end are cmd_run.c's: take hands it the terminal as
 * hooks (struct cmd_terminal, cmd.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/cmd.h"
#include "runner/scenario.h"
#include "runner/session.h"

const char usage_take[] =
	"usage: labrun take BUNDLE --trust AUTHOR_PUB --key ISSUER_SEC\n"
	"                   --candidate ID -o EVIDENCE [--time-factor F]\n"
	"                   [--attempt N] [--config FILE]\n"
	"\n"
	"Runs an exam at this terminal.  The brief comes first (paged when it is\n"
	"long); Enter starts the exam, Ctrl-C there leaves without starting and\n"
	"writes nothing.  Then the candidate works in a shell inside the sandbox,\n"
	"with the time left in the prompt and the `lab` command: lab brief, lab\n"
	"time, lab hint (costs points, asks first), lab status, lab submit (asks\n"
	"first, then ends and grades).  Warnings come at 10 and 2 minutes left;\n"
	"at the limit the session ends and is graded.  Leaving the shell (exit,\n"
	"Ctrl-D) also ends it.  A dropped connection or a signal to labrun ends\n"
	"the session too, graded as it stands.  The evidence bundle is written\n"
	"at EVIDENCE, and a summary of each check is shown.\n"
	"\n"
	"  --time-factor F   an accommodation: the time limit times F (1 to 4),\n"
	"                    recorded in the evidence\n"
	"  (the other options as for labrun run)\n"
	"\n"
	"Runs as root, on a terminal.  Exit: 0 pass, 1 fail (or input refused,\n"
	"or the exam not started: nothing written), 2 usage, 3 error verdict.\n";

struct take_ui {
	struct session_ui s;
	struct termios saved;
	int saved_ok;
};

static struct take_ui the_ui;
static volatile sig_atomic_t winch;

static void restore(void)
{
	if (the_ui.saved_ok)
		tcsetattr(0, TCSAFLUSH, &the_ui.saved);
}

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

/* A crash must not leave the candidate's terminal raw. */
static void on_fatal(int sig)
{
	restore();
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

static int take_factor(const char *s, unsigned *pct)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 1.0 || v > 4.0)
		return -1;
	*pct = (unsigned)(v * 100 + 0.5);
	return 0;
}

static unsigned rows(void)
{
	struct winsize ws;

	return ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4 ? ws.ws_row : 24;
}

/* Read one line from the terminal in its normal mode: 1 for a line that
 * starts with 'q', 0 for any other; -1 at EOF or an interrupt (Ctrl-C,
 * a hangup).  A window resized while the candidate reads (SIGWINCH,
 * whose handler interrupts reads) is no reason to stop waiting. */
static int wait_key(void)
{
	char line[64];

	for (;;) {
		if (cmd_stop)
			return -1;
		errno = 0;
		if (fgets(line, sizeof line, stdin))
			break;
		if (!ferror(stdin) || errno != EINTR || cmd_stop)
			return -1;
		clearerr(stdin);
	}
	return cmd_stop ? -1 : line[0] == 'q' ? 1 : 0;
}

/* The brief, a page at a time, then Enter to start. */
static int show_brief(void *ctx, const struct scenario *sc, unsigned limit_s)
{
	struct take_ui *ui = ctx;
	const char *p = sc->brief ? sc->brief : "";
	unsigned page = rows() - 3, line = 0;
	struct termios raw;

	/* The scenario's own text is escaped (cmd_printf); the bold around
	 * it is labrun's. */
	fputs("\033[1m", stdout);
	cmd_printf(stdout, "%s", sc->title);
	fputs("\033[0m", stdout);
	cmd_printf(stdout, "  (%s %s)\ntime limit %u:%02u\n\n", sc->id,
		   sc->version, limit_s / 60, limit_s % 60);
	line = 3;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		cmd_printf(stdout, "%.*s\n", (int)n, p);
		p += n + (nl != NULL);
		if (++line >= page && *p) {
			fputs("\033[7m-- more: Enter for the next page, q to skip to the start --\033[0m",
			      stdout);
			fflush(stdout);
			int k = wait_key();

			if (k < 0)
				return -1;
			if (k == 1)
				break;
			line = 0;
		}
	}
	/* What recertification will replay (docs/recert.md) */
	cmd_printf(stdout, "\nYour answers go in ~/answers/. Leave the commands of your fix there as\n"
		   "runbook.sh and recertification replays them against later versions of\n"
		   "the platform; without one it rebuilds them from the programs you ran.\n");
	cmd_printf(stdout, "\nPress Enter to start the exam (Ctrl-C leaves without starting).");
	fflush(stdout);
	if (wait_key() < 0) {
		cmd_printf(stdout, "\n");
		return -1;
	}
	cmd_printf(stdout, "\n");
	fflush(stdout);
	/* From here on every key goes to the sandbox's terminal. */
	raw = ui->saved;
	cfmakeraw(&raw);
	if (tcsetattr(0, TCSAFLUSH, &raw) < 0)
		return -1;
	return 0;
}

static void to_screen(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)write_all(1, data, len);
}

static int take_ready(void *ctx, struct err *e)
{
	(void)ctx;
	if (!isatty(0) || !isatty(1))
		return err_set(e, ERR_USAGE,
			       "take needs a terminal on stdin and stdout; hint: labrun run takes a script");
	return 0;
}

static const struct session_ui *take_begin(void *ctx)
{
	(void)ctx;
	memset(&the_ui, 0, sizeof the_ui);
	if (tcgetattr(0, &the_ui.saved) == 0)
		the_ui.saved_ok = 1;
	atexit(restore);
	handle(SIGWINCH, on_winch, 0);
	handle(SIGPIPE, SIG_IGN, 0);
	handle(SIGSEGV, on_fatal, SA_RESETHAND);
	handle(SIGBUS, on_fatal, SA_RESETHAND);
	handle(SIGABRT, on_fatal, SA_RESETHAND);
	handle(SIGFPE, on_fatal, SA_RESETHAND);
	the_ui.s.ctx = &the_ui;
	the_ui.s.brief = show_brief;
	the_ui.s.output = to_screen;
	the_ui.s.input_fd = 0;
	the_ui.s.winch = &winch;
	return &the_ui.s;
}

static void take_end(void *ctx)
{
	(void)ctx;
	restore();
	cmd_printf(stdout, "\n");
	fflush(stdout);
}

static void take_summary(void *ctx, const struct session_result *res)
{
	(void)ctx;
	fputs("\033[1mThe exam is over.\033[0m", stdout);
	cmd_printf(stdout, " Time taken %lld:%02lld.\n",
		   (long long)(res->duration_ms / 60000),
		   (long long)(res->duration_ms / 1000 % 60));
}

int cmd_take(int argc, char **argv)
{
	static const struct cmd_terminal term = {
		.ctx = &the_ui,
		.factor = take_factor,
		.ready = take_ready,
		.begin = take_begin,
		.end = take_end,
		.summary = take_summary,
	};

	return cmd_session(cmd_find("take"), argc, argv, &term);
}
