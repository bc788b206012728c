/* SPDX-License-Identifier: MIT */
/* The finding catalog: every finding id netdx can emit, with its texts. */
#ifndef NETDX_RULES_CATALOG_H
#define NETDX_RULES_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

/* Severity scale shared by all sources (FINDINGS.md). Ordered: compare with <. */
enum nd_severity {
	SEV_INFO = 0, /* explains, no action */
	SEV_LOW,      /* worth knowing */
	SEV_WARN,     /* service degraded; act soon */
	SEV_CRIT,     /* work refused or data lost now */
};
#define SEV_COUNT 4

#define CATALOG_MAX_REFS 3

/*
 * One row per finding id. The table is the set of emittable ids: a finding
 * can only be created from an entry (finding_new asserts the id exists).
 * cause is a template: "{name}" is replaced by the finding's number of that
 * name (see finding_explain()).
 */
struct catalog_entry {
	const char *id;	    /* "<area>.<cause>", lower_snake, stable forever */
	enum nd_severity severity; /* default; a rule may raise or lower it */
	const char *title;  /* one line, no trailing period */
	const char *cause;  /* plain-language explanation template */
	const char *remedy; /* what to do */
	const char *refs[CATALOG_MAX_REFS]; /* NULL-terminated unless full */
};

/* The entry for id, or NULL when the catalog has no such id. */
const struct catalog_entry *catalog_lookup(const char *id);
size_t catalog_count(void);
/* Entry i (0 <= i < catalog_count()), in table order. */
const struct catalog_entry *catalog_at(size_t i);

/* "info", "low", "warn", "crit". */
const char *severity_name(enum nd_severity s);
/* Parses a severity name (also "warning", "critical"); 0 or -EINVAL. */
int severity_parse(const char *s, enum nd_severity *out);

#endif
