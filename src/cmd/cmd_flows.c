// SPDX-License-Identifier: MIT
/* netdx flows: one row per conversation (like tshark -z conv,tcp/udp). */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/pipeline.h"
#include "cmd/cli.h"
#include "cmd/cmd.h"
#include "cmd/packet_cmd.h"
#include "output/report.h"
#include "output/sink.h"

/*
 * State names (docs/flows.md), stored in a row as their index. Row order
 * (and report order) never depends on them.
 */
enum row_state {
	ST_ONE_WAY = 0,
	ST_TWO_WAY,
	ST_REJECTED,
	ST_SYN_RESET,
	ST_SYN_ONLY,
	ST_RESET,
	ST_CLOSED,
	ST_HALF_CLOSED,
	ST_HANDSHAKE,
	ST_MIDSTREAM,
	ST_ESTABLISHED,
};

static const char *const STATE_NAMES[] = {
	[ST_ONE_WAY] = "one-way",	  [ST_TWO_WAY] = "two-way",
	[ST_REJECTED] = "REJECTED",	  [ST_SYN_RESET] = "SYN_RESET",
	[ST_SYN_ONLY] = "SYN_ONLY",	  [ST_RESET] = "RESET",
	[ST_CLOSED] = "CLOSED",		  [ST_HALF_CLOSED] = "HALF_CLOSED",
	[ST_HANDSHAKE] = "HANDSHAKE",	  [ST_MIDSTREAM] = "MIDSTREAM",
	[ST_ESTABLISHED] = "ESTABLISHED",
};

/*
 * One conversation as last reported by the flow table. A big capture has
 * one per connection (rr: 65 k), and every byte of them is first-touched
 * memory, so the row is packed (80 bytes, no holes): the flow key's
 * addresses in place for IPv4, an IPv6 pair in c->v6 (32 bytes a row for
 * every row would be 40 % of it); --tcp statistics in a separate array.
 */
struct flow_row {
	uint64_t first_frame, conv_id;
	int64_t first_ns, last_ns;
	uint64_t pkts[2], bytes[2]; /* [0] A->B, [1] B->A */
	union {
		uint8_t v4[2][4];
		uint32_t v6; /* index in c->v6 */
	} addr;
	uint16_t port[2];   /* as in the flow key */
	uint8_t family;	    /* 4 or 6 */
	uint8_t proto;
	uint8_t first_dir;
	/* row_state() at the last report: it depends only on fields of that
	 * report, and its index is smaller than the TCP summary. */
	uint8_t state;
};

/* --tcp: per-connection statistics (analyze/tcp_stats.h), summed over the
 * parts of a revived conversation. Same index as its row. */
struct flow_tcp_row {
	int64_t hs_rtt_ns; /* -1 unknown */
	uint64_t retrans, dup_acks;
	int64_t zw_ns;
	uint32_t stats_part;
	uint8_t cend;	   /* enum tcp_conn_end */
	uint8_t rst_phase; /* enum tcp_rst_phase */
	bool have_stats;
	bool end_by_a;
};

/* Rows live in fixed blocks: no realloc copy (which touches the array
 * twice) as they grow, and an index stays 32 bits. */
#define ROW_BLK_SHIFT 10
#define ROW_BLK (1u << ROW_BLK_SHIFT)

struct flows_ctx {
	bool only_tcp, only_udp, tsv;
	bool want_stats; /* the TCP analysis runs: keep tcp[] */
	struct flow_row **blk; /* n rows in blocks of ROW_BLK */
	struct flow_tcp_row **tblk; /* want_stats: same shape as blk */
	uint32_t n;
	size_t n_blk;
	uint8_t (*v6)[2][16]; /* IPv6 address pairs of rows (addr.v6) */
	uint32_t n_v6, cap_v6;
	/* Report order: indices of the wanted rows (sort_rows); NULL when
	 * every row is wanted and the rows already are in order. */
	uint32_t *order;
	uint32_t n_out; /* rows in the report */
	bool sorted;
	/* conv_id -> row index + 1, per family: conv ids are dense. Entries
	 * below idx_len are initialised; the rest of idx_cap is untouched. */
	uint32_t *idx[3];
	size_t idx_len[3], idx_cap[3];
	bool have_t0;
	int64_t t0_ns; /* first frame of the capture: "start" is relative to it */
	bool oom;
	uint64_t max_rows;     /* --max-rows: rows kept (0 all) */
	uint64_t rows_omitted; /* conversations without a row because of it */
};

/*
 * Live captures keep at most this many rows (80 bytes, 120 with --tcp,
 * plus a 4-byte index each: 248 MB), so that a long capture fits a 2 GB
 * machine next to the flow table; --max-rows changes it.
 */
#define FLOWS_LIVE_MAX_ROWS 2000000

static inline struct flow_row *row_ptr(const struct flows_ctx *c, uint32_t i)
{
	return &c->blk[i >> ROW_BLK_SHIFT][i & (ROW_BLK - 1)];
}

static inline struct flow_tcp_row *tcp_ptr(const struct flows_ctx *c,
					   uint32_t i)
{
	return &c->tblk[i >> ROW_BLK_SHIFT][i & (ROW_BLK - 1)];
}

static int set_max_rows(void *ctx, const char *v, struct nd_err *e)
{
	struct flows_ctx *c = ctx;
	int ret = cli_parse_u64("--max-rows", v, &c->max_rows, e);

	if (!ret && (c->max_rows < 1 || c->max_rows > UINT32_MAX - 1))
		return nd_err_set(e, ND_ERR_USAGE, EINVAL,
				  "--max-rows expects 1..4294967294, got '%s'", v);
	return ret;
}

static const struct cli_extra flows_extra[] = {
	{ "tcp", 0, false, NULL,
	  "show TCP conversations only, with per-connection TCP columns "
	  "(handshake RTT, retransmissions, duplicate ACKs, zero-window "
	  "time, how and by whom it ended; not in --tsv)",
	  NULL, offsetof(struct flows_ctx, only_tcp) },
	{ "udp", 0, false, NULL, "show UDP conversations only", NULL, offsetof(struct flows_ctx, only_udp) },
	{ "tsv", 0, false, NULL,
	  "stable tab-separated rows: proto addrA portA addrB portB pkts_ab "
	  "bytes_ab pkts_ba bytes_ba start duration conv state",
	  NULL, offsetof(struct flows_ctx, tsv) },
	{ "max-rows", 0, true, "N",
	  "keep at most N conversation rows (80 bytes each, 120 with --tcp; "
	  "default 2000000 live, unlimited for files); later conversations "
	  "are counted (rows_omitted), not listed",
	  set_max_rows, 0 },
};

static void on_frame(void *ctx, const struct pipeline_frame *pf)
{
	struct flows_ctx *c = ctx;

	if (!c->have_t0) {
		c->t0_ns = pf->fr->ts_ns;
		c->have_t0 = true;
	}
}

/* Stores the key's addresses, ports and protocol in r. 0 or -ENOMEM. */
static int row_set_key(struct flows_ctx *c, struct flow_row *r,
		       const struct flow_key *k)
{
	if (k->family == 6) {
		/* A revived conversation keeps its slot. */
		if (r->family != 6) {
			if (c->n_v6 == c->cap_v6) {
				uint32_t nc = c->cap_v6 ? c->cap_v6 * 2 : 64;
				void *p;

				if (nc <= c->cap_v6)
					return -ENOMEM;
				p = realloc(c->v6, nc * sizeof(*c->v6));
				if (!p)
					return -ENOMEM;
				c->v6 = p;
				c->cap_v6 = nc;
			}
			r->addr.v6 = c->n_v6++;
		}
		memcpy(c->v6[r->addr.v6], k->addr, sizeof(k->addr));
	} else {
		memcpy(r->addr.v4[0], k->addr[0], 4);
		memcpy(r->addr.v4[1], k->addr[1], 4);
	}
	r->port[0] = k->port[0];
	r->port[1] = k->port[1];
	r->family = k->family;
	r->proto = k->proto;
	return 0;
}

/* The flow key of a row back (addresses beyond an IPv4 one zero). */
static void row_key(const struct flows_ctx *c, const struct flow_row *r,
		    struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = r->family;
	k->proto = r->proto;
	k->port[0] = r->port[0];
	k->port[1] = r->port[1];
	if (r->family == 6) {
		memcpy(k->addr, c->v6[r->addr.v6], sizeof(k->addr));
	} else {
		memcpy(k->addr[0], r->addr.v4[0], 4);
		memcpy(k->addr[1], r->addr.v4[1], 4);
	}
}

/* Makes idx[fam][id] addressable and initialised. */
static int idx_reserve(struct flows_ctx *c, int fam, uint64_t id)
{
	if (id >= UINT32_MAX)
		return -ENOMEM; /* more conversations than rows can index */
	if (id >= c->idx_cap[fam]) {
		size_t ncap = c->idx_cap[fam] ? c->idx_cap[fam] : 64;
		uint32_t *ni;

		while (ncap <= id)
			ncap *= 2;
		ni = realloc(c->idx[fam], ncap * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		c->idx[fam] = ni;
		c->idx_cap[fam] = ncap;
	}
	if (id >= c->idx_len[fam]) {
		memset(c->idx[fam] + c->idx_len[fam], 0,
		       (id + 1 - c->idx_len[fam]) * sizeof(*c->idx[fam]));
		c->idx_len[fam] = id + 1;
	}
	return 0;
}

/* Appends a zeroed row (and statistics); its index, or -1. */
static int64_t row_append(struct flows_ctx *c)
{
	uint32_t i = c->n;

	if (i == UINT32_MAX)
		return -1;
	if ((i & (ROW_BLK - 1)) == 0 && (i >> ROW_BLK_SHIFT) == c->n_blk) {
		size_t nb = c->n_blk + 1;
		struct flow_row **b = realloc(c->blk, nb * sizeof(*b));

		if (!b)
			return -1;
		c->blk = b;
		b[c->n_blk] = malloc(ROW_BLK * sizeof(**b));
		if (!b[c->n_blk])
			return -1;
		if (c->want_stats) {
			struct flow_tcp_row **t =
				realloc(c->tblk, nb * sizeof(*t));

			if (!t) {
				free(b[c->n_blk]);
				return -1;
			}
			c->tblk = t;
			t[c->n_blk] = malloc(ROW_BLK * sizeof(**t));
			if (!t[c->n_blk]) {
				free(b[c->n_blk]);
				return -1;
			}
		}
		c->n_blk = nb;
	}
	memset(row_ptr(c, i), 0, sizeof(struct flow_row));
	if (c->want_stats)
		memset(tcp_ptr(c, i), 0, sizeof(struct flow_tcp_row));
	c->n++;
	return i;
}

/*
 * The row of a conversation, created (one-way, empty) on first sight; -1
 * without memory, -2 when --max-rows leaves it out.
 */
static int64_t row_for(struct flows_ctx *c, int fam, uint64_t id)
{
	int64_t i;

	if (idx_reserve(c, fam, id) < 0)
		return -1;
	if (c->idx[fam][id])
		return (int64_t)c->idx[fam][id] - 1;
	if (c->max_rows && c->n >= c->max_rows)
		return -2;
	i = row_append(c);
	if (i < 0)
		return -1;
	c->idx[fam][id] = (uint32_t)i + 1;
	row_ptr(c, (uint32_t)i)->state = ST_ONE_WAY;
	return i;
}

static enum row_state row_state(const struct flow *f, uint8_t first_dir,
				const uint64_t pkts[2]);

/*
 * A flow revived after idle/linger/eviction reports again with the same
 * conv_id and cumulative counters, so the latest report replaces the row.
 */
static void on_flow_end(void *ctx, const struct flow *f)
{
	struct flows_ctx *c = ctx;
	int fam = flow_family_of(f->key.proto);
	struct flow_row *r;
	int a = f->first_dir ? 1 : 0;
	int64_t i;

	/* Only a stream index (quoted or uncountable headers): no row. */
	if (!flow_counted(f))
		return;
	i = row_for(c, fam, f->conv_id);
	if (i == -2) {
		/* A revived part reports again: count the conversation once. */
		if (f->part == 0)
			c->rows_omitted++;
		return;
	}
	if (i < 0) {
		c->oom = true;
		return;
	}
	r = row_ptr(c, (uint32_t)i);
	if (row_set_key(c, r, &f->key) < 0) {
		c->oom = true;
		return;
	}
	r->conv_id = f->conv_id;
	r->first_frame = f->first_frame;
	r->first_ns = f->first_ns;
	r->last_ns = f->last_ns;
	r->pkts[0] = f->pkts[a];
	r->bytes[0] = f->bytes[a];
	r->pkts[1] = f->pkts[!a];
	r->bytes[1] = f->bytes[!a];
	r->first_dir = (uint8_t)a;
	r->state = (uint8_t)row_state(f, r->first_dir, r->pkts);
	c->sorted = false;
}

/* --tcp: statistics arrive just before on_flow_end for the same flow. */
static void on_tcp_stats(void *ctx, const struct flow *f,
			 const struct tcp_conn_stats *st)
{
	struct flows_ctx *c = ctx;
	struct flow_tcp_row *r;
	bool add;
	int64_t i;

	if (!flow_counted(f) || !c->want_stats)
		return;
	i = row_for(c, FLOW_FAM_TCP, f->conv_id);
	if (i == -2)
		return; /* no row: on_flow_end counts it */
	if (i < 0) {
		c->oom = true;
		return;
	}
	r = tcp_ptr(c, (uint32_t)i);
	/* A revived conversation reports again: later parts add up. */
	add = r->have_stats && f->part > r->stats_part;
	if (!add || r->hs_rtt_ns < 0)
		r->hs_rtt_ns = st->handshake_rtt_ns;
	if (!add) {
		r->retrans = r->dup_acks = 0;
		r->zw_ns = 0;
	}
	/* As netdx analyze counts them: segments the IP ID shows were resent
	 * (Wireshark's "out-of-order" after a loss upstream) included. */
	r->retrans += (uint64_t)st->d[0].retrans + st->d[1].retrans +
		      st->d[0].ooo_retransmitted + st->d[1].ooo_retransmitted;
	r->dup_acks += (uint64_t)st->d[0].dup_acks + st->d[1].dup_acks;
	r->zw_ns += st->d[0].zero_window_ns + st->d[1].zero_window_ns;
	if (st->end != TCP_CONN_OPEN || !add) {
		r->cend = (uint8_t)st->end;
		r->end_by_a = st->end_by == f->first_dir;
		r->rst_phase = (uint8_t)st->rst_phase;
	}
	r->have_stats = true;
	r->stats_part = f->part;
}

/* "fin by A", "rst by B (refused)", "open". */
static void fmt_ended(const struct flow_tcp_row *r, char *buf, size_t n)
{
	enum tcp_conn_end e = (enum tcp_conn_end)r->cend;
	const char *ph = tcp_rst_phase_name((enum tcp_rst_phase)r->rst_phase);

	if (e == TCP_CONN_OPEN)
		snprintf(buf, n, "%s", tcp_conn_end_name(e));
	else if (e == TCP_CONN_RST && ph && ph[0])
		snprintf(buf, n, "%s by %s (%s)", tcp_conn_end_name(e),
			 r->end_by_a ? "A" : "B", ph);
	else
		snprintf(buf, n, "%s by %s", tcp_conn_end_name(e),
			 r->end_by_a ? "A" : "B");
}

/* State names: see docs/flows.md. pkts[] are A/B oriented. */
static enum row_state row_state(const struct flow *f, uint8_t first_dir,
				const uint64_t pkts[2])
{
	const struct flow_tcp_summary *t = &f->tcp;
	bool any_rst = t->rst[0] || t->rst[1];

	if (f->key.proto != 6)
		return pkts[0] && pkts[1] ? ST_TWO_WAY : ST_ONE_WAY;
	if (t->syn_seen && !t->synack_seen) {
		int srv = !t->syn_dir;

		if (t->rst[srv])
			return ST_REJECTED;
		/* The server is B iff A sent the SYN. */
		if ((t->syn_dir == first_dir ? pkts[1] : pkts[0]) == 0)
			return any_rst ? ST_SYN_RESET : ST_SYN_ONLY;
	}
	if (any_rst)
		return ST_RESET;
	if (t->fin[0] && t->fin[1])
		return ST_CLOSED;
	if (t->fin[0] || t->fin[1])
		return ST_HALF_CLOSED;
	if (t->syn_seen && t->synack_seen && !t->handshake_ack &&
	    pkts[0] + pkts[1] <= 2)
		return ST_HANDSHAKE;
	if (!t->syn_seen && !t->synack_seen)
		return ST_MIDSTREAM;
	return ST_ESTABLISHED;
}

static const char *proto_name(uint8_t p, char *buf, size_t n)
{
	switch (p) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	default:
		snprintf(buf, n, "ip-%u", (unsigned)p);
		return buf;
	}
}

/* Report order: first frame, protocol, conversation (a total order). */
static inline bool row_lt(const struct flows_ctx *c, uint32_t ia, uint32_t ib)
{
	const struct flow_row *a = row_ptr(c, ia), *b = row_ptr(c, ib);

	if (a->first_frame != b->first_frame)
		return a->first_frame < b->first_frame;
	if (a->proto != b->proto)
		return a->proto < b->proto;
	return a->conv_id < b->conv_id;
}

#define SORT_RUN 16

/* First index in [lo, hi) of sorted a whose row sorts after row x. */
static size_t upper_bound(const struct flows_ctx *c, const uint32_t *a,
			  size_t lo, size_t hi, uint32_t x)
{
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;

		if (row_lt(c, x, a[m]))
			hi = m;
		else
			lo = m + 1;
	}
	return lo;
}

/* First index in [lo, hi) of sorted a whose row does not sort before x. */
static size_t lower_bound(const struct flows_ctx *c, const uint32_t *a,
			  size_t lo, size_t hi, uint32_t x)
{
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;

		if (row_lt(c, a[m], x))
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

/*
 * Merges the sorted runs a[lo, mid) and a[mid, hi) in place, stably. Only
 * the elements that move are merged (the left run's head and the right
 * run's tail already are in place), and the shorter of the two moving
 * parts goes through tmp: rows that are nearly in order touch little of
 * tmp, whose pages are then never faulted in.
 */
static void merge_runs(const struct flows_ctx *c, uint32_t *a, uint32_t *tmp,
		       size_t lo, size_t mid, size_t hi)
{
	size_t n, i, j, o;

	if (mid == lo || mid == hi || !row_lt(c, a[mid], a[mid - 1]))
		return;
	lo = upper_bound(c, a, lo, mid, a[mid]);
	hi = lower_bound(c, a, mid, hi, a[mid - 1]);
	if (mid - lo <= hi - mid) {
		/* Left part out, merged forward. */
		n = mid - lo;
		memcpy(tmp, a + lo, n * sizeof(*a));
		for (i = 0, j = mid, o = lo; i < n && j < hi;)
			a[o++] = row_lt(c, a[j], tmp[i]) ? a[j++] : tmp[i++];
		while (i < n)
			a[o++] = tmp[i++];
	} else {
		/* Right part out, merged backward. */
		n = hi - mid;
		memcpy(tmp, a + mid, n * sizeof(*a));
		for (i = mid, j = n, o = hi; i > lo && j > 0;)
			a[--o] = row_lt(c, tmp[j - 1], a[i - 1]) ? a[--i]
								 : tmp[--j];
		while (j > 0)
			a[--o] = tmp[--j];
	}
}

/*
 * Stable bottom-up merge sort of n row indices in place (tmp: room for
 * n / 2 + 1). Rows come from the flush in last-packet order, which is
 * nearly first-frame order: a merge of runs already in order costs one
 * comparison, so this is close to linear there and O(n log n) on any
 * input. Indices, not keys: 4 bytes a row to touch instead of 32.
 */
static void sort_idx(const struct flows_ctx *c, uint32_t *a, uint32_t *tmp,
		     size_t n)
{
	for (size_t lo = 0; lo < n; lo += SORT_RUN) {
		size_t hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;

		for (size_t i = lo + 1; i < hi; i++) {
			uint32_t k = a[i];
			size_t j = i;

			for (; j > lo && row_lt(c, k, a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = k;
		}
	}
	for (size_t w = SORT_RUN; w < n; w *= 2)
		for (size_t lo = 0; lo + w < n; lo += 2 * w)
			merge_runs(c, a, tmp, lo, lo + w,
				   lo + 2 * w < n ? lo + 2 * w : n);
}

static bool row_wanted(const struct flows_ctx *c, const struct flow_row *r)
{
	if (!c->only_tcp && !c->only_udp)
		return true;
	return (c->only_tcp && r->proto == 6) ||
	       (c->only_udp && r->proto == 17);
}

/*
 * Puts the wanted rows in report order as indices in c->order (the rows
 * stay where they are); when every row is wanted and already in order,
 * no order at all.
 */
static int sort_rows(struct flows_ctx *c)
{
	bool filter = c->only_tcp || c->only_udp;
	uint32_t *k, *tmp, i, m = 0;

	if (c->sorted)
		return 0;
	free(c->order);
	c->order = NULL;
	for (i = 1; i < c->n; i++)
		if (row_lt(c, i, i - 1))
			break;
	if (i >= c->n && !filter) {
		c->n_out = c->n;
		c->sorted = true;
		return 0;
	}
	k = malloc((c->n ? c->n : 1) * sizeof(*k));
	tmp = malloc((c->n / 2 + 1) * sizeof(*tmp));
	if (!k || !tmp) {
		free(k);
		free(tmp);
		return -ENOMEM;
	}
	for (i = 0; i < c->n; i++)
		if (row_wanted(c, row_ptr(c, i)))
			k[m++] = i;
	sort_idx(c, k, tmp, m);
	free(tmp);
	c->order = k;
	c->n_out = m;
	c->sorted = true;
	return 0;
}

/* The i-th row of the report (after sort_rows), and its index. */
static uint32_t row_idx(const struct flows_ctx *c, size_t i)
{
	return c->order ? c->order[i] : (uint32_t)i;
}

/* Seconds with 6 decimals, rounded to the microsecond, sign-safe. */
static void fmt_secs(int64_t ns, char *buf, size_t n)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	u = (u + 500) / 1000;
	snprintf(buf, n, "%s%" PRIu64 ".%06" PRIu64, ns < 0 ? "-" : "",
		 u / 1000000, u % 1000000);
}

static void addr_only(const struct flow_key *k, int ep, char *buf, size_t n)
{
	struct flow_key tmp = *k;

	tmp.proto = 0; /* no port */
	flow_format_endpoint(&tmp, ep, buf, n);
}

static int print_tsv(const struct flows_ctx *c, FILE *out)
{
	for (size_t i = 0; i < c->n_out; i++) {
		const struct flow_row *r = row_ptr(c, row_idx(c, i));
		int a = r->first_dir;
		char pa[64], pb[64], st[40], du[40], pn[16];
		struct flow_key k;

		row_key(c, r, &k);
		addr_only(&k, a, pa, sizeof(pa));
		addr_only(&k, !a, pb, sizeof(pb));
		fmt_secs(r->first_ns - c->t0_ns, st, sizeof(st));
		fmt_secs(r->last_ns - r->first_ns, du, sizeof(du));
		fprintf(out,
			"%s\t%s\t%u\t%s\t%u\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
			"\t%" PRIu64 "\t%s\t%s\t%" PRIu64 "\t%s\n",
			proto_name(k.proto, pn, sizeof(pn)), pa,
			(unsigned)k.port[a], pb, (unsigned)k.port[!a],
			r->pkts[0], r->bytes[0], r->pkts[1], r->bytes[1], st, du,
			r->conv_id, STATE_NAMES[r->state]);
	}
	return ferror(out) ? -EIO : 0;
}

static const struct report_col flow_cols[] = {
	{ "proto", COL_STR },	     { "a", COL_ADDR },
	{ "b", COL_ADDR },	     { "pkts_ab", COL_U64 },
	{ "bytes_ab", COL_U64 },     { "pkts_ba", COL_U64 },
	{ "bytes_ba", COL_U64 },     { "start", COL_OFFSET },
	{ "duration", COL_DURATION }, { "state", COL_STR },
	{ "conv", COL_U64 },
	/* --tcp only (per-connection TCP statistics). */
	{ "hs_rtt", COL_DURATION },  { "retrans", COL_U64 },
	{ "dup_acks", COL_U64 },     { "zero_win_time", COL_DURATION },
	{ "ended", COL_STR },
};
#define FLOW_COLS_BASE 11
/* Columns a narrow terminal loses first (highest); 0: always shown. */
static const unsigned char flow_drop[] = {
	1 /* proto */, 0 /* a */, 0 /* b */, 4 /* pkts_ab */, 0 /* bytes_ab */,
	4 /* pkts_ba */, 0 /* bytes_ba */, 6 /* start */, 2 /* duration */,
	0 /* state */, 5 /* conv */, 7 /* hs_rtt */, 3 /* retrans */,
	8 /* dup_acks */, 9 /* zero_win_time */, 10 /* ended */,
};
_Static_assert(sizeof(flow_drop) == sizeof(flow_cols) / sizeof(flow_cols[0]),
	       "one drop rank per column");

/* IP fragments: datagrams are counted where they complete (docs/flows.md). */
static int add_reasm_counters(struct packet_cmd *pc)
{
	struct ipr_stats st;

	pipeline_reasm_stats(pc->p, &st);
	if (st.fragments == 0)
		return 0;
	if (report_set_counter(pc->rep, "ip_fragments", st.fragments) < 0 ||
	    report_set_counter(pc->rep, "ip_reassembled", st.completed) < 0 ||
	    report_set_counter(pc->rep, "ip_reassembly_incomplete",
			       st.pending + st.timed_out + st.evicted +
				       st.dropped) < 0 ||
	    report_set_counter(pc->rep, "ip_fragments_uncaptured",
			       st.uncaptured) < 0)
		return -ENOMEM;
	return 0;
}

/* Row i of the report, on demand (rtable_fill_fn): nothing is stored. */
static int fill_row(void *ctx, size_t i, struct rtable *t)
{
	const struct flows_ctx *c = ctx;
	uint32_t ri = row_idx(c, i);
	const struct flow_row *r = row_ptr(c, ri);
	int a = r->first_dir;
	bool ports = flow_proto_has_ports(r->proto);
	const uint8_t *aa = r->family == 6 ? c->v6[r->addr.v6][a] : r->addr.v4[a];
	const uint8_t *ab = r->family == 6 ? c->v6[r->addr.v6][!a]
					   : r->addr.v4[!a];
	char pn[16];
	const char *p = proto_name(r->proto, pn, sizeof(pn));

	/* Text reads every row twice (widths, then lines): names that are
	 * literals are not copied. */
	if (p == pn) {
		if (rtable_set_str(t, 0, pn) < 0)
			return -ENOMEM;
	} else {
		rtable_set_const_str(t, 0, p);
	}
	if (rtable_set_addr(t, 1, r->family, aa, ports ? r->port[a] : -1) < 0 ||
	    rtable_set_addr(t, 2, r->family, ab, ports ? r->port[!a] : -1) < 0)
		return -ENOMEM;
	rtable_set_const_str(t, 9, STATE_NAMES[r->state]);
	rtable_set_u64(t, 3, r->pkts[0]);
	rtable_set_u64(t, 4, r->bytes[0]);
	rtable_set_u64(t, 5, r->pkts[1]);
	rtable_set_u64(t, 6, r->bytes[1]);
	rtable_set_duration(t, 7, r->first_ns - c->t0_ns);
	rtable_set_duration(t, 8, r->last_ns - r->first_ns);
	rtable_set_u64(t, 10, r->conv_id);
	if (c->only_tcp && c->want_stats && tcp_ptr(c, ri)->have_stats) {
		const struct flow_tcp_row *s = tcp_ptr(c, ri);
		char ended[48];

		if (s->hs_rtt_ns >= 0)
			rtable_set_duration(t, 11, s->hs_rtt_ns);
		rtable_set_u64(t, 12, s->retrans);
		rtable_set_u64(t, 13, s->dup_acks);
		rtable_set_duration(t, 14, s->zw_ns);
		fmt_ended(s, ended, sizeof(ended));
		if (rtable_set_str(t, 15, ended) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The flows table is lazy: rows are formatted while the sink writes them,
 * from c, which cmd_flows frees only after packet_cmd_run has rendered and
 * freed the report.
 */
static int fill_report(void *ctx, struct packet_cmd *pc, struct nd_err *err)
{
	struct flows_ctx *c = ctx;
	struct rtable *t;

	if (c->oom)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	if (sort_rows(c) < 0)
		goto nomem;
	if (add_reasm_counters(pc) < 0)
		goto nomem;
	/* Its verdict must not read as a TCP all-clear. */
	report_set_coverage(pc->rep, pipeline_frames(pc->p),
			    "capture checks only (flows does not analyse "
			    "TCP: run netdx analyze)");
	if (c->rows_omitted &&
	    report_set_counter(pc->rep, "rows_omitted", c->rows_omitted) < 0)
		goto nomem;
	t = report_add_lazy_table(pc->rep, c->rows_omitted ?
				   "flows (the first conversations to end; the "
				   "rest, beyond --max-rows, counted in "
				   "rows_omitted)" : "flows",
				   flow_cols,
				   c->only_tcp ? sizeof(flow_cols) /
							 sizeof(flow_cols[0])
					       : FLOW_COLS_BASE,
				   c->n_out, fill_row, c);
	if (!t)
		goto nomem;
	rtable_set_drop(t, flow_drop);
	return 0;
nomem:
	return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
}

/* --tsv: the stable machine-readable rows (corpus comparisons). */
static int print_raw(void *ctx, struct packet_cmd *pc, struct nd_err *err)
{
	struct flows_ctx *c = ctx;
	(void)pc;
	if (!c->tsv)
		return 0;
	if (c->oom)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	if (sort_rows(c) < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	if (print_tsv(c, stdout) < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, EIO,
				  "flows: write failed");
	return 1;
}

static void ctx_free(struct flows_ctx *c)
{
	for (size_t i = 0; i < c->n_blk; i++) {
		free(c->blk[i]);
		if (c->tblk)
			free(c->tblk[i]);
	}
	free(c->blk);
	free(c->tblk);
	free(c->order);
	free(c->v6);
	for (int i = 0; i < 3; i++)
		free(c->idx[i]);
}

int cmd_flows(int argc, char **argv)
{
	struct flows_ctx c = { 0 };
	const struct cli_spec spec = {
		.command = "flows",
		.usage = "[options] FILE... | -i IFACE",
		.summary = "One row per conversation (TCP: a reused 4-tuple "
			   "with a new SYN is a new row; UDP; other IP "
			   "protocols; tunnel outer conversations too): "
			   "packets and bytes each way, start, duration, "
			   "state. States are explained in docs/flows.md.",
		.packet_source = true,
		.extra = flows_extra,
		.n_extra = sizeof(flows_extra) / sizeof(flows_extra[0]),
		.ctx = &c,
	};
	struct packet_cmd pc = {
		.name = "flows",
		.hooks = { .ctx = &c,
			   .on_frame = on_frame,
			   .on_flow_end = on_flow_end,
			   .on_tcp_stats = on_tcp_stats },
		.tcp_analysis = false,
		.fill_report = fill_report,
		.print_raw = print_raw,
		.ctx = &c,
	};
	struct cli_opts o;
	int ret;

	ret = cli_begin(&spec, argc, argv, &o);
	if (ret >= 0)
		return ret;
	pc.o = &o;
	if (c.tsv && strcmp(o.format, "text") != 0) {
		ctx_free(&c);
		return cli_conflict("flows", "--tsv", o.format_opt,
				    "--tsv is its own output format");
	}
	if (!c.max_rows && o.iface)
		c.max_rows = FLOWS_LIVE_MAX_ROWS;
	/* Statistics need the TCP analysis; --tsv stays as it always was. */
	pc.tcp_analysis = c.only_tcp && !c.tsv;
	c.want_stats = pc.tcp_analysis;
	ret = packet_cmd_run(&pc);
	ctx_free(&c);
	return ret;
}
