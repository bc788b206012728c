/* SPDX-License-Identifier: MIT */
/* Per-connection TCP statistics to evidence records (docs/findings.md lists the kinds). */
#ifndef NETDX_ANALYZE_TCP_EVIDENCE_H
#define NETDX_ANALYZE_TCP_EVIDENCE_H

#include <stdint.h>

#include "analyze/tcp_stats.h"
#include "evidence/evidence.h"

/*
 * Adds the evidence of one finished connection: at most one record per
 * kind and direction (tcp.retransmission, tcp.rto_stall, tcp.reordering,
 * tcp.zero_window, tcp.window_full) plus tcp.reset and tcp.syn_unanswered,
 * all flow-scoped. Clean connections add nothing. 0 or -ENOMEM (a full
 * store is counted by the store, not an error).
 */
int tcp_stats_add_evidence(const struct tcp_conn_stats *st,
			   struct ev_store *ev);

/*
 * The evidence of a revived part of a connection (flow.part > 0): only the
 * per-direction kinds. Its analyzer state restarted, so how the part began
 * or ended (tcp.reset phase, tcp.syn_unanswered) says nothing about the
 * connection, and the earlier part already reported those.
 */
int tcp_stats_add_part_evidence(const struct tcp_conn_stats *st,
				struct ev_store *ev);

/* Run-wide totals, for rates ("share of data segments"). */
struct tcp_totals {
	uint64_t conns, data_pkts, retrans, bytes;
	uint64_t seq_pkts; /* segments with data, SYN or FIN: what can be resent */
};

void tcp_totals_add(struct tcp_totals *t, const struct tcp_conn_stats *st);
/* One "tcp.totals" record. 0 or negative errno. */
int tcp_totals_add_evidence(const struct tcp_totals *t, struct ev_store *ev);

#endif
