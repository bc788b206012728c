/* SPDX-License-Identifier: MIT */
/* Bounded flow table: one entry per conversation, direction-independent key. */
#ifndef NETDX_FLOW_FLOW_H
#define NETDX_FLOW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/flowkey.h"
#include "decode/packet.h"

/* How a flow left the table. */
enum flow_end {
	FLOW_END_OPEN = 0,  /* still open at end of input */
	FLOW_END_CLOSED,    /* TCP finished (FIN both ways or RST) and lingered out */
	FLOW_END_IDLE,	    /* idle timeout */
	FLOW_END_EVICTED,   /* table full: analysis incomplete */
	FLOW_END_REUSED,    /* TCP 4-tuple reused by a new SYN (new conversation) */
};

/* TCP lifecycle summary per flow. */
struct flow_tcp_summary {
	bool syn_seen;	   /* pure SYN */
	bool synack_seen;
	bool handshake_ack; /* third packet of the handshake seen */
	uint8_t syn_dir;   /* direction of the first pure SYN (client -> server) */
	bool fin[2];	   /* FIN sent by endpoint dir */
	bool rst[2];
	uint8_t first_fin_dir;
	uint8_t first_rst_dir;
	/* W1 base sequence numbers; shared with TCP analysis (one owner: flow). */
	bool base_set[2];
	uint32_t base_seq[2];
};

struct flow_analyzer;

/*
 * Laid out by use: a packet of a known flow touches the first two cache
 * lines (lookup, recency, counters) and, for TCP, the summary at the start
 * of the third; conversation ids, first frame and the recency links are
 * read when the flow starts, ends or changes expiry epoch. 192 bytes, three
 * lines (blocks are 64-byte aligned in the table's arena); analyzer states
 * follow the struct in the same block (flow_state()).
 */
struct flow {
	/* line 0: lookup */
	struct flow_key key;
	uint8_t list;	    /* which internal list holds it (open, closed, ended) */
	uint8_t blk;	    /* block kind: full (with analyzer states) or ended record */
	uint32_t hash;
	uint32_t tunnels;   /* pkt_tunnel bits seen on this flow's packets */
	struct flow *hnext;
	uint64_t seq;	    /* table update count at its last packet (recency) */
	/* line 1: per-packet counters */
	uint64_t last_frame;
	int64_t last_ns;
	uint64_t pkts[2], bytes[2]; /* bytes = frame length, as tshark counts */
	int64_t lru_ns;	    /* start of the expiry epoch it was last placed in */
	int64_t first_ns;
	/* line 2 */
	struct flow_tcp_summary tcp;
	uint8_t first_dir;  /* direction of the first packet: its source is "A" */
	uint8_t depth;      /* encapsulation level of the transport header (0 outer) */
	uint8_t evicted;    /* FLOW_EVICTED_* bits: each eviction fact counted once */
	enum flow_end end;
	/*
	 * 0 for a new conversation. A packet for a 4-tuple whose flow already
	 * left the table by idle timeout, linger or eviction revives it with the
	 * SAME conv_id and part+1 (tshark never splits a conversation on idle
	 * time). Counters, times and the TCP summary stay cumulative over all
	 * parts, so a consumer keyed by (proto family, conv_id) keeps the latest
	 * report. Analyzer state restarts from zero on revival. A revived flow
	 * may live at a new address: pointers to an ended flow do not survive.
	 */
	uint32_t part;
	uint64_t conv_id;   /* per-protocol conversation index (tcp.stream for TCP) */
	uint64_t first_frame;
	struct flow *lru_prev, *lru_next;
};

/* flow.evicted bits. */
#define FLOW_EVICTED_ONCE 1u	 /* evicted while open at least once */
#define FLOW_EVICTED_RETURNED 2u /* had packets after an eviction */

struct flow_limits {
	size_t max_flows;	   /* open flows; LRU eviction beyond (counted) */
	int64_t idle_timeout_ns;   /* flows idle this long are closed */
	int64_t closed_linger_ns;  /* finished TCP flows stay this long for late packets */
};

#define FLOW_DEFAULT_MAX_FLOWS 1000000
#define FLOW_DEFAULT_IDLE_NS (3600LL * 1000000000LL)
#define FLOW_DEFAULT_LINGER_NS (120LL * 1000000000LL)

/* Conversation families: conv_id counts separately in each. */
enum flow_family { FLOW_FAM_TCP = 0, FLOW_FAM_UDP, FLOW_FAM_OTHER };
enum flow_family flow_family_of(uint8_t proto);
/* True for protocols whose key carries ports (TCP, UDP, SCTP, DCCP, UDP-Lite). */
bool flow_proto_has_ports(uint8_t proto);

/* Analyzers keep per-flow state inside the flow; called by the table. */
struct flow_analyzer {
	const char *name;
	void *ctx;
	/* Called once when the flow is created (state zeroed, state_size bytes). */
	size_t state_size;
	void (*on_flow_start)(void *ctx, struct flow *f, void *state);
	/* Called when the flow leaves the table, before its state is freed. */
	void (*on_flow_end)(void *ctx, struct flow *f, void *state);
};

struct flow_table_stats {
	uint64_t created;
	/*
	 * Eviction (removed while open because the table was full), counted
	 * so that nothing is counted twice: evicted = conversations evicted
	 * at least once; evictions = every eviction (a conversation that keeps
	 * coming back is evicted again); evicted_returned = evicted
	 * conversations with later packets (revived: the row continues, the
	 * analysis restarted, so it is split into partial parts);
	 * evicted_forgotten = evicted conversations whose ended record was
	 * forgotten too (a later packet would start a new conversation).
	 */
	uint64_t evicted;
	uint64_t evictions;
	uint64_t evicted_returned;
	uint64_t evicted_forgotten;
	uint64_t idled;
	uint64_t closed;
	uint64_t open;
	uint64_t max_open;
	uint64_t tcp_convs, udp_convs, other_convs;
	uint64_t reused;     /* ended by W3 port reuse */
	uint64_t revived;    /* ended flows brought back by a late packet */
	uint64_t forgotten;  /* ended flows dropped from the revival memory */
};

struct flow_table;

struct flow_table *flow_table_new(const struct flow_limits *lim);
/* Registers an analyzer; returns its slot (for flow_state) or -1. */
int flow_table_add_analyzer(struct flow_table *t, const struct flow_analyzer *a);
/* Receives every flow as it leaves the table (for flow rows and summaries). */
void flow_table_set_end_cb(struct flow_table *t,
			   void (*cb)(void *ctx, const struct flow *f), void *ctx);

/* What flow_table_update learned about one packet. */
struct flow_pkt_info {
	int dir;	    /* 0: source is endpoint 0 (Wireshark "flow1") */
	bool created;	    /* this packet created the flow */
	/*
	 * TCP "port numbers reused" (TCP-ANALYSIS.md W3): a pure SYN with a new
	 * ISN on a known 4-tuple started a new conversation, or a SYN-ACK with a
	 * new ISN reset the base sequence of its direction.
	 */
	bool reused_ports;
};

/*
 * Finds or creates the flow for transport header l4_index of pkt (callers
 * skip headers quoted in ICMP errors and IP fragments without a transport
 * header). For TCP it applies W1 (base sequence numbers, kept in
 * flow.tcp.base_*) and W3 (a pure SYN whose seq differs from the recorded
 * base starts a new conversation; the old one ends as FLOW_END_REUSED).
 * Updates counters (bytes = wirelen) and times. Returns NULL on
 * allocation failure or when l4_index does not name a transport header
 * with an IP header.
 */
struct flow *flow_table_update(struct flow_table *t, const struct packet *pkt,
			       int l4_index, uint64_t frame, int64_t ts_ns,
			       uint32_t wirelen, struct flow_pkt_info *info);

/*
 * How a transport header touches the table (tshark parity, docs/flows.md):
 *   FLOW_UPD_COUNT    a counted packet (flow_table_update);
 *   FLOW_UPD_TRACK    a header tshark gives a stream and analyses but does not
 *                     count in its conversation table (TCP options cut by
 *                     snaplen): find/create, W1/W3 and the TCP summary, but no
 *                     packet, byte or time counters;
 *   FLOW_UPD_TOUCH    a header quoted in an ICMP error: find or create only
 *                     (the conversation index exists), nothing else.
 * A flow that no counted packet reached has pkts[0] + pkts[1] == 0; its first
 * counted packet sets first_frame, first_ns and first_dir.
 */
enum flow_upd { FLOW_UPD_COUNT = 0, FLOW_UPD_TRACK, FLOW_UPD_TOUCH };

struct flow *flow_table_update_mode(struct flow_table *t,
				    const struct packet *pkt, int l4_index,
				    uint64_t frame, int64_t ts_ns,
				    uint32_t wirelen, enum flow_upd mode,
				    struct flow_pkt_info *info);

/*
 * The state of analyzer slot for flow f (zeroed when the flow started or
 * was revived), or NULL for an ended flow, which keeps no analyzer state.
 */
void *flow_state(const struct flow_table *t, const struct flow *f, int slot);

/* True once a counted packet reached the flow (it is a conversation row). */
bool flow_counted(const struct flow *f);

/*
 * Expires idle/finished flows up to time now (call with capture time).
 * flow_table_update() already calls it at most once per capture second.
 */
void flow_table_expire(struct flow_table *t, int64_t now_ns);
/* Ends every flow (end of input). */
void flow_table_flush(struct flow_table *t);
void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *st);
void flow_table_free(struct flow_table *t);

/*
 * Builds the canonical key of transport header l4 of pkt, exactly as the
 * table does; returns the packet's direction (0/1) or -1 for a bad index.
 */
int flow_key_from_packet(const struct packet *pkt, int l4, struct flow_key *k);

/* Formats an endpoint "addr:port" ([v6]:port) into buf. */
void flow_format_endpoint(const struct flow_key *k, int ep, char *buf, size_t n);

#endif
