// SPDX-License-Identifier: MIT
/* Flow keys for callers outside the table: from a packet, as text, protocol family. */
#include <arpa/inet.h>
#include <stdio.h>

#include "flow/flow.h"
#include "flow/flow_int.h"

int flow_key_from_packet(const struct packet *pkt, int l4, struct flow_key *k)
{
	const struct pkt_l4 *l;
	struct kw w;
	int dir;

	if (l4 < 0 || l4 >= pkt->n_l4 || l4 >= PKT_MAX_L4)
		return -1;
	l = &pkt->l4[l4];
	if (l->ip >= pkt->n_ip || l->ip >= PKT_MAX_IP)
		return -1;
	dir = make_kw(&pkt->ip[l->ip], l, &w);
	key_of_kw(&w, k);
	return dir;
}

void flow_format_endpoint(const struct flow_key *k, int ep, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (!buf || n == 0)
		return;
	ep = ep ? 1 : 0;
	if (!inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr[ep], a,
		       sizeof(a)))
		a[0] = '\0';
	if (!flow_proto_has_ports(k->proto))
		snprintf(buf, n, "%s", a);
	else if (k->family == 6)
		snprintf(buf, n, "[%s]:%u", a, (unsigned)k->port[ep]);
	else
		snprintf(buf, n, "%s:%u", a, (unsigned)k->port[ep]);
}

enum flow_family flow_family_of(uint8_t proto)
{
	if (proto == 6)
		return FLOW_FAM_TCP;
	if (proto == 17)
		return FLOW_FAM_UDP;
	return FLOW_FAM_OTHER;
}

/* TCP, UDP, DCCP, SCTP, UDP-Lite: protocols whose flows have ports. */
bool flow_proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 ||
	       proto == 136;
}
