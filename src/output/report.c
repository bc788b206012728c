// SPDX-License-Identifier: MIT
/* Report model: run metadata, typed tables (arena-backed or lazy), findings, counters. */
#include "output/report.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"

#define ARENA_BLOCK 65536

/* Strings of a table live in big blocks: one allocation per ~64 KiB, not per cell. */
struct arena_blk {
	struct arena_blk *next;
	size_t used, size;
	char data[];
};

/*
 * A lazy table's one materialised row. Reached through a pointer so that
 * rtable_cell() can refill it on a const table (sinks only read).
 */
struct rtable_lazy {
	rtable_fill_fn fill;
	void *ctx;
	size_t row; /* row held in one; SIZE_MAX: none */
	int err;    /* first fill error */
	struct rtable *one; /* one row, same columns; arena reset per row */
};

struct rtable {
	char *name;
	const struct report_col *cols;
	size_t ncols;
	size_t nrows, cap_rows;
	struct rcell *cells; /* nrows * ncols; NULL for a lazy table */
	struct arena_blk *arena;
	struct rtable_lazy *lazy; /* NULL: cells hold every row */
	const unsigned char *drop; /* rtable_set_drop; NULL: keep all */
};

struct report {
	char *command;
	char **inputs;
	size_t n_inputs;
	int64_t start_ns, end_ns;
	struct report_source *sources;
	size_t n_sources;
	struct report_error *errors;
	size_t n_errors;
	struct report_counter *counters;
	size_t n_counters;
	struct finding **findings;
	size_t n_findings, cap_findings;
	struct rtable **tables;
	size_t n_tables;
	uint64_t analysed;	   /* report_set_coverage */
	bool coverage_set;	   /* else: analysed = frames */
	const char *coverage_note; /* literal or NULL */
};

static char *dupstr(const char *s)
{
	return strdup(s ? s : "");
}

/* Grows *arr (element size sz) to hold n+1 elements. */
static int grow(void *arrp, size_t n, size_t sz)
{
	void **arr = arrp;
	void *p = realloc(*arr, (n + 1) * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

struct report *report_new(const char *command)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->command = dupstr(command);
	if (!r->command) {
		free(r);
		return NULL;
	}
	return r;
}

/* Frees the arena blocks after b (b itself stays). */
static void arena_free_after(struct arena_blk *b)
{
	struct arena_blk *n = b ? b->next : NULL;

	if (b)
		b->next = NULL;
	while (n) {
		struct arena_blk *x = n->next;
		free(n);
		n = x;
	}
}

static void rtable_free(struct rtable *t)
{
	if (!t)
		return;
	arena_free_after(t->arena);
	free(t->arena);
	if (t->lazy) {
		rtable_free(t->lazy->one);
		free(t->lazy);
	}
	free(t->cells);
	free(t->name);
	free(t);
}

void report_free(struct report *r)
{
	if (!r)
		return;
	free(r->command);
	for (size_t i = 0; i < r->n_inputs; i++)
		free(r->inputs[i]);
	free(r->inputs);
	for (size_t i = 0; i < r->n_sources; i++) {
		free(r->sources[i].name);
		free(r->sources[i].reason);
	}
	free(r->sources);
	for (size_t i = 0; i < r->n_errors; i++) {
		free(r->errors[i].source);
		free(r->errors[i].file);
		free(r->errors[i].message);
	}
	free(r->errors);
	for (size_t i = 0; i < r->n_counters; i++)
		free(r->counters[i].name);
	free(r->counters);
	for (size_t i = 0; i < r->n_findings; i++)
		finding_free(r->findings[i]);
	free(r->findings);
	for (size_t i = 0; i < r->n_tables; i++)
		rtable_free(r->tables[i]);
	free(r->tables);
	free(r);
}

int report_add_input(struct report *r, const char *input)
{
	char *s = dupstr(input);
	if (!s || grow(&r->inputs, r->n_inputs, sizeof(*r->inputs)) < 0) {
		free(s);
		return -ENOMEM;
	}
	r->inputs[r->n_inputs++] = s;
	return 0;
}

void report_set_times(struct report *r, int64_t start_ns, int64_t end_ns)
{
	r->start_ns = start_ns;
	r->end_ns = end_ns;
}

int report_add_source(struct report *r, const char *name, bool available,
		      const char *reason)
{
	struct report_source s = { dupstr(name), available, false,
				   available || !reason ? NULL : dupstr(reason) };
	if (!s.name || (!available && reason && !s.reason) ||
	    grow(&r->sources, r->n_sources, sizeof(*r->sources)) < 0) {
		free(s.name);
		free(s.reason);
		return -ENOMEM;
	}
	r->sources[r->n_sources++] = s;
	return 0;
}

int report_set_source_partial(struct report *r, const char *name,
			      const char *reason)
{
	for (size_t i = 0; i < r->n_sources; i++) {
		struct report_source *s = &r->sources[i];
		if (strcmp(s->name, name) != 0)
			continue;
		char *why = reason ? dupstr(reason) : NULL;
		if (reason && !why)
			return -ENOMEM;
		free(s->reason);
		s->reason = why;
		s->partial = true;
		return 0;
	}
	return -ENOENT;
}

int report_add_error(struct report *r, const char *source, const char *file,
		     bool has_offset, uint64_t offset, const char *message)
{
	struct report_error e = { dupstr(source), file ? dupstr(file) : NULL,
				  has_offset, offset, dupstr(message) };
	if (!e.source || (file && !e.file) || !e.message ||
	    grow(&r->errors, r->n_errors, sizeof(*r->errors)) < 0) {
		free(e.source);
		free(e.file);
		free(e.message);
		return -ENOMEM;
	}
	r->errors[r->n_errors++] = e;
	return 0;
}

static struct report_counter *counter_get(struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_counters; i++)
		if (strcmp(r->counters[i].name, name) == 0)
			return &r->counters[i];
	char *s = dupstr(name);
	if (!s || grow(&r->counters, r->n_counters, sizeof(*r->counters)) < 0) {
		free(s);
		return NULL;
	}
	r->counters[r->n_counters] = (struct report_counter){
		.name = s, .kind = REPORT_COUNTER, .unit = ""
	};
	return &r->counters[r->n_counters++];
}

int report_set_counter(struct report *r, const char *name, uint64_t value)
{
	struct report_counter *c = counter_get(r, name);
	if (!c)
		return -ENOMEM;
	c->value = value;
	return 0;
}

int report_set_counter_meta(struct report *r, const char *name,
			    uint64_t value, enum report_counter_kind kind,
			    const char *unit, const struct report_label *labels,
			    size_t n_labels)
{
	struct report_counter *c = counter_get(r, name);
	if (!c)
		return -ENOMEM;
	if (n_labels > REPORT_MAX_LABELS)
		n_labels = REPORT_MAX_LABELS;
	c->value = value;
	c->kind = kind;
	c->unit = unit ? unit : "";
	c->n_labels = n_labels;
	for (size_t i = 0; i < n_labels; i++)
		c->labels[i] = labels[i];
	return 0;
}

void report_set_coverage(struct report *r, uint64_t analysed,
			 const char *note)
{
	r->analysed = analysed;
	r->coverage_set = true;
	r->coverage_note = note;
}

const char *report_coverage_note(const struct report *r)
{
	return r->coverage_note;
}

static uint64_t counter_value(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_counters; i++)
		if (strcmp(r->counters[i].name, name) == 0)
			return r->counters[i].value;
	return 0;
}

enum report_verdict report_verdict(const struct report *r)
{
	int worst = report_worst_severity(r);
	bool unavailable = false;
	for (size_t i = 0; i < r->n_sources; i++)
		unavailable |= !r->sources[i].available;
	if (r->n_errors || unavailable)
		return VERDICT_INCOMPLETE;
	if (worst == SEV_CRIT)
		return VERDICT_CRITICAL;
	if (worst == SEV_WARN)
		return VERDICT_DEGRADED;
	/* Nothing of what the command analyses: notes about the capture
	 * must not read as an all-clear. */
	uint64_t analysed = r->coverage_set ? r->analysed
					    : counter_value(r, "frames");
	if (!analysed)
		return VERDICT_NO_DATA;
	return VERDICT_OK;
}

const char *report_verdict_name(enum report_verdict v)
{
	static const char *const names[] = { "ok", "degraded", "critical",
					     "incomplete", "no_data" };
	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

size_t report_note_count(const struct report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += r->findings[i]->severity < SEV_WARN;
	return n;
}

int report_add_finding(struct report *r, struct finding *f)
{
	if (!f)
		return -ENOMEM;
	if (r->n_findings == r->cap_findings) {
		size_t nc = r->cap_findings ? r->cap_findings * 2 : 16;
		struct finding **p = realloc(r->findings, nc * sizeof(*p));
		if (!p) {
			finding_free(f);
			return -ENOMEM;
		}
		r->findings = p;
		r->cap_findings = nc;
	}
	r->findings[r->n_findings++] = f;
	return 0;
}

static int finding_cmp(const void *pa, const void *pb)
{
	const struct finding *a = *(const struct finding *const *)pa;
	const struct finding *b = *(const struct finding *const *)pb;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->impact != b->impact)
		return a->impact > b->impact ? -1 : 1;
	return strcmp(a->id, b->id);
}

void report_finalize(struct report *r)
{
	if (r->n_findings > 1)
		qsort(r->findings, r->n_findings, sizeof(*r->findings),
		      finding_cmp);
}

int report_worst_severity(const struct report *r)
{
	int worst = -1;
	for (size_t i = 0; i < r->n_findings; i++)
		if ((int)r->findings[i]->severity > worst)
			worst = (int)r->findings[i]->severity;
	return worst;
}

void report_count_by_severity(const struct report *r, size_t out[SEV_COUNT])
{
	for (int i = 0; i < SEV_COUNT; i++)
		out[i] = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		if ((unsigned)r->findings[i]->severity < SEV_COUNT)
			out[r->findings[i]->severity]++;
}

static struct rtable *rtable_new(const char *name,
				 const struct report_col *cols, size_t ncols)
{
	struct rtable *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->name = dupstr(name);
	t->cols = cols;
	t->ncols = ncols;
	if (!t->name) {
		rtable_free(t);
		return NULL;
	}
	return t;
}

/* Appends t to the report's tables; frees it on failure. */
static struct rtable *report_take_table(struct report *r, struct rtable *t)
{
	if (!t || grow(&r->tables, r->n_tables, sizeof(*r->tables)) < 0) {
		rtable_free(t);
		return NULL;
	}
	r->tables[r->n_tables++] = t;
	return t;
}

struct rtable *report_add_table(struct report *r, const char *name,
				const struct report_col *cols, size_t ncols)
{
	return report_take_table(r, rtable_new(name, cols, ncols));
}

struct rtable *report_add_lazy_table(struct report *r, const char *name,
				     const struct report_col *cols,
				     size_t ncols, size_t nrows,
				     rtable_fill_fn fill, void *ctx)
{
	struct rtable *t = rtable_new(name, cols, ncols);
	struct rtable_lazy *lz = calloc(1, sizeof(*lz));

	if (!t || !lz) {
		free(lz);
		rtable_free(t);
		return NULL;
	}
	t->lazy = lz;
	t->nrows = nrows;
	lz->fill = fill;
	lz->ctx = ctx;
	lz->row = SIZE_MAX;
	lz->one = rtable_new(name, cols, ncols);
	if (lz->one)
		lz->one->cells = calloc(ncols ? ncols : 1, sizeof(struct rcell));
	if (!lz->one || !lz->one->cells) {
		rtable_free(t);
		return NULL;
	}
	lz->one->nrows = lz->one->cap_rows = 1;
	return report_take_table(r, t);
}

int rtable_status(const struct rtable *t)
{
	return t->lazy ? t->lazy->err : 0;
}

int rtable_add_row(struct rtable *t)
{
	assert(!t->lazy); /* a lazy table's rows come from its fill */
	if (t->nrows == t->cap_rows) {
		size_t nc = t->cap_rows ? t->cap_rows * 2 : 256;
		struct rcell *p = realloc(t->cells, nc * t->ncols * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->cells = p;
		t->cap_rows = nc;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	t->nrows++;
	return 0;
}

static struct rcell *last_cell(struct rtable *t, size_t col, enum col_type ty)
{
	assert(!t->lazy && t->nrows > 0 && col < t->ncols);
	/* A value of the wrong type in a column is a bug in the command. */
	assert(t->cols[col].type == ty ||
	       (ty == COL_I64 && (t->cols[col].type == COL_TIME ||
				  t->cols[col].type == COL_DURATION ||
				  t->cols[col].type == COL_OFFSET)) ||
	       (ty == COL_DURATION && t->cols[col].type == COL_OFFSET));
	struct rcell *c = &t->cells[(t->nrows - 1) * t->ncols + col];
	c->set = true;
	return c;
}

void rtable_set_u64(struct rtable *t, size_t col, uint64_t v)
{
	last_cell(t, col, COL_U64)->v.u = v;
}

void rtable_set_i64(struct rtable *t, size_t col, int64_t v)
{
	last_cell(t, col, COL_I64)->v.i = v;
}

void rtable_set_f64(struct rtable *t, size_t col, double v)
{
	last_cell(t, col, COL_F64)->v.d = v;
}

void rtable_set_time(struct rtable *t, size_t col, int64_t ns)
{
	last_cell(t, col, COL_TIME)->v.i = ns;
}

void rtable_set_duration(struct rtable *t, size_t col, int64_t ns)
{
	last_cell(t, col, COL_DURATION)->v.i = ns;
}

/* Room for n bytes at the arena's end (not yet used: see arena_commit). */
static char *arena_room(struct rtable *t, size_t n)
{
	struct arena_blk *b = t->arena;
	if (!b || b->size - b->used < n) {
		size_t sz = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		struct arena_blk *nb = malloc(sizeof(*nb) + sz);
		if (!nb)
			return NULL;
		nb->next = t->arena;
		nb->used = 0;
		nb->size = sz;
		t->arena = b = nb;
	}
	return b->data + b->used;
}

/* Keeps the first n bytes of the last arena_room() and a NUL after them. */
static const char *arena_commit(struct rtable *t, size_t n)
{
	char *d = t->arena->data + t->arena->used;

	d[n] = 0;
	t->arena->used += n + 1;
	return d;
}

static const char *arena_dup(struct rtable *t, const char *s, size_t n)
{
	char *d = arena_room(t, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	return arena_commit(t, n);
}

/* Length and printable-ASCII check in one pass (see struct rcell). */
static void text_meta(struct rcell *c, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool clean = true;
	size_t n = 0;

	for (; p[n]; n++)
		clean &= p[n] >= 0x20 && p[n] < 0x7f;
	c->v.s = s;
	c->len = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	c->clean = clean && n <= UINT32_MAX;
}

static int set_text(struct rtable *t, size_t col, enum col_type ty,
		    const char *s)
{
	const char *d = arena_dup(t, s ? s : "", s ? strlen(s) : 0);
	if (!d)
		return -ENOMEM;
	text_meta(last_cell(t, col, ty), d);
	return 0;
}

int rtable_set_str(struct rtable *t, size_t col, const char *s)
{
	return set_text(t, col, COL_STR, s);
}

void rtable_set_const_str(struct rtable *t, size_t col, const char *s)
{
	text_meta(last_cell(t, col, COL_STR), s ? s : "");
}

static size_t fmt_ipv4(char *p, const uint8_t a[4])
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		if (i)
			p[n++] = '.';
		n += fmt_dec(p + n, a[i]);
	}
	return n;
}

/*
 * IPv6 text exactly as glibc's inet_ntop writes it: groups in lowercase
 * hex without leading zeros; the first longest run of two or more zero
 * groups as "::"; when that run starts the address and is six groups long
 * (IPv4-compatible), or five followed by ffff (IPv4-mapped), the last 32
 * bits as a dotted quad. inet_ntop formats each group with a sprintf, and
 * a lazy flows table formats every address twice in text output.
 */
size_t report_fmt_ipv6(char *p, const uint8_t a[16])
{
	static const char HEX[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, best_len = 0, cur = -1;
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i <= 8; i++) {
		if (i < 8 && w[i] == 0) {
			if (cur < 0)
				cur = i;
			continue;
		}
		if (cur >= 0 && i - cur > best_len) {
			best = cur;
			best_len = i - cur;
		}
		cur = -1;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				p[n++] = ':';
			continue;
		}
		if (i)
			p[n++] = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return n + fmt_ipv4(p + n, a + 12);
		/* Hex digits from the first non-zero nibble (0 prints "0"). */
		for (int sh = 12; sh >= 0; sh -= 4)
			if ((w[i] >> sh) || sh == 0)
				p[n++] = HEX[(w[i] >> sh) & 0xf];
	}
	if (best >= 0 && best + best_len == 8)
		p[n++] = ':';
	return n;
}

/*
 * Hand-written (the same text inet_ntop writes): a flows report sets two
 * addresses per row, and inet_ntop plus snprintf were 12 % of a
 * 100 k-connection run.
 */
int rtable_set_addr(struct rtable *t, size_t col, int family,
		    const uint8_t *addr, int port)
{
	/* Written in place: "[" address "]:" port and a NUL fit. */
	char *buf = arena_room(t, INET6_ADDRSTRLEN + 16);
	size_t n = 0;
	bool v6 = family == 6;

	if (!buf)
		return -ENOMEM;
	if (v6) {
		if (port >= 0)
			buf[n++] = '[';
		n += report_fmt_ipv6(buf + n, addr);
		if (port >= 0)
			buf[n++] = ']';
	} else {
		n += fmt_ipv4(buf + n, addr);
	}
	if (port >= 0) {
		buf[n++] = ':';
		n += fmt_dec(buf + n, (unsigned)port);
	}
	struct rcell *c = last_cell(t, col, COL_ADDR);
	/* Digits, dots, colons, brackets and hex: printable ASCII. */
	c->v.s = arena_commit(t, n);
	c->len = (uint32_t)n;
	c->clean = true;
	return 0;
}

const char *rtable_name(const struct rtable *t) { return t->name; }
size_t rtable_ncols(const struct rtable *t) { return t->ncols; }
size_t rtable_nrows(const struct rtable *t) { return t->nrows; }

const struct report_col *rtable_col(const struct rtable *t, size_t col)
{
	return col < t->ncols ? &t->cols[col] : NULL;
}

/* Fills lz->one with row (unless it already holds it). */
static int lazy_fetch(struct rtable_lazy *lz, size_t row)
{
	struct rtable *one = lz->one;
	int rc;

	if (lz->row == row)
		return 0;
	/* The previous row's strings go: one block is reused for the next. */
	arena_free_after(one->arena);
	if (one->arena)
		one->arena->used = 0;
	memset(one->cells, 0, one->ncols * sizeof(*one->cells));
	lz->row = SIZE_MAX;
	rc = lz->fill(lz->ctx, row, one);
	if (rc < 0) {
		if (!lz->err)
			lz->err = rc;
		return rc;
	}
	lz->row = row;
	return 0;
}

const struct rcell *rtable_row(const struct rtable *t, size_t row)
{
	const struct rtable_lazy *lz = t->lazy;

	if (row >= t->nrows)
		return NULL;
	if (!lz)
		return &t->cells[row * t->ncols];
	/* Sinks read a row's cells in a row: the refill is the rare case. */
	if (lz->row != row && lazy_fetch(t->lazy, row) < 0)
		return NULL;
	return lz->one->cells;
}

const struct rcell *rtable_cell(const struct rtable *t, size_t row, size_t col)
{
	const struct rcell *cells;

	if (col >= t->ncols)
		return NULL;
	cells = rtable_row(t, row);
	return cells ? &cells[col] : NULL;
}

void rtable_set_drop(struct rtable *t, const unsigned char *drop)
{
	t->drop = drop;
}

unsigned rtable_col_drop(const struct rtable *t, size_t col)
{
	return t->drop && col < t->ncols ? t->drop[col] : 0;
}

const char *report_command(const struct report *r) { return r->command; }
size_t report_input_count(const struct report *r) { return r->n_inputs; }

const char *report_input_at(const struct report *r, size_t i)
{
	return i < r->n_inputs ? r->inputs[i] : NULL;
}

void report_times(const struct report *r, int64_t *start_ns, int64_t *end_ns)
{
	*start_ns = r->start_ns;
	*end_ns = r->end_ns;
}

size_t report_source_count(const struct report *r) { return r->n_sources; }

const struct report_source *report_source_at(const struct report *r, size_t i)
{
	return i < r->n_sources ? &r->sources[i] : NULL;
}

size_t report_error_count(const struct report *r) { return r->n_errors; }

const struct report_error *report_error_at(const struct report *r, size_t i)
{
	return i < r->n_errors ? &r->errors[i] : NULL;
}

size_t report_counter_count(const struct report *r) { return r->n_counters; }

const struct report_counter *report_counter_at(const struct report *r,
					       size_t i)
{
	return i < r->n_counters ? &r->counters[i] : NULL;
}

size_t report_finding_count(const struct report *r) { return r->n_findings; }

const struct finding *report_finding_at(const struct report *r, size_t i)
{
	return i < r->n_findings ? r->findings[i] : NULL;
}

size_t report_table_count(const struct report *r) { return r->n_tables; }

const struct rtable *report_table_at(const struct report *r, size_t i)
{
	return i < r->n_tables ? r->tables[i] : NULL;
}
