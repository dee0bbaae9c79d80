/* test_grader: the grader host over a hostile frozen root (links, a FIFO,
 * a sparse 20 MB file, a device), the `lab` API, and hostile graders that
 * loop, allocate, backtrack, finalize, call what they may not or return
 * nonsense; each must give ok=0 with the right reason, within its limits;
 * and the clean text of the rule book (graders/checks.h), byte by byte.
 * It does not test the seccomp profile itself (tests/unit/test_sandbox). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "graders/checks.h"
#include "graders/grader.h"
#include "graders/lua_host.h"
#include "tests/unit/tap.h"

static char top[64];
static int root_fd = -1;
static int have_device;
static struct grader_limits lim = {
	.memory = 16u << 20,
	.instructions = 5000000,
	.cpu_s = 1,
	.wall_ms = 2000,
};

static const char context[] =
	"{\"session\":{\"started\":\"2026-11-25T12:00:00Z\",\"duration_ms\":61000,"
	"\"time_limit_s\":1800,\"ended_by\":\"exit\",\"exit_status\":0,"
	"\"candidate\":\"c-42\",\"attempt\":1,\"seed\":7,"
	"\"scenario\":{\"id\":\"policy-denials\",\"version\":\"1.0.0\"}},"
	"\"commands\":["
	"{\"t_ms\":10,\"pid\":5,\"path\":\"/usr/bin/systemctl\","
	"\"argv\":[\"systemctl\",\"restart\",\"agentd\"],\"exit\":0,"
	"\"exe\":\"/usr/bin/systemctl\",\"trusted\":true,\"verified\":true},"
	"{\"t_ms\":20,\"pid\":6,\"path\":\"/usr/bin/vim\","
	"\"argv\":[\"vim\",\"/etc/agentd/policy.json\"],\"exit\":null,"
	"\"exe\":\"/usr/bin/vim.basic\",\"link\":\"/usr/bin/vim\",\"trusted\":true,"
	"\"cwd\":\"/home/candidate\"},"
	"{\"t_ms\":30,\"pid\":7,\"path\":\"/usr/bin/systemctl\","
	"\"argv\":[\"/usr/bin/systemctl\",\"status\",\"agentd\"],\"exit\":3,"
	"\"exe\":\"/usr/bin/systemctl\",\"trusted\":true},"
	"{\"t_ms\":40,\"pid\":8,\"path\":\"/usr/bin/true\",\"argv\":[],\"exit\":0,"
	"\"exe\":\"/usr/bin/true\",\"trusted\":true},"
	/* what a hostile candidate runs: a renamed program, a copy in home,
	 * a program whose arguments changed during its exec, a failed exec */
	"{\"t_ms\":50,\"pid\":9,\"path\":\"/usr/bin/true\","
	"\"argv\":[\"sudo\",\"restart\"],\"exit\":0,\"exe\":\"/usr/bin/true\",\"trusted\":true},"
	"{\"t_ms\":60,\"pid\":10,\"path\":\"/home/candidate/sudo\","
	"\"argv\":[\"/home/candidate/sudo\"],\"exit\":0,\"exe\":\"/home/candidate/sudo\","
	"\"trusted\":false},"
	"{\"t_ms\":70,\"pid\":11,\"path\":\"/usr/bin/sudo\","
	"\"argv\":[\"sudo\",\"-l\"],\"exit\":0,\"exe\":\"/usr/bin/sudo\",\"trusted\":true,"
	"\"verified\":false},"
	"{\"t_ms\":80,\"pid\":12,\"path\":\"/usr/bin/sudo\","
	"\"argv\":[\"sudo\"],\"exit\":null},"
	"{\"t_ms\":90,\"pid\":13,\"path\":\"/usr/bin/cat\","
	"\"argv\":[\"cat\",\"../../etc/./agentd/policy.json\"],\"exit\":0,"
	"\"exe\":\"/usr/bin/cat\",\"trusted\":true,\"cwd\":\"/home/candidate\"},"
	"{\"t_ms\":95,\"pid\":14,\"path\":\"/usr/bin/echo\","
	"\"argv\":[\"echo\",\"/var/log/x\"],\"exit\":0,"
	"\"exe\":\"/usr/bin/echo\",\"trusted\":true,\"cwd\":\"/\"}"
	"],"
	"\"keys\":{\"root_cause\":\"policy-deny-all\"}}";

static void put(const char *rel, const char *data)
{
	char path[256];
	struct err e;

	snprintf(path, sizeof path, "%s/%s", top, rel);
	if (write_file_atomic(path, data, strlen(data), 0644, &e) < 0) {
		printf("Bail out! %s\n", e.msg);
		exit(1);
	}
}

static void at(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", top, rel);
}

static void make_root(void)
{
	static const char *const dirs[] = {"etc/agentd", "home/candidate/answers",
					   "var/log", "var/run"};
	char path[256], path2[256];
	struct err e;
	size_t i;
	int fd;

	memcpy(top, "/tmp/labrun-grader-XXXXXX", 26);
	if (!mkdtemp(top)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	for (i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		at(path, sizeof path, dirs[i]);
		if (mkdir_p(path, 0755, &e) < 0) {
			printf("Bail out! %s\n", e.msg);
			exit(1);
		}
	}
	put("etc/agentd/policy.json",
	    "{\"allow\":[\"read_file\"],\"max_steps\":12,\"ratio\":0.5,"
	    "\"owner\":null,\"nested\":{\"deep\":[1,[2,[3]]]}}");
	put("etc/lines.txt", "a\nb\n\nc");
	put("home/candidate/answers/cause.txt", "timeout in the adapter\n");
	put("var/log/b.log", "b\n");
	put("var/log/a.log", "a\n");
	at(path, sizeof path, "etc/shadow-link");
	if (symlink("/etc/shadow", path) < 0)
		goto fail;
	at(path, sizeof path, "linkdir");
	if (symlink("/etc", path) < 0)
		goto fail;
	at(path, sizeof path, "up");
	if (symlink("..", path) < 0)
		goto fail;
	at(path, sizeof path, "home/candidate/answers/evil");
	if (symlink("/etc/passwd", path) < 0)
		goto fail;
	at(path, sizeof path, "var/run/fifo");
	if (mkfifo(path, 0644) < 0)
		goto fail;
	at(path, sizeof path, "var/big");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, 20 << 20) < 0)
		goto fail;
	close(fd);
	at(path, sizeof path, "var/hard");
	at(path2, sizeof path2, "var/log/a.log");
	if (link(path2, path) < 0)
		goto fail;
	at(path, sizeof path, "var/null");
	have_device = mknod(path, S_IFCHR | 0644, makedev(1, 3)) == 0;
	root_fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd >= 0)
		return;
fail:
	printf("Bail out! making the root: %s\n", strerror(errno));
	exit(1);
}

static int64_t last_ms;

/* A grader over the test's root, as a session's would be. */
static void input_of(struct grader_input *in, const char *src)
{
	memset(in, 0, sizeof *in);
	in->source = src;
	in->source_len = strlen(src);
	in->chunkname = "grader/grade.lua";
	in->root_fd = root_fd;
}

static void run_with(const char *src, const char *ctx, struct grader_limits l,
		     struct grader_result *r)
{
	struct grader_input in;
	struct err e;
	int64_t t0;

	input_of(&in, src);
	in.context_json = ctx;
	in.context_len = ctx ? strlen(ctx) : 0;
	in.lim = l;
	/* TEST_GRADER_VERBOSE=1: see the worker's stderr (print, sanitizers) */
	in.verbose = getenv("TEST_GRADER_VERBOSE") != NULL;
	t0 = time_mono_ms();
	if (grader_run(&in, r, &e) < 0) {
		printf("Bail out! grader_run: %s\n", e.msg);
		exit(1);
	}
	last_ms = time_mono_ms() - t0;
}

static void run(const char *src, struct grader_result *r)
{
	run_with(src, context, lim, r);
}

/* Run `body` (Lua returning a string) and give back that string as the
 * one check's message, or the error. */
static const char *probe(const char *body)
{
	static char got[4096];
	char src[4096];
	struct grader_result r;

	snprintf(src, sizeof src,
		 "local function f() %s end\n"
		 "local m = f()\n"
		 "return {lab.check{id='p', title='probe', weight=1, pass=true,"
		 " message=m}}\n", body);
	run(src, &r);
	if (!r.ok)
		snprintf(got, sizeof got, "ERROR: %s", r.error);
	else
		snprintf(got, sizeof got, "%s", r.checks[0].message);
	grader_result_release(&r);
	return got;
}

/* A hostile grader: ok=0, the reason contains want, within the wall limit. */
static void hostile(const char *what, const char *src, const char *want)
{
	struct grader_result r;

	run(src, &r);
	ok(!r.ok && strstr(r.error, want), "%s: refused (%s)", what, r.error);
	if (r.ok || !strstr(r.error, want))
		printf("#   want '%s'\n", want);
	ok(last_ms < lim.wall_ms + 500, "%s: returned in %lld ms", what,
	   (long long)last_ms);
	grader_result_release(&r);
}

static void test_pass_and_partial(void)
{
	struct grader_result r;
	unsigned score = 12345;

	run("return {\n"
	    " lab.check{id='policy.valid', title='The policy parses', weight=1000,"
	    "  pass=lab.json(lab.read('/etc/agentd/policy.json')) ~= nil,"
	    "  message='ok'},\n"
	    " lab.check{id='cause', title='Root cause named', weight=1000,"
	    "  pass=lab.trim(lab.answer('cause.txt')) == 'timeout in the adapter'},\n"
	    "}\n", &r);
	ok(r.ok && r.n == 2, "a passing grader returns its checks (%s)", r.error);
	if (r.ok && r.n == 2) {
		is_str(r.checks[0].id, "policy.valid", "first id");
		is_str(r.checks[0].title, "The policy parses", "first title");
		ok(r.checks[1].status == CHECK_PASS && r.checks[1].points == 1000,
		   "second passes with its weight");
		is_str(r.checks[1].message, "", "message defaults to empty");
	}
	is_str(grader_verdict(&r, 700, &score), "pass", "verdict pass");
	ok(score == 1000, "score 1000 (%u)", score);
	grader_result_release(&r);

	run("return {\n"
	    " lab.check{id='a', title='A', weight=1000, pass=true},\n"
	    " lab.check{id='b', title='B', weight=1000, pass=false, points=500,"
	    "  message='half of it'},\n"
	    " lab.check{id='c', title='C', weight=0, pass=false},\n"
	    "}\n", &r);
	ok(r.ok && r.n == 3, "partial credit grader ok (%s)", r.error);
	if (r.ok && r.n == 3)
		ok(r.checks[1].status == CHECK_FAIL && r.checks[1].points == 500,
		   "partial points kept on a failed check");
	is_str(grader_verdict(&r, 700, &score), "pass", "750 passes a mark of 700");
	ok(score == 750, "score 750 (%u)", score);
	is_str(grader_verdict(&r, 800, &score), "fail", "750 fails a mark of 800");
	grader_result_release(&r);

	run("return {\n"
	    " lab.check{id='a', title='A', weight=10, pass=true},\n"
	    " lab.error_check{id='state', title='Simulator state', weight=10,"
	    "  message='the platform did not write its state file'},\n"
	    "}\n", &r);
	ok(r.ok && r.n == 2 && r.checks[1].status == CHECK_ERROR &&
	   r.checks[1].points == 0, "error_check gives status error, 0 points");
	is_str(grader_verdict(&r, 0, &score), "error",
	       "one error check makes the verdict error");
	grader_result_release(&r);

	memset(&r, 0, sizeof r);
	snprintf(r.error, sizeof r.error, "x");
	is_str(grader_verdict(&r, 0, &score), "error", "!ok is error");
	ok(score == 0, "!ok scores 0");
	is_str(check_status_name(CHECK_PASS), "pass", "status name pass");
	is_str(check_status_name(CHECK_FAIL), "fail", "status name fail");
	is_str(check_status_name(CHECK_ERROR), "error", "status name error");
	ok(grader_default_limits.memory == GRADER_MEMORY &&
	   grader_default_limits.wall_ms == GRADER_WALL_MS &&
	   grader_default_limits.cpu_s == GRADER_CPU_S &&
	   grader_default_limits.instructions == GRADER_INSTRUCTIONS,
	   "default limits come from limits.h");
}

#define READ(p) "local v, why = lab.read('" p "') return tostring(v) .. '|' .. tostring(why)"

static void test_paths(const char *how)
{
	char want[128];

	is_str(probe("return lab.read('/etc/agentd/policy.json'):sub(1, 10)"),
	       "{\"allow\":[", "%s: a regular file is read", how);
	is_str(probe("return lab.read('//etc/./agentd//policy.json'):sub(1, 2)"),
	       "{\"", "%s: . and // are harmless", how);
	is_str(probe("return lab.read('/var/hard')"), "a\n",
	       "%s: a hard link is read", how);
	is_str(probe(READ("/etc/shadow-link")), "nil|symbolic link refused",
	       "%s: a symlink to /etc/shadow is refused", how);
	is_str(probe(READ("/linkdir/passwd")), "nil|symbolic link refused",
	       "%s: a path through a symlinked directory is refused", how);
	is_str(probe(READ("/up/etc/passwd")), "nil|symbolic link refused",
	       "%s: a symlink to .. is refused", how);
	is_str(probe(READ("/var/run/fifo")), "nil|not a regular file",
	       "%s: a FIFO is refused (without blocking)", how);
	is_str(probe(READ("/var/log")), "nil|not a regular file",
	       "%s: a directory is refused", how);
	if (have_device)
		is_str(probe(READ("/var/null")), "nil|not a regular file",
		       "%s: a device is refused", how);
	else
		printf("ok %d # SKIP mknod not permitted here\n", ++tap_n);
	snprintf(want, sizeof want, "nil|larger than %u bytes", GRADER_MAX_READ);
	is_str(probe(READ("/var/big")), want, "%s: a 20 MB sparse file is refused",
	       how);
	is_str(probe(READ("/../etc/passwd")), "nil|path contains '..'",
	       "%s: .. is refused", how);
	is_str(probe(READ("/etc/../../../etc/passwd")), "nil|path contains '..'",
	       "%s: .. deeper is refused", how);
	is_str(probe(READ("etc/passwd")), "nil|path must be absolute",
	       "%s: a relative path is refused", how);
	is_str(probe(READ("/etc/passwd")), "nil|no such file",
	       "%s: /etc/passwd is the root's, not the host's", how);
	is_str(probe(READ("/etc/agentd/policy.json/x")),
	       "nil|a parent is not a directory", "%s: a file as a parent", how);
	is_str(probe("local v, why = lab.read('/etc/a\\0b') return why"),
	       "path contains a NUL byte", "%s: NUL in a path", how);
	is_str(probe("local t = {} for _, p in ipairs{'/etc/agentd/policy.json',"
		     " '/var/log', '/etc/shadow-link', '/var/run/fifo', '/nope',"
		     " '/linkdir/passwd', '/'} do t[#t+1] = tostring(lab.exists(p))"
		     " end return table.concat(t, ',')"),
	       "file,dir,link,other,nil,nil,dir", "%s: lab.exists", how);
	is_str(probe("return table.concat(lab.list('/var/log'), ',')"),
	       "a.log,b.log", "%s: lab.list sorted", how);
	is_str(probe("return table.concat(lab.list('/'), ',')"),
	       "etc,home,linkdir,up,var",
	       "%s: lab.list of the root", how);
	is_str(probe("local v, why = lab.list('/linkdir') return tostring(v) .. '|' .. why"),
	       "nil|symbolic link refused", "%s: lab.list of a link", how);
	is_str(probe("local v, why = lab.list('/etc/lines.txt') return why"),
	       "not a directory", "%s: lab.list of a file", how);
	is_str(probe("local l = lab.lines('/etc/lines.txt') return #l .. ':' .."
		     " table.concat(l, '|')"),
	       "4:a|b||c", "%s: lab.lines", how);
	is_str(probe("local v, why = lab.lines('/var/run/fifo') return why"),
	       "not a regular file", "%s: lab.lines refuses what read refuses", how);
	is_str(probe("return lab.answer('cause.txt')"), "timeout in the adapter\n",
	       "%s: lab.answer", how);
	is_str(probe("local v, why = lab.answer('evil') return why"),
	       "symbolic link refused", "%s: an answer linked to /etc/passwd", how);
	is_str(probe("local t = {} for _, n in ipairs{'../x', '.', '..', 'a/b', ''}"
		     " do local v, why = lab.answer(n) t[#t+1] = why end"
		     " return table.concat(t, ',')"),
	       "not an answer file name,not an answer file name,"
	       "not an answer file name,not an answer file name,"
	       "not an answer file name", "%s: bad answer names", how);
}

static void test_api(void)
{
	char first[64];

	is_str(probe("local j = lab.json(lab.read('/etc/agentd/policy.json'))\n"
		     "return j.allow[1] .. ',' .. math.type(j.max_steps) .. ',' ..\n"
		     " math.type(j.ratio) .. ',' .. tostring(j.owner == lab.null) .."
		     " ',' .. j.nested.deep[2][2][1]"),
	       "read_file,integer,float,true,3", "lab.json converts types");
	is_str(probe("local v, why = lab.json(string.rep('[', 100) .."
		     " string.rep(']', 100)) return tostring(v) .. '|' .. why"),
	       "nil|nested deeper than 64 levels", "lab.json bounds depth");
	is_str(probe("local v, why = lab.json('{\"a\":') return tostring(v) .. '|' .."
		     " why:sub(1, 13)"),
	       "nil|line 1 column", "lab.json reports where it failed");
	is_str(probe("return tostring(lab.json('[1,null,3]')[2] == lab.null) .."
		     " #lab.json('[1,null,3]')"),
	       "true3", "null in an array keeps its place");
	is_str(probe("return lab.json('\"x\"') .. lab.json('12')"), "x12",
	       "lab.json of scalars");
	is_str(probe("return '[' .. lab.trim(' \\t a b \\n') .. ']'"), "[a b]",
	       "lab.trim");
	is_str(probe("return '[' .. lab.trim(string.rep(' ', 1e6) .. 'x' ..\n"
		     " string.rep(' ', 1e6) .. 'y' .. string.rep(' ', 1e6)):sub(1, 3) .. ']'"),
	       "[x  ]", "lab.trim is linear on long blank runs");
	is_str(probe("return tostring(pcall(function() lab.null.x = 1 end)) .."
		     " tostring(lab.null.x)"),
	       "falsenil", "lab.null refuses ordinary writes");
	is_str(probe("return tostring(lab.grader_api) .. ',' .. lab.limits.message"),
	       "1,2000", "lab.grader_api and lab.limits");

	/* lab.time (the calendar's edges are in test_rfc3339) */
	is_str(probe("return tostring(lab.time.parse(lab.session.started)) .. ',' ..\n"
		     " math.type(lab.time.parse('1970-01-01T00:00:00.001Z'))"),
	       "1795608000000,integer", "lab.time.parse: the session's start, an integer");
	is_str(probe("return tostring(lab.time.parse('2026-11-25T10:46:40.5+01:00') -"
		     " lab.time.parse('2026-11-25T09:46:40Z'))"),
	       "500", "lab.time.parse: an offset and a fraction");
	is_str(probe("return lab.time.format(1795600000500) .. ' ' ..\n"
		     " lab.time.format(0, -330)"),
	       "2026-11-25T09:46:40.500Z 1969-12-31T18:30:00.000-05:30",
	       "lab.time.format, in UTC and at an offset");
	is_str(probe("local a = '2026-11-25T10:46:40.5+01:00'\n"
		     "return tostring(lab.time.after('2026-11-25T09:46:40.501Z', a)) ..\n"
		     " tostring(lab.time.after(a, '2026-11-25T09:46:40.500Z')) ..\n"
		     " tostring(lab.time.after('2026-11-25T09:46:41Z', '9:46')) ..\n"
		     " tostring(lab.time.after(lab.null, a)) ..\n"
		     " tostring(lab.time.after('2026-11-25T09:46:40.500Z', '2026-11-25T09:46:40.499999Z'))"),
	       "truefalsefalsefalsetrue",
	       "lab.time.after: instants, not texts; what is not a time is never later");
	is_str(probe("local v, why = lab.time.parse('2026-02-29T00:00:00Z')\n"
		     "return tostring(v) .. '|' .. why"),
	       "nil|character 9: 2026-02 has 28 days, not 29",
	       "lab.time.parse: nil and where the text is wrong");
	is_str(probe("local v, why = lab.time.parse(12) local w, why2 = lab.time.parse({})\n"
		     "return tostring(v) .. '|' .. why .. '|' .. tostring(w) .. '|' .. why2"),
	       "nil|expected an RFC 3339 time as a string, got number|nil|"
	       "expected an RFC 3339 time as a string, got table",
	       "lab.time.parse: a value that is not text is an answer, not a fault");
	is_str(probe("local v, why = lab.time.format(253402300800000)\n"
		     "local w, why2 = lab.time.format(0, 1440)\n"
		     "return tostring(v) .. '|' .. why .. '|' .. tostring(w) .. '|' .. why2"),
	       "nil|253402300800000 ms: outside 0000-01-01T00:00:00.000Z to "
	       "9999-12-31T23:59:59.999Z|nil|offset 1440 minutes: it must be within "
	       "-1439 to 1439 (-23:59 to +23:59)",
	       "lab.time.format: nil and why, out of range");
	is_str(probe("return select(2, pcall(lab.time.format, 1.5)) .. '|' ..\n"
		     " select(2, pcall(lab.time.format, '12')) .. '|' ..\n"
		     " select(2, pcall(lab.time.format, 0, 'x'))"),
	       "lab.time.format: milliseconds must be an integer, not a fraction|"
	       "lab.time.format: milliseconds must be an integer, not string|"
	       "lab.time.format: the offset must be an integer number of minutes, not string",
	       "lab.time.format: a non-integer is the grader's error");
	is_str(probe("return lab.time.format(1e3) .. ',' .. lab.time.format(lab.time.parse("
		     "'2024-02-29T23:59:59.999-00:00'))"),
	       "1970-01-01T00:00:01.000Z,2024-02-29T23:59:59.999Z",
	       "lab.time.format: an integral float; parse and format round-trip");

	/* the context */
	is_str(probe("local i, c = lab.ran('systemctl', 'restart')\n"
		     "return i .. ',' .. c.pid .. ',' .. c.argv[3]"),
	       "1,5,agentd", "lab.ran finds a command");
	is_str(probe("return table.concat(lab.ran_all('systemctl', 'agentd'), ',')"),
	       "1,3", "lab.ran_all (basename of argv[1])");
	is_str(probe("return tostring(lab.ran('systemctl', 'agentd', 'restart'))"),
	       "nil", "lab.ran wants the arguments in order");
	is_str(probe("return tostring(lab.ran('vim', '/etc/agentd/policy.json'))"),
	       "2", "lab.ran: a name matches the link a program was run through");
	is_str(probe("return tostring(lab.ran('vim.basic'))"), "2",
	       "lab.ran: ... and the program the link leads to");
	is_str(probe("return tostring(lab.ran('/usr/bin/vim.basic'))"), "2",
	       "lab.ran: an absolute path matches the program exactly");
	is_str(probe("return tostring(lab.ran('/bin/vim'))"), "nil",
	       "lab.ran: ... and nothing else");
	is_str(probe("return tostring(lab.ran('true'))"), "4",
	       "lab.ran: the program is what ran, with or without argv");
	is_str(probe("return tostring(lab.ran('sudo'))"), "nil",
	       "lab.ran: argv[1] is data (exec -a), a copy in home is not trusted, "
	       "changed arguments and a failed exec are no program");
	is_str(probe("return table.concat(lab.ran_all('true'), ',')"), "4,5",
	       "lab.ran_all: a renamed program is the program it is");
	is_str(probe("return tostring(lab.runs(lab.commands[6], '/home/candidate/sudo'))"),
	       "false", "lab.runs: an untrusted command runs nothing");
	is_str(probe("return tostring(lab.looked('/etc/agentd/policy.json'))"), "2",
	       "lab.looked: a reader (vim) with the file as an argument");
	is_str(probe("return tostring(lab.looked('/etc/agentd/policy.json', 2))"), "9",
	       "lab.looked: after an index; a relative argument, from where it ran");
	is_str(probe("return tostring(lab.looked('/etc/agentd/policy.json', 9))"), "nil",
	       "lab.looked: nothing after the last");
	is_str(probe("return tostring(lab.looked('/var/log/x'))"), "nil",
	       "lab.looked: a program that merely names the file is no reader");
	is_str(probe("return tostring(lab.looked('/var/log/x', 0, {'echo'}))"), "10",
	       "lab.looked: ... unless the grader says it is");
	is_str(probe("return tostring(lab.commands[2].exit) .. ',' .. lab.commands[3].exit"),
	       "nil,3", "a null exit is nil");
	is_str(probe("local s = lab.session return s.scenario.id .. ',' .. s.seed .."
		     " ',' .. s.duration_ms .. ',' .. lab.keys.root_cause"),
	       "policy-denials,7,61000,policy-deny-all", "lab.session and lab.keys");
	snprintf(first, sizeof first, "%s", probe("return tostring(math.random(1000000))"));
	is_str(probe("return tostring(math.random(1000000))"), first,
	       "math.random is the same on every run");
	is_str(probe("return math.type(collectgarbage('count'))"), "float",
	       "collectgarbage('count') is allowed");
	is_str(probe("return tostring(load('return 1 + 1')())"), "2",
	       "load of text works");
	is_str(probe("local f = load('return x', 'c', 'bt', {x = 'env'}) return f()"),
	       "env", "load keeps an env");
	is_str(probe("local ok, e = pcall(error, 'mine') return tostring(ok) .. e"),
	       "falsemine", "pcall catches the grader's own errors");
	is_str(probe("return select(2, xpcall(error, function(m) return 'h:' .. m end, 'x'))"),
	       "h:x", "xpcall runs the grader's handler");
	is_str(probe("return 'a\\255b\\1c'"), "a?b?c",
	       "invalid UTF-8 and control characters become ?");
	is_str(probe("local m = lab.check{id='x', title='x', weight=1, pass=true,"
		     " message=string.rep('\\u{e9}', 3000)}.message\n"
		     "return #m .. m:sub(-6)"),
	       "2000 [cut]", "lab.check cuts a long message at a character");
}

static void test_context(void)
{
	struct grader_result r;
	const char *src = "return {lab.check{id='a', title='A', weight=1, pass="
			  "#lab.commands == 0 and next(lab.keys) == nil}}";

	run_with(src, NULL, lim, &r);
	ok(r.ok && r.n == 1 && r.checks[0].status == CHECK_PASS,
	   "no context: empty commands and keys (%s)", r.error);
	grader_result_release(&r);
	run_with(src, "{\"commands\":", lim, &r);
	ok(!r.ok && strstr(r.error, "grader context is not valid JSON"),
	   "a broken context is an error (%s)", r.error);
	grader_result_release(&r);
	run_with(src, "{\"commands\":{}}", lim, &r);
	ok(!r.ok && strstr(r.error, "'commands' is not an array"),
	   "a context of the wrong shape is an error (%s)", r.error);
	grader_result_release(&r);
}

static void test_print(void)
{
	struct grader_input in;
	struct grader_result r;
	struct buf b = BUF_INIT;
	struct err e;
	char path[256];
	int saved, fd, v;

	at(path, sizeof path, "stderr.txt");
	for (v = 0; v < 3; v++) {
		memset(&in, 0, sizeof in);
		in.source = v < 2 ? "print('hello', 42) return {lab.check{id='a',"
				    " title='A', weight=1, pass=true}}"
				  : "for i = 1, 1000 do print(('x'):rep(999)) end"
				    " return {lab.check{id='a', title='A', weight=1,"
				    " pass=true}}";
		in.source_len = strlen(in.source);
		in.chunkname = "grader/grade.lua";
		in.root_fd = root_fd;
		in.lim = lim;
		in.verbose = v > 0;
		fflush(stdout);
		saved = dup(2);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		dup2(fd, 2);
		close(fd);
		grader_run(&in, &r, &e);
		dup2(saved, 2);
		close(saved);
		ok(r.ok, "print does not disturb the result (verbose %d)", v);
		grader_result_release(&r);
		buf_release(&b);
		if (read_file_bounded(path, 1 << 20, &b, &e) < 0)
			b.len = 0;
		if (v == 2)
			ok(b.len > GRADER_MAX_PRINT && b.len < GRADER_MAX_PRINT + 64 &&
			   strstr((char *)b.data, "[print output cut here]"),
			   "a print flood is cut at %u bytes and says so (%zu)",
			   GRADER_MAX_PRINT, b.len);
		else if (v)
			ok(b.len && strstr((char *)b.data, "hello\t42\n"),
			   "verbose: print reaches stderr");
		else
			ok(b.len == 0, "not verbose: print is discarded");
	}
	buf_release(&b);
	unlink(path);
}

static void test_hostile(void)
{
	struct grader_limits slow = lim;
	struct grader_result r;
	char want[128];
	char many[200 * 80 + 200 * 3 + 64];
	size_t n = 0;
	int i;

	hostile("an endless loop", "while true do end",
		"grader used more than its budget of 5000000 instructions");
	hostile("an endless allocation",
		"local t = {} while true do t[#t+1] = ('x'):rep(1e6) end",
		"grader ran out of memory (16 MiB)");
	hostile("one huge string", "local s = ('x'):rep(1e9) return {}",
		"grader ran out of memory (16 MiB)");
	/* No instruction hook runs inside one C call: the kernel's CPU limit
	 * stops it, or the wall limit first on a host too busy to give the
	 * worker a second of CPU in two. */
	run("return string.rep('a', 5e4):find('.-.-.-.-.-.-b')", &r);
	ok(!r.ok && (strstr(r.error, "grader exceeded its CPU limit of 1 s") ||
		     strstr(r.error, "grader ran past 2000 ms and was stopped")),
	   "backtracking in one C call: refused (%s)", r.error);
	grader_result_release(&r);
	hostile("a __gc finalizer",
		"setmetatable({}, {__gc = function() while true do end end})",
		"grader/grade.lua:1: setmetatable: __gc is not allowed in a grader");
	hostile("a looping xpcall handler",
		"xpcall(function() while true do end end,"
		" function() while true do end end)",
		"grader used more than its budget");
	hostile("pcall swallowing the budget",
		"for i = 1, 1e9 do pcall(function() while true do end end) end"
		" return {lab.check{id='a', title='A', weight=1, pass=true}}",
		"grader used more than its budget");
	hostile("pcall swallowing out of memory",
		"local t = {} for i = 1, 100 do pcall(function()"
		" while true do t[#t+1] = ('x'):rep(1e5 + #t) end end) end"
		" return {lab.check{id='a', title='A', weight=1, pass=true}}",
		"grader ran out of memory");
	hostile("a looping __close",
		"do local x <close> = setmetatable({}, {__close = function()"
		" while true do end end}) error('x') end",
		"grader used more than its budget");
	hostile("a looping __tostring on the error",
		"error(setmetatable({}, {__tostring = function() while true do end end}))",
		"grader raised an error that is not a string (a table)");
	hostile("os.execute", "os.execute('id')",
		"grader/grade.lua:1: attempt to index a nil value (global 'os')");
	hostile("io.open", "io.open('/etc/passwd')",
		"grader/grade.lua:1: attempt to index a nil value (global 'io')");
	hostile("require", "require('os')",
		"grader/grade.lua:1: attempt to call a nil value (global 'require')");
	hostile("debug", "debug.sethook()",
		"attempt to index a nil value (global 'debug')");
	hostile("dofile", "dofile('/etc/passwd')",
		"attempt to call a nil value (global 'dofile')");
	hostile("loadfile", "loadfile('/etc/passwd')",
		"attempt to call a nil value (global 'loadfile')");
	hostile("string.dump", "load(string.dump(function() end))",
		"attempt to call a nil value (field 'dump')");
	hostile("a binary chunk", "local f, m = load('\\27LuaT\\0', 'x', 'b') error(m, 0)",
		"attempt to load a binary chunk (mode is 't')");
	hostile("load with a reader",
		"load(function() while true do end end)",
		"bad argument #1 to 'load'");
	hostile("collectgarbage('collect')", "collectgarbage()",
		"collectgarbage: only \"count\" is available to a grader");
	hostile("a syntax error", "return {",
		"grader/grade.lua:1: unexpected symbol near <eof>");
	hostile("a runtime error", "local x\nreturn x.y",
		"grader/grade.lua:2: attempt to index a nil value (local 'x')");

	hostile("returning a string", "return 'all good'",
		"grader returned nonsense: expected an array of checks, got string");
	hostile("returning nothing", "local x = 1",
		"grader returned nonsense: expected an array of checks, got nothing");
	hostile("returning no checks", "return {}", "grader returned nonsense: no checks");
	hostile("a check without id",
		"return {{title='A', weight=1, status='pass', points=1, message=''}}",
		"grader returned nonsense: check 1: missing id");
	hostile("a bad id",
		"return {{id='Bad Id', title='A', weight=1, status='pass', points=1,"
		" message=''}}",
		"grader returned nonsense: check 1: id must match");
	hostile("duplicate ids",
		"return {lab.check{id='a', title='A', weight=1, pass=true},"
		" lab.check{id='a', title='B', weight=1, pass=true}}",
		"grader returned nonsense: check 2: duplicate id 'a' (also check 1)");
	hostile("points over weight",
		"return {lab.check{id='a', title='A', weight=3, pass=false, points=5}}",
		"grader returned nonsense: check 1: points 5 is not in 0..3");
	hostile("a float weight",
		"return {{id='a', title='A', weight=1.5, status='pass', points=1,"
		" message=''}}",
		"grader returned nonsense: check 1: weight must be an integer");
	hostile("a float weight through lab.check",
		"return {lab.check{id='a', title='A', weight=1.0, pass=true}}",
		"grader/grade.lua:1: lab.check: 'weight' must be an integer");
	hostile("status maybe",
		"return {{id='a', title='A', weight=1, status='maybe', points=0,"
		" message=''}}",
		"grader returned nonsense: check 1: status 'maybe' is not pass, fail or error");
	hostile("an unknown field",
		"return {{id='a', title='A', weight=1, status='pass', points=1,"
		" message='', extra=1}}",
		"grader returned nonsense: check 1: unknown field 'extra'");
	hostile("a weight too big",
		"return {lab.check{id='a', title='A', weight=10000000, pass=true}}",
		"check 1: weight 10000000 is not in 0..1000000");
	hostile("a title too long",
		"return {lab.check{id='a', title=('t'):rep(201), weight=1, pass=true}}",
		"check 1: title is longer than 200 bytes");
	hostile("all weights zero",
		"return {lab.check{id='a', title='A', weight=0, pass=true}}",
		"grader returned nonsense: every check has weight 0");
	hostile("an error check with points",
		"return {{id='a', title='A', weight=1, status='error', points=1,"
		" message=''}}",
		"check 1: an error check has no points");
	hostile("a sparse array",
		"return {lab.check{id='a', title='A', weight=1, pass=true}, nil,"
		" lab.check{id='b', title='B', weight=1, pass=true}, n=3}",
		"grader returned nonsense: expected an array of checks");
	hostile("500 checks",
		"local t = {} for i = 1, 500 do t[i] = lab.check{id='c' .. i,"
		" title='C', weight=1, pass=true} end return t",
		"grader returned nonsense: more than 200 checks");
	hostile("checks behind __index and __len",
		"local loop = function() while true do end end\n"
		"local c = setmetatable({}, {__index = function(t, k)"
		" if k == 'id' then loop() end return nil end})\n"
		"return setmetatable({c}, {__index = loop, __len = loop,"
		" __pairs = loop})",
		"grader returned nonsense: check 1: missing id");
	hostile("a check table whose fields are all in __index",
		"return {setmetatable({}, {__index = {id='a', title='A', weight=1,"
		" status='pass', points=1, message=''}})}",
		"grader returned nonsense: check 1: missing id");

	/* a wall-clock limit below the CPU limit */
	slow.cpu_s = 5;
	slow.wall_ms = 500;
	run_with("return string.rep('a', 5e4):find('.-.-.-.-.-.-b')", NULL, slow, &r);
	ok(!r.ok && !strcmp(r.error, "grader ran past 500 ms and was stopped"),
	   "the watchdog stops a grader at the wall limit (%s)", r.error);
	ok(last_ms < 1500, "and returns soon after (%lld ms)", (long long)last_ms);
	grader_result_release(&r);

	/* exactly 200 checks are fine */
	n = (size_t)snprintf(many, sizeof many, "local t = {} for i = 1, %d do"
			     " t[i] = lab.check{id='c' .. i, title='C', weight=1,"
			     " pass=i %% 2 == 0} end return t", GRADER_MAX_CHECKS);
	ok(n < sizeof many, "source fits");
	run(many, &r);
	ok(r.ok && r.n == GRADER_MAX_CHECKS, "%d checks are accepted (%s)",
	   GRADER_MAX_CHECKS, r.error);
	grader_result_release(&r);

	/* a grader over the source size limit */
	{
		size_t big = GRADER_MAX_SOURCE + 1;
		char *src = malloc(big + 1);
		struct grader_input in;
		struct err e;

		memset(src, ' ', big);
		src[big] = 0;
		memset(&in, 0, sizeof in);
		in.source = src;
		in.source_len = big;
		in.chunkname = "grader/grade.lua";
		in.root_fd = root_fd;
		in.lim = lim;
		i = grader_run(&in, &r, &e);
		snprintf(want, sizeof want, "grader/grade.lua: larger than %u bytes",
			 GRADER_MAX_SOURCE);
		ok(i == 0 && !r.ok && !strcmp(r.error, want),
		   "an oversize grader is refused (%s)", r.error);
		grader_result_release(&r);
		free(src);
	}
}

/* Kinds of check, and the read log: every path the grader touched, with
 * how, in byte order, whatever the outcome (a missing file is a fact). */
static void test_kinds_and_reads(void)
{
	struct grader_result r;
	size_t i;

	run("return {\n"
	    " lab.check{id='fix', title='Fixed', weight=1, pass=true},\n"
	    " lab.check{id='why', title='Why', weight=1, pass=true, kind='knowledge'},\n"
	    " lab.trace.check{id='chain', title='Chain', weight=1, truth={'0000000000000001'}},\n"
	    " lab.trace.check{id='chain2', title='Chain', weight=1, truth={'0000000000000001'},"
	    "  kind='remediation'},\n"
	    "}\n", &r);
	ok(r.ok && r.n == 4, "checks with kinds are graded (%s)", r.error);
	if (r.ok && r.n == 4)
		ok(!r.checks[0].knowledge && r.checks[1].knowledge &&
		   r.checks[2].knowledge && !r.checks[3].knowledge,
		   "remediation by default, knowledge when said, lab.trace.check knowledge unless told");
	grader_result_release(&r);
	hostile("a kind that is neither",
		"return {lab.check{id='a', title='A', weight=1, pass=true, kind='maybe'}}",
		"'kind' must be");
	hostile("a hand-made check with a wrong kind",
		"return {{id='a', title='A', weight=1, status='pass', points=1,"
		" message='', kind=1}}", "kind must be");

	run("lab.read('/etc/agentd/policy.json')\n"
	    "lab.lines('/etc/lines.txt')\n"
	    "lab.exists('/etc/agentd/policy.json')\n"
	    "lab.list('/var/log')\n"
	    "lab.read('/nothing/here')\n"
	    "lab.answer('cause.txt')\n"
	    "lab.read('//etc/./lines.txt')\n"
	    "lab.read('relative')\n"
	    "lab.read('/etc/../etc/x')\n"
	    "lab.exists('/odd name\\x01')\n"
	    "lab.list('/')\n"
	    "lab.exists('/.special/x')\n"
	    "lab.exists('/a/.special')\n"
	    "return {lab.check{id='a', title='A', weight=1, pass=true}}\n", &r);
	ok(r.ok && !r.reads_cut, "a grader that reads gives its read log (%s)", r.error);
	{
		static const char *const want[][2] = {
			{"/", "l"},
			{"/%2Especial/x", "e"},
			{"/a/.special", "e"},
			{"/etc/agentd/policy.json", "re"},
			{"/etc/lines.txt", "r"},
			{"/home/candidate/answers/cause.txt", "r"},
			{"/nothing/here", "r"},
			{"/odd%20name%01", "e"},
			{"/var/log", "l"},
		};
		int same = r.ok && r.nreads == sizeof want / sizeof *want;

		for (i = 0; same && i < r.nreads; i++)
			same = !strcmp(r.reads[i].path, want[i][0]) &&
			       !strcmp(r.reads[i].ops, want[i][1]);
		ok(same, "the read log: normalised, encoded (a top-level .special too), merged, in byte order, no refused path");
		for (i = 0; !same && i < r.nreads; i++)
			printf("#   %s %s\n", r.reads[i].path, r.reads[i].ops);
	}
	grader_result_release(&r);

	run("for i = 1, 5000 do lab.exists('/x' .. i) end\n"
	    "return {lab.check{id='a', title='A', weight=1, pass=true}}\n", &r);
	ok(r.ok && r.reads_cut && r.nreads == GRADER_MAX_READS,
	   "past GRADER_MAX_READS paths the log says it was cut (%zu)", r.nreads);
	grader_result_release(&r);
}

/* The clean text of checks.c, byte by byte: what base/utf8.h calls valid
 * UTF-8, without control characters but tab and newline. */
static void test_text(void)
{
	static const struct {
		const char *in, *want;
		size_t len;   /* bytes */
		size_t fixed; /* bytes replaced */
		const char *what;
	} cases[] = {
		{"a\tb\nc", "a\tb\nc", 5, 0, "tab and newline stay"},
		{"a\rb\x7f\x1b", "a?b??", 5, 3, "CR, DEL and ESC become ?"},
		{"a\0b", "a?b", 3, 1, "a NUL byte becomes ?"},
		{"\xc2\x80\xc3\xa9", "\xc2\x80\xc3\xa9", 4, 0,
		 "two-byte characters stay, C1 controls too"},
		{"\xf0\x9f\x99\x82", "\xf0\x9f\x99\x82", 4, 0,
		 "a four-byte character stays"},
		{"\xc0\x80", "??", 2, 2, "an overlong NUL: each byte"},
		{"\xed\xa0\x80", "???", 3, 3, "a surrogate: each byte"},
		{"\xf4\x90\x80\x80", "????", 4, 4, "above U+10FFFF: each byte"},
		{"x\xe2\x82", "x??", 3, 2, "a sequence cut short: each byte"},
		{"\xff\xe2\x82\xac", "?\xe2\x82\xac", 4, 1,
		 "a stray byte, then a valid character"},
	};
	char buf[16], mem[32];
	size_t i, n;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		memcpy(buf, cases[i].in, cases[i].len);
		n = checks_text_repair(buf, cases[i].len);
		ok(n == cases[i].fixed && !memcmp(buf, cases[i].want, cases[i].len),
		   "checks_text_repair: %s (%zu replaced)", cases[i].what, n);
	}
	checks_memory_text((size_t)64 << 20, mem, sizeof mem);
	is_str(mem, "64 MiB", "checks_memory_text: whole MiB");
	checks_memory_text(1000, mem, sizeof mem);
	is_str(mem, "1000 bytes", "checks_memory_text: bytes");
	ok(checks_field_known("kind") && !checks_field_known("kinds") &&
	   !checks_field_known(""), "checks_field_known: the fields of a check only");
}

static void test_compile(void)
{
	char msg[256];

	ok(grader_compile("return {}", 9, "grader/grade.lua", msg, sizeof msg) == 0,
	   "grader_compile accepts a grader");
	ok(grader_compile("return {", 8, "grader/grade.lua", msg, sizeof msg) < 0 &&
	   strstr(msg, "grader/grade.lua:1:"), "grader_compile reports (%s)", msg);
	ok(grader_compile("\x1bLuaT\x00", 6, "grader/grade.lua", msg, sizeof msg) < 0 &&
	   strstr(msg, "binary chunk"), "grader_compile refuses bytecode (%s)", msg);
}

/* In this process, as the worker runs it: the document of one grader. */
static char *run_here(const char *source)
{
	struct grader_input in;
	size_t len;

	input_of(&in, source);
	in.lim = lim;
	return lua_host_run(&in, &len);
}

/* The API's Lua half loaded as bytecode compiled once (lua_host_prepare)
 * behaves as its source does, error positions included. */
static void test_prepared(void)
{
	static const char *const graders[] = {
		/* a pass, through lab.trace and the prelude */
		"local s = lab.trace.load('/var/log/agentd/spans.jsonl')\n"
		"return {lab.check{id = 'a', title = 'A', weight = 1, pass = true,\n"
		"  message = tostring(s and #s.list)}}\n",
		/* errors the libraries raise at the grader's line */
		"lab.trace.find({list = {}, by_id = {}}, 5)\nreturn {}\n",
		"lab.check(5)\nreturn {}\n",
		"lab.looked('/x', {after = 1.5})\nreturn {}\n",
		/* and one at their own: trace.lua's line and local's name */
		"lab.trace.parent({list = {}, by_id = {a = 5}}, 'a')\nreturn {}\n",
	};
	char *plain[sizeof graders / sizeof *graders];
	json_t *a, *b;
	char *doc;
	size_t i;
	int positioned = 0;

	lua_host_close_state = 1;
	lua_host_unprepare();
	for (i = 0; i < sizeof graders / sizeof *graders; i++)
		plain[i] = run_here(graders[i]);
	lua_host_prepare();
	for (i = 0; i < sizeof graders / sizeof *graders; i++) {
		doc = run_here(graders[i]);
		a = doc ? json_loads(doc, 0, NULL) : NULL;
		b = plain[i] ? json_loads(plain[i], 0, NULL) : NULL;
		if (a && b && !json_equal(a, b))
			printf("# from source: %s\n", plain[i]);
		ok(a && b && json_equal(a, b),
		   "prepared: grader %zu answers as from source (%s)", i,
		   doc ? doc : "(null)");
		if (doc && strstr(doc, "\"trace:") && strstr(doc, "(local 's')"))
			positioned = 1;
		json_decref(a);
		json_decref(b);
		free(doc);
		free(plain[i]);
	}
	ok(positioned, "prepared: a library's error names its chunk and line");
	lua_host_prepare(); /* again: kept, not compiled twice */
	lua_host_unprepare();
	lua_host_close_state = 0;
}

int main(void)
{
	struct err e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	make_root();
	test_pass_and_partial();
	test_paths("openat2");
	lua_host_force_walk = 1;
	test_paths("walk");
	lua_host_force_walk = 0;
	test_api();
	test_context();
	test_print();
	test_hostile();
	test_kinds_and_reads();
	test_text();
	test_compile();
	test_prepared();
	close(root_fd);
	if (remove_tree(top, &e) < 0)
		printf("# cleanup: %s\n", e.msg);
	return tap_done();
}
