// SPDX-License-Identifier: MIT
/* libFuzzer target: a whole capture file through the packet pipeline
 * (reader, decode, IP reassembly, flow table, TCP analysis, capture
 * quality), then the rules and both sinks. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyze/pipeline.h"
#include "output/report.h"
#include "output/report_rules.h"
#include "output/sink.h"
#include "rules/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(struct report *rep, const char *fmt, FILE *out)
{
	struct sink_opts so = { .out = out, .color = SINK_COLOR_NEVER };
	struct nd_err e = { 0 };
	struct sink *s = sink_new(fmt, &so, &e);
	if (s) {
		sink_render(s, rep);
		sink_free(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The pipeline opens paths: hand it the input as an anonymous file. */
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	const char *paths[] = { path };

	struct thresholds th;
	struct engine eng;
	struct nd_err e = { 0 };
	struct pipeline_opts po;
	struct pipeline *p = NULL;
	struct ev_store *ev = ev_store_new(0);
	struct report *rep = report_new("fuzz");
	FILE *null = fopen("/dev/null", "w");

	thresholds_init(&th);
	/*
	 * The smallest duplicate memory (1024 frames, the range's minimum):
	 * the default 262144-entry ring (~12 MB) cost ~1.5 ms per input under
	 * ASan to map, poison and unmap, and fuzz inputs hold a few hundred
	 * frames. Same code, and its wrap-around runs sooner.
	 */
	thresholds_set(&th, "capture.duplicate_memory", "1024", &e);
	engine_init(&eng, &th);
	pipeline_opts_default(&po);
	po.tcp_analysis = true;
	po.th = &th;
	po.ev = ev;
	/* Small limits so eviction and expiry paths run too. */
	po.limits.max_flows = 64;
	po.limits.idle_timeout_ns = 2000000000LL;
	if (ev && rep && null && pipeline_new(&p, &po, NULL, &e) == 0 &&
	    pipeline_open(p, paths, 1, NULL, &e) == 0) {
		pipeline_run(p, &e);
		if (report_run_engine(rep, &eng, ev, NULL, NULL, &e) == 0) {
			report_finalize(rep);
			render(rep, "text", null);
			render(rep, "json", null);
		}
	}
	pipeline_free(p);
	report_free(rep);
	ev_store_free(ev);
	if (null)
		fclose(null);
	close(fd);
	return 0;
}
