// SPDX-License-Identifier: MIT
/* The built-in packet analyzers as registry rows (analyzer.h). */
#include "analyze/analyzer.h"

#include <errno.h>

#include "analyze/capture_quality.h"
#include "analyze/ipreasm.h"
#include "analyze/pipeline.h"
#include "analyze/tcp_analysis.h"

static int cq_create(void **ctx, const struct pipeline_opts *o)
{
	*ctx = cq_new(o->th);
	return *ctx ? 0 : -ENOMEM;
}

static void cq_destroy(void *ctx)
{
	cq_free(ctx);
}

/* The copy mark: later analyzers and hooks may skip copies. */
static void cq_on_frame(void *ctx, struct pipeline_frame *pf)
{
	pf->duplicate = cq_frame(ctx, pf->fr, pf->pkt);
}

static int cq_emit(void *ctx, const struct pa_end *end, struct ev_store *ev)
{
	return cq_finish(ctx, end->cs, end->fs, ev);
}

const struct pkt_analyzer pa_capture_quality = {
	.name = "capture_quality",
	.order = 10,
	.create = cq_create,
	.destroy = cq_destroy,
	.on_frame = cq_on_frame,
	.emit = cq_emit,
};

static int ipr_create(void **ctx, const struct pipeline_opts *o)
{
	(void)o;
	*ctx = ipr_new(NULL);
	return *ctx ? 0 : -ENOMEM;
}

static void ipr_destroy(void *ctx)
{
	ipr_free(ctx);
}

/* A record for a future ip.reassembly_failures finding. */
static int ipr_emit(void *ctx, const struct pa_end *end, struct ev_store *ev)
{
	struct ipr_stats s;
	struct evidence e;

	(void)end;
	ipr_get_stats(ctx, &s);
	if (s.fragments == 0)
		return 0;
	ev_init(&e, EVK_IP_REASSEMBLY, EV_SRC_CAPTURE);
	ev_set_i64(&e, EVF_FRAGMENTS, (int64_t)s.fragments);
	ev_set_i64(&e, EVF_COMPLETED, (int64_t)s.completed);
	ev_set_i64(&e, EVF_INCOMPLETE, (int64_t)s.pending);
	ev_set_i64(&e, EVF_TIMED_OUT, (int64_t)s.timed_out);
	ev_set_i64(&e, EVF_EVICTED, (int64_t)s.evicted);
	ev_set_i64(&e, EVF_DROPPED, (int64_t)s.dropped);
	ev_set_i64(&e, EVF_OVERLAPS, (int64_t)s.overlaps);
	ev_set_i64(&e, EVF_UNCAPTURED, (int64_t)s.uncaptured);
	int r = ev_store_add(ev, &e);
	return r == -ENOSPC ? 0 : r;
}

/*
 * Fragments change what the frame carries (the datagram is decoded again
 * and tracked in the completing frame), so the pipeline drives the tracker
 * itself; the row owns its lifetime and evidence.
 */
const struct pkt_analyzer pa_ip_reassembly = {
	.name = "ip_reassembly",
	.order = 20,
	.create = ipr_create,
	.destroy = ipr_destroy,
	.emit = ipr_emit,
};

static int tcp_create(void **ctx, const struct pipeline_opts *o)
{
	/* flows needs only the flow table's counts. */
	if (!o->tcp_analysis)
		return 1;
	*ctx = tcp_analyzer_new();
	return *ctx ? 0 : -ENOMEM;
}

static void tcp_destroy(void *ctx)
{
	tcp_analyzer_free(ctx);
}

static void tcp_flow_hooks(void *ctx, struct flow_analyzer *out)
{
	tcp_analyzer_flow_hooks(ctx, out);
}

/* TCP flags and ACK RTT, shared with later analyzers and on_frame. */
static void tcp_on_packet(void *ctx, void *state, const struct pa_packet *pp)
{
	struct pipeline_frame *pf = pp->pf;

	if (pf->n_tcp >= PIPELINE_MAX_TCP)
		return;
	tcp_analyzer_packet(ctx, pp->flow, state, pp->info, pp->pkt, pp->l4,
			    pp->fr->num, pp->fr->ts_ns, &pf->tcp[pf->n_tcp++]);
}

const struct pkt_analyzer pa_tcp_analysis = {
	.name = "tcp_analysis",
	.order = 30,
	.tcp_only = true,
	.create = tcp_create,
	.destroy = tcp_destroy,
	.flow_hooks = tcp_flow_hooks,
	.on_packet = tcp_on_packet,
};
