/* SPDX-License-Identifier: MIT */
/*
 * The packet-analyzer registry: what an analyzer inside the packet
 * pipeline provides. The pipeline runs its built-in table (capture
 * quality, IP reassembly, TCP analysis: analyzers.c) and any extra rows
 * given in pipeline_opts, in `order`, and shares per-frame results through
 * struct pipeline_frame (the copy mark, TCP flags and ACK RTT).
 */
#ifndef NETDX_ANALYZE_ANALYZER_H
#define NETDX_ANALYZE_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>

#include "capture/capture.h"
#include "core/err.h"
#include "decode/packet.h"
#include "flow/flow.h"
/* rules/evidence.h is above this layer: the store is only passed on. */
struct ev_store;

struct pipeline;
struct pipeline_frame;
struct pipeline_opts;

/* One transport header of a frame, tracked in a flow (on_packet). */
struct pa_packet {
	const struct cap_frame *fr;
	const struct packet *pkt;
	int l4;				 /* index into pkt->l4 */
	struct flow *flow;
	const struct flow_pkt_info *info;
	struct pipeline_frame *pf;	 /* results of earlier analyzers */
};

/* How the run ended: what end-of-run evidence may need. */
struct pa_end {
	const struct cap_stats *cs;
	const struct flow_table_stats *fs;
};

struct pkt_analyzer {
	const char *name;
	int order; /* lower runs first (built-ins: 10, 20, 30) */
	/* Per-flow state (zeroed at flow start), 0: none. */
	size_t flow_state_size;
	/* on_packet only for TCP headers that are analysed (not quoted). */
	bool tcp_only;
	/* 0 = made (*ctx), 1 = not wanted in this run, <0 negative errno.
	 * State across flows (per port, per host) lives in ctx. */
	int (*create)(void **ctx, const struct pipeline_opts *o);
	void (*destroy)(void *ctx);
	/* Pipeline open, before the first frame. NULL: nothing. */
	int (*start)(void *ctx, struct pipeline *p, struct nd_err *err);
	/* Every decoded packet record (pf->pkt set), before flow tracking. */
	void (*on_frame)(void *ctx, struct pipeline_frame *pf);
	/* Every transport header that reached the flow table. */
	void (*on_packet)(void *ctx, void *state, const struct pa_packet *pp);
	/* Flow hooks with flow_state_size; or flow_hooks fills them all. */
	void (*on_flow_start)(void *ctx, struct flow *f, void *state);
	void (*on_flow_end)(void *ctx, struct flow *f, void *state);
	void (*flow_hooks)(void *ctx, struct flow_analyzer *out);
	/* End of run: evidence into ev (NULL when none is kept: not called). */
	int (*emit)(void *ctx, const struct pa_end *end, struct ev_store *ev);
};

/* The built-in rows (analyzers.c); the pipeline looks their contexts up. */
extern const struct pkt_analyzer pa_capture_quality;
extern const struct pkt_analyzer pa_ip_reassembly;
extern const struct pkt_analyzer pa_tcp_analysis;

#endif
