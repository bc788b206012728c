// SPDX-License-Identifier: MIT
/* analyze --follow: changed-flow snapshots (analyzer), per-connection dedupe and the clock (tcp_follow). */
#include <criterion/criterion.h>
#include <string.h>

#include "tcp_harness.h"
#include "analyze/tcp_follow.h"
#include "cmd/analyze_int.h"
#include "rules/engine.h"
#include "evidence/thresholds.h"

#define SEC 1000000000LL

/* ---- analyzer side: the real flow table and analyzer ---- */

static void h_init(struct tcp_h *h, bool track)
{
	tcp_h_init(h, 4);
	tcp_analyzer_track_changes(h->ta, track);
}

/*
 * One segment between 10.0.0.1:cport (client) and 10.0.0.2:80, flags
 * "SAFR", raw seq/ack, payload length; t in ms.
 */
static void tx(struct tcp_h *h, bool c2s, uint16_t cport, int64_t t_ms,
	       const char *fl, uint32_t seq, uint32_t ack, uint32_t len)
{
	const struct tcp_seg s = {
		.dir = c2s ? C2S : S2C, .cport = cport,
		.ts_ns = t_ms * 1000000LL, .fl = fl, .seq = seq, .ack = ack,
		.win = 1000, .len = len, .ws = -1,
	};

	tcp_h_send(h, &s);
}

struct snaps {
	int n;
	struct tcp_conn_stats st[4];
};

static void on_snap(void *ctx, const struct flow *f,
		    const struct tcp_conn_stats *st)
{
	struct snaps *s = ctx;

	cr_assert_not_null(f);
	cr_assert_lt(s->n, 4);
	s->st[s->n++] = *st;
}

Test(tcp_follow, snapshot_lists_problem_and_reset_flows_once)
{
	struct tcp_h h;
	struct snaps s = { 0 };

	h_init(&h, true);
	/* Clean handshake and data on port 40000: nothing to look at. */
	tx(&h, true, 40000, 0, "S", 1000, 0, 0);
	tx(&h, false, 40000, 1, "SA", 5000, 1001, 0);
	tx(&h, true, 40000, 2, "A", 1001, 5001, 0);
	tx(&h, true, 40000, 3, "A", 1001, 5001, 100);
	tx(&h, false, 40000, 4, "A", 5001, 1101, 0);
	cr_assert_eq(tcp_analyzer_changed(h.ta), 0);
	/* Refused attempt on port 40001: SYN, RST/ACK. */
	tx(&h, true, 40001, 10, "S", 7000, 0, 0);
	tx(&h, false, 40001, 11, "RA", 0, 7001, 0);
	cr_assert_eq(tcp_analyzer_changed(h.ta), 1);
	/* A retransmission on 40000, twice: listed once. */
	tx(&h, true, 40000, 500, "A", 1001, 5001, 100);
	tx(&h, true, 40000, 900, "A", 1001, 5001, 100);
	cr_assert_eq(h.r.flags & TA_RETRANSMISSION, TA_RETRANSMISSION);
	cr_assert_eq(tcp_analyzer_changed(h.ta), 2);

	cr_assert_eq(tcp_analyzer_snapshot_changed(h.ta, on_snap, &s), 2);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.st[0].end, TCP_CONN_RST);
	cr_assert_eq(s.st[0].rst_phase, TCP_RST_REFUSED);
	cr_assert_eq(s.st[1].end, TCP_CONN_OPEN, "open flow, stats so far");
	cr_assert_eq(s.st[1].d[1].retrans, 2);
	cr_assert_eq(tcp_analyzer_changed(h.ta), 0);
	/* Nothing new: nothing reported. */
	cr_assert_eq(tcp_analyzer_snapshot_changed(h.ta, on_snap, &s), 0);
	/* A new problem lists the flow again. */
	tx(&h, true, 40000, 1500, "A", 1001, 5001, 100);
	cr_assert_eq(tcp_analyzer_changed(h.ta), 1);
	tcp_h_fini(&h);
}

Test(tcp_follow, flow_leaving_the_table_is_unlisted)
{
	struct tcp_h h;
	struct snaps s = { 0 };

	h_init(&h, true);
	tx(&h, true, 40001, 0, "S", 7000, 0, 0);
	tx(&h, false, 40001, 1, "RA", 0, 7001, 0);
	tx(&h, true, 40002, 2, "S", 8000, 0, 0);
	tx(&h, false, 40002, 3, "RA", 0, 8001, 0);
	cr_assert_eq(tcp_analyzer_changed(h.ta), 2);
	/* Both leave (end of input): the list must not keep freed flows. */
	flow_table_flush(h.ft);
	cr_assert_eq(tcp_analyzer_changed(h.ta), 0);
	cr_assert_eq(tcp_analyzer_snapshot_changed(h.ta, on_snap, &s), 0);
	cr_assert_eq(s.n, 0);
	tcp_h_fini(&h);
}

Test(tcp_follow, tracking_off_lists_nothing)
{
	struct tcp_h h;

	h_init(&h, false);
	tx(&h, true, 40001, 0, "S", 7000, 0, 0);
	tx(&h, false, 40001, 1, "RA", 0, 7001, 0);
	cr_assert_eq(tcp_analyzer_changed(h.ta), 0);
	tcp_h_fini(&h);
}

/* ---- tcp_follow: rules per connection, dedupe by (id, stream) ---- */

struct emitted {
	int n;
	const char *id[8];
	uint64_t stream[8];
};

static void emit(void *ctx, const struct finding *f)
{
	struct emitted *e = ctx;

	cr_assert_lt(e->n, 8);
	e->id[e->n] = f->id;
	e->stream[e->n] = f->scope.conv_id;
	e->n++;
}

/* Client 10.0.0.1:port (endpoint 1) to 10.0.0.2:81 (endpoint 0). */
static void conn(struct tcp_conn_stats *st, uint64_t stream, uint16_t port)
{
	memset(st, 0, sizeof(*st));
	st->stream = stream;
	st->key.family = 4;
	st->key.proto = 6;
	st->key.addr[0][0] = 10;
	st->key.addr[0][3] = 2;
	st->key.addr[1][0] = 10;
	st->key.addr[1][3] = 1;
	st->key.port[0] = 81;
	st->key.port[1] = port;
	st->client = 1;
	st->first_ns = SEC;
	st->last_ns = SEC + 30000;
	st->syn_seen = true;
	st->handshake_rtt_ns = -1;
	st->connect_ns = -1;
	for (int i = 0; i < 2; i++)
		st->d[i].rtt_min_ns = st->d[i].rtt_max_ns =
			st->d[i].rtt_avg_ns = -1;
}

static void refused(struct tcp_conn_stats *st, uint64_t stream, uint16_t port)
{
	conn(st, stream, port);
	st->end = TCP_CONN_RST;
	st->end_by = 0;
	st->rst_phase = TCP_RST_REFUSED;
	st->rst_frame = 2 + 2 * stream;
	st->d[0].rsts = st->d[0].pkts = 1; /* the server's RST */
	st->d[1].pkts = st->d[1].syns = 1;
}

Test(tcp_follow, each_finding_once_per_connection)
{
	struct thresholds th;
	struct engine eng;
	struct emitted e = { 0 };
	struct tcp_follow *fw;
	struct tcp_conn_stats st;
	struct nd_err err = { 0 };

	thresholds_init(&th);
	engine_init(&eng, &th);
	fw = tcp_follow_new();
	cr_assert_not_null(fw);

	refused(&st, 1, 48812);
	cr_assert_eq(analyze_follow_conn(fw, &eng, &st, emit, &e, &err), 1);
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.id[0], "tcp.closed_port");
	cr_assert_eq(e.stream[0], 1);
	/* The same connection again (later snapshot, or its end): silent. */
	cr_assert_eq(analyze_follow_conn(fw, &eng, &st, emit, &e, &err), 0);
	cr_assert_eq(e.n, 1);
	/* Another connection with the same problem is shown. */
	refused(&st, 2, 48813);
	cr_assert_eq(analyze_follow_conn(fw, &eng, &st, emit, &e, &err), 1);
	cr_assert_eq(e.n, 2);
	cr_assert_eq(e.stream[1], 2);
	/* A clean connection shows nothing. */
	conn(&st, 3, 48814);
	st.synack_seen = st.established = true;
	st.end = TCP_CONN_FIN;
	cr_assert_eq(analyze_follow_conn(fw, &eng, &st, emit, &e, &err), 0);
	cr_assert_eq(e.n, 2);
	cr_assert_eq(tcp_follow_suppressed(fw), 0);
	tcp_follow_free(fw);
}

/* The analyze-layer part alone: a set of (id, stream), bounded. */
Test(tcp_follow, first_per_id_and_stream_then_full)
{
	struct tcp_follow *fw = tcp_follow_new();
	static const char *const ids[] = { "tcp.closed_port", "tcp.zero_window" };

	cr_assert_not_null(fw);
	cr_assert(tcp_follow_first(fw, ids[0], 1));
	cr_assert(!tcp_follow_first(fw, ids[0], 1));
	cr_assert(tcp_follow_first(fw, ids[1], 1));
	cr_assert(tcp_follow_first(fw, ids[0], 2));
	for (uint64_t i = 3; i < TCP_FOLLOW_MAX_SEEN; i++)
		cr_assert(tcp_follow_first(fw, ids[0], i));
	/* Full: nothing new is shown, and that is counted. */
	cr_assert(!tcp_follow_first(fw, ids[1], 99999));
	cr_assert_eq(tcp_follow_suppressed(fw), 1);
	tcp_follow_free(fw);
}

Test(tcp_follow, run_filter_applies)
{
	struct thresholds th;
	struct engine eng;
	struct emitted e = { 0 };
	struct tcp_follow *fw;
	struct tcp_conn_stats st;
	struct nd_err err = { 0 };

	thresholds_init(&th);
	engine_init(&eng, &th);
	cr_assert_eq(engine_filter_add_ignore(&eng.filter, "tcp.closed_port",
					      &err), 0);
	fw = tcp_follow_new();
	cr_assert_not_null(fw);
	refused(&st, 1, 48812);
	cr_assert_eq(analyze_follow_conn(fw, &eng, &st, emit, &e, &err), 0);
	cr_assert_eq(e.n, 0);
	tcp_follow_free(fw);
	tcp_follow_free(NULL);
}

Test(tcp_follow, clock_first_change_at_once_then_every_period)
{
	struct tcp_follow_clock c = { .every_ns = 5 * SEC };

	cr_assert(tcp_follow_due(&c, 100 * SEC));
	cr_assert(!tcp_follow_due(&c, 100 * SEC + 1));
	cr_assert(!tcp_follow_due(&c, 105 * SEC - 1));
	cr_assert(tcp_follow_due(&c, 105 * SEC));
	cr_assert(!tcp_follow_due(&c, 106 * SEC));
	/* The capture clock stepping back does not stall the output. */
	cr_assert(tcp_follow_due(&c, 50 * SEC));
	cr_assert(!tcp_follow_due(&c, 51 * SEC));
}
