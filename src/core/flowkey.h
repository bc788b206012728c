/* SPDX-License-Identifier: MIT */
/* Flow key: a conversation's endpoints, free of any decoder type, so evidence can name a flow. */
#ifndef NETDX_CORE_FLOWKEY_H
#define NETDX_CORE_FLOWKEY_H

#include <stdint.h>

/*
 * Canonical key: endpoint 0 is the one whose address compares greater
 * bytewise (ties: greater port). A packet travels in direction 0 when its
 * source is endpoint 0 -- the same split Wireshark calls "flow1", so TCP
 * analysis can index its per-direction state by dir directly.
 */
struct flow_key {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;	/* IP protocol */
	uint16_t port[2];
	uint8_t addr[2][16];
};

#endif
