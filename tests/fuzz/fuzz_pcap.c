// SPDX-License-Identifier: MIT
/* libFuzzer target: classic pcap (and anything else) through the file reader. */
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A filter exercises the per-link-type compile and pcap_offline_filter. */
	struct cap_opts o = { .filter = (size & 1) ? "tcp or udp" : NULL };
	struct cap_source *s = NULL;
	struct nd_err e = { 0 };
	if (cap_open_mem(&s, data, size, "fuzz", &o, &e) < 0)
		return 0;
	struct cap_frame f;
	volatile uint8_t sink = 0;
	while (cap_next(s, &f, &e) > 0) {
		/* Touch every byte the reader claims is there. */
		for (uint32_t i = 0; i < f.caplen; i++)
			sink ^= f.data[i];
	}
	struct cap_stats st;
	cap_get_stats(s, &st);
	cap_close(s);
	(void)sink;
	return 0;
}
