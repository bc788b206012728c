// SPDX-License-Identifier: MIT
/* Link layers: Ethernet, VLAN tags, MPLS, Linux cooked, loopback, NFLOG, PPP. */
#include "decode/decode_int.h"

enum {
	ETH_IPV4 = 0x0800,
	ETH_ARP = 0x0806,
	ETH_RARP = 0x8035,
	ETH_TEB = 0x6558, /* transparent Ethernet bridging */
	ETH_VLAN = 0x8100,
	ETH_QINQ = 0x88a8,
	ETH_QINQ_OLD1 = 0x9100,
	ETH_QINQ_OLD2 = 0x9200,
	ETH_IPV6 = 0x86dd,
	ETH_PPP = 0x880b,
	ETH_MPLS = 0x8847,
	ETH_MPLS_MC = 0x8848,
	ETH_PPPOE_SESS = 0x8864,
	ETH_CMD = 0x8909, /* Cisco metadata */
};

void dec_ethertype(struct dctx *d, uint16_t type, uint32_t off, uint32_t end,
		   uint32_t wend)
{
	struct cursor c;

	switch (type) {
	case ETH_IPV4:
		dec_ipv4(d, off, end, wend);
		break;
	case ETH_IPV6:
		dec_ipv6(d, off, end, wend);
		break;
	case ETH_ARP:
	case ETH_RARP:
		dec_arp(d, off, end, wend);
		break;
	case ETH_VLAN:
	case ETH_QINQ:
	case ETH_QINQ_OLD1:
	case ETH_QINQ_OLD2: {
		dx_cursor(d, &c, off, end);
		(void)cur_be16(&c); /* PCP, DEI, VLAN id */
		uint16_t next = cur_be16(&c);
		if (c.err) {
			dx_short(d, PP_VLAN, off, 4, end, wend);
			return;
		}
		if (!dx_layer(d, PP_VLAN, off, 4))
			return;
		d->pkt->tunnels |= PT_VLAN;
		if (next < 0x0600)
			dec_llc(d, off + 4, end, wend);
		else
			dec_ethertype(d, next, off + 4, end, wend);
		break;
	}
	case ETH_MPLS:
	case ETH_MPLS_MC:
		dec_mpls(d, off, end, wend);
		break;
	case ETH_TEB:
		if (dx_enter(d, PP_ETH, off))
			dec_ethernet(d, off, end, wend);
		break;
	case ETH_PPPOE_SESS: {
		dx_cursor(d, &c, off, end);
		cur_skip(&c, 4); /* ver/type, code, session id */
		uint16_t len = cur_be16(&c);
		if (c.err) {
			dx_short(d, PP_PPP, off, 6, end, wend);
			return;
		}
		uint32_t pend = off + 6 + (uint32_t)len;
		if (pend > wend) {
			dx_anom(d, PA_BAD_LENGTH, PP_PPP, off);
			pend = wend;
		}
		dec_ppp(d, off + 6, dx_min(end, pend), pend);
		break;
	}
	case ETH_PPP:
		dec_ppp(d, off, end, wend);
		break;
	case ETH_CMD: {
		/* Version, length, option type, SGT, then the ethertype. */
		dx_cursor(d, &c, off, end);
		cur_skip(&c, 6);
		uint16_t next = cur_be16(&c);
		if (c.err) {
			dx_short(d, PP_CMD, off, 8, end, wend);
			return;
		}
		if (dx_layer(d, PP_CMD, off, 8))
			dec_ethertype(d, next, off + 8, end, wend);
		break;
	}
	default:
		break; /* not a protocol we follow: the frame just ends here */
	}
}

void dec_ethernet(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	cur_skip(&c, 12); /* destination, source */
	uint16_t type = cur_be16(&c);
	if (c.err) {
		dx_short(d, PP_ETH, off, 14, end, wend);
		return;
	}
	if (!dx_layer(d, PP_ETH, off, 14))
		return;
	if (type >= 0x0600) {
		dec_ethertype(d, type, off + 14, end, wend);
		return;
	}
	/* 802.3 length field: what follows is LLC, the rest is padding. */
	uint32_t lend = off + 14 + type;
	if (lend < wend)
		wend = lend;
	dec_llc(d, off + 14, dx_min(end, wend), wend);
}

void dec_mpls(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;
	uint32_t entry;

	if (!dx_enter(d, PP_MPLS, off))
		return;
	dx_cursor(d, &c, off, end);
	/* Label stack entries until the bottom-of-stack bit. */
	do {
		entry = cur_be32(&c);
	} while (!c.err && !(entry & 0x100));
	if (c.err) {
		dx_short(d, PP_MPLS, off, (uint32_t)c.off + 4, end, wend);
		return;
	}
	uint32_t hl = (uint32_t)c.off;
	if (!dx_layer(d, PP_MPLS, off, hl))
		return;
	d->pkt->tunnels |= PT_MPLS;
	off += hl;

	/* No next-protocol field: guess from the first nibble. */
	const uint8_t *b = cur_peek(&c, 1);
	if (!b) {
		if (off < wend)
			dx_short(d, PP_MPLS, off, 1, end, wend);
		return;
	}
	switch (b[0] >> 4) {
	case 4:
	case 6:
		dec_ip_by_version(d, off, end, wend);
		break;
	case 0:
		/* Ethernet pseudowire behind a control word (RFC 4448). */
		if (!cur_has(&c, 4 + 14))
			return;
		if (dx_layer(d, PP_PWCW, off, 4))
			dec_ethernet(d, off + 4, end, wend);
		break;
	default:
		break;
	}
}

void dec_sll(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	cur_skip(&c, 2); /* packet type */
	uint16_t hatype = cur_be16(&c);
	cur_skip(&c, 10); /* address length, address */
	uint16_t proto = cur_be16(&c);
	if (c.err) {
		dx_short(d, PP_SLL, off, 16, end, wend);
		return;
	}
	if (!dx_layer(d, PP_SLL, off, 16))
		return;
	if (hatype == 824) /* ARPHRD_NETLINK: not a network packet */
		return;
	if (proto == 0x0004)
		dec_llc(d, off + 16, end, wend);
	else if (proto >= 0x0600)
		dec_ethertype(d, proto, off + 16, end, wend);
}

void dec_sll2(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint16_t proto = cur_be16(&c);
	cur_skip(&c, 6); /* reserved, interface index */
	uint16_t hatype = cur_be16(&c);
	cur_skip(&c, 10); /* packet type, address length, address */
	if (c.err) {
		dx_short(d, PP_SLL2, off, 20, end, wend);
		return;
	}
	if (!dx_layer(d, PP_SLL2, off, 20))
		return;
	if (hatype == 824)
		return;
	if (proto == 0x0004)
		dec_llc(d, off + 20, end, wend);
	else if (proto >= 0x0600)
		dec_ethertype(d, proto, off + 20, end, wend);
}

void dec_null(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend,
	      bool big_endian_only)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint32_t fam = big_endian_only ? cur_be32(&c) : cur_le32(&c);
	if (c.err) {
		dx_short(d, PP_NULL, off, 4, end, wend);
		return;
	}
	/* The family is in the writer's byte order: small values are real. */
	if (fam > 0xffff)
		fam = __builtin_bswap32(fam);
	if (!dx_layer(d, PP_NULL, off, 4))
		return;
	switch (fam) {
	case 2:
		dec_ipv4(d, off + 4, end, wend);
		break;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* Darwin */
		dec_ipv6(d, off + 4, end, wend);
		break;
	default:
		break;
	}
}

void dec_nflog(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint8_t family = cur_u8(&c);
	cur_skip(&c, 3); /* version, resource id */
	if (c.err) {
		dx_short(d, PP_NFLOG, off, 4, end, wend);
		return;
	}
	/* TLVs in host order of the capturing machine (little-endian here). */
	while (cur_has(&c, 4)) {
		uint32_t toff = off + (uint32_t)c.off;
		uint16_t tlen = cur_le16(&c);
		uint16_t type = cur_le16(&c);
		if (tlen < 4) {
			dx_anom(d, PA_MALFORMED, PP_NFLOG, toff);
			return;
		}
		uint32_t vlen = tlen - 4u;
		if (type == 9) { /* NFULA_PAYLOAD */
			uint32_t poff = toff + 4;
			uint32_t pend = poff + vlen;
			if (pend > wend) {
				dx_anom(d, PA_BAD_LENGTH, PP_NFLOG, toff);
				pend = wend;
			}
			if (!dx_layer(d, PP_NFLOG, off, poff - off))
				return;
			if (family == 2)
				dec_ipv4(d, poff, dx_min(end, pend), pend);
			else if (family == 10)
				dec_ipv6(d, poff, dx_min(end, pend), pend);
			else
				dec_ip_by_version(d, poff, dx_min(end, pend),
						  pend);
			return;
		}
		/* Values are padded to 4 bytes. */
		uint32_t skip = (vlen + 3u) & ~3u;
		if (!cur_has(&c, skip)) {
			dx_short(d, PP_NFLOG, toff, 4 + skip, end, wend);
			return;
		}
		cur_skip(&c, skip);
	}
	dx_layer(d, PP_NFLOG, off, (uint32_t)c.off);
}

void dec_raw(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	if (end <= off) {
		dx_short(d, PP_IPV4, off, 1, end, wend);
		return;
	}
	uint8_t v = d->data[off] >> 4;
	if (v == 4 || v == 6)
		dec_ip_by_version(d, off, end, wend);
	else
		dx_anom(d, PA_MALFORMED, PP_IPV4, off);
}

void dec_ppp(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;
	uint16_t proto;

	dx_cursor(d, &c, off, end);
	const uint8_t *b = cur_peek(&c, 2);
	if (b && b[0] == 0xff && b[1] == 0x03)
		cur_skip(&c, 2); /* HDLC address and control */
	b = cur_peek(&c, 1);
	if (b && (b[0] & 1)) /* protocol field compression: one byte */
		proto = cur_u8(&c);
	else
		proto = cur_be16(&c);
	if (c.err) {
		dx_short(d, PP_PPP, off, (uint32_t)c.off + 2, end, wend);
		return;
	}
	uint32_t hl = (uint32_t)c.off;
	if (!dx_layer(d, PP_PPP, off, hl))
		return;
	switch (proto) {
	case 0x0021:
		dec_ipv4(d, off + hl, end, wend);
		break;
	case 0x0057:
		dec_ipv6(d, off + hl, end, wend);
		break;
	case 0x0281:
		dec_mpls(d, off + hl, end, wend);
		break;
	default:
		break;
	}
}
