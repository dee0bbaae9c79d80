/* grader: the Lua 5.4 grader host.  A grader runs in a separate worker
 * process (forked, confined by sandbox/sandbox.h's grader profile, with
 * RLIMIT_CPU and a memory cap, killed by a wall-clock watchdog) after every
 * sandbox process is dead, over the frozen root.  Lua has no io, os,
 * require, debug, string.dump or bytecode loading.  The results come back
 * over a pipe as JSON and are checked strictly here.  Lua and jansson types
 * stay in this module. */
#ifndef LABRUN_GRADER_H
#define LABRUN_GRADER_H

#include <stddef.h>

struct err;

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

extern const struct grader_limits grader_default_limits;

/* Run the grader.  Returns 0 with result filled, ok or not (a grader that
 * loops, crashes or returns nonsense gives ok=0 and the reason); -1 only
 * when the worker could not be started at all (ERR_HOST). */
int grader_run(const struct grader_input *in, struct grader_result *out,
	       struct err *e);
void grader_result_release(struct grader_result *r);

/* Compile without running; 0 if it compiles, else -1 with the Lua message
 * ("grader/grade.lua:12: ...") in msg. */
int grader_compile(const char *source, size_t len, const char *chunkname,
		   char *msg, size_t msgsize);

/* The verdict of a result: "error" if !ok or any check is error, else
 * "pass" if score >= pass_mark, else "fail".  *score is the points as
 * thousandths of the total weight (0 when there is no weight). */
const char *grader_verdict(const struct grader_result *r, unsigned pass_mark,
			   unsigned *score);

const char *check_status_name(enum check_status s);

#endif
