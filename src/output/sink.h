/* SPDX-License-Identifier: MIT */
/* One sink interface for every output format (text, json; html, prometheus later). */
#ifndef NETDX_OUTPUT_SINK_H
#define NETDX_OUTPUT_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "output/report.h"

enum sink_color { SINK_COLOR_AUTO = 0, SINK_COLOR_ALWAYS, SINK_COLOR_NEVER };

/*
 * What every sink may use. The environment is passed in (the runner reads
 * it) so tests can drive it; each sink decides what it means for its
 * format (the text sink: colour and width).
 */
struct sink_opts {
	FILE *out;
	enum sink_color color; /* AUTO: decided by the text sink */
	bool is_tty;	       /* isatty(fileno(out)) */
	const char *no_color_env; /* getenv("NO_COLOR") (no-color.org) */
	const char *term_env;	  /* getenv("TERM"): "dumb" means no colour */
	const char *columns_env;  /* getenv("COLUMNS") */
	unsigned tty_columns;	  /* terminal width (ioctl) when is_tty, else 0 */
	bool follow;	   /* findings are streamed through sink_finding() */
	size_t top_n;	   /* summary lines in the text sink; 0 = 10 */
};

struct sink;

/*
 * One output format. size bytes of private state (zeroed) are allocated
 * for each sink and reached through sink_priv(); init (optional) sets them
 * up from the options, free (optional) releases what init took. begin:
 * before anything (metadata is known). finding: one finding as soon as it
 * is emitted (--follow; optional). render: the whole report, finalised by
 * the runner (report_finalize); sinks only read it. All return 0 or
 * negative errno (-EIO on write failure).
 */
struct sink_ops {
	const char *name;
	size_t size;
	int (*init)(struct sink *s);
	int (*begin)(struct sink *s, const struct report *r);
	int (*finding)(struct sink *s, const struct finding *f);
	int (*render)(struct sink *s, const struct report *r);
	void (*free)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	struct sink_opts opts;
	void *priv; /* ops->size bytes, owned by the sink */
};

static inline void *sink_priv(const struct sink *s)
{
	return s->priv;
}

extern const struct sink_ops SINK_TEXT;
extern const struct sink_ops SINK_JSON;

/*
 * The formats a run can choose from. sink_formats_default() fills the
 * product table (sink.c: the one place a format is registered); tests add
 * their own through sink_formats_add(). Commands never name a format.
 */
#define SINK_MAX_FORMATS 16
struct sink_formats {
	const struct sink_ops *ops[SINK_MAX_FORMATS];
	size_t n;
};

void sink_formats_default(struct sink_formats *fm);
/* -EEXIST for a taken name, -E2BIG when full. */
int sink_formats_add(struct sink_formats *fm, const struct sink_ops *ops);
const struct sink_ops *sink_formats_find(const struct sink_formats *fm,
					 const char *name);
/* "text, json": for usage messages. */
void sink_formats_list(const struct sink_formats *fm, char *buf, size_t n);
/* Whether name is a format of the product table. */
bool sink_format_known(const char *name);

/* Colour rule of the text sink (exposed for tests). */
bool sink_use_color(const struct sink_opts *o);
/*
 * Width the text sink lays out for: COLUMNS when set (a number >= 20),
 * else the terminal's width when writing to one, else 0 (no limit: files
 * and pipes get the whole table, as before).
 */
unsigned sink_text_width(const struct sink_opts *o);

/* A sink of format (NULL fm: the product table). NULL + err (usage) for
 * an unknown name, or on OOM. */
struct sink *sink_new_in(const struct sink_formats *fm, const char *format,
			 const struct sink_opts *opts, struct nd_err *err);
struct sink *sink_new(const char *format, const struct sink_opts *opts,
		      struct nd_err *err);
void sink_free(struct sink *s);

int sink_begin(struct sink *s, const struct report *r);
int sink_finding(struct sink *s, const struct finding *f);
/* The whole report; flushes and checks the stream. */
int sink_end(struct sink *s, const struct report *r);
/* begin + end, for non-streaming commands. */
int sink_render(struct sink *s, const struct report *r);

/*
 * Copies src into a new string with every invalid UTF-8 sequence replaced
 * by U+FFFD (json-c passes bytes through unchanged). Caller frees.
 */
char *sink_utf8_sanitize(const char *src);

/* For sink implementations: UTC "YYYY-MM-DDTHH:MM:SS[.frac]Z". */
void sink_fmt_time(int64_t ns, int frac_digits, char *buf, size_t n);

#endif
