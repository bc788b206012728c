// SPDX-License-Identifier: MIT
/* nd_err formatting. */
#include "core/err.h"

#include <stdio.h>

int nd_err_set(struct nd_err *e, enum nd_err_kind kind, int code,
	       const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		e->kind = kind;
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return code > 0 ? -code : code;
}
