// SPDX-License-Identifier: MIT
/* The packet pipeline: reads frames, decodes, tracks flows, runs analyzers. */
#include "analyze/pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyzer.h"
#include "analyze/capture_quality.h"
#include "analyze/ipreasm.h"
#include "runner/runner.h"

/* One registered analyzer of this run. */
struct pa_slot {
	const struct pkt_analyzer *def;
	void *ctx;
	int slot; /* flow state slot, -1: none */
};

/* The built-in rows, in the order they register (then sorted by order). */
static const struct pkt_analyzer *const builtin[] = {
	&pa_capture_quality,
	&pa_ip_reassembly,
	&pa_tcp_analysis,
};

struct pipeline {
	struct pipeline_opts opts;
	struct pipeline_hooks hooks;
	struct cap_source *src;
	struct flow_table *flows;
	/* Registered analyzers by order; the per-frame and per-packet lists
	 * index into it (a small fixed array: no allocation, no search). */
	struct pa_slot an[PIPELINE_MAX_ANALYZERS];
	int n_an;
	unsigned char frame_an[PIPELINE_MAX_ANALYZERS], pkt_an[PIPELINE_MAX_ANALYZERS];
	int n_frame_an, n_pkt_an;
	/* Built-in contexts the pipeline's accessors hand out. */
	struct tcp_analyzer *tcp;
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

/* Creates a row's context and registers its flow state and hooks. */
static int add_analyzer(struct pipeline *p, const struct pkt_analyzer *def)
{
	struct pa_slot a = { .def = def, .slot = -1 };
	int rc, k;

	if (p->n_an >= PIPELINE_MAX_ANALYZERS)
		return -E2BIG;
	rc = def->create ? def->create(&a.ctx, &p->opts) : 0;
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (def->flow_hooks || def->flow_state_size || def->on_flow_end) {
		struct flow_analyzer fa = {
			.name = def->name,
			.ctx = a.ctx,
			.state_size = def->flow_state_size,
			.on_flow_start = def->on_flow_start,
			.on_flow_end = def->on_flow_end,
		};
		if (def->flow_hooks)
			def->flow_hooks(a.ctx, &fa);
		a.slot = flow_table_add_analyzer(p->flows, &fa);
		if (a.slot < 0) {
			if (def->destroy)
				def->destroy(a.ctx);
			return -ENOMEM;
		}
	}
	/* Stable insertion by order: equal orders keep registration order. */
	for (k = p->n_an; k > 0 && p->an[k - 1].def->order > def->order; k--)
		p->an[k] = p->an[k - 1];
	p->an[k] = a;
	p->n_an++;
	return 0;
}

int pipeline_new(struct pipeline **out, const struct pipeline_opts *o,
		 const struct pipeline_hooks *hooks, struct nd_err *err)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	int rc = -ENOMEM;

	if (!p)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	p->opts = *o;
	if (hooks)
		p->hooks = *hooks;
	p->flows = flow_table_new(&o->limits);
	if (!p->flows)
		goto fail;
	flow_table_set_end_cb(p->flows, flow_end_cb, p);
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if ((rc = add_analyzer(p, builtin[i])) < 0)
			goto fail;
	for (size_t i = 0; i < o->n_analyzers; i++)
		if ((rc = add_analyzer(p, o->analyzers[i])) < 0)
			goto fail;
	for (int i = 0; i < p->n_an; i++) {
		const struct pkt_analyzer *d = p->an[i].def;

		if (d->on_frame)
			p->frame_an[p->n_frame_an++] = (unsigned char)i;
		if (d->on_packet)
			p->pkt_an[p->n_pkt_an++] = (unsigned char)i;
		if (d == &pa_tcp_analysis)
			p->tcp = p->an[i].ctx;
		else if (d == &pa_capture_quality)
			p->cq = p->an[i].ctx;
		else if (d == &pa_ip_reassembly)
			p->reasm = p->an[i].ctx;
	}
	if (p->tcp && p->hooks.on_tcp_stats)
		tcp_analyzer_set_stats_cb(p->tcp, p->hooks.on_tcp_stats,
					  p->hooks.ctx);
	*out = p;
	return 0;
fail:
	pipeline_free(p);
	if (rc == -E2BIG)
		return nd_err_set(err, ND_ERR_RUNTIME, E2BIG,
				  "too many packet analyzers");
	return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
}

int pipeline_start(struct pipeline *p, struct nd_err *err)
{
	for (int i = 0; i < p->n_an; i++) {
		const struct pkt_analyzer *d = p->an[i].def;

		if (d->start) {
			int rc = d->start(p->an[i].ctx, p, err);
			if (rc < 0)
				return rc;
		}
	}
	return p->hooks.on_start ? p->hooks.on_start(p->hooks.ctx, p, err) : 0;
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

/* Flows, then the registered analyzers, for the transport headers of one packet. */
static void track_packet(struct pipeline *p, const struct cap_frame *fr,
			 const struct packet *pkt, int skip_from)
{
	for (int i = 0; i < pkt->n_l4 && i < PKT_MAX_L4; i++) {
		struct flow_pkt_info info;
		enum flow_upd mode;

		if (!l4_mode(pkt, i, skip_from, &mode))
			continue;
		struct flow *f = flow_table_update_mode(p->flows, pkt, i,
							fr->num, fr->ts_ns,
							fr->wirelen, mode,
							&info);
		if (!f || !p->n_pkt_an)
			continue;
		const struct pa_packet pp = { fr, pkt, i, f, &info, &p->pf };
		bool tcp = pkt->l4[i].proto == 6 && mode != FLOW_UPD_TOUCH;

		for (int k = 0; k < p->n_pkt_an; k++) {
			const struct pa_slot *a = &p->an[p->pkt_an[k]];

			if (a->def->tcp_only && !tcp)
				continue;
			a->def->on_packet(a->ctx,
					  a->slot >= 0 ? flow_state(p->flows, f,
								    a->slot)
						       : NULL,
					  &pp);
		}
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
	for (int i = 0; i < p->n_frame_an; i++) {
		const struct pa_slot *a = &p->an[p->frame_an[i]];
		a->def->on_frame(a->ctx, pf);
	}
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
		const struct pa_end end = { &p->cs, &fs };
		int r = 0;
		for (int i = 0; i < p->n_an && r >= 0; i++)
			if (p->an[i].def->emit)
				r = p->an[i].def->emit(p->an[i].ctx, &end,
						       p->opts.ev);
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
	/* The flow table calls the analyzers' end hooks: free it first. */
	flow_table_free(p->flows);
	for (int i = 0; i < p->n_an; i++)
		if (p->an[i].def->destroy)
			p->an[i].def->destroy(p->an[i].ctx);
	cap_close(p->src);
	free(p);
}
