/* fuzz_spans: the span reader graders use (graders/trace.lua:
 * lab.trace.load, and what a grader builds on it), run in this process by
 * the grader host's worker side (lua_host_run) with the default memory
 * cap and instruction budget.  The input is agentd's
 * /var/log/agentd/spans.jsonl (OTLP/JSON: ExportTraceServiceRequest lines)
 * in a temporary root, and the candidate's
 * answers/chain.json too (lab.trace.answer reads it); the grader below
 * loads the spans, walks every span's chain, ancestors and parent, looks
 * spans up, and checks the answer against the longest chain.
 *
 * lab.trace never raises for bad data (the spans and the answer are the
 * candidate's to break), so whatever the input the run must end with
 * ok=true and its checks: a grader error here is a bug in trace.lua or in
 * the host (lab.json, lab.read), as is a crash, hang or leak.  The host
 * closes its state after each run (lua_host_close_state) and loads the
 * API's Lua half as bytecode compiled once (lua_host_prepare). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "graders/grader.h"
#include "graders/lua_host.h"
#include "tests/fuzz/scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char grade[] =
	"local spans, why = lab.trace.load(\"/var/log/agentd/spans.jsonl\")\n"
	"if not spans then\n"
	"\treturn {lab.check{id = \"loaded\", title = \"The spans load\", weight = 1000,\n"
	"\t\tpass = false, message = why}}\n"
	"end\n"
	"local truth = {}\n"
	"for _, s in ipairs(spans.list) do\n"
	"\tlocal chain = lab.trace.chain(spans, s.span_id)\n"
	"\tlab.trace.ancestors(spans, s.span_id)\n"
	"\tlab.trace.parent(spans, s.span_id)\n"
	"\tif chain and #chain > #truth then truth = chain end\n"
	"end\n"
	"lab.trace.find(spans, {status = \"error\", attributes = {[\"agent.id\"] = \"researcher-1\"}})\n"
	"lab.trace.find(spans, {kind = 3, status_code = 2})\n"
	"local checks = {lab.check{id = \"loaded\", title = \"The spans load\", weight = 1000,\n"
	"\tpass = true, message = #spans.list .. \" spans, \" .. spans.skipped .. \" skipped\"}}\n"
	"if #truth > 0 then\n"
	"\tchecks[2] = lab.trace.check{id = \"chain\", title = \"The chain\", weight = 1000,\n"
	"\t\ttruth = truth}\n"
	"end\n"
	"return checks\n";

static char top[64];
static int root_fd = -1;

static void cleanup(void)
{
	struct err e;

	if (root_fd >= 0)
		close(root_fd);
	remove_tree(top, &e);
}

static void setup(void)
{
	static const char *const dirs[] = {"var/log/agentd", "home/candidate/answers"};
	char path[128];
	struct err e;
	size_t i;

	scratch_dir(top, sizeof top, "fuzz-spans");
	atexit(cleanup);
	for (i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(path, sizeof path, "%s/%s", top, dirs[i]);
		if (mkdir_p(path, 0755, &e) < 0)
			abort();
	}
	root_fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		abort();
	lua_host_close_state = 1;
	/* As grader_run does in the parent before it forks the worker. */
	lua_host_prepare();
}

/* A new file each time (a truncate on some file systems flushes). */
static void put(const char *rel, const uint8_t *data, size_t size)
{
	int fd;

	unlinkat(root_fd, rel, 0);
	fd = openat(root_fd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, data, size) < 0 || close(fd) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grader_input in;
	json_error_t je;
	json_t *doc;
	char *text;
	size_t len;

	if (root_fd < 0)
		setup();
	put("var/log/agentd/spans.jsonl", data, size);
	put("home/candidate/answers/chain.json", data, size);
	memset(&in, 0, sizeof in);
	in.source = grade;
	in.source_len = sizeof grade - 1;
	in.chunkname = "grader/grade.lua";
	in.root_fd = root_fd;
	in.lim = grader_default_limits;
	text = lua_host_run(&in, &len);
	if (!text)
		abort();
	doc = json_loadb(text, len, 0, &je);
	if (!json_is_true(json_object_get(doc, "ok")) ||
	    !json_is_array(json_object_get(doc, "checks"))) {
		fprintf(stderr, "fuzz_spans: the grader failed: %.*s\n", (int)len, text);
		abort();
	}
	json_decref(doc);
	free(text);
	return 0;
}
