/* SPDX-License-Identifier: MIT */
/* TCP rules (src/rules/rules_tcp.c): evidence from analyze/tcp_evidence.c to findings. */
#ifndef NETDX_RULES_RULES_TCP_H
#define NETDX_RULES_RULES_TCP_H

#include "rules/engine.h"

int rule_tcp_retransmissions(struct rule_ctx *ctx, const struct ev_store *ev,
			     const struct thresholds *th);
int rule_tcp_spurious_retransmissions(struct rule_ctx *ctx,
				      const struct ev_store *ev,
				      const struct thresholds *th);
int rule_tcp_reordering(struct rule_ctx *ctx, const struct ev_store *ev,
			const struct thresholds *th);
int rule_tcp_rto_stalls(struct rule_ctx *ctx, const struct ev_store *ev,
			const struct thresholds *th);
int rule_tcp_zero_window(struct rule_ctx *ctx, const struct ev_store *ev,
			 const struct thresholds *th);
int rule_tcp_window_full(struct rule_ctx *ctx, const struct ev_store *ev,
			 const struct thresholds *th);
int rule_tcp_resets(struct rule_ctx *ctx, const struct ev_store *ev,
		    const struct thresholds *th);
int rule_tcp_closed_port(struct rule_ctx *ctx, const struct ev_store *ev,
			 const struct thresholds *th);
int rule_tcp_syn_unanswered(struct rule_ctx *ctx, const struct ev_store *ev,
			    const struct thresholds *th);

#endif
