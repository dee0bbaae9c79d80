/* test_trace: lab.trace (graders/trace.lua) in the grader host: loading a
 * span file with malformed lines, a duplicate id, parent and link cycles
 * and a link across traces; parents, ancestors, find and the causal chain;
 * the partial-credit comparison; reading a candidate's chain file; big
 * integers through lab.json; the example grader of docs/graders.md; and
 * span files at the size, memory and line bounds under the default grader
 * limits; and lab.agentd (graders/agentd.lua), the platform's files.  The
 * grader host itself (paths, limits, hostile graders) is test_grader's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/grader.h"
#include "tests/unit/tap.h"

/* Trace ids (32 hex digits) and span ids (16); a span id's first two
 * digits name it in the expected strings below. */
#define TA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define TC "cccccccccccccccccccccccccccccccc"
#define TD "dddddddddddddddddddddddddddddddd"
#define TE "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define TF "ffffffffffffffffffffffffffffffff"
#define A1 "a100000000000001"
#define A2 "a200000000000002"
#define B1 "b100000000000001"
#define B2 "b200000000000002"
#define B3 "b300000000000003"
#define B4 "b400000000000004"
#define C1 "c100000000000001"
#define C2 "c200000000000002"
#define D1 "d100000000000001"
#define E1 "e100000000000001"
#define F1 "f100000000000001"
#define O1 "1f00000000000001" /* its parent is not in the file */
#define M1 "2f00000000000001" /* its link names the wrong trace */
#define NOPE "9999999999999999"

#define SPANS "var/log/agentd/spans.jsonl"
#define T0 "1773322800000000000"

static char top[64];
static int root_fd = -1;
static struct grader_limits lim; /* the defaults, set in main */

static void put_n(const char *rel, const char *data, size_t len)
{
	char path[256];
	struct err e;

	snprintf(path, sizeof path, "%s/%s", top, rel);
	if (write_file_atomic(path, data, len, 0644, &e) < 0) {
		printf("Bail out! %s\n", e.msg);
		exit(1);
	}
}

static void put(const char *rel, const char *data)
{
	put_n(rel, data, strlen(data));
}

static void make_root(void)
{
	static const char *const dirs[] = {"var/log/agentd", "var/lib/agentd", "etc/agentd",
					   "home/candidate/answers"};
	char path[256];
	struct err e;
	size_t i;

	memcpy(top, "/tmp/labrun-trace-XXXXXX", 25);
	if (!mkdtemp(top)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	for (i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(path, sizeof path, "%s/%s", top, dirs[i]);
		if (mkdir_p(path, 0755, &e) < 0) {
			printf("Bail out! %s\n", e.msg);
			exit(1);
		}
	}
	root_fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		printf("Bail out! %s: %s\n", top, strerror(errno));
		exit(1);
	}
}

/* OTLP/JSON as agentd writes it: a line is an ExportTraceServiceRequest
 * (REQ) of one span (SP); status codes ST_OK and ST_ERR; attributes
 * (STR, INT) and links (LINK) as key/value entries and id pairs. */
#define REQ(spans)                                                           \
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":"          \
	"\"service.name\",\"value\":{\"stringValue\":\"agentd\"}}]},"           \
	"\"scopeSpans\":[{\"scope\":{\"name\":\"agentd\",\"version\":\"t\"},"   \
	"\"spans\":[" spans "]}]}]}"
#define SP(trace, id, parent, name, code, start, end, rest)                   \
	"{\"traceId\":\"" trace "\",\"spanId\":\"" id "\",\"parentSpanId\":\"" \
	parent "\",\"name\":\"" name "\",\"startTimeUnixNano\":\""           \
	start "\",\"endTimeUnixNano\":\"" end "\",\"status\":{\"code\":" code  \
	"}" rest "}"
#define SPAN(trace, id, parent, name, code, start, end, rest)                 \
	REQ(SP(trace, id, parent, name, code, start, end, rest)) "\n"
#define ST_OK "1"
#define ST_ERR "2"
#define STR(k, v) "{\"key\":\"" k "\",\"value\":{\"stringValue\":\"" v "\"}}"
#define INT(k, v) "{\"key\":\"" k "\",\"value\":{\"intValue\":\"" v "\"}}"
#define LINK(trace, id) "{\"traceId\":\"" trace "\",\"spanId\":\"" id "\"}"

/* The fixture: a deploy trace (A) whose policy.deploy is the cause, by a
 * link, of a policy.evaluate in an agent's trace (B) under which a tool
 * call fails; a parent cycle (C); a link cycle (D, E); a root by an
 * all-zero parent (F, with CRLF); an orphan; a link naming the wrong
 * trace; and a dozen lines that are not spans. */
static const char fixture[] =
	/* 1 */ SPAN(TA, A1, "", "deploy.pipeline", ST_OK, "1773322700000000000",
		     "1773322700500000000", "")
	/* 2 */ SPAN(TA, A2, A1, "policy.deploy", ST_OK, "1773322700100000000",
		     "1773322700200000000",
		     ",\"attributes\":[" INT("policy.version", "7") "," STR("agent.id", "ci") "]")
	/* 3 */ "\n"
	/* 4 */ "this is not json\n"
	/* 5 */ SPAN(TB, B1, "", "agent.run", ST_OK, T0, "1773322801000000000", "")
	/* 6 */ SPAN(TB, B2, B1, "llm.call", ST_OK, T0, "1773322800050000000",
		     ",\"attributes\":[" STR("agent.id", "researcher-1") ","
		     STR("model.version", "v2") "]")
	/* 7 */ SPAN(TB, B3, B2, "policy.evaluate", ST_OK, T0, "1773322800010000000",
		     ",\"attributes\":[" INT("policy.version", "7") ","
		     STR("policy.rule", "deny-external") "," STR("decision", "deny")
		     "],\"links\":[" LINK(TC, NOPE) "," LINK(TA, A2) "]")
	/* 8 */ SPAN(TB, B4, B3, "tool.call", ST_ERR, T0, "1773322800120000000",
		     ",\"attributes\":[" STR("agent.id", "researcher-1") ","
		     STR("tool.name", "web.fetch") "," STR("idempotency_key", "k-1") "]")
	/* 9 */ SPAN(TB, B2, B1, "dup", ST_OK, T0, T0, "")
	/* 10 */ SPAN(TC, C1, C2, "loop.a", ST_OK, T0, T0, "")
	/* 11 */ SPAN(TC, C2, C1, "loop.b", ST_OK, T0, T0, "")
	/* 12 */ SPAN(TD, D1, "", "d", ST_OK, T0, T0, ",\"links\":[" LINK(TE, E1) "]")
	/* 13 */ SPAN(TE, E1, "", "e", ST_OK, T0, T0, ",\"links\":[" LINK(TD, D1) "]")
	/* 14 */ SPAN(TB, "B5000000000000005", B1, "upper", ST_OK, T0, T0, "")
	/* 15 */ SPAN(TB, "b600000000000006", B1, "f", ST_OK, "1.5e18", T0, "")
	/* 16 */ SPAN(TB, "b700000000000007", B1, "backwards", ST_OK, "2", "1", "")
	/* 17 */ SPAN("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "b800000000000008", B1, "short", ST_OK,
		      T0, T0, "")
	/* 18 */ SPAN(TB, "b900000000000009", B1, "links", ST_OK, T0, T0, ",\"links\":\"x\"")
	/* 19 */ "[1,2]\n"
	/* 20 */ "12\n"
	/* 21: times as JSON numbers, no kind, status or attributes */
	REQ("{\"traceId\":\"" TF "\",\"spanId\":\"" F1 "\",\"parentSpanId\":"
	    "\"0000000000000000\",\"name\":\"crlf\",\"startTimeUnixNano\":5,"
	    "\"endTimeUnixNano\":5}") "\r\n"
	/* 22 */ SPAN(TF, O1, NOPE, "orphan", ST_OK, T0, T0, ",\"links\":null")
	/* 23 */ "{}\n"
	/* 24 */ SPAN(TB, "ba0000000000000a", B1, "huge", ST_OK, T0, "9223372036854775808", "")
	/* 25 */ SPAN(TB, "0000000000000000", B1, "zero", ST_OK, T0, T0, "")
	/* 26 */ "   \t \n"
	/* 27, no newline, no parentSpanId */
	REQ("{\"traceId\":\"" TF "\",\"spanId\":\"" M1 "\",\"name\":\"m\",\"status\":{},"
	    "\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\",\"links\":[" LINK(TB, A2) "]}");

/* What OTLP allows beyond what agentd writes: a batch of spans in two
 * resources and scopes (one bad), enums by name, every AnyValue, an
 * integer past 2^53 in a string, a link's attributes. */
static const char batch[] =
	/* 1 */ "{\"resourceSpans\":[{\"resource\":{\"attributes\":[" STR("service.name", "agentd")
	"]},\"scopeSpans\":[{\"scope\":{\"name\":\"a\",\"version\":\"1\"},\"spans\":["
	SP(TA, A1, "", "one", "\"STATUS_CODE_OK\"", "10", "20",
	   ",\"kind\":\"SPAN_KIND_CLIENT\",\"attributes\":["
	   "{\"key\":\"b\",\"value\":{\"boolValue\":false}},"
	   "{\"key\":\"d\",\"value\":{\"doubleValue\":1.5}},"
	   "{\"key\":\"i\",\"value\":{\"intValue\":\"9007199254740993\"}},"
	   "{\"key\":\"n\",\"value\":{\"intValue\":-3}},"
	   "{\"key\":\"y\",\"value\":{\"bytesValue\":\"AAE=\"}},"
	   "{\"key\":\"arr\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"},"
	   "{\"intValue\":\"2\"}]}}},"
	   "{\"key\":\"kv\",\"value\":{\"kvlistValue\":{\"values\":[" STR("k", "v") "]}}}]")
	"," SP(TA, A2, A1, "two", "2", "10", "20", ",\"kind\":9") "]}]},"
	"{\"resource\":{\"attributes\":[" STR("service.name", "tool") "]},\"scopeSpans\":"
	"[{\"scope\":{\"name\":\"b\"},\"spans\":["
	"{\"traceId\":\"" TB "\",\"spanId\":\"" B1 "\",\"name\":\"three\","
	"\"startTimeUnixNano\":\"30\",\"endTimeUnixNano\":\"40\","
	"\"status\":{\"code\":2,\"message\":\"boom\"},\"links\":[{\"traceId\":\"" TA
	"\",\"spanId\":\"" A1 "\",\"attributes\":[" STR("why", "cause") "]}]}]}]}]}\n"
	/* 2: a second line of the same resource shares its table */
	SPAN(TA, B2, A1, "four", ST_OK, "50", "60", "")
	/* 3 */ "{\"resourceSpans\":{\"a\":1}}\n"
	/* 4 */ SPAN(TA, C1, "", "x", ST_OK, "1", "2", ",\"attributes\":{\"a\":1}")
	/* 5 */ SPAN(TA, C2, "", "x", ST_OK, "1", "2", ",\"attributes\":[{\"key\":\"a\","
		     "\"value\":{\"intValue\":1.5}}]")
	/* 6 */ SPAN(TA, D1, "", "x", "7", "1", "2", "")
	/* 7 */ SPAN(TA, E1, "", "x", ST_OK, "-1", "2", "")
	/* 8 */ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[]}]}]}\n";

static void run(const char *src, struct grader_limits l, struct grader_result *r)
{
	struct grader_input in;
	struct err e;

	memset(&in, 0, sizeof in);
	in.source = src;
	in.source_len = strlen(src);
	in.chunkname = "grader/grade.lua";
	in.root_fd = root_fd;
	in.lim = l;
	/* TEST_GRADER_VERBOSE=1: see the worker's stderr (print, sanitizers) */
	in.verbose = getenv("TEST_GRADER_VERBOSE") != NULL;
	if (grader_run(&in, r, &e) < 0) {
		printf("Bail out! grader_run: %s\n", e.msg);
		exit(1);
	}
}

/* Helpers every probe has: T, S (the fixture, loaded), ids(list) (the
 * first two digits of each span or id), and show(compare result). */
static const char helpers[] =
	"local T = lab.trace\n"
	"local S = T.load('/" SPANS "')\n"
	"local function ids(l)\n"
	" if l == nil then return 'nil' end\n"
	" local t = {}\n"
	" for i, s in ipairs(l) do\n"
	"  if type(s) == 'table' then s = s.span_id end\n"
	"  t[i] = #s == 16 and s:sub(1, 2) or s\n"
	" end\n"
	" return table.concat(t, ',')\n"
	"end\n"
	"local function show(r)\n"
	" return r.thousandths .. ' ' .. tostring(r.root_cause) .. ' ' ..\n"
	"  tostring(r.incident) .. ' ' .. r.matched .. ' [' .. ids(r.missing) ..\n"
	"  '] [' .. ids(r.extra) .. ']' .. (r.reason and ' ' .. r.reason or '')\n"
	"end\n";

/* Run body (Lua returning a string) after the helpers under limits l;
 * give back that string, or "ERROR: " and the grader's error. */
static const char *probe_with(const char *body, struct grader_limits l)
{
	static char got[4096];
	struct grader_result r;
	char *src;
	size_t n = sizeof helpers + strlen(body) + 256;

	src = malloc(n);
	if (!src) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	snprintf(src, n,
		 "%slocal function f() %s end\n"
		 "local m = f()\n"
		 "return {lab.check{id='p', title='probe', weight=1, pass=true,"
		 " message=m}}\n", helpers, body);
	run(src, l, &r);
	if (!r.ok)
		snprintf(got, sizeof got, "ERROR: %s", r.error);
	else
		snprintf(got, sizeof got, "%s", r.checks[0].message);
	grader_result_release(&r);
	free(src);
	return got;
}

static const char *probe(const char *body)
{
	return probe_with(body, lim);
}

/* A grader whose run must end with an error containing want. */
static void misuse(const char *what, const char *src, const char *want)
{
	struct grader_result r;

	run(src, lim, &r);
	ok(!r.ok && strstr(r.error, want), "%s raises at the grader's line (%s)",
	   what, r.error);
	if (r.ok || !strstr(r.error, want))
		printf("#   want '%s'\n", want);
	grader_result_release(&r);
}

static void test_json_integers(void)
{
	is_str(probe("local j = lab.json('{\"t\":1773322800120000000}')\n"
		     "return math.type(j.t) .. ' ' .. tostring(j.t == 1773322800120000000)"
		     " .. ' ' .. tostring(j.t - 1773322800000000000 == 120000000)"),
	       "integer true true", "lab.json keeps nanoseconds (> 2^53) as integers");
	is_str(probe("local j = lab.json('[9007199254740993, 9223372036854775807,"
		     " -9223372036854775808]')\n"
		     "return tostring(j[1] == (1 << 53) + 1) .. ' ' .."
		     " tostring(j[2] == math.maxinteger) .. ' ' .."
		     " tostring(j[3] == math.mininteger)"),
	       "true true true", "lab.json: 2^53 + 1 and the int64 bounds are exact");
	is_str(probe("local v, why = lab.json('[9223372036854775808]')\n"
		     "return tostring(v) .. '|' .. why"),
	       "nil|line 1 column 20: too big integer near '9223372036854775808'",
	       "lab.json refuses an integer past int64 rather than rounding it");
	is_str(probe("return math.type(lab.json('1.5e18')) .. ' ' .."
		     " math.type(lab.json('1500000000000000000'))"),
	       "float integer", "an exponent makes a float, digits an integer");
}

static void test_load(void)
{
	char path[256];

	put(SPANS, fixture);
	is_str(probe("return #S.list .. ' ' .. S.skipped .. ' ' .. #S.problems"),
	       "13 12 12", "load: 13 spans, 12 lines skipped and described");
	is_str(probe("return ids(S.list)"),
	       "a1,a2,b1,b2,b3,b4,c1,c2,d1,e1,f1,1f,2f", "load: list in file order");
	is_str(probe("return ids(S.roots)"), "a1,b1,d1,e1,f1,2f",
	       "load: roots, with an all-zero or absent parent a root");
	is_str(probe("return S.by_id['" B2 "'].name .. ' ' .. ids(S.children['" B1 "'])"),
	       "llm.call b2", "load: a duplicate span id keeps the first");
	is_str(probe("return ids(S.children['" C1 "']) .. ' ' .. ids(S.children['" C2 "'])"
		     " .. ' ' .. ids(S.children['" NOPE "'])"),
	       "c2 c1 1f", "load: children, also of a parent not in the file");
	is_str(probe("return table.concat(S.problems, '\\n')"),
	       "line 4: not JSON (line 1 column 4: invalid token near 'this')\n"
	       "line 9: duplicate spanId b200000000000002\n"
	       "line 14: spanId is not 16 lowercase hex digits\n"
	       "line 15: startTimeUnixNano is not nanoseconds in a decimal string\n"
	       "line 16: endTimeUnixNano is before startTimeUnixNano\n"
	       "line 17: traceId is not 32 lowercase hex digits\n"
	       "line 18: links is not a list of {traceId, spanId}\n"
	       "line 19: not a JSON object\n"
	       "line 20: not a JSON object\n"
	       "line 23: no resourceSpans list: not an OTLP ExportTraceServiceRequest\n"
	       "line 24: endTimeUnixNano is not nanoseconds in a decimal string\n"
	       "line 25: spanId is not 16 lowercase hex digits",
	       "load: each skipped line says why");
	is_str(probe("local s = S.by_id['" B4 "']\n"
		     "return math.type(s.start_unix_nano) .. ' ' .."
		     " (s.end_unix_nano - s.start_unix_nano) .. ' ' .."
		     " tostring(s.start_unix_nano == 1773322800000000000)"),
	       "integer 120000000 true", "load: times stay exact integers");
	is_str(probe("local s = S.by_id['" F1 "']\n"
		     "return '[' .. s.parent_span_id .. '] ' .. type(s.attributes) .. ' ' .."
		     " tostring(next(s.attributes)) .. ' ' .. tostring(S.by_id['" O1 "'].links)"),
	       "[] table nil nil",
	       "load: a CRLF line is read, attributes default to {}, links null is none");
	is_str(probe("local v, why = T.load('/var/log/agentd/none.jsonl')"
		     " return tostring(v) .. '|' .. why"),
	       "nil|no such file", "load: a missing file is nil, reason");
	snprintf(path, sizeof path, "%s/var/log/agentd/link.jsonl", top);
	if (symlink("spans.jsonl", path) < 0) {
		printf("Bail out! symlink: %s\n", strerror(errno));
		exit(1);
	}
	is_str(probe("local v, why = T.load('/var/log/agentd/link.jsonl')"
		     " return tostring(v) .. '|' .. why"),
	       "nil|symbolic link refused", "load: a symbolic link is refused");
	put("var/log/agentd/empty.jsonl", "");
	is_str(probe("local s = T.load('/var/log/agentd/empty.jsonl')"
		     " return #s.list .. ' ' .. s.skipped .. ' ' .. #s.roots"),
	       "0 0 0", "load: an empty file has no spans");
	put("var/log/agentd/other.jsonl",
	    SPAN(TA, A1, "", "x", ST_OK, "1", "2", ",\"links\":{\"traceId\":\"" TB "\"}")
	    SPAN(TA, A2, "", "x", ST_OK, "1", "2", ",\"attributes\":[1]")
	    SPAN(TA, B1, "", "x", ST_OK, "1", "2", ",\"links\":[],\"attributes\":[]"));
	is_str(probe("local s = T.load('/var/log/agentd/other.jsonl')"
		     " return ids(s.list) .. ' ' .. table.concat(s.problems, '; ')"),
	       "b1 line 1: links is not a list of {traceId, spanId}; "
	       "line 2: attributes[0] is not a {key, value} with a string key",
	       "load: links and attributes of the wrong shape");
	put("var/log/agentd/batch.jsonl", batch);
	is_str(probe("local s = T.load('/var/log/agentd/batch.jsonl')"
		     " return ids(s.list) .. ' ' .. s.skipped .. '\\n' .."
		     " table.concat(s.problems, '\\n')"),
	       "a1,b1,b2 6\n"
	       "line 1, span 2 of 3: kind is not a SpanKind (0 to 5)\n"
	       "line 3: no resourceSpans list: not an OTLP ExportTraceServiceRequest\n"
	       "line 4: attributes is not a list of {key, value}\n"
	       "line 5: attributes[0] (a): intValue is not a 64-bit integer in a decimal string\n"
	       "line 6: status.code is not a StatusCode (0 unset, 1 ok, 2 error)\n"
	       "line 7: startTimeUnixNano is not nanoseconds in a decimal string",
	       "load: a batch of spans a line, each bad span or line named by its place");
	is_str(probe("local s = T.load('/var/log/agentd/batch.jsonl')\n"
		     "local a = s.by_id['" A1 "']\n"
		     "local t = a.attributes\n"
		     "return a.kind .. ' ' .. a.status .. ' ' .. a.status_code .. ' ' .."
		     " tostring(t.b) .. ' ' .. math.type(t.d) .. ' ' .."
		     " tostring(t.i == (1 << 53) + 1) .. ' ' .. t.n .. ' ' .. t.y .. ' ' .."
		     " t.arr[1] .. t.arr[2] .. ' ' .. t.kv.k .. ' ' .. a.scope.name .."
		     " a.scope.version .. ' ' .. a.resource['service.name'] .. ' ' .. a.line"),
	       "3 ok 1 false float true -3 AAE= x2 v a1 agentd 1",
	       "load: enums by name, every AnyValue, 2^53 + 1 exactly, scope, resource");
	is_str(probe("local s = T.load('/var/log/agentd/batch.jsonl')\n"
		     "local b, b2 = s.by_id['" B1 "'], s.by_id['" B2 "']\n"
		     "return b.status .. ' ' .. b.status_message .. ' ' .. b.kind .. ' ' .."
		     " b.resource['service.name'] .. ' ' .. b.scope.name .. '[' .."
		     " b.scope.version .. '] ' .. b.links[1].attributes.why .. ' ' .."
		     " tostring(s.by_id['" A1 "'].resource == b2.resource) .. ' ' .."
		     " tostring(b2.status_message) .. ' ' .. ids(T.chain(s, '" B1 "'))"),
	       "error boom 0 tool b[] cause true nil a1,b1",
	       "load: a status message, a second resource, a link's attributes, shared resources");
	is_str(probe("return #T.find(S, {}) .. ' ' .. ids(T.find(S, {name = 'tool.call'}))"
		     " .. ' ' .. ids(T.find(S, {status = 'error'}))"),
	       "13 b4 b4", "find: every span, by name, by status");
	is_str(probe("return ids(T.find(S, {attributes = {decision = 'deny'}})) .. ' ' .."
		     " ids(T.find(S, {attributes = {['policy.version'] = 7}})) .. ' ' .."
		     " ids(T.find(S, {trace_id = '" TA "'}))"),
	       "b3 a2,b3 a1,a2", "find: by attributes, by trace");
	is_str(probe("return '[' .. ids(T.find(S, {name = 'tool.call', attributes ="
		     " {['tool.name'] = 'shell'}})) .. '] ' .. ids(T.find(S,"
		     " {parent_span_id = ''})) .. ' ' .. ids(T.find(S, {attributes ="
		     " {['agent.id'] = 'researcher-1', ['tool.name'] = 'web.fetch'}}))"),
	       "[] a1,b1,d1,e1,f1,2f b4", "find: every field must match");
}

static void test_walk(void)
{
	is_str(probe("local p = T.parent(S, '" B4 "')\n"
		     "local a, w1 = T.parent(S, '" A1 "')\n"
		     "local o, w2 = T.parent(S, '" O1 "')\n"
		     "local n, w3 = T.parent(S, '" NOPE "')\n"
		     "return ids{p} .. '|' .. tostring(a) .. ' ' .. w1 .. '|' .. tostring(o)"
		     " .. ' ' .. w2 .. '|' .. tostring(n) .. ' ' .. w3"),
	       "b3|nil a root span|nil its parent 9999999999999999 is not in the file"
	       "|nil no span 9999999999999999", "parent: a span, a root, an orphan, none");
	is_str(probe("return ids(T.ancestors(S, '" B4 "')) .. ' ' .. ids(T.ancestors(S, '"
		     C1 "')) .. ' ' .. ids(T.ancestors(S, '" O1 "')) .. ' ' .."
		     " ids(T.ancestors(S, '" NOPE "'))"),
	       "b4,b3,b2,b1 c1,c2 1f nil", "ancestors: up to the root, stopping at a cycle");
	is_str(probe("return ids(T.chain(S, '" B4 "'))"), "a1,a2,b3,b4",
	       "chain: through the link to the deploy, root cause first");
	is_str(probe("return ids(T.chain(S, '" B2 "')) .. ' ' .. ids(T.chain(S, '" A2 "'))"),
	       "b1,b2 a1,a2", "chain: parents only where no link leads away");
	is_str(probe("return ids(T.chain(S, '" C1 "')) .. ' ' .. ids(T.chain(S, '" C2 "'))"),
	       "c2,c1 c1,c2", "chain: a parent cycle ends the walk");
	is_str(probe("return ids(T.chain(S, '" D1 "')) .. ' ' .. ids(T.chain(S, '" E1 "'))"),
	       "e1,d1 d1,e1", "chain: a link cycle ends the walk");
	is_str(probe("return ids(T.chain(S, '" M1 "')) .. ' ' .. ids(T.chain(S, '" O1 "'))"),
	       "2f 1f", "chain: a link to the wrong trace and a missing parent lead nowhere");
	is_str(probe("local c, why = T.chain(S, 'x') return tostring(c) .. '|' .. why"),
	       "nil|no span x", "chain: an unknown incident is nil, reason");
	is_str(probe("local c, why = T.chain(S, ('f'):rep(100)) return why"),
	       "no span ffffffffffffffffffffffffffffffffffffffff...",
	       "chain: a long id is cut in the reason");
}

static void test_compare(void)
{
	static const char truth[] = "local truth = {'" A1 "', '" A2 "', '" B3 "', '" B4 "'}\n";
	char body[1024];
	static const struct {
		const char *answer, *want, *what;
	} cases[] = {
		{"{'" A1 "', '" A2 "', '" B3 "', '" B4 "'}", "1000 true true 4 [] []",
		 "exact"},
		{"{'" B1 "', '" A2 "', '" B3 "', '" B4 "'}", "525 false true 3 [a1] [b1]",
		 "wrong root cause: 200 + 375 - 50"},
		{"{'" A1 "', '" B3 "', '" B4 "'}", "875 true true 3 [a2] []",
		 "missing middle: 300 + 200 + 375"},
		{"{'" B4 "', '" B3 "', '" A2 "', '" A1 "'}", "125 false false 1 [] []",
		 "reversed: one step in order"},
		{"{'" A1 "', '" C1 "', '" A2 "', '" B3 "', '" C2 "', '" B4 "'}",
		 "900 true true 4 [] [c1,c2]", "two extra ids: 50 each"},
		{"{'" A1 "', '" A2 "', '" A2 "', '" B3 "', '" B4 "'}",
		 "950 true true 4 [] [a2]", "a repeated id is an extra"},
		{"{'" A1 "', '" B3 "', '" A2 "', '" B4 "'}", "875 true true 3 [] []",
		 "two steps swapped: 300 + 200 + 375"},
		{"{}", "0 false false 0 [a1,a2,b3,b4] []", "empty answer"},
		{"{'" A1 "', 7, lab.null, '" B4 "'}",
		 "650 true true 2 [a2,b3] [(a number),(null)]",
		 "items that are not ids: 300 + 200 + 250 - 100"},
		{"(function() local t = {} for i = 1, 1001 do t[i] = '" A1 "' end"
		 " return t end)()",
		 "0 false false 0 [a1,a2,b3,b4] [] the answer has more than 1000 span ids",
		 "huge answer: refused"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(body, sizeof body, "%sreturn show(T.compare(%s, truth))", truth,
			 cases[i].answer);
		is_str(probe(body), cases[i].want, "compare: %s", cases[i].what);
	}
	is_str(probe("local t = {'" A1 "'} for i = 2, 999 do t[i] = ('%016x'):format(i) end\n"
		     "t[1000] = '" B4 "'\n"
		     "local r = T.compare(t, {'" A1 "', '" A2 "', '" B3 "', '" B4 "'})\n"
		     "return r.thousandths .. ' ' .. r.matched .. ' ' .. #r.extra"),
	       "250 2 998", "compare: 998 extra ids cost at most 500");
	is_str(probe("local r = T.compare({'" A1 "'}, {'" A1 "'})"
		     " return show(r) .. ' ' .. r.score .. ' ' .. math.type(r.thousandths)"),
	       "1000 true true 1 [] [] 1.0 integer", "compare: a chain of one");
	is_str(probe("local r = T.compare({'" A1 "', '" B3 "', '" B4 "'},"
		     " {'" A1 "', '" A2 "', '" B3 "', '" B4 "'})\n"
		     "return r.score .. ' ' .. 1000 * r.thousandths // 1000"),
	       "0.875 875", "compare: score is thousandths / 1000");
	/* the largest comparison there is, under the default budget */
	is_str(probe("local a, t = {}, {}\n"
		     "for i = 1, 1000 do t[i] = ('%016x'):format(i) a[1001 - i] = t[i] end\n"
		     "return show(T.compare(a, t)):sub(1, 16)"),
	       "0 false false 1 ", "compare: 1000 ids against 1000, reversed");
	is_str(probe("local c = T.chain(S, '" B4 "')\n"
		     "return show(T.compare(T.chain(S, '" B4 "'), c))"),
	       "1000 true true 4 [] []", "compare: chain() against itself");
}

static void test_answer(void)
{
	static const struct {
		const char *file, *want, *what;
	} cases[] = {
		{"[\"" A1 "\", \"A200000000000002\"]\n", "a1,a2",
		 "upper-case hex is accepted and made lower-case"},
		{" [ ] ", "", "an empty list"},
		{"[\"" A1 "\", \"" A2 "\", \"xyz\"]",
		 "nil|chain.json: item 3 is not a 16-hex-digit span id (got \"xyz\")",
		 "a short item"},
		{"[\"" A1 "\", 12]",
		 "nil|chain.json: item 2 is not a 16-hex-digit span id (got a number)",
		 "a number"},
		{"[null]", "nil|chain.json: item 1 is not a 16-hex-digit span id (got null)",
		 "null"},
		{"[[\"" A1 "\"]]",
		 "nil|chain.json: item 1 is not a 16-hex-digit span id (got a list or an object)",
		 "a nested list"},
		{"[\"a1000000000000\\u00001\"]",
		 "nil|chain.json: item 1 is not a 16-hex-digit span id (got a string of 16 bytes)",
		 "a NUL byte in an id"},
		{"[\" " A1 "\"]",
		 "nil|chain.json: item 1 is not a 16-hex-digit span id (got \" a100000000000001\")",
		 "a space in an id"},
		{"{\"chain\": [\"" A1 "\"]}",
		 "nil|chain.json: expected a JSON array of span ids, like"
		 " [\"4bf92f3577b34da6\", \"00f067aa0ba902b7\"]", "an object"},
		{"\"" A1 "\"",
		 "nil|chain.json: expected a JSON array of span ids, like"
		 " [\"4bf92f3577b34da6\", \"00f067aa0ba902b7\"]", "a bare string"},
		{"", "nil|chain.json: expected a JSON array of span ids, like"
		 " [\"4bf92f3577b34da6\", \"00f067aa0ba902b7\"]", "an empty file"},
		{"[\"" A1 "\",",
		 "nil|chain.json: not valid JSON: line 1 column 20: ']' expected near end of file",
		 "broken JSON"},
	};
	struct buf b = BUF_INIT;
	struct err e;
	char path[256];
	size_t i;
	int j;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		put("home/candidate/answers/chain.json", cases[i].file);
		is_str(probe("local a, why = T.answer()\n"
			     "return a and ids(a) or 'nil|' .. why"),
		       cases[i].want, "answer: %s", cases[i].what);
	}
	put("home/candidate/answers/mine.json", "[\"" B4 "\"]");
	is_str(probe("return ids(T.answer('mine.json'))"), "b4", "answer: another name");
	is_str(probe("local a, why = T.answer('../x') return why"),
	       "../x: not an answer file name", "answer: a bad name");
	snprintf(path, sizeof path, "%s/home/candidate/answers/chain.json", top);
	unlink(path);
	is_str(probe("local a, why = T.answer() return why"),
	       "chain.json: no such file (write it to /home/candidate/answers/chain.json)",
	       "answer: no file says where to write it");
	if (symlink("/etc/passwd", path) < 0) {
		printf("Bail out! symlink: %s\n", strerror(errno));
		exit(1);
	}
	is_str(probe("local a, why = T.answer() return why"),
	       "chain.json: symbolic link refused", "answer: a link is refused");
	unlink(path);
	buf_puts(&b, "[", &e);
	for (j = 0; j < 1001; j++)
		buf_printf(&b, &e, "%s\"%016x\"", j ? ", " : "", j + 1);
	buf_puts(&b, "]", &e);
	put_n("home/candidate/answers/chain.json", (char *)b.data, b.len);
	is_str(probe("local a, why = T.answer() return why"),
	       "chain.json: more than 1000 span ids", "answer: 1001 ids are refused");
	b.len = 0;
	for (j = 0; j < 70000; j++)
		buf_puts(&b, " ", &e);
	buf_puts(&b, "[]", &e);
	put_n("home/candidate/answers/chain.json", (char *)b.data, b.len);
	is_str(probe("local a, why = T.answer() return why"),
	       "chain.json: larger than 65536 bytes", "answer: a big file is refused");
	buf_release(&b);
}

/* lab.trace.check: the chain check every library scenario uses. */
static void test_check(void)
{
	static const struct {
		const char *file, *want, *what;
	} cases[] = {
		{"[\"" A1 "\", \"" A2 "\", \"" B3 "\"]", "pass 90 ", "the exact chain: full points"},
		{"[\"" A2 "\", \"" B3 "\"]", "fail 47 the first span is not the cause",
		 "the root cause missing: partial credit, the author's words"},
		{"[\"" A1 "\", \"" A2 "\"]", "fail 56 the last span is not the failure",
		 "the incident missing"},
		{"[\"" A1 "\", \"" B4 "\", \"" A2 "\", \"" B3 "\"]",
		 "fail 85 3 of 3 spans in the right order; 1 not part of the chain",
		 "an extra span: counted, not named"},
		{"{}", "fail 0 chain.json: expected a JSON array of span ids, like"
		 " [\"4bf92f3577b34da6\", \"00f067aa0ba902b7\"]", "no list: the answer's reason"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		put("home/candidate/answers/chain.json", cases[i].file);
		is_str(probe("local c = T.check{id = 'chain', title = 'The chain', weight = 90,\n"
			     " truth = {'" A1 "', '" A2 "', '" B3 "'},\n"
			     " root_cause = 'the first span is not the cause',\n"
			     " incident = 'the last span is not the failure'}\n"
			     "return c.status .. ' ' .. c.points .. ' ' .. c.message"),
		       cases[i].want, "check: %s", cases[i].what);
	}
	put("home/candidate/answers/other.json", "[\"" A1 "\"]");
	is_str(probe("local c = T.check{id = 'chain', title = 'The chain', weight = 10,\n"
		     " truth = {'" A1 "'}, answer = 'other.json'}\n"
		     "return c.status .. ' ' .. c.points"),
	       "pass 10", "check: another answer file");
	misuse("check without a truth",
	       "return {lab.trace.check{id = 'c', title = 't', weight = 1}}",
	       "lab.trace.check: truth must be a list of span ids");
	misuse("check with a fractional weight",
	       "return {lab.trace.check{id = 'c', title = 't', weight = 1.5, truth = {'" A1 "'}}}",
	       "lab.trace.check: weight must be an integer");
}

/* lab.agentd: the platform's files and the platform's error check. */
static void test_agentd(void)
{
	struct grader_result r;

	put("var/lib/agentd/state.json", "{\"policy\": {\"active\": 2}}");
	put("var/log/agentd/audit.jsonl",
	    "{\"seq\": 1, \"argv\": [\"status\"]}\n"
	    "not json\n"
	    "[1, 2]\n"
	    "{\"seq\": 2, \"argv\": [\"policy\", \"apply\", \"v2\"]}\n");
	put("etc/agentd/platform.json", "{\"platform\": ");
	is_str(probe("local s = lab.agentd.json(lab.agentd.STATE)\n"
		     "return tostring(s.policy.active)"),
	       "2", "agentd.json: the state, parsed");
	is_str(probe("local s, why = lab.agentd.json(lab.agentd.CONFIG) return why"),
	       "/etc/agentd/platform.json: not valid JSON: line 1 column 13: unexpected token near end of file",
	       "agentd.json: bad JSON names the file and the place");
	is_str(probe("local s, why = lab.agentd.json('/var/lib/agentd/none.json') return why"),
	       "/var/lib/agentd/none.json: no such file", "agentd.json: a missing file");
	is_str(probe("local t = {}\n"
		     "for i, e in ipairs(lab.agentd.jsonl(lab.agentd.AUDIT)) do t[i] = e.seq or #e end\n"
		     "return table.concat(t, ',')"),
	       "1,2,2", "agentd.jsonl: objects and arrays, in order; other lines skipped");
	is_str(probe("return #lab.agentd.jsonl('/var/log/agentd/none.jsonl') .. ''"),
	       "0", "agentd.jsonl: a missing file is empty");
	run("return {lab.agentd.error_check('policy.last-good', 'The policy', 30, 'state cannot be read')}",
	    lim, &r);
	ok(r.ok && r.n == 1 && r.checks[0].status == CHECK_ERROR &&
	   !strcmp(r.checks[0].message,
		   "the platform's state cannot be read; the attempt is reported, not failed"),
	   "agentd.error_check: an error check, never the candidate's fail");
	grader_result_release(&r);
	misuse("agentd.json without a path", "local s = lab.agentd.json(1)\nreturn {}",
	       "lab.agentd.json: the path must be a string");
}

static void test_misuse(void)
{
	misuse("load(1)", "lab.trace.load(1)",
	       "grader/grade.lua:1: lab.trace.load: the path must be a string");
	misuse("chain without spans", "\nlab.trace.chain({}, 'x')",
	       "grader/grade.lua:2: lab.trace.chain: expects the spans from lab.trace.load");
	misuse("chain with a number",
	       "local s = lab.trace.load('/" SPANS "') lab.trace.chain(s, 1)",
	       "grader/grade.lua:1: lab.trace.chain: the span id must be a string");
	misuse("parent(nil)", "lab.trace.parent(nil, 'x')",
	       "grader/grade.lua:1: lab.trace.parent: expects the spans from lab.trace.load");
	misuse("ancestors(s, {})",
	       "lab.trace.ancestors(lab.trace.load('/" SPANS "'), {})",
	       "grader/grade.lua:1: lab.trace.ancestors: the span id must be a string");
	misuse("find with a string", "lab.trace.find(lab.trace.load('/" SPANS "'), 'x')",
	       "grader/grade.lua:1: lab.trace.find: the filter must be a table");
	misuse("find with attributes = 1",
	       "lab.trace.find(lab.trace.load('/" SPANS "'), {attributes = 1})",
	       "grader/grade.lua:1: lab.trace.find: 'attributes' must be a table");
	misuse("compare with a string", "lab.trace.compare('x', {'a'})",
	       "grader/grade.lua:1: lab.trace.compare: the answer must be a list");
	misuse("compare with an empty truth", "lab.trace.compare({}, {})",
	       "grader/grade.lua:1: lab.trace.compare: the truth is empty");
	misuse("compare with a number in the truth", "lab.trace.compare({}, {'a', 2})",
	       "grader/grade.lua:1: lab.trace.compare: truth item 2 is not a string");
	misuse("answer(5)", "lab.trace.answer(5)",
	       "grader/grade.lua:1: lab.trace.answer: the name must be a string");
}

/* The reconstruction check of docs/graders.md ("Traces"), as it is
 * there: keep the two the same. */
static const char example[] =
	"-- grader/grade.lua: the candidate writes the causal chain of the first\n"
	"-- denial, root cause first, to /home/candidate/answers/chain.json\n"
	"local T = lab.trace\n"
	"local spans, why = T.load(\"/var/log/agentd/spans.jsonl\")\n"
	"local incident = spans and T.find(spans, {name = \"policy.evaluate\",\n"
	"                                          attributes = {decision = \"deny\"}})[1]\n"
	"local truth\n"
	"if incident then\n"
	"  truth, why = T.chain(spans, incident.span_id)\n"
	"elseif spans then\n"
	"  why = \"no denied policy.evaluate\"\n"
	"end\n"
	"if not truth then\n"
	"  -- the simulator wrote no usable trace: not the candidate's fault\n"
	"  return {lab.error_check{id = \"chain\", title = \"Causal chain of the denial\",\n"
	"                          weight = 3000, message = \"no chain to compare with: \" .. why}}\n"
	"end\n"
	"\n"
	"local answer, problem = T.answer(\"chain.json\")\n"
	"local r = T.compare(answer or {}, truth)\n"
	"local message = problem or string.format(\n"
	"  \"%d of %d steps in the right order; root cause %s, incident %s\",\n"
	"  r.matched, #truth, r.root_cause and \"right\" or \"wrong\",\n"
	"  r.incident and \"right\" or \"wrong\")\n"
	"if #r.extra > 0 then\n"
	"  message = message .. \"; not part of the chain: \" .. table.concat(r.extra, \", \")\n"
	"end\n"
	"return {\n"
	"  lab.check{\n"
	"    id = \"chain\",\n"
	"    title = \"Causal chain of the denial\",\n"
	"    weight = 3000,\n"
	"    pass = r.thousandths == 1000,\n"
	"    points = 3000 * r.thousandths // 1000,\n"
	"    message = message,\n"
	"  },\n"
	"}\n";

static void test_example(void)
{
	static const struct {
		const char *file; /* chain.json, or NULL for none */
		enum check_status status;
		unsigned points;
		const char *message;
	} cases[] = {
		{"[\"" A1 "\", \"" A2 "\", \"" B3 "\"]", CHECK_PASS, 3000,
		 "3 of 3 steps in the right order; root cause right, incident right"},
		{"[\"" A1 "\", \"" B3 "\"]", CHECK_FAIL, 2499,
		 "2 of 3 steps in the right order; root cause right, incident right"},
		{"[\"" A1 "\", \"" C1 "\", \"" A2 "\", \"" B3 "\"]", CHECK_FAIL, 2850,
		 "3 of 3 steps in the right order; root cause right, incident right;"
		 " not part of the chain: " C1},
		{"[\"" B3 "\", \"" A2 "\", \"" A1 "\"]", CHECK_FAIL, 498,
		 "1 of 3 steps in the right order; root cause wrong, incident wrong"},
		{"[\"" A1 "\", 3]", CHECK_FAIL, 0,
		 "chain.json: item 2 is not a 16-hex-digit span id (got a number)"},
		{NULL, CHECK_FAIL, 0,
		 "chain.json: no such file (write it to /home/candidate/answers/chain.json)"},
	};
	struct grader_result r;
	char path[256], *src, *at;
	size_t i;

	snprintf(path, sizeof path, "%s/home/candidate/answers/chain.json", top);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		unlink(path);
		if (cases[i].file)
			put("home/candidate/answers/chain.json", cases[i].file);
		run(example, lim, &r);
		ok(r.ok && r.n == 1 && r.checks[0].status == cases[i].status &&
		   r.checks[0].points == cases[i].points,
		   "the docs' example: %u points for %s", cases[i].points,
		   cases[i].file ? cases[i].file : "no answer");
		if (!r.ok)
			printf("#   %s\n", r.error);
		if (r.ok && r.n == 1)
			is_str(r.checks[0].message, cases[i].message, "and says so");
		grader_result_release(&r);
	}
	/* without the spans, the check is the platform's error */
	src = strdup(example);
	at = src ? strstr(src, "spans.jsonl") : NULL;
	if (!at) {
		printf("Bail out! the example reads no spans.jsonl\n");
		exit(1);
	}
	memcpy(at, "nothere.jso", 11);
	run(src, lim, &r);
	ok(r.ok && r.n == 1 && r.checks[0].status == CHECK_ERROR,
	   "the docs' example: no spans is an error check");
	if (!r.ok)
		printf("#   %s\n", r.error);
	if (r.ok && r.n == 1)
		is_str(r.checks[0].message, "no chain to compare with: no such file",
		       "and says why");
	grader_result_release(&r);
	free(src);
}

/* The line around a span, as agentd writes it. */
static void req_open(struct buf *b, struct err *e)
{
	buf_puts(b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":"
		 "\"service.name\",\"value\":{\"stringValue\":\"agentd\"}},{\"key\":"
		 "\"service.version\",\"value\":{\"stringValue\":\"agentsim-2\"}}]},"
		 "\"scopeSpans\":[{\"scope\":{\"name\":\"agentd\",\"version\":"
		 "\"agentsim-2\"},\"spans\":[", e);
}

static void req_close(struct buf *b, struct err *e)
{
	buf_puts(b, "]}]}]}\n", e);
}

/* Span i of N as agentd writes them (about 950 bytes): traces of ten
 * spans, each the child of the one before; the root of trace t links to
 * the last span of trace t - 1 unless t - 1 is a multiple of 3, so that
 * the chain of the last span crosses one link (20 spans). */
static void real_span(struct buf *b, int i, struct err *e)
{
	int t = i / 10 + 1, first = i % 10 == 0;

	req_open(b, e);
	buf_printf(b, e, "{\"traceId\":\"%032x\",\"spanId\":\"%016x\",", t, i + 1);
	if (!first)
		buf_printf(b, e, "\"parentSpanId\":\"%016x\",", i);
	buf_printf(b, e,
		   "\"name\":\"tool.call\",\"kind\":3,\"startTimeUnixNano\":\"%lld\","
		   "\"endTimeUnixNano\":\"%lld\",\"attributes\":["
		   "{\"key\":\"agent.id\",\"value\":{\"stringValue\":\"researcher-%d\"}},"
		   "{\"key\":\"tool.name\",\"value\":{\"stringValue\":\"web.fetch\"}},"
		   "{\"key\":\"model.version\",\"value\":{\"stringValue\":\"v2\"}},"
		   "{\"key\":\"policy.version\",\"value\":{\"intValue\":\"7\"}},"
		   "{\"key\":\"policy.rule\",\"value\":{\"stringValue\":\"deny-external\"}},"
		   "{\"key\":\"decision\",\"value\":{\"stringValue\":\"deny\"}},"
		   "{\"key\":\"idempotency_key\",\"value\":{\"stringValue\":\"run-%08x\"}}]",
		   1773322800000000000LL + i * 1000000LL,
		   1773322800000000000LL + i * 1000000LL + 500000, i % 5, i);
	if (first && t > 1 && (t - 1) % 3)
		buf_printf(b, e, ",\"links\":[{\"traceId\":\"%032x\","
			   "\"spanId\":\"%016x\"}]", t - 1, i);
	buf_puts(b, i % 97 ? ",\"status\":{\"code\":1}}" :
		 ",\"status\":{\"code\":2,\"message\":\"503\"}}", e);
	req_close(b, e);
}

/* The smallest line OTLP allows (about 150 bytes): a span with ids of its
 * own and nothing else. */
static void small_span(struct buf *b, int i, struct err *e)
{
	buf_printf(b, e, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		   "\"%032x\",\"spanId\":\"%016x\",\"name\":\"\",\"startTimeUnixNano\":"
		   "\"0\",\"endTimeUnixNano\":\"0\"}]}]}]}\n", i + 1, i + 1);
}

/* A span with 100 attributes of its own (about 4000 bytes): the most
 * heap for the least text. */
static void wide_span(struct buf *b, int i, struct err *e)
{
	int j;

	buf_printf(b, e, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		   "\"%032x\",\"spanId\":\"%016x\",\"name\":\"\",\"startTimeUnixNano\":"
		   "\"0\",\"endTimeUnixNano\":\"0\",\"attributes\":[", 1, i + 1);
	for (j = 0; j < 100; j++)
		buf_printf(b, e, "%s{\"key\":\"%x\",\"value\":{\"intValue\":\"1\"}}",
			   j ? "," : "", i * 100 + j);
	buf_puts(b, "]}]}]}]}\n", e);
}

/* A span whose one attribute is an array of 16000 integers (about 250
 * KiB): the most values for the least text. */
static void array_span(struct buf *b, int i, struct err *e)
{
	int j;

	buf_printf(b, e, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		   "\"%032x\",\"spanId\":\"%016x\",\"name\":\"\",\"startTimeUnixNano\":"
		   "\"0\",\"endTimeUnixNano\":\"0\",\"attributes\":[{\"key\":\"a\","
		   "\"value\":{\"arrayValue\":{\"values\":[", 1, i + 1);
	for (j = 0; j < 16000; j++)
		buf_puts(b, j ? ",{\"intValue\":1}" : "{\"intValue\":1}", e);
	buf_puts(b, "]}}}]}]}]}]}\n", e);
}

/* The most spans of agentd's size a grader can read (GRADER_MAX_READ). */
#define REAL_SPANS 8000

static void test_scale(void)
{
	static const char load_big[] =
		"local s, why = T.load('/var/log/agentd/big.jsonl')\n"
		"if not s then return why end\n"
		"return #s.list .. ' ' .. s.skipped .. ' ' .. #s.problems .. ' ' .."
		" tostring(s.problems[1])";
	struct grader_limits tenth = lim, big = lim;
	struct buf b = BUF_INIT;
	struct err e;
	char want[128];
	int i;

	for (i = 0; i < REAL_SPANS; i++)
		real_span(&b, i, &e);
	ok(b.len < GRADER_MAX_READ, "%d spans of agentd's size take %zu bytes (%zu each)",
	   REAL_SPANS, b.len, b.len / REAL_SPANS);
	put_n("var/log/agentd/big.jsonl", (char *)b.data, b.len);
	is_str(probe("local s = assert(T.load('/var/log/agentd/big.jsonl'))\n"
		     "local c = T.chain(s, string.format('%016x', 8000))\n"
		     "local r = T.compare(c, c)\n"
		     "return #s.list .. ' ' .. s.skipped .. ' ' .. #c .. ' ' .. c[1] .."
		     " ' ' .. r.thousandths .. ' ' .. #T.find(s, {status = 'error'}) .. ' ' .."
		     " #T.find(s, {kind = 3})"),
	       "8000 0 20 0000000000001f2d 1000 83 8000",
	       "8000 spans: load, chain, compare and find under the default limits");
	tenth.instructions = GRADER_INSTRUCTIONS / 10;
	is_str(probe_with("local s = assert(T.load('/var/log/agentd/big.jsonl'))\n"
			  "return #s.list .. ' ' .. #T.chain(s, string.format('%016x', 8000))",
			  tenth),
	       "8000 20", "8000 spans within a tenth of the instruction budget");
#ifdef LABRUN_SANITIZED
	/* The sanitizers make the worker several times slower; what decides
	 * here, the heap and the instruction budget, stay the defaults. */
	big.wall_ms *= 10;
	big.cpu_s *= 10;
#endif
	b.len = 0;
	for (i = 0; b.len < GRADER_MAX_READ - 200; i++)
		small_span(&b, i, &e);
	put_n("var/log/agentd/big.jsonl", (char *)b.data, b.len);
	snprintf(want, sizeof want, "%d 0 0 nil", i);
	is_str(probe_with(load_big, big), want, "8 MiB of the smallest spans load (%d spans)", i);
	b.len = 0;
	for (i = 0; b.len < GRADER_MAX_READ - 5000; i++)
		wide_span(&b, i, &e);
	put_n("var/log/agentd/big.jsonl", (char *)b.data, b.len);
	snprintf(want, sizeof want, "%d 0 0 nil", i);
	is_str(probe_with(load_big, big), want, "8 MiB of spans with 100 attributes each load");
	b.len = 0;
	for (i = 0; b.len < GRADER_MAX_READ - 300000; i++)
		array_span(&b, i, &e);
	put_n("var/log/agentd/big.jsonl", (char *)b.data, b.len);
	is_str(probe_with(load_big, big), "the spans would take more than 32 MiB of memory",
	       "8 MiB of array values: refused before the heap is");
	b.len = 0;
	for (i = 0; i < 1001; i++) {
		buf_printf(&b, &e, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{"
			   "\"traceId\":\"%032x\",\"spanId\":\"%016x\",\"parentSpanId\":"
			   "\"%016x\",\"name\":\"\",\"startTimeUnixNano\":\"0\","
			   "\"endTimeUnixNano\":\"0\"}]}]}]}\n", 1, i + 1, i);
	}
	put_n("var/log/agentd/big.jsonl", (char *)b.data, b.len);
	is_str(probe("local s = assert(T.load('/var/log/agentd/big.jsonl'))\n"
		     "local c, why = T.chain(s, string.format('%016x', 1000))\n"
		     "local c2, why2 = T.chain(s, string.format('%016x', 1001))\n"
		     "return #c .. ' ' .. c[1] .. '|' .. tostring(c2) .. ' ' .. why2 .. '|' .."
		     " #T.ancestors(s, string.format('%016x', 1001))"),
	       "1000 0000000000000001|nil the chain is longer than 1000 spans|1001",
	       "chain: 1000 spans are fine, 1001 are refused");
	b.len = 0;
	for (i = 0; i < 100001; i++)
		buf_puts(&b, "\n", &e);
	put_n("var/log/agentd/big.jsonl", (char *)b.data, b.len);
	is_str(probe(load_big), "more than 100000 lines", "100001 lines are refused");
	b.len--;
	put_n("var/log/agentd/big.jsonl", (char *)b.data, b.len);
	is_str(probe(load_big), "0 0 0 nil", "100000 blank lines are not");
	b.len = 0;
	small_span(&b, 0, &e);
	buf_puts(&b, "{\"resourceSpans\":\"", &e);
	for (i = 0; i < 262144; i++)
		buf_puts(&b, "a", &e);
	buf_puts(&b, "\"}\n", &e);
	small_span(&b, 1, &e);
	put_n("var/log/agentd/big.jsonl", (char *)b.data, b.len);
	snprintf(want, sizeof want, "2 1 1 line 2: longer than %d bytes", 262144);
	is_str(probe(load_big), want, "a line over 256 KiB is skipped unparsed");
	buf_release(&b);
}

int main(void)
{
	struct err e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lim = grader_default_limits;
	make_root();
	test_json_integers();
	test_load();
	test_walk();
	test_compare();
	test_answer();
	test_check();
	test_agentd();
	test_misuse();
	test_example();
	test_scale();
	close(root_fd);
	if (remove_tree(top, &e) < 0)
		printf("# cleanup: %s\n", e.msg);
	return tap_done();
}
