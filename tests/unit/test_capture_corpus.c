// SPDX-License-Identifier: MIT
/* Capture reader vs tshark ground truth on every file of the shared corpus. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/capture.h"

static const char *corpus_dir(char *buf, size_t n)
{
	const char *env = getenv("NETDX_SHARED");
	snprintf(buf, n, "%s/captures", env ? env : "../shared");
	struct stat st;
	if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
		return buf;
	snprintf(buf, n, "/work/shared/captures");
	if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
		return buf;
	return NULL;
}

/* "-" or a decimal number; -1 for "-" or empty. */
static bool parse_int(const char *s, long long *out)
{
	if (!s[0] || strcmp(s, "-") == 0) {
		*out = -1;
		return true;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* "1340954905.298858000" to ns exactly (no floating point). */
static bool parse_time(const char *s, bool *has, int64_t *ns)
{
	*has = s[0] != 0;
	*ns = 0;
	if (!*has)
		return true;
	char *end;
	errno = 0;
	long long sec = strtoll(s, &end, 10);
	if (errno || (*end && *end != '.'))
		return false;
	int64_t frac = 0;
	int digits = 0;
	if (*end == '.') {
		for (const char *p = end + 1; *p; p++, digits++) {
			if (*p < '0' || *p > '9' || digits >= 9)
				return false;
			frac = frac * 10 + (*p - '0');
		}
	}
	for (; digits < 9; digits++)
		frac *= 10;
	*ns = (int64_t)sec * 1000000000 + (s[0] == '-' ? -frac : frac);
	return true;
}

static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == '\t') {
			*p = 0;
			f[n++] = p + 1;
		}
	}
	return n;
}

/*
 * Deliberate differences (docs/capture.md): tshark stores usec * 1000 of an
 * out-of-range microsecond field in 32 bits and wraps; we do not.
 */
static bool ts_exempt(const char *name, uint64_t frame)
{
	return strcmp(name, "fuzz.pcap") == 0 && frame == 2;
}

/* Returns the number of mismatches found in one file (printed). */
static int check_file(const char *dir, const char *name)
{
	char path[1024], tsv[1200], js[1200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tsv, sizeof(tsv), "%s/truth/%s.frames.tsv", dir, name);
	snprintf(js, sizeof(js), "%s/truth/%s.json", dir, name);
	json_object *truth = json_object_from_file(js);
	if (!truth) {
		printf("%s: no truth json\n", name);
		return 1;
	}
	json_object *jf, *jx;
	int64_t want_frames = json_object_object_get_ex(truth, "frames", &jf)
				      ? json_object_get_int64(jf)
				      : -1;
	int want_exit = json_object_object_get_ex(truth, "tshark_exit_code", &jx)
				? json_object_get_int(jx)
				: 0;
	json_object_put(truth);

	FILE *t = fopen(tsv, "r");
	if (!t) {
		printf("%s: no truth tsv\n", name);
		return 1;
	}
	struct cap_opts opts = { 0 };
	struct nd_err err = { 0 };
	struct cap_source *src = NULL;
	const char *paths[] = { path };
	int rc = cap_open_files(&src, paths, 1, &opts, &err);
	int bad = 0;
	uint64_t n = 0;
	char line[8192];
	if (!fgets(line, sizeof(line), t)) /* header */
		line[0] = 0;
	for (bool open_ok = rc == 0; open_ok;) {
		struct cap_frame fr;
		rc = cap_next(src, &fr, &err);
		if (rc <= 0)
			break;
		n++;
		if (!fgets(line, sizeof(line), t)) {
			if (bad++ < 3)
				printf("%s: frame %" PRIu64 " not in truth\n", name, n);
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		char *f[10];
		if (split_tabs(line, f, 10) < 6) {
			printf("%s: bad truth line %" PRIu64 "\n", name, n);
			bad++;
			continue;
		}
		long long num, iface, lt, cl, wl;
		bool has;
		int64_t ts;
		if (!parse_int(f[0], &num) || !parse_int(f[2], &iface) ||
		    !parse_int(f[3], &lt) || !parse_int(f[4], &cl) ||
		    !parse_int(f[5], &wl) || !parse_time(f[1], &has, &ts)) {
			printf("%s: unparsable truth line %" PRIu64 "\n", name, n);
			bad++;
			continue;
		}
		bool ok = (uint64_t)num == fr.num && cl == fr.caplen &&
			  wl == fr.wirelen && lt == fr.linktype &&
			  iface == fr.iface && has == fr.has_ts &&
			  (!has || ts == fr.ts_ns || ts_exempt(name, n));
		if (!ok && bad++ < 3)
			printf("%s: frame %" PRIu64 ": got num=%" PRIu64
			       " ts=%" PRId64 "%s cap=%u len=%u lt=%d if=%d; truth %s\n",
			       name, n, fr.num, fr.ts_ns, fr.has_ts ? "" : "(none)",
			       fr.caplen, fr.wirelen, fr.linktype, fr.iface,
			       line);
	}
	if (rc < 0 && want_exit == 0) {
		printf("%s: unexpected error after %" PRIu64 " records: %s\n",
		       name, n, err.msg);
		bad++;
	}
	if (rc == 0 && want_exit != 0) {
		printf("%s: tshark failed (exit %d) but we read it cleanly\n",
		       name, want_exit);
		bad++;
	}
	if ((int64_t)n != want_frames) {
		printf("%s: %" PRIu64 " records, truth says %" PRId64 "\n", name,
		       n, want_frames);
		bad++;
	}
	if (rc < 0)
		printf("INFO: %s: %s\n", name, err.msg);
	fclose(t);
	cap_close(src);
	return bad;
}

Test(capture_corpus, every_file_matches_tshark)
{
	char dbuf[1024];
	const char *dir = corpus_dir(dbuf, sizeof(dbuf));
	if (!dir) {
		printf("SKIP: shared capture corpus not found\n");
		cr_skip_test("shared capture corpus (../shared/captures) absent");
	}
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *e;
	int files = 0, bad_files = 0;
	while ((e = readdir(d))) {
		const char *nm = e->d_name;
		size_t l = strlen(nm);
		bool cap = (l > 5 && strcmp(nm + l - 5, ".pcap") == 0) ||
			   (l > 7 && strcmp(nm + l - 7, ".pcapng") == 0) ||
			   (l > 6 && strcmp(nm + l - 6, ".trace") == 0);
		if (!cap)
			continue;
		files++;
		if (check_file(dir, nm))
			bad_files++;
	}
	closedir(d);
	printf("INFO: capture corpus: %d files, %d mismatching\n", files,
	       bad_files);
	cr_expect_gt(files, 50);
	cr_assert_eq(bad_files, 0, "%d corpus files differ from tshark", bad_files);
}
