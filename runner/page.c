/* page: an HTML page written as escaped text into a buffer (page.h), for
 * the pages labrun writes from evidence: every byte that comes from a file
 * goes through page_esc or page_json_string. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/page.h"

void page_put(struct page *p, const char *s)
{
	if (!p->failed && buf_puts(p->b, s, p->e) < 0)
		p->failed = 1;
}

void page_putf(struct page *p, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		/* only labrun's own short formats come here */
		if (!p->failed)
			err_set(p->e, ERR_BUG, "report: a line of the page is too long");
		p->failed = 1;
		return;
	}
	page_put(p, tmp);
}

void page_esc(struct page *p, const void *s, size_t len)
{
	const unsigned char *u = s;
	size_t i = 0, run = 0, n;
	char hex[8];

	if (p->failed)
		return;
	while (i < len) {
		unsigned char c = u[i];
		const char *rep = NULL;

		n = 1;
		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (c == '"')
			rep = "&quot;";
		else if (c == '\'')
			rep = "&#39;";
		else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			snprintf(hex, sizeof hex, "\\x%02x", c);
			rep = hex;
		} else if (c >= 0x80) {
			n = utf8_seq_len(u + i, len - i);
			if (n == 0) {
				n = 1;
				snprintf(hex, sizeof hex, "\\x%02x", c);
				rep = hex;
			} else if (n == 2 && c == 0xc2 && u[i + 1] < 0xa0) {
				/* a C1 control: visible, as termsafe shows it */
				snprintf(hex, sizeof hex, "\\u%04x", u[i + 1]);
				rep = hex;
			}
		}
		if (rep) {
			if (run && buf_append(p->b, u + i - run, run, p->e) < 0)
				goto fail;
			run = 0;
			if (buf_puts(p->b, rep, p->e) < 0)
				goto fail;
		} else {
			run += n;
		}
		i += n;
	}
	if (run && buf_append(p->b, u + i - run, run, p->e) < 0)
		goto fail;
	return;
fail:
	p->failed = 1;
}

void page_escs(struct page *p, const char *s)
{
	page_esc(p, s, strlen(s));
}

/* A JSON string of in[0..len) safe inside any <script> block: every <, >
 * and & escaped (no "</script" or "<!--" can form), U+2028 and U+2029
 * escaped, a byte that is not UTF-8 as U+FFFD. */
void page_json_string(struct page *p, const unsigned char *in, size_t len)
{
	size_t i = 0, run = 0, n;
	char esc[8];

	page_put(p, "\"");
	while (!p->failed && i < len) {
		unsigned char c = in[i];
		const char *rep = NULL;

		n = 1;
		if (c == '"')
			rep = "\\\"";
		else if (c == '\\')
			rep = "\\\\";
		else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			rep = esc;
		} else if (c >= 0x80) {
			n = utf8_seq_len(in + i, len - i);
			if (n == 0) {
				n = 1;
				rep = "\\ufffd";
			} else if (n == 3 && c == 0xe2 && in[i + 1] == 0x80 &&
				   (in[i + 2] == 0xa8 || in[i + 2] == 0xa9)) {
				rep = in[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
			}
		}
		if (rep) {
			if (run && buf_append(p->b, in + i - run, run, p->e) < 0)
				p->failed = 1;
			run = 0;
			page_put(p, rep);
		} else {
			run += n;
		}
		i += n;
	}
	if (!p->failed && run && buf_append(p->b, in + i - run, run, p->e) < 0)
		p->failed = 1;
	page_put(p, "\"");
}

void report_nano_time(long long ns, char out[40])
{
	char t[32];
	long long s = ns / 1000000000LL;
	int ms = (int)(ns / 1000000LL % 1000);
	size_t n;

	time_rfc3339(s, t);
	n = strlen(t);
	if (n && t[n - 1] == 'Z')
		t[n - 1] = '\0';
	snprintf(out, 40, "%s.%03dZ", t, ms);
}

void report_points(char out[32], long long th)
{
	int neg = th < 0;
	long long a = neg ? -th : th;

	if (a % 1000 == 0)
		snprintf(out, 32, "%s%lld", neg ? "-" : "", a / 1000);
	else if (a % 100 == 0)
		snprintf(out, 32, "%s%lld.%lld", neg ? "-" : "", a / 1000, a % 1000 / 100);
	else if (a % 10 == 0)
		snprintf(out, 32, "%s%lld.%02lld", neg ? "-" : "", a / 1000, a % 1000 / 10);
	else
		snprintf(out, 32, "%s%lld.%03lld", neg ? "-" : "", a / 1000, a % 1000);
}
