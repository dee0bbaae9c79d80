/* test_cast: the asciicast v2 recorder: header, event lines that jansson
 * parses, UTF-8 sequences split across reads, invalid bytes escaped, the
 * output cap and its marker, times, resize ("r") events; and its terminal
 * filter (HOSTILE.md V4): every kind neutralised, counted and marked, in
 * 7-bit, 8-bit and UTF-8-encoded C1 forms, split across reads at every
 * byte, screen sequences kept byte for byte, strings bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/cast.h"
#include "tests/unit/tap.h"

#define MARK(n) "\r\n[labrun: recording stopped: output cap of " #n " bytes reached]\r\n"

struct rec {
	struct buf file;
	char *line[64]; /* lines of the file, NUL-terminated */
	size_t n;
};

static void split_lines(struct rec *r)
{
	char *p = (char *)r->file.data, *nl;

	r->n = 0;
	while (p && *p && r->n < 64) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		r->line[r->n++] = p;
		p = nl + 1;
	}
}

/* Event i (0 = first after the header): its time text and its data. */
static int event(const struct rec *r, size_t i, const char **time_text,
		 char **data, size_t *len)
{
	json_error_t je;
	json_t *v;
	const char *l;

	if (i + 1 >= r->n)
		return -1;
	l = r->line[i + 1];
	v = json_loads(l, JSON_ALLOW_NUL, &je);
	if (!v || !json_is_array(v) || json_array_size(v) != 3 ||
	    !json_is_real(json_array_get(v, 0)) ||
	    strcmp(json_string_value(json_array_get(v, 1)), "o") ||
	    !json_is_string(json_array_get(v, 2))) {
		json_decref(v);
		return -1;
	}
	*len = json_string_length(json_array_get(v, 2));
	*data = malloc(*len + 1);
	memcpy(*data, json_string_value(json_array_get(v, 2)), *len + 1);
	json_decref(v);
	if (time_text)
		*time_text = l + 1;
	return 0;
}

static void is_event(const struct rec *r, size_t i, const char *want,
		     size_t wantlen, const char *what)
{
	char *d = NULL;
	size_t len = 0;
	int rc = event(r, i, NULL, &d, &len);

	ok(rc == 0 && len == wantlen && !memcmp(d, want, len), "%s", what);
	if (rc == 0 && (len != wantlen || memcmp(d, want, len)))
		printf("#   got '%.*s'\n", (int)len, d);
	free(d);
}
#define IS_EVENT(r, i, lit, what) is_event(r, i, lit, sizeof lit - 1, what)

static void record(struct rec *r, size_t cap, const char *const *chunks,
		   const size_t *lens, const long long *times, size_t n)
{
	struct cast *c = NULL;
	struct err e = {0};
	size_t i;
	int bad = 0;

	memset(r, 0, sizeof *r);
	if (cast_open(&c, 80, 24, 1700000000, cap, &e) < 0) {
		ok(0, "cast_open: %s", e.msg);
		return;
	}
	for (i = 0; i < n; i++)
		bad |= cast_output(c, times ? times[i] : (long long)i * 1000,
				   chunks[i], lens[i], &e) < 0;
	bad |= cast_finish(c, 99000000, &r->file, &e) < 0;
	ok(!bad, "recorded %zu chunks", n);
	cast_free(c);
	split_lines(r);
}

static void all_lines_json(const struct rec *r, const char *what)
{
	size_t i;
	int good = r->n > 0;

	for (i = 0; i < r->n; i++) {
		json_error_t je;
		json_t *v = json_loads(r->line[i], 0, &je);

		if (!v)
			good = 0;
		json_decref(v);
	}
	ok(good, "%s: every line is valid JSON", what);
}


/* ---- the terminal filter ---- */

/* Record chunks[0..n) under a large cap; the output events' text joined
 * into text (NUL-terminated), the counts before and after cast_finish
 * (they must agree). */
static void play(const char *const *chunks, const size_t *lens, size_t n,
		 struct buf *text, struct cast_neutral *cn)
{
	struct cast *c = NULL;
	struct cast_neutral after;
	struct buf file = BUF_INIT;
	struct err e = {0};
	char *p, *nl;
	size_t i;

	memset(text, 0, sizeof *text);
	cast_open(&c, 80, 24, 0, 64u << 20, &e);
	for (i = 0; i < n; i++)
		cast_output(c, (int64_t)i, chunks[i], lens[i], &e);
	cast_neutralised(c, cn);
	cast_finish(c, (int64_t)n, &file, &e);
	cast_neutralised(c, &after);
	if (memcmp(cn, &after, sizeof after))
		ok(0, "the counts before cast_finish are the counts after it");
	cast_free(c);
	buf_append(text, "", 0, NULL);
	for (p = (char *)file.data; p && (nl = strchr(p, '\n')); p = nl + 1) {
		json_error_t je;
		json_t *v;

		*nl = 0;
		v = json_loads(p, JSON_ALLOW_NUL, &je);
		if (json_is_array(v) && !strcmp(json_string_value(json_array_get(v, 1)) ?
						json_string_value(json_array_get(v, 1)) : "", "o"))
			buf_append(text, json_string_value(json_array_get(v, 2)),
				   json_string_length(json_array_get(v, 2)), NULL);
		json_decref(v);
	}
	buf_release(&file);
}

static void play1(const char *in, size_t len, struct buf *text,
		  struct cast_neutral *cn)
{
	play(&in, &len, 1, text, cn);
}

/* in, recorded, gives want, with one neutralised sequence of kind k (none
 * when k is -1; not checked when -2). */
static void filtered(const char *in, size_t len, const char *want,
		     size_t wantlen, int k, const char *what)
{
	struct cast_neutral cn;
	struct buf t;

	play1(in, len, &t, &cn);
	ok(t.len == wantlen && !memcmp(t.data, want, wantlen), "%s", what);
	if (t.len != wantlen || memcmp(t.data, want, wantlen))
		printf("#   got '%.*s'\n", (int)t.len, (char *)t.data);
	if (k == -1)
		ok(cn.total == 0, "%s: nothing counted (%llu)", what,
		   (unsigned long long)cn.total);
	else if (k >= 0)
		ok(cn.total == 1 && cn.kind[k] == 1, "%s: one %s counted (total %llu)",
		   what, cast_kind_name((enum cast_kind)k), (unsigned long long)cn.total);
	buf_release(&t);
}
#define FILTERED(in, want, k, what) \
	filtered(in, sizeof in - 1, want, sizeof want - 1, k, what)
#define M(name) "[labrun: " name " removed]"

static void test_kinds(void)
{
	/* OSC, each terminator */
	FILTERED("a\033]52;c;SGVsbG8=\007b", "a" M("osc-clipboard") "b", CAST_OSC_CLIPBOARD,
		 "OSC 52 ended by BEL");
	FILTERED("a\033]52;c;SGVsbG8=\033\\b", "a" M("osc-clipboard") "b", CAST_OSC_CLIPBOARD,
		 "OSC 52 ended by ESC \\");
	FILTERED("a\033]52;c;?\x9c" "b", "a" M("osc-clipboard") "b", CAST_OSC_CLIPBOARD,
		 "OSC 52 ended by 8-bit ST");
	FILTERED("a\033]52;c;?\xc2\x9c" "b", "a" M("osc-clipboard") "b", CAST_OSC_CLIPBOARD,
		 "OSC 52 ended by ST as UTF-8");
	FILTERED("\x9d" "52;c;x\007", M("osc-clipboard"), CAST_OSC_CLIPBOARD, "8-bit OSC 52");
	FILTERED("\xc2\x9d" "52;c;x\xc2\x9c", M("osc-clipboard"), CAST_OSC_CLIPBOARD,
		 "OSC 52 in UTF-8 encoded C1");
	FILTERED("\033]0052;c;x\007", M("osc-clipboard"), CAST_OSC_CLIPBOARD,
		 "OSC 0052 is 52");
	FILTERED("\033]0;candidate PASSED\007$ ", M("osc-title") "$ ", CAST_OSC_TITLE, "OSC 0");
	FILTERED("\033]1;icon\033\\", M("osc-title"), CAST_OSC_TITLE, "OSC 1");
	FILTERED("\033]2;t\xc3\x9c" "tel\007", M("osc-title"), CAST_OSC_TITLE,
		 "OSC 2 with a character whose byte is 0x9c");
	FILTERED("\033]lwindow\033\\", M("osc-title"), CAST_OSC_TITLE, "OSC l (dtterm)");
	FILTERED("\033kname\033\\", M("osc-title"), CAST_OSC_TITLE, "screen's ESC k title");
	FILTERED("\033]8;;https://evil.example/\033\\click\033]8;;\033\\",
		 M("osc-hyperlink") "click" M("osc-hyperlink"), -2, "OSC 8 around text");
	FILTERED("\033]11;?\007", M("osc-other"), CAST_OSC_OTHER, "OSC 11 colour query");
	FILTERED("\033]4;1;?\007", M("osc-other"), CAST_OSC_OTHER, "OSC 4 palette query");
	FILTERED("\033]10;rgb:ff/00/00\007", M("osc-other"), CAST_OSC_OTHER, "OSC 10 colour set");
	FILTERED("\033]777;notify;a;b\007", M("osc-other"), CAST_OSC_OTHER, "OSC 777 notification");
	FILTERED("\033]\007", M("osc-other"), CAST_OSC_OTHER, "an empty OSC");
	/* DCS, APC, PM, SOS */
	FILTERED("\033P$qm\033\\", M("dcs"), CAST_DCS, "DECRQSS");
	FILTERED("\033P+q544e\033\\", M("dcs"), CAST_DCS, "XTGETTCAP");
	FILTERED("\x90" "$q\"p\x9c", M("dcs"), CAST_DCS, "8-bit DCS");
	FILTERED("\033P$q\007still\033\\x", M("dcs") "x", CAST_DCS,
		 "BEL does not end a DCS");
	FILTERED("\033_Gf=100;AAAA\033\\", M("apc-pm-sos"), CAST_APC_PM_SOS, "APC");
	FILTERED("\033^privacy\033\\", M("apc-pm-sos"), CAST_APC_PM_SOS, "PM");
	FILTERED("\033Xstring\033\\", M("apc-pm-sos"), CAST_APC_PM_SOS, "SOS");
	FILTERED("\xc2\x9f" "x\xc2\x9c", M("apc-pm-sos"), CAST_APC_PM_SOS, "APC in UTF-8 C1");
	/* CSI the terminal answers */
	FILTERED("\033[6n", M("terminal-report"), CAST_TERMINAL_REPORT, "DSR 6n");
	FILTERED("\033[5n", M("terminal-report"), CAST_TERMINAL_REPORT, "DSR 5n");
	FILTERED("\033[?6n", M("terminal-report"), CAST_TERMINAL_REPORT, "DECXCPR");
	FILTERED("\033[c", M("terminal-report"), CAST_TERMINAL_REPORT, "DA1");
	FILTERED("\033[0c", M("terminal-report"), CAST_TERMINAL_REPORT, "DA1 with 0");
	FILTERED("\033[>c", M("terminal-report"), CAST_TERMINAL_REPORT, "DA2");
	FILTERED("\033[=c", M("terminal-report"), CAST_TERMINAL_REPORT, "DA3");
	FILTERED("\033[?2004$p", M("terminal-report"), CAST_TERMINAL_REPORT, "DECRQM");
	FILTERED("\033[4$p", M("terminal-report"), CAST_TERMINAL_REPORT, "DECRQM (ANSI)");
	FILTERED("\033[>0q", M("terminal-report"), CAST_TERMINAL_REPORT, "XTVERSION");
	FILTERED("\033[1x", M("terminal-report"), CAST_TERMINAL_REPORT, "DECREQTPARM");
	FILTERED("\033[?u", M("terminal-report"), CAST_TERMINAL_REPORT, "keyboard flags query");
	FILTERED("\033[1;1;1;1;1*y", M("terminal-report"), CAST_TERMINAL_REPORT, "DECRQCRA");
	FILTERED("\x9b" "6n", M("terminal-report"), CAST_TERMINAL_REPORT, "8-bit DSR");
	FILTERED("\xc2\x9b" "6n", M("terminal-report"), CAST_TERMINAL_REPORT, "UTF-8 C1 DSR");
	/* the window */
	FILTERED("\033[21t", M("window-op"), CAST_WINDOW_OP, "title report 21t");
	FILTERED("\033[3;0;0t", M("window-op"), CAST_WINDOW_OP, "window move");
	FILTERED("\033[8;100;300t", M("window-op"), CAST_WINDOW_OP, "window resize");
	FILTERED("\033[22;0t", M("window-op"), CAST_WINDOW_OP, "title stack");
	FILTERED("\033[>2t", M("window-op"), CAST_WINDOW_OP, "title modes");
	/* other CSI and ESC */
	FILTERED("\033[>4;2m", M("csi-other"), CAST_CSI_OTHER, "modifyOtherKeys");
	FILTERED("\033[2h", M("csi-other"), CAST_CSI_OTHER, "KAM locks the keyboard");
	FILTERED("\033[?2l", M("csi-other"), CAST_CSI_OTHER, "VT52 mode");
	FILTERED("\033[?3h", M("csi-other"), CAST_CSI_OTHER, "132 columns");
	FILTERED("\033[?25;3h", M("csi-other"), CAST_CSI_OTHER, "a mode list with DECCOLM");
	FILTERED("\033[5i", M("csi-other"), CAST_CSI_OTHER, "media copy to the printer");
	FILTERED("\033[1q", M("csi-other"), CAST_CSI_OTHER, "keyboard LEDs");
	FILTERED("\033[62;1\"p", M("csi-other"), CAST_CSI_OTHER, "DECSCL (8-bit controls)");
	FILTERED("\033[1?m", M("csi-other"), CAST_CSI_OTHER, "a marker after parameters");
	FILTERED("\033%@", M("esc-other"), CAST_ESC_OTHER, "ESC % leaves UTF-8");
	FILTERED("\033 G", M("esc-other"), CAST_ESC_OTHER, "S8C1T");
	FILTERED("\033Z", M("decid"), CAST_DECID, "DECID");
	FILTERED("\x9a", M("decid"), CAST_DECID, "8-bit DECID");
	FILTERED("\xc2\x9a", M("decid"), CAST_DECID, "UTF-8 C1 DECID");
	FILTERED("a\005b", "a" M("enq") "b", CAST_ENQ, "ENQ");
	FILTERED("\033[3\0051m", M("enq") "\033[31m", CAST_ENQ,
		 "ENQ inside a CSI is executed where it stands");
	/* C1 controls without a sequence, or with a screen sequence */
	FILTERED("a\x85" "b", "a" M("c1-control") "b", CAST_C1_CONTROL, "8-bit NEL");
	FILTERED("a\xc2\x85" "b", "a" M("c1-control") "b", CAST_C1_CONTROL, "UTF-8 NEL");
	FILTERED("\x9b" "31mred", M("c1-control") "red", CAST_C1_CONTROL,
		 "an 8-bit CSI for colour is removed, not translated");
	FILTERED("\xc2\x9b" "2J", M("c1-control"), CAST_C1_CONTROL, "a UTF-8 C1 erase");
	FILTERED("\x9c", M("c1-control"), CAST_C1_CONTROL, "a stray ST");
	/* aborted, unfinished, overlong */
	FILTERED("\033]52;c;AAAA\030rest", M("osc-clipboard") "\030rest", CAST_OSC_CLIPBOARD,
		 "CAN aborts a string: removed all the same");
	FILTERED("\033]0;t\032rest", M("osc-title") "\032rest", CAST_OSC_TITLE,
		 "SUB aborts a string");
	FILTERED("\033[3\030x", "\030x", -1, "CAN aborts a CSI: nothing acted, nothing counted");
	FILTERED("\033[3\033[31mx", "\033[31mx", -1, "ESC restarts a sequence");
	FILTERED("\033]2;t\033[1mx", M("osc-title") "\033[1mx", CAST_OSC_TITLE,
		 "ESC other than ST ends a string and begins a sequence");
	FILTERED("\033]2;t\x9b" "6n", M("osc-title") M("terminal-report"), -2,
		 "a C1 control ends a string and begins its own");
	FILTERED("x\033[12", "x" M("unfinished"), CAST_UNFINISHED,
		 "a CSI open at the end is closed as unfinished");
	FILTERED("x\033", "x" M("unfinished"), CAST_UNFINISHED, "a lone ESC at the end");
	FILTERED("x\033]52;c;AAAA", "x" M("osc-clipboard"), CAST_OSC_CLIPBOARD,
		 "a string open at the end counts as its kind");
	FILTERED("\033\xc3\xa9", "\xc3\xa9", -1, "a character breaks an ESC off");
}

/* Whole sequences the screen needs pass byte for byte. */
static void test_screen(void)
{
	static const char screen[] =
		"\033[0m\033[1;31mred\033[38;5;196mx\033[38:2::255:0:0my\033[48;2;0;0;255mz\033[m"
		"\033[10;20H\033[2J\033[K\033[1K\033[A\033[5B\033[C\033[D\033[E\033[F\033[G"
		"\033[1;24r\033[r\033[S\033[2T\033[L\033[M\033[P\033[@\033[X\033[Z\033[b"
		"\033[?25l\033[?25h\033[?1049h\033[?1049l\033[?2004h\033[?2004l\033[?1h\033[?7l"
		"\033[?1000;1006h\033[?1004l\033[?12l\033[4h\033[4l\033[20h\033[2 q\033[!p\033[s\033[u"
		"\0337\0338\033=\033>\033M\033D\033E\033H\033(0qqq\033(B\033)0\033#8\033c"
		"\033N\033O\033\\"
		"tab\there\r\nbell\007 bs\b so\016 si\017 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"
		"\033[1$r\033[1;1;2;2$z\033[?1J\033[?2K\033[1\"q";
	struct cast_neutral cn;
	struct buf t;

	play1(screen, sizeof screen - 1, &t, &cn);
	ok(t.len == sizeof screen - 1 && !memcmp(t.data, screen, t.len),
	   "screen sequences pass byte for byte");
	if (t.len != sizeof screen - 1 || memcmp(t.data, screen, t.len))
		printf("#   got '%.*s'\n", (int)t.len, (char *)t.data);
	ok(cn.total == 0, "and nothing is counted (%llu)", (unsigned long long)cn.total);
	buf_release(&t);
}

/* The sample every hostile kind in one stream. */
static const char hostile[] =
	"ok \033]52;c;SGVsbG8=\007 \033]0;PASSED\033\\ \033]8;;http://x/\033\\l\033]8;;\033\\"
	" \033]11;?\007 \033P$qm\033\\ \033_x\033\\ \033^y\033\\ \033Xz\033\\"
	" \033[5n\033[6n\033[c\033[>c\033[=c\033[?1$p\033[>q\033[21t\033[3;1;1t"
	" \033Z\005 \x9b" "6n \xc2\x9b" "6n \x9d" "2;t\x9c \xc2\x9d" "52;c;x\xc2\x9c"
	" \x90q\x9c \xc2\x85 \033[1;31mred\033[0m end\r\n";

/* Reading the stream in two pieces at every byte, and one byte at a time,
 * records the same text and counts as reading it whole. */
static void test_splits(void)
{
	struct cast_neutral whole, part;
	struct buf w, t;
	const char *ch[sizeof hostile];
	size_t ln[sizeof hostile], i, n = sizeof hostile - 1, bad = 0;

	play1(hostile, n, &w, &whole);
	for (i = 0; i <= n; i++) {
		ch[0] = hostile;
		ln[0] = i;
		ch[1] = hostile + i;
		ln[1] = n - i;
		play(ch, ln, 2, &t, &part);
		if (t.len != w.len || memcmp(t.data, w.data, w.len) ||
		    memcmp(&whole, &part, sizeof part))
			bad++;
		buf_release(&t);
	}
	ok(bad == 0, "split in two at each of %zu bytes: the same (%zu differ)", n + 1, bad);
	for (i = 0; i < n; i++) {
		ch[i] = hostile + i;
		ln[i] = 1;
	}
	play(ch, ln, n, &t, &part);
	ok(t.len == w.len && !memcmp(t.data, w.data, w.len) &&
	   !memcmp(&whole, &part, sizeof part), "one byte a read: the same");
	buf_release(&t);
	ok(whole.total == 26, "every hostile sequence counted (%llu)",
	   (unsigned long long)whole.total);
	ok(whole.kind[CAST_OSC_CLIPBOARD] == 2 && whole.kind[CAST_OSC_TITLE] == 2 &&
	   whole.kind[CAST_OSC_HYPERLINK] == 2 && whole.kind[CAST_OSC_OTHER] == 1 &&
	   whole.kind[CAST_DCS] == 2 && whole.kind[CAST_APC_PM_SOS] == 3 &&
	   whole.kind[CAST_TERMINAL_REPORT] == 9 && whole.kind[CAST_WINDOW_OP] == 2 &&
	   whole.kind[CAST_DECID] == 1 && whole.kind[CAST_ENQ] == 1 &&
	   whole.kind[CAST_C1_CONTROL] == 1, "counted by kind");
	ok(strstr((char *)w.data, "\033[1;31mred\033[0m end\r\n") != NULL,
	   "the colours around them pass");
	ok(strstr((char *)w.data, M("osc-clipboard")) && strstr((char *)w.data, M("decid")),
	   "the markers are in the recording");
	buf_release(&w);
}

/* What the filter writes, read again, passes unchanged: nothing in a
 * recording is something it would neutralise, for any input.  And it
 * holds no C1 control in any encoding, and no ENQ. */
static void test_random(void)
{
	static const unsigned char alphabet[] = {
		'a', '0', '5', '2', ';', '[', ']', 'P', '_', '\\', '?', '>', '$', 'n',
		'c', 'm', 't', 'h', 'Z', '%', ' ', 0x1b, 0x07, 0x05, 0x18, 0x9b, 0x9c,
		0x9d, 0x90, 0x85, 0xc2, 0xc3, 0xa9, 0xe2, 0x82, 0xff, '\n',
	};
	uint32_t x = 777;
	char s[24];
	size_t i, n, unclean = 0, c1 = 0, split = 0;

	for (n = 0; n < 3000; n++) {
		struct cast_neutral cn, cn2, cn3;
		struct buf t, t2, t3;
		const char *ch[2];
		size_t ln[2], k;

		for (i = 0; i < sizeof s; i++) {
			x = x * 1103515245u + 12345u;
			s[i] = (char)alphabet[(x >> 16) % sizeof alphabet];
		}
		play1(s, sizeof s, &t, &cn);
		play1((char *)t.data, t.len, &t2, &cn2);
		if (cn2.total || t2.len != t.len || memcmp(t2.data, t.data, t.len))
			unclean++;
		for (i = 0; i < t.len; i++)
			if (t.data[i] == 0x05 ||
			    (t.data[i] == 0xc2 && i + 1 < t.len && t.data[i + 1] < 0xa0))
				c1++;
		k = (x >> 8) % sizeof s;
		ch[0] = s;
		ln[0] = k;
		ch[1] = s + k;
		ln[1] = sizeof s - k;
		play(ch, ln, 2, &t3, &cn3);
		if (t3.len != t.len || memcmp(t3.data, t.data, t.len) ||
		    memcmp(&cn, &cn3, sizeof cn))
			split++;
		buf_release(&t);
		buf_release(&t2);
		buf_release(&t3);
	}
	ok(unclean == 0, "3000 random streams: the recording passes the filter unchanged (%zu not)", unclean);
	ok(c1 == 0, "and holds no C1 control or ENQ (%zu)", c1);
	ok(split == 0, "and a random split reads the same (%zu differ)", split);
}

/* A string is never kept: past CAST_MAX_STRING it is dropped as overlong
 * and the rest is text again; a CSI past CAST_MAX_SEQ is overlong too. */
static void test_bounds(void)
{
	struct cast_neutral cn;
	struct buf in = BUF_INIT, t;
	size_t i;

	buf_puts(&in, "\033]52;c;", NULL);
	for (i = 0; i < CAST_MAX_STRING - 5; i++)
		buf_append(&in, "A", 1, NULL);
	buf_puts(&in, "\007after", NULL);
	play1((char *)in.data, in.len, &t, &cn);
	ok(cn.total == 1 && cn.kind[CAST_OSC_CLIPBOARD] == 1 &&
	   !strcmp((char *)t.data, M("osc-clipboard") "after"),
	   "a string of CAST_MAX_STRING bytes is still one string");
	buf_release(&t);
	buf_release(&in);

	buf_puts(&in, "\033P", NULL);
	for (i = 0; i < (1u << 20); i++)
		buf_append(&in, "B", 1, NULL);
	buf_puts(&in, "\033\\tail", NULL);
	play1((char *)in.data, in.len, &t, &cn);
	ok(cn.total == 1 && cn.kind[CAST_OVERLONG] == 1, "a 1 MiB DCS: counted once, overlong");
	ok(!strncmp((char *)t.data, M("overlong"), sizeof M("overlong") - 1) &&
	   t.len == sizeof M("overlong") - 1 + (1u << 20) - CAST_MAX_STRING + 6,
	   "dropped up to the cap, the rest recorded as text (%zu bytes)", t.len);
	ok(t.len >= 6 && !memcmp(t.data + t.len - 6, "\033\\tail", 6),
	   "and its stray terminator passes as the nothing it is");
	buf_release(&t);
	buf_release(&in);

	/* At every length around the bound a sequence passes whole, final
	 * byte and all, or not at all: what follows it cannot complete it. */
	{
		size_t n, bad = 0;

		for (n = CAST_MAX_SEQ - 6; n < CAST_MAX_SEQ + 2; n++) {
			struct cast_neutral cn2;
			struct buf t2;

			buf_puts(&in, "\033[", NULL);
			for (i = 0; i < n; i++)
				buf_append(&in, "1", 1, NULL);
			buf_puts(&in, "m6n \033(", NULL);
			for (i = 0; i < n; i++)
				buf_append(&in, " ", 1, NULL);
			buf_puts(&in, "B6n", NULL);
			play1((char *)in.data, in.len, &t, &cn);
			play1((char *)t.data, t.len, &t2, &cn2);
			if (cn2.total || t2.len != t.len || memcmp(t2.data, t.data, t.len))
				bad++;
			buf_release(&t);
			buf_release(&t2);
			buf_release(&in);
		}
		ok(bad == 0, "sequences at the bound pass whole or not at all (%zu bad)", bad);
	}
	buf_puts(&in, "\033[", NULL);
	for (i = 0; i < CAST_MAX_SEQ; i++)
		buf_append(&in, "1", 1, NULL);
	buf_puts(&in, "mX", NULL);
	play1((char *)in.data, in.len, &t, &cn);
	ok(cn.total == 1 && cn.kind[CAST_OVERLONG] == 1 &&
	   !strcmp((char *)t.data, M("overlong") "X"), "a CSI over CAST_MAX_SEQ bytes is overlong");
	buf_release(&t);
	buf_release(&in);
}

/* Broken UTF-8 is escaped as before, and its bytes 0x80..0x9f are garbage,
 * not C1 controls; the cap still counts what the candidate printed. */
static void test_bytes(void)
{
	FILTERED("\xed\xa0\x80", "\\xed\\xa0\\x80", -1, "a surrogate is one broken sequence");
	FILTERED("\xe2\x82" "A", "\\xe2\\x82A", -1, "a cut sequence");
	FILTERED("\xff\x9b" "6n", "\\xff\\x9b6n", -1,
		 "0x9b after a broken byte is part of the garbage");
	FILTERED("A\x9b" "6n", "A" M("terminal-report"), CAST_TERMINAL_REPORT,
		 "0x9b after text is a CSI");
	{
		struct rec r;
		static const char *const ch[] = {"ab\033]52;c;AAAAAAAAAAAA"};
		static const size_t ln[] = {19};

		record(&r, 10, ch, ln, NULL, 1);
		IS_EVENT(&r, 0, "ab" M("osc-clipboard"),
			 "a string cut by the output cap is closed and marked");
		IS_EVENT(&r, 1, MARK(10), "the cap counts the bytes printed, markers aside");
		buf_release(&r.file);
	}
	{
		struct cast *c = NULL;
		struct err e = {0};
		struct buf f = BUF_INIT;

		cast_open(&c, 80, 24, 0, 1000, &e);
		cast_input(c, 0, "\033]52;c;x\007\x9b\xff", 11, &e);
		cast_finish(c, 1, &f, &e);
		cast_free(c);
		ok(f.data && strstr((char *)f.data, "\"i\", \"\\u001b]52;c;x\\u0007\\\\x9b\\\\xff\"") != NULL,
		   "input events are kept as typed, valid JSON");
		buf_release(&f);
	}
	ok(cast_kind_name(CAST_NKINDS) == NULL && !strcmp(cast_kind_name(CAST_ENQ), "enq"),
	   "kind names");
}

/* ---- resize events ---- */

static void test_resize(void)
{
	struct cast *c = NULL;
	struct err e = {0};
	struct rec r;
	size_t i;
	int bad = 0;

	memset(&r, 0, sizeof r);
	cast_open(&c, 132, 40, 1700000000, 1000, &e);
	bad |= cast_output(c, 1000, "wide\r\n", 6, &e) < 0;
	bad |= cast_resize(c, 2500000, 100, 30, &e) < 0;
	bad |= cast_output(c, 2000000, "caf\xc3", 4, &e) < 0;
	bad |= cast_resize(c, 3000000, 90, 20, &e) < 0;
	bad |= cast_output(c, 3100000, "\xa9\r\n", 3, &e) < 0;
	bad |= cast_finish(c, 4000000, &r.file, &e) < 0;
	cast_free(c);
	ok(!bad, "a recording with resizes");
	split_lines(&r);
	ok(r.n == 6, "a header and five events (%zu lines)", r.n);
	ok(r.n > 0 && strstr(r.line[0], "\"width\": 132, \"height\": 40") != NULL,
	   "the header has the size the terminal started at");
	is_str(r.n > 2 ? r.line[2] : "", "[2.500000, \"r\", \"100x30\"]",
	       "a resize is an asciicast v2 \"r\" event, COLSxROWS");
	is_str(r.n > 3 ? r.line[3] : "", "[2.500000, \"o\", \"caf\"]",
	       "the output after it never goes back in time");
	is_str(r.n > 4 ? r.line[4] : "", "[3.000000, \"r\", \"90x20\"]",
	       "a resize between the halves of a UTF-8 character");
	is_str(r.n > 5 ? r.line[5] : "", "[3.100000, \"o\", \"\u00e9\\r\\n\"]",
	       "leaves the character whole");
	all_lines_json(&r, "resizes");
	buf_release(&r.file);

	ok(cast_open(&c, 80, 24, 0, 1000, &e) == 0 &&
	   cast_resize(c, 0, 0, 30, &e) < 0 && e.kind == ERR_BUG &&
	   cast_resize(c, 0, 100, 0, &e) < 0, "a resize to no size is a bug, refused");
	cast_free(c);

	/* Resizes are bounded with the rest of the file. */
	cast_open(&c, 80, 24, 0, 100, &e);
	for (i = 0; i < 100000 && !cast_capped(c); i++)
		bad |= cast_resize(c, (int64_t)i, 80 + i % 2, 24, &e) < 0;
	ok(!bad && cast_capped(c) && i < 100000,
	   "a flood of resizes hits the file bound (after %zu)", i);
	ok(cast_resize(c, (int64_t)i, 99, 99, &e) == 0, "a resize once capped is not recorded");
	memset(&r, 0, sizeof r);
	cast_finish(c, (int64_t)i, &r.file, &e);
	cast_free(c);
	ok(r.file.data && strstr((char *)r.file.data, "recording cap of") &&
	   !strstr((char *)r.file.data, "99x99"), "the marker is the last word");
	buf_release(&r.file);
}

int main(void)
{
	struct rec r;

	{
		static const char *const ch[] = {"hello\r\n"};
		static const size_t ln[] = {7};
		static const long long t[] = {1234567};
		const char *tt;
		char *d;
		size_t len;

		record(&r, 1000, ch, ln, t, 1);
		is_str(r.line[0],
		       "{\"version\": 2, \"width\": 80, \"height\": 24, "
		       "\"timestamp\": 1700000000, \"env\": {\"TERM\": "
		       "\"xterm-256color\", \"SHELL\": \"/bin/bash\"}}",
		       "header line");
		ok(r.n == 2, "one event");
		ok(event(&r, 0, &tt, &d, &len) == 0 && !strncmp(tt, "1.234567, ", 10),
		   "time printed with 6 decimals");
		free(d);
		is_str(r.line[1], "[1.234567, \"o\", \"hello\\r\\n\"]", "event line");
		all_lines_json(&r, "simple");
		buf_release(&r.file);
	}
	{
		/* é split 1+1, € split 2+1, 😀 split 1+1+2 */
		static const char *const ch[] = {"a\xc3", "\xa9" "b", "\xe2\x82",
						 "\xac", "\xf0", "\x9f", "\x98\x80!"};
		static const size_t ln[] = {2, 2, 2, 1, 1, 1, 3};

		record(&r, 1000, ch, ln, NULL, 7);
		ok(r.n == 5, "split sequences: events only when text is complete (%zu lines)", r.n);
		IS_EVENT(&r, 0, "a", "split 2-byte: first part");
		IS_EVENT(&r, 1, "\xc3\xa9" "b", "split 2-byte joined");
		IS_EVENT(&r, 2, "\xe2\x82\xac", "split 3-byte joined");
		IS_EVENT(&r, 3, "\xf0\x9f\x98\x80!", "split 4-byte joined over 3 reads");
		all_lines_json(&r, "split");
		buf_release(&r.file);
	}
	{
		static const char *const ch[] = {"a\xff", "\xc0\xaf", "\xed\xa0\x80",
						 "\x1b[1m\"q\"\\", "x\xe2\x82"};
		static const size_t ln[] = {2, 2, 3, 8, 3};

		record(&r, 1000, ch, ln, NULL, 5);
		IS_EVENT(&r, 0, "a\\xff", "invalid byte escaped as \\xff");
		IS_EVENT(&r, 1, "\\xc0\\xaf", "overlong escaped");
		IS_EVENT(&r, 2, "\\xed\\xa0\\x80", "surrogate escaped");
		IS_EVENT(&r, 3, "\x1b[1m\"q\"\\", "escape, quotes, backslash kept");
		ok(strstr(r.line[4], "\\u001b[1m\\\"q\\\"\\\\") != NULL,
		   "ESC written as \\u001b, quotes and backslash escaped");
		IS_EVENT(&r, 4, "x", "a cut sequence waits");
		IS_EVENT(&r, 5, "\\xe2\\x82", "and is escaped at finish");
		all_lines_json(&r, "invalid");
		buf_release(&r.file);
	}
	{
		static const char *const ch[] = {"a\0b"};
		static const size_t ln[] = {3};

		record(&r, 1000, ch, ln, NULL, 1);
		ok(strstr(r.line[1], "a\\u0000b") != NULL, "NUL written as \\u0000");
		IS_EVENT(&r, 0, "a\0b", "NUL survives");
		buf_release(&r.file);
	}
	{
		static const char *const ch[] = {"01234", "56789ABC", "more", "more"};
		static const size_t ln[] = {5, 8, 4, 4};
		struct cast *c;
		struct err e;

		record(&r, 10, ch, ln, NULL, 4);
		ok(r.n == 4, "cap: two data events and the marker (%zu lines)", r.n);
		IS_EVENT(&r, 0, "01234", "cap: first chunk whole");
		IS_EVENT(&r, 1, "56789", "cap: second chunk cut at the cap");
		IS_EVENT(&r, 2, MARK(10), "cap: the marker event");
		ok(strstr((char *)r.file.data, "more") == NULL, "nothing after the cap");
		all_lines_json(&r, "cap");
		buf_release(&r.file);

		cast_open(&c, 80, 24, 0, 4, &e);
		ok(cast_output(c, 0, "abcd", 4, &e) == 0 && !cast_capped(c),
		   "exactly max_bytes is not capped");
		ok(cast_output(c, 1, "e", 1, &e) == 0 && cast_capped(c),
		   "one more byte caps");
		ok(cast_output(c, 2, "f", 1, &e) == 0 && cast_capped(c), "capped stays");
		cast_finish(c, 3, &r.file, &e);
		cast_free(c);
		split_lines(&r);
		ok(r.n == 3, "capped: one data event and one marker");
		IS_EVENT(&r, 1, MARK(4), "marker once");
		buf_release(&r.file);
	}
	{
		/* A sequence cut by the cap is escaped, not held forever. */
		static const char *const ch[] = {"ab\xe2\x82\xac"};
		static const size_t ln[] = {5};

		record(&r, 4, ch, ln, NULL, 1);
		IS_EVENT(&r, 0, "ab\\xe2\\x82", "cap inside a sequence escapes its start");
		IS_EVENT(&r, 1, MARK(4), "and marks the cap");
		buf_release(&r.file);
	}
	{
		/* Tiny control-character events grow the file far beyond the
		 * output: the file has its own bound. */
		struct cast *c = NULL;
		struct err e = {0};
		struct buf f = BUF_INIT;
		size_t i, bound = 100000 * 4 + (64u << 10);
		const char *p, *mark;
		int bad = 0;

		cast_open(&c, 80, 24, 0, 100000, &e);
		for (i = 0; i < 100000 && !cast_capped(c); i++)
			bad |= cast_output(c, (long long)i, "\x01", 1, &e) < 0;
		ok(!bad && cast_capped(c) && i < 100000,
		   "many tiny events hit the file bound (after %zu)", i);
		cast_finish(c, 0, &f, &e);
		cast_free(c);
		mark = strstr((char *)f.data, "recording cap of");
		ok(mark && strstr(mark + 1, "recording stopped") == NULL,
		   "one recording-cap marker");
		p = strrchr((char *)f.data, '[');
		ok(p && strstr(p, "recording cap of") != NULL, "the marker is last");
		ok(f.len < bound + 400, "file stays within the bound (%zu bytes)",
		   f.len);
		buf_release(&f);
	}
	{
		static const char *const ch[] = {"a", "b", "c"};
		static const size_t ln[] = {1, 1, 1};
		static const long long t[] = {5000000, 1000, 0};

		record(&r, 100, ch, ln, t, 3);
		is_str(r.line[1], "[5.000000, \"o\", \"a\"]", "time 5 s");
		is_str(r.line[2], "[5.000000, \"o\", \"b\"]", "time never goes back");
		is_str(r.line[3], "[5.000000, \"o\", \"c\"]", "time never goes back (2)");
		buf_release(&r.file);
	}
	{
		struct cast *c = NULL;
		struct err e = {0};

		ok(cast_open(&c, 0, 24, 0, 10, &e) < 0 && e.kind == ERR_BUG,
		   "zero width refused");
	}
	test_resize();
	test_kinds();
	test_screen();
	test_splits();
	test_random();
	test_bounds();
	test_bytes();
	return tap_done();
}
