// SPDX-License-Identifier: MIT
/* libFuzzer target: byte 0 picks a link type, the rest is one frame. */
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
	LINKTYPE_ETHERNET,   LINKTYPE_NULL,	  LINKTYPE_LOOP,
	LINKTYPE_RAW,	     LINKTYPE_RAW_ALT12,  LINKTYPE_RAW_ALT14,
	LINKTYPE_IPV4,	     LINKTYPE_IPV6,	  LINKTYPE_LINUX_SLL,
	LINKTYPE_LINUX_SLL2, LINKTYPE_NFLOG,	  LINKTYPE_IEEE802_11,
	LINKTYPE_IEEE802_11_RADIOTAP, 253 /* unsupported */,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet pkt;

	if (size < 1)
		return 0;
	int lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	uint32_t caplen = (uint32_t)(size - 1);
	/* Bit 7 of the selector: pretend the snaplen cut a longer frame. */
	uint32_t wirelen = (data[0] & 0x80) ? caplen + 1000 : caplen;
	decode_frame(&pkt, lt, data + 1, caplen, wirelen);

	/* Invariants every consumer relies on. */
	if (pkt.n_layers > PKT_MAX_LAYERS || pkt.n_ip > PKT_MAX_IP ||
	    pkt.n_l4 > PKT_MAX_L4 || pkt.n_anom > PKT_MAX_ANOM)
		__builtin_trap();
	for (int i = 0; i < pkt.n_layers; i++)
		if ((uint64_t)pkt.layers[i].off + pkt.layers[i].len > caplen)
			__builtin_trap();
	for (int i = 0; i < pkt.n_l4; i++) {
		const struct pkt_l4 *l = &pkt.l4[i];
		if (l->ip >= pkt.n_ip && pkt.n_ip > 0)
			__builtin_trap();
		if (l->payload_cap > l->payload_len)
			__builtin_trap();
		if (l->payload_cap &&
		    (uint64_t)l->payload_off + l->payload_cap > caplen)
			__builtin_trap();
	}
	return 0;
}
