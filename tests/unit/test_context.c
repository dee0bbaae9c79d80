/* test_context: the grader's context document: the session's fields,
 * commands with argv that is not UTF-8, the answer keys, refusal of keys
 * that are not an object. */
#include <jansson.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/context.h"
#include "runner/evidence.h"
#include "runner/scenario.h"
#include "tests/unit/tap.h"

int main(void)
{
	struct scenario sc = {0};
	struct ev_info in = {0};
	struct ev_command cmd = {0};
	char *argv[] = {"cat", "bad\xff name", NULL};
	struct buf out = BUF_INIT;
	struct err e = {0};
	json_error_t je;
	json_t *doc, *c;

	sc.id = "t-ctx";
	sc.version = "1.2.3";
	cmd.t_ms = 12;
	cmd.pid = 3;
	cmd.path = "/usr/bin/cat";
	cmd.argv = argv;
	cmd.argc = 2;
	cmd.exited = 1;
	cmd.exit_code = 1;
	in.sc = &sc;
	in.candidate = "c-0011223344556677";
	in.attempt = 2;
	in.seed_hex = "abcd";
	in.started_ms = 1795600000000;
	in.ended_ms = 1795600001500;
	in.time_limit_s = 60;
	in.ended_by = "exit";
	in.commands = &cmd;
	in.ncommands = 1;

	ok(context_build(&in, "{\"culprit\":\"r-7\"}", 17, &out, &e) == 0,
	   "a context is built (%s)", e.msg);
	doc = json_loadb((char *)out.data, out.len, 0, &je);
	ok(doc != NULL, "it is valid JSON");
	is_str(json_string_value(json_object_get(json_object_get(doc, "session"), "started")),
	       "2026-11-25T09:46:40Z", "started is RFC 3339 UTC");
	ok(json_integer_value(json_object_get(json_object_get(doc, "session"),
					      "duration_ms")) == 1500,
	   "duration_ms is an integer");
	is_str(json_string_value(json_object_get(json_object_get(json_object_get(doc, "session"), "scenario"), "id")),
	       "t-ctx", "the scenario id is there");
	c = json_array_get(json_object_get(doc, "commands"), 0);
	is_str(json_string_value(json_array_get(json_object_get(c, "argv"), 1)),
	       "bad\\xff name", "invalid UTF-8 in argv is escaped");
	ok(json_integer_value(json_object_get(c, "exit")) == 1, "the exit status is there");
	is_str(json_string_value(json_object_get(json_object_get(doc, "keys"), "culprit")),
	       "r-7", "the answer keys are there");
	json_decref(doc);
	buf_release(&out);

	cmd.exited = 0;
	ok(context_build(&in, NULL, 0, &out, &e) == 0, "no keys is fine");
	doc = json_loadb((char *)out.data, out.len, 0, &je);
	c = json_array_get(json_object_get(doc, "commands"), 0);
	ok(json_is_null(json_object_get(c, "exit")), "an unknown exit is null");
	ok(json_is_object(json_object_get(doc, "keys")) &&
		   json_object_size(json_object_get(doc, "keys")) == 0,
	   "keys default to an empty object");
	json_decref(doc);
	buf_release(&out);

	ok(context_build(&in, "[1,2]", 5, &out, &e) < 0 && e.kind == ERR_REFUSED &&
		   strstr(e.msg, "keys.json"),
	   "keys that are not an object are refused (%s)", e.msg);
	buf_release(&out);
	return tap_done();
}
