// SPDX-License-Identifier: MIT
/* Sinks: hostile strings in JSON, table alignment, colour rules, ranking, filtering, lazy tables. */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/sink.h"
#include "output/report_rules.h"
#include "rules/engine.h"

static const struct report_col COLS[] = {
	{ "name", COL_STR }, { "pkts", COL_U64 }, { "rtt", COL_DURATION },
	{ "peer", COL_ADDR }, { "first", COL_TIME }, { "ratio", COL_F64 },
};

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	cr_assert_not_null(o->f);
}

static char *render(struct report *r, const char *fmt, struct sink_opts opts)
{
	struct out o;
	out_open(&o);
	opts.out = o.f;
	struct nd_err err = { 0 };
	struct sink *s = sink_new(fmt, &opts, &err);
	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_eq(sink_render(s, r), 0);
	sink_free(s);
	fclose(o.f);
	return o.buf;
}

static struct finding *mk(const char *id, enum nd_severity sev, double impact,
			  const char *line)
{
	struct finding *f = finding_new(id);
	f->severity = sev;
	f->impact = impact;
	finding_set_i64(f, "count", 3);
	cr_assert_eq(finding_explain(f, NULL), 0);
	if (line)
		cr_assert_eq(finding_add_line(f, "%s", line), 0);
	return f;
}

#define HOSTILE "q\"b\\s\n\t\x01\x1f</script>\x7f"
#define BAD_UTF8 "ok\xff\xc0\xaf\xed\xa0\x80" "end\xe2\x82"
#define BAD_UTF8_FIXED "ok\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "end\xef\xbf\xbd\xef\xbf\xbd"
#define GOOD_UTF8 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"

Test(sink, utf8_sanitize)
{
	char *s = sink_utf8_sanitize(BAD_UTF8);
	cr_assert_str_eq(s, BAD_UTF8_FIXED);
	free(s);
	s = sink_utf8_sanitize(GOOD_UTF8);
	cr_assert_str_eq(s, GOOD_UTF8);
	free(s);
	/* Overlong NUL and code points above U+10FFFF. */
	s = sink_utf8_sanitize("\xc0\x80|\xf4\x90\x80\x80");
	cr_assert_str_eq(s, "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
}

Test(sink, json_hostile_strings_round_trip)
{
	struct report *r = report_new("analyze");
	report_add_input(r, HOSTILE);
	report_add_input(r, BAD_UTF8);
	report_add_input(r, GOOD_UTF8);
	report_add_source(r, "ktrace", false, "needs CAP_BPF " HOSTILE);
	report_add_finding(r, mk("capture.truncated", SEV_LOW, 0.5, HOSTILE));
	struct rtable *t = report_add_table(r, "flows", COLS, 6);
	rtable_add_row(t);
	rtable_set_str(t, 0, BAD_UTF8);
	rtable_set_u64(t, 1, UINT64_MAX);
	char *js = render(r, "json", (struct sink_opts){ 0 });
	cr_assert_null(strstr(js, "</script>"), "literal </script> in JSON");
	cr_assert_not_null(strstr(js, "<\\/script>"));
	struct json_object *root = json_tokener_parse(js);
	cr_assert_not_null(root, "unparseable: %s", js);
	struct json_object *v, *in;
	cr_assert(json_object_object_get_ex(root, "schema_version", &v));
	cr_assert_eq(json_object_get_int(v), REPORT_SCHEMA_VERSION);
	cr_assert(json_object_object_get_ex(root, "inputs", &in));
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(in, 0)), HOSTILE);
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(in, 1)), BAD_UTF8_FIXED);
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(in, 2)), GOOD_UTF8);
	struct json_object *fs, *f0, *ev, *tabs, *rows, *row, *cell;
	cr_assert(json_object_object_get_ex(root, "findings", &fs));
	f0 = json_object_array_get_idx(fs, 0);
	cr_assert(json_object_object_get_ex(f0, "evidence", &ev));
	cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(ev, 0)), HOSTILE);
	cr_assert(json_object_object_get_ex(f0, "id", &v));
	cr_assert_str_eq(json_object_get_string(v), "capture.truncated");
	cr_assert(json_object_object_get_ex(f0, "severity", &v));
	cr_assert_str_eq(json_object_get_string(v), "low");
	cr_assert(json_object_object_get_ex(root, "tables", &tabs));
	cr_assert(json_object_object_get_ex(json_object_array_get_idx(tabs, 0), "rows", &rows));
	row = json_object_array_get_idx(rows, 0);
	cr_assert(json_object_object_get_ex(row, "name", &cell));
	cr_assert_str_eq(json_object_get_string(cell), BAD_UTF8_FIXED);
	cr_assert(json_object_object_get_ex(row, "pkts", &cell));
	cr_assert_eq(json_object_get_uint64(cell), UINT64_MAX);
	cr_assert(json_object_object_get_ex(row, "rtt", &cell));
	cr_assert(json_object_is_type(cell, json_type_null));
	json_object_put(root);
	free(js);

	/* Text output never passes control bytes through to a terminal. */
	char *txt = render(r, "text", (struct sink_opts){ 0 });
	for (const char *p = txt; *p; p++)
		cr_assert(*p == '\n' || (unsigned char)*p >= 0x20,
			  "control byte 0x%02x in text output", *p);
	free(txt);
	report_free(r);
}

/* Lines of the table block, starting at its header line. */
static void table_lines(const char *txt, char lines[4][256])
{
	const char *p = strstr(txt, "\nflows (3 rows)\n");
	cr_assert_not_null(p, "%s", txt);
	p = strchr(p + 1, '\n') + 1;
	for (int i = 0; i < 4; i++) {
		const char *e = strchr(p, '\n');
		size_t l = (size_t)(e - p);
		cr_assert_lt(l, 256);
		memcpy(lines[i], p, l);
		lines[i][l] = 0;
		p = e + 1;
	}
}

Test(sink, text_table_alignment)
{
	struct report *r = report_new("flows");
	struct rtable *t = report_add_table(r, "flows", COLS, 6);
	uint8_t a4[4] = { 192, 168, 1, 10 };
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	rtable_add_row(t);
	rtable_set_str(t, 0, "a");
	rtable_set_u64(t, 1, 7);
	rtable_set_duration(t, 2, 1500000);
	rtable_set_addr(t, 3, 4, a4, 443);
	rtable_set_time(t, 4, 1024380731002335000LL);
	rtable_set_f64(t, 5, 0.5);
	rtable_add_row(t);
	rtable_set_str(t, 0, "longer name");
	rtable_set_u64(t, 1, 123456);
	rtable_set_addr(t, 3, 6, a6, 80);
	rtable_add_row(t);
	rtable_set_str(t, 0, "caf\xc3\xa9");
	rtable_set_u64(t, 1, 42);
	char *txt = render(r, "text", (struct sink_opts){ 0 });
	char l[4][256];
	table_lines(txt, l);
	/* Header and every row: columns start at the same display column. */
	cr_assert_str_eq(l[0], "name           pkts      rtt  peer              first                        ratio");
	cr_assert_str_eq(l[1], "a                 7  1.50 ms  192.168.1.10:443  2002-06-18T06:12:11.002335Z  0.500");
	cr_assert_str_eq(l[2], "longer name  123456        -  [2001:db8::1]:80  -                                -");
	cr_assert_str_eq(l[3], "caf\xc3\xa9             42        -  -                 -                                -");
	free(txt);

	char *js = render(r, "json", (struct sink_opts){ 0 });
	struct json_object *root = json_tokener_parse(js), *tabs, *rows, *cell;
	cr_assert_not_null(root);
	json_object_object_get_ex(root, "tables", &tabs);
	json_object_object_get_ex(json_object_array_get_idx(tabs, 0), "rows", &rows);
	cr_assert_eq(json_object_array_length(rows), 3);
	json_object_object_get_ex(json_object_array_get_idx(rows, 0), "first", &cell);
	cr_assert_str_eq(json_object_get_string(cell), "2002-06-18T06:12:11.002335000Z");
	json_object_object_get_ex(json_object_array_get_idx(rows, 0), "rtt", &cell);
	cr_assert_float_eq(json_object_get_double(cell), 0.0015, 1e-12);
	json_object_object_get_ex(json_object_array_get_idx(rows, 1), "peer", &cell);
	cr_assert_str_eq(json_object_get_string(cell), "[2001:db8::1]:80");
	json_object_put(root);
	free(js);
	report_free(r);
}

/* The row line of a one-row table with columns [x, end]. */
static char *one_row(const struct report_col *cols, int kind, int64_t v,
		     const char *str)
{
	struct report *r = report_new("x");
	struct rtable *t = report_add_table(r, "w", cols, 2);
	rtable_add_row(t);
	if (kind == 0)
		rtable_set_u64(t, 0, (uint64_t)v);
	else if (kind == 1)
		rtable_set_i64(t, 0, v);
	else if (kind == 2)
		rtable_set_duration(t, 0, v);
	else
		rtable_set_str(t, 0, str);
	rtable_set_u64(t, 1, 7);
	char *txt = render(r, "text", (struct sink_opts){ 0 });
	report_free(r);
	const char *p = strstr(txt, "w (1 row)\n");
	cr_assert_not_null(p, "%s", txt);
	p = strchr(strchr(p, '\n') + 1, '\n') + 1; /* skip the header line */
	char *line = strndup(p, strcspn(p, "\n"));
	free(txt);
	return line;
}

/*
 * The width pass measures cells without formatting them. With one row and
 * a one-letter header, the column is exactly as wide as the cell: a right-
 * aligned cell has no leading space, a string exactly two after it.
 */
Test(sink, text_width_pass_matches_formatting)
{
	static const struct report_col cu[] = { { "x", COL_U64 }, { "e", COL_U64 } };
	static const struct report_col ci[] = { { "x", COL_I64 }, { "e", COL_U64 } };
	static const struct report_col cd[] = { { "x", COL_DURATION }, { "e", COL_U64 } };
	static const struct report_col cs[] = { { "x", COL_STR }, { "e", COL_U64 } };
	static const int64_t vals[] = {
		0, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 123456789,
		-1, -9, -10, -99999, INT64_MIN, INT64_MAX, 499, 500, 501,
		999999499, 999999500, 999999501, 9999999999, -1500000,
		3999999999999999LL, 4000000000000000LL, 123456789500LL,
		99999999500LL, 999999999999LL,
	};
	for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		const struct report_col *c[3] = { cu, ci, cd };
		for (int kind = 0; kind < 3; kind++) {
			if (kind == 0 && vals[k] < 0)
				continue;
			char *l = one_row(c[kind], kind, vals[k], NULL);
			cr_assert(l[0] != ' ', "kind %d value %lld: '%s'", kind,
				  (long long)vals[k], l);
			free(l);
		}
	}
	char big[700];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	big[3] = '\x01';
	char clean[700];
	memset(clean, 'y', sizeof(clean) - 1);
	clean[sizeof(clean) - 1] = 0;
	/* Printable ASCII takes the copy-by-length path, the others the scan. */
	const char *ss[] = { "caf\xc3\xa9", "\xe2\x82\xac\xe2\x82\xac", "a\tb",
			     "10.0.0.1:80", big, clean, "" };
	for (size_t k = 0; k < sizeof(ss) / sizeof(ss[0]); k++) {
		char *l = one_row(cs, 3, 0, ss[k]);
		size_t n = strlen(l);
		/* cell, exactly two spaces, "7" */
		if (!ss[k][0]) /* width 1 from the header: one space */
			cr_assert_str_eq(l, "   7");
		else
			cr_assert(n >= 4 && strcmp(l + n - 3, "  7") == 0 &&
					  l[n - 4] != ' ',
				  "string %zu: '%s'", k, l);
		free(l);
	}
}

Test(sink, colour_rules)
{
	struct sink_opts o = { 0 };
	o.is_tty = true;
	cr_assert(sink_use_color(&o));
	o.no_color_env = "1";
	cr_assert(!sink_use_color(&o));
	o.no_color_env = ""; /* empty NO_COLOR does not count */
	cr_assert(sink_use_color(&o));
	o.term_env = "dumb"; /* cannot show colour */
	cr_assert(!sink_use_color(&o));
	o.term_env = "xterm-256color";
	cr_assert(sink_use_color(&o));
	o.term_env = NULL;
	o.is_tty = false;
	o.no_color_env = NULL;
	cr_assert(!sink_use_color(&o));
	o.color = SINK_COLOR_ALWAYS;
	cr_assert(sink_use_color(&o));
	o.color = SINK_COLOR_NEVER;
	o.is_tty = true;
	cr_assert(!sink_use_color(&o));

	struct report *r = report_new("analyze");
	report_add_finding(r, mk("tcp.zero_window", SEV_WARN, 1, NULL));
	char *plain = render(r, "text", (struct sink_opts){ .is_tty = false });
	cr_assert_null(strchr(plain, '\033'));
	char *nocolor = render(r, "text", (struct sink_opts){ .is_tty = true, .no_color_env = "yes" });
	cr_assert_null(strchr(nocolor, '\033'));
	char *tty = render(r, "text", (struct sink_opts){ .is_tty = true });
	cr_assert_not_null(strstr(tty, "\033[33mWARN\033[0m"));
	/* JSON never carries colour. */
	char *js = render(r, "json", (struct sink_opts){ .is_tty = true, .color = SINK_COLOR_ALWAYS });
	cr_assert_null(strchr(js, '\033'));
	free(plain);
	free(nocolor);
	free(tty);
	free(js);
	report_free(r);
}

Test(sink, ranking_summary_and_worst_severity)
{
	struct report *r = report_new("analyze");
	cr_assert_eq(report_worst_severity(r), -1);
	report_add_finding(r, mk("tcp.reordering", SEV_LOW, 0.9, "L"));
	report_add_finding(r, mk("tcp.retransmissions", SEV_WARN, 0.1, "W-low-impact"));
	report_add_finding(r, mk("capture.kernel_drops", SEV_CRIT, 0.01, "C"));
	report_add_finding(r, mk("tcp.zero_window", SEV_WARN, 0.7, "W-high-impact"));
	report_add_finding(r, mk("capture.truncated", SEV_INFO, 1, "I"));
	cr_assert_eq(report_worst_severity(r), SEV_CRIT);
	/* Ranking is the runner's finalise step; sinks only read. */
	report_finalize(r);
	char *txt = render(r, "text", (struct sink_opts){ 0 });
	const char *order[] = { "capture.kernel_drops", "tcp.zero_window",
				"tcp.retransmissions", "tcp.reordering",
				"capture.truncated" };
	const char *prev = txt;
	for (int i = 0; i < 5; i++) {
		const char *p = strstr(txt, order[i]);
		cr_assert_not_null(p);
		cr_assert_geq(p, prev, "%s out of order:\n%s", order[i], txt);
		prev = p;
	}
	cr_assert_not_null(strstr(txt, "Verdict: CRITICAL"));
	cr_assert_not_null(strstr(txt, "Findings: 1 crit, 2 warn, 1 low, 1 info"));
	/* Summary block comes before the detail section. */
	cr_assert_lt(strstr(txt, "Findings:"), strstr(txt, "[CRIT]"));
	free(txt);

	char *js = render(r, "json", (struct sink_opts){ 0 });
	struct json_object *root = json_tokener_parse(js), *fs, *sum, *v;
	cr_assert_not_null(root);
	json_object_object_get_ex(root, "findings", &fs);
	for (int i = 0; i < 5; i++) {
		json_object_object_get_ex(json_object_array_get_idx(fs, (size_t)i), "id", &v);
		cr_assert_str_eq(json_object_get_string(v), order[i]);
	}
	json_object_object_get_ex(root, "summary", &sum);
	json_object_object_get_ex(sum, "verdict", &v);
	cr_assert_str_eq(json_object_get_string(v), "critical");
	json_object_object_get_ex(sum, "worst_severity", &v);
	cr_assert_str_eq(json_object_get_string(v), "crit");
	json_object_put(root);
	free(js);
	report_free(r);
}

/* Through the engine: --min-severity and --ignore decide what the sinks see. */
static int fake_rule_low(struct rule_ctx *ctx, const struct ev_store *ev,
			 const struct thresholds *th)
{
	return rule_emit(ctx, mk("tcp.reordering", SEV_LOW, 1, NULL));
}

static int fake_rule_warn(struct rule_ctx *ctx, const struct ev_store *ev,
			  const struct thresholds *th)
{
	return rule_emit(ctx, mk("tcp.zero_window", SEV_WARN, 1, NULL));
}

static const struct rule FAKE[] = {
	{ "tcp.reordering", fake_rule_low },
	{ "tcp.zero_window", fake_rule_warn },
};

static size_t streamed;
static void on_finding(void *arg, const struct finding *f)
{
	(void)f;
	(*(size_t *)arg)++;
}

Test(sink, filtering_and_follow)
{
	struct engine eng;
	struct nd_err err = { 0 };
	engine_init(&eng, NULL);
	eng.rules = FAKE;
	eng.n_rules = 2;
	streamed = 0;
	struct ev_store *st = ev_store_new(0);

	struct report *r = report_new("analyze");
	cr_assert_eq(report_run_engine(r, &eng, st, on_finding, &streamed, &err), 0);
	cr_assert_eq(report_finding_count(r), 2);
	cr_assert_eq(streamed, 2);
	report_free(r);

	engine_filter_set_min_severity(&eng.filter, "warn", &err);
	r = report_new("analyze");
	report_run_engine(r, &eng, st, NULL, NULL, &err);
	char *txt = render(r, "text", (struct sink_opts){ 0 });
	cr_assert_null(strstr(txt, "tcp.reordering"));
	cr_assert_not_null(strstr(txt, "tcp.zero_window"));
	free(txt);
	report_free(r);

	engine_filter_init(&eng.filter);
	engine_filter_add_ignore(&eng.filter, "tcp.zero_window", &err);
	r = report_new("analyze");
	report_run_engine(r, &eng, st, NULL, NULL, &err);
	cr_assert_eq(report_finding_count(r), 1);
	cr_assert_eq(report_worst_severity(r), SEV_LOW);
	report_free(r);

	/* JSON --follow: one parseable line per finding. */
	struct out o;
	out_open(&o);
	struct sink_opts so = { .out = o.f, .follow = true };
	struct sink *s = sink_new("json", &so, &err);
	struct finding *f = mk("tcp.resets", SEV_LOW, 0, "x");
	cr_assert_eq(sink_finding(s, f), 0);
	cr_assert_eq(sink_finding(s, f), 0);
	finding_free(f);
	sink_free(s);
	fclose(o.f);
	int lines = 0;
	for (char *line = o.buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = 0;
		struct json_object *j = json_tokener_parse(line), *v;
		cr_assert_not_null(j);
		json_object_object_get_ex(j, "type", &v);
		cr_assert_str_eq(json_object_get_string(v), "finding");
		json_object_put(j);
		lines++;
	}
	cr_assert_eq(lines, 2);
	free(o.buf);
	ev_store_free(st);
	cr_assert_null(sink_new("yaml", &so, &err));
	cr_assert_eq(err.kind, ND_ERR_USAGE);
}

Test(sink, big_table_json_is_valid)
{
	struct report *r = report_new("flows");
	struct rtable *t = report_add_table(r, "flows", COLS, 6);
	for (int i = 0; i < 100000; i++) {
		cr_assert_eq(rtable_add_row(t), 0);
		rtable_set_str(t, 0, "conn");
		rtable_set_u64(t, 1, (uint64_t)i);
	}
	char *js = render(r, "json", (struct sink_opts){ 0 });
	struct json_object *root = json_tokener_parse(js), *tabs, *rows;
	cr_assert_not_null(root);
	json_object_object_get_ex(root, "tables", &tabs);
	json_object_object_get_ex(json_object_array_get_idx(tabs, 0), "rows", &rows);
	cr_assert_eq(json_object_array_length(rows), 100000);
	json_object_put(root);
	free(js);
	report_free(r);
}

/* Lazy tables: the same rows as a materialised table, filled on demand. */
struct gen {
	size_t fills;
	size_t fail_row; /* SIZE_MAX: never */
};

/* Row i of a test table: hostile and non-ASCII strings, IPv4/IPv6, gaps. */
static int gen_row(void *ctx, size_t i, struct rtable *t)
{
	static const char *const NAMES[] = { HOSTILE, BAD_UTF8, GOOD_UTF8, "a" };
	struct gen *g = ctx;
	uint8_t a4[4] = { 192, 168, 1, (uint8_t)i };
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)i };

	if (g) {
		g->fills++;
		if (i == g->fail_row)
			return -ENOMEM;
	}
	if (rtable_set_str(t, 0, NAMES[i % 4]) < 0)
		return -ENOMEM;
	rtable_set_u64(t, 1, i * 1000003);
	if (i % 3)
		rtable_set_duration(t, 2, (int64_t)i * 1500001);
	if (rtable_set_addr(t, 3, i % 2 ? 6 : 4, i % 2 ? a6 : a4,
			    i % 5 ? (int)i : -1) < 0)
		return -ENOMEM;
	if (i % 4 == 1)
		rtable_set_time(t, 4, 1024380731002335000LL + (int64_t)i);
	rtable_set_f64(t, 5, (double)i / 7);
	return 0;
}

static struct report *gen_report(size_t n, bool lazy, struct gen *g)
{
	struct report *r = report_new("flows");
	struct rtable *t;

	if (lazy) {
		t = report_add_lazy_table(r, "flows", COLS, 6, n, gen_row, g);
		cr_assert_not_null(t);
		return r;
	}
	t = report_add_table(r, "flows", COLS, 6);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(rtable_add_row(t), 0);
		cr_assert_eq(gen_row(NULL, i, t), 0);
	}
	return r;
}

Test(sink, lazy_table_renders_like_materialised)
{
	static const char *const FMT[] = { "text", "json" };
	struct sink_opts follow = { .follow = true };

	for (int f = 0; f < 2; f++) {
		struct gen g = { .fail_row = SIZE_MAX };
		struct report *rm = gen_report(40, false, NULL);
		struct report *rl = gen_report(40, true, &g);
		char *m = render(rm, FMT[f], (struct sink_opts){ 0 });
		char *l = render(rl, FMT[f], (struct sink_opts){ 0 });

		cr_assert_str_eq(l, m, "%s differs", FMT[f]);
		/* Text reads each row twice (widths, then lines), JSON once. */
		cr_assert_eq(g.fills, f ? 40 : 80, "%s: %zu fills", FMT[f],
			     g.fills);
		if (f) {
			/* Escaping and UTF-8 repair still apply. */
			cr_assert_null(strstr(l, "</script>"));
			cr_assert_not_null(strstr(l, "<\\/script>"));
			cr_assert_not_null(strstr(l, BAD_UTF8_FIXED));
			struct json_object *root = json_tokener_parse(l);
			cr_assert_not_null(root);
			json_object_put(root);
			free(l);
			free(m);
			/* One-line JSON (follow) too. */
			m = render(rm, "json", follow);
			l = render(rl, "json", follow);
			cr_assert_str_eq(l, m);
		} else {
			/* Control bytes of a string print escaped (textesc). */
			cr_assert_not_null(strstr(
				l, "q\"b\\s\\x0a\\x09\\x01\\x1f</script>\\x7f"));
		}
		free(l);
		free(m);
		report_free(rl);
		report_free(rm);
	}
}

Test(sink, lazy_table_without_rows)
{
	struct gen g = { .fail_row = SIZE_MAX };
	struct report *r = gen_report(0, true, &g);
	char *txt = render(r, "text", (struct sink_opts){ 0 });
	char *js = render(r, "json", (struct sink_opts){ 0 });
	struct json_object *root = json_tokener_parse(js), *tabs, *rows;

	cr_assert_not_null(strstr(txt, "\nflows (0 rows)\nname"), "%s", txt);
	cr_assert_not_null(root, "%s", js);
	cr_assert(json_object_object_get_ex(root, "tables", &tabs));
	cr_assert(json_object_object_get_ex(json_object_array_get_idx(tabs, 0),
					    "rows", &rows));
	cr_assert_eq(json_object_array_length(rows), 0);
	cr_assert_eq(g.fills, 0);
	json_object_put(root);
	free(js);
	free(txt);
	report_free(r);
}

Test(sink, lazy_table_fill_error_fails_the_render)
{
	static const char *const FMT[] = { "text", "json" };

	for (int f = 0; f < 2; f++) {
		struct gen g = { .fail_row = 3 };
		struct report *r = gen_report(10, true, &g);
		struct sink_opts so = { 0 };
		struct nd_err err = { 0 };
		struct out o;

		out_open(&o);
		so.out = o.f;
		struct sink *s = sink_new(FMT[f], &so, &err);
		cr_assert_not_null(s);
		cr_assert_eq(sink_render(s, r), -ENOMEM, "%s", FMT[f]);
		sink_free(s);
		fclose(o.f);
		/* Text writes nothing of a table it could not fill. */
		if (!f)
			cr_assert_null(strstr(o.buf, "flows ("));
		free(o.buf);
		report_free(r);
	}
}

Test(sink, input_errors_make_the_report_incomplete)
{
	struct report *r = report_new("flows");
	report_add_source(r, "capture", true, NULL);
	report_add_finding(r, mk("capture.truncated", SEV_WARN, 0.5, NULL));
	char *js = render(r, "json", (struct sink_opts){ 0 });
	struct json_object *root = json_tokener_parse(js), *v, *sum, *errs;
	cr_assert_not_null(root, "unparseable: %s", js);
	cr_assert(json_object_object_get_ex(root, "errors", &errs));
	cr_expect_eq(json_object_array_length(errs), 0);
	json_object_put(root);
	free(js);

	cr_assert_eq(report_set_source_partial(r, "capture", "input error"), 0);
	cr_expect_eq(report_set_source_partial(r, "nosuch", "x"), -ENOENT);
	cr_assert_eq(report_add_error(r, "capture", "b.pcap", true, 44,
				      "b.pcap: offset 44: record truncated"), 0);
	cr_assert_eq(report_add_error(r, "capture", NULL, false, 0,
				      "link type 65000 is not supported"), 0);
	char *txt = render(r, "text", (struct sink_opts){ 0 });
	cr_expect(strstr(txt, "Verdict: INCOMPLETE: 2 input errors: b.pcap: offset 44: record truncated; link type 65000 is not supported\n"),
		  "%s", txt);
	cr_expect(strstr(txt, "Source capture partial: input error\n"), "%s", txt);
	free(txt);
	js = render(r, "json", (struct sink_opts){ 0 });
	root = json_tokener_parse(js);
	cr_assert_not_null(root, "unparseable: %s", js);
	cr_assert(json_object_object_get_ex(root, "summary", &sum));
	cr_assert(json_object_object_get_ex(sum, "verdict", &v));
	cr_expect_str_eq(json_object_get_string(v), "incomplete");
	cr_assert(json_object_object_get_ex(root, "errors", &errs));
	cr_assert_eq(json_object_array_length(errs), 2);
	struct json_object *e0 = json_object_array_get_idx(errs, 0);
	cr_assert(json_object_object_get_ex(e0, "source", &v));
	cr_expect_str_eq(json_object_get_string(v), "capture");
	cr_assert(json_object_object_get_ex(e0, "file", &v));
	cr_expect_str_eq(json_object_get_string(v), "b.pcap");
	cr_assert(json_object_object_get_ex(e0, "offset", &v));
	cr_expect_eq(json_object_get_uint64(v), 44);
	cr_assert(json_object_object_get_ex(e0, "message", &v));
	cr_expect_str_eq(json_object_get_string(v), "b.pcap: offset 44: record truncated");
	struct json_object *e1 = json_object_array_get_idx(errs, 1);
	cr_assert(json_object_object_get_ex(e1, "file", &v));
	cr_expect(json_object_is_type(v, json_type_null));
	cr_assert(json_object_object_get_ex(e1, "offset", &v));
	cr_expect(json_object_is_type(v, json_type_null));
	cr_assert(json_object_object_get_ex(root, "sources", &v));
	cr_assert(json_object_object_get_ex(json_object_array_get_idx(v, 0),
					    "status", &v));
	cr_expect_str_eq(json_object_get_string(v), "partial");
	json_object_put(root);
	free(js);
	report_free(r);
}
