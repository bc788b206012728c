// SPDX-License-Identifier: MIT
/* IP ID heuristic: reordered vs resent-after-upstream-loss vs unknown (tcp_analysis.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "tcp_harness.h"

/* Endpoint indexes: the server compares greater, so it is 0. */
#define SRV 0

/* Client IPv4 IDs count up from 7000 in h->next_id. */
static void h_init(struct tcp_h *h, int ver)
{
	tcp_h_init(h, ver);
	h->next_id = 7000;
}

/* Ends the connection and keeps its statistics in h->st. */
static void h_fini(struct tcp_h *h)
{
	tcp_h_collect_stats(h);
	flow_table_flush(h->ft);
	cr_assert_eq(h->n_stats, 1);
	tcp_h_fini(h);
}

/*
 * One TCP segment (flags "SAFP") at time us, with the IPv4 ID id (ignored
 * for IPv6, which has none). Returns the analysis flags.
 */
static uint32_t tx(struct tcp_h *h, int dir, int64_t us, const char *fl,
		   uint32_t seq, uint32_t ack, uint32_t len, uint16_t id)
{
	const struct tcp_seg s = {
		.dir = dir, .ts_ns = us * 1000, .fl = fl, .seq = seq,
		.ack = ack, .win = 1000, .len = len, .ws = -1, .ip_id = id,
	};

	return tcp_h_send(h, &s);
}

/* Server data segment k (100 bytes from seq 5001) at time us with ID id. */
static uint32_t seg(struct tcp_h *h, int64_t us, unsigned k, uint16_t id)
{
	return tx(h, S2C, us, "A", 5001 + 100 * k, 1001, 100, id);
}

/* Client ACK of the first k server segments (its IDs count up). */
static void ack(struct tcp_h *h, int64_t us, unsigned k)
{
	tx(h, C2S, us, "A", 1001, 5001 + 100 * k, 0, (uint16_t)h->next_id++);
}

/*
 * Handshake (iRTT 10 ms: the out-of-order window), then segments 0..5 in
 * order with IDs id0..id0+5 and ACKs; segment 6 is lost before the capture
 * point (its ID id0+6 is used up), 7 and 8 arrive with id0+7, id0+8.
 * Returns the time of segment 8 (µs).
 */
static int64_t lossy_start(struct tcp_h *h, uint16_t id0, bool ids_count)
{
	int64_t t = 1000;

	tx(h, C2S, t, "S", 1000, 0, 0, (uint16_t)h->next_id++);
	tx(h, S2C, t + 5000, "SA", 5000, 1001, 0, 0); /* Linux: SYN-ACK ID 0 */
	ack(h, t + 10000, 0);
	t = 20000;
	for (unsigned k = 0; k < 6; k++, t += 10)
		seg(h, t, k, ids_count ? (uint16_t)(id0 + k) : 0);
	ack(h, t, 6);
	t += 10;
	cr_assert(seg(h, t, 7, ids_count ? (uint16_t)(id0 + 7) : 0) &
		  TA_LOST_SEGMENT);
	t += 10;
	seg(h, t, 8, ids_count ? (uint16_t)(id0 + 8) : 0);
	return t;
}

Test(tcp_ipid, reordered_original_has_a_lower_id)
{
	struct tcp_h h;
	int64_t t;

	h_init(&h, 4);
	t = lossy_start(&h, 1000, true);
	/* Segment 6 itself, late: its ID lies between its neighbours'. */
	cr_assert_eq(seg(&h, t + 50, 6, 1006), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_REORDERED);
	h_fini(&h);
	cr_assert_eq(h.st.d[SRV].out_of_order, 1);
	cr_assert_eq(h.st.d[SRV].ooo_reordered, 1);
	cr_assert_eq(h.st.d[SRV].ooo_retransmitted, 0);
	cr_assert_eq(h.st.d[SRV].ooo_unknown, 0);
	cr_assert_eq(h.st.d[SRV].ooo_reordered_frame, h.frame);
	cr_assert_eq(h.st.d[SRV].ooo_retransmitted_frame, 0);
}

Test(tcp_ipid, resend_after_upstream_loss_has_a_higher_id)
{
	struct tcp_h h;
	int64_t t;

	h_init(&h, 4);
	t = lossy_start(&h, 1000, true);
	/* The resend of segment 6 gets the next ID after segment 8's. */
	cr_assert_eq(seg(&h, t + 50, 6, 1009), TA_OUT_OF_ORDER,
		     "Wireshark's label stays out_of_order");
	cr_assert_eq(h.r.back_cause, TCP_BACK_RETRANSMITTED);
	h_fini(&h);
	cr_assert_eq(h.st.d[SRV].out_of_order, 1);
	cr_assert_eq(h.st.d[SRV].ooo_reordered, 0);
	cr_assert_eq(h.st.d[SRV].ooo_retransmitted, 1);
	cr_assert_eq(h.st.d[SRV].ooo_unknown, 0);
	cr_assert_eq(h.st.d[SRV].ooo_retransmitted_frame, h.frame);
	cr_assert_eq(h.st.d[SRV].retrans, 0, "retrans stays the W5-W8 count");
}

Test(tcp_ipid, hole_filled_after_the_window_is_classified_too)
{
	struct tcp_h h;
	int64_t t;

	h_init(&h, 4);
	t = lossy_start(&h, 1000, true);
	/* 20 ms later (beyond iRTT): Wireshark says retransmission. */
	cr_assert_eq(seg(&h, t + 20000, 6, 1009), TA_RETRANSMISSION);
	cr_assert_eq(h.r.back_cause, TCP_BACK_RETRANSMITTED);
	/* In-order data is never classified. */
	cr_assert_eq(seg(&h, t + 20010, 9, 1010), 0);
	cr_assert_eq(h.r.back_cause, TCP_BACK_NONE);
	h_fini(&h);
	cr_assert_eq(h.st.d[SRV].out_of_order, 0);
	cr_assert_eq(h.st.d[SRV].ooo_retransmitted, 0);
}

Test(tcp_ipid, ids_wrapping_through_zero)
{
	struct tcp_h h;
	int64_t t;

	h_init(&h, 4);
	/* IDs 65529..65534, lost 65535, then 0 (segment 7) and 1. */
	t = lossy_start(&h, 65529, true);
	cr_assert_eq(seg(&h, t + 50, 6, 65535), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_REORDERED,
		     "65535 is before 1 in 16-bit serial arithmetic");
	h_fini(&h);

	h_init(&h, 4);
	t = lossy_start(&h, 65527, true);
	/* Segment 8 has ID 65535; the resend wraps to 0, which is unusable. */
	cr_assert_eq(seg(&h, t + 50, 6, 0), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_UNKNOWN);
	h_fini(&h);

	h_init(&h, 4);
	t = lossy_start(&h, 65526, true);
	/* Segment 8 has 65534, the resend 65535 ... */
	cr_assert_eq(seg(&h, t + 50, 6, 65535), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_RETRANSMITTED);
	/* ... and one two IDs past the wrap (segment 7 again, ID 1). */
	cr_assert_eq(seg(&h, t + 60, 7, 1), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_RETRANSMITTED);
	h_fini(&h);
	cr_assert_eq(h.st.d[SRV].ooo_retransmitted, 2);
}

Test(tcp_ipid, too_far_is_unknown)
{
	struct tcp_h h;
	int64_t t;

	h_init(&h, 4);
	t = lossy_start(&h, 1000, true);
	/* 20000 IDs away either way is no evidence of either cause. */
	cr_assert_eq(seg(&h, t + 50, 6, 21008), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_UNKNOWN);
	cr_assert_eq(seg(&h, t + 60, 7, (uint16_t)(1008 - 20000)),
		     TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_UNKNOWN);
	h_fini(&h);
	cr_assert_eq(h.st.d[SRV].ooo_unknown, 2);
}

Test(tcp_ipid, ipv6_has_no_id)
{
	struct tcp_h h;
	int64_t t;

	h_init(&h, 6);
	t = lossy_start(&h, 1000, true); /* IDs ignored for IPv6 */
	cr_assert_eq(seg(&h, t + 50, 6, 1009), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_UNKNOWN);
	h_fini(&h);
	cr_assert_eq(h.st.d[SRV].out_of_order, 1);
	cr_assert_eq(h.st.d[SRV].ooo_unknown, 1);
	cr_assert_eq(h.st.d[SRV].ooo_reordered_frame, h.frame,
		     "unknown ones are the reordering evidence");
}

Test(tcp_ipid, id_zero_is_unknown)
{
	struct tcp_h h;
	int64_t t;

	h_init(&h, 4);
	t = lossy_start(&h, 0, false); /* every server packet has ID 0 */
	cr_assert_eq(seg(&h, t + 50, 6, 0), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_UNKNOWN);
	h_fini(&h);
	cr_assert_eq(h.st.d[SRV].ooo_unknown, 1);
}

Test(tcp_ipid, ids_that_do_not_increment_are_unknown)
{
	/* Random per-packet IDs (e.g. OpenBSD): never a trusted order. */
	static const uint16_t rnd[] = { 51234, 913, 40777, 23001, 61500, 7777 };
	struct tcp_h h;
	int64_t t = 1000;

	h_init(&h, 4);
	tx(&h, C2S, t, "S", 1000, 0, 0, 1);
	tx(&h, S2C, t + 5000, "SA", 5000, 1001, 0, 30000);
	ack(&h, t + 10000, 0);
	t = 20000;
	for (unsigned k = 0; k < 6; k++, t += 10)
		seg(&h, t, k, rnd[k]);
	seg(&h, t, 7, 12000);
	seg(&h, t + 10, 8, 12001); /* one lucky step does not make a counter */
	/* Higher than the last ID by 1, yet no evidence. */
	cr_assert_eq(seg(&h, t + 50, 6, 12002), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_UNKNOWN);
	h_fini(&h);
}

Test(tcp_ipid, each_direction_has_its_own_counter)
{
	struct tcp_h h;
	int64_t t;

	h_init(&h, 4);
	/* Client IDs run from 7000, the server's from 100: no mixing. */
	t = lossy_start(&h, 100, true);
	cr_assert_eq(seg(&h, t + 50, 6, 109), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_RETRANSMITTED);
	h_fini(&h);
}
