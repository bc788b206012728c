/* SPDX-License-Identifier: MIT */
/* Test packets shared by test_decode.c and test_decode_fast.c (commented byte arrays). */
#ifndef NETDX_TESTS_UNIT_DECODE_FRAMES_H
#define NETDX_TESTS_UNIT_DECODE_FRAMES_H

#include <stdint.h>

#include "capture/capture.h"
#include "decode/packet.h"

/* Byte groups shared by the packets below. */
#define MACS 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* dst */ \
	     0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb	     /* src */
#define IP4_A 10, 0, 0, 1
#define IP4_B 10, 0, 0, 2
#define IP6_A 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define IP6_B 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2

#define DECODE(pkt, lt, a) decode_frame(&(pkt), (lt), (a), sizeof(a), sizeof(a))

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

#endif
