/* SPDX-License-Identifier: MIT */
/* Hand-rolled decimal formatting for hot output paths (no printf). */
#ifndef NETDX_CORE_FMT_H
#define NETDX_CORE_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Writes the decimal digits of v at p (at most 20, no NUL); returns the count. */
static inline size_t fmt_dec(char *p, uint64_t v)
{
	char t[20];
	size_t n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		p[i] = t[n - 1 - i];
	return n;
}

#endif
