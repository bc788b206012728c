/* SPDX-License-Identifier: MIT */
/* The rule table: every rule netdx runs, one row per finding id. */
#ifndef NETDX_RULES_RULES_H
#define NETDX_RULES_RULES_H

#include "rules/engine.h"

/* Helpers shared by rule files: a named integer of evidence (0 if absent). */
static inline int64_t rule_num_i(const struct evidence *ev, enum ev_field f)
{
	int64_t v = 0;

	ev_get_i64(ev, f, &v);
	return v;
}

/* part / whole, 0 when whole is 0. */
static inline double rule_share(int64_t part, int64_t whole)
{
	return whole > 0 ? (double)part / (double)whole : 0;
}

/* Capture-quality rules (src/rules/rules_capture.c). */
int rule_capture_duplicate_packets(struct rule_ctx *ctx,
				   const struct ev_store *ev,
				   const struct thresholds *th);
int rule_capture_time_backwards(struct rule_ctx *ctx, const struct ev_store *ev,
				const struct thresholds *th);
int rule_capture_truncated(struct rule_ctx *ctx, const struct ev_store *ev,
			   const struct thresholds *th);
int rule_capture_decode_depth(struct rule_ctx *ctx, const struct ev_store *ev,
			      const struct thresholds *th);
int rule_capture_flows_evicted(struct rule_ctx *ctx, const struct ev_store *ev,
			       const struct thresholds *th);
int rule_capture_kernel_drops(struct rule_ctx *ctx, const struct ev_store *ev,
			      const struct thresholds *th);

/* All rules in run order. */
const struct rule *rules_default(size_t *n);
/* The row for id, or NULL. */
const struct rule *rules_find(const char *id);

#endif
