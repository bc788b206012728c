// SPDX-License-Identifier: MIT
/* Classic pcap reader: both byte orders, micro/nanosecond, bounds-checked. */
#include "capture/reader.h"

#include <errno.h>
#include <string.h>

#define PCAP_FILE_HDR 24u
/* Bits 16-25 of the link type field are reserved (must be zero); the top
 * bits carry the FCS length and its presence flag, which we ignore. */
#define PCAP_LT_RESERVED 0x03FF0000u
#define PCAP_LT_MASK 0x0000FFFFu

/*
 * True when the first two records, read with hdrlen-byte record headers,
 * claim more bytes than any capture of this link type holds: the one
 * thing a readable file cannot contain. Softer oddities (caplen above the
 * snaplen or the wire length, wire length 0, fraction out of range) occur
 * in real standard files and must not move us off the standard layout.
 */
static bool layout_broken(struct cap_file *f, size_t hdrlen)
{
	size_t off = PCAP_FILE_HDR;
	for (int i = 0; i < 2; i++) {
		size_t avail = cap_in_fill(&f->in, off + 16);
		if (avail < off + 16)
			return false;
		uint32_t caplen = cap_ld32(cap_in_ptr(&f->in) + off + 8, f->be);
		if (caplen > f->maxcap)
			return true;
		off += hdrlen + caplen;
	}
	return false;
}

int cap_pcap_header(struct cap_file *f, struct nd_err *err)
{
	size_t n = cap_in_fill(&f->in, PCAP_FILE_HDR);
	if (n < PCAP_FILE_HDR) {
		if (f->in.ioerr)
			return cap_in_error(f, err);
		return nd_err_set(err, ND_ERR_INPUT, EINVAL,
				  "%s: offset 0: pcap file header truncated (%zu of %u bytes)",
				  f->name, n, PCAP_FILE_HDR);
	}
	const uint8_t *h = cap_in_ptr(&f->in);
	uint32_t m = cap_ld32(h, true);
	f->be = m == 0xa1b2c3d4 || m == 0xa1b23c4d || m == 0xa1b2cd34;
	f->nsec = m == 0xa1b23c4d || m == 0x4d3cb2a1;
	/* Kuznetzov's patched libpcap adds ifindex, protocol, type, pad. */
	f->hdrlen = (m == 0xa1b2cd34 || m == 0x34cdb2a1) ? 24 : 16;
	uint16_t major = cap_ld16(h + 4, f->be);
	uint16_t minor = cap_ld16(h + 6, f->be);
	f->snaplen = cap_ld32(h + 16, f->be);
	uint32_t lt = cap_ld32(h + 20, f->be);
	if (major != 2)
		return nd_err_set(err, ND_ERR_INPUT, EINVAL,
				  "%s: offset 4: pcap version %u.%u unsupported",
				  f->name, major, minor);
	if (lt & PCAP_LT_RESERVED)
		return nd_err_set(err, ND_ERR_INPUT, EINVAL,
				  "%s: offset 20: link type reserved field not zero (0x%08x)",
				  f->name, lt & PCAP_LT_RESERVED);
	f->linktype = (int)(lt & PCAP_LT_MASK);
	f->maxcap = cap_max_packet(f->linktype);
	f->max_snaplen = f->snaplen;
	/*
	 * Some old patched libpcaps wrote 24-byte record headers under the
	 * standard magic. Take that layout only when the standard one cannot be
	 * read at all and the other can (see docs/capture.md).
	 */
	if (f->hdrlen == 16 && minor == 4 && layout_broken(f, 16) &&
	    !layout_broken(f, 24))
		f->hdrlen = 24;
	cap_in_consume(&f->in, PCAP_FILE_HDR);
	return 0;
}

int cap_pcap_next(struct cap_file *f, struct cap_frame *fr, struct nd_err *err)
{
	struct cap_in *in = &f->in;
	size_t hl = f->hdrlen;
	size_t avail = cap_in_avail(in);
	if (avail < hl) {
		avail = cap_in_fill(in, hl);
		if (avail < hl) {
			if (avail == 0)
				return cap_file_at_end(f, err);
			if (in->ioerr)
				return cap_in_error(f, err);
			return nd_err_set(err, ND_ERR_INPUT, EINVAL,
					  "%s: offset %llu: record header truncated (%zu of %zu bytes)",
					  f->name,
					  (unsigned long long)cap_in_offset(in),
					  avail, hl);
		}
	}
	const uint8_t *h = cap_in_ptr(in);
	uint32_t sec = cap_ld32(h, f->be);
	uint32_t frac = cap_ld32(h + 4, f->be);
	uint32_t caplen = cap_ld32(h + 8, f->be);
	uint32_t wirelen = cap_ld32(h + 12, f->be);
	/* A length beyond what any capture of this link type holds means the
	 * file is corrupt; stop rather than resynchronise on garbage. */
	if (caplen > f->maxcap)
		return nd_err_set(err, ND_ERR_INPUT, EINVAL,
				  "%s: offset %llu: record claims %u bytes, more than the %u-byte limit (corrupt file)",
				  f->name, (unsigned long long)cap_in_offset(in),
				  caplen, f->maxcap);
	size_t need = hl + caplen;
	if (avail < need) {
		avail = cap_in_fill(in, need);
		if (avail < need) {
			if (in->ioerr)
				return cap_in_error(f, err);
			return nd_err_set(err, ND_ERR_INPUT, EINVAL,
					  "%s: offset %llu: record truncated (header says %u bytes, %zu left)",
					  f->name,
					  (unsigned long long)cap_in_offset(in),
					  caplen, avail - hl);
		}
		h = cap_in_ptr(in);
	}
	fr->offset = cap_in_offset(in);
	fr->ts_ns = (int64_t)sec * 1000000000 +
		    (int64_t)frac * (f->nsec ? 1 : 1000);
	fr->has_ts = true;
	fr->caplen = caplen;
	fr->wirelen = wirelen;
	fr->linktype = f->linktype;
	fr->iface = -1;
	fr->data = h + hl;
	f->last_ts = fr->ts_ns;
	cap_in_consume(in, need);
	return 1;
}
