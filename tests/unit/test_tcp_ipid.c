// SPDX-License-Identifier: MIT
/* IP ID heuristic: reordered vs resent-after-upstream-loss vs unknown (tcp_analysis.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/tcp_analysis.h"
#include "analyze/tcp_stats.h"
#include "flow/flow.h"

/* Client 10.0.0.1:40000 <-> server 10.0.0.2:80 (or fd00::1 / fd00::2). */
enum { C2S, S2C };

/* Endpoint indexes: the server compares greater, so it is 0. */
#define SRV 0

struct h {
	struct flow_table *ft;
	struct tcp_analyzer *ta;
	int slot;
	int ver;	   /* 4 or 6 */
	uint64_t frame;
	uint32_t cli_id;   /* next IPv4 ID of the client */
	struct tcp_pkt_result r;
	unsigned n_stats;
	struct tcp_conn_stats st;
};

static void h_init(struct h *h, int ver)
{
	struct flow_analyzer fa;
	struct flow_limits lim = {
		.max_flows = 16,
		.idle_timeout_ns = INT64_MAX,
		.closed_linger_ns = INT64_MAX,
	};

	memset(h, 0, sizeof(*h));
	h->ver = ver;
	h->cli_id = 7000;
	h->ft = flow_table_new(&lim);
	h->ta = tcp_analyzer_new();
	cr_assert(h->ft && h->ta);
	tcp_analyzer_flow_hooks(h->ta, &fa);
	h->slot = flow_table_add_analyzer(h->ft, &fa);
	cr_assert(h->slot >= 0);
}

static void on_stats(void *ctx, const struct flow *f,
		     const struct tcp_conn_stats *st)
{
	struct h *h = ctx;

	(void)f;
	h->n_stats++;
	h->st = *st;
}

/* Ends the connection and keeps its statistics in h->st. */
static void h_fini(struct h *h)
{
	tcp_analyzer_set_stats_cb(h->ta, on_stats, h);
	flow_table_flush(h->ft);
	cr_assert_eq(h->n_stats, 1);
	flow_table_free(h->ft);
	tcp_analyzer_free(h->ta);
}

/*
 * One TCP segment (flags "SAFP") at time us, with the IPv4 ID id (ignored
 * for IPv6, which has none). Returns the analysis flags.
 */
static uint32_t tx(struct h *h, int dir, int64_t us, const char *fl,
		   uint32_t seq, uint32_t ack, uint32_t len, uint16_t id)
{
	static const uint8_t c4[4] = { 10, 0, 0, 1 }, s4[4] = { 10, 0, 0, 2 };
	static const uint8_t c6[16] = { 0xfd, [15] = 1 };
	static const uint8_t s6[16] = { 0xfd, [15] = 2 };
	struct packet pkt;
	struct pkt_tcp *t = &pkt.l4[0].u.tcp;
	struct flow_pkt_info info;
	struct flow *f;
	size_t al = h->ver == 6 ? 16 : 4;

	memset(&pkt, 0, sizeof(pkt));
	pkt.n_ip = 1;
	pkt.n_l4 = 1;
	pkt.ip[0].ver = (uint8_t)h->ver;
	pkt.ip[0].proto = 6;
	pkt.ip[0].l4 = 0;
	pkt.ip[0].id = h->ver == 4 ? id : 0;
	memcpy(pkt.ip[0].src, dir == C2S ? (h->ver == 6 ? c6 : c4) :
					   (h->ver == 6 ? s6 : s4), al);
	memcpy(pkt.ip[0].dst, dir == C2S ? (h->ver == 6 ? s6 : s4) :
					   (h->ver == 6 ? c6 : c4), al);
	pkt.l4[0].proto = 6;
	pkt.l4[0].sport = dir == C2S ? 40000 : 80;
	pkt.l4[0].dport = dir == C2S ? 80 : 40000;
	pkt.l4[0].hdr_len = 20;
	pkt.l4[0].payload_len = len;
	t->hdr_len = 20;
	t->seq = seq;
	t->ack = ack;
	t->win = 1000;
	t->wscale = -1;
	for (; *fl; fl++)
		t->flags |= *fl == 'S' ? TCP_F_SYN : *fl == 'A' ? TCP_F_ACK :
			    *fl == 'F' ? TCP_F_FIN : *fl == 'P' ? TCP_F_PSH : 0;
	h->frame++;
	f = flow_table_update(h->ft, &pkt, 0, h->frame, us * 1000, 100, &info);
	cr_assert(f);
	tcp_analyzer_packet(h->ta, f, f->an_state[h->slot], &info, &pkt, 0,
			    h->frame, us * 1000, &h->r);
	return h->r.flags;
}

/* Server data segment k (100 bytes from seq 5001) at time us with ID id. */
static uint32_t seg(struct h *h, int64_t us, unsigned k, uint16_t id)
{
	return tx(h, S2C, us, "A", 5001 + 100 * k, 1001, 100, id);
}

/* Client ACK of the first k server segments (its IDs count up). */
static void ack(struct h *h, int64_t us, unsigned k)
{
	tx(h, C2S, us, "A", 1001, 5001 + 100 * k, 0, (uint16_t)h->cli_id++);
}

/*
 * Handshake (iRTT 10 ms: the out-of-order window), then segments 0..5 in
 * order with IDs id0..id0+5 and ACKs; segment 6 is lost before the capture
 * point (its ID id0+6 is used up), 7 and 8 arrive with id0+7, id0+8.
 * Returns the time of segment 8 (µs).
 */
static int64_t lossy_start(struct h *h, uint16_t id0, bool ids_count)
{
	int64_t t = 1000;

	tx(h, C2S, t, "S", 1000, 0, 0, (uint16_t)h->cli_id++);
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
	struct h h;
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
	struct h h;
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
	struct h h;
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
	struct h h;
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
	struct h h;
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
	struct h h;
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
	struct h h;
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
	struct h h;
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
	struct h h;
	int64_t t;

	h_init(&h, 4);
	/* Client IDs run from 7000, the server's from 100: no mixing. */
	t = lossy_start(&h, 100, true);
	cr_assert_eq(seg(&h, t + 50, 6, 109), TA_OUT_OF_ORDER);
	cr_assert_eq(h.r.back_cause, TCP_BACK_RETRANSMITTED);
	h_fini(&h);
}
