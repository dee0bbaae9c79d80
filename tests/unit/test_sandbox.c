/* test_sandbox: the sandbox module alone, live: output through the pty,
 * the exec and exit hooks, exit statuses, the wall-clock limit, a hook
 * that stops a session, a program that cannot start, daemons left behind,
 * the writable layer, and teardown; the argv of an exec as read from the
 * caller's memory, at its bounds (too many arguments, too many bytes, an
 * argument longer than the first bytes read at once).  Needs root and a built labrun-init
 * ($BUILD/libexec/labrun).  The lab channel's framing (sbx_lab_parse) and
 * the rule for a candidate's terminal size (sbx_term_size) are tested
 * first, without a sandbox. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox/sandbox.h"
#include "tests/unit/tap.h"

struct seen {
	struct buf out;
	int execs;
	int saw_cat;
	int exits;
	int last_code;
	int stop_after; /* output bytes before asking to stop; 0: never */
	int started_cat; /* cat's command line seen at its first call */
	/* execs of /bin/true: argc, cut, length of argv[1], last argument */
	int ntrue;
	struct {
		size_t argc, len1;
		int cut, path_ok, fill_ok;
		char last[16];
	} tr[4];
};

/* The test run's own state directory (tests/run.sh sets it), made 0711 as
 * labrun makes its own, else labrun's default. */
static const char *state_dir(void)
{
	static int made;
	const char *d = getenv("LABRUN_STATE_DIR");
	struct err e;

	if (!d || d[0] != '/')
		d = "/run/labrun";
	if (!made) {
		made = 1;
		if (mkdir_p(d, 0711, &e) < 0 || chmod(d, 0711) < 0)
			printf("# %s: cannot make it\n", d);
	}
	return d;
}

static int on_output(void *ctx, int64_t t, const void *d, size_t n)
{
	struct seen *s = ctx;

	buf_append(&s->out, d, n, NULL);
	return s->stop_after && s->out.len >= (size_t)s->stop_after;
}

static int on_exec(void *ctx, int64_t t, const struct sbx_exec *x)
{
	struct seen *s = ctx;

	s->execs++;
	if (x->argv[0] && !strcmp(x->argv[0], "/bin/true") && s->ntrue < 4) {
		size_t n = 0, k;
		int fill = 1;

		while (x->argv[n])
			n++;
		s->tr[s->ntrue].argc = n;
		s->tr[s->ntrue].cut = x->argv_truncated;
		s->tr[s->ntrue].path_ok = x->path && !strcmp(x->path, "/bin/true");
		s->tr[s->ntrue].len1 = n > 1 ? strlen(x->argv[1]) : 0;
		/* argv[1], when long, is one letter repeated */
		for (k = 0; n > 1 && x->argv[1][k]; k++)
			fill = fill && x->argv[1][k] == x->argv[1][0];
		s->tr[s->ntrue].fill_ok = fill;
		snprintf(s->tr[s->ntrue].last, sizeof s->tr[s->ntrue].last, "%s",
			 x->argv[n - 1]);
		s->ntrue++;
	}
	if (x->argv[0] && !strcmp(x->argv[0], "cat") && x->argv[1] &&
	    !strcmp(x->argv[1], "/etc/hostname") && x->pid > 1)
		s->saw_cat = 1;
	return 0;
}

static int on_exit_code(void *ctx, int64_t t, int host_pid, int code)
{
	struct seen *s = ctx;

	s->exits++;
	s->last_code = code;
	return 0;
}

static int on_started(void *ctx, int64_t t, int host_pid, const char *cmdline,
		      size_t len, int cut)
{
	struct seen *s = ctx;

	if (len > 4 && !strcmp(cmdline, "cat"))
		s->started_cat = 1;
	return 0;
}

static char libexec[4096], init_path[4200];
static int counter;

static int session(const char *script, unsigned wall_ms, struct seen *s,
		   struct sbx_outcome *out, int keep_upper_check)
{
	char *argv[] = {"/bin/bash", "--noprofile", "--norc", "-c",
			(char *)script, NULL};
	char *envp[] = {"PATH=/usr/bin:/bin", "HOME=/home/candidate", NULL};
	struct sbx_hooks h = {.ctx = s, .output = on_output, .exec = on_exec,
			      .exited = on_exit_code, .started = on_started,
			      .input_fd = -1};
	struct sbx_config cfg = {0};
	struct sbx *sb;
	struct err e = {0};
	char wd[256];
	struct stat st;
	int rc;

	snprintf(wd, sizeof wd, "%s/test-sandbox-%d-%d", state_dir(), (int)getpid(),
		 counter++);
	cfg.workdir = wd;
	cfg.state_dir = state_dir();
	cfg.tools_dir = NULL;
	cfg.init_path = init_path;
	cfg.disk_mb = 8;
	cfg.inodes = 2048;
	cfg.nproc = 64;
	cfg.nofile = 256;
	cfg.width = 80;
	cfg.height = 24;
	if (sbx_create(&cfg, &sb, &e) < 0) {
		printf("# sbx_create: %s\n", e.msg);
		return -1;
	}
	rc = sbx_run(sb, argv, envp, 1, wall_ms, &h, out, &e);
	if (rc < 0)
		printf("# sbx_run: %s\n", e.msg);
	if (rc == 0 && keep_upper_check) {
		int up = sbx_open_upper(sb, &e);

		ok(up >= 0 && fstatat(up, "home/candidate/made-here", &st,
				      AT_SYMLINK_NOFOLLOW) == 0 &&
			   S_ISREG(st.st_mode),
		   "a file the candidate wrote is in the writable layer");
		if (up >= 0)
			close(up);
	}
	sbx_destroy(sb);
	ok(stat(wd, &st) < 0 && errno == ENOENT, "the work area is gone");
	return rc;
}

/* One lab request of len bytes, parsed as the supervisor would. */
static enum sbx_lab_kind lab_parse(const char *in, size_t len,
				   struct sbx_lab_request *req, char *buf)
{
	memcpy(buf, in, len);
	req->line = req->name = NULL;
	return sbx_lab_parse(buf, len, req);
}

static void test_lab_parse(void)
{
	char buf[SBX_LAB_MAX + 1], in[SBX_LAB_MAX + 1];
	struct sbx_lab_request r;

	ok(lab_parse("services\n", 9, &r, buf) == SBX_LAB_SERVICES &&
	   !strcmp(r.line, "services") && !r.name, "lab: services");
	ok(lab_parse("service web\n", 12, &r, buf) == SBX_LAB_SERVICE &&
	   !strcmp(r.name, "web"), "lab: service NAME");
	ok(lab_parse("restart web\nhint\n", 17, &r, buf) == SBX_LAB_RESTART &&
	   !strcmp(r.name, "web"), "lab: restart NAME; what follows the line is ignored");
	ok(lab_parse("services \n", 10, &r, buf) == SBX_LAB_SESSION &&
	   !strcmp(r.line, "services "), "lab: anything else is the session's");
	ok(lab_parse("sub\0mit\n", 8, &r, buf) == SBX_LAB_SESSION && !strcmp(r.line, "sub"),
	   "lab: a NUL ends the request as the session sees it");
	ok(lab_parse("hint", 4, &r, buf) == SBX_LAB_MORE && !r.line,
	   "lab: no newline yet, read on");
	memset(in, 'a', sizeof in);
	ok(lab_parse(in, SBX_LAB_MAX, &r, buf) == SBX_LAB_TOO_LONG && !r.line,
	   "lab: SBX_LAB_MAX bytes without a newline is refused");
	in[SBX_LAB_MAX - 1] = '\n';
	ok(lab_parse(in, SBX_LAB_MAX, &r, buf) == SBX_LAB_SESSION &&
	   strlen(r.line) == SBX_LAB_MAX - 1, "lab: the longest line there can be");
}

/* A candidate's terminal size: theirs, bounded, or 80x24 without one. */
static void test_term_size(void)
{
	struct winsize ws = {0};
	unsigned w = 0, h = 0;
	int fds[2], m, sl = -1;

	if (pipe(fds) == 0) {
		sbx_term_size(fds[0], &w, &h);
		ok(w == SBX_TERM_COLS && h == SBX_TERM_ROWS,
		   "no terminal: 80x24 (%ux%u)", w, h);
		close(fds[0]);
		close(fds[1]);
	}
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 ||
	    (sl = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		ok(0, "a pseudo-terminal for the size tests: %s", strerror(errno));
		if (m >= 0)
			close(m);
		return;
	}
	ioctl(m, TIOCSWINSZ, &ws);
	sbx_term_size(sl, &w, &h);
	ok(w == SBX_TERM_COLS && h == SBX_TERM_ROWS,
	   "a terminal that reports no size: 80x24 (%ux%u)", w, h);
	ws.ws_col = 132;
	ws.ws_row = 40;
	ioctl(m, TIOCSWINSZ, &ws);
	sbx_term_size(sl, &w, &h);
	ok(w == 132 && h == 40, "a terminal's own size (%ux%u)", w, h);
	ws.ws_col = 60000;
	ws.ws_row = 10;
	ioctl(m, TIOCSWINSZ, &ws);
	sbx_term_size(sl, &w, &h);
	ok(w == SBX_TERM_MAX && h == 10, "at most SBX_TERM_MAX a side (%ux%u)", w, h);
	close(sl);
	close(m);
}

int main(void)
{
	struct sbx_outcome out;
	struct seen s;
	const char *b = getenv("BUILD");
	int64_t t0;

	if (geteuid() != 0) {
		printf("1..0 # SKIP sessions need root\n");
		return 0;
	}
	test_lab_parse();
	test_term_size();
	snprintf(libexec, sizeof libexec, "%s/libexec/labrun", b ? b : "build");
	snprintf(init_path, sizeof init_path, "%s/labrun-init", libexec);

	memset(&s, 0, sizeof s);
	ok(session("echo hello; id -u; cat /etc/hostname; exit 7", 10000, &s,
		   &out, 0) == 0, "a session runs");
	ok(out.end == SBX_END_EXIT && out.exit_status == 7,
	   "its exit status comes back (%d)", out.exit_status);
	ok(s.out.data && strstr((char *)s.out.data, "hello\r\n"),
	   "output comes through the terminal");
	ok(s.out.data && strstr((char *)s.out.data, "1000\r\n"),
	   "the candidate is uid 1000 inside");
	ok(s.out.data && strstr((char *)s.out.data, "lab\r\n"),
	   "the hostname is the sandbox's");
	ok(s.execs >= 3 && s.saw_cat, "execs are reported with argv and pid (%d)",
	   s.execs);
	ok(s.exits >= 2 && s.last_code == 7, "exit statuses are reported");
	ok(s.started_cat, "a program's command line is reported at its first call");
	buf_release(&s.out);

	/* The argv as read at the exec, at its bounds: 256 arguments kept
	 * of 303; 8192 bytes kept (the long one cut, nothing after it); an
	 * argument longer than the first bytes read at once, whole. */
	memset(&s, 0, sizeof s);
	ok(session("/bin/true a bb $(seq 300); "
		   "/bin/true $(printf '%9000s' | tr ' ' x) y; "
		   "/bin/true $(printf '%3000s' | tr ' ' z) end; exit 0",
		   10000, &s, &out, 0) == 0 && out.end == SBX_END_EXIT &&
	   s.ntrue == 3, "a session of long command lines runs (%d)", s.ntrue);
	ok(s.tr[0].argc == 256 && s.tr[0].cut && s.tr[0].path_ok &&
		   !strcmp(s.tr[0].last, "253"),
	   "too many arguments: the first 256 are kept, and the cut said "
	   "(%zu, %d, last %s)", s.tr[0].argc, s.tr[0].cut, s.tr[0].last);
	ok(s.tr[1].argc == 2 && s.tr[1].cut && s.tr[1].len1 == 8192 - 11 &&
		   s.tr[1].fill_ok,
	   "too many bytes: the argument is cut at the bound, and the cut "
	   "said (%zu, %d, %zu)", s.tr[1].argc, s.tr[1].cut, s.tr[1].len1);
	ok(s.tr[2].argc == 3 && !s.tr[2].cut && s.tr[2].len1 == 3000 &&
		   s.tr[2].fill_ok && !strcmp(s.tr[2].last, "end"),
	   "a long argument is read whole (%zu, %d, %zu, %s)", s.tr[2].argc,
	   s.tr[2].cut, s.tr[2].len1, s.tr[2].last);
	buf_release(&s.out);

	memset(&s, 0, sizeof s);
	t0 = time_mono_ms();
	ok(session("sleep 100", 300, &s, &out, 0) == 0 &&
		   out.end == SBX_END_TIMEOUT,
	   "the wall-clock limit ends a session");
	ok(time_mono_ms() - t0 < 5000, "and promptly");
	buf_release(&s.out);

	memset(&s, 0, sizeof s);
	s.stop_after = 1000;
	ok(session("yes", 10000, &s, &out, 0) == 0 && out.end == SBX_END_HOOK,
	   "a hook can stop a session (an output cap)");
	buf_release(&s.out);

	memset(&s, 0, sizeof s);
	t0 = time_mono_ms();
	ok(session("(setsid sleep 100 &) ; sleep 100 & touch ~/made-here; exit 0",
		   10000, &s, &out, 1) == 0 && out.end == SBX_END_EXIT,
	   "daemons left behind do not keep a session alive");
	ok(time_mono_ms() - t0 < 5000, "the session ended when the shell did");
	buf_release(&s.out);

	memset(&s, 0, sizeof s);
	{
		char *argv[] = {"/nonexistent/program", NULL};
		char *envp[] = {NULL};
		struct sbx_hooks h = {.ctx = &s, .output = on_output,
				      .exec = on_exec, .exited = on_exit_code,
				      .started = on_started, .input_fd = -1};
		struct sbx_config cfg = {0};
		struct sbx *sb;
		struct err e = {0};
		char wd[256];

		snprintf(wd, sizeof wd, "%s/test-sandbox-%d-x", state_dir(),
			 (int)getpid());
		cfg.workdir = wd;
		cfg.state_dir = state_dir();
		cfg.init_path = init_path;
		cfg.disk_mb = 8;
		cfg.inodes = 2048;
		cfg.width = 80;
		cfg.height = 24;
		ok(sbx_create(&cfg, &sb, &e) == 0 &&
			   sbx_run(sb, argv, envp, 1, 5000, &h, &out, &e) == 0 &&
			   out.end == SBX_END_ERROR &&
			   strstr(out.error, "/nonexistent/program"),
		   "a program that cannot start is an error, named (%s)",
		   out.error);
		sbx_destroy(sb);
	}
	buf_release(&s.out);
	return tap_done();
}
