// SPDX-License-Identifier: MIT
/* Per-connection TCP statistics (tcp_stats.c) through the real flow table and analyzer. */
#include "tcp_harness.h"

#define MS 1000000LL

/*
 * Sends one TCP segment: flags "SAFRP", raw seq/ack/window, payload length,
 * window-scale option (-1 none) and up to two SACK blocks (nsack 0..2).
 * Returns the result flags.
 */
static uint32_t tx(struct tcp_h *h, int dir, int64_t t_ms_x1000,
		   const char *fl, uint32_t seq, uint32_t ack, uint16_t win,
		   uint32_t len, int ws, int nsack, const uint32_t *sack)
{
	const struct tcp_seg s = {
		.dir = dir, .ts_ns = t_ms_x1000 * 1000, .fl = fl, .seq = seq,
		.ack = ack, .win = win, .len = len, .ws = ws, .nsack = nsack,
		.sack = sack,
	};

	return tcp_h_send(h, &s);
}

/* Times are in microseconds below (t_ms_x1000). */
#define D(h, dir, us, fl, seq, ack, win, len) \
	tx(h, dir, us, fl, seq, ack, win, len, -1, 0, NULL)

/* Handshake with client ISN 1000, server ISN 5000, iRTT rtt_us. */
static void handshake(struct tcp_h *h, int64_t t0, int64_t rtt, int cws,
		      int sws)
{
	cr_assert_eq(tx(h, C2S, t0, "S", 1000, 0, 1000, 0, cws, 0, NULL), 0);
	cr_assert_eq(tx(h, S2C, t0 + rtt / 2, "SA", 5000, 1001, 1000, 0, sws, 0,
			NULL), 0);
	D(h, C2S, t0 + rtt, "A", 1001, 5001, 1000, 0);
}

/* Delivered stats: the last connection that ended. */
struct got {
	int n;
	struct tcp_conn_stats st;
};

static void on_stats(void *ctx, const struct flow *f,
		     const struct tcp_conn_stats *st)
{
	struct got *g = ctx;

	(void)f;
	g->n++;
	g->st = *st;
}

static void end_all(struct tcp_h *h, struct got *g)
{
	tcp_analyzer_set_stats_cb(h->ta, on_stats, g);
	flow_table_flush(h->ft);
	cr_assert_eq(g->n, 1);
}

/* Endpoint indexes: the server 10.0.0.2 compares greater, so it is 0. */
#define SRV 0
#define CLI 1

Test(tcp_stats, handshake_karn_rtt_and_timeout_stall)
{
	struct tcp_h h;
	struct got g = { 0 };

	tcp_h_init(&h, 4);
	/* Not at time 0: a SYN at capture time 0 gives no iRTT (tshark). */
	handshake(&h, 1000, 2000, -1, -1);
	/* seg1 at 10 ms, ACKed at 20 ms: a 10 ms sample. */
	D(&h, C2S, 10000, "A", 1001, 5001, 1000, 100);
	D(&h, S2C, 20000, "A", 5001, 1101, 1000, 0);
	/* seg2 at 30 ms, resent at 330 ms (timeout), ACKed at 340 ms: Karn. */
	D(&h, C2S, 30000, "A", 1101, 5001, 1000, 100);
	cr_assert(D(&h, C2S, 330000, "A", 1101, 5001, 1000, 100) &
		  TA_RETRANSMISSION);
	cr_assert_geq(h.r.ack_rtt_ns, -1);
	D(&h, S2C, 340000, "A", 5001, 1201, 1000, 0);
	cr_assert_geq(h.r.ack_rtt_ns, 0, "tshark-style ack_rtt still given");
	D(&h, C2S, 350000, "FA", 1201, 5001, 1000, 0);
	D(&h, S2C, 360000, "FA", 5001, 1202, 1000, 0);
	D(&h, C2S, 370000, "A", 1202, 5002, 1000, 0);
	end_all(&h, &g);
	cr_assert_eq(g.st.client, CLI);
	cr_assert_eq(g.st.handshake_rtt_ns, 2000000);
	cr_assert_eq(g.st.connect_ns, 1000000);
	/*
	 * Samples: the SYN (1 ms), seg1 (10 ms) and the FIN (10 ms); not the
	 * ACK of the resent seg2 (330 ms ambiguous: Karn).
	 */
	cr_assert_eq(g.st.d[CLI].rtt_samples, 3, "got %u", g.st.d[CLI].rtt_samples);
	cr_assert_eq(g.st.d[CLI].rtt_avg_ns, 7000000);
	cr_assert_eq(g.st.d[CLI].rtt_min_ns, 1000000);
	cr_assert_eq(g.st.d[CLI].rtt_max_ns, 10000000);
	cr_assert_eq(g.st.d[CLI].retrans, 1);
	cr_assert_eq(g.st.d[CLI].retrans_timeout, 1);
	cr_assert_eq(g.st.d[CLI].retrans_fast, 0);
	cr_assert_eq(g.st.d[CLI].rto_stalls, 1);
	cr_assert_eq(g.st.d[CLI].rto_stall_max_ns, 300000000);
	cr_assert_eq(g.st.d[CLI].retrans_frames[0], 7);
	cr_assert_eq(g.st.d[CLI].bytes, 300);
	cr_assert_eq(g.st.d[CLI].unique_bytes, 200);
	cr_assert_eq(g.st.end, TCP_CONN_FIN);
	cr_assert_eq(g.st.end_by, CLI);
	cr_assert_eq(g.st.rst_phase, TCP_RST_NONE);
	cr_assert_eq(g.st.max_idle_ns, 300000000);
	cr_assert_eq(g.st.max_idle_frame, 7);
	tcp_h_fini(&h);
}

Test(tcp_stats, repeated_rto_is_one_episode)
{
	struct tcp_h h;
	struct got g = { 0 };

	tcp_h_init(&h, 4);
	handshake(&h, 0, 2000, -1, -1);
	D(&h, C2S, 10000, "A", 1001, 5001, 1000, 100);
	D(&h, C2S, 220000, "A", 1001, 5001, 1000, 100);	 /* 210 ms */
	D(&h, C2S, 640000, "A", 1001, 5001, 1000, 100);	 /* 630 ms */
	D(&h, S2C, 650000, "A", 5001, 1101, 1000, 0);
	end_all(&h, &g);
	cr_assert_eq(g.st.d[CLI].retrans_timeout, 2);
	cr_assert_eq(g.st.d[CLI].rto_stalls, 1);
	cr_assert_eq(g.st.d[CLI].rto_stall_total_ns, 630000000);
	cr_assert_eq(g.st.d[CLI].rto_stall_max_ns, 630000000);
	cr_assert_eq(g.st.d[CLI].rtt_samples, 1, "only the SYN sample");
	tcp_h_fini(&h);
}

Test(tcp_stats, refused_and_syn_schedule)
{
	struct tcp_h h;
	struct got g = { 0 };

	tcp_h_init(&h, 4);
	/* SYN, resent at 1 s and 3 s, then RST/ACK from the server. */
	D(&h, C2S, 0, "S", 1000, 0, 1000, 0);
	D(&h, C2S, 1000000, "S", 1000, 0, 1000, 0);
	D(&h, C2S, 3000000, "S", 1000, 0, 1000, 0);
	D(&h, S2C, 3000100, "RA", 0, 1001, 0, 0);
	end_all(&h, &g);
	cr_assert_eq(g.st.n_syn_times, 3);
	cr_assert_eq(g.st.syn_times_ns[1], 1000000000LL);
	cr_assert_eq(g.st.syn_times_ns[2], 3000000000LL);
	cr_assert_eq(g.st.syn_frames[2], 3);
	cr_assert_eq(g.st.d[CLI].syns, 3);
	cr_assert_eq(g.st.d[CLI].retrans, 0, "resent SYNs are not data loss");
	cr_assert_eq(g.st.end, TCP_CONN_RST);
	cr_assert_eq(g.st.end_by, SRV);
	cr_assert_eq(g.st.rst_phase, TCP_RST_REFUSED);
	cr_assert_eq(g.st.rst_frame, 4);
	cr_assert(!g.st.established);
	tcp_h_fini(&h);
}

Test(tcp_stats, abort_and_after_fin_phases)
{
	struct tcp_h h;
	struct got g = { 0 };

	tcp_h_init(&h, 4);
	handshake(&h, 0, 2000, -1, -1);
	D(&h, C2S, 10000, "A", 1001, 5001, 1000, 100);
	D(&h, S2C, 20000, "RA", 5001, 1101, 0, 0);
	end_all(&h, &g);
	cr_assert_eq(g.st.rst_phase, TCP_RST_ABORT);
	cr_assert_eq(g.st.end_by, SRV);
	tcp_h_fini(&h);

	memset(&g, 0, sizeof(g));
	tcp_h_init(&h, 4);
	handshake(&h, 0, 2000, -1, -1);
	D(&h, C2S, 10000, "FA", 1001, 5001, 1000, 0);
	D(&h, S2C, 20000, "RA", 5001, 1002, 0, 0);
	end_all(&h, &g);
	cr_assert_eq(g.st.rst_phase, TCP_RST_AFTER_FIN);
	tcp_h_fini(&h);
}

Test(tcp_stats, zero_window_episode_and_linux_probe)
{
	struct tcp_h h;
	struct got g = { 0 };

	tcp_h_init(&h, 4);
	handshake(&h, 0, 2000, 7, 7);
	D(&h, S2C, 10000, "A", 5001, 1001, 1000, 100);
	/* Client's buffer is full: window 0 (W14). */
	cr_assert(D(&h, C2S, 11000, "A", 1001, 5101, 0, 0) & TA_ZERO_WINDOW);
	/* Linux probe: 0 bytes at snd_una - 1 (tshark: keep_alive). */
	cr_assert(D(&h, S2C, 220000, "A", 5100, 1001, 1000, 0) & TA_KEEP_ALIVE);
	D(&h, C2S, 220100, "A", 1001, 5101, 0, 0);
	/* Window opens 500 ms after it closed. */
	D(&h, C2S, 511000, "A", 1001, 5101, 100, 0);
	end_all(&h, &g);
	cr_assert_eq(g.st.d[CLI].zero_windows, 1);
	cr_assert_eq(g.st.d[CLI].zero_window_ns, 500000000);
	cr_assert_eq(g.st.d[CLI].zw_frame, 5);
	cr_assert_eq(g.st.d[SRV].zw_probes, 1);
	cr_assert_eq(g.st.d[SRV].zw_probes_linux, 1);
	cr_assert_eq(g.st.d[SRV].keep_alives, 0);
	cr_assert_eq(g.st.d[CLI].wscale, 7);
	cr_assert_eq(g.st.d[SRV].wscale, 7);
	tcp_h_fini(&h);
}

Test(tcp_stats, keepalive_without_zero_window_stays_keepalive)
{
	struct tcp_h h;
	struct got g = { 0 };

	tcp_h_init(&h, 4);
	handshake(&h, 0, 2000, -1, -1);
	cr_assert(D(&h, C2S, 60000000, "A", 1000, 5001, 1000, 0) &
		  TA_KEEP_ALIVE);
	end_all(&h, &g);
	cr_assert_eq(g.st.d[CLI].keep_alives, 1);
	cr_assert_eq(g.st.d[CLI].zw_probes, 0);
	cr_assert_eq(g.st.end, TCP_CONN_OPEN);
	tcp_h_fini(&h);
}

/* Every part delivered, in order (revival tests). */
struct parts {
	int n;
	uint32_t part[4];
	struct tcp_conn_stats st[4];
};

static void on_part(void *ctx, const struct flow *f,
		    const struct tcp_conn_stats *st)
{
	struct parts *p = ctx;

	cr_assert_lt(p->n, 4);
	p->part[p->n] = f->part;
	p->st[p->n++] = *st;
}

/*
 * A finished connection ends after the linger (as netdx analyze runs on
 * files); a late packet revives it as part 1 of the same stream, and
 * tcp_conn_stats_merge folds the parts into one connection.
 */
Test(tcp_stats, revived_part_merges_into_one_connection)
{
	struct tcp_h h;
	struct parts p = { 0 };
	struct flow_analyzer fa;
	struct flow_limits lim = {
		.max_flows = 16,
		.idle_timeout_ns = INT64_MAX,
		.closed_linger_ns = 1000 * MS,
	};
	struct tcp_conn_stats m;

	tcp_h_init(&h, 4);
	flow_table_free(h.ft);
	h.ft = flow_table_new(&lim);
	cr_assert_not_null(h.ft);
	tcp_analyzer_flow_hooks(h.ta, &fa);
	h.slot = flow_table_add_analyzer(h.ft, &fa);
	cr_assert_geq(h.slot, 0);
	tcp_analyzer_set_stats_cb(h.ta, on_part, &p);
	handshake(&h, 1000, 2000, -1, -1);
	D(&h, C2S, 10000, "A", 1001, 5001, 1000, 100);
	/* Resent after 300 ms: a timeout retransmission in part 0. */
	cr_assert(D(&h, C2S, 310000, "A", 1001, 5001, 1000, 100) &
		  TA_RETRANSMISSION);
	D(&h, S2C, 320000, "A", 5001, 1101, 1000, 0);
	D(&h, C2S, 330000, "FA", 1101, 5001, 1000, 0);
	D(&h, S2C, 340000, "FA", 5001, 1102, 1000, 0);
	D(&h, C2S, 350000, "A", 1102, 5002, 1000, 0);
	cr_assert_eq(p.n, 0, "still lingering");
	/* 5 s later: the linger is over, a stray segment revives it. */
	D(&h, S2C, 5350000, "A", 5001, 1102, 1000, 50);
	cr_assert_eq(p.n, 1, "part 0 delivered when it ended");
	cr_assert_eq(p.part[0], 0);
	cr_assert_eq(h.r.stream, p.st[0].stream, "same tcp.stream");
	flow_table_flush(h.ft);
	cr_assert_eq(p.n, 2);
	cr_assert_eq(p.part[1], 1);
	cr_assert(p.st[1].partial);
	cr_assert(p.st[1].midstream, "fresh analyzer state: no handshake");
	m = p.st[0];
	tcp_conn_stats_merge(&m, &p.st[1]);
	cr_assert(m.partial);
	cr_assert_not(m.midstream, "the handshake of part 0 stays");
	cr_assert_eq(m.handshake_rtt_ns, 2000000);
	cr_assert_eq(m.end, TCP_CONN_FIN);
	cr_assert_eq(m.end_by, CLI);
	cr_assert_eq(m.first_ns, p.st[0].first_ns);
	cr_assert_eq(m.last_ns, 5350000000LL);
	cr_assert_eq(m.d[CLI].pkts, 6);
	cr_assert_eq(m.d[SRV].pkts, 4, "3 + the revived one");
	cr_assert_eq(m.d[SRV].bytes, 50);
	cr_assert_eq(m.d[CLI].bytes, 200);
	cr_assert_eq(m.d[CLI].retrans, 1);
	cr_assert_eq(m.d[CLI].retrans_frames[0], 5);
	cr_assert_eq(m.d[CLI].rtt_samples, p.st[0].d[CLI].rtt_samples +
					   p.st[1].d[CLI].rtt_samples);
	cr_assert_eq(tcp_conn_problem_score(&m),
		     tcp_conn_problem_score(&p.st[0]) +
		     tcp_conn_problem_score(&p.st[1]));
	tcp_h_fini(&h);
}

/* A RST in a later part wins over a FIN; RTT averages weight by samples. */
Test(tcp_stats, merge_rst_and_weighted_rtt)
{
	struct tcp_conn_stats a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.end = TCP_CONN_FIN;
	a.end_by = 1;
	a.fin_frame = 9;
	a.first_ns = 100;
	a.last_ns = 200;
	a.handshake_rtt_ns = -1;
	a.d[0].rtt_samples = 3;
	a.d[0].rtt_avg_ns = 10;
	a.d[0].rtt_min_ns = 5;
	a.d[0].rtt_max_ns = 20;
	a.d[0].retrans = UINT32_MAX - 1;
	b.end = TCP_CONN_RST;
	b.end_by = 0;
	b.rst_phase = TCP_RST_HANDSHAKE;
	b.rst_frame = 30;
	b.first_ns = 100;
	b.last_ns = 900;
	b.handshake_rtt_ns = 7;
	b.d[0].rtt_samples = 1;
	b.d[0].rtt_avg_ns = 50;
	b.d[0].rtt_min_ns = 50;
	b.d[0].rtt_max_ns = 50;
	b.d[0].retrans = 5;
	tcp_conn_stats_merge(&a, &b);
	cr_assert_eq(a.end, TCP_CONN_RST);
	cr_assert_eq(a.end_by, 0);
	cr_assert_eq(a.rst_frame, 30);
	cr_assert_eq(a.fin_frame, 9);
	cr_assert_eq(a.last_ns, 900);
	cr_assert_eq(a.handshake_rtt_ns, 7);
	cr_assert_eq(a.d[0].rtt_samples, 4);
	cr_assert_eq(a.d[0].rtt_avg_ns, 20);
	cr_assert_eq(a.d[0].rtt_min_ns, 5);
	cr_assert_eq(a.d[0].rtt_max_ns, 50);
	cr_assert_eq(a.d[0].retrans, UINT32_MAX, "saturates");
	cr_assert(a.partial);
}

/*
 * Unique bytes are bytes minus every segment flagged a retransmission,
 * a resent SYN with data included (its bytes are not retrans_bytes); the
 * idle gap counts from the previous packet of either direction.
 */
Test(tcp_stats, unique_bytes_resent_syn_data_and_idle_across_directions)
{
	struct tcp_h h;
	struct got g = { 0 };
	uint32_t fl;

	tcp_h_init(&h, 4);
	/* SYN with 10 bytes (TFO-like), resent 1 s later. */
	D(&h, C2S, 1000, "S", 1000, 0, 1000, 10);
	fl = D(&h, C2S, 1001000, "S", 1000, 0, 1000, 10);
	cr_assert(fl & TA_RETRANSMISSION, "flags %#x", fl);
	D(&h, S2C, 1002000, "SA", 5000, 1011, 1000, 0);
	D(&h, C2S, 1003000, "A", 1011, 5001, 1000, 0);
	/* Server data 2.5 s after the client's ACK: the longest gap. */
	D(&h, S2C, 3503000, "A", 5001, 1011, 1000, 50);
	D(&h, C2S, 3504000, "A", 1011, 5051, 1000, 0);
	end_all(&h, &g);
	cr_assert_eq(g.st.d[CLI].bytes, 20);
	cr_assert_eq(g.st.d[CLI].unique_bytes, 10);
	cr_assert_eq(g.st.d[CLI].retrans_bytes, 0);
	cr_assert_eq(g.st.d[SRV].unique_bytes, 50);
	cr_assert_eq(g.st.max_idle_ns, 2500000000LL);
	cr_assert_eq(g.st.max_idle_frame, 5);
	tcp_h_fini(&h);
}

/*
 * Segments that can be resent, each counted once: the data segment that
 * carries the FIN is one segment, not two (tcp.retransmissions' share).
 */
Test(tcp_stats, seq_pkts_count_data_fin_once)
{
	struct tcp_h h;
	struct got g = { 0 };

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, S2C, 20000, "AP", 5001, 1001, 1000, 100);
	D(&h, S2C, 20100, "FAP", 5101, 1001, 1000, 100); /* data + FIN */
	D(&h, C2S, 30000, "A", 1001, 5202, 1000, 0);
	D(&h, C2S, 30100, "FA", 1001, 5202, 1000, 0);	 /* bare FIN */
	D(&h, S2C, 40000, "A", 5202, 1002, 1000, 0);
	end_all(&h, &g);
	/* Server: SYN-ACK + 2 data (one with the FIN). */
	cr_assert_eq(g.st.d[SRV].data_pkts, 2);
	cr_assert_eq(g.st.d[SRV].fins, 1);
	cr_assert_eq(g.st.d[SRV].seq_pkts, 3);
	/* Client: SYN + its bare FIN. */
	cr_assert_eq(g.st.d[CLI].seq_pkts, 2);
	tcp_h_fini(&h);
}

/*
 * A flow first seen in uncounted packets (TCP options cut by the snaplen)
 * gets its first_frame moved to its first counted packet; frames the
 * statistics stored before must not move with it.
 */
Test(tcp_stats, frames_stay_put_when_first_frame_moves)
{
	struct tcp_h h;
	struct got g = { 0 };
	const struct tcp_seg syn = { .dir = C2S, .ts_ns = 1000, .fl = "S",
				     .seq = 1000, .win = 1000, .ws = -1,
				     .uncounted = true };
	const struct tcp_seg synack = { .dir = S2C, .ts_ns = 2000, .fl = "SA",
					.seq = 5000, .ack = 1001, .win = 1000,
					.ws = -1, .uncounted = true };

	tcp_h_init(&h, 4);
	tcp_h_send(&h, &syn);	 /* frame 1 */
	tcp_h_send(&h, &synack); /* frame 2 */
	D(&h, C2S, 3, "A", 1001, 5001, 1000, 0);  /* frame 3: first counted */
	D(&h, C2S, 4, "RA", 1001, 5001, 1000, 0); /* frame 4 */
	end_all(&h, &g);
	cr_assert_eq(g.st.first_frame, 3); /* the row starts at the count */
	cr_assert_eq(g.st.n_syn_times, 1);
	cr_assert_eq(g.st.syn_frames[0], 1);
	cr_assert_eq(g.st.rst_frame, 4);
	tcp_h_fini(&h);
}
