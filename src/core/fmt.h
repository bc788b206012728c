/* SPDX-License-Identifier: MIT */
/* Hand-rolled decimal formatting for hot output paths (no printf). */
#ifndef NETDX_CORE_FMT_H
#define NETDX_CORE_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Number of decimal digits of v: what fmt_dec writes (1 for 0). */
static inline size_t fmt_dec_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* Writes the decimal digits of v at p (at most 20, no NUL); returns the count. */
static inline size_t fmt_dec(char *p, uint64_t v)
{
	size_t n = fmt_dec_len(v);

	for (size_t i = n; i-- > 0; v /= 10)
		p[i] = (char)('0' + v % 10);
	return n;
}

#endif
