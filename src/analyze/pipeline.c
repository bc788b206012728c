// SPDX-License-Identifier: MIT
/* The packet pipeline: reads frames, decodes, tracks flows, runs analyzers. */
#include "analyze/pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/capture_quality.h"

struct pipeline {
	struct pipeline_opts opts;
	struct pipeline_hooks hooks;
	struct cap_source *src;
	struct flow_table *flows;
	struct tcp_analyzer *tcp;
	int tcp_slot;
	struct cq *cq;
	uint64_t frames;
	struct packet pkt;
	struct pipeline_frame pf;
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
	if (o->tcp_analysis) {
		struct flow_analyzer fa;
		p->tcp = tcp_analyzer_new();
		if (!p->tcp)
			goto nomem;
		tcp_analyzer_flow_hooks(p->tcp, &fa);
		p->tcp_slot = flow_table_add_analyzer(p->flows, &fa);
		if (p->tcp_slot < 0)
			goto nomem;
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

/* Transport headers that get a flow: not quoted in ICMP errors, not fragments. */
static bool l4_trackable(const struct packet *pkt, int i)
{
	const struct pkt_l4 *l = &pkt->l4[i];
	if (l->in_icmp_error)
		return false;
	if (l->ip < pkt->n_ip && pkt->ip[l->ip].fragment)
		return false;
	return true;
}

static void process_frame(struct pipeline *p, const struct cap_frame *fr)
{
	struct pipeline_frame *pf = &p->pf;

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
	for (int i = 0; i < p->pkt.n_l4; i++) {
		struct flow_pkt_info info;
		if (!l4_trackable(&p->pkt, i))
			continue;
		struct flow *f = flow_table_update(p->flows, &p->pkt, i,
						   fr->num, fr->ts_ns,
						   fr->wirelen, &info);
		if (!f || p->pkt.l4[i].proto != 6 || !p->tcp)
			continue;
		if (pf->n_tcp >= PIPELINE_MAX_TCP)
			continue;
		struct tcp_pkt_result *r = &pf->tcp[pf->n_tcp++];
		tcp_analyzer_packet(p->tcp, f, f->an_state[p->tcp_slot], &info,
				    &p->pkt, i, fr->num, fr->ts_ns, r);
	}
hooks:
	if (p->hooks.on_frame)
		p->hooks.on_frame(p->hooks.ctx, pf);
}

int pipeline_run(struct pipeline *p, struct nd_err *err)
{
	struct cap_frame fr;
	int ret;

	for (;;) {
		ret = cap_next(p->src, &fr, err);
		if (ret <= 0)
			break;
		p->frames++;
		process_frame(p, &fr);
	}
	/* Flows still open are reported even when the input failed part-way. */
	flow_table_flush(p->flows);
	if (p->opts.ev) {
		struct cap_stats cs;
		struct flow_table_stats fs;
		pipeline_cap_stats(p, &cs);
		flow_table_get_stats(p->flows, &fs);
		int r = cq_finish(p->cq, &cs, &fs, p->opts.ev);
		if (r < 0 && ret >= 0)
			ret = nd_err_set(err, ND_ERR_RUNTIME, -r,
					 "out of memory");
	}
	return ret < 0 ? ret : 0;
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
	if (p->src)
		cap_get_stats(p->src, st);
	else
		memset(st, 0, sizeof(*st));
}

uint64_t pipeline_frames(const struct pipeline *p)
{
	return p->frames;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	/* The flow table calls the TCP analyzer's end hooks: free it first. */
	flow_table_free(p->flows);
	tcp_analyzer_free(p->tcp);
	cq_free(p->cq);
	cap_close(p->src);
	free(p);
}
