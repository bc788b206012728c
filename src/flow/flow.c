// SPDX-License-Identifier: MIT
/* Bounded flow table: chained hash, recency lists, expiry, W1/W3 TCP rules. */
#include "flow/flow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every flow sits in the hash and on exactly one of three recency lists
 * (head = most recently used):
 *   LIST_OPEN    live flows; the tail is the idle-timeout / eviction victim;
 *   LIST_CLOSED  TCP flows that finished (FIN both ways or RST), lingering
 *                for late packets; expired after closed_linger_ns;
 *   LIST_ENDED   flows that already left (idle, linger, eviction) but are
 *                remembered so that a late packet revives the same conv_id
 *                and keeps W1/W3 base numbers (tshark parity). Capped at
 *                max_flows entries; the oldest are forgotten.
 * A flow is allocated once, with its analyzer states behind it, so the
 * per-packet path never allocates.
 */
enum { LIST_OPEN = 0, LIST_CLOSED, LIST_ENDED, LIST_N };

#define FLOW_MAX_ANALYZERS 4
#define NS_PER_S 1000000000LL

struct flow_list {
	struct flow *head, *tail;
	size_t n;
};

struct flow_table {
	struct flow_limits lim;
	struct flow **buckets;
	size_t nbuckets; /* power of two */
	size_t nflows;	 /* entries in the hash, all lists */
	uint64_t seed;
	struct flow_list lists[LIST_N];
	struct flow_analyzer an[FLOW_MAX_ANALYZERS];
	size_t an_off[FLOW_MAX_ANALYZERS];
	int n_an;
	size_t alloc_size;
	void (*end_cb)(void *ctx, const struct flow *f);
	void *end_ctx;
	uint64_t next_conv[3];
	int64_t now_ns;
	int64_t next_expire_ns;
	bool have_now;
	struct flow_table_stats st;
};

enum flow_family flow_family_of(uint8_t proto)
{
	if (proto == 6)
		return FLOW_FAM_TCP;
	if (proto == 17)
		return FLOW_FAM_UDP;
	return FLOW_FAM_OTHER;
}

bool flow_proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 ||
	       proto == 136;
}

/* ---- lists ---- */

static void list_unlink(struct flow_table *t, struct flow *f)
{
	struct flow_list *l = &t->lists[f->list];

	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
	l->n--;
}

static void list_push(struct flow_table *t, struct flow *f, uint8_t which)
{
	struct flow_list *l = &t->lists[which];

	f->list = which;
	f->lru_prev = NULL;
	f->lru_next = l->head;
	if (l->head)
		l->head->lru_prev = f;
	else
		l->tail = f;
	l->head = f;
	l->n++;
}

static void list_move(struct flow_table *t, struct flow *f, uint8_t which)
{
	if (f->list == which && t->lists[which].head == f)
		return;
	list_unlink(t, f);
	list_push(t, f, which);
}

/* ---- hash ---- */

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t key_hash(const struct flow_table *t, const struct flow_key *k)
{
	uint64_t w[5] = { 0 };
	uint64_t h = t->seed;

	memcpy(w, k, sizeof(*k));
	for (int i = 0; i < 5; i++)
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)mix64(h);
}

static int table_grow(struct flow_table *t)
{
	size_t n = t->nbuckets * 2;
	struct flow **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return -ENOMEM;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct flow *f = t->buckets[i];

		while (f) {
			struct flow *next = f->hnext;
			size_t b = f->hash & (n - 1);

			f->hnext = nb[b];
			nb[b] = f;
			f = next;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = n;
	return 0;
}

static void hash_remove(struct flow_table *t, struct flow *f)
{
	struct flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	f->hnext = NULL;
	t->nflows--;
}

static struct flow *hash_find(const struct flow_table *t,
			      const struct flow_key *k, uint32_t h)
{
	struct flow *f = t->buckets[h & (t->nbuckets - 1)];

	for (; f; f = f->hnext)
		if (f->hash == h && memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	return NULL;
}

/* ---- lifecycle ---- */

struct flow_table *flow_table_new(const struct flow_limits *lim)
{
	struct flow_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (lim) {
		t->lim = *lim;
	} else {
		t->lim.max_flows = FLOW_DEFAULT_MAX_FLOWS;
		t->lim.idle_timeout_ns = FLOW_DEFAULT_IDLE_NS;
		t->lim.closed_linger_ns = FLOW_DEFAULT_LINGER_NS;
	}
	if (t->lim.max_flows == 0)
		t->lim.max_flows = 1;
	t->nbuckets = 1024;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	/* Per-table seed: crafted captures cannot aim at fixed chains. */
	t->seed = mix64((uint64_t)(uintptr_t)t ^ 0x6e65746478666c77ULL);
	t->alloc_size = sizeof(struct flow);
	return t;
}

int flow_table_add_analyzer(struct flow_table *t, const struct flow_analyzer *a)
{
	size_t off;

	if (!t || !a || t->n_an >= FLOW_MAX_ANALYZERS || t->nflows > 0)
		return -1;
	/* States follow the flow, each aligned for any scalar type. */
	off = (t->alloc_size + 15) & ~(size_t)15;
	if (a->state_size > ((size_t)1 << 30))
		return -1;
	t->an[t->n_an] = *a;
	t->an_off[t->n_an] = off;
	t->alloc_size = off + a->state_size;
	return t->n_an++;
}

void flow_table_set_end_cb(struct flow_table *t,
			   void (*cb)(void *ctx, const struct flow *f), void *ctx)
{
	t->end_cb = cb;
	t->end_ctx = ctx;
}

static void start_analyzers(struct flow_table *t, struct flow *f)
{
	for (int i = 0; i < t->n_an; i++) {
		void *st = f->an_state[i];

		if (t->an[i].state_size)
			memset(st, 0, t->an[i].state_size);
		if (t->an[i].on_flow_start)
			t->an[i].on_flow_start(t->an[i].ctx, f, st);
	}
}

/* Runs analyzer ends and the end callback; the flow stays allocated. */
static void end_flow(struct flow_table *t, struct flow *f, enum flow_end why)
{
	f->end = why;
	for (int i = 0; i < t->n_an; i++)
		if (t->an[i].on_flow_end)
			t->an[i].on_flow_end(t->an[i].ctx, f, f->an_state[i]);
	if (t->end_cb)
		t->end_cb(t->end_ctx, f);
	switch (why) {
	case FLOW_END_CLOSED:
		t->st.closed++;
		break;
	case FLOW_END_IDLE:
		t->st.idled++;
		break;
	case FLOW_END_EVICTED:
		t->st.evicted++;
		break;
	case FLOW_END_REUSED:
		t->st.reused++;
		break;
	case FLOW_END_OPEN:
		break;
	}
	t->st.open--;
}

static void destroy(struct flow_table *t, struct flow *f)
{
	list_unlink(t, f);
	hash_remove(t, f);
	free(f);
}

/* Moves an ended flow to the revival memory, forgetting the oldest. */
static void remember(struct flow_table *t, struct flow *f)
{
	list_move(t, f, LIST_ENDED);
	while (t->lists[LIST_ENDED].n > t->lim.max_flows) {
		destroy(t, t->lists[LIST_ENDED].tail);
		t->st.forgotten++;
	}
}

static bool tcp_finished(const struct flow *f)
{
	return (f->tcp.fin[0] && f->tcp.fin[1]) || f->tcp.rst[0] ||
	       f->tcp.rst[1];
}

/* now - last >= limit, without overflow for any timestamps and limits. */
static bool aged(int64_t now_ns, int64_t last_ns, int64_t limit)
{
	if (now_ns < last_ns)
		return false;
	return (uint64_t)now_ns - (uint64_t)last_ns >=
	       (uint64_t)(limit < 0 ? 0 : limit);
}

void flow_table_expire(struct flow_table *t, int64_t now_ns)
{
	struct flow *f;

	while ((f = t->lists[LIST_OPEN].tail) &&
	       aged(now_ns, f->last_ns, t->lim.idle_timeout_ns)) {
		end_flow(t, f, FLOW_END_IDLE);
		remember(t, f);
	}
	while ((f = t->lists[LIST_CLOSED].tail) &&
	       aged(now_ns, f->last_ns, t->lim.closed_linger_ns)) {
		end_flow(t, f, FLOW_END_CLOSED);
		remember(t, f);
	}
}

/* Makes room for one more open flow: finished flows go first. */
static void make_room(struct flow_table *t)
{
	while (t->st.open >= t->lim.max_flows) {
		struct flow *f = t->lists[LIST_CLOSED].tail;

		if (f) {
			end_flow(t, f, FLOW_END_CLOSED);
		} else {
			f = t->lists[LIST_OPEN].tail;
			if (!f)
				return;
			end_flow(t, f, FLOW_END_EVICTED);
		}
		remember(t, f);
	}
}

static void count_conv(struct flow_table *t, enum flow_family fam)
{
	if (fam == FLOW_FAM_TCP)
		t->st.tcp_convs++;
	else if (fam == FLOW_FAM_UDP)
		t->st.udp_convs++;
	else
		t->st.other_convs++;
}

static struct flow *create(struct flow_table *t, const struct flow_key *k,
			   uint32_t h)
{
	struct flow *f;
	enum flow_family fam = flow_family_of(k->proto);

	make_room(t);
	if (t->nflows >= t->nbuckets && table_grow(t) < 0)
		return NULL;
	f = calloc(1, t->alloc_size);
	if (!f)
		return NULL;
	f->key = *k;
	f->hash = h;
	f->conv_id = t->next_conv[fam]++;
	count_conv(t, fam);
	for (int i = 0; i < t->n_an; i++)
		f->an_state[i] = (char *)f + t->an_off[i];
	f->hnext = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = f;
	t->nflows++;
	list_push(t, f, LIST_OPEN);
	t->st.created++;
	t->st.open++;
	if (t->st.open > t->st.max_open)
		t->st.max_open = t->st.open;
	start_analyzers(t, f);
	return f;
}

/* A late packet for an ended flow: same conversation, fresh analyzers. */
static void revive(struct flow_table *t, struct flow *f)
{
	/* Detach first so that making room cannot forget f itself. */
	list_unlink(t, f);
	make_room(t);
	f->part++;
	f->end = FLOW_END_OPEN;
	list_push(t, f, f->key.proto == 6 && tcp_finished(f) ? LIST_CLOSED
							     : LIST_OPEN);
	t->st.revived++;
	t->st.open++;
	if (t->st.open > t->st.max_open)
		t->st.max_open = t->st.open;
	start_analyzers(t, f);
}

/* Builds the canonical key; returns the packet's direction. */
static int make_key(const struct pkt_ip *ip, const struct pkt_l4 *l4,
		    struct flow_key *k)
{
	size_t alen = ip->ver == 6 ? 16 : 4;
	uint16_t sp = 0, dp = 0;
	int c, dir;

	memset(k, 0, sizeof(*k));
	k->family = ip->ver == 6 ? 6 : 4;
	k->proto = l4->proto;
	if (flow_proto_has_ports(l4->proto)) {
		sp = l4->sport;
		dp = l4->dport;
	}
	c = memcmp(ip->src, ip->dst, alen);
	dir = (c > 0 || (c == 0 && sp >= dp)) ? 0 : 1;
	memcpy(k->addr[dir], ip->src, alen);
	memcpy(k->addr[!dir], ip->dst, alen);
	k->port[dir] = sp;
	k->port[!dir] = dp;
	return dir;
}

int flow_key_from_packet(const struct packet *pkt, int l4, struct flow_key *k)
{
	const struct pkt_l4 *l;

	if (l4 < 0 || l4 >= pkt->n_l4 || l4 >= PKT_MAX_L4)
		return -1;
	l = &pkt->l4[l4];
	if (l->ip >= pkt->n_ip || l->ip >= PKT_MAX_IP)
		return -1;
	return make_key(&pkt->ip[l->ip], l, k);
}

/* W1 base sequence numbers and the TCP lifecycle summary. */
static void tcp_track(struct flow_table *t, struct flow *f,
		      const struct pkt_tcp *th, int dir)
{
	struct flow_tcp_summary *s = &f->tcp;
	uint16_t fl = th->flags;
	bool was_finished = tcp_finished(f);

	if (!s->base_set[dir]) {
		s->base_seq[dir] = (fl & TCP_F_SYN) ? th->seq : th->seq - 1;
		s->base_set[dir] = true;
	}
	if ((fl & TCP_F_ACK) && !s->base_set[!dir]) {
		s->base_seq[!dir] = th->ack - 1;
		s->base_set[!dir] = true;
	}

	if ((fl & TCP_F_SYN) && !(fl & TCP_F_ACK)) {
		if (!s->syn_seen)
			s->syn_dir = (uint8_t)dir;
		s->syn_seen = true;
	} else if ((fl & TCP_F_SYN) && (fl & TCP_F_ACK)) {
		s->synack_seen = true;
	} else if ((fl & TCP_F_ACK) && s->syn_seen && s->synack_seen &&
		   dir == s->syn_dir && !(fl & TCP_F_RST)) {
		s->handshake_ack = true;
	}
	if ((fl & TCP_F_FIN) && !s->fin[0] && !s->fin[1])
		s->first_fin_dir = (uint8_t)dir;
	if (fl & TCP_F_FIN)
		s->fin[dir] = true;
	if ((fl & TCP_F_RST) && !s->rst[0] && !s->rst[1])
		s->first_rst_dir = (uint8_t)dir;
	if (fl & TCP_F_RST)
		s->rst[dir] = true;
	if (!was_finished && tcp_finished(f) && f->list == LIST_OPEN)
		list_move(t, f, LIST_CLOSED);
}

bool flow_counted(const struct flow *f)
{
	return f->pkts[0] + f->pkts[1] > 0;
}

struct flow *flow_table_update(struct flow_table *t, const struct packet *pkt,
			       int l4_index, uint64_t frame, int64_t ts_ns,
			       uint32_t wirelen, struct flow_pkt_info *info)
{
	return flow_table_update_mode(t, pkt, l4_index, frame, ts_ns, wirelen,
				      FLOW_UPD_COUNT, info);
}

struct flow *flow_table_update_mode(struct flow_table *t,
				    const struct packet *pkt, int l4_index,
				    uint64_t frame, int64_t ts_ns,
				    uint32_t wirelen, enum flow_upd mode,
				    struct flow_pkt_info *info)
{
	const struct pkt_l4 *l4;
	const struct pkt_ip *ip;
	const struct pkt_tcp *th = NULL;
	struct flow_key k;
	struct flow *f;
	uint32_t h;
	int dir;

	if (info)
		memset(info, 0, sizeof(*info));
	if (l4_index < 0 || l4_index >= pkt->n_l4 || l4_index >= PKT_MAX_L4)
		return NULL;
	l4 = &pkt->l4[l4_index];
	if (l4->ip >= pkt->n_ip || l4->ip >= PKT_MAX_IP)
		return NULL;
	ip = &pkt->ip[l4->ip];

	/* Expiry runs on capture time, at most once per capture second. */
	if (!t->have_now || ts_ns > t->now_ns) {
		t->now_ns = ts_ns;
		t->have_now = true;
	}
	if (t->now_ns >= t->next_expire_ns) {
		flow_table_expire(t, t->now_ns);
		t->next_expire_ns = t->now_ns > INT64_MAX - NS_PER_S
					    ? INT64_MAX
					    : t->now_ns + NS_PER_S;
	}

	dir = make_key(ip, l4, &k);
	h = key_hash(t, &k);
	f = hash_find(t, &k, h);
	if (l4->proto == 6 && mode != FLOW_UPD_TOUCH)
		th = &l4->u.tcp;

	if (f && th && (th->flags & TCP_F_SYN)) {
		bool pure = !(th->flags & TCP_F_ACK);
		struct flow_tcp_summary *s = &f->tcp;

		if (pure && s->base_set[dir] && th->seq != s->base_seq[dir]) {
			/* W3: new conversation on the same 4-tuple. */
			if (f->list != LIST_ENDED)
				end_flow(t, f, FLOW_END_REUSED);
			destroy(t, f);
			f = NULL;
			if (info)
				info->reused_ports = true;
		} else if (!pure && s->base_set[dir] &&
			   th->seq != s->base_seq[dir]) {
			/* W3: SYN-ACK with a new ISN (its SYN was not seen). */
			s->base_seq[dir] = th->seq;
			if (info)
				info->reused_ports = true;
		}
	}

	if (!f) {
		f = create(t, &k, h);
		if (!f)
			return NULL;
		f->first_frame = frame;
		f->first_ns = ts_ns;
		f->last_ns = ts_ns;
		f->first_dir = (uint8_t)dir;
		f->depth = l4->ip;
		if (info)
			info->created = true;
	} else if (f->list == LIST_ENDED) {
		revive(t, f);
	} else {
		list_move(t, f, f->list);
	}

	if (mode != FLOW_UPD_COUNT) {
		/* Idle expiry still needs the time; counters stay untouched. */
		if (!flow_counted(f) && ts_ns > f->last_ns)
			f->last_ns = ts_ns;
		goto track;
	}
	if (!flow_counted(f)) {
		/* First counted packet: the row starts here (A = its source). */
		f->first_frame = frame;
		f->first_ns = ts_ns;
		f->last_ns = ts_ns;
		f->first_dir = (uint8_t)dir;
	}
	/* Like tshark's conv tables: earliest and latest time seen. */
	f->last_frame = frame;
	if (ts_ns > f->last_ns)
		f->last_ns = ts_ns;
	if (ts_ns < f->first_ns)
		f->first_ns = ts_ns;
	f->pkts[dir]++;
	f->bytes[dir] += wirelen;
	f->tunnels |= pkt->tunnels;
track:
	if (th)
		tcp_track(t, f, th, dir);
	if (info)
		info->dir = dir;
	return f;
}

void flow_table_flush(struct flow_table *t)
{
	struct flow *f;

	if (!t)
		return;
	/* Oldest activity first, so the end callback sees a stable order. */
	for (int l = LIST_OPEN; l <= LIST_CLOSED; l++) {
		while ((f = t->lists[l].tail)) {
			end_flow(t, f, FLOW_END_OPEN);
			destroy(t, f);
		}
	}
	while ((f = t->lists[LIST_ENDED].tail))
		destroy(t, f);
}

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *st)
{
	*st = t->st;
}

void flow_table_free(struct flow_table *t)
{
	struct flow *f;

	if (!t)
		return;
	/*
	 * Without a flush, open flows still get their analyzer ends (to release
	 * what the states own) but not the end callback: its owner may be gone.
	 */
	for (int l = 0; l < LIST_N; l++) {
		while ((f = t->lists[l].tail)) {
			for (int i = 0; l != LIST_ENDED && i < t->n_an; i++)
				if (t->an[i].on_flow_end)
					t->an[i].on_flow_end(t->an[i].ctx, f,
							     f->an_state[i]);
			destroy(t, f);
		}
	}
	free(t->buckets);
	free(t);
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
