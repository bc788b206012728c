// SPDX-License-Identifier: MIT
/* 802.11 data frames, radiotap, and the 802.2 LLC/SNAP header after them. */
#include "decode/decode_int.h"

enum {
	WLAN_TYPE_DATA = 2,
	WLAN_TO_DS = 0x01,
	WLAN_FROM_DS = 0x02,
	WLAN_PROTECTED = 0x40,
	WLAN_ORDER = 0x80,
	RTAP_FLAGS_FCS = 0x10,
};

void dec_80211(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint8_t fc0 = cur_u8(&c);
	uint8_t fc1 = cur_u8(&c);
	if (c.err) {
		dx_short(d, PP_80211, off, 2, end, wend);
		return;
	}
	uint8_t type = (fc0 >> 2) & 3;
	uint8_t subtype = fc0 >> 4;
	if (type != WLAN_TYPE_DATA) {
		/* Management and control frames carry no IP: note and stop. */
		uint32_t have = end - off;
		dx_layer(d, PP_80211, off, have < 24 ? have : 24);
		return;
	}
	uint32_t hl = 24;
	if ((fc1 & (WLAN_TO_DS | WLAN_FROM_DS)) == (WLAN_TO_DS | WLAN_FROM_DS))
		hl += 6; /* address 4 */
	if (subtype & 0x8) {
		hl += 2; /* QoS control */
		if (fc1 & WLAN_ORDER)
			hl += 4; /* HT control */
	}
	if (!cur_has(&c, hl - 2)) {
		dx_short(d, PP_80211, off, hl, end, wend);
		return;
	}
	if (!dx_layer(d, PP_80211, off, hl))
		return;
	d->pkt->tunnels |= PT_80211;
	/* Null-function subtypes have no body; encrypted bodies are opaque. */
	if ((subtype & 0x4) || (fc1 & WLAN_PROTECTED))
		return;
	if (off + hl >= end && off + hl >= wend)
		return;
	dec_llc(d, off + hl, end, wend);
}

void dec_radiotap(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint8_t ver = cur_u8(&c);
	cur_skip(&c, 1); /* pad */
	uint16_t len = cur_le16(&c);
	uint32_t present = cur_le32(&c);
	if (c.err) {
		dx_short(d, PP_RADIOTAP, off, 8, end, wend);
		return;
	}
	if (ver != 0 || len < 8) {
		dx_anom(d, PA_MALFORMED, PP_RADIOTAP, off);
		return;
	}
	if (off + (uint32_t)len > end) {
		dx_short(d, PP_RADIOTAP, off, len, end, wend);
		return;
	}
	/* Only the Flags field matters (FCS present); it is field 1. */
	uint32_t first = present;
	struct cursor h;
	dx_cursor(d, &h, off, off + len);
	cur_skip(&h, 8);
	while (!h.err && (present & 0x80000000u))
		present = cur_le32(&h);
	bool fcs = false;
	if (!h.err && (first & 0x2)) {
		if (first & 0x1) { /* TSFT: 8 bytes aligned to 8 */
			size_t pad = (8 - (h.off & 7)) & 7;
			cur_skip(&h, pad + 8);
		}
		uint8_t flags = cur_u8(&h);
		fcs = !h.err && (flags & RTAP_FLAGS_FCS);
	}
	if (!dx_layer(d, PP_RADIOTAP, off, len))
		return;
	off += len;
	if (fcs && wend >= off + 4) {
		wend -= 4;
		end = dx_min(end, wend);
	}
	dec_80211(d, off, end, wend);
}

void dec_llc(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	uint8_t dsap = cur_u8(&c);
	uint8_t ssap = cur_u8(&c);
	uint8_t ctl = cur_u8(&c);
	if (c.err) {
		dx_short(d, PP_LLC, off, 3, end, wend);
		return;
	}
	if (dsap == 0xaa && ssap == 0xaa && ctl == 0x03) {
		/* SNAP: OUI then an ethertype. */
		uint32_t oui = cur_be24(&c);
		uint16_t type = cur_be16(&c);
		if (c.err) {
			dx_short(d, PP_LLC, off, 8, end, wend);
			return;
		}
		if (!dx_layer(d, PP_LLC, off, 8))
			return;
		if (oui == 0 || oui == 0xf8)
			dec_ethertype(d, type, off + 8, end, wend);
		return;
	}
	/* I and S frames have a two-byte control field. */
	dx_layer(d, PP_LLC, off, (ctl & 3) == 3 ? 3 : 4);
}
