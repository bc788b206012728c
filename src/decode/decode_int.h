/* SPDX-License-Identifier: MIT */
/* Internal decoder context shared by the per-layer decoder files. */
#ifndef NETDX_DECODE_DECODE_INT_H
#define NETDX_DECODE_DECODE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cursor.h"
#include "decode/packet.h"

/*
 * Every decoder has the same shape: dec_X(d, off, end, wend).
 *   off  where the layer starts in the frame
 *   end  where the captured bytes available to it stop (never > caplen)
 *   wend where its bytes stop on the wire, as claimed by the enclosing
 *        length fields (or wirelen); end = min(wend, caplen)
 * A header that needs bytes in [end, wend) was cut by the snaplen
 * (truncated); one that needs bytes past wend is impossible (malformed).
 * Inside an ICMP error quote a short header is expected and flags nothing.
 */
struct dctx {
	struct packet *pkt;
	const uint8_t *data;
	uint32_t caplen;
	uint8_t depth; /* encapsulations entered so far */
	bool quote;    /* decoding the datagram quoted in an ICMP error */
	int8_t cur_ip; /* index of the innermost IP header, -1 none */
};

/* Anomalies and layers (decode.c). */
void dx_anom(struct dctx *d, enum pkt_anom_code code, enum pkt_proto proto,
	     uint32_t off);
/* Header of need bytes does not fit: records truncated or malformed. */
void dx_short(struct dctx *d, enum pkt_proto proto, uint32_t off,
	      uint32_t need, uint32_t end, uint32_t wend);
/* A decode limit stopped the frame: PA_DEPTH and the too_deep bit. */
void dx_too_deep(struct dctx *d, enum pkt_limit lim, enum pkt_proto proto,
		 uint32_t off);
/* Enter one more encapsulation level; false (PA_DEPTH) past the cap. */
bool dx_enter(struct dctx *d, enum pkt_proto proto, uint32_t off);

/*
 * Returns false (and records PA_DEPTH) when no layer slot is left. Inline:
 * it runs for every layer of every frame.
 */
static inline bool dx_layer(struct dctx *d, enum pkt_proto proto, uint32_t off,
			    uint32_t len)
{
	struct packet *pkt = d->pkt;

	if (pkt->n_layers >= PKT_MAX_LAYERS) {
		dx_too_deep(d, PL_LAYERS, proto, off);
		return false;
	}
	/* len counts the bytes present: a header cut by the snaplen is short. */
	if ((uint64_t)off + len > d->caplen)
		len = off < d->caplen ? d->caplen - off : 0;
	struct pkt_layer *l = &pkt->layers[pkt->n_layers++];
	l->proto = (uint8_t)proto;
	l->off = off;
	l->len = len;
	return true;
}

static inline void dx_cursor(const struct dctx *d, struct cursor *c,
			     uint32_t off, uint32_t end)
{
	cur_init(c, d->data + off, end > off ? end - off : 0);
}

static inline uint32_t dx_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * n header bytes at off when [off, end) holds them, else NULL: one bounds
 * check for a fixed header, then plain loads (the cursor folds away).
 */
static inline const uint8_t *dx_hdr(const struct dctx *d, uint32_t off,
				    uint32_t end, uint32_t n)
{
	struct cursor c;

	dx_cursor(d, &c, off, end);
	return cur_take(&c, n);
}

/* Payload bytes present for an l4 whose payload_off and payload_len are set. */
static inline void dx_set_payload(struct pkt_l4 *l4, uint32_t end)
{
	uint32_t po = l4->payload_off;
	uint32_t have = end > po ? end - po : 0;
	l4->payload_cap = have < l4->payload_len ? have : l4->payload_len;
	l4->truncated = l4->payload_cap < l4->payload_len;
}

/* IPv6 next-header values that are extension headers we walk. */
static inline bool dx_ipv6_is_ext(uint8_t nh)
{
	return nh == 0 /* hop-by-hop */ || nh == 43 /* routing */ ||
	       nh == 44 /* fragment */ || nh == 60 /* destination opts */ ||
	       nh == 51 /* AH */;
}

enum udp_tunnel {
	UT_NONE,
	UT_VXLAN,
	UT_GENEVE,
	UT_GRE,
	UT_GTPU,
	UT_TEREDO,
};

/* The UDP port dispatch table (either port may name the tunnel). */
static inline enum udp_tunnel dx_udp_port_kind(uint16_t port)
{
	switch (port) {
	case 4789:
	case 8472: /* Linux kernel's pre-IANA VXLAN port */
		return UT_VXLAN;
	case 6081:
		return UT_GENEVE;
	case 4754:
		return UT_GRE;
	case 2152:
		return UT_GTPU;
	case 3544:
		return UT_TEREDO;
	default:
		return UT_NONE;
	}
}

/* link.c */
void dec_ethernet(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_ethertype(struct dctx *d, uint16_t type, uint32_t off, uint32_t end,
		   uint32_t wend);
void dec_mpls(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_sll(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_sll2(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_null(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend,
	      bool big_endian_only);
void dec_nflog(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_raw(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_ppp(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);

/* wifi.c */
void dec_80211(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_radiotap(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_llc(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);

/* ip.c */
void dec_ipv4(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_ipv6(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_arp(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_ip_proto(struct dctx *d, uint8_t proto, uint32_t off, uint32_t end,
		  uint32_t wend);

/* transport.c */
void dec_tcp(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_udp(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_icmp(struct dctx *d, bool v6, uint32_t off, uint32_t end,
	      uint32_t wend);
void dec_other_l4(struct dctx *d, uint8_t proto, uint32_t off, uint32_t end,
		  uint32_t wend);
/* New l4 entry tied to the current IP header; NULL when full. */
struct pkt_l4 *dx_l4(struct dctx *d, uint8_t proto, uint32_t off);
/*
 * TCP options in [off, hend) by the data offset, of which [off, cend) was
 * captured; fills t, records bad options.
 */
void dx_tcp_options(struct dctx *d, struct pkt_tcp *t, uint32_t off,
		    uint32_t hend, uint32_t cend);

/* fast.c */
/*
 * Ethernet from offset 0, straight-line for IPv4/IPv6 + TCP/UDP when every
 * header is whole and sane; anything else goes to the layer decoders at
 * the point it leaves the common shape, so results are the same.
 */
void dx_fast_ethernet(struct dctx *d, uint32_t end, uint32_t wend);
/* decode_frame() without the fast path: the reference it must match. */
enum decode_result dx_decode_frame_ref(struct packet *pkt, int linktype,
				       const uint8_t *data, uint32_t caplen,
				       uint32_t wirelen);

/* tunnel.c */
void dec_gre(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_vxlan(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_geneve(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
void dec_gtpu(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
/* Teredo is a heuristic: returns false when the payload is not Teredo. */
bool dec_teredo(struct dctx *d, uint32_t off, uint32_t end, uint32_t wend);
/* An IP header chosen by the version nibble (MPLS, GTP-U payloads). */
void dec_ip_by_version(struct dctx *d, uint32_t off, uint32_t end,
		       uint32_t wend);

#endif
