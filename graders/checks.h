/* checks: the one rule book for what a grader returns, internal to
 * graders/.  The worker applies it before it answers (lua_host.c) and the
 * parent again after (grader.c), so a worker that lies is caught by the
 * same rules; with it, the clean text every message and error of a
 * grading is made of.  It runs no Lua and parses nothing: it judges a
 * JSON array already built. */
#ifndef LABRUN_GRADERS_CHECKS_H
#define LABRUN_GRADERS_CHECKS_H

#include <stddef.h>

#include <jansson.h>

/* Validate an array of checks.  0, or -1 with the reason ("check 3:
 * missing id") in why. */
int checks_validate(const json_t *checks, char *why, size_t whysize);

/* 1 if a check may have a field of this name (id, title, weight, status,
 * points, message, kind). */
int checks_field_known(const char *name);

/* Make s[0..len) clean text in place, keeping its length: every byte that
 * is not part of valid UTF-8, and every control character but tab and
 * newline, becomes '?'.  Returns how many bytes were replaced. */
size_t checks_text_repair(char *s, size_t len);

/* "64 MiB" (or "N bytes" when not whole MiB), for messages. */
void checks_memory_text(size_t bytes, char *out, size_t size);

#endif
