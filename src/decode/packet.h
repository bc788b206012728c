/* SPDX-License-Identifier: MIT */
/* The decoded view of one frame: layers, IP headers, transport headers. */
#ifndef NETDX_DECODE_PACKET_H
#define NETDX_DECODE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A packet is a stack value reset per frame. It borrows the frame's bytes
 * (offsets only, no pointers kept) and holds parsed fields in host order.
 * Decoders never abort a run: they record an anomaly and stop going deeper.
 */

/*
 * Decode limits: they bound the work per frame (every layer is a fixed
 * amount of work) and the size of struct packet. The deepest real stacks
 * we know carry 4 IP headers (an ERSPAN mirror of VXLAN overlay traffic
 * that carries GTP-U; Geneve in Geneve under a VXLAN underlay); the limits
 * allow twice that and more: 8 nested tunnels of any kind (VXLAN, Geneve,
 * GRE with or without Ethernet, ERSPAN, GTP-U, IP-in-IP, Teredo) still
 * reach the innermost transport header, behind up to 20 VLAN tags (where
 * tshark 4.0 stops following VLAN tags) and an MPLS label stack. Frames
 * deeper than that are decoded down to the limit, flagged (too_deep) and
 * counted by the capture-quality analyzer. See docs/decode.md.
 */
#define PKT_MAX_LAYERS 64 /* headers in all: 8 x 4 per tunnel + 20 VLAN + 12 */
#define PKT_MAX_IP 10	  /* 8 tunnels + the inner IP + a quoted one (ICMP error) */
#define PKT_MAX_L4 10	  /* GRE/outer UDP per tunnel + inner + quoted */
#define PKT_MAX_ANOM 8
#define PKT_MAX_SACK 4
/* Encapsulations entered: 2 per tunnel at most (GRE + Ethernet), + MPLS. */
#define PKT_MAX_DEPTH 18

enum pkt_proto {
	PP_NONE = 0,
	PP_ETH,
	PP_VLAN,
	PP_MPLS,
	PP_SLL,
	PP_SLL2,
	PP_NULL,   /* BSD loopback */
	PP_NFLOG,
	PP_LLC,	   /* 802.2 LLC / SNAP */
	PP_80211,
	PP_RADIOTAP,
	PP_PPP,
	PP_ARP,
	PP_IPV4,
	PP_IPV6,
	PP_ICMP,
	PP_ICMP6,
	PP_TCP,
	PP_UDP,
	PP_GRE,
	PP_ERSPAN,
	PP_VXLAN,
	PP_GENEVE,
	PP_GTPU,
	PP_TEREDO,
	PP_ARUBA,  /* Aruba GRE carrying 802.11 */
	PP_OTHER_L3,
	PP_OTHER_L4,
	/* Appended: values above stay stable. */
	PP_CMD,	   /* Cisco metadata (SGT tag) */
	PP_PWCW,   /* MPLS pseudowire control word */
	PP_SCTP,
	PP_IGMP,
	PP_COUNT,
};

/* Tunnel kinds seen in the frame (bitmask in packet.tunnels). */
enum pkt_tunnel {
	PT_VXLAN = 1u << 0,
	PT_GENEVE = 1u << 1,
	PT_GRE = 1u << 2,
	PT_ERSPAN = 1u << 3,
	PT_IPIP = 1u << 4, /* any IP-in-IP: 4in4, 6in4, 4in6, 6in6 */
	PT_TEREDO = 1u << 5,
	PT_GTPU = 1u << 6,
	PT_MPLS = 1u << 7,
	PT_80211 = 1u << 8, /* 802.11 data frame (incl. Aruba GRE) */
	PT_VLAN = 1u << 9,
};

enum pkt_anom_code {
	PA_TRUNCATED = 1, /* snaplen ran out inside a header */
	PA_MALFORMED,	  /* impossible bytes (bad version, length < header ...) */
	PA_UNKNOWN_LINKTYPE,
	PA_DEPTH,	  /* a decode limit was reached (packet.too_deep says which) */
	PA_IP_FRAGMENT,	  /* informative: reassembly comes later */
	PA_BAD_OPTION,	  /* a TCP/IP option with an impossible length */
	PA_BAD_LENGTH,	  /* a length claims more than the frame can hold */
};

/* The decode limit(s) that stopped a frame (bits in packet.too_deep). */
enum pkt_limit {
	PL_LAYERS = 1u << 0,  /* PKT_MAX_LAYERS headers */
	PL_IP = 1u << 1,      /* PKT_MAX_IP IP headers */
	PL_L4 = 1u << 2,      /* PKT_MAX_L4 transport headers */
	PL_TUNNELS = 1u << 3, /* PKT_MAX_DEPTH encapsulations */
};

struct pkt_anom {
	uint8_t code;  /* enum pkt_anom_code */
	uint8_t proto; /* enum pkt_proto of the layer that found it */
	uint32_t off;  /* byte offset in the frame */
};

struct pkt_layer {
	uint8_t proto; /* enum pkt_proto */
	uint32_t off;
	uint32_t len; /* header length (bytes present) */
};

struct pkt_ip {
	uint8_t ver;   /* 4 or 6 */
	uint8_t proto; /* upper protocol after IPv6 extension headers */
	uint8_t ttl;   /* or hop limit */
	bool fragment;	    /* part of a fragmented datagram */
	bool first_fragment; /* offset 0 (transport header present) */
	bool in_icmp_error;  /* quoted inside an ICMP/ICMPv6 error */
	bool df;
	uint16_t id;	     /* IPv4 id / IPv6 fragment id low bits */
	uint8_t src[16];     /* IPv4 uses the first 4 bytes */
	uint8_t dst[16];
	uint32_t off;	     /* header offset in the frame */
	uint32_t hdr_len;    /* incl. IPv4 options / IPv6 extension headers */
	uint32_t payload_len; /* transport bytes the header claims */
	int8_t l4;	     /* index in packet.l4, -1 if none */
};

struct pkt_tcp {
	uint32_t seq, ack;
	uint16_t win; /* raw, unscaled */
	uint16_t flags; /* TCP_F_* */
	uint8_t hdr_len;
	bool has_mss, sack_perm, has_ts, opts_bad;
	int8_t wscale; /* -1 absent */
	uint8_t n_sack;
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint32_t sack[PKT_MAX_SACK][2]; /* left, right edges */
};

enum {
	TCP_F_FIN = 0x01,
	TCP_F_SYN = 0x02,
	TCP_F_RST = 0x04,
	TCP_F_PSH = 0x08,
	TCP_F_ACK = 0x10,
	TCP_F_URG = 0x20,
	TCP_F_ECE = 0x40,
	TCP_F_CWR = 0x80,
	TCP_F_NS = 0x100,
};

struct pkt_icmp {
	uint8_t type, code;
	bool is_error; /* dest unreachable, time exceeded, too big, param problem ... */
	uint32_t mtu;  /* frag needed / packet too big, else 0 */
	uint16_t echo_id, echo_seq; /* echo request/reply, else 0 */
};

struct pkt_l4 {
	uint8_t proto; /* IP protocol number: 6, 17, 1, 58, other */
	uint8_t ip;    /* index of its IP header in packet.ip */
	bool in_icmp_error;
	bool truncated; /* header complete but payload cut by snaplen */
	uint16_t sport, dport;
	uint32_t off;	      /* transport header offset in the frame */
	uint32_t hdr_len;
	uint32_t payload_len; /* from IP lengths (TCP seglen), not caplen */
	uint32_t payload_off; /* offset of payload in the frame */
	uint32_t payload_cap; /* payload bytes actually present */
	union {
		struct pkt_tcp tcp;
		struct pkt_icmp icmp;
	} u;
};

struct packet {
	int linktype;
	uint32_t caplen, wirelen;
	uint32_t tunnels; /* enum pkt_tunnel bits */
	uint8_t n_layers, n_ip, n_l4, n_anom;
	bool truncated; /* some header was cut by snaplen */
	bool malformed;	/* some header had impossible bytes */
	bool arp;
	uint8_t too_deep; /* enum pkt_limit bits: inner headers not decoded */
	struct pkt_layer layers[PKT_MAX_LAYERS];
	struct pkt_ip ip[PKT_MAX_IP];
	struct pkt_l4 l4[PKT_MAX_L4];
	struct pkt_anom anom[PKT_MAX_ANOM];
};

enum decode_result {
	DECODE_OK = 0,
	DECODE_TRUNCATED = 1,
	DECODE_MALFORMED = 2,
};

/*
 * Decodes one frame. Never fails hard: returns the worst anomaly class seen
 * (also recorded in pkt). data must hold caplen bytes.
 */
enum decode_result decode_frame(struct packet *pkt, int linktype,
				const uint8_t *data, uint32_t caplen,
				uint32_t wirelen);

const char *pkt_proto_name(enum pkt_proto p);
const char *pkt_anom_name(enum pkt_anom_code c);

#endif
