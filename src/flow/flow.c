// SPDX-License-Identifier: MIT
/* Bounded flow table: chained hash, recency lists, expiry, W1/W3 TCP rules. */
#include "flow/flow.h"
#include "flow/flow_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
 * An open flow is one block with its analyzer states behind it. When it
 * ends, the states are released and the flow moves to an ended record of
 * sizeof(struct flow) (no analyzer states), so memory follows the open
 * flows, not every connection seen; a revival moves it back into a full
 * block. Blocks of both kinds are carved from an arena of chunks (up to
 * 2 MiB, huge-page hinted) and recycled through one free list per kind, so
 * connection churn does not go through malloc; memory stays at the peak
 * number of blocks in use until the flush or free releases the chunks.
 *
 * Recency is lazy: a packet moves its flow to the head of its list only on
 * the flow's first packet of an expiry epoch (the time between two expiry
 * scans, at least one capture second), and lru_ns records that epoch's
 * start; seq records the flow's last packet. So a list is a series of runs
 * of equal lru_ns, and every seq in a run is greater than those of the runs
 * behind it. Expiry and the final flush take flows in seq order (sorting a
 * run once it reaches the tail), which is exactly the order of a list moved
 * on every packet: the same flows end, in the same order. Once the table is
 * full, lists are sorted by seq and packets move flows eagerly, so that
 * eviction picks the least recently used flow.
 */
enum { LIST_OPEN = 0, LIST_CLOSED, LIST_ENDED, LIST_N };

#define FLOW_MAX_ANALYZERS 4
#define NS_PER_S 1000000000LL

enum { BLK_FULL = 0, BLK_ENDED = 1 };

/* A LIFO of free blocks of one size, linked through hnext. */
struct flow_pool {
	struct flow *head;
	size_t n;
};

struct flow_list {
	struct flow *head, *tail;
	size_t n;
};

/* Arena chunks: blocks are carved from these, never freed one by one. */
struct flow_chunk {
	struct flow_chunk *next;
};

#define CHUNK_MIN ((size_t)64 << 10)
#define CHUNK_MAX ((size_t)2 << 20) /* one transparent huge page */
#define CHUNK_HDR ((size_t)64)

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
	struct flow_pool pool[2]; /* BLK_FULL, BLK_ENDED */
	struct flow_chunk *chunks;
	char *ar_next;	 /* unused part of the newest chunk */
	size_t ar_left;
	size_t chunk_sz; /* size of the next chunk */
	void (*end_cb)(void *ctx, const struct flow *f);
	void *end_ctx;
	uint64_t next_conv[3];
	int64_t now_ns;
	int64_t next_expire_ns;
	int64_t epoch_ns; /* start of the current expiry epoch (lru_ns) */
	uint64_t seq;	  /* updates so far (flow.seq) */
	bool eager;	  /* recency moved on every packet (table was full) */
	struct flow **vic; /* scratch for sorting flows by seq */
	size_t nvic, cvic;
	/* Per list: runs placed up to sorted_lru are already sorted by seq. */
	int64_t sorted_lru[LIST_N];
	bool sorted_ok[LIST_N];
	bool have_now;
	struct flow_table_stats st;
};

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
	f->lru_ns = t->epoch_ns;
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

/* Two independent multiply lanes, then one fold with the meta word. */
static inline uint32_t kw_hash(const struct flow_table *t, const struct kw *w)
{
	uint64_t s = t->seed;
	uint64_t x = mum(w->a[0] ^ s, w->a[2] ^ 0xa0761d6478bd642fULL);
	uint64_t y = mum(w->a[1] ^ 0xe7037ed1a0b428dbULL,
			 w->a[3] ^ (s >> 7) ^ 0x8ebc6af09c88c6e3ULL);
	uint64_t h = mum(x ^ w->m ^ 0x589965cc75374cc3ULL,
			 y ^ 0x1d8e4e27c47d124fULL);

	return (uint32_t)(h ^ (h >> 32));
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

static struct flow *hash_find(const struct flow_table *t, const struct kw *w,
			      uint32_t h)
{
	struct flow *f = t->buckets[h & (t->nbuckets - 1)];

	for (; f; f = f->hnext)
		if (f->hash == h && kw_eq(w, &f->key))
			return f;
	return NULL;
}

/* Puts block nf where block of (hashed) of was in its chain. */
static void hash_replace(struct flow_table *t, struct flow *of, struct flow *nf)
{
	struct flow **pp = &t->buckets[of->hash & (t->nbuckets - 1)];

	while (*pp && *pp != of)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = nf;
	nf->hnext = of->hnext;
}

/* ---- blocks ---- */

static size_t blk_size(const struct flow_table *t, int kind)
{
	return kind == BLK_FULL ? t->alloc_size : sizeof(struct flow);
}

/*
 * A new chunk for the arena: sizes double from 64 KiB to 2 MiB, and the
 * 2 MiB ones are aligned and marked for transparent huge pages, so a large
 * table faults and TLB-misses per 2 MiB instead of per 4 KiB page.
 */
static bool arena_grow(struct flow_table *t, size_t need)
{
	size_t sz = t->chunk_sz ? t->chunk_sz : CHUNK_MIN;
	struct flow_chunk *c;

	while (sz < need + CHUNK_HDR)
		sz *= 2;
	if (sz >= CHUNK_MAX) {
		c = aligned_alloc(CHUNK_MAX, (sz + CHUNK_MAX - 1) & ~(CHUNK_MAX - 1));
		if (c)
			(void)madvise(c, sz, MADV_HUGEPAGE); /* a hint only */
	} else {
		c = aligned_alloc(64, sz); /* sz: a power of two >= 64 KiB */
	}
	if (!c)
		return false;
	c->next = t->chunks;
	t->chunks = c;
	t->ar_next = (char *)c + CHUNK_HDR;
	t->ar_left = sz - CHUNK_HDR;
	t->chunk_sz = sz < CHUNK_MAX ? sz * 2 : sz;
	return true;
}

/* A block of the given kind, contents undefined (NULL: out of memory). */
static struct flow *blk_get(struct flow_table *t, int kind)
{
	struct flow_pool *p = &t->pool[kind];
	struct flow *f = p->head;
	size_t sz;

	if (f) {
		p->head = f->hnext;
		p->n--;
		return f;
	}
	/* Whole cache lines: a flow's hot fields never straddle a line. */
	sz = (blk_size(t, kind) + 63) & ~(size_t)63;
	if (sz > t->ar_left && !arena_grow(t, sz))
		return NULL;
	f = (struct flow *)(void *)t->ar_next;
	t->ar_next += sz;
	t->ar_left -= sz;
	return f;
}

/* Blocks live in the arena: a free block waits on its kind's free list. */
static void blk_put(struct flow_table *t, struct flow *f)
{
	struct flow_pool *p = &t->pool[f->blk];

	f->hnext = p->head;
	p->head = f;
	p->n++;
}

/* Releases every block at once (the table holds no flow any more). */
static void pools_free(struct flow_table *t)
{
	struct flow_chunk *c;

	while ((c = t->chunks)) {
		t->chunks = c->next;
		free(c);
	}
	memset(t->pool, 0, sizeof(t->pool));
	t->ar_next = NULL;
	t->ar_left = 0;
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

void *flow_state(const struct flow_table *t, const struct flow *f, int slot)
{
	if (f->blk != BLK_FULL || slot < 0 || slot >= t->n_an)
		return NULL;
	return (char *)(uintptr_t)f + t->an_off[slot];
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
		void *st = (char *)f + t->an_off[i];

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
			t->an[i].on_flow_end(t->an[i].ctx, f,
					     flow_state(t, f, i));
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
		t->st.evictions++;
		if (!(f->evicted & FLOW_EVICTED_ONCE)) {
			f->evicted |= FLOW_EVICTED_ONCE;
			t->st.evicted++;
		}
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
	blk_put(t, f);
}

/*
 * Moves an ended flow to the revival memory as an ended record (the flow
 * without analyzer states), forgetting the oldest records beyond max_flows.
 * Without memory for the record the full block stays: nothing is lost.
 */
static void remember(struct flow_table *t, struct flow *f)
{
	struct flow *r = f->blk == BLK_FULL ? blk_get(t, BLK_ENDED) : NULL;

	list_unlink(t, f);
	if (r) {
		memcpy(r, f, sizeof(*r));
		r->blk = BLK_ENDED;
		hash_replace(t, f, r);
		blk_put(t, f);
		f = r;
	}
	f->lru_ns = t->epoch_ns;
	list_push(t, f, LIST_ENDED);
	while (t->lists[LIST_ENDED].n > t->lim.max_flows) {
		struct flow *old = t->lists[LIST_ENDED].tail;

		if (old->evicted & FLOW_EVICTED_ONCE)
			t->st.evicted_forgotten++;
		destroy(t, old);
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

static int cmp_seq(const void *a, const void *b)
{
	const struct flow *x = *(struct flow *const *)a;
	const struct flow *y = *(struct flow *const *)b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

static bool vic_add(struct flow_table *t, struct flow *f)
{
	if (t->nvic == t->cvic) {
		size_t nc = t->cvic ? t->cvic * 2 : 256;
		struct flow **n = realloc(t->vic, nc * sizeof(*n));

		if (!n)
			return false;
		t->vic = n;
		t->cvic = nc;
	}
	t->vic[t->nvic++] = f;
	return true;
}

static void vic_sort(struct flow_table *t)
{
	for (size_t i = 1; i < t->nvic; i++) {
		if (t->vic[i - 1]->seq > t->vic[i]->seq) {
			qsort(t->vic, t->nvic, sizeof(*t->vic), cmp_seq);
			return;
		}
	}
}

/*
 * Sorts the run of flows at the tail of list l placed in epoch e (lru_ns ==
 * e) by seq, oldest at the tail. False without memory (order unchanged).
 */
static bool sort_tail_run(struct flow_table *t, int l, int64_t e)
{
	struct flow *f, *beyond;

	t->nvic = 0;
	for (f = t->lists[l].tail; f && f->lru_ns == e; f = f->lru_prev)
		if (!vic_add(t, f))
			return false;
	beyond = f;
	vic_sort(t);
	for (size_t i = 0; i < t->nvic; i++) {
		struct flow *x = t->vic[i];

		x->lru_next = i ? t->vic[i - 1] : NULL;
		x->lru_prev = i + 1 < t->nvic ? t->vic[i + 1] : beyond;
	}
	if (t->nvic) {
		t->lists[l].tail = t->vic[0];
		if (beyond)
			beyond->lru_next = t->vic[t->nvic - 1];
		else
			t->lists[l].head = t->vic[t->nvic - 1];
	}
	t->nvic = 0;
	return true;
}

/*
 * Ends the flows of list l idle for limit, oldest packet (seq) first, up to
 * the first flow that is not idle: what a list moved on every packet would
 * end. The list is in runs of equal placement epoch, and seq grows from run
 * to run; so each tail run is sorted by seq once (in place), after which it
 * stays sorted -- its flows leave it on their next packet -- and a scan
 * that finds its oldest flow busy stops at once. In a capture whose time
 * does not go back, runs placed less than limit ago hold no idle flow.
 */
static void expire_list(struct flow_table *t, int l, int64_t now_ns,
			int64_t limit, enum flow_end why)
{
	int64_t next_epoch = now_ns > t->epoch_ns ? now_ns : t->epoch_ns;
	struct flow *f;

	while ((f = t->lists[l].tail)) {
		int64_t e = f->lru_ns;

		if (!(t->sorted_ok[l] && e <= t->sorted_lru[l])) {
			if (sort_tail_run(t, l, e) && e < next_epoch) {
				/* A closed epoch: no packet updates in place. */
				t->sorted_lru[l] = e;
				t->sorted_ok[l] = true;
			}
			f = t->lists[l].tail;
		}
		if (!aged(now_ns, f->last_ns, limit))
			return;
		end_flow(t, f, why);
		remember(t, f);
	}
}

/*
 * Sorts list l by seq (oldest packet at the tail) in place. The list is a
 * series of runs of equal lru_ns, newest run first, and every seq of a run
 * is greater than those of the runs behind it (top of file): so each run is
 * sorted on its own and relinked while it is in cache, and the runs are
 * joined as they are. A join out of order (which the invariant rules out)
 * falls back to sorting the whole chain.
 */
static void list_sort(struct flow_table *t, int l)
{
	struct flow *f = t->lists[l].head, *head = NULL, *prev = NULL;
	struct flow **pp = &head;
	bool ordered = true;

	while (f) {
		struct flow *run = f, *next;
		int64_t e = f->lru_ns;

		while (f->lru_next && f->lru_next->lru_ns == e)
			f = f->lru_next;
		next = f->lru_next;
		f->lru_next = NULL;
		run = flow_chain_sort(run);
		if (prev && prev->seq <= run->seq)
			ordered = false;
		*pp = run;
		for (f = run; f; prev = f, f = f->lru_next)
			f->lru_prev = prev;
		pp = &prev->lru_next;
		f = next;
	}
	if (!ordered) {
		head = flow_chain_sort(head);
		prev = NULL;
		for (f = head; f; prev = f, f = f->lru_next)
			f->lru_prev = prev;
	}
	t->lists[l].head = head;
	t->lists[l].tail = prev;
}

/*
 * Detaches the run of flows at the tail of list l (equal lru_ns) and
 * returns it as an lru_next chain ending in the old tail.
 */
static struct flow *detach_tail_run(struct flow_table *t, int l)
{
	struct flow_list *ls = &t->lists[l];
	struct flow *first = ls->tail;
	int64_t e = first->lru_ns;
	size_t n = 1;

	while (first->lru_prev && first->lru_prev->lru_ns == e) {
		first = first->lru_prev;
		n++;
	}
	ls->tail = first->lru_prev;
	if (ls->tail)
		ls->tail->lru_next = NULL;
	else
		ls->head = NULL;
	ls->n -= n;
	first->lru_prev = NULL;
	return first;
}

/* The table is full: from now on recency is exact (eviction order). */
static void go_eager(struct flow_table *t)
{
	if (t->eager)
		return;
	list_sort(t, LIST_OPEN);
	list_sort(t, LIST_CLOSED);
	t->eager = true;
}

void flow_table_expire(struct flow_table *t, int64_t now_ns)
{
	expire_list(t, LIST_OPEN, now_ns, t->lim.idle_timeout_ns, FLOW_END_IDLE);
	expire_list(t, LIST_CLOSED, now_ns, t->lim.closed_linger_ns,
		    FLOW_END_CLOSED);
	/* A new epoch: the next packet of each flow places it again. */
	if (now_ns > t->epoch_ns)
		t->epoch_ns = now_ns;
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
	f = blk_get(t, BLK_FULL);
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->blk = BLK_FULL;
	f->lru_ns = t->epoch_ns;
	f->seq = ++t->seq;
	f->key = *k;
	f->hash = h;
	f->conv_id = t->next_conv[fam]++;
	count_conv(t, fam);
	f->hnext = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = f;
	t->nflows++;
	list_push(t, f, LIST_OPEN);
	t->st.created++;
	t->st.open++;
	if (t->st.open > t->st.max_open)
		t->st.max_open = t->st.open;
	if (t->st.open >= t->lim.max_flows)
		go_eager(t);
	start_analyzers(t, f);
	return f;
}

/*
 * A late packet for an ended flow: same conversation, fresh analyzers, back
 * in a full block. Returns the flow's new address, NULL without memory (the
 * ended record then stays as it was).
 */
static struct flow *revive(struct flow_table *t, struct flow *f)
{
	if (f->blk != BLK_FULL) {
		struct flow *b = blk_get(t, BLK_FULL);

		if (!b)
			return NULL;
		memcpy(b, f, sizeof(*b));
		b->blk = BLK_FULL;
		hash_replace(t, f, b);
		/* Same list position: unlink f and push b below. */
		list_unlink(t, f);
		blk_put(t, f);
		f = b;
	} else {
		/* Detach first so that making room cannot forget f itself. */
		list_unlink(t, f);
	}
	make_room(t);
	/* Came back after an eviction: its analysis is now split (once). */
	if (f->end == FLOW_END_EVICTED && !(f->evicted & FLOW_EVICTED_RETURNED)) {
		f->evicted |= FLOW_EVICTED_RETURNED;
		t->st.evicted_returned++;
	}
	f->part++;
	f->end = FLOW_END_OPEN;
	f->lru_ns = t->epoch_ns;
	f->seq = ++t->seq;
	list_push(t, f, f->key.proto == 6 && tcp_finished(f) ? LIST_CLOSED
							     : LIST_OPEN);
	t->st.revived++;
	t->st.open++;
	if (t->st.open > t->st.max_open)
		t->st.max_open = t->st.open;
	if (t->st.open >= t->lim.max_flows)
		go_eager(t);
	start_analyzers(t, f);
	return f;
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
	struct kw w;
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

	dir = make_kw(ip, l4, &w);
	h = kw_hash(t, &w);
	f = hash_find(t, &w, h);
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
		key_of_kw(&w, &k);
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
		f = revive(t, f);
		if (!f)
			return NULL;
	} else if (f->lru_ns != t->epoch_ns || t->eager) {
		/* Lazy recency (top of file); eager when eviction is near. */
		list_move(t, f, f->list);
	}

	f->seq = ++t->seq;
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
	struct flow *f, *next;

	if (!t)
		return;
	/*
	 * Every flow leaves: the hash goes empty in one sweep instead of a walk
	 * of each flow's (cold) chain, and each block is freed right after its
	 * end (the pools are emptied below anyway).
	 */
	memset(t->buckets, 0, t->nbuckets * sizeof(*t->buckets));
	t->nflows = 0;
	/*
	 * Oldest activity (seq) first, so the end callback sees a stable order.
	 * Runs of equal lru_ns hold greater seqs than the runs behind them (top
	 * of file), so the list is ended one tail run at a time, each sorted
	 * and ended while its flows are in cache.
	 */
	for (int l = LIST_OPEN; l <= LIST_CLOSED; l++) {
		while (t->lists[l].tail) {
			struct flow *run = flow_chain_sort(detach_tail_run(t, l));
			struct flow *old = NULL;

			/* Newest first after the sort: reverse to oldest first. */
			for (f = run; f; f = next) {
				next = f->lru_next;
				f->lru_next = old;
				old = f;
			}
			for (f = old; f; f = next) {
				next = f->lru_next;
				f->lru_prev = f->lru_next = NULL;
				end_flow(t, f, FLOW_END_OPEN);
			}
		}
	}
	/* Ended records need no end: the arena below takes them all. */
	memset(&t->lists[LIST_ENDED], 0, sizeof(t->lists[LIST_ENDED]));
	pools_free(t);
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
							     flow_state(t, f, i));
			destroy(t, f);
		}
	}
	pools_free(t);
	free(t->vic);
	free(t->buckets);
	free(t);
}
