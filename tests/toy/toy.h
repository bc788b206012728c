/* SPDX-License-Identifier: MIT */
/*
 * Test-only plug-ins (not product features): a timer source that emits
 * evidence on every tick and a packet analyzer registered by one table
 * row. Used by tests/unit/test_runner.c and tests/e2e/runner_probe.c.
 */
#ifndef NETDX_TESTS_TOY_H
#define NETDX_TESTS_TOY_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze/analyzer.h"
#include "analyze/pipeline.h"
#include "evidence/evidence.h"
#include "runner/source.h"

/* ---- timer source: one "toy.tick" record per tick ---- */
struct toy_timer {
	struct ev_store *ev;	   /* where ticks go */
	const struct pipeline *p;  /* optional: frames seen at each tick */
	int interval_ms;	   /* 0: ready every round */
	unsigned max_ticks;	   /* 0: until stopped */
	const char *fail_open;	   /* non-NULL: open fails with this reason */
	FILE *log;		   /* optional: one line per tick */
	unsigned ticks;
	bool stopped;
	bool finished;
	uint64_t frames_seen[64];  /* pipeline frames at the first 64 ticks */
};

static inline int toy_timer_open(void *ctx, struct nd_err *why)
{
	struct toy_timer *t = ctx;

	if (t->fail_open)
		return nd_err_set(why, ND_ERR_PRIVILEGE, EPERM, "%s",
				  t->fail_open);
	return 0;
}

static inline int toy_timer_step(void *ctx, unsigned budget, int *wait_ms,
			  struct nd_err *err)
{
	struct toy_timer *t = ctx;
	struct evidence e;
	uint64_t frames = t->p ? pipeline_frames(t->p) : 0;

	(void)budget;
	if (t->stopped)
		return SRC_DONE;
	ev_init(&e, EVK_TEST_TICK, EV_SRC_CAPTURE);
	ev_set_i64(&e, EVF_TICK, t->ticks);
	ev_set_i64(&e, EVF_FRAMES, (int64_t)frames);
	if (ev_store_add(t->ev, &e) < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	if (t->ticks < 64)
		t->frames_seen[t->ticks] = frames;
	t->ticks++;
	if (t->log) {
		fprintf(t->log, "toy.tick %u frames %llu\n", t->ticks,
			(unsigned long long)frames);
		fflush(t->log);
	}
	if (t->max_ticks && t->ticks >= t->max_ticks)
		return SRC_DONE;
	*wait_ms = t->interval_ms;
	return SRC_MORE;
}

static inline void toy_timer_stop(void *ctx)
{
	((struct toy_timer *)ctx)->stopped = true;
}

static inline int toy_timer_finish(void *ctx, struct nd_err *err)
{
	(void)err;
	((struct toy_timer *)ctx)->finished = true;
	return 0;
}

static inline struct nd_source toy_timer_source(struct toy_timer *t)
{
	return (struct nd_source){
		.name = "toy_timer",
		.ctx = t,
		.open = toy_timer_open,
		.step = toy_timer_step,
		.stop = toy_timer_stop,
		.finish = toy_timer_finish,
	};
}

/* ---- packet analyzer: counts frames, packets per flow; emits at the end ---- */
struct toy_an {
	uint64_t frames, packets, flow_packets, flows_ended, dup_seen;
	bool started;
};

static inline int toy_an_create(void **ctx, const struct pipeline_opts *o)
{
	(void)o;
	*ctx = calloc(1, sizeof(struct toy_an));
	return *ctx ? 0 : -ENOMEM;
}

static inline void toy_an_destroy(void *ctx)
{
	free(ctx);
}

static inline int toy_an_start(void *ctx, struct pipeline *p, struct nd_err *err)
{
	(void)p;
	(void)err;
	((struct toy_an *)ctx)->started = true;
	return 0;
}

static inline void toy_an_frame(void *ctx, struct pipeline_frame *pf)
{
	struct toy_an *a = ctx;

	a->frames++;
	/* Capture quality (order 10) ran first: its copy mark is visible. */
	a->dup_seen += pf->duplicate;
}

static inline void toy_an_packet(void *ctx, void *state, const struct pa_packet *pp)
{
	(void)pp;
	((struct toy_an *)ctx)->packets++;
	++*(uint64_t *)state;
}

static inline void toy_an_flow_end(void *ctx, struct flow *f, void *state)
{
	struct toy_an *a = ctx;

	(void)f;
	a->flows_ended++;
	a->flow_packets += *(uint64_t *)state;
}

static inline int toy_an_emit(void *ctx, const struct pa_end *end,
		       struct ev_store *ev)
{
	struct toy_an *a = ctx;
	struct evidence e;

	(void)end;
	ev_init(&e, EVK_TEST_PACKETS, EV_SRC_CAPTURE);
	ev_set_i64(&e, EVF_FRAMES, (int64_t)a->frames);
	ev_set_i64(&e, EVF_PACKETS, (int64_t)a->packets);
	ev_set_i64(&e, EVF_FLOW_PACKETS, (int64_t)a->flow_packets);
	ev_set_i64(&e, EVF_FLOWS, (int64_t)a->flows_ended);
	ev_set_i64(&e, EVF_DUPLICATES, (int64_t)a->dup_seen);
	return ev_store_add(ev, &e);
}

/* The one table row that registers it. */
static const struct pkt_analyzer toy_analyzer = {
	.name = "toy",
	.order = 40,
	.flow_state_size = sizeof(uint64_t),
	.create = toy_an_create,
	.destroy = toy_an_destroy,
	.start = toy_an_start,
	.on_frame = toy_an_frame,
	.on_packet = toy_an_packet,
	.on_flow_end = toy_an_flow_end,
	.emit = toy_an_emit,
};

static inline int64_t toy_num(const struct evidence *e, enum ev_field name)
{
	int64_t v = -1;

	ev_get_i64(e, name, &v);
	return v;
}

#endif
