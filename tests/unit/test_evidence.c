// SPDX-License-Identifier: MIT
/* Evidence model: the kind table is documented and sound; undeclared fields are refused; strings, index. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/evidence.h"
#include "test_util.h"

/* True when word occurs in [s, end) delimited by non-identifier bytes. */
static bool has_word(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = s; p + n <= end; p++) {
		if (memcmp(p, word, n) != 0)
			continue;
		bool l = p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool r = p + n == end ||
			 !(isalnum((unsigned char)p[n]) || p[n] == '_');
		if (l && r)
			return true;
	}
	return false;
}

Test(evidence, every_kind_and_field_documented)
{
	char *doc = test_slurp("docs/findings.md");
	cr_assert_not_null(doc, "docs/findings.md missing (run from repo root)");
	for (int k = 0; k < EV_N_KINDS; k++) {
		char key[96];
		snprintf(key, sizeof(key), "\n| `%s` |", ev_kind_name(k));
		const char *row = strstr(doc, key);
		cr_assert_not_null(row, "evidence kind %s has no row in the "
					"Evidence kinds table of docs/findings.md",
			      ev_kind_name(k));
		row++;
		const char *end = strchr(row, '\n');
		const struct ev_kind_def *d = ev_kind_def(k);
		for (unsigned i = 0; i < d->n_fields; i++)
			cr_expect(has_word(row, end, ev_field_name(d->fields[i].field)),
				  "%s: field %s not documented in its row",
				  ev_kind_name(k), ev_field_name(d->fields[i].field));
	}
	/* And the other way: every documented kind exists. */
	const char *t = strstr(doc, "\n| kind | source | numbers |");
	cr_assert_not_null(t, "Evidence kinds table missing");
	int rows = 0;
	for (const char *p = strstr(t + 1, "\n| `"); p && p[1] == '|';
	     p = strchr(p + 1, '\n')) {
		char name[96];
		const char *q = p + 4, *e = strchr(q, '`');
		if (!e || (size_t)(e - q) >= sizeof(name))
			break;
		memcpy(name, q, (size_t)(e - q));
		name[e - q] = 0;
		cr_expect_geq(ev_kind_by_name(name), 0,
			      "docs/findings.md documents unknown kind %s", name);
		rows++;
	}
	cr_expect_eq(rows, EV_N_KINDS);
	free(doc);
}

static bool ident(const char *s, bool dot)
{
	int dots = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s == '.' && dot)
			dots++;
		else if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
			 *s != '_')
			return false;
	}
	return !dot || dots == 1;
}

Test(evidence, kind_table_is_sound)
{
	for (int f = 0; f < EV_N_FIELDS; f++) {
		cr_expect(ident(ev_field_name(f), false), "field name %s",
			  ev_field_name(f));
		cr_expect_eq(ev_field_by_name(ev_field_name(f)), f,
			     "field %s named twice", ev_field_name(f));
	}
	for (int k = 0; k < EV_N_KINDS; k++) {
		const struct ev_kind_def *d = ev_kind_def(k);
		const char *kn = ev_kind_name(k);

		cr_expect(ident(kn, true), "kind name %s", kn);
		cr_expect_eq(ev_kind_by_name(kn), k, "kind %s named twice", kn);
		cr_expect(d->n_fields > 0 && d->n_fields <= EV_MAX_FIELDS, "%s", kn);
		for (unsigned i = 0; i < d->n_fields; i++) {
			const struct ev_field_def *fd = &d->fields[i];

			cr_expect_lt(fd->field, EV_N_FIELDS, "%s", kn);
			cr_expect_eq(ev_field_pos(k, fd->field), (int)i,
				     "%s declares %s twice", kn,
				     ev_field_name(fd->field));
			/* Strings cannot be summed: they say which case. */
			cr_expect(fd->type != EV_STR || fd->merge == EV_LABEL,
				  "%s.%s", kn, ev_field_name(fd->field));
		}
	}
	cr_expect_eq(ev_kind_by_name("tcp.retransmision"), -1);
	cr_expect_eq(ev_field_by_name("retrnas"), -1);
}

Test(evidence, undeclared_field_is_refused)
{
	struct ev_store *st = ev_store_new(0);
	struct evidence e;

	ev_init(&e, EVK_TCP_RETRANS, EV_SRC_CAPTURE);
	cr_assert_eq(ev_set_i64(&e, EVF_RETRANS, 3), 0);
	cr_assert_eq(e.invalid, 0);
	/* tcp.retransmission has no stalls: an error, not a silent slot. */
	cr_assert_eq(ev_set_i64(&e, EVF_STALLS, 1), -EINVAL);
	cr_assert_eq(ev_store_add(st, &e), -EINVAL);
	/* A declared field with the wrong type is refused too. */
	ev_init(&e, EVK_TCP_RETRANS, EV_SRC_CAPTURE);
	cr_assert_eq(ev_set_f64(&e, EVF_RETRANS, 1.5), -EINVAL);
	cr_assert_eq(ev_store_add(st, &e), -EINVAL);
	ev_init(&e, EVK_CAPTURE_DUPLICATE, EV_SRC_CAPTURE);
	cr_assert_eq(ev_set_str(&e, EVF_WINDOW_MS, "x"), -EINVAL);
	cr_assert_eq(ev_store_add(st, &e), -EINVAL);
	cr_assert_eq(ev_store_len(st), 0);
	/* Set again: replaced in place; unset: absent, not 0. */
	ev_init(&e, EVK_TCP_RETRANS, EV_SRC_CAPTURE);
	cr_assert_eq(ev_set_i64(&e, EVF_RETRANS, 1), 0);
	cr_assert_eq(ev_set_i64(&e, EVF_RETRANS, 2), 0);
	int64_t v = 0;
	double d = 0;
	cr_assert(ev_get_i64(&e, EVF_RETRANS, &v));
	cr_assert_eq(v, 2);
	cr_assert(ev_get_f64(&e, EVF_RETRANS, &d));
	cr_assert_float_eq(d, 2, 0);
	cr_assert(!ev_get_i64(&e, EVF_FAST, &v));
	ev_store_free(st);
}

Test(evidence, reading_undeclared_field_asserts, .signal = SIGABRT)
{
	struct evidence e;
	int64_t v;

	ev_init(&e, EVK_TCP_TOTALS, EV_SRC_CAPTURE);
	/* A rule reading the wrong kind's field is a bug, never 0. */
	ev_get_i64(&e, EVF_STALLS, &v);
}

Test(evidence, strings_are_owned_and_fold_as_labels)
{
	struct ev_store *st = ev_store_new(1);
	struct evidence e;
	char reason[32];
	static const char *const rs[] = { "NO_SOCKET", "NETFILTER_DROP",
					   "NO_SOCKET", "NO_SOCKET" };

	for (int i = 0; i < 4; i++) {
		ev_init(&e, EVK_KERNEL_DROP, EV_SRC_KTRACE);
		/* A buffer the producer reuses: the store keeps its own copy. */
		snprintf(reason, sizeof(reason), "%s", rs[i]);
		cr_assert_eq(ev_set_str(&e, EVF_REASON, reason), 0);
		cr_assert_eq(ev_set_str(&e, EVF_LOCATION, "tcp_v4_rcv"), 0);
		cr_assert_eq(ev_set_i64(&e, EVF_COUNT, i + 1), 0);
		ev_scope_set_device(&e.scope, "eth0");
		ev_add_ref(&e, EV_REF_SOCKET, 1000 + (uint64_t)i);
		cr_assert_eq(ev_store_add(st, &e), 0);
		memset(reason, 'X', sizeof(reason) - 1);
	}
	/* One record, then an aggregate per reason (NO_SOCKET: 3 + 4). */
	cr_assert_eq(ev_store_len(st), 3);
	cr_assert_eq(ev_store_kind_len(st, EVK_KERNEL_DROP), 3);
	const struct evidence *r = ev_store_kind_at(st, EVK_KERNEL_DROP, 0);
	cr_assert_str_eq(ev_get_str(r, EVF_REASON), "NO_SOCKET");
	cr_assert_str_eq(r->scope.ifname, "eth0");
	cr_assert_eq(r->refs[0].kind, EV_REF_SOCKET);
	cr_assert_eq(ev_first_frame(r), 0);
	const struct evidence *a = ev_store_kind_at(st, EVK_KERNEL_DROP, 1);
	cr_assert_str_eq(ev_get_str(a, EVF_REASON), "NETFILTER_DROP");
	cr_assert_eq(a->aggregated, 1);
	a = ev_store_kind_at(st, EVK_KERNEL_DROP, 2);
	cr_assert_str_eq(ev_get_str(a, EVF_REASON), "NO_SOCKET");
	cr_assert_str_eq(ev_get_str(a, EVF_LOCATION), "tcp_v4_rcv");
	int64_t n = 0;
	cr_assert(ev_get_i64(a, EVF_COUNT, &n));
	cr_assert_eq(n, 3 + 4);
	cr_assert_eq(a->aggregated, 2);
	cr_assert_eq(a->scope.parts, 0, "aggregates have no scope");
	cr_assert_eq(ev_store_folded(st), 3);
	ev_store_free(st);
}

Test(evidence, store_indexes_by_kind_in_order)
{
	struct ev_store *st = ev_store_new(0);
	struct evidence e;

	for (int i = 0; i < 300; i++) {
		enum ev_kind k = i % 3 ? EVK_TCP_RETRANS : EVK_TCP_RESET;
		ev_init(&e, k, EV_SRC_CAPTURE);
		cr_assert_eq(ev_set_i64(&e, k == EVK_TCP_RESET ? EVF_SYNS :
								 EVF_RETRANS, i), 0);
		ev_add_frame(&e, (uint64_t)i + 1);
		cr_assert_eq(ev_store_add(st, &e), 0);
	}
	cr_assert_eq(ev_store_kind_len(st, EVK_TCP_RESET), 100);
	cr_assert_eq(ev_store_kind_len(st, EVK_TCP_RETRANS), 200);
	cr_assert_eq(ev_store_kind_len(st, EVK_TCP_TOTALS), 0);
	size_t pos = 0, n = 0;
	const struct evidence *x;
	int64_t last = -1, v;
	while ((x = ev_store_next(st, EVK_TCP_RETRANS, &pos))) {
		cr_assert_eq(x->kind, EVK_TCP_RETRANS);
		cr_assert(ev_get_i64(x, EVF_RETRANS, &v));
		cr_assert_gt(v, last);
		cr_assert_eq(ev_first_frame(x), (uint64_t)v + 1);
		last = v;
		n++;
	}
	cr_assert_eq(n, 200);
	ev_store_free(st);
}
