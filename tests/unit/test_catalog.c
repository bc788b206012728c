// SPDX-License-Identifier: MIT
/* Catalog tests: ids well-formed, registered, documented; thresholds documented. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/catalog.h"
#include "rules/rules.h"
#include "evidence/thresholds.h"
#include "test_util.h"

static const char *const AREAS[] = { "capture", "link", "ip", "tcp", "udp",
				     "dns", "app", "nf", "qdisc", "softnet",
				     "neigh", "sysctl", "klog", "drop" };

static bool well_formed(const char *id)
{
	const char *dot = strchr(id, '.');
	if (!dot || strchr(dot + 1, '.') || !dot[1])
		return false;
	bool area_ok = false;
	for (size_t i = 0; i < sizeof(AREAS) / sizeof(AREAS[0]); i++)
		area_ok |= strlen(AREAS[i]) == (size_t)(dot - id) &&
			   strncmp(AREAS[i], id, (size_t)(dot - id)) == 0;
	for (const char *p = dot + 1; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		      *p == '_'))
			return false;
	return area_ok;
}

Test(catalog, ids_well_formed_unique_and_complete)
{
	cr_assert_gt(catalog_count(), 0);
	for (size_t i = 0; i < catalog_count(); i++) {
		const struct catalog_entry *e = catalog_at(i);
		cr_assert(well_formed(e->id), "bad id %s", e->id);
		cr_assert(e->title && *e->title && e->cause && *e->cause &&
				  e->remedy && *e->remedy,
			  "%s: texts missing", e->id);
		cr_assert_leq(e->severity, SEV_CRIT);
		cr_assert_eq(catalog_lookup(e->id), e, "duplicate id %s", e->id);
	}
	cr_assert_null(catalog_lookup("tcp.no_such_thing"));
	cr_assert(!well_formed("TCP.Bad"));
	cr_assert(!well_formed("bogus.area"));
}

Test(catalog, every_id_documented)
{
	char *doc = test_slurp("docs/findings.md");
	cr_assert_not_null(doc, "docs/findings.md missing (run from repo root)");
	for (size_t i = 0; i < catalog_count(); i++) {
		char head[128];
		snprintf(head, sizeof(head), "\n### %s\n", catalog_at(i)->id);
		cr_assert_not_null(strstr(doc, head), "%s not documented",
				   catalog_at(i)->id);
	}
	for (size_t i = 0; i < thresholds_count(); i++) {
		char cell[128];
		snprintf(cell, sizeof(cell), "`%s`", threshold_def_at(i)->name);
		cr_assert_not_null(strstr(doc, cell), "threshold %s not documented",
				   threshold_def_at(i)->name);
	}
	free(doc);
}

Test(catalog, ids_come_from_registry)
{
	char *reg = test_slurp("../shared/docs/FINDINGS.md");
	if (!reg)
		cr_skip_test("../shared/docs/FINDINGS.md not available");
	char *doc = test_slurp("docs/findings.md");
	cr_assert_not_null(doc);
	for (size_t i = 0; i < catalog_count(); i++) {
		char cell[128], newid[128];
		snprintf(cell, sizeof(cell), "| %s |", catalog_at(i)->id);
		snprintf(newid, sizeof(newid), "`%s` (new id)", catalog_at(i)->id);
		/* Not in the registry: must be declared new in docs/findings.md. */
		cr_assert(strstr(reg, cell) || strstr(doc, newid),
			  "%s is neither in FINDINGS.md nor declared new",
			  catalog_at(i)->id);
	}
	free(doc);
	free(reg);
}

Test(catalog, every_rule_has_an_entry)
{
	size_t n;
	const struct rule *r = rules_default(&n);
	for (size_t i = 0; i < n; i++)
		cr_assert_not_null(catalog_lookup(r[i].id), "rule %s", r[i].id);
}

Test(catalog, severity_names)
{
	enum nd_severity s;
	cr_assert_eq(severity_parse("warn", &s), 0);
	cr_assert_eq(s, SEV_WARN);
	cr_assert_eq(severity_parse("critical", &s), 0);
	cr_assert_eq(s, SEV_CRIT);
	cr_assert_lt(severity_parse("WARN ", &s), 0);
	cr_assert_str_eq(severity_name(SEV_LOW), "low");
}
