// SPDX-License-Identifier: MIT
/* The rule table: append a row here when adding a rule (its id must be in the catalog). */
#include "rules/rules.h"
#include "rules/rules_tcp.h"

#include <string.h>

static const struct rule RULES[] = {
	{ "capture.kernel_drops", rule_capture_kernel_drops },
	{ "capture.flows_evicted", rule_capture_flows_evicted },
	{ "capture.duplicate_packets", rule_capture_duplicate_packets },
	{ "capture.time_backwards", rule_capture_time_backwards },
	{ "capture.truncated", rule_capture_truncated },
	{ "capture.decode_depth", rule_capture_decode_depth },
	/* TCP (src/rules/rules_tcp.c) */
	{ "tcp.retransmissions", rule_tcp_retransmissions },
	{ "tcp.spurious_retransmissions", rule_tcp_spurious_retransmissions },
	{ "tcp.reordering", rule_tcp_reordering },
	{ "tcp.rto_stalls", rule_tcp_rto_stalls },
	{ "tcp.zero_window", rule_tcp_zero_window },
	{ "tcp.window_full", rule_tcp_window_full },
	{ "tcp.resets", rule_tcp_resets },
	{ "tcp.closed_port", rule_tcp_closed_port },
	{ "tcp.syn_unanswered", rule_tcp_syn_unanswered },
};

const struct rule *rules_default(size_t *n)
{
	*n = sizeof(RULES) / sizeof(RULES[0]);
	return RULES;
}

const struct rule *rules_find(const char *id)
{
	for (size_t i = 0; i < sizeof(RULES) / sizeof(RULES[0]); i++)
		if (strcmp(RULES[i].id, id) == 0)
			return &RULES[i];
	return NULL;
}
