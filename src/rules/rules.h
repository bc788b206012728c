/* SPDX-License-Identifier: MIT */
/* The rule table: every rule netdx runs, one row per finding id. */
#ifndef NETDX_RULES_RULES_H
#define NETDX_RULES_RULES_H

#include "rules/engine.h"

/* Capture-quality rules (src/rules/rules_capture.c). */
int rule_capture_duplicate_packets(struct rule_ctx *ctx,
				   const struct ev_store *ev,
				   const struct thresholds *th);
int rule_capture_time_backwards(struct rule_ctx *ctx, const struct ev_store *ev,
				const struct thresholds *th);
int rule_capture_truncated(struct rule_ctx *ctx, const struct ev_store *ev,
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
