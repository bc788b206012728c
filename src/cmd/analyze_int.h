/* SPDX-License-Identifier: MIT */
/* netdx analyze internals shared by the command and its drill-down view. */
#ifndef NETDX_CMD_ANALYZE_INT_H
#define NETDX_CMD_ANALYZE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/tcp_analysis.h"
#include "analyze/tcp_evidence.h"
#include "analyze/tcp_follow.h"
#include "analyze/tcp_stats.h"
#include "cmd/packet_cmd.h"
#include "output/report.h"
#include "output/sink.h"

#define TOP_CONNS 20		 /* connections in the table without --all */
/* --stream/--flow: packets listed (168 B each: 16.8 MB); --stream-packets. */
#define ANALYZE_STREAM_PKTS 100000
/*
 * Live --all: connection rows kept (888 B each: 444 MB, with the flow
 * table's worst case of ~700 MB at the default --max-flows it fits a 2 GB
 * machine); --max-rows. Files keep every row unless --max-rows is given.
 */
#define ANALYZE_LIVE_MAX_ROWS 500000
/*
 * Report mode on files: capture time a finished connection (FIN both ways
 * or RST) stays in the table after its last packet (docs/tcp-analysis.md
 * "Memory"): Linux's TIME_WAIT (60 s), after which the endpoints too have
 * forgotten the connection. A later packet revives it as a new part.
 */
#define ANALYZE_FILE_LINGER_NS (60 * 1000000000LL)

/* One frame of the drilled-down connection. */
struct pkt_row {
	uint64_t frame;
	int64_t ts;
	uint8_t src[16]; /* sender address and port: direction at render */
	uint16_t sport;
	uint16_t tcp_flags;
	struct tcp_pkt_result r;
	uint16_t win;
};

struct analyze_ctx {
	bool frames; /* --frames: one line per flagged frame (oracle format) */
	bool fields; /* --fields: per-packet values (tshark field format) */
	bool all, follow;
	uint64_t flagged_frames;
	uint64_t count[TA_NFLAGS];
	FILE *out;
	struct packet_cmd *pc;
	/* Drill-down: --stream N or --flow 'A:p B:p'. */
	bool drill, have_stream, by_flow;
	uint64_t stream;
	uint8_t fl_family;
	uint8_t fl_addr[2][16];
	uint16_t fl_port[2];
	struct pkt_row *prow;
	size_t np, pcap_;
	uint64_t max_pkts;	/* --stream-packets: rows kept (the first ones) */
	uint64_t pkts_omitted;	/* packets of the stream past max_pkts */
	uint64_t max_rows;	/* --max-rows: --all rows kept (0 all) */
	uint64_t rows_omitted;	/* connections not listed because of it */
	size_t zero_scan;	/* next row to try as a zero-score victim */
	bool drilled_found;
	struct tcp_conn_stats drilled;
	/* Connections kept for the table: the worst TOP_CONNS, or all. */
	struct tcp_conn_stats *conns;
	size_t nc, cc;
	/* --all: conns index + 1 by stream (0 none), for merging parts. */
	size_t *idx;
	size_t nidx;
	/* tcp_conn_problem_score of conns[0..TOP_CONNS-1], computed once. */
	uint64_t top_score[TOP_CONNS];
	size_t top_lo;	/* index of the lowest top_score once nc == TOP_CONNS */
	struct tcp_totals totals;
	int64_t t0;
	bool have_t0;
	/* --follow */
	struct sink *fsink;
	struct tcp_follow *fw;
	struct tcp_follow_clock clk;
	const char *write_evidence; /* --write-evidence FILE */
	bool oom;
};

/* How a connection ended, in words ("fin by server", "no answer (3 SYN)"). */
void analyze_end_text(const struct tcp_conn_stats *st, char *buf, size_t n);
/* --stream / --flow: the connection's statistics, one row per stat. */
int analyze_drill_stats(struct report *rep, const struct tcp_conn_stats *st);
/*
 * --follow: runs the rules over one connection snapshot (open or ended)
 * and passes each finding not shown before for this connection (fw) to
 * emit. Returns the number emitted, or negative errno (err set). A clean
 * connection costs no rule run.
 */
int analyze_follow_conn(struct tcp_follow *fw, const struct engine *eng,
			const struct tcp_conn_stats *st,
			void (*emit)(void *ctx, const struct finding *f),
			void *ctx, struct nd_err *err);
/* --stream / --flow: every packet of the connection with its analysis. */
int analyze_drill_packets(struct analyze_ctx *a, struct report *rep,
			  const struct tcp_conn_stats *st);

#endif
