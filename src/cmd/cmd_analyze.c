// SPDX-License-Identifier: MIT
/* netdx analyze: TCP expert analysis, per-connection statistics and findings. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/evidence_export.h"
#include "analyze/pipeline.h"
#include "analyze/tcp_evidence.h"
#include "analyze/tcp_follow.h"
#include "analyze/tcp_stats.h"
#include "cmd/analyze_int.h"
#include "cmd/cli.h"
#include "cmd/cmd.h"
#include "cmd/packet_cmd.h"
#include "output/report.h"
#include "output/sink.h"

static int set_follow_every(void *ctx, const char *v, struct nd_err *e)
{
	struct analyze_ctx *a = ctx;
	double s;
	int ret = cli_parse_seconds("--follow-every", v, &s, e);

	if (ret < 0)
		return ret;
	if (!(s > 0) || s > 86400.0)
		return nd_err_set(e, ND_ERR_USAGE, EINVAL,
				  "--follow-every expects 0 < SECONDS <= 86400, "
				  "got '%s'", v);
	a->clk.every_ns = (int64_t)(s * 1e9);
	a->follow = true;
	return 0;
}

static int set_stream(void *ctx, const char *v, struct nd_err *e)
{
	struct analyze_ctx *a = ctx;
	int ret = cli_parse_u64("--stream", v, &a->stream, e);

	if (ret < 0)
		return ret;
	a->drill = a->have_stream = true;
	return 0;
}

/* "ADDR:PORT" or "[V6]:PORT" into family/addr/port; strict. */
static int parse_ep(const char *s, size_t len, uint8_t *fam, uint8_t addr[16],
		    uint16_t *port)
{
	char buf[64];
	const char *colon;
	char *end;
	unsigned long p;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	colon = strrchr(buf, ':');
	if (!colon || !colon[1])
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p > 65535 || colon[1] == '-' || colon[1] == '+')
		return -EINVAL;
	*port = (uint16_t)p;
	buf[colon - buf] = 0;
	memset(addr, 0, 16);
	if (buf[0] == '[') {
		size_t l = strlen(buf);

		if (l < 3 || buf[l - 1] != ']')
			return -EINVAL;
		buf[l - 1] = 0;
		if (inet_pton(AF_INET6, buf + 1, addr) != 1)
			return -EINVAL;
		*fam = 6;
		return 0;
	}
	if (inet_pton(AF_INET, buf, addr) != 1)
		return -EINVAL;
	*fam = 4;
	return 0;
}

static int set_flow(void *ctx, const char *v, struct nd_err *e)
{
	struct analyze_ctx *a = ctx;
	const char *sp = v ? strchr(v, ' ') : NULL;
	uint8_t f1 = 0, f2 = 0;

	if (!sp || parse_ep(v, (size_t)(sp - v), &f1, a->fl_addr[0],
			    &a->fl_port[0]) < 0 ||
	    parse_ep(sp + 1, strlen(sp + 1), &f2, a->fl_addr[1],
		     &a->fl_port[1]) < 0 || f1 != f2)
		return nd_err_set(e, ND_ERR_USAGE, EINVAL,
				  "--flow expects 'ADDR:PORT ADDR:PORT' "
				  "([v6]:port for IPv6), got '%s'",
				  v ? v : "");
	a->fl_family = f1;
	a->drill = a->by_flow = true;
	return 0;
}

static int set_stream_packets(void *ctx, const char *v, struct nd_err *e)
{
	struct analyze_ctx *a = ctx;
	int ret = cli_parse_u64("--stream-packets", v, &a->max_pkts, e);

	if (!ret && (a->max_pkts < 1 || a->max_pkts > 100000000))
		return nd_err_set(e, ND_ERR_USAGE, EINVAL,
				  "--stream-packets expects 1..100000000, got '%s'",
				  v);
	return ret;
}

static int set_max_rows(void *ctx, const char *v, struct nd_err *e)
{
	struct analyze_ctx *a = ctx;
	int ret = cli_parse_u64("--max-rows", v, &a->max_rows, e);

	if (!ret && (a->max_rows < 1 || a->max_rows > 1000000000))
		return nd_err_set(e, ND_ERR_USAGE, EINVAL,
				  "--max-rows expects 1..1000000000, got '%s'", v);
	return ret;
}

static int set_write_evidence(void *ctx, const char *v, struct nd_err *e)
{
	(void)e;
	((struct analyze_ctx *)ctx)->write_evidence = v;
	return 0;
}

static const struct cli_extra analyze_extra[] = {
	{ "frames", 0, false, NULL,
	  "print '<frame>\\t<flag>[,<flag>...]' for every frame with a TCP "
	  "analysis flag (tshark field names)",
	  NULL, offsetof(struct analyze_ctx, frames) },
	{ "fields", 0, false, NULL,
	  "print the per-packet TCP analysis values of every analysed TCP "
	  "header, one TAB-separated line per frame (docs/tcp-analysis.md)",
	  NULL, offsetof(struct analyze_ctx, fields) },
	{ "all", 0, false, NULL,
	  "list every TCP connection (default: the 20 with most problems)",
	  NULL, offsetof(struct analyze_ctx, all) },
	{ "stream", 0, true, "N",
	  "drill down into TCP stream N (tcp.stream): its statistics, "
	  "findings and every packet",
	  set_stream, 0 },
	{ "flow", 0, true, "'A:PORT B:PORT'",
	  "drill down into the TCP connection between these endpoints",
	  set_flow, 0 },
	{ "stream-packets", 0, true, "N",
	  "--stream/--flow: list the first N packets of the connection "
	  "(default 100000, 168 bytes each); the rest are counted, the "
	  "statistics cover all",
	  set_stream_packets, 0 },
	{ "max-rows", 0, true, "N",
	  "--all: keep at most N connection rows (888 bytes each; default "
	  "500000 live, unlimited for files); beyond it the rows with the "
	  "fewest problems are left out and counted (findings still count "
	  "every connection)",
	  set_max_rows, 0 },
	{ "write-evidence", 0, true, "FILE",
	  "write the frames behind the findings (listed frames and whole "
	  "connections a finding is about) to a capture file ('-': stdout, "
	  "the report then goes to stderr; same rules as -w)",
	  set_write_evidence, 0 },
	{ "follow", 0, false, NULL,
	  "print findings while the capture runs: the rules run over the "
	  "connections with new problems (or that ended) at the first one "
	  "and then at most every 5 s of capture time; each finding once "
	  "per connection; the full report still comes at the end",
	  NULL, offsetof(struct analyze_ctx, follow) },
	{ "follow-every", 0, true, "SECONDS",
	  "--follow evaluation period in capture time (default 5; implies "
	  "--follow)",
	  set_follow_every, 0 },
};

/* ---- the parity interface: --frames (unchanged behaviour) ---- */

static void frames_on_frame(void *ctx, const struct pipeline_frame *pf)
{
	struct analyze_ctx *a = ctx;
	uint32_t fl = 0;
	bool first = true;
	unsigned i;

	for (i = 0; i < (unsigned)pf->n_tcp; i++)
		fl |= pf->tcp[i].flags;
	if (!fl)
		return;
	a->flagged_frames++;
	fprintf(a->out, "%llu\t", (unsigned long long)pf->fr->num);
	for (i = 0; i < TA_NFLAGS; i++) {
		if (!(fl & (1u << i)))
			continue;
		fprintf(a->out, "%s%s", first ? "" : ",", tcp_aflag_name(i));
		first = false;
	}
	fputc('\n', a->out);
}

/* "\t" + seconds with 9 decimals (tshark's time fields), sign kept. */
static void put_secs(FILE *out, int64_t ns)
{
	uint64_t m = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;

	fprintf(out, "\t%s%llu.%09llu", ns < 0 ? "-" : "",
		(unsigned long long)(m / 1000000000u),
		(unsigned long long)(m % 1000000000u));
}

/*
 * --fields: the first analysed TCP header of the frame, in the column order
 * of tshark's per-field oracle; an empty column is a field tshark omits.
 */
static void fields_on_frame(void *ctx, const struct pipeline_frame *pf)
{
	struct analyze_ctx *a = ctx;
	const struct tcp_pkt_result *r = &pf->tcp[0];
	FILE *out = a->out;

	if (pf->n_tcp < 1)
		return;
	fprintf(out, "%llu\t%llu\t%lu\t%lu\t%lu\t%lld\t",
		(unsigned long long)pf->fr->num, (unsigned long long)r->stream,
		(unsigned long)r->rel_seq, (unsigned long)r->rel_ack,
		(unsigned long)r->seglen, (long long)r->calc_window);
	if (r->acked_frame)
		fprintf(out, "%llu", (unsigned long long)r->acked_frame);
	/* tshark omits an ack_rtt of exactly 0 (it still prints acks_frame). */
	if (r->acked_frame && r->ack_rtt_ns != 0)
		put_secs(out, r->ack_rtt_ns);
	else
		fputc('\t', out);
	/*
	 * tshark shows the iRTT inside its SEQ/ACK analysis subtree, which
	 * exists only when the packet has another analysis value or flag.
	 */
	if (r->irtt_ns >= 0 &&
	    (r->flags || r->acked_frame || r->bif_computed ||
	     r->push_bytes_sent >= 0 || r->dupack_num || r->has_rto))
		put_secs(out, r->irtt_ns);
	else
		fputc('\t', out);
	fputc('\t', out);
	if (r->bytes_in_flight >= 0)
		fprintf(out, "%lld", (long long)r->bytes_in_flight);
	fputc('\t', out);
	if (r->push_bytes_sent >= 0)
		fprintf(out, "%lld", (long long)r->push_bytes_sent);
	fputc('\t', out);
	if (r->dupack_num)
		fprintf(out, "%lu", (unsigned long)r->dupack_num);
	fputc('\t', out);
	if (r->dupack_frame)
		fprintf(out, "%llu", (unsigned long long)r->dupack_frame);
	if (r->has_rto)
		put_secs(out, r->rto_ns);
	else
		fputc('\t', out);
	fputc('\t', out);
	if (r->has_rto && r->rto_frame)
		fprintf(out, "%llu", (unsigned long long)r->rto_frame);
	fputc('\n', out);
}

/* ---- report mode ---- */

static bool want_stream(const struct analyze_ctx *a, uint64_t stream)
{
	return !a->drill || (a->have_stream && a->stream == stream);
}

/* --all: where stream's row is in conns (index + 1, 0 none). */
static size_t *conn_slot(struct analyze_ctx *a, uint64_t stream, bool grow)
{
	if (stream >= a->nidx) {
		size_t n = a->nidx ? a->nidx : 1024;
		size_t *p;

		if (!grow)
			return NULL;
		while (n <= stream && n < SIZE_MAX / 2 / sizeof(*p))
			n *= 2;
		if (n <= stream || !(p = realloc(a->idx, n * sizeof(*p)))) {
			a->oom = true;
			return NULL;
		}
		memset(p + a->nidx, 0, (n - a->nidx) * sizeof(*p));
		a->idx = p;
		a->nidx = n;
	}
	return &a->idx[stream];
}

/* The kept connection with the lowest score (first of equals). */
static void top_find_lo(struct analyze_ctx *a)
{
	size_t lo = 0;

	for (size_t i = 1; i < a->nc && i < TOP_CONNS; i++)
		if (a->top_score[i] < a->top_score[lo])
			lo = i;
	a->top_lo = lo;
}

/*
 * A revived part (the flow ended, then a late packet came): fold it into
 * the row of its earlier part if that row is kept. Returns false if there
 * is none (without --all the earlier part may have been dropped from the
 * top table: the part then competes on its own).
 */
static bool merge_conn(struct analyze_ctx *a, const struct tcp_conn_stats *st)
{
	size_t i = a->nc;

	if (a->all && !a->drill) {
		size_t *slot = conn_slot(a, st->stream, false);

		if (slot && *slot)
			i = *slot - 1;
	} else {
		for (i = 0; i < a->nc; i++)
			if (a->conns[i].stream == st->stream)
				break;
	}
	if (i >= a->nc)
		return false;
	tcp_conn_stats_merge(&a->conns[i], st);
	if (i < TOP_CONNS) {
		a->top_score[i] = tcp_conn_problem_score(&a->conns[i]);
		if (a->nc == TOP_CONNS)
			top_find_lo(a);
	}
	return true;
}

/*
 * --all at --max-rows: a connection with problems takes the row of one
 * without (found by a forward scan: a kept row only gains problems, so the
 * scan never has to go back); otherwise it is left out. Each connection
 * left out is counted once: a revived part of one was counted already.
 */
static void keep_bounded(struct analyze_ctx *a, const struct tcp_conn_stats *st,
			 uint64_t score, bool revived)
{
	size_t *slot;

	if (score)
		while (a->zero_scan < a->nc &&
		       tcp_conn_problem_score(&a->conns[a->zero_scan]) != 0)
			a->zero_scan++;
	if (!score || a->zero_scan >= a->nc) {
		if (!revived)
			a->rows_omitted++;
		return;
	}
	a->rows_omitted++; /* the connection whose row it takes */
	slot = conn_slot(a, a->conns[a->zero_scan].stream, false);
	if (slot)
		*slot = 0;
	slot = conn_slot(a, st->stream, true);
	if (!slot)
		return;
	*slot = a->zero_scan + 1;
	if (a->zero_scan < TOP_CONNS)
		a->top_score[a->zero_scan] = score;
	a->conns[a->zero_scan++] = *st;
}

static void keep_conn(struct analyze_ctx *a, const struct tcp_conn_stats *st,
		      bool revived)
{
	uint64_t score;

	if (revived && merge_conn(a, st))
		return;
	score = tcp_conn_problem_score(st);
	if (!a->all && !a->drill && a->nc == TOP_CONNS) {
		/*
		 * Replace the least problematic kept connection. Most
		 * connections score no more than it: one comparison.
		 */
		size_t lo = a->top_lo;

		if (score <= a->top_score[lo])
			return;
		a->conns[lo] = *st;
		a->top_score[lo] = score;
		top_find_lo(a);
		return;
	}
	if (a->all && !a->drill && a->max_rows && a->nc >= a->max_rows) {
		keep_bounded(a, st, score, revived);
		return;
	}
	if (a->nc == a->cc) {
		size_t nc = a->cc ? a->cc * 2 : 32;
		struct tcp_conn_stats *n = realloc(a->conns, nc * sizeof(*n));

		if (!n) {
			a->oom = true;
			return;
		}
		a->conns = n;
		a->cc = nc;
	}
	if (a->all && !a->drill) {
		size_t *slot = conn_slot(a, st->stream, true);

		if (!slot)
			return;
		*slot = a->nc + 1;
	}
	if (a->nc < TOP_CONNS)
		a->top_score[a->nc] = score;
	a->conns[a->nc++] = *st;
	if (a->nc == TOP_CONNS)
		top_find_lo(a);
}

static void follow_conn(struct analyze_ctx *a,
			const struct tcp_conn_stats *st);

static void on_stats(void *ctx, const struct flow *f,
		     const struct tcp_conn_stats *st)
{
	struct analyze_ctx *a = ctx;

	/*
	 * A revived conversation (f->part > 0, docs/tcp-analysis.md "Memory")
	 * is the same connection: its part adds to the totals but not to the
	 * connection count, and is merged into the earlier part's row.
	 */
	bool revived = f && f->part > 0;

	if (!want_stream(a, st->stream))
		return;
	if (a->drill) {
		if (revived && a->drilled_found)
			tcp_conn_stats_merge(&a->drilled, st);
		else
			a->drilled = *st;
		a->drilled_found = true;
	}
	tcp_totals_add(&a->totals, st);
	if (revived && a->totals.conns)
		a->totals.conns--;
	keep_conn(a, st, revived);
	if ((revived ? tcp_stats_add_part_evidence(st, a->pc->ev) :
		       tcp_stats_add_evidence(st, a->pc->ev)) < 0)
		a->oom = true;
	if (a->follow)
		follow_conn(a, st);
}

static bool l4_analysed(const struct packet *pkt, int i)
{
	const struct pkt_l4 *l = &pkt->l4[i];

	return l->proto == 6 && !l->in_icmp_error &&
	       !(l->ip < pkt->n_ip && pkt->ip[l->ip].fragment);
}

static bool flow_match(const struct analyze_ctx *a, const struct packet *pkt,
		       int i)
{
	const struct pkt_l4 *l = &pkt->l4[i];
	const struct pkt_ip *ip;
	size_t len = a->fl_family == 6 ? 16 : 4;

	if (l->ip >= pkt->n_ip)
		return false;
	ip = &pkt->ip[l->ip];
	if (ip->ver != a->fl_family)
		return false;
	for (int k = 0; k < 2; k++) {
		if (!memcmp(ip->src, a->fl_addr[k], len) &&
		    !memcmp(ip->dst, a->fl_addr[!k], len) &&
		    l->sport == a->fl_port[k] && l->dport == a->fl_port[!k])
			return true;
	}
	return false;
}

static void drill_frame(struct analyze_ctx *a, const struct pipeline_frame *pf)
{
	int k = 0;

	for (int i = 0; pf->pkt && i < pf->pkt->n_l4 && k < pf->n_tcp; i++) {
		const struct tcp_pkt_result *r;
		struct pkt_row *row;

		if (!l4_analysed(pf->pkt, i))
			continue;
		r = &pf->tcp[k++];
		if (a->by_flow && !a->have_stream && flow_match(a, pf->pkt, i)) {
			a->stream = r->stream;
			a->have_stream = true;
		}
		if (!a->have_stream || r->stream != a->stream)
			continue;
		if (a->np >= a->max_pkts) {
			a->pkts_omitted++;
			continue;
		}
		if (a->np == a->pcap_) {
			size_t nc = a->pcap_ ? a->pcap_ * 2 : 256;
			struct pkt_row *n = realloc(a->prow, nc * sizeof(*n));

			if (!n) {
				a->oom = true;
				return;
			}
			a->prow = n;
			a->pcap_ = nc;
		}
		row = &a->prow[a->np++];
		row->frame = pf->fr->num;
		row->ts = pf->fr->ts_ns;
		row->r = *r;
		row->tcp_flags = pf->pkt->l4[i].u.tcp.flags;
		row->win = pf->pkt->l4[i].u.tcp.win;
		row->sport = pf->pkt->l4[i].sport;
		memset(row->src, 0, sizeof(row->src));
		if (pf->pkt->l4[i].ip < pf->pkt->n_ip)
			memcpy(row->src, pf->pkt->ip[pf->pkt->l4[i].ip].src,
			       sizeof(row->src));
	}
}

static void follow_emit(void *ctx, const struct finding *f);

/* --follow: one connection snapshot (open or ended) through the rules. */
static void follow_conn(struct analyze_ctx *a,
			const struct tcp_conn_stats *st)
{
	struct nd_err err = { 0 };

	if (a->fw && want_stream(a, st->stream) &&
	    analyze_follow_conn(a->fw, &a->pc->eng, st, follow_emit, a,
				&err) == -ENOMEM)
		a->oom = true;
}

static void follow_snap(void *ctx, const struct flow *f,
			const struct tcp_conn_stats *st)
{
	(void)f;
	follow_conn(ctx, st);
}

/* A finding not shown before for its connection: print it now. */
static void follow_emit(void *ctx, const struct finding *f)
{
	struct analyze_ctx *a = ctx;

	if (a->fsink) {
		sink_finding(a->fsink, f);
		fflush(a->out);
	}
}

/* The pipeline is open, no frame read yet: no flow can have ended. */
static int on_start(void *ctx, struct pipeline *p, struct nd_err *err)
{
	struct analyze_ctx *a = ctx;
	struct tcp_analyzer *ta = pipeline_tcp(p);

	if (ta) {
		tcp_analyzer_set_stats_cb(ta, on_stats, a);
		tcp_analyzer_track_changes(ta, a->follow);
	}
	/* The runner's engine (rules, thresholds, filter) is set. */
	if (a->follow) {
		a->fw = tcp_follow_new();
		if (!a->fw)
			return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM,
					  "out of memory");
	}
	return 0;
}

static void on_frame(void *ctx, const struct pipeline_frame *pf)
{
	struct analyze_ctx *a = ctx;

	if (!a->have_t0) {
		a->t0 = pf->fr->ts_ns;
		a->have_t0 = true;
	}
	for (int i = 0; i < pf->n_tcp; i++) {
		/* Most results carry no flag: visit only the set bits. */
		for (uint32_t fl = pf->tcp[i].flags & ((1u << TA_NFLAGS) - 1u);
		     fl; fl &= fl - 1)
			a->count[__builtin_ctz(fl)]++;
	}
	if (a->drill)
		drill_frame(a, pf);
	if (a->follow) {
		struct tcp_analyzer *ta = pipeline_tcp(a->pc->p);

		if (tcp_analyzer_changed(ta) &&
		    tcp_follow_due(&a->clk, pf->fr->ts_ns))
			tcp_analyzer_snapshot_changed(ta, follow_snap, a);
	}
}

/*
 * --frames/--fields: the lines are printed while the capture is read; the
 * analysis and rules run as in report mode, so the exit status is the same.
 */
static void raw_on_frame(void *ctx, const struct pipeline_frame *pf)
{
	struct analyze_ctx *a = ctx;

	on_frame(ctx, pf);
	if (a->fields)
		fields_on_frame(ctx, pf);
	else
		frames_on_frame(ctx, pf);
}

/* The lines are out already; the runner checks that they were written. */
static int raw_done(void *ctx, struct packet_cmd *pc, struct nd_err *err)
{
	(void)ctx;
	(void)pc;
	(void)err;
	return 1;
}

static int add_evidence(void *ctx, struct packet_cmd *pc, struct nd_err *err)
{
	struct analyze_ctx *a = ctx;
	struct tcp_analyzer *ta = pipeline_tcp(pc->p);

	/* The flows are flushed: nothing may call back into us any more. */
	if (ta)
		tcp_analyzer_set_stats_cb(ta, NULL, NULL);
	if (a->oom)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	if (tcp_totals_add_evidence(&a->totals, pc->ev) < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	return 0;
}

static int cmp_conn(const void *x, const void *y)
{
	const struct tcp_conn_stats *a = x, *b = y;
	uint64_t sa = tcp_conn_problem_score(a), sb = tcp_conn_problem_score(b);

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a->stream < b->stream ? -1 : a->stream > b->stream;
}

static const struct report_col conn_cols[] = {
	{ "stream", COL_U64 },	       { "client", COL_ADDR },
	{ "server", COL_ADDR },	       { "duration", COL_DURATION },
	{ "bytes_cs", COL_U64 },       { "bytes_sc", COL_U64 },
	{ "handshake_rtt", COL_DURATION }, { "rtt_avg", COL_DURATION },
	{ "retrans", COL_U64 },	       { "rto", COL_U64 },
	{ "ooo", COL_U64 },	       { "dupack", COL_U64 },
	{ "zero_win", COL_U64 },       { "win_full", COL_U64 },
	{ "end", COL_STR },
};

/* Columns a narrow terminal loses first (highest); 0: always shown. */
static const unsigned char conn_drop[] = {
	0 /* stream */, 0 /* client */, 0 /* server */, 3 /* duration */,
	4 /* bytes_cs */, 4 /* bytes_sc */, 6 /* handshake_rtt */,
	5 /* rtt_avg */, 0 /* retrans */, 7 /* rto */, 8 /* ooo */,
	8 /* dupack */, 7 /* zero_win */, 9 /* win_full */, 2 /* end */,
};
_Static_assert(sizeof(conn_drop) == sizeof(conn_cols) / sizeof(conn_cols[0]),
	       "one drop rank per column");

static int conn_row(struct rtable *t, const struct tcp_conn_stats *st)
{
	int c = st->client, s = !c;
	const struct tcp_dir_stats *dc = &st->d[c], *ds = &st->d[s];
	char e[64];

	if (rtable_add_row(t) < 0)
		return -ENOMEM;
	rtable_set_u64(t, 0, st->stream);
	if (rtable_set_addr(t, 1, st->key.family, st->key.addr[c],
			    st->key.port[c]) < 0 ||
	    rtable_set_addr(t, 2, st->key.family, st->key.addr[s],
			    st->key.port[s]) < 0)
		return -ENOMEM;
	rtable_set_duration(t, 3, st->last_ns - st->first_ns);
	rtable_set_u64(t, 4, dc->bytes);
	rtable_set_u64(t, 5, ds->bytes);
	if (st->handshake_rtt_ns >= 0)
		rtable_set_duration(t, 6, st->handshake_rtt_ns);
	int64_t rtt = ds->rtt_samples > dc->rtt_samples ? ds->rtt_avg_ns :
		      dc->rtt_avg_ns;
	if (rtt >= 0)
		rtable_set_duration(t, 7, rtt);
	/*
	 * The diagnosis, not Wireshark's labels: out-of-order segments the IP
	 * ID shows were resent count as retransmissions, the rest as ooo.
	 */
	rtable_set_u64(t, 8, (uint64_t)dc->retrans + ds->retrans +
			     dc->ooo_retransmitted + ds->ooo_retransmitted);
	rtable_set_u64(t, 9, (uint64_t)dc->retrans_timeout + ds->retrans_timeout);
	rtable_set_u64(t, 10, (uint64_t)dc->ooo_reordered + ds->ooo_reordered +
			      dc->ooo_unknown + ds->ooo_unknown);
	rtable_set_u64(t, 11, (uint64_t)dc->dup_acks + ds->dup_acks);
	rtable_set_u64(t, 12, (uint64_t)dc->zero_windows + ds->zero_windows);
	rtable_set_u64(t, 13, (uint64_t)dc->window_full + ds->window_full);
	analyze_end_text(st, e, sizeof(e));
	return rtable_set_str(t, 14, e);
}

static const struct report_col flag_cols[] = {
	{ "flag", COL_STR }, { "frames", COL_U64 },
};

/* --write-evidence: frames of every reported finding, flows of flow-scoped ones. */
static int write_evidence(const struct analyze_ctx *a, struct packet_cmd *pc,
			  struct nd_err *err)
{
	size_t nf = report_finding_count(pc->rep), nfr = 0, nfl = 0;
	uint64_t *frames = calloc(nf * EV_MAX_FRAMES + 1, sizeof(*frames));
	struct flow_key *flows = calloc(nf + 1, sizeof(*flows));
	struct evidence_export_req req = { 0 };
	int ret;

	if (!frames || !flows) {
		free(frames);
		free(flows);
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < nf; i++) {
		const struct finding *f = report_finding_at(pc->rep, i);

		for (unsigned k = 0; k < f->n_frames; k++)
			frames[nfr++] = f->frames[k];
		if (f->scope.parts & EV_SCOPE_FLOW)
			flows[nfl++] = f->scope.flow;
	}
	req.frames = frames;
	req.n_frames = nfr;
	req.flows = flows;
	req.n_flows = nfl;
	ret = evidence_export(pc->o->inputs, pc->o->n_inputs, &req,
			      a->write_evidence, err);
	free(frames);
	free(flows);
	return ret;
}

static int fill_report(void *ctx, struct packet_cmd *pc, struct nd_err *err)
{
	struct analyze_ctx *a = ctx;
	struct rtable *t;

	if (a->oom)
		goto nomem;
	if (report_set_counter(pc->rep, "tcp_connections", a->totals.conns) < 0)
		goto nomem;
	/* analyze judges TCP: a capture without any is no_data, not ok. */
	report_set_coverage(pc->rep, a->totals.conns, NULL);
	if (a->rows_omitted &&
	    report_set_counter(pc->rep, "connections_omitted",
			       a->rows_omitted) < 0)
		goto nomem;
	if (a->write_evidence) {
		int ret = write_evidence(a, pc, err);

		if (ret < 0)
			return ret;
	}
	if (a->drill) {
		if (!a->drilled_found)
			return nd_err_set(err, ND_ERR_USAGE, ENOENT,
					  "analyze: no such TCP connection in "
					  "the input");
		if (analyze_drill_stats(pc->rep, &a->drilled) < 0 ||
		    analyze_drill_packets(a, pc->rep, &a->drilled) < 0)
			goto nomem;
		return 0;
	}
	if (a->nc)
		qsort(a->conns, a->nc, sizeof(*a->conns), cmp_conn);
	t = report_add_table(pc->rep, a->rows_omitted ?
			     "connections (most problems first; rows beyond "
			     "--max-rows left out, see connections_omitted)" :
			     a->all ? "connections" :
				      "connections (most problems first)",
			     conn_cols, sizeof(conn_cols) / sizeof(conn_cols[0]));
	if (!t)
		goto nomem;
	rtable_set_drop(t, conn_drop);
	for (size_t i = 0; i < a->nc; i++) {
		if (!a->all && tcp_conn_problem_score(&a->conns[i]) == 0 &&
		    i >= 5)
			break;
		if (conn_row(t, &a->conns[i]) < 0)
			goto nomem;
	}
	t = report_add_table(pc->rep, "tcp analysis flags", flag_cols, 2);
	if (!t)
		goto nomem;
	for (unsigned i = 0; i < TA_NFLAGS; i++) {
		if (!a->count[i])
			continue;
		if (rtable_add_row(t) < 0 ||
		    rtable_set_str(t, 0, tcp_aflag_name(i)) < 0)
			goto nomem;
		rtable_set_u64(t, 1, a->count[i]);
	}
	return 0;
nomem:
	return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
}

int cmd_analyze(int argc, char **argv)
{
	struct analyze_ctx a = {
		.out = stdout,
		.clk = { .every_ns = TCP_FOLLOW_DEFAULT_EVERY_NS },
	};
	const struct cli_spec spec = {
		.command = "analyze",
		.usage = "[options] FILE... | -i IFACE",
		.summary = "Decodes the capture, tracks TCP connections, runs "
			   "the Wireshark-equivalent TCP expert analysis and "
			   "reports findings (cause, evidence, remedy) with "
			   "per-connection statistics.",
		.packet_source = true,
		.extra = analyze_extra,
		.n_extra = sizeof(analyze_extra) / sizeof(analyze_extra[0]),
		.ctx = &a,
	};
	struct packet_cmd pc = {
		.name = "analyze",
		.hooks = { .ctx = &a, .on_start = on_start, .on_frame = on_frame },
		.tcp_analysis = true,
		.add_evidence = add_evidence,
		.fill_report = fill_report,
		.ctx = &a,
	};
	struct cli_opts o;
	struct pipeline_opts file_po;
	struct nd_err err = { 0 };
	int ret;

	ret = cli_begin(&spec, argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (!a.max_pkts)
		a.max_pkts = ANALYZE_STREAM_PKTS;
	if (!a.max_rows && o.iface)
		a.max_rows = ANALYZE_LIVE_MAX_ROWS;
	if (!o.n_inputs && !o.iface) {
		nd_err_set(&err, ND_ERR_USAGE, EINVAL,
			   "analyze: no input (give FILE or -i IFACE)");
		cli_error(&err);
		return cli_exit_code(err.kind);
	}
	if (a.frames && a.fields)
		return cli_conflict("analyze", "--frames", "--fields",
				    "two line formats");
	if (a.have_stream && a.by_flow)
		return cli_conflict("analyze", "--stream", "--flow",
				    "each picks the one connection to show");
	/* The parity lines have one format of their own. */
	if ((a.frames || a.fields) && strcmp(o.format, "text") != 0)
		return cli_conflict("analyze", a.frames ? "--frames" : "--fields",
				    o.format_opt,
				    "it prints its own tab-separated lines");
	if (a.frames || a.fields) {
		/* The parity interface: no findings stream, no extract. */
		a.follow = false;
		a.write_evidence = NULL;
		pc.hooks.on_frame = raw_on_frame;
		pc.print_raw = raw_done;
	}
	if (a.write_evidence && o.iface) {
		nd_err_set(&err, ND_ERR_USAGE, EINVAL,
			   "analyze: --write-evidence needs capture files "
			   "(use -w to keep a live capture)");
		cli_error(&err);
		return cli_exit_code(err.kind);
	}
	/* --follow prints to stdout before the extract would take it over. */
	if (a.write_evidence && a.follow && strcmp(a.write_evidence, "-") == 0) {
		nd_err_set(&err, ND_ERR_USAGE, EINVAL,
			   "analyze: --write-evidence - cannot be combined "
			   "with --follow (give a file)");
		cli_error(&err);
		return cli_exit_code(err.kind);
	}
	/*
	 * Files: no idle timeout (Wireshark never splits a quiet connection),
	 * but a finished connection (FIN both ways or RST) ends
	 * ANALYZE_FILE_LINGER_NS of capture time after its last packet, so
	 * memory follows the open connections, not all of them. A later
	 * packet revives it (same stream, fresh analyzer state); on_stats
	 * merges the parts. --frames/--fields keep Wireshark's whole-file
	 * state: a flow leaves the table only when max_flows forces it out,
	 * and comes back with fresh analysis state. Live runs keep the
	 * defaults.
	 */
	if (!o.iface) {
		pipeline_opts_default(&file_po);
		file_po.limits.idle_timeout_ns = INT64_MAX;
		file_po.limits.closed_linger_ns = a.frames || a.fields
							  ? INT64_MAX
							  : ANALYZE_FILE_LINGER_NS;
		pc.limits = &file_po.limits;
	}
	if (a.follow) {
		struct sink_opts so;

		pc.json_lines = true;
		packet_cmd_sink_opts(&so);
		so.follow = true;
		a.fsink = sink_new(o.format, &so, &err);
		if (!a.fsink) {
			cli_error(&err);
			return cli_exit_code(err.kind);
		}
	}
	a.pc = &pc;
	pc.o = &o;
	ret = packet_cmd_run(&pc);
	tcp_follow_free(a.fw);
	sink_free(a.fsink);
	free(a.conns);
	free(a.idx);
	free(a.prow);
	return ret;
}
