/* fuzz_plan: the fault plan and its variants, as `labrun validate` checks
 * them: the kinds table's checks of $.faults (runner/faultkinds.c) and
 * scenario.c's of $.variants (every variant's plan checked as a plan),
 * then agentd's own check of the platform faults
 * (sim_check, against a small platform written once to a private
 * temporary directory).  The fixed part of scenario.json is a valid
 * manifest with two services, agentd and a shell service, and a tree with
 * files for the faults to name; the input is the rest of its object, such
 * as "faults": [...], "variants": [...], after a first byte that chooses
 * the variant to load as well (modulo their number).  So the fuzzer's
 * time goes to the plan, not to the rest of the manifest (fuzz_scenario's).
 *
 * A load must succeed with no problem or fail with problems, never crash,
 * hang or leak; every problem is one printable line.  What a load accepts
 * is a plan docs/faults.md allows (ids unique, kinds known, paths
 * absolute, process faults on a service of the scenario, the platform's
 * faults gathered for the agentd service), and each variant, loaded on its
 * own, has the same faults with the same ids and kinds. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/utf8.h"
#include "base/util.h"
#include "runner/scenario.h"
#include "runner/tarball.h"
#include "scenarios/platform/sim.h"
#include "tests/fuzz/printable.h"
#include "tests/fuzz/scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char prefix[] =
	"{\"schema\": 1, \"id\": \"fuzz\", \"version\": \"1.0.0\", \"title\": \"Fuzz\",\n"
	" \"level\": \"foundation\", \"competencies\": [\"fuzzing\"],\n"
	" \"platform\": \"" SIM_PLATFORM "\", \"grader_api\": 1, \"pass_mark\": 800,\n"
	" \"time_limit_s\": 1800, \"valid_for_days\": 365,\n"
	" \"services\": [{\"name\": \"agentd\", \"argv\": [\"" SCENARIO_AGENTD "\"]},\n"
	"              {\"name\": \"web\", \"argv\": [\"/bin/sh\", \"/srv/run.sh\"],\n"
	"               \"owns\": [\"/srv/data\"], \"restart\": \"always\"}],\n";

/* The tree around scenario.json: what the faults can name. */
static const struct {
	const char *name;
	const char *data; /* NULL: a directory */
} tree[] = {
	{"brief.md", "# Fuzz\n\nRepair the system.\n"},
	{"faults", NULL},
	{"faults/policy-v7.json", "{\"version\": 7}\n"},
	{"grader", NULL},
	{"grader/grade.lua", "return {}\n"},
	{"solutions", NULL},
	{"solutions/reference.sh", "#!/bin/sh\ntrue\n"},
	{"system", NULL},
	{"system/etc", NULL},
	{"system/etc/app", NULL},
	{"system/etc/app/policy.json", "{\"version\": 6}\n"},
	{"system/srv", NULL},
	{"system/srv/data", NULL},
	{"system/srv/data/db", "rows\n"},
	{"system/srv/run.sh", "#!/bin/sh\nexec sleep 1000\n"},
};

/* A platform for sim_check: tests/fixtures/platform's, smaller. */
static const char platform_json[] =
	"{\"platform\": \"" SIM_PLATFORM "\", \"start\": \"2026-03-12T13:00:00Z\",\n"
	" \"history_s\": 600, \"task_interval_s\": 60, \"command_s\": 5, \"review_s\": 300,\n"
	" \"models\": [{\"id\": \"planner\", \"versions\": [{\"id\": \"2026-01\", \"quality\": 995},\n"
	"   {\"id\": \"2026-03\", \"quality\": 550}], \"active\": \"2026-01\"}],\n"
	" \"tools\": [{\"id\": \"web.fetch\", \"latency_ms\": 120, \"timeout_ms\": 2000, \"retries\": 2,\n"
	"   \"fallback\": \"cache.fetch\"}, {\"id\": \"cache.fetch\", \"latency_ms\": 10},\n"
	"   {\"id\": \"payments.refund\", \"latency_ms\": 300, \"side_effect\": true}],\n"
	" \"agents\": [{\"id\": \"researcher-1\", \"role\": \"researcher\", \"model\": \"planner\",\n"
	"   \"tools\": [\"web.fetch\"]}, {\"id\": \"support-1\", \"role\": \"support\",\n"
	"   \"model\": \"planner\", \"tools\": [\"payments.refund\"]}],\n"
	" \"workload\": [{\"id\": \"research\", \"role\": \"researcher\", \"weight\": 1,\n"
	"   \"steps\": [\"web.fetch\"]}],\n"
	" \"policy\": 1,\n"
	" \"secrets\": [{\"id\": \"payments-api-key\", \"tool\": \"payments.refund\"}]}\n";
static const char policy_v1[] =
	"{\"version\": 1, \"default\": \"deny\", \"rules\": [{\"id\": \"allow-all\",\n"
	" \"effect\": \"allow\", \"roles\": [\"*\"], \"tools\": [\"*\"]}]}\n";
static const char policy_v2[] =
	"{\"version\": 2, \"default\": \"deny\", \"rules\": [{\"id\": \"deny-fetch\",\n"
	" \"effect\": \"deny\", \"roles\": [\"*\"], \"tools\": [\"web.fetch\"]}]}\n";

static char dir[64], config[96];
/* The tree, made once; scenario.json's bytes are each input's. */
static struct tar_list files = {NULL, 0, 0};
static struct tar_entry *manifest_entry;

static void cleanup(void)
{
	struct err e;

	remove_tree(dir, &e);
	tar_list_release(&files);
}

static void put(const char *rel, const char *text)
{
	char path[160];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0 || close(fd) < 0)
		abort();
}

static void setup(void)
{
	char policies[96];
	struct err e;
	size_t i;

	scratch_dir(dir, sizeof dir, "fuzz-plan");
	atexit(cleanup);
	snprintf(policies, sizeof policies, "%s/policies", dir);
	if (mkdir(policies, 0700) < 0)
		abort();
	put("platform.json", platform_json);
	put("policies/v1.json", policy_v1);
	put("policies/v2.json", policy_v2);
	snprintf(config, sizeof config, "%s/platform.json", dir);
	if (tar_list_add_file(&files, "scenario.json", 0644, "", 0, &e) < 0)
		abort();
	for (i = 0; i < sizeof tree / sizeof *tree; i++)
		if ((tree[i].data ? tar_list_add_file(&files, tree[i].name, 0644, tree[i].data,
						      strlen(tree[i].data), &e)
				  : tar_list_add_dir(&files, tree[i].name, &e)) < 0)
			abort();
	tar_list_sort(&files);
	for (i = 0; i < files.n; i++)
		if (!strcmp(files.v[i].name, "scenario.json"))
			manifest_entry = &files.v[i];
}

/* ^[a-z0-9][a-z0-9._-]{0,63}$ */
static int fault_id(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      (i && strchr("._-", s[i]))))
			return 0;
	return 1;
}

/* What a load accepted is a plan docs/faults.md allows. */
static void plan_or_die(const struct scenario *s)
{
	size_t i, j, nplatform = 0;
	json_error_t je;
	json_t *v;

	if (s->nfaults > SCENARIO_MAX_FAULTS || s->nservices != 2 ||
	    (s->nvariants && (s->nvariants < 2 || s->nvariants > SCENARIO_MAX_VARIANTS)))
		abort();
	for (i = 0; i < s->nfaults; i++) {
		const struct fault *f = &s->faults[i];

		if (!f->id || !fault_id(f->id) || (unsigned)f->kind > FAULT_PROCESS_CRASHLOOP)
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(s->faults[j].id, f->id))
				abort();
		if (fault_is_file(f->kind) && (!f->path || f->path[0] != '/'))
			abort();
		if (f->kind == FAULT_FILE_REPLACE && (!f->from || strncmp(f->from, "faults/", 7)))
			abort();
		if (fault_is_process(f->kind) &&
		    (!f->service || (strcmp(f->service, "agentd") && strcmp(f->service, "web"))))
			abort();
		if (fault_is_syscall(f->kind) && !f->call)
			abort();
		if (f->kind == FAULT_PLATFORM) {
			nplatform++;
			if (!f->platform_kind || strncmp(f->platform_kind, "platform.", 9) ||
			    !sim_fault_known(f->platform_kind) || !f->platform_json)
				abort();
			v = json_loads(f->platform_json, 0, &je);
			if (!json_is_object(v))
				abort();
			json_decref(v);
		}
	}
	if (!nplatform != !s->platform_faults || (nplatform && s->platform_service != 0))
		abort();
	if (nplatform) {
		v = json_loads(s->platform_faults, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_array(v) || json_array_size(v) != nplatform)
			abort();
		json_decref(v);
	}
}

/* agentd's check of the platform faults: a count of problems, one a
 * line; a clock skew it accepts is a non-zero offset within a day
 * (docs/platform.md). */
static void platform_check(const char *faults)
{
	struct buf why = BUF_INIT;
	json_t *plan, *f;
	json_int_t ms;
	size_t i, lines = 0;
	int n;

	if (!faults)
		return;
	n = sim_check(config, faults, &why);
	for (i = 0; i < why.len; i++)
		lines += why.data[i] == '\n';
	if (n < 0 || (size_t)n != lines || (why.len && why.data[why.len - 1] != '\n'))
		abort();
	buf_release(&why);
	if (n)
		return;
	plan = json_loads(faults, 0, NULL);
	json_array_foreach(plan, i, f) {
		if (strcmp(json_string_value(json_object_get(f, "kind")), "platform.clock_skew"))
			continue;
		ms = json_integer_value(json_object_get(f, "offset_ms"));
		if (ms == 0 || ms < -86400000 || ms > 86400000)
			abort();
	}
	json_decref(plan);
}

static int load(const struct tar_list *l, size_t variant, struct scenario *s)
{
	struct problems p = {NULL, 0, 0};
	struct err e;
	size_t i;
	int rc;

	memset(s, 0xa5, sizeof *s);
	rc = scenario_load_variant(l, JSON_MAX_DEPTH, variant, s, &p, &e);
	if (rc < 0) {
		if (s->id || s->faults || s->variants || s->platform_faults)
			abort();
		if ((!p.n && e.kind != ERR_HOST) || p.n > PROBLEMS_MAX + 1)
			abort();
		for (i = 0; i < p.n; i++)
			if (!printable(p.v[i]))
				abort();
	} else if (p.n || s->variant != variant) {
		abort();
	}
	problems_release(&p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct tar_list *l = &files;
	struct buf manifest = BUF_INIT;
	unsigned char *fixed;
	struct scenario s, t;
	struct err e;
	size_t i, v;

	if (size == 0)
		return 0;
	if (!config[0])
		setup();
	if (buf_append(&manifest, prefix, sizeof prefix - 1, &e) < 0 ||
	    buf_append(&manifest, data + 1, size - 1, &e) < 0 ||
	    buf_append(&manifest, "}\n", 2, &e) < 0)
		abort();
	fixed = manifest_entry->data;
	manifest_entry->data = manifest.data;
	manifest_entry->len = manifest.len;
	if (load(l, SIZE_MAX, &s) == 0) {
		plan_or_die(&s);
		platform_check(s.platform_faults);
		if (s.nvariants) {
			/* checked with the base: each variant loads on its own */
			v = data[0] % s.nvariants;
			if (load(l, v, &t) < 0 || t.nfaults != s.nfaults ||
			    t.nvariants != s.nvariants)
				abort();
			for (i = 0; i < s.nfaults; i++)
				if (strcmp(s.faults[i].id, t.faults[i].id) ||
				    s.faults[i].kind != t.faults[i].kind)
					abort();
			plan_or_die(&t);
			platform_check(t.platform_faults);
			scenario_release(&t);
		}
		scenario_release(&s);
	}
	manifest_entry->data = fixed;
	manifest_entry->len = 0;
	buf_release(&manifest);
	return 0;
}
