/* test_report: the report page keeps every byte of the evidence inert:
 * HTML text escaped (markup, controls, invalid UTF-8), the recording a JSON
 * string that no </script> or <!-- in it can end and that parses back to
 * what was recorded, exactly three script blocks whatever the candidate
 * wrote, the policy naming both scripts by hash; and the trace section
 * sets a chain against spans (exported, known from links, known as a
 * parent, missing). */
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/page.h"
#include "runner/report.h"
#include "runner/tarball.h"
#include "tests/unit/tap.h"

static char *esc(const char *in, size_t len)
{
	static struct buf b;
	struct err e = {0};
	struct page p = {&b, &e, 0};

	buf_release(&b);
	page_esc(&p, in, len);
	return p.failed ? NULL : b.data ? (char *)b.data : "";
}

#define ESC(lit, want, what) is_str(esc(lit, sizeof lit - 1), want, what)

static void test_escape(void)
{
	ESC("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;",
	    "markup is text");
	ESC("a \"b\" 'c' & d", "a &quot;b&quot; &#39;c&#39; &amp; d", "quotes and ampersand");
	ESC("\x1b[31mred\x07\r", "\\x1b[31mred\\x07\\x0d", "controls are visible");
	ESC("line\n\ttab", "line\n\ttab", "newline and tab pass");
	ESC("caf\xc3\xa9 \xff\xc3", "caf\xc3\xa9 \\xff\\xc3", "invalid UTF-8 as \\xNN");
	ESC("\xc2\x9b" "6n", "\\u009b6n", "a C1 control is visible");
	ESC("a\0b", "a\\x00b", "NUL");
}

static void add(struct tar_list *m, const char *name, const char *text)
{
	struct err e = {0};

	ok(tar_list_add_file(m, name, 0644, text, strlen(text), &e) == 0,
	   "member %s (%s)", name, e.msg);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay++;
	}
	return n;
}

static const char manifest[] =
	"{\"scenario\": {\"id\": \"s\", \"version\": \"1.0.0\", \"level\": \"foundation\","
	" \"title\": \"<script>alert('title')</script>\"},"
	" \"candidate\": {\"pseudonym\": \"c-0123456789abcdef\"}, \"attempt\": 1,"
	" \"produced_by\": {\"mode\": \"run\"}, \"verdict\": \"fail\", \"score\": 250,"
	" \"pass_mark\": 800, \"issued\": \"2026-01-01T00:00:00Z\", \"valid_until\": null,"
	" \"error\": null, \"session\": {\"started\": \"2026-01-01T00:00:00Z\","
	" \"ended\": \"2026-01-01T00:00:00Z\", \"duration_ms\": 61000, \"time_limit_s\": 600,"
	" \"ended_by\": \"exit\"}, \"hints_used\": [{\"hint\": 1, \"cost\": 125, \"at_ms\": 5000}],"
	" \"faults\": [{\"id\": \"f\", \"kind\": \"file.replace\", \"target\": \"</td><b>x\","
	" \"when\": \"start\", \"triggered\": 1, \"detail\": \"d\"}],"
	" \"commands\": {\"count\": 1, \"truncated\": false},"
	" \"limit_events\": [{\"limit\": \"processes\", \"event\": \"forks <refused>\", \"count\": 25}],"
	" \"regraded_from\": {\"digest\": \"sha256:<ab>\"},"
	" \"recording\": {\"capped\": false, \"neutralised\": {\"total\": 0, \"kinds\": {}}}}";
static const char result[] =
	"{\"checks\": [{\"id\": \"chain.reconstructed\", \"title\": \"T <i>\", \"status\": \"fail\","
	" \"weight\": 4000, \"points\": 1000, \"message\": \"<b>m</b>\", \"kind\": \"knowledge\"}],"
	" \"grader_error\": null}";
/* a cause (aaaa..., not exported, linked from 1111...), an evaluation that
 * links to it under a run (cccc..., not exported, the evaluation's parent) */
static const char spans[] =
	"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
	"\"0123456789abcdef0123456789abcdef\",\"spanId\":\"1111111111111111\","
	"\"parentSpanId\":\"cccccccccccccccc\",\"name\":\"policy.evaluate\","
	"\"startTimeUnixNano\":\"1773322800123000000\",\"endTimeUnixNano\":\"1773322800124000000\","
	"\"attributes\":[{\"key\":\"decision\",\"value\":{\"stringValue\":\"<deny>\"}}],"
	"\"links\":[{\"traceId\":\"fedcba9876543210fedcba9876543210\","
	"\"spanId\":\"aaaaaaaaaaaaaaaa\"}],\"status\":{\"code\":2}}]}]}]}\n"
	"not json\n";

static void test_page(void)
{
	struct tar_list m = {0};
	struct buf out = BUF_INIT;
	struct err e = {0};
	struct report_player pl = {"/*player*/", 10, ".ap{}", 5};
	struct report_source src = {"ev<1>.tar", "00ff", "0123456789ABCDEF"};
	const char *page, *data, *end;
	json_t *j;

	add(&m, "manifest.json", manifest);
	add(&m, "result.json", result);
	add(&m, "commands.jsonl",
	    "{\"t_ms\": 1500, \"argv\": [\"echo\", \"</script><script>alert(2)</script>\"],"
	    " \"exe\": \"/usr/bin/echo\", \"exit\": 0, \"verified\": false,"
	    " \"argv_run\": [\"rm\", \"-rf\", \"<x>\"]}\n");
	add(&m, "answers/chain.json",
	    "[\"AAAAAAAAAAAAAAAA\", \"1111111111111111\", \"cccccccccccccccc\", \"<img src=x>\"]");
	add(&m, "answers/note.txt", "</script><!-- <script>alert(3)</script>");
	add(&m, "changes/var/log/agentd/spans.jsonl", spans);
	add(&m, "session.cast",
	    "{\"version\": 2, \"width\": 100, \"height\": 30}\n"
	    "[0.5, \"o\", \"</script><!--<script>alert(4)</script>\\u2028 \\\\x ok\"]\n");
	ok(report_html(&m, &src, &pl, &out, &e) == 0, "the page is made (%s)", e.msg);
	page = out.data ? (const char *)out.data : "";
	ok(!strstr(page, "<script>alert") && !strstr(page, "<img src") &&
	   !strstr(page, "<b>m</b>") && !strstr(page, "</td><b>x"),
	   "no markup from the evidence is markup on the page");
	ok(count(page, "<script") == 3 && count(page, "</script") == 3,
	   "three script blocks: %zu opened, %zu closed", count(page, "<script"),
	   count(page, "</script"));
	ok(count(page, "<!--") == 0, "no comment opens");
	ok(strstr(page, "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;") != NULL,
	   "the title reads as written");
	ok(strstr(page, "script-src 'sha256-") && strstr(page, "'wasm-unsafe-eval'") &&
	   strstr(page, "default-src 'none'"), "the policy forbids fetches, names scripts");
	ok(strstr(page, "25.0%</b> scored, pass mark 80.0%") != NULL, "score and pass mark");
	ok(strstr(page, "1 min 1 s of 10 min allowed") != NULL, "the session's times");
	ok(strstr(page, "<dt>limits reached</dt><dd>processes: forks &lt;refused&gt; &times;25")
	   != NULL, "the limits reached");
	ok(strstr(page, "<dt>regraded from</dt><dd>sha256:&lt;ab&gt;</dd>") != NULL,
	   "what a regrade regraded");
	ok(strstr(page, "<td class=\"n\">1 / 4</td>") != NULL, "a check's points of its weight");
	ok(strstr(page, "<td>hint 1</td><td class=\"mono\">0:05.000</td><td class=\"n\">0.125</td>")
	   != NULL, "a hint, when and its cost");
	ok(strstr(page, "unverified: arguments rewritten") && strstr(page, "ran <code>/usr/bin/echo")
	   == NULL, "a rewritten command is marked; echo is echo, no 'ran' line");
	ok(strstr(page, "<span>&lt;x&gt;</span>") != NULL, "what it started as, escaped");
	/* the recording parses back to what was recorded */
	data = strstr(page, "id=\"labrun-cast\">");
	end = data ? strstr(data, "</script>") : NULL;
	j = end ? json_loadb(data + 17, (size_t)(end - data - 17), 0, NULL) : NULL;
	ok(j && json_is_string(json_object_get(j, "cast")) &&
	   strstr(json_string_value(json_object_get(j, "cast")),
		  "</script><!--<script>alert(4)</script>\\u2028 \\\\x ok"),
	   "the recording is a JSON string that parses back to the cast");
	json_decref(j);
	/* the trace: exported, known from links, known as a parent, no span id */
	ok(strstr(page, "not exported</b>: known only from the links of 1 span (policy.evaluate)")
	   != NULL, "a cause that was never exported is known from the links");
	ok(strstr(page, "links to the step before (caused by it)") != NULL,
	   "the evaluation links to the step before");
	ok(strstr(page, "not exported</b>: known only as the parent of 1 span") &&
	   strstr(page, "the parent of the step before"), "the run, known as the parent");
	ok(strstr(page, "decision=&lt;deny&gt;") != NULL, "span attributes escaped");
	ok(strstr(page, "&lt;img src=x&gt;</td><td><span class=\"bad\">not a span id") != NULL,
	   "an entry that is no span id");
	ok(strstr(page, "3 of 4 steps match") != NULL, "matches counted");
	ok(strstr(page, "the first: a cause, which later spans link to") != NULL,
	   "the first step, a cause");
	ok(strstr(page, "1 lines or spans skipped") != NULL, "a line that is not a span is counted");
	ok(strstr(page, "&ldquo;&lt;b&gt;m&lt;/b&gt;&rdquo;") != NULL,
	   "the grader's message on the chain, escaped");
	buf_release(&out);
	/* a player whose script would end its block is refused, not mangled */
	pl.js = "x='</SCRIPT>'";
	pl.js_len = strlen(pl.js);
	ok(report_html(&m, &src, &pl, &out, &e) == -1 && e.kind == ERR_HOST &&
	   strstr(e.msg, "cannot be inlined"), "a player holding </script is refused");
	buf_release(&out);
	tar_list_release(&m);
}

static void test_times(void)
{
	char t[40], p[32];

	report_nano_time(1773322800123000000LL, t);
	is_str(t, "2026-03-12T13:40:00.123Z", "nanoseconds as RFC 3339 with ms");
	report_points(p, 2500);
	is_str(p, "2.5", "2500 thousandths");
	report_points(p, 125);
	is_str(p, "0.125", "125 thousandths");
	report_points(p, 4000);
	is_str(p, "4", "4000 thousandths");
}

int main(void)
{
	test_escape();
	test_page();
	test_times();
	esc("", 0);
	return tap_done();
}
