// SPDX-License-Identifier: MIT
/* Transport layer: TCP (all options), UDP (port dispatch), ICMP/ICMPv6 errors. */
#include <string.h>

#include "decode/decode_int.h"

enum {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WSCALE = 3,
	TCPOPT_SACK_PERM = 4,
	TCPOPT_SACK = 5,
	TCPOPT_TS = 8,
};

struct pkt_l4 *dx_l4(struct dctx *d, uint8_t proto, uint32_t off)
{
	struct packet *pkt = d->pkt;

	if (pkt->n_l4 >= PKT_MAX_L4) {
		dx_too_deep(d, PL_L4, PP_OTHER_L4, off);
		return NULL;
	}
	uint8_t idx = pkt->n_l4++;
	struct pkt_l4 *l4 = &pkt->l4[idx];
	l4->proto = proto;
	l4->ip = d->cur_ip >= 0 ? (uint8_t)d->cur_ip : 0;
	l4->in_icmp_error = d->quote;
	l4->truncated = false;
	l4->sport = 0;
	l4->dport = 0;
	l4->off = off;
	l4->hdr_len = 0;
	l4->payload_len = 0;
	l4->payload_off = off;
	l4->payload_cap = 0;
	memset(&l4->u, 0, sizeof(l4->u));
	if (d->cur_ip >= 0 && pkt->ip[d->cur_ip].l4 < 0)
		pkt->ip[d->cur_ip].l4 = (int8_t)idx;
	return l4;
}

/* Transport bytes the enclosing IP header claims from off on. */
static uint32_t ip_claim(const struct dctx *d, uint32_t off, uint32_t wend)
{
	if (d->cur_ip < 0)
		return wend > off ? wend - off : 0;
	const struct pkt_ip *ip = &d->pkt->ip[d->cur_ip];
	uint32_t start = ip->off + ip->hdr_len;
	uint32_t skip = off > start ? off - start : 0;
	return ip->payload_len > skip ? ip->payload_len - skip : 0;
}

static bool cur_ip_fragment(const struct dctx *d)
{
	return d->cur_ip >= 0 && d->pkt->ip[d->cur_ip].fragment;
}

static void tcp_bad_option(struct dctx *d, struct pkt_tcp *t, uint32_t off)
{
	t->opts_bad = true;
	dx_anom(d, PA_BAD_OPTION, PP_TCP, off);
}

/*
 * Options live in [off, hend) by the data offset; only [off, cend) was
 * captured. A length past hend is impossible (bad option); one past cend
 * was merely cut (the header is already flagged truncated).
 */
void dx_tcp_options(struct dctx *d, struct pkt_tcp *t, uint32_t off,
		    uint32_t hend, uint32_t cend)
{
	struct cursor c;

	dx_cursor(d, &c, off, cend);
	/* The usual layout (NOP, NOP, timestamps) without the general walk. */
	const uint8_t *o12 = cur_peek(&c, 12);
	if (o12 && cur_left(&c) == 12 && hend == cend && o12[0] == TCPOPT_NOP &&
	    o12[1] == TCPOPT_NOP && o12[2] == TCPOPT_TS && o12[3] == 10) {
		t->has_ts = true;
		t->tsval = ld_be32(o12 + 4);
		t->tsecr = ld_be32(o12 + 8);
		return;
	}
	while (cur_left(&c) > 0) {
		uint32_t ooff = off + (uint32_t)c.off;
		uint8_t kind = cur_u8(&c);
		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP)
			continue;
		if (ooff + 2 > hend) {
			tcp_bad_option(d, t, ooff);
			return;
		}
		uint8_t len = cur_u8(&c);
		if (c.err)
			return; /* cut by the snaplen */
		if (len < 2 || ooff + len > hend) {
			tcp_bad_option(d, t, ooff);
			return;
		}
		struct cursor o = cur_sub(&c, len - 2u);
		if (o.err)
			return; /* cut by the snaplen */
		switch (kind) {
		case TCPOPT_MSS:
			if (len != 4)
				goto bad;
			t->has_mss = true;
			t->mss = cur_be16(&o);
			break;
		case TCPOPT_WSCALE: {
			if (len != 3)
				goto bad;
			/* RFC 7323: shifts above 14 are treated as 14. */
			uint8_t s = cur_u8(&o);
			t->wscale = (int8_t)(s > 14 ? 14 : s);
			break;
		}
		case TCPOPT_SACK_PERM:
			if (len != 2)
				goto bad;
			t->sack_perm = true;
			break;
		case TCPOPT_SACK: {
			uint32_t n = (len - 2u) / 8;
			if ((len - 2u) % 8 || n == 0)
				goto bad;
			for (uint32_t i = 0; i < n; i++) {
				uint32_t l = cur_be32(&o);
				uint32_t r = cur_be32(&o);
				if (t->n_sack < PKT_MAX_SACK) {
					t->sack[t->n_sack][0] = l;
					t->sack[t->n_sack][1] = r;
					t->n_sack++;
				}
			}
			break;
		}
		case TCPOPT_TS:
			if (len != 10)
				goto bad;
			t->has_ts = true;
			t->tsval = cur_be32(&o);
			t->tsecr = cur_be32(&o);
			break;
		default:
			break; /* others are skipped by their length */
		}
		continue;
bad:
		tcp_bad_option(d, t, ooff);
		return;
	}
}

/* Fewer than 20 bytes: quotes usually stop after the sequence number. */
static void dec_tcp_short(struct dctx *d, uint32_t off, uint32_t end,
			  uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint16_t sport = cur_be16(&c);
	uint16_t dport = cur_be16(&c);
	if (c.err) {
		dx_short(d, PP_TCP, off, 20, end, wend);
		return;
	}
	struct pkt_l4 *l4 = dx_l4(d, 6, off);
	if (!l4)
		return;
	struct pkt_tcp *t = &l4->u.tcp;
	l4->sport = sport;
	l4->dport = dport;
	t->wscale = -1;
	/* Keep what is there; reads past the end give 0. */
	t->seq = cur_be32(&c);
	t->ack = cur_be32(&c);
	cur_skip(&c, 2); /* data offset, flags */
	t->win = cur_be16(&c);
	uint32_t have = end - off;
	l4->hdr_len = have;
	l4->payload_off = end;
	dx_layer(d, PP_TCP, off, have);
	dx_short(d, PP_TCP, off, 20, end, wend);
}

void dec_tcp(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	/* One bounds check for the fixed header, then plain loads. */
	const uint8_t *h = cur_take(&c, 20);
	if (!h) {
		dec_tcp_short(d, off, end, wend);
		return;
	}
	struct pkt_l4 *l4 = dx_l4(d, 6, off);
	if (!l4)
		return;
	struct pkt_tcp *t = &l4->u.tcp;
	l4->sport = ld_be16(h);
	l4->dport = ld_be16(h + 2);
	t->wscale = -1;
	t->seq = ld_be32(h + 4);
	t->ack = ld_be32(h + 8);
	uint8_t b12 = h[12];
	uint8_t b13 = h[13];
	t->win = ld_be16(h + 14);
	/* 16-19: checksum, urgent pointer */
	t->flags = (uint16_t)(((b12 & 1u) << 8) | b13);
	uint32_t hl = (uint32_t)(b12 >> 4) * 4u;
	t->hdr_len = (uint8_t)hl;
	uint32_t claim = ip_claim(d, off, wend);
	if (hl < 20 || (hl > claim && !d->quote && !cur_ip_fragment(d))) {
		l4->hdr_len = 20;
		l4->payload_off = off + 20;
		dx_layer(d, PP_TCP, off, 20);
		dx_anom(d, PA_MALFORMED, PP_TCP, off);
		return;
	}
	l4->hdr_len = hl;
	l4->payload_off = off + hl;
	l4->payload_len = claim > hl ? claim - hl : 0;
	dx_layer(d, PP_TCP, off, hl);
	uint32_t cend = dx_min(end, off + hl);
	if (hl > 20)
		dx_tcp_options(d, t, off + 20, off + hl, cend);
	if (cend < off + hl) {
		dx_short(d, PP_TCP, off, hl, end, wend);
		l4->payload_cap = 0;
		l4->truncated = l4->payload_len > 0;
		return;
	}
	dx_set_payload(l4, end);
}

void dec_udp(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint16_t sport = cur_be16(&c);
	uint16_t dport = cur_be16(&c);
	if (c.err) {
		dx_short(d, PP_UDP, off, 8, end, wend);
		return;
	}
	struct pkt_l4 *l4 = dx_l4(d, 17, off);
	if (!l4)
		return;
	l4->sport = sport;
	l4->dport = dport;
	uint32_t ulen = cur_be16(&c);
	cur_skip(&c, 2); /* checksum */
	if (c.err) {
		l4->hdr_len = end - off;
		l4->payload_off = end;
		dx_layer(d, PP_UDP, off, end - off);
		dx_short(d, PP_UDP, off, 8, end, wend);
		return;
	}
	l4->hdr_len = 8;
	l4->payload_off = off + 8;
	dx_layer(d, PP_UDP, off, 8);
	uint32_t claim = ip_claim(d, off, wend);
	bool frag = cur_ip_fragment(d);
	if (ulen == 0 && claim > 0xffff)
		ulen = claim; /* jumbogram / GSO: the IP length rules */
	if (ulen < 8) {
		dx_anom(d, PA_MALFORMED, PP_UDP, off);
		return;
	}
	uint32_t uwend = off + ulen;
	if (ulen > claim && !d->quote && !frag) {
		dx_anom(d, PA_BAD_LENGTH, PP_UDP, off);
		uwend = off + claim;
	}
	if (uwend > wend)
		uwend = wend;
	/* The 8 header bytes were read, but a claim below them must not wrap. */
	if (uwend < off + 8)
		uwend = off + 8;
	l4->payload_len = (d->quote || frag ? off + ulen : uwend) - off - 8;
	dx_set_payload(l4, dx_min(end, uwend));
	if (d->quote || frag)
		return; /* no tunnels inside quotes or partial datagrams */

	enum udp_tunnel k = dx_udp_port_kind(dport);
	if (k == UT_NONE)
		k = dx_udp_port_kind(sport);
	uint32_t poff = off + 8, pend = dx_min(end, uwend);
	switch (k) {
	case UT_VXLAN:
		dec_vxlan(d, poff, pend, uwend);
		break;
	case UT_GENEVE:
		dec_geneve(d, poff, pend, uwend);
		break;
	case UT_GRE:
		dec_gre(d, poff, pend, uwend);
		break;
	case UT_GTPU:
		dec_gtpu(d, poff, pend, uwend);
		break;
	case UT_TEREDO:
		(void)dec_teredo(d, poff, pend, uwend);
		break;
	case UT_NONE:
		break;
	}
}

static bool icmp_is_error(bool v6, uint8_t type)
{
	if (v6)
		return type >= 1 && type <= 4;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

void dec_icmp(struct dctx *d, bool v6, uint32_t off, uint32_t end,
	      uint32_t wend)
{
	struct cursor c;
	enum pkt_proto pp = v6 ? PP_ICMP6 : PP_ICMP;

	dx_cursor(d, &c, off, end);
	uint8_t type = cur_u8(&c);
	uint8_t code = cur_u8(&c);
	cur_skip(&c, 2); /* checksum */
	uint16_t w1 = cur_be16(&c);
	uint16_t w2 = cur_be16(&c);
	if (c.err) {
		dx_short(d, pp, off, 8, end, wend);
		return;
	}
	struct pkt_l4 *l4 = dx_l4(d, v6 ? 58 : 1, off);
	if (!l4)
		return;
	struct pkt_icmp *ic = &l4->u.icmp;
	ic->type = type;
	ic->code = code;
	ic->is_error = icmp_is_error(v6, type);
	if (!v6 && type == 3 && code == 4)
		ic->mtu = w2; /* fragmentation needed: next-hop MTU */
	else if (v6 && type == 2)
		ic->mtu = ((uint32_t)w1 << 16) | w2;
	if ((!v6 && (type == 0 || type == 8)) ||
	    (v6 && (type == 128 || type == 129))) {
		ic->echo_id = w1;
		ic->echo_seq = w2;
	}
	l4->hdr_len = 8;
	l4->payload_off = off + 8;
	uint32_t claim = ip_claim(d, off, wend);
	l4->payload_len = claim > 8 ? claim - 8 : 0;
	dx_set_payload(l4, end);
	if (!dx_layer(d, pp, off, 8))
		return;
	/* Errors about errors are not sent (RFC 1122), so no nested quotes. */
	if (!ic->is_error || d->quote || cur_ip_fragment(d))
		return;
	if (off + 8 >= end) {
		if (end < wend) /* the snaplen took the quote */
			dx_anom(d, PA_TRUNCATED, pp, off);
		return;
	}
	if (!dx_enter(d, pp, off))
		return;
	d->quote = true;
	dec_ip_by_version(d, off + 8, end, wend);
	d->quote = false;
}

void dec_other_l4(struct dctx *d, uint8_t proto, uint32_t off, uint32_t end,
		  uint32_t wend)
{
	struct pkt_l4 *l4 = dx_l4(d, proto, off);
	if (!l4)
		return;
	enum pkt_proto pp = PP_OTHER_L4;
	uint32_t hl = 0;
	if (proto == 132) { /* SCTP: ports first, 12-byte common header */
		struct cursor c;
		dx_cursor(d, &c, off, end);
		uint16_t sp = cur_be16(&c);
		uint16_t dp = cur_be16(&c);
		cur_skip(&c, 8);
		if (!c.err) {
			l4->sport = sp;
			l4->dport = dp;
			hl = 12;
		}
		pp = PP_SCTP;
	} else if (proto == 2) {
		pp = PP_IGMP;
	}
	uint32_t claim = ip_claim(d, off, wend);
	l4->hdr_len = hl;
	l4->payload_off = off + hl;
	l4->payload_len = claim > hl ? claim - hl : 0;
	dx_set_payload(l4, end);
	dx_layer(d, pp, off, hl);
}
