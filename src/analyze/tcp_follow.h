/* SPDX-License-Identifier: MIT */
/* analyze --follow: which (finding id, connection) pairs were shown, and the evaluation clock. */
#ifndef NETDX_ANALYZE_TCP_FOLLOW_H
#define NETDX_ANALYZE_TCP_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

/* Default period of the live evaluation, in capture time. */
#define TCP_FOLLOW_DEFAULT_EVERY_NS (5LL * 1000000000LL)
/* (finding id, tcp.stream) pairs remembered; past it nothing new is shown. */
#define TCP_FOLLOW_MAX_SEEN 4096u

struct tcp_follow;

/*
 * The set of (finding id, tcp.stream) pairs already shown. Running the
 * rules over a snapshot is the command's job (cmd/analyze_drill.c): the
 * analyze layer knows no engine or report.
 */
struct tcp_follow *tcp_follow_new(void);
void tcp_follow_free(struct tcp_follow *fw);

/*
 * True the first time (id, stream) is seen, and remembers it; false when
 * it was shown before, or when the set is full (then counted as
 * suppressed). id must outlive fw (a catalog literal).
 */
bool tcp_follow_first(struct tcp_follow *fw, const char *id, uint64_t stream);

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
