/* SPDX-License-Identifier: MIT */
/* Rule thresholds: one documented table, current values overridable by --set and config files. */
#ifndef NETDX_EVIDENCE_THRESHOLDS_H
#define NETDX_EVIDENCE_THRESHOLDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Index of each threshold; append new ones before TH_COUNT (and document). */
enum th_id {
	TH_CAPTURE_DUPLICATE_MIN_COUNT = 0,
	TH_CAPTURE_DUPLICATE_WARN_SHARE,
	TH_CAPTURE_DUPLICATE_WINDOW_MS,
	TH_CAPTURE_DUPLICATE_MEMORY,
	TH_CAPTURE_TIME_BACKWARDS_MIN,
	TH_CAPTURE_TIME_BACKWARDS_MIN_STEP_MS,
	TH_CAPTURE_TRUNCATED_MIN_SHARE,
	TH_CAPTURE_FLOWS_EVICTED_MIN,
	TH_CAPTURE_KERNEL_DROPS_MIN,
	TH_CAPTURE_KERNEL_DROPS_CRIT_SHARE,
	TH_TCP_RETRANS_MIN_COUNT,
	TH_TCP_RETRANS_WARN_SHARE,
	TH_TCP_RETRANS_CRIT_SHARE,
	TH_TCP_SPURIOUS_MIN_COUNT,
	TH_TCP_REORDERING_MIN_COUNT,
	TH_TCP_RTO_STALL_MIN_MS,
	TH_TCP_RTO_STALL_CRIT_MS,
	TH_TCP_ZERO_WINDOW_MIN_MS,
	TH_TCP_ZERO_WINDOW_WARN_MS,
	TH_TCP_WINDOW_FULL_MIN_COUNT,
	TH_TCP_RESETS_MIN_COUNT,
	TH_TCP_CLOSED_PORT_MIN_COUNT,
	TH_TCP_SYN_UNANSWERED_MIN_COUNT,
	TH_COUNT
};

struct threshold_def {
	const char *name;	 /* "<area>.<what>", as used by --set */
	double def;		 /* default value */
	double min, max;	 /* accepted range (inclusive) */
	const char *unit;	 /* "count", "share" (0..1), "ms", "entries" */
	const char *description; /* one line for docs and --help */
};

/* Current values: start from the defaults, then config file, then --set. */
struct thresholds {
	double v[TH_COUNT];
};

void thresholds_init(struct thresholds *th);
static inline double th_get(const struct thresholds *th, enum th_id id)
{
	return th->v[id];
}

size_t thresholds_count(void);
const struct threshold_def *threshold_def_at(size_t i);
/* The definition for name, or NULL. */
const struct threshold_def *threshold_find(const char *name, enum th_id *id);

/*
 * Sets name to the value text. Strict: the whole text must be a finite
 * number within range; counts and table sizes (threshold_is_integer)
 * must be written as decimal digits only. 0, or -EINVAL with err (ND_ERR_USAGE) naming the
 * problem.
 */
int thresholds_set(struct thresholds *th, const char *name, const char *value,
		   struct nd_err *err);
/* Parses one "--set NAME=VALUE" argument. */
int thresholds_set_arg(struct thresholds *th, const char *arg,
		       struct nd_err *err);
/* Whether the threshold is a whole number (unit "count" or "entries"). */
bool threshold_is_integer(const struct threshold_def *d);
/*
 * Reads a config file of "name = value" lines; '#' starts a comment, blank
 * lines are ignored. At most 64 KiB (larger, or endless like /dev/zero, is
 * refused after reading that much) and 1023 bytes a line; a NUL byte is an
 * error. Every error is ND_ERR_USAGE (exit 2, as for --set) and names
 * file:line. 0 or negative errno.
 */
int thresholds_load_file(struct thresholds *th, const char *path,
			 struct nd_err *err);

#endif
