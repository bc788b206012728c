/* SPDX-License-Identifier: MIT */
/* Per-connection TCP statistics, delivered when a flow ends (docs/tcp-analysis.md). */
#ifndef NETDX_ANALYZE_TCP_STATS_H
#define NETDX_ANALYZE_TCP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

struct tcp_analyzer;

/* How the connection ended, as seen in the capture. */
enum tcp_conn_end {
	TCP_CONN_OPEN = 0, /* no FIN or RST seen (or the capture ended first) */
	TCP_CONN_FIN,	   /* closed with FIN (one or both ways), no RST */
	TCP_CONN_RST,	   /* a RST ended it */
};

/* Phase of the first RST of a connection (D6 / FINDINGS tcp.resets). */
enum tcp_rst_phase {
	TCP_RST_NONE = 0,
	TCP_RST_REFUSED,   /* RST answering a SYN: nobody listens (closed port) */
	TCP_RST_HANDSHAKE, /* other RST before the handshake completed */
	TCP_RST_ABORT,	   /* mid-stream abort: no FIN before it */
	TCP_RST_AFTER_FIN, /* after a FIN from either side */
};

#define TCP_STATS_SYN_MAX 8 /* SYN send times kept (first + 7 retries) */
#define TCP_STATS_FRAMES 4  /* example frames kept per kind */

/*
 * One direction of a connection, indexed like the flow key: d[i] is what
 * endpoint i (flow.key.addr[i]:port[i]) sent. Receiver-side facts (zero
 * window, duplicate ACKs) belong to the endpoint that sent those packets.
 */
struct tcp_dir_stats {
	uint64_t pkts;
	uint64_t data_pkts;	/* segments with payload */
	uint64_t seq_pkts;	/* segments with data, SYN or FIN, each once */
	uint64_t bytes;		/* payload bytes, retransmissions included */
	uint64_t unique_bytes;	/* payload bytes not flagged as retransmitted */
	uint32_t retrans;	/* every retransmission flag (W5-W8) */
	uint32_t retrans_fast;	/* W6, or a resend sooner than rto_min after the original */
	uint32_t retrans_timeout; /* W8 resend >= rto_min (200 ms) after the original */
	uint32_t spurious;	/* W5: data the receiver already had */
	uint64_t retrans_bytes; /* payload of retrans (spurious included) */
	uint32_t rto_stalls;	/* timeout episodes (a repeated RTO of one segment counts once) */
	int64_t rto_stall_total_ns; /* summed stall time of those episodes */
	int64_t rto_stall_max_ns;
	uint32_t out_of_order;	/* W7 (Wireshark's label), split by IP ID below */
	uint32_t ooo_reordered;	/* lower IP ID: reordered in the network */
	uint32_t ooo_retransmitted; /* higher IP ID: resent, original lost before the capture point */
	uint32_t ooo_unknown;	/* no usable IP ID (IPv6, 0, not incrementing) */
	uint32_t lost_segments;	/* W9: gap in this sender's sequence (capture or path) */
	uint32_t ack_lost;	/* W10: this side ACKed data the capture never saw */
	uint32_t dup_acks;	/* duplicate ACKs this side sent */
	uint32_t zero_windows;	/* zero-window episodes this side advertised */
	int64_t zero_window_ns; /* their total duration (open ones until flow end) */
	uint32_t zw_probes;	/* probes this side sent (W15 + Linux 0-byte, D13) */
	uint32_t zw_probes_linux; /* of which Linux 0-byte probes (tshark: keep_alive) */
	uint32_t window_full;	/* W18 on this side's segments */
	uint32_t keep_alives;	/* W12 not re-labelled as probes */
	uint32_t max_bif;	/* largest bytes in flight (W20) of this sender */
	uint32_t rtt_samples;	/* Karn-filtered ACK RTTs of this side's data */
	int64_t rtt_min_ns, rtt_max_ns, rtt_avg_ns; /* -1 without samples */
	double throughput_bps;	/* unique_bytes * 8 / connection duration; 0 if < 1 us */
	/* Options from this side's SYN (or SYN-ACK). */
	bool syn_seen;
	bool sack_perm, timestamps;
	int8_t wscale;		/* -1 absent */
	uint16_t mss;		/* 0 absent */
	uint32_t syns;		/* SYN (or SYN-ACK) transmissions */
	uint32_t rsts, fins;
	uint64_t retrans_frames[TCP_STATS_FRAMES]; /* first retransmissions */
	uint64_t zw_frame;	/* first zero-window advert, 0 none */
	uint64_t wf_frame;	/* first window-full segment, 0 none */
	uint64_t ooo_frame;	/* first out-of-order segment, 0 none */
	uint64_t ooo_reordered_frame; /* first reordered or unknown one, 0 none */
	uint64_t ooo_retransmitted_frame; /* first resent one, 0 none */
	uint64_t spurious_frame; /* first spurious retransmission, 0 none */
	uint64_t stall_frame;	/* retransmission ending the longest stall */
};

struct tcp_conn_stats {
	uint64_t stream;	/* tcp.stream (flow.conv_id) */
	struct flow_key key;
	int64_t first_ns, last_ns;
	uint64_t first_frame, last_frame;
	uint8_t client;		/* endpoint that sent the first pure SYN; else
				 * the first packet's sender */
	bool syn_seen, synack_seen, established; /* established: ACK of the SYN-ACK */
	bool midstream;		/* no SYN and no SYN-ACK seen */
	int64_t handshake_rtt_ns; /* tshark tcp.analysis.initial_rtt; -1 unknown */
	/* D1: SYN send times relative to the first SYN (index 0 = 0). */
	uint8_t n_syn_times;
	int64_t syn_times_ns[TCP_STATS_SYN_MAX];
	uint64_t syn_frames[TCP_STATS_SYN_MAX];
	int64_t connect_ns;	/* first SYN -> SYN-ACK; -1 if no SYN-ACK */
	enum tcp_conn_end end;
	uint8_t end_by;		/* endpoint that sent the first FIN / the RST */
	enum tcp_rst_phase rst_phase;
	uint64_t rst_frame;	/* first RST, 0 none */
	uint64_t fin_frame;	/* first FIN, 0 none */
	int64_t max_idle_ns;	/* largest gap between two packets of the connection */
	uint64_t max_idle_frame; /* frame after that gap */
	bool reused_ports;	/* started by a SYN on a reused 4-tuple (W3) */
	bool partial;		/* evicted from a full table, or a revived part */
	struct tcp_dir_stats d[2];
};

/*
 * Called for every TCP flow as it leaves the table (end, eviction, reuse,
 * end of input), from the flow table's analyzer end hook, before the state
 * is freed. f and st are valid only during the call.
 */
typedef void (*tcp_stats_cb)(void *ctx, const struct flow *f,
			     const struct tcp_conn_stats *st);

/* Registers the one stats callback of an analyzer (NULL to remove). */
void tcp_analyzer_set_stats_cb(struct tcp_analyzer *ta, tcp_stats_cb cb,
			       void *ctx);

/*
 * Live --follow. With tracking on, a flow is listed as changed when one of
 * its packets sets a problem flag (any but window_update and the probe /
 * keep-alive ACKs) or carries FIN or RST; a flow leaving the table leaves
 * the list. The list holds at most the open TCP flows (bounded by the flow
 * table); if it cannot grow, the flow is reported when it ends instead.
 */
void tcp_analyzer_track_changes(struct tcp_analyzer *ta, bool on);
size_t tcp_analyzer_changed(const struct tcp_analyzer *ta);
/*
 * Calls cb with the statistics so far of every listed flow (as at its end:
 * open episodes run to its last packet), then empties the list. Returns
 * how many were reported.
 */
size_t tcp_analyzer_snapshot_changed(struct tcp_analyzer *ta, tcp_stats_cb cb,
				     void *ctx);

/* Names for output: "open", "fin", "rst". */
const char *tcp_conn_end_name(enum tcp_conn_end e);
/* "", "refused", "handshake", "abort", "after_fin". */
const char *tcp_rst_phase_name(enum tcp_rst_phase p);

/*
 * Folds a later part of the same conversation (a flow revived after it
 * ended, flow.part > 0: same stream, cumulative times, analyzer state
 * restarted) into dst: counters add, extremes combine, the first
 * connection-level facts (handshake, first frames, first RST/FIN) stay,
 * times come from the part. dst->partial is set.
 */
void tcp_conn_stats_merge(struct tcp_conn_stats *dst,
			  const struct tcp_conn_stats *part);

/* Problems counted for ranking connections (retransmissions, stalls ...). */
uint64_t tcp_conn_problem_score(const struct tcp_conn_stats *st);

#endif
