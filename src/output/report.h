/* SPDX-License-Identifier: MIT */
/* The report model commands fill and sinks render: metadata, tables, findings, counters. */
#ifndef NETDX_OUTPUT_REPORT_H
#define NETDX_OUTPUT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/finding.h"

/* Bumped when a JSON field changes meaning or disappears (docs/json.md). */
#define REPORT_SCHEMA_VERSION 1

enum col_type {
	COL_STR = 0,
	COL_U64,
	COL_I64,
	COL_F64,
	COL_TIME,     /* int64 ns since the epoch */
	COL_DURATION, /* int64 ns */
	COL_ADDR,     /* IP address with optional port, stored formatted */
	/* int64 ns since the capture's start (set with rtable_set_duration):
	 * JSON as a duration; text keeps microseconds ("5.012941 s") where a
	 * duration shows three digits ("3.0 s"). */
	COL_OFFSET,
};

struct report_col {
	const char *name; /* string literal; JSON key, text header */
	enum col_type type;
};

struct rcell {
	union {
		uint64_t u;
		int64_t i; /* also TIME and DURATION */
		double d;
		const char *s; /* STR and ADDR; owned by the table's arena */
	} v;
	/* STR and ADDR: strlen(v.s), and whether every byte is printable
	 * ASCII (then display width == len and nothing needs replacing). */
	uint32_t len;
	bool set; /* unset cells render as "-" / null */
	bool clean;
};

struct rtable;
struct report;

struct report_source {
	char *name;
	bool available;
	bool partial; /* available, but some of its input could not be read */
	char *reason; /* why unavailable or partial; else NULL */
};

/* An input error: the report covers what was read before it. */
struct report_error {
	char *source;	 /* "capture" */
	char *file;	 /* input file or interface, or NULL */
	bool has_offset;
	uint64_t offset; /* byte offset in file */
	char *message;	 /* the one-line error, as printed on stderr */
};

/*
 * Counter metadata (for sinks such as Prometheus; JSON's `counters` object
 * shows name and value only). A counter only grows during a run; a gauge is
 * a level (e.g. flows held at the end).
 */
enum report_counter_kind { REPORT_COUNTER = 0, REPORT_GAUGE };

#define REPORT_MAX_LABELS 4
struct report_label {
	const char *key, *value; /* literals or strings outliving the report */
};

struct report_counter {
	char *name;
	uint64_t value;
	enum report_counter_kind kind;
	const char *unit; /* literal: "frames", "flows", "findings", ... */
	size_t n_labels;
	struct report_label labels[REPORT_MAX_LABELS];
};

/*
 * The one verdict contract (docs/json.md "summary"). A verdict covers only
 * what the command analysed (report_set_coverage).
 */
enum report_verdict {
	VERDICT_OK = 0,	   /* nothing at warn or above (notes may exist) */
	VERDICT_DEGRADED,  /* a warn finding */
	VERDICT_CRITICAL,  /* a crit finding */
	VERDICT_INCOMPLETE, /* an input error or a source that could not run */
	VERDICT_NO_DATA,   /* nothing this command analyses was in the input */
};

struct report *report_new(const char *command);
void report_free(struct report *r);

/* Metadata. Strings are copied. */
int report_add_input(struct report *r, const char *input);
void report_set_times(struct report *r, int64_t start_ns, int64_t end_ns);
int report_add_source(struct report *r, const char *name, bool available,
		      const char *reason);
/* Marks source `name` as partial with a reason; -ENOENT if absent. */
int report_set_source_partial(struct report *r, const char *name,
			      const char *reason);
/*
 * Records an input error (file may be NULL). A report with errors is
 * incomplete: the verdict says so whatever the findings are.
 */
int report_add_error(struct report *r, const char *source, const char *file,
		     bool has_offset, uint64_t offset, const char *message);
/* Sets (or replaces) a named counter ("frames", "flows", ...). */
int report_set_counter(struct report *r, const char *name, uint64_t value);
/*
 * Sets a counter with its metadata: kind, unit (a literal) and labels
 * (copied by value; keys and values must outlive the report).
 */
int report_set_counter_meta(struct report *r, const char *name,
			    uint64_t value, enum report_counter_kind kind,
			    const char *unit, const struct report_label *labels,
			    size_t n_labels);

/*
 * What the verdict covers. analysed: how many of the things the command
 * analyses were in the input (0 = no_data). note: a literal naming what the
 * command does not check (NULL: nothing to say), shown with the verdict.
 */
void report_set_coverage(struct report *r, uint64_t analysed,
			 const char *note);
const char *report_coverage_note(const struct report *r);
/* The verdict (after report_finalize). */
enum report_verdict report_verdict(const struct report *r);
/* "ok", "degraded", "critical", "incomplete", "no_data". */
const char *report_verdict_name(enum report_verdict v);
/* Findings below warn (the notes of an ok verdict). */
size_t report_note_count(const struct report *r);

/* Takes ownership of f (freed on failure too). 0 or -ENOMEM. */
int report_add_finding(struct report *r, struct finding *f);
/*
 * The last step before rendering, called once by the command runner: ranks
 * findings (severity, crit first; impact, high first; then id). Sinks only
 * read the report.
 */
void report_finalize(struct report *r);
/* Worst severity among findings, or -1 when there are none. */
int report_worst_severity(const struct report *r);
/* Number of findings at each severity (array of SEV_COUNT). */
void report_count_by_severity(const struct report *r, size_t out[SEV_COUNT]);

/* Tables. cols (and their names) must outlive the report (use const tables). */
struct rtable *report_add_table(struct report *r, const char *name,
				const struct report_col *cols, size_t ncols);
/* Appends a row with every cell unset; setters below fill the last row. */
int rtable_add_row(struct rtable *t);
/* Setting a column of another type is a programmer error (assert). */
void rtable_set_u64(struct rtable *t, size_t col, uint64_t v);
void rtable_set_i64(struct rtable *t, size_t col, int64_t v);
void rtable_set_f64(struct rtable *t, size_t col, double v);
void rtable_set_time(struct rtable *t, size_t col, int64_t ns);
void rtable_set_duration(struct rtable *t, size_t col, int64_t ns);
int rtable_set_str(struct rtable *t, size_t col, const char *s);
/* Not copied: s must outlive the report (a literal or a const table). */
void rtable_set_const_str(struct rtable *t, size_t col, const char *s);
/* family 4 or 6; port < 0 for an address without port. */
int rtable_set_addr(struct rtable *t, size_t col, int family,
		    const uint8_t *addr, int port);

/*
 * Fills row `row` of a lazy table into `out`: a one-row table with the same
 * columns, every cell unset, set with the rtable_set_* setters above (which
 * copy strings). 0 or negative errno.
 */
typedef int (*rtable_fill_fn)(void *ctx, size_t row, struct rtable *out);

/*
 * A table of nrows rows that are never stored: a large report (one row per
 * conversation) would otherwise hold every cell and formatted string at
 * once. rtable_cell() fills a row through fill when a sink reads it and
 * keeps only that row, so a cell (and its string) stays valid until a cell
 * of another row is read; sinks read row by row. ctx must outlive every
 * read of the table (the report's rendering). Rows cannot be added.
 */
struct rtable *report_add_lazy_table(struct report *r, const char *name,
				     const struct report_col *cols,
				     size_t ncols, size_t nrows,
				     rtable_fill_fn fill, void *ctx);
/*
 * 0, or the negative errno of the first fill that failed (its row reads as
 * NULL cells). Sinks check it after a table; materialised tables: 0.
 */
int rtable_status(const struct rtable *t);

/*
 * Writes IPv6 address a as inet_ntop(AF_INET6) does (at most 45 bytes, no
 * NUL); returns the length. Exposed for tests.
 */
size_t report_fmt_ipv6(char *p, const uint8_t a[16]);

/*
 * Text output narrower than the table: drop[c] 0 = column c always shown,
 * else it may be left out, higher values first (JSON has every column).
 * drop has the table's ncols entries and must outlive the report (a const
 * table). Without it every column is shown.
 */
void rtable_set_drop(struct rtable *t, const unsigned char *drop);
unsigned rtable_col_drop(const struct rtable *t, size_t col);

const char *rtable_name(const struct rtable *t);
size_t rtable_ncols(const struct rtable *t);
const struct report_col *rtable_col(const struct rtable *t, size_t col);
size_t rtable_nrows(const struct rtable *t);
const struct rcell *rtable_cell(const struct rtable *t, size_t row,
				size_t col);
/*
 * The ncols cells of a row (valid as rtable_cell's), or NULL when row is
 * out of range or a lazy table could not fill it.
 */
const struct rcell *rtable_row(const struct rtable *t, size_t row);

/* Read access for sinks. */
const char *report_command(const struct report *r);
size_t report_input_count(const struct report *r);
const char *report_input_at(const struct report *r, size_t i);
void report_times(const struct report *r, int64_t *start_ns, int64_t *end_ns);
size_t report_source_count(const struct report *r);
const struct report_source *report_source_at(const struct report *r, size_t i);
size_t report_error_count(const struct report *r);
const struct report_error *report_error_at(const struct report *r, size_t i);
size_t report_counter_count(const struct report *r);
const struct report_counter *report_counter_at(const struct report *r,
					       size_t i);
size_t report_finding_count(const struct report *r);
const struct finding *report_finding_at(const struct report *r, size_t i);
size_t report_table_count(const struct report *r);
const struct rtable *report_table_at(const struct report *r, size_t i);

#endif
