/* SPDX-License-Identifier: MIT */
/* Capture-quality internals: the near-copy set (cq_near.c) and its per-frame fast path. */
#ifndef NETDX_ANALYZE_CQ_INT_H
#define NETDX_ANALYZE_CQ_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "analyze/capture_quality.h"

#define NIL UINT32_MAX
/* Longest probe sequence a lookup walks: bounds work on adversarial input. */
#define CQ_MAX_PROBE 64

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* One near candidate: one cache line holds two (a write touches one). */
struct nent {
	uint64_t fp;
	uint64_t aux; /* link header / interface / file hash */
	int64_t ts;
	uint64_t frame;
};

/*
 * Near-copy candidates: FIFO ring bounded by count and by time. It starts
 * at CQ_NEAR_START entries and doubles (up to CQ_NEAR_ENTRIES) only when
 * it is full of candidates still inside the window, so it stays as small
 * as the window's traffic: same candidates as a ring of CQ_NEAR_ENTRIES.
 * Candidates are numbered (32-bit sequence, wrapping); the ring's
 * capacity is a power of two and candidate seq lives in slot seq & mask.
 *
 * The index (linear probing) names a candidate by generation and the low
 * 24 bits of its sequence number: a slot of another generation is empty,
 * so clearing the index is a generation step. A slot whose candidate has
 * left the ring is dead: it is recognised by its number alone (no cleanup
 * when a candidate leaves, which is then a counter step) and reused by a
 * later insert on its probe path. Each fingerprint has at most one live
 * slot, naming its newest candidate (see cq_near_check). The index is
 * rebuilt (next generation, live candidates re-placed) once its occupied
 * slots reach used_max, and before 2^23 inserts so that a dead number
 * cannot come round to a live one; it doubles while the live candidates
 * would fill more than an eighth of it (at most 4 x CQ_NEAR_ENTRIES
 * slots: 1 MiB, reached only with 32 k frames in the window).
 */
#define NS_SEQ 0xffffffu
#define NS_GEN (1u << 24)
#define NS_SEQ_SPAN (1u << 23)
#define NS_PATHS 1024u

struct nset {
	struct nent *e;
	uint32_t mask;		/* ring capacity - 1 */
	uint32_t tail, len;	/* sequence number of the oldest, count */
	uint32_t *slot;		/* the index: gen | (seq & NS_SEQ) */
	uint32_t imask;		/* index slots - 1 */
	uint32_t gen;		/* current generation, a multiple of NS_GEN */
	uint32_t used, used_max; /* occupied slots, rebuild point */
	uint32_t base;		/* next sequence number at the last rebuild */
	int64_t pend;		/* lazy mode: cut not yet applied (cq_near_check) */
	/* Path buckets (near_bucket): until full, the index is not kept. */
	uint64_t *paux;		/* NS_PATHS: the path of the bucket's candidates */
	uint32_t *pseq;		/* NS_PATHS: sequence number of its newest */
	bool full;	   /* a frame may be a near copy: index kept from now on */
	bool no_grow;	   /* an index allocation failed: stop trying */
	bool no_ring_grow; /* a ring allocation failed: stay at this size */
};

/* 0, or -ENOMEM (then cq_near_free still cleans up). */
int cq_near_init(struct nset *n);
/* Frees the arrays, not n itself (it is embedded in struct cq). */
void cq_near_free(struct nset *n);

/*
 * Out of line in cq_near.c: the rare steps. cq_near_lazy_slow is lazy
 * mode when the inline case of cq_near_check does not apply: true when
 * the frame went in as a candidate, false when the index is needed (it is
 * then built and kept from now on). cq_near_make_room and cq_near_reindex
 * are the ring's and the index's upkeep.
 */
bool cq_near_lazy_slow(struct nset *n, const struct cap_frame *fr,
		       int64_t cut, uint32_t b, uint64_t fp, uint64_t aux);
__attribute__((cold)) void cq_near_make_room(struct nset *n, int64_t cut);
__attribute__((cold)) void cq_near_reindex(struct nset *n);

/*
 * Skipping the index while no frame can be a near copy.
 *
 * A near copy has the same IP bytes as a live candidate (its fingerprint
 * covers them) and another path (aux). So if every live candidate whose
 * IP packet maps to bucket b has one path, a frame of bucket b on that
 * path cannot be a copy -- whatever the bucket function, as long as it
 * depends on the IP bytes only (equal bytes, equal bucket): it takes the
 * outer source and destination addresses, which are the same on every
 * path for most captures (one host's traffic, a point-to-point link).
 * Each bucket keeps the path of its candidates and the number of its
 * newest one (FIFO: when that one has left, all have): a frame on the same
 * path, or in a bucket without live candidates, claims the bucket and
 * needs no lookup. Only the first frame that finds a live candidate on
 * another path in its bucket switches to the index, built once from the
 * live ring (cq_near_reindex: the same newest-per-fingerprint entries an
 * index kept all along would hold), and kept from then on. Results are
 * the same as with the index throughout; a bucket number aliasing by
 * sequence wrap (after 2^32 candidates) only switches early.
 */
static inline uint32_t near_bucket(const uint8_t *ip, uint32_t n)
{
	uint64_t k = 0;
	if (n >= 20 && ip[0] >> 4 == 4) {
		k = ld64(ip + 12);
	} else if (n >= 40 && ip[0] >> 4 == 6) {
		k = (ld64(ip + 8) ^ (ld64(ip + 16) << 29 | ld64(ip + 16) >> 35)) *
			    0xff51afd7ed558ccdULL ^
		    ld64(ip + 24) ^ (ld64(ip + 32) << 29 | ld64(ip + 32) >> 35);
	}
	return (uint32_t)((k * 0x9e3779b97f4a7c15ULL) >> 54);
}

/* Lazy mode: the frame becomes the newest candidate, claiming bucket b. */
static inline void near_push_lazy(struct nset *n, uint32_t b,
				  const struct cap_frame *fr, uint64_t fp,
				  uint64_t aux)
{
	uint32_t seq = n->tail + n->len;
	n->paux[b] = aux;
	n->pseq[b] = seq;
	n->e[seq & n->mask] = (struct nent){ .fp = fp, .aux = aux,
					     .ts = fr->ts_ns, .frame = fr->num };
	n->len++;
}

/* Index slot value v names a candidate still in the ring. */
static inline bool near_alive(uint32_t v, uint32_t tail, uint32_t len)
{
	return ((v - tail) & NS_SEQ) < len;
}

/* Drops the candidates older than cut, oldest first. */
static inline void near_expire(struct nset *n, int64_t cut)
{
	const struct nent *e = n->e;
	uint32_t tail = n->tail, len = n->len, mask = n->mask;
	while (len && e[tail & mask].ts < cut) {
		tail++;
		len--;
	}
	n->tail = tail;
	n->len = len;
}

/*
 * Near copy: same IP packet (fingerprint fp, bytes ip[0 .. iplen)), seen
 * again within window_ns via another path (aux). True with the original's
 * number in *orig, else the frame is remembered as a candidate. Inline:
 * it runs for every frame with an IP header; only the rare steps are
 * calls into cq_near.c.
 *
 * Candidates older than the window (now - ts > window, i.e. ts < now -
 * window = cut; when that subtraction overflows no timestamp is that old)
 * can match no later frame and are dropped, oldest first as in a FIFO;
 * then room is made for this frame (cq_near_make_room).
 *
 * In lazy mode (no index, see near_bucket) the common case is that the
 * ring has room and the frame's bucket holds only its own path: the frame
 * is appended with no lookup and no expiry; else cq_near_lazy_slow.
 * Lazy mode defers expiry: pend is the largest cut since the ring was last
 * brought up to date, which is done only when the ring is full or a bucket
 * must know whether its newest candidate is still there. That gives the
 * same ring as expiring on every frame, because in lazy mode every frame
 * adds a candidate whose timestamp is at least its own cut: take the last
 * frame m with the largest cut c. Expiring per frame, m leaves the oldest
 * candidates with timestamps below c gone (earlier, smaller cuts only
 * removed some of those), and after m nothing more: the oldest left has a
 * timestamp >= c (at worst m's own), and later cuts are <= c. Dropping
 * the oldest below c once, later, removes the same ones: it stops at m's
 * candidate at the latest. The pop order, and so the ring, is that of a
 * FIFO either way; a ring full or grown is handled with the ring up to
 * date, as before.
 *
 * With the index, the lookup walks fp's probe sequence to its first empty
 * slot: slots only become empty in a new generation, so a live slot of
 * fp's is on the way. The new candidate goes into fp's live slot if there
 * is one (it is the newest now), else into the first dead slot on the
 * way, else the empty one: so fp never has two live slots.
 */
static inline bool cq_near_check(struct nset *n, int64_t window_ns,
				 const struct cap_frame *fr, uint64_t fp,
				 uint64_t aux, const uint8_t *ip,
				 uint32_t iplen, uint64_t *orig)
{
	int64_t cut;
	if (__builtin_sub_overflow(fr->ts_ns, window_ns, &cut))
		cut = INT64_MIN;
	if (!n->full) {
		if (cut > n->pend)
			n->pend = cut;
		uint32_t b = near_bucket(ip, iplen);
		if (__builtin_expect(n->len <= n->mask && n->paux[b] == aux,
				     1)) {
			near_push_lazy(n, b, fr, fp, aux);
			return false;
		}
		if (cq_near_lazy_slow(n, fr, cut, b, fp, aux))
			return false;
	}
	near_expire(n, cut);
	if (__builtin_expect(n->len > n->mask, 0))
		cq_near_make_room(n, cut);
	struct nent *e = n->e;
	uint32_t tail = n->tail, len = n->len, mask = n->mask;
	if (__builtin_expect(n->used >= n->used_max ||
				     tail + len - n->base >= NS_SEQ_SPAN,
			     0))
		cq_near_reindex(n);
	uint32_t *slot = n->slot;
	uint32_t im = n->imask, gen = n->gen;
	uint32_t i = (uint32_t)(fp >> 32) & im, v = 0, reuse = NIL;
	int k;
	for (k = 0; k < CQ_MAX_PROBE; k++) {
		v = slot[i];
		if ((v & ~NS_SEQ) != gen)
			break; /* empty */
		if (near_alive(v, tail, len)) {
			if (e[v & mask].fp == fp)
				break;
		} else if (reuse == NIL) {
			reuse = i;
		}
		i = (i + 1) & im;
	}
	bool found = k < CQ_MAX_PROBE && (v & ~NS_SEQ) == gen;
	if (found) {
		const struct nent *o = &e[v & mask];
		int64_t a = fr->ts_ns, b = o->ts;
		uint64_t dt = a > b ? (uint64_t)a - (uint64_t)b
				    : (uint64_t)b - (uint64_t)a;
		/*
		 * A copy with identical link header on the same interface is
		 * more likely a real resend (duplicate ACK without IP id): not
		 * counted.
		 */
		if (dt <= (uint64_t)window_ns && o->aux != aux) {
			*orig = o->frame;
			return true;
		}
	} else if (reuse != NIL) {
		i = reuse;
		found = true;
	} else if (k < CQ_MAX_PROBE) {
		n->used++;
		found = true;
	} /* else unplaced: never found (bounded work) */
	uint32_t seq = tail + len; /* free: room was made above */
	n->e[seq & mask] = (struct nent){ .fp = fp, .aux = aux,
					  .ts = fr->ts_ns, .frame = fr->num };
	n->len = len + 1;
	if (found)
		slot[i] = gen | (seq & NS_SEQ); /* fp now means this frame */
	return false;
}

#endif
