// SPDX-License-Identifier: MIT
/* Output paths: never replace a device, FIFO or symlink; regular files atomically. */
#include "core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void of_release(struct outfile *of)
{
	free(of->path);
	free(of->tmp);
	of->fp = NULL;
	of->path = of->tmp = NULL;
}

/* "-": the data takes standard output, the rest of stdout goes to stderr. */
static int open_stdout(struct outfile *of, const char *what,
		       struct nd_err *err)
{
	int fd;

	fflush(stdout);
	fd = dup(STDOUT_FILENO);
	if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
	    !(of->fp = fdopen(fd, "wb"))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return nd_err_set(err, ND_ERR_RUNTIME, e,
				  "%s -: cannot use standard output: %s", what,
				  strerror(e));
	}
	of->path = strdup("-");
	if (!of->path) {
		fclose(of->fp);
		of->fp = NULL;
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	}
	return 0;
}

/* FIFO or character device: written in place, never replaced. */
static int open_direct(struct outfile *of, const char *what,
		       struct nd_err *err)
{
	struct stat st;
	int fd = open(of->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, errno,
				  "%s %s: cannot open: %s", what, of->path,
				  strerror(errno));
	/* What was opened is what the rule allowed (no swap in between). */
	if (fstat(fd, &st) != 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		return nd_err_set(err, ND_ERR_RUNTIME, EIO,
				  "%s %s: changed while being opened", what,
				  of->path);
	}
	of->fp = fdopen(fd, "wb");
	if (!of->fp) {
		int e = errno;
		close(fd);
		return nd_err_set(err, ND_ERR_RUNTIME, e, "%s %s: %s", what,
				  of->path, strerror(e));
	}
	return 0;
}

/* Regular file or none yet: a temporary next to it, renamed at commit. */
static int open_tmp(struct outfile *of, const char *what, struct nd_err *err)
{
	static const char suffix[] = ".tmpXXXXXX";
	size_t plen = strlen(of->path);
	int fd;

	of->tmp = malloc(plen + sizeof(suffix));
	if (!of->tmp)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	memcpy(of->tmp, of->path, plen);
	memcpy(of->tmp + plen, suffix, sizeof(suffix));
	fd = mkostemp(of->tmp, O_CLOEXEC);
	if (fd < 0) {
		free(of->tmp);
		of->tmp = NULL;
		return nd_err_set(err, ND_ERR_RUNTIME, errno,
				  "%s %s: cannot create a file next to it: %s",
				  what, of->path, strerror(errno));
	}
	of->fp = fdopen(fd, "wb");
	if (!of->fp) {
		int e = errno;
		close(fd);
		unlink(of->tmp);
		return nd_err_set(err, ND_ERR_RUNTIME, e, "%s %s: %s", what,
				  of->path, strerror(e));
	}
	return 0;
}

int outfile_open(struct outfile *of, const char *path, const char *what,
		 struct nd_err *err)
{
	struct stat st;
	int r;

	memset(of, 0, sizeof(*of));
	if (!path || !*path)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "%s: empty output path", what);
	if (strcmp(path, "-") == 0)
		return open_stdout(of, what, err);
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		of->path = realpath(path, NULL);
		if (!of->path)
			return nd_err_set(err, ND_ERR_USAGE, errno,
					  "%s %s: symbolic link to a missing or "
					  "unreachable file (%s)",
					  what, path, strerror(errno));
	} else {
		of->path = strdup(path);
		if (!of->path)
			return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM,
					  "out of memory");
	}
	if (stat(of->path, &st) != 0) {
		if (errno == ENOENT)
			r = open_tmp(of, what, err);
		else
			r = nd_err_set(err, ND_ERR_RUNTIME, errno, "%s %s: %s",
				       what, path, strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		r = open_tmp(of, what, err);
	} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		r = open_direct(of, what, err);
	} else {
		r = nd_err_set(err, ND_ERR_USAGE, EINVAL,
			       "%s %s: not a regular file, FIFO or character "
			       "device; refusing to write to it",
			       what, path);
	}
	if (r < 0)
		of_release(of);
	return r;
}

int outfile_commit(struct outfile *of, struct nd_err *err)
{
	struct stat st;
	int bad, e = 0, r = 0;

	if (!of->fp) {
		of_release(of);
		return 0;
	}
	errno = 0;
	bad = fflush(of->fp) != 0 || ferror(of->fp);
	if (bad)
		e = errno ? errno : EIO;
	if (fclose(of->fp) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	of->fp = NULL;
	if (bad) {
		r = nd_err_set(err, ND_ERR_RUNTIME, e, "cannot write %s: %s",
			       of->path, strerror(e));
	} else if (of->tmp) {
		/* Something other than a regular file appeared meanwhile:
		 * the rule still holds, it is not replaced. */
		if (lstat(of->path, &st) == 0 && !S_ISREG(st.st_mode))
			r = nd_err_set(err, ND_ERR_RUNTIME, EEXIST,
				       "%s: is no longer a regular file; not "
				       "replaced", of->path);
		else if (rename(of->tmp, of->path) != 0)
			r = nd_err_set(err, ND_ERR_RUNTIME, errno,
				       "cannot rename %s to %s: %s", of->tmp,
				       of->path, strerror(errno));
		else {
			free(of->tmp);
			of->tmp = NULL;
		}
	}
	if (of->tmp)
		unlink(of->tmp);
	of_release(of);
	return r;
}

void outfile_abort(struct outfile *of)
{
	if (of->fp)
		fclose(of->fp);
	if (of->tmp)
		unlink(of->tmp);
	of_release(of);
}
