/* test_platform_cmds: the platform's operator commands, driven through
 * sim_open and sim_command as agentd drives them, on a copy of the test
 * platform (tests/fixtures/platform) in a private directory: no root, no daemon,
 * no socket.  Each command's answer and status, the refusals and usage
 * errors, the journal's replay after a restart, a damaged state file, and
 * a behaviour.lua that fills its memory cap (an error, not an abort).
 * The daemon itself and the faults end to end are tests/e2e/2330. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "scenarios/platform/sim.h"
#include "tests/unit/tap.h"

static char root[2048];

struct env {
	char config[4200], state[4200], logs[4200], record[4200];
	struct sim_paths p;
};

static int copy(const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	struct err e = {0};
	int rc = read_file_bounded(from, 1u << 20, &b, &e);

	if (rc == 0)
		rc = write_file_atomic(to, b.data, b.len, 0644, &e);
	if (rc < 0)
		printf("# %s\n", e.msg);
	buf_release(&b);
	return rc;
}

/* A fresh platform NAME under root: the test platform's etc/agentd (and
 * behaviour, when not NULL, as its behaviour.lua) and empty state, log
 * and record directories. */
static int fresh(struct env *v, const char *top, const char *name,
		 const char *behaviour)
{
	static const char *const pols[] = {"v1.json", "v2.json", "v3.json"};
	char dir[2100], from[4200], to[4400];
	struct err e = {0};

	snprintf(dir, sizeof dir, "%s/%s", root, name);
	snprintf(v->config, sizeof v->config, "%s/etc/agentd/policies", dir);
	snprintf(v->state, sizeof v->state, "%s/state", dir);
	snprintf(v->logs, sizeof v->logs, "%s/logs", dir);
	snprintf(v->record, sizeof v->record, "%s/record", dir);
	if (mkdir_p(v->config, 0755, &e) < 0 || mkdir_p(v->state, 0755, &e) < 0 ||
	    mkdir_p(v->logs, 0755, &e) < 0) {
		printf("# %s\n", e.msg);
		return -1;
	}
	for (size_t i = 0; i < 3; i++) {
		snprintf(from, sizeof from, "%s/tests/fixtures/platform/etc/agentd/policies/%s", top, pols[i]);
		snprintf(to, sizeof to, "%s/%s", v->config, pols[i]);
		if (copy(from, to) < 0)
			return -1;
	}
	snprintf(v->config, sizeof v->config, "%s/etc/agentd/platform.json", dir);
	snprintf(from, sizeof from, "%s/tests/fixtures/platform/etc/agentd/platform.json", top);
	if (!behaviour) {
		if (copy(from, v->config) < 0)
			return -1;
	} else {
		struct buf b = BUF_INIT;
		char *brace;
		int rc;

		snprintf(to, sizeof to, "%s/etc/agentd/behaviour.lua", dir);
		if (read_file_bounded(from, 1u << 20, &b, &e) < 0 ||
		    write_file_atomic(to, behaviour, strlen(behaviour), 0644, &e) < 0) {
			printf("# %s\n", e.msg);
			buf_release(&b);
			return -1;
		}
		/* the config with "behaviour" as its first key */
		brace = strchr((char *)b.data, '{');
		rc = brace ? 0 : -1;
		if (rc == 0) {
			struct buf c = BUF_INIT;

			buf_puts(&c, "{\"behaviour\": \"behaviour.lua\",", NULL);
			buf_puts(&c, brace + 1, NULL);
			rc = write_file_atomic(v->config, c.data, c.len, 0644, &e);
			buf_release(&c);
		}
		buf_release(&b);
		if (rc < 0)
			return -1;
	}
	v->p = (struct sim_paths){v->config, v->state, v->logs, v->record};
	return 0;
}

/* Run one command (words split on spaces), as the operator "test"; the
 * reply in r (emptied first); returns its status, or -1 when sim_command
 * failed. */
static int cmd(struct sim *s, struct sim_reply *r, const char *line)
{
	char copy_[4096], *words[40], *save = NULL, *w;
	size_t n = 0;

	sim_reply_release(r);
	r->status = 0;
	snprintf(copy_, sizeof copy_, "%s", line);
	for (w = strtok_r(copy_, " ", &save); w && n < 40; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	if (sim_command(s, "test", 0, words, n, NULL, r) < 0)
		return -1;
	return r->status;
}

#define OUTS(r) ((r)->out.data ? (const char *)(r)->out.data : "")
#define ERRS(r) ((r)->err.data ? (const char *)(r)->err.data : "")

/* cmd, then: the status is want and the output (status 0) or the error
 * holds has. */
#define check(s, r, line, want, has)                                            \
	do {                                                                    \
		int st_ = cmd((s), (r), (line));                                \
		const char *txt_ = st_ == 0 ? OUTS(r) : ERRS(r);                \
		ok(st_ == (want) && strstr(txt_, (has)), "%s: status %d, and what it says", \
		   (line), (want));                                             \
		if (st_ != (want) || !strstr(txt_, (has)))                      \
			printf("#   status %d: %.300s\n#   wanted: %s\n", st_, txt_, (has)); \
	} while (0)

static char *slurp(const char *dir, const char *name)
{
	char path[4300];
	struct buf b = BUF_INIT;
	struct err e = {0};

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (read_file_bounded(path, 64u << 20, &b, &e) < 0)
		return NULL;
	if (!b.data)
		return strdup("");
	return (char *)buf_steal(&b, NULL);
}

/* agentctl trace reads OTLP/JSON as any exporter writes it: a batch of
 * spans in one line (resources and scopes), times as decimal strings or
 * numbers, every attribute type it shows, an error status, a parent that
 * was never exported; and a line that is not JSON is passed over. */
static void test_trace_batch(struct sim *s, struct sim_reply *r, const struct env *v)
{
	static const char lines[] =
		"not json abababababababababababababababab\n"
		"{\"resourceSpans\":[{\"resource\":{\"attributes\":[]},\"scopeSpans\":["
		"{\"scope\":{\"name\":\"x\"},\"spans\":["
		"{\"traceId\":\"abababababababababababababababab\",\"spanId\":\"a100000000000001\","
		"\"name\":\"root\",\"kind\":2,\"startTimeUnixNano\":\"1773320400000000000\","
		"\"endTimeUnixNano\":\"1773320400250000000\",\"status\":{\"code\":1},"
		"\"attributes\":[{\"key\":\"s\",\"value\":{\"stringValue\":\"v\"}},"
		"{\"key\":\"i\",\"value\":{\"intValue\":\"9007199254740993\"}},"
		"{\"key\":\"b\",\"value\":{\"boolValue\":false}}]},"
		"{\"traceId\":\"abababababababababababababababab\",\"spanId\":\"a200000000000002\","
		"\"parentSpanId\":\"a100000000000001\",\"name\":\"child\",\"kind\":3,"
		"\"startTimeUnixNano\":1773320400100000000,\"endTimeUnixNano\":1773320400200000000,"
		"\"status\":{\"code\":2,\"message\":\"503\"},\"links\":[{\"traceId\":"
		"\"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\",\"spanId\":\"c100000000000001\"}]}]}]},"
		"{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"abababababababababababababababab\","
		"\"spanId\":\"a300000000000003\",\"parentSpanId\":\"9999999999999999\","
		"\"name\":\"orphan\",\"startTimeUnixNano\":\"1773320400300000000\","
		"\"endTimeUnixNano\":\"1773320400300000000\"}]}]}]}\n";
	char path[4300];
	FILE *f;

	snprintf(path, sizeof path, "%s/spans.jsonl", v->logs);
	f = fopen(path, "ae");
	ok(f && fputs(lines, f) >= 0 && fclose(f) == 0, "a batch line appended to spans.jsonl");
	check(s, r, "trace abababababababababababababababab", 0,
	      "a100000000000001 root  +0ms 250ms ok s=v i=9007199254740993 b=false\n"
	      "  a200000000000002 child  +100ms 100ms error"
	      " link=cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd/c100000000000001\n"
	      "(parent 9999999999999999 missing from the export)\n"
	      "  a300000000000003 orphan  +300ms 0ms unset\n");
}

static void test_observe(struct sim *s, struct sim_reply *r, const struct env *v)
{
	char line[200], *audit;

	check(s, r, "status", 0, "platform    agentsim-2\n");
	check(s, r, "status", 0, "policy      v2 active (3 versions)");
	check(s, r, "help", 0, "policy validate vN|FILE");
	check(s, r, "exporter", 0, "exporter healthy");
	check(s, r, "exporter restart", 0, "exporter restarted");
	check(s, r, "exporter colour", 2, "usage: agentctl exporter [status|restart]");
	check(s, r, "clock", 0, "platform clock 2026-03-12T14:0");
	check(s, r, "clock sync web.fetch", 1, "web.fetch's clock is in step with the platform's");
	check(s, r, "clock sync nothing", 1, "no tool \"nothing\"");
	check(s, r, "metrics", 0, "agentd_spans_total ");
	check(s, r, "metrics", 0, "agentd_approvals_pending ");
	check(s, r, "audit 2", 0, "\"argv\":[\"metrics\"]");
	ok(cmd(s, r, "audit 1") == 0 && strchr(OUTS(r), '\n') == OUTS(r) + r->out.len - 1,
	   "audit 1: one line");
	audit = slurp(v->logs, "audit.jsonl");
	ok(audit && strstr(audit, "\"actor\":\"test\"") && strstr(audit, "\"outcome\":\"usage\""),
	   "the audit trail names the actor and the outcome");
	free(audit);
	check(s, r, "audit 0", 2, "usage: agentctl audit [N]");
	check(s, r, "trace 1234", 2, "usage: agentctl trace TRACE_ID");
	check(s, r, "trace 0123456789abcdef0123456789abcdef", 1, "no span of trace");
	/* a task's trace, as task show prints it */
	if (cmd(s, r, "task show task-00001") == 0 && strstr(OUTS(r), "trace       ")) {
		snprintf(line, sizeof line, "trace %.32s", strstr(OUTS(r), "trace       ") + 12);
		check(s, r, line, 0, " task.run  +0ms ");
	} else {
		ok(0, "task show task-00001 names its trace");
	}
	test_trace_batch(s, r, v);
}

static void test_agents(struct sim *s, struct sim_reply *r)
{
	check(s, r, "agents", 0, "researcher-1         researcher     planner@2026-01          active");
	check(s, r, "agent show researcher-1", 0, "role        researcher\n");
	check(s, r, "agent show nobody", 1, "no agent \"nobody\"; `agentctl agents` lists them");
	check(s, r, "agent", 2, "usage: agentctl agent show|quarantine|release AGENT [REASON]");
	check(s, r, "agent quarantine researcher-1 looping", 0, "researcher-1 quarantined;");
	check(s, r, "agent show researcher-1", 0, "status      quarantined: looping");
	check(s, r, "agent quarantine researcher-1", 1, "researcher-1 is already quarantined");
	check(s, r, "agent release researcher-1", 0, "researcher-1 released");
	check(s, r, "agent release researcher-1", 1, "researcher-1 is not quarantined");
	check(s, r, "agent retire researcher-1", 2, "usage: agentctl agent");
	check(s, r, "models", 0, "planner          2026-01        no       -      2026-01,2026-03");
	check(s, r, "model eval planner 2026-03", 0, "planner@2026-03: quality 550 permille on the evaluation set; no gate");
	check(s, r, "model pin planner 2026-09", 1, "planner has no version \"2026-09\"");
	check(s, r, "model pin planner 2026-03", 0, "planner pinned to 2026-03");
	check(s, r, "model unpin planner", 0, "planner unpinned (stays on 2026-03");
	check(s, r, "model unpin planner", 1, "planner is not pinned");
	check(s, r, "model rollback planner", 0, "planner rolled back to 2026-01 and pinned");
	check(s, r, "model gate planner 900", 0, "planner: evaluation gate set to min_quality 900");
	check(s, r, "model gate planner", 0, "min_quality 900   apply    test");
	check(s, r, "model eval planner 2026-03", 0, "the gate (min_quality 900) would block it");
	check(s, r, "model gate planner 1001", 2, "(0 to 1000 permille)");
	check(s, r, "model pin nothing x", 1, "no model \"nothing\"");
}

static void test_tools(struct sim *s, struct sim_reply *r)
{
	check(s, r, "tools", 0, "web.fetch            enabled   120         no           2        cache.fetch");
	check(s, r, "tool show web.fetch", 0, "fallback     cache.fetch\n");
	check(s, r, "tool disable web.fetch", 0, "web.fetch disabled; calls go to cache.fetch");
	check(s, r, "tool disable web.fetch", 1, "web.fetch is already disabled");
	check(s, r, "tool enable web.fetch", 0, "web.fetch enabled");
	check(s, r, "tool set doc.search idempotency on", 1, "doc.search has no side effects");
	check(s, r, "tool set payments.refund idempotency off", 0, "payments.refund: idempotency off");
	check(s, r, "tool set payments.refund idempotency maybe", 2, "usage: agentctl tool show");
	check(s, r, "tool set payments.refund colour on", 2, "usage: agentctl tool show");
	check(s, r, "tool adapter web.fetch 1.0", 1, "web.fetch has a single adapter");
	check(s, r, "tool show nothing", 1, "no tool \"nothing\"");
	check(s, r, "secret list", 0, "payments-api-key         payments.refund      0          never");
	check(s, r, "secret rotate payments-api-key", 0, "payments-api-key rotated; the old value no longer works");
	check(s, r, "secret list", 0, "payments-api-key         payments.refund      1          2026-");
	check(s, r, "secret rotate nothing", 1, "no secret \"nothing\"");
	check(s, r, "secret", 2, "usage: agentctl secret list | secret rotate SECRET");
}

static void test_policy(struct sim *s, struct sim_reply *r, const struct env *v)
{
	static const char v4[] = "{\"version\": 4, \"default\": \"deny\", \"rules\": ["
		"{\"id\": \"allow-all\", \"effect\": \"allow\", \"roles\": [\"*\"], \"tools\": [\"*\"]},"
		"{\"id\": \"ghost\", \"effect\": \"deny\", \"roles\": [\"nobody\"], \"tools\": [\"nothing\"]}]}";
	struct sim_file f = {"v4.json", v4, sizeof v4 - 1};
	char *words[] = {"policy", "validate", "v4.json"}, path[4300];
	struct stat st;

	check(s, r, "policy", 0, "active policy v2: researchers fetch; ops shell needs approval");
	check(s, r, "policy history", 0, "v2       deploy     ci");
	check(s, r, "policy show v3", 0, "policy v3: ");
	check(s, r, "policy show v9", 1, "no policy version v9");
	check(s, r, "policy diff v1", 0, "--- v1\n+++ v2\n");
	check(s, r, "policy diff v2 v2", 0, "(no difference)");
	check(s, r, "policy validate v3", 0, "v3: valid:");
	check(s, r, "policy apply v2", 1, "v2 is already the active policy");
	check(s, r, "policy apply v3", 0, "v3 is now the active policy");
	check(s, r, "policy rollback", 0, "rolled back: v2 is now the active policy");
	check(s, r, "policy apply nofile.json", 1, "nofile.json is neither a version (vN) nor a file agentctl could read");
	check(s, r, "policy frobnicate", 2, "usage: agentctl policy status|history");
	/* a new version the operator hands over */
	sim_reply_release(r);
	ok(sim_command(s, "test", 0, words, 3, &f, r) == 0 && r->status == 0 &&
	   strstr(OUTS(r), "v4: valid: 2 rules, default deny") &&
	   strstr(OUTS(r), "warning: rule ghost matches no agent's role"),
	   "policy validate FILE: valid, with the lint's warnings");
	words[1] = "apply";
	sim_reply_release(r);
	ok(sim_command(s, "test", 0, words, 3, &f, r) == 0 && r->status == 0 &&
	   strstr(OUTS(r), "v4 is now the active policy"), "policy apply FILE: the next version");
	snprintf(path, sizeof path, "%.4000s", v->config);
	snprintf(strrchr(path, '/'), sizeof path - (size_t)(strrchr(path, '/') - path),
		 "/policies/v4.json");
	ok(stat(path, &st) == 0 && (size_t)st.st_size == sizeof v4 - 1,
	   "policy apply FILE: the version is stored beside the others");
	sim_reply_release(r);
	ok(sim_command(s, "test", 0, words, 3, &f, r) == 0 && r->status == 1 &&
	   strstr(ERRS(r), "a new policy takes the next version, 5"),
	   "policy apply FILE: a version that exists is refused");
}

static void test_tasks(struct sim *s, struct sim_reply *r)
{
	check(s, r, "tasks", 0, "TASK        KIND         AGENT                STATE");
	check(s, r, "tasks done", 0, " done ");
	check(s, r, "tasks sleeping", 2, "no task state \"sleeping\"");
	check(s, r, "task show 1", 0, "task        task-00001\n");
	check(s, r, "task show task-99999", 1, "no task task-99999");
	check(s, r, "task retry task-00001", 1, "only a failed or cancelled task can be retried");
	check(s, r, "task", 2, "usage: agentctl task show|retry TASK");
	check(s, r, "advance 0", 2, "usage: agentctl advance SECONDS");
	check(s, r, "advance 600", 0, " new tasks\n");
	check(s, r, "approvals", 0, "reviewer running; auto-approved below risk 0");
	check(s, r, "approvals resume", 1, "the reviewer is running");
	check(s, r, "approvals threshold", 0, "escalations of tools with a risk below 0 are approved automatically");
	check(s, r, "approvals threshold 50", 0, "auto_approve_below is now 50");
	check(s, r, "approvals threshold 102", 2, "usage: agentctl approvals threshold [N]");
	check(s, r, "approvals auto", 0, "APPROVAL  TASK        TOOL");
	check(s, r, "approval approve apr-9999", 1, "no approval apr-9999");
	check(s, r, "approval maybe apr-0001", 2, "usage: agentctl approval approve|reject APPROVAL");
	check(s, r, "effects", 0, "duplicates (the same task and step applied again)");
	check(s, r, "effects nothing", 1, "no tool \"nothing\"");
	check(s, r, "effect show eff-9999", 1, "no effect eff-9999");
	check(s, r, "effect undo eff-0001", 2, "usage: agentctl effect show|revert EFFECT");
}

static void test_words(struct sim *s, struct sim_reply *r)
{
	char *many[33], *ctl[] = {"status", "a\tb"};

	check(s, r, "launch", 2, "no command \"launch\"; `agentctl help` lists them");
	for (size_t i = 0; i < 33; i++)
		many[i] = "status";
	sim_reply_release(r);
	ok(sim_command(s, "test", 0, many, 33, NULL, r) == 0 && r->status == 2 &&
	   strstr(ERRS(r), "a command has 1 to 32 words"), "33 words are refused");
	sim_reply_release(r);
	ok(sim_command(s, "test", 0, ctl, 2, NULL, r) == 0 && r->status == 2 &&
	   strstr(ERRS(r), "word 2 holds a control character"), "a control character is refused");
}

/* The same commands, once straight through and once with a restart (a
 * close and an open that replays state.json) in the middle: the same
 * state.json. */
static void test_replay(const char *top)
{
	static const char *const cmds[] = {
		"agent quarantine researcher-1 looping", "advance 900", "policy apply v3",
		"tool disable web.fetch", "secret rotate payments-api-key", "advance 300"};
	struct env a, b;
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct buf why = BUF_INIT;
	struct sim *s = NULL;
	char *sa = NULL, *sb = NULL;
	int good = 1;

	if (fresh(&a, top, "replay-a", NULL) < 0 || fresh(&b, top, "replay-b", NULL) < 0) {
		ok(0, "replay platforms");
		return;
	}
	good &= sim_open(&a.p, "0a", NULL, &s, &why) == 0;
	for (size_t i = 0; good && i < 6; i++)
		good &= cmd(s, &r, cmds[i]) == 0;
	if (good)
		sim_close(s);
	good &= sim_open(&b.p, "0a", NULL, &s, &why) == 0;
	for (size_t i = 0; good && i < 6; i++) {
		good &= cmd(s, &r, cmds[i]) == 0;
		if (i == 2) {
			sim_close(s);
			s = NULL;
			good &= sim_open(&b.p, "0a", NULL, &s, &why) == 0;
		}
	}
	if (s)
		sim_close(s);
	ok(good, "the commands ran, across a restart");
	if (why.len)
		printf("# %s", (char *)why.data);
	sa = slurp(a.state, "state.json");
	sb = slurp(b.state, "state.json");
	ok(sa && sb && strcmp(sa, sb) == 0, "restarted mid-way, the platform ends with the same state.json");
	ok(sa && strstr(sa, "\"journal\"") && strstr(sa, "\"secret\","), "the state holds the journal");
	free(sa);
	free(sb);
	sim_reply_release(&r);
	buf_release(&why);
}

/* The first pending approval in the reply's `approvals` listing with a
 * number above skip: its approval and task numbers; 0 when none. */
static int pending_approval(const struct sim_reply *r, unsigned skip,
			    unsigned *apr, unsigned *task)
{
	const char *p = OUTS(r);

	for (; (p = strstr(p, "\napr-")) != NULL; p++)
		if (sscanf(p + 1, "apr-%u task-%u", apr, task) == 2 &&
		    strstr(p + 1, " pending ") && strstr(p + 1, " pending ") < strchr(p + 1, '\n') &&
		    *apr > skip)
			return 1;
	return 0;
}

/* An operator's decision on a pending approval takes effect, with the
 * platform's time and the caller, while platform.approval_stuck holds
 * (the reviewer stays stuck: the fault is still there to repair) and
 * without the fault.  It once printed "approved" and left the task
 * waiting forever, the decision dated 1970 and by nobody. */
static void test_approval_decided(const char *top, const char *name, const char *plan)
{
	struct env v;
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct buf why = BUF_INIT;
	struct sim *s = NULL;
	unsigned apr = 0, task = 0, apr2 = 0, task2 = 0;
	char line[128], want[160];
	char *state;

	if (fresh(&v, top, name, NULL) < 0 || sim_open(&v.p, "0a", plan, &s, &why) < 0) {
		ok(0, "%s: the platform opens: %s", name, why.data ? (char *)why.data : "");
		buf_release(&why);
		return;
	}
	cmd(s, &r, "approvals");
	ok(strstr(OUTS(&r), plan ? "reviewer stuck" : "reviewer running") != NULL,
	   "%s: the reviewer is %s", name, plan ? "stuck" : "running");
	if (!pending_approval(&r, 0, &apr, &task) || !pending_approval(&r, apr, &apr2, &task2)) {
		ok(0, "%s: two approvals are pending: %.400s", name, OUTS(&r));
		goto out;
	}
	snprintf(line, sizeof line, "approval approve apr-%04u", apr);
	snprintf(want, sizeof want, "apr-%04u approved by test; task-%05u runs the step now", apr, task);
	check(s, &r, line, 0, want);
	snprintf(line, sizeof line, "approval reject %u", apr2);
	snprintf(want, sizeof want, "apr-%04u rejected by test; task-%05u failed: the approval was rejected", apr2, task2);
	check(s, &r, line, 0, want);
	check(s, &r, line, 1, "is already rejected");
	snprintf(line, sizeof line, "task show %u", task);
	check(s, &r, line, 0, "state       done\n");
	snprintf(line, sizeof line, "task show %u", task2);
	check(s, &r, line, 0, "error       the approval was rejected");
	state = slurp(v.state, "state.json");
	snprintf(want, sizeof want, "\"id\": \"apr-%04u\"", apr);
	ok(state && strstr(state, want) && !strstr(state, "1970-01-01") &&
	   strstr(strstr(state, want), "\"by\": \"test\""),
	   "%s: state.json records the decision's time and the caller", name);
	free(state);
	state = slurp(v.logs, "agentd.jsonl");
	snprintf(want, sizeof want, "\"approval\":\"apr-%04u\",\"decision\":\"approved\",\"by\":\"test\"", apr);
	ok(state && strstr(state, want), "%s: the log says who decided", name);
	free(state);
	if (plan) {
		cmd(s, &r, "advance 600");
		check(s, &r, "approvals", 0, "reviewer stuck");
		ok(pending_approval(&r, apr2, &apr, &task),
		   "%s: the fault still holds: other approvals wait for the reviewer", name);
		check(s, &r, "approvals resume", 0, "reviewer restarted; ");
		cmd(s, &r, "advance 900");
		cmd(s, &r, "approvals");
		snprintf(want, sizeof want, "\napr-%04u  task-%05u", apr, task);
		{
			const char *at = strstr(OUTS(&r), want);
			const char *eol = at ? strchr(at + 1, '\n') : NULL;
			const char *by = at ? strstr(at, " reviewer") : NULL;

			ok(at && by && (!eol || by < eol),
			   "%s: resumed, the reviewer decides what waited for it", name);
		}
	}
out:
	sim_close(s);
	sim_reply_release(&r);
	buf_release(&why);
}

/* Tasks of a looping agent (platform.agent_loop) stop at max_attempts
 * (3 on the test platform) and fail, recorded; once the agent is
 * quarantined the failed and the cancelled ones can be retried and
 * complete on another agent of the role.  They once retried forever,
 * and quarantine's cancellations could never be retried. */
static void test_loop_recovered(const char *top)
{
	static const char plan[] =
		"[{\"id\": \"loop\", \"kind\": \"platform.agent_loop\", \"at_s\": 600, \"agent\": \"researcher-1\"}]";
	struct env v;
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct buf why = BUF_INIT;
	struct sim *s = NULL;
	unsigned over = 0, failed = 0, retried = 0, done = 0;
	unsigned ids[64];
	size_t n = 0;
	char line[128];
	const char *p;
	char *state;

	if (fresh(&v, top, "loop", NULL) < 0 || sim_open(&v.p, "0a", plan, &s, &why) < 0) {
		ok(0, "loop: the platform opens: %s", why.data ? (char *)why.data : "");
		buf_release(&why);
		return;
	}
	cmd(s, &r, "tasks");
	for (p = OUTS(&r); (p = strstr(p, "\ntask-")) != NULL; p++) {
		unsigned id, attempts;
		char kind[32], agent[32], st[32];

		if (sscanf(p + 1, "task-%u %31s %31s %31s %u", &id, kind, agent, st, &attempts) == 5)
			over += attempts > 3;
	}
	ok(over == 0, "agent_loop: no task goes past max_attempts (%u did)", over);
	cmd(s, &r, "tasks failed");
	for (p = OUTS(&r); (p = strstr(p, "\ntask-")) != NULL; p++)
		if (strstr(p + 1, "loop budget of 25 tool calls exhausted") < strchr(p + 1, '\n') &&
		    strstr(p + 1, "loop budget") && sscanf(p + 1, "task-%u", &ids[n]) == 1 && n < 63)
			n++, failed++;
	ok(failed > 0 && strstr(OUTS(&r), " 3        "), "agent_loop: looping tasks fail for good after 3 attempts (%u)", failed);
	state = slurp(v.logs, "agentd.jsonl");
	ok(state && strstr(state, "\"msg\":\"task failed\",\"task\":") &&
	   strstr(state, "\"error\":\"loop budget of 25 tool calls exhausted\",\"attempts\":\"3\""),
	   "agent_loop: the log records the failure and its attempts");
	free(state);
	check(s, &r, "task retry 1", 1, "only a failed or cancelled task can be retried");
	check(s, &r, "agent quarantine researcher-1 runaway", 0, "researcher-1 quarantined;");
	cmd(s, &r, "tasks cancelled");
	for (p = OUTS(&r); (p = strstr(p, "\ntask-")) != NULL; p++)
		if (n < 63 && sscanf(p + 1, "task-%u", &ids[n]) == 1)
			n++;
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof line, "task retry %u", ids[i]);
		retried += cmd(s, &r, line) == 0 &&
			   strstr(OUTS(&r), "researcher-1 is quarantined: another researcher agent takes it");
	}
	ok(n > failed && retried == n, "agent_loop: the failed and the cancelled tasks are retried (%u of %zu)", retried, n);
	cmd(s, &r, "advance 600");
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof line, "task show %u", ids[i]);
		done += cmd(s, &r, line) == 0 && strstr(OUTS(&r), "state       done\n") &&
			strstr(OUTS(&r), "agent       researcher-2\n");
	}
	ok(n && done == n, "agent_loop: contained, the recovered work completes on researcher-2 (%u of %zu)", done, n);
	check(s, &r, "task retry 1", 1, "only a failed or cancelled task can be retried");
	sim_close(s);
	sim_reply_release(&r);
	buf_release(&why);
}

/* A task cancelled while its retry was pending, then retried by the
 * operator, runs once: the pending retry's event is dropped.  It once ran
 * too, and a task waiting for its new approval asked for a second one. */
static void test_retry_runs_once(const char *top)
{
	static const char plan[] =
		"[{\"id\": \"loop\", \"kind\": \"platform.agent_loop\", \"at_s\": 600, \"agent\": \"ops-1\"}]";
	struct env v;
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct buf why = BUF_INIT;
	struct sim *s = NULL;
	unsigned apr = 0, task = 0, asked = 0;
	char line[128], want[64];
	const char *p;

	if (fresh(&v, top, "once", NULL) < 0 || sim_open(&v.p, "0a", plan, &s, &why) < 0) {
		ok(0, "once: the platform opens: %s", why.data ? (char *)why.data : "");
		buf_release(&why);
		return;
	}
	cmd(s, &r, "approvals");
	if (!pending_approval(&r, 0, &apr, &task)) {
		ok(0, "once: an ops task waits for approval: %.300s", OUTS(&r));
		goto out;
	}
	snprintf(line, sizeof line, "approval approve %u", apr);
	cmd(s, &r, line);
	snprintf(want, sizeof want, "task-%05u  maintenance  ops-1                retry_wait", task);
	check(s, &r, "tasks retry_wait", 0, want);
	check(s, &r, "agent quarantine ops-1 looping", 0, "1 of its tasks cancelled");
	check(s, &r, "agent release ops-1", 0, "ops-1 released");
	snprintf(line, sizeof line, "task retry %u", task);
	check(s, &r, line, 0, "queued again");
	cmd(s, &r, "advance 100");
	cmd(s, &r, "approvals");
	snprintf(want, sizeof want, "  task-%05u  ", task);
	for (p = OUTS(&r); (p = strstr(p, want)) != NULL; p++)
		asked++;
	ok(asked == 2, "once: the retried task asked for one new approval, not two (%u in all)", asked);
out:
	sim_close(s);
	sim_reply_release(&r);
	buf_release(&why);
}

/* A state.json the platform cannot use: it says so to every command
 * until `state reset`. */
static void test_damaged(const char *top)
{
	struct env v;
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct buf why = BUF_INIT;
	struct err e = {0};
	struct sim *s = NULL;
	char path[4300];

	if (fresh(&v, top, "damaged", NULL) < 0) {
		ok(0, "damaged platform");
		return;
	}
	snprintf(path, sizeof path, "%s/state.json", v.state);
	write_file_atomic(path, "{\"seed\": ", 9, 0644, &e);
	ok(sim_open(&v.p, "0a", NULL, &s, &why) == 0, "a damaged state.json: the platform still opens");
	if (!s)
		return;
	check(s, &r, "status", 1, "the platform's state is damaged: ");
	check(s, &r, "status", 1, "hint: `agentctl state reset` starts the platform afresh");
	check(s, &r, "state reset", 0, "the platform starts afresh from its configuration");
	check(s, &r, "status", 0, "platform    agentsim-2");
	sim_close(s);
	sim_reply_release(&r);
	buf_release(&why);
}

/* behaviour.lua keeps what each call allocates until its memory cap
 * (SIM_LUA_MEMORY) is full: the hook fails, and so does the next one's
 * argument, which Lua once built outside a protected call (its panic
 * aborted the process: agentd, or labrun in a dry run). */
static void test_lua_memory(const char *top)
{
	static const char hog[] =
		"hog = nil\n"
		"function on_tool_call(c)\n"
		"  for i = 1, 200000 do hog = {hog, i} end\n"
		"end\n"
		"function on_decision(d)\n"
		"  for i = 1, 200000 do hog = {hog, i} end\n"
		"end\n";
	struct env v;
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct buf why = BUF_INIT;
	struct sim *s = NULL;

	if (fresh(&v, top, "hog", hog) < 0) {
		ok(0, "hog platform");
		return;
	}
	ok(sim_check(v.config, NULL, &why) == 0, "a behaviour that hogs memory is a valid platform");
	ok(sim_open(&v.p, "0a", NULL, &s, &why) == 0, "its history runs to the end, the hooks failing");
	if (why.len)
		printf("# %s", (char *)why.data);
	if (s) {
		check(s, &r, "advance 600", 0, " new tasks\n");
		ok(!sim_failed(s), "the engine itself did not run out of memory");
		sim_close(s);
	}
	sim_reply_release(&r);
	buf_release(&why);
}

int main(void)
{
	const char *top = getenv("TOP");
	struct env v;
	struct sim_reply r = {BUF_INIT, BUF_INIT, 0};
	struct buf why = BUF_INIT;
	struct err e = {0};
	struct sim *s = NULL;

	top = top ? top : ".";
	if (private_dir("test-platform-cmds", "the platform's copies", root, sizeof root, &e) < 0) {
		ok(0, "a private directory: %s", e.msg);
		return tap_done();
	}
	if (fresh(&v, top, "main", NULL) < 0 || sim_open(&v.p, "0a", NULL, &s, &why) < 0) {
		ok(0, "the test platform opens: %s", why.data ? (char *)why.data : "");
	} else {
		ok(!sim_failed(s), "the test platform opens");
		test_observe(s, &r, &v);
		test_agents(s, &r);
		test_tools(s, &r);
		test_policy(s, &r, &v);
		test_tasks(s, &r);
		test_words(s, &r);
		ok(!sim_failed(s), "no command ran out of memory");
		sim_close(s);
	}
	test_replay(top);
	test_approval_decided(top, "stuck",
		"[{\"id\": \"stuck\", \"kind\": \"platform.approval_stuck\", \"at_s\": 600}]");
	test_approval_decided(top, "reviewing", NULL);
	test_loop_recovered(top);
	test_retry_runs_once(top);
	test_damaged(top);
	test_lua_memory(top);
	sim_reply_release(&r);
	buf_release(&why);
	if (remove_tree(root, &e) < 0)
		printf("# %s\n", e.msg);
	return tap_done();
}
