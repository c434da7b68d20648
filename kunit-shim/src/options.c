// SPDX-License-Identifier: MIT
/* Command line of a KUnit test program. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kunit_internal.h"

#define MAX_GLOBS 64

static void print_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--list] [--no-fork] [--help] [GLOB...]\n"
		"Runs the KUnit suites in this program and prints KTAP.\n"
		"\n"
		"  GLOB       select tests as kunit.filter_glob does:\n"
		"             'suite_glob' or 'suite_glob.case_glob', with\n"
		"             '*' and '?' wildcards (also --filter=GLOB;\n"
		"             default from $KUNIT_FILTER_GLOB)\n"
		"  --list     print the selected tests as suite.case and exit\n"
		"  --no-fork  run cases in this process (for debuggers); a\n"
		"             crashing case then ends the whole run\n"
		"  --help     print this text\n"
		"\n"
		"Exit status is 1 when any case fails, 2 on a usage error.\n",
		prog);
}

int kunit_run_main(int argc, char **argv)
{
	const char *globs[MAX_GLOBS];
	struct kunit_run_options options = {.fork_cases = true};
	const char *env_glob = getenv("KUNIT_FILTER_GLOB");
	bool list = false;
	size_t count = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *glob = NULL;

		if (strcmp(arg, "--list") == 0) {
			list = true;
		} else if (strcmp(arg, "--no-fork") == 0) {
			options.fork_cases = false;
		} else if (strcmp(arg, "--help") == 0 ||
			   strcmp(arg, "-h") == 0) {
			print_usage(stdout, argv[0]);
			return 0;
		} else if (strncmp(arg, "--filter=", 9) == 0) {
			glob = arg + 9;
		} else if (strcmp(arg, "--filter") == 0 && i + 1 < argc) {
			glob = argv[++i];
		} else if (arg[0] == '-') {
			fprintf(stderr, "%s: unknown option '%s'\n", argv[0],
				arg);
			print_usage(stderr, argv[0]);
			return 2;
		} else {
			glob = arg;
		}
		if (glob) {
			if (count == MAX_GLOBS) {
				fprintf(stderr, "%s: too many globs\n",
					argv[0]);
				return 2;
			}
			globs[count++] = glob;
		}
	}
	if (count == 0 && env_glob && env_glob[0])
		globs[count++] = env_glob;
	options.filter.globs = globs;
	options.filter.count = count;

	if (list) {
		kunit_list_selected(&options.filter);
		return 0;
	}
	return kunit_run_selected(&options);
}
