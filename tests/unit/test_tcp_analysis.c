// SPDX-License-Identifier: MIT
/* Unit tests for the TCP analysis W rules, driven through the real flow table. */
#include <stdlib.h>

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

/*
 * The analyzer frees a finished sender's emptied unacked list: a late
 * resend after the close must still be a retransmission, and the list
 * it starts again must still match the ACK that covers it.
 */
Test(tcp_analysis, late_resend_after_close_uses_a_new_list)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	handshake(&h, 0, 10000, -1, -1);
	D(&h, C2S, 20000, "AP", 1001, 5001, 1000, 100);
	D(&h, S2C, 30000, "A", 5001, 1101, 1000, 0);
	D(&h, C2S, 40000, "FA", 1101, 5001, 1000, 0);
	D(&h, S2C, 50000, "FA", 5001, 1102, 1000, 0);
	D(&h, C2S, 60000, "A", 1102, 5002, 1000, 0);
	/* Both lists are empty and both sides sent FIN. */
	uint32_t fl = D(&h, C2S, 900000, "AP", 1001, 5002, 1000, 100);
	/* Already acked: Wireshark calls it spurious too. */
	cr_assert_eq(fl, TA_RETRANSMISSION | TA_SPURIOUS_RETRANSMISSION,
		     "flags %#x", fl);
	const uint64_t resend = h.frame;
	D(&h, S2C, 910000, "A", 5002, 1101, 1000, 0);
	cr_assert_eq(h.r.acked_frame, resend);
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

/*
 * Step S runs on every packet with the raw ack field, ACK flag or not
 * (tshark 4.0.17): a resent SYN carries ack 0, and the peer's entries
 * whose nextseq is "before" 0 (ISN >= 2^31) are dropped silently.
 * Corpus: heuristic_tcp_ack_payload.pcap frames 161-166.
 */
Test(tcp_analysis, resent_syn_ack0_drops_peer_entries_before_zero)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	D(&h, C2S, 0, "S", 1000, 0, 1000, 0);			/* 1 */
	D(&h, S2C, 10000, "SA", 0xB0000000u, 1001, 1000, 0);	/* 2 */
	cr_assert_eq(h.r.acked_frame, 1);
	/* 3: SYN resent, ack field 0: frame 2's entry is "below" 0. */
	cr_assert_eq(D(&h, C2S, 40000, "S", 1000, 0, 1000, 0),
		     TA_RETRANSMISSION);
	cr_assert_eq(h.r.acked_frame, 0);
	/* 4: the ACK of the SYN-ACK (with 2 bytes) acks nothing. */
	D(&h, C2S, 41000, "A", 1001, 0xB0000001u, 1000, 2);
	cr_assert_eq(h.r.acked_frame, 0);
	cr_assert_eq(h.r.ack_rtt_ns, -1);
	cr_assert_eq(h.r.bytes_in_flight, 3);
	/* 5: resent SYN-ACK: empty list, rto from nextseq_time (frame 2). */
	cr_assert_eq(D(&h, S2C, 50000, "SA", 0xB0000000u, 1001, 1000, 0),
		     TA_RETRANSMISSION);
	cr_assert_eq(h.r.rto_frame, 2);
	cr_assert_eq(h.r.rto_ns, 40000 * 1000LL);
	/* 6: the next ACK acks frame 5, the only entry left. */
	D(&h, C2S, 60000, "AP", 1001, 0xB0000001u, 1000, 10);
	cr_assert_eq(h.r.acked_frame, 5);
	tcp_h_fini(&h);
}

/* The same with a server ISN "after" 0: the entry stays (corpus frames 216-220). */
Test(tcp_analysis, resent_syn_ack0_keeps_peer_entries_after_zero)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	D(&h, C2S, 0, "S", 1000, 0, 1000, 0);
	D(&h, S2C, 10000, "SA", 0x20000000u, 1001, 1000, 0);	/* 2 */
	D(&h, C2S, 40000, "S", 1000, 0, 1000, 0);
	D(&h, C2S, 41000, "A", 1001, 0x20000001u, 1000, 2);
	cr_assert_eq(h.r.acked_frame, 2);
	cr_assert_eq(h.r.ack_rtt_ns, 31000 * 1000LL);
	tcp_h_fini(&h);
}

/*
 * A server ISN change on a SYN-ACK (reused_ports): the client's resent
 * SYN (ack 0) drops the old-ISN entries (>= 2^31) but not the new ones, so
 * rto of a later SYN-ACK counts from the first new-ISN one.
 * Corpus: surv_tcp-fastopen-10-syn-data-ignore_input.pcap frames 13-17.
 */
Test(tcp_analysis, isn_change_rto_from_entry_left_by_resent_syn)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	D(&h, C2S, 0, "S", 1000, 0, 1000, 0);			/* 1 */
	D(&h, S2C, 10000, "SA", 0xC0000000u, 1001, 1000, 0);	/* 2 */
	D(&h, C2S, 500000, "S", 1000, 0, 1000, 0);		/* 3 */
	D(&h, S2C, 510000, "SA", 0x05000000u, 1001, 1000, 0);	/* 4 */
	cr_assert(h.r.flags & TA_REUSED_PORTS);
	cr_assert_eq(D(&h, S2C, 900000, "SA", 0xC0000000u, 1001, 1000, 0),
		     TA_RETRANSMISSION | TA_REUSED_PORTS);	/* 5 */
	cr_assert_eq(h.r.rto_frame, 4);
	cr_assert_eq(h.r.rto_ns, 390000 * 1000LL);
	D(&h, C2S, 1500000, "S", 1000, 0, 1000, 0);		/* 6 */
	D(&h, S2C, 1510000, "SA", 0x05000000u, 1001, 1000, 0);	/* 7 */
	cr_assert(h.r.flags & TA_RETRANSMISSION);
	cr_assert_eq(h.r.rto_frame, 4);
	cr_assert_eq(h.r.rto_ns, 1000000 * 1000LL);
	tcp_h_fini(&h);
}

/*
 * A RST without ACK (ack field 0) trims the peer's data "below" 0: the
 * next segment's bytes in flight count only itself. Corpus: ethereum.pcap
 * frames 1714-1718.
 */
Test(tcp_analysis, rst_without_ack_trims_peer_bytes_in_flight)
{
	struct tcp_h h;

	tcp_h_init(&h, 4);
	tx(&h, C2S, 0, "S", 1000, 0, 1000, 0, -1, 0, NULL);
	tx(&h, S2C, 5000, "SA", 0xD0000000u, 1001, 1000, 0, -1, 0, NULL);
	D(&h, C2S, 10000, "A", 1001, 0xD0000001u, 1000, 0);
	D(&h, S2C, 20000, "AP", 0xD0000001u, 1001, 1000, 32);
	cr_assert_eq(h.r.bytes_in_flight, 32);
	D(&h, S2C, 20100, "AP", 0xD0000021u, 1001, 1000, 16);
	cr_assert_eq(h.r.bytes_in_flight, 48);
	D(&h, C2S, 20200, "R", 1001, 0, 0, 0);
	D(&h, S2C, 20300, "AP", 0xD0000031u, 1001, 1000, 16);
	cr_assert_eq(h.r.bytes_in_flight, 16);
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

/*
 * The unacked list (W19 acks_frame/ack_rtt, W20 span, W8 oldest entry)
 * against a plain model of the rules (TCP-ANALYSIS.md §2 S, T): the
 * analyzer keeps it ordered and incremental, the model walks everything.
 */
struct m_ent {
	uint64_t frame;
	int64_t ts;
	uint32_t seq, nextseq;
};

struct m_list {
	struct m_ent *v;
	uint32_t n;
};

static bool m_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* W19 as specified: newest to oldest, the oldest exact match wins. */
static void m_ack(struct m_list *l, uint32_t ack, int64_t now,
		  uint64_t *frame, int64_t *rtt)
{
	uint32_t w = 0;

	*frame = 0;
	*rtt = -1;
	for (uint32_t i = l->n; i-- > 0;) {
		struct m_ent *e = &l->v[i];

		if (e->nextseq == ack) {
			*frame = e->frame;
			*rtt = now - e->ts;
			e->frame = 0;
		} else if (m_lt(e->nextseq, ack)) {
			e->frame = 0;
		} else if (m_lt(e->seq, ack)) {
			e->seq = ack;
		}
	}
	for (uint32_t i = 0; i < l->n; i++)
		if (l->v[i].frame)
			l->v[w++] = l->v[i];
	l->n = w;
}

/* W20 span as specified: walk newest to oldest. */
static uint32_t m_span(const struct m_list *l)
{
	uint32_t lo = l->v[l->n - 1].seq, hi = l->v[l->n - 1].nextseq;

	for (uint32_t i = l->n - 1; i-- > 0;) {
		if (m_lt(l->v[i].seq, lo))
			lo = l->v[i].seq;
		if (m_lt(hi, l->v[i].nextseq))
			hi = l->v[i].nextseq;
	}
	return hi - lo;
}

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Server data from ISN isn (new, resent, after a gap) and client ACKs
 * (exact segment ends, mid-segment, duplicates, old, everything, garbage)
 * after bursts of up to burst segments. Returns the W20 values checked.
 */
static unsigned model_run(uint32_t isn, unsigned burst, unsigned resend_pct,
			  unsigned pkts, uint64_t seed)
{
	enum { ENDS = 4096 };
	struct tcp_h h;
	struct m_list l = { .v = calloc(10000, sizeof(struct m_ent)) };
	uint32_t *ends = calloc(ENDS, sizeof(uint32_t));
	uint32_t nxt = isn + 1, una = isn + 1, n_ends = 0;
	int64_t t = 0;
	unsigned sent = 0, checked = 0, acked = 0;

	cr_assert(l.v && ends);
	tcp_h_init(&h, 4);
	cr_assert_eq(tx(&h, C2S, t, "S", 1000, 0, 1000, 0, -1, 0, NULL), 0);
	tx(&h, S2C, t += 10, "SA", isn, 1001, 1000, 0, -1, 0, NULL);
	tx(&h, C2S, t += 10, "A", 1001, isn + 1, 1000, 0, -1, 0, NULL);
	while (sent < pkts) {
		unsigned nb = 1 + (unsigned)(xs(&seed) % burst);

		for (unsigned k = 0; k < nb; k++, sent++) {
			uint64_t r = xs(&seed);
			uint32_t len = 1 + (uint32_t)((r >> 8) % 1460), seq;
			uint64_t oldest = l.n ? l.v[0].frame : 0;

			if (r % 100 < resend_pct && nxt != una) {
				seq = una + (uint32_t)((r >> 24) % (nxt - una));
			} else {
				/* A gap stops W20 until the next ACK (W9). */
				if (r % 100 < resend_pct + 2 && burst < 100)
					nxt += (uint32_t)((r >> 24) % 5000);
				seq = nxt;
				nxt += len;
			}
			tx(&h, S2C, t += 10, "A", seq, 1001, 1000, len, -1, 0,
			   NULL);
			if (l.n < 10000)
				l.v[l.n++] = (struct m_ent){ h.frame, t * 1000,
							     seq, seq + len };
			ends[n_ends++ % ENDS] = seq + len;
			if (h.r.has_rto && oldest)
				cr_assert_eq(h.r.rto_frame, oldest);
			if (h.r.bif_computed) {
				uint32_t span = m_span(&l);
				int64_t want = span > 0 && span < 2000000000u ?
					       (int64_t)span : -1;

				cr_assert_eq(h.r.bytes_in_flight, want,
					     "frame %llu",
					     (unsigned long long)h.frame);
				checked++;
			}
		}
		{
			uint64_t r = xs(&seed), mf;
			uint32_t c = (uint32_t)(r % 100), ack;
			int64_t mrtt;

			if (c < 40) /* mostly a recent segment end */
				ack = ends[(n_ends - 1 - (r >> 8) % (c < 30 ? nb :
					    n_ends < ENDS ? n_ends : ENDS)) %
					   ENDS];
			else if (c < 70)
				ack = una + (uint32_t)((r >> 8) %
						       (nxt - una + 1));
			else if (c < 90)
				ack = una;
			else if (c < 92)
				ack = (uint32_t)(r >> 32);
			else
				ack = nxt;
			if (c < 92 && m_lt(una, ack) && !m_lt(nxt, ack))
				una = ack;
			tx(&h, C2S, t += 10, "A", 1001, ack, 1000, 0, -1, 0,
			   NULL);
			m_ack(&l, ack, t * 1000, &mf, &mrtt);
			cr_assert_eq(h.r.acked_frame, mf, "frame %llu",
				     (unsigned long long)h.frame);
			cr_assert_eq(h.r.ack_rtt_ns, mrtt);
			acked += mf != 0;
		}
	}
	tcp_h_fini(&h);
	free(l.v);
	free(ends);
	cr_log_info("isn %u burst %u: %u W20 and %u W19 checked", isn, burst,
		    checked, acked);
	cr_assert_gt(acked, 0);
	return checked;
}

Test(tcp_analysis, unacked_list_matches_model)
{
	/*
	 * Few in flight, with resends and gaps; across the 2^32 wrap;
	 * thousands in flight with and without resends (the ordered path).
	 */
	cr_assert_gt(model_run(100000, 4, 8, 30000, 1), 1000);
	cr_assert_gt(model_run(0xFFFF0000u, 8, 8, 30000, 2), 1000);
	cr_assert_gt(model_run(0x7FFFF000u, 3000, 8, 40000, 3), 30000);
	cr_assert_gt(model_run(0xFFFFFFF0u, 3000, 0, 40000, 5), 30000);
	cr_assert_gt(model_run(5, 12000, 8, 30000, 4), 20000);
}

/*
 * Memory budget (docs/tcp-analysis.md "Memory"): an open TCP flow is the
 * 192-byte struct flow plus this state in one 64-byte-rounded block. Fails
 * when the state grows; lower the bound when it shrinks.
 */
Test(tcp_analysis, state_size_budget)
{
	cr_assert_leq(tcp_analyzer_state_size(), 320,
		      "tcp flow state grew to %zu bytes",
		      tcp_analyzer_state_size());
}
