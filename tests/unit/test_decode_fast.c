// SPDX-License-Identifier: MIT
/* Unit tests for decode_frame()'s fast path: common frames, and equality with the layer decoders. */
#include <criterion/criterion.h>
#include <string.h>

#include "capture/capture.h"
#include "decode/decode_int.h"
#include "decode/packet.h"

#include "decode_frames.h"

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
