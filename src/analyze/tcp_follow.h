/* SPDX-License-Identifier: MIT */
/* analyze --follow: rules over connection snapshots, each finding printed once per connection. */
#ifndef NETDX_ANALYZE_TCP_FOLLOW_H
#define NETDX_ANALYZE_TCP_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/tcp_stats.h"
#include "core/err.h"
#include "rules/engine.h"
#include "rules/finding.h"

/* Default period of the live evaluation, in capture time. */
#define TCP_FOLLOW_DEFAULT_EVERY_NS (5LL * 1000000000LL)
/* (finding id, tcp.stream) pairs remembered; past it nothing new is shown. */
#define TCP_FOLLOW_MAX_SEEN 4096u

typedef void (*tcp_follow_emit)(void *ctx, const struct finding *f);

struct tcp_follow;

/*
 * eng: the run's engine (rules, thresholds, filter), borrowed; emit gets
 * every finding not shown before for the same (id, tcp.stream).
 */
struct tcp_follow *tcp_follow_new(const struct engine *eng,
				  tcp_follow_emit emit, void *ctx);
void tcp_follow_free(struct tcp_follow *fw);

/*
 * Runs the rules over one connection snapshot (open or ended) and emits
 * the findings not emitted before for this connection. Returns the number
 * emitted, or negative errno (err set). A clean connection costs no rule
 * run.
 */
int tcp_follow_conn(struct tcp_follow *fw, const struct tcp_conn_stats *st,
		    struct nd_err *err);

/* Findings not shown because the remembered set was full. */
uint64_t tcp_follow_suppressed(const struct tcp_follow *fw);

/*
 * The evaluation clock: true when the capture time now_ns is due for an
 * evaluation (the first change is evaluated at once, later ones at most
 * every every_ns), and then moves the clock.
 */
struct tcp_follow_clock {
	int64_t every_ns;
	int64_t last_ns;
	bool started;
};

bool tcp_follow_due(struct tcp_follow_clock *c, int64_t now_ns);

#endif
