// SPDX-License-Identifier: MIT
/* Network layer: IPv4 (options, fragments), IPv6 extension headers, ARP. */
#include <string.h>

#include "decode/decode_int.h"

enum {
	IPPROTO_HOPOPTS_ = 0,
	IPPROTO_ICMP_ = 1,
	IPPROTO_IGMP_ = 2,
	IPPROTO_IPIP_ = 4,
	IPPROTO_TCP_ = 6,
	IPPROTO_UDP_ = 17,
	IPPROTO_IPV6_ = 41,
	IPPROTO_ROUTING_ = 43,
	IPPROTO_FRAGMENT_ = 44,
	IPPROTO_GRE_ = 47,
	IPPROTO_AH_ = 51,
	IPPROTO_ICMPV6_ = 58,
	IPPROTO_NONE_ = 59,
	IPPROTO_DSTOPTS_ = 60,
	IPPROTO_SCTP_ = 132,
	IPPROTO_MPLS_ = 137,
};

/* A new ip[] entry; NULL (PA_DEPTH) when the table is full. */
static struct pkt_ip *ip_new(struct dctx *d, enum pkt_proto proto,
			     uint32_t off)
{
	struct packet *pkt = d->pkt;

	if (pkt->n_ip >= PKT_MAX_IP) {
		dx_too_deep(d, PL_IP, proto, off);
		return NULL;
	}
	struct pkt_ip *ip = &pkt->ip[pkt->n_ip];
	d->cur_ip = (int8_t)pkt->n_ip;
	pkt->n_ip++;
	ip->fragment = false;
	ip->first_fragment = false;
	ip->in_icmp_error = d->quote;
	ip->df = false;
	ip->id = 0;
	ip->off = off;
	ip->l4 = -1;
	return ip;
}

/* Walks IPv4 options only to validate their lengths. */
static void ipv4_options(struct dctx *d, uint32_t off, uint32_t hl)
{
	struct cursor c;

	dx_cursor(d, &c, off + 20, off + hl);
	while (cur_left(&c) > 0) {
		uint8_t kind = cur_u8(&c);
		if (kind == 0)
			return; /* end of list */
		if (kind == 1)
			continue; /* no-op */
		uint8_t len = cur_u8(&c);
		if (c.err || len < 2 || len - 2u > cur_left(&c)) {
			dx_anom(d, PA_BAD_OPTION, PP_IPV4,
				off + 20 + (uint32_t)c.off);
			return;
		}
		cur_skip(&c, len - 2u);
	}
}

void dec_ipv4(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	const uint8_t *b = cur_peek(&c, 1);
	if (!b) {
		dx_short(d, PP_IPV4, off, 20, end, wend);
		return;
	}
	uint8_t vihl = b[0];
	if ((vihl >> 4) != 4 || (vihl & 0xf) < 5) {
		dx_anom(d, PA_MALFORMED, PP_IPV4, off);
		return;
	}
	uint32_t hl = (vihl & 0xfu) * 4u;
	/* One bounds check for the fixed header, then plain loads. */
	const uint8_t *h = cur_take(&c, 20);
	if (!h) {
		dx_short(d, PP_IPV4, off, 20, end, wend);
		return;
	}
	uint32_t tl = ld_be16(h + 2);
	uint16_t id = ld_be16(h + 4);
	uint16_t frag = ld_be16(h + 6);
	uint8_t ttl = h[8];
	uint8_t proto = h[9];
	/* 10-11: checksum, not validated */
	const uint8_t *src = h + 12;
	const uint8_t *dst = h + 16;
	struct pkt_ip *ip = ip_new(d, PP_IPV4, off);
	if (!ip)
		return;
	ip->ver = 4;
	ip->proto = proto;
	ip->ttl = ttl;
	ip->id = id;
	ip->df = frag & 0x4000;
	memcpy(ip->src, src, 4);
	memset(ip->src + 4, 0, 12);
	memcpy(ip->dst, dst, 4);
	memset(ip->dst + 4, 0, 12);
	ip->hdr_len = hl;
	ip->payload_len = 0;
	if (!dx_layer(d, PP_IPV4, off, hl))
		return;
	if (off + hl > end) {
		dx_short(d, PP_IPV4, off, hl, end, wend);
		return;
	}

	/* Total length 0: TSO/GSO capture (or BIG TCP), use the frame. */
	if (tl == 0)
		tl = wend - off;
	if (tl < hl) {
		dx_anom(d, PA_MALFORMED, PP_IPV4, off);
		return;
	}
	uint32_t ipwend = off + tl;
	if (ipwend > wend) {
		/* Quotes are short by design; elsewhere the claim is false. */
		if (!d->quote)
			dx_anom(d, PA_BAD_LENGTH, PP_IPV4, off);
		ipwend = wend;
	}
	/* A quote keeps the claimed length: it names the original datagram. */
	ip->payload_len = (d->quote ? off + tl : ipwend) - off - hl;
	if (hl > 20)
		ipv4_options(d, off, hl);

	uint16_t foff = frag & 0x1fff;
	if ((frag & 0x2000) || foff) {
		ip->fragment = true;
		ip->first_fragment = foff == 0;
		dx_anom(d, PA_IP_FRAGMENT, PP_IPV4, off);
		if (foff)
			return; /* no transport header in later fragments */
	}
	dec_ip_proto(d, proto, off + hl, dx_min(end, ipwend), ipwend);
}

void dec_ipv6(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint32_t vtf = cur_be32(&c);
	uint32_t plen = cur_be16(&c);
	uint8_t nh = cur_u8(&c);
	uint8_t hlim = cur_u8(&c);
	const uint8_t *src = cur_take(&c, 16);
	const uint8_t *dst = cur_take(&c, 16);
	if (c.err) {
		if (cur_left(&c) == 0 && end > off && (d->data[off] >> 4) != 6)
			dx_anom(d, PA_MALFORMED, PP_IPV6, off);
		else
			dx_short(d, PP_IPV6, off, 40, end, wend);
		return;
	}
	if ((vtf >> 28) != 6) {
		dx_anom(d, PA_MALFORMED, PP_IPV6, off);
		return;
	}
	struct pkt_ip *ip = ip_new(d, PP_IPV6, off);
	if (!ip)
		return;
	ip->ver = 6;
	ip->ttl = hlim;
	memcpy(ip->src, src, 16);
	memcpy(ip->dst, dst, 16);

	/* Payload length 0: jumbogram or segmentation offload. */
	uint32_t ipwend = plen ? off + 40 + plen : wend;
	uint32_t claimed = ipwend;
	if (ipwend > wend) {
		if (!d->quote)
			dx_anom(d, PA_BAD_LENGTH, PP_IPV6, off);
		ipwend = wend;
	}
	uint32_t iend = dx_min(end, ipwend);

	/* Extension headers: each says its own length, checked as it goes. */
	uint32_t p = off + 40;
	bool later_fragment = false;
	bool ok = true;
	while (dx_ipv6_is_ext(nh)) {
		struct cursor e;
		dx_cursor(d, &e, p, iend);
		uint8_t next = cur_u8(&e);
		uint8_t elen = cur_u8(&e);
		uint32_t len;
		if (nh == IPPROTO_FRAGMENT_)
			len = 8;
		else if (nh == IPPROTO_AH_)
			len = ((uint32_t)elen + 2) * 4;
		else
			len = ((uint32_t)elen + 1) * 8;
		if (e.err || p + len > iend) {
			dx_short(d, PP_IPV6, p, len, iend, ipwend);
			ok = false;
			break;
		}
		if (nh == IPPROTO_FRAGMENT_) {
			uint16_t fo = cur_be16(&e);
			uint32_t fid = cur_be32(&e);
			uint16_t foff = fo >> 3;
			/* Atomic fragments (offset 0, no M) are whole. */
			if (foff || (fo & 1)) {
				ip->fragment = true;
				ip->first_fragment = foff == 0;
				ip->id = (uint16_t)fid;
				dx_anom(d, PA_IP_FRAGMENT, PP_IPV6, p);
				later_fragment = foff != 0;
			}
		}
		p += len;
		nh = next;
	}
	ip->proto = nh;
	ip->hdr_len = p - off;
	uint32_t pend = d->quote ? claimed : ipwend;
	ip->payload_len = pend > p ? pend - p : 0;
	if (!dx_layer(d, PP_IPV6, off, p - off))
		return;
	if (!ok || later_fragment || nh == IPPROTO_NONE_)
		return;
	dec_ip_proto(d, nh, p, iend, ipwend);
}

void dec_ip_proto(struct dctx *d, uint8_t proto, uint32_t off, uint32_t end,
		  uint32_t wend)
{
	switch (proto) {
	case IPPROTO_TCP_:
		dec_tcp(d, off, end, wend);
		break;
	case IPPROTO_UDP_:
		dec_udp(d, off, end, wend);
		break;
	case IPPROTO_ICMP_:
		dec_icmp(d, false, off, end, wend);
		break;
	case IPPROTO_ICMPV6_:
		dec_icmp(d, true, off, end, wend);
		break;
	case IPPROTO_IPIP_:
	case IPPROTO_IPV6_:
		if (!dx_enter(d, proto == IPPROTO_IPIP_ ? PP_IPV4 : PP_IPV6,
			      off))
			return;
		d->pkt->tunnels |= PT_IPIP;
		if (proto == IPPROTO_IPIP_)
			dec_ipv4(d, off, end, wend);
		else
			dec_ipv6(d, off, end, wend);
		break;
	case IPPROTO_GRE_:
		/* GRE also gets an l4 entry: a conversation of its own. */
		dx_l4(d, proto, off);
		dec_gre(d, off, end, wend);
		break;
	case IPPROTO_MPLS_:
		dec_mpls(d, off, end, wend);
		break;
	default:
		dec_other_l4(d, proto, off, end, wend);
		break;
	}
}

void dec_ip_by_version(struct dctx *d, uint32_t off, uint32_t end,
		       uint32_t wend)
{
	if (end <= off) {
		if (off < wend)
			dx_short(d, PP_IPV4, off, 1, end, wend);
		return;
	}
	switch (d->data[off] >> 4) {
	case 4:
		dec_ipv4(d, off, end, wend);
		break;
	case 6:
		dec_ipv6(d, off, end, wend);
		break;
	default:
		break;
	}
}

void dec_arp(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	cur_skip(&c, 4); /* hardware type, protocol type */
	uint8_t hlen = cur_u8(&c);
	uint8_t plen = cur_u8(&c);
	cur_skip(&c, 2); /* operation */
	uint32_t len = 8 + 2u * ((uint32_t)hlen + plen);
	d->pkt->arp = true;
	if (c.err || off + len > end) {
		dx_short(d, PP_ARP, off, c.err ? 8 : len, end, wend);
		return;
	}
	dx_layer(d, PP_ARP, off, len);
}
