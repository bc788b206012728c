// SPDX-License-Identifier: MIT
/* Rule engine, thresholds, evidence store and capture rules on synthetic evidence. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/report.h"
#include "output/report_rules.h"
#include "rules/engine.h"
#include "rules/rules.h"

struct collected {
	struct finding *f[16];
	size_t n;
};

static int collect(void *arg, struct finding *f)
{
	struct collected *c = arg;
	cr_assert_lt(c->n, 16);
	c->f[c->n++] = f;
	return 0;
}

static void collected_free(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		finding_free(c->f[i]);
	c->n = 0;
}

static struct collected run_one(const char *id, const struct ev_store *st,
				const struct thresholds *th)
{
	struct collected c = { 0 };
	const struct rule *r = rules_find(id);
	cr_assert_not_null(r, "no rule %s", id);
	cr_assert_eq(engine_run_rule(r, st, th, collect, &c), 0);
	return c;
}

static void add_dup_evidence(struct ev_store *st, int64_t dups, int64_t frames)
{
	struct evidence ev;
	ev_init(&ev, EVK_CAPTURE_DUPLICATE, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_FRAMES, frames);
	ev_set_i64(&ev, EVF_DUPLICATES, dups);
	ev_set_i64(&ev, EVF_EXACT, dups);
	ev_set_i64(&ev, EVF_NEAR, 0);
	ev_set_f64(&ev, EVF_WINDOW_MS, 1);
	ev_set_i64(&ev, EVF_FIRST_DUPLICATE, 9866);
	ev_set_i64(&ev, EVF_FIRST_ORIGINAL, 1);
	ev_set_i64(&ev, EVF_MEMORY, 262144);
	ev_set_i64(&ev, EVF_FORGOTTEN, 0);
	ev_add_frame(&ev, 9866);
	ev_add_frame(&ev, 9867);
	cr_assert_eq(ev_store_add(st, &ev), 0);
}

Test(rules, duplicates_severity_follows_share)
{
	struct thresholds th;
	thresholds_init(&th);
	struct ev_store *st = ev_store_new(0);
	add_dup_evidence(st, 9865, 19730);
	struct collected c = run_one("capture.duplicate_packets", st, &th);
	cr_assert_eq(c.n, 1);
	struct finding *f = c.f[0];
	cr_assert_str_eq(f->id, "capture.duplicate_packets");
	cr_assert_eq(f->severity, SEV_WARN);
	cr_assert_not_null(strstr(f->explanation, "9865 of 19730 frames (50%)"),
			   "%s", f->explanation);
	cr_assert_not_null(strstr(f->explanation, "retransmission"));
	cr_assert_null(strstr(f->explanation, "?"), "unfilled: %s", f->explanation);
	cr_assert_eq(f->frame_count, 2);
	cr_assert_eq(f->frames[0], 9866);
	cr_assert_not_null(f->remedy_note);
	collected_free(&c);
	ev_store_free(st);

	/* 3 in 10000 is below the warn share: low. */
	st = ev_store_new(0);
	add_dup_evidence(st, 3, 10000);
	c = run_one("capture.duplicate_packets", st, &th);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.f[0]->severity, SEV_LOW);
	collected_free(&c);

	/* Raise the minimum count above it: nothing. */
	cr_assert_eq(thresholds_set(&th, "capture.duplicate_min_count", "4", NULL), 0);
	c = run_one("capture.duplicate_packets", st, &th);
	cr_assert_eq(c.n, 0);
	ev_store_free(st);
}

Test(rules, time_backwards_and_min_step)
{
	struct thresholds th;
	thresholds_init(&th);
	struct ev_store *st = ev_store_new(0);
	struct evidence ev;
	ev_init(&ev, EVK_CAPTURE_TIME_BACKWARDS, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_FRAMES, 19730);
	ev_set_i64(&ev, EVF_COUNT, 1);
	ev_set_i64(&ev, EVF_MAX_STEP_NS, 44602753000LL);
	ev_set_i64(&ev, EVF_MAX_STEP_FRAME, 9866);
	ev_add_frame(&ev, 9866);
	ev_store_add(st, &ev);
	struct collected c = run_one("capture.time_backwards", st, &th);
	cr_assert_eq(c.n, 1);
	cr_assert_not_null(strstr(c.f[0]->explanation, "1 time;"));
	cr_assert_not_null(strstr(c.f[0]->explanation, "44.6 s"),
			   "%s", c.f[0]->explanation);
	collected_free(&c);
	cr_assert_eq(thresholds_set(&th, "capture.time_backwards_min_step_ms",
				    "60000", NULL), 0);
	c = run_one("capture.time_backwards", st, &th);
	cr_assert_eq(c.n, 0);
	ev_store_free(st);
}

Test(rules, truncated_share_and_severity)
{
	struct thresholds th;
	thresholds_init(&th);
	struct ev_store *st = ev_store_new(0);
	struct evidence ev;
	ev_init(&ev, EVK_CAPTURE_TRUNCATED, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_FRAMES, 1000);
	ev_set_i64(&ev, EVF_TRUNCATED, 900);
	ev_set_i64(&ev, EVF_HEADERS_CUT, 0);
	ev_set_i64(&ev, EVF_SNAPLEN, 94);
	ev_store_add(st, &ev);
	struct collected c = run_one("capture.truncated", st, &th);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.f[0]->severity, SEV_INFO);
	cr_assert_not_null(strstr(c.f[0]->explanation, "snapshot length 94"));
	cr_assert_not_null(strstr(c.f[0]->explanation, "TCP sequence analysis still works"));
	collected_free(&c);
	ev_store_free(st);

	st = ev_store_new(0);
	ev_set_i64(&ev, EVF_TRUNCATED, 5); /* 0.5% < 1% default */
	ev_set_i64(&ev, EVF_HEADERS_CUT, 5);
	ev_store_add(st, &ev);
	c = run_one("capture.truncated", st, &th);
	cr_assert_eq(c.n, 0);
	thresholds_set(&th, "capture.truncated_min_share", "0.001", NULL);
	c = run_one("capture.truncated", st, &th);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.f[0]->severity, SEV_LOW);
	collected_free(&c);
	ev_store_free(st);
}

Test(rules, flows_evicted_and_kernel_drops)
{
	struct thresholds th;
	thresholds_init(&th);
	struct ev_store *st = ev_store_new(0);
	struct evidence ev;
	ev_init(&ev, EVK_CAPTURE_FLOWS_EVICTED, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_EVICTED, 12);
	ev_set_i64(&ev, EVF_EVICTIONS, 30);
	ev_set_i64(&ev, EVF_RETURNED, 3);
	ev_set_i64(&ev, EVF_CREATED, 1000);
	ev_set_i64(&ev, EVF_MAX_OPEN, 100);
	ev_store_add(st, &ev);
	ev_init(&ev, EVK_CAPTURE_KERNEL_DROPS, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_RECEIVED, 1000);
	ev_set_i64(&ev, EVF_KERNEL_DROPPED, 150);
	ev_set_i64(&ev, EVF_IFACE_DROPPED, 50);
	ev_set_i64(&ev, EVF_RECORDS, 800);
	ev_store_add(st, &ev);

	struct collected c = run_one("capture.flows_evicted", st, &th);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.f[0]->severity, SEV_WARN);
	cr_assert_not_null(strstr(c.f[0]->explanation, "12 of 1000"));
	cr_assert_not_null(strstr(c.f[0]->explanation, "30 evictions in all). 3 of them had later packets"),
			   "%s", c.f[0]->explanation);
	cr_assert_not_null(strstr(c.f[0]->explanation, "The other 9 had no later packet"));
	collected_free(&c);
	/* Evicted conversations that never came back lost no analysis. */
	struct ev_store *st2 = ev_store_new(0);
	ev_init(&ev, EVK_CAPTURE_FLOWS_EVICTED, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_EVICTED, 12);
	ev_set_i64(&ev, EVF_EVICTIONS, 12);
	ev_set_i64(&ev, EVF_CREATED, 1000);
	ev_store_add(st2, &ev);
	c = run_one("capture.flows_evicted", st2, &th);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.f[0]->severity, SEV_LOW);
	collected_free(&c);
	ev_store_free(st2);

	c = run_one("capture.kernel_drops", st, &th);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.f[0]->severity, SEV_CRIT); /* 20% >= 10% */
	cr_assert_not_null(strstr(c.f[0]->explanation, "dropped 200 of them (20%)"),
			   "%s", c.f[0]->explanation);
	collected_free(&c);
	thresholds_set(&th, "capture.kernel_drops_crit_share", "0.5", NULL);
	c = run_one("capture.kernel_drops", st, &th);
	cr_assert_eq(c.f[0]->severity, SEV_WARN);
	collected_free(&c);
	ev_store_free(st);
}

Test(rules, engine_filters_min_severity_and_ignore)
{
	struct thresholds th;
	thresholds_init(&th);
	struct ev_store *st = ev_store_new(0);
	add_dup_evidence(st, 3, 10000); /* low */
	struct evidence ev;
	ev_init(&ev, EVK_CAPTURE_FLOWS_EVICTED, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_EVICTED, 5);
	ev_set_i64(&ev, EVF_RETURNED, 1);
	ev_set_i64(&ev, EVF_CREATED, 10);
	ev_store_add(st, &ev); /* warn: one came back */

	struct engine eng;
	struct nd_err err = { 0 };
	engine_init(&eng, &th);
	struct report *rep = report_new("analyze");
	cr_assert_eq(report_run_engine(rep, &eng, st, NULL, NULL, &err), 0);
	cr_assert_eq(report_finding_count(rep), 2);
	cr_assert_eq(report_worst_severity(rep), SEV_WARN);
	report_free(rep);

	cr_assert_eq(engine_filter_set_min_severity(&eng.filter, "warn", &err), 0);
	rep = report_new("analyze");
	cr_assert_eq(report_run_engine(rep, &eng, st, NULL, NULL, &err), 0);
	cr_assert_eq(report_finding_count(rep), 1);
	cr_assert_str_eq(report_finding_at(rep, 0)->id, "capture.flows_evicted");
	cr_assert_eq(report_counter_at(rep, 0)->value, 1); /* suppressed */
	report_free(rep);

	engine_filter_init(&eng.filter);
	cr_assert_eq(engine_filter_add_ignore(&eng.filter, "capture.flows_evicted", &err), 0);
	rep = report_new("analyze");
	cr_assert_eq(report_run_engine(rep, &eng, st, NULL, NULL, &err), 0);
	cr_assert_eq(report_finding_count(rep), 1);
	cr_assert_str_eq(report_finding_at(rep, 0)->id, "capture.duplicate_packets");
	report_free(rep);

	cr_assert_eq(engine_filter_add_ignore(&eng.filter, "capture.*", &err), 0);
	rep = report_new("analyze");
	cr_assert_eq(report_run_engine(rep, &eng, st, NULL, NULL, &err), 0);
	cr_assert_eq(report_finding_count(rep), 0);
	cr_assert_eq(report_worst_severity(rep), -1);
	report_free(rep);

	cr_assert_lt(engine_filter_add_ignore(&eng.filter, "tcp.retransmision", &err), 0);
	cr_assert_not_null(strstr(err.msg, "unknown finding id"));
	cr_assert_eq(err.kind, ND_ERR_USAGE);
	cr_assert_lt(engine_filter_set_min_severity(&eng.filter, "high", &err), 0);
	ev_store_free(st);
}

Test(rules, thresholds_strict_parsing)
{
	struct thresholds th;
	struct nd_err err = { 0 };
	thresholds_init(&th);
	cr_assert_eq(thresholds_set_arg(&th, "capture.truncated_min_share=0.25", &err), 0);
	cr_assert_float_eq(th_get(&th, TH_CAPTURE_TRUNCATED_MIN_SHARE), 0.25, 1e-12);
	cr_assert_lt(thresholds_set_arg(&th, "capture.truncated_min_share=0.25x", &err), 0);
	cr_assert_not_null(strstr(err.msg, "not a number"));
	cr_assert_lt(thresholds_set_arg(&th, "capture.truncated_min_share=", &err), 0);
	cr_assert_lt(thresholds_set_arg(&th, "capture.truncated_min_share= 1", &err), 0);
	cr_assert_lt(thresholds_set_arg(&th, "capture.truncated_min_share=nan", &err), 0);
	cr_assert_lt(thresholds_set_arg(&th, "capture.truncated_min_share=2", &err), 0);
	cr_assert_not_null(strstr(err.msg, "out of range"));
	cr_assert_lt(thresholds_set_arg(&th, "no.such=1", &err), 0);
	cr_assert_not_null(strstr(err.msg, "unknown threshold 'no.such'"));
	cr_assert_lt(thresholds_set_arg(&th, "=1", &err), 0);
	cr_assert_lt(thresholds_set_arg(&th, "capture.truncated_min_share", &err), 0);
	/* Failed sets leave the value alone. */
	cr_assert_float_eq(th_get(&th, TH_CAPTURE_TRUNCATED_MIN_SHARE), 0.25, 1e-12);
}

Test(rules, thresholds_config_file)
{
	char path[] = "/tmp/netdx-th-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("# netdx thresholds\n\n  capture.duplicate_min_count = 7  # more\n"
	      "capture.kernel_drops_min=3\n",
	      f);
	fclose(f);
	struct thresholds th;
	struct nd_err err = { 0 };
	thresholds_init(&th);
	cr_assert_eq(thresholds_load_file(&th, path, &err), 0, "%s", err.msg);
	cr_assert_float_eq(th_get(&th, TH_CAPTURE_DUPLICATE_MIN_COUNT), 7, 0);
	cr_assert_float_eq(th_get(&th, TH_CAPTURE_KERNEL_DROPS_MIN), 3, 0);

	f = fopen(path, "w");
	fputs("capture.kernel_drops_min = 2\n# ok\ncapture.bogus = 1\n", f);
	fclose(f);
	cr_assert_lt(thresholds_load_file(&th, path, &err), 0);
	char want[128];
	snprintf(want, sizeof(want), "%s:3:", path);
	cr_assert_not_null(strstr(err.msg, want), "%s", err.msg);

	f = fopen(path, "w");
	fputs("capture.kernel_drops_min 2\n", f);
	fclose(f);
	cr_assert_lt(thresholds_load_file(&th, path, &err), 0);
	snprintf(want, sizeof(want), "%s:1: expected", path);
	cr_assert_not_null(strstr(err.msg, want), "%s", err.msg);
	unlink(path);
	cr_assert_lt(thresholds_load_file(&th, path, &err), 0);
	/* A bad setting is a usage error wherever it comes from (exit 2). */
	cr_assert_eq(err.kind, ND_ERR_USAGE);
}

/* Writes n bytes to a new temporary file; path must be a mkstemp template. */
static void put_file(char *path, const void *data, size_t n)
{
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
}

/* Endless or hostile config files end in an error, never a hang. */
Test(rules, thresholds_config_bounded, .timeout = 20)
{
	struct thresholds th;
	struct nd_err err = { 0 };
	char p1[] = "/tmp/netdx-th-XXXXXX", p2[] = "/tmp/netdx-th-XXXXXX";
	char p3[] = "/tmp/netdx-th-XXXXXX";
	static const char nul[] = "capture.kernel_drops_min = 2\0junk\n";
	static const char frac[] = "tcp.retrans_min_count = 1.5\n";

	thresholds_init(&th);
	cr_assert_lt(thresholds_load_file(&th, "/dev/zero", &err), 0);
	cr_expect_eq(err.kind, ND_ERR_USAGE);
	cr_expect_not_null(strstr(err.msg, "/dev/zero"), "%s", err.msg);

	put_file(p1, nul, sizeof(nul) - 1);
	err = (struct nd_err){ 0 };
	cr_expect_lt(thresholds_load_file(&th, p1, &err), 0, "NUL accepted");
	cr_expect_eq(err.kind, ND_ERR_USAGE);
	cr_expect_float_eq(th_get(&th, TH_CAPTURE_KERNEL_DROPS_MIN), 1, 0);

	put_file(p2, frac, sizeof(frac) - 1);
	err = (struct nd_err){ 0 };
	cr_expect_lt(thresholds_load_file(&th, p2, &err), 0, "1.5 count accepted");
	cr_expect_eq(err.kind, ND_ERR_USAGE);
	err = (struct nd_err){ 0 };
	cr_expect_lt(thresholds_set_arg(&th, "tcp.retrans_min_count=1.5", &err), 0);
	cr_expect_lt(thresholds_set_arg(&th, "tcp.retrans_min_count=1e1", &err), 0);
	cr_expect_eq(thresholds_set_arg(&th, "tcp.retrans_min_count=10", &err), 0);
	cr_expect_eq(thresholds_set_arg(&th, "tcp.rto_stall_min_ms=1.5", &err), 0,
		     "ms may be fractional");

	/* Many short lines past the size bound: refused, not read forever. */
	size_t big = 70000;
	char *many = malloc(big);
	cr_assert_not_null(many);
	for (size_t i = 0; i < big; i++)
		many[i] = i % 2 ? '\n' : '#';
	put_file(p3, many, big);
	free(many);
	err = (struct nd_err){ 0 };
	cr_expect_lt(thresholds_load_file(&th, p3, &err), 0);
	unlink(p1);
	unlink(p2);
	unlink(p3);
}

Test(rules, evidence_store_cap_and_joins)
{
	struct ev_store *st = ev_store_new(3);
	struct evidence ev;
	ev_init(&ev, EVK_TCP_RETRANS, EV_SRC_CAPTURE);
	ev_set_i64(&ev, EVF_RETRANS, 2);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(ev_store_add(st, &ev), 0);
	/* Past the cap: one aggregate (no scope) that sums the rest. */
	cr_assert_eq(ev_store_len(st), 4);
	cr_assert_eq(ev_store_folded(st), 2);
	cr_assert_eq(ev_store_at(st, 3)->aggregated, 2);
	cr_assert_eq(rule_num_i(ev_store_at(st, 3), EVF_RETRANS), 4);
	/* Every label value needs its aggregate; beyond the slots: dropped. */
	for (int i = 0; i < EV_STORE_MAX_AGGREGATES + 1; i++) {
		ev_set_i64(&ev, EVF_SENDER, i);
		ev_store_add(st, &ev);
	}
	cr_assert_eq(ev_store_len(st), 3 + EV_STORE_MAX_AGGREGATES);
	cr_assert_eq(ev_store_dropped(st), 2);

	struct engine eng;
	struct nd_err err = { 0 };
	engine_init(&eng, NULL);
	struct report *rep = report_new("analyze");
	cr_assert_eq(report_run_engine(rep, &eng, st, NULL, NULL, &err), 0);
	bool seen = false;
	bool folded = false;
	for (size_t i = 0; i < report_counter_count(rep); i++) {
		if (!strcmp(report_counter_at(rep, i)->name, "evidence_dropped"))
			seen = report_counter_at(rep, i)->value == 2;
		if (!strcmp(report_counter_at(rep, i)->name, "evidence_aggregated"))
			folded = report_counter_at(rep, i)->value ==
				 2 + EV_STORE_MAX_AGGREGATES - 1;
	}
	cr_assert(seen, "evidence_dropped counter missing");
	cr_assert(folded, "evidence_aggregated counter missing");
	report_free(rep);
	ev_store_free(st);

	/* A capture flow and a kernel drop on the same 4-tuple join. */
	struct flow_key k = { .family = 4, .proto = 6, .port = { 80, 40000 },
			      .addr = { { 10, 0, 0, 2 }, { 10, 0, 0, 1 } } };
	struct evidence a, b;
	ev_init(&a, EVK_TCP_RETRANS, EV_SRC_CAPTURE);
	ev_init(&b, EVK_KERNEL_DROP, EV_SRC_KTRACE);
	ev_scope_set_flow(&a.scope, &k, 3);
	ev_scope_set_flow(&b.scope, &k, 0);
	b.scope.parts |= EV_SCOPE_NETNS;
	b.scope.netns = 4026531840ULL;
	cr_assert(ev_same_flow(&a.scope, &b.scope));
	cr_assert(!ev_same_netns(&a.scope, &b.scope));
	a.t_start_ns = 1000;
	a.t_end_ns = 2000;
	b.t_start_ns = 2500;
	cr_assert(!ev_time_overlaps(&a, &b, 0));
	cr_assert(ev_time_overlaps(&a, &b, 600));
	struct ev_scope port = { .parts = EV_SCOPE_PORT, .port_proto = 6, .port = 80 };
	cr_assert(ev_same_port(&a.scope, &port));
	port.port = 81;
	cr_assert(!ev_same_port(&a.scope, &port));
	k.port[1] = 40001;
	ev_scope_set_flow(&b.scope, &k, 0);
	cr_assert(!ev_same_flow(&a.scope, &b.scope));
	char buf[200];
	ev_scope_format(&a.scope, buf, sizeof(buf));
	cr_assert_str_eq(buf, "tcp 10.0.0.2:80 <-> 10.0.0.1:40000 (stream 3)");
}

Test(rules, unknown_finding_id_asserts, .signal = SIGABRT)
{
	finding_new("tcp.not_in_catalog");
}
