// SPDX-License-Identifier: MIT
/* Sink dispatch, colour decision and UTF-8 sanitising shared by all sinks. */
#include "output/sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The product's formats: adding one is a file and a line here. */
static const struct sink_ops *const FORMATS[] = { &SINK_TEXT, &SINK_JSON };

void sink_formats_default(struct sink_formats *fm)
{
	memset(fm, 0, sizeof(*fm));
	for (size_t i = 0; i < sizeof(FORMATS) / sizeof(FORMATS[0]); i++)
		fm->ops[fm->n++] = FORMATS[i];
}

const struct sink_ops *sink_formats_find(const struct sink_formats *fm,
					 const char *name)
{
	for (size_t i = 0; name && i < fm->n; i++)
		if (strcmp(fm->ops[i]->name, name) == 0)
			return fm->ops[i];
	return NULL;
}

int sink_formats_add(struct sink_formats *fm, const struct sink_ops *ops)
{
	if (sink_formats_find(fm, ops->name))
		return -EEXIST;
	if (fm->n >= SINK_MAX_FORMATS)
		return -E2BIG;
	fm->ops[fm->n++] = ops;
	return 0;
}

void sink_formats_list(const struct sink_formats *fm, char *buf, size_t n)
{
	size_t o = 0;
	if (n)
		buf[0] = 0;
	for (size_t i = 0; i < fm->n && o < n; i++) {
		int w = snprintf(buf + o, n - o, "%s%s", i ? ", " : "",
				 fm->ops[i]->name);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

bool sink_format_known(const char *name)
{
	struct sink_formats fm;
	sink_formats_default(&fm);
	return sink_formats_find(&fm, name) != NULL;
}

struct sink *sink_new_in(const struct sink_formats *fm, const char *format,
			 const struct sink_opts *opts, struct nd_err *err)
{
	struct sink_formats def;
	if (!fm) {
		sink_formats_default(&def);
		fm = &def;
	}
	const struct sink_ops *ops = sink_formats_find(fm, format);
	if (!ops) {
		char names[128];
		sink_formats_list(fm, names, sizeof(names));
		nd_err_set(err, ND_ERR_USAGE, EINVAL,
			   "unknown output format '%s' (%s)",
			   format ? format : "", names);
		return NULL;
	}
	struct sink *s = calloc(1, sizeof(*s));
	if (!s || (ops->size && !(s->priv = calloc(1, ops->size)))) {
		free(s);
		nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
		return NULL;
	}
	s->ops = ops;
	s->opts = *opts;
	if (!s->opts.out)
		s->opts.out = stdout;
	if (!s->opts.top_n)
		s->opts.top_n = 10;
	int rc = ops->init ? ops->init(s) : 0;
	if (rc < 0) {
		free(s->priv);
		free(s);
		nd_err_set(err, ND_ERR_RUNTIME, -rc, "%s output: %s", ops->name,
			   strerror(-rc));
		return NULL;
	}
	return s;
}

struct sink *sink_new(const char *format, const struct sink_opts *opts,
		      struct nd_err *err)
{
	return sink_new_in(NULL, format, opts, err);
}

void sink_free(struct sink *s)
{
	if (!s)
		return;
	if (s->ops->free)
		s->ops->free(s);
	free(s->priv);
	free(s);
}

int sink_begin(struct sink *s, const struct report *r)
{
	return s->ops->begin ? s->ops->begin(s, r) : 0;
}

int sink_finding(struct sink *s, const struct finding *f)
{
	return s->ops->finding ? s->ops->finding(s, f) : 0;
}

int sink_end(struct sink *s, const struct report *r)
{
	int rc = s->ops->render ? s->ops->render(s, r) : 0;
	if (!rc && (fflush(s->opts.out) != 0 || ferror(s->opts.out)))
		rc = -EIO;
	return rc;
}

int sink_render(struct sink *s, const struct report *r)
{
	int rc = sink_begin(s, r);
	return rc ? rc : sink_end(s, r);
}

/* Length of a valid UTF-8 sequence at p (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned cp, min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *sink_utf8_sanitize(const char *src)
{
	if (!src)
		return NULL;
	size_t n = strlen(src);
	/* Worst case: every byte becomes the 3-byte U+FFFD. */
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(p + i, n - i);
		if (l) {
			memcpy(out + o, p + i, l);
			o += l;
			i += l;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = 0;
	return out;
}

void sink_fmt_time(int64_t ns, int frac_digits, char *buf, size_t n)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, n, "?");
		return;
	}
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac_digits <= 0) {
		snprintf(buf, n, "%sZ", base);
		return;
	}
	if (frac_digits > 9)
		frac_digits = 9;
	for (int i = frac_digits; i < 9; i++)
		frac /= 10;
	snprintf(buf, n, "%s.%0*lldZ", base, frac_digits, (long long)frac);
}
