/* SPDX-License-Identifier: MIT */
/* Internal: the per-flow accumulator behind struct tcp_conn_stats (kept small). */
#ifndef NETDX_ANALYZE_TCP_STATS_ACC_H
#define NETDX_ANALYZE_TCP_STATS_ACC_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/tcp_analysis.h"
#include "analyze/tcp_stats.h"

/*
 * Frame references are stored relative to the flow's first frame plus one
 * (0 = none) in 32 bits, times of episodes as absolute ns; counters are 32
 * bits (saturating), byte counts 64 bits.
 *
 * What every connection needs is inline (struct tcp_sdir); what only a
 * connection with a problem flag, a SYN retry or a zero window needs lives
 * in struct tcp_srare, allocated at the first such packet, so a clean
 * short connection carries 152 B of statistics instead of ~580.
 */
struct tcp_sdir {
	uint64_t bytes;	/* unique bytes: minus tcp_srare_dir.rt_bytes */
	uint64_t rtt_sum_us;
	uint32_t pkts, data_pkts, max_bif, rtt_n, rtt_min_us, rtt_max_us;
	uint16_t mss;
	int8_t wscale;
	uint8_t syns, rsts, fins;
	/* Data segments that also carried SYN or FIN (saturating): with it,
	 * segments that can be resent = data + syns + fins - sf_data. */
	uint8_t sf_data;
	bool syn_seen : 1, sack_perm : 1, ts : 1;
};

/* One direction's rarely needed counters (see above). */
struct tcp_srare_dir {
	uint64_t retrans_bytes;
	/*
	 * Payload of every segment flagged a retransmission, resent SYNs
	 * included (retrans_bytes leaves them out): bytes - rt_bytes is the
	 * unique byte count. The rare block exists from the first such segment.
	 */
	uint64_t rt_bytes;
	int64_t zw_start;	/* open zero-window episode start, 0 none */
	int64_t zw_total;
	int64_t stall_total, stall_max, stall_last;
	uint32_t retrans, fast, timeout, spurious, stalls;
	uint32_t ooo, lost, ack_lost, dup_acks, zw, probes, probes_linux;
	uint32_t ooo_reord, ooo_rt, ooo_unk; /* W7 split by IP ID */
	uint32_t wf, ka;
	uint32_t karn_hi;	/* highest end of retransmitted data (Karn) */
	uint32_t stall_rto_frame; /* rto_frame of the current stall episode */
	uint32_t f_retrans[TCP_STATS_FRAMES];
	uint32_t f_zw, f_wf, f_ooo, f_spur, f_stall;
	uint32_t f_ooo_reord, f_ooo_rt; /* first reordered-or-unknown / resent W7 */
	bool karn_set;
};

/* SACK blocks of a packet kept for the analysis (W20 bytes in flight). */
#define TCP_SRARE_SACK 3

struct tcp_srare {
	struct tcp_srare_dir d[2];
	/* SYN retries 1..TCP_STATS_SYN_MAX-1 (the first SYN is inline). */
	uint32_t syn_off_us[TCP_STATS_SYN_MAX - 1]; /* from the first SYN */
	uint32_t syn_frame[TCP_STATS_SYN_MAX - 1];
	/*
	 * Not statistics: the analysis keeps each direction's SACK blocks of
	 * its last packet here (tcp_analysis.c), as only connections with
	 * loss or reordering send any. Allocating the block earlier than the
	 * statistics would changes no count (all zero, no flag seen yet).
	 */
	uint32_t sack[2][TCP_SRARE_SACK][2];
	uint8_t n_sack[2];
};

/*
 * The time of the connection's previous packet (for max_idle) is not kept
 * here: the caller passes it (the analysis has it as that packet's
 * direction's lastack_time).
 */
struct tcp_sacc {
	struct tcp_sdir d[2];
	struct tcp_srare *rare;	/* NULL until needed; owned */
	int64_t first_syn_ts, synack_ts, max_idle;
	uint32_t syn0_frame;	/* first SYN */
	uint32_t max_idle_frame, rst_frame, fin_frame;
	uint8_t n_syn, client, end_by, rst_phase;
	bool client_known : 1, synack_seen : 1, established : 1, any_fin : 1;
	bool any_rst : 1, reused : 1;
	bool rare_lost : 1;	/* no memory for rare: those counts are missing */
};

/*
 * Folds one analysed TCP header into the accumulator (after
 * tcp_analyzer_packet). base: the frame of the connection's first analysed
 * packet (frames are stored relative to it). prev_ts: time of the
 * connection's previous packet
 * given to this function, 0 for the first (or when that time was 0).
 */
void tcp_sacc_packet(struct tcp_sacc *a, uint64_t base, int dir,
		     const struct pkt_tcp *t, uint32_t seglen, uint64_t frame,
		     int64_t ts_ns, int64_t prev_ts,
		     const struct tcp_pkt_result *res);

/* Builds the delivered stats at flow end. irtt_ns: 0 when unknown. */
void tcp_sacc_finish(const struct tcp_sacc *a, const struct flow *f,
		     uint64_t base, int64_t irtt_ns, struct tcp_conn_stats *out);

/* The rare block, allocated on first use; NULL without memory (rare_lost). */
struct tcp_srare *tcp_sacc_rare(struct tcp_sacc *a);

/* Frees what the accumulator owns (it stays valid, as if zeroed rare). */
void tcp_sacc_release(struct tcp_sacc *a);

#endif
