/* SPDX-License-Identifier: MIT */
/* Rule engine: the only consumer of evidence and the only producer of findings. */
#ifndef NETDX_RULES_ENGINE_H
#define NETDX_RULES_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "rules/catalog.h"
#include "evidence/evidence.h"
#include "rules/finding.h"
#include "evidence/thresholds.h"

struct rule_ctx;

/*
 * A rule reads evidence and thresholds and emits findings of exactly one
 * catalog id (its row's id) through rule_emit(). It returns 0 or a negative
 * errno (only for resource failures: odd evidence is data, not an error).
 */
struct rule {
	const char *id;
	int (*fn)(struct rule_ctx *ctx, const struct ev_store *ev,
		  const struct thresholds *th);
};

/*
 * Hands a finding to the engine (which owns it from now on, even on error).
 * Emitting an id other than the rule's own is a programmer error (assert).
 * 0 or -ENOMEM.
 */
int rule_emit(struct rule_ctx *ctx, struct finding *f);

/* --min-severity / --ignore. */
#define ENGINE_MAX_IGNORE 64
struct engine_filter {
	enum nd_severity min_severity;
	size_t n_ignore;
	const char *ignore[ENGINE_MAX_IGNORE]; /* borrowed (argv) */
};

void engine_filter_init(struct engine_filter *flt);
/* Parses LEVEL (info|low|warn|crit); -EINVAL + err (usage) otherwise. */
int engine_filter_set_min_severity(struct engine_filter *flt,
				   const char *level, struct nd_err *err);
/*
 * Adds an id to ignore: an exact catalog id or "area.*". Unknown ids are
 * an error so typos do not silently ignore nothing. s is borrowed.
 */
int engine_filter_add_ignore(struct engine_filter *flt, const char *s,
			     struct nd_err *err);
bool engine_filter_ignores(const struct engine_filter *flt, const char *id);
bool engine_filter_pass(const struct engine_filter *flt,
			const struct finding *f);

struct engine {
	const struct rule *rules;
	size_t n_rules;
	const struct thresholds *th;
	struct engine_filter filter;
};

/*
 * Where findings go: called with every finding that passes the filter, as
 * it is emitted; it owns the finding from then on, even on error. 0 or
 * negative errno (stops the run). The engine knows no report: the caller
 * (cmd layer, output/report_rules.h) decides what a finding becomes.
 */
typedef int (*engine_out_fn)(void *arg, struct finding *f);

/* What a run counted besides its findings. */
struct engine_result {
	uint64_t suppressed; /* findings the filter hid (--min-severity) */
};

/* Default rule set (rules_default()), thresholds th, an empty filter. */
void engine_init(struct engine *eng, const struct thresholds *th);

/*
 * Runs every rule whose id is not ignored over ev; findings that pass the
 * filter go to out(arg, f), the others are freed and counted in
 * res->suppressed (res may be NULL). 0 or negative errno (err set).
 */
int engine_run(const struct engine *eng, const struct ev_store *ev,
	       engine_out_fn out, void *arg, struct engine_result *res,
	       struct nd_err *err);

/* Runs one rule and collects its findings (for unit tests and tools). */
int engine_run_rule(const struct rule *r, const struct ev_store *ev,
		    const struct thresholds *th,
		    int (*out)(void *arg, struct finding *f), void *arg);

#endif
