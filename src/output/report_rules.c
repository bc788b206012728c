// SPDX-License-Identifier: MIT
/* Rule engine -> report: the engine hands findings over, the report keeps them. */
#include "output/report_rules.h"

#include <errno.h>

struct to_report {
	struct report *rep;
	void (*on_finding)(void *arg, const struct finding *f);
	void *arg;
};

static int take(void *arg, struct finding *f)
{
	struct to_report *t = arg;
	if (t->on_finding)
		t->on_finding(t->arg, f);
	return report_add_finding(t->rep, f);
}

int report_run_engine(struct report *rep, const struct engine *eng,
		      const struct ev_store *ev,
		      void (*on_finding)(void *arg, const struct finding *f),
		      void *arg, struct nd_err *err)
{
	struct to_report t = { rep, on_finding, arg };
	struct engine_result res = { 0 };
	int rc = engine_run(eng, ev, take, &t, &res, err);
	if (rc < 0)
		return rc;
	rc = report_set_counter_meta(rep, "findings_suppressed", res.suppressed,
				     REPORT_COUNTER, "findings", NULL, 0);
	/* A full store folded (or dropped) records: the report says so. */
	if (!rc && ev_store_folded(ev))
		rc = report_set_counter_meta(rep, "evidence_aggregated",
					     ev_store_folded(ev), REPORT_COUNTER,
					     "records", NULL, 0);
	if (!rc && ev_store_dropped(ev))
		rc = report_set_counter_meta(rep, "evidence_dropped",
					     ev_store_dropped(ev),
					     REPORT_COUNTER, "records", NULL, 0);
	if (rc < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, -rc, "out of memory");
	return 0;
}
