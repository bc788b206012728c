/* SPDX-License-Identifier: MIT */
/* A finding: one cause, with severity, explanation, evidence and remedy. */
#ifndef NETDX_RULES_FINDING_H
#define NETDX_RULES_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "rules/catalog.h"
#include "evidence/evidence.h"

#define FINDING_MAX_NUMS 16

/* A finding's named number, as the explanation and the sinks show it. */
enum ev_num_type { EV_NUM_I64 = 0, EV_NUM_F64 };

/* name must be a string literal (or outlive every copy). */
struct ev_num {
	const char *name;
	uint8_t type; /* enum ev_num_type */
	union {
		int64_t i;
		double d;
	} v;
};

/*
 * id, title, remedy and references come from the catalog entry (static);
 * explanation, evidence lines and remedy_note are owned by the finding.
 */
struct finding {
	const struct catalog_entry *entry;
	const char *id;		  /* == entry->id */
	enum nd_severity severity; /* starts at entry->severity */
	char *explanation;	  /* cause with numbers filled in */
	char **lines;		  /* evidence summary lines */
	size_t n_lines;
	uint8_t n_nums;
	struct ev_num nums[FINDING_MAX_NUMS]; /* structured numbers */
	uint8_t n_frames;
	uint64_t frames[EV_MAX_FRAMES]; /* first frames */
	uint64_t frame_count;		 /* total frames involved */
	char *remedy_note;	  /* optional case-specific remedy addition */
	struct ev_scope scope;	  /* what it is about; parts 0 = whole run */
	double impact;		  /* ranking within a severity; higher first */
};

/*
 * New finding for a catalog id. An id missing from the catalog is a
 * programmer error (assert). Returns NULL only when out of memory.
 */
struct finding *finding_new(const char *id);
void finding_free(struct finding *f);

/* Numbers: replaced when the name exists; -ENOSPC when full. */
int finding_set_i64(struct finding *f, const char *name, int64_t v);
int finding_set_f64(struct finding *f, const char *name, double v);
const struct ev_num *finding_num(const struct finding *f, const char *name);

/*
 * Builds the explanation from the catalog cause template, replacing each
 * "{name}" by that number ("?" if unset); fmt, when not NULL, is appended
 * as a further sentence. 0 or -ENOMEM.
 */
int finding_explain(struct finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Adds an evidence summary line. 0 or -ENOMEM. */
int finding_add_line(struct finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int finding_set_remedy_note(struct finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Merges frame references (keeps the first EV_MAX_FRAMES, adds count). */
void finding_add_frames(struct finding *f, const uint64_t *frames, size_t n,
			uint64_t total);

/* Formats a number the way explanations show it (integers exact, doubles short). */
void finding_format_num(const struct ev_num *n, char *buf, size_t len);

#endif
