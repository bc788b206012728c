/* SPDX-License-Identifier: MIT */
/* Minimal capture writer: classic pcap (nanosecond) or pcapng, one IDB per link type. */
#ifndef NETDX_CAPTURE_PCAP_WRITE_H
#define NETDX_CAPTURE_PCAP_WRITE_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

/*
 * PCAPW_PCAP: classic pcap, nanosecond magic (0xa1b23c4d), version 2.4, one
 * link type per file (taken from the first record). PCAPW_PCAPNG: one
 * Section Header Block, then an Interface Description Block (if_tsresol = 9,
 * nanoseconds) the first time each link type is written, then Enhanced
 * Packet Blocks. Both are written little-endian whatever the host.
 */
enum pcapw_format { PCAPW_PCAP = 1, PCAPW_PCAPNG = 2 };

/* Distinct link types one pcapng file may hold (bounds the table). */
#define PCAPW_MAX_LINKTYPES 64

struct pcapw;

/*
 * fp is borrowed (the caller opens and closes it). snaplen goes into the
 * file/interface headers; records longer than it are refused.
 */
struct pcapw *pcapw_new(FILE *fp, enum pcapw_format fmt, uint32_t snaplen);

/*
 * Appends one record. Times before the epoch are written as 0 and pcap
 * seconds are clamped to 32 bits (the formats cannot hold them). wirelen
 * below caplen is raised to caplen. Returns 0 or -errno (err set): -EINVAL
 * for a second link type in classic pcap or a bad length, -ENOSPC past
 * PCAPW_MAX_LINKTYPES, -EIO for a write failure.
 */
int pcapw_write(struct pcapw *w, int linktype, int64_t ts_ns,
		const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		struct nd_err *err);

/*
 * Writes the headers if nothing was written yet (an empty pcap gets
 * empty_linktype), flushes and checks the stream. Returns 0 or -errno.
 */
int pcapw_finish(struct pcapw *w, int empty_linktype, struct nd_err *err);

uint64_t pcapw_records(const struct pcapw *w);

void pcapw_free(struct pcapw *w);

#endif
