/* SPDX-License-Identifier: MIT */
/* Command table entry points and the exit-code contract. */
#ifndef NETDX_CMD_CMD_H
#define NETDX_CMD_CMD_H

/* Exit codes (documented in README and netdx --help). */
enum nd_exit {
	ND_EXIT_OK = 0,		/* ran; no finding at warn or above */
	ND_EXIT_FINDINGS = 1,	/* ran; at least one finding at warn or crit */
	ND_EXIT_USAGE = 2,	/* bad command line (option, value, filter) */
	ND_EXIT_INPUT = 3,	/* unreadable or invalid input (file, format) */
	ND_EXIT_PRIVILEGE = 4,	/* missing privilege or capability */
	ND_EXIT_RUNTIME = 5,	/* anything else (out of memory, I/O) */
};

int cmd_flows(int argc, char **argv);
int cmd_analyze(int argc, char **argv);

#endif
