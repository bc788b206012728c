// SPDX-License-Identifier: MIT
/* Durations with units (core/fmt.c) and the finding-text fields that use them: {x:ms}, {n|one|other}. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/fmt.h"
#include "rules/finding.h"

static void dur(int64_t ns, const char *want, size_t width)
{
	char buf[32];
	size_t n = fmt_duration(buf, ns);

	cr_assert_str_eq(buf, want, "%lld ns", (long long)ns);
	cr_assert_eq(n, strlen(want));
	cr_assert_eq(fmt_duration_width(buf, n), width, "%s", want);
}

Test(fmt_duration, three_digits_and_a_unit)
{
	dur(0, "0", 1);
	dur(750, "750 ns", 6);
	dur(999, "999 ns", 6);
	dur(1000, "1 \xc2\xb5s", 4);
	dur(56000, "56 \xc2\xb5s", 5);
	dur(56499, "56 \xc2\xb5s", 5);
	dur(56500, "57 \xc2\xb5s", 5);
	dur(999499, "999 \xc2\xb5s", 6);
	dur(999500, "1.00 ms", 7); /* rounds into the next unit */
	dur(2957310, "2.96 ms", 7);
	dur(14293000, "14.3 ms", 7);
	dur(125000000, "125 ms", 6);
	dur(999600000, "1.0 s", 5);
	dur(3013912000LL, "3.0 s", 5);
	dur(99940000000LL, "99.9 s", 6);
	dur(3012000000000LL, "3012 s", 6);
	dur(-56000, "-56 \xc2\xb5s", 6);
	dur(INT64_MIN, "-9223372037 s", 13);
}

Test(fmt_duration, finding_text_plural_and_ms_fields)
{
	struct finding *f = finding_new("tcp.zero_window");

	cr_assert_not_null(f);
	finding_set_i64(f, "count", 1);
	finding_set_f64(f, "total_ms", 2957.31);
	finding_set_i64(f, "probes", 3);
	cr_assert_eq(finding_explain(f, NULL), 0);
	cr_assert_not_null(strstr(f->explanation,
				  "zero window 1 time (for 3.0 s in total)"),
			   "%s", f->explanation);
	finding_set_i64(f, "count", 2);
	finding_set_f64(f, "total_ms", 0.02);
	cr_assert_eq(finding_explain(f, NULL), 0);
	cr_assert_not_null(strstr(f->explanation,
				  "zero window 2 times (for 20 \xc2\xb5s in total)"),
			   "%s", f->explanation);
	finding_free(f);

	f = finding_new("tcp.closed_port");
	finding_set_i64(f, "count", 1);
	cr_assert_eq(finding_explain(f, NULL), 0);
	cr_assert(!strncmp(f->explanation, "1 connection attempt was answered", 33),
		  "%s", f->explanation);
	finding_set_i64(f, "count", 3);
	cr_assert_eq(finding_explain(f, NULL), 0);
	cr_assert(!strncmp(f->explanation, "3 connection attempts were answered", 35),
		  "%s", f->explanation);
	finding_free(f);
}
