/* test_config: the exam host's configuration file (runner/config.c):
 * config_parse on good and bad text, and config_load over a file, which
 * must read the same as its text parsed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/config.h"
#include "tests/unit/tap.h"

static int parse(const char *text, struct config *c, struct err *e)
{
	return config_parse("t.conf", text, strlen(text), c, e);
}

static void test_good(void)
{
	struct config c, d;
	struct err e;

	config_defaults(&d);
	ok(parse("", &c, &e) == 0 && !memcmp(&c, &d, sizeof c),
	   "an empty file gives the defaults");
	ok(parse("# only a comment\n\n   \t\n", &c, &e) == 0 && !memcmp(&c, &d, sizeof c),
	   "comments and blank lines change nothing");
	ok(parse(" trust = /etc/labrun/trust \t# the authors\r\nmax_time_s=600\nkey =/k", &c, &e) == 0 &&
	   !strcmp(c.trust, "/etc/labrun/trust") && c.max_time_s == 600 && !strcmp(c.key, "/k"),
	   "blanks, a comment, CRLF and a last line without a newline");
	ok(c.max_memory_mb == d.max_memory_mb && !c.source[0],
	   "keys not named keep their defaults; no source for text");
	ok(!d.registry[0] && parse("registry = /var/lib/labrun/registry\n", &c, &e) == 0 &&
	   !strcmp(c.registry, "/var/lib/labrun/registry"),
	   "registry: none by default, an absolute path when set");
	ok(parse("registry = reg\n", &c, &e) < 0 && strstr(e.msg, "line 1: registry: an absolute path"),
	   "registry: a relative path is refused");
}

static void test_bad(void)
{
	struct config c;
	struct err e;
	char big[CONFIG_MAX_BYTES + 2];

	memset(&c, 0x5a, sizeof c);
	ok(parse("trust = relative\n", &c, &e) < 0 && e.kind == ERR_REFUSED &&
	   strstr(e.msg, "t.conf: line 1: trust: an absolute path") &&
	   ((unsigned char *)&c)[0] == 0x5a, "a relative path, and out is untouched");
	ok(parse("\nmax_cpu_s = 0\n", &c, &e) < 0 && strstr(e.msg, "t.conf: line 2: max_cpu_s"),
	   "a number below its minimum names its line");
	ok(parse("max_time_s = 999999999999\n", &c, &e) < 0 && strstr(e.msg, "is not a number"),
	   "a number past labrun's maximum is refused, not cut");
	ok(parse("colour = blue\n", &c, &e) < 0 && strstr(e.msg, "unknown key \"colour\""),
	   "an unknown key");
	ok(parse("just words\n", &c, &e) < 0 && strstr(e.msg, "not \"key = value\""),
	   "a line without =");
	ok(config_parse("t.conf", "key = /k\0x\n", 10, &c, &e) < 0 && strstr(e.msg, "a NUL byte"),
	   "a NUL byte");
	memset(big, '#', sizeof big);
	ok(config_parse("t.conf", big, sizeof big, &c, &e) < 0 && strstr(e.msg, "too large"),
	   "more than CONFIG_MAX_BYTES");
}

static void test_load(void)
{
	static const char text[] = "trust = /t\nmax_processes = 64\n";
	char dir[] = "/tmp/labrun-config-XXXXXX", path[64];
	struct config a, b;
	struct err e;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		exit(1);
	}
	snprintf(path, sizeof path, "%s/labrun.conf", dir);
	ok(config_load(path, 0, &a, &e) == 0 && !a.source[0], "a missing default file: the defaults");
	ok(config_load(path, 1, &a, &e) < 0, "a missing file named with --config is an error");
	if (write_file_atomic(path, text, strlen(text), 0644, &e) < 0) {
		printf("Bail out! %s\n", e.msg);
		exit(1);
	}
	ok(config_load(path, 1, &a, &e) == 0 && !strcmp(a.source, path),
	   "a file is read, and its path is the source");
	ok(parse(text, &b, &e) == 0, "its text parses");
	memcpy(b.source, path, strlen(path) + 1);
	ok(!memcmp(&a, &b, sizeof a), "the file reads as its text parsed");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_good();
	test_bad();
	test_load();
	return tap_done();
}
