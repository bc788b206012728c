// SPDX-License-Identifier: MIT
/* Unit tests for decode_frame(): one packet per decoder plus edge cases. */
#include <criterion/criterion.h>
#include <string.h>

#include "capture/capture.h"
#include "decode/decode_int.h"
#include "decode/packet.h"

/* Byte groups shared by the packets below. */
#define MACS 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* dst */ \
	     0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb	     /* src */
#define IP4_A 10, 0, 0, 1
#define IP4_B 10, 0, 0, 2
#define IP6_A 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define IP6_B 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2

#define DECODE(pkt, lt, a) decode_frame(&(pkt), (lt), (a), sizeof(a), sizeof(a))

static bool has_anom(const struct packet *p, enum pkt_anom_code c)
{
	for (int i = 0; i < p->n_anom; i++)
		if (p->anom[i].code == c)
			return true;
	return false;
}

static bool has_layer(const struct packet *p, enum pkt_proto pr)
{
	for (int i = 0; i < p->n_layers; i++)
		if (p->layers[i].proto == pr)
			return true;
	return false;
}

/* Ethernet + IPv4 + TCP SYN with MSS, SACK-permitted, timestamps, WS. */
static const uint8_t syn[] = {
	MACS, 0x08, 0x00,	/* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 60,	/* IPv4: ver/ihl 0x45, tos, total length 60 */
	0x12, 0x34, 0x40, 0x00, /* IPv4: id 0x1234, DF, offset 0 */
	64, 6, 0x00, 0x00,	/* IPv4: ttl 64, proto TCP, checksum */
	IP4_A, IP4_B,		/* IPv4: src, dst */
	0x04, 0xd2, 0x00, 0x50, /* TCP: sport 1234, dport 80 */
	0x00, 0x00, 0x03, 0xe8, /* TCP: seq 1000 */
	0x00, 0x00, 0x00, 0x00, /* TCP: ack 0 */
	0xa0, 0x02, 0xfa, 0xf0, /* TCP: data offset 10 (40 bytes), SYN, win 64240 */
	0x00, 0x00, 0x00, 0x00, /* TCP: checksum, urgent pointer */
	0x02, 0x04, 0x05, 0xb4, /* option MSS 1460 */
	0x04, 0x02,		/* option SACK permitted */
	0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, /* option timestamps 1 / 0 */
	0x01,			/* option NOP */
	0x03, 0x03, 0x07,	/* option window scale 7 */
};

Test(decode, eth_ipv4_tcp_syn_options)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, syn), DECODE_OK);
	cr_assert_eq(p.n_ip, 1);
	cr_assert_eq(p.n_l4, 1);
	cr_assert_eq(p.ip[0].ver, 4);
	cr_assert(p.ip[0].df);
	cr_assert_eq(p.ip[0].id, 0x1234);
	cr_assert_eq(p.ip[0].src[3], 1);
	cr_assert_eq(p.ip[0].l4, 0);
	const struct pkt_l4 *l = &p.l4[0];
	cr_assert_eq(l->proto, 6);
	cr_assert_eq(l->sport, 1234);
	cr_assert_eq(l->dport, 80);
	cr_assert_eq(l->hdr_len, 40);
	cr_assert_eq(l->payload_len, 0);
	const struct pkt_tcp *t = &l->u.tcp;
	cr_assert_eq(t->seq, 1000);
	cr_assert_eq(t->flags, TCP_F_SYN);
	cr_assert_eq(t->win, 64240);
	cr_assert(t->has_mss);
	cr_assert_eq(t->mss, 1460);
	cr_assert(t->sack_perm);
	cr_assert(t->has_ts);
	cr_assert_eq(t->tsval, 1);
	cr_assert_eq(t->tsecr, 0);
	cr_assert_eq(t->wscale, 7);
	cr_assert(!t->opts_bad);
	cr_assert(!p.truncated && !p.malformed);
	cr_assert_eq(p.n_layers, 3);
}

/* Every caplen short of the full frame must be "truncated", never a crash. */
static void truncate_loop(int lt, const uint8_t *a, uint32_t n)
{
	struct packet p;
	for (uint32_t cap = 0; cap <= n; cap++) {
		enum decode_result r = decode_frame(&p, lt, a, cap, n);
		if (cap < n) {
			cr_assert(p.truncated, "caplen %u of %u", cap, n);
			cr_assert(!p.malformed, "caplen %u of %u", cap, n);
			cr_assert_eq(r, DECODE_TRUNCATED);
		} else {
			cr_assert(!p.truncated && !p.malformed);
		}
	}
}

Test(decode, truncated_every_boundary_syn)
{
	truncate_loop(LINKTYPE_ETHERNET, syn, sizeof(syn));
}

/* TCP with two SACK blocks behind two NOPs. */
static const uint8_t sack[] = {
	MACS, 0x08, 0x00,	/* Ethernet: type IPv4 */
	0x45, 0x00, 0x00, 60,	/* IPv4: ver/ihl, tos, total length 60 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id, no flags */
	64, 6, 0x00, 0x00,	/* IPv4: ttl, TCP, checksum */
	IP4_A, IP4_B,		/* IPv4: src, dst */
	0x00, 0x50, 0x04, 0xd2, /* TCP: sport 80, dport 1234 */
	0x00, 0x00, 0x00, 0x10, /* TCP: seq 16 */
	0x00, 0x00, 0x10, 0x00, /* TCP: ack 4096 */
	0xa0, 0x10, 0x01, 0x00, /* TCP: offset 10, ACK, win 256 */
	0x00, 0x00, 0x00, 0x00, /* TCP: checksum, urgent */
	0x01, 0x01,		/* NOP NOP */
	0x05, 0x12,		/* SACK, length 18: two blocks */
	0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x30, 0x00, /* block 8192-12288 */
	0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x50, 0x00, /* block 16384-20480 */
};

Test(decode, tcp_sack_blocks)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, sack), DECODE_OK);
	const struct pkt_tcp *t = &p.l4[0].u.tcp;
	cr_assert_eq(t->flags, TCP_F_ACK);
	cr_assert_eq(t->ack, 4096);
	cr_assert_eq(t->n_sack, 2);
	cr_assert_eq(t->sack[0][0], 0x2000);
	cr_assert_eq(t->sack[0][1], 0x3000);
	cr_assert_eq(t->sack[1][0], 0x4000);
	cr_assert_eq(t->sack[1][1], 0x5000);
	cr_assert_eq(t->wscale, -1);
	cr_assert(!t->has_mss && !t->has_ts);
}

/* An MSS option whose length runs past the TCP header. */
static const uint8_t badopt[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 48,	/* IPv4: total length 48 (20 + 24 + 4 data) */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id, flags */
	64, 6, 0x00, 0x00,	/* IPv4: ttl, TCP, checksum */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x04, 0xd2, 0x00, 0x50, /* TCP: ports 1234 -> 80 */
	0x00, 0x00, 0x00, 0x01, /* TCP: seq 1 */
	0x00, 0x00, 0x00, 0x01, /* TCP: ack 1 */
	0x60, 0x18, 0x01, 0x00, /* TCP: offset 6 (24 bytes), PSH|ACK */
	0x00, 0x00, 0x00, 0x00, /* TCP: checksum, urgent */
	0x02, 0x08, 0x05, 0xb4, /* MSS with length 8: overruns the header */
	'd', 'a', 't', 'a',	/* payload */
};

Test(decode, tcp_bad_option_keeps_header)
{
	struct packet p;
	DECODE(p, LINKTYPE_ETHERNET, badopt);
	cr_assert(has_anom(&p, PA_BAD_OPTION));
	cr_assert_eq(p.n_l4, 1);
	cr_assert(p.l4[0].u.tcp.opts_bad);
	cr_assert(!p.l4[0].u.tcp.has_mss);
	cr_assert_eq(p.l4[0].payload_len, 4);
	cr_assert_eq(p.l4[0].payload_cap, 4);
	cr_assert_eq(p.l4[0].u.tcp.flags, TCP_F_PSH | TCP_F_ACK);
}

/* Header-only capture (snaplen 54) of a 1514-byte segment, as in .trace. */
static const uint8_t trace[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x05, 0xdc, /* IPv4: total length 1500 */
	0x00, 0x01, 0x40, 0x00, /* IPv4: id, DF */
	64, 6, 0x00, 0x00,	/* IPv4: ttl, TCP, checksum */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x04, 0xd2, 0x00, 0x50, /* TCP: ports */
	0x00, 0x00, 0x00, 0x01, /* TCP: seq 1 */
	0x00, 0x00, 0x00, 0x01, /* TCP: ack 1 */
	0x50, 0x10, 0x01, 0x00, /* TCP: offset 5, ACK */
	0x00, 0x00, 0x00, 0x00, /* TCP: checksum, urgent */
};

Test(decode, snaplen_keeps_segment_length)
{
	struct packet p;
	enum decode_result r =
		decode_frame(&p, LINKTYPE_ETHERNET, trace, sizeof(trace), 1514);
	cr_assert_eq(r, DECODE_OK); /* headers are all there */
	cr_assert_eq(p.l4[0].payload_len, 1460);
	cr_assert_eq(p.l4[0].payload_cap, 0);
	cr_assert(p.l4[0].truncated);
	/* The same bytes with no snaplen cut: the IP length is a lie. */
	DECODE(p, LINKTYPE_ETHERNET, trace);
	cr_assert(p.malformed);
	cr_assert(has_anom(&p, PA_BAD_LENGTH));
	cr_assert_eq(p.l4[0].payload_len, 0);
}

/* TSO capture: IPv4 total length 0, the frame says how long it is. */
Test(decode, ipv4_total_length_zero_uses_frame)
{
	uint8_t a[sizeof(trace) + 100];
	memcpy(a, trace, sizeof(trace));
	memset(a + sizeof(trace), 'x', 100);
	a[16] = 0x00; /* IPv4 total length: 0 */
	a[17] = 0x00;
	struct packet p;
	DECODE(p, LINKTYPE_ETHERNET, a);
	cr_assert(!p.malformed);
	cr_assert_eq(p.l4[0].payload_len, 100);
}

/* Ethernet padding after a 40-byte IPv4 packet is not payload. */
Test(decode, ethernet_padding_not_payload)
{
	uint8_t a[60] = { 0 };
	memcpy(a, trace, sizeof(trace));
	a[16] = 0x00; /* IPv4 total length: 40 */
	a[17] = 40;
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, a), DECODE_OK);
	cr_assert_eq(p.l4[0].payload_len, 0);
	cr_assert_eq(p.ip[0].payload_len, 20);
}

Test(decode, malformed_lengths)
{
	struct packet p;
	uint8_t a[sizeof(syn)];

	memcpy(a, syn, sizeof(a));
	a[14] = 0x44; /* IPv4: IHL 4 */
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, a), DECODE_MALFORMED);
	cr_assert_eq(p.n_ip, 0);

	memcpy(a, syn, sizeof(a));
	a[14] = 0x65; /* IPv4 link but version 6 */
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, a), DECODE_MALFORMED);

	memcpy(a, syn, sizeof(a));
	a[17] = 10; /* IPv4: total length 10 < header */
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, a), DECODE_MALFORMED);
	cr_assert_eq(p.n_l4, 0);

	memcpy(a, syn, sizeof(a));
	a[46] = 0x40; /* TCP: data offset 4 */
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, a), DECODE_MALFORMED);
	cr_assert_eq(p.n_l4, 1);
	cr_assert(!p.truncated);

	memcpy(a, syn, sizeof(a));
	a[46] = 0xf0; /* TCP: data offset 15 > what IP carries */
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, a), DECODE_MALFORMED);
}

/* QinQ: 802.1ad outer tag, 802.1Q inner tag, IPv4, UDP. */
static const uint8_t qinq[] = {
	MACS, 0x88, 0xa8,	/* Ethernet: type 802.1ad */
	0x00, 0x64, 0x81, 0x00, /* S-tag: VLAN 100, next 802.1Q */
	0x00, 0xc8, 0x08, 0x00, /* C-tag: VLAN 200, next IPv4 */
	0x45, 0x00, 0x00, 28,	/* IPv4: total length 28 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id, flags */
	64, 17, 0x00, 0x00,	/* IPv4: ttl, UDP, checksum */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* UDP: 5000 -> 53 */
	0x00, 0x08, 0x00, 0x00, /* UDP: length 8, checksum */
};

Test(decode, vlan_qinq)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, qinq), DECODE_OK);
	cr_assert_eq(p.n_layers, 5);
	cr_assert_eq(p.layers[1].proto, PP_VLAN);
	cr_assert_eq(p.layers[2].proto, PP_VLAN);
	cr_assert(p.tunnels & PT_VLAN);
	cr_assert_eq(p.l4[0].proto, 17);
	cr_assert_eq(p.l4[0].dport, 53);
	cr_assert_eq(p.l4[0].payload_len, 0);
	truncate_loop(LINKTYPE_ETHERNET, qinq, sizeof(qinq));
}

/* IPv6 with hop-by-hop, routing and destination options, then TCP. */
static const uint8_t v6chain[] = {
	MACS, 0x86, 0xdd,	/* Ethernet: type IPv6 */
	0x60, 0x00, 0x00, 0x00, /* IPv6: version 6, class, flow */
	0x00, 60, 0, 64,	/* IPv6: payload length 60, next HBH, hop limit 64 */
	IP6_A, IP6_B,		/* IPv6: src, dst */
	43, 0, 1, 4, 0, 0, 0, 0, /* HBH: next routing, len 0, PadN */
	60, 2, 0, 1, 0, 0, 0, 0, /* routing: next dstopts, len 2 (24), type 0 */
	IP6_B,			/* routing: one address */
	6, 0, 1, 4, 0, 0, 0, 0, /* dstopts: next TCP, len 0, PadN */
	0x04, 0xd2, 0x00, 0x50, /* TCP: ports 1234 -> 80 */
	0x00, 0x00, 0x00, 0x01, /* TCP: seq */
	0x00, 0x00, 0x00, 0x00, /* TCP: ack */
	0x50, 0x02, 0x10, 0x00, /* TCP: offset 5, SYN */
	0x00, 0x00, 0x00, 0x00, /* TCP: checksum, urgent */
};

Test(decode, ipv6_extension_chain)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, v6chain), DECODE_OK);
	cr_assert_eq(p.n_ip, 1);
	cr_assert_eq(p.ip[0].ver, 6);
	cr_assert_eq(p.ip[0].proto, 6);
	cr_assert_eq(p.ip[0].hdr_len, 40 + 8 + 24 + 8);
	cr_assert_eq(p.ip[0].payload_len, 20);
	cr_assert_eq(p.l4[0].payload_len, 0);
	cr_assert_eq(p.l4[0].u.tcp.flags, TCP_F_SYN);
	truncate_loop(LINKTYPE_ETHERNET, v6chain, sizeof(v6chain));
}

/* IPv6 fragment header, first fragment then a later one. */
static const uint8_t v6frag[] = {
	MACS, 0x86, 0xdd,	/* Ethernet: IPv6 */
	0x60, 0x00, 0x00, 0x00, /* IPv6: version 6 */
	0x00, 16, 44, 64,	/* IPv6: payload 16, next fragment, hlim */
	IP6_A, IP6_B,		/* IPv6: addresses */
	17, 0, 0x00, 0x01,	/* fragment: next UDP, offset 0, M=1 */
	0x00, 0x00, 0x12, 0x34, /* fragment: id 0x1234 */
	0x13, 0x88, 0x00, 0x35, /* UDP: 5000 -> 53 */
	0x00, 100, 0x00, 0x00,	/* UDP: length 100 (whole datagram) */
};

Test(decode, ipv6_fragments)
{
	struct packet p;
	DECODE(p, LINKTYPE_ETHERNET, v6frag);
	cr_assert(!p.malformed);
	cr_assert(p.ip[0].fragment && p.ip[0].first_fragment);
	cr_assert_eq(p.ip[0].id, 0x1234);
	cr_assert(has_anom(&p, PA_IP_FRAGMENT));
	cr_assert_eq(p.n_l4, 1);
	cr_assert_eq(p.l4[0].dport, 53);

	uint8_t a[sizeof(v6frag)];
	memcpy(a, v6frag, sizeof(a));
	a[56] = 0x00; /* fragment offset 23 (x8), M=0 */
	a[57] = 0xb8;
	DECODE(p, LINKTYPE_ETHERNET, a);
	cr_assert(p.ip[0].fragment && !p.ip[0].first_fragment);
	cr_assert_eq(p.n_l4, 0);
}

Test(decode, ipv4_fragments)
{
	struct packet p;
	uint8_t a[sizeof(qinq) - 8];
	memcpy(a, qinq + 8, sizeof(a)); /* untagged copy: Ethernet + IPv4 + UDP */
	a[12] = 0x08;
	a[13] = 0x00;
	a[20] = 0x20; /* IPv4: MF */
	DECODE(p, LINKTYPE_ETHERNET, a);
	cr_assert(p.ip[0].fragment && p.ip[0].first_fragment);
	cr_assert_eq(p.n_l4, 1);
	a[20] = 0x00; /* IPv4: offset 8 bytes, last fragment */
	a[21] = 0x01;
	DECODE(p, LINKTYPE_ETHERNET, a);
	cr_assert(p.ip[0].fragment && !p.ip[0].first_fragment);
	cr_assert_eq(p.n_l4, 0);
	cr_assert(!p.malformed && !p.truncated);
}

/* ICMP host unreachable quoting an IPv4 header and 8 bytes of TCP. */
static const uint8_t icmperr[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 56,	/* IPv4: total length 56 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id, flags */
	64, 1, 0x00, 0x00,	/* IPv4: ttl, ICMP, checksum */
	IP4_B, IP4_A,		/* IPv4: router -> sender */
	0x03, 0x01, 0x00, 0x00, /* ICMP: dest unreachable, host, checksum */
	0x00, 0x00, 0x00, 0x00, /* ICMP: unused */
	0x45, 0x00, 0x05, 0xdc, /* quoted IPv4: total length 1500 */
	0x00, 0x02, 0x40, 0x00, /* quoted IPv4: id, DF */
	63, 6, 0x00, 0x00,	/* quoted IPv4: ttl, TCP */
	IP4_A, IP4_B,		/* quoted IPv4: addresses */
	0x04, 0xd2, 0x00, 0x50, /* quoted TCP: 1234 -> 80 */
	0x00, 0x01, 0x00, 0x00, /* quoted TCP: seq 65536 */
};

Test(decode, icmp_error_quotes_tcp)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, icmperr), DECODE_OK);
	cr_assert_eq(p.n_ip, 2);
	cr_assert_eq(p.n_l4, 2);
	cr_assert(p.l4[0].u.icmp.is_error);
	cr_assert(!p.l4[0].in_icmp_error);
	cr_assert(p.ip[1].in_icmp_error);
	cr_assert_eq(p.ip[1].payload_len, 1480);
	const struct pkt_l4 *q = &p.l4[1];
	cr_assert(q->in_icmp_error);
	cr_assert_eq(q->proto, 6);
	cr_assert_eq(q->ip, 1);
	cr_assert_eq(q->sport, 1234);
	cr_assert_eq(q->dport, 80);
	cr_assert_eq(q->u.tcp.seq, 65536);
	cr_assert(!p.truncated && !p.malformed);
	truncate_loop(LINKTYPE_ETHERNET, icmperr, sizeof(icmperr));
}

/* ICMPv6 packet too big quoting IPv6 + UDP. */
static const uint8_t icmp6big[] = {
	MACS, 0x86, 0xdd,	/* Ethernet: IPv6 */
	0x60, 0x00, 0x00, 0x00, /* IPv6 */
	0x00, 56, 58, 64,	/* IPv6: payload 56, ICMPv6 */
	IP6_B, IP6_A,		/* IPv6: addresses */
	0x02, 0x00, 0x00, 0x00, /* ICMPv6: packet too big, checksum */
	0x00, 0x00, 0x05, 0x00, /* ICMPv6: MTU 1280 */
	0x60, 0x00, 0x00, 0x00, /* quoted IPv6 */
	0x05, 0xb4, 17, 64,	/* quoted IPv6: payload 1460, UDP */
	IP6_A, IP6_B,		/* quoted IPv6: addresses */
	0x13, 0x88, 0x00, 0x35, /* quoted UDP: 5000 -> 53 */
	0x05, 0xb4, 0x00, 0x00, /* quoted UDP: length 1460 */
};

Test(decode, icmp6_too_big)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, icmp6big), DECODE_OK);
	cr_assert_eq(p.l4[0].proto, 58);
	cr_assert_eq(p.l4[0].u.icmp.mtu, 1280);
	cr_assert(p.l4[1].in_icmp_error);
	cr_assert_eq(p.l4[1].proto, 17);
	cr_assert_eq(p.l4[1].payload_len, 1452);
}

/* A crafted packet nesting IPv4-in-IPv4 20 times: the depth cap stops it. */
Test(decode, depth_cap_ipip)
{
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x00, /* IPv4: ver/ihl, tos, length (set below) */
		0x00, 0x01, 0x00, 0x00, /* IPv4: id, flags */
		64, 4, 0x00, 0x00,	/* IPv4: ttl, proto IP-in-IP, checksum */
		IP4_A, IP4_B,		/* IPv4: addresses */
	};
	uint8_t a[14 + 20 * 20 + 8];
	memcpy(a, syn, 14); /* Ethernet header */
	for (int i = 0; i < 20; i++) {
		uint8_t *h = a + 14 + 20 * i;
		uint16_t tl = (uint16_t)(20 * (20 - i) + 8);
		memcpy(h, hdr, 20);
		h[2] = (uint8_t)(tl >> 8);
		h[3] = (uint8_t)tl;
		if (i == 19)
			h[9] = 17; /* innermost carries UDP */
	}
	memcpy(a + 14 + 400, qinq + 42, 8); /* UDP header */
	struct packet p;
	DECODE(p, LINKTYPE_ETHERNET, a);
	cr_assert(has_anom(&p, PA_DEPTH));
	cr_assert(p.tunnels & PT_IPIP);
	cr_assert_leq(p.n_ip, PKT_MAX_IP);
	cr_assert_eq(p.n_l4, 0);
}

/* VXLAN: outer IPv4/UDP 4789, inner Ethernet/IPv4/TCP. */
static const uint8_t vxlan[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 90,	/* IPv4: total length 90 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id, flags */
	64, 17, 0x00, 0x00,	/* IPv4: ttl, UDP */
	IP4_A, IP4_B,		/* IPv4: VTEPs */
	0xc3, 0x50, 0x12, 0xb5, /* UDP: 50000 -> 4789 */
	0x00, 70, 0x00, 0x00,	/* UDP: length 70 */
	0x08, 0x00, 0x00, 0x00, /* VXLAN: flags I, reserved */
	0x00, 0x00, 0x7b, 0x00, /* VXLAN: VNI 123 */
	MACS, 0x08, 0x00,	/* inner Ethernet */
	0x45, 0x00, 0x00, 40,	/* inner IPv4: total length 40 */
	0x00, 0x02, 0x00, 0x00, /* inner IPv4: id */
	64, 6, 0x00, 0x00,	/* inner IPv4: TCP */
	192, 168, 0, 1, 192, 168, 0, 2, /* inner IPv4: addresses */
	0x04, 0xd2, 0x00, 0x16, /* inner TCP: 1234 -> 22 */
	0x00, 0x00, 0x00, 0x01, /* inner TCP: seq */
	0x00, 0x00, 0x00, 0x01, /* inner TCP: ack */
	0x50, 0x10, 0x01, 0x00, /* inner TCP: offset 5, ACK */
	0x00, 0x00, 0x00, 0x00, /* inner TCP: checksum, urgent */
};

Test(decode, vxlan)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, vxlan), DECODE_OK);
	cr_assert(p.tunnels & PT_VXLAN);
	cr_assert_eq(p.n_ip, 2);
	cr_assert_eq(p.n_l4, 2);
	cr_assert_eq(p.l4[0].proto, 17);
	cr_assert_eq(p.l4[0].ip, 0);
	cr_assert_eq(p.l4[1].proto, 6);
	cr_assert_eq(p.l4[1].ip, 1);
	cr_assert_eq(p.l4[1].dport, 22);
	cr_assert(has_layer(&p, PP_VXLAN));
	truncate_loop(LINKTYPE_ETHERNET, vxlan, sizeof(vxlan));
}

/* GRE with key and sequence number carrying Ethernet (0x6558). */
static const uint8_t gre_teb[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 74,	/* IPv4: total length 74 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 47, 0x00, 0x00,	/* IPv4: GRE */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x30, 0x00, 0x65, 0x58, /* GRE: K and S set, version 0, TEB */
	0x00, 0x00, 0x00, 0x2a, /* GRE: key 42 */
	0x00, 0x00, 0x00, 0x07, /* GRE: sequence 7 */
	MACS, 0x08, 0x00,	/* inner Ethernet */
	0x45, 0x00, 0x00, 28,	/* inner IPv4: total length 28 */
	0x00, 0x02, 0x00, 0x00, /* inner IPv4: id */
	64, 17, 0x00, 0x00,	/* inner IPv4: UDP */
	192, 168, 0, 1, 192, 168, 0, 2, /* inner IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* inner UDP: 5000 -> 53 */
	0x00, 0x08, 0x00, 0x00, /* inner UDP: length 8 */
};

Test(decode, gre_teb_key_seq)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, gre_teb), DECODE_OK);
	cr_assert(p.tunnels & PT_GRE);
	cr_assert_eq(p.n_l4, 2);
	cr_assert_eq(p.l4[0].proto, 47);
	cr_assert_eq(p.l4[1].proto, 17);
	cr_assert_eq(p.layers[2].proto, PP_GRE);
	cr_assert_eq(p.layers[2].len, 12);
	truncate_loop(LINKTYPE_ETHERNET, gre_teb, sizeof(gre_teb));
}

/* GRE (sequence) carrying ERSPAN type II and a mirrored Ethernet frame. */
static const uint8_t erspan2[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 78,	/* IPv4: total length 78 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 47, 0x00, 0x00,	/* IPv4: GRE */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x10, 0x00, 0x88, 0xbe, /* GRE: S set, ERSPAN */
	0x00, 0x00, 0x00, 0x01, /* GRE: sequence 1 */
	0x10, 0x01, 0x00, 0x64, /* ERSPAN II: version 1, VLAN 1, session 100 */
	0x00, 0x00, 0x00, 0x00, /* ERSPAN II: reserved, index */
	MACS, 0x08, 0x00,	/* mirrored Ethernet */
	0x45, 0x00, 0x00, 28,	/* mirrored IPv4 */
	0x00, 0x02, 0x00, 0x00, /* mirrored IPv4: id */
	64, 17, 0x00, 0x00,	/* mirrored IPv4: UDP */
	192, 168, 0, 1, 192, 168, 0, 2, /* mirrored IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* mirrored UDP: 5000 -> 53 */
	0x00, 0x08, 0x00, 0x00, /* mirrored UDP: length 8 */
};

Test(decode, gre_erspan2)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, erspan2), DECODE_OK);
	cr_assert(p.tunnels & PT_ERSPAN);
	cr_assert(has_layer(&p, PP_ERSPAN));
	cr_assert_eq(p.n_ip, 2);
	cr_assert_eq(p.l4[1].dport, 53);
}

/* Frame 1 of gre-aruba.pcap: VLAN, GRE 0x8200, 802.11 QoS data, SNAP, TCP. */
static const uint8_t aruba[] = {
	0x00, 0x11, 0xdc, 0x00, 0x00, 0x01, /* Ethernet: dst */
	0xf0, 0x5c, 0x19, 0xcf, 0xc8, 0xd6, /* Ethernet: src */
	0x81, 0x00, 0x01, 0x2c, 0x08, 0x00, /* 802.1Q: VLAN 300, IPv4 */
	0x45, 0x00, 0x00, 0x62, 0x4b, 0x03, 0x00, 0x00, /* IPv4: length 98 */
	0xff, 0x2f, 0x2f, 0x84,	/* IPv4: ttl 255, GRE, checksum */
	0x0a, 0x03, 0x22, 0xab, 0x0a, 0x21, 0x0a, 0x17, /* IPv4: addresses */
	0x00, 0x00, 0x82, 0x00, /* GRE: no flags, Aruba 802.11 */
	0x88, 0x01, 0x00, 0x00, /* 802.11: QoS data, to-DS, duration */
	0xf0, 0x5c, 0x19, 0x7c, 0x8d, 0x70, /* 802.11: addr1 */
	0x5c, 0x5f, 0x67, 0x02, 0x2e, 0x7a, /* 802.11: addr2 */
	0x00, 0x11, 0xdc, 0x00, 0x00, 0x01, /* 802.11: addr3 */
	0x80, 0x7d, 0x00, 0x00, /* 802.11: sequence, QoS control */
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, /* LLC SNAP: IPv4 */
	0x45, 0x00, 0x00, 0x28, 0x6e, 0xa8, 0x40, 0x00, /* IPv4: length 40 */
	0x80, 0x06, 0xb7, 0xe2,	/* IPv4: ttl 128, TCP */
	0x0a, 0x25, 0x24, 0x5c, 0xcd, 0xb9, 0xd8, 0x0a, /* IPv4: addresses */
	0xe6, 0x5d, 0x00, 0x50, /* TCP: 58973 -> 80 */
	0x05, 0xe6, 0xe9, 0x1b, 0xd4, 0x48, 0x5b, 0x00, /* TCP: seq, ack */
	0x50, 0x11, 0x40, 0x96, /* TCP: offset 5, FIN|ACK, window */
	0x95, 0xff, 0x00, 0x00, /* TCP: checksum, urgent */
};

Test(decode, gre_aruba_80211)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, aruba), DECODE_OK);
	cr_assert(p.tunnels & PT_GRE);
	cr_assert(p.tunnels & PT_80211);
	cr_assert(has_layer(&p, PP_80211));
	cr_assert(has_layer(&p, PP_LLC));
	cr_assert_eq(p.n_l4, 2);
	cr_assert_eq(p.l4[1].proto, 6);
	cr_assert_eq(p.l4[1].dport, 80);
	cr_assert_eq(p.l4[1].u.tcp.flags, TCP_F_FIN | TCP_F_ACK);
	truncate_loop(LINKTYPE_ETHERNET, aruba, sizeof(aruba));
}

/* Geneve (one option word) carrying Ethernet/IPv4/ICMP echo. */
static const uint8_t geneve[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 82,	/* IPv4: total length 82 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 17, 0x00, 0x00,	/* IPv4: UDP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0xc3, 0x50, 0x17, 0xc1, /* UDP: 50000 -> 6081 */
	0x00, 62, 0x00, 0x00,	/* UDP: length 62 */
	0x01, 0x00, 0x65, 0x58, /* Geneve: version 0, 1 option word, TEB */
	0x00, 0x00, 0x01, 0x00, /* Geneve: VNI 1 */
	0x01, 0x02, 0x03, 0x00, /* Geneve: option class/type/length 0 */
	MACS, 0x08, 0x00,	/* inner Ethernet */
	0x45, 0x00, 0x00, 28,	/* inner IPv4 */
	0x00, 0x02, 0x00, 0x00, /* inner IPv4: id */
	64, 1, 0x00, 0x00,	/* inner IPv4: ICMP */
	192, 168, 0, 1, 192, 168, 0, 2, /* inner IPv4: addresses */
	0x08, 0x00, 0x00, 0x00, /* ICMP: echo request */
	0x00, 0x07, 0x00, 0x01, /* ICMP: id 7, seq 1 */
};

Test(decode, geneve)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, geneve), DECODE_OK);
	cr_assert(p.tunnels & PT_GENEVE);
	cr_assert_eq(p.n_l4, 2);
	cr_assert_eq(p.l4[1].proto, 1);
	cr_assert_eq(p.l4[1].u.icmp.echo_id, 7);
	cr_assert(!p.l4[1].u.icmp.is_error);
	truncate_loop(LINKTYPE_ETHERNET, geneve, sizeof(geneve));
}

/* GTP-U G-PDU with one extension header, carrying IPv4/UDP. */
static const uint8_t gtpu[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 72,	/* IPv4: total length 72 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 17, 0x00, 0x00,	/* IPv4: UDP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x08, 0x68, 0x08, 0x68, /* UDP: 2152 -> 2152 */
	0x00, 52, 0x00, 0x00,	/* UDP: length 52 */
	0x34, 0xff, 0x00, 36,	/* GTP: v1, PT, E; G-PDU; length 36 */
	0x00, 0x00, 0x00, 0x01, /* GTP: TEID 1 */
	0x00, 0x00, 0x00, 0x85, /* GTP: seq, N-PDU, next ext 0x85 */
	0x01, 0x10, 0x05, 0x00, /* ext: 1 unit, content, next none */
	0x45, 0x00, 0x00, 28,	/* inner IPv4 */
	0x00, 0x02, 0x00, 0x00, /* inner IPv4: id */
	64, 17, 0x00, 0x00,	/* inner IPv4: UDP */
	192, 168, 0, 1, 192, 168, 0, 2, /* inner IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* inner UDP: 5000 -> 53 */
	0x00, 0x08, 0x00, 0x00, /* inner UDP: length 8 */
};

Test(decode, gtpu_ext_header)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, gtpu), DECODE_OK);
	cr_assert(p.tunnels & PT_GTPU);
	cr_assert_eq(p.n_l4, 2);
	cr_assert_eq(p.l4[1].dport, 53);
	truncate_loop(LINKTYPE_ETHERNET, gtpu, sizeof(gtpu));
}

/* Teredo bubble with an origin indication: IPv6 with no next header. */
static const uint8_t teredo[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 76,	/* IPv4: total length 76 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 17, 0x00, 0x00,	/* IPv4: UDP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x0d, 0xd8, 0xc3, 0x50, /* UDP: 3544 -> 50000 */
	0x00, 56, 0x00, 0x00,	/* UDP: length 56 */
	0x00, 0x00, 0xff, 0xfe, /* Teredo origin: type 0, obfuscated port */
	0xf5, 0xff, 0xff, 0xfe, /* Teredo origin: obfuscated address */
	0x60, 0x00, 0x00, 0x00, /* IPv6 */
	0x00, 0x00, 59, 21,	/* IPv6: payload 0, no next header */
	IP6_A, IP6_B,		/* IPv6: addresses */
};

Test(decode, teredo_origin)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, teredo), DECODE_OK);
	cr_assert(p.tunnels & PT_TEREDO);
	cr_assert_eq(p.n_ip, 2);
	cr_assert_eq(p.ip[1].ver, 6);
	cr_assert_eq(p.ip[1].proto, 59);
}

/* MPLS two-label stack, IPv4 guessed from the first nibble. */
static const uint8_t mpls[] = {
	MACS, 0x88, 0x47,	/* Ethernet: MPLS unicast */
	0x00, 0x01, 0x00, 0x40, /* MPLS: label 16, ttl 64 */
	0x00, 0x02, 0x01, 0x40, /* MPLS: label 32, bottom of stack */
	0x45, 0x00, 0x00, 28,	/* IPv4 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 1, 0x00, 0x00,	/* IPv4: ICMP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x00, 0x00, 0x00, 0x00, /* ICMP: echo reply */
	0x00, 0x07, 0x00, 0x02, /* ICMP: id 7, seq 2 */
};

Test(decode, mpls_stack)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, mpls), DECODE_OK);
	cr_assert(p.tunnels & PT_MPLS);
	cr_assert_eq(p.layers[1].proto, PP_MPLS);
	cr_assert_eq(p.layers[1].len, 8);
	cr_assert_eq(p.l4[0].u.icmp.echo_seq, 2);
	truncate_loop(LINKTYPE_ETHERNET, mpls, sizeof(mpls));
}

/* Linux cooked v1 and v2 headers in front of IPv4/UDP. */
static const uint8_t sll[] = {
	0x00, 0x00, 0x00, 0x01, /* SLL: incoming, ARPHRD_ETHER */
	0x00, 0x06, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00, /* address */
	0x08, 0x00,		/* SLL: protocol IPv4 */
	0x45, 0x00, 0x00, 28,	/* IPv4 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 17, 0x00, 0x00,	/* IPv4: UDP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* UDP: 5000 -> 53 */
	0x00, 0x08, 0x00, 0x00, /* UDP: length 8 */
};

static const uint8_t sll2[] = {
	0x08, 0x00, 0x00, 0x00, /* SLL2: protocol IPv4, reserved */
	0x00, 0x00, 0x00, 0x02, /* SLL2: interface index 2 */
	0x00, 0x01, 0x00, 0x06, /* SLL2: ARPHRD_ETHER, incoming, addr len 6 */
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00, /* SLL2: address */
	0x45, 0x00, 0x00, 28,	/* IPv4 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 17, 0x00, 0x00,	/* IPv4: UDP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* UDP: 5000 -> 53 */
	0x00, 0x08, 0x00, 0x00, /* UDP: length 8 */
};

Test(decode, sll_and_sll2)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_LINUX_SLL, sll), DECODE_OK);
	cr_assert_eq(p.layers[0].proto, PP_SLL);
	cr_assert_eq(p.l4[0].dport, 53);
	truncate_loop(LINKTYPE_LINUX_SLL, sll, sizeof(sll));
	cr_assert_eq(DECODE(p, LINKTYPE_LINUX_SLL2, sll2), DECODE_OK);
	cr_assert_eq(p.layers[0].proto, PP_SLL2);
	cr_assert_eq(p.l4[0].dport, 53);
	truncate_loop(LINKTYPE_LINUX_SLL2, sll2, sizeof(sll2));
}

Test(decode, null_loop_raw)
{
	uint8_t a[4 + 28];
	struct packet p;
	memcpy(a + 4, sll + 16, 28); /* IPv4 + UDP from above */
	memcpy(a, (const uint8_t[]){ 0x02, 0x00, 0x00, 0x00 }, 4); /* AF_INET, LE */
	cr_assert_eq(DECODE(p, LINKTYPE_NULL, a), DECODE_OK);
	cr_assert_eq(p.n_l4, 1);
	memcpy(a, (const uint8_t[]){ 0x00, 0x00, 0x00, 0x02 }, 4); /* AF_INET, BE */
	cr_assert_eq(DECODE(p, LINKTYPE_NULL, a), DECODE_OK);
	cr_assert_eq(p.n_l4, 1);
	cr_assert_eq(DECODE(p, LINKTYPE_LOOP, a), DECODE_OK);
	cr_assert_eq(p.n_l4, 1);
	/* Raw IP link types: the version nibble decides. */
	cr_assert_eq(decode_frame(&p, LINKTYPE_RAW, a + 4, 28, 28), DECODE_OK);
	cr_assert_eq(p.n_l4, 1);
	cr_assert_eq(decode_frame(&p, LINKTYPE_IPV4, a + 4, 28, 28), DECODE_OK);
	cr_assert_eq(decode_frame(&p, LINKTYPE_RAW_ALT12, a + 4, 28, 28),
		     DECODE_OK);
	cr_assert_eq(p.n_l4, 1);
}

/* NFLOG: header, a packet-header TLV, then the payload TLV (type 9). */
static const uint8_t nflog[] = {
	0x02, 0x00, 0x00, 0x00, /* NFLOG: AF_INET, version 0, resource 0 */
	0x08, 0x00, 0x01, 0x00, /* TLV: length 8, NFULA_PACKET_HDR */
	0x08, 0x00, 0x03, 0x00, /* TLV value: hw protocol IPv4, hook */
	0x20, 0x00, 0x09, 0x00, /* TLV: length 32, NFULA_PAYLOAD */
	0x45, 0x00, 0x00, 28,	/* IPv4 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 17, 0x00, 0x00,	/* IPv4: UDP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* UDP: 5000 -> 53 */
	0x00, 0x08, 0x00, 0x00, /* UDP: length 8 */
};

Test(decode, nflog)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_NFLOG, nflog), DECODE_OK);
	cr_assert_eq(p.layers[0].proto, PP_NFLOG);
	cr_assert_eq(p.layers[0].len, 16);
	cr_assert_eq(p.l4[0].dport, 53);
}

/* Radiotap (flags: FCS present) + 802.11 data + SNAP + IPv4/UDP + FCS. */
static const uint8_t radiotap[] = {
	0x00, 0x00, 0x09, 0x00, /* radiotap: version 0, length 9 */
	0x02, 0x00, 0x00, 0x00, /* radiotap: present = flags */
	0x10,			/* radiotap flags: FCS at end */
	0x08, 0x02, 0x00, 0x00, /* 802.11: data, from-DS, duration */
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* 802.11: addr1 */
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* 802.11: addr2 */
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbc, /* 802.11: addr3 */
	0x10, 0x00,		/* 802.11: sequence */
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, /* SNAP: IPv4 */
	0x45, 0x00, 0x00, 28,	/* IPv4 */
	0x00, 0x01, 0x00, 0x00, /* IPv4: id */
	64, 17, 0x00, 0x00,	/* IPv4: UDP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* UDP: 5000 -> 53 */
	0x00, 0x08, 0x00, 0x00, /* UDP: length 8 */
	0xde, 0xad, 0xbe, 0xef, /* FCS */
};

Test(decode, radiotap_80211)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_IEEE802_11_RADIOTAP, radiotap),
		     DECODE_OK);
	cr_assert_eq(p.layers[0].proto, PP_RADIOTAP);
	cr_assert_eq(p.layers[1].proto, PP_80211);
	cr_assert_eq(p.layers[1].len, 24);
	cr_assert_eq(p.l4[0].dport, 53);
	/* Bare 802.11 link type, FCS dropped. */
	cr_assert_eq(decode_frame(&p, LINKTYPE_IEEE802_11, radiotap + 9,
				  sizeof(radiotap) - 13,
				  sizeof(radiotap) - 13),
		     DECODE_OK);
	cr_assert_eq(p.n_l4, 1);
}

/* ARP request over Ethernet. */
static const uint8_t arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* Ethernet: broadcast */
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x06, /* src, type ARP */
	0x00, 0x01, 0x08, 0x00, /* ARP: Ethernet, IPv4 */
	0x06, 0x04, 0x00, 0x01, /* ARP: hlen 6, plen 4, request */
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, IP4_A, /* sender */
	0, 0, 0, 0, 0, 0, IP4_B, /* target */
};

Test(decode, arp)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, arp), DECODE_OK);
	cr_assert(p.arp);
	cr_assert_eq(p.layers[1].proto, PP_ARP);
	cr_assert_eq(p.layers[1].len, 28);
	cr_assert_eq(p.n_ip, 0);
	truncate_loop(LINKTYPE_ETHERNET, arp, sizeof(arp));
}

/* 6in4: IPv4 proto 41 carrying IPv6/TCP; and 4in6 the other way. */
Test(decode, ipip_6in4_4in6)
{
	uint8_t a[14 + 20 + 100];
	struct packet p;
	memcpy(a, syn, 14); /* Ethernet: IPv4 */
	memcpy(a + 14, (const uint8_t[]){
		0x45, 0x00, 0x00, 120, /* IPv4: total length 120 */
		0x00, 0x01, 0x00, 0x00, /* IPv4: id */
		64, 41, 0x00, 0x00,	/* IPv4: ttl, IPv6 */
		IP4_A, IP4_B }, 20);	/* IPv4: addresses */
	memcpy(a + 34, v6chain + 14, 100); /* IPv6 + ext headers + TCP */
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, a), DECODE_OK);
	cr_assert(p.tunnels & PT_IPIP);
	cr_assert_eq(p.n_ip, 2);
	cr_assert_eq(p.ip[1].ver, 6);
	cr_assert_eq(p.l4[0].proto, 6);
	cr_assert_eq(p.l4[0].ip, 1);

	uint8_t b[14 + 40 + 28];
	memcpy(b, v6chain, 14); /* Ethernet: IPv6 */
	memcpy(b + 14, (const uint8_t[]){
		0x60, 0x00, 0x00, 0x00, /* IPv6 */
		0x00, 28, 4, 64,	/* IPv6: payload 28, next IPv4 */
		IP6_A, IP6_B }, 40);	/* IPv6: addresses */
	memcpy(b + 54, sll + 16, 28); /* IPv4 + UDP */
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, b), DECODE_OK);
	cr_assert(p.tunnels & PT_IPIP);
	cr_assert_eq(p.ip[1].ver, 4);
	cr_assert_eq(p.l4[0].proto, 17);
}

Test(decode, unknown_linktype_and_empty)
{
	struct packet p;
	decode_frame(&p, 65000, syn, sizeof(syn), sizeof(syn));
	cr_assert(has_anom(&p, PA_UNKNOWN_LINKTYPE));
	cr_assert_eq(p.n_layers, 0);
	/* Netlink is known and carries no IP: nothing decoded, no anomaly. */
	decode_frame(&p, LINKTYPE_NETLINK, syn, sizeof(syn), sizeof(syn));
	cr_assert(!has_anom(&p, PA_UNKNOWN_LINKTYPE));
	cr_assert_eq(p.n_l4, 0);
	cr_assert_eq(decode_frame(&p, LINKTYPE_ETHERNET, NULL, 0, 0),
		     DECODE_MALFORMED);
	cr_assert_str_eq(pkt_proto_name(PP_VXLAN), "vxlan");
	cr_assert_str_eq(pkt_anom_name(PA_DEPTH), "depth");
}

/* IPv6 + TCP with NOP, NOP, timestamps and 4 bytes of data. */
static const uint8_t v6ts[] = {
	MACS, 0x86, 0xdd,	/* Ethernet: IPv6 */
	0x60, 0x00, 0x00, 0x00, /* IPv6: version 6 */
	0x00, 36, 6, 64,	/* IPv6: payload 36, TCP, hop limit 64 */
	IP6_A, IP6_B,		/* IPv6: addresses */
	0x04, 0xd2, 0x00, 0x50, /* TCP: ports 1234 -> 80 */
	0x00, 0x00, 0x00, 0x02, /* TCP: seq 2 */
	0x00, 0x00, 0x00, 0x03, /* TCP: ack 3 */
	0x80, 0x18, 0x01, 0x00, /* TCP: offset 8 (32 bytes), PSH|ACK */
	0x00, 0x00, 0x00, 0x00, /* TCP: checksum, urgent */
	0x01, 0x01, 0x08, 0x0a, /* NOP, NOP, timestamps */
	0, 0, 0, 7, 0, 0, 0, 9, /* tsval 7, tsecr 9 */
	'd', 'a', 't', 'a',	/* payload */
};

/* IPv4 + UDP 5000 -> 53 with 4 bytes of data. */
static const uint8_t v4udp[] = {
	MACS, 0x08, 0x00,	/* Ethernet */
	0x45, 0x00, 0x00, 32,	/* IPv4: total length 32 */
	0x00, 0x01, 0x40, 0x00, /* IPv4: id, DF */
	64, 17, 0x00, 0x00,	/* IPv4: ttl, UDP */
	IP4_A, IP4_B,		/* IPv4: addresses */
	0x13, 0x88, 0x00, 0x35, /* UDP: 5000 -> 53 */
	0x00, 12, 0x00, 0x00,	/* UDP: length 12 */
	'd', 'n', 's', '!',	/* payload */
};

Test(decode, fast_path_common_frames)
{
	struct packet p;
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, v6ts), DECODE_OK);
	cr_assert_eq(p.n_layers, 3);
	cr_assert_eq(p.ip[0].payload_len, 36);
	cr_assert_eq(p.ip[0].l4, 0);
	cr_assert_eq(p.l4[0].hdr_len, 32);
	cr_assert_eq(p.l4[0].payload_len, 4);
	cr_assert_eq(p.l4[0].payload_off, 14 + 40 + 32);
	cr_assert(p.l4[0].u.tcp.has_ts);
	cr_assert_eq(p.l4[0].u.tcp.tsval, 7);
	cr_assert_eq(p.l4[0].u.tcp.tsecr, 9);
	cr_assert_eq(p.l4[0].u.tcp.wscale, -1);
	/* Headers whole, payload cut: not truncated, the l4 says so. */
	decode_frame(&p, LINKTYPE_ETHERNET, v6ts, sizeof(v6ts) - 3,
		     sizeof(v6ts));
	cr_assert(!p.truncated);
	cr_assert(p.l4[0].truncated);
	cr_assert_eq(p.l4[0].payload_cap, 1);
	cr_assert_eq(DECODE(p, LINKTYPE_ETHERNET, v4udp), DECODE_OK);
	cr_assert_eq(p.l4[0].proto, 17);
	cr_assert_eq(p.l4[0].dport, 53);
	cr_assert_eq(p.l4[0].payload_len, 4);
	cr_assert_eq(p.l4[0].payload_cap, 4);
	cr_assert_eq(p.ip[0].src[3], 1);
	cr_assert_eq(p.ip[0].src[4], 0);
	decode_frame(&p, LINKTYPE_ETHERNET, v4udp, 14 + 20 + 7, sizeof(v4udp));
	cr_assert(p.truncated); /* UDP header cut */
	cr_assert_eq(p.n_l4, 1);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * decode_frame() takes a straight-line path for common Ethernet frames;
 * it must leave every byte of the packet as the layer decoders do. Both
 * start from the same junk, so a field one writes and the other does not
 * shows up too. Mutations hit the header bytes with values that steer
 * each test of the fast path both ways; caplen and wirelen vary as well.
 */
Test(decode, fast_path_matches_layer_decoders)
{
	static const struct {
		const uint8_t *a;
		size_t n;
	} base[] = {
		{ syn, sizeof(syn) },	    { sack, sizeof(sack) },
		{ badopt, sizeof(badopt) }, { trace, sizeof(trace) },
		{ v6ts, sizeof(v6ts) },	    { v4udp, sizeof(v4udp) },
		{ v6chain, sizeof(v6chain) }, { v6frag, sizeof(v6frag) },
		{ icmperr, sizeof(icmperr) }, { icmp6big, sizeof(icmp6big) },
		{ vxlan, sizeof(vxlan) },   { teredo, sizeof(teredo) },
		{ qinq, sizeof(qinq) },
	};
	static const uint8_t vals[] = { 0,    1,    2,	  5,	6,    8,
					10,   17,   0x20, 0x35, 0x3b, 0x40,
					0x45, 0x50, 0x60, 0x80, 0xdd, 0xff };
	static struct packet a, b;
	uint8_t buf[256];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned whole = 0;

	for (size_t k = 0; k < sizeof(base) / sizeof(base[0]); k++) {
		for (int it = 0; it < 6000; it++) {
			size_t n = base[k].n;
			memcpy(buf, base[k].a, n);
			for (size_t i = n; i < sizeof(buf); i++)
				buf[i] = (uint8_t)xorshift(&seed);
			int muts = it == 0 ? 0 : 1 + (int)(xorshift(&seed) % 3);
			for (int m = 0; m < muts; m++) {
				uint64_t r = xorshift(&seed);
				size_t pos = 12 + (size_t)(r % (n - 12));
				buf[pos] = (r >> 32) & 1
						   ? vals[(r >> 40) % sizeof(vals)]
						   : (uint8_t)(r >> 48);
			}
			uint64_t r = xorshift(&seed);
			uint32_t cap = (uint32_t)n, wire;
			if (r & 1)
				cap = (uint32_t)((r >> 8) % (n + 40));
			switch ((r >> 4) & 3) {
			case 0:
			case 1:
				wire = cap;
				break;
			case 2:
				wire = cap + (uint32_t)((r >> 24) % 3000);
				break;
			default:
				wire = (uint32_t)((r >> 24) % (cap + 1));
				break;
			}
			memset(&a, 0xa5, sizeof(a));
			memset(&b, 0xa5, sizeof(b));
			enum decode_result ra = decode_frame(
				&a, LINKTYPE_ETHERNET, buf, cap, wire);
			enum decode_result rb = dx_decode_frame_ref(
				&b, LINKTYPE_ETHERNET, buf, cap, wire);
			cr_assert_eq(ra, rb, "frame %zu iteration %d", k, it);
			cr_assert(memcmp(&a, &b, sizeof(a)) == 0,
				  "frame %zu iteration %d: packets differ", k,
				  it);
			whole += ra == DECODE_OK && a.n_l4 == 1;
		}
	}
	/* Enough frames went the whole way for the comparison to mean much. */
	cr_assert_gt(whole, 10000u);
}
