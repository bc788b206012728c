// SPDX-License-Identifier: MIT
/* Durations with units: one format for tables and finding texts. */
#include "core/fmt.h"

#include <string.h>

struct dur_step {
	uint64_t div;	  /* ns per last printed digit */
	unsigned decimals;
	const char *unit; /* with its leading space */
};

static const struct dur_step DUR_STEPS[] = {
	{ 1, 0, " ns" },	   { 1000, 0, " \xc2\xb5s" },
	{ 10000, 2, " ms" },	   { 100000, 1, " ms" },
	{ 1000000, 0, " ms" },	   { 100000000, 1, " s" },
	{ 1000000000, 0, " s" },
};
#define DUR_NSTEPS (sizeof(DUR_STEPS) / sizeof(DUR_STEPS[0]))

size_t fmt_duration(char *buf, int64_t ns)
{
	size_t n = 0;
	uint64_t a = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns, v = 0;
	const struct dur_step *st = &DUR_STEPS[DUR_NSTEPS - 1];

	if (!a) {
		buf[0] = '0';
		buf[1] = 0;
		return 1;
	}
	if (ns < 0)
		buf[n++] = '-';
	/* The first step whose rounded value keeps three digits. */
	for (size_t i = 0; i < DUR_NSTEPS; i++) {
		uint64_t d = DUR_STEPS[i].div;
		v = a / d + (d > 1 && a % d >= (d + 1) / 2);
		if (v < 1000 || i + 1 == DUR_NSTEPS) {
			st = &DUR_STEPS[i];
			break;
		}
	}
	if (st->decimals) {
		n += fmt_dec(buf + n, v / (st->decimals == 2 ? 100 : 10));
		buf[n++] = '.';
		if (st->decimals == 2)
			buf[n++] = (char)('0' + v / 10 % 10);
		buf[n++] = (char)('0' + v % 10);
	} else {
		n += fmt_dec(buf + n, v);
	}
	size_t ul = strlen(st->unit);
	memcpy(buf + n, st->unit, ul + 1);
	return n + ul;
}

size_t fmt_duration_width(const char *buf, size_t len)
{
	return len >= 3 && memcmp(buf + len - 3, "\xc2\xb5s", 3) == 0 ? len - 1
								    : len;
}
