/* cast: an asciicast v2 recording of a session's terminal output, built in
 * memory under a byte cap.  What the candidate prints goes through a
 * streaming terminal filter first (HOSTILE.md V4): every sequence that acts
 * outside the screen or makes the terminal answer (OSC clipboard writes,
 * titles and hyperlinks, DCS/APC/PM/SOS strings, device and window
 * reports, ENQ, DECID, C1 controls) is replaced by the visible text
 * "[labrun: KIND removed]" and counted by kind; colours, cursor movement,
 * erasing, scroll regions and DEC private modes pass byte for byte, so a
 * recording still plays, and nothing in it can drive the examiner's
 * terminal when it is played.  Invalid UTF-8 is escaped as the text
 * "\xNN" (a sequence split across reads is joined first), so the file is
 * valid JSON that Debian's asciinema plays.  When the cap is reached a
 * last output event says so and nothing more is recorded.  Event times
 * are seconds with microseconds: asciicast's format, the one place labrun
 * writes non-integer numbers.  Input ("i" events) is recorded as typed,
 * not filtered: players do not send it to the terminal.  The header holds
 * the terminal's size at the start; each later size is an "r" event. */
#ifndef LABRUN_CAST_H
#define LABRUN_CAST_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct buf;
struct cast;

/* What the filter neutralises, by kind; cast_kind_name gives the names the
 * manifest and the markers use (docs/evidence.md lists them). */
enum cast_kind {
	CAST_OSC_CLIPBOARD,   /* "osc-clipboard": OSC 52, the clipboard */
	CAST_OSC_TITLE,       /* "osc-title": OSC 0, 1, 2, l, L; screen's ESC k */
	CAST_OSC_HYPERLINK,   /* "osc-hyperlink": OSC 8 */
	CAST_OSC_OTHER,       /* "osc-other": any other OSC (colours set or
			       * queried, notifications, directories, marks) */
	CAST_DCS,             /* "dcs": DECRQSS, XTGETTCAP, sixel, passthrough */
	CAST_APC_PM_SOS,      /* "apc-pm-sos": APC, PM and SOS strings */
	CAST_TERMINAL_REPORT, /* "terminal-report": a CSI the terminal answers
			       * (DSR, DA1/2/3, DECRQM, XTVERSION, ...) */
	CAST_WINDOW_OP,       /* "window-op": XTWINOPS CSI ... t, title modes,
			       * page size changes */
	CAST_CSI_OTHER,       /* "csi-other": any other CSI off the screen list
			       * (keyboard modes, LEDs, printer, VT52 mode) */
	CAST_ESC_OTHER,       /* "esc-other": an ESC sequence off the screen
			       * list (leaving UTF-8 with ESC %, S8C1T) */
	CAST_C1_CONTROL,      /* "c1-control": a C1 control, 8-bit or UTF-8
			       * encoded, not counted under a kind above */
	CAST_ENQ,             /* "enq": ENQ, 0x05, asks for the answerback */
	CAST_DECID,           /* "decid": ESC Z, asks the terminal's identity */
	CAST_OVERLONG,        /* "overlong": a string over CAST_MAX_STRING or a
			       * sequence over CAST_MAX_SEQ bytes */
	CAST_UNFINISHED,      /* "unfinished": a sequence the end of the
			       * recording cut before its final byte */
	CAST_NKINDS
};

struct cast_neutral {
	uint64_t total;               /* the sum of kind[] */
	uint64_t kind[CAST_NKINDS];   /* sequences neutralised, by kind */
};

int cast_open(struct cast **out, unsigned width, unsigned height,
	      int64_t start_unix_s, size_t max_bytes, struct err *e);
/* t_us: microseconds since the session started. */
int cast_output(struct cast *c, int64_t t_us, const void *data, size_t len,
		struct err *e);
/* The candidate's keystrokes, as "i" events (when the scenario asks for
 * them); bounded like the output's file. */
int cast_input(struct cast *c, int64_t t_us, const void *data, size_t len,
	       struct err *e);
/* The terminal was resized to width x height (columns, rows): an "r"
 * event, "COLSxROWS", as asciicast v2 has it, so that a player wraps the
 * later output as the screen did; bounded like the output's file. */
int cast_resize(struct cast *c, int64_t t_us, unsigned width,
		unsigned height, struct err *e);
/* 1 once the cap was hit. */
int cast_capped(const struct cast *c);
/* What the filter neutralised so far, including a sequence still open,
 * counted as cast_finish will close it: once the output has ended the
 * counts are final. */
void cast_neutralised(const struct cast *c, struct cast_neutral *out);
/* "osc-clipboard", ...; NULL for a value out of range. */
const char *cast_kind_name(enum cast_kind k);
/* Flush pending bytes (closing an open sequence) and hand over the file's
 * bytes. */
int cast_finish(struct cast *c, int64_t t_us, struct buf *out, struct err *e);
void cast_free(struct cast *c);

#endif
