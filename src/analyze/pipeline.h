/* SPDX-License-Identifier: MIT */
/* The packet pipeline: frame -> decode -> flow -> analyzers -> hooks. */
#ifndef NETDX_ANALYZE_PIPELINE_H
#define NETDX_ANALYZE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/ipreasm.h"
#include "analyze/tcp_analysis.h"
#include "analyze/tcp_stats.h"
#include "capture/capture.h"
#include "core/err.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "evidence/evidence.h"
#include "evidence/thresholds.h"
#include "runner/source.h"

#define PIPELINE_MAX_TCP PKT_MAX_L4
/* Built-in analyzers plus extra rows (analyzer.h) one run may register. */
#define PIPELINE_MAX_ANALYZERS 16

struct pkt_analyzer;

/*
 * What the pipeline learned about one frame, handed to on_frame: the
 * results analyzers share with later ones and with the hooks (the copy
 * mark from capture quality, TCP flags and ACK RTT from TCP analysis).
 */
struct pipeline_frame {
	const struct cap_frame *fr;
	const struct packet *pkt; /* NULL for non-packet records */
	enum decode_result decode;
	bool duplicate;		  /* an exact/near copy of an earlier frame */
	int n_tcp;		  /* analysed TCP headers in this frame */
	struct tcp_pkt_result tcp[PIPELINE_MAX_TCP];
};

struct pipeline;

struct pipeline_hooks {
	void *ctx;
	/*
	 * Optional: called once when the pipeline is open, before the first
	 * frame (register callbacks on pipeline_tcp() etc. here). <0 stops
	 * the run with err set.
	 */
	int (*on_start)(void *ctx, struct pipeline *p, struct nd_err *err);
	void (*on_frame)(void *ctx, const struct pipeline_frame *pf);
	/* Every flow as it leaves the table (end, eviction, idle, reuse). */
	void (*on_flow_end)(void *ctx, const struct flow *f);
	/*
	 * Per-connection TCP statistics of every TCP flow as it leaves the
	 * table (only with tcp_analysis; called before on_flow_end for the
	 * same flow). Flows without a counted packet are reported too: check
	 * flow_counted().
	 */
	tcp_stats_cb on_tcp_stats;
};

struct pipeline_opts {
	struct cap_opts cap;
	struct flow_limits limits;
	bool tcp_analysis; /* run the W rules (analyze); flows needs only counts */
	/* Capture-quality analysis (duplicates, time, truncation, drops) runs
	 * always; its evidence goes to ev at the end of the run. */
	const struct thresholds *th; /* NULL: defaults */
	struct ev_store *ev;	     /* borrowed; NULL: no evidence kept */
	/* Extra packet analyzers (rows, analyzer.h) run after or between
	 * the built-ins by their order; borrowed for the pipeline's life. */
	const struct pkt_analyzer *const *analyzers;
	size_t n_analyzers;
};

struct pipeline;

void pipeline_opts_default(struct pipeline_opts *o);

int pipeline_new(struct pipeline **out, const struct pipeline_opts *o,
		 const struct pipeline_hooks *hooks, struct nd_err *err);
/* Runs the analyzers' start hooks, then hooks.on_start (before frame 1). */
int pipeline_start(struct pipeline *p, struct nd_err *err);
/* Opens inputs: files (paths) or, when iface is set, a live capture. */
int pipeline_open(struct pipeline *p, const char *const *paths, size_t npaths,
		  const char *iface, struct nd_err *err);
/*
 * Runs to the end of input (or stop flag). Returns 0, or <0 when the input
 * failed part-way (err set): everything before the failure was processed
 * and flushed, so the caller still reports it.
 */
int pipeline_run(struct pipeline *p, struct nd_err *err);
/* pipeline_step: a live capture (cap.nonblock) has nothing queued now. */
#define PIPELINE_AGAIN 2
/*
 * Reads and processes up to budget frames: SRC_MORE, PIPELINE_AGAIN, or
 * SRC_DONE / <0 once the input ended (end-of-run work done as in
 * pipeline_run). pipeline_run is this in a loop.
 */
int pipeline_step(struct pipeline *p, unsigned budget, struct nd_err *err);
/* The capture as a runner source named name (p stays the owner). */
void pipeline_as_source(struct pipeline *p, const char *name,
			struct nd_source *out);

struct tcp_analyzer *pipeline_tcp(struct pipeline *p);
struct flow_table *pipeline_flows(struct pipeline *p);
void pipeline_cap_stats(struct pipeline *p, struct cap_stats *st);
/* The capture source (NULL before pipeline_open succeeded). */
const struct cap_source *pipeline_source(const struct pipeline *p);
/* IP fragment tracking: completed, pending, timed out, evicted ... */
void pipeline_reasm_stats(const struct pipeline *p, struct ipr_stats *st);
uint64_t pipeline_frames(const struct pipeline *p);
/* Frames a decode limit stopped (inner headers not decoded). */
uint64_t pipeline_too_deep(const struct pipeline *p);
/* Earliest and latest capture time seen (0, 0 before any frame). */
void pipeline_time_range(const struct pipeline *p, int64_t *first_ns,
			 int64_t *last_ns);
void pipeline_free(struct pipeline *p);

#endif
