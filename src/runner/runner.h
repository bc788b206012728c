/* SPDX-License-Identifier: MIT */
/*
 * The runner: drives N sources (source.h) in one poll loop with one stop
 * flag (Ctrl-C), one duration (-d) and one stop path. Packet commands are
 * the one-source case (the capture); doctor is the many-source case.
 */
#ifndef NETDX_RUNNER_RUNNER_H
#define NETDX_RUNNER_RUNNER_H

#include <stddef.h>

#include "runner/source.h"

/* Frames (or units) per step: small enough to interleave, large enough
 * that the loop costs nothing per packet. */
#define RUNNER_DEFAULT_BUDGET 512

struct runner_opts {
	/* Set asynchronously (SIGINT/SIGTERM): every source is stopped. */
	volatile int *stop_flag;
	/* Wall-clock seconds, then every source is stopped (0: no limit). */
	double duration_s;
	unsigned budget; /* 0: RUNNER_DEFAULT_BUDGET */
};

/*
 * Opens, steps and finishes every source until all ended. A source that
 * cannot open or fails is recorded in res[i] and the others go on.
 * Returns the number of sources that were available (ran).
 */
size_t runner_run(struct nd_source *srcs, struct nd_source_result *res,
		  size_t n, const struct runner_opts *o);

#endif
