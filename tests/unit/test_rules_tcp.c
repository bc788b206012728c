// SPDX-License-Identifier: MIT
/* TCP rules on synthetic per-connection statistics (through tcp_stats_add_evidence). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/tcp_evidence.h"
#include "analyze/tcp_stats.h"
#include "rules/engine.h"
#include "rules/rules.h"

struct collected {
	struct finding *f[8];
	size_t n;
};

static int collect(void *arg, struct finding *f)
{
	struct collected *c = arg;

	cr_assert_lt(c->n, 8);
	c->f[c->n++] = f;
	return 0;
}

static void collected_free(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		finding_free(c->f[i]);
	c->n = 0;
}

static struct collected run_one(const char *id, const struct ev_store *st,
				const struct thresholds *th)
{
	struct collected c = { 0 };
	const struct rule *r = rules_find(id);

	cr_assert_not_null(r, "no rule %s", id);
	cr_assert_eq(engine_run_rule(r, st, th, collect, &c), 0);
	return c;
}

static int64_t num(const struct finding *f, const char *name)
{
	const struct ev_num *n = finding_num(f, name);

	cr_assert_not_null(n, "number %s missing", name);
	return n->type == EV_NUM_I64 ? n->v.i : (int64_t)n->v.d;
}

static bool has_line(const struct finding *f, const char *needle)
{
	for (size_t i = 0; i < f->n_lines; i++)
		if (strstr(f->lines[i], needle))
			return true;
	return false;
}

/* Client 10.0.0.1:port (endpoint 1), server 10.0.0.2:srv (endpoint 0). */
/* Segments with payload; none of them carries SYN or FIN here. */
static void data_segs(struct tcp_dir_stats *d, uint64_t n)
{
	d->data_pkts = n;
	d->seq_pkts = n;
}

static void conn(struct tcp_conn_stats *st, uint64_t stream, uint16_t port,
		 uint16_t srv)
{
	memset(st, 0, sizeof(*st));
	st->stream = stream;
	st->key.family = 4;
	st->key.proto = 6;
	st->key.addr[0][0] = 10;
	st->key.addr[0][3] = 2;
	st->key.addr[1][0] = 10;
	st->key.addr[1][3] = 1;
	st->key.port[0] = srv;
	st->key.port[1] = port;
	st->client = 1;
	st->first_ns = 1000000000LL;
	st->last_ns = 2000000000LL;
	st->syn_seen = st->synack_seen = st->established = true;
	st->handshake_rtt_ns = 1000000;
	for (int i = 0; i < 2; i++) {
		st->d[i].rtt_min_ns = st->d[i].rtt_max_ns = st->d[i].rtt_avg_ns = -1;
		st->d[i].wscale = 7;
	}
}

static struct ev_store *store_of(const struct tcp_conn_stats *v, size_t n)
{
	struct ev_store *st = ev_store_new(0);
	struct tcp_totals t = { 0 };

	cr_assert_not_null(st);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(tcp_stats_add_evidence(&v[i], st), 0);
		tcp_totals_add(&t, &v[i]);
	}
	cr_assert_eq(tcp_totals_add_evidence(&t, st), 0);
	return st;
}

Test(rules_tcp, clean_connection_gives_nothing)
{
	struct tcp_conn_stats c;
	struct thresholds th;
	struct ev_store *st;
	size_t n;
	const struct rule *r = rules_default(&n);

	thresholds_init(&th);
	conn(&c, 0, 40000, 80);
	data_segs(&c.d[0], 1000);
	c.end = TCP_CONN_FIN;
	st = store_of(&c, 1);
	cr_assert_eq(ev_store_len(st), 1, "only tcp.totals expected");
	for (size_t i = 0; i < n; i++) {
		struct collected col = { 0 };

		cr_assert_eq(engine_run_rule(&r[i], st, &th, collect, &col), 0);
		cr_assert_eq(col.n, 0, "%s fired on a clean connection", r[i].id);
	}
	ev_store_free(st);
}

/*
 * Resent FINs (and SYNs) are retransmissions too: the share counts every
 * segment that can be resent, so one data segment and a FIN sent three
 * times is 2 of 5, not "2 of 1 data segments" (seen on the rr benchmark).
 */
Test(rules_tcp, retransmitted_fins_count_in_the_share)
{
	struct tcp_conn_stats c;
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	cr_assert_eq(thresholds_set(&th, "tcp.retrans_min_count", "1", NULL), 0);
	conn(&c, 0, 40000, 80);
	c.d[0].data_pkts = 1;
	c.d[0].syns = 1;
	c.d[0].fins = 3;
	c.d[0].seq_pkts = 5; /* as tcp_stats counts: no FIN carried data */
	c.d[0].retrans = 2;
	c.d[0].retrans_timeout = 2;
	st = store_of(&c, 1);
	col = run_one("tcp.retransmissions", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "segments"), 5);
	cr_assert(has_line(col.f[0], "2 of 5 segments resent (40.0%)"));
	collected_free(&col);
	ev_store_free(st);
}

Test(rules_tcp, retransmissions_rate_split_and_severity)
{
	struct tcp_conn_stats c[2];
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	/* 30 of 1000 server segments resent (3 %): 20 fast, 10 timeout. */
	conn(&c[0], 0, 40000, 80);
	data_segs(&c[0].d[0], 1000);
	c[0].d[0].retrans = 32;
	c[0].d[0].spurious = 2;
	c[0].d[0].retrans_fast = 20;
	c[0].d[0].retrans_timeout = 10;
	c[0].d[0].retrans_frames[0] = 77;
	/* A clean bulk connection dilutes the run share to 0.3 %. */
	conn(&c[1], 1, 40001, 80);
	data_segs(&c[1].d[0], 9000);
	st = store_of(c, 2);
	col = run_one("tcp.retransmissions", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 30);
	cr_assert_eq(num(col.f[0], "fast"), 20);
	cr_assert_eq(num(col.f[0], "rto"), 10);
	cr_assert_eq(num(col.f[0], "segments"), 10000);
	/* Worst connection at 3 % >= 1 %: warn although the run is at 0.3 %. */
	cr_assert_eq(col.f[0]->severity, SEV_WARN);
	cr_assert(has_line(col.f[0], "30 of 1000 segments resent (3.0%)"));
	cr_assert_eq(col.f[0]->frames[0], 77);
	cr_assert(strstr(col.f[0]->explanation, "30 segments"));
	collected_free(&col);
	/* Crit from 2 %. */
	cr_assert_eq(thresholds_set(&th, "tcp.retrans_crit_share", "0.02", NULL), 0);
	col = run_one("tcp.retransmissions", st, &th);
	cr_assert_eq(col.f[0]->severity, SEV_CRIT);
	collected_free(&col);
	/* Above the minimum count: nothing. */
	cr_assert_eq(thresholds_set(&th, "tcp.retrans_min_count", "31", NULL), 0);
	col = run_one("tcp.retransmissions", st, &th);
	cr_assert_eq(col.n, 0);
	/* Spurious ones have their own id. */
	col = run_one("tcp.spurious_retransmissions", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 2);
	collected_free(&col);
	ev_store_free(st);
}

Test(rules_tcp, retransmissions_aggregate_per_peer_and_top)
{
	struct tcp_conn_stats c[8];
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	for (int i = 0; i < 8; i++) {
		conn(&c[i], (uint64_t)i, (uint16_t)(40000 + i), 80);
		c[i].key.addr[1][3] = (uint8_t)(1 + i % 2); /* two clients */
		data_segs(&c[i].d[0], 100);
		c[i].d[0].retrans = (uint32_t)(i + 1);
		c[i].d[0].retrans_fast = (uint32_t)(i + 1);
	}
	st = store_of(c, 8);
	col = run_one("tcp.retransmissions", st, &th);
	cr_assert_eq(col.n, 1, "one finding per id");
	cr_assert_eq(num(col.f[0], "count"), 36);
	cr_assert_eq(num(col.f[0], "connections"), 8);
	/* Worst first: stream 7 has 8 of 100. */
	cr_assert(strstr(col.f[0]->lines[0], "(stream 7)"));
	cr_assert(has_line(col.f[0], "... and 3 more connections"));
	cr_assert(has_line(col.f[0], "to 10.0.0.1:"));
	cr_assert(has_line(col.f[0], "to 10.0.0.2:"));
	collected_free(&col);
	ev_store_free(st);
}

Test(rules_tcp, rto_stalls_threshold_and_crit)
{
	struct tcp_conn_stats c;
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	conn(&c, 3, 40000, 80);
	data_segs(&c.d[0], 10);
	c.d[0].retrans = c.d[0].retrans_timeout = 2;
	c.d[0].rto_stalls = 1;
	c.d[0].rto_stall_total_ns = 600000000;
	c.d[0].rto_stall_max_ns = 600000000;
	c.d[0].stall_frame = 42;
	st = store_of(&c, 1);
	col = run_one("tcp.rto_stalls", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(col.f[0]->severity, SEV_WARN);
	cr_assert_eq(num(col.f[0], "max_stall_ms"), 600);
	cr_assert(has_line(col.f[0], "ending at frame 42"));
	cr_assert(col.f[0]->scope.parts & EV_SCOPE_FLOW, "one flow: flow scope");
	collected_free(&col);
	cr_assert_eq(thresholds_set(&th, "tcp.rto_stall_crit_ms", "500", NULL), 0);
	col = run_one("tcp.rto_stalls", st, &th);
	cr_assert_eq(col.f[0]->severity, SEV_CRIT);
	collected_free(&col);
	cr_assert_eq(thresholds_set(&th, "tcp.rto_stall_min_ms", "1000", NULL), 0);
	col = run_one("tcp.rto_stalls", st, &th);
	cr_assert_eq(col.n, 0);
	ev_store_free(st);
}

Test(rules_tcp, zero_window_names_linux_probes)
{
	struct tcp_conn_stats c;
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	conn(&c, 5, 57768, 9000);
	/* The client (endpoint 1) stopped reading; the server probed. */
	c.d[1].zero_windows = 1;
	c.d[1].zero_window_ns = 2957000000LL;
	c.d[1].zw_frame = 833;
	c.d[0].zw_probes = 3;
	c.d[0].zw_probes_linux = 3;
	st = store_of(&c, 1);
	col = run_one("tcp.zero_window", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(col.f[0]->severity, SEV_WARN);
	cr_assert_eq(num(col.f[0], "probes"), 3);
	cr_assert_eq(num(col.f[0], "linux_probes"), 3);
	cr_assert(has_line(col.f[0], "10.0.0.1:57768 (stream 5) advertised window 0"));
	cr_assert(has_line(col.f[0], "3 Linux 0-byte probes"));
	collected_free(&col);
	/* Short episodes: low. */
	cr_assert_eq(thresholds_set(&th, "tcp.zero_window_warn_ms", "5000", NULL), 0);
	col = run_one("tcp.zero_window", st, &th);
	cr_assert_eq(col.f[0]->severity, SEV_LOW);
	collected_free(&col);
	ev_store_free(st);
}

Test(rules_tcp, window_full_and_reordering)
{
	struct tcp_conn_stats c;
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	conn(&c, 2, 40000, 80);
	data_segs(&c.d[0], 692);
	c.d[0].window_full = 121;
	c.d[0].max_bif = 18824;
	c.d[0].wf_frame = 807;
	c.d[0].out_of_order = 16;
	c.d[0].ooo_reordered = 16;
	c.d[0].ooo_frame = 247;
	c.d[0].ooo_reordered_frame = 247;
	c.d[1].wscale = -1;
	st = store_of(&c, 1);
	col = run_one("tcp.window_full", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 121);
	cr_assert(has_line(col.f[0], "largest in flight 18824 bytes"));
	cr_assert_not_null(col.f[0]->remedy_note, "unknown scale noted");
	collected_free(&col);
	col = run_one("tcp.reordering", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 16);
	cr_assert_eq(col.f[0]->frames[0], 247);
	collected_free(&col);
	ev_store_free(st);
}

/* demo.pcap stream 0: 14 resends plus 16 "out-of-order" ones the IP ID shows resent. */
Test(rules_tcp, upstream_loss_is_retransmission_not_reordering)
{
	struct tcp_conn_stats c;
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	conn(&c, 0, 37622, 8080);
	data_segs(&c.d[0], 437);
	c.d[0].retrans = 14;
	c.d[0].retrans_fast = 14;
	c.d[0].retrans_frames[0] = 120;
	c.d[0].out_of_order = 16;
	c.d[0].ooo_retransmitted = 16;
	c.d[0].ooo_frame = 247;
	c.d[0].ooo_retransmitted_frame = 247;
	st = store_of(&c, 1);
	col = run_one("tcp.reordering", st, &th);
	cr_assert_eq(col.n, 0, "no reordering from upstream-loss resends");
	col = run_one("tcp.retransmissions", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 30);
	cr_assert_eq(num(col.f[0], "upstream"), 16);
	cr_assert_eq(num(col.f[0], "fast"), 14);
	cr_assert(has_line(col.f[0], "30 of 437 segments resent (6.9%), 14 "
				     "fast, 0 after a timeout, 16 retransmissions "
				     "of segments lost before the capture point "
				     "(Wireshark labels them Out-Of-Order)"));
	cr_assert_not_null(strstr(col.f[0]->explanation,
				  "16 of them are retransmissions of segments "
				  "lost before the capture point (upstream"));
	cr_assert_eq(col.f[0]->frame_count, 30);
	collected_free(&col);
	ev_store_free(st);

	/* Only upstream resends: still a retransmission finding. */
	c.d[0].retrans = c.d[0].retrans_fast = 0;
	c.d[0].retrans_frames[0] = 0;
	st = store_of(&c, 1);
	col = run_one("tcp.retransmissions", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 16);
	cr_assert_eq(col.f[0]->frames[0], 247);
	collected_free(&col);
	ev_store_free(st);
}

/* Without a usable IP ID the cause is reported as not told apart. */
Test(rules_tcp, reordering_split_reordered_and_unknown)
{
	struct tcp_conn_stats c;
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	conn(&c, 3, 40000, 80);
	data_segs(&c.d[0], 500);
	c.d[0].out_of_order = 9;
	c.d[0].ooo_reordered = 3;
	c.d[0].ooo_unknown = 4;
	c.d[0].ooo_retransmitted = 2;
	c.d[0].ooo_reordered_frame = 50;
	st = store_of(&c, 1);
	col = run_one("tcp.reordering", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 7);
	cr_assert_eq(num(col.f[0], "reordered"), 3);
	cr_assert_eq(num(col.f[0], "unknown"), 4);
	cr_assert(has_line(col.f[0], "7 of 500 data segments out of order (3 "
				     "reordered per IP ID, 4 cause unknown)"));
	cr_assert_not_null(strstr(col.f[0]->explanation,
				  "For 4 of them the cause could not be told "
				  "apart"));
	cr_assert_eq(col.f[0]->frames[0], 50);
	collected_free(&col);
	ev_store_free(st);

	/* All reordered per IP ID: no "could not be told apart" sentence. */
	c.d[0].ooo_unknown = 0;
	st = store_of(&c, 1);
	col = run_one("tcp.reordering", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_null(strstr(col.f[0]->explanation, "told apart"));
	cr_assert_not_null(strstr(col.f[0]->explanation,
				  "for 3 of them the IP ID shows"));
	collected_free(&col);
	ev_store_free(st);
}

Test(rules_tcp, resets_and_closed_port_split_by_phase)
{
	struct tcp_conn_stats c[4];
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	for (int i = 0; i < 3; i++) {
		conn(&c[i], (uint64_t)i, (uint16_t)(48812 + i), 81);
		c[i].synack_seen = c[i].established = false;
		c[i].end = TCP_CONN_RST;
		c[i].end_by = 0; /* server */
		c[i].rst_phase = TCP_RST_REFUSED;
		c[i].rst_frame = 763 + 2 * (uint64_t)i;
	}
	st = store_of(c, 3);
	col = run_one("tcp.closed_port", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 3);
	cr_assert(has_line(col.f[0], "SYN answered by RST at frame 765"));
	collected_free(&col);
	/* Refused attempts alone do not make a tcp.resets finding. */
	col = run_one("tcp.resets", st, &th);
	cr_assert_eq(col.n, 0);
	ev_store_free(st);

	conn(&c[3], 9, 50000, 443);
	c[3].end = TCP_CONN_RST;
	c[3].end_by = 1; /* client */
	c[3].rst_phase = TCP_RST_ABORT;
	c[3].d[0].bytes = 5000;
	c[3].rst_frame = 900;
	st = store_of(c, 4);
	col = run_one("tcp.resets", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 4);
	cr_assert_eq(num(col.f[0], "refused"), 3);
	cr_assert_eq(num(col.f[0], "aborted"), 1);
	cr_assert_eq(num(col.f[0], "by_client"), 1);
	cr_assert(has_line(col.f[0], "RST from the client, abort, after 5000"));
	collected_free(&col);
	ev_store_free(st);
}

Test(rules_tcp, syn_unanswered_schedule)
{
	struct tcp_conn_stats c;
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	thresholds_init(&th);
	conn(&c, 4, 46964, 8082);
	c.synack_seen = c.established = false;
	c.handshake_rtt_ns = -1;
	c.d[1].syns = 3;
	c.d[1].pkts = 3;
	c.n_syn_times = 3;
	c.syn_times_ns[1] = 1000000000LL;
	c.syn_times_ns[2] = 3000000000LL;
	c.syn_frames[0] = 10;
	c.syn_frames[1] = 20;
	c.syn_frames[2] = 30;
	st = store_of(&c, 1);
	col = run_one("tcp.syn_unanswered", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "attempts"), 3);
	cr_assert(strstr(col.f[0]->explanation, "retries at 1.0 s, 3.0 s") ||
		  strstr(col.f[0]->explanation, "Retries at 1.0 s, 3.0 s"),
		  "%s", col.f[0]->explanation);
	cr_assert_eq(col.f[0]->n_frames, 3);
	collected_free(&col);
	ev_store_free(st);
	/* Any packet back from the server: not unanswered. */
	c.d[0].pkts = 1;
	st = store_of(&c, 1);
	col = run_one("tcp.syn_unanswered", st, &th);
	cr_assert_eq(col.n, 0);
	ev_store_free(st);
}

/* Like store_of, with the store capped at cap records. */
static struct ev_store *store_capped(const struct tcp_conn_stats *v, size_t n,
				     size_t cap)
{
	struct ev_store *st = ev_store_new(cap);
	struct tcp_totals t = { 0 };

	cr_assert_not_null(st);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(tcp_stats_add_evidence(&v[i], st), 0);
		tcp_totals_add(&t, &v[i]);
	}
	cr_assert_eq(tcp_totals_add_evidence(&t, st), 0, "a full store is not an error");
	return st;
}

/*
 * A full evidence store degrades instead of failing the run: with the
 * store capped at 1,000 records, 5,000 unanswered-SYN connections still
 * give one finding that counts 5,000 (issue 8, item 2).
 */
Test(rules_tcp, syn_unanswered_counts_every_case_past_the_store_cap)
{
	enum { N = 5000, CAP = 1000 };
	struct tcp_conn_stats *c = calloc(N, sizeof(*c));
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	cr_assert_not_null(c);
	thresholds_init(&th);
	for (int i = 0; i < N; i++) {
		conn(&c[i], (uint64_t)i, (uint16_t)(1024 + i), 80);
		c[i].synack_seen = c[i].established = false;
		c[i].handshake_rtt_ns = -1;
		c[i].d[1].syns = c[i].d[1].pkts = 2;
		c[i].n_syn_times = 2;
		c[i].syn_times_ns[1] = 1000000000LL;
		c[i].syn_frames[0] = 1 + (uint64_t)i;
	}
	st = store_capped(c, N, CAP);
	/* Bounded: the records plus one aggregate per kind. */
	cr_assert_leq(ev_store_len(st), CAP + 2);
	cr_assert_eq(ev_store_folded(st), N - CAP + 1); /* + tcp.totals */
	cr_assert_eq(ev_store_dropped(st), 0);
	col = run_one("tcp.syn_unanswered", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), N);
	cr_assert_eq(num(col.f[0], "attempts"), 2 * N);
	cr_assert(has_line(col.f[0], "... and 4995 more connections"));
	cr_assert(has_line(col.f[0], "4000 of them counted without"));
	collected_free(&col);
	ev_store_free(st);
	free(c);
}

/* Labels keep their meaning in aggregates: refused vs aborted resets. */
Test(rules_tcp, resets_split_by_phase_past_the_store_cap)
{
	enum { N = 5000, CAP = 1000 };
	struct tcp_conn_stats *c = calloc(N, sizeof(*c));
	struct thresholds th;
	struct ev_store *st;
	struct collected col;

	cr_assert_not_null(c);
	thresholds_init(&th);
	for (int i = 0; i < N; i++) {
		conn(&c[i], (uint64_t)i, (uint16_t)(1024 + i), 81);
		c[i].end = TCP_CONN_RST;
		if (i % 5 < 3) { /* 3000 refused by the server */
			c[i].synack_seen = c[i].established = false;
			c[i].end_by = 0;
			c[i].rst_phase = TCP_RST_REFUSED;
		} else { /* 2000 aborted by the client */
			c[i].end_by = 1;
			c[i].rst_phase = TCP_RST_ABORT;
			c[i].d[0].bytes = 10;
		}
		c[i].rst_frame = 1 + (uint64_t)i;
	}
	st = store_capped(c, N, CAP);
	col = run_one("tcp.closed_port", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), 3000);
	collected_free(&col);
	col = run_one("tcp.resets", st, &th);
	cr_assert_eq(col.n, 1);
	cr_assert_eq(num(col.f[0], "count"), N);
	cr_assert_eq(num(col.f[0], "refused"), 3000);
	cr_assert_eq(num(col.f[0], "aborted"), 2000);
	cr_assert_eq(num(col.f[0], "by_client"), 2000);
	collected_free(&col);
	ev_store_free(st);
	free(c);
}
