/* SPDX-License-Identifier: MIT */
/* Rule engine -> report: findings and the engine's counters into a report. */
#ifndef NETDX_OUTPUT_REPORT_RULES_H
#define NETDX_OUTPUT_REPORT_RULES_H

#include "core/err.h"
#include "output/report.h"
#include "rules/engine.h"
#include "evidence/evidence.h"

/*
 * Runs eng over ev: passing findings go to rep (and, first, to on_finding
 * when not NULL: streaming output), the counters findings_suppressed,
 * evidence_aggregated and evidence_dropped (the last two only when not 0)
 * are set. 0 or negative errno (err set).
 */
int report_run_engine(struct report *rep, const struct engine *eng,
		      const struct ev_store *ev,
		      void (*on_finding)(void *arg, const struct finding *f),
		      void *arg, struct nd_err *err);

#endif
