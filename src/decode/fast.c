// SPDX-License-Identifier: MIT
/* Straight-line decode of Ethernet -> IPv4/IPv6 -> TCP/UDP, the common frame. */
#include <string.h>

#include "decode/decode_int.h"

/*
 * Almost every frame of a real capture is Ethernet, IPv4 without options
 * or IPv6 without extension headers, then TCP or UDP, all captured and
 * consistent. The layer decoders handle that shape through a chain of
 * calls, cursors and per-layer bookkeeping; here it is one pass that
 * writes exactly what they would write. Every test below that the common
 * shape does not pass hands the rest of the frame to the layer decoder
 * that would have decoded it, before anything of that layer is written,
 * so odd frames keep a single implementation and the results cannot
 * differ (the unit tests compare both paths byte for byte).
 *
 * The fast path starts at offset 0 of an empty packet: layer, IP and l4
 * indices are known constants and need no capacity checks.
 */

enum {
	FAST_ETH_IPV4 = 0x0800,
	FAST_ETH_IPV6 = 0x86dd,
	FAST_IPPROTO_TCP = 6,
	FAST_IPPROTO_UDP = 17,
	FAST_IPPROTO_NONE = 59,
};

/*
 * Layer record i (Ethernet 0, IP 1, transport 2: the fast path writes
 * them in that order, nothing in between); len is inside the capture.
 */
static inline void put_layer(struct packet *pkt, uint8_t i,
			     enum pkt_proto proto, uint32_t off, uint32_t len)
{
	struct pkt_layer *l = &pkt->layers[i];
	pkt->n_layers = (uint8_t)(i + 1);
	l->proto = (uint8_t)proto;
	l->off = off;
	l->len = len;
}

/* The l4 entry dx_l4() would start for the first transport header. */
static inline struct pkt_l4 *first_l4(struct packet *pkt, struct pkt_ip *ip,
				      uint8_t proto, uint32_t off)
{
	struct pkt_l4 *l4 = &pkt->l4[0];
	pkt->n_l4 = 1;
	l4->proto = proto;
	l4->ip = 0;
	l4->in_icmp_error = false;
	l4->off = off;
	memset(&l4->u, 0, sizeof(l4->u));
	ip->l4 = 0;
	return l4;
}

/*
 * TCP right behind ip[0], which claims ip->payload_len bytes from off. The
 * slow cases: a header cut by the snaplen, a data offset below 20 or past
 * the IP claim (dec_tcp flags those).
 */
static inline void fast_tcp(struct dctx *d, struct pkt_ip *ip, uint32_t off,
			    uint32_t end, uint32_t wend)
{
	const uint8_t *h = dx_hdr(d, off, end, 20);
	if (!h) {
		dec_tcp(d, off, end, wend);
		return;
	}
	uint8_t b12 = h[12];
	uint32_t hl = (uint32_t)(b12 >> 4) * 4u;
	uint32_t claim = ip->payload_len;
	if (hl < 20 || hl > claim || hl > end - off) {
		dec_tcp(d, off, end, wend);
		return;
	}
	struct packet *pkt = d->pkt;
	struct pkt_l4 *l4 = first_l4(pkt, ip, FAST_IPPROTO_TCP, off);
	struct pkt_tcp *t = &l4->u.tcp;
	l4->sport = ld_be16(h);
	l4->dport = ld_be16(h + 2);
	l4->hdr_len = hl;
	l4->payload_off = off + hl;
	l4->payload_len = claim - hl;
	t->seq = ld_be32(h + 4);
	t->ack = ld_be32(h + 8);
	t->win = ld_be16(h + 14);
	t->flags = (uint16_t)(((b12 & 1u) << 8) | h[13]);
	t->hdr_len = (uint8_t)hl;
	t->wscale = -1;
	put_layer(pkt, 2, PP_TCP, off, hl);
	/* hl bytes are present (checked above): the options can be read. */
	if (hl == 32 && ld_be32(h + 20) == 0x0101080a) {
		/* NOP, NOP, timestamps: what most segments carry. */
		t->has_ts = true;
		t->tsval = ld_be32(h + 24);
		t->tsecr = ld_be32(h + 28);
	} else if (hl == 40 && h[20] == 2 && h[21] == 4 &&
		   ld_be32(h + 24) == 0x0402080a &&
		   ld_be32(h + 36) >> 8 == 0x010303) {
		/*
		 * A Linux SYN or SYN-ACK: MSS, SACK permitted, timestamps,
		 * NOP, window scale (RFC 7323: shifts above 14 count as 14).
		 */
		t->has_mss = true;
		t->mss = ld_be16(h + 22);
		t->sack_perm = true;
		t->has_ts = true;
		t->tsval = ld_be32(h + 28);
		t->tsecr = ld_be32(h + 32);
		t->wscale = (int8_t)(h[39] > 14 ? 14 : h[39]);
	} else if (hl > 20) {
		dx_tcp_options(d, t, off + 20, off + hl, off + hl);
	}
	dx_set_payload(l4, end);
}

/*
 * UDP right behind ip[0]. The slow cases: a short header, a tunnel port,
 * a length below 8 or past the IP claim.
 */
static inline void fast_udp(struct dctx *d, struct pkt_ip *ip, uint32_t off,
			    uint32_t end, uint32_t wend)
{
	const uint8_t *h = dx_hdr(d, off, end, 8);
	if (!h) {
		dec_udp(d, off, end, wend);
		return;
	}
	uint16_t sport = ld_be16(h);
	uint16_t dport = ld_be16(h + 2);
	uint32_t ulen = ld_be16(h + 4);
	uint32_t claim = ip->payload_len;
	if (ulen == 0 && claim > 0xffff)
		ulen = claim; /* jumbogram / GSO: the IP length rules */
	if (ulen < 8 || ulen > claim || dx_udp_port_kind(dport) != UT_NONE ||
	    dx_udp_port_kind(sport) != UT_NONE) {
		dec_udp(d, off, end, wend);
		return;
	}
	/* ulen <= claim keeps the datagram inside the IP one, so inside wend. */
	struct packet *pkt = d->pkt;
	struct pkt_l4 *l4 = first_l4(pkt, ip, FAST_IPPROTO_UDP, off);
	l4->sport = sport;
	l4->dport = dport;
	l4->hdr_len = 8;
	l4->payload_off = off + 8;
	l4->payload_len = ulen - 8;
	put_layer(pkt, 2, PP_UDP, off, 8);
	dx_set_payload(l4, dx_min(end, off + ulen));
}

/* ip[0] as ip_new() leaves it, for a header at off outside any quote. */
static inline struct pkt_ip *first_ip(struct dctx *d, uint32_t off)
{
	struct packet *pkt = d->pkt;
	struct pkt_ip *ip = &pkt->ip[0];
	pkt->n_ip = 1;
	d->cur_ip = 0;
	ip->fragment = false;
	ip->first_fragment = false;
	ip->in_icmp_error = false;
	ip->df = false;
	ip->id = 0;
	ip->off = off;
	ip->l4 = -1;
	return ip;
}

/* The transport header behind ip[0], at p, whose datagram ends at ipwend. */
static inline void fast_l4(struct dctx *d, struct pkt_ip *ip, uint8_t proto,
			   uint32_t p, uint32_t end, uint32_t ipwend)
{
	uint32_t iend = dx_min(end, ipwend);

	if (proto == FAST_IPPROTO_TCP)
		fast_tcp(d, ip, p, iend, ipwend);
	else if (proto == FAST_IPPROTO_UDP)
		fast_udp(d, ip, p, iend, ipwend);
	else
		dec_ip_proto(d, proto, p, iend, ipwend);
}

/*
 * IPv4 with a 20-byte header, not a fragment, total length in [20, what
 * the frame holds]; else dec_ipv4 (options, fragments, bad lengths).
 */
static inline void fast_ipv4(struct dctx *d, uint32_t off, uint32_t end,
			     uint32_t wend)
{
	const uint8_t *h = dx_hdr(d, off, end, 20);
	if (!h || h[0] != 0x45) {
		dec_ipv4(d, off, end, wend);
		return;
	}
	uint32_t tl = ld_be16(h + 2);
	uint16_t frag = ld_be16(h + 6);
	/* Total length 0: TSO/GSO capture (or BIG TCP), use the frame. */
	if (tl == 0)
		tl = wend - off;
	if (tl < 20 || tl > wend - off || (frag & 0x3fff)) {
		dec_ipv4(d, off, end, wend);
		return;
	}
	struct pkt_ip *ip = first_ip(d, off);
	ip->ver = 4;
	ip->proto = h[9];
	ip->ttl = h[8];
	ip->id = ld_be16(h + 4);
	ip->df = frag & 0x4000;
	memcpy(ip->src, h + 12, 4);
	memset(ip->src + 4, 0, 12);
	memcpy(ip->dst, h + 16, 4);
	memset(ip->dst + 4, 0, 12);
	ip->hdr_len = 20;
	ip->payload_len = tl - 20;
	put_layer(d->pkt, 1, PP_IPV4, off, 20);
	fast_l4(d, ip, ip->proto, off + 20, end, off + tl);
}

/*
 * IPv6 with no extension header and a payload length inside the frame;
 * else dec_ipv6 (extension headers, fragments, bad lengths).
 */
static inline void fast_ipv6(struct dctx *d, uint32_t off, uint32_t end,
			     uint32_t wend)
{
	const uint8_t *h = dx_hdr(d, off, end, 40);
	if (!h || (h[0] >> 4) != 6 || dx_ipv6_is_ext(h[6])) {
		dec_ipv6(d, off, end, wend);
		return;
	}
	uint32_t plen = ld_be16(h + 4);
	/* Payload length 0: jumbogram or segmentation offload. */
	uint32_t ipwend = plen ? off + 40 + plen : wend;
	if (ipwend > wend) {
		dec_ipv6(d, off, end, wend);
		return;
	}
	uint8_t nh = h[6];
	struct pkt_ip *ip = first_ip(d, off);
	ip->ver = 6;
	ip->proto = nh;
	ip->ttl = h[7];
	memcpy(ip->src, h + 8, 16);
	memcpy(ip->dst, h + 24, 16);
	ip->hdr_len = 40;
	/* end >= off + 40 here, and wend >= end: no wrap. */
	ip->payload_len = ipwend - off - 40;
	put_layer(d->pkt, 1, PP_IPV6, off, 40);
	if (nh == FAST_IPPROTO_NONE)
		return;
	fast_l4(d, ip, nh, off + 40, end, ipwend);
}

void dx_fast_ethernet(struct dctx *d, uint32_t end, uint32_t wend)
{
	const uint8_t *h = dx_hdr(d, 0, end, 14);
	uint16_t type = h ? ld_be16(h + 12) : 0;

	if (type != FAST_ETH_IPV4 && type != FAST_ETH_IPV6) {
		dec_ethernet(d, 0, end, wend);
		return;
	}
	put_layer(d->pkt, 0, PP_ETH, 0, 14);
	if (type == FAST_ETH_IPV4)
		fast_ipv4(d, 14, end, wend);
	else
		fast_ipv6(d, 14, end, wend);
}
