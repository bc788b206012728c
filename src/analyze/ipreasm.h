/* SPDX-License-Identifier: MIT */
/* Bounded IPv4/IPv6 fragment tracker: which frame completes a datagram. */
#ifndef NETDX_ANALYZE_IPREASM_H
#define NETDX_ANALYZE_IPREASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

/*
 * The tracker does not rebuild payloads: flows and TCP analysis only need to
 * know which frame completes a datagram, its total length and its transport
 * header. Per datagram it keeps the byte ranges seen, the first IPR_HEAD_MAX
 * payload bytes (transport header, or tunnel headers), and the unfragmentable
 * IP header of the offset-0 fragment. On completion it hands out a synthetic
 * datagram: that IP header (fragmentation removed, lengths fixed) followed by
 * the kept head bytes; decoding it as raw IP gives the transport header with
 * payload_len from the reassembled total.
 */
#define IPR_HEAD_MAX 128
#define IPR_HDR_MAX 128	  /* unfragmentable part (IPv4 header, IPv6 + ext) */
#define IPR_MAX_RANGES 16 /* disjoint byte ranges per datagram */
#define IPR_DEFAULT_MAX 4096
#define IPR_DEFAULT_TIMEOUT_NS (30LL * 1000000000LL) /* Linux ipfrag_time */

/* One fragment, parsed from the frame bytes of a pkt_ip marked fragment. */
struct ipr_frag {
	uint8_t ver, proto; /* proto: upper protocol of the datagram */
	uint32_t id;	    /* IPv4 id / IPv6 fragment header id (32 bits) */
	uint8_t src[16], dst[16];
	uint32_t foff;	    /* byte offset of this fragment in the datagram */
	uint32_t len;	    /* fragment payload length (IP lengths) */
	bool mf;	    /* more fragments follow */
	bool captured;	    /* all len payload bytes are in the frame */
	const uint8_t *payload; /* len bytes when captured */
	/* Unfragmentable part: IP header up to (not incl.) the fragment header. */
	const uint8_t *hdr;
	uint32_t hdr_len;
	uint32_t nh_pos;    /* IPv6: byte in hdr naming the fragment header */
};

/*
 * Parses the fragment described by ip (decode marked it fragment) from the
 * frame bytes. Returns false when the bytes do not describe a usable
 * fragment (lengths impossible); such fragments are simply not tracked.
 */
bool ipr_parse(const uint8_t *data, uint32_t caplen, const struct pkt_ip *ip,
	       struct ipr_frag *out);

struct ipr_limits {
	size_t max_dgrams;  /* pending datagrams; the oldest is evicted beyond */
	int64_t timeout_ns; /* pending longer than this (capture time): dropped */
};

struct ipr_stats {
	uint64_t fragments;  /* fragments offered */
	uint64_t completed;  /* datagrams completed */
	uint64_t timed_out;  /* pending datagrams dropped by the timeout */
	uint64_t evicted;    /* pending datagrams dropped because the table was full */
	uint64_t overlaps;   /* fragments overlapping bytes already seen */
	uint64_t dropped;    /* datagrams given up: too many holes, bad lengths */
	uint64_t uncaptured; /* fragments cut by snaplen: cannot be reassembled */
	uint64_t pending;    /* still pending (end of input: never completed) */
	uint64_t max_pending;
};

/* A completed datagram: a raw IP packet to decode (LINKTYPE_RAW). */
struct ipr_done {
	const uint8_t *data; /* valid until the next ipr_add / ipr_free */
	uint32_t caplen;     /* header + kept head bytes */
	uint32_t wirelen;    /* header + reassembled payload length */
};

struct ipr;

struct ipr *ipr_new(const struct ipr_limits *lim); /* NULL lim: defaults */
/*
 * Adds one fragment at capture time ts_ns. Returns 1 when this fragment
 * completes its datagram (done filled), 0 when it is pending or was not
 * usable (a fragment cut by snaplen is only counted), -ENOMEM on
 * allocation failure.
 */
int ipr_add(struct ipr *r, const struct ipr_frag *fr, int64_t ts_ns,
	    struct ipr_done *done);
/* Drops datagrams pending longer than the timeout (called by ipr_add too). */
void ipr_expire(struct ipr *r, int64_t now_ns);
void ipr_get_stats(const struct ipr *r, struct ipr_stats *st);
void ipr_free(struct ipr *r);

/*
 * IPv6 routing header: the final destination (RFC 8200 8.1, the address
 * transport checksums and conversations use). For type 0 and type 2 it is the
 * last address of the list, for segment routing (type 4) segment 0; only
 * when segments are left. ip names an IPv6 header; returns true and fills
 * dst when a routing header names a final destination.
 */
bool ipr_v6_final_dst(const uint8_t *data, uint32_t caplen,
		      const struct pkt_ip *ip, uint8_t dst[16]);

#endif
