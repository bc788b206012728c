// SPDX-License-Identifier: MIT
/* The source runner and the packet-analyzer registry, with toy plug-ins. */
#include <criterion/criterion.h>
#include <string.h>

#include "../toy/toy.h"
#include "runner/runner.h"

#define DEMO "tests/fixtures/demo.pcap"

static struct pipeline *open_demo(struct ev_store *ev, bool with_toy)
{
	static const struct pkt_analyzer *const rows[] = { &toy_analyzer };
	struct pipeline_opts po;
	struct pipeline *p = NULL;
	struct nd_err e = { 0 };
	const char *paths[] = { DEMO };

	pipeline_opts_default(&po);
	po.tcp_analysis = true;
	po.ev = ev;
	if (with_toy) {
		po.analyzers = rows;
		po.n_analyzers = 1;
	}
	cr_assert_eq(pipeline_new(&p, &po, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(pipeline_open(p, paths, 1, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(pipeline_start(p, &e), 0, "%s", e.msg);
	return p;
}

/* A timer source runs beside the capture: ticks see the capture part-way. */
Test(runner, timer_beside_capture)
{
	struct ev_store *ev = ev_store_new(0);
	struct pipeline *p = open_demo(ev, true);
	struct toy_timer t = { .ev = ev, .p = p, .max_ticks = 40 };
	struct nd_source srcs[2];
	struct nd_source_result res[2];
	/* Two frames per step: the sources must take turns. */
	struct runner_opts ro = { .budget = 2 };

	pipeline_as_source(p, "capture", &srcs[0]);
	srcs[1] = toy_timer_source(&t);
	cr_assert_eq(runner_run(srcs, res, 2, &ro), 2);
	cr_assert(res[0].available && res[1].available);
	cr_assert_eq(res[0].status, 0, "%s", res[0].err.msg);
	cr_assert_eq(t.ticks, 40);
	cr_assert(t.finished);
	uint64_t total = pipeline_frames(p);
	cr_assert_gt(total, 40);
	/* Ticks happened while the capture was being read, not before or after. */
	bool between = false;
	for (unsigned i = 0; i < 40; i++)
		if (t.frames_seen[i] > 0 && t.frames_seen[i] < total)
			between = true;
	cr_assert(between, "no tick saw the capture part-way");
	/* Each round: the capture reads 2 frames, then the timer ticks. */
	cr_assert_eq(t.frames_seen[5], 12, "tick 6 saw %llu frames",
		     (unsigned long long)t.frames_seen[5]);

	size_t pos = 0, n = 0;
	while (ev_store_next(ev, EVK_TEST_TICK, &pos))
		n++;
	cr_assert_eq(n, 40);
	/* The toy analyzer (one table row) saw every frame and packet. */
	pos = 0;
	const struct evidence *e = ev_store_next(ev, EVK_TEST_PACKETS, &pos);
	cr_assert_not_null(e);
	cr_assert_eq(toy_num(e, EVF_FRAMES), (int64_t)total);
	cr_assert_gt(toy_num(e, EVF_PACKETS), 0);
	/* Per-flow state: the flows' own counts add up to every packet. */
	cr_assert_eq(toy_num(e, EVF_FLOW_PACKETS), toy_num(e, EVF_PACKETS));
	struct flow_table_stats fs;
	flow_table_get_stats(pipeline_flows(p), &fs);
	cr_assert_eq(toy_num(e, EVF_FLOWS), (int64_t)fs.created);
	pipeline_free(p);
	ev_store_free(ev);
}

/* Registering the toy row changes nothing the built-ins produce. */
Test(runner, toy_row_leaves_builtins_alone)
{
	struct ev_store *a = ev_store_new(0), *b = ev_store_new(0);
	struct pipeline *pa = open_demo(a, false), *pb = open_demo(b, true);
	struct nd_err e = { 0 };

	cr_assert_eq(pipeline_run(pa, &e), 0);
	cr_assert_eq(pipeline_run(pb, &e), 0);
	cr_assert_eq(ev_store_len(a) + 1, ev_store_len(b));
	for (size_t i = 0; i < ev_store_len(a); i++)
		cr_assert_eq(ev_store_at(a, i)->kind, ev_store_at(b, i)->kind);
	pipeline_free(pa);
	pipeline_free(pb);
	ev_store_free(a);
	ev_store_free(b);
}

/* The registry runs rows by order: the toy (40) sees capture quality's mark. */
Test(runner, order_shares_copy_mark)
{
	struct ev_store *ev = ev_store_new(0);
	static const struct pkt_analyzer *const rows[] = { &toy_analyzer };
	struct pipeline_opts po;
	struct pipeline *p = NULL;
	struct nd_err e = { 0 };
	const char *paths[] = { "tests/fixtures/dup.pcap" };

	pipeline_opts_default(&po);
	po.ev = ev;
	po.analyzers = rows;
	po.n_analyzers = 1;
	cr_assert_eq(pipeline_new(&p, &po, NULL, &e), 0);
	cr_assert_eq(pipeline_open(p, paths, 1, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(pipeline_run(p, &e), 0);
	size_t pos = 0;
	const struct evidence *t = ev_store_next(ev, EVK_TEST_PACKETS, &pos);
	cr_assert_not_null(t);
	cr_assert_gt(toy_num(t, EVF_DUPLICATES), 0,
		     "the toy row did not see capture quality's copy mark");
	pipeline_free(p);
	ev_store_free(ev);
}

/* A source that cannot open is a gap with its reason; the others run. */
Test(runner, gap_and_others_go_on)
{
	struct ev_store *ev = ev_store_new(0);
	struct toy_timer bad = { .ev = ev, .fail_open = "no BTF here" };
	struct toy_timer ok = { .ev = ev, .max_ticks = 3 };
	struct nd_source srcs[2] = { toy_timer_source(&bad),
				     toy_timer_source(&ok) };
	struct nd_source_result res[2];

	cr_assert_eq(runner_run(srcs, res, 2, NULL), 1);
	cr_assert_not(res[0].available);
	cr_assert_lt(res[0].status, 0);
	cr_assert_str_eq(res[0].err.msg, "no BTF here");
	cr_assert_eq(bad.ticks, 0);
	cr_assert(res[1].available);
	cr_assert_eq(ok.ticks, 3);
	ev_store_free(ev);
}

/* One stop flag ends every source; each still finishes. */
struct stopper {
	volatile int *flag;
	unsigned after, n;
};

static int stopper_step(void *ctx, unsigned budget, int *wait_ms,
			struct nd_err *err)
{
	struct stopper *s = ctx;

	(void)budget;
	(void)err;
	if (++s->n == s->after)
		*s->flag = 1; /* as the signal handler would */
	*wait_ms = 1;
	return SRC_MORE;
}

Test(runner, stop_flag_stops_all)
{
	struct ev_store *ev = ev_store_new(0);
	volatile int flag = 0;
	/* No stop(): it never ends by itself, the runner ends it. */
	struct stopper st = { .flag = &flag, .after = 5 };
	struct toy_timer a = { .ev = ev, .interval_ms = 1 };
	struct toy_timer b = { .ev = ev, .interval_ms = 3 };
	struct nd_source srcs[3] = {
		toy_timer_source(&a),
		toy_timer_source(&b),
		{ .name = "stopper", .ctx = &st, .step = stopper_step },
	};
	struct nd_source_result res[3];
	struct runner_opts ro = { .stop_flag = &flag };

	cr_assert_eq(runner_run(srcs, res, 3, &ro), 3);
	cr_assert_eq(st.n, 5);
	cr_assert(a.stopped && a.finished && b.stopped && b.finished);
	cr_assert_geq(a.ticks, 1);
	cr_assert_geq(b.ticks, 1);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(res[i].status, 0);
	ev_store_free(ev);
}

/* -d: the runner's deadline stops sources that would run for ever. */
Test(runner, duration_stops_all)
{
	struct ev_store *ev = ev_store_new(0);
	struct toy_timer a = { .ev = ev, .interval_ms = 5 };
	struct nd_source srcs[1] = { toy_timer_source(&a) };
	struct nd_source_result res[1];
	struct runner_opts ro = { .duration_s = 0.05 };

	cr_assert_eq(runner_run(srcs, res, 1, &ro), 1);
	cr_assert(a.stopped && a.finished);
	cr_assert_geq(a.ticks, 1);
	ev_store_free(ev);
}
