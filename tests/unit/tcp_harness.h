/* SPDX-License-Identifier: MIT */
/* Unit-test harness: TCP segments through the flow table and TCP analyzer. */
#ifndef NETDX_TESTS_UNIT_TCP_HARNESS_H
#define NETDX_TESTS_UNIT_TCP_HARNESS_H

/*
 * Header-only (static inline) because the Makefile links every
 * tests/unit/test_*.c on its own against src/: unused helpers cost nothing
 * and raise no -Wunused-function.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/tcp_analysis.h"
#include "analyze/tcp_stats.h"
#include "flow/flow.h"

/*
 * Client 10.0.0.1:cport (default 40000) <-> server 10.0.0.2:80, or
 * fd00::1 / fd00::2 with ver 6. C2S: the client sends.
 */
enum { C2S, S2C };

struct tcp_h {
	struct flow_table *ft;
	struct tcp_analyzer *ta;
	int slot;
	int ver;		 /* 4 or 6 */
	uint64_t frame;		 /* number of the last segment sent */
	uint32_t next_id;	 /* free for callers that number IPv4 IDs */
	struct tcp_pkt_result r; /* result of the last segment */
	unsigned n_stats;	 /* ended connections (tcp_h_collect_stats) */
	struct tcp_conn_stats st; /* the last delivered */
};

/* One segment; every field is used as given (wscale -1 = no option). */
struct tcp_seg {
	int dir;		/* C2S or S2C */
	uint16_t cport;		/* client port; 0 means 40000 */
	int64_t ts_ns;
	const char *fl;		/* any of "SAFRP" */
	uint32_t seq, ack;
	uint16_t win;
	uint32_t len;		/* payload length */
	int ws;			/* window-scale option, -1 none */
	int nsack;		/* blocks in sack[2 i], 0..PKT_MAX_SACK */
	const uint32_t *sack;
	uint16_t ip_id;		/* IPv4 ID (IPv6 has none) */
	bool uncounted;		/* tracked, not counted (options cut by snaplen) */
};

static inline void tcp_h_init(struct tcp_h *h, int ver)
{
	struct flow_analyzer fa;
	struct flow_limits lim = {
		.max_flows = 16,
		.idle_timeout_ns = INT64_MAX,
		.closed_linger_ns = INT64_MAX,
	};

	memset(h, 0, sizeof(*h));
	h->ver = ver;
	h->ft = flow_table_new(&lim);
	h->ta = tcp_analyzer_new();
	cr_assert(h->ft && h->ta);
	tcp_analyzer_flow_hooks(h->ta, &fa);
	h->slot = flow_table_add_analyzer(h->ft, &fa);
	cr_assert(h->slot >= 0);
}

static inline void tcp_h_fini(struct tcp_h *h)
{
	flow_table_free(h->ft);
	tcp_analyzer_free(h->ta);
}

static inline void tcp_h_on_stats(void *ctx, const struct flow *f,
				  const struct tcp_conn_stats *st)
{
	struct tcp_h *h = ctx;

	cr_assert_not_null(f);
	h->n_stats++;
	h->st = *st;
}

/* From now on, connections that end are counted and kept in h->st. */
static inline void tcp_h_collect_stats(struct tcp_h *h)
{
	tcp_analyzer_set_stats_cb(h->ta, tcp_h_on_stats, h);
}

/* Builds the decoded packet of s and analyses it; returns the flags. */
static inline uint32_t tcp_h_send(struct tcp_h *h, const struct tcp_seg *s)
{
	static const uint8_t c4[4] = { 10, 0, 0, 1 }, s4[4] = { 10, 0, 0, 2 };
	static const uint8_t c6[16] = { 0xfd, [15] = 1 };
	static const uint8_t s6[16] = { 0xfd, [15] = 2 };
	const uint8_t *cli = h->ver == 6 ? c6 : c4;
	const uint8_t *srv = h->ver == 6 ? s6 : s4;
	const uint16_t cport = s->cport ? s->cport : 40000;
	const size_t al = h->ver == 6 ? 16 : 4;
	struct packet pkt;
	struct pkt_tcp *t = &pkt.l4[0].u.tcp;
	struct flow_pkt_info info;
	struct flow *f;

	cr_assert(s->nsack >= 0 && s->nsack <= PKT_MAX_SACK);
	memset(&pkt, 0, sizeof(pkt));
	pkt.n_ip = 1;
	pkt.n_l4 = 1;
	pkt.ip[0].ver = (uint8_t)h->ver;
	pkt.ip[0].proto = 6;
	pkt.ip[0].l4 = 0;
	pkt.ip[0].id = h->ver == 4 ? s->ip_id : 0;
	memcpy(pkt.ip[0].src, s->dir == C2S ? cli : srv, al);
	memcpy(pkt.ip[0].dst, s->dir == C2S ? srv : cli, al);
	pkt.l4[0].proto = 6;
	pkt.l4[0].sport = s->dir == C2S ? cport : 80;
	pkt.l4[0].dport = s->dir == C2S ? 80 : cport;
	pkt.l4[0].hdr_len = 20;
	pkt.l4[0].payload_len = s->len;
	t->hdr_len = 20;
	t->seq = s->seq;
	t->ack = s->ack;
	t->win = s->win;
	t->wscale = (int8_t)s->ws;
	for (const char *c = s->fl; *c; c++)
		t->flags |= *c == 'S' ? TCP_F_SYN : *c == 'A' ? TCP_F_ACK :
			    *c == 'F' ? TCP_F_FIN : *c == 'R' ? TCP_F_RST :
			    *c == 'P' ? TCP_F_PSH : 0;
	for (int i = 0; i < s->nsack; i++) {
		t->sack[i][0] = s->sack[2 * i];
		t->sack[i][1] = s->sack[2 * i + 1];
	}
	t->n_sack = (uint8_t)s->nsack;
	h->frame++;
	f = flow_table_update_mode(h->ft, &pkt, 0, h->frame, s->ts_ns, 100,
				   s->uncounted ? FLOW_UPD_TRACK : FLOW_UPD_COUNT,
				   &info);
	cr_assert(f);
	tcp_analyzer_packet(h->ta, f, flow_state(h->ft, f, h->slot), &info, &pkt, 0,
			    h->frame, s->ts_ns, &h->r);
	return h->r.flags;
}

#endif
