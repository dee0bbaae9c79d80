/* behaviour: the platform's Lua hooks (behaviour.h).  Lua is used here
 * only; the limits are SIM_LUA_MEMORY and SIM_LUA_STEPS. */
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

struct behaviour *behaviour_open(const char *path, char *why, size_t whylen)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
		{LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
		{NULL, NULL}};
	static const char *const drop[] = {"dofile", "loadfile", "load",
					   "require", "collectgarbage", NULL};
	struct behaviour *b = calloc(1, sizeof *b);
	struct buf text = BUF_INIT;
	struct err e = {0};

	if (!b)
		return NULL;
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
	for (const luaL_Reg *l = libs; l->func; l++) {
		luaL_requiref(b->L, l->name, l->func, 1);
		lua_pop(b->L, 1);
	}
	for (size_t i = 0; drop[i]; i++) {
		lua_pushnil(b->L);
		lua_setglobal(b->L, drop[i]);
	}
	lua_getglobal(b->L, "string");
	lua_pushnil(b->L);
	lua_setfield(b->L, -2, "dump");
	lua_pop(b->L, 1);
	lua_getglobal(b->L, "math");
	lua_pushcfunction(b->L, l_random);
	lua_setfield(b->L, -2, "random");
	lua_pushnil(b->L);
	lua_setfield(b->L, -2, "randomseed");
	lua_pop(b->L, 1);
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

/* Call hook(table built by the caller); the result on the stack.  0 ran,
 * 1 no hook, -1 failed (the stack left clean). */
static int call_hook(struct behaviour *b, const char *hook, uint64_t seed)
{
	b->rng = seed;
	lua_getglobal(b->L, hook);
	if (!lua_isfunction(b->L, -1)) {
		lua_pop(b->L, 2);
		return 1;
	}
	lua_insert(b->L, -2);
	lua_sethook(b->L, budget, LUA_MASKCOUNT, SIM_LUA_STEPS);
	if (lua_pcall(b->L, 1, 1, 0) != LUA_OK) {
		snprintf(b->error, sizeof b->error, "%s: %s", hook,
			 lua_type(b->L, -1) == LUA_TSTRING ? lua_tostring(b->L, -1) : "error");
		lua_pop(b->L, 1);
		return -1;
	}
	return 0;
}

int behaviour_tool_call(struct behaviour *b, struct bh_call *c, uint64_t seed)
{
	int rc;

	lua_createtable(b->L, 0, 8);
	set_s(b->L, "tool", c->tool);
	set_s(b->L, "agent", c->agent);
	set_s(b->L, "role", c->role);
	set_s(b->L, "task", c->task);
	set_i(b->L, "attempt", c->attempt);
	set_i(b->L, "now_ms", c->now_ms);
	set_i(b->L, "latency_ms", c->latency_ms);
	rc = call_hook(b, "on_tool_call", seed);
	if (rc)
		return rc;
	if (lua_istable(b->L, -1)) {
		lua_getfield(b->L, -1, "latency_ms");
		if (lua_isinteger(b->L, -1) && lua_tointeger(b->L, -1) >= 0 &&
		    lua_tointeger(b->L, -1) <= 600000)
			c->latency_ms = (unsigned)lua_tointeger(b->L, -1);
		lua_pop(b->L, 1);
		lua_getfield(b->L, -1, "error");
		if (lua_type(b->L, -1) == LUA_TSTRING)
			snprintf(c->error, sizeof c->error, "%s", lua_tostring(b->L, -1));
		lua_pop(b->L, 1);
	}
	lua_pop(b->L, 1);
	return 0;
}

int behaviour_decision(struct behaviour *b, struct bh_decision *d, uint64_t seed)
{
	int rc;

	lua_createtable(b->L, 0, 8);
	set_s(b->L, "agent", d->agent);
	set_s(b->L, "role", d->role);
	set_s(b->L, "tool", d->tool);
	set_s(b->L, "task", d->task);
	set_s(b->L, "decision", d->decision);
	set_s(b->L, "rule", d->rule);
	set_i(b->L, "now_ms", d->now_ms);
	rc = call_hook(b, "on_decision", seed);
	if (rc)
		return rc;
	if (lua_type(b->L, -1) == LUA_TSTRING) {
		const char *v = lua_tostring(b->L, -1);

		d->changed = 1;
		if (strcmp(v, "allow") == 0)
			d->effect = POL_ALLOW;
		else if (strcmp(v, "deny") == 0)
			d->effect = POL_DENY;
		else if (strcmp(v, "escalate") == 0)
			d->effect = POL_ESCALATE;
		else
			d->changed = 0;
	}
	lua_pop(b->L, 1);
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
