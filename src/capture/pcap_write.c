// SPDX-License-Identifier: MIT
// Minimal capture writer (classic pcap nanosecond, pcapng), from the format specs.
#include "capture/pcap_write.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct pcapw {
	FILE *fp; /* borrowed */
	enum pcapw_format fmt;
	uint32_t snaplen;
	bool started; /* file header / SHB written */
	int pcap_linktype;
	/* pcapng: link type of interface i (its IDB was written) */
	int ifaces[PCAPW_MAX_LINKTYPES];
	size_t nifaces;
	uint64_t records;
};

/* Little-endian stores: the files are defined by their magic, not the host. */
static void st16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

struct pcapw *pcapw_new(FILE *fp, enum pcapw_format fmt, uint32_t snaplen)
{
	struct pcapw *w;

	if (!fp || (fmt != PCAPW_PCAP && fmt != PCAPW_PCAPNG))
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->fp = fp;
	w->fmt = fmt;
	w->snaplen = snaplen;
	return w;
}

void pcapw_free(struct pcapw *w)
{
	free(w);
}

uint64_t pcapw_records(const struct pcapw *w)
{
	return w ? w->records : 0;
}

static int put(struct pcapw *w, const void *p, size_t n, struct nd_err *err)
{
	if (n && fwrite(p, 1, n, w->fp) != n)
		return nd_err_set(err, ND_ERR_RUNTIME, EIO,
				  "cannot write capture: %s", strerror(errno));
	return 0;
}

static int pcap_header(struct pcapw *w, int linktype, struct nd_err *err)
{
	uint8_t h[24];

	st32(h, 0xa1b23c4du); /* nanosecond timestamps */
	st16(h + 4, 2);
	st16(h + 6, 4);
	st32(h + 8, 0);	 /* thiszone */
	st32(h + 12, 0); /* sigfigs */
	st32(h + 16, w->snaplen);
	st32(h + 20, (uint32_t)linktype);
	w->started = true;
	w->pcap_linktype = linktype;
	return put(w, h, sizeof(h), err);
}

static int ng_shb(struct pcapw *w, struct nd_err *err)
{
	uint8_t b[28];

	st32(b, 0x0a0d0d0au);
	st32(b + 4, sizeof(b));
	st32(b + 8, 0x1a2b3c4du); /* byte-order magic */
	st16(b + 12, 1);
	st16(b + 14, 0);
	st32(b + 16, 0xffffffffu); /* section length: not given */
	st32(b + 20, 0xffffffffu);
	st32(b + 24, sizeof(b));
	w->started = true;
	return put(w, b, sizeof(b), err);
}

/* IDB with if_tsresol = 9 (default would be microseconds). */
static int ng_idb(struct pcapw *w, int linktype, struct nd_err *err)
{
	uint8_t b[32];

	st32(b, 1);
	st32(b + 4, sizeof(b));
	st16(b + 8, (uint16_t)linktype);
	st16(b + 10, 0);
	st32(b + 12, w->snaplen);
	st16(b + 16, 9); /* if_tsresol */
	st16(b + 18, 1);
	b[20] = 9;
	b[21] = b[22] = b[23] = 0; /* option padding */
	st16(b + 24, 0);	   /* opt_endofopt */
	st16(b + 26, 0);
	st32(b + 28, sizeof(b));
	return put(w, b, sizeof(b), err);
}

/* Interface id for linktype, writing its IDB on first use. */
static int ng_iface(struct pcapw *w, int linktype, struct nd_err *err)
{
	int r;

	for (size_t i = 0; i < w->nifaces; i++)
		if (w->ifaces[i] == linktype)
			return (int)i;
	if (w->nifaces >= PCAPW_MAX_LINKTYPES)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOSPC,
				  "more than %d link types in one capture",
				  PCAPW_MAX_LINKTYPES);
	r = ng_idb(w, linktype, err);
	if (r < 0)
		return r;
	w->ifaces[w->nifaces] = linktype;
	return (int)w->nifaces++;
}

int pcapw_write(struct pcapw *w, int linktype, int64_t ts_ns,
		const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		struct nd_err *err)
{
	static const uint8_t zero[4];
	uint64_t t = ts_ns > 0 ? (uint64_t)ts_ns : 0;
	uint8_t h[28];
	int r;

	if (linktype < 0 || linktype > 0xffff)
		return nd_err_set(err, ND_ERR_RUNTIME, EINVAL,
				  "cannot write link type %d", linktype);
	if ((caplen && !data) || caplen > w->snaplen)
		return nd_err_set(err, ND_ERR_RUNTIME, EINVAL,
				  "record of %u bytes exceeds snaplen %u",
				  caplen, w->snaplen);
	if (wirelen < caplen)
		wirelen = caplen;

	if (w->fmt == PCAPW_PCAP) {
		uint64_t sec = t / 1000000000u;
		if (!w->started && (r = pcap_header(w, linktype, err)) < 0)
			return r;
		if (linktype != w->pcap_linktype)
			return nd_err_set(err, ND_ERR_RUNTIME, EINVAL,
					  "classic pcap holds one link type (%d), not %d",
					  w->pcap_linktype, linktype);
		st32(h, sec > UINT32_MAX ? UINT32_MAX : (uint32_t)sec);
		st32(h + 4, (uint32_t)(t % 1000000000u));
		st32(h + 8, caplen);
		st32(h + 12, wirelen);
		if ((r = put(w, h, 16, err)) < 0 ||
		    (r = put(w, data, caplen, err)) < 0)
			return r;
		w->records++;
		return 0;
	}

	if (!w->started && (r = ng_shb(w, err)) < 0)
		return r;
	int ifc = ng_iface(w, linktype, err);
	if (ifc < 0)
		return ifc;
	uint32_t pad = (4 - (caplen & 3)) & 3;
	uint32_t total = 32 + caplen + pad;
	st32(h, 6); /* Enhanced Packet Block */
	st32(h + 4, total);
	st32(h + 8, (uint32_t)ifc);
	st32(h + 12, (uint32_t)(t >> 32));
	st32(h + 16, (uint32_t)t);
	st32(h + 20, caplen);
	st32(h + 24, wirelen);
	uint8_t tail[4];
	st32(tail, total);
	if ((r = put(w, h, 28, err)) < 0 || (r = put(w, data, caplen, err)) < 0 ||
	    (r = put(w, zero, pad, err)) < 0 || (r = put(w, tail, 4, err)) < 0)
		return r;
	w->records++;
	return 0;
}

int pcapw_finish(struct pcapw *w, int empty_linktype, struct nd_err *err)
{
	int r;

	if (!w->started) {
		if (w->fmt == PCAPW_PCAP)
			r = pcap_header(w, empty_linktype < 0 ? 1 : empty_linktype,
					err);
		else
			r = ng_shb(w, err);
		if (r < 0)
			return r;
	}
	if (fflush(w->fp) != 0 || ferror(w->fp))
		return nd_err_set(err, ND_ERR_RUNTIME, EIO,
				  "cannot write capture: %s", strerror(errno));
	return 0;
}
