/* SPDX-License-Identifier: MIT */
/* --write-evidence: copy the frames behind findings into a new capture file. */
#ifndef NETDX_ANALYZE_EVIDENCE_EXPORT_H
#define NETDX_ANALYZE_EVIDENCE_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "decode/packet.h"
#include "flow/flow.h"

struct evidence_export_req {
	const uint64_t *frames; /* frame numbers (1-based, as netdx/tshark number them) */
	size_t n_frames;
	const struct flow_key *flows; /* conversations to include whole ... */
	size_t n_flows;
	int64_t from_ns, to_ns;	 /* ... within this capture-time window, inclusive
				  * (0 = no bound on that side; 0,0 = all) */
	uint32_t context_frames; /* also this many frames before/after each listed frame */
};

/*
 * Re-reads inputs (merged like cap_open_files, so frame numbers match the
 * analysis run) and writes to out_path every frame that is listed, within
 * context_frames of a listed frame, or carries a transport header (not one
 * quoted in an ICMP error) whose canonical key is one of req->flows and
 * whose time is inside the window. Non-packet records (pcapng custom
 * blocks) are never written.
 *
 * Output: classic pcap with nanosecond timestamps when every written frame
 * has the same link type (an empty selection gives an empty pcap with the
 * first input link type), else pcapng with one interface per link type.
 * out_path follows the output rule of core/outfile.h: a regular file is
 * written to a temporary name next to it (mode 0600: it holds captured
 * traffic) and renamed over it at the end; a FIFO or character device is
 * written directly, never replaced; "-" is standard output.
 *
 * Returns 0, or <0 with err set. Input "-" (stdin) cannot be re-read and
 * is refused up front, as is an out_path that names one of the inputs.
 * When an input fails part-way, the frames read
 * before the failure are still written and the read error is returned.
 * Memory: copies of the frame and flow lists, nothing per frame.
 */
int evidence_export(const char *const *inputs, size_t n_inputs,
		    const struct evidence_export_req *req, const char *out_path,
		    struct nd_err *err);

#endif
