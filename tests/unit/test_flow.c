// SPDX-License-Identifier: MIT
/* Unit tests for the flow table: keys, W1/W3, eviction, expiry, hooks, stats. */
#include <criterion/criterion.h>
#include <string.h>

#include "flow/flow.h"

#define S 1000000000LL

/*
 * Packets are built as decoded views (struct packet) rather than bytes: the
 * flow table only reads decoded fields, and the decoder has its own tests.
 */
static void mk(struct packet *p, int ver, const uint8_t *src,
	       const uint8_t *dst, uint8_t proto, uint16_t sp, uint16_t dp)
{
	size_t n = ver == 6 ? 16 : 4;

	memset(p, 0, sizeof(*p));
	p->n_ip = 1;
	p->n_l4 = 1;
	p->ip[0].ver = (uint8_t)ver;
	p->ip[0].proto = proto;
	memcpy(p->ip[0].src, src, n);
	memcpy(p->ip[0].dst, dst, n);
	p->ip[0].l4 = 0;
	p->l4[0].proto = proto;
	p->l4[0].ip = 0;
	p->l4[0].sport = sp;
	p->l4[0].dport = dp;
}

static void tcp(struct packet *p, uint16_t flags, uint32_t seq, uint32_t ack)
{
	p->l4[0].u.tcp.flags = flags;
	p->l4[0].u.tcp.seq = seq;
	p->l4[0].u.tcp.ack = ack;
}

static const uint8_t A4[4] = { 10, 0, 0, 1 };	   /* client */
static const uint8_t B4[4] = { 192, 168, 1, 9 };   /* server: greater */
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t B6[16] = { 0xfe, 0x80, [15] = 2 };

struct ends {
	int n;
	enum flow_end why[16];
	uint64_t conv[16];
	uint64_t pkts[16];
};

static void end_cb(void *ctx, const struct flow *f)
{
	struct ends *e = ctx;

	if (e->n < 16) {
		e->why[e->n] = f->end;
		e->conv[e->n] = f->conv_id;
		e->pkts[e->n] = f->pkts[0] + f->pkts[1];
	}
	e->n++;
}

static struct flow_table *mk_table(size_t max, int64_t idle, int64_t linger)
{
	struct flow_limits lim = { .max_flows = max,
				   .idle_timeout_ns = idle,
				   .closed_linger_ns = linger };
	struct flow_table *t = flow_table_new(&lim);

	cr_assert_not_null(t);
	return t;
}

Test(flow, key_canonical_ipv4_both_directions)
{
	struct flow_table *t = mk_table(16, 3600 * S, 120 * S);
	struct packet p;
	struct flow_pkt_info i1, i2;
	struct flow *f1, *f2;

	mk(&p, 4, A4, B4, 17, 5000, 53);
	f1 = flow_table_update(t, &p, 0, 1, 1 * S, 80, &i1);
	mk(&p, 4, B4, A4, 17, 53, 5000);
	f2 = flow_table_update(t, &p, 0, 2, 1 * S, 120, &i2);
	cr_assert_eq(f1, f2);
	/* Endpoint 0 is the greater address: 192.168.1.9. */
	cr_assert_eq(memcmp(f1->key.addr[0], B4, 4), 0);
	cr_assert_eq(f1->key.port[0], 53);
	cr_assert_eq(i1.dir, 1);
	cr_assert(i1.created);
	cr_assert_eq(i2.dir, 0);
	cr_assert_not(i2.created);
	cr_assert_eq(f1->first_dir, 1);
	cr_assert_eq(f1->pkts[1], 1);
	cr_assert_eq(f1->bytes[1], 80);
	cr_assert_eq(f1->bytes[0], 120);
	flow_table_free(t);
}

Test(flow, key_ties_use_port_and_ipv6)
{
	struct flow_table *t = mk_table(16, 3600 * S, 120 * S);
	struct packet p;
	struct flow_pkt_info i;
	struct flow *f;
	char buf[80];

	/* Same address both sides: the greater port is endpoint 0. */
	mk(&p, 4, A4, A4, 6, 1000, 2000);
	f = flow_table_update(t, &p, 0, 1, 0, 60, &i);
	cr_assert_eq(i.dir, 1);
	cr_assert_eq(f->key.port[0], 2000);

	mk(&p, 6, A6, B6, 17, 7, 9);
	f = flow_table_update(t, &p, 0, 2, 0, 60, &i);
	cr_assert_eq(i.dir, 1); /* fe80:: > 2001:: */
	cr_assert_eq(f->key.family, 6);
	flow_format_endpoint(&f->key, 0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "[fe80::2]:9");
	flow_format_endpoint(&f->key, 1, buf, sizeof(buf));
	cr_assert_str_eq(buf, "[2001:db8::1]:7");
	/* IPv4 and IPv6 flows with the same ports are distinct. */
	mk(&p, 4, A4, B4, 17, 7, 9);
	cr_assert_neq(flow_table_update(t, &p, 0, 3, 0, 60, &i), f);
	flow_table_free(t);
}

Test(flow, w1_base_sequence)
{
	struct flow_table *t = mk_table(16, 3600 * S, 120 * S);
	struct packet p;
	struct flow *f;

	/* Mid-stream: first packet with ACK sets both bases. */
	mk(&p, 4, A4, B4, 6, 40000, 80);
	tcp(&p, TCP_F_ACK, 1000, 5000);
	f = flow_table_update(t, &p, 0, 1, 0, 60, NULL);
	cr_assert(f->tcp.base_set[1] && f->tcp.base_set[0]);
	cr_assert_eq(f->tcp.base_seq[1], 999);
	cr_assert_eq(f->tcp.base_seq[0], 4999);
	/* Later packets do not move the bases. */
	mk(&p, 4, B4, A4, 6, 80, 40000);
	tcp(&p, TCP_F_ACK, 7000, 1100);
	flow_table_update(t, &p, 0, 2, 0, 60, NULL);
	cr_assert_eq(f->tcp.base_seq[0], 4999);

	/* SYN: base = ISN; no ACK, so the reverse base stays unset. */
	mk(&p, 4, A4, B4, 6, 40001, 80);
	tcp(&p, TCP_F_SYN, 0xfffffff0u, 0);
	f = flow_table_update(t, &p, 0, 3, 0, 60, NULL);
	cr_assert_eq(f->tcp.base_seq[1], 0xfffffff0u);
	cr_assert_not(f->tcp.base_set[0]);
	/* Wraparound: ack - 1 of ack 0 is 0xffffffff. */
	mk(&p, 4, B4, A4, 6, 80, 40001);
	tcp(&p, TCP_F_SYN | TCP_F_ACK, 77, 0xfffffff1u);
	flow_table_update(t, &p, 0, 4, 0, 60, NULL);
	cr_assert_eq(f->tcp.base_seq[0], 77);
	mk(&p, 4, A4, B4, 6, 40002, 80);
	tcp(&p, TCP_F_ACK, 5, 0);
	f = flow_table_update(t, &p, 0, 5, 0, 60, NULL);
	cr_assert_eq(f->tcp.base_seq[0], 0xffffffffu);
	flow_table_free(t);
}

Test(flow, w3_port_reuse)
{
	struct flow_table *t = mk_table(16, 3600 * S, 120 * S);
	struct ends e = { 0 };
	struct packet p;
	struct flow_pkt_info i;
	struct flow *f1, *f2;
	struct flow_table_stats st;

	flow_table_set_end_cb(t, end_cb, &e);
	mk(&p, 4, A4, B4, 6, 40000, 80);
	tcp(&p, TCP_F_SYN, 100, 0);
	f1 = flow_table_update(t, &p, 0, 1, 0, 60, &i);
	cr_assert_eq(f1->conv_id, 0);
	/* SYN retransmission (same ISN): same conversation, no flag. */
	f2 = flow_table_update(t, &p, 0, 2, 1 * S, 60, &i);
	cr_assert_eq(f2, f1);
	cr_assert_not(i.reused_ports);
	cr_assert_eq(e.n, 0);
	/* New ISN: new conversation, old one ends as REUSED. */
	tcp(&p, TCP_F_SYN, 900, 0);
	f2 = flow_table_update(t, &p, 0, 3, 2 * S, 60, &i);
	cr_assert(i.reused_ports);
	cr_assert(i.created);
	cr_assert_eq(f2->conv_id, 1);
	cr_assert_eq(e.n, 1);
	cr_assert_eq(e.why[0], FLOW_END_REUSED);
	cr_assert_eq(e.conv[0], 0);
	cr_assert_eq(e.pkts[0], 2);
	/* SYN-ACK with a new ISN: base moves, flagged, same conversation. */
	mk(&p, 4, B4, A4, 6, 80, 40000);
	tcp(&p, TCP_F_SYN | TCP_F_ACK, 5000, 901);
	cr_assert_eq(flow_table_update(t, &p, 0, 4, 2 * S, 60, &i), f2);
	cr_assert_not(i.reused_ports);
	tcp(&p, TCP_F_SYN | TCP_F_ACK, 8000, 901);
	cr_assert_eq(flow_table_update(t, &p, 0, 5, 2 * S, 60, &i), f2);
	cr_assert(i.reused_ports);
	cr_assert_eq(f2->tcp.base_seq[0], 8000);
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.tcp_convs, 2);
	cr_assert_eq(st.reused, 1);
	cr_assert_eq(st.open, 1);
	flow_table_flush(t);
	cr_assert_eq(e.n, 2);
	cr_assert_eq(e.why[1], FLOW_END_OPEN);
	flow_table_free(t);
}

Test(flow, lru_eviction_at_max_flows)
{
	struct flow_table *t = mk_table(3, 3600 * S, 120 * S);
	struct ends e = { 0 };
	struct packet p;
	struct flow_table_stats st;
	struct flow_pkt_info i;
	struct flow *f;

	flow_table_set_end_cb(t, end_cb, &e);
	for (uint16_t port = 1; port <= 3; port++) {
		mk(&p, 4, A4, B4, 17, port, 53);
		flow_table_update(t, &p, 0, port, 0, 60, NULL);
	}
	/* Touch port 1 so that port 2 is the least recently used. */
	mk(&p, 4, A4, B4, 17, 1, 53);
	flow_table_update(t, &p, 0, 4, 0, 60, NULL);
	mk(&p, 4, A4, B4, 17, 4, 53);
	flow_table_update(t, &p, 0, 5, 0, 60, NULL);
	cr_assert_eq(e.n, 1);
	cr_assert_eq(e.why[0], FLOW_END_EVICTED);
	cr_assert_eq(e.conv[0], 1); /* port 2 */
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.evicted, 1);
	cr_assert_eq(st.open, 3);
	cr_assert_eq(st.max_open, 3);
	/* A late packet revives the evicted conversation: same conv_id. */
	mk(&p, 4, A4, B4, 17, 2, 53);
	f = flow_table_update(t, &p, 0, 6, 0, 60, &i);
	cr_assert_eq(f->conv_id, 1);
	cr_assert_eq(f->part, 1);
	cr_assert_eq(f->pkts[1], 2); /* cumulative */
	cr_assert_not(i.created);
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.revived, 1);
	cr_assert_eq(st.evicted, 2);
	cr_assert_eq(st.udp_convs, 4);
	flow_table_free(t);
}

/*
 * Each conversation is counted once however often it is evicted (issue 8,
 * item 3: 1,000,001 flows seen 4 times each reported 3,000,004 evicted of
 * 1,000,001), and returns are told apart from evictions that lost nothing.
 */
Test(flow, eviction_counts_each_conversation_once)
{
	struct flow_table *t = mk_table(4, 3600 * S, 120 * S);
	struct flow_table_stats st;
	struct packet p;
	uint64_t frame = 0;

	/* 5 conversations round-robin, 4 times each, in a table of 4. */
	for (int round = 0; round < 4; round++) {
		for (uint16_t port = 1; port <= 5; port++) {
			mk(&p, 4, A4, B4, 17, port, 53);
			cr_assert_not_null(flow_table_update(t, &p, 0, ++frame,
							     0, 60, NULL));
		}
	}
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.created, 5);
	cr_assert_eq(st.evictions, 16, "every packet after the first 4 evicts");
	cr_assert_eq(st.evicted, 5, "got %llu", (unsigned long long)st.evicted);
	cr_assert_eq(st.evicted_returned, 5);
	cr_assert_eq(st.evicted_forgotten, 0);
	flow_table_free(t);

	/* 8 conversations once each: 4 evicted, none came back. */
	t = mk_table(4, 3600 * S, 120 * S);
	for (uint16_t port = 1; port <= 8; port++) {
		mk(&p, 4, A4, B4, 17, port, 53);
		flow_table_update(t, &p, 0, port, 0, 60, NULL);
	}
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.evicted, 4);
	cr_assert_eq(st.evictions, 4);
	cr_assert_eq(st.evicted_returned, 0);
	flow_table_free(t);
}

Test(flow, idle_expiry_on_capture_time)
{
	struct flow_table *t = mk_table(16, 10 * S, 120 * S);
	struct ends e = { 0 };
	struct packet p;
	struct flow_table_stats st;

	flow_table_set_end_cb(t, end_cb, &e);
	mk(&p, 4, A4, B4, 17, 1, 53);
	flow_table_update(t, &p, 0, 1, 100 * S, 60, NULL);
	mk(&p, 4, A4, B4, 17, 2, 53);
	flow_table_update(t, &p, 0, 2, 105 * S, 60, NULL);
	/* 9.5 s idle: nothing expires. */
	mk(&p, 4, A4, B4, 17, 3, 53);
	flow_table_update(t, &p, 0, 3, 109 * S + S / 2, 60, NULL);
	cr_assert_eq(e.n, 0);
	/* Another flow's packet at 111 s expires port 1 (idle 11 s). */
	flow_table_update(t, &p, 0, 4, 111 * S, 60, NULL);
	cr_assert_eq(e.n, 1);
	cr_assert_eq(e.why[0], FLOW_END_IDLE);
	cr_assert_eq(e.conv[0], 0);
	flow_table_expire(t, 200 * S);
	cr_assert_eq(e.n, 3);
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.idled, 3);
	cr_assert_eq(st.open, 0);
	flow_table_free(t);
}

Test(flow, closed_tcp_lingers)
{
	struct flow_table *t = mk_table(16, 3600 * S, 5 * S);
	struct ends e = { 0 };
	struct packet p;
	struct flow *f;
	struct flow_pkt_info i;

	flow_table_set_end_cb(t, end_cb, &e);
	mk(&p, 4, A4, B4, 6, 40000, 80);
	tcp(&p, TCP_F_ACK | TCP_F_RST, 10, 20);
	f = flow_table_update(t, &p, 0, 1, 0, 60, NULL);
	cr_assert(f->tcp.rst[1]);
	cr_assert_eq(f->tcp.first_rst_dir, 1);
	/* An open flow with the same age does not expire (idle 1 h). */
	mk(&p, 4, A4, B4, 6, 40001, 80);
	tcp(&p, TCP_F_ACK, 10, 20);
	flow_table_update(t, &p, 0, 2, 0, 60, NULL);
	flow_table_expire(t, 4 * S);
	cr_assert_eq(e.n, 0);
	flow_table_expire(t, 5 * S);
	cr_assert_eq(e.n, 1);
	cr_assert_eq(e.why[0], FLOW_END_CLOSED);
	cr_assert_eq(e.conv[0], 0);
	/* Late packet after linger: same tcp.stream (tshark never splits). */
	mk(&p, 4, B4, A4, 6, 80, 40000);
	tcp(&p, TCP_F_ACK, 20, 10);
	f = flow_table_update(t, &p, 0, 3, 9 * S, 60, &i);
	cr_assert_eq(f->conv_id, 0);
	cr_assert_eq(f->part, 1);
	cr_assert_not(i.created);
	flow_table_free(t);
}

struct hook_count {
	int start, end;
	bool zeroed;
};

static void an_start(void *ctx, struct flow *f, void *state)
{
	struct hook_count *h = ctx;
	uint64_t *s = state;

	h->start++;
	h->zeroed = s[0] == 0 && s[7] == 0;
	s[0] = 0xdeadbeef;
}

static void an_end(void *ctx, struct flow *f, void *state)
{
	struct hook_count *h = ctx;

	cr_assert_eq(*(uint64_t *)state, 0xdeadbeef);
	h->end++;
}

Test(flow, analyzer_hooks_once_per_flow)
{
	struct flow_table *t = mk_table(16, 3600 * S, 120 * S);
	struct hook_count h = { 0 };
	const struct flow_analyzer a = { .name = "t",
					 .ctx = &h,
					 .state_size = 64,
					 .on_flow_start = an_start,
					 .on_flow_end = an_end };
	struct packet p;
	int slot = flow_table_add_analyzer(t, &a);
	struct flow *f;

	cr_assert_eq(slot, 0);
	for (int k = 0; k < 5; k++) {
		mk(&p, 4, A4, B4, 17, (uint16_t)(k % 2), 53);
		f = flow_table_update(t, &p, 0, (uint64_t)k, 0, 60, NULL);
		cr_assert_eq(*(uint64_t *)flow_state(t, f, slot), 0xdeadbeef);
	}
	cr_assert_eq(h.start, 2);
	cr_assert(h.zeroed);
	cr_assert_eq(h.end, 0);
	flow_table_flush(t);
	cr_assert_eq(h.end, 2);
	flow_table_free(t);
	cr_assert_eq(h.end, 2);
}

Test(flow, many_flows_grow_and_stats)
{
	struct flow_table *t = mk_table(100000, 3600 * S, 120 * S);
	struct packet p;
	struct flow_table_stats st;
	struct ends e = { 0 };

	flow_table_set_end_cb(t, end_cb, &e);
	for (uint32_t k = 0; k < 5000; k++) {
		uint8_t src[4] = { 10, 1, (uint8_t)(k >> 8), (uint8_t)k };

		mk(&p, 4, src, B4, 6, 1234, 80);
		tcp(&p, TCP_F_SYN, k, 0);
		cr_assert_eq(flow_table_update(t, &p, 0, k, 0, 60, NULL)->conv_id,
			     k);
	}
	/* Every flow is found again (no duplicate after growth). */
	for (uint32_t k = 0; k < 5000; k++) {
		uint8_t src[4] = { 10, 1, (uint8_t)(k >> 8), (uint8_t)k };

		mk(&p, 4, B4, src, 6, 80, 1234);
		tcp(&p, TCP_F_SYN | TCP_F_ACK, 1, k + 1);
		cr_assert_eq(flow_table_update(t, &p, 0, k, 0, 60, NULL)->conv_id,
			     k);
	}
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.created, 5000);
	cr_assert_eq(st.tcp_convs, 5000);
	cr_assert_eq(st.open, 5000);
	flow_table_flush(t);
	cr_assert_eq(e.n, 5000);
	flow_table_free(t);
	flow_table_free(NULL);
}

Test(flow, bad_index_is_rejected)
{
	struct flow_table *t = mk_table(4, S, S);
	struct packet p;

	mk(&p, 4, A4, B4, 17, 1, 2);
	cr_assert_null(flow_table_update(t, &p, 1, 1, 0, 60, NULL));
	cr_assert_null(flow_table_update(t, &p, -1, 1, 0, 60, NULL));
	p.l4[0].ip = 5;
	cr_assert_null(flow_table_update(t, &p, 0, 1, 0, 60, NULL));
	flow_table_free(t);
}

/*
 * 6in4tunnel.pcap: a TCP header quoted in an ICMP error takes stream 0
 * without a count; the next conversation is stream 1; a counted packet for
 * the touched 4-tuple later makes it a row oriented by that packet.
 */
Test(flow, touch_assigns_stream_without_count)
{
	struct flow_table *t = mk_table(16, 3600 * S, 120 * S);
	struct packet p;
	struct flow_pkt_info i;
	struct flow *q, *f;

	mk(&p, 4, A4, B4, 6, 40000, 80);
	tcp(&p, TCP_F_ACK, 500, 900);
	q = flow_table_update_mode(t, &p, 0, 1, 1 * S, 200, FLOW_UPD_TOUCH,
				   &i);
	cr_assert_not_null(q);
	cr_assert(i.created);
	cr_assert_eq(q->conv_id, 0);
	cr_assert(!flow_counted(q));
	cr_assert_eq(q->pkts[0] + q->pkts[1], 0);
	cr_assert(!q->tcp.base_set[0] && !q->tcp.base_set[1]);

	mk(&p, 4, A4, B4, 6, 40001, 80);
	tcp(&p, TCP_F_SYN, 7, 0);
	f = flow_table_update(t, &p, 0, 2, 2 * S, 60, &i);
	cr_assert_eq(f->conv_id, 1);

	/* The server answers on the touched 4-tuple: it is "A". */
	mk(&p, 4, B4, A4, 6, 80, 40000);
	tcp(&p, TCP_F_ACK, 900, 500);
	f = flow_table_update(t, &p, 0, 3, 3 * S, 70, &i);
	cr_assert_eq(f, q);
	cr_assert(flow_counted(f));
	cr_assert_eq(f->first_frame, 3);
	cr_assert_eq(f->first_ns, 3 * S);
	cr_assert_eq(f->first_dir, i.dir);
	cr_assert_eq(f->pkts[i.dir], 1);
	cr_assert_eq(f->bytes[i.dir], 70);
	flow_table_free(t);
}

/*
 * truncated-header.pcap: a SYN whose options are cut by snaplen gets a
 * stream and its sequence base, but no count: the SYN-ACK becomes "A".
 */
Test(flow, track_sets_tcp_state_without_count)
{
	struct flow_table *t = mk_table(16, 3600 * S, 120 * S);
	struct packet p;
	struct flow_pkt_info i;
	struct flow *f;
	struct ends e = { 0 };

	flow_table_set_end_cb(t, end_cb, &e);
	mk(&p, 4, A4, B4, 6, 40000, 25);
	tcp(&p, TCP_F_SYN, 1000, 0);
	f = flow_table_update_mode(t, &p, 0, 1, 1 * S, 74, FLOW_UPD_TRACK,
				   &i);
	cr_assert_not_null(f);
	cr_assert(!flow_counted(f));
	cr_assert(f->tcp.syn_seen);
	cr_assert(f->tcp.base_set[i.dir]);
	cr_assert_eq(f->tcp.base_seq[i.dir], 1000);

	mk(&p, 4, B4, A4, 6, 25, 40000);
	tcp(&p, TCP_F_SYN | TCP_F_ACK, 5000, 1001);
	cr_assert_eq(flow_table_update(t, &p, 0, 2, 2 * S, 60, &i), f);
	cr_assert_eq(f->first_dir, i.dir);
	cr_assert_eq(f->first_ns, 2 * S);
	cr_assert_eq(f->pkts[0] + f->pkts[1], 1);
	cr_assert(f->tcp.synack_seen);
	flow_table_flush(t);
	cr_assert_eq(e.n, 1);
	cr_assert_eq(e.pkts[0], 1);
	flow_table_free(t);
}

/*
 * The flush ends flows by their last packet, oldest first, open list then
 * closed list, whatever order they were created or placed in: within one
 * expiry epoch (last packets out of creation order) and across epochs.
 * The table is empty and usable afterwards.
 */
Test(flow, flush_ends_in_last_packet_order)
{
	struct flow_table *t = mk_table(64, 3600 * S, 120 * S);
	struct ends e = { 0 };
	struct packet p;
	struct flow_pkt_info i;
	/* UDP source ports, in packet order; conv_id = first appearance. */
	static const uint16_t order[] = {
		/* epoch 1 s: create 1..5, then last packets 3, 1, 5 */
		1, 2, 3, 4, 5, 3, 1, 5,
		/* epoch 3 s: 2 again (moves), create 6, 7, then 6 again */
		2, 6, 7, 6,
	};
	/* UDP conv ids by last packet (seq 4, 6, 7, 8, 9, 11, 12). */
	static const uint64_t want[] = { 3, 2, 0, 4, 1, 6, 5 };
	static const uint64_t want_pkts[] = { 1, 2, 2, 2, 2, 1, 2 };
	int64_t ts = 1 * S;

	flow_table_set_end_cb(t, end_cb, &e);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		if (k == 8)
			ts = 3 * S;
		mk(&p, 4, A4, B4, 17, order[k], 53);
		flow_table_update(t, &p, 0, k + 1, ts, 60, &i);
	}
	/* A finished TCP flow (closed list) ends after every open one. */
	mk(&p, 4, A4, B4, 6, 4000, 80);
	tcp(&p, TCP_F_RST, 1, 0);
	flow_table_update(t, &p, 0, 20, 1 * S, 60, &i);

	flow_table_flush(t);
	cr_assert_eq(e.n, 8);
	for (int k = 0; k < 7; k++) {
		cr_assert_eq(e.conv[k], want[k], "end %d: conv %llu, want %llu",
			     k, (unsigned long long)e.conv[k],
			     (unsigned long long)want[k]);
		cr_assert_eq(e.why[k], FLOW_END_OPEN);
		cr_assert_eq(e.pkts[k], want_pkts[k]);
	}
	/* Then the closed list: the TCP flow (TCP conv 0). */
	cr_assert_eq(e.conv[7], 0);
	cr_assert_eq(e.pkts[7], 1);
	cr_assert_eq(e.why[7], FLOW_END_OPEN);

	/* Usable after the flush: a known key is a new flow again. */
	mk(&p, 4, A4, B4, 17, 1, 53);
	flow_table_update(t, &p, 0, 30, 10 * S, 60, &i);
	cr_assert(i.created);
	flow_table_free(t);
}
