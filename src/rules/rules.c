// SPDX-License-Identifier: MIT
/* The rule table: append a row here when adding a rule (its id must be in the catalog). */
#include "rules/rules.h"

#include <string.h>

static const struct rule RULES[] = {
	{ "capture.kernel_drops", rule_capture_kernel_drops },
	{ "capture.flows_evicted", rule_capture_flows_evicted },
	{ "capture.duplicate_packets", rule_capture_duplicate_packets },
	{ "capture.time_backwards", rule_capture_time_backwards },
	{ "capture.truncated", rule_capture_truncated },
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
