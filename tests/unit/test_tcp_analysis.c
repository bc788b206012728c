// SPDX-License-Identifier: MIT
/* Unit tests for the TCP analysis W rules, driven through the real flow table. */
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

Test(tcp_analysis, flag_names)
{
	cr_assert_str_eq(tcp_aflag_name(0), "retransmission");
	cr_assert_str_eq(tcp_aflag_name(14), "reused_ports");
	cr_assert_str_eq(tcp_aflag_name(TA_NFLAGS), "?");
}

Test(tcp_analysis, dupacks_and_fast_retransmission)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 100000, "A", 1001, 5001, 1000, 100);	/* 4 */
	D(&h, C2S, 100100, "A", 1101, 5001, 1000, 100);	/* 5: first is lost */
	D(&h, C2S, 100200, "A", 1201, 5001, 1000, 100);	/* 6 */
	/*
	 * 7: same ack, window and seq as the SYN-ACK: already dup ACK #1 of
	 * it (the original is the last packet whose ack changed).
	 */
	cr_assert_eq(D(&h, S2C, 110000, "A", 5001, 1001, 1000, 0), TA_DUPLICATE_ACK);
	cr_assert_eq(h.r.dupack_num, 1);
	cr_assert_eq(h.r.dupack_frame, 2);
	cr_assert_eq(D(&h, S2C, 110100, "A", 5001, 1001, 1000, 0), TA_DUPLICATE_ACK);
	cr_assert_eq(h.r.dupack_num, 2);
	/* 19.9 ms after the last dup ACK: fast retransmission. */
	cr_assert_eq(D(&h, C2S, 130000, "A", 1001, 5001, 1000, 100),
		     TA_RETRANSMISSION | TA_FAST_RETRANSMISSION);
	cr_assert_eq(h.r.bytes_in_flight, 300);
	tcp_h_fini(&h);
}

Test(tcp_analysis, fast_retransmission_20ms_is_too_late)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 100000, "A", 1001, 5001, 1000, 100);
	D(&h, C2S, 100100, "A", 1101, 5001, 1000, 100);
	D(&h, S2C, 110000, "A", 5001, 1001, 1000, 0);
	D(&h, S2C, 110100, "A", 5001, 1001, 1000, 0);
	D(&h, S2C, 110200, "A", 5001, 1001, 1000, 0);
	/* Exactly 20 ms: plain retransmission, rto from the oldest unacked. */
	cr_assert_eq(D(&h, C2S, 130200, "A", 1001, 5001, 1000, 100),
		     TA_RETRANSMISSION);
	cr_assert_eq(h.r.rto_frame, 4);
	cr_assert_eq(h.r.rto_ns, 30200 * 1000LL);
	tcp_h_fini(&h);
}

Test(tcp_analysis, out_of_order_threshold_irtt)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	/* A SYN at time 0 would count as "no SYN" (0 means unset). */
	handshake(&h, 1000, 50000, -1, -1); /* iRTT 50 ms */
	D(&h, C2S, 100000, "A", 1101, 5001, 1000, 100); /* lost: 1001..1100 */
	cr_assert_eq(h.r.flags, TA_LOST_SEGMENT);
	cr_assert_eq(h.r.irtt_ns, 50 * MS);
	/* 40 ms later, under the iRTT: out of order. */
	cr_assert_eq(D(&h, C2S, 140000, "A", 1001, 5001, 1000, 100),
		     TA_OUT_OF_ORDER);
	tcp_h_fini(&h);
}

Test(tcp_analysis, out_of_order_threshold_3ms_without_handshake)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	/* Mid-stream start: no SYN, base = seq - 1, no flags. */
	cr_assert_eq(D(&h, C2S, 0, "A", 70001, 9001, 1000, 100), 0);
	cr_assert_eq(h.r.rel_seq, 1);
	cr_assert_eq(h.r.irtt_ns, -1);
	D(&h, C2S, 1000, "A", 70201, 9001, 1000, 100); /* gap 70101..70200 */
	cr_assert_eq(D(&h, C2S, 3900, "A", 70101, 9001, 1000, 100),
		     TA_OUT_OF_ORDER); /* 2.9 ms */
	D(&h, C2S, 10000, "A", 70401, 9001, 1000, 100); /* gap 70301..70400 */
	cr_assert_eq(D(&h, C2S, 13000, "A", 70301, 9001, 1000, 100),
		     TA_RETRANSMISSION); /* 3.0 ms: not under the threshold */
	/* A clock stepping back never makes OOO (verified with tshark). */
	D(&h, C2S, 20000, "A", 70601, 9001, 1000, 100);
	cr_assert_eq(D(&h, C2S, 19000, "A", 70501, 9001, 1000, 100),
		     TA_RETRANSMISSION);
	tcp_h_fini(&h);
}

Test(tcp_analysis, wraparound_isn)
{
	struct tcp_h h;
	uint32_t isn = 0xFFFFFF00u;

	tcp_h_init(&h, 4);
	tx(&h, C2S, 0, "S", isn, 0, 1000, 0, -1, 0, NULL);
	tx(&h, S2C, 5000, "SA", 5000, isn + 1, 1000, 0, -1, 0, NULL);
	D(&h, C2S, 10000, "A", isn + 1, 5001, 1000, 0);
	cr_assert_eq(D(&h, C2S, 20000, "A", isn + 1, 5001, 1000, 200), 0);
	/* Crosses 2^32: 0x00000001 is after 0xFFFFFFC9. */
	cr_assert_eq(D(&h, C2S, 20100, "A", isn + 201, 5001, 1000, 200), 0);
	cr_assert_eq(h.r.rel_seq, 201);
	cr_assert_eq(h.r.bytes_in_flight, 400);
	cr_assert_eq(D(&h, S2C, 30000, "A", 5001, isn + 401, 1000, 0), 0);
	cr_assert_eq(h.r.acked_frame, 5);
	cr_assert_eq(h.r.ack_rtt_ns, 9900 * 1000LL);
	/* Resending the pre-wrap segment is a spurious retransmission. */
	cr_assert_eq(D(&h, C2S, 40000, "A", isn + 1, 5001, 1000, 200),
		     TA_RETRANSMISSION | TA_SPURIOUS_RETRANSMISSION);
	tcp_h_fini(&h);
}

Test(tcp_analysis, window_full_needs_known_scale)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	/* Both sides announce WS 2: server window 250 << 2 = 1000 bytes. */
	handshake(&h, 0, 10000, 2, 2);
	D(&h, S2C, 15000, "A", 5001, 1001, 250, 0);
	cr_assert_eq(D(&h, C2S, 20000, "A", 1001, 5001, 1000, 1000),
		     TA_WINDOW_FULL);
	cr_assert_eq(h.r.calc_window, 4000);
	tcp_h_fini(&h);

	/* No SYN seen: scale unknown, never window full. */
	tcp_h_init(&h, 4);
	D(&h, S2C, 0, "A", 5001, 1001, 250, 0);
	cr_assert_eq(D(&h, C2S, 1000, "A", 1001, 5001, 1000, 250), 0);
	cr_assert_eq(D(&h, C2S, 2000, "A", 1251, 5001, 1000, 750), 0);
	cr_assert_eq(h.r.calc_window, 1000);
	tcp_h_fini(&h);
}

Test(tcp_analysis, port_reuse_new_stream)
{
	struct tcp_h h;
	uint64_t s0;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	s0 = h.r.stream;
	/* Same SYN again: retransmission, same stream. */
	cr_assert_eq(D(&h, C2S, 1000000, "S", 1000, 0, 1000, 0),
		     TA_RETRANSMISSION);
	cr_assert_eq(h.r.stream, s0);
	/* New ISN: a new conversation flagged reused_ports. */
	cr_assert_eq(D(&h, C2S, 2000000, "S", 777777, 0, 1000, 0),
		     TA_REUSED_PORTS);
	cr_assert_neq(h.r.stream, s0);
	cr_assert_eq(h.r.rel_seq, 0);
	tcp_h_fini(&h);
}

Test(tcp_analysis, linux_zero_window_probe_is_keep_alive)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 20000, "AP", 1001, 5001, 1000, 100);
	cr_assert_eq(D(&h, S2C, 30000, "A", 5001, 1101, 0, 0), TA_ZERO_WINDOW);
	/* Linux: 0-byte segment at snd_una - 1. */
	cr_assert_eq(D(&h, C2S, 230000, "A", 1100, 5001, 1000, 0), TA_KEEP_ALIVE);
	cr_assert_eq(D(&h, S2C, 230100, "A", 5001, 1101, 0, 0), TA_ZERO_WINDOW);
	/* Same with an open window: keep-alive ACK, not a dup ACK. */
	D(&h, S2C, 300000, "A", 5001, 1101, 1000, 0); /* window update */
	cr_assert_eq(h.r.flags, TA_WINDOW_UPDATE);
	cr_assert_eq(D(&h, C2S, 400000, "A", 1100, 5001, 1000, 0), TA_KEEP_ALIVE);
	cr_assert_eq(D(&h, S2C, 400100, "A", 5001, 1101, 1000, 0),
		     TA_KEEP_ALIVE_ACK);
	tcp_h_fini(&h);
}

Test(tcp_analysis, one_byte_zero_window_probe)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 20000, "A", 1001, 5001, 1000, 100);
	D(&h, S2C, 30000, "A", 5001, 1101, 0, 0);
	cr_assert_eq(D(&h, C2S, 230000, "A", 1101, 5001, 1000, 1),
		     TA_ZERO_WINDOW_PROBE);
	cr_assert_eq(D(&h, S2C, 230100, "A", 5001, 1101, 0, 0),
		     TA_ZERO_WINDOW | TA_ZERO_WINDOW_PROBE_ACK);
	/* The probe byte did not advance nextseq: resent as new data. */
	cr_assert_eq(D(&h, S2C, 300000, "A", 5001, 1101, 1000, 0),
		     TA_WINDOW_UPDATE);
	cr_assert_eq(D(&h, C2S, 300100, "A", 1101, 5001, 1000, 100), 0);
	tcp_h_fini(&h);
}

Test(tcp_analysis, ack_lost_segment_sets_dupack_marker)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 20000, "A", 1001, 5001, 1000, 100);
	/* Acks 200 bytes of which 100 were never seen. */
	cr_assert_eq(D(&h, S2C, 30000, "A", 5001, 1201, 1000, 0),
		     TA_ACK_LOST_SEGMENT);
	/* Same hole again: not reported twice (dupacknum is now -1)... */
	cr_assert_eq(D(&h, S2C, 30100, "A", 5001, 1301, 1000, 0), 0);
	/* ...and the next dup ACK from the client counts from 1, not 0. */
	cr_assert_eq(D(&h, C2S, 40000, "A", 1101, 5001, 1000, 0),
		     TA_DUPLICATE_ACK);
	cr_assert_eq(h.r.dupack_num, 1);
	cr_assert_eq(D(&h, C2S, 40100, "A", 1101, 5001, 1000, 0),
		     TA_DUPLICATE_ACK);
	cr_assert_eq(h.r.dupack_num, 2);
	tcp_h_fini(&h);
}

Test(tcp_analysis, lost_segment_and_rto_retransmission)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 20000, "A", 1001, 5001, 1000, 100);
	cr_assert_eq(h.r.bytes_in_flight, 100);
	cr_assert_eq(D(&h, C2S, 20100, "A", 1201, 5001, 1000, 100),
		     TA_LOST_SEGMENT);
	cr_assert_eq(h.r.bytes_in_flight, -1); /* valid_bif off */
	cr_assert_eq(D(&h, C2S, 250000, "A", 1101, 5001, 1000, 100),
		     TA_RETRANSMISSION);
	cr_assert_eq(h.r.rto_frame, 4);
	tcp_h_fini(&h);
}

Test(tcp_analysis, sack_subtracted_from_bytes_in_flight)
{
	struct tcp_h h;
	const uint32_t blk[2] = { 1101, 1201 };

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 20000, "A", 1001, 5001, 1000, 100);
	D(&h, C2S, 20100, "A", 1101, 5001, 1000, 100);
	/* Receiver SACKs 1101..1201 (its own SACK counts from the next packet). */
	tx(&h, S2C, 30000, "A", 5001, 1001, 1000, 0, -1, 1, blk);
	cr_assert_eq(D(&h, C2S, 30100, "AP", 1201, 5001, 1000, 100), 0);
	cr_assert_eq(h.r.bytes_in_flight, 200); /* 300 - 100 SACKed */
	/* W21: bytes since the last PSH segment, this one included. */
	cr_assert_eq(h.r.push_bytes_sent, 300);
	/* After a PSH segment the count restarts (corpus: http_espn). */
	D(&h, C2S, 30200, "A", 1301, 5001, 1000, 50);
	cr_assert_eq(h.r.push_bytes_sent, 50);
	D(&h, C2S, 30300, "AP", 1351, 5001, 1000, 20);
	cr_assert_eq(h.r.push_bytes_sent, 70);
	tcp_h_fini(&h);
}

Test(tcp_analysis, ack_without_ack_flag_is_raw)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	/* RST without ACK: tshark shows the raw ack field (corpus:
	 * rst-inject-rae.pcap), relative numbers only with the flag. */
	D(&h, C2S, 20000, "R", 1001, 123456789, 0, 0);
	cr_assert_eq(h.r.rel_seq, 1);
	cr_assert_eq(h.r.rel_ack, 123456789);
	D(&h, S2C, 20100, "A", 5001, 1001, 1000, 0);
	cr_assert_eq(h.r.rel_ack, 1);
	tcp_h_fini(&h);
}

Test(tcp_analysis, window_update_and_spurious)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 20000, "AP", 1001, 5001, 1000, 100);
	D(&h, S2C, 30000, "A", 5001, 1101, 1000, 0);
	cr_assert_eq(D(&h, S2C, 31000, "A", 5001, 1101, 2000, 0),
		     TA_WINDOW_UPDATE);
	cr_assert_eq(D(&h, C2S, 500000, "AP", 1001, 5001, 1000, 100),
		     TA_RETRANSMISSION | TA_SPURIOUS_RETRANSMISSION);
	tcp_h_fini(&h);
}
