// SPDX-License-Identifier: MIT
/* libFuzzer target: the thresholds config file parser (--config FILE) and
 * the --set NAME=VALUE parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "evidence/thresholds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct thresholds th;
	struct nd_err e = { 0 };
	int fd = memfd_create("fuzzcfg", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		thresholds_init(&th);
		thresholds_load_file(&th, path, &e);
	}
	close(fd);
	/* The same bytes as one --set argument (NUL-terminated copy). */
	char *arg = malloc(size + 1);
	if (arg) {
		memcpy(arg, data, size);
		arg[size] = 0;
		thresholds_init(&th);
		thresholds_set_arg(&th, arg, &e);
		free(arg);
	}
	return 0;
}
