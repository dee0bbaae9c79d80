/* cast: an asciicast v2 recording of terminal output, in memory, under a
 * byte cap, with the terminal filter that neutralises what would act
 * outside the screen.  It does not read the terminal or write files: the
 * session feeds it output and the evidence module stores the result.  The
 * filter is a VT500-style state machine (ground, escape, CSI, string) over
 * units: an ASCII byte, a C1 control (8-bit, or UTF-8 encoded as
 * U+0080..U+009F), a valid UTF-8 character, or a broken sequence.  It
 * holds at most one sequence (CAST_MAX_SEQ bytes) and never a string's
 * body, only its first characters and its length. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/cast.h"

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a
#define ENQ 0x05
#define DEL 0x7f
#define C1_ST 0x9c

enum fstate {
	F_GROUND,
	F_ESC,     /* after ESC: intermediates, then a final byte */
	F_CSI,     /* after ESC [ or 0x9b: parameters, intermediates, final */
	F_STR,     /* inside an OSC, DCS, APC, PM, SOS or ESC k string */
	F_STR_ESC, /* ESC inside a string: ST if a backslash follows */
};

enum fstr { S_OSC, S_DCS, S_APC_PM_SOS, S_TITLE };

struct filter {
	enum fstate st;
	unsigned char seq[CAST_MAX_SEQ]; /* the sequence held until its final
					  * byte, always in 7-bit form */
	size_t nseq;            /* bytes in seq */
	int overflow;           /* more came than seq holds */
	int c1;                 /* the sequence began with a C1 control */
	enum fstr str;          /* in a string: which */
	size_t nstr;            /* bytes of the string's body so far */
	unsigned char first;    /* its first byte */
	char num[8];            /* an OSC's first characters, up to ';' */
	size_t nnum;
	int num_done;           /* the ';' (or something else) ended them */
	int after_bad;          /* the last unit was a broken sequence */
	uint64_t count[CAST_NKINDS];
};

struct cast {
	struct buf out;      /* the file so far */
	size_t max_bytes;    /* bytes of output recorded at most */
	size_t recorded;     /* bytes of output taken so far */
	size_t max_events;   /* bytes of event lines at most (escaping grows them) */
	size_t events;       /* bytes of event lines so far */
	unsigned char pend[4]; /* an unfinished UTF-8 sequence from the last call */
	size_t npend;
	int64_t last_us;     /* events never go back in time */
	int capped;
	struct filter f;
};

static const char *const kind_names[CAST_NKINDS] = {
	[CAST_OSC_CLIPBOARD] = "osc-clipboard",
	[CAST_OSC_TITLE] = "osc-title",
	[CAST_OSC_HYPERLINK] = "osc-hyperlink",
	[CAST_OSC_OTHER] = "osc-other",
	[CAST_DCS] = "dcs",
	[CAST_APC_PM_SOS] = "apc-pm-sos",
	[CAST_TERMINAL_REPORT] = "terminal-report",
	[CAST_WINDOW_OP] = "window-op",
	[CAST_CSI_OTHER] = "csi-other",
	[CAST_ESC_OTHER] = "esc-other",
	[CAST_C1_CONTROL] = "c1-control",
	[CAST_ENQ] = "enq",
	[CAST_DECID] = "decid",
	[CAST_OVERLONG] = "overlong",
	[CAST_UNFINISHED] = "unfinished",
};

const char *cast_kind_name(enum cast_kind k)
{
	return (unsigned)k < CAST_NKINDS ? kind_names[k] : NULL;
}

/* ---- the terminal filter ---------------------------------------------- */

/* What the CSI classification says to do with a sequence: keep it (a
 * screen sequence) or neutralise it as a kind. */
#define KEEP (-1)

/* CSI sequences by private marker (0 none), intermediates and final byte,
 * first match wins.  An allow-list: whatever is not listed as screen is
 * neutralised, so a terminal's next extension is off by default.  The
 * sources are xterm's ctlseqs and the VT510 manual. */
static const struct csi_rule {
	char priv;
	const char *inter;
	const char *finals;
	int kind;
} csi_rules[] = {
	/* the terminal answers */
	{0, "", "cnx", CAST_TERMINAL_REPORT},    /* DA1, DSR, DECREQTPARM */
	{'?', "", "nmuS", CAST_TERMINAL_REPORT}, /* DSR (DEC), XTQMODKEYS,
						  * keyboard flags, XTSMGRAPHICS */
	{'>', "", "cq", CAST_TERMINAL_REPORT},   /* DA2, XTVERSION */
	{'=', "", "c", CAST_TERMINAL_REPORT},    /* DA3 */
	{0, "$", "puw", CAST_TERMINAL_REPORT},   /* DECRQM, DECRQTSR, DECRQPSR */
	{'?', "$", "p", CAST_TERMINAL_REPORT},   /* DECRQM (DEC modes) */
	{0, "*", "y", CAST_TERMINAL_REPORT},     /* DECRQCRA */
	{0, "\"", "v", CAST_TERMINAL_REPORT},    /* DECRQDE */
	{0, "#", "|R", CAST_TERMINAL_REPORT},    /* XTREPORTSGR, XTREPORTCOLORS */
	{0, "'", "|", CAST_TERMINAL_REPORT},     /* DECRQLP */
	/* the window, not the screen */
	{0, "", "t", CAST_WINDOW_OP},            /* XTWINOPS, DECSLPP */
	{'>', "", "tT", CAST_WINDOW_OP},         /* title modes */
	{0, "$", "|", CAST_WINDOW_OP},           /* DECSCPP: columns */
	{0, "*", "|", CAST_WINDOW_OP},           /* DECSNLS: lines */
	/* the screen: cursor, erase, insert, scroll, SGR, modes */
	{0, "", "@ABCDEFGHIJKLMPSTXZ`abdefghjklmrsu", KEEP},
	{'?', "", "hlJKrs", KEEP},               /* DEC modes, DECSED, DECSEL,
						  * save and restore modes */
	{0, " ", "q@A", KEEP},                   /* DECSCUSR, SL, SR */
	{0, "!", "p", KEEP},                     /* DECSTR */
	{0, "\"", "q", KEEP},                    /* DECSCA */
	{0, "$", "rtvxz{", KEEP},                /* rectangular areas */
	{0, "'", "}~", KEEP},                    /* DECIC, DECDC */
	{0, "*", "x", KEEP},                     /* DECSACE */
	{0, "#", "pq{}", KEEP},                  /* push and pop SGR */
};

/* ANSI modes set or reset with CSI h and l that touch the screen only:
 * IRM (4) and LNM (20).  KAM (2) would lock the examiner's keyboard and
 * SRM (12) changes local echo. */
static int ansi_mode_ok(unsigned long m)
{
	return m == 4 || m == 20;
}

/* DEC private modes that pass: all but those that change more than the
 * screen.  DECANM (2) puts the terminal in VT52 mode, where everything
 * after it is read by other rules; DECCOLM (3), and 40 which allows it,
 * resize the window. */
static int dec_mode_ok(unsigned long m)
{
	return m != 2 && m != 3 && m != 40;
}

/* Every ';'-separated parameter in p[0..n) is a number that ok accepts (an
 * empty one is 0). */
static int params_ok(const unsigned char *p, size_t n,
		     int (*ok)(unsigned long))
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i <= n; i++) {
		if (i == n || p[i] == ';') {
			if (!ok(v))
				return 0;
			v = 0;
		} else if (p[i] >= '0' && p[i] <= '9') {
			if (v > 100000)
				return 0;
			v = v * 10 + (unsigned long)(p[i] - '0');
		} else {
			return 0; /* ':' sub-parameters mean nothing here */
		}
	}
	return 1;
}

/* The CSI sequence s[0..n) (after ESC [, before the final byte fin):
 * KEEP or the kind to neutralise it as.  Bytes out of the grammar's order
 * (a private marker after parameters, a parameter after an intermediate)
 * make a sequence terminals ignore: neutralised too. */
static int csi_kind(const unsigned char *s, size_t n, unsigned char fin)
{
	char inter[3] = {0, 0, 0};
	size_t i = 0, p0, pn, ni = 0, r;
	char priv = 0;

	if (i < n && s[i] >= 0x3c && s[i] <= 0x3f)
		priv = (char)s[i++];
	for (p0 = i; i < n && s[i] >= 0x30 && s[i] <= 0x3b; i++)
		;
	pn = i - p0;
	for (; i < n && s[i] >= 0x20 && s[i] <= 0x2f; i++)
		if (ni < 2)
			inter[ni++] = (char)s[i];
		else
			return CAST_CSI_OTHER;
	if (i < n)
		return CAST_CSI_OTHER;
	for (r = 0; r < sizeof csi_rules / sizeof csi_rules[0]; r++) {
		const struct csi_rule *k = &csi_rules[r];

		if (k->priv != priv || strcmp(k->inter, inter) ||
		    !strchr(k->finals, fin))
			continue;
		if (k->kind == KEEP && !ni && (fin == 'h' || fin == 'l') &&
		    !params_ok(s + p0, pn, priv ? dec_mode_ok : ansi_mode_ok))
			return CAST_CSI_OTHER;
		return k->kind;
	}
	return CAST_CSI_OTHER;
}

/* ESC sequences that pass, by final byte, without intermediates: DECSC,
 * DECRC, keypad modes, IND, NEL, HTS, RI, SS2, SS3, RIS, DECBI, DECFI,
 * locking shifts, and a stray ST (which does nothing). */
static const char esc_screen[] = "6789=>DEHMNOcno|}~\\";

/* out may be NULL: then only the counts move (cast_neutralised). */
static int put(struct buf *out, const void *p, size_t n, struct err *e)
{
	return out && n ? buf_append(out, p, n, e) : 0;
}

static int neutralise(struct filter *f, enum cast_kind k, struct buf *out,
		      struct err *e)
{
	f->count[k]++;
	if (!out)
		return 0;
	return buf_printf(out, e, "[labrun: %s removed]", kind_names[k]);
}

static void hold(struct filter *f, unsigned char c)
{
	if (f->nseq < sizeof f->seq)
		f->seq[f->nseq++] = c;
	else
		f->overflow = 1;
}

static void begin(struct filter *f, enum fstate st, const char *intro, int c1)
{
	f->st = st;
	f->nseq = 0;
	f->overflow = 0;
	f->c1 = c1;
	for (; *intro; intro++)
		hold(f, (unsigned char)*intro);
}

static void begin_string(struct filter *f, enum fstr s)
{
	f->st = F_STR;
	f->str = s;
	f->nnum = 0;
	f->num_done = 0;
	f->first = 0;
	f->nstr = 0;
}

/* An OSC by its number: "52", "0", "8", ... (xterm reads it as a decimal
 * number, so "052" is 52 too). */
static enum cast_kind osc_kind(const struct filter *f)
{
	unsigned long v = 0;
	size_t i;

	if (f->first == 'l' || f->first == 'L')
		return CAST_OSC_TITLE; /* dtterm's title and icon label */
	if (!f->nnum)
		return CAST_OSC_OTHER;
	for (i = 0; i < f->nnum; i++) {
		if (f->num[i] < '0' || f->num[i] > '9')
			return CAST_OSC_OTHER;
		v = v * 10 + (unsigned long)(f->num[i] - '0');
	}
	switch (v) {
	case 52: return CAST_OSC_CLIPBOARD;
	case 0: case 1: case 2: return CAST_OSC_TITLE;
	case 8: return CAST_OSC_HYPERLINK;
	}
	return CAST_OSC_OTHER;
}

/* A string ended (by ST, BEL, CAN, SUB, another control or the end of
 * the recording): it is removed whole, whatever ended it. */
static int end_string(struct filter *f, struct buf *out, struct err *e)
{
	enum cast_kind k = f->str == S_DCS	   ? CAST_DCS
			   : f->str == S_APC_PM_SOS ? CAST_APC_PM_SOS
			   : f->str == S_TITLE	   ? CAST_OSC_TITLE
						   : osc_kind(f);

	f->st = F_GROUND;
	return neutralise(f, k, out, e);
}

enum unit_kind { U_ASCII, U_C1, U_TEXT, U_BAD };

struct unit {
	enum unit_kind k;
	unsigned char c; /* U_ASCII: the byte; U_C1: the control, 0x80..0x9f */
	size_t len;      /* bytes of input */
};

/* The unit at in[0..len).  A raw byte 0x80..0x9f that stands alone is a
 * C1 control, as an 8-bit terminal reads it; one that belongs to a broken
 * sequence is not (a UTF-8 terminal shows it as part of the garbage), and
 * filter_feed also joins to a broken sequence the bytes 0x80..0xbf that
 * follow it, in this read or the next. */
static struct unit next_unit(const unsigned char *in, size_t len)
{
	struct unit u = {U_ASCII, in[0], 1};
	size_t n;

	if (in[0] < 0x80)
		return u;
	n = utf8_seq_len(in, len);
	if (n == 2 && in[0] == 0xc2 && in[1] < 0xa0) {
		u.k = U_C1;
		u.c = in[1];
		u.len = 2;
	} else if (n) {
		u.k = U_TEXT;
		u.len = n;
	} else {
		u.len = utf8_broken_len(in, len);
		u.k = u.len == 1 && in[0] < 0xa0 ? U_C1 : U_BAD;
	}
	return u;
}

/* A C1 control, in any state but a string: it begins what its 7-bit form
 * ESC (c - 0x40) would.  Sequences begun by a C1 control are removed even
 * when their 7-bit form is a screen sequence: a UTF-8 terminal does not
 * read them so, and no honest program prints them. */
static int c1_control(struct filter *f, unsigned char c, struct buf *out,
		      struct err *e)
{
	f->st = F_GROUND;
	switch (c) {
	case 0x9b: /* CSI */
		begin(f, F_CSI, "\033[", 1);
		return 0;
	case 0x9d: /* OSC */
		begin_string(f, S_OSC);
		return 0;
	case 0x90: /* DCS */
		begin_string(f, S_DCS);
		return 0;
	case 0x98: case 0x9e: case 0x9f: /* SOS, PM, APC */
		begin_string(f, S_APC_PM_SOS);
		return 0;
	case 0x9a: /* SCI, DECID on DEC terminals */
		return neutralise(f, CAST_DECID, out, e);
	}
	return neutralise(f, CAST_C1_CONTROL, out, e);
}

static int ground(struct filter *f, const struct unit *u,
		  const unsigned char *in, struct buf *out, struct err *e)
{
	char x[5];
	size_t i;

	switch (u->k) {
	case U_TEXT:
		return put(out, in, u->len, e);
	case U_BAD:
		/* as utf8_escape writes it: "\xNN" for each byte */
		for (i = 0; i < u->len; i++) {
			snprintf(x, sizeof x, "\\x%02x", in[i]);
			if (put(out, x, 4, e) < 0)
				return -1;
		}
		return 0;
	case U_C1:
		return c1_control(f, u->c, out, e);
	case U_ASCII:
		break;
	}
	if (u->c == ESC) {
		begin(f, F_ESC, "\033", 0);
		return 0;
	}
	if (u->c == ENQ)
		return neutralise(f, CAST_ENQ, out, e);
	return put(out, &u->c, 1, e);
}

/* The final byte of an ESC sequence (0x30..0x7e).  A sequence passes only
 * whole, its final byte held with the rest. */
static int esc_final(struct filter *f, unsigned char c, struct buf *out,
		     struct err *e)
{
	size_t ninter = f->nseq - 1;
	int keep = 0;

	f->st = F_GROUND;
	hold(f, c);
	if (f->overflow)
		return neutralise(f, CAST_OVERLONG, out, e);
	if (ninter == 0) {
		switch (c) {
		case '[':
			f->st = F_CSI;
			return 0;
		case ']':
			begin_string(f, S_OSC);
			return 0;
		case 'P':
			begin_string(f, S_DCS);
			return 0;
		case 'X': case '^': case '_':
			begin_string(f, S_APC_PM_SOS);
			return 0;
		case 'k': /* screen's and tmux's title string */
			begin_string(f, S_TITLE);
			return 0;
		case 'Z':
			return neutralise(f, CAST_DECID, out, e);
		}
		keep = strchr(esc_screen, c) != NULL;
	} else if (ninter == 1) {
		/* character set designations and DEC line sizes; not ESC %
		 * (leaving UTF-8 makes UTF-8 text bytes C1 controls) nor
		 * ESC SP (control transmission, conformance levels) */
		keep = strchr("()*+-./", f->seq[1]) ||
		       (f->seq[1] == '#' && strchr("34568", c));
	}
	if (!keep)
		return neutralise(f, CAST_ESC_OTHER, out, e);
	return put(out, f->seq, f->nseq, e);
}

static int csi_final(struct filter *f, unsigned char c, struct buf *out,
		     struct err *e)
{
	int k = csi_kind(f->seq + 2, f->nseq - 2, c);

	f->st = F_GROUND;
	hold(f, c);
	if (f->overflow)
		k = CAST_OVERLONG;
	else if (k == KEEP && f->c1)
		k = CAST_C1_CONTROL;
	if (k != KEEP)
		return neutralise(f, (enum cast_kind)k, out, e);
	return put(out, f->seq, f->nseq, e);
}

/* One unit in the escape or CSI state.  Returns 1 when the unit is to be
 * read again in the state the sequence left (ground). */
static int in_sequence(struct filter *f, const struct unit *u,
		       const unsigned char *in, struct buf *out, struct err *e)
{
	unsigned char c = u->c;

	if (u->k != U_ASCII) {
		/* A character or a C1 control breaks the sequence off; a
		 * terminal never acted on it, so it leaves no trace. */
		f->st = F_GROUND;
		return 1;
	}
	if (c == CAN || c == SUB) {
		f->st = F_GROUND;
		return put(out, &c, 1, e);
	}
	if (c == ESC) {
		begin(f, F_ESC, "\033", 0);
		return 0;
	}
	if (c == DEL)
		return 0;
	if (c < 0x20) /* executed where it stands, as terminals do */
		return ground(f, u, in, out, e);
	if (f->st == F_ESC) {
		if (c < 0x30) {
			hold(f, c);
			return 0;
		}
		return esc_final(f, c, out, e);
	}
	if (c < 0x40) {
		hold(f, c);
		return 0;
	}
	return csi_final(f, c, out, e);
}

/* One unit inside a string: only its end matters; the body is counted,
 * not kept.  Returns 1 when the unit is to be read again. */
static int in_string(struct filter *f, const struct unit *u, struct buf *out,
		     struct err *e)
{
	unsigned char c = u->c;

	if (f->st == F_STR_ESC) {
		if (u->k == U_ASCII && c == '\\')
			return end_string(f, out, e); /* ESC \ is ST */
		if (end_string(f, out, e) < 0)
			return -1;
		begin(f, F_ESC, "\033", 0);
		return 1;
	}
	if (u->k == U_C1) {
		if (end_string(f, out, e) < 0)
			return -1;
		return c == C1_ST ? 0 : 1;
	}
	if (u->k == U_ASCII) {
		if (c == BEL && (f->str == S_OSC || f->str == S_TITLE))
			return end_string(f, out, e);
		if (c == CAN || c == SUB)
			return end_string(f, out, e) < 0 ? -1 : put(out, &c, 1, e);
		if (c == ESC) {
			f->st = F_STR_ESC;
			return 0;
		}
	}
	if (u->len > CAST_MAX_STRING - f->nstr) {
		/* Dropped as overlong; what follows is read as output again,
		 * so that a string never closed cannot hide the rest of the
		 * session. */
		f->st = F_GROUND;
		return neutralise(f, CAST_OVERLONG, out, e) < 0 ? -1 : 1;
	}
	if (!f->nstr && u->k == U_ASCII)
		f->first = c;
	f->nstr += u->len;
	if (f->str == S_OSC && !f->num_done) {
		if (u->k == U_ASCII && c != ';' && f->nnum < sizeof f->num)
			f->num[f->nnum++] = (char)c;
		else if (u->k == U_ASCII && c == ';')
			f->num_done = 1;
		else {
			f->nnum = 0; /* not a number */
			f->num_done = 1;
		}
	}
	return 0;
}

/* Run in[0..len) through the filter, appending what is recorded to out. */
static int filter_feed(struct filter *f, const unsigned char *in, size_t len,
		       struct buf *out, struct err *e)
{
	struct unit u;
	size_t i = 0, run;
	int rc;

	while (i < len) {
		/* Plain text, most of any output, goes in one piece. */
		for (run = i; f->st == F_GROUND && run < len &&
			      ((in[run] >= 0x20 && in[run] < DEL) ||
			       in[run] == '\n' || in[run] == '\r');
		     run++)
			;
		if (run > i) {
			if (put(out, in + i, run - i, e) < 0)
				return -1;
			f->after_bad = 0;
			i = run;
			continue;
		}
		u = next_unit(in + i, len - i);
		if (u.k == U_C1 && u.len == 1 && f->after_bad)
			u.k = U_BAD;
		f->after_bad = u.k == U_BAD;
		do {
			switch (f->st) {
			case F_GROUND:
				rc = ground(f, &u, in + i, out, e);
				break;
			case F_ESC:
			case F_CSI:
				rc = in_sequence(f, &u, in + i, out, e);
				break;
			default:
				rc = in_string(f, &u, out, e);
				break;
			}
		} while (rc > 0);
		if (rc < 0)
			return -1;
		i += u.len;
	}
	return 0;
}

/* The end of the recording: an open sequence is closed and counted. */
static int filter_close(struct filter *f, struct buf *out, struct err *e)
{
	switch (f->st) {
	case F_GROUND:
		return 0;
	case F_ESC:
	case F_CSI:
		f->st = F_GROUND;
		return neutralise(f, CAST_UNFINISHED, out, e);
	default:
		return end_string(f, out, e);
	}
}

/* ---- asciicast -------------------------------------------------------- */

static const char hexdig[] = "0123456789abcdef";

/* Append s as a JSON string: quotes, backslashes and control characters
 * escaped; s is valid UTF-8 already. */
static int json_quote(struct buf *b, const unsigned char *s, size_t len,
		      struct err *e)
{
	size_t i, run = 0;
	char u[6] = {'\\', 'u', '0', '0', 0, 0};
	const char *esc;

	if (buf_append(b, "\"", 1, e) < 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_append(b, s + run, i - run, e) < 0)
			return -1;
		run = i + 1;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default: esc = NULL; break;
		}
		if (esc) {
			if (buf_puts(b, esc, e) < 0)
				return -1;
			continue;
		}
		u[4] = hexdig[c >> 4];
		u[5] = hexdig[c & 15];
		if (buf_append(b, u, sizeof u, e) < 0)
			return -1;
	}
	if (buf_append(b, s + run, len - run, e) < 0)
		return -1;
	return buf_append(b, "\"", 1, e);
}

/* One line [T, "o", "text"] (or "i" for input, "r" for a resize) into
 * line; data may hold invalid UTF-8. */
static int format_event(struct buf *line, int64_t t_us, char kind,
			const void *data, size_t len, struct err *e)
{
	struct buf text = BUF_INIT;
	int rc = -1;

	if (utf8_escape(data, len, &text, e) < 0)
		goto out;
	if (buf_printf(line, e, "[%lld.%06lld, \"%c\", ",
		       (long long)(t_us / 1000000),
		       (long long)(t_us % 1000000), kind) < 0 ||
	    json_quote(line, text.data, text.len, e) < 0 ||
	    buf_puts(line, "]\n", e) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&text);
	return rc;
}

/* Append one event.  With bounded set, an event that would take the
 * event lines past max_events is not appended and 1 is returned. */
static int emit(struct cast *c, int64_t t_us, char kind, const void *data,
		size_t len, int bounded, struct err *e)
{
	struct buf line = BUF_INIT;
	int rc = 1;

	if (format_event(&line, t_us, kind, data, len, e) < 0)
		return -1;
	if (!bounded || line.len <= c->max_events - c->events) {
		rc = buf_append(&c->out, line.data, line.len, e);
		if (rc == 0)
			c->events += line.len;
	}
	buf_release(&line);
	return rc;
}

/* The last event: why nothing more was recorded. */
static int stop(struct cast *c, int64_t t_us, const char *what, size_t n,
		struct err *e)
{
	struct buf msg = BUF_INIT;
	int rc;

	if (buf_printf(&msg, e,
		       "\r\n[labrun: recording stopped: %s cap of %zu bytes reached]\r\n",
		       what, n) < 0)
		return -1;
	c->capped = 1;
	rc = emit(c, t_us, 'o', msg.data, msg.len, 0, e);
	buf_release(&msg);
	return rc;
}

int cast_open(struct cast **out, unsigned width, unsigned height,
	      int64_t start_unix_s, size_t max_bytes, struct err *e)
{
	struct cast *c;

	if (!width || !height)
		return err_set(e, ERR_BUG, "cast: terminal size %ux%u", width,
			       height);
	c = calloc(1, sizeof *c);
	if (!c)
		return err_set(e, ERR_HOST, "out of memory");
	c->max_bytes = max_bytes;
	c->max_events = max_bytes > (SIZE_MAX - CAST_MAX_FILE_SLACK) /
					    CAST_MAX_FILE_FACTOR
				? SIZE_MAX
				: max_bytes * CAST_MAX_FILE_FACTOR +
					  CAST_MAX_FILE_SLACK;
	if (buf_printf(&c->out, e,
		       "{\"version\": 2, \"width\": %u, \"height\": %u, "
		       "\"timestamp\": %lld, \"env\": {\"TERM\": "
		       "\"xterm-256color\", \"SHELL\": \"/bin/bash\"}}\n",
		       width, height, (long long)start_unix_s) < 0) {
		cast_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int64_t clamp_time(struct cast *c, int64_t t_us)
{
	if (t_us < c->last_us)
		t_us = c->last_us;
	c->last_us = t_us;
	return t_us;
}

int cast_output(struct cast *c, int64_t t_us, const void *data, size_t len,
		struct err *e)
{
	struct buf chunk = BUF_INIT, shown = BUF_INIT;
	size_t take, keep;
	int hit, rc = -1;

	if (c->capped || len == 0)
		return 0;
	t_us = clamp_time(c, t_us);
	take = c->max_bytes - c->recorded;
	hit = len > take;
	if (!hit)
		take = len;
	if (buf_append(&chunk, c->pend, c->npend, e) < 0 ||
	    buf_append(&chunk, data, take, e) < 0)
		goto out;
	c->recorded += take;
	c->npend = 0;
	/* At the cap an unfinished sequence is cut for good: escape it. */
	keep = hit ? 0 : utf8_incomplete_tail(chunk.data, chunk.len);
	memcpy(c->pend, chunk.data + chunk.len - keep, keep);
	c->npend = keep;
	chunk.len -= keep;
	if (filter_feed(&c->f, chunk.data, chunk.len, &shown, e) < 0 ||
	    (hit && filter_close(&c->f, &shown, e) < 0))
		goto out;
	if (shown.len) {
		/* Escaping, markers and many small events can make the file
		 * far larger than the output: bound the file too. */
		rc = emit(c, t_us, 'o', shown.data, shown.len, 1, e);
		if (rc < 0)
			goto out;
		if (rc > 0) {
			c->npend = 0;
			rc = stop(c, t_us, "recording", c->max_events, e);
			goto out;
		}
	}
	rc = hit ? stop(c, t_us, "output", c->max_bytes, e) : 0;
out:
	buf_release(&chunk);
	buf_release(&shown);
	return rc;
}

int cast_input(struct cast *c, int64_t t_us, const void *data, size_t len,
	       struct err *e)
{
	int rc;

	if (c->capped || len == 0)
		return 0;
	rc = emit(c, clamp_time(c, t_us), 'i', data, len, 1, e);
	if (rc > 0)
		rc = stop(c, t_us, "recording", c->max_events, e);
	return rc;
}

int cast_resize(struct cast *c, int64_t t_us, unsigned width,
		unsigned height, struct err *e)
{
	char size[32];
	int rc, n;

	if (!width || !height)
		return err_set(e, ERR_BUG, "cast: terminal size %ux%u", width,
			       height);
	if (c->capped)
		return 0;
	n = snprintf(size, sizeof size, "%ux%u", width, height);
	rc = emit(c, clamp_time(c, t_us), 'r', size, (size_t)n, 1, e);
	if (rc > 0)
		rc = stop(c, t_us, "recording", c->max_events, e);
	return rc;
}

int cast_capped(const struct cast *c)
{
	return c->capped;
}

void cast_neutralised(const struct cast *c, struct cast_neutral *out)
{
	struct filter f = c->f;
	size_t k;

	/* What cast_finish will do with the pending bytes and an open
	 * sequence, done on a copy, without output. */
	if (!c->capped) {
		filter_feed(&f, c->pend, c->npend, NULL, NULL);
		filter_close(&f, NULL, NULL);
	}
	memset(out, 0, sizeof *out);
	for (k = 0; k < CAST_NKINDS; k++) {
		out->kind[k] = f.count[k];
		out->total += f.count[k];
	}
}

int cast_finish(struct cast *c, int64_t t_us, struct buf *out, struct err *e)
{
	struct buf shown = BUF_INIT;
	int rc;

	t_us = clamp_time(c, t_us);
	if (!c->capped) {
		rc = filter_feed(&c->f, c->pend, c->npend, &shown, e) < 0 ||
		     filter_close(&c->f, &shown, e) < 0 ||
		     (shown.len &&
		      emit(c, t_us, 'o', shown.data, shown.len, 0, e) < 0);
		buf_release(&shown);
		if (rc)
			return -1;
		c->npend = 0;
	}
	if (out->len == 0) {
		buf_release(out);
		*out = c->out;
		c->out = (struct buf)BUF_INIT;
		return 0;
	}
	if (buf_append(out, c->out.data, c->out.len, e) < 0)
		return -1;
	buf_release(&c->out);
	return 0;
}

void cast_free(struct cast *c)
{
	if (!c)
		return;
	buf_release(&c->out);
	free(c);
}
