/* SPDX-License-Identifier: MIT */
/* One-line error messages carried from libraries to the command layer. */
#ifndef NETDX_CORE_ERR_H
#define NETDX_CORE_ERR_H

#include <stdarg.h>

/*
 * Libraries never print or exit: they fill an nd_err and return a negative
 * errno-style code. The command layer prints msg and picks the exit status
 * from kind.
 */
enum nd_err_kind {
	ND_ERR_NONE = 0,
	ND_ERR_USAGE,	  /* bad option, bad filter expression */
	ND_ERR_INPUT,	  /* unreadable or invalid input file */
	ND_ERR_PRIVILEGE, /* missing privilege or capability */
	ND_ERR_RUNTIME,	  /* anything else (out of memory, I/O) */
};

struct nd_err {
	enum nd_err_kind kind;
	char msg[512];
};

/* Formats msg (truncating safely) and sets kind; returns -code for chaining. */
int nd_err_set(struct nd_err *e, enum nd_err_kind kind, int code,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
