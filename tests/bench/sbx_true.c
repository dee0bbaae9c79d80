/* sbx_true: one sandbox launch of /bin/true with labrun's full
 * confinement (namespaces, layered root, pivot_root, rlimits, seccomp
 * with exec notification), then teardown.  The bench times many runs of
 * this program against bwrap doing the same; it is not a test. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/sandbox.h"

static int quiet(void *ctx, int64_t t, const void *d, size_t n)
{
	return 0;
}

int main(int argc, char **argv)
{
	char *av[] = {"/bin/true", NULL};
	char *ev[] = {"PATH=/usr/bin:/bin", NULL};
	struct sbx_hooks hooks = {.output = quiet, .input_fd = -1};
	struct sbx_config cfg = {0};
	struct sbx_outcome out;
	struct sbx *s;
	struct err e = {0};
	char wd[64], init[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: sbx_true LIBEXEC_DIR\n");
		return 2;
	}
	snprintf(wd, sizeof wd, "/run/labrun/bench-%d", (int)getpid());
	snprintf(init, sizeof init, "%s/labrun-init", argv[1]);
	cfg.workdir = wd;
	cfg.init_path = init;
	cfg.disk_mb = 16;
	cfg.inodes = 4096;
	cfg.nproc = 64;
	cfg.nofile = 256;
	cfg.width = 80;
	cfg.height = 24;
	if (sbx_create(&cfg, &s, &e) < 0) {
		fprintf(stderr, "sbx_true: %s\n", e.msg);
		return 3;
	}
	if (sbx_run(s, av, ev, 1, 10000, &hooks, &out, &e) < 0) {
		fprintf(stderr, "sbx_true: %s\n", e.msg);
		sbx_destroy(s);
		return 3;
	}
	sbx_destroy(s);
	return out.end == SBX_END_EXIT && out.exit_status == 0 ? 0 : 1;
}
