/* program: a certification program (docs/credentials.md, "Programs and
 * ladders: labrun award"): the signed JSON file that says what earns a
 * program credential (scenarios, competencies at a level, how many of
 * them, prerequisite programs) and for how long it is valid.  This module
 * parses and checks the file strictly (every unknown key an error with a
 * did-you-mean), checks its signature beside it, and decides whether a set
 * of already verified pieces (passing scenario attempts, prerequisite
 * program credentials) meets it, saying what is missing when not.  It does
 * not read evidence or credentials itself (cmd_award.c does) and signs
 * nothing. */
#ifndef LABRUN_PROGRAM_H
#define LABRUN_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "runner/sign.h"

struct problems;
struct err;
struct buf;

#define PROGRAM_SCHEMA "labrun.program/1"
#define PROGRAM_MAX_BYTES (64 * 1024)  /* a program file */
#define PROGRAM_MAX_DEPTH 8            /* its JSON nesting */
#define PROGRAM_MAX_ITEMS 64           /* scenarios and competencies */
#define PROGRAM_MAX_PREREQS 16         /* prerequisite programs */
#define PROGRAM_MAX_NAME 200           /* bytes of its name: one line */
#define PROGRAM_MAX_DESCRIPTION 2000   /* bytes of its description */
#define PROGRAM_MAX_VALID_DAYS 3650    /* ten years */
#define PROGRAM_ID_MAX 64              /* bytes of an id, with its NUL */
#define PROGRAM_VERSION_MAX 129        /* a semantic version, with its NUL */

/* The four levels, in order; 0 is none. */
enum program_level {
	PROGRAM_LEVEL_NONE = 0,
	PROGRAM_FOUNDATION,
	PROGRAM_PRACTITIONER,
	PROGRAM_SPECIALIST,
	PROGRAM_ARCHITECT,
};
int program_level_rank(const char *name); /* PROGRAM_LEVEL_NONE unknown */
const char *program_level_name(int rank); /* "" for none */

enum program_item_kind { PROGRAM_SCENARIO = 1, PROGRAM_COMPETENCY };

/* One requirement: a scenario (at min_version or later) or a competency
 * shown by a scenario of min_level or above. */
struct program_item {
	enum program_item_kind kind;
	char id[PROGRAM_ID_MAX];
	char min_version[PROGRAM_VERSION_MAX]; /* "" any */
	int min_level;                         /* competencies */
};

struct program {
	char id[PROGRAM_ID_MAX];
	char version[PROGRAM_VERSION_MAX];
	char name[PROGRAM_MAX_NAME + 1];
	int level;
	char *description;
	unsigned valid_for_days;
	struct program_item *items;
	size_t nitems;
	unsigned count;                        /* items that must be met */
	char (*prereqs)[PROGRAM_ID_MAX];
	size_t nprereqs;
};

/* Parse and check text (len bytes; file names it in problems).  0 with
 * out filled; -1 with every problem in p, "FILE: WHERE: WHAT; hint: ...";
 * -2 when memory ran out.  out holds nothing unless 0. */
int program_parse(const void *text, size_t len, const char *file,
		  struct program *out, struct problems *p);
void program_release(struct program *pg);

/* Read path (bounded), check PATH.minisig against trust (the author keys;
 * the signature is checked before a byte is parsed, and its first line
 * must be one labrun or stock minisign writes), then parse.  With trust
 * NULL the signature is not looked at (award --check without --trust).
 * digest gets the file's SHA-256.  -1: e says why (ERR_REFUSED for a bad
 * signature or problems, which are in p; ERR_HOST for I/O). */
int program_open(const char *path, const struct sign_trust *trust,
		 struct program *out, char digest[SIGN_SHA256_HEX],
		 struct problems *p, struct err *e);

/* Compare two semantic versions by precedence (semver.org 2.0.0, item 11):
 * <0, 0, >0.  A text that is not one compares below every version. */
int program_version_cmp(const char *a, const char *b);
/* 1 when s is a semantic version labrun accepts (MAJOR.MINOR.PATCH, an
 * optional -PRERELEASE and +BUILD). */
int program_is_version(const char *s);

/* A verified piece of what is presented to labrun award. */
enum program_piece_kind { PROGRAM_PIECE_ATTEMPT = 1, PROGRAM_PIECE_PROGRAM };
struct program_piece {
	enum program_piece_kind kind;
	const char *file;         /* as named on the command line */
	char id[PROGRAM_ID_MAX];  /* scenario or program id */
	char version[PROGRAM_VERSION_MAX];
	int level;
	char **competencies;      /* attempts */
	size_t ncompetencies;
	int used;                 /* set by program_meets */
};

/* Does the set of pieces meet pg?  0 yes (each piece that counted has
 * used set, and every piece counts or the answer is no); 1 no, with why
 * (every reason, one a line, naming what is missing and what was
 * presented); -1 memory. */
int program_meets(const struct program *pg, struct program_piece *pieces,
		  size_t n, struct buf *why, struct err *e);

/* "urn:labrun:program:ID:VERSION" split: the id and version of a program
 * achievement; -1 when s is not one. */
int program_achievement_split(const char *s, char id[PROGRAM_ID_MAX],
			      char version[PROGRAM_VERSION_MAX]);

#endif
