/* grading: the data of one grading, shared by every part of the grader
 * host and by its callers: what a grader is given (its source, the frozen
 * root, the context, its limits) and what comes back (the checks, the
 * paths it touched, or why it failed).  Types only: graders/grader.h runs
 * a grading, graders/checks.h holds the rules its checks must meet. */
#ifndef LABRUN_GRADERS_GRADING_H
#define LABRUN_GRADERS_GRADING_H

#include <stddef.h>

enum check_status { CHECK_PASS, CHECK_FAIL, CHECK_ERROR };

struct grader_check {
	char *id;      /* ^[a-z0-9][a-z0-9._-]{0,63}$, unique */
	char *title;
	enum check_status status;
	unsigned weight; /* thousandths of a point */
	unsigned points; /* 0..weight */
	char *message;   /* what the candidate can act on */
	/* 1: a knowledge answer, bound to the attempt (what the candidate
	 * knew of this attempt's incident: it is carried over when a
	 * recertification replays the attempt, and it may rest on files the
	 * candidate writes); 0: a remediation, judged again on every replay
	 * (docs/graders.md, "Kinds of check") */
	int knowledge;
};

/* A path the grader touched: percent-encoded as collect.h encodes member
 * names, with how ("r" read, "l" listed, "e" looked for: any of them). */
struct grader_read {
	char *path;
	char ops[4];
};

struct grader_limits {
	size_t memory;               /* bytes of the Lua heap */
	unsigned long long instructions;
	unsigned cpu_s;              /* RLIMIT_CPU of the worker */
	unsigned wall_ms;            /* SIGKILL after this */
};

struct grader_input {
	const char *source; /* grade.lua */
	size_t source_len;
	const char *chunkname; /* "grader/grade.lua", in messages */
	int root_fd;        /* the frozen sandbox root, a directory */
	/* JSON object: {"session":{...},"commands":[...],"keys":{...}};
	 * see docs/graders.md for the fields */
	const char *context_json;
	size_t context_len;
	struct grader_limits lim;
	int verbose;        /* pass the grader's print() output to stderr */
};

struct grader_result {
	int ok;           /* 1: the grader returned valid checks */
	char error[512];  /* when !ok: why (grader fault or limit), for evidence */
	struct grader_check *checks;
	size_t n;
	/* When ok: every path the grader touched, in byte order; reads_cut
	 * when a cap (GRADER_MAX_READS) kept some out. */
	struct grader_read *reads;
	size_t nreads;
	int reads_cut;
};

#endif
