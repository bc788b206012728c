// SPDX-License-Identifier: MIT
/* TCP expert analysis: Wireshark 4.0.17-equivalent W rules (TCP-ANALYSIS.md §2, §3). */
#include "analyze/tcp_analysis.h"
#include "analyze/tcp_stats_acc.h"

#include <stdlib.h>
#include <string.h>

/*
 * Per-direction state (spec §1.2). Sequence numbers are raw 32-bit values;
 * nextseq, lastack and maxseqtobeacked use 0 as "unset" on purpose: the
 * oracle has that quirk and parity needs it.
 */

/* One entry of the unacked list: a segment carrying data, SYN or FIN. */
struct tcp_unacked {
	uint64_t frame;
	int64_t ts;
	uint32_t seq, nextseq;
};

/*
 * The unacked list, oldest entry at v[start], newest at v[start + n - 1]
 * (insertion order, which W8 and the oldest-exact-match rule of W19 need).
 * Allocated lazily, grown geometrically up to TCP_UNACKED_CAP slots; at
 * most TCP_UNACKED_MAX entries.
 *
 * To keep W19 and W20 O(1) amortised per packet, the list also knows
 * whether it is "linear": every seq and nextseq lies in the arc [lo, hi]
 * of fewer than TCP_ULIST_ARC sequence numbers. Modulo-2^32 comparisons
 * between such values (and an ACK within TCP_ULIST_ARC of lo) are then
 * plain integer comparisons, so the minimum seq and maximum nextseq are
 * well defined (W20 span = hi - lo, whatever the walk order). "sorted"
 * adds that seq never decreases and nextseq strictly increases from old
 * to new: then a cumulative ACK removes a prefix, the only exact match is
 * the last removed entry and the entries to trim follow it. Anything else
 * (retransmissions in the list, wrap-around games) takes the exact walk.
 *
 * The header lives in the allocation with the slots: a direction without
 * unacked data carries one NULL pointer instead of 32 bytes of bookkeeping.
 */
struct tcp_ulist {
	uint32_t start, n, cap;
	uint32_t lo, hi;  /* linear: lowest seq, highest nextseq */
	bool linear;
	bool sorted;	  /* implies linear */
	struct tcp_unacked v[]; /* cap slots */
};

#define TCP_UNACKED_MAX 10000u
/* Slots beyond TCP_UNACKED_MAX so that sliding the list down at the cap
 * frees at least 2288 slots (amortised O(1) push). */
#define TCP_UNACKED_CAP 12288u
#define TCP_ULIST_ARC (1u << 30)
#define TCP_DUPACK_MARK 0xFFFFFFFFu
#define TCP_FASTRT_NS (20LL * 1000000LL)
#define TCP_OOO_DEFAULT_NS (3LL * 1000000LL)
/*
 * IP ID heuristic (docs/tcp-analysis.md "IP ID"): a step of 1..window from
 * one packet of a direction to the next counts as incrementing; the
 * direction's IDs are trusted once at least IPID_MIN_FWD such steps were
 * seen and at most a quarter as many other steps (random IDs land in the
 * window 1 time in 16, constant 0 never).
 */
#define IPID_WINDOW 4096
#define IPID_MIN_FWD 4u

/*
 * Ordered by size, no padding. The SACK blocks of the last packet live in
 * the statistics' rare block (tcp_srare.sack), allocated at the first
 * packet carrying any: most connections never send one.
 */
struct tcp_dir {
	int64_t nextseq_time;
	int64_t lastack_time;
	struct tcp_ulist *ul; /* NULL: empty */
	uint32_t nextseq;
	uint32_t maxseqtobeacked;
	uint32_t lastack;
	uint32_t window; /* raw, 0xFFFFFFFF until the first packet */
	uint32_t dupacknum;
	uint32_t lastsegmentflags; /* enum tcp_aflag bits of the last packet */
	uint32_t push_bytes_sent;
	/* Frames relative to tcp_flow_state.frame0 (see fr_rel). */
	uint32_t nextseq_frame;
	uint32_t lastnondupack;
	/*
	 * IPv4 IDs are never 0 here (ID 0 is skipped, see ipid_track), so 0
	 * also means "none".
	 */
	uint16_t max_id;   /* IPv4 ID of the packet that last advanced nextseq */
	uint16_t last_id;  /* IPv4 ID of this direction's previous packet */
	uint16_t id_fwd, id_bad; /* ID steps within IPID_WINDOW vs others */
	int8_t win_scale; /* -1 unknown, -2 no scaling, 0..14 */
	bool is_first_ack;
	bool valid_bif;
	bool push_set_last;
};

struct tcp_flow_state {
	struct tcp_dir d[2];
	uint64_t frame0;      /* frame of the first analysed packet (0: none) */
	/*
	 * Until the first RTT is known, the time of the most recent SYN (0:
	 * none); then the first RTT, the SYN time being needed no more.
	 */
	int64_t ts_syn_rtt;
	struct tcp_sacc st;   /* per-connection statistics */
	uint32_t changed_idx; /* 1 + index in tcp_analyzer.changed; 0: not listed */
	bool rtt_known;	      /* ts_syn_rtt holds the first RTT (never 0) */
	uint8_t last_dir;     /* direction of the last analysed packet */
};

/*
 * Frame numbers in the state are 32-bit offsets from frame0 plus one, 0
 * for none (frames count from 1), like tcp_stats_acc.h does from the
 * flow's first frame. frame0 is the state's own: the flow's first_frame
 * moves when a flow seen only uncounted gets its first counted packet.
 */
static inline uint32_t fr_rel(const struct tcp_flow_state *s, uint64_t frame)
{
	uint64_t d = frame - s->frame0;

	return frame >= s->frame0 && d < UINT32_MAX ? (uint32_t)d + 1 : 0;
}

static inline uint64_t fr_abs(const struct tcp_flow_state *s, uint32_t rel)
{
	return rel ? s->frame0 + rel - 1 : 0;
}

/* The first RTT (spec §2 step 8), 0 while unknown. */
static inline int64_t first_rtt(const struct tcp_flow_state *s)
{
	return s->rtt_known ? s->ts_syn_rtt : 0;
}

/* A flow listed for the next --follow snapshot. */
struct tcp_changed {
	struct flow *f;
	struct tcp_flow_state *s;
};

struct tcp_analyzer {
	uint64_t alloc_failures; /* unacked entries dropped for lack of memory */
	tcp_stats_cb stats_cb;
	void *stats_ctx;
	bool track;
	struct tcp_changed *changed;
	uint32_t n_changed, c_changed;
};

/* Analysis flags that make a flow worth a --follow snapshot. */
#define TA_FOLLOW_MASK                                                        \
	(((1u << TA_NFLAGS) - 1u) &                                           \
	 ~(uint32_t)(TA_WINDOW_UPDATE | TA_KEEP_ALIVE_ACK |                   \
		     TA_ZERO_WINDOW_PROBE_ACK))

static const char *const tcp_aflag_names[TA_NFLAGS] = {
	"retransmission",
	"fast_retransmission",
	"spurious_retransmission",
	"out_of_order",
	"lost_segment",
	"ack_lost_segment",
	"duplicate_ack",
	"zero_window",
	"zero_window_probe",
	"zero_window_probe_ack",
	"window_full",
	"window_update",
	"keep_alive",
	"keep_alive_ack",
	"reused_ports",
};

const char *tcp_aflag_name(unsigned i)
{
	return i < TA_NFLAGS ? tcp_aflag_names[i] : "?";
}

/* Modulo-2^32 sequence comparisons. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static void ulist_release(struct tcp_ulist **l)
{
	free(*l);
	*l = NULL;
}

static inline uint32_t ulist_n(const struct tcp_ulist *l)
{
	return l ? l->n : 0;
}

/*
 * Folds entry e, the newest, into lo/hi/linear/sorted; prev is the entry
 * before it (NULL when e is the only one).
 */
static void ulist_note(struct tcp_ulist *l, const struct tcp_unacked *prev,
		       const struct tcp_unacked *e)
{
	int64_t s, x, lo, hi;

	if (!prev) {
		l->lo = e->seq;
		l->hi = e->nextseq;
		/* nextseq - seq in [1, ARC): seglen + SYN/FIN may wrap. */
		l->linear = e->nextseq - e->seq - 1u < TCP_ULIST_ARC - 1u;
		l->sorted = l->linear;
		return;
	}
	if (!l->linear)
		return;
	/* The usual case: the next segment of an in-order stream. */
	if (l->sorted && e->seq == prev->nextseq &&
	    e->nextseq - e->seq - 1u < TCP_ULIST_ARC - 1u &&
	    e->nextseq - l->lo < TCP_ULIST_ARC) {
		l->hi = e->nextseq;
		return;
	}
	/* Offsets from lo: the old values are all in [0, hi - lo]. */
	s = (int32_t)(e->seq - l->lo);
	x = (int32_t)(e->nextseq - l->lo);
	if (s >= x || s <= -(int64_t)TCP_ULIST_ARC || x >= TCP_ULIST_ARC) {
		l->linear = l->sorted = false;
		return;
	}
	lo = s < 0 ? s : 0;
	hi = x > (int64_t)(l->hi - l->lo) ? x : (int64_t)(l->hi - l->lo);
	if (hi - lo >= TCP_ULIST_ARC) {
		l->linear = l->sorted = false;
		return;
	}
	if (l->sorted)
		l->sorted = s >= (int32_t)(prev->seq - l->lo) &&
			    x > (int32_t)(prev->nextseq - l->lo);
	l->hi = l->lo + (uint32_t)hi;
	l->lo = l->lo + (uint32_t)lo;
}

/* Appends the newest entry; returns false when capped or out of memory. */
static bool ulist_push(struct tcp_ulist **lp, const struct tcp_unacked *e)
{
	struct tcp_ulist *l = *lp;

	if (ulist_n(l) >= TCP_UNACKED_MAX)
		return false;
	if (!l || l->start + l->n == l->cap) {
		if (l && l->start > 0 && (l->n <= l->cap / 2 ||
					  l->cap == TCP_UNACKED_CAP)) {
			/* Slide down rather than grow: the old end was acked. */
			memmove(l->v, l->v + l->start, l->n * sizeof(*l->v));
			l->start = 0;
		} else {
			uint32_t ncap = l && l->cap ? l->cap * 2 : 8;
			struct tcp_ulist *nl;

			if (ncap > TCP_UNACKED_CAP)
				ncap = TCP_UNACKED_CAP;
			nl = realloc(l, sizeof(*nl) +
					(size_t)ncap * sizeof(nl->v[0]));
			if (!nl)
				return false;
			if (!l)
				memset(nl, 0, sizeof(*nl));
			nl->cap = ncap;
			*lp = l = nl;
		}
	}
	l->v[l->start + l->n] = *e;
	ulist_note(l, l->n ? &l->v[l->start + l->n - 1] : NULL, e);
	l->n++;
	return true;
}

static void tcp_state_start(void *ctx, struct flow *f, void *state)
{
	struct tcp_flow_state *s = state;
	int i;

	(void)ctx;
	(void)f;
	memset(s, 0, sizeof(*s));
	for (i = 0; i < 2; i++) {
		s->d[i].window = 0xFFFFFFFFu;
		s->d[i].win_scale = -1;
		s->d[i].valid_bif = true;
	}
}

/* Lists the flow for the next snapshot (no-op when listed or full). */
static void changed_add(struct tcp_analyzer *ta, struct flow *f,
			struct tcp_flow_state *s)
{
	if (s->changed_idx)
		return;
	if (ta->n_changed == ta->c_changed) {
		uint32_t nc = ta->c_changed ? ta->c_changed * 2 : 64;
		struct tcp_changed *n;

		if (nc < ta->c_changed)
			return;
		n = realloc(ta->changed, (size_t)nc * sizeof(*n));
		if (!n)
			return; /* reported when it ends instead */
		ta->changed = n;
		ta->c_changed = nc;
	}
	ta->changed[ta->n_changed].f = f;
	ta->changed[ta->n_changed].s = s;
	s->changed_idx = ++ta->n_changed;
}

/* Unlists a flow leaving the table: the last entry takes its place. */
static void changed_remove(struct tcp_analyzer *ta, struct tcp_flow_state *s)
{
	uint32_t i = s->changed_idx - 1;

	if (!s->changed_idx || i >= ta->n_changed)
		return;
	ta->changed[i] = ta->changed[--ta->n_changed];
	if (i < ta->n_changed)
		ta->changed[i].s->changed_idx = i + 1;
	s->changed_idx = 0;
}

void tcp_analyzer_track_changes(struct tcp_analyzer *ta, bool on)
{
	ta->track = on;
}

size_t tcp_analyzer_changed(const struct tcp_analyzer *ta)
{
	return ta ? ta->n_changed : 0;
}

size_t tcp_analyzer_snapshot_changed(struct tcp_analyzer *ta, tcp_stats_cb cb,
				     void *ctx)
{
	size_t n = ta->n_changed;

	for (uint32_t i = 0; i < ta->n_changed; i++) {
		struct tcp_changed *c = &ta->changed[i];
		struct tcp_conn_stats cs;

		c->s->changed_idx = 0;
		tcp_sacc_finish(&c->s->st, c->f, c->s->frame0, first_rtt(c->s),
				&cs);
		if (cb)
			cb(ctx, c->f, &cs);
	}
	ta->n_changed = 0;
	return n;
}

static void tcp_state_end(void *ctx, struct flow *f, void *state)
{
	struct tcp_flow_state *s = state;
	struct tcp_analyzer *ta = ctx;

	if (!s)
		return;
	if (ta)
		changed_remove(ta, s);
	if (ta && f && ta->stats_cb && f->key.proto == 6) {
		struct tcp_conn_stats cs;

		tcp_sacc_finish(&s->st, f, s->frame0, first_rtt(s), &cs);
		ta->stats_cb(ta->stats_ctx, f, &cs);
	}
	ulist_release(&s->d[0].ul);
	ulist_release(&s->d[1].ul);
	tcp_sacc_release(&s->st);
}

struct tcp_analyzer *tcp_analyzer_new(void)
{
	return calloc(1, sizeof(struct tcp_analyzer));
}

void tcp_analyzer_free(struct tcp_analyzer *ta)
{
	if (!ta)
		return;
	free(ta->changed);
	free(ta);
}

void tcp_analyzer_flow_hooks(struct tcp_analyzer *ta, struct flow_analyzer *out)
{
	memset(out, 0, sizeof(*out));
	out->name = "tcp";
	out->ctx = ta;
	out->state_size = sizeof(struct tcp_flow_state);
	out->on_flow_start = tcp_state_start;
	out->on_flow_end = tcp_state_end;
}

void tcp_analyzer_set_stats_cb(struct tcp_analyzer *ta, tcp_stats_cb cb,
			       void *ctx)
{
	ta->stats_cb = cb;
	ta->stats_ctx = ctx;
}

size_t tcp_analyzer_state_size(void)
{
	return sizeof(struct tcp_flow_state);
}

void tcp_analyzer_state_init(void *state)
{
	tcp_state_start(NULL, NULL, state);
}

void tcp_analyzer_state_release(void *state)
{
	tcp_state_end(NULL, NULL, state);
}

/* Oldest entry of the list, or NULL. */
static const struct tcp_unacked *ulist_oldest(const struct tcp_ulist *l)
{
	return l && l->n ? &l->v[l->start] : NULL;
}

/* Whether ack is within TCP_ULIST_ARC of a linear list's lo. */
static inline bool ack_near(const struct tcp_ulist *l, uint32_t ack)
{
	return ack - l->lo + TCP_ULIST_ARC < 2u * TCP_ULIST_ARC;
}

/*
 * Step S (W19): walk rev.unacked newest to oldest against ack. An exact
 * match on nextseq gives acks_frame/ack_rtt and removes the entry; the walk
 * goes on, so the oldest exact match wins. Entries straddling ack are
 * trimmed, entries wholly below it dropped.
 */
static void ack_match_walk(struct tcp_ulist *l, uint32_t ack, int64_t now,
			   struct tcp_pkt_result *res)
{
	uint32_t i, w;
	bool removed = false;
	struct tcp_unacked *v = l->v + l->start;

	for (i = l->n; i-- > 0;) {
		struct tcp_unacked *e = &v[i];

		if (e->nextseq == ack) {
			res->acked_frame = e->frame;
			res->ack_rtt_ns = now - e->ts;
			e->frame = 0; /* frames count from 1: 0 marks removal */
			removed = true;
		} else if (seq_lt(e->nextseq, ack)) {
			e->frame = 0;
			removed = true;
		} else if (seq_lt(e->seq, ack)) {
			e->seq = ack;
		}
	}
	/* Compact and recompute lo/hi/linear/sorted in one pass. */
	for (i = 0, w = 0; i < l->n; i++) {
		if (removed && v[i].frame == 0)
			continue;
		if (removed)
			v[w] = v[i];
		ulist_note(l, w ? &v[w - 1] : NULL, &v[w]);
		w++;
	}
	l->n = w;
	if (!w)
		l->start = 0;
}

/*
 * Same result as ack_match_walk. A linear list with ack at or below lo has
 * nothing to remove or trim (a duplicate ACK); a sorted one drops a prefix.
 */
static void ack_match(struct tcp_ulist *l, uint32_t ack, int64_t now,
		      struct tcp_pkt_result *res)
{
	struct tcp_unacked *v;
	uint32_t k, j;

	if (!l || !l->n)
		return;
	if (!l->linear || !ack_near(l, ack)) {
		ack_match_walk(l, ack, now, res);
		return;
	}
	if (seq_le(ack, l->lo))
		return;
	if (!l->sorted) {
		ack_match_walk(l, ack, now, res);
		return;
	}
	v = l->v + l->start;
	for (k = 0; k < l->n && seq_le(v[k].nextseq, ack); k++)
		;
	if (k && v[k - 1].nextseq == ack) {
		res->acked_frame = v[k - 1].frame;
		res->ack_rtt_ns = now - v[k - 1].ts;
	}
	if (k == l->n) {
		l->n = 0;
		l->start = 0;
		return;
	}
	l->start += k;
	l->n -= k;
	v += k;
	for (j = 0; j < l->n && seq_lt(v[j].seq, ack); j++)
		v[j].seq = ack;
	l->lo = v[0].seq;
}

/* W20 span: highest nextseq minus lowest seq over the list. */
static uint32_t ulist_span(const struct tcp_ulist *l)
{
	uint32_t i, lo, hi;

	if (l->linear)
		return l->hi - l->lo;
	/* Walk newest first, as the oracle's list is ordered. */
	lo = l->v[l->start + l->n - 1].seq;
	hi = l->v[l->start + l->n - 1].nextseq;
	for (i = l->n - 1; i-- > 0;) {
		const struct tcp_unacked *e = &l->v[l->start + i];

		if (seq_lt(e->seq, lo))
			lo = e->seq;
		if (seq_gt(e->nextseq, hi))
			hi = e->nextseq;
	}
	return hi - lo;
}

static inline bool in_window(int64_t delta, int64_t thr)
{
	return delta >= 0 && delta < thr;
}

/* The direction's IPv4 IDs go up by small steps (Linux: per socket). */
static bool ipid_increments(const struct tcp_dir *d)
{
	return d->id_fwd >= IPID_MIN_FWD &&
	       (uint32_t)d->id_bad * 4u <= d->id_fwd;
}

/*
 * Cause of a segment that went back in sequence: its IPv4 ID (ipid, -1
 * without one) against the ID of the packet that advanced nextseq, in
 * 16-bit serial arithmetic. Lower: the sender sent it before that packet,
 * so the network reordered them; higher: sent after it, a resend of a
 * segment the capture never saw (lost before the capture point).
 */
static uint8_t ipid_classify(const struct tcp_dir *fwd, int32_t ipid)
{
	int32_t d;

	if (ipid <= 0 || fwd->max_id == 0 ||
	    !ipid_increments(fwd))
		return TCP_BACK_UNKNOWN;
	d = (int16_t)(uint16_t)((uint32_t)ipid - fwd->max_id);
	if (d < 0 && d >= -IPID_WINDOW)
		return TCP_BACK_REORDERED;
	if (d > 0 && d <= IPID_WINDOW)
		return TCP_BACK_RETRANSMITTED;
	return TCP_BACK_UNKNOWN;
}

/*
 * Per packet: does the direction's ID move by a small step forward? ID 0
 * is skipped (Linux sends SYN-ACKs and RSTs with ID 0 between counted
 * packets); a direction that only ever sends 0 never counts as incrementing.
 */
static void ipid_track(struct tcp_dir *d, int32_t ipid)
{
	if (ipid < 0) {
		d->last_id = 0;
		return;
	}
	if (ipid == 0)
		return;
	if (d->last_id) {
		uint16_t step = (uint16_t)((uint32_t)ipid - d->last_id);

		if (d->id_fwd == UINT16_MAX || d->id_bad == UINT16_MAX) {
			d->id_fwd /= 2; /* keep the ratio, forget the past */
			d->id_bad /= 2;
		}
		if (step >= 1 && step <= IPID_WINDOW)
			d->id_fwd++;
		else
			d->id_bad++;
	}
	d->last_id = (uint16_t)ipid;
}

/* Steps M (W5-W8): the exclusive retransmission family. */
static void retrans_family(struct tcp_flow_state *s, struct tcp_dir *fwd,
			   struct tcp_dir *rev, const struct pkt_tcp *t,
			   uint32_t seglen, bool sf, int64_t now, int32_t ipid,
			   struct tcp_pkt_result *res)
{
	uint32_t seq = t->seq;
	bool not_adv;
	int64_t thr;

	if (res->flags & TA_KEEP_ALIVE)
		return;
	/* W5: everything in it was already acknowledged by the last ACK. */
	if (seglen > 0 && rev->lastack != 0 &&
	    seq_le(seq + seglen, rev->lastack)) {
		res->flags |= TA_SPURIOUS_RETRANSMISSION | TA_RETRANSMISSION;
		return;
	}
	not_adv = fwd->nextseq != 0 && seq_lt(seq, fwd->nextseq);
	/* Data right after a 1-byte probe is new data, not a resend. */
	if (seglen > 1 && seq == fwd->nextseq - 1)
		not_adv = false;
	if (!not_adv)
		return;
	res->back_cause = ipid_classify(fwd, ipid); /* data, SYN or FIN */
	/*
	 * W6. The time windows of W6/W7 need a non-negative delta: a
	 * capture whose clock steps back never yields fast/OOO (tshark).
	 */
	if (rev->dupacknum >= 2 && rev->lastack == seq &&
	    in_window(now - rev->lastack_time, TCP_FASTRT_NS)) {
		res->flags |= TA_FAST_RETRANSMISSION | TA_RETRANSMISSION;
		return;
	}
	/* W7 */
	thr = s->rtt_known ? s->ts_syn_rtt : TCP_OOO_DEFAULT_NS;
	if (in_window(now - fwd->nextseq_time, thr) &&
	    fwd->nextseq != seq + seglen + (sf ? 1u : 0u)) {
		res->flags |= TA_OUT_OF_ORDER;
		return;
	}
	/* W8 */
	res->flags |= TA_RETRANSMISSION;
	{
		const struct tcp_unacked *o = ulist_oldest(fwd->ul);
		int64_t rto;
		uint64_t rframe;

		if (o) {
			rto = now - o->ts;
			rframe = o->frame;
		} else {
			rto = now - fwd->nextseq_time;
			rframe = fr_abs(s, fwd->nextseq_frame);
		}
		if (rto != 0) {
			res->rto_ns = rto;
			res->rto_frame = rframe;
			res->has_rto = true;
		}
	}
}

/* Step 4 of §2: sequence analysis A-T with raw numbers. */
static void seq_analysis(struct tcp_analyzer *ta, struct tcp_flow_state *s,
			 struct tcp_dir *fwd, struct tcp_dir *rev,
			 const struct pkt_tcp *t, uint32_t seglen,
			 uint64_t frame, int64_t now, int32_t ipid,
			 struct tcp_pkt_result *res)
{
	const uint16_t fl = t->flags;
	const bool has_ack = fl & TCP_F_ACK;
	const bool sf = fl & (TCP_F_SYN | TCP_F_FIN);
	const bool no_sfr = !(fl & (TCP_F_SYN | TCP_F_FIN | TCP_F_RST));
	const uint32_t seq = t->seq, ack = t->ack, win = t->win;
	const int rdir = (int)(rev - s->d);
	uint32_t nxt;

	/* A */
	if (has_ack)
		rev->valid_bif = true;
	/* B: W15 */
	if (seglen == 1 && seq == fwd->nextseq && rev->window == 0) {
		res->flags |= TA_ZERO_WINDOW_PROBE;
		goto step_k;
	}
	/* C: W14 */
	if (win == 0 && no_sfr)
		res->flags |= TA_ZERO_WINDOW;
	/* D: W9 */
	if (fwd->nextseq != 0 && seq_gt(seq, fwd->nextseq) &&
	    !(fl & TCP_F_RST)) {
		res->flags |= TA_LOST_SEGMENT;
		fwd->valid_bif = false;
	}
	/* E: W12 */
	if (seglen <= 1 && seq == fwd->nextseq - 1 && no_sfr)
		res->flags |= TA_KEEP_ALIVE;
	/* F: W17 */
	if (seglen == 0 && win != 0 && win != fwd->window &&
	    seq == fwd->nextseq && ack == fwd->lastack && no_sfr)
		res->flags |= TA_WINDOW_UPDATE;
	/* G: W18 */
	if (seglen > 0 && rev->win_scale != -1 && no_sfr) {
		int sh = (rev->is_first_ack || rev->win_scale == -2) ?
			 0 : rev->win_scale;

		if (seq + seglen == rev->lastack + (rev->window << sh))
			res->flags |= TA_WINDOW_FULL;
	}
	/* H: W13 */
	if (seglen == 0 && win != 0 && win == fwd->window &&
	    seq == fwd->nextseq && ack == fwd->lastack &&
	    (rev->lastsegmentflags & TA_KEEP_ALIVE) && no_sfr) {
		res->flags |= TA_KEEP_ALIVE_ACK;
		goto step_k;
	}
	/* I: W16 */
	if (seglen == 0 && win == 0 && fwd->window == 0 &&
	    seq == fwd->nextseq && ack == fwd->lastack &&
	    (rev->lastsegmentflags & TA_ZERO_WINDOW_PROBE) && no_sfr) {
		res->flags |= TA_ZERO_WINDOW_PROBE_ACK;
		goto step_k;
	}
	/* J: W11 */
	if (seglen == 0 && win != 0 && win == fwd->window &&
	    seq == fwd->nextseq && ack == fwd->lastack && no_sfr) {
		fwd->dupacknum = fwd->dupacknum == TCP_DUPACK_MARK ?
				 1 : fwd->dupacknum + 1;
		res->flags |= TA_DUPLICATE_ACK;
		res->dupack_num = fwd->dupacknum;
		res->dupack_frame = fr_abs(s, fwd->lastnondupack);
	}
step_k:
	/* K */
	if (ack != fwd->lastack) {
		fwd->lastnondupack = fr_rel(s, frame);
		fwd->dupacknum = 0;
	}
	/* L: W10 */
	if (has_ack && rev->maxseqtobeacked != 0 &&
	    seq_gt(ack, rev->maxseqtobeacked)) {
		if (seq_lt(rev->maxseqtobeacked, rev->nextseq)) {
			rev->maxseqtobeacked = rev->nextseq;
			res->flags |= TA_ACK_LOST_SEGMENT;
		} else if (rev->dupacknum == 0) {
			res->flags |= TA_ACK_LOST_SEGMENT;
			rev->dupacknum = TCP_DUPACK_MARK;
		}
	}
	/* M */
	if (seglen > 0 || sf)
		retrans_family(s, fwd, rev, t, seglen, sf, now, ipid, res);
	/* N */
	nxt = seq + seglen + (sf ? 1u : 0u);
	if (seglen > 0 || sf) {
		struct tcp_unacked e = {
			.frame = frame, .ts = now, .seq = seq, .nextseq = nxt,
		};

		if (ulist_n(fwd->ul) < TCP_UNACKED_MAX &&
		    !ulist_push(&fwd->ul, &e))
			ta->alloc_failures++;
	}
	/* O */
	if ((fwd->nextseq == 0 || seq_gt(nxt, fwd->nextseq)) &&
	    !(res->flags & TA_ZERO_WINDOW_PROBE)) {
		fwd->nextseq = nxt;
		fwd->nextseq_frame = fr_rel(s, frame);
		fwd->nextseq_time = now;
		fwd->max_id = ipid > 0 ? (uint16_t)ipid : 0;
	}
	/* P */
	if ((seq == fwd->maxseqtobeacked || fwd->maxseqtobeacked == 0) &&
	    !(res->flags & TA_ZERO_WINDOW_PROBE))
		fwd->maxseqtobeacked = fwd->nextseq;
	/* Q */
	fwd->window = win;
	fwd->lastack = ack;
	fwd->lastack_time = now;
	/* R */
	fwd->lastsegmentflags = res->flags;
	/*
	 * S: W19. Runs without the ACK flag too, with the raw ack field
	 * (settled against tshark, docs/tcp-analysis.md): a resent SYN with
	 * ack 0 drops the peer's entries "below" 0.
	 */
	ack_match(rev->ul, ack, now, res);
	/* T: W20, W21 */
	if (seglen > 0 && ulist_n(fwd->ul) && fwd->valid_bif) {
		uint32_t bif = ulist_span(fwd->ul);
		bool psh = fl & TCP_F_PSH;
		const struct tcp_srare *r = s->st.rare;

		for (unsigned i = 0; r && i < r->n_sack[rdir]; i++)
			bif -= r->sack[rdir][i][1] - r->sack[rdir][i][0];
		if (sf)
			bif -= 1;
		/* W21: bytes since (not including) the last PSH segment. */
		if (fwd->push_set_last)
			fwd->push_bytes_sent = seglen;
		else
			fwd->push_bytes_sent += seglen;
		fwd->push_set_last = psh;
		res->bif_computed = true;
		if (bif > 0 && bif < 2000000000u) {
			res->bytes_in_flight = bif;
			res->push_bytes_sent = fwd->push_bytes_sent;
		}
	}
}

/*
 * Field by field rather than memset or a compound literal: for this size
 * gcc emits "rep stos", whose start-up cost showed as 15 % of the function
 * in perf. The assertion makes a new field impossible to forget here.
 */
_Static_assert(sizeof(struct tcp_pkt_result) == 120,
	       "result_init must set every field of struct tcp_pkt_result");
static inline void result_init(struct tcp_pkt_result *res, uint64_t stream,
			       uint32_t seglen)
{
	res->stream = stream;
	res->flags = 0;
	res->dupack_num = 0;
	res->dupack_frame = 0;
	res->acked_frame = 0;
	res->ack_rtt_ns = -1;
	res->irtt_ns = -1;
	res->rto_ns = -1;
	res->rto_frame = 0;
	res->has_rto = false;
	res->bif_computed = false;
	res->bytes_in_flight = -1;
	res->push_bytes_sent = -1;
	res->rel_seq = 0;
	res->rel_ack = 0;
	res->seglen = seglen;
	res->calc_window = 0;
	res->back_cause = TCP_BACK_NONE;
}

void tcp_analyzer_packet(struct tcp_analyzer *ta, struct flow *f, void *state,
			 const struct flow_pkt_info *info,
			 const struct packet *pkt, int l4, uint64_t frame,
			 int64_t ts_ns, struct tcp_pkt_result *res)
{
	struct tcp_flow_state *s = state;
	const struct pkt_l4 *h = &pkt->l4[l4];
	const struct pkt_tcp *t = &h->u.tcp;
	const int dir = info->dir ? 1 : 0;
	struct tcp_dir *fwd = &s->d[dir], *rev = &s->d[!dir];
	const uint32_t seglen = h->payload_len;
	const uint16_t fl = t->flags;
	const bool syn = fl & TCP_F_SYN, ackf = fl & TCP_F_ACK;
	unsigned i, n;
	int32_t ipid = -1;
	int64_t prev_ts;

	result_init(res, f->conv_id, seglen);
	if (!s->frame0)
		s->frame0 = frame;
	/*
	 * A header cut short or with an impossible data offset is where the
	 * oracle stops dissecting (bogus length / exception): no analysis.
	 * The decoder then records hdr_len apart from the data offset.
	 */
	if (t->hdr_len < 20 || h->hdr_len != t->hdr_len)
		return;

	/* W3 */
	if (info->reused_ports)
		res->flags |= TA_REUSED_PORTS;
	else if (syn && !ackf && f->tcp.base_set[dir] &&
		 t->seq == f->tcp.base_seq[dir])
		fwd->nextseq = fwd->maxseqtobeacked; /* SYN resent */

	/* IPv4 ID of the header carrying this TCP header (none for IPv6). */
	if (h->ip < pkt->n_ip && pkt->ip[h->ip].ver == 4)
		ipid = pkt->ip[h->ip].id;
	/* The previous packet's time, for the statistics (max idle). */
	prev_ts = s->d[s->last_dir].lastack_time;
	s->last_dir = (uint8_t)dir;
	seq_analysis(ta, s, fwd, rev, t, seglen, frame, ts_ns, ipid, res);
	ipid_track(fwd, ipid);
	/*
	 * A finished sender's list, emptied by the last ACK, holds nothing:
	 * give its storage back. Connections that ended stay in the table
	 * (files keep them for late packets), and a kept 8-slot list per
	 * direction was half of analyze's memory on short connections. A
	 * late retransmission simply allocates a new list.
	 */
	if (rev->ul && !rev->ul->n &&
	    (f->tcp.fin[!dir] || f->tcp.rst[0] || f->tcp.rst[1]))
		ulist_release(&rev->ul);

	/* W1 relative numbers, W2 calculated window. */
	res->rel_seq = t->seq - (f->tcp.base_set[dir] ? f->tcp.base_seq[dir] : 0);
	/* Without ACK the field is the raw number (tshark; 0 stays 0). */
	res->rel_ack = ackf ? t->ack - (f->tcp.base_set[!dir] ?
					f->tcp.base_seq[!dir] : 0) : t->ack;
	if (!syn && fwd->win_scale >= 0)
		res->calc_window = (int64_t)t->win << fwd->win_scale;
	else
		res->calc_window = t->win;

	/* §2 step 6-8 */
	if (syn) {
		if (!ackf && !s->rtt_known)
			s->ts_syn_rtt = ts_ns;
		fwd->is_first_ack = true;
	}
	if (ackf && !syn) {
		/* A difference of 0 leaves the RTT unknown (and the SYN time). */
		if (!s->rtt_known && s->ts_syn_rtt != 0 &&
		    ts_ns != s->ts_syn_rtt) {
			s->ts_syn_rtt = ts_ns - s->ts_syn_rtt;
			s->rtt_known = true;
		}
		fwd->is_first_ack = false;
	}
	if (s->rtt_known)
		res->irtt_ns = s->ts_syn_rtt;

	/* Step 9: options take effect from the next packet on. */
	if (t->wscale >= 0)
		fwd->win_scale = t->wscale > 14 ? 14 : t->wscale;
	n = t->n_sack < TCP_SRARE_SACK ? t->n_sack : TCP_SRARE_SACK;
	if (n || s->st.rare) {
		struct tcp_srare *r = n ? tcp_sacc_rare(&s->st) : s->st.rare;

		if (r) {
			r->n_sack[dir] = (uint8_t)n;
			for (i = 0; i < n; i++) {
				r->sack[dir][i][0] = t->sack[i][0];
				r->sack[dir][i][1] = t->sack[i][1];
			}
		} else if (ta) {
			ta->alloc_failures++; /* the blocks are ignored (W20) */
		}
	}

	tcp_sacc_packet(&s->st, s->frame0, dir, t, seglen, frame, ts_ns,
			prev_ts, res);
	if (ta && ta->track &&
	    ((res->flags & TA_FOLLOW_MASK) || (fl & (TCP_F_FIN | TCP_F_RST))))
		changed_add(ta, f, s);

	/* Step 11: W2 verification after a SYN. */
	if (syn) {
		if (fwd->win_scale == -1) {
			fwd->win_scale = -2;
			rev->win_scale = -2;
		} else if (ackf && rev->win_scale == -2) {
			fwd->win_scale = -2;
		}
	}
}
