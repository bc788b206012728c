/* SPDX-License-Identifier: MIT */
/* The run shared by packet commands: options -> pipeline -> rules -> sink. */
#ifndef NETDX_CMD_PACKET_CMD_H
#define NETDX_CMD_PACKET_CMD_H

#include "analyze/pipeline.h"
#include "cmd/cli.h"
#include "output/report.h"
#include "rules/engine.h"
#include "evidence/evidence.h"
#include "evidence/thresholds.h"
#include "runner/runner.h"

/*
 * A packet command fills name, opts and hooks, then calls packet_cmd_run().
 * The runner owns thresholds, evidence, the engine and the report, so every
 * packet command applies --set/--config/--min-severity/--ignore and reports
 * capture-quality findings the same way.
 */
struct packet_cmd {
	const char *name;
	const struct cli_opts *o;
	struct pipeline_hooks hooks;
	bool tcp_analysis;
	/* Findings are streamed (--follow): JSON output becomes JSON Lines, so
	 * the final report is written on one line too. */
	bool json_lines;
	/* Optional: flow limits replacing the defaults; --max-flows and
	 * --idle-timeout still apply on top. NULL: defaults. */
	const struct flow_limits *limits;
	/* Called after the run, before rules: add evidence to ev. */
	int (*add_evidence)(void *ctx, struct packet_cmd *pc, struct nd_err *err);
	/* Called after rules: fill tables into rep. */
	int (*fill_report)(void *ctx, struct packet_cmd *pc, struct nd_err *err);
	/* Optional: print instead of the report sink (machine modes); return
	 * 1 if it printed, 0 to render the report normally. */
	int (*print_raw)(void *ctx, struct packet_cmd *pc, struct nd_err *err);
	void *ctx;
	/*
	 * Optional: more sources run beside the capture by the same runner
	 * (same stop flag and -d). One that cannot open is a gap in the
	 * report (source available=false with the reason); the run goes on.
	 */
	struct nd_source *sources;
	size_t n_sources;
	/* Optional: extra packet-analyzer rows (analyzer.h) for the pipeline. */
	const struct pkt_analyzer *const *analyzers;
	size_t n_analyzers;

	/* Owned by the runner, valid inside the callbacks. */
	struct thresholds th;
	struct engine eng;
	struct ev_store *ev;
	struct pipeline *p;
	struct report *rep;
	/* The capture's source name in the report ("capture"). */
	const char *source_name;
	/* One result per source: [0] the capture, then sources[]. */
	struct nd_source_result *results;
};

/*
 * Runs the whole command and returns the process exit code. Input errors
 * part-way still report everything read before them (then exit 3).
 */
int packet_cmd_run(struct packet_cmd *pc);

struct sink_opts;
/* Sink options from the environment: stdout, TTY, NO_COLOR, TERM, width. */
void packet_cmd_sink_opts(struct sink_opts *so);

#endif
