// SPDX-License-Identifier: MIT
/* Frame entry point: per-frame reset, link-type dispatch, anomaly records. */
#include "decode/decode_int.h"

#include "capture/capture.h"

void dx_anom(struct dctx *d, enum pkt_anom_code code, enum pkt_proto proto,
	     uint32_t off)
{
	struct packet *pkt = d->pkt;

	switch (code) {
	case PA_TRUNCATED:
		pkt->truncated = true;
		break;
	case PA_MALFORMED:
	case PA_BAD_LENGTH:
		pkt->malformed = true;
		break;
	default:
		break;
	}
	/* The flags above always hold; the list keeps the first few. */
	if (pkt->n_anom >= PKT_MAX_ANOM)
		return;
	struct pkt_anom *a = &pkt->anom[pkt->n_anom++];
	a->code = (uint8_t)code;
	a->proto = (uint8_t)proto;
	a->off = off;
}

void dx_short(struct dctx *d, enum pkt_proto proto, uint32_t off,
	      uint32_t need, uint32_t end, uint32_t wend)
{
	uint64_t want = (uint64_t)off + need;
	/*
	 * A quoted datagram is cut short by design (RFC 792: 8 bytes); only
	 * a snaplen cut inside the ICMP message itself is worth a flag.
	 */
	if (d->quote) {
		if (end < wend)
			dx_anom(d, PA_TRUNCATED, proto, off);
		return;
	}
	if (want <= wend && end < wend)
		dx_anom(d, PA_TRUNCATED, proto, off);
	else
		dx_anom(d, PA_MALFORMED, proto, off);
}

void dx_too_deep(struct dctx *d, enum pkt_limit lim, enum pkt_proto proto,
		 uint32_t off)
{
	/* The flag always holds, like truncated: the list may be full. */
	d->pkt->too_deep |= (uint8_t)lim;
	dx_anom(d, PA_DEPTH, proto, off);
}

bool dx_enter(struct dctx *d, enum pkt_proto proto, uint32_t off)
{
	if (d->depth >= PKT_MAX_DEPTH) {
		dx_too_deep(d, PL_TUNNELS, proto, off);
		return false;
	}
	d->depth++;
	return true;
}

static void dec_link(struct dctx *d, int linktype, uint32_t end,
		     uint32_t wend)
{
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		dec_ethernet(d, 0, end, wend);
		break;
	case LINKTYPE_NULL:
		dec_null(d, 0, end, wend, false);
		break;
	case LINKTYPE_LOOP:
		dec_null(d, 0, end, wend, true);
		break;
	case LINKTYPE_RAW:
	case LINKTYPE_RAW_ALT12:
	case LINKTYPE_RAW_ALT14:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		/* The version nibble decides: a v4 link type may carry junk. */
		dec_raw(d, 0, end, wend);
		break;
	case LINKTYPE_LINUX_SLL:
		dec_sll(d, 0, end, wend);
		break;
	case LINKTYPE_LINUX_SLL2:
		dec_sll2(d, 0, end, wend);
		break;
	case LINKTYPE_NFLOG:
		dec_nflog(d, 0, end, wend);
		break;
	case LINKTYPE_IEEE802_11:
		dec_80211(d, 0, end, wend);
		break;
	case LINKTYPE_IEEE802_11_RADIOTAP:
		dec_radiotap(d, 0, end, wend);
		break;
	case LINKTYPE_NETLINK:
	case LINKTYPE_USB_LINUX:
	case LINKTYPE_USB_LINUX_MMAPPED:
	case LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR:
	case LINKTYPE_DBUS:
		/* Known link types that never carry IP: nothing to decode. */
		break;
	default:
		dx_anom(d, PA_UNKNOWN_LINKTYPE, PP_NONE, 0);
		break;
	}
}

/* fast: Ethernet frames take dx_fast_ethernet (same results, fewer steps). */
static inline enum decode_result decode(struct packet *pkt, int linktype,
					const uint8_t *data, uint32_t caplen,
					uint32_t wirelen, bool fast)
{
	struct dctx d;

	/* Only counters and flags: entries are written whole when added. */
	pkt->linktype = linktype;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->tunnels = 0;
	pkt->n_layers = 0;
	pkt->n_ip = 0;
	pkt->n_l4 = 0;
	pkt->n_anom = 0;
	pkt->truncated = false;
	pkt->malformed = false;
	pkt->arp = false;
	pkt->too_deep = 0;

	if (!data)
		caplen = 0;
	/* A record whose wire length is below its capture length lies. */
	if (wirelen < caplen)
		wirelen = caplen;
	d.pkt = pkt;
	d.data = data;
	d.caplen = caplen;
	d.depth = 0;
	d.quote = false;
	d.cur_ip = -1;

	if (fast && linktype == LINKTYPE_ETHERNET)
		dx_fast_ethernet(&d, caplen, wirelen);
	else
		dec_link(&d, linktype, caplen, wirelen);

	if (pkt->malformed)
		return DECODE_MALFORMED;
	if (pkt->truncated)
		return DECODE_TRUNCATED;
	return DECODE_OK;
}

enum decode_result decode_frame(struct packet *pkt, int linktype,
				const uint8_t *data, uint32_t caplen,
				uint32_t wirelen)
{
	return decode(pkt, linktype, data, caplen, wirelen, true);
}

enum decode_result dx_decode_frame_ref(struct packet *pkt, int linktype,
				       const uint8_t *data, uint32_t caplen,
				       uint32_t wirelen)
{
	return decode(pkt, linktype, data, caplen, wirelen, false);
}

const char *pkt_proto_name(enum pkt_proto p)
{
	static const char *const names[PP_COUNT] = {
		[PP_NONE] = "none",	  [PP_ETH] = "eth",
		[PP_VLAN] = "vlan",	  [PP_MPLS] = "mpls",
		[PP_SLL] = "sll",	  [PP_SLL2] = "sll2",
		[PP_NULL] = "null",	  [PP_NFLOG] = "nflog",
		[PP_LLC] = "llc",	  [PP_80211] = "wlan",
		[PP_RADIOTAP] = "radiotap", [PP_PPP] = "ppp",
		[PP_ARP] = "arp",	  [PP_IPV4] = "ip",
		[PP_IPV6] = "ipv6",	  [PP_ICMP] = "icmp",
		[PP_ICMP6] = "icmpv6",	  [PP_TCP] = "tcp",
		[PP_UDP] = "udp",	  [PP_GRE] = "gre",
		[PP_ERSPAN] = "erspan",	  [PP_VXLAN] = "vxlan",
		[PP_GENEVE] = "geneve",	  [PP_GTPU] = "gtp",
		[PP_TEREDO] = "teredo",	  [PP_ARUBA] = "aruba",
		[PP_OTHER_L3] = "l3",	  [PP_OTHER_L4] = "l4",
		[PP_CMD] = "cmd",	  [PP_PWCW] = "pwethcw",
		[PP_SCTP] = "sctp",	  [PP_IGMP] = "igmp",
	};
	if ((unsigned)p >= PP_COUNT || !names[p])
		return "?";
	return names[p];
}

const char *pkt_anom_name(enum pkt_anom_code c)
{
	switch (c) {
	case PA_TRUNCATED:
		return "truncated";
	case PA_MALFORMED:
		return "malformed";
	case PA_UNKNOWN_LINKTYPE:
		return "unknown-linktype";
	case PA_DEPTH:
		return "depth";
	case PA_IP_FRAGMENT:
		return "ip-fragment";
	case PA_BAD_OPTION:
		return "bad-option";
	case PA_BAD_LENGTH:
		return "bad-length";
	}
	return "?";
}
