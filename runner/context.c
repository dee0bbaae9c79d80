/* context: builds the JSON document the grader worker decodes into
 * lab.session, lab.commands and lab.keys.  Everything here comes from the
 * supervisor's own records; it does not read the sandbox. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/context.h"
#include "runner/evidence.h"
#include "runner/scenario.h"

/* A JSON string from bytes that may not be UTF-8 (candidate input). */
static json_t *str_of(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	if (!s)
		return json_null();
	if (utf8_escape((const unsigned char *)s, strlen(s), &b, NULL) < 0)
		return NULL;
	j = json_stringn(b.data ? (const char *)b.data : "", b.len);
	buf_release(&b);
	return j;
}

static json_t *commands_json(const struct ev_info *in)
{
	json_t *arr = json_array(), *c, *argv;
	size_t i, k;

	if (!arr)
		return NULL;
	for (i = 0; i < in->ncommands; i++) {
		const struct ev_command *ec = &in->commands[i];

		argv = json_array();
		for (k = 0; argv && k < ec->argc; k++)
			json_array_append_new(argv, str_of(ec->argv[k]));
		/* exe, interpreter, link, cwd: null when unknown, and then
		 * absent in Lua; trusted and verified as recorded */
		c = json_pack("{s:I,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o}",
			      "t_ms", (json_int_t)ec->t_ms, "pid", ec->pid,
			      "path", str_of(ec->path), "argv",
			      argv ? argv : json_array(), "exit",
			      ec->exited ? json_integer(ec->exit_code) : json_null(),
			      "exe", str_of(ec->exe), "interpreter",
			      str_of(ec->interpreter), "link", str_of(ec->link),
			      "cwd", str_of(ec->cwd), "trusted",
			      ec->trusted && ec->exe, "verified",
			      ec->verified < 0 ? json_null() : json_boolean(ec->verified));
		if (!c || json_array_append_new(arr, c) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int context_build(const struct ev_info *in, const char *keys_json,
		  size_t keys_len, struct buf *out, struct err *e)
{
	char started[32], ended[32];
	json_t *root = NULL, *session, *keys = NULL, *cmds;
	json_error_t je;
	char *text;
	int rc = -1;

	time_rfc3339(in->started_ms / 1000, started);
	time_rfc3339(in->ended_ms / 1000, ended);
	if (keys_json) {
		keys = json_loadb(keys_json, keys_len, JSON_REJECT_DUPLICATES, &je);
		if (!keys || !json_is_object(keys)) {
			json_decref(keys);
			return err_set(e, ERR_REFUSED,
				       "grader/keys.json: not a JSON object");
		}
	} else {
		keys = json_object();
	}
	/* a variant's keys: the common ones, and its own over them */
	if (keys) {
		json_t *vk = json_incref(json_object_get(keys, "variants"));

		json_object_del(keys, "variants");
		if (vk && scenario_variant(in->sc))
			json_object_update(keys, json_object_get(vk, scenario_variant(in->sc)));
		json_decref(vk);
	}
	session = json_pack("{s:s,s:s,s:I,s:i,s:s,s:i,s:s,s:i,s:s,s:s?,s:{s:s,s:s}}",
			    "started", started, "ended", ended, "duration_ms",
			    (json_int_t)(in->ended_ms - in->started_ms),
			    "time_limit_s", (int)in->time_limit_s, "ended_by",
			    in->ended_by, "exit_status", in->exit_status,
			    "candidate", in->candidate, "attempt",
			    (int)in->attempt, "seed", in->seed_hex, "variant",
			    scenario_variant(in->sc), "scenario",
			    "id", in->sc->id, "version", in->sc->version);
	cmds = commands_json(in);
	if (!session || !cmds || !keys) {
		json_decref(session);
		json_decref(cmds);
		json_decref(keys);
		return err_set(e, ERR_HOST, "out of memory");
	}
	root = json_pack("{s:o,s:o,s:o}", "session", session, "commands", cmds,
			 "keys", keys);
	if (!root)
		return err_set(e, ERR_HOST, "out of memory");
	text = json_dumps(root, JSON_COMPACT);
	if (!text) {
		err_set(e, ERR_HOST, "out of memory");
		goto out;
	}
	rc = buf_puts(out, text, e);
	free(text);
out:
	json_decref(root);
	return rc;
}
