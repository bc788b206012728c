/* SPDX-License-Identifier: MIT */
/* Hand-rolled number and duration formatting for hot output paths (no printf). */
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

/*
 * A duration with its unit and about three significant digits, the one
 * format of every human-readable time: "0", "750 ns", "56 µs", "2.96 ms",
 * "14.3 ms", "125 ms", "3.0 s", "3012 s". buf holds >= 32 bytes; returns
 * the byte length (NUL-terminated). Integer arithmetic only (table cells).
 */
size_t fmt_duration(char *buf, int64_t ns);
/* Display columns of fmt_duration's text ("µ" is two bytes, one column). */
size_t fmt_duration_width(const char *buf, size_t len);

#endif
