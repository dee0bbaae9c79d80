/* main: labrun's entry point: finds the command and runs it.  Nothing else
 * happens here. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/version.h"
#include "runner/cmd.h"

int main(int argc, char **argv)
{
	const struct cmd *c;

	/* libarchive needs a UTF-8 character type for non-ASCII names. */
	setlocale(LC_CTYPE, "C.UTF-8");
	if (argc < 2) {
		cmd_print_list();
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		cmd_printf(stdout, "labrun %s\n", LABRUN_VERSION);
		return EXIT_YES;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	c = cmd_find(argv[1]);
	if (!c) {
		cmd_printf(stderr, "labrun: %s: no such command\n", argv[1]);
		cmd_print_list();
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
