/* fuzz_registry_log: registry_open (runner/registry.c) on an arbitrary
 * log.jsonl beside a fixed registry.json, in a private directory made
 * once: the replay must refuse (ERR_REFUSED, naming the line) or give a
 * state whose invariants hold: a current key, indices 1..n in order,
 * statuses from the three known, bound credentials unique.  Seeds
 * (tests/fuzz/corpus/registry_log/): real logs, with issues, a
 * revocation, a suspension, a rotation and a compromise; their lines are
 * signed by keys the logs themselves add, so mutations reach past the
 * signatures only when they keep them, and the chain and JSON checks
 * otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/registry.h"
#include "tests/fuzz/scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[96];

static void cleanup(void)
{
	struct err e;

	if (dir[0])
		remove_tree(dir, &e);
}

static const char config[] =
	"{\n  \"base_url\": \"https://certs.example.org\",\n"
	"  \"did\": \"did:web:certs.example.org\",\n"
	"  \"list_size\": 131072,\n  \"schema\": \"labrun.registry/1\"\n}\n";

static void check_state(const struct registry *r)
{
	size_t i, j, cur = 0;

	if (registry_nkeys(r) < 1 || !registry_current_key(r) || registry_nlines(r) < 2)
		abort();
	for (i = 0; i < registry_nkeys(r); i++)
		cur += registry_key(r, i)->current != 0;
	if (cur != 1)
		abort();
	for (i = 0; i < registry_nentries(r); i++) {
		const struct registry_entry *n = registry_entry(r, i);

		if (n->index != i + 1 || registry_find_index(r, n->index) != n)
			abort();
		if (strcmp(n->status, "active") && strcmp(n->status, "revoked") &&
		    strcmp(n->status, "suspended"))
			abort();
		if (!n->credential[0] && strcmp(n->status, "active"))
			abort();
		for (j = 0; n->credential[0] && j < i; j++)
			if (!strcmp(registry_entry(r, j)->credential, n->credential))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct registry *r = NULL;
	char path[sizeof dir + 32];
	struct err e;

	if (!dir[0]) {
		scratch_dir(dir, sizeof dir, "fuzz-registry");
		atexit(cleanup);
		snprintf(path, sizeof path, "%s/%s", dir, REG_CONFIG);
		if (write_file_atomic(path, config, sizeof config - 1, 0600, &e) < 0)
			abort();
	}
	/* Replaced, not made durable: an fsync per input would be most of
	 * the run (registry_open only reads). */
	snprintf(path, sizeof path, "%s/%s", dir, REG_LOG);
	if (write_file_replace(path, data, size, 0600, &e) < 0)
		abort();
	if (registry_open(dir, &r, &e) == 0) {
		check_state(r);
		registry_close(r);
	} else if (e.kind != ERR_REFUSED) {
		abort();
	}
	return 0;
}
