/* test_rfc3339: lab.time's calendar (graders/rfc3339.c) on its edges: the
 * 1970 epoch, leap years and the century rule, Z against offsets,
 * fractions, every out-of-range field, years past 9999, and a sweep
 * compared with the C library's timegm/gmtime_r under a TZ that would
 * shift a local-time implementation.  The Lua side (lab.time.parse and
 * lab.time.format in a grader) is in test_grader. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graders/rfc3339.h"
#include "tests/unit/tap.h"

static char why[160];

/* parse(s) == want */
static void parses(const char *s, int64_t want, const char *what)
{
	int64_t ms = -777;
	int rc = rfc3339_parse(s, strlen(s), &ms, why, sizeof why);

	ok(rc == 0 && ms == want, "%s: %s", what, s);
	if (rc != 0 || ms != want)
		printf("#   rc %d ms %lld (%s), want %lld\n", rc, (long long)ms,
		       rc ? why : "", (long long)want);
}

/* parse(s) fails, and the reason contains want */
static void refused(const char *s, const char *want, const char *what)
{
	int64_t ms = -777;
	int rc = rfc3339_parse(s, strlen(s), &ms, why, sizeof why);

	ok(rc < 0 && ms == -777 && strstr(why, want), "%s: '%s' refused (%s)", what, s,
	   rc < 0 ? why : "accepted");
	if (!(rc < 0 && strstr(why, want)))
		printf("#   want '%s'\n", want);
}

static void formats(int64_t ms, int off, const char *want, const char *what)
{
	char out[RFC3339_TEXT_MAX] = "";
	int rc = rfc3339_format(ms, off, out, why, sizeof why);

	ok(rc == 0 && !strcmp(out, want), "%s: %lld %+d -> %s", what, (long long)ms, off,
	   rc ? why : out);
	if (rc != 0 || strcmp(out, want))
		printf("#   want '%s'\n", want);
}

static void format_refused(int64_t ms, int off, const char *want, const char *what)
{
	char out[RFC3339_TEXT_MAX] = "untouched";
	int rc = rfc3339_format(ms, off, out, why, sizeof why);

	ok(rc < 0 && strstr(why, want), "%s: %lld %+d refused (%s)", what, (long long)ms,
	   off, rc < 0 ? why : out);
}

static void test_parse(void)
{
	parses("1970-01-01T00:00:00Z", 0, "the epoch");
	parses("1970-01-01T00:00:00.000Z", 0, "the epoch with a fraction");
	parses("1969-12-31T23:59:59.999Z", -1, "the last millisecond before it");
	parses("1970-01-01t00:00:00.001z", 1, "lowercase t and z (RFC 3339 5.6)");
	parses("2026-11-25T09:46:40Z", 1795600000000LL, "a platform time");
	parses("2026-11-25T10:46:40+01:00", 1795600000000LL, "+01:00 is the same instant");
	parses("2026-11-25T04:16:40-05:30", 1795600000000LL, "-05:30");
	parses("2026-11-25T09:46:40-00:00", 1795600000000LL, "-00:00 (unknown local offset)");
	parses("2026-11-25T09:46:40.5Z", 1795600000500LL, "one fraction digit");
	parses("2026-11-25T09:46:40.12Z", 1795600000120LL, "two");
	parses("2026-11-25T09:46:40.123456789Z", 1795600000123LL, "nine: dropped past ms");
	parses("2026-11-25T09:46:40.999999999999Z", 1795600000999LL,
	       "more than nine: never rounded up into the next second");
	parses("2024-02-29T00:00:00Z", 1709164800000LL, "leap day of 2024");
	parses("2000-02-29T12:00:00Z", 951825600000LL, "2000 is a leap year (divisible by 400)");
	parses("2024-12-31T23:59:59Z", 1735689599000LL, "the 366th day");
	parses("0000-01-01T00:00:00Z", RFC3339_MIN_MS, "the first time");
	parses("9999-12-31T23:59:59.999Z", RFC3339_MAX_MS, "the last time");
	parses("0000-03-01T00:00:00+00:00", -62162035200000LL, "year 0 is a leap year");
	parses("1900-03-01T00:00:00Z", -2203891200000LL, "1900 is not");
	parses("2038-01-19T03:14:08Z", 2147483648000LL, "past 32-bit time_t");

	refused("", "empty text", "empty");
	refused("2026-11-25", "character 11: expected 'T'", "a date alone");
	refused("2026-11-25 09:46:40Z", "character 11: expected 'T' between the date and the time, found ' '",
		"a space for T");
	refused("2026-13-01T00:00:00Z", "character 6: the month must be 01 to 12, not 13", "month 13");
	refused("2026-00-01T00:00:00Z", "the month must be 01 to 12, not 00", "month 0");
	refused("2026-01-00T00:00:00Z", "character 9: the day must be 01 to 31, not 00", "day 0");
	refused("2026-04-31T00:00:00Z", "character 9: 2026-04 has 30 days, not 31", "April 31");
	refused("2025-02-29T00:00:00Z", "2025-02 has 28 days, not 29", "no leap day in 2025");
	refused("1900-02-29T00:00:00Z", "1900-02 has 28 days, not 29",
		"1900 is not a leap year (century rule)");
	refused("2026-11-25T24:00:00Z", "character 12: the hour must be 00 to 23, not 24", "hour 24");
	refused("2026-11-25T23:60:00Z", "the minute must be 00 to 59, not 60", "minute 60");
	refused("2026-11-25T23:59:61Z", "the second must be 00 to 60, not 61", "second 61");
	refused("2016-12-31T23:59:60Z", "character 18: a leap second", "a leap second");
	refused("2026-11-25T09:46:40", "character 20: expected 'Z' or an offset such as +01:00, found the end",
		"no offset");
	refused("2026-11-25T09:46:40.Z", "character 21: expected a digit after '.'", "empty fraction");
	refused("2026-11-25T09:46:40,5Z", "character 20: expected 'Z' or an offset", "comma fraction");
	refused("2026-11-25T09:46:40+24:00", "offset's hours must be 00 to 23, not 24", "offset 24h");
	refused("2026-11-25T09:46:40+01:60", "offset's minutes must be 00 to 59, not 60",
		"offset 60 min");
	refused("2026-11-25T09:46:40+0100", "':' in the offset", "offset without colon");
	refused("2026-11-25T09:46:40+01", "':' in the offset", "offset hours only");
	refused("2026-11-25T09:46:40Zjunk", "character 21: unexpected 'j' after the time",
		"text after it");
	{
		int64_t ms = 0;
		ok(rfc3339_parse("2026-11-25T09:46:40Z\n", 21, &ms, why, sizeof why) < 0 &&
		   strstr(why, "character 21: unexpected byte 0x0a after the time"),
		   "a trailing newline is refused (%s)", why);
	}
	refused("10000-01-01T00:00:00Z", "character 5: expected '-' after the year (years past 9999",
		"year 10000");
	refused("+2026-11-25T09:46:40Z", "character 1: expected the year as four digits, found '+'",
		"a signed year");
	refused("26-11-25T09:46:40Z", "character 3: expected the year as four digits", "two-digit year");
	refused("2026-1-25T09:46:40Z", "character 7: expected the month as two digits, found '-'",
		"one-digit month");
	refused("9999-12-31T23:59:59-00:01", "after year 0000-9999 in UTC",
		"past 9999 once the offset is applied");
	refused("0000-01-01T00:00:00+00:01", "before year 0000-9999 in UTC",
		"before year 0 once the offset is applied");
	refused("1795600000000", "character 5: expected '-'", "milliseconds are no time text");
	{
		/* a NUL inside the text is part of it, not its end */
		int64_t ms = 0;
		ok(rfc3339_parse("1970-01-01T00:00:00Z\0x", 22, &ms, why, sizeof why) < 0 &&
		   strstr(why, "character 21: unexpected byte 0x00"),
		   "an embedded NUL is refused (%s)", why);
	}
}

static void test_format(void)
{
	formats(0, 0, "1970-01-01T00:00:00.000Z", "the epoch");
	formats(-1, 0, "1969-12-31T23:59:59.999Z", "one ms before");
	formats(1795600000123LL, 0, "2026-11-25T09:46:40.123Z", "a platform time");
	formats(1795600000123LL, 60, "2026-11-25T10:46:40.123+01:00", "at +01:00");
	formats(1795600000123LL, -330, "2026-11-25T04:16:40.123-05:30", "at -05:30");
	formats(0, -1, "1969-12-31T23:59:00.000-00:01", "across the epoch backwards");
	formats(1709164800000LL, 0, "2024-02-29T00:00:00.000Z", "a leap day");
	formats(RFC3339_MIN_MS, 0, "0000-01-01T00:00:00.000Z", "the first time");
	formats(RFC3339_MAX_MS, 0, "9999-12-31T23:59:59.999Z", "the last time");
	formats(RFC3339_MAX_MS, -RFC3339_MAX_OFFSET_MIN, "9999-12-31T00:00:59.999-23:59",
		"the last time, far west");
	format_refused(RFC3339_MAX_MS + 1, 0, "outside 0000-01-01T00:00:00.000Z", "past 9999");
	format_refused(RFC3339_MIN_MS - 1, 0, "outside", "before year 0");
	format_refused(INT64_MIN, 0, "outside", "INT64_MIN");
	format_refused(INT64_MAX, 0, "outside", "INT64_MAX");
	format_refused(0, 1440, "offset 1440 minutes", "offset of a day");
	format_refused(0, -1440, "offset -1440 minutes", "negative offset of a day");
	format_refused(RFC3339_MAX_MS, 1, "local time is outside year 0000-9999",
		       "a local time past 9999");
	format_refused(RFC3339_MIN_MS, -1, "local time is outside", "a local time before year 0");
}

/* Every day from 1600 to 2400 at a varying time of day, and a spread of
 * instants over the whole range, against timegm and gmtime_r, with TZ set
 * far from UTC: the module must not see it. */
static void test_sweep(void)
{
	int64_t ms, back;
	char out[RFC3339_TEXT_MAX], want[64];
	struct tm tm;
	time_t t;
	long bad = 0, n = 0;
	int64_t step = 86400000LL + 3723004; /* a day, 1 h 2 min 3 s 4 ms */

	setenv("TZ", "Pacific/Kiritimati", 1);
	tzset();
	for (ms = -11676096000000LL; ms < 13569465600000LL; ms += step, n++) {
		t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
		gmtime_r(&t, &tm);
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, (int)(ms - (int64_t)t * 1000));
		if (rfc3339_format(ms, 0, out, why, sizeof why) < 0 || strcmp(out, want) ||
		    rfc3339_parse(out, strlen(out), &back, why, sizeof why) < 0 ||
		    back != ms || timegm(&tm) != t) {
			if (bad++ < 3)
				printf("#   %lld: got %s, want %s\n", (long long)ms, out, want);
		}
	}
	ok(bad == 0 && n > 280000, "%ld instants 1600-2400 agree with gmtime_r and "
	   "round-trip, under TZ=Pacific/Kiritimati", n);
	bad = 0;
	for (ms = RFC3339_MIN_MS; ms <= RFC3339_MAX_MS - 7777777777LL; ms += 7777777777LL) {
		int off = (int)((ms / 7777777777LL) % (2 * RFC3339_MAX_OFFSET_MIN + 1)) -
			  RFC3339_MAX_OFFSET_MIN;

		if (rfc3339_format(ms, off, out, why, sizeof why) == 0 &&
		    (rfc3339_parse(out, strlen(out), &back, why, sizeof why) < 0 || back != ms)) {
			if (bad++ < 3)
				printf("#   %lld at %d: %s -> %lld\n", (long long)ms, off, out,
				       (long long)back);
		}
	}
	ok(bad == 0, "format then parse is the identity over 0000-9999, at offsets");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_parse();
	test_format();
	test_sweep();
	return tap_done();
}
