/* cmd_take: `labrun take`, an exam at this terminal.  It shows the brief
 * (paged with less's single keys), then hands the candidate a shell in
 * the sandbox on a pty of its own, started at this terminal's size: raw
 * keyboard in, the sandbox's output out, window size changes passed on
 * (and recorded, recorder.c).  At the end, each check by its title.
 * The terminal is restored on every way out, fatal signals included
 * (terminal.c, which shell shares); a signal or a dropped connection ends
 * the session, which is graded as it stands (session.c).  The candidate never gets a shell outside the
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
#include "runner/terminal.h"
#include "sandbox/sandbox.h"

const char usage_take[] =
	"usage: labrun take BUNDLE --trust AUTHOR_PUB --key ISSUER_SEC\n"
	"                   --candidate ID -o EVIDENCE [--time-factor F]\n"
	"                   [--attempt N] [--identifier TYPE:VALUE] [--registry REG]\n"
	"                   [--config FILE]\n"
	"\n"
	"Runs an exam at this terminal.  The brief comes first, paged when it is\n"
	"long, with less's keys (space next page, Enter next line, b back, q to\n"
	"the start); Enter starts the exam, Ctrl-C there leaves without starting\n"
	"and writes nothing.  The sandbox's terminal starts at this terminal's\n"
	"size and follows it; the recording keeps each size.  Then the candidate\n"
	"works in a shell inside the sandbox, with the time left in the prompt\n"
	"and the `lab` command: lab brief, lab time, lab hint (costs points,\n"
	"asks first), lab status, lab submit (asks first, then ends and grades).\n"
	"Warnings come at 10 and 2 minutes left; at the limit the session ends\n"
	"and is graded.  Leaving the shell (exit, Ctrl-D) also ends it.  A\n"
	"dropped connection or a signal to labrun ends the session too, graded\n"
	"as it stands.  The evidence bundle is written at EVIDENCE, and a\n"
	"summary of each check, by its title, is shown.\n"
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

/* The brief's pager, as less pages: keys act at once, without Enter.
 * The lines are the header (title, time limit, a blank line) and then
 * the brief's; a screen holds rows - 1 screen rows of them and the
 * prompt, which is erased before anything is printed on, so none is left
 * in the middle of the brief.  Reaching the end, or q, ends the pager. */
struct pager {
	const struct scenario *sc;
	unsigned limit_s;
	const char **line;  /* each brief line's start */
	size_t *len;        /* and its length, without the newline */
	size_t n;           /* lines, the header's 3 included */
	unsigned cols, rows; /* the screen, read again before each page */
	cc_t intr, quit, eof; /* the terminal's Ctrl-C, Ctrl-\ and Ctrl-D */
};

#define PAGER_HEAD 3 /* title, time limit, blank */

static void pager_size(struct pager *pg)
{
	sbx_term_size(1, &pg->cols, &pg->rows);
	if (pg->rows < 2)
		pg->rows = 2;
}

/* Character cells of n bytes of text: UTF-8 continuation bytes are no
 * characters; a tab runs to the next stop of 8. */
static size_t cells_of(const char *text, size_t n, size_t cells)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t k;

	for (k = 0; k < n; k++)
		if (p[k] == '\t')
			cells += 8 - cells % 8;
		else if ((p[k] & 0xc0) != 0x80)
			cells++;
	return cells;
}

/* Screen rows line i takes, wrapped at the screen's width. */
static unsigned pager_height(const struct pager *pg, size_t i)
{
	const struct scenario *sc = pg->sc;
	size_t cells;

	if (i == 0) /* "TITLE  (ID VERSION)" */
		cells = cells_of(sc->version, strlen(sc->version),
				 cells_of(sc->id, strlen(sc->id),
					  cells_of(sc->title, strlen(sc->title), 0) + 3) + 2);
	else if (i < PAGER_HEAD)
		return 1;
	else
		cells = cells_of(pg->line[i - PAGER_HEAD], pg->len[i - PAGER_HEAD], 0);
	return cells ? (unsigned)((cells - 1) / pg->cols + 1) : 1;
}

static void pager_print(const struct pager *pg, size_t i)
{
	const struct scenario *sc = pg->sc;

	if (i == 0) {
		/* The scenario's own text is escaped (cmd_printf); the
		 * bold around it is labrun's. */
		fputs("\033[1m", stdout);
		cmd_printf(stdout, "%s", sc->title);
		fputs("\033[0m", stdout);
		cmd_printf(stdout, "  (%s %s)\n", sc->id, sc->version);
	} else if (i == 1) {
		cmd_printf(stdout, "time limit %u:%02u\n", pg->limit_s / 60,
			   pg->limit_s % 60);
	} else if (i == 2) {
		cmd_printf(stdout, "\n");
	} else {
		cmd_printf(stdout, "%.*s\n", (int)pg->len[i - PAGER_HEAD],
			   pg->line[i - PAGER_HEAD]);
	}
}

/* Print lines from i on while they fit in budget screen rows (at least
 * one line); returns the first line not printed. */
static size_t pager_show(const struct pager *pg, size_t i, unsigned budget)
{
	unsigned used = 0;

	do {
		used += pager_height(pg, i);
		pager_print(pg, i++);
	} while (i < pg->n && used + pager_height(pg, i) <= budget);
	return i;
}

/* The first line of the screenful of budget rows that ends before line
 * end. */
static size_t pager_back(const struct pager *pg, size_t end, unsigned budget)
{
	unsigned used = 0;

	while (end > 0 && used + pager_height(pg, end - 1) <= budget)
		used += pager_height(pg, --end);
	return end;
}

/* One key from the terminal: its byte, or -1 at EOF, an error or a
 * signal's stop.  A window resized meanwhile (SIGWINCH, whose handler
 * interrupts reads) is no reason to stop waiting. */
static int read_key(void)
{
	unsigned char c;
	ssize_t n;

	for (;;) {
		if (cmd_stop)
			return -1;
		n = read(0, &c, 1);
		if (n == 1)
			return cmd_stop ? -1 : c;
		if (n == 0 || errno != EINTR)
			return -1;
	}
}

/* Ctrl-C, Ctrl-\ or Ctrl-D: the candidate leaves (the terminal sends
 * them as bytes while the pager holds it without signals). */
static int pager_leaves(const struct pager *pg, int k)
{
	return k < 0 || (pg->intr != _POSIX_VDISABLE && k == pg->intr) ||
	       (pg->quit != _POSIX_VDISABLE && k == pg->quit) ||
	       (pg->eof != _POSIX_VDISABLE && k == pg->eof);
}

static void pager_prompt(const struct pager *pg, size_t next)
{
	static const char keys[] =
		" space next page, Enter next line, b back, q to the start";
	char head[32];
	size_t pct = next * 100 / pg->n;

	snprintf(head, sizeof head, "-- more (%zu%%)", pct);
	fputs("\033[7m", stdout);
	cmd_printf(stdout, "%s", head);
	/* on one screen row, or erasing it would leave a row of it behind */
	if (strlen(head) + sizeof keys - 1 + 3 < pg->cols)
		cmd_printf(stdout, "%s", keys);
	fputs(" --\033[0m", stdout);
	fflush(stdout);
}

/* Page through the lines: 0 when the candidate has read them (or q),
 * -1 when they leave. */
static int pager_run(struct pager *pg)
{
	size_t top = 0, next;
	int k;

	pager_size(pg);
	next = pager_show(pg, 0, pg->rows - 1);
	while (next < pg->n) {
		pager_prompt(pg, next);
		do /* any other key: nothing, as in less */
			k = read_key();
		while (!pager_leaves(pg, k) && (!k || !strchr("qQ fj\r\nb", k)));
		if (pager_leaves(pg, k))
			break;
		fputs("\r\033[K", stdout); /* the prompt, gone */
		pager_size(pg);
		if (k == 'q' || k == 'Q') {
			fflush(stdout);
			return 0;
		}
		if (k == 'b') {
			top = pager_back(pg, top, pg->rows - 1);
			fputs("\033[H\033[2J", stdout);
			next = pager_show(pg, top, pg->rows - 1);
			continue;
		}
		next = pager_show(pg, next, k == ' ' || k == 'f' ? pg->rows - 1 : 1);
		top = pager_back(pg, next, pg->rows - 1);
	}
	if (next < pg->n) {
		fputs("\r\033[K", stdout);
		cmd_printf(stdout, "\n");
		fflush(stdout);
		return -1;
	}
	fflush(stdout);
	return 0;
}

/* The brief's lines, split (pointing into text). */
static int pager_split(struct pager *pg, const char *text)
{
	const char *p = text;
	size_t n = 0, i = 0;

	for (p = text; *p; p++)
		n += *p == '\n';
	n += p > text && p[-1] != '\n';
	pg->line = calloc(n ? n : 1, sizeof *pg->line);
	pg->len = calloc(n ? n : 1, sizeof *pg->len);
	if (!pg->line || !pg->len)
		return -1;
	for (p = text; *p && i < n; i++) {
		const char *nl = strchr(p, '\n');

		pg->line[i] = p;
		pg->len[i] = nl ? (size_t)(nl - p) : strlen(p);
		p += pg->len[i] + (nl != NULL);
	}
	pg->n = PAGER_HEAD + i;
	return 0;
}

/* The terminal without line editing, echo or signals: each key is read
 * as it is pressed (Ctrl-C arrives as its byte, pager_leaves). */
static int keys_at_once(const struct take_ui *ui)
{
	struct termios t = ui->saved;

	t.c_lflag &= (tcflag_t) ~(ICANON | ECHO | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return tcsetattr(0, TCSANOW, &t); /* keys typed ahead stay */
}

/* Wait for Enter: 0, or -1 when the candidate leaves. */
static int wait_start(const struct pager *pg)
{
	int k;

	for (;;) {
		k = read_key();
		if (pager_leaves(pg, k))
			return -1;
		if (k == '\r' || k == '\n')
			return 0;
	}
}

/* The brief, paged at a terminal (all of it at once elsewhere), then
 * Enter to start.  The candidate's terminal size when they start is
 * where the sandbox's terminal and the recording start. */
static int show_brief(void *ctx, const struct scenario *sc, unsigned limit_s)
{
	struct take_ui *ui = ctx;
	struct pager pg;
	int paged = ui->saved_ok && isatty(1), rc = -1;
	size_t i;

	memset(&pg, 0, sizeof pg);
	pg.sc = sc;
	pg.limit_s = limit_s;
	pg.intr = pg.quit = pg.eof = _POSIX_VDISABLE;
	if (paged) {
		pg.intr = ui->saved.c_cc[VINTR];
		pg.quit = ui->saved.c_cc[VQUIT];
		pg.eof = ui->saved.c_cc[VEOF];
	}
	if (pager_split(&pg, sc->brief ? sc->brief : "") < 0)
		goto out;
	if (paged && keys_at_once(ui) < 0)
		paged = 0;
	if (paged) {
		if (pager_run(&pg) < 0)
			goto out;
	} else {
		for (i = 0; i < pg.n; i++)
			pager_print(&pg, i);
	}
	/* What recertification will replay (docs/recert.md) */
	cmd_printf(stdout, "\nYour answers go in ~/answers/. Leave the commands of your fix there as\n"
		   "runbook.sh and recertification replays them against later versions of\n"
		   "the platform; without one it rebuilds them from the programs you ran.\n");
	cmd_printf(stdout, "\nPress Enter to start the exam (Ctrl-C leaves without starting).");
	fflush(stdout);
	if (wait_start(&pg) < 0) {
		cmd_printf(stdout, "\n");
		goto out;
	}
	cmd_printf(stdout, "\n");
	fflush(stdout);
	sbx_term_size(0, &ui->s.width, &ui->s.height);
	/* From here on every key goes to the sandbox's terminal. */
	if (terminal_raw() < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		terminal_restore();
	free(pg.line);
	free(pg.len);
	return rc;
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
	const struct termios *t;

	(void)ctx;
	memset(&the_ui, 0, sizeof the_ui);
	t = terminal_claim();
	if (t) {
		the_ui.saved = *t;
		the_ui.saved_ok = 1;
	}
	the_ui.s.ctx = &the_ui;
	the_ui.s.brief = show_brief;
	the_ui.s.output = terminal_output;
	the_ui.s.input_fd = 0;
	the_ui.s.winch = &terminal_winch;
	return &the_ui.s;
}

static void take_end(void *ctx)
{
	(void)ctx;
	terminal_restore();
	cmd_printf(stdout, "\n");
	fflush(stdout);
}

/* The end: the time taken and each check by its title, what the
 * candidate can read; the lines after it (cmd_run.c) give the verdict,
 * the checks' ids and messages, and where the evidence is. */
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
