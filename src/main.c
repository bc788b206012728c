// SPDX-License-Identifier: MIT
/* netdx entry point: global options and the git-style command table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/cmd.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "analyze", cmd_analyze,
	  "TCP expert analysis of a capture: flags, per-connection stats, findings" },
	{ "flows", cmd_flows,
	  "one row per conversation (TCP, UDP, other IP), like tshark -z conv" },
	{ "help", cmd_help, "show help for netdx or for one command" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"usage: netdx <command> [options]\n"
		"       netdx --version | --help | help <command>\n\n"
		"netdx reads captures (and live traffic) and says what is wrong,\n"
		"where, the evidence, and what to do.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out, "\nRun 'netdx <command> --help' for its options.\n\n%s",
		cli_exit_code_help);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return ND_EXIT_OK;
	}
	const struct command *c = find_command(argv[1]);
	if (!c || c->fn == cmd_help) {
		if (!c) {
			struct nd_err e = { 0 };
			nd_err_set(&e, ND_ERR_USAGE, EINVAL,
				   "unknown command '%s'", argv[1]);
			cli_error(&e);
			return ND_EXIT_USAGE;
		}
		usage(stdout);
		return ND_EXIT_OK;
	}
	char *hargv[] = { argv[1], (char *)"--help", NULL };
	return c->fn(2, hargv);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return ND_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0 ||
	    strcmp(name, "version") == 0) {
		printf("netdx %s\n", NETDX_VERSION);
		return ND_EXIT_OK;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return ND_EXIT_OK;
	}
	const struct command *c = find_command(name);
	if (!c) {
		struct nd_err e = { 0 };
		nd_err_set(&e, ND_ERR_USAGE, EINVAL,
			   "unknown command '%s' (see 'netdx --help')", name);
		cli_error(&e);
		return ND_EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
