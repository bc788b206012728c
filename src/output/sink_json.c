// SPDX-License-Identifier: MIT
/* JSON sink (json-c): stable field names (docs/json.md), rows streamed one by one. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "output/sink.h"

#ifndef NETDX_VERSION
#define NETDX_VERSION "0.0.0"
#endif

/* Plain output keeps '/' escaped, so "</script>" never appears literally. */
#define JFLAGS JSON_C_TO_STRING_PLAIN

/* Every string goes through UTF-8 repair before json-c sees it. */
static struct json_object *jstr(const char *s)
{
	if (!s)
		return NULL;
	char *clean = sink_utf8_sanitize(s);
	if (!clean)
		return NULL;
	struct json_object *o = json_object_new_string(clean);
	free(clean);
	return o;
}

/* prec < 0: fixed with -prec decimals; else %.<prec>g. Non-finite -> null. */
static struct json_object *jdouble(double d, int prec)
{
	char buf[64];
	if (!isfinite(d))
		return NULL;
	if (prec < 0)
		snprintf(buf, sizeof(buf), "%.*f", -prec, d);
	else
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
	return json_object_new_double_s(d, buf);
}

static struct json_object *jnum(const struct ev_num *n)
{
	return n->type == EV_NUM_I64 ? json_object_new_int64(n->v.i)
				     : jdouble(n->v.d, 10);
}

static struct json_object *jtime(int64_t ns)
{
	char buf[64];
	sink_fmt_time(ns, 9, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static struct json_object *jaddr(int family, const uint8_t *a, int port)
{
	char ab[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, ab, sizeof(ab)))
		snprintf(ab, sizeof(ab), "?");
	if (port < 0)
		snprintf(buf, sizeof(buf), "%s", ab);
	else if (family == 6)
		snprintf(buf, sizeof(buf), "[%s]:%d", ab, port);
	else
		snprintf(buf, sizeof(buf), "%s:%d", ab, port);
	return json_object_new_string(buf);
}

static struct json_object *jscope(const struct ev_scope *s)
{
	struct json_object *o = json_object_new_object();
	char text[256];
	if (!o)
		return NULL;
	if (s->parts & EV_SCOPE_FLOW) {
		struct json_object *fl = json_object_new_object();
		struct json_object *eps = json_object_new_array();
		json_object_object_add(fl, "proto", json_object_new_int(s->flow.proto));
		json_object_object_add(fl, "family", json_object_new_int(s->flow.family));
		for (int i = 0; i < 2; i++)
			json_object_array_add(eps, jaddr(s->flow.family,
							 s->flow.addr[i],
							 s->flow.port[i]));
		json_object_object_add(fl, "endpoints", eps);
		json_object_object_add(fl, "conv_id",
				       json_object_new_uint64(s->conv_id));
		json_object_object_add(o, "flow", fl);
	}
	if (s->parts & EV_SCOPE_SOCKET) {
		struct json_object *so = json_object_new_object();
		json_object_object_add(so, "cookie", json_object_new_uint64(s->sock_cookie));
		json_object_object_add(so, "inode", json_object_new_uint64(s->sock_inode));
		json_object_object_add(so, "pid", json_object_new_int(s->pid));
		json_object_object_add(o, "socket", so);
	}
	if (s->parts & EV_SCOPE_DEVICE) {
		char ifn[EV_IFNAMSIZ + 1];
		memcpy(ifn, s->ifname, EV_IFNAMSIZ);
		ifn[EV_IFNAMSIZ] = 0;
		json_object_object_add(o, "device", jstr(ifn));
	}
	if (s->parts & EV_SCOPE_NETNS)
		json_object_object_add(o, "netns", json_object_new_uint64(s->netns));
	if (s->parts & EV_SCOPE_HOST)
		json_object_object_add(o, "host",
				       jaddr(s->host_family, s->host_addr, -1));
	if (s->parts & EV_SCOPE_PORT) {
		struct json_object *po = json_object_new_object();
		json_object_object_add(po, "proto", json_object_new_int(s->port_proto));
		json_object_object_add(po, "port", json_object_new_int(s->port));
		json_object_object_add(o, "port", po);
	}
	ev_scope_format(s, text, sizeof(text));
	json_object_object_add(o, "text", jstr(text));
	return o;
}

static struct json_object *jfinding(const struct finding *f)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "id", jstr(f->id));
	json_object_object_add(o, "severity", jstr(severity_name(f->severity)));
	json_object_object_add(o, "title", jstr(f->entry->title));
	json_object_object_add(o, "explanation", jstr(f->explanation));
	struct json_object *lines = json_object_new_array();
	for (size_t i = 0; i < f->n_lines; i++)
		json_object_array_add(lines, jstr(f->lines[i]));
	json_object_object_add(o, "evidence", lines);
	struct json_object *nums = json_object_new_object();
	for (unsigned i = 0; i < f->n_nums; i++)
		json_object_object_add(nums, f->nums[i].name, jnum(&f->nums[i]));
	json_object_object_add(o, "numbers", nums);
	struct json_object *fr = json_object_new_object();
	struct json_object *first = json_object_new_array();
	for (unsigned i = 0; i < f->n_frames; i++)
		json_object_array_add(first, json_object_new_uint64(f->frames[i]));
	json_object_object_add(fr, "first", first);
	json_object_object_add(fr, "count", json_object_new_uint64(f->frame_count));
	json_object_object_add(o, "frames", fr);
	json_object_object_add(o, "remedy", jstr(f->entry->remedy));
	json_object_object_add(o, "remedy_note", jstr(f->remedy_note));
	struct json_object *refs = json_object_new_array();
	for (int i = 0; i < CATALOG_MAX_REFS && f->entry->refs[i]; i++)
		json_object_array_add(refs, jstr(f->entry->refs[i]));
	json_object_object_add(o, "references", refs);
	json_object_object_add(o, "scope", jscope(&f->scope));
	json_object_object_add(o, "impact", jdouble(f->impact, 6));
	return o;
}

/* Serialises v (consumed) after "key": in the hand-written top level. */
static int put_kv(FILE *out, bool first, const char *key,
		  struct json_object *v)
{
	fprintf(out, "%s\"%s\":%s", first ? "" : ",", key,
		v ? json_object_to_json_string_ext(v, JFLAGS) : "null");
	json_object_put(v);
	return 0;
}

static struct json_object *jcell(const struct report_col *col,
				 const struct rcell *c)
{
	if (!c || !c->set)
		return NULL;
	switch (col->type) {
	case COL_U64: return json_object_new_uint64(c->v.u);
	case COL_I64: return json_object_new_int64(c->v.i);
	case COL_F64: return jdouble(c->v.d, 10);
	case COL_TIME: return jtime(c->v.i);
	case COL_DURATION:
	case COL_OFFSET: return jdouble((double)c->v.i / 1e9, -9);
	default: return jstr(c->v.s);
	}
}

/*
 * nl separates rows and findings: "\n" keeps big documents diffable; ""
 * keeps the whole report on one line (JSON Lines with --follow).
 */
static int put_table(FILE *out, const struct rtable *t, const char *nl)
{
	size_t nc = rtable_ncols(t), nr = rtable_nrows(t);
	fputs("{", out);
	put_kv(out, true, "name", jstr(rtable_name(t)));
	struct json_object *cols = json_object_new_array();
	static const char *const TYPES[] = { "string", "u64", "i64", "double",
					     "timestamp", "duration",
					     "address", "duration" };
	for (size_t c = 0; c < nc; c++) {
		const struct report_col *col = rtable_col(t, c);
		struct json_object *co = json_object_new_object();
		json_object_object_add(co, "name", jstr(col->name));
		json_object_object_add(co, "type",
				       json_object_new_string(
					       (unsigned)col->type <
							       sizeof(TYPES) /
								       sizeof(TYPES[0])
						       ? TYPES[col->type]
						       : "string"));
		json_object_array_add(cols, co);
	}
	put_kv(out, false, "columns", cols);
	fputs(",\"rows\":[", out);
	/* One small object per row, written and freed at once: memory stays flat. */
	for (size_t r = 0; r < nr; r++) {
		struct json_object *row = json_object_new_object();
		const struct rcell *cells = rtable_row(t, r);
		for (size_t c = 0; c < nc; c++)
			json_object_object_add(row, rtable_col(t, c)->name,
					       jcell(rtable_col(t, c),
						     cells ? &cells[c] : NULL));
		fprintf(out, "%s%s%s", r ? "," : "", nl,
			json_object_to_json_string_ext(row, JFLAGS));
		json_object_put(row);
	}
	fputs("]}", out);
	return rtable_status(t); /* a lazy table's failed row */
}

/* --follow: JSON Lines, one {"type":"finding"} object per line. */
static int json_finding(struct sink *s, const struct finding *f)
{
	FILE *out = s->opts.out;
	fprintf(out, "{\"schema_version\":%d", REPORT_SCHEMA_VERSION);
	put_kv(out, false, "type", json_object_new_string("finding"));
	put_kv(out, false, "finding", jfinding(f));
	fputs("}\n", out);
	return fflush(out) ? -EIO : 0;
}

static int json_render(struct sink *s, const struct report *r)
{
	FILE *out = s->opts.out;
	const char *nl = s->opts.follow ? "" : "\n";
	int64_t t0, t1;
	size_t c[SEV_COUNT];
	report_times(r, &t0, &t1);
	report_count_by_severity(r, c);
	int worst = report_worst_severity(r);

	fprintf(out, "{\"schema_version\":%d", REPORT_SCHEMA_VERSION);
	put_kv(out, false, "type", json_object_new_string("report"));
	put_kv(out, false, "netdx_version", json_object_new_string(NETDX_VERSION));
	put_kv(out, false, "command", jstr(report_command(r)));
	struct json_object *in = json_object_new_array();
	for (size_t i = 0; i < report_input_count(r); i++)
		json_object_array_add(in, jstr(report_input_at(r, i)));
	put_kv(out, false, "inputs", in);
	put_kv(out, false, "start", t0 ? jtime(t0) : NULL);
	put_kv(out, false, "end", t1 ? jtime(t1) : NULL);
	struct json_object *srcs = json_object_new_array();
	for (size_t i = 0; i < report_source_count(r); i++) {
		const struct report_source *rs = report_source_at(r, i);
		struct json_object *so = json_object_new_object();
		json_object_object_add(so, "name", jstr(rs->name));
		json_object_object_add(so, "status",
				       json_object_new_string(
					       !rs->available ? "unavailable"
					       : rs->partial  ? "partial"
							      : "available"));
		json_object_object_add(so, "reason", jstr(rs->reason));
		json_object_array_add(srcs, so);
	}
	put_kv(out, false, "sources", srcs);

	struct json_object *sum = json_object_new_object();
	json_object_object_add(sum, "verdict", json_object_new_string(report_verdict_name(report_verdict(r))));
	json_object_object_add(sum, "worst_severity",
			       worst >= 0 ? json_object_new_string(severity_name(worst))
					  : NULL);
	json_object_object_add(sum, "findings",
			       json_object_new_uint64(report_finding_count(r)));
	struct json_object *by = json_object_new_object();
	for (int i = SEV_COUNT - 1; i >= 0; i--)
		json_object_object_add(by, severity_name(i),
				       json_object_new_uint64(c[i]));
	json_object_object_add(sum, "by_severity", by);
	json_object_object_add(sum, "notes",
			       json_object_new_uint64(report_note_count(r)));
	json_object_object_add(sum, "covers", report_coverage_note(r)
						      ? jstr(report_coverage_note(r))
						      : NULL);
	put_kv(out, false, "summary", sum);

	struct json_object *errs = json_object_new_array();
	for (size_t i = 0; i < report_error_count(r); i++) {
		const struct report_error *re = report_error_at(r, i);
		struct json_object *eo = json_object_new_object();
		json_object_object_add(eo, "source", jstr(re->source));
		json_object_object_add(eo, "file", re->file ? jstr(re->file) : NULL);
		json_object_object_add(eo, "offset",
				       re->has_offset
					       ? json_object_new_uint64(re->offset)
					       : NULL);
		json_object_object_add(eo, "message", jstr(re->message));
		json_object_array_add(errs, eo);
	}
	put_kv(out, false, "errors", errs);

	fputs(",\"findings\":[", out);
	for (size_t i = 0; i < report_finding_count(r); i++) {
		struct json_object *fo = jfinding(report_finding_at(r, i));
		fprintf(out, "%s%s%s", i ? "," : "", nl,
			fo ? json_object_to_json_string_ext(fo, JFLAGS) : "null");
		json_object_put(fo);
	}
	fputs("]", out);

	fputs(",\"tables\":[", out);
	for (size_t i = 0; i < report_table_count(r); i++) {
		if (i)
			fputc(',', out);
		int rc = put_table(out, report_table_at(r, i), nl);
		if (rc)
			return rc;
	}
	fputs("]", out);

	struct json_object *cnt = json_object_new_object();
	for (size_t i = 0; i < report_counter_count(r); i++) {
		const struct report_counter *rc = report_counter_at(r, i);
		char *k = sink_utf8_sanitize(rc->name);
		if (k)
			json_object_object_add(cnt, k,
					       json_object_new_uint64(rc->value));
		free(k);
	}
	put_kv(out, false, "counters", cnt);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

const struct sink_ops SINK_JSON = {
	.name = "json",
	.finding = json_finding,
	.render = json_render,
};
