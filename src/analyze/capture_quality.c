// SPDX-License-Identifier: MIT
/* Capture-quality analyzer: bounded duplicate fingerprints and capture statistics to evidence. */
#include "analyze/capture_quality.h"
#include "analyze/cq_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Equal timestamps kept in a row in the time-ordered ring (see below). */
#define CQ_RUN_MAX 16
/* Bytes of a region that are hashed: the first HEAD and the last TAIL. */
#define CQ_HASH_HEAD 80u
#define CQ_HASH_TAIL 16u /* a multiple of 16 */
#define CQ_IDX_MIN 1024u

/*
 * Why this is cheap (it runs on every frame of every command):
 *
 * An exact copy repeats its original's timestamp, so it can only arrive
 * when its timestamp is <= the largest seen so far. In an ordinary capture
 * most frames carry a new maximum: they need no lookup at all and are
 * appended to a time-ordered ring (sequential writes, no hash table). A
 * frame with an old or repeated timestamp is looked up by binary search in
 * that ring (at most CQ_RUN_MAX entries share a timestamp there) and in a
 * side set: an open-addressed index over a second FIFO ring that holds the
 * frames which could not be appended in order (time went backwards, or a
 * timestamp repeated more than CQ_RUN_MAX times). The side set is allocated
 * on first use and its index grows with its content, so a monotone capture
 * never touches it.
 *
 * Near copies can only match within the window, so their set evicts by
 * time as well as by count and stays a few KiB (cache-resident): see
 * cq_near.c, and cq_int.h for its per-frame fast path.
 *
 * Fingerprints hash the timestamp, both lengths and at most
 * CQ_HASH_HEAD + CQ_HASH_TAIL bytes of each region (link header, IP
 * packet). The head covers the IP and transport headers up to IPv4 + a
 * 60-byte TCP header or IPv6 + TCP with the timestamp option, so two
 * different frames collide only when they share the nanosecond timestamp,
 * both lengths, the link header, the IP id / flow label and checksum, TCP
 * sequence, acknowledgment, window, checksum (over the payload) and
 * timestamp values, and the last 16 bytes (an AEAD tag for encrypted
 * traffic) -- or by a fingerprint accident.
 *
 * The hash is NH (as in UMAC) with per-run random keys, folded like
 * wyhash's "mum": each 16-byte chunk (words w0, w1, the i-th of its kind)
 * adds (w0 + k[2i]) * (w1 + k[2i+1]) as a full 128-bit product to a
 * 128-bit sum. The chunks are independent multiplies (throughput-bound,
 * unlike a multiply-rotate chain), and for two different inputs of the
 * same layout (equal region lengths) the sums are equal with probability
 * at most 2^-64 over the keys (the NH bound for 64-bit words; it needs the
 * key added, not xored, and the sum kept at 128 bits). Link region, IP
 * region and the (timestamp, lengths) word pair use distinct keys, so the
 * exact fingerprint is one NH sum over all of them. A "mum" fold (both
 * halves of the product of the keyed sum halves, xored) takes it to 64
 * bits with the link header's length; that adds about 2^-64 per pair and
 * is also what gives the index its well-mixed high bits (fpx_home). So an
 * accident is ~2^-63 per compared pair: in the ring only frames on the
 * same timestamp are compared (<= CQ_RUN_MAX), against a full side set
 * ~2^-45 per frame. The near fingerprint is the IP region's sum folded
 * alone with its length. The keys are drawn per run: a crafted capture
 * cannot aim at collisions or at probe clusters.
 */

/* FIFO ring slots. */
struct ring {
	uint32_t cap, head, len; /* head: next slot written */
};

static uint32_t ring_oldest(const struct ring *r)
{
	return r->head >= r->len ? r->head - r->len : r->head + r->cap - r->len;
}

/* Logical index i (0 = oldest) to slot. */
static uint32_t ring_at(const struct ring *r, uint32_t i)
{
	uint32_t s = ring_oldest(r) + i;
	return s >= r->cap ? s - r->cap : s;
}

/*
 * Open-addressed index (linear probing) from a 64-bit fingerprint to a
 * ring slot; slots hold slot+1 (0 = empty). Fingerprints live in the ring.
 */
struct fpx {
	uint32_t *slot;
	uint32_t mask;
	uint32_t n;
	uint32_t max; /* the ring's capacity: the index never holds more */
};

static int fpx_init(struct fpx *x, uint32_t max, uint32_t slots)
{
	x->slot = calloc(slots, sizeof(*x->slot));
	if (!x->slot)
		return -ENOMEM;
	x->mask = slots - 1;
	x->n = 0;
	x->max = max;
	return 0;
}

static uint32_t fpx_home(const struct fpx *x, uint64_t fp)
{
	return (uint32_t)(fp >> 32) & x->mask;
}

/*
 * Stores v within CQ_MAX_PROBE slots of its home, else drops it (that frame
 * is then not found): lookups never need to look further. Deletion only
 * moves entries towards their home, so the bound holds.
 */
static bool fpx_place(uint32_t *slot, uint32_t mask, uint32_t home,
		      uint32_t v)
{
	uint32_t i = home;
	for (int n = 0; n < CQ_MAX_PROBE; n++) {
		if (!slot[i]) {
			slot[i] = v;
			return true;
		}
		i = (i + 1) & mask;
	}
	return false;
}

/* Doubles the index while it is more than half full (never past 2 x max). */
static void fpx_grow(struct fpx *x, const uint64_t *fps)
{
	uint32_t nsz = (x->mask + 1) * 2;
	if ((uint64_t)(x->n + 1) * 2 <= x->mask + 1 ||
	    (uint64_t)nsz > 2ull * x->max + CQ_IDX_MIN)
		return;
	uint32_t *ns = calloc(nsz, sizeof(*ns));
	if (!ns)
		return; /* keep working at a higher load */
	uint32_t kept = 0;
	for (uint32_t i = 0; i <= x->mask; i++)
		if (x->slot[i])
			kept += fpx_place(ns, nsz - 1,
					  (uint32_t)(fps[x->slot[i] - 1] >> 32) &
						  (nsz - 1),
					  x->slot[i]);
	x->n = kept;
	free(x->slot);
	x->slot = ns;
	x->mask = nsz - 1;
}

/* Position of fp's entry in the index, or NIL. */
static uint32_t fpx_pos(const struct fpx *x, const uint64_t *fps, uint64_t fp)
{
	uint32_t i = fpx_home(x, fp);
	for (int n = 0; x->slot[i] && n < CQ_MAX_PROBE; n++) {
		if (fps[x->slot[i] - 1] == fp)
			return i;
		i = (i + 1) & x->mask;
	}
	return NIL;
}

/*
 * Points fp at ring slot ref, replacing the entry at p (fpx_pos of fp,
 * NIL when absent).
 */
static void fpx_put(struct fpx *x, const uint64_t *fps, uint64_t fp,
		    uint32_t ref, uint32_t p)
{
	if (p != NIL) {
		x->slot[p] = ref + 1;
		return;
	}
	fpx_grow(x, fps);
	if (x->n + 1 > x->mask) /* cannot happen: n <= max < slots */
		return;
	if (fpx_place(x->slot, x->mask, fpx_home(x, fp), ref + 1))
		x->n++;
}

/* Removes ring slot ref (fingerprint fps[ref]) if the index points at it. */
static void fpx_del(struct fpx *x, const uint64_t *fps, uint32_t ref)
{
	uint32_t i = fpx_home(x, fps[ref]);
	for (int n = 0; x->slot[i] != ref + 1; n++) {
		if (!x->slot[i] || n >= CQ_MAX_PROBE)
			return; /* replaced by a newer entry, or never placed */
		i = (i + 1) & x->mask;
	}
	/* Backward-shift deletion keeps every probe sequence unbroken. */
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & x->mask;
		if (!x->slot[j])
			break;
		uint32_t k = fpx_home(x, fps[x->slot[j] - 1]);
		bool stay = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stay)
			continue;
		x->slot[i] = x->slot[j];
		i = j;
	}
	x->slot[i] = 0;
	x->n--;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

static inline u128 mul128(uint64_t a, uint64_t b)
{
	return (u128)a * b;
}
#else
#error "capture_quality.c needs a 64 x 64 -> 128-bit multiply (unsigned __int128)"
#endif

/* Keys per region: one per 8-byte word of the covered bytes. */
#define CQ_REGION_KEYS ((CQ_HASH_HEAD + CQ_HASH_TAIL) / 8)
/* Link region, IP region, the timestamp/length word pair, two folds. */
#define CQ_KEY_META (2 * CQ_REGION_KEYS)
#define CQ_KEY_FP (CQ_KEY_META + 2)
#define CQ_KEY_NEAR (CQ_KEY_FP + 2)
#define CQ_NKEYS (CQ_KEY_NEAR + 2)

/* One NH term: the two words of a 16-byte chunk, each offset by its key. */
static inline u128 nh(uint64_t w0, uint64_t w1, const uint64_t *k)
{
	return mul128(w0 + k[0], w1 + k[1]);
}

/*
 * NH sum of a region (keys k[0 .. CQ_REGION_KEYS)): all of it when short,
 * else its first CQ_HASH_HEAD and last CQ_HASH_TAIL bytes. Each 16-byte
 * chunk is one independent multiply (throughput-, not latency-bound); a
 * short end is read as an overlapping chunk or word rather than through a
 * variable-length copy. For a fixed n this maps the covered bytes to words
 * one-to-one, which is all the NH bound needs; n itself is mixed in by
 * the caller's fold.
 */
static inline __attribute__((always_inline)) u128
nh_region(const uint64_t *k, const uint8_t *p, size_t n)
{
	_Static_assert(CQ_HASH_HEAD == 80 && CQ_HASH_TAIL == 16,
		       "the unrolled chunks below assume 80 + 16 bytes");
	u128 acc;
	if (n > CQ_HASH_HEAD + CQ_HASH_TAIL) {
		const uint8_t *t = p + n - CQ_HASH_TAIL;
		acc = nh(ld64(t), ld64(t + 8), k + 10);
		acc += nh(ld64(p + 64), ld64(p + 72), k + 8);
		acc += nh(ld64(p + 48), ld64(p + 56), k + 6);
		acc += nh(ld64(p + 32), ld64(p + 40), k + 4);
		acc += nh(ld64(p + 16), ld64(p + 24), k + 2);
		return acc + nh(ld64(p), ld64(p + 8), k);
	}
	if (n >= 16) {
		/* The last chunk (full, or overlapping its predecessor), then
		 * the full chunks before it. */
		size_t c = (n - 1) / 16;
		acc = nh(ld64(p + n - 16), ld64(p + n - 8), k + 2 * c);
		switch (c) {
		case 5:
			acc += nh(ld64(p + 64), ld64(p + 72), k + 8);
			__attribute__((fallthrough));
		case 4:
			acc += nh(ld64(p + 48), ld64(p + 56), k + 6);
			__attribute__((fallthrough));
		case 3:
			acc += nh(ld64(p + 32), ld64(p + 40), k + 4);
			__attribute__((fallthrough));
		case 2:
			acc += nh(ld64(p + 16), ld64(p + 24), k + 2);
			__attribute__((fallthrough));
		case 1:
			acc += nh(ld64(p), ld64(p + 8), k);
			__attribute__((fallthrough));
		default:
			break;
		}
		return acc;
	}
	if (n >= 8)
		return nh(ld64(p), ld64(p + n - 8), k);
	if (n >= 4)
		return nh(ld32(p), ld32(p + n - 4), k);
	if (n)
		return nh(p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16,
			  0, k);
	return 0;
}

/*
 * 128 -> 64 bits: the "mum" fold (both halves of a product of the two
 * keyed halves, xored); x (a length) goes into one factor.
 */
static inline uint64_t fold(u128 a, uint64_t x, const uint64_t *k)
{
	u128 m = mul128((uint64_t)a ^ k[0], (uint64_t)(a >> 64) ^ (k[1] + x));
	return (uint64_t)m ^ (uint64_t)(m >> 64);
}

/*
 * Frames in time order: ts non-decreasing from oldest to newest. An entry
 * is 16 bytes (4 per cache line, a quarter less memory touched than three
 * 8-byte arrays): the fingerprint and the low halves of timestamp and
 * frame number. The high halves are implied while that stays exact, and
 * kept in side arrays (allocated up front, so never touched before) once
 * it would not:
 *  - timestamp: while the ring spans less than 2^32 ns (4.29 s; at the
 *    default 262144 entries true above ~61 k frames/s), every entry's
 *    timestamp is the newest one minus (newest - entry) mod 2^32. Before a
 *    push would make the span reach 2^32 ns, the high halves of all
 *    entries are written out (wide_ts) and kept from then on;
 *  - frame number: while every pushed number is below 2^32 the low half
 *    is the number. The first push of a larger one zeroes the high halves
 *    (all earlier numbers were below 2^32) and keeps them from then on.
 * Both switches are one-way and lose nothing, so lookups return the same
 * entries and numbers as full 64-bit fields for every input; the worst
 * case is 24 bytes per entry, as before.
 */
struct tent {
	uint64_t fp;
	uint32_t ts_lo, frame_lo;
};

struct tring {
	struct ring r;
	struct tent *e;
	uint32_t *ts_hi;    /* valid when wide_ts */
	uint32_t *frame_hi; /* valid when wide_frame */
	int64_t newest;     /* timestamp of the newest entry (INT64_MIN: none) */
	int64_t oldest_lb;  /* <= the oldest entry's timestamp */
	/* A push past these widens (tring_widen): UINT32_MAX, then UINT64_MAX
	 * once wide (never again). */
	uint64_t span_max, frame_max;
	bool wide_ts, wide_frame, wide;
};

static int64_t tr_ts(const struct tring *t, uint32_t s)
{
	if (t->wide_ts)
		return (int64_t)((uint64_t)t->ts_hi[s] << 32 | t->e[s].ts_lo);
	uint32_t back = (uint32_t)t->newest - t->e[s].ts_lo;
	return (int64_t)((uint64_t)t->newest - back);
}

static uint64_t tr_frame(const struct tring *t, uint32_t s)
{
	uint64_t f = t->e[s].frame_lo;
	return t->wide_frame ? f | (uint64_t)t->frame_hi[s] << 32 : f;
}

/* Frames that could not go in time order: FIFO ring + index. */
struct sset {
	struct ring r;
	uint64_t *fp;
	uint64_t *frame;
	struct fpx x;
};

struct cq {
	struct tring tr;
	struct sset *side; /* NULL until a frame arrives out of order */
	struct nset near;
	/* Per run: crafted input cannot aim at collisions or probe clusters. */
	uint64_t key[CQ_NKEYS];
	int64_t window_ns;
	uint32_t memory;
	uint32_t run; /* entries at the ring's end sharing its newest ts */
	uint64_t forgotten;

	uint64_t frames;
	/* duplicates */
	uint64_t dup_exact, dup_near, first_dup, first_orig;
	uint8_t n_dup_frames;
	uint64_t dup_frames[EV_MAX_FRAMES];
	/* time */
	int64_t last_ts;
	uint64_t back_count, back_max_frame;
	int64_t back_max;
	uint8_t n_back_frames;
	uint64_t back_frames[EV_MAX_FRAMES];
	/* truncation */
	uint64_t trunc, headers_cut;
	uint32_t max_trunc_caplen;
	uint8_t n_trunc_frames;
	uint64_t trunc_frames[EV_MAX_FRAMES];
	/* frames a decode limit stopped (packet.too_deep), per limit */
	uint64_t deep, deep_by[4];
	uint8_t n_deep_frames;
	uint64_t deep_frames[EV_MAX_FRAMES];
};

static void sset_free(struct sset *s)
{
	if (!s)
		return;
	free(s->fp);
	free(s->frame);
	free(s->x.slot);
	free(s);
}

/* Arrays are malloc'ed: pages are touched (and counted in RSS) only when used. */
static struct sset *sset_new(uint32_t cap)
{
	struct sset *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->r.cap = cap;
	s->fp = malloc((size_t)cap * sizeof(*s->fp));
	s->frame = malloc((size_t)cap * sizeof(*s->frame));
	if (!s->fp || !s->frame || fpx_init(&s->x, cap, CQ_IDX_MIN) < 0) {
		sset_free(s);
		return NULL;
	}
	return s;
}

struct cq *cq_new(const struct thresholds *th)
{
	struct thresholds def;
	if (!th) {
		thresholds_init(&def);
		th = &def;
	}
	struct cq *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	/* Keys: a Weyl sequence from a per-run seed (the heap address), mixed. */
	uint64_t st = (uint64_t)(uintptr_t)q ^ 0x6370717561ULL;
	for (size_t i = 0; i < CQ_NKEYS; i++)
		q->key[i] = mix64(st += 0x9e3779b97f4a7c15ULL);
	q->memory = (uint32_t)th_get(th, TH_CAPTURE_DUPLICATE_MEMORY);
	if (q->memory < 1)
		q->memory = 1;
	q->window_ns = (int64_t)(th_get(th, TH_CAPTURE_DUPLICATE_WINDOW_MS) * 1e6);
	/* Validated to 0..1000 ms; expiry relies on now - window <= now. */
	if (q->window_ns < 0)
		q->window_ns = 0;
	size_t m = q->memory;
	q->tr.r.cap = q->memory;
	q->tr.newest = INT64_MIN;
	q->tr.span_max = UINT32_MAX;
	q->tr.frame_max = UINT32_MAX;
	q->last_ts = INT64_MIN; /* no frame is earlier: no step back */
	q->tr.e = malloc(m * sizeof(*q->tr.e));
	q->tr.ts_hi = malloc(m * sizeof(*q->tr.ts_hi));
	q->tr.frame_hi = malloc(m * sizeof(*q->tr.frame_hi));
	if (!q->tr.e || !q->tr.ts_hi || !q->tr.frame_hi ||
	    cq_near_init(&q->near) < 0) {
		cq_free(q);
		return NULL;
	}
	return q;
}

void cq_free(struct cq *q)
{
	if (!q)
		return;
	free(q->tr.e);
	free(q->tr.ts_hi);
	free(q->tr.frame_hi);
	sset_free(q->side);
	cq_near_free(&q->near);
	free(q);
}

static void keep_frame(uint64_t *arr, uint8_t *n, uint64_t frame)
{
	if (*n < EV_MAX_FRAMES)
		arr[(*n)++] = frame;
}

static void note_dup(struct cq *q, uint64_t orig, uint64_t frame)
{
	if (q->dup_exact + q->dup_near == 0) {
		q->first_dup = frame;
		q->first_orig = orig;
	}
	keep_frame(q->dup_frames, &q->n_dup_frames, frame);
}

/*
 * A push of ts is more than 2^32 ns past oldest_lb: refreshes that bound
 * from the oldest entry (a push only evicts, so it stays a lower bound),
 * and if the span is still too wide, writes out the high halves.
 */
static __attribute__((noinline)) void tring_span(struct tring *t, int64_t ts)
{
	if (!t->r.len) {
		t->oldest_lb = ts;
		return;
	}
	t->oldest_lb = tr_ts(t, ring_oldest(&t->r));
	if ((uint64_t)ts - (uint64_t)t->oldest_lb <= UINT32_MAX)
		return;
	for (uint32_t k = 0; k < t->r.len; k++) {
		uint32_t s = ring_at(&t->r, k);
		t->ts_hi[s] = (uint32_t)((uint64_t)tr_ts(t, s) >> 32);
	}
	t->wide_ts = true;
}

static __attribute__((noinline)) void tring_wide_frame(struct tring *t)
{
	memset(t->frame_hi, 0, (size_t)t->r.cap * sizeof(*t->frame_hi));
	t->wide_frame = true;
}

/* A push of (ts, frame) passes span_max or frame_max. */
static __attribute__((cold, noinline)) void tring_widen(struct tring *t,
							int64_t ts,
							uint64_t frame)
{
	/* ts >= every entry's: the unsigned difference is the span. */
	if (!t->wide_ts && (uint64_t)ts - (uint64_t)t->oldest_lb > UINT32_MAX)
		tring_span(t, ts);
	if (!t->wide_frame && frame > UINT32_MAX)
		tring_wide_frame(t);
	t->span_max = t->wide_ts ? UINT64_MAX : UINT32_MAX;
	t->frame_max = t->wide_frame ? UINT64_MAX : UINT32_MAX;
	t->wide = t->wide_ts || t->wide_frame;
}

static __attribute__((cold, noinline)) void tring_put_hi(struct tring *t,
							 uint32_t i,
							 int64_t ts,
							 uint64_t frame)
{
	if (t->wide_ts)
		t->ts_hi[i] = (uint32_t)((uint64_t)ts >> 32);
	if (t->wide_frame)
		t->frame_hi[i] = (uint32_t)(frame >> 32);
}

static inline void tring_push(struct cq *q, int64_t ts, uint64_t fp,
			      uint64_t frame)
{
	struct tring *t = &q->tr;
	if (__builtin_expect(((uint64_t)ts - (uint64_t)t->oldest_lb >
			      t->span_max) | (frame > t->frame_max), 0))
		tring_widen(t, ts, frame);
	uint32_t i = t->r.head;
	if (t->r.len == t->r.cap)
		q->forgotten++;
	else
		t->r.len++;
	t->e[i] = (struct tent){ .fp = fp, .ts_lo = (uint32_t)ts,
				 .frame_lo = (uint32_t)frame };
	if (__builtin_expect(t->wide, 0))
		tring_put_hi(t, i, ts, frame);
	t->newest = ts;
	t->r.head = i + 1 == t->r.cap ? 0 : i + 1;
}

/* Finds the remembered frame (ts, fp); its number goes to *orig. */
static bool tring_find(const struct tring *t, int64_t ts, uint64_t fp,
		       uint64_t *orig)
{
	uint32_t lo = 0, hi = t->r.len;
	/* The common case: a repeat of the newest timestamp, at the end. */
	if (hi && t->newest == ts)
		lo = hi > CQ_RUN_MAX ? hi - CQ_RUN_MAX : 0;
	while (lo < hi) { /* first entry with ts >= wanted */
		uint32_t mid = lo + (hi - lo) / 2;
		if (tr_ts(t, ring_at(&t->r, mid)) < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t n = 0; lo < t->r.len && n < CQ_RUN_MAX; lo++, n++) {
		uint32_t s = ring_at(&t->r, lo);
		if (tr_ts(t, s) != ts)
			break;
		if (t->e[s].fp == fp) {
			*orig = tr_frame(t, s);
			return true;
		}
	}
	return false;
}

static bool sset_find(const struct sset *s, uint64_t fp, uint64_t *orig)
{
	if (!s || !s->r.len)
		return false;
	uint32_t p = fpx_pos(&s->x, s->fp, fp);
	if (p == NIL)
		return false;
	*orig = s->frame[s->x.slot[p] - 1];
	return true;
}

static void sset_push(struct cq *q, uint64_t fp, uint64_t frame)
{
	if (!q->side) {
		q->side = sset_new(q->memory);
		if (!q->side)
			return; /* out of memory: this frame is not remembered */
	}
	struct sset *s = q->side;
	uint32_t i = s->r.head;
	if (s->r.len == s->r.cap) {
		fpx_del(&s->x, s->fp, i);
		q->forgotten++;
	} else {
		s->r.len++;
	}
	s->fp[i] = fp;
	s->frame[i] = frame;
	fpx_put(&s->x, s->fp, fp, i, NIL); /* not there: it was looked up */
	s->r.head = i + 1 == s->r.cap ? 0 : i + 1;
}

/* Exact copy: true with the original's number, else the frame is remembered. */
static bool check_exact(struct cq *q, const struct cap_frame *fr, uint64_t fp,
			uint64_t *orig)
{
	struct tring *t = &q->tr;
	/*
	 * newest is INT64_MIN while the ring is empty: a first frame on
	 * INT64_MIN is found nowhere below and pushed with run 1 all the same.
	 */
	int64_t newest = t->newest;
	if (fr->ts_ns > newest) {
		tring_push(q, fr->ts_ns, fp, fr->num);
		q->run = 1;
		return false;
	}
	if (tring_find(t, fr->ts_ns, fp, orig) || sset_find(q->side, fp, orig))
		return true;
	if (fr->ts_ns == newest && q->run < CQ_RUN_MAX) {
		tring_push(q, fr->ts_ns, fp, fr->num);
		q->run++;
	} else {
		sset_push(q, fp, fr->num);
	}
	return false;
}

/* Time went backwards (out of line: rare, and it keeps cq_frame lean). */
static __attribute__((cold, noinline)) void note_back(struct cq *q,
						      const struct cap_frame *fr)
{
	int64_t step = q->last_ts - fr->ts_ns;
	q->back_count++;
	keep_frame(q->back_frames, &q->n_back_frames, fr->num);
	if (step > q->back_max) {
		q->back_max = step;
		q->back_max_frame = fr->num;
	}
}

/* Decoding stopped at a limit: its inner conversations are missing. */
static __attribute__((cold, noinline)) void note_deep(struct cq *q,
						      const struct cap_frame *fr,
						      uint8_t lim)
{
	q->deep++;
	keep_frame(q->deep_frames, &q->n_deep_frames, fr->num);
	for (int i = 0; i < 4; i++)
		if (lim & (1u << i))
			q->deep_by[i]++;
}

bool cq_frame(struct cq *q, const struct cap_frame *fr,
	      const struct packet *pkt)
{
	if (!fr || fr->linktype == LINKTYPE_NONE)
		return false;
	q->frames++;

	if (__builtin_expect(fr->ts_ns < q->last_ts, 0))
		note_back(q, fr);
	q->last_ts = fr->ts_ns;

	if (fr->caplen < fr->wirelen) {
		q->trunc++;
		keep_frame(q->trunc_frames, &q->n_trunc_frames, fr->num);
		if (fr->caplen > q->max_trunc_caplen)
			q->max_trunc_caplen = fr->caplen;
		if (pkt && pkt->truncated)
			q->headers_cut++;
	}
	if (__builtin_expect(pkt && pkt->too_deep, 0))
		note_deep(q, fr, pkt->too_deep);

	/*
	 * One pass over the bytes. The exact fingerprint is one NH sum over
	 * link header, IP packet and the timestamp/length words (each with
	 * its own keys), folded with the link header's length; the near one
	 * folds the IP packet's part alone.
	 */
	const uint8_t *data = fr->data ? fr->data : (const uint8_t *)"";
	uint32_t caplen = fr->data ? fr->caplen : 0;
	uint32_t ipoff = 0;
	bool near = __builtin_expect(pkt && pkt->n_ip > 0 &&
					     pkt->ip[0].off < caplen,
				     1);
	if (near)
		ipoff = pkt->ip[0].off;
	const uint64_t *k = q->key;
	u128 lh = nh_region(k, data, ipoff);
	u128 ih = nh_region(k + CQ_REGION_KEYS, data + ipoff, caplen - ipoff);
	u128 meta = nh((uint64_t)fr->ts_ns,
		       (uint64_t)fr->caplen << 32 | fr->wirelen, k + CQ_KEY_META);
	uint64_t fp = fold(lh + ih + meta, ipoff, k + CQ_KEY_FP);
	uint64_t orig = 0;
	if (check_exact(q, fr, fp, &orig)) {
		note_dup(q, orig, fr->num);
		q->dup_exact++;
		return true;
	}
	if (!near)
		return false;
	/* Compared for equality only: no fold needed. */
	uint64_t aux = ((uint64_t)lh ^ (uint64_t)(lh >> 64)) +
		       ipoff * 0x9e3779b97f4a7c15ULL;
	aux ^= (uint64_t)(uint32_t)fr->iface << 32 | (uint32_t)fr->file;
	if (!cq_near_check(&q->near, q->window_ns, fr,
			   fold(ih, caplen - ipoff, k + CQ_KEY_NEAR), aux,
			   data + ipoff, caplen - ipoff, &orig))
		return false;
	note_dup(q, orig, fr->num);
	q->dup_near++;
	return true;
}

static void copy_frames(struct evidence *ev, const uint64_t *f, uint8_t n,
			uint64_t total)
{
	for (uint8_t i = 0; i < n; i++)
		ev_add_frame(ev, f[i]);
	ev->ref_count = total;
}

/* Adds ev; a full store is counted there, not an error for the run. */
static int put(struct ev_store *out, const struct evidence *ev)
{
	int rc = ev_store_add(out, ev);

	return rc == -ENOSPC ? 0 : rc;
}

static int emit_dups(struct cq *q, struct ev_store *out)
{
	struct evidence ev;
	ev_init(&ev, EVK_CAPTURE_DUPLICATE, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_FRAMES, (int64_t)q->frames);
	ev_set_i64(&ev, EVF_DUPLICATES, (int64_t)(q->dup_exact + q->dup_near));
	ev_set_i64(&ev, EVF_EXACT, (int64_t)q->dup_exact);
	ev_set_i64(&ev, EVF_NEAR, (int64_t)q->dup_near);
	ev_set_f64(&ev, EVF_WINDOW_MS, (double)q->window_ns / 1e6);
	ev_set_i64(&ev, EVF_MEMORY, q->memory);
	ev_set_i64(&ev, EVF_FORGOTTEN, (int64_t)q->forgotten);
	ev_set_i64(&ev, EVF_FIRST_DUPLICATE, (int64_t)q->first_dup);
	ev_set_i64(&ev, EVF_FIRST_ORIGINAL, (int64_t)q->first_orig);
	copy_frames(&ev, q->dup_frames, q->n_dup_frames,
		    q->dup_exact + q->dup_near);
	return put(out, &ev);
}

uint64_t cq_too_deep(const struct cq *q)
{
	return q ? q->deep : 0;
}

int cq_finish(struct cq *q, const struct cap_stats *cs,
	      const struct flow_table_stats *fs, struct ev_store *out)
{
	struct evidence ev;
	int rc = 0;
	if (q->dup_exact + q->dup_near)
		rc = emit_dups(q, out);
	if (!rc && q->back_count) {
		ev_init(&ev, EVK_CAPTURE_TIME_BACKWARDS, EV_SRC_CAPTURE);
		ev_set_i64(&ev, EVF_FRAMES, (int64_t)q->frames);
		ev_set_i64(&ev, EVF_COUNT, (int64_t)q->back_count);
		ev_set_i64(&ev, EVF_MAX_STEP_NS, q->back_max);
		ev_set_i64(&ev, EVF_MAX_STEP_FRAME, (int64_t)q->back_max_frame);
		copy_frames(&ev, q->back_frames, q->n_back_frames, q->back_count);
		rc = put(out, &ev);
	}
	if (!rc && q->trunc) {
		ev_init(&ev, EVK_CAPTURE_TRUNCATED, EV_SRC_CAPTURE);
		/* The cut actually observed: file headers often claim a bogus snaplen. */
		uint32_t snap = q->max_trunc_caplen;
		ev_set_i64(&ev, EVF_FRAMES, (int64_t)q->frames);
		ev_set_i64(&ev, EVF_TRUNCATED, (int64_t)q->trunc);
		ev_set_i64(&ev, EVF_HEADERS_CUT, (int64_t)q->headers_cut);
		ev_set_i64(&ev, EVF_SNAPLEN, snap);
		if (cs && cs->snaplen)
			ev_set_i64(&ev, EVF_HEADER_SNAPLEN, cs->snaplen);
		copy_frames(&ev, q->trunc_frames, q->n_trunc_frames, q->trunc);
		rc = put(out, &ev);
	}
	if (!rc && q->deep) {
		/* Bits of enum pkt_limit, in order: one count per limit. */
		ev_init(&ev, EVK_CAPTURE_DECODE_DEPTH, EV_SRC_CAPTURE);
		ev_set_i64(&ev, EVF_FRAMES, (int64_t)q->frames);
		ev_set_i64(&ev, EVF_TOO_DEEP, (int64_t)q->deep);
		ev_set_i64(&ev, EVF_BY_LAYERS, (int64_t)q->deep_by[0]);
		ev_set_i64(&ev, EVF_BY_IP, (int64_t)q->deep_by[1]);
		ev_set_i64(&ev, EVF_BY_TRANSPORT, (int64_t)q->deep_by[2]);
		ev_set_i64(&ev, EVF_BY_TUNNELS, (int64_t)q->deep_by[3]);
		ev_set_i64(&ev, EVF_MAX_LAYERS, PKT_MAX_LAYERS);
		ev_set_i64(&ev, EVF_MAX_IP, PKT_MAX_IP);
		ev_set_i64(&ev, EVF_MAX_TRANSPORT, PKT_MAX_L4);
		ev_set_i64(&ev, EVF_MAX_TUNNELS, PKT_MAX_DEPTH);
		copy_frames(&ev, q->deep_frames, q->n_deep_frames, q->deep);
		rc = ev_store_add(out, &ev);
	}
	if (!rc && fs && fs->evicted) {
		ev_init(&ev, EVK_CAPTURE_FLOWS_EVICTED, EV_SRC_CAPTURE);
		ev_set_i64(&ev, EVF_EVICTED, (int64_t)fs->evicted);
		ev_set_i64(&ev, EVF_EVICTIONS, (int64_t)fs->evictions);
		ev_set_i64(&ev, EVF_RETURNED, (int64_t)fs->evicted_returned);
		ev_set_i64(&ev, EVF_FORGOTTEN, (int64_t)fs->evicted_forgotten);
		ev_set_i64(&ev, EVF_CREATED, (int64_t)fs->created);
		ev_set_i64(&ev, EVF_MAX_OPEN, (int64_t)fs->max_open);
		rc = put(out, &ev);
	}
	if (!rc && cs && cs->live && cs->have_kernel_stats) {
		ev_init(&ev, EVK_CAPTURE_KERNEL_DROPS, EV_SRC_CAPTURE);
		ev_set_i64(&ev, EVF_RECEIVED, (int64_t)cs->kernel_received);
		ev_set_i64(&ev, EVF_KERNEL_DROPPED, (int64_t)cs->kernel_dropped);
		ev_set_i64(&ev, EVF_IFACE_DROPPED, (int64_t)cs->iface_dropped);
		ev_set_i64(&ev, EVF_RECORDS, (int64_t)cs->records);
		rc = put(out, &ev);
	}
	return rc;
}
