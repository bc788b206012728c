// SPDX-License-Identifier: MIT
/* One escaping rule for every printer of untrusted text (see textesc.h). */
#include "core/textesc.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p and its code point; 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	unsigned char b = p[0];
	size_t n;
	uint32_t v, min;

	if (b >= 0xc2 && b <= 0xdf) {
		n = 2, v = b & 0x1fu, min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3, v = b & 0x0fu, min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4, v = b & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		v = v << 6 | (p[i] & 0x3fu);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not text. */
	if (v < min || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

static bool escaped_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * The display form of the unit at p into out (at most 7 bytes, no NUL):
 * sets *olen, returns the bytes consumed (>= 1).
 */
static size_t esc_unit(const unsigned char *p, char out[8], size_t *olen)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp = 0;
	size_t n;

	if (*p >= 0x20 && *p < 0x7f) {
		out[0] = (char)*p;
		*olen = 1;
		return 1;
	}
	n = *p < 0x80 ? 0 : utf8_seq(p, &cp);
	if (!n) {
		out[0] = '\\', out[1] = 'x';
		out[2] = hex[*p >> 4], out[3] = hex[*p & 15];
		*olen = 4;
		return 1;
	}
	if (escaped_cp(cp)) {
		out[0] = '\\', out[1] = 'u';
		for (int i = 0; i < 4; i++)
			out[2 + i] = hex[(cp >> (12 - 4 * i)) & 15];
		*olen = 6;
		return n;
	}
	memcpy(out, p, n);
	*olen = n;
	return n;
}

void text_put_escaped(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char u[8];
	size_t ul;

	while (p && *p) {
		p += esc_unit(p, u, &ul);
		fwrite(u, 1, ul, fp);
	}
}

size_t text_escape(char *buf, size_t n, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0, ul, used;
	char u[8];

	while (p && *p) {
		used = esc_unit(p, u, &ul);
		if (len + ul + 1 > n)
			break;
		memcpy(buf + len, u, ul);
		len += ul;
		p += used;
	}
	buf[len] = 0;
	return len;
}
