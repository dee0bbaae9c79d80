/* fuzz_tar_read: tar_read over arbitrary bytes with the default limits.  It
 * must refuse or accept, never crash, hang or leak; what it accepts must
 * hold only safe names and survive a canonical write and a second read
 * unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/tarball.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_die(const struct tar_list *a, const struct tar_list *b)
{
	size_t i;

	if (a->n != b->n)
		abort();
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) ||
		    a->v[i].is_dir != b->v[i].is_dir ||
		    a->v[i].mode != b->v[i].mode || a->v[i].len != b->v[i].len ||
		    (a->v[i].len &&
		     memcmp(a->v[i].data, b->v[i].data, a->v[i].len)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tar_limits lim = {
		BUNDLE_MAX_ENTRIES, BUNDLE_MAX_FILE, BUNDLE_MAX_TOTAL};
	struct tar_list l = {NULL, 0, 0}, again = {NULL, 0, 0};
	struct buf out = BUF_INIT;
	struct err e;
	size_t i;

	if (tar_read(data, size, "fuzz", &lim, &l, &e) < 0) {
		if (e.kind != ERR_REFUSED && e.kind != ERR_HOST)
			abort();
		return 0;
	}
	for (i = 0; i < l.n; i++)
		if (tar_name_check(l.v[i].name, &e) < 0 ||
		    (i && strcmp(l.v[i - 1].name, l.v[i].name) >= 0))
			abort();
	if (tar_write(&l, &out, &e) < 0 ||
	    tar_read(out.data, out.len, "fuzz again", &lim, &again, &e) < 0)
		abort();
	same_or_die(&l, &again);
	buf_release(&out);
	tar_list_release(&again);
	tar_list_release(&l);
	return 0;
}
