/* lua_host: the worker side of the grader host, internal to graders/.  It
 * builds the restricted Lua state, the `lab` API, runs grade.lua and turns
 * what it returns into the result document.  It does not fork, set limits
 * or confine anything: grader.c does that around it. */
#ifndef LABRUN_GRADERS_LUA_HOST_H
#define LABRUN_GRADERS_LUA_HOST_H

#include <stddef.h>

struct grader_input;

/* Run the grader in this process (the worker) and return the result
 * document, {"ok":true,"checks":[...]} or {"ok":false,"error":"..."}, as
 * malloc'd JSON text of *len bytes.  A grader fault is an ok=false
 * document, never a NULL; NULL means the worker itself ran out of memory. */
char *lua_host_run(const struct grader_input *in, size_t *len);

/* Compile the embedded Lua half of the API once in this process, so that
 * every lua_host_run after it (in this process or a child forked from it)
 * loads bytecode instead of compiling 39 KB of source.  Idempotent; on any
 * failure nothing is kept and the runs compile the sources as before.
 * labrun calls it from its one thread (grader_run, before the fork);
 * lua_host_unprepare frees it (leak checks). */
void lua_host_prepare(void);
void lua_host_unprepare(void);

/* The document {"ok":false,"error":msg} (msg is repaired to clean UTF-8). */
char *lua_host_error_doc(const char *msg, size_t *len);

/* Compile in a fresh, capped state without running; 0 or -1 with the Lua
 * message in msg. */
int lua_host_compile(const char *source, size_t len, const char *chunkname,
		     char *msg, size_t msgsize);

/* Tests only: resolve paths component by component, as when the kernel
 * lacks openat2. */
extern int lua_host_force_walk;

/* Tests only: lua_host_run closes its Lua state and frees what the run
 * held before it returns, so that one process can run grader after grader
 * (tests/fuzz/fuzz_spans.c).  The worker leaves that to its _exit(). */
extern int lua_host_close_state;

#endif
