/* SPDX-License-Identifier: MIT */
/* Options shared by every packet command (tcpdump-familiar) and output. */
#ifndef NETDX_CMD_CLI_H
#define NETDX_CMD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "core/err.h"

/* As many as the capture layer merges (documented in --help, README). */
#define CLI_MAX_INPUTS CAP_MAX_FILES
#define CLI_MAX_IGNORE 64
#define CLI_MAX_SET 64

struct cli_opts {
	const char *inputs[CLI_MAX_INPUTS]; /* -r FILE and bare paths */
	size_t n_inputs;
	const char *iface;  /* -i */
	const char *filter; /* -f */
	uint64_t count;	    /* -c */
	double duration;    /* -d */
	const char *write;  /* -w */
	const char *format; /* --format NAME (--json: "json"); default "text" */
	bool json;	    /* format is "json" */
	char format_opt[40]; /* "--json" or "--format NAME", as given */
	const char *min_severity;     /* --min-severity */
	const char *ignore[CLI_MAX_IGNORE]; /* --ignore ID */
	size_t n_ignore;
	const char *set[CLI_MAX_SET]; /* --set NAME=VALUE */
	size_t n_set;
	const char *config; /* --config FILE */
	bool help;
	size_t max_flows;   /* --max-flows */
	double idle_timeout; /* --idle-timeout SECONDS */
	size_t max_evidence; /* --max-evidence (0: the store's default) */
};

/*
 * A command-specific option: long name, whether it takes an argument, the
 * one-line help, and a handler that stores the value in the command's own
 * context (returns 0, or <0 with err set for a bad value).
 */
struct cli_extra {
	const char *name;
	int short_name;	/* 0 if none */
	bool has_arg;
	const char *arg_name;
	const char *help;
	int (*set)(void *ctx, const char *value, struct nd_err *err);
	/* With set == NULL (and no argument): the option sets the bool at
	 * this offset in the command's context (use offsetof). */
	size_t flag_off;
};

struct cli_spec {
	const char *command;
	const char *usage;   /* e.g. "[options] [FILE...]" */
	const char *summary; /* one paragraph */
	bool packet_source;  /* accepts -r/-i/-f/-c/-d/-w */
	const struct cli_extra *extra;
	size_t n_extra;
	void *ctx;
};

/* Parses argv (argv[0] is the command name). 0 or <0 with err (ND_ERR_USAGE). */
int cli_parse(const struct cli_spec *spec, int argc, char **argv,
	      struct cli_opts *o, struct nd_err *err);
void cli_print_help(const struct cli_spec *spec);
/*
 * The start every command shares: parses argv; on a usage error prints it,
 * on --help prints the help. Returns -1 to go on, or the exit code the
 * command should return now.
 */
int cli_begin(const struct cli_spec *spec, int argc, char **argv,
	      struct cli_opts *o);
/*
 * Options that cannot be combined: prints "netdx: CMD: A and B cannot be
 * combined (WHY)" and returns the usage exit code.
 */
int cli_conflict(const char *command, const char *a, const char *b,
		 const char *why);
/* Maps an nd_err kind to the documented exit code. */
int cli_exit_code(enum nd_err_kind kind);
/* Prints "netdx: <msg>" to stderr (one line). */
void cli_error(const struct nd_err *err);

/* Strictly parses an unsigned / non-negative double option value. */
int cli_parse_u64(const char *opt, const char *s, uint64_t *out, struct nd_err *err);
int cli_parse_seconds(const char *opt, const char *s, double *out, struct nd_err *err);

/*
 * Installs SIGINT/SIGTERM handlers that set the returned flag, so a live
 * capture ends cleanly on Ctrl-C and still prints its report.
 */
volatile int *cli_stop_flag_install(void);
/* SIGBUS (a mapped input file truncated by another process): one line, exit 3. */
void cli_sigbus_install(void);

extern const char *const cli_exit_code_help;

#endif
