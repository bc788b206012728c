// SPDX-License-Identifier: MIT
/* Shared command-line parsing for packet commands (tcpdump-style options). */
#include "cmd/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/textesc.h"
#include "output/sink.h"

const char *const cli_exit_code_help =
	"Exit status:\n"
	"  0  ran; no finding at warn or above\n"
	"  1  ran; at least one finding at warn or crit\n"
	"  2  usage error (unknown option, bad value, bad filter, bad --set or\n"
	"     --config setting)\n"
	"  3  unreadable or invalid input (everything valid before it is still reported)\n"
	"  4  missing privilege or capability (live capture)\n"
	"  5  runtime failure (out of memory, I/O)\n";

/* The one mutable global the house style allows: set from signal context. */
static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

volatile int *cli_stop_flag_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return (volatile int *)&stop_flag;
}

/*
 * Capture files are read through a mapping (capture/input.c): if another
 * process truncates a file under us, touching the vanished pages raises
 * SIGBUS. Say so in one line with the input exit status instead of dying
 * silently. Only async-signal-safe calls.
 */
static void on_sigbus(int sig)
{
	static const char msg[] =
		"netdx: an input file shrank or became unreadable while it was "
		"being read (SIGBUS); stopping\n";
	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more can be done in a signal handler */
	}
	_exit(ND_EXIT_INPUT);
}

void cli_sigbus_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

enum {
	OPT_JSON = 1000,
	OPT_FORMAT,
	OPT_MIN_SEV,
	OPT_IGNORE,
	OPT_SET,
	OPT_CONFIG,
	OPT_MAX_FLOWS,
	OPT_IDLE,
	OPT_MAX_EVIDENCE,
	OPT_EXTRA_BASE = 2000,
};

int cli_exit_code(enum nd_err_kind kind)
{
	switch (kind) {
	case ND_ERR_NONE:
		return ND_EXIT_OK;
	case ND_ERR_USAGE:
		return ND_EXIT_USAGE;
	case ND_ERR_INPUT:
		return ND_EXIT_INPUT;
	case ND_ERR_PRIVILEGE:
		return ND_EXIT_PRIVILEGE;
	case ND_ERR_RUNTIME:
		break;
	}
	return ND_EXIT_RUNTIME;
}

int cli_conflict(const char *command, const char *a, const char *b,
		 const char *why)
{
	struct nd_err err = { 0 };

	nd_err_set(&err, ND_ERR_USAGE, EINVAL,
		   "%s: %s and %s cannot be combined (%s)", command, a, b, why);
	cli_error(&err);
	return cli_exit_code(err.kind);
}

/* The message carries file names and settings: escaped, so one line. */
void cli_error(const struct nd_err *err)
{
	fputs("netdx: ", stderr);
	text_put_escaped(stderr, err->msg[0] ? err->msg : "error");
	fputc('\n', stderr);
}

int cli_parse_u64(const char *opt, const char *s, uint64_t *out,
		  struct nd_err *err)
{
	char *end = NULL;
	if (!s || !*s || *s == '-')
		goto bad;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		goto bad;
	*out = v;
	return 0;
bad:
	return nd_err_set(err, ND_ERR_USAGE, EINVAL,
			  "option %s: '%s' is not a non-negative integer", opt,
			  s ? s : "");
}

int cli_parse_seconds(const char *opt, const char *s, double *out,
		      struct nd_err *err)
{
	char *end = NULL;
	if (!s || !*s)
		goto bad;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0)
		goto bad;
	*out = v;
	return 0;
bad:
	return nd_err_set(err, ND_ERR_USAGE, EINVAL,
			  "option %s: '%s' is not a number of seconds >= 0",
			  opt, s ? s : "");
}

void cli_print_help(const struct cli_spec *spec)
{
	printf("usage: netdx %s %s\n\n%s\n\n", spec->command, spec->usage,
	       spec->summary);
	if (spec->packet_source) {
		printf("Packet source (tcpdump-style):\n"
		       "  -r FILE            read a pcap/pcapng file (repeatable; several are merged\n"
		       "                     in time order; '-' is stdin; .gz is read transparently;\n"
		       "                     at most %d files, each open for the whole run).\n"
		       "                     A bare FILE argument means the same.\n"
		       "  -i IFACE           capture live on IFACE (Ctrl-C ends and reports)\n"
		       "  -f FILTER          tcpdump filter expression (files and live)\n"
		       "  -c COUNT           stop after COUNT packets\n"
		       "  -d SECONDS         stop after SECONDS of capture time (>= 0.001)\n"
		       "  -w FILE            save the live capture to FILE (pcap; '-' is stdout,\n"
		       "                     the report then goes to stderr; a FIFO or device\n"
		       "                     is written, never replaced; README \"Output files\")\n"
		       "  --max-flows N      bound on open flows (default %u; beyond it the\n"
		       "                     least recently used flow is evicted and counted);\n"
		       "                     with the ended flows remembered it bounds memory\n"
		       "                     on any number of flows: ~0.9 KB x N for analyze\n"
		       "  --idle-timeout S   close flows idle for S seconds of capture time\n"
		       "                     (default %lld)\n"
		       "  --max-evidence N   evidence records kept in detail (default %u, about\n"
		       "                     600 bytes each); beyond it records are summed per\n"
		       "                     kind, so findings still count every case\n",
		       CLI_MAX_INPUTS, 1000000u, 3600LL, 100000u);
	}
	printf("Output:\n"
	       "  --format FORMAT    output format: text (default), json\n"
	       "  --json             same as --format json (schema: docs/json.md)\n"
	       "  --min-severity L   only findings at L or above (info, low, warn, crit)\n"
	       "  --ignore ID        drop findings with this id (repeatable)\n"
	       "  --set NAME=VALUE   override a rule threshold (see docs/findings.md)\n"
	       "  --config FILE      read thresholds from FILE (NAME = VALUE lines)\n");
	if (spec->n_extra)
		printf("\n%s options:\n", spec->command);
	for (size_t i = 0; i < spec->n_extra; i++) {
		const struct cli_extra *x = &spec->extra[i];
		char lhs[64];
		if (x->short_name)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s",
				 x->short_name, x->name, x->has_arg ? " " : "",
				 x->has_arg ? x->arg_name : "");
		else
			snprintf(lhs, sizeof(lhs), "--%s%s%s", x->name,
				 x->has_arg ? " " : "",
				 x->has_arg ? x->arg_name : "");
		if (strlen(lhs) >= 19)
			printf("  %s\n  %-19s%s\n", lhs, "", x->help);
		else
			printf("  %-19s%s\n", lhs, x->help);
	}
	printf("\n%s", cli_exit_code_help);
}

int cli_begin(const struct cli_spec *spec, int argc, char **argv,
	      struct cli_opts *o)
{
	struct nd_err err = { 0 };

	if (cli_parse(spec, argc, argv, o, &err) < 0) {
		cli_error(&err);
		return cli_exit_code(err.kind);
	}
	if (o->help) {
		cli_print_help(spec);
		return ND_EXIT_OK;
	}
	if (spec->packet_source)
		cli_sigbus_install();
	return -1;
}

static int cli_apply_extra(const struct cli_spec *spec,
			   const struct cli_extra *x, const char *value,
			   struct nd_err *err)
{
	if (x->set)
		return x->set(spec->ctx, value, err);
	*(bool *)((char *)spec->ctx + x->flag_off) = true;
	return 0;
}

/*
 * --format NAME and its synonym --json: the same choice given twice must
 * agree, else the user meant two things.
 */
static int set_format(struct cli_opts *o, const char *opt, const char *name,
		      struct nd_err *err)
{
	if (!sink_format_known(name)) {
		struct sink_formats fm;
		char names[128];
		sink_formats_default(&fm);
		sink_formats_list(&fm, names, sizeof(names));
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "option --format: unknown format '%s' (%s)",
				  name, names);
	}
	if (o->format && strcmp(o->format, name) != 0)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "%s: conflicting output formats '%s' and '%s' "
				  "(--json means --format json): give one",
				  opt, o->format, name);
	o->format = name;
	if (strcmp(opt, "--json") == 0)
		snprintf(o->format_opt, sizeof(o->format_opt), "--json");
	else
		snprintf(o->format_opt, sizeof(o->format_opt), "%s %s", opt,
			 name);
	o->json = strcmp(name, "json") == 0;
	return 0;
}

static int add_input(struct cli_opts *o, const char *path, struct nd_err *err)
{
	if (o->n_inputs >= CLI_MAX_INPUTS)
		return nd_err_set(err, ND_ERR_USAGE, E2BIG,
				  "too many input files (at most %d)",
				  CLI_MAX_INPUTS);
	o->inputs[o->n_inputs++] = path;
	return 0;
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv,
	      struct cli_opts *o, struct nd_err *err)
{
	struct option lopts[64];
	char sopts[64];
	size_t nl = 0, ns = 0;
	int ret = 0;

	memset(o, 0, sizeof(*o));
	if (spec->n_extra > 40)
		return nd_err_set(err, ND_ERR_RUNTIME, EINVAL, "too many options");

#define LOPT(n, a, v) lopts[nl++] = (struct option){ n, a, NULL, v }
	LOPT("help", no_argument, 'h');
	LOPT("json", no_argument, OPT_JSON);
	LOPT("format", required_argument, OPT_FORMAT);
	LOPT("min-severity", required_argument, OPT_MIN_SEV);
	LOPT("ignore", required_argument, OPT_IGNORE);
	LOPT("set", required_argument, OPT_SET);
	LOPT("config", required_argument, OPT_CONFIG);
	/* No leading '+': options may follow file names (GNU permutation);
	 * "--" still ends them. */
	ns += (size_t)snprintf(sopts + ns, sizeof(sopts) - ns, "h");
	if (spec->packet_source) {
		LOPT("max-flows", required_argument, OPT_MAX_FLOWS);
		LOPT("idle-timeout", required_argument, OPT_IDLE);
		LOPT("max-evidence", required_argument, OPT_MAX_EVIDENCE);
		ns += (size_t)snprintf(sopts + ns, sizeof(sopts) - ns,
				       "r:i:f:c:d:w:");
	}
	for (size_t i = 0; i < spec->n_extra; i++) {
		const struct cli_extra *x = &spec->extra[i];
		LOPT(x->name, x->has_arg ? required_argument : no_argument,
		     OPT_EXTRA_BASE + (int)i);
		if (x->short_name && ns + 3 < sizeof(sopts)) {
			sopts[ns++] = (char)x->short_name;
			if (x->has_arg)
				sopts[ns++] = ':';
			sopts[ns] = 0;
		}
	}
	LOPT(NULL, 0, 0);
#undef LOPT

	optind = 1;
	opterr = 0;
	for (;;) {
		int lidx = -1;
		int c = getopt_long(argc, argv, sopts, lopts, &lidx);
		if (c == -1)
			break;
		switch (c) {
		case 'h':
			o->help = true;
			break;
		case 'r':
			ret = add_input(o, optarg, err);
			break;
		case 'i':
			o->iface = optarg;
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'c':
			ret = cli_parse_u64("-c", optarg, &o->count, err);
			if (!ret && o->count == 0)
				ret = nd_err_set(err, ND_ERR_USAGE, EINVAL,
						 "option -c: count must be > 0");
			break;
		case 'd':
			ret = cli_parse_seconds("-d", optarg, &o->duration, err);
			/* 0 or a denormal would silently mean "no limit". */
			if (!ret && o->duration < 0.001)
				ret = nd_err_set(err, ND_ERR_USAGE, EINVAL,
						 "option -d: '%s' must be at least 0.001 seconds",
						 optarg);
			break;
		case 'w':
			o->write = optarg;
			break;
		case OPT_JSON:
			ret = set_format(o, "--json", "json", err);
			break;
		case OPT_FORMAT:
			ret = set_format(o, "--format", optarg, err);
			break;
		case OPT_MIN_SEV:
			o->min_severity = optarg;
			break;
		case OPT_IGNORE:
			if (o->n_ignore >= CLI_MAX_IGNORE)
				ret = nd_err_set(err, ND_ERR_USAGE, E2BIG,
						 "too many --ignore options");
			else
				o->ignore[o->n_ignore++] = optarg;
			break;
		case OPT_SET:
			if (o->n_set >= CLI_MAX_SET)
				ret = nd_err_set(err, ND_ERR_USAGE, E2BIG,
						 "too many --set options");
			else
				o->set[o->n_set++] = optarg;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_MAX_FLOWS: {
			uint64_t v = 0;
			ret = cli_parse_u64("--max-flows", optarg, &v, err);
			if (!ret && (v < 1 || v > 100000000))
				ret = nd_err_set(err, ND_ERR_USAGE, EINVAL,
						 "option --max-flows: %s is out of range (1..100000000)",
						 optarg);
			o->max_flows = (size_t)v;
			break;
		}
		case OPT_MAX_EVIDENCE: {
			uint64_t v = 0;
			ret = cli_parse_u64("--max-evidence", optarg, &v, err);
			if (!ret && (v < 1 || v > 10000000))
				ret = nd_err_set(err, ND_ERR_USAGE, EINVAL,
						 "option --max-evidence: %s is out of range (1..10000000)",
						 optarg);
			o->max_evidence = (size_t)v;
			break;
		}
		case OPT_IDLE:
			ret = cli_parse_seconds("--idle-timeout", optarg,
						&o->idle_timeout, err);
			/* Below 1 ms it would round to a timeout of 0 ns. */
			if (!ret && o->idle_timeout < 0.001)
				ret = nd_err_set(err, ND_ERR_USAGE, EINVAL,
						 "option --idle-timeout: '%s' must be at least 0.001 seconds",
						 optarg);
			break;
		case '?':
		case ':': {
			const char *bad = argv[optind - 1];
			if (optopt && optopt < 256)
				ret = nd_err_set(
					err, ND_ERR_USAGE, EINVAL,
					c == ':' || strchr(sopts, optopt)
						? "%s: option -%c needs a value (see 'netdx %s --help')"
						: "%s: unknown option -%c (see 'netdx %s --help')",
					spec->command, optopt, spec->command);
			else
				ret = nd_err_set(err, ND_ERR_USAGE, EINVAL,
						 "%s: unknown option or missing value '%s' (see 'netdx %s --help')",
						 spec->command, bad ? bad : "?",
						 spec->command);
			break;
		}
		default:
			if (c >= OPT_EXTRA_BASE &&
			    (size_t)(c - OPT_EXTRA_BASE) < spec->n_extra) {
				const struct cli_extra *x =
					&spec->extra[c - OPT_EXTRA_BASE];
				ret = cli_apply_extra(spec, x, optarg, err);
			} else {
				/* A short option belonging to an extra. */
				for (size_t i = 0; i < spec->n_extra; i++)
					if (spec->extra[i].short_name == c)
						ret = cli_apply_extra(
							spec, &spec->extra[i],
							optarg, err);
			}
			break;
		}
		if (ret)
			return ret;
	}
	for (int i = optind; i < argc; i++) {
		if (!spec->packet_source)
			return nd_err_set(err, ND_ERR_USAGE, EINVAL,
					  "%s: unexpected argument '%s'",
					  spec->command, argv[i]);
		ret = add_input(o, argv[i], err);
		if (ret)
			return ret;
	}
	if (o->help)
		return 0;
	if (!o->format)
		o->format = "text";
	if (spec->packet_source) {
		if (o->iface && o->n_inputs)
			return nd_err_set(err, ND_ERR_USAGE, EINVAL,
					  "%s: use either -i IFACE or files, not both",
					  spec->command);
		if (!o->iface && !o->n_inputs)
			return nd_err_set(err, ND_ERR_USAGE, EINVAL,
					  "%s: no input: give a capture file (-r FILE) or an interface (-i IFACE)",
					  spec->command);
		if (o->write && !o->iface)
			return nd_err_set(err, ND_ERR_USAGE, EINVAL,
					  "%s: -w saves a live capture; it needs -i IFACE",
					  spec->command);
	}
	return 0;
}
