// SPDX-License-Identifier: MIT
/* core/outfile: the one rule for output paths (-w, --write-evidence). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/outfile.h"

static char dir[] = "/tmp/ndx-outfile-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static void slurp(const char *p, char *buf, size_t n)
{
	FILE *fp = fopen(p, "r");
	size_t k;

	cr_assert_not_null(fp);
	k = fread(buf, 1, n - 1, fp);
	buf[k] = 0;
	fclose(fp);
}

TestSuite(outfile, .init = setup, .fini = teardown);

Test(outfile, regular_file_replaced_only_at_commit)
{
	char p[256], got[64];
	struct outfile of;
	struct nd_err e = { 0 };
	FILE *fp;

	path_in(p, sizeof(p), "out");
	fp = fopen(p, "w");
	fputs("old", fp);
	fclose(fp);
	cr_assert_eq(outfile_open(&of, p, "-w", &e), 0, "%s", e.msg);
	fputs("new", of.fp);
	slurp(p, got, sizeof(got));
	cr_expect_str_eq(got, "old", "the old file stays until commit");
	cr_assert_eq(outfile_commit(&of, &e), 0, "%s", e.msg);
	slurp(p, got, sizeof(got));
	cr_expect_str_eq(got, "new");
}

Test(outfile, abort_leaves_nothing)
{
	char p[256];
	struct outfile of;
	struct nd_err e = { 0 };
	struct stat st;

	path_in(p, sizeof(p), "never");
	cr_assert_eq(outfile_open(&of, p, "-w", &e), 0, "%s", e.msg);
	fputs("x", of.fp);
	outfile_abort(&of);
	cr_expect_neq(stat(p, &st), 0);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
	cr_expect_eq(system(cmd), 0, "temporary file removed");
}

Test(outfile, fifo_written_through)
{
	char p[256], got[64];
	struct outfile of;
	struct nd_err e = { 0 };
	struct stat st;
	int rfd;

	path_in(p, sizeof(p), "fifo");
	cr_assert_eq(mkfifo(p, 0600), 0);
	/* A reader first, so opening for writing does not block. */
	rfd = open(p, O_RDONLY | O_NONBLOCK);
	cr_assert_geq(rfd, 0);
	cr_assert_eq(outfile_open(&of, p, "-w", &e), 0, "%s", e.msg);
	fputs("data", of.fp);
	cr_assert_eq(outfile_commit(&of, &e), 0, "%s", e.msg);
	ssize_t k = read(rfd, got, sizeof(got) - 1);
	cr_assert_eq(k, 4);
	got[k] = 0;
	cr_expect_str_eq(got, "data");
	close(rfd);
	cr_assert_eq(lstat(p, &st), 0);
	cr_expect(S_ISFIFO(st.st_mode), "still a FIFO");
}

Test(outfile, symlink_target_written_link_kept)
{
	char p[256], t[256], got[64];
	struct outfile of;
	struct nd_err e = { 0 };
	struct stat st;

	path_in(p, sizeof(p), "link");
	path_in(t, sizeof(t), "target");
	cr_assert_eq(symlink("target", p), 0);
	FILE *fp = fopen(t, "w");
	fclose(fp);
	cr_assert_eq(outfile_open(&of, p, "-w", &e), 0, "%s", e.msg);
	fputs("via link", of.fp);
	cr_assert_eq(outfile_commit(&of, &e), 0, "%s", e.msg);
	cr_assert_eq(lstat(p, &st), 0);
	cr_expect(S_ISLNK(st.st_mode), "still a symlink");
	slurp(t, got, sizeof(got));
	cr_expect_str_eq(got, "via link");
}

Test(outfile, refused_paths)
{
	char p[256];
	struct outfile of;
	struct nd_err e = { 0 };

	path_in(p, sizeof(p), "dangling");
	cr_assert_eq(symlink("missing", p), 0);
	cr_expect_lt(outfile_open(&of, p, "-w", &e), 0);
	cr_expect_eq(e.kind, ND_ERR_USAGE);
	cr_expect_null(of.fp);
	e = (struct nd_err){ 0 };
	cr_expect_lt(outfile_open(&of, dir, "-w", &e), 0, "a directory");
	cr_expect_eq(e.kind, ND_ERR_USAGE);
	cr_expect(strstr(e.msg, "-w") != NULL, "%s", e.msg);
}

Test(outfile, write_error_reported_at_commit)
{
	struct outfile of;
	struct nd_err e = { 0 };
	struct stat st;

	/* /dev/full: written through (a character device), every write fails. */
	cr_assert_eq(outfile_open(&of, "/dev/full", "-w", &e), 0, "%s", e.msg);
	fputs("x", of.fp);
	cr_expect_lt(outfile_commit(&of, &e), 0);
	cr_expect_eq(e.kind, ND_ERR_RUNTIME);
	cr_assert_eq(stat("/dev/full", &st), 0);
	cr_expect(S_ISCHR(st.st_mode));
}
