/* lua_host: the grader worker's Lua state and the C half of the `lab` API:
 * a capped allocator, an instruction budget, only base/table/string/math/
 * utf8 with the dangerous functions removed or wrapped, reads beneath the
 * frozen root that follow no link, and the returned checks read with raw
 * access and turned into JSON.  It does not fork, set rlimits or load
 * seccomp (grader.c does that around it), and it trusts nothing the grader
 * returns: checks.c's rules judge it before it is answered.
 *
 * A memory error cannot be caught by the grader (pcall re-raises it), so it
 * always ends the run; a descriptor or C buffer held when one is raised
 * inside a `lab` function is left for the worker's _exit() to reclaim. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/checks.h"
#include "graders/grading.h"
#include "graders/lua_host.h"
#include "graders/rfc3339.h"

/* The Lua part of the API, embedded from graders/prelude.lua,
 * graders/trace.lua (lab.trace) and graders/agentd.lua (lab.agentd) by
 * graders/embed.sh. */
extern const char prelude_lua[];
extern const size_t prelude_lua_len;
extern const char trace_lua[];
extern const size_t trace_lua_len;
extern const char agentd_lua[];
extern const size_t agentd_lua_len;

/* The Lua half of the API, in load order, and its bytecode once
 * lua_host_prepare has compiled it in this process.  Compiling the 39 KB
 * of source is most of a grader's start (0.6 ms against 0.06 ms to load
 * the bytecode); the parent compiles once, before it forks its workers,
 * and each worker loads the bytecode its own liblua wrote.  Nothing but
 * these buffers is ever loaded in binary mode: a grader's own chunks and
 * its load() are text only. */
static struct lh_lib {
	const char *name; /* chunk name, in error messages */
	const char *src;
	const size_t *len; /* bytes */
	char *code;        /* bytecode (lua_dump, line info kept), or NULL */
	size_t code_len;
} lh_libs[] = {
	{"=prelude", prelude_lua, &prelude_lua_len, NULL, 0},
	{"=trace", trace_lua, &trace_lua_len, NULL, 0},
	{"=agentd", agentd_lua, &agentd_lua_len, NULL, 0},
};
#define LH_LIBS (sizeof lh_libs / sizeof *lh_libs)

/* The count hook runs every this many VM instructions: often enough to
 * stop a loop within microseconds of the budget, rarely enough to cost
 * nothing measurable. */
#define LH_HOOK_EVERY 10000
/* Kept short (Lua interns short strings), so raising it from the hook
 * allocates nothing. */
#define LH_BUDGET_MSG "grader instruction budget exhausted"
/* Bytes of a check field copied for validation: enough to tell that a
 * title or message is too long without copying a huge string. */
#define LH_FIELD_MAX ((CHECK_MAX_MESSAGE > CHECK_MAX_TITLE ? CHECK_MAX_MESSAGE \
							   : CHECK_MAX_TITLE) + 1)

int lua_host_force_walk;
int lua_host_close_state;

struct host {
	size_t used;               /* bytes of the Lua heap in use */
	size_t cap;                /* bytes the Lua heap may hold */
	unsigned long long spent;  /* VM instructions, in steps of the hook */
	unsigned long long budget; /* VM instructions */
	int killed;                /* over budget: every hook raises */
	int oom;                   /* a memory error was seen */
	int root_fd;               /* the frozen root, or -1 */
	uint64_t root_mnt;         /* mount id of the root: reads stay on it */
	int verbose;               /* print() is relayed */
	size_t printed;            /* bytes of print() output written */
	const struct grader_input *in;
	json_t *checks;            /* what lh_collect made of the result */
	char why[256];             /* why the result is nonsense */
	/* Every path the grader touched (read, listed or looked for), so that
	 * the session keeps what its verdict rests on (docs/validity.md).  An
	 * open-addressing set of indices into reads. */
	struct lh_touch {
		char *path;          /* absolute, normalised */
		unsigned ops;        /* LH_OP_* */
	} *reads;
	size_t nreads, read_bytes;
	unsigned *slots;           /* GRADER_MAX_READS * 2 entries, 0 = free */
	int reads_cut;             /* a path was not recorded: a cap was hit */
};

enum { LH_OP_READ = 1, LH_OP_LIST = 2, LH_OP_EXISTS = 4 };

static char lh_null_key;   /* registry key of lab.null */
static char lh_budget_key; /* registry key keeping LH_BUDGET_MSG alive */

static struct host *host_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* The single place Lua memory is counted.  Growth past the cap fails (Lua
 * then collects and retries once, then raises a memory error); a shrink
 * never fails, as Lua requires. */
static void *lh_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct host *h = ud;
	void *p;

	if (!ptr)
		osize = 0; /* then osize only encodes the object type */
	if (nsize == 0) {
		free(ptr);
		h->used -= osize;
		return NULL;
	}
	if (nsize > osize && nsize - osize > h->cap - h->used)
		return NULL;
	p = realloc(ptr, nsize);
	if (!p) {
		if (nsize > osize)
			return NULL;
		p = ptr; /* the old block is still good, and big enough */
	}
	h->used = h->used - osize + nsize;
	return p;
}

/* The instruction budget.  Once over it, the hook fires on every
 * instruction and raises each time, so no pcall, load or __close can
 * swallow it for long. */
static void lh_hook(lua_State *L, lua_Debug *ar)
{
	struct host *h = host_of(L);

	(void)ar;
	if (!h->killed) {
		h->spent += LH_HOOK_EVERY;
		if (h->spent <= h->budget)
			return;
		h->killed = 1;
		lua_sethook(L, lh_hook, LUA_MASKCOUNT, 1);
	}
	lua_pushliteral(L, LH_BUDGET_MSG);
	lua_error(L);
}

/* The outermost message handler: raw types only, so an error object's
 * __tostring never runs (it could loop where no hook reaches it). */
static int lh_msgh(lua_State *L)
{
	int t = lua_type(L, 1);

	if (t == LUA_TSTRING)
		return 1;
	if (t == LUA_TNUMBER) {
		lua_tolstring(L, 1, NULL); /* in place; no metamethod */
		return 1;
	}
	lua_pushfstring(L, "grader raised an error that is not a string (a %s)",
			lua_typename(L, t));
	return 1;
}

/* ---- the base library, restricted ---- */

/* pcall and xpcall that catch what a grader may catch: its own errors, not
 * the budget or the memory cap. */
static int lh_finish_pcall(lua_State *L, int status, int extra)
{
	struct host *h = host_of(L);

	if (status == LUA_OK)
		return lua_gettop(L) - extra;
	if (status == LUA_ERRMEM)
		h->oom = 1;
	if (h->killed || h->oom)
		return lua_error(L);
	lua_pushboolean(L, 0);
	lua_pushvalue(L, -2);
	return 2;
}

static int lh_pcall(lua_State *L)
{
	int status;

	luaL_checkany(L, 1);
	lua_pushboolean(L, 1);
	lua_insert(L, 1);
	status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
	return lh_finish_pcall(L, status, 0);
}

/* The grader's own handler, skipped once the budget is gone: a handler
 * called for an error raised in the hook runs with hooks off, and a loop in
 * it would never end. */
static int lh_xpcall_msgh(lua_State *L)
{
	struct host *h = host_of(L);

	if (h->killed || h->oom)
		return 1;
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int lh_xpcall(lua_State *L)
{
	int n = lua_gettop(L), status;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, lh_xpcall_msgh, 1);
	lua_replace(L, 2);
	lua_pushboolean(L, 1);
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 2);
	status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
	return lh_finish_pcall(L, status, 2);
}

/* load(chunk [, chunkname [, mode [, env]]]): text only, whatever mode the
 * grader asks for, and a string only (a reader function's errors would be
 * caught by load itself). */
static int lh_load(lua_State *L)
{
	int n = lua_gettop(L);

	luaL_checktype(L, 1, LUA_TSTRING);
	if (n < 3)
		lua_settop(L, 3);
	else if (n > 4)
		lua_settop(L, 4);
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* setmetatable without finalizers: a table gets one only through a __gc
 * field present here, and a finalizer runs with hooks off. */
static int lh_setmetatable(lua_State *L)
{
	lua_settop(L, 2);
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc is not allowed in a grader");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

static int lh_collectgarbage(lua_State *L)
{
	const char *opt = luaL_optstring(L, 1, "collect");
	int kb, b;

	if (strcmp(opt, "count") != 0)
		return luaL_error(L, "collectgarbage: only \"count\" is available to a grader");
	kb = lua_gc(L, LUA_GCCOUNT);
	b = lua_gc(L, LUA_GCCOUNTB);
	lua_pushnumber(L, (lua_Number)kb + (lua_Number)b / 1024);
	return 1;
}

static void lh_write(const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(2, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* At most GRADER_MAX_PRINT bytes, then one line saying the rest is cut. */
static void lh_emit(struct host *h, const char *s, size_t len)
{
	static const char mark[] = "\n[print output cut here]\n";
	size_t room;

	if (h->printed > GRADER_MAX_PRINT)
		return;
	room = GRADER_MAX_PRINT - h->printed;
	if (len <= room) {
		h->printed += len;
		lh_write(s, len);
		return;
	}
	lh_write(s, room);
	lh_write(mark, sizeof mark - 1);
	h->printed = GRADER_MAX_PRINT + 1;
}

/* print: to the worker's stderr, which the parent relays only when
 * verbose.  Arguments are converted either way, so that a grader behaves
 * the same with and without -v. */
static int lh_print(lua_State *L)
{
	struct host *h = host_of(L);
	int n = lua_gettop(L), i;
	const char *s;
	size_t len;

	for (i = 1; i <= n; i++) {
		s = luaL_tolstring(L, i, &len);
		if (h->verbose) {
			if (i > 1)
				lh_emit(h, "\t", 1);
			lh_emit(h, s, len);
		}
		lua_pop(L, 1);
	}
	if (h->verbose)
		lh_emit(h, "\n", 1);
	return 0;
}

static void lh_restrict(lua_State *L)
{
	lua_pushglobaltable(L);
	lua_pushnil(L);
	lua_setfield(L, -2, "dofile");
	lua_pushnil(L);
	lua_setfield(L, -2, "loadfile");
	lua_getfield(L, -1, "load");
	lua_pushcclosure(L, lh_load, 1);
	lua_setfield(L, -2, "load");
	lua_getfield(L, -1, "setmetatable");
	lua_pushcclosure(L, lh_setmetatable, 1);
	lua_setfield(L, -2, "setmetatable");
	lua_pushcfunction(L, lh_pcall);
	lua_setfield(L, -2, "pcall");
	lua_pushcfunction(L, lh_xpcall);
	lua_setfield(L, -2, "xpcall");
	lua_pushcfunction(L, lh_collectgarbage);
	lua_setfield(L, -2, "collectgarbage");
	lua_pushcfunction(L, lh_print);
	lua_setfield(L, -2, "print");
	lua_getfield(L, -1, "string");
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	/* A regrade gives the same result: math.random starts from a fixed
	 * seed rather than the time. */
	lua_getfield(L, -1, "math");
	lua_getfield(L, -1, "randomseed");
	lua_pushinteger(L, 0);
	lua_call(L, 1, 0);
	lua_pop(L, 2);
}

/* ---- paths beneath the frozen root ---- */

struct lh_path {
	char dir[PATH_MAX];      /* relative to the root, "." for the root */
	char last[NAME_MAX + 1]; /* the last component, "." for the root */
};

/* "/etc/agentd/policy.json" -> dir "etc/agentd", last "policy.json".
 * Returns NULL, or why the path is refused. */
static const char *lh_split(const char *s, size_t len, struct lh_path *p)
{
	size_t i = 0, n, dlen = 0, lastoff = 0;
	int comps = 0;

	if (memchr(s, 0, len))
		return "path contains a NUL byte";
	if (len == 0 || s[0] != '/')
		return "path must be absolute";
	if (len >= sizeof p->dir)
		return "path too long";
	while (i < len) {
		while (i < len && s[i] == '/')
			i++;
		for (n = 0; i + n < len && s[i + n] != '/'; n++)
			;
		if (n == 0 || (n == 1 && s[i] == '.')) {
			i += n;
			continue;
		}
		if (n == 2 && s[i] == '.' && s[i + 1] == '.')
			return "path contains '..'";
		if (n > NAME_MAX)
			return "path too long";
		if (comps++)
			p->dir[dlen++] = '/';
		lastoff = dlen;
		memcpy(p->dir + dlen, s + i, n);
		dlen += n;
		i += n;
	}
	p->dir[dlen] = 0;
	if (!comps) {
		memcpy(p->dir, ".", 2);
		memcpy(p->last, ".", 2);
		return NULL;
	}
	memcpy(p->last, p->dir + lastoff, dlen - lastoff + 1);
	if (lastoff == 0)
		memcpy(p->dir, ".", 2);
	else
		p->dir[lastoff - 1] = 0;
	return NULL;
}

/* Note that the grader touched path p (as split) with op.  Out of memory
 * or past a cap, the log is marked cut: the session then cannot promise
 * that its evidence holds everything the verdict rests on. */
static void lh_touch(struct host *h, const struct lh_path *p, unsigned op)
{
	char path[3 * (PATH_MAX + NAME_MAX + 2)], enc[sizeof path];
	size_t len, i, nslots = 2 * (size_t)GRADER_MAX_READS;
	unsigned hash = 2166136261u;

	if (!strcmp(p->last, "."))
		len = (size_t)snprintf(path, sizeof path, "/");
	else if (!strcmp(p->dir, "."))
		len = (size_t)snprintf(path, sizeof path, "/%s", p->last);
	else
		len = (size_t)snprintf(path, sizeof path, "/%s/%s", p->dir, p->last);
	/* named as evidence members are (path_encode), so that a touched
	 * path and a collected file compare as text */
	enc[0] = '/';
	if (len >= sizeof path || path_encode(path + 1, enc + 1, sizeof enc - 1) < 0) {
		h->reads_cut = 1;
		return;
	}
	len = strlen(enc);
	memcpy(path, enc, len + 1);
	if (!h->slots) {
		h->slots = calloc(nslots, sizeof *h->slots);
		h->reads = calloc(GRADER_MAX_READS, sizeof *h->reads);
		if (!h->slots || !h->reads) {
			h->reads_cut = 1;
			return;
		}
	}
	for (i = 0; i < len; i++)
		hash = (hash ^ (unsigned char)path[i]) * 16777619u;
	for (i = hash % nslots; h->slots[i]; i = (i + 1) % nslots) {
		struct lh_touch *t = &h->reads[h->slots[i] - 1];

		if (!strcmp(t->path, path)) {
			t->ops |= op;
			return;
		}
	}
	if (h->nreads == GRADER_MAX_READS ||
	    h->read_bytes + len > GRADER_MAX_READS_BYTES ||
	    !(h->reads[h->nreads].path = strdup(path))) {
		h->reads_cut = 1;
		return;
	}
	h->reads[h->nreads].ops = op;
	h->read_bytes += len;
	h->slots[i] = (unsigned)++h->nreads;
}

static const char *lh_reason(int err)
{
	switch (err) {
	case ENOENT:
		return "no such file";
	case ELOOP:
		return "symbolic link refused";
	case ENOTDIR:
		return "a parent is not a directory";
	case EXDEV:
		return "crosses a mount point";
	case EACCES:
	case EPERM:
		return "permission denied";
	case ENAMETOOLONG:
		return "path too long";
	default:
		return strerror(err);
	}
}

/* The directory dir beneath the root, component by component, for kernels
 * without openat2: every component opened O_NOFOLLOW and checked to be a
 * directory on the root's device (".." never reaches here). */
static int lh_walk(struct host *h, char *dir)
{
	struct stat st;
	char *comp, *next;
	uint64_t mnt = 0;
	int cur, fd;

	cur = openat(h->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0 || !strcmp(dir, "."))
		return cur;
	for (comp = dir; comp; comp = next) {
		next = strchr(comp, '/');
		if (next)
			*next++ = 0;
		fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		if (fd < 0)
			return -1;
		if (fstat(fd, &st) < 0) {
			close(fd);
			return -1;
		}
		errno = S_ISLNK(st.st_mode) ? ELOOP
			: !S_ISDIR(st.st_mode) ? ENOTDIR
			: mount_id_at(fd, "", &mnt) < 0 ? EIO
			: mnt != h->root_mnt ? EXDEV : 0;
		if (errno) {
			close(fd);
			return -1;
		}
		cur = fd;
	}
	return cur;
}

static int lh_open_dir(struct host *h, struct lh_path *p)
{
	struct open_how how;
	char copy[PATH_MAX];
	int fd;

	if (!lua_host_force_walk) {
		memset(&how, 0, sizeof how);
		how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			      RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
		fd = (int)syscall(SYS_openat2, h->root_fd, p->dir, &how, sizeof how);
		/* ENOSYS: an old kernel; EPERM: a filter that refuses openat2
		 * outright.  The walk is as strict, only slower. */
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return fd;
	}
	memcpy(copy, p->dir, strlen(p->dir) + 1);
	return lh_walk(h, copy);
}

/* Resolve path up to its last component and lstat that, noting the path
 * as touched by op.  Returns NULL with *dfd (the parent directory) and
 * *st, or why not. */
static const char *lh_resolve(struct host *h, const char *s, size_t len,
			      unsigned op, struct lh_path *p, int *dfd,
			      struct stat *st)
{
	const char *why;
	uint64_t mnt = 0;
	int fd;

	if (h->root_fd < 0)
		return "no sandbox root to read";
	why = lh_split(s, len, p);
	if (why)
		return why;
	/* Whatever the outcome: a file found missing is a fact too. */
	lh_touch(h, p, op);
	fd = lh_open_dir(h, p);
	if (fd < 0)
		return lh_reason(errno);
	if (fstatat(fd, p->last, st, AT_SYMLINK_NOFOLLOW) < 0) {
		why = lh_reason(errno);
		close(fd);
		return why;
	}
	if (mount_id_at(fd, p->last, &mnt) < 0 || mnt != h->root_mnt) {
		close(fd);
		return "crosses a mount point";
	}
	*dfd = fd;
	return NULL;
}

/* Open the last component for reading, and check it is still the file
 * that was examined. */
static int lh_reopen(int dfd, const char *last, int flags, const struct stat *st)
{
	struct stat now;
	int fd;

	fd = openat(dfd, last, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

static int lh_fail(lua_State *L, const char *why)
{
	lua_pushnil(L);
	lua_pushstring(L, why);
	return 2;
}

/* Push the contents of a regular file (or nil, reason); returns the number
 * of values pushed. */
static int lh_read(lua_State *L, const char *s, size_t len)
{
	struct host *h = host_of(L);
	struct lh_path p;
	struct stat st;
	const char *why;
	char *data, extra;
	size_t got = 0, size;
	ssize_t n;
	int dfd, fd;

	why = lh_resolve(h, s, len, LH_OP_READ, &p, &dfd, &st);
	if (why)
		return lh_fail(L, why);
	if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > GRADER_MAX_READ) {
		close(dfd);
		if (S_ISLNK(st.st_mode))
			return lh_fail(L, "symbolic link refused");
		if (!S_ISREG(st.st_mode))
			return lh_fail(L, "not a regular file");
		lua_pushnil(L);
		lua_pushfstring(L, "larger than %d bytes", (int)GRADER_MAX_READ);
		return 2;
	}
	size = (size_t)st.st_size;
	data = lua_newuserdatauv(L, size ? size : 1, 0);
	fd = lh_reopen(dfd, p.last, O_RDONLY | O_NONBLOCK, &st);
	close(dfd);
	if (fd < 0)
		return lh_fail(L, errno == ESTALE ? "changed while being read"
						  : lh_reason(errno));
	while (got < size) {
		n = read(fd, data + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == size)
		n = read(fd, &extra, 1);
	close(fd);
	if (got != size || n != 0)
		return lh_fail(L, "changed while being read");
	lua_pushlstring(L, data, size);
	return 1;
}

static int lab_read(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);

	return lh_read(L, s, len);
}

static int lab_lines(lua_State *L)
{
	size_t len, start = 0;
	const char *s = luaL_checklstring(L, 1, &len), *nl;
	lua_Integer n = 0;

	if (lh_read(L, s, len) != 1)
		return 2;
	s = lua_tolstring(L, -1, &len);
	lua_newtable(L);
	while (start < len) {
		nl = memchr(s + start, '\n', len - start);
		if (!nl)
			nl = s + len;
		lua_pushlstring(L, s + start, (size_t)(nl - (s + start)));
		lua_rawseti(L, -2, ++n);
		start = (size_t)(nl - s) + 1;
	}
	return 1;
}

static int lab_exists(lua_State *L)
{
	struct host *h = host_of(L);
	struct lh_path p;
	struct stat st;
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len), *why;
	int dfd;

	why = lh_resolve(h, s, len, LH_OP_EXISTS, &p, &dfd, &st);
	if (why)
		return lh_fail(L, why);
	close(dfd);
	if (S_ISREG(st.st_mode))
		lua_pushliteral(L, "file");
	else if (S_ISDIR(st.st_mode))
		lua_pushliteral(L, "dir");
	else if (S_ISLNK(st.st_mode))
		lua_pushliteral(L, "link");
	else
		lua_pushliteral(L, "other");
	return 1;
}

static int lh_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lh_names_free(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

static int lab_list(lua_State *L)
{
	struct host *h = host_of(L);
	struct lh_path p;
	struct stat st;
	struct dirent *de;
	size_t len, n = 0, cap = 0, i;
	const char *s = luaL_checklstring(L, 1, &len), *why;
	char **names = NULL, **grown;
	DIR *d;
	int dfd, fd;

	why = lh_resolve(h, s, len, LH_OP_LIST, &p, &dfd, &st);
	if (why)
		return lh_fail(L, why);
	if (!S_ISDIR(st.st_mode)) {
		close(dfd);
		return lh_fail(L, S_ISLNK(st.st_mode) ? "symbolic link refused"
						      : "not a directory");
	}
	fd = lh_reopen(dfd, p.last, O_RDONLY | O_DIRECTORY, &st);
	close(dfd);
	if (fd < 0)
		return lh_fail(L, errno == ESTALE ? "changed while being read"
						  : lh_reason(errno));
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return lh_fail(L, "out of memory");
	}
	why = NULL;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				why = lh_reason(errno);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == GRADER_MAX_LIST) {
			why = "too many entries";
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(names, cap * sizeof *names);
			if (!grown) {
				why = "out of memory";
				break;
			}
			names = grown;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			why = "out of memory";
			break;
		}
		n++;
	}
	closedir(d);
	if (why) {
		lh_names_free(names, n);
		if (!strcmp(why, "too many entries")) {
			lua_pushnil(L);
			lua_pushfstring(L, "more than %d entries", GRADER_MAX_LIST);
			return 2;
		}
		return lh_fail(L, why);
	}
	if (n)
		qsort(names, n, sizeof *names, lh_name_cmp);
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lh_names_free(names, n);
	return 1;
}

/* lab.trim in C: the obvious pattern ("^%s*(.-)%s*$") is quadratic on
 * candidate text with long runs of blanks, and a pattern runs in one C call
 * no hook can stop. */
static int lab_trim(lua_State *L)
{
	size_t len, a = 0;
	const char *s = luaL_checklstring(L, 1, &len);

	while (a < len && strchr(" \t\n\v\f\r", s[a]) && s[a])
		a++;
	while (len > a && strchr(" \t\n\v\f\r", s[len - 1]) && s[len - 1])
		len--;
	lua_pushlstring(L, s + a, len - a);
	return 1;
}

/* ---- times ---- */

/* lab.time.parse(text) -> milliseconds since the epoch, or nil, reason.
 * Any value is taken: a time usually comes from a file the candidate could
 * have rewritten, so a number or a table where a time was is an answer for
 * the grader to judge (nil, reason), not a fault of the grader. */
static int lab_time_parse(lua_State *L)
{
	char why[160];
	int64_t ms;
	size_t len;
	const char *s;

	if (lua_type(L, 1) != LUA_TSTRING) {
		lua_pushnil(L);
		lua_pushfstring(L, "expected an RFC 3339 time as a string, got %s",
				luaL_typename(L, 1));
		return 2;
	}
	s = lua_tolstring(L, 1, &len);
	if (rfc3339_parse(s, len, &ms, why, sizeof why) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	lua_pushinteger(L, (lua_Integer)ms);
	return 1;
}

/* lab.time.format(ms [, offset_minutes]) -> text, or nil, reason when out
 * of range.  A non-integer argument is the grader's own mistake: an error. */
static int lab_time_format(lua_State *L)
{
	char out[RFC3339_TEXT_MAX], why[160];
	lua_Integer ms, off = 0;
	int isint;

	ms = lua_tointegerx(L, 1, &isint);
	if (!isint || lua_type(L, 1) != LUA_TNUMBER)
		return luaL_error(L, "lab.time.format: milliseconds must be an integer, not %s",
				  lua_type(L, 1) == LUA_TNUMBER ? "a fraction"
								: luaL_typename(L, 1));
	if (!lua_isnoneornil(L, 2)) {
		off = lua_tointegerx(L, 2, &isint);
		if (!isint || lua_type(L, 2) != LUA_TNUMBER)
			return luaL_error(L, "lab.time.format: the offset must be an integer "
					  "number of minutes, not %s",
					  lua_type(L, 2) == LUA_TNUMBER ? "a fraction"
									: luaL_typename(L, 2));
		if (off < -RFC3339_MAX_OFFSET_MIN || off > RFC3339_MAX_OFFSET_MIN) {
			lua_pushnil(L);
			lua_pushfstring(L, "offset %I minutes: it must be within -%d to %d "
					"(-23:59 to +23:59)", off, RFC3339_MAX_OFFSET_MIN,
					RFC3339_MAX_OFFSET_MIN);
			return 2;
		}
	}
	if (rfc3339_format((int64_t)ms, (int)off, out, why, sizeof why) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	lua_pushstring(L, out);
	return 1;
}

/* ---- JSON ---- */

static int lh_json_depth_ok(const json_t *j, int depth)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(j) && !json_is_array(j))
		return 1;
	if (depth >= JSON_MAX_DEPTH)
		return 0;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			if (!lh_json_depth_ok(v, depth + 1))
				return 0;
		}
		return 1;
	}
	json_object_foreach((json_t *)j, key, v) {
		if (!lh_json_depth_ok(v, depth + 1))
			return 0;
	}
	return 1;
}

/* Objects become tables, arrays sequences, null lab.null (or, with
 * drop_null, an absent field of an object), integers integers, reals
 * floats.  The depth was checked before. */
static void lh_push_json(lua_State *L, const json_t *j, int drop_null)
{
	const char *key;
	size_t i, klen;
	json_t *v;

	luaL_checkstack(L, 4, "JSON too deep");
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(j));
		json_object_keylen_foreach((json_t *)j, key, klen, v) {
			if (drop_null && json_is_null(v))
				continue;
			lua_pushlstring(L, key, klen);
			lh_push_json(L, v, drop_null);
			lua_rawset(L, -3);
		}
		break;
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(j), 0);
		json_array_foreach(j, i, v) {
			lh_push_json(L, v, drop_null);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(j));
		break;
	case JSON_REAL:
		lua_pushnumber(L, (lua_Number)json_real_value(j));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	case JSON_NULL:
		lua_rawgetp(L, LUA_REGISTRYINDEX, &lh_null_key);
		break;
	}
}

static int lab_json(lua_State *L)
{
	json_error_t je;
	json_t *j;
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);

	if (len > GRADER_MAX_READ) {
		lua_pushnil(L);
		lua_pushfstring(L, "larger than %d bytes", (int)GRADER_MAX_READ);
		return 2;
	}
	j = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j) {
		lua_pushnil(L);
		lua_pushfstring(L, "line %d column %d: %s", je.line, je.column,
				je.text);
		return 2;
	}
	if (!lh_json_depth_ok(j, 0)) {
		json_decref(j);
		lua_pushnil(L);
		lua_pushfstring(L, "nested deeper than %d levels", JSON_MAX_DEPTH);
		return 2;
	}
	lh_push_json(L, j, 0);
	json_decref(j);
	return 1;
}

/* ---- the lab table ---- */

/* lab.session, lab.commands and lab.keys from the context document; a
 * field that is JSON null is absent (cmd.exit == nil). */
static void lh_context(lua_State *L, struct host *h)
{
	static const struct {
		const char *name;
		int array;
	} parts[] = {{"session", 0}, {"commands", 1}, {"keys", 0}};
	const struct grader_input *in = h->in;
	json_error_t je;
	json_t *doc = NULL, *v;
	size_t i;

	if (in->context_json && in->context_len) {
		doc = json_loadb(in->context_json, in->context_len,
				 JSON_REJECT_DUPLICATES, &je);
		if (!doc)
			luaL_error(L, "grader context is not valid JSON: %s", je.text);
		if (!json_is_object(doc) || !lh_json_depth_ok(doc, 0)) {
			json_decref(doc);
			luaL_error(L, "grader context is not a JSON object of at most %d levels",
				   JSON_MAX_DEPTH);
		}
	}
	for (i = 0; i < sizeof parts / sizeof *parts; i++) {
		v = doc ? json_object_get(doc, parts[i].name) : NULL;
		if (v && (parts[i].array ? !json_is_array(v) : !json_is_object(v))) {
			json_decref(doc);
			luaL_error(L, "grader context: '%s' is not an %s",
				   parts[i].name, parts[i].array ? "array" : "object");
		}
		if (v)
			lh_push_json(L, v, 1);
		else
			lua_newtable(L);
		lua_setfield(L, -2, parts[i].name);
	}
	json_decref(doc);
}

static void lh_limits(lua_State *L)
{
	static const struct {
		const char *name;
		lua_Integer value;
	} lims[] = {
		{"read", GRADER_MAX_READ},     {"list", GRADER_MAX_LIST},
		{"checks", GRADER_MAX_CHECKS}, {"title", CHECK_MAX_TITLE},
		{"message", CHECK_MAX_MESSAGE}, {"weight", CHECK_MAX_WEIGHT},
	};
	size_t i;

	lua_createtable(L, 0, (int)(sizeof lims / sizeof *lims));
	for (i = 0; i < sizeof lims / sizeof *lims; i++) {
		lua_pushinteger(L, lims[i].value);
		lua_setfield(L, -2, lims[i].name);
	}
}

/* Runs under lua_pcall: the libraries, the restrictions, `lab`, the
 * context, the prelude and lab.trace. */
static int lh_setup(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base},        {LUA_TABLIBNAME, luaopen_table},
		{LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
		{LUA_UTF8LIBNAME, luaopen_utf8},  {NULL, NULL},
	};
	static const luaL_Reg lab[] = {
		{"read", lab_read},   {"lines", lab_lines}, {"exists", lab_exists},
		{"list", lab_list},   {"json", lab_json},   {"trim", lab_trim},
		{NULL, NULL},
	};
	static const luaL_Reg times[] = {
		{"parse", lab_time_parse}, {"format", lab_time_format}, {NULL, NULL},
	};
	struct host *h = host_of(L);
	const luaL_Reg *l;
	size_t i;

	for (l = libs; l->name; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	lh_restrict(L);
	lua_pushliteral(L, LH_BUDGET_MSG);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &lh_budget_key);

	luaL_newlib(L, lab);
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &lh_null_key);
	lua_setfield(L, -2, "null");
	lua_pushinteger(L, 1);
	lua_setfield(L, -2, "grader_api");
	lh_limits(L);
	lua_setfield(L, -2, "limits");
	luaL_newlib(L, times);
	lua_setfield(L, -2, "time");
	lh_context(L, h);
	lua_pushvalue(L, -1);
	lua_setglobal(L, "lab");

	/* In this order: the others use what the prelude defines.  From the
	 * process's compiled copy when there is one (lua_host_prepare). */
	for (i = 0; i < LH_LIBS; i++) {
		const struct lh_lib *lib = &lh_libs[i];
		int st = lib->code
			? luaL_loadbufferx(L, lib->code, lib->code_len, lib->name, "b")
			: luaL_loadbufferx(L, lib->src, *lib->len, lib->name, "t");

		if (st != LUA_OK)
			return lua_error(L);
		lua_pushvalue(L, -2);
		lua_call(L, 1, 0);
	}
	return 0;
}

/* ---- the result ---- */

/* A Lua value as JSON for the validator: strings (cut at LH_FIELD_MAX and
 * repaired), integers, finite floats, booleans; anything else is null,
 * which the validator reports by name. */
static json_t *lh_field_json(lua_State *L, int idx)
{
	char copy[LH_FIELD_MAX];
	const char *s;
	lua_Number d;
	size_t len;

	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &len);
		if (len > sizeof copy)
			len = sizeof copy;
		memcpy(copy, s, len);
		checks_text_repair(copy, len);
		return json_stringn(copy, len);
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		d = lua_tonumber(L, idx);
		return d == d && d - d == 0 ? json_real(d) : json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	default:
		return json_null();
	}
}

static int lh_nonsense(struct host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int lh_nonsense(struct host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->why, sizeof h->why, fmt, ap);
	va_end(ap);
	checks_text_repair(h->why, strlen(h->why));
	return 0;
}

static int lh_nomem(lua_State *L)
{
	host_of(L)->oom = 1;
	return luaL_error(L, "out of memory");
}

/* One check at stack index idx (1-based position i), with raw access only:
 * no metamethod of the grader's runs here. */
static json_t *lh_check_json(lua_State *L, struct host *h, int idx,
			     lua_Integer i)
{
	json_t *obj, *v;
	const char *k;
	size_t klen;

	if (lua_type(L, idx) != LUA_TTABLE) {
		lh_nonsense(h, "check %lld: not a table but a %s", (long long)i,
			    luaL_typename(L, idx));
		return NULL;
	}
	obj = json_object();
	if (!obj)
		lh_nomem(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			lh_nonsense(h, "check %lld: has a field named by a %s",
				    (long long)i, luaL_typename(L, -2));
			break;
		}
		k = lua_tolstring(L, -2, &klen);
		if (klen != strlen(k) || !checks_field_known(k)) {
			lh_nonsense(h, "check %lld: unknown field '%.32s'",
				    (long long)i, k);
			break;
		}
		v = lh_field_json(L, -1);
		if (!v || json_object_set_new(obj, k, v) < 0) {
			json_decref(obj);
			lh_nomem(L);
		}
		lua_pop(L, 1);
	}
	if (h->why[0]) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* Runs under lua_pcall with the grader's return value at 1. */
static int lh_collect(lua_State *L)
{
	struct host *h = host_of(L);
	lua_Unsigned n, count = 0;
	lua_Integer i;
	json_t *arr, *c;

	if (lua_type(L, 1) != LUA_TTABLE)
		return lh_nonsense(h, "expected an array of checks, got %s",
				   lua_type(L, 1) == LUA_TNIL
					   ? "nothing" : luaL_typename(L, 1));
	n = lua_rawlen(L, 1);
	if (n > GRADER_MAX_CHECKS)
		return lh_nonsense(h, "more than %d checks", GRADER_MAX_CHECKS);
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
		    (lua_Unsigned)lua_tointeger(L, -1) > n)
			return lh_nonsense(h, "expected an array of checks, got a table with other keys");
		count++;
	}
	if (count != n)
		return lh_nonsense(h, "expected an array of checks, got a table with holes");
	arr = json_array();
	if (!arr)
		lh_nomem(L);
	h->checks = arr;
	for (i = 1; (lua_Unsigned)i <= n; i++) {
		lua_rawgeti(L, 1, i);
		c = lh_check_json(L, h, lua_gettop(L), i);
		if (!c)
			return 0;
		if (json_array_append_new(arr, c) < 0)
			lh_nomem(L);
		lua_pop(L, 1);
	}
	return 0;
}

/* ---- documents ---- */

static char *lh_dump(json_t *doc, size_t *len)
{
	char *s;

	if (!doc)
		return NULL;
	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (s)
		*len = strlen(s);
	return s;
}

char *lua_host_error_doc(const char *msg, size_t *len)
{
	char text[sizeof ((struct grader_result *)0)->error];
	size_t n = strlen(msg);

	if (n >= sizeof text) {
		n = sizeof text - 1;
		memcpy(text, msg, n - 3);
		memcpy(text + n - 3, "...", 3);
	} else {
		memcpy(text, msg, n);
	}
	text[n] = 0;
	checks_text_repair(text, n);
	return lh_dump(json_pack("{s:b,s:s}", "ok", 0, "error", text), len);
}

static char *lh_error_doc(size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *lh_error_doc(size_t *len, const char *fmt, ...)
{
	char msg[sizeof ((struct grader_result *)0)->error];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return lua_host_error_doc(msg, len);
}

static int lh_touch_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lh_touch *)a)->path,
		      ((const struct lh_touch *)b)->path);
}

/* The touched paths as [["/path", "rle"], ...] in byte order, so that the
 * same grading gives the same document. */
static json_t *lh_reads_json(struct host *h)
{
	json_t *arr = json_array(), *one;
	char ops[4];
	size_t i, n;

	if (!arr)
		return NULL;
	if (h->nreads)
		qsort(h->reads, h->nreads, sizeof *h->reads, lh_touch_cmp);
	for (i = 0; i < h->nreads; i++) {
		n = 0;
		if (h->reads[i].ops & LH_OP_READ)
			ops[n++] = 'r';
		if (h->reads[i].ops & LH_OP_LIST)
			ops[n++] = 'l';
		if (h->reads[i].ops & LH_OP_EXISTS)
			ops[n++] = 'e';
		ops[n] = 0;
		one = json_pack("[ss]", h->reads[i].path, ops);
		if (!one || json_array_append_new(arr, one) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static char *lh_answer(struct host *h, lua_State *L, int status, size_t *len)
{
	char mem[64], why[256];
	const char *msg;
	json_t *checks;

	if (h->killed)
		return lh_error_doc(len, "grader used more than its budget of %llu instructions",
				    h->budget);
	if (h->oom || status == LUA_ERRMEM) {
		checks_memory_text(h->cap, mem, sizeof mem);
		return lh_error_doc(len, "grader ran out of memory (%s)", mem);
	}
	if (status != LUA_OK) {
		msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
						     : "grader failed";
		return lua_host_error_doc(msg, len);
	}
	if (h->why[0])
		return lh_error_doc(len, "grader returned nonsense: %s", h->why);
	if (checks_validate(h->checks, why, sizeof why) < 0)
		return lh_error_doc(len, "grader returned nonsense: %s", why);
	checks = h->checks;
	h->checks = NULL;
	return lh_dump(json_pack("{s:b,s:o,s:o,s:b}", "ok", 1, "checks", checks,
				 "reads", lh_reads_json(h), "reads_cut",
				 h->reads_cut), len);
}

char *lua_host_run(const struct grader_input *in, size_t *len)
{
	struct host h;
	struct stat st;
	lua_State *L;
	char chunk[256];
	char *doc;
	size_t i;
	int status;

	memset(&h, 0, sizeof h);
	h.cap = in->lim.memory;
	h.budget = in->lim.instructions;
	h.root_fd = in->root_fd;
	h.verbose = in->verbose;
	h.in = in;
	if (h.root_fd >= 0) {
		if (fstat(h.root_fd, &st) < 0 ||
		    mount_id_at(h.root_fd, "", &h.root_mnt) < 0)
			h.root_fd = -1;
	}
	snprintf(chunk, sizeof chunk, "@%s",
		 in->chunkname ? in->chunkname : "grade.lua");
	L = lua_newstate(lh_alloc, &h);
	if (!L) {
		checks_memory_text(h.cap, chunk, sizeof chunk);
		return lh_error_doc(len, "grader ran out of memory (%s)", chunk);
	}
	lua_sethook(L, lh_hook, LUA_MASKCOUNT, LH_HOOK_EVERY);
	lua_pushcfunction(L, lh_msgh);
	lua_pushcfunction(L, lh_setup);
	status = lua_pcall(L, 0, 0, 1);
	if (status == LUA_OK) {
		status = luaL_loadbufferx(L, in->source, in->source_len, chunk, "t");
		if (status == LUA_OK)
			status = lua_pcall(L, 0, 1, 1);
	}
	if (status == LUA_OK) {
		lua_pushcfunction(L, lh_collect);
		lua_insert(L, -2);
		status = lua_pcall(L, 1, 0, 1);
	}
	doc = lh_answer(&h, L, status, len);
	json_decref(h.checks);
	/* The state is not closed: the worker exits next, and closing would
	 * run collection work on the grader's heap after its budget. */
	if (lua_host_close_state) {
		lua_sethook(L, NULL, 0, 0);
		lua_close(L);
		for (i = 0; i < h.nreads; i++)
			free(h.reads[i].path);
		free(h.reads);
		free(h.slots);
	}
	return doc;
}

static int lh_dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
	struct buf *b = ud;
	struct err e;

	(void)L;
	return buf_append(b, p, n, &e) < 0;
}

void lua_host_prepare(void)
{
	lua_State *L;
	size_t i;

	if (lh_libs[0].code)
		return;
	/* The default allocator: this is labrun's memory, not a grader's. */
	L = luaL_newstate();
	if (!L)
		return;
	for (i = 0; i < LH_LIBS; i++) {
		struct lh_lib *lib = &lh_libs[i];
		struct buf b = BUF_INIT;

		if (luaL_loadbufferx(L, lib->src, *lib->len, lib->name, "t") != LUA_OK ||
		    lua_dump(L, lh_dump_writer, &b, 0) != 0) {
			buf_release(&b);
			break;
		}
		lua_pop(L, 1);
		lib->code = (char *)buf_steal(&b, &lib->code_len);
	}
	lua_close(L);
	if (i < LH_LIBS) /* all or none: the workers compile the sources */
		lua_host_unprepare();
}

void lua_host_unprepare(void)
{
	size_t i;

	for (i = 0; i < LH_LIBS; i++) {
		free(lh_libs[i].code);
		lh_libs[i].code = NULL;
		lh_libs[i].code_len = 0;
	}
}

int lua_host_compile(const char *source, size_t len, const char *chunkname,
		     char *msg, size_t msgsize)
{
	struct host h;
	lua_State *L;
	char chunk[256], none[1];
	int status;

	if (!msg || !msgsize) {
		msg = none;
		msgsize = sizeof none;
	}
	msg[0] = 0;
	memset(&h, 0, sizeof h);
	h.cap = GRADER_MEMORY;
	h.root_fd = -1;
	snprintf(chunk, sizeof chunk, "@%s", chunkname ? chunkname : "grade.lua");
	if (len > GRADER_MAX_SOURCE) {
		snprintf(msg, msgsize, "%s: larger than %u bytes", chunk + 1,
			 GRADER_MAX_SOURCE);
		return -1;
	}
	L = lua_newstate(lh_alloc, &h);
	if (!L) {
		snprintf(msg, msgsize, "%s: out of memory", chunk + 1);
		return -1;
	}
	status = luaL_loadbufferx(L, source, len, chunk, "t");
	if (status != LUA_OK) {
		snprintf(msg, msgsize, "%s", lua_type(L, -1) == LUA_TSTRING
				     ? lua_tostring(L, -1) : "cannot compile");
		checks_text_repair(msg, strlen(msg));
	}
	lua_close(L);
	return status == LUA_OK ? 0 : -1;
}
