// SPDX-License-Identifier: MIT
/* Report model: lazy tables (one row at a time, its strings kept, fill errors), IPv6 text. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "output/report.h"

static const struct report_col COLS[] = {
	{ "name", COL_STR }, { "n", COL_U64 }, { "peer", COL_ADDR },
	{ "dur", COL_DURATION },
};

/* The command's side: counts fills, fails on one row if asked. */
struct fill_ctx {
	size_t fills;
	size_t last_row;
	size_t fail_row; /* SIZE_MAX: never */
};

static int fill(void *ctx, size_t row, struct rtable *out)
{
	struct fill_ctx *c = ctx;
	char name[32];
	uint8_t v4[4] = { 10, 0, 0, (uint8_t)row };

	c->fills++;
	c->last_row = row;
	if (row == c->fail_row)
		return -ENOMEM;
	/* A stack buffer: the table must copy it. */
	snprintf(name, sizeof(name), "row-%zu", row);
	if (rtable_set_str(out, 0, name) < 0 ||
	    rtable_set_addr(out, 2, 4, v4, (int)(1000 + row)) < 0)
		return -ENOMEM;
	rtable_set_u64(out, 1, row * 10);
	/* Odd rows leave "dur" unset. */
	if (!(row & 1))
		rtable_set_duration(out, 3, (int64_t)row * 1000000);
	memset(name, 'X', sizeof(name));
	return 0;
}

Test(report, lazy_table_cells_and_strings)
{
	struct report *r = report_new("flows");
	struct fill_ctx c = { .fail_row = SIZE_MAX };
	struct rtable *t = report_add_lazy_table(r, "flows", COLS, 4, 300, fill, &c);

	cr_assert_not_null(t);
	cr_assert_eq(rtable_nrows(t), 300);
	cr_assert_eq(rtable_ncols(t), 4);
	cr_assert_str_eq(rtable_name(t), "flows");
	/* Nothing is filled before a cell is read. */
	cr_assert_eq(c.fills, 0);
	for (size_t row = 0; row < 300; row++) {
		const struct rcell *name = rtable_cell(t, row, 0);
		const struct rcell *peer = rtable_cell(t, row, 2);
		char want[32];

		cr_assert_not_null(name);
		snprintf(want, sizeof(want), "row-%zu", row);
		/* Strings of the row stay valid while the row is read. */
		cr_assert(name->set);
		cr_assert_str_eq(name->v.s, want);
		snprintf(want, sizeof(want), "10.0.0.%zu:%zu", row & 0xff,
			 1000 + row);
		cr_assert_str_eq(peer->v.s, want);
		cr_assert_str_eq(rtable_cell(t, row, 0)->v.s, name->v.s);
		cr_assert_eq(rtable_cell(t, row, 1)->v.u, row * 10);
		/* Unset cells of the previous row do not leak into this one. */
		cr_assert_eq(rtable_cell(t, row, 3)->set, !(row & 1));
		/* One fill per row read column by column. */
		cr_assert_eq(c.fills, row + 1);
	}
	/* Back to an earlier row: filled again, same content. */
	cr_assert_str_eq(rtable_cell(t, 7, 0)->v.s, "row-7");
	cr_assert_eq(c.fills, 301);
	cr_assert_null(rtable_cell(t, 300, 0));
	cr_assert_null(rtable_cell(t, 0, 4));
	cr_assert_eq(rtable_status(t), 0);
	report_free(r);
}

Test(report, lazy_table_without_rows)
{
	struct report *r = report_new("flows");
	struct fill_ctx c = { .fail_row = SIZE_MAX };
	struct rtable *t = report_add_lazy_table(r, "empty", COLS, 4, 0, fill, &c);

	cr_assert_not_null(t);
	cr_assert_eq(report_table_count(r), 1);
	cr_assert_eq(rtable_nrows(t), 0);
	cr_assert_null(rtable_cell(t, 0, 0));
	cr_assert_eq(c.fills, 0);
	cr_assert_eq(rtable_status(t), 0);
	report_free(r);
}

Test(report, lazy_table_fill_error_is_sticky)
{
	struct report *r = report_new("flows");
	struct fill_ctx c = { .fail_row = 2 };
	struct rtable *t = report_add_lazy_table(r, "flows", COLS, 4, 5, fill, &c);

	cr_assert_not_null(rtable_cell(t, 1, 0));
	cr_assert_eq(rtable_status(t), 0);
	cr_assert_null(rtable_cell(t, 2, 0));
	cr_assert_eq(rtable_status(t), -ENOMEM);
	/* Later rows still read, the error stays. */
	cr_assert_str_eq(rtable_cell(t, 3, 0)->v.s, "row-3");
	cr_assert_eq(rtable_status(t), -ENOMEM);
	report_free(r);
}

Test(report, materialised_table_unchanged)
{
	struct report *r = report_new("analyze");
	struct rtable *t = report_add_table(r, "conns", COLS, 4);
	uint8_t v4[4] = { 192, 0, 2, 1 };

	for (int i = 0; i < 3; i++) {
		cr_assert_eq(rtable_add_row(t), 0);
		cr_assert_eq(rtable_set_str(t, 0, i ? "b" : "a"), 0);
		rtable_set_u64(t, 1, (uint64_t)i);
	}
	cr_assert_eq(rtable_set_addr(t, 2, 4, v4, -1), 0);
	cr_assert_eq(rtable_nrows(t), 3);
	/* Every row stays readable, in any order. */
	cr_assert_str_eq(rtable_cell(t, 2, 2)->v.s, "192.0.2.1");
	cr_assert_str_eq(rtable_cell(t, 0, 0)->v.s, "a");
	cr_assert_eq(rtable_cell(t, 1, 1)->v.u, 1);
	cr_assert_not(rtable_cell(t, 0, 2)->set);
	cr_assert_eq(rtable_status(t), 0);
	report_free(r);
}

Test(report, rtable_row_matches_cells)
{
	struct report *r = report_new("flows");
	struct fill_ctx c = { .fail_row = 4 };
	struct rtable *t = report_add_lazy_table(r, "flows", COLS, 4, 5, fill, &c);
	const struct rcell *row = rtable_row(t, 3);

	cr_assert_not_null(row);
	cr_assert_eq(row, rtable_cell(t, 3, 0));
	cr_assert_str_eq(row[0].v.s, "row-3");
	cr_assert_eq(row[1].v.u, 30);
	cr_assert_null(rtable_row(t, 5));
	/* A row whose fill fails has no cells. */
	cr_assert_null(rtable_row(t, 4));
	cr_assert_eq(rtable_status(t), -ENOMEM);
	report_free(r);
}

/* Compares report_fmt_ipv6 with the C library for one address. */
static void ipv6_same(const uint8_t a[16])
{
	char want[INET6_ADDRSTRLEN], got[64];
	size_t n;

	cr_assert_not_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
	n = report_fmt_ipv6(got, a);
	cr_assert_lt(n, INET6_ADDRSTRLEN);
	got[n] = 0;
	cr_assert_str_eq(got, want);
}

Test(report, ipv6_text_as_inet_ntop)
{
	/* Every pattern of zero runs, with IPv4-mapped/-compatible shapes:
	 * each group one of 0, 1, ffff, a0b. */
	static const unsigned G[4] = { 0, 1, 0xffff, 0x0a0b };
	uint8_t a[16];
	uint32_t x = 12345;

	for (unsigned m = 0; m < 1u << 16; m++) {
		for (int i = 0; i < 8; i++) {
			unsigned g = G[(m >> (2 * i)) & 3];

			a[2 * i] = (uint8_t)(g >> 8);
			a[2 * i + 1] = (uint8_t)g;
		}
		ipv6_same(a);
	}
	/* Random groups, some zeroed (single zero groups stay "0"). */
	for (int k = 0; k < 20000; k++) {
		for (int i = 0; i < 16; i++) {
			x = x * 1103515245u + 12345u;
			a[i] = (uint8_t)(x >> 16);
		}
		for (int i = 0; i < 8; i++)
			if ((x >> (i + 3)) & 1)
				a[2 * i] = a[2 * i + 1] = 0;
		ipv6_same(a);
	}
}

/* Text cells carry their length and whether they are printable ASCII. */
Test(report, text_cells_know_length_and_cleanliness)
{
	static const struct report_col cols[] = {
		{ "s", COL_STR }, { "a", COL_ADDR }, { "c", COL_STR },
	};
	static const uint8_t a4[4] = { 10, 0, 0, 1 };
	struct report *r = report_new("x");
	struct rtable *t = report_add_table(r, "t", cols, 3);
	cr_assert_eq(rtable_add_row(t), 0);
	cr_assert_eq(rtable_set_str(t, 0, "caf\xc3\xa9"), 0);
	cr_assert_eq(rtable_set_addr(t, 1, 4, a4, 80), 0);
	rtable_set_const_str(t, 2, "CLOSED");
	const struct rcell *c = rtable_row(t, 0);
	cr_assert_eq(c[0].len, 5);
	cr_assert_not(c[0].clean);
	cr_assert_eq(c[1].len, strlen("10.0.0.1:80"));
	cr_assert(c[1].clean);
	cr_assert_eq(c[2].len, 6);
	cr_assert(c[2].clean);
	cr_assert_eq(rtable_add_row(t), 0);
	cr_assert_eq(rtable_set_str(t, 0, "a\x7f"), 0);
	cr_assert_not(rtable_row(t, 1)[0].clean);
	report_free(r);
}
