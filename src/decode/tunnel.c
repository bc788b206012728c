// SPDX-License-Identifier: MIT
/* Tunnels: GRE (ERSPAN, Aruba 802.11, TEB), VXLAN, Geneve, GTP-U, Teredo. */
#include "decode/decode_int.h"

enum {
	GRE_C = 0x8000,
	GRE_R = 0x4000,
	GRE_K = 0x2000,
	GRE_S = 0x1000,
	GRE_A = 0x0080, /* version 1 (PPTP): acknowledgment present */
	GRE_VER = 0x0007,
	GRE_P_TEB = 0x6558,
	GRE_P_ERSPAN2 = 0x88be,
	GRE_P_ERSPAN3 = 0x22eb,
	GRE_P_ARUBA = 0x8200,
	GRE_P_ARUBA2 = 0x8210,
	GRE_P_CMD = 0x8909,
	GRE_P_PPP = 0x880b,
};

/* ERSPAN type II (8 bytes) or III (12, +8 platform subheader), then Ethernet. */
static void dec_erspan(struct dctx *d, bool v3, uint32_t off, uint32_t end,
		       uint32_t wend)
{
	struct cursor c;
	uint32_t hl = v3 ? 12 : 8;
	bool ether = true;

	dx_cursor(d, &c, off, end);
	const uint8_t *h = cur_take(&c, hl);
	if (!h) {
		dx_short(d, PP_ERSPAN, off, hl, end, wend);
		return;
	}
	if (v3) {
		if (h[11] & 1) /* O: optional platform-specific subheader */
			hl += 8;
		/* Frame type: 0 Ethernet, 2 IP. */
		ether = ((h[10] >> 2) & 0x1f) == 0;
		if (off + hl > end) {
			dx_short(d, PP_ERSPAN, off, hl, end, wend);
			return;
		}
	}
	if (!dx_layer(d, PP_ERSPAN, off, hl))
		return;
	d->pkt->tunnels |= PT_ERSPAN;
	if (ether)
		dec_ethernet(d, off + hl, end, wend);
	else
		dec_ip_by_version(d, off + hl, end, wend);
}

void dec_gre(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	if (!dx_enter(d, PP_GRE, off))
		return;
	dx_cursor(d, &c, off, end);
	uint16_t flags = cur_be16(&c);
	uint16_t proto = cur_be16(&c);
	if (c.err) {
		dx_short(d, PP_GRE, off, 4, end, wend);
		return;
	}
	uint8_t ver = flags & GRE_VER;
	if (ver > 1) {
		dx_anom(d, PA_MALFORMED, PP_GRE, off);
		return;
	}
	if (flags & (GRE_C | GRE_R))
		cur_skip(&c, 4); /* checksum and offset */
	if (flags & GRE_K)
		cur_skip(&c, 4); /* key (v1: payload length, call id) */
	if (flags & GRE_S)
		cur_skip(&c, 4); /* sequence number */
	if (ver == 1 && (flags & GRE_A))
		cur_skip(&c, 4); /* acknowledgment number */
	if (!c.err && (flags & GRE_R)) {
		/* RFC 1701 source routing entries, ended by a zero length. */
		for (;;) {
			cur_skip(&c, 3); /* address family, SRE offset */
			uint8_t l = cur_u8(&c);
			if (c.err || l == 0)
				break;
			cur_skip(&c, l);
		}
	}
	if (c.err) {
		dx_short(d, PP_GRE, off, (uint32_t)c.off + 4, end, wend);
		return;
	}
	uint32_t hl = (uint32_t)c.off;
	if (!dx_layer(d, PP_GRE, off, hl))
		return;
	d->pkt->tunnels |= PT_GRE;
	off += hl;

	switch (proto) {
	case GRE_P_TEB:
		dec_ethernet(d, off, end, wend);
		break;
	case GRE_P_ERSPAN2:
		/* Type I has no sequence number and no ERSPAN header. */
		if (flags & GRE_S)
			dec_erspan(d, false, off, end, wend);
		else
			dec_ethernet(d, off, end, wend);
		break;
	case GRE_P_ERSPAN3:
		dec_erspan(d, true, off, end, wend);
		break;
	case GRE_P_ARUBA:
	case GRE_P_ARUBA2:
		/* Aruba controllers send bare 802.11 frames (no FCS). */
		dec_80211(d, off, end, wend);
		break;
	case GRE_P_CMD: {
		/* In GRE the Cisco metadata header leads with the ethertype. */
		struct cursor m;
		dx_cursor(d, &m, off, end);
		uint16_t next = cur_be16(&m);
		cur_skip(&m, 6);
		if (m.err) {
			dx_short(d, PP_CMD, off, 8, end, wend);
			return;
		}
		if (dx_layer(d, PP_CMD, off, 8))
			dec_ethertype(d, next, off + 8, end, wend);
		break;
	}
	case GRE_P_PPP:
		dec_ppp(d, off, end, wend);
		break;
	default:
		dec_ethertype(d, proto, off, end, wend);
		break;
	}
}

void dec_vxlan(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	if (!dx_enter(d, PP_VXLAN, off))
		return;
	dx_cursor(d, &c, off, end);
	cur_skip(&c, 8); /* flags, reserved, VNI, reserved */
	if (c.err) {
		dx_short(d, PP_VXLAN, off, 8, end, wend);
		return;
	}
	if (!dx_layer(d, PP_VXLAN, off, 8))
		return;
	d->pkt->tunnels |= PT_VXLAN;
	dec_ethernet(d, off + 8, end, wend);
}

void dec_geneve(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	if (!dx_enter(d, PP_GENEVE, off))
		return;
	dx_cursor(d, &c, off, end);
	uint8_t vo = cur_u8(&c);
	cur_skip(&c, 1); /* flags */
	uint16_t proto = cur_be16(&c);
	cur_skip(&c, 4); /* VNI, reserved */
	if (c.err) {
		dx_short(d, PP_GENEVE, off, 8, end, wend);
		return;
	}
	if (vo >> 6) { /* only version 0 exists */
		dx_anom(d, PA_MALFORMED, PP_GENEVE, off);
		return;
	}
	uint32_t hl = 8 + (vo & 0x3fu) * 4u;
	if (off + hl > end) {
		dx_short(d, PP_GENEVE, off, hl, end, wend);
		return;
	}
	if (!dx_layer(d, PP_GENEVE, off, hl))
		return;
	d->pkt->tunnels |= PT_GENEVE;
	if (proto == GRE_P_TEB)
		dec_ethernet(d, off + hl, end, wend);
	else
		dec_ethertype(d, proto, off + hl, end, wend);
}

void dec_gtpu(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	if (!dx_enter(d, PP_GTPU, off))
		return;
	dx_cursor(d, &c, off, end);
	uint8_t flags = cur_u8(&c);
	uint8_t type = cur_u8(&c);
	uint32_t len = cur_be16(&c);
	cur_skip(&c, 4); /* TEID */
	if (c.err) {
		dx_short(d, PP_GTPU, off, 8, end, wend);
		return;
	}
	/* Version 1 with protocol type GTP; GTP' and v2 are not user plane. */
	if ((flags >> 5) != 1 || !(flags & 0x10))
		return;
	uint32_t gwend = off + 8 + len;
	if (gwend > wend) {
		dx_anom(d, PA_BAD_LENGTH, PP_GTPU, off);
		gwend = wend;
	}
	uint32_t gend = dx_min(end, gwend);
	dx_cursor(d, &c, off, gend);
	cur_skip(&c, 8);
	if (flags & 0x07) {
		cur_skip(&c, 3); /* sequence number, N-PDU number */
		uint8_t next = cur_u8(&c);
		/* Extension headers: length in 4-byte units, next type last. */
		while (!c.err && next != 0) {
			uint8_t units = cur_u8(&c);
			if (c.err)
				break;
			if (units == 0) {
				dx_anom(d, PA_MALFORMED, PP_GTPU, off);
				return;
			}
			cur_skip(&c, units * 4u - 2);
			next = cur_u8(&c);
		}
	}
	if (c.err) {
		dx_short(d, PP_GTPU, off, (uint32_t)c.off + 4, gend, gwend);
		return;
	}
	uint32_t hl = (uint32_t)c.off;
	if (!dx_layer(d, PP_GTPU, off, hl))
		return;
	d->pkt->tunnels |= PT_GTPU;
	if (type == 0xff) /* G-PDU: a user IP packet follows */
		dec_ip_by_version(d, off + hl, gend, gwend);
}

bool dec_teredo(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	const uint8_t *b = cur_peek(&c, 2);
	if (b && b[0] == 0 && b[1] == 1) {
		/* Authentication indicator: id and value lengths, nonce, confirm. */
		cur_skip(&c, 2);
		uint8_t idl = cur_u8(&c);
		uint8_t aul = cur_u8(&c);
		cur_skip(&c, (size_t)idl + aul + 9);
		b = cur_peek(&c, 2);
	}
	if (b && b[0] == 0 && b[1] == 0)
		cur_skip(&c, 8); /* origin indication: port, address */
	/* Heuristic like the port's other users: an IPv6 header must follow. */
	b = cur_peek(&c, 40);
	if (c.err || !b || (b[0] >> 4) != 6)
		return false;
	if (!dx_enter(d, PP_TEREDO, off))
		return true;
	uint32_t hl = (uint32_t)c.off;
	if (!dx_layer(d, PP_TEREDO, off, hl))
		return true;
	d->pkt->tunnels |= PT_TEREDO;
	dec_ipv6(d, off + hl, end, wend);
	return true;
}
