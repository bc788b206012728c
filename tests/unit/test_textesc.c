// SPDX-License-Identifier: MIT
/* core/textesc: untrusted text cannot drive the terminal. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/textesc.h"

static void check(const char *in, const char *want)
{
	char buf[256];

	text_escape(buf, sizeof(buf), in);
	cr_expect_str_eq(buf, want, "escaping '%s'", want);
}

Test(textesc, controls_invalid_utf8_c1_bidi)
{
	check("plain ascii \\ ok", "plain ascii \\ ok");
	check("a\x1b[31mred\nx\x7f", "a\\x1b[31mred\\x0ax\\x7f");
	check("\x9b" "31m", "\\x9b31m");	       /* lone C1 byte: invalid */
	check("\xc2\x9b", "\\u009b");		       /* U+009B encoded */
	check("evil\xe2\x80\xae" "fdp.exe", "evil\\u202efdp.exe");
	check("\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069");
	check("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac"); /* kept */
	check("\xc0\xaf", "\\xc0\\xaf");	       /* overlong */
	check("\xed\xa0\x80", "\\xed\\xa0\\x80");      /* surrogate */
	check("\xe2\x82", "\\xe2\\x82");	       /* cut short */
	check("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
}

Test(textesc, truncates_at_whole_units)
{
	char buf[6];

	cr_expect_eq(text_escape(buf, sizeof(buf), "ab\x1b"), 2);
	cr_expect_str_eq(buf, "ab");
	cr_expect_eq(text_escape(buf, 1, "abc"), 0);
	cr_expect_str_eq(buf, "");
}
