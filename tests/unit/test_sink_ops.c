// SPDX-License-Identifier: MIT
/* Sink table (a toy format added by a test alone), the verdict contract, text width. */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/report.h"
#include "output/sink.h"

static char *render_in(const struct sink_formats *fm, const struct report *r,
		       const char *fmt, struct sink_opts opts)
{
	char *buf = NULL;
	size_t len = 0;
	struct nd_err err = { 0 };

	opts.out = open_memstream(&buf, &len);
	cr_assert_not_null(opts.out);
	struct sink *s = sink_new_in(fm, fmt, &opts, &err);
	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_eq(sink_render(s, r), 0);
	sink_free(s);
	fclose(opts.out);
	return buf;
}

/* ---- a toy format: what an HTML or Prometheus sink would need ---- */

struct toy_state {
	char *prefix; /* taken in init, released in free */
	size_t findings;
};

static int toy_frees;

static int toy_init(struct sink *s)
{
	struct toy_state *t = sink_priv(s);
	t->prefix = strdup("toy");
	return t->prefix ? 0 : -ENOMEM;
}

static int toy_finding(struct sink *s, const struct finding *f)
{
	struct toy_state *t = sink_priv(s);
	(void)f;
	t->findings++;
	return 0;
}

/* Prometheus-like: every counter with its type, unit and labels. */
static int toy_render(struct sink *s, const struct report *r)
{
	struct toy_state *t = sink_priv(s);
	for (size_t i = 0; i < report_counter_count(r); i++) {
		const struct report_counter *c = report_counter_at(r, i);
		fprintf(s->opts.out, "# TYPE %s_%s %s\n", t->prefix, c->name,
			c->kind == REPORT_GAUGE ? "gauge" : "counter");
		fprintf(s->opts.out, "%s_%s_%s{", t->prefix, c->name, c->unit);
		for (size_t l = 0; l < c->n_labels; l++)
			fprintf(s->opts.out, "%s%s=\"%s\"", l ? "," : "",
				c->labels[l].key, c->labels[l].value);
		fprintf(s->opts.out, "} %llu\n", (unsigned long long)c->value);
	}
	fprintf(s->opts.out, "verdict %s\n",
		report_verdict_name(report_verdict(r)));
	return 0;
}

static void toy_free(struct sink *s)
{
	struct toy_state *t = sink_priv(s);
	free(t->prefix);
	toy_frees++;
}

static const struct sink_ops TOY = {
	.name = "toy",
	.size = sizeof(struct toy_state),
	.init = toy_init,
	.finding = toy_finding,
	.render = toy_render,
	.free = toy_free,
};

Test(sink_ops, toy_format_through_the_same_table)
{
	struct sink_formats fm;
	struct nd_err err = { 0 };
	struct sink_opts so = { 0 };
	struct report *r = report_new("flows");
	const struct report_label lab[] = { { "source", "capture" } };

	sink_formats_default(&fm);
	cr_assert_not_null(sink_formats_find(&fm, "text"));
	cr_assert_not_null(sink_formats_find(&fm, "json"));
	cr_assert_null(sink_formats_find(&fm, "toy"));
	cr_assert_null(sink_new_in(&fm, "toy", &so, &err));
	cr_assert_not_null(strstr(err.msg, "text, json"), "%s", err.msg);

	cr_assert_eq(sink_formats_add(&fm, &TOY), 0);
	cr_assert_eq(sink_formats_add(&fm, &TOY), -EEXIST);
	char names[64];
	sink_formats_list(&fm, names, sizeof(names));
	cr_assert_str_eq(names, "text, json, toy");

	cr_assert_eq(report_set_counter(r, "frames", 7), 0);
	cr_assert_eq(report_set_counter_meta(r, "flows_open", 2, REPORT_GAUGE,
					     "flows", lab, 1), 0);
	report_finalize(r);
	toy_frees = 0;
	char *out = render_in(&fm, r, "toy", so);
	cr_assert_str_eq(out, "# TYPE toy_frames counter\n"
			      "toy_frames_{} 7\n"
			      "# TYPE toy_flows_open gauge\n"
			      "toy_flows_open_flows{source=\"capture\"} 2\n"
			      "verdict ok\n");
	cr_assert_eq(toy_frees, 1);
	free(out);
	/* The metadata costs JSON nothing: counters stay name -> value. */
	out = render_in(&fm, r, "json", so);
	cr_assert_not_null(strstr(out, "\"counters\":{\"frames\":7,\"flows_open\":2}"), "%s", out);
	free(out);
	report_free(r);
}

/* ---- the verdict contract ---- */

static struct finding *mk(const char *id, enum nd_severity sev)
{
	struct finding *f = finding_new(id);
	f->severity = sev;
	finding_set_i64(f, "count", 3);
	cr_assert_eq(finding_explain(f, NULL), 0);
	return f;
}

static const char *json_verdict(const struct report *r, char *buf, size_t n,
				uint64_t *notes)
{
	char *js = render_in(NULL, r, "json", (struct sink_opts){ 0 });
	struct json_object *root = json_tokener_parse(js), *sum, *v;
	cr_assert_not_null(root);
	json_object_object_get_ex(root, "summary", &sum);
	json_object_object_get_ex(sum, "verdict", &v);
	snprintf(buf, n, "%s", json_object_get_string(v));
	json_object_object_get_ex(sum, "notes", &v);
	*notes = (uint64_t)json_object_get_int64(v);
	json_object_put(root);
	free(js);
	return buf;
}

static void check(struct report *r, const char *want_json,
		  uint64_t want_notes, const char *want_text)
{
	char v[32];
	uint64_t notes;

	report_finalize(r);
	cr_assert_str_eq(json_verdict(r, v, sizeof(v), &notes), want_json);
	cr_assert_eq(notes, want_notes);
	char *txt = render_in(NULL, r, "text", (struct sink_opts){ 0 });
	cr_assert_not_null(strstr(txt, want_text), "want '%s' in:\n%s",
			   want_text, txt);
	free(txt);
}

Test(sink_ops, verdict_ok_with_notes_degraded_critical)
{
	struct report *r = report_new("analyze");
	report_set_counter(r, "frames", 10);
	check(r, "ok", 0, "Verdict: OK: no findings\n");
	report_add_finding(r, mk("capture.truncated", SEV_INFO));
	report_add_finding(r, mk("tcp.reordering", SEV_LOW));
	check(r, "ok", 2, "Verdict: OK: nothing needs action (2 notes)\n");
	report_add_finding(r, mk("tcp.zero_window", SEV_WARN));
	check(r, "degraded", 2, "Verdict: DEGRADED: 1 finding to act on soon\n");
	report_add_finding(r, mk("capture.kernel_drops", SEV_CRIT));
	check(r, "critical", 2, "Verdict: CRITICAL: 1 finding needs action now\n");
	report_free(r);
}

Test(sink_ops, verdict_incomplete_on_error_or_unavailable_source)
{
	struct report *r = report_new("flows");
	report_set_counter(r, "frames", 10);
	report_add_finding(r, mk("capture.kernel_drops", SEV_CRIT));
	report_add_error(r, "capture", "a.pcap", true, 24, "a.pcap: cut");
	check(r, "incomplete", 0, "Verdict: INCOMPLETE: 1 input error: a.pcap: cut\n");
	report_free(r);
	r = report_new("doctor");
	report_set_counter(r, "frames", 10);
	report_add_source(r, "sockdiag", false, "missing CAP_NET_ADMIN");
	check(r, "incomplete", 0, "Verdict: INCOMPLETE: a source could not run: sockdiag\n");
	report_free(r);
}

Test(sink_ops, verdict_no_data_never_ok)
{
	/* An empty capture. */
	struct report *r = report_new("flows");
	report_set_counter(r, "frames", 0);
	check(r, "no_data", 0, "Verdict: NO DATA: nothing for netdx flows to analyse in the input\n");
	report_free(r);
	/* analyze on frames without TCP, even with a note about the capture. */
	r = report_new("analyze");
	report_set_counter(r, "frames", 12);
	report_set_coverage(r, 0, NULL);
	report_add_finding(r, mk("capture.truncated", SEV_INFO));
	check(r, "no_data", 1, "Verdict: NO DATA: nothing for netdx analyze to analyse in the input\n");
	report_free(r);
}

Test(sink_ops, verdict_says_what_it_covers)
{
	struct report *r = report_new("flows");
	report_set_coverage(r, 5, "capture checks only");
	check(r, "ok", 0, "Verdict: OK: no findings\nCovers: capture checks only\n");
	char *js = render_in(NULL, r, "json", (struct sink_opts){ 0 });
	cr_assert_not_null(strstr(js, "\"covers\":\"capture checks only\""), "%s", js);
	free(js);
	report_free(r);
}

/* ---- text width: COLUMNS, then the terminal; files and pipes: none ---- */

Test(sink_ops, text_width_rule)
{
	struct sink_opts o = { 0 };

	cr_assert_eq(sink_text_width(&o), 0, "a file: whole lines");
	o.tty_columns = 132;
	cr_assert_eq(sink_text_width(&o), 0, "not a terminal: ioctl ignored");
	o.is_tty = true;
	cr_assert_eq(sink_text_width(&o), 132);
	o.columns_env = "80";
	cr_assert_eq(sink_text_width(&o), 80, "COLUMNS wins");
	o.is_tty = false;
	cr_assert_eq(sink_text_width(&o), 80, "COLUMNS also for a pipe");
	o.columns_env = "80x";
	cr_assert_eq(sink_text_width(&o), 0, "junk is ignored");
	o.columns_env = "5";
	cr_assert_eq(sink_text_width(&o), 0, "too narrow to obey");
}

static const struct report_col WCOLS[] = {
	{ "key", COL_STR }, { "extra", COL_STR }, { "value", COL_U64 },
};
static const unsigned char WDROP[] = { 0, 1, 0 };

Test(sink_ops, narrow_text_drops_the_droppable_column)
{
	struct report *r = report_new("flows");
	struct rtable *t = report_add_table(r, "t", WCOLS, 3);

	report_set_counter(r, "frames", 1);
	rtable_set_drop(t, WDROP);
	rtable_add_row(t);
	rtable_set_str(t, 0, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
	rtable_set_str(t, 1, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	rtable_set_u64(t, 2, 7);
	report_finalize(r);
	char *wide = render_in(NULL, r, "text", (struct sink_opts){ 0 });
	cr_assert_not_null(strstr(wide, "eeeee"));
	char *narrow = render_in(NULL, r, "text",
				 (struct sink_opts){ .columns_env = "60" });
	cr_assert_null(strstr(narrow, "eeeee"), "%s", narrow);
	cr_assert_not_null(strstr(narrow, "not shown: extra;"), "%s", narrow);
	cr_assert_not_null(strstr(narrow, "kkkkk      7\n"), "%s", narrow);
	free(wide);
	free(narrow);
	report_free(r);
}
