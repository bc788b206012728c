/* SPDX-License-Identifier: MIT */
/*
 * The source interface: anything that produces evidence over time (a
 * capture, a timer, later kernel counters or eBPF probes) and is driven by
 * the runner (runner.h) beside the others.
 */
#ifndef NETDX_RUNNER_SOURCE_H
#define NETDX_RUNNER_SOURCE_H

#include <stdbool.h>

#include "core/err.h"

/* step() results besides <0 (failed, err set). */
enum {
	SRC_DONE = 0, /* ended: finish() is called next */
	SRC_MORE = 1, /* call again (see *wait_ms) */
};

struct nd_source {
	const char *name; /* the report's source name ("capture", ...) */
	void *ctx;
	/*
	 * Makes the source ready: 0 = available, <0 = not available, why
	 * says exactly why (no privilege, missing file ...). The runner goes
	 * on with the others and reports the gap. NULL: already open.
	 */
	int (*open)(void *ctx, struct nd_err *why);
	/* A descriptor to poll for readiness, or -1 (timer-driven). NULL: -1. */
	int (*fd)(void *ctx);
	/*
	 * Does at most `budget` units of work (frames, samples). Returns
	 * SRC_MORE or SRC_DONE, or <0 with err set (the source ended). With
	 * SRC_MORE, *wait_ms says when to call again: 0 at once (more work
	 * is ready, e.g. a file), >0 at the latest after that many ms even
	 * if fd() is quiet (a timer, a drain), -1 only when fd() is readable.
	 */
	int (*step)(void *ctx, unsigned budget, int *wait_ms,
		    struct nd_err *err);
	/* Stop requested (Ctrl-C, -d): end soon; step() then returns DONE.
	 * NULL: the runner ends the source at once (finish() is called). */
	void (*stop)(void *ctx);
	/* After DONE or an error: final flush. NULL: nothing to do. */
	int (*finish)(void *ctx, struct nd_err *err);
};

/* What became of one source in a run. */
struct nd_source_result {
	bool available;	  /* open() succeeded */
	int status;	  /* 0, or <0 when open/step/finish failed */
	struct nd_err err; /* why not available, or why it failed */
	unsigned long long steps;
};

#endif
