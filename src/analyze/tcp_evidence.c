// SPDX-License-Identifier: MIT
/* Per-connection TCP statistics to evidence records (one per problem kind and flow). */
#include "analyze/tcp_evidence.h"

#include <errno.h>

static void ev_begin(struct evidence *e, enum ev_kind kind,
		     const struct tcp_conn_stats *st)
{
	ev_init(e, kind, EV_SRC_CAPTURE);
	e->t_start_ns = st->first_ns;
	e->t_end_ns = st->last_ns;
	ev_scope_set_flow(&e->scope, &st->key, st->stream);
	ev_set_i64(e, EVF_CLIENT, st->client);
}

static void add_frame(struct evidence *e, uint64_t frame)
{
	if (frame)
		ev_add_frame(e, frame);
}

/* Adds e; a full store is counted there, not an error for the run. */
static int put(struct ev_store *ev, const struct evidence *e)
{
	int rc = ev_store_add(ev, e);

	return rc == -ENOSPC ? 0 : rc;
}

static int dir_evidence(const struct tcp_conn_stats *st, int i,
			struct ev_store *ev)
{
	const struct tcp_dir_stats *d = &st->d[i];
	struct evidence e;
	int rc;

	/*
	 * Out-of-order segments whose IP ID shows they were resent count as
	 * retransmissions ("upstream": the original was lost before the
	 * capture point); the others are the reordering evidence.
	 */
	if (d->retrans || d->ooo_retransmitted) {
		ev_begin(&e, EVK_TCP_RETRANS, st);
		ev_set_i64(&e, EVF_SENDER, i);
		ev_set_i64(&e, EVF_RETRANS, d->retrans);
		ev_set_i64(&e, EVF_FAST, d->retrans_fast);
		ev_set_i64(&e, EVF_TIMEOUT, d->retrans_timeout);
		ev_set_i64(&e, EVF_SPURIOUS, d->spurious);
		/* What can be resent: segments with data, SYN or FIN. */
		ev_set_i64(&e, EVF_SEQ_PKTS, (int64_t)d->seq_pkts);
		ev_set_i64(&e, EVF_RETRANS_BYTES, (int64_t)d->retrans_bytes);
		ev_set_i64(&e, EVF_SPURIOUS_FRAME, (int64_t)d->spurious_frame);
		ev_set_i64(&e, EVF_UPSTREAM, d->ooo_retransmitted);
		for (unsigned k = 0; k < TCP_STATS_FRAMES; k++)
			add_frame(&e, d->retrans_frames[k]);
		add_frame(&e, d->ooo_retransmitted_frame);
		e.ref_count = (uint64_t)d->retrans + d->ooo_retransmitted;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	if (d->rto_stalls) {
		ev_begin(&e, EVK_TCP_RTO_STALL, st);
		ev_set_i64(&e, EVF_SENDER, i);
		ev_set_i64(&e, EVF_STALLS, d->rto_stalls);
		ev_set_i64(&e, EVF_TOTAL_NS, d->rto_stall_total_ns);
		ev_set_i64(&e, EVF_MAX_NS, d->rto_stall_max_ns);
		ev_set_i64(&e, EVF_SRTT_NS, d->rtt_avg_ns);
		add_frame(&e, d->stall_frame);
		e.ref_count = d->retrans_timeout;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	if (d->ooo_reordered || d->ooo_unknown) {
		ev_begin(&e, EVK_TCP_REORDERING, st);
		ev_set_i64(&e, EVF_SENDER, i);
		ev_set_i64(&e, EVF_OUT_OF_ORDER, d->out_of_order);
		ev_set_i64(&e, EVF_REORDERED, d->ooo_reordered);
		ev_set_i64(&e, EVF_UNKNOWN, d->ooo_unknown);
		ev_set_i64(&e, EVF_DATA_PKTS, (int64_t)d->data_pkts);
		add_frame(&e, d->ooo_reordered_frame);
		e.ref_count = (uint64_t)d->ooo_reordered + d->ooo_unknown;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	if (d->zero_windows) {
		const struct tcp_dir_stats *p = &st->d[!i];

		ev_begin(&e, EVK_TCP_ZERO_WINDOW, st);
		ev_set_i64(&e, EVF_RECEIVER, i);
		ev_set_i64(&e, EVF_EPISODES, d->zero_windows);
		ev_set_i64(&e, EVF_TOTAL_NS, d->zero_window_ns);
		ev_set_i64(&e, EVF_PROBES, p->zw_probes);
		ev_set_i64(&e, EVF_PROBES_LINUX, p->zw_probes_linux);
		add_frame(&e, d->zw_frame);
		e.ref_count = d->zero_windows;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	if (d->window_full) {
		ev_begin(&e, EVK_TCP_WINDOW_FULL, st);
		ev_set_i64(&e, EVF_SENDER, i);
		ev_set_i64(&e, EVF_WINDOW_FULL, d->window_full);
		ev_set_i64(&e, EVF_DATA_PKTS, (int64_t)d->data_pkts);
		ev_set_i64(&e, EVF_MAX_BIF, d->max_bif);
		/* Clamped as Wireshark does: a label takes few values. */
		ev_set_i64(&e, EVF_PEER_WSCALE, st->d[!i].wscale < 0 ? -1 :
				 st->d[!i].wscale > 14 ? 14 : st->d[!i].wscale);
		add_frame(&e, d->wf_frame);
		e.ref_count = d->window_full;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	return 0;
}

int tcp_stats_add_evidence(const struct tcp_conn_stats *st,
			   struct ev_store *ev)
{
	struct evidence e;
	int rc;

	for (int i = 0; i < 2; i++)
		if ((rc = dir_evidence(st, i, ev)) < 0)
			return rc;
	if (st->end == TCP_CONN_RST) {
		ev_begin(&e, EVK_TCP_RESET, st);
		ev_set_i64(&e, EVF_BY, st->end_by);
		ev_set_i64(&e, EVF_PHASE, st->rst_phase);
		ev_set_i64(&e, EVF_DATA_BYTES, (int64_t)(st->d[0].bytes +
						       st->d[1].bytes));
		ev_set_i64(&e, EVF_SYNS, st->n_syn_times);
		add_frame(&e, st->rst_frame);
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	/* D1: SYNs with no SYN-ACK and no RST back. */
	if (st->syn_seen && !st->synack_seen && !st->d[!st->client].rsts &&
	    !st->d[!st->client].pkts) {
		ev_begin(&e, EVK_TCP_SYN_UNANSWERED, st);
		ev_set_i64(&e, EVF_ATTEMPTS, st->d[st->client].syns);
		static const enum ev_field names[TCP_STATS_SYN_MAX - 1] = {
			EVF_RETRY1_NS, EVF_RETRY2_NS, EVF_RETRY3_NS,
			EVF_RETRY4_NS, EVF_RETRY5_NS, EVF_RETRY6_NS,
			EVF_RETRY7_NS,
		};
		for (unsigned k = 1; k < st->n_syn_times; k++)
			ev_set_i64(&e, names[k - 1], st->syn_times_ns[k]);
		for (unsigned k = 0; k < st->n_syn_times; k++)
			add_frame(&e, st->syn_frames[k]);
		e.ref_count = st->d[st->client].syns;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	return 0;
}

int tcp_stats_add_part_evidence(const struct tcp_conn_stats *st,
				struct ev_store *ev)
{
	int rc;

	for (int i = 0; i < 2; i++)
		if ((rc = dir_evidence(st, i, ev)) < 0)
			return rc;
	return 0;
}

void tcp_totals_add(struct tcp_totals *t, const struct tcp_conn_stats *st)
{
	t->conns++;
	for (int i = 0; i < 2; i++) {
		t->data_pkts += st->d[i].data_pkts;
		t->seq_pkts += st->d[i].seq_pkts;
		t->retrans += (uint64_t)st->d[i].retrans +
			      st->d[i].ooo_retransmitted;
		t->bytes += st->d[i].bytes;
	}
}

int tcp_totals_add_evidence(const struct tcp_totals *t, struct ev_store *ev)
{
	struct evidence e;

	ev_init(&e, EVK_TCP_TOTALS, EV_SRC_CAPTURE);
	ev_set_i64(&e, EVF_CONNS, (int64_t)t->conns);
	ev_set_i64(&e, EVF_DATA_PKTS, (int64_t)t->data_pkts);
	ev_set_i64(&e, EVF_SEQ_PKTS, (int64_t)t->seq_pkts);
	ev_set_i64(&e, EVF_RETRANS, (int64_t)t->retrans);
	ev_set_i64(&e, EVF_BYTES, (int64_t)t->bytes);
	return put(ev, &e);
}
