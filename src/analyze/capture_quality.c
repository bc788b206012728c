// SPDX-License-Identifier: MIT
/* Capture-quality analyzer: bounded duplicate fingerprints and capture statistics to evidence. */
#include "analyze/capture_quality.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
/* Longest hash chain a lookup walks: bounds work on adversarial input. */
#define CQ_MAX_PROBE 64

struct fp_ent {
	uint64_t fp;	/* fingerprint */
	uint64_t aux;	/* near set: link header / interface / file hash */
	uint64_t frame; /* frame number of the first copy */
	int64_t ts_ns;
	uint32_t next, prev; /* bucket chain */
};

/* Fingerprint set with FIFO eviction: a ring of entries plus hash chains. */
struct fp_set {
	struct fp_ent *ring;
	uint32_t cap, head, len;
	uint32_t *bucket;
	uint32_t mask;
	uint64_t forgotten; /* entries evicted to stay within cap */
};

static int fp_set_init(struct fp_set *s, uint32_t cap)
{
	uint32_t nb = 1;
	while (nb < cap * 2u)
		nb <<= 1;
	s->ring = calloc(cap, sizeof(*s->ring));
	s->bucket = malloc((size_t)nb * sizeof(*s->bucket));
	if (!s->ring || !s->bucket)
		return -ENOMEM;
	memset(s->bucket, 0xff, (size_t)nb * sizeof(*s->bucket));
	s->cap = cap;
	s->mask = nb - 1;
	return 0;
}

static void fp_set_release(struct fp_set *s)
{
	free(s->ring);
	free(s->bucket);
}

static void fp_unlink(struct fp_set *s, uint32_t i)
{
	struct fp_ent *e = &s->ring[i];
	if (e->prev != NIL)
		s->ring[e->prev].next = e->next;
	else
		s->bucket[e->fp & s->mask] = e->next;
	if (e->next != NIL)
		s->ring[e->next].prev = e->prev;
}

static void fp_insert(struct fp_set *s, uint64_t fp, uint64_t aux,
		      uint64_t frame, int64_t ts)
{
	uint32_t i = s->head;
	if (s->len == s->cap) {
		fp_unlink(s, i);
		s->forgotten++;
	} else {
		s->len++;
	}
	struct fp_ent *e = &s->ring[i];
	uint32_t *b = &s->bucket[fp & s->mask];
	e->fp = fp;
	e->aux = aux;
	e->frame = frame;
	e->ts_ns = ts;
	e->prev = NIL;
	e->next = *b;
	if (*b != NIL)
		s->ring[*b].prev = i;
	*b = i;
	s->head = i + 1 == s->cap ? 0 : i + 1;
}

/* Newest entries are at the chain head, so the walk finds recent copies first. */
static const struct fp_ent *fp_find(const struct fp_set *s, uint64_t fp)
{
	uint32_t i = s->bucket[fp & s->mask];
	for (int n = 0; i != NIL && n < CQ_MAX_PROBE; n++) {
		if (s->ring[i].fp == fp)
			return &s->ring[i];
		i = s->ring[i].next;
	}
	return NULL;
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

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	h ^= (uint64_t)n * 0x9e3779b97f4a7c15ULL;
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
		h = (h << 31) | (h >> 33);
		p += 8;
		n -= 8;
	}
	uint64_t t = 0;
	if (n)
		memcpy(&t, p, n);
	return mix64(h ^ t ^ ((uint64_t)n << 56));
}

struct cq {
	struct fp_set exact, near;
	int64_t window_ns;
	uint32_t memory;

	uint64_t frames;
	/* duplicates */
	uint64_t dup_exact, dup_near, first_dup, first_orig;
	uint8_t n_dup_frames;
	uint64_t dup_frames[EV_MAX_FRAMES];
	/* time */
	bool have_last;
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
};

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
	q->memory = (uint32_t)th_get(th, TH_CAPTURE_DUPLICATE_MEMORY);
	q->window_ns = (int64_t)(th_get(th, TH_CAPTURE_DUPLICATE_WINDOW_MS) * 1e6);
	if (fp_set_init(&q->exact, q->memory) < 0 ||
	    fp_set_init(&q->near, CQ_NEAR_ENTRIES) < 0) {
		cq_free(q);
		return NULL;
	}
	return q;
}

void cq_free(struct cq *q)
{
	if (!q)
		return;
	fp_set_release(&q->exact);
	fp_set_release(&q->near);
	free(q);
}

static void keep_frame(uint64_t *arr, uint8_t *n, uint64_t frame)
{
	if (*n < EV_MAX_FRAMES)
		arr[(*n)++] = frame;
}

static void note_dup(struct cq *q, const struct fp_ent *orig, uint64_t frame)
{
	if (q->dup_exact + q->dup_near == 0) {
		q->first_dup = frame;
		q->first_orig = orig->frame;
	}
	keep_frame(q->dup_frames, &q->n_dup_frames, frame);
}

/* Near copy: same IP packet, seen again shortly after via another path. */
static bool check_near(struct cq *q, const struct cap_frame *fr,
		       const struct packet *pkt)
{
	if (!pkt || pkt->n_ip == 0 || fr->linktype == LINKTYPE_NONE)
		return false;
	uint32_t off = pkt->ip[0].off;
	if (off >= fr->caplen)
		return false;
	uint64_t fp = hash_bytes(0x6e656172ULL, fr->data + off, fr->caplen - off);
	uint64_t aux = hash_bytes((uint64_t)(uint32_t)fr->iface << 32 |
					  (uint32_t)fr->file,
				  fr->data, off);
	const struct fp_ent *e = fp_find(&q->near, fp);
	int64_t dt = e ? fr->ts_ns - e->ts_ns : 0;
	if (dt < 0)
		dt = -dt;
	/*
	 * A copy with identical link header on the same interface is more
	 * likely a real resend (duplicate ACK without IP id): not counted.
	 */
	if (e && dt <= q->window_ns && e->aux != aux) {
		note_dup(q, e, fr->num);
		q->dup_near++;
		return true;
	}
	fp_insert(&q->near, fp, aux, fr->num, fr->ts_ns);
	return false;
}

bool cq_frame(struct cq *q, const struct cap_frame *fr,
	      const struct packet *pkt)
{
	if (!fr || fr->linktype == LINKTYPE_NONE)
		return false;
	q->frames++;

	if (q->have_last && fr->ts_ns < q->last_ts) {
		int64_t step = q->last_ts - fr->ts_ns;
		q->back_count++;
		keep_frame(q->back_frames, &q->n_back_frames, fr->num);
		if (step > q->back_max) {
			q->back_max = step;
			q->back_max_frame = fr->num;
		}
	}
	q->have_last = true;
	q->last_ts = fr->ts_ns;

	if (fr->caplen < fr->wirelen) {
		q->trunc++;
		keep_frame(q->trunc_frames, &q->n_trunc_frames, fr->num);
		if (fr->caplen > q->max_trunc_caplen)
			q->max_trunc_caplen = fr->caplen;
		if (pkt && pkt->truncated)
			q->headers_cut++;
	}

	uint8_t hdr[16];
	uint64_t ts = (uint64_t)fr->ts_ns;
	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)(ts >> (8 * i));
	for (int i = 0; i < 4; i++) {
		hdr[8 + i] = (uint8_t)(fr->caplen >> (8 * i));
		hdr[12 + i] = (uint8_t)(fr->wirelen >> (8 * i));
	}
	uint64_t fp = hash_bytes(hash_bytes(0x6578616374ULL, hdr, sizeof(hdr)),
				 fr->data, fr->data ? fr->caplen : 0);
	const struct fp_ent *e = fp_find(&q->exact, fp);
	if (e) {
		note_dup(q, e, fr->num);
		q->dup_exact++;
		return true;
	}
	fp_insert(&q->exact, fp, 0, fr->num, fr->ts_ns);
	return check_near(q, fr, pkt);
}

static void copy_frames(struct evidence *ev, const uint64_t *f, uint8_t n,
			uint64_t total)
{
	for (uint8_t i = 0; i < n; i++)
		ev->frames[i] = f[i];
	ev->n_frames = n;
	ev->frame_count = total;
}

static int emit_dups(struct cq *q, struct ev_store *out)
{
	struct evidence ev;
	ev_init(&ev, "capture.duplicate", EV_SRC_CAPTURE);
	ev_set_i64(&ev, "frames", (int64_t)q->frames);
	ev_set_i64(&ev, "duplicates", (int64_t)(q->dup_exact + q->dup_near));
	ev_set_i64(&ev, "exact", (int64_t)q->dup_exact);
	ev_set_i64(&ev, "near", (int64_t)q->dup_near);
	ev_set_f64(&ev, "window_ms", (double)q->window_ns / 1e6);
	ev_set_i64(&ev, "memory", q->memory);
	ev_set_i64(&ev, "forgotten", (int64_t)q->exact.forgotten);
	ev_set_i64(&ev, "first_duplicate", (int64_t)q->first_dup);
	ev_set_i64(&ev, "first_original", (int64_t)q->first_orig);
	copy_frames(&ev, q->dup_frames, q->n_dup_frames,
		    q->dup_exact + q->dup_near);
	return ev_store_add(out, &ev);
}

int cq_finish(struct cq *q, const struct cap_stats *cs,
	      const struct flow_table_stats *fs, struct ev_store *out)
{
	struct evidence ev;
	int rc = 0;
	if (q->dup_exact + q->dup_near)
		rc = emit_dups(q, out);
	if (!rc && q->back_count) {
		ev_init(&ev, "capture.time_backwards", EV_SRC_CAPTURE);
		ev_set_i64(&ev, "frames", (int64_t)q->frames);
		ev_set_i64(&ev, "count", (int64_t)q->back_count);
		ev_set_i64(&ev, "max_step_ns", q->back_max);
		ev_set_i64(&ev, "max_step_frame", (int64_t)q->back_max_frame);
		copy_frames(&ev, q->back_frames, q->n_back_frames, q->back_count);
		rc = ev_store_add(out, &ev);
	}
	if (!rc && q->trunc) {
		ev_init(&ev, "capture.truncated", EV_SRC_CAPTURE);
		/* The cut actually observed: file headers often claim a bogus snaplen. */
		uint32_t snap = q->max_trunc_caplen;
		ev_set_i64(&ev, "frames", (int64_t)q->frames);
		ev_set_i64(&ev, "truncated", (int64_t)q->trunc);
		ev_set_i64(&ev, "headers_cut", (int64_t)q->headers_cut);
		ev_set_i64(&ev, "snaplen", snap);
		if (cs && cs->snaplen)
			ev_set_i64(&ev, "header_snaplen", cs->snaplen);
		copy_frames(&ev, q->trunc_frames, q->n_trunc_frames, q->trunc);
		rc = ev_store_add(out, &ev);
	}
	if (!rc && fs && fs->evicted) {
		ev_init(&ev, "capture.flows_evicted", EV_SRC_CAPTURE);
		ev_set_i64(&ev, "evicted", (int64_t)fs->evicted);
		ev_set_i64(&ev, "created", (int64_t)fs->created);
		ev_set_i64(&ev, "max_open", (int64_t)fs->max_open);
		rc = ev_store_add(out, &ev);
	}
	if (!rc && cs && cs->live && cs->have_kernel_stats) {
		ev_init(&ev, "capture.kernel_drops", EV_SRC_CAPTURE);
		ev_set_i64(&ev, "received", (int64_t)cs->kernel_received);
		ev_set_i64(&ev, "kernel_dropped", (int64_t)cs->kernel_dropped);
		ev_set_i64(&ev, "iface_dropped", (int64_t)cs->iface_dropped);
		ev_set_i64(&ev, "records", (int64_t)cs->records);
		rc = ev_store_add(out, &ev);
	}
	return rc;
}
