/* cmd_doctor: `labrun doctor [--json]`: what this host gives labrun's
 * sandbox, what each missing feature costs, and whether a session can be
 * made safe here.  The probes are hostinfo.c's; this file parses the
 * command line and prints.  It changes nothing on the host and fixes
 * nothing it finds. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "runner/cmd.h"
#include "sandbox/sandbox.h"

#define DOCTOR_WIDTH 80      /* columns: the report fits a classic terminal */
#define DOCTOR_NAME_COLS 21  /* the longest feature name (19) and two spaces */
#define DOCTOR_DETAIL_COL 27 /* the name column and a "here" column of 6 */

extern const char usage_doctor[];

const char usage_doctor[] =
	"usage: labrun doctor [--json]\n"
	"\n"
	"Probe what this host gives labrun's sandbox, each feature for real in\n"
	"a short-lived child process: root; user namespaces (with a session's\n"
	"id range mapped, and as an unprivileged user); pid, mount, net, ipc,\n"
	"uts, cgroup and time namespaces; seccomp user notification answered\n"
	"with CONTINUE; overlayfs (as root, and inside a user namespace);\n"
	"openat2 with RESOLVE_BENEATH; pidfd_open; close_range; the cgroup\n"
	"layout and its memory, pids and freezer controllers;\n"
	"dev.tty.legacy_tiocsti; the kernel.  Print one row per feature, what\n"
	"each missing one costs, and last \"sessions: safe here\" or\n"
	"\"sessions: cannot be made safe here: FEATURE...\".  Run as a user, it\n"
	"says what labrun cannot guarantee without root.  Nothing on the host\n"
	"is changed; docs/doctor.md describes every probe.\n"
	"\n"
	"options:\n"
	"      --json   print one JSON object: {\"safe\": BOOL, \"features\":\n"
	"               [{\"name\", \"present\" (true, false or null when it\n"
	"               could not be probed), \"detail\", \"cost\" (what its\n"
	"               absence costs), \"required\"}, ...]}\n"
	"  -h, --help   print this help\n"
	"\n"
	"exit status: 0 sessions can be made safe here; 2 usage; 3 they cannot\n"
	"(labrun is not root, or a required feature is missing or could not be\n"
	"probed), or a probe could not be started.\n";

enum { OPT_JSON = 256 };

/* Print text from column col, breaking at spaces before DOCTOR_WIDTH;
 * continuation lines start at column indent.  A word wider than a whole
 * line (a long path) is cut before a '/' where it can be.  Ends the line. */
static void wrap(const char *text, size_t col, size_t indent)
{
	const char *p = text, *end;
	size_t len, start = col, room, cut;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		end = strchr(p, ' ');
		len = end ? (size_t)(end - p) : strlen(p);
		if (col > start && col + 1 + len > DOCTOR_WIDTH &&
		    len <= DOCTOR_WIDTH - indent) {
			printf("\n%*s", (int)indent, "");
			col = start = indent;
		}
		if (col > start) {
			putchar(' ');
			col++;
		}
		while (col + len > DOCTOR_WIDTH && col + 1 < DOCTOR_WIDTH) {
			room = DOCTOR_WIDTH - col;
			for (cut = room - 1; cut > 0 && p[cut] != '/'; cut--)
				;
			if (cut == 0)
				cut = room;
			printf("%.*s\n%*s", (int)cut, p, (int)indent, "");
			p += cut;
			len -= cut;
			col = start = indent;
		}
		printf("%.*s", (int)len, p);
		col += len;
		p += len;
	}
	putchar('\n');
}

static const char *here(int state)
{
	return state == 1 ? "yes" : state == 0 ? "no" : "?";
}

/* The missing required features, comma-separated, into out. */
static void missing_list(const struct host_feature *v, size_t n, char *out,
			 size_t size)
{
	size_t i, len = 0;

	out[0] = 0;
	for (i = 0; i < n; i++)
		if (v[i].required && v[i].state != 1 && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
						len ? ", " : "", v[i].name);
}

/* Without root: what labrun cannot promise, and why it refuses. */
static void print_unprivileged(unsigned uid)
{
	char s[640];

	printf("\nwithout root (running as uid %u), labrun cannot guarantee:\n",
	       uid);
	snprintf(s, sizeof s,
		 "- that the candidate runs under ids of its own: only root "
		 "can map the 65536 ids a session gets; an unprivileged user "
		 "namespace maps uid %u alone, so outside the sandbox the "
		 "candidate's processes would be uid %u and could reach "
		 "whatever uid %u can", uid, uid, uid);
	printf("  ");
	wrap(s, 2, 4);
	snprintf(s, sizeof s,
		 "- that sessions are kept apart: every session would share "
		 "uid %u", uid);
	printf("  ");
	wrap(s, 2, 4);
	printf("  ");
	wrap("- the session's root as labrun builds it: the overlay, the "
	     "size-limited tmpfs layers and the read-only binds of /usr are "
	     "mounted as real root", 2, 4);
	wrap("That is why labrun has no unprivileged mode: `labrun run` refuses to "
	     "start a session unless it runs as root.  The candidate never "
	     "runs as real root: root only hands it an unprivileged id range "
	     "of its own.", 0, 0);
	snprintf(s, sizeof s,
		 "As uid %u, labrun can still validate and pack scenarios and "
		 "verify evidence: none of these runs a sandbox.", uid);
	wrap(s, 0, 0);
}

static void print_table(const struct host_feature *v, size_t n, int safe)
{
	char missing[512];
	size_t i;

	printf("labrun doctor: this host, probed as uid %u\n\n",
	       (unsigned)geteuid());
	printf("%-*s%-6s%s\n", DOCTOR_NAME_COLS, "feature", "here", "detail");
	for (i = 0; i < n; i++) {
		printf("%-*s%-6s", DOCTOR_NAME_COLS, v[i].name, here(v[i].state));
		wrap(v[i].detail[0] ? v[i].detail : "-", DOCTOR_DETAIL_COL,
		     DOCTOR_DETAIL_COL);
		if (v[i].state == 1 || !v[i].cost[0])
			continue;
		printf("%*s%s", DOCTOR_DETAIL_COL, "",
		       v[i].required ? "required: " : "optional: ");
		wrap(v[i].cost, DOCTOR_DETAIL_COL + 10, DOCTOR_DETAIL_COL);
	}
	if (geteuid() != 0)
		print_unprivileged((unsigned)geteuid());
	if (safe) {
		printf("sessions: safe here\n");
	} else {
		missing_list(v, n, missing, sizeof missing);
		printf("sessions: cannot be made safe here: %s\n", missing);
	}
}

/* Details and costs are printable ASCII (hostinfo.h); only quotes and
 * backslashes need escaping, the rest is belt and braces. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c < 0x80 ? c : '?');
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(const struct host_feature *v, size_t n, int safe)
{
	size_t i;

	printf("{\"safe\":%s,\"features\":[\n", safe ? "true" : "false");
	for (i = 0; i < n; i++) {
		printf("{\"name\":");
		json_str(v[i].name);
		printf(",\"present\":%s,\"detail\":",
		       v[i].state == 1 ? "true" : v[i].state == 0 ? "false"
		       : "null");
		json_str(v[i].detail);
		printf(",\"cost\":");
		json_str(v[i].cost);
		printf(",\"required\":%s}%s\n", v[i].required ? "true" : "false",
		       i + 1 < n ? "," : "");
	}
	printf("]}\n");
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cmd *c = cmd_find("doctor");
	struct host_feature *v = NULL;
	struct err e = {0};
	int json = 0, opt, safe;
	size_t n = 0;

	if (cmd_wants_help(c, argc, argv))
		return EXIT_YES;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON:
			json = 1;
			break;
		default:
			return cmd_bad_option(c, opt, argv);
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "no arguments expected ('%s' is extra)",
				       argv[optind]);
	fflush(NULL); /* the probes fork */
	if (hostinfo_probe(&v, &n, &e) < 0)
		return cmd_fail("doctor", &e);
	safe = hostinfo_safe(v, n);
	if (json)
		print_json(v, n, safe);
	else
		print_table(v, n, safe);
	hostinfo_free(v);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "labrun doctor: writing the output failed\n");
		return EXIT_HOST;
	}
	return safe ? EXIT_YES : EXIT_HOST;
}
