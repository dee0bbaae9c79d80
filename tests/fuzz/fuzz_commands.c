/* fuzz_commands: commands.jsonl as regrade, recert and batch read it back
 * (ev_recorded_load), the input being that member beside a fixed
 * manifest.json of the form labrun writes.  The signature and SHA256SUMS
 * are not in the way: ev_recorded_load reads members ev_open has checked,
 * and fuzz_evidence fuzzes those checks.  A load must succeed or refuse,
 * never crash or leak: on success one command per line, each whole (a
 * path, an argv of at most ARGV_MAX_ARGS strings ending in NULL, an
 * argv_run only for a command that ran something else, trusted only with
 * a known program); on a refusal nothing is left to free and the message
 * is one printable line that names commands.jsonl. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "runner/evidence.h"
#include "runner/tarball.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A run's manifest.json as labrun writes it, cut to the fields
 * ev_recorded_load reads (compact: it is parsed for every input). */
static const char manifest[] =
	"{\"attempt\":1,\"candidate\":{\"pseudonym\":\"c-f95ebe9c0598f653\"},"
	"\"collection\":{\"executable\":[\"answers/run.sh\"]},"
	"\"hints_used\":[{\"cost\":100,\"index\":1}],\"issued\":\"2026-11-25T13:26:27Z\","
	"\"pass_mark\":800,\"produced_by\":{\"mode\":\"run\"},"
	"\"scenario\":{\"digest\":\"sha256:7a463f2e7999b9eb8ef25e28651112beed392658389dec094ac78a99121d4bb3\","
	"\"id\":\"policy-denials\",\"platform\":\"agentsim-1\",\"version\":\"1.0.0\"},"
	"\"score\":1000,\"seed\":{\"source\":\"derived\",\"value\":\"6d8c569c08ff82f34993523b9e18295d\"},"
	"\"session\":{\"duration_ms\":221,\"ended\":\"2026-11-25T13:26:27Z\",\"ended_by\":\"exit\","
	"\"exit_status\":0,\"started\":\"2026-11-25T13:26:27Z\",\"time_limit_s\":1800},"
	"\"valid_until\":\"2027-11-25T13:26:27Z\",\"verdict\":\"pass\"}\n";

/* One line without control characters, as evidence.c shows text. */
static int one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void strings_or_die(char *const *v, size_t n)
{
	size_t i;

	if (!v || n > ARGV_MAX_ARGS || v[n])
		abort();
	for (i = 0; i < n; i++)
		if (!v[i])
			abort();
}

static void command_or_die(const struct ev_command *c)
{
	if (!c->path)
		abort();
	strings_or_die(c->argv, c->argc);
	if (c->argv_run) {
		if (c->verified != 0)
			abort();
		strings_or_die(c->argv_run, c->argc_run);
	} else if (c->argc_run) {
		abort();
	}
	if (c->verified < -1 || c->verified > 1 || (c->exited != 0 && c->exited != 1) ||
	    (!c->exited && c->exit_code) || (c->trusted && !c->exe) ||
	    (c->trusted != 0 && c->trusted != 1) || (c->argv_truncated & ~1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tar_list l = {NULL, 0, 0};
	struct ev_recorded r;
	struct err e;
	size_t i, lines = 0;

	if (tar_list_add_file(&l, "commands.jsonl", 0644, data, size, &e) < 0 ||
	    tar_list_add_file(&l, "manifest.json", 0644, manifest,
			      sizeof manifest - 1, &e) < 0)
		abort();
	tar_list_sort(&l);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (ev_recorded_load(&l, &r, &e) == 0) {
		if (r.ncommands != lines || strcmp(r.scenario_id, "policy-denials") ||
		    r.nexecutable != 1 || strcmp(r.replay_source, "commands") ||
		    r.hint_points != 100 || r.ended_ms - r.started_ms != 221)
			abort();
		for (i = 0; i < r.ncommands; i++)
			command_or_die(&r.commands[i]);
		ev_recorded_release(&r);
	} else {
		/* refused, and nothing held: the caller need not release */
		if ((e.kind != ERR_REFUSED && e.kind != ERR_HOST) || !one_line(e.msg) ||
		    strncmp(e.msg, "commands.jsonl: ", 16) || r.commands ||
		    r.ncommands || r.executable || r.nexecutable)
			abort();
	}
	tar_list_release(&l);
	return 0;
}
