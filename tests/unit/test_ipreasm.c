// SPDX-License-Identifier: MIT
/* Unit tests for the IP fragment tracker: completion, order, overlap, bounds. */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/ipreasm.h"
#include "capture/capture.h"
#include "decode/packet.h"

#define S 1000000000LL

/*
 * IPv4 fragments of one UDP datagram 10.0.0.1:5353 -> 10.0.0.2:53, id 0x1234,
 * 20 payload bytes: UDP header (8) + 12 data bytes. Raw IP (LINKTYPE_RAW).
 */
/* offset 0, MF: header (20) + UDP header + 8 data bytes (16 bytes). */
static const uint8_t v4_f0[] = {
	0x45, 0x00, 0x00, 0x24, /* v4 ihl 5, total length 36 */
	0x12, 0x34, 0x20, 0x00, /* id 0x1234, MF, offset 0 */
	0x40, 0x11, 0x00, 0x00, /* ttl 64, UDP, checksum */
	10, 0, 0, 1, 10, 0, 0, 2,
	0x14, 0xe9, 0x00, 0x35, /* sport 5353, dport 53 */
	0x00, 0x14, 0x00, 0x00, /* UDP length 20, checksum */
	1, 2, 3, 4, 5, 6, 7, 8,
};

/* offset 16 (2 units), last: 4 data bytes. */
static const uint8_t v4_f1[] = {
	0x45, 0x00, 0x00, 0x18, /* total length 24 */
	0x12, 0x34, 0x00, 0x02, /* id 0x1234, offset 2 * 8 */
	0x40, 0x11, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	9, 10, 11, 12,
};

static void dec(struct packet *p, const uint8_t *b, size_t n, uint32_t cap)
{
	decode_frame(p, LINKTYPE_RAW, b, cap, (uint32_t)n);
	cr_assert_geq(p->n_ip, 1);
}

/* Parses ip[0] of a raw frame into a fragment. */
static struct ipr_frag frag_of(const uint8_t *b, size_t n, uint32_t cap)
{
	struct packet p;
	struct ipr_frag f;

	dec(&p, b, n, cap);
	cr_assert(p.ip[0].fragment);
	cr_assert(ipr_parse(b, cap, &p.ip[0], &f));
	return f;
}

static struct ipr *mk(size_t max, int64_t timeout)
{
	struct ipr_limits lim = { .max_dgrams = max, .timeout_ns = timeout };
	struct ipr *r = ipr_new(&lim);

	cr_assert_not_null(r);
	return r;
}

Test(ipreasm, parse_v4)
{
	struct ipr_frag f = frag_of(v4_f1, sizeof(v4_f1), sizeof(v4_f1));

	cr_assert_eq(f.ver, 4);
	cr_assert_eq(f.proto, 17);
	cr_assert_eq(f.id, 0x1234);
	cr_assert_eq(f.foff, 16);
	cr_assert_eq(f.len, 4);
	cr_assert(!f.mf);
	cr_assert(f.captured);
}

Test(ipreasm, v4_in_order_completes_on_last)
{
	struct ipr *r = mk(16, 30 * S);
	struct ipr_frag a = frag_of(v4_f0, sizeof(v4_f0), sizeof(v4_f0));
	struct ipr_frag b = frag_of(v4_f1, sizeof(v4_f1), sizeof(v4_f1));
	struct ipr_done d;
	struct ipr_stats st;
	struct packet p;

	cr_assert_eq(ipr_add(r, &a, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &b, 1, &d), 1);
	cr_assert_eq(d.wirelen, 40); /* 20 + 20 reassembled */
	cr_assert_eq(d.caplen, 40);
	/* The synthetic datagram decodes as one whole UDP datagram. */
	decode_frame(&p, LINKTYPE_RAW, d.data, d.caplen, d.wirelen);
	cr_assert_eq(p.n_ip, 1);
	cr_assert(!p.ip[0].fragment);
	cr_assert_eq(p.n_l4, 1);
	cr_assert_eq(p.l4[0].proto, 17);
	cr_assert_eq(p.l4[0].sport, 5353);
	cr_assert_eq(p.l4[0].dport, 53);
	cr_assert_eq(p.l4[0].payload_len, 12);
	ipr_get_stats(r, &st);
	cr_assert_eq(st.completed, 1);
	cr_assert_eq(st.pending, 0);
	cr_assert_eq(st.fragments, 2);
	ipr_free(r);
}

Test(ipreasm, v4_reverse_order_completes_on_first)
{
	struct ipr *r = mk(16, 30 * S);
	struct ipr_frag a = frag_of(v4_f0, sizeof(v4_f0), sizeof(v4_f0));
	struct ipr_frag b = frag_of(v4_f1, sizeof(v4_f1), sizeof(v4_f1));
	struct ipr_done d;

	cr_assert_eq(ipr_add(r, &b, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &a, 0, &d), 1);
	cr_assert_eq(d.wirelen, 40);
	ipr_free(r);
}

Test(ipreasm, duplicate_fragment_counts_overlap)
{
	struct ipr *r = mk(16, 30 * S);
	struct ipr_frag a = frag_of(v4_f0, sizeof(v4_f0), sizeof(v4_f0));
	struct ipr_frag b = frag_of(v4_f1, sizeof(v4_f1), sizeof(v4_f1));
	struct ipr_done d;
	struct ipr_stats st;

	cr_assert_eq(ipr_add(r, &a, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &a, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &b, 0, &d), 1);
	ipr_get_stats(r, &st);
	cr_assert_eq(st.overlaps, 1);
	cr_assert_eq(st.completed, 1);
	/* A late copy after completion starts a new datagram, never completes. */
	cr_assert_eq(ipr_add(r, &b, 0, &d), 0);
	ipr_get_stats(r, &st);
	cr_assert_eq(st.pending, 1);
	ipr_free(r);
}

Test(ipreasm, snaplen_cut_fragment_is_not_tracked)
{
	struct ipr *r = mk(16, 30 * S);
	/* The first fragment captured without its last 4 data bytes. */
	struct ipr_frag a = frag_of(v4_f0, sizeof(v4_f0), sizeof(v4_f0) - 4);
	struct ipr_frag b = frag_of(v4_f1, sizeof(v4_f1), sizeof(v4_f1));
	struct ipr_done d;
	struct ipr_stats st;

	cr_assert(!a.captured);
	cr_assert_eq(ipr_add(r, &a, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &b, 0, &d), 0);
	ipr_get_stats(r, &st);
	cr_assert_eq(st.uncaptured, 1);
	cr_assert_eq(st.completed, 0);
	cr_assert_eq(st.pending, 1);
	ipr_free(r);
}

Test(ipreasm, timeout_drops_pending)
{
	struct ipr *r = mk(16, 30 * S);
	struct ipr_frag a = frag_of(v4_f0, sizeof(v4_f0), sizeof(v4_f0));
	struct ipr_frag b = frag_of(v4_f1, sizeof(v4_f1), sizeof(v4_f1));
	struct ipr_done d;
	struct ipr_stats st;

	cr_assert_eq(ipr_add(r, &a, 0, &d), 0);
	/* 30 s after the first fragment: gone, the last one starts anew. */
	cr_assert_eq(ipr_add(r, &b, 30 * S, &d), 0);
	ipr_get_stats(r, &st);
	cr_assert_eq(st.timed_out, 1);
	cr_assert_eq(st.completed, 0);
	ipr_free(r);
}

Test(ipreasm, table_bound_evicts_oldest)
{
	struct ipr *r = mk(2, 30 * S);
	uint8_t buf[sizeof(v4_f0)];
	struct ipr_done d;
	struct ipr_stats st;

	for (int i = 0; i < 5; i++) {
		memcpy(buf, v4_f0, sizeof(buf));
		buf[5] = (uint8_t)i; /* ids 0x1200 .. 0x1204 */
		struct ipr_frag f = frag_of(buf, sizeof(buf), sizeof(buf));
		cr_assert_eq(ipr_add(r, &f, i, &d), 0);
	}
	ipr_get_stats(r, &st);
	cr_assert_eq(st.evicted, 3);
	cr_assert_eq(st.pending, 2);
	cr_assert_eq(st.max_pending, 2);
	ipr_free(r);
}

Test(ipreasm, too_many_holes_drops_datagram)
{
	struct ipr *r = mk(16, 30 * S);
	uint8_t buf[28];
	struct ipr_done d;
	struct ipr_stats st;

	/* 17 disjoint 8-byte fragments at offsets 0, 16, 32 ...: 17 holes. */
	for (int i = 0; i <= IPR_MAX_RANGES; i++) {
		memcpy(buf, v4_f1, 20);
		buf[3] = 28; /* total length 28: 8 bytes */
		buf[6] = 0x20; /* MF */
		buf[7] = (uint8_t)(i * 2);
		memset(buf + 20, 0xaa, 8);
		struct ipr_frag f = frag_of(buf, sizeof(buf), sizeof(buf));
		cr_assert_eq(ipr_add(r, &f, 0, &d), 0);
	}
	ipr_get_stats(r, &st);
	cr_assert_eq(st.dropped, 1);
	ipr_free(r);
}

Test(ipreasm, conflicting_ends_drop_datagram)
{
	struct ipr *r = mk(16, 30 * S);
	uint8_t other[sizeof(v4_f1)];
	struct ipr_done d;
	struct ipr_stats st;

	memcpy(other, v4_f1, sizeof(other));
	other[7] = 3; /* last fragment at offset 24 instead of 16 */
	struct ipr_frag b = frag_of(v4_f1, sizeof(v4_f1), sizeof(v4_f1));
	struct ipr_frag c = frag_of(other, sizeof(other), sizeof(other));
	cr_assert_eq(ipr_add(r, &b, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &c, 0, &d), 0);
	ipr_get_stats(r, &st);
	cr_assert_eq(st.dropped, 1);
	cr_assert_eq(st.pending, 0);
	ipr_free(r);
}

/*
 * A TCP SYN header (24 bytes: 20 + MSS option) split over three 8-byte
 * fragments (like frag-eth-vlan-ip-tcp-syn.pcap): 1.1.1.1:12345 ->
 * 2.2.2.2:8080. The header is whole only after reassembly.
 */
static void tcp_frag(uint8_t *b, int i)
{
	static const uint8_t th[24] = {
		0x30, 0x39, 0x1f, 0x90, /* ports 12345, 8080 */
		0x00, 0x00, 0x03, 0xe8, /* seq 1000 */
		0x00, 0x00, 0x00, 0x00, /* ack 0 */
		0x60, 0x02, 0x72, 0x10, /* data offset 6, SYN, win 29200 */
		0x00, 0x00, 0x00, 0x00, /* checksum, urgent */
		0x02, 0x04, 0x05, 0xb4, /* MSS 1460 */
	};
	static const uint8_t ih[20] = {
		0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00,
		0x40, 0x06, 0x00, 0x00, 1, 1, 1, 1, 2, 2, 2, 2,
	};

	memcpy(b, ih, 20);
	b[6] = i < 2 ? 0x20 : 0x00; /* MF on all but the last */
	b[7] = (uint8_t)i;	    /* offset i * 8 */
	memcpy(b + 20, th + 8 * i, 8);
}

Test(ipreasm, tcp_header_across_fragments)
{
	struct ipr *r = mk(16, 30 * S);
	uint8_t b[3][28];
	struct ipr_done d;
	struct packet p;

	for (int i = 0; i < 3; i++)
		tcp_frag(b[i], i);
	struct ipr_frag f0 = frag_of(b[0], 28, 28);
	struct ipr_frag f1 = frag_of(b[1], 28, 28);
	struct ipr_frag f2 = frag_of(b[2], 28, 28);
	cr_assert_eq(ipr_add(r, &f0, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &f1, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &f2, 0, &d), 1);
	decode_frame(&p, LINKTYPE_RAW, d.data, d.caplen, d.wirelen);
	cr_assert_eq(p.n_l4, 1);
	cr_assert_eq(p.l4[0].proto, 6);
	cr_assert_eq(p.l4[0].sport, 12345);
	cr_assert_eq(p.l4[0].dport, 8080);
	cr_assert_eq(p.l4[0].hdr_len, 24);
	cr_assert_eq(p.l4[0].u.tcp.flags, TCP_F_SYN);
	cr_assert_eq(p.l4[0].u.tcp.seq, 1000);
	cr_assert(p.l4[0].u.tcp.has_mss);
	cr_assert_eq(p.l4[0].u.tcp.mss, 1460);
	cr_assert_eq(p.l4[0].payload_len, 0);
	ipr_free(r);
}

/*
 * IPv6: fe80::1 -> ff02::fb, a hop-by-hop header (8 bytes, PadN) before the
 * fragment header (id 0x002c5323), UDP 5353 -> 5353, 16 payload bytes in
 * two 8-byte fragments.
 */
static void v6_frag(uint8_t *b, int i)
{
	static const uint8_t hdr[56] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0xff, /* plen 24, HBH */
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb,
		0x2c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* HBH -> 44 */
		0x11, 0x00, 0x00, 0x01, 0x00, 0x2c, 0x53, 0x23, /* UDP, off 0, M */
	};
	static const uint8_t udp[16] = {
		0x14, 0xe9, 0x14, 0xe9, 0x00, 0x10, 0x00, 0x00, /* len 16 */
		1, 2, 3, 4, 5, 6, 7, 8,
	};

	memcpy(b, hdr, 56);
	if (i) {
		b[50] = 0x00;
		b[51] = 0x08; /* offset 8, last */
	}
	memcpy(b + 56, udp + 8 * i, 8);
}

Test(ipreasm, v6_with_extension_before_fragment_header)
{
	struct ipr *r = mk(16, 30 * S);
	uint8_t b[2][64];
	struct ipr_done d;
	struct packet p;

	v6_frag(b[0], 0);
	v6_frag(b[1], 1);
	struct ipr_frag f0 = frag_of(b[0], 64, 64);
	struct ipr_frag f1 = frag_of(b[1], 64, 64);
	cr_assert_eq(f0.id, 0x002c5323);
	cr_assert_eq(f0.hdr_len, 48);
	cr_assert_eq(f0.nh_pos, 40);
	cr_assert_eq(f1.foff, 8);
	cr_assert_eq(f1.len, 8);
	cr_assert_eq(ipr_add(r, &f1, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &f0, 0, &d), 1);
	cr_assert_eq(d.wirelen, 48 + 16);
	decode_frame(&p, LINKTYPE_RAW, d.data, d.caplen, d.wirelen);
	cr_assert_eq(p.n_ip, 1);
	cr_assert(!p.ip[0].fragment);
	cr_assert_eq(p.n_l4, 1);
	cr_assert_eq(p.l4[0].proto, 17);
	cr_assert_eq(p.l4[0].sport, 5353);
	cr_assert_eq(p.l4[0].payload_len, 8);
	ipr_free(r);
}

/* A v6 fragment and a v4 fragment with equal low id bits never mix. */
Test(ipreasm, keys_separate_families_and_ids)
{
	struct ipr *r = mk(16, 30 * S);
	uint8_t b[64];
	struct ipr_done d;
	struct ipr_stats st;

	v6_frag(b, 1);
	struct ipr_frag f6 = frag_of(b, 64, 64);
	struct ipr_frag f4 = frag_of(v4_f0, sizeof(v4_f0), sizeof(v4_f0));
	cr_assert_eq(ipr_add(r, &f6, 0, &d), 0);
	cr_assert_eq(ipr_add(r, &f4, 0, &d), 0);
	ipr_get_stats(r, &st);
	cr_assert_eq(st.pending, 2);
	ipr_free(r);
}

/* Hostile lengths: a fragment claiming to end past 65535 is refused. */
Test(ipreasm, oversized_datagram_refused)
{
	struct ipr *r = mk(16, 30 * S);
	uint8_t buf[sizeof(v4_f0)];
	struct ipr_done d;
	struct ipr_stats st;

	memcpy(buf, v4_f0, sizeof(buf));
	buf[6] = 0x3f;
	buf[7] = 0xff; /* MF, offset 65528 + 16 bytes > 65535 */
	struct ipr_frag f = frag_of(buf, sizeof(buf), sizeof(buf));
	cr_assert_eq(ipr_add(r, &f, 0, &d), 0);
	ipr_get_stats(r, &st);
	cr_assert_eq(st.dropped, 1);
	cr_assert_eq(st.pending, 0);
	ipr_free(r);
}

/*
 * Routing header type 0 (as in ipv6-routing-header.pcap): segments left 2,
 * addresses [0] 2200::210:2:0:0:4, [1] 2200::240:2:0:0:4; the final
 * destination is the last one.
 */
Test(ipreasm, v6_routing_final_destination)
{
	uint8_t b[40 + 40 + 8];
	struct packet p;
	uint8_t dst[16];

	memset(b, 0, sizeof(b));
	b[0] = 0x60;
	b[5] = 48; /* payload length: 40 routing + 8 UDP */
	b[6] = 43; /* routing */
	b[7] = 5;
	b[8] = 0x22;
	b[23] = 0x01;			/* src 2200::1 */
	b[24] = 0x22;
	b[39] = 0x02;			/* dst 2200::2 (next hop) */
	b[40] = 17;			/* next: UDP */
	b[41] = 4;			/* 4 * 8 + 8 = 40 bytes */
	b[42] = 0;			/* type 0 */
	b[43] = 2;			/* segments left */
	b[48] = 0x22;
	b[55] = 0x10;			/* [0] 2200::10.. */
	b[64] = 0x22;
	b[79] = 0x40;			/* [1] 2200::..40 */
	b[80] = 0x16;
	b[81] = 0x0d;			/* UDP ports */
	b[82] = 0x16;
	b[83] = 0x0a;
	b[85] = 8;
	decode_frame(&p, LINKTYPE_RAW, b, sizeof(b), sizeof(b));
	cr_assert_eq(p.n_ip, 1);
	cr_assert(ipr_v6_final_dst(b, sizeof(b), &p.ip[0], dst));
	cr_assert_eq(dst[0], 0x22);
	cr_assert_eq(dst[15], 0x40);
	/* No segments left: the destination field is already final. */
	b[43] = 0;
	cr_assert(!ipr_v6_final_dst(b, sizeof(b), &p.ip[0], dst));
	/* Cut inside the routing header: no answer, no overread. */
	b[43] = 2;
	cr_assert(!ipr_v6_final_dst(b, 60, &p.ip[0], dst));
}

/*
 * Hostile input: 20000 pseudo-random fragments (random offsets, lengths,
 * flags, few ids, random snaplen cuts) through decode, parse and the
 * tracker. Nothing may crash (the sanitizer build checks reads), the pending
 * count stays within the bound, and every completion has a sane datagram.
 */
Test(ipreasm, random_fragments_stay_bounded)
{
	struct ipr *r = mk(64, 30 * S);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint8_t b[20 + 64];
	struct ipr_done d;
	struct ipr_stats st;
	struct packet p;

	for (int n = 0; n < 20000; n++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t len = (uint32_t)(x % 64);
		uint32_t cap = 20 + len - (uint32_t)((x >> 8) % 3 == 0 ?
						      (x >> 16) % (len + 1) : 0);
		memcpy(b, v4_f1, 20);
		b[2] = 0;
		b[3] = (uint8_t)(20 + len);
		b[5] = (uint8_t)((x >> 24) & 3);		/* 4 ids */
		b[6] = (uint8_t)(((x >> 30) & 1 ? 0x20 : 0) | ((x >> 40) & 1));
		b[7] = (uint8_t)((x >> 32) & 0x0f);		/* offsets 0..120 */
		for (uint32_t i = 0; i < len; i++)
			b[20 + i] = (uint8_t)(x >> (i % 56));
		decode_frame(&p, LINKTYPE_RAW, b, cap, 20 + len);
		if (p.n_ip < 1 || !p.ip[0].fragment)
			continue;
		struct ipr_frag f;
		if (!ipr_parse(b, cap, &p.ip[0], &f))
			continue;
		int ret = ipr_add(r, &f, n * (S / 100), &d);
		cr_assert_geq(ret, 0);
		if (ret == 1) {
			cr_assert_geq(d.wirelen, 20);
			cr_assert_leq(d.caplen, d.wirelen);
			decode_frame(&p, LINKTYPE_RAW, d.data, d.caplen,
				     d.wirelen);
			cr_assert_eq(p.n_ip, 1);
			cr_assert(!p.ip[0].fragment);
		}
	}
	ipr_get_stats(r, &st);
	cr_assert_leq(st.max_pending, 64);
	cr_assert_gt(st.completed, 0);
	cr_assert_gt(st.overlaps, 0);
	cr_assert_gt(st.uncaptured, 0);
	ipr_free(r);
}
