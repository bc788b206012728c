// SPDX-License-Identifier: MIT
/* Finding construction: catalog-bound creation, numbers, explanation templates. */
#include "rules/finding.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"

struct finding *finding_new(const char *id)
{
	const struct catalog_entry *e = catalog_lookup(id);
	/* The catalog is the set of emittable ids: anything else is a bug. */
	assert(e && "finding id missing from the catalog");
	if (!e)
		return NULL;
	struct finding *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->entry = e;
	f->id = e->id;
	f->severity = e->severity;
	return f;
}

void finding_free(struct finding *f)
{
	if (!f)
		return;
	free(f->explanation);
	for (size_t i = 0; i < f->n_lines; i++)
		free(f->lines[i]);
	free(f->lines);
	free(f->remedy_note);
	free(f);
}

static struct ev_num *num_slot(struct finding *f, const char *name)
{
	for (unsigned i = 0; i < f->n_nums; i++)
		if (strcmp(f->nums[i].name, name) == 0)
			return &f->nums[i];
	if (f->n_nums >= FINDING_MAX_NUMS)
		return NULL;
	struct ev_num *n = &f->nums[f->n_nums++];
	n->name = name;
	return n;
}

int finding_set_i64(struct finding *f, const char *name, int64_t v)
{
	struct ev_num *n = num_slot(f, name);
	if (!n)
		return -ENOSPC;
	n->type = EV_NUM_I64;
	n->v.i = v;
	return 0;
}

int finding_set_f64(struct finding *f, const char *name, double v)
{
	struct ev_num *n = num_slot(f, name);
	if (!n)
		return -ENOSPC;
	n->type = EV_NUM_F64;
	n->v.d = v;
	return 0;
}

const struct ev_num *finding_num(const struct finding *f, const char *name)
{
	for (unsigned i = 0; i < f->n_nums; i++)
		if (strcmp(f->nums[i].name, name) == 0)
			return &f->nums[i];
	return NULL;
}

void finding_format_num(const struct ev_num *n, char *buf, size_t len)
{
	if (n->type == EV_NUM_I64) {
		snprintf(buf, len, "%lld", (long long)n->v.i);
		return;
	}
	double d = n->v.d;
	if (!isfinite(d)) {
		snprintf(buf, len, "?");
		return;
	}
	double a = fabs(d);
	/* Enough digits to read, no exponent notation for users. */
	int prec = a >= 100 || a == 0 ? 0 : a >= 10 ? 1 : a >= 0.1 ? 2 : 3;
	snprintf(buf, len, "%.*f", prec, d);
	if (prec > 0 && strchr(buf, '.')) {
		size_t l = strlen(buf);
		while (l > 0 && buf[l - 1] == '0')
			buf[--l] = 0;
		if (l > 0 && buf[l - 1] == '.')
			buf[--l] = 0;
	}
}

/* Growable string for building explanations. */
struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_putn(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 128;
		while (nc < b->len + n + 1)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_vprintf(struct sb *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void sb_vprintf(struct sb *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int r = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (r < 0) {
		b->oom = true;
		return;
	}
	char *tmp = malloc((size_t)r + 1);
	if (!tmp) {
		b->oom = true;
		return;
	}
	vsnprintf(tmp, (size_t)r + 1, fmt, ap);
	sb_putn(b, tmp, (size_t)r);
	free(tmp);
}

/* Finishes a builder: the string (caller owns) or NULL when out of memory. */
static char *sb_take(struct sb *b)
{
	if (!b->oom && !b->p)
		sb_putn(b, "", 0);
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/*
 * One template field: "{name}" the number; "{name:ms}" a number of
 * milliseconds as a duration with its unit (core/fmt.h), so a text agrees
 * with the tables; "{name|one|other}" the word for the count (1: one).
 */
static void explain_field(const struct finding *f, char *name, char *val,
			  size_t n)
{
	char *bar = strchr(name, '|'), *colon = strchr(name, ':');
	if (bar)
		*bar = 0;
	else if (colon)
		*colon = 0;
	const struct ev_num *num = finding_num(f, name);
	if (!num)
		return;
	double d = num->type == EV_NUM_I64 ? (double)num->v.i : num->v.d;
	if (bar) {
		char *other = strchr(bar + 1, '|');
		if (!other)
			return;
		*other = 0;
		snprintf(val, n, "%s", d == 1 ? bar + 1 : other + 1);
	} else if (colon && strcmp(colon + 1, "ms") == 0 && isfinite(d) &&
		   n >= 32 && fabs(d) < 9e12) {
		fmt_duration(val, (int64_t)llround(d * 1e6));
	} else {
		finding_format_num(num, val, n);
	}
}

int finding_explain(struct finding *f, const char *fmt, ...)
{
	struct sb b = { 0 };
	const char *t = f->entry->cause;
	while (*t) {
		const char *open = strchr(t, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close) {
			sb_putn(&b, t, strlen(t));
			break;
		}
		sb_putn(&b, t, (size_t)(open - t));
		char name[64];
		size_t nl = (size_t)(close - open - 1);
		char val[64] = "?";
		if (nl < sizeof(name)) {
			memcpy(name, open + 1, nl);
			name[nl] = 0;
			explain_field(f, name, val, sizeof(val));
		}
		sb_putn(&b, val, strlen(val));
		t = close + 1;
	}
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		sb_putn(&b, " ", 1);
		sb_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	char *s = sb_take(&b);
	if (!s)
		return -ENOMEM;
	free(f->explanation);
	f->explanation = s;
	return 0;
}

int finding_add_line(struct finding *f, const char *fmt, ...)
{
	struct sb b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	char *s = sb_take(&b);
	if (!s)
		return -ENOMEM;
	char **nl = realloc(f->lines, (f->n_lines + 1) * sizeof(*nl));
	if (!nl) {
		free(s);
		return -ENOMEM;
	}
	f->lines = nl;
	f->lines[f->n_lines++] = s;
	return 0;
}

int finding_set_remedy_note(struct finding *f, const char *fmt, ...)
{
	struct sb b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	char *s = sb_take(&b);
	if (!s)
		return -ENOMEM;
	free(f->remedy_note);
	f->remedy_note = s;
	return 0;
}

void finding_add_frames(struct finding *f, const uint64_t *frames, size_t n,
			uint64_t total)
{
	for (size_t i = 0; i < n && f->n_frames < EV_MAX_FRAMES; i++)
		f->frames[f->n_frames++] = frames[i];
	f->frame_count += total;
}
