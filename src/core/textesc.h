/* SPDX-License-Identifier: MIT */
/* Escaping untrusted text (file names, settings, packet strings) for a terminal. */
#ifndef NETDX_CORE_TEXTESC_H
#define NETDX_CORE_TEXTESC_H

#include <stddef.h>
#include <stdio.h>

/*
 * Shown escaped, everything else as is: C0 controls and DEL as \xNN, each
 * byte of invalid UTF-8 (a lone 0x9b too) as \xNN, C1 controls (U+0080 to
 * U+009F) and the bidirectional controls U+202A..U+202E, U+2066..U+2069 as
 * \uNNNN. A backslash stays a backslash.
 */
void text_put_escaped(FILE *fp, const char *s);
/*
 * The same into buf (n >= 1): always NUL-terminated, cut before an escape
 * or character that does not fit. Returns the length written.
 */
size_t text_escape(char *buf, size_t n, const char *s);

#endif
