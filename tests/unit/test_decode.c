// SPDX-License-Identifier: MIT
/* Unit tests for decode_frame(): one packet per decoder plus edge cases. */
#include <criterion/criterion.h>
#include <string.h>

#include "capture/capture.h"
#include "decode/decode_int.h"
#include "decode/packet.h"

#include "decode_frames.h"

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
