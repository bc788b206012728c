// SPDX-License-Identifier: MIT
/* Capture-quality analyzer: the near-copy set (a packet captured twice on its way through a host). */
#include "analyze/cq_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Near copies can only match within the window, so their set evicts by
 * time as well as by count: it stays a few KiB (cache-resident) at any
 * realistic packet rate. Its index is only kept once some frame could be
 * a near copy (near_bucket: not in a capture where each IP address pair
 * has one link header, interface and file), and never cleaned per frame:
 * a candidate leaving the ring is a counter step, its index slot is
 * recognised as dead by number and reused (struct nset, cq_int.h). The
 * per-frame work (lazy mode, and the indexed lookup) is cq_near_check,
 * inline in cq_int.h; this file holds the rare steps. Fingerprints:
 * capture_quality.c.
 */

/* The near index starts larger: rebuilt when a quarter full (see below). */
#define CQ_NEAR_IDX_MIN 2048u
/*
 * Near ring entries at first (doubled on demand up to CQ_NEAR_ENTRIES).
 * 1024 holds a 1 ms window at ~1 M frames/s; starting at 256 took more
 * page faults on rr (the doubled rings are fresh allocations).
 */
#define CQ_NEAR_START 1024u

int cq_near_init(struct nset *n)
{
	n->mask = CQ_NEAR_START - 1;
	n->e = malloc(CQ_NEAR_START * sizeof(*n->e));
	n->imask = CQ_NEAR_IDX_MIN - 1;
	n->pend = INT64_MIN;
	n->gen = NS_GEN; /* calloc'ed slots are generation 0: empty */
	n->used_max = CQ_NEAR_IDX_MIN / 4;
	n->slot = calloc(CQ_NEAR_IDX_MIN, sizeof(*n->slot));
	n->paux = calloc(NS_PATHS, sizeof(*n->paux));
	n->pseq = malloc(NS_PATHS * sizeof(*n->pseq));
	if (!n->e || !n->slot || !n->paux || !n->pseq)
		return -ENOMEM;
	/* Candidate UINT32_MAX (the 4 G-th) is not in the ring: empty buckets. */
	memset(n->pseq, 0xff, NS_PATHS * sizeof(*n->pseq));
	return 0;
}

void cq_near_free(struct nset *n)
{
	free(n->e);
	free(n->slot);
	free(n->paux);
	free(n->pseq);
}

static uint32_t near_home(const struct nset *n, uint64_t fp)
{
	return (uint32_t)(fp >> 32) & n->imask;
}

/*
 * Next generation: the live candidates re-placed oldest first (the newest
 * of a fingerprint wins), in an index doubled while they would fill more
 * than an eighth of it. Rebuilt again after sz / 8 more occupied slots at
 * least: amortized O(1) per frame, occupancy at most 1/4 (3/8 at the
 * largest index).
 */
void cq_near_reindex(struct nset *n)
{
	uint64_t sz = (uint64_t)n->imask + 1;
	while (!n->no_grow && (uint64_t)(n->len + 1) * 8 > sz &&
	       sz * 2 <= 4ull * CQ_NEAR_ENTRIES)
		sz *= 2;
	if (sz != (uint64_t)n->imask + 1) {
		uint32_t *ns = calloc(sz, sizeof(*ns));
		n->no_grow = !ns;
		if (ns) {
			free(n->slot);
			n->slot = ns;
			n->imask = (uint32_t)sz - 1;
			n->gen = 0;
		}
	}
	n->gen += NS_GEN;
	if (!n->gen) { /* generations wrapped: clear for real */
		memset(n->slot, 0, ((size_t)n->imask + 1) * sizeof(*n->slot));
		n->gen = NS_GEN;
	}
	n->used = 0;
	for (uint32_t k = 0; k < n->len; k++) {
		uint32_t seq = n->tail + k;
		uint64_t fp = n->e[seq & n->mask].fp;
		uint32_t i = near_home(n, fp);
		for (int p = 0; p < CQ_MAX_PROBE; p++) {
			uint32_t v = n->slot[i];
			if ((v & ~NS_SEQ) != n->gen) {
				n->used++;
				n->slot[i] = n->gen | (seq & NS_SEQ);
				break;
			}
			if (n->e[v & n->mask].fp == fp) {
				n->slot[i] = n->gen | (seq & NS_SEQ);
				break;
			}
			i = (i + 1) & n->imask;
		}
	}
	sz = (uint64_t)n->imask + 1;
	n->used_max = n->used + (uint32_t)(sz / 8) > sz / 4
			      ? n->used + (uint32_t)(sz / 8)
			      : (uint32_t)(sz / 4);
	n->base = n->tail + n->len;
}

/*
 * Doubles the ring (each candidate moves to slot seq & new mask) and
 * re-indexes (if there is an index). False at CQ_NEAR_ENTRIES or out of memory (then the ring
 * keeps working at its size, evicting by count).
 */
static __attribute__((cold, noinline)) bool near_grow(struct nset *n)
{
	uint32_t cap = n->mask + 1;
	if (cap >= CQ_NEAR_ENTRIES || n->no_ring_grow)
		return false;
	struct nent *e = malloc((size_t)cap * 2 * sizeof(*e));
	if (!e) {
		n->no_ring_grow = true;
		return false;
	}
	for (uint32_t k = 0; k < n->len; k++) {
		uint32_t seq = n->tail + k;
		e[seq & (cap * 2 - 1)] = n->e[seq & n->mask];
	}
	free(n->e);
	n->e = e;
	n->mask = cap * 2 - 1;
	if (n->full) /* else there is no index yet (near_bucket) */
		cq_near_reindex(n);
	return true;
}

/*
 * The ring is full and its oldest candidate is inside the window: grows
 * it, or at CQ_NEAR_ENTRIES drops candidates by count (and then those
 * older than cut) until there is room.
 */
void cq_near_make_room(struct nset *n, int64_t cut)
{
	while (n->len) {
		if (n->e[n->tail & n->mask].ts >= cut &&
		    (n->len <= n->mask || near_grow(n)))
			return;
		n->tail++;
		n->len--;
	}
}

static __attribute__((cold, noinline)) void near_go_full(struct nset *n)
{
	n->full = true;
	cq_near_reindex(n);
}

/*
 * Lazy mode when the inline case does not apply (ring full, or bucket b
 * claimed by another path): brings the ring up to date (the deferred
 * expiry argued at cq_near_check), then the frame is a candidate. False
 * when it needs the index (then built): the ring is as eager expiry would
 * have left it.
 */
bool cq_near_lazy_slow(struct nset *n, const struct cap_frame *fr,
		       int64_t cut, uint32_t b, uint64_t fp, uint64_t aux)
{
	near_expire(n, n->pend);
	n->pend = INT64_MIN;
	if (n->len > n->mask)
		cq_near_make_room(n, cut);
	if (n->paux[b] != aux && n->pseq[b] - n->tail < n->len) {
		near_go_full(n); /* a live candidate on another path */
		return false;
	}
	near_push_lazy(n, b, fr, fp, aux);
	return true;
}
