// SPDX-License-Identifier: MIT
/* Replays files through a libFuzzer entry point (no libFuzzer needed). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs bigger than this are not fuzz seeds: skip rather than eat memory. */
#define REPLAY_MAX_INPUT (64u * 1024 * 1024)
#define REPLAY_MAX_DEPTH 16

struct replay {
	unsigned long ran;
	unsigned long skipped;
};

static int run_file(struct replay *r, const char *path, off_t size)
{
	if (size < 0 || (uint64_t)size > REPLAY_MAX_INPUT) {
		r->skipped++;
		return 0;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = (size_t)size;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		fclose(f);
		return -1;
	}
	size_t got = fread(buf, 1, n, f);
	fclose(f);
	/* An exact-size copy lets ASan see any read past the end. */
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	r->ran++;
	return 0;
}

static int run_path(struct replay *r, const char *path, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? run_file(r, path, st.st_size) : 0;
	if (depth >= REPLAY_MAX_DEPTH)
		return 0;
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		int k = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (k < 0 || (size_t)k >= sizeof(sub))
			continue;
		if (run_path(r, sub, depth + 1) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

/* fuzz_pcapng (or .../replay/fuzz_pcapng) -> "pcapng". */
static const char *target_name(const char *argv0)
{
	const char *b = strrchr(argv0, '/');
	b = b ? b + 1 : argv0;
	return strncmp(b, "fuzz_", 5) == 0 ? b + 5 : b;
}

int main(int argc, char **argv)
{
	struct replay r = { 0 };
	int rc = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (run_path(&r, argv[i], 0) < 0)
				rc = 1;
	} else {
		/* make replay runs us without arguments from the repo root. */
		char seeds[512];
		snprintf(seeds, sizeof(seeds), "tests/fuzz/seeds/%s",
			 target_name(argc > 0 ? argv[0] : "fuzz"));
		const char *dirs[] = { seeds, "../shared/captures" };
		for (size_t i = 0; i < 2; i++) {
			struct stat st;
			if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
				printf("replay: %s\n", dirs[i]);
				if (run_path(&r, dirs[i], 0) < 0)
					rc = 1;
			}
		}
	}
	printf("replay: %lu inputs ran, %lu skipped (too big)\n", r.ran,
	       r.skipped);
	if (r.ran == 0 && argc <= 1)
		printf("INFO: no seed inputs found\n");
	return rc;
}
