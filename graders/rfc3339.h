/* rfc3339: RFC 3339 date-times to milliseconds since the epoch and back,
 * for lab.time (docs/graders.md, "Times").  Pure arithmetic on the proleptic
 * Gregorian calendar: no libc time function, no TZ, no locale, so a grading
 * gives the same answer on every host.  It does not know leap seconds (a
 * ":60" is refused, as POSIX time has no place for it), and it does not read
 * ISO 8601's other forms (week dates, ordinals, basic format). */
#ifndef LABRUN_GRADERS_RFC3339_H
#define LABRUN_GRADERS_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* The range both directions accept: 0000-01-01T00:00:00.000Z and
 * 9999-12-31T23:59:59.999Z, the times RFC 3339's four-digit year can
 * write in UTC. */
#define RFC3339_MIN_MS (-62167219200000LL)
#define RFC3339_MAX_MS 253402300799999LL
/* Offsets format accepts, in minutes: what "+hh:mm" can write. */
#define RFC3339_MAX_OFFSET_MIN (23 * 60 + 59)
/* Bytes of the longest text format writes, with its NUL. */
#define RFC3339_TEXT_MAX 32

/* Parse s[0..len): "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" ('t' and
 * 'z' as well, as RFC 3339 allows).  Fraction digits past the millisecond
 * are dropped, never rounded, so that parsing keeps the order of the texts.
 * 0 and *ms, or -1 with why ("character 6: the month must be 01 to 12"). */
int rfc3339_parse(const char *s, size_t len, int64_t *ms, char *why,
		  size_t whysize);

/* Write ms as "YYYY-MM-DDTHH:MM:SS.mmmZ", or with offset_min != 0 as the
 * same instant at that offset ("...+05:30").  0, or -1 with why when ms or
 * the offset is out of range (the local time must be writable too). */
int rfc3339_format(int64_t ms, int offset_min, char out[RFC3339_TEXT_MAX],
		   char *why, size_t whysize);

#endif
