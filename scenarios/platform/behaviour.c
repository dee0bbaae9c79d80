/* behaviour: the platform's Lua hooks (behaviour.h).  Lua is used here
 * only; the limits are SIM_LUA_MEMORY and SIM_LUA_STEPS.  Every call into
 * Lua that can fail runs under lua_pcall: a script that fills its memory
 * cap, or a host out of memory, gives an error, never Lua's panic (which
 * would abort the process). */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "scenarios/platform/behaviour.h"
#include "scenarios/platform/sim.h"

struct behaviour {
	lua_State *L;
	size_t used;           /* bytes */
	uint64_t rng;
	char error[256];
};

static void *alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct behaviour *b = ud;

	if (!ptr)
		osize = 0;
	if (nsize == 0) {
		b->used -= osize;
		free(ptr);
		return NULL;
	}
	if (nsize > osize && b->used + (nsize - osize) > SIM_LUA_MEMORY)
		return NULL;
	ptr = realloc(ptr, nsize);
	if (ptr)
		b->used += nsize - osize;
	return ptr;
}

static void budget(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	luaL_error(L, "the hook ran out of its instruction budget (%d)", SIM_LUA_STEPS);
}

/* math.random from the platform's seed: the same seed, the same draws. */
static int l_random(lua_State *L)
{
	struct behaviour *b = *(struct behaviour **)lua_getextraspace(L);
	uint64_t z = (b->rng += 0x9e3779b97f4a7c15ull);
	lua_Integer lo, hi;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	if (lua_gettop(L) == 0) {
		lua_pushnumber(L, (double)(z >> 11) * 0x1.0p-53);
		return 1;
	}
	lo = lua_gettop(L) >= 2 ? luaL_checkinteger(L, 1) : 1;
	hi = luaL_checkinteger(L, lua_gettop(L) >= 2 ? 2 : 1);
	luaL_argcheck(L, lo <= hi, 1, "interval is empty");
	lua_pushinteger(L, lo + (lua_Integer)(z % ((uint64_t)(hi - lo) + 1)));
	return 1;
}

/* The libraries a script gets, without what reads files or loads code,
 * and math.random seeded by the platform.  Run under lua_pcall: running
 * out of memory here is an error, not the end of the process. */
static int open_libs(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
		{LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
		{NULL, NULL}};
	static const char *const drop[] = {"dofile", "loadfile", "load",
					   "require", "collectgarbage", NULL};

	for (const luaL_Reg *l = libs; l->func; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	for (size_t i = 0; drop[i]; i++) {
		lua_pushnil(L);
		lua_setglobal(L, drop[i]);
	}
	lua_getglobal(L, "string");
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_getglobal(L, "math");
	lua_pushcfunction(L, l_random);
	lua_setfield(L, -2, "random");
	lua_pushnil(L);
	lua_setfield(L, -2, "randomseed");
	lua_pop(L, 1);
	return 0;
}

struct behaviour *behaviour_open(const char *path, char *why, size_t whylen)
{
	struct behaviour *b = calloc(1, sizeof *b);
	struct buf text = BUF_INIT;
	struct err e = {0};

	if (!b) {
		snprintf(why, whylen, "%s: out of memory", path);
		return NULL;
	}
	if (read_file_bounded(path, SIM_MAX_CONFIG, &text, &e) < 0) {
		snprintf(why, whylen, "%s", e.msg);
		free(b);
		return NULL;
	}
	b->L = lua_newstate(alloc, b);
	if (!b->L) {
		snprintf(why, whylen, "%s: cannot start Lua", path);
		goto fail;
	}
	*(struct behaviour **)lua_getextraspace(b->L) = b;
	lua_pushcfunction(b->L, open_libs);
	if (lua_pcall(b->L, 0, 0, 0) != LUA_OK) {
		snprintf(why, whylen, "%s: cannot start Lua: %s", path,
			 lua_type(b->L, -1) == LUA_TSTRING ? lua_tostring(b->L, -1) : "error");
		goto fail;
	}
	lua_sethook(b->L, budget, LUA_MASKCOUNT, SIM_LUA_STEPS);
	if (luaL_loadbufferx(b->L, (char *)text.data, text.len, "=behaviour.lua", "t") != LUA_OK ||
	    lua_pcall(b->L, 0, 0, 0) != LUA_OK) {
		snprintf(why, whylen, "%s: %s", path,
			 lua_type(b->L, -1) == LUA_TSTRING ? lua_tostring(b->L, -1) : "error");
		goto fail;
	}
	buf_release(&text);
	return b;
fail:
	buf_release(&text);
	if (b->L)
		lua_close(b->L);
	free(b);
	return NULL;
}

static void set_s(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void set_i(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

/* A hook's call, run whole under lua_pcall (protected_hook): building
 * its argument, the call and reading its answer can all fail (the memory
 * cap, a metamethod of the script's), and an error outside a protected
 * call would end the process. */
struct hook {
	struct behaviour *b;
	const char *name;       /* "on_tool_call", "on_decision" */
	struct bh_call *call;   /* one of call and d */
	struct bh_decision *d;
	int ran;                /* out: the script defines the hook */
	/* out, taken by the caller when the call succeeded */
	unsigned latency_ms;
	char error[96];
	int changed;
	enum pol_effect effect;
};

static void hook_argument(lua_State *L, const struct hook *h)
{
	lua_createtable(L, 0, 8);
	if (h->call) {
		set_s(L, "tool", h->call->tool);
		set_s(L, "agent", h->call->agent);
		set_s(L, "role", h->call->role);
		set_s(L, "task", h->call->task);
		set_i(L, "attempt", h->call->attempt);
		set_i(L, "now_ms", h->call->now_ms);
		set_i(L, "latency_ms", h->call->latency_ms);
		return;
	}
	set_s(L, "agent", h->d->agent);
	set_s(L, "role", h->d->role);
	set_s(L, "tool", h->d->tool);
	set_s(L, "task", h->d->task);
	set_s(L, "decision", h->d->decision);
	set_s(L, "rule", h->d->rule);
	set_i(L, "now_ms", h->d->now_ms);
}

static void hook_answer(lua_State *L, struct hook *h)
{
	if (h->call && lua_istable(L, -1)) {
		lua_getfield(L, -1, "latency_ms");
		if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0 &&
		    lua_tointeger(L, -1) <= 600000)
			h->latency_ms = (unsigned)lua_tointeger(L, -1);
		lua_pop(L, 1);
		lua_getfield(L, -1, "error");
		if (lua_type(L, -1) == LUA_TSTRING)
			snprintf(h->error, sizeof h->error, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
	} else if (h->d && lua_type(L, -1) == LUA_TSTRING) {
		const char *v = lua_tostring(L, -1);

		h->changed = 1;
		if (strcmp(v, "allow") == 0)
			h->effect = POL_ALLOW;
		else if (strcmp(v, "deny") == 0)
			h->effect = POL_DENY;
		else if (strcmp(v, "escalate") == 0)
			h->effect = POL_ESCALATE;
		else
			h->changed = 0;
	}
}

static int protected_hook(lua_State *L)
{
	struct hook *h = lua_touserdata(L, 1);

	lua_pop(L, 1);
	hook_argument(L, h);
	lua_getglobal(L, h->name);
	if (!lua_isfunction(L, -1))
		return 0;
	lua_insert(L, -2);
	h->ran = 1;
	lua_sethook(L, budget, LUA_MASKCOUNT, SIM_LUA_STEPS);
	lua_call(L, 1, 1);
	hook_answer(L, h);
	return 0;
}

/* Run the hook h->name.  0 ran, 1 no hook, -1 failed (the stack left
 * clean). */
static int call_hook(struct behaviour *b, struct hook *h, uint64_t seed)
{
	int top = lua_gettop(b->L);

	b->rng = seed;
	lua_pushcfunction(b->L, protected_hook);
	lua_pushlightuserdata(b->L, h);
	if (lua_pcall(b->L, 1, 0, 0) != LUA_OK) {
		snprintf(b->error, sizeof b->error, "%s: %s", h->name,
			 lua_type(b->L, -1) == LUA_TSTRING ? lua_tostring(b->L, -1) : "error");
		lua_settop(b->L, top);
		return -1;
	}
	lua_settop(b->L, top);
	return h->ran ? 0 : 1;
}

int behaviour_tool_call(struct behaviour *b, struct bh_call *c, uint64_t seed)
{
	struct hook h = {.b = b, .name = "on_tool_call", .call = c,
			 .latency_ms = c->latency_ms};
	int rc = call_hook(b, &h, seed);

	if (rc)
		return rc;
	c->latency_ms = h.latency_ms;
	if (h.error[0])
		snprintf(c->error, sizeof c->error, "%s", h.error);
	return 0;
}

int behaviour_decision(struct behaviour *b, struct bh_decision *d, uint64_t seed)
{
	struct hook h = {.b = b, .name = "on_decision", .d = d};
	int rc = call_hook(b, &h, seed);

	if (rc)
		return rc;
	if (h.changed) {
		d->changed = 1;
		d->effect = h.effect;
	}
	return 0;
}

const char *behaviour_error(const struct behaviour *b)
{
	return b->error;
}

void behaviour_close(struct behaviour *b)
{
	lua_close(b->L);
	free(b);
}
