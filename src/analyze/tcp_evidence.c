// SPDX-License-Identifier: MIT
/* Per-connection TCP statistics to evidence records (one per problem kind and flow). */
#include "analyze/tcp_evidence.h"

#include <errno.h>

static void ev_begin(struct evidence *e, const char *kind,
		     const struct tcp_conn_stats *st)
{
	ev_init(e, kind, EV_SRC_CAPTURE);
	e->t_start_ns = st->first_ns;
	e->t_end_ns = st->last_ns;
	ev_scope_set_flow(&e->scope, &st->key, st->stream);
	ev_set_label(e, "client", st->client);
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
		ev_begin(&e, "tcp.retransmission", st);
		ev_set_label(&e, "sender", i);
		ev_set_i64(&e, "retrans", d->retrans);
		ev_set_i64(&e, "fast", d->retrans_fast);
		ev_set_i64(&e, "timeout", d->retrans_timeout);
		ev_set_i64(&e, "spurious", d->spurious);
		/* What can be resent: segments with data, SYN or FIN. */
		ev_set_i64(&e, "seq_pkts", (int64_t)d->seq_pkts);
		ev_set_i64(&e, "retrans_bytes", (int64_t)d->retrans_bytes);
		ev_set_max(&e, "spurious_frame", (int64_t)d->spurious_frame);
		/* EV_MAX_NUMS (10) are used: add a number only for one. */
		ev_set_i64(&e, "upstream", d->ooo_retransmitted);
		for (unsigned k = 0; k < TCP_STATS_FRAMES; k++)
			add_frame(&e, d->retrans_frames[k]);
		add_frame(&e, d->ooo_retransmitted_frame);
		e.frame_count = (uint64_t)d->retrans + d->ooo_retransmitted;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	if (d->rto_stalls) {
		ev_begin(&e, "tcp.rto_stall", st);
		ev_set_label(&e, "sender", i);
		ev_set_i64(&e, "stalls", d->rto_stalls);
		ev_set_i64(&e, "total_ns", d->rto_stall_total_ns);
		ev_set_max(&e, "max_ns", d->rto_stall_max_ns);
		ev_set_max(&e, "srtt_ns", d->rtt_avg_ns);
		add_frame(&e, d->stall_frame);
		e.frame_count = d->retrans_timeout;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	if (d->ooo_reordered || d->ooo_unknown) {
		ev_begin(&e, "tcp.reordering", st);
		ev_set_label(&e, "sender", i);
		ev_set_i64(&e, "out_of_order", d->out_of_order);
		ev_set_i64(&e, "reordered", d->ooo_reordered);
		ev_set_i64(&e, "unknown", d->ooo_unknown);
		ev_set_i64(&e, "data_pkts", (int64_t)d->data_pkts);
		add_frame(&e, d->ooo_reordered_frame);
		e.frame_count = (uint64_t)d->ooo_reordered + d->ooo_unknown;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	if (d->zero_windows) {
		const struct tcp_dir_stats *p = &st->d[!i];

		ev_begin(&e, "tcp.zero_window", st);
		ev_set_label(&e, "receiver", i);
		ev_set_i64(&e, "episodes", d->zero_windows);
		ev_set_i64(&e, "total_ns", d->zero_window_ns);
		ev_set_i64(&e, "probes", p->zw_probes);
		ev_set_i64(&e, "probes_linux", p->zw_probes_linux);
		add_frame(&e, d->zw_frame);
		e.frame_count = d->zero_windows;
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	if (d->window_full) {
		ev_begin(&e, "tcp.window_full", st);
		ev_set_label(&e, "sender", i);
		ev_set_i64(&e, "window_full", d->window_full);
		ev_set_i64(&e, "data_pkts", (int64_t)d->data_pkts);
		ev_set_max(&e, "max_bif", d->max_bif);
		/* Clamped as Wireshark does: a label takes few values. */
		ev_set_label(&e, "peer_wscale", st->d[!i].wscale < 0 ? -1 :
				 st->d[!i].wscale > 14 ? 14 : st->d[!i].wscale);
		add_frame(&e, d->wf_frame);
		e.frame_count = d->window_full;
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
		ev_begin(&e, "tcp.reset", st);
		ev_set_label(&e, "by", st->end_by);
		ev_set_label(&e, "phase", st->rst_phase);
		ev_set_i64(&e, "data_bytes", (int64_t)(st->d[0].bytes +
						       st->d[1].bytes));
		ev_set_i64(&e, "syns", st->n_syn_times);
		add_frame(&e, st->rst_frame);
		if ((rc = put(ev, &e)) < 0)
			return rc;
	}
	/* D1: SYNs with no SYN-ACK and no RST back. */
	if (st->syn_seen && !st->synack_seen && !st->d[!st->client].rsts &&
	    !st->d[!st->client].pkts) {
		ev_begin(&e, "tcp.syn_unanswered", st);
		ev_set_i64(&e, "attempts", st->d[st->client].syns);
		static const char *const names[TCP_STATS_SYN_MAX - 1] = {
			"retry1_ns", "retry2_ns", "retry3_ns", "retry4_ns",
			"retry5_ns", "retry6_ns", "retry7_ns",
		};
		for (unsigned k = 1; k < st->n_syn_times; k++)
			ev_set_max(&e, names[k - 1], st->syn_times_ns[k]);
		for (unsigned k = 0; k < st->n_syn_times; k++)
			add_frame(&e, st->syn_frames[k]);
		e.frame_count = st->d[st->client].syns;
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

	ev_init(&e, "tcp.totals", EV_SRC_CAPTURE);
	ev_set_i64(&e, "conns", (int64_t)t->conns);
	ev_set_i64(&e, "data_pkts", (int64_t)t->data_pkts);
	ev_set_i64(&e, "seq_pkts", (int64_t)t->seq_pkts);
	ev_set_i64(&e, "retrans", (int64_t)t->retrans);
	ev_set_i64(&e, "bytes", (int64_t)t->bytes);
	return put(ev, &e);
}
