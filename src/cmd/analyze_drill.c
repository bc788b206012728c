// SPDX-License-Identifier: MIT
/* netdx analyze --stream/--flow: one connection's statistics and packets. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/analyze_int.h"

void analyze_end_text(const struct tcp_conn_stats *st, char *buf, size_t n)
{
	const char *who = st->end_by == st->client ? "client" : "server";

	if (st->syn_seen && !st->synack_seen && st->end != TCP_CONN_RST) {
		snprintf(buf, n, "no answer (%u SYN)",
			 (unsigned)st->d[st->client].syns);
		return;
	}
	if (st->end == TCP_CONN_OPEN)
		snprintf(buf, n, "open");
	else if (st->end == TCP_CONN_RST)
		snprintf(buf, n, "rst by %s (%s)", who,
			 tcp_rst_phase_name(st->rst_phase));
	else
		snprintf(buf, n, "fin by %s", who);
}

/* Drill-down: one row per statistic, one column per direction. */
static const struct report_col stat_cols[] = {
	{ "stat", COL_STR }, { "client_to_server", COL_STR },
	{ "server_to_client", COL_STR },
};

static int kv(struct rtable *t, const char *name, const char *cs,
	      const char *sc)
{
	if (rtable_add_row(t) < 0 || rtable_set_str(t, 0, name) < 0 ||
	    (cs && rtable_set_str(t, 1, cs) < 0) ||
	    (sc && rtable_set_str(t, 2, sc) < 0))
		return -ENOMEM;
	return 0;
}

static void ms(int64_t ns, char *b, size_t n)
{
	if (ns < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.3f ms", (double)ns / 1e6);
}

static void rtt_text(const struct tcp_dir_stats *d, char *b, size_t n)
{
	if (!d->rtt_samples)
		snprintf(b, n, "0 samples");
	else
		snprintf(b, n, "%u / %.3f / %.3f / %.3f ms", d->rtt_samples,
			 (double)d->rtt_min_ns / 1e6, (double)d->rtt_avg_ns / 1e6,
			 (double)d->rtt_max_ns / 1e6);
}

#define KV_U(name, field)                                                     \
	do {                                                                  \
		snprintf(x, sizeof(x), "%" PRIu64, (uint64_t)dc->field);      \
		snprintf(y, sizeof(y), "%" PRIu64, (uint64_t)ds->field);      \
		if (kv(t, name, x, y) < 0)                                    \
			return -ENOMEM;                                       \
	} while (0)

int analyze_drill_stats(struct report *rep, const struct tcp_conn_stats *st)
{
	struct rtable *t = report_add_table(rep, "connection", stat_cols, 3);
	int c = st->client;
	const struct tcp_dir_stats *dc = &st->d[c], *ds = &st->d[!c];
	char x[96], y[96];

	if (!t)
		return -ENOMEM;
	flow_format_endpoint(&st->key, c, x, sizeof(x));
	flow_format_endpoint(&st->key, !c, y, sizeof(y));
	if (kv(t, "endpoint (sender)", x, y) < 0)
		return -ENOMEM;
	snprintf(x, sizeof(x), "%" PRIu64, st->stream);
	ms(st->handshake_rtt_ns, y, sizeof(y));
	if (kv(t, "stream", x, NULL) < 0 || kv(t, "handshake rtt", y, NULL) < 0)
		return -ENOMEM;
	ms(st->connect_ns, y, sizeof(y));
	if (kv(t, "connect time (first SYN to SYN-ACK)", y, NULL) < 0)
		return -ENOMEM;
	analyze_end_text(st, y, sizeof(y));
	if (kv(t, "end", y, NULL) < 0)
		return -ENOMEM;
	ms(st->max_idle_ns, y, sizeof(y));
	if (kv(t, "largest idle gap", y, NULL) < 0)
		return -ENOMEM;
	KV_U("packets", pkts);
	KV_U("data segments", data_pkts);
	KV_U("payload bytes", bytes);
	KV_U("unique bytes", unique_bytes);
	snprintf(x, sizeof(x), "%.0f bit/s", dc->throughput_bps);
	snprintf(y, sizeof(y), "%.0f bit/s", ds->throughput_bps);
	if (kv(t, "throughput", x, y) < 0)
		return -ENOMEM;
	KV_U("SYN/SYN-ACK sent", syns);
	snprintf(x, sizeof(x), "mss %u ws %d sack %s ts %s", dc->mss,
		 dc->wscale, dc->sack_perm ? "yes" : "no",
		 dc->timestamps ? "yes" : "no");
	snprintf(y, sizeof(y), "mss %u ws %d sack %s ts %s", ds->mss,
		 ds->wscale, ds->sack_perm ? "yes" : "no",
		 ds->timestamps ? "yes" : "no");
	if (kv(t, "options", x, y) < 0)
		return -ENOMEM;
	rtt_text(dc, x, sizeof(x));
	rtt_text(ds, y, sizeof(y));
	if (kv(t, "rtt samples / min / avg / max (Karn)", x, y) < 0)
		return -ENOMEM;
	KV_U("retransmissions", retrans);
	KV_U("  fast", retrans_fast);
	KV_U("  timeout", retrans_timeout);
	KV_U("  spurious", spurious);
	KV_U("retransmitted bytes", retrans_bytes);
	KV_U("rto stalls", rto_stalls);
	snprintf(x, sizeof(x), "%.3f ms", dc->rto_stall_total_ns / 1e6);
	snprintf(y, sizeof(y), "%.3f ms", ds->rto_stall_total_ns / 1e6);
	if (kv(t, "rto stall time", x, y) < 0)
		return -ENOMEM;
	KV_U("out of order (Wireshark)", out_of_order);
	KV_U("  reordered (IP ID lower: sent earlier)", ooo_reordered);
	KV_U("  resent, lost upstream (IP ID higher)", ooo_retransmitted);
	KV_U("  cause unknown (no usable IP ID)", ooo_unknown);
	KV_U("lost segments (gaps)", lost_segments);
	KV_U("acked unseen segments", ack_lost);
	KV_U("duplicate acks sent", dup_acks);
	KV_U("zero-window episodes", zero_windows);
	snprintf(x, sizeof(x), "%.3f ms", dc->zero_window_ns / 1e6);
	snprintf(y, sizeof(y), "%.3f ms", ds->zero_window_ns / 1e6);
	if (kv(t, "zero-window time", x, y) < 0)
		return -ENOMEM;
	KV_U("zero-window probes sent", zw_probes);
	KV_U("  Linux 0-byte probes", zw_probes_linux);
	KV_U("keep-alives", keep_alives);
	KV_U("window full", window_full);
	KV_U("max bytes in flight", max_bif);
	KV_U("RST sent", rsts);
	KV_U("FIN sent", fins);
	if (st->n_syn_times > 1) {
		size_t off = 0;

		x[0] = 0;
		for (unsigned i = 1; i < st->n_syn_times && off < sizeof(x); i++) {
			int w = snprintf(x + off, sizeof(x) - off, "%s%.3f s",
					 i > 1 ? ", " : "",
					 st->syn_times_ns[i] / 1e9);
			if (w < 0)
				break;
			off += (size_t)w;
		}
		if (kv(t, "SYN retries at", x, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

static const struct report_col pkt_cols[] = {
	{ "frame", COL_U64 },	 { "time", COL_OFFSET }, { "dir", COL_STR },
	{ "flags", COL_STR },	 { "seq", COL_U64 },	   { "ack", COL_U64 },
	{ "len", COL_U64 },	 { "win", COL_I64 },	   { "ack_rtt", COL_DURATION },
	{ "bif", COL_I64 },	 { "dupack", COL_U64 },	   { "analysis", COL_STR },
};

static const char *back_cause_text(uint8_t c)
{
	switch (c) {
	case TCP_BACK_REORDERED:
		return "sent earlier, reordered";
	case TCP_BACK_RETRANSMITTED:
		return "sent later, resent";
	default:
		return "no usable id";
	}
}

int analyze_drill_packets(struct analyze_ctx *a, struct report *rep,
			 const struct tcp_conn_stats *st)
{
	char name[128] = "packets";
	struct rtable *t;
	static const char fl_chars[] = "FSRPAUEC";

	size_t alen = st->key.family == 6 ? 16 : 4;

	/* A bounded window: say what it left out (the statistics cover all). */
	if (a->pkts_omitted) {
		snprintf(name, sizeof(name),
			 "packets (the first %zu of %llu; raise "
			 "--stream-packets to list more)", a->np,
			 (unsigned long long)(a->np + a->pkts_omitted));
		if (report_set_counter(rep, "stream_packets_omitted",
				       a->pkts_omitted) < 0)
			return -ENOMEM;
	}
	t = report_add_table(rep, name, pkt_cols,
			     sizeof(pkt_cols) / sizeof(pkt_cols[0]));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < a->np; i++) {
		const struct pkt_row *r = &a->prow[i];
		char fl[16], an[256];
		size_t o = 0, k;
		int c = st->client;
		bool from_client = !memcmp(r->src, st->key.addr[c], alen) &&
				   r->sport == st->key.port[c];

		for (k = 0; k < 8; k++)
			if (r->tcp_flags & (1u << k))
				fl[o++] = fl_chars[k];
		fl[o] = 0;
		an[0] = 0;
		o = 0;
		for (k = 0; k < TA_NFLAGS && o < sizeof(an); k++) {
			if (!(r->r.flags & (1u << k)))
				continue;
			int w = snprintf(an + o, sizeof(an) - o, "%s%s",
					 o ? "," : "", tcp_aflag_name((unsigned)k));
			if (w < 0)
				break;
			o += (size_t)w;
		}
		/* Went back in sequence: what the IP ID says about it. */
		if (r->r.back_cause != TCP_BACK_NONE && o < sizeof(an))
			snprintf(an + o, sizeof(an) - o, " (ip_id: %s)",
				 back_cause_text(r->r.back_cause));
		if (rtable_add_row(t) < 0)
			return -ENOMEM;
		rtable_set_u64(t, 0, r->frame);
		rtable_set_duration(t, 1, r->ts - a->t0);
		rtable_set_u64(t, 4, r->r.rel_seq);
		rtable_set_u64(t, 5, r->r.rel_ack);
		rtable_set_u64(t, 6, r->r.seglen);
		rtable_set_i64(t, 7, r->r.calc_window);
		if (r->r.ack_rtt_ns >= 0)
			rtable_set_duration(t, 8, r->r.ack_rtt_ns);
		if (r->r.bytes_in_flight >= 0)
			rtable_set_i64(t, 9, r->r.bytes_in_flight);
		if (r->r.dupack_num)
			rtable_set_u64(t, 10, r->r.dupack_num);
		if (rtable_set_str(t, 2, from_client ? "->" : "<-") < 0 ||
		    rtable_set_str(t, 3, fl) < 0 || rtable_set_str(t, 11, an) < 0)
			return -ENOMEM;
	}
	return 0;
}


struct follow_out {
	struct tcp_follow *fw;
	uint64_t stream;
	void (*emit)(void *ctx, const struct finding *f);
	void *ctx;
	int n;
};

/* Engine output: dedupe per connection, emit, drop (no report here). */
static int follow_take(void *arg, struct finding *f)
{
	struct follow_out *fo = arg;

	if (tcp_follow_first(fo->fw, f->id, fo->stream)) {
		fo->emit(fo->ctx, f);
		fo->n++;
	}
	finding_free(f);
	return 0;
}

int analyze_follow_conn(struct tcp_follow *fw, const struct engine *eng,
			const struct tcp_conn_stats *st,
			void (*emit)(void *ctx, const struct finding *f),
			void *ctx, struct nd_err *err)
{
	/* Evidence of one connection: at most a record per kind and side. */
	struct ev_store *ev = ev_store_new(64);
	struct tcp_totals tot = { 0 };
	struct follow_out fo = { fw, st->stream, emit, ctx, 0 };
	int ret;

	if (!ev)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	ret = tcp_stats_add_evidence(st, ev);
	if (ret < 0 || ev_store_len(ev) == 0)
		goto out;
	/* Rates are relative to this connection's own data segments. */
	tcp_totals_add(&tot, st);
	ret = tcp_totals_add_evidence(&tot, ev);
	if (ret < 0)
		goto out;
	ret = engine_run(eng, ev, follow_take, &fo, NULL, err);
	if (ret >= 0)
		ret = fo.n;
out:
	ev_store_free(ev);
	if (ret == -ENOMEM)
		nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	return ret;
}
