/* SPDX-License-Identifier: MIT */
/* Small helpers shared by unit tests (header-only: each test is one binary). */
#ifndef NETDX_TESTS_UNIT_TEST_UTIL_H
#define NETDX_TESTS_UNIT_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* A whole file as a NUL-terminated string (caller frees); NULL if unreadable. */
static inline char *test_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1)))
		b[fread(b, 1, (size_t)n, f)] = 0;
	fclose(f);
	return b;
}

#endif
