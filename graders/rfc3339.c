/* rfc3339: RFC 3339 date-times to milliseconds since the epoch and back.
 * The calendar is computed here (days from a civil date and back, after
 * Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms") rather
 * than through timegm/gmtime_r: those depend on the C library and, for
 * gmtime_r, on a time_t wide enough for year 9999; these are a few lines of
 * integer arithmetic valid for every year this module accepts.  It does not
 * allocate, and it reads nothing but its arguments. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graders/rfc3339.h"

#define MS_PER_DAY 86400000LL

static int fail(char *why, size_t whysize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whysize, const char *fmt, ...)
{
	va_list ap;

	if (why && whysize) {
		va_start(ap, fmt);
		vsnprintf(why, whysize, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31), any y. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* n digits at s[*at], as a number; -1 when one of them is not a digit. */
static int digits(const char *s, size_t len, size_t *at, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*at >= len || s[*at] < '0' || s[*at] > '9')
			return -1;
		v = v * 10 + (s[(*at)++] - '0');
	}
	return v;
}

static const char *shown(const char *s, size_t len, size_t at, char buf[16])
{
	unsigned char c;

	if (at >= len)
		return "the end of the text";
	c = (unsigned char)s[at];
	if (c >= 0x20 && c < 0x7f && c != '\'')
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

/* The separator at s[*at] is one of seps; else why says what was found. */
static int sep(const char *s, size_t len, size_t *at, const char *seps,
	       const char *want, char *why, size_t whysize)
{
	char buf[16];

	if (*at < len && s[*at] && strchr(seps, s[*at])) {
		(*at)++;
		return 0;
	}
	return fail(why, whysize, "character %zu: expected %s, found %s",
		    *at + 1, want, shown(s, len, *at, buf));
}

/* A field of n digits in [lo, hi]; name and form say what it is. */
static int field(const char *s, size_t len, size_t *at, int n, int lo, int hi,
		 const char *name, const char *form, int *out, char *why,
		 size_t whysize)
{
	size_t start = *at;
	char buf[16];
	int v;

	v = digits(s, len, at, n);
	if (v < 0)
		return fail(why, whysize, "character %zu: expected the %s as %s, found %s",
			    *at + 1, name, form, shown(s, len, *at, buf));
	if (v < lo || v > hi)
		return fail(why, whysize, "character %zu: the %s must be %0*d to %0*d, not %0*d",
			    start + 1, name, n, lo, n, hi, n, v);
	*out = v;
	return 0;
}

int rfc3339_parse(const char *s, size_t len, int64_t *ms, char *why,
		  size_t whysize)
{
	int year, mon, day, hour, min, sec, oh = 0, om = 0, frac = 0, scale = 100;
	int sign = 0;
	size_t at = 0, mark;
	int64_t t;
	char buf[16];

	if (len == 0)
		return fail(why, whysize, "empty text: expected a time such as 2026-11-25T09:46:40Z");
	if (field(s, len, &at, 4, 0, 9999, "year", "four digits", &year, why, whysize) < 0)
		return -1;
	if (sep(s, len, &at, "-", "'-' after the year (years past 9999 cannot be written)",
		why, whysize) < 0 ||
	    field(s, len, &at, 2, 1, 12, "month", "two digits", &mon, why, whysize) < 0 ||
	    sep(s, len, &at, "-", "'-' after the month", why, whysize) < 0)
		return -1;
	mark = at;
	if (field(s, len, &at, 2, 1, 31, "day", "two digits", &day, why, whysize) < 0)
		return -1;
	if (day > days_in_month(year, mon))
		return fail(why, whysize, "character %zu: %04d-%02d has %d days, not %02d",
			    mark + 1, year, mon, days_in_month(year, mon), day);
	if (sep(s, len, &at, "Tt", "'T' between the date and the time", why, whysize) < 0 ||
	    field(s, len, &at, 2, 0, 23, "hour", "two digits", &hour, why, whysize) < 0 ||
	    sep(s, len, &at, ":", "':' after the hour", why, whysize) < 0 ||
	    field(s, len, &at, 2, 0, 59, "minute", "two digits", &min, why, whysize) < 0 ||
	    sep(s, len, &at, ":", "':' after the minute", why, whysize) < 0)
		return -1;
	mark = at;
	if (field(s, len, &at, 2, 0, 60, "second", "two digits", &sec, why, whysize) < 0)
		return -1;
	if (sec == 60)
		return fail(why, whysize, "character %zu: a leap second (:60) has no place in "
			    "milliseconds since the epoch", mark + 1);
	if (at < len && s[at] == '.') {
		mark = ++at;
		while (at < len && s[at] >= '0' && s[at] <= '9') {
			if (scale) {
				frac += (s[at] - '0') * scale;
				scale /= 10;
			}
			at++;
		}
		if (at == mark)
			return fail(why, whysize, "character %zu: expected a digit after '.', found %s",
				    at + 1, shown(s, len, at, buf));
	}
	if (at < len && (s[at] == 'Z' || s[at] == 'z')) {
		at++;
	} else if (at < len && (s[at] == '+' || s[at] == '-')) {
		sign = s[at++] == '-' ? -1 : 1;
		if (field(s, len, &at, 2, 0, 23, "offset's hours", "two digits", &oh, why,
			  whysize) < 0 ||
		    sep(s, len, &at, ":", "':' in the offset (+hh:mm)", why, whysize) < 0 ||
		    field(s, len, &at, 2, 0, 59, "offset's minutes", "two digits", &om, why,
			  whysize) < 0)
			return -1;
	} else {
		return fail(why, whysize, "character %zu: expected 'Z' or an offset such as "
			    "+01:00, found %s", at + 1, shown(s, len, at, buf));
	}
	if (at < len)
		return fail(why, whysize, "character %zu: unexpected %s after the time",
			    at + 1, shown(s, len, at, buf));
	t = days_from_civil(year, mon, day) * MS_PER_DAY +
	    ((int64_t)hour * 3600 + min * 60 + sec) * 1000 + frac;
	t -= (int64_t)sign * ((int64_t)oh * 60 + om) * 60000;
	if (t < RFC3339_MIN_MS || t > RFC3339_MAX_MS)
		return fail(why, whysize, "the time is %s year 0000-9999 in UTC",
			    t < RFC3339_MIN_MS ? "before" : "after");
	*ms = t;
	return 0;
}

int rfc3339_format(int64_t ms, int offset_min, char out[RFC3339_TEXT_MAX],
		   char *why, size_t whysize)
{
	int64_t local, days, rest, y;
	int m, d, a, n;

	if (offset_min < -RFC3339_MAX_OFFSET_MIN || offset_min > RFC3339_MAX_OFFSET_MIN)
		return fail(why, whysize, "offset %d minutes: it must be within -%d to %d "
			    "(-23:59 to +23:59)", offset_min, RFC3339_MAX_OFFSET_MIN,
			    RFC3339_MAX_OFFSET_MIN);
	if (ms < RFC3339_MIN_MS || ms > RFC3339_MAX_MS)
		return fail(why, whysize, "%lld ms: outside 0000-01-01T00:00:00.000Z to "
			    "9999-12-31T23:59:59.999Z", (long long)ms);
	local = ms + (int64_t)offset_min * 60000;
	if (local < RFC3339_MIN_MS || local > RFC3339_MAX_MS)
		return fail(why, whysize, "%lld ms at offset %d minutes: the local time is "
			    "outside year 0000-9999", (long long)ms, offset_min);
	days = local / MS_PER_DAY;
	rest = local % MS_PER_DAY;
	if (rest < 0) {
		rest += MS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	n = snprintf(out, RFC3339_TEXT_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d.%03d",
		     (long long)y, m, d, (int)(rest / 3600000), (int)(rest / 60000 % 60),
		     (int)(rest / 1000 % 60), (int)(rest % 1000));
	a = offset_min < 0 ? -offset_min : offset_min;
	if (offset_min == 0)
		snprintf(out + n, RFC3339_TEXT_MAX - (size_t)n, "Z");
	else
		snprintf(out + n, RFC3339_TEXT_MAX - (size_t)n, "%c%02d:%02d",
			 offset_min < 0 ? '-' : '+', a / 60, a % 60);
	return 0;
}
