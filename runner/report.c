/* report: the HTML page of a verified evidence file (report.h).  The page
 * is rendered here, in C, as escaped text: it reads without JavaScript,
 * and the only scripts are the player and the few lines that start it,
 * both allowed by their SHA-256 in the page's Content-Security-Policy.
 * The recording goes in as a JSON string inside a non-executable
 * <script type="application/json"> block, with every <, > and & escaped so
 * that no text of it can close the block.  It does not verify the file or
 * write it anywhere: cmd_report.c does both. */
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/util.h"
#include "base/version.h"
#include "runner/page.h"
#include "runner/report.h"
#include "runner/sign.h"
#include "runner/tarball.h"

/* ---- reading the members ---- */

static const struct tar_entry *member(const struct tar_list *m, const char *name)
{
	return tar_list_find(m, name);
}

static json_t *member_json(const struct tar_list *m, const char *name)
{
	const struct tar_entry *t = member(m, name);

	if (!t)
		return NULL;
	return json_loadb((const char *)t->data, t->len, JSON_REJECT_DUPLICATES, NULL);
}

static const char *str_at(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static const char *str_path(const json_t *o, const char *a, const char *b)
{
	return str_at(json_object_get(o, a), b);
}

static long long int_at(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* ms since the start as "m:ss.mmm" (or "h:mm:ss.mmm") */
static void offset(char out[32], long long ms)
{
	long long s;

	if (ms < 0)
		ms = 0;
	s = ms / 1000;
	if (s >= 3600)
		snprintf(out, 32, "%lld:%02lld:%02lld.%03lld", s / 3600, s / 60 % 60,
			 s % 60, ms % 1000);
	else
		snprintf(out, 32, "%lld:%02lld.%03lld", s / 60, s % 60, ms % 1000);
}

/* ms as "0.3 s", "41 s", "12 min 5 s", "2 h 3 min" */
static void duration(char out[32], long long ms)
{
	long long s;

	if (ms < 0)
		ms = 0;
	s = ms / 1000;
	if (s < 10)
		snprintf(out, 32, "%lld.%lld s", s, ms % 1000 / 100);
	else if (s < 60)
		snprintf(out, 32, "%lld s", s);
	else if (s < 3600)
		snprintf(out, 32, s % 60 ? "%lld min %lld s" : "%lld min", s / 60, s % 60);
	else
		snprintf(out, 32, "%lld h %lld min", s / 3600, s / 60 % 60);
}

/* ---- the page's parts ---- */

/* Our own rules for the page; the player's come before them. */
static const char page_css[] =
	":root{--ink:#1d2330;--mute:#5b6473;--line:#d9dde5;--bg:#f6f7f9;"
	"--pass:#1b7f3b;--fail:#b42318;--error:#9a6700;--card:#fff}"
		"body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',"
	"Roboto,'DejaVu Sans',sans-serif;color:var(--ink);background:var(--bg)}"
	"main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 10px;"
	"padding-bottom:6px;border-bottom:1px solid var(--line)}"
	"section{background:var(--card);border:1px solid var(--line);"
	"border-radius:8px;padding:16px 20px;margin:16px 0}"
	".sub{color:var(--mute);margin:0}"
	".verdict{display:flex;gap:28px;align-items:center;flex-wrap:wrap}"
	".badge{display:inline-block;font-weight:700;letter-spacing:.04em;"
	"text-transform:uppercase;border-radius:6px;padding:2px 9px;color:#fff;"
	"font-size:13px}"
	".big{font-size:30px;padding:6px 20px;border-radius:8px}"
	".pass{background:var(--pass)}.fail{background:var(--fail)}"
	".error{background:var(--error)}.none{background:#8a93a3}"
	".score{min-width:300px;flex:1}.score b{font-size:22px}"
	".bar{position:relative;height:12px;background:#e8ebf0;border-radius:6px;"
	"margin:6px 0 2px;overflow:visible}"
	".bar i{display:block;height:100%;border-radius:6px}"
	".bar u{position:absolute;top:-5px;bottom:-5px;width:2px;background:var(--ink)}"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;"
	"margin:12px 0 0}dl.facts dt{color:var(--mute)}dl.facts dd{margin:0}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{text-align:left;vertical-align:top;padding:5px 8px;"
	"border-bottom:1px solid #eceef2}th{color:var(--mute);font-weight:600;"
	"font-size:13px}td.n{text-align:right;white-space:nowrap}"
	"code,pre.txt,.mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;"
	"font-size:13px}pre.txt{background:#f1f3f6;border-radius:6px;padding:10px;"
	"white-space:pre-wrap;word-break:break-all;margin:4px 0 12px;max-height:360px;"
	"overflow:auto}.argv span{background:#eef1f5;border-radius:3px;"
	"padding:0 3px;margin-right:3px}.mark{font-size:12px;border-radius:4px;"
	"padding:0 5px;margin-left:6px;border:1px solid}"
	".warn{color:var(--fail);border-color:var(--fail)}"
	".note{color:var(--mute);border-color:var(--line)}.small{font-size:13px;"
	"color:var(--mute)}.ok{color:var(--pass);font-weight:700}"
	".bad{color:var(--fail);font-weight:700}.nw{white-space:nowrap}"
	".chain{display:grid;grid-template-columns:1fr 1fr;gap:0 18px}"
	"nav{margin-top:6px}nav a{color:#2556a8}#player{max-width:1000px}footer{color:var(--mute);font-size:13px;"
	"margin-top:24px}";

/* Starts the player, showing the last screen until it is played: the
 * poster's time is the end of the recording as the player counts it, with
 * each pause cut to idleTimeLimit. */
static const char page_js[] =
	"(function(){\n"
	"var d=JSON.parse(document.getElementById('labrun-cast').textContent);\n"
	"var el=document.getElementById('player');\n"
	"if(!d.cast){return;}\n"
	"var idle=2,end=0,prev=0,lines=d.cast.split('\\n');\n"
	"for(var i=1;i<lines.length;i++){var m=/^\\[([0-9.]+),/.exec(lines[i]);"
	"if(m){var t=parseFloat(m[1]);end+=Math.min(Math.max(t-prev,0),idle);prev=t;}}\n"
	"window.labrunPlayer=AsciinemaPlayer.create({data:d.cast},el,"
	"{fit:'width',idleTimeLimit:idle,poster:'npt:'+end.toFixed(3)});\n"
	"})();\n";

/* 'sha256-BASE64' of a script, for the policy. */
static void script_hash(const void *data, size_t len, char out[64])
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char h[33] = {0};
	char *o = out;
	size_t i;

	sha256_raw(data, len, h);
	memcpy(o, "'sha256-", 8);
	o += 8;
	for (i = 0; i < 33; i += 3) {
		unsigned v = (unsigned)h[i] << 16 | (unsigned)h[i + 1] << 8 | h[i + 2];

		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < 32 ? b64[v & 63] : '=';
	}
	*o++ = '\'';
	*o = '\0';
}

static void head(struct page *p, const json_t *man, const struct report_player *pl)
{
	char h1[64], h2[64];

	script_hash(pl->js, pl->js_len, h1);
	script_hash(page_js, sizeof page_js - 1, h2);
	page_put(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	/* No fetch of any kind; the two scripts by their hashes, and the
	 * player's WebAssembly terminal compiled from the bytes it carries. */
	page_putf(p, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
		  "'none'; script-src %s %s 'wasm-unsafe-eval'; style-src 'unsafe-inline'; "
		  "base-uri 'none'; form-action 'none'\">\n", h1, h2);
	page_put(p, "<meta name=\"referrer\" content=\"no-referrer\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width\">\n<title>labrun report: ");
	page_escs(p, str_path(man, "scenario", "id"));
	page_put(p, " ");
	page_escs(p, str_path(man, "scenario", "version"));
	page_put(p, ", ");
	page_escs(p, str_path(man, "candidate", "pseudonym"));
	page_put(p, "</title>\n<style>\n");
	if (!p->failed && buf_append(p->b, pl->css, pl->css_len, p->e) < 0)
		p->failed = 1;
	page_put(p, "\n</style>\n<style>");
	page_put(p, page_css);
	page_put(p, "</style>\n</head>\n<body>\n<main>\n");
}

static const char *verdict_class(const char *v)
{
	if (!strcmp(v, "pass") || !strcmp(v, "fail") || !strcmp(v, "error"))
		return v;
	return "none";
}

static void fact(struct page *p, const char *label, const char *value)
{
	page_putf(p, "<dt>%s</dt><dd>", label);
	page_escs(p, value);
	page_put(p, "</dd>");
}

static void checks_count(const json_t *res, unsigned *passed, unsigned *total)
{
	const json_t *c;
	size_t i;

	*passed = *total = 0;
	json_array_foreach(json_object_get(res, "checks"), i, c) {
		(*total)++;
		if (!strcmp(str_at(c, "status"), "pass"))
			(*passed)++;
	}
}

/* The limits the session reached while it went on, as one fact. */
static void limits_hit(struct page *p, const json_t *man)
{
	const json_t *l, *list = json_object_get(man, "limit_events");
	size_t i;

	if (json_array_size(list) == 0)
		return;
	page_put(p, "<dt>limits reached</dt><dd>");
	json_array_foreach(list, i, l) {
		page_put(p, i ? "; " : "");
		page_escs(p, str_at(l, "limit"));
		page_put(p, ": ");
		page_escs(p, str_at(l, "event"));
		page_putf(p, " &times;%lld", int_at(l, "count"));
	}
	page_put(p, "</dd>");
}

static void summary(struct page *p, const json_t *man, const json_t *res,
		    const struct report_source *src, const char *credential)
{
	const char *v = str_at(man, "verdict");
	long long score = int_at(man, "score"), mark = int_at(man, "pass_mark");
	const json_t *s = json_object_get(man, "session");
	unsigned passed, total;
	char buf[200], took[32], limit[32];

	checks_count(res, &passed, &total);
	page_put(p, "<header><h1>");
	page_escs(p, str_path(man, "scenario", "title"));
	page_put(p, "</h1><p class=\"sub\">scenario <code>");
	page_escs(p, str_path(man, "scenario", "id"));
	page_put(p, "</code> ");
	page_escs(p, str_path(man, "scenario", "version"));
	page_put(p, ", level ");
	page_escs(p, str_path(man, "scenario", "level"));
	page_put(p, "</p><nav class=\"sub\">on this page: <a href=\"#checks\">checks</a> "
		 "&middot; <a href=\"#hints\">hints</a> &middot; <a href=\"#faults\">faults</a> "
		 "&middot; <a href=\"#trace\">trace chain</a> &middot; <a href=\"#commands\">"
		 "commands</a> &middot; <a href=\"#answers\">answers</a> &middot; <a href=\""
		 "#replay\">terminal replay</a></nav></header>\n<section id=\"verdict\"><div class=\"verdict\">");
	page_putf(p, "<span class=\"badge big %s\" id=\"verdict-text\">", verdict_class(v));
	page_escs(p, v);
	page_put(p, "</span><div class=\"score\">");
	if (score < 0)
		score = 0;
	if (score > 1000)
		score = 1000;
	if (mark < 0 || mark > 1000)
		mark = 0;
	page_putf(p, "<b>%lld.%lld%%</b> scored, pass mark %lld.%lld%% &middot; "
		  "%u of %u checks passed", score / 10, score % 10, mark / 10, mark % 10,
		  passed, total);
	page_putf(p, "<div class=\"bar\"><i class=\"%s\" style=\"width:%lld.%lld%%\"></i>"
		  "<u style=\"left:%lld.%lld%%\" title=\"pass mark\"></u></div></div></div>\n",
		  verdict_class(v), score / 10, score % 10, mark / 10, mark % 10);
	page_put(p, "<dl class=\"facts\">");
	fact(p, "candidate", str_path(man, "candidate", "pseudonym"));
	snprintf(buf, sizeof buf, "%lld", int_at(man, "attempt"));
	fact(p, "attempt", buf);
	fact(p, "mode", str_path(man, "produced_by", "mode"));
	duration(took, int_at(s, "duration_ms"));
	duration(limit, int_at(s, "time_limit_s") * 1000);
	snprintf(buf, sizeof buf, "%s to %s: %s of %s allowed, ended by %s",
		 str_at(s, "started"), str_at(s, "ended"), took, limit,
		 str_at(s, "ended_by"));
	fact(p, "session", buf);
	if (json_is_string(json_object_get(man, "error")))
		fact(p, "error", str_at(man, "error"));
	fact(p, "issued", str_at(man, "issued"));
	fact(p, "valid until", json_is_string(json_object_get(man, "valid_until"))
		? str_at(man, "valid_until") : "(not a pass: no validity)");
	if (credential)
		fact(p, "credential", credential);
	if (json_is_object(json_object_get(man, "renews")))
		fact(p, "renews", str_path(man, "renews", "digest"));
	if (json_is_object(json_object_get(man, "regraded_from")))
		fact(p, "regraded from", str_path(man, "regraded_from", "digest"));
	limits_hit(p, man);
	fact(p, "evidence", src->evidence);
	snprintf(buf, sizeof buf, "sha256:%s, signed by issuer key %s", src->digest,
		 src->issuer);
	fact(p, "verified", buf);
	page_put(p, "</dl></section>\n");
}

/* One review of the attempt: when, by which reviewer key, what it made of
 * which verdict, and why. */
static void review_entry(struct page *p, const json_t *r)
{
	const json_t *rd = json_object_get(r, "reviewed");
	char buf[160];

	page_put(p, "<dl class=\"facts\">");
	snprintf(buf, sizeof buf, "%s -> %s", str_at(rd, "verdict"), str_at(r, "decision"));
	fact(p, "decision", buf);
	fact(p, "reason", str_at(r, "reason"));
	fact(p, "reviewer key", str_path(r, "reviewer", "key_id"));
	fact(p, "at", str_at(r, "at"));
	snprintf(buf, sizeof buf, "%s (%s, issued %s)", str_at(rd, "digest"),
		 str_at(rd, "mode"), str_at(rd, "issued"));
	fact(p, "reviewed", buf);
	page_put(p, "</dl>\n");
}

/* A reviewed attempt (manifest $.review, checked by verify): the
 * grader's verdict (result.json's, below) and every review, oldest
 * first; the last is the verdict at the top of the page. */
static void review(struct page *p, const json_t *man, const json_t *res)
{
	const json_t *r = json_object_get(man, "review"), *c;
	size_t i;

	if (!json_is_object(r))
		return;
	page_put(p, "<section id=\"review\"><h2>Review</h2><p>The verdict above is a "
		 "reviewer's decision on appeal; the grader's checks below are as graded: ");
	page_put(p, "<span class=\"badge\">graded ");
	page_escs(p, str_at(res, "verdict"));
	page_put(p, "</span>. Each review is signed by its reviewer's key.</p>\n");
	json_array_foreach(json_object_get(r, "chain"), i, c)
		review_entry(p, c);
	review_entry(p, r);
	page_put(p, "</section>\n");
}

static void checks(struct page *p, const json_t *res)
{
	const json_t *c;
	size_t i;
	char pt[32], wt[32];

	page_put(p, "<section id=\"checks\"><h2>Checks</h2>");
	if (json_is_string(json_object_get(res, "grader_error"))) {
		page_put(p, "<p class=\"bad\">The grader failed: ");
		page_escs(p, str_at(res, "grader_error"));
		page_put(p, "</p>");
	}
	page_put(p, "<table><tr><th>status</th><th>check</th><th>kind</th>"
		 "<th class=\"n\">points</th><th>message</th></tr>\n");
	json_array_foreach(json_object_get(res, "checks"), i, c) {
		const char *st = str_at(c, "status");
		const char *kind = str_at(c, "kind");

		report_points(pt, int_at(c, "points"));
		report_points(wt, int_at(c, "weight"));
		page_putf(p, "<tr><td><span class=\"badge %s\">", verdict_class(st));
		page_escs(p, st);
		page_put(p, "</span></td><td>");
		page_escs(p, str_at(c, "title"));
		page_put(p, "<div class=\"small mono\">");
		page_escs(p, str_at(c, "id"));
		page_put(p, "</div></td><td>");
		page_escs(p, *kind ? kind : "remediation");
		page_putf(p, "</td><td class=\"n\">%s / %s</td><td>", pt, wt);
		page_escs(p, str_at(c, "message"));
		if (json_is_object(json_object_get(c, "carried"))) {
			page_put(p, "<div class=\"small\">carried from ");
			page_escs(p, str_path(c, "carried", "from"));
			page_put(p, "</div>");
		}
		page_put(p, "</td></tr>\n");
	}
	page_put(p, "</table></section>\n");
}

static void hints(struct page *p, const json_t *man)
{
	const json_t *h, *list = json_object_get(man, "hints_used");
	size_t i;
	char at[32], cost[32];

	page_put(p, "<section id=\"hints\"><h2>Hints used</h2>");
	if (json_array_size(list) == 0) {
		page_put(p, "<p>None: the candidate took no hint.</p></section>\n");
		return;
	}
	page_put(p, "<table><tr><th>hint</th><th>taken at</th><th class=\"n\">cost (points)"
		 "</th></tr>\n");
	json_array_foreach(list, i, h) {
		offset(at, int_at(h, "at_ms"));
		report_points(cost, int_at(h, "cost"));
		page_putf(p, "<tr><td>hint %lld</td><td class=\"mono\">%s</td>"
			  "<td class=\"n\">%s</td></tr>\n", int_at(h, "hint"), at, cost);
	}
	page_put(p, "</table></section>\n");
}

static void faults(struct page *p, const json_t *man)
{
	const json_t *f, *list = json_object_get(man, "faults");
	size_t i;

	page_put(p, "<section id=\"faults\"><h2>Fault timeline</h2>");
	if (json_array_size(list) == 0) {
		page_put(p, "<p>The scenario's fault plan injected nothing.</p></section>\n");
		return;
	}
	page_put(p, "<table><tr><th>when</th><th>kind</th><th>target</th>"
		 "<th class=\"n\">took effect</th><th>what it did</th></tr>\n");
	json_array_foreach(list, i, f) {
		page_put(p, "<tr><td>");
		page_escs(p, str_at(f, "when"));
		page_put(p, "</td><td class=\"mono\">");
		page_escs(p, str_at(f, "kind"));
		page_put(p, "<div class=\"small\">");
		page_escs(p, str_at(f, "id"));
		page_put(p, "</div></td><td>");
		page_escs(p, str_at(f, "target"));
		page_putf(p, "</td><td class=\"n\">%lld&times;</td><td>", int_at(f, "triggered"));
		page_escs(p, str_at(f, "detail"));
		page_put(p, "</td></tr>\n");
	}
	page_put(p, "</table></section>\n");
}

static const char *base_name(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

static void argv_cells(struct page *p, const json_t *argv)
{
	const json_t *a;
	size_t i;

	page_put(p, "<span class=\"argv mono\">");
	json_array_foreach(argv, i, a) {
		page_put(p, "<span>");
		page_escs(p, json_string_value(a) ? json_string_value(a) : "");
		page_put(p, "</span>");
	}
	page_put(p, "</span>");
}

static void command_row(struct page *p, const json_t *c)
{
	const json_t *argv = json_object_get(c, "argv"), *ex = json_object_get(c, "exit");
	const json_t *ver = json_object_get(c, "verified");
	const char *exe = str_at(c, "exe");
	const char *a0 = json_string_value(json_array_get(argv, 0));
	char t[32];

	offset(t, int_at(c, "t_ms"));
	page_putf(p, "<tr><td class=\"mono\">%s</td><td>", t);
	argv_cells(p, argv);
	if (json_is_true(json_object_get(c, "argv_truncated")))
		page_put(p, "<span class=\"mark note\">arguments cut at the cap</span>");
	if (*exe && (!a0 || strcmp(base_name(exe), base_name(a0)))) {
		page_put(p, "<div class=\"small\">ran <code>");
		page_escs(p, exe);
		page_put(p, "</code></div>");
	}
	if (json_is_false(ver)) {
		page_put(p, "<div><span class=\"mark warn\">unverified: arguments rewritten "
			 "in flight</span> started as ");
		argv_cells(p, json_object_get(c, "argv_run"));
		page_put(p, "</div>");
	} else if (json_is_null(ver)) {
		page_put(p, "<span class=\"mark note\" title=\"the program never made the "
			 "call its command line is checked at\">unverified</span>");
	}
	if (json_is_false(json_object_get(c, "trusted")))
		page_put(p, "<span class=\"mark warn\" title=\"the program, or the way to "
			 "it, was the candidate's to write\">candidate's program</span>");
	if (json_is_integer(ex))
		page_putf(p, "</td><td class=\"n %s\">%lld</td></tr>\n",
			  json_integer_value(ex) ? "bad" : "", json_integer_value(ex));
	else
		page_put(p, "</td><td class=\"n small\">not seen</td></tr>\n");
}

static void commands(struct page *p, const struct tar_list *m, const json_t *man)
{
	const struct tar_entry *t = member(m, "commands.jsonl");
	const char *s, *end, *nl;
	size_t shown = 0, bad = 0;

	page_put(p, "<section id=\"commands\"><h2>Command timeline</h2>");
	if (!t) {
		page_put(p, "<p>This evidence has no command log (commands.jsonl).</p>"
			 "</section>\n");
		return;
	}
	page_put(p, "<p class=\"small\">Every program the sandbox executed, as the "
		 "supervisor saw it (not as the candidate's shell reported it); time "
		 "since the session started.</p>");
	page_put(p, "<table><tr><th>time</th><th>command</th><th class=\"n\">exit</th>"
		 "</tr>\n");
	s = (const char *)t->data;
	end = s + t->len;
	while (s < end && !p->failed) {
		json_t *c;

		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		c = json_loadb(s, (size_t)(nl - s), 0, NULL);
		if (json_is_object(c)) {
			command_row(p, c);
			shown++;
		} else if (nl > s) {
			bad++;
		}
		json_decref(c);
		s = nl + 1;
	}
	page_put(p, "</table>");
	if (json_is_true(json_object_get(json_object_get(man, "commands"), "truncated")))
		page_put(p, "<p class=\"bad\">The log reached its cap: later commands are "
			 "not in it.</p>");
	if (bad)
		page_putf(p, "<p class=\"bad\">%zu lines of commands.jsonl are not JSON "
			  "objects.</p>", bad);
	page_putf(p, "<p class=\"small\">%zu commands.</p></section>\n", shown);
}

static void answers(struct page *p, const struct tar_list *m)
{
	size_t i, n = 0;

	page_put(p, "<section id=\"answers\"><h2>Answers</h2>");
	for (i = 0; i < m->n; i++) {
		const struct tar_entry *t = &m->v[i];

		if (t->is_dir || strncmp(t->name, "answers/", 8))
			continue;
		n++;
		page_put(p, "<div><code>~/answers/");
		page_escs(p, t->name + 8);
		page_putf(p, "</code> <span class=\"small\">(%zu bytes)</span></div><pre class=\"txt\">",
			  t->len);
		page_esc(p, t->data, t->len);
		page_put(p, "</pre>\n");
	}
	if (!n)
		page_put(p, "<p>The candidate left no file in the answers directory.</p>");
	page_put(p, "</section>\n");
}

/* The recording's size from its header, bounded as the recorder bounds it. */
static void cast_size(const struct tar_entry *t, long long *cols, long long *rows)
{
	const char *nl = memchr(t->data, '\n', t->len);
	json_t *h = json_loadb((const char *)t->data, nl ? (size_t)(nl - (const char *)t->data)
			       : t->len, 0, NULL);

	*cols = int_at(h, "width");
	*rows = int_at(h, "height");
	if (*cols < 1 || *cols > 4096)
		*cols = 80;
	if (*rows < 1 || *rows > 4096)
		*rows = 24;
	json_decref(h);
}

static void replay(struct page *p, const struct tar_list *m, const json_t *man,
		   const struct report_player *pl)
{
	const struct tar_entry *t = member(m, "session.cast");
	const json_t *rec = json_object_get(man, "recording");
	long long cols = 80, rows = 24, neut;

	page_put(p, "<section id=\"replay\"><h2>Terminal replay</h2>");
	if (!t) {
		page_put(p, "<p>This evidence has no recording (session.cast).</p>");
	} else {
		cast_size(t, &cols, &rows);
		page_putf(p, "<p class=\"small\">What the candidate's terminal showed "
			  "(%lldx%lld), recorded by the supervisor; press play, or "
			  "space.</p>", cols, rows);
		if (json_is_true(json_object_get(rec, "capped")))
			page_put(p, "<p class=\"bad\">The recording stopped at its cap.</p>");
		neut = int_at(json_object_get(rec, "neutralised"), "total");
		if (neut > 0)
			page_putf(p, "<p class=\"bad\">%lld terminal sequences were removed "
				  "from the recording (they act outside the screen).</p>", neut);
		page_put(p, "<div id=\"player\"></div>");
	}
	page_put(p, "</section>\n");
	page_put(p, "<script type=\"application/json\" id=\"labrun-cast\">{\"cast\":");
	if (t)
		page_json_string(p, t->data, t->len);
	else
		page_put(p, "null");
	page_put(p, "}</script>\n<script>");
	if (!p->failed && buf_append(p->b, pl->js, pl->js_len, p->e) < 0)
		p->failed = 1;
	page_put(p, "</script>\n<script>");
	page_put(p, page_js);
	page_put(p, "</script>\n");
}

static void footer(struct page *p, const struct report_source *src)
{
	page_put(p, "<footer>Written by labrun " LABRUN_VERSION " (labrun report) from ");
	page_escs(p, src->evidence);
	page_putf(p, ", verified first against issuer key %s.  The page is self-contained: "
		  "it loads nothing from anywhere, and every text from the evidence is "
		  "shown as text.  Terminal replay by asciinema-player (Apache-2.0)."
		  "</footer>\n</main>\n</body>\n</html>\n", src->issuer);
}

/* The credential's id, when the evidence carries one. */
static void credential_id(const struct tar_list *m, char out[200])
{
	json_t *c = member_json(m, "credential.json");

	out[0] = '\0';
	if (json_is_string(json_object_get(c, "id")))
		snprintf(out, 200, "%s", str_at(c, "id"));
	json_decref(c);
}

/* 1 when s[0..len) holds needle, ASCII case folded. */
static int holds(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (!strncasecmp(s + i, needle, n))
			return 1;
	return 0;
}

/* The player's files go into the page as they are: what would end their
 * block early (or, for the script, turn the parser's escaping on) is
 * refused rather than mangled. */
static int player_inlinable(const struct report_player *pl, struct err *e)
{
	if (holds(pl->js, pl->js_len, "</script") || holds(pl->js, pl->js_len, "<!--"))
		return err_set(e, ERR_HOST, "asciinema-player.min.js holds </script or <!--: "
			       "it cannot be inlined in a page; hint: the version "
			       "runner/report/package-lock.json pins does not");
	if (holds(pl->css, pl->css_len, "</style"))
		return err_set(e, ERR_HOST, "asciinema-player.css holds </style: it cannot "
			       "be inlined in a page; hint: the version "
			       "runner/report/package-lock.json pins does not");
	return 0;
}

int report_html(const struct tar_list *members, const struct report_source *src,
		const struct report_player *player, struct buf *out,
		struct err *e)
{
	struct page p = {out, e, 0};
	json_t *man = member_json(members, "manifest.json");
	json_t *res = member_json(members, "result.json");
	char cred[200];
	int rc = -1;

	if (player_inlinable(player, e) < 0)
		goto out;
	if (!json_is_object(man) || !json_is_object(res)) {
		/* ev_open checked both: this is not the evidence it verified */
		err_set(e, ERR_BUG, "report: manifest.json or result.json unreadable after "
			"verification");
		goto out;
	}
	credential_id(members, cred);
	head(&p, man, player);
	summary(&p, man, res, src, cred[0] ? cred : NULL);
	review(&p, man, res);
	checks(&p, res);
	hints(&p, man);
	faults(&p, man);
	report_trace(&p, members, res);
	commands(&p, members, man);
	answers(&p, members);
	replay(&p, members, man, player);
	footer(&p, src);
	rc = p.failed ? -1 : 0;
out:
	json_decref(man);
	json_decref(res);
	return rc;
}

/* ---- where the player is ---- */

int report_find_player(char *dir, size_t size, struct err *e)
{
	static const char *const rel[] = {"share/labrun/asciinema-player",
					  "../share/labrun/asciinema-player"};
	char self[PATH_MAX], js[PATH_MAX + 128], css[PATH_MAX + 128];
	size_t i;

	if (self_dir(self, sizeof self, e) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(js, sizeof js, "%s/%s/asciinema-player.min.js", self, rel[i]);
		snprintf(css, sizeof css, "%s/%s/asciinema-player.css", self, rel[i]);
		if (access(js, R_OK) == 0 && access(css, R_OK) == 0) {
			if ((size_t)snprintf(dir, size, "%s/%s", self, rel[i]) >= size)
				break;
			return 0;
		}
	}
	return err_set(e, ERR_HOST,
		       "the terminal player is missing: no asciinema-player.min.js and "
		       "asciinema-player.css in %s/%s or %s/%s; hint: run make deps, then "
		       "make (or make install)", self, rel[0], self, rel[1]);
}
