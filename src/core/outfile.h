/* SPDX-License-Identifier: MIT */
/* Opening an output path (-w, --write-evidence): the one rule for what a path may be. */
#ifndef NETDX_CORE_OUTFILE_H
#define NETDX_CORE_OUTFILE_H

#include <stdio.h>

#include "core/err.h"

/*
 * The rule (README "Output files"):
 *  - "-": standard output. So that nothing else is mixed into the data,
 *    everything netdx would print to standard output from then on (the
 *    report, rows) goes to standard error.
 *  - a symbolic link: the rule applies to the file it points to (the link
 *    stays a link); a link whose target does not exist is refused.
 *  - a FIFO or a character device (/dev/null, a terminal): written
 *    directly; it is never replaced.
 *  - a regular file, or nothing: written to a temporary file (mode 0600)
 *    in the same directory and renamed over the path at commit, so the path
 *    holds either the old file or the complete new one.
 *  - anything else (directory, block device, socket): refused.
 */
struct outfile {
	FILE *fp;   /* write here between open and commit/abort */
	char *path; /* the target (after following a symlink); owned */
	char *tmp;  /* temporary file renamed to path at commit, or NULL */
};

/*
 * what names the option in messages ("-w"). 0, or <0 with err set
 * (ND_ERR_USAGE: a path the rule refuses; ND_ERR_RUNTIME: I/O).
 */
int outfile_open(struct outfile *of, const char *path, const char *what,
		 struct nd_err *err);
/*
 * Flushes, closes and (regular files) renames into place. Any write error
 * so far is reported here: <0 with err set (ND_ERR_RUNTIME) and the
 * temporary file removed. Releases of in every case.
 */
int outfile_commit(struct outfile *of, struct nd_err *err);
/* Closes without publishing: a temporary file is removed. Idempotent. */
void outfile_abort(struct outfile *of);

#endif
