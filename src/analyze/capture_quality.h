/* SPDX-License-Identifier: MIT */
/* Capture-quality analyzer: duplicates, time going backwards, truncation, evictions, kernel drops. */
#ifndef NETDX_ANALYZE_CAPTURE_QUALITY_H
#define NETDX_ANALYZE_CAPTURE_QUALITY_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "evidence/evidence.h"
#include "evidence/thresholds.h"

/*
 * Evidence kinds produced (one record each per run, at cq_finish):
 *   capture.duplicate       frames duplicates exact near window_ms memory
 *                           forgotten first_duplicate first_original
 *   capture.time_backwards  frames count max_step_ns max_step_frame
 *   capture.truncated       frames truncated headers_cut snaplen [header_snaplen]
 *   capture.decode_depth    frames too_deep by_layers by_ip by_transport
 *                           by_tunnels max_layers max_ip max_transport
 *                           max_tunnels (frames a decode limit stopped)
 *   capture.flows_evicted   evicted created max_open
 *   capture.kernel_drops    received kernel_dropped iface_dropped records
 * Frame references list the first affected frames.
 *
 * Duplicate detection keeps bounded fingerprint sets with FIFO eviction:
 *  - exact: hash of timestamp + caplen + wirelen + the frame's bytes (link
 *    header and IP packet, each hashed over its first 80 and last 16
 *    bytes), remembering the last capture.duplicate_memory frames that
 *    arrived in time order (default 262144, 16 bytes each = 4 MiB while
 *    they span less than 2^32 ns and frame numbers stay below 2^32, up
 *    to 24 bytes each = 6 MiB otherwise) plus,
 *    allocated on first use, as many that did not (out of order or many
 *    on one timestamp; 16 bytes each + an index of at most 8 bytes each):
 *    at most 48 bytes per remembered frame, 12 MiB at the default. A file
 *    merged twice is found even when the copies are far apart. Only a
 *    frame whose timestamp is not a new maximum is looked up (a copy
 *    repeats its original's timestamp);
 *  - near: the same bytes from the outer IP header on, seen again within
 *    capture.duplicate_window_ms on another interface / file / link header
 *    (one packet captured twice on its way through a host); candidates
 *    older than the window are dropped, at most 65536 are kept (32 bytes
 *    each + an index of at most 16 bytes each, kept only from the first
 *    frame that could be a near copy on, + 12 KiB of path buckets) in a
 *    ring that starts at 1024 and doubles only while it is full of
 *    candidates inside the window: 32 KiB at ordinary packet rates.
 * Design and collision argument: capture_quality.c, cq_near.c,
 * docs/performance.md.
 */
#define CQ_NEAR_ENTRIES 65536

struct cq;

/* th supplies capture.duplicate_memory and capture.duplicate_window_ms. NULL on OOM. */
struct cq *cq_new(const struct thresholds *th);
void cq_free(struct cq *q);

/*
 * Feeds one record. pkt is the decoded frame or NULL (then only exact
 * duplicates and truncation by length are checked). Returns true when the
 * frame is a copy of one already seen (callers may skip it in analyses).
 */
bool cq_frame(struct cq *q, const struct cap_frame *fr,
	      const struct packet *pkt);

/* Frames whose decoding a decode limit stopped (packet.too_deep). */
uint64_t cq_too_deep(const struct cq *q);

/*
 * Writes the evidence records: duplicate, time_backwards, truncated,
 * decode_depth and flows_evicted only when their count is not 0; kernel_drops whenever the
 * live capture reported kernel statistics (0 drops is news too). cs and
 * fs may be NULL (not available). 0 or negative errno from the store.
 */
int cq_finish(struct cq *q, const struct cap_stats *cs,
	      const struct flow_table_stats *fs, struct ev_store *out);

#endif
