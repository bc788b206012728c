/* SPDX-License-Identifier: MIT */
/* TCP expert analysis: Wireshark-equivalent per-packet flags (W rules). */
#ifndef NETDX_ANALYZE_TCP_ANALYSIS_H
#define NETDX_ANALYZE_TCP_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"
#include "flow/flow.h"

/* The 15 Wireshark TCP analysis flags, in the order of their names below. */
enum tcp_aflag {
	TA_RETRANSMISSION = 1u << 0,
	TA_FAST_RETRANSMISSION = 1u << 1,
	TA_SPURIOUS_RETRANSMISSION = 1u << 2,
	TA_OUT_OF_ORDER = 1u << 3,
	TA_LOST_SEGMENT = 1u << 4,
	TA_ACK_LOST_SEGMENT = 1u << 5,
	TA_DUPLICATE_ACK = 1u << 6,
	TA_ZERO_WINDOW = 1u << 7,
	TA_ZERO_WINDOW_PROBE = 1u << 8,
	TA_ZERO_WINDOW_PROBE_ACK = 1u << 9,
	TA_WINDOW_FULL = 1u << 10,
	TA_WINDOW_UPDATE = 1u << 11,
	TA_KEEP_ALIVE = 1u << 12,
	TA_KEEP_ALIVE_ACK = 1u << 13,
	TA_REUSED_PORTS = 1u << 14,
};
#define TA_NFLAGS 15

/*
 * Why a data segment went back in sequence (W6-W8: out-of-order or
 * retransmission), told by its IPv4 ID against the ID of the highest-
 * sequence segment of that direction seen before (docs/tcp-analysis.md
 * "IP ID"). Not a Wireshark field: the diagnosis layer uses it.
 */
enum tcp_back_cause {
	TCP_BACK_NONE = 0,	  /* segment did not go back in sequence */
	TCP_BACK_REORDERED,	  /* lower ID: sent before the later data */
	TCP_BACK_RETRANSMITTED,	  /* higher ID: resent after it */
	TCP_BACK_UNKNOWN,	  /* IPv6, ID 0, IDs not incrementing, too far */
};

/* Name of flag bit i (0..TA_NFLAGS-1), as tshark's field suffix. */
const char *tcp_aflag_name(unsigned i);

/* Per-packet result (TCP-ANALYSIS.md §1.3). Fields are 0/-1 when absent. */
struct tcp_pkt_result {
	uint64_t stream;	  /* tcp.stream (flow.conv_id) */
	uint32_t flags;		  /* enum tcp_aflag bits; fast/spurious imply retransmission */
	uint32_t dupack_num;
	uint64_t dupack_frame;
	uint64_t acked_frame;	  /* tcp.analysis.acks_frame, 0 if none */
	int64_t ack_rtt_ns;	  /* set with acked_frame; may be < 0 */
	int64_t irtt_ns;	  /* -1 until known */
	int64_t rto_ns;		  /* -1 if none; may be < 0 (clock back) */
	uint64_t rto_frame;
	bool has_rto;		  /* rto_ns/rto_frame are set (W8) */
	/* W20 ran (even if bytes_in_flight is not printed): tshark then has
	 * an analysis record for the packet and prints initial_rtt. */
	bool bif_computed;
	int64_t bytes_in_flight;  /* -1 if not printed */
	int64_t push_bytes_sent;  /* -1 if not printed */
	uint32_t rel_seq, rel_ack, seglen;
	int64_t calc_window;	  /* tcp.window_size */
	uint8_t back_cause;	  /* enum tcp_back_cause (W6-W8 segments) */
};

struct tcp_analyzer;

struct tcp_analyzer *tcp_analyzer_new(void);
void tcp_analyzer_free(struct tcp_analyzer *ta);

/* Flow-analyzer descriptor to register with flow_table_add_analyzer(). */
void tcp_analyzer_flow_hooks(struct tcp_analyzer *ta, struct flow_analyzer *out);

/*
 * Per-flow state without a flow table (tests, tools): size, initialise a
 * zeroed block, release what it owns. The flow hooks do the same.
 */
size_t tcp_analyzer_state_size(void);
void tcp_analyzer_state_init(void *state);
void tcp_analyzer_state_release(void *state);

/*
 * Analyses TCP header l4 of pkt, which flow_table_update() just mapped to f
 * (state = flow_state(table, f, slot), info from the same call).
 */
void tcp_analyzer_packet(struct tcp_analyzer *ta, struct flow *f, void *state,
			 const struct flow_pkt_info *info,
			 const struct packet *pkt, int l4, uint64_t frame,
			 int64_t ts_ns, struct tcp_pkt_result *res);

#endif
