/* SPDX-License-Identifier: MIT */
/* src/flow internals: key words (built, hashed, compared in registers), chain sort. */
#ifndef NETDX_FLOW_FLOW_INT_H
#define NETDX_FLOW_FLOW_INT_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"

/* The layout the comment in flow.h describes: three cache lines. */
_Static_assert(sizeof(struct flow) == 192, "struct flow is 3 cache lines");
_Static_assert(offsetof(struct flow, last_frame) == 64,
	       "lookup fields fill line 0");
_Static_assert(offsetof(struct flow, tcp) == 128, "counters fill line 1");

/* Internal to src/flow: the hot path inlines these. */

/*
 * The key as five words: both addresses (16 bytes each, IPv4 zero-padded)
 * and the family, protocol and ports packed into one. Built in registers
 * from the packet, so hashing and comparing need no reload of a key just
 * written with narrow stores.
 */
struct kw {
	uint64_t a[4]; /* addr[0] bytes 0-7, 8-15, addr[1] bytes 0-7, 8-15 */
	uint64_t m;    /* family | proto << 8 | port[0] << 16 | port[1] << 32 */
};

static inline uint64_t kw_meta(uint8_t family, uint8_t proto, uint16_t p0,
			       uint16_t p1)
{
	return (uint64_t)family | (uint64_t)proto << 8 | (uint64_t)p0 << 16 |
	       (uint64_t)p1 << 32;
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t ld_be64(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	       (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	       (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	       (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

static inline bool kw_eq(const struct kw *w, const struct flow_key *k)
{
	return ((ld64(k->addr[0]) ^ w->a[0]) | (ld64(k->addr[0] + 8) ^ w->a[1]) |
		(ld64(k->addr[1]) ^ w->a[2]) | (ld64(k->addr[1] + 8) ^ w->a[3]) |
		(kw_meta(k->family, k->proto, k->port[0], k->port[1]) ^
		 w->m)) == 0;
}

/* 64x64->128 multiply folded to 64 bits. */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__extension__ typedef unsigned __int128 u128;
	u128 p = (u128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/*
 * Builds the canonical key words; returns the packet's direction. Reads
 * each address as two 64-bit words (IPv4: the first 4 bytes only) and
 * orders them as a bytewise compare would.
 */
static inline int make_kw(const struct pkt_ip *ip, const struct pkt_l4 *l4,
		   struct kw *w)
{
	uint64_t s0, s1, d0, d1;
	uint16_t sp = 0, dp = 0;
	uint8_t fam;
	int dir;

	if (flow_proto_has_ports(l4->proto)) {
		sp = l4->sport;
		dp = l4->dport;
	}
	if (ip->ver == 6) {
		uint64_t bs = ld_be64(ip->src), bd = ld_be64(ip->dst);

		s0 = ld64(ip->src);
		s1 = ld64(ip->src + 8);
		d0 = ld64(ip->dst);
		d1 = ld64(ip->dst + 8);
		if (bs == bd) {
			bs = ld_be64(ip->src + 8);
			bd = ld_be64(ip->dst + 8);
		}
		dir = (bs > bd || (bs == bd && sp >= dp)) ? 0 : 1;
		fam = 6;
	} else {
		uint32_t s = 0, d = 0;

		s0 = 0;
		d0 = 0;
		memcpy(&s0, ip->src, 4); /* memory order kept, rest zero */
		memcpy(&d0, ip->dst, 4);
		s1 = d1 = 0;
		memcpy(&s, ip->src, 4);
		memcpy(&d, ip->dst, 4);
		s = ntohl(s);
		d = ntohl(d);
		dir = (s > d || (s == d && sp >= dp)) ? 0 : 1;
		fam = 4;
	}
	if (dir == 0) {
		w->a[0] = s0, w->a[1] = s1, w->a[2] = d0, w->a[3] = d1;
		w->m = kw_meta(fam, l4->proto, sp, dp);
	} else {
		w->a[0] = d0, w->a[1] = d1, w->a[2] = s0, w->a[3] = s1;
		w->m = kw_meta(fam, l4->proto, dp, sp);
	}
	return dir;
}

static inline void key_of_kw(const struct kw *w, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)w->m;
	k->proto = (uint8_t)(w->m >> 8);
	k->port[0] = (uint16_t)(w->m >> 16);
	k->port[1] = (uint16_t)(w->m >> 32);
	memcpy(k->addr[0], &w->a[0], 8);
	memcpy(k->addr[0] + 8, &w->a[1], 8);
	memcpy(k->addr[1], &w->a[2], 8);
	memcpy(k->addr[1] + 8, &w->a[3], 8);
}

/*
 * Sorts a NULL-terminated lru_next chain by seq, newest first, in place
 * (flow_sort.c). Returns the new head.
 */
struct flow *flow_chain_sort(struct flow *f);

#endif
