// SPDX-License-Identifier: MIT
/* Per-connection TCP statistics: accumulation per packet, delivery at flow end. */
#include "analyze/tcp_stats_acc.h"

#include <stdlib.h>
#include <string.h>

/* Linux RTO_MIN: a resend this long after the original is a timeout (D11). */
#define TCP_RTO_MIN_NS (200LL * 1000000LL)

static inline void inc(uint32_t *c)
{
	if (*c != UINT32_MAX)
		(*c)++;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/*
 * Frames are kept as 32-bit offsets + 1 (0: none) from base, the frame of
 * the connection's first analysed packet (the analysis's frame0). Not the
 * flow's first_frame: that moves forward when a flow first seen only in
 * uncounted packets (options cut by the snaplen) gets its first counted
 * one, which would shift every frame stored before.
 */
static uint32_t rel_frame(uint64_t base, uint64_t frame)
{
	uint64_t d = frame - base;

	return frame >= base && d < UINT32_MAX ? (uint32_t)d + 1 : 0;
}

static uint64_t abs_frame(uint64_t base, uint32_t rel)
{
	return rel ? base + rel - 1 : 0;
}

static void note_frame(uint32_t *slot, uint64_t base, uint64_t frame)
{
	if (!*slot)
		*slot = rel_frame(base, frame);
}

/* Analysis flags whose counters live in struct tcp_srare. */
#define SACC_RARE_FLAGS                                                       \
	(TA_RETRANSMISSION | TA_OUT_OF_ORDER | TA_LOST_SEGMENT |              \
	 TA_ACK_LOST_SEGMENT | TA_DUPLICATE_ACK | TA_WINDOW_FULL |            \
	 TA_ZERO_WINDOW | TA_ZERO_WINDOW_PROBE | TA_KEEP_ALIVE)

/* The rare block, allocated on first use; NULL without memory. */
struct tcp_srare *tcp_sacc_rare(struct tcp_sacc *a)
{
	if (!a->rare && !a->rare_lost) {
		a->rare = calloc(1, sizeof(*a->rare));
		a->rare_lost = !a->rare;
	}
	return a->rare;
}

void tcp_sacc_release(struct tcp_sacc *a)
{
	free(a->rare);
	a->rare = NULL;
}

static void syn_options(struct tcp_sdir *d, const struct pkt_tcp *t)
{
	if (d->syn_seen)
		return;
	d->syn_seen = true;
	d->mss = t->has_mss ? t->mss : 0;
	d->wscale = t->wscale;
	d->sack_perm = t->sack_perm;
	d->ts = t->has_ts;
}

static void syn_packet(struct tcp_sacc *a, uint64_t base, int dir,
		       const struct pkt_tcp *t, uint64_t frame, int64_t ts)
{
	struct tcp_sdir *d = &a->d[dir];
	bool ack = t->flags & TCP_F_ACK;

	if (d->syns != UINT8_MAX)
		d->syns++;
	syn_options(d, t);
	if (!ack) {
		if (!a->client_known) {
			a->client = (uint8_t)dir;
			a->client_known = true;
		}
		if (dir != a->client)
			return;
		if (!a->n_syn)
			a->first_syn_ts = ts;
		if (!a->n_syn) {
			a->syn0_frame = rel_frame(base, frame);
			a->n_syn++;
		} else if (a->n_syn < TCP_STATS_SYN_MAX && tcp_sacc_rare(a)) {
			int64_t off = (ts - a->first_syn_ts) / 1000;
			unsigned i = a->n_syn - 1u;

			a->rare->syn_off_us[i] =
				off < 0 ? 0 : off > UINT32_MAX ? UINT32_MAX :
				(uint32_t)off;
			a->rare->syn_frame[i] = rel_frame(base, frame);
			a->n_syn++;
		}
	} else if (!a->synack_seen) {
		a->synack_seen = true;
		a->synack_ts = ts;
	}
}

/* D6 phase of the first RST, from what was seen before it. */
static uint8_t rst_phase(const struct tcp_sacc *a, int dir)
{
	if (a->n_syn && !a->synack_seen && dir != a->client)
		return TCP_RST_REFUSED;
	if (a->any_fin)
		return TCP_RST_AFTER_FIN;
	if (!a->established)
		return TCP_RST_HANDSHAKE;
	return TCP_RST_ABORT;
}

/* Retransmission classes (D11) and RTO stall episodes. */
static void retrans(struct tcp_srare_dir *d, uint64_t base,
		    const struct pkt_tcp *t, uint32_t seglen, uint64_t frame,
		    const struct tcp_pkt_result *res)
{
	uint32_t end = t->seq + seglen;

	inc(&d->retrans);
	d->retrans_bytes += seglen;
	for (unsigned i = 0; i < TCP_STATS_FRAMES; i++) {
		if (!d->f_retrans[i]) {
			d->f_retrans[i] = rel_frame(base, frame);
			break;
		}
	}
	if (!d->karn_set || seq_gt(end, d->karn_hi)) {
		d->karn_hi = end;
		d->karn_set = true;
	}
	if (res->flags & TA_SPURIOUS_RETRANSMISSION) {
		inc(&d->spurious);
		note_frame(&d->f_spur, base, frame);
		return;
	}
	if ((res->flags & TA_FAST_RETRANSMISSION) ||
	    res->rto_ns < TCP_RTO_MIN_NS) {
		inc(&d->fast);
		return;
	}
	inc(&d->timeout);
	/* Repeated RTOs of one segment are measured from the same original. */
	uint32_t rf = rel_frame(base, res->rto_frame);

	if (d->stalls && rf && rf == d->stall_rto_frame) {
		if (res->rto_ns > d->stall_last) {
			d->stall_total += res->rto_ns - d->stall_last;
			d->stall_last = res->rto_ns;
		}
	} else {
		inc(&d->stalls);
		d->stall_total += res->rto_ns;
		d->stall_last = res->rto_ns;
		d->stall_rto_frame = rf;
	}
	if (d->stall_last > d->stall_max) {
		d->stall_max = d->stall_last;
		d->f_stall = rel_frame(base, frame);
	}
}

/* The counters of struct tcp_srare (d: this sender, o: its peer). */
static void rare_packet(struct tcp_srare_dir *d, const struct tcp_srare_dir *o,
			uint64_t base, const struct pkt_tcp *t,
			uint32_t seglen, uint64_t frame, int64_t ts,
			const struct tcp_pkt_result *res)
{
	const uint16_t fl = t->flags;
	const uint32_t rf = res->flags;

	/* A resent SYN is the D1 schedule, not data loss. */
	if (rf & TA_RETRANSMISSION)
		d->rt_bytes += seglen;
	if ((rf & TA_RETRANSMISSION) && !(fl & TCP_F_SYN))
		retrans(d, base, t, seglen, frame, res);
	if (rf & TA_OUT_OF_ORDER) {
		inc(&d->ooo);
		note_frame(&d->f_ooo, base, frame);
		if (res->back_cause == TCP_BACK_RETRANSMITTED) {
			inc(&d->ooo_rt);
			note_frame(&d->f_ooo_rt, base, frame);
		} else {
			if (res->back_cause == TCP_BACK_REORDERED)
				inc(&d->ooo_reord);
			else
				inc(&d->ooo_unk);
			note_frame(&d->f_ooo_reord, base, frame);
		}
	}
	if (rf & TA_LOST_SEGMENT)
		inc(&d->lost);
	if (rf & TA_ACK_LOST_SEGMENT)
		inc(&d->ack_lost);
	if (rf & TA_DUPLICATE_ACK)
		inc(&d->dup_acks);
	if (rf & TA_WINDOW_FULL) {
		inc(&d->wf);
		note_frame(&d->f_wf, base, frame);
	}
	/* D13: zero-window episodes of this sender, probes from the peer. */
	if (!(fl & (TCP_F_RST | TCP_F_SYN))) {
		if (t->win == 0 && !d->zw_start && (rf & TA_ZERO_WINDOW)) {
			inc(&d->zw);
			d->zw_start = ts;
			note_frame(&d->f_zw, base, frame);
		} else if (t->win != 0 && d->zw_start) {
			if (ts > d->zw_start)
				d->zw_total += ts - d->zw_start;
			d->zw_start = 0;
		}
	}
	if (rf & TA_ZERO_WINDOW_PROBE) {
		inc(&d->probes);
	} else if (rf & TA_KEEP_ALIVE) {
		if (o->zw_start) {
			inc(&d->probes);
			inc(&d->probes_linux);
		} else {
			inc(&d->ka);
		}
	}
}

void tcp_sacc_packet(struct tcp_sacc *a, uint64_t base, int dir,
		     const struct pkt_tcp *t, uint32_t seglen, uint64_t frame,
		     int64_t ts, int64_t prev_ts,
		     const struct tcp_pkt_result *res)
{
	struct tcp_sdir *d = &a->d[dir], *o = &a->d[!dir];
	const uint16_t fl = t->flags;
	const uint32_t rf = res->flags;

	if (prev_ts && ts - prev_ts > a->max_idle) {
		a->max_idle = ts - prev_ts;
		a->max_idle_frame = rel_frame(base, frame);
	}
	if (rf & TA_REUSED_PORTS)
		a->reused = true;
	if (!a->client_known && !(fl & TCP_F_SYN)) {
		/* Mid-stream: the first sender stands in for the client. */
		a->client = (uint8_t)dir;
		a->client_known = true;
	}
	inc(&d->pkts);
	if (fl & TCP_F_SYN)
		syn_packet(a, base, dir, t, frame, ts);
	if (fl & TCP_F_RST) {
		if (d->rsts != UINT8_MAX)
			d->rsts++;
		if (!a->any_rst) {
			a->any_rst = true;
			a->rst_frame = rel_frame(base, frame);
			a->rst_phase = rst_phase(a, dir);
			a->end_by = (uint8_t)dir;
		}
	}
	if (fl & TCP_F_FIN) {
		if (d->fins != UINT8_MAX)
			d->fins++;
		if (!a->any_fin) {
			a->any_fin = true;
			a->fin_frame = rel_frame(base, frame);
			if (!a->any_rst)
				a->end_by = (uint8_t)dir;
		}
	}
	/* After the RST check: a RST never completes a handshake. */
	if ((fl & TCP_F_ACK) && !(fl & (TCP_F_SYN | TCP_F_RST)) &&
	    (a->synack_seen || !a->n_syn))
		a->established = true;
	if (seglen) {
		inc(&d->data_pkts);
		d->bytes += seglen;
		if ((fl & (TCP_F_SYN | TCP_F_FIN)) && d->sf_data != UINT8_MAX)
			d->sf_data++;
	}
	if ((rf & SACC_RARE_FLAGS) && !a->rare)
		tcp_sacc_rare(a);
	if (a->rare)
		rare_packet(&a->rare->d[dir], &a->rare->d[!dir], base, t, seglen,
			    frame, ts, res);
	if (res->bytes_in_flight > 0 && res->bytes_in_flight > d->max_bif)
		d->max_bif = res->bytes_in_flight > UINT32_MAX ?
			     UINT32_MAX : (uint32_t)res->bytes_in_flight;
	/* Karn: no sample from an ACK covering retransmitted data. */
	if (res->ack_rtt_ns >= 0 && (fl & TCP_F_ACK) &&
	    !(a->rare && a->rare->d[!dir].karn_set &&
	      seq_le(t->ack, a->rare->d[!dir].karn_hi))) {
		int64_t us = res->ack_rtt_ns / 1000;
		uint32_t u = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;

		if (!o->rtt_n || u < o->rtt_min_us)
			o->rtt_min_us = u;
		if (u > o->rtt_max_us)
			o->rtt_max_us = u;
		o->rtt_sum_us += u;
		inc(&o->rtt_n);
	}
}

static void finish_dir(const struct tcp_sdir *s,
		       const struct tcp_srare_dir *r, uint64_t base,
		       int64_t end_ts, int64_t dur, struct tcp_dir_stats *d)
{
	d->pkts = s->pkts;
	d->data_pkts = s->data_pkts;
	/* sf_data <= data_pkts and <= syns + fins (or a saturated 255). */
	d->seq_pkts = (uint64_t)s->data_pkts + s->syns + s->fins - s->sf_data;
	d->bytes = s->bytes;
	d->unique_bytes = s->bytes - r->rt_bytes;
	d->retrans = r->retrans;
	d->retrans_fast = r->fast;
	d->retrans_timeout = r->timeout;
	d->spurious = r->spurious;
	d->retrans_bytes = r->retrans_bytes;
	d->rto_stalls = r->stalls;
	d->rto_stall_total_ns = r->stall_total;
	d->rto_stall_max_ns = r->stall_max;
	d->out_of_order = r->ooo;
	d->ooo_reordered = r->ooo_reord;
	d->ooo_retransmitted = r->ooo_rt;
	d->ooo_unknown = r->ooo_unk;
	d->lost_segments = r->lost;
	d->ack_lost = r->ack_lost;
	d->dup_acks = r->dup_acks;
	d->zero_windows = r->zw;
	d->zero_window_ns = r->zw_total;
	if (r->zw_start && end_ts > r->zw_start)
		d->zero_window_ns += end_ts - r->zw_start;
	d->zw_probes = r->probes;
	d->zw_probes_linux = r->probes_linux;
	d->window_full = r->wf;
	d->keep_alives = r->ka;
	d->max_bif = s->max_bif;
	d->rtt_samples = s->rtt_n;
	if (s->rtt_n) {
		d->rtt_min_ns = (int64_t)s->rtt_min_us * 1000;
		d->rtt_max_ns = (int64_t)s->rtt_max_us * 1000;
		d->rtt_avg_ns = (int64_t)(s->rtt_sum_us / s->rtt_n) * 1000;
	} else {
		d->rtt_min_ns = d->rtt_max_ns = d->rtt_avg_ns = -1;
	}
	d->throughput_bps = dur >= 1000 ?
			    (double)d->unique_bytes * 8e9 / (double)dur : 0;
	d->syn_seen = s->syn_seen;
	d->sack_perm = s->sack_perm;
	d->timestamps = s->ts;
	d->wscale = s->syn_seen ? s->wscale : -1;
	d->mss = s->mss;
	d->syns = s->syns;
	d->rsts = s->rsts;
	d->fins = s->fins;
	for (unsigned i = 0; i < TCP_STATS_FRAMES; i++)
		d->retrans_frames[i] = abs_frame(base, r->f_retrans[i]);
	d->zw_frame = abs_frame(base, r->f_zw);
	d->wf_frame = abs_frame(base, r->f_wf);
	d->ooo_frame = abs_frame(base, r->f_ooo);
	d->ooo_reordered_frame = abs_frame(base, r->f_ooo_reord);
	d->ooo_retransmitted_frame = abs_frame(base, r->f_ooo_rt);
	d->spurious_frame = abs_frame(base, r->f_spur);
	d->stall_frame = abs_frame(base, r->f_stall);
}

/* What a connection without rare events reports. */
static const struct tcp_srare_dir no_rare;

void tcp_sacc_finish(const struct tcp_sacc *a, const struct flow *f,
		     uint64_t base, int64_t irtt_ns, struct tcp_conn_stats *out)
{
	int64_t dur = f->last_ns - f->first_ns;

	memset(out, 0, sizeof(*out));
	out->stream = f->conv_id;
	out->key = f->key;
	out->first_ns = f->first_ns;
	out->last_ns = f->last_ns;
	out->first_frame = f->first_frame;
	out->last_frame = f->last_frame;
	out->client = a->client_known ? a->client : f->first_dir;
	out->syn_seen = a->n_syn > 0;
	out->synack_seen = a->synack_seen;
	out->established = a->established;
	out->midstream = !a->n_syn && !a->synack_seen;
	out->handshake_rtt_ns = irtt_ns ? irtt_ns : -1;
	out->n_syn_times = a->n_syn;
	if (a->n_syn)
		out->syn_frames[0] = abs_frame(base, a->syn0_frame);
	for (unsigned i = 1; i < a->n_syn && a->rare; i++) {
		out->syn_times_ns[i] =
			(int64_t)a->rare->syn_off_us[i - 1] * 1000;
		out->syn_frames[i] = abs_frame(base, a->rare->syn_frame[i - 1]);
	}
	out->connect_ns = a->n_syn && a->synack_seen ?
			  a->synack_ts - a->first_syn_ts : -1;
	out->end = a->any_rst ? TCP_CONN_RST :
		   a->any_fin ? TCP_CONN_FIN : TCP_CONN_OPEN;
	out->end_by = a->end_by;
	out->rst_phase = (enum tcp_rst_phase)a->rst_phase;
	out->rst_frame = abs_frame(base, a->rst_frame);
	out->fin_frame = abs_frame(base, a->fin_frame);
	out->max_idle_ns = a->max_idle;
	out->max_idle_frame = abs_frame(base, a->max_idle_frame);
	out->reused_ports = a->reused;
	out->partial = f->end == FLOW_END_EVICTED || f->part > 0;
	for (int i = 0; i < 2; i++)
		finish_dir(&a->d[i], a->rare ? &a->rare->d[i] : &no_rare, base,
			   f->last_ns, dur, &out->d[i]);
}

static uint32_t add32(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static void keep_first(uint64_t *dst, uint64_t part)
{
	if (!*dst)
		*dst = part;
}

static void merge_dir(struct tcp_dir_stats *d, const struct tcp_dir_stats *p)
{
	uint32_t n = 0;

	if (p->rtt_samples) {
		if (!d->rtt_samples) {
			d->rtt_min_ns = p->rtt_min_ns;
			d->rtt_max_ns = p->rtt_max_ns;
			d->rtt_avg_ns = p->rtt_avg_ns;
		} else {
			/* Weighted by samples; the sum fits (us-range RTTs). */
			double w = (double)d->rtt_avg_ns * d->rtt_samples +
				   (double)p->rtt_avg_ns * p->rtt_samples;

			d->rtt_avg_ns = (int64_t)(w / ((double)d->rtt_samples +
						      p->rtt_samples));
			if (p->rtt_min_ns < d->rtt_min_ns)
				d->rtt_min_ns = p->rtt_min_ns;
			if (p->rtt_max_ns > d->rtt_max_ns)
				d->rtt_max_ns = p->rtt_max_ns;
		}
		d->rtt_samples = add32(d->rtt_samples, p->rtt_samples);
	}
	d->pkts += p->pkts;
	d->data_pkts += p->data_pkts;
	d->seq_pkts += p->seq_pkts;
	d->bytes += p->bytes;
	d->unique_bytes += p->unique_bytes;
	d->retrans = add32(d->retrans, p->retrans);
	d->retrans_fast = add32(d->retrans_fast, p->retrans_fast);
	d->retrans_timeout = add32(d->retrans_timeout, p->retrans_timeout);
	d->spurious = add32(d->spurious, p->spurious);
	d->retrans_bytes += p->retrans_bytes;
	/* The stall frame goes with the longest stall. */
	if (p->rto_stall_max_ns > d->rto_stall_max_ns) {
		d->rto_stall_max_ns = p->rto_stall_max_ns;
		d->stall_frame = p->stall_frame;
	}
	d->rto_stalls = add32(d->rto_stalls, p->rto_stalls);
	d->rto_stall_total_ns += p->rto_stall_total_ns;
	d->out_of_order = add32(d->out_of_order, p->out_of_order);
	d->ooo_reordered = add32(d->ooo_reordered, p->ooo_reordered);
	d->ooo_retransmitted = add32(d->ooo_retransmitted,
				     p->ooo_retransmitted);
	d->ooo_unknown = add32(d->ooo_unknown, p->ooo_unknown);
	d->lost_segments = add32(d->lost_segments, p->lost_segments);
	d->ack_lost = add32(d->ack_lost, p->ack_lost);
	d->dup_acks = add32(d->dup_acks, p->dup_acks);
	d->zero_windows = add32(d->zero_windows, p->zero_windows);
	d->zero_window_ns += p->zero_window_ns;
	d->zw_probes = add32(d->zw_probes, p->zw_probes);
	d->zw_probes_linux = add32(d->zw_probes_linux, p->zw_probes_linux);
	d->window_full = add32(d->window_full, p->window_full);
	d->keep_alives = add32(d->keep_alives, p->keep_alives);
	if (p->max_bif > d->max_bif)
		d->max_bif = p->max_bif;
	if (!d->syn_seen && p->syn_seen) {
		d->sack_perm = p->sack_perm;
		d->timestamps = p->timestamps;
		d->wscale = p->wscale;
		d->mss = p->mss;
		d->syn_seen = true;
	}
	d->syns = add32(d->syns, p->syns);
	d->rsts = add32(d->rsts, p->rsts);
	d->fins = add32(d->fins, p->fins);
	/* Earliest example frames first, then the part's. */
	while (n < TCP_STATS_FRAMES && d->retrans_frames[n])
		n++;
	for (unsigned i = 0; i < TCP_STATS_FRAMES && n < TCP_STATS_FRAMES; i++)
		if (p->retrans_frames[i])
			d->retrans_frames[n++] = p->retrans_frames[i];
	keep_first(&d->zw_frame, p->zw_frame);
	keep_first(&d->wf_frame, p->wf_frame);
	keep_first(&d->ooo_frame, p->ooo_frame);
	keep_first(&d->ooo_reordered_frame, p->ooo_reordered_frame);
	keep_first(&d->ooo_retransmitted_frame, p->ooo_retransmitted_frame);
	keep_first(&d->spurious_frame, p->spurious_frame);
}

void tcp_conn_stats_merge(struct tcp_conn_stats *dst,
			  const struct tcp_conn_stats *part)
{
	int64_t dur;

	if (part->first_ns < dst->first_ns)
		dst->first_ns = part->first_ns;
	if (part->last_ns > dst->last_ns)
		dst->last_ns = part->last_ns;
	if (part->first_frame < dst->first_frame)
		dst->first_frame = part->first_frame;
	if (part->last_frame > dst->last_frame)
		dst->last_frame = part->last_frame;
	if (!dst->syn_seen && part->syn_seen) {
		dst->n_syn_times = part->n_syn_times;
		memcpy(dst->syn_times_ns, part->syn_times_ns,
		       sizeof(dst->syn_times_ns));
		memcpy(dst->syn_frames, part->syn_frames,
		       sizeof(dst->syn_frames));
		dst->syn_seen = true;
	}
	if (!dst->synack_seen && part->synack_seen)
		dst->connect_ns = part->connect_ns;
	dst->synack_seen |= part->synack_seen;
	dst->established |= part->established;
	dst->midstream = !dst->syn_seen && !dst->synack_seen;
	if (dst->handshake_rtt_ns < 0)
		dst->handshake_rtt_ns = part->handshake_rtt_ns;
	/* A RST anywhere ends it as RST; else the first FIN. */
	if (part->end > dst->end) {
		dst->end = part->end;
		dst->end_by = part->end_by;
		dst->rst_phase = part->rst_phase;
	}
	keep_first(&dst->rst_frame, part->rst_frame);
	keep_first(&dst->fin_frame, part->fin_frame);
	if (part->max_idle_ns > dst->max_idle_ns) {
		dst->max_idle_ns = part->max_idle_ns;
		dst->max_idle_frame = part->max_idle_frame;
	}
	dst->reused_ports |= part->reused_ports;
	dst->partial = true;
	dur = dst->last_ns - dst->first_ns;
	for (int i = 0; i < 2; i++) {
		merge_dir(&dst->d[i], &part->d[i]);
		dst->d[i].throughput_bps =
			dur >= 1000 ? (double)dst->d[i].unique_bytes * 8e9 /
					      (double)dur : 0;
	}
}

const char *tcp_conn_end_name(enum tcp_conn_end e)
{
	switch (e) {
	case TCP_CONN_FIN:
		return "fin";
	case TCP_CONN_RST:
		return "rst";
	default:
		return "open";
	}
}

const char *tcp_rst_phase_name(enum tcp_rst_phase p)
{
	switch (p) {
	case TCP_RST_REFUSED:
		return "refused";
	case TCP_RST_HANDSHAKE:
		return "handshake";
	case TCP_RST_ABORT:
		return "abort";
	case TCP_RST_AFTER_FIN:
		return "after_fin";
	default:
		return "";
	}
}

uint64_t tcp_conn_problem_score(const struct tcp_conn_stats *st)
{
	uint64_t s = 0;

	for (int i = 0; i < 2; i++) {
		const struct tcp_dir_stats *d = &st->d[i];

		s += (uint64_t)d->retrans + d->out_of_order + d->lost_segments +
		     d->window_full + 10ull * d->zero_windows +
		     10ull * d->rto_stalls;
	}
	if (st->end == TCP_CONN_RST)
		s += 10;
	if (st->syn_seen && !st->synack_seen)
		s += 10 * (uint64_t)st->n_syn_times;
	return s;
}
