// SPDX-License-Identifier: MIT
/* Text sink: one-screen summary, aligned tables, ranked finding details. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"
#include "core/textesc.h"
#include "output/sink.h"

#define WRAP_COLS 78

/* Private state: decided once in init from the options. */
struct text_state {
	bool color;
	unsigned width; /* 0: no limit */
};

bool sink_use_color(const struct sink_opts *o)
{
	switch (o->color) {
	case SINK_COLOR_ALWAYS:
		return true;
	case SINK_COLOR_NEVER:
		return false;
	default:
		/* no-color.org: any non-empty NO_COLOR disables colour; a
		 * dumb terminal cannot show it. */
		return o->is_tty && !(o->no_color_env && o->no_color_env[0]) &&
		       !(o->term_env && strcmp(o->term_env, "dumb") == 0);
	}
}

unsigned sink_text_width(const struct sink_opts *o)
{
	if (o->columns_env && *o->columns_env) {
		char *end = NULL;
		unsigned long v = strtoul(o->columns_env, &end, 10);
		/* A nonsense value is ignored rather than obeyed. */
		if (!*end && v >= 20 && v <= 10000)
			return (unsigned)v;
	}
	return o->is_tty ? o->tty_columns : 0;
}

static int text_init(struct sink *s)
{
	struct text_state *ts = sink_priv(s);
	ts->color = sink_use_color(&s->opts);
	ts->width = sink_text_width(&s->opts);
	return 0;
}

static const char *const SEV_COLOR[SEV_COUNT] = {
	"\033[2m", "\033[36m", "\033[33m", "\033[1;31m"
};
static const char *const SEV_TAG[SEV_COUNT] = { "INFO", "LOW ", "WARN", "CRIT" };

static const char *sev_tag(enum nd_severity s)
{
	return (unsigned)s < SEV_COUNT ? SEV_TAG[s] : "????";
}

static void put_tag(struct sink *s, enum nd_severity sev)
{
	FILE *o = s->opts.out;
	const struct text_state *ts = sink_priv(s);
	if (ts->color && (unsigned)sev < SEV_COUNT)
		fprintf(o, "%s%s\033[0m", SEV_COLOR[sev], sev_tag(sev));
	else
		fputs(sev_tag(sev), o);
}

/*
 * Untrusted text (names from captures, files) must not drive the terminal:
 * controls, invalid UTF-8 and bidi overrides are shown escaped (textesc.h).
 */
static void put_safe(FILE *o, const char *str)
{
	text_put_escaped(o, str);
}

/* Display width: code points (continuation bytes do not count). */
static size_t disp_width(const char *str)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)str; *p; p++)
		w += (*p & 0xc0) != 0x80;
	return w;
}

/*
 * Writes text wrapped at cols: the first line starts with first (its
 * width counted), the others with indent spaces.
 */
static void put_wrapped_at(FILE *o, const char *text, const char *first,
			   int indent, size_t cols)
{
	size_t col = 0;
	if (first) {
		fputs(first, o);
		col = strlen(first);
	}
	const char *p = text;
	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
		size_t wl = (size_t)(p - w);
		if (!wl) {
			if (*p == '\n')
				p++;
			continue;
		}
		if (col > (first ? strlen(first) : 0) && col + 1 + wl > cols) {
			fputc('\n', o);
			col = 0;
			first = NULL;
		}
		if (!col) {
			fprintf(o, "%*s", indent, "");
			col = (size_t)indent;
		} else if (!first || col > strlen(first)) {
			fputc(' ', o);
			col++;
		}
		char *word = strndup(w, wl);
		put_safe(o, word ? word : "");
		free(word);
		col += wl;
	}
	if (col)
		fputc('\n', o);
}

/* Writes text wrapped at WRAP_COLS with the given indent. */
static void put_wrapped(FILE *o, const char *text, int indent)
{
	put_wrapped_at(o, text, NULL, indent, WRAP_COLS);
}

static int text_begin(struct sink *s, const struct report *r)
{
	if (s->opts.follow) {
		fprintf(s->opts.out, "netdx %s: findings are shown as they are "
				     "found\n",
			report_command(r));
		fflush(s->opts.out);
	}
	return 0;
}

/*
 * Cuts an escaped line to max display columns, ending it with "..." when
 * it was longer (the details below have the whole text).
 */
static void put_cut(FILE *o, const char *line, size_t max)
{
	size_t cols = 0, i = 0;
	if (disp_width(line) <= max) {
		fputs(line, o);
		return;
	}
	for (; line[i] && cols + 3 < max; i++)
		cols += ((unsigned char)line[i] & 0xc0) != 0x80;
	/* Do not split a UTF-8 sequence. */
	while (line[i] && ((unsigned char)line[i] & 0xc0) == 0x80)
		i++;
	fwrite(line, 1, i, o);
	fputs("...", o);
}

static void one_line(struct sink *s, const struct finding *f)
{
	FILE *o = s->opts.out;
	const struct text_state *ts = sink_priv(s);
	fputs("  ", o);
	put_tag(s, f->severity);
	fputs("  ", o);
	if (ts->width > 40) {
		/* A terminal: one screen line each. */
		char line[1024];
		size_t n = text_escape(line, sizeof(line), f->id);
		n += (size_t)snprintf(line + n, sizeof(line) - n, "  ");
		size_t id_end = n;
		n += text_escape(line + n, sizeof(line) - n, f->entry->title);
		if (f->n_lines && n + 2 < sizeof(line)) {
			memcpy(line + n, ": ", 3);
			n += 2;
			text_escape(line + n, sizeof(line) - n, f->lines[0]);
			/* Too long: the id names the problem; keep the case. */
			if (disp_width(line) > ts->width - 8)
				text_escape(line + id_end, sizeof(line) - id_end,
					    f->lines[0]);
		}
		put_cut(o, line, ts->width - 8);
		fputc('\n', o);
		return;
	}
	put_safe(o, f->id);
	fputs("  ", o);
	put_safe(o, f->entry->title);
	if (f->n_lines) {
		fputs(": ", o);
		put_safe(o, f->lines[0]);
	}
	fputc('\n', o);
}

static int text_finding(struct sink *s, const struct finding *f)
{
	one_line(s, f);
	return fflush(s->opts.out) ? -EIO : 0;
}

static void verdict(struct sink *s, const struct report *r)
{
	size_t c[SEV_COUNT];
	report_count_by_severity(r, c);
	FILE *o = s->opts.out;
	size_t ne = report_error_count(r), notes = report_note_count(r);
	const char *note = report_coverage_note(r);
	fputs("Verdict: ", o);
	switch (report_verdict(r)) {
	case VERDICT_INCOMPLETE:
		/* Findings cover only what was read: say so first. */
		if (ne)
			fprintf(o, "INCOMPLETE: %zu input error%s", ne,
				ne == 1 ? "" : "s");
		else
			fputs("INCOMPLETE: a source could not run", o);
		for (size_t i = 0; i < ne; i++) {
			fputs(i ? "; " : ": ", o);
			put_safe(o, report_error_at(r, i)->message);
		}
		for (size_t i = 0; !ne && i < report_source_count(r); i++) {
			const struct report_source *src = report_source_at(r, i);
			if (src->available)
				continue;
			fputs(": ", o);
			put_safe(o, src->name);
			break;
		}
		fputc('\n', o);
		break;
	case VERDICT_CRITICAL:
		fprintf(o, "CRITICAL: %zu finding%s need%s action now\n",
			c[SEV_CRIT], c[SEV_CRIT] == 1 ? "" : "s",
			c[SEV_CRIT] == 1 ? "s" : "");
		break;
	case VERDICT_DEGRADED:
		fprintf(o, "DEGRADED: %zu finding%s to act on soon\n",
			c[SEV_WARN], c[SEV_WARN] == 1 ? "" : "s");
		break;
	case VERDICT_NO_DATA:
		fputs("NO DATA: nothing for netdx ", o);
		put_safe(o, report_command(r));
		fputs(" to analyse in the input\n", o);
		break;
	default:
		if (notes)
			fprintf(o, "OK: nothing needs action (%zu note%s)\n",
				notes, notes == 1 ? "" : "s");
		else
			fputs("OK: no findings\n", o);
		break;
	}
	/* A verdict covers what its command analysed, and says so. */
	if (note) {
		fputs("Covers: ", o);
		put_safe(o, note);
		fputc('\n', o);
	}
	fprintf(o, "Findings: %zu crit, %zu warn, %zu low, %zu info\n",
		c[SEV_CRIT], c[SEV_WARN], c[SEV_LOW], c[SEV_INFO]);
}

/* Decimal digits of v into buf (NUL-terminated); returns the length. */
static size_t fmt_u64(char *buf, uint64_t v)
{
	size_t n = fmt_dec(buf, v);

	buf[n] = 0;
	return n;
}

/*
 * An offset from the capture's start: seconds with microseconds and the
 * unit ("5.012941 s"), rounded as printf's "%.6f" (integer path unless the
 * nanoseconds are a rounding tie or negative).
 */
static size_t fmt_offset(char *buf, size_t n, int64_t ns)
{
	size_t len;
	if (ns >= 0 && ns % 1000 != 500 && ns < 4000000000000000LL) {
		uint64_t us = (uint64_t)ns / 1000 + ((uint64_t)ns % 1000 > 500);
		uint64_t frac = us % 1000000;
		len = fmt_dec(buf, us / 1000000);
		buf[len++] = '.';
		for (int i = 5; i >= 0; i--, frac /= 10)
			buf[len + (size_t)i] = (char)('0' + frac % 10);
		len += 6;
		memcpy(buf + len, " s", 3);
		return len + 2;
	}
	snprintf(buf, n, "%.6f s", (double)ns / 1e9);
	return strlen(buf);
}

/* Formats one cell into buf (n >= 32); returns its length in bytes. */
static size_t fmt_cell(const struct report_col *col, const struct rcell *c,
		       char *buf, size_t n)
{
	if (!c || !c->set) {
		buf[0] = '-';
		buf[1] = 0;
		return 1;
	}
	switch (col->type) {
	case COL_U64:
		return fmt_u64(buf, c->v.u);
	case COL_I64:
		if (c->v.i >= 0)
			return fmt_u64(buf, (uint64_t)c->v.i);
		buf[0] = '-';
		return 1 + fmt_u64(buf + 1, 0 - (uint64_t)c->v.i);
	case COL_F64:
		snprintf(buf, n, "%.3f", c->v.d);
		break;
	case COL_TIME:
		sink_fmt_time(c->v.i, 6, buf, n);
		break;
	case COL_DURATION:
		return fmt_duration(buf, c->v.i);
	case COL_OFFSET:
		return fmt_offset(buf, n, c->v.i);
	default: {
		if (c->clean) {
			size_t k = c->len < n - 1 ? c->len : n - 1;
			memcpy(buf, c->v.s, k);
			buf[k] = 0;
			return k;
		}
		/* Escaped copy so widths match what is printed. */
		return text_escape(buf, n, c->v.s);
	}
	}
	return strlen(buf);
}

static size_t cell_width(enum col_type t, const char *buf, size_t len);

/*
 * Display width of a cell as fmt_cell + cell_width would give it, for the
 * width pass of put_table: numbers and durations without formatting them,
 * strings by one scan (a 64 k-row flows table formats every row twice).
 */
static size_t cell_disp_len(const struct report_col *col, const struct rcell *c,
			    char *buf, size_t n)
{
	if (!c || !c->set)
		return 1;
	switch (col->type) {
	case COL_U64:
		return fmt_dec_len(c->v.u);
	case COL_I64:
		return c->v.i >= 0 ? fmt_dec_len((uint64_t)c->v.i)
				   : 1 + fmt_dec_len(0 - (uint64_t)c->v.i);
	case COL_DURATION: {
		size_t len = fmt_duration(buf, c->v.i);
		return fmt_duration_width(buf, len);
	}
	case COL_STR:
	case COL_ADDR: {
		/* fmt_cell copies at most n - 1 bytes; others are escaped. */
		if (c->clean)
			return c->len < n - 1 ? c->len : n - 1;
		text_escape(buf, n, c->v.s);
		return disp_width(buf);
	}
	default:
		break;
	}
	size_t len = fmt_cell(col, c, buf, n);
	return cell_width(col->type, buf, len);
}

static bool right_aligned(enum col_type t)
{
	return t == COL_U64 || t == COL_I64 || t == COL_F64 ||
	       t == COL_DURATION || t == COL_OFFSET;
}

/* Display width of a formatted cell: numbers are ASCII, strings may not be. */
static size_t cell_width(enum col_type t, const char *buf, size_t len)
{
	if (t == COL_U64 || t == COL_I64 || t == COL_OFFSET)
		return len;
	if (t == COL_DURATION)
		return fmt_duration_width(buf, len);
	return disp_width(buf);
}

/*
 * Leaves out droppable columns (rtable_col_drop, highest first, then the
 * rightmost) until the table fits width; hidden columns get w[c] = 0 and
 * show[c] = false. Returns how many were hidden.
 */
static size_t fit_columns(const struct rtable *t, size_t *w, bool *show,
			  unsigned width)
{
	size_t nc = rtable_ncols(t), total = 0, hidden = 0;

	for (size_t c = 0; c < nc; c++) {
		show[c] = true;
		total += w[c] + (c ? 2 : 0);
	}
	while (width && total > width) {
		size_t best = nc;
		for (size_t c = 0; c < nc; c++)
			if (show[c] && rtable_col_drop(t, c) &&
			    (best == nc || rtable_col_drop(t, c) >=
						   rtable_col_drop(t, best)))
				best = c;
		if (best == nc)
			break; /* what is left is essential: let it overflow */
		show[best] = false;
		total -= w[best] + 2;
		hidden++;
	}
	return hidden;
}

/* The note saying which columns a narrow terminal left out (wrapped). */
static void put_hidden(FILE *o, const struct rtable *t, const bool *show,
		       unsigned width)
{
	char note[1024];
	size_t n = (size_t)snprintf(note, sizeof(note),
				    "(to fit %u columns, not shown:", width);
	for (size_t c = 0, k = 0; c < rtable_ncols(t) && n < sizeof(note); c++)
		if (!show[c])
			n += (size_t)snprintf(note + n, sizeof(note) - n, "%s %s",
					      k++ ? "," : "",
					      rtable_col(t, c)->name);
	if (n < sizeof(note))
		snprintf(note + n, sizeof(note) - n,
			 "; --json has every column)");
	put_wrapped(o, note, 0);
}

/*
 * Rows are assembled in one line buffer and written with one fwrite: per
 * cell stdio calls (and a locked fputc per padding space) dominated large
 * tables.
 */
static int put_table(struct sink *s, const struct rtable *t)
{
	FILE *o = s->opts.out;
	const struct text_state *ts = sink_priv(s);
	size_t nc = rtable_ncols(t), nr = rtable_nrows(t), hidden, lastc = 0;
	size_t firstc = 0;
	size_t *w = calloc(nc ? nc : 1, sizeof(*w));
	bool *show = calloc(nc ? nc : 1, sizeof(*show));
	char buf[512];
	char *line;
	size_t linecap = 2;
	if (!w || !show) {
		free(w);
		free(show);
		return -ENOMEM;
	}
	for (size_t c = 0; c < nc; c++)
		w[c] = disp_width(rtable_col(t, c)->name);
	for (size_t r = 0; r < nr; r++) {
		const struct rcell *cells = rtable_row(t, r);

		for (size_t c = 0; c < nc; c++) {
			size_t dw = cell_disp_len(rtable_col(t, c),
						  cells ? &cells[c] : NULL, buf,
						  sizeof(buf));
			if (dw > w[c])
				w[c] = dw;
		}
	}
	/* A lazy table that could not fill a row: nothing of it is written. */
	if (rtable_status(t) < 0) {
		free(w);
		free(show);
		return rtable_status(t);
	}
	hidden = fit_columns(t, w, show, ts->width);
	for (size_t c = nc; c-- > 0;)
		if (show[c])
			firstc = c;
	for (size_t c = 0; c < nc; c++)
		if (show[c])
			lastc = c;
	/* Bytes per line: padding (width) + cell bytes (< 512) + separators. */
	for (size_t c = 0; c < nc; c++)
		linecap += w[c] + sizeof(buf) + 2;
	line = malloc(linecap);
	if (!line) {
		free(w);
		free(show);
		return -ENOMEM;
	}
	fputc('\n', o);
	put_safe(o, rtable_name(t));
	fprintf(o, " (%zu row%s)\n", nr, nr == 1 ? "" : "s");
	if (hidden)
		put_hidden(o, t, show, ts->width);
	for (int pass = -1; pass < (int)nr; pass++) {
		/* A lazy table fills each row once here, once in the width pass. */
		const struct rcell *cells =
			pass < 0 ? NULL : rtable_row(t, (size_t)pass);
		size_t ll = 0;
		for (size_t c = 0; c < nc; c++) {
			const struct report_col *col = rtable_col(t, c);
			size_t len, dw;
			if (!show[c])
				continue;
			if (pass < 0) {
				snprintf(buf, sizeof(buf), "%s", col->name);
				len = strlen(buf);
				dw = disp_width(buf);
			} else {
				const struct rcell *cl = cells ? &cells[c] : NULL;
				len = fmt_cell(col, cl, buf, sizeof(buf));
				/* Clean text: one byte per column. */
				dw = cl && cl->set && cl->clean &&
						     (col->type == COL_STR ||
						      col->type == COL_ADDR)
					     ? len
					     : cell_width(col->type, buf, len);
			}
			bool last = c == lastc;
			/* The width pass measures what this pass prints; should a
			 * lazy row ever come back wider, it overflows the column
			 * instead of padding by a wrapped-around count. */
			size_t pad = w[c] > dw ? w[c] - dw : 0;
			if (c != firstc) {
				line[ll++] = ' ';
				line[ll++] = ' ';
			}
			if (right_aligned(col->type)) {
				memset(line + ll, ' ', pad);
				ll += pad;
				memcpy(line + ll, buf, len);
				ll += len;
			} else {
				memcpy(line + ll, buf, len);
				ll += len;
				if (!last) {
					memset(line + ll, ' ', pad);
					ll += pad;
				}
			}
		}
		line[ll++] = '\n';
		fwrite(line, 1, ll, o);
	}
	free(line);
	free(w);
	free(show);
	return rtable_status(t);
}

static void put_detail(struct sink *s, const struct finding *f)
{
	FILE *o = s->opts.out;
	char scope[256];
	fputc('\n', o);
	fputc('[', o);
	put_tag(s, f->severity);
	fputs("] ", o);
	put_safe(o, f->id);
	fputs(": ", o);
	put_safe(o, f->entry->title);
	fputc('\n', o);
	ev_scope_format(&f->scope, scope, sizeof(scope));
	if (scope[0]) {
		fputs("  Scope: ", o);
		put_safe(o, scope);
		fputc('\n', o);
	}
	if (f->explanation)
		put_wrapped(o, f->explanation, 2);
	if (f->n_lines) {
		const struct text_state *ts = sink_priv(s);
		fputs("  Evidence:\n", o);
		for (size_t i = 0; i < f->n_lines; i++) {
			/* A terminal: wrapped to its width; else one line
			 * each, for grep. */
			if (ts->width) {
				put_wrapped_at(o, f->lines[i], "    - ", 6,
					       ts->width);
				continue;
			}
			fputs("    - ", o);
			put_safe(o, f->lines[i]);
			fputc('\n', o);
		}
	}
	if (f->n_frames) {
		fputs("  Frames:", o);
		for (unsigned i = 0; i < f->n_frames; i++)
			fprintf(o, " %" PRIu64, f->frames[i]);
		if (f->frame_count > f->n_frames)
			fprintf(o, " ... (%" PRIu64 " in total)", f->frame_count);
		fputc('\n', o);
	}
	fputs("  Remedy:\n", o);
	put_wrapped(o, f->entry->remedy, 4);
	if (f->remedy_note)
		put_wrapped(o, f->remedy_note, 4);
	if (f->entry->refs[0]) {
		fputs("  See:", o);
		for (int i = 0; i < CATALOG_MAX_REFS && f->entry->refs[i]; i++)
			fprintf(o, "%s %s", i ? ";" : "", f->entry->refs[i]);
		fputc('\n', o);
	}
}

static int text_render(struct sink *s, const struct report *r)
{
	FILE *o = s->opts.out;
	size_t nf = report_finding_count(r);
	fprintf(o, "netdx %s", report_command(r));
	for (size_t i = 0; i < report_input_count(r); i++) {
		fputc(' ', o);
		put_safe(o, report_input_at(r, i));
	}
	fputc('\n', o);
	verdict(s, r);
	size_t top = nf < s->opts.top_n ? nf : s->opts.top_n;
	for (size_t i = 0; i < top; i++)
		one_line(s, report_finding_at(r, i));
	if (nf > top)
		fprintf(o, "  ... and %zu more below\n", nf - top);
	for (size_t i = 0; i < report_source_count(r); i++) {
		const struct report_source *src = report_source_at(r, i);
		if (src->available && !src->partial)
			continue;
		fputs("Source ", o);
		put_safe(o, src->name);
		fputs(src->available ? " partial: " : " unavailable: ", o);
		put_safe(o, src->reason ? src->reason : "unknown reason");
		fputc('\n', o);
	}
	for (size_t i = 0; i < report_table_count(r); i++) {
		int rc = put_table(s, report_table_at(r, i));
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < nf; i++)
		put_detail(s, report_finding_at(r, i));
	if (report_counter_count(r)) {
		const struct text_state *ts = sink_priv(s);
		size_t col = 9;
		fputs("\nCounters:", o);
		for (size_t i = 0; i < report_counter_count(r); i++) {
			const struct report_counter *c = report_counter_at(r, i);
			char v[24];
			size_t vl = fmt_u64(v, c->value);
			size_t wl = 2 + disp_width(c->name) + vl;
			if (ts->width && col + wl > ts->width) {
				fputs("\n         ", o);
				col = 9;
			}
			fputc(' ', o);
			put_safe(o, c->name);
			fputc('=', o);
			fputs(v, o);
			col += wl;
		}
		fputc('\n', o);
	}
	return ferror(o) ? -EIO : 0;
}

const struct sink_ops SINK_TEXT = {
	.name = "text",
	.size = sizeof(struct text_state),
	.init = text_init,
	.begin = text_begin,
	.finding = text_finding,
	.render = text_render,
};
