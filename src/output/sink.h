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

struct sink_opts {
	FILE *out;
	/*
	 * Colour (text only): AUTO = colour when is_tty and NO_COLOR is unset or
	 * empty (no-color.org). The caller passes isatty(fileno(out)) and
	 * getenv("NO_COLOR") so tests can drive both.
	 */
	enum sink_color color;
	bool is_tty;
	const char *no_color_env;
	const char *term_env; /* getenv("TERM"): "dumb" means no colour */
	bool follow;	   /* findings are streamed through sink_finding() */
	size_t top_n;	   /* summary lines in the text sink; 0 = 10 */
};

struct sink;

/*
 * begin: before anything (metadata is known). finding: one finding as soon
 * as it is emitted (--follow; otherwise not called). end: renders the whole
 * report (ranks it first). All return 0 or negative errno (-EIO on write
 * failure).
 */
struct sink_ops {
	const char *name;
	int (*begin)(struct sink *s, const struct report *r);
	int (*finding)(struct sink *s, const struct finding *f);
	int (*end)(struct sink *s, struct report *r);
};

struct sink {
	const struct sink_ops *ops;
	struct sink_opts opts;
	bool color; /* resolved colour decision */
	int state;  /* implementation scratch */
};

extern const struct sink_ops SINK_TEXT;
extern const struct sink_ops SINK_JSON;

/* Resolved colour rule (exposed for tests). */
bool sink_use_color(const struct sink_opts *o);

/* "text" or "json". NULL + err (usage) for other names or OOM. */
struct sink *sink_new(const char *format, const struct sink_opts *opts,
		      struct nd_err *err);
void sink_free(struct sink *s);

int sink_begin(struct sink *s, const struct report *r);
int sink_finding(struct sink *s, const struct finding *f);
int sink_end(struct sink *s, struct report *r);
/* begin + end, for non-streaming commands. */
int sink_render(struct sink *s, struct report *r);

/*
 * Copies src into a new string with every invalid UTF-8 sequence replaced
 * by U+FFFD (json-c passes bytes through unchanged). Caller frees.
 */
char *sink_utf8_sanitize(const char *src);

/* For sink implementations: UTC "YYYY-MM-DDTHH:MM:SS[.frac]Z". */
void sink_fmt_time(int64_t ns, int frac_digits, char *buf, size_t n);

#endif
