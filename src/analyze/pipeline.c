// SPDX-License-Identifier: MIT
/* The packet pipeline: reads frames, decodes, tracks flows, runs analyzers. */
#include "analyze/pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/capture_quality.h"
#include "analyze/ipreasm.h"
#include "runner/runner.h"

struct pipeline {
	struct pipeline_opts opts;
	struct pipeline_hooks hooks;
	struct cap_source *src;
	struct flow_table *flows;
	struct tcp_analyzer *tcp;
	int tcp_slot;
	struct cq *cq;
	struct ipr *reasm;
	uint64_t frames;
	int64_t t_first, t_last; /* capture time span (min, max) */
	/* Frames whose link type no decoder handles: reported, not silent. */
	uint64_t unknown_lt_frames, unknown_lt_first;
	int unknown_lt, unknown_lt_file;
	struct packet pkt;
	struct packet rpkt; /* a reassembled datagram, decoded */
	struct pipeline_frame pf;
	/* Capture statistics taken once when the input ended: the finding
	 * and the report's counters show the same figure. */
	struct cap_stats cs;
	bool have_cs;
	bool ended; /* input ended and end-of-run work done */
};

void pipeline_opts_default(struct pipeline_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->limits.max_flows = FLOW_DEFAULT_MAX_FLOWS;
	o->limits.idle_timeout_ns = FLOW_DEFAULT_IDLE_NS;
	o->limits.closed_linger_ns = FLOW_DEFAULT_LINGER_NS;
}

static void flow_end_cb(void *ctx, const struct flow *f)
{
	struct pipeline *p = ctx;
	if (p->hooks.on_flow_end)
		p->hooks.on_flow_end(p->hooks.ctx, f);
}

int pipeline_new(struct pipeline **out, const struct pipeline_opts *o,
		 const struct pipeline_hooks *hooks, struct nd_err *err)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	if (!p)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	p->opts = *o;
	if (hooks)
		p->hooks = *hooks;
	p->tcp_slot = -1;
	p->flows = flow_table_new(&o->limits);
	if (!p->flows)
		goto nomem;
	flow_table_set_end_cb(p->flows, flow_end_cb, p);
	p->cq = cq_new(o->th);
	if (!p->cq)
		goto nomem;
	p->reasm = ipr_new(NULL);
	if (!p->reasm)
		goto nomem;
	if (o->tcp_analysis) {
		struct flow_analyzer fa;
		p->tcp = tcp_analyzer_new();
		if (!p->tcp)
			goto nomem;
		tcp_analyzer_flow_hooks(p->tcp, &fa);
		p->tcp_slot = flow_table_add_analyzer(p->flows, &fa);
		if (p->tcp_slot < 0)
			goto nomem;
		if (p->hooks.on_tcp_stats)
			tcp_analyzer_set_stats_cb(p->tcp, p->hooks.on_tcp_stats,
						  p->hooks.ctx);
	}
	*out = p;
	return 0;
nomem:
	pipeline_free(p);
	return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
}

int pipeline_open(struct pipeline *p, const char *const *paths, size_t npaths,
		  const char *iface, struct nd_err *err)
{
	if (iface)
		return cap_open_live(&p->src, iface, &p->opts.cap, err);
	return cap_open_files(&p->src, paths, npaths, &p->opts.cap, err);
}

/*
 * IPv6 routing headers: conversations use the final destination (the address
 * the transport checksum covers), as tshark does. Rewrites ip.dst in place.
 */
static void final_destinations(struct packet *pkt, const uint8_t *data,
			       uint32_t caplen)
{
	for (int k = 0; k < pkt->n_ip && k < PKT_MAX_IP; k++) {
		struct pkt_ip *ip = &pkt->ip[k];
		uint8_t dst[16];

		if (ip->ver == 6 && ip->hdr_len > 40 &&
		    ipr_v6_final_dst(data, caplen, ip, dst))
			memcpy(ip->dst, dst, 16);
	}
}

/* The outermost IP header that is a fragment (not inside an ICMP quote). */
static int outer_fragment(const struct packet *pkt)
{
	for (int k = 0; k < pkt->n_ip && k < PKT_MAX_IP; k++)
		if (pkt->ip[k].fragment && !pkt->ip[k].in_icmp_error)
			return k;
	return -1;
}

/*
 * How a transport header reaches the flow table (tshark parity, see
 * docs/flows.md). Returns false when it gets no flow at all.
 */
static bool l4_mode(const struct packet *pkt, int i, int skip_from,
		    enum flow_upd *mode)
{
	const struct pkt_l4 *l = &pkt->l4[i];

	/* Inside a fragment that the tracker took: counted on completion. */
	if (skip_from >= 0 && l->ip >= skip_from)
		return false;
	/* TCP needs its 20-byte base header for a conversation. */
	if (l->proto == 6 && l->hdr_len < 20)
		return false;
	if (l->in_icmp_error) {
		/* A quoted TCP header gets a stream, not a count. */
		*mode = FLOW_UPD_TOUCH;
		return l->proto == 6;
	}
	*mode = FLOW_UPD_COUNT;
	/* TCP options cut by snaplen: stream and analysis, no count. */
	if (l->proto == 6 && (uint64_t)l->off + l->hdr_len > pkt->caplen)
		*mode = FLOW_UPD_TRACK;
	return true;
}

/* Flows (and TCP analysis) for the transport headers of one packet. */
static void track_packet(struct pipeline *p, const struct cap_frame *fr,
			 const struct packet *pkt, int skip_from)
{
	struct pipeline_frame *pf = &p->pf;

	for (int i = 0; i < pkt->n_l4 && i < PKT_MAX_L4; i++) {
		struct flow_pkt_info info;
		enum flow_upd mode;

		if (!l4_mode(pkt, i, skip_from, &mode))
			continue;
		struct flow *f = flow_table_update_mode(p->flows, pkt, i,
							fr->num, fr->ts_ns,
							fr->wirelen, mode,
							&info);
		if (!f || pkt->l4[i].proto != 6 || !p->tcp ||
		    mode == FLOW_UPD_TOUCH)
			continue;
		if (pf->n_tcp >= PIPELINE_MAX_TCP)
			continue;
		struct tcp_pkt_result *r = &pf->tcp[pf->n_tcp++];
		tcp_analyzer_packet(p->tcp, f, flow_state(p->flows, f, p->tcp_slot), &info,
				    pkt, i, fr->num, fr->ts_ns, r);
	}
}

/*
 * IP fragments, like tshark: a fragment whose bytes are all captured goes to
 * the tracker and its datagram is counted (and analysed) in the frame that
 * completes it, from a synthetic datagram (first fragment's IP header plus
 * the head bytes). A fragment cut by snaplen cannot be reassembled: a first
 * fragment is then dissected directly (its transport header counted here).
 */
static void process_fragment(struct pipeline *p, const struct cap_frame *fr,
			     int k)
{
	struct ipr_frag fg;
	struct ipr_done done;

	bool ok = ipr_parse(fr->data, fr->caplen, &p->pkt.ip[k], &fg);

	if (!ok || !fg.captured) {
		if (ok) /* counted as uncaptured */
			(void)ipr_add(p->reasm, &fg, fr->ts_ns, &done);
		track_packet(p, fr, &p->pkt, -1);
		return;
	}
	track_packet(p, fr, &p->pkt, k);
	if (ipr_add(p->reasm, &fg, fr->ts_ns, &done) != 1)
		return;
	decode_frame(&p->rpkt, LINKTYPE_RAW, done.data, done.caplen,
		     done.wirelen);
	p->rpkt.tunnels |= p->pkt.tunnels;
	final_destinations(&p->rpkt, done.data, done.caplen);
	/* A fragment inside the datagram is not reassembled again. */
	track_packet(p, fr, &p->rpkt, outer_fragment(&p->rpkt));
}

static void process_frame(struct pipeline *p, const struct cap_frame *fr)
{
	struct pipeline_frame *pf = &p->pf;
	int k;

	pf->fr = fr;
	pf->n_tcp = 0;
	pf->duplicate = false;
	if (fr->linktype == LINKTYPE_NONE) {
		pf->pkt = NULL;
		pf->decode = DECODE_OK;
		goto hooks;
	}
	pf->decode = decode_frame(&p->pkt, fr->linktype, fr->data, fr->caplen,
				  fr->wirelen);
	pf->pkt = &p->pkt;
	pf->duplicate = cq_frame(p->cq, fr, &p->pkt);
	final_destinations(&p->pkt, fr->data, fr->caplen);
	k = outer_fragment(&p->pkt);
	if (k >= 0)
		process_fragment(p, fr, k);
	else
		track_packet(p, fr, &p->pkt, -1);
hooks:
	if (p->hooks.on_frame)
		p->hooks.on_frame(p->hooks.ctx, pf);
}

/* A record for a future ip.reassembly_failures finding. */
static int reasm_evidence(struct pipeline *p)
{
	struct ipr_stats s;
	struct evidence ev;

	ipr_get_stats(p->reasm, &s);
	if (s.fragments == 0)
		return 0;
	ev_init(&ev, "ip.reassembly", EV_SRC_CAPTURE);
	ev_set_i64(&ev, "fragments", (int64_t)s.fragments);
	ev_set_i64(&ev, "completed", (int64_t)s.completed);
	ev_set_i64(&ev, "incomplete", (int64_t)s.pending);
	ev_set_i64(&ev, "timed_out", (int64_t)s.timed_out);
	ev_set_i64(&ev, "evicted", (int64_t)s.evicted);
	ev_set_i64(&ev, "dropped", (int64_t)s.dropped);
	ev_set_i64(&ev, "overlaps", (int64_t)s.overlaps);
	ev_set_i64(&ev, "uncaptured", (int64_t)s.uncaptured);
	int r = ev_store_add(p->opts.ev, &ev);
	return r == -ENOSPC ? 0 : r;
}

/* The input ended (or failed): counters, open flows, end-of-run evidence. */
static int pipeline_end(struct pipeline *p, int ret, struct nd_err *err)
{
	p->ended = true;
	pipeline_cap_stats(p, &p->cs);
	p->have_cs = true;
	if (ret >= 0 && p->unknown_lt_frames)
		ret = nd_err_set(err, ND_ERR_INPUT, EPROTONOSUPPORT,
				 "%s: link type %d is not supported: %" PRIu64
				 " frame(s) counted but not decoded (first: frame %" PRIu64
				 ")",
				 cap_source_name(p->src, p->unknown_lt_file),
				 p->unknown_lt, p->unknown_lt_frames,
				 p->unknown_lt_first);
	/* Flows still open are reported even when the input failed part-way. */
	flow_table_flush(p->flows);
	if (p->opts.ev) {
		struct flow_table_stats fs;
		flow_table_get_stats(p->flows, &fs);
		int r = cq_finish(p->cq, &p->cs, &fs, p->opts.ev);
		if (r >= 0)
			r = reasm_evidence(p);
		if (r < 0 && ret >= 0)
			ret = nd_err_set(err, ND_ERR_RUNTIME, -r,
					 "out of memory");
	}
	return ret < 0 ? ret : SRC_DONE;
}

int pipeline_step(struct pipeline *p, unsigned budget, struct nd_err *err)
{
	struct cap_frame fr;
	int ret = 1;

	if (p->ended)
		return SRC_DONE;
	for (unsigned n = 0; n < budget; n++) {
		ret = cap_next(p->src, &fr, err);
		if (ret != 1)
			break;
		p->frames++;
		if (fr.linktype != LINKTYPE_NONE) {
			if (!p->t_first || fr.ts_ns < p->t_first)
				p->t_first = fr.ts_ns;
			if (fr.ts_ns > p->t_last)
				p->t_last = fr.ts_ns;
		}
		process_frame(p, &fr);
		if (p->pf.pkt && p->pkt.n_anom &&
		    p->pkt.anom[0].code == PA_UNKNOWN_LINKTYPE) {
			if (!p->unknown_lt_frames++) {
				p->unknown_lt = fr.linktype;
				p->unknown_lt_first = fr.num;
				p->unknown_lt_file = fr.file;
			}
		}
	}
	if (ret == 1)
		return SRC_MORE;
	if (ret == CAP_AGAIN)
		return PIPELINE_AGAIN;
	return pipeline_end(p, ret, err);
}

int pipeline_run(struct pipeline *p, struct nd_err *err)
{
	int ret;

	while ((ret = pipeline_step(p, RUNNER_DEFAULT_BUDGET, err)) > 0)
		;
	return ret;
}

static int src_fd(void *ctx)
{
	return cap_poll_fd(((struct pipeline *)ctx)->src);
}

static int src_step(void *ctx, unsigned budget, int *wait_ms,
		    struct nd_err *err)
{
	struct pipeline *p = ctx;
	int ret = pipeline_step(p, budget, err);

	*wait_ms = 0;
	if (ret == PIPELINE_AGAIN) {
		*wait_ms = cap_wait_ms(p->src);
		ret = SRC_MORE;
	}
	return ret;
}

static void src_stop(void *ctx)
{
	cap_request_stop(((struct pipeline *)ctx)->src);
}

void pipeline_as_source(struct pipeline *p, const char *name,
			struct nd_source *out)
{
	*out = (struct nd_source){
		.name = name,
		.ctx = p,
		.fd = src_fd,
		.step = src_step,
		.stop = src_stop,
	};
}

struct tcp_analyzer *pipeline_tcp(struct pipeline *p)
{
	return p->tcp;
}

struct flow_table *pipeline_flows(struct pipeline *p)
{
	return p->flows;
}

void pipeline_cap_stats(struct pipeline *p, struct cap_stats *st)
{
	if (p->have_cs)
		*st = p->cs;
	else if (p->src)
		cap_get_stats(p->src, st);
	else
		memset(st, 0, sizeof(*st));
}

const struct cap_source *pipeline_source(const struct pipeline *p)
{
	return p ? p->src : NULL;
}

void pipeline_reasm_stats(const struct pipeline *p, struct ipr_stats *st)
{
	ipr_get_stats(p->reasm, st);
}

void pipeline_time_range(const struct pipeline *p, int64_t *first_ns,
			 int64_t *last_ns)
{
	*first_ns = p->t_first;
	*last_ns = p->t_last;
}

uint64_t pipeline_frames(const struct pipeline *p)
{
	return p->frames;
}

uint64_t pipeline_too_deep(const struct pipeline *p)
{
	return cq_too_deep(p->cq);
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	/* The flow table calls the TCP analyzer's end hooks: free it first. */
	flow_table_free(p->flows);
	tcp_analyzer_free(p->tcp);
	cq_free(p->cq);
	ipr_free(p->reasm);
	cap_close(p->src);
	free(p);
}
